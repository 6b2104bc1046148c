//! The baseline gate (issue 16): fail only on what changed since a sealed, verified handoff.
//!
//! `secfw gate new --baseline HANDOFF` compares the workspace with the findings ledger sealed in
//! a handoff (a package archive or a directory holding a signed manifest; default: the newest
//! package this workspace sealed, `.secfw/packages/`). The baseline must verify completely
//! (signatures, thresholds, trust policy, checksums, project) or it is refused. Then:
//!
//! - every open, unexcepted finding is **new** (not in the baseline), **updated** (worse: its
//!   severity was raised, or a valid exception excepted it at the baseline and no longer does)
//!   or **unchanged**; baseline findings that are no longer open are **absent**;
//! - new and updated findings fail; unchanged ones pass unless the rulebook's
//!   `baseline.never_baseline` names them (default: critical, secrets, KEV-listed);
//! - a scan recorded since the baseline that failed leaves its scope unknown: the gate fails;
//! - the ratchet (`baseline.ratchet`): each dimension (open counts per severity, risk score,
//!   chosen KPIs) may not be worse than at the baseline; each is reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secfw_artifacts::model::findings::{Finding, ScanStatus};
use secfw_artifacts::model::rulebook::{BaselinePolicy, CountMetric};
use secfw_artifacts::{Diagnostic, LoadOptions, LoadedWorkspace, Severity, file_names, path};
use secfw_governance::{GovernanceReport, Locator};
use secfw_metrics::{Direction, KpiId};
use secfw_seal::{VerifyOptions, VerifyReport};
use serde::Serialize;

use crate::{Error, codes};

/// Options of [`gate_new`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BaselineOptions {
    /// Evaluation time of the current workspace (and verification time of the baseline).
    pub now: DateTime<Utc>,
    /// The baseline: a package archive (`.tar`) or a directory holding `handoff_manifest.yaml`
    /// and its signed statement. Default: the newest package in `.secfw/packages/`.
    pub baseline: Option<PathBuf>,
    /// The trust policy (a signed chain from outside the workspace).
    pub trust: Option<PathBuf>,
    /// Pin of the trust policy file (`sha256:<hex>`), allowing it anywhere.
    pub trust_digest: Option<String>,
    /// Accept a baseline sealed without a git binding.
    pub no_git: bool,
    /// Refuse when the workspace has no project id (then a baseline sealed by another
    /// workspace could not be told apart); the baseline-aware lifecycle gates set it.
    pub require_project: bool,
}

impl BaselineOptions {
    /// Options at `now` with the default baseline and no trust policy yet.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now, baseline: None, trust: None, trust_digest: None, no_git: false, require_project: false }
    }
}

/// A finding's state against the baseline (SARIF `baselineState` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum BaselineState {
    /// Not in the baseline.
    New,
    /// In the baseline, and no worse.
    Unchanged,
    /// In the baseline, but worse now (severity raised, exception no longer in force).
    Updated,
    /// In the baseline, no longer open.
    Absent,
}

impl BaselineState {
    /// The SARIF `baselineState` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Unchanged => "unchanged",
            Self::Updated => "updated",
            Self::Absent => "absent",
        }
    }
}

/// One finding compared with the baseline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct BaselineFinding {
    /// The finding (current id; the baseline's for `absent`).
    pub finding_id: String,
    /// Its fingerprint, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Current severity (baseline severity for `absent`).
    pub severity: Severity,
    /// New, unchanged, updated or absent.
    pub state: BaselineState,
    /// Whether it fails the gate.
    pub fails: bool,
    /// Why, in words.
    pub reason: String,
}

/// One ratchet dimension.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct RatchetDimension {
    /// `critical`, `high`, `medium`, `low`, `risk_score` or a KPI key.
    pub dimension: String,
    /// Value at the baseline (`None`: not computable, n/a).
    pub baseline: Option<f64>,
    /// Value now.
    pub current: Option<f64>,
    /// `lower` or `higher` is better.
    pub better: &'static str,
    /// Whether it is no worse than the baseline.
    pub holds: bool,
}

