//! Hand-written SVG charts: deterministic text, no scripts, readable without CSS.
#![allow(clippy::many_single_char_names)] // geometry and renderer locals (x, y, w, h, s) read best short

use std::fmt::Write as _;

use secfw_metrics::trim_num;

/// Escape text for HTML and SVG (element content and attribute values): the one markup
/// escaper of secfw, [`secfw_artifacts::escape_markup`].
pub(crate) use secfw_artifacts::escape_markup as esc;

/// A coordinate with one decimal.
pub(crate) fn n(v: f64) -> String {
    let s = format!("{v:.1}");
    if s == "-0.0" { "0.0".to_owned() } else { s }
}

/// Severity colours, most severe first.
pub(crate) const SEVERITY_COLORS: [&str; 4] = ["#b91c1c", "#ea580c", "#d97706", "#2563eb"];

/// Start an `<svg>` with an accessible title.
fn open(id: &str, w: u32, h: u32, title: &str, desc: &str) -> String {
    format!(
        "<svg id=\"{id}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(desc)
    )
}

/// One line series of a trend chart.
pub(crate) struct Series<'a> {
    /// Legend label.
    pub label: &'a str,
    /// Colour.
    pub color: &'a str,
    /// One value per cycle (None: n/a, a gap in the line).
    pub values: Vec<Option<f64>>,
}

/// A multi-line chart on a 0..=100 axis, one x position per cycle.
pub(crate) fn line_chart(id: &str, title: &str, cycles: &[String], series: &[Series<'_>]) -> String {
    let (w, h) = (1040.0, 300.0);
    let (l, r, t, b) = (48.0, 250.0, 16.0, 40.0);
    let pw = w - l - r;
    let ph = h - t - b;
    let mut s = open(id, 1040, 300, title, &format!("{} over {} cycle(s), 0 to 100 scale", title, cycles.len()));
    // grid
    for i in 0..=4 {
        let v = f64::from(i) * 25.0;
        let y = t + ph - v / 100.0 * ph;
        let _ = write!(
            s,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#e2e8f0\" stroke-width=\"1\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#64748b\" text-anchor=\"end\">{}</text>",
            n(l),
            n(y),
            n(l + pw),
            n(y),
            n(l - 8.0),
            n(y + 4.0),
            trim_num(v)
        );
    }
    let count = cycles.len().max(1);
    let x_of = |i: usize| {
        if count == 1 { l + pw / 2.0 } else { l + pw * i as f64 / (count - 1) as f64 }
    };
    let step = (count / 8).max(1);
    for (i, c) in cycles.iter().enumerate() {
        if i % step == 0 || i + 1 == count {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#64748b\" text-anchor=\"middle\">{}</text>",
                n(x_of(i)),
                n(h - 14.0),
                esc(c)
            );
        }
    }
    for (k, se) in series.iter().enumerate() {
        let y_of = |v: f64| t + ph - v.clamp(0.0, 100.0) / 100.0 * ph;
        let mut d = String::new();
        let mut pen = false;
        for (i, v) in se.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(d, "{}{} {} ", if pen { "L" } else { "M" }, n(x_of(i)), n(y_of(*v)));
                    pen = true;
                }
                None => pen = false,
            }
        }
        if !d.is_empty() {
            let _ = write!(
                s,
                "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>",
                d.trim_end(),
                se.color
            );
        }
        for (i, v) in se.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    s,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"#fff\" stroke=\"{}\" stroke-width=\"2\"><title>{}: {} ({})</title></circle>",
                    n(x_of(i)),
                    n(y_of(*v)),
                    se.color,
                    esc(se.label),
                    trim_num(*v),
                    esc(&cycles[i])
                );
            }
        }
        let ly = t + 8.0 + k as f64 * 24.0;
        let last = se.values.last().copied().flatten().map_or_else(|| "n/a".to_owned(), trim_num);
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"4\" rx=\"2\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#334155\">{} <tspan fill=\"#64748b\">{}</tspan></text>",
            n(l + pw + 24.0),
            n(ly - 2.0),
            se.color,
            n(l + pw + 44.0),
            n(ly + 4.0),
            esc(se.label),
            esc(&last)
        );
    }
    s.push_str("</svg>");
    s
}

