//! Ledger semantics: re-ingest, resolution, re-opening, ids, atomic refusal, determinism.

use std::path::Path;

use chrono::{DateTime, Utc};
use secfw_artifacts::LoadOptions;
use secfw_artifacts::model::findings::FindingStatus;
use secfw_artifacts::parse_findings;
use secfw_ingest::{Format, IngestOptions, Input};

/// `secfw_ingest::ingest` under the workspace lock, as every caller must hold it.
fn ingest(dir: &Path, inputs: &[Input], opts: &IngestOptions) -> Result<secfw_ingest::Outcome, secfw_ingest::Error> {
    let lock = secfw_ingest::WorkspaceLock::acquire(dir, std::time::Duration::from_secs(30)).expect("workspace lock");
    secfw_ingest::ingest(dir, &lock, inputs, opts)
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A SARIF log with one result per (rule, file) pair.
fn sarif(results: &[(&str, &str)], ok: bool) -> String {
    let res: Vec<serde_json::Value> = results
        .iter()
        .map(|(rule, file)| {
            serde_json::json!({"ruleId": rule, "level": "error", "message": {"text": format!("{rule} in {file}")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": file}, "region": {"startLine": 3}}}]})
        })
        .collect();
    serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Demo", "version": "1.0"}},
        "invocations": [{"executionSuccessful": ok}], "results": res}]})
    .to_string()
}

/// [`sarif`] naming its repository: reports of it from any path are of the same project.
fn sarif_repo(results: &[(&str, &str)], ok: bool) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&sarif(results, ok)).unwrap();
    v["runs"][0]["versionControlProvenance"] = serde_json::json!([{"repositoryUri": "https://example.invalid/demo"}]);
    v.to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> Input {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    Input::new(p, Format::Auto)
}

fn ledger_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("sec_findings.yaml")).unwrap()
}

#[test]
fn ingest_creates_a_ledger_that_reparses_without_any_diagnostic() {
    let d = tempfile::tempdir().unwrap();
    let inputs = [
        Input::new(secfw_testkit::corpora("trivy/trivy__alpine-310.json"), Format::Auto),
        Input::new(secfw_testkit::corpora("sarif/defectdojo__semgrep-1.69.0.sarif"), Format::Sarif),
        Input::new(secfw_testkit::corpora("npm-audit/defectdojo__npm7plus-many_vulns.json"), Format::NpmAudit),
        Input::new(secfw_testkit::corpora("cargo-audit/quality-time__cargo_audit.json"), Format::Auto),
        Input::new(secfw_testkit::corpora("osv-scanner/osv-scanner__test-vuln-results-a.json"), Format::Auto),
        Input::new(secfw_testkit::corpora("grype/defectdojo__grype-check_all_fields.json"), Format::Auto),
    ];
    let out = ingest(d.path(), &inputs, &IngestOptions::new(t("2025-03-01T10:00:00Z"))).unwrap();
    assert_eq!(out.summary.opened.len(), 4 + 77 + 3 + 4 + 2 + 5);
    assert_eq!(out.ledger.scans.len(), 6);
    let src = secfw_artifacts::SourceFile::new("sec_findings.yaml", ledger_text(d.path()));
    let mut diags = Vec::new();
    let back = parse_findings(&src, &LoadOptions::default().strict(true), &mut diags).unwrap();
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(back, out.ledger);
    assert_eq!(back.findings[0].finding_id, "SF-0001");
    assert_eq!(back.findings.last().unwrap().finding_id, "SF-0095");
}

