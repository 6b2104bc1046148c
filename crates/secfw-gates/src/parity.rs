//! Gate 3, `parity_coverage`: every inventory resource scanned successfully this cycle, policy
//! coverage at or above the rulebook minimum, no orphaned findings, every exception complete and
//! valid, every enforcement rule holding (with excepted findings counted and listed).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::file_names;
use secfw_artifacts::model::findings::{FindingStatus, ScanRecord, ScanStatus};
use secfw_artifacts::model::inventory::Resource;
use secfw_artifacts::{Diagnostic, path};

use crate::{GateContext, GateName, GateReport, codes};

/// Gate 3: parity and coverage.
#[derive(Clone, Copy, Debug, Default)]
pub struct ParityCoverage;

/// Most related locations attached to one diagnostic (the message carries the full count).
const MAX_RELATED: usize = 50;

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn scan_end(s: &ScanRecord) -> DateTime<Utc> {
    s.finished_at.unwrap_or(s.started_at).instant()
}

impl crate::Gate for ParityCoverage {
    fn name(&self) -> GateName {
        GateName::ParityCoverage
    }

    /// The checks in order (their diagnostics and statistics keep this order in the report).
    fn run(&self, ctx: &GateContext<'_>) -> GateReport {
        let mut d: Vec<Diagnostic> = Vec::new();
        let mut stats = serde_json::Map::new();
        missing_artifacts(ctx, &mut d);
        let scope = Scope::of(ctx);
        scan_coverage(ctx, &scope, &mut d, &mut stats);
        policy_coverage(ctx, &scope, &mut d, &mut stats);
        orphaned_findings(ctx, &scope, &mut d);
        let excepted = governance(ctx, &mut d, &mut stats);
        GateReport::new(GateName::ParityCoverage, d, excepted, stats, ctx.opts.strict)
    }
}

/// What the checks share: the inventory's resources, the ledger's scans (also by target) and the
/// policy ids.
struct Scope<'a> {
    resources: &'a [Resource],
    scans: &'a [ScanRecord],
    /// Scans by target, so each resource looks only at the scans that name it.
    scans_of: HashMap<&'a str, Vec<&'a ScanRecord>>,
    policy_ids: HashSet<&'a str>,
}

impl<'a> Scope<'a> {
    fn of(ctx: &GateContext<'a>) -> Self {
        let ws = ctx.ws;
        let resources = ws.inventory.as_ref().map_or(&[][..], |i| i.resources.as_slice());
        let scans = ws.findings.as_ref().map_or(&[][..], |f| f.scans.as_slice());
        let policy_ids: HashSet<&str> =
            ws.policies.as_ref().map(|m| m.policies.iter().map(|p| p.id.as_str()).collect()).unwrap_or_default();
        let mut scans_of: HashMap<&str, Vec<&ScanRecord>> = HashMap::new();
        for s in scans {
            for t in &s.targets {
                scans_of.entry(t.as_str()).or_default().push(s);
            }
        }
        Self { resources, scans, scans_of, policy_ids }
    }

    fn policy_exists(&self, p: &str) -> bool {
        self.policy_ids.contains(p)
    }
}

/// The four artifacts the gate reads must be there and parse: it fails closed.
fn missing_artifacts(ctx: &GateContext<'_>, d: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    for (name, present) in [
        (file_names::INVENTORY, ws.inventory.is_some()),
        (file_names::FINDINGS, ws.findings.is_some()),
        (file_names::POLICY_MAP, ws.policies.is_some()),
        (file_names::EXCEPTIONS, ws.exceptions.is_some()),
    ] {
        if !present {
            d.push(
                Diagnostic::error(
                    secfw_artifacts::codes::MISSING_ARTIFACT,
                    name,
                    format!("{name} is missing or does not parse, so coverage cannot be computed"),
                )
                .with_hint("fix the schema_lint errors first; this gate fails closed"),
            );
        }
    }
}

/// The window in which a scan counts as "this cycle".
#[derive(Clone, Copy)]
struct Cycle {
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    /// `gates.scan_max_age_days`.
    max_age_days: u32,
}

