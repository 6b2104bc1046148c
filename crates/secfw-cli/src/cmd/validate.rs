//! `secfw validate [DIR] [--strict] [--format human|json]`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::artifacts::{LoadOptions, load};

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
    #[arg(long, default_value_t = secfw::artifacts::source::DEFAULT_MAX_FILE_BYTES)]
    max_file_bytes: u64,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let opts = LoadOptions::default().strict(args.strict).max_file_bytes(args.max_file_bytes);
    let ws = load(&args.dir, &opts)?;
    let summary = ws.summary();
    match args.format {
        Fmt::Json => {
            let doc = serde_json::json!({
                "diagnostics": ws.diagnostics,
                "summary": { "errors": summary.errors, "warnings": summary.warnings, "notes": summary.notes, "valid": ws.is_valid() },
            });
            out.print(&serde_json::to_string_pretty(&doc)?);
        }
        Fmt::Human => {
            let mut text = String::new();
            for d in &ws.diagnostics {
                text.push_str(&out.diagnostic(d, ws.sources.get(&d.file)));
                text.push('\n');
            }
            let verdict = if ws.is_valid() { "valid" } else { "INVALID" };
            let _ = write!(
                text,
                "{}: {verdict} ({} error(s), {} warning(s))",
                args.dir.display(),
                summary.errors,
                summary.warnings
            );
            out.print(&text);
        }
    }
    Ok(ExitCode::from(if ws.is_valid() { exit::PASS } else { exit::FAIL }))
}
