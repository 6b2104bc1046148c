//! `npm audit --json`: npm 6 (`advisories`) and npm 7+ (`auditReportVersion: 2`), and the
//! `{"error": ...}` document npm writes when the audit itself failed.

use secfw_artifacts::model::findings::Category;
use secfw_artifacts::{Diagnostic, Severity};
use serde_json::{Value, json};

use crate::fingerprint::compute;
use crate::model::{Item, Scan, cwes_in, dedupe, is_advisory_id, severity_word, uniq};
use crate::read::{ParseOptions, arr, num, reject, s, skipped, sne, tok};
use crate::{Error, codes};

pub(crate) fn parse(
    root: &Value,
    name: &str,
    opts: &ParseOptions,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Scan>, Error> {
    let target = opts.target.clone().unwrap_or_else(|| "package-lock.json".to_owned());
    let mut scan = Scan::new("npm-audit", vec![target.clone()], &[crate::model::class::VULNERABILITY], Vec::new());
    // npm writes an object; any other `error` that is not `null` is a failure too (fail closed).
    if let Some(err) = root.get("error").filter(|e| !e.is_null()) {
        let msg = match err {
            Value::Object(_) => {
                format!("{}: {}", s(err, "code").unwrap_or("error"), s(err, "summary").unwrap_or("npm audit failed"))
            }
            Value::String(t) if !t.trim().is_empty() => t.trim().to_owned(),
            other => format!("`error` is {other}"),
        };
        diags.push(
            Diagnostic::warning(codes::SCAN_FAILED, name, format!("npm audit failed: {msg}"))
                .with_hint("the scan is recorded as a failure; fix the registry access and re-run npm audit"),
        );
        scan.success = false;
        scan.error = Some(msg);
        return Ok(vec![scan]);
    }
    match root.get("auditReportVersion").and_then(Value::as_u64) {
        Some(2) => v7(root, name, &target, diags, &mut scan.items),
        Some(v) => {
            return Err(reject(
                codes::UNSUPPORTED_VERSION,
                name,
                format!("npm auditReportVersion {v} is not supported (secfw reads 2)"),
                "re-run with npm 7 or later, or npm 6",
                None,
            ));
        }
        None if root.get("advisories").is_some_and(Value::is_object) => v6(root, name, &target, diags, &mut scan.items),
        None => {
            return Err(reject(
                codes::WRONG_SHAPE,
                name,
                "not an npm audit report: neither `auditReportVersion` nor `advisories`",
                "pass the output of `npm audit --json`",
                None,
            ));
        }
    }
    // npm 6 `muted`: advisories `npm audit resolve` muted are left out of `advisories`. A
    // risk decision taken in the scanner, on advisories secfw cannot tell apart from fixed
    // ones: the scan resolves nothing (IN0111).
    match root.get("muted") {
        None | Some(Value::Null) => {}
        Some(Value::Array(m)) if m.is_empty() => {}
        Some(m) => {
            let n = m.as_array().map_or(1, Vec::len);
            let why = format!("npm audit muted {n} advisories (`muted`): which findings they hide is unknown");
            diags.push(
                Diagnostic::warning(
                    codes::IGNORED_BY_SCANNER,
                    name,
                    format!("/muted: {why}; this scan resolves no finding"),
                )
                .with_hint("record the decision as an exception in exceptions.md instead of muting it in npm"),
            );
            scan.filtered.push(why);
        }
    }
    dedupe(&mut scan.items);
    Ok(vec![scan])
}

fn sev(
    word: Option<&str>,
    score: Option<f64>,
    name: &str,
    p: &str,
    diags: &mut Vec<Diagnostic>,
) -> (Severity, &'static str) {
    if let Some(x) = word.and_then(severity_word) {
        return (x, "tool");
    }
    if let Some(c) = score {
        return (Severity::from_cvss(c), "cvss");
    }
    diags.push(
        Diagnostic::note(
            codes::UNSCORED,
            name,
            format!("{p}: severity `{}` is not usable; recorded as low", word.unwrap_or("(none)")),
        )
        .with_hint("review the finding's severity"),
    );
    (Severity::Low, crate::model::UNRATED)
}

fn cwe_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(c)) => cwes_in(c),
        Some(Value::Array(cs)) => cs.iter().filter_map(Value::as_str).flat_map(cwes_in).collect(),
        _ => Vec::new(),
    }
}

fn ghsa_of(url: &str) -> Option<String> {
    let last = url.trim().trim_end_matches('/').rsplit('/').next()?;
    let id = crate::model::canonical_id(last);
    id.starts_with("GHSA-").then(|| id.into_owned())
}

