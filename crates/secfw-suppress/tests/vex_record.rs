//! VEX in, recorded: a trusted, justified `not_affected` statement is an exception-grade
//! decision; everything else never suppresses anything. One test per attack.

use std::path::Path;

use chrono::{DateTime, Utc};
use secfw_artifacts::model::rulebook::Rulebook;
use secfw_artifacts::model::vex::VEX_RECORD;
use secfw_artifacts::{FindingsFile, LoadedWorkspace, SourceFile};
use secfw_governance::{Disposition, evaluate};
use secfw_suppress::vex_in::vex_in;

fn now() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

fn finding(id: &str, cve: &str, location: &str) -> serde_json::Value {
    serde_json::json!({
        "finding_id": id, "severity": "critical", "category": "vulnerability", "title": "t", "description": "d",
        "affected_resources": [{"resource_id": "app", "resource_type": "package", "location": location}],
        "remediation": {"recommended_action": "upgrade", "priority": "P1", "deadline": "2027-06-01"},
        "governance": {"tags": [], "compliance_standards": [], "policy_refs": ["POL-007"]},
        "cve": [cve]
    })
}

/// F-1: CVE-2026-0001 in pkg:cargo/time 0.1.45; F-2: the same CVE in 0.1.44; F-3: the same
/// CVE in `time@0.1.45` (no purl: ecosystem unknown). The rulebook trusts "Vendor".
fn workspace(root: &Path) -> LoadedWorkspace {
    let mut rb = Rulebook::with_defaults("1.0.0");
    rb.suppressions.trusted_vex_authors = vec!["Vendor".into()];
    let ledger: FindingsFile = serde_json::from_value(serde_json::json!({
        "version": "1.0",
        "metadata": {"scan_id": "s", "timestamp": "2026-11-20T00:00:00Z", "lifecycle_state": "PLANNED"},
        "findings": [
            finding("F-1", "CVE-2026-0001", "pkg:cargo/time@0.1.45"),
            finding("F-2", "CVE-2026-0001", "pkg:cargo/time@0.1.44"),
            finding("F-3", "CVE-2026-0001", "time@0.1.45"),
        ]
    }))
    .unwrap();
    let mut ws = LoadedWorkspace::default();
    root.clone_into(&mut ws.root);
    ws.rulebook = Some(rb);
    ws.findings = Some(ledger);
    ws
}

