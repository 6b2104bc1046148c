#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// `secfw_artifacts::path![..]` builds a Vec of path segments; `&path![..]` as a slice is its
// intended use, which `useless_vec` misreads through the macro.
#![allow(clippy::useless_vec)]

// Only `codes` is a public namespace; every module is private and its items are re-exported
// below, under names that say which part of the lifecycle they belong to.
mod baseline;
mod checks;
pub mod codes;
mod cycle;
mod demo;
mod escalations;
mod log;
mod machine;
mod wiring;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secfw_artifacts::model::findings::FindingStatus;
use secfw_artifacts::{Diagnostic, LifecycleState, LoadOptions, LoadedWorkspace};
use secfw_gates::{GateContext, GateName, GateOptions, GateRun};
use serde::Serialize;

pub use baseline::{
    BaselineCounts, BaselineFinding, BaselineOptions, BaselineRef, BaselineReport, BaselineState, RatchetDimension,
    VerifiedBaseline, compare as compare_baseline, gate_new, is_secret,
    lifecycle_criterion as baseline_lifecycle_criterion, load_baseline,
};
pub use checks::{CheckContext, CheckOutcome, Checks, IngestCheck, LedgerScans, ReportCheck, SealCheck, Unavailable};
pub use cycle::{
    CycleOptions, CycleReport, ESCALATIONS_DIR, EXECUTED_DIR, GateLine, KpiLine, Step, StepStatus,
    check_inputs as check_cycle_inputs, run as run_cycle,
};
pub use demo::{
    BACKFILL_WEEKS as DEMO_BACKFILL_WEEKS, DemoReport, ROOT_IDENTITY as DEMO_ROOT_IDENTITY, SIGNERS as DEMO_SIGNERS,
    run as run_demo,
};
pub use escalations::{
    acknowledgement_events, escalation_data, escalation_data_governed, load_escalation_data,
    load_escalation_data_governed,
};
pub use log::{
    CriterionRecord, Event, EventKind, EventLog, GENESIS as LOG_GENESIS, GateRecord, HEAD_FILE as LOG_HEAD_FILE,
    LOCK_FILE as LOG_LOCK_FILE, LOG_FILE, LogLock, MAX_ACTOR_CHARS, STATE_DIR as LOG_STATE_DIR, Verification,
    check_actor, is_unsafe_in_text, progress_evidence, verify_text as verify_log_text,
};
pub use machine::{Criterion, CriterionResult, Decision, criteria, decide};
pub use wiring::{DigestWiring, SealMemo, SealWiring, Standard as StandardChecks, sealed_this_cycle};

