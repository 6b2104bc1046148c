//! Trivy `--show-suppressed`: `ExperimentalModifiedFindings` (pkg/types/report.go, finding.go)
//! are ingested as findings suppressed by the scanner, never dropped.

use secfw_ingest::{Format, ParseOptions, ScannerReport, parse_slice};
use serde_json::Value;

fn parse(doc: &Value) -> ScannerReport {
    parse_slice(doc.to_string().as_bytes(), "t.json", Format::Trivy, &ParseOptions::default()).unwrap()
}

fn real() -> Value {
    serde_json::from_slice(&std::fs::read(secfw_testkit::corpora("trivy/trivy__npm-with-suppressed.json")).unwrap())
        .unwrap()
}

#[test]
fn the_real_suppressed_finding_is_kept_with_the_scanners_reason() {
    let r = parse(&real());
    let items = &r.scans[0].items;
    assert_eq!(items.len(), 2, "the reported and the suppressed vulnerability");
    let sup = items.iter().find(|i| i.cve == ["CVE-2017-16137"]).unwrap();
    let ev: serde_json::Map<String, Value> = sup.extra.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    assert_eq!(
        ev["suppressions"],
        serde_json::json!([{"kind": "external", "status": "accepted", "justification": "vulnerable_code_not_in_execute_path", "source": "./vex.json", "scanner_status": "not_affected"}])
    );
    assert_eq!(sup.pointer, "/Results/0/ExperimentalModifiedFindings/0/Finding");
    let other = items.iter().find(|i| i.cve != ["CVE-2017-16137"]).unwrap();
    assert!(!other.extra.iter().any(|(k, _)| *k == "suppressions"));
    let notes: Vec<_> = r.diagnostics.iter().filter(|d| d.code.as_str() == "IN0103").collect();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].message.contains("CVE-2017-16137") && notes[0].message.contains("not_affected"), "{}", notes[0]);
    assert!(r.scans[0].incomplete.is_empty(), "{:?}", r.scans[0].incomplete);
}

#[test]
fn a_suppressed_finding_keeps_the_identity_it_has_when_reported() {
    let doc = real();
    let suppressed = parse(&doc);
    let mut reported = doc;
    let f = reported["Results"][0]["ExperimentalModifiedFindings"][0]["Finding"].clone();
    reported["Results"][0]["Vulnerabilities"].as_array_mut().unwrap().push(f);
    reported["Results"][0].as_object_mut().unwrap().remove("ExperimentalModifiedFindings");
    let reported = parse(&reported);
    let fp = |r: &ScannerReport| {
        r.scans[0].items.iter().find(|i| i.cve == ["CVE-2017-16137"]).map(|i| i.fingerprint.clone()).unwrap()
    };
    assert_eq!(fp(&suppressed), fp(&reported), "suppressing a finding does not make it a new one");
}

#[test]
fn suppressed_findings_secfw_cannot_read_make_the_scan_incomplete_never_vanish() {
    let mut doc = real();
    doc["Results"][0]["ExperimentalModifiedFindings"] = serde_json::json!([
        {"Type": "vulnerability", "Status": "ignored", "Statement": "x", "Source": ".trivyignore"},
        {"Type": "secret", "Status": "ignored", "Source": ".trivyignore.yaml", "Finding": {"RuleID": "aws-access-key-id"}},
        {"Type": "wasm", "Status": "ignored", "Finding": {}}
    ]);
    let r = parse(&doc);
    let skipped: Vec<_> = r.diagnostics.iter().filter(|d| d.code.as_str() == "IN0101").collect();
    assert_eq!(skipped.len(), 3, "{:?}", r.diagnostics);
    let inc = &r.scans[0].incomplete;
    assert!(inc.contains_key("vulnerability") && inc.contains_key("secret"), "{inc:?}");
}
