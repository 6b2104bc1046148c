//! `keygen`, `trust ...` and `sigstore-bundle`: signing keys, the signed trust policy and its
//! versions, and Sigstore bundles of a signed manifest. None needs a workspace, so these are
//! associated functions of [`Workspace`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use secfw_artifacts::{Links, Seal};
use secfw_seal::TrustChain;
use secfw_seal::{MAX_TRUST_BYTES, SigningRole, TrustPolicy};
use secfw_seal::{PublicKey, SigningKey};
use serde::Serialize;

use super::Outcome;
use crate::{Error, Workspace};

/// Options of [`Workspace::keygen`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct KeygenOptions {
    /// Who holds the key (file names and OpenSSH comment).
    pub identity: String,
    /// Directory for the key files.
    pub out: PathBuf,
}

impl KeygenOptions {
    /// A key for `identity`, written into `out`.
    pub fn new(identity: impl Into<String>, out: impl Into<PathBuf>) -> Self {
        Self { identity: identity.into(), out: out.into() }
    }
}

/// The report of [`Workspace::keygen`] (`secfw keygen --format json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct KeygenReport {
    /// The new key's keyid.
    pub keyid: String,
    /// The files written: the private key (mode 0600) and the public key in each format.
    pub files: Vec<PathBuf>,
}

/// The report of [`Workspace::sigstore_bundles`] (`secfw sigstore-bundle --format json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct SigstoreBundleReport {
    /// One bundle per signature of the manifest's envelope.
    pub bundles: Vec<PathBuf>,
}

/// Root signatures of one version: how many distinct root keys signed, of how many required.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct Signatures {
    /// Distinct keys that signed.
    pub signed: usize,
    /// The threshold.
    pub required: u32,
}

/// What a trust policy file's newest version still needs before it is in force.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct TrustStatus {
    /// The trust policy file.
    pub path: PathBuf,
    /// Its newest version.
    pub version: u64,
    /// When that version expires (RFC 3339).
    pub expires: String,
    /// Signatures by the version's own root keys.
    pub root: Signatures,
    /// Signatures by the previous version's root keys (absent for version 1).
    pub previous_root: Option<Signatures>,
    /// Both thresholds are met.
    pub complete: bool,
    /// The key this run signed with (`trust sign`).
    pub signed_with: Option<String>,
}

impl TrustStatus {
    fn of(path: &Path, c: &TrustChain) -> Self {
        let st = c.latest_status();
        let t = &c.latest().policy;
        let sig = |(signed, required): (usize, u32)| Signatures { signed, required };
        Self {
            path: path.to_path_buf(),
            version: t.version,
            expires: secfw_seal::fmt_time(t.expires),
            root: sig(st.own),
            previous_root: st.previous.map(sig),
            complete: st.complete(),
            signed_with: None,
        }
    }

    /// One line for people: the signature status and what is still missing.
    pub fn summary(&self) -> String {
        let mut s = format!("version {}: root signatures {}/{}", self.version, self.root.signed, self.root.required);
        if let Some(p) = self.previous_root {
            let _ = write!(s, ", previous root (version {}) {}/{}", self.version - 1, p.signed, p.required);
        }
        s.push_str(if self.complete { " (complete)" } else { " (incomplete: sign it with `secfw trust sign`)" });
        s
    }
}

impl Outcome for TrustStatus {
    fn passed(&self) -> bool {
        true
    }
}

/// One trusted key, as `trust show` lists it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct ShownKey {
    /// Identity of the key holder (`?` when the policy does not name it).
    pub identity: String,
    /// The keyid.
    pub keyid: String,
}

/// One role (or the root) with its threshold and keys.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct ShownRole {
    /// `root`, `prepared_by` or `approved_by`.
    pub role: String,
    /// Distinct keys required.
    pub threshold: u32,
    /// The keys.
    pub keys: Vec<ShownKey>,
}

/// The report of [`Workspace::trust_show`] (`secfw trust show --format json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct TrustShowReport {
    /// The newest version and its signature status.
    pub status: TrustStatus,
    /// `sha256:<hex>` of the newest version's signed payload.
    pub digest: Seal,
    /// The root, then each role.
    pub roles: Vec<ShownRole>,
    /// Every problem at `now` (expired, incomplete, a chain that does not verify); none: usable.
    pub problems: Vec<String>,
}

