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
    let (reg, d) = secfw_artifacts::parse_exceptions(&SourceFile::new("exceptions.md", md), Level::Error);
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
    assert!(serial.len() == 45 && serial.starts_with("urn:uuid:") && serial.chars().nth(23) == Some('5'), "{serial}");
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

// --- VEX in -----------------------------------------------------------------------------------

use secfw_suppress::vex_in::{VexStatus, read_vex, resolve};

#[test]
fn the_real_trivy_openvex_document_is_read_statement_by_statement() {
    let text = std::fs::read_to_string(secfw_testkit::corpora("vex/trivy__trivy.openvex.json")).unwrap();
    let (sts, diags) = read_vex("trivy.openvex.json", &text);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(sts.len() >= 21, "one statement per product and subcomponent: {}", sts.len());
    assert!(
        sts.iter()
            .all(|s| s.status == VexStatus::NotAffected && s.justification.is_some() && s.author == "Aqua Security")
    );
    assert_eq!(sts[0].vulnerability, "GO-2024-2575");
    assert_eq!(sts[0].aliases, ["CVE-2024-26147", "GHSA-r53h-jv2g-vpx6"]);
    assert_eq!(sts[0].subcomponent.as_deref(), Some("pkg:golang/helm.sh/helm/v3"));
    assert_eq!(sts[0].pos.map(|p| p.line), Some(9));
    // Nobody trusted: nothing recorded, every statement reported.
    let r = resolve(sts.clone(), &[]);
    assert!(r.statements.is_empty() && r.diagnostics.iter().all(|d| d.code.as_str() == "SP0402"));
    let r = resolve(sts, &["aqua security".to_owned()]);
    assert!(!r.statements.is_empty() && r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
}

#[test]
fn our_own_vex_reads_back_with_the_same_decisions() {
    let ws = workspace();
    let r = rules(&ws, &evaluate(&ws, now()));
    let opts = VexOptions::new("security@acme.test", now());
    let doc = openvex(&r, &opts).0.unwrap();
    let (sts, diags) = read_vex("vex.json", &doc.to_string());
    assert!(diags.is_empty(), "{diags:?}");
    let got: Vec<(&str, &str, VexStatus)> =
        sts.iter().map(|s| (s.vulnerability.as_str(), s.product.as_str(), s.status)).collect();
    assert_eq!(
        got,
        [
            ("RUSTSEC-2099-0001", "pkg:cargo/hex@0.4.3", VexStatus::Affected),
            ("CVE-2020-26235", "pkg:cargo/time", VexStatus::NotAffected)
        ]
    );
    let (cdx, _) = cyclonedx(&r, &opts);
    let (sts, diags) = read_vex("bom.json", &cdx.to_string());
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(sts[1].justification.as_deref(), Some("code_not_reachable"));
    assert_eq!(sts[0].product, "pkg:cargo/hex@0.4.3", "bom-refs resolve to purls");
}

#[test]
fn csaf_vex_product_status_flags_and_threats_are_read() {
    let csaf = serde_json::json!({
        "document": {"category": "csaf_vex", "publisher": {"name": "Example PSIRT"}, "tracking": {"current_release_date": "2026-11-01T00:00:00Z"}},
        "product_tree": {"branches": [{"branches": [{"product": {"product_id": "P1", "name": "app 1.0", "product_identification_helper": {"purl": "pkg:cargo/app@1.0.0"}}}]}]},
        "vulnerabilities": [{
            "cve": "CVE-2026-0001",
            "product_status": {"known_not_affected": ["P1"], "known_affected": ["P2"]},
            "flags": [{"label": "vulnerable_code_not_in_execute_path", "product_ids": ["P1"]}],
            "threats": [{"category": "impact", "details": "Remote code execution", "product_ids": ["P2"]}]
        }]
    });
    let text = serde_json::to_string_pretty(&csaf).unwrap();
    let item_line = u32::try_from(text.lines().position(|l| l.contains("\"vulnerabilities\"")).unwrap() + 2).unwrap();
    let (sts, diags) = read_vex("csaf.json", &text);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(sts.len(), 2);
    assert_eq!((sts[0].product.as_str(), sts[0].status), ("pkg:cargo/app@1.0.0", VexStatus::NotAffected));
    assert_eq!(sts[0].justification.as_deref(), Some("vulnerable_code_not_in_execute_path"));
    assert_eq!((sts[1].product.as_str(), sts[1].statement.as_deref()), ("P2", Some("Remote code execution")));
    assert_eq!((sts[0].author.as_str(), sts[0].pos.map(|p| p.line)), ("Example PSIRT", Some(item_line)));
}

fn ovex(author: &str, time: &str, status: &str) -> String {
    let mut st = serde_json::json!({"vulnerability": {"name": "CVE-2026-7"}, "products": [{"@id": "pkg:cargo/app@1.0.0"}], "status": status});
    if status == "not_affected" {
        st["justification"] = "component_not_present".into();
    } else {
        st["action_statement"] = "upgrade".into();
    }
    serde_json::json!({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": author, "timestamp": time, "version": 1, "statements": [st]}).to_string()
}

#[test]
fn conflicting_statements_resolve_to_the_latest_whatever_the_order_and_are_reported() {
    let a = read_vex("a.json", &ovex("vendor", "2026-11-01T00:00:00Z", "affected")).0;
    let b = read_vex("b.json", &ovex("vendor", "2026-11-10T00:00:00Z", "not_affected")).0;
    let trusted = ["Vendor".to_owned()];
    let one = resolve([a.clone(), b.clone()].concat(), &trusted);
    let two = resolve([b, a].concat(), &trusted);
    assert_eq!(one, two, "input order never decides");
    assert_eq!(one.statements.len(), 1);
    assert_eq!((one.statements[0].status, one.statements[0].file.as_str()), (VexStatus::NotAffected, "b.json"));
    assert_eq!(one.diagnostics.len(), 1);
    let d = &one.diagnostics[0];
    assert_eq!(d.code.as_str(), "SP0403");
    assert!(d.message.contains("not_affected by vendor") && d.related[0].file == "a.json", "{d:?}");
}

#[test]
fn an_unjustified_not_affected_and_a_non_vex_document_are_refused() {
    let text = serde_json::json!({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "v", "timestamp": "2026-11-01T00:00:00Z", "version": 1,
        "statements": [{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x@1"}], "status": "not_affected"}]}).to_string();
    let (sts, diags) = read_vex("v.json", &text);
    assert!(sts.is_empty());
    assert_eq!(diags.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), ["SP0404"]);
    let (_, diags) = read_vex("x.json", "{\"hello\": 1}");
    assert_eq!(diags[0].code.as_str(), "SP0401");
    let (_, diags) = read_vex("x.json", "not json");
    assert_eq!(diags[0].code.as_str(), "SP0401");
}

secfw_testkit::interop_test! { [python]
    /// check-jsonschema validates the CycloneDX VEX output against the official CycloneDX 1.5 JSON
    /// Schema (with the SPDX licence and JSF signature schemas it references), offline: the
    /// vendored schemas are copied side by side and the top-level `$id` is dropped so the
    /// relative `$ref`s resolve to the local files instead of cyclonedx.org.
    fn cyclonedx_vex_is_valid_against_the_official_cyclonedx_1_5_schema() {
        let python = secfw_testkit::python().expect("the interop venv (scripts/interop-tools)");
        let checker = python.with_file_name("check-jsonschema");
        let t = tempfile::tempdir().unwrap();
        for name in ["bom-1.5.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"] {
            let text = std::fs::read_to_string(secfw_testkit::corpora("vex-schemas").join(format!("cyclonedx__{name}"))).unwrap();
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            if name.starts_with("bom") {
                assert_eq!(v["$id"], "http://cyclonedx.org/schema/bom-1.5.schema.json");
                v.as_object_mut().unwrap().remove("$id");
            }
            std::fs::write(t.path().join(name), serde_json::to_vec(&v).unwrap()).unwrap();
        }
        let check = |doc: &serde_json::Value| {
            let p = t.path().join("vex.cdx.json");
            std::fs::write(&p, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
            let out = std::process::Command::new(&checker)
                .arg("--schemafile")
                .arg(t.path().join("bom-1.5.schema.json"))
                .arg(&p)
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", checker.display()));
            (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
        };
        let ws = workspace();
        let r = rules(&ws, &evaluate(&ws, now()));
        let (doc, _) = cyclonedx(&r, &VexOptions::new("security@acme.test", now()));
        assert_eq!(doc["vulnerabilities"].as_array().map(Vec::len), Some(2), "an acceptance and a not_affected claim");
        let (ok, out) = check(&doc);
        assert!(ok, "the CycloneDX VEX output is not valid CycloneDX 1.5:\n{out}\n{doc:#}");
        // The check is live: an analysis state CycloneDX does not define fails it, and so does a
        // licence id that is not SPDX's (proves spdx.schema.json resolved locally).
        let mut bad = doc.clone();
        bad["vulnerabilities"][0]["analysis"]["state"] = "accepted".into();
        assert!(!check(&bad).0, "an unknown analysis state must fail the schema");
        let mut bad = doc;
        bad["components"][0]["licenses"] = serde_json::json!([{"license": {"id": "NOT-AN-SPDX-ID"}}]);
        let (ok, out) = check(&bad);
        assert!(!ok && out.contains("NOT-AN-SPDX-ID"), "{out}");
    }
}
