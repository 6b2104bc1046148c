//! `cargo audit --json`.

use secfw_artifacts::model::findings::Category;
use secfw_artifacts::{Diagnostic, Severity};
use serde_json::{Value, json};

use crate::fingerprint::compute;
use crate::model::{Item, Scan, dedupe, is_advisory_id, uniq};
use crate::read::{ParseOptions, arr, reject, s, skipped, sne, tok};
use crate::{Error, codes, cvss};

/// Severity of a vulnerability advisory without a CVSS vector (documented in docs/ingest.md).
const UNSCORED_VULNERABILITY: Severity = Severity::Medium;

pub(crate) fn parse(
    root: &Value,
    name: &str,
    opts: &ParseOptions,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Scan>, Error> {
    let Some(vulns) = root.get("vulnerabilities").filter(|v| v.is_object()) else {
        return Err(reject(
            codes::WRONG_SHAPE,
            name,
            "not a cargo-audit report: no `vulnerabilities` object",
            "pass the output of `cargo audit --json`",
            None,
        ));
    };
    let target = opts.target.clone().unwrap_or_else(|| "Cargo.lock".to_owned());
    let mut items = Vec::new();
    for (i, v) in arr(vulns, "list").iter().enumerate() {
        let p = format!("/vulnerabilities/list/{i}");
        if let Some(it) = entry(v, &p, &target, None, name, diags) {
            items.push(it);
        }
    }
    if let Some(w) = root.get("warnings").and_then(Value::as_object) {
        for (kind, list) in w {
            for (i, v) in list.as_array().map_or(&[][..], Vec::as_slice).iter().enumerate() {
                let p = format!("/warnings/{}/{i}", tok(kind));
                if let Some(it) = entry(v, &p, &target, Some(kind), name, diags) {
                    items.push(it);
                }
            }
        }
    }
    // Two versions of one crate in the lockfile with the same advisory are two findings.
    crate::model::separate_copies(&mut items, "cargo-audit-copy", |it| Some(it.location.as_str().into()));
    dedupe(&mut items);
    let mut scan = Scan::new("cargo-audit", vec![target], &[crate::model::class::VULNERABILITY], items);
    narrow_by_settings(root.get("settings"), &mut scan, name, diags);
    // cargo-audit always writes its `warnings` map (empty when there are none): a report
    // without it says nothing about warnings, so it resolves only vulnerabilities.
    if root.get("warnings").is_none_or(Value::is_null) {
        let only = [VULNERABILITY_KIND.to_owned()].into_iter().collect();
        scan.scopes.insert(crate::model::class::VULNERABILITY, only);
    }
    Ok(vec![scan])
}

/// The scope of a cargo-audit finding that is a vulnerability (not a warning).
pub(crate) const VULNERABILITY_KIND: &str = "vulnerability";

/// Warning kinds cargo-audit reports whatever `informational_warnings` says.
const ALWAYS_REPORTED: &[&str] = &[VULNERABILITY_KIND, "yanked"];

/// Narrow what the scan may resolve by the `settings` the report records (cargo-audit writes
/// its effective configuration there): an ignored advisory stays open, a warning kind it did not
/// report is out of its scope, and a severity threshold, a platform filter or a package scope
/// means its silence proves nothing. Absent or `null` settings narrow nothing; settings that
/// are present but cannot be read (`IN0112`) make the scan resolve nothing, since what they
/// left out is unknown (fail closed).
fn narrow_by_settings(settings: Option<&Value>, scan: &mut Scan, name: &str, diags: &mut Vec<Diagnostic>) {
    let Some(settings) = settings.filter(|v| !v.is_null()) else {
        return;
    };
    if !settings.is_object() {
        unreadable(scan, name, diags, "/settings", "is not an object");
        return;
    }
    match settings.get("ignore") {
        None | Some(Value::Null) => {}
        Some(Value::Array(ids)) => {
            for (i, id) in ids.iter().enumerate() {
                let Some(id) = id.as_str().filter(|x| !x.trim().is_empty()) else {
                    unreadable(scan, name, diags, &format!("/settings/ignore/{i}"), "is not an advisory id");
                    continue;
                };
                let at = format!("/settings/ignore/{i}");
                let why = "`settings.ignore` of the report";
                let what = "cargo-audit was configured to ignore";
                crate::read::ignored_by_scanner(&mut scan.ignored, diags, (name, &at), what, id, why);
            }
        }
        Some(_) => unreadable(scan, name, diags, "/settings/ignore", "is not a list of advisory ids"),
    }
    match settings.get("informational_warnings") {
        None | Some(Value::Null) => {}
        Some(Value::Array(kinds)) => {
            // An entry that is not a kind name widens nothing: its kind stays out of scope.
            let set = ALWAYS_REPORTED
                .iter()
                .map(|k| (*k).to_owned())
                .chain(kinds.iter().filter_map(Value::as_str).map(str::to_owned))
                .collect();
            scan.scopes.insert(crate::model::class::VULNERABILITY, set);
        }
        Some(_) => {
            let set = ALWAYS_REPORTED.iter().map(|k| (*k).to_owned()).collect();
            scan.scopes.insert(crate::model::class::VULNERABILITY, set);
            unreadable(scan, name, diags, "/settings/informational_warnings", "is not a list of warning kinds");
        }
    }
    if let Some(sev) = settings.get("severity").filter(|v| !v.is_null()) {
        scan.filtered.push(format!("`settings.severity` {}: advisories below it are not reported", shown(sev)));
    }
    // A platform filter (a list, or a single name as older cargo-audit releases wrote it) or a
    // package scope: crates outside it were not audited.
    for (key, what) in [
        ("target_arch", "crates used only on other platforms are not reported"),
        ("target_os", "crates used only on other platforms are not reported"),
        ("package_scope", "only packages in that scope were audited"),
    ] {
        let listed = match settings.get(key) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(a)) if a.is_empty() => continue,
            Some(Value::Array(a)) => a.iter().map(shown).collect::<Vec<_>>().join(", "),
            Some(other) => shown(other),
        };
        scan.filtered.push(format!("`settings.{key}` {listed}: {what}"));
    }
}

