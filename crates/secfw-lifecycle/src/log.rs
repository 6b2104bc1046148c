//! `.secfw/events.jsonl`: the append-only, hash-chained lifecycle event log.
//!
//! One compact JSON object per line. Each event carries `prev_hash` (the `hash` of the event
//! before it; 64 zeros for the first) and `hash` = `sha256:` + hex(SHA-256 of the event's
//! canonical JSON without the `hash` field). `.secfw/events.head` records the last sequence
//! number and hash, so removing lines at the end is detected too. Appends hold an exclusive lock
//! on `.secfw/lock` and replace the log atomically (temp file, fsync, rename): concurrent runs
//! never interleave and a crash leaves the old or the new log, never a torn line.
//!
//! Every read and write goes through [`secfw_artifacts::state`]: a FIFO, device or symlink at
//! any of these files, or a symlinked `.secfw`, is refused with `SF0010` (never a hang, never a
//! write outside the workspace), and the log is read up to 256 MiB.

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secfw_artifacts::{Diagnostic, LifecycleState};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::{Error, codes};

/// Directory of secfw's own state inside a workspace.
pub const STATE_DIR: &str = ".secfw";
/// Workspace-relative path of the event log.
pub const LOG_FILE: &str = ".secfw/events.jsonl";
/// Workspace-relative path of the checkpoint.
pub const HEAD_FILE: &str = ".secfw/events.head";
/// Workspace-relative path of the lock file.
pub const LOCK_FILE: &str = ".secfw/lock";
/// The largest event log read (an event is a few kilobytes; this is hundreds of thousands of
/// transitions).
const MAX_LOG_BYTES: u64 = 256 * 1024 * 1024;
/// The largest checkpoint read (it holds one sequence number and one hash).
const MAX_HEAD_BYTES: u64 = 4096;
/// `prev_hash` of the first event.
pub const GENESIS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// What an event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A transition whose entry criteria all held.
    Transition,
    /// schema_lint failed during an attempted transition: the cycle went back to PLANNED.
    ReturnToPlanned,
    /// Someone acknowledged an escalation (`secfw escalations ack`); the state does not change
    /// (`from` = `to`), `actor` is who acknowledged, `escalations` holds
    /// `{"id", "acknowledged_by", "acknowledged_at"}`.
    Acknowledgement,
    /// Someone deliberately accepted the log as it stands after its checkpoint was lost
    /// (`secfw log reanchor`); the state does not change (`from` = `to`), `actor` is who decided,
    /// `reasons` holds their reason and what the log held when they decided.
    Reanchor,
}

/// The result of a gate as recorded in an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct GateRecord {
    /// Gate name.
    pub gate: String,
    /// Whether it passed.
    pub passed: bool,
    /// Error count.
    pub errors: usize,
    /// Warning count.
    pub warnings: usize,
    /// Excepted finding count.
    pub excepted: usize,
    /// `sha256:` digest of the gate report.
    pub digest: String,
}

/// One entry criterion as recorded in an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct CriterionRecord {
    /// Criterion name (snake_case).
    pub criterion: String,
    /// Whether it held.
    pub met: bool,
    /// Evidence or the reason it did not hold.
    pub detail: String,
}

/// One lifecycle event (one line of the log).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Event {
    /// 1-based sequence number.
    pub seq: u64,
    /// When (the `now` of the transition), RFC 3339 UTC.
    pub time: DateTime<Utc>,
    /// Who asked for it.
    pub actor: String,
    /// Transition or return to PLANNED.
    pub kind: EventKind,
    /// State before.
    pub from: LifecycleState,
    /// State after.
    pub to: LifecycleState,
    /// Gate results with their digests.
    pub gates: Vec<GateRecord>,
    /// Entry criteria evaluated.
    pub criteria: Vec<CriterionRecord>,
    /// Seal of the manifest, when the transition involved one.
    pub seal: Option<secfw_artifacts::Seal>,
    /// Escalation records raised by violated enforcement rules (as JSON).
    pub escalations: Vec<serde_json::Value>,
    /// Why (for refusals that returned to PLANNED: the unmet criteria).
    pub reasons: Vec<String>,
    /// Hash of the previous event ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// `sha256:` of this event's canonical JSON without `hash`.
    pub hash: String,
}

