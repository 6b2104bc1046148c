//! Compile exceptions into every scanner format and read them back; drift, one test per class.

use std::path::Path;

use chrono::{DateTime, Utc};
use secfw_artifacts::model::rulebook::Rulebook;
use secfw_artifacts::{Diagnostic, FindingsFile, Level, LoadedWorkspace, SourceFile};
use secfw_governance::evaluate;
use secfw_suppress::{Format, Rule, Subject, check, compile, read_text, rules};

const NOW: &str = "2026-11-24T12:00:00Z";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

fn exc(id: &str, approval: &str, approved: &str, until: &str, targets: &str) -> String {
    format!(
        "\n### {id}: t\n- **Policy**: POL-007\n- **Severity**: Medium\n{targets}- **Requestor**: dev@x.test\n- **Approval**: {approval}\n- **Approved On**: {approved}\n- **Valid Until**: {until}\n- **Justification**: Needed for the {id} release.\n- **Risk Assessment**: low\n- **Risk Mitigation**:\n  - isolated\n"
    )
}

fn registry() -> String {
    let mut s = String::from("# Security Exception Registry\n\n## Active Exceptions\n");
    s += &exc(
        "EXC-001",
        "sec@x.test",
        "2026-11-01",
        "2027-01-31",
        "- **Advisories**: RUSTSEC-2020-0071\n- **Package**: pkg:cargo/time\n- **Versions**: >=0.1.0, <0.2.0\n",
    );
    s += &exc("EXC-002", "sec@x.test", "2026-10-01", "2026-11-01", "- **Advisories**: CVE-2019-0005\n");
    s += &exc("EXC-003", "someone@x.test", "2026-11-01", "2027-01-31", "- **Advisories**: GHSA-aaaa-bbbb-cccc\n");
    s += &exc("EXC-004", "sec@x.test", "2026-11-01", "2027-01-31", "- **Secrets**: src/a.rs:generic-api-key:3\n");
    s += &exc("EXC-005", "sec@x.test", "2026-11-01", "2027-02-28", "- **Advisories**: RUSTSEC-2021-0001\n");
    s
}

fn finding(id: &str, cve: &str, location: &str, extra: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "finding_id": id, "severity": "medium", "category": "vulnerability", "title": "t", "description": "d",
        "affected_resources": [{"resource_id": "app", "resource_type": "package", "location": location}],
        "remediation": {"recommended_action": "upgrade", "priority": "P2", "deadline": "2027-06-01"},
        "governance": {"tags": [], "compliance_standards": [], "policy_refs": ["POL-007"]},
        "cve": [cve], "evidence": extra
    })
}

fn workspace(root: &Path, extra_findings: Vec<serde_json::Value>) -> LoadedWorkspace {
    workspace_with(root, extra_findings, "")
}

/// [`workspace`] with more exceptions appended to the registry.
fn workspace_with(root: &Path, extra_findings: Vec<serde_json::Value>, more: &str) -> LoadedWorkspace {
    let (reg, d) =
        secfw_artifacts::parse_exceptions(&SourceFile::new("exceptions.md", registry() + more), Level::Error);
    assert!(d.is_empty(), "{d:?}");
    let mut rb = Rulebook::with_defaults("1.0.0");
    rb.exceptions.approvers.security_team = vec!["sec@x.test".into()];
    let mut findings = vec![
        finding("F-1", "RUSTSEC-2020-0071", "time@0.1.45", &serde_json::json!([])),
        finding("F-2", "RUSTSEC-2020-0071", "time@0.1.44", &serde_json::json!([])),
    ];
    findings.extend(extra_findings);
    let ledger: FindingsFile = serde_json::from_value(serde_json::json!({
        "version": "1.0",
        "metadata": {"scan_id": "s", "timestamp": "2026-11-20T00:00:00Z", "lifecycle_state": "PLANNED"},
        "findings": findings
    }))
    .unwrap();
    let mut ws = LoadedWorkspace::default();
    root.clone_into(&mut ws.root);
    ws.rulebook = Some(rb);
    ws.exceptions = Some(reg);
    ws.findings = Some(ledger);
    ws
}

fn valid_rules(ws: &LoadedWorkspace) -> Vec<Rule> {
    rules(ws, &evaluate(ws, now()))
}

fn codes(d: &[Diagnostic]) -> Vec<&str> {
    d.iter().map(|d| d.code.as_str()).collect()
}

fn corpus(name: &str) -> String {
    std::fs::read_to_string(secfw_testkit::corpora("ignore-files").join(name)).unwrap()
}

#[test]
fn only_valid_exceptions_compile_and_ranges_pin_the_ledger_versions() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), vec![]);
    let r = valid_rules(&ws);
    let ids: Vec<&str> = r.iter().map(|r| r.exception.as_str()).collect();
    assert_eq!(ids, ["EXC-001", "EXC-004", "EXC-005"], "expired EXC-002 and unapproved EXC-003 are left out");
    assert_eq!(r[0].known_versions, ["0.1.44", "0.1.45"]);
    assert_eq!(r[0].statement(), "EXC-001: Needed for the EXC-001 release. (valid until 2027-01-31)");
}

#[test]
fn every_format_compiles_deterministically_parses_back_and_passes_drift() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), vec![]);
    let reg = ws.exceptions.clone().unwrap();
    let rules = valid_rules(&ws);
    for format in Format::ALL {
        let a = compile(format, &rules, &reg, None).unwrap();
        let b = compile(format, &rules, &reg, None).unwrap();
        assert_eq!(a.text, b.text, "{format} is deterministic");
        let (sups, diags) = read_text(format, format.default_path(), &a.text);
        assert!(diags.is_empty(), "{format} parses back cleanly: {diags:?}\n{}", a.text);
        assert!(!sups.is_empty(), "{format} has entries:\n{}", a.text);
        for s in &sups {
            if format != Format::CargoAudit {
                assert!(s.exception.is_some(), "{format}: every entry names its exception: {s:?}");
            }
        }
        let p = dir.path().join(format.default_path());
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &a.text).unwrap();
    }
    let trivy = std::fs::read_to_string(dir.path().join(".trivyignore.yaml")).unwrap();
    assert!(
        trivy.contains("    purls:\n      - \"pkg:cargo/time@0.1.44\"\n      - \"pkg:cargo/time@0.1.45\"\n"),
        "{trivy}"
    );
    assert!(trivy.contains("expired_at: 2027-01-31") && trivy.contains("statement: \"EXC-001: "), "{trivy}");
    let osv = std::fs::read_to_string(dir.path().join("osv-scanner.toml")).unwrap();
    assert!(osv.contains("ignoreUntil = 2027-01-31T23:59:59Z") && osv.contains("reason = \"EXC-001: "), "{osv}");
    let grype = std::fs::read_to_string(dir.path().join(".grype.yaml")).unwrap();
    assert!(grype.contains("      name: \"time\"\n      version: \"0.1.44\"\n      type: \"rust-crate\""), "{grype}");
    let audit = std::fs::read_to_string(dir.path().join(".cargo/audit.toml")).unwrap();
    assert!(audit.contains("# EXC-001: ") && audit.contains("\"RUSTSEC-2021-0001\""), "{audit}");
    let drift = check(&ws, &evaluate(&ws, now()), dir.path());
    let errors: Vec<_> = drift.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!codes(&drift.diagnostics).contains(&"SP0205"), "nothing stale: {:#?}", drift.diagnostics);
    assert_eq!(drift.files.len(), 6);
}

