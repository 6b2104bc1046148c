//! The trust policy (`secfw-trust.json`): which Ed25519 keys may sign in which role, k-of-n
//! thresholds per role, a version and an expiry (TUF-style). It is distributed out of band and
//! is never part of the signed payload, so a signer cannot grant itself authority.
//!
//! ```json
//! {"_type": "secfw-trust", "version": 3, "expires": "2027-01-01T00:00:00Z",
//!  "keys": {"<keyid>": {"identity": "alice", "keytype": "ed25519", "scheme": "ed25519",
//!                       "keyval": {"public": "<64 hex>"}}},
//!  "roles": {"prepared_by": {"keyids": ["<keyid>"], "threshold": 1},
//!            "approved_by": {"keyids": [...], "threshold": 2}}}
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Value, json};

use crate::keys::PublicKey;

/// The `_type` of a trust policy file.
pub const TRUST_TYPE: &str = "secfw-trust";
/// Largest trust policy file read (1 MiB).
pub const MAX_TRUST_BYTES: usize = 1024 * 1024;

/// A signing role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The preparer of the handoff (seed §2.4 `prepared_by`).
    PreparedBy,
    /// The approver(s) of the handoff (seed §2.4 `approved_by`).
    ApprovedBy,
}

impl Role {
    /// Both roles, in manifest order.
    pub const ALL: [Self; 2] = [Self::PreparedBy, Self::ApprovedBy];

    /// `prepared_by` / `approved_by`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PreparedBy => "prepared_by",
            Self::ApprovedBy => "approved_by",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "prepared_by" => Ok(Self::PreparedBy),
            "approved_by" => Ok(Self::ApprovedBy),
            o => Err(format!("unknown role `{o}`: the roles are prepared_by and approved_by")),
        }
    }
}

/// A trusted key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedKey {
    /// The Ed25519 public key.
    pub public: PublicKey,
    /// Who holds it (shown in `handoff_manifest.yaml`).
    pub identity: String,
}

/// One role's key set and threshold.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RoleDef {
    /// Key ids allowed to sign in this role.
    pub keyids: Vec<String>,
    /// Distinct keys needed.
    pub threshold: u32,
}

/// A trust policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustPolicy {
    /// Monotonic version (every edit increments it).
    pub version: u64,
    /// After this instant the policy is refused.
    pub expires: DateTime<Utc>,
    /// Trusted keys by securesystemslib keyid.
    pub keys: BTreeMap<String, TrustedKey>,
    /// Role definitions.
    pub roles: BTreeMap<Role, RoleDef>,
    /// The root role: the keys (and threshold) that sign the trust policy itself, TUF-style.
    /// Version N+1 is valid only when signed by a threshold of version N's root keys and of
    /// its own (see [`crate::TrustChain`]). A root key may also hold one signing role.
    pub root: RoleDef,
}

/// `true` for identities secfw accepts: 1–64 of `[A-Za-z0-9._@+-]`, not starting with `-`.
pub fn is_identity(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && !s.starts_with('-')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'+' | b'-'))
}

impl TrustPolicy {
    /// A new, empty policy (version 1): both roles with threshold 1 and no keys yet.
    pub fn new(expires: DateTime<Utc>) -> Self {
        let roles = Role::ALL.into_iter().map(|r| (r, RoleDef { keyids: Vec::new(), threshold: 1 })).collect();
        Self { version: 1, expires, keys: BTreeMap::new(), roles, root: RoleDef { keyids: Vec::new(), threshold: 1 } }
    }