/// The error type of `secfw-lifecycle`: the lifecycle could not be evaluated or recorded. A
/// refused transition is not an error (it is [`Outcome::Refused`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workspace could not be loaded or a file could not be written.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
    /// An I/O operation on the event log, checkpoint or lock failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The notification ledger cannot be read (escalation data for the digest).
    #[error(transparent)]
    Notify(#[from] secfw_notify::Error),
    /// The event log does not verify; nothing is appended to a tampered log.
    #[error("the event log does not verify: {}", .problems.first().map_or_else(String::new, ToString::to_string))]
    Tampered {
        /// Every problem found.
        problems: Vec<Diagnostic>,
    },
    /// `now` is before the last recorded event: time would run backwards in the audit trail.
    #[error("--now {now} is before the last event ({last}); events are recorded in time order")]
    TimeBeforeLastEvent {
        /// The requested time.
        now: DateTime<Utc>,
        /// The last event's time.
        last: DateTime<Utc>,
    },
    /// The actor is empty.
    #[error("an actor is required (who is making the transition)")]
    NoActor,
    /// The actor holds a control character (a newline, a terminal escape, ...), a line
    /// separator or an invisible character (a bidi override, a zero-width space), or is longer
    /// than [`MAX_ACTOR_CHARS`]: it would forge lines, reorder or hide text wherever the log is
    /// printed. Nothing was recorded.
    #[error(
        "LC0004: the actor {actor:?} holds a control, line-separator or invisible character, or is over {MAX_ACTOR_CHARS} characters; use a plain name"
    )]
    BadActor {
        /// The actor as given, escaped.
        actor: String,
    },
    /// `secfw log reanchor` was refused (nothing to re-anchor, or no reason given).
    #[error("log reanchor: {0}")]
    Reanchor(String),
    /// A `cycle` step could not run.
    #[error("cycle: {0}")]
    Cycle(String),
    /// `git` could not be started (the demo's commits).
    #[error("cycle: git {args}: {source}")]
    Git {
        /// The git arguments.
        args: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The demo's KPI history could not be back-filled.
    #[error("cycle: back-filling the KPI history: {0}")]
    History(#[source] secfw_metrics::Error),
    /// A key file or the trust policy could not be written (the demo's keys).
    #[error("cycle: {0}")]
    Seal(#[from] secfw_seal::Error),
    /// A record could not be serialized.
    #[error("cycle: cannot serialize the {what}: {source}")]
    Serialize {
        /// What was being serialized.
        what: &'static str,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// An input file given to `cycle` (key, trust policy, scanner report) is missing or invalid,
    /// found before anything was recorded.
    #[error("{}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Inputs {
        /// One diagnostic per problem.
        problems: Vec<Diagnostic>,
    },
    /// The baseline handoff was refused (missing, or it does not verify); nothing was compared.
    #[error("{}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Baseline {
        /// One diagnostic per problem.
        problems: Vec<Diagnostic>,
    },
}

/// `text` with every line after the first indented by `indent` spaces: multi-line details
/// (one problem per line) printed under a marker such as `  ✗ `.
pub fn hanging(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    text.lines().enumerate().map(|(i, l)| if i == 0 { l.to_owned() } else { format!("\n{pad}{l}") }).collect()
}

/// `text` for a terminal or a CI log: every control character (newline, escape, ...), line
/// separator and invisible character ([`log::is_unsafe_in_text`]) written as its Rust escape
/// (`\n`, `\u{1b}`, `\u{202e}`), everything else unchanged. Actors and reasons read
/// from the event log are printed through it, so a log written before `LC0004` existed cannot
/// forge lines or terminal escapes.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| if is_unsafe_in_text(c) { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// Every acknowledgement in `events`, by escalation id: (who, when). The first one counts.
pub fn acknowledgements(events: &[Event]) -> std::collections::BTreeMap<String, (String, DateTime<Utc>)> {
    let mut out = std::collections::BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == EventKind::Acknowledgement) {
        for a in &e.escalations {
            if let Some(id) = a.get("id").and_then(serde_json::Value::as_str) {
                out.entry(id.to_owned()).or_insert_with(|| (e.actor.clone(), e.time));
            }
        }
    }
    out
}

/// The current state according to a list of events (no events: PLANNED).
pub fn state_of(events: &[Event]) -> LifecycleState {
    events.last().map_or(LifecycleState::Planned, |e| e.to)
}

/// A request to move the lifecycle to a state.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AdvanceRequest {
    /// Target state.
    pub to: LifecycleState,
    /// Who is asking (recorded).
    pub actor: String,
    /// When (recorded; used for every time-dependent criterion).
    pub now: DateTime<Utc>,
    /// Strict gates: warnings fail too.
    pub strict: bool,
    /// [`secfw_gates::inputs_digest`] of the workspace the request is evaluated on, when the
    /// caller knows it (see [`secfw_gates::GateOptions::inputs_digest`]).
    pub inputs_digest: Option<String>,
    /// [`secfw_governance::evaluate`] of the workspace the request is evaluated on at `now`,
    /// when the caller has it (see [`secfw_gates::GateContext::with_governance`]); otherwise
    /// the evaluation computes it.
    pub governance: Option<std::sync::Arc<secfw_governance::GovernanceReport>>,
    /// The caller's [`secfw_gates::GateMemo`] of the workspace the request is evaluated on (see
    /// [`secfw_gates::GateOptions::memo`]): gate reports that depend only on that workspace,
    /// `now` and strict mode are taken from it and kept in it.
    pub gate_memo: Option<secfw_gates::GateMemo>,
}

