//! `rulebook.yaml`: taxonomy, enforcement rules, thresholds, SLAs, exception policy, targets.
//!
//! Everything but `version` has a documented default, so a minimal rulebook is
//! `version: "1.0.0"`.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::common::Severity;

/// The whole `rulebook.yaml` document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "secfw rulebook.yaml")]
pub struct Rulebook {
    /// Semantic version of the rulebook (sealed into every manifest).
    pub version: String,
    /// Project identifier (used in manifests and digests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Tag taxonomy (default: seed §6.1).
    #[serde(default = "default_taxonomy")]
    pub taxonomy: Vec<TagDef>,
    /// Enforcement rules (default: Critical=0, seed §6.2). One rule or a list.
    #[serde(default = "default_enforcement", deserialize_with = "one_or_many")]
    #[schemars(schema_with = "one_or_many_schema")]
    pub enforcement: Vec<EnforcementRule>,
    /// Gate thresholds.
    #[serde(default)]
    pub gates: GateThresholds,
    /// Remediation SLA in days per severity.
    #[serde(default)]
    pub sla_days: SlaDays,
    /// Exception policy.
    #[serde(default)]
    pub exceptions: ExceptionPolicy,
    /// KPI targets.
    #[serde(default)]
    pub kpi_targets: KpiTargets,
    /// Days after which `security_spec.md` must be reviewed again (default 90, quarterly).
    #[serde(default = "default_review_cycle")]
    pub review_cycle_days: u32,
    /// Scanner outputs ingested during EXECUTED (workspace-relative paths).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scan_inputs: Vec<ScanInput>,
    /// Notification delivery (`secfw notify`); absent: nothing is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Notifications>,
    /// Scanner ignore files compiled from `exceptions.md` (issue 15).
    #[serde(default, skip_serializing_if = "Suppressions::is_empty")]
    pub suppressions: Suppressions,
    /// Exploitation data (KEV, EPSS) freshness policy (`secfw enrich`, docs/prioritisation.md).
    #[serde(default, skip_serializing_if = "IntelPolicy::is_default")]
    pub intel: IntelPolicy,
    /// Baseline gate policy (`secfw gate new --baseline`, docs/gates.md).
    #[serde(default, skip_serializing_if = "BaselinePolicy::is_default")]
    pub baseline: BaselinePolicy,
}

/// `baseline:` of the rulebook: what a baseline may never hide, and what may not get worse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BaselinePolicy {
    /// Findings that fail the baseline gate whatever the baseline says: severities (`critical`,
    /// `high`, `medium`, `low`), `secrets` (CWE-798 or a secret scanner's finding) and `kev`
    /// (listed in CISA KEV). Default: critical, secrets, kev.
    #[serde(default = "default_never_baseline")]
    pub never_baseline: Vec<String>,
    /// Ratchet dimensions that may not get worse than the baseline: `critical`, `high`,
    /// `medium`, `low` (open, unexcepted counts), `risk_score`, or a KPI key (`mttr`, `coverage`,
    /// `scan_rate`, `escape_rate`, `exception_compliance`, `sla_compliance`). Default: the four
    /// severity counts and `risk_score`.
    #[serde(default = "default_ratchet")]
    pub ratchet: Vec<String>,
    /// Make the lifecycle's Critical=0 criterion (PACKAGED, VALIDATED) baseline-aware: its
    /// `block_handoff` rules count only findings that are new or worse than in the last handoff
    /// this workspace sealed (which must verify against the trust policy), plus the
    /// `never_baseline` kinds; a scan that failed or was incomplete since the baseline, or no usable baseline,
    /// fails the criterion. Default false (every counted finding counts).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lifecycle_gates: bool,
}

fn default_never_baseline() -> Vec<String> {
    ["critical", "secrets", "kev"].map(str::to_owned).to_vec()
}

fn default_ratchet() -> Vec<String> {
    ["critical", "high", "medium", "low", "risk_score"].map(str::to_owned).to_vec()
}

impl Default for BaselinePolicy {
    fn default() -> Self {
        Self { never_baseline: default_never_baseline(), ratchet: default_ratchet(), lifecycle_gates: false }
    }
}

impl BaselinePolicy {
    /// `true` when every field has its default.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// `intel:` of the rulebook: how fresh the KEV and EPSS data joined by `secfw enrich` must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IntelPolicy {
    /// Data older than this many days (at `now`) is stale (default 7).
    #[serde(default = "default_stale_days")]
    pub stale_after_days: u32,
    /// Stale or missing-but-expected data is an error (fails the gates) instead of a warning
    /// (default false).
    #[serde(default)]
    pub stale_fails_gate: bool,
}

