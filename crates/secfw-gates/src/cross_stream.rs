//! Gate 2, `cross_stream_consistency`: the artifacts agree with each other. Every mismatch names
//! both sides (the diagnostic's location and a related location).

use std::collections::{HashMap, HashSet};

use secfw_artifacts::file_names;
use secfw_artifacts::{Diagnostic, path};

use crate::{GateContext, GateName, GateReport, codes};

/// Gate 2: cross-artifact consistency.
#[derive(Clone, Copy, Debug, Default)]
pub struct CrossStreamConsistency;

impl crate::Gate for CrossStreamConsistency {
    fn name(&self) -> GateName {
        GateName::CrossStreamConsistency
    }

    fn run(&self, ctx: &GateContext<'_>) -> GateReport {
        let mut d = Vec::new();
        let mut stats = serde_json::Map::new();
        fail_closed(ctx, &mut d);
        findings_vs_exceptions(ctx, &mut d);
        policy_refs(ctx, &mut d);
        tags(ctx, &mut d);
        lifecycle(ctx, &mut d);
        scans_and_history(ctx, &mut d);
        let pairs = d.iter().filter(|x: &&Diagnostic| !x.related.is_empty()).count();
        stats.insert("mismatched_pairs".into(), pairs.into());
        GateReport::new(GateName::CrossStreamConsistency, d, crate::excepted_of(ctx), stats, ctx.opts.strict)
    }
}

/// An artifact this gate needs is missing or unparseable: the gate cannot vouch for it.
fn fail_closed(ctx: &GateContext<'_>, d: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    for (name, present) in [
        (file_names::FINDINGS, ws.findings.is_some()),
        (file_names::POLICY_MAP, ws.policies.is_some()),
        (file_names::EXCEPTIONS, ws.exceptions.is_some()),
        (file_names::RULEBOOK, ws.rulebook.is_some()),
        (file_names::INVENTORY, ws.inventory.is_some()),
    ] {
        if !present {
            d.extend(ws.diagnostics.iter().filter(|x| x.file == name && x.is_error()).cloned());
            if !ws.diagnostics.iter().any(|x| x.file == name && x.is_error()) {
                d.push(
                    Diagnostic::error(
                        secfw_artifacts::codes::MISSING_ARTIFACT,
                        name,
                        format!("{name} could not be read, so consistency cannot be checked"),
                    )
                    .with_hint("fix the schema_lint errors first"),
                );
            }
        }
    }
}

