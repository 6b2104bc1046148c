//! `secfw init` and `secfw validate` end to end: the bundled example is valid, broken copies are
//! reported with code, file, line and column, and the exit codes are the documented ones.

mod common;
use common::{s, secfw};

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 stderr")
}

fn example() -> PathBuf {
    secfw_testkit::repo_root().join("examples/acme")
}

/// `secfw init` into a fresh directory under a new tempdir, dated at the example's reference time
/// (so its bytes are the example's).
fn init_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acme");
    let o = secfw(&["init", s(&dir), "--now", secfw::artifacts::template::EXAMPLE_NOW]);
    assert_eq!(code(&o), 0, "init failed: {}", stderr(&o));
    (tmp, dir)
}

/// `validate --format json` on `dir`: (exit code, parsed document).
fn validate_json(dir: &Path) -> (i32, Value) {
    let o = secfw(&["validate", s(dir), "--format", "json"]);
    let doc: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("validate --format json printed invalid JSON ({e}):\n{}", stdout(&o)));
    (code(&o), doc)
}

/// 1-based (line, column) of the `nth` (0-based) occurrence of `needle` in `text`.
fn line_col(text: &str, needle: &str, nth: usize) -> (u64, u64) {
    let pieces: Vec<&str> = text.splitn(nth + 2, needle).collect();
    assert!(pieces.len() == nth + 2, "`{needle}` #{nth} not found");
    let before = pieces[..=nth].join(needle);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().len() + 1;
    (line as u64, col as u64)
}

fn edit(path: &Path, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once in {}", path.display());
    let new = text.replace(from, to);
    std::fs::write(path, &new).unwrap();
    new
}

/// The one error of a broken workspace, checked in JSON and in the human rendering.
fn assert_single_error(dir: &Path, code_: &str, file: &str, pos: Option<(u64, u64)>) {
    let (exit, doc) = validate_json(dir);
    assert_eq!(exit, 1, "{doc:#}");
    assert_eq!(doc["summary"]["valid"], false);
    let errors: Vec<&Value> = doc["diagnostics"].as_array().unwrap().iter().filter(|d| d["level"] == "error").collect();
    assert_eq!(errors.len(), 1, "{doc:#}");
    assert_eq!(doc["summary"]["errors"], 1);
    let d = errors[0];
    assert_eq!(d["code"], code_, "{d:#}");
    assert_eq!(d["file"], file, "{d:#}");
    assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()), "{d:#}");
    assert!(d["hint"].as_str().is_some_and(|m| !m.is_empty()), "{d:#}");
    if let Some((line, column)) = pos {
        assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(line), Some(column)), "{d:#}");
    }

    let o = secfw(&["validate", s(dir)]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains(&format!("error[{code_}]")), "{out}");
    let loc = match pos {
        Some((l, c)) => format!("{file}:{l}:{c}"),
        None => file.to_owned(),
    };
    assert!(out.contains(&loc), "`{loc}` not in:\n{out}");
    assert!(out.contains("INVALID (1 error(s)"), "{out}");
}

#[test]
fn init_then_validate_passes_and_init_never_overwrites() {
    let (_tmp, dir) = init_copy();
    for name in ["rulebook.yaml", "inventory.yaml", "sec_findings.yaml", "policy_map.md", "exceptions.md"] {
        assert!(dir.join(name).is_file(), "{name}");
    }
    assert!(dir.join("security_spec.md").is_file() && dir.join("scans/semgrep.sarif").is_file());
    let o = secfw(&["validate", s(&dir)]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = secfw(&["validate", "--strict", s(&dir)]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));

    // A second init into the same directory refuses (exit 2) and leaves every byte alone.
    let rulebook = dir.join("rulebook.yaml");
    std::fs::write(&rulebook, "version: \"9.9.9\"\n# edited by a person\n").unwrap();
    let o = secfw(&["init", s(&dir)]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("refusing to overwrite") && err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&rulebook).unwrap(), "version: \"9.9.9\"\n# edited by a person\n");
}

