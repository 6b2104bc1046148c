//! The lifecycle's PACKAGED and EXECUTED entry criteria, as plain functions so the lifecycle
//! crate (which sits above this one) can wrap them in its `SealCheck` trait.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::trust::TrustPolicy;
use crate::verify::{VerifyOptions, verify_manifest};
use crate::{names, package};

/// The conventional file name of a trust policy. It is never read from inside the workspace
/// being verified (see [`crate::trust::load_anchor`]): a trust policy that an attacker can edit
/// protects nothing.
pub const DEFAULT_TRUST_FILE: &str = "secfw-trust.json";

/// Whether a criterion holds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// Holds.
    pub met: bool,
    /// Evidence when met; the reason and what to do when not.
    pub detail: String,
    /// The seal, when one was verified.
    pub seal: Option<secfw_artifacts::Seal>,
    /// What the check hashed and reused.
    pub stats: crate::files::HashStats,
}

fn unmet(detail: impl Into<String>) -> Outcome {
    Outcome { met: false, detail: detail.into(), seal: None, stats: crate::files::HashStats::default() }
}

/// Load the root of trust for the workspace `root` at `now`: `path` must lie outside `root`,
/// be a completely signed chain not older than the version `root` pinned
/// (`.secfw/trust-state.json`), and its newest version must be usable at `now`.
pub fn load_trust(path: &Path, root: &Path, now: DateTime<Utc>) -> Result<TrustPolicy, String> {
    let t =
        crate::trust::load_pinned_anchor(Some(path), root, None, now, Some(root)).map_err(|e| e.to_string())?.policy;
    let p = t.problems(now);
    if p.is_empty() { Ok(t) } else { Err(format!("{}: {}", path.display(), p.join("; "))) }
}

/// PACKAGED: the manifest in `root` is generated, every checksum matches, it is sealed and
/// signed per the trust policy (every role's threshold), and no open critical finding was sealed.
pub fn manifest_sealed(root: &Path, trust: &TrustPolicy, opts: &VerifyOptions) -> Outcome {
    let mut o = opts.clone();
    o.require_critical_zero = true;
    let r = verify_manifest(&root.join(names::MANIFEST), trust, &o);
    if r.passed() {
        Outcome {
            met: true,
            detail: format!("{} verified: {} check(s) passed", names::MANIFEST, r.checks.len()),
            seal: r.seal,
            stats: r.stats,
        }
    } else {
        let why: Vec<String> =
            r.checks.iter().filter(|c| !c.passed).map(|c| format!("{}: {}", c.name, c.detail)).collect();
        unmet(format!(
            "the handoff manifest does not verify ({}); run `secfw generate-manifest`, collect signatures with `secfw sign-manifest`",
            why.join("; ")
        ))
    }
}

/// EXECUTED: the newest package in `root/.secfw/packages` verifies completely (seal, signatures,
/// thresholds, checksums) and carries the seal of the manifest in `root`.
pub fn package_verified(root: &Path, trust: &TrustPolicy, opts: &VerifyOptions) -> Outcome {
    let Some(latest) = package::list_packages(root).pop() else {
        return unmet("no package in .secfw/packages; run `secfw package`");
    };
    let current =
        crate::verify::read_seal_file(&root.join(names::STATEMENT), crate::statement::MAX_PAYLOAD_BYTES as u64)
            .ok()
            .map(|b| crate::seal_of(&b));
    match package::verify_archive(&latest, trust, opts) {
        Ok(r) if r.passed() && r.seal == current => Outcome {
            met: true,
            detail: format!(
                "package {} verified",
                latest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            ),
            seal: r.seal,
            stats: r.stats,
        },
        Ok(r) if r.passed() => unmet(format!(
            "package {} carries seal {}, not the current manifest's; run `secfw package` again",
            latest.display(),
            r.seal.map(|s| s.to_string()).unwrap_or_default()
        )),
        Ok(r) => unmet(format!("package {} does not verify: {}", latest.display(), r.failed_names().join(", "))),
        Err(e) => unmet(format!("package {}: {e}", latest.display())),
    }
}
