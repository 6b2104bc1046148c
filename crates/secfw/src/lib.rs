#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

// Re-exports make this the one-stop crate: an embedding tool depends on `secfw` alone. Their
// major versions move together with this crate's, since their APIs are exposed directly.
pub use secfw_artifacts as artifacts;
pub use secfw_digest as digest;
pub use secfw_enrich as enrich;
pub use secfw_export as export;
pub use secfw_gates as gates;
pub use secfw_governance as governance;
pub use secfw_ingest as ingest;
pub use secfw_lifecycle as lifecycle;
pub use secfw_metrics as metrics;
pub use secfw_notify as notify;
pub use secfw_seal as seal;
pub use secfw_suppress as suppress;
pub use secfw_tickets as tickets;

/// The time type every API takes (`DateTime<Utc>`): re-exported so an embedder does not add
/// `chrono` with other features.
pub use chrono;

pub use secfw_artifacts::{Diagnostic, Level, LifecycleState, LoadOptions, Seal, Severity, Sha256Digest, Timestamp};

mod error;
pub mod ops;
mod workspace;

pub use error::{Error, ErrorKind};
pub use ops::Outcome;
pub use workspace::Workspace;

/// An instant, UTC: the `now` every operation takes explicitly.
pub type Time = chrono::DateTime<chrono::Utc>;
