//! Shared fixtures: a workspace with notifications configured, written into a temp dir.
#![allow(dead_code, unreachable_pub, clippy::missing_panics_doc)]

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
#[allow(unused_imports)] // not every test file uses the server
pub use secfw_testkit::http::{Received, Server, Step};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
}

/// Critical=0 notifies the JSON and Slack webhooks and an e-mail address; expiry and SLA
/// breaches go to the Teams webhook.
pub const RULEBOOK: &str = r#"version: "1.0.0"
sla_days: { critical: 7, high: 30, medium: 90, low: 180 }
enforcement:
  rule: critical_findings_count
  condition: "== 0"
  actions:
    on_violation:
      - block_handoff: true
      - notify: [webhook:sec, webhook:chat, security-team@company.com]
      - escalation_sla: 2_hours
exceptions:
  warn_days_before_expiry: 14
  approvers:
    security_team: [sec@example.com]
notifications:
  digest_link: https://intranet.example.com/secfw/digest.html
  webhooks:
    sec: { format: json, url_env: SECFW_TEST_SEC_URL, token_env: SECFW_TEST_SEC_TOKEN }
    chat: { format: slack, url_env: SECFW_TEST_CHAT_URL }
    teams: { format: teams, url_env: SECFW_TEST_TEAMS_URL }
  exception_expiry: [webhook:teams]
  sla_breach: [webhook:teams]
"#;

pub fn finding(id: &str, severity: &str, extra: &str) -> String {
    format!(
        r#"  - finding_id: {id}
    severity: {severity}
    category: vulnerability
    title: "Finding {id}"
    description: "Description of {id}"
    affected_resources:
      - resource_id: api
        resource_type: service
        location: "src/{id}.rs:10"
    remediation:
      recommended_action: "Fix {id}"
      priority: P1
      deadline: "2025-06-30"
    governance:
      tags: [auth]
      policy_refs: [POL-001]
{extra}    status: open
    first_seen: "2025-02-01T00:00:00Z"
"#
    )
}

/// Two open criticals (F-001 overdue: first seen 2025-02-01, SLA 7 days), one medium covered
/// by EXC-001 which expires on 2025-03-10 (9 days after `now`).
pub fn findings_yaml() -> String {
    let mut s = String::from(
        "version: \"1.0\"\nmetadata:\n  scan_id: s1\n  timestamp: \"2025-03-01T00:00:00Z\"\n  lifecycle_state: PLANNED\nfindings:\n",
    );
    s.push_str(&finding("F-001", "critical", ""));
    s.push_str(&finding("F-002", "critical", ""));
    s.push_str(&finding("F-003", "medium", "      exception_ref: EXC-001\n"));
    s
}

pub const EXCEPTIONS: &str = "# Security Exception Registry\n\n## Active Exceptions\n\n### EXC-001: Accepted risk\n- **Policy**: POL-001\n- **Severity**: medium\n- **Findings**: F-003\n- **Requestor**: dev@example.com\n- **Approval**: sec@example.com\n- **Approved On**: 2025-02-01\n- **Valid Until**: 2025-03-10\n- **Justification**: Needed for the launch.\n- **Risk Assessment**: Low likelihood, medium impact.\n- **Risk Mitigation**:\n  - WAF rule in front of the endpoint\n";

pub fn workspace(dir: &Path, rulebook: &str) {
    std::fs::write(dir.join("rulebook.yaml"), rulebook).unwrap();
    std::fs::write(dir.join("sec_findings.yaml"), findings_yaml()).unwrap();
    std::fs::write(dir.join("exceptions.md"), EXCEPTIONS).unwrap();
}

pub fn load(dir: &Path) -> secfw_artifacts::LoadedWorkspace {
    secfw_artifacts::load(dir, &secfw_artifacts::LoadOptions::default()).unwrap()
}

/// An environment where every channel points at `url`.
pub fn env_all(url: &str) -> impl Fn(&str) -> Option<String> + use<> {
    let url = url.to_owned();
    move |k: &str| match k {
        "SECFW_TEST_SEC_URL" | "SECFW_TEST_CHAT_URL" | "SECFW_TEST_TEAMS_URL" => Some(url.clone()),
        "SECFW_TEST_SEC_TOKEN" => Some("s3cr3t-token".to_owned()),
        _ => None,
    }
}

pub fn fast() -> secfw_tickets::http::ApplyOptions {
    secfw_tickets::http::ApplyOptions::default()
        .max_attempts(4)
        .backoff(Duration::from_millis(10), Duration::from_millis(40))
        .timeout(Duration::from_millis(1500))
}

pub fn lock(dir: &Path) -> secfw_artifacts::WorkspaceLock {
    secfw_artifacts::WorkspaceLock::acquire(dir, Duration::from_secs(30)).unwrap()
}

/// No escalation acknowledged.
pub fn no_acks() -> std::collections::BTreeSet<String> {
    std::collections::BTreeSet::new()
}
