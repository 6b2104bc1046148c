//! `secfw enrich [--kev FILE] [--epss FILE] [DIR]`: join CISA KEV and FIRST EPSS data, offline
//! and sealed, to the findings ledger (`secfw::Workspace::enrich`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::Workspace;
use secfw::enrich::SourceReport;
use secfw::ops::EnrichOptions;

use crate::output::{Fmt, Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `enrich`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// CISA Known Exploited Vulnerabilities catalog (known_exploited_vulnerabilities.json).
    #[arg(long, value_name = "FILE")]
    kev: Option<PathBuf>,
    /// FIRST EPSS scores (epss_scores-YYYY-MM-DD.csv or .csv.gz).
    #[arg(long, value_name = "FILE")]
    epss: Option<PathBuf>,
    /// The as-of time (RFC 3339 or YYYY-MM-DD, UTC); default: now. Without files, the newest
    /// stored data dated by then is joined.
    #[arg(long)]
    now: Option<String>,
    /// Validate and join, print what would change, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Output format of the summary (diagnostics go to stderr in both).
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let now = parse_now(args.now.as_deref())?;
    let opts = EnrichOptions::new(now).kev(args.kev.clone()).epss(args.epss.clone()).dry_run(args.dry_run);
    let report = match Workspace::open(&args.dir).and_then(|ws| ws.enrich(&opts)) {
        Ok(r) => r,
        Err(e @ secfw::Error::Enrich(_)) if !e.diagnostics().is_empty() => {
            out.diagnostics(&e.diagnostics());
            out.eprint("nothing was enriched; sec_findings.yaml and evidence/intel/ are unchanged");
            return Ok(ExitCode::from(exit::USAGE));
        }
        Err(e) => return out.fail(e, &args.dir),
    };
    match args.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&report)?),
        Fmt::Human => {
            if !report.diagnostics.is_empty() {
                out.diagnostics(&report.diagnostics);
            }
            let mut text = String::new();
            for s in [&report.kev, &report.epss].into_iter().flatten() {
                line(&mut text, s);
            }
            let st = &report.stats;
            let _ = write!(
                text,
                "{} finding(s), {} with a CVE: {} KEV-listed, {} EPSS-scored, {} changed",
                st.findings, st.with_cve, st.kev_listed, st.epss_scored, st.changed
            );
            if !report.written {
                text.push_str(" (dry run: nothing written)");
            }
            out.print(&text);
        }
    }
    Ok(ExitCode::from(exit::PASS))
}

fn line(text: &mut String, s: &SourceReport) {
    let _ = writeln!(
        text,
        "{}: {} ({}, {} entries, dated {}) sealed as {}{}",
        s.source,
        s.input.as_deref().unwrap_or("stored"),
        s.version,
        s.entries,
        s.data_date,
        s.stored,
        if s.newly_stored { " (new)" } else { "" }
    );
}
