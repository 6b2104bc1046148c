//! `sec_findings.yaml`: the findings ledger and scan records (seed §2.1, extended).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{Date, LifecycleState, Severity, Timestamp};
pub use super::evidence::{EvidenceData, ScanResultEvidence};
use crate::sha256::Sha256Digest;

/// The whole `sec_findings.yaml` document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "secfw sec_findings.yaml")]
pub struct FindingsFile {
    /// Format version of the ledger, `"1.0"`.
    pub version: String,
    /// Ledger metadata.
    pub metadata: FindingsMetadata,
    /// The findings, in ledger order.
    #[serde(default, deserialize_with = "presized_findings")]
    pub findings: Vec<Finding>,
    /// Scan records: every scanner run that fed this ledger (extension; defaults to none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scans: Vec<ScanRecord>,
}

thread_local! {
    /// How many findings the ledger being parsed on this thread is expected to hold
    /// ([`with_findings_hint`]); taken (reset to 0) by the first findings sequence read.
    static FINDINGS_HINT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Run `parse` (which deserializes one ledger on this thread) with the findings vector
/// reserved for `hint` findings up front. A 100k-finding vector otherwise grows by doubling,
/// copying ~600-byte findings each time and leaving a quarter of its last allocation unused.
/// The hint only sizes the allocation: a wrong one costs one reallocation, never a different
/// value.
pub(crate) fn with_findings_hint<R>(hint: usize, parse: impl FnOnce() -> R) -> R {
    FINDINGS_HINT.with(|h| h.set(hint));
    let r = parse();
    FINDINGS_HINT.with(|h| h.set(0));
    r
}

/// `Vec<Finding>` as serde reads it, reserved for the hint of [`with_findings_hint`].
fn presized_findings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Finding>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<Finding>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Finding>, A::Error> {
            let hint = FINDINGS_HINT.with(|h| h.replace(0));
            let mut v = Vec::new();
            // Fallible: a hint the allocator cannot meet is ignored, never an abort.
            let _ = v.try_reserve_exact(hint);
            while let Some(x) = seq.next_element()? {
                v.push(x);
            }
            if hint > 0 && v.capacity() - v.len() > v.len() / 8 {
                v.shrink_to_fit();
            }
            Ok(v)
        }
    }
    d.deserialize_seq(V)
}

/// A list read without slack where most lists are short: nothing is allocated for an empty
/// list (most findings have `evidence: []`), one slot for one element, and the usual growth
/// beyond. Same errors as `Vec`'s own reader ("expected a sequence").
fn slack_free<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let Some(first) = seq.next_element()? else {
                return Ok(Vec::new());
            };
            let mut v = Vec::with_capacity(1);
            v.push(first);
            while let Some(x) = seq.next_element()? {
                v.push(x);
            }
            Ok(v)
        }
    }
    d.deserialize_seq(V(std::marker::PhantomData))
}

impl FindingsFile {
    /// The ledger in JSON syntax, one finding and one scan record per line (compact JSON,
    /// valid YAML 1.2, the layout `secfw-workgen --json` writes): diffs show one line per
    /// changed finding, and the file is about a third smaller than pretty-printed JSON, so
    /// writing, reading and hashing it is faster. Serializes exactly what `serde_json` writes
    /// for the whole value, with line breaks between the elements of `findings` and `scans`.
    ///
    /// # Errors
    ///
    /// When `serde_json` cannot serialize a value.
    pub fn to_json_lines(&self) -> Result<String, serde_json::Error> {
        // Exhaustive: a new field fails to compile here instead of being left out.
        let Self { version, metadata, findings, scans } = self;
        let mut out = Vec::with_capacity(findings.len().saturating_mul(768).saturating_add(4096));
        out.extend_from_slice(b"{\"version\":");
        serde_json::to_writer(&mut out, version)?;
        out.extend_from_slice(b",\"metadata\":");
        serde_json::to_writer(&mut out, metadata)?;
        out.extend_from_slice(b",\"findings\":");
        json_lines_array(&mut out, findings)?;
        if !scans.is_empty() {
            out.extend_from_slice(b",\"scans\":");
            json_lines_array(&mut out, scans)?;
        }
        out.extend_from_slice(b"}\n");
        String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
    }
}

