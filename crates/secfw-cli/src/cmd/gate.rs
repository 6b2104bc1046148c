//! `secfw gate <schema_lint|cross_stream_consistency|parity_coverage|suppression_parity|all> [DIR]`.

use std::path::PathBuf;

use secfw::gates::{GateName, ReportFormat};
use secfw::ops::GatesOptions;
use secfw::{LoadOptions, Outcome, Workspace};

use crate::CmdResult;
use crate::output::{Format, Output, parse_now};

/// Arguments of `gate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The gate: schema_lint, cross_stream_consistency, parity_coverage, suppression_parity, all, or new (fail only on what changed since a sealed baseline).
    gate: String,
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Evaluation time, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    /// Warnings fail the gate too (and unknown fields are errors).
    #[arg(long)]
    strict: bool,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    baseline: super::gate_new::BaselineArgs,
}

pub(crate) fn report_format(f: Format) -> ReportFormat {
    match f {
        Format::Human => ReportFormat::Human,
        Format::Json => ReportFormat::Json,
        Format::Sarif => ReportFormat::Sarif,
        Format::Junit => ReportFormat::Junit,
        Format::Github => ReportFormat::Github,
    }
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    if args.gate == "new" {
        let now = parse_now(args.now.as_deref())?;
        return super::gate_new::run(&args.dir, now, &args.baseline, args.format, args.output.as_deref(), out);
    }
    if args.baseline.given() {
        return Err("--baseline applies to `secfw gate new` only".into());
    }
    let gates = GateName::parse_list(&args.gate)?;
    let now = parse_now(args.now.as_deref())?;
    let opts = GatesOptions::new(gates, now).strict(args.strict);
    let result = Workspace::open_with(&args.dir, LoadOptions::default().strict(args.strict))
        .and_then(|ws| Ok((ws.gate(&opts)?, ws)));
    let (report, ws) = match result {
        Ok(r) => r,
        Err(e) => return out.fail(e, &args.dir),
    };
    let styled = out.styled() && args.output.is_none();
    let text = secfw::gates::format::render(&report.run, report_format(args.format), &ws.artifacts().sources, styled);
    out.gate_result(text, args.output.as_deref(), report.passed())
}
