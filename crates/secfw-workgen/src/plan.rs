//! The shape of a generated workspace: resources, policies, exceptions and scans, and the
//! per-index finding generator that lets the ledger be streamed.
//!
//! Every finding is a pure function of `(seed, index)`, and every cross-reference (resource,
//! policy, exception, scan) is computed from indices, so the ledger never has to be held in
//! memory and the small artifacts agree with it by construction.

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::Severity;
use secfw_artifacts::model::findings::{
    AffectedResource, Category, Evidence, EvidenceKind, Finding, FindingGovernance, FindingSource, FindingStatus,
    Priority, Remediation, ScanRecord, ScanStatus,
};
use secfw_artifacts::{Date, Timestamp};

use crate::Counts;
use crate::rng::SplitMix64;

/// Tag taxonomy of the default rulebook (seed §6.1) with the standards each brings in.
pub(crate) const TAGS: [(&str, &[&str]); 5] = [
    ("PII", &["GDPR", "CCPA"]),
    ("auth", &["SOC2"]),
    ("license", &["Legal"]),
    ("financial", &["PCI-DSS", "SOX"]),
    ("health", &["HIPAA"]),
];

/// Scanners; every resource expects one or two of them.
pub(crate) const TOOLS: [&str; 4] = ["semgrep", "trivy", "checkov", "gitleaks"];

/// Targets per scan record.
pub(crate) const SCAN_BATCH: usize = 100;

const KINDS: [&str; 6] = ["service", "database", "bucket", "repository", "image", "cluster"];
const ENVS: [&str; 3] = ["production", "staging", "development"];

/// Finding templates: (category, title, rule id, cwe, recommended action).
const TEMPLATES: [(Category, &str, &str, &str, &str); 12] = [
    (Category::Vulnerability, "SQL injection in query builder", "sql-injection", "CWE-89", "Use parameterized queries"),
    (Category::Vulnerability, "Reflected cross-site scripting", "xss-reflected", "CWE-79", "Encode output by context"),
    (Category::Vulnerability, "Vulnerable dependency", "vulnerable-dependency", "CWE-1395", "Upgrade the dependency"),
    (
        Category::Vulnerability,
        "Path traversal in file download",
        "path-traversal",
        "CWE-22",
        "Canonicalize and check paths",
    ),
    (Category::Vulnerability, "Hard-coded credential", "hardcoded-secret", "CWE-798", "Move the secret to a vault"),
    (
        Category::Vulnerability,
        "Weak hash for passwords",
        "weak-password-hash",
        "CWE-916",
        "Hash passwords with Argon2id",
    ),
    (Category::Configuration, "Storage not encrypted at rest", "encryption-at-rest", "", "Enable AES-256 encryption"),
    (Category::Configuration, "Public network exposure", "public-ingress", "", "Restrict ingress to known ranges"),
    (Category::Configuration, "TLS 1.0 still enabled", "legacy-tls", "", "Require TLS 1.2 or later"),
    (Category::Compliance, "Audit logging disabled", "audit-logging", "", "Enable audit logging"),
    (Category::Compliance, "Access review overdue", "access-review", "", "Complete the quarterly access review"),
    (Category::Compliance, "Data retention exceeds policy", "data-retention", "", "Apply the retention schedule"),
];

const POLICY_TOPICS: [&str; 10] = [
    "Data Encryption at Rest",
    "Access Control",
    "Secure Software Development",
    "Dependency Management",
    "Network Segmentation",
    "Logging and Monitoring",
    "Secrets Management",
    "Vulnerability Management",
    "Data Retention",
    "Third-Party Risk",
];

// Independent PRNG streams.
const S_FINDING: u64 = 1;
const S_RESOURCE: u64 = 2;
const S_FINGERPRINT: u64 = 3;
const S_SEVERITY: u64 = 4;

/// One inventory resource, as planned.
#[derive(Clone, Debug)]
pub(crate) struct ResourcePlan {
    pub kind: &'static str,
    pub env: &'static str,
    pub owner: u32,
    /// Policy indices (one or two, distinct).
    pub policies: Vec<u32>,
    /// Tool indices (one or two, distinct); the first is the primary scanner.
    pub tools: Vec<usize>,
    /// For each of `tools`, the index of the scan record (of that tool) that covers it.
    pub scan_batches: Vec<usize>,
}

/// Everything but the findings themselves.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub counts: Counts,
    pub seed: u64,
    pub as_of: DateTime<Utc>,
    pub resources: Vec<ResourcePlan>,
    /// Resources covered by each tool, in resource order.
    pub tool_targets: [Vec<u32>; 4],
    /// Number of excepted findings and the stride between them.
    pub excepted: u64,
    pub stride: u64,
    /// Evidence file names (workspace-relative), for findings to reference.
    pub evidence_files: Vec<String>,
    widths: Widths,
}

