//! `secfw completions SHELL`: the CLI's own argument grammar (clap) as a shell completion
//! script. It has no hub method on purpose: what it prints is client knowledge, not a domain
//! decision, and it needs no workspace, time or report.

use std::process::ExitCode;

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Shell to generate completions for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub(crate) fn run<C: clap::CommandFactory>(args: &Args) -> ExitCode {
    let mut cmd = C::command();
    clap_complete::generate(args.shell, &mut cmd, "secfw", &mut std::io::stdout());
    ExitCode::SUCCESS
}
