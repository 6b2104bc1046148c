//! `GateMemo`: a process running several gate runs on one load (`secfw cycle`) lints the
//! workspace once per `now` and strict mode, and a memo never answers for anything else.
//! (One test in its own binary: `schema_lint_runs` counts for the whole process.)

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use secfw_artifacts::{LoadOptions, load};
use secfw_gates::{GateMemo, GateName, GateOptions, run, schema_lint_runs};

fn at(t: &str) -> DateTime<Utc> {
    t.parse().unwrap()
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base")
}

#[test]
fn schema_lint_is_reused_only_for_the_same_now_and_strict_mode_and_equals_a_fresh_run() {
    let ws = load(&fixture(), &LoadOptions::default()).unwrap();
    let memo = GateMemo::new();
    let with = |strict| GateOptions::default().strict(strict).memo(Some(memo.clone()));
    let plain = |strict| GateOptions::default().strict(strict);
    let late = at("2026-11-24T12:00:00Z");
    // Before the specification's `last_updated`: `schema_lint` warns about a date in the future,
    // so a report of `late` would be wrong here.
    let early = at("2020-01-01T00:00:00Z");

    let before = schema_lint_runs();
    let first = run(&ws, &GateName::ALL, late, &with(false));
    assert_eq!(schema_lint_runs() - before, 1);
    let second = run(&ws, &GateName::ALL, late, &with(false));
    assert_eq!(schema_lint_runs() - before, 1, "the same load, `now` and mode: reused");
    assert_eq!(first, second);
    assert_eq!(first, run(&ws, &GateName::ALL, late, &plain(false)), "reused = fresh");

    let other_time = run(&ws, &[GateName::SchemaLint], early, &with(false));
    assert_eq!(schema_lint_runs() - before, 3, "another `now` is linted again (the fresh run above counted too)");
    let fresh_early = run(&ws, &[GateName::SchemaLint], early, &plain(false));
    assert_eq!(other_time, fresh_early);
    assert_ne!(
        other_time.report(GateName::SchemaLint).unwrap().diagnostics,
        first.report(GateName::SchemaLint).unwrap().diagnostics,
        "the two instants lint differently, so reusing one for the other would be visible"
    );

    let strict = run(&ws, &[GateName::SchemaLint], early, &with(true));
    assert_eq!(schema_lint_runs() - before, 5, "strict mode is linted again");
    assert_eq!(strict, run(&ws, &[GateName::SchemaLint], early, &plain(true)));
    assert!(!strict.passed, "in strict mode the future-date warning fails the gate");
    // Both entries are kept: the earlier instant and mode are still answered from the memo.
    let again = run(&ws, &[GateName::SchemaLint], early, &with(false));
    assert_eq!(schema_lint_runs() - before, 6);
    assert_eq!(again, other_time);
}
