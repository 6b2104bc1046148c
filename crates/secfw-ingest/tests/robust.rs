//! No input makes the parsers panic; every cut of a real report is rejected cleanly.

use proptest::prelude::*;
use secfw_ingest::{Format, ParseOptions, parse_slice};

const FORMATS: [Format; 7] =
    [Format::Auto, Format::Sarif, Format::Trivy, Format::Grype, Format::CargoAudit, Format::Osv, Format::NpmAudit];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), f in 0usize..7) {
        let _ = parse_slice(&bytes, "x", FORMATS[f], &ParseOptions::default());
    }

    #[test]
    fn arbitrary_json_never_panics(v in arb_json(), f in 0usize..7) {
        let _ = parse_slice(v.to_string().as_bytes(), "x", FORMATS[f], &ParseOptions::default());
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-zA-Z0-9 ./:-]{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::json!("2.1.0")),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        let keys = prop_oneof![
            Just("version".to_owned()),
            Just("runs".to_owned()),
            Just("results".to_owned()),
            Just("tool".to_owned()),
            Just("driver".to_owned()),
            Just("name".to_owned()),
            Just("rules".to_owned()),
            Just("ruleId".to_owned()),
            Just("message".to_owned()),
            Just("text".to_owned()),
            Just("locations".to_owned()),
            Just("Results".to_owned()),
            Just("Vulnerabilities".to_owned()),
            Just("matches".to_owned()),
            Just("vulnerabilities".to_owned()),
            Just("advisories".to_owned()),
            Just("packages".to_owned()),
            Just("auditReportVersion".to_owned()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn every_truncation_of_real_reports_is_rejected_without_panic() {
    for file in [
        "sarif/codeql-action__valid-sarif.sarif",
        "trivy/trivy__secrets.json",
        "grype/grype__json-presenter-image.json",
        "npm-audit/npm-cli__json-audit.json",
        "osv-scanner/smithy__osv-scanner-elixir.json",
    ] {
        let bytes = std::fs::read(secfw_testkit::corpora(file)).unwrap();
        let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).unwrap();
        for cut in (1..end).step_by(7) {
            let e = parse_slice(&bytes[..cut], file, Format::Auto, &ParseOptions::default());
            let Err(e) = e else { panic!("{file} cut at {cut} was accepted") };
            let code = e.diagnostics()[0].code.as_str();
            assert!(matches!(code, "IN0001" | "IN0002" | "IN0004"), "{file} cut at {cut}: {e}");
        }
    }
}
