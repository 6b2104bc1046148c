//! The Critical=0 engine (`evaluate`) on the bundled example: what counts, what an exception
//! excepts and for how long, when the handoff is blocked, and the escalation it raises.

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::model::rulebook::CountMetric;
use secfw_artifacts::{LoadOptions, LoadedWorkspace, Severity, template};
use secfw_governance::{Disposition, ExceptionState, NotExcepted, evaluate};

fn reference() -> DateTime<Utc> {
    template::EXAMPLE_NOW.parse().unwrap()
}

/// The example written for its reference time, with `(from, to)` text edits to the ledger.
fn example(edits: &[(&str, &str)]) -> (tempfile::TempDir, LoadedWorkspace) {
    example_with(&[("sec_findings.yaml", edits)])
}

/// The example written for its reference time, with `(from, to)` text edits to its files.
fn example_with(files: &[(&str, &[(&str, &str)])]) -> (tempfile::TempDir, LoadedWorkspace) {
    let dir = tempfile::tempdir().unwrap();
    template::write_example_at(dir.path(), reference()).unwrap();
    for (file, edits) in files {
        let p = dir.path().join(file);
        let mut text = std::fs::read_to_string(&p).unwrap();
        for (from, to) in *edits {
            assert!(text.contains(from), "the example's {file} lacks {from:?}");
            text = text.replacen(from, to, 1);
        }
        std::fs::write(&p, text).unwrap();
    }
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

#[test]
fn an_exception_ref_naming_no_exception_is_dangling_and_counts() {
    let (_d, ws) = example(&[("      exception_ref: EXC-002\n", "      exception_ref: EXC-999\n")]);
    let r = evaluate(&ws, reference());
    let f = r.finding("SF-0002").unwrap();
    assert_eq!(f.disposition, Disposition::Counted { not_excepted: Some(NotExcepted::Dangling) });
    assert!(r.handoff_blocked(), "the critical finding counts");
}

#[test]
fn an_exception_for_a_policy_the_finding_does_not_reference_does_not_except_it() {
    let (_d, ws) = example(&[(
        "      exception_ref: EXC-001\n      policy_refs: [POL-004]\n",
        "      exception_ref: EXC-001\n      policy_refs: [POL-002]\n",
    )]);
    let r = evaluate(&ws, reference());
    assert_eq!(
        r.finding("SF-0007").unwrap().disposition,
        Disposition::Counted { not_excepted: Some(NotExcepted::PolicyMismatch { exception_policy: "POL-004".into() }) }
    );
    assert!(r.exception("EXC-001").unwrap().is_valid(), "the exception itself stays valid");
}

#[test]
fn an_exception_matches_the_findings_its_list_names_but_excepts_only_those_that_reference_it() {
    let (_d, ws) = example(&[("      exception_ref: EXC-002\n", "")]);
    let r = evaluate(&ws, reference());
    let ev = r.exception("EXC-002").unwrap();
    assert!(ev.matched_findings.iter().any(|f| f == "SF-0002") && !ev.stale, "{ev:#?}");
    assert_eq!(r.finding("SF-0002").unwrap().disposition, Disposition::Counted { not_excepted: None });
    assert!(r.handoff_blocked());
}

const ENFORCEMENT: &str = "enforcement:
  rule: critical_findings_count
  condition: \"== 0\"
  actions:
    on_violation:
      - block_handoff: true
      - notify:
          - security-team@acme-pay.example
          - ciso@acme-pay.example
      - escalation_sla: 2_hours
    on_compliance:
      - proceed_to_next_state: true
      - log_compliance: true
";

const FAIL_PROWLER: (&str, &str) = (
    "    finished_at: \"2026-09-01T03:41:55Z\"\n    status: success\n",
    "    finished_at: \"2026-09-01T03:41:55Z\"\n    status: failure\n",
);

const RULES: &str = "enforcement:
  - rule: high_findings_count
    condition: \"== 0\"
    actions:
      on_violation:
        - notify: [a@acme-pay.example]
        - notify: [b@acme-pay.example, c@acme-pay.example]
  - rule: failed_scans_count
    condition: \"== 0\"
    actions:
      on_violation:
        - block_handoff: true
  - rule: overdue_findings_count
    condition: \"<= 100000\"
";

#[test]
fn each_rule_counts_its_metric_lists_its_items_and_escalates_by_its_sla() {
    let (_d, ws) = example_with(&[("rulebook.yaml", &[(ENFORCEMENT, RULES)]), ("sec_findings.yaml", &[FAIL_PROWLER])]);
    assert!(ws.diagnostics.iter().all(|d| !d.is_error()), "{:#?}", ws.diagnostics);
    let now = reference();
    let r = evaluate(&ws, now);
    let [high, failed, overdue] = r.rules.as_slice() else { panic!("three rules: {:#?}", r.rules) };

    // A severity rule: its items are the counted findings of that severity, in ledger order;
    // without escalation_sla it is due after the rulebook's SLA days for the severity.
    let counted_high: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.is_counted() && f.severity == Severity::High)
        .map(|f| f.finding_id.as_str())
        .collect();
    assert!(!counted_high.is_empty());
    assert_eq!(high.count, r.counts.get(CountMetric::HighFindingsCount));
    assert_eq!(high.count, counted_high.len() as u64);
    assert!(!high.holds && !high.blocks_handoff);
    let esc = high.escalation.as_ref().unwrap();
    assert_eq!(esc.items, counted_high);
    assert_eq!(
        esc.notify,
        ["a@acme-pay.example", "b@acme-pay.example", "c@acme-pay.example"],
        "every notify, in order"
    );
    assert_eq!(esc.deadline, Some(now + Duration::days(30)), "sla_days.high: 30");

    // A scan rule: its items are the failed scans (the example's ZAP run and the one made to
    // fail), in ledger order; no severity, no escalation_sla: no deadline.
    assert_eq!((failed.count, failed.holds, failed.blocks_handoff), (2, false, true));
    let esc = failed.escalation.as_ref().unwrap();
    assert_eq!(esc.items, ["scan-20260901-prowler", "scan-20261113-zap"]);
    assert_eq!(esc.deadline, None);

    // A rule that holds raises nothing.
    assert!(overdue.holds && overdue.escalation.is_none());
    assert_eq!(overdue.count, r.findings.iter().filter(|f| f.overdue).count() as u64);

    assert_eq!(r.escalations.len(), 2);
    assert!(r.handoff_blocked() && !r.passes());
    let rule_errors = r.diagnostics.iter().filter(|d| d.code == secfw_governance::codes::RULE_VIOLATED).count();
    assert_eq!(rule_errors, 2, "one located error per violated rule");
}

