//! KPI values checked against hand-computed fixtures (the arithmetic is in the comments).

mod support;
use support as fixture;

use chrono::{DateTime, TimeZone, Utc};
use secfw_artifacts::{LoadOptions, Severity, load};
use secfw_metrics::StandardState;
use secfw_metrics::{CollectOptions, KpiId, KpiReport, KpiStatus, Period, codes, collect};

fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn report() -> (tempfile::TempDir, KpiReport) {
    let dir = tempfile::tempdir().unwrap();
    fixture::write(dir.path());
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let parse_errors: Vec<_> = ws.diagnostics.iter().filter(|d| d.is_error() && d.file != "security_spec.md").collect();
    assert!(parse_errors.is_empty(), "fixture must parse: {parse_errors:#?}");
    let opts = CollectOptions::default().from(t(2026, 11, 17)).to(t(2026, 11, 24));
    let r = collect(&ws, &opts, Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()).unwrap();
    (dir, r)
}

#[test]
fn mttr_mean_median_p90_and_per_severity() {
    let (_d, r) = report();
    let m = &r.metrics;
    // Resolved in [11-17, 11-24) with first_seen: SF-1 8 d, SF-2 2 d, SF-4 20.5 d (SF-3 resolved
    // before the period; SF-9 has no first_seen).
    // mean = (8 + 2 + 20.5) / 3 = 10.1666… → 10.17; median of [2, 8, 20.5] = 8;
    // p90 nearest rank: ⌈0.9 × 3⌉ = 3rd value = 20.5.
    assert_eq!(m.mttr.overall.count, 3);
    assert_eq!(m.mttr.overall.mean, Some(10.17));
    assert_eq!(m.mttr.overall.median, Some(8.0));
    assert_eq!(m.mttr.overall.p90, Some(20.5));
    assert_eq!(m.value(KpiId::Mttr), Some(10.17));
    // target < 5 days → missed.
    assert_eq!(m.kpi(KpiId::Mttr).status, KpiStatus::Missed);
    assert_eq!(m.mttr.by_severity[&Severity::Critical].mean, Some(8.0));
    assert_eq!(m.mttr.by_severity[&Severity::High].mean, Some(2.0));
    assert_eq!(m.mttr.by_severity[&Severity::Medium].mean, Some(20.5));
    assert_eq!(m.mttr.by_severity[&Severity::Low].mean, None);
    assert_eq!(m.mttr.excluded, vec!["SF-9".to_owned()]);
    let d = r.diagnostics.iter().find(|d| d.code == codes::RESOLVED_WITHOUT_FIRST_SEEN).expect("MT0001");
    assert_eq!(d.file, "sec_findings.yaml");
    assert!(d.line.is_some(), "located at the finding: {d:?}");
}

#[test]
fn sla_compliance_and_overdue() {
    let (_d, r) = report();
    let m = &r.metrics;
    // SF-1 due min(12-31, 11-10 + 7 d = 11-17) resolved 11-18: late. SF-2 (due 12-17), SF-4
    // (due 2027-01-30), SF-9 (own deadline 12-01): within. 3 / 4 = 75 % (target ≥ 90: missed).
    assert_eq!((m.sla.resolved_within, m.sla.resolved_late), (3, 1));
    assert_eq!(m.value(KpiId::SlaCompliance), Some(75.0));
    assert_eq!(m.kpi(KpiId::SlaCompliance).status, KpiStatus::Missed);
    // Open at 11-24: SF-6 is past its 10-31 deadline.
    assert_eq!(m.sla.open_overdue, 1);
    assert_eq!(m.findings.overdue(), 1);
}

