//! Planning: keys, create / update / close against the ledger, exceptions, approval requests,
//! determinism.

mod common;

use common::{EXCEPTIONS_EMPTY, exception, finding, load, now, workspace};
use secfw_tickets::{ActionKind, Ledger, TicketPlan, plan, plan_summary, plan_with_ledger};
use sha2::Digest as _;

const FP1: &str = "secfw/v1:1111111111111111111111111111111111111111111111111111111111111111";
const FP2: &str = "secfw/v1:2222222222222222222222222222222222222222222222222222222222222222";

fn kinds(p: &TicketPlan) -> Vec<(ActionKind, String)> {
    p.actions.iter().map(|a| (a.request.action, a.request.key.clone())).collect()
}

/// Pretend every action of `p` was applied.
fn applied(mut ledger: Ledger, p: &TicketPlan) -> Ledger {
    for a in &p.actions {
        ledger.record(a, 200, now());
    }
    ledger
}

#[test]
fn open_findings_get_creates_keyed_by_fingerprint_or_id() {
    let dir = tempfile::tempdir().unwrap();
    workspace(
        dir.path(),
        &[
            finding("F-1", "high", "open", Some(FP1), ""),
            finding("F-2", "low", "open", None, ""),
            finding("F-3", "medium", "resolved", Some(FP2), ""),
        ],
        EXCEPTIONS_EMPTY,
    );
    let ws = load(dir.path());
    let p = plan(&ws, now()).unwrap();
    assert_eq!(kinds(&p), vec![(ActionKind::Create, "finding:F-2".to_owned()), (ActionKind::Create, FP1.to_owned())]);
    assert_eq!((p.summary.create, p.summary.update, p.summary.close), (2, 0, 0));
    // F-2 has no fingerprint: a note says so.
    assert!(p.diagnostics.iter().any(|d| d.code.as_str() == "TK0001" && d.message.contains("F-2") && d.line.is_some()));
    let t = p.actions[1].request.ticket.as_ref().unwrap();
    assert_eq!(t.finding_id, "F-1");
    // Due: first_seen 2025-02-01 + 30 days (high) is earlier than the 2025-06-30 deadline.
    assert_eq!(t.due, "2025-03-03T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap());
    // On the wire it is RFC 3339 in whole seconds, as before it was typed.
    assert_eq!(serde_json::to_value(t).unwrap()["due"], "2025-03-03T00:00:00Z");
    assert_eq!(t.sla_days, 30);
    assert!(!t.overdue);
    // Idempotency key = sha256 of the exact body.
    let body = p.actions[1].body();
    assert_eq!(p.actions[1].idempotency_key, hex::encode(sha2::Sha256::digest(&body)));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["schema"], "secfw.tickets.action/v1");
    assert_eq!(json["action"], "create");
    assert_eq!(json["ticket"]["severity"], "high");
    assert_eq!(json["ticket"]["keyed_by"], "fingerprint");
}

#[test]
fn plan_is_deterministic_and_empty_once_applied() {
    let dir = tempfile::tempdir().unwrap();
    workspace(
        dir.path(),
        &[finding("F-1", "high", "open", Some(FP1), ""), finding("F-2", "low", "open", None, "")],
        EXCEPTIONS_EMPTY,
    );
    let ws = load(dir.path());
    let a = plan_with_ledger(&ws, &Ledger::default(), now()).unwrap();
    let b = plan_with_ledger(&ws, &Ledger::default(), now()).unwrap();
    assert_eq!(a.to_json(), b.to_json());
    let ledger = applied(Ledger::default(), &a);
    let again = plan_with_ledger(&ws, &ledger, now()).unwrap();
    assert!(again.is_empty(), "{}", again.to_json());
    assert_eq!(again.summary.unchanged, 2);
}