#[test]
fn deny_toml_edit_changes_only_the_owned_entries_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), vec![]);
    let reg = ws.exceptions.clone().unwrap();
    let rules = valid_rules(&ws);
    // A hand-written entry nobody owns stays where it is.
    let original = corpus("cargo-deny__deny.toml").replace(
        "ignore = [\n]",
        "ignore = [\n    # kept by hand\n    { id = \"RUSTSEC-2000-0001\", reason = \"legacy\" },\n]",
    );
    let c = compile(Format::CargoDeny, &rules, &reg, Some(&original)).unwrap();
    assert!(c.changed);
    // (before `ignore = [`, the array's body, after its closing `]`)
    let parts = |t: &str| -> (String, String, String) {
        let (before, rest) = t.split_once("ignore = [").unwrap();
        let (array, after) = rest.split_once("\n]\n").unwrap();
        (before.to_owned(), array.to_owned(), after.to_owned())
    };
    let ((before_orig, _, after_orig), (before_new, array_new, after_new)) = (parts(&original), parts(&c.text));
    assert_eq!(before_new, before_orig, "bytes before the array survive");
    assert_eq!(after_new, after_orig, "bytes after the array survive");
    assert!(array_new.contains("{ id = \"RUSTSEC-2000-0001\", reason = \"legacy\" }"));
    assert!(c.text.contains("{ id = \"RUSTSEC-2020-0071\", reason = \"EXC-001: "), "{}", c.text);
    // Idempotent, and removing every rule restores the file exactly.
    assert_eq!(compile(Format::CargoDeny, &rules, &reg, Some(&c.text)).unwrap().text, c.text);
    assert_eq!(compile(Format::CargoDeny, &[], &reg, Some(&c.text)).unwrap().text, original);
    // The pristine upstream file round-trips too.
    let pristine = corpus("cargo-deny__deny.toml");
    let once = compile(Format::CargoDeny, &rules, &reg, Some(&pristine)).unwrap().text;
    assert_eq!(compile(Format::CargoDeny, &[], &reg, Some(&once)).unwrap().text, pristine);
}

#[test]
fn audit_toml_edit_keeps_comments_and_other_sections() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), vec![]);
    let reg = ws.exceptions.clone().unwrap();
    let rules = valid_rules(&ws);
    let original = corpus("rustsec__audit.toml.example");
    let c = compile(Format::CargoAudit, &rules, &reg, Some(&original)).unwrap();
    let after = c.text.split_once("informational_warnings").unwrap().1;
    let orig_after = original.split_once("informational_warnings").unwrap().1;
    assert_eq!(after, orig_after, "everything after `ignore` survives byte for byte");
    // Removing every owned entry leaves the array empty; `[]` comes back as `[\n]` (the only
    // bytes that differ), and from then on the cycle is exact.
    let emptied = compile(Format::CargoAudit, &[], &reg, Some(&c.text)).unwrap().text;
    assert_eq!(emptied, original.replace("ignore = []", "ignore = [\n]"));
    let again = compile(Format::CargoAudit, &rules, &reg, Some(&emptied)).unwrap().text;
    assert_eq!(compile(Format::CargoAudit, &[], &reg, Some(&again)).unwrap().text, emptied);
    let (sups, diags) = read_text(Format::CargoAudit, ".cargo/audit.toml", &c.text);
    assert!(diags.is_empty());
    let ids = sups.iter().filter(|s| matches!(s.subject, Subject::Advisory { .. })).count();
    assert_eq!(ids, 2);
    // The example's other settings keep advisories out of a report: each is a suppression no
    // exception can back (`severity_threshold`, `informational_warnings` without `unsound`,
    // `[target]`).
    let hidden: Vec<String> = sups
        .iter()
        .filter_map(|s| match &s.subject {
            Subject::Other { what } => Some(what.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(hidden.len(), 3, "{hidden:#?}");
    assert!(
        hidden[0].contains("below `low`") && hidden[1].contains("unsound") && hidden[2].contains("[target]"),
        "{hidden:#?}"
    );
}

#[test]
fn gitleaks_block_is_owned_and_hand_lines_survive() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), vec![]);
    let reg = ws.exceptions.clone().unwrap();
    let rules = valid_rules(&ws);
    let original = "# hand-kept\nlib/b.rs:aws-access-token:9\n";
    let c = compile(Format::Gitleaks, &rules, &reg, Some(original)).unwrap();
    assert!(c.text.starts_with(original) && c.text.contains("src/a.rs:generic-api-key:3\n# END secfw\n"), "{}", c.text);
    assert_eq!(compile(Format::Gitleaks, &rules, &reg, Some(&c.text)).unwrap().text, c.text);
    assert_eq!(compile(Format::Gitleaks, &[], &reg, Some(&c.text)).unwrap().text, original);
    let broken = format!(
        "{original}# BEGIN secfw: generated from exceptions.md by `secfw exceptions compile`; do not edit inside\n"
    );
    assert!(
        compile(Format::Gitleaks, &rules, &reg, Some(&broken)).is_err(),
        "an unterminated block is refused, not eaten"
    );
}

#[test]
fn a_hand_written_whole_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), vec![]);
    let reg = ws.exceptions.clone().unwrap();
    let err = compile(Format::Trivy, &valid_rules(&ws), &reg, Some(&corpus("trivy__trivyignore.yaml"))).unwrap_err();
    assert!(err.to_string().contains("SP0301") || err.to_string().contains("not generated by secfw"), "{err}");
}

#[test]
fn the_real_trivy_ignore_file_is_read_entry_by_entry() {
    let (sups, diags) = read_text(Format::Trivy, ".trivyignore.yaml", &corpus("trivy__trivyignore.yaml"));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        sups.len(),
        20,
        "6 vulnerabilities + 2 purls of CVE-2019-0007 + 4 misconfigurations + 3 secrets + 5 licences"
    );
    assert_eq!(sups[0].pos.map(|p| p.line), Some(2));
    let expiring =
        sups.iter().find(|s| matches!(&s.subject, Subject::Advisory { id, .. } if id == "CVE-2019-0005")).unwrap();
    assert_eq!(expiring.expires, Some("2023-01-01T00:00:00Z".parse().unwrap()));
    let others: Vec<String> = sups
        .iter()
        .filter_map(|s| match &s.subject {
            Subject::Other { what } => Some(what.clone()),
            _ => None,
        })
        .collect();
    // 5 licences, and the secret ignore whose path is a doublestar pattern (Trivy matches
    // `paths` as patterns: `**/config.yaml` is every config.yaml, which no exception can name).
    assert_eq!(others.len(), 6, "{others:#?}");
    assert!(others.iter().any(|w| w.contains("generic-unwanted-rule2") && w.contains("**/config.yaml")), "{others:#?}");
    let file = sups.iter().find_map(|s| match &s.subject {
        Subject::Secret { rule, file, .. } if rule == "generic-wanted-rule" => file.clone(),
        _ => None,
    });
    assert_eq!(file.as_deref(), Some("foo/secret.txt"));
}