fn default_stale_days() -> u32 {
    7
}

impl Default for IntelPolicy {
    fn default() -> Self {
        Self { stale_after_days: default_stale_days(), stale_fails_gate: false }
    }
}

impl IntelPolicy {
    /// `true` when every field has its default.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// `suppressions:` of the rulebook: which scanner ignore files `secfw exceptions compile --all`
/// writes from `exceptions.md`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Suppressions {
    /// Formats to compile: `trivy`, `grype`, `osv-scanner`, `cargo-deny`, `cargo-audit`,
    /// `gitleaks` (each written at its default path in the workspace).
    #[serde(default)]
    pub formats: Vec<String>,
    /// Authors whose VEX statements secfw records (compared case-insensitively); statements by
    /// anyone else are reported and left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_vex_authors: Vec<String>,
}

impl Suppressions {
    /// `true` when nothing is configured.
    pub fn is_empty(&self) -> bool {
        self.formats.is_empty() && self.trusted_vex_authors.is_empty()
    }
}

impl Rulebook {
    /// A rulebook with every default and the given version.
    pub fn with_defaults(version: impl Into<String>) -> Self {
        Self {
            version: version.into(),
            project: None,
            taxonomy: default_taxonomy(),
            enforcement: default_enforcement(),
            gates: GateThresholds::default(),
            sla_days: SlaDays::default(),
            exceptions: ExceptionPolicy::default(),
            kpi_targets: KpiTargets::default(),
            review_cycle_days: default_review_cycle(),
            scan_inputs: Vec::new(),
            notifications: None,
            suppressions: Suppressions::default(),
            intel: IntelPolicy::default(),
            baseline: BaselinePolicy::default(),
        }
    }

    /// The taxonomy entry of a tag (case-sensitive, as tags are written).
    pub fn tag(&self, name: &str) -> Option<&TagDef> {
        self.taxonomy.iter().find(|t| t.name == name)
    }
}

fn default_review_cycle() -> u32 {
    90
}

/// A tag of the taxonomy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TagDef {
    /// Tag name as written in artifacts (`PII`).
    pub name: String,
    /// What it means.
    #[serde(default)]
    pub description: String,
    /// Standards it brings in (`GDPR`, `CCPA`).
    #[serde(default)]
    pub compliance_impact: Vec<String>,
}

/// The seed §6.1 taxonomy.
pub fn default_taxonomy() -> Vec<TagDef> {
    let t = |n: &str, d: &str, c: &[&str]| TagDef {
        name: n.to_owned(),
        description: d.to_owned(),
        compliance_impact: c.iter().map(|s| (*s).to_owned()).collect(),
    };
    vec![
        t("PII", "Personal Identifiable Information", &["GDPR", "CCPA"]),
        t("auth", "Authentication/Authorization", &["SOC2"]),
        t("license", "Software licensing", &["Legal"]),
        t("financial", "Financial data", &["PCI-DSS", "SOX"]),
        t("health", "Healthcare information", &["HIPAA"]),
    ]
}

/// An enforcement rule (seed §6.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EnforcementRule {
    /// The count the rule is about.
    pub rule: CountMetric,
    /// The condition that must hold, e.g. `"== 0"`.
    pub condition: Condition,
    /// What happens on violation and on compliance.
    #[serde(default)]
    pub actions: RuleActions,
}

/// The seed §6.2 Critical=0 rule.
pub fn default_enforcement() -> Vec<EnforcementRule> {
    vec![EnforcementRule {
        rule: CountMetric::CriticalFindingsCount,
        condition: Condition { op: CmpOp::Eq, value: 0 },
        actions: RuleActions {
            on_violation: vec![
                Action::BlockHandoff(true),
                Action::Notify(vec!["security-team@company.com".to_owned(), "ciso@company.com".to_owned()]),
                Action::EscalationSla(SlaDuration { amount: 2, unit: DurationUnit::Hours }),
            ],
            on_compliance: vec![Action::ProceedToNextState(true), Action::LogCompliance(true)],
        },
    }]
}