#[test]
fn changes_plan_updates_and_resolution_plans_a_close() {
    let dir = tempfile::tempdir().unwrap();
    workspace(
        dir.path(),
        &[finding("F-1", "high", "open", Some(FP1), ""), finding("F-2", "low", "open", Some(FP2), "")],
        EXCEPTIONS_EMPTY,
    );
    let first = plan(&load(dir.path()), now()).unwrap();
    let ledger = applied(Ledger::default(), &first);

    // F-1 becomes critical, F-2 is resolved.
    workspace(
        dir.path(),
        &[finding("F-1", "critical", "open", Some(FP1), ""), finding("F-2", "low", "resolved", Some(FP2), "")],
        EXCEPTIONS_EMPTY,
    );
    let p = plan_with_ledger(&load(dir.path()), &ledger, now()).unwrap();
    assert_eq!(kinds(&p), vec![(ActionKind::Update, FP1.to_owned()), (ActionKind::Close, FP2.to_owned())]);
    let t = p.actions[0].request.ticket.as_ref().unwrap();
    assert_eq!(t.sla_days, 7);
    // Critical SLA is 7 days from 2025-02-01: overdue at 2025-03-01.
    assert!(t.overdue);
    assert!(p.actions[0].request.reason.contains("past due"));

    // After applying, a re-opened F-2 (new finding, same fingerprint) gets a new ticket.
    let ledger = applied(ledger, &p);
    assert!(!ledger.tickets[FP2].open);
    workspace(
        dir.path(),
        &[
            finding("F-1", "critical", "open", Some(FP1), ""),
            finding("F-2", "low", "resolved", Some(FP2), ""),
            finding("F-9", "low", "open", Some(FP2), "    supersedes: F-2\n"),
        ],
        EXCEPTIONS_EMPTY,
    );
    let p = plan_with_ledger(&load(dir.path()), &ledger, now()).unwrap();
    assert_eq!(kinds(&p), vec![(ActionKind::Create, FP2.to_owned())]);
    let t = p.actions[0].request.ticket.as_ref().unwrap();
    assert_eq!((t.finding_id.as_str(), t.supersedes.as_deref()), ("F-9", Some("F-2")));
}

#[test]
fn false_positive_without_ticket_plans_nothing_and_removed_finding_closes() {
    let dir = tempfile::tempdir().unwrap();
    workspace(
        dir.path(),
        &[finding("F-1", "high", "open", Some(FP1), ""), finding("F-2", "low", "false_positive", Some(FP2), "")],
        EXCEPTIONS_EMPTY,
    );
    let p = plan(&load(dir.path()), now()).unwrap();
    assert_eq!(kinds(&p), vec![(ActionKind::Create, FP1.to_owned())]);
    let ledger = applied(Ledger::default(), &p);
    // F-1 disappears from the ledger: its ticket is closed, with a warning.
    workspace(dir.path(), &[finding("F-2", "low", "false_positive", Some(FP2), "")], EXCEPTIONS_EMPTY);
    let p = plan_with_ledger(&load(dir.path()), &ledger, now()).unwrap();
    assert_eq!(kinds(&p), vec![(ActionKind::Close, FP1.to_owned())]);
    assert!(p.actions[0].request.ticket.is_none());
    assert!(p.diagnostics.iter().any(|d| d.code.as_str() == "TK0003"));
}

#[test]
fn excepted_finding_gets_an_update_noting_the_exception() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path(), &[finding("F-1", "high", "open", Some(FP1), "")], EXCEPTIONS_EMPTY);
    let first = plan(&load(dir.path()), now()).unwrap();
    let ledger = applied(Ledger::default(), &first);
    let gov = "      exception_ref: EXC-001\n";
    let extra = format!("    governance:\n      tags: [auth]\n      policy_refs: [POL-001]\n{gov}");
    // Replace the governance block by one that names the exception.
    let f = finding("F-1", "high", "accepted", Some(FP1), "")
        .replace("    governance:\n      tags: [auth]\n      policy_refs: [POL-001]\n", &extra);
    let exc =
        format!("{EXCEPTIONS_EMPTY}\n{}", exception("EXC-001", "sec@example.com, risk@example.com", "High", "F-1"));
    workspace(dir.path(), &[f], &exc);
    let p = plan_with_ledger(&load(dir.path()), &ledger, now()).unwrap();
    assert_eq!(kinds(&p), vec![(ActionKind::Update, FP1.to_owned())]);
    let t = p.actions[0].request.ticket.as_ref().unwrap();
    let e = t.exception.as_ref().unwrap();
    assert_eq!(
        (e.id.as_str(), e.state, e.valid_until.map(|d| d.to_string())),
        ("EXC-001", "valid", Some("2025-05-31".into()))
    );
    assert_eq!(serde_json::to_value(e).unwrap()["valid_until"], "2025-05-31");
    assert!(!t.overdue, "an excepted finding is not counted as overdue");
    assert!(p.actions[0].request.reason.contains("EXC-001 is valid"));
}