#[test]
fn coverage_scans_escape_and_exceptions() {
    let (_d, r) = report();
    let m = &r.metrics;
    // r1 (POL-001) and r4 (POL-002) covered; r2 names an undefined POL-999, r3 none: 2/4 = 50 %.
    assert_eq!(m.value(KpiId::PolicyCoverage), Some(50.0));
    assert_eq!(m.coverage.uncovered, vec!["r2".to_owned(), "r3".to_owned()]);
    assert_eq!(m.kpi(KpiId::PolicyCoverage).status, KpiStatus::Missed);
    // Expected pairs r1/semgrep, r1/trivy, r2/trivy; in the period only S1 (semgrep on r1)
    // succeeded (S2 failed, S3 is before the period): 1/3 = 33.33 %.
    assert_eq!(m.value(KpiId::ScanSuccessRate), Some(33.33));
    assert_eq!(m.scans.missing, vec!["r1/trivy".to_owned(), "r2/trivy".to_owned()]);
    assert_eq!(m.scans.failed.len(), 1);
    // First seen in the period: SF-2, SF-5, SF-8, SF-10 (4); in production: SF-2, SF-8 → 50 %.
    assert_eq!(m.value(KpiId::EscapeRate), Some(50.0));
    // Active exceptions: EXC-001 valid, EXC-002 expired 11-20, EXC-003 self-approved;
    // EXC-004 is archived. 1/3 = 33.33 %.
    assert_eq!((m.exceptions.total, m.exceptions.valid, m.exceptions.expired, m.exceptions.invalid), (3, 1, 1, 1));
    assert_eq!(m.exceptions.archived, 1);
    assert_eq!(m.value(KpiId::ExceptionCompliance), Some(33.33));
}

#[test]
fn counts_risk_score_and_standards() {
    let (_d, r) = report();
    let m = &r.metrics;
    let f = &m.findings;
    // new: SF-2, SF-5, SF-8, SF-10; resolved: SF-1, SF-2, SF-4, SF-9.
    assert_eq!((f.new, f.resolved), (4, 4));
    // Live at the period end: SF-5, SF-6, SF-7, SF-8 (accepted without an exception), SF-10;
    // carry-forward (seen before 11-17): SF-6, SF-7.
    assert_eq!((f.open, f.carry_forward), (5, 2));
    assert_eq!(f.excepted(), 1); // SF-7 under EXC-001
    assert_eq!(f.open_by_severity[&Severity::Low], 2); // SF-5, SF-10 (EXC-002 expired)
    assert_eq!(f.open_by_severity[&Severity::High], 1); // SF-6
    assert_eq!(f.critical(), 1); // SF-8: accepted risk needs a valid exception to stop counting
    assert_eq!(f.accepted, 1);
    // Risk points: SF-5 low 1×1 + SF-6 high 5×2 (overdue) + SF-7 medium 3×0.5 (excepted)
    // + SF-8 critical 10×1 + SF-10 low 1×1 = 23.5; score = 100 × 23.5 / 73.5 = 31.972… → 31.97.
    assert!((m.risk.points - 23.5).abs() < 1e-9, "{}", m.risk.points);
    assert_eq!(m.value(KpiId::RiskScore), Some(31.97));
    let state = |n: &str| m.standards.iter().find(|s| s.standard == n).map(|s| s.state);
    assert_eq!(state("SOC2"), Some(StandardState::AtRisk)); // SF-6 high open
    assert_eq!(state("ISO27001"), Some(StandardState::Gaps)); // SF-5 low open
    assert_eq!(state("GDPR"), Some(StandardState::Compliant)); // SF-7 excepted
    assert_eq!(state("PCI-DSS"), Some(StandardState::Compliant)); // SF-1 resolved
}

