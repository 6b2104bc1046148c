//! Third-party validation: check-jsonschema (SARIF, OSCAL) and compliance-trestle's OSCAL
//! models load the exports. Ignored (with the reason) where the interop venv was missing at build
//! time; required in CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use secfw_export::{ExportInput, OscalVersion};
use secfw_ingest::{Format, IngestOptions, Input};

fn python() -> PathBuf {
    secfw_testkit::python().expect("the interop venv (scripts/interop-tools creates it)")
}

fn exports(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let inputs = [
        Input::new(secfw_testkit::corpora("sarif/smithy__gosec.sarif"), Format::Auto),
        Input::new(secfw_testkit::corpora("grype/defectdojo__grype-many_vulns_with_epss_values.json"), Format::Auto),
        Input::new(secfw_testkit::corpora("osv-scanner/smithy__osv-scanner-javascript.json"), Format::Auto),
    ];
    let now = "2025-03-01T00:00:00Z".parse().unwrap();
    let out = secfw_ingest::ingest(
        dir,
        &secfw_ingest::WorkspaceLock::acquire(dir, std::time::Duration::from_secs(10)).unwrap(),
        &inputs,
        &IngestOptions::new(now),
    )
    .unwrap();
    let input = ExportInput::new(&out.ledger, now);
    let mut files = Vec::new();
    for (name, text) in [
        ("sarif", secfw_export::to_json(&secfw_export::sarif(&input)).unwrap()),
        ("ar", secfw_export::to_json(&secfw_export::assessment_results(&input, OscalVersion::V1_1_2)).unwrap()),
        ("poam", secfw_export::to_json(&secfw_export::poam(&input, OscalVersion::V1_1_2)).unwrap()),
    ] {
        let p = dir.join(format!("{name}.json"));
        std::fs::write(&p, text).unwrap();
        files.push((name, p));
    }
    files
}

secfw_testkit::interop_test! { [python]
    fn check_jsonschema_accepts_the_exports() {
        let py = python();
        let d = tempfile::tempdir().unwrap();
        let cj = py.with_file_name("check-jsonschema");
        for (name, file) in exports(d.path()) {
            let schema = match name {
                "sarif" => secfw_testkit::corpora("sarif-schema/sarif-schema-2.1.0.json"),
                "ar" => secfw_testkit::corpora("oscal-schemas/v1.1.2/oscal_assessment-results_schema.json"),
                _ => secfw_testkit::corpora("oscal-schemas/v1.1.2/oscal_poam_schema.json"),
            };
            let out = Command::new(&cj).arg("--schemafile").arg(&schema).arg(&file).output().unwrap();
            assert!(
                out.status.success(),
                "{name}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

secfw_testkit::interop_test! { [python]
    fn compliance_trestle_loads_the_oscal_exports() {
        let py = python();
        let d = tempfile::tempdir().unwrap();
        let files = exports(d.path());
        let script = "import sys\n\
            from trestle.oscal.assessment_results import AssessmentResults\n\
            from trestle.oscal.poam import PlanOfActionAndMilestones\n\
            ar = AssessmentResults.oscal_read(__import__('pathlib').Path(sys.argv[1]))\n\
            po = PlanOfActionAndMilestones.oscal_read(__import__('pathlib').Path(sys.argv[2]))\n\
            print(len(ar.results[0].findings or []), len(po.poam_items))\n";
        let out = Command::new(&py).arg("-c").arg(script).arg(&files[1].1).arg(&files[2].1).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let counts = String::from_utf8_lossy(&out.stdout);
        let n: Vec<usize> = counts.split_whitespace().map(|x| x.parse().unwrap()).collect();
        assert_eq!(n.len(), 2);
        assert!(n[0] > 0 && n[0] == n[1], "{counts}");
    }
}
