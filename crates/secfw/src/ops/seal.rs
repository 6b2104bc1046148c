//! Sealed handoffs: generate, sign and verify the manifest; package, unpack and roll back.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use secfw_artifacts::Seal;
use secfw_seal::{Anchor, load_pinned_anchor};
use secfw_seal::{Check, SealState};
use secfw_seal::{GenerateOptions, SignOptions, VerifyOptions, names};
use serde::Serialize;

use super::Outcome;
use crate::{Error, Workspace};

/// Where the root of trust comes from: a signed trust policy file from outside the verified
/// tree, optionally pinned by digest (a pinned policy may lie anywhere).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct TrustSource {
    /// The trust policy file.
    pub path: Option<PathBuf>,
    /// `sha256:<hex>` of the file.
    pub digest: Option<String>,
}

impl TrustSource {
    /// The policy at `path`, pinned by `digest` when given.
    pub fn new(path: Option<PathBuf>, digest: Option<String>) -> Self {
        Self { path, digest }
    }

    /// The anchor for an operation on `tree` at `now`, not older than the version `pinned_by`
    /// (a workspace) recorded.
    fn anchor(
        &self,
        tree: &Path,
        now: chrono::DateTime<chrono::Utc>,
        pinned_by: Option<&Path>,
    ) -> Result<Anchor, Error> {
        Ok(load_pinned_anchor(self.path.as_deref(), tree, self.digest.as_deref(), now, pinned_by)?)
    }
}

/// The trust policy a verification used.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct TrustUsed {
    /// The file.
    pub path: PathBuf,
    /// Its newest version.
    pub version: u64,
    /// `sha256:<hex>` of that version's signed payload.
    pub digest: Seal,
    /// `sha256:<hex>` of the whole file.
    pub file_digest: Seal,
}

impl From<&Anchor> for TrustUsed {
    fn from(a: &Anchor) -> Self {
        Self { path: a.path.clone(), version: a.version, digest: a.digest, file_digest: a.file_digest }
    }
}

/// How a sealed handoff is verified: the root of trust, what to require, and the last accepted
/// manifest (shared by verify, package, unpack and rollback).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Verification {
    /// The root of trust.
    pub trust: TrustSource,
    /// What to require (its `state`, when `None`, is read from `state_file`).
    pub verify: VerifyOptions,
    /// A state file of the last accepted manifest (refuses rollbacks and broken chains; default:
    /// the workspace's `.secfw/seal-state.json`).
    pub state_file: Option<PathBuf>,
}

impl Verification {
    /// Verify against `trust` with `verify`.
    pub fn new(trust: TrustSource, verify: VerifyOptions) -> Self {
        Self { trust, verify, state_file: None }
    }

    /// With a state file.
    #[must_use]
    pub fn state_file(mut self, path: Option<PathBuf>) -> Self {
        self.state_file = path;
        self
    }

    /// The verify options with `state` read from the state file when not set and it exists.
    fn options(&self) -> Result<VerifyOptions, Error> {
        let mut verify = self.verify.clone();
        if verify.state.is_none()
            && let Some(f) = &self.state_file
            && f.exists()
        {
            verify.state = Some(SealState::load(f)?);
        }
        Ok(verify)
    }

    fn anchor(&self, tree: &Path, pinned_by: Option<&Path>) -> Result<Anchor, Error> {
        self.trust.anchor(tree, self.verify.now, pinned_by)
    }
}

/// The report of a manifest verification (`secfw verify-manifest --format json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct VerifyReport {
    /// `true` when every check passed.
    pub passed: bool,
    /// The seal, when the payload could be read.
    pub seal: Option<Seal>,
    /// Names of the checks that failed.
    pub failed: Vec<String>,
    /// Every check run.
    pub checks: Vec<Check>,
    /// Keyids of the distinct trusted keys whose signatures verified.
    pub accepted_keyids: Vec<String>,
    /// The trust policy used.
    pub trust: Option<TrustUsed>,
    /// The seal crate's full report (for rendering).
    #[serde(skip)]
    pub detail: secfw_seal::VerifyReport,
}

impl Outcome for VerifyReport {
    fn passed(&self) -> bool {
        self.passed
    }
}

impl VerifyReport {
    fn new(r: secfw_seal::VerifyReport, anchor: Option<&Anchor>) -> Self {
        Self {
            passed: r.passed(),
            seal: r.seal,
            failed: r.failed_names().iter().map(ToString::to_string).collect(),
            checks: r.checks.clone(),
            accepted_keyids: r.accepted_keyids.clone(),
            trust: anchor.map(TrustUsed::from),
            detail: r,
        }
    }
}

/// The report of [`Workspace::generate_manifest`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct GenerateReport {
    /// Files sealed.
    pub files: usize,
    /// The project.
    pub project: String,
    /// The manifest's sequence.
    pub sequence: u64,
    /// The seal of the statement.
    pub seal: Seal,
    /// The manifest written.
    pub manifest: PathBuf,
}

/// The report of [`Workspace::package`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct PackageReport {
    /// The archive written.
    pub path: PathBuf,
    /// Entries in it.
    pub entries: usize,
    /// The manifest's sequence.
    pub sequence: u64,
    /// The seal it carries.
    pub seal: Seal,
}

/// The report of [`Workspace::unpack`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct UnpackReport {
    /// The package.
    pub package: PathBuf,
    /// Where it was extracted.
    pub target: PathBuf,
    /// Its seal.
    pub seal: Option<Seal>,
}

/// The report of [`Workspace::rollback`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct RollbackReport {
    /// The workspace restored.
    pub dir: PathBuf,
    /// The package restored.
    pub package: PathBuf,
    /// Its seal.
    pub seal: Option<Seal>,
}

