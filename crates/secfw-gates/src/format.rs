//! Report formats: human text, JSON, SARIF 2.1.0, JUnit XML and GitHub Actions annotations.
//! Every renderer is deterministic: same run, same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::str::FromStr;

use secfw_artifacts::Code;
use secfw_artifacts::{Diagnostic, Level, SourceFile};
use serde_json::{Value, json};

use crate::{GateReport, GateRun};

/// Output format of a gate report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReportFormat {
    /// Text for people, with source snippets.
    Human,
    /// The [`GateRun`] as JSON.
    Json,
    /// SARIF 2.1.0: one result per diagnostic, rule id = diagnostic code.
    Sarif,
    /// JUnit XML: one test suite per gate, one test case per problem.
    Junit,
    /// GitHub Actions workflow commands (`::error file=...::`).
    Github,
}

impl FromStr for ReportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "human" => Ok(Self::Human),
            "json" => Ok(Self::Json),
            "sarif" => Ok(Self::Sarif),
            "junit" => Ok(Self::Junit),
            "github" => Ok(Self::Github),
            other => Err(format!("unknown format `{other}`: expected human, json, sarif, junit or github")),
        }
    }
}

/// Render a run. `sources` (the loaded workspace's `sources`) give human output its snippets;
/// `styled` adds ANSI colour to human output.
pub fn render(run: &GateRun, format: ReportFormat, sources: &BTreeMap<String, SourceFile>, styled: bool) -> String {
    match format {
        ReportFormat::Human => human(run, sources, styled),
        ReportFormat::Json => json(run),
        ReportFormat::Sarif => sarif(run),
        ReportFormat::Junit => junit(run),
        ReportFormat::Github => github(run),
    }
}

/// The title of any secfw diagnostic code (artifacts, governance, gates).
pub fn code_title(code: Code) -> Option<&'static str> {
    secfw_artifacts::codes::CATALOG
        .iter()
        .chain(secfw_governance::codes::CATALOG)
        .chain(crate::codes::CATALOG)
        .chain(secfw_suppress::codes::CATALOG)
        .find(|(c, _)| *c == code)
        .map(|(_, t)| *t)
}

fn rfc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn verdict(r: &GateReport) -> &'static str {
    if r.passed { "PASSED" } else { "FAILED" }
}

/// Human-readable text.
pub fn human(run: &GateRun, sources: &BTreeMap<String, SourceFile>, styled: bool) -> String {
    let mut s = String::new();
    for r in &run.reports {
        let _ = writeln!(
            s,
            "== {}: {} ({} error(s), {} warning(s), {} excepted)",
            r.gate,
            verdict(r),
            r.summary.errors,
            r.summary.warnings,
            r.excepted.len()
        );
        for d in r.diagnostics.iter().filter(|d| d.level != Level::Note) {
            s.push_str(&secfw_artifacts::render_diagnostic(d, sources.get(&d.file), styled));
            if !s.ends_with('\n') {
                s.push('\n');
            }
        }
        if let Some(Value::Object(c)) = r.stats.get("policy_coverage")
            && let Some(Value::String(f)) = c.get("formula")
        {
            let _ =
                writeln!(s, "   {f} (minimum {}%)", c.get("min_percent").map_or_else(String::new, ToString::to_string));
        }
        if !r.excepted.is_empty() {
            let _ = writeln!(s, "   excepted findings (counted, not failing):");
            for x in &r.excepted {
                let _ = writeln!(
                    s,
                    "     - {} [{}] by {} (valid until {})",
                    x.finding_id,
                    x.severity,
                    x.exception,
                    rfc(x.exception_expires_at)
                );
            }
        }
        let _ = writeln!(s, "   digest {}", r.digest);
    }
    if !run.escalations.is_empty() {
        let _ = writeln!(s, "escalations:");
        for e in &run.escalations {
            let _ = writeln!(
                s,
                "  - {} {} violated (count {}){}; notify {}; respond by {}; items: {}",
                e.rule,
                e.condition,
                e.count,
                if e.blocks_handoff { ", handoff blocked" } else { "" },
                if e.notify.is_empty() { "-".to_owned() } else { e.notify.join(", ") },
                e.deadline.map_or_else(|| "-".to_owned(), rfc),
                e.items.join(", ")
            );
        }
    }
    let failed = run.reports.iter().filter(|r| !r.passed).count();
    let excepted: usize = run.reports.iter().map(|r| r.excepted.len()).max().unwrap_or(0);
    let _ = write!(
        s,
        "{} gate(s), {} passed, {failed} failed, {excepted} excepted finding(s) at {}: {}",
        run.reports.len(),
        run.reports.len() - failed,
        rfc(run.now),
        if run.passed { "PASS" } else { "FAIL" }
    );
    s
}

