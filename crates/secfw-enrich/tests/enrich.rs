//! `enrich`: sealed copies, the ledger fields, as-of replay, nothing written on refusal.

mod common;

use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use common::*;
use secfw_artifacts::WorkspaceLock;
use secfw_enrich::{EnrichOptions, enrich};

fn opts(kev: Option<&std::path::Path>, epss: Option<&std::path::Path>) -> EnrichOptions {
    let mut o = EnrichOptions::new(now());
    o.kev = kev.map(ToOwned::to_owned);
    o.epss = epss.map(ToOwned::to_owned);
    o
}

fn ledger(dir: &std::path::Path) -> secfw_artifacts::FindingsFile {
    let ws = secfw_artifacts::load(dir, &secfw_artifacts::LoadOptions::default()).unwrap();
    ws.findings.unwrap()
}

#[test]
fn findings_gain_kev_and_epss_and_the_data_is_sealed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    workspace(dir);
    let inputs = tempfile::tempdir().unwrap();
    let kev = inputs.path().join("known_exploited_vulnerabilities.json");
    let epss = inputs.path().join("epss_scores-2026-12-05.csv.gz");
    std::fs::write(&kev, kev_default()).unwrap();
    std::fs::write(&epss, gzip(epss_default().as_bytes())).unwrap();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).unwrap();
    let r = enrich(dir, &lock, &opts(Some(&kev), Some(&epss))).unwrap();
    assert_eq!((r.stats.findings, r.stats.with_cve, r.stats.kev_listed, r.stats.epss_scored), (3, 2, 2, 2));
    let k = r.kev.as_ref().unwrap();
    assert!(
        k.stored.starts_with("evidence/intel/kev/2026-12-01-")
            && std::path::Path::new(&k.stored).extension().is_some_and(|e| e == "json"),
        "{}",
        k.stored
    );
    assert!(r.epss.as_ref().unwrap().stored.rsplit('.').take(2).eq(["gz", "csv"]));
    // The sealed copies are byte-identical to the inputs.
    assert_eq!(std::fs::read(dir.join(&k.stored)).unwrap(), std::fs::read(&kev).unwrap());
    let l = ledger(dir);
    let f1 = &l.findings[0];
    let kv = f1.kev.as_ref().unwrap();
    assert_eq!(
        (kv.cve.as_str(), kv.due_date.to_string().as_str(), kv.known_ransomware),
        ("CVE-2021-44228", "2021-12-24", true)
    );
    assert!((f1.epss.as_ref().unwrap().score - 0.94358).abs() < 1e-12);
    // Lower-case ids match; of two scored CVEs the higher score is kept.
    let f2 = &l.findings[1];
    assert_eq!(f2.kev.as_ref().unwrap().cve, "CVE-2023-38545");
    assert_eq!(f2.epss.as_ref().unwrap().cve, "CVE-2024-3094");
    assert!(l.findings[2].kev.is_none() && l.findings[2].epss.is_none());
    let intel = l.metadata.intel.as_ref().unwrap();
    assert_eq!(intel.kev.as_ref().unwrap().sha256, k.sha256);
    assert_eq!(intel.epss.as_ref().unwrap().data_date.to_string(), "2026-12-05");
    // The sealed set of the workspace includes the copies (they are under evidence/).
    let (set, problems) = secfw_seal_like_sealed_set(dir);
    assert!(problems == 0 && set.iter().any(|p| p == &k.stored), "{set:?}");
    // Running again with the same files is a no-op on the ledger.
    let before = std::fs::read(dir.join("sec_findings.yaml")).unwrap();
    let r2 = enrich(dir, &lock, &opts(Some(&kev), Some(&epss))).unwrap();
    assert_eq!(r2.stats.changed, 0);
    assert!(!r2.kev.unwrap().newly_stored);
    assert_eq!(std::fs::read(dir.join("sec_findings.yaml")).unwrap(), before, "deterministic");
}

/// The files under evidence/ (what secfw-seal seals besides the artifacts).
fn secfw_seal_like_sealed_set(dir: &std::path::Path) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("evidence")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    (out, 0)
}

