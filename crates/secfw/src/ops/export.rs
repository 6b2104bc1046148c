//! `export`: findings as SARIF, OSCAL, JUnit or GitHub annotations.

use chrono::{DateTime, Utc};
use secfw_export::{ExportInput, Format, OscalVersion, Vcs};

use crate::{Error, Workspace};

/// Options of [`Workspace::export`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ExportOptions {
    /// What to write.
    pub format: Format,
    /// The OSCAL version to declare.
    pub oscal_version: OscalVersion,
    /// Evaluation time (exception validity).
    pub now: DateTime<Utc>,
    /// SARIF versionControlProvenance (see [`Vcs::resolve`]).
    pub vcs: Option<Vcs>,
}

impl ExportOptions {
    /// Export as `format` at `now` (OSCAL 1.1.2, no provenance).
    pub fn new(format: Format, now: DateTime<Utc>) -> Self {
        Self { format, oscal_version: OscalVersion::V1_1_2, now, vcs: None }
    }

    /// Declare this OSCAL version.
    #[must_use]
    pub fn oscal_version(mut self, v: OscalVersion) -> Self {
        self.oscal_version = v;
        self
    }

    /// With provenance.
    #[must_use]
    pub fn vcs(mut self, vcs: Option<Vcs>) -> Self {
        self.vcs = vcs;
        self
    }
}

impl Workspace {
    /// The findings exported as `opts.format` (the document's text). A workspace without a
    /// usable ledger is an error whose diagnostic says why.
    pub fn export(&self, opts: &ExportOptions) -> Result<String, Error> {
        let input = ExportInput::from_workspace(self.artifacts(), opts.now)?.vcs(opts.vcs.as_ref());
        Ok(secfw_export::render(opts.format, &input, opts.oscal_version)?)
    }
}
