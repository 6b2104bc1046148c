//! Shared fixtures: a git-committed copy of the example workspace, deterministic keys, a trust
//! policy and a fully sealed handoff.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use secfw_seal::{GenerateOptions, SignOptions, SigningKey, generate_manifest, sign_manifest, verify_manifest};
use secfw_seal::{SigningRole, TrustPolicy};
use secfw_seal::{VerifyOptions, VerifyReport};

pub fn now() -> DateTime<Utc> {
    secfw_artifacts::template::EXAMPLE_NOW.parse::<DateTime<Utc>>().unwrap()
}

pub fn key(n: u8) -> SigningKey {
    SigningKey::from_seed([n; 32]).unwrap()
}

pub fn prep() -> SigningKey {
    key(1)
}
pub fn app1() -> SigningKey {
    key(2)
}
pub fn app2() -> SigningKey {
    key(3)
}

pub use secfw_testkit::git;

/// The example workspace in a fresh git repository, committed.
pub fn workspace() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("ws");
    secfw_artifacts::template::write_example(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "artifacts"]);
    (t, dir)
}

/// prepared_by: key 1 (threshold 1); approved_by: keys 2 and 3 (threshold `approvals`).
pub fn trust(approvals: u32) -> TrustPolicy {
    let mut t = TrustPolicy::new(now() + Duration::days(365));
    t.add_key(SigningRole::PreparedBy, prep().public(), "preparer").unwrap();
    t.add_key(SigningRole::ApprovedBy, app1().public(), "approver-1").unwrap();
    t.add_key(SigningRole::ApprovedBy, app2().public(), "approver-2").unwrap();
    t.set_threshold(SigningRole::ApprovedBy, approvals).unwrap();
    t
}

pub fn vopts() -> VerifyOptions {
    VerifyOptions::new(now())
}

pub fn manifest(dir: &Path) -> PathBuf {
    dir.join("handoff_manifest.yaml")
}

pub fn generate(dir: &Path) {
    generate_manifest(dir, &GenerateOptions::new(now())).unwrap();
}

pub fn sign(dir: &Path, t: &TrustPolicy, k: &SigningKey, identity: &str) {
    sign_manifest(&manifest(dir), t, k, &SignOptions::new(identity, vopts())).unwrap();
}

/// Generate and sign by the preparer and `approvals` approvers; must verify.
pub fn sealed(approvals: u32) -> (tempfile::TempDir, PathBuf, TrustPolicy) {
    let (t, dir) = workspace();
    let tp = trust(approvals);
    generate(&dir);
    sign(&dir, &tp, &prep(), "preparer");
    sign(&dir, &tp, &app1(), "approver-1");
    if approvals >= 2 {
        sign(&dir, &tp, &app2(), "approver-2");
    }
    let r = verify(&dir, &tp);
    assert!(r.passed(), "fixture must verify: {:?}", r.failed_names());
    (t, dir, tp)
}

pub fn verify(dir: &Path, t: &TrustPolicy) -> VerifyReport {
    verify_manifest(&manifest(dir), t, &vopts())
}

pub fn verify_with(dir: &Path, t: &TrustPolicy, o: &VerifyOptions) -> VerifyReport {
    verify_manifest(&manifest(dir), t, o)
}

pub fn envelope(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("handoff.intoto.json")).unwrap()).unwrap()
}

pub fn write_envelope(dir: &Path, v: &serde_json::Value) {
    std::fs::write(dir.join("handoff.intoto.json"), serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

pub fn payload(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("handoff.statement.json")).unwrap()
}

/// Replace the payload with `body` and re-sign it with `keys` (a signer that is malicious or
/// buggy: signatures valid, content adversarial). Also rewrites the statement file.
pub fn resign(dir: &Path, body: &[u8], keys: &[&SigningKey]) {
    use secfw_seal::dsse::{Envelope, EnvelopeSignature, b64_encode, pae};
    let mut env = Envelope::new(body);
    for k in keys {
        let sig = k.sign(&pae(secfw_seal::PAYLOAD_TYPE, body));
        env.signatures.push(EnvelopeSignature { keyid: Some(k.public().keyid()), sig: b64_encode(&sig) });
    }
    std::fs::write(dir.join("handoff.intoto.json"), env.to_json()).unwrap();
    std::fs::write(dir.join("handoff.statement.json"), body).unwrap();
}

pub fn all_keys() -> Vec<SigningKey> {
    vec![prep(), app1(), app2()]
}

/// Apply `f` to the payload JSON, re-serialize canonically, and re-sign with the preparer and
/// the first approver (a signer producing adversarial content).
pub fn mutate(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&payload(dir)).unwrap();
    f(&mut v);
    let body = secfw_seal::jcs::to_vec(&v).unwrap();
    resign(dir, &body, &[&prep(), &app1()]);
}

/// Re-sign raw payload bytes with the preparer and the first approver.
pub fn resign_raw(dir: &Path, body: &[u8]) {
    resign(dir, body, &[&prep(), &app1()]);
}

/// The example workspace's project id.
pub const PROJECT: &str = "acme-pay";

/// Verify options for `unpack`, which must be told the project the package belongs to.
pub fn uopts() -> VerifyOptions {
    let mut o = vopts();
    o.expect_project = Some(PROJECT.to_owned());
    o
}

/// The root key that signs trust policies in the fixtures.
pub fn root_key() -> SigningKey {
    key(9)
}

/// `tp` as version 1 of a signed trust chain whose root is [`root_key`] (threshold 1).
pub fn signed_chain(tp: &TrustPolicy) -> secfw_seal::TrustChain {
    let mut p = tp.clone();
    p.add_root_key(root_key().public(), "root").unwrap();
    p.version = 1;
    let mut c = secfw_seal::TrustChain::new(p).unwrap();
    c.sign(&root_key()).unwrap();
    c
}

/// Write `tp` as a signed chain file `dir/secfw-trust.json`.
pub fn write_trust(dir: &Path, tp: &TrustPolicy) -> PathBuf {
    let p = dir.join("secfw-trust.json");
    std::fs::write(&p, signed_chain(tp).to_json()).unwrap();
    p
}