/// An OpenVEX document with one statement.
fn doc(author: &str, time: &str, product: &str, status: &str, justification: Option<&str>) -> String {
    let mut st = serde_json::json!({"vulnerability": {"name": "CVE-2026-0001"}, "products": [{"@id": product}], "status": status});
    match (status, justification) {
        (_, Some(j)) => st["justification"] = j.into(),
        ("not_affected", None) => st["impact_statement"] = "we looked at it".into(),
        _ => st["action_statement"] = "upgrade".into(),
    }
    serde_json::json!({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": author, "timestamp": time, "version": 1, "statements": [st]}).to_string()
}

/// Read `docs` in (recording them), reload the record from disk, and return the dispositions of
/// F-1 and F-2.
fn run(ws: &mut LoadedWorkspace, docs: &[(&str, String)]) -> (Disposition, Disposition) {
    let docs: Vec<(String, String)> = docs.iter().map(|(n, t)| ((*n).to_owned(), t.clone())).collect();
    vex_in(ws, &docs, now(), true).unwrap();
    reload(ws);
    dispositions(ws)
}

fn reload(ws: &mut LoadedWorkspace) {
    if let Ok(text) = std::fs::read_to_string(ws.root.join(VEX_RECORD)) {
        let (r, d) = secfw_artifacts::parse_vex_record(&SourceFile::new(VEX_RECORD, text));
        assert!(d.is_none(), "{d:?}");
        ws.vex = r;
    }
}

fn dispositions(ws: &LoadedWorkspace) -> (Disposition, Disposition) {
    let g = evaluate(ws, now());
    (g.finding("F-1").unwrap().disposition.clone(), g.finding("F-2").unwrap().disposition.clone())
}

fn counted() -> Disposition {
    Disposition::Counted { not_excepted: None }
}

const T1: &str = "2026-11-01T00:00:00Z";
const T2: &str = "2026-11-10T00:00:00Z";

#[test]
fn a_trusted_justified_not_affected_is_recorded_and_excepts_exactly_its_finding() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(dir.path());
    let d = doc("Vendor", T1, "pkg:cargo/time@0.1.45", "not_affected", Some("vulnerable_code_not_in_execute_path"));
    let (f1, f2) = run(&mut ws, &[("v.json", d.clone())]);
    assert_eq!(f1, Disposition::Excepted { exception: "VEX:Vendor:CVE-2026-0001".into() });
    assert_eq!(f2, counted(), "another version of the package is not covered");
    let g = evaluate(&ws, now());
    assert_eq!(g.finding("F-3").unwrap().disposition, counted(), "a finding without a purl is never decided by VEX");
    let g = evaluate(&ws, now());
    assert_eq!(g.counts.excepted_total(), 1);
    // The record: written by secfw under evidence/ (sealed with the inputs), with provenance.
    let rec = ws.vex.as_ref().unwrap();
    assert_eq!(rec.statements.len(), 1);
    let st = &rec.statements[0];
    assert_eq!((st.source.as_str(), st.author.as_str(), st.recorded_at), ("v.json", "Vendor", now()));
    assert_eq!(st.source_sha256.len(), 64);
    // Reading the same document again adds nothing.
    let again = vex_in(&ws, &[("v.json".into(), d)], now(), true).unwrap();
    assert_eq!(again.recorded, Some(0));
}

#[test]
fn a_forged_or_untrusted_author_never_suppresses() {
    for author in ["Vendor Inc", "Vendоr" /* Cyrillic o */, "", "Vendor\u{200b}", "attacker"] {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let d = doc(author, T1, "pkg:cargo/time@0.1.45", "not_affected", Some("component_not_present"));
        let out = vex_in(&ws, &[("v.json".into(), d.clone())], now(), true).unwrap();
        assert!(out.diagnostics.iter().any(|d| d.code.as_str() == "SP0402"), "{author:?}: {:?}", out.diagnostics);
        reload(&mut ws);
        assert_eq!(dispositions(&ws).0, counted(), "{author:?}");
    }
    // A record edited by hand to add an untrusted author's statement: trust is checked again
    // when the workspace is evaluated.
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(dir.path());
    run(
        &mut ws,
        &[("v.json", doc("Vendor", T1, "pkg:cargo/time@0.1.45", "not_affected", Some("component_not_present")))],
    );
    let mut rec = ws.vex.clone().unwrap();
    rec.statements[0].author = "attacker".into();
    ws.vex = Some(rec);
    assert_eq!(dispositions(&ws).0, counted());
}

#[test]
fn an_author_the_rulebook_no_longer_trusts_stops_counting() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(dir.path());
    let (f1, _) = run(
        &mut ws,
        &[("v.json", doc("Vendor", T1, "pkg:cargo/time@0.1.45", "not_affected", Some("component_not_present")))],
    );
    assert!(matches!(f1, Disposition::Excepted { .. }));
    ws.rulebook.as_mut().unwrap().suppressions.trusted_vex_authors = vec!["Someone Else".into()];
    assert_eq!(dispositions(&ws).0, counted());
}

#[test]
fn a_statement_for_a_different_product_never_suppresses() {
    for product in
        ["pkg:cargo/other@0.1.45", "pkg:npm/time@0.1.45", "pkg:cargo/acme/time@0.1.45", "time", "ghcr.io/acme/app:1"]
    {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let (f1, f2) =
            run(&mut ws, &[("v.json", doc("Vendor", T1, product, "not_affected", Some("component_not_present")))]);
        assert_eq!((f1, f2), (counted(), counted()), "{product}");
    }
}

