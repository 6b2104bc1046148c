//! Shared fixtures: a small workspace written into a temp dir, and a scripted HTTP server.
#![allow(dead_code, unreachable_pub, clippy::missing_panics_doc)]

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
}

pub const RULEBOOK: &str = r#"version: "1.0.0"
sla_days: { critical: 7, high: 30, medium: 90, low: 180 }
exceptions:
  approvers:
    security_team: [sec@example.com]
    risk_committee: [risk@example.com]
"#;

/// One finding as YAML (indented for the `findings:` list).
pub fn finding(id: &str, severity: &str, status: &str, fingerprint: Option<&str>, extra: &str) -> String {
    let fp = fingerprint.map(|f| format!("    fingerprint: \"{f}\"\n")).unwrap_or_default();
    let resolved = if status == "resolved" { "    resolved_at: \"2025-02-20T00:00:00Z\"\n" } else { "" };
    format!(
        r#"  - finding_id: {id}
    severity: {severity}
    category: vulnerability
    title: "Finding {id}"
    description: "Description of {id}"
    affected_resources:
      - resource_id: api
        resource_type: service
        location: "src/{id}.rs"
    remediation:
      recommended_action: "Fix {id}"
      priority: P1
      deadline: "2025-06-30"
    governance:
      tags: [auth]
      policy_refs: [POL-001]
{extra}    status: {status}
    first_seen: "2025-02-01T00:00:00Z"
{resolved}{fp}"#
    )
}

pub fn findings_yaml(findings: &[String]) -> String {
    let mut s = String::from(
        "version: \"1.0\"\nmetadata:\n  scan_id: s1\n  timestamp: \"2025-03-01T00:00:00Z\"\n  lifecycle_state: PLANNED\nfindings:\n",
    );
    for f in findings {
        s.push_str(f);
    }
    s
}

pub const EXCEPTIONS_EMPTY: &str = "# Security Exception Registry\n\n## Active Exceptions\n";

pub fn exception(id: &str, approval: &str, severity: &str, findings: &str) -> String {
    format!(
        "### {id}: Accepted risk {id}\n- **Policy**: POL-001\n- **Severity**: {severity}\n- **Findings**: {findings}\n- **Requestor**: dev@example.com\n- **Approval**: {approval}\n- **Approved On**: 2025-02-01\n- **Valid Until**: 2025-05-31\n- **Justification**: Needed for the launch.\n- **Risk Assessment**: Low likelihood, medium impact.\n- **Risk Mitigation**:\n  - WAF rule in front of the endpoint\n"
    )
}

/// Write a workspace: rulebook, findings, exceptions (other artifacts absent: not needed).
pub fn workspace(dir: &Path, findings: &[String], exceptions: &str) {
    std::fs::write(dir.join("rulebook.yaml"), RULEBOOK).unwrap();
    std::fs::write(dir.join("sec_findings.yaml"), findings_yaml(findings)).unwrap();
    std::fs::write(dir.join("exceptions.md"), exceptions).unwrap();
}

pub fn load(dir: &Path) -> secfw_artifacts::LoadedWorkspace {
    secfw_artifacts::load(dir, &secfw_artifacts::LoadOptions::default()).unwrap()
}

#[allow(unused_imports)] // plan.rs does not use the server
pub use secfw_testkit::http::{Received, Server, Step};
