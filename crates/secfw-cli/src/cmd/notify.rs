//! `secfw notify plan|apply`: escalations, exception expiry and SLA breaches delivered once to
//! the webhooks the rulebook configures (secrets from the environment).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use secfw::Workspace;
use secfw::artifacts::Level;
use secfw::notify::NotifyPlan;
use secfw::tickets::http::ApplyOptions;

use crate::output::Fmt;
use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `notify`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Show the messages that would be sent (escalations, expiring/expired exceptions, SLA breaches).
    Plan(PlanArgs),
    /// Plan under the workspace lock, then send each message once (resumes after a failure).
    Apply(ApplyArgs),
}

/// Arguments of `notify plan`.
#[derive(Debug, clap::Args)]
struct PlanArgs {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Evaluation time, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

/// Arguments of `notify apply`.
#[derive(Debug, clap::Args)]
struct ApplyArgs {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Evaluation time, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    #[command(flatten)]
    retry: super::tickets::RetryArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    match &args.command {
        Sub::Plan(a) => plan(a, out),
        Sub::Apply(a) => apply(a, out),
    }
}

fn human(plan: &NotifyPlan, ws: &Workspace, dir: &Path, out: &Output) -> String {
    let mut s = String::new();
    for d in &plan.diagnostics {
        if d.level != Level::Note || plan.messages.is_empty() {
            let _ = writeln!(s, "{}", out.diagnostic(d, ws.artifacts().sources.get(&d.file)));
        }
    }
    for m in &plan.messages {
        let _ =
            writeln!(s, "  {:<18} {:<16} {}\n  {:<18} {}", m.reason.as_str(), m.recipient.name, m.subject, "", m.title);
    }
    let m = &plan.summary;
    let _ = write!(
        s,
        "{}: {} escalation, {} expiring, {} expired, {} SLA-breach message(s) to send; {} already sent, {} may have been sent (at {})",
        dir.display(),
        m.escalation,
        m.exception_expiring,
        m.exception_expired,
        m.sla_breach,
        m.already_sent,
        m.may_have_been_sent,
        plan.now
    );
    s
}

fn plan(a: &PlanArgs, out: &Output) -> CmdResult {
    let now = parse_now(a.now.as_deref())?;
    let result = Workspace::open(&a.dir).and_then(|ws| Ok((ws.notify_plan(now)?, ws)));
    let (plan, ws) = match result {
        Ok(r) => r,
        Err(e) => return out.fail(e, &a.dir),
    };
    match a.format {
        Fmt::Json => out.print(&plan.to_json()),
        Fmt::Human => out.print(&human(&plan, &ws, &a.dir, out)),
    }
    Ok(ExitCode::from(exit::PASS))
}

fn apply(a: &ApplyArgs, out: &Output) -> CmdResult {
    let now = parse_now(a.now.as_deref())?;
    let opts = a.retry.apply_to(ApplyOptions::default());
    let dir = a.dir.clone();
    let mut on_plan = |plan: &NotifyPlan| {
        let diags: Vec<_> = plan.diagnostics.iter().filter(|d| d.level != Level::Note).cloned().collect();
        if !diags.is_empty() {
            out.eprint(out.diagnostics_in(&dir, &diags).trim_end());
        }
        if !plan.is_empty() {
            out.status(&format!("sending {} message(s)", plan.messages.len()));
        }
    };
    let report = match Workspace::open(&a.dir).and_then(|ws| ws.notify_apply(&opts, now, &mut on_plan)) {
        Ok((_, r)) => r,
        Err(e @ secfw::Error::Notify(secfw::notify::Error::Channel(_) | secfw::notify::Error::Ledger(_))) => {
            let d = e.diagnostics();
            out.eprint(out.diagnostics_in(&a.dir, &d).trim_end());
            let first = d.first().map(|d| format!("[{}] {}", d.code, d.message)).unwrap_or_default();
            return Err(format!("nothing was sent: {first}").into());
        }
        Err(e) => return out.fail(e, &a.dir),
    };
    for d in &report.failed {
        eprintln!("{}", out.diagnostic(d, None));
    }
    match a.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&report)?),
        Fmt::Human => {
            let mut s = String::new();
            for x in &report.sent {
                let _ = writeln!(
                    s,
                    "  {:<18} {:<16} {:<20} HTTP {} ({} attempt(s))",
                    x.reason.as_str(),
                    x.recipient,
                    x.subject,
                    x.status,
                    x.attempts
                );
            }
            let _ = write!(
                s,
                "{}: sent {}, skipped {} already sent, {} may have been sent, {} failed; ledger {}",
                a.dir.display(),
                report.sent.len(),
                report.skipped.len(),
                report.may_have_been_sent.len(),
                report.failed.len(),
                secfw::notify::LEDGER_FILE
            );
            out.print(&s);
        }
    }
    Ok(ExitCode::from(if report.is_complete() { exit::PASS } else { exit::FAIL }))
}