#[test]
fn a_statement_for_the_cve_on_another_version_never_suppresses_this_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(dir.path());
    let (f1, f2) = run(
        &mut ws,
        &[("v.json", doc("Vendor", T1, "pkg:cargo/time@0.1.44", "not_affected", Some("component_not_present")))],
    );
    assert_eq!(f1, counted(), "0.1.45 is not the version the statement is about");
    assert!(matches!(f2, Disposition::Excepted { .. }));
    // Another CVE on the right package: nothing.
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(dir.path());
    let other = doc("Vendor", T1, "pkg:cargo/time@0.1.45", "not_affected", Some("component_not_present"))
        .replace("CVE-2026-0001", "CVE-2026-9999");
    assert_eq!(run(&mut ws, &[("v.json", other)]), (counted(), counted()));
}

#[test]
fn an_older_not_affected_never_overrides_a_newer_affected_even_read_later() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(dir.path());
    run(&mut ws, &[("new.json", doc("Vendor", T2, "pkg:cargo/time@0.1.45", "affected", None))]);
    let (f1, _) = run(
        &mut ws,
        &[("old.json", doc("Vendor", T1, "pkg:cargo/time@0.1.45", "not_affected", Some("component_not_present")))],
    );
    assert_eq!(f1, counted());
    assert_eq!(ws.vex.as_ref().unwrap().statements.len(), 2, "both are recorded; the newer is in effect");
    // The same time: the conservative status wins, whatever the order.
    for order in [["a", "n"], ["n", "a"]] {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let a = doc("Vendor", T1, "pkg:cargo/time@0.1.45", "affected", None);
        let n = doc("Vendor", T1, "pkg:cargo/time@0.1.45", "not_affected", Some("component_not_present"));
        for which in order {
            run(&mut ws, &[(which, if which == "a" { a.clone() } else { n.clone() })]);
        }
        assert_eq!(dispositions(&ws).0, counted(), "{order:?}");
    }
    // A newer not_affected does override an older affected.
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(dir.path());
    run(&mut ws, &[("a.json", doc("Vendor", T1, "pkg:cargo/time@0.1.45", "affected", None))]);
    let (f1, _) = run(
        &mut ws,
        &[("n.json", doc("Vendor", T2, "pkg:cargo/time@0.1.45", "not_affected", Some("component_not_present")))],
    );
    assert!(matches!(f1, Disposition::Excepted { .. }));
}

#[test]
fn not_affected_without_a_standard_justification_never_suppresses() {
    for j in [None, Some("trust_me"), Some("Component_Not_Present"), Some("")] {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let (f1, _) = run(&mut ws, &[("v.json", doc("Vendor", T1, "pkg:cargo/time@0.1.45", "not_affected", j))]);
        assert_eq!(f1, counted(), "{j:?}");
    }
}

#[test]
fn a_document_with_an_error_records_nothing_and_a_damaged_record_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path());
    let good = doc("Vendor", T1, "pkg:cargo/time@0.1.45", "not_affected", Some("component_not_present"));
    let out = vex_in(&ws, &[("good.json".into(), good.clone()), ("bad.json".into(), "not json".into())], now(), true)
        .unwrap();
    assert_eq!(out.recorded, None);
    assert!(!dir.path().join(VEX_RECORD).exists());
    std::fs::create_dir_all(dir.path().join("evidence/vex")).unwrap();
    std::fs::write(
        dir.path().join(VEX_RECORD),
        "{\"format\": \"secfw.vex-record/v1\", \"statements\": [], \"extra\": 1}",
    )
    .unwrap();
    let err = vex_in(&ws, &[("good.json".into(), good)], now(), true).unwrap_err();
    assert!(err.to_string().contains("SF0101"), "{err}");
    assert!(std::fs::read_to_string(dir.path().join(VEX_RECORD)).unwrap().contains("extra"));
    // Loading the workspace reports it, and no statement counts.
    let loaded = secfw_artifacts::load(dir.path(), &secfw_artifacts::LoadOptions::default()).unwrap();
    assert!(loaded.vex.is_none());
    assert!(loaded.diagnostics.iter().any(|d| d.file == VEX_RECORD && d.is_error()), "{:?}", loaded.diagnostics);
}