#[test]
fn the_real_osv_scanner_file_is_read() {
    let (sups, diags) =
        read_text(Format::OsvScanner, "osv-scanner.toml", &corpus("osv-scanner__osv-scanner-test.toml"));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(sups.len(), 1);
    assert_eq!(sups[0].reason.as_deref(), Some("Test manifest file (package-lock.json)"));
    assert_eq!((sups[0].pos.map(|p| p.line), sups[0].expires), (Some(1), None));
}

// --- drift: one test per class ------------------------------------------------------------

fn drift_with(file: Format, text: &str) -> (Vec<Diagnostic>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(file.default_path());
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    let ws = workspace(dir.path(), vec![]);
    let d = check(&ws, &evaluate(&ws, now()), dir.path());
    (d.diagnostics, dir)
}

fn one<'a>(diags: &'a [Diagnostic], code: &str) -> &'a Diagnostic {
    let hits: Vec<_> = diags.iter().filter(|d| d.code.as_str() == code).collect();
    assert_eq!(hits.len(), 1, "one {code} in {diags:#?}");
    assert!(hits[0].hint.is_some());
    hits[0]
}

#[test]
fn drift_unbacked_suppression_fails_located_on_both_sides() {
    let (d, _dir) = drift_with(Format::OsvScanner, "[[IgnoredVulns]]\nid = \"CVE-2024-9999\"\nreason = \"trust me\"\n");
    let e = one(&d, "SP0201");
    assert!(e.is_error() && e.message.contains("CVE-2024-9999"));
    assert_eq!((e.file.as_str(), e.line, e.column), ("osv-scanner.toml", Some(1), Some(1)));
    assert_eq!(e.related[0].file, "exceptions.md");
}

#[test]
fn drift_suppression_of_an_expired_exception_fails() {
    let (d, _dir) = drift_with(Format::OsvScanner, "[[IgnoredVulns]]\nid = \"CVE-2019-0005\"\n");
    let e = one(&d, "SP0202");
    assert!(e.is_error() && e.message.contains("EXC-002"));
    assert_eq!(e.related[0].file, "exceptions.md");
}

#[test]
fn drift_suppression_of_an_unapproved_exception_fails() {
    let (d, _dir) = drift_with(Format::CargoDeny, "[advisories]\nignore = [\"GHSA-aaaa-bbbb-cccc\"]\n");
    let e = one(&d, "SP0203");
    assert!(e.is_error() && e.message.contains("EXC-003"));
    assert_eq!((e.line, e.column), (Some(2), Some(11)));
}

#[test]
fn a_revoked_exception_is_compiled_nowhere_and_backs_no_suppression() {
    // EXC-006 would be valid, but it is listed under `## Revoked Exceptions`.
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(dir.path(), vec![finding("F-6", "RUSTSEC-2022-0001", "x@1.0.0", &serde_json::json!([]))]);
    let text = format!(
        "{}\n## Revoked Exceptions\n{}",
        registry(),
        exc("EXC-006", "sec@x.test", "2026-11-01", "2027-01-31", "- **Advisories**: RUSTSEC-2022-0001\n")
    );
    let (reg, d) = secfw_artifacts::parse_exceptions(&SourceFile::new("exceptions.md", text), Level::Error);
    assert!(d.is_empty(), "{d:?}");
    ws.exceptions = Some(reg);
    let gov = evaluate(&ws, now());
    assert_eq!(gov.exception("EXC-006").unwrap().state, secfw_governance::ExceptionState::Archived);
    assert!(gov.finding("F-6").unwrap().is_counted(), "the finding it targets counts");
    let ids: Vec<String> = rules(&ws, &gov).into_iter().map(|r| r.exception).collect();
    assert!(!ids.iter().any(|i| i == "EXC-006"), "not compiled, not stated in VEX: {ids:?}");
    let p = dir.path().join(Format::OsvScanner.default_path());
    std::fs::write(&p, "[[IgnoredVulns]]\nid = \"RUSTSEC-2022-0001\"\nreason = \"EXC-006: revoked\"\n").unwrap();
    let d = check(&ws, &gov, dir.path()).diagnostics;
    let e = one(&d, "SP0203");
    assert!(e.is_error() && e.message.contains("EXC-006") && e.message.contains("archived"), "{e}");
    assert_eq!((e.file.as_str(), e.line), ("osv-scanner.toml", Some(1)));
}

#[test]
fn drift_malformed_entries_fail_and_an_ignore_until_typo_is_caught() {
    let (d, _dir) = drift_with(
        Format::OsvScanner,
        "[[IgnoredVulns]]\nid = \"RUSTSEC-2021-0001\"\nignoreUntil = \"2027-01-31\"\nreason = \"EXC-005: x\"\n",
    );
    let e = one(&d, "SP0104");
    assert!(e.is_error() && e.message.contains("ignoreUntil"), "{e}");
    assert_eq!(e.line, Some(3));
    let (d, _dir) = drift_with(Format::Gitleaks, "src/a.rs:generic-api-key\n");
    assert_eq!(one(&d, "SP0104").line, Some(1));
    let (d, _dir) =
        drift_with(Format::Trivy, "vulnerabilities:\n  - id: RUSTSEC-2021-0001\n    expired_at: 2027-02-30\n");
    assert_eq!(one(&d, "SP0104").line, Some(3));
    let (d, _dir) = drift_with(Format::Trivy, "vulnerabilities: [\n");
    assert!(one(&d, "SP0102").is_error());
}

#[test]
fn drift_unknown_keys_fail_instead_of_being_dropped() {
    let (d, _dir) = drift_with(Format::Trivy, "vulnerabilities:\n  - id: RUSTSEC-2021-0001\n    expires: 2027-01-01\n");
    let e = one(&d, "SP0103");
    assert!(e.is_error() && e.message.contains("`expires`"));
    assert_eq!((e.line, e.column), (Some(3), Some(5)));
    let (d, _dir) =
        drift_with(Format::Grype, "ignore:\n  - vulnerability: RUSTSEC-2021-0001\n    package:\n      nmae: time\n");
    assert_eq!(one(&d, "SP0103").line, Some(4));
}

#[test]
fn drift_stale_exception_warns() {
    // EXC-001 (a crate) and EXC-005 (a RUSTSEC id) are valid, but the present deny.toml
    // carries only EXC-005.
    let (d, _dir) = drift_with(
        Format::CargoDeny,
        "[advisories]\nignore = [{ id = \"RUSTSEC-2021-0001\", reason = \"EXC-005: x\" }]\n",
    );
    let w = one(&d, "SP0205");
    assert!(!w.is_error() && w.message.contains("EXC-001") && w.message.contains("deny.toml"), "{w}");
    assert_eq!(w.related[0].file, "exceptions.md");
    assert!(d.iter().all(|d| !d.is_error()), "{d:#?}");
}

#[test]
fn drift_backed_but_wider_or_longer_warns() {
    let (d, _dir) = drift_with(
        Format::Trivy,
        "vulnerabilities:\n  - id: RUSTSEC-2020-0071\n    expired_at: 2027-06-01\n    statement: \"EXC-001: x\"\n",
    );
    assert!(d.iter().all(|d| !d.is_error()), "{d:#?}");
    one(&d, "SP0204");
    one(&d, "SP0206");
}

#[test]
fn a_result_the_scanner_suppressed_without_an_exception_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let sup = serde_json::json!([{"type": "scan_result", "data": {"suppressions": [{"kind": "inSource", "status": "accepted"}]}}]);
    let ws = workspace(dir.path(), vec![finding("F-9", "CVE-2030-1", "x@1.0", &sup)]);
    let d = check(&ws, &evaluate(&ws, now()), dir.path()).diagnostics;
    let e = one(&d, "SP0208");
    assert!(e.is_error() && e.message.contains("F-9"));
}