impl CriterionRecord {
    /// The record of one criterion's result.
    pub fn new(criterion: impl Into<String>, met: bool, detail: impl Into<String>) -> Self {
        Self { criterion: criterion.into(), met, detail: detail.into() }
    }
}

impl Event {
    /// An unsealed event (`seq` 0, no gates, criteria, seal, escalations or reasons, empty
    /// hashes): set what applies, then [`Event::seal_after`] the previous event.
    pub fn new(
        time: DateTime<Utc>,
        actor: impl Into<String>,
        kind: EventKind,
        from: LifecycleState,
        to: LifecycleState,
    ) -> Self {
        Self {
            seq: 0,
            time,
            actor: actor.into(),
            kind,
            from,
            to,
            gates: Vec::new(),
            criteria: Vec::new(),
            seal: None,
            escalations: Vec::new(),
            reasons: Vec::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// The hash this event should carry.
    pub fn compute_hash(&self) -> String {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let serde_json::Value::Object(m) = &mut v {
            m.shift_remove("hash");
        }
        let bytes = serde_json::to_vec(&v).unwrap_or_default();
        format!("sha256:{}", hex::encode(Sha256::digest(&bytes)))
    }

    /// `true` for events that move the state machine (transitions and returns to PLANNED), `false`
    /// for acknowledgements. Code that looks for "the last time the cycle entered state X" must
    /// only look at these.
    pub fn changes_state(&self) -> bool {
        !matches!(self.kind, EventKind::Acknowledgement | EventKind::Reanchor)
    }

    /// The canonical line (compact JSON, no newline).
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Set `prev_hash` and `seq` from the previous event and compute `hash`.
    #[must_use]
    pub fn seal_after(mut self, prev: Option<&Event>) -> Self {
        self.seq = prev.map_or(1, |p| p.seq + 1);
        self.prev_hash = prev.map_or_else(|| GENESIS.to_owned(), |p| p.hash.clone());
        self.hash = self.compute_hash();
        self
    }
}

/// The checkpoint file's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
struct Head {
    seq: u64,
    hash: String,
}

/// The result of verifying a log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Verification {
    /// Lines read.
    pub lines: usize,
    /// Events that parsed.
    pub events: usize,
    /// Every problem, with the line it is on.
    pub problems: Vec<Diagnostic>,
}

impl Verification {
    /// `true` when the log is intact (warnings, like an interrupted checkpoint, allowed).
    pub fn is_intact(&self) -> bool {
        !self.problems.iter().any(Diagnostic::is_error)
    }
}

/// The event log of one workspace.
#[derive(Clone, Debug)]
pub struct EventLog {
    root: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

/// An exclusive lock on `.secfw/lock`, released on drop.
#[derive(Debug)]
pub struct LogLock {
    file: File,
}

impl Drop for LogLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

impl EventLog {
    /// The log of the workspace at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Path of `events.jsonl`.
    pub fn path(&self) -> PathBuf {
        self.root.join(LOG_FILE)
    }

    /// Take the exclusive lock (blocks until other secfw runs release it). The lock file is
    /// opened without blocking or following links (`SF0010` for a FIFO or link there).
    pub fn lock(&self) -> Result<LogLock, Error> {
        let file = secfw_artifacts::state::open_lock(&self.root, Path::new(LOCK_FILE))?;
        let p = self.root.join(LOCK_FILE);
        file.lock().map_err(io(&p))?;
        Ok(LogLock { file })
    }

    fn read_text(&self) -> Result<String, Error> {
        match secfw_artifacts::state::read(&self.root, Path::new(LOG_FILE), MAX_LOG_BYTES)? {
            Some(b) => String::from_utf8(b).map_err(|_| Error::Tampered {
                problems: vec![
                    Diagnostic::error(codes::LOG_UNPARSEABLE, LOG_FILE, "the event log is not valid UTF-8")
                        .with_hint("restore .secfw/events.jsonl from version control or a backup"),
                ],
            }),
            None => Ok(String::new()),
        }
    }

