//! `secfw ingest` refuses a report path that is not a regular file — a FIFO reached through a
//! symlink, a device, a directory — with `IN0007`, exit 2, without blocking and without
//! touching the ledger; a symlink to a regular report is read (issue 12 audit: the CLI variants
//! of the library's FIFO test).

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `secfw ingest REPORT DIR`; a run still going after 60 s is killed and fails the test
/// (a refused report must never block on its reader).
fn ingest(report: &Path, dir: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_secfw"))
        .env("NO_COLOR", "1")
        .args(["ingest", "--now", "2025-03-01T00:00:00Z"])
        .arg(report)
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("secfw ingest {} blocked", report.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A workspace whose ledger holds the findings of a real report.
fn workspace() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let out = ingest(&secfw_testkit::corpora("trivy/trivy__alpine-310.json"), d.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    d
}

#[test]
fn a_fifo_behind_a_symlink_a_device_and_a_directory_are_refused_without_blocking() {
    let d = workspace();
    let before = std::fs::read(d.path().join("sec_findings.yaml")).unwrap();
    let fifo = d.path().join("report.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let link = d.path().join("trivy.json");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let dir = d.path().join("reports.sarif");
    std::fs::create_dir(&dir).unwrap();
    for report in [link.as_path(), Path::new("/dev/zero"), dir.as_path()] {
        let out = ingest(report, d.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", report.display());
        assert!(stderr.contains("IN0007") && stderr.contains("not a regular file"), "{}: {stderr}", report.display());
        assert_eq!(std::fs::read(d.path().join("sec_findings.yaml")).unwrap(), before, "{}", report.display());
    }
}

#[test]
fn a_symlink_to_a_regular_report_is_read() {
    let d = tempfile::tempdir().unwrap();
    let link = d.path().join("alpine.json");
    std::os::unix::fs::symlink(secfw_testkit::corpora("trivy/trivy__alpine-310.json"), &link).unwrap();
    let out = ingest(&link, d.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let ledger = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
    assert_eq!(ledger.matches("finding_id:").count(), 4);
}
