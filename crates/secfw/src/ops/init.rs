//! `init`: write a new security workspace.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::{Error, Workspace};

/// Options of [`Workspace::init`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct InitOptions {
    /// The date the workspace is written for (the example's dates move with it).
    pub now: DateTime<Utc>,
    /// Write a minimal skeleton for your own project instead of the complete example.
    pub minimal: bool,
    /// The project id of a minimal workspace (default: the directory's name).
    pub project: Option<String>,
}

impl InitOptions {
    /// The complete example at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now, minimal: false, project: None }
    }

    /// A minimal skeleton for `project` (default: the directory's name).
    #[must_use]
    pub fn minimal(mut self, project: Option<String>) -> Self {
        self.minimal = true;
        self.project = project;
        self
    }
}

impl Workspace {
    /// Write a complete, realistic, valid security workspace (or a minimal skeleton) into `dir`.
    /// Returns the files written.
    pub fn init(dir: &Path, opts: &InitOptions) -> Result<Vec<PathBuf>, Error> {
        if opts.minimal {
            let project = match &opts.project {
                Some(p) => p.clone(),
                None => std::path::absolute(dir)
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .unwrap_or_default(),
            };
            Ok(secfw_artifacts::template::write_minimal(dir, &project, opts.now)?)
        } else {
            Ok(secfw_artifacts::template::write_example_at(dir, opts.now)?)
        }
    }
}