/// Counts an enforcement rule can test. Open findings only; excepted findings are not counted
/// when their exception is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CountMetric {
    /// Open critical findings not covered by a valid exception.
    CriticalFindingsCount,
    /// Open high findings not covered by a valid exception.
    HighFindingsCount,
    /// Open medium findings not covered by a valid exception.
    MediumFindingsCount,
    /// Open low findings not covered by a valid exception.
    LowFindingsCount,
    /// All open findings not covered by a valid exception.
    OpenFindingsCount,
    /// Open findings past their remediation deadline.
    OverdueFindingsCount,
    /// Exceptions past their expiry.
    ExpiredExceptionsCount,
    /// Failed scans in the ledger.
    FailedScansCount,
    /// Open findings listed in the CISA KEV catalog, not covered by a valid exception
    /// (`secfw enrich`; the optional `kev == 0` rule).
    KevFindingsCount,
}

impl CountMetric {
    /// snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CriticalFindingsCount => "critical_findings_count",
            Self::HighFindingsCount => "high_findings_count",
            Self::MediumFindingsCount => "medium_findings_count",
            Self::LowFindingsCount => "low_findings_count",
            Self::OpenFindingsCount => "open_findings_count",
            Self::OverdueFindingsCount => "overdue_findings_count",
            Self::ExpiredExceptionsCount => "expired_exceptions_count",
            Self::FailedScansCount => "failed_scans_count",
            Self::KevFindingsCount => "kev_findings_count",
        }
    }
}

/// A comparison of a count against a number, written `"== 0"`, `"<= 5"`, `"< 3"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Condition {
    /// The comparison.
    pub op: CmpOp,
    /// The right-hand side.
    pub value: u64,
}

/// Comparison operators of a [`Condition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }
}

impl Condition {
    /// Whether `count` satisfies the condition.
    pub fn holds(self, count: u64) -> bool {
        match self.op {
            CmpOp::Eq => count == self.value,
            CmpOp::Ne => count != self.value,
            CmpOp::Lt => count < self.value,
            CmpOp::Le => count <= self.value,
            CmpOp::Gt => count > self.value,
            CmpOp::Ge => count >= self.value,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op.as_str(), self.value)
    }
}

impl FromStr for Condition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let ops = [
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ];
        for (tok, op) in ops {
            if let Some(rest) = t.strip_prefix(tok) {
                let value = rest.trim().parse::<u64>().map_err(|_| {
                    format!("invalid condition `{s}`: `{}` is not a non-negative whole number", rest.trim())
                })?;
                return Ok(Self { op, value });
            }
        }
        Err(format!("invalid condition `{s}`: expected an operator (==, !=, <, <=, >, >=) and a number, e.g. \"== 0\""))
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Condition {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Condition".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^\\s*(==|!=|<=|>=|<|>)\\s*[0-9]+\\s*$", "description": "A comparison such as \"== 0\"." })
    }
}

/// What a rule does on violation and on compliance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct RuleActions {
    /// Actions when the condition does not hold.
    #[serde(default)]
    pub on_violation: Vec<Action>,
    /// Actions when it holds.
    #[serde(default)]
    pub on_compliance: Vec<Action>,
}

/// One action, written as a single-key mapping (`- block_handoff: true`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Refuse the transition to PACKAGED.
    BlockHandoff(bool),
    /// Who to notify (escalation records list them).
    Notify(Vec<String>),
    /// Deadline for the escalation, e.g. `2_hours`.
    EscalationSla(SlaDuration),
    /// Allow the lifecycle to go on.
    ProceedToNextState(bool),
    /// Record compliance in the event log.
    LogCompliance(bool),
}

/// A duration with an explicit unit: `30_minutes`, `2_hours`, `3_days` (no ambiguous `m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SlaDuration {
    /// How many units.
    pub amount: u32,
    /// The unit.
    pub unit: DurationUnit,
}

/// Unit of an [`SlaDuration`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
}

impl SlaDuration {
    /// As a chrono duration.
    pub fn to_duration(self) -> chrono::Duration {
        let n = i64::from(self.amount);
        match self.unit {
            DurationUnit::Minutes => chrono::Duration::minutes(n),
            DurationUnit::Hours => chrono::Duration::hours(n),
            DurationUnit::Days => chrono::Duration::days(n),
        }
    }
}

impl fmt::Display for SlaDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            DurationUnit::Minutes => "minutes",
            DurationUnit::Hours => "hours",
            DurationUnit::Days => "days",
        };
        write!(f, "{}_{unit}", self.amount)
    }
}

impl FromStr for SlaDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let (n, unit) = t
            .split_once(['_', ' '])
            .ok_or_else(|| format!("invalid duration `{s}`: expected e.g. 2_hours, 30_minutes or 3_days"))?;
        let amount = n.parse::<u32>().map_err(|_| format!("invalid duration `{s}`: `{n}` is not a whole number"))?;
        let unit = match unit.trim() {
            "minute" | "minutes" => DurationUnit::Minutes,
            "hour" | "hours" => DurationUnit::Hours,
            "day" | "days" => DurationUnit::Days,
            other => return Err(format!("invalid duration `{s}`: unit `{other}` must be minutes, hours or days")),
        };
        Ok(Self { amount, unit })
    }
}