/// The example written for its reference time, with `exceptions.md` rewritten by `edit`.
fn example_exceptions(edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, LoadedWorkspace) {
    let dir = tempfile::tempdir().unwrap();
    template::write_example_at(dir.path(), reference()).unwrap();
    let p = dir.path().join("exceptions.md");
    let text = std::fs::read_to_string(&p).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed exceptions.md");
    std::fs::write(&p, edited).unwrap();
    let ws = secfw_artifacts::load(dir.path(), &LoadOptions::default()).unwrap();
    (dir, ws)
}

/// EXC-002 (the example's critical exception) moved under `## Revoked Exceptions` at the end.
fn revoke_exc_002(text: &str) -> String {
    let (head, tail) = text.split_once("### EXC-002").unwrap();
    let (body, after) = tail.split_once("### EXC-003").unwrap();
    let block = format!("### EXC-002{body}");
    let rest = format!("{head}### EXC-003{after}");
    format!(
        "{}\n\n## Revoked Exceptions\n\nRevoked by the risk committee: curl is invoked after all.\n\n{block}",
        rest.trim_end()
    )
}

#[test]
fn an_exception_declaring_a_lower_severity_than_its_critical_finding_excepts_nothing() {
    // The attack: EXC-002 covers the critical SF-0002 but declares Low, approved by the
    // security team only (no risk committee).
    let (dir, ws) = example_exceptions(|t| {
        t.replacen(
            "- **Severity**: Critical\n- **Findings**: SF-0002\n- **Requestor**: platform-lead@acme-pay.example\n- **Approval**: secops-lead@acme-pay.example, risk-committee@acme-pay.example, ciso@acme-pay.example",
            "- **Severity**: Low\n- **Findings**: SF-0002\n- **Requestor**: platform-lead@acme-pay.example\n- **Approval**: secops-lead@acme-pay.example",
            1,
        )
    });
    let r = evaluate(&ws, reference());
    let ev = r.exception("EXC-002").unwrap();
    assert_eq!(ev.severity, Some(Severity::Critical), "judged by its critical finding, not its declaration");
    assert_eq!(ev.state, ExceptionState::Invalid);
    let codes: Vec<&str> = ev.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["GV0114", "GV0110"], "{:#?}", ev.diagnostics);
    let d = &ev.diagnostics[0];
    let text = std::fs::read_to_string(dir.path().join("exceptions.md")).unwrap();
    let line = text.lines().position(|l| l == "- **Severity**: Low").unwrap() + 1;
    assert_eq!(
        (d.file.as_str(), d.line),
        ("exceptions.md", Some(u32::try_from(line).unwrap())),
        "located at the declaration"
    );
    assert_eq!(
        r.finding("SF-0002").unwrap().disposition,
        Disposition::Counted { not_excepted: Some(NotExcepted::NotInForce { state: ExceptionState::Invalid }) }
    );
    assert!(r.handoff_blocked() && !r.passes(), "Critical=0 fails");
}

