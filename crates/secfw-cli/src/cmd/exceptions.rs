//! `secfw exceptions check [DIR]`: expired, expiring, stale, over-long exceptions and missing
//! approvals. `secfw exceptions compile [DIR] --to FORMAT [-o FILE] | --all`: write the valid
//! exceptions into scanner ignore files.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::ops::{CompileOptions, CompileTarget, ExceptionsCheckOptions, VexFormat, VexInOptions, VexOptions};
use secfw::{Outcome, Workspace};

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
    /// Write every valid exception (approved, unexpired) into a scanner's ignore file: trivy,
    /// grype, osv-scanner, cargo-deny, cargo-audit or gitleaks. Files people also edit are
    /// edited in place (only secfw's entries change).
    Compile(CompileArgs),
    /// Write the valid exceptions as a VEX document: OpenVEX 0.2.0 or CycloneDX 1.5. A risk
    /// acceptance is `affected` with an action statement; only `**Type**: not affected` (with a
    /// standard justification) is `not_affected`.
    Vex(VexArgs),
    /// Read VEX documents (OpenVEX, CycloneDX VEX, CSAF VEX): keep the statements of the
    /// rulebook's trusted authors (suppressions.trusted_vex_authors), resolve conflicts (the
    /// latest statement wins, reported), show the ledger findings each statement is about and
    /// record them in evidence/vex/statements.json (under the workspace lock; --no-record to
    /// only report). A trusted not_affected with a standard justification then excepts its
    /// findings in gates, KPIs and exports.
    VexIn(VexInArgs),
}

/// Arguments of `exceptions vex-in`.
#[derive(Debug, clap::Args)]
struct VexInArgs {
    /// The security workspace directory.
    dir: PathBuf,
    /// VEX documents (JSON).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Only report; do not add the statements to evidence/vex/statements.json.
    #[arg(long)]
    no_record: bool,
    /// Time of recording, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

/// Arguments of `exceptions vex`.
#[derive(Debug, clap::Args)]
struct VexArgs {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Document format.
    #[arg(long = "to", value_parser = ["openvex", "cyclonedx"], default_value = "openvex")]
    to: String,
    /// The document's author (person, team or organisation).
    #[arg(long)]
    author: String,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// Sign the document with this secfw private key (from `secfw keygen`) and write a DSSE
    /// envelope around it (payloadType application/vnd.openvex+json or
    /// application/vnd.cyclonedx+json).
    #[arg(long, value_name = "KEY")]
    sign: Option<PathBuf>,
    /// Issue time, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
}

/// Arguments of `exceptions compile`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["to", "all"])))]
struct CompileArgs {
    /// The security workspace directory (the ignore files are written here).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The format to write: trivy, grype, osv-scanner, cargo-deny, cargo-audit, gitleaks.
    #[arg(long)]
    to: Option<String>,
    /// Write every format listed in the rulebook's `suppressions.formats`.
    #[arg(long, conflicts_with = "output")]
    all: bool,
    /// Write to this file instead of the format's default path in DIR.
    #[arg(short = 'o', long = "output", requires = "to")]
    output: Option<PathBuf>,
    /// Write nothing; exit 1 when a file is not up to date (for CI).
    #[arg(long)]
    check: bool,
    /// Evaluation time, RFC 3339 or YYYY-MM-DD (UTC); default: now.
    #[arg(long)]
    now: Option<String>,
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
    let a = match &args.command {
        Sub::Check(a) => a,
        Sub::Compile(c) => return compile(c, out),
        Sub::Vex(v) => return vex(v, out),
        Sub::VexIn(v) => return vex_in(v, out),
    };
    let now = parse_now(a.now.as_deref())?;
    let opts = ExceptionsCheckOptions::new(now).within(a.within);
    let result = Workspace::open(&a.dir).and_then(|ws| Ok((ws.check_exceptions(&opts)?, ws)));
    let (report, ws) = match result {
        Ok(r) => r,
        Err(e) => return out.fail(e, &a.dir),
    };
    match a.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&report)?),
        Fmt::Human => {
            let mut s = String::new();
            // What could not be read as written comes first: it may be a revocation.
            for d in &report.registry {
                s.push_str(&out.diagnostic(d, ws.artifacts().sources.get(&d.file)));
                if !s.ends_with('\n') {
                    s.push('\n');
                }
            }
            for e in &report.exceptions {
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
                    s.push_str(&out.diagnostic(d, ws.artifacts().sources.get(&d.file)));
                    if !s.ends_with('\n') {
                        s.push('\n');
                    }
                }
            }
            let _ = write!(
                s,
                "{} exception(s): {} error(s), {} warning(s)",
                report.exceptions.len(),
                report.errors(),
                report.warnings()
            );
            out.print(&s);
        }
    }
    Ok(ExitCode::from(if report.passed() { exit::PASS } else { exit::FAIL }))
}