impl Outcome for TrustShowReport {
    fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Options of [`Workspace::trust_init`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TrustInitOptions {
    /// The trust policy file to create (it must not exist).
    pub path: PathBuf,
    /// Public key files of the root keys (each naming its identity, as `secfw keygen` writes).
    pub root_keys: Vec<PathBuf>,
    /// How many root keys must sign each version.
    pub root_threshold: u32,
    /// Expiry; default one year after `now`.
    pub expires: Option<DateTime<Utc>>,
    /// Current time.
    pub now: DateTime<Utc>,
}

impl TrustInitOptions {
    /// A policy at `path` with these root keys (threshold 1), expiring a year after `now`.
    pub fn new(path: impl Into<PathBuf>, root_keys: Vec<PathBuf>, now: DateTime<Utc>) -> Self {
        Self { path: path.into(), root_keys, root_threshold: 1, expires: None, now }
    }
}

/// One change to a trust policy (a new version when the newest is already signed).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TrustEdit {
    /// Trust a public key file in a role; the identity defaults to the one the file names.
    AddKey {
        /// The role.
        role: SigningRole,
        /// The public key file (OpenSSH, SPKI PEM, securesystemslib JSON or hex).
        pubkey: PathBuf,
        /// The key holder's identity.
        identity: Option<String>,
    },
    /// Revoke a key (a keyid, or a public key file) from every role.
    RemoveKey {
        /// Keyid or public key file.
        key: String,
    },
    /// Set a role's threshold (`None`: the root's).
    Threshold {
        /// The role; `None` for the root.
        role: Option<SigningRole>,
        /// Distinct keys required.
        n: u32,
    },
    /// Rotate the root: add root key files, remove root keys (keyid or file), change the root
    /// threshold or the expiry.
    Rotate {
        /// Public key files of new root keys.
        add_root: Vec<PathBuf>,
        /// Keyids (or public key files) of root keys to remove.
        remove_root: Vec<String>,
        /// The new root threshold.
        root_threshold: Option<u32>,
        /// The new expiry.
        expires: Option<DateTime<Utc>>,
    },
}

fn refused(message: impl Into<String>) -> Error {
    Error::Refused { message: message.into() }
}

/// Read a trust policy chain (a regular file, size-capped, never blocking).
fn load_chain(path: &Path) -> Result<TrustChain, Error> {
    let b = secfw_artifacts::read_regular(path, MAX_TRUST_BYTES as u64, Links::Follow)
        .map_err(|e| Error::unusable(format!("cannot read the trust policy: {e}")))?;
    TrustChain::parse(&b).map_err(|e| Error::unusable(format!("{}: {e}", path.display())))
}

fn save_chain(path: &Path, c: &TrustChain) -> Result<(), Error> {
    secfw_artifacts::write_atomic(path, &c.to_json())?;
    Ok(())
}

/// A keyid argument: a public key file's keyid, else the text itself.
fn keyid_arg(k: &str) -> Result<String, Error> {
    let p = Path::new(k);
    if p.is_file() { Ok(secfw_seal::load_public_key(p)?.0.keyid()) } else { Ok(k.to_owned()) }
}

/// A root key file, which must name its identity.
fn root_key_file(k: &Path) -> Result<(PublicKey, String), Error> {
    let (key, ident) = secfw_seal::load_public_key(k).map_err(|e| refused(e.to_string()))?;
    let ident = ident.ok_or_else(|| {
        refused(format!("{} names no identity; use a key file written by `secfw keygen`", k.display()))
    })?;
    Ok((key, ident))
}

impl Workspace {
    /// Generate an Ed25519 signing key and write its files (`secfw keygen`); never overwrites.
    pub fn keygen(opts: &KeygenOptions) -> Result<KeygenReport, Error> {
        let key = SigningKey::generate()?;
        let files = secfw_seal::write_key_files(&opts.out, &opts.identity, &key)?;
        Ok(KeygenReport { keyid: key.public().keyid(), files })
    }

    /// Write one Sigstore bundle per signature of the signed manifest `manifest` into `out_dir`
    /// (default: beside it) (`secfw sigstore-bundle`).
    pub fn sigstore_bundles(manifest: &Path, out_dir: Option<&Path>) -> Result<SigstoreBundleReport, Error> {
        let dir = match manifest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let bundles = secfw_seal::sigstore::write_bundles(manifest, out_dir.unwrap_or(&dir))?;
        Ok(SigstoreBundleReport { bundles })
    }

    /// Create a trust policy file (version 1) with its root keys, both signing roles and no
    /// signing keys yet (`secfw trust init`); sign it with [`Workspace::trust_sign`].
    pub fn trust_init(opts: &TrustInitOptions) -> Result<TrustStatus, Error> {
        if std::fs::symlink_metadata(&opts.path).is_ok() {
            return Err(Error::unusable(format!(
                "{} already exists; edit it with `secfw trust add-key|remove-key|threshold|rotate`",
                opts.path.display()
            )));
        }
        let exp = opts.expires.unwrap_or(opts.now + chrono::Duration::days(365));
        if exp <= opts.now {
            return Err(refused(format!("--expires {exp} is not after now ({})", opts.now)));
        }
        let mut p = TrustPolicy::new(exp);
        for k in &opts.root_keys {
            let (key, ident) = root_key_file(k)?;
            p.add_root_key(key, &ident).map_err(refused)?;
        }
        p.set_root_threshold(opts.root_threshold).map_err(refused)?;
        let c = TrustChain::new(p).map_err(Error::unusable)?;
        save_chain(&opts.path, &c)?;
        Ok(TrustStatus::of(&opts.path, &c))
    }

