//! `secfw digest [DIR] [--out DIR] [--now T] [--from T] [--to T] [--cycle ID]`.

use std::path::PathBuf;
use std::process::ExitCode;

use secfw::artifacts::{LoadOptions, load};

use crate::cmd::metrics::PeriodArgs;
use crate::output::Output;
use crate::{CmdResult, exit};

/// Arguments of `digest`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Where to write digest.md, digest.json and digest.html (default: the workspace).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    period: PeriodArgs,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let (now, opts) = args.period.resolve()?;
    let _lock = crate::lock::workspace(&args.dir)?; // held until the command returns
    let ws = load(&args.dir, &LoadOptions::default())?;
    let opts = opts.escalations(secfw::lifecycle::load_escalation_data(&ws, now)?);
    let done = secfw::digest::generate(&ws, &opts, now, args.out.as_deref())?;
    for d in &done.report.diagnostics {
        out.status(&out.diagnostic(d, ws.sources.get(&d.file)));
    }
    let mut text = format!(
        "digest for cycle {} ({})\nsnapshot: {}",
        done.report.cycle,
        done.report.metrics.period,
        done.snapshot.display()
    );
    for f in &done.files {
        text.push_str("\nwrote ");
        text.push_str(&f.display().to_string());
    }
    out.print(&text);
    Ok(ExitCode::from(exit::PASS))
}
