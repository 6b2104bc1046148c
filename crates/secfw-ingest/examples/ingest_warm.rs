//! Ingest one report into a fresh workspace several times in one process, with the allocator
//! of the `secfw` binary (mimalloc), and print each run's time in seconds. With
//! `MIMALLOC_PURGE_DELAY=-1` the allocator keeps the small blocks a run freed for the next
//! run; the largest vectors (a million items or findings) still go back to the system between
//! runs. docs/PERFORMANCE.md uses it to tell an ingest's own work from the cost of fresh memory.
//! `TMPDIR=. target/release/examples/ingest_warm FILE [RUNS]` (RUNS defaults to 3).
#![allow(clippy::disallowed_macros, missing_docs)]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), runs) = (args.next(), args.next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(3)) else {
        eprintln!("usage: ingest_warm FILE [RUNS]");
        std::process::exit(2);
    };
    let now: chrono::DateTime<chrono::Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
    let inputs = [secfw_ingest::Input::new(&path, secfw_ingest::Format::Auto)];
    let mut times = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let lock = secfw_artifacts::WorkspaceLock::acquire(dir.path(), Duration::from_secs(5)).unwrap();
        let t = Instant::now();
        let out = secfw_ingest::ingest(dir.path(), &lock, &inputs, &secfw_ingest::IngestOptions::new(now))
            .unwrap_or_else(|e| panic!("{e}"));
        drop(out);
        times.push(t.elapsed().as_secs_f64());
    }
    println!("{}", times.iter().map(|t| format!("{t:.3}")).collect::<Vec<_>>().join(" "));
}
