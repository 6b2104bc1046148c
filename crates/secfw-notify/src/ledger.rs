//! The ledger of delivered messages, `.secfw/notifications.json`, and its journal.
//!
//! Durability and exactly-once: before a message is handed to its channel, a `sending` line
//! is appended to the journal `.secfw/notifications.journal` and synced; after the channel
//! answers, a `sent` (or `failed`) line follows. At the end of the run the journal is folded
//! into the ledger (written atomically) and removed. Loading replays a journal left by a run
//! that stopped: a `sending` without an outcome means the message may or may not have reached
//! the recipient, so it is recorded as [`MessageState::MayHaveBeenSent`] and never sent again
//! (reported as `NT0006`). A torn last line (a crash during the append) is ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secfw_artifacts::Diagnostic;
use serde::{Deserialize, Serialize};

use crate::plan::{Message, Reason};
use crate::{Error, codes};

/// The ledger's path relative to the workspace root.
pub const LEDGER_FILE: &str = ".secfw/notifications.json";

/// The journal of the current (or last, interrupted) run, relative to the root.
pub const JOURNAL_FILE: &str = ".secfw/notifications.journal";

/// The ledger format version this crate reads and writes.
pub const LEDGER_VERSION: u32 = 1;

/// What is known about a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageState {
    /// The channel accepted it.
    Sent,
    /// Its delivery started and the run stopped before the outcome was recorded.
    MayHaveBeenSent,
}

/// One message in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct MessageRecord {
    /// What it is about.
    pub subject: String,
    /// The recipient as written in the rulebook.
    pub recipient: String,
    /// Why.
    pub reason: Reason,
    /// Sent or may have been sent.
    pub state: MessageState,
    /// The HTTP status the channel answered (sent messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Attempts it took (sent messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// When (the `now` of the run that sent it, or started to).
    pub at: DateTime<Utc>,
    /// The condition it is about, across occurrences ([`crate::condition_key`]). Absent in
    /// records written before occurrences were tracked: derived from subject and reason
    /// ([`MessageRecord::condition_key`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

impl MessageRecord {
    /// The condition the message is about: [`MessageRecord::condition`], or for a record written
    /// before occurrences were tracked, [`crate::condition_key`] of its subject and reason (its
    /// subject was then the same for every occurrence).
    pub fn condition_key(&self) -> String {
        self.condition.clone().unwrap_or_else(|| crate::plan::condition_key(&self.subject, self.reason))
    }
}

/// The ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Ledger {
    /// Format version (1).
    pub version: u32,
    /// Every message by id.
    #[serde(default)]
    pub messages: BTreeMap<String, MessageRecord>,
    /// Conditions seen ended: per condition ([`crate::condition_key`]) that was notified, the
    /// `now` of the apply that found it no longer holding (kept until a later occurrence was
    /// notified and ended in turn). A condition that holds again after it is a new occurrence,
    /// notified again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cleared: BTreeMap<String, DateTime<Utc>>,
}

impl Default for Ledger {
    fn default() -> Self {
        Self { version: LEDGER_VERSION, messages: BTreeMap::new(), cleared: BTreeMap::new() }
    }
}

/// A journal event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// About to hand the message to its channel.
    Sending,
    /// The channel accepted it.
    Sent,
    /// The channel did not accept it (nothing recorded; the next run sends it again).
    Failed,
}

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The event.
    pub event: Event,
    /// The message id.
    pub id: String,
    /// Subject.
    pub subject: String,
    /// Recipient.
    pub recipient: String,
    /// Reason.
    pub reason: Reason,
    /// HTTP status (sent, failed with a status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Attempts (sent, failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// The `now` of the run.
    pub at: DateTime<Utc>,
    /// The condition the message is about (absent in lines written before occurrences were
    /// tracked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

impl JournalEntry {
    /// An entry for `m`.
    pub fn of(event: Event, m: &Message, status: Option<u16>, attempts: Option<u32>, at: DateTime<Utc>) -> Self {
        Self {
            condition: Some(m.condition.clone()).filter(|c| !c.is_empty()),
            event,
            id: m.id.clone(),
            subject: m.subject.clone(),
            recipient: m.recipient.name.clone(),
            reason: m.reason,
            status,
            attempts,
            at,
        }
    }
}

impl Ledger {
    /// The ledger path of the workspace at `root`.
    pub fn path(root: &Path) -> PathBuf {
        root.join(LEDGER_FILE)
    }

    /// Load the ledger of the workspace at `root` and replay its journal; a missing file is an
    /// empty ledger, an unreadable or invalid one an error (never silently empty: that would
    /// send every message again).
    pub fn load(root: &Path) -> Result<Self, Error> {
        let path = Self::path(root);
        let mut ledger = match read_regular(&path)? {
            Some(t) => Self::parse(&t)?,
            None => Self::default(),
        };
        if let Some(t) = read_regular(&root.join(JOURNAL_FILE))? {
            ledger.replay(&t)?;
        }
        Ok(ledger)
    }

