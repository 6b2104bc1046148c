//! `secfw init DIR`: write the bundled example workspace, dated so it is valid now, or a minimal
//! skeleton to fill with one's own services.

use std::path::PathBuf;
use std::process::ExitCode;

use secfw::Workspace;
use secfw::ops::InitOptions;

use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `init`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Directory to create the workspace in (created if missing; must not hold artifacts).
    dir: PathBuf,
    /// Write an empty skeleton (one placeholder resource and policy, empty ledger and exception
    /// registry) instead of the full Acme Pay example.
    #[arg(long)]
    minimal: bool,
    /// Project name for `--minimal` (default: the directory's name).
    #[arg(long, value_name = "NAME", requires = "minimal")]
    project: Option<String>,
    /// The date the workspace is written for, RFC 3339 or YYYY-MM-DD (UTC); default: now. The
    /// example's dates (scans, exceptions, review) move with it, so its gates pass at this time.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let now = parse_now(args.now.as_deref())?;
    let mut opts = InitOptions::new(now);
    if args.minimal {
        opts = opts.minimal(args.project.clone());
    }
    let written = match Workspace::init(&args.dir, &opts) {
        Ok(w) => w,
        Err(e) => return out.fail(e, &args.dir),
    };
    let d = args.dir.display();
    let next = if args.minimal {
        format!(
            "next: describe your services in {d}/inventory.yaml and your policies in {d}/policy_map.md, \
             then `secfw validate {d}` (docs/getting-started.md)"
        )
    } else {
        format!("next: secfw validate {d} && secfw gate all {d}")
    };
    out.print(&format!("wrote {} files to {d}\n{next}", written.len()));
    Ok(ExitCode::from(exit::PASS))
}
