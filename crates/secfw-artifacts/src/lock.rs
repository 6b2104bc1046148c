//! The one exclusive workspace lock, `.secfw/workspace.lock`.
//!
//! Every command that writes a workspace (ingest, cycle, advance, digest, generate-manifest,
//! sign-manifest, package, rollback, exception and ticket writes, keygen into a workspace)
//! holds it for its whole run, so two writers never interleave their read-modify-write of
//! the ledger or of any other artifact. The lock is an OS advisory lock (`flock` on Unix,
//! `LockFileEx` on Windows) taken with std's [`File::try_lock`]: it is released by the OS when
//! the process ends, however it ends, so a killed run never leaves a stale lock behind. The
//! file itself is never deleted (deleting a lock file while another process waits on it is
//! how lock-file protocols break).
//!
//! Rule for the library crates: a function that writes a workspace and is called from a
//! command takes `&WorkspaceLock` as proof that its caller holds the lock; the command (the
//! CLI handler, or a library entry point that is a whole command such as the lifecycle's
//! `cycle::run`) acquires it once with [`WorkspaceLock::acquire`]. Locks of one process on the
//! same file conflict, so nothing below a command acquires it a second time.
//!
//! ```
//! use std::time::Duration;
//! use secfw_artifacts::WorkspaceLock;
//! let dir = tempfile::tempdir()?;
//! let held = WorkspaceLock::acquire(dir.path(), Duration::from_secs(1))?;
//! // A second writer waits for the timeout, then fails with SF0008 naming the lock file.
//! let err = WorkspaceLock::acquire(dir.path(), Duration::from_millis(50)).unwrap_err();
//! assert!(err.to_string().contains("workspace.lock"));
//! drop(held);
//! WorkspaceLock::acquire(dir.path(), Duration::from_millis(50))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{Diagnostic, Error, codes};

/// The lock file, relative to the workspace root.
pub const LOCK_FILE: &str = ".secfw/workspace.lock";

/// How long a writer waits for the lock by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment variable that overrides [`DEFAULT_TIMEOUT`] (whole seconds, `0` = do not
/// wait), read by the CLI.
pub const TIMEOUT_ENV: &str = "SECFW_LOCK_TIMEOUT";

/// Proof that this process holds the exclusive lock of one workspace; released on drop.
#[derive(Debug)]
pub struct WorkspaceLock {
    root: PathBuf,
    path: PathBuf,
    _file: File,
}

impl WorkspaceLock {
    /// Take the exclusive lock of the workspace at `root`, waiting at most `timeout` for
    /// another writer to finish. Creates `.secfw/` and the lock file when missing.
    ///
    /// Fails with [`Error::Locked`] (code `SF0008`, naming the lock file) when the lock is
    /// still held after `timeout`, with [`Error::Invalid`] (code `SF0010`) when `.secfw` or the
    /// lock file is a symlink, FIFO or device, and with [`Error::Io`] when the lock file cannot be
    /// opened.
    pub fn acquire(root: &Path, timeout: Duration) -> Result<Self, Error> {
        let path = root.join(LOCK_FILE);
        let io = |source| Error::Io { path: path.clone(), source };
        // The lock file must be a regular file inside a real `.secfw/` directory: a FIFO or
        // device there would block the open, a symlinked `.secfw` would put the lock (and every
        // state file after it) outside the workspace. Refused with SF0010 (see `state`).
        let file = crate::state::open_lock(root, Path::new(LOCK_FILE))?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let waited = start.elapsed();
                    if waited >= timeout {
                        return Err(Error::Locked(Box::new(
                            Diagnostic::error(
                                codes::WORKSPACE_LOCKED,
                                LOCK_FILE,
                                format!(
                                    "another secfw command is writing this workspace: {} is still locked after {:.1} s",
                                    path.display(),
                                    waited.as_secs_f64()
                                ),
                            )
                            .with_hint(format!(
                                "wait for the other command to finish and run this one again, or raise the wait with {TIMEOUT_ENV}=SECONDS; \
                                 the lock is released when the process holding {} exits",
                                path.display()
                            )),
                        )));
                    }
                    std::thread::sleep(pause.min(timeout.saturating_sub(waited)).max(Duration::from_millis(1)));
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        Ok(Self { root: root.to_owned(), path, _file: file })
    }

    /// The timeout to use: `SECFW_LOCK_TIMEOUT` (whole seconds) when set, else
    /// [`DEFAULT_TIMEOUT`]. A value that is set but not a whole number of seconds is an error
    /// (`SF0009`), never silently the default.
    pub fn timeout_from_env() -> Result<Duration, Error> {
        Self::timeout_from(std::env::var_os(TIMEOUT_ENV).as_deref())
    }

    /// [`Self::timeout_from_env`] for a given value of the variable.
    pub fn timeout_from(value: Option<&std::ffi::OsStr>) -> Result<Duration, Error> {
        let Some(v) = value else { return Ok(DEFAULT_TIMEOUT) };
        v.to_str().and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs).ok_or_else(|| Error::Invalid {
            file: TIMEOUT_ENV.to_owned(),
            diagnostics: vec![
                Diagnostic::error(
                    codes::LOCK_TIMEOUT_INVALID,
                    TIMEOUT_ENV,
                    format!("{TIMEOUT_ENV}={} is not a whole number of seconds", v.to_string_lossy()),
                )
                .with_hint("set it to a number of seconds (e.g. 120), or unset it for the default of 60"),
            ],
        })
    }

    /// The workspace this lock covers.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `true` when this lock covers the workspace at `dir` (same directory after resolving
    /// symlinks and `..`).
    pub fn covers(&self, dir: &Path) -> bool {
        match (std::fs::canonicalize(&self.root), std::fs::canonicalize(dir)) {
            (Ok(a), Ok(b)) => a == b,
            _ => self.root == dir,
        }
    }

    /// An error for a write into `dir` under a lock of another workspace.
    pub fn check_covers(&self, dir: &Path) -> Result<(), Error> {
        if self.covers(dir) {
            return Ok(());
        }
        Err(Error::Locked(Box::new(
            Diagnostic::error(
                codes::WORKSPACE_LOCKED,
                LOCK_FILE,
                format!("the lock held is for {}, not for {}", self.root.display(), dir.display()),
            )
            .with_hint("acquire the WorkspaceLock of the workspace being written"),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_timeout_that_is_not_whole_seconds_is_an_error_never_the_default() {
        use std::ffi::OsStr;
        assert_eq!(WorkspaceLock::timeout_from(None).unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(WorkspaceLock::timeout_from(Some(OsStr::new(" 120 "))).unwrap(), Duration::from_secs(120));
        for bad in ["", "abc", "1.5", "-3", "60s"] {
            match WorkspaceLock::timeout_from(Some(OsStr::new(bad))) {
                Err(Error::Invalid { diagnostics, .. }) => {
                    assert_eq!(diagnostics[0].code, codes::LOCK_TIMEOUT_INVALID, "{bad:?}");
                }
                other => panic!("{bad:?}: expected SF0009, got {other:?}"),
            }
        }
    }
}
