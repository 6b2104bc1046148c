//! End to end (fail-open sweep F9, `t/v2`): an exception for "curl below 7.88.1" must not
//! except, nor let the exports pass, the Debian build `7.88.1-10+deb12u1` (SF-0002 in the
//! example) — the range is read by dpkg's rules, not semver's.

use secfw_artifacts::{LoadOptions, load};
use secfw_export::{ExportInput, junit};

fn with_exception(versions: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(dir.path()).unwrap();
    let p = dir.path().join("exceptions.md");
    let mut text = std::fs::read_to_string(&p).unwrap();
    let (active, history) = text
        .split_once("\n## Revoked")
        .map_or((text.clone(), String::new()), |(a, h)| (a.to_owned(), format!("\n## Revoked{h}")));
    text = format!(
        "{}\n\n### EXC-010: old curl\n- **Policy**: POL-007\n- **Severity**: Critical\n- **Requestor**: platform-lead@acme-pay.example\n- **Approval**: secops-lead@acme-pay.example, risk-committee@acme-pay.example, ciso@acme-pay.example\n- **Approved On**: 2026-11-10\n- **Valid Until**: 2027-03-31\n- **Justification**: Base justification text.\n- **Risk Assessment**: Low.\n- **Risk Mitigation**:\n  - Something\n- **Advisories**: CVE-2023-38545\n- **Package**: pkg:deb/debian/curl\n- **Versions**: {versions}\n{history}",
        active.trim_end()
    );
    std::fs::write(&p, text).unwrap();
    dir
}

fn matched(versions: &str) -> Vec<String> {
    let dir = with_exception(versions);
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let e = ws.exceptions.as_ref().unwrap().get("EXC-010").expect("EXC-010 parses");
    assert!(e.versions.is_some());
    let gov = secfw_governance::evaluate(&ws, "2026-12-07T12:00:00Z".parse().unwrap());
    gov.exceptions.iter().find(|x| x.id == "EXC-010").unwrap().matched_findings.clone()
}

#[test]
fn a_range_below_curl_7_88_1_does_not_except_the_debian_build_of_7_88_1() {
    assert!(!matched("<7.88.1").contains(&"SF-0002".to_owned()), "7.88.1-10+deb12u1 is not below 7.88.1");
    assert!(!matched("<=7.88.1").contains(&"SF-0002".to_owned()));
    assert!(matched(">=7.88.1, <7.88.2").contains(&"SF-0002".to_owned()), "the control: in range, covered");
}

/// SF-0002 without its `exception_ref`: only the advisory targets can except it.
fn unreferenced(versions: &str) -> (tempfile::TempDir, chrono::DateTime<chrono::Utc>) {
    let dir = with_exception(versions);
    let p = dir.path().join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(text.matches("exception_ref: EXC-002").count(), 1);
    std::fs::write(&p, text.replace("exception_ref: EXC-002", "exception_ref: null")).unwrap();
    (dir, "2026-12-07T12:00:00Z".parse().unwrap())
}

#[test]
fn an_accepted_debian_build_outside_the_range_counts_and_fails_junit() {
    let (dir, now) = unreferenced("<7.88.1");
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let gov = secfw_governance::evaluate(&ws, now);
    assert!(gov.exceptions.iter().any(|x| x.id == "EXC-010" && x.is_valid()), "EXC-010 itself is in force");
    assert!(
        gov.findings.iter().any(|f| f.finding_id == "SF-0002" && f.is_counted()),
        "EXC-010 (<7.88.1) does not cover 7.88.1-10+deb12u1, so SF-0002 counts"
    );
    let input = ExportInput::from_workspace(&ws, now).unwrap();
    let sf2 = input.current().into_iter().find(|f| f.finding_id == "SF-0002").unwrap();
    assert!(input.counts(sf2));
    assert!(junit(&input).contains("SF-0002 [critical]"));

    // The control: a range that holds 7.88.1-10+deb12u1 excepts it.
    let (dir, now) = unreferenced(">=7.88.1, <7.88.2");
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let gov = secfw_governance::evaluate(&ws, now);
    assert!(gov.findings.iter().any(|f| f.finding_id == "SF-0002" && f.is_excepted()));
}
