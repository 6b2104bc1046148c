#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod codes;
mod junit;
mod oscal;
mod sarif;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use secfw_artifacts::model::findings::{Finding, FindingStatus, FindingsFile};
use secfw_artifacts::{Exception, ExceptionRegistry, LoadedWorkspace, PolicyMap, Severity};
use uuid::Uuid;

pub use junit::{github, junit};
pub use oscal::{NS as OSCAL_NS, OscalVersion, assessment_results, poam};
pub use sarif::{dismissal_plan, sarif};

/// The error type of `secfw-export`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workspace has no findings ledger that parses.
    #[error("{0}")]
    NoLedger(Box<secfw_artifacts::Diagnostic>),
    /// Serialization failed.
    #[error("cannot serialize the export: {0}")]
    Serialize(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// SARIF 2.1.0.
    Sarif,
    /// OSCAL assessment-results (JSON).
    OscalAr,
    /// OSCAL plan-of-action-and-milestones (JSON).
    OscalPoam,
    /// JUnit XML.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

impl Format {
    /// Every format.
    pub const ALL: [Self; 5] = [Self::Sarif, Self::OscalAr, Self::OscalPoam, Self::Junit, Self::Github];
    /// The command-line name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sarif => "sarif",
            Self::OscalAr => "oscal-ar",
            Self::OscalPoam => "oscal-poam",
            Self::Junit => "junit",
            Self::Github => "github",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|f| f.as_str().eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
            format!("unknown export format `{s}`, expected sarif, oscal-ar, oscal-poam, junit or github")
        })
    }
}

/// Version control facts for SARIF `versionControlProvenance`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Vcs {
    /// Repository URI (required by SARIF for a provenance entry).
    pub repository_uri: String,
    /// Commit id.
    pub revision_id: Option<String>,
    /// Branch.
    pub branch: Option<String>,
}

impl Vcs {
    /// A provenance entry.
    pub fn new(repository_uri: impl Into<String>, revision_id: Option<String>, branch: Option<String>) -> Self {
        Self { repository_uri: repository_uri.into(), revision_id, branch }
    }

