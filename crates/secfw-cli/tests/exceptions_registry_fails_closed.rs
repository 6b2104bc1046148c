//! The attack on how `exceptions.md` is read: a revoked exception nested under a level-3
//! history heading, a struck-through approval, and registry errors that `exceptions check`,
//! `compile` (also `--check`) and `vex` used to drop while compiling what they could read.

mod common;
use common::{s, secfw, text};

use std::path::PathBuf;

const NOW: &str = "2026-11-24T12:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fully approved exception (a pre-emptive one, so approved as for the worst case) for
/// RUSTSEC-2020-0071 on `pkg:cargo/time`, with `approval` as its approvers.
fn exc(heading: &str, approval: &str) -> String {
    format!(
        "\n{heading}\n- **Policy**: POL-001\n- **Severity**: Medium\n- **Advisories**: RUSTSEC-2020-0071\n- **Package**: pkg:cargo/time\n- **Requestor**: data-team@acme.test\n- **Approval**: {approval}\n- **Approved On**: 2026-11-01\n- **Valid Until**: 2027-01-31\n- **Justification**: The CLI tools never call localtime_r from several threads.\n- **Risk Assessment**: Low.\n- **Risk Mitigation**:\n  - single-threaded CLI\n"
    )
}

const APPROVED: &str = "security-lead@acme.test, risk-committee@acme.test";

fn workspace(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join("crates/secfw-gates/tests/fixtures/base")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let p = dir.path().join("exceptions.md");
    let mut md = std::fs::read_to_string(&p).unwrap();
    md.push_str(extra);
    std::fs::write(&p, md).unwrap();
    dir
}

/// What `compile --to trivy` writes, or `None` when it exits non-zero (with its output).
fn compiled(d: &tempfile::TempDir) -> Result<String, String> {
    let o = secfw(&["exceptions", "compile", s(d.path()), "--to", "trivy", "--now", NOW]);
    if o.status.code() == Some(0) {
        Ok(std::fs::read_to_string(d.path().join(".trivyignore.yaml")).unwrap())
    } else {
        Err(text(&o))
    }
}

#[test]
fn the_control_a_valid_exception_is_compiled() {
    let d = workspace(&exc("### EXC-010: time", APPROVED));
    assert!(compiled(&d).unwrap().contains("RUSTSEC-2020-0071"));
}

#[test]
fn an_exception_under_a_level_3_revoked_heading_is_archived_and_not_compiled() {
    let d = workspace(&format!("\n### Revoked Exceptions\n{}", exc("#### EXC-010: time", APPROVED)));
    let o = secfw(&["exceptions", "check", s(d.path()), "--now", NOW]);
    assert!(text(&o).contains("EXC-010 [archived]"), "{}", text(&o));
    assert!(!text(&o).contains("SF0403"), "{}", text(&o));
    let out = compiled(&d).unwrap();
    assert!(!out.contains("RUSTSEC-2020-0071"), "{out}");
    let o = secfw(&["gate", "suppression_parity", s(d.path()), "--now", NOW]);
    assert!(!text(&o).contains("EXC-010"), "{}", text(&o));
}

#[test]
fn a_struck_through_approval_does_not_count_and_nothing_is_compiled() {
    let d = workspace(&exc("### EXC-010: time", "security-lead@acme.test, ~~risk-committee@acme.test~~"));
    let o = secfw(&["exceptions", "check", s(d.path()), "--now", NOW]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("error[SF0407]") && text(&o).contains("exceptions.md:"), "{}", text(&o));
    let err = compiled(&d).unwrap_err();
    assert!(err.contains("SF0407"), "{err}");
    assert!(!d.path().join(".trivyignore.yaml").exists());
}

#[test]
fn registry_errors_make_check_compile_and_vex_fail_closed_and_are_printed() {
    // `### Revoked Exceptions` at the same level as the entry after it: nothing is nested
    // under it, so it is a bad entry heading (SF0403), and EXC-010 reads as in force. secfw
    // must not act on a registry it cannot read as written.
    let d = workspace(&format!("\n### Revoked Exceptions\n{}", exc("### EXC-010: time", APPROVED)));
    let dir = s(d.path());
    let o = secfw(&["exceptions", "check", dir, "--now", NOW]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("error[SF0403]"), "{}", text(&o));
    let o = secfw(&["exceptions", "check", dir, "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["passed"].as_bool(), v["registry"][0]["code"].as_str()), (Some(false), Some("SF0403")), "{v}");
    for args in [
        &["exceptions", "compile", dir, "--to", "trivy", "--check", "--now", NOW][..],
        &["exceptions", "compile", dir, "--to", "trivy", "--now", NOW],
        &["exceptions", "vex", dir, "--author", "sec", "--now", NOW],
    ] {
        let o = secfw(args);
        assert_ne!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("SF0403") && text(&o).contains("exceptions.md has errors"), "{args:?}: {}", text(&o));
    }
    assert!(!d.path().join(".trivyignore.yaml").exists(), "nothing is written");
}

#[test]
fn registry_warnings_are_printed_by_check_and_compile() {
    // A look-alike `е` (Cyrillic): not a history heading; in force, with SF0406.
    let d = workspace(&format!("\n## R\u{0435}voked Exceptions\n{}", exc("### EXC-010: time", APPROVED)));
    let o = secfw(&["exceptions", "check", s(d.path()), "--now", NOW]);
    assert!(text(&o).contains("warning[SF0406]"), "{}", text(&o));
    let o = secfw(&["exceptions", "compile", s(d.path()), "--to", "trivy", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("warning[SF0406]"), "{}", text(&o));
}
