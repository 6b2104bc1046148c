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

/// Whether a finding was live at instant `t`: open or accepted and first seen by `t`, or
/// resolved after `t`. False positives never are.
pub fn open_at(f: &Finding, t: DateTime<Utc>) -> bool {
    use secfw_artifacts::FindingStatus;
    let seen = f.first_seen.is_none_or(|fs| fs.instant() <= t);
    match f.status {
        // Accepted risk stays live: it counts unless a valid exception covers it (governance).
        FindingStatus::Open | FindingStatus::Accepted => seen,
        FindingStatus::Resolved => seen && f.resolved_at.is_some_and(|r| r.instant() > t),
        FindingStatus::FalsePositive => false,
    }
}
