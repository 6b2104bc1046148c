//! The ingest entry points fuzzed by `fuzz/` (targets `ingest_*`) and replayed on stable by
//! `crates/secfw-ingest/tests/fuzz_corpus.rs`: one function for every target, so the fuzzer
//! and the corpus test run exactly the same code and the same checks.
//!
//! Scanner reports are untrusted input from CI. For every target, any bytes must give either a
//! report or a rejection with an `IN` diagnostic — never a panic — and a report must hold only
//! well-formed findings that merge into a ledger which renders and re-parses cleanly.
//! [`Target::SarifPaths`] also parses the same bytes through the streaming and the in-memory
//! SARIF paths and requires the same outcome.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use secfw_artifacts::model::rulebook::SlaDays;

use crate::model::{class, limits};
use crate::{Format, ParseOptions, ScannerReport, ledger, parse_path, parse_slice, render_as};

/// An ingest fuzz target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Target {
    /// Format auto-detection, then the detected parser.
    Auto,
    /// SARIF (in-memory path).
    Sarif,
    /// Trivy JSON.
    Trivy,
    /// Grype JSON.
    Grype,
    /// `cargo audit --json`.
    CargoAudit,
    /// OSV-Scanner JSON.
    Osv,
    /// `npm audit --json`.
    NpmAudit,
    /// The same bytes through the streaming and the in-memory SARIF paths: same outcome.
    SarifPaths,
}

impl Target {
    /// Every target, in a fixed order.
    pub const ALL: [Self; 8] = [
        Self::Auto,
        Self::Sarif,
        Self::Trivy,
        Self::Grype,
        Self::CargoAudit,
        Self::Osv,
        Self::NpmAudit,
        Self::SarifPaths,
    ];

    /// The cargo-fuzz target name, which is also the corpus directory `fuzz/corpus/<name>/`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Auto => "ingest_auto",
            Self::Sarif => "ingest_sarif",
            Self::Trivy => "ingest_trivy",
            Self::Grype => "ingest_grype",
            Self::CargoAudit => "ingest_cargo_audit",
            Self::Osv => "ingest_osv",
            Self::NpmAudit => "ingest_npm_audit",
            Self::SarifPaths => "ingest_sarif_paths",
        }
    }

    const fn format(self) -> Format {
        match self {
            Self::Auto => Format::Auto,
            Self::Sarif | Self::SarifPaths => Format::Sarif,
            Self::Trivy => Format::Trivy,
            Self::Grype => Format::Grype,
            Self::CargoAudit => Format::CargoAudit,
            Self::Osv => Format::Osv,
            Self::NpmAudit => Format::NpmAudit,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|t| t.name() == s).ok_or_else(|| format!("unknown fuzz target `{s}`"))
    }
}

/// The outcome of one input, for comparisons.
#[derive(Debug, PartialEq)]
enum Outcome {
    Parsed(Vec<crate::Scan>, Vec<String>),
    Rejected(String),
}

fn outcome(r: Result<ScannerReport, crate::Error>) -> Result<Outcome, String> {
    match r {
        Ok(report) => {
            let diags = report.diagnostics.iter().map(|d| format!("{} {}", d.code, d.message)).collect();
            Ok(Outcome::Parsed(report.scans, diags))
        }
        Err(e) => {
            let d = e.diagnostics();
            let Some(first) = d.first() else { return Err(format!("a rejection without a diagnostic: {e}")) };
            if !first.code.as_str().starts_with("IN") {
                return Err(format!("a rejection with a foreign code: {first}"));
            }
            Ok(Outcome::Rejected(first.code.as_str().to_owned()))
        }
    }
}

