//! `secfw status`, `secfw advance` and `secfw log verify`: the lifecycle state machine and its
//! tamper-evident event log.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::LifecycleState;
use secfw::lifecycle::{Outcome, printable};
use secfw::ops::{AdvanceOptions, SealChecks, StatusOptions};
use secfw::{Outcome as _, Workspace};

use crate::output::Fmt;
use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `status`.
#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Evaluation time, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    /// How many recent events to show.
    #[arg(long, default_value_t = 5)]
    last: usize,
    #[command(flatten)]
    seal: SealArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

/// Arguments of `advance`.
#[derive(Debug, clap::Args)]
pub(crate) struct AdvanceArgs {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Target state (PLANNED, READY_FOR_HANDOFF, PACKAGED, EXECUTED, VALIDATED, IMPROVE).
    #[arg(long, value_parser = parse_state)]
    to: LifecycleState,
    /// Who makes the transition (recorded in the event log).
    #[arg(long)]
    actor: String,
    /// Transition time, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    /// Warnings fail the gates too.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    seal: SealArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

/// How the seal criteria (PACKAGED, EXECUTED) are verified.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SealArgs {
    /// The signed trust policy the handoff manifest is verified against, from outside the
    /// workspace; without it PACKAGED and EXECUTED are refused.
    #[arg(long, env = "SECFW_TRUST")]
    trust: Option<PathBuf>,
    /// Do not require the manifest's git binding (workspaces outside a git repository).
    #[arg(long)]
    no_git: bool,
}

/// Arguments of `log`.
#[derive(Debug, clap::Args)]
pub(crate) struct LogArgs {
    #[command(subcommand)]
    command: LogSub,
}

#[derive(Debug, clap::Subcommand)]
enum LogSub {
    /// Verify the hash chain of .secfw/events.jsonl; name every edited, removed, reordered or
    /// inserted line.
    Verify {
        /// The security workspace directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Fmt::Human)]
        format: Fmt,
    },
    /// Accept the log as it stands after its checkpoint (.secfw/events.head) was lost (LC0110):
    /// appends a `reanchor` event recording who decided, why, and what the log held, and
    /// rewrites the checkpoint. Restore both files from a backup instead whenever you can.
    Reanchor {
        /// The security workspace directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Who decides (recorded as the event's actor).
        #[arg(long)]
        actor: String,
        /// Why the log is accepted as it stands (recorded in the event).
        #[arg(long)]
        reason: String,
        /// Time of the decision, RFC 3339 or YYYY-MM-DD (UTC); default: now.
        #[arg(long)]
        now: Option<String>,
    },
}

fn parse_state(s: &str) -> Result<LifecycleState, String> {
    s.parse()
}

impl SealArgs {
    fn checks(&self) -> SealChecks {
        SealChecks::new(self.trust.clone(), self.no_git)
    }
}

fn rfc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn status(args: &StatusArgs, out: &Output) -> CmdResult {
    let now = parse_now(args.now.as_deref())?;
    let opts = StatusOptions::new(now).last(args.last).seal(args.seal.checks());
    let st = match Workspace::open(&args.dir).and_then(|ws| ws.status(&opts)) {
        Ok(s) => s,
        Err(e) => return out.fail(e, &args.dir),
    };
    match args.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&st)?),
        Fmt::Human => {
            let mut s = format!("state: {} ({} event(s), log verified)\n", st.state, st.events_total);
            for e in &st.last_events {
                let _ = writeln!(
                    s,
                    "  #{} {} {} → {} by {} ({:?})",
                    e.seq,
                    rfc(e.time),
                    e.from,
                    e.to,
                    printable(&e.actor),
                    e.kind
                );
            }
            let blockers: Vec<_> = st.blockers().collect();
            if blockers.is_empty() {
                let _ =
                    write!(s, "next: {} — every entry criterion holds; run `secfw advance --to {}`", st.next, st.next);
            } else {
                let _ = writeln!(s, "next: {} — blocked by {} criterion(s):", st.next, blockers.len());
                for b in blockers {
                    let _ = writeln!(s, "  ✗ {}: {}", b.criterion.describe(), secfw::lifecycle::hanging(&b.detail, 6));
                }
                for c in st.next_criteria.iter().filter(|c| c.met) {
                    let _ = writeln!(s, "  ✓ {}", c.criterion.describe());
                }
            }
            out.print(&s);
        }
    }
    Ok(ExitCode::from(exit::PASS))
}