#[test]
fn every_code_is_documented_exactly_once() {
    let doc = std::fs::read_to_string(secfw_testkit::repo_root().join("docs/diagnostics.md")).unwrap();
    for (code, title) in secfw_suppress::codes::CATALOG {
        assert!(!title.is_empty());
        let n = doc.matches(&format!("| `{code}` |")).count();
        assert_eq!(n, 1, "{code} is documented {n} times in docs/diagnostics.md");
    }
}

/// An ignore file that exists but cannot be read as a regular file (a FIFO, a symlink) is one
/// located SP0101 error, found without blocking; only a file that is not there reads as absent.
#[cfg(unix)]
#[test]
fn an_unreadable_ignore_file_is_an_error_never_absent() {
    let t = tempfile::tempdir().unwrap();
    assert!(secfw_suppress::read_file(t.path(), Format::Trivy).is_none(), "absent");
    let fifo = t.path().join(Format::Trivy.default_path());
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (found, d) = secfw_suppress::read_file(t.path(), Format::Trivy).expect("a FIFO is not absent");
    assert!(found.is_empty());
    assert_eq!(codes(&d), vec!["SP0101"]);
    let real = t.path().join("elsewhere.toml");
    std::fs::write(&real, "[advisories]\nignore = []\n").unwrap();
    std::fs::create_dir_all(t.path().join(".cargo")).unwrap();
    std::os::unix::fs::symlink(&real, t.path().join(Format::CargoAudit.default_path())).unwrap();
    let (_, d) = secfw_suppress::read_file(t.path(), Format::CargoAudit).expect("a symlink is not absent");
    assert_eq!(codes(&d), vec!["SP0101"]);
}

/// Compile and drift index the registry and the ledger once instead of scanning them per
/// exception or per suppression (issue 17: a registry of 20,000 exceptions made the
/// suppression gate quadratic). The indexes must find exactly what the one rule (`covers`)
/// finds: advisory ids in any case, a ledger cve with stray white space, secrets by rule and
/// file.
#[test]
fn indexed_lookups_find_what_the_rule_finds_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), vec![finding("F-3", " rustsec-2020-0071 ", "time@0.1.9", &serde_json::json!([]))]);
    let r = valid_rules(&ws);
    assert_eq!(r[0].exception, "EXC-001");
    assert_eq!(r[0].known_versions, ["0.1.44", "0.1.45", "0.1.9"], "the lower-case, padded cve pins its version too");

    let (d, _dir) =
        drift_with(Format::OsvScanner, "[[IgnoredVulns]]\nid = \"rustsec-2021-0001\"\nreason = \"EXC-005: x\"\n");
    assert!(!d.iter().any(Diagnostic::is_error), "a lower-case id is backed by EXC-005: {d:#?}");
    let (d, _dir) = drift_with(Format::OsvScanner, "[[IgnoredVulns]]\nid = \"cve-2019-0005\"\n");
    assert!(one(&d, "SP0202").message.contains("EXC-002"), "the expired exception is still found: {d:#?}");
    let (d, _dir) = drift_with(Format::Gitleaks, "src/a.rs:generic-api-key:3\nsrc/b.rs:generic-api-key:3\n");
    assert_eq!(
        codes(&d).iter().filter(|c| **c == "SP0201").count(),
        1,
        "only the fingerprint EXC-004 lists is backed: {d:#?}"
    );
}

// --- every file a scanner reads by default ---------------------------------------------------

/// Drift over a repository holding `files` (path relative to the root, text).
fn drift_files(files: &[(&str, &str)]) -> (secfw_suppress::Drift, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    let ws = workspace(dir.path(), vec![]);
    (check(&ws, &evaluate(&ws, now()), dir.path()), dir)
}

/// Trivy's plain `.trivyignore` is read as Trivy reads it: comments and blank lines skipped, the
/// first field the id (located at its column), `exp:YYYY-MM-DD` the expiry at the start of that
/// day, other fields ignored by Trivy and kept as the reason; a date Trivy cannot parse is a
/// located error, never a silent skip. Only a `.yaml`/`.yml` name is read as YAML.
#[test]
fn a_plain_trivyignore_is_read_as_trivy_reads_it() {
    type Entry = (String, u32, u32, Option<String>, Option<String>);
    let text = "# Accept the risk\nCVE-2018-14618\n\n  CVE-2019-14697 exp:2027-01-01\nAVD-DS-0002 exp:2026-12-01 # EXC-005: waiting\naws-account-id\r\nCVE-2020-1 exp:2027-1-01\nCVE-2020-2 exp:tomorrow\n";
    let (sups, diags) = read_text(Format::Trivy, ".trivyignore", text);
    let got: Vec<Entry> = sups
        .iter()
        .map(|s| {
            let p = s.pos.unwrap();
            (s.subject.to_string(), p.line, p.column, s.expires.map(|t| t.to_rfc3339()), s.reason.clone())
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("CVE-2018-14618".into(), 2, 1, None, Some("Accept the risk".into())),
            ("CVE-2019-14697".into(), 4, 3, Some("2027-01-01T00:00:00+00:00".into()), None),
            ("AVD-DS-0002".into(), 5, 1, Some("2026-12-01T00:00:00+00:00".into()), Some("EXC-005: waiting".into())),
            ("aws-account-id".into(), 6, 1, None, None),
        ]
    );
    assert_eq!(sups[2].exception.as_deref(), Some("EXC-005"));
    assert!(sups.iter().all(|s| matches!(s.subject, Subject::Advisory { package: None, .. })));
    let bad: Vec<(&str, Option<u32>)> = diags.iter().map(|d| (d.code.as_str(), d.line)).collect();
    assert_eq!(bad, vec![("SP0104", Some(7)), ("SP0104", Some(8))], "{diags:#?}");
    assert!(diags.iter().all(|d| d.is_error() && d.file == ".trivyignore" && d.hint.is_some()));
    // The extension picks the syntax, as in Trivy: a YAML-named file is YAML.
    let (_, d) = read_text(Format::Trivy, "ci/.trivyignore.yml", "CVE-2018-14618\n");
    assert_eq!(codes(&d), vec!["SP0104"], "a plain line is not a Trivy YAML document");
}

