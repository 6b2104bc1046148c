//! The few time rules metrics add on top of `secfw-governance` (which decides exception validity,
//! which findings are excepted and when each is due): whether a finding was live at an instant
//! of a past period, and which exceptions are archived history rather than active.

use chrono::{DateTime, Utc};
use secfw_artifacts::model::findings::Finding;
use secfw_artifacts::model::rulebook::Rulebook;

/// When remediation of a finding is due: [`Finding::sla_due`] (the same rule as
/// `secfw-governance`).
pub fn sla_deadline(f: &Finding, rulebook: &Rulebook) -> DateTime<Utc> {
    f.sla_due(rulebook)
}

/// Whether a finding was live at instant `t` of a past period: live by governance's rule
/// ([`secfw_governance::live_at`]: open or accepted, or resolved after `t`) and first seen by `t`.
/// False positives never are. [`crate::compute`] takes liveness from the governance report
/// itself; this is the same rule for one finding.
pub fn open_at(f: &Finding, t: DateTime<Utc>) -> bool {
    secfw_governance::live_at(f, t) && f.first_seen.is_none_or(|fs| fs.instant() <= t)
}
