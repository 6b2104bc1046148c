//! The workspace writers that `ingest.rs`'s lock test does not list — `enrich`, `exceptions
//! compile`, `exceptions vex-in`, `notify apply`, `escalations ack` — also stop with `SF0008`
//! while another command holds the workspace lock, and write nothing (issue 12 audit: one lock
//! for every command that writes the workspace, not only the ones the issue named).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file under `dir` with its bytes (the lock file itself left out).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_none_or(|n| n != "workspace.lock") {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn enrich_exceptions_notify_and_escalations_wait_for_the_workspace_lock() {
    let d = tempfile::tempdir().unwrap();
    let ws = d.path().join("ws");
    let init =
        Command::new(env!("CARGO_BIN_EXE_secfw")).args(["init", "--now", "2026-12-01"]).arg(&ws).output().unwrap();
    assert_eq!(init.status.code(), Some(0), "{}", String::from_utf8_lossy(&init.stderr));
    let w = ws.to_str().unwrap();
    let vex = secfw_testkit::corpora("vex/trivy__trivy.openvex.json");
    let cases: Vec<Vec<&str>> = vec![
        vec!["enrich", "--now", "2026-12-02", w],
        vec!["exceptions", "compile", "--to", "trivy", "--now", "2026-12-02", w],
        vec!["exceptions", "vex-in", w, vex.to_str().unwrap()],
        vec!["notify", "apply", "--now", "2026-12-02", w],
        vec!["escalations", "ack", "--by", "a", "--dir", w, "ESC-0123456789ab"],
    ];
    let _held = secfw::artifacts::WorkspaceLock::acquire(&ws, std::time::Duration::from_secs(5)).unwrap();
    let before = snapshot(&ws);
    for args in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_secfw"))
            .args(&args)
            .env("NO_COLOR", "1")
            .env("SECFW_LOCK_TIMEOUT", "0")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("SF0008") && stderr.contains("workspace.lock"), "{args:?}: {stderr}");
        assert_eq!(snapshot(&ws), before, "{args:?} wrote while another command held the lock");
    }
}
