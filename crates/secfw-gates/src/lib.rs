#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// `secfw_artifacts::path![..]` builds a Vec of path segments; `&path![..]` as a slice is its
// intended use, which `useless_vec` misreads through the macro.
#![allow(clippy::useless_vec)]

pub mod codes;
mod cross_stream;
pub mod format;
mod parity;
mod schema_lint;
mod suppression;

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use secfw_artifacts::{Diagnostic, LifecycleState, LoadOptions, LoadedWorkspace, Severity};
use secfw_artifacts::{Summary, sort_diagnostics};
use secfw_governance::{GovernanceReport, Locator};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

pub use cross_stream::CrossStreamConsistency;
pub use format::ReportFormat;
pub use parity::ParityCoverage;
pub use schema_lint::SchemaLint;
pub use suppression::SuppressionParity;

/// The error type of `secfw-gates`: the gates could not run at all (problems with artifacts
/// are diagnostics in a failing report, never errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workspace could not be loaded (not a directory, unreadable).
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
    /// An unknown gate name.
    #[error(
        "unknown gate `{0}`: expected schema_lint, cross_stream_consistency, parity_coverage, suppression_parity or all"
    )]
    UnknownGate(String),
}

/// The three gates of seed §3.2, and `suppression_parity` (issue 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GateName {
    /// Gate 1: artifact syntax, required fields, types, enums, formats, reference syntax.
    SchemaLint,
    /// Gate 2: the artifacts agree with each other.
    CrossStreamConsistency,
    /// Gate 3: everything in scope is scanned and covered by policy; no orphans.
    ParityCoverage,
    /// Gate 4: every scanner suppression is backed by a valid exception (`secfw-suppress`).
    SuppressionParity,
}

impl GateName {
    /// All gates, in order.
    pub const ALL: [Self; 4] =
        [Self::SchemaLint, Self::CrossStreamConsistency, Self::ParityCoverage, Self::SuppressionParity];

    /// snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SchemaLint => "schema_lint",
            Self::CrossStreamConsistency => "cross_stream_consistency",
            Self::ParityCoverage => "parity_coverage",
            Self::SuppressionParity => "suppression_parity",
        }
    }

    /// The gate's implementation.
    pub fn gate(self) -> &'static dyn Gate {
        match self {
            Self::SchemaLint => &SchemaLint,
            Self::CrossStreamConsistency => &CrossStreamConsistency,
            Self::ParityCoverage => &ParityCoverage,
            Self::SuppressionParity => &SuppressionParity,
        }
    }

    /// Parse a gate list: a gate name or `all`.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, Error> {
        if s.eq_ignore_ascii_case("all") { Ok(Self::ALL.to_vec()) } else { Ok(vec![s.parse()?]) }
    }
}

impl fmt::Display for GateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GateName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let n = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == n || (n == "parity" && *g == Self::ParityCoverage))
            .ok_or_else(|| Error::UnknownGate(s.to_owned()))
    }
}

/// Options of a gate run.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct GateOptions {
    /// Warnings fail the gate too.
    pub strict: bool,
    /// Lifecycle states the artifacts may declare (the event log's current state and the target
    /// of the transition being checked). Empty: only check that the artifacts agree with each
    /// other.
    pub allowed_states: Vec<LifecycleState>,
    /// Start of the current cycle (from the event log): scans before it do not count.
    pub cycle_start: Option<DateTime<Utc>>,
    /// [`inputs_digest`] of exactly the workspace the gates run on, when the caller computed
    /// it already (a process running several gate runs on one load hashes the artifacts
    /// once). It is not checked: give it only for that workspace, unchanged since.
    pub inputs_digest: Option<String>,
    /// Reports of earlier gate runs on exactly the workspace the gates run on, kept for gates
    /// whose report depends only on the workspace, `now` and strict mode (`schema_lint`). It is
    /// not checked against the workspace: give it only for that workspace, unchanged since,
    /// and start a new one for every load (see [`GateMemo`]).
    pub memo: Option<GateMemo>,
}

