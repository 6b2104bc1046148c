//! `gate new`: fail only on what changed since a sealed, verified baseline handoff.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use secfw_lifecycle::{BaselineOptions, BaselineReport};

use super::{Outcome, TrustSource};
use crate::{Error, Workspace};

/// Options of [`Workspace::gate_new`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BaselineGateOptions {
    /// Evaluation time of the workspace (and verification time of the baseline).
    pub now: DateTime<Utc>,
    /// The baseline: a package (`.tar`) or a directory holding a sealed manifest; default: the
    /// newest package this workspace sealed (`.secfw/packages/`).
    pub baseline: Option<PathBuf>,
    /// The trust policy the baseline must verify against (from outside the workspace).
    pub trust: TrustSource,
    /// Accept a baseline sealed without a git binding.
    pub no_git: bool,
}

impl BaselineGateOptions {
    /// Compare at `now` with the default baseline, verified against `trust`.
    pub fn new(now: DateTime<Utc>, trust: TrustSource) -> Self {
        Self { now, baseline: None, trust, no_git: false }
    }

    /// Use this baseline handoff.
    #[must_use]
    pub fn baseline(mut self, baseline: Option<PathBuf>) -> Self {
        self.baseline = baseline;
        self
    }

    /// Accept a baseline without a git binding, or not.
    #[must_use]
    pub fn no_git(mut self, no_git: bool) -> Self {
        self.no_git = no_git;
        self
    }
}

impl Outcome for BaselineReport {
    fn passed(&self) -> bool {
        self.passed
    }
}

impl Workspace {
    /// The baseline gate (`secfw gate new`): verify the baseline handoff against the trust
    /// policy and compare the workspace with its sealed ledger. A baseline that is missing or
    /// does not verify is an error (`LC0301` diagnostics), never used.
    pub fn gate_new(&self, opts: &BaselineGateOptions) -> Result<BaselineReport, Error> {
        let mut lib = BaselineOptions::new(opts.now);
        lib.baseline.clone_from(&opts.baseline);
        lib.trust.clone_from(&opts.trust.path);
        lib.trust_digest.clone_from(&opts.trust.digest);
        lib.no_git = opts.no_git;
        let base = secfw_lifecycle::load_baseline(self.root(), &lib)?;
        Ok(base.compare(self.artifacts(), opts.now))
    }
}
