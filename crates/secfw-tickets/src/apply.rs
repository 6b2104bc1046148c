//! Applying a plan: POST each action's JSON to a webhook with an `Idempotency-Key`, retrying
//! transient failures with exponential backoff, stopping on a refusal, and recording every
//! success durably before the next action (a synced journal line, folded into the ledger
//! atomically at the end of the run) so a failed run resumes.
//!
//! - `Idempotency-Key`: lower-case hex sha256 of the exact request body. A receiver that
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

use std::fmt;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::Error;
use crate::ledger::Ledger;
use crate::plan::{PlannedAction, TicketPlan};

/// The webhook: URL and optional bearer token.
#[derive(Clone)]
pub struct Endpoint {
    url: String,
    token: Option<String>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Endpoint {
    /// An endpoint URL (`https://host[:port]/path`, or `http://` for a relay on a trusted
    /// network). Fails on other schemes and on URLs with credentials in them. TLS is rustls with
    /// the Mozilla root store; certificates are always verified.
    pub fn new(url: impl Into<String>) -> Result<Self, Error> {
        let url = url.into();
        let bad = |reason: &str| Err(Error::InvalidEndpoint { url: url.clone(), reason: reason.to_owned() });
        let lower = url.to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) else {
            return bad("the URL must start with https:// (or http:// for a relay on a trusted network)");
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.is_empty() {
            return bad("the URL has no host");
        }
        if authority.contains('@') {
            return bad("credentials in the URL are refused; pass a token with --token-env instead");
        }
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("the URL contains whitespace or control characters");
        }
        Ok(Self { url, token: None })
    }

    /// Send `Authorization: Bearer <token>`.
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Retry and timeout settings.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApplyOptions {
    /// Attempts per action, at least 1 (default 5).
    pub max_attempts: u32,
    /// Wait before the first retry (default 500 ms).
    pub initial_backoff: Duration,
    /// Longest wait between attempts (default 30 s).
    pub max_backoff: Duration,
    /// Time limit of one attempt, connect to last byte (default 10 s).
    pub timeout: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        }
    }
}

impl ApplyOptions {
    /// Set the attempts per action (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Set the backoff: the first wait and the cap.
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Set the per-attempt timeout.
    #[must_use]
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The wait after failed attempt `attempt` (1-based).
    pub fn backoff_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// One action sent.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
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
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(opts.timeout))
        .user_agent(concat!("secfw-tickets/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
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
    let path = root.join(LOCK_FILE);
    let io = |source| Error::Io { path: path.clone(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io)?;
    f.lock().map_err(io)?;
    Ok(f)
}

enum Attempt {
    Done(u16),
    Retry(String, Option<Duration>),
    Refused(u16, String),
    Fatal(String),
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
    let body = action.body();
    let max = opts.max_attempts.max(1);
    let mut last = String::new();
    for attempt in 1..=max {
        match attempt_once(agent, endpoint, action, &body) {
            Attempt::Done(status) => return Ok((status, attempt)),
            Attempt::Refused(status, text) => {
                return Err(Error::Rejected {
                    action: action.request.action,
                    key: action.request.key.clone(),
                    status,
                    body: text,
                    applied,
                    remaining,
                });
            }
            Attempt::Fatal(reason) => {
                return Err(Error::InvalidEndpoint { url: endpoint.url.clone(), reason });
            }
            Attempt::Retry(why, retry_after) => {
                last = why;
                if attempt < max {
                    let wait = retry_after.map_or_else(|| opts.backoff_after(attempt), |d| d.min(opts.max_backoff));
                    sleep(wait);
                }
            }
        }
    }
    Err(Error::Unavailable {
        action: action.request.action,
        key: action.request.key.clone(),
        attempts: max,
        last,
        applied,
        remaining,
    })
}

fn attempt_once(agent: &ureq::Agent, endpoint: &Endpoint, action: &PlannedAction, body: &[u8]) -> Attempt {
    let mut req = agent
        .post(&endpoint.url)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", &action.idempotency_key)
        .header("X-Secfw-Action", action.request.action.as_str());
    if let Some(t) = &endpoint.token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    match req.send(body) {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let text = resp
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_string()
                .map(|s| excerpt(&s))
                .unwrap_or_default();
            match status {
                200..=299 => Attempt::Done(status),
                408 | 429 | 500..=599 => {
                    Attempt::Retry(format!("HTTP {status} {text}").trim_end().to_owned(), retry_after)
                }
                _ => Attempt::Refused(status, if text.is_empty() { "(empty body)".to_owned() } else { text }),
            }
        }
        Err(e) => match e {
            ureq::Error::BadUri(_)
            | ureq::Error::Http(_)
            | ureq::Error::InvalidProxyUrl
            | ureq::Error::RequireHttpsOnly(_)
            | ureq::Error::TlsRequired
            | ureq::Error::Tls(_) => Attempt::Fatal(e.to_string()),
            other => Attempt::Retry(other.to_string(), None),
        },
    }
}

fn excerpt(s: &str) -> String {
    let t: String = s.trim().chars().take(300).collect();
    t.replace(['\r', '\n'], " ")
}