    /// Add `key` as `identity` to the root role (the keys that sign the policy). The key may
    /// already be trusted in a signing role under the same identity.
    pub fn add_root_key(&mut self, key: PublicKey, identity: &str) -> Result<(), String> {
        key.check_strong()?;
        if !is_identity(identity) {
            return Err(format!("identity `{identity}` must be 1-64 characters of A-Z a-z 0-9 . _ @ + -"));
        }
        let id = key.keyid();
        if self.root.keyids.contains(&id) {
            return Err(format!("key {id} is already a root key"));
        }
        match self.keys.get(&id) {
            Some(k) if k.identity != identity => {
                return Err(format!("key {id} is trusted as `{}`, not `{identity}`", k.identity));
            }
            Some(_) => {}
            None => {
                if self.keys.values().any(|k| k.identity == identity) {
                    return Err(format!("identity `{identity}` already has another key"));
                }
                self.keys.insert(id.clone(), TrustedKey { public: key, identity: identity.to_owned() });
            }
        }
        self.root.keyids.push(id);
        Ok(())
    }

    /// Remove a key (by keyid) from every role, the root role included, and from `keys`:
    /// revocation. Signatures by it no longer count once this version is in force.
    pub fn remove_key(&mut self, keyid: &str) -> Result<(), String> {
        if self.keys.remove(keyid).is_none() {
            return Err(format!("key {keyid} is not in the trust policy"));
        }
        for d in self.roles.values_mut().chain(std::iter::once(&mut self.root)) {
            d.keyids.retain(|k| k != keyid);
            d.threshold = d.threshold.min(u32::try_from(d.keyids.len()).unwrap_or(u32::MAX));
        }
        Ok(())
    }

    /// Remove a key from the root role only (it stays in its signing role, if any).
    pub fn remove_root_key(&mut self, keyid: &str) -> Result<(), String> {
        if !self.root.keyids.iter().any(|k| k == keyid) {
            return Err(format!("key {keyid} is not a root key"));
        }
        self.root.keyids.retain(|k| k != keyid);
        if !self.roles.values().any(|d| d.keyids.iter().any(|k| k == keyid)) {
            self.keys.remove(keyid);
        }
        self.root.threshold = self.root.threshold.min(u32::try_from(self.root.keyids.len()).unwrap_or(u32::MAX));
        Ok(())
    }

    /// Set the root threshold; must be 1..=number of root keys.
    pub fn set_root_threshold(&mut self, n: u32) -> Result<(), String> {
        let max = self.root.keyids.len();
        if n == 0 || n as usize > max {
            return Err(format!("root threshold {n} must be between 1 and its {max} key(s)"));
        }
        self.root.threshold = n;
        Ok(())
    }

