//! Golden tests: the ledger written for a few real reports, byte for byte.
//! Regenerate with `SECFW_UPDATE_GOLDEN=1 cargo test -p secfw-ingest --test golden` and review the diff.

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

const CASES: &[(&str, &str)] = &[
    ("trivy/trivy__alpine-310.json", "trivy-alpine-310"),
    ("cargo-audit/quality-time__cargo_audit.json", "cargo-audit-quality-time"),
    ("npm-audit/defectdojo__npm7plus-many_vulns.json", "npm7-many-vulns"),
    ("sarif/codeql-action__valid-sarif.sarif", "sarif-codeql-action"),
    ("osv-scanner/osv-scanner__test-vuln-results-a.json", "osv-results-a"),
];

#[test]
fn ledgers_match_their_golden_files() {
    let update = std::env::var_os("SECFW_UPDATE_GOLDEN").is_some();
    let golden_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut diffs = Vec::new();
    for (src, name) in CASES {
        let d = tempfile::tempdir().unwrap();
        // A copy inside the workspace, so the evidence names a relative, machine-independent path.
        let report = d.path().join(std::path::Path::new(src).file_name().unwrap());
        std::fs::copy(secfw_testkit::corpora(src), &report).unwrap();
        ingest(
            d.path(),
            &[Input::new(&report, Format::Auto)],
            &IngestOptions::new("2025-03-01T12:00:00Z".parse().unwrap()),
        )
        .unwrap();
        let got = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
        let path = golden_dir.join(format!("{name}.yaml"));
        if update {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            diffs.push(format!("{name}: differs from {} (SECFW_UPDATE_GOLDEN=1 to regenerate)", path.display()));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
