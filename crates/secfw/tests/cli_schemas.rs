//! The JSON Schemas of the CLI's `--format json` reports, committed under `schemas/cli/`, are
//! exactly what the report types generate, and real reports validate against them.
//!
//! To regenerate after changing a report type: `SECFW_BLESS=1 cargo test -p secfw --test cli_schemas`.

use secfw::Workspace;
use secfw::ops::schemas;

fn example() -> std::path::PathBuf {
    secfw_testkit::repo_root().join("examples/acme")
}

#[test]
fn committed_cli_schemas_match_the_report_types() {
    let dir = secfw_testkit::repo_root().join("schemas/cli");
    let bless = std::env::var_os("SECFW_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, json) in schemas::all() {
        let path = dir.join(name);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &json).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(json.as_str()) {
            stale.push(name);
        }
    }
    // No schema file is left behind for a report that no longer exists.
    let known: Vec<&str> = schemas::all().iter().map(|(n, _)| *n).collect();
    for e in std::fs::read_dir(&dir).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(known.contains(&n.as_str()), "schemas/cli/{n} belongs to no report type");
    }
    assert!(
        stale.is_empty(),
        "CLI schemas out of date: {stale:?}; run SECFW_BLESS=1 cargo test -p secfw --test cli_schemas"
    );
}

fn validate(schema_name: &str, instance: &serde_json::Value) {
    let text = schemas::all().into_iter().find(|(n, _)| *n == schema_name).unwrap().1;
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(instance).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{schema_name}: {errors:#?}");
}

#[test]
fn real_reports_validate_against_their_schemas() {
    let now: secfw::Time = "2026-11-24T12:00:00Z".parse().unwrap();
    let ws = Workspace::open(example()).unwrap();
    validate("validate.schema.json", &serde_json::to_value(ws.validate()).unwrap());
    let lint = ws.spec_lint(&secfw::ops::SpecLintOptions::new(now)).unwrap();
    validate("spec-lint.schema.json", &serde_json::to_value(&lint).unwrap());
    let gates = ws.gate(&secfw::ops::GatesOptions::all(now)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&secfw::gates::format::json(&gates.run)).unwrap();
    validate("gate.schema.json", &json);
    let metrics = ws.metrics(&secfw::ops::MetricsOptions::new(now)).unwrap();
    validate("metrics.schema.json", &serde_json::to_value(&metrics).unwrap());
    let status = ws.status(&secfw::ops::StatusOptions::new(now)).unwrap();
    validate("status.schema.json", &serde_json::to_value(&status).unwrap());
    let log = ws.verify_log().unwrap();
    validate("log-verify.schema.json", &serde_json::to_value(&log).unwrap());
    let exc = ws.check_exceptions(&secfw::ops::ExceptionsCheckOptions::new(now)).unwrap();
    validate("exceptions-check.schema.json", &serde_json::to_value(&exc).unwrap());
    let plan = ws.tickets_plan(now).unwrap();
    validate("tickets-plan.schema.json", &serde_json::from_str(&plan.to_json()).unwrap());
    // gate new: the example compared with itself (the shape of every field).
    let cmp = secfw::lifecycle::compare_baseline(ws.artifacts(), ws.artifacts(), now, now);
    assert!(!cmp.excepted.is_empty());
    validate("gate-new.schema.json", &serde_json::to_value(&cmp).unwrap());
    // enrich: a dry run on a copy of the example with a KEV catalog in CISA's format.
    let copy = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(example()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, copy.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let kev = copy.path().join("kev.json");
    std::fs::write(
        &kev,
        r#"{"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.11.20",
            "dateReleased": "2026-11-20T17:01:43.5513Z", "count": 1, "vulnerabilities": [{"cveID": "CVE-2023-44487",
            "vendorProject": "IETF", "product": "HTTP/2", "vulnerabilityName": "HTTP/2 Rapid Reset Attack Vulnerability",
            "dateAdded": "2023-10-10", "shortDescription": "rapid reset", "requiredAction": "Apply mitigations",
            "dueDate": "2023-10-31", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": ["CWE-400"]}]}"#,
    )
    .unwrap();
    let copied = Workspace::open(copy.path()).unwrap();
    let enriched = copied.enrich(&secfw::ops::EnrichOptions::new(now).kev(Some(kev)).dry_run(true)).unwrap();
    assert_eq!(enriched.stats.kev_listed, 1);
    validate("enrich.schema.json", &serde_json::to_value(&enriched).unwrap());
    // keygen, trust init / add-key / show, in a scratch directory.
    let keys = tempfile::tempdir().unwrap();
    let kg = Workspace::keygen(&secfw::ops::KeygenOptions::new("root", keys.path())).unwrap();
    validate("keygen.schema.json", &serde_json::to_value(&kg).unwrap());
    Workspace::keygen(&secfw::ops::KeygenOptions::new("alice", keys.path())).unwrap();
    let tp = keys.path().join("trust.json");
    let init = secfw::ops::TrustInitOptions::new(&tp, vec![keys.path().join("root.pub")], now);
    validate("trust.schema.json", &serde_json::to_value(Workspace::trust_init(&init).unwrap()).unwrap());
    let add = secfw::ops::TrustEdit::AddKey {
        role: secfw::seal::SigningRole::PreparedBy,
        pubkey: keys.path().join("alice.pub"),
        identity: None,
    };
    let st = Workspace::trust_edit(&tp, &add).unwrap();
    assert!(!st.complete);
    // The same key in a second role is refused by the policy rules (exit 1), nothing written.
    let again = secfw::ops::TrustEdit::AddKey {
        role: secfw::seal::SigningRole::ApprovedBy,
        pubkey: keys.path().join("alice.pub"),
        identity: None,
    };
    let before = std::fs::read(&tp).unwrap();
    let e = Workspace::trust_edit(&tp, &again).unwrap_err();
    assert_eq!(e.kind(), secfw::ErrorKind::Refused, "{e}");
    assert_eq!(std::fs::read(&tp).unwrap(), before);
    let show = Workspace::trust_show(&tp, now).unwrap();
    assert!(!secfw::Outcome::passed(&show), "unsigned: {:?}", show.problems);
    validate("trust-show.schema.json", &serde_json::to_value(&show).unwrap());
    // A report that breaks its contract is refused by the schema.
    let mut bad = serde_json::to_value(ws.validate()).unwrap();
    bad["summary"]["valid"] = serde_json::json!("yes");
    let text = schemas::all().into_iter().find(|(n, _)| *n == "validate.schema.json").unwrap().1;
    let v = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    assert!(!v.is_valid(&bad));
}