    /// Problems of the root role: at least one root key, each in `keys`, listed once, and a
    /// threshold of 1..=its keys.
    pub fn root_problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let mut seen = BTreeSet::new();
        for id in &self.root.keyids {
            if !self.keys.contains_key(id) {
                p.push(format!("root names keyid {id}, which is not in `keys`"));
            }
            if !seen.insert(id) {
                p.push(format!("root lists keyid {id} twice"));
            }
        }
        if self.root.threshold == 0 || self.root.threshold as usize > seen.len() {
            p.push(format!(
                "root threshold {} is outside 1..={} (its distinct keys); a policy needs root keys to be signed",
                self.root.threshold,
                seen.len()
            ));
        }
        p
    }

    /// The role and key record of a public key.
    pub fn lookup(&self, key: &PublicKey) -> Option<(Role, &TrustedKey)> {
        let id = key.keyid();
        let k = self.keys.get(&id)?;
        let role = self.roles.iter().find(|(_, d)| d.keyids.contains(&id)).map(|(r, _)| *r)?;
        Some((role, k))
    }

    /// Add `key` as `identity` in `role` (version + 1). Refuses a key already trusted, an
    /// identity already used by another key, and weak keys.
    pub fn add_key(&mut self, role: Role, key: PublicKey, identity: &str) -> Result<(), String> {
        key.check_strong()?;
        if !is_identity(identity) {
            return Err(format!("identity `{identity}` must be 1-64 characters of A-Z a-z 0-9 . _ @ + -"));
        }
        let id = key.keyid();
        if let Some(existing) = self.keys.get(&id) {
            if let Some((r, _)) = self.lookup(&key) {
                return Err(format!("key {id} is already trusted ({r}); a key may hold one role only"));
            }
            // A root key taking a signing role too, under its identity.
            if existing.identity != identity {
                return Err(format!("key {id} is trusted as `{}`, not `{identity}`", existing.identity));
            }
            self.roles.entry(role).or_default().keyids.push(id);
            self.version = self.version.saturating_add(1);
            return Ok(());
        }
        if self.keys.values().any(|k| k.identity == identity) {
            return Err(format!("identity `{identity}` already has a key; use a distinct identity per key"));
        }
        self.keys.insert(id.clone(), TrustedKey { public: key, identity: identity.to_owned() });
        self.roles.entry(role).or_default().keyids.push(id);
        self.version = self.version.saturating_add(1);
        Ok(())
    }

    /// Set a role's threshold (version + 1); must be 1..=number of keys in the role.
    pub fn set_threshold(&mut self, role: Role, n: u32) -> Result<(), String> {
        let def = self.roles.entry(role).or_default();
        let max = def.keyids.len();
        if n == 0 || n as usize > max {
            return Err(format!("threshold {n} for {role} must be between 1 and its {max} key(s); add keys first"));
        }
        def.threshold = n;
        self.version = self.version.saturating_add(1);
        Ok(())
    }

    /// Every problem that makes the policy unusable for verification at `now`.
    pub fn problems(&self, now: DateTime<Utc>) -> Vec<String> {
        let mut p = Vec::new();
        if self.version == 0 {
            p.push("version must be at least 1".into());
        }
        if self.expires <= now {
            p.push(format!("the trust policy expired at {}", fmt_time(self.expires)));
        }
        let mut material: BTreeMap<PublicKey, &str> = BTreeMap::new();
        let mut idents: BTreeSet<&str> = BTreeSet::new();
        for (id, k) in &self.keys {
            if *id != k.public.keyid() {
                p.push(format!("keyid {id} is not the derived keyid {} of its key", k.public.keyid()));
            }
            if let Err(e) = k.public.check_strong() {
                p.push(e);
            }
            if let Some(other) = material.insert(k.public, id) {
                p.push(format!("the same public key is listed under keyids {other} and {id}"));
            }
            if !is_identity(&k.identity) {
                p.push(format!("identity `{}` of key {id} is not a valid identity", k.identity));
            } else if !idents.insert(&k.identity) {
                p.push(format!("identity `{}` is used by two keys", k.identity));
            }
        }
        let mut owner: BTreeMap<&str, Role> = BTreeMap::new();
        for role in Role::ALL {
            let Some(def) = self.roles.get(&role) else {
                p.push(format!("role {role} is not defined"));
                continue;
            };
            let mut seen = BTreeSet::new();
            for id in &def.keyids {
                if !self.keys.contains_key(id) {
                    p.push(format!("role {role} names keyid {id}, which is not in `keys`"));
                }
                if !seen.insert(id) {
                    p.push(format!("role {role} lists keyid {id} twice"));
                }
                if let Some(r) = owner.insert(id, role) {
                    p.push(format!(
                        "keyid {id} is in both {r} and {role}: one key cannot satisfy two roles (separation of duties)"
                    ));
                }
            }
            if def.threshold == 0 || def.threshold as usize > seen.len() {
                p.push(format!(
                    "role {role} threshold {} is outside 1..={} (its distinct keys)",
                    def.threshold,
                    seen.len()
                ));
            }
        }
        p
    }

    /// Pretty JSON with a trailing newline; keys and keyids sorted.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(&self.to_value()).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// The policy as a JSON value (the signed payload is its RFC 8785 form).
    pub fn to_value(&self) -> Value {
        let keys: serde_json::Map<String, Value> = self
            .keys
            .iter()
            .map(|(id, k)| {
                (
                    id.clone(),
                    json!({"identity": k.identity, "keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": k.public.to_hex()}}),
                )
            })
            .collect();
        let mut roles: serde_json::Map<String, Value> = self
            .roles
            .iter()
            .map(|(r, d)| (r.as_str().to_owned(), json!({"keyids": d.keyids, "threshold": d.threshold})))
            .collect();
        if !self.root.keyids.is_empty() {
            roles.insert("root".to_owned(), json!({"keyids": self.root.keyids, "threshold": self.root.threshold}));
        }
        json!({
            "_type": TRUST_TYPE,
            "version": self.version,
            "expires": fmt_time(self.expires),
            "keys": keys,
            "roles": roles,
        })
    }

    /// Parse a policy file strictly: duplicate JSON keys, unknown fields, wrong types, key types
    /// other than ed25519 and unknown roles are refused. Semantic checks are [`Self::problems`].
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() > MAX_TRUST_BYTES {
            return Err(format!("trust policy is over {MAX_TRUST_BYTES} bytes"));
        }
        serde_json::from_slice::<NoDuplicates>(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
        let o = v.as_object().ok_or("the trust policy is not a JSON object")?;
        only_fields(o, &["_type", "version", "expires", "keys", "roles"], "the trust policy")?;
        if o.get("_type").and_then(Value::as_str) != Some(TRUST_TYPE) {
            return Err(format!("`_type` must be \"{TRUST_TYPE}\""));
        }
        let version = o.get("version").and_then(Value::as_u64).ok_or("`version` must be a non-negative integer")?;
        let expires = o
            .get("expires")
            .and_then(Value::as_str)
            .and_then(parse_time)
            .ok_or("`expires` must be an RFC 3339 UTC time such as 2027-01-01T00:00:00Z")?;
        let mut keys = BTreeMap::new();
        for (id, k) in o.get("keys").and_then(Value::as_object).ok_or("`keys` must be an object")? {
            let ko = k.as_object().ok_or_else(|| format!("key {id} is not an object"))?;
            only_fields(
                ko,
                &["identity", "keytype", "scheme", "keyval", "keyid_hash_algorithms"],
                &format!("key {id}"),
            )?;
            if ko.get("keytype").and_then(Value::as_str) != Some("ed25519")
                || ko.get("scheme").and_then(Value::as_str) != Some("ed25519")
            {
                return Err(format!("key {id}: only keytype and scheme \"ed25519\" are accepted"));
            }
            let h = ko.get("keyval").and_then(|x| x.get("public")).and_then(Value::as_str).unwrap_or("");
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
                return Err(format!("key {id}: keyval.public must be 64 lower-case hex characters"));
            }
            let (public, _) = PublicKey::parse_any(h)?;
            let identity =
                ko.get("identity").and_then(Value::as_str).ok_or_else(|| format!("key {id}: `identity` is missing"))?;
            keys.insert(id.clone(), TrustedKey { public, identity: identity.to_owned() });
        }
        let mut roles = BTreeMap::new();
        let mut root = RoleDef::default();
        for (name, r) in o.get("roles").and_then(Value::as_object).ok_or("`roles` must be an object")? {
            let role: Option<Role> = if name == "root" { None } else { Some(name.parse()?) };
            let ro = r.as_object().ok_or_else(|| format!("role {name} is not an object"))?;
            only_fields(ro, &["keyids", "threshold"], &format!("role {name}"))?;
            let keyids = ro
                .get("keyids")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("role {name}: `keyids` must be an array"))?
                .iter()
                .map(|x| x.as_str().map(str::to_owned).ok_or_else(|| format!("role {name}: keyids must be strings")))
                .collect::<Result<Vec<_>, _>>()?;
            let threshold = ro
                .get("threshold")
                .and_then(Value::as_u64)
                .and_then(|t| u32::try_from(t).ok())
                .ok_or_else(|| format!("role {name}: `threshold` must be a small non-negative integer"))?;
            match role {
                Some(role) => {
                    roles.insert(role, RoleDef { keyids, threshold });
                }
                None => root = RoleDef { keyids, threshold },
            }
        }
        Ok(Self { version, expires, keys, roles, root })
    }

    /// An OpenSSH `allowed_signers` file for `ssh-keygen -Y verify` (one line per key, principal =
    /// identity).
    pub fn allowed_signers(&self, namespace: &str) -> String {
        self.keys.values().map(|k| crate::sshsig::allowed_signers_line(&k.identity, &k.public, namespace)).collect()
    }
}

