#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod codes;
mod compute;
mod escalations;
mod gov;
mod history;
mod kpi;
mod period;
mod prioritise;
mod spec;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use secfw_artifacts::{Diagnostic, LoadedWorkspace, Timestamp};

pub use compute::{
    ActionItem, Actions, CoverageCounts, ExceptionCounts, ExceptionInfo, FindingCounts, Metrics, MttrBreakdown,
    RISK_HALF_POINTS, RiskBreakdown, ScanBasis, ScanCounts, SlaCounts, StandardState, StandardStatus, Stats, compute,
    compute_governed, risk_score, risk_weight, standard_name,
};
pub use escalations::{
    Acknowledgement, EVENT_LOG, EscalationData, EscalationState, EscalationStatus, EscalationSummary,
    NotifiedEscalation, nearest_rank, summarize as summarize_escalations,
};
pub use gov::{open_at, sla_deadline};
pub use history::{
    HISTORY_DIR, History, MAX_SNAPSHOT_BYTES, SNAPSHOT_FORMAT, Snapshot, check_cycle as check_snapshot_cycle,
    record as record_snapshot,
};
pub use kpi::{Arrow, Direction, Kpi, KpiId, KpiStatus, Target, TargetOp, Trend, Unit, Verdict, round2, trim_num};
pub use period::{DEFAULT_PERIOD_DAYS, Period};
pub use prioritise::{FIX_FIRST_ROWS, FixFirst, exploitation_factor, fix_first};
pub use spec::{SpecSummary, summarize as summarize_spec};

/// The error type of `secfw-metrics`. Problems with artifact content are
/// [`Diagnostic`]s in the report, not errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `--from` is after `--to`.
    #[error("invalid period: start {start} is after end {end}")]
    InvalidPeriod {
        /// Start.
        start: DateTime<Utc>,
        /// End.
        end: DateTime<Utc>,
    },
    /// A cycle id that cannot be a file name.
    #[error("invalid cycle id `{0}`: use 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit")]
    InvalidCycle(String),
    /// Reading the history failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Writing a snapshot failed.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
    /// A value could not be serialized.
    #[error("cannot serialize: {0}")]
    Serialize(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The workspace has no findings ledger, or an artifact the KPIs are computed from does
    /// not parse or has errors ([`unreadable_inputs`], `MT0010`): no KPI was computed and
    /// nothing was written. Carries every error behind it (file and line) and the `MT0010`
    /// summary, last.
    #[error("{}", refusal(.diagnostics))]
    UnreadableInputs {
        /// The artifacts' errors, then the `MT0010` summary.
        diagnostics: Vec<Diagnostic>,
    },
}

/// The message of [`Error::UnreadableInputs`]: the summary, then every error behind it with its
/// file and line (one line of text, for callers that show only the message).
fn refusal(diagnostics: &[Diagnostic]) -> String {
    let summary = diagnostics.iter().find(|d| d.code == codes::UNREADABLE_INPUT).map(|d| d.message.as_str());
    let causes: Vec<String> =
        diagnostics.iter().filter(|d| d.code != codes::UNREADABLE_INPUT).map(ToString::to_string).collect();
    format!("{} ({})", summary.unwrap_or("cannot compute the KPIs"), causes.join("; "))
}

/// The artifacts the KPIs are computed from: the findings ledger, the rulebook (SLA days, KPI
/// targets, enforcement rules), the exception registry, the inventory and the policy map
/// (coverage).
pub const INPUTS: [&str; 5] = [
    secfw_artifacts::file_names::FINDINGS,
    secfw_artifacts::file_names::RULEBOOK,
    secfw_artifacts::file_names::EXCEPTIONS,
    secfw_artifacts::file_names::INVENTORY,
    secfw_artifacts::file_names::POLICY_MAP,
];

