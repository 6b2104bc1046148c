//! KPI values, targets, statuses and trends.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The KPIs secfw computes, in display order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KpiId {
    /// Mean time to remediate, days.
    Mttr,
    /// Policy coverage, percent of inventory resources.
    #[serde(rename = "coverage")]
    PolicyCoverage,
    /// Scan success rate, percent.
    #[serde(rename = "scan_rate")]
    ScanSuccessRate,
    /// Finding escape rate, percent.
    EscapeRate,
    /// Exception compliance, percent.
    ExceptionCompliance,
    /// SLA compliance, percent.
    SlaCompliance,
    /// Risk score, 0..=100.
    RiskScore,
    /// Time to acknowledge an escalation, hours (median).
    #[serde(rename = "time_to_acknowledge")]
    TimeToAcknowledge,
}

impl KpiId {
    /// Every KPI, in display order.
    pub const ALL: [Self; 8] = [
        Self::Mttr,
        Self::PolicyCoverage,
        Self::ScanSuccessRate,
        Self::EscapeRate,
        Self::ExceptionCompliance,
        Self::SlaCompliance,
        Self::RiskScore,
        Self::TimeToAcknowledge,
    ];

    /// The key used in `digest.json` and history snapshots (`mttr`, `coverage`, `scan_rate`, ...).
    pub const fn key(self) -> &'static str {
        match self {
            Self::Mttr => "mttr",
            Self::PolicyCoverage => "coverage",
            Self::ScanSuccessRate => "scan_rate",
            Self::EscapeRate => "escape_rate",
            Self::ExceptionCompliance => "exception_compliance",
            Self::SlaCompliance => "sla_compliance",
            Self::RiskScore => "risk_score",
            Self::TimeToAcknowledge => "time_to_acknowledge",
        }
    }

    /// The KPI with this key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    /// Human name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Mttr => "Mean Time to Remediate (MTTR)",
            Self::PolicyCoverage => "Policy Coverage",
            Self::ScanSuccessRate => "Scan Success Rate",
            Self::EscapeRate => "Finding Escape Rate",
            Self::ExceptionCompliance => "Exception Compliance",
            Self::SlaCompliance => "SLA Compliance",
            Self::RiskScore => "Risk Score",
            Self::TimeToAcknowledge => "Time to Acknowledge (escalations)",
        }
    }

    /// Unit of the value.
    pub const fn unit(self) -> Unit {
        match self {
            Self::Mttr => Unit::Days,
            Self::RiskScore => Unit::Score,
            Self::TimeToAcknowledge => Unit::Hours,
            _ => Unit::Percent,
        }
    }

    /// Which way is better.
    pub const fn direction(self) -> Direction {
        match self {
            Self::Mttr | Self::EscapeRate | Self::RiskScore | Self::TimeToAcknowledge => Direction::LowerIsBetter,
            _ => Direction::HigherIsBetter,
        }
    }

    /// The published formula.
    pub const fn formula(self) -> &'static str {
        match self {
            Self::Mttr => "mean(resolved_at - first_seen) in days over findings resolved in the period",
            Self::PolicyCoverage => {
                "resources with at least one policy defined in policy_map.md / all inventory resources x 100"
            }
            Self::ScanSuccessRate => {
                "expected (resource, scanner) pairs with a successful scan in the period / all expected pairs x 100; \
                 without expected scanners: successful scans / all scans in the period x 100"
            }
            Self::EscapeRate => {
                "findings first seen in the period and detected in production / all findings first seen in the period x 100"
            }
            Self::ExceptionCompliance => "valid exceptions / all active (non-archived) exceptions x 100",
            Self::SlaCompliance => {
                "findings resolved in the period within their SLA deadline / all findings resolved in the period x 100"
            }
            Self::RiskScore => {
                "100 x R / (R + 50), R = sum over open findings of weight(severity) x factor; weights critical 10, \
                 high 5, medium 3, low 1; factor 0.5 under a valid exception, else 2 past the due date, else 1"
            }
            Self::TimeToAcknowledge => {
                "median (nearest rank) in hours of: acknowledged_at - first notified, over escalations acknowledged in \
                 the period; and as_of - first notified, over escalations still unacknowledged (p90 reported with it)"
            }
        }
    }
}

impl fmt::Display for KpiId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Unit of a KPI value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Unit {
    /// Days.
    Days,
    /// Percent, 0..=100.
    Percent,
    /// A score, 0..=100.
    Score,
    /// Hours.
    Hours,
}

