//! `secfw tickets plan|apply`: ITSM ticket sync (create / update / close keyed by finding
//! fingerprint, exception-approval requests) to a JSON webhook.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use secfw::Workspace;
use secfw::artifacts::Level;
use secfw::tickets::{ApplyOptions, Endpoint, TicketPlan};

use crate::output::Fmt;
use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `tickets`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Show the actions that would bring the ticket system in line with the workspace.
    Plan(PlanArgs),
    /// Plan, then POST each action to the webhook (idempotent; resumes after a failure).
    Apply(ApplyArgs),
}

/// Arguments of `tickets plan`.
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
    /// Also write the plan as JSON to this file (atomically).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Arguments of `tickets apply`.
#[derive(Debug, clap::Args)]
struct ApplyArgs {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Webhook URL (http://host[:port]/path).
    #[arg(long)]
    endpoint: String,
    /// Name of the environment variable holding the bearer token (sent as
    /// `Authorization: Bearer ...`; never printed).
    #[arg(long)]
    token_env: Option<String>,
    /// Evaluation time, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    #[command(flatten)]
    retry: RetryArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

/// Retry and timeout flags of every command that delivers over the network (`tickets apply`,
/// `notify apply`), turned into the shared delivery options.
#[derive(Debug, clap::Args)]
pub(crate) struct RetryArgs {
    /// Attempts per delivery before giving up (5xx, 408, 429, timeouts, dropped connections).
    #[arg(long, default_value_t = 5)]
    max_attempts: u32,
    /// Wait before the first retry, in milliseconds (doubles each retry).
    #[arg(long, default_value_t = 500)]
    backoff_ms: u64,
    /// Longest wait between retries, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    max_backoff_ms: u64,
    /// Time limit of one attempt, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
}

impl RetryArgs {
    /// `opts` with these attempts, backoff and timeout.
    pub(crate) fn apply_to(&self, opts: ApplyOptions) -> ApplyOptions {
        opts.max_attempts(self.max_attempts)
            .backoff(Duration::from_millis(self.backoff_ms), Duration::from_millis(self.max_backoff_ms))
            .timeout(Duration::from_millis(self.timeout_ms))
    }
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    match &args.command {
        Sub::Plan(a) => plan(a, out),
        Sub::Apply(a) => apply(a, out),
    }
}

fn human(plan: &TicketPlan, ws: &Workspace, dir: &Path, out: &Output) -> String {
    let mut s = String::new();
    for d in plan.diagnostics.iter().filter(|d| d.level != Level::Note) {
        let _ = writeln!(s, "{}", out.diagnostic(d, ws.artifacts().sources.get(&d.file)));
    }
    let notes = plan.diagnostics.iter().filter(|d| d.level == Level::Note).count();
    for a in &plan.actions {
        let r = &a.request;
        let detail = match (&r.ticket, &r.approval_request) {
            (Some(t), _) => format!(
                "{} {} due {}{}",
                t.finding_id,
                t.severity,
                t.due.format("%Y-%m-%d"),
                if t.overdue { " OVERDUE" } else { "" }
            ),
            (None, Some(ap)) => format!("{} for {}", ap.exception_id, ap.policy),
            (None, None) => a.subject.clone(),
        };
        let _ = writeln!(s, "  {:<16} {detail}  [{}]\n  {:<16} {}", r.action.as_str(), short(&r.key), "", r.reason);
    }
    let m = &plan.summary;
    let _ = write!(
        s,
        "{}: {} create, {} update, {} close, {} approval request(s); {} unchanged (at {})",
        dir.display(),
        m.create,
        m.update,
        m.close,
        m.request_approval,
        m.unchanged,
        plan.now
    );
    if notes > 0 {
        let _ = write!(
            s,
            "\n{notes} note(s): findings without a fingerprint are keyed by finding id (--format json lists them)"
        );
    }
    s
}

/// A ticket key for display: fingerprints shortened to 12 hex digits.
fn short(key: &str) -> String {
    match key.split_once(':') {
        Some((scheme, hex)) if scheme.contains('/') && hex.chars().count() > 12 => {
            format!("{scheme}:{}…", hex.chars().take(12).collect::<String>())
        }
        _ => key.to_owned(),
    }
}

fn plan(a: &PlanArgs, out: &Output) -> CmdResult {
    let now = parse_now(a.now.as_deref())?;
    let result = Workspace::open(&a.dir).and_then(|ws| Ok((ws.tickets_plan(now)?, ws)));
    let (plan, ws) = match result {
        Ok(r) => r,
        Err(e) => return out.fail(e, &a.dir),
    };
    if let Some(path) = &a.out {
        secfw::artifacts::write_atomic(path, plan.to_json().as_bytes())?;
    }
    match a.format {
        Fmt::Json => out.print(&plan.to_json()),
        Fmt::Human => out.print(&human(&plan, &ws, &a.dir, out)),
    }
    Ok(ExitCode::from(exit::PASS))
}

fn apply(a: &ApplyArgs, out: &Output) -> CmdResult {
    let now = parse_now(a.now.as_deref())?;
    let mut endpoint = Endpoint::new(&a.endpoint)?;
    if let Some(var) = &a.token_env {
        match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => endpoint = endpoint.with_token(t.trim()),
            _ => return Err(format!("--token-env {var}: the environment variable is not set or empty").into()),
        }
    }
    let opts = a.retry.apply_to(ApplyOptions::default());
    let mut on_plan = |plan: &TicketPlan| {
        out.status(&format!("applying {} action(s) to {}", plan.actions.len(), endpoint.redacted()));
    };
    let result = Workspace::open(&a.dir).and_then(|ws| ws.tickets_apply(&endpoint, &opts, now, &mut on_plan));
    let (plan, report) = match result {
        Ok(r) => r,
        Err(e) => return out.fail(e, &a.dir),
    };
    match a.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&report)?),
        Fmt::Human if plan.is_empty() => {
            out.print(&format!("{}: nothing to apply; tickets are up to date", a.dir.display()));
        }
        Fmt::Human => {
            let mut s = String::new();
            for x in &report.applied {
                let _ = writeln!(
                    s,
                    "  {:<16} {:<28} HTTP {} ({} attempt(s))",
                    x.action.as_str(),
                    short(&x.key),
                    x.status,
                    x.attempts
                );
            }
            let _ = write!(
                s,
                "{}: applied {}, skipped {} already applied; ledger {}",
                a.dir.display(),
                report.applied.len(),
                report.skipped.len(),
                secfw::tickets::LEDGER_FILE
            );
            out.print(&s);
        }
    }
    Ok(ExitCode::from(exit::PASS))
}