/// A trust policy loaded as the root of trust, with where it came from.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Anchor {
    /// The policy.
    pub policy: TrustPolicy,
    /// The file it was read from.
    pub path: std::path::PathBuf,
    /// Its version.
    pub version: u64,
    /// The seal (`sha256:<hex>`) of the version's signed payload (what a verifier pins).
    pub digest: secfw_artifacts::Seal,
    /// The seal (`sha256:<hex>`) of the whole file (what `--trust-digest` pins).
    pub file_digest: secfw_artifacts::Seal,
}

impl Anchor {
    /// The pin this acceptance establishes.
    pub fn pin(&self) -> crate::root::TrustPin {
        crate::root::TrustPin { version: self.version, digest: self.digest }
    }
}

fn source_err(file: &str, msg: String) -> crate::Error {
    crate::Error::rejected(secfw_artifacts::Diagnostic::error(crate::codes::TRUST_SOURCE, file, msg).with_hint(
        "a trust policy must come from outside the tree being verified: pass --trust FILE (or set SECFW_TRUST) \
             with a copy distributed out of band, or pin the file with --trust-digest sha256:<hex>",
    ))
}

/// Load the root of trust for an operation on `tree`, not older than the version the workspace
/// `pinned_by` recorded (`.secfw/trust-state.json`; `None`: no pin applies). The one way every
/// secfw command loads a trust policy: a pin file that exists but cannot be read refuses
/// ([`crate::codes::SEAL_FILE`]) instead of being taken as "no pin". See [`load_anchor`] for
/// the checks on the policy itself; `digest` pins the policy file by `sha256:<hex>`.
pub fn load_pinned_anchor(
    path: Option<&std::path::Path>,
    tree: &std::path::Path,
    digest: Option<&str>,
    now: DateTime<Utc>,
    pinned_by: Option<&std::path::Path>,
) -> Result<Anchor, crate::Error> {
    load_pinned_anchor_outside(path, &[tree], digest, now, pinned_by)
}