/// JSON: `{"format": "secfw-gate-report/1", ...GateRun}`.
pub fn json(run: &GateRun) -> String {
    let mut v = serde_json::to_value(run).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        let mut out = serde_json::Map::new();
        out.insert("format".into(), "secfw-gate-report/1".into());
        out.extend(std::mem::take(m));
        v = Value::Object(out);
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

fn sarif_level(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
        _ => "note",
    }
}

fn physical(file: &str, line: Option<u32>, column: Option<u32>) -> Value {
    let mut loc = json!({ "artifactLocation": { "uri": file, "uriBaseId": "WORKSPACE" } });
    if let Some(l) = line.filter(|l| *l >= 1) {
        let mut region = json!({ "startLine": l });
        if let Some(c) = column.filter(|c| *c >= 1) {
            region["startColumn"] = c.into();
        }
        loc["region"] = region;
    }
    loc
}

/// SARIF 2.1.0 (valid against the OASIS schema): rule ids are the diagnostic codes; excepted
/// findings are `note` results with an accepted external suppression.
pub fn sarif(run: &GateRun) -> String {
    let mut codes: BTreeMap<Code, Level> = BTreeMap::new();
    for r in &run.reports {
        for d in &r.diagnostics {
            let e = codes.entry(d.code).or_insert(d.level);
            *e = (*e).min(d.level);
        }
    }
    let index: BTreeMap<Code, usize> = codes.keys().enumerate().map(|(i, c)| (*c, i)).collect();
    let rules: Vec<Value> = codes
        .iter()
        .map(|(c, l)| {
            json!({
                "id": c.as_str(),
                "shortDescription": { "text": code_title(*c).unwrap_or("secfw diagnostic") },
                "helpUri": format!("https://github.com/secfw/secfw/blob/main/docs/diagnostics.md#{}", c.as_str().to_ascii_lowercase()),
                "defaultConfiguration": { "level": sarif_level(*l) },
            })
        })
        .collect();
    let mut results = Vec::new();
    for r in &run.reports {
        for d in &r.diagnostics {
            results.push(sarif_result(r, d, index[&d.code]));
        }
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "secfw",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/secfw/secfw",
                "rules": rules,
            }},
            "originalUriBaseIds": { "WORKSPACE": { "description": { "text": "The security workspace directory" } } },
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": rfc(run.now),
                "properties": { "gates": run.reports.iter().map(|r| json!({
                    "gate": r.gate.as_str(), "passed": r.passed, "digest": r.digest,
                })).collect::<Vec<_>>() },
            }],
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn sarif_result(r: &GateReport, d: &Diagnostic, rule_index: usize) -> Value {
    let mut text = d.message.clone();
    if let Some(h) = &d.hint {
        let _ = write!(text, " Hint: {h}");
    }
    let mut res = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": rule_index,
        "level": sarif_level(d.level),
        "message": { "text": text },
        "locations": [{ "physicalLocation": physical(&d.file, d.line, d.column) }],
        "properties": { "gate": r.gate.as_str() },
    });
    if !d.related.is_empty() {
        res["relatedLocations"] = d
            .related
            .iter()
            .enumerate()
            .map(|(i, x)| {
                json!({ "id": i, "physicalLocation": physical(&x.file, x.line, x.column), "message": { "text": x.message } })
            })
            .collect();
    }
    if d.code == crate::codes::EXCEPTED_FINDING {
        res["suppressions"] = json!([{ "kind": "external", "status": "accepted", "justification": d.message }]);
    }
    res
}

fn where_(d: &Diagnostic) -> String {
    match (d.line, d.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", d.file),
        (Some(l), None) => format!("{}:{l}", d.file),
        _ => d.file.clone(),
    }
}

