//! The application layer: one typed options struct and one typed report per user-level
//! operation. The `secfw` CLI is a thin client of these: it parses arguments, calls a
//! [`Workspace`](crate::Workspace) method (or an associated function for operations that have no
//! workspace yet) and prints the report; `--format json` prints the report serialized, whose
//! JSON Schema is committed under `schemas/cli/` (see [`schemas`]).
//!
//! Every options struct takes the evaluation time (`now`) explicitly; every report is
//! `#[non_exhaustive]` (new fields are not breaking changes) and `Serialize`.

mod baseline;
mod cycle;
mod enrich;
mod exceptions;
mod export;
mod gate;
mod ingest;
mod init;
mod lifecycle;
mod metrics;
mod notify;
mod seal;
mod spec;
mod suppress;
mod tickets;
mod trust;
mod validate;

use schemars::JsonSchema;
use secfw_artifacts::{Diagnostic, Summary};
use serde::Serialize;

pub use baseline::BaselineGateOptions;
pub use exceptions::{ExceptionsCheckOptions, ExceptionsCheckReport, VexInOptions, VexInReport, VexInRow};
pub use export::ExportOptions;
pub use gate::{GatesOptions, GatesReport};
pub use ingest::{IngestOptions, IngestReport, IngestedReport, KeptOpen, Rerated};
pub use init::InitOptions;
pub use lifecycle::{AdvanceOptions, LogVerifyReport, SealChecks, StatusOptions};
pub use metrics::{DigestOptions, DigestReport, MetricsOptions, MetricsReport, Period};
pub use seal::{
    GenerateReport, PackageReport, RollbackReport, TrustSource, TrustUsed, UnpackReport, Verification, VerifyReport,
};
/// Options of [`crate::Workspace::enrich`]: the library's own type.
pub use secfw_enrich::EnrichOptions;
pub use spec::{SpecLintOptions, SpecLintReport, SpecLintSummary};
pub use suppress::{
    CompileOptions, CompileReport, CompileTarget, CompiledFile, FileState, VexDocument, VexFormat, VexOptions,
};
pub use trust::{
    KeygenOptions, KeygenReport, ShownKey, ShownRole, Signatures, SigstoreBundleReport, TrustEdit, TrustInitOptions,
    TrustShowReport, TrustStatus,
};
pub use validate::{ValidateReport, Verdict};

pub mod schemas;

/// Counts of `diagnostics` by level and the verdict: the one summary vocabulary of every checking
/// report (`validate`, `spec lint`).
pub(crate) fn verdict(diagnostics: &[Diagnostic], valid: bool) -> Verdict {
    let Summary { errors, warnings, notes, .. } = Summary::of(diagnostics);
    Verdict { errors, warnings, notes, valid }
}

/// A report and the exit status it implies, for clients that map reports to exit codes.
pub trait Outcome {
    /// `true` when the operation's answer is "yes" (valid, passed, verified, advanced).
    fn passed(&self) -> bool;
}

#[derive(Serialize, JsonSchema)]
#[allow(dead_code)] // documents the shape of the diagnostic list every report embeds
struct DiagnosticList(Vec<Diagnostic>);
