//! `secfw cycle` and `secfw demo`: the whole loop in one command.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::lifecycle::{CycleOptions, CycleReport, Step, StepStatus};
use secfw::{Outcome as _, Workspace};

use crate::output::Fmt;
use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `cycle`.
#[derive(Debug, clap::Args)]
pub(crate) struct CycleArgs {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Who runs the cycle (recorded in every event).
    #[arg(long)]
    actor: String,
    /// Signing key (PKCS#8 PEM); repeat for each signer the trust policy requires.
    #[arg(long = "key")]
    keys: Vec<PathBuf>,
    /// The signed trust policy the manifest is verified against, from outside the workspace.
    #[arg(long, env = "SECFW_TRUST")]
    trust: Option<PathBuf>,
    /// A scanner output to ingest during EXECUTED (beside the rulebook's scan_inputs); repeatable.
    #[arg(long = "scan")]
    scans: Vec<PathBuf>,
    /// Time of every step, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    /// Do not bind the manifest to a git commit (workspaces outside git).
    #[arg(long)]
    no_git: bool,
    /// Seal uncommitted changes (recorded as dirty in the manifest).
    #[arg(long)]
    allow_dirty: bool,
    /// Warnings fail the gates too.
    #[arg(long)]
    strict: bool,
    /// Do not plan (or apply) the ticket sync after ingest.
    #[arg(long)]
    no_tickets: bool,
    /// Apply the ticket plan after ingest to this webhook (http(s)://host[:port]/path); without it the plan is only shown.
    #[arg(long, env = "SECFW_TICKETS_ENDPOINT", conflicts_with = "no_tickets")]
    tickets_endpoint: Option<String>,
    /// Name of the environment variable holding the ticket webhook's bearer token.
    #[arg(long, requires = "tickets_endpoint")]
    tickets_token_env: Option<String>,
    /// Do not send notifications at the end of the run.
    #[arg(long)]
    no_notify: bool,
    /// Output format of the final report.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Output directory (must not exist or be empty).
    #[arg(long, default_value = "secfw-demo")]
    out: PathBuf,
    /// Time of the demo; default: the example's reference time, so the demo completes the same
    /// way on any day (a later time shows exceptions expiring and Critical=0 blocking).
    #[arg(long)]
    now: Option<String>,
}

/// Progress: a spinner line on a terminal, plain lines otherwise (CI logs).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Self { bar }
    }

    fn step(&self, s: &Step) {
        let mark = match s.status {
            StepStatus::Done => "✓",
            StepStatus::Skipped => "·",
            StepStatus::Failed => "✗",
            StepStatus::Warned => "!",
            // A status this CLI does not know is never shown as done.
            _ => "?",
        };
        let line = format!("{mark} {:<20} {}", s.name, secfw::lifecycle::hanging(&s.detail, 23));
        match &self.bar {
            Some(b) => b.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn report(out: &Output, r: &CycleReport, format: Fmt) -> CmdResult {
    match format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(r)?),
        Fmt::Human => out.print(&r.summary_text()),
    }
    Ok(ExitCode::from(if r.passed() { exit::PASS } else { exit::FAIL }))
}

pub(crate) fn run_cycle(args: &CycleArgs, out: &Output) -> CmdResult {
    let now = parse_now(args.now.as_deref())?;
    let mut opts = CycleOptions::new(args.actor.clone(), now);
    opts.trust.clone_from(&args.trust);
    opts.keys.clone_from(&args.keys);
    opts.scans.clone_from(&args.scans);
    opts.git = !args.no_git;
    opts.allow_dirty = args.allow_dirty;
    opts.strict = args.strict;
    opts.tickets = !args.no_tickets;
    opts.notify = !args.no_notify;
    if let Some(url) = &args.tickets_endpoint {
        let mut endpoint = secfw::tickets::Endpoint::new(url)?;
        if let Some(var) = &args.tickets_token_env {
            match std::env::var(var) {
                Ok(t) if !t.trim().is_empty() => endpoint = endpoint.with_token(t.trim()),
                _ => {
                    return Err(
                        format!("--tickets-token-env {var}: the environment variable is not set or empty").into()
                    );
                }
            }
        }
        opts.tickets_endpoint = Some(endpoint);
    }
    let progress = Progress::new();
    let r = Workspace::cycle(&args.dir, &opts, &mut |s| progress.step(s));
    progress.finish();
    match r {
        Err(secfw::Error::Lifecycle(secfw::lifecycle::Error::Inputs { problems })) => {
            out.diagnostics(&problems);
            out.error("nothing was recorded: fix the inputs above and run the cycle again");
            Ok(ExitCode::from(exit::USAGE))
        }
        Err(e) => out.fail(e, &args.dir),
        Ok(r) => report(out, &r, args.format),
    }
}

pub(crate) fn run_demo(args: &DemoArgs, out: &Output) -> CmdResult {
    let now = parse_now(Some(args.now.as_deref().unwrap_or(secfw::artifacts::template::EXAMPLE_NOW)))?;
    let progress = Progress::new();
    out.status(&format!("secfw demo: the Acme Pay example workspace, one whole cycle at {now}"));
    let r = Workspace::demo(&args.out, now, &mut |s| progress.step(s));
    progress.finish();
    let d = match r {
        Ok(d) => d,
        Err(e) => return out.fail(e, &args.out),
    };
    let code = report(out, &d.cycle, Fmt::Human)?;
    let ws = d.workspace.display();
    let trust = d.trust.display();
    let sealed = d.cycle.executed.as_ref().map_or_else(|| format!("{ws}"), |p| p.display().to_string());
    let mut next = format!(
        "\nWhat to look at next:\n  \
         {ws}/digest.html   the digest: KPIs, trends and charts (open it in a browser)\n  \
         {sealed}/handoff_manifest.yaml   the handoff exactly as sealed (the live workspace moved on: scans were ingested, the digest written)\n\
         Verify the sealed handoff with secfw:\n  \
         secfw verify-manifest --manifest {sealed}/handoff_manifest.yaml --trust {trust} --now {now_s} --no-git\n  \
         secfw log verify {ws}\n  \
         secfw status {ws} --trust {trust} --now {now_s}\n",
        now_s = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    if let Some((who, sig)) = d.cycle.sidecars.first() {
        // The sealed copy's statement goes with the sealed copy's own sidecar (the live
        // workspace's sidecar may belong to a newer statement).
        let sig = match (&d.cycle.executed, sig.file_name()) {
            (Some(exec), Some(name)) => exec.join(name),
            _ => sig.clone(),
        };
        let _ = write!(
            next,
            "Verify it with OpenSSH alone (no secfw):\n  \
             secfw trust allowed-signers --trust {trust} > allowed_signers\n  \
             ssh-keygen -Y verify -f allowed_signers -I {who} -n secfw-handoff-v1@secfw -s {} < {sealed}/handoff.statement.json\n",
            sig.display()
        );
    }
    next.push_str("securesystemslib and openssl recipes: docs/sealing.md");
    out.print(&next);
    Ok(code)
}