impl Cycle {
    fn of(ctx: &GateContext<'_>) -> Self {
        let max_age_days = ctx.ws.rulebook_or_default().gates.scan_max_age_days;
        let age = Duration::days(i64::from(max_age_days));
        let oldest = secfw_artifacts::add_saturating(ctx.now, -age);
        let since = ctx.opts.cycle_start.map_or(oldest, |c| c.max(oldest));
        Self { since, now: ctx.now, max_age_days }
    }

    fn contains(self, s: &ScanRecord) -> bool {
        let t = scan_end(s);
        t >= self.since && s.started_at.instant() <= self.now && t <= self.now
    }
}

/// Every resource scanned successfully this cycle by each expected scanner, and no failed scan
/// this cycle left standing.
fn scan_coverage(
    ctx: &GateContext<'_>,
    scope: &Scope<'_>,
    d: &mut Vec<Diagnostic>,
    stats: &mut serde_json::Map<String, serde_json::Value>,
) {
    let cycle = Cycle::of(ctx);
    let scan_index: HashMap<&str, usize> =
        scope.scans.iter().enumerate().rev().map(|(i, s)| (s.scan_id.as_str(), i)).collect();
    let mut reported_failed: HashSet<&str> = HashSet::new();
    let mut scanned_ok = 0usize;
    for (i, r) in scope.resources.iter().enumerate() {
        let tools: Vec<Option<&str>> = if r.expected_scanners.is_empty() {
            vec![None]
        } else {
            r.expected_scanners.iter().map(|s| Some(s.as_str())).collect()
        };
        let mut ok = true;
        let mine: &[&ScanRecord] = scope.scans_of.get(r.id.as_str()).map_or(&[], Vec::as_slice);
        for tool in tools {
            let by_tool = |s: &&ScanRecord| tool.is_none_or(|t| s.tool.eq_ignore_ascii_case(t));
            if mine.iter().copied().filter(by_tool).any(|s| s.status == ScanStatus::Success && cycle.contains(s)) {
                continue;
            }
            ok = false;
            let last_ok = mine
                .iter()
                .copied()
                .filter(by_tool)
                .filter(|s| s.status == ScanStatus::Success)
                .max_by_key(|s| scan_end(s));
            let failed = mine
                .iter()
                .copied()
                .filter(|s| by_tool(s) && s.status == ScanStatus::Failure)
                .max_by_key(|s| scan_end(s))
                .map(|s| (scan_index[s.scan_id.as_str()], s));
            let failed = failed.filter(|(_, s)| cycle.contains(s));
            if let Some((_, s)) = failed {
                reported_failed.insert(s.scan_id.as_str());
            }
            d.push(not_scanned(ctx, cycle, (i, r), tool, failed, last_ok));
        }
        scanned_ok += usize::from(ok);
    }
    unsuperseded_failures(ctx, scope, cycle, &reported_failed, d);
    incomplete_scans(ctx, scope, cycle, d);
    stats.insert("resources".into(), scope.resources.len().into());
    stats.insert("resources_scanned_this_cycle".into(), scanned_ok.into());
    stats.insert("cycle_since".into(), rfc(cycle.since).into());
}

