#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// `secfw_artifacts::path![..]` builds a Vec of path segments; `&path![..]` as a slice is its
// intended use, which `useless_vec` misreads through the macro.
#![allow(clippy::useless_vec)]

pub mod codes;
mod compile;
mod config;
mod drift;
mod read;
mod toml_util;
pub mod vex;
pub mod vex_in;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use secfw_artifacts::{Date, Diagnostic, LoadedWorkspace, Pos};
use secfw_artifacts::{Purl, VersionRange};
use secfw_governance::{GovernanceReport, PackageRef, covers};
use serde::Serialize;

pub use compile::{Compiled, HEADER, compile, edit, render_owned, write};
pub use drift::{Drift, check};
pub use read::{MAX_BYTES, read_file, read_path, read_text};

/// The error type of `secfw-suppress`: a file could not be written (problems in files read are
/// [`Diagnostic`]s).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing failed.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
    /// secfw refuses to write the file (code `SP0301`, located, with a hint).
    #[error("{}{}", .0, .0.hint.as_deref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Refused(Box<Diagnostic>),
    /// An unknown format name.
    #[error(
        "unknown suppression format `{0}`: expected trivy, grype, osv-scanner, cargo-deny, cargo-audit or gitleaks"
    )]
    UnknownFormat(String),
}

/// A scanner ignore-file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Format {
    /// Trivy: `.trivyignore.yaml` (`vulnerabilities`, `misconfigurations`, `secrets`,
    /// `licenses`) and the plain `.trivyignore` (one id per line, read only).
    Trivy,
    /// Grype `.grype.yaml` `ignore:` rules (and Grype's other default config files, read only).
    Grype,
    /// OSV-Scanner `osv-scanner.toml` `[[IgnoredVulns]]` (and `[[PackageOverrides]]`, read only).
    OsvScanner,
    /// cargo-deny `deny.toml` `[advisories] ignore` (and `.deny.toml`, `.cargo/deny.toml`, read
    /// only).
    CargoDeny,
    /// cargo-audit `.cargo/audit.toml` `[advisories] ignore`.
    CargoAudit,
    /// Gitleaks `.gitleaksignore` fingerprints.
    Gitleaks,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Self; 6] =
        [Self::Trivy, Self::Grype, Self::OsvScanner, Self::CargoDeny, Self::CargoAudit, Self::Gitleaks];

    /// The format's name (`trivy`, `osv-scanner`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Trivy => "trivy",
            Self::Grype => "grype",
            Self::OsvScanner => "osv-scanner",
            Self::CargoDeny => "cargo-deny",
            Self::CargoAudit => "cargo-audit",
            Self::Gitleaks => "gitleaks",
        }
    }

    /// Where `secfw exceptions compile` writes the format, relative to the repository root.
    /// This is the scanner's default file except for Trivy, which reads `.trivyignore` unless
    /// given `--ignorefile .trivyignore.yaml` (see [`Format::read_paths`]).
    pub const fn default_path(self) -> &'static str {
        match self {
            Self::Trivy => ".trivyignore.yaml",
            Self::Grype => ".grype.yaml",
            Self::OsvScanner => "osv-scanner.toml",
            Self::CargoDeny => "deny.toml",
            Self::CargoAudit => ".cargo/audit.toml",
            Self::Gitleaks => ".gitleaksignore",
        }
    }

    /// Every file, relative to the repository root, that the scanner reads without being told
    /// (its default locations, in the scanner's own search order), plus the file secfw compiles
    /// to ([`Format::default_path`], always among them). The `suppression_parity` gate reads
    /// each one that exists: a scanner that stops at the first it finds may read any of them
    /// once another is removed or renamed, so none may carry an unbacked suppression.
    ///
    /// - Trivy: `.trivyignore` (the `--ignorefile` default, plain text) and `.trivyignore.yaml`.
    /// - Grype (`.grype.<ext>`, then `.grype/config.<ext>`, for every extension its config loader
    ///   accepts; secfw reads the YAML and JSON ones and refuses the others, `SP0101`).
    /// - cargo-deny: `deny.toml`, `.deny.toml`, `.cargo/deny.toml` (the first found wins).
    /// - OSV-Scanner `osv-scanner.toml`, cargo-audit `.cargo/audit.toml`, Gitleaks
    ///   `.gitleaksignore`.
    pub const fn read_paths(self) -> &'static [&'static str] {
        match self {
            Self::Trivy => &[".trivyignore", ".trivyignore.yaml"],
            Self::Grype => &GRYPE_PATHS,
            Self::OsvScanner => &["osv-scanner.toml"],
            Self::CargoDeny => &["deny.toml", ".deny.toml", ".cargo/deny.toml"],
            Self::CargoAudit => &[".cargo/audit.toml"],
            Self::Gitleaks => &[".gitleaksignore"],
        }
    }

    /// `true` when secfw edits the file in place (only the entries it owns change), because
    /// people keep other settings in it; `false` when secfw writes the whole file.
    pub const fn edited_in_place(self) -> bool {
        matches!(self, Self::OsvScanner | Self::CargoDeny | Self::CargoAudit | Self::Gitleaks)
    }
}

