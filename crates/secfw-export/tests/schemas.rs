//! Every export validates against its official schema; SARIF round-trips through ingest.

use std::path::Path;

use chrono::{DateTime, Utc};
use secfw_artifacts::{ExceptionRegistry, FindingsFile};
use secfw_export::{ExportInput, OscalVersion, Vcs};
use secfw_ingest::{Format, IngestOptions, Input};
use serde_json::Value;

fn now() -> DateTime<Utc> {
    "2025-03-10T12:00:00Z".parse().unwrap()
}

fn schema(path: &Path) -> jsonschema::Validator {
    let s: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options().should_validate_formats(true).build(&s).expect("schema compiles")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).take(10).collect()
}

/// A ledger built by ingesting real reports, with one finding excepted.
fn ledger(dir: &Path) -> (FindingsFile, ExceptionRegistry) {
    let inputs = [
        Input::new(secfw_testkit::corpora("sarif/defectdojo__semgrep-1.69.0.sarif"), Format::Auto),
        Input::new(secfw_testkit::corpora("trivy/trivy__alpine-310.json"), Format::Auto),
        Input::new(secfw_testkit::corpora("npm-audit/defectdojo__npm7plus-many_vulns.json"), Format::Auto),
        Input::new(secfw_testkit::corpora("cargo-audit/quality-time__cargo_audit.json"), Format::Auto),
    ];
    let out = secfw_ingest::ingest(
        dir,
        &secfw_ingest::WorkspaceLock::acquire(dir, std::time::Duration::from_secs(10)).unwrap(),
        &inputs,
        &IngestOptions::new("2025-03-01T00:00:00Z".parse().unwrap()),
    )
    .unwrap();
    let mut ledger = out.ledger;
    ledger.findings[0].governance.exception_ref = Some("EXC-001".into());
    ledger.findings[0].governance.policy_refs = vec!["POL-001".into()];
    ledger.findings[1].status = secfw_artifacts::FindingStatus::Resolved;
    ledger.findings[1].resolved_at = Some(secfw_artifacts::Timestamp::DateTime(now()));
    let mut e = secfw_artifacts::Exception::new(
        "EXC-001",
        "Accept for now",
        "POL-001",
        "dev",
        vec!["ciso".into()],
        "2025-06-30".parse().unwrap(),
    );
    e.justification = Some("vendor fix pending".into());
    e.risk_mitigation = vec!["WAF rule blocks the payload".into()];
    (ledger, ExceptionRegistry::new(vec![e]))
}

#[test]
fn sarif_export_is_valid_sarif_2_1_0_with_suppressions_and_provenance() {
    let d = tempfile::tempdir().unwrap();
    let (l, ex) = ledger(d.path());
    let vcs = Vcs::new("https://github.com/acme/pay", Some("0123abcd".into()), Some("main".into()));
    let input = ExportInput::new(&l, now()).exceptions(Some(&ex)).vcs(Some(&vcs));
    let doc = secfw_export::sarif(&input);
    let v = schema(&secfw_testkit::corpora("sarif-schema/sarif-schema-2.1.0.json"));
    assert_eq!(errors(&v, &doc), Vec::<String>::new());
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), l.findings.len() - 1, "resolved findings are not exported");
    let sup: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(sup.len(), 1);
    assert_eq!(sup[0]["suppressions"][0]["justification"], "EXC-001: vendor fix pending");
    assert_eq!(doc["runs"][0]["versionControlProvenance"][0]["revisionId"], "0123abcd");
    // Specific rule ids, never one generic id.
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let mut ids: Vec<&str> = l
        .findings
        .iter()
        .filter(|f| f.status != secfw_artifacts::FindingStatus::Resolved)
        .map(|f| f.source.as_ref().unwrap().rule_id.as_deref().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert!(ids.len() > 20);
    assert_eq!(rules.iter().map(|r| r["id"].as_str().unwrap()).collect::<Vec<_>>(), ids);
    assert!(results.iter().all(|r| r["partialFingerprints"]["secfw/v1"].as_str().unwrap().starts_with("secfw/v1:")));
    // An expired exception no longer suppresses.
    let late = ExportInput::new(&l, "2025-07-01T00:00:00Z".parse().unwrap()).exceptions(Some(&ex));
    let doc2 = secfw_export::sarif(&late);
    assert!(doc2["runs"][0]["results"].as_array().unwrap().iter().all(|r| r.get("suppressions").is_none()));
}

