//! Each rule violated once, on a copy of the passing fixture workspace: the right gate fails
//! with the right code at the right place.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secfw_artifacts::{Diagnostic, LoadOptions, load};
use secfw_gates::{GateName, GateOptions, GateRun, run};

const NOW: &str = "2026-11-24T12:00:00Z";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base")
}

/// A temp copy of the base fixture with `edits` applied: (file, from, to) string replacements
/// that must each match.
fn workspace(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    for (file, from, to) in edits {
        let p = dir.path().join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file} does not contain {from:?}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    }
    dir
}

fn gates(dir: &Path, at: DateTime<Utc>) -> GateRun {
    let ws = load(dir, &LoadOptions::default()).unwrap();
    run(&ws, &GateName::ALL, at, &GateOptions::default())
}

fn run_strict(dir: &Path) -> GateRun {
    let ws = load(dir, &LoadOptions::default()).unwrap();
    run(&ws, &GateName::ALL, now(), &GateOptions::default().strict(true))
}

fn errors(run: &GateRun, gate: GateName) -> Vec<&Diagnostic> {
    run.report(gate).unwrap().errors().collect()
}

/// The single error of `gate` with `code`; asserts its file and line.
fn expect_one<'a>(run: &'a GateRun, gate: GateName, code: &str, file: &str, line: u32) -> &'a Diagnostic {
    let errs = errors(run, gate);
    let hits: Vec<_> = errs.iter().filter(|d| d.code.as_str() == code).collect();
    assert_eq!(hits.len(), 1, "expected one {code} in {gate}, got: {errs:#?}");
    let d = hits[0];
    assert_eq!((d.file.as_str(), d.line), (file, Some(line)), "{d}");
    assert!(d.hint.is_some(), "{code} has no hint");
    assert!(!run.report(gate).unwrap().passed);
    d
}

fn line_of(dir: &Path, file: &str, needle: &str) -> u32 {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let (before, _) = text.split_once(needle).unwrap_or_else(|| panic!("{needle} not in {file}"));
    u32::try_from(before.matches('\n').count() + 1).unwrap()
}

#[test]
fn the_base_fixture_passes_every_gate_with_its_exception_listed() {
    let dir = workspace(&[]);
    let run = gates(dir.path(), now());
    for r in &run.reports {
        assert!(r.passed, "{} failed: {:#?}", r.gate, r.diagnostics);
        assert_eq!(r.summary.warnings, 0, "{:#?}", r.diagnostics);
    }
    assert!(run.passed);
    let parity = run.report(GateName::ParityCoverage).unwrap();
    assert_eq!(parity.excepted.len(), 1);
    assert_eq!(parity.excepted[0].finding_id, "F-002");
    assert_eq!(parity.excepted[0].exception, "EXC-001");
    assert_eq!(parity.stats["policy_coverage"]["percent"], 100.0);
    let note = parity.diagnostics.iter().find(|d| d.code.as_str() == "GT0208").expect("excepted findings are listed");
    assert_eq!(note.line, Some(line_of(dir.path(), "sec_findings.yaml", "finding_id: F-002")));
}

#[test]
fn dangling_exception_ref_fails_cross_stream_at_the_reference() {
    let dir = workspace(&[("sec_findings.yaml", "exception_ref: EXC-001", "exception_ref: EXC-009")]);
    let run = gates(dir.path(), now());
    let line = line_of(dir.path(), "sec_findings.yaml", "exception_ref: EXC-009");
    expect_one(&run, GateName::CrossStreamConsistency, "GT0102", "sec_findings.yaml", line);
    // The exception now lists a finding that points elsewhere: both sides named.
    let d = expect_one(
        &run,
        GateName::CrossStreamConsistency,
        "GT0106",
        "exceptions.md",
        line_of(dir.path(), "exceptions.md", "**Findings**"),
    );
    assert_eq!(d.related[0].file, "sec_findings.yaml");
    assert!(d.related[0].line.is_some());
    assert!(run.report(GateName::SchemaLint).unwrap().passed, "a syntactically valid reference passes schema_lint");
}