impl Unit {
    /// Format a value in this unit (`4.2 days`, `94.0%`, `72.0/100`); `n/a` for none.
    pub fn format(self, value: Option<f64>) -> String {
        match value {
            None => "n/a".to_owned(),
            Some(v) => match self {
                Self::Days => format!("{v:.1} days"),
                Self::Percent => format!("{v:.1}%"),
                Self::Score => format!("{v:.1}/100"),
                Self::Hours => format!("{v:.1} hours"),
            },
        }
    }

    /// snake_case name, as serialized (`days`, `percent`, `score`, `hours`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Days => "days",
            Self::Percent => "percent",
            Self::Score => "score",
            Self::Hours => "hours",
        }
    }

    /// Short suffix (`d`, `%`, ``).
    pub const fn suffix(self) -> &'static str {
        match self {
            Self::Days => " days",
            Self::Percent => "%",
            Self::Score => "",
            Self::Hours => " hours",
        }
    }
}

/// Which way a KPI improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Bigger values are better (coverage).
    HigherIsBetter,
    /// Smaller values are better (MTTR, risk).
    LowerIsBetter,
}

/// A target: a comparison the value must satisfy.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Target {
    /// The comparison.
    pub op: TargetOp,
    /// The threshold (in the KPI's unit).
    pub value: f64,
}

/// Comparison of a [`Target`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub enum TargetOp {
    /// Strictly below.
    #[serde(rename = "<")]
    Below,
    /// At most.
    #[serde(rename = "<=")]
    AtMost,
    /// At least.
    #[serde(rename = ">=")]
    AtLeast,
}

impl Target {
    /// The target `op value` (e.g. `AtLeast`, `95.0`).
    pub const fn new(op: TargetOp, value: f64) -> Self {
        Self { op, value }
    }

    /// Whether `v` meets the target.
    pub fn met_by(self, v: f64) -> bool {
        match self.op {
            TargetOp::Below => v < self.value,
            TargetOp::AtMost => v <= self.value,
            TargetOp::AtLeast => v >= self.value,
        }
    }

    /// The target as text in a unit, e.g. `< 5 days`, `>= 95%`.
    pub fn display(self, unit: Unit) -> String {
        let op = match self.op {
            TargetOp::Below => "<",
            TargetOp::AtMost => "≤",
            TargetOp::AtLeast => "≥",
        };
        format!("{op} {}{}", trim_num(self.value), unit.suffix())
    }
}

/// A number without needless decimals (`5`, `99.5`).
pub fn trim_num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_owned() } else { s.to_owned() }
}

/// Whether a KPI meets its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KpiStatus {
    /// The value meets the target.
    Met,
    /// The value misses the target, or the KPI cannot be computed where that is a failure
    /// (coverage with no resources).
    Missed,
    /// The KPI cannot be computed and that is not a failure (e.g. MTTR with nothing resolved).
    NotAvailable,
    /// The KPI has no target (the risk score: lower is better).
    #[serde(rename = "no_target")]
    NoTarget,
}

impl KpiStatus {
    /// Lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Missed => "missed",
            Self::NotAvailable => "n/a",
            Self::NoTarget => "no target",
        }
    }
}

/// One KPI result: value, target, status, and how it was computed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Kpi {
    /// Which KPI.
    pub id: KpiId,
    /// The value, rounded to two decimals; `None` is "n/a".
    pub value: Option<f64>,
    /// Unit.
    pub unit: Unit,
    /// Target from the rulebook (`kpi_targets`).
    pub target: Option<Target>,
    /// Whether the target is met.
    pub status: KpiStatus,
    /// The formula.
    pub formula: String,
    /// The inputs as counts, e.g. `47 of 50 resources`.
    pub inputs: String,
    /// Why the value is n/a, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Kpi {
    /// A KPI from its value; the status follows from the target, and `n/a` is
    /// [`KpiStatus::NotAvailable`] unless `na_fails`.
    pub fn new(id: KpiId, value: Option<f64>, target: Option<Target>, inputs: String, na_fails: bool) -> Self {
        let value = value.map(round2);
        let status = match (value, target) {
            (None, _) if na_fails => KpiStatus::Missed,
            (None, _) => KpiStatus::NotAvailable,
            (Some(v), Some(t)) if !t.met_by(v) => KpiStatus::Missed,
            (Some(_), Some(_)) => KpiStatus::Met,
            (Some(_), None) => KpiStatus::NoTarget,
        };
        Self { id, value, unit: id.unit(), target, status, formula: id.formula().to_owned(), inputs, note: None }
    }

    /// The same KPI with a note.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The value formatted in its unit.
    pub fn display_value(&self) -> String {
        self.unit.format(self.value)
    }

    /// The target formatted in its unit (`—` without a target).
    pub fn display_target(&self) -> String {
        self.target.map_or_else(|| "—".to_owned(), |t| t.display(self.unit))
    }
}

