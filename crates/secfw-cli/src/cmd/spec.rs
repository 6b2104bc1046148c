//! `secfw spec init|lint`: the Security & Compliance Specification (`security_spec.md`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::artifacts::speclint::{self, SpecContext};
use secfw::artifacts::{Diagnostic, Level, LoadOptions, Summary, load};

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
            let path = speclint::init(&a.dir)?;
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
    let (diags, source, target): (Vec<Diagnostic>, Option<secfw::artifacts::SourceFile>, String) =
        if let Some(file) = &a.file {
            let name = file.to_string_lossy().replace('\\', "/");
            let src =
                secfw::artifacts::source::read_artifact(file, &name, secfw::artifacts::source::DEFAULT_MAX_FILE_BYTES)
                    .map_err(|d| d.to_string())?;
            let mut ctx = SpecContext::standalone();
            if let Some(n) = a.review_cycle_days {
                ctx = ctx.with_review_cycle_days(n);
            }
            (speclint::lint(&src, &ctx, now), Some(src), name)
        } else {
            let ws = load(&a.dir, &LoadOptions::default())?;
            let name = secfw::artifacts::files::SECURITY_SPEC;
            let Some(src) = ws.sources.get(name).cloned() else {
                let why = ws.diagnostics.iter().find(|d| d.file == name).map_or_else(String::new, ToString::to_string);
                return Err(format!(
                    "cannot lint {}: {why} (`secfw spec init` writes the template)",
                    a.dir.join(name).display()
                )
                .into());
            };
            (speclint::lint_workspace(&ws, now), Some(src), a.dir.join(name).display().to_string())
        };
    let summary = Summary::of(&diags);
    let clean = summary.errors == 0 && summary.warnings == 0;
    match a.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&serde_json::json!({
            "file": target,
            "diagnostics": diags,
            "summary": { "errors": summary.errors, "warnings": summary.warnings, "notes": summary.notes, "clean": clean },
        }))?),
        Fmt::Human => {
            let mut s = String::new();
            for d in &diags {
                let _ = writeln!(s, "{}", out.diagnostic(d, source.as_ref().filter(|x| x.name == d.file)));
            }
            let verdict = if clean { "clean" } else { "FINDINGS" };
            let _ = write!(s, "{target}: {verdict} ({} error(s), {} warning(s))", summary.errors, summary.warnings);
            if diags.iter().any(|d| d.severity == Level::Note && d.code.as_str() == "SF0713") && a.file.is_some() {
                s.push_str("; cross-checks skipped (linted on its own)");
            }
            out.print(&s);
        }
    }
    Ok(ExitCode::from(if clean { exit::PASS } else { exit::FAIL }))
}
