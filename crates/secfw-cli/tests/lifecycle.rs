//! `secfw status`, `secfw advance` and `secfw log verify` end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOW: &str = "2026-11-24T12:00:00Z";

fn secfw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secfw")).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn fixture_copy() -> tempfile::TempDir {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root.join("crates/secfw-gates/tests/fixtures/base")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn advance_status_and_log_verify() {
    let d = fixture_copy();
    let dir = s(d.path());
    let o = secfw(&["status", dir, "--now", NOW]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("state: PLANNED (0 event(s)"), "{}", text(&o));

    let o = secfw(&["advance", dir, "--to", "READY_FOR_HANDOFF", "--actor", "alice", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("recorded event #1"));

    // Skipping a state is refused.
    let o = secfw(&["advance", dir, "--to", "EXECUTED", "--actor", "alice", "--now", NOW]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("LC0001"));

    // PACKAGED needs a verified seal: without a trust policy it is refused with the reason.
    let o = secfw(&["advance", dir, "--to", "packaged", "--actor", "alice", "--now", NOW]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("--trust"), "{}", text(&o));

    let o = secfw(&["status", dir, "--now", NOW, "--format", "json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["state"], "READY_FOR_HANDOFF");
    assert_eq!(j["last_events"][0]["actor"], "alice");
    assert!(
        j["next_criteria"].as_array().unwrap().iter().any(|c| c["criterion"] == "manifest_sealed" && c["met"] == false)
    );

    let o = secfw(&["log", "verify", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("1 event(s): intact"));

    // Tamper: the log names the line, and advancing is refused.
    let log = d.path().join(".secfw/events.jsonl");
    let t = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, t.replace("\"alice\"", "\"mallory\"")).unwrap();
    let o = secfw(&["log", "verify", dir]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("LC0102") && text(&o).contains("line 1"), "{}", text(&o));
    assert!(text(&o).contains("TAMPERED"));
    let o = secfw(&["advance", dir, "--to", "PACKAGED", "--actor", "alice", "--now", NOW]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("does not verify"));
}

#[test]
fn a_schema_lint_failure_returns_to_planned_via_the_cli() {
    let d = fixture_copy();
    let dir = s(d.path());
    assert_eq!(
        secfw(&["advance", dir, "--to", "READY_FOR_HANDOFF", "--actor", "a", "--now", NOW]).status.code(),
        Some(0)
    );
    std::fs::write(d.path().join("inventory.yaml"), "version: \"1.0\"\nresources: 7\n").unwrap();
    let o = secfw(&["advance", dir, "--to", "PACKAGED", "--actor", "a", "--now", NOW, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["outcome"], "refused");
    assert_eq!(j["returned_to_planned"]["to"], "PLANNED");
    let o = secfw(&["status", dir, "--now", NOW]);
    assert!(text(&o).starts_with("state: PLANNED (2 event(s)"), "{}", text(&o));
}

#[test]
fn usage_errors_exit_2() {
    let d = fixture_copy();
    let dir = s(d.path());
    assert_eq!(secfw(&["advance", dir, "--to", "DONE", "--actor", "a"]).status.code(), Some(2));
    assert_eq!(
        secfw(&["advance", dir, "--to", "READY_FOR_HANDOFF", "--actor", " ", "--now", NOW]).status.code(),
        Some(2)
    );
    assert_eq!(secfw(&["status", s(&d.path().join("missing"))]).status.code(), Some(2));
}