    /// Provenance from the given parts, each falling back to the CI's variables read through
    /// `var` (GitHub Actions: `GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`, `GITHUB_SHA`,
    /// `GITHUB_REF_NAME`; then GitLab CI: `CI_PROJECT_URL`, `CI_COMMIT_SHA`,
    /// `CI_COMMIT_REF_NAME`); empty variables count as unset. `None` without a repository.
    pub fn resolve(
        repository_uri: Option<String>,
        revision_id: Option<String>,
        branch: Option<String>,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Self> {
        let env = |k: &str| var(k).filter(|v| !v.is_empty());
        let gh = env("GITHUB_REPOSITORY")
            .map(|r| format!("{}/{r}", env("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into())));
        let uri = repository_uri.or(gh).or_else(|| env("CI_PROJECT_URL"))?;
        let rev = revision_id.or_else(|| env("GITHUB_SHA")).or_else(|| env("CI_COMMIT_SHA"));
        let branch = branch.or_else(|| env("GITHUB_REF_NAME")).or_else(|| env("CI_COMMIT_REF_NAME"));
        Some(Self::new(uri, rev, branch))
    }
}

/// Everything an export reads.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ExportInput<'a> {
    /// The ledger.
    pub findings: &'a FindingsFile,
    /// The exception registry, if any.
    pub exceptions: Option<&'a ExceptionRegistry>,
    /// The policy catalog, if any (JUnit test cases, OSCAL finding targets).
    pub policies: Option<&'a PolicyMap>,
    /// Evaluation time (exception validity, OSCAL `last-modified`).
    pub now: DateTime<Utc>,
    /// Version control provenance (SARIF).
    pub vcs: Option<&'a Vcs>,
    /// Which exception excepts which finding (finding id → exception id), as `secfw-governance`
    /// decides at `now` (validity, approvals, window, policy match). Set by
    /// [`ExportInput::from_workspace`]; without it (a bare ledger and registry, no rulebook) a
    /// simpler date-and-section rule applies, see [`exception_valid`].
    pub excepted: Option<std::sync::Arc<std::collections::BTreeMap<String, String>>>,
    /// The trusted, justified `not_affected` VEX statement that decides a finding (finding id →
    /// statement), as `secfw-governance` decides at `now`; set by [`ExportInput::from_workspace`].
    pub vex: Option<std::sync::Arc<std::collections::BTreeMap<String, secfw_artifacts::model::vex::RecordedStatement>>>,
    /// Each current finding's state against a baseline (finding id → `new`, `unchanged`,
    /// `updated`), written as SARIF `baselineState` (issue 16; from the baseline gate).
    pub baseline: Option<std::sync::Arc<std::collections::BTreeMap<String, String>>>,
    /// Baseline findings no longer open (SARIF results with `baselineState: absent`; left out
    /// of the `github` profile, where a result would open an alert).
    pub absent: Vec<Finding>,
    /// Which consumer the SARIF is shaped for.
    pub profile: SarifProfile,
    /// The findings `secfw-governance` counts against the rules at `now` (finding ids whose
    /// evaluation [`is_counted`](secfw_governance::FindingEval::is_counted)); set by
    /// [`ExportInput::from_workspace`]. [`ExportInput::counts`] reads it.
    pub counted: Option<std::sync::Arc<std::collections::BTreeSet<String>>>,
}

/// The consumer a SARIF log is shaped for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SarifProfile {
    /// Every current result; excepted and false-positive results carry SARIF suppressions.
    #[default]
    Standard,
    /// GitHub code scanning, which ignores SARIF suppressions: results suppressed by a valid
    /// exception or marked false positive are left out of the upload (counted in the run's
    /// `properties.secfw.omitted`), and [`dismissal_plan`] lists the alerts to dismiss.
    Github,
}

impl<'a> ExportInput<'a> {
    /// An input over a ledger alone.
    pub fn new(findings: &'a FindingsFile, now: DateTime<Utc>) -> Self {
        Self {
            findings,
            exceptions: None,
            policies: None,
            now,
            vcs: None,
            excepted: None,
            vex: None,
            baseline: None,
            absent: Vec::new(),
            profile: SarifProfile::Standard,
            counted: None,
        }
    }

    /// The input of a loaded workspace; an error when it has no usable ledger.
    pub fn from_workspace(ws: &'a LoadedWorkspace, now: DateTime<Utc>) -> Result<Self, Error> {
        let findings = ws.findings.as_ref().ok_or_else(|| {
            let d = ws
                .diagnostics
                .iter()
                .find(|d| d.file == secfw_artifacts::file_names::FINDINGS && d.is_error())
                .cloned()
                .unwrap_or_else(|| {
                    secfw_artifacts::Diagnostic::error(
                        codes::NO_LEDGER,
                        secfw_artifacts::file_names::FINDINGS,
                        "there is no findings ledger to export",
                    )
                });
            Error::NoLedger(Box::new(d.with_hint("run `secfw ingest` or fix sec_findings.yaml first")))
        })?;
        // Exceptions as the gates see them: one source of truth for "excepted".
        let gov = secfw_governance::evaluate(ws, now);
        let excepted = gov
            .findings
            .iter()
            .filter_map(|f| match &f.disposition {
                secfw_governance::Disposition::Excepted { exception } => {
                    Some((f.finding_id.clone(), exception.clone()))
                }
                _ => None,
            })
            .collect();
        let trusted = ws.rulebook_or_default().suppressions.trusted_vex_authors;
        let effective = ws.vex.as_ref().map(|r| secfw_governance::vex::in_effect(r, &trusted)).unwrap_or_default();
        // Each finding's evaluation by id (the first, as `GovernanceReport::finding` finds it),
        // indexed once: a lookup per finding, not a scan of a million evaluations.
        let mut evals: HashMap<&str, &secfw_governance::FindingEval> = HashMap::with_capacity(gov.findings.len());
        for fe in &gov.findings {
            evals.entry(fe.finding_id.as_str()).or_insert(fe);
        }
        let counted = gov.findings.iter().filter(|f| f.is_counted()).map(|f| f.finding_id.clone()).collect();
        let vex = findings
            .findings
            .iter()
            .filter(|f| {
                evals.get(f.finding_id.as_str()).is_some_and(|e| {
                    matches!(&e.disposition, secfw_governance::Disposition::Excepted { exception } if exception.starts_with("VEX:"))
                })
            })
            .filter_map(|f| {
                secfw_governance::vex::decision_for(&effective, f).map(|st| (f.finding_id.clone(), st.clone()))
            })
            .collect();
        Ok(Self {
            findings,
            exceptions: ws.exceptions.as_ref(),
            policies: ws.policies.as_ref(),
            now,
            vcs: None,
            excepted: Some(std::sync::Arc::new(excepted)),
            vex: Some(std::sync::Arc::new(vex)),
            baseline: None,
            absent: Vec::new(),
            profile: SarifProfile::Standard,
            counted: Some(std::sync::Arc::new(counted)),
        })
    }

    /// With baseline states (finding id → SARIF `baselineState`).
    #[must_use]
    pub fn baseline(mut self, states: std::collections::BTreeMap<String, String>, absent: Vec<Finding>) -> Self {
        self.baseline = Some(std::sync::Arc::new(states));
        self.absent = absent;
        self
    }

    /// With a SARIF profile.
    #[must_use]
    pub fn profile(mut self, p: SarifProfile) -> Self {
        self.profile = p;
        self
    }

    /// With version control provenance.
    #[must_use]
    pub fn vcs(mut self, vcs: Option<&'a Vcs>) -> Self {
        self.vcs = vcs;
        self
    }

    /// With exceptions.
    #[must_use]
    pub fn exceptions(mut self, e: Option<&'a ExceptionRegistry>) -> Self {
        self.exceptions = e;
        self
    }

    /// With policies.
    #[must_use]
    pub fn policies(mut self, p: Option<&'a PolicyMap>) -> Self {
        self.policies = p;
        self
    }

    /// The valid exception that covers a finding at `now`, if any (by the finding's
    /// `exception_ref`, or by the exception's `**Findings**:` list, and of one of the finding's
    /// policies).
    pub fn exception_for(&self, f: &Finding) -> Option<&'a Exception> {
        let reg = self.exceptions?;
        if let Some(map) = &self.excepted {
            return map.get(&f.finding_id).and_then(|id| reg.get(id));
        }
        let by_ref = f.governance.exception_ref.as_deref().and_then(|id| reg.get(id));
        by_ref
            .into_iter()
            .chain(reg.exceptions.iter().filter(|e| e.findings.contains(&f.finding_id)))
            // As governance: an exception of another policy excepts nothing.
            .find(|e| exception_valid(e, self.now) && f.governance.policy_refs.contains(&e.policy))
    }

    /// What takes `f` out of the count: the id of the valid exception that covers it, else the
    /// id of the trusted VEX decision (`VEX:<author>:<vulnerability>`), else `None`.
    pub fn decided_by(&self, f: &Finding) -> Option<String> {
        self.exception_for(f).map(|e| e.id.clone()).or_else(|| self.vex_for(f).map(secfw_governance::vex::decision_id))
    }

    /// `true` when `f` counts against the rules — the one rule every exporter uses for "this
    /// finding blocks" (a JUnit failure, an `::error`/`::warning` annotation by severity),
    /// exactly `secfw gate`'s: open, or `accepted` without a valid exception or trusted VEX
    /// decision (its exception expired, unapproved, archived, of another policy, or missing).
    /// From a workspace it is `secfw-governance`'s evaluation at `now`; for a bare ledger and
    /// registry, the same rule over [`ExportInput::decided_by`].
    pub fn counts(&self, f: &Finding) -> bool {
        if let Some(set) = &self.counted {
            return set.contains(&f.finding_id);
        }
        self.live(f) && self.decided_by(f).is_none()
    }

    /// `true` when `f` is live at `now` by governance's one rule ([`secfw_governance::live_at`]):
    /// open or accepted, or `resolved` with a `resolved_at` after `now` (a fix dated in the
    /// future is no fix yet). The gates count exactly the live findings that no valid exception
    /// or trusted VEX decision takes out.
    pub fn live(&self, f: &Finding) -> bool {
        secfw_governance::live_at(f, self.now)
    }

    /// The trusted, justified `not_affected` VEX statement that decides `f`, if any.
    pub fn vex_for(&self, f: &Finding) -> Option<&secfw_artifacts::model::vex::RecordedStatement> {
        self.vex.as_ref().and_then(|m| m.get(&f.finding_id))
    }

    /// Findings in the current state, sorted by id: every finding except those resolved by
    /// `now`. That is every [live](ExportInput::live) finding — including one marked `resolved`
    /// with a `resolved_at` after `now`, which `secfw gate` still counts — plus false positives
    /// (shown as suppressed). So every finding the gate counts ([`ExportInput::counts`]) is in
    /// every export.
    pub fn current(&self) -> Vec<&'a Finding> {
        let mut v: Vec<&Finding> = self
            .findings
            .findings
            .iter()
            .filter(|f| f.status == FindingStatus::FalsePositive || self.live(f))
            .collect();
        v.sort_by(|a, b| a.finding_id.cmp(&b.finding_id));
        v
    }
}

