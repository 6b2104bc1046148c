//! Types of `digest.json` (seed §7.2).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::sha256::Sha256Digest;

/// The whole `digest.json` document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "secfw digest.json")]
pub struct DigestJson {
    /// The period the digest covers.
    pub period: Period,
    /// Headline numbers.
    pub summary: DigestSummary,
    /// KPIs by name (`mttr`, `coverage`, `scan_rate`, ...).
    pub kpis: BTreeMap<String, DigestKpi>,
    /// Actions by state.
    pub actions: DigestActions,
    /// Cycle id (extension; matches `.secfw/history/<cycle>.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<String>,
    /// Project (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The `now` the digest was computed at, RFC 3339 (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// Finding counts (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<DigestFindings>,
    /// Status per compliance standard (extension): `compliant`, `gaps` or `at_risk`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub compliance: BTreeMap<String, String>,
    /// The Security & Compliance Specification at generation time (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<DigestSpec>,
    /// Escalations: open, acknowledged, overdue, time to acknowledge (extension; present when
    /// the digest was generated with the notification ledger and the event log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalations: Option<DigestEscalations>,
    /// Freshness of each exploitation data source, KEV and EPSS (extension; present once the
    /// ledger was enriched by `secfw enrich`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intel: Vec<DigestIntel>,
    /// The "fix first" table: open, unexcepted findings ordered by (KEV, EPSS, severity, age)
    /// with the reason per row (extension; present once the ledger was enriched).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fix_first: Vec<DigestFixFirst>,
}

/// Escalations of the digest (extension).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DigestEscalations {
    /// Not acknowledged, within their `escalation_sla`.
    pub open: u64,
    /// Acknowledged.
    pub acknowledged: u64,
    /// Not acknowledged, past their `escalation_sla` (or re-notified to the next level).
    pub overdue: u64,
    /// Median time to acknowledge, hours (nearest rank; see docs/notifications.md).
    pub median_hours_to_acknowledge: Option<f64>,
    /// 90th percentile time to acknowledge, hours (nearest rank).
    pub p90_hours_to_acknowledge: Option<f64>,
    /// Escalations in the time-to-acknowledge sample.
    pub sample: u64,
    /// Every escalation: overdue, then open, then acknowledged.
    pub items: Vec<DigestEscalation>,
}

/// One escalation of the digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DigestEscalation {
    /// `ESC-<12 hex>`.
    pub id: String,
    /// `open`, `acknowledged` or `overdue`.
    pub state: String,
    /// The enforcement rule, when the violation still stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The condition that does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// The observed count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// First notified, RFC 3339.
    pub notified_at: String,
    /// Acknowledge by (first notified + `escalation_sla`), RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Who acknowledged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
    /// When, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<String>,
    /// Hours from first notification to acknowledgement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_to_acknowledge: Option<f64>,
    /// When the next level was told it was not acknowledged, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renotified_at: Option<String>,
}

/// One exploitation data source in the digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DigestIntel {
    /// `kev` or `epss`.
    pub source: String,
    /// Whether the findings were enriched with it.
    pub checked: bool,
    /// When `secfw enrich` joined it, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
    /// The data date, YYYY-MM-DD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_date: Option<String>,
    /// Whole days from the data date to the digest's evaluation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    /// Older than the rulebook's `intel.stale_after_days`.
    pub stale: bool,
    /// The sealed copy (workspace-relative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// SHA-256 of the sealed copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Sha256Digest>,
}

/// One row of the "fix first" table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DigestFixFirst {
    /// 1-based rank.
    pub rank: u64,
    /// The finding.
    pub finding_id: String,
    /// Its title.
    pub title: String,
    /// Its severity.
    pub severity: String,
    /// Listed in CISA KEV.
    pub kev: bool,
    /// The KEV due date, YYYY-MM-DD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev_due: Option<String>,
    /// KEV says known ransomware use.
    #[serde(default)]
    pub known_ransomware: bool,
    /// EPSS score 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<f64>,
    /// EPSS percentile 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss_percentile: Option<f64>,
    /// Whole days open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    /// Due date, YYYY-MM-DD.
    pub due: String,
    /// Why it is ranked here.
    pub reason: String,
}

/// Finding counts of the digest (extension).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct DigestFindings {
    /// First seen in the period.
    pub new: u64,
    /// Resolved in the period.
    pub resolved: u64,
    /// Open at the period end and first seen before it.
    pub carry_forward: u64,
    /// Open at the period end (including excepted).
    pub open: u64,
    /// Open and covered by a valid exception.
    pub excepted: u64,
    /// Open past the SLA deadline.
    pub overdue: u64,
    /// Open, not excepted, by severity.
    pub open_by_severity: BTreeMap<String, u64>,
}

/// `spec:` of the digest: the state of `security_spec.md`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DigestSpec {
    /// Title.
    pub title: String,
    /// Owner.
    pub owner: String,
    /// draft | approved | deprecated.
    pub status: String,
    /// `last_updated` as written.
    pub last_updated: String,
    /// When the next review is due (last_updated + the rulebook's review cycle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_due: Option<String>,
    /// The review is overdue.
    pub review_overdue: bool,
    /// `secfw spec lint` errors.
    pub lint_errors: u64,
    /// `secfw spec lint` warnings.
    pub lint_warnings: u64,
}

/// A period, start and end inclusive, RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Period {
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
}

/// `summary:` of the digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DigestSummary {
    /// Risk score 0..=100 (formula in docs/metrics.md).
    pub risk_score: f64,
    /// Open critical findings.
    pub critical_findings: u64,
    /// Overall direction against the previous cycle.
    pub trend: OverallTrend,
}

/// Overall direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OverallTrend {
    /// Risk went down.
    Improving,
    /// No material change (or no history).
    Stable,
    /// Risk went up.
    Degrading,
}

/// One KPI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DigestKpi {
    /// The value; `null` when not computable ("n/a").
    pub value: Option<f64>,
    /// `↑`, `↓` or `→` against the previous snapshot; `→` when there is none.
    pub trend: String,
    /// The previous snapshot's value (extension; absent: no trend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<f64>,
    /// `value - previous` (extension; absent: no trend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<f64>,
    /// The target as text, e.g. `< 5 days` (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `met`, `missed`, `n/a` or `no target` (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Unit: `days`, `percent` or `score` (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The formula (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    /// The inputs, as counts (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<String>,
}

/// `actions:` of the digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct DigestActions {
    /// Done this cycle.
    pub completed: Vec<String>,
    /// Still to do.
    pub pending: Vec<String>,
    /// Blocked (with the reason).
    pub blocked: Vec<String>,
}
