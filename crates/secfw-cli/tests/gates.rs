//! `secfw gate` and `secfw exceptions check` end to end: exit codes, formats, the example.

mod common;
use common::{s, secfw};

use std::path::PathBuf;
use std::process::Output;

const NOW: &str = "2026-11-24T12:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture_copy(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join("crates/secfw-gates/tests/fixtures/base")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    for (file, from, to) in edits {
        let p = dir.path().join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file} lacks {from:?}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    }
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_example_workspace_passes_every_gate_at_the_fixed_time() {
    let ex = root().join("examples/acme");
    assert!(ex.join("rulebook.yaml").is_file(), "examples/acme is missing");
    let o = secfw(&["gate", "all", s(&ex), "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("4 gate(s), 4 passed, 0 failed"));
    let o = secfw(&["exceptions", "check", s(&ex), "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn a_failing_gate_exits_1_with_located_diagnostics() {
    let d = fixture_copy(&[("sec_findings.yaml", "exception_ref: EXC-001", "exception_ref: EXC-404")]);
    let o = secfw(&["gate", "cross_stream_consistency", s(d.path()), "--now", NOW]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("error[GT0102]") && out.contains("--> sec_findings.yaml:46:"), "{out}");
    // schema_lint alone still passes.
    assert_eq!(secfw(&["gate", "schema_lint", s(d.path()), "--now", NOW]).status.code(), Some(0));
}

#[test]
fn every_format_renders_and_sarif_can_be_written_to_a_file() {
    let d = fixture_copy(&[("sec_findings.yaml", "    severity: high", "    severity: critical")]);
    let o = secfw(&["gate", "all", s(d.path()), "--now", NOW, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["escalations"][0]["rule"], "critical_findings_count");
    let out = d.path().join("out/gates.sarif");
    let o = secfw(&["gate", "all", s(d.path()), "--now", NOW, "--format", "sarif", "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "GV0201"));
    let o = secfw(&["gate", "parity_coverage", s(d.path()), "--now", NOW, "--format", "junit"]);
    assert!(stdout(&o).starts_with("<?xml") && stdout(&o).contains("type=\"GV0201\""));
    let o = secfw(&["gate", "parity_coverage", s(d.path()), "--now", NOW, "--format", "github"]);
    assert!(stdout(&o).lines().any(|l| l.starts_with("::error file=rulebook.yaml,line=")), "{}", stdout(&o));
}

#[test]
fn cannot_run_exits_2() {
    let d = fixture_copy(&[]);
    assert_eq!(secfw(&["gate", "everything", s(d.path())]).status.code(), Some(2));
    assert_eq!(secfw(&["gate", "all", s(&d.path().join("nope"))]).status.code(), Some(2));
    assert_eq!(secfw(&["gate", "all", s(d.path()), "--now", "yesterday"]).status.code(), Some(2));
}

#[test]
fn exceptions_check_reports_expiry_and_approvals() {
    let d = fixture_copy(&[(
        "exceptions.md",
        "- **Requestor**: data-team@acme.test",
        "- **Requestor**: security-lead@acme.test",
    )]);
    let o = secfw(&["exceptions", "check", s(d.path()), "--now", NOW]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[GV0108]"), "{}", stdout(&o));
    let d = fixture_copy(&[]);
    let o = secfw(&["exceptions", "check", s(d.path()), "--now", NOW, "--within", "120", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["exceptions"][0]["days_left"], 97);
    assert!(j["exceptions"][0]["diagnostics"].as_array().unwrap().iter().any(|x| x["code"] == "GV0107"));
    let o = secfw(&["exceptions", "check", s(d.path()), "--now", "2027-03-02"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("EXC-001 [expired]"));
}

/// Day counts past what a date can hold, in a rulebook: every command that computes a date
/// from them (deadlines, escalations, the scan window, exception horizons) reports the
/// rulebook's `SF0503` errors or works around them, and none panics. An SLA of 4,294,967,295
/// days once made `ingest`, `gate all`, `digest` and `status` panic.
#[test]
fn day_counts_past_the_last_date_never_make_a_command_panic() {
    let big = "4294967295";
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let o = secfw(&["init", s(&ws), "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let rb = ws.join("rulebook.yaml");
    let text = std::fs::read_to_string(&rb).unwrap();
    let mut edited = text.clone();
    for key in ["critical", "high", "medium", "low", "max_days", "review_cycle_days", "scan_max_age_days"] {
        let line = edited.lines().find(|l| l.trim_start().starts_with(&format!("{key}:"))).map(str::to_owned);
        if let Some(line) = line {
            let indent = " ".repeat(line.len() - line.trim_start().len());
            edited = edited.replacen(&line, &format!("{indent}{key}: {big}"), 1);
        }
    }
    assert_ne!(edited, text, "the example rulebook has day counts");
    std::fs::write(&rb, &edited).unwrap();
    let report = dir.path().join("clean.sarif");
    std::fs::write(&report, r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"semgrep"}},"results":[]}]}"#)
        .unwrap();
    let runs: [&[&str]; 7] = [
        &["validate", s(&ws)],
        &["gate", "all", s(&ws), "--now", NOW],
        &["digest", s(&ws), "--now", NOW],
        &["status", s(&ws), "--now", NOW],
        &["metrics", s(&ws), "--now", NOW],
        &["ingest", "--dir", s(&ws), s(&report), "--now", NOW],
        &["cycle", s(&ws), "--now", NOW, "--no-git", "--actor", "t"],
    ];
    for args in runs {
        let o = secfw(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert_ne!(o.status.code(), Some(101), "{args:?}: {err}");
    }
    let o = secfw(&["validate", s(&ws)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("SF0503") || String::from_utf8_lossy(&o.stderr).contains("SF0503"));
}

/// `secfw init` at [`NOW`], with `exceptions.md` rewritten by `edit`.
fn example_with_exceptions(edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let o = secfw(&["init", s(&ws), "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let p = ws.join("exceptions.md");
    let text = std::fs::read_to_string(&p).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text);
    std::fs::write(&p, edited).unwrap();
    (dir, ws)
}

#[test]
fn an_exception_that_understates_its_severity_does_not_except_a_critical_finding() {
    // EXC-002 covers the critical SF-0002 but declares Low and skips the risk committee.
    let (_d, ws) = example_with_exceptions(|t| {
        t.replacen(
            "- **Severity**: Critical\n- **Findings**: SF-0002\n- **Requestor**: platform-lead@acme-pay.example\n- **Approval**: secops-lead@acme-pay.example, risk-committee@acme-pay.example, ciso@acme-pay.example",
            "- **Severity**: Low\n- **Findings**: SF-0002\n- **Requestor**: platform-lead@acme-pay.example\n- **Approval**: secops-lead@acme-pay.example",
            1,
        )
    });
    let o = secfw(&["exceptions", "check", s(&ws), "--now", NOW]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("EXC-002 [invalid]") && out.contains("severity critical"), "{out}");
    assert!(out.contains("error[GV0114]") && out.contains("error[GV0110]"), "{out}");
    let o = secfw(&["gate", "all", s(&ws), "--now", NOW]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "Critical=0 fails: {out}");
    assert!(out.contains("error[GV0201]") && out.contains("SF-0002"), "{out}");
}

#[test]
fn a_revoked_exception_does_not_except_a_critical_finding() {
    let (_d, ws) = example_with_exceptions(|t| {
        let (head, tail) = t.split_once("### EXC-002").unwrap();
        let (body, after) = tail.split_once("### EXC-003").unwrap();
        let block = format!("### EXC-002{body}");
        let rest = format!("{head}### EXC-003{after}");
        format!("{}\n\n## Revoked Exceptions\n\nRevoked by the risk committee.\n\n{block}", rest.trim_end())
    });
    let o = secfw(&["exceptions", "check", s(&ws), "--now", NOW]);
    let out = stdout(&o);
    assert!(out.contains("EXC-002 [archived]") && !out.contains("EXC-002 [valid]"), "{out}");
    let o = secfw(&["gate", "all", s(&ws), "--now", NOW]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "Critical=0 fails: {out}");
    assert!(out.contains("its exception EXC-002 is archived"), "{out}");
    assert!(!out.contains("SF-0002 [critical] by EXC-002"), "not listed as excepted: {out}");
}