#[test]
fn the_bundled_example_validates_in_human_and_json_formats() {
    let dir = example();
    let o = secfw(&["validate", s(&dir)]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("valid (0 error(s), 0 warning(s))"), "{}", stdout(&o));

    for extra in [&[][..], &["--strict"][..]] {
        let mut args = vec!["validate", s(&dir), "--format", "json"];
        args.extend_from_slice(extra);
        let o = secfw(&args);
        assert_eq!(code(&o), 0, "{}", stdout(&o));
        let doc: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
        let keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["diagnostics", "summary"]);
        assert_eq!(doc["diagnostics"], Value::Array(vec![]));
        assert_eq!(doc["summary"], serde_json::json!({ "errors": 0, "warnings": 0, "notes": 0, "valid": true }));
    }
}

#[test]
fn a_duplicate_finding_id_is_located_at_the_second_use() {
    let (_tmp, dir) = init_copy();
    let text = edit(&dir.join("sec_findings.yaml"), "- finding_id: SF-0002\n", "- finding_id: SF-0001\n");
    let (line, col) = line_col(&text, "SF-0001\n", 1);
    assert_single_error(&dir, "SF0201", "sec_findings.yaml", Some((line, col)));
}

#[test]
fn a_missing_artifact_is_named() {
    let (_tmp, dir) = init_copy();
    std::fs::remove_file(dir.join("policy_map.md")).unwrap();
    let (_, doc) = validate_json(&dir);
    // Without a policy map, nothing else can be wrong with the example: exactly one error.
    assert_single_error(&dir, "SF0001", "policy_map.md", None);
    assert!(doc["diagnostics"][0]["hint"].as_str().unwrap().contains("secfw init"));
}

#[test]
fn a_bad_date_in_exceptions_md_is_located_at_the_value() {
    let (_tmp, dir) = init_copy();
    let text = edit(&dir.join("exceptions.md"), "**Valid Until**: 2027-01-31", "**Valid Until**: 2027-02-30");
    let (line, col) = line_col(&text, "2027-02-30", 0);
    assert_single_error(&dir, "SF0405", "exceptions.md", Some((line, col)));
}

#[test]
fn a_duplicate_yaml_key_in_the_rulebook_is_located() {
    let (_tmp, dir) = init_copy();
    let text = edit(&dir.join("rulebook.yaml"), "review_cycle_days: 90\n", "review_cycle_days: 90\nproject: other\n");
    let (line, _) = line_col(&text, "project: other", 0);
    let (exit, doc) = validate_json(&dir);
    assert_eq!(exit, 1);
    let d = &doc["diagnostics"][0];
    assert_eq!((d["code"].as_str(), d["file"].as_str()), (Some("SF0105"), Some("rulebook.yaml")), "{doc:#}");
    assert_eq!(d["line"].as_u64(), Some(line), "{doc:#}");
    assert!(d["column"].as_u64().is_some_and(|c| c >= 1), "{doc:#}");
}

