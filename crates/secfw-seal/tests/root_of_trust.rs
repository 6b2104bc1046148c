//! The signed, rotatable root of trust (TUF root semantics): every version signed by root
//! thresholds of the previous and its own root; older, expired, gapped, forked and unsigned
//! policies refused; revocation is a rotation.

#![allow(clippy::many_single_char_names)]

mod common;
use common::*;

use chrono::Duration;
use secfw_seal::CheckName;
use secfw_seal::codes;
use secfw_seal::{SigningRole, load_anchor};
use secfw_seal::{TrustChain, TrustPin};

fn new_root() -> secfw_seal::SigningKey {
    key(10)
}

/// v1 (root = key 9) and v2 (root rotated to key 10), v2 signed by both roots.
fn rotated() -> TrustChain {
    let mut c = signed_chain(&trust(1));
    c.edit(|p| {
        p.add_root_key(new_root().public(), "new-root")?;
        p.remove_root_key(&root_key().public().keyid())
    })
    .unwrap();
    c.sign(&root_key()).unwrap();
    c.sign(&new_root()).unwrap();
    c
}

fn refused_with(c: &TrustChain, pin: Option<&TrustPin>, want: &str) {
    match c.verify(now(), pin) {
        Ok(v) => panic!("accepted version {} but expected a refusal mentioning `{want}`", v.version),
        Err(m) => assert!(m.contains(want), "`{m}` should mention `{want}`"),
    }
}

#[test]
fn trust_version_signed_only_by_its_own_new_root_is_refused() {
    let mut c = signed_chain(&trust(1));
    c.edit(|p| {
        p.add_root_key(new_root().public(), "new-root")?;
        p.remove_root_key(&root_key().public().keyid())
    })
    .unwrap();
    // An attacker with only the new key cannot make version 2: the old root must sign too.
    c.sign(&new_root()).unwrap();
    refused_with(&c, None, "previous root 0/1");
    c.sign(&root_key()).unwrap();
    let v = c.verify(now(), None).unwrap();
    assert_eq!(v.version, 2);
    assert_eq!(v.policy.root.keyids, vec![new_root().public().keyid()]);
}

#[test]
fn trust_version_signed_only_by_the_old_root_is_refused() {
    let mut c = signed_chain(&trust(1));
    c.edit(|p| p.add_root_key(new_root().public(), "new-root").and_then(|()| p.set_root_threshold(2))).unwrap();
    c.sign(&root_key()).unwrap();
    refused_with(&c, None, "own root 1/2");
    c.sign(&new_root()).unwrap();
    assert_eq!(c.verify(now(), None).unwrap().version, 2);
}

#[test]
fn unsigned_trust_policy_is_refused() {
    let mut p = trust(1);
    p.add_root_key(root_key().public(), "root").unwrap();
    let c = TrustChain::new(p).unwrap();
    refused_with(&c, None, "not signed");
    // a key that is not a root key cannot sign the policy at all
    let mut c = TrustChain::new(c.latest().policy.clone()).unwrap();
    assert!(c.sign(&prep()).is_err());
    // the old unsigned file format is refused with what to do instead
    let e = TrustChain::parse(&trust(1).to_json()).unwrap_err();
    assert!(e.contains("unsigned") && e.contains("secfw trust init"), "{e}");
}

#[test]
fn older_trust_policy_than_pinned_is_refused() {
    let c = rotated();
    let pin = c.verify(now(), None).unwrap().pin();
    assert_eq!(pin.version, 2);
    // the attacker hands the verifier version 1, which still lists the old root
    let old = c.prefix(1).unwrap();
    refused_with(&old, Some(&pin), "older than version 2");
    assert_eq!(c.verify(now(), Some(&pin)).unwrap().version, 2);
}

#[test]
fn trust_chain_with_a_gap_is_refused() {
    let mut c = rotated();
    c.edit(|p| p.set_threshold(SigningRole::ApprovedBy, 2)).unwrap();
    c.sign(&new_root()).unwrap();
    assert_eq!(c.verify(now(), None).unwrap().version, 3);
    let pin = TrustPin { version: 1, digest: c.versions()[0].digest() };
    // only version 3 is presented to a verifier pinned at 1: version 2 is missing
    let gapped = c.starting_at(3).unwrap();
    refused_with(&gapped, Some(&pin), "gap");
    // a file whose versions are not consecutive does not even parse
    let mut raw: serde_json::Value = serde_json::from_slice(&c.to_json()).unwrap();
    raw["versions"].as_array_mut().unwrap().remove(1);
    let e = TrustChain::parse(&serde_json::to_vec(&raw).unwrap()).unwrap_err();
    assert!(e.contains("consecutive"), "{e}");
    assert_eq!(c.verify(now(), Some(&pin)).unwrap().version, 3, "the whole chain walks from the pin");
}

