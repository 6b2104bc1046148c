#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod fuzz;
pub mod fuzz_seal;
mod plan;
mod rng;
mod write;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};

pub use rng::SplitMix64;
pub use write::write_ledger;

/// The workloads of `PERFORMANCE.md`, or a custom shape for tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Size {
    /// 1,000 findings, 50 policies / 200 controls, 20 exceptions, 100 resources, 10 MB evidence.
    S,
    /// 100,000 findings, 1,000 / 5,000, 2,000 exceptions, 10,000 resources, 200 MB evidence.
    M,
    /// 1,000,000 findings, 5,000 / 25,000, 20,000 exceptions, 100,000 resources, 1 GB evidence.
    L,
    /// Any other shape (small sizes for tests).
    Custom {
        /// Findings in the ledger.
        findings: u64,
        /// Policies in `policy_map.md` (at least 1).
        policies: u32,
        /// Controls, spread evenly over the policies.
        controls: u32,
        /// Exceptions in `exceptions.md`.
        exceptions: u32,
        /// Resources in `inventory.yaml` (at least 1 when there are findings).
        resources: u32,
        /// Total bytes of the files under `evidence/`.
        evidence_bytes: u64,
    },
}

/// The numbers of a [`Size`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counts {
    /// Findings in the ledger.
    pub findings: u64,
    /// Policies.
    pub policies: u32,
    /// Controls (over all policies).
    pub controls: u32,
    /// Exceptions.
    pub exceptions: u32,
    /// Inventory resources.
    pub resources: u32,
    /// Total evidence bytes.
    pub evidence_bytes: u64,
}

const MB: u64 = 1_000_000;

impl Size {
    /// The numbers of this size.
    pub const fn counts(self) -> Counts {
        match self {
            Self::S => Counts {
                findings: 1_000,
                policies: 50,
                controls: 200,
                exceptions: 20,
                resources: 100,
                evidence_bytes: 10 * MB,
            },
            Self::M => Counts {
                findings: 100_000,
                policies: 1_000,
                controls: 5_000,
                exceptions: 2_000,
                resources: 10_000,
                evidence_bytes: 200 * MB,
            },
            Self::L => Counts {
                findings: 1_000_000,
                policies: 5_000,
                controls: 25_000,
                exceptions: 20_000,
                resources: 100_000,
                evidence_bytes: 1_000 * MB,
            },
            Self::Custom { findings, policies, controls, exceptions, resources, evidence_bytes } => {
                Counts { findings, policies, controls, exceptions, resources, evidence_bytes }
            }
        }
    }
}

impl FromStr for Size {
    type Err = Error;
    /// `S`, `M` or `L` (case-insensitive), or
    /// `custom:findings=N,policies=N,controls=N,exceptions=N,resources=N,evidence_bytes=N`
    /// (keys in any order; missing keys are 0).
    fn from_str(text: &str) -> Result<Self, Error> {
        if let Some(spec) = text.trim().strip_prefix("custom:") {
            let mut counts =
                Counts { findings: 0, policies: 0, controls: 0, exceptions: 0, resources: 0, evidence_bytes: 0 };
            for kv in spec.split(',').filter(|kv| !kv.trim().is_empty()) {
                let (k, v) =
                    kv.split_once('=').ok_or_else(|| Error::InvalidSize(format!("`{kv}` is not key=value")))?;
                let n: u64 =
                    v.trim().parse().map_err(|_| Error::InvalidSize(format!("`{v}` is not a whole number")))?;
                let small = || u32::try_from(n).map_err(|_| Error::InvalidSize(format!("{k}={n} is too large")));
                match k.trim() {
                    "findings" => counts.findings = n,
                    "policies" => counts.policies = small()?,
                    "controls" => counts.controls = small()?,
                    "exceptions" => counts.exceptions = small()?,
                    "resources" => counts.resources = small()?,
                    "evidence_bytes" => counts.evidence_bytes = n,
                    other => return Err(Error::InvalidSize(format!("unknown custom size key `{other}`"))),
                }
            }
            return Ok(Self::Custom {
                findings: counts.findings,
                policies: counts.policies,
                controls: counts.controls,
                exceptions: counts.exceptions,
                resources: counts.resources,
                evidence_bytes: counts.evidence_bytes,
            });
        }
        match text.trim().to_ascii_uppercase().as_str() {
            "S" => Ok(Self::S),
            "M" => Ok(Self::M),
            "L" => Ok(Self::L),
            other => Err(Error::InvalidSize(format!("unknown size `{other}`, expected S, M, L or custom:..."))),
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::S => f.write_str("S"),
            Self::M => f.write_str("M"),
            Self::L => f.write_str("L"),
            Self::Custom { .. } => f.write_str("custom"),
        }
    }
}