fn findings_vs_exceptions(ctx: &GateContext<'_>, d: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    let loc = &ctx.loc;
    let Some(ff) = &ws.findings else { return };
    let reg = ws.exceptions.as_ref();
    let exc_by_id: HashMap<&str, &secfw_artifacts::Exception> =
        reg.map(|g| g.exceptions.iter().rev().map(|e| (e.id.as_str(), e)).collect()).unwrap_or_default();
    // Hashed, not ordered: a million ids are only looked up (an ordered map compares strings
    // at every level of the tree, cache misses each).
    let mut ids: HashMap<&str, usize> = HashMap::with_capacity(ff.findings.len());
    for (i, f) in ff.findings.iter().enumerate() {
        if let Some(first) = ids.insert(f.finding_id.as_str(), i) {
            d.push(
                Diagnostic::error(
                    codes::DUPLICATE_FINDING_ID,
                    file_names::FINDINGS,
                    format!("finding id `{}` is used by two findings", f.finding_id),
                )
                .at(loc.pos(file_names::FINDINGS, &path!["findings", i, "finding_id"]))
                .with_related(
                    file_names::FINDINGS,
                    loc.pos(file_names::FINDINGS, &path!["findings", first, "finding_id"]),
                    "first used here",
                )
                .with_hint("finding ids are unique and never reused"),
            );
        }
        let Some(r) = &f.governance.exception_ref else { continue };
        let here = || loc.pos(file_names::FINDINGS, &path!["findings", i, "governance", "exception_ref"]);
        match exc_by_id.get(r.as_str()) {
            None => d.push(
                Diagnostic::error(
                    codes::DANGLING_EXCEPTION_REF,
                    file_names::FINDINGS,
                    format!("finding `{}`: exception_ref `{r}` names no exception in exceptions.md", f.finding_id),
                )
                .at(here())
                .with_hint(format!("add `### {r}: ...` to exceptions.md, or correct or remove the reference")),
            ),
            Some(e) => {
                if !f.governance.policy_refs.contains(&e.policy) {
                    d.push(
                        Diagnostic::error(
                            codes::EXCEPTION_POLICY_MISMATCH,
                            file_names::FINDINGS,
                            format!(
                                "finding `{}` references {r}, which excepts {}, but the finding's policy_refs are [{}]",
                                f.finding_id,
                                e.policy,
                                f.governance.policy_refs.join(", ")
                            ),
                        )
                        .at(here())
                        .with_related(file_names::EXCEPTIONS, e.spans.field("policy"), format!("{r} excepts {}", e.policy))
                        .with_hint(format!(
                            "an exception only covers findings of its policy: add {} to the finding's governance.policy_refs if it applies, or reference the right exception",
                            e.policy
                        )),
                    );
                }
            }
        }
    }
    let Some(reg) = reg else { return };
    for e in &reg.exceptions {
        for fid in &e.findings {
            match ids.get(fid.as_str()).copied() {
                None => d.push(
                    Diagnostic::error(
                        codes::EXCEPTION_UNKNOWN_FINDING,
                        file_names::EXCEPTIONS,
                        format!("{} lists finding `{fid}`, which is not in sec_findings.yaml", e.id),
                    )
                    .at(e.spans.field("findings"))
                    .with_hint("correct the id or remove it from `**Findings**`"),
                ),
                Some(i) => {
                    let f = &ff.findings[i];
                    if f.governance.exception_ref.as_deref() != Some(e.id.as_str()) {
                        let other = f
                            .governance
                            .exception_ref
                            .as_deref()
                            .map_or_else(|| "has no exception_ref".to_owned(), |o| format!("references {o}"));
                        d.push(
                            Diagnostic::error(
                                codes::EXCEPTION_FINDING_DISAGREE,
                                file_names::EXCEPTIONS,
                                format!("{} lists finding `{fid}`, but that finding {other}", e.id),
                            )
                            .at(e.spans.field("findings"))
                            .with_related(
                                file_names::FINDINGS,
                                loc.pos(file_names::FINDINGS, &path!["findings", i, "governance"]),
                                format!("finding `{fid}` {other}"),
                            )
                            .with_hint(format!("set the finding's governance.exception_ref to {}", e.id)),
                        );
                    }
                }
            }
        }
    }
}

fn policy_refs(ctx: &GateContext<'_>, d: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    let loc = &ctx.loc;
    let Some(pm) = &ws.policies else { return };
    let ids: HashSet<&str> = pm.policies.iter().map(|p| p.id.as_str()).collect();
    let exists = |p: &str| ids.contains(p);
    let known = || pm.policies.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ");
    if let Some(ff) = &ws.findings {
        for (i, f) in ff.findings.iter().enumerate() {
            for (j, p) in f.governance.policy_refs.iter().enumerate() {
                if !exists(p) {
                    d.push(
                        Diagnostic::error(
                            codes::UNKNOWN_POLICY,
                            file_names::FINDINGS,
                            format!(
                                "finding `{}` references policy {p}, which policy_map.md does not define",
                                f.finding_id
                            ),
                        )
                        .at(loc.pos(file_names::FINDINGS, &path!["findings", i, "governance", "policy_refs", j]))
                        .with_hint(format!("use one of [{}] or add `### {p}: ...` to policy_map.md", known())),
                    );
                }
            }
        }
    }
    if let Some(inv) = &ws.inventory {
        for (i, r) in inv.resources.iter().enumerate() {
            for (j, p) in r.policies.iter().enumerate() {
                if !exists(p) {
                    d.push(
                        Diagnostic::error(
                            codes::UNKNOWN_POLICY,
                            file_names::INVENTORY,
                            format!("resource `{}` references policy {p}, which policy_map.md does not define", r.id),
                        )
                        .at(loc.pos(file_names::INVENTORY, &path!["resources", i, "policies", j]))
                        .with_hint(format!("use one of [{}] or add `### {p}: ...` to policy_map.md", known())),
                    );
                }
            }
        }
    }
    if let Some(reg) = &ws.exceptions {
        for e in &reg.exceptions {
            if !exists(&e.policy) {
                d.push(
                    Diagnostic::error(
                        codes::UNKNOWN_POLICY,
                        file_names::EXCEPTIONS,
                        format!("{} excepts policy {}, which policy_map.md does not define", e.id, e.policy),
                    )
                    .at(e.spans.field("policy"))
                    .with_hint(format!("use one of [{}]", known())),
                );
            }
        }
    }
}