/// The attack: a hand-written `.trivyignore` hides a CVE from Trivy (ingest cannot see it, and
/// resolves the finding). The gate reads it: an unbacked id is SP0201 at its line; a backed id
/// passes; a reason naming an exception that does not target the id, and an id backed only by
/// an expired exception, fail; an expiry after the exception's is a warning.
#[test]
fn drift_reads_the_plain_trivyignore_and_fails_an_unbacked_id_at_its_line() {
    let (d, _dir) = drift_files(&[(".trivyignore", "# hidden by hand\n\nCVE-2024-3094\n")]);
    assert_eq!(d.files, vec![".trivyignore"]);
    let e = one(&d.diagnostics, "SP0201");
    assert!(e.is_error() && e.message.contains("trivy `CVE-2024-3094`"), "{e}");
    assert_eq!((e.file.as_str(), e.line, e.column), (".trivyignore", Some(3), Some(1)));
    assert_eq!(e.related[0].file, "exceptions.md");
    assert_eq!(d.diagnostics.len(), 1, "{:#?}", d.diagnostics);

    let (d, _dir) = drift_files(&[(".trivyignore", "RUSTSEC-2021-0001 exp:2027-01-31 # EXC-005: accepted\n")]);
    assert_eq!((d.backed, d.diagnostics.len()), (1, 0), "backed, and not the compile target: {:#?}", d.diagnostics);

    let (d, _dir) = drift_files(&[(
        ".trivyignore",
        "RUSTSEC-2021-0001 exp:2027-06-01\nCVE-2024-3094 # EXC-005: not its id\nCVE-2019-0005\n",
    )]);
    assert_eq!(one(&d.diagnostics, "SP0204").line, Some(1));
    let named = one(&d.diagnostics, "SP0201");
    assert!(named.message.contains("names EXC-005") && named.line == Some(2), "{named}");
    assert_eq!(one(&d.diagnostics, "SP0202").line, Some(3));
}

/// Each default location of Grype and cargo-deny is read, not only the one secfw compiles to;
/// an unbacked entry in any of them is SP0201 at its line.
#[test]
fn every_default_ignore_file_of_every_scanner_is_read() {
    for format in Format::ALL {
        assert!(format.read_paths().contains(&format.default_path()), "{format}");
    }
    let grype = "ignore:\n  - vulnerability: CVE-2024-3094\n";
    let deny = "[advisories]\nignore = [\"RUSTSEC-2099-0042\"]\n";
    let cases: &[(&str, &str, u32)] = &[
        (".trivyignore", "CVE-2024-3094\n", 1),
        (".grype.yml", grype, 2),
        (".grype/config.yaml", grype, 2),
        (".grype/config.yml", grype, 2),
        (".grype.json", "{\"ignore\": [\n  {\"vulnerability\": \"CVE-2024-3094\"}\n]}\n", 2),
        (".grype/config.json", "{\"ignore\": [\n  {\"vulnerability\": \"CVE-2024-3094\"}\n]}\n", 2),
        (".deny.toml", deny, 2),
        (".cargo/deny.toml", deny, 2),
    ];
    for (name, text, line) in cases {
        let (d, _dir) = drift_files(&[(name, text)]);
        assert_eq!(d.files, vec![*name]);
        let e = one(&d.diagnostics, "SP0201");
        assert_eq!((e.file.as_str(), e.line), (*name, Some(*line)), "{name}: {e}");
    }
    // All present at once: each is read and reported on its own.
    let (d, _dir) = drift_files(cases.iter().map(|(n, t, _)| (*n, *t)).collect::<Vec<_>>().as_slice());
    let mut files: Vec<&str> =
        d.diagnostics.iter().filter(|d| d.code.as_str() == "SP0201").map(|d| d.file.as_str()).collect();
    files.sort_unstable();
    let mut want: Vec<&str> = cases.iter().map(|c| c.0).collect();
    want.sort_unstable();
    assert_eq!(files, want);
}

/// Grype's loader (viper) matches keys case-insensitively: `Ignore:` is read, never skipped.
#[test]
fn a_grype_ignore_key_in_another_case_is_read() {
    let (d, _dir) = drift_files(&[(".grype.yaml", "Ignore:\n  - vulnerability: CVE-2024-3094\n")]);
    let e = one(&d.diagnostics, "SP0201");
    assert_eq!((e.file.as_str(), e.line), (".grype.yaml", Some(2)));
    let (d, _dir) = drift_files(&[(".grype.yaml", "ignore: []\nIGNORE:\n  - vulnerability: CVE-2024-3094\n")]);
    let errors: Vec<&str> = d.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.as_str()).collect();
    assert_eq!(errors, vec!["SP0104"], "two lists: ambiguous, refused");
}

/// A Grype config in a format Grype reads but secfw does not (TOML, INI, ...) is refused with
/// SP0101, never skipped; a `.grype` that is a file has no `.grype/config.yaml` (absent).
#[test]
fn a_grype_config_secfw_cannot_read_is_refused_never_skipped() {
    for name in [".grype.toml", ".grype/config.ini", ".grype.env"] {
        let (d, _dir) = drift_files(&[(name, "[ignore]\nvulnerability = \"CVE-2024-3094\"\n")]);
        assert_eq!(codes(&d.diagnostics), vec!["SP0101"], "{name}");
        assert_eq!(d.diagnostics[0].file, name);
        assert!(d.diagnostics[0].is_error() && d.diagnostics[0].hint.is_some());
    }
    let (d, _dir) = drift_files(&[(".grype", "not a directory\n")]);
    assert!(d.files.is_empty() && d.diagnostics.is_empty(), "{:#?}", d.diagnostics);
}

/// A valid exception missing from the compiled `.trivyignore.yaml` is stale there even when a
/// hand-written `.trivyignore` carries it: each file backs only itself.
#[test]
fn an_entry_in_the_plain_file_does_not_hide_a_stale_compiled_file() {
    let (d, _dir) =
        drift_files(&[(".trivyignore", "RUSTSEC-2021-0001\n"), (".trivyignore.yaml", "vulnerabilities: []\n")]);
    assert_eq!(d.backed, 1);
    let stale: Vec<&Diagnostic> = d.diagnostics.iter().filter(|d| d.code.as_str() == "SP0205").collect();
    assert!(
        stale.iter().any(|d| d.message.contains("EXC-005") && d.file == ".trivyignore.yaml"),
        "{:#?}",
        d.diagnostics
    );
    assert!(stale.iter().all(|d| d.file == ".trivyignore.yaml"));
}

/// A FIFO or a symlink at any of the new default paths is one SP0101 error, found without
/// blocking (the check runs on a thread with a deadline: a blocking open fails the test).
#[cfg(unix)]
#[test]
fn a_fifo_or_symlink_at_a_default_path_is_refused_without_blocking() {
    let names = [".trivyignore", ".grype.yml", ".grype/config.yaml", ".deny.toml", ".cargo/deny.toml"];
    for name in names {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(&p).status().unwrap().success());
        let root = dir.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let ws = workspace(&root, vec![]);
            let _ = tx.send(check(&ws, &evaluate(&ws, now()), &root));
        });
        let d = rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap_or_else(|_| panic!("{name}: blocked"));
        assert_eq!(codes(&d.diagnostics), vec!["SP0101"], "{name}");
        assert_eq!(d.diagnostics[0].file, name);
        // A symlink to a harmless file is refused as well (never followed).
        std::fs::remove_file(&p).unwrap();
        let real = dir.path().join("elsewhere");
        std::fs::write(&real, "").unwrap();
        std::os::unix::fs::symlink(&real, &p).unwrap();
        let ws = workspace(dir.path(), vec![]);
        let d = check(&ws, &evaluate(&ws, now()), dir.path());
        assert_eq!(codes(&d.diagnostics), vec!["SP0101"], "{name} as a symlink");
    }
}

// --- scanner configuration that hides findings (no exception can back it) -----------------

/// [`drift_files`] with `more` exceptions in the registry.
fn drift_more(files: &[(&str, &str)], more: &str) -> (secfw_suppress::Drift, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    let ws = workspace_with(dir.path(), vec![], more);
    let d = check(&ws, &evaluate(&ws, now()), dir.path());
    (d, dir)
}

