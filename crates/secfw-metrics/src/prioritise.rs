//! Exploitation-driven prioritisation (issue 16): the risk score's exploitation factor and the
//! digest's "fix first" list, ordered by (KEV, EPSS, severity, age) with the reason per row.
//!
//! EPSS orders work; it never excepts or closes a finding (only governance does that).

use chrono::{DateTime, Utc};
use secfw_artifacts::model::findings::{EpssInfo, Finding, KevInfo};
use secfw_artifacts::{Date, Severity};
use serde::Serialize;

/// Most rows of the "fix first" list.
pub const FIX_FIRST_ROWS: usize = 10;

/// The exploitation factor of a finding at `t`, a multiplier of its risk points:
/// `2` when KEV-listed (known exploited), else `1 + EPSS score` (1..=2) when scored, else `1`.
pub fn exploitation_factor(f: &Finding, t: DateTime<Utc>) -> f64 {
    if secfw_governance::kev_at(f, t).is_some() {
        2.0
    } else {
        f.epss.as_ref().map_or(1.0, |e| 1.0 + e.score.clamp(0.0, 1.0))
    }
}

/// One row of the "fix first" list.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct FixFirst {
    /// 1-based rank.
    pub rank: usize,
    /// The finding.
    pub finding_id: String,
    /// Its title (one line).
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Its KEV entry, when listed at the evaluation time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kev: Option<KevInfo>,
    /// Its EPSS score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epss: Option<EpssInfo>,
    /// Whole days open (from `first_seen`); `None` when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    /// When remediation is due.
    pub due: Date,
    /// Why it is here, in words.
    pub reason: String,
}

/// The "fix first" list of counted findings (open, not excepted) with their due dates, ordered by KEV
/// listing, then EPSS score (highest first; unscored last), then severity, then age (oldest
/// first), then id; at most [`FIX_FIRST_ROWS`].
pub fn fix_first(findings: &[(&Finding, DateTime<Utc>)], t: DateTime<Utc>) -> Vec<FixFirst> {
    type Row<'a> = (&'a Finding, DateTime<Utc>, Option<&'a KevInfo>, Option<i64>);
    let mut rows: Vec<Row<'_>> = findings
        .iter()
        .map(|(f, due)| {
            let kev = secfw_governance::kev_at(f, t);
            let age = f.first_seen.map(|fs| (t - fs.instant()).num_days().max(0));
            (*f, *due, kev, age)
        })
        .collect();
    rows.sort_by(|a, b| {
        b.2.is_some()
            .cmp(&a.2.is_some())
            .then_with(|| {
                let s = |f: &Finding| f.epss.as_ref().map_or(-1.0, |e| e.score);
                s(b.0).total_cmp(&s(a.0))
            })
            .then_with(|| a.0.severity.cmp(&b.0.severity)) // Critical sorts first
            .then_with(|| b.3.unwrap_or(-1).cmp(&a.3.unwrap_or(-1)))
            .then_with(|| a.0.finding_id.cmp(&b.0.finding_id))
    });
    rows.truncate(FIX_FIRST_ROWS);
    rows.into_iter()
        .enumerate()
        .map(|(i, (f, due, kev, age))| FixFirst {
            rank: i + 1,
            finding_id: f.finding_id.clone(),
            title: f.title.split_whitespace().collect::<Vec<_>>().join(" "),
            severity: f.severity,
            kev: kev.cloned(),
            epss: f.epss.as_deref().cloned(),
            age_days: age,
            due: Date(due.date_naive()),
            reason: reason(f, kev, age, due, t),
        })
        .collect()
}

fn reason(f: &Finding, kev: Option<&KevInfo>, age: Option<i64>, due: DateTime<Utc>, t: DateTime<Utc>) -> String {
    let mut parts = Vec::new();
    if let Some(k) = kev {
        parts.push(format!(
            "known exploited ({} in CISA KEV since {}, due {}{})",
            k.cve,
            k.date_added,
            k.due_date,
            if k.known_ransomware { ", used in ransomware campaigns" } else { "" }
        ));
    }
    if let Some(e) = &f.epss {
        parts.push(format!(
            "EPSS {:.1}% for {} ({:.0}th percentile, {})",
            e.score * 100.0,
            e.cve,
            (e.percentile * 100.0).floor(),
            e.date
        ));
    }
    parts.push(f.severity.as_str().to_owned());
    if let Some(a) = age {
        parts.push(format!("open {a} day(s)"));
    }
    if due < t {
        parts.push(format!("overdue since {}", due.format("%Y-%m-%d")));
    }
    parts.join("; ")
}
