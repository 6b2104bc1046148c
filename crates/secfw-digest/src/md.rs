//! `digest.md`: the seed §2.5 layout in CommonMark + GFM tables, every user-supplied text
//! escaped.
#![allow(clippy::many_single_char_names)] // geometry and renderer locals (x, y, w, h, s) read best short

use std::fmt::Write as _;

use chrono::{DateTime, Timelike, Utc};
use secfw_artifacts::Severity;
use secfw_artifacts::escape_markdown_inline;
use secfw_metrics::StandardState;
use secfw_metrics::trim_num;
use secfw_metrics::{KpiId, KpiReport, Trend, Unit, Verdict};

/// A period boundary as people read it: the date alone at midnight, else date and time (UTC).
pub(crate) fn when(t: DateTime<Utc>) -> String {
    if t.num_seconds_from_midnight() == 0 && t.nanosecond() == 0 {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

/// "(↑ 3 from last period)" or "(no trend)".
fn change(t: &Trend, unit: Unit) -> String {
    match (t.verdict, t.delta) {
        (Verdict::NoTrend, _) | (_, None) => "(no trend: no previous snapshot)".to_owned(),
        (Verdict::Unchanged, _) => "(→ unchanged from last period)".to_owned(),
        (_, Some(d)) => {
            let u = match unit {
                Unit::Days => " days",
                Unit::Percent => " pp",
                Unit::Score => "",
                Unit::Hours => " hours",
                _ => unit.suffix(),
            };
            format!("({} {}{u} from last period)", t.arrow.as_str(), trim_num(d.abs()))
        }
    }
}

/// Render `digest.md`.
#[expect(clippy::too_many_lines, reason = "renderer: digest.md written top to bottom, section by section")]
pub fn render(report: &KpiReport) -> String {
    let m = &report.metrics;
    let f = &m.findings;
    let mut s = String::new();
    let e = escape_markdown_inline;
    s.push_str("# Security & Compliance Digest\n\n");
    let _ = writeln!(s, "## Period: {} to {}\n", when(m.period.start), when(m.period.end));
    let mut meta = Vec::new();
    if let Some(p) = &report.project {
        meta.push(format!("Project: **{}**", e(p)));
    }
    meta.push(format!("Cycle: `{}`", report.cycle));
    meta.push(format!("Generated: {}", when(report.generated_at)));
    meta.push(match &report.previous {
        Some(p) => format!("Compared with cycle `{}`", p.cycle),
        None => "No previous snapshot: no trends yet".to_owned(),
    });
    let _ = writeln!(s, "{}\n", meta.join(" · "));

    // Executive summary.
    s.push_str("### Executive Summary\n\n");
    let risk = report.trend(KpiId::RiskScore);
    let _ = writeln!(
        s,
        "- **Overall Risk Score**: {:.1}/100 {} — lower is better",
        m.risk.score,
        change(&risk, Unit::Score)
    );
    let crit = f.critical();
    let crit_note = if crit == 0 {
        "compliant with Critical=0 rule".to_owned()
    } else {
        "**violates the Critical=0 rule**: handoff is blocked".to_owned()
    };
    let excepted_crit = f.excepted_by_severity.get(&Severity::Critical).copied().unwrap_or(0);
    let exc_note =
        if excepted_crit > 0 { format!("; {excepted_crit} more under a valid exception") } else { String::new() };
    let _ = writeln!(s, "- **Critical Findings**: {crit} ({crit_note}{exc_note})");
    let _ = writeln!(
        s,
        "- **Active Exceptions**: {} {}",
        m.exceptions.valid,
        change(&report.count_trend("active_exceptions"), Unit::Score)
    );
    let targeted: Vec<_> = m.kpis.iter().filter(|k| k.target.is_some()).collect();
    let met = targeted.iter().filter(|k| k.status == secfw_metrics::KpiStatus::Met).count();
    let missed = targeted.iter().filter(|k| k.status == secfw_metrics::KpiStatus::Missed).count();
    let _ = writeln!(
        s,
        "- **KPIs on target**: {met} of {} ({missed} missed, {} n/a)",
        targeted.len(),
        targeted.len() - met - missed
    );
    if !m.actions.blocked.is_empty() {
        let _ = writeln!(s, "- **Blocked actions**: {}", m.actions.blocked.len());
    }
    s.push('\n');

    // KPI table.
    s.push_str("### Key Performance Indicators\n\n");
    s.push_str("| KPI | Current | Target | Trend | Status |\n|-----|---------|--------|-------|--------|\n");
    for k in &m.kpis {
        let t = report.trend(k.id);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            k.id.name(),
            k.display_value(),
            k.display_target(),
            t.display(k.unit),
            status_word(k.status)
        );
    }
    s.push('\n');
    let notes: Vec<_> = m.kpis.iter().filter_map(|k| k.note.as_ref().map(|n| (k.id, n))).collect();
    for (id, n) in &notes {
        let _ = writeln!(s, "- {}: n/a because {}", e(id.name()), e(n));
    }
    if !notes.is_empty() {
        s.push('\n');
    }

    // MTTR per severity.
    s.push_str("#### MTTR by severity\n\n");
    s.push_str(
        "| Severity | Resolved | Mean | Median | p90 | SLA |\n|----------|----------|------|--------|-----|-----|\n",
    );
    let d = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |x| format!("{} days", trim_num(x)));
    for sev in Severity::ALL {
        let st = m.mttr.by_severity.get(&sev).copied().unwrap_or_default();
        let sla = m.sla.sla_days.get(&sev).copied().unwrap_or(0);
        let _ =
            writeln!(s, "| {sev} | {} | {} | {} | {} | {sla} days |", st.count, d(st.mean), d(st.median), d(st.p90));
    }
    let o = m.mttr.overall;
    let _ = writeln!(s, "| **all** | {} | {} | {} | {} | — |\n", o.count, d(o.mean), d(o.median), d(o.p90));

    // Findings summary.
    s.push_str("### Findings Summary\n\n");
    let _ = writeln!(s, "- New findings: {}", f.new);
    let _ = writeln!(s, "- Resolved: {}", f.resolved);
    let _ = writeln!(s, "- Carry-forward: {}", f.carry_forward);
    let by: Vec<String> = Severity::ALL
        .into_iter()
        .map(|sev| format!("{} {sev}", f.open_by_severity.get(&sev).copied().unwrap_or(0)))
        .collect();
    let _ = writeln!(s, "- Open: {} {}", f.open, change(&report.count_trend("open"), Unit::Score));
    let counted: u64 = f.open_by_severity.values().sum();
    let _ = writeln!(s, "  - Counted against the rules: {counted} ({})", by.join(", "));
    let _ = writeln!(s, "  - Under a valid exception (shown, not hidden): {}", f.excepted());
    let _ = writeln!(s, "  - Past their due date: {}", f.overdue());
    if f.accepted + f.false_positive > 0 {
        let _ = writeln!(s, "- Risk accepted: {} · False positives: {}", f.accepted, f.false_positive);
    }
    s.push('\n');

    // Compliance status.
    s.push_str("### Compliance Status\n\n");
    if m.standards.is_empty() {
        s.push_str("- No compliance standards are referenced by the policies, inventory or findings.\n");
    }
    for st in &m.standards {
        let exc = if st.excepted > 0 { format!(" ({} excepted)", st.excepted) } else { String::new() };
        let line = match st.state {
            StandardState::Compliant => format!("✓ Compliant{exc}"),
            StandardState::Gaps => format!("⚠ {} minor gap(s) identified{exc}", st.open),
            StandardState::AtRisk => {
                format!("✗ At risk: {} open finding(s), {} critical or high{exc}", st.open, st.severe)
            }
            // A state this renderer does not know is never shown as compliant.
            _ => format!("✗ Unknown state: {} open finding(s){exc}", st.open),
        };
        let _ = writeln!(s, "- {}: {line}", e(&st.standard));
    }
    s.push('\n');

    // The specification.
    if let Some(sp) = &report.spec {
        s.push_str("### Security & Compliance Specification\n\n");
        let review = match (&sp.review_due, sp.review_overdue) {
            (Some(d), true) => format!("⚠ review overdue since {d}"),
            (Some(d), false) => format!("next review due {d}"),
            (None, _) => "no valid review date".to_owned(),
        };
        let lint = if sp.lint_errors + sp.lint_warnings == 0 {
            "`secfw spec lint`: clean".to_owned()
        } else {
            format!("`secfw spec lint`: {} error(s), {} warning(s)", sp.lint_errors, sp.lint_warnings)
        };
        let _ = writeln!(
            s,
            "- **{}** (owner {}): status **{}**, last updated {}, {review}\n- {lint}\n",
            e(&sp.title),
            e(&sp.owner),
            e(&sp.status),
            e(&sp.last_updated)
        );
    }

    // Exceptions.
    s.push_str("### Exceptions\n\n");
    if m.exceptions.items.is_empty() {
        s.push_str("No active exceptions.\n\n");
    } else {
        s.push_str("| Exception | Policy | Valid until | Days left | State | Findings |\n");
        s.push_str("|-----------|--------|-------------|-----------|-------|----------|\n");
        for x in m.exceptions.items.iter().take(crate::MAX_LISTED) {
            let state = match (&x.reason, x.expiring_soon) {
                (Some(r), _) => format!("{}: {r}", x.state),
                (None, true) => format!("{}, expiring soon", x.state),
                (None, false) => x.state.to_string(),
            };
            let _ = writeln!(
                s,
                "| {}: {} | {} | {} | {} | {} | {} |",
                e(&x.id),
                e(&x.title),
                e(&x.policy),
                x.valid_until,
                x.days_left,
                e(&state),
                e(&x.findings.join(", "))
            );
        }
        if let Some(more) = m.exceptions.items.len().checked_sub(crate::MAX_LISTED).filter(|n| *n > 0) {
            let _ =
                writeln!(s, "\n… and {more} more (soonest expiry first; all are in digest.json and exceptions.md).");
        }
        s.push('\n');
    }

    // Escalations.
    if let Some(x) = &m.escalations {
        escalations_md(&mut s, x);
    }

    // Exploitation: freshness and "fix first" (once the ledger was enriched).
    let intel = crate::json::intel(report);
    if !intel.is_empty() {
        s.push_str("### Fix first\n\n");
        s.push_str("Exploitation data: ");
        let parts: Vec<String> = intel
            .iter()
            .map(|i| match (&i.data_date, i.age_days) {
                (Some(d), Some(a)) => format!(
                    "{} dated {d} ({a} day(s) old{})",
                    i.source.to_uppercase(),
                    if i.stale { ", **stale**" } else { "" }
                ),
                _ => format!("{} not checked", i.source.to_uppercase()),
            })
            .collect();
        let _ = writeln!(s, "{}.\n", parts.join("; "));
        if m.fix_first.is_empty() {
            s.push_str("- No open, unexcepted findings.\n\n");
        } else {
            s.push_str("Ordered by KEV listing, EPSS score, severity, then age. EPSS orders work; it never excepts a finding.\n\n");
            s.push_str("| # | Finding | Severity | KEV | EPSS | Age | Due | Why |\n|---|---------|----------|-----|------|-----|-----|-----|\n");
            for r in &m.fix_first {
                let FixFirstCells { kev, epss, age } = fix_first_cells(r);
                let _ = writeln!(
                    s,
                    "| {} | {}: {} | {} | {} | {} | {} | {} | {} |",
                    r.rank,
                    e(&r.finding_id),
                    e(&r.title),
                    r.severity.as_str(),
                    e(&kev),
                    epss,
                    age,
                    r.due,
                    e(&r.reason)
                );
            }
            s.push('\n');
        }
    }

    // Actions.
    s.push_str("### Actions\n\n");
    for (title, list) in
        [("Completed", &m.actions.completed), ("Pending", &m.actions.pending), ("Blocked", &m.actions.blocked)]
    {
        let _ = writeln!(s, "#### {title} ({})\n", list.len());
        if list.is_empty() {
            s.push_str("- None\n");
        }
        for a in list.iter().take(crate::MAX_LISTED) {
            let _ = writeln!(s, "- {}", e(&a.text));
        }
        if list.len() > crate::MAX_LISTED {
            let _ = writeln!(s, "- … and {} more (all are in digest.json)", list.len() - crate::MAX_LISTED);
        }
        s.push('\n');
    }

    // Formulas.
    s.push_str("### How these numbers are computed\n\n");
    s.push_str("| KPI | Formula | Inputs |\n|-----|---------|--------|\n");
    for k in &m.kpis {
        let _ = writeln!(s, "| {} | {} | {} |", e(k.id.name()), e(&k.formula), e(&k.inputs));
    }
    let _ = writeln!(
        s,
        "\nState (open findings, exceptions, overdue) is evaluated at {}. See docs/metrics.md.",
        when(m.as_of)
    );
    if !report.diagnostics.is_empty() {
        s.push_str("\n### Data problems\n\n");
        for d in &report.diagnostics {
            let at = d.line.map_or_else(String::new, |l| format!(":{l}"));
            let _ = writeln!(s, "- `{}` {}{at}: {}", d.code.as_str(), e(&d.file), e(&d.message));
        }
    }
    s
}