/// The errors of `code` in `file`, as (line, message).
fn errors_in<'a>(d: &'a secfw_suppress::Drift, code: &str, file: &str) -> Vec<(u32, &'a str)> {
    d.diagnostics
        .iter()
        .filter(|x| x.is_error() && x.code.as_str() == code && x.file == file)
        .map(|x| (x.pos().map_or(0, |p| p.line), x.message.as_str()))
        .collect()
}

#[test]
fn the_ignore_file_trivy_yaml_names_is_read_and_one_outside_the_repository_is_refused() {
    let (d, _dir) = drift_more(
        &[("trivy.yaml", "ignorefile: ./sec/custom.ignore\n"), ("sec/custom.ignore", "\nCVE-2099-0001\n")],
        "",
    );
    assert!(d.files.contains(&"sec/custom.ignore".to_owned()), "{:?}", d.files);
    let e = errors_in(&d, "SP0201", "sec/custom.ignore");
    assert_eq!(e.len(), 1, "{:#?}", d.diagnostics);
    assert_eq!(e[0].0, 2);
    // An empty name turns the ignore file off: nothing to read, nothing to refuse.
    let (d, _dir) = drift_more(&[("trivy.yaml", "ignorefile: \"\"\nsecret:\n  config: \"\"\n")], "");
    assert!(d.diagnostics.iter().all(|x| !x.is_error()), "{:#?}", d.diagnostics);
    for outside in ["../elsewhere/.trivyignore", "/etc/trivyignore"] {
        let (d, _dir) = drift_more(&[("trivy.yaml", &format!("ignorefile: {outside}\n"))], "");
        let e = errors_in(&d, "SP0101", "trivy.yaml");
        assert_eq!(e.len(), 1, "{outside}: {:#?}", d.diagnostics);
        assert!(e[0].0 == 1 && e[0].1.contains("outside the repository"), "{e:?}");
    }
}

#[test]
fn trivy_settings_that_keep_findings_out_of_a_report_are_suppressions_no_exception_backs() {
    let cfg = "severity:\n  - HIGH\n  - CRITICAL\nVulnerability:\n  Ignore-Unfixed: \"true\"\n  ignore-status: [will_not_fix]\nignore-policy: policy/ignore.rego\nlicense.ignored: [GPL-3.0]\nvulnerability.vex: [repo]\n";
    let (d, _dir) = drift_more(&[("trivy.yaml", cfg)], "");
    let e = errors_in(&d, "SP0201", "trivy.yaml");
    let mut lines: Vec<u32> = e.iter().map(|(l, _)| *l).collect();
    lines.sort_unstable();
    assert_eq!(lines, [1, 5, 6, 7, 8, 9], "{:#?}", d.diagnostics);
    assert!(e.iter().any(|(_, m)| m.contains("UNKNOWN, LOW, MEDIUM")), "{e:#?}");
    assert!(e.iter().any(|(_, m)| m.contains("no fixed version")), "{e:#?}");
    let hint = d.diagnostics.iter().find(|x| x.code.as_str() == "SP0201").and_then(|x| x.hint.clone()).unwrap();
    assert!(hint.contains("no exception can back"), "{hint}");
    // Every severity listed, `ignore-unfixed: false`: nothing is hidden.
    let (d, _dir) = drift_more(
        &[("trivy.yaml", "severity: UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL\nvulnerability:\n  ignore-unfixed: false\n")],
        "",
    );
    assert!(d.diagnostics.iter().all(|x| !x.is_error()), "{:#?}", d.diagnostics);
    // A value Trivy would read differently from what it says is refused, never guessed.
    let (d, _dir) = drift_more(&[("trivy.yaml", "severity: 7\nvulnerability:\n  ignore-unfixed: yes please\n")], "");
    assert_eq!(errors_in(&d, "SP0104", "trivy.yaml").len(), 2, "{:#?}", d.diagnostics);
}

#[test]
fn trivy_secret_allow_rules_disabled_rules_and_exclude_blocks_are_unbacked() {
    let secret = "allow-rules:\n  - id: tests\n    description: test fixtures\n    path: .*/testdata/.*\ndisable-rules: [aws-access-key-id]\nenable-builtin-rules: [github-pat]\nexclude-block:\n  regexes: ['BEGIN TEST']\nrules:\n  - id: internal\n    regex: INT-[0-9]+\n    allow-rules:\n      - id: docs\n        path: docs/.*\n";
    let (d, _dir) = drift_more(&[("trivy-secret.yaml", secret)], "");
    let e = errors_in(&d, "SP0201", "trivy-secret.yaml");
    assert_eq!(e.len(), 5, "{:#?}", d.diagnostics);
    assert!(e.iter().any(|(_, m)| m.contains("allow rule `docs`") && m.contains("of rule `internal`")), "{e:#?}");
    // `secret.config` in trivy.yaml names the file Trivy reads instead.
    let (d, _dir) = drift_more(
        &[
            ("trivy.yaml", "secret:\n  config: sec/secret.yaml\n"),
            ("sec/secret.yaml", "disable-rules: [slack-web-hook]\n"),
        ],
        "",
    );
    assert_eq!(errors_in(&d, "SP0201", "sec/secret.yaml").len(), 1, "{:#?}", d.diagnostics);
}

#[test]
fn gitleaks_allowlists_disabled_rules_and_a_replaced_rule_set_are_unbacked() {
    let cfg = "[extend]\nuseDefault = true\ndisabledRules = [\"generic-api-key\"]\n\n[allowlist]\ndescription = \"fixtures\"\npaths = ['''testdata/''']\n\n[[rules]]\nid = \"internal\"\nregex = '''INT-[0-9]+'''\n[[rules.allowlists]]\nregexes = ['''INT-0000''']\n";
    let (d, _dir) = drift_more(&[(".gitleaks.toml", cfg)], "");
    let e = errors_in(&d, "SP0201", ".gitleaks.toml");
    assert_eq!(e.len(), 3, "{:#?}", d.diagnostics);
    assert!(e.iter().any(|(_, m)| m.contains("`generic-api-key`")), "{e:#?}");
    assert!(e.iter().any(|(_, m)| m.contains("`fixtures`") && m.contains("1 paths")), "{e:#?}");
    assert!(e.iter().any(|(_, m)| m.contains("of rule `internal`")), "{e:#?}");
    // Rules of its own without `[extend] useDefault = true` replace Gitleaks' default rules.
    let (d, _dir) = drift_more(&[(".gitleaks.toml", "[[rules]]\nid = \"only-this\"\nregex = '''x'''\n")], "");
    let e = errors_in(&d, "SP0201", ".gitleaks.toml");
    assert!(e.len() == 1 && e[0].1.contains("default rules"), "{e:#?}");
    // The configuration it extends is read; one outside the repository is refused.
    let (d, _dir) = drift_more(
        &[
            (".gitleaks.toml", "[extend]\npath = \"sec/base.toml\"\n"),
            ("sec/base.toml", "[allowlist]\nstopwords = [\"example\"]\n"),
        ],
        "",
    );
    assert_eq!(errors_in(&d, "SP0201", "sec/base.toml").len(), 1, "{:#?}", d.diagnostics);
    let (d, _dir) = drift_more(&[(".gitleaks.toml", "[extend]\npath = \"../base.toml\"\n")], "");
    assert_eq!(errors_in(&d, "SP0101", ".gitleaks.toml").len(), 1, "{:#?}", d.diagnostics);
}