impl Serialize for SlaDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SlaDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for SlaDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SlaDuration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^[0-9]+[_ ](minute|minutes|hour|hours|day|days)$", "description": "A duration with an explicit unit, e.g. 2_hours." })
    }
}

/// Gate thresholds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GateThresholds {
    /// Minimum policy coverage, percent (default 95).
    #[serde(default = "default_coverage")]
    pub policy_coverage_min: f64,
    /// Scans older than this many days do not count as "this cycle" (default 7).
    #[serde(default = "default_scan_age")]
    pub scan_max_age_days: u32,
}

fn default_coverage() -> f64 {
    95.0
}
fn default_scan_age() -> u32 {
    7
}

impl Default for GateThresholds {
    fn default() -> Self {
        Self { policy_coverage_min: default_coverage(), scan_max_age_days: default_scan_age() }
    }
}

/// Remediation SLA per severity, in days (DefectDojo defaults 7/30/90/120).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SlaDays {
    /// Critical.
    #[serde(default = "sla_critical")]
    pub critical: u32,
    /// High.
    #[serde(default = "sla_high")]
    pub high: u32,
    /// Medium.
    #[serde(default = "sla_medium")]
    pub medium: u32,
    /// Low.
    #[serde(default = "sla_low")]
    pub low: u32,
}

fn sla_critical() -> u32 {
    7
}
fn sla_high() -> u32 {
    30
}
fn sla_medium() -> u32 {
    90
}
fn sla_low() -> u32 {
    120
}

impl Default for SlaDays {
    fn default() -> Self {
        Self { critical: sla_critical(), high: sla_high(), medium: sla_medium(), low: sla_low() }
    }
}

impl SlaDays {
    /// Days allowed for a severity.
    pub fn for_severity(&self, s: Severity) -> u32 {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }
}

/// Exception policy (seed §6.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExceptionPolicy {
    /// Longest validity after approval, in days (default 180).
    #[serde(default = "default_max_days")]
    pub max_days: u32,
    /// Warn this many days before expiry (default 14).
    #[serde(default = "default_warn_days")]
    pub warn_days_before_expiry: u32,
    /// Who may approve.
    #[serde(default)]
    pub approvers: Approvers,
}

fn default_max_days() -> u32 {
    180
}
fn default_warn_days() -> u32 {
    14
}

impl Default for ExceptionPolicy {
    fn default() -> Self {
        Self {
            max_days: default_max_days(),
            warn_days_before_expiry: default_warn_days(),
            approvers: Approvers::default(),
        }
    }
}

/// Approver lists by role. An empty list means "not enforced for that role".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct Approvers {
    /// Security team (required for every exception).
    #[serde(default)]
    pub security_team: Vec<String>,
    /// Risk committee (required for high and critical).
    #[serde(default)]
    pub risk_committee: Vec<String>,
    /// CISO (required for policy deviations).
    #[serde(default)]
    pub ciso: Vec<String>,
}

/// KPI targets (seed §7.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KpiTargets {
    /// MTTR below this many days (default 5).
    #[serde(default = "t_mttr")]
    pub mttr_days: f64,
    /// Policy coverage above this percent (default 95).
    #[serde(default = "t_cov")]
    pub policy_coverage: f64,
    /// Scan success rate above this percent (default 99).
    #[serde(default = "t_scan")]
    pub scan_success_rate: f64,
    /// Escape rate below this percent (default 5).
    #[serde(default = "t_escape")]
    pub escape_rate_max: f64,
    /// Exception compliance percent (default 100).
    #[serde(default = "t_exc")]
    pub exception_compliance: f64,
    /// SLA compliance above this percent (default 90).
    #[serde(default = "t_sla")]
    pub sla_compliance: f64,
}

fn t_mttr() -> f64 {
    5.0
}
fn t_cov() -> f64 {
    95.0
}
fn t_scan() -> f64 {
    99.0
}
fn t_escape() -> f64 {
    5.0
}
fn t_exc() -> f64 {
    100.0
}
fn t_sla() -> f64 {
    90.0
}

impl Default for KpiTargets {
    fn default() -> Self {
        Self {
            mttr_days: t_mttr(),
            policy_coverage: t_cov(),
            scan_success_rate: t_scan(),
            escape_rate_max: t_escape(),
            exception_compliance: t_exc(),
            sla_compliance: t_sla(),
        }
    }
}