/// A small sparkline (no axes) of one KPI over cycles.
pub(crate) fn sparkline(values: &[Option<f64>], color: &str) -> String {
    let (w, h) = (150.0, 36.0);
    let pts: Vec<(usize, f64)> = values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
    let mut s = String::from(
        "<svg class=\"sparkline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 150 36\" width=\"150\" height=\"36\" aria-hidden=\"true\">",
    );
    if pts.is_empty() {
        s.push_str("</svg>");
        return s;
    }
    let lo = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let span = if (hi - lo).abs() < f64::EPSILON { 1.0 } else { hi - lo };
    let count = values.len().max(2);
    let x_of = |i: usize| 4.0 + (w - 8.0) * i as f64 / (count - 1) as f64;
    let y_of = |v: f64| if (hi - lo).abs() < f64::EPSILON { h / 2.0 } else { h - 5.0 - (v - lo) / span * (h - 10.0) };
    let d: Vec<String> = pts
        .iter()
        .enumerate()
        .map(|(k, (i, v))| format!("{}{} {}", if k == 0 { "M" } else { "L" }, n(x_of(*i)), n(y_of(*v))))
        .collect();
    let _ = write!(
        s,
        "<path d=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>",
        d.join(" ")
    );
    if let Some((i, v)) = pts.last() {
        let _ = write!(s, "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{color}\"/>", n(x_of(*i)), n(y_of(*v)));
    }
    s.push_str("</svg>");
    s
}

/// A horizontal bar of a bar chart: label, segments (value, colour, legend), annotation.
pub(crate) struct Bar<'a> {
    /// Row label.
    pub label: String,
    /// Stacked segments.
    pub segments: Vec<(f64, &'a str)>,
    /// Text after the bar.
    pub note: String,
}

/// Horizontal stacked bars.
pub(crate) fn hbar_chart(
    id: &str,
    title: &str,
    desc: &str,
    bars: &[Bar<'_>],
    legend: &[(&str, &str)],
    wide: bool,
) -> String {
    let w = if wide { 1040.0 } else { 500.0 };
    let row = 40.0;
    let (l, r, t) = (110.0, if wide { 190.0 } else { 120.0 }, 34.0);
    let rows = u32::try_from(bars.len().max(1)).unwrap_or(u32::MAX / 64);
    let max = bars.iter().map(|b| b.segments.iter().map(|s| s.0).sum::<f64>()).fold(0.0, f64::max).max(1.0);
    let pw = w - l - r;
    let mut s = open(id, if wide { 1040 } else { 500 }, 44 + 40 * rows, title, desc);
    let mut lx = l;
    for (name, color) in legend {
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"8\" width=\"12\" height=\"12\" rx=\"3\" fill=\"{color}\"/><text x=\"{}\" y=\"18\" font-size=\"12\" fill=\"#475569\">{}</text>",
            n(lx),
            n(lx + 17.0),
            esc(name)
        );
        lx += 24.0 + name.chars().count() as f64 * 7.0;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = t + i as f64 * row;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#1e293b\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"22\" rx=\"4\" fill=\"#f1f5f9\"/>",
            n(l - 10.0),
            n(y + 16.0),
            esc(&b.label),
            n(l),
            n(y + 1.0),
            n(pw)
        );
        let mut x = l;
        for (v, color) in &b.segments {
            if *v <= 0.0 {
                continue;
            }
            let bw = v / max * pw;
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"22\" rx=\"4\" fill=\"{color}\"/>",
                n(x),
                n(y + 1.0),
                n(bw.max(3.0))
            );
            x += bw;
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#334155\">{}</text>",
            n(l + pw + 8.0),
            n(y + 16.0),
            esc(&b.note)
        );
    }
    s.push_str("</svg>");
    s
}

