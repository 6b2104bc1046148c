//! Gate throughput on generated workspaces (secfw-workgen): governance evaluation alone, each
//! gate, and `load` + all gates (what `secfw gate all` does).
//!
//! `cargo bench -p secfw-gates --bench gates` measures S (1,000 findings, 100 resources, 20
//! exceptions); with `SECFW_BENCH_M=1` also M (100,000 findings, 10,000 resources, 2,000
//! exceptions). `cargo test -p secfw-gates --benches` runs each benchmark once (smoke mode).
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use secfw_artifacts::{LoadOptions, load};
use secfw_gates::{GateContext, GateName, GateOptions, run, run_in};
use secfw_workgen::{Size, generate};

/// A day after the generator's `as_of`, so every generated scan is "this cycle" and the
/// workspace passes every gate (the realistic path: nothing to locate but excepted notes).
fn now() -> DateTime<Utc> {
    secfw_workgen::default_as_of() + chrono::Duration::hours(12)
}

fn bench_size(c: &mut Criterion, size: Size, label: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), size, 0).expect("generate workspace");
    let ws = load(dir.path(), &LoadOptions::default()).expect("load");
    let opts = GateOptions::default();
    assert!(run(&ws, &GateName::ALL, now(), &opts).passed, "the generated {label} workspace passes every gate");
    let mut group = c.benchmark_group(format!("gates_{label}"));
    if size == Size::M {
        group.sample_size(10).measurement_time(Duration::from_secs(20));
    }
    group.bench_function("governance", |b| b.iter(|| black_box(secfw_governance::evaluate(&ws, now()))));
    for g in GateName::ALL {
        group.bench_function(g.as_str(), |b| {
            b.iter(|| {
                let ctx = GateContext::new(&ws, now(), opts.clone());
                black_box(run_in(&ctx, &[g]))
            });
        });
    }
    group.bench_function("all_gates", |b| b.iter(|| black_box(run(&ws, &GateName::ALL, now(), &opts))));
    group.bench_function("load_and_all_gates", |b| {
        b.iter(|| {
            let ws = load(dir.path(), &LoadOptions::default()).expect("load");
            black_box(run(&ws, &GateName::ALL, now(), &opts))
        });
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_size(c, Size::S, "S");
    if std::env::var_os("SECFW_BENCH_M").is_some() {
        bench_size(c, Size::M, "M");
    }
}

criterion_group!(group, benches);
criterion_main!(group);