impl AdvanceRequest {
    /// A request.
    pub fn new(to: LifecycleState, actor: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self { to, actor: actor.into(), now, strict: false, inputs_digest: None, governance: None, gate_memo: None }
    }
    /// The gate memo of the workspace this request will be evaluated on, held by the caller
    /// for exactly that workspace (one per load, dropped when the workspace changes).
    #[must_use]
    pub fn gate_memo(mut self, memo: Option<secfw_gates::GateMemo>) -> Self {
        self.gate_memo = memo;
        self
    }
    /// The governance report of the workspace this request will be evaluated on, evaluated by
    /// the caller for exactly that workspace at the request's `now` (a report of another
    /// instant is not used).
    #[must_use]
    pub fn governance(mut self, report: Option<std::sync::Arc<secfw_governance::GovernanceReport>>) -> Self {
        self.governance = report;
        self
    }
    /// The inputs digest of the workspace this request will be evaluated on, computed by the
    /// caller for exactly that workspace.
    #[must_use]
    pub fn inputs_digest(mut self, digest: Option<String>) -> Self {
        self.inputs_digest = digest;
        self
    }
    /// Strict gates on or off.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
}

/// The evaluation of a target state's entry criteria.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Evaluation {
    /// From.
    pub from: LifecycleState,
    /// To.
    pub to: LifecycleState,
    /// Every criterion of `to`, evaluated.
    pub criteria: Vec<CriterionResult>,
    /// Gates that ran.
    pub gates: GateRun,
    /// Seal reported by the seal check, if any.
    pub seal: Option<secfw_artifacts::Seal>,
}

/// What `advance` did.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "outcome")]
#[non_exhaustive]
pub enum Outcome {
    /// The transition was recorded.
    Advanced {
        /// The recorded event.
        event: Event,
        /// The evaluation it was based on.
        evaluation: Box<Evaluation>,
    },
    /// The transition was refused.
    Refused {
        /// The state the lifecycle was in.
        from: LifecycleState,
        /// The requested state.
        to: LifecycleState,
        /// Why, for people: one line per unmet criterion (or the reason `to` is unreachable).
        reasons: Vec<String>,
        /// Every unmet criterion.
        unmet: Vec<CriterionResult>,
        /// The return-to-PLANNED event recorded because schema_lint failed, if any.
        returned_to_planned: Option<Event>,
        /// The evaluation, when criteria were evaluated.
        evaluation: Option<Box<Evaluation>>,
    },
}

impl Outcome {
    /// `true` when the transition was recorded.
    pub fn advanced(&self) -> bool {
        matches!(self, Self::Advanced { .. })
    }
}

/// `secfw status`: where the lifecycle is and what blocks the next step.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Status {
    /// Current state.
    pub state: LifecycleState,
    /// The next state.
    pub next: LifecycleState,
    /// Number of events in the log.
    pub events_total: usize,
    /// The last events, oldest first.
    pub last_events: Vec<Event>,
    /// Log verification (intact here; a tampered log is an error).
    pub log: Verification,
    /// The next state's criteria evaluated now.
    pub next_criteria: Vec<CriterionResult>,
}

impl Status {
    /// Unmet criteria of the next state.
    pub fn blockers(&self) -> impl Iterator<Item = &CriterionResult> {
        self.next_criteria.iter().filter(|c| !c.met)
    }
}

/// The lifecycle of one security workspace.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    root: PathBuf,
    log: EventLog,
}