#[test]
fn exception_for_another_policy_names_both_sides() {
    let dir = workspace(&[("exceptions.md", "- **Policy**: POL-001", "- **Policy**: POL-002")]);
    let run = gates(dir.path(), now());
    let d = expect_one(
        &run,
        GateName::CrossStreamConsistency,
        "GT0103",
        "sec_findings.yaml",
        line_of(dir.path(), "sec_findings.yaml", "exception_ref: EXC-001"),
    );
    assert_eq!(d.related.len(), 1);
    assert_eq!(d.related[0].file, "exceptions.md");
    assert_eq!(d.related[0].line, Some(line_of(dir.path(), "exceptions.md", "**Policy**")));
    // Not excepted any more: the finding counts again.
    assert!(run.report(GateName::ParityCoverage).unwrap().excepted.is_empty());
}

#[test]
fn unknown_policy_reference_is_located() {
    let dir = workspace(&[("inventory.yaml", "policies: [POL-002]", "policies: [POL-007]")]);
    let run = gates(dir.path(), now());
    expect_one(
        &run,
        GateName::CrossStreamConsistency,
        "GT0104",
        "inventory.yaml",
        line_of(dir.path(), "inventory.yaml", "policies: [POL-007]"),
    );
}

#[test]
fn unknown_tag_fails_cross_stream() {
    let dir = workspace(&[("sec_findings.yaml", "tags: [auth]\n      compliance", "tags: [authn]\n      compliance")]);
    let run = gates(dir.path(), now());
    let d = expect_one(
        &run,
        GateName::CrossStreamConsistency,
        "GV0301",
        "sec_findings.yaml",
        line_of(dir.path(), "sec_findings.yaml", "tags: [authn]"),
    );
    assert!(d.message.contains("authn"));
}

#[test]
fn a_finding_tag_missing_on_its_resource_names_both_sides() {
    let dir = workspace(&[("inventory.yaml", "tags: [PII]", "tags: []")]);
    let run = gates(dir.path(), now());
    let d = expect_one(
        &run,
        GateName::CrossStreamConsistency,
        "GT0108",
        "sec_findings.yaml",
        line_of(dir.path(), "sec_findings.yaml", "tags: [PII]\n      compliance"),
    );
    assert_eq!(d.related[0].file, "inventory.yaml");
    assert_eq!(d.related[0].line, Some(line_of(dir.path(), "inventory.yaml", "tags: []")));
}

#[test]
fn lifecycle_states_must_agree() {
    let dir = workspace(&[("policy_map.md", "- State: PLANNED", "- State: VALIDATED")]);
    let run = gates(dir.path(), now());
    let d = expect_one(
        &run,
        GateName::CrossStreamConsistency,
        "GT0109",
        "sec_findings.yaml",
        line_of(dir.path(), "sec_findings.yaml", "lifecycle_state"),
    );
    assert_eq!(
        (d.related[0].file.as_str(), d.related[0].line),
        ("policy_map.md", Some(line_of(dir.path(), "policy_map.md", "State:")))
    );
    // And against the event log when the caller says which states are allowed.
    let dir = workspace(&[]);
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let opts = GateOptions::default().allowed_states(vec![secfw_artifacts::LifecycleState::Executed]);
    let run = secfw_gates::run(&ws, &[GateName::CrossStreamConsistency], now(), &opts);
    assert_eq!(
        errors(&run, GateName::CrossStreamConsistency).iter().filter(|d| d.code.as_str() == "GT0109").count(),
        2
    );
}

#[test]
fn duplicate_finding_ids_fail_both_schema_and_consistency() {
    let dir = workspace(&[("sec_findings.yaml", "finding_id: F-002", "finding_id: F-001")]);
    let run = gates(dir.path(), now());
    let d = expect_one(
        &run,
        GateName::CrossStreamConsistency,
        "GT0101",
        "sec_findings.yaml",
        line_of(dir.path(), "sec_findings.yaml", "finding_id: F-001\n    severity: medium"),
    );
    assert_eq!(d.related[0].line, Some(line_of(dir.path(), "sec_findings.yaml", "finding_id: F-001")));
    assert!(run.report(GateName::SchemaLint).unwrap().has_code("SF0201"));
}

#[test]
fn orphan_finding_fails_parity() {
    let dir = workspace(&[("sec_findings.yaml", "resource_id: api-gateway", "resource_id: old-gateway")]);
    let run = gates(dir.path(), now());
    expect_one(
        &run,
        GateName::ParityCoverage,
        "GT0205",
        "sec_findings.yaml",
        line_of(dir.path(), "sec_findings.yaml", "resource_id: old-gateway"),
    );
    let dir = workspace(&[("sec_findings.yaml", "      policy_refs: [POL-002]\n", "")]);
    let run = gates(dir.path(), now());
    expect_one(
        &run,
        GateName::ParityCoverage,
        "GT0206",
        "sec_findings.yaml",
        line_of(dir.path(), "sec_findings.yaml", "governance:\n      tags: [auth]") + 1,
    );
}

