//! VEX out: OpenVEX 0.2.0 (validated against the official JSON Schema) and CycloneDX 1.5.

use chrono::{DateTime, Utc};
use secfw_artifacts::model::rulebook::Rulebook;
use secfw_artifacts::{Level, LoadedWorkspace, SourceFile};
use secfw_governance::evaluate;
use secfw_suppress::rules;
use secfw_suppress::vex::{VexOptions, cyclonedx, openvex};

fn exc(id: &str, extra: &str) -> String {
    format!(
        "\n### {id}: t\n- **Policy**: POL-007\n- **Severity**: Medium\n{extra}- **Requestor**: dev@x.test\n- **Approval**: sec@x.test\n- **Approved On**: 2026-11-01\n- **Valid Until**: 2027-01-31\n- **Justification**: Reviewed by {id}'s owners.\n- **Risk Assessment**: low\n- **Risk Mitigation**:\n  - isolated\n"
    )
}

fn workspace() -> LoadedWorkspace {
    let mut md = String::from("# R\n\n## Active Exceptions\n");
    md +=
        &exc("EXC-001", "- **Advisories**: RUSTSEC-2099-0001\n- **Package**: pkg:cargo/hex\n- **Versions**: =0.4.3\n");
    md += &exc(
        "EXC-002",
        "- **Type**: not affected\n- **VEX Justification**: vulnerable_code_not_in_execute_path\n- **Advisories**: CVE-2020-26235\n- **Package**: pkg:cargo/time\n",
    );
    md += &exc("EXC-003", "- **Advisories**: CVE-2024-0001\n");
    let (reg, d) = secfw_artifacts::exceptions::parse(&SourceFile::new("exceptions.md", md), Level::Error);
    assert!(d.is_empty(), "{d:?}");
    let mut rb = Rulebook::with_defaults("1.0.0");
    rb.exceptions.approvers.security_team = vec!["sec@x.test".into()];
    let mut ws = LoadedWorkspace::default();
    ws.rulebook = Some(rb);
    ws.exceptions = Some(reg);
    ws
}

fn now() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

#[test]
fn openvex_is_valid_against_the_official_schema_and_keeps_acceptance_and_claims_apart() {
    let ws = workspace();
    let r = rules(&ws, &evaluate(&ws, now()));
    let opts = VexOptions::new("security@acme.test", now());
    let (doc, diags) = openvex(&r, &opts);
    let doc = doc.unwrap();
    assert_eq!(diags.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), ["SP0207"], "EXC-003 names no product");
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(secfw_testkit::corpora("vex-schemas/openvex__openvex_json_schema.json")).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
    // The schema check is live: a risk acceptance relabelled not_affected fails it.
    let mut mixed = doc.clone();
    mixed["statements"][0]["status"] = "not_affected".into();
    assert!(!v.is_valid(&mixed));
    let st = doc["statements"].as_array().unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(st[0]["status"], "affected", "a risk acceptance is affected, never not_affected");
    assert!(st[0]["action_statement"].as_str().unwrap().contains("EXC-001") && st[0].get("justification").is_none());
    assert_eq!(st[0]["products"][0]["@id"], "pkg:cargo/hex@0.4.3");
    assert_eq!(
        (st[1]["status"].as_str(), st[1]["justification"].as_str()),
        (Some("not_affected"), Some("vulnerable_code_not_in_execute_path"))
    );
    assert_eq!(st[1]["products"][0]["@id"], "pkg:cargo/time");
    assert_eq!(openvex(&r, &opts).0.unwrap(), doc, "deterministic");
    // Nothing to state: no document (OpenVEX needs a statement).
    assert!(openvex(&[], &opts).0.is_none());
}

#[test]
fn cyclonedx_vex_refers_to_its_components_and_uses_the_analysis_enums() {
    let ws = workspace();
    let r = rules(&ws, &evaluate(&ws, now()));
    let (doc, _) = cyclonedx(&r, &VexOptions::new("security@acme.test", now()));
    assert_eq!((doc["bomFormat"].as_str(), doc["specVersion"].as_str()), (Some("CycloneDX"), Some("1.5")));
    let serial = doc["serialNumber"].as_str().unwrap();
    assert!(serial.len() == 45 && serial.starts_with("urn:uuid:") && &serial[23..24] == "5", "{serial}");
    let refs: Vec<&str> =
        doc["components"].as_array().unwrap().iter().map(|c| c["bom-ref"].as_str().unwrap()).collect();
    for v in doc["vulnerabilities"].as_array().unwrap() {
        for a in v["affects"].as_array().unwrap() {
            assert!(refs.contains(&a["ref"].as_str().unwrap()), "{a} resolves to a component");
        }
        let state = v["analysis"]["state"].as_str().unwrap();
        assert!(["exploitable", "not_affected"].contains(&state));
        if state == "not_affected" {
            assert_eq!(v["analysis"]["justification"], "code_not_reachable");
        } else {
            assert_eq!(v["analysis"]["response"][0], "will_not_fix");
        }
    }
    assert_eq!(doc["vulnerabilities"][0]["analysis"]["state"], "exploitable");
    assert_eq!(doc["vulnerabilities"][1]["analysis"]["state"], "not_affected");
}