const MAX_DETAIL_DIAGS: usize = 10;

fn gate_detail(run: &GateRun, gate: GateName, filter: &dyn Fn(&Diagnostic) -> bool) -> (bool, String) {
    let Some(r) = run.report(gate) else { return (false, format!("{gate} did not run")) };
    let errs: Vec<&Diagnostic> = r.errors().filter(|d| filter(d)).collect();
    if errs.is_empty() {
        return (true, format!("{gate}: no errors ({} excepted, {})", r.excepted.len(), r.digest));
    }
    let mut s = format!("{gate}: {} error(s)", errs.len());
    for d in errs.iter().take(MAX_DETAIL_DIAGS) {
        let _ = write!(s, "; {d}");
    }
    if errs.len() > MAX_DETAIL_DIAGS {
        let _ = write!(s, "; and {} more", errs.len() - MAX_DETAIL_DIAGS);
    }
    (false, s)
}

fn from_check(c: Criterion, o: CheckOutcome, seal: &mut Option<secfw_artifacts::Seal>) -> CriterionResult {
    match o {
        CheckOutcome::Met { detail, seal: s } => {
            if s.is_some() {
                *seal = s;
            }
            CriterionResult::met(c, detail)
        }
        CheckOutcome::Unmet { reason } => CriterionResult::unmet(c, reason),
    }
}

/// The states artifacts may declare while moving from `from` to `to`: any state the cycle has
/// reached, up to the target (people's files are not edited at every transition, and secfw never
/// rewrites them), but never a state the lifecycle has not got to.
///
/// This is the one rule: `advance` evaluates its gates with it, and a standalone `gate` run uses it
/// through [`gate_run_options`] (as if advancing to the next state), so the two never disagree.
pub fn allowed_states(from: LifecycleState, to: LifecycleState) -> Vec<LifecycleState> {
    let mut allowed: Vec<LifecycleState> = LifecycleState::ALL.into_iter().filter(|s| *s <= to).collect();
    if !allowed.contains(&from) {
        allowed.push(from);
    }
    allowed
}

/// When the current cycle started: the time of the last transition into PLANNED.
pub fn cycle_start(events: &[Event]) -> Option<DateTime<Utc>> {
    events.iter().rev().find(|e| e.changes_state() && e.to == LifecycleState::Planned).map(|e| e.time)
}

/// The gate options of a transition from `from` to `to` after `events`.
pub fn gate_options(events: &[Event], from: LifecycleState, to: LifecycleState, strict: bool) -> GateOptions {
    GateOptions::default().strict(strict).allowed_states(allowed_states(from, to)).cycle_start(cycle_start(events))
}

/// The gate options of a standalone gate run after `events`: exactly those `advance` uses to move
/// from the current state to the next one.
pub fn gate_run_options(events: &[Event], strict: bool) -> GateOptions {
    let state = state_of(events);
    gate_options(events, state, state.next(), strict)
}

/// The gates the criteria of a transition need, in gate order.
fn gates_for(needed: &[Criterion]) -> Vec<GateName> {
    let mut gates = Vec::new();
    if needed.contains(&Criterion::SchemaLintPasses) {
        gates.push(GateName::SchemaLint);
    }
    if needed.iter().any(|c| matches!(c, Criterion::CrossStreamPasses | Criterion::GovernanceTagsValid)) {
        gates.push(GateName::CrossStreamConsistency);
    }
    if needed.contains(&Criterion::ParityCoveragePasses) {
        gates.push(GateName::ParityCoverage);
    }
    if needed.contains(&Criterion::SuppressionParityPasses) {
        gates.push(GateName::SuppressionParity);
    }
    gates
}