#[test]
fn every_osv_scanner_toml_below_the_root_is_read_but_not_inside_git() {
    let entry = "[[IgnoredVulns]]\nid = \"CVE-2099-0002\"\nreason = \"hand-written\"\n";
    let (d, dir) = drift_more(&[("services/api/osv-scanner.toml", entry), (".git/osv-scanner.toml", entry)], "");
    assert_eq!(errors_in(&d, "SP0201", "services/api/osv-scanner.toml").len(), 1, "{:#?}", d.diagnostics);
    assert!(!d.files.iter().any(|f| f.starts_with(".git")), "{:?}", d.files);
    // Stale (SP0205) concerns only the files compile writes, never a sub-project's own.
    assert!(!d.diagnostics.iter().any(|x| x.code.as_str() == "SP0205" && x.file.contains("services")));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("services/osv-scanner.toml")).unwrap();
        let ws = workspace(dir.path(), vec![]);
        let d = check(&ws, &evaluate(&ws, now()), dir.path());
        assert_eq!(errors_in(&d, "SP0101", "services/osv-scanner.toml").len(), 1, "{:#?}", d.diagnostics);
    }
}

#[test]
fn grype_cargo_deny_and_cargo_audit_settings_that_hide_findings_are_unbacked() {
    let (d, _dir) = drift_more(&[(".grype.yaml", "exclude:\n  - \"**\"\nOnly-Fixed: true\nignore: []\n")], "");
    assert_eq!(errors_in(&d, "SP0201", ".grype.yaml").len(), 2, "{:#?}", d.diagnostics);
    let deny =
        "[graph]\nexclude = [\"openssl\"]\n\n[advisories]\nunmaintained = \"none\"\nunsound = \"all\"\nignore = []\n";
    let (d, _dir) = drift_more(&[("deny.toml", deny)], "");
    let e = errors_in(&d, "SP0201", "deny.toml");
    assert_eq!(e.len(), 2, "{:#?}", d.diagnostics);
    assert!(e.iter().any(|(_, m)| m.contains("`openssl`")) && e.iter().any(|(_, m)| m.contains("`none`")), "{e:#?}");
}

