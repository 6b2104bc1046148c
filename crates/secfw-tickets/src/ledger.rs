//! The ledger of applied actions, `.secfw/tickets.json`: which tickets exist (keyed by ticket
//! key), whether each is open, the digest of the content last sent, and every applied action by
//! its idempotency key. secfw writes it atomically after each successful action, so a run that
//! fails midway resumes where it stopped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secfw_artifacts::Diagnostic;
use serde::{Deserialize, Serialize};

use crate::plan::{ActionKind, PlannedAction};
use crate::{Error, codes};

/// The ledger's path relative to the workspace root.
pub const LEDGER_FILE: &str = ".secfw/tickets.json";

/// The ledger format version this crate reads and writes.
pub const LEDGER_VERSION: u32 = 1;

/// The ledger of applied ticket actions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Ledger {
    /// Format version (1).
    pub version: u32,
    /// The state of every ticket (and approval request) secfw has sent, by ticket key.
    #[serde(default)]
    pub tickets: BTreeMap<String, TicketRecord>,
    /// Every applied action, by idempotency key.
    #[serde(default)]
    pub applied: BTreeMap<String, AppliedRecord>,
}

impl Default for Ledger {
    fn default() -> Self {
        Self { version: LEDGER_VERSION, tickets: BTreeMap::new(), applied: BTreeMap::new() }
    }
}

/// What the endpoint was last told about one ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TicketRecord {
    /// The finding (or exception, for approval requests) the ticket is about.
    pub subject: String,
    /// `false` once a close was applied.
    pub open: bool,
    /// sha256 (hex) of the ticket content last sent; a different digest plans an update.
    pub content_digest: String,
    /// The last action applied.
    pub last_action: ActionKind,
    /// Its idempotency key.
    pub last_idempotency_key: String,
    /// When it was applied (the `now` of the apply run).
    pub applied_at: DateTime<Utc>,
}

/// One applied action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppliedRecord {
    /// 1-based order of application.
    pub seq: u64,
    /// The ticket key.
    pub key: String,
    /// The action.
    pub action: ActionKind,
    /// The HTTP status the endpoint answered.
    pub status: u16,
    /// When it was applied (the `now` of the apply run).
    pub applied_at: DateTime<Utc>,
}

impl Ledger {
    /// The ledger path of the workspace at `root`.
    pub fn path(root: &Path) -> PathBuf {
        root.join(LEDGER_FILE)
    }

    /// Load the ledger of the workspace at `root`; a missing file is an empty ledger. A file
    /// that exists but cannot be read or parsed is an error, never silently an empty ledger
    /// (that would re-create every ticket).
    pub fn load(root: &Path) -> Result<Self, Error> {
        let path = Self::path(root);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => return Err(Error::Io { path, source }),
        };
        Self::parse(&text)
    }

    /// Parse ledger JSON text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let ledger: Self = serde_json::from_str(text).map_err(|e| {
            let line = u32::try_from(e.line()).unwrap_or(u32::MAX);
            let column = u32::try_from(e.column()).unwrap_or(u32::MAX);
            Error::Ledger(
                Diagnostic::error(codes::LEDGER_INVALID, LEDGER_FILE, format!("the ticket ledger is invalid: {e}"))
                    .at(Some(secfw_artifacts::Pos::new(line.max(1), column.max(1))))
                    .with_hint(
                        "secfw writes this file; restore it from version control or backup. Deleting it makes the next apply re-create every ticket",
                    ),
            )
        })?;
        if ledger.version != LEDGER_VERSION {
            return Err(Error::Ledger(
                Diagnostic::error(
                    codes::LEDGER_VERSION,
                    LEDGER_FILE,
                    format!(
                        "the ticket ledger has version {}, this secfw reads version {LEDGER_VERSION}",
                        ledger.version
                    ),
                )
                .with_hint("use the secfw release that wrote it, or restore a version-1 ledger"),
            ));
        }
        Ok(ledger)
    }

    /// The ledger as pretty JSON (deterministic: keys sorted), ending in a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Write the ledger of the workspace at `root` atomically.
    pub fn save(&self, root: &Path) -> Result<(), Error> {
        secfw_artifacts::write::write_atomic(&Self::path(root), self.to_json().as_bytes())?;
        Ok(())
    }

    /// `true` when the action with this idempotency key was applied.
    pub fn is_applied(&self, idempotency_key: &str) -> bool {
        self.applied.contains_key(idempotency_key)
    }

    /// Record a successfully applied action.
    pub fn record(&mut self, action: &PlannedAction, status: u16, now: DateTime<Utc>) {
        let seq = self.applied.values().map(|r| r.seq).max().unwrap_or(0) + 1;
        let req = &action.request;
        self.applied.insert(
            action.idempotency_key.clone(),
            AppliedRecord { seq, key: req.key.clone(), action: req.action, status, applied_at: now },
        );
        self.tickets.insert(
            req.key.clone(),
            TicketRecord {
                subject: action.subject.clone(),
                open: req.action != ActionKind::Close,
                content_digest: action.content_digest.clone(),
                last_action: req.action,
                last_idempotency_key: action.idempotency_key.clone(),
                applied_at: now,
            },
        );
    }
}
