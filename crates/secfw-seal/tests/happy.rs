//! The whole flow on the example workspace: generate, sign per role, verify, determinism.

mod common;
use common::*;

use secfw_seal::CheckName;

#[test]
fn generate_sign_verify_round_trip() {
    let (_t, dir, tp) = sealed(2);
    let r = verify(&dir, &tp);
    assert!(r.passed(), "{:?}", r.failed_names());
    assert_eq!(r.signers.prepared_by, vec!["preparer"]);
    assert_eq!(r.signers.approved_by, vec!["approver-1", "approver-2"]);
    let seal = r.seal.unwrap();
    assert_eq!(seal, secfw_seal::seal_of(&payload(&dir)));
    let yaml = std::fs::read_to_string(manifest(&dir)).unwrap();
    assert!(yaml.contains(&format!("value: \"{seal}\"")), "{yaml}");
    // The YAML view is a valid seed §2.4 manifest for the artifacts model.
    let src = secfw_artifacts::SourceFile::new("handoff_manifest.yaml", yaml);
    let parsed = secfw_artifacts::yaml::parse::<secfw_artifacts::model::manifest::HandoffManifest>(
        &src,
        secfw_artifacts::yaml::UnknownFields::Deny,
    )
    .unwrap();
    assert_eq!(parsed.value.seal.value, seal);
    assert_eq!(parsed.value.signatures.approved_by.len(), 2);
    assert!(parsed.value.artifacts.iter().any(|a| a.path == "./sec_findings.yaml" && a.artifact_id == "sec_findings"));
    assert!(r.check(CheckName::YamlView).unwrap().passed);
}

#[test]
fn generation_is_deterministic_for_the_same_inputs() {
    let (_t1, d1) = workspace();
    let (_t2, d2) = workspace();
    generate(&d1);
    generate(&d2);
    assert_eq!(payload(&d1), payload(&d2));
    assert_eq!(std::fs::read(manifest(&d1)).unwrap(), std::fs::read(manifest(&d2)).unwrap());
}

#[test]
fn thresholds_count_roles_separately() {
    let (_t, dir) = workspace();
    let tp = trust(2);
    generate(&dir);
    sign(&dir, &tp, &prep(), "preparer");
    sign(&dir, &tp, &app1(), "approver-1");
    let r = verify(&dir, &tp);
    assert_eq!(r.failed_names(), vec!["thresholds"]);
    sign(&dir, &tp, &app2(), "approver-2");
    assert!(verify(&dir, &tp).passed());
}

#[test]
fn second_manifest_chains_to_the_first() {
    let (_t, dir, tp) = sealed(1);
    let first = secfw_seal::seal_of(&payload(&dir));
    generate(&dir);
    let st: serde_json::Value = serde_json::from_slice(&payload(&dir)).unwrap();
    assert_eq!(st["predicate"]["sequence"], 2);
    assert_eq!(st["predicate"]["previousSeal"], first.to_string());
    sign(&dir, &tp, &prep(), "preparer");
    sign(&dir, &tp, &app1(), "approver-1");
    let state = secfw_seal::SealState { project: "acme-pay".into(), sequence: 1, seal: first };
    assert!(verify_with(&dir, &tp, &vopts().state(state)).passed());
}

#[test]
fn counts_and_exceptions_follow_governance_at_now() {
    let (_t, dir) = workspace();
    generate(&dir);
    let st: serde_json::Value = serde_json::from_slice(&payload(&dir)).unwrap();
    let ws = secfw_artifacts::load(&dir, &secfw_artifacts::LoadOptions::default()).unwrap();
    let gov = secfw_governance::evaluate(&ws, now());
    let c = &st["predicate"]["severityCounts"];
    for (k, s) in [("critical", secfw_artifacts::Severity::Critical), ("high", secfw_artifacts::Severity::High)] {
        assert_eq!(c[k].as_u64().unwrap(), gov.counts.open.get(&s).copied().unwrap_or(0), "{k}");
    }
    let active = gov.exceptions.iter().filter(|e| e.is_valid()).count() as u64;
    assert!(active > 0, "the example has valid exceptions at EXAMPLE_NOW");
    assert_eq!(st["predicate"]["exceptionsActive"].as_u64().unwrap(), active);
    // a year later every exception has expired
    let later = now() + chrono::Duration::days(400);
    secfw_seal::generate_manifest(&dir, &secfw_seal::GenerateOptions::new(later)).unwrap();
    let st: serde_json::Value = serde_json::from_slice(&payload(&dir)).unwrap();
    assert_eq!(st["predicate"]["exceptionsActive"], 0);
}

/// A digest in the YAML view that is not 64 lower-case hex characters (upper case, one short,
/// not hex) or a seal without its `sha256:` prefix is refused by the artifacts model at its line,
/// never read as a string that merely fails to match later.
#[test]
fn a_malformed_digest_in_the_manifest_view_is_refused_at_its_line() {
    let (_t, dir, _tp) = sealed(1);
    let yaml = std::fs::read_to_string(manifest(&dir)).unwrap();
    let (n, line) = yaml.lines().enumerate().find(|(_, l)| l.contains("checksum_sha256:")).unwrap();
    let hex = line.split('"').nth(1).unwrap().to_owned();
    let seal_hex = secfw_seal::seal_of(&payload(&dir)).digest().to_string();
    for (from, to, at) in [
        (hex.clone(), hex.to_uppercase(), n + 1),
        (hex.clone(), hex.get(..63).unwrap().to_owned(), n + 1),
        (hex.clone(), format!("{}z", hex.get(..63).unwrap()), n + 1),
        (format!("sha256:{seal_hex}"), seal_hex, 0),
    ] {
        let bad = yaml.replacen(&from, &to, 1);
        let src = secfw_artifacts::SourceFile::new("handoff_manifest.yaml", bad);
        let Err(d) = secfw_artifacts::yaml::parse::<secfw_artifacts::model::manifest::HandoffManifest>(
            &src,
            secfw_artifacts::yaml::UnknownFields::Deny,
        ) else {
            panic!("{to:?} was accepted");
        };
        assert!(d.line.is_some() && d.column.is_some(), "{d:?}");
        if at > 0 {
            assert_eq!(d.line, Some(u32::try_from(at).unwrap()), "{d:?}");
        }
        assert!(d.message.contains("SHA-256") || d.message.contains("seal"), "{}", d.message);
    }
}
