//! The ledger keeps the syntax it was written in: a JSON-syntax ledger (machine-sized, parsed
//! through the JSON fast path) stays JSON after ingest; a YAML ledger stays YAML.

use secfw_artifacts::{FindingsFile, LoadOptions, SourceFile, yaml};
use secfw_ingest::{Format, IngestOptions, Input};

/// `secfw_ingest::ingest` under the workspace lock, as every caller must hold it.
fn ingest(
    dir: &std::path::Path,
    inputs: &[Input],
    opts: &IngestOptions,
) -> Result<secfw_ingest::Outcome, secfw_ingest::Error> {
    let lock = secfw_ingest::WorkspaceLock::acquire(dir, std::time::Duration::from_secs(30)).expect("workspace lock");
    secfw_ingest::ingest(dir, &lock, inputs, opts)
}

fn ledger_of(text: &str) -> FindingsFile {
    let mut d = Vec::new();
    let l =
        secfw_artifacts::parse_findings(&SourceFile::new("sec_findings.yaml", text), &LoadOptions::default(), &mut d)
            .unwrap();
    assert!(d.iter().all(|x| !x.is_error()), "{d:?}");
    l
}

#[test]
fn a_json_ledger_stays_json_and_a_yaml_ledger_stays_yaml() {
    let now = secfw_artifacts::template::EXAMPLE_NOW.parse().unwrap();
    for json in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        secfw_artifacts::template::write_example(dir.path()).unwrap();
        let path = dir.path().join("sec_findings.yaml");
        let before = ledger_of(&std::fs::read_to_string(&path).unwrap());
        if json {
            std::fs::write(&path, serde_json::to_string_pretty(&before).unwrap()).unwrap();
        }
        let input = Input::new(dir.path().join("scans/semgrep.sarif"), Format::Sarif);
        let out = ingest(dir.path(), &[input], &IngestOptions::new(now)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(yaml::is_json_syntax(&text), json, "syntax kept (json = {json})");
        assert_eq!(ledger_of(&text), out.ledger, "what was written is what was merged");
        assert!(!out.summary.updated.is_empty(), "the scan matched ledger findings");
        if json {
            // One finding and one scan record per line, and nothing but whole JSON.
            let rows = text.lines().skip(1).filter(|l| l.starts_with('{')).count();
            assert_eq!(rows, out.ledger.findings.len() + out.ledger.scans.len(), "{text}");
            assert!(text.lines().skip(1).all(|l| l.starts_with('{') || l.starts_with(']')), "{text}");
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(value, serde_json::to_value(&out.ledger).unwrap(), "the same JSON as serde_json writes");
        }
    }
}

/// The loaded-workspace entry point agrees with the reading one: same ledger written, and the
/// workspace it was given ends up as a fresh load of the written ledger would.
#[test]
fn ingest_into_a_loaded_workspace_writes_what_ingest_writes_and_leaves_a_fresh_load() {
    let now = secfw_artifacts::template::EXAMPLE_NOW.parse().unwrap();
    for json in [true, false] {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for d in [&a, &b] {
            secfw_artifacts::template::write_example(d.path()).unwrap();
            if json {
                let path = d.path().join("sec_findings.yaml");
                let before = ledger_of(&std::fs::read_to_string(&path).unwrap());
                std::fs::write(&path, serde_json::to_string_pretty(&before).unwrap()).unwrap();
            }
        }
        let input = |d: &tempfile::TempDir| vec![Input::new(d.path().join("scans/semgrep.sarif"), Format::Sarif)];
        let by_reading = ingest(a.path(), &input(&a), &IngestOptions::new(now)).unwrap();
        let mut ws = secfw_artifacts::load(b.path(), &LoadOptions::default()).unwrap();
        let lock = secfw_artifacts::WorkspaceLock::acquire(b.path(), std::time::Duration::from_secs(5)).unwrap();
        let loaded =
            secfw_ingest::ingest_loaded(b.path(), &lock, &input(&b), &IngestOptions::new(now), &mut ws).unwrap();
        let (ta, tb) = (
            std::fs::read_to_string(a.path().join("sec_findings.yaml")).unwrap(),
            std::fs::read_to_string(b.path().join("sec_findings.yaml")).unwrap(),
        );
        assert_eq!(ta, tb, "the same bytes written (json = {json})");
        assert_eq!(by_reading.ledger, loaded.ledger);
        let fresh = secfw_artifacts::load(b.path(), &LoadOptions::default()).unwrap();
        assert_eq!(ws.findings, fresh.findings, "the workspace holds the ledger as written");
        assert_eq!(ws.sources, fresh.sources, "and its text");
        assert_eq!(ws.diagnostics, fresh.diagnostics, "and its diagnostics");
        let meta = std::fs::metadata(b.path().join("sec_findings.yaml")).unwrap();
        let w = loaded.written_identity.unwrap();
        assert_eq!((w.size, w.modified), (meta.len(), meta.modified().ok()), "what the file looks like as written");
    }
}

/// A workspace whose ledger, inventory or rulebook has errors is refused by the loaded entry
/// point exactly as by the reading one, and nothing is written.
#[test]
fn ingest_into_a_loaded_workspace_refuses_broken_artifacts_and_writes_nothing() {
    let now = secfw_artifacts::template::EXAMPLE_NOW.parse().unwrap();
    for (file, broken) in [
        ("sec_findings.yaml", "version: \"1.0\"\nfindings: [\n"),
        ("inventory.yaml", "resources: {\n"),
        ("rulebook.yaml", "version: [\n"),
    ] {
        let d = tempfile::tempdir().unwrap();
        secfw_artifacts::template::write_example(d.path()).unwrap();
        std::fs::write(d.path().join(file), broken).unwrap();
        let before = std::fs::read(d.path().join("sec_findings.yaml")).unwrap();
        let mut ws = secfw_artifacts::load(d.path(), &LoadOptions::default()).unwrap();
        let lock = secfw_artifacts::WorkspaceLock::acquire(d.path(), std::time::Duration::from_secs(5)).unwrap();
        let input = vec![Input::new(d.path().join("scans/semgrep.sarif"), Format::Sarif)];
        let e = secfw_ingest::ingest_loaded(d.path(), &lock, &input, &IngestOptions::new(now), &mut ws).unwrap_err();
        let expected = if file == "sec_findings.yaml" { "LedgerInvalid" } else { "ArtifactInvalid" };
        assert!(format!("{e:?}").starts_with(expected), "{file}: {e:?}");
        assert_eq!(std::fs::read(d.path().join("sec_findings.yaml")).unwrap(), before, "{file}: nothing written");
    }
    // A missing inventory and rulebook are "none", as for the reading entry point.
    let d = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(d.path()).unwrap();
    std::fs::remove_file(d.path().join("inventory.yaml")).unwrap();
    std::fs::remove_file(d.path().join("rulebook.yaml")).unwrap();
    let mut ws = secfw_artifacts::load(d.path(), &LoadOptions::default()).unwrap();
    let lock = secfw_artifacts::WorkspaceLock::acquire(d.path(), std::time::Duration::from_secs(5)).unwrap();
    let input = vec![Input::new(d.path().join("scans/semgrep.sarif"), Format::Sarif)];
    secfw_ingest::ingest_loaded(d.path(), &lock, &input, &IngestOptions::new(now), &mut ws).unwrap();
}
