//! Metrics and digest throughput on generated workspaces (secfw-workgen): computing the KPIs,
//! rendering each format, and the whole IMPROVE step (`load` + collect + render + write).
//!
//! `cargo bench -p secfw-digest --bench digest` measures S (1,000 findings, 100 resources, 20
//! exceptions); with `SECFW_BENCH_M=1` also M (100,000 findings, 10,000 resources, 2,000
//! exceptions). `cargo test -p secfw-digest --benches` runs each benchmark once (smoke mode).
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use secfw_artifacts::{LoadOptions, load};
use secfw_metrics::{CollectOptions, History, Period, collect_with_history, compute};
use secfw_workgen::{Size, generate};

fn now() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().expect("time")
}

fn bench_size(c: &mut Criterion, size: Size, label: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), size, 0).expect("generate workspace");
    let ws = load(dir.path(), &LoadOptions::default()).expect("load");
    let period = Period::new(now() - chrono::Duration::days(30), now()).expect("period");
    let history = History::default();
    let report = collect_with_history(&ws, &history, &CollectOptions::default(), now()).expect("collect");
    let mut group = c.benchmark_group(format!("digest_{label}"));
    if size == Size::M {
        group.sample_size(10).measurement_time(Duration::from_secs(20));
    }
    // The governance part of compute_kpis (secfw-governance's evaluation at the same instant).
    group.bench_function("governance_only", |b| b.iter(|| black_box(secfw_governance::evaluate(&ws, now()))));
    group.bench_function("compute_kpis", |b| b.iter(|| black_box(compute(&ws, period, now()))));
    group.bench_function("render_md", |b| b.iter(|| black_box(secfw_digest::render_markdown(&report))));
    group.bench_function("render_json", |b| b.iter(|| black_box(secfw_digest::render_json(&report))));
    group.bench_function("render_html", |b| b.iter(|| black_box(secfw_digest::render_html(&report))));
    group.bench_function("load_and_generate", |b| {
        b.iter(|| {
            let ws = load(dir.path(), &LoadOptions::default()).expect("load");
            black_box(secfw_digest::generate(&ws, &CollectOptions::default(), now(), None).expect("generate"))
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

criterion_group!(digest_benches, benches);
criterion_main!(digest_benches);
