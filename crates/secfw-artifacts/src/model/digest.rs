//! Types of `digest.json` (seed §7.2).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
