//! The few time rules metrics add on top of `secfw-governance` (which decides exception validity,
//! which findings are excepted and when each is due): whether a finding was live at an instant
//! of a past period, and which exceptions are archived history rather than active.

use chrono::{DateTime, Utc};
use secfw_artifacts::Exception;
use secfw_artifacts::model::findings::Finding;
use secfw_artifacts::model::rulebook::Rulebook;

/// Whether the exception is listed in an archive section (`## Expired Exceptions`,
/// `## Closed ...`, `## Revoked ...`, `## Archived ...`): such entries are history, not
/// active exceptions, and are left out of exception compliance.
pub fn is_archived(e: &Exception) -> bool {
    let s = e.section.to_ascii_lowercase();
    ["expired", "closed", "revoked", "archive", "retired", "resolved"].iter().any(|w| s.contains(w))
}

/// When remediation of a finding is due: the earliest of its `remediation.deadline`,
/// `first_seen` + the rulebook's SLA days for its severity and a KEV due date (the rule of
/// `secfw-governance`, [`secfw_governance::remediation_due`]).
pub fn sla_deadline(f: &Finding, rulebook: &Rulebook) -> DateTime<Utc> {
    secfw_governance::remediation_due(f, rulebook)
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