#[derive(Clone, Copy, Debug)]
struct Widths {
    finding: usize,
    policy: usize,
    control: usize,
    exception: usize,
    resource: usize,
}

fn digits(n: u64) -> usize {
    n.max(1).to_string().len()
}

impl Plan {
    pub(crate) fn new(counts: Counts, seed: u64, as_of: DateTime<Utc>, evidence_files: Vec<String>) -> Self {
        let widths = Widths {
            finding: digits(counts.findings).max(6),
            policy: digits(u64::from(counts.policies)).max(3),
            control: digits(u64::from(counts.controls)).max(3),
            exception: digits(u64::from(counts.exceptions)).max(3),
            resource: digits(u64::from(counts.resources)).max(4),
        };
        let p = u64::from(counts.policies.max(1));
        let mut resources = Vec::with_capacity(counts.resources as usize);
        let mut tool_targets: [Vec<u32>; 4] = Default::default();
        for r in 0..counts.resources {
            let mut g = SplitMix64::for_item(seed, S_RESOURCE, u64::from(r));
            let first = u32::try_from(u64::from(r) % p).unwrap_or(0);
            let mut policies = vec![first];
            if p > 1 && g.chance(50) {
                let second = u32::try_from(g.below(p)).unwrap_or(0);
                if second != first {
                    policies.push(second);
                }
            }
            let primary = (r as usize) % TOOLS.len();
            let mut tools = vec![primary];
            if g.chance(40) {
                tools.push((primary + 1) % TOOLS.len());
            }
            let scan_batches = tools
                .iter()
                .map(|&t| {
                    tool_targets[t].push(r);
                    (tool_targets[t].len() - 1) / SCAN_BATCH
                })
                .collect();
            resources.push(ResourcePlan {
                kind: KINDS[g.index(KINDS.len())],
                env: ENVS[g.index(ENVS.len())],
                owner: u32::try_from(g.below(20)).unwrap_or(0),
                policies,
                tools,
                scan_batches,
            });
        }
        let n = counts.findings;
        let e = u64::from(counts.exceptions);
        let excepted = if e == 0 || counts.resources == 0 { 0 } else { n.min(e.max(n / 20)) };
        let stride = n.checked_div(excepted).unwrap_or(1).max(1);
        Self { counts, seed, as_of, resources, tool_targets, excepted, stride, evidence_files, widths }
    }

    // ---------------------------------------------------------------- identifiers

    pub(crate) fn finding_id(&self, i: u64) -> String {
        format!("FND-{:0w$}", i + 1, w = self.widths.finding)
    }

    pub(crate) fn policy_id(&self, p: u32) -> String {
        format!("POL-{:0w$}", p + 1, w = self.widths.policy)
    }

    pub(crate) fn control_id(&self, c: u32) -> String {
        format!("CTL-{:0w$}", c + 1, w = self.widths.control)
    }

    pub(crate) fn exception_id(&self, e: u32) -> String {
        format!("EXC-{:0w$}", e + 1, w = self.widths.exception)
    }

    pub(crate) fn resource_id(&self, r: u32) -> String {
        format!("res-{:0w$}", r + 1, w = self.widths.resource)
    }

    pub(crate) fn scan_id(tool: usize, batch: usize) -> String {
        format!("scan-{}-{:04}", TOOLS[tool], batch + 1)
    }

    pub(crate) fn policy_title(p: u32) -> String {
        let topic = POLICY_TOPICS[p as usize % POLICY_TOPICS.len()];
        let round = p as usize / POLICY_TOPICS.len();
        if round == 0 { topic.to_owned() } else { format!("{topic} (part {})", round + 1) }
    }