#[test]
fn a_revoked_exception_excepts_nothing_and_critical_zero_fails() {
    let (_d, ws) = example_exceptions(|t| revoke_exc_002(&t));
    assert!(ws.exceptions.as_ref().unwrap().get("EXC-002").unwrap().is_archived());
    let r = evaluate(&ws, reference());
    let ev = r.exception("EXC-002").unwrap();
    assert_eq!(ev.state, ExceptionState::Archived);
    assert!(!ev.is_valid() && ev.diagnostics.is_empty(), "{ev:#?}");
    assert_eq!(
        r.finding("SF-0002").unwrap().disposition,
        Disposition::Counted { not_excepted: Some(NotExcepted::NotInForce { state: ExceptionState::Archived }) }
    );
    assert!(r.handoff_blocked(), "the critical finding counts again");
    let gv = r.diagnostics.iter().find(|d| d.code.as_str() == "GV0201").unwrap();
    assert!(gv.related.iter().any(|x| x.message.contains("its exception EXC-002 is archived")), "{gv:#?}");
    // The other exceptions are untouched.
    assert!(r.exception("EXC-001").unwrap().is_valid());
}

/// An advisory exception, approved on 2026-11-20 by `approval`, valid until 2027-01-31.
fn advisory_exception(id: &str, advisory: &str, severity: &str, approval: &str) -> String {
    format!(
        "\n### {id}: {advisory} in the payments-api image\n- **Policy**: POL-007\n- **Severity**: {severity}\n- **Advisories**: {advisory}\n- **Requestor**: platform-lead@acme-pay.example\n- **Approval**: {approval}\n- **Approved On**: 2026-11-20\n- **Valid Until**: 2027-01-31\n- **Justification**: j\n- **Risk Assessment**: r\n- **Risk Mitigation**:\n  - m\n"
    )
}

/// The example with `exception` appended to the registry and `(from, to)` edits to the ledger.
fn example_plus(exception: &str, ledger: &[(&str, &str)]) -> (tempfile::TempDir, LoadedWorkspace) {
    const LAST: &str = "  - Must implement compensating controls\n";
    let appended = format!("{LAST}{exception}");
    example_with(&[("exceptions.md", &[(LAST, appended.as_str())]), ("sec_findings.yaml", ledger)])
}

/// The 1-based line of the last line of `file` equal to `line` (the appended exception's).
fn last_line_of(dir: &tempfile::TempDir, file: &str, line: &str) -> Option<u32> {
    let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().rposition(|l| *l == line).map(|i| u32::try_from(i + 1).unwrap())
}

const SECURITY_TEAM: &str = "appsec-lead@acme-pay.example";
const WITH_COMMITTEE: &str = "appsec-lead@acme-pay.example, risk-committee@acme-pay.example";
/// SF-0020 (CVE-2023-48795, resolved) rated critical instead of medium.
const SF_0020_CRITICAL: (&str, &str) =
    ("  - finding_id: SF-0020\n    severity: medium\n", "  - finding_id: SF-0020\n    severity: critical\n");
/// SF-0020 (CVE-2023-48795, resolved) rated low instead of medium.
const SF_0020_LOW: (&str, &str) =
    ("  - finding_id: SF-0020\n    severity: medium\n", "  - finding_id: SF-0020\n    severity: low\n");
/// SF-0024 (CVE-2011-3374, low, open) resolved, as the next scan resolves a finding a compiled
/// ignore hid.
const RESOLVE_SF_0024: (&str, &str) = (
    "    status: open\n    first_seen: \"2026-11-06T01:30:55Z\"\n    last_seen: \"2026-11-20T01:30:58Z\"\n    detected_in: staging\n    source:\n      tool: trivy\n      rule_id: \"CVE-2011-3374\"",
    "    status: resolved\n    first_seen: \"2026-11-06T01:30:55Z\"\n    last_seen: \"2026-11-20T01:30:58Z\"\n    resolved_at: \"2026-11-21T01:30:58Z\"\n    detected_in: staging\n    source:\n      tool: trivy\n      rule_id: \"CVE-2011-3374\"",
);