/// [`load_pinned_anchor`] for an operation that trusts content from several trees (e.g. a
/// workspace and a baseline handoff directory given beside it): without `digest`, the policy
/// must lie outside every one of `trees`.
pub fn load_pinned_anchor_outside(
    path: Option<&std::path::Path>,
    trees: &[&std::path::Path],
    digest: Option<&str>,
    now: DateTime<Utc>,
    pinned_by: Option<&std::path::Path>,
) -> Result<Anchor, crate::Error> {
    let pin =
        pinned_by.map(crate::root::TrustPin::load_workspace).transpose().map_err(crate::Error::rejected)?.flatten();
    load_anchor_outside(path, trees, digest, now, pin.as_ref())
}

/// Load the root of trust for an operation on `tree`. A policy must be given explicitly
/// (`path`); it is read as a regular file (never blocking on a FIFO or device) of at most
/// [`MAX_TRUST_BYTES`]; and it must lie outside `tree` after resolving links, unless `pin`
/// (`sha256:<hex>`) equals the digest of its bytes. A pin that does not match is always
/// refused. A policy inside the verified tree is what an attacker who controls the tree would
/// plant, so it is never used silently.
///
/// The file is a signed chain ([`crate::root::TrustChain`]); it is verified at `now` against
/// `state`, the highest version this verifier accepted: an older, expired, under-signed,
/// forked or gapped chain is refused ([`crate::codes::TRUST_CHAIN`]).
pub fn load_anchor(
    path: Option<&std::path::Path>,
    tree: &std::path::Path,
    pin: Option<&str>,
    now: DateTime<Utc>,
    state: Option<&crate::root::TrustPin>,
) -> Result<Anchor, crate::Error> {
    load_anchor_outside(path, &[tree], pin, now, state)
}

