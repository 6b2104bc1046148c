//! The streaming SARIF path and the in-memory path read the same bytes the same way, also when
//! the JSON is hostile in ways a JSON parser still accepts or must refuse: duplicate keys, keys
//! in an unusual order, deep nesting, numbers out of range, byte-order marks and other
//! encodings. And a byte-order mark is skipped in front of every format, not only SARIF
//! (issue 12 audit; the attack variants the BOM test in `fail_closed.rs` does not cover).

mod common;
use common::{agree_or_peeked, outcome, parse_both};
use secfw_ingest::{Error, Format, ParseOptions, ScannerReport, parse_slice};

/// Parses `bytes` from a file streamed and in memory (`parse_path`: `parse_slice` never
/// streams), requires the two to agree (a refusal outside the results may sit one byte later
/// on the streaming path, [`agree_or_peeked`]), and returns the in-memory result, which must
/// also be what `parse_slice` gives.
fn both(name: &str, bytes: &[u8]) -> Result<ScannerReport, Error> {
    let (mem, stream) = parse_both(bytes, name, Format::Auto);
    agree_or_peeked(bytes, &outcome(&mem), &outcome(&stream));
    let slice = parse_slice(bytes, name, Format::Auto, &ParseOptions::default());
    assert_eq!(outcome(&slice), outcome(&mem), "{name}: parse_slice and parse_path disagree");
    mem
}

fn code_of(r: Result<ScannerReport, Error>) -> String {
    match r {
        Ok(r) => panic!("{} was accepted: {} finding(s)", r.name, r.finding_count()),
        Err(e) => e.diagnostics()[0].code.as_str().to_owned(),
    }
}

const R1: &str =
    r#"{"ruleId":"R1","message":{"text":"m1"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.rs"}}}]}"#;
const R2: &str =
    r#"{"ruleId":"R2","message":{"text":"m2"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"b.rs"}}}]}"#;

fn run(extra: &str) -> String {
    format!(r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"T"}}}}{extra}}}]}}"#)
}

#[test]
fn duplicate_keys_never_make_a_scan_look_complete_and_both_paths_read_them_alike() {
    // `results` then `results: null`: the null one makes the rule set incomplete.
    let r = both("dup-null.sarif", run(&format!(r#","results":[{R1}],"results":null"#)).as_bytes()).unwrap();
    assert_eq!(r.scans.len(), 1);
    assert!(r.scans[0].incomplete.contains_key("rules"), "{:?}", r.scans[0].incomplete);
    // `results` twice: nothing of either array is lost.
    let r = both("dup-twice.sarif", run(&format!(r#","results":[{R1}],"results":[{R2}]"#)).as_bytes()).unwrap();
    assert_eq!(r.finding_count(), 2);
    // `runs` then `runs: null`: the null one is a failed scan (it resolves nothing).
    let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[]}],"runs":null}"#;
    let r = both("dup-runs.sarif", doc.as_bytes()).unwrap();
    assert!(r.scans.iter().any(|s| !s.success), "a `runs: null` must record a failed scan");
    // `version` twice, the second unsupported: refused, whichever path.
    let doc = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"T"}}}},"results":[{R1}]}}],"version":"1.0.0"}}"#
    );
    assert_eq!(code_of(both("dup-version.sarif", doc.as_bytes())), "IN0005");
}

#[test]
fn key_order_does_not_matter() {
    let plain = both("plain.sarif", run(&format!(r#","results":[{R1}]"#)).as_bytes()).unwrap();
    let version_last =
        format!(r#"{{"runs":[{{"tool":{{"driver":{{"name":"T"}}}},"results":[{R1}]}}],"version":"2.1.0"}}"#);
    let results_first =
        format!(r#"{{"version":"2.1.0","runs":[{{"results":[{R1}],"tool":{{"driver":{{"name":"T"}}}}}}]}}"#);
    for (name, doc) in [("version-last.sarif", version_last), ("results-first.sarif", results_first)] {
        let mut r = both(name, doc.as_bytes()).unwrap();
        // The logs name no repository: each scan is bound to its own report name.
        for s in &mut r.scans {
            assert_eq!(s.bound_to.as_deref(), Some(name));
            s.bound_to.clone_from(&plain.scans[0].bound_to);
        }
        assert_eq!(r.scans, plain.scans, "{name}");
    }
}

#[test]
fn deep_nesting_is_read_inside_properties_and_refused_with_a_location_at_the_top() {
    let deep = format!("{}1{}", r#"{"a":"#.repeat(5000), "}".repeat(5000));
    let inside = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"T"}}}},"results":[{{"ruleId":"R1","message":{{"text":"m"}},"properties":{deep}}}]}}]}}"#
    );
    // Accepted or refused, never a stack overflow, and the same on both paths.
    let _ = both("deep-properties.sarif", inside.as_bytes());
    let top = format!(r#"{{"version":"2.1.0","x":{deep},"runs":[]}}"#);
    let r = both("deep-top.sarif", top.as_bytes());
    let Err(e) = r else { panic!("5,000 levels of nesting at the top were accepted") };
    let d = &e.diagnostics()[0];
    assert_eq!(d.code.as_str(), "IN0002");
    assert!(d.line.is_some() && d.column.is_some(), "{d:?}");
}

