//! `enrich`: CISA KEV and FIRST EPSS data joined to the ledger, offline and sealed.

use secfw_enrich::{EnrichOptions, EnrichReport};

use super::Outcome;
use crate::{Error, Workspace};

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
        Ok(secfw_enrich::enrich(self.root(), &lock, opts)?)
    }
}