/// Which handoff served as the baseline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct BaselineRef {
    /// The package or manifest directory.
    pub source: String,
    /// Its manifest id.
    pub manifest_id: String,
    /// Its sequence number.
    pub sequence: u64,
    /// When it was sealed (the instant the baseline's governance is evaluated at).
    pub issued_at: String,
    /// Its seal.
    pub seal: secfw_artifacts::Seal,
}

/// Counts per state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct BaselineCounts {
    /// New findings.
    pub new: u64,
    /// Worse findings.
    pub updated: u64,
    /// Unchanged findings.
    pub unchanged: u64,
    /// Baseline findings no longer open.
    pub absent: u64,
    /// Unchanged findings that fail because the rulebook never baselines them.
    pub never_baselined: u64,
}

/// The outcome of [`gate_new`] (and [`compare`]).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct BaselineReport {
    /// Whether the gate passes.
    pub passed: bool,
    /// The evaluation time, RFC 3339.
    pub now: String,
    /// The baseline used.
    pub baseline: Option<BaselineRef>,
    /// Counts per state.
    pub counts: BaselineCounts,
    /// Every compared finding: current open, unexcepted findings, then absent ones.
    pub findings: Vec<BaselineFinding>,
    /// The ratchet, one entry per configured dimension.
    pub ratchet: Vec<RatchetDimension>,
    /// Scans since the baseline that failed (scope unknown).
    pub unknown_scope: Vec<String>,
    /// Why it fails (and notes), located when possible.
    pub diagnostics: Vec<Diagnostic>,
    /// Live findings a valid exception covers now, compared too: they never fail (and are not
    /// in `counts`), but their state is reported (SARIF `baselineState`).
    pub excepted: Vec<BaselineFinding>,
    /// The baseline's own records of the `absent` findings (for SARIF `baselineState: absent`).
    #[serde(skip)]
    pub absent_findings: Vec<Finding>,
}

impl BaselineReport {
    /// The state of a current finding by id (for SARIF `baselineState`).
    pub fn state_of(&self, finding_id: &str) -> Option<BaselineState> {
        self.current().find(|f| f.finding_id == finding_id).map(|f| f.state)
    }

    /// Every current (not absent) compared finding: counted ones, then excepted ones.
    pub fn current(&self) -> impl Iterator<Item = &BaselineFinding> {
        self.findings.iter().filter(|f| f.state != BaselineState::Absent).chain(&self.excepted)
    }
}

/// `true` for a secret: CWE-798 (hard-coded credentials), a secret scanner's finding, or a
/// rule id naming a secret.
pub fn is_secret(f: &Finding) -> bool {
    f.cwe.iter().any(|c| c.eq_ignore_ascii_case("CWE-798"))
        || f.source.as_ref().is_some_and(|s| {
            matches!(s.tool.to_ascii_lowercase().as_str(), "gitleaks" | "trufflehog" | "detect-secrets")
                || s.rule_id.as_deref().is_some_and(|r| r.to_ascii_lowercase().contains("secret"))
        })
}

fn key(f: &Finding) -> String {
    f.fingerprint.clone().unwrap_or_else(|| format!("id:{}", f.finding_id))
}

