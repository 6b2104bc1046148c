//! Finding timestamps against `now`: one rule for the gates, governance and metrics.
//!
//! A finding is live at `t` when it is open or accepted, or resolved with a `resolved_at` after
//! `t` (a "resolved" stamp dated in the future, e.g. a planned fix date, is not a fix yet). A
//! `first_seen`, `last_seen` or `resolved_at` after `now` cannot have been observed: it is
//! `GV0501`, an error located on the field, and the finding keeps counting (fail closed).

use chrono::{DateTime, Utc};
use secfw_artifacts::model::findings::{Finding, FindingStatus};
use secfw_artifacts::{Diagnostic, Timestamp, file_names, path};

use crate::codes;
use crate::locate::Locator;

/// Whether a finding is live at `t`: open or accepted, or resolved after `t`. False positives
/// never are. Governance counts exactly the live findings (unless excepted); metrics take them
/// from governance ([`crate::GovernanceReport::findings`]).
pub fn live_at(f: &Finding, t: DateTime<Utc>) -> bool {
    match f.status {
        FindingStatus::Open | FindingStatus::Accepted => true,
        FindingStatus::Resolved => f.resolved_at.is_some_and(|r| r.instant() > t),
        FindingStatus::FalsePositive => false,
    }
}

/// `GV0501` for every finding timestamp (`first_seen`, `last_seen`, `resolved_at`) after `now`,
/// located on the field.
pub(crate) fn future_timestamps(findings: &[Finding], loc: &Locator<'_>, now: DateTime<Utc>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let fields: [(&str, Option<Timestamp>); 3] =
            [("first_seen", f.first_seen), ("last_seen", f.last_seen), ("resolved_at", f.resolved_at)];
        for (field, ts) in fields {
            let Some(ts) = ts.filter(|t| t.instant() > now) else { continue };
            let rfc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let consequence = if field == "resolved_at" {
                "it is not resolved yet, so it still counts"
            } else {
                "it cannot have been observed yet; it counts as open"
            };
            out.push(
                Diagnostic::error(
                    codes::FUTURE_TIMESTAMP,
                    file_names::FINDINGS,
                    format!(
                        "finding {}: {field} {} is after the evaluation time {}: {consequence}",
                        f.finding_id,
                        rfc(ts.instant()),
                        rfc(now)
                    ),
                )
                .at(loc.pos(file_names::FINDINGS, &path!["findings", i, field]))
                .with_hint(format!(
                    "correct `{field}` (a typo in the year?), or evaluate at a later --now; record a fix only once it is done"
                )),
            );
        }
    }
    out
}
