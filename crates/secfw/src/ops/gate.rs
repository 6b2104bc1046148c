//! `gate`: run quality gates with the lifecycle's rule for declared states.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use secfw_gates::{GateName, GateRun};
use secfw_lifecycle::EventLog;
use serde::Serialize;

use super::Outcome;
use crate::{Error, Workspace};

/// Options of a gate run.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GatesOptions {
    /// The gates to run, in order.
    pub gates: Vec<GateName>,
    /// Evaluation time.
    pub now: DateTime<Utc>,
    /// Warnings fail the gate too (open the workspace in strict mode as well, so unknown fields
    /// are errors).
    pub strict: bool,
}

impl GatesOptions {
    /// Run `gates` at `now`.
    pub fn new(gates: Vec<GateName>, now: DateTime<Utc>) -> Self {
        Self { gates, now, strict: false }
    }

    /// Every gate at `now`.
    pub fn all(now: DateTime<Utc>) -> Self {
        Self::new(GateName::ALL.to_vec(), now)
    }

    /// Strict mode on or off.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
}

/// The report of a gate run (`secfw gate --format json` prints it with a `format` tag,
/// `secfw-gate-report/1`; SARIF, JUnit and GitHub renderings are in `secfw::gates::format`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(transparent)]
#[non_exhaustive]
pub struct GatesReport {
    /// The gates' results.
    pub run: GateRun,
}

impl Outcome for GatesReport {
    fn passed(&self) -> bool {
        self.run.passed
    }
}

impl Workspace {
    /// Run quality gates. The lifecycle's event log says which states the artifacts may declare
    /// (exactly what `advance` to the next state accepts: [`secfw_lifecycle::gate_run_options`])
    /// and when the cycle started; a log that does not verify is refused (fail closed).
    pub fn gate(&self, opts: &GatesOptions) -> Result<GatesReport, Error> {
        let events = EventLog::new(self.root()).read()?;
        let gate_opts = secfw_lifecycle::gate_run_options(&events, opts.strict);
        let run = secfw_gates::run(self.artifacts(), &opts.gates, opts.now, &gate_opts);
        Ok(GatesReport { run })
    }
}
