//! `sign-manifest`: verify the current state, then add one DSSE signature for the role the trust
//! policy gives the key, optionally with an SSHSIG sidecar, and re-render the YAML view.

use std::path::{Path, PathBuf};

use secfw_artifacts::Diagnostic;
use secfw_artifacts::write_atomic_under;

use crate::dsse::{Envelope, EnvelopeSignature, b64_encode, pae};
use crate::keys::SigningKey;
use crate::render::render_yaml;
use crate::trust::{Role, TrustPolicy};
use crate::verify::{CheckName, VerifyOptions, VerifyReport, verify_manifest};
use crate::{Error, codes, names, sshsig};

/// Options of [`sign_manifest`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SignOptions {
    /// The signer's identity; must equal the trust policy's identity for the key.
    pub identity: String,
    /// Also write `handoff.statement.json.<keyid8>.sig` (SSHSIG, for `ssh-keygen -Y verify`).
    pub sshsig: bool,
    /// How the current state is verified first (thresholds are not required yet).
    pub verify: VerifyOptions,
}

impl SignOptions {
    /// Sign as `identity`, verifying with `verify`.
    pub fn new(identity: impl Into<String>, verify: VerifyOptions) -> Self {
        Self { identity: identity.into(), sshsig: false, verify }
    }

    /// Also write an SSHSIG sidecar.
    #[must_use]
    pub fn sshsig(mut self, on: bool) -> Self {
        self.sshsig = on;
        self
    }
}

/// What [`sign_manifest`] did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Signed {
    /// The role signed in.
    pub role: Role,
    /// The key's keyid.
    pub keyid: String,
    /// The SSHSIG sidecar written, if any.
    pub sidecar: Option<PathBuf>,
    /// Verification after signing (thresholds may still be unmet).
    pub report: VerifyReport,
}

/// Sign the manifest at `manifest` with `key`.
pub fn sign_manifest(
    manifest: &Path,
    trust: &TrustPolicy,
    key: &SigningKey,
    opts: &SignOptions,
) -> Result<Signed, Error> {
    let mut all = sign_manifest_all(manifest, trust, &[(key, opts)])?;
    all.pop().ok_or(Error::NoSigner)
}

/// Sign the manifest at `manifest` with every key in `signers` (each with its own identity and
/// sidecar choice) in one call: the current state is verified once before the first signature
/// and once after the last (the second verification reuses the first one's digests for files
/// whose identity did not change, [`VerifyOptions::known`](crate::VerifyOptions::known)), the
/// envelope and the YAML view are written once. Every key is checked (trusted, identity,
/// not already signed, not given twice) before anything is written. The verification options
/// are the first signer's.
pub fn sign_manifest_all(
    manifest: &Path,
    trust: &TrustPolicy,
    signers: &[(&SigningKey, &SignOptions)],
) -> Result<Vec<Signed>, Error> {
    let dir = match manifest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some((_, first)) = signers.first() else {
        return Ok(Vec::new());
    };
    let checked = check_signers(trust, signers)?;
    let before = verify_before(manifest, trust, &first.verify)?;
    refuse_second_signatures(&before, &checked)?;
    let written = write_signatures(&dir, manifest, &before, &checked)?;
    let mut after_opts = first.verify.clone();
    let mut known = after_opts.known.as_deref().cloned().unwrap_or_default();
    known.merge(&before.known);
    after_opts.known = Some(std::sync::Arc::new(known));
    let mut report = verify_manifest(manifest, trust, &after_opts);
    report.stats.add(&before.stats);
    Ok(checked
        .into_iter()
        .zip(written)
        .map(|(c, sidecar)| Signed { role: c.role, keyid: c.keyid, sidecar, report: report.clone() })
        .collect())
}

/// A signer whose key the trust policy knows under the identity it signs as.
struct Checked<'a> {
    key: &'a SigningKey,
    opts: &'a SignOptions,
    role: Role,
    identity: String,
    keyid: String,
}