/// Whether an exception is in force at `now`, for inputs without a rulebook (a bare ledger and
/// registry); exports of a workspace use `secfw-governance`'s full evaluation instead. Here an
/// exception is in force when approved on or before `now` (if an approval date is given), `now` not
/// after the end of its `Valid Until` day (UTC), and not listed under a section whose name
/// marks it as history ([`Exception::is_archived`]).
pub fn exception_valid(e: &Exception, now: DateTime<Utc>) -> bool {
    !e.is_archived() && e.approved_on.is_none_or(|d| d.start_of_day() <= now) && now <= e.valid_until.end_of_day()
}

/// The fixed namespace of every UUID secfw derives (uuid v5 over `secfw:<kind>:<key>`).
pub const UUID_NAMESPACE: Uuid = Uuid::from_u128(0x5ec0_f3a1_9d2b_4c6e_8a7f_1b3d_5e7c_9a0b);

/// A stable UUID (v5) for `kind` and `key`: the same finding gets the same UUID in every export.
pub fn stable_uuid(kind: &str, key: &str) -> String {
    Uuid::new_v5(&UUID_NAMESPACE, format!("secfw:{kind}:{key}").as_bytes()).to_string()
}

/// The identity key of a finding: its fingerprint, else its id.
pub(crate) fn key_of(f: &Finding) -> &str {
    f.fingerprint.as_deref().unwrap_or(&f.finding_id)
}