    /// Apply one change to the trust policy at `path` (`secfw trust add-key|remove-key|threshold|
    /// rotate`): a new version when the newest is already signed. A change the policy rules
    /// refuse is [`Error::Refused`]; nothing is written then.
    pub fn trust_edit(path: &Path, edit: &TrustEdit) -> Result<TrustStatus, Error> {
        let mut c = load_chain(path)?;
        let result = match edit {
            TrustEdit::AddKey { role, pubkey, identity } => {
                let (key, comment) = secfw_seal::load_public_key(pubkey)?;
                let Some(id) = identity.clone().or(comment) else {
                    return Err(refused(format!("{} names no identity; pass --identity NAME", pubkey.display())));
                };
                c.edit(|p| p.add_key(*role, key, &id))
            }
            TrustEdit::RemoveKey { key } => {
                let id = keyid_arg(key)?;
                c.edit(|p| p.remove_key(&id))
            }
            TrustEdit::Threshold { role: None, n } => c.edit(|p| p.set_root_threshold(*n)),
            TrustEdit::Threshold { role: Some(role), n } => c.edit(|p| p.set_threshold(*role, *n)),
            TrustEdit::Rotate { add_root, remove_root, root_threshold, expires } => {
                let adds = add_root.iter().map(|k| root_key_file(k)).collect::<Result<Vec<_>, _>>()?;
                let removes: Vec<String> = remove_root.iter().map(|k| keyid_arg(k)).collect::<Result<_, _>>()?;
                c.edit(|p| {
                    for (k, i) in &adds {
                        p.add_root_key(*k, i)?;
                    }
                    for r in &removes {
                        p.remove_root_key(r)?;
                    }
                    if let Some(n) = root_threshold {
                        p.set_root_threshold(*n)?;
                    }
                    if let Some(e) = expires {
                        p.expires = *e;
                    }
                    Ok(())
                })
            }
        };
        result.map_err(refused)?;
        save_chain(path, &c)?;
        Ok(TrustStatus::of(path, &c))
    }

    /// Sign the newest version of the trust policy at `path` with the root key in `key`
    /// (`secfw trust sign`).
    pub fn trust_sign(path: &Path, key: &Path, allow_insecure_key_permissions: bool) -> Result<TrustStatus, Error> {
        let mut c = load_chain(path)?;
        let k = secfw_seal::load_signing_key(key, allow_insecure_key_permissions)?;
        c.sign(&k).map_err(refused)?;
        save_chain(path, &c)?;
        let mut st = TrustStatus::of(path, &c);
        st.signed_with = Some(k.public().keyid());
        Ok(st)
    }

    /// The newest version of the trust policy at `path`, its signature status, roles and
    /// problems at `now` (`secfw trust show`).
    pub fn trust_show(path: &Path, now: DateTime<Utc>) -> Result<TrustShowReport, Error> {
        let c = load_chain(path)?;
        let t = &c.latest().policy;
        let keys = |ids: &[String]| -> Vec<ShownKey> {
            ids.iter()
                .map(|k| ShownKey {
                    identity: t.keys.get(k).map_or_else(|| "?".to_owned(), |x| x.identity.clone()),
                    keyid: k.clone(),
                })
                .collect()
        };
        let mut roles =
            vec![ShownRole { role: "root".to_owned(), threshold: t.root.threshold, keys: keys(&t.root.keyids) }];
        for (role, d) in &t.roles {
            roles.push(ShownRole { role: role.to_string(), threshold: d.threshold, keys: keys(&d.keyids) });
        }
        let mut problems = t.problems(now);
        if let Err(e) = c.verify(now, None) {
            problems.push(e);
        }
        Ok(TrustShowReport { status: TrustStatus::of(path, &c), digest: c.latest().digest(), roles, problems })
    }

    /// An OpenSSH `allowed_signers` file of the trust policy at `path`, for
    /// `ssh-keygen -Y verify` (`secfw trust allowed-signers`).
    pub fn trust_allowed_signers(path: &Path) -> Result<String, Error> {
        Ok(load_chain(path)?.latest().policy.allowed_signers(secfw_seal::sshsig::NAMESPACE))
    }
}
