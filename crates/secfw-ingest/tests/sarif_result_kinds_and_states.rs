//! SARIF results that are not failures (`kind: pass`, `kind: notApplicable`, `baselineState:
//! absent`) never become findings and are noted; every other kind is a finding; `level: none`
//! is low; a scanner's suppression is recorded with its status (absent: `accepted`, as SARIF says), whatever the status (issue 12
//! audit: the result-kind and suppression-status variants no test covered).

use std::path::Path;
use std::time::Duration;

use secfw_artifacts::Severity;
use secfw_ingest::{Format, IngestOptions, Input, Outcome, WorkspaceLock};

fn ingest(dir: &Path, doc: &serde_json::Value) -> Outcome {
    let p = dir.join("r.sarif");
    std::fs::write(&p, doc.to_string()).unwrap();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).unwrap();
    let now = "2025-03-01T00:00:00Z".parse().unwrap();
    secfw_ingest::ingest(dir, &lock, &[Input::new(p, Format::Auto)], &IngestOptions::new(now)).unwrap()
}

fn result(rule: &str, extra: &serde_json::Value) -> serde_json::Value {
    let mut r = serde_json::json!({"ruleId": rule, "message": {"text": format!("{rule} here")},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("src/{rule}.rs")}}}]});
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

fn log(results: &[serde_json::Value]) -> serde_json::Value {
    serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": results}]})
}

#[test]
fn passing_not_applicable_and_absent_results_are_not_findings_and_are_noted() {
    let d = tempfile::tempdir().unwrap();
    let o = ingest(
        d.path(),
        &log(&[
            result("PASS", &serde_json::json!({"kind": "pass", "level": "none"})),
            result("NA", &serde_json::json!({"kind": "notApplicable"})),
            result("GONE", &serde_json::json!({"baselineState": "absent", "level": "error"})),
            result("FAIL", &serde_json::json!({"kind": "fail", "level": "error"})),
        ]),
    );
    let rules: Vec<_> = o.ledger.findings.iter().map(rule_of).collect();
    assert_eq!(rules, ["FAIL"], "only the failing result is a finding");
    let notes: Vec<_> = o.diagnostics().into_iter().filter(|d| d.code.as_str() == "IN0102").collect();
    for (pointer, why) in
        [("/runs/0/results/0", "pass"), ("/runs/0/results/1", "notApplicable"), ("/runs/0/results/2", "absent")]
    {
        assert!(
            notes.iter().any(|n| n.message.contains(pointer) && n.message.contains(why)),
            "no IN0102 note for {pointer} ({why}): {notes:?}"
        );
    }
}

#[test]
fn review_open_and_informational_results_are_findings_and_level_none_is_low() {
    let d = tempfile::tempdir().unwrap();
    let o = ingest(
        d.path(),
        &log(&[
            result("REVIEW", &serde_json::json!({"kind": "review"})),
            result("OPEN", &serde_json::json!({"kind": "open"})),
            result("INFO", &serde_json::json!({"kind": "informational", "level": "note"})),
            result("NONE", &serde_json::json!({"level": "none"})),
        ]),
    );
    let mut got: Vec<_> = o.ledger.findings.iter().map(|f| (rule_of(f), f.severity)).collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("INFO".to_owned(), Severity::Low),
            ("NONE".to_owned(), Severity::Low),
            ("OPEN".to_owned(), Severity::Medium),
            ("REVIEW".to_owned(), Severity::Medium),
        ]
    );
}

#[test]
fn a_suppression_is_recorded_with_its_status_whatever_the_status() {
    let d = tempfile::tempdir().unwrap();
    let o = ingest(
        d.path(),
        &log(&[
            result("REJ", &serde_json::json!({"suppressions": [{"kind": "external", "status": "rejected"}]})),
            result("REV", &serde_json::json!({"suppressions": [{"kind": "inSource", "status": "underReview"}]})),
            result("ACC", &serde_json::json!({"suppressions": [{"kind": "inSource", "justification": "test data"}]})),
        ]),
    );
    assert_eq!(o.ledger.findings.len(), 3, "a suppressed result is never dropped");
    for f in &o.ledger.findings {
        let rule = rule_of(f);
        let sups = f
            .evidence
            .iter()
            .find_map(|e| e.data.get("suppressions"))
            .unwrap_or_else(|| panic!("{rule}: no suppressions in the evidence"));
        let sups = sups.as_array().unwrap_or_else(|| panic!("{rule}: suppressions not a list"));
        let status = sups[0].get("status").and_then(serde_json::Value::as_str);
        let want = match rule.as_str() {
            "REJ" => Some("rejected"),
            "REV" => Some("underReview"),
            _ => Some("accepted"), // SARIF: an absent status means accepted
        };
        assert_eq!(status, want, "{rule}: {sups:?}");
        assert!(f.is_open(), "{rule}: a scanner's suppression does not close a finding");
    }
}

fn rule_of(f: &secfw_artifacts::model::findings::Finding) -> String {
    f.source.as_ref().and_then(|s| s.rule_id.clone()).unwrap_or_default()
}