#[test]
fn exception_missing_an_approval_gets_one_request_until_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    // High severity needs security team + risk committee; only the security team approved.
    let exc = format!("{EXCEPTIONS_EMPTY}\n{}", exception("EXC-001", "sec@example.com", "High", "F-1"));
    workspace(dir.path(), &[finding("F-1", "high", "accepted", Some(FP1), "")], &exc);
    let p = plan(&load(dir.path()), now()).unwrap();
    let req = p.actions.iter().find(|a| a.request.action == ActionKind::RequestApproval).unwrap();
    assert_eq!(req.request.key, "approval:EXC-001");
    let body: serde_json::Value = serde_json::from_slice(&req.body()).unwrap();
    let ar = &body["approval_request"];
    assert_eq!(ar["exception_id"], "EXC-001");
    assert_eq!(ar["missing"], serde_json::json!([{ "role": "risk_committee", "approvers": ["risk@example.com"] }]));
    assert_eq!(ar["approved_by"], serde_json::json!(["sec@example.com"]));
    assert_eq!(ar["findings"], serde_json::json!(["F-1"]));
    assert_eq!(p.summary.request_approval, 1);

    let ledger = applied(Ledger::default(), &p);
    let again = plan_with_ledger(&load(dir.path()), &ledger, now()).unwrap();
    assert!(again.is_empty(), "{}", again.to_json());

    // Fully approved: nothing more to ask.
    let exc =
        format!("{EXCEPTIONS_EMPTY}\n{}", exception("EXC-001", "sec@example.com, risk@example.com", "High", "F-1"));
    workspace(dir.path(), &[finding("F-1", "high", "accepted", Some(FP1), "")], &exc);
    let p = plan_with_ledger(&load(dir.path()), &Ledger::default(), now()).unwrap();
    assert!(p.actions.iter().all(|a| a.request.action != ActionKind::RequestApproval));
}

#[test]
fn invalid_findings_ledger_refuses_to_plan() {
    let dir = tempfile::tempdir().unwrap();
    workspace(
        dir.path(),
        &[finding("F-1", "high", "open", Some(FP1), ""), finding("F-1", "low", "open", None, "")],
        EXCEPTIONS_EMPTY,
    );
    let err = plan(&load(dir.path()), now()).unwrap_err();
    match err {
        secfw_tickets::Error::FindingsUnusable { diagnostics } => {
            assert!(diagnostics.iter().any(|d| d.code.as_str() == "SF0201"), "{diagnostics:?}");
        }
        e => panic!("unexpected {e}"),
    }
    std::fs::remove_file(dir.path().join("sec_findings.yaml")).unwrap();
    assert!(matches!(plan(&load(dir.path()), now()), Err(secfw_tickets::Error::FindingsUnusable { .. })));
}

#[test]
fn corrupt_ledger_is_an_error_not_an_empty_ledger() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path(), &[finding("F-1", "high", "open", Some(FP1), "")], EXCEPTIONS_EMPTY);
    std::fs::create_dir_all(dir.path().join(".secfw")).unwrap();
    std::fs::write(dir.path().join(".secfw/tickets.json"), "{\"version\": 1,\n \"tickets\": [").unwrap();
    match plan(&load(dir.path()), now()).unwrap_err() {
        secfw_tickets::Error::Ledger(d) => {
            assert_eq!(d.code.as_str(), "TK0101");
            assert_eq!(d.line, Some(2));
        }
        e => panic!("unexpected {e}"),
    }
    std::fs::write(dir.path().join(".secfw/tickets.json"), "{\"version\": 7}").unwrap();
    match plan(&load(dir.path()), now()).unwrap_err() {
        secfw_tickets::Error::Ledger(d) => assert_eq!(d.code.as_str(), "TK0102"),
        e => panic!("unexpected {e}"),
    }
}