/// The escalations section: counts, time to acknowledge, one row per escalation.
/// The rule and state cells of an escalation row, unescaped (one wording for md and html): the
/// violated rule with its count, or "no longer violated"; the state with re-notification and
/// lateness.
/// The KEV, EPSS and age cells of a "fix first" row, worded once for md and html (plain text;
/// each renderer escapes them).
pub(crate) struct FixFirstCells {
    /// `due <date>[, ransomware]`, or `no`.
    pub(crate) kev: String,
    /// The EPSS score as a percentage (one decimal), or `n/a`.
    pub(crate) epss: String,
    /// `<n> d`, or `n/a`.
    pub(crate) age: String,
}

/// The cells of a "fix first" row (see [`FixFirstCells`]).
pub(crate) fn fix_first_cells(r: &secfw_metrics::FixFirst) -> FixFirstCells {
    FixFirstCells {
        kev: r.kev.as_ref().map_or_else(
            || "no".to_owned(),
            |k| format!("due {}{}", k.due_date, if k.known_ransomware { ", ransomware" } else { "" }),
        ),
        epss: r.epss.as_ref().map_or_else(|| "n/a".to_owned(), |x| format!("{:.1}%", x.score * 100.0)),
        age: r.age_days.map_or_else(|| "n/a".to_owned(), |a| format!("{a} d")),
    }
}