/// 1000 resources, `covered` of them with a policy.
fn big_inventory(covered: usize) -> String {
    let mut s = String::from("version: \"1.0\"\nresources:\n");
    for i in 0..1000 {
        let pol = if i < covered { "[POL-001]" } else { "[]" };
        let _ = write!(s, "  - id: r{i:04}\n    type: service\n    owner: team\n    policies: {pol}\n");
    }
    s
}

fn scans_for_all() -> String {
    let targets: Vec<String> = (0..1000).map(|i| format!("r{i:04}")).collect();
    format!(
        "  - scan_id: S-ALL\n    tool: trivy\n    targets: [{}, api-gateway, customer-db]\n    started_at: 2026-11-23T12:00:00Z\n    finished_at: 2026-11-23T12:30:00Z\n    status: success\n",
        targets.join(", ")
    )
}

#[test]
fn coverage_of_94_9_percent_fails_and_95_passes() {
    for (covered, passes) in [(949, false), (950, true)] {
        let dir = workspace(&[]);
        let mut inv = big_inventory(covered);
        // Keep the two fixture resources so the findings stay mapped; they are covered.
        inv = inv.replace("version: \"1.0\"\nresources:\n", "version: \"1.0\"\nresources:\n  - id: api-gateway\n    type: service\n    owner: p\n    tags: [auth]\n    policies: [POL-002]\n  - id: customer-db\n    type: database\n    owner: d\n    tags: [PII]\n    policies: [POL-001]\n");
        // 1002 resources: covered + 2.
        let inv = if passes { inv.replacen("policies: []", "policies: [POL-001]", 1) } else { inv };
        std::fs::write(dir.path().join("inventory.yaml"), inv).unwrap();
        let f = dir.path().join("sec_findings.yaml");
        let text = std::fs::read_to_string(&f).unwrap();
        std::fs::write(&f, format!("{text}{}", scans_for_all())).unwrap();
        let run = gates(dir.path(), now());
        let parity = run.report(GateName::ParityCoverage).unwrap();
        let cov = &parity.stats["policy_coverage"];
        let total = cov["total"].as_u64().unwrap();
        let c = cov["covered"].as_u64().unwrap();
        assert_eq!(total, 1002);
        let pct = c as f64 * 100.0 / total as f64;
        if passes {
            assert!(pct >= 95.0, "{pct}");
            assert!(parity.passed, "{:#?}", parity.errors().collect::<Vec<_>>());
        } else {
            assert!(pct < 95.0 && pct > 94.8, "{pct}");
            let d = expect_one(&run, GateName::ParityCoverage, "GT0203", "inventory.yaml", 3);
            assert!(d.message.contains(&format!("{c} / 1002 × 100")), "formula printed: {}", d.message);
            assert!(d.related.iter().any(|r| r.file == "rulebook.yaml"));
        }
    }
}