#[test]
fn example_workspace_plans_deterministically() {
    let root = secfw_testkit::repo_root().join("examples/acme");
    let ws = load(&root);
    let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 24, 0, 0, 0).unwrap();
    let a = plan_with_ledger(&ws, &Ledger::default(), now).unwrap();
    let b = plan_with_ledger(&ws, &Ledger::default(), now).unwrap();
    assert_eq!(a.to_json(), b.to_json());
    let open = ws
        .findings
        .as_ref()
        .unwrap()
        .findings
        .iter()
        .filter(|f| f.is_open() || f.status == secfw_artifacts::FindingStatus::Accepted)
        .count();
    assert_eq!(a.summary.create, open);
    assert_eq!(a.summary.close, 0, "no ledger yet: nothing to close");
    let keys: Vec<&str> = a.actions.iter().map(|x| x.request.key.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
}

/// The summary plan (what `cycle` computes when no ticket endpoint is configured) decides
/// every action by the same rule as the full plan: same counts and diagnostics, in every case
/// (create, create again after a close, update, unchanged, close, orphan close), with no
/// actions kept.
#[test]
fn the_summary_plan_counts_exactly_what_the_full_plan_plans() {
    let dir = tempfile::tempdir().unwrap();
    let fp3 = "secfw/v1:3333333333333333333333333333333333333333333333333333333333333333";
    let fp4 = "secfw/v1:4444444444444444444444444444444444444444444444444444444444444444";
    workspace(
        dir.path(),
        &[
            finding("F-1", "high", "open", Some(FP1), ""),
            finding("F-2", "low", "open", Some(FP2), ""),
            finding("F-3", "medium", "open", Some(fp3), ""),
            finding("F-4", "low", "open", Some(fp4), ""),
        ],
        EXCEPTIONS_EMPTY,
    );
    let first = plan(&load(dir.path()), now()).unwrap();
    let summary = plan_summary(&load(dir.path()), now()).unwrap();
    assert_eq!(summary.summary, first.summary);
    assert_eq!(summary.diagnostics, first.diagnostics);
    assert!(summary.actions.is_empty() && first.summary.create == 4);
    // Apply everything, close F-4's ticket by resolving it and applying, then change the
    // workspace so that the next plan has one of each kind.
    let ledger = applied(Ledger::default(), &first);
    workspace(
        dir.path(),
        &[
            finding("F-1", "high", "open", Some(FP1), ""),
            finding("F-2", "low", "open", Some(FP2), ""),
            finding("F-3", "medium", "open", Some(fp3), ""),
            finding("F-4", "low", "resolved", Some(fp4), ""),
        ],
        EXCEPTIONS_EMPTY,
    );
    let ledger = applied(ledger.clone(), &plan_with_ledger(&load(dir.path()), &ledger, now()).unwrap());
    assert!(!ledger.tickets[fp4].open);
    workspace(
        dir.path(),
        &[
            // unchanged
            finding("F-1", "high", "open", Some(FP1), ""),
            // changed: update
            finding("F-2", "critical", "open", Some(FP2), ""),
            // F-3 left the ledger: its open ticket is an orphan (close); F-4 is open again
            // (create after a close); F-5 is new (create); F-6 resolved, never ticketed.
            finding("F-4", "low", "open", Some(fp4), ""),
            finding("F-5", "low", "open", None, ""),
            finding("F-6", "low", "resolved", None, ""),
        ],
        EXCEPTIONS_EMPTY,
    );
    ledger.save(dir.path()).unwrap();
    let ws = load(dir.path());
    let full = plan(&ws, now()).unwrap();
    let summary = plan_summary(&ws, now()).unwrap();
    assert_eq!(
        (full.summary.create, full.summary.update, full.summary.close, full.summary.unchanged),
        (2, 1, 1, 1),
        "{}",
        full.to_json()
    );
    assert_eq!(summary.summary, full.summary);
    assert_eq!(summary.diagnostics, full.diagnostics);
    assert!(summary.actions.is_empty());
}