#[test]
fn a_pre_emptive_advisory_exception_is_not_judged_by_its_declaration_alone() {
    // The attack: regreSSHion (critical in most feeds) declared Low before any scan has
    // recorded it, approved by one security-team member. Nothing in the ledger backs `Low`.
    let (dir, ws) = example_plus(&advisory_exception("EXC-009", "CVE-2024-6387", "Low", SECURITY_TEAM), &[]);
    let r = evaluate(&ws, reference());
    let ev = r.exception("EXC-009").unwrap();
    assert_eq!((ev.state, ev.severity, ev.stale), (ExceptionState::Invalid, None, true), "{ev:#?}");
    let codes: Vec<&str> = ev.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["GV0110", "GV0113"], "{:#?}", ev.diagnostics);
    let d = &ev.diagnostics[0];
    assert!(d.is_error() && d.message.contains("declares `**Severity**: Low`"), "{}", d.message);
    assert!(d.message.contains("no finding in the ledger, in any status"), "{}", d.message);
    assert_eq!(d.line, last_line_of(&dir, "exceptions.md", &format!("- **Approval**: {SECURITY_TEAM}")));
    assert_eq!(
        d.related[0].line,
        last_line_of(&dir, "exceptions.md", "- **Severity**: Low"),
        "points at the declaration"
    );
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("risk-committee@acme-pay.example")), "{:?}", d.hint);
    assert!(!r.passes());
    // With the risk committee's approval (the worst case's approvals) it is in force.
    let (_d, ws) = example_plus(&advisory_exception("EXC-009", "CVE-2024-6387", "Low", WITH_COMMITTEE), &[]);
    let r = evaluate(&ws, reference());
    let ev = r.exception("EXC-009").unwrap();
    let codes: Vec<&str> = ev.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!((ev.state, codes), (ExceptionState::Valid, vec!["GV0113"]), "{ev:#?}");
}

#[test]
fn an_exception_whose_only_finding_is_resolved_critical_stays_judged_critical() {
    // A compiled ignore hid the critical finding, so the next scan resolved it: the resolved
    // finding still says how severe the advisory is.
    let (dir, ws) =
        example_plus(&advisory_exception("EXC-009", "CVE-2023-48795", "Low", SECURITY_TEAM), &[SF_0020_CRITICAL]);
    let r = evaluate(&ws, reference());
    let ev = r.exception("EXC-009").unwrap();
    assert_eq!((ev.state, ev.severity, ev.stale), (ExceptionState::Invalid, Some(Severity::Critical), true));
    assert!(ev.matched_findings.is_empty(), "staleness is about open and accepted findings only");
    let codes: Vec<&str> = ev.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["GV0114", "GV0110", "GV0113"], "{:#?}", ev.diagnostics);
    let d = &ev.diagnostics[0];
    assert!(d.message.contains("SF-0020 (critical, resolved)"), "{}", d.message);
    assert_eq!(d.line, last_line_of(&dir, "exceptions.md", "- **Severity**: Low"), "located at the declaration");
    // Declared at the real severity with the committee's approval: valid (and stays so).
    let (_d, ws) =
        example_plus(&advisory_exception("EXC-009", "CVE-2023-48795", "Critical", WITH_COMMITTEE), &[SF_0020_CRITICAL]);
    let ev = evaluate(&ws, reference()).exception("EXC-009").unwrap().clone();
    assert_eq!((ev.state, ev.severity), (ExceptionState::Valid, Some(Severity::Critical)), "{ev:#?}");
}

#[test]
fn a_low_exception_stays_valid_when_its_low_finding_is_resolved() {
    // No oscillation: valid while its low finding is open, and still valid (judged low, now
    // stale) once the next scan resolves the finding its compiled ignore hid.
    let exc = advisory_exception("EXC-009", "CVE-2011-3374", "Low", SECURITY_TEAM);
    let (_d, ws) = example_plus(&exc, &[]);
    let r = evaluate(&ws, reference());
    let ev = r.exception("EXC-009").unwrap();
    assert_eq!((ev.state, ev.severity, ev.stale), (ExceptionState::Valid, Some(Severity::Low), false), "{ev:#?}");
    assert_eq!(ev.matched_findings, ["SF-0024"]);
    assert!(r.finding("SF-0024").unwrap().is_excepted());
    let (_d, ws) = example_plus(&exc, &[RESOLVE_SF_0024]);
    let r = evaluate(&ws, reference());
    let ev = r.exception("EXC-009").unwrap();
    assert_eq!((ev.state, ev.severity, ev.stale), (ExceptionState::Valid, Some(Severity::Low), true), "{ev:#?}");
    let codes: Vec<&str> = ev.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["GV0113"]);
    assert!(ev.diagnostics[0].message.contains("SF-0024 (low, resolved)"), "{}", ev.diagnostics[0].message);
    // And a resolved low finding the exception never excepted backs a Low declaration too.
    let (_d, ws) = example_plus(&advisory_exception("EXC-009", "CVE-2023-48795", "Low", SECURITY_TEAM), &[SF_0020_LOW]);
    let ev = evaluate(&ws, reference()).exception("EXC-009").unwrap().clone();
    assert_eq!((ev.state, ev.severity), (ExceptionState::Valid, Some(Severity::Low)), "{ev:#?}");
}