#[test]
fn forked_trust_version_with_the_pinned_number_is_refused() {
    let c = rotated();
    let pin =
        TrustPin { version: 1, digest: secfw_artifacts::Seal::parse(&format!("sha256:{}", "0".repeat(64))).unwrap() };
    refused_with(&c, Some(&pin), "another history");
}

#[test]
fn expired_trust_policy_is_refused() {
    let c = rotated();
    match c.verify(now() + Duration::days(400), None) {
        Err(m) => assert!(m.contains("expired"), "{m}"),
        Ok(_) => panic!("an expired root of trust was accepted"),
    }
    // and renewing it is a rotation like any other
    let mut c = c;
    c.edit(|p| {
        p.expires = now() + Duration::days(800);
        Ok(())
    })
    .unwrap();
    c.sign(&new_root()).unwrap();
    assert_eq!(c.verify(now() + Duration::days(400), None).unwrap().version, 3);
}

#[test]
fn manifest_signed_only_by_a_revoked_key_no_longer_verifies() {
    let (t, dir, tp) = sealed(1);
    let file = t.path().join("trust.json");
    let mut c = signed_chain(&tp);
    std::fs::write(&file, c.to_json()).unwrap();
    let a = load_anchor(Some(&file), &dir, None, now(), None).unwrap();
    assert!(verify(&dir, &a.policy).passed());
    // revoke the approver's key (the manifest's only approval), add another: a rotation
    c.edit(|p| {
        p.remove_key(&app1().public().keyid())?;
        p.set_threshold(SigningRole::ApprovedBy, 1)
    })
    .unwrap();
    c.sign(&root_key()).unwrap();
    std::fs::write(&file, c.to_json()).unwrap();
    let a2 = load_anchor(Some(&file), &dir, None, now(), Some(&a.pin())).unwrap();
    assert_eq!(a2.version, 2);
    let r = verify(&dir, &a2.policy);
    assert!(r.failed(CheckName::Thresholds), "{:?}", r.failed_names());
    // and the verifier, pinned at 2, refuses the old file that still trusts the key
    std::fs::write(&file, c.prefix(1).unwrap().to_json()).unwrap();
    let e = load_anchor(Some(&file), &dir, None, now(), Some(&a2.pin())).unwrap_err();
    assert!(e.diagnostics().iter().any(|d| d.code == codes::TRUST_CHAIN), "{e}");
}

#[test]
fn trust_pin_is_kept_in_the_workspace_and_only_raised() {
    let (_t, dir, _tp) = sealed(1);
    let c = rotated();
    let v2 = c.verify(now(), None).unwrap().pin();
    v2.raise_workspace(&dir).unwrap();
    TrustPin { version: 1, digest: c.versions()[0].digest() }.raise_workspace(&dir).unwrap();
    assert_eq!(TrustPin::load_workspace(&dir).unwrap(), Some(v2));
}

#[test]
fn chain_parser_refuses_another_payload_type_and_non_canonical_payloads() {
    let c = signed_chain(&trust(1));
    let mut raw: serde_json::Value = serde_json::from_slice(&c.to_json()).unwrap();
    raw["versions"][0]["payloadType"] = serde_json::json!("application/vnd.in-toto+json");
    assert!(TrustChain::parse(&serde_json::to_vec(&raw).unwrap()).unwrap_err().contains("payloadType"));
    let mut raw: serde_json::Value = serde_json::from_slice(&c.to_json()).unwrap();
    let pretty = trust(1).to_json();
    raw["versions"][0]["payload"] = serde_json::json!(secfw_seal::dsse::b64_encode(&pretty));
    assert!(TrustChain::parse(&serde_json::to_vec(&raw).unwrap()).unwrap_err().contains("canonical"));
    // a manifest envelope is not a trust policy and vice versa: the payload types differ
    assert_ne!(secfw_seal::TRUST_PAYLOAD_TYPE, secfw_seal::PAYLOAD_TYPE);
}
