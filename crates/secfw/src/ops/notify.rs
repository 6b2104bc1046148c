//! `notify plan|apply` and `escalations ack`: notifications delivered once, acknowledgements
//! recorded in the event log.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use secfw_lifecycle::{Event, EventLog, Lifecycle};
use secfw_notify::{ApplyReport, NotifyPlan};
use secfw_tickets::http::ApplyOptions;

use crate::{Error, Workspace};

impl Workspace {
    /// The ids of the escalations acknowledged in the event log (which must verify).
    pub fn acknowledged_escalations(&self) -> Result<BTreeSet<String>, Error> {
        let events = EventLog::new(self.root()).read()?;
        Ok(secfw_lifecycle::acknowledgements(&events).into_keys().collect())
    }

    /// The messages that would be sent at `now` (`secfw notify plan`; its JSON is
    /// [`NotifyPlan::to_json`]).
    pub fn notify_plan(&self, now: DateTime<Utc>) -> Result<NotifyPlan, Error> {
        Ok(secfw_notify::plan(self.artifacts(), &self.acknowledged_escalations()?, now)?)
    }

    /// Plan under the workspace lock (so another apply's in-flight message is not mistaken for a
    /// stopped one), then send each message once. `on_plan` sees the plan before anything is
    /// sent (for progress output).
    pub fn notify_apply(
        &self,
        opts: &ApplyOptions,
        now: DateTime<Utc>,
        on_plan: &mut dyn FnMut(&NotifyPlan),
    ) -> Result<(NotifyPlan, ApplyReport), Error> {
        let lock = self.lock()?;
        let ws = self.load_fresh()?;
        let plan = secfw_notify::plan(&ws, &self.acknowledged_escalations()?, now)?;
        on_plan(&plan);
        let report = secfw_notify::apply(&plan, &lock, opts, now)?;
        Ok((plan, report))
    }

    /// Acknowledge escalation `id` as `by` at `now`, under the workspace lock: it must have the
    /// form of an escalation id, have been notified, and not be acknowledged yet. Recorded in the
    /// hash-chained event log (which stops its re-notification).
    pub fn acknowledge_escalation(&self, id: &str, by: &str, now: DateTime<Utc>) -> Result<Event, Error> {
        let id = id.trim();
        if !secfw_notify::is_escalation_id(id) {
            return Err(Error::unusable(format!("`{id}` is not an escalation id (ESC- and 12 hex digits)")));
        }
        let _lock = self.lock()?;
        let lc = Lifecycle::new(self.root());
        let events = lc.log().read()?;
        let acks = secfw_lifecycle::acknowledgements(&events);
        let ledger = secfw_notify::Ledger::load(self.root())?;
        if let Err(d) = secfw_notify::check_acknowledgement(&ledger, id, acks.get(id).map(|(b, t)| (b.as_str(), *t))) {
            return Err(Error::Unusable { message: format!("[{}] {}", d.code, d.message), diagnostics: vec![d] });
        }
        Ok(lc.acknowledge(id, by, now)?)
    }
}
