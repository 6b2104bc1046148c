//! `cycle` and `demo`: the whole loop in one call.

use std::path::Path;

use chrono::{DateTime, Utc};
use secfw_lifecycle::DemoReport;
use secfw_lifecycle::{CycleOptions, CycleReport, Step};

use super::Outcome;
use crate::{Error, Workspace};

impl Outcome for CycleReport {
    fn passed(&self) -> bool {
        self.refused.is_empty()
    }
}

impl Workspace {
    /// Run the lifecycle from its current state as far as its gates allow (validate → seal →
    /// ingest → digest), under the workspace lock for the whole run; `on_step` sees each step as
    /// it finishes. Inputs that cannot be used are an error (nothing is recorded) whose
    /// diagnostics name them.
    pub fn cycle(dir: &Path, opts: &CycleOptions, on_step: &mut dyn FnMut(&Step)) -> Result<CycleReport, Error> {
        let lock = crate::workspace::lock_dir(dir)?;
        Ok(secfw_lifecycle::run_cycle(dir, &lock, opts, on_step)?)
    }

    /// Copy the bundled example workspace into `out`, generate demo keys and a trust policy, and
    /// run one whole cycle at `now`.
    pub fn demo(out: &Path, now: DateTime<Utc>, on_step: &mut dyn FnMut(&Step)) -> Result<DemoReport, Error> {
        Ok(secfw_lifecycle::run_demo(out, now, on_step)?)
    }
}
