//! Field budgets in another format than SARIF: a real Trivy report whose description, title
//! and package name are far over their budgets is cut in the ledger, the output says so per
//! field (`IN0109`), and the evidence (`report`, `report_sha256`, `pointer`) leads to the full
//! text in the report (issue 12 audit: the SARIF budget test checks the cut, not the way back).

use std::time::Duration;

use secfw_ingest::{Format, IngestOptions, Input, WorkspaceLock};

#[test]
fn a_trivy_report_over_budget_is_cut_and_the_evidence_leads_to_the_full_text() {
    let d = tempfile::tempdir().unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(secfw_testkit::corpora("trivy/trivy__alpine-310.json")).unwrap())
            .unwrap();
    let v = &mut doc["Results"][0]["Vulnerabilities"][0];
    v["Description"] = "D".repeat(200_000).into();
    v["Title"] = "T".repeat(5_000).into();
    v["PkgName"] = "p".repeat(5_000).into();
    let report = d.path().join("big-trivy.json");
    let bytes = serde_json::to_vec(&doc).unwrap();
    std::fs::write(&report, &bytes).unwrap();

    let lock = WorkspaceLock::acquire(d.path(), Duration::from_secs(30)).unwrap();
    let now = "2025-03-01T00:00:00Z".parse().unwrap();
    let o =
        secfw_ingest::ingest(d.path(), &lock, &[Input::new(&report, Format::Auto)], &IngestOptions::new(now)).unwrap();

    let notes: Vec<String> =
        o.diagnostics().iter().filter(|d| d.code.as_str() == "IN0109").map(|d| d.message.clone()).collect();
    for field in ["`description`", "`title`"] {
        assert!(notes.iter().any(|n| n.contains(field)), "no IN0109 for {field}: {notes:?}");
    }
    let size = std::fs::metadata(d.path().join("sec_findings.yaml")).unwrap().len();
    assert!(size < 128 * 1024, "the ledger is {size} bytes");

    let f = o.ledger.findings.iter().find(|f| f.description.starts_with("DDD")).expect("the over-budget finding");
    assert!(f.description.chars().count() <= secfw_ingest::limits::DESCRIPTION);
    assert!(f.title.chars().count() <= secfw_ingest::limits::TITLE);
    let ev = f.evidence.iter().find(|x| x.data.get("pointer").is_some()).expect("scan_result evidence");
    let path = ev.data.get_str("report").unwrap();
    let sha = ev.data.get_str("report_sha256").unwrap();
    let pointer = ev.data.get_str("pointer").unwrap();
    // A report inside the workspace is named relative to it.
    assert_eq!(path, "big-trivy.json");
    let kept = std::fs::read(d.path().join(path)).unwrap();
    assert_eq!(kept, bytes, "the evidence names the report that was read");
    let digest = secfw_artifacts::Sha256Digest::of(&kept);
    assert_eq!(digest.to_hex(), sha);
    let full: serde_json::Value = serde_json::from_slice(&kept).unwrap();
    let item = full.pointer(pointer).unwrap_or_else(|| panic!("{pointer} is not in the report"));
    assert_eq!(item["Description"].as_str().unwrap().len(), 200_000, "the full text is at the pointer");
    assert_eq!(item["Title"].as_str().unwrap().len(), 5_000);
}