fn load_anchor_outside(
    path: Option<&std::path::Path>,
    trees: &[&std::path::Path],
    pin: Option<&str>,
    now: DateTime<Utc>,
    state: Option<&crate::root::TrustPin>,
) -> Result<Anchor, crate::Error> {
    let Some(path) = path else {
        return Err(source_err("trust policy", "no trust policy was given".to_owned()));
    };
    let pn = path.display().to_string();
    let bytes =
        secfw_artifacts::read_regular(path, MAX_TRUST_BYTES as u64, secfw_artifacts::Links::Follow).map_err(|e| {
            crate::Error::rejected(
                secfw_artifacts::Diagnostic::error(crate::codes::TRUST_POLICY, pn.clone(), e.to_string())
                    .with_hint("the trust policy is a regular JSON file written by `secfw trust`"),
            )
        })?;
    let digest = crate::seal_of(&bytes);
    match pin {
        Some(p) => {
            let want = p.strip_prefix("sha256:").unwrap_or(p).to_ascii_lowercase();
            if !crate::ct_eq(want.as_bytes(), digest.digest().to_hex().as_bytes()) {
                return Err(source_err(&pn, format!("the trust policy's digest is {digest}, not the pinned {p}")));
            }
        }
        None => {
            for tree in trees {
                if let (Ok(f), Ok(t)) = (std::fs::canonicalize(path), std::fs::canonicalize(tree))
                    && f.starts_with(&t)
                {
                    return Err(source_err(
                        &pn,
                        format!(
                            "the trust policy {pn} lies inside {}, the tree being verified, and is not pinned by digest",
                            tree.display()
                        ),
                    ));
                }
            }
        }
    }
    let chain = crate::root::TrustChain::parse(&bytes).map_err(|m| {
        crate::Error::rejected(
            secfw_artifacts::Diagnostic::error(crate::codes::TRUST_POLICY, pn.clone(), m)
                .with_hint("fix the trust policy (secfw trust ...) and distribute it again"),
        )
    })?;
    let v = chain.verify(now, state).map_err(|m| {
        crate::Error::rejected(secfw_artifacts::Diagnostic::error(crate::codes::TRUST_CHAIN, pn.clone(), m).with_hint(
            "use the newest trust policy, completely signed by root keys (`secfw trust show` tells what is missing)",
        ))
    })?;
    Ok(Anchor { policy: v.policy, path: path.to_path_buf(), version: v.version, digest: v.digest, file_digest: digest })
}

fn only_fields(o: &serde_json::Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("{what}: unknown field `{k}` (allowed: {})", allowed.join(", "))),
        None => Ok(()),
    }
}

/// RFC 3339 UTC with seconds and `Z`.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parse an RFC 3339 time that is in UTC (`Z` or `+00:00`).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s).ok()?;
    (t.offset().local_minus_utc() == 0).then(|| t.with_timezone(&Utc))
}

/// A JSON value walked only to refuse duplicate object keys (serde_json keeps the last one).
pub(crate) struct NoDuplicates;

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDupVisitor)
    }
}

struct NoDupVisitor;

impl<'de> Visitor<'de> for NoDupVisitor {
    type Value = NoDuplicates;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<NoDuplicates, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(k) = m.next_key::<String>()? {
            if !seen.insert(k.clone()) {
                return Err(de::Error::custom(format!("duplicate key `{k}`")));
            }
            m.next_value::<NoDuplicates>()?;
        }
        Ok(NoDuplicates)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<NoDuplicates, A::Error> {
        while s.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }
    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
}