    fn read_head(&self) -> Result<Option<Head>, Error> {
        match secfw_artifacts::state::read(&self.root, Path::new(HEAD_FILE), MAX_HEAD_BYTES)? {
            Some(b) => Ok(Some(serde_json::from_slice(&b).map_err(|e| Error::Tampered {
                problems: vec![
                    Diagnostic::error(codes::LOG_UNPARSEABLE, HEAD_FILE, format!("the checkpoint is not valid: {e}"))
                        .with_hint("restore .secfw/events.head from version control or a backup"),
                ],
            })?)),
            None => Ok(None),
        }
    }

    /// Verify the whole log and checkpoint. An absent log is an empty, intact log only in a
    /// workspace the lifecycle never advanced: a non-empty log without its checkpoint, or no log
    /// next to evidence that the lifecycle advanced ([`progress_evidence`]), is `LC0110`.
    pub fn verify(&self) -> Result<Verification, Error> {
        let text = self.read_text()?;
        let head = match self.read_head() {
            Ok(h) => h,
            Err(Error::Tampered { problems }) => {
                let mut v = verify_text(&text, None);
                v.problems.extend(problems);
                return Ok(v);
            }
            Err(e) => return Err(e),
        };
        let mut v = verify_text(&text, head.as_ref().map(|h| (h.seq, h.hash.as_str())));
        if head.is_none() {
            v.problems.extend(self.missing_checkpoint(&v));
        }
        Ok(v)
    }

    /// The problem with a log whose checkpoint is absent: none for a brand-new workspace (no
    /// log, nothing showing the lifecycle ever advanced), else `LC0110`.
    fn missing_checkpoint(&self, v: &Verification) -> Option<Diagnostic> {
        if v.lines > 0 {
            return Some(
                Diagnostic::error(
                    codes::LOG_CHECKPOINT_MISSING,
                    HEAD_FILE,
                    format!(
                        "the log holds {} event(s) but its checkpoint .secfw/events.head is missing: events removed from the end of the log cannot be detected",
                        v.events
                    ),
                )
                .with_hint(REANCHOR),
            );
        }
        progress_evidence(&self.root).map(|why| {
            Diagnostic::error(
                codes::LOG_CHECKPOINT_MISSING,
                LOG_FILE,
                format!("the event log and its checkpoint are missing, but {why}: the lifecycle's history was removed"),
            )
            .with_hint(REANCHOR)
        })
    }

    /// Accept the log as it stands after its checkpoint was lost (`secfw log reanchor`): the
    /// log must verify in every other respect; a [`EventKind::Reanchor`] event recording `actor`,
    /// `reason` and what the log held is appended and the checkpoint rewritten. Refused when
    /// the checkpoint is present (nothing to re-anchor) or the log has any other problem.
    pub fn reanchor(&self, _lock: &LogLock, actor: &str, reason: &str, now: DateTime<Utc>) -> Result<Event, Error> {
        let actor = check_actor(actor)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().any(is_unsafe_in_text) {
            return Err(Error::Reanchor(
                "a --reason without control, line-separator or invisible characters is required".into(),
            ));
        }
        let text = self.read_text()?;
        let head = self.read_head()?;
        let v = verify_text(&text, head.as_ref().map(|h| (h.seq, h.hash.as_str())));
        if !v.is_intact() {
            return Err(Error::Tampered { problems: v.problems });
        }
        let Some(missing) = head.is_none().then(|| self.missing_checkpoint(&v)).flatten() else {
            return Err(Error::Reanchor("the log and its checkpoint agree: there is nothing to re-anchor".into()));
        };
        let events = parse_events(&text);
        let prev = events.last();
        if let Some(p) = prev
            && now < p.time
        {
            return Err(Error::TimeBeforeLastEvent { now, last: p.time });
        }
        let state = prev.map_or(LifecycleState::Planned, |e| e.to);
        let mut ev = Event::new(now, actor, EventKind::Reanchor, state, state);
        ev.reasons = vec![
            reason.to_owned(),
            format!(
                "re-anchored: {} ({}); accepted as it stands: {} event(s), last {}",
                missing.code,
                missing.message,
                events.len(),
                prev.map_or(GENESIS, |e| e.hash.as_str())
            ),
        ];
        self.write_event(&text, ev.seal_after(prev))
    }

