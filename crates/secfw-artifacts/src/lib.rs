#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod codes;
pub mod diag;
pub mod escape;
pub mod exceptions;
pub mod journal;
pub mod lock;
pub mod markdown;
pub mod model;
pub mod policy;
pub mod read;
pub mod render;
pub mod schema;
pub mod source;
pub mod spans;
pub mod spec;
pub mod speclint;
pub mod target;
pub mod template;
pub mod workspace;
pub mod write;
pub mod yaml;

use std::path::PathBuf;

pub use diag::{Code, Diagnostic, Level, Pos, Related, Summary};
pub use exceptions::{Exception, ExceptionKind, ExceptionRegistry};
pub use model::common::{Date, LifecycleState, Severity, Timestamp};
pub use model::findings::{Finding, FindingStatus, FindingsFile, ScanRecord, ScanStatus};
pub use model::inventory::{Inventory, Resource};
pub use model::rulebook::Rulebook;
pub use policy::{Control, Policy, PolicyMap};
pub use source::SourceFile;
pub use spec::SecuritySpec;
pub use workspace::{LoadOptions, LoadedWorkspace, files, load};

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
