//! The baseline gate on a real sealed package of the example workspace: it fails only on what
//! changed, refuses a baseline that does not verify, and fails closed on an unknown scope.

mod support;

use std::path::{Path, PathBuf};

use chrono::Duration;
use secfw_lifecycle::{BaselineOptions, BaselineState, gate_new};
use support::{add_failed_scan, add_finding, add_incomplete_scan, edit, now, other_trust, packaged, seal_and_package};

fn opts(trust: &Path) -> BaselineOptions {
    let mut o = BaselineOptions::new(now() + Duration::days(1));
    o.trust = Some(trust.to_owned());
    o
}

#[test]
fn an_unchanged_workspace_passes_and_a_new_finding_alone_fails() {
    let (_t, dir, trust, pkg) = packaged();
    let r = gate_new(&dir, &opts(&trust)).unwrap();
    let failing: Vec<_> = r.findings.iter().filter(|f| f.fails).collect();
    // Only what the rulebook never baselines may fail an unchanged workspace.
    assert!(failing.iter().all(|f| f.reason.contains("never baselined")), "{failing:#?}");
    assert_eq!((r.counts.new, r.counts.updated, r.counts.absent), (0, 0, 0), "excepted findings are not absent");
    assert!(r.ratchet.iter().all(|d| d.holds), "{:#?}", r.ratchet);
    // Excepted findings are compared too (for SARIF), and never fail.
    assert!(!r.excepted.is_empty(), "the example has excepted findings");
    assert!(r.excepted.iter().all(|f| !f.fails && f.state == BaselineState::Unchanged), "{:#?}", r.excepted);
    let exc = &r.excepted[0];
    assert_eq!(r.state_of(&exc.finding_id), Some(BaselineState::Unchanged));
    let baseline_failures = failing.len();
    let b = r.baseline.as_ref().unwrap();
    assert_eq!(b.sequence, 1);
    assert_eq!(PathBuf::from(&b.source), pkg, "the default baseline is the newest package");

    add_finding(&dir);
    let r = gate_new(&dir, &opts(&trust)).unwrap();
    assert!(!r.passed);
    assert_eq!(r.counts.new, 1);
    let f = r.findings.iter().find(|f| f.finding_id == "SF-0100").unwrap();
    assert_eq!((f.state, f.fails), (BaselineState::New, true));
    assert_eq!(r.findings.iter().filter(|f| f.fails).count(), baseline_failures + 1, "nothing else fails");
    let high = r.ratchet.iter().find(|d| d.dimension == "high").unwrap();
    assert!(!high.holds && high.current == high.baseline.map(|b| b + 1.0), "{high:?}");
    assert!(r.diagnostics.iter().any(|d| d.code.as_str() == "LC0304" && d.message.contains("`high`")));
    assert_eq!(r.state_of("SF-0100"), Some(BaselineState::New));
}

#[test]
fn a_raised_severity_is_worse_and_a_failed_scan_fails_closed() {
    let (_t, dir, trust, _) = packaged();
    let p = dir.join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    // SF-0011 is an open medium in the example; make it high.
    let at = text.find("- finding_id: SF-0011\n    severity: medium").unwrap();
    let mut t2 = text.clone();
    t2.replace_range(
        at..at + "- finding_id: SF-0011\n    severity: medium".len(),
        "- finding_id: SF-0011\n    severity: high",
    );
    std::fs::write(&p, &t2).unwrap();
    let r = gate_new(&dir, &opts(&trust)).unwrap();
    let f = r.findings.iter().find(|f| f.finding_id == "SF-0011").unwrap();
    assert_eq!(f.state, BaselineState::Updated);
    assert!(f.fails && f.reason.contains("severity raised from medium to high"), "{f:?}");

    // A scan since the baseline that failed: its scope is unknown.
    std::fs::write(&p, &text).unwrap();
    add_failed_scan(&dir);
    let r = gate_new(&dir, &opts(&trust)).unwrap();
    assert!(!r.passed);
    assert_eq!(r.unknown_scope.len(), 1, "{:?}", r.unknown_scope);
    assert!(r.diagnostics.iter().any(|d| d.code.as_str() == "LC0303"));
}

#[test]
fn a_scan_since_the_baseline_that_skipped_items_leaves_its_scope_unknown() {
    // A report that parsed but had an item secfw could not use (a vulnerability without an id):
    // the scan succeeded, yet what it skipped could be the new finding. Unknown fails closed.
    let (_t, dir, trust, _) = packaged();
    add_incomplete_scan(&dir);
    let r = gate_new(&dir, &opts(&trust)).unwrap();
    assert!(!r.passed);
    assert_eq!(r.unknown_scope.len(), 1, "{:?}", r.unknown_scope);
    assert!(r.unknown_scope[0].contains("incomplete (vulnerability: "), "{:?}", r.unknown_scope);
    let d = r.diagnostics.iter().find(|d| d.code.as_str() == "LC0303").expect("LC0303");
    assert!(d.message.contains("scan-partial-after-baseline"), "{d}");
}

/// The 1-based line of the first line of `dir/name` that contains `needle`.
fn line_of(dir: &Path, name: &str, needle: &str) -> Option<u32> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    text.lines().position(|l| l.contains(needle)).map(|i| u32::try_from(i + 1).unwrap())
}