/// Why the KPIs of `ws` cannot be computed: every error diagnostic of an artifact of [`INPUTS`]
/// that exists (it does not parse, cannot be read, or has errors), and a missing findings
/// ledger, followed by one `MT0010` error naming the files. Empty when the KPIs can be computed.
///
/// Fail closed: KPIs over a ledger that does not parse would be KPIs over no findings, and the
/// digest would call the workspace compliant with Critical=0 (and record that snapshot). A
/// workspace with no ledger at all is not compliant either: there is nothing to show Critical=0
/// from. A missing rulebook, registry, inventory or policy map keeps its documented meaning
/// (defaults, no exceptions, coverage n/a with `MT0004`, any listed policy counts).
pub fn unreadable_inputs(ws: &LoadedWorkspace) -> Vec<Diagnostic> {
    use secfw_artifacts::file_names::FINDINGS;
    let missing = secfw_artifacts::codes::MISSING_ARTIFACT;
    let mut out: Vec<Diagnostic> = ws
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && INPUTS.contains(&d.file.as_str()) && (d.code != missing || d.file == FINDINGS))
        .cloned()
        .collect();
    if ws.findings.is_none() && !out.iter().any(|d| d.file == FINDINGS) {
        out.push(Diagnostic::error(missing, FINDINGS, format!("there is no findings ledger ({FINDINGS})")));
    }
    if out.is_empty() {
        return out;
    }
    let mut files: Vec<&str> = Vec::new();
    for d in &out {
        if !files.contains(&d.file.as_str()) {
            files.push(d.file.as_str());
        }
    }
    let no_ledger = ws.findings.is_none() && out.iter().any(|d| d.file == FINDINGS && d.code == missing);
    let what = if no_ledger && files.len() == 1 {
        format!("there is no findings ledger ({FINDINGS})")
    } else {
        format!("{} does not parse or has errors", files.join(", "))
    };
    let summary = Diagnostic::error(
        codes::UNREADABLE_INPUT,
        files.first().copied().unwrap_or(FINDINGS),
        format!(
            "cannot compute the KPIs: {what}, so Critical=0, the KPIs and compliance cannot be shown; no metrics, digest or snapshot was written"
        ),
    )
    .with_hint(if no_ledger && files.len() == 1 {
        "run `secfw ingest` to create sec_findings.yaml (a workspace without a ledger is not compliant), then collect metrics again"
    } else {
        "fix the errors above (`secfw validate` shows them), then collect metrics again"
    });
    secfw_artifacts::sort_diagnostics(&mut out);
    out.push(summary);
    out
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What to collect.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct CollectOptions {
    /// Period start (default: the previous snapshot's end, or 7 days before the end).
    pub from: Option<DateTime<Utc>>,
    /// Period end (default: `now`).
    pub to: Option<DateTime<Utc>>,
    /// Cycle id (default: the period end's UTC date, `YYYY-MM-DD`).
    pub cycle: Option<String>,
    /// Escalations and acknowledgements (gathered by the caller from the notification ledger
    /// and the event log); without them the time-to-acknowledge KPI is n/a.
    pub escalations: Option<EscalationData>,
    /// The caller's [`secfw_governance::evaluate`] of exactly the workspace the metrics are
    /// collected from: used when it is of the instant the metrics are computed at
    /// (`min(period end, now)`), so a caller that evaluated governance on this load already
    /// does not evaluate it again.
    pub governance: Option<std::sync::Arc<secfw_governance::GovernanceReport>>,
}

impl CollectOptions {
    /// With a period start.
    #[must_use]
    pub fn from(mut self, t: DateTime<Utc>) -> Self {
        self.from = Some(t);
        self
    }

    /// With a period end.
    #[must_use]
    pub fn to(mut self, t: DateTime<Utc>) -> Self {
        self.to = Some(t);
        self
    }

    /// With a period start as written (`--from`): a date means the start of that day, UTC.
    #[must_use]
    pub fn since(self, t: Timestamp) -> Self {
        self.from(t.instant())
    }

    /// With a period end as written (`--to`): a date means through that day, so the period ends
    /// at the next midnight, UTC ([`Timestamp::period_end`]).
    #[must_use]
    pub fn until(self, t: Timestamp) -> Self {
        self.to(t.period_end())
    }