#[test]
fn trivy_secret_paths_and_grype_names_are_patterns_compile_escapes_them_and_drift_reads_them_so() {
    let more = exc(
        "EXC-010",
        "sec@x.test",
        "2026-11-01",
        "2027-01-31",
        "- **Secrets**: src/pages/[slug].tsx:generic-api-key:3, **:aws-access-token:1\n",
    ) + &exc(
        "EXC-011",
        "sec@x.test",
        "2026-11-01",
        "2027-01-31",
        "- **Advisories**: CVE-2099-0003\n- **Package**: pkg:deb/debian/libstdc++6\n- **Versions**: =12.2.0-14\n",
    ) + &exc(
        "EXC-012",
        "sec@x.test",
        "2026-11-01",
        "2027-01-31",
        "- **Advisories**: CVE-2099-0004\n- **Package**: pkg:npm/.*\n- **Versions**: =1.0.0\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace_with(dir.path(), vec![], &more);
    let reg = ws.exceptions.clone().unwrap();
    let rules = valid_rules(&ws);
    let trivy = compile(Format::Trivy, &rules, &reg, None).unwrap().text;
    assert!(trivy.contains(r#"- "src/pages/\\[slug\\].tsx""#) && trivy.contains(r#"- "\\*\\*""#), "{trivy}");
    let (sups, diags) = read_text(Format::Trivy, ".trivyignore.yaml", &trivy);
    assert!(diags.is_empty(), "{diags:?}");
    let files: Vec<&str> = sups
        .iter()
        .filter_map(|s| match &s.subject {
            Subject::Secret { file, .. } => file.as_deref(),
            _ => None,
        })
        .collect();
    assert!(files.contains(&"src/pages/[slug].tsx") && files.contains(&"**"), "{sups:#?}");
    let grype = compile(Format::Grype, &rules, &reg, None).unwrap().text;
    assert!(grype.contains(r#"name: "libstdc\\+\\+6""#) && grype.contains(r#"name: "\\.\\*""#), "{grype}");
    assert!(!grype.contains("debian/"), "Grype names a deb package without its distro: {grype}");
    for (format, text) in [(Format::Trivy, &trivy), (Format::Grype, &grype)] {
        std::fs::write(dir.path().join(format.default_path()), text).unwrap();
    }
    let d = check(&ws, &evaluate(&ws, now()), dir.path());
    assert!(d.diagnostics.iter().all(|x| !x.is_error()), "compiled files back their exceptions: {:#?}", d.diagnostics);
    // Hand-written patterns name every file or package they match: no exception backs them.
    let (d, _dir) = drift_more(
        &[
            (
                ".trivyignore.yaml",
                "secrets:\n  - id: aws-access-token\n    paths: [\"**\"]\n    statement: \"EXC-004: x\"\n",
            ),
            (".grype.yaml", "ignore:\n  - vulnerability: CVE-2099-0004\n    package:\n      name: \".*\"\n"),
        ],
        &more,
    );
    assert!(!errors_in(&d, "SP0201", ".trivyignore.yaml").is_empty(), "{:#?}", d.diagnostics);
    assert_eq!(errors_in(&d, "SP0201", ".grype.yaml").len(), 1, "{:#?}", d.diagnostics);
}

#[test]
fn an_exception_for_one_package_never_becomes_an_id_only_ignore_that_hides_the_advisory_elsewhere() {
    let more = exc(
        "EXC-010",
        "sec@x.test",
        "2026-11-01",
        "2027-01-31",
        "- **Advisories**: CVE-2023-44487\n- **Package**: pkg:golang/google.golang.org/grpc\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace_with(dir.path(), vec![], &more);
    let reg = ws.exceptions.clone().unwrap();
    let rules = valid_rules(&ws);
    for format in [Format::OsvScanner, Format::CargoDeny, Format::CargoAudit] {
        let c = compile(format, &rules, &reg, None).unwrap();
        assert!(!c.text.contains("CVE-2023-44487"), "{format}: {}", c.text);
        if format == Format::OsvScanner {
            assert!(
                c.diagnostics.iter().any(|x| x.code.as_str() == "SP0207" && x.message.contains("EXC-010")),
                "{:#?}",
                c.diagnostics
            );
            // RUSTSEC names one crate: EXC-001 (RUSTSEC-2020-0071 on `time`) is still written.
            assert!(c.text.contains("RUSTSEC-2020-0071"), "{}", c.text);
        }
    }
    // A hand-written id-only entry backed only by that exception is refused, not warned about.
    let (d, _dir) = drift_more(
        &[("osv-scanner.toml", "[[IgnoredVulns]]\nid = \"CVE-2023-44487\"\nreason = \"EXC-010: grpc\"\n")],
        &more,
    );
    let e = errors_in(&d, "SP0209", "osv-scanner.toml");
    assert!(e.len() == 1 && e[0].1.contains("every package"), "{:#?}", d.diagnostics);
}

#[test]
fn control_characters_in_a_justification_never_make_a_compiled_file_unreadable() {
    let more = exc(
        "EXC-010",
        "sec@x.test",
        "2026-11-01",
        "2027-01-31",
        "- **Advisories**: RUSTSEC-2099-0001\n- **Secrets**: a.rs:generic-api-key:1\n",
    )
    .replace("Needed for the EXC-010 release.", "del\u{7f}here c1\u{80}\u{9f}here bom\u{feff}");
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace_with(dir.path(), vec![], &more);
    let reg = ws.exceptions.clone().unwrap();
    let rules = valid_rules(&ws);
    assert!(rules.iter().any(|r| r.exception == "EXC-010"), "the exception is valid");
    for format in Format::ALL {
        let c = compile(format, &rules, &reg, None).unwrap();
        let (_, diags) = read_text(format, format.default_path(), &c.text);
        assert!(diags.is_empty(), "{format}: {diags:#?}\n{}", c.text);
        // Compiling again over the file secfw wrote works (an in-place format is edited).
        compile(format, &rules, &reg, Some(&c.text)).unwrap();
    }
}

// --- a second sweep of the readers above (fourteenth session) -----------------------------

#[test]
fn keys_match_as_the_scanners_fold_them_and_two_spellings_of_one_key_are_refused() {
    // viper lower-cases `İ` to `i`; Go's EqualFold takes the long `ſ` for `s`.
    let (d, _dir) = drift_more(
        &[
            ("trivy.yaml", "sever\u{130}ty: CRITICAL\n\u{130}gnorefile: ci/ignore.txt\n"),
            ("ci/ignore.txt", "CVE-2099-0005\n"),
        ],
        "",
    );
    assert_eq!(errors_in(&d, "SP0201", "trivy.yaml").len(), 1, "{:#?}", d.diagnostics);
    assert_eq!(errors_in(&d, "SP0201", "ci/ignore.txt").len(), 1, "{:#?}", d.diagnostics);
    let (d, _dir) = drift_more(
        &[(".gitleaks.toml", "[extend]\nuseDefault = true\n[\"allowli\u{17F}t\"]\npaths = ['''.*''']\n")],
        "",
    );
    assert_eq!(errors_in(&d, "SP0201", ".gitleaks.toml").len(), 1, "{:#?}", d.diagnostics);
    // Which of two spellings the scanner keeps is not what the file says: refused.
    let (d, _dir) =
        drift_more(&[("trivy.yaml", "severity: [UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL]\nSEVERITY: CRITICAL\n")], "");
    assert_eq!(errors_in(&d, "SP0104", "trivy.yaml").len(), 1, "{:#?}", d.diagnostics);
    let (d, _dir) = drift_more(
        &[(
            ".gitleaks.toml",
            "[extend]\nuseDefault = true\ndisabledrules = []\nDisabledRules = [\"aws-access-token\"]\n",
        )],
        "",
    );
    assert_eq!(errors_in(&d, "SP0104", ".gitleaks.toml").len(), 1, "{:#?}", d.diagnostics);
}

#[test]
fn a_gitleaks_json_next_to_the_toml_is_read_as_gitleaks_reads_it() {
    let (d, _dir) = drift_more(
        &[
            (".gitleaks.toml", "[extend]\nuseDefault = true\n"),
            (".gitleaks.json", "[extend]\nuseDefault = true\n[allowlist]\npaths = ['''.*''']\n"),
        ],
        "",
    );
    assert_eq!(errors_in(&d, "SP0201", ".gitleaks.json").len(), 1, "{:#?}", d.diagnostics);
}

#[test]
fn trivy_scanners_package_types_and_secret_skip_patterns_that_hide_a_class_are_unbacked() {
    let (d, _dir) = drift_more(
        &[
            ("trivy.yaml", "scan:\n  scanners: [vuln]\npkg:\n  types: [os]\n"),
            ("trivy-secret.yaml", "skip-patterns: [\"**/*\"]\n"),
        ],
        "",
    );
    let e = errors_in(&d, "SP0201", "trivy.yaml");
    assert!(e.iter().any(|(_, m)| m.contains("`secret`")) && e.iter().any(|(_, m)| m.contains("`library`")), "{e:#?}");
    assert_eq!(errors_in(&d, "SP0201", "trivy-secret.yaml").len(), 1, "{:#?}", d.diagnostics);
}

#[test]
fn osv_package_override_keys_in_any_case_and_a_go_version_override_are_caught() {
    let text = "GoVersionOverride = \"99.0.0\"\n\n[[PackageOverrides]]\nname = \"lodash\"\necosystem = \"npm\"\nvulnerability = { IGNORE = true }\n";
    let (d, _dir) = drift_more(&[("osv-scanner.toml", text)], "");
    assert_eq!(errors_in(&d, "SP0103", "osv-scanner.toml").len(), 1, "{:#?}", d.diagnostics);
    assert!(
        errors_in(&d, "SP0201", "osv-scanner.toml").iter().any(|(_, m)| m.contains("GoVersionOverride")),
        "{:#?}",
        d.diagnostics
    );
}

#[test]
fn a_grype_rule_without_the_packages_type_or_a_rustsec_id_under_another_crate_backs_nothing() {
    let more = exc(
        "EXC-010",
        "sec@x.test",
        "2026-11-01",
        "2027-01-31",
        "- **Advisories**: CVE-2099-0006\n- **Package**: pkg:deb/debian/curl\n- **Versions**: =7.88.1-10\n",
    ) + &exc(
        "EXC-011",
        "sec@x.test",
        "2026-11-01",
        "2027-01-31",
        // The ledger shows RUSTSEC-2099-0007 on `time`; this exception names another crate.
        "- **Advisories**: RUSTSEC-2099-0007\n- **Package**: pkg:cargo/smallvec\n",
    );
    let on_time = finding("F-9", "RUSTSEC-2099-0007", "time@0.1.45", &serde_json::json!([]));
    let rule = |t: Option<&str>| {
        format!(
            "ignore:\n  - vulnerability: CVE-2099-0006\n    reason: \"EXC-010: x\"\n    package:\n      name: curl\n      version: 7.88.1-10\n{}",
            t.map(|t| format!("      type: {t}\n")).unwrap_or_default()
        )
    };
    let (d, _dir) = drift_more(&[(".grype.yaml", &rule(Some("deb")))], &more);
    assert!(errors_in(&d, "SP0201", ".grype.yaml").is_empty(), "the compiled form backs it: {:#?}", d.diagnostics);
    for t in [None, Some("npm")] {
        let (d, _dir) = drift_more(&[(".grype.yaml", &rule(t))], &more);
        assert_eq!(errors_in(&d, "SP0201", ".grype.yaml").len(), 1, "{t:?}: {:#?}", d.diagnostics);
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace_with(dir.path(), vec![on_time], &more);
    let rules = valid_rules(&ws);
    let reg = ws.exceptions.clone().unwrap();
    for format in [Format::OsvScanner, Format::CargoDeny, Format::CargoAudit] {
        let c = compile(format, &rules, &reg, None).unwrap();
        assert!(!c.text.contains("EXC-011"), "{format}: {}", c.text);
    }
    std::fs::write(
        dir.path().join("osv-scanner.toml"),
        "[[IgnoredVulns]]\nid = \"RUSTSEC-2099-0007\"\nreason = \"EXC-011: x\"\n",
    )
    .unwrap();
    let d = check(&ws, &evaluate(&ws, now()), dir.path());
    assert_eq!(errors_in(&d, "SP0209", "osv-scanner.toml").len(), 1, "{:#?}", d.diagnostics);
}