#[test]
fn every_baseline_failure_is_located_where_it_can_be_fixed() {
    let (_t, dir, trust, _) = packaged();
    add_finding(&dir);
    add_failed_scan(&dir);
    edit(
        &dir,
        "rulebook.yaml",
        "\nsla_days:\n",
        "\nbaseline:\n  never_baseline: [secrets, bogus]\n  ratchet: [critical, high, nonsense]\n\nsla_days:\n",
    );
    let r = gate_new(&dir, &opts(&trust)).unwrap();
    assert!(!r.passed);
    let find = |code: &str, text: &str| {
        r.diagnostics
            .iter()
            .find(|d| d.code.as_str() == code && d.message.contains(text))
            .unwrap_or_else(|| panic!("no {code} about {text}: {:#?}", r.diagnostics))
    };
    // The new finding, at its finding_id in the ledger.
    let d = find("LC0302", "SF-0100");
    assert_eq!(d.line, line_of(&dir, "sec_findings.yaml", "finding_id: SF-0100"), "{d}");
    // The failed scan, at its scan_id.
    let d = find("LC0303", "scan-after-baseline");
    assert_eq!(d.line, line_of(&dir, "sec_findings.yaml", "scan_id: scan-after-baseline"), "{d}");
    // The rulebook's baseline section: the unknown kinds and the ratchet that got worse.
    let never = line_of(&dir, "rulebook.yaml", "never_baseline:");
    assert_eq!(find("LC0305", "`bogus`").line, never);
    let ratchet = line_of(&dir, "rulebook.yaml", "ratchet: [critical");
    assert_eq!(find("LC0305", "`nonsense`").line, ratchet);
    assert_eq!(find("LC0304", "`high`").line, ratchet);
    for d in r.diagnostics.iter().filter(|d| d.is_error()) {
        assert!(d.line.is_some() && d.column.is_some(), "unlocated: {d}");
    }
}

#[test]
fn a_baseline_that_does_not_verify_is_refused() {
    let (t, dir, trust, pkg) = packaged();
    // No trust policy.
    let mut o = opts(&trust);
    o.trust = None;
    assert!(matches!(gate_new(&dir, &o), Err(secfw_lifecycle::Error::Baseline { .. })));
    // A different trust policy (the keys that signed are not trusted).
    let bad_trust = other_trust(t.path());
    let e = gate_new(&dir, &opts(&bad_trust)).unwrap_err();
    let secfw_lifecycle::Error::Baseline { problems } = e else { panic!("{e}") };
    assert_eq!(problems[0].code.as_str(), "LC0301");
    // A tampered package: one byte of the sealed ledger changed inside the archive.
    let mut bytes = std::fs::read(&pkg).unwrap();
    let at = bytes.windows(9).position(|w| w == b"SF-0011\n ").unwrap();
    bytes[at + 6] = b'2';
    let forged = t.path().join("forged.tar");
    std::fs::write(&forged, bytes).unwrap();
    let mut o = opts(&trust);
    o.baseline = Some(forged);
    assert!(matches!(gate_new(&dir, &o), Err(secfw_lifecycle::Error::Baseline { .. })));
    // An unsigned manifest directory (generated, never signed) as the baseline.
    let unsigned = t.path().join("unsigned");
    secfw_artifacts::template::write_example(&unsigned).unwrap();
    secfw_seal::generate_manifest(&unsigned, &secfw_seal::GenerateOptions::new(now()).git(secfw_seal::GitMode::None))
        .unwrap();
    let mut o = opts(&trust);
    o.baseline = Some(unsigned);
    o.no_git = true;
    let e = gate_new(&dir, &o).unwrap_err();
    let secfw_lifecycle::Error::Baseline { problems } = e else { panic!("{e}") };
    assert_eq!(problems[0].code.as_str(), "LC0301", "{problems:#?}");
    // No package at all.
    std::fs::remove_file(&pkg).unwrap();
    let e = gate_new(&dir, &opts(&trust)).unwrap_err();
    assert!(e.to_string().contains("LC0301") || e.to_string().contains("no baseline"), "{e}");
}

#[test]
fn a_directory_baseline_refuses_a_trust_policy_inside_the_workspace_or_the_baseline() {
    // The attack: whoever controls the workspace plants a trust policy in it and hands `gate
    // new` a sealed directory beside it as the baseline. The policy must come from outside
    // both, as it must for a package baseline (SL0206); a digest pin is the only exception.
    let (t, dir, trust, _) = packaged();
    let base = t.path().join("base");
    let (base_trust, _) = seal_and_package(&t.path().join("elsewhere"), &base, |_| {});
    let dir_opts = |trust: &Path| {
        let mut o = opts(trust);
        o.baseline = Some(base.clone());
        o.no_git = true;
        o
    };
    // The same trust policy from outside both trees: the directory baseline verifies.
    assert!(gate_new(&dir, &dir_opts(&base_trust)).is_ok());
    let sl0206 = |e: secfw_lifecycle::Error| match e {
        secfw_lifecycle::Error::Baseline { problems } => problems.iter().any(|p| p.code.as_str() == "SL0206"),
        e => panic!("{e}"),
    };
    let planted = dir.join("trust.json");
    std::fs::copy(&trust, &planted).unwrap();
    assert!(sl0206(gate_new(&dir, &dir_opts(&planted)).unwrap_err()), "planted in the workspace");
    let planted = base.join("trust.json");
    std::fs::copy(&trust, &planted).unwrap();
    assert!(sl0206(gate_new(&dir, &dir_opts(&planted)).unwrap_err()), "planted in the baseline");
    // The package form refuses a policy in the workspace too.
    let mut o = opts(&dir.join("trust.json"));
    o.no_git = true;
    assert!(sl0206(gate_new(&dir, &o).unwrap_err()), "package baseline");
}
