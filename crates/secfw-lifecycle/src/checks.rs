//! Criteria that need capabilities of other crates (seal, ingest, metrics and digest) are
//! traits: whoever has the capability implements them (the `secfw` facade or CLI wires the real
//! implementations). No criterion is ever skipped: [`Unavailable`] refuses with a reason.

use std::path::Path;

use chrono::{DateTime, Utc};
use secfw_artifacts::LoadedWorkspace;

use crate::log::Event;

/// What a check can look at.
#[non_exhaustive]
pub struct CheckContext<'a> {
    /// The workspace directory.
    pub root: &'a Path,
    /// The loaded workspace.
    pub workspace: &'a LoadedWorkspace,
    /// Evaluation time.
    pub now: DateTime<Utc>,
    /// The event log so far (verified).
    pub events: &'a [Event],
}

impl<'a> CheckContext<'a> {
    /// A context.
    pub fn new(root: &'a Path, workspace: &'a LoadedWorkspace, now: DateTime<Utc>, events: &'a [Event]) -> Self {
        Self { root, workspace, now, events }
    }

    /// When the current cycle's state was last entered via this transition target, if ever.
    pub fn entered(&self, state: secfw_artifacts::LifecycleState) -> Option<DateTime<Utc>> {
        let cycle_start =
            self.events.iter().rposition(|e| e.changes_state() && e.to == secfw_artifacts::LifecycleState::Planned);
        self.events
            .iter()
            .skip(cycle_start.map_or(0, |i| i + 1))
            .rev()
            .find(|e| e.changes_state() && e.to == state)
            .map(|e| e.time)
    }
}

/// The outcome of a capability check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckOutcome {
    /// Holds; `detail` is the evidence, `seal` the manifest's seal value when relevant.
    Met {
        /// Evidence.
        detail: String,
        /// The manifest's seal, if any.
        seal: Option<secfw_artifacts::Seal>,
    },
    /// Does not hold, and why (with what to do).
    Unmet {
        /// Reason.
        reason: String,
    },
}

impl CheckOutcome {
    /// A met outcome.
    pub fn met(detail: impl Into<String>) -> Self {
        Self::Met { detail: detail.into(), seal: None }
    }
    /// An unmet outcome.
    pub fn unmet(reason: impl Into<String>) -> Self {
        Self::Unmet { reason: reason.into() }
    }
}

/// Seal capability: PACKAGED needs a sealed, signed manifest; EXECUTED a verified package.
pub trait SealCheck {
    /// Manifest generated, checksums computed, sealed and signed per the trust policy.
    fn sealed(&self, cx: &CheckContext<'_>) -> CheckOutcome;
    /// The package verifies (seal, signatures, checksums).
    fn verified(&self, cx: &CheckContext<'_>) -> CheckOutcome;
    /// The workspace compared with its last verified handoff, for the baseline-aware lifecycle
    /// gates (rulebook `baseline.lifecycle_gates`); `Err` with why there is no usable baseline.
    /// By default there is none, so a baseline-aware criterion fails closed.
    fn baseline(
        &self,
        cx: &CheckContext<'_>,
    ) -> Result<crate::baseline::BaselineReport, Vec<secfw_artifacts::Diagnostic>> {
        let _ = cx;
        Err(vec![secfw_artifacts::Diagnostic::error(
            crate::codes::BASELINE_REFUSED,
            secfw_seal::names::PACKAGES_DIR,
            "no baseline capability is wired in, so no baseline can be verified",
        )])
    }
}

/// Ingest capability: EXECUTED needs this cycle's scan results in the ledger.
pub trait IngestCheck {
    /// Scan results ingested.
    fn scans_ingested(&self, cx: &CheckContext<'_>) -> CheckOutcome;
}

/// Reporting capability: IMPROVE needs metrics and the digest.
pub trait ReportCheck {
    /// Metrics collected for this cycle.
    fn metrics_collected(&self, cx: &CheckContext<'_>) -> CheckOutcome;
    /// Digest generated for this cycle.
    fn digest_generated(&self, cx: &CheckContext<'_>) -> CheckOutcome;
}

/// The capability checks passed to [`crate::Lifecycle::advance`].
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Checks<'a> {
    /// Seal.
    pub seal: &'a dyn SealCheck,
    /// Ingest.
    pub ingest: &'a dyn IngestCheck,
    /// Metrics and digest.
    pub report: &'a dyn ReportCheck,
}

impl<'a> Checks<'a> {
    /// The three capabilities.
    pub fn new(seal: &'a dyn SealCheck, ingest: &'a dyn IngestCheck, report: &'a dyn ReportCheck) -> Self {
        Self { seal, ingest, report }
    }
}

/// A capability that is not available: every check is unmet with the given reason, so the
/// transitions that need it are refused rather than skipped.
#[derive(Clone, Debug)]
pub struct Unavailable(pub String);

impl Unavailable {
    fn outcome(&self, what: &str) -> CheckOutcome {
        CheckOutcome::unmet(format!("cannot check that {what}: {}", self.0))
    }
}

impl SealCheck for Unavailable {
    fn sealed(&self, _: &CheckContext<'_>) -> CheckOutcome {
        self.outcome("the manifest is sealed and signed")
    }
    fn verified(&self, _: &CheckContext<'_>) -> CheckOutcome {
        self.outcome("the package verifies")
    }
}

impl IngestCheck for Unavailable {
    fn scans_ingested(&self, _: &CheckContext<'_>) -> CheckOutcome {
        self.outcome("scan results are ingested")
    }
}

impl ReportCheck for Unavailable {
    fn metrics_collected(&self, _: &CheckContext<'_>) -> CheckOutcome {
        self.outcome("metrics are collected")
    }
    fn digest_generated(&self, _: &CheckContext<'_>) -> CheckOutcome {
        self.outcome("the digest is generated")
    }
}

/// A ledger-based [`IngestCheck`]: met when the ledger has at least one successful scan record
/// that finished after the cycle reached PACKAGED and not after `now`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LedgerScans;

impl IngestCheck for LedgerScans {
    fn scans_ingested(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        use secfw_artifacts::model::findings::ScanStatus;
        let Some(ff) = &cx.workspace.findings else {
            return CheckOutcome::unmet("sec_findings.yaml is missing or invalid");
        };
        let since = cx.entered(secfw_artifacts::LifecycleState::Packaged);
        let fresh: Vec<&str> = ff
            .scans
            .iter()
            .filter(|s| s.status == ScanStatus::Success)
            .filter(|s| {
                let t = s.finished_at.unwrap_or(s.started_at).instant();
                since.is_none_or(|p| t >= p) && t <= cx.now
            })
            .map(|s| s.scan_id.as_str())
            .collect();
        if fresh.is_empty() {
            CheckOutcome::unmet(match since {
                Some(p) => format!(
                    "no successful scan record finished after the package was made ({p}); run the scanners and `secfw ingest` their reports"
                ),
                None => {
                    "no successful scan record in sec_findings.yaml; run the scanners and `secfw ingest` their reports"
                        .to_owned()
                }
            })
        } else {
            CheckOutcome::met(format!("{} successful scan(s) ingested this cycle: {}", fresh.len(), fresh.join(", ")))
        }
    }
}
