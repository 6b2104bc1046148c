//! The notification plan: what is sent, to whom, keyed how; configuration refused.

mod common;

use common::{RULEBOOK, load, now, workspace};
use secfw_notify::{Error, Ledger, codes, plan_with_ledger};
use secfw_notify::{Reason, message_id};

#[test]
fn plan_is_deterministic_and_keyed_by_subject_recipient_reason() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let ws = load(t.path());
    let a = plan_with_ledger(&ws, &Ledger::default(), &common::no_acks(), now()).unwrap();
    let b = plan_with_ledger(&ws, &Ledger::default(), &common::no_acks(), now()).unwrap();
    assert_eq!(a.to_json(), b.to_json());
    let kinds: Vec<(String, String, Reason)> =
        a.messages.iter().map(|m| (m.subject.clone(), m.recipient.name.clone(), m.reason)).collect();
    let esc = a.messages.iter().find(|m| m.reason == Reason::Escalation).unwrap().subject.clone();
    assert!(esc.starts_with("ESC-") && esc.len() == 16, "{esc}");
    assert_eq!(
        kinds,
        vec![
            (esc.clone(), "webhook:chat".to_owned(), Reason::Escalation),
            (esc, "webhook:sec".to_owned(), Reason::Escalation),
            ("EXC-001".to_owned(), "webhook:teams".to_owned(), Reason::ExceptionExpiring),
            ("finding:F-001".to_owned(), "webhook:teams".to_owned(), Reason::SlaBreach),
            ("finding:F-002".to_owned(), "webhook:teams".to_owned(), Reason::SlaBreach),
        ]
    );
    for m in &a.messages {
        assert_eq!(m.id, message_id(&m.subject, &m.recipient.name, m.reason));
    }
    // The escalation: rule, count, findings with locations, deadline = now + 2 hours.
    let e = &a.messages[1];
    assert!(e.title.contains("critical_findings_count == 0 violated (count 2)"), "{}", e.title);
    assert!(e.lines.iter().any(|l| l.contains("Respond by 2025-03-01T14:00:00Z")), "{:?}", e.lines);
    assert_eq!(
        e.items,
        vec![
            "F-001 [critical] Finding F-001 at src/F-001.rs:10 (api)".to_owned(),
            "F-002 [critical] Finding F-002 at src/F-002.rs:10 (api)".to_owned()
        ]
    );
    assert_eq!(e.digest.as_deref(), Some("https://intranet.example.com/secfw/digest.html"));
    // The e-mail recipient is reported, not silently dropped.
    assert!(a.diagnostics.iter().any(|d| d.code == codes::NO_EMAIL_CHANNEL
        && d.message.contains("security-team@company.com")
        && d.line == Some(9)));
    assert_eq!(a.summary.escalation, 2);
    assert_eq!(a.summary.exception_expiring, 1);
    assert_eq!(a.summary.sla_breach, 2);
}

#[test]
fn the_message_id_does_not_depend_on_now() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let ws = load(t.path());
    let a = plan_with_ledger(&ws, &Ledger::default(), &common::no_acks(), now()).unwrap();
    let b = plan_with_ledger(&ws, &Ledger::default(), &common::no_acks(), now() + chrono::Duration::hours(1)).unwrap();
    let ids = |p: &secfw_notify::NotifyPlan| p.messages.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
}

#[test]
fn an_expired_exception_is_notified_with_the_findings_it_resurfaces() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let ws = load(t.path());
    let p = plan_with_ledger(&ws, &Ledger::default(), &common::no_acks(), now() + chrono::Duration::days(12)).unwrap();
    let m = p.messages.iter().find(|m| m.subject == "EXC-001").unwrap();
    assert_eq!(m.reason, Reason::ExceptionExpired);
    assert!(m.items.iter().any(|i| i.starts_with("F-003 [medium]")), "{:?}", m.items);
}

fn refused(rulebook: &str) -> Vec<secfw_artifacts::Diagnostic> {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), rulebook);
    let ws = load(t.path());
    match plan_with_ledger(&ws, &Ledger::default(), &common::no_acks(), now()) {
        Err(Error::Config { diagnostics }) => diagnostics,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn a_webhook_url_written_in_the_rulebook_is_refused_with_its_location() {
    let rb =
        RULEBOOK.replace("url_env: SECFW_TEST_CHAT_URL", "url_env: \"https://hooks.slack.com/services/T0/B0/XYZ\"");
    let d = refused(&rb);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].code, codes::SECRET_IN_RULEBOOK);
    assert_eq!(d[0].file, "rulebook.yaml");
    assert_eq!(d[0].line, Some(19), "{:?}", d[0]);
    // The secret itself is not echoed.
    assert!(!d[0].message.contains("XYZ"), "{}", d[0].message);
}

#[test]
fn a_url_or_token_field_in_a_channel_is_refused() {
    let rb = RULEBOOK.replace("url_env: SECFW_TEST_CHAT_URL }", "url_env: SECFW_TEST_CHAT_URL, token: abc }");
    let d = refused(&rb);
    assert!(d.iter().any(|d| d.code == codes::SECRET_IN_RULEBOOK && d.message.contains("chat.token")), "{d:?}");
}

