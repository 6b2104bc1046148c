//! Every file of the shared scanner corpora is either ingested with the expected counts or
//! rejected with the expected code and message (table-driven).

use secfw_ingest::{Format, ParseOptions, parse_path};

#[derive(Debug)]
enum Expect {
    /// Parsed: format, scans, findings (after merging equal fingerprints), failed scans.
    Ingested { format: Format, scans: usize, findings: usize, failed: usize },
    /// Rejected with this code; the message starts with this text.
    Rejected { code: &'static str, message: &'static str },
}
use Expect::{Ingested, Rejected};

const TABLE: &[(&str, Expect)] = &[
    (
        "sarif/EDGE__codeql-action__empty-results.sarif",
        Ingested { format: Format::Sarif, scans: 1, findings: 0, failed: 0 },
    ),
    (
        "sarif/EDGE__codeql-action__invalid-uri.sarif",
        Ingested { format: Format::Sarif, scans: 1, findings: 1, failed: 0 },
    ),
    (
        "sarif/EDGE__codeql-action__schema-invalid.sarif",
        Rejected { code: "IN0006", message: "the report does not have the expected st" },
    ),
    (
        "sarif/EDGE__defectdojo__runs-empty-array.sarif",
        Ingested { format: Format::Sarif, scans: 0, findings: 0, failed: 0 },
    ),
    (
        "sarif/EDGE__defectdojo__spec-appendix-k1-two-runs.sarif",
        Ingested { format: Format::Sarif, scans: 2, findings: 0, failed: 0 },
    ),
    (
        "sarif/EDGE__mithril__clippy-no-results.sarif",
        Ingested { format: Format::Sarif, scans: 1, findings: 0, failed: 0 },
    ),
    (
        "sarif/EDGE__sarif-sdk__binskim-sarif-1.0.0.sarif",
        Rejected { code: "IN0005", message: "SARIF version \"1.0.0\" is not supported; " },
    ),
    (
        "sarif/EDGE__sarif-sdk__malformed-json.sarif",
        Rejected { code: "IN0002", message: "the report is not valid JSON: key must b" },
    ),
    (
        "sarif/EDGE__sarif-tutorials__catastrophic-execution-error.sarif",
        Ingested { format: Format::Sarif, scans: 1, findings: 0, failed: 1 },
    ),
    (
        "sarif/EDGE__sarif-tutorials__suppressions.sarif",
        Ingested { format: Format::Sarif, scans: 1, findings: 9, failed: 0 },
    ),
    ("sarif/EDGE__smithy__checkov-zero-byte.sarif", Rejected { code: "IN0001", message: "the report is empty" }),
    ("sarif/codeql-action__valid-sarif.sarif", Ingested { format: Format::Sarif, scans: 2, findings: 3, failed: 0 }),
    ("sarif/defectdojo__codeQL-output.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 72, failed: 0 }),
    ("sarif/defectdojo__cppcheck-2.17.1.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 7, failed: 0 }),
    (
        "sarif/defectdojo__dependency-check-6.1.2.sarif",
        Ingested { format: Format::Sarif, scans: 1, findings: 13, failed: 0 },
    ),
    ("sarif/defectdojo__dockle-0.3.15.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 4, failed: 0 }),
    (
        "sarif/defectdojo__flawfinder-2.0.19.sarif",
        Ingested { format: Format::Sarif, scans: 1, findings: 49, failed: 0 },
    ),
    ("sarif/defectdojo__grype-0.34.7-cxf.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 22, failed: 0 }),
    ("sarif/defectdojo__semgrep-1.69.0.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 77, failed: 0 }),
    ("sarif/grype__sarif-presenter-image.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 2, failed: 0 }),
    ("sarif/osv-scanner__sarif-00.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 2, failed: 0 }),
    ("sarif/rstmt__clippy-sarif.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 7, failed: 0 }),
    (
        "sarif/sarif-sdk__tslint-3007-results.sarif",
        Ingested { format: Format::Sarif, scans: 1, findings: 679, failed: 0 },
    ),
    (
        "sarif/sarif-tutorials__eslint-simple-example.sarif",
        Ingested { format: Format::Sarif, scans: 1, findings: 1, failed: 0 },
    ),
    ("sarif/scorecard__check8-3-runs.sarif", Ingested { format: Format::Sarif, scans: 3, findings: 6, failed: 0 }),
    (
        "sarif/semgrep__sarif-with-dataflow-traces.sarif",
        Ingested { format: Format::Sarif, scans: 1, findings: 1, failed: 0 },
    ),
    ("sarif/smithy__checkov-3.2.425.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 3, failed: 0 }),
    ("sarif/smithy__codeql-2.20.4-go.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 3, failed: 0 }),
    ("sarif/smithy__gosec.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 21, failed: 0 }),
    ("sarif/smithy__mobsfscan-0.4.5.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 43, failed: 0 }),
    ("sarif/smithy__semgrep-oss-1.56.0.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 3, failed: 0 }),
    ("sarif/smithy__snyk-open-source.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 3, failed: 0 }),
    ("sarif/trivy__alpine-310.sarif", Ingested { format: Format::Sarif, scans: 1, findings: 4, failed: 0 }),
    ("trivy/defectdojo__trivy-all_statuses.json", Ingested { format: Format::Trivy, scans: 1, findings: 8, failed: 0 }),
    (
        "trivy/defectdojo__trivy-cvssv4_severity_source.json",
        Ingested { format: Format::Trivy, scans: 1, findings: 3, failed: 0 },
    ),
    ("trivy/defectdojo__trivy-kubernetes.json", Ingested { format: Format::Trivy, scans: 1, findings: 20, failed: 0 }),
    (
        "trivy/defectdojo__trivy-legacy_many_vulns.json",
        Ingested { format: Format::Trivy, scans: 1, findings: 93, failed: 0 },
    ),
    ("trivy/defectdojo__trivy-legacy_no_vuln.json", Rejected { code: "IN0003", message: "the report is `null`" }),
    (
        "trivy/defectdojo__trivy-misconfigurations_and_secrets.json",
        Ingested { format: Format::Trivy, scans: 1, findings: 5, failed: 0 },
    ),
    (
        "trivy/defectdojo__trivy-scheme_2_many_vulns.json",
        Ingested { format: Format::Trivy, scans: 1, findings: 5, failed: 0 },
    ),
    (
        "trivy/defectdojo__trivy-scheme_2_no_vuln.json",
        Ingested { format: Format::Trivy, scans: 1, findings: 0, failed: 0 },
    ),
    ("trivy/trivy__almalinux-8.json", Ingested { format: Format::Trivy, scans: 1, findings: 1, failed: 0 }),
    ("trivy/trivy__alpine-310.json", Ingested { format: Format::Trivy, scans: 1, findings: 4, failed: 0 }),
    ("trivy/trivy__alpine-39-ignore-cveids.json", Ingested { format: Format::Trivy, scans: 1, findings: 2, failed: 0 }),
    ("trivy/trivy__cargo.lock.json", Ingested { format: Format::Trivy, scans: 1, findings: 0, failed: 0 }),
    ("trivy/trivy__centos-7.json", Ingested { format: Format::Trivy, scans: 1, findings: 3, failed: 0 }),
    ("trivy/trivy__debian-buster.json", Ingested { format: Format::Trivy, scans: 1, findings: 2, failed: 0 }),
    ("trivy/trivy__dockerfile.json", Ingested { format: Format::Trivy, scans: 1, findings: 1, failed: 0 }),
    ("trivy/trivy__npm.json", Ingested { format: Format::Trivy, scans: 1, findings: 1, failed: 0 }),
    ("trivy/trivy__npm-with-suppressed.json", Ingested { format: Format::Trivy, scans: 1, findings: 2, failed: 0 }),
    ("trivy/trivy__secrets.json", Ingested { format: Format::Trivy, scans: 1, findings: 2, failed: 0 }),
    ("trivy/trivy__spring4shell-jre8.json", Ingested { format: Format::Trivy, scans: 1, findings: 1, failed: 0 }),
    (
        "grype/defectdojo__grype-check_all_fields.json",
        Ingested { format: Format::Grype, scans: 1, findings: 5, failed: 0 },
    ),
    (
        "grype/defectdojo__grype-fix_available.json",
        Ingested { format: Format::Grype, scans: 1, findings: 1, failed: 0 },
    ),
    (
        "grype/defectdojo__grype-fix_not_available.json",
        Ingested { format: Format::Grype, scans: 1, findings: 1, failed: 0 },
    ),
    (
        "grype/defectdojo__grype-many_vulns.json",
        Ingested { format: Format::Grype, scans: 1, findings: 1509, failed: 0 },
    ),
    (
        "grype/defectdojo__grype-many_vulns3.json",
        Ingested { format: Format::Grype, scans: 1, findings: 327, failed: 0 },
    ),
    (
        "grype/defectdojo__grype-many_vulns_with_epss_values.json",
        Ingested { format: Format::Grype, scans: 1, findings: 15, failed: 0 },
    ),
    ("grype/defectdojo__grype-no_vuln.json", Ingested { format: Format::Grype, scans: 1, findings: 0, failed: 0 }),
    (
        "grype/grype__json-presenter-directory.json",
        Ingested { format: Format::Grype, scans: 1, findings: 2, failed: 0 },
    ),
    ("grype/grype__json-presenter-empty.json", Ingested { format: Format::Grype, scans: 1, findings: 0, failed: 0 }),
    ("grype/grype__json-presenter-image.json", Ingested { format: Format::Grype, scans: 1, findings: 2, failed: 0 }),
    (
        // Two versions of `smallvec` (RUSTSEC-2021-0003) and of yanked `pin-project-lite`: each
        // copy is a finding (before, one of each pair was merged into the other and lost).
        "cargo-audit/defectdojo__cargo-audit-many_findings.json",
        Ingested { format: Format::CargoAudit, scans: 1, findings: 13, failed: 0 },
    ),
    (
        "cargo-audit/defectdojo__cargo-audit-many_findings_cvss.json",
        Ingested { format: Format::CargoAudit, scans: 1, findings: 10, failed: 0 },
    ),
    (
        "cargo-audit/defectdojo__cargo-audit-no_findings.json",
        Ingested { format: Format::CargoAudit, scans: 1, findings: 0, failed: 0 },
    ),
    (
        "cargo-audit/quality-time__cargo_audit.json",
        Ingested { format: Format::CargoAudit, scans: 1, findings: 4, failed: 0 },
    ),
    (
        "cargo-audit/rustsec__audit.toml.example",
        Rejected { code: "IN0002", message: "the report is not valid JSON: expected v" },
    ),
    (
        "osv-scanner/defectdojo__osv-scanner-many_findings.json",
        Ingested { format: Format::Osv, scans: 1, findings: 37, failed: 0 },
    ),
    (
        "osv-scanner/defectdojo__osv-scanner-no_findings.json",
        Rejected { code: "IN0001", message: "the report is empty" },
    ),
    (
        "osv-scanner/defectdojo__osv-scanner-some_findings.json",
        Ingested { format: Format::Osv, scans: 1, findings: 1, failed: 0 },
    ),
    (
        "osv-scanner/osv-scanner__test-vuln-results-a.json",
        Ingested { format: Format::Osv, scans: 1, findings: 2, failed: 0 },
    ),
    ("osv-scanner/smithy__osv-scanner-elixir.json", Ingested { format: Format::Osv, scans: 1, findings: 1, failed: 0 }),
    (
        "osv-scanner/smithy__osv-scanner-golang.json",
        Ingested { format: Format::Osv, scans: 1, findings: 21, failed: 0 },
    ),
    (
        "osv-scanner/smithy__osv-scanner-javascript.json",
        Ingested { format: Format::Osv, scans: 1, findings: 6, failed: 0 },
    ),
    (
        "npm-audit/defectdojo__npm-audit-cwe_null.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 1, failed: 0 },
    ),
    (
        "npm-audit/defectdojo__npm-audit-empty_with_error.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 0, failed: 1 },
    ),
    (
        "npm-audit/defectdojo__npm-audit-many_vuln.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 5, failed: 0 },
    ),
    (
        "npm-audit/defectdojo__npm-audit-many_vuln_npm7.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 8, failed: 0 },
    ),
    (
        "npm-audit/defectdojo__npm-audit-multiple_cwes.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 41, failed: 0 },
    ),
    (
        "npm-audit/defectdojo__npm-audit-no_vuln.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 0, failed: 0 },
    ),
    (
        "npm-audit/defectdojo__npm-audit-one_vuln.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 1, failed: 0 },
    ),
    (
        "npm-audit/defectdojo__npm7plus-issue_10801.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 1, failed: 0 },
    ),
    (
        "npm-audit/defectdojo__npm7plus-many_vulns.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 3, failed: 0 },
    ),
    (
        "npm-audit/defectdojo__npm7plus-no_vuln.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 0, failed: 0 },
    ),
    (
        "npm-audit/npm-arborist__all-severity-levels.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 18, failed: 0 },
    ),
    (
        "npm-audit/npm-arborist__registry-audit-all-severities.json",
        Ingested { format: Format::NpmAudit, scans: 1, findings: 18, failed: 0 },
    ),
    ("npm-audit/npm-cli__json-audit.json", Ingested { format: Format::NpmAudit, scans: 1, findings: 1, failed: 0 }),
];

#[test]
fn every_corpus_file_has_an_expectation_and_meets_it() {
    let mut listed: Vec<String> = Vec::new();
    for dir in ["sarif", "trivy", "grype", "cargo-audit", "osv-scanner", "npm-audit"] {
        for e in std::fs::read_dir(secfw_testkit::corpora(dir)).expect("corpora present") {
            let n = e.unwrap().file_name().into_string().unwrap();
            if n != "SOURCES.md" {
                listed.push(format!("{dir}/{n}"));
            }
        }
    }
    listed.sort();
    let mut table: Vec<String> = TABLE.iter().map(|(f, _)| (*f).to_owned()).collect();
    table.sort();
    assert_eq!(listed, table, "the table must list every corpus file exactly once");
    let mut failures = Vec::new();
    for (file, expect) in TABLE {
        let path = secfw_testkit::corpora(file);
        let got = parse_path(&path, file, Format::Auto, &ParseOptions::default());
        match (expect, got) {
            (Ingested { format, scans, findings, failed }, Ok(r)) => {
                // The streamed parser gives exactly the same report as the in-memory one.
                let streamed =
                    parse_path(&path, file, Format::Auto, &ParseOptions::default().in_memory_max(0)).unwrap();
                assert_eq!(streamed.scans, r.scans, "{file}: streamed and in-memory parses differ");
                assert_eq!(streamed.diagnostics, r.diagnostics, "{file}");
                let f = r.scans.iter().filter(|s| !s.success).count();
                if (r.format, r.scans.len(), r.finding_count(), f) != (*format, *scans, *findings, *failed) {
                    failures.push(format!(
                        "{file}: got {:?}/{} scans/{} findings/{f} failed",
                        r.format,
                        r.scans.len(),
                        r.finding_count()
                    ));
                }
                for s in &r.scans {
                    for it in &s.items {
                        assert!(secfw_artifacts::is_fingerprint(&it.fingerprint), "{file}: {}", it.fingerprint);
                        assert!(
                            !it.title.trim().is_empty() && !it.description.trim().is_empty(),
                            "{file}: {}",
                            it.pointer
                        );
                        assert!(it.pointer.starts_with('/'), "{file}: pointer {}", it.pointer);
                    }
                }
            }
            (Rejected { code, message }, Err(e)) => {
                let d = &e.diagnostics()[0];
                let streamed =
                    parse_path(&path, file, Format::Auto, &ParseOptions::default().in_memory_max(0)).unwrap_err();
                assert_eq!(streamed.diagnostics()[0].code, d.code, "{file}: streamed rejection differs");
                if d.code.as_str() != *code || !d.message.starts_with(message) || d.hint.is_none() {
                    failures.push(format!("{file}: rejected with {} `{}`", d.code, d.message));
                }
            }
            (x, Ok(_)) => failures.push(format!("{file}: expected {x:?}, it was ingested")),
            (x, Err(e)) => failures.push(format!("{file}: expected {x:?}, rejected: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fingerprints_do_not_depend_on_result_order_or_lines() {
    let path = secfw_testkit::corpora("sarif/defectdojo__semgrep-1.69.0.sarif");
    let text = std::fs::read_to_string(path).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let a = secfw_ingest::parse_slice(text.as_bytes(), "a", Format::Auto, &ParseOptions::default()).unwrap();
    // Reverse the results and move every result down 10 lines.
    let results = doc["runs"][0]["results"].as_array_mut().unwrap();
    results.reverse();
    for r in results.iter_mut() {
        if let Some(l) = r.pointer_mut("/locations/0/physicalLocation/region/startLine") {
            *l = serde_json::json!(l.as_u64().unwrap() + 10);
        }
    }
    let moved = serde_json::to_vec(&doc).unwrap();
    let b = secfw_ingest::parse_slice(&moved, "b", Format::Auto, &ParseOptions::default()).unwrap();
    let fa: Vec<&str> = a.scans[0].items.iter().map(|i| i.fingerprint.as_str()).collect();
    let fb: Vec<&str> = b.scans[0].items.iter().map(|i| i.fingerprint.as_str()).collect();
    assert_eq!(fa.len(), 77);
    assert_eq!(fa, fb);
}