    /// With a cycle id.
    #[must_use]
    pub fn cycle(mut self, c: impl Into<String>) -> Self {
        self.cycle = Some(c.into());
        self
    }

    /// With the escalation data.
    #[must_use]
    pub fn escalations(mut self, data: EscalationData) -> Self {
        self.escalations = Some(data);
        self
    }

    /// With the governance report of the workspace (see [`CollectOptions::governance`]).
    #[must_use]
    pub fn governance(mut self, report: Option<std::sync::Arc<secfw_governance::GovernanceReport>>) -> Self {
        self.governance = report;
        self
    }
}

/// The metrics of one cycle with trends against the previous snapshot.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct KpiReport {
    /// The cycle id.
    pub cycle: String,
    /// Project name from the rulebook or the ledger.
    pub project: Option<String>,
    /// The `now` the report was computed at.
    pub generated_at: DateTime<Utc>,
    /// The KPIs and their inputs.
    pub metrics: Metrics,
    /// Each KPI's trend against the previous snapshot.
    pub trends: BTreeMap<KpiId, Trend>,
    /// Trends of counts (`open`, `critical`, `active_exceptions`, ...).
    pub count_trends: BTreeMap<String, Trend>,
    /// The snapshot trends compare against.
    pub previous: Option<Snapshot>,
    /// Earlier snapshots, oldest first (for charts).
    pub history: Vec<Snapshot>,
    /// Every diagnostic: metrics and history.
    pub diagnostics: Vec<Diagnostic>,
    /// The Security & Compliance Specification at `now`, if the workspace has one.
    pub spec: Option<SpecSummary>,
}

/// Direction of improvement of a snapshot count.
fn count_direction(key: &str) -> Direction {
    if key == "resolved" { Direction::HigherIsBetter } else { Direction::LowerIsBetter }
}

impl KpiReport {
    /// The trend of a KPI.
    pub fn trend(&self, id: KpiId) -> Trend {
        self.trends.get(&id).copied().unwrap_or(Trend::NONE)
    }

    /// The trend of a count.
    pub fn count_trend(&self, key: &str) -> Trend {
        self.count_trends.get(key).copied().unwrap_or(Trend::NONE)
    }

    /// The snapshot to store for this cycle.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            format: SNAPSHOT_FORMAT.to_owned(),
            cycle: self.cycle.clone(),
            period: self.metrics.period,
            generated_at: self.generated_at,
            kpis: self.metrics.kpis.iter().map(|k| (k.id.key().to_owned(), k.value)).collect(),
            counts: counts_of(&self.metrics),
        }
    }

    /// `true` when any KPI misses its target.
    pub fn any_missed(&self) -> bool {
        self.metrics.kpis.iter().any(|k| k.status == KpiStatus::Missed)
    }
}

/// The counts stored in a snapshot.
pub fn counts_of(m: &Metrics) -> BTreeMap<String, u64> {
    let f = &m.findings;
    let mut c = BTreeMap::new();
    c.insert("new".to_owned(), f.new);
    c.insert("resolved".to_owned(), f.resolved);
    c.insert("carry_forward".to_owned(), f.carry_forward);
    c.insert("open".to_owned(), f.open);
    c.insert("critical".to_owned(), f.critical());
    c.insert("overdue".to_owned(), f.overdue());
    c.insert("excepted".to_owned(), f.excepted());
    c.insert("active_exceptions".to_owned(), m.exceptions.valid);
    if let Some(e) = &m.escalations {
        c.insert("escalations_open".to_owned(), e.open);
        c.insert("escalations_overdue".to_owned(), e.overdue);
        c.insert("escalations_acknowledged".to_owned(), e.acknowledged);
    }
    for s in secfw_artifacts::Severity::ALL {
        c.insert(format!("open_{s}"), f.open_by_severity.get(&s).copied().unwrap_or(0));
    }
    c
}

