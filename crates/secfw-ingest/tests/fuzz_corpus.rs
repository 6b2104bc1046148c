//! Replays every file of `fuzz/corpus/ingest_*/` — and every vendored real report under
//! `testdata/` and every fixture — through the ingest fuzz targets' entry point
//! (`secfw_ingest::fuzz::run`) on stable Rust: no input may panic or break a property, and the
//! streaming and in-memory SARIF paths must agree on every input. Add each crash repro to the
//! corpus of its target.

use std::path::PathBuf;

use secfw_ingest::fuzz::{Target, run};

/// The repository root, from this crate's own manifest directory (not `secfw_testkit`, whose
/// compiled-in path can belong to another checkout sharing the target directory).
fn repo_root() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: Target, files: &[PathBuf], failures: &mut Vec<String>) {
    for f in files {
        let data = std::fs::read(f).unwrap();
        match std::panic::catch_unwind(|| run(target, &data)) {
            Ok(Ok(())) => {}
            Ok(Err(problem)) => failures.push(format!("{target}: {}: {problem}", f.display())),
            Err(_) => failures.push(format!("{target}: {} panicked", f.display())),
        }
    }
}

#[test]
fn every_ingest_corpus_file_keeps_every_property() {
    let root = repo_root();
    let mut failures = Vec::new();
    let mut total = 0;
    for target in Target::ALL {
        let files = files_in(&root.join("fuzz/corpus").join(target.name()));
        assert!(files.len() >= 5, "{target}: corpus has only {} files", files.len());
        total += files.len();
        replay(target, &files, &mut failures);
    }
    assert!(failures.is_empty(), "{} of {total} corpus files failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_real_report_and_fixture_keeps_every_property_on_every_target() {
    let root = repo_root();
    let mut files = Vec::new();
    for folder in ["sarif", "trivy", "grype", "cargo-audit", "osv-scanner", "npm-audit"] {
        files.extend(
            files_in(&root.join("testdata").join(folder))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "sarif")),
        );
    }
    files.extend(
        files_in(&root.join("crates/secfw-ingest/tests/fixtures"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "sarif")),
    );
    assert!(files.len() > 50, "{}", files.len());
    let mut failures = Vec::new();
    for target in Target::ALL {
        replay(target, &files, &mut failures);
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