/// Syntax of the generated `sec_findings.yaml`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LedgerSyntax {
    /// Block YAML, as people and `secfw ingest` write it.
    #[default]
    Yaml,
    /// JSON (valid YAML 1.2), which secfw parses through its JSON fast path.
    Json,
}

/// Everything that determines a generated workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The shape.
    pub size: Size,
    /// The PRNG seed: same options, same bytes.
    pub seed: u64,
    /// The reference "now" of the workspace: scans ran the day before, exceptions are valid
    /// around it. Run time-dependent checks on the workspace with this `now`.
    pub as_of: DateTime<Utc>,
    /// Syntax of the ledger.
    pub ledger: LedgerSyntax,
}

/// The default [`Options::as_of`]: 2026-11-01T00:00:00Z.
pub fn default_as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl Options {
    /// Options for a size and seed, with the default `as_of` and a YAML ledger.
    pub fn new(size: Size, seed: u64) -> Self {
        Self { size, seed, as_of: default_as_of(), ledger: LedgerSyntax::Yaml }
    }

    /// With another reference time.
    #[must_use]
    pub fn as_of(mut self, as_of: DateTime<Utc>) -> Self {
        self.as_of = as_of;
        self
    }

    /// With another ledger syntax.
    #[must_use]
    pub fn ledger(mut self, syntax: LedgerSyntax) -> Self {
        self.ledger = syntax;
        self
    }
}

/// One file written.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileStat {
    /// Workspace-relative path with `/` separators.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// What [`generate`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// The shape generated.
    pub counts: Counts,
    /// Findings that reference an exception.
    pub excepted_findings: u64,
    /// Scan records in the ledger.
    pub scans: u64,
    /// Every file written, sorted by path.
    pub files: Vec<FileStat>,
}

impl Stats {
    /// Total bytes written.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }

    /// Size of one file, by workspace-relative path.
    pub fn bytes_of(&self, path: &str) -> Option<u64> {
        self.files.iter().find(|f| f.path == path).map(|f| f.bytes)
    }
}

/// The error type of `secfw-workgen`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The requested shape cannot make a valid workspace.
    #[error("invalid workspace size: {0}")]
    InvalidSize(String),
    /// The target directory already holds a workspace artifact (the generator never overwrites
    /// files people write).
    #[error("{0} already exists: generate into an empty directory")]
    Exists(PathBuf),
    /// An I/O operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An artifact could not be rendered or written.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
}

/// Write a complete, valid security workspace of `size` into `dir` (created if missing).
///
/// Same `size` and `seed`, same bytes. See [`generate_with`] for the other options.
pub fn generate(dir: &Path, size: Size, seed: u64) -> Result<Stats, Error> {
    generate_with(dir, &Options::new(size, seed))
}

/// Write a complete, valid security workspace into `dir` (created if missing).
///
/// Refuses to overwrite an existing artifact. The ledger is streamed: memory stays far below
/// the size of the output.
pub fn generate_with(dir: &Path, opts: &Options) -> Result<Stats, Error> {
    write::generate(dir, opts)
}