fn tags(ctx: &GateContext<'_>, d: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    let loc = &ctx.loc;
    let rb = ws.rulebook_or_default();
    d.extend(secfw_governance::check_ledger_tags(loc));
    let spelled = |t: &str| rb.taxonomy.iter().find(|x| x.name != t && x.name.eq_ignore_ascii_case(t));
    if let Some(inv) = &ws.inventory {
        for (i, r) in inv.resources.iter().enumerate() {
            for (j, t) in r.tags.iter().enumerate() {
                if let Some(x) = spelled(t) {
                    d.push(
                        Diagnostic::error(
                            codes::TAG_SPELLING,
                            file_names::INVENTORY,
                            format!("resource `{}`: tag `{t}` is spelled `{}` in the taxonomy", r.id, x.name),
                        )
                        .at(loc.pos(file_names::INVENTORY, &path!["resources", i, "tags", j]))
                        .with_related(file_names::RULEBOOK, None, format!("taxonomy tag `{}`", x.name))
                        .with_hint(format!("write `{}` (tags are case-sensitive)", x.name)),
                    );
                }
            }
        }
    }
    if let Some(pm) = &ws.policies {
        for p in &pm.policies {
            for t in &p.tags {
                if let Some(x) = spelled(t) {
                    d.push(
                        Diagnostic::error(
                            codes::TAG_SPELLING,
                            file_names::POLICY_MAP,
                            format!("{}: tag `{t}` is spelled `{}` in the taxonomy", p.id, x.name),
                        )
                        .at(p.spans.field("tags"))
                        .with_hint(format!("write `{}` (tags are case-sensitive)", x.name)),
                    );
                }
            }
        }
    }
    // A finding's taxonomy tags must also be on every affected resource the inventory lists.
    let (Some(ff), Some(inv)) = (&ws.findings, &ws.inventory) else { return };
    let res_index: HashMap<&str, usize> =
        inv.resources.iter().enumerate().rev().map(|(i, r)| (r.id.as_str(), i)).collect();
    for (i, f) in ff.findings.iter().enumerate() {
        for (j, t) in f.governance.tags.iter().enumerate() {
            if rb.tag(t).is_none() {
                continue;
            }
            for a in &f.affected_resources {
                let Some(&ri) = res_index.get(a.resource_id.as_str()) else { continue };
                let r = &inv.resources[ri];
                if !r.tags.contains(t) {
                    d.push(
                        Diagnostic::error(
                            codes::TAG_NOT_ON_RESOURCE,
                            file_names::FINDINGS,
                            format!(
                                "finding `{}` is tagged `{t}` but its resource `{}` is not (resource tags: [{}])",
                                f.finding_id,
                                r.id,
                                r.tags.join(", ")
                            ),
                        )
                        .at(loc.pos(file_names::FINDINGS, &path!["findings", i, "governance", "tags", j]))
                        .with_related(
                            file_names::INVENTORY,
                            loc.pos(file_names::INVENTORY, &path!["resources", ri, "tags"]),
                            format!("resource `{}` tags", r.id),
                        )
                        .with_hint(format!(
                            "add `{t}` to the resource's tags in inventory.yaml if it handles such data, or remove the tag from the finding"
                        )),
                    );
                }
            }
        }
    }
}