    /// Append `event` (already sealed after the log's last event) to `text` and write the log,
    /// then the checkpoint.
    fn write_event(&self, text: &str, event: Event) -> Result<Event, Error> {
        let mut text = text.to_owned();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&event.to_line());
        text.push('\n');
        secfw_artifacts::state::write(&self.root, Path::new(LOG_FILE), text.as_bytes())?;
        self.write_head(event.seq, &event.hash)?;
        Ok(event)
    }

    fn write_head(&self, seq: u64, hash: &str) -> Result<(), Error> {
        let head = serde_json::to_vec(&Head { seq, hash: hash.to_owned() }).unwrap_or_default();
        secfw_artifacts::state::write(&self.root, Path::new(HEAD_FILE), &head)?;
        Ok(())
    }

    /// Read every event, refusing a log that does not verify.
    pub fn read(&self) -> Result<Vec<Event>, Error> {
        let v = self.verify()?;
        if !v.is_intact() {
            return Err(Error::Tampered { problems: v.problems });
        }
        Ok(parse_events(&self.read_text()?))
    }

    /// Append one event (its `seq`, `prev_hash` and `hash` are set here). The caller must hold
    /// the lock (see [`EventLog::lock`]); the log must verify.
    pub fn append(&self, _lock: &LogLock, event: Event) -> Result<Event, Error> {
        let events = self.read()?;
        let event = event.seal_after(events.last());
        let text = self.read_text()?;
        if events.is_empty() {
            // The first append writes a genesis checkpoint before the log, so a crash between
            // the two leaves the checkpoint one event behind (LC0109), never missing (LC0110).
            self.write_head(0, GENESIS)?;
        }
        self.write_event(&text, event)
    }
}

/// What in the workspace shows that its lifecycle advanced beyond PLANNED, so that a missing
/// event log is not a brand-new one: a handoff package unpacked into `.secfw/executed/` (only
/// `cycle` writes there, after the log recorded PACKAGED with its seal). A package in
/// `.secfw/packages/` or a sealed manifest is no such proof: a handoff may be sealed and
/// packaged before the first transition.
pub fn progress_evidence(root: &Path) -> Option<String> {
    let non_empty = |rel: &str| std::fs::read_dir(root.join(rel)).is_ok_and(|mut d| d.next().is_some());
    non_empty(crate::cycle::EXECUTED_DIR)
        .then(|| format!("{} holds an unpacked handoff (the lifecycle reached PACKAGED)", crate::cycle::EXECUTED_DIR))
}

const REANCHOR: &str = "restore .secfw/events.jsonl and .secfw/events.head from version control or a backup; if the checkpoint is truly lost and the log is known to be complete, accept it deliberately with `secfw log reanchor DIR --actor NAME --reason TEXT` (recorded in the log)";

/// The longest actor name accepted, in characters (a person or a CI job, never a document).
pub const MAX_ACTOR_CHARS: usize = 256;

/// Characters no actor or reason may hold: controls (newline, escape, ...), line and paragraph
/// separators (U+2028, U+2029: a line break to many viewers), and the invisible characters
/// ([`secfw_artifacts::is_invisible`]: zero-width characters, bidi overrides that reorder what
/// is printed after them). Each would let a name forge lines, hide text or pass for another.
pub fn is_unsafe_in_text(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || secfw_artifacts::is_invisible(c)
}

/// The actor of an event, trimmed: refused when empty ([`Error::NoActor`]), when it holds a
/// character [`is_unsafe_in_text`] refuses, or when it is longer than [`MAX_ACTOR_CHARS`]
/// ([`Error::BadActor`], `LC0004`).
pub fn check_actor(actor: &str) -> Result<String, Error> {
    let a = actor.trim();
    if a.is_empty() {
        return Err(Error::NoActor);
    }
    if a.chars().any(is_unsafe_in_text) || a.chars().count() > MAX_ACTOR_CHARS {
        let shown: String = a.chars().take(80).collect();
        return Err(Error::BadActor { actor: shown.escape_debug().to_string() });
    }
    Ok(a.to_owned())
}

fn parse_events(text: &str) -> Vec<Event> {
    text.lines().filter(|l| !l.trim().is_empty()).filter_map(|l| serde_json::from_str(l).ok()).collect()
}

fn line_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

const RESTORE: &str = "the audit trail was altered: restore .secfw/events.jsonl from version control or a backup, and investigate who changed it";

/// Verify log text against an optional checkpoint `(seq, hash)`.
pub fn verify_text(text: &str, head: Option<(u64, &str)>) -> Verification {
    let mut v = Verification::default();
    let mut prev: Option<(usize, Event)> = None;
    let line_count = text.split('\n').count();
    for (i, line) in text.split('\n').enumerate() {
        if line.is_empty() && i + 1 == line_count {
            break; // the final newline
        }
        v.lines += 1;
        let ev: Event = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) => {
                v.problems.push(event_error(
                    codes::LOG_UNPARSEABLE,
                    i,
                    format!("line {} is not a valid event: {e}", i + 1),
                ));
                continue;
            }
        };
        v.events += 1;
        let prev_ref = prev.as_ref().map(|(pi, p)| (*pi, p));
        v.problems.extend(
            [
                check_canonical(i, line, &ev),
                check_hash(i, &ev),
                check_sequence(i, &ev, prev_ref),
                check_chain(i, &ev, prev_ref),
                check_time_order(i, &ev, prev_ref),
                check_transition(i, &ev, prev_ref),
            ]
            .into_iter()
            .flatten(),
        );
        prev = Some((i, ev));
    }
    if let Some((hseq, hhash)) = head {
        let last = prev.as_ref().map(|(_, e)| (e.seq, e.hash.as_str(), e.prev_hash.as_str()));
        v.problems.extend(check_checkpoint(last, hseq, hhash, v.lines));
    }
    v
}

