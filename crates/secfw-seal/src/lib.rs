#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

// Public namespaces: the diagnostic codes, the file names, and the wire formats whose items only
// make sense qualified (`dsse::pae`, `jcs::to_vec`, `sshsig::verify`, `statement::Subject`,
// `sigstore::bundles`). Everything else lives in a private module and is re-exported below.
pub mod codes;
mod criteria;
pub mod dsse;
mod files;
mod generate;
mod git;
pub mod jcs;
mod keys;
mod package;
mod render;
mod root;
mod sign;
pub mod sigstore;
pub mod sshsig;
pub mod statement;
mod trust;
mod verify;

use std::path::PathBuf;

use secfw_artifacts::Diagnostic;

pub use criteria::{DEFAULT_TRUST_FILE, Outcome as CriterionOutcome, load_trust, manifest_sealed, package_verified};
pub use dsse::{Envelope, PAYLOAD_TYPE, pae};
pub use files::{
    FileDigest, FileIdentity, HashFailure, HashStats, KnownDigests, MAX_PATH_BYTES, MAX_SEGMENT_BYTES, SETTLE_COARSE,
    SETTLE_FINE, SetProblem, VerifiedPackage, check_path as check_sealed_path, hash_all, hash_all_known, hash_file,
    sealed_set,
};
pub use generate::{
    GenerateOptions, Generated, GitMode, Preloaded, artifact_identities, build_statement, generate_manifest,
    generate_manifest_preloaded,
};
pub use git::GitSnapshot;
pub use keys::{MAX_KEY_BYTES, PublicKey, SigningKey, load_public_key, load_signing_key, pem, write_key_files};
pub use package::{
    MAX_ENTRIES as MAX_PACKAGE_ENTRIES, MAX_PACKAGE_BYTES, PackageInfo, PackageName, current_seal, list_packages,
    package, package_of_seal, packages, restore, rollback_candidate, unpack,
};
pub use render::{Signers, render_yaml as render_manifest_yaml};
pub use root::{
    CHAIN_TYPE as TRUST_CHAIN_TYPE, MAX_VERSIONS as MAX_TRUST_VERSIONS, SignStatus, SignedVersion, TRUST_PAYLOAD_TYPE,
    TrustChain, TrustPin, Verified as VerifiedChain,
};
pub use sign::{SignOptions, Signed, sign_manifest, sign_manifest_all};
pub use statement::{Predicate, Statement};
/// A role in a trust policy (producer, approver, ...): who must sign. Named `SigningRole` here so
/// it does not read as the role of an exception approver
/// (`secfw_governance::ApproverRole`).
pub use trust::Role as SigningRole;
pub use trust::{
    Anchor, MAX_TRUST_BYTES, RoleDef, TRUST_TYPE, TrustPolicy, TrustedKey, fmt_time, is_identity, load_anchor,
    load_pinned_anchor, load_pinned_anchor_outside, parse_time,
};
pub use verify::{
    Check, CheckName, MAX_STATE_BYTES, SealState, VerifyOptions, VerifyReport, record_accepted,
    render_text as render_verify_report, verify_manifest, verify_package, workspace_project,
};

/// File names secfw writes beside the artifacts of a sealed workspace: a public namespace, since
/// the constants read well only qualified (`names::MANIFEST`).
pub mod names {
    /// The signed payload: the in-toto Statement v1, canonical JSON (RFC 8785).
    pub const STATEMENT: &str = "handoff.statement.json";
    /// The DSSE envelope holding every role's signature.
    pub const ENVELOPE: &str = "handoff.intoto.json";
    /// The human view, rendered deterministically from the statement and envelope.
    pub const MANIFEST: &str = "handoff_manifest.yaml";
    /// The last manifest this workspace accepted (project, sequence, seal): the rollback floor.
    pub const STATE: &str = ".secfw/seal-state.json";
    /// The highest trust policy version (and digest) this workspace accepted.
    pub const TRUST_STATE: &str = ".secfw/trust-state.json";
    /// Where packages are kept (rollback source).
    pub const PACKAGES_DIR: &str = ".secfw/packages";
    /// The evidence directory (sealed recursively).
    pub const EVIDENCE_DIR: &str = "evidence";
    /// Digest outputs sealed when present.
    pub const DIGESTS: [&str; 3] = secfw_artifacts::file_names::DIGESTS;
}

/// The error type of `secfw-seal`.
///
/// Problems with user content (a tampered file, a bad key, an unmet threshold) are
/// [`Diagnostic`]s, carried by [`Error::Rejected`] or by a [`VerifyReport`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The artifacts layer failed (workspace unreadable, atomic write failed).
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
    /// The input was refused; the diagnostics say where and why.
    #[error("{}", summarize(.0))]
    Rejected(Vec<Diagnostic>),
    /// Verification failed before an operation that requires a verified state.
    #[error("verification failed: {}", .0.failed_names().join(", "))]
    Verification(Box<VerifyReport>),
    /// A new key could not be generated: the system random generator or Ed25519 key generation
    /// failed (the primitive reports no cause). Nothing was written.
    #[error("crypto: a new Ed25519 key cannot be generated (the system random generator failed)")]
    KeyGeneration,
    /// A signing operation was given no key, so nothing was signed.
    #[error("no signing key was given: nothing was signed")]
    NoSigner,
    /// A manifest was to be generated without a workspace: none was given and none was loaded.
    #[error("no workspace was given or loaded: nothing to seal")]
    NoWorkspace,
    /// The statement cannot be serialized as canonical JSON (JCS).
    #[error("crypto: cannot serialize the statement: {0}")]
    Statement(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }

    pub(crate) fn rejected(d: Diagnostic) -> Self {
        Self::Rejected(vec![d])
    }

    /// The diagnostics this error carries (empty for I/O and crypto failures).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Self::Rejected(d) => d.clone(),
            Self::Verification(r) => r.diagnostics(),
            Self::Artifacts(secfw_artifacts::Error::Invalid { diagnostics, .. }) => diagnostics.clone(),
            _ => Vec::new(),
        }
    }
}

fn summarize(d: &[Diagnostic]) -> String {
    match d {
        [] => "rejected".to_owned(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

/// `sha256:` + lower-case hex SHA-256 of `bytes`: the seal of a payload.
pub fn seal_of(bytes: &[u8]) -> secfw_artifacts::Seal {
    secfw_artifacts::Seal::of(bytes)
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// `true` for an SSHSIG sidecar name, `handoff.statement.json.<keyid8>.sig`.
pub fn is_sidecar_name(n: &str) -> bool {
    n.strip_prefix(names::STATEMENT)
        .and_then(|r| r.strip_prefix('.'))
        .and_then(|r| r.strip_suffix(".sig"))
        .is_some_and(|k| k.len() == 8 && k.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Compare two byte strings without an early exit (length is not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
