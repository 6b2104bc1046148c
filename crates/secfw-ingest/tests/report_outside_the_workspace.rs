//! Issue 12 audit D11: the evidence `report` of a report outside the workspace stays
//! meaningful whatever directory the ingest ran in (an absolute path), so the full text of a
//! field cut to its budget is reachable through the evidence pointer. One test per binary: it
//! changes the process's current directory.

use std::time::Duration;

use secfw_ingest::{Format, IngestOptions, Input, WorkspaceLock};

#[test]
fn a_report_given_relative_to_another_directory_is_recorded_by_a_path_that_leads_back_to_it() {
    let d = tempfile::tempdir().unwrap();
    let ws = d.path().join("ws");
    let elsewhere = d.path().join("x");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(secfw_testkit::corpora("trivy/trivy__alpine-310.json")).unwrap())
            .unwrap();
    doc["Results"][0]["Vulnerabilities"][0]["Description"] = "D".repeat(100_000).into();
    let bytes = serde_json::to_vec(&doc).unwrap();
    std::fs::write(elsewhere.join("big.json"), &bytes).unwrap();

    // `cd /tmp/x && secfw ingest big.json ../ws`
    std::env::set_current_dir(&elsewhere).unwrap();
    let lock = WorkspaceLock::acquire(&ws, Duration::from_secs(30)).unwrap();
    let now = "2026-12-02T00:00:00Z".parse().unwrap();
    let o = secfw_ingest::ingest(
        std::path::Path::new("../ws"),
        &lock,
        &[Input::new("big.json", Format::Auto)],
        &IngestOptions::new(now),
    )
    .unwrap();
    std::env::set_current_dir(d.path()).unwrap();

    let f = o.ledger.findings.iter().find(|f| f.description.starts_with("DDD")).expect("the cut finding");
    assert!(f.description.len() < 100_000);
    let ev = &f.evidence[0].data;
    let report = ev.get_str("report").unwrap();
    assert!(std::path::Path::new(report).is_absolute(), "{report}");
    // From any directory, the pointer leads to the full text in the report.
    let back = std::fs::read(report).expect("the recorded report path resolves");
    assert_eq!(secfw_artifacts::Sha256Digest::of(&back).to_hex(), ev.get_str("report_sha256").unwrap());
    let full: serde_json::Value = serde_json::from_slice(&back).unwrap();
    let pointer = ev.get_str("pointer").unwrap();
    let desc = full.pointer(pointer).and_then(|v| v.get("Description")).and_then(serde_json::Value::as_str);
    assert_eq!(desc.map(str::len), Some(100_000), "{pointer}");
    // The scan record names it the same way.
    assert_eq!(o.ledger.scans[0].report.as_deref(), Some(report));
}
