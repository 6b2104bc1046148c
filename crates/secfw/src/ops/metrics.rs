//! `metrics` and `digest`: the KPIs of a period, and the IMPROVE step's digest.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use secfw_artifacts::{Diagnostic, Timestamp};
use secfw_metrics::{CollectOptions, KpiReport};
use serde::Serialize;

use super::Outcome;
use crate::{Error, Workspace};

/// The reporting period, as written by a person (`--from`, `--to`, `--cycle`).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Period {
    /// Period start: a date means the start of that day, UTC (default: the previous
    /// snapshot's end, or 7 days before the period end).
    pub from: Option<Timestamp>,
    /// Period end: a date means through that day, UTC (default: `now`).
    pub to: Option<Timestamp>,
    /// Cycle id of the snapshot (default: the period end's date).
    pub cycle: Option<String>,
}

impl Period {
    /// A period from its parts.
    pub fn new(from: Option<Timestamp>, to: Option<Timestamp>, cycle: Option<String>) -> Self {
        Self { from, to, cycle }
    }

    /// The metrics crate's collect options for this period.
    pub fn collect_options(&self) -> CollectOptions {
        let mut o = CollectOptions::default();
        if let Some(f) = self.from {
            o = o.since(f);
        }
        if let Some(t) = self.to {
            o = o.until(t);
        }
        if let Some(c) = &self.cycle {
            o = o.cycle(c.clone());
        }
        o
    }
}

/// Options of a metrics run.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MetricsOptions {
    /// Evaluation time.
    pub now: DateTime<Utc>,
    /// The period.
    pub period: Period,
    /// Store the KPI snapshot in `.secfw/history/<cycle>.json` (under the workspace lock).
    pub record: bool,
}

impl MetricsOptions {
    /// KPIs at `now` for the default period, not recorded.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now, period: Period::default(), record: false }
    }

    /// With a period.
    #[must_use]
    pub fn period(mut self, period: Period) -> Self {
        self.period = period;
        self
    }

    /// Record the snapshot or not.
    #[must_use]
    pub fn record(mut self, record: bool) -> Self {
        self.record = record;
        self
    }
}

/// The report of [`Workspace::metrics`] (`secfw metrics --format json`): the metrics crate's
/// report, plus where its snapshot was recorded.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct MetricsReport {
    /// The KPIs, trends and inputs.
    #[serde(flatten)]
    pub report: KpiReport,
    /// The snapshot written (with `record`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<PathBuf>,
}

impl Outcome for MetricsReport {
    fn passed(&self) -> bool {
        !self.report.any_missed()
    }
}

/// Options of a digest.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DigestOptions {
    /// Evaluation time.
    pub now: DateTime<Utc>,
    /// The period.
    pub period: Period,
    /// Where to write the digest files (default: the workspace).
    pub out: Option<PathBuf>,
}

impl DigestOptions {
    /// A digest at `now` for the default period, written into the workspace.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now, period: Period::default(), out: None }
    }

    /// With a period.
    #[must_use]
    pub fn period(mut self, period: Period) -> Self {
        self.period = period;
        self
    }

    /// Write the files into `out`.
    #[must_use]
    pub fn out(mut self, out: Option<PathBuf>) -> Self {
        self.out = out;
        self
    }
}

/// The report of [`Workspace::digest`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct DigestReport {
    /// The cycle id.
    pub cycle: String,
    /// The period, as the metrics report shows it.
    pub period: String,
    /// The KPI snapshot recorded.
    pub snapshot: PathBuf,
    /// The digest files written (`digest.md`, `digest.json`, `digest.html`).
    pub files: Vec<PathBuf>,
    /// Problems found while collecting the metrics.
    pub diagnostics: Vec<Diagnostic>,
}

impl Workspace {
    /// Compute the KPIs of a period (and record the snapshot with `record`).
    ///
    /// Fails closed ([`Error::Unusable`] with the located errors and `MT0010`; nothing
    /// recorded) when the workspace has no findings ledger or an artifact the KPIs are computed
    /// from does not parse or has errors ([`secfw_metrics::unreadable_inputs`]).
    pub fn metrics(&self, opts: &MetricsOptions) -> Result<MetricsReport, Error> {
        refuse_unreadable(self.artifacts())?;
        let collect = governed_options(self.artifacts(), &opts.period, opts.now)?;
        let report = secfw_metrics::collect(self.artifacts(), &collect, opts.now).map_err(unreadable)?;
        let recorded = if opts.record {
            let _lock = self.lock()?;
            Some(secfw_metrics::record(self.root(), &report)?)
        } else {
            None
        };
        Ok(MetricsReport { report, recorded })
    }

