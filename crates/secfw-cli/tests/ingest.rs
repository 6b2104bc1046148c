//! `secfw ingest`: real reports in, ledger out; bad reports refused with a located error.

use std::process::Command;

fn secfw() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secfw"));
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn ingest_writes_the_ledger_and_reports_counts() {
    let d = tempfile::tempdir().unwrap();
    let out = secfw()
        .arg("ingest")
        .arg(secfw_testkit::corpora("trivy/trivy__alpine-310.json"))
        .arg(secfw_testkit::corpora("sarif/smithy__gosec.sarif"))
        .arg(d.path())
        .args(["--now", "2025-03-01T00:00:00Z"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("25 new (0 re-opened), 0 seen again, 0 resolved; 2 scan(s) recorded, 0 failed"),
        "{stdout}"
    );
    let ledger = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
    assert_eq!(ledger.matches("finding_id:").count(), 25);
    // Again, as JSON, the next day: everything seen again, nothing new.
    let out = secfw()
        .args(["ingest", "--output", "json", "--now", "2025-03-02", "--dir"])
        .arg(d.path())
        .arg(secfw_testkit::corpora("trivy/trivy__alpine-310.json"))
        .arg(secfw_testkit::corpora("sarif/smithy__gosec.sarif"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["opened"].as_array().unwrap().len(), 0);
    assert_eq!(doc["updated"].as_array().unwrap().len(), 25);
    assert_eq!(doc["reports"][0]["format"], "trivy");
}

#[test]
fn a_malformed_report_is_refused_with_its_location_and_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let out = secfw()
        .arg("ingest")
        .arg(secfw_testkit::corpora("sarif/EDGE__sarif-sdk__malformed-json.sarif"))
        .arg(d.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("IN0002") && stdout.contains(":3:3"), "{stdout}");
    assert!(stdout.contains("nothing was ingested"), "{stdout}");
    assert!(!d.path().join("sec_findings.yaml").exists());
}

#[test]
fn an_unknown_format_name_is_a_usage_error() {
    let out = secfw().args(["ingest", "--format", "xml", "x.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown format `xml`"));
}