/// The directory of a manifest path (`.` for a bare file name).
pub(crate) fn dir_of(manifest: &Path) -> PathBuf {
    match manifest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The workspace a package lies in, when it is under `WS/.secfw/packages/`.
fn source_workspace(package: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(package).ok()?;
    let packages = abs.parent()?;
    let secfw_dir = packages.parent()?;
    (packages.file_name()? == "packages" && secfw_dir.file_name()? == ".secfw")
        .then(|| secfw_dir.parent())
        .flatten()
        .map(Path::to_path_buf)
}

impl Workspace {
    /// Hash every artifact and evidence file and write the canonical in-toto statement, an
    /// unsigned DSSE envelope and `handoff_manifest.yaml`, under the workspace lock.
    pub fn generate_manifest(dir: &Path, opts: &GenerateOptions) -> Result<GenerateReport, Error> {
        let _lock = crate::workspace::lock_dir(dir)?;
        let g = secfw_seal::generate_manifest(dir, opts)?;
        let p = &g.statement.predicate;
        Ok(GenerateReport {
            files: p.artifacts.len(),
            project: p.project.clone(),
            sequence: p.sequence,
            seal: g.seal,
            manifest: dir.join(names::MANIFEST),
        })
    }

    /// Verify the manifest at `manifest`, then add the signature of the private key in the file
    /// `key` for the role the trust policy gives it, under the lock of the manifest's workspace.
    /// A key file that group or others can access is refused unless
    /// `allow_insecure_key_permissions`.
    pub fn sign_manifest(
        manifest: &Path,
        trust: &TrustSource,
        key: &Path,
        allow_insecure_key_permissions: bool,
        opts: &SignOptions,
    ) -> Result<secfw_seal::Signed, Error> {
        let dir = dir_of(manifest);
        let _lock = crate::workspace::lock_dir(&dir)?;
        let anchor = trust.anchor(&dir, opts.verify.now, Some(&dir))?;
        let key = secfw_seal::load_signing_key(key, allow_insecure_key_permissions)?;
        Ok(secfw_seal::sign_manifest(manifest, &anchor.policy, &key, opts)?)
    }

    /// Verify a sealed handoff (`manifest` is its `handoff_manifest.yaml`). A pass is recorded
    /// as the last accepted manifest (in the state file when one is given and `update_state`,
    /// else in the workspace) and raises the workspace's trust pin; a failure is an `Ok` report
    /// that did not pass.
    pub fn verify_manifest(manifest: &Path, v: &Verification, update_state: bool) -> Result<VerifyReport, Error> {
        let dir = dir_of(manifest);
        let anchor = v.anchor(&dir, Some(&dir))?;
        let r = secfw_seal::verify_manifest(manifest, &anchor.policy, &v.options()?);
        if r.passed() {
            match (&v.state_file, SealState::of_report(&r)) {
                (Some(path), Some(st)) if update_state => st.save(path)?,
                (Some(_), _) => {}
                (None, _) => secfw_seal::record_accepted(&dir, &r)?,
            }
            anchor.pin().raise_workspace(&dir)?;
        }
        Ok(VerifyReport::new(r, Some(&anchor)))
    }

    /// Verify the sealed workspace at `dir` and write a reproducible package archive, under the
    /// lock.
    pub fn package(dir: &Path, v: &Verification) -> Result<PackageReport, Error> {
        let _lock = crate::workspace::lock_dir(dir)?;
        let anchor = v.anchor(dir, Some(dir))?;
        let p = secfw_seal::package(dir, &anchor.policy, &v.options()?)?;
        Ok(PackageReport { path: p.path, entries: p.entries.len(), sequence: p.sequence, seal: p.seal })
    }

    /// Verify `package` completely, then extract it into `target`, an empty or new directory. A
    /// package kept in a workspace (`WS/.secfw/packages/x.tar`) is bound to that workspace's
    /// project, trust pin and last accepted sequence unless `v` says otherwise.
    pub fn unpack(package: &Path, target: &Path, v: &Verification) -> Result<UnpackReport, Error> {
        let src = source_workspace(package);
        let anchor = v.anchor(target, src.as_deref())?;
        let mut o = v.options()?;
        if let Some(ws) = src {
            if o.expect_project.is_none() && !o.any_project {
                o.expect_project = secfw_seal::workspace_project(&ws);
            }
            if o.state.is_none() {
                o.state = SealState::load_workspace(&ws)?;
            }
        }
        let r = secfw_seal::unpack(package, target, &anchor.policy, &o)?;
        Ok(UnpackReport { package: package.to_path_buf(), target: target.to_path_buf(), seal: r.seal })
    }

    /// Restore the workspace at `dir` from `package` (default: the one before the current seal's,
    /// [`secfw_seal::rollback_candidate`]), verified first, under the lock. A rollback is
    /// a deliberate downgrade: the workspace then accepts the restored seal. Set
    /// `v.verify.allow_expired` to restore an expired manifest.
    pub fn rollback(dir: &Path, package: Option<&Path>, v: &Verification) -> Result<RollbackReport, Error> {
        let _lock = crate::workspace::lock_dir(dir)?;
        let anchor = v.anchor(dir, Some(dir))?;
        let package = match package {
            Some(p) => p.to_path_buf(),
            None => secfw_seal::rollback_candidate(dir, secfw_seal::current_seal(dir).as_ref())
                .ok_or_else(|| Error::unusable("no previous package in .secfw/packages; pass --package FILE"))?,
        };
        let r = secfw_seal::restore(&package, dir, &anchor.policy, &v.options()?)?;
        if let Some(st) = SealState::of_report(&r) {
            st.save_workspace(dir)?;
        }
        anchor.pin().raise_workspace(dir)?;
        Ok(RollbackReport { dir: dir.to_path_buf(), package, seal: r.seal })
    }
}