/// A scanner output to ingest during EXECUTED.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ScanInput {
    /// Workspace-relative path of the report.
    pub path: String,
    /// Format (`auto`, `sarif`, `trivy`, `grype`, `cargo-audit`, `osv`, `npm-audit`).
    #[serde(default = "default_format")]
    pub format: String,
}

/// Notification delivery (`secfw notify`, see docs/notifications.md).
///
/// A recipient is written `webhook:<name>` (a channel of `webhooks`) or as an e-mail address.
/// Secrets never appear here: webhook URLs (which often embed a token) and bearer tokens are
/// read from the environment variables this section names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct Notifications {
    /// Webhook channels by name.
    #[serde(default)]
    pub webhooks: std::collections::BTreeMap<String, WebhookChannel>,
    /// Who is told about exceptions expiring within `exceptions.warn_days_before_expiry` days,
    /// or expired.
    #[serde(default)]
    pub exception_expiry: Vec<String>,
    /// Who is told about findings past their remediation SLA.
    #[serde(default)]
    pub sla_breach: Vec<String>,
    /// The next level: who is told, once, about an escalation nobody acknowledged
    /// (`secfw escalations ack`) within its `escalation_sla` after it was first notified.
    #[serde(default)]
    pub escalate_to: Vec<String>,
    /// Link (URL) or workspace path of the digest, quoted in every message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_link: Option<String>,
    /// E-mail over SMTP; e-mail-address recipients need it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailChannel>,
}

/// The SMTP channel for e-mail-address recipients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EmailChannel {
    /// The sender address (`From:`).
    pub from: String,
    /// The SMTP server: `smtps://host[:port]` (implicit TLS, port 465) or `smtp://host[:port]`
    /// (STARTTLS required, port 587; plain SMTP only to a loopback relay). The environment
    /// variable `SECFW_SMTP_URL` overrides it for one run.
    pub server: String,
    /// Name of the environment variable holding the SMTP user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_env: Option<String>,
    /// Name of the environment variable holding the SMTP password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// Refused when present: passwords are never read from the workspace (not in the schema).
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub password: Option<String>,
}

/// A webhook channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WebhookChannel {
    /// Body format.
    pub format: WebhookFormat,
    /// Name of the environment variable holding the URL (Slack and Teams URLs are secrets).
    pub url_env: String,
    /// Name of the environment variable holding a bearer token (`Authorization: Bearer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    /// Refused when present: a URL written here would put a secret in the workspace (read so
    /// `secfw notify` can refuse it with its location; not part of the schema).
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub url: Option<String>,
    /// Refused when present, like `url`.
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub token: Option<String>,
}

/// The body a webhook receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `secfw.notify.message/v1` JSON (every field, text and HTML).
    Json,
    /// A Slack incoming-webhook body (`text` in mrkdwn).
    Slack,
    /// A Microsoft Teams incoming-webhook `MessageCard`.
    Teams,
}

impl WebhookFormat {
    /// snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Slack => "slack",
            Self::Teams => "teams",
        }
    }
}

fn default_format() -> String {
    "auto".to_owned()
}

fn one_or_many_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let rule = generator.subschema_for::<EnforcementRule>();
    schemars::json_schema!({
        "description": "One enforcement rule (as seed §6.2 writes it) or a list of rules.",
        "default": default_enforcement(),
        "oneOf": [rule, { "type": "array", "items": rule }]
    })
}

/// Accept either one rule (a mapping, as seed §6.2 writes it) or a list of rules.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<EnforcementRule>, D::Error> {
    use serde::de::{MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<EnforcementRule>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an enforcement rule or a list of enforcement rules")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            EnforcementRule::deserialize(MapAccessDeserializer::new(map)).map(|r| vec![r])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(r) = seq.next_element()? {
                out.push(r);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_and_evaluate() {
        let c: Condition = "== 0".parse().unwrap();
        assert!(c.holds(0) && !c.holds(1));
        assert!("<=5".parse::<Condition>().unwrap().holds(5));
        assert!("= 0".parse::<Condition>().is_err());
        assert!("== -1".parse::<Condition>().is_err());
    }

    #[test]
    fn durations_need_explicit_units() {
        assert_eq!("2_hours".parse::<SlaDuration>().unwrap().to_duration(), chrono::Duration::hours(2));
        assert!("2h".parse::<SlaDuration>().is_err());
        assert!("1_m".parse::<SlaDuration>().is_err());
    }
}
