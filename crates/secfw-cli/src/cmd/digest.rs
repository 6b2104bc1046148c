//! `secfw digest [DIR] [--out DIR] [--now T] [--from T] [--to T] [--cycle ID]`.

use std::path::PathBuf;
use std::process::ExitCode;

use secfw::Workspace;
use secfw::ops::DigestOptions;

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
    let (now, period) = args.period.resolve()?;
    let opts = DigestOptions::new(now).period(period).out(args.out.clone());
    // Loaded once, under the lock (opening the workspace first would hold two loads of it).
    let report = match Workspace::digest_dir(&args.dir, &opts) {
        Ok(r) => r,
        Err(e) => return out.fail(e, &args.dir),
    };
    if !report.diagnostics.is_empty() {
        out.status(out.diagnostics_in(&args.dir, &report.diagnostics).trim_end());
    }
    let mut text =
        format!("digest for cycle {} ({})\nsnapshot: {}", report.cycle, report.period, report.snapshot.display());
    for f in &report.files {
        text.push_str("\nwrote ");
        text.push_str(&f.display().to_string());
    }
    out.print(&text);
    Ok(ExitCode::from(exit::PASS))
}