#[test]
fn numbers_out_of_range_are_refused_and_negative_lines_do_not_panic() {
    let huge = run(
        r#","results":[{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.rs"},"region":{"startLine":1e400}}}]}]"#,
    );
    assert_eq!(code_of(both("huge-line.sarif", huge.as_bytes())), "IN0002");
    let negative = run(
        r#","results":[{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.rs"},"region":{"startLine":-5}}}]}]"#,
    );
    assert_eq!(both("negative-line.sarif", negative.as_bytes()).unwrap().finding_count(), 1);
}

#[test]
fn unusable_security_severities_fall_back_to_the_level_instead_of_an_extreme() {
    for (value, name) in
        [("NaN", "nan.sarif"), ("1e999", "inf.sarif"), ("-1", "negative.sarif"), ("severe", "word.sarif")]
    {
        let doc = format!(
            r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"T","rules":[{{"id":"R1","properties":{{"security-severity":"{value}"}}}}]}}}},"results":[{R1}]}}]}}"#
        );
        let r = both(name, doc.as_bytes()).unwrap();
        let item = &r.scans[0].items[0];
        // No level given: SARIF's default `warning`, i.e. medium — neither critical nor low.
        assert_eq!(item.severity, secfw_artifacts::Severity::Medium, "security-severity {value:?}");
    }
    // A severity word (Semgrep writes `"HIGH"`) is read as its band.
    let doc = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"T","rules":[{{"id":"R1","properties":{{"security-severity":"HIGH"}}}}]}}}},"results":[{R1}]}}]}}"#
    );
    let r = both("word-high.sarif", doc.as_bytes()).unwrap();
    assert_eq!(r.scans[0].items[0].severity, secfw_artifacts::Severity::High);
}

#[test]
fn other_encodings_and_a_doubled_byte_order_mark_are_refused_at_1_1() {
    let mut double = b"\xef\xbb\xbf\xef\xbb\xbf".to_vec();
    double.extend_from_slice(br#"{"version":"2.1.0","runs":[]}"#);
    let utf16: Vec<u8> =
        b"\xff\xfe".iter().copied().chain(r#"{"version":"2.1.0","runs":[]}"#.bytes().flat_map(|b| [b, 0])).collect();
    for (name, bytes) in [("double-bom.sarif", double), ("utf16.sarif", utf16)] {
        let Err(e) = both(name, &bytes) else { panic!("{name} was accepted") };
        let d = &e.diagnostics()[0];
        assert_eq!((d.code.as_str(), d.line, d.column), ("IN0002", Some(1), Some(1)), "{name}");
    }
}

#[test]
fn a_byte_order_mark_is_skipped_in_front_of_every_format() {
    for (file, format) in [
        ("trivy/trivy__alpine-310.json", Format::Trivy),
        ("trivy/defectdojo__trivy-kubernetes.json", Format::Trivy),
        ("grype/grype__json-presenter-image.json", Format::Grype),
        ("cargo-audit/defectdojo__cargo-audit-many_findings.json", Format::CargoAudit),
        ("osv-scanner/defectdojo__osv-scanner-some_findings.json", Format::Osv),
        ("npm-audit/defectdojo__npm7plus-many_vulns.json", Format::NpmAudit),
        ("npm-audit/defectdojo__npm-audit-one_vuln.json", Format::NpmAudit),
        ("sarif/smithy__semgrep-oss-1.56.0.sarif", Format::Sarif),
    ] {
        let plain = std::fs::read(secfw_testkit::corpora(file)).unwrap();
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice(&plain);
        let a = both(file, &plain).unwrap_or_else(|e| panic!("{file}: {:?}", e.diagnostics()));
        let b = both(file, &bom).unwrap_or_else(|e| panic!("{file} with a BOM: {:?}", e.diagnostics()));
        assert_eq!(b.format, format, "{file} with a BOM is auto-detected");
        assert!(a.finding_count() > 0, "{file}");
        assert_eq!(a.scans, b.scans, "{file}: a BOM changes what is read");
    }
}
