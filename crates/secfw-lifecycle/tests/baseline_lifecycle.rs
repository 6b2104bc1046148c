//! The rulebook option `baseline.lifecycle_gates` makes the lifecycle's Critical=0 criterion
//! baseline-aware: it counts only findings new or worse than the last verified handoff, and
//! every way of not having a usable baseline fails it closed (the attacks as tests).

mod support;

use std::path::Path;

use chrono::Duration;
use secfw_artifacts::{LifecycleState as S, LoadOptions};
use secfw_lifecycle::StandardChecks as Standard;
use secfw_lifecycle::{AdvanceRequest, Criterion, CriterionResult, Lifecycle, Unavailable};
use support::{add_failed_scan, add_finding, edit, now, other_trust, packaged, packaged_with, seal_and_package};

const ON: &str = "\nbaseline:\n  lifecycle_gates: true\n";

fn turn_on(dir: &Path) {
    let p = dir.join("rulebook.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, format!("{text}{ON}")).unwrap();
}

/// Every open, unexcepted finding blocks the handoff (the example's own findings included).
fn count_every_open_finding(dir: &Path) {
    edit(dir, "rulebook.yaml", "rule: critical_findings_count", "rule: open_findings_count");
}

/// The Critical=0 criterion of READY_FOR_HANDOFF → PACKAGED, with the standard wiring.
fn critical_zero(dir: &Path, trust: Option<&Path>) -> CriterionResult {
    critical_zero_at(dir, trust, now() + Duration::days(1))
}

fn critical_zero_at(dir: &Path, trust: Option<&Path>, at: chrono::DateTime<chrono::Utc>) -> CriterionResult {
    let ws = secfw_artifacts::load(dir, &LoadOptions::default()).unwrap();
    let standard = Standard::new(trust.map(Path::to_path_buf), true);
    let req = AdvanceRequest::new(S::Packaged, "test", at);
    let eval = Lifecycle::new(dir).evaluate(&ws, &[], S::ReadyForHandoff, &req, standard.checks());
    eval.criteria.into_iter().find(|c| c.criterion == Criterion::CriticalZero).unwrap()
}

#[test]
fn only_findings_new_or_worse_than_the_baseline_count() {
    let (_t, dir, trust, _) = packaged();
    count_every_open_finding(&dir);
    let off = critical_zero(&dir, Some(&trust));
    assert!(!off.met, "without the option every open finding counts: {}", off.detail);
    assert!(off.detail.contains("SF-0011"), "{}", off.detail);

    turn_on(&dir);
    // The unchanged workspace passes against its own sealed handoff: no open finding of a
    // never-baselined kind, and everything else was sealed.
    let on = critical_zero(&dir, Some(&trust));
    assert!(on.met, "{}", on.detail);
    assert!(on.detail.contains("16 baselined finding(s) not counted"), "{}", on.detail);
    let unchanged = on.detail;

    // A new finding fails it, alone.
    add_finding(&dir);
    let on = critical_zero(&dir, Some(&trust));
    assert!(!on.met);
    assert!(on.detail.contains("SF-0100") && !on.detail.contains("SF-0011"), "{}", on.detail);
    assert_ne!(on.detail, unchanged);
}

#[test]
fn a_worse_finding_counts_again() {
    let (_t, dir, trust, _) = packaged();
    count_every_open_finding(&dir);
    turn_on(&dir);
    assert!(critical_zero(&dir, Some(&trust)).met);
    edit(
        &dir,
        "sec_findings.yaml",
        "- finding_id: SF-0011\n    severity: medium",
        "- finding_id: SF-0011\n    severity: high",
    );
    let r = critical_zero(&dir, Some(&trust));
    assert!(!r.met && r.detail.contains("SF-0011"), "{}", r.detail);
}

#[test]
fn a_critical_hidden_in_the_baseline_still_fails() {
    // The sealed handoff already holds an open critical (SF-0011 raised to critical before
    // sealing): the baseline cannot make it acceptable, critical findings are never baselined.
    let raise = |d: &Path| {
        edit(
            d,
            "sec_findings.yaml",
            "- finding_id: SF-0011\n    severity: medium",
            "- finding_id: SF-0011\n    severity: critical",
        );
    };
    let (_t, dir, trust, _) = packaged_with(raise);
    turn_on(&dir);
    let r = critical_zero(&dir, Some(&trust));
    assert!(!r.met, "{}", r.detail);
    assert!(r.detail.contains("critical_findings_count") && r.detail.contains("SF-0011"), "{}", r.detail);
}

#[test]
fn no_usable_baseline_fails_closed_with_a_clear_reason() {
    let (t, dir, trust, pkg) = packaged();
    turn_on(&dir);
    // No trust policy: the baseline cannot be verified.
    let r = critical_zero(&dir, None);
    assert!(!r.met && r.detail.contains("LC0301") && r.detail.contains("trust policy"), "{}", r.detail);
    // Signed by keys the trust policy does not trust.
    let r = critical_zero(&dir, Some(&other_trust(t.path())));
    assert!(!r.met && r.detail.contains("LC0301"), "{}", r.detail);
    // No capability wired in (an embedder's checks): refused, not skipped.
    let ws = secfw_artifacts::load(&dir, &LoadOptions::default()).unwrap();
    let none = Unavailable("test".into());
    let checks = secfw_lifecycle::Checks::new(&none, &none, &none);
    let req = AdvanceRequest::new(S::Packaged, "test", now() + Duration::days(1));
    let eval = Lifecycle::new(&dir).evaluate(&ws, &[], S::ReadyForHandoff, &req, checks);
    let c = eval.criteria.iter().find(|c| c.criterion == Criterion::CriticalZero).unwrap();
    assert!(!c.met && c.detail.contains("LC0301"), "{}", c.detail);
    // A forged package in place of the sealed one: one byte of the sealed ledger changed.
    let mut bytes = std::fs::read(&pkg).unwrap();
    let at = bytes.windows(9).position(|w| w == b"SF-0011\n ").unwrap();
    bytes[at + 6] = b'2';
    std::fs::write(&pkg, bytes).unwrap();
    let r = critical_zero(&dir, Some(&trust));
    assert!(!r.met && r.detail.contains("LC0301"), "{}", r.detail);
    // No baseline at all: a clear error, never a pass.
    std::fs::remove_file(&pkg).unwrap();
    let r = critical_zero(&dir, Some(&trust));
    assert!(!r.met && r.detail.contains("sealed no package") && r.detail.contains("lifecycle_gates"), "{}", r.detail);
}

#[test]
fn a_baseline_from_another_workspace_is_refused() {
    let (t, dir, trust, pkg) = packaged();
    turn_on(&dir);
    // Another project sealed with the same trusted keys; its package planted as ours.
    let other = t.path().join("other");
    let (_, other_pkg) = seal_and_package(&t.path().join("other-out"), &other, |d| {
        edit(d, "rulebook.yaml", "project: acme-pay", "project: other-pay");
    });
    std::fs::copy(&other_pkg, &pkg).unwrap();
    let r = critical_zero(&dir, Some(&trust));
    assert!(!r.met && r.detail.contains("LC0301"), "{}", r.detail);
    assert!(r.detail.contains("other-pay") || r.detail.contains("project"), "{}", r.detail);

    // A workspace with no project id cannot tell whose baseline it is: refused.
    let (_t2, dir2, trust2, _) = packaged();
    turn_on(&dir2);
    edit(&dir2, "rulebook.yaml", "project: acme-pay\n", "");
    edit(&dir2, "sec_findings.yaml", "  project: acme-pay\n", "");
    let r = critical_zero(&dir2, Some(&trust2));
    assert!(!r.met && r.detail.contains("no project id"), "{}", r.detail);
}

#[test]
fn a_failed_scan_since_the_baseline_fails_closed() {
    let (_t, dir, trust, _) = packaged();
    turn_on(&dir);
    edit(&dir, "rulebook.yaml", ON, "\nbaseline:\n  lifecycle_gates: true\n  never_baseline: [critical, kev]\n");
    assert!(critical_zero(&dir, Some(&trust)).met);
    add_failed_scan(&dir);
    let r = critical_zero(&dir, Some(&trust));
    assert!(!r.met && r.detail.contains("LC0303"), "{}", r.detail);
}

#[test]
fn an_unknown_never_baseline_kind_fails_closed() {
    let (_t, dir, trust, _) = packaged();
    turn_on(&dir);
    edit(&dir, "rulebook.yaml", ON, "\nbaseline:\n  lifecycle_gates: true\n  never_baseline: [critcal]\n");
    let r = critical_zero(&dir, Some(&trust));
    assert!(!r.met && r.detail.contains("LC0305"), "{}", r.detail);
}

#[test]
fn a_secret_in_the_baseline_is_never_baselined() {
    // SF-0008 (a high CWE-798 secret) is open in the sealed handoff already.
    let reopen = |d: &Path| {
        edit(
            d,
            "sec_findings.yaml",
            "    status: false_positive\n    first_seen: \"2026-11-13T01:04:19Z\"",
            "    status: open\n    first_seen: \"2026-11-13T01:04:19Z\"",
        );
    };
    let (_t, dir, trust, _) = packaged_with(reopen);
    edit(&dir, "rulebook.yaml", "rule: critical_findings_count", "rule: high_findings_count");
    turn_on(&dir);
    let r = critical_zero(&dir, Some(&trust));
    assert!(!r.met, "{}", r.detail);
    let listed = r.detail.split("(count ").nth(1).unwrap();
    assert!(listed.starts_with("1): SF-0008"), "only the secret counts, the other highs were sealed: {}", r.detail);
    // Without `secrets` in never_baseline it is baselined like any other finding.
    edit(&dir, "rulebook.yaml", ON, "\nbaseline:\n  lifecycle_gates: true\n  never_baseline: [critical, kev]\n");
    assert!(critical_zero(&dir, Some(&trust)).met);
}

#[test]
fn an_exception_expired_since_the_baseline_counts_again() {
    let (_t, dir, trust, _) = packaged();
    count_every_open_finding(&dir);
    turn_on(&dir);
    assert!(critical_zero(&dir, Some(&trust)).met);
    // EXC-003 (SF-0013, medium) is valid until 2027-03-15; at the baseline it excepted SF-0013.
    let r = critical_zero_at(&dir, Some(&trust), "2027-03-20T00:00:00Z".parse().unwrap());
    assert!(!r.met && r.detail.contains("SF-0013"), "{}", r.detail);
    assert!(!r.detail.contains("SF-0011"), "still baselined: {}", r.detail);
}