pub(crate) fn escalation_rule_and_state(i: &secfw_metrics::EscalationStatus) -> (String, String) {
    let rule = match (&i.rule, &i.condition, i.count) {
        (Some(r), Some(c), Some(n)) => format!("{r} {c} (count {n})"),
        _ => "no longer violated".to_owned(),
    };
    let mut state = i.state.as_str().to_owned();
    if let Some(r) = i.renotified_at {
        let _ = write!(state, ", next level told {}", when(r));
    }
    if i.acknowledged_late {
        state.push_str(", late");
    }
    (rule, state)
}

fn escalations_md(s: &mut String, x: &secfw_metrics::EscalationSummary) {
    let e = escape_markdown_inline;
    let h = |v: Option<f64>| Unit::Hours.format(v);
    s.push_str("### Escalations\n\n");
    let _ = writeln!(
        s,
        "- Overdue (not acknowledged within escalation_sla): {} · Open: {} · Acknowledged: {}",
        x.overdue, x.open, x.acknowledged
    );
    let _ = writeln!(
        s,
        "- Time to acknowledge: median {}, p90 {} over {} escalation(s) ({} still waiting, counted with their age)\n",
        h(x.median_hours),
        h(x.p90_hours),
        x.sample,
        x.sample_unacknowledged
    );
    if x.items.is_empty() {
        s.push_str("No escalations were notified.\n\n");
        return;
    }
    s.push_str("| Escalation | State | Rule | Notified | Acknowledge by | Acknowledged | Hours |\n");
    s.push_str("|------------|-------|------|----------|----------------|--------------|-------|\n");
    for i in x.items.iter().take(crate::MAX_LISTED) {
        let (rule, state) = escalation_rule_and_state(i);
        let acked = match (&i.acknowledged_by, i.acknowledged_at) {
            (Some(b), Some(t)) => format!("{} by {}", when(t), e(b)),
            _ => "—".to_owned(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            e(&i.id),
            e(&state),
            e(&rule),
            when(i.notified_at),
            i.deadline.map_or_else(|| "—".to_owned(), when),
            acked,
            i.hours_to_acknowledge.map_or_else(|| "—".to_owned(), trim_num)
        );
    }
    if x.items.len() > crate::MAX_LISTED {
        let _ = writeln!(s, "\n… and {} more (all are in digest.json).", x.items.len() - crate::MAX_LISTED);
    }
    s.push('\n');
}

fn status_word(s: secfw_metrics::KpiStatus) -> &'static str {
    match s {
        secfw_metrics::KpiStatus::Met => "✓ met",
        secfw_metrics::KpiStatus::Missed => "✗ missed",
        secfw_metrics::KpiStatus::NotAvailable => "n/a",
        secfw_metrics::KpiStatus::NoTarget => "— (lower is better)",
        // A status this renderer does not know is never shown as met.
        _ => "✗ unknown",
    }
}
