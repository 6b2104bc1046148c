//! The digest's escalations follow notification occurrences: when a Critical=0 violation was
//! notified, ended and holds again, its later occurrence (an ESC id of its own) is the one in
//! force, and the first is shown as no longer violated.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::{LoadOptions, load};
use secfw_notify::{Ledger, escalation_id, escalation_occurrence_id};

fn now() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

/// The gates' passing fixture with F-001 raised to critical and left open: Critical=0 is
/// violated now.
fn workspace() -> tempfile::TempDir {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../secfw-gates/tests/fixtures/base");
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let p = dir.path().join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replacen("severity: high", "severity: critical", 1)).unwrap();
    dir
}

#[test]
fn a_later_occurrence_of_an_escalation_is_the_one_in_force() {
    let dir = workspace();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let gov = secfw_governance::evaluate(&ws, now());
    let e = gov.rules.iter().find_map(|r| r.escalation.as_ref()).expect("Critical=0 is violated");
    let first = escalation_id(&e.rule, &e.condition, &e.items);
    let ended = now() - Duration::days(3);
    let later = escalation_occurrence_id(&e.rule, &e.condition, &e.items, Some(ended));
    assert_ne!(first, later);
    let record = |subject: &str, at: DateTime<Utc>| {
        serde_json::json!({
            "subject": subject, "recipient": "webhook:sec", "reason": "escalation", "state": "sent",
            "at": at.to_rfc3339(), "condition": format!("escalation:{first}")
        })
    };
    let ledger: Ledger = serde_json::from_value(serde_json::json!({
        "version": 1,
        "messages": {
            "m1": record(&first, now() - Duration::days(10)),
            "m2": record(&later, now() - Duration::days(1)),
        }
    }))
    .unwrap();
    let data = secfw_lifecycle::escalation_data_governed(&ws, Some(&gov), &ledger, &[], now());
    let shown: Vec<(&str, bool)> = data.escalations.iter().map(|n| (n.id.as_str(), n.current)).collect();
    assert!(shown.contains(&(later.as_str(), true)), "the later occurrence is in force: {shown:?}");
    assert!(shown.contains(&(first.as_str(), false)), "the first one ended: {shown:?}");
}
