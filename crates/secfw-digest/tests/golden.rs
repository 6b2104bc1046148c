//! The digest of the example workspace (`examples/acme`) at `--now 2026-11-24T12:00:00Z`,
//! byte for byte. After an intended change to the example or the renderers, regenerate with
//! `SECFW_BLESS=1 cargo test -p secfw-digest --test golden` and review the diff.

use std::path::Path;

use chrono::{TimeZone, Utc};
use secfw_artifacts::{LoadOptions, files, load};
use secfw_metrics::{Acknowledgement, CollectOptions, EscalationData, NotifiedEscalation};

fn copy_example(to: &Path) {
    let from = secfw_testkit::repo_root().join("examples/acme");
    for name in files::ALL {
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
    // One escalation acknowledged in 1.5 h, one open for 1 h, one overdue (re-notified).
    let t = |d, h, m| Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
    let sla = Some(chrono::Duration::hours(2));
    let data = EscalationData::new(
        vec![
            NotifiedEscalation::new("ESC-aaaaaaaaaaaa", t(20, 9, 0)).sla(sla),
            NotifiedEscalation::new("ESC-bbbbbbbbbbbb", t(24, 11, 0))
                .current("critical_findings_count", "== 0", 1)
                .sla(sla),
            NotifiedEscalation::new("ESC-cccccccccccc", t(23, 8, 0)).sla(sla).renotified(Some(t(23, 10, 0))),
        ],
        vec![Acknowledgement::new("ESC-aaaaaaaaaaaa", "alice", t(20, 10, 30), 4)],
    );
    let done = secfw_digest::generate(&ws, &CollectOptions::default().escalations(data), now, None).unwrap();
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
    let e = done.report.metrics.escalations.as_ref().unwrap();
    assert_eq!((e.overdue, e.open, e.acknowledged), (1, 1, 1));
    // Sample: 1.5 h (acknowledged), 1 h and 28 h (still waiting): median 1.5, p90 28.
    assert_eq!((e.median_hours, e.p90_hours, e.sample), (Some(1.5), Some(28.0), 3));
    assert!(md.contains("### Escalations"), "{md}");
}
