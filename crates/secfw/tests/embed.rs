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
    assert_eq!((d.code.as_str(), d.file.as_str(), d.severity), ("SF0109", "rulebook.yaml", secfw::Level::Warning));
    let strict = Workspace::open_with(dir.path(), LoadOptions::default().strict(true)).unwrap();
    assert!(!strict.is_valid(), "and an error in strict mode");
    assert!(Workspace::open(dir.path().join("missing")).is_err());
}
