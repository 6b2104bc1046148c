//! The signed, rotatable root of trust (TUF root semantics).
//!
//! A trust policy file is a *chain* of versions, each a DSSE envelope (payloadType
//! [`TRUST_PAYLOAD_TYPE`]) around the RFC 8785 canonical JSON of one [`TrustPolicy`]:
//!
//! ```json
//! {"_type": "secfw-trust-chain", "versions": [{"payload": "...", "payloadType":
//!   "application/vnd.secfw.trust+json", "signatures": [...]}, ...]}
//! ```
//!
//! Versions are consecutive. The first version of the file is the out-of-band root: it must be
//! signed by a threshold of its own root keys. Version N+1 is valid only if signed by a
//! threshold of version N's root keys **and** of its own. The newest version is the policy in
//! force; it must not be expired. A verifier pins the highest version and payload digest it
//! accepted ([`TrustPin`], `.secfw/trust-state.json`): a chain whose newest version is older
//! than the pin, that does not contain the pinned version with the pinned digest (a fork), or
//! that starts after the pinned version (a gap) is refused. Revoking a key is a rotation: a new
//! version without it.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use secfw_artifacts::{Diagnostic, Pos, Seal};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::dsse::{Envelope, EnvelopeSignature, b64_encode, pae};
use crate::keys::{PublicKey, SigningKey};
use crate::trust::{RoleDef, TrustPolicy, fmt_time};
use crate::{codes, jcs, names, seal_of};

/// The payloadType of a signed trust policy version.
pub const TRUST_PAYLOAD_TYPE: &str = "application/vnd.secfw.trust+json";
/// The `_type` of a trust policy file (a chain of signed versions).
pub const CHAIN_TYPE: &str = "secfw-trust-chain";
/// Most versions in one chain file.
pub const MAX_VERSIONS: usize = 4096;

/// One version: the policy, its canonical payload bytes and its envelope.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SignedVersion {
    /// The policy.
    pub policy: TrustPolicy,
    /// RFC 8785 bytes of the policy (the DSSE body).
    pub payload: Vec<u8>,
    /// The envelope (payload and signatures).
    pub envelope: Envelope,
}

impl SignedVersion {
    fn unsigned(policy: TrustPolicy) -> Result<Self, String> {
        let payload = jcs::to_vec(&policy.to_value()).map_err(|e| e.to_string())?;
        let mut envelope = Envelope::new(&payload);
        TRUST_PAYLOAD_TYPE.clone_into(&mut envelope.payload_type);
        Ok(Self { policy, payload, envelope })
    }

    /// `sha256:<hex>` of the payload: the digest a verifier pins.
    pub fn digest(&self) -> Seal {
        seal_of(&self.payload)
    }

    /// Distinct keys of `role` (resolved in `keys_of`) whose signature over this version
    /// verifies.
    fn signed_by(&self, role: &RoleDef, keys_of: &TrustPolicy) -> usize {
        let msg = pae(TRUST_PAYLOAD_TYPE, &self.payload);
        let sigs: Vec<Vec<u8>> =
            self.envelope.signatures.iter().filter_map(|s| crate::dsse::b64_decode(&s.sig).ok()).collect();
        let keys: BTreeSet<PublicKey> =
            role.keyids.iter().filter_map(|id| keys_of.keys.get(id)).map(|k| k.public).collect();
        keys.iter().filter(|k| sigs.iter().any(|s| k.verify(&msg, s))).count()
    }
}

/// How far a version is signed: (signed, needed) by its own root and by the previous root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignStatus {
    /// Distinct own root keys that signed, and the own root threshold.
    pub own: (usize, u32),
    /// The same for the previous version's root (absent for the first version of the file).
    pub previous: Option<(usize, u32)>,
}

impl SignStatus {
    /// Both thresholds met.
    pub fn complete(&self) -> bool {
        let met = |(n, t): (usize, u32)| t > 0 && n >= t as usize;
        met(self.own) && self.previous.is_none_or(met)
    }
}

/// A trust policy file: consecutive signed versions, never empty.
#[derive(Clone, Debug)]
pub struct TrustChain {
    /// Oldest first; never empty (every constructor guarantees it).
    versions: Vec<SignedVersion>,
}

/// The highest trust policy version (and its payload digest) a verifier accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustPin {
    /// Version.
    pub version: u64,
    /// The seal (`sha256:<hex>`) of its payload.
    pub digest: Seal,
}

/// A trust pin as written, before its digest is parsed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPin {
    version: u64,
    digest: String,
}

