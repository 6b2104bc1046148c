//! `enrich`: CISA KEV and FIRST EPSS data joined to the ledger, offline and sealed.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use secfw_enrich::EnrichReport;

use super::Outcome;
use crate::{Error, Workspace};

/// Options of [`Workspace::enrich`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EnrichOptions {
    /// The as-of time: data dated later is refused; without a file, the newest stored data dated
    /// by then is joined.
    pub now: DateTime<Utc>,
    /// A CISA KEV catalog (JSON) to store and join.
    pub kev: Option<PathBuf>,
    /// FIRST EPSS scores (CSV, plain or gzip) to store and join.
    pub epss: Option<PathBuf>,
    /// Validate and join, report what would change, write nothing.
    pub dry_run: bool,
}

impl EnrichOptions {
    /// Join the data stored as of `now` (no new file).
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now, kev: None, epss: None, dry_run: false }
    }

    /// Store and join this KEV catalog.
    #[must_use]
    pub fn kev(mut self, path: Option<PathBuf>) -> Self {
        self.kev = path;
        self
    }

    /// Store and join these EPSS scores.
    #[must_use]
    pub fn epss(mut self, path: Option<PathBuf>) -> Self {
        self.epss = path;
        self
    }

    /// Dry run on or off.
    #[must_use]
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }
}

impl Outcome for EnrichReport {
    fn passed(&self) -> bool {
        true
    }
}

impl Workspace {
    /// Store the given KEV / EPSS files as sealed inputs under `evidence/intel/` and join the data
    /// in force at `opts.now` to the ledger, holding the workspace lock until it is written
    /// (`secfw enrich`). On error nothing is written (the error's diagnostics say why).
    pub fn enrich(&self, opts: &EnrichOptions) -> Result<EnrichReport, Error> {
        let lock = self.lock()?;
        let mut lib = secfw_enrich::EnrichOptions::new(opts.now);
        lib.kev.clone_from(&opts.kev);
        lib.epss.clone_from(&opts.epss);
        lib.dry_run = opts.dry_run;
        Ok(secfw_enrich::enrich(self.root(), &lock, &lib)?)
    }
}