#[test]
fn coverage_exactly_at_the_threshold_passes() {
    // 19 of 20 = 95% exactly: compared without floating-point rounding.
    let dir = workspace(&[("rulebook.yaml", "policy_coverage_min: 95", "policy_coverage_min: 95")]);
    let mut inv = String::from(
        "version: \"1.0\"\nresources:\n  - id: api-gateway\n    type: service\n    owner: p\n    tags: [auth]\n    policies: [POL-002]\n  - id: customer-db\n    type: database\n    owner: d\n    tags: [PII]\n    policies: [POL-001]\n",
    );
    let mut targets = vec!["api-gateway".to_owned(), "customer-db".to_owned()];
    for i in 0..18 {
        let pol = if i == 0 { "[]" } else { "[POL-001]" };
        let _ = write!(inv, "  - id: x{i}\n    type: service\n    owner: t\n    policies: {pol}\n");
        targets.push(format!("x{i}"));
    }
    std::fs::write(dir.path().join("inventory.yaml"), inv).unwrap();
    let f = dir.path().join("sec_findings.yaml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, format!("{text}  - scan_id: S-X\n    tool: trivy\n    targets: [{}]\n    started_at: 2026-11-23T12:00:00Z\n    status: success\n", targets.join(", "))).unwrap();
    let run = gates(dir.path(), now());
    let parity = run.report(GateName::ParityCoverage).unwrap();
    assert_eq!(parity.stats["policy_coverage"]["covered"], 19);
    assert!(parity.passed, "{:#?}", parity.errors().collect::<Vec<_>>());
}

#[test]
fn a_failed_scan_fails_parity_closed() {
    let dir = workspace(&[(
        "sec_findings.yaml",
        "    finished_at: 2026-11-23T11:02:00Z\n    status: success",
        "    finished_at: 2026-11-23T11:02:00Z\n    status: failure\n    error: database connection refused",
    )]);
    let run = gates(dir.path(), now());
    let d = expect_one(
        &run,
        GateName::ParityCoverage,
        "GT0202",
        "inventory.yaml",
        line_of(dir.path(), "inventory.yaml", "id: customer-db"),
    );
    assert!(d.message.contains("connection refused"));
    assert_eq!(d.related[0].line, Some(line_of(dir.path(), "sec_findings.yaml", "status: failure")));
}

#[test]
fn a_scan_that_skipped_part_of_its_report_warns_and_fails_in_strict_mode() {
    let dir = workspace(&[(
        "sec_findings.yaml",
        "    finished_at: 2026-11-23T11:02:00Z\n    status: success",
        "    finished_at: 2026-11-23T11:02:00Z\n    status: success\n    incomplete:\n      vulnerability: \"the item at /Results/0/Vulnerabilities/2 was skipped\"",
    )]);
    let run = gates(dir.path(), now());
    let parity = run.report(GateName::ParityCoverage).unwrap();
    assert!(parity.passed, "a warning by default: {:#?}", parity.errors().collect::<Vec<_>>());
    let w = parity.diagnostics.iter().find(|d| d.code.as_str() == "GT0209").expect("GT0209");
    assert!(w.message.contains("vulnerability (the item at /Results/0/Vulnerabilities/2 was skipped)"), "{w}");
    assert_eq!(w.line, Some(line_of(dir.path(), "sec_findings.yaml", "vulnerability: \"the item")));
    let strict = run_strict(dir.path());
    let parity = strict.report(GateName::ParityCoverage).unwrap();
    assert!(!parity.passed, "--strict fails on a partial scan");
    assert!(parity.errors().any(|d| d.code.as_str() == "GT0209"));

    // A later complete run of the same tool on the same target supersedes it; a later partial
    // one, or one by another tool, does not.
    let f = dir.path().join("sec_findings.yaml");
    let text = std::fs::read_to_string(&f).unwrap();
    let later = |id: &str, tool: &str, extra: &str| {
        format!(
            "  - scan_id: {id}\n    tool: {tool}\n    targets: [customer-db]\n    started_at: 2026-11-23T12:00:00Z\n    finished_at: 2026-11-23T12:01:00Z\n    status: success\n{extra}"
        )
    };
    for (extra_scan, superseded) in [
        (later("S-9", "trivy", "    incomplete:\n      vulnerability: again\n"), false),
        (later("S-9", "grype", ""), false),
        (later("S-9", "trivy", ""), true),
    ] {
        std::fs::write(&f, format!("{text}{extra_scan}")).unwrap();
        let run = run_strict(dir.path());
        let warned: Vec<_> = run
            .report(GateName::ParityCoverage)
            .unwrap()
            .diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "GT0209" && d.message.contains("`S-2`"))
            .collect();
        assert_eq!(warned.is_empty(), superseded, "{extra_scan}: {warned:#?}");
    }
}

#[test]
fn a_missing_or_outdated_scan_fails_parity() {
    let dir = workspace(&[("sec_findings.yaml", "    targets: [api-gateway]", "    targets: [something-else]")]);
    let run = gates(dir.path(), now());
    expect_one(
        &run,
        GateName::ParityCoverage,
        "GT0201",
        "inventory.yaml",
        line_of(dir.path(), "inventory.yaml", "id: api-gateway"),
    );
    // Ten days later the scans are older than scan_max_age_days (7).
    let dir = workspace(&[]);
    let run = gates(dir.path(), "2026-12-04T12:00:00Z".parse().unwrap());
    let parity = run.report(GateName::ParityCoverage).unwrap();
    assert_eq!(parity.errors().filter(|d| d.code.as_str() == "GT0207").count(), 2);
}

