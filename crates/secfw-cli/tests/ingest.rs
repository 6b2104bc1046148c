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
        stdout.contains("25 new (0 re-opened), 0 seen again, 0 resolved, 0 kept open; 2 scan(s) recorded, 0 failed"),
        "{stdout}"
    );
    let ledger = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
    assert_eq!(ledger.matches("finding_id:").count(), 25);
    // Again, as JSON, the next day: everything seen again, nothing new.
    let out = secfw()
        .args(["ingest", "--format", "json", "--now", "2025-03-02", "--dir"])
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
    // The refusal goes to stderr, so `secfw ingest ... > report.json` never hides it.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("IN0002") && stderr.contains(":3:3"), "{stderr}");
    assert!(stderr.contains("nothing was ingested"), "{stderr}");
    assert!(out.stdout.is_empty(), "stdout carries only the report: {}", String::from_utf8_lossy(&out.stdout));
    assert!(!d.path().join("sec_findings.yaml").exists());
}

#[test]
fn an_unknown_format_name_is_a_usage_error() {
    let out = secfw().args(["ingest", "--input-format", "xml", "x.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown format `xml`"));
}

// ---- the workspace lock (issue 12, item 1) -----------------------------------------------

/// A SARIF report of tool `T{n}` with `k` distinct findings.
fn report(dir: &std::path::Path, n: usize, k: usize) -> std::path::PathBuf {
    let results: Vec<serde_json::Value> = (0..k)
        .map(|i| {
            serde_json::json!({"ruleId": format!("R{i}"), "message": {"text": format!("finding {i} of report {n}")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("src/m{i}.rs")}}}]})
        })
        .collect();
    let doc = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": format!("T{n}")}}, "results": results}]});
    let p = dir.join(format!("r{n}.sarif"));
    std::fs::write(&p, doc.to_string()).unwrap();
    p
}

#[test]
fn ten_concurrent_ingests_of_different_reports_keep_every_finding() {
    let reports = tempfile::tempdir().unwrap();
    let d = tempfile::tempdir().unwrap();
    let (n, k) = (10, 40);
    let paths: Vec<_> = (0..n).map(|i| report(reports.path(), i, k)).collect();
    let children: Vec<_> = paths
        .iter()
        .map(|p| {
            secfw()
                .arg("ingest")
                .arg(p)
                .arg(d.path())
                .args(["--now", "2025-03-01T00:00:00Z"])
                .env("SECFW_LOCK_TIMEOUT", "120")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let ledger = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
    assert_eq!(ledger.matches("finding_id:").count(), n * k, "every finding of every report");
    for i in 0..n {
        assert_eq!(
            ledger.matches(&format!("tool: t{i}\n")).count(),
            2 * k + 1,
            "report {i}: source and evidence of {k} findings, and its scan"
        );
    }
}

#[test]
fn a_second_writer_waits_then_times_out_with_sf0008_naming_the_lock_file() {
    let reports = tempfile::tempdir().unwrap();
    let d = tempfile::tempdir().unwrap();
    let r = report(reports.path(), 0, 3);
    let held = secfw::artifacts::WorkspaceLock::acquire(d.path(), std::time::Duration::from_secs(5)).unwrap();
    let start = std::time::Instant::now();
    let out = secfw().arg("ingest").arg(&r).arg(d.path()).env("SECFW_LOCK_TIMEOUT", "1").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(start.elapsed() >= std::time::Duration::from_secs(1), "it waited for the timeout");
    assert!(stderr.contains("SF0008") && stderr.contains(".secfw/workspace.lock"), "{stderr}");
    assert!(stderr.contains("SECFW_LOCK_TIMEOUT"), "the hint says how to wait longer: {stderr}");
    assert!(!d.path().join("sec_findings.yaml").exists(), "nothing was written");
    // A writer that waits long enough gets the lock once the holder is done.
    let child = secfw()
        .arg("ingest")
        .arg(&r)
        .arg(d.path())
        .env("SECFW_LOCK_TIMEOUT", "60")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(held);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(d.path().join("sec_findings.yaml").exists());
}

#[test]
fn every_writing_command_takes_the_workspace_lock() {
    let d = tempfile::tempdir().unwrap();
    let ws = d.path().join("ws");
    let init = secfw().arg("init").arg(&ws).args(["--now", "2025-03-01T00:00:00Z"]).output().unwrap();
    assert_eq!(init.status.code(), Some(0), "{}", String::from_utf8_lossy(&init.stderr));
    let w = ws.to_str().unwrap();
    let manifest = ws.join("handoff_manifest.yaml");
    let m = manifest.to_str().unwrap();
    let r = report(d.path(), 0, 1);
    let cases: Vec<Vec<&str>> = vec![
        vec!["ingest", r.to_str().unwrap(), w],
        vec!["cycle", w, "--actor", "a", "--no-git"],
        vec!["advance", w, "--to", "EXECUTED", "--actor", "a"],
        vec!["digest", w],
        vec!["generate-manifest", w, "--no-git"],
        vec!["sign-manifest", "--manifest", m, "--identity", "a", "--key", "k.pem"],
        vec!["package", w],
        vec!["rollback", w],
        vec!["tickets", "apply", w, "--endpoint", "http://127.0.0.1:9"],
    ];
    let before = std::fs::read(ws.join("sec_findings.yaml")).unwrap();
    let _held = secfw::artifacts::WorkspaceLock::acquire(&ws, std::time::Duration::from_secs(5)).unwrap();
    for args in cases {
        let out = secfw().args(&args).env("SECFW_LOCK_TIMEOUT", "0").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("SF0008"), "{args:?}: {stderr}");
    }
    assert_eq!(std::fs::read(ws.join("sec_findings.yaml")).unwrap(), before);
}
