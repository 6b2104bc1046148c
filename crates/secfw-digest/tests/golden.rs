//! The digest of the example workspace (`examples/acme`) at `--now 2026-11-24T12:00:00Z`,
//! byte for byte. After an intended change to the example or the renderers, regenerate with
//! `SECFW_BLESS=1 cargo test -p secfw-digest --test golden` and review the diff.

use std::path::Path;

use chrono::{TimeZone, Utc};
use secfw_artifacts::{LoadOptions, file_names, load};
use secfw_metrics::{CollectOptions, EscalationData};

fn copy_example(to: &Path) {
    let from = secfw_testkit::repo_root().join("examples/acme");
    for name in file_names::ALL {
        let src = from.join(name);
        if src.exists() {
            std::fs::copy(&src, to.join(name)).unwrap();
        }
    }
}

#[test]
fn the_example_digest_matches_the_golden_files() {
    let dir = tempfile::tempdir().unwrap();
    copy_example(dir.path());
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    // As `secfw digest` does for the example: its (empty) notification ledger and event log.
    let done =
        secfw_digest::generate(&ws, &CollectOptions::default().escalations(EscalationData::default()), now, None)
            .unwrap();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("SECFW_BLESS").is_some();
    let mut stale = Vec::new();
    for path in &done.files {
        let name = path.file_name().unwrap();
        let got = std::fs::read_to_string(path).unwrap();
        let want_path = golden.join(name);
        if bless {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(&want_path, &got).unwrap();
        } else if std::fs::read_to_string(&want_path).ok().as_deref() != Some(got.as_str()) {
            stale.push(name.to_string_lossy().into_owned());
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from tests/golden/; if the change is intended: SECFW_BLESS=1 cargo test -p secfw-digest --test golden"
    );
    // The example is healthy: Critical=0 holds and the digest says so.
    assert_eq!(done.report.metrics.findings.critical(), 0);
    let md = std::fs::read_to_string(dir.path().join("digest.md")).unwrap();
    assert!(md.contains("compliant with Critical=0 rule"));
    assert!(md.contains("### Escalations\n") && md.contains("No escalations were notified."), "{md}");
}
