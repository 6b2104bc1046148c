//! The workspace lock every writing command holds for its whole run.

use std::path::Path;

use secfw::artifacts::WorkspaceLock;

/// Take the exclusive lock of the workspace at `dir` (waiting at most `SECFW_LOCK_TIMEOUT`
/// seconds, default 60), or fail with `SF0008` naming the lock file.
pub(crate) fn workspace(dir: &Path) -> Result<WorkspaceLock, secfw::artifacts::Error> {
    secfw::artifacts::check_root(dir)?;
    WorkspaceLock::acquire(dir, WorkspaceLock::timeout_from_env()?)
}