/// Compare `current` (evaluated at `now`) with `baseline` (evaluated at `baseline_at`, when it
/// was sealed). Pure: no I/O.
pub fn compare(
    current: &LoadedWorkspace,
    baseline: &LoadedWorkspace,
    now: DateTime<Utc>,
    baseline_at: DateTime<Utc>,
) -> BaselineReport {
    let rb = current.rulebook_or_default();
    let policy = &rb.baseline;
    let gov_now = secfw_governance::evaluate(current, now);
    let gov_base = secfw_governance::evaluate(baseline, baseline_at);
    let cur: &[Finding] = current.findings.as_ref().map_or(&[], |f| f.findings.as_slice());
    let base: &[Finding] = baseline.findings.as_ref().map_or(&[], |f| f.findings.as_slice());

    let loc = Locator::new(current);
    let base_by_key = live_at_baseline(base, &gov_base);
    let mut diagnostics = never_baseline_policy_diagnostics(policy, &loc);
    let mut classes = classify_live_findings(cur, &gov_now, &gov_base, &base_by_key, policy);
    let absent_findings = classify_absent(&base_by_key, &mut classes);
    let Classified { findings, excepted, counts, .. } = classes;

    let scans = current.findings.as_ref().map_or(&[][..], |f| f.scans.as_slice());
    let (scan_indexes, unknown_scope): (Vec<usize>, Vec<String>) =
        unknown_scope(scans, baseline_at).into_iter().unzip();
    diagnostics.extend(scan_indexes.iter().zip(&unknown_scope).map(|(&i, s)| {
        Diagnostic::error(
            codes::BASELINE_SCOPE_UNKNOWN,
            file_names::FINDINGS,
            format!("scan {s} since the baseline: what it would have found is unknown"),
        )
        .at(loc.pos(file_names::FINDINGS, &path!["scans", i, "scan_id"]))
        .with_hint("re-run the scan to completion and ingest it; an incomplete scan never passes the baseline gate")
    }));

    let ratchet = ratchet(current, baseline, &gov_now, &gov_base, now, baseline_at, &policy.ratchet, &mut diagnostics);
    diagnostics.extend(failure_diagnostics(&findings, &ratchet, cur, &policy.ratchet, &loc));
    let passed = !diagnostics.iter().any(Diagnostic::is_error);
    BaselineReport {
        passed,
        now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        baseline: None,
        counts,
        findings,
        ratchet,
        unknown_scope,
        diagnostics,
        excepted,
        absent_findings,
    }
}

/// Baseline findings that were live (open or accepted) at the baseline, by identity (the first
/// of each identity).
fn live_at_baseline<'a>(base: &'a [Finding], gov_base: &GovernanceReport) -> HashMap<String, (usize, &'a Finding)> {
    let mut base_by_key: HashMap<String, (usize, &Finding)> = HashMap::new();
    for (i, f) in base.iter().enumerate() {
        if gov_base.findings.get(i).is_some_and(|e| !matches!(e.disposition, secfw_governance::Disposition::Closed)) {
            base_by_key.entry(key(f)).or_insert((i, f));
        }
    }
    base_by_key
}

/// `baseline.never_baseline` names only severities, `secrets` and `kev`.
fn never_baseline_policy_diagnostics(policy: &BaselinePolicy, loc: &Locator<'_>) -> Vec<Diagnostic> {
    policy
        .never_baseline
        .iter()
        .enumerate()
        .filter(|(_, n)| !matches!(n.as_str(), "secrets" | "kev") && n.parse::<Severity>().is_err())
        .map(|(i, n)| {
            Diagnostic::error(
                codes::BASELINE_POLICY,
                file_names::RULEBOOK,
                format!("baseline.never_baseline names `{n}`, which is not a severity, `secrets` or `kev`"),
            )
            .at(loc.pos(file_names::RULEBOOK, &path!["baseline", "never_baseline", i]))
            .with_hint("use critical, high, medium, low, secrets or kev")
        })
        .collect()
}

/// The first `never_baseline` entry that applies to a finding (its severity, `secrets`, or `kev`
/// when it is in KEV).
fn never_baselined(policy: &BaselinePolicy, f: &Finding, kev: bool) -> Option<String> {
    policy.never_baseline.iter().find_map(|n| {
        let hit = match n.as_str() {
            "secrets" => is_secret(f),
            "kev" => kev,
            s => s.parse::<Severity>().is_ok_and(|sev| sev == f.severity),
        };
        hit.then(|| n.clone())
    })
}

/// The findings classified so far.
#[derive(Default)]
struct Classified {
    findings: Vec<BaselineFinding>,
    excepted: Vec<BaselineFinding>,
    counts: BaselineCounts,
    /// Identities live now.
    seen: std::collections::HashSet<String>,
}

