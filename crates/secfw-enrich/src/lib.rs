#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod codes;
mod epss;
mod join;
mod kev;
mod text;

pub use text::CveKey;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secfw_artifacts::Links;
use secfw_artifacts::WorkspaceLock;
use secfw_artifacts::model::findings::{IntelSource, IntelSources};
use secfw_artifacts::{Date, Diagnostic, LoadOptions, Sha256Digest, Timestamp};
use secfw_artifacts::{file_names, parse_findings};
use serde::Serialize;

pub use epss::{DEFAULT_MAX_DECOMPRESSED as EPSS_DEFAULT_MAX_DECOMPRESSED, EpssEntry, EpssScores, parse_epss};
pub use join::{JoinStats, epss_for, join, kev_for};
pub use kev::{KevCatalog, KevEntry, parse_kev};

/// The error type of `secfw-enrich`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input data or the ledger was refused; the diagnostics say where and why. Nothing was
    /// written.
    #[error("{}", .0.first().map_or_else(String::new, ToString::to_string))]
    Rejected(Vec<Diagnostic>),
    /// Reading or writing workspace files failed.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
    /// The ledger could not be rendered (a bug; nothing was written).
    #[error(transparent)]
    Ingest(#[from] secfw_ingest::Error),
}

impl Error {
    /// The located diagnostics behind this error.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Self::Rejected(d) => d.clone(),
            Self::Ingest(e) => e.diagnostics(),
            Self::Artifacts(_) => Vec::new(),
        }
    }
}

/// Where sealed copies of the data files are kept (inside `evidence/`, so they are sealed
/// with the workspace).
pub const STORE_DIR: &str = "evidence/intel";

/// Default size limit of a KEV or EPSS input file: 256 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Options of [`enrich`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EnrichOptions {
    /// The as-of time: data dated later is refused, and without a file the newest stored data
    /// dated by then is used.
    pub now: DateTime<Utc>,
    /// A CISA KEV catalog (JSON) to store and join.
    pub kev: Option<PathBuf>,
    /// FIRST EPSS scores (CSV, plain or gzip) to store and join.
    pub epss: Option<PathBuf>,
    /// Compute and report, write nothing.
    pub dry_run: bool,
    /// Size limit of each input file (and of the decompressed EPSS data).
    pub max_bytes: u64,
}

impl EnrichOptions {
    /// Options at `now` with no file (the stored data as of `now` is joined).
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now, kev: None, epss: None, dry_run: false, max_bytes: DEFAULT_MAX_BYTES }
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

/// One data source as joined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct SourceReport {
    /// `kev` or `epss`.
    pub source: String,
    /// The file given on the command line; `None` when taken from the store.
    pub input: Option<String>,
    /// The sealed copy (workspace-relative).
    pub stored: String,
    /// Whether this run wrote the sealed copy (false: it was already stored).
    pub newly_stored: bool,
    /// SHA-256 of the bytes.
    pub sha256: Sha256Digest,
    /// The data date.
    pub data_date: Date,
    /// catalogVersion / model_version.
    pub version: String,
    /// Entries in the file.
    pub entries: u64,
}

/// The outcome of [`enrich`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct EnrichReport {
    /// The as-of time, RFC 3339.
    pub now: String,
    /// The KEV source joined, if any.
    pub kev: Option<SourceReport>,
    /// The EPSS source joined, if any.
    pub epss: Option<SourceReport>,
    /// Join counts.
    pub stats: JoinStats,
    /// Whether `sec_findings.yaml` (and the sealed copies) were written.
    pub written: bool,
    /// Warnings (e.g. unrecognised files in the store).
    pub diagnostics: Vec<Diagnostic>,
}

