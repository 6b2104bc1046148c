//! `secfw ingest [--format F] FILE... [--dir DIR | DIR]`: scanner reports → sec_findings.yaml.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::ingest::{Format, IngestOptions, Input};

use crate::output::{Fmt, Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `ingest`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Scanner reports; when the last path is a directory it is the security workspace.
    #[arg(required = true, value_name = "FILE")]
    paths: Vec<PathBuf>,
    /// The security workspace directory (default: the last path if it is a directory, else `.`).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Format of the reports read: auto, sarif, trivy, grype, cargo-audit, osv, npm-audit.
    #[arg(long = "input-format", value_name = "FORMAT", default_value = "auto", value_parser = parse_format)]
    input_format: Format,
    /// Bind the scans to this target (an inventory resource id) instead of the one the report names.
    #[arg(long)]
    target: Option<String>,
    /// The time of the ingest (RFC 3339 or YYYY-MM-DD, UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    /// Parse and merge, print what would change, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Output format of the summary (diagnostics go to stderr in both).
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let mut files = args.paths.clone();
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None if files.len() > 1 && files.last().is_some_and(|p| p.is_dir()) => files.pop().unwrap_or_default(),
        None => PathBuf::from("."),
    };
    let now = parse_now(args.now.as_deref())?;
    let inputs: Vec<Input> = files.iter().map(|p| Input::new(p.clone(), args.input_format)).collect();
    let opts = IngestOptions::new(now).target(args.target.clone()).dry_run(args.dry_run);
    let lock = crate::lock::workspace(&dir)?; // held until the ledger is written
    let outcome = match secfw::ingest::ingest(&dir, &lock, &inputs, &opts) {
        Ok(o) => o,
        Err(e) => {
            let diags = e.diagnostics();
            if diags.is_empty() {
                return Err(e.into());
            }
            let mut text = String::new();
            for d in &diags {
                let src = files
                    .iter()
                    .find(|p| p.to_string_lossy().ends_with(&d.file))
                    .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() < 4 << 20))
                    .and_then(|p| std::fs::read_to_string(p).ok())
                    .map(|t| secfw::artifacts::SourceFile::new(d.file.clone(), t));
                text.push_str(&out.diagnostic(d, src.as_ref()));
                text.push('\n');
            }
            text.push_str("nothing was ingested; sec_findings.yaml is unchanged");
            out.eprint(&text);
            return Ok(ExitCode::from(exit::USAGE));
        }
    };
    let s = &outcome.summary;
    let diags = outcome.diagnostics();
    match args.format {
        Fmt::Json => {
            let reports: Vec<serde_json::Value> = outcome
                .reports
                .iter()
                .map(|r| serde_json::json!({"report": r.name, "format": r.format.as_str(), "sha256": r.sha256, "scans": r.scans.len(), "findings": r.finding_count()}))
                .collect();
            let doc = serde_json::json!({
                "reports": reports,
                "opened": s.opened, "reopened": s.reopened, "updated": s.updated, "resolved": s.resolved,
                "scans": s.scans, "failed_scans": s.failed_scans,
                "kept_open": s.kept_open.iter().map(|(id, why)| serde_json::json!({"finding": id, "why": why})).collect::<Vec<_>>(),
                "diagnostics": diags, "written": outcome.written, "ledger": outcome.ledger_path,
            });
            out.print(&serde_json::to_string_pretty(&doc)?);
        }
        Fmt::Human => {
            if !diags.is_empty() {
                out.diagnostics(&diags);
            }
            let mut text = String::new();
            for r in &outcome.reports {
                let _ = writeln!(
                    text,
                    "{}: {} ({} scan(s), {} finding(s))",
                    r.name,
                    r.format,
                    r.scans.len(),
                    r.finding_count()
                );
            }
            let _ = write!(
                text,
                "{} new ({} re-opened), {} seen again, {} resolved, {} kept open; {} scan(s) recorded, {} failed",
                s.opened.len(),
                s.reopened.len(),
                s.updated.len(),
                s.resolved.len(),
                s.kept_open.len(),
                s.scans.len(),
                s.failed_scans.len()
            );
            if !outcome.written {
                text.push_str(" (dry run: nothing written)");
            }
            out.print(&text);
        }
    }
    Ok(ExitCode::from(exit::PASS))
}
