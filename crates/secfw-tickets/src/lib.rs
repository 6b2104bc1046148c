#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

// Public namespaces: `codes`, and `http` (the HTTP delivery `secfw-notify` shares, whose items
// read well only qualified). Everything else is re-exported below.
mod apply;
pub mod codes;
pub mod http;
mod ledger;
mod plan;

use std::path::PathBuf;

pub use apply::{
    AppliedAction, ApplyOptions, ApplyReport, Endpoint, LOCK_FILE as APPLY_LOCK_FILE, apply, apply_with_sleep,
};
pub use ledger::{AppliedRecord, JOURNAL_FILE, JournalEntry, LEDGER_FILE, LEDGER_VERSION, Ledger, TicketRecord};
pub use plan::{
    ActionKind, ActionRequest, ApprovalRequest, ExceptionNote, KeySource, MissingApproval, PLAN_SCHEMA, PlanSummary,
    PlannedAction, REQUEST_SCHEMA, Ticket, TicketPlan, plan, plan_dir, plan_governed, plan_summary,
    plan_summary_governed, plan_with_ledger,
};

/// The error type of `secfw-tickets`.
///
/// Problems with the workspace's artifacts are [`secfw_artifacts::Diagnostic`]s; an error means
/// the plan or the apply could not be made at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `sec_findings.yaml` is missing or invalid ([`codes::FINDINGS_UNUSABLE`]).
    #[error("[{}] cannot plan tickets: sec_findings.yaml is missing or invalid ({} error(s)); fix it first (`secfw validate`)", codes::FINDINGS_UNUSABLE, .diagnostics.len())]
    FindingsUnusable {
        /// The errors of `sec_findings.yaml`.
        diagnostics: Vec<secfw_artifacts::Diagnostic>,
    },
    /// The ticket ledger cannot be used ([`codes::LEDGER_INVALID`], [`codes::LEDGER_VERSION`]).
    #[error("{}", .0)]
    Ledger(secfw_artifacts::Diagnostic),
    /// The webhook refused an action with HTTP 3xx/4xx ([`codes::ENDPOINT_REJECTED`]). Actions
    /// before it are applied and recorded; the refused one and those after it are not.
    #[error(
        "[{}] the endpoint refused the {action} action for `{key}` with HTTP {status}: {body}; {applied} action(s) applied before it, {remaining} not applied (fix the cause and run apply again: applied actions are skipped)",
        codes::ENDPOINT_REJECTED
    )]
    Rejected {
        /// The action's kind.
        action: ActionKind,
        /// Its ticket key.
        key: String,
        /// The HTTP status.
        status: u16,
        /// The start of the response body.
        body: String,
        /// Actions applied in this run before the failure.
        applied: usize,
        /// Actions not applied (including this one).
        remaining: usize,
    },
    /// The webhook did not accept an action after every attempt ([`codes::ENDPOINT_UNAVAILABLE`]).
    #[error(
        "[{}] the endpoint did not accept the {action} action for `{key}` after {attempts} attempt(s) (last: {last}); {applied} action(s) applied before it, {remaining} not applied (run apply again to resume)",
        codes::ENDPOINT_UNAVAILABLE
    )]
    Unavailable {
        /// The action's kind.
        action: ActionKind,
        /// Its ticket key.
        key: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        last: http::Failure,
        /// Actions applied in this run before the failure.
        applied: usize,
        /// Actions not applied (including this one).
        remaining: usize,
    },
    /// The endpoint URL cannot be used ([`codes::ENDPOINT_INVALID`]).
    #[error("[{}] endpoint `{url}` cannot be used: {reason}", codes::ENDPOINT_INVALID)]
    InvalidEndpoint {
        /// The URL, redacted ([`http::redact_url`]: scheme, host and port; a path or query,
        /// where webhook URLs carry secrets, is never shown).
        url: String,
        /// Why.
        #[source]
        reason: http::EndpointProblem,
    },
    /// Reading or writing the ledger failed.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
    /// An I/O operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
