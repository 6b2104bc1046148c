//! An embedding tool's view: only the facade's public API (`secfw::...`), no direct dependency
//! on the secfw-* crates.

use secfw::{LoadOptions, Severity, Workspace};

fn example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme")
}

#[test]
fn open_the_example_and_read_every_artifact() {
    let ws = Workspace::open(example()).expect("a directory");
    assert!(ws.is_valid(), "{:#?}", ws.diagnostics());
    assert_eq!(ws.summary().errors, 0);
    let a = ws.artifacts();
    let findings = a.findings.as_ref().expect("ledger parsed");
    assert!(findings.findings.len() >= 20);
    assert_eq!(
        findings.findings.iter().filter(|f| f.is_open() && f.severity == Severity::Critical).count(),
        0,
        "the example holds Critical=0"
    );
    assert!(a.policies.as_ref().is_some_and(|p| p.policies.len() >= 8));
    assert!(a.exceptions.as_ref().is_some_and(|e| !e.exceptions.is_empty()));
    assert!(a.inventory.as_ref().is_some_and(|i| i.resources.len() >= 10));
    assert!(a.spec.is_some() && a.rulebook.is_some());
}

#[test]
fn strict_mode_and_diagnostics_are_reachable_through_the_facade() {
    let dir = tempfile::tempdir().unwrap();
    secfw::artifacts::template::write_example(dir.path()).unwrap();
    let rb = dir.path().join("rulebook.yaml");
    let text = std::fs::read_to_string(&rb).unwrap();
    std::fs::write(&rb, text.replacen("version:", "colour: blue\nversion:", 1)).unwrap();
    let lenient = Workspace::open(dir.path()).unwrap();
    assert!(lenient.is_valid(), "an unknown field is a warning by default");
    let d = &lenient.diagnostics()[0];
    assert_eq!((d.code.as_str(), d.file.as_str(), d.level), ("SF0109", "rulebook.yaml", secfw::Level::Warning));
    let strict = Workspace::open_with(dir.path(), LoadOptions::default().strict(true)).unwrap();
    assert!(!strict.is_valid(), "and an error in strict mode");
    assert!(Workspace::open(dir.path().join("missing")).is_err());
}

/// The hub end to end through the facade only: one error type whose kind and diagnostics say
/// what happened, whichever crate refused.
mod hub {
    use secfw::ops::{AdvanceOptions, GatesOptions, IngestOptions, TrustSource, Verification};
    use secfw::{Error, ErrorKind, LifecycleState, Outcome, Time, Workspace};

    fn now() -> Time {
        secfw::artifacts::template::EXAMPLE_NOW.parse().unwrap()
    }

    fn fresh() -> (tempfile::TempDir, std::path::PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ws");
        Workspace::init(&dir, &secfw::ops::InitOptions::new(now())).unwrap();
        (tmp, dir)
    }

    #[test]
    fn a_gate_run_and_advance_agree_and_a_tampered_log_is_refused_by_both() {
        let (_t, dir) = fresh();
        let ws = Workspace::open(&dir).unwrap();
        assert!(ws.gate(&GatesOptions::all(now())).unwrap().passed());
        let o = ws.advance(&AdvanceOptions::new(LifecycleState::ReadyForHandoff, "alice", now())).unwrap();
        assert!(o.passed(), "{o:#?}");
        // The ledger still declares PLANNED: fine for the gate, as it was for advance.
        assert!(ws.gate(&GatesOptions::all(now())).unwrap().passed());
        let log = dir.join(".secfw/events.jsonl");
        let t = std::fs::read_to_string(&log).unwrap();
        std::fs::write(&log, t.replace("\"alice\"", "\"mallory\"")).unwrap();
        for e in [
            ws.gate(&GatesOptions::all(now())).unwrap_err(),
            ws.advance(&AdvanceOptions::new(LifecycleState::Packaged, "alice", now())).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::Refused, "{e}");
            assert!(e.diagnostics().iter().any(|d| d.code.as_str() == "LC0102"), "{:?}", e.diagnostics());
        }
    }

    #[test]
    fn a_rejected_report_is_an_error_with_its_location_and_nothing_is_written() {
        let (tmp, dir) = fresh();
        let before = std::fs::read(dir.join("sec_findings.yaml")).unwrap();
        let report = tmp.path().join("broken.sarif");
        std::fs::write(&report, "{\"version\": \"2.1.0\", \"runs\": [").unwrap();
        let ws = Workspace::open(&dir).unwrap();
        let opts = IngestOptions::new([report], secfw::ingest::Format::Sarif, now());
        let e = ws.ingest(&opts).unwrap_err();
        assert!(matches!(e, Error::Ingest(_)), "{e:?}");
        assert_eq!(e.kind(), ErrorKind::CannotRun);
        assert!(e.diagnostics().iter().any(|d| d.line.is_some()), "{:?}", e.diagnostics());
        assert_eq!(std::fs::read(dir.join("sec_findings.yaml")).unwrap(), before);
    }

    #[test]
    fn verification_and_rollback_without_a_usable_root_of_trust_are_refused() {
        let (_t, dir) = fresh();
        let v = Verification::new(TrustSource::default(), secfw::seal::VerifyOptions::new(now()));
        let e = Workspace::verify_manifest(&dir.join("handoff_manifest.yaml"), &v, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Refused, "{e}");
        assert!(!e.diagnostics().is_empty());
        let outside = tempfile::tempdir().unwrap();
        let trust = outside.path().join("trust.json");
        std::fs::write(&trust, "{}").unwrap();
        let v = Verification::new(TrustSource::new(Some(trust), None), secfw::seal::VerifyOptions::new(now()));
        let e = Workspace::rollback(&dir, None, &v).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Refused, "an unusable trust policy refuses first: {e}");
    }
}