fn lifecycle(ctx: &GateContext<'_>, d: &mut Vec<Diagnostic>) {
    let ws = ctx.ws;
    let loc = &ctx.loc;
    let ledger = ws.findings.as_ref().map(|f| f.metadata.lifecycle_state);
    let ledger_pos = || loc.pos(file_names::FINDINGS, &path!["metadata", "lifecycle_state"]);
    let map = ws.policies.as_ref().and_then(|p| p.metadata.state.map(|s| (s, p.metadata.spans.field("state"))));
    if let (Some(a), Some((b, bpos))) = (ledger, map)
        && a != b
    {
        d.push(
            Diagnostic::error(
                codes::LIFECYCLE_STATE_MISMATCH,
                file_names::FINDINGS,
                format!("sec_findings.yaml says lifecycle state {a}, policy_map.md says {b}"),
            )
            .at(ledger_pos())
            .with_related(file_names::POLICY_MAP, bpos, format!("State: {b}"))
            .with_hint("the artifacts of one cycle carry one state; update the stale one"),
        );
    }
    if ctx.opts.allowed_states.is_empty() {
        return;
    }
    let allowed = ctx.opts.allowed_states.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ");
    let log = ".secfw/events.jsonl";
    if let Some(a) = ledger.filter(|a| !ctx.opts.allowed_states.contains(a)) {
        d.push(
            Diagnostic::error(
                codes::LIFECYCLE_STATE_MISMATCH,
                file_names::FINDINGS,
                format!("sec_findings.yaml says lifecycle state {a}, but the event log allows {allowed}"),
            )
            .at(ledger_pos())
            .with_related(log, None, format!("event log: {allowed}"))
            .with_hint("the event log is authoritative (`secfw status`); set metadata.lifecycle_state to match"),
        );
    }
    if let Some((b, bpos)) = map.filter(|(b, _)| !ctx.opts.allowed_states.contains(b)) {
        d.push(
            Diagnostic::error(
                codes::LIFECYCLE_STATE_MISMATCH,
                file_names::POLICY_MAP,
                format!("policy_map.md says state {b}, but the event log allows {allowed}"),
            )
            .at(bpos)
            .with_related(log, None, format!("event log: {allowed}"))
            .with_hint("the event log is authoritative (`secfw status`); update `- State:` to match"),
        );
    }
}

fn scans_and_history(ctx: &GateContext<'_>, d: &mut Vec<Diagnostic>) {
    let loc = &ctx.loc;
    let Some(ff) = &ctx.ws.findings else { return };
    let scan_ids: HashSet<&str> = ff.scans.iter().map(|s| s.scan_id.as_str()).collect();
    let finding_ids: HashSet<&str> = ff.findings.iter().map(|f| f.finding_id.as_str()).collect();
    for (i, f) in ff.findings.iter().enumerate() {
        if let Some(sid) = f.source.as_ref().and_then(|s| s.scan_id.as_deref())
            && !scan_ids.contains(sid)
        {
            d.push(
                Diagnostic::error(
                    codes::UNKNOWN_SCAN,
                    file_names::FINDINGS,
                    format!("finding `{}`: source.scan_id `{sid}` names no scan record", f.finding_id),
                )
                .at(loc.pos(file_names::FINDINGS, &path!["findings", i, "source", "scan_id"]))
                .with_hint("add the scan record under `scans:` (secfw ingest writes it) or correct the id"),
            );
        }
        if let Some(old) = &f.supersedes
            && !finding_ids.contains(old.as_str())
        {
            d.push(
                Diagnostic::error(
                    codes::UNKNOWN_SUPERSEDED,
                    file_names::FINDINGS,
                    format!("finding `{}` supersedes `{old}`, which is not in the ledger", f.finding_id),
                )
                .at(loc.pos(file_names::FINDINGS, &path!["findings", i, "supersedes"]))
                .with_hint("keep resolved findings in the ledger: ids are never reused or removed"),
            );
        }
    }
}