/// Why resource `r` (the `i`th) has no successful scan by `tool` this cycle: its failed scan this
/// cycle (`failed`, with its index), else its last successful scan (`last_ok`), else none at all.
fn not_scanned(
    ctx: &GateContext<'_>,
    cycle: Cycle,
    (i, r): (usize, &Resource),
    tool: Option<&str>,
    failed: Option<(usize, &ScanRecord)>,
    last_ok: Option<&ScanRecord>,
) -> Diagnostic {
    let loc = &ctx.loc;
    let what = tool.map_or_else(|| "any scanner".to_owned(), |t| format!("`{t}`"));
    let here = || loc.pos(file_names::INVENTORY, &path!["resources", i, "id"]);
    let mut diag = if let Some((si, s)) = failed {
        Diagnostic::error(
            codes::SCAN_FAILED,
            file_names::INVENTORY,
            format!(
                "resource `{}`: scan `{}` by {what} failed{} and no successful scan covers it this cycle",
                r.id,
                s.scan_id,
                s.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
            ),
        )
        .at(here())
        .with_related(
            file_names::FINDINGS,
            loc.pos(file_names::FINDINGS, &path!["scans", si, "status"]),
            format!("scan `{}` failed", s.scan_id),
        )
        .with_hint("re-run the scanner and ingest its report; a failed scan never counts as scanned")
    } else if let Some(s) = last_ok {
        Diagnostic::error(
            codes::SCAN_OUTDATED,
            file_names::INVENTORY,
            format!(
                "resource `{}`: the last successful scan by {what} (`{}`, {}) is before this cycle (since {})",
                r.id,
                s.scan_id,
                rfc(scan_end(s)),
                rfc(cycle.since)
            ),
        )
        .at(here())
        .with_hint(format!(
            "scan it again; scans older than gates.scan_max_age_days ({}) or before the cycle started do not count",
            cycle.max_age_days
        ))
    } else {
        Diagnostic::error(
            codes::RESOURCE_NOT_SCANNED,
            file_names::INVENTORY,
            format!("resource `{}` has no successful scan by {what}", r.id),
        )
        .at(here())
        .with_hint(
            "run the scanner on it and ingest the report (`secfw ingest`), with the resource id in the scan's targets",
        )
    };
    diag.message.push_str(" [expected scanners: ");
    diag.message.push_str(&if r.expected_scanners.is_empty() {
        "any".to_owned()
    } else {
        r.expected_scanners.join(", ")
    });
    diag.message.push(']');
    diag
}

/// Failed scans this cycle that no later success of the same tool on the same targets supersedes
/// (even when their targets are not in the inventory) and that no resource reported: fail closed.
fn unsuperseded_failures(
    ctx: &GateContext<'_>,
    scope: &Scope<'_>,
    cycle: Cycle,
    reported_failed: &HashSet<&str>,
    d: &mut Vec<Diagnostic>,
) {
    for (si, s) in scope.scans.iter().enumerate().filter(|(_, s)| s.status == ScanStatus::Failure && cycle.contains(s))
    {
        let superseded = superseded(scope, s, |o| o.status == ScanStatus::Success && scan_end(o) >= scan_end(s));
        let reported = reported_failed.contains(s.scan_id.as_str());
        if !superseded && !reported {
            d.push(
                Diagnostic::error(
                    codes::SCAN_FAILED,
                    file_names::FINDINGS,
                    format!(
                        "scan `{}` ({}) failed{} and was not re-run successfully",
                        s.scan_id,
                        s.tool,
                        s.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
                    ),
                )
                .at(ctx.loc.pos(file_names::FINDINGS, &path!["scans", si, "status"]))
                .with_hint("re-run the scanner and ingest its report; gates fail closed on scanner errors"),
            );
        }
    }
}

/// Whether every target of scan `s` is covered by a scan of the same tool that `later` accepts
/// (the one rule by which a later run supersedes a failed or partial one). A scan that names
/// no target is never superseded.
fn superseded(scope: &Scope<'_>, s: &ScanRecord, later: impl Fn(&ScanRecord) -> bool) -> bool {
    !s.targets.is_empty()
        && s.targets.iter().all(|t| {
            scope
                .scans_of
                .get(t.as_str())
                .is_some_and(|v| v.iter().any(|o| o.tool.eq_ignore_ascii_case(&s.tool) && later(o)))
        })
}

