//! `secfw init DIR`: write the bundled example workspace.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::output::Output;
use crate::{CmdResult, exit};

/// Arguments of `init`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Directory to create the workspace in (created if missing; must not hold artifacts).
    dir: PathBuf,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let written = secfw::artifacts::template::write_example(&args.dir)?;
    out.print(&format!(
        "wrote {} files to {}\nnext: secfw validate {}",
        written.len(),
        args.dir.display(),
        args.dir.display()
    ));
    Ok(ExitCode::from(exit::PASS))
}
