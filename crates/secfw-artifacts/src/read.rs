//! Reading files secfw does not own (seal files, keys, trust policies, reports) without ever
//! blocking: the file is opened with `O_NONBLOCK` (a FIFO opens at once instead of waiting for
//! a writer), the *opened* file is checked to be a regular file (a FIFO, socket or device such
//! as `/dev/zero` is refused), and at most a size cap is read.

use std::fs;
use std::io::Read as _;
use std::path::Path;

use crate::Error;

/// `O_NONBLOCK` and `O_NOFOLLOW` for this platform (from `libc`), for callers that open files
/// themselves with `OpenOptionsExt::custom_flags`.
#[cfg(unix)]
pub use crate::write::{O_NOFOLLOW, O_NONBLOCK};

/// How to treat a symlink at the path itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Links {
    /// Follow a symlink (a key or policy the user named explicitly may be a link).
    Follow,
    /// Refuse a symlink at the path (`O_NOFOLLOW`): files inside a verified tree.
    Refuse,
}

fn invalid(path: &Path, msg: String) -> Error {
    Error::Io { path: path.to_owned(), source: std::io::Error::new(std::io::ErrorKind::InvalidInput, msg) }
}

/// Read the regular file at `path`, at most `cap` bytes; refuse FIFOs, sockets, devices and
/// directories without blocking on them, and files over `cap` bytes.
pub fn read_regular(path: &Path, cap: u64, links: Links) -> Result<Vec<u8>, Error> {
    let (f, m) = open_regular(path, links)?;
    if m.len() > cap {
        return Err(invalid(path, format!("{} is {} bytes, over the {cap}-byte limit", path.display(), m.len())));
    }
    let mut b = Vec::new();
    f.take(cap + 1).read_to_end(&mut b).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    if b.len() as u64 > cap {
        return Err(invalid(path, format!("{} grew over the {cap}-byte limit while being read", path.display())));
    }
    Ok(b)
}

/// Open the regular file at `path` for streaming: opened without blocking (and, with
/// [`Links::Refuse`], without following a symlink at the path), then checked on the opened
/// descriptor to be a regular file. Returns the file and its metadata.
pub fn open_regular(path: &Path, links: Links) -> Result<(fs::File, fs::Metadata), Error> {
    let mut o = fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let nofollow = if links == Links::Refuse { O_NOFOLLOW } else { 0 };
        o.custom_flags(O_NONBLOCK | nofollow);
    }
    #[cfg(not(unix))]
    {
        if links == Links::Refuse && fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(invalid(path, format!("{} is a symlink; it is never followed", path.display())));
        }
        let m = fs::metadata(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        if !m.is_file() {
            return Err(invalid(path, format!("{} is not a regular file", path.display())));
        }
    }
    let f = o.open(path).map_err(|source| {
        if links == Links::Refuse && fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            invalid(path, format!("{} is a symlink; it is never followed", path.display()))
        } else {
            Error::Io { path: path.to_owned(), source }
        }
    })?;
    let m = f.metadata().map_err(|source| Error::Io { path: path.to_owned(), source })?;
    if !m.is_file() {
        let ft = m.file_type();
        let kind = if ft.is_dir() { "a directory" } else { "not a regular file (FIFO, socket or device)" };
        return Err(invalid(path, format!("{} is {kind}; secfw reads regular files only", path.display())));
    }
    Ok((f, m))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mkfifo(p: &Path) {
        assert!(std::process::Command::new("mkfifo").arg(p).status().is_ok_and(|s| s.success()));
    }

    #[test]
    fn fifo_device_directory_and_oversize_are_refused_without_blocking() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("f");
        mkfifo(&fifo);
        // would block forever with a plain open: no writer ever comes
        assert!(read_regular(&fifo, 10, Links::Follow).is_err());
        assert!(read_regular(Path::new("/dev/zero"), 10, Links::Follow).is_err());
        assert!(read_regular(t.path(), 10, Links::Follow).is_err());
        let big = t.path().join("big");
        fs::write(&big, [b'x'; 11]).unwrap();
        assert!(read_regular(&big, 10, Links::Follow).is_err());
        assert_eq!(read_regular(&big, 11, Links::Follow).unwrap().len(), 11);
    }

    #[test]
    fn a_symlink_is_followed_only_when_asked() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("real"), b"ok").unwrap();
        std::os::unix::fs::symlink(t.path().join("real"), t.path().join("link")).unwrap();
        assert_eq!(read_regular(&t.path().join("link"), 10, Links::Follow).unwrap(), b"ok");
        assert!(read_regular(&t.path().join("link"), 10, Links::Refuse).is_err());
    }

    #[test]
    fn workspace_artifact_fifo_is_refused_without_blocking() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("rulebook.yaml");
        mkfifo(&fifo);
        let e = crate::source::read_artifact(&fifo, "rulebook.yaml", 1024).unwrap_err();
        assert_eq!(e.code, crate::codes::NOT_A_FILE);
    }
}
