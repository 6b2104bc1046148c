//! `secfw exceptions check [DIR]`: expired, expiring, stale, over-long exceptions and missing
//! approvals.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::artifacts::{LoadOptions, load};

use crate::output::Fmt;
use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `exceptions`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Check every exception at --now: expired, expiring within N days, stale, over-long,
    /// missing approvals or content.
    Check(CheckArgs),
}

/// Arguments of `exceptions check`.
#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Evaluation time, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    /// Warn about exceptions expiring within this many days (default: the rulebook's
    /// exceptions.warn_days_before_expiry).
    #[arg(long)]
    within: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let Sub::Check(a) = &args.command;
    let now = parse_now(a.now.as_deref())?;
    let mut ws = load(&a.dir, &LoadOptions::default())?;
    if ws.exceptions.is_none() {
        for d in ws.diagnostics.iter().filter(|d| d.file == secfw::artifacts::files::EXCEPTIONS) {
            out.print(&out.diagnostic(d, ws.sources.get(&d.file)));
        }
        return Err("exceptions.md is missing or does not parse".into());
    }
    if let Some(n) = a.within {
        let mut rb = ws.rulebook_or_default();
        rb.exceptions.warn_days_before_expiry = n;
        ws.rulebook = Some(rb);
    }
    let gov = secfw::governance::evaluate(&ws, now);
    let errors = gov.exceptions.iter().flat_map(|e| &e.diagnostics).filter(|d| d.is_error()).count();
    match a.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&serde_json::json!({
            "now": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "exceptions": gov.exceptions,
            "passed": errors == 0,
        }))?),
        Fmt::Human => {
            let mut s = String::new();
            for e in &gov.exceptions {
                let _ = writeln!(
                    s,
                    "{} [{}] policy {}, until {} ({} day(s) left), severity {}, findings: {}{}",
                    e.id,
                    e.state.as_str(),
                    e.policy,
                    e.expires_at.date_naive(),
                    e.days_left,
                    e.severity.map_or("unknown", |x| x.as_str()),
                    if e.matched_findings.is_empty() { "none".to_owned() } else { e.matched_findings.join(", ") },
                    if e.stale { " (stale)" } else { "" }
                );
                for d in &e.diagnostics {
                    s.push_str(&out.diagnostic(d, ws.sources.get(&d.file)));
                    if !s.ends_with('\n') {
                        s.push('\n');
                    }
                }
            }
            let warnings = gov.exceptions.iter().flat_map(|e| &e.diagnostics).filter(|d| !d.is_error()).count();
            let _ = write!(s, "{} exception(s): {errors} error(s), {warnings} warning(s)", gov.exceptions.len());
            out.print(&s);
        }
    }
    Ok(ExitCode::from(if errors == 0 { exit::PASS } else { exit::FAIL }))
}