/// A criterion a gate decides (schema_lint, cross-stream, governance tags, parity, suppression).
fn gate_criterion(c: Criterion, run: &GateRun) -> CriterionResult {
    let gate = match c {
        Criterion::SchemaLintPasses => GateName::SchemaLint,
        Criterion::ParityCoveragePasses => GateName::ParityCoverage,
        Criterion::SuppressionParityPasses => GateName::SuppressionParity,
        _ => GateName::CrossStreamConsistency,
    };
    if c == Criterion::GovernanceTagsValid {
        let tag_codes = [
            secfw_governance::codes::UNKNOWN_TAG,
            secfw_gates::codes::TAG_SPELLING,
            secfw_gates::codes::TAG_NOT_ON_RESOURCE,
        ];
        let (ok, d) = gate_detail(run, gate, &|d| tag_codes.contains(&d.code));
        return CriterionResult {
            criterion: c,
            met: ok,
            detail: if ok { "all governance tags valid".to_owned() } else { d },
        };
    }
    let (ok, d) = gate_detail(run, gate, &|_| true);
    CriterionResult { criterion: c, met: ok, detail: d }
}

/// Critical=0: every `block_handoff` enforcement rule holds.
fn critical_zero(c: Criterion, gov: &secfw_governance::GovernanceReport) -> CriterionResult {
    let blocking: Vec<String> = gov
        .rules
        .iter()
        .filter(|r| !r.holds && r.blocks_handoff)
        .map(|r| {
            let items = r.escalation.as_ref().map(|e| e.items.join(", ")).unwrap_or_default();
            format!("{} {} violated (count {}): {items}", r.metric.as_str(), r.condition, r.count)
        })
        .collect();
    if blocking.is_empty() {
        CriterionResult::met(
            c,
            format!("every block_handoff rule holds ({} excepted finding(s))", gov.counts.excepted_total()),
        )
    } else {
        CriterionResult::unmet(c, format!("handoff blocked and escalated:\n{}", blocking.join("\n")))
    }
}

/// Every finding is classified: none is `accepted` without a valid exception.
fn findings_classified(
    c: Criterion,
    ws: &LoadedWorkspace,
    gov: &secfw_governance::GovernanceReport,
) -> CriterionResult {
    let Some(ff) = ws.findings.as_ref() else {
        return CriterionResult::unmet(c, "sec_findings.yaml is missing or invalid");
    };
    let bad: Vec<&str> = gov
        .findings
        .iter()
        .filter(|f| ff.findings.get(f.index).is_some_and(|x| x.status == FindingStatus::Accepted) && !f.is_excepted())
        .map(|f| f.finding_id.as_str())
        .collect();
    if bad.is_empty() {
        let counted = gov.findings.iter().filter(|f| f.is_counted()).count();
        let exc = gov.findings.iter().filter(|f| f.is_excepted()).count();
        CriterionResult::met(
            c,
            format!("{counted} counted, {exc} excepted, {} closed", gov.findings.len() - counted - exc),
        )
    } else {
        CriterionResult::unmet(c, format!("status `accepted` without a valid exception: {}", bad.join(", ")))
    }
}

/// Every active exception in the registry is valid. Archived ones (history, e.g. revoked) are
/// left out: governance never lets them except anything, so they cannot make the workspace look
/// better than it is.
fn exceptions_valid(c: Criterion, ws: &LoadedWorkspace, gov: &secfw_governance::GovernanceReport) -> CriterionResult {
    use secfw_governance::ExceptionState;
    if ws.exceptions.is_none() {
        return CriterionResult::unmet(c, "exceptions.md is missing or invalid");
    }
    let archived = gov.exceptions.iter().filter(|e| e.state == ExceptionState::Archived).count();
    let bad: Vec<String> = gov
        .exceptions
        .iter()
        .filter(|e| !e.is_valid() && e.state != ExceptionState::Archived)
        .map(|e| {
            let why: Vec<String> =
                e.diagnostics.iter().filter(|d| d.is_error()).map(|d| format!("{}: {}", d.code, d.message)).collect();
            format!("{} is {} ({})", e.id, e.state.as_str(), why.join("; "))
        })
        .collect();
    if bad.is_empty() {
        let active = gov.exceptions.len() - archived;
        let history = if archived == 0 { String::new() } else { format!(" ({archived} archived, excepting nothing)") };
        CriterionResult::met(c, format!("{active} exception(s), all valid{history}"))
    } else {
        CriterionResult::unmet(c, bad.join("\n"))
    }
}

