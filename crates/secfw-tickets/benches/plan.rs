//! Ticket planning on generated workspaces: a first plan (every open finding → create) and the
//! steady state (the ledger holds every ticket → an empty plan), which is what a CI job runs.
//!
//! `cargo bench -p secfw-tickets --bench plan` measures the S workspace (1,000 findings);
//! with `SECFW_BENCH_LARGE=1` also 100,000 findings (the M ledger, without evidence files).
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use secfw_tickets::{Ledger, plan_with_ledger};
use secfw_workgen::{Options, Size};

fn bench(c: &mut Criterion) {
    let mut sizes = vec![("S", Size::S)];
    if std::env::var_os("SECFW_BENCH_LARGE").is_some() {
        sizes.push((
            "M-ledger",
            Size::Custom {
                findings: 100_000,
                policies: 1_000,
                controls: 5_000,
                exceptions: 2_000,
                resources: 10_000,
                evidence_bytes: 0,
            },
        ));
    }
    let mut group = c.benchmark_group("tickets_plan");
    group.sample_size(10);
    for (name, size) in sizes {
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = Options::new(size, 7);
        secfw_workgen::generate_with(dir.path(), &opts).expect("generate");
        let ws = secfw_artifacts::load(dir.path(), &secfw_artifacts::LoadOptions::default()).expect("load");
        let now = opts.as_of;
        let first = plan_with_ledger(&ws, &Ledger::default(), now).expect("plan");
        let mut full = Ledger::default();
        for a in &first.actions {
            full.record(a, 200, now);
        }
        group.bench_with_input(BenchmarkId::new("first", name), &ws, |b, ws| {
            b.iter(|| plan_with_ledger(ws, &Ledger::default(), now).expect("plan"));
        });
        group.bench_with_input(BenchmarkId::new("steady", name), &ws, |b, ws| {
            b.iter(|| plan_with_ledger(ws, &full, now).expect("plan"));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