/// Store the given KEV / EPSS files as sealed inputs under `evidence/intel/`, then join the
/// data in force at `opts.now` (a given file, else the newest stored file dated by then) to
/// every finding of `sec_findings.yaml`, recording each source's digest and date in
/// `metadata.intel`. Nothing is written when any input is refused.
///
/// `lock` proves the caller holds the workspace lock of `dir`.
pub fn enrich(dir: &Path, lock: &WorkspaceLock, opts: &EnrichOptions) -> Result<EnrichReport, Error> {
    secfw_artifacts::check_root(dir)?;
    lock.check_covers(dir)?;
    let now = opts.now;
    let mut diagnostics = Vec::new();

    // 1. Read and validate what was given (nothing is written before everything parsed).
    let kev_given = opts.kev.as_deref().map(|p| read_input(p, opts.max_bytes)).transpose()?;
    let epss_given = opts.epss.as_deref().map(|p| read_input(p, opts.max_bytes)).transpose()?;
    let mut refused = Vec::new();
    let kev_in = kev_given.map(|(name, b)| match parse_kev(&b, &name, now) {
        Ok(c) => Some((name, b, c)),
        Err(d) => {
            refused.extend(d);
            None
        }
    });
    let epss_in = epss_given.map(|(name, b)| match parse_epss(&b, &name, now, opts.max_bytes) {
        Ok(c) => Some((name, b, c)),
        Err(d) => {
            refused.extend(d);
            None
        }
    });
    if !refused.is_empty() {
        return Err(Error::Rejected(refused));
    }

    // 2. The data in force: given, else stored as of `now`.
    let kev = kev_in_force(dir, kev_in.flatten(), now, &mut diagnostics)?;
    let epss = epss_in_force(dir, epss_in.flatten(), now, opts.max_bytes, &mut diagnostics)?;
    if kev.is_none() && epss.is_none() {
        return Err(Error::Rejected(vec![
            Diagnostic::error(
                codes::NOTHING_TO_JOIN,
                STORE_DIR,
                format!(
                    "no KEV or EPSS data given, and none stored under {STORE_DIR}/ dated by {}",
                    now.format("%Y-%m-%d")
                ),
            )
            .with_hint("pass --kev known_exploited_vulnerabilities.json and/or --epss epss_scores-YYYY-MM-DD.csv.gz"),
        ]));
    }

    // 3. The ledger.
    let (mut ledger, syntax) = read_ledger(dir)?;
    let stats = join(&mut ledger.findings, kev.as_ref().map(|k| &k.2), epss.as_ref().map(|e| &e.2), now);
    let checked_at = Timestamp::from(now);
    let intel_of = |r: &SourceReport| IntelSource {
        path: r.stored.clone(),
        sha256: r.sha256,
        data_date: r.data_date,
        version: r.version.clone(),
        entries: r.entries,
        checked_at,
    };
    ledger.metadata.intel =
        Some(IntelSources { kev: kev.as_ref().map(|k| intel_of(&k.0)), epss: epss.as_ref().map(|e| intel_of(&e.0)) });
    let text = secfw_ingest::render_as(&ledger, syntax)?;

    // 4. Write: sealed copies first, then the ledger that names them.
    let mut kev_r = kev.map(|(r, b, _)| (r, b));
    let mut epss_r = epss.map(|(r, b, _)| (r, b));
    if !opts.dry_run {
        for (r, bytes) in kev_r.iter_mut().chain(epss_r.iter_mut()) {
            if r.input.is_some() {
                r.newly_stored = store(dir, &r.stored, bytes)?;
            }
        }
        secfw_artifacts::write_atomic_under(dir, Path::new(file_names::FINDINGS), text.as_bytes())?;
    }
    Ok(EnrichReport {
        now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        kev: kev_r.map(|(r, _)| r),
        epss: epss_r.map(|(r, _)| r),
        stats,
        written: !opts.dry_run,
        diagnostics,
    })
}

