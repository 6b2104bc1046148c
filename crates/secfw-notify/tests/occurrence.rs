//! Once per occurrence, never once for ever (sweep 2, F7): a condition that was notified, ended
//! and holds again is notified again; a re-run and a concurrent run still send nothing twice;
//! a ledger written before occurrences were tracked is not sent again.

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use common::{Server, Step, env_all, fast, load, lock};
use secfw_notify::{Ledger, NotifyPlan, Reason, apply_with, plan};

/// Critical=0 notifies `webhook:sec`; expiry and SLA breaches go to `webhook:teams`; the next
/// level is `webhook:chat`.
const RB: &str = r#"version: "1.0.0"
sla_days: { critical: 7, high: 30, medium: 90, low: 180 }
enforcement:
  rule: critical_findings_count
  condition: "== 0"
  actions:
    on_violation:
      - block_handoff: true
      - notify: [webhook:sec]
      - escalation_sla: 2_hours
exceptions:
  warn_days_before_expiry: 14
  approvers:
    security_team: [sec@example.com]
notifications:
  webhooks:
    sec: { format: json, url_env: SECFW_TEST_SEC_URL, token_env: SECFW_TEST_SEC_TOKEN }
    chat: { format: slack, url_env: SECFW_TEST_CHAT_URL }
    teams: { format: teams, url_env: SECFW_TEST_TEAMS_URL }
  exception_expiry: [webhook:teams]
  sla_breach: [webhook:teams]
  escalate_to: [webhook:chat]
"#;

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap()
}

/// SF-1: critical, excepted by EXC-002 (valid until `until`), with `status`. SF-2: a low
/// finding (never in any message before its SLA ends, 180 days).
fn ws(dir: &std::path::Path, until: &str, status: &str, severity: &str) {
    let finding = |id: &str, sev: &str, st: &str, extra: &str| {
        format!(
            "  - finding_id: {id}\n    severity: {sev}\n    category: vulnerability\n    title: \"Finding {id}\"\n    description: \"d\"\n    affected_resources:\n      - resource_id: api\n        resource_type: service\n        location: \"src/{id}.rs:1\"\n    remediation:\n      recommended_action: \"Fix {id}\"\n      priority: P1\n      deadline: \"2027-12-31\"\n    governance:\n      tags: [auth]\n      policy_refs: [POL-001]\n{extra}    status: {st}\n    first_seen: \"2025-01-01T00:00:00Z\"\n{}",
            if st == "resolved" { "    resolved_at: \"2025-01-02T00:00:00Z\"\n" } else { "" }
        )
    };
    let findings = format!(
        "version: \"1.0\"\nmetadata:\n  scan_id: s1\n  timestamp: \"2025-01-01T00:00:00Z\"\n  lifecycle_state: PLANNED\nfindings:\n{}{}",
        finding("SF-1", severity, status, "      exception_ref: EXC-002\n"),
        finding("SF-2", "low", "open", "")
    );
    let exceptions = format!(
        "# Security Exception Registry\n\n## Active Exceptions\n\n### EXC-002: Accepted risk\n- **Policy**: POL-001\n- **Severity**: critical\n- **Findings**: SF-1\n- **Requestor**: dev@example.com\n- **Approval**: sec@example.com\n- **Approved On**: 2025-01-01\n- **Valid Until**: {until}\n- **Justification**: Needed.\n- **Risk Assessment**: Low.\n- **Risk Mitigation**:\n  - WAF\n"
    );
    std::fs::write(dir.join("rulebook.yaml"), RB).unwrap();
    std::fs::write(dir.join("sec_findings.yaml"), findings).unwrap();
    std::fs::write(dir.join("exceptions.md"), exceptions).unwrap();
}

fn kinds(p: &NotifyPlan) -> Vec<(Reason, String, String)> {
    p.messages.iter().map(|m| (m.reason, m.subject.clone(), m.recipient.name.clone())).collect()
}

