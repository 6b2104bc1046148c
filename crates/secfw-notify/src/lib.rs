#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

// Public namespaces: `codes`, `render` (the renderings of one message: `render::text`,
// `render::html`, `render::body`) and `smtp` (the mail transport). Everything else is
// re-exported below.
mod apply;
pub mod codes;
mod config;
mod ledger;
mod plan;
pub mod render;
pub mod smtp;

use std::path::PathBuf;

pub use apply::{ApplyReport, Delivery, apply, apply_with};
pub use config::{Channel, Recipient, lint};
pub use ledger::{
    Event as DeliveryEvent, JOURNAL_FILE, JournalEntry, LEDGER_FILE, LEDGER_VERSION, Ledger, MessageRecord,
    MessageState,
};
pub use plan::{
    Message, NotifyPlan, PLAN_SCHEMA, PlanSummary, Reason, check_acknowledgement, condition_key, escalation_id,
    escalation_occurrence_id, is_escalation_id, message_id, message_occurrence_id, plan, plan_with_ledger,
};

/// The error type of `secfw-notify`.
///
/// An error means no plan or no apply could be made at all; a message that one channel refuses
/// is reported in [`ApplyReport::failed`] and the other messages are still sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rulebook or the workspace cannot be used to plan ([`codes::RULEBOOK_UNUSABLE`],
    /// [`codes::UNKNOWN_CHANNEL`], [`codes::SECRET_IN_RULEBOOK`], [`codes::BAD_RECIPIENT`]).
    #[error("cannot plan notifications: {} error(s) in the configuration{}", .diagnostics.len(), first(.diagnostics))]
    Config {
        /// The errors, located in `rulebook.yaml`.
        diagnostics: Vec<secfw_artifacts::Diagnostic>,
    },
    /// The notification ledger or journal cannot be used ([`codes::LEDGER_INVALID`],
    /// [`codes::LEDGER_VERSION`]).
    #[error("{}", .0)]
    Ledger(secfw_artifacts::Diagnostic),
    /// A channel the plan needs cannot be used; nothing was sent ([`codes::CHANNEL_UNUSABLE`]).
    #[error("{}", .0)]
    Channel(secfw_artifacts::Diagnostic),
    /// Reading or writing the workspace failed (including the workspace lock).
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

fn first(d: &[secfw_artifacts::Diagnostic]) -> String {
    d.first().map(|d| format!("; first: {d}")).unwrap_or_default()
}