/// The KEV catalog in force: the one given, else the newest stored as of `now`; with its report
/// and bytes.
fn kev_in_force(
    dir: &Path,
    given: Option<(String, Vec<u8>, KevCatalog)>,
    now: DateTime<Utc>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<(SourceReport, Vec<u8>, KevCatalog)>, Error> {
    Ok(match given {
        Some((name, bytes, cat)) => {
            let stored = store_name("kev", cat.released, &bytes, "json");
            Some((report("kev", Some(name), stored, &bytes, cat.released, &cat.version, cat.entries.len()), bytes, cat))
        }
        None => match newest_stored(dir, "kev", now, diagnostics)? {
            Some((stored, bytes)) => {
                let cat = parse_kev(&bytes, &stored, now).map_err(Error::Rejected)?;
                Some((report("kev", None, stored, &bytes, cat.released, &cat.version, cat.entries.len()), bytes, cat))
            }
            None => None,
        },
    })
}

/// The EPSS scores in force: the file given, else the newest stored as of `now`; with its
/// report and bytes.
fn epss_in_force(
    dir: &Path,
    given: Option<(String, Vec<u8>, EpssScores)>,
    now: DateTime<Utc>,
    max_bytes: u64,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<(SourceReport, Vec<u8>, EpssScores)>, Error> {
    Ok(match given {
        Some((name, bytes, sc)) => {
            let ext = if epss::is_gzip(&bytes) { "csv.gz" } else { "csv" };
            let stored = store_name("epss", sc.score_date, &bytes, ext);
            let r = report("epss", Some(name), stored, &bytes, sc.score_date, &sc.model_version, sc.scores.len());
            Some((r, bytes, sc))
        }
        None => match newest_stored(dir, "epss", now, diagnostics)? {
            Some((stored, bytes)) => {
                let sc = parse_epss(&bytes, &stored, now, max_bytes).map_err(Error::Rejected)?;
                let r = report("epss", None, stored, &bytes, sc.score_date, &sc.model_version, sc.scores.len());
                Some((r, bytes, sc))
            }
            None => None,
        },
    })
}

/// The findings ledger to enrich and its syntax; refused when unreadable or with errors.
fn read_ledger(dir: &Path) -> Result<(secfw_artifacts::FindingsFile, secfw_ingest::LedgerSyntax), Error> {
    let lopts = LoadOptions::default();
    let ledger_path = dir.join(file_names::FINDINGS);
    let src =
        secfw_artifacts::read_artifact(&ledger_path, file_names::FINDINGS, lopts.max_file_bytes).map_err(|d| {
            Error::Rejected(vec![
                Diagnostic::error(
                    codes::LEDGER_INVALID,
                    file_names::FINDINGS,
                    "there is no readable findings ledger to enrich",
                )
                .with_hint("ingest scanner results first (`secfw ingest`)"),
                d,
            ])
        })?;
    let syntax = if secfw_artifacts::yaml::is_json_syntax(&src.text) {
        secfw_ingest::LedgerSyntax::Json
    } else {
        secfw_ingest::LedgerSyntax::Yaml
    };
    let mut parse_diags = Vec::new();
    let parsed = parse_findings(&src, &lopts, &mut parse_diags);
    let mut errors: Vec<Diagnostic> = parse_diags.iter().filter(|d| d.is_error()).cloned().collect();
    errors.extend(secfw_artifacts::rewrite_would_lose(&parse_diags, "secfw enrich"));
    let ledger = match parsed {
        Some(l) if errors.is_empty() => l,
        _ => {
            let mut d = vec![
                Diagnostic::error(
                    codes::LEDGER_INVALID,
                    file_names::FINDINGS,
                    "sec_findings.yaml has errors; it is not rewritten",
                )
                .with_hint("fix the ledger (`secfw validate`), then enrich again"),
            ];
            d.extend(errors);
            return Err(Error::Rejected(d));
        }
    };
    Ok((ledger, syntax))
}

fn read_input(p: &Path, cap: u64) -> Result<(String, Vec<u8>), Error> {
    let name = p.display().to_string();
    secfw_artifacts::read_regular(p, cap, Links::Follow).map(|b| (name.clone(), b)).map_err(|e| {
        Error::Rejected(vec![
            Diagnostic::error(codes::UNREADABLE, name, format!("cannot read: {e}"))
                .with_hint("give a regular file (not a FIFO or device) under the size limit"),
        ])
    })
}

/// `evidence/intel/<kind>/<YYYY-MM-DD>-<sha256 first 16 hex>.<ext>`.
fn store_name(kind: &str, d: Date, bytes: &[u8], ext: &str) -> String {
    use sha2::Digest as _;
    format!("{STORE_DIR}/{kind}/{d}-{}.{ext}", hex::encode(&sha2::Sha256::digest(bytes)[..8]))
}

fn report(
    kind: &str,
    input: Option<String>,
    stored: String,
    bytes: &[u8],
    data_date: Date,
    version: &str,
    entries: usize,
) -> SourceReport {
    SourceReport {
        source: kind.to_owned(),
        input,
        stored,
        newly_stored: false,
        sha256: Sha256Digest::of(bytes),
        data_date,
        version: version.to_owned(),
        entries: entries as u64,
    }
}

/// Write a sealed copy unless an identical one is there; `Ok(true)` when written.
fn store(dir: &Path, rel: &str, bytes: &[u8]) -> Result<bool, Error> {
    let path = dir.join(rel);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            secfw_artifacts::write_atomic_under(dir, Path::new(rel), bytes)?;
            Ok(true)
        }
        _ => {
            let have = secfw_artifacts::read_regular(&path, bytes.len() as u64 + 1, Links::Refuse)
                .map_err(|e| conflict(rel, &e.to_string()))?;
            if have == bytes { Ok(false) } else { Err(conflict(rel, "its bytes differ from the file given")) }
        }
    }
}