    /// The IMPROVE step: collect the KPIs, record the cycle's snapshot and write the digest
    /// files, under the workspace lock. Refuses as [`Workspace::metrics`] does, writing
    /// nothing (no digest file, no snapshot).
    pub fn digest(&self, opts: &DigestOptions) -> Result<DigestReport, Error> {
        let _lock = self.lock()?;
        // Loaded again under the lock: what the digest shows is what the workspace holds now.
        let ws = self.load_fresh()?;
        digest_of(&ws, opts)
    }

    /// [`Workspace::digest`] of the workspace at `dir`, loaded once, under the lock (what
    /// `secfw digest` runs): opening a workspace and then calling [`Workspace::digest`] holds
    /// two loads of it at once, since the digest loads it again under the lock.
    pub fn digest_dir(dir: &std::path::Path, opts: &DigestOptions) -> Result<DigestReport, Error> {
        let _lock = crate::workspace::lock_dir(dir)?;
        let ws = secfw_artifacts::load(dir, &secfw_artifacts::LoadOptions::default())?;
        digest_of(&ws, opts)
    }
}

/// Collect the metrics of `ws`, record the snapshot and write the digest (the caller holds the
/// workspace lock). Governance is evaluated once, for the escalations and the metrics.
fn digest_of(ws: &secfw_artifacts::LoadedWorkspace, opts: &DigestOptions) -> Result<DigestReport, Error> {
    refuse_unreadable(ws)?;
    let done =
        secfw_digest::generate(ws, &governed_options(ws, &opts.period, opts.now)?, opts.now, opts.out.as_deref())
            .map_err(|e| match e {
                secfw_digest::Error::Metrics(m @ secfw_metrics::Error::UnreadableInputs { .. }) => unreadable(m),
                e => e.into(),
            })?;
    Ok(DigestReport {
        cycle: done.report.cycle.clone(),
        period: done.report.metrics.period.to_string(),
        snapshot: done.snapshot,
        files: done.files,
        diagnostics: done.report.diagnostics,
    })
}

/// Fail closed before anything is evaluated: the metrics crate's refusal
/// ([`secfw_metrics::unreadable_inputs`], `MT0010`) when the workspace has no findings ledger or
/// an artifact the KPIs are computed from does not parse or has errors. The same refusal the
/// metrics crate makes for every caller (the lifecycle's digest step too); checked here first so
/// that nothing else (the escalation data) is read from such a workspace.
fn refuse_unreadable(ws: &secfw_artifacts::LoadedWorkspace) -> Result<(), Error> {
    let diagnostics = secfw_metrics::unreadable_inputs(ws);
    if diagnostics.is_empty() {
        return Ok(());
    }
    Err(unreadable(secfw_metrics::Error::UnreadableInputs { diagnostics }))
}

/// A metrics error as the facade reports it: the `MT0010` refusal becomes
/// [`Error::Unusable`] carrying its located diagnostics (the CLI prints them with file, line and
/// snippet, and exits 2); anything else is [`Error::Metrics`].
fn unreadable(e: secfw_metrics::Error) -> Error {
    match e {
        secfw_metrics::Error::UnreadableInputs { diagnostics } => Error::Unusable {
            message: format!(
                "no KPIs from this workspace ({}): nothing was written",
                secfw_metrics::codes::UNREADABLE_INPUT
            ),
            diagnostics,
        },
        e => Error::Metrics(e),
    }
}

/// The collect options of `period` with the escalation data, and the governance report of `ws`
/// at `now` evaluated once for both (the metrics use it when they are computed at `now`, i.e.
/// the period does not end earlier; otherwise they evaluate governance at the period's end).
fn governed_options(
    ws: &secfw_artifacts::LoadedWorkspace,
    period: &Period,
    now: DateTime<Utc>,
) -> Result<CollectOptions, Error> {
    let gov = std::sync::Arc::new(secfw_governance::evaluate(ws, now));
    let escalations = secfw_lifecycle::load_escalation_data_governed(ws, Some(&gov), now)?;
    Ok(period.collect_options().escalations(escalations).governance(Some(gov)))
}