/// JUnit XML: a test suite per gate; each error is a failed test case, each warning a passing
/// test case with the warning in `system-out`, each excepted finding a skipped test case; a
/// gate without problems has one passing test case.
pub fn junit(run: &GateRun) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let count = |r: &GateReport| r.diagnostics.len().max(1);
    let total: usize = run.reports.iter().map(count).sum();
    let failures: usize = run.reports.iter().map(|r| r.summary.errors).sum();
    let _ = writeln!(s, "<testsuites name=\"secfw gates\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\">");
    for r in &run.reports {
        let skipped = r.diagnostics.iter().filter(|d| d.level == Level::Note).count();
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{skipped}\" timestamp=\"{}\">",
            r.gate,
            count(r),
            r.summary.errors,
            rfc(run.now).trim_end_matches('Z')
        );
        let _ = writeln!(
            s,
            "    <properties><property name=\"digest\" value=\"{}\"/></properties>",
            secfw_artifacts::escape_markup(&r.digest)
        );
        if r.diagnostics.is_empty() {
            let _ = writeln!(s, "    <testcase classname=\"secfw.{}\" name=\"{}\"/>", r.gate, r.gate);
        }
        for d in &r.diagnostics {
            let name = secfw_artifacts::escape_markup(&format!("{} {}", d.code, where_(d)));
            let _ = write!(
                s,
                "    <testcase classname=\"secfw.{}\" name=\"{name}\" file=\"{}\"",
                r.gate,
                secfw_artifacts::escape_markup(&d.file)
            );
            if let Some(l) = d.line {
                let _ = write!(s, " line=\"{l}\"");
            }
            let body = format!(
                "{}: {}{}",
                where_(d),
                d.message,
                d.hint.as_ref().map(|h| format!("\nhint: {h}")).unwrap_or_default()
            );
            match d.level {
                Level::Error => {
                    let _ = writeln!(
                        s,
                        ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                        d.code,
                        secfw_artifacts::escape_markup(&d.message),
                        secfw_artifacts::escape_markup(&body)
                    );
                }
                Level::Warning => {
                    let _ = writeln!(
                        s,
                        ">\n      <system-out>warning: {}</system-out>\n    </testcase>",
                        secfw_artifacts::escape_markup(&body)
                    );
                }
                _ => {
                    let _ = writeln!(
                        s,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        secfw_artifacts::escape_markup(&d.message)
                    );
                }
            }
        }
        let _ = writeln!(s, "  </testsuite>");
    }
    s.push_str("</testsuites>\n");
    s
}

fn gh_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands: one annotation per diagnostic, then one summary notice per
/// gate. Paths are relative to the workspace; prefix them with `prefix` (e.g. the workspace's
/// path in the repository) when it is not the repository root.
pub fn github(run: &GateRun) -> String {
    github_with_prefix(run, "")
}

/// [`github`] with a path prefix for `file=`.
pub fn github_with_prefix(run: &GateRun, prefix: &str) -> String {
    let mut s = String::new();
    for r in &run.reports {
        for d in &r.diagnostics {
            let cmd = match d.level {
                Level::Error => "error",
                Level::Warning => "warning",
                _ => "notice",
            };
            let file =
                if prefix.is_empty() { d.file.clone() } else { format!("{}/{}", prefix.trim_end_matches('/'), d.file) };
            let mut props = format!("file={}", gh_prop(&file));
            if let Some(l) = d.line {
                let _ = write!(props, ",line={l}");
                if let Some(c) = d.column {
                    let _ = write!(props, ",col={c}");
                }
            }
            let _ = write!(
                props,
                ",title={}",
                gh_prop(&format!("{} {} ({})", d.code, code_title(d.code).unwrap_or(""), r.gate))
            );
            let mut msg = d.message.clone();
            if let Some(h) = &d.hint {
                let _ = write!(msg, "\nhint: {h}");
            }
            let _ = writeln!(s, "::{cmd} {props}::{}", gh_data(&msg));
        }
        let _ = writeln!(
            s,
            "::notice title={}::{}",
            gh_prop(&format!("secfw {}", r.gate)),
            gh_data(&format!(
                "{} {} ({} error(s), {} warning(s), {} excepted)",
                r.gate,
                verdict(r),
                r.summary.errors,
                r.summary.warnings,
                r.excepted.len()
            ))
        );
    }
    s
}
