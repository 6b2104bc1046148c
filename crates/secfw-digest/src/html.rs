//! `digest.html`: one self-contained page (inline CSS and SVG, no scripts, no network).
#![allow(clippy::many_single_char_names)] // geometry and renderer locals (x, y, w, h, s) read best short

use std::fmt::Write as _;

use secfw_artifacts::Severity;
use secfw_governance::ExceptionState;
use secfw_metrics::StandardState;
use secfw_metrics::trim_num;
use secfw_metrics::{KpiId, KpiReport, KpiStatus, Verdict};

use crate::md::when;
use crate::svg::{self, Bar, SEVERITY_COLORS, Series, esc};

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;background:#f1f5f9;color:#0f172a;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
.wrap{max-width:1120px;margin:0 auto;padding:0 24px 48px}
header{background:linear-gradient(135deg,#0f172a 0%,#1e3a5f 100%);color:#fff;padding:32px 0 36px;margin-bottom:-28px}
header .wrap{display:flex;justify-content:space-between;align-items:center;gap:24px;padding-bottom:0}
header h1{margin:0 0 6px;font-size:28px;letter-spacing:-.02em}
header .sub{color:#cbd5e1;font-size:14px}
header .sub b{color:#fff}
.pill{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:600;line-height:20px;white-space:nowrap}
.ok{background:#dcfce7;color:#166534}.bad{background:#fee2e2;color:#991b1b}.na{background:#e2e8f0;color:#475569}.warn{background:#fef3c7;color:#92400e}
.tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:16px;margin-bottom:20px}
.tile,.card,.panel{background:#fff;border-radius:14px;box-shadow:0 1px 2px rgba(15,23,42,.06),0 4px 16px rgba(15,23,42,.06)}
.tile{padding:16px 18px}
.tile .k{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#64748b;font-weight:600}
.tile .v{font-size:30px;font-weight:700;margin-top:2px}
.tile .s{font-size:13px;color:#475569}
.tile.alert{border-top:4px solid #dc2626}.tile.good{border-top:4px solid #16a34a}.tile.neutral{border-top:4px solid #64748b}
h2{font-size:18px;margin:28px 0 12px;letter-spacing:-.01em}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:16px}
.card{padding:16px 18px;display:flex;flex-direction:column;gap:6px}
.card .name{font-size:13px;font-weight:600;color:#334155}
.card .val{font-size:24px;font-weight:700;letter-spacing:-.02em;white-space:nowrap}
.card svg.sparkline{flex:none;max-width:45%;height:auto}
.card .row{display:flex;justify-content:space-between;align-items:center;gap:8px;font-size:13px;color:#475569}
.card .inputs{font-size:12px;color:#64748b}
.up{color:#166534}.down{color:#b91c1c}.flat{color:#64748b}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.panel{padding:16px 18px}
.panel h3{margin:0 0 8px;font-size:15px}
.panel .hint{font-size:12px;color:#64748b;margin:0 0 8px}
.full{grid-column:1/-1}
svg.chart{width:100%;height:auto;display:block}
header svg.chart{width:220px;flex:none}
table{width:100%;border-collapse:collapse;font-size:14px}
th{text-align:left;color:#64748b;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em;border-bottom:1px solid #e2e8f0;padding:8px}
td{border-bottom:1px solid #f1f5f9;padding:8px;vertical-align:top}
.std{display:flex;flex-wrap:wrap;gap:10px}
.std div{background:#fff;border-radius:12px;padding:10px 14px;box-shadow:0 1px 2px rgba(15,23,42,.06);font-size:14px}
.std b{margin-right:8px}
.actions{display:grid;grid-template-columns:1fr 1.6fr 1fr;gap:16px;align-items:start}
.actions ul{margin:0;padding-left:18px;font-size:13px}
.actions li{margin:4px 0}
.actions .panel h3 span{color:#64748b;font-weight:500}
details{background:#fff;border-radius:14px;padding:12px 18px;margin-top:16px;box-shadow:0 1px 2px rgba(15,23,42,.06)}
summary{cursor:pointer;font-weight:600}
.empty{color:#64748b;font-size:13px}
footer{color:#64748b;font-size:12px;margin-top:28px}
@media (max-width:800px){.tiles{grid-template-columns:1fr 1fr}.grid2,.actions{grid-template-columns:1fr}}
@media print{body{background:#fff}header{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"#;

const KPI_COLORS: [(KpiId, &str); 7] = [
    (KpiId::Mttr, "#0ea5e9"),
    (KpiId::PolicyCoverage, "#16a34a"),
    (KpiId::ScanSuccessRate, "#2563eb"),
    (KpiId::EscapeRate, "#db2777"),
    (KpiId::ExceptionCompliance, "#9333ea"),
    (KpiId::SlaCompliance, "#0d9488"),
    (KpiId::RiskScore, "#dc2626"),
];

fn color_of(id: KpiId) -> &'static str {
    KPI_COLORS.iter().find(|(k, _)| *k == id).map_or("#64748b", |(_, c)| c)
}

fn status_pill(s: KpiStatus) -> &'static str {
    match s {
        KpiStatus::Met => "<span class=\"pill ok\">✓ on target</span>",
        KpiStatus::Missed => "<span class=\"pill bad\">✗ missed</span>",
        KpiStatus::NotAvailable => "<span class=\"pill na\">n/a</span>",
        KpiStatus::NoTarget => "<span class=\"pill na\">lower is better</span>",
        // A status this renderer does not know is never shown as met.
        _ => "<span class=\"pill bad\">✗ unknown</span>",
    }
}

/// Render `digest.html`.
#[expect(clippy::too_many_lines, reason = "renderer: digest.html written top to bottom, section by section")]
pub fn render(report: &KpiReport) -> String {
    let m = &report.metrics;
    let f = &m.findings;
    let mut s = String::with_capacity(64 * 1024);
    let project = report.project.as_deref().unwrap_or("Security programme");
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"secfw\">\n<title>Security &amp; Compliance Digest — {} — {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(project),
        esc(&report.cycle)
    );

    // Header with the risk gauge.
    let risk_t = report.trend(KpiId::RiskScore);
    let risk_label = match risk_t.verdict {
        Verdict::NoTrend => "risk score · no trend".to_owned(),
        _ => format!("risk score · {}", risk_t.display(secfw_metrics::Unit::Score)),
    };
    let compared = report.previous.as_ref().map_or_else(
        || "no previous snapshot: no trends yet".to_owned(),
        |p| format!("compared with cycle {}", p.cycle),
    );
    let _ = write!(
        s,
        "<header><div class=\"wrap\"><div><h1>Security &amp; Compliance Digest</h1><div class=\"sub\"><b>{}</b> · period {} to {} · cycle <b>{}</b> · {}</div></div>{}</div></header>\n<main class=\"wrap\">\n",
        esc(project),
        esc(&when(m.period.start)),
        esc(&when(m.period.end)),
        esc(&report.cycle),
        esc(&compared),
        svg::gauge("risk-gauge", m.risk.score, &risk_label)
    );

    // Tiles.
    let crit = f.critical();
    let targeted: Vec<_> = m.kpis.iter().filter(|k| k.target.is_some()).collect();
    let met = targeted.iter().filter(|k| k.status == KpiStatus::Met).count();
    let missed = targeted.iter().filter(|k| k.status == KpiStatus::Missed).count();
    let na = targeted.len() - met - missed;
    let tile = |s: &mut String, class: &str, k: &str, v: String, sub: String| {
        let _ = write!(
            s,
            "<div class=\"tile {class}\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"s\">{}</div></div>",
            esc(k),
            esc(&v),
            esc(&sub)
        );
    };
    s.push_str("<section class=\"tiles\">");
    tile(
        &mut s,
        if crit == 0 { "good" } else { "alert" },
        "Critical findings",
        crit.to_string(),
        if crit == 0 { "Critical=0 rule met".to_owned() } else { "Critical=0 violated: handoff blocked".to_owned() },
    );
    tile(
        &mut s,
        "neutral",
        "Open findings",
        f.open.to_string(),
        format!("{} new · {} resolved · {} overdue", f.new, f.resolved, f.overdue()),
    );
    tile(
        &mut s,
        if m.exceptions.expired + m.exceptions.invalid > 0 { "alert" } else { "neutral" },
        "Active exceptions",
        m.exceptions.valid.to_string(),
        format!(
            "{} expiring soon · {} expired · {} invalid",
            m.exceptions.items.iter().filter(|x| x.expiring_soon).count(),
            m.exceptions.expired,
            m.exceptions.invalid
        ),
    );
    tile(
        &mut s,
        if missed == 0 { "good" } else { "alert" },
        "KPIs on target",
        format!("{met} of {}", targeted.len()),
        format!("{missed} missed · {na} n/a"),
    );
    s.push_str("</section>\n");

    // KPI cards.
    s.push_str("<h2>Key performance indicators</h2>\n<section class=\"kpis\">");
    for k in &m.kpis {
        let t = report.trend(k.id);
        let cls = match t.verdict {
            Verdict::Improved => "up",
            Verdict::Worsened => "down",
            _ => "flat",
        };
        let mut values: Vec<Option<f64>> = report.history.iter().map(|h| h.kpi(k.id.key())).collect();
        values.push(k.value);
        let _ = write!(
            s,
            "<div class=\"card\" id=\"kpi-{}\"><div class=\"row\"><span class=\"name\">{}</span>{}</div><div class=\"row\"><span class=\"val\">{}</span>{}</div><div class=\"row\"><span>target {}</span><span class=\"{cls}\">{}</span></div><div class=\"inputs\">{}</div></div>",
            k.id.key(),
            esc(k.id.name()),
            status_pill(k.status),
            esc(&k.display_value()),
            svg::sparkline(&values, color_of(k.id)),
            esc(&k.display_target()),
            esc(&t.display(k.unit)),
            esc(k.note.as_deref().unwrap_or(&k.inputs))
        );
    }
    s.push_str("</section>\n");

    // Charts.
    s.push_str("<h2>Charts</h2>\n<section class=\"grid2\">");
    let mut cycles: Vec<String> = report.history.iter().map(|h| h.cycle.clone()).collect();
    cycles.push(report.cycle.clone());
    let series: Vec<Series<'_>> = KpiId::ALL
        .into_iter()
        .filter(|id| !matches!(id, KpiId::Mttr | KpiId::TimeToAcknowledge))
        .map(|id| {
            let mut values: Vec<Option<f64>> = report.history.iter().map(|h| h.kpi(id.key())).collect();
            values.push(m.value(id));
            Series { label: id.name(), color: color_of(id), values }
        })
        .collect();
    let hint = if report.history.is_empty() {
        "Only this cycle so far: lines appear once earlier snapshots exist in .secfw/history/."
    } else {
        "Percent KPIs and the risk score (0–100) per cycle, oldest first. Hover a point for its value."
    };
    let _ = write!(
        s,
        "<div class=\"panel full\"><h3>KPI trends over cycles</h3><p class=\"hint\">{}</p>{}</div>",
        esc(hint),
        svg::line_chart("chart-kpi-trends", "KPI trends over cycles", &cycles, &series)
    );

    let bars: Vec<Bar<'_>> = Severity::ALL
        .into_iter()
        .zip(SEVERITY_COLORS)
        .map(|(sev, color)| {
            let open = f.open_by_severity.get(&sev).copied().unwrap_or(0);
            let exc = f.excepted_by_severity.get(&sev).copied().unwrap_or(0);
            let over = f.overdue_by_severity.get(&sev).copied().unwrap_or(0);
            Bar {
                label: capitalize(sev.as_str()),
                segments: vec![(open as f64, color), (exc as f64, "#cbd5e1")],
                note: if over > 0 {
                    format!("{open} + {exc} exc. · {over} late")
                } else {
                    format!("{open} + {exc} exc.")
                },
            }
        })
        .collect();
    let _ = write!(
        s,
        "<div class=\"panel\"><h3>Open findings by severity</h3><p class=\"hint\">Open at the period end; grey = covered by a valid exception (shown, never hidden).</p>{}</div>",
        svg::hbar_chart(
            "chart-open-by-severity",
            "Open findings by severity",
            &format!("{} open findings, {} excepted", f.open, f.excepted()),
            &bars,
            &[("open", "#475569"), ("excepted", "#cbd5e1")],
            false
        )
    );

    let groups: Vec<(String, Vec<Option<f64>>, Option<f64>)> = Severity::ALL
        .into_iter()
        .map(|sev| {
            let st = m.mttr.by_severity.get(&sev).copied().unwrap_or_default();
            let sla = m.sla.sla_days.get(&sev).map(|d| f64::from(*d));
            (format!("{} ({})", capitalize(sev.as_str()), st.count), vec![st.mean, st.median, st.p90], sla)
        })
        .collect();
    let _ = write!(
        s,
        "<div class=\"panel\"><h3>MTTR per severity</h3><p class=\"hint\">Days from first seen to resolved, for findings resolved in the period (count in brackets); dashed line = SLA.</p>{}</div>",
        svg::grouped_bars(
            "chart-mttr-by-severity",
            "MTTR per severity",
            "Mean, median and 90th percentile remediation time per severity, in days, against the SLA",
            &groups,
            &[("mean", "#0ea5e9"), ("median", "#6366f1"), ("p90", "#a855f7")],
            "SLA"
        )
    );

    let warn = m.exceptions.warn_days;
    let exc_bars: Vec<Bar<'_>> = m
        .exceptions
        .items
        .iter()
        .take(10)
        .map(|x| {
            let left = x.days_left.max(0) as f64;
            let color = match x.state {
                ExceptionState::Expired | ExceptionState::Invalid => "#dc2626",
                _ if x.expiring_soon => "#f59e0b",
                _ => "#16a34a",
            };
            let note = match x.state {
                ExceptionState::Expired => format!("expired {}", x.valid_until),
                ExceptionState::Invalid => format!("invalid · {} d", x.days_left),
                _ => format!("{} d · {}", x.days_left, x.valid_until),
            };
            Bar { label: x.id.clone(), segments: vec![(left.max(0.5), color)], note }
        })
        .collect();
    let exc_chart = if exc_bars.is_empty() {
        "<p class=\"empty\" id=\"chart-exceptions-expiry\">No active exceptions.</p>".to_owned()
    } else {
        svg::hbar_chart(
            "chart-exceptions-expiry",
            "Exceptions expiring soon",
            &format!("Days left per active exception; warning window {warn} days"),
            &exc_bars,
            &[("valid", "#16a34a"), ("expiring soon", "#f59e0b"), ("expired/invalid", "#dc2626")],
            true,
        )
    };
    let _ = write!(
        s,
        "<div class=\"panel full\"><h3>Exceptions expiring soon</h3><p class=\"hint\">Days until each active exception's Valid Until date (soonest first); amber = within the {warn}-day warning window.</p>{exc_chart}</div>"
    );
    s.push_str("</section>\n");

    // Compliance status.
    s.push_str("<h2>Compliance status</h2>\n<section class=\"std\">");
    if m.standards.is_empty() {
        s.push_str("<p class=\"empty\">No compliance standards are referenced.</p>");
    }
    for st in &m.standards {
        let (cls, text) = match st.state {
            StandardState::Compliant => ("ok", "✓ Compliant".to_owned()),
            StandardState::Gaps => ("warn", format!("⚠ {} gap(s)", st.open)),
            StandardState::AtRisk => ("bad", format!("✗ At risk ({} critical/high)", st.severe)),
            // A state this renderer does not know is never shown as compliant.
            _ => ("bad", format!("✗ Unknown state ({} open)", st.open)),
        };
        let exc = if st.excepted > 0 { format!(" · {} excepted", st.excepted) } else { String::new() };
        let _ = write!(
            s,
            "<div><b>{}</b><span class=\"pill {cls}\">{}</span>{}</div>",
            esc(&st.standard),
            esc(&text),
            esc(&exc)
        );
    }
    s.push_str("</section>\n");
    if let Some(sp) = &report.spec {
        let (cls, review) = match (&sp.review_due, sp.review_overdue) {
            (Some(d), true) => ("bad", format!("review overdue since {d}")),
            (Some(d), false) => ("ok", format!("next review due {d}")),
            (None, _) => ("warn", "no valid review date".to_owned()),
        };
        let (lcls, lint) = if sp.lint_errors > 0 {
            ("bad", format!("spec lint: {} error(s), {} warning(s)", sp.lint_errors, sp.lint_warnings))
        } else if sp.lint_warnings > 0 {
            ("warn", format!("spec lint: {} warning(s)", sp.lint_warnings))
        } else {
            ("ok", "spec lint: clean".to_owned())
        };
        let _ = writeln!(
            s,
            "<section class=\"std\"><div><b>{}</b> · {} · status {} · updated {}<span class=\"pill {cls}\">{}</span><span class=\"pill {lcls}\">{}</span></div></section>",
            esc(&sp.title),
            esc(&sp.owner),
            esc(&sp.status),
            esc(&sp.last_updated),
            esc(&review),
            esc(&lint)
        );
    }

    // Findings summary + MTTR table.
    s.push_str("<h2>Findings</h2>\n<section class=\"grid2\"><div class=\"panel\"><h3>Summary</h3><table><tbody>");
    for (k, v, key) in [
        ("New findings", f.new, "new"),
        ("Resolved", f.resolved, "resolved"),
        ("Carry-forward", f.carry_forward, "carry_forward"),
        ("Open", f.open, "open"),
        ("Excepted (still open)", f.excepted(), "excepted"),
        ("Past SLA deadline", f.overdue(), "overdue"),
    ] {
        let t = report.count_trend(key);
        let _ = write!(
            s,
            "<tr><td>{k}</td><td><b>{v}</b></td><td class=\"flat\">{}</td></tr>",
            esc(&t.display(secfw_metrics::Unit::Score))
        );
    }
    s.push_str("</tbody></table></div><div class=\"panel\"><h3>MTTR by severity (days)</h3><table><thead><tr><th>Severity</th><th>n</th><th>Mean</th><th>Median</th><th>p90</th><th>SLA</th></tr></thead><tbody>");
    let d = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), trim_num);
    for sev in Severity::ALL {
        let st = m.mttr.by_severity.get(&sev).copied().unwrap_or_default();
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            capitalize(sev.as_str()),
            st.count,
            d(st.mean),
            d(st.median),
            d(st.p90),
            m.sla.sla_days.get(&sev).copied().unwrap_or(0)
        );
    }
    let o = m.mttr.overall;
    let _ = writeln!(
        s,
        "<tr><td><b>All</b></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>—</td></tr></tbody></table></div></section>",
        o.count,
        d(o.mean),
        d(o.median),
        d(o.p90)
    );

    // Escalations.
    if let Some(x) = &m.escalations {
        escalations_html(&mut s, x);
    }

    // Exploitation: freshness and "fix first" (once the ledger was enriched).
    let intel = crate::json::intel(report);
    if !intel.is_empty() {
        s.push_str("<h2>Fix first</h2>\n<section class=\"panel\"><p>");
        for i in &intel {
            match (&i.data_date, i.age_days) {
                (Some(d), Some(a)) => {
                    let _ = write!(
                        s,
                        "{} dated {} ({a} day(s) old{}). ",
                        esc(&i.source.to_uppercase()),
                        esc(d),
                        if i.stale { ", <strong>stale</strong>" } else { "" }
                    );
                }
                _ => {
                    let _ = write!(s, "{} not checked. ", esc(&i.source.to_uppercase()));
                }
            }
        }
        s.push_str("EPSS orders work; it never excepts a finding.</p>");
        if m.fix_first.is_empty() {
            s.push_str("<p class=\"empty\">No open, unexcepted findings.</p>");
        } else {
            s.push_str("<table><thead><tr><th>#</th><th>Finding</th><th>Severity</th><th>KEV</th><th>EPSS</th><th>Age</th><th>Due</th><th>Why</th></tr></thead><tbody>");
            for r in &m.fix_first {
                let crate::md::FixFirstCells { kev, epss, age } = crate::md::fix_first_cells(r);
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}: {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    r.rank,
                    esc(&r.finding_id),
                    esc(&r.title),
                    r.severity.as_str(),
                    esc(&kev),
                    esc(&epss),
                    esc(&age),
                    r.due,
                    esc(&r.reason)
                );
            }
            s.push_str("</tbody></table>");
        }
        s.push_str("</section>\n");
    }

    // Actions.
    s.push_str("<h2>Actions</h2>\n<section class=\"actions\">");
    for (title, list) in
        [("Completed", &m.actions.completed), ("Pending", &m.actions.pending), ("Blocked", &m.actions.blocked)]
    {
        let _ = write!(s, "<div class=\"panel\"><h3>{title} <span>({})</span></h3>", list.len());
        if list.is_empty() {
            s.push_str("<p class=\"empty\">None.</p>");
        } else {
            s.push_str("<ul>");
            for a in list.iter().take(crate::MAX_LISTED) {
                let _ = write!(s, "<li>{}</li>", esc(&a.text));
            }
            if list.len() > crate::MAX_LISTED {
                let _ = write!(
                    s,
                    "<li class=\"empty\">… and {} more (all are in digest.json)</li>",
                    list.len() - crate::MAX_LISTED
                );
            }
            s.push_str("</ul>");
        }
        s.push_str("</div>");
    }
    s.push_str("</section>\n");

    // Formulas.
    s.push_str("<details><summary>How these numbers are computed</summary><table><thead><tr><th>KPI</th><th>Formula</th><th>Inputs</th></tr></thead><tbody>");
    for k in &m.kpis {
        let _ =
            write!(s, "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", esc(k.id.name()), esc(&k.formula), esc(&k.inputs));
    }
    s.push_str("</tbody></table></details>\n");
    if !report.diagnostics.is_empty() {
        s.push_str("<details open><summary>Data problems</summary><ul>");
        for dg in &report.diagnostics {
            let at = dg.line.map_or_else(String::new, |l| format!(":{l}"));
            let _ = write!(s, "<li><code>{}</code> {}{at}: {}</li>", dg.code.as_str(), esc(&dg.file), esc(&dg.message));
        }
        s.push_str("</ul></details>\n");
    }
    let _ = write!(
        s,
        "<footer>Generated by secfw at {} for the period {} to {}; state evaluated at {}. Same inputs and time, same bytes.</footer>\n</main>\n</body>\n</html>\n",
        esc(&when(report.generated_at)),
        esc(&when(m.period.start)),
        esc(&when(m.period.end)),
        esc(&when(m.as_of))
    );
    s
}

/// The escalations panel: counts, time to acknowledge, one row per escalation.
fn escalations_html(s: &mut String, x: &secfw_metrics::EscalationSummary) {
    let h = |v: Option<f64>| secfw_metrics::Unit::Hours.format(v);
    let _ = write!(
        s,
        "<h2>Escalations</h2>\n<section class=\"panel full\" id=\"escalations\"><p><b>{}</b> overdue · <b>{}</b> open · <b>{}</b> acknowledged · time to acknowledge: median {}, p90 {} over {} escalation(s) ({} still waiting, counted with their age)</p>",
        x.overdue,
        x.open,
        x.acknowledged,
        esc(&h(x.median_hours)),
        esc(&h(x.p90_hours)),
        x.sample,
        x.sample_unacknowledged
    );
    if x.items.is_empty() {
        s.push_str("<p class=\"empty\">No escalations were notified.</p></section>\n");
        return;
    }
    s.push_str("<table><thead><tr><th>Escalation</th><th>State</th><th>Rule</th><th>Notified</th><th>Acknowledge by</th><th>Acknowledged</th><th>Hours</th></tr></thead><tbody>");
    for i in x.items.iter().take(crate::MAX_LISTED) {
        let (rule, state) = crate::md::escalation_rule_and_state(i);
        let acked = match (&i.acknowledged_by, i.acknowledged_at) {
            (Some(b), Some(t)) => format!("{} by {b}", when(t)),
            _ => "—".to_owned(),
        };
        let cls = match i.state {
            secfw_metrics::EscalationState::Open => "flat",
            secfw_metrics::EscalationState::Acknowledged => "up",
            // Overdue, and a state this renderer does not know: the worst class.
            _ => "down",
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"{cls}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&i.id),
            esc(&state),
            esc(&rule),
            esc(&when(i.notified_at)),
            esc(&i.deadline.map_or_else(|| "—".to_owned(), when)),
            esc(&acked),
            esc(&i.hours_to_acknowledge.map_or_else(|| "—".to_owned(), trim_num))
        );
    }
    s.push_str("</tbody></table>");
    if x.items.len() > crate::MAX_LISTED {
        let _ = write!(
            s,
            "<p class=\"empty\">… and {} more (all are in digest.json)</p>",
            x.items.len() - crate::MAX_LISTED
        );
    }
    s.push_str("</section>\n");
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().collect::<String>() + c.as_str())
}
