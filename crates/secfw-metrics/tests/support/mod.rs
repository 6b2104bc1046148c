//! A small workspace whose KPIs are computed by hand in `kpis.rs`.
#![allow(dead_code)]

use std::path::Path;

pub(crate) const RULEBOOK: &str = "version: \"1.0.0\"\nproject: fixture\n";

pub(crate) const INVENTORY: &str = r#"version: "1.0"
resources:
  - id: r1
    type: service
    owner: team-a
    expected_scanners: [semgrep, trivy]
    policies: [POL-001]
  - id: r2
    type: service
    owner: team-a
    expected_scanners: [trivy]
    policies: [POL-999]
  - id: r3
    type: database
    owner: team-b
    policies: []
  - id: r4
    type: bucket
    owner: team-b
    policies: [POL-002]
"#;

pub(crate) const POLICY_MAP: &str = "# Security Policy Map\n\n## Policy Catalog\n\n### POL-001: Encryption\n- **Severity**: Critical\n- **Scope**: storage\n\n### POL-002: Access\n- **Severity**: High\n- **Scope**: services\n";

pub(crate) const EXCEPTIONS: &str = "# Security Exception Registry\n\n## Active Exceptions\n\n### EXC-001: Valid one\n- **Justification**: needed\n- **Risk Assessment**: low\n- **Policy**: POL-001\n- **Requestor**: alice\n- **Approval**: bob\n- **Approved On**: 2026-11-01\n- **Valid Until**: 2027-01-31\n- **Risk Mitigation**: network isolation\n\n### EXC-002: Expired one\n- **Justification**: needed\n- **Risk Assessment**: low\n- **Policy**: POL-001\n- **Requestor**: alice\n- **Approval**: bob\n- **Approved On**: 2026-10-01\n- **Valid Until**: 2026-11-20\n- **Risk Mitigation**: monitoring\n\n### EXC-003: Self-approved\n- **Justification**: needed\n- **Risk Assessment**: low\n- **Policy**: POL-002\n- **Requestor**: carol\n- **Approval**: carol\n- **Approved On**: 2026-11-01\n- **Valid Until**: 2027-01-31\n- **Risk Mitigation**: monitoring\n\n## Expired Exceptions\n\n### EXC-004: Archived\n- **Policy**: POL-002\n- **Requestor**: dave\n- **Approval**: bob\n- **Valid Until**: 2026-01-31\n- **Risk Mitigation**: none left\n";

fn finding(id: &str, sev: &str, deadline: &str, extra: &str) -> String {
    format!(
        "  - finding_id: {id}\n    severity: {sev}\n    category: vulnerability\n    title: \"Finding {id}\"\n    description: d\n    affected_resources:\n      - resource_id: r1\n        resource_type: service\n        location: src/x.rs\n    remediation:\n      recommended_action: fix {id}\n      priority: P1\n      deadline: \"{deadline}\"\n{extra}"
    )
}

