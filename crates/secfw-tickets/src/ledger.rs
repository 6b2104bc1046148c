//! The ledger of applied actions, `.secfw/tickets.json`: which tickets exist (keyed by ticket
//! key), whether each is open, the digest of the content last sent, and every applied action by
//! its idempotency key.
//!
//! Durability: during `apply`, each acknowledged action is appended as one JSON line to the
//! journal `.secfw/tickets.journal` and synced to disk before the next action is sent; at the
//! end of the run (also after a failure) the journal is folded into `tickets.json`, written
//! atomically, and removed. Loading replays a journal left by a crash, so a run that stops
//! midway, however it stops, resumes where it stopped and never re-sends an acknowledged
//! action. A torn last journal line (a crash during the append) is ignored: that action was not
//! recorded and is sent again with the same `Idempotency-Key`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secfw_artifacts::Diagnostic;
use serde::{Deserialize, Serialize};

use crate::plan::{ActionKind, PlannedAction};
use crate::{Error, codes};

/// The ledger's path relative to the workspace root.
pub const LEDGER_FILE: &str = ".secfw/tickets.json";

/// The journal of actions applied since the ledger was last written, relative to the root.
pub const JOURNAL_FILE: &str = ".secfw/tickets.journal";

/// The ledger format version this crate reads and writes.
pub const LEDGER_VERSION: u32 = 1;

/// The ledger of applied ticket actions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
        use secfw_artifacts::journal::read_optional;
        let mut ledger = match read_optional(&Self::path(root))? {
            Some(t) => Self::parse(&t)?,
            None => Self::default(),
        };
        if let Some(t) = read_optional(&root.join(JOURNAL_FILE))? {
            ledger.replay(&t)?;
        }
        Ok(ledger)
    }

    /// Apply journal lines (JSON [`JournalEntry`] per line) not yet in the ledger.
    fn replay(&mut self, text: &str) -> Result<(), Error> {
        for (n, line) in secfw_artifacts::journal::complete_lines(text) {
            let e: JournalEntry = serde_json::from_str(line).map_err(|err| {
                Error::Ledger(
                    Diagnostic::error(codes::LEDGER_INVALID, JOURNAL_FILE, format!("the ticket journal is invalid: {err}"))
                        .at(Some(secfw_artifacts::Pos::new(n, 1)))
                        .with_hint("secfw writes this file; restore it, or remove the line (its action will be sent again with the same Idempotency-Key)"),
                )
            })?;
            self.apply_entry(e);
        }
        Ok(())
    }

    fn apply_entry(&mut self, e: JournalEntry) {
        if self.applied.contains_key(&e.idempotency_key) {
            return;
        }
        let seq = u64::try_from(self.applied.len()).unwrap_or(u64::MAX - 1) + 1;
        self.applied.insert(
            e.idempotency_key.clone(),
            AppliedRecord { seq, key: e.key.clone(), action: e.action, status: e.status, applied_at: e.applied_at },
        );
        self.tickets.insert(
            e.key,
            TicketRecord {
                subject: e.subject,
                open: e.action != ActionKind::Close,
                content_digest: e.content_digest,
                last_action: e.action,
                last_idempotency_key: e.idempotency_key,
                applied_at: e.applied_at,
            },
        );
    }

    /// Append an applied action to the journal of the workspace at `root` and sync it to disk,
    /// then record it in memory. Call [`Ledger::save`] at the end of the run to fold the journal
    /// into the ledger.
    pub fn append(
        &mut self,
        root: &Path,
        action: &PlannedAction,
        status: u16,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let entry = JournalEntry::of(action, status, now);
        secfw_artifacts::journal::append_line(&root.join(JOURNAL_FILE), &entry)?;
        self.apply_entry(entry);
        Ok(())
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

    /// Write the ledger of the workspace at `root` atomically, then remove the journal it
    /// now contains.
    pub fn save(&self, root: &Path) -> Result<(), Error> {
        Ok(secfw_artifacts::journal::commit(&Self::path(root), self, &root.join(JOURNAL_FILE))?)
    }

    /// `true` when the action with this idempotency key was applied.
    pub fn is_applied(&self, idempotency_key: &str) -> bool {
        self.applied.contains_key(idempotency_key)
    }

    /// Record a successfully applied action in memory (an action already recorded is ignored).
    pub fn record(&mut self, action: &PlannedAction, status: u16, now: DateTime<Utc>) {
        self.apply_entry(JournalEntry::of(action, status, now));
    }
}

/// One line of the journal: an acknowledged action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The action's idempotency key.
    pub idempotency_key: String,
    /// The ticket key.
    pub key: String,
    /// The finding or exception it is about.
    pub subject: String,
    /// The action.
    pub action: ActionKind,
    /// Digest of the content sent.
    pub content_digest: String,
    /// The HTTP status the endpoint answered.
    pub status: u16,
    /// When it was applied (the `now` of the run).
    pub applied_at: DateTime<Utc>,
}

impl JournalEntry {
    fn of(action: &PlannedAction, status: u16, now: DateTime<Utc>) -> Self {
        Self {
            idempotency_key: action.idempotency_key.clone(),
            key: action.request.key.clone(),
            subject: action.subject.clone(),
            action: action.request.action,
            content_digest: action.content_digest.clone(),
            status,
            applied_at: now,
        }
    }
}