/// A new cycle starts only from IMPROVE.
fn previous_cycle_closed(c: Criterion, from: LifecycleState, events: &[Event]) -> CriterionResult {
    if from == LifecycleState::Improve {
        let at = events.last().map_or_else(String::new, |e| format!(" at {}", e.time));
        CriterionResult::met(c, format!("the cycle reached IMPROVE{at}; the log verifies"))
    } else {
        CriterionResult::unmet(c, format!("the cycle is in {from}, not IMPROVE"))
    }
}

impl Lifecycle {
    /// The lifecycle of the workspace at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self { log: EventLog::new(root.clone()), root }
    }

    /// The workspace directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The event log.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// The current state (the log must verify; no log means PLANNED).
    pub fn state(&self) -> Result<LifecycleState, Error> {
        Ok(state_of(&self.log.read()?))
    }

    /// Evaluate the entry criteria of `req.to` from `from` at `req.now` without recording
    /// anything (`req.actor` is not used).
    pub fn evaluate(
        &self,
        ws: &LoadedWorkspace,
        events: &[Event],
        from: LifecycleState,
        req: &AdvanceRequest,
        checks: Checks<'_>,
    ) -> Evaluation {
        let (to, now, strict) = (req.to, req.now, req.strict);
        let opts =
            gate_options(events, from, to, strict).inputs_digest(req.inputs_digest.clone()).memo(req.gate_memo.clone());
        let ctx = match req.governance.as_deref() {
            Some(gov) => GateContext::with_governance(ws, now, opts, gov),
            None => GateContext::new(ws, now, opts),
        };
        let needed = criteria(to);
        let run = secfw_gates::run_in(&ctx, &gates_for(needed));
        let gov = &ctx.governance;
        let cx = CheckContext::new(&self.root, ws, now, events);
        let mut seal = None;
        let mut results = Vec::new();
        for c in needed {
            let c = *c;
            let r = match c {
                Criterion::SchemaLintPasses
                | Criterion::CrossStreamPasses
                | Criterion::GovernanceTagsValid
                | Criterion::ParityCoveragePasses
                | Criterion::SuppressionParityPasses => gate_criterion(c, &run),
                Criterion::CriticalZero if ws.rulebook_or_default().baseline.lifecycle_gates => {
                    let b = checks.seal.baseline(&cx);
                    let (met, detail) = baseline::lifecycle_criterion(gov, ws, b.as_ref().map_err(Vec::as_slice));
                    CriterionResult { criterion: c, met, detail }
                }
                Criterion::CriticalZero => critical_zero(c, gov),
                Criterion::FindingsClassified => findings_classified(c, ws, gov),
                Criterion::ExceptionsValid => exceptions_valid(c, ws, gov),
                Criterion::ManifestSealed => from_check(c, checks.seal.sealed(&cx), &mut seal),
                Criterion::PackageVerified => from_check(c, checks.seal.verified(&cx), &mut seal),
                Criterion::ScansIngested => from_check(c, checks.ingest.scans_ingested(&cx), &mut seal),
                Criterion::MetricsCollected => from_check(c, checks.report.metrics_collected(&cx), &mut seal),
                Criterion::DigestGenerated => from_check(c, checks.report.digest_generated(&cx), &mut seal),
                Criterion::PreviousCycleClosed => previous_cycle_closed(c, from, events),
            };
            results.push(r);
        }
        Evaluation { from, to, criteria: results, gates: run, seal }
    }

    /// Where the lifecycle is, its last `last_n` events, and what blocks the next step at `now`.
    pub fn status(&self, now: DateTime<Utc>, last_n: usize, checks: Checks<'_>) -> Result<Status, Error> {
        let log = self.log.verify()?;
        if !log.is_intact() {
            return Err(Error::Tampered { problems: log.problems });
        }
        let events = self.log.read()?;
        let state = state_of(&events);
        let ws = secfw_artifacts::load(&self.root, &LoadOptions::default())?;
        let eval = self.evaluate(&ws, &events, state, &AdvanceRequest::new(state.next(), "status", now), checks);
        Ok(Status {
            state,
            next: state.next(),
            events_total: events.len(),
            last_events: events[events.len().saturating_sub(last_n)..].to_vec(),
            log,
            next_criteria: eval.criteria,
        })
    }

    /// Try to move to `req.to`. Holds the workspace lock throughout, so concurrent runs are
    /// serialized. Records a transition event when every criterion holds; otherwise refuses with
    /// every unmet criterion, and records a return to PLANNED when schema_lint failed outside
    /// PLANNED.
    pub fn advance(&self, req: &AdvanceRequest, checks: Checks<'_>) -> Result<Outcome, Error> {
        self.advance_inner(None, req, checks)
    }

    /// [`Lifecycle::advance`] with a workspace the caller has already loaded (with
    /// `LoadOptions::default().strict(req.strict)`) and knows to be current, so a run that
    /// makes several transitions without changing the artifacts parses them once. The event log
    /// is still read, checked and appended under the workspace lock.
    pub fn advance_loaded(
        &self,
        ws: &LoadedWorkspace,
        req: &AdvanceRequest,
        checks: Checks<'_>,
    ) -> Result<Outcome, Error> {
        self.advance_inner(Some(ws), req, checks)
    }

    /// Record that `by` acknowledged the escalation `id` at `now`: one
    /// [`EventKind::Acknowledgement`] event appended to the hash-chained log (the state does not
    /// change). The caller checks that `id` names a notified escalation not acknowledged yet
    /// ([`acknowledgements`]); the caller also holds the workspace lock.
    pub fn acknowledge(&self, id: &str, by: &str, now: DateTime<Utc>) -> Result<Event, Error> {
        let by = check_actor(by)?;
        let lock = self.log.lock()?;
        let events = self.log.read()?;
        if let Some(last) = events.last()
            && now < last.time
        {
            return Err(Error::TimeBeforeLastEvent { now, last: last.time });
        }
        let state = state_of(&events);
        let event = Event {
            seq: 0,
            time: now,
            actor: by.clone(),
            kind: EventKind::Acknowledgement,
            from: state,
            to: state,
            gates: Vec::new(),
            criteria: Vec::new(),
            seal: None,
            escalations: vec![serde_json::json!({ "id": id, "acknowledged_by": by, "acknowledged_at": now })],
            reasons: vec![format!("{id} acknowledged by {by}")],
            prev_hash: String::new(),
            hash: String::new(),
        };
        self.log.append(&lock, event)
    }

    /// Accept the event log as it stands after its checkpoint was lost ([`EventLog::reanchor`]):
    /// a deliberate decision by `actor`, with `reason`, recorded in the log under the lock.
    pub fn reanchor(&self, actor: &str, reason: &str, now: DateTime<Utc>) -> Result<Event, Error> {
        let lock = self.log.lock()?;
        self.log.reanchor(&lock, actor, reason, now)
    }

    fn advance_inner(
        &self,
        loaded: Option<&LoadedWorkspace>,
        req: &AdvanceRequest,
        checks: Checks<'_>,
    ) -> Result<Outcome, Error> {
        check_actor(&req.actor)?;
        let lock = self.log.lock()?;
        let events = self.log.read()?;
        if let Some(last) = events.last()
            && req.now < last.time
        {
            return Err(Error::TimeBeforeLastEvent { now: req.now, last: last.time });
        }
        let from = state_of(&events);
        if req.to != from.next() {
            return Ok(not_next(from, req.to));
        }
        let fresh;
        let ws = if let Some(ws) = loaded {
            ws
        } else {
            fresh = secfw_artifacts::load(&self.root, &LoadOptions::default().strict(req.strict))?;
            &fresh
        };
        let eval = self.evaluate(ws, &events, from, req, checks);
        self.decide_and_record(&lock, from, req, eval)
    }

    /// Decide the transition from the evaluation and append its event (a transition, or the
    /// return to PLANNED a failed schema_lint causes) under `lock`.
    fn decide_and_record(
        &self,
        lock: &LogLock,
        from: LifecycleState,
        req: &AdvanceRequest,
        eval: Evaluation,
    ) -> Result<Outcome, Error> {
        let transition = event_of(from, req, &eval);
        match decide(from, req.to, &eval.criteria) {
            Decision::Advance => {
                let ev = self.log.append(lock, transition)?;
                Ok(Outcome::Advanced { event: ev, evaluation: Box::new(eval) })
            }
            Decision::Refuse { unmet, return_to_planned, .. } => {
                let mut reasons: Vec<String> = unmet
                    .iter()
                    .map(|u| format!("{}: {}: {}", codes::CRITERION_UNMET, u.criterion.describe(), u.detail))
                    .collect();
                let returned = if return_to_planned {
                    reasons.push(format!(
                        "{}: schema_lint failed in {from}; the cycle returned to PLANNED",
                        codes::RETURNED_TO_PLANNED
                    ));
                    let back = Event {
                        kind: EventKind::ReturnToPlanned,
                        to: LifecycleState::Planned,
                        reasons: reasons.clone(),
                        ..transition
                    };
                    Some(self.log.append(lock, back)?)
                } else {
                    None
                };
                Ok(Outcome::Refused {
                    from,
                    to: req.to,
                    reasons,
                    unmet,
                    returned_to_planned: returned,
                    evaluation: Some(Box::new(eval)),
                })
            }
        }
    }
}