/// A scan this cycle that completed but skipped part of its report (ingest recorded
/// `incomplete:` classes): its resources count as scanned, yet what it skipped is unknown. A
/// warning (an error with `--strict`), unless a later complete run of the same tool covers
/// every one of its targets.
fn incomplete_scans(ctx: &GateContext<'_>, scope: &Scope<'_>, cycle: Cycle, d: &mut Vec<Diagnostic>) {
    for (si, s) in scope
        .scans
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status == ScanStatus::Success && !s.incomplete.is_empty() && cycle.contains(s))
    {
        let complete_later =
            |o: &ScanRecord| o.status == ScanStatus::Success && o.incomplete.is_empty() && scan_end(o) > scan_end(s);
        if superseded(scope, s, complete_later) {
            continue;
        }
        let classes: Vec<String> = s.incomplete.iter().map(|(c, why)| format!("{c} ({why})")).collect();
        d.push(
            Diagnostic::warning(
                codes::SCAN_INCOMPLETE,
                file_names::FINDINGS,
                format!(
                    "scan `{}` ({}) skipped part of its report: {}; the coverage of {} is partial",
                    s.scan_id,
                    s.tool,
                    classes.join("; "),
                    if s.targets.is_empty() { "its targets".to_owned() } else { s.targets.join(", ") }
                ),
            )
            .at(ctx.loc.pos(file_names::FINDINGS, &path!["scans", si, "incomplete"]))
            .with_hint(
                "fix what made ingest skip the items (the IN0101 warnings of that ingest) and re-run the scan; `--strict` fails on this",
            ),
        );
    }
}

/// Policy coverage (resources naming an existing policy) at or above `gates.policy_coverage_min`.
fn policy_coverage(
    ctx: &GateContext<'_>,
    scope: &Scope<'_>,
    d: &mut Vec<Diagnostic>,
    stats: &mut serde_json::Map<String, serde_json::Value>,
) {
    let loc = &ctx.loc;
    let min = ctx.ws.rulebook_or_default().gates.policy_coverage_min;
    let total = scope.resources.len();
    let uncovered: Vec<(usize, &str)> = scope
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.policies.iter().any(|p| scope.policy_exists(p)))
        .map(|(i, r)| (i, r.id.as_str()))
        .collect();
    let covered = total - uncovered.len();
    if total == 0 {
        if ctx.ws.inventory.is_some() {
            d.push(
                Diagnostic::error(
                    codes::NOTHING_IN_SCOPE,
                    file_names::INVENTORY,
                    "inventory.yaml lists no resources: coverage is undefined",
                )
                .at(loc.pos(file_names::INVENTORY, &path!["resources"]))
                .with_hint("list every system and resource in scope under `resources:`"),
            );
        }
        return;
    }
    let pct = covered as f64 * 100.0 / total as f64;
    let formula =
        format!("policy coverage = covered resources / total resources × 100 = {covered} / {total} × 100 = {pct:.1}%");
    stats.insert("policy_coverage".into(), serde_json::json!({
        "covered": covered, "total": total, "percent": (pct * 10.0).round() / 10.0, "min_percent": min, "formula": formula,
    }));
    // Exact comparison without rounding: covered × 100 ≥ min × total.
    if (covered as f64) * 100.0 < min * total as f64 {
        let mut diag = Diagnostic::error(
            codes::COVERAGE_BELOW_MIN,
            file_names::INVENTORY,
            format!(
                "{formula}, below the minimum of {min}% (gates.policy_coverage_min); {} resource(s) have no policy",
                uncovered.len()
            ),
        )
        .at(loc.pos(file_names::INVENTORY, &path!["resources"]))
        .with_related(
            file_names::RULEBOOK,
            loc.pos(file_names::RULEBOOK, &path!["gates", "policy_coverage_min"]),
            format!("minimum {min}%"),
        )
        .with_hint("give the uncovered resources a `policies:` entry naming a policy in policy_map.md");
        for (i, id) in uncovered.iter().take(MAX_RELATED) {
            diag = diag.with_related(
                file_names::INVENTORY,
                loc.pos(file_names::INVENTORY, &path!["resources", *i, "id"]),
                format!("`{id}` has no policy"),
            );
        }
        d.push(diag);
    }
}