/// Where Grype's config loader (anchore/fangs over viper) looks in the working directory, in
/// order: `.grype.<ext>`, then `.grype/config.<ext>`, for each extension viper supports.
const GRYPE_PATHS: [&str; 24] = [
    ".grype.json",
    ".grype.toml",
    ".grype.yaml",
    ".grype.yml",
    ".grype.properties",
    ".grype.props",
    ".grype.prop",
    ".grype.hcl",
    ".grype.tfvars",
    ".grype.dotenv",
    ".grype.env",
    ".grype.ini",
    ".grype/config.json",
    ".grype/config.toml",
    ".grype/config.yaml",
    ".grype/config.yml",
    ".grype/config.properties",
    ".grype/config.props",
    ".grype/config.prop",
    ".grype/config.hcl",
    ".grype/config.tfvars",
    ".grype/config.dotenv",
    ".grype/config.env",
    ".grype/config.ini",
];

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let n = s.trim().to_ascii_lowercase().replace('_', "-");
        Ok(match n.as_str() {
            "trivy" => Self::Trivy,
            "grype" => Self::Grype,
            "osv-scanner" | "osv" => Self::OsvScanner,
            "cargo-deny" | "deny" => Self::CargoDeny,
            "cargo-audit" | "audit" => Self::CargoAudit,
            "gitleaks" => Self::Gitleaks,
            _ => return Err(Error::UnknownFormat(s.to_owned())),
        })
    }
}

/// One valid exception's targets, ready to render: what every format is compiled from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Rule {
    /// `EXC-NNN`.
    pub exception: String,
    /// Advisory ids.
    pub advisories: Vec<String>,
    /// The package they are accepted for.
    #[serde(serialize_with = "ser_display")]
    #[schemars(with = "Option<String>")]
    pub package: Option<Purl>,
    /// The versions of the package.
    #[serde(serialize_with = "ser_display")]
    #[schemars(with = "Option<String>")]
    pub versions: Option<VersionRange>,
    /// The versions in `versions` that the ledger's findings show (formats that can only pin
    /// exact versions get one entry per known version).
    pub known_versions: Vec<String>,
    /// Gitleaks fingerprints.
    pub secrets: Vec<String>,
    /// `Valid Until`.
    pub valid_until: Date,
    /// End of the `Valid Until` day, UTC.
    pub expires_at: DateTime<Utc>,
    /// The justification (or the title when there is none).
    pub justification: String,
    /// For `**Type**: not affected`: the standard VEX justification (the exception is then a
    /// technical `not_affected` claim, not a risk acceptance).
    pub not_affected: Option<String>,
    /// The RUSTSEC ids among `advisories` that the ledger shows on the exception's package and on
    /// no other: a RUSTSEC advisory names one crate, so for these the id alone suppresses
    /// nothing beyond the package, and the id-only formats (OSV-Scanner, cargo-deny, cargo-audit)
    /// may carry them. An id the ledger does not show, or shows on another crate (the exception
    /// names the wrong package), is left out of those formats.
    #[serde(skip)]
    #[schemars(skip)]
    pub one_crate: Vec<String>,
}

#[allow(clippy::ref_option)] // serde's serialize_with signature
fn ser_display<T: fmt::Display, S: serde::Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

