//! `secfw export --format sarif|oscal-ar|oscal-poam|junit|github [DIR] [-o FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

use secfw::artifacts::{LoadOptions, load};
use secfw::export::{ExportInput, Format, OscalVersion, SarifProfile, Vcs};

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

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

/// Provenance from flags, else GitHub Actions or GitLab CI variables.
fn vcs(args: &Args) -> Option<Vcs> {
    let gh = env("GITHUB_REPOSITORY")
        .map(|r| format!("{}/{r}", env("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into())));
    let uri = args.repository_uri.clone().or(gh).or_else(|| env("CI_PROJECT_URL"))?;
    let rev = args.revision.clone().or_else(|| env("GITHUB_SHA")).or_else(|| env("CI_COMMIT_SHA"));
    let branch = args.branch.clone().or_else(|| env("GITHUB_REF_NAME")).or_else(|| env("CI_COMMIT_REF_NAME"));
    Some(Vcs::new(uri, rev, branch))
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let now = parse_now(args.now.as_deref())?;
    let ws = load(&args.dir, &LoadOptions::default())?;
    let input = match ExportInput::from_workspace(&ws, now) {
        Ok(i) => i,
        Err(secfw::export::Error::NoLedger(d)) => {
            out.print(&out.diagnostic(&d, ws.sources.get(&d.file)));
            return Ok(ExitCode::from(exit::USAGE));
        }
        Err(e) => return Err(e.into()),
    };
    let v = vcs(args);
    let mut input = input.vcs(v.as_ref()).profile(args.profile);
    if args.baseline.given() {
        let report = match super::gate_new::report(&args.dir, now, &args.baseline, out)? {
            Ok(r) => r,
            Err(code) => return Ok(code),
        };
        let states = report
            .findings
            .iter()
            .filter(|f| f.state != secfw::lifecycle::baseline::BaselineState::Absent)
            .map(|f| (f.finding_id.clone(), f.state.as_str().to_owned()))
            .collect();
        input = input.baseline(states, report.absent_findings);
    }
    if let Some(p) = &args.dismissal_plan {
        if args.profile != SarifProfile::Github {
            return Err("--dismissal-plan needs --profile github".into());
        }
        let plan = secfw::export::to_json(&secfw::export::dismissal_plan(&input))?;
        secfw::artifacts::write::write_atomic(p, plan.as_bytes())?;
        out.status(&format!("wrote {} (dismissal plan)", p.display()));
    }
    let text = secfw::export::render(args.format, &input, args.oscal_version)?;
    match &args.output {
        Some(p) => {
            secfw::artifacts::write::write_atomic(p, text.as_bytes())?;
            out.status(&format!("wrote {} ({})", p.display(), args.format));
        }
        None => out.print(&text),
    }
    Ok(ExitCode::from(exit::PASS))
}
