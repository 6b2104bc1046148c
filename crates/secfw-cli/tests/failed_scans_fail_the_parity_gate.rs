//! A scan that failed — SARIF `runs: null` (the tool died before any run), a run with
//! `executionSuccessful: false` — is recorded by `secfw ingest` and then fails
//! `secfw gate parity_coverage` closed (GT0202), from the CLI, on the full example workspace
//! that passes the gate before (issue 12 audit: the "parity gate then fails closed" half of the
//! `runs: null` item had only a library test of the ingest side).

use std::path::Path;
use std::process::{Command, Output};

fn secfw(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secfw")).env("NO_COLOR", "1").args(args).arg(dir).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn example() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let ws = d.path().join("ws");
    let o = Command::new(env!("CARGO_BIN_EXE_secfw")).args(["init", "--now", "2026-12-01"]).arg(&ws).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let gate = secfw(&["gate", "parity_coverage", "--now", "2026-12-02T00:00:00Z"], &ws);
    assert_eq!(gate.status.code(), Some(0), "the example passes before: {}", text(&gate));
    d
}

fn ingest_then_gate(report_name: &str, report: &[u8]) -> Output {
    let d = example();
    let ws = d.path().join("ws");
    let p = d.path().join(report_name);
    std::fs::write(&p, report).unwrap();
    let o = secfw(&["ingest", "--now", "2026-12-02T00:00:00Z", p.to_str().unwrap()], &ws);
    assert_eq!(o.status.code(), Some(0), "a failed scan is recorded, not refused: {}", text(&o));
    assert!(text(&o).contains("1 failed"), "{}", text(&o));
    secfw(&["gate", "parity_coverage", "--now", "2026-12-02T01:00:00Z"], &ws)
}

#[test]
fn sarif_runs_null_fails_the_parity_gate_with_gt0202() {
    let gate = ingest_then_gate("crashed.sarif", br#"{"version":"2.1.0","runs":null}"#);
    assert_eq!(gate.status.code(), Some(1), "{}", text(&gate));
    assert!(text(&gate).contains("GT0202") && text(&gate).contains("runs` is null"), "{}", text(&gate));
}

#[test]
fn a_run_that_did_not_execute_successfully_fails_the_parity_gate_with_gt0202() {
    let report =
        std::fs::read(secfw_testkit::corpora("sarif/EDGE__sarif-tutorials__catastrophic-execution-error.sarif"))
            .unwrap();
    let gate = ingest_then_gate("failed.sarif", &report);
    assert_eq!(gate.status.code(), Some(1), "{}", text(&gate));
    assert!(text(&gate).contains("GT0202"), "{}", text(&gate));
}