/// Largest trust pin file read.
const MAX_PIN_BYTES: u64 = 64 * 1024;

impl TrustPin {
    /// The pin a workspace keeps (`.secfw/trust-state.json`), if any. Read as a regular file
    /// without blocking. A pin file that exists but cannot be read or is malformed (a digest
    /// that is not `sha256:` + 64 lower-case hex included) is a [`codes::SEAL_FILE`]
    /// diagnostic, located at the line and column where reading it stopped.
    pub fn load_workspace(dir: &Path) -> Result<Option<Self>, Diagnostic> {
        let p = dir.join(names::TRUST_STATE);
        if std::fs::symlink_metadata(&p).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            return Ok(None);
        }
        let refused = |m: String| {
            Diagnostic::error(codes::SEAL_FILE, names::TRUST_STATE, m)
                .with_hint("the trust pin must be a regular file written by secfw")
        };
        let b = secfw_artifacts::read_regular(&p, MAX_PIN_BYTES, secfw_artifacts::Links::Refuse)
            .map_err(|e| refused(e.to_string()))?;
        let located = |e: serde_json::Error| {
            let at = u32::try_from(e.line()).ok().zip(u32::try_from(e.column()).ok()).map(|(l, c)| Pos::new(l, c));
            refused(format!("{}: {e}", p.display())).at(at)
        };
        // The shape first, then the digest, so a malformed digest is reported at its first bad
        // character (when written as secfw writes it, without escapes) with the digest's own code.
        let raw: RawPin = serde_json::from_slice(&b).map_err(located)?;
        let text = String::from_utf8_lossy(&b);
        let quoted = serde_json::to_string(&raw.digest).unwrap_or_default();
        let at = text
            .find("\"digest\"")
            .and_then(|k| text.get(k..).and_then(|rest| rest.find(&quoted)).map(|v| k + v + 1))
            .map(|offset| secfw_artifacts::pos_of(&text, offset));
        let digest = Seal::parse(&raw.digest).map_err(|e| {
            let d = e.to_diagnostic(names::TRUST_STATE, at, "the pinned trust policy digest is not a seal");
            refused(d.message).at(d.line.zip(d.column).map(|(l, c)| Pos::new(l, c)))
        })?;
        Ok(Some(Self { version: raw.version, digest }))
    }

    /// Record `self` in the workspace atomically (never through a symlinked `.secfw`), unless
    /// a higher version is already pinned.
    pub fn raise_workspace(&self, dir: &Path) -> Result<(), crate::Error> {
        if let Ok(Some(old)) = Self::load_workspace(dir)
            && old.version >= self.version
        {
            return Ok(());
        }
        let mut b = serde_json::to_vec_pretty(self).unwrap_or_default();
        b.push(b'\n');
        secfw_artifacts::write_atomic_under(dir, Path::new(names::TRUST_STATE), &b)?;
        Ok(())
    }
}

/// What [`TrustChain::verify`] accepted.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Verified {
    /// The policy in force (the newest version).
    pub policy: TrustPolicy,
    /// Its version.
    pub version: u64,
    /// The seal (`sha256:<hex>`) of its payload.
    pub digest: Seal,
}

impl Verified {
    /// The pin this acceptance establishes.
    pub fn pin(&self) -> TrustPin {
        TrustPin { version: self.version, digest: self.digest }
    }
}

impl TrustChain {
    /// A chain whose only version is `policy` (unsigned: sign it with [`Self::sign`]).
    pub fn new(policy: TrustPolicy) -> Result<Self, String> {
        Ok(Self { versions: vec![SignedVersion::unsigned(policy)?] })
    }

    /// The newest version.
    pub fn latest(&self) -> &SignedVersion {
        self.versions.last().expect("a trust chain is never empty")
    }

    /// Every version, oldest first (never empty).
    pub fn versions(&self) -> &[SignedVersion] {
        &self.versions
    }

    /// The chain of the first `n` versions (an older file), if `1 <= n <= len`.
    pub fn prefix(&self, n: usize) -> Option<Self> {
        (1..=self.versions.len()).contains(&n).then(|| Self { versions: self.versions[..n].to_vec() })
    }

    /// The chain from version `version` on (a file whose older versions were pruned), if that
    /// version is in it.
    pub fn starting_at(&self, version: u64) -> Option<Self> {
        let i = self.versions.iter().position(|v| v.policy.version == version)?;
        Some(Self { versions: self.versions[i..].to_vec() })
    }