/// Every key is in the trust policy, under the identity it signs as.
fn check_signers<'a>(
    trust: &TrustPolicy,
    signers: &[(&'a SigningKey, &'a SignOptions)],
) -> Result<Vec<Checked<'a>>, Error> {
    let mut checked = Vec::new();
    for (key, opts) in signers {
        let public = key.public();
        let keyid = public.keyid();
        let Some((role, tk)) = trust.lookup(&public) else {
            return Err(Error::rejected(
                Diagnostic::error(
                    codes::KEY_NOT_TRUSTED,
                    "trust policy",
                    format!("key {keyid} is not in the trust policy"),
                )
                .with_hint("add it first: secfw trust add-key --trust FILE --role ROLE PUBKEY"),
            ));
        };
        if tk.identity != opts.identity {
            return Err(Error::rejected(
                Diagnostic::error(
                    codes::IDENTITY_MISMATCH,
                    "trust policy",
                    format!("key {keyid} belongs to `{}` in the trust policy, not `{}`", tk.identity, opts.identity),
                )
                .with_hint("sign with your own key and identity"),
            ));
        }
        checked.push(Checked { key, opts, role, identity: tk.identity.clone(), keyid });
    }
    Ok(checked)
}

/// Verify the current state first; only thresholds (and an empty envelope) may be unmet.
fn verify_before(manifest: &Path, trust: &TrustPolicy, verify: &VerifyOptions) -> Result<VerifyReport, Error> {
    let mut vo = verify.clone();
    vo.check_thresholds = false;
    let before = verify_manifest(manifest, trust, &vo);
    let tolerable = |c: &crate::verify::Check| {
        c.passed
            || matches!(c.name, CheckName::Signatures)
            || (c.name == CheckName::Envelope && c.diagnostics.iter().all(|d| d.message.contains("no signatures")))
    };
    if !before.checks.iter().all(tolerable) || before.statement.is_none() {
        return Err(Error::Verification(Box::new(before)));
    }
    Ok(before)
}

/// Each key signs once: not one that already signed, not one given twice.
fn refuse_second_signatures(before: &VerifyReport, checked: &[Checked<'_>]) -> Result<(), Error> {
    let mut seen: Vec<&str> = before.accepted_keyids.iter().map(String::as_str).collect();
    for c in checked {
        if seen.contains(&c.keyid.as_str()) {
            return Err(Error::rejected(
                Diagnostic::error(
                    codes::DUPLICATE_SIGNATURE,
                    names::ENVELOPE,
                    format!("the envelope already has a signature by key {} ({})", c.keyid, c.identity),
                )
                .with_hint("each key signs once; another signer must add the next signature"),
            ));
        }
        seen.push(&c.keyid);
    }
    Ok(())
}

/// Add every signature to the envelope, write it once, the SSHSIG sidecars asked for and the
/// YAML view; returns the sidecar written per signer.
fn write_signatures(
    dir: &Path,
    manifest: &Path,
    before: &VerifyReport,
    checked: &[Checked<'_>],
) -> Result<Vec<Option<PathBuf>>, Error> {
    let ep = dir.join(names::ENVELOPE);
    let bytes = crate::verify::read_seal_file(&ep, crate::dsse::MAX_ENVELOPE_BYTES)
        .map_err(|m| Error::rejected(Diagnostic::error(codes::SEAL_FILE, names::ENVELOPE, m)))?;
    let mut env =
        Envelope::parse(&bytes).map_err(|m| Error::rejected(Diagnostic::error(codes::ENVELOPE, names::ENVELOPE, m)))?;
    let body = env.body().map_err(|m| Error::rejected(Diagnostic::error(codes::ENVELOPE, names::ENVELOPE, m)))?;
    let message = pae(&env.payload_type, &body);
    let mut signers_seen = before.signers.clone();
    let mut sidecars = Vec::new();
    for c in checked {
        let sig = c.key.sign(&message);
        env.signatures.push(EnvelopeSignature { keyid: Some(c.keyid.clone()), sig: b64_encode(&sig) });
        signers_seen.add(c.role, &c.identity);
        sidecars.push(if c.opts.sshsig {
            let name = format!("{}.{}.sig", names::STATEMENT, c.keyid.get(..8).unwrap_or(&c.keyid));
            Some((name, sshsig::sign(c.key, sshsig::NAMESPACE, &body)))
        } else {
            None
        });
    }
    write_atomic_under(dir, Path::new(names::ENVELOPE), &env.to_json())?;
    let mut written = Vec::new();
    for s in sidecars {
        written.push(match s {
            Some((name, text)) => {
                write_atomic_under(dir, Path::new(&name), text.as_bytes())?;
                Some(dir.join(name))
            }
            None => None,
        });
    }
    if let (Some(st), Some(seal)) = (&before.statement, &before.seal) {
        let name = manifest.file_name().map_or_else(|| PathBuf::from(names::MANIFEST), PathBuf::from);
        write_atomic_under(dir, &name, render_yaml(st, &seal.to_string(), &signers_seen).as_bytes())?;
    }
    Ok(written)
}