/// Round to two decimals (half away from zero), so values serialize as people write them.
pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Arrow of a trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub enum Arrow {
    /// The value went up.
    #[serde(rename = "↑")]
    Up,
    /// The value went down.
    #[serde(rename = "↓")]
    Down,
    /// Unchanged, or no trend.
    #[serde(rename = "→")]
    Flat,
}

impl Arrow {
    /// The arrow character.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Up => "↑",
            Self::Down => "↓",
            Self::Flat => "→",
        }
    }
}

/// What a change means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// Better than the previous snapshot.
    Improved,
    /// Worse than the previous snapshot.
    Worsened,
    /// The same (to two decimals).
    Unchanged,
    /// No previous snapshot, or the value is n/a now or then.
    NoTrend,
}

/// A KPI's change against the previous snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Trend {
    /// The previous value (None: no previous snapshot or it was n/a).
    pub previous: Option<f64>,
    /// current - previous, rounded to two decimals.
    pub delta: Option<f64>,
    /// ↑ ↓ →.
    pub arrow: Arrow,
    /// Better, worse, same, or no trend.
    pub verdict: Verdict,
}

impl Trend {
    /// No trend (no history, or n/a on either side).
    pub const NONE: Self = Self { previous: None, delta: None, arrow: Arrow::Flat, verdict: Verdict::NoTrend };

    /// The trend from `previous` to `current` for a KPI improving in `dir`.
    pub fn between(current: Option<f64>, previous: Option<f64>, dir: Direction) -> Self {
        let (Some(c), Some(p)) = (current, previous) else {
            return Self { previous, ..Self::NONE };
        };
        let delta = round2(c - p);
        let (arrow, verdict) = if delta.abs() < 0.005 {
            (Arrow::Flat, Verdict::Unchanged)
        } else {
            let up = delta > 0.0;
            let better = up == (dir == Direction::HigherIsBetter);
            (if up { Arrow::Up } else { Arrow::Down }, if better { Verdict::Improved } else { Verdict::Worsened })
        };
        Self { previous: Some(p), delta: Some(if delta == 0.0 { 0.0 } else { delta }), arrow, verdict }
    }

    /// Text for reports: `↑ 3.0`, `→`, `no trend`.
    pub fn display(&self, unit: Unit) -> String {
        match (self.verdict, self.delta) {
            (Verdict::NoTrend, _) | (_, None) => "no trend".to_owned(),
            (Verdict::Unchanged, _) => "→".to_owned(),
            (_, Some(d)) => {
                let sign = if d > 0.0 { "+" } else { "−" };
                let num = trim_num(d.abs());
                let u = match unit {
                    Unit::Days => " d",
                    Unit::Percent => " pp",
                    Unit::Score => "",
                    Unit::Hours => " h",
                };
                format!("{} {sign}{num}{u}", self.arrow.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trends_follow_the_direction_of_improvement() {
        let t = Trend::between(Some(4.0), Some(5.5), Direction::LowerIsBetter);
        assert_eq!((t.arrow, t.verdict, t.delta), (Arrow::Down, Verdict::Improved, Some(-1.5)));
        let t = Trend::between(Some(90.0), Some(95.0), Direction::HigherIsBetter);
        assert_eq!((t.arrow, t.verdict), (Arrow::Down, Verdict::Worsened));
        assert_eq!(Trend::between(Some(1.0), Some(1.0), Direction::HigherIsBetter).verdict, Verdict::Unchanged);
        assert_eq!(Trend::between(None, Some(1.0), Direction::HigherIsBetter).verdict, Verdict::NoTrend);
        assert_eq!(Trend::NONE.display(Unit::Days), "no trend");
        assert_eq!(t.display(Unit::Percent), "↓ −5 pp");
    }

    #[test]
    fn targets_and_status() {
        let t = Target { op: TargetOp::Below, value: 5.0 };
        assert!(t.met_by(4.99) && !t.met_by(5.0));
        assert_eq!(t.display(Unit::Days), "< 5 days");
        let k = Kpi::new(KpiId::PolicyCoverage, None, None, String::new(), true);
        assert_eq!(k.status, KpiStatus::Missed);
        let k = Kpi::new(KpiId::Mttr, None, Some(t), String::new(), false);
        assert_eq!((k.status, k.display_value()), (KpiStatus::NotAvailable, "n/a".to_owned()));
    }
}