    /// How far the newest version is signed.
    pub fn latest_status(&self) -> SignStatus {
        self.status(self.versions.len() - 1).unwrap_or(SignStatus { own: (0, 0), previous: None })
    }

    /// `true` for bytes that look like a chain file (as opposed to an old unsigned policy).
    pub fn is_chain(bytes: &[u8]) -> bool {
        serde_json::from_slice::<Value>(bytes).is_ok_and(|v| v.get("_type").and_then(Value::as_str) == Some(CHAIN_TYPE))
    }

    /// Parse a chain file strictly: duplicate JSON keys, unknown fields, another payloadType,
    /// a non-canonical payload, an invalid policy or non-consecutive versions are refused.
    /// Signatures are checked by [`Self::verify`].
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() > crate::trust::MAX_TRUST_BYTES {
            return Err(format!("the trust policy is over {} bytes", crate::trust::MAX_TRUST_BYTES));
        }
        serde_json::from_slice::<crate::trust::NoDuplicates>(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
        let o = v.as_object().ok_or("the trust policy is not a JSON object")?;
        match o.get("_type").and_then(Value::as_str) {
            Some(CHAIN_TYPE) => {}
            Some(crate::trust::TRUST_TYPE) => {
                return Err("this is an unsigned trust policy; trust policies are signed chains now: \
                            create one with `secfw trust init --root-key PUB` and sign it with `secfw trust sign`"
                    .into());
            }
            _ => return Err(format!("`_type` must be \"{CHAIN_TYPE}\"")),
        }
        if let Some(k) = o.keys().find(|k| !matches!(k.as_str(), "_type" | "versions")) {
            return Err(format!("unknown field `{k}` (allowed: _type, versions)"));
        }
        let arr = o.get("versions").and_then(Value::as_array).ok_or("`versions` must be an array")?;
        if arr.is_empty() || arr.len() > MAX_VERSIONS {
            return Err(format!("`versions` must hold 1..={MAX_VERSIONS} versions"));
        }
        let mut versions = Vec::with_capacity(arr.len());
        for (i, e) in arr.iter().enumerate() {
            let raw = serde_json::to_vec(e).map_err(|e| e.to_string())?;
            let envelope = Envelope::parse(&raw).map_err(|m| format!("versions[{i}]: {m}"))?;
            if envelope.payload_type != TRUST_PAYLOAD_TYPE {
                return Err(format!(
                    "versions[{i}]: payloadType is `{}`, not `{TRUST_PAYLOAD_TYPE}`",
                    envelope.payload_type.escape_debug()
                ));
            }
            let payload = envelope.body().map_err(|m| format!("versions[{i}]: payload: {m}"))?;
            jcs::parse_canonical(&payload).map_err(|m| format!("versions[{i}]: payload is not canonical: {m}"))?;
            let policy = TrustPolicy::parse(&payload).map_err(|m| format!("versions[{i}]: {m}"))?;
            if let Some(prev) = versions.last().map(|p: &SignedVersion| p.policy.version)
                && policy.version != prev + 1
            {
                return Err(format!(
                    "versions[{i}] is version {} after version {prev}: versions must be consecutive (no gaps, no repeats)",
                    policy.version
                ));
            }
            versions.push(SignedVersion { policy, payload, envelope });
        }
        Ok(Self { versions })
    }