#[test]
fn validate_on_a_missing_directory_cannot_run() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-workspace");
    let o = secfw(&["validate", s(&missing)]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stderr(&o).contains("no-such-workspace"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
}

/// What the example promises in docs/artifacts.md: at its reference time every gate passes,
/// with exactly one warning (EXC-001 expires within 14 days), the four excepted findings
/// listed, and the specification lints clean. In strict mode that warning fails the run.
#[test]
fn an_initialised_workspace_passes_every_gate_and_spec_lint_at_the_reference_time() {
    let (_tmp, dir) = init_copy();
    let now = secfw::artifacts::template::EXAMPLE_NOW;
    let o = secfw(&["gate", "all", s(&dir), "--now", now, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let run: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(run["passed"], true);
    let diags: Vec<&Value> =
        run["reports"].as_array().unwrap().iter().flat_map(|r| r["diagnostics"].as_array().unwrap()).collect();
    let warnings: Vec<&str> =
        diags.iter().filter(|d| d["level"] != "note").map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(warnings, ["GV0107"], "{run:#}");
    let mut excepted: Vec<&str> = diags
        .iter()
        .filter(|d| d["code"] == "GT0208")
        .map(|d| d["message"].as_str().unwrap().split('`').nth(1).unwrap())
        .collect();
    excepted.sort_unstable();
    assert_eq!(excepted, ["SF-0002", "SF-0007", "SF-0013", "SF-0016"]);

    let o = secfw(&["gate", "all", s(&dir), "--now", now, "--strict"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("GV0107"), "{}", stdout(&o));

    let o = secfw(&["spec", "lint", s(&dir), "--now", now]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("(0 error(s), 0 warning(s))"), "{}", stdout(&o));
}

/// `secfw init` dates the example for the day it runs: on any date its gates pass and its
/// exceptions are valid (the example's own dates would be stale days after they were written).
#[test]
fn init_writes_an_example_whose_gates_pass_on_any_date() {
    for now in ["2026-11-24T09:00:00Z", "2027-03-01", "2028-02-29T23:59:59Z", "2031-07-15T00:00:01Z"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("w");
        let o = secfw(&["init", s(&dir), "--now", now]);
        assert_eq!(code(&o), 0, "{now}: {}", stderr(&o));
        let o = secfw(&["gate", "all", s(&dir), "--now", now]);
        assert_eq!(code(&o), 0, "gate all at {now}:\n{}{}", stdout(&o), stderr(&o));
        let o = secfw(&["exceptions", "check", s(&dir), "--now", now]);
        assert_eq!(code(&o), 0, "exceptions check at {now}:\n{}{}", stdout(&o), stderr(&o));
        let o = secfw(&["spec", "lint", s(&dir), "--now", now]);
        assert_eq!(code(&o), 0, "spec lint at {now}:\n{}{}", stdout(&o), stderr(&o));
    }
    // Without --now it is dated today, so the gates pass at the real clock.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("today");
    assert_eq!(code(&secfw(&["init", s(&dir)])), 0);
    let o = secfw(&["gate", "all", s(&dir)]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

/// The example evaluated at a later date than it was written for fails, which is why `init` moves
/// its dates (the test above would pass vacuously if the example never went stale).
#[test]
fn the_undated_example_goes_stale() {
    let o = secfw(&["gate", "all", s(&example()), "--now", "2027-03-01"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
}

/// `init --minimal` writes an empty skeleton that validates clean in strict mode and whose spec
/// lints clean; parity fails until a scan of its placeholder resource is ingested, saying so.
#[test]
fn init_minimal_is_a_valid_skeleton_and_parity_says_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("widgets");
    let o = secfw(&["init", s(&dir), "--minimal"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rulebook = std::fs::read_to_string(dir.join("rulebook.yaml")).unwrap();
    assert!(rulebook.contains("project: widgets"), "the project is named after the directory");
    let o = secfw(&["validate", s(&dir), "--strict"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = secfw(&["spec", "lint", s(&dir)]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = secfw(&["gate", "all", s(&dir)]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("GT0201") && stdout(&o).contains("my-service"), "{}", stdout(&o));
    // A name that would break the YAML is refused before anything is written.
    let bad = tmp.path().join("bad");
    let o = secfw(&["init", s(&bad), "--minimal", "--project", "a: b"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(!bad.join("rulebook.yaml").exists());
}

/// The rulebook's notification channels are checked by `validate`, not first by the run that
/// would send: a variable not reserved for secfw (`NT0011`) is located at its value.
#[test]
fn a_notification_variable_not_reserved_for_secfw_fails_validate() {
    let (_tmp, dir) = init_copy();
    let rb = dir.join("rulebook.yaml");
    let mut text = std::fs::read_to_string(&rb).unwrap();
    text.push_str("notifications:\n  webhooks:\n    sec: { format: json, url_env: SECFW_SEC_URL, token_env: GITHUB_TOKEN }\n  escalate_to: [webhook:sec]\n");
    std::fs::write(&rb, &text).unwrap();
    let pos = line_col(&text, "GITHUB_TOKEN", 0);
    assert_single_error(&dir, "NT0011", "rulebook.yaml", Some(pos));
}
