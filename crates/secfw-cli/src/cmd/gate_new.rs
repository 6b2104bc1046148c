//! `secfw gate new --baseline HANDOFF --trust FILE [DIR]`: fail only on findings new or worse
//! than in a sealed, verified baseline (`secfw::Workspace::gate_new`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use secfw::lifecycle::BaselineReport;
use secfw::ops::{BaselineGateOptions, TrustSource};
use secfw::{Outcome, Workspace};

use crate::output::{Format, Output};
use crate::{CmdResult, exit};

/// Options of `gate new` (ignored by the other gates).
#[derive(Debug, clap::Args)]
pub(crate) struct BaselineArgs {
    /// `gate new`: the baseline handoff, a package (.tar) or a directory with a sealed manifest
    /// (default: the newest package this workspace sealed, .secfw/packages/).
    #[arg(long, value_name = "HANDOFF")]
    baseline: Option<PathBuf>,
    /// `gate new`: the trust policy the baseline must verify against (from outside the workspace).
    #[arg(long, env = "SECFW_TRUST", value_name = "FILE")]
    trust: Option<PathBuf>,
    /// `gate new`: pin the trust policy by digest (sha256:<hex>).
    #[arg(long, env = "SECFW_TRUST_DIGEST", value_name = "DIGEST")]
    trust_digest: Option<String>,
    /// `gate new`: accept a baseline sealed without a git binding.
    #[arg(long)]
    no_git: bool,
}

impl BaselineArgs {
    fn options(&self, now: DateTime<Utc>) -> BaselineGateOptions {
        BaselineGateOptions::new(now, TrustSource::new(self.trust.clone(), self.trust_digest.clone()))
            .baseline(self.baseline.clone())
            .no_git(self.no_git)
    }

    /// Whether a baseline was named (export sets `baselineState` only then).
    pub(crate) fn given(&self) -> bool {
        self.baseline.is_some()
    }
}

/// The baseline report for `export --baseline`: `Ok(Err(code))` when the baseline was refused
/// (its diagnostics printed).
pub(crate) fn report(
    dir: &Path,
    now: DateTime<Utc>,
    a: &BaselineArgs,
    out: &Output,
) -> Result<Result<BaselineReport, ExitCode>, Box<dyn std::error::Error + Send + Sync>> {
    match Workspace::open(dir).and_then(|ws| ws.gate_new(&a.options(now))) {
        Ok(r) => Ok(Ok(r)),
        Err(e @ secfw::Error::Lifecycle(secfw::lifecycle::Error::Baseline { .. })) => {
            out.diagnostics(&e.diagnostics());
            out.eprint("the baseline is refused; nothing was compared");
            Ok(Err(ExitCode::from(exit::USAGE)))
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn run(
    dir: &Path,
    now: DateTime<Utc>,
    a: &BaselineArgs,
    format: Format,
    output: Option<&Path>,
    out: &Output,
) -> CmdResult {
    let report = match report(dir, now, a, out)? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&report)?,
        Format::Human => human(&report),
        other => return Err(format!("gate new writes human or json output, not {other:?}").into()),
    };
    out.gate_result(text, output, report.passed())
}

fn human(r: &BaselineReport) -> String {
    let mut s = String::new();
    if let Some(b) = &r.baseline {
        let _ = writeln!(s, "baseline: {} (sequence {}, sealed {}, {})", b.source, b.sequence, b.issued_at, b.seal);
    }
    let c = &r.counts;
    let _ = writeln!(
        s,
        "{} new, {} worse, {} unchanged ({} never baselined), {} absent",
        c.new, c.updated, c.unchanged, c.never_baselined, c.absent
    );
    for f in r.findings.iter().filter(|f| f.fails) {
        let _ = writeln!(s, "  FAIL {} ({}, {}): {}", f.finding_id, f.severity, f.state.as_str(), f.reason);
    }
    for u in &r.unknown_scope {
        let _ = writeln!(s, "  FAIL scope unknown: scan {u} since the baseline");
    }
    s.push_str("ratchet:\n");
    let v = |x: Option<f64>| x.map_or_else(|| "n/a".to_owned(), |x| format!("{}", (x * 100.0).round() / 100.0));
    for d in &r.ratchet {
        let _ = writeln!(
            s,
            "  {:<22} baseline {:>8}  now {:>8}  ({} is better)  {}",
            d.dimension,
            v(d.baseline),
            v(d.current),
            d.better,
            if d.holds { "ok" } else { "WORSE" }
        );
    }
    let _ = write!(s, "{}", if r.passed { "PASS" } else { "FAIL" });
    s
}