#[test]
fn oscal_exports_are_valid_against_1_1_2_and_1_2_1() {
    let d = tempfile::tempdir().unwrap();
    let (l, ex) = ledger(d.path());
    let input = ExportInput::new(&l, now()).exceptions(Some(&ex));
    for (ver, dir) in [(OscalVersion::V1_1_2, "v1.1.2"), (OscalVersion::V1_2_1, "v1.2.1")] {
        let ar = secfw_export::assessment_results(&input, ver);
        let v = schema(&secfw_testkit::corpora(&format!("oscal-schemas/{dir}/oscal_assessment-results_schema.json")));
        assert_eq!(errors(&v, &ar), Vec::<String>::new(), "AR {dir}");
        let p = secfw_export::poam(&input, ver);
        let v = schema(&secfw_testkit::corpora(&format!("oscal-schemas/{dir}/oscal_poam_schema.json")));
        assert_eq!(errors(&v, &p), Vec::<String>::new(), "POA&M {dir}");
        let risks = ar["assessment-results"]["results"][0]["risks"].as_array().unwrap();
        let approved: Vec<&Value> = risks.iter().filter(|r| r["status"] == "deviation-approved").collect();
        assert_eq!(approved.len(), 1);
        assert_eq!(approved[0]["mitigating-factors"][0]["description"], "WAF rule blocks the payload");
        assert!(risks.iter().all(|r| r["deadline"].is_string()));
    }
    // Stable UUIDs: a second export at another time has the same UUIDs.
    let later = ExportInput::new(&l, "2025-04-01T00:00:00Z".parse().unwrap()).exceptions(Some(&ex));
    let a = secfw_export::poam(&input, OscalVersion::V1_1_2);
    let b = secfw_export::poam(&later, OscalVersion::V1_1_2);
    assert_eq!(a["plan-of-action-and-milestones"]["poam-items"], b["plan-of-action-and-milestones"]["poam-items"]);
    assert_eq!(a["plan-of-action-and-milestones"]["uuid"], b["plan-of-action-and-milestones"]["uuid"]);
}

#[test]
fn sarif_round_trip_through_ingest_preserves_findings() {
    let d = tempfile::tempdir().unwrap();
    let (l, _) = ledger(d.path());
    let text = secfw_export::to_json(&secfw_export::sarif(&ExportInput::new(&l, now()))).unwrap();
    let report = secfw_ingest::parse_slice(
        text.as_bytes(),
        "export.sarif",
        Format::Auto,
        &secfw_ingest::ParseOptions::default(),
    )
    .unwrap();
    let mut back: Vec<(String, String, Vec<String>, Vec<String>)> = report.scans[0]
        .items
        .iter()
        .map(|i| (i.fingerprint.clone(), i.severity.to_string(), i.cwe.clone(), i.cve.clone()))
        .collect();
    let mut orig: Vec<(String, String, Vec<String>, Vec<String>)> = l
        .findings
        .iter()
        .filter(|f| f.status != secfw_artifacts::FindingStatus::Resolved)
        .map(|f| (f.fingerprint.clone().unwrap(), f.severity.to_string(), f.cwe.clone(), f.cve.clone()))
        .collect();
    back.sort();
    orig.sort();
    assert_eq!(back, orig);
}

#[test]
fn exports_are_deterministic_and_junit_github_reflect_open_findings() {
    let d = tempfile::tempdir().unwrap();
    let (l, ex) = ledger(d.path());
    let input = ExportInput::new(&l, now()).exceptions(Some(&ex));
    for f in secfw_export::Format::ALL {
        let a = secfw_export::render(f, &input, OscalVersion::V1_1_2).unwrap();
        let b = secfw_export::render(f, &input, OscalVersion::V1_1_2).unwrap();
        assert_eq!(a, b, "{f}");
    }
    let j = secfw_export::junit(&input);
    assert!(j.starts_with("<?xml"));
    assert!(j.contains("name=\"POL-001: (not in policy_map.md)\""));
    assert!(j.contains("EXC-001"));
    let open = l.findings.iter().filter(|f| f.status == secfw_artifacts::FindingStatus::Open).count() - 1;
    assert_eq!(j.matches("<failure").count(), open);
    let g = secfw_export::github(&input);
    assert_eq!(g.lines().count(), l.findings.len() - 1);
    assert!(g.lines().all(|x| x.starts_with("::error ") || x.starts_with("::warning ") || x.starts_with("::notice ")));
    assert!(g.contains("excepted by EXC-001"));
}