#[test]
fn a_critical_finding_blocks_and_escalates() {
    let dir = workspace(&[("sec_findings.yaml", "    severity: high", "    severity: critical")]);
    let run = gates(dir.path(), now());
    let rb_line = line_of(dir.path(), "rulebook.yaml", "condition:");
    let d = expect_one(&run, GateName::ParityCoverage, "GV0201", "rulebook.yaml", rb_line);
    assert!(d.message.contains("critical_findings_count == 0"));
    assert!(d.related.iter().any(|r| r.file == "sec_findings.yaml" && r.message.contains("F-001")));
    assert_eq!(run.escalations.len(), 1);
    let e = &run.escalations[0];
    assert!(e.blocks_handoff);
    assert_eq!(e.items, vec!["F-001"]);
    assert_eq!(e.notify, vec!["security-team@acme.test", "ciso@acme.test"]);
    assert_eq!(e.deadline, Some("2026-11-24T14:00:00Z".parse().unwrap()));
}

#[test]
fn the_same_critical_finding_with_a_valid_exception_passes() {
    let dir = workspace(&[
        ("sec_findings.yaml", "    severity: medium", "    severity: critical"),
        ("exceptions.md", "- **Severity**: Medium", "- **Severity**: Critical"),
        (
            "exceptions.md",
            "- **Approval**: security-lead@acme.test",
            "- **Approval**: security-lead@acme.test, risk-committee@acme.test",
        ),
    ]);
    let run = gates(dir.path(), now());
    assert!(run.passed, "{:#?}", run.reports.iter().flat_map(secfw_gates::GateReport::errors).collect::<Vec<_>>());
    let parity = run.report(GateName::ParityCoverage).unwrap();
    assert_eq!(parity.excepted[0].finding_id, "F-002");
    assert_eq!(parity.excepted[0].severity, secfw_artifacts::Severity::Critical);
    assert_eq!(parity.stats["findings_excepted"], 1);
    // Without the risk committee the critical exception is invalid and Critical=0 fails.
    let dir = workspace(&[
        ("sec_findings.yaml", "    severity: medium", "    severity: critical"),
        ("exceptions.md", "- **Severity**: Medium", "- **Severity**: Critical"),
    ]);
    let run = gates(dir.path(), now());
    let p = run.report(GateName::ParityCoverage).unwrap();
    assert!(p.has_code("GV0110") && p.has_code("GV0201") && !p.passed);
}

#[test]
fn an_expired_exception_resurfaces_its_finding() {
    let dir = workspace(&[
        ("sec_findings.yaml", "    severity: medium", "    severity: critical"),
        ("exceptions.md", "- **Severity**: Medium", "- **Severity**: Critical"),
        (
            "exceptions.md",
            "- **Approval**: security-lead@acme.test",
            "- **Approval**: security-lead@acme.test, risk-committee@acme.test",
        ),
        ("exceptions.md", "- **Approved On**: 2026-10-01", "- **Approved On**: 2026-06-01"),
        ("exceptions.md", "- **Valid Until**: 2027-03-01", "- **Valid Until**: 2026-11-23"),
    ]);
    let run = gates(dir.path(), now());
    let d = expect_one(
        &run,
        GateName::ParityCoverage,
        "GV0106",
        "exceptions.md",
        line_of(dir.path(), "exceptions.md", "**Valid Until**"),
    );
    assert!(d.message.contains("F-002"));
    let p = run.report(GateName::ParityCoverage).unwrap();
    assert!(p.excepted.is_empty());
    assert!(p.has_code("GV0201"), "the resurfaced critical finding fails Critical=0");
    // Valid through the end of its last day, UTC.
    let run = gates(dir.path(), "2026-11-23T23:59:59Z".parse().unwrap());
    let p = run.report(GateName::ParityCoverage).unwrap();
    assert!(p.passed, "{:#?}", p.errors().collect::<Vec<_>>());
}

#[test]
fn an_exception_valid_for_181_days_fails() {
    // 2026-10-01 + 181 days = 2027-03-31.
    let dir = workspace(&[("exceptions.md", "- **Valid Until**: 2027-03-01", "- **Valid Until**: 2027-03-31")]);
    let run = gates(dir.path(), now());
    let d = expect_one(
        &run,
        GateName::ParityCoverage,
        "GV0104",
        "exceptions.md",
        line_of(dir.path(), "exceptions.md", "**Valid Until**"),
    );
    assert!(d.message.contains("181 days"), "{}", d.message);
    assert_eq!(d.related[0].line, Some(line_of(dir.path(), "exceptions.md", "**Approved On**")));
    let dir = workspace(&[("exceptions.md", "- **Valid Until**: 2027-03-01", "- **Valid Until**: 2027-03-30")]);
    assert!(gates(dir.path(), now()).passed, "180 days is allowed");
}

