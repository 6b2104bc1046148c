//! The Critical=0 engine (`evaluate`) on the bundled example: what counts, what an exception
//! excepts and for how long, when the handoff is blocked, and the escalation it raises.

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::{LoadOptions, LoadedWorkspace, Severity, template};
use secfw_governance::{Disposition, evaluate};

fn reference() -> DateTime<Utc> {
    template::EXAMPLE_NOW.parse().unwrap()
}

/// The example written for its reference time, with `(from, to)` text edits to the ledger.
fn example(edits: &[(&str, &str)]) -> (tempfile::TempDir, LoadedWorkspace) {
    let dir = tempfile::tempdir().unwrap();
    template::write_example_at(dir.path(), reference()).unwrap();
    let p = dir.path().join("sec_findings.yaml");
    let mut text = std::fs::read_to_string(&p).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "the example lacks {from:?}");
        text = text.replacen(from, to, 1);
    }
    std::fs::write(&p, text).unwrap();
    let ws = secfw_artifacts::load(dir.path(), &LoadOptions::default()).unwrap();
    (dir, ws)
}

const REOPEN_SF_0001: (&str, &str) = (
    "    status: resolved\n    first_seen: \"2026-08-12T01:03:41Z\"\n    last_seen: \"2026-08-12T01:03:41Z\"\n    resolved_at: \"2026-08-14T16:20:00Z\"\n",
    "    first_seen: \"2026-08-12T01:03:41Z\"\n    last_seen: \"2026-08-12T01:03:41Z\"\n",
);

#[test]
fn the_example_holds_critical_zero_with_its_critical_finding_excepted() {
    let (_d, ws) = example(&[]);
    let r = evaluate(&ws, reference());
    assert!(r.passes() && !r.handoff_blocked(), "{:#?}", r.rules);
    assert!(r.escalations.is_empty());
    let sf2 = r.finding("SF-0002").unwrap();
    assert_eq!(sf2.severity, Severity::Critical);
    assert!(matches!(&sf2.disposition, Disposition::Excepted { exception } if exception == "EXC-002"));
    assert!(!sf2.is_counted());
    assert!(matches!(r.finding("SF-0001").unwrap().disposition, Disposition::Closed), "resolved: closed");
}

#[test]
fn an_open_critical_finding_blocks_the_handoff_and_escalates_with_the_rule_sla() {
    let (_d, ws) = example(&[REOPEN_SF_0001]);
    let now = reference();
    let r = evaluate(&ws, now);
    assert!(r.handoff_blocked() && !r.passes());
    let f = r.finding("SF-0001").unwrap();
    assert!(f.is_counted() && f.overdue, "{f:#?}");
    // Due: the earlier of the deadline's end of day and first_seen + the critical SLA (7 days).
    assert_eq!(f.due, "2026-08-19T01:03:41Z".parse::<DateTime<Utc>>().unwrap());
    let [e] = r.escalations.as_slice() else { panic!("one escalation: {:#?}", r.escalations) };
    assert_eq!((e.rule.as_str(), e.count), ("critical_findings_count", 1));
    assert!(e.blocks_handoff);
    assert_eq!(e.items, ["SF-0001"]);
    assert!(e.notify.iter().any(|n| n == "security-team@acme-pay.example"), "{:?}", e.notify);
    assert_eq!(e.deadline, Some(now + Duration::hours(2)), "escalation_sla: 2_hours");
}

#[test]
fn an_exception_excepts_until_the_end_of_its_last_day_and_never_after() {
    let (_d, ws) = example(&[]);
    let last_day: DateTime<Utc> = "2027-01-31T23:59:59Z".parse().unwrap();
    let r = evaluate(&ws, last_day);
    assert!(r.finding("SF-0002").unwrap().is_excepted(), "valid through its Valid Until day");
    let r = evaluate(&ws, last_day + Duration::seconds(1));
    let f = r.finding("SF-0002").unwrap();
    assert!(f.is_counted(), "expired: the critical finding counts again: {f:#?}");
    assert!(r.handoff_blocked());
}

#[test]
fn the_same_inputs_give_the_same_report() {
    let (_d, ws) = example(&[REOPEN_SF_0001]);
    let a = serde_json::to_string(&evaluate(&ws, reference())).unwrap();
    let b = serde_json::to_string(&evaluate(&ws, reference())).unwrap();
    assert_eq!(a, b);
}
