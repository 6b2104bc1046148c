//! Fail-open sweep 4, F2, on the `cycle` path: the VALIDATED → IMPROVE step collects the KPIs and
//! writes the digest. When the findings ledger stops parsing after validation, the step fails
//! closed as `secfw digest` does (`MT0010`, the located error in the refusal): no digest file,
//! no KPI snapshot, no IMPROVE event.

use std::time::Duration;

use chrono::DateTime;
use secfw_artifacts::LifecycleState;
use secfw_lifecycle::{CycleOptions, StepStatus, run_cycle};
use secfw_seal::{SigningKey, SigningRole, TrustPolicy};

/// A fresh example workspace with signing keys and a signed trust policy; the cycle options.
fn setup(out: &std::path::Path) -> (std::path::PathBuf, CycleOptions) {
    let now: DateTime<chrono::Utc> = secfw_artifacts::template::EXAMPLE_NOW.parse().unwrap();
    let ws = out.join("workspace");
    secfw_artifacts::template::write_example(&ws).unwrap();
    let key_dir = out.join("keys");
    let mut trust = TrustPolicy::new(now + chrono::Duration::days(365));
    let root = SigningKey::from_seed([9; 32]).unwrap();
    trust.add_root_key(root.public(), "root@example.org").unwrap();
    let mut keys = Vec::new();
    for (i, (identity, role)) in
        [("lead@example.org", SigningRole::PreparedBy), ("ciso@example.org", SigningRole::ApprovedBy)]
            .into_iter()
            .enumerate()
    {
        let key = SigningKey::from_seed([u8::try_from(i).unwrap() + 1; 32]).unwrap();
        let files = secfw_seal::write_key_files(&key_dir, identity, &key).unwrap();
        trust.add_key(role, key.public(), identity).unwrap();
        keys.extend(files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "key")));
    }
    trust.version = 1;
    let mut chain = secfw_seal::TrustChain::new(trust).unwrap();
    chain.sign(&root).unwrap();
    let trust_path = out.join("trust.json");
    std::fs::write(&trust_path, chain.to_json()).unwrap();
    let mut opts = CycleOptions::new("test", now);
    opts.trust = Some(trust_path);
    opts.keys = keys;
    opts.git = false;
    (ws, opts)
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
