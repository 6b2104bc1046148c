//! `secfw digest [DIR] [--out DIR] [--now T] [--from T] [--to T] [--cycle ID]`.

use std::path::PathBuf;
use std::process::ExitCode;

use secfw::artifacts::{LoadOptions, load};

use crate::cmd::metrics::parse_bounds;
use crate::output::{Output, parse_now};
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
    /// Evaluation time (RFC 3339 or YYYY-MM-DD, UTC); default: the current time.
    #[arg(long)]
    now: Option<String>,
    /// Period start (default: the previous snapshot's end, or 7 days before the period end).
    #[arg(long)]
    from: Option<String>,
    /// Period end (a date means the end of that day); default: --now.
    #[arg(long)]
    to: Option<String>,
    /// Cycle id (default: the period end's date, YYYY-MM-DD).
    #[arg(long)]
    cycle: Option<String>,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let now = parse_now(args.now.as_deref())?;
    let mut opts = parse_bounds(args.from.as_deref(), args.to.as_deref())?;
    if let Some(c) = &args.cycle {
        opts = opts.cycle(c.clone());
    }
    let ws = load(&args.dir, &LoadOptions::default())?;
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
