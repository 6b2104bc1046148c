//! Fixtures in the real formats, written by the tests.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use chrono::{DateTime, TimeZone as _, Utc};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap()
}

/// A KEV catalog in CISA's format (every field of the schema; values as CISA writes them).
pub fn kev_json(released: &str, entries: &[(&str, &str, &str, &str)]) -> String {
    let vulns: Vec<serde_json::Value> = entries
        .iter()
        .map(|(cve, added, due, ransomware)| {
            serde_json::json!({
                "cveID": cve,
                "vendorProject": "Apache",
                "product": "Log4j2",
                "vulnerabilityName": "Apache Log4j2 Remote Code Execution Vulnerability",
                "dateAdded": added,
                "shortDescription": "Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints, allowing for remote code execution.",
                "requiredAction": "For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks.",
                "dueDate": due,
                "knownRansomwareCampaignUse": ransomware,
                "notes": "https://logging.apache.org/log4j/2.x/security.html; https://nvd.nist.gov/vuln/detail/CVE-2021-44228",
                "cwes": ["CWE-20", "CWE-400", "CWE-502"]
            })
        })
        .collect();
    let doc = serde_json::json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": released.replace('-', ".").get(..10).unwrap_or("2026.12.01"),
        "dateReleased": format!("{released}T15:00:01.7193Z"),
        "count": entries.len(),
        "vulnerabilities": vulns
    });
    serde_json::to_string_pretty(&doc).unwrap()
}

pub fn kev_default() -> String {
    kev_json(
        "2026-12-01",
        &[
            ("CVE-2021-44228", "2021-12-10", "2021-12-24", "Known"),
            ("CVE-2023-38545", "2026-11-20", "2026-12-11", "Unknown"),
        ],
    )
}

/// EPSS scores in FIRST's CSV format.
pub fn epss_csv(date: &str, rows: &[(&str, &str, &str)]) -> String {
    let mut s = format!("#model_version:v2025.03.14,score_date:{date}T12:55:00Z\ncve,epss,percentile\n");
    for (c, e, p) in rows {
        s.push_str(c);
        s.push(',');
        s.push_str(e);
        s.push(',');
        s.push_str(p);
        s.push('\n');
    }
    s
}

pub fn epss_default() -> String {
    epss_csv(
        "2026-12-05",
        &[
            ("CVE-1999-0001", "0.01141", "0.77780"),
            ("CVE-2021-44228", "0.94358", "0.99957"),
            ("CVE-2023-38545", "0.27316", "0.96665"),
            ("CVE-2024-3094", "0.85011", "0.99411"),
        ],
    )
}

pub fn gzip(b: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

pub fn finding_yaml(id: &str, sev: &str, cves: &[&str], first_seen: &str) -> String {
    let hex: String = id.bytes().flat_map(|b| [hexdigit(b >> 4), hexdigit(b & 15)]).collect();
    let fp = format!("{hex:0>64}");
    let cves = cves.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    format!(
        r#"  - finding_id: {id}
    severity: {sev}
    category: vulnerability
    title: "Finding {id}"
    description: "d"
    affected_resources:
      - resource_id: app
        resource_type: service
        location: "app/Cargo.lock"
    remediation:
      recommended_action: "upgrade"
      priority: P1
      deadline: "2027-06-01"
    governance:
      tags: []
      compliance_standards: []
    first_seen: "{first_seen}"
    fingerprint: "secfw/v1:{fp}"
    cve: [{cves}]
"#,
    )
}

pub fn ledger(findings: &[String]) -> String {
    let mut s = String::from(
        "version: \"1.0\"\nmetadata:\n  scan_id: \"s1\"\n  timestamp: \"2026-12-01T00:00:00Z\"\n  lifecycle_state: EXECUTED\n  tags: []\nfindings:\n",
    );
    for f in findings {
        s.push_str(f);
    }
    s
}

pub fn workspace(dir: &Path) {
    let f = vec![
        finding_yaml("SF-0001", "high", &["CVE-2021-44228"], "2026-11-01T00:00:00Z"),
        finding_yaml("SF-0002", "medium", &["cve-2023-38545", "CVE-2024-3094"], "2026-11-25T00:00:00Z"),
        finding_yaml("SF-0003", "low", &["GHSA-xxxx-yyyy-zzzz"], "2026-11-25T00:00:00Z"),
    ];
    std::fs::write(dir.join("sec_findings.yaml"), ledger(&f)).unwrap();
    std::fs::write(dir.join("rulebook.yaml"), "version: \"1.0.0\"\nproject: p\n").unwrap();
}

fn hexdigit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap()
}