fn json_lines_array<T: Serialize>(out: &mut Vec<u8>, items: &[T]) -> Result<(), serde_json::Error> {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        serde_json::to_writer(&mut *out, item)?;
    }
    if !items.is_empty() {
        out.push(b'\n');
    }
    out.push(b']');
    Ok(())
}

/// `metadata:` of the ledger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingsMetadata {
    /// Identifier of the scan (or cycle) that produced this ledger.
    pub scan_id: String,
    /// When the ledger was last written.
    pub timestamp: Timestamp,
    /// The lifecycle state the ledger belongs to.
    pub lifecycle_state: LifecycleState,
    /// Governance tags that apply to the whole ledger.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Project identifier (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The exploitation data (CISA KEV, FIRST EPSS) the findings were enriched with by
    /// `secfw enrich` (extension; absent: never enriched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intel: Option<IntelSources>,
}

/// `metadata.intel:` which dated, sealed data files `secfw enrich` joined to the findings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IntelSources {
    /// The CISA Known Exploited Vulnerabilities catalog, when one was joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<IntelSource>,
    /// The FIRST EPSS scores, when they were joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<IntelSource>,
}

/// One exploitation data file as joined: where it is sealed, its digest and its date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IntelSource {
    /// Workspace-relative path of the stored copy under `evidence/intel/` (sealed with the
    /// workspace).
    pub path: String,
    /// SHA-256 of the file's bytes (64 lower-case hex; anything else is a located `SF0110`).
    pub sha256: Sha256Digest,
    /// The data date: KEV `dateReleased`, EPSS `score_date` (UTC day).
    pub data_date: Date,
    /// The producer's version: KEV `catalogVersion`, EPSS `model_version`.
    pub version: String,
    /// Entries in the file (vulnerabilities, scored CVEs).
    pub entries: u64,
    /// The `now` of the `secfw enrich` run that joined it.
    pub checked_at: Timestamp,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Ledger identifier; never reused.
    pub finding_id: String,
    /// Severity.
    pub severity: Severity,
    /// Category.
    pub category: Category,
    /// Short title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Resources the finding affects.
    pub affected_resources: Vec<AffectedResource>,
    /// How and by when to fix it.
    pub remediation: Remediation,
    /// Evidence items.
    #[serde(default, deserialize_with = "slack_free")]
    pub evidence: Vec<Evidence>,
    /// Governance tags, compliance standards, exception and policy references.
    pub governance: FindingGovernance,
    /// Status (extension; default `open`).
    #[serde(default, skip_serializing_if = "FindingStatus::is_open")]
    pub status: FindingStatus,
    /// When the finding was first seen (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<Timestamp>,
    /// When it was last seen by a scan (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Timestamp>,
    /// When it was resolved (extension; required when `status: resolved`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
    /// Environment it was detected in, e.g. `production` (extension; feeds the escape rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected_in: Option<String>,
    /// Which tool, rule and scan reported it (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<FindingSource>,
    /// Stable, versioned identity (`secfw/v1:<hex>`); never contains line numbers or times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// CVSS base score, 0.0..=10.0 (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<f64>,
    /// CWE identifiers such as `CWE-79` (extension).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe: Vec<String>,
    /// CVE (or GHSA, RUSTSEC, OSV) identifiers (extension).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cve: Vec<String>,
    /// The id of an earlier, resolved finding this one re-opens (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// Listed in the CISA Known Exploited Vulnerabilities catalog (extension; written by
    /// `secfw enrich`, never part of the finding's identity).
    // Boxed: most findings have none, and an absent entry then takes one word of the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<Box<KevInfo>>,
    /// FIRST EPSS exploitation probability (extension; written by `secfw enrich`; orders work,
    /// never excepts a finding).
    // Boxed, as `kev` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<Box<EpssInfo>>,
}

