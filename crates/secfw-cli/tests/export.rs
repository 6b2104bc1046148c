//! `secfw export`: every format from an ingested workspace, deterministic, atomically written.

use std::process::Command;

fn secfw() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secfw"));
    c.env("NO_COLOR", "1").env_remove("GITHUB_REPOSITORY").env_remove("CI_PROJECT_URL");
    c
}

fn workspace() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let st = secfw()
        .arg("ingest")
        .arg(secfw_testkit::corpora("grype/grype__json-presenter-image.json"))
        .arg(secfw_testkit::corpora("sarif/semgrep__sarif-with-dataflow-traces.sarif"))
        .arg(d.path())
        .args(["--now", "2025-03-01T00:00:00Z"])
        .status()
        .unwrap();
    assert!(st.success());
    d
}

#[test]
fn every_format_exports_and_is_deterministic() {
    let d = workspace();
    for f in ["sarif", "oscal-ar", "oscal-poam", "junit", "github"] {
        let run = || {
            let o = secfw().args(["export", "--format", f, "--now", "2025-03-02"]).arg(d.path()).output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{f}: {}", String::from_utf8_lossy(&o.stderr));
            o.stdout
        };
        let a = run();
        assert_eq!(a, run(), "{f} is not deterministic");
        let text = String::from_utf8(a).unwrap();
        match f {
            "sarif" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 3);
            }
            "oscal-ar" => assert!(text.contains("\"assessment-results\"")),
            "oscal-poam" => assert!(text.contains("\"poam-items\"")),
            "junit" => assert!(text.contains("<testsuites") && text.matches("<failure").count() == 3),
            _ => assert_eq!(text.lines().count(), 3),
        }
    }
}

#[test]
fn output_file_and_provenance_flags() {
    let d = workspace();
    let out = d.path().join("out/findings.sarif");
    let st = secfw()
        .args([
            "export",
            "--format",
            "sarif",
            "--repository-uri",
            "https://github.com/acme/pay",
            "--revision",
            "abc123",
            "-o",
        ])
        .arg(&out)
        .arg(d.path())
        .status()
        .unwrap();
    assert!(st.success());
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(v["runs"][0]["versionControlProvenance"][0]["repositoryUri"], "https://github.com/acme/pay");
    assert_eq!(v["runs"][0]["versionControlProvenance"][0]["revisionId"], "abc123");
}

#[test]
fn a_workspace_without_a_ledger_is_exit_2_with_a_diagnostic() {
    let d = tempfile::tempdir().unwrap();
    let o = secfw().args(["export", "--format", "junit"]).arg(d.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).contains("sec_findings.yaml"));
}