/// RFC 3339, seconds, `Z`.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A CVSS-like number per severity (SARIF `security-severity`), chosen so that GitHub and
/// `Severity::from_cvss` map it back to the same band.
pub const fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}

/// Pretty JSON with a final newline.
pub fn to_json(v: &serde_json::Value) -> Result<String, Error> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| Error::Serialize(Box::new(e)))?;
    s.push('\n');
    Ok(s)
}

/// Render `format` for `input` as text.
pub fn render(format: Format, input: &ExportInput<'_>, oscal: OscalVersion) -> Result<String, Error> {
    match format {
        Format::Sarif => to_json(&sarif(input)),
        Format::OscalAr => to_json(&assessment_results(input, oscal)),
        Format::OscalPoam => to_json(&poam(input, oscal)),
        Format::Junit => Ok(junit(input)),
        Format::Github => Ok(github(input)),
    }
}

/// The file path and line of a finding's first affected resource, when its location looks
/// like a file (`src/a.rs:12`, `src/a.rs`).
pub(crate) fn file_location(f: &Finding) -> Option<(String, Option<u64>)> {
    let ar = f.affected_resources.first()?;
    let loc = ar.location.trim();
    if loc.is_empty() || loc.contains(char::is_whitespace) || loc.contains('@') {
        return None;
    }
    let (path, line) = match loc.rsplit_once(':') {
        Some((p, l)) if !p.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) && !l.is_empty() => (p, l.parse().ok()),
        _ => (loc, None),
    };
    if path.contains("://") && !path.starts_with("file://") {
        return None;
    }
    let looks_like_file = line.is_some() || ar.resource_type == "file" || path.contains('/') || path.contains('.');
    looks_like_file.then(|| (path.to_owned(), line))
}

#[cfg(test)]
mod vcs_tests {
    use super::Vcs;

    #[test]
    fn provenance_comes_from_flags_then_github_then_gitlab() {
        let none = |_: &str| None;
        assert_eq!(Vcs::resolve(None, None, None, &none), None, "no repository, no provenance");
        let gh = |k: &str| match k {
            "GITHUB_REPOSITORY" => Some("o/r".to_owned()),
            "GITHUB_SHA" => Some("abc".to_owned()),
            "GITHUB_SERVER_URL" => Some(String::new()),
            "CI_PROJECT_URL" => Some("https://gitlab.example/x".to_owned()),
            _ => None,
        };
        let v = Vcs::resolve(None, None, Some("main".into()), &gh).unwrap();
        assert_eq!(v, Vcs::new("https://github.com/o/r", Some("abc".into()), Some("main".into())), "empty = unset");
        let gl = |k: &str| (k == "CI_PROJECT_URL").then(|| "https://gitlab.example/x".to_owned());
        assert_eq!(Vcs::resolve(None, None, None, &gl).unwrap().repository_uri, "https://gitlab.example/x");
        let flag = Vcs::resolve(Some("https://x/y".into()), None, None, &gh).unwrap();
        assert_eq!((flag.repository_uri.as_str(), flag.revision_id.as_deref()), ("https://x/y", Some("abc")));
    }
}
