//! The Security & Compliance Specification's state for the digest: status, owner, when it was
//! last reviewed, when the next review is due (the rulebook's review cycle) and what
//! `secfw spec lint` says about it at `now`.

use chrono::{DateTime, Utc};
use secfw_artifacts::{Level, LoadedWorkspace, speclint};
use serde::Serialize;

/// A summary of `security_spec.md`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct SpecSummary {
    /// Title from the front matter.
    pub title: String,
    /// Owner from the front matter.
    pub owner: String,
    /// `draft`, `approved` or `deprecated`.
    pub status: String,
    /// `last_updated` as written.
    pub last_updated: String,
    /// `last_updated` + the rulebook's `review_cycle_days`, when `last_updated` is a date.
    pub review_due: Option<String>,
    /// `now` is past the end of the review-due day.
    pub review_overdue: bool,
    /// `spec lint` errors at `now`.
    pub lint_errors: usize,
    /// `spec lint` warnings at `now`.
    pub lint_warnings: usize,
}

/// Summarize the workspace's specification at `now` (`None` when it has none that parses).
pub fn summarize(ws: &LoadedWorkspace, now: DateTime<Utc>) -> Option<SpecSummary> {
    let spec = ws.spec.as_ref()?;
    let fm = &spec.front_matter;
    let cycle = ws.rulebook.as_ref().map_or(90, |r| r.review_cycle_days);
    let due = fm
        .last_updated_date()
        .map(|d| secfw_artifacts::Date(secfw_artifacts::add_days_saturating(d.0, i64::from(cycle))));
    let lint = speclint::lint_workspace(ws, now);
    Some(SpecSummary {
        title: fm.title.clone(),
        owner: fm.owner.clone(),
        status: serde_json::to_value(fm.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        last_updated: fm.last_updated.clone(),
        review_due: due.map(|d| d.to_string()),
        review_overdue: due.is_some_and(|d| now > d.end_of_day()),
        lint_errors: lint.iter().filter(|d| d.level == Level::Error).count(),
        lint_warnings: lint.iter().filter(|d| d.level == Level::Warning).count(),
    })
}
