//! Governance semantics the KPIs need: is an exception valid at an instant, which exception
//! covers a finding, when a finding's SLA runs out.
//!
//! This is the one place these rules live in `secfw-metrics`; it is kept small so it can be
//! swapped for `secfw-governance`'s API without touching the KPI code.

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::model::findings::Finding;
use secfw_artifacts::model::rulebook::Rulebook;
use secfw_artifacts::{Exception, ExceptionRegistry};

/// The state of an exception at an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExceptionState {
    /// Approved, unexpired, within the maximum window, with compensating controls.
    Valid,
    /// Past its `Valid Until` date (valid through the end of that day, UTC).
    Expired,
    /// Not valid for another reason (the reason is given).
    Invalid(String),
}

impl ExceptionState {
    /// `true` for [`ExceptionState::Valid`].
    pub fn is_valid(&self) -> bool {
        *self == Self::Valid
    }
}

/// Whether the exception is listed in an archive section (`## Expired Exceptions`,
/// `## Closed ...`, `## Revoked ...`, `## Archived ...`): such entries are history, not
/// active exceptions, and are left out of exception compliance.
pub fn is_archived(e: &Exception) -> bool {
    let s = e.section.to_ascii_lowercase();
    ["expired", "closed", "revoked", "archive", "retired", "resolved"].iter().any(|w| s.contains(w))
}

/// The state of `e` at `at` under the rulebook's exception policy.
pub fn exception_state(e: &Exception, rulebook: &Rulebook, at: DateTime<Utc>) -> ExceptionState {
    if at > e.valid_until.end_of_day() {
        return ExceptionState::Expired;
    }
    if e.approvers.is_empty() {
        return ExceptionState::Invalid("no approver".to_owned());
    }
    if e.approvers.iter().any(|a| a.trim().eq_ignore_ascii_case(e.requestor.trim())) {
        return ExceptionState::Invalid("the requestor approved their own exception".to_owned());
    }
    if e.risk_mitigation.is_empty() {
        return ExceptionState::Invalid("no compensating controls (Risk Mitigation)".to_owned());
    }
    if let Some(approved) = e.approved_on {
        if approved.start_of_day() > at {
            return ExceptionState::Invalid(format!("approved in the future ({approved})"));
        }
        let window = (e.valid_until.0 - approved.0).num_days();
        if window > i64::from(rulebook.exceptions.max_days) {
            return ExceptionState::Invalid(format!(
                "valid for {window} days after approval, more than the {}-day maximum",
                rulebook.exceptions.max_days
            ));
        }
    }
    ExceptionState::Valid
}

/// The exception that names this finding (by the finding's `exception_ref`, or by the
/// exception's `Findings` list), if any.
pub fn covering_exception<'a>(f: &Finding, registry: Option<&'a ExceptionRegistry>) -> Option<&'a Exception> {
    let reg = registry?;
    if let Some(r) = &f.governance.exception_ref
        && let Some(e) = reg.get(r)
    {
        return Some(e);
    }
    reg.exceptions.iter().find(|e| e.findings.iter().any(|id| id == &f.finding_id))
}

/// When remediation of a finding is due: the earlier of its `remediation.deadline` and
/// `first_seen` + the rulebook's SLA days for its severity (the same rule as
/// `secfw-governance`).
pub fn sla_deadline(f: &Finding, rulebook: &Rulebook) -> DateTime<Utc> {
    let own = f.remediation.deadline.deadline();
    match f.first_seen {
        Some(fs) => own.min(fs.instant() + Duration::days(i64::from(rulebook.sla_days.for_severity(f.severity)))),
        None => own,
    }
}

/// Whether a finding needed work at instant `t`: open now and first seen by `t`, or resolved
/// after `t`. Accepted and false-positive findings are never open.
pub fn open_at(f: &Finding, t: DateTime<Utc>) -> bool {
    use secfw_artifacts::FindingStatus;
    let seen = f.first_seen.is_none_or(|fs| fs.instant() <= t);
    match f.status {
        FindingStatus::Open => seen,
        FindingStatus::Resolved => seen && f.resolved_at.is_some_and(|r| r.instant() > t),
        FindingStatus::Accepted | FindingStatus::FalsePositive => false,
    }
}