#[test]
fn reingest_updates_last_seen_resolves_the_missing_and_reopens_with_a_new_id() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let a = write(dir, "a.sarif", &sarif_repo(&[("R1", "x.js"), ("R2", "y.js")], true));
    let o1 = ingest(dir, std::slice::from_ref(&a), &IngestOptions::new(t("2025-03-01T00:00:00Z"))).unwrap();
    assert_eq!(o1.summary.opened, ["SF-0001", "SF-0002"]);
    // Same report again, later: nothing new, last_seen moves, no duplicate scan record.
    let o2 = ingest(dir, std::slice::from_ref(&a), &IngestOptions::new(t("2025-03-02T00:00:00Z"))).unwrap();
    assert!(o2.summary.opened.is_empty());
    assert_eq!(o2.summary.updated.len(), 2);
    assert_eq!(o2.ledger.findings.len(), 2);
    assert_eq!(o2.ledger.scans.len(), 1);
    assert_eq!(o2.ledger.findings[0].last_seen.unwrap().to_string(), "2025-03-02T00:00:00Z");
    assert_eq!(o2.ledger.findings[0].first_seen.unwrap().to_string(), "2025-03-01T00:00:00Z");
    // R2 disappears from a successful scan of the same target: resolved.
    let b = write(dir, "b.sarif", &sarif_repo(&[("R1", "x.js")], true));
    let o3 = ingest(dir, &[b], &IngestOptions::new(t("2025-03-03T00:00:00Z"))).unwrap();
    let rule = |f: &secfw_artifacts::Finding| f.source.as_ref().unwrap().rule_id.clone().unwrap();
    let r2 = o3.ledger.findings.iter().find(|f| rule(f) == "R2").unwrap();
    assert_eq!(o3.summary.resolved, std::slice::from_ref(&r2.finding_id));
    let r2_id = r2.finding_id.clone();
    assert_eq!(
        (r2.status, r2.resolved_at.unwrap().to_string().as_str()),
        (FindingStatus::Resolved, "2025-03-03T00:00:00Z")
    );
    // A failed scan without R1 resolves nothing.
    let c = write(dir, "c.sarif", &sarif_repo(&[], false));
    let o4 = ingest(dir, &[c], &IngestOptions::new(t("2025-03-04T00:00:00Z"))).unwrap();
    assert!(o4.summary.resolved.is_empty());
    assert_eq!(o4.summary.failed_scans.len(), 1);
    // R2 comes back: a new finding that supersedes the resolved one; the old id is not reused.
    let o5 = ingest(dir, &[a], &IngestOptions::new(t("2025-03-05T00:00:00Z"))).unwrap();
    assert_eq!(o5.summary.reopened, [("SF-0003".to_owned(), r2_id.clone())]);
    let f3 = o5.ledger.findings.iter().find(|f| f.finding_id == "SF-0003").unwrap();
    assert_eq!(f3.supersedes.as_deref(), Some(r2_id.as_str()));
    let old = o5.ledger.findings.iter().find(|f| f.finding_id == r2_id).unwrap();
    assert_eq!(f3.fingerprint, old.fingerprint);
    assert_eq!(old.status, FindingStatus::Resolved);
    assert_eq!(o5.ledger.findings.len(), 3);
}

#[test]
fn new_ids_continue_the_ledgers_own_scheme() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let a = write(dir, "a.sarif", &sarif(&[("R1", "x.js")], true));
    ingest(dir, std::slice::from_ref(&a), &IngestOptions::new(t("2025-03-01T00:00:00Z"))).unwrap();
    let text = ledger_text(dir).replace("SF-0001", "VULN-041");
    std::fs::write(dir.join("sec_findings.yaml"), text).unwrap();
    let b = write(dir, "b.sarif", &sarif(&[("R1", "x.js"), ("R9", "z.js")], true));
    let o = ingest(dir, &[b], &IngestOptions::new(t("2025-03-02T00:00:00Z"))).unwrap();
    assert_eq!(o.summary.opened, ["VULN-042"]);
    assert_eq!(o.summary.updated, ["VULN-041"]);
}

#[test]
fn rejected_input_leaves_the_ledger_byte_for_byte_unchanged() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let a = write(dir, "a.sarif", &sarif(&[("R1", "x.js")], true));
    ingest(dir, std::slice::from_ref(&a), &IngestOptions::new(t("2025-03-01T00:00:00Z"))).unwrap();
    let before = ledger_text(dir);
    let full = sarif(&[("R1", "x.js"), ("R2", "y.js")], true);
    for (name, text) in [
        ("trunc.sarif", full.get(..full.len() / 2).expect("the SARIF text is ASCII")),
        ("null.json", "null"),
        ("empty.json", ""),
        ("v1.sarif", r#"{"version":"1.0.0","runs":[]}"#),
    ] {
        let bad = write(dir, name, text);
        let e = ingest(dir, &[a.clone(), bad], &IngestOptions::new(t("2025-03-09T00:00:00Z"))).unwrap_err();
        let diag = &e.diagnostics()[0];
        assert_eq!(diag.file, name);
        assert!(diag.hint.is_some());
        assert_eq!(ledger_text(dir), before, "{name} changed the ledger");
    }
}

