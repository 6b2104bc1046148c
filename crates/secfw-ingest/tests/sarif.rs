//! SARIF specifics: leniency, strictness, severities, CWE extraction, suppressions, health.

use secfw_ingest::{Format, ParseOptions, ScannerReport, parse_slice};

fn parse(doc: &serde_json::Value) -> ScannerReport {
    parse_slice(doc.to_string().as_bytes(), "t.sarif", Format::Sarif, &ParseOptions::default()).unwrap()
}

fn run(rules: &serde_json::Value, results: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T", "rules": rules}}, "results": results}]})
}

#[test]
fn sloppy_results_are_ingested_and_broken_ones_skipped_with_their_pointer() {
    let doc = run(
        &serde_json::json!([{"id": "R1", "fullDescription": {"text": "Rule one text"}}]),
        &serde_json::json!([
            {"ruleId": "R1"},                                   // no message: the rule's text is used
            {"ruleIndex": 0, "message": {"text": "by index"}},  // rule found by index
            {"message": {"text": "no rule"}},                   // no rule: identity from tool, message, location
            {"ruleId": "R1", "level": "fatal"},                 // not a SARIF level: skipped
            {"ruleId": 7},                                      // wrong type: skipped
            "not an object",                                    // skipped
        ]),
    );
    let r = parse(&doc);
    assert_eq!(r.finding_count(), 3);
    let items = &r.scans[0].items;
    assert!(items.iter().any(|i| i.description == "Rule one text"));
    assert!(items.iter().any(|i| i.description == "no rule" && i.rule_id.is_none()));
    let skipped: Vec<&str> =
        r.diagnostics.iter().filter(|d| d.code.as_str() == "IN0101").map(|d| d.message.as_str()).collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(skipped.iter().any(|m| m.contains("/runs/0/results/3/level")));
    assert!(skipped.iter().any(|m| m.contains("/runs/0/results/4/ruleId")));
    assert!(skipped.iter().any(|m| m.contains("/runs/0/results/5")));
}

#[test]
fn severity_comes_from_security_severity_then_level() {
    let doc = run(
        &serde_json::json!([
            {"id": "A", "properties": {"security-severity": "9.8"}},
            {"id": "B", "defaultConfiguration": {"level": "error"}},
            {"id": "C"},
            {"id": "D", "defaultConfiguration": {"level": "note"}}
        ]),
        &serde_json::json!([
            {"ruleId": "A", "level": "note", "message": {"text": "a"}},
            {"ruleId": "B", "message": {"text": "b"}},
            {"ruleId": "C", "message": {"text": "c"}},
            {"ruleId": "D", "message": {"text": "d"}},
            {"ruleId": "C", "message": {"text": "e"}, "properties": {"security-severity": 7.1}}
        ]),
    );
    let r = parse(&doc);
    let mut got: Vec<(String, String)> =
        r.scans[0].items.iter().map(|i| (i.description.clone(), i.severity.to_string())).collect();
    got.sort();
    assert_eq!(
        got,
        [("a", "critical"), ("b", "high"), ("c", "medium"), ("d", "low"), ("e", "high")]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}

#[test]
fn cwe_from_tags_taxa_and_relationships_and_cve_from_rule_ids() {
    let doc = run(
        &serde_json::json!([
            {"id": "go/sql", "properties": {"tags": ["security", "external/cwe/cwe-089"]},
             "relationships": [{"target": {"id": "20", "toolComponent": {"name": "CWE"}}}]},
            {"id": "CVE-2021-44228"}
        ]),
        &serde_json::json!([
            {"ruleId": "go/sql", "message": {"text": "x"}, "taxa": [{"id": "943", "toolComponent": {"name": "CWE"}}]},
            {"ruleId": "CVE-2021-44228", "message": {"text": "log4j"}}
        ]),
    );
    let r = parse(&doc);
    let sql = r.scans[0].items.iter().find(|i| i.rule_id.as_deref() == Some("go/sql")).unwrap();
    assert_eq!(sql.cwe, ["CWE-20", "CWE-89", "CWE-943"]);
    let l4j = r.scans[0].items.iter().find(|i| i.description == "log4j").unwrap();
    assert_eq!(l4j.cve, ["CVE-2021-44228"]);
}

#[test]
fn the_tutorial_suppressions_are_ingested_open_and_noted() {
    let p = secfw_testkit::corpora("sarif/EDGE__sarif-tutorials__suppressions.sarif");
    let r = secfw_ingest::parse_path(&p, "s.sarif", Format::Auto, &ParseOptions::default()).unwrap();
    assert_eq!(r.finding_count(), 9);
    let suppressed = r.scans[0].items.iter().filter(|i| i.extra.iter().any(|(k, _)| *k == "suppressions")).count();
    assert!(suppressed >= 5);
    assert_eq!(r.diagnostics.iter().filter(|d| d.code.as_str() == "IN0103").count(), 5);
}

#[test]
fn a_failed_invocation_is_a_failed_scan_with_the_tools_message() {
    let p = secfw_testkit::corpora("sarif/EDGE__sarif-tutorials__catastrophic-execution-error.sarif");
    let r = secfw_ingest::parse_path(&p, "c.sarif", Format::Auto, &ParseOptions::default()).unwrap();
    assert!(!r.scans[0].success);
    assert_eq!(r.scans[0].error.as_deref(), Some("Out of memory."));
}

#[test]
fn a_target_override_binds_every_scan() {
    let doc = run(&serde_json::json!([]), &serde_json::json!([{"ruleId": "R", "message": {"text": "m"}}]));
    let r =
        parse_slice(doc.to_string().as_bytes(), "t", Format::Auto, &ParseOptions::default().target(Some("api".into())))
            .unwrap();
    assert_eq!(r.scans[0].targets, ["api"]);
    assert_eq!(r.scans[0].items[0].target, "api");
}

#[test]
fn version_and_shape_are_strict() {
    for (text, code) in [
        (r#"{"version":"2.0.0","runs":[]}"#, "IN0005"),
        (r#"{"runs":[]}"#, "IN0005"),
        (r#"{"version":"2.1.0"}"#, "IN0006"),
        (r#"{"version":"2.1.0","runs":{}}"#, "IN0006"),
        (r#"{"version":"2.1.0","runs":[{"results":[]}]}"#, "IN0006"),
        (r#"{"version":"2.1.0","runs":[]} trailing"#, "IN0002"),
        (r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"#, "IN0002"),
        ("null", "IN0003"),
        ("  \n", "IN0001"),
    ] {
        let e = parse_slice(text.as_bytes(), "x.sarif", Format::Sarif, &ParseOptions::default()).unwrap_err();
        assert_eq!(e.diagnostics()[0].code.as_str(), code, "{text}: {e}");
    }
    let e = parse_slice(
        br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"#,
        "x",
        Format::Sarif,
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
}