/// `kev:` of a finding: its CISA KEV catalog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KevInfo {
    /// The CVE that is listed.
    pub cve: String,
    /// When CISA added it to the catalog (`dateAdded`).
    pub date_added: Date,
    /// When the required action is due (`dueDate`); caps the finding's SLA deadline.
    pub due_date: Date,
    /// `knownRansomwareCampaignUse` is `Known`.
    #[serde(default)]
    pub known_ransomware: bool,
}

/// `epss:` of a finding: its FIRST EPSS score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EpssInfo {
    /// The CVE the score is for (the highest-scored one when a finding names several).
    pub cve: String,
    /// Probability of exploitation activity in the next 30 days, 0..=1.
    pub score: f64,
    /// Percentile of the score among all scored CVEs, 0..=1.
    pub percentile: f64,
    /// The `score_date` of the EPSS file.
    pub date: Date,
}

impl Finding {
    /// `true` while the finding still needs work (open; not resolved, accepted or a false positive).
    pub fn is_open(&self) -> bool {
        self.status == FindingStatus::Open
    }

    /// When remediation is due: the earliest of `remediation.deadline` (a date means the end of
    /// that day), `first_seen` + the rulebook's SLA days for the finding's severity and, for a
    /// KEV-listed finding, the end of the KEV due date (UTC). The one SLA rule: governance
    /// (overdue findings, Critical=0), metrics (SLA compliance) and tickets all use it.
    pub fn sla_due(&self, rulebook: &super::rulebook::Rulebook) -> chrono::DateTime<chrono::Utc> {
        let mut due = self.remediation.deadline.deadline();
        if let Some(fs) = self.first_seen {
            let days = i64::from(rulebook.sla_days.for_severity(self.severity));
            due = due.min(super::common::add_saturating(fs.instant(), chrono::Duration::days(days)));
        }
        if let Some(k) = &self.kev {
            due = due.min(k.due_date.end_of_day());
        }
        due
    }
}

/// Category of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// A software or infrastructure vulnerability.
    Vulnerability,
    /// A gap against a compliance requirement.
    Compliance,
    /// A misconfiguration.
    Configuration,
}

impl Category {
    /// Lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Vulnerability => "vulnerability",
            Self::Compliance => "compliance",
            Self::Configuration => "configuration",
        }
    }
}

/// Status of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// Needs remediation.
    #[default]
    Open,
    /// Fixed (`resolved_at` says when).
    Resolved,
    /// Risk accepted (normally through an exception).
    Accepted,
    /// Not a real problem.
    FalsePositive,
}

impl FindingStatus {
    /// `true` for [`FindingStatus::Open`].
    pub fn is_open(&self) -> bool {
        *self == Self::Open
    }

    /// snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
            Self::Accepted => "accepted",
            Self::FalsePositive => "false_positive",
        }
    }
}

impl fmt::Display for FindingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource a finding affects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AffectedResource {
    /// Resource id; matches an `inventory.yaml` id when the resource is in scope.
    pub resource_id: String,
    /// Kind of resource (service, database, repository, image, ...).
    pub resource_type: String,
    /// Where in the resource (file path, URL, package, ...).
    pub location: String,
}

/// `remediation:` of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Remediation {
    /// What to do.
    pub recommended_action: String,
    /// P0 (now) .. P3 (eventually).
    pub priority: Priority,
    /// When it must be done by.
    pub deadline: Timestamp,
}

/// Remediation priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub enum Priority {
    /// Immediately.
    P0,
    /// This sprint.
    P1,
    /// Planned.
    P2,
    /// Backlog.
    P3,
}

/// One evidence item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// Kind of evidence.
    #[serde(rename = "type")]
    pub kind: EvidenceKind,
    /// Free-form evidence data (the seed's `<object>`); duplicate keys are refused.
    pub data: EvidenceData,
}