impl GateOptions {
    /// Strict mode on or off.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
    /// Set the lifecycle states the artifacts may declare.
    #[must_use]
    pub fn allowed_states(mut self, states: Vec<LifecycleState>) -> Self {
        self.allowed_states = states;
        self
    }
    /// Set the start of the current cycle.
    #[must_use]
    pub fn cycle_start(mut self, t: Option<DateTime<Utc>>) -> Self {
        self.cycle_start = t;
        self
    }
    /// Use `digest`, the [`inputs_digest`] of the workspace the gates will run on, instead of
    /// hashing its artifacts again.
    #[must_use]
    pub fn inputs_digest(mut self, digest: Option<String>) -> Self {
        self.inputs_digest = digest;
        self
    }
    /// Keep the reports of gates that depend only on the workspace, `now` and strict mode in
    /// `memo`, and reuse the ones it holds: `memo` must belong to the workspace the gates run on.
    #[must_use]
    pub fn memo(mut self, memo: Option<GateMemo>) -> Self {
        self.memo = memo;
        self
    }
}

/// Reports of gates whose verdict depends only on the loaded workspace, `now` and strict mode
/// (`schema_lint`: the load's diagnostics, the specification lint, the version and finding-list
/// checks), kept by a process that runs several gate runs on one load (`secfw cycle` runs
/// `schema_lint` on every transition). A report is reused only for the same `now` and strict
/// mode; the rest (the allowed lifecycle states, the cycle start, governance) does not enter
/// these gates. Whether the memo belongs to the workspace is the holder's responsibility:
/// one memo per load, dropped with it and whenever the workspace changes. Clones share the
/// reports.
#[derive(Clone, Debug, Default)]
pub struct GateMemo {
    reports: std::sync::Arc<std::sync::Mutex<Vec<Memoized>>>,
}

#[derive(Debug)]
struct Memoized {
    gate: GateName,
    now: DateTime<Utc>,
    strict: bool,
    report: GateReport,
}

impl GateMemo {
    /// An empty memo, for a new load.
    pub fn new() -> Self {
        Self::default()
    }

    /// The gates whose report depends only on the workspace, `now` and strict mode.
    const fn memoizable(gate: GateName) -> bool {
        matches!(gate, GateName::SchemaLint)
    }

    fn get(&self, gate: GateName, now: DateTime<Utc>, strict: bool) -> Option<GateReport> {
        let reports = self.reports.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        reports.iter().find(|m| m.gate == gate && m.now == now && m.strict == strict).map(|m| m.report.clone())
    }

    fn put(&self, gate: GateName, now: DateTime<Utc>, strict: bool, report: &GateReport) {
        let mut reports = self.reports.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        reports.retain(|m| !(m.gate == gate && m.now == now && m.strict == strict));
        reports.push(Memoized { gate, now, strict, report: report.clone() });
    }
}

/// How many times this process has run `schema_lint` (not counting reports reused from a
/// [`GateMemo`]): lets tests prove that a command lints a fixed number of times per load,
/// without timing anything.
pub fn schema_lint_runs() -> u64 {
    SCHEMA_LINT_RUNS.load(std::sync::atomic::Ordering::Relaxed)
}

static SCHEMA_LINT_RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Everything a gate looks at: the loaded workspace, `now`, options, and the governance
/// evaluation (computed once for all gates).
#[non_exhaustive]
pub struct GateContext<'a> {
    /// The workspace.
    pub ws: &'a LoadedWorkspace,
    /// Evaluation time (UTC).
    pub now: DateTime<Utc>,
    /// Options.
    pub opts: GateOptions,
    /// Governance at `now`: evaluated by [`GateContext::new`], or the caller's report of the
    /// same workspace ([`GateContext::with_governance`]).
    pub governance: Cow<'a, GovernanceReport>,
    /// Locates paths in YAML artifacts.
    pub loc: Locator<'a>,
}

