//! `secfw escalations ack`: record that someone acknowledged an escalation (one event in the
//! hash-chained event log), which stops its re-notification to the next level.

use std::path::PathBuf;
use std::process::ExitCode;

use secfw::Workspace;

use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `escalations`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Acknowledge a notified escalation (recorded in .secfw/events.jsonl with who and when).
    Ack(AckArgs),
}

/// Arguments of `escalations ack`.
#[derive(Debug, clap::Args)]
struct AckArgs {
    /// The escalation id (ESC-<12 hex>), as in the notification.
    id: String,
    /// Who acknowledges it (recorded as the event's actor).
    #[arg(long)]
    by: String,
    /// The security workspace directory.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Time of the acknowledgement, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    match &args.command {
        Sub::Ack(a) => ack(a, out),
    }
}

fn ack(a: &AckArgs, out: &Output) -> CmdResult {
    let now = parse_now(a.now.as_deref())?;
    let ev = match Workspace::open(&a.dir).and_then(|ws| ws.acknowledge_escalation(&a.id, &a.by, now)) {
        Ok(ev) => ev,
        Err(e) => return out.fail(e, &a.dir),
    };
    out.print(&format!(
        "{} acknowledged by {} at {} (event #{} {})",
        secfw::lifecycle::printable(a.id.trim()),
        secfw::lifecycle::printable(&ev.actor),
        ev.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ev.seq,
        ev.hash
    ));
    Ok(ExitCode::from(exit::PASS))
}
