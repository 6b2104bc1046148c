//! Applying a plan: POST each action's JSON to a webhook with an `Idempotency-Key`, retrying
//! transient failures with exponential backoff, stopping on a refusal, and recording every
//! success durably before the next action (a synced journal line, folded into the ledger
//! atomically at the end of the run) so a failed run resumes.
//!
//! - `Idempotency-Key`: lower-case hex sha256 of the exact request body, which names the
//!   ticket's previous action (`after`), so the key identifies one transition. A receiver that
//!   deduplicates on it turns a retry after a lost response into a no-op.
//! - Skipped: actions whose key is in the ledger (already applied).
//! - Retried: HTTP 5xx, 408 and 429 (honouring `Retry-After` in seconds, up to the maximum
//!   backoff), timeouts, refused or dropped connections, malformed responses. Waits
//!   `initial_backoff × 2^(attempt-1)`, capped at `max_backoff`, for at most `max_attempts`
//!   attempts per action.
//! - Stopped: any other status (3xx, 4xx): [`Error::Rejected`]; retries exhausted:
//!   [`Error::Unavailable`]. Actions before the failure stay applied and recorded.
//! - Concurrent runs on one workspace wait for each other (an OS lock on `.secfw/tickets.lock`).
//! - Only `http://` URLs: this build has no TLS stack (see `docs/tickets.md`).

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::Error;
pub use crate::http::{ApplyOptions, Endpoint};
use crate::http::{Delivered, PostError};
use crate::ledger::Ledger;
use crate::plan::{PlannedAction, TicketPlan};

/// One action sent.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct AppliedAction {
    /// Its idempotency key.
    pub idempotency_key: String,
    /// The ticket key.
    pub key: String,
    /// The action.
    pub action: crate::plan::ActionKind,
    /// The final HTTP status.
    pub status: u16,
    /// Attempts it took.
    pub attempts: u32,
}

/// What an apply run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ApplyReport {
    /// Actions sent and recorded, in order.
    pub applied: Vec<AppliedAction>,
    /// Idempotency keys skipped because the ledger records them as applied.
    pub skipped: Vec<String>,
}

/// Apply `plan` to the endpoint, recording progress in the ledger of the workspace at `root`.
/// Waits between retries with `std::thread::sleep`.
pub fn apply(
    plan: &TicketPlan,
    root: &Path,
    endpoint: &Endpoint,
    opts: &ApplyOptions,
    now: DateTime<Utc>,
) -> Result<ApplyReport, Error> {
    apply_with_sleep(plan, root, endpoint, opts, now, &mut std::thread::sleep)
}

/// [`apply`] with an injected `sleep` (tests record the waits instead of waiting).
pub fn apply_with_sleep(
    plan: &TicketPlan,
    root: &Path,
    endpoint: &Endpoint,
    opts: &ApplyOptions,
    now: DateTime<Utc>,
    sleep: &mut dyn FnMut(Duration),
) -> Result<ApplyReport, Error> {
    // Serialize concurrent runs on one workspace: an OS file lock (released when the process
    // ends, so a crash leaves no stale lock), taken before the ledger is read.
    let _lock = lock(root)?;
    let mut ledger = Ledger::load(root)?;
    let agent = crate::http::agent(opts, concat!("secfw-tickets/", env!("CARGO_PKG_VERSION")));
    let mut report = ApplyReport::default();
    let result = apply_all(plan, root, endpoint, opts, now, sleep, &agent, &mut ledger, &mut report);
    // Fold the journal into the ledger whatever happened; a failure to do so is reported after
    // the apply error (the journal stays and is replayed next time, so nothing is lost).
    let pending = !report.applied.is_empty() || root.join(crate::ledger::JOURNAL_FILE).exists();
    let saved = if pending { ledger.save(root) } else { Ok(()) };
    result?;
    saved?;
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn apply_all(
    plan: &TicketPlan,
    root: &Path,
    endpoint: &Endpoint,
    opts: &ApplyOptions,
    now: DateTime<Utc>,
    sleep: &mut dyn FnMut(Duration),
    agent: &ureq::Agent,
    ledger: &mut Ledger,
    report: &mut ApplyReport,
) -> Result<(), Error> {
    let total = plan.actions.len();
    for (i, action) in plan.actions.iter().enumerate() {
        if ledger.is_applied(&action.idempotency_key) {
            report.skipped.push(action.idempotency_key.clone());
            continue;
        }
        let remaining = total - i;
        let applied = report.applied.len();
        let (status, attempts) = send(agent, endpoint, action, opts, sleep, applied, remaining)?;
        ledger.append(root, action, status, now)?;
        report.applied.push(AppliedAction {
            idempotency_key: action.idempotency_key.clone(),
            key: action.request.key.clone(),
            action: action.request.action,
            status,
            attempts,
        });
    }
    Ok(())
}

/// The ledger lock file, relative to the workspace root.
pub const LOCK_FILE: &str = ".secfw/tickets.lock";

fn lock(root: &Path) -> Result<std::fs::File, Error> {
    // Opened without blocking or following links; never through a symlinked `.secfw` (SF0010).
    let f = secfw_artifacts::state::open_lock(root, Path::new(LOCK_FILE))?;
    f.lock().map_err(|source| Error::Io { path: root.join(LOCK_FILE), source })?;
    Ok(f)
}

fn send(
    agent: &ureq::Agent,
    endpoint: &Endpoint,
    action: &PlannedAction,
    opts: &ApplyOptions,
    sleep: &mut dyn FnMut(Duration),
    applied: usize,
    remaining: usize,
) -> Result<(u16, u32), Error> {
    let headers =
        [("Idempotency-Key", action.idempotency_key.as_str()), ("X-Secfw-Action", action.request.action.as_str())];
    match crate::http::post(agent, endpoint, &action.body(), &headers, opts, sleep) {
        Ok(Delivered { status, attempts }) => Ok((status, attempts)),
        Err(PostError::Refused { status, body }) => Err(Error::Rejected {
            action: action.request.action,
            key: action.request.key.clone(),
            status,
            body,
            applied,
            remaining,
        }),
        Err(PostError::Unavailable { attempts, last }) => Err(Error::Unavailable {
            action: action.request.action,
            key: action.request.key.clone(),
            attempts,
            last,
            applied,
            remaining,
        }),
        Err(PostError::Invalid(failure)) => Err(Error::InvalidEndpoint {
            url: endpoint.redacted(),
            reason: crate::http::EndpointProblem::Request(failure),
        }),
    }
}