#[test]
fn requestor_equal_to_approver_fails() {
    let dir = workspace(&[(
        "exceptions.md",
        "- **Requestor**: data-team@acme.test",
        "- **Requestor**: Security-Lead@acme.test",
    )]);
    let run = gates(dir.path(), now());
    let d = expect_one(
        &run,
        GateName::ParityCoverage,
        "GV0108",
        "exceptions.md",
        line_of(dir.path(), "exceptions.md", "**Approval**"),
    );
    assert_eq!(d.related[0].line, Some(line_of(dir.path(), "exceptions.md", "**Requestor**")));
}

#[test]
fn an_exception_without_justification_or_controls_fails_parity() {
    let dir = workspace(&[
        (
            "exceptions.md",
            "- **Justification**: The archive is scheduled for migration in Q1 2027; migrating earlier would block the billing release.\n",
            "",
        ),
        (
            "exceptions.md",
            "- **Risk Mitigation**:\n  - Network isolation implemented\n  - Additional monitoring enabled\n",
            "",
        ),
    ]);
    let run = gates(dir.path(), now());
    let heading = line_of(dir.path(), "exceptions.md", "### EXC-001");
    expect_one(&run, GateName::ParityCoverage, "GV0101", "exceptions.md", heading);
    expect_one(&run, GateName::ParityCoverage, "GV0103", "exceptions.md", heading);
}

#[test]
fn missing_approval_date_is_a_warning_unless_the_expiry_is_provably_too_far() {
    let dir = workspace(&[("exceptions.md", "- **Approved On**: 2026-10-01\n", "")]);
    let run = gates(dir.path(), now());
    assert!(run.passed);
    assert!(
        run.report(GateName::ParityCoverage)
            .unwrap()
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "GV0105" && !d.is_error())
    );
    let dir = workspace(&[(
        "exceptions.md",
        "- **Approved On**: 2026-10-01\n- **Valid Until**: 2027-03-01",
        "- **Valid Until**: 2027-06-01",
    )]);
    let run = gates(dir.path(), now());
    expect_one(
        &run,
        GateName::ParityCoverage,
        "GV0104",
        "exceptions.md",
        line_of(dir.path(), "exceptions.md", "**Valid Until**"),
    );
}

#[test]
fn stale_and_expiring_exceptions_are_warnings() {
    let dir = workspace(&[
        ("sec_findings.yaml", "      exception_ref: EXC-001\n", ""),
        ("exceptions.md", "- **Findings**: F-002\n", ""),
    ]);
    let run = gates(dir.path(), now());
    let p = run.report(GateName::ParityCoverage).unwrap();
    assert!(p.diagnostics.iter().any(|d| d.code.as_str() == "GV0113" && d.level == secfw_artifacts::Level::Warning));
    let dir = workspace(&[]);
    let run = gates(dir.path(), "2027-02-20T00:00:00Z".parse().unwrap());
    let p = run.report(GateName::ParityCoverage).unwrap();
    assert!(p.diagnostics.iter().any(|d| d.code.as_str() == "GV0107" && d.message.contains("9 day")));
}

#[test]
fn unparseable_or_missing_inputs_fail_every_gate_closed() {
    let dir = workspace(&[("sec_findings.yaml", "version: \"1.0\"", "version: [")]);
    let run = gates(dir.path(), now());
    for g in GateName::ALL {
        assert!(!run.report(g).unwrap().passed, "{g} must fail closed");
    }
    let dir = workspace(&[]);
    std::fs::remove_file(dir.path().join("inventory.yaml")).unwrap();
    let run = gates(dir.path(), now());
    // suppression_parity does not read the inventory (it fails closed without exceptions.md or
    // the ledger, above).
    for g in GateName::ALL.into_iter().filter(|g| *g != GateName::SuppressionParity) {
        assert!(!run.report(g).unwrap().passed, "{g} must fail closed without an inventory");
    }
}

