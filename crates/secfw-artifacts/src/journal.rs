//! A JSON ledger kept with an append-only journal, the crash-safety pattern of every secfw
//! command that talks to the outside world (`tickets apply`, `notify apply`): each completed step
//! is appended to the journal as one JSON line and synced before the next step starts; at the end
//! of the run the ledger is rewritten atomically and the journal removed ([`commit`]). A run
//! killed at any point loses nothing: the next load replays the journal's complete lines
//! ([`complete_lines`]) over the ledger.
//!
//! Every file is opened without blocking and checked on its descriptor, so a FIFO or device
//! planted at the path is refused instead of hanging the command; a symlinked directory holding
//! them (a `.secfw` that points elsewhere) is refused with `SF0010`, never written through.
//!
//! A public namespace: its items (`commit`, `append_line`, ...) read well only qualified.

use std::io::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::Error;
use crate::read::{Links, read_regular};

/// Largest ledger or journal read (both grow by a few hundred bytes per applied step).
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// The text of the ledger or journal at `path`; `None` when it does not exist. A FIFO, device,
/// directory or symlink, an oversize file or invalid UTF-8 is an error, never "absent".
pub fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    crate::state::check_parent_of(path)?;
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Io { path: path.to_owned(), source }),
        Ok(_) => {}
    }
    let bytes = read_regular(path, MAX_BYTES, Links::Refuse)?;
    String::from_utf8(bytes).map(Some).map_err(|e| Error::Io {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

/// The journal's complete lines (a line cut short by a crash is ignored) that are not blank, with
/// their 1-based line numbers.
pub fn complete_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    let complete = text.rsplit_once('\n').map_or("", |(complete, _torn)| complete);
    complete
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l))
}

/// Append `entry` as one JSON line to the journal at `journal` (created with its directory if
/// missing) and sync it to disk before returning.
pub fn append_line<T: Serialize>(journal: &Path, entry: &T) -> Result<(), Error> {
    let mut line = serde_json::to_vec(entry).map_err(|e| Error::Serialize(Box::new(e)))?;
    line.push(b'\n');
    let io = |source| Error::Io { path: journal.to_owned(), source };
    crate::state::check_parent_of(journal)?;
    if let Some(dir) = journal.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.custom_flags(crate::write::O_NONBLOCK | crate::write::O_NOFOLLOW);
    }
    let mut f = o.open(journal).map_err(io)?;
    if !f.metadata().map_err(io)?.is_file() {
        return Err(io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "the journal is not a regular file")));
    }
    f.write_all(&line).and_then(|()| f.sync_data()).map_err(io)
}

/// Write `ledger` as pretty JSON (a newline at the end) to `path` atomically, then remove the
/// journal it now contains. A value that cannot be serialized is an error: the ledger is never
/// replaced by an empty document.
pub fn commit<T: Serialize>(path: &Path, ledger: &T, journal: &Path) -> Result<(), Error> {
    let mut text = serde_json::to_string_pretty(ledger).map_err(|e| Error::Serialize(Box::new(e)))?;
    text.push('\n');
    crate::state::check_parent_of(path)?;
    crate::write::write_atomic(path, text.as_bytes())?;
    match std::fs::remove_file(journal) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io { path: journal.to_owned(), source }),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_at_the_journal_is_refused_without_blocking_and_a_torn_line_is_ignored() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("j.fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert!(append_line(&fifo, &serde_json::json!({"a": 1})).is_err());
        assert!(read_optional(&fifo).is_err());
        let j = t.path().join("d/j.jsonl");
        assert_eq!(read_optional(&j).unwrap(), None);
        append_line(&j, &serde_json::json!({"a": 1})).unwrap();
        append_line(&j, &serde_json::json!({"a": 2})).unwrap();
        let mut text = read_optional(&j).unwrap().unwrap();
        text.push_str("{\"a\": 3");
        let lines: Vec<(u32, &str)> = complete_lines(&text).collect();
        assert_eq!(lines, vec![(1, "{\"a\":1}"), (2, "{\"a\":2}")]);
        commit(&t.path().join("d/ledger.json"), &serde_json::json!({"n": 2}), &j).unwrap();
        assert!(!j.exists(), "the journal is folded into the ledger");
        assert_eq!(std::fs::read_to_string(t.path().join("d/ledger.json")).unwrap(), "{\n  \"n\": 2\n}\n");
    }

    #[test]
    fn nothing_is_read_or_written_through_a_symlinked_journal_directory() {
        let t = tempfile::tempdir().unwrap();
        let outside = t.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("j.jsonl"), "{\"a\":1}\n").unwrap();
        std::os::unix::fs::symlink(&outside, t.path().join(".secfw")).unwrap();
        let j = t.path().join(".secfw/j.jsonl");
        assert!(read_optional(&j).is_err());
        assert!(append_line(&j, &serde_json::json!({"a": 2})).is_err());
        assert!(commit(&t.path().join(".secfw/ledger.json"), &serde_json::json!({}), &j).is_err());
        assert_eq!(std::fs::read_to_string(outside.join("j.jsonl")).unwrap(), "{\"a\":1}\n", "untouched");
        assert!(!outside.join("ledger.json").exists(), "nothing written through the link");
    }
}