/// Plan the workspace against `ledger`, check the plan has exactly `want` (kind, key), that
/// none of its keys was ever applied, and pretend it was applied.
fn step(dir: &std::path::Path, ledger: Ledger, want: &[(ActionKind, &str)]) -> (Ledger, TicketPlan) {
    let p = plan_with_ledger(&load(dir), &ledger, now()).unwrap();
    let want: Vec<(ActionKind, String)> = want.iter().map(|(k, s)| (*k, (*s).to_owned())).collect();
    assert_eq!(kinds(&p), want, "{}", p.to_json());
    for a in &p.actions {
        assert!(!ledger.is_applied(&a.idempotency_key), "{} {} reuses an applied key", a.request.action, a.request.key);
        assert_eq!(a.idempotency_key, hex::encode(sha2::Sha256::digest(a.body())), "key = sha256(body)");
    }
    let ledger = applied(ledger, &p);
    assert!(plan_with_ledger(&load(dir), &ledger, now()).unwrap().is_empty(), "applied: nothing left");
    (ledger, p)
}

/// F1: medium → critical → medium → critical. The third and fourth updates have the same
/// ticket content as the first and second; each is a new transition and is sent.
#[test]
fn a_severity_that_returns_to_an_earlier_value_is_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let sev = |s: &str| workspace(dir.path(), &[finding("F-1", s, "open", Some(FP1), "")], EXCEPTIONS_EMPTY);
    sev("medium");
    let (mut ledger, _) = step(dir.path(), Ledger::default(), &[(ActionKind::Create, FP1)]);
    let mut sent = Vec::new();
    for s in ["critical", "medium", "critical"] {
        sev(s);
        let (l, p) = step(dir.path(), ledger, &[(ActionKind::Update, FP1)]);
        assert_eq!(p.actions[0].request.ticket.as_ref().unwrap().severity.to_string(), s);
        // The ledger's ticket now holds what was sent last.
        assert_eq!(l.tickets[FP1].content_digest, p.actions[0].content_digest);
        assert_eq!(l.tickets[FP1].last_idempotency_key, p.actions[0].idempotency_key);
        sent.push(p.actions[0].clone());
        ledger = l;
    }
    // Same ticket content (critical), different transitions: different bodies and keys.
    assert_eq!(sent[0].content_digest, sent[2].content_digest);
    assert_ne!(sent[0].idempotency_key, sent[2].idempotency_key);
    // Each names the action it follows.
    assert_eq!(sent[2].request.after.as_deref(), Some(sent[1].idempotency_key.as_str()));
}

/// F1: resolve → reopen → resolve (same finding id, same fingerprint): the second close is
/// byte-identical in content to the first, and is sent.
#[test]
fn a_ticket_closed_reopened_and_closed_again_is_closed_again() {
    let dir = tempfile::tempdir().unwrap();
    let status = |s: &str| workspace(dir.path(), &[finding("F-1", "high", s, Some(FP1), "")], EXCEPTIONS_EMPTY);
    status("open");
    let (ledger, _) = step(dir.path(), Ledger::default(), &[(ActionKind::Create, FP1)]);
    status("resolved");
    let (ledger, close1) = step(dir.path(), ledger, &[(ActionKind::Close, FP1)]);
    status("open");
    let (ledger, create2) = step(dir.path(), ledger, &[(ActionKind::Create, FP1)]);
    assert!(ledger.tickets[FP1].open);
    status("resolved");
    let (ledger, close2) = step(dir.path(), ledger, &[(ActionKind::Close, FP1)]);
    assert!(!ledger.tickets[FP1].open, "the ticket of a resolved finding is closed in the ledger");
    assert_eq!(close1.actions[0].content_digest, close2.actions[0].content_digest);
    assert_ne!(close1.actions[0].idempotency_key, close2.actions[0].idempotency_key);
    assert_eq!(close2.actions[0].request.after.as_deref(), Some(create2.actions[0].idempotency_key.as_str()));
}