/// One group of [`grouped_bars`]: label, one value per series, marker value.
pub(crate) type Group = (String, Vec<Option<f64>>, Option<f64>);

/// Grouped vertical bars: one group per label, one bar per series, an optional marker line per
/// group (e.g. the SLA).
#[expect(clippy::too_many_lines, reason = "renderer: one SVG chart drawn element by element")]
pub(crate) fn grouped_bars(
    id: &str,
    title: &str,
    desc: &str,
    groups: &[Group],
    series: &[(&str, &str)],
    marker_label: &str,
) -> String {
    let (w, h) = (500.0, 280.0);
    let (l, r, t, b) = (44.0, 12.0, 34.0, 34.0);
    let pw = w - l - r;
    let ph = h - t - b;
    // Scale to the data: a marker far above every bar (a 120-day SLA against 3-day fixes) would
    // flatten the bars, so markers above the scale are drawn as a label at the top instead.
    let data_max = groups.iter().flat_map(|g| g.1.iter().flatten().copied()).fold(0.0, f64::max);
    let max = if data_max > 0.0 {
        groups.iter().filter_map(|g| g.2).filter(|m| *m <= data_max * 2.0).fold(data_max, f64::max) * 1.1
    } else {
        groups.iter().filter_map(|g| g.2).fold(1.0, f64::max)
    };
    let nice = nice_ceiling(max);
    let mut s = open(id, 500, 280, title, desc);
    let mut lx = l;
    for (name, color) in series.iter().copied().chain(std::iter::once((marker_label, "#0f172a"))) {
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"8\" width=\"12\" height=\"{}\" rx=\"2\" fill=\"{color}\"/><text x=\"{}\" y=\"18\" font-size=\"12\" fill=\"#475569\">{}</text>",
            n(lx),
            if name == marker_label { "3" } else { "12" },
            n(lx + 17.0),
            esc(name)
        );
        lx += 26.0 + name.chars().count() as f64 * 7.0;
    }
    for i in 0..=4 {
        let v = nice * f64::from(i) / 4.0;
        let y = t + ph - v / nice * ph;
        let _ = write!(
            s,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#e2e8f0\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#64748b\" text-anchor=\"end\">{}</text>",
            n(l),
            n(y),
            n(l + pw),
            n(y),
            n(l - 6.0),
            n(y + 4.0),
            trim_num(v)
        );
    }
    let gw = pw / groups.len().max(1) as f64;
    let bw = (gw - 24.0) / series.len().max(1) as f64;
    for (gi, (label, values, marker)) in groups.iter().enumerate() {
        let gx = l + gi as f64 * gw + 12.0;
        for (si, v) in values.iter().enumerate() {
            let x = gx + si as f64 * bw;
            match v {
                Some(v) => {
                    let bh = v.min(nice) / nice * ph;
                    let _ = write!(
                        s,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{}\"><title>{} {}: {} days</title></rect>",
                        n(x + 1.0),
                        n(t + ph - bh),
                        n((bw - 2.0).max(1.0)),
                        n(bh.max(1.0)),
                        series.get(si).map_or("#64748b", |s| s.1),
                        esc(label),
                        esc(series.get(si).map_or("", |s| s.0)),
                        trim_num(*v)
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#94a3b8\" text-anchor=\"middle\">n/a</text>",
                        n(x + bw / 2.0),
                        n(t + ph - 4.0)
                    );
                }
            }
        }
        if let Some(m) = marker.filter(|m| *m > nice) {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#0f172a\" text-anchor=\"middle\">{} {} d ↑</text>",
                n(gx + (gw - 24.0) / 2.0),
                n(t + 10.0),
                esc(marker_label),
                trim_num(m)
            );
        }
        if let Some(m) = marker.filter(|m| *m <= nice) {
            let y = t + ph - m / nice * ph;
            let _ = write!(
                s,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#0f172a\" stroke-width=\"2\" stroke-dasharray=\"5 3\"><title>{}: {} days</title></line>",
                n(gx - 4.0),
                n(y),
                n(gx + gw - 20.0),
                n(y),
                esc(marker_label),
                trim_num(m)
            );
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#1e293b\" text-anchor=\"middle\">{}</text>",
            n(gx + (gw - 24.0) / 2.0),
            n(h - 12.0),
            esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// The smallest 1/2/5 × 10^k (k ≥ 0) at or above `v`: at least 1, and 1 for a non-finite `v`.
pub(crate) fn nice_ceiling(v: f64) -> f64 {
    if !v.is_finite() || v <= 0.0 {
        return 1.0;
    }
    let mut base = 1.0;
    while base * 10.0 < v {
        base *= 10.0;
    }
    while base > v * 10.0 && base > 1.0 {
        base /= 10.0;
    }
    for m in [1.0, 2.0, 5.0, 10.0] {
        if base * m >= v {
            return base * m;
        }
    }
    base * 10.0
}

/// A semicircular gauge 0..=100 for the risk score.
pub(crate) fn gauge(id: &str, value: f64, label: &str) -> String {
    let v = value.clamp(0.0, 100.0);
    let color = if v < 20.0 {
        "#22c55e"
    } else if v < 50.0 {
        "#eab308"
    } else if v < 75.0 {
        "#f97316"
    } else {
        "#ef4444"
    };
    let (cx, cy, r) = (100.0_f64, 100.0_f64, 80.0_f64);
    let ang = std::f64::consts::PI * (1.0 - v / 100.0);
    let (ex, ey) = (cx + r * ang.cos(), cy - r * ang.sin());
    let mut s = open(id, 200, 120, "Risk score", &format!("Risk score {} of 100, lower is better", trim_num(v)))
        .replacen("<svg ", "<svg width=\"220\" height=\"132\" ", 1);
    let _ = write!(
        s,
        "<path d=\"M 20.0 100.0 A 80 80 0 0 1 180.0 100.0\" fill=\"none\" stroke=\"rgba(255,255,255,0.15)\" stroke-width=\"16\" stroke-linecap=\"round\"/>"
    );
    if v > 0.0 {
        let _ = write!(
            s,
            "<path d=\"M 20.0 100.0 A 80 80 0 0 1 {} {}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"16\" stroke-linecap=\"round\"/>",
            n(ex),
            n(ey)
        );
    }
    let _ = write!(
        s,
        "<text x=\"100\" y=\"92\" font-size=\"34\" font-weight=\"700\" fill=\"#fff\" text-anchor=\"middle\">{:.1}</text><text x=\"100\" y=\"114\" font-size=\"12\" fill=\"#cbd5e1\" text-anchor=\"middle\">{}</text></svg>",
        v,
        esc(label)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings_and_escaping() {
        assert!((nice_ceiling(7.0) - 10.0).abs() < f64::EPSILON);
        assert!((nice_ceiling(120.0) - 200.0).abs() < f64::EPSILON);
        assert!((nice_ceiling(0.3) - 1.0).abs() < f64::EPSILON, "axes are at least 1");
        assert!((nice_ceiling(f64::INFINITY) - 1.0).abs() < f64::EPSILON);
        assert!((nice_ceiling(f64::NAN) - 1.0).abs() < f64::EPSILON);
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(n(-0.04), "0.0");
    }

    #[test]
    fn charts_survive_extreme_history_values() {
        let s = sparkline(&[Some(f64::MAX), None, Some(-f64::MAX), Some(0.0)], "#000");
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        let series = [Series { label: "x", color: "#000", values: vec![Some(1e300), Some(-5.0), None] }];
        let c = line_chart("c", "t", &["a".into(), "b".into(), "c".into()], &series);
        assert!(c.contains("<path"));
        let g =
            grouped_bars("g", "t", "d", &[("x".into(), vec![Some(3.0), None], Some(120.0))], &[("m", "#000")], "SLA");
        assert!(g.contains("SLA 120 d"), "an SLA far above the bars is labelled, not drawn off-scale");
    }
}
