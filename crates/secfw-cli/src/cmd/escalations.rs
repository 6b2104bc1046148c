//! `secfw escalations ack`: record that someone acknowledged an escalation (one event in the
//! hash-chained event log), which stops its re-notification to the next level.

use std::path::PathBuf;
use std::process::ExitCode;

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
    let id = a.id.trim();
    let well_formed =
        id.strip_prefix("ESC-").is_some_and(|h| h.len() == 12 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    if !well_formed {
        return Err(format!("`{id}` is not an escalation id (ESC- and 12 hex digits)").into());
    }
    let _lock = crate::lock::workspace(&a.dir)?; // held until the command returns
    let lc = secfw::lifecycle::Lifecycle::new(&a.dir);
    let events = lc.log().read()?;
    let acks = secfw::lifecycle::acknowledgements(&events);
    let ledger = secfw::notify::Ledger::load(&a.dir)?;
    if let Err(d) = secfw::notify::check_acknowledgement(&ledger, id, acks.get(id).map(|(b, t)| (b.as_str(), *t))) {
        eprintln!("{}", out.diagnostic(&d, None));
        return Err(format!("[{}] {}", d.code, d.message).into());
    }
    let ev = lc.acknowledge(id, &a.by, now)?;
    out.print(&format!(
        "{id} acknowledged by {} at {} (event #{} {})",
        ev.actor,
        ev.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ev.seq,
        ev.hash
    ));
    Ok(ExitCode::from(exit::PASS))
}
