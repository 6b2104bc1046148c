//! [`Workspace`]: one entry point to a security workspace for embedding tools.

use std::path::{Path, PathBuf};

use secfw_artifacts::WorkspaceLock;
use secfw_artifacts::{Diagnostic, LoadOptions, LoadedWorkspace, Summary};

use crate::Error;

/// A security workspace opened from a directory: every artifact loaded, typed, with its
/// diagnostics.
///
/// ```
/// let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme");
/// let ws = secfw::Workspace::open(&dir)?;
/// assert!(ws.is_valid());
/// assert!(ws.artifacts().findings.is_some());
/// # Ok::<(), secfw::Error>(())
/// ```
#[derive(Debug)]
pub struct Workspace {
    loaded: LoadedWorkspace,
    options: LoadOptions,
}

impl Workspace {
    /// Open the workspace at `dir` with default options (lenient about unknown fields).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, Error> {
        Self::open_with(dir, LoadOptions::default())
    }

    /// Open the workspace at `dir` with explicit options (e.g. strict mode).
    pub fn open_with(dir: impl AsRef<Path>, options: LoadOptions) -> Result<Self, Error> {
        let loaded = secfw_artifacts::load(dir.as_ref(), &options)?;
        Ok(Self { loaded, options })
    }

    /// Load again from disk (after a change), with the same options.
    pub fn reload(&mut self) -> Result<(), Error> {
        self.loaded = secfw_artifacts::load(&self.loaded.root, &self.options)?;
        Ok(())
    }

    /// The workspace directory.
    pub fn root(&self) -> &Path {
        &self.loaded.root
    }

    /// Path of a file in the workspace.
    pub fn path(&self, name: &str) -> PathBuf {
        self.loaded.root.join(name)
    }

    /// Every artifact, typed (an artifact that is missing or invalid is `None`).
    pub fn artifacts(&self) -> &LoadedWorkspace {
        &self.loaded
    }

    /// Every diagnostic found while loading, sorted by file and position.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.loaded.diagnostics
    }

    /// Counts of diagnostics by level.
    pub fn summary(&self) -> Summary {
        self.loaded.summary()
    }

    /// `true` when no diagnostic is an error.
    pub fn is_valid(&self) -> bool {
        self.loaded.is_valid()
    }

    /// The options the workspace was opened with.
    pub fn options(&self) -> &LoadOptions {
        &self.options
    }

    /// The workspace loaded again from disk with the same options (for operations that must see
    /// the files as they are once they hold the lock), leaving `self` as it was.
    pub(crate) fn load_fresh(&self) -> Result<LoadedWorkspace, Error> {
        Ok(secfw_artifacts::load(&self.loaded.root, &self.options)?)
    }

    /// Take the workspace's exclusive lock (waiting at most `SECFW_LOCK_TIMEOUT` seconds,
    /// default 60), or fail with `SF0008` naming the lock file. Every operation that writes the
    /// workspace holds it while it runs.
    pub fn lock(&self) -> Result<WorkspaceLock, Error> {
        lock_dir(self.root())
    }
}

/// [`Workspace::lock`] for a directory that is not opened (yet).
pub(crate) fn lock_dir(dir: &Path) -> Result<WorkspaceLock, Error> {
    secfw_artifacts::check_root(dir)?;
    Ok(WorkspaceLock::acquire(dir, WorkspaceLock::timeout_from_env()?)?)
}