fn compile(a: &CompileArgs, out: &Output) -> CmdResult {
    let now = parse_now(a.now.as_deref())?;
    let target = match &a.to {
        Some(f) => CompileTarget::One { format: f.parse()?, output: a.output.clone() },
        None => CompileTarget::All,
    };
    let opts = CompileOptions::new(target, now).check(a.check);
    let report = match Workspace::open(&a.dir).and_then(|ws| ws.compile_exceptions(&opts)) {
        Ok(r) => r,
        Err(e) => return out.fail(e, &a.dir),
    };
    let mut s = out.diagnostics_in(&a.dir, &report.registry);
    for f in &report.files {
        for d in &f.diagnostics {
            s.push_str(&out.diagnostic(d, None));
            if !s.ends_with('\n') {
                s.push('\n');
            }
        }
        let _ = writeln!(
            s,
            "{}: {} {} ({} exception(s) in force)",
            f.format,
            f.path.display(),
            f.state.as_str(),
            f.exceptions
        );
    }
    out.print(s.trim_end());
    Ok(ExitCode::from(if report.passed() { exit::PASS } else { exit::FAIL }))
}

fn vex(a: &VexArgs, out: &Output) -> CmdResult {
    let now = parse_now(a.now.as_deref())?;
    let opts = VexOptions::new(a.to.parse::<VexFormat>()?, a.author.clone(), now).sign(a.sign.clone());
    let doc = match Workspace::open(&a.dir).and_then(|ws| ws.vex(&opts)) {
        Ok(d) => d,
        Err(e) => return out.fail(e, &a.dir),
    };
    if !doc.diagnostics.is_empty() {
        out.eprint(out.diagnostics_in(&a.dir, &doc.diagnostics).trim_end());
    }
    match &a.output {
        Some(p) => {
            let _lock = crate::lock::workspace(&a.dir)?;
            secfw::artifacts::write_atomic(p, doc.text.as_bytes())?;
            out.status(&format!("wrote {}", p.display()));
        }
        None => out.print(doc.text.trim_end()),
    }
    Ok(ExitCode::from(exit::PASS))
}

fn vex_in(a: &VexInArgs, out: &Output) -> CmdResult {
    let now = parse_now(a.now.as_deref())?;
    let opts = VexInOptions::new(a.files.clone(), now).record(!a.no_record);
    let report = match Workspace::open(&a.dir).and_then(|ws| ws.vex_in(&opts)) {
        Ok(r) => r,
        Err(e) => return out.fail(e, &a.dir),
    };
    let errors = report.diagnostics.iter().filter(|d| d.is_error()).count();
    match a.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&report)?),
        Fmt::Human => {
            let mut s = String::new();
            for d in &report.diagnostics {
                s.push_str(&out.diagnostic(d, None));
                if !s.ends_with('\n') {
                    s.push('\n');
                }
            }
            for row in &report.statements {
                let (st, f) = (&row.statement, &row.findings);
                let _ = writeln!(
                    s,
                    "{} on {}{}: {}{} by {}{} -> {}",
                    st.vulnerability,
                    st.product,
                    st.subcomponent.as_deref().map(|c| format!(" ({c})")).unwrap_or_default(),
                    st.status.as_str(),
                    st.justification.as_deref().map(|j| format!(" ({j})")).unwrap_or_default(),
                    st.author,
                    st.timestamp
                        .map(|t| format!(" at {}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
                        .unwrap_or_default(),
                    if f.is_empty() { "no finding".to_owned() } else { f.join(", ") }
                );
            }
            let _ = write!(s, "{} trusted statement(s), {} error(s)", report.statements.len(), errors);
            match report.recorded {
                Some(n) => {
                    let _ = write!(s, "; {n} added to {}", secfw::artifacts::model::vex::VEX_RECORD);
                }
                None if a.no_record => {}
                None => s.push_str("; nothing recorded (errors)"),
            }
            out.print(&s);
        }
    }
    Ok(ExitCode::from(if report.passed() { exit::PASS } else { exit::FAIL }))
}