impl<'a> GateContext<'a> {
    /// Build a context (evaluates governance).
    pub fn new(ws: &'a LoadedWorkspace, now: DateTime<Utc>, opts: GateOptions) -> Self {
        let loc = Locator::new(ws);
        let governance = Cow::Owned(secfw_governance::evaluate_with(ws, &loc, now));
        Self { ws, now, opts, governance, loc }
    }

    /// Build a context with `governance`, the caller's [`secfw_governance::evaluate`] of
    /// exactly `ws` (unchanged since) at `now`, instead of evaluating it again: a process that
    /// runs several gate runs and other steps on one load evaluates governance once. A report
    /// of another instant is not used (governance is evaluated at `now` then); that it is of
    /// `ws` is the caller's promise, as for [`GateOptions::inputs_digest`].
    pub fn with_governance(
        ws: &'a LoadedWorkspace,
        now: DateTime<Utc>,
        opts: GateOptions,
        governance: &'a GovernanceReport,
    ) -> Self {
        if governance.now != now {
            return Self::new(ws, now, opts);
        }
        Self { ws, now, opts, governance: Cow::Borrowed(governance), loc: Locator::new(ws) }
    }
}

/// A quality gate.
pub trait Gate: Sync {
    /// Which gate this is.
    fn name(&self) -> GateName;
    /// Evaluate the gate. Never fails: problems are diagnostics; missing or unparseable inputs
    /// fail the gate (fail closed).
    fn run(&self, ctx: &GateContext<'_>) -> GateReport;
}

/// A finding that is excepted: counted and listed in every report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ExceptedFinding {
    /// `finding_id`.
    pub finding_id: String,
    /// Severity.
    pub severity: Severity,
    /// The exception that covers it.
    pub exception: String,
    /// When the exception ends (end of its `Valid Until` day, UTC).
    pub exception_expires_at: DateTime<Utc>,
}

/// The result of one gate.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct GateReport {
    /// The gate.
    pub gate: GateName,
    /// `true` when no diagnostic is an error (warnings too in strict mode).
    pub passed: bool,
    /// Counts by level.
    pub summary: Summary,
    /// Every problem, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings excepted by valid exceptions.
    pub excepted: Vec<ExceptedFinding>,
    /// Gate-specific figures (e.g. `policy_coverage` with its formula), sorted by key.
    pub stats: serde_json::Map<String, serde_json::Value>,
    /// `sha256:<hex>` over the names and SHA-256 of every artifact read: binds the verdict to
    /// the exact inputs.
    pub inputs_digest: String,
    /// `sha256:<hex>` of this report's canonical JSON (with `digest` empty, `inputs_digest`
    /// included): the value recorded in lifecycle events.
    pub digest: String,
}

impl GateReport {
    /// Build a report: sorts diagnostics, applies strict mode, computes the verdict and digest.
    pub fn new(
        gate: GateName,
        mut diagnostics: Vec<Diagnostic>,
        excepted: Vec<ExceptedFinding>,
        stats: serde_json::Map<String, serde_json::Value>,
        strict: bool,
    ) -> Self {
        if strict {
            for d in &mut diagnostics {
                if d.level == secfw_artifacts::Level::Warning {
                    d.level = secfw_artifacts::Level::Error;
                }
            }
        }
        sort_diagnostics(&mut diagnostics);
        diagnostics.dedup();
        let summary = Summary::of(&diagnostics);
        let mut r = Self {
            gate,
            passed: summary.errors == 0,
            summary,
            diagnostics,
            excepted,
            stats,
            inputs_digest: String::new(),
            digest: String::new(),
        };
        r.digest = digest_of(&r);
        r
    }

    /// Bind the report to its inputs and recompute the digest.
    fn bind_inputs(mut self, inputs_digest: &str) -> Self {
        inputs_digest.clone_into(&mut self.inputs_digest);
        self.digest = String::new();
        self.digest = digest_of(&self);
        self
    }

    /// Error-level diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// `true` when some diagnostic has this code.
    pub fn has_code(&self, code: &str) -> bool {
        self.diagnostics.iter().any(|d| d.code.as_str() == code)
    }
}