    /// The chain file: pretty JSON with a trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let v = json!({
            "_type": CHAIN_TYPE,
            "versions": self.versions.iter().map(|s| serde_json::to_value(&s.envelope).unwrap_or(Value::Null)).collect::<Vec<_>>(),
        });
        let mut out = serde_json::to_vec_pretty(&v).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// How far the version at index `i` is signed.
    pub fn status(&self, i: usize) -> Option<SignStatus> {
        let v = self.versions.get(i)?;
        let own = (v.signed_by(&v.policy.root, &v.policy), v.policy.root.threshold);
        let previous = i.checked_sub(1).and_then(|j| self.versions.get(j)).map(|p| {
            let p = &p.policy;
            (v.signed_by(&p.root, p), p.root.threshold)
        });
        Some(SignStatus { own, previous })
    }

    /// Change the policy: `edit` is applied to a copy of the newest version. When the newest
    /// version is completely signed, the edit becomes a new version (version + 1, unsigned);
    /// otherwise the unfinished version is replaced and its signatures are dropped.
    pub fn edit(&mut self, edit: impl FnOnce(&mut TrustPolicy) -> Result<(), String>) -> Result<u64, String> {
        let last = self.versions.len() - 1;
        let published = self.latest_status().complete();
        let mut p = self.latest().policy.clone();
        edit(&mut p)?;
        let current = self.latest().policy.version;
        p.version = if published { current.checked_add(1).ok_or("the version number is exhausted")? } else { current };
        let problems = p.root_problems();
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        let v = SignedVersion::unsigned(p)?;
        let n = v.policy.version;
        if published {
            self.versions.push(v);
        } else {
            self.versions[last] = v;
        }
        Ok(n)
    }

    /// Add `key`'s signature to the newest version. The key must be a root key of that version
    /// or of the one before, and may sign once.
    pub fn sign(&mut self, key: &SigningKey) -> Result<(), String> {
        let last = self.versions.len() - 1;
        let id = key.public().keyid();
        let own = &self.versions[last].policy;
        let prev = last.checked_sub(1).map(|j| &self.versions[j].policy);
        let is_root =
            |p: &TrustPolicy| p.root.keyids.contains(&id) && p.keys.get(&id).is_some_and(|k| k.public == key.public());
        if !is_root(own) && !prev.is_some_and(is_root) {
            return Err(format!(
                "key {id} is not a root key of version {} or of the version before; only root keys sign the trust policy",
                own.version
            ));
        }
        let v = &mut self.versions[last];
        let msg = pae(TRUST_PAYLOAD_TYPE, &v.payload);
        if v.envelope
            .signatures
            .iter()
            .filter_map(|s| crate::dsse::b64_decode(&s.sig).ok())
            .any(|s| key.public().verify(&msg, &s))
        {
            return Err(format!("version {} is already signed by key {id}", v.policy.version));
        }
        v.envelope.signatures.push(EnvelopeSignature { keyid: Some(id), sig: b64_encode(&key.sign(&msg)) });
        Ok(())
    }

    /// Verify the chain at `now` against the verifier's `pin`: see the module documentation.
    pub fn verify(&self, now: DateTime<Utc>, pin: Option<&TrustPin>) -> Result<Verified, String> {
        let first = self.versions.first().map_or(0, |v| v.policy.version);
        let newest = self.latest().policy.version;
        let start = match pin {
            None => 0,
            Some(p) => {
                if newest < p.version {
                    return Err(format!(
                        "the trust policy is version {newest}, older than version {} this verifier already accepted (rollback of the root of trust)",
                        p.version
                    ));
                }
                if first > p.version {
                    return Err(format!(
                        "the chain starts at version {first}, but this verifier pinned version {}: versions {}..{first} are missing (a gap)",
                        p.version,
                        p.version + 1
                    ));
                }
                let i = usize::try_from(p.version - first).map_err(|_| "version out of range".to_owned())?;
                let have = self.versions.get(i).map(SignedVersion::digest);
                if !have.is_some_and(|h| crate::ct_eq(h.digest().as_bytes(), p.digest.digest().as_bytes())) {
                    return Err(format!(
                        "version {} in this chain has digest {}, not the pinned {}: another history of the root of trust",
                        p.version,
                        have.map_or_else(|| "(none)".to_owned(), |h| h.to_string()),
                        p.digest
                    ));
                }
                i
            }
        };
        for (i, v) in self.versions.iter().enumerate().skip(start) {
            let problems = v.policy.root_problems();
            if !problems.is_empty() {
                return Err(format!("version {}: {}", v.policy.version, problems.join("; ")));
            }
            let st = self.status(i).unwrap_or(SignStatus { own: (0, 0), previous: None });
            // The anchor (pinned version, or the first version given out of band) must at least
            // be signed by its own root; every later version by the previous root and its own.
            let ok = if i == start { st.own.0 >= st.own.1 as usize && st.own.1 > 0 } else { st.complete() };
            if !ok {
                let prev = st.previous.map_or_else(String::new, |(n, t)| format!(", previous root {n}/{t}"));
                return Err(format!(
                    "version {} is not signed by a threshold of root keys (own root {}/{}{prev}); sign it with `secfw trust sign`",
                    v.policy.version, st.own.0, st.own.1
                ));
            }
        }
        let latest = self.latest();
        if latest.policy.expires <= now {
            return Err(format!(
                "the trust policy (version {newest}) expired at {}; rotate it (`secfw trust rotate --expires ...`) and sign",
                fmt_time(latest.policy.expires)
            ));
        }
        Ok(Verified { policy: latest.policy.clone(), version: newest, digest: latest.digest() })
    }
}
