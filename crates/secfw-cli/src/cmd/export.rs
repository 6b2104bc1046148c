//! `secfw export --format sarif|oscal-ar|oscal-poam|junit|github [DIR] [-o FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

use secfw::Workspace;
use secfw::export::{Format, OscalVersion, SarifProfile, Vcs};
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
    /// SARIF consumer: standard, or github (excepted and false-positive results left out of the
    /// upload, counted in the run properties; see --dismissal-plan and docs/ci/).
    #[arg(long, default_value = "standard", value_parser = parse_profile)]
    profile: SarifProfile,
    /// With --profile github: write the dismissal plan (JSON: alert fingerprint, reason,
    /// exception id) for the code-scanning API to this file.
    #[arg(long, value_name = "FILE")]
    dismissal_plan: Option<PathBuf>,
    /// SARIF baselineState (new / unchanged / updated) from this verified baseline handoff.
    #[command(flatten)]
    baseline: super::gate_new::BaselineArgs,
}

fn parse_profile(s: &str) -> Result<SarifProfile, String> {
    match s {
        "standard" => Ok(SarifProfile::Standard),
        "github" => Ok(SarifProfile::Github),
        _ => Err(format!("unknown SARIF profile `{s}`, expected standard or github")),
    }
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
    if args.dismissal_plan.is_some() && args.profile != SarifProfile::Github {
        return Err("--dismissal-plan needs --profile github".into());
    }
    let mut opts =
        ExportOptions::new(args.format, now).oscal_version(args.oscal_version).vcs(vcs).profile(args.profile);
    if args.baseline.given() {
        match super::gate_new::report(&args.dir, now, &args.baseline, out)? {
            Ok(report) => opts = opts.baseline(&report),
            Err(code) => return Ok(code),
        }
    }
    let exported = Workspace::open(&args.dir).and_then(|ws| {
        let plan = args.dismissal_plan.as_ref().map(|_| ws.dismissal_plan(&opts)).transpose()?;
        Ok((ws.export(&opts)?, plan))
    });
    let text = match exported {
        Ok((t, plan)) => {
            if let (Some(p), Some(plan)) = (&args.dismissal_plan, plan) {
                secfw::artifacts::write_atomic(p, plan.as_bytes())?;
                out.status(&format!("wrote {} (dismissal plan)", p.display()));
            }
            t
        }
        Err(secfw::Error::Export(secfw::export::Error::NoLedger(d))) => {
            out.print(out.diagnostics_in(&args.dir, &[*d]).trim_end());
            return Ok(ExitCode::from(exit::USAGE));
        }
        Err(e) => return out.fail(e, &args.dir),
    };
    match &args.output {
        Some(p) => {
            secfw::artifacts::write_atomic(p, text.as_bytes())?;
            out.status(&format!("wrote {} ({})", p.display(), args.format));
        }
        None => out.print(&text),
    }
    Ok(ExitCode::from(exit::PASS))
}
