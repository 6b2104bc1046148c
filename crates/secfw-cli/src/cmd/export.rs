//! `secfw export --format sarif|oscal-ar|oscal-poam|junit|github [DIR] [-o FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

use secfw::Workspace;
use secfw::export::{Format, OscalVersion, Vcs};
use secfw::ops::ExportOptions;

use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `export`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// What to write: sarif, oscal-ar, oscal-poam, junit, github.
    #[arg(long, value_parser = parse_format)]
    format: Format,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// OSCAL version to declare: 1.1.2 or 1.2.1.
    #[arg(long, default_value = "1.1.2", value_parser = parse_oscal)]
    oscal_version: OscalVersion,
    /// Evaluation time for exception validity (RFC 3339 or YYYY-MM-DD, UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    /// SARIF versionControlProvenance repository URI (default: from GITHUB_* / CI_* variables).
    #[arg(long)]
    repository_uri: Option<String>,
    /// Commit id for versionControlProvenance.
    #[arg(long)]
    revision: Option<String>,
    /// Branch for versionControlProvenance.
    #[arg(long)]
    branch: Option<String>,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn parse_oscal(s: &str) -> Result<OscalVersion, String> {
    match s {
        "1.1.2" => Ok(OscalVersion::V1_1_2),
        "1.2.1" => Ok(OscalVersion::V1_2_1),
        _ => Err(format!("unsupported OSCAL version `{s}`, expected 1.1.2 or 1.2.1")),
    }
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let now = parse_now(args.now.as_deref())?;
    let vcs = Vcs::resolve(args.repository_uri.clone(), args.revision.clone(), args.branch.clone(), &|k| {
        std::env::var(k).ok()
    });
    let opts = ExportOptions::new(args.format, now).oscal_version(args.oscal_version).vcs(vcs);
    let text = match Workspace::open(&args.dir).and_then(|ws| ws.export(&opts)) {
        Ok(t) => t,
        Err(secfw::Error::Export(secfw::export::Error::NoLedger(d))) => {
            out.print(out.diagnostics_in(&args.dir, &[*d]).trim_end());
            return Ok(ExitCode::from(exit::USAGE));
        }
        Err(e) => return out.fail(e, &args.dir),
    };
    match &args.output {
        Some(p) => {
            secfw::artifacts::write::write_atomic(p, text.as_bytes())?;
            out.status(&format!("wrote {} ({})", p.display(), args.format));
        }
        None => out.print(&text),
    }
    Ok(ExitCode::from(exit::PASS))
}
