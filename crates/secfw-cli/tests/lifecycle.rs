//! `secfw status`, `secfw advance` and `secfw log verify` end to end.

mod common;
use common::{s, secfw, text};

use std::path::{Path, PathBuf};
use std::process::Output;

const NOW: &str = "2026-11-24T12:00:00Z";

fn fixture_copy() -> tempfile::TempDir {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root.join("crates/secfw-gates/tests/fixtures/base")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    dir
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

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn set_state(dir: &Path, from: &str, to: &str) {
    for (f, a, b) in [
        ("sec_findings.yaml", format!("lifecycle_state: {from}"), format!("lifecycle_state: {to}")),
        ("policy_map.md", format!("- State: {from}"), format!("- State: {to}")),
    ] {
        let t = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(t.contains(&a), "{f}: {a}");
        std::fs::write(dir.join(f), t.replace(&a, &b)).unwrap();
    }
}

fn ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
}

/// Keys for alice (prepared_by), bob (approved_by) and root, and a trust policy signed by root
/// naming them, under `keys`; returns the trust policy's path.
fn signed_trust_chain(keys: &Path) -> PathBuf {
    let trust = keys.join("trust.json");
    let (kdir, tp) = (s(keys), s(&trust));
    ok(&secfw(&["keygen", "--identity", "alice@acme.test", "--out", kdir]));
    ok(&secfw(&["keygen", "--identity", "bob@acme.test", "--out", kdir]));
    ok(&secfw(&["keygen", "--identity", "root@acme.test", "--out", kdir]));
    let root_pub = keys.join("root@acme.test.pub");
    ok(&secfw(&[
        "trust",
        "init",
        "--trust",
        tp,
        "--now",
        NOW,
        "--expires",
        "2027-11-24T00:00:00Z",
        "--root-key",
        s(&root_pub),
    ]));
    let pubkey = |who: &str| keys.join(format!("{who}.pub.json"));
    ok(&secfw(&[
        "trust",
        "add-key",
        "--trust",
        tp,
        "--role",
        "prepared_by",
        "--identity",
        "alice@acme.test",
        s(&pubkey("alice@acme.test")),
    ]));
    ok(&secfw(&[
        "trust",
        "add-key",
        "--trust",
        tp,
        "--role",
        "approved_by",
        "--identity",
        "bob@acme.test",
        s(&pubkey("bob@acme.test")),
    ]));
    ok(&secfw(&["trust", "sign", "--trust", tp, "--key", s(&keys.join("root@acme.test.key"))]));
    trust
}

/// `secfw advance DIR --to TO --actor alice --now NOW --trust TRUST --no-git`.
fn advance_with_trust(dir: &str, to: &str, now: &str, trust: &str) -> Output {
    secfw(&["advance", dir, "--to", to, "--actor", "alice", "--now", now, "--trust", trust, "--no-git"])
}

/// The whole cycle on the example with the real seal, ingest and digest capabilities.
#[test]
fn a_full_cycle_on_the_example_with_real_seal_ingest_and_digest() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("acme");
    copy_dir(&root, &ws);
    let _ = std::fs::remove_dir_all(ws.join(".secfw"));
    let keys = tmp.path().join("keys");
    let trust = signed_trust_chain(&keys);
    let (dir, tp) = (s(&ws), s(&trust));

    ok(&secfw(&["advance", dir, "--to", "READY_FOR_HANDOFF", "--actor", "alice", "--now", NOW]));
    set_state(&ws, "PLANNED", "READY_FOR_HANDOFF");
    // Not sealed yet: refused, with the seal capability's reason.
    let o = advance_with_trust(dir, "PACKAGED", "2026-11-24T12:05:00Z", tp);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("handoff_manifest.yaml is missing"), "{}", text(&o));
    ok(&secfw(&["generate-manifest", dir, "--no-git", "--now", NOW, "--state", "PACKAGED"]));
    let manifest = ws.join("handoff_manifest.yaml");
    for who in ["alice@acme.test", "bob@acme.test"] {
        let key = keys.join(format!("{who}.key"));
        ok(&secfw(&[
            "sign-manifest",
            "--manifest",
            s(&manifest),
            "--identity",
            who,
            "--key",
            s(&key),
            "--trust",
            tp,
            "--no-git",
            "--now",
            NOW,
        ]));
    }
    ok(&advance_with_trust(dir, "PACKAGED", "2026-11-24T12:10:00Z", tp));
    // EXECUTED needs the package archive and scans ingested after packaging.
    let o = advance_with_trust(dir, "EXECUTED", "2026-11-24T12:11:00Z", tp);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("no package with seal") && text(&o).contains("scan results ingested"), "{}", text(&o));
    ok(&secfw(&["package", dir, "--trust", tp, "--no-git", "--now", "2026-11-24T12:12:00Z"]));
    let sarif = ws.join("scans/semgrep.sarif");
    let trivy = ws.join("scans/trivy.json");
    ok(&secfw(&["ingest", "--dir", dir, "--now", "2026-11-24T12:20:00Z", s(&sarif), s(&trivy)]));
    set_state(&ws, "READY_FOR_HANDOFF", "PACKAGED");
    ok(&advance_with_trust(dir, "EXECUTED", "2026-11-24T12:30:00Z", tp));
    set_state(&ws, "PACKAGED", "EXECUTED");
    ok(&secfw(&["advance", dir, "--to", "VALIDATED", "--actor", "alice", "--now", "2026-11-24T12:40:00Z"]));
    set_state(&ws, "EXECUTED", "VALIDATED");
    let o = secfw(&["advance", dir, "--to", "IMPROVE", "--actor", "alice", "--now", "2026-11-24T12:50:00Z"]);
    assert_eq!(o.status.code(), Some(1), "no digest yet");
    ok(&secfw(&["digest", dir, "--now", "2026-11-24T12:55:00Z"]));
    ok(&secfw(&["advance", dir, "--to", "IMPROVE", "--actor", "alice", "--now", "2026-11-24T13:00:00Z"]));
    set_state(&ws, "VALIDATED", "IMPROVE");
    ok(&secfw(&["advance", dir, "--to", "PLANNED", "--actor", "alice", "--now", "2026-11-24T13:05:00Z"]));
    let o = secfw(&["log", "verify", dir, "--format", "json"]);
    ok(&o);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["events"], 6);
    let log = std::fs::read_to_string(ws.join(".secfw/events.jsonl")).unwrap();
    let packaged: serde_json::Value = serde_json::from_str(log.lines().nth(1).unwrap()).unwrap();
    assert!(packaged["seal"].as_str().unwrap().starts_with("sha256:"), "the seal is recorded");
}