/// Classify every finding live now (counted or excepted) against the baseline: new, updated or
/// unchanged; excepted ones never fail, unchanged ones fail when never baselined.
fn classify_live_findings(
    cur: &[Finding],
    gov_now: &GovernanceReport,
    gov_base: &GovernanceReport,
    base_by_key: &HashMap<String, (usize, &Finding)>,
    policy: &BaselinePolicy,
) -> Classified {
    let mut c = Classified::default();
    for (i, f) in cur.iter().enumerate() {
        let Some(ev) = gov_now.findings.get(i) else { continue };
        if matches!(ev.disposition, secfw_governance::Disposition::Closed) {
            continue;
        }
        // Live now (counted or excepted): not absent, whatever its state.
        let k = key(f);
        let (state, mut reason) = baseline_state(f, ev, base_by_key.get(&k).copied(), gov_base);
        c.seen.insert(k);
        if !ev.is_counted() {
            // Excepted now: it never fails, but its state is reported (SARIF `baselineState`).
            let by = match &ev.disposition {
                secfw_governance::Disposition::Excepted { exception } => exception.as_str(),
                _ => "a valid exception",
            };
            c.excepted.push(BaselineFinding {
                finding_id: f.finding_id.clone(),
                fingerprint: f.fingerprint.clone(),
                severity: f.severity,
                state,
                fails: false,
                reason: format!("{reason}; excepted by {by}, so it does not fail"),
            });
            continue;
        }
        let mut fails = state != BaselineState::Unchanged;
        if state == BaselineState::Unchanged
            && let Some(why) = never_baselined(policy, f, ev.kev)
        {
            fails = true;
            c.counts.never_baselined += 1;
            reason = format!("{reason}, but `{why}` findings are never baselined");
        }
        match state {
            BaselineState::New => c.counts.new += 1,
            BaselineState::Updated => c.counts.updated += 1,
            BaselineState::Unchanged => c.counts.unchanged += 1,
            BaselineState::Absent => {}
        }
        c.findings.push(BaselineFinding {
            finding_id: f.finding_id.clone(),
            fingerprint: f.fingerprint.clone(),
            severity: f.severity,
            state,
            fails,
            reason,
        });
    }
    c
}

/// A live finding's state against its baseline counterpart `base` (index, finding), if any:
/// new; updated when its severity rose or its exception at the baseline is no longer in force;
/// unchanged otherwise.
fn baseline_state(
    f: &Finding,
    ev: &secfw_governance::FindingEval,
    base: Option<(usize, &Finding)>,
    gov_base: &GovernanceReport,
) -> (BaselineState, String) {
    let Some((bi, b)) = base else { return (BaselineState::New, "not in the baseline".to_owned()) };
    let was_excepted = gov_base.findings.get(bi).is_some_and(secfw_governance::FindingEval::is_excepted);
    if f.severity < b.severity {
        (BaselineState::Updated, format!("severity raised from {} to {} since the baseline", b.severity, f.severity))
    } else if was_excepted && ev.is_counted() {
        let exc = b.governance.exception_ref.as_deref().unwrap_or("its exception");
        (BaselineState::Updated, format!("excepted by {exc} at the baseline, no longer in force"))
    } else {
        (BaselineState::Unchanged, format!("in the baseline as {}", b.finding_id))
    }
}

/// Findings live at the baseline and not live now (baseline order): absent, never failing.
/// Returns them as they were at the baseline.
fn classify_absent(base_by_key: &HashMap<String, (usize, &Finding)>, c: &mut Classified) -> Vec<Finding> {
    let mut absent: Vec<&(usize, &Finding)> =
        base_by_key.iter().filter(|(k, _)| !c.seen.contains(*k)).map(|(_, v)| v).collect();
    absent.sort_by_key(|(i, _)| *i);
    let mut absent_findings = Vec::new();
    for (_, b) in absent {
        c.counts.absent += 1;
        absent_findings.push((*b).clone());
        c.findings.push(BaselineFinding {
            finding_id: b.finding_id.clone(),
            fingerprint: b.fingerprint.clone(),
            severity: b.severity,
            state: BaselineState::Absent,
            fails: false,
            reason: "open at the baseline, no longer open (resolved or a false positive)".to_owned(),
        });
    }
    absent_findings
}

