//! secfw's own state under `.secfw/` (event log and checkpoint, lock files, KPI history,
//! escalation records): the one home of the rule that it is read and written only as regular
//! files reached through real directories.
//!
//! - `.secfw` itself and every directory under it on the way to a file must be a real
//!   directory: a symlink there is refused, never followed, for reads and writes alike, so a
//!   workspace whose `.secfw` (or `.secfw/history`) points elsewhere never gets secfw's state
//!   written outside it.
//! - A file is opened without blocking and without following a symlink at its path (`O_NONBLOCK`,
//!   `O_NOFOLLOW`), checked on the opened descriptor to be a regular file, and read up to a size
//!   budget: a FIFO never hangs a command, `/dev/zero` never grows its memory.
//! - Writes go through [`crate::write_atomic_under`] (temp file, fsync, rename), after the same
//!   checks.
//!
//! Every refusal is an [`Error::Invalid`] whose diagnostic has code `SF0010`
//! ([`codes::STATE_NOT_REGULAR`]), the path, and a hint. Paths are relative to the workspace
//! root, which the caller chose and which may itself be a symlink.
//!
//! A public namespace: its items (`state::read`, `state::write`, ...) read well only qualified.

use std::fs;
use std::path::{Component, Path};

use crate::read::{Links, open_regular};
use crate::{Diagnostic, Error, codes};

/// The directory of secfw's own state, relative to the workspace root.
pub const DIR: &str = ".secfw";

pub(crate) fn refused(rel: &Path, what: &str) -> Error {
    let file = rel.display().to_string();
    Error::Invalid {
        diagnostics: vec![
            Diagnostic::error(
                codes::STATE_NOT_REGULAR,
                &file,
                format!("{what}; secfw reads and writes its own state only as regular files in real directories"),
            )
            .with_hint(format!(
                "remove it (and any link at `{DIR}`) so that `{DIR}` is a plain directory of the workspace, or restore \
                 it from version control or a backup; secfw never follows a link or waits on a FIFO or device there"
            )),
        ],
        file,
    }
}

/// `rel` exists and is not a regular file (a symlink, directory, FIFO, socket or device).
fn not_regular(rel: &Path, m: &fs::Metadata) -> Error {
    refused(rel, &format!("`{}` is {}, not a regular file", rel.display(), kind(m)))
}

fn kind(m: &fs::Metadata) -> &'static str {
    let ft = m.file_type();
    if ft.is_symlink() {
        "a symlink"
    } else if ft.is_dir() {
        "a directory"
    } else if ft.is_file() {
        "a regular file"
    } else {
        "a FIFO, socket or device"
    }
}

/// Check that every component of `rel_dir` that exists under `root` is a real directory (not a
/// symlink, not a file). Components that do not exist yet are fine (they are created with
/// [`crate::create_dirs_nofollow`] when written).
///
/// # Errors
///
/// `SF0010` naming the first component that is a symlink or not a directory, or a path that is
/// not plain and relative.
pub fn check_dirs(root: &Path, rel_dir: &Path) -> Result<(), Error> {
    let mut cur = root.to_path_buf();
    let mut so_far = std::path::PathBuf::new();
    for c in rel_dir.components() {
        match c {
            Component::CurDir => continue,
            Component::Normal(seg) => {
                cur.push(seg);
                so_far.push(seg);
            }
            _ => return Err(refused(rel_dir, &format!("`{}` is not a plain relative path", rel_dir.display()))),
        }
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_dir() => {}
            Ok(m) => return Err(refused(&so_far, &format!("`{}` is {}, not a directory", so_far.display(), kind(&m)))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(Error::Io { path: cur, source }),
        }
    }
    Ok(())
}

/// Refuse `path` when its parent directory (e.g. `.secfw` for `.secfw/tickets.journal`) is a
/// symlink: for files named by a full path rather than root and relative path.
pub(crate) fn check_parent_of(path: &Path) -> Result<(), Error> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else { return Ok(()) };
    match fs::symlink_metadata(parent) {
        Ok(m) if !m.file_type().is_dir() => {
            Err(refused(parent, &format!("`{}` is {}, not a directory", parent.display(), kind(&m))))
        }
        _ => Ok(()),
    }
}

