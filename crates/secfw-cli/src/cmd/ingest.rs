//! `secfw ingest [--format F] FILE... [--dir DIR | DIR]`: scanner reports → sec_findings.yaml.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::Workspace;
use secfw::ingest::Format;
use secfw::ops::IngestOptions;

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
    /// Bind the scans to this target (an inventory resource id) instead of the one the report names;
    /// names the project when the report does not (cargo-audit, npm audit, SARIF without a repository),
    /// which otherwise binds the scan to its report path (IN0110).
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
    let opts = IngestOptions::new(files, args.input_format, now).target(args.target.clone()).dry_run(args.dry_run);
    let report = match Workspace::open(&dir).and_then(|ws| ws.ingest(&opts)) {
        Ok(r) => r,
        Err(e) if !e.diagnostics().is_empty() => {
            let mut text = out.diagnostics_in(&dir, &e.diagnostics());
            text.push_str("nothing was ingested; sec_findings.yaml is unchanged");
            out.eprint(&text);
            return Ok(ExitCode::from(exit::USAGE));
        }
        Err(e) => return out.fail(e, &dir),
    };
    match args.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&report)?),
        Fmt::Human => {
            if !report.diagnostics.is_empty() {
                out.diagnostics(&report.diagnostics);
            }
            let mut text = String::new();
            for r in &report.reports {
                let _ = writeln!(text, "{}: {} ({} scan(s), {} finding(s))", r.report, r.format, r.scans, r.findings);
            }
            let _ = write!(
                text,
                "{} new ({} re-opened), {} seen again, {} resolved, {} kept open; {} scan(s) recorded, {} failed",
                report.opened.len(),
                report.reopened.len(),
                report.updated.len(),
                report.resolved.len(),
                report.kept_open.len(),
                report.scans.len(),
                report.failed_scans.len()
            );
            if !report.rerated.is_empty() {
                let _ = write!(text, "; {} re-rated by their scanner", report.rerated.len());
            }
            if !report.written {
                text.push_str(" (dry run: nothing written)");
            }
            out.print(&text);
        }
    }
    Ok(ExitCode::from(exit::PASS))
}
