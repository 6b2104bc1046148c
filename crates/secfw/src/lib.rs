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

pub use secfw_artifacts::{Diagnostic, Level, LifecycleState, LoadOptions, Severity};

mod workspace;
pub use workspace::Workspace;

/// The facade's error: any of the crates' errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// From `secfw-artifacts`.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
}