/// Kind of evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// Output of a scanner.
    ScanResult,
    /// A log line.
    LogEntry,
    /// A configuration snapshot.
    ConfigSnapshot,
}

/// `governance:` of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct FindingGovernance {
    /// Governance tags (from the rulebook's taxonomy).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Compliance standards affected (SOC2, ISO27001, ...).
    #[serde(default)]
    pub compliance_standards: Vec<String>,
    /// The exception (`EXC-NNN`) that accepts this finding, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception_ref: Option<String>,
    /// Policies (`POL-NNN`) this finding violates (extension; needed for orphan detection).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_refs: Vec<String>,
}

/// `source:` of a finding: where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FindingSource {
    /// Tool name (semgrep, trivy, ...), or `manual`.
    pub tool: String,
    /// The tool's rule id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// The scan record that last reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_id: Option<String>,
}

/// One scanner run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ScanRecord {
    /// Unique scan id.
    pub scan_id: String,
    /// Tool name.
    pub tool: String,
    /// Tool version, when the producer says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_version: Option<String>,
    /// Inventory resource ids (or paths, images) the scan covered.
    #[serde(default)]
    pub targets: Vec<String>,
    /// When the scan started.
    pub started_at: Timestamp,
    /// When it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    /// Whether the scan ran to completion.
    pub status: ScanStatus,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The report file it was ingested from (workspace-relative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// Classes of finding (`vulnerability`, `license`, `secret`, `misconfiguration`, `rules`)
    /// in which this scan is incomplete, with the reason (an item was skipped, results were
    /// not determined). A scan that completed can still be incomplete in a class: it resolves
    /// nothing of that class, and a baseline comparison treats its scope as unknown.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub incomplete: std::collections::BTreeMap<String, String>,
}

impl ScanRecord {
    /// Whether the scan did not see everything it set out to see: it failed, or it is
    /// incomplete in at least one class.
    #[must_use]
    pub fn scope_unknown(&self) -> bool {
        self.status == ScanStatus::Failure || !self.incomplete.is_empty()
    }
}

/// Outcome of a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScanStatus {
    /// Ran to completion.
    Success,
    /// Did not complete; gates treat the targets as unscanned.
    Failure,
}

#[cfg(test)]
mod sla_tests {
    use super::*;
    use crate::model::rulebook::Rulebook;

    fn finding(yaml_first_seen: Option<&str>, deadline: &str, severity: Severity) -> Finding {
        let mut v = serde_json::json!({
            "finding_id": "F-1", "title": "t", "description": "d", "severity": severity.as_str(),
            "category": "vulnerability", "affected_resources": [],
            "remediation": {"recommended_action": "fix", "priority": "P1", "deadline": deadline},
            "governance": {"tags": []}
        });
        if let Some(fs) = yaml_first_seen {
            v["first_seen"] = serde_json::json!(fs);
        }
        serde_json::from_value(v).expect("a finding")
    }

    #[test]
    fn sla_due_is_the_earlier_of_the_deadline_and_first_seen_plus_the_sla() {
        let rb = Rulebook::with_defaults("1.0");
        let critical = rb.sla_days.for_severity(Severity::Critical);
        // No first_seen: the deadline's end of day.
        let f = finding(None, "2026-12-31", Severity::Critical);
        assert_eq!(f.sla_due(&rb), "2026-12-31T23:59:59.999999999Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap());
        // first_seen + SLA earlier than the deadline wins.
        let f = finding(Some("2026-11-01"), "2026-12-31", Severity::Critical);
        let expected = "2026-11-01T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap()
            + chrono::Duration::days(i64::from(critical));
        assert_eq!(f.sla_due(&rb), expected.min(f.remediation.deadline.deadline()));
        // A deadline earlier than the SLA wins.
        let f = finding(Some("2026-11-01"), "2026-11-02", Severity::Low);
        assert_eq!(f.sla_due(&rb), f.remediation.deadline.deadline());
    }
}
