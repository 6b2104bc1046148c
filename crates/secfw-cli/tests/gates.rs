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

/// `secfw init` at [`NOW`] with `exception` appended to `exceptions.md` and `(from, to)` edits
/// to the ledger.
fn example_plus(exception: &str, ledger: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let (d, ws) = example_with_exceptions(|t| format!("{}\n{exception}", t.trim_end()));
    let p = ws.join("sec_findings.yaml");
    let mut text = std::fs::read_to_string(&p).unwrap();
    for (from, to) in ledger {
        assert!(text.contains(from), "the example's ledger lacks {from:?}");
        text = text.replacen(from, to, 1);
    }
    std::fs::write(&p, text).unwrap();
    (d, ws)
}

/// An advisory exception for `advisory` on `package` (a purl without version), requested by
/// platform-lead, approved by `approval` on 2026-11-20, valid until 2027-01-31.
fn advisory_exception(advisory: &str, package: &str, severity: &str, approval: &str) -> String {
    format!(
        "\n### EXC-009: {advisory} in the bastion image\n- **Policy**: POL-007\n- **Severity**: {severity}\n- **Advisories**: {advisory}\n- **Package**: {package}\n- **Requestor**: platform-lead@acme-pay.example\n- **Approval**: {approval}\n- **Approved On**: 2026-11-20\n- **Valid Until**: 2027-01-31\n- **Justification**: j\n- **Risk Assessment**: r\n- **Risk Mitigation**:\n  - m\n"
    )
}

/// `exceptions check`'s EXC-009 line, and whether `exceptions compile --to trivy` and
/// `exceptions vex` carry `advisory`.
fn judged(ws: &std::path::Path, advisory: &str) -> (String, bool, bool) {
    let o = secfw(&["exceptions", "check", s(ws), "--now", NOW]);
    let out = stdout(&o);
    let line = out.lines().find(|l| l.starts_with("EXC-009 ")).unwrap_or_else(|| panic!("{out}")).to_owned();
    let ignore = ws.join("ti.yaml");
    let o = secfw(&["exceptions", "compile", s(ws), "--to", "trivy", "-o", s(&ignore), "--now", NOW]);
    assert_ne!(o.status.code(), Some(101), "{}", String::from_utf8_lossy(&o.stderr));
    let compiled = std::fs::read_to_string(&ignore).unwrap_or_default().contains(advisory);
    let o = secfw(&["exceptions", "vex", s(ws), "--author", "secfw-test", "--now", NOW]);
    let err = String::from_utf8_lossy(&o.stderr);
    // With no valid exception naming a package there is no document (exit 2, said so).
    assert!(o.status.code() == Some(0) || err.contains("no valid exception names a product"), "{err}");
    let stated = o.status.code() == Some(0) && stdout(&o).contains(advisory);
    (format!("{line}\n{out}"), compiled, stated)
}

const SECURITY_TEAM: &str = "appsec-lead@acme-pay.example";
const WITH_COMMITTEE: &str = "appsec-lead@acme-pay.example, risk-committee@acme-pay.example";
const OPENSSH: &str = "pkg:deb/debian/openssh-server";
/// The package of the example's SF-0020 (CVE-2023-48795).
const X_CRYPTO: &str = "pkg:golang/golang.org/x/crypto";

#[test]
fn a_pre_emptive_low_exception_for_an_unrecorded_advisory_is_not_compiled_without_the_committee() {
    // The tester's attack: regreSSHion declared Low before any scan recorded it, approved by one
    // security-team member: it would be compiled into Trivy's ignore file, Trivy would never
    // report the critical finding, and GV0114 could never fire.
    let (_d, ws) = example_plus(&advisory_exception("CVE-2024-6387", OPENSSH, "Low", SECURITY_TEAM), &[]);
    let (out, compiled, stated) = judged(&ws, "CVE-2024-6387");
    assert!(out.starts_with("EXC-009 [invalid]") && out.contains("severity unknown"), "{out}");
    assert!(out.contains("error[GV0110]") && out.contains("declares `**Severity**: Low`"), "{out}");
    assert!(!compiled && !stated, "an invalid exception is compiled and stated nowhere: {out}");
    // Approved as for the worst case (the risk committee): in force, compiled and stated.
    let (_d, ws) = example_plus(&advisory_exception("CVE-2024-6387", OPENSSH, "Low", WITH_COMMITTEE), &[]);
    let (out, compiled, stated) = judged(&ws, "CVE-2024-6387");
    assert!(out.starts_with("EXC-009 [valid]") && !out.contains("error[GV0110]"), "{out}");
    assert!(compiled && stated, "{out}");
}

#[test]
fn a_resolved_finding_keeps_an_advisory_exception_judged_at_its_severity() {
    // SF-0020 (CVE-2023-48795) is resolved, as the next scan resolves a finding a compiled
    // ignore hid. Rated critical, it keeps a Low declaration from passing (GV0114) ...
    let critical =
        ("  - finding_id: SF-0020\n    severity: medium\n", "  - finding_id: SF-0020\n    severity: critical\n");
    let (_d, ws) = example_plus(&advisory_exception("CVE-2023-48795", X_CRYPTO, "Low", SECURITY_TEAM), &[critical]);
    let (out, compiled, stated) = judged(&ws, "CVE-2023-48795");
    assert!(out.starts_with("EXC-009 [invalid]") && out.contains("severity critical"), "{out}");
    assert!(out.contains("error[GV0114]") && out.contains("SF-0020 (critical, resolved)"), "{out}");
    assert!(!compiled && !stated, "{out}");
    // ... and rated low, it backs the Low declaration: valid with the usual approvals, no
    // oscillation once the finding is gone from the scans.
    let low = ("  - finding_id: SF-0020\n    severity: medium\n", "  - finding_id: SF-0020\n    severity: low\n");
    let (_d, ws) = example_plus(&advisory_exception("CVE-2023-48795", X_CRYPTO, "Low", SECURITY_TEAM), &[low]);
    let (out, compiled, stated) = judged(&ws, "CVE-2023-48795");
    assert!(out.starts_with("EXC-009 [valid]") && out.contains("severity low"), "{out}");
    assert!(compiled && stated, "{out}");
}