pub(crate) fn advance(args: &AdvanceArgs, out: &Output) -> CmdResult {
    let now = parse_now(args.now.as_deref())?;
    let opts = AdvanceOptions::new(args.to, args.actor.clone(), now).strict(args.strict).seal(args.seal.checks());
    let outcome = match Workspace::open(&args.dir).and_then(|ws| ws.advance(&opts)) {
        Ok(o) => o,
        Err(e) => return out.fail(e, &args.dir),
    };
    if args.format == Fmt::Json {
        out.print(&serde_json::to_string_pretty(&outcome)?);
    } else {
        match &outcome {
            Outcome::Advanced { event, .. } => out.print(&format!(
                "{} → {}: recorded event #{} ({}) by {} at {}",
                event.from,
                event.to,
                event.seq,
                event.hash,
                printable(&event.actor),
                rfc(event.time)
            )),
            Outcome::Refused { from, to, reasons, returned_to_planned, evaluation, .. } => {
                let mut s = format!("{from} → {to}: REFUSED\n");
                for r in reasons {
                    let _ = writeln!(s, "  ✗ {}", secfw::lifecycle::hanging(r, 4));
                }
                if let Some(ev) = evaluation {
                    for e in &ev.gates.escalations {
                        let _ = writeln!(
                            s,
                            "  escalation: {} {} (count {}); notify {}; respond by {}",
                            e.rule,
                            e.condition,
                            e.count,
                            e.notify.join(", "),
                            e.deadline.map_or_else(|| "-".to_owned(), rfc)
                        );
                    }
                }
                if let Some(e) = returned_to_planned {
                    let _ = writeln!(s, "  recorded event #{}: {} → PLANNED (schema_lint failed)", e.seq, e.from);
                }
                out.print(&s);
            }
            _ => {}
        }
    }
    Ok(ExitCode::from(if outcome.advanced() { exit::PASS } else { exit::FAIL }))
}

pub(crate) fn log(args: &LogArgs, out: &Output) -> CmdResult {
    let (dir, format) = match &args.command {
        LogSub::Verify { dir, format } => (dir, format),
        LogSub::Reanchor { dir, actor, reason, now } => return reanchor(dir, actor, reason, now.as_deref(), out),
    };
    let v = match Workspace::open(dir).and_then(|ws| ws.verify_log()) {
        Ok(v) => v,
        Err(e) => return out.fail(e, dir),
    };
    if *format == Fmt::Json {
        out.print(&serde_json::to_string_pretty(&v)?);
    } else {
        let mut s = out.diagnostics_in(dir, &v.problems);
        let _ = write!(
            s,
            "{}: {} event(s): {}",
            dir.join(secfw::lifecycle::LOG_FILE).display(),
            v.events,
            if v.passed() { "intact" } else { "TAMPERED" }
        );
        out.print(&s);
    }
    Ok(ExitCode::from(if v.passed() { exit::PASS } else { exit::FAIL }))
}

fn reanchor(dir: &std::path::Path, actor: &str, reason: &str, now: Option<&str>, out: &Output) -> CmdResult {
    let now = parse_now(now)?;
    let ev = match Workspace::open(dir).and_then(|ws| ws.reanchor_log(actor, reason, now)) {
        Ok(ev) => ev,
        Err(e) => return out.fail(e, dir),
    };
    out.print(&format!(
        "{}: re-anchored at event #{} ({}) by {} at {}; {} state unchanged",
        dir.join(secfw::lifecycle::LOG_FILE).display(),
        ev.seq,
        ev.hash,
        printable(&ev.actor),
        rfc(ev.time),
        ev.to
    ));
    Ok(ExitCode::from(exit::PASS))
}
