//! The ledger keeps the syntax it was written in: a JSON-syntax ledger (machine-sized, parsed
//! through the JSON fast path) stays JSON after ingest; a YAML ledger stays YAML.

use secfw_artifacts::{FindingsFile, LoadOptions, SourceFile, workspace, yaml};
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
    let l = workspace::parse_findings(&SourceFile::new("sec_findings.yaml", text), &LoadOptions::default(), &mut d)
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
    }
}
