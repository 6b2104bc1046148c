//! The state machine (SPEC §4): states, entry criteria, and the pure decision of whether a
//! transition may happen. No I/O here, so it can be property-tested exhaustively.

use secfw_artifacts::LifecycleState;
use serde::Serialize;

/// An entry criterion of a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Criterion {
    /// Gate 1 passes.
    SchemaLintPasses,
    /// Every governance tag is in the taxonomy and consistent with the inventory.
    GovernanceTagsValid,
    /// Gate 2 passes.
    CrossStreamPasses,
    /// The handoff manifest is generated, checksummed, sealed and signed per the trust policy.
    ManifestSealed,
    /// Every rule with `block_handoff` holds (Critical=0), excepted findings not counted.
    CriticalZero,
    /// The package verifies: seal, signatures, checksums.
    PackageVerified,
    /// Scan results of this cycle are ingested into the ledger.
    ScansIngested,
    /// Every open or accepted finding has a decided disposition: counted against the rules, or
    /// excepted by a valid exception (an `accepted` finding without one is unclassified).
    FindingsClassified,
    /// Every exception is valid (not expired, approvals and content complete).
    ExceptionsValid,
    /// Gate 3 passes.
    ParityCoveragePasses,
    /// Gate 4 passes: every scanner suppression is backed by a valid exception.
    SuppressionParityPasses,
    /// KPIs for this cycle are collected.
    MetricsCollected,
    /// The digest for this cycle is generated.
    DigestGenerated,
    /// The previous cycle reached IMPROVE and its log verifies.
    PreviousCycleClosed,
}

impl Criterion {
    /// snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SchemaLintPasses => "schema_lint_passes",
            Self::GovernanceTagsValid => "governance_tags_valid",
            Self::CrossStreamPasses => "cross_stream_consistency_passes",
            Self::ManifestSealed => "manifest_sealed",
            Self::CriticalZero => "critical_zero",
            Self::PackageVerified => "package_verified",
            Self::ScansIngested => "scans_ingested",
            Self::FindingsClassified => "findings_classified",
            Self::ExceptionsValid => "exceptions_valid",
            Self::ParityCoveragePasses => "parity_coverage_passes",
            Self::SuppressionParityPasses => "suppression_parity_passes",
            Self::MetricsCollected => "metrics_collected",
            Self::DigestGenerated => "digest_generated",
            Self::PreviousCycleClosed => "previous_cycle_closed",
        }
    }

    /// What it means, for people.
    pub const fn describe(self) -> &'static str {
        match self {
            Self::SchemaLintPasses => "schema_lint passes",
            Self::GovernanceTagsValid => "governance tags are in the taxonomy and consistent",
            Self::CrossStreamPasses => "cross_stream_consistency passes",
            Self::ManifestSealed => "manifest generated, checksums computed, sealed and signed per the trust policy",
            Self::CriticalZero => "Critical=0 (every block_handoff rule holds)",
            Self::PackageVerified => "package verified (seal, signatures, checksums)",
            Self::ScansIngested => "scan results ingested",
            Self::FindingsClassified => "findings classified",
            Self::ExceptionsValid => "exceptions valid",
            Self::ParityCoveragePasses => "parity_coverage passes",
            Self::SuppressionParityPasses => {
                "suppression_parity passes (every scanner suppression backed by a valid exception)"
            }
            Self::MetricsCollected => "metrics collected",
            Self::DigestGenerated => "digest generated",
            Self::PreviousCycleClosed => "previous cycle closed",
        }
    }
}

/// The entry criteria of a state (SPEC §4 table). Every forward state but PLANNED also
/// requires schema_lint, whose failure returns the cycle to PLANNED.
pub const fn criteria(to: LifecycleState) -> &'static [Criterion] {
    use Criterion as C;
    match to {
        LifecycleState::ReadyForHandoff => &[C::SchemaLintPasses, C::GovernanceTagsValid, C::CrossStreamPasses],
        LifecycleState::Packaged => &[C::SchemaLintPasses, C::ManifestSealed, C::CriticalZero],
        LifecycleState::Executed => &[C::SchemaLintPasses, C::PackageVerified, C::ScansIngested],
        LifecycleState::Validated => &[
            C::SchemaLintPasses,
            C::FindingsClassified,
            C::ExceptionsValid,
            C::ParityCoveragePasses,
            C::SuppressionParityPasses,
            C::CriticalZero,
        ],
        LifecycleState::Improve => &[C::SchemaLintPasses, C::MetricsCollected, C::DigestGenerated],
        LifecycleState::Planned => &[C::PreviousCycleClosed],
    }
}

/// One evaluated criterion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct CriterionResult {
    /// The criterion.
    pub criterion: Criterion,
    /// Whether it holds.
    pub met: bool,
    /// Evidence when met; what is wrong (and where) when not.
    pub detail: String,
}

impl CriterionResult {
    /// A met criterion.
    pub fn met(criterion: Criterion, detail: impl Into<String>) -> Self {
        Self { criterion, met: true, detail: detail.into() }
    }
    /// An unmet criterion.
    pub fn unmet(criterion: Criterion, detail: impl Into<String>) -> Self {
        Self { criterion, met: false, detail: detail.into() }
    }
}

/// What the machine decides about a requested transition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "decision")]
#[non_exhaustive]
pub enum Decision {
    /// Every entry criterion holds: record the transition.
    Advance,
    /// Refused, with every unmet criterion (or the reason the target is not reachable).
    Refuse {
        /// Unmet criteria (criteria without a result count as unmet: fail closed).
        unmet: Vec<CriterionResult>,
        /// `to` is not the next state.
        not_next: bool,
        /// schema_lint failed outside PLANNED: the cycle returns to PLANNED.
        return_to_planned: bool,
    },
}

/// Decide a transition from `current` to `to` given evaluated criteria.
pub fn decide(current: LifecycleState, to: LifecycleState, results: &[CriterionResult]) -> Decision {
    let not_next = to != current.next();
    let mut unmet = Vec::new();
    for c in criteria(to) {
        match results.iter().find(|r| r.criterion == *c) {
            Some(r) if r.met => {}
            Some(r) => unmet.push(r.clone()),
            None => unmet.push(CriterionResult::unmet(*c, "not evaluated")),
        }
    }
    let lint_failed = results.iter().any(|r| r.criterion == Criterion::SchemaLintPasses && !r.met);
    if not_next || !unmet.is_empty() {
        return Decision::Refuse {
            unmet,
            not_next,
            return_to_planned: lint_failed && current != LifecycleState::Planned,
        };
    }
    Decision::Advance
}