#[test]
fn as_of_replay_uses_the_data_of_that_date() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    workspace(dir);
    let inputs = tempfile::tempdir().unwrap();
    let old = inputs.path().join("old.json");
    let new = inputs.path().join("new.json");
    std::fs::write(&old, kev_json("2026-11-10", &[("CVE-2021-44228", "2021-12-10", "2021-12-24", "Known")])).unwrap();
    std::fs::write(&new, kev_default()).unwrap();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).unwrap();
    enrich(dir, &lock, &opts(Some(&old), None)).unwrap();
    enrich(dir, &lock, &opts(Some(&new), None)).unwrap();
    assert!(ledger(dir).findings[1].kev.is_some(), "CVE-2023-38545 is in the newer catalog");
    // Replay as of 2026-11-15: the newest stored catalog dated by then is the old one.
    let mut o = EnrichOptions::new(Utc.with_ymd_and_hms(2026, 11, 15, 0, 0, 0).unwrap());
    o.dry_run = false;
    let r = enrich(dir, &lock, &o).unwrap();
    assert_eq!(r.kev.as_ref().unwrap().data_date.to_string(), "2026-11-10");
    assert!(r.kev.unwrap().input.is_none());
    let l = ledger(dir);
    assert!(l.findings[0].kev.is_some() && l.findings[1].kev.is_none());
    // Before any stored data: nothing to join, nothing written.
    let before = std::fs::read(dir.join("sec_findings.yaml")).unwrap();
    let e = enrich(dir, &lock, &EnrichOptions::new(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())).unwrap_err();
    assert_eq!(e.diagnostics()[0].code.as_str(), "EN0001");
    assert_eq!(std::fs::read(dir.join("sec_findings.yaml")).unwrap(), before);
}

#[test]
fn a_refused_input_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    workspace(dir);
    let before = std::fs::read(dir.join("sec_findings.yaml")).unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let kev = inputs.path().join("kev.json");
    let epss = inputs.path().join("epss.csv");
    std::fs::write(&kev, kev_default()).unwrap();
    std::fs::write(&epss, epss_default().replace("0.27316", "2.7")).unwrap();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).unwrap();
    let e = enrich(dir, &lock, &opts(Some(&kev), Some(&epss))).unwrap_err();
    assert_eq!(e.diagnostics()[0].code.as_str(), "EN0204");
    assert_eq!(std::fs::read(dir.join("sec_findings.yaml")).unwrap(), before);
    assert!(!dir.join("evidence").exists(), "the valid KEV file is not stored either");
}

#[test]
fn a_tampered_stored_copy_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    workspace(dir);
    let inputs = tempfile::tempdir().unwrap();
    let kev = inputs.path().join("kev.json");
    std::fs::write(&kev, kev_default()).unwrap();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).unwrap();
    let r = enrich(dir, &lock, &opts(Some(&kev), None)).unwrap();
    let stored = dir.join(r.kev.unwrap().stored);
    std::fs::write(&stored, kev_default().replace("Known", "Unknown")).unwrap();
    let e = enrich(dir, &lock, &EnrichOptions::new(now())).unwrap_err();
    assert_eq!(e.diagnostics()[0].code.as_str(), "EN0004");
    // Giving the original again does not overwrite sealed evidence either.
    let e = enrich(dir, &lock, &opts(Some(&kev), None)).unwrap_err();
    assert_eq!(e.diagnostics()[0].code.as_str(), "EN0004");
}

#[test]
fn no_ledger_and_fifo_inputs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let kev = dir.join("kev.json");
    std::fs::write(&kev, kev_default()).unwrap();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).unwrap();
    let e = enrich(dir, &lock, &opts(Some(&kev), None)).unwrap_err();
    assert_eq!(e.diagnostics()[0].code.as_str(), "EN0003");
    #[cfg(unix)]
    {
        workspace(dir);
        let fifo = dir.join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let e = enrich(dir, &lock, &opts(Some(&fifo), None)).unwrap_err();
        assert_eq!(e.diagnostics()[0].code.as_str(), "EN0002");
    }
}

#[test]
fn a_ledger_key_the_schema_does_not_have_is_refused_not_dropped() {
    // enrich rewrites the ledger from its parsed model, which has no place for a person's
    // key: it refuses at the key (SF0109 as an error) and writes nothing.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    workspace(dir);
    let path = dir.join("sec_findings.yaml");
    let edited = std::fs::read_to_string(&path).unwrap() + "reviewed_by: alice\n";
    std::fs::write(&path, &edited).unwrap();
    let inputs = tempfile::tempdir().unwrap();
    let kev = inputs.path().join("kev.json");
    std::fs::write(&kev, kev_default()).unwrap();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).unwrap();
    let e = enrich(dir, &lock, &opts(Some(&kev), None)).unwrap_err();
    let lost = e.diagnostics().into_iter().find(|d| d.code.as_str() == "SF0109").expect("SF0109");
    assert!(lost.is_error() && lost.line.is_some() && lost.message.contains("`secfw enrich`"), "{lost:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
}
