//! Report formats: SARIF valid against the official 2.1.0 schema (jsonschema crate, and
//! check-jsonschema from the interop venv), JUnit well-formed XML, GitHub annotations escaped,
//! JSON round-trippable, every format deterministic.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use secfw_artifacts::{LoadOptions, load};
use secfw_gates::format::{self, ReportFormat};
use secfw_gates::{GateName, GateOptions, GateRun, run};

fn now() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

/// The fixture with a critical finding, an unknown tag, a dangling reference and a failed scan:
/// every gate but schema_lint fails, with related locations, notes and warnings.
fn failing() -> (tempfile::TempDir, GateRun, secfw_artifacts::LoadedWorkspace) {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base");
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let p = dir.path().join("sec_findings.yaml");
    let t = std::fs::read_to_string(&p)
        .unwrap()
        .replacen("    severity: high", "    severity: critical", 1)
        .replacen("tags: [auth]\n      compliance", "tags: [\"auth<&>\\\"\", authn]\n      compliance", 1)
        .replacen(
            "    finished_at: 2026-11-23T11:02:00Z\n    status: success",
            "    finished_at: 2026-11-23T11:02:00Z\n    status: failure\n    error: \"timeout: 100%, then\\nabort\"",
            1,
        );
    std::fs::write(&p, t).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let r = run(&ws, &GateName::ALL, now(), &GateOptions::default());
    assert!(!r.passed);
    (dir, r, ws)
}

fn schema() -> serde_json::Value {
    let p = secfw_testkit::corpora("sarif-schema/sarif-schema-2.1.0.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn sarif_is_valid_against_the_official_schema_with_specific_rule_ids() {
    let (_d, r, _ws) = failing();
    let text = format::sarif(&r);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let ids: Vec<&str> = results.iter().map(|x| x["ruleId"].as_str().unwrap()).collect();
    for want in ["GV0201", "GV0301", "GT0202", "GT0208"] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    // Every ruleIndex points at its rule.
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    for x in results {
        assert_eq!(rules[usize::try_from(x["ruleIndex"].as_u64().unwrap()).unwrap()]["id"], x["ruleId"]);
    }
    // Excepted findings are suppressed, not hidden; mismatches carry related locations.
    let exc = results.iter().find(|x| x["ruleId"] == "GT0208").unwrap();
    assert_eq!(exc["suppressions"][0]["status"], "accepted");
    let crit = results.iter().find(|x| x["ruleId"] == "GV0201").unwrap();
    assert_eq!(crit["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "rulebook.yaml");
    assert!(crit["relatedLocations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() > 1);
}

secfw_testkit::interop_test! { [python]
    fn sarif_validates_with_check_jsonschema_interop() {
        let py = secfw_testkit::python().expect("the interop venv (scripts/interop-tools)");
        let (d, r, _ws) = failing();
        let out = d.path().join("gates.sarif");
        std::fs::write(&out, format::sarif(&r)).unwrap();
        let schema = secfw_testkit::corpora("sarif-schema/sarif-schema-2.1.0.json");
        let res = std::process::Command::new(py)
            .args(["-m", "check_jsonschema", "--schemafile"])
            .arg(&schema)
            .arg(&out)
            .output()
            .unwrap();
        assert!(res.status.success(), "{}\n{}", String::from_utf8_lossy(&res.stdout), String::from_utf8_lossy(&res.stderr));
    }
}

#[test]
fn junit_is_well_formed_xml_with_one_failure_per_error() {
    let (_d, r, _ws) = failing();
    let xml = format::junit(&r);
    let errors: usize = r.reports.iter().map(|x| x.summary.errors).sum();
    assert_eq!(xml.matches("<failure ").count(), errors);
    assert!(xml.contains("&lt;&amp;&gt;&quot;"), "escaped");
    assert!(xml.contains("<skipped message=\"medium finding `F-002` is excepted"));
}

secfw_testkit::interop_test! { [python]
    /// Python's XML parser reads the JUnit report and counts the same failures.
    fn junit_parses_with_pythons_xml_parser() {
        let (d, r, _ws) = failing();
        let xml = format::junit(&r);
        let errors: usize = r.reports.iter().map(|x| x.summary.errors).sum();
        let py = secfw_testkit::python().expect("the interop venv (scripts/interop-tools)");
        let p = d.path().join("junit.xml");
        std::fs::write(&p, &xml).unwrap();
        let res = std::process::Command::new(py)
            .args(["-c", "import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); print(sum(1 for _ in r.iter('failure')))"])
            .arg(&p)
            .output()
            .unwrap();
        assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
        assert_eq!(String::from_utf8_lossy(&res.stdout).trim(), errors.to_string());
    }
}

#[test]
fn github_annotations_are_escaped_one_per_line() {
    let (_d, r, _ws) = failing();
    let gh = format::github(&r);
    for line in gh.lines() {
        assert!(
            line.starts_with("::error ") || line.starts_with("::warning ") || line.starts_with("::notice "),
            "{line}"
        );
    }
    let total: usize = r.reports.iter().map(|x| x.diagnostics.len() + 1).sum();
    assert_eq!(gh.lines().count(), total);
    let failed = gh.lines().find(|l| l.contains("GT0202")).unwrap();
    assert!(failed.contains("timeout: 100%25, then%0Aabort"), "{failed}");
    assert!(failed.starts_with("::error file=inventory.yaml,line="));
    let prefixed = format::github_with_prefix(&r, "security/");
    assert!(prefixed.contains("file=security/inventory.yaml"));
}

#[test]
fn json_and_human_carry_the_verdict_and_every_format_is_deterministic() {
    let (_d, r, ws) = failing();
    let j: serde_json::Value = serde_json::from_str(&format::json(&r)).unwrap();
    assert_eq!(j["format"], "secfw-gate-report/1");
    assert_eq!(j["passed"], false);
    assert_eq!(j["reports"][2]["gate"], "parity_coverage");
    assert_eq!(j["escalations"][0]["items"][0], "F-001");
    let human = format::human(&r, &ws.sources, false);
    assert!(human.contains("error[GT0202]"), "{human}");
    assert!(human.contains("  --> inventory.yaml:"), "snippets: {human}");
    assert!(human.ends_with("FAIL"));
    for f in [ReportFormat::Human, ReportFormat::Json, ReportFormat::Sarif, ReportFormat::Junit, ReportFormat::Github] {
        let (_d2, r2, ws2) = failing();
        assert_eq!(format::render(&r, f, &ws.sources, false), format::render(&r2, f, &ws2.sources, false), "{f:?}");
    }
    assert!("xml".parse::<ReportFormat>().is_err());
}
