//! `status`, `advance` and `log verify`: the lifecycle and its event log.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use secfw_artifacts::{Diagnostic, LifecycleState};
use secfw_lifecycle::{AdvanceRequest, EventLog, Lifecycle, Status};
use serde::Serialize;

use super::Outcome;
use crate::{Error, Workspace};

/// How the seal criteria (PACKAGED, EXECUTED) are verified.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SealChecks {
    /// The signed trust policy the handoff manifest is verified against, from outside the
    /// workspace; without it PACKAGED and EXECUTED are refused.
    pub trust: Option<PathBuf>,
    /// Do not require the manifest's git binding.
    pub no_git: bool,
}

impl SealChecks {
    /// Seal checks against `trust`.
    pub fn new(trust: Option<PathBuf>, no_git: bool) -> Self {
        Self { trust, no_git }
    }

    fn standard(&self) -> secfw_lifecycle::StandardChecks {
        secfw_lifecycle::StandardChecks::new(self.trust.clone(), !self.no_git)
    }
}

/// Options of [`Workspace::status`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StatusOptions {
    /// Evaluation time.
    pub now: DateTime<Utc>,
    /// How many recent events to include.
    pub last: usize,
    /// How the seal criteria are verified.
    pub seal: SealChecks,
}

impl StatusOptions {
    /// Status at `now` with the last 5 events.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now, last: 5, seal: SealChecks::default() }
    }

    /// Include the last `n` events.
    #[must_use]
    pub fn last(mut self, n: usize) -> Self {
        self.last = n;
        self
    }

    /// With seal checks.
    #[must_use]
    pub fn seal(mut self, seal: SealChecks) -> Self {
        self.seal = seal;
        self
    }
}

/// Options of [`Workspace::advance`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AdvanceOptions {
    /// Target state.
    pub to: LifecycleState,
    /// Who makes the transition (recorded in the event log).
    pub actor: String,
    /// Transition time.
    pub now: DateTime<Utc>,
    /// Warnings fail the gates too.
    pub strict: bool,
    /// How the seal criteria are verified.
    pub seal: SealChecks,
}

impl AdvanceOptions {
    /// Advance to `to` as `actor` at `now`.
    pub fn new(to: LifecycleState, actor: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self { to, actor: actor.into(), now, strict: false, seal: SealChecks::default() }
    }

    /// Strict mode on or off.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// With seal checks.
    #[must_use]
    pub fn seal(mut self, seal: SealChecks) -> Self {
        self.seal = seal;
        self
    }
}

/// The report of [`Workspace::verify_log`] (`secfw log verify --format json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct LogVerifyReport {
    /// `true` when the hash chain is intact.
    pub intact: bool,
    /// Lines read.
    pub lines: usize,
    /// Events that parsed.
    pub events: usize,
    /// Every problem, with the line it is on.
    pub problems: Vec<Diagnostic>,
}

impl Outcome for LogVerifyReport {
    fn passed(&self) -> bool {
        self.intact
    }
}

impl Outcome for secfw_lifecycle::Outcome {
    fn passed(&self) -> bool {
        self.advanced()
    }
}

impl Workspace {
    /// The lifecycle state, recent events and what blocks the next step (`secfw status`). A log
    /// that does not verify is an error.
    pub fn status(&self, opts: &StatusOptions) -> Result<Status, Error> {
        let lc = Lifecycle::new(self.root());
        let standard = opts.seal.standard();
        Ok(lc.status(opts.now, opts.last, standard.checks())?)
    }

    /// Move the lifecycle to `opts.to` when its entry criteria hold, recorded in the event log
    /// under the workspace lock (`secfw advance`). A refusal is an `Ok` outcome.
    pub fn advance(&self, opts: &AdvanceOptions) -> Result<secfw_lifecycle::Outcome, Error> {
        let _lock = self.lock()?;
        let lc = Lifecycle::new(self.root());
        let req = AdvanceRequest::new(opts.to, opts.actor.clone(), opts.now).strict(opts.strict);
        let standard = opts.seal.standard();
        Ok(lc.advance(&req, standard.checks())?)
    }

    /// Accept the event log as it stands after its checkpoint was lost (`secfw log reanchor`):
    /// a deliberate decision, recorded in the log as a `reanchor` event by `actor` with `reason`.
    /// Refused when the checkpoint is present or the log has any other problem.
    pub fn reanchor_log(&self, actor: &str, reason: &str, now: DateTime<Utc>) -> Result<secfw_lifecycle::Event, Error> {
        let _lock = self.lock()?;
        Ok(Lifecycle::new(self.root()).reanchor(actor, reason, now)?)
    }

    /// Verify the hash chain of the event log (`secfw log verify`).
    pub fn verify_log(&self) -> Result<LogVerifyReport, Error> {
        let v = EventLog::new(self.root()).verify()?;
        Ok(LogVerifyReport { intact: v.is_intact(), lines: v.lines, events: v.events, problems: v.problems })
    }
}