impl Rule {
    /// The text every entry carries: `EXC-NNN: justification (valid until YYYY-MM-DD)`.
    pub fn statement(&self) -> String {
        let j: String = self.justification.split_whitespace().collect::<Vec<_>>().join(" ");
        format!("{}: {j} (valid until {})", self.exception, self.valid_until)
    }

    /// The exact versions a format that cannot express ranges must pin: `[None]` (all versions)
    /// without a package or range, the one version of `=X`, else the known versions. `None` when
    /// the range is real and no version is known (then the format cannot express it).
    pub fn pinned_versions(&self) -> Option<Vec<Option<String>>> {
        match (&self.package, &self.versions) {
            (None, _) | (Some(_), None) => Some(vec![None]),
            (Some(_), Some(r)) if r.is_any() => Some(vec![None]),
            (Some(_), Some(r)) => match r.exact() {
                Some(v) => Some(vec![Some(v.to_owned())]),
                None if self.known_versions.is_empty() => None,
                None => Some(self.known_versions.iter().cloned().map(Some).collect()),
            },
        }
    }
}

/// The rules of every exception that is valid at the governance evaluation's `now` and targets
/// advisories or secrets, sorted by exception id (deterministic output).
pub fn rules(ws: &LoadedWorkspace, gov: &GovernanceReport) -> Vec<Rule> {
    let Some(reg) = ws.exceptions.as_ref() else { return Vec::new() };
    let findings = ws.findings.as_ref().map_or(&[][..], |f| f.findings.as_slice());
    // Indexed once (a registry holds tens of thousands of exceptions, a ledger a million
    // findings): each exception's evaluation by id (the first definition, as
    // `GovernanceReport::exception` finds it), and the packages the findings report per advisory.
    let evals = exception_evals(gov);
    let valid: Vec<&secfw_artifacts::Exception> = reg
        .exceptions
        .iter()
        .filter(|e| evals.get(e.id.as_str()).is_some_and(|ev| ev.is_valid()))
        .filter(|e| !e.advisories.is_empty() || !e.secrets.is_empty())
        .collect();
    let packages = PackagesByAdvisory::index(findings, valid.iter().copied().filter(|e| e.package.is_some()));
    let mut out: Vec<Rule> = valid
        .into_iter()
        .map(|e| {
            let mut known: BTreeSet<String> = BTreeSet::new();
            if e.package.is_some() {
                for a in &e.advisories {
                    for (cve, p) in packages.of(a) {
                        // As `covers` compared it: an rpm/deb `?epoch=` is part of the version.
                        if let Some(v) = p.comparable_version()
                            && covers(e, cve, Some(p))
                        {
                            known.insert(v);
                        }
                    }
                }
            }
            let one_crate = e
                .package
                .as_ref()
                .map(|want| {
                    e.advisories
                        .iter()
                        .filter(|a| compile::is_rustsec(a))
                        .filter(|a| {
                            let mut seen = packages.of(a).peekable();
                            seen.peek().is_some()
                                && seen.all(|(_, p)| match &p.purl {
                                    Some(pp) => want.same_package(pp),
                                    None => want.display_name() == p.name,
                                })
                        })
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            Rule {
                one_crate,
                exception: e.id.clone(),
                advisories: e.advisories.clone(),
                package: e.package.clone(),
                versions: e.versions.clone(),
                known_versions: known.into_iter().collect(),
                secrets: e.secrets.clone(),
                valid_until: e.valid_until,
                expires_at: e.valid_until.end_of_day(),
                justification: e.justification.clone().unwrap_or_else(|| e.title.clone()),
                not_affected: (e.kind == secfw_artifacts::ExceptionKind::NotAffected)
                    .then(|| e.vex_justification.clone())
                    .flatten(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.exception.cmp(&b.exception));
    out
}

/// Each exception's evaluation by id; of two with one id the first (registry order), as
/// [`GovernanceReport::exception`] finds it, in one pass instead of a scan per lookup.
pub(crate) fn exception_evals(gov: &GovernanceReport) -> HashMap<&str, &secfw_governance::ExceptionEval> {
    let mut by_id = HashMap::with_capacity(gov.exceptions.len());
    for ev in &gov.exceptions {
        by_id.entry(ev.id.as_str()).or_insert(ev);
    }
    by_id
}

/// The packages (with the advisory as the finding spells it) that the findings' resources name,
/// by lower-cased advisory, for the advisories of the given exceptions only: one pass over the
/// ledger for all package-narrowed exceptions instead of one per exception.
struct PackagesByAdvisory<'a> {
    by_advisory: HashMap<String, Vec<(&'a str, PackageRef)>>,
}

impl<'a> PackagesByAdvisory<'a> {
    fn index<'e>(
        findings: &'a [secfw_artifacts::Finding],
        exceptions: impl Iterator<Item = &'e secfw_artifacts::Exception>,
    ) -> Self {
        let mut by_advisory: HashMap<String, Vec<(&'a str, PackageRef)>> = HashMap::new();
        for e in exceptions {
            for a in &e.advisories {
                by_advisory.entry(a.to_ascii_lowercase()).or_default();
            }
        }
        if by_advisory.is_empty() {
            return Self { by_advisory };
        }
        for f in findings {
            for cve in &f.cve {
                // `covers` compares the trimmed advisory case-insensitively.
                let Some(v) = by_advisory.get_mut(&cve.trim().to_ascii_lowercase()) else { continue };
                v.extend(
                    f.affected_resources
                        .iter()
                        .filter_map(|r| PackageRef::from_location(&r.location))
                        .map(|p| (cve.as_str(), p)),
                );
            }
        }
        Self { by_advisory }
    }

    fn of(&self, advisory: &str) -> impl Iterator<Item = (&'a str, &PackageRef)> {
        self.by_advisory.get(&advisory.to_ascii_lowercase()).into_iter().flatten().map(|(c, p)| (*c, p))
    }
}

/// What a scanner suppression says it suppresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Subject {
    /// An advisory (or misconfiguration check) id, optionally narrowed to a package.
    Advisory {
        /// The id.
        id: String,
        /// The package, when the entry names one.
        #[serde(skip)]
        package: Option<PackageRef>,
        /// The package as written.
        #[serde(skip_serializing_if = "Option::is_none")]
        package_text: Option<String>,
    },
    /// A secret-scanner rule, optionally narrowed to a file and line.
    Secret {
        /// The rule id.
        rule: String,
        /// The file.
        #[serde(skip_serializing_if = "Option::is_none")]
        file: Option<String>,
        /// The line.
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
        /// The commit (Gitleaks).
        #[serde(skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
    },
    /// Something no exception can back yet (a licence, every vulnerability of a package).
    Other {
        /// What it is, for messages.
        what: String,
    },
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Advisory { id, package_text: Some(p), .. } => write!(f, "{id} on {p}"),
            Self::Advisory { id, .. } => f.write_str(id),
            Self::Secret { rule, file, line, commit } => {
                if let Some(c) = commit {
                    write!(f, "{c}:")?;
                }
                write!(f, "{}:{rule}", file.as_deref().unwrap_or("*"))?;
                match line {
                    Some(l) => write!(f, ":{l}"),
                    None => Ok(()),
                }
            }
            Self::Other { what } => f.write_str(what),
        }
    }
}

/// One suppression read from a scanner ignore file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Suppression {
    /// The format.
    pub format: Format,
    /// The file, relative to the repository root.
    pub file: String,
    /// Where the entry is.
    pub pos: Option<Pos>,
    /// What it suppresses.
    pub subject: Subject,
    /// When the scanner stops applying it, if the format says.
    pub expires: Option<DateTime<Utc>>,
    /// The reason or statement, as written.
    pub reason: Option<String>,
    /// The exception the reason names (`EXC-NNN: ...`), if any.
    pub exception: Option<String>,
}

/// The `EXC-NNN` a reason starts with (`EXC-004: ...`).
pub(crate) fn exception_of(reason: &str) -> Option<String> {
    let head = reason.trim().split([':', ' ', ',', ';', ')']).next()?;
    secfw_artifacts::is_prefixed_id(head, "EXC").then(|| head.to_owned())
}

/// Where a format's file is in the repository at `root`.
pub fn path_in(root: &Path, format: Format) -> PathBuf {
    root.join(format.default_path())
}
