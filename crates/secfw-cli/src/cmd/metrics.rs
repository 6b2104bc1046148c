//! `secfw metrics [DIR] [--format human|json] [--now T] [--from T] [--to T] [--cycle ID] [--record]`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use secfw::artifacts::Timestamp;
use secfw::metrics::{KpiReport, KpiStatus};
use secfw::ops::{MetricsOptions, Period};
use secfw::{Outcome, Workspace};

use crate::output::Fmt;
use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// Arguments of `metrics`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
    #[command(flatten)]
    period: PeriodArgs,
    /// Store the KPI snapshot in .secfw/history/<cycle>.json (the IMPROVE step does this).
    #[arg(long)]
    record: bool,
    /// Exit 1 when a KPI misses its target.
    #[arg(long)]
    fail_on_missed: bool,
}

/// `--now`, `--from`, `--to` and `--cycle`, shared by `metrics` and `digest`.
#[derive(Debug, clap::Args)]
pub(crate) struct PeriodArgs {
    /// Evaluation time (RFC 3339 or YYYY-MM-DD, UTC); default: the current time.
    #[arg(long)]
    now: Option<String>,
    /// Period start (RFC 3339 or a date meaning its start); default: the previous snapshot's end,
    /// or 7 days before the period end.
    #[arg(long)]
    from: Option<String>,
    /// Period end (RFC 3339, or a date meaning the end of that day); default: --now.
    #[arg(long)]
    to: Option<String>,
    /// Cycle id of the snapshot (default: the period end's date, YYYY-MM-DD).
    #[arg(long)]
    cycle: Option<String>,
}

impl PeriodArgs {
    /// `now` and the period as written (the facade decides what a date means).
    pub(crate) fn resolve(
        &self,
    ) -> Result<(chrono::DateTime<chrono::Utc>, Period), Box<dyn std::error::Error + Send + Sync>> {
        let now = parse_now(self.now.as_deref())?;
        let parse = |s: &Option<String>, what: &str| {
            s.as_deref().map(|s| s.parse::<Timestamp>().map_err(|e| format!("--{what}: {e}"))).transpose()
        };
        Ok((now, Period::new(parse(&self.from, "from")?, parse(&self.to, "to")?, self.cycle.clone())))
    }
}

pub(crate) fn run(args: &Args, out: &Output) -> CmdResult {
    let (now, period) = args.period.resolve()?;
    let opts = MetricsOptions::new(now).period(period).record(args.record);
    let result = Workspace::open(&args.dir).and_then(|ws| Ok((ws.metrics(&opts)?, ws)));
    let (report, ws) = match result {
        Ok(r) => r,
        Err(e) => return out.fail(e, &args.dir),
    };
    match args.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&report)?),
        Fmt::Human => {
            let mut text = String::new();
            for d in &report.report.diagnostics {
                text.push_str(&out.diagnostic(d, ws.artifacts().sources.get(&d.file)));
                text.push('\n');
            }
            text.push_str(&human(&report.report, out.styled()));
            if let Some(p) = &report.recorded {
                let _ = write!(text, "\nsnapshot recorded: {}", p.display());
            }
            out.print(&text);
        }
    }
    let fail = args.fail_on_missed && !report.passed();
    Ok(ExitCode::from(if fail { exit::FAIL } else { exit::PASS }))
}

fn human(r: &KpiReport, styled: bool) -> String {
    let m = &r.metrics;
    let mut s = String::new();
    let _ = writeln!(s, "KPIs for cycle {} ({})", r.cycle, m.period);
    match &r.previous {
        Some(p) => {
            let _ = writeln!(s, "trends against cycle {}", p.cycle);
        }
        None => s.push_str("no previous snapshot: no trend\n"),
    }
    s.push('\n');
    let paint = |text: &str, st: KpiStatus| {
        if !styled {
            return text.to_owned();
        }
        let code = match st {
            KpiStatus::Met => "32",
            KpiStatus::NotAvailable | KpiStatus::NoTarget => "2",
            // Missed, and a status this CLI does not know: never painted as met.
            _ => "31",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    };
    let _ = writeln!(s, "{:<32} {:>14} {:>12} {:>14}  status", "KPI", "current", "target", "trend");
    for k in &m.kpis {
        let t = r.trend(k.id);
        let _ = writeln!(
            s,
            "{:<32} {:>14} {:>12} {:>14}  {}",
            k.id.name(),
            k.display_value(),
            k.display_target(),
            t.display(k.unit),
            paint(k.status.as_str(), k.status)
        );
    }
    s.push('\n');
    for k in &m.kpis {
        let _ = writeln!(s, "{}: {}", k.id.key(), k.formula);
        let _ =
            writeln!(s, "    inputs: {}{}", k.inputs, k.note.as_ref().map_or_else(String::new, |n| format!(" ({n})")));
    }
    let f = &m.findings;
    let _ = write!(
        s,
        "\nfindings: {} new, {} resolved, {} carry-forward, {} open ({} excepted, {} past SLA), {} critical open",
        f.new,
        f.resolved,
        f.carry_forward,
        f.open,
        f.excepted(),
        f.overdue(),
        f.critical()
    );
    let days = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.1}"));
    s.push_str("\nMTTR by severity (days: mean / median / p90, n):");
    for (sev, st) in &m.mttr.by_severity {
        let _ = write!(
            s,
            "\n  {:<8} {} / {} / {}  n={}",
            sev.as_str(),
            days(st.mean),
            days(st.median),
            days(st.p90),
            st.count
        );
    }
    for x in
        m.exceptions.items.iter().filter(|x| x.expiring_soon || x.state != secfw::governance::ExceptionState::Valid)
    {
        let _ = write!(
            s,
            "\nexception {} is {} (valid until {}, {} day(s) left)",
            x.id, x.state, x.valid_until, x.days_left
        );
    }
    s.push_str(&intel_line(&m.intel));
    s
}

/// Freshness of the exploitation data per source (`secfw enrich`).
fn intel_line(intel: &[secfw::governance::IntelFreshness]) -> String {
    let parts: Vec<String> = intel
        .iter()
        .map(|src| match (src.data_date, src.checked_at, src.age_days) {
            (Some(date), Some(joined), Some(age)) => format!(
                "{} dated {date}, joined {joined}, {age} day(s) old{}",
                src.source.as_str().to_uppercase(),
                if src.stale { " (STALE)" } else { "" }
            ),
            _ => format!("{} not checked", src.source.as_str().to_uppercase()),
        })
        .collect();
    format!("\nexploitation data (secfw enrich): {}", parts.join("; "))
}