fn v7(root: &Value, name: &str, target: &str, diags: &mut Vec<Diagnostic>, out: &mut Vec<Item>) {
    let Some(vulns) = root.get("vulnerabilities").and_then(Value::as_object) else { return };
    for (key, v) in vulns {
        let p = format!("/vulnerabilities/{}", tok(key));
        let pname = sne(v, "name").unwrap_or(key);
        let advisories: Vec<(usize, &Value)> =
            arr(v, "via").iter().enumerate().filter(|(_, x)| x.is_object()).collect();
        if advisories.is_empty() {
            let via: Vec<&str> = arr(v, "via").iter().filter_map(Value::as_str).collect();
            diags.push(
                Diagnostic::note(
                    codes::TRANSITIVE_ONLY,
                    name,
                    format!("{p}: `{pname}` is vulnerable only through {}; those are ingested", via.join(", ")),
                )
                .with_hint("fixing the listed dependencies fixes this package"),
            );
            continue;
        }
        let fix = v.get("fixAvailable");
        for (i, a) in advisories {
            let ap = format!("{p}/via/{i}");
            let url = s(a, "url").unwrap_or("");
            let adv_id = ghsa_of(url).or_else(|| a.get("source").map(|x| x.to_string().trim_matches('"').to_owned()));
            let Some(adv_id) = adv_id else {
                diags.push(skipped(name, &ap, "an advisory needs a url or source id"));
                continue;
            };
            let score = a.get("cvss").and_then(|c| num(c, "score")).filter(|x| *x > 0.0 && *x <= 10.0);
            let (severity, src) = sev(s(a, "severity"), score, name, &ap, diags);
            let range = s(a, "range").unwrap_or("");
            let mut extra = vec![("package".into(), json!(pname)), ("vulnerable_range".into(), json!(range))];
            if !url.is_empty() {
                extra.push(("url".into(), json!(url)));
            }
            let nodes: Vec<&str> = arr(v, "nodes").iter().filter_map(Value::as_str).collect();
            let action = match fix {
                Some(Value::Bool(true)) => format!("Run `npm audit fix` to upgrade {pname} out of {range}"),
                Some(f @ Value::Object(_)) => format!(
                    "Upgrade {} to {}{}",
                    s(f, "name").unwrap_or(pname),
                    s(f, "version").unwrap_or("a fixed version"),
                    if f.get("isSemVerMajor").and_then(Value::as_bool) == Some(true) {
                        " (a major version change)"
                    } else {
                        ""
                    }
                ),
                _ => format!("No fix is available for {pname}; remove or replace it, or accept the risk"),
            };
            out.push(Item {
                fingerprint: compute(&["npm-audit", target, pname, &adv_id]),
                tool: "npm-audit".into(),
                rule_id: Some(adv_id.clone()),
                title: sne(a, "title").map_or_else(|| format!("{adv_id} in {pname}"), |t| format!("{t} ({pname})")),
                description: format!("{} — {pname} {range}", sne(a, "title").unwrap_or(&adv_id)),
                severity,
                severity_source: src,
                category: Category::Vulnerability,
                cwe: uniq(cwe_of(a.get("cwe"))),
                cve: if is_advisory_id(&adv_id) { vec![adv_id.clone()] } else { Vec::new() },
                cvss: score,
                target: target.to_owned(),
                location: nodes.first().map_or_else(|| pname.to_owned(), |n| (*n).to_owned()),
                line: None,
                resource_type: "package",
                recommended_action: action,
                pointer: ap,
                occurrences: 1,
                extra,
                class: crate::model::class::VULNERABILITY,
                tags: Vec::new(),
                aliases: Vec::new(),
            });
        }
    }
}

fn v6(root: &Value, name: &str, target: &str, diags: &mut Vec<Diagnostic>, out: &mut Vec<Item>) {
    let Some(advs) = root.get("advisories").and_then(Value::as_object) else { return };
    for (key, a) in advs {
        let p = format!("/advisories/{}", tok(key));
        let Some(module) = sne(a, "module_name") else {
            diags.push(skipped(name, &p, "an advisory needs module_name"));
            continue;
        };
        let id = a.get("id").map_or_else(|| key.clone(), |x| x.to_string().trim_matches('"').to_owned());
        let url = s(a, "url").unwrap_or("");
        let (severity, src) = sev(s(a, "severity"), None, name, &p, diags);
        let mut cve: Vec<String> =
            arr(a, "cves").iter().filter_map(Value::as_str).filter(|x| is_advisory_id(x)).map(str::to_owned).collect();
        if let Some(g) = ghsa_of(url).or_else(|| s(a, "github_advisory_id").map(str::to_owned)) {
            cve.push(g);
        }
        let versions: Vec<&str> = arr(a, "findings").iter().filter_map(|f| s(f, "version")).collect();
        let mut extra = vec![
            ("package".into(), json!(module)),
            ("installed_versions".into(), json!(versions)),
            ("vulnerable_versions".into(), json!(s(a, "vulnerable_versions").unwrap_or(""))),
        ];
        if !url.is_empty() {
            extra.push(("url".into(), json!(url)));
        }
        out.push(Item {
            fingerprint: compute(&["npm-audit", target, module, &format!("npm-advisory-{id}")]),
            tool: "npm-audit".into(),
            rule_id: Some(format!("npm-advisory-{id}")),
            title: sne(a, "title").map_or_else(|| format!("Advisory {id} in {module}"), |t| format!("{t} ({module})")),
            description: sne(a, "overview").unwrap_or(module).to_owned(),
            severity,
            severity_source: src,
            category: Category::Vulnerability,
            cwe: uniq(cwe_of(a.get("cwe"))),
            cve: uniq(cve),
            cvss: None,
            target: target.to_owned(),
            location: arr(a, "findings")
                .iter()
                .flat_map(|f| arr(f, "paths"))
                .find_map(Value::as_str)
                .unwrap_or(module)
                .to_owned(),
            line: None,
            resource_type: "package",
            recommended_action: sne(a, "recommendation").map_or_else(
                || format!("Upgrade {module} to {}", s(a, "patched_versions").unwrap_or("a patched version")),
                str::to_owned,
            ),
            pointer: p,
            occurrences: 1,
            extra,
            class: crate::model::class::VULNERABILITY,
            tags: Vec::new(),
            aliases: Vec::new(),
        });
    }
}