/// `notify apply` at `now`: everything planned is delivered; returns the plan.
fn apply_at(dir: &std::path::Path, acks: &BTreeSet<String>, now: DateTime<Utc>) -> NotifyPlan {
    let p = plan(&load(dir), acks, now).unwrap();
    let server = Server::start(vec![Step::Respond(200, "ok"); p.messages.len()]);
    let l = lock(dir);
    let r = apply_with(&p, &l, &fast(), now, &env_all(&server.url), &mut |_| {}).unwrap();
    assert!(r.is_complete(), "{:?}", r.failed);
    assert_eq!(server.finish().len(), p.messages.len());
    // Once: a re-run at the same instant sends nothing.
    let again = plan(&load(dir), acks, now).unwrap();
    assert!(again.is_empty(), "re-run plans {:?}", kinds(&again));
    p
}

fn escalations(p: &NotifyPlan) -> Vec<String> {
    p.messages.iter().filter(|m| m.reason == Reason::Escalation).map(|m| m.subject.clone()).collect()
}

/// The sweep's repro: the Critical=0 escalation was sent when EXC-002 expired; the exception
/// was renewed (the violation cleared; no notify run saw it) and expired again: the gate blocks
/// again, and the escalation is planned and sent again, as an escalation of its own.
#[test]
fn an_escalation_whose_condition_clears_and_returns_is_sent_again() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let none = BTreeSet::new();
    ws(dir, "2025-01-31", "open", "critical");
    let first = apply_at(dir, &none, at(2025, 2, 5));
    let esc1 = escalations(&first);
    assert_eq!(esc1.len(), 1, "{:?}", kinds(&first));
    // Renewed, then expired again; nothing ran in between.
    ws(dir, "2025-04-30", "open", "critical");
    let p = plan(&load(dir), &none, at(2025, 5, 5)).unwrap();
    let esc2 = escalations(&p);
    assert_eq!(esc2.len(), 1, "planned {:?}", kinds(&p));
    assert_ne!(esc1, esc2, "a new occurrence has an escalation id of its own");
    assert!(secfw_notify::is_escalation_id(&esc2[0]));
    // And the expiry of the renewed exception is notified again too.
    assert!(p.messages.iter().any(|m| m.reason == Reason::ExceptionExpired && m.subject == "EXC-002"));
    apply_at(dir, &none, at(2025, 5, 5));
    // The new escalation can be acknowledged; it is the one in the ledger.
    let ledger = Ledger::load(dir).unwrap();
    assert!(secfw_notify::check_acknowledgement(&ledger, &esc2[0], None).is_ok());
}

/// A condition the artifacts do not date (a severity that drops and comes back): an apply that
/// saw it ended records it, and its return is a new occurrence. Re-runs inside one occurrence
/// send nothing.
#[test]
fn an_escalation_seen_ended_by_an_apply_is_sent_again_when_it_returns() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let none = BTreeSet::new();
    ws(dir, "2025-01-31", "open", "critical");
    let first = escalations(&apply_at(dir, &none, at(2025, 2, 5)));
    ws(dir, "2025-01-31", "open", "high");
    let quiet = apply_at(dir, &none, at(2025, 2, 6));
    assert!(escalations(&quiet).is_empty());
    assert!(Ledger::load(dir).unwrap().cleared.keys().any(|k| k.starts_with("escalation:")));
    ws(dir, "2025-01-31", "open", "critical");
    let again = escalations(&apply_at(dir, &none, at(2025, 2, 7)));
    assert_eq!(again.len(), 1);
    assert_ne!(first, again);
    // A later run in the same occurrence: nothing.
    assert!(escalations(&plan(&load(dir), &none, at(2025, 2, 8)).unwrap()).is_empty());
}

