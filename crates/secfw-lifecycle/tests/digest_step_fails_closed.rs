//! Fail-open sweep 4, F2, on the `cycle` path: the VALIDATED → IMPROVE step collects the KPIs and
//! writes the digest. When the findings ledger stops parsing after validation, the step fails
//! closed as `secfw digest` does (`MT0010`, the located error in the refusal): no digest file,
//! no KPI snapshot, no IMPROVE event.

mod support;

use std::time::Duration;

use secfw_artifacts::LifecycleState;
use secfw_lifecycle::{CycleOptions, StepStatus, run_cycle};

/// A fresh example workspace with signing keys and a signed trust policy; the cycle options.
fn setup(out: &std::path::Path) -> (std::path::PathBuf, CycleOptions) {
    support::cycle_setup(out)
}

/// The first `resolved_at` of the ledger made an out-of-range year: the ledger no longer parses.
fn break_ledger(ws: &std::path::Path) {
    let p = ws.join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    let key = "resolved_at: \"";
    let start = text.find(key).expect("a resolved finding") + key.len();
    let end = start + text.get(start..).unwrap().find('"').unwrap();
    let broken = format!("{}+10000-01-01T00:00:00Z{}", text.get(..start).unwrap(), text.get(end..).unwrap());
    std::fs::write(&p, broken).unwrap();
}

#[test]
fn the_cycle_digest_step_refuses_a_ledger_that_stopped_parsing_and_writes_nothing() {
    let out = tempfile::tempdir().unwrap();
    let (ws, opts) = setup(out.path());
    let lock = secfw_artifacts::WorkspaceLock::acquire(&ws, Duration::from_secs(5)).unwrap();
    let mut broke = false;
    // Right after the workspace is VALIDATED, before the digest step: someone edits the ledger.
    let report = run_cycle(&ws, &lock, &opts, &mut |step| {
        if step.name == "→ VALIDATED" && step.status == StepStatus::Done {
            break_ledger(&ws);
            broke = true;
        }
    })
    .unwrap();
    assert!(broke, "the cycle reached VALIDATED: {}", report.summary_text());
    assert!(!report.completed());
    assert_eq!(report.ended_in, LifecycleState::Validated, "no IMPROVE event: {}", report.summary_text());
    let digest = report.steps.iter().find(|s| s.name == "digest").expect("the digest step ran");
    assert_eq!(digest.status, StepStatus::Failed, "{digest:?}");
    let refused = report.refused.join("\n");
    assert!(refused.contains("MT0010") || refused.contains("cannot compute the KPIs"), "{refused}");
    assert!(refused.contains("sec_findings.yaml:") && refused.contains("SF0110"), "located: {refused}");
    for f in secfw_artifacts::file_names::DIGESTS {
        assert!(!ws.join(f).exists(), "{f} written");
    }
    assert!(!ws.join(secfw_metrics::HISTORY_DIR).exists(), "a KPI snapshot was recorded");
    assert!(report.kpis.is_empty() && report.digest.is_none());
}
