//! Fail-open sweep 4, F2: with one bad timestamp making `sec_findings.yaml` unreadable, the
//! digest said "Critical Findings: 0 (compliant with Critical=0 rule)", marked every standard
//! compliant and recorded a zero-findings snapshot, while `secfw gate` failed. The IMPROVE step
//! now refuses (`MT0010`) with the located errors and writes nothing: no digest file, no
//! snapshot.

use chrono::{DateTime, Utc};
use secfw_artifacts::{LoadOptions, file_names, load};
use secfw_metrics::{CollectOptions, HISTORY_DIR};

fn now() -> DateTime<Utc> {
    secfw_artifacts::template::EXAMPLE_NOW.parse().unwrap()
}

fn assert_nothing_written(dir: &std::path::Path) {
    for f in file_names::DIGESTS {
        assert!(!dir.join(f).exists(), "{f} was written");
    }
    assert!(!dir.join(HISTORY_DIR).exists(), "a KPI snapshot was recorded");
}

#[test]
fn a_ledger_that_does_not_parse_writes_no_digest_and_no_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(dir.path()).unwrap();
    let p = dir.path().join(file_names::FINDINGS);
    let text = std::fs::read_to_string(&p).unwrap();
    let old = "    resolved_at: \"2026-08-14T16:20:00Z\"";
    assert!(text.contains(old), "the example changed; update this test");
    std::fs::write(&p, text.replace(old, "    resolved_at: \"+10000-01-01T00:00:00Z\"")).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let err = secfw_digest::generate(&ws, &CollectOptions::default(), now(), None).unwrap_err();
    let secfw_digest::Error::Metrics(secfw_metrics::Error::UnreadableInputs { diagnostics }) = &err else {
        panic!("refused for another reason: {err}")
    };
    assert!(
        diagnostics.iter().any(|d| d.file == file_names::FINDINGS && d.code.as_str() == "SF0110" && d.line.is_some()),
        "{diagnostics:#?}"
    );
    assert_eq!(diagnostics.last().unwrap().code, secfw_metrics::codes::UNREADABLE_INPUT);
    assert!(!err.to_string().contains("compliant with"), "{err}");
    assert_nothing_written(dir.path());

    // Into another directory: nothing there either.
    let out = tempfile::tempdir().unwrap();
    assert!(secfw_digest::generate(&ws, &CollectOptions::default(), now(), Some(out.path())).is_err());
    assert_nothing_written(out.path());
    assert_nothing_written(dir.path());
}

#[test]
fn a_workspace_without_a_ledger_is_not_digested_as_compliant() {
    let dir = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(dir.path()).unwrap();
    std::fs::remove_file(dir.path().join(file_names::FINDINGS)).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let err = secfw_digest::generate(&ws, &CollectOptions::default(), now(), None).unwrap_err();
    assert!(err.to_string().contains("no findings ledger"), "{err}");
    assert_nothing_written(dir.path());
}