/// The findings ledger. Period of the tests: [2026-11-17, 2026-11-24).
pub(crate) fn findings() -> String {
    let mut s = String::from(
        "version: \"1.0\"\nmetadata:\n  scan_id: fixture\n  timestamp: \"2026-11-23T00:00:00Z\"\n  lifecycle_state: VALIDATED\nfindings:\n",
    );
    // F1 critical: seen 11-10, resolved 11-18 (8 days), SLA 7 days -> due 11-17: late.
    s += &finding(
        "SF-1",
        "critical",
        "2026-12-31",
        "    governance:\n      compliance_standards: [PCI-DSS]\n    status: resolved\n    first_seen: \"2026-11-10T00:00:00Z\"\n    resolved_at: \"2026-11-18T00:00:00Z\"\n",
    );
    // F2 high: seen 11-17 (in period, new, production), resolved 11-19 (2 days), due 12-17.
    s += &finding(
        "SF-2",
        "high",
        "2026-12-31",
        "    governance: {}\n    status: resolved\n    first_seen: \"2026-11-17T00:00:00Z\"\n    resolved_at: \"2026-11-19T00:00:00Z\"\n    detected_in: production\n",
    );
    // F3 high: resolved 11-16, before the period: not counted.
    s += &finding(
        "SF-3",
        "high",
        "2026-12-31",
        "    governance: {}\n    status: resolved\n    first_seen: \"2026-11-12T00:00:00Z\"\n    resolved_at: \"2026-11-16T00:00:00Z\"\n",
    );
    // F4 medium: seen 11-01, resolved 11-21 12:00 (20.5 days), due 2027-01-30: within.
    s += &finding(
        "SF-4",
        "medium",
        "2027-01-31",
        "    governance: {}\n    status: resolved\n    first_seen: \"2026-11-01T00:00:00Z\"\n    resolved_at: \"2026-11-21T12:00:00Z\"\n",
    );
    // F5 low: new (11-20), open, staging, ISO27001.
    s += &finding(
        "SF-5",
        "low",
        "2027-01-31",
        "    governance:\n      compliance_standards: [ISO27001]\n    first_seen: \"2026-11-20T00:00:00Z\"\n    detected_in: staging\n",
    );
    // F6 high: open since 10-01, deadline 10-31: overdue; SOC2.
    s += &finding(
        "SF-6",
        "high",
        "2026-10-31",
        "    governance:\n      compliance_standards: [SOC2]\n    first_seen: \"2026-10-01T00:00:00Z\"\n",
    );
    // F7 medium: open since 11-05, excepted by the valid EXC-001; tag PII -> GDPR, CCPA.
    s += &finding(
        "SF-7",
        "medium",
        "2027-03-01",
        "    governance:\n      tags: [PII]\n      exception_ref: EXC-001\n      policy_refs: [POL-001]\n    first_seen: \"2026-11-05T00:00:00Z\"\n",
    );
    // F8 critical: accepted without an exception, so it still counts (governance); new (11-22),
    // production; due min(12-31, 11-22 + 7 d = 11-29): not overdue at 11-24.
    s += &finding(
        "SF-8",
        "critical",
        "2026-12-31",
        "    governance: {}\n    status: accepted\n    first_seen: \"2026-11-22T00:00:00Z\"\n    detected_in: production\n",
    );
    // F9 medium: resolved 11-20 without first_seen: out of MTTR (MT0001); due 12-01: within.
    s += &finding(
        "SF-9",
        "medium",
        "2026-12-01",
        "    governance: {}\n    status: resolved\n    resolved_at: \"2026-11-20T00:00:00Z\"\n",
    );
    // F10 low: new (11-23), open, names the expired EXC-002: not excepted.
    s += &finding(
        "SF-10",
        "low",
        "2027-02-28",
        "    governance:\n      exception_ref: EXC-002\n      policy_refs: [POL-001]\n    first_seen: \"2026-11-23T00:00:00Z\"\n",
    );
    s += "scans:\n";
    s += "  - scan_id: S1\n    tool: semgrep\n    targets: [r1]\n    started_at: \"2026-11-18T00:00:00Z\"\n    status: success\n";
    s += "  - scan_id: S2\n    tool: trivy\n    targets: [r1, r2]\n    started_at: \"2026-11-19T00:00:00Z\"\n    status: failure\n    error: registry timeout\n";
    s += "  - scan_id: S3\n    tool: trivy\n    targets: [r2]\n    started_at: \"2026-11-10T00:00:00Z\"\n    status: success\n";
    s
}

/// Write the fixture workspace into `dir`.
pub(crate) fn write(dir: &Path) {
    std::fs::write(dir.join("rulebook.yaml"), RULEBOOK).unwrap();
    std::fs::write(dir.join("inventory.yaml"), INVENTORY).unwrap();
    std::fs::write(dir.join("policy_map.md"), POLICY_MAP).unwrap();
    std::fs::write(dir.join("exceptions.md"), EXCEPTIONS).unwrap();
    std::fs::write(dir.join("sec_findings.yaml"), findings()).unwrap();
}