    /// Tags of a policy: one or two taxonomy tags.
    pub(crate) fn policy_tags(p: u32) -> Vec<&'static str> {
        let a = p as usize % TAGS.len();
        let b = (p as usize / TAGS.len()) % TAGS.len();
        if a == b { vec![TAGS[a].0] } else { vec![TAGS[a].0, TAGS[b].0] }
    }

    pub(crate) fn standards_of(tags: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in tags {
            if let Some((_, stds)) = TAGS.iter().find(|(n, _)| n == t) {
                for s in *stds {
                    if !out.iter().any(|o| o == s) {
                        out.push((*s).to_owned());
                    }
                }
            }
        }
        out
    }

    /// Controls of policy `p` as a range of control indices (controls spread evenly).
    pub(crate) fn controls_of(&self, p: u32) -> std::ops::Range<u32> {
        let (c, n) = (u64::from(self.counts.controls), u64::from(self.counts.policies.max(1)));
        let start = u64::from(p) * c / n;
        let end = (u64::from(p) + 1) * c / n;
        u32::try_from(start).unwrap_or(0)..u32::try_from(end).unwrap_or(0)
    }

    // ---------------------------------------------------------------- exceptions

    /// The exception that accepts finding `i`, if any.
    pub(crate) fn exception_of(&self, i: u64) -> Option<u32> {
        if self.excepted == 0 || !i.is_multiple_of(self.stride) || i / self.stride >= self.excepted {
            return None;
        }
        u32::try_from((i / self.stride) % u64::from(self.counts.exceptions)).ok()
    }

    /// The findings exception `e` accepts, in ledger order.
    pub(crate) fn findings_of(&self, e: u32) -> impl Iterator<Item = u64> + '_ {
        let step = u64::from(self.counts.exceptions.max(1));
        (u64::from(e)..self.excepted).step_by(usize::try_from(step).unwrap_or(1)).map(|j| j * self.stride)
    }

    /// The resource all findings of exception `e` affect.
    pub(crate) fn exception_resource(&self, e: u32) -> u32 {
        e % self.counts.resources.max(1)
    }

    /// The policy exception `e` excepts (the resource's first policy).
    pub(crate) fn exception_policy(&self, e: u32) -> u32 {
        self.resources.get(self.exception_resource(e) as usize).map_or(0, |r| r.policies[0])
    }

    // ---------------------------------------------------------------- findings

    /// Severity of finding `i` (its own stream, so exceptions can compute it cheaply).
    pub(crate) fn severity_of(&self, i: u64) -> Severity {
        match SplitMix64::for_item(self.seed, S_SEVERITY, i).below(100) {
            0..5 => Severity::Critical,
            5..25 => Severity::High,
            25..65 => Severity::Medium,
            _ => Severity::Low,
        }
    }

    fn cycle_start(&self) -> DateTime<Utc> {
        self.as_of - Duration::days(1)
    }

    /// Finding `i` of the ledger.
    pub(crate) fn finding(&self, i: u64) -> Finding {
        let mut g = SplitMix64::for_item(self.seed, S_FINDING, i);
        let exc = self.exception_of(i);
        let r = match exc {
            Some(e) => self.exception_resource(e),
            None => u32::try_from(g.below(u64::from(self.counts.resources))).unwrap_or(0),
        };
        let res = &self.resources[r as usize];
        let policy = match exc {
            Some(e) => self.exception_policy(e),
            None => res.policies[g.index(res.policies.len())],
        };
        let severity = self.severity_of(i);
        let (category, title, rule, cwe, action) = TEMPLATES[g.index(TEMPLATES.len())];
        // The draws from `g` happen in this order (the output depends on it).
        let status = finding_status(exc.is_some(), severity, &mut g);
        let first_seen = self.first_seen(&mut g);
        let deadline = Date((first_seen + Duration::days(sla_days(severity))).date_naive());
        let (last_seen, resolved_at) = self.last_seen_or_resolved(status, first_seen, &mut g);
        let tool = res.tools[0];
        let location = match category {
            Category::Vulnerability => format!("src/module_{}/handler.rs", g.below(400)),
            Category::Configuration => format!("deploy/{}/main.tf", res.kind),
            Category::Compliance => format!("controls/{}", self.policy_id(policy)),
        };
        let cvss = (category == Category::Vulnerability).then(|| cvss_score(severity, &mut g));
        let cve = if rule == "vulnerable-dependency" {
            vec![format!("CVE-{}-{}", 2019 + g.below(7), 10_000 + g.below(40_000))]
        } else {
            Vec::new()
        };
        let evidence = self.evidence(&mut g);
        let detected_in = match g.below(100) {
            0..3 => "production",
            3..30 => "staging",
            _ => "ci",
        };
        let tags = Plan::policy_tags(policy);
        let mut fp = SplitMix64::for_item(self.seed, S_FINGERPRINT, i);
        Finding {
            finding_id: self.finding_id(i),
            severity,
            category,
            title: title.to_owned(),
            description: format!("Reported by {} ({rule}).", TOOLS[tool]),
            affected_resources: vec![AffectedResource {
                resource_id: self.resource_id(r),
                resource_type: res.kind.to_owned(),
                location,
            }],
            remediation: Remediation {
                recommended_action: action.to_owned(),
                priority: priority_of(severity),
                deadline: Timestamp::Date(deadline),
            },
            evidence,
            governance: FindingGovernance {
                compliance_standards: Self::standards_of(&tags),
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                exception_ref: exc.map(|e| self.exception_id(e)),
                policy_refs: vec![self.policy_id(policy)],
            },
            status,
            first_seen: Some(Timestamp::DateTime(first_seen)),
            last_seen,
            resolved_at,
            detected_in: Some(detected_in.to_owned()),
            source: Some(FindingSource {
                tool: TOOLS[tool].to_owned(),
                rule_id: Some(rule.to_owned()),
                scan_id: Some(Plan::scan_id(tool, res.scan_batches[0])),
            }),
            fingerprint: Some(format!("secfw/v1:{:016x}{:016x}", fp.next_u64(), fp.next_u64())),
            cvss,
            cwe: if cwe.is_empty() { Vec::new() } else { vec![cwe.to_owned()] },
            cve,
            supersedes: None,
            kev: None,
            epss: None,
        }
    }

    /// Seen first 2..=90 days before the cycle's scans, on the hour.
    fn first_seen(&self, g: &mut SplitMix64) -> DateTime<Utc> {
        self.cycle_start() - Duration::days(2 + i64::try_from(g.below(89)).unwrap_or(0))
            + Duration::hours(i64::try_from(g.below(24)).unwrap_or(0))
    }

    /// `(last_seen, resolved_at)`: a resolved finding was fixed between first seen and the
    /// cycle's scans; any other was last seen by them.
    fn last_seen_or_resolved(
        &self,
        status: FindingStatus,
        first_seen: DateTime<Utc>,
        g: &mut SplitMix64,
    ) -> (Option<Timestamp>, Option<Timestamp>) {
        match status {
            FindingStatus::Resolved => {
                let span = (self.cycle_start() - first_seen).num_hours().max(2);
                let fixed =
                    first_seen + Duration::hours(1 + i64::try_from(g.below(span.unsigned_abs() - 1)).unwrap_or(0));
                (None, Some(Timestamp::DateTime(fixed)))
            }
            _ => (Some(Timestamp::DateTime(self.cycle_start())), None),
        }
    }

    /// One evidence file for one finding in ten (when the workspace has evidence files).
    fn evidence(&self, g: &mut SplitMix64) -> Vec<Evidence> {
        if !self.evidence_files.is_empty() && g.chance(10) {
            let file = &self.evidence_files[g.index(self.evidence_files.len())];
            vec![Evidence { kind: EvidenceKind::ScanResult, data: serde_json::json!({ "file": file }).into() }]
        } else {
            Vec::new()
        }
    }

    // ---------------------------------------------------------------- scans

    /// Every scan record: each tool's targets in batches of [`SCAN_BATCH`], all successful.
    pub(crate) fn scans(&self) -> Vec<ScanRecord> {
        let mut out = Vec::new();
        let start = self.cycle_start();
        for (t, targets) in self.tool_targets.iter().enumerate() {
            for (b, chunk) in targets.chunks(SCAN_BATCH).enumerate() {
                let started = start + Duration::minutes(i64::try_from(t * 60 + b).unwrap_or(0));
                out.push(ScanRecord {
                    scan_id: Plan::scan_id(t, b),
                    tool: TOOLS[t].to_owned(),
                    tool_version: Some("1.0.0".to_owned()),
                    targets: chunk.iter().map(|&r| self.resource_id(r)).collect(),
                    started_at: Timestamp::DateTime(started),
                    finished_at: Some(Timestamp::DateTime(started + Duration::seconds(45))),
                    status: ScanStatus::Success,
                    error: None,
                    report: None,
                    incomplete: std::collections::BTreeMap::new(),
                });
            }
        }
        out
    }
}