/// An error about the event on line index `i` of the log.
fn event_error(code: secfw_artifacts::Code, i: usize, msg: String) -> Diagnostic {
    Diagnostic::error(code, LOG_FILE, msg).at(Some(secfw_artifacts::Pos::new(line_no(i), 1))).with_hint(RESTORE)
}

/// The line is the event's canonical serialization (not edited).
fn check_canonical(i: usize, line: &str, ev: &Event) -> Option<Diagnostic> {
    (ev.to_line() != line).then(|| {
        event_error(
            codes::LOG_NOT_CANONICAL,
            i,
            format!("line {} (event {}) is not in canonical form: it was edited", i + 1, ev.seq),
        )
    })
}

/// The event matches its hash.
fn check_hash(i: usize, ev: &Event) -> Option<Diagnostic> {
    (ev.compute_hash() != ev.hash).then(|| {
        event_error(
            codes::LOG_HASH_MISMATCH,
            i,
            format!("line {} (event {}) does not match its hash: its content was edited", i + 1, ev.seq),
        )
    })
}

/// The event's sequence number follows the previous event's (1 for the first).
fn check_sequence(i: usize, ev: &Event, prev: Option<(usize, &Event)>) -> Option<Diagnostic> {
    let expected_seq = prev.map_or(1, |(_, p)| p.seq + 1);
    if ev.seq == expected_seq {
        return None;
    }
    let what = if ev.seq > expected_seq {
        format!("{} event(s) were removed before it", ev.seq - expected_seq)
    } else {
        "lines were reordered or an event was inserted".to_owned()
    };
    Some(event_error(
        codes::LOG_SEQUENCE,
        i,
        format!("line {} has sequence {} where {expected_seq} was expected: {what}", i + 1, ev.seq),
    ))
}