/// Scope: a scan recorded since the baseline that failed, or that skipped part of what it
/// reported (incomplete in a class): what it would have found is unknown. With each its index
/// in `scans`.
fn unknown_scope(scans: &[secfw_artifacts::ScanRecord], baseline_at: DateTime<Utc>) -> Vec<(usize, String)> {
    scans
        .iter()
        .enumerate()
        .filter(|(_, s)| s.scope_unknown() && s.started_at.instant() >= baseline_at)
        .map(|(i, s)| {
            let what = if s.status == ScanStatus::Failure {
                "failed".to_owned()
            } else {
                let classes: Vec<String> = s.incomplete.iter().map(|(c, why)| format!("{c}: {why}")).collect();
                format!("is incomplete ({})", classes.join("; "))
            };
            (i, format!("{} ({}: {}) {what}", s.scan_id, s.tool, s.targets.join(", ")))
        })
        .collect()
}

/// An error for each failing finding (at the finding in the current ledger `cur`), then for
/// each ratchet that got worse (at its entry in `baseline.ratchet`, `dims`).
fn failure_diagnostics(
    findings: &[BaselineFinding],
    ratchet: &[RatchetDimension],
    cur: &[Finding],
    dims: &[String],
    loc: &Locator<'_>,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut index: Option<HashMap<&str, usize>> = None;
    for f in findings.iter().filter(|f| f.fails) {
        let index = index.get_or_insert_with(|| {
            let mut m = HashMap::new();
            for (i, c) in cur.iter().enumerate() {
                m.entry(c.finding_id.as_str()).or_insert(i);
            }
            m
        });
        let at = index
            .get(f.finding_id.as_str())
            .and_then(|&i| loc.pos(file_names::FINDINGS, &path!["findings", i, "finding_id"]));
        diagnostics.push(
            Diagnostic::error(
                codes::BASELINE_NEW_FINDING,
                file_names::FINDINGS,
                format!("{} ({}, {}): {}", f.finding_id, f.severity, f.state.as_str(), f.reason),
            )
            .at(at)
            .with_hint("fix it, or accept it with a valid exception; the baseline only covers what it sealed"),
        );
    }
    for r in ratchet.iter().filter(|r| !r.holds) {
        let at = dims
            .iter()
            .position(|d| *d == r.dimension)
            .and_then(|i| loc.pos(file_names::RULEBOOK, &path!["baseline", "ratchet", i]));
        diagnostics.push(
            Diagnostic::error(
                codes::BASELINE_RATCHET,
                file_names::RULEBOOK,
                format!(
                    "ratchet `{}` got worse: {} at the baseline, {} now ({} is better)",
                    r.dimension,
                    num(r.baseline),
                    num(r.current),
                    r.better
                ),
            )
            .at(at)
            .with_hint("bring it back to the baseline's value, or change baseline.ratchet in rulebook.yaml"),
        );
    }
    diagnostics
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |x| format!("{}", (x * 100.0).round() / 100.0))
}