/// A finding's status: open when excepted, resolved when critical (Critical=0 holds), else
/// 60 % open, 35 % resolved, 5 % false positive.
fn finding_status(excepted: bool, severity: Severity, g: &mut SplitMix64) -> FindingStatus {
    if excepted {
        FindingStatus::Open
    } else if severity == Severity::Critical {
        FindingStatus::Resolved
    } else {
        match g.below(100) {
            0..60 => FindingStatus::Open,
            60..95 => FindingStatus::Resolved,
            _ => FindingStatus::FalsePositive,
        }
    }
}

/// The remediation SLA of a severity, days.
fn sla_days(severity: Severity) -> i64 {
    match severity {
        Severity::Critical => 7,
        Severity::High => 30,
        Severity::Medium => 90,
        Severity::Low => 120,
    }
}

/// The remediation priority of a severity.
fn priority_of(severity: Severity) -> Priority {
    match severity {
        Severity::Critical => Priority::P0,
        Severity::High => Priority::P1,
        Severity::Medium => Priority::P2,
        Severity::Low => Priority::P3,
    }
}

/// A CVSS score in the band of a severity (one decimal).
fn cvss_score(severity: Severity, g: &mut SplitMix64) -> f64 {
    let (lo, span) = match severity {
        Severity::Critical => (90, 11),
        Severity::High => (70, 20),
        Severity::Medium => (40, 30),
        Severity::Low => (1, 39),
    };
    f64::from(u32::try_from(lo + g.below(span)).unwrap_or(0)) / 10.0
}