/// The event's previous hash is the previous event's hash (the genesis hash for the first).
fn check_chain(i: usize, ev: &Event, prev: Option<(usize, &Event)>) -> Option<Diagnostic> {
    let expected_prev = prev.map_or(GENESIS, |(_, p)| p.hash.as_str());
    if ev.prev_hash == expected_prev {
        return None;
    }
    let what = match prev {
        None => "the first event does not start the chain (events removed before it, or inserted)".to_owned(),
        Some((pi, p)) => {
            format!(
                "it does not follow line {} (event {}): an event was removed, inserted or moved here",
                pi + 1,
                p.seq
            )
        }
    };
    Some(event_error(
        codes::LOG_CHAIN_BROKEN,
        i,
        format!("line {} (event {}): previous-hash mismatch; {what}", i + 1, ev.seq),
    ))
}

/// The event is not dated before the previous event.
fn check_time_order(i: usize, ev: &Event, prev: Option<(usize, &Event)>) -> Option<Diagnostic> {
    let (_, p) = prev?;
    (ev.time < p.time).then(|| {
        event_error(
            codes::LOG_TIME_ORDER,
            i,
            format!("line {} (event {}) is dated {} before the event before it ({})", i + 1, ev.seq, ev.time, p.time),
        )
    })
}

/// The event starts where the previous one ended (PLANNED for the first) and records a step
/// the state machine allows for its kind.
fn check_transition(i: usize, ev: &Event, prev: Option<(usize, &Event)>) -> Option<Diagnostic> {
    let from_ok = prev.map_or(ev.from == LifecycleState::Planned, |(_, p)| ev.from == p.to);
    let step_ok = match ev.kind {
        EventKind::Transition => ev.to == ev.from.next(),
        EventKind::ReturnToPlanned => ev.to == LifecycleState::Planned && ev.from != LifecycleState::Planned,
        EventKind::Acknowledgement | EventKind::Reanchor => ev.to == ev.from,
    };
    (!from_ok || !step_ok).then(|| {
        event_error(
            codes::LOG_BAD_TRANSITION,
            i,
            format!("line {} (event {}) records {} → {} ({:?}), which the state machine does not allow after the previous state", i + 1, ev.seq, ev.from, ev.to, ev.kind),
        )
    })
}

/// The log's last event `(seq, hash, prev_hash)` against the checkpoint `(hseq, hhash)`: equal;
/// one ahead and chained to the checkpoint (an interrupted append, a warning); otherwise
/// truncated or mismatched. `lines` is the log's line count.
fn check_checkpoint(last: Option<(u64, &str, &str)>, hseq: u64, hhash: &str, lines: usize) -> Option<Diagnostic> {
    match last {
        Some((s, h, _)) if s == hseq && h == hhash => None,
        Some((s, _, p)) if s == hseq + 1 && p == hhash => Some(
            Diagnostic::warning(codes::LOG_CHECKPOINT_BEHIND, HEAD_FILE, format!("the checkpoint records event {hseq}, the log ends at event {s}: an append was interrupted before the checkpoint was written"))
                .with_hint("the next `secfw advance` rewrites the checkpoint"),
        ),
        Some((s, _, _)) if s < hseq => Some(
            Diagnostic::error(codes::LOG_TRUNCATED, LOG_FILE, format!("the log ends at event {s} but the checkpoint records event {hseq}: {} event(s) were removed from the end", hseq - s))
                .at(Some(secfw_artifacts::Pos::new(u32::try_from(lines.max(1)).unwrap_or(u32::MAX), 1)))
                .with_hint(RESTORE),
        ),
        None if hseq > 0 => Some(
            Diagnostic::error(codes::LOG_TRUNCATED, LOG_FILE, format!("the log is empty but the checkpoint records event {hseq}: the log was removed or emptied"))
                .with_hint(RESTORE),
        ),
        None if hhash == GENESIS => None,
        None => Some(
            Diagnostic::error(codes::LOG_TRUNCATED, HEAD_FILE, "the log is empty but the checkpoint is not the genesis checkpoint")
                .with_hint(RESTORE),
        ),
        Some((s, _, _)) => Some(
            Diagnostic::error(codes::LOG_TRUNCATED, HEAD_FILE, format!("the checkpoint (event {hseq}) does not match the log's last event {s}"))
                .with_hint(RESTORE),
        ),
    }
}
