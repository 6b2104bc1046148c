#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// `secfw_artifacts::path![..]` builds a Vec of path segments; `&path![..]` as a slice is its
// intended use, which `useless_vec` misreads through the macro.
#![allow(clippy::useless_vec)]

// Public namespaces: `codes` and `vex` (the VEX decision rules). Everything else is re-exported below.
pub mod codes;
mod evaluate;
mod exceptions;
mod intel;
mod locate;
mod taxonomy;
mod timeline;
pub mod vex;

pub use evaluate::{
    Counts, Disposition, Escalation, FindingEval, GovernanceReport, NotExcepted, RuleOutcome, evaluate, evaluate_with,
};
pub use exceptions::{
    ApproverRole, ExceptionEval, ExceptionState, MatchedFinding, PackageRef, approved_by, covers, covers_advisory,
    effective_severity, evaluate_exception, identity, same_person,
};
pub use intel::{IntelFreshness, IntelKind, freshness, kev_at};
pub use locate::Locator;
pub use taxonomy::{check_ledger_tags, compliance_impact};
pub use timeline::live_at;

/// The error type of `secfw-governance`. Governance evaluation itself never fails (problems with
/// artifacts are [`secfw_artifacts::Diagnostic`]s); this covers loading a workspace to evaluate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workspace could not be loaded.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
}

/// How many times this process has evaluated governance ([`evaluate`] and [`evaluate_with`]):
/// lets tests prove that a command evaluates it a fixed number of times per loaded workspace,
/// without timing anything. A caller that evaluates once and hands the report on (the gates'
/// `GateContext::with_governance`, the cycle) keeps this count down.
pub fn evaluations() -> u64 {
    EVALUATIONS.load(std::sync::atomic::Ordering::Relaxed)
}

static EVALUATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn count_evaluation() {
    EVALUATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Load the workspace at `dir` and evaluate its governance at `now`.
pub fn evaluate_dir(dir: &std::path::Path, now: chrono::DateTime<chrono::Utc>) -> Result<GovernanceReport, Error> {
    let ws = secfw_artifacts::load(dir, &secfw_artifacts::LoadOptions::default())?;
    Ok(evaluate(&ws, now))
}
