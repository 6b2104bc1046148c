//! The digest's view of the Security & Compliance Specification: status, review cycle, lint.

use secfw_artifacts::{LoadOptions, load};

#[test]
fn the_spec_summary_follows_the_review_cycle() {
    let dir = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(dir.path()).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let at = |t: &str| secfw_metrics::summarize_spec(&ws, t.parse().unwrap()).expect("the example has a spec");
    let now = at("2026-11-24T12:00:00Z");
    assert_eq!((now.status.as_str(), now.last_updated.as_str()), ("approved", "2026-11-02"));
    // 2026-11-02 + 90 days (the rulebook's review cycle).
    assert_eq!(now.review_due.as_deref(), Some("2027-01-31"));
    assert!(!now.review_overdue);
    assert_eq!((now.lint_errors, now.lint_warnings), (0, 0));
    // Still due on its last day, overdue the day after; the lint says so too.
    assert!(!at("2027-01-31T23:59:59Z").review_overdue);
    let late = at("2027-02-01T00:00:00Z");
    assert!(late.review_overdue);
    assert!(late.lint_warnings + late.lint_errors >= 1, "spec lint reports the stale review");
}
