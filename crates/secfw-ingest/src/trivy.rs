//! Trivy JSON: SchemaVersion 2 reports (vulnerabilities, misconfigurations, secrets), the
//! legacy pre-SchemaVersion array and `trivy k8s` cluster reports.

use secfw_artifacts::model::findings::Category;
use secfw_artifacts::{Diagnostic, Severity};
use serde_json::{Value, json};

use crate::fingerprint::compute;
use crate::model::{Item, Scan, cwes_in, dedupe, instant, is_advisory_id, severity_word, uniq};
use crate::read::{ParseOptions, arr, num, reject, s, sne};
use crate::{Error, codes};

pub(crate) fn parse(
    root: &Value,
    name: &str,
    opts: &ParseOptions,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Scan>, Error> {
    let mut items = Vec::new();
    let (target, version, created) = match root {
        Value::Array(results) => {
            // Legacy (< 0.20): a bare array of results; the image is the part before " (".
            let t =
                results.first().and_then(|r| sne(r, "Target")).map_or("unknown", |t| t.split(" (").next().unwrap_or(t));
            let target = opts.target.clone().unwrap_or_else(|| t.to_owned());
            for (i, r) in results.iter().enumerate() {
                result(r, &format!("/{i}"), &target, "", name, diags, &mut items);
            }
            (target, None, None)
        }
        Value::Object(o) => {
            if let Some(v) = o.get("SchemaVersion")
                && v.as_u64() != Some(2)
            {
                return Err(reject(
                    codes::UNSUPPORTED_VERSION,
                    name,
                    format!("Trivy SchemaVersion {v} is not supported; secfw reads SchemaVersion 2"),
                    "re-run with a Trivy release that writes SchemaVersion 2 (0.20 or later)",
                    None,
                ));
            }
            let version = root.get("Trivy").and_then(|t| sne(t, "Version")).map(str::to_owned);
            if let Some(cluster) = sne(root, "ClusterName") {
                let target = opts.target.clone().unwrap_or_else(|| cluster.to_owned());
                for key in ["Vulnerabilities", "Misconfigurations", "Resources"] {
                    for (i, res) in arr(root, key).iter().enumerate() {
                        let loc = [s(res, "Namespace"), s(res, "Kind"), s(res, "Name")]
                            .into_iter()
                            .flatten()
                            .filter(|x| !x.is_empty())
                            .collect::<Vec<_>>()
                            .join("/");
                        for (j, r) in arr(res, "Results").iter().enumerate() {
                            result(r, &format!("/{key}/{i}/Results/{j}"), &target, &loc, name, diags, &mut items);
                        }
                    }
                }
                (target, version, None)
            } else {
                let Some(results) = root.get("Results") else {
                    if o.contains_key("ArtifactName") {
                        // A clean scan of some Trivy versions omits Results.
                        let target = opts
                            .target
                            .clone()
                            .unwrap_or_else(|| sne(root, "ArtifactName").unwrap_or("unknown").to_owned());
                        return Ok(vec![scan(target, version, instant(s(root, "CreatedAt")), Vec::new())]);
                    }
                    return Err(reject(
                        codes::WRONG_SHAPE,
                        name,
                        "not a Trivy report: no `Results`",
                        "pass the output of `trivy ... --format json`",
                        None,
                    ));
                };
                if !results.is_array() && !results.is_null() {
                    return Err(reject(
                        codes::WRONG_SHAPE,
                        name,
                        "`Results` must be an array",
                        "pass the output of `trivy ... --format json`",
                        None,
                    ));
                }
                let target =
                    opts.target.clone().unwrap_or_else(|| sne(root, "ArtifactName").unwrap_or("unknown").to_owned());
                for (i, r) in arr(root, "Results").iter().enumerate() {
                    result(r, &format!("/Results/{i}"), &target, "", name, diags, &mut items);
                }
                (target, version, instant(s(root, "CreatedAt")))
            }
        }
        _ => {
            return Err(reject(
                codes::WRONG_SHAPE,
                name,
                "a Trivy report is a JSON object",
                "pass the output of `trivy ... --format json`",
                None,
            ));
        }
    };
    dedupe(&mut items);
    Ok(vec![scan(target, version, created, items)])
}

fn scan(
    target: String,
    version: Option<String>,
    created: Option<chrono::DateTime<chrono::Utc>>,
    items: Vec<Item>,
) -> Scan {
    Scan {
        tool: "trivy".into(),
        tool_version: version,
        targets: vec![target],
        started_at: created,
        finished_at: None,
        success: true,
        error: None,
        index: 0,
        items,
    }
}

#[allow(clippy::too_many_arguments)]
fn result(
    r: &Value,
    ptr: &str,
    target: &str,
    resource: &str,
    name: &str,
    diags: &mut Vec<Diagnostic>,
    out: &mut Vec<Item>,
) {
    let rtarget = s(r, "Target").unwrap_or("");
    let class = s(r, "Class").unwrap_or("");
    let rtype = s(r, "Type").unwrap_or("");
    // OS packages: the result target names the OS release, which changes on upgrade; use the
    // OS family (Type) for identity so an upgraded base image keeps its findings' identity.
    let scope = if class == "os-pkgs" || (class.is_empty() && rtarget.contains(" (")) { rtype } else { rtarget };
    let place = if resource.is_empty() { scope.to_owned() } else { format!("{resource}/{scope}") };
    for (i, v) in arr(r, "Vulnerabilities").iter().enumerate() {
        let p = format!("{ptr}/Vulnerabilities/{i}");
        let (Some(id), Some(pkg)) = (sne(v, "VulnerabilityID"), sne(v, "PkgName")) else {
            diags.push(crate::read::skipped(name, &p, "a vulnerability needs VulnerabilityID and PkgName"));
            continue;
        };
        let installed = s(v, "InstalledVersion").unwrap_or("");
        let pkg_path = s(v, "PkgPath").unwrap_or("");
        let cvss = cvss_of(v);
        let (severity, src) = sev(v, cvss, name, &p, diags);
        let mut cwe: Vec<String> = arr(v, "CweIDs").iter().filter_map(Value::as_str).flat_map(cwes_in).collect();
        cwe.sort();
        let fixed = sne(v, "FixedVersion");
        let mut extra = vec![("package", json!(pkg)), ("installed_version", json!(installed))];
        if let Some(f) = fixed {
            extra.push(("fixed_version", json!(f)));
        }
        if let Some(u) = sne(v, "PrimaryURL") {
            extra.push(("url", json!(u)));
        }
        if let Some(st) = sne(v, "Status") {
            extra.push(("status", json!(st)));
        }
        let loc =
            if pkg_path.is_empty() { format!("{pkg}@{installed}") } else { format!("{pkg_path}:{pkg}@{installed}") };
        out.push(Item {
            fingerprint: compute(&["trivy/vuln", target, &place, pkg_path, pkg, id]),
            tool: "trivy".into(),
            rule_id: Some(id.to_owned()),
            title: sne(v, "Title").map_or_else(|| format!("{id} in {pkg}"), |t| format!("{id}: {t}")),
            description: sne(v, "Description").unwrap_or(id).to_owned(),
            severity,
            severity_source: src,
            category: Category::Vulnerability,
            cwe: uniq(cwe),
            cve: if is_advisory_id(id) { vec![id.to_owned()] } else { Vec::new() },
            cvss,
            target: target.to_owned(),
            location: if place.is_empty() { loc } else { format!("{place}: {loc}") },
            line: None,
            resource_type: "package",
            recommended_action: fixed.map_or_else(
                || format!("No fixed version of {pkg} is published yet; mitigate or accept the risk"),
                |f| format!("Upgrade {pkg} from {installed} to {f} or later"),
            ),
            pointer: p,
            occurrences: 1,
            extra,
        });
    }
    for (i, m) in arr(r, "Misconfigurations").iter().enumerate() {
        let p = format!("{ptr}/Misconfigurations/{i}");
        let Some(id) = sne(m, "ID").or_else(|| sne(m, "AVDID")) else {
            diags.push(crate::read::skipped(name, &p, "a misconfiguration needs an ID"));
            continue;
        };
        if s(m, "Status").is_some_and(|st| st != "FAIL") {
            continue; // PASS / EXCEPTION entries are checks that passed, not findings
        }
        let (severity, src) = sev(m, None, name, &p, diags);
        let cause = m.get("CauseMetadata");
        let res = cause.and_then(|c| sne(c, "Resource")).unwrap_or("");
        let line = cause.and_then(|c| c.get("StartLine")).and_then(Value::as_u64);
        let message = sne(m, "Message").unwrap_or("");
        let mut extra = Vec::new();
        if let Some(u) = sne(m, "PrimaryURL") {
            extra.push(("url", json!(u)));
        }
        out.push(Item {
            fingerprint: compute(&["trivy/misconfig", target, &place, id, res, message]),
            tool: "trivy".into(),
            rule_id: Some(id.to_owned()),
            title: sne(m, "Title").map_or_else(|| id.to_owned(), |t| format!("{id}: {t}")),
            description: [sne(m, "Description"), Some(message).filter(|x| !x.is_empty())]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\n\n"),
            severity,
            severity_source: src,
            category: Category::Configuration,
            cwe: Vec::new(),
            cve: Vec::new(),
            cvss: None,
            target: target.to_owned(),
            location: place.clone(),
            line,
            resource_type: "file",
            recommended_action: sne(m, "Resolution").unwrap_or("Fix the misconfiguration").to_owned(),
            pointer: p,
            occurrences: 1,
            extra,
        });
    }
    for (i, x) in arr(r, "Secrets").iter().enumerate() {
        let p = format!("{ptr}/Secrets/{i}");
        let Some(rule) = sne(x, "RuleID") else {
            diags.push(crate::read::skipped(name, &p, "a secret needs a RuleID"));
            continue;
        };
        let (severity, src) = sev(x, None, name, &p, diags);
        let matched = s(x, "Match").unwrap_or("");
        out.push(Item {
            fingerprint: compute(&["trivy/secret", target, &place, rule, &crate::fingerprint::normalize_ws(matched)]),
            tool: "trivy".into(),
            rule_id: Some(rule.to_owned()),
            title: sne(x, "Title").map_or_else(|| format!("Secret: {rule}"), |t| format!("Secret: {t}")),
            description: format!("{} found in {}: {matched}", sne(x, "Title").unwrap_or(rule), place),
            severity,
            severity_source: src,
            category: Category::Vulnerability,
            cwe: vec!["CWE-798".into()],
            cve: Vec::new(),
            cvss: None,
            target: target.to_owned(),
            location: place.clone(),
            line: x.get("StartLine").and_then(Value::as_u64),
            resource_type: "file",
            recommended_action: "Revoke and rotate the secret, then remove it from the source and its history".into(),
            pointer: p,
            occurrences: 1,
            extra: Vec::new(),
        });
    }
}

fn cvss_of(v: &Value) -> Option<f64> {
    let c = v.get("CVSS")?.as_object()?;
    let pref = s(v, "SeveritySource").unwrap_or("nvd");
    let pick = |e: &Value| num(e, "V3Score").or_else(|| num(e, "V40Score")).or_else(|| num(e, "V2Score"));
    c.get(pref)
        .and_then(pick)
        .or_else(|| c.get("nvd").and_then(pick))
        .or_else(|| c.values().find_map(pick))
        .filter(|x| (0.0..=10.0).contains(x))
}

fn sev(v: &Value, cvss: Option<f64>, name: &str, p: &str, diags: &mut Vec<Diagnostic>) -> (Severity, &'static str) {
    if let Some(x) = s(v, "Severity").and_then(severity_word) {
        return (x, "tool");
    }
    if let Some(c) = cvss {
        return (Severity::from_cvss(c), "cvss");
    }
    diags.push(
        Diagnostic::note(
            codes::UNSCORED,
            name,
            format!("{p}: severity `{}` is not usable; recorded as low", s(v, "Severity").unwrap_or("(none)")),
        )
        .with_hint("review the finding and set its severity in sec_findings.yaml if it matters more"),
    );
    (Severity::Low, "default")
}