#[test]
fn actions_list_completed_pending_and_blocked() {
    let (_d, r) = report();
    let a = &r.metrics.actions;
    let ids: Vec<&str> = a.completed.iter().map(|x| x.subject.as_str()).collect();
    assert_eq!(ids, ["SF-1", "SF-2", "SF-9", "SF-4"]); // by resolution time
    assert!(a.pending.iter().any(|x| x.subject == "SF-6" && x.text.contains("OVERDUE")));
    assert!(!a.pending.iter().any(|x| x.subject == "SF-7"), "excepted findings are not pending work");
    assert!(a.pending.iter().any(|x| x.subject == "coverage"));
    assert!(a.blocked.iter().any(|x| x.subject == "EXC-002" && x.text.contains("SF-10")));
    // Critical=0 is violated by SF-8: the rule and the finding are both listed.
    assert!(a.blocked.iter().any(|x| x.subject == "critical_findings_count" && x.text.contains("is 1")));
    assert!(a.blocked.iter().any(|x| x.subject == "SF-8"));
    assert!(a.blocked.iter().any(|x| x.text.contains("S2") && x.text.contains("registry timeout")));
}

#[test]
fn edge_cases_are_na_not_division_by_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rulebook.yaml"), fixture::RULEBOOK).unwrap();
    std::fs::write(dir.path().join("inventory.yaml"), "version: \"1.0\"\nresources: []\n").unwrap();
    std::fs::write(
        dir.path().join("sec_findings.yaml"),
        "version: \"1.0\"\nmetadata:\n  scan_id: x\n  timestamp: \"2026-11-23T00:00:00Z\"\n  lifecycle_state: PLANNED\nfindings: []\n",
    )
    .unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let r = collect(&ws, &CollectOptions::default(), t(2026, 11, 24)).unwrap();
    let m = &r.metrics;
    for id in [KpiId::Mttr, KpiId::ScanSuccessRate, KpiId::EscapeRate, KpiId::ExceptionCompliance, KpiId::SlaCompliance]
    {
        assert_eq!(m.value(id), None, "{id}");
        assert_eq!(m.kpi(id).status, KpiStatus::NotAvailable, "{id}");
        assert!(m.kpi(id).note.is_some(), "{id} says why it is n/a");
    }
    // Zero resources: coverage n/a and a failure, with MT0003.
    assert_eq!(m.value(KpiId::PolicyCoverage), None);
    assert_eq!(m.kpi(KpiId::PolicyCoverage).status, KpiStatus::Missed);
    assert!(r.diagnostics.iter().any(|d| d.code == codes::NO_RESOURCES && d.is_error()));
    assert_eq!(m.value(KpiId::RiskScore), Some(0.0));
    // Default period: 7 days back from now, no history.
    assert_eq!(m.period, Period::new(t(2026, 11, 17), t(2026, 11, 24)).unwrap());
}

#[test]
fn a_missing_ledger_is_refused_not_silently_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("inventory.yaml"), fixture::INVENTORY).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    // A workspace without a ledger is not compliant: collecting (and so the digest) refuses.
    let Err(secfw_metrics::Error::UnreadableInputs { diagnostics }) =
        collect(&ws, &CollectOptions::default(), t(2026, 11, 24))
    else {
        panic!("a missing ledger is refused")
    };
    assert!(diagnostics.iter().any(|d| d.code == codes::UNREADABLE_INPUT && d.file == "sec_findings.yaml"));
    // The bare computation (no refusal) still says its finding KPIs are over no findings.
    let m = secfw_metrics::compute(&ws, Period::new(t(2026, 11, 17), t(2026, 11, 24)).unwrap(), t(2026, 11, 24));
    assert!(m.diagnostics.iter().any(|d| d.code == codes::MISSING_INPUT && d.file == "sec_findings.yaml"));
}

#[test]
fn an_inverted_period_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let opts = CollectOptions::default().from(t(2026, 11, 24)).to(t(2026, 11, 17));
    assert!(matches!(collect(&ws, &opts, t(2026, 11, 24)), Err(secfw_metrics::Error::InvalidPeriod { .. })));
    let bad = CollectOptions::default().cycle("../escape");
    assert!(matches!(collect(&ws, &bad, t(2026, 11, 24)), Err(secfw_metrics::Error::InvalidCycle(_))));
}