/// F9.5: an orphan close (the finding removed), the finding restored, removed again: the
/// second orphan close has the same content as the first and is sent.
#[test]
fn an_orphan_ticket_closed_restored_and_removed_again_is_closed_again() {
    let dir = tempfile::tempdir().unwrap();
    let keep = finding("F-2", "low", "open", Some(FP2), "");
    let with =
        || workspace(dir.path(), &[finding("F-1", "high", "open", Some(FP1), ""), keep.clone()], EXCEPTIONS_EMPTY);
    let without = || workspace(dir.path(), std::slice::from_ref(&keep), EXCEPTIONS_EMPTY);
    with();
    let (ledger, _) = step(dir.path(), Ledger::default(), &[(ActionKind::Create, FP1), (ActionKind::Create, FP2)]);
    without();
    let (ledger, close1) = step(dir.path(), ledger, &[(ActionKind::Close, FP1)]);
    with();
    let (ledger, _) = step(dir.path(), ledger, &[(ActionKind::Create, FP1)]);
    without();
    let (ledger, close2) = step(dir.path(), ledger, &[(ActionKind::Close, FP1)]);
    assert!(!ledger.tickets[FP1].open);
    assert_eq!(close1.actions[0].request.reason, close2.actions[0].request.reason);
    assert_ne!(close1.actions[0].idempotency_key, close2.actions[0].idempotency_key);
}

/// F9.5: an approval request whose missing approvals go A → B → A: the third request has the
/// same content as the first and is sent ("sent again when what is missing changes").
#[test]
fn an_approval_request_whose_missing_set_returns_to_an_earlier_one_is_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let approved_by = |who: &str| {
        let exc = format!("{EXCEPTIONS_EMPTY}\n{}", exception("EXC-001", who, "High", "F-1"));
        workspace(dir.path(), &[finding("F-1", "high", "accepted", Some(FP1), "")], &exc);
    };
    let ra = ActionKind::RequestApproval;
    approved_by("sec@example.com"); // missing: risk committee
    let (ledger, first) = step(dir.path(), Ledger::default(), &[(ra, "approval:EXC-001"), (ActionKind::Create, FP1)]);
    approved_by("risk@example.com"); // missing: security team
    let (ledger, _) = step(dir.path(), ledger, &[(ra, "approval:EXC-001")]);
    approved_by("sec@example.com"); // missing: risk committee, again
    let (_, third) = step(dir.path(), ledger, &[(ra, "approval:EXC-001")]);
    assert_eq!(first.actions[0].content_digest, third.actions[0].content_digest);
    assert_ne!(first.actions[0].idempotency_key, third.actions[0].idempotency_key);
}

/// A retry is the same transition: planned again against the same ledger (a crash before the
/// record, a second run), an action has the same body and key; the first action of a ticket
/// names no predecessor, so its body is what earlier versions sent.
#[test]
fn a_retry_of_one_transition_keeps_its_body_and_key() {
    let dir = tempfile::tempdir().unwrap();
    workspace(dir.path(), &[finding("F-1", "high", "open", Some(FP1), "")], EXCEPTIONS_EMPTY);
    let (ledger, create) = step(dir.path(), Ledger::default(), &[(ActionKind::Create, FP1)]);
    assert!(create.actions[0].request.after.is_none());
    assert!(!String::from_utf8(create.actions[0].body()).unwrap().contains("\"after\""));
    workspace(dir.path(), &[finding("F-1", "critical", "open", Some(FP1), "")], EXCEPTIONS_EMPTY);
    let a = plan_with_ledger(&load(dir.path()), &ledger, now()).unwrap();
    let b = plan_with_ledger(&load(dir.path()), &ledger, now()).unwrap();
    assert_eq!(a.actions[0].body(), b.actions[0].body());
    assert_eq!(a.actions[0].idempotency_key, b.actions[0].idempotency_key);
}