#[test]
fn suppression_parity_fails_on_an_unbacked_ignore_entry_and_fails_closed_without_the_registry() {
    let dir = workspace(&[]);
    let run = gates(dir.path(), now());
    let r = run.report(GateName::SuppressionParity).unwrap();
    assert!(r.passed, "no ignore files, nothing suppressed: {:#?}", r.diagnostics);
    std::fs::write(dir.path().join("osv-scanner.toml"), "[[IgnoredVulns]]\nid = \"CVE-2024-1\"\n").unwrap();
    let run = gates(dir.path(), now());
    let d = expect_one(&run, GateName::SuppressionParity, "SP0201", "osv-scanner.toml", 1);
    assert_eq!(d.related[0].file, "exceptions.md");
    assert_eq!(run.report(GateName::SuppressionParity).unwrap().stats["suppressions"], 1);
    std::fs::remove_file(dir.path().join("exceptions.md")).unwrap();
    let run = gates(dir.path(), now());
    assert!(run.report(GateName::SuppressionParity).unwrap().has_code("SF0001"));
}

/// The attack (issue: parity ignored the plain `.trivyignore`): Trivy's default ignore file
/// hides a CVE from the scan, ingest cannot see why and resolves the finding. The gate reads
/// it: the unbacked id is SP0201 at its line and `gate all` fails; backed by a valid exception
/// the same file passes.
#[test]
fn suppression_parity_reads_the_plain_trivyignore_trivy_reads_by_default() {
    let text = "# accepted by hand\nCVE-2024-3094 exp:2027-01-01\n";
    let dir = workspace(&[]);
    std::fs::write(dir.path().join(".trivyignore"), text).unwrap();
    let run = gates(dir.path(), now());
    let d = expect_one(&run, GateName::SuppressionParity, "SP0201", ".trivyignore", 2);
    assert!(d.message.contains("CVE-2024-3094"), "{d}");
    assert!(!run.passed);
    let dir = workspace(&[(
        "exceptions.md",
        "- **Findings**: F-002\n",
        "- **Findings**: F-002\n- **Advisories**: CVE-2024-3094\n",
    )]);
    std::fs::write(dir.path().join(".trivyignore"), text).unwrap();
    let run = gates(dir.path(), now());
    let r = run.report(GateName::SuppressionParity).unwrap();
    assert!(r.passed, "{:#?}", r.diagnostics);
    assert_eq!((r.stats["suppressions"].as_u64(), r.stats["suppressions_backed"].as_u64()), (Some(1), Some(1)));
    assert_eq!(r.stats["ignore_files"], serde_json::json!([".trivyignore"]));
}

#[test]
fn reports_are_deterministic() {
    let dir = workspace(&[("sec_findings.yaml", "    severity: high", "    severity: critical")]);
    let a = gates(dir.path(), now());
    let b = gates(dir.path(), now());
    assert_eq!(a, b);
    for r in &a.reports {
        assert!(r.digest.starts_with("sha256:") && r.digest.len() == 71);
    }
    let c = gates(dir.path(), "2026-11-24T12:00:01Z".parse().unwrap());
    assert_ne!(
        a.report(GateName::ParityCoverage).unwrap().digest,
        c.report(GateName::ParityCoverage).unwrap().digest,
        "the escalation deadline depends on now"
    );
}

#[test]
fn the_example_workspace_passes_every_gate_at_its_fixed_time() {
    let ex = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
    let run = gates(&ex, now());
    for r in &run.reports {
        assert!(r.passed, "{} failed on examples/acme: {:#?}", r.gate, r.errors().collect::<Vec<_>>());
    }
    // Its exceptions are counted and listed, and Critical=0 holds only thanks to them.
    let parity = run.report(GateName::ParityCoverage).unwrap();
    assert!(!parity.excepted.is_empty());
    assert!(run.escalations.is_empty());
}

/// A registry secfw could not read completely (here a struck-through approval, `SF0407`) backs
/// no suppression: the `suppression_parity` gate fails closed on its own, not only
/// `schema_lint`.
#[test]
fn a_registry_with_errors_fails_suppression_parity_closed() {
    let dir = workspace(&[(
        "exceptions.md",
        "- **Approval**: security-lead@acme.test",
        "- **Approval**: ~~security-lead@acme.test~~",
    )]);
    let run = gates(dir.path(), now());
    let errs = errors(&run, GateName::SuppressionParity);
    assert!(
        errs.iter().any(|d| d.code.as_str() == "GT0301" && d.file == "exceptions.md" && d.hint.is_some()),
        "{errs:#?}"
    );
}
