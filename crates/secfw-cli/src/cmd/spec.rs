//! `secfw spec init|lint`: the Security & Compliance Specification (`security_spec.md`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::ops::SpecLintOptions;
use secfw::{Outcome, Workspace};

use crate::output::Fmt;
use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `spec`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Write security_spec.md from the template (front matter and the 14 sections with
    /// guidance); never overwrites.
    Init(InitArgs),
    /// Check security_spec.md: sections, placeholders, status, review date, and cross-checks
    /// with the rulebook taxonomy, exceptions.md and policy_map.md.
    Lint(LintArgs),
}

/// Arguments of `spec init`.
#[derive(Debug, clap::Args)]
struct InitArgs {
    /// The security workspace directory (created if missing).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

/// Arguments of `spec lint`.
#[derive(Debug, clap::Args)]
struct LintArgs {
    /// The security workspace directory.
    #[arg(default_value = ".", conflicts_with = "file")]
    dir: PathBuf,
    /// Lint this file on its own instead (cross-checks with other artifacts are skipped).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Evaluation time, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    /// Review cycle in days for --file (in a workspace the rulebook's review_cycle_days applies).
    #[arg(long, requires = "file")]
    review_cycle_days: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    match &args.command {
        Sub::Init(a) => {
            let path = match Workspace::spec_init(&a.dir) {
                Ok(p) => p,
                Err(e) => return out.fail(e, &a.dir),
            };
            out.print(&format!(
                "wrote {}\nnext: replace the placeholders and guidance in every section, then run `secfw spec lint {}`",
                path.display(),
                a.dir.display()
            ));
            Ok(ExitCode::from(exit::PASS))
        }
        Sub::Lint(a) => lint(a, out),
    }
}

fn lint(a: &LintArgs, out: &Output) -> CmdResult {
    let now = parse_now(a.now.as_deref())?;
    let opts = SpecLintOptions::new(now).review_cycle_days(a.review_cycle_days);
    let result = match &a.file {
        Some(file) => Workspace::spec_lint_file(file, &opts),
        None => Workspace::open(&a.dir).and_then(|ws| ws.spec_lint(&opts)),
    };
    let report = match result {
        Ok(r) => r,
        Err(e) => return out.fail(e, &a.dir),
    };
    match a.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&report)?),
        Fmt::Human => {
            let mut s = String::new();
            for d in &report.diagnostics {
                let _ = writeln!(s, "{}", out.diagnostic(d, report.source.as_ref().filter(|x| x.name == d.file)));
            }
            let sm = &report.summary;
            let verdict = if report.passed() { "clean" } else { "FINDINGS" };
            let _ = write!(s, "{}: {verdict} ({} error(s), {} warning(s))", report.file, sm.errors, sm.warnings);
            if report.cross_checks_skipped {
                s.push_str("; cross-checks skipped (linted on its own)");
            }
            out.print(&s);
        }
    }
    Ok(ExitCode::from(if report.passed() { exit::PASS } else { exit::FAIL }))
}