fn check_parents(root: &Path, rel: &Path) -> Result<(), Error> {
    check_dirs(root, rel.parent().unwrap_or(Path::new("")))
}

/// The bytes of the state file `root/rel`, at most `cap` of them; `None` when it does not exist.
///
/// # Errors
///
/// `SF0010` when a directory on the way is a symlink, or the file is a symlink, FIFO, socket,
/// device or directory, or is over `cap` bytes; [`Error::Io`] when it cannot be read.
pub fn read(root: &Path, rel: &Path, cap: u64) -> Result<Option<Vec<u8>>, Error> {
    use std::io::Read as _;
    check_parents(root, rel)?;
    let path = root.join(rel);
    match fs::symlink_metadata(&path) {
        Ok(m) if !m.file_type().is_file() => {
            return Err(not_regular(rel, &m));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Io { path, source }),
    }
    // Opened without blocking or following a link: a FIFO or link swapped in after the check
    // above is refused here.
    let (f, m) = match open_regular(&path, Links::Refuse) {
        Ok(x) => x,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::InvalidInput => {
            return Err(refused(rel, &source.to_string()));
        }
        Err(e) => return Err(e),
    };
    let too_big = || refused(rel, &format!("`{}` is over the {cap}-byte limit for this file", rel.display()));
    if m.len() > cap {
        return Err(too_big());
    }
    let mut b = Vec::new();
    f.take(cap + 1).read_to_end(&mut b).map_err(|source| Error::Io { path: path.clone(), source })?;
    if b.len() as u64 > cap {
        return Err(too_big());
    }
    Ok(Some(b))
}

/// Write `bytes` to the state file `root/rel` atomically, creating missing directories without
/// following links.
///
/// # Errors
///
/// `SF0010` when a directory on the way, or the file itself, is a symlink or not what it should
/// be (nothing is written); [`Error::Io`] when the write fails.
pub fn write(root: &Path, rel: &Path, bytes: &[u8]) -> Result<(), Error> {
    check_parents(root, rel)?;
    check_not_special(root, rel)?;
    crate::write_atomic_under(root, rel, bytes)
}

/// Refuse an existing entry at `root/rel` that is not a regular file.
fn check_not_special(root: &Path, rel: &Path) -> Result<(), Error> {
    match fs::symlink_metadata(root.join(rel)) {
        Ok(m) if !m.file_type().is_file() => Err(not_regular(rel, &m)),
        _ => Ok(()),
    }
}

