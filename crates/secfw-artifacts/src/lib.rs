#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

// Public namespaces: each groups items whose names only make sense qualified. Everything else
// lives in a private module and is re-exported below under a name that says what it is.
pub mod codes;
mod diag;
mod escape;
mod exceptions;
mod free;
pub mod journal;
mod lock;
mod markdown;
pub mod model;
mod policy;
mod read;
mod render;
mod schema;
mod sha256;
mod source;
mod spans;
mod spec;
pub mod speclint;
pub mod state;
mod target;
pub mod template;
mod workspace;
mod write;
pub mod yaml;

use std::path::PathBuf;

pub use diag::{Code, Diagnostic, Level, Pos, Related, Summary, rewrite_would_lose, sort_diagnostics};
pub use escape::markup as escape_markup;
pub use exceptions::{
    ACTIVE_SECTION_WORDS, ARCHIVE_SECTION_WORDS, Exception, ExceptionKind, ExceptionRegistry, SectionStatus,
    VEX_JUSTIFICATIONS, append as append_exception, parse as parse_exceptions, render as render_exceptions,
    section_status,
};
pub use free::drop_aside;
pub use lock::{DEFAULT_TIMEOUT as LOCK_DEFAULT_TIMEOUT, LOCK_FILE, TIMEOUT_ENV as LOCK_TIMEOUT_ENV, WorkspaceLock};
pub use markdown::{
    escape_inline as escape_markdown_inline, is_id as is_prefixed_id, is_invisible, options as markdown_options,
};
pub use model::common::{Date, LifecycleState, MAX_DAYS, Severity, Timestamp, add_days_saturating, add_saturating};
pub use model::findings::{Finding, FindingStatus, FindingsFile, ScanRecord, ScanStatus};
pub use model::inventory::{Inventory, Resource};
pub use model::rulebook::Rulebook;
pub use policy::{
    Control, Policy, PolicyMap, PolicyMapMetadata, parse as parse_policy_map, render as render_policy_map,
};
pub use read::{Links, open_regular, read_regular};
#[cfg(unix)]
pub use read::{O_NOFOLLOW, O_NONBLOCK};
pub use render::render as render_diagnostic;
pub use schema::all as schemas;
pub use sha256::{DigestError, DigestErrorKind, Seal, Sha256Digest};
pub use source::{
    DEFAULT_MAX_FILE_BYTES, SourceFile, decode as decode_artifact, line_spans, lines, pos_of, prefix_at, read_artifact,
};
pub use spans::Spans;
pub use spec::{
    REQUIRED_SECTIONS as SPEC_REQUIRED_SECTIONS, SecuritySpec, SpecFrontMatter, SpecSection, SpecStatus,
    parse as parse_security_spec,
};
pub use target::{
    Purl, VersionOp, VersionRange, VersionScheme, is_advisory_id, is_gitleaks_fingerprint, is_known_advisory_id,
    package_of_location,
};
pub use workspace::{
    LedgerChecks, LoadOptions, LoadedWorkspace, PARALLEL_LEDGER_BYTES, PieceRefused, check_findings_canonical,
    check_findings_canonical_piece, check_findings_canonical_pieces, check_root, file_names, findings_parses,
    is_fingerprint, ledger_checks, load, load_sources, parse_findings, parse_findings_canonical, parse_inventory,
    parse_rulebook, parse_vex_record,
};
pub use write::{
    TEMP_PREFIX, create_dirs_nofollow, write_atomic, write_atomic_meta, write_atomic_meta_if, write_atomic_meta_with,
    write_atomic_under, write_atomic_under_mode,
};

/// The error type of `secfw-artifacts`: failures that are not about an artifact's content
/// (those are [`Diagnostic`]s).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workspace directory cannot be used.
    #[error("{path}: not a security workspace: {reason}")]
    NotAWorkspace {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The workspace directory cannot be read (it does not exist, or no permission).
    #[error("{path}: not a security workspace: {source}")]
    WorkspaceUnreadable {
        /// The directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An I/O operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The workspace lock is held by another command past the timeout (code `SF0008`,
    /// naming the lock file), or cannot be taken.
    #[error("{}{}", .0, .0.hint.as_deref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Locked(Box<Diagnostic>),
    /// A value could not be serialized.
    #[error("cannot serialize: {0}")]
    Serialize(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// An artifact is invalid (carries its diagnostics).
    #[error("{} is invalid: {}", .file, .diagnostics.first().map_or_else(String::new, ToString::to_string))]
    Invalid {
        /// The artifact.
        file: String,
        /// Its problems.
        diagnostics: Vec<Diagnostic>,
    },
}
