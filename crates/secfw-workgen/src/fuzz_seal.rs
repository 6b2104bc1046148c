//! The seal's untrusted-input entry points fuzzed by `fuzz/` (targets `seal_envelope`,
//! `seal_trust_chain`, `seal_package`) and replayed on stable by
//! `crates/secfw-seal/tests/fuzz_corpus.rs`: one function per target, so the fuzzer and the
//! corpus test exercise exactly the same code. Every outcome is an `Ok` (accepted) or an
//! `Err` (refused, with the reason); a panic is the only failure.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use secfw_seal::dsse::{Envelope, PAYLOAD_TYPE, pae};
use secfw_seal::statement::Statement;
use secfw_seal::{SigningKey, VerifyOptions};
use secfw_seal::{SigningRole, TrustPolicy};
use secfw_seal::{TrustChain, TrustPin};

/// A seal fuzz target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SealTarget {
    /// DSSE envelope bytes → payload → canonical JSON → Statement v1, signatures checked
    /// against the fixed trust policy.
    Envelope,
    /// A signed trust policy chain: parsed, verified unpinned and pinned at version 1.
    TrustChain,
    /// Arbitrary archive bytes as a package: scanned, extracted into a private directory and
    /// verified (`secfw unpack`'s path).
    Package,
}

impl SealTarget {
    /// Every target.
    pub const ALL: [Self; 3] = [Self::Envelope, Self::TrustChain, Self::Package];

    /// The cargo-fuzz target name and corpus directory `fuzz/corpus/<name>/`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Envelope => "seal_envelope",
            Self::TrustChain => "seal_trust_chain",
            Self::Package => "seal_package",
        }
    }
}

impl fmt::Display for SealTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The fixed verification time of the seal targets (the example workspace's reference time).
pub fn now() -> DateTime<Utc> {
    secfw_artifacts::template::EXAMPLE_NOW.parse().unwrap_or_default()
}

fn key(n: u8) -> Option<SigningKey> {
    SigningKey::from_seed([n; 32]).ok()
}

/// The fixed trust policy of the seal targets: the seal tests' fixture keys (seed 1 prepares,
/// seeds 2 and 3 approve, threshold 1 each; seed 9 is the root), valid for a year from [`now`].
pub fn trust() -> Result<TrustPolicy, String> {
    let mut t = TrustPolicy::new(now() + Duration::days(365));
    let k = |n| key(n).ok_or_else(|| "fixture key".to_owned());
    t.add_key(SigningRole::PreparedBy, k(1)?.public(), "preparer")?;
    t.add_key(SigningRole::ApprovedBy, k(2)?.public(), "approver-1")?;
    t.add_key(SigningRole::ApprovedBy, k(3)?.public(), "approver-2")?;
    t.add_root_key(k(9)?.public(), "root")?;
    t.version = 1;
    Ok(t)
}

/// Run one target on `data`.
pub fn run(target: SealTarget, data: &[u8]) -> Result<String, String> {
    match target {
        SealTarget::Envelope => envelope(data),
        SealTarget::TrustChain => trust_chain(data),
        SealTarget::Package => package(data),
    }
}

fn envelope(data: &[u8]) -> Result<String, String> {
    let env = Envelope::parse(data)?;
    let body = env.body()?;
    let msg = pae(&env.payload_type, &body);
    let trust = trust()?;
    let verified = env
        .signatures
        .iter()
        .filter_map(|s| secfw_seal::dsse::b64_decode(&s.sig).ok())
        .filter(|s| trust.keys.values().any(|k| k.public.verify(&msg, s)))
        .count();
    if env.payload_type != PAYLOAD_TYPE {
        return Err(format!("payloadType {}", env.payload_type.escape_debug()));
    }
    let st = Statement::parse_payload(&body)
        .map_err(|p| p.into_iter().map(|(c, m)| format!("{c}: {m}")).collect::<Vec<_>>().join("; "))?;
    Ok(format!("{} subject(s), {verified} trusted signature(s)", st.subject.len()))
}

fn trust_chain(data: &[u8]) -> Result<String, String> {
    let chain = TrustChain::parse(data)?;
    let first = &chain.versions()[0];
    let pin = TrustPin { version: first.policy.version, digest: first.digest() };
    let pinned = chain.verify(now(), Some(&pin));
    let v = chain.verify(now(), None)?;
    pinned?;
    Ok(format!("version {} ({})", v.version, v.digest))
}

fn package(data: &[u8]) -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let archive = dir.path().join("package.tar");
    std::fs::write(&archive, data).map_err(|e| e.to_string())?;
    let mut o = VerifyOptions::new(now());
    o.expect_project = Some("acme-pay".to_owned());
    let target = dir.path().join("unpacked");
    let r = secfw_seal::unpack(&archive, &target, &trust()?, &o).map_err(|e| e.to_string())?;
    Ok(format!("verified {}", r.seal.map(|s| s.to_string()).unwrap_or_default()))
}
