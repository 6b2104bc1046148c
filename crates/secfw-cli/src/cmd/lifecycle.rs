//! `secfw status`, `secfw advance` and `secfw log verify`: the lifecycle state machine and its
//! tamper-evident event log.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use secfw::LifecycleState;
use secfw::lifecycle::{
    AdvanceRequest, CheckContext, CheckOutcome, Checks, EventLog, IngestCheck, LedgerScans, Lifecycle, Outcome,
    ReportCheck, SealCheck,
};

use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Fmt {
    Human,
    Json,
}

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
    /// Trust policy (JSON) the handoff manifest's signatures are verified against; without it
    /// PACKAGED and EXECUTED are refused.
    #[arg(long)]
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
}

fn parse_state(s: &str) -> Result<LifecycleState, String> {
    s.parse()
}

/// The seal criteria through `secfw::seal`: the handoff manifest verifies against the trust
/// policy (signatures, thresholds, checksums, bindings).
struct ManifestSeal<'a> {
    args: &'a SealArgs,
}

impl ManifestSeal<'_> {
    fn trust(&self, what: &str) -> Result<secfw::seal::TrustPolicy, CheckOutcome> {
        let Some(trust_path) = &self.args.trust else {
            return Err(CheckOutcome::unmet(format!(
                "cannot check that {what}: pass --trust TRUST_POLICY.json so the handoff manifest's signatures can be verified"
            )));
        };
        std::fs::read(trust_path)
            .map_err(|e| e.to_string())
            .and_then(|b| secfw::seal::TrustPolicy::parse(&b))
            .map_err(|e| CheckOutcome::unmet(format!("cannot read the trust policy {}: {e}", trust_path.display())))
    }

    fn failed(report: &secfw::seal::VerifyReport) -> CheckOutcome {
        let diags: Vec<String> = report.diagnostics().iter().take(5).map(ToString::to_string).collect();
        CheckOutcome::unmet(format!(
            "seal verification failed ({}): {}",
            report.failed_names().join(", "),
            diags.join("; ")
        ))
    }
}

impl SealCheck for ManifestSeal<'_> {
    /// PACKAGED: the live workspace's handoff manifest verifies (signatures, thresholds,
    /// checksums, bindings).
    fn sealed(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        let what = "the manifest is sealed and signed";
        let trust = match self.trust(what) {
            Ok(t) => t,
            Err(o) => return o,
        };
        let manifest = cx.root.join(secfw::seal::names::MANIFEST);
        if !manifest.is_file() {
            return CheckOutcome::unmet(format!(
                "{} is missing: run `secfw generate-manifest` and `secfw sign-manifest`",
                secfw::seal::names::MANIFEST
            ));
        }
        let opts = secfw::seal::VerifyOptions::new(cx.now).require_git(!self.args.no_git);
        let report = secfw::seal::verify_manifest(&manifest, &trust, &opts);
        if report.passed() {
            CheckOutcome::Met {
                detail: format!("{what}: every seal check passed ({} trusted key(s))", report.accepted_keyids.len()),
                seal: report.seal,
            }
        } else {
            Self::failed(&report)
        }
    }

    /// EXECUTED: the package archive of the seal recorded when the cycle entered PACKAGED
    /// verifies (the live ledger changes with ingest, the package does not).
    fn verified(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        let trust = match self.trust("the package verifies") {
            Ok(t) => t,
            Err(o) => return o,
        };
        let start = cx.events.iter().rposition(|e| e.to == LifecycleState::Planned).map_or(0, |i| i + 1);
        let Some(sealed) =
            cx.events[start..].iter().rev().find(|e| e.to == LifecycleState::Packaged).and_then(|e| e.seal.clone())
        else {
            return CheckOutcome::unmet("no seal was recorded when this cycle entered PACKAGED");
        };
        let opts = secfw::seal::VerifyOptions::new(cx.now).require_git(!self.args.no_git);
        let packages = secfw::seal::package::list_packages(cx.root);
        let mut last_failure = None;
        for p in packages.iter().rev() {
            match secfw::seal::verify_package(p, &trust, &opts) {
                Ok(r) if r.passed() && r.seal.as_deref() == Some(sealed.as_str()) => {
                    return CheckOutcome::Met {
                        detail: format!("package {} verifies (seal, signatures, checksums)", p.display()),
                        seal: r.seal,
                    };
                }
                Ok(r) if r.seal.as_deref() == Some(sealed.as_str()) => last_failure = Some(Self::failed(&r)),
                Ok(_) => {}
                Err(e) => last_failure = Some(CheckOutcome::unmet(format!("{}: {e}", p.display()))),
            }
        }
        last_failure.unwrap_or_else(|| {
            CheckOutcome::unmet(format!(
                "no package with seal {sealed} in .secfw/packages: run `secfw package --trust ...` after sealing"
            ))
        })
    }
}

/// The IMPROVE criteria through `secfw::digest`: the digest and this cycle's KPI snapshot exist
/// and were generated after the cycle reached VALIDATED.
struct DigestReports;

