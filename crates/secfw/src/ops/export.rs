//! `export`: findings as SARIF, OSCAL, JUnit or GitHub annotations.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use secfw_artifacts::model::findings::Finding;
use secfw_export::{ExportInput, Format, OscalVersion, SarifProfile, Vcs};
use secfw_lifecycle::BaselineReport;

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
    /// The SARIF consumer (standard, or GitHub code scanning).
    pub profile: SarifProfile,
    /// Each current finding's state against a verified baseline (finding id → `new`,
    /// `unchanged`, `updated`) and the baseline findings no longer open (`absent`).
    pub baseline: Option<(BTreeMap<String, String>, Vec<Finding>)>,
}

impl ExportOptions {
    /// Export as `format` at `now` (OSCAL 1.1.2, no provenance).
    pub fn new(format: Format, now: DateTime<Utc>) -> Self {
        Self {
            format,
            oscal_version: OscalVersion::V1_1_2,
            now,
            vcs: None,
            profile: SarifProfile::Standard,
            baseline: None,
        }
    }

    /// Declare this OSCAL version.
    #[must_use]
    pub fn oscal_version(mut self, v: OscalVersion) -> Self {
        self.oscal_version = v;
        self
    }

    /// Shaped for this SARIF consumer.
    #[must_use]
    pub fn profile(mut self, p: SarifProfile) -> Self {
        self.profile = p;
        self
    }

    /// With SARIF `baselineState` from a verified baseline comparison
    /// ([`secfw_lifecycle::gate_new`]).
    #[must_use]
    pub fn baseline(mut self, report: &BaselineReport) -> Self {
        let states = report.current().map(|f| (f.finding_id.clone(), f.state.as_str().to_owned())).collect();
        self.baseline = Some((states, report.absent_findings.clone()));
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
        let input = self.export_input(opts)?;
        Ok(secfw_export::render(opts.format, &input, opts.oscal_version)?)
    }

    /// The GitHub code-scanning dismissal plan (JSON: alert fingerprint, reason, exception id)
    /// of the alerts the `github` profile leaves out of the upload.
    pub fn dismissal_plan(&self, opts: &ExportOptions) -> Result<String, Error> {
        let input = self.export_input(opts)?;
        Ok(secfw_export::to_json(&secfw_export::dismissal_plan(&input))?)
    }

    fn export_input<'a>(&'a self, opts: &'a ExportOptions) -> Result<ExportInput<'a>, Error> {
        let mut input =
            ExportInput::from_workspace(self.artifacts(), opts.now)?.vcs(opts.vcs.as_ref()).profile(opts.profile);
        if let Some((states, absent)) = &opts.baseline {
            input = input.baseline(states.clone(), absent.clone());
        }
        Ok(input)
    }
}
