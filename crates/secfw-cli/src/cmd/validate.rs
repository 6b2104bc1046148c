//! `secfw validate [DIR] [--strict] [--format human|json]`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::{LoadOptions, Outcome, Workspace};

use crate::output::Fmt;
use crate::output::Output;
use crate::{CmdResult, exit};

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Treat unknown fields and keys as errors.
    #[arg(long)]
    strict: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
    /// Largest artifact read, in bytes.
    #[arg(long, default_value_t = secfw::artifacts::DEFAULT_MAX_FILE_BYTES)]
    max_file_bytes: u64,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let opts = LoadOptions::default().strict(args.strict).max_file_bytes(args.max_file_bytes);
    let ws = match Workspace::open_with(&args.dir, opts) {
        Ok(ws) => ws,
        Err(e) => return out.fail(e, &args.dir),
    };
    let report = ws.validate();
    match args.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&report)?),
        Fmt::Human => {
            let mut text = String::new();
            for d in &report.diagnostics {
                text.push_str(&out.diagnostic(d, ws.artifacts().sources.get(&d.file)));
                text.push('\n');
            }
            let verdict = if report.passed() { "valid" } else { "INVALID" };
            let s = &report.summary;
            let _ =
                write!(text, "{}: {verdict} ({} error(s), {} warning(s))", args.dir.display(), s.errors, s.warnings);
            out.print(&text);
        }
    }
    let passed = report.passed();
    // The process ends now: freeing the loaded artifacts one allocation at a time would cost
    // 10-15% of a large validation, and the system reclaims the memory at exit anyway.
    std::mem::forget(report);
    std::mem::forget(ws);
    Ok(ExitCode::from(if passed { exit::PASS } else { exit::FAIL }))
}