/// Resolve the period and cycle id from the options and the history.
pub fn resolve_period(opts: &CollectOptions, history: &History, now: DateTime<Utc>) -> Result<(Period, String)> {
    let end = opts.to.unwrap_or(now);
    let provisional = opts.cycle.clone().unwrap_or_else(|| end.format("%Y-%m-%d").to_string());
    history::check_cycle(&provisional)?;
    let period = match opts.from {
        Some(start) => Period::new(start, end).ok_or(Error::InvalidPeriod { start, end })?,
        None => Period::default_ending(end, history.previous(&provisional, end).map(|s| s.period.end)),
    };
    Ok((period, provisional))
}

/// Compute the metrics of the workspace for the period in `opts`, with trends against the
/// history in `<workspace>/.secfw/history/`. Reads only; see [`record`] to store the snapshot.
///
/// # Errors
///
/// [`Error::UnreadableInputs`] when the workspace has no findings ledger or an artifact the KPIs
/// are computed from does not parse or has errors ([`unreadable_inputs`]); also an invalid
/// period or cycle id, or a history that cannot be read.
pub fn collect(ws: &LoadedWorkspace, opts: &CollectOptions, now: DateTime<Utc>) -> Result<KpiReport> {
    let history = History::load(&ws.root)?;
    collect_with_history(ws, &history, opts, now)
}

/// [`collect`] with an already loaded history (the same refusals).
pub fn collect_with_history(
    ws: &LoadedWorkspace,
    history: &History,
    opts: &CollectOptions,
    now: DateTime<Utc>,
) -> Result<KpiReport> {
    let (period, cycle) = resolve_period(opts, history, now)?;
    let unreadable = unreadable_inputs(ws);
    if !unreadable.is_empty() {
        return Err(Error::UnreadableInputs { diagnostics: unreadable });
    }
    let mut metrics = compute_governed(ws, period, now, opts.governance.as_deref());
    if let Some(data) = &opts.escalations {
        metrics.add_escalations(data);
    }
    let previous = history.previous(&cycle, period.end).cloned();
    let trends = KpiId::ALL
        .into_iter()
        .map(|id| {
            let prev = previous.as_ref().map(|p| p.kpi(id.key()));
            let t = match prev {
                None => Trend::NONE,
                Some(p) => Trend::between(metrics.value(id), p, id.direction()),
            };
            (id, t)
        })
        .collect();
    let counts = counts_of(&metrics);
    let count_trends = counts
        .iter()
        .map(|(k, v)| {
            let t = match previous.as_ref() {
                None => Trend::NONE,
                Some(p) => Trend::between(Some(*v as f64), p.count(k).map(|x| x as f64), count_direction(k)),
            };
            (k.clone(), t)
        })
        .collect();
    let mut diagnostics = metrics.diagnostics.clone();
    diagnostics.extend(history.diagnostics.iter().cloned());
    secfw_artifacts::sort_diagnostics(&mut diagnostics);
    let project = ws
        .rulebook
        .as_ref()
        .and_then(|r| r.project.clone())
        .or_else(|| ws.findings.as_ref().and_then(|f| f.metadata.project.clone()));
    Ok(KpiReport {
        cycle,
        project,
        generated_at: now,
        metrics,
        trends,
        count_trends,
        previous,
        history: history.before(&cycle_of(opts, period), period.end),
        diagnostics,
        spec: spec::summarize(ws, now),
    })
}

fn cycle_of(opts: &CollectOptions, p: Period) -> String {
    opts.cycle.clone().unwrap_or_else(|| p.default_cycle())
}

/// Store the report's snapshot in `<workspace>/.secfw/history/<cycle>.json` (atomically).
pub fn record(workspace: &Path, report: &KpiReport) -> Result<PathBuf> {
    history::record(workspace, &report.snapshot())
}

/// Whether metrics were collected for a cycle: its snapshot exists in the history.
pub fn is_recorded(workspace: &Path, cycle: &str) -> Result<bool> {
    Ok(History::load(workspace)?.get(cycle).is_some())
}