/// The properties every parsed report must have.
fn check_report(report: &ScannerReport) -> Result<(), String> {
    if report.format == Format::Auto {
        return Err("a report parsed as `auto`".into());
    }
    for scan in &report.scans {
        if scan.tool.is_empty() {
            return Err("a scan without a tool".into());
        }
        for it in &scan.items {
            if !secfw_artifacts::is_fingerprint(&it.fingerprint) {
                return Err(format!("bad fingerprint {}", it.fingerprint));
            }
            if class::of(it.class).is_none() {
                return Err(format!("unknown class {}", it.class));
            }
            for (field, text, limit) in [
                ("title", &it.title, limits::TITLE),
                ("description", &it.description, limits::DESCRIPTION),
                ("location", &it.location, limits::LOCATION),
                ("recommended_action", &it.recommended_action, limits::ACTION),
            ] {
                if text.len() > limit * 4 || text.chars().count() > limit {
                    return Err(format!("{field} over its budget of {limit} characters"));
                }
            }
        }
    }
    // Whatever the report holds, the merged ledger renders and reads back identically.
    let now: DateTime<Utc> = DateTime::from_timestamp(1_740_787_200, 0).unwrap_or_default();
    let mut l = ledger::new_ledger(now);
    ledger::merge(&mut l, std::slice::from_ref(report), None, &SlaDays::default(), now);
    let text =
        render_as(&l, crate::LedgerSyntax::Yaml).map_err(|e| format!("the merged ledger does not render: {e}"))?;
    // The ledger layout's one-pass read-back must agree with the full YAML parser every load uses.
    let src = secfw_artifacts::SourceFile::new("sec_findings.yaml", text);
    let full = secfw_artifacts::yaml::parse::<secfw_artifacts::model::findings::FindingsFile>(
        &src,
        secfw_artifacts::yaml::UnknownFields::Deny,
    )
    .map_err(|d| format!("the written ledger does not parse with the full YAML parser: {d}"))?;
    if full.value != l || !full.diagnostics.is_empty() {
        return Err("the full YAML parser reads the written ledger differently".into());
    }
    Ok(())
}

/// Run `target` on `data`: `Ok` when every property holds (a clean rejection counts), `Err`
/// with the broken property otherwise. Never panics on any input: a panic is a bug the fuzzer
/// reports.
pub fn run(target: Target, data: &[u8]) -> Result<(), String> {
    let opts = ParseOptions::default();
    if target == Target::SarifPaths {
        return compare_paths(data);
    }
    let parsed = parse_slice(data, "fuzz.json", target.format(), &opts);
    if let Ok(report) = &parsed {
        check_report(report)?;
    }
    outcome(parsed).map(|_| ())
}

/// The streaming and in-memory SARIF paths on the same bytes: same scans and diagnostics, or
/// the same rejection code.
fn compare_paths(data: &[u8]) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("secfw-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("temp dir: {e}"))?;
    let path = dir.join("input.sarif");
    std::fs::write(&path, data).map_err(|e| format!("temp file: {e}"))?;
    let memory = ParseOptions::default().in_memory_max(u64::MAX);
    let stream = ParseOptions::default().in_memory_max(0);
    let a = parse_path(&path, "fuzz.sarif", Format::Sarif, &memory);
    let b = parse_path(&path, "fuzz.sarif", Format::Sarif, &stream);
    if let Ok(r) = &a {
        check_report(r)?;
    }
    let (a, b) = (outcome(a)?, outcome(b)?);
    if a != b {
        return Err(format!("the streaming and in-memory SARIF paths disagree:\n in memory: {a:?}\n streamed:  {b:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in Target::ALL {
            assert_eq!(t.name().parse::<Target>().unwrap(), t);
        }
        assert!("nope".parse::<Target>().is_err());
    }

    #[test]
    fn junk_is_a_clean_rejection_on_every_target() {
        for t in Target::ALL {
            for data in [&b""[..], b"\xef\xbb\xbf  ", b"null", b"{", b"\xef\xbb", b"[1,2]", b"{\"runs\":null}"] {
                assert_eq!(run(t, data), Ok(()), "{t}: {:?}", String::from_utf8_lossy(data));
            }
        }
    }
}