fn conflict(rel: &str, why: &str) -> Error {
    Error::Rejected(vec![
        Diagnostic::error(codes::STORE_CONFLICT, rel, format!("the stored copy cannot be used: {why}")).with_hint(
            "stored copies are sealed evidence and never rewritten; restore it from git or the sealed package",
        ),
    ])
}

/// The newest stored file of `kind` dated by `now` (name order breaks ties), read and checked
/// against the digest prefix its name records.
fn newest_stored(
    dir: &Path,
    kind: &str,
    now: DateTime<Utc>,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<(String, Vec<u8>)>, Error> {
    let rel_dir = format!("{STORE_DIR}/{kind}");
    let d = dir.join(&rel_dir);
    match std::fs::symlink_metadata(&d) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Ok(m) if m.is_dir() => {}
        _ => return Err(conflict(&rel_dir, "it is not a directory")),
    }
    let rd = std::fs::read_dir(&d).map_err(|source| secfw_artifacts::Error::Io { path: d.clone(), source })?;
    let mut best: Option<(Date, String)> = None;
    for entry in rd {
        let entry = entry.map_err(|source| secfw_artifacts::Error::Io { path: d.clone(), source })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(date) = parse_store_name(&name) else {
            diags.push(
                Diagnostic::warning(
                    codes::STORE_CONFLICT,
                    format!("{rel_dir}/{name}"),
                    "not a stored data file name; it is not used",
                )
                .with_hint("stored files are named YYYY-MM-DD-<16 hex>.<ext> by `secfw enrich`; remove or rename it"),
            );
            continue;
        };
        if date.start_of_day() > now {
            continue;
        }
        if best.as_ref().is_none_or(|(bd, bn)| (date.0, &name) > (bd.0, bn)) {
            best = Some((date, name));
        }
    }
    let Some((_, name)) = best else { return Ok(None) };
    let rel = format!("{rel_dir}/{name}");
    let bytes = secfw_artifacts::read_regular(&dir.join(&rel), DEFAULT_MAX_BYTES, Links::Refuse)
        .map_err(|e| conflict(&rel, &e.to_string()))?;
    let want = name.get(11..27).unwrap_or_default();
    if !Sha256Digest::of(&bytes).to_hex().starts_with(want) {
        return Err(conflict(&rel, "its SHA-256 does not match the digest in its name (edited after it was stored)"));
    }
    Ok(Some((rel, bytes)))
}

fn parse_store_name(name: &str) -> Option<Date> {
    let date = text::date(name.get(..10)?)?;
    let rest = name.get(10..)?;
    let hexpart = rest.strip_prefix('-')?.get(..16)?;
    let ext = rest.get(17..)?;
    (hexpart.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && matches!(ext, ".json" | ".csv" | ".csv.gz"))
    .then_some(date)
}
