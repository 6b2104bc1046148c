//! `tickets plan` and `tickets apply`: ITSM ticket sync keyed by finding fingerprint.

use chrono::{DateTime, Utc};
use secfw_tickets::{ApplyOptions, ApplyReport, Endpoint, TicketPlan};

use crate::{Error, Workspace};

impl Workspace {
    /// The actions that would bring the ticket system in line with the workspace at `now`
    /// (`secfw tickets plan`; its JSON is [`TicketPlan::to_json`]). A ledger that cannot be used
    /// is an error whose diagnostics say why.
    pub fn tickets_plan(&self, now: DateTime<Utc>) -> Result<TicketPlan, Error> {
        Ok(secfw_tickets::plan(self.artifacts(), now)?)
    }

    /// Plan at `now` under the workspace lock (with the files as they are once it is held), then
    /// POST each action to `endpoint` (idempotent: actions the ticket ledger records as applied
    /// are skipped; resumes after a failure). `on_plan` sees a non-empty plan before anything
    /// is sent (for progress output). Returns the plan and what was applied (nothing when the
    /// plan is empty).
    pub fn tickets_apply(
        &self,
        endpoint: &Endpoint,
        opts: &ApplyOptions,
        now: DateTime<Utc>,
        on_plan: &mut dyn FnMut(&TicketPlan),
    ) -> Result<(TicketPlan, ApplyReport), Error> {
        let _lock = self.lock()?;
        let ws = self.load_fresh()?;
        let plan = secfw_tickets::plan(&ws, now)?;
        if plan.is_empty() {
            return Ok((plan, ApplyReport::default()));
        }
        on_plan(&plan);
        let report = secfw_tickets::apply(&plan, self.root(), endpoint, opts, now)?;
        Ok((plan, report))
    }
}