/// The acknowledgement of an earlier occurrence does not count for the next one: its
/// next-level message goes out when its own SLA runs out.
#[test]
fn an_old_acknowledgement_does_not_silence_a_new_occurrence() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    ws(dir, "2025-01-31", "open", "critical");
    let esc1 = escalations(&apply_at(dir, &BTreeSet::new(), at(2025, 2, 5)));
    let acked: BTreeSet<String> = esc1.iter().cloned().collect();
    ws(dir, "2025-04-30", "open", "critical");
    let esc2 = escalations(&apply_at(dir, &acked, at(2025, 5, 5)));
    let late = plan(&load(dir), &acked, at(2025, 5, 5) + chrono::Duration::hours(3)).unwrap();
    let next: Vec<_> = late.messages.iter().filter(|m| m.reason == Reason::EscalationUnacknowledged).collect();
    assert_eq!(next.len(), 1, "{:?}", kinds(&late));
    assert_eq!(next[0].subject, esc2[0]);
}

/// Exception expiry: warned and expired under 2025-03-10; renewed to 2025-06-30 (the apply in
/// between sees it valid), warned and expired again.
#[test]
fn a_renewed_exception_that_expires_again_is_notified_again() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let none = BTreeSet::new();
    let exc = |p: &NotifyPlan| -> Vec<Reason> {
        p.messages.iter().filter(|m| m.subject == "EXC-002").map(|m| m.reason).collect()
    };
    ws(dir, "2025-03-10", "open", "critical");
    assert_eq!(exc(&apply_at(dir, &none, at(2025, 3, 1))), vec![Reason::ExceptionExpiring]);
    assert_eq!(exc(&apply_at(dir, &none, at(2025, 3, 11))), vec![Reason::ExceptionExpired]);
    ws(dir, "2025-06-30", "open", "critical");
    assert!(exc(&apply_at(dir, &none, at(2025, 4, 1))).is_empty());
    assert_eq!(exc(&apply_at(dir, &none, at(2025, 6, 20))), vec![Reason::ExceptionExpiring]);
    assert_eq!(exc(&apply_at(dir, &none, at(2025, 7, 1))), vec![Reason::ExceptionExpired]);
}

/// SLA breach: SF-1 breached, resolved (an apply saw it), re-opened under the same id: the
/// breach is notified again.
#[test]
fn an_sla_breach_of_a_reopened_finding_is_sent_again() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let none = BTreeSet::new();
    let sla = |p: &NotifyPlan| p.messages.iter().filter(|m| m.reason == Reason::SlaBreach).count();
    // Critical, SLA 7 days from 2025-01-01; EXC-002 expired on 2025-01-31: counted, overdue.
    ws(dir, "2025-01-31", "open", "critical");
    assert_eq!(sla(&apply_at(dir, &none, at(2025, 2, 5))), 1);
    ws(dir, "2025-01-31", "resolved", "critical");
    assert_eq!(sla(&apply_at(dir, &none, at(2025, 2, 6))), 0);
    ws(dir, "2025-01-31", "open", "critical");
    assert_eq!(sla(&apply_at(dir, &none, at(2025, 2, 7))), 1);
}

/// A ledger written before occurrences were tracked (no `condition`, no `cleared`) is read as
/// it was: what it records as sent is not sent again on upgrade.
#[test]
fn a_ledger_written_before_occurrences_is_not_sent_again() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let none = BTreeSet::new();
    ws(dir, "2025-01-31", "open", "critical");
    let p = plan(&load(dir), &none, at(2025, 2, 5)).unwrap();
    assert!(!p.is_empty());
    let mut old = serde_json::json!({ "version": 1, "messages": {} });
    for m in &p.messages {
        old["messages"][&m.id] = serde_json::json!({
            "subject": m.subject, "recipient": m.recipient.name, "reason": m.reason,
            "state": "sent", "status": 200, "attempts": 1, "at": "2025-02-05T09:00:00Z"
        });
    }
    std::fs::create_dir_all(dir.join(".secfw")).unwrap();
    std::fs::write(dir.join(secfw_notify::LEDGER_FILE), serde_json::to_string_pretty(&old).unwrap()).unwrap();
    // (Within the 2-hour escalation SLA, so no next-level message is due either.)
    let after = plan(&load(dir), &none, at(2025, 2, 5) + chrono::Duration::minutes(30)).unwrap();
    assert!(after.is_empty(), "{:?}", kinds(&after));
    assert_eq!(after.summary.already_sent, p.messages.len());
}
