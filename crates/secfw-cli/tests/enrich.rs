//! `secfw enrich` on a copy of the example workspace, then `secfw digest` and `secfw metrics`:
//! KEV / EPSS in the ledger, the "fix first" table, freshness, and refusals.

mod common;

use common::{example_copy as example, run_in as run};

const NOW: &str = "2026-11-24T12:00:00Z";

/// CISA's format; CVE-2023-44487 (HTTP/2 Rapid Reset) is a real KEV entry (added 2023-10-10).
const KEV: &str = r#"{
    "title": "CISA Catalog of Known Exploited Vulnerabilities",
    "catalogVersion": "2026.11.20",
    "dateReleased": "2026-11-20T17:01:43.5513Z",
    "count": 1,
    "vulnerabilities": [
        {
            "cveID": "CVE-2023-44487",
            "vendorProject": "IETF",
            "product": "HTTP\/2",
            "vulnerabilityName": "HTTP\/2 Rapid Reset Attack Vulnerability",
            "dateAdded": "2023-10-10",
            "shortDescription": "HTTP\/2 contains a rapid reset vulnerability that allows for a distributed denial-of-service attack (DDoS).",
            "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
            "dueDate": "2023-10-31",
            "knownRansomwareCampaignUse": "Unknown",
            "notes": "https:\/\/www.cisa.gov\/news-events\/alerts\/2023\/10\/10\/http2-rapid-reset-vulnerability-cve-2023-44487; https:\/\/nvd.nist.gov\/vuln\/detail\/CVE-2023-44487",
            "cwes": ["CWE-400"]
        }
    ]
}"#;

const EPSS: &str = "#model_version:v2025.03.14,score_date:2026-11-23T12:55:00Z
cve,epss,percentile
CVE-2011-3374,0.00443,0.62570
CVE-2023-44487,0.94427,0.99977
CVE-2023-5678,0.50021,0.97712
";

#[test]
fn enrich_then_digest_shows_fix_first_and_freshness() {
    let d = example();
    let inputs = tempfile::tempdir().unwrap();
    let kev = inputs.path().join("known_exploited_vulnerabilities.json");
    let epss = inputs.path().join("epss_scores-2026-11-23.csv");
    std::fs::write(&kev, KEV).unwrap();
    std::fs::write(&epss, EPSS).unwrap();
    let (code, out, err) =
        run(&["enrich", "--kev", kev.to_str().unwrap(), "--epss", epss.to_str().unwrap(), "--now", NOW], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 KEV-listed, 3 EPSS-scored"), "{out}");
    let ledger = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
    assert!(ledger.contains("due_date: 2023-10-31") || ledger.contains("due_date: \"2023-10-31\""), "{ledger}");

    let (code, _, err) = run(&["digest", "--now", NOW], d.path());
    assert_eq!(code, 0, "{err}");
    let md = std::fs::read_to_string(d.path().join("digest.md")).unwrap();
    let table = md.split("### Fix first").nth(1).expect("a fix-first section").split("###").next().unwrap();
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| #")).collect();
    assert!(rows[0].starts_with("| 1 | SF-0004"), "KEV first:\n{table}");
    assert!(rows[0].contains("known exploited (CVE-2023-44487 in CISA KEV since 2023-10-10, due 2023-10-31)"));
    assert!(rows[0].contains("overdue since 2023-10-31"), "the KEV due date caps the SLA:\n{}", rows[0]);
    assert!(rows[1].starts_with("| 2 | SF-0019") && rows[1].contains("EPSS 50.0%"), "then EPSS:\n{table}");
    assert!(rows[2].starts_with("| 3 | SF-0024"), "a scored low before unscored highs:\n{table}");
    assert!(rows[3].contains("| high |"), "then severity:\n{table}");
    assert!(table.contains("KEV dated 2026-11-20 (4 day(s) old); EPSS dated 2026-11-23 (1 day(s) old)"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("digest.json")).unwrap()).unwrap();
    assert_eq!(json["fix_first"][0]["finding_id"], "SF-0004");
    assert_eq!(json["fix_first"][0]["kev"], true);
    assert_eq!(json["intel"][0]["source"], "kev");
    assert_eq!(json["intel"][0]["stale"], false);
    let html = std::fs::read_to_string(d.path().join("digest.html")).unwrap();
    assert!(html.contains("<h2>Fix first</h2>"));
    // md and html word the KEV, EPSS and age cells the same way (one formatting home).
    let md_cells: Vec<&str> = rows[0].split(" | ").collect();
    let (kev_cell, epss_cell, age_cell) = (md_cells[3], md_cells[4], md_cells[5]);
    assert!(kev_cell.starts_with("due 2023-10-31"), "{kev_cell}");
    let html_row = html.split("<tr><td>1</td>").nth(1).unwrap().split("</tr>").next().unwrap();
    for cell in [kev_cell, epss_cell, age_cell] {
        assert!(html_row.contains(&format!("<td>{cell}</td>")), "html lacks `{cell}`: {html_row}");
    }

    // Ten days later both sources are stale (the rulebook's default limit is 7 days).
    let (code, out, _) = run(&["metrics", "--now", "2026-12-04T00:00:00Z"], d.path());
    assert_eq!(code, 0);
    assert!(out.contains("KEV dated 2026-11-20, joined 2026-11-24T12:00:00Z, 14 day(s) old (STALE)"), "{out}");
}

#[test]
fn a_never_enriched_digest_is_unchanged_and_metrics_say_not_checked() {
    let d = example();
    let (code, out, _) = run(&["metrics", "--now", NOW], d.path());
    assert_eq!(code, 0);
    assert!(out.contains("exploitation data (secfw enrich): KEV not checked; EPSS not checked"), "{out}");
    let (code, _, _) = run(&["digest", "--now", NOW], d.path());
    assert_eq!(code, 0);
    assert!(!std::fs::read_to_string(d.path().join("digest.md")).unwrap().contains("Fix first"));
}

#[test]
fn a_hostile_epss_file_is_refused_with_its_location_and_nothing_changes() {
    let d = example();
    let before = std::fs::read(d.path().join("sec_findings.yaml")).unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let epss = inputs.path().join("epss.csv");
    std::fs::write(&epss, EPSS.replace("0.50021", "0.5x")).unwrap();
    let (code, _, err) = run(&["enrich", "--epss", epss.to_str().unwrap(), "--now", NOW], d.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("EN0204") && err.contains(":5:"), "code and line:column:\n{err}");
    assert!(err.contains("nothing was enriched"), "{err}");
    assert_eq!(std::fs::read(d.path().join("sec_findings.yaml")).unwrap(), before);
    assert!(!d.path().join("evidence").exists());
    // Data from the future is refused for an as-of run.
    std::fs::write(&epss, EPSS.replace("2026-11-23", "2026-11-30")).unwrap();
    let (code, _, err) = run(&["enrich", "--epss", epss.to_str().unwrap(), "--now", NOW], d.path());
    assert_eq!(code, 2);
    assert!(err.contains("EN0006"), "{err}");
}