/// Open (creating it when missing) the lock file `root/rel` for writing, without blocking and
/// without following a link; its directories are created without following links. The caller
/// locks the returned file.
///
/// # Errors
///
/// `SF0010` when a directory on the way, or the lock file, is a symlink, FIFO, socket, device or
/// directory; [`Error::Io`] when it cannot be created or opened.
pub fn open_lock(root: &Path, rel: &Path) -> Result<fs::File, Error> {
    check_parents(root, rel)?;
    check_not_special(root, rel)?;
    crate::create_dirs_nofollow(root, rel.parent().unwrap_or(Path::new("")))?;
    let path = root.join(rel);
    let mut o = fs::OpenOptions::new();
    o.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.custom_flags(crate::write::O_NONBLOCK | crate::write::O_NOFOLLOW);
    }
    let f = o.open(&path).map_err(|source| {
        // A link or FIFO swapped in after the check above.
        match fs::symlink_metadata(&path) {
            Ok(m) if !m.file_type().is_file() => not_regular(rel, &m),
            _ => Error::Io { path: path.clone(), source },
        }
    })?;
    let m = f.metadata().map_err(|source| Error::Io { path: path.clone(), source })?;
    if !m.is_file() {
        return Err(not_regular(rel, &m));
    }
    Ok(f)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mkfifo(p: &Path) {
        assert!(std::process::Command::new("mkfifo").arg(p).status().is_ok_and(|s| s.success()));
    }

    fn code(e: &Error) -> Option<crate::Code> {
        match e {
            Error::Invalid { diagnostics, .. } => diagnostics.first().map(|d| d.code),
            _ => None,
        }
    }

    #[test]
    fn a_fifo_or_device_in_the_state_dir_is_refused_without_blocking() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir(t.path().join(DIR)).unwrap();
        mkfifo(&t.path().join(".secfw/events.jsonl"));
        std::os::unix::fs::symlink("/dev/zero", t.path().join(".secfw/events.head")).unwrap();
        for rel in [".secfw/events.jsonl", ".secfw/events.head"] {
            let e = read(t.path(), Path::new(rel), 1 << 20).unwrap_err();
            assert_eq!(code(&e), Some(codes::STATE_NOT_REGULAR), "{rel}: {e}");
            let e = open_lock(t.path(), Path::new(rel)).unwrap_err();
            assert_eq!(code(&e), Some(codes::STATE_NOT_REGULAR), "{rel}: {e}");
            let e = write(t.path(), Path::new(rel), b"x").unwrap_err();
            assert_eq!(code(&e), Some(codes::STATE_NOT_REGULAR), "{rel}: {e}");
        }
        assert_eq!(read(t.path(), Path::new(".secfw/absent"), 10).unwrap(), None);
        fs::write(t.path().join(".secfw/big"), [b'x'; 11]).unwrap();
        assert_eq!(code(&read(t.path(), Path::new(".secfw/big"), 10).unwrap_err()), Some(codes::STATE_NOT_REGULAR));
        assert_eq!(read(t.path(), Path::new(".secfw/big"), 11).unwrap().unwrap().len(), 11);
    }

    #[test]
    fn nothing_is_read_or_written_through_a_symlinked_state_dir() {
        let t = tempfile::tempdir().unwrap();
        let ws = t.path().join("ws");
        let outside = t.path().join("outside");
        fs::create_dir_all(&ws).unwrap();
        fs::create_dir_all(outside.join("history")).unwrap();
        fs::write(outside.join("events.jsonl"), b"planted").unwrap();
        std::os::unix::fs::symlink(&outside, ws.join(DIR)).unwrap();
        let e = read(&ws, Path::new(".secfw/events.jsonl"), 100).unwrap_err();
        assert_eq!(code(&e), Some(codes::STATE_NOT_REGULAR), "{e}");
        assert!(write(&ws, Path::new(".secfw/events.head"), b"x").is_err());
        assert!(open_lock(&ws, Path::new(".secfw/lock")).is_err());
        assert!(write(&ws, Path::new(".secfw/history/c.json"), b"x").is_err());
        // a real .secfw with a symlinked history directory
        fs::remove_file(ws.join(DIR)).unwrap();
        fs::create_dir(ws.join(DIR)).unwrap();
        std::os::unix::fs::symlink(outside.join("history"), ws.join(".secfw/history")).unwrap();
        let e = write(&ws, Path::new(".secfw/history/c.json"), b"x").unwrap_err();
        assert_eq!(code(&e), Some(codes::STATE_NOT_REGULAR), "{e}");
        assert_eq!(code(&check_dirs(&ws, Path::new(".secfw/history")).unwrap_err()), Some(codes::STATE_NOT_REGULAR));
        let mut left: Vec<_> = fs::read_dir(&outside).unwrap().map(|e| e.unwrap().file_name()).collect();
        left.sort();
        assert_eq!(left, ["events.jsonl", "history"], "nothing written outside the workspace");
        assert!(fs::read_dir(outside.join("history")).unwrap().next().is_none());
        // the ordinary case works
        write(&ws, Path::new(".secfw/events.head"), b"ok").unwrap();
        assert_eq!(read(&ws, Path::new(".secfw/events.head"), 10).unwrap().unwrap(), b"ok");
        open_lock(&ws, Path::new(".secfw/lock")).unwrap();
    }
}
