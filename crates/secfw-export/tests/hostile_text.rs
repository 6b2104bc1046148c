//! Exports stay schema-valid whatever a scanner report put into the ledger: random strings
//! with control characters, CR/LF, bidi overrides and very long runs are pushed into every
//! text field of a finding, then every exporter runs and the JSON ones are validated against
//! the official schemas (SARIF 2.1.0, OSCAL 1.1.2 and 1.2.1 assessment-results and POA&M);
//! JUnit XML and GitHub annotations must keep one record per finding.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use proptest::prelude::*;
use secfw_artifacts::FindingsFile;
use secfw_export::{ExportInput, OscalVersion};
use serde_json::Value;

fn testdata(p: &str) -> PathBuf {
    // This crate's own path (not secfw_testkit, whose compiled-in root can belong to another
    // checkout sharing the target directory).
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(p)
}

fn schema(p: &str) -> jsonschema::Validator {
    let s: Value = serde_json::from_str(&std::fs::read_to_string(testdata(p)).unwrap()).unwrap();
    jsonschema::options().should_validate_formats(true).build(&s).expect("schema compiles")
}

static SCHEMAS: LazyLock<Vec<(&'static str, jsonschema::Validator)>> = LazyLock::new(|| {
    vec![
        ("sarif", schema("sarif-schema/sarif-schema-2.1.0.json")),
        ("ar-1.1.2", schema("oscal-schemas/v1.1.2/oscal_assessment-results_schema.json")),
        ("poam-1.1.2", schema("oscal-schemas/v1.1.2/oscal_poam_schema.json")),
        ("ar-1.2.1", schema("oscal-schemas/v1.2.1/oscal_assessment-results_schema.json")),
        ("poam-1.2.1", schema("oscal-schemas/v1.2.1/oscal_poam_schema.json")),
    ]
});

/// A ledger from a real report, ingested once.
static LEDGER: LazyLock<FindingsFile> = LazyLock::new(|| {
    let d = tempfile::tempdir().unwrap();
    let lock = secfw_ingest::WorkspaceLock::acquire(d.path(), std::time::Duration::from_secs(30)).unwrap();
    let input = secfw_ingest::Input::new(testdata("trivy/trivy__alpine-310.json"), secfw_ingest::Format::Auto);
    secfw_ingest::ingest(
        d.path(),
        &lock,
        &[input],
        &secfw_ingest::IngestOptions::new("2025-03-01T00:00:00Z".parse().unwrap()),
    )
    .unwrap()
    .ledger
});

/// Hostile text: control characters, CR/LF, NEL, bidi controls, zero-width, quotes, XML and
/// Markdown specials, surrogate-adjacent code points, and long runs.
fn hostile() -> impl Strategy<Value = String> {
    let atoms = prop_oneof![
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("\n".to_owned()),
        Just("\t".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{1b}[31m".to_owned()),
        Just("\u{7f}".to_owned()),
        Just("\u{85}".to_owned()),
        Just("\u{2028}\u{2029}".to_owned()),
        Just("\u{202e}\u{2066}\u{2069}".to_owned()),
        Just("\u{200b}\u{feff}".to_owned()),
        Just(" ".to_owned()),
        Just("<&>\"'`]]>".to_owned()),
        Just("%0A::error::".to_owned()),
        Just("{0}{{}}".to_owned()),
        Just("\u{fffd}\u{10ffff}".to_owned()),
        "[a-zA-Z0-9/._-]{1,12}",
        "\\PC{0,8}",
        (1usize..3000).prop_map(|n| "x".repeat(n)),
    ];
    prop::collection::vec(atoms, 0..8).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_export_is_schema_valid_whatever_the_text(
        title in hostile(),
        description in hostile(),
        location in hostile(),
        resource in hostile(),
        action in hostile(),
    ) {
        let mut l = LEDGER.clone();
        let f = &mut l.findings[0];
        f.title = title;
        f.description = description;
        f.affected_resources[0].location = location;
        f.affected_resources[0].resource_id = resource;
        f.remediation.recommended_action = action;
        let input = ExportInput::new(&l, "2025-03-10T12:00:00Z".parse().unwrap());
        let docs = [
            ("sarif", secfw_export::sarif(&input)),
            ("ar-1.1.2", secfw_export::assessment_results(&input, OscalVersion::V1_1_2)),
            ("poam-1.1.2", secfw_export::poam(&input, OscalVersion::V1_1_2)),
            ("ar-1.2.1", secfw_export::assessment_results(&input, OscalVersion::V1_2_1)),
            ("poam-1.2.1", secfw_export::poam(&input, OscalVersion::V1_2_1)),
        ];
        for ((name, doc), (_, v)) in docs.iter().zip(SCHEMAS.iter()) {
            let errors: Vec<String> = v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).take(5).collect();
            prop_assert!(errors.is_empty(), "{name}: {errors:?}");
            prop_assert!(secfw_export::to_json(doc).is_ok());
        }
        let open = l.findings.iter().filter(|f| f.status != secfw_artifacts::FindingStatus::Resolved).count();
        let gh = secfw_export::github(&input);
        prop_assert_eq!(gh.lines().count(), open, "one annotation line per open finding:\n{}", gh);
        let junit = secfw_export::junit(&input);
        prop_assert!(!junit.contains('\u{0}') && !junit.contains('\u{1b}'), "JUnit XML holds a control character");
    }
}