/// The rulebook is a file people edit: it must not be able to pick a secret of the run's
/// environment (a CI token, a cloud key) and have it sent to a server it names.
#[test]
fn a_rulebook_naming_a_variable_not_set_for_secfw_is_refused() {
    let rb = RULEBOOK.replace("token_env: SECFW_TEST_SEC_TOKEN", "token_env: GITHUB_TOKEN");
    let d = refused(&rb);
    assert!(
        d.iter().any(|d| d.code == codes::ENV_NOT_RESERVED && d.message.contains("GITHUB_TOKEN") && d.line.is_some()),
        "{d:?}"
    );
    let rb = RULEBOOK.replace("url_env: SECFW_TEST_CHAT_URL", "url_env: AWS_SECRET_ACCESS_KEY");
    assert!(refused(&rb).iter().any(|d| d.code == codes::ENV_NOT_RESERVED), "url_env too");
}

#[test]
fn a_digest_link_with_credentials_is_refused() {
    let rb = RULEBOOK.replace("https://intranet.example.com/", "https://bob:hunter2@intranet.example.com/");
    assert!(refused(&rb).iter().any(|d| d.code == codes::SECRET_IN_RULEBOOK));
}

#[test]
fn an_unknown_channel_and_a_bad_recipient_are_refused() {
    let rb = RULEBOOK.replace("exception_expiry: [webhook:teams]", "exception_expiry: [webhook:nope, \"#security\"]");
    let d = refused(&rb);
    assert!(d.iter().any(|d| d.code == codes::UNKNOWN_CHANNEL && d.line.is_some()), "{d:?}");
    assert!(d.iter().any(|d| d.code == codes::BAD_RECIPIENT), "{d:?}");
}

#[test]
fn an_invalid_rulebook_is_refused_not_replaced_by_defaults() {
    let d = refused("version: [\n");
    assert!(d.iter().all(secfw_artifacts::Diagnostic::is_error) && !d.is_empty());
}

#[test]
fn no_notifications_section_plans_nothing_and_says_so() {
    let rb = RULEBOOK.split("notifications:\n").next().unwrap().replace("webhook:sec, webhook:chat, ", "");
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), &rb);
    let p = plan_with_ledger(&load(t.path()), &Ledger::default(), &common::no_acks(), now()).unwrap();
    assert!(p.is_empty());
    assert!(p.diagnostics.iter().any(|d| d.code == codes::NO_CONFIG));
}

#[test]
fn every_code_is_documented_exactly_once() {
    let doc = std::fs::read_to_string(secfw_testkit::repo_root().join("docs/diagnostics.md")).unwrap();
    for (code, _) in codes::CATALOG {
        let n = doc.matches(&format!("| `{code}` |")).count();
        assert_eq!(n, 1, "{code} is documented {n} time(s) in docs/diagnostics.md");
    }
}

#[test]
fn an_unacknowledged_escalation_is_renotified_to_the_next_level_once_and_an_acknowledged_one_is_not() {
    let rb = RULEBOOK
        .replace("  sla_breach: [webhook:teams]\n", "  sla_breach: [webhook:teams]\n  escalate_to: [webhook:sec]\n");
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), &rb);
    let ws = load(t.path());
    let first = plan_with_ledger(&ws, &Ledger::default(), &common::no_acks(), now()).unwrap();
    assert!(first.messages.iter().all(|m| m.reason != Reason::EscalationUnacknowledged));
    // Record the first plan as sent at `now`.
    let mut ledger = Ledger::default();
    for m in &first.messages {
        ledger
            .append(
                t.path(),
                secfw_notify::JournalEntry::of(secfw_notify::DeliveryEvent::Sent, m, Some(200), Some(1), now()),
            )
            .unwrap();
    }
    let ledger = Ledger::load(t.path()).unwrap();
    let esc = first.messages.iter().find(|m| m.reason == Reason::Escalation).unwrap().subject.clone();
    // Before the 2-hour SLA: nothing. After: one message to the next level.
    let early = plan_with_ledger(&ws, &ledger, &common::no_acks(), now() + chrono::Duration::minutes(119)).unwrap();
    assert!(early.is_empty(), "{:?}", early.messages);
    let late = plan_with_ledger(&ws, &ledger, &common::no_acks(), now() + chrono::Duration::hours(2)).unwrap();
    let next: Vec<_> = late.messages.iter().filter(|m| m.reason == Reason::EscalationUnacknowledged).collect();
    assert_eq!(next.len(), 1);
    assert_eq!((next[0].subject.as_str(), next[0].recipient.name.as_str()), (esc.as_str(), "webhook:sec"));
    assert!(next[0].lines[0].contains("secfw escalations ack"), "{:?}", next[0].lines);
    // Acknowledged: not re-notified.
    let acked: std::collections::BTreeSet<String> = [esc.clone()].into();
    let quiet = plan_with_ledger(&ws, &ledger, &acked, now() + chrono::Duration::hours(3)).unwrap();
    assert!(quiet.messages.iter().all(|m| m.reason != Reason::EscalationUnacknowledged));
    // Acknowledging: only notified escalations, only once.
    assert!(secfw_notify::check_acknowledgement(&ledger, &esc, None).is_ok());
    assert_eq!(
        secfw_notify::check_acknowledgement(&ledger, "ESC-000000000000", None).unwrap_err().code,
        codes::UNKNOWN_ESCALATION
    );
    assert_eq!(
        secfw_notify::check_acknowledgement(&ledger, &esc, Some(("alice", now()))).unwrap_err().code,
        codes::ALREADY_ACKNOWLEDGED
    );
}