#[test]
fn same_inputs_and_now_give_the_same_bytes() {
    let now = t("2025-03-01T00:00:00Z");
    let inputs = [
        Input::new(secfw_testkit::corpora("grype/defectdojo__grype-many_vulns3.json"), Format::Auto),
        Input::new(secfw_testkit::corpora("sarif/smithy__gosec.sarif"), Format::Auto),
    ];
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    ingest(a.path(), &inputs, &IngestOptions::new(now)).unwrap();
    let reversed: Vec<Input> = inputs.iter().rev().cloned().collect();
    ingest(b.path(), &reversed, &IngestOptions::new(now)).unwrap();
    // ScannerReport order changes scan order only by start time ties; findings and ids are identical.
    let la: secfw_artifacts::FindingsFile = secfw_artifacts::yaml::parse(
        &secfw_artifacts::SourceFile::new("a", ledger_text(a.path())),
        secfw_artifacts::yaml::UnknownFields::Deny,
    )
    .unwrap()
    .value;
    let lb: secfw_artifacts::FindingsFile = secfw_artifacts::yaml::parse(
        &secfw_artifacts::SourceFile::new("b", ledger_text(b.path())),
        secfw_artifacts::yaml::UnknownFields::Deny,
    )
    .unwrap()
    .value;
    let ids = |l: &secfw_artifacts::FindingsFile| {
        l.findings.iter().map(|f| (f.finding_id.clone(), f.fingerprint.clone())).collect::<Vec<_>>()
    };
    assert_eq!(ids(&la), ids(&lb));
    let c = tempfile::tempdir().unwrap();
    ingest(c.path(), &inputs, &IngestOptions::new(now)).unwrap();
    assert_eq!(ledger_text(a.path()), ledger_text(c.path()));
}

#[test]
fn targets_and_locations_match_inventory_resources() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("inventory.yaml"),
        "version: \"1.0\"\nresources:\n  - id: ghcr.io/aquasecurity/trivy-test-images\n    type: image\n    owner: platform\n    environment: production\n    tags: [PII]\n  - id: web\n    type: service\n    owner: web-team\n",
    )
    .unwrap();
    let img = write(
        dir,
        "img.json",
        &std::fs::read_to_string(secfw_testkit::corpora("trivy/trivy__alpine-310.json"))
            .unwrap()
            .replace("testdata/fixtures/images/alpine-310.tar.gz", "ghcr.io/aquasecurity/trivy-test-images:alpine-310"),
    );
    let code = write(dir, "code.sarif", &sarif(&[("R1", "web/src/a.js")], true));
    let o = ingest(dir, &[img, code], &IngestOptions::new(t("2025-03-01T00:00:00Z"))).unwrap();
    let trivy = o.ledger.findings.iter().find(|f| f.source.as_ref().unwrap().tool == "trivy").unwrap();
    assert_eq!(trivy.affected_resources[0].resource_id, "ghcr.io/aquasecurity/trivy-test-images");
    assert_eq!(trivy.affected_resources[0].resource_type, "image");
    assert_eq!(trivy.detected_in.as_deref(), Some("production"));
    assert_eq!(trivy.governance.tags, ["PII"]);
    let demo = o.ledger.findings.iter().find(|f| f.source.as_ref().unwrap().tool == "demo").unwrap();
    assert_eq!(demo.affected_resources[0].resource_id, "web");
    assert_eq!(demo.affected_resources[0].location, "web/src/a.js:3");
    let scan = o.ledger.scans.iter().find(|s| s.tool == "trivy").unwrap();
    assert_eq!(scan.targets, ["ghcr.io/aquasecurity/trivy-test-images"]);
    // The SARIF run has no repository: its target `.` matches nothing and is reported.
    assert!(o.summary.diagnostics.iter().any(|d| d.code.as_str() == "IN0105" && d.message.contains("`.`")));
}

#[test]
fn an_invalid_existing_ledger_is_not_rewritten() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(dir.join("sec_findings.yaml"), "version: \"1.0\"\nmetadata: [oops]\n").unwrap();
    let a = write(dir, "a.sarif", &sarif(&[("R1", "x.js")], true));
    let e = ingest(dir, &[a], &IngestOptions::new(t("2025-03-01T00:00:00Z"))).unwrap_err();
    assert!(matches!(e, secfw_ingest::Error::LedgerInvalid(_)), "{e}");
    assert_eq!(ledger_text(dir), "version: \"1.0\"\nmetadata: [oops]\n");
}

#[test]
fn every_accepted_corpus_file_merges_into_one_clean_ledger() {
    let d = tempfile::tempdir().unwrap();
    let mut inputs = Vec::new();
    for dir in ["sarif", "trivy", "grype", "cargo-audit", "osv-scanner", "npm-audit"] {
        for e in std::fs::read_dir(secfw_testkit::corpora(dir)).unwrap() {
            let p = e.unwrap().path();
            if secfw_ingest::parse_path(&p, "x", Format::Auto, &secfw_ingest::ParseOptions::default()).is_ok() {
                inputs.push(Input::new(p, Format::Auto));
            }
        }
    }
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    assert!(inputs.len() > 70);
    let o = ingest(d.path(), &inputs, &IngestOptions::new(t("2030-01-01T00:00:00Z"))).unwrap();
    let src = secfw_artifacts::SourceFile::new("sec_findings.yaml", ledger_text(d.path()));
    let mut diags = Vec::new();
    parse_findings(&src, &LoadOptions::default().strict(true), &mut diags).unwrap();
    assert!(diags.is_empty(), "{:?}", &diags[..diags.len().min(5)]);
    assert!(o.ledger.findings.len() > 3000);
}