#[allow(clippy::too_many_arguments)]
fn ratchet(
    current: &LoadedWorkspace,
    baseline: &LoadedWorkspace,
    gov_now: &GovernanceReport,
    gov_base: &GovernanceReport,
    now: DateTime<Utc>,
    baseline_at: DateTime<Utc>,
    dims: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<RatchetDimension> {
    let week = chrono::Duration::days(7);
    let metrics = std::cell::OnceCell::new();
    let both = || {
        metrics.get_or_init(|| {
            let m = |ws, t: DateTime<Utc>| {
                secfw_metrics::Period::new(t - week, t).map(|p| secfw_metrics::compute(ws, p, t))
            };
            (m(current, now), m(baseline, baseline_at))
        })
    };
    let loc = Locator::new(current);
    let mut out = Vec::new();
    for (i, d) in dims.iter().enumerate() {
        let count = |g: &GovernanceReport, s: Severity| g.counts.open.get(&s).copied().unwrap_or(0) as f64;
        let (b, c, dir) = if let Ok(sev) = d.parse::<Severity>() {
            (Some(count(gov_base, sev)), Some(count(gov_now, sev)), Direction::LowerIsBetter)
        } else if let Some(id) = KpiId::from_key(d) {
            let (mc, mb) = both();
            (mb.as_ref().and_then(|m| m.value(id)), mc.as_ref().and_then(|m| m.value(id)), id.direction())
        } else {
            diagnostics.push(
                Diagnostic::error(
                    codes::BASELINE_POLICY,
                    file_names::RULEBOOK,
                    format!("baseline.ratchet names `{d}`, which is not a severity or a KPI"),
                )
                .at(loc.pos(file_names::RULEBOOK, &path!["baseline", "ratchet", i]))
                .with_hint("use critical, high, medium, low, risk_score, mttr, coverage, scan_rate, escape_rate, exception_compliance or sla_compliance"),
            );
            continue;
        };
        let holds = match (b, c) {
            (Some(b), Some(c)) => match dir {
                Direction::LowerIsBetter => c <= b + 1e-9,
                Direction::HigherIsBetter => c + 1e-9 >= b,
            },
            // Not computable now but computable at the baseline is worse (unknown fails closed).
            (Some(_), None) => false,
            (None, _) => true,
        };
        out.push(RatchetDimension {
            dimension: d.clone(),
            baseline: b,
            current: c,
            better: if dir == Direction::LowerIsBetter { "lower" } else { "higher" },
            holds,
        });
    }
    out
}

/// The baseline gate: verify the baseline handoff (`opts.baseline`, default the newest package
/// in `.secfw/packages/`) against the trust policy, load its sealed ledger, and [`compare`].
/// A baseline that does not verify is refused ([`Error::Baseline`]), never used.
pub fn gate_new(dir: &Path, opts: &BaselineOptions) -> Result<BaselineReport, Error> {
    let base = load_baseline(dir, opts)?;
    let current = secfw_artifacts::load(dir, &LoadOptions::default())?;
    Ok(base.compare(&current, opts.now))
}

/// A baseline handoff that verified: its sealed workspace, when it was sealed, and which it is.
#[derive(Debug)]
#[non_exhaustive]
pub struct VerifiedBaseline {
    /// The sealed workspace (its ledger is what the baseline covers).
    pub workspace: LoadedWorkspace,
    /// When it was sealed (the instant its governance is evaluated at).
    pub sealed_at: DateTime<Utc>,
    /// Which handoff it is.
    pub reference: BaselineRef,
    /// The unpacked package, kept while the baseline is in use (its root is `workspace.root`).
    _staging: Option<tempfile::TempDir>,
}

impl VerifiedBaseline {
    /// [`compare`] `current` (at `now`) with this baseline, naming it in the report.
    pub fn compare(&self, current: &LoadedWorkspace, now: DateTime<Utc>) -> BaselineReport {
        let mut out = compare(current, &self.workspace, now, self.sealed_at);
        out.baseline = Some(self.reference.clone());
        out
    }
}

/// Find and verify the baseline handoff of the workspace at `dir` (`opts.baseline`, default
/// the newest package in `.secfw/packages/`) against the trust policy, and load its sealed
/// workspace. Anything short of a complete verification is [`Error::Baseline`] (`LC0301`).
pub fn load_baseline(dir: &Path, opts: &BaselineOptions) -> Result<VerifiedBaseline, Error> {
    secfw_artifacts::check_root(dir)?;
    let refuse = |d: Diagnostic| Error::Baseline { problems: vec![d] };
    let source = match &opts.baseline {
        Some(p) => p.clone(),
        None => secfw_seal::list_packages(dir).pop().ok_or_else(|| {
            refuse(
                Diagnostic::error(
                    codes::BASELINE_REFUSED,
                    secfw_seal::names::PACKAGES_DIR,
                    "no baseline given and this workspace has sealed no package",
                )
                .with_hint("pass --baseline PACKAGE.tar (or a sealed manifest directory), or seal and `secfw package` a handoff first"),
            )
        })?,
    };
    let project = secfw_seal::workspace_project(dir);
    if opts.require_project && project.is_none() {
        return Err(refuse(
            Diagnostic::error(
                codes::BASELINE_REFUSED,
                file_names::RULEBOOK,
                "the workspace has no project id, so a baseline sealed by another workspace could not be told apart",
            )
            .with_hint("add `project:` to rulebook.yaml (the handoff manifest needs it too)"),
        ));
    }
    // The policy must come from outside the workspace (whose content is being judged) and,
    // for a manifest directory, outside the baseline too: either is what an attacker who
    // controls it would plant. The one way to load a root of trust: a pin of this workspace
    // that cannot be read refuses.
    let trees: Vec<&Path> = if source.is_dir() { vec![dir, source.as_path()] } else { vec![dir] };
    let anchor = secfw_seal::load_pinned_anchor_outside(
        opts.trust.as_deref(),
        &trees,
        opts.trust_digest.as_deref(),
        opts.now,
        Some(dir),
    )
    .map_err(|e| seal_refused(&e))?;
    let mut vo = VerifyOptions::new(opts.now).require_git(!opts.no_git);
    // A baseline is history: its expiry does not matter, its signatures and content do.
    vo.allow_expired = true;
    vo.any_project = project.is_none();
    vo.expect_project = project;
    let mut staging = None;
    let (base_dir, report): (PathBuf, VerifyReport) = if source.is_dir() {
        let r = secfw_seal::verify_manifest(&source.join(secfw_seal::names::MANIFEST), &anchor.policy, &vo);
        (source.clone(), r)
    } else {
        let tmp = tempfile::Builder::new()
            .prefix(".secfw-baseline-")
            .tempdir()
            .map_err(|source| Error::Io { path: std::env::temp_dir(), source })?;
        let target = tmp.path().join("baseline");
        staging = Some(tmp);
        let r = secfw_seal::unpack(&source, &target, &anchor.policy, &vo).map_err(|e| seal_refused(&e))?;
        (target, r)
    };
    if !report.passed() {
        let mut problems = vec![
            Diagnostic::error(
                codes::BASELINE_REFUSED,
                source.display().to_string(),
                format!("the baseline does not verify: {}", report.failed_names().join(", ")),
            )
            .with_hint("a baseline must verify completely against the trust policy; choose another handoff"),
        ];
        problems.extend(report.diagnostics());
        return Err(Error::Baseline { problems });
    }
    let (Some(st), Some(seal)) = (report.statement.as_ref(), report.seal) else {
        return Err(refuse(Diagnostic::error(
            codes::BASELINE_REFUSED,
            source.display().to_string(),
            "the baseline has no statement (or no seal)",
        )));
    };
    let sealed_at =
        DateTime::parse_from_rfc3339(&st.predicate.issued_at).map(|t| t.with_timezone(&Utc)).map_err(|e| {
            refuse(Diagnostic::error(codes::BASELINE_REFUSED, source.display().to_string(), format!("issuedAt: {e}")))
        })?;
    let workspace = secfw_artifacts::load(&base_dir, &LoadOptions::default())?;
    Ok(VerifiedBaseline {
        workspace,
        sealed_at,
        reference: BaselineRef {
            source: source.display().to_string(),
            manifest_id: st.predicate.manifest_id.clone(),
            sequence: st.predicate.sequence,
            issued_at: st.predicate.issued_at.clone(),
            seal,
        },
        _staging: staging,
    })
}

fn seal_refused(e: &secfw_seal::Error) -> Error {
    let mut problems = vec![
        Diagnostic::error(codes::BASELINE_REFUSED, "baseline", format!("the baseline is refused: {e}")).with_hint(
            "a baseline must verify completely against the trust policy (--trust FILE from outside the workspace)",
        ),
    ];
    problems.extend(e.diagnostics());
    Error::Baseline { problems }
}

/// Whether a finding-based enforcement metric selects the counted finding `f`; `None` for the
/// metrics that count exceptions or scans (the baseline does not change those).
fn metric_selects(m: CountMetric, f: &secfw_governance::FindingEval) -> Option<bool> {
    Some(match m {
        CountMetric::CriticalFindingsCount => f.severity == Severity::Critical,
        CountMetric::HighFindingsCount => f.severity == Severity::High,
        CountMetric::MediumFindingsCount => f.severity == Severity::Medium,
        CountMetric::LowFindingsCount => f.severity == Severity::Low,
        CountMetric::OpenFindingsCount => true,
        CountMetric::OverdueFindingsCount => f.overdue,
        CountMetric::KevFindingsCount => f.kev,
        CountMetric::ExpiredExceptionsCount | CountMetric::FailedScansCount => return None,
    })
}

/// The baseline-aware Critical=0 criterion (rulebook `baseline.lifecycle_gates`): whether every
/// `block_handoff` enforcement rule holds when only findings that fail the baseline comparison
/// (new, worse, or never baselined) are counted, and why. Fails closed: a refused or missing
/// baseline (`baseline` is `Err`), a scan that failed or was incomplete since the baseline, or a baseline policy
/// error in the rulebook is unmet. A counted finding the comparison does not know counts.
pub fn lifecycle_criterion(
    gov: &GovernanceReport,
    ws: &LoadedWorkspace,
    baseline: Result<&BaselineReport, &[Diagnostic]>,
) -> (bool, String) {
    let report = match baseline {
        Ok(r) => r,
        Err(problems) => {
            let why: Vec<String> = problems.iter().take(5).map(ToString::to_string).collect();
            return (
                false,
                format!(
                    "{}: rulebook baseline.lifecycle_gates is on, but there is no usable baseline (the criterion fails closed):\n{}",
                    codes::BASELINE_REFUSED,
                    why.join("\n")
                ),
            );
        }
    };
    let closed: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && (d.code == codes::BASELINE_SCOPE_UNKNOWN || d.code == codes::BASELINE_POLICY))
        .map(ToString::to_string)
        .collect();
    let base =
        report.baseline.as_ref().map_or_else(String::new, |b| format!(" {} (sequence {})", b.source, b.sequence));
    if !closed.is_empty() {
        return (
            false,
            format!("baseline-aware against{base}, which cannot be used as it stands:\n{}", closed.join("\n")),
        );
    }
    let fails = |id: &str| {
        report.findings.iter().find(|f| f.finding_id == id && f.state != BaselineState::Absent).is_none_or(|f| f.fails)
    };
    let rb = ws.rulebook_or_default();
    let mut blocking = Vec::new();
    let baselined = gov.findings.iter().filter(|f| f.is_counted() && !fails(&f.finding_id)).count();
    for r in gov.rules.iter().filter(|r| r.blocks_handoff) {
        let Some(rule) = rb.enforcement.get(r.index) else { continue };
        let not_by_finding = matches!(r.metric, CountMetric::ExpiredExceptionsCount | CountMetric::FailedScansCount);
        let (count, listed) = if not_by_finding {
            (r.count, r.escalation.as_ref().map(|e| e.items.join(", ")).unwrap_or_default())
        } else {
            let items: Vec<&str> = gov
                .findings
                .iter()
                .filter(|f| f.is_counted() && metric_selects(r.metric, f) == Some(true))
                .map(|f| f.finding_id.as_str())
                .collect();
            let failing: Vec<&str> = items.iter().copied().filter(|id| fails(id)).collect();
            (failing.len() as u64, failing.join(", "))
        };
        if !rule.condition.holds(count) {
            blocking.push(format!(
                "{} {} violated by findings new or worse than the baseline (count {count}): {listed}",
                r.metric.as_str(),
                r.condition
            ));
        }
    }
    if blocking.is_empty() {
        (
            true,
            format!(
                "every block_handoff rule holds counting only findings new or worse than the baseline{base} ({baselined} baselined finding(s) not counted, {} excepted)",
                gov.counts.excepted_total()
            ),
        )
    } else {
        (false, format!("handoff blocked (baseline-aware against{base}):\n{}", blocking.join("\n")))
    }
}