/// Open or accepted findings must affect an inventory resource and map to a policy.
fn orphaned_findings(ctx: &GateContext<'_>, scope: &Scope<'_>, d: &mut Vec<Diagnostic>) {
    let (ws, loc) = (ctx.ws, &ctx.loc);
    let Some(ff) = &ws.findings else { return };
    let resource_ids: HashSet<&str> = scope.resources.iter().map(|r| r.id.as_str()).collect();
    for (i, f) in ff.findings.iter().enumerate() {
        if !matches!(f.status, FindingStatus::Open | FindingStatus::Accepted) {
            continue;
        }
        let in_scope = f.affected_resources.iter().any(|a| resource_ids.contains(a.resource_id.as_str()));
        if !in_scope && ws.inventory.is_some() {
            let ids: Vec<&str> = f.affected_resources.iter().map(|a| a.resource_id.as_str()).collect();
            d.push(
                Diagnostic::error(
                    codes::ORPHAN_FINDING_RESOURCE,
                    file_names::FINDINGS,
                    format!("finding `{}` affects [{}], none of which is in inventory.yaml", f.finding_id, ids.join(", ")),
                )
                .at(loc.pos(file_names::FINDINGS, &path!["findings", i, "affected_resources"]))
                .with_hint("add the resource to inventory.yaml (it is in scope and unaccounted for) or correct the resource_id"),
            );
        }
        if !f.governance.policy_refs.iter().any(|p| scope.policy_exists(p)) && ws.policies.is_some() {
            d.push(
                Diagnostic::error(
                    codes::ORPHAN_FINDING_POLICY,
                    file_names::FINDINGS,
                    format!("finding `{}` maps to no policy in policy_map.md", f.finding_id),
                )
                .at(loc.pos_any(
                    file_names::FINDINGS,
                    &[path!["findings", i, "governance", "policy_refs"], path!["findings", i, "governance"]],
                ))
                .with_hint("add `policy_refs: [POL-NNN]` under the finding's governance"),
            );
        }
    }
}

/// Governance's own diagnostics (exceptions, enforcement rules), a note per excepted finding, and
/// the counts; returns the excepted findings.
fn governance(
    ctx: &GateContext<'_>,
    d: &mut Vec<Diagnostic>,
    stats: &mut serde_json::Map<String, serde_json::Value>,
) -> Vec<crate::ExceptedFinding> {
    d.extend(ctx.governance.diagnostics.iter().cloned());
    let excepted = crate::excepted_of(ctx);
    // Notes are located by a line scan for `finding_id:` (cheap), not by a YAML source map,
    // which would re-parse a large ledger just to place notes.
    let lines =
        if excepted.is_empty() { HashMap::new() } else { finding_lines(ctx.ws.sources.get(file_names::FINDINGS)) };
    for x in &excepted {
        d.push(
            Diagnostic::note(
                codes::EXCEPTED_FINDING,
                file_names::FINDINGS,
                format!(
                    "{} finding `{}` is excepted by {} (valid until {})",
                    x.severity,
                    x.finding_id,
                    x.exception,
                    rfc(x.exception_expires_at)
                ),
            )
            .at(lines.get(x.finding_id.as_str()).copied()),
        );
    }
    let c = &ctx.governance.counts;
    stats.insert("findings_counted".into(), c.open.values().sum::<u64>().into());
    stats.insert("findings_excepted".into(), c.excepted_total().into());
    stats.insert("exceptions_expired".into(), c.expired_exceptions.into());
    stats.insert("handoff_blocked".into(), ctx.governance.handoff_blocked().into());
    excepted
}

/// Line and column of each `finding_id` value in the ledger text (`finding_id: X`,
/// `finding_id: "X"`, `"finding_id": "X"`), first occurrence wins.
fn finding_lines(src: Option<&secfw_artifacts::SourceFile>) -> HashMap<&str, secfw_artifacts::Pos> {
    let mut out = HashMap::new();
    let Some(src) = src else { return out };
    for (n, line) in src.text.lines().enumerate() {
        let Some((_, after_key)) = line.split_once("finding_id") else { continue };
        let rest = after_key.trim_start_matches('"').trim_start();
        let Some(rest) = rest.strip_prefix(':') else { continue };
        let value = rest.trim_start();
        let v = value.trim_end().trim_end_matches(',').trim_matches(['"', '\'']);
        if !v.is_empty() {
            let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
            let col = u32::try_from(line.chars().count() - value.chars().count() + 1).unwrap_or(1);
            out.entry(v).or_insert(secfw_artifacts::Pos::new(line_no, col));
        }
    }
    out
}
