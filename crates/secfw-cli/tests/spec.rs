//! `secfw spec init|lint` end to end, and secfw's own docs/SECURITY_SPEC.md lints clean.

mod common;
use common::{s, secfw};

use std::process::Output;

use serde_json::Value;

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn init_writes_template_then_refuses_to_overwrite_and_lint_flags_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    let o = secfw(&["init", s(&dir)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The example has a spec: init refuses and leaves it alone.
    let before = std::fs::read(dir.join("security_spec.md")).unwrap();
    let o = secfw(&["spec", "init", s(&dir)]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read(dir.join("security_spec.md")).unwrap(), before);
    // The example's spec is clean at its date.
    let o = secfw(&["spec", "lint", s(&dir), "--now", "2026-11-24"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("clean (0 error(s), 0 warning(s))"));

    // Replace it with the template: lint reports placeholders and guidance, exit 1.
    std::fs::remove_file(dir.join("security_spec.md")).unwrap();
    let o = secfw(&["spec", "init", s(&dir)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.join("security_spec.md")).unwrap();
    assert!(text.starts_with("---\nspec_type: security-and-compliance\n"));
    assert_eq!(text.matches("\n## ").count(), 14);
    let o = secfw(&["spec", "lint", s(&dir), "--now", "2026-11-24", "--format", "json"]);
    assert_eq!(code(&o), 1);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert!(diags.iter().any(|d| d["code"] == "SF0703" && d["line"] == 3), "{v:#}");
    assert!(diags.iter().any(|d| d["code"] == "SF0703" && d["message"].as_str().unwrap().contains("YYYY-MM-DD")));
    // The template's Open Issues section names no exception: the example's in-force ones are unlisted.
    assert!(diags.iter().any(|d| d["code"] == "SF0711"));
    assert_eq!(v["summary"]["clean"], false);
    let h = secfw(&["spec", "lint", s(&dir), "--now", "2026-11-24"]);
    assert!(stdout(&h).contains("security_spec.md:3:8"), "{}", stdout(&h));
}

#[test]
fn lint_cannot_run_without_a_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let o = secfw(&["spec", "lint", s(tmp.path())]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("spec init"), "{}", stderr(&o));
    let o = secfw(&["spec", "lint", "--file", s(&tmp.path().join("nope.md"))]);
    assert_eq!(code(&o), 2);
}

#[test]
fn secfw_own_security_spec_is_lint_clean() {
    let file = secfw_testkit::repo_root().join("docs/SECURITY_SPEC.md");
    let text = std::fs::read_to_string(&file).expect("docs/SECURITY_SPEC.md");
    // Lint at its own review date: content must be clean whatever today is (CI also lints it at
    // the real date, which enforces the review cycle).
    let date = text.lines().find_map(|l| l.strip_prefix("last_updated:")).expect("last_updated").trim().to_owned();
    let o = secfw(&["spec", "lint", "--file", s(&file), "--now", &date]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("clean") && stdout(&o).contains("cross-checks skipped"), "{}", stdout(&o));
    // ...and it is a real document: every section has substance.
    assert!(text.len() > 8_000, "{}", text.len());
    // A year later it is stale: exit 1 with SF0705.
    let later = format!("{}-12-31", date.split('-').next().unwrap().parse::<u32>().unwrap() + 1);
    let o = secfw(&["spec", "lint", "--file", s(&file), "--now", &later]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("SF0705"));
}