/// `sha256:` over `name\0sha256(text)\n` of every artifact read, in name order.
pub fn inputs_digest(ws: &LoadedWorkspace) -> String {
    let mut h = Sha256::new();
    for (name, src) in &ws.sources {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(hex::encode(Sha256::digest(src.text.as_bytes())).as_bytes());
        h.update(b"\n");
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

fn digest_of<T: Serialize>(v: &T) -> String {
    let bytes = serde_json::to_vec(v).unwrap_or_default();
    format!("sha256:{}", hex::encode(Sha256::digest(&bytes)))
}

/// The result of running several gates.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct GateRun {
    /// Evaluation time.
    pub now: DateTime<Utc>,
    /// `true` when every gate passed.
    pub passed: bool,
    /// One report per gate, in gate order.
    pub reports: Vec<GateReport>,
    /// Escalations raised by violated enforcement rules.
    pub escalations: Vec<secfw_governance::Escalation>,
}

impl GateRun {
    /// The report of a gate, if it ran.
    pub fn report(&self, gate: GateName) -> Option<&GateReport> {
        self.reports.iter().find(|r| r.gate == gate)
    }
}

/// Run gates on a loaded workspace at `now`.
pub fn run(ws: &LoadedWorkspace, gates: &[GateName], now: DateTime<Utc>, opts: &GateOptions) -> GateRun {
    let ctx = GateContext::new(ws, now, opts.clone());
    run_in(&ctx, gates)
}

/// Run gates with an existing context.
pub fn run_in(ctx: &GateContext<'_>, gates: &[GateName]) -> GateRun {
    let mut names = gates.to_vec();
    names.sort();
    names.dedup();
    let inputs = ctx.opts.inputs_digest.clone().unwrap_or_else(|| inputs_digest(ctx.ws));
    let reports: Vec<GateReport> = names.iter().map(|g| run_one(ctx, *g).bind_inputs(&inputs)).collect();
    GateRun {
        now: ctx.now,
        passed: reports.iter().all(|r| r.passed),
        reports,
        escalations: ctx.governance.escalations.clone(),
    }
}

/// Run `gate`, or take its report from the context's [`GateMemo`] when it holds one of the same
/// `now` and strict mode.
fn run_one(ctx: &GateContext<'_>, gate: GateName) -> GateReport {
    let memo = ctx.opts.memo.as_ref().filter(|_| GateMemo::memoizable(gate));
    if let Some(r) = memo.and_then(|m| m.get(gate, ctx.now, ctx.opts.strict)) {
        return r;
    }
    if gate == GateName::SchemaLint {
        SCHEMA_LINT_RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let report = gate.gate().run(ctx);
    if let Some(m) = memo {
        m.put(gate, ctx.now, ctx.opts.strict, &report);
    }
    report
}

/// Load the workspace at `dir` and run gates on it.
pub fn run_dir(
    dir: &Path,
    gates: &[GateName],
    now: DateTime<Utc>,
    opts: &GateOptions,
) -> Result<(LoadedWorkspace, GateRun), Error> {
    let ws = secfw_artifacts::load(dir, &LoadOptions::default().strict(opts.strict))?;
    let run = run(&ws, gates, now, opts);
    Ok((ws, run))
}

/// Excepted findings of the governance evaluation, for listing in reports.
pub(crate) fn excepted_of(ctx: &GateContext<'_>) -> Vec<ExceptedFinding> {
    let expiry: std::collections::HashMap<&str, DateTime<Utc>> =
        ctx.governance.exceptions.iter().map(|e| (e.id.as_str(), e.expires_at)).collect();
    ctx.governance
        .findings
        .iter()
        .filter_map(|f| match &f.disposition {
            secfw_governance::Disposition::Excepted { exception } => Some(ExceptedFinding {
                finding_id: f.finding_id.clone(),
                severity: f.severity,
                exception: exception.clone(),
                exception_expires_at: expiry.get(exception.as_str()).copied().unwrap_or(ctx.now),
            }),
            _ => None,
        })
        .collect()
}
