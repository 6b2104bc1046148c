//! Event log costs: verifying a log of 10,000 events, and one locked, atomic append to a log of
//! 1,000 events (which re-verifies the chain first).
//!
//! `cargo bench -p secfw-lifecycle --bench event_log`; `cargo test -p secfw-lifecycle --benches`
//! runs each once.
#![allow(missing_docs)]

use std::hint::black_box;

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use secfw_artifacts::LifecycleState as S;
use secfw_lifecycle::{Event, EventKind, EventLog, verify_log_text};

fn event(prev: Option<&Event>, from: S, minute: i64) -> Event {
    let t0: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().expect("time");
    let mut e = Event::new(t0 + Duration::minutes(minute), "bench", EventKind::Transition, from, from.next());
    e.reasons = vec!["benchmark".into()];
    e.seal_after(prev)
}

fn log_text(n: usize) -> String {
    let mut out = String::new();
    let mut prev: Option<Event> = None;
    let mut s = S::Planned;
    for i in 0..n {
        let e = event(prev.as_ref(), s, i64::try_from(i).expect("small"));
        out.push_str(&e.to_line());
        out.push('\n');
        s = e.to;
        prev = Some(e);
    }
    out
}

fn benches(c: &mut Criterion) {
    let text = log_text(10_000);
    c.bench_function("verify_10k_events", |b| b.iter(|| black_box(verify_log_text(&text, None))));

    let dir = tempfile::tempdir().expect("tempdir");
    let small = log_text(1_000);
    // The checkpoint of that log (a log without one is LC0110 and is never appended to).
    let last: Event = serde_json::from_str(small.lines().last().expect("events")).expect("event");
    let head = format!("{{\"seq\":{},\"hash\":\"{}\"}}", last.seq, last.hash);
    std::fs::create_dir_all(dir.path().join(".secfw")).expect("mkdir");
    c.bench_function("append_to_1k_events", |b| {
        b.iter_batched(
            || {
                std::fs::write(dir.path().join(".secfw/events.jsonl"), &small).expect("write");
                std::fs::write(dir.path().join(".secfw/events.head"), &head).expect("write");
            },
            |()| {
                let log = EventLog::new(dir.path());
                let lock = log.lock().expect("lock");
                let last = log.read().expect("read").last().map_or(S::Planned, |e| e.to);
                black_box(log.append(&lock, event(None, last, 2_000)).expect("append"))
            },
            criterion::BatchSize::PerIteration,
        );
    });
}

criterion_group!(group, benches);
criterion_main!(group);