/// The refusal of a request for a state that is not the next one.
fn not_next(from: LifecycleState, to: LifecycleState) -> Outcome {
    Outcome::Refused {
        from,
        to,
        reasons: vec![format!(
            "{}: {to} is not the next state after {from} (the next state is {}); states are entered in order, so no gate is skipped",
            codes::NOT_NEXT_STATE,
            from.next()
        )],
        unmet: Vec::new(),
        returned_to_planned: None,
        evaluation: None,
    }
}

/// The transition event of `req` from `from` (not yet appended): the gates, criteria, seal
/// and escalations of the evaluation.
fn event_of(from: LifecycleState, req: &AdvanceRequest, eval: &Evaluation) -> Event {
    let gates: Vec<GateRecord> = eval
        .gates
        .reports
        .iter()
        .map(|r| GateRecord {
            gate: r.gate.as_str().to_owned(),
            passed: r.passed,
            errors: r.summary.errors,
            warnings: r.summary.warnings,
            excepted: r.excepted.len(),
            digest: r.digest.clone(),
        })
        .collect();
    let criteria: Vec<CriterionRecord> = eval
        .criteria
        .iter()
        .map(|c| CriterionRecord { criterion: c.criterion.as_str().to_owned(), met: c.met, detail: c.detail.clone() })
        .collect();
    let escalations: Vec<serde_json::Value> =
        eval.gates.escalations.iter().filter_map(|e| serde_json::to_value(e).ok()).collect();
    Event {
        seq: 0,
        time: req.now,
        actor: req.actor.trim().to_owned(),
        kind: EventKind::Transition,
        from,
        to: req.to,
        gates,
        criteria,
        seal: eval.seal,
        escalations,
        reasons: Vec::new(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}