/// A string as itself, anything else as JSON.
fn shown(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// A part of `settings` that cannot be read: the scan resolves nothing, with a warning.
fn unreadable(scan: &mut Scan, name: &str, diags: &mut Vec<Diagnostic>, pointer: &str, what: &str) {
    scan.filtered.push(format!("`{pointer}` {what}: what cargo-audit was configured to leave out is unknown"));
    diags.push(
        Diagnostic::warning(
            codes::SETTINGS_UNREADABLE,
            name,
            format!("{pointer} {what}: what cargo-audit was configured to leave out is unknown, so this scan resolves no finding"),
        )
        .with_hint("ingest the report as cargo-audit wrote it; configure cargo-audit in its own audit.toml and record risk decisions as exceptions in exceptions.md"),
    );
}

fn entry(
    v: &Value,
    p: &str,
    target: &str,
    warning: Option<&str>,
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Item> {
    let pkg = v.get("package").unwrap_or(&Value::Null);
    let Some(pname) = sne(pkg, "name") else {
        diags.push(skipped(name, p, "an entry needs package.name"));
        return None;
    };
    let pver = s(pkg, "version").unwrap_or("");
    let adv = v.get("advisory").filter(|a| a.is_object());
    let kind = warning.map(str::to_owned).or_else(|| s(v, "kind").map(str::to_owned));
    let id = adv.and_then(|a| sne(a, "id")).map(|i| crate::model::canonical_id(i).into_owned());
    let Some(key) = id.clone().or_else(|| kind.clone()) else {
        diags.push(skipped(name, p, "a vulnerability needs advisory.id"));
        return None;
    };
    let vector = adv.and_then(|a| sne(a, "cvss"));
    let score = vector.and_then(cvss::v3_base_score);
    let (severity, src, category) = match (warning, score) {
        (None, Some(x)) => (Severity::from_cvss(x), "cvss", Category::Vulnerability),
        (None, None) => {
            diags.push(
                Diagnostic::note(
                    codes::UNSCORED,
                    name,
                    format!("{p}: advisory {key} has no CVSS vector; recorded as {UNSCORED_VULNERABILITY}"),
                )
                .with_hint(
                    "RustSec advisories without CVSS are recorded as medium; adjust in sec_findings.yaml if needed",
                ),
            );
            (UNSCORED_VULNERABILITY, crate::model::UNRATED, Category::Vulnerability)
        }
        (Some("unsound"), _) => (Severity::Medium, "kind", Category::Vulnerability),
        (Some(_), _) => (Severity::Low, "kind", Category::Configuration),
    };
    let mut cve: Vec<String> = adv
        .map(|a| {
            arr(a, "aliases")
                .iter()
                .filter_map(Value::as_str)
                .filter(|x| is_advisory_id(x))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(i) = id.as_deref().filter(|i| is_advisory_id(i)) {
        cve.push(i.to_owned());
    }
    let patched: Vec<&str> =
        v.get("versions").map(|x| arr(x, "patched").iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let title = adv
        .and_then(|a| sne(a, "title"))
        .map_or_else(|| format!("{pname} {pver} is {}", kind.as_deref().unwrap_or("affected")), str::to_owned);
    let mut extra = vec![("package".into(), json!(pname)), ("installed_version".into(), json!(pver))];
    if let Some(k) = &kind {
        extra.push(("kind".into(), json!(k)));
    }
    if !patched.is_empty() {
        extra.push(("patched_versions".into(), json!(patched)));
    }
    if let Some(u) = adv.and_then(|a| sne(a, "url")) {
        extra.push(("url".into(), json!(u)));
    }
    if let Some(vec) = vector {
        extra.push(("cvss_vector".into(), json!(vec)));
    }
    let kind_s = warning.unwrap_or("vulnerability");
    Some(Item {
        fingerprint: compute(&["cargo-audit", target, pname, kind_s, &key]),
        tool: "cargo-audit".into(),
        rule_id: Some(key.clone()),
        title: if id.is_some() { format!("{key}: {title}") } else { title },
        description: adv
            .and_then(|a| sne(a, "description"))
            .map_or_else(|| format!("{pname} {pver}: {kind_s}"), str::to_owned),
        severity,
        severity_source: src,
        category,
        cwe: Vec::new(),
        cve: uniq(cve),
        cvss: score,
        target: target.to_owned(),
        location: format!("{pname}@{pver}"),
        line: None,
        resource_type: "package",
        recommended_action: if patched.is_empty() {
            format!("No patched release of {pname}; replace the crate or accept the risk with an exception")
        } else {
            format!("Upgrade {pname} to {}", patched.join(" or "))
        },
        pointer: p.to_owned(),
        occurrences: 1,
        extra,
        class: crate::model::class::VULNERABILITY,
        tags: Vec::new(),
        aliases: Vec::new(),
    })
}