    fn replay(&mut self, text: &str) -> Result<(), Error> {
        let mut pending: BTreeMap<String, JournalEntry> = BTreeMap::new();
        for (n, line) in secfw_artifacts::journal::complete_lines(text) {
            let e: JournalEntry = serde_json::from_str(line).map_err(|err| {
                Error::Ledger(
                    Diagnostic::error(codes::LEDGER_INVALID, JOURNAL_FILE, format!("the notification journal is invalid: {err}"))
                        .at(Some(secfw_artifacts::Pos::new(n, 1)))
                        .with_hint("secfw writes this file; restore it. Removing a `sending` line whose message was not delivered makes the next apply send it"),
                )
            })?;
            match e.event {
                Event::Sending => {
                    pending.insert(e.id.clone(), e);
                }
                Event::Failed => {
                    pending.remove(&e.id);
                }
                Event::Sent => {
                    pending.remove(&e.id);
                    self.record(e, MessageState::Sent);
                }
            }
        }
        for (_, e) in pending {
            self.record(e, MessageState::MayHaveBeenSent);
        }
        Ok(())
    }

    fn record(&mut self, e: JournalEntry, state: MessageState) {
        if self.messages.get(&e.id).is_some_and(|r| r.state == MessageState::Sent) {
            return;
        }
        self.messages.insert(
            e.id,
            MessageRecord {
                subject: e.subject,
                recipient: e.recipient,
                reason: e.reason,
                state,
                status: e.status,
                attempts: e.attempts,
                at: e.at,
                condition: e.condition,
            },
        );
    }

    /// Per condition: the earliest and the latest `at` of its messages.
    pub(crate) fn condition_times(&self) -> BTreeMap<String, (DateTime<Utc>, DateTime<Utc>)> {
        let mut out: BTreeMap<String, (DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
        for r in self.messages.values() {
            out.entry(r.condition_key())
                .and_modify(|(first, last)| {
                    *first = (*first).min(r.at);
                    *last = (*last).max(r.at);
                })
                .or_insert((r.at, r.at));
        }
        out
    }

    /// Record, at `now`, that every notified condition not in `active` has ended: a condition
    /// with a message since it was last seen ended (or never seen ended) gets `cleared = now`.
    /// Returns whether anything changed.
    pub(crate) fn observe(&mut self, active: &std::collections::BTreeSet<String>, now: DateTime<Utc>) -> bool {
        let mut changed = false;
        for (condition, (_, last)) in self.condition_times() {
            if active.contains(&condition) {
                continue;
            }
            let since = self.cleared.get(&condition).copied();
            if since.is_none_or(|c| last >= c && now > c) {
                self.cleared.insert(condition, now);
                changed = true;
            }
        }
        changed
    }

    /// Append `entry` to the journal of the workspace at `root`, synced to disk, and apply it
    /// in memory (`sent` records the message; `sending` and `failed` change nothing in memory).
    pub fn append(&mut self, root: &Path, entry: JournalEntry) -> Result<(), Error> {
        secfw_artifacts::journal::append_line(&root.join(JOURNAL_FILE), &entry)
            .map_err(|e| unusable(&root.join(JOURNAL_FILE), &e))?;
        if entry.event == Event::Sent {
            self.record(entry, MessageState::Sent);
        }
        Ok(())
    }

    /// Parse ledger JSON text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let ledger: Self = serde_json::from_str(text).map_err(|e| {
            let line = u32::try_from(e.line()).unwrap_or(u32::MAX);
            let column = u32::try_from(e.column()).unwrap_or(u32::MAX);
            Error::Ledger(
                Diagnostic::error(codes::LEDGER_INVALID, LEDGER_FILE, format!("the notification ledger is invalid: {e}"))
                    .at(Some(secfw_artifacts::Pos::new(line.max(1), column.max(1))))
                    .with_hint("secfw writes this file; restore it from backup. Deleting it makes the next apply send every message again"),
            )
        })?;
        if ledger.version != LEDGER_VERSION {
            return Err(Error::Ledger(
                Diagnostic::error(
                    codes::LEDGER_VERSION,
                    LEDGER_FILE,
                    format!(
                        "the notification ledger has version {}, this secfw reads version {LEDGER_VERSION}",
                        ledger.version
                    ),
                )
                .with_hint("use the secfw release that wrote it"),
            ));
        }
        Ok(ledger)
    }

    /// The ledger as pretty JSON (keys sorted), ending in a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Write the ledger atomically, then remove the journal it now contains.
    pub fn save(&self, root: &Path) -> Result<(), Error> {
        Ok(secfw_artifacts::journal::commit(&Self::path(root), self, &root.join(JOURNAL_FILE))?)
    }
}

/// A ledger or journal that exists but cannot be used (FIFO, device, symlink, unreadable): never
/// treated as empty, which would send every message again.
fn unusable(path: &Path, e: &secfw_artifacts::Error) -> Error {
    Error::Ledger(
        Diagnostic::error(codes::LEDGER_INVALID, path.display().to_string(), e.to_string())
            .with_hint("remove it; secfw writes a regular file there"),
    )
}

fn read_regular(path: &Path) -> Result<Option<String>, Error> {
    secfw_artifacts::journal::read_optional(path).map_err(|e| unusable(path, &e))
}