impl ReportCheck for DigestReports {
    fn metrics_collected(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        let ev = secfw::digest::improve_evidence(cx.root, cx.entered(LifecycleState::Validated));
        if ev.metrics_collected {
            CheckOutcome::met(format!("KPI snapshot of cycle {} in .secfw/history/", ev.cycle.unwrap_or_default()))
        } else {
            CheckOutcome::unmet(ev.reasons.join("; "))
        }
    }
    fn digest_generated(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        let ev = secfw::digest::improve_evidence(cx.root, cx.entered(LifecycleState::Validated));
        if ev.digest_generated {
            CheckOutcome::met("digest.md, digest.json and digest.html generated this cycle")
        } else {
            CheckOutcome::unmet(ev.reasons.join("; "))
        }
    }
}

fn with_checks<T>(seal: &SealArgs, f: impl FnOnce(Checks<'_>) -> T) -> T {
    let s = ManifestSeal { args: seal };
    let ingest: &dyn IngestCheck = &LedgerScans;
    f(Checks { seal: &s, ingest, report: &DigestReports })
}

fn rfc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn print_tampered(out: &Output, e: &secfw::lifecycle::Error, dir: &Path) -> Option<ExitCode> {
    if let secfw::lifecycle::Error::Tampered { problems } = e {
        for d in problems {
            out.print(&out.diagnostic(d, None));
        }
        out.error(&format!("{}: the event log does not verify; nothing was recorded", dir.display()));
        return Some(ExitCode::from(exit::FAIL));
    }
    None
}

pub(crate) fn status(args: &StatusArgs, out: &Output) -> CmdResult {
    let now = parse_now(args.now.as_deref())?;
    secfw::artifacts::workspace::check_root(&args.dir)?;
    let lc = Lifecycle::new(&args.dir);
    let st = match with_checks(&args.seal, |c| lc.status(now, args.last, c)) {
        Ok(s) => s,
        Err(e) => return print_tampered(out, &e, &args.dir).map_or_else(|| Err(e.into()), Ok),
    };
    match args.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&st)?),
        Fmt::Human => {
            let mut s = format!("state: {} ({} event(s), log verified)\n", st.state, st.events_total);
            for e in &st.last_events {
                let _ = writeln!(s, "  #{} {} {} → {} by {} ({:?})", e.seq, rfc(e.time), e.from, e.to, e.actor, e.kind);
            }
            let blockers: Vec<_> = st.blockers().collect();
            if blockers.is_empty() {
                let _ =
                    write!(s, "next: {} — every entry criterion holds; run `secfw advance --to {}`", st.next, st.next);
            } else {
                let _ = writeln!(s, "next: {} — blocked by {} criterion(s):", st.next, blockers.len());
                for b in blockers {
                    let _ = writeln!(s, "  ✗ {}: {}", b.criterion.describe(), b.detail);
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
    secfw::artifacts::workspace::check_root(&args.dir)?;
    let lc = Lifecycle::new(&args.dir);
    let req = AdvanceRequest::new(args.to, args.actor.clone(), now).strict(args.strict);
    let outcome = match with_checks(&args.seal, |c| lc.advance(&req, c)) {
        Ok(o) => o,
        Err(e) => return print_tampered(out, &e, &args.dir).map_or_else(|| Err(e.into()), Ok),
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
                event.actor,
                rfc(event.time)
            )),
            Outcome::Refused { from, to, reasons, returned_to_planned, evaluation, .. } => {
                let mut s = format!("{from} → {to}: REFUSED\n");
                for r in reasons {
                    let _ = writeln!(s, "  ✗ {r}");
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
    let LogSub::Verify { dir, format } = &args.command;
    secfw::artifacts::workspace::check_root(dir)?;
    let v = EventLog::new(dir).verify()?;
    if *format == Fmt::Json {
        out.print(&serde_json::to_string_pretty(&serde_json::json!({
            "intact": v.is_intact(), "lines": v.lines, "events": v.events, "problems": v.problems,
        }))?);
    } else {
        let mut s = String::new();
        let log_src = std::fs::read_to_string(dir.join(secfw::lifecycle::log::LOG_FILE))
            .ok()
            .map(|t| secfw::artifacts::SourceFile::new(secfw::lifecycle::log::LOG_FILE, t));
        for d in &v.problems {
            s.push_str(
                &out.diagnostic(d, log_src.as_ref().filter(|src| src.name == d.file && src.text.len() < 1 << 20)),
            );
            if !s.ends_with('\n') {
                s.push('\n');
            }
        }
        let _ = write!(
            s,
            "{}: {} event(s): {}",
            dir.join(secfw::lifecycle::log::LOG_FILE).display(),
            v.events,
            if v.is_intact() { "intact" } else { "TAMPERED" }
        );
        out.print(&s);
    }
    Ok(ExitCode::from(if v.is_intact() { exit::PASS } else { exit::FAIL }))
}
