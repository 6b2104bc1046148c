//! Grype JSON (`grype -o json`), old (0.7) and current schemas.

use secfw_artifacts::model::findings::Category;
use secfw_artifacts::{Diagnostic, Severity};
use serde_json::{Value, json};

use crate::fingerprint::compute;
use crate::model::{Item, Scan, dedupe, instant, is_advisory_id, uniq};
use crate::read::{ParseOptions, arr, num, reject, s, skipped, sne};
use crate::{Error, codes};

pub(crate) fn parse(
    root: &Value,
    name: &str,
    opts: &ParseOptions,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Scan>, Error> {
    check_shape(root, name)?;
    let src = root.get("source").unwrap_or(&Value::Null);
    let t = match src.get("target") {
        Some(Value::String(x)) => x.clone(),
        Some(o @ Value::Object(_)) => sne(o, "userInput").unwrap_or("unknown").to_owned(),
        _ => "unknown".to_owned(),
    };
    let target = opts.target.clone().unwrap_or(t);
    let desc = root.get("descriptor").unwrap_or(&Value::Null);
    let version = sne(desc, "version").filter(|v| *v != "[not provided]").map(str::to_owned);
    let mut items = Vec::new();
    for (i, m) in arr(root, "matches").iter().enumerate() {
        if let Some(item) = match_item(m, format!("/matches/{i}"), &target, name, diags) {
            items.push(item);
        }
    }
    ignored_matches(root, &target, name, diags, &mut items);
    // Keys written in another case or with `_` for `-` (`Only-Fixed`, `only_fixed`) are read
    // as Grype's own: read as unknown keys, they widened the scan's scope.
    let mut clashes = Vec::new();
    let conf_read = desc.get("configuration").filter(|c| c.is_object()).map(|c| canonical_keys(c, "", &mut clashes));
    let conf = conf_read.as_ref();
    let layers =
        conf.and_then(|c| s(c, "scope").or_else(|| c.get("search").and_then(|x| s(x, "scope")))).map(layer_word);
    // What the scanned thing is besides its name: a directory named like an image, or
    // another platform of the image, is another thing (`Scan::facets`).
    let source_type = sne(src, "type").map(str::to_ascii_lowercase);
    let platform = conf.and_then(|c| s(c, "platform")).map_or("", str::trim).to_owned();
    // The architecture Grype scanned (an image's, `source.target.architecture`): a runner of
    // another architecture pulls another image of a multi-platform tag without `--platform`.
    let architecture = src.get("target").and_then(|t| sne(t, "architecture")).map(|a| a.trim().to_ascii_lowercase());
    for it in &mut items {
        let fix = if it.extra.iter().any(|(k, _)| *k == "fixed_versions") { "fixed" } else { "not-fixed" };
        it.extra.push(("scope".into(), json!(format!("{}/{fix}", layers.as_deref().unwrap_or(SQUASHED)))));
    }
    dedupe(&mut items);
    let (scopes, incomplete) = conf.map(|c| configured_scope(c, layers.as_deref())).unwrap_or_default();
    let mut scan = Scan::new("grype", vec![target], &[crate::model::class::VULNERABILITY], items);
    scan.tool_version = version;
    scan.started_at = instant(s(desc, "timestamp"));
    scan.incomplete = incomplete;
    scan.scopes = scopes;
    if let Some(t) = source_type {
        scan.set_facet("source_type", t);
    }
    // A finding without `platform` came from a scan that asked for none (`""`): only the
    // scan's facet says so, the findings record a platform that was asked for.
    scan.facets.push(("platform", platform.clone()));
    if !platform.is_empty() {
        scan.set_facet("platform", platform);
    }
    if let Some(a) = architecture.filter(|a| !a.is_empty()) {
        scan.set_facet("architecture", a);
    }
    for k in clashes {
        scan.filtered.push(format!(
            "Grype's configuration writes `{k}` twice, in two forms with different values: which one Grype used is unknown"
        ));
    }
    if let Some(c) = conf {
        // Grype leaves `ignoredMatches` out when it ignored nothing: only a non-empty list says
        // what was dropped.
        let listed = root.get("ignoredMatches").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
        scanner_side_ignores(c, listed, &mut scan, name, diags);
    }
    Ok(vec![scan])
}

/// A key as Grype writes it: `onlyFixed`, `Only-Fixed`, `only_fixed` and `ONLY_FIXED` are all
/// `only-fixed`.
fn kebab(k: &str) -> String {
    let mut out = String::with_capacity(k.len() + 2);
    let mut prev: Option<char> = None;
    for c in k.chars() {
        let c2 = if c == '_' { '-' } else { c };
        if c2.is_ascii_uppercase() && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
            out.push('-');
        }
        out.push(c2.to_ascii_lowercase());
        prev = Some(c2);
    }
    out
}

/// `v` with the keys of its objects (at any depth) as Grype writes them ([`kebab`]). Two keys
/// that become one with different values are listed in `clashes` (by their path), and the
/// first value is kept.
fn canonical_keys(v: &Value, at: &str, clashes: &mut Vec<String>) -> Value {
    match v {
        Value::Object(o) => {
            let mut out = serde_json::Map::with_capacity(o.len());
            for (k, x) in o {
                let key = kebab(k);
                let path = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
                let x = canonical_keys(x, &path, clashes);
                match out.get(&key) {
                    Some(first) if *first != x => clashes.push(path),
                    Some(_) => {}
                    None => {
                        out.insert(key, x);
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| canonical_keys(x, at, clashes)).collect()),
        other => other.clone(),
    }
}

/// What Grype's configuration says it ignored, beyond the `ignoredMatches` it lists:
/// - an `ignore` rule naming a vulnerability keeps every finding of that id open, listed or
///   not (a scanner-side ignore is a risk decision the exception registry did not make);
/// - VEX documents and `ignore-wontfix` drop matches by their status: when the report lists no
///   `ignoredMatches` at all, what they dropped is unknown and the scan resolves nothing.
///
/// Rules by package (Grype's default rules for kernel headers among them) are taken as
/// listed: Grype moves every match a rule drops to `ignoredMatches`.
fn scanner_side_ignores(conf: &Value, listed: bool, scan: &mut Scan, name: &str, diags: &mut Vec<Diagnostic>) {
    for (i, rule) in arr(conf, "ignore").iter().enumerate() {
        let Some(id) = sne(rule, "vulnerability") else {
            // A rule naming vulnerabilities in a form secfw cannot read ignores unknown ones.
            if rule.get("vulnerability").is_some_and(|v| !v.is_null() && !v.is_string()) {
                scan.filtered
                    .push(format!("Grype ignore rule {i} names its vulnerability as {}", rule["vulnerability"]));
            }
            continue;
        };
        let at = format!("/descriptor/configuration/ignore/{i}");
        let why = "an `ignore` rule of its configuration";
        crate::read::ignored_by_scanner(
            &mut scan.ignored,
            diags,
            (name, &at),
            "Grype was configured to ignore",
            id,
            why,
        );
    }
    if listed {
        return;
    }
    let vex = match conf.get("vex-documents") {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    };
    if vex {
        scan.filtered.push("Grype applied VEX documents and the report lists no `ignoredMatches`".to_owned());
    }
    // Absent, `null`, `false` or an empty string: off; anything else drops matches by state.
    for key in ["ignore-wontfix", "ignore-states"] {
        let set = match conf.get(key) {
            None | Some(Value::Null | Value::Bool(false)) => false,
            Some(Value::String(t)) => !t.trim().is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        };
        if set {
            scan.filtered.push(format!("Grype ran with `{key}` and the report lists no `ignoredMatches`"));
        }
    }
}

/// Grype's default image scope.
const SQUASHED: &str = "squashed";

/// `Squashed` / `squashed` → `squashed`, `AllLayers` / `all-layers` → `all-layers`.
fn layer_word(s: &str) -> String {
    let w: String = s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    if w == "alllayers" { "all-layers".to_owned() } else { w }
}

type Scoped = (
    std::collections::BTreeMap<&'static str, std::collections::BTreeSet<String>>,
    std::collections::BTreeMap<&'static str, String>,
);

/// What a Grype scan run with `descriptor.configuration` can resolve: the findings of its
/// image scope (an `all-layers` scan also covers the squashed image's) and fix state
/// (`only-fixed`: only findings with a fix; `only-notfixed`: only those without), as
/// `layers/fix` scopes; a non-empty `exclude` (a list, or a single pattern) leaves unknown what
/// the excluded paths hold, so the scan is incomplete (wholesale). A flag that is neither a
/// boolean nor `null` is taken as set (the narrower scope).
fn configured_scope(conf: &Value, layers: Option<&str>) -> Scoped {
    let layer = layers.unwrap_or(SQUASHED);
    let layer_set: Vec<&str> = if layer == "all-layers" { vec![SQUASHED, "all-layers"] } else { vec![layer] };
    // Absent, `null` or `false`: off. Anything else but `true` cannot be read, and is taken
    // as on, the narrower scope (fail closed).
    let flag = |k: &str| !matches!(conf.get(k), None | Some(Value::Null | Value::Bool(false)));
    let (only_fixed, only_notfixed) = (flag("only-fixed"), flag("only-notfixed"));
    let fixes: Vec<&str> = ["fixed", "not-fixed"]
        .into_iter()
        .filter(|f| if *f == "fixed" { !only_notfixed } else { !only_fixed })
        .collect();
    let set = layer_set
        .iter()
        .flat_map(|l| fixes.iter().map(move |f| crate::model::scope_key(&format!("{l}/{f}"))))
        .collect();
    let mut incomplete = std::collections::BTreeMap::new();
    // Every entry counts, whatever its type; an `exclude` that is not a list (a single
    // pattern) excludes too.
    let excluded: Vec<String> = match conf.get("exclude") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect(),
        Some(other) => vec![other.as_str().map_or_else(|| other.to_string(), str::to_owned)],
    };
    if !excluded.is_empty() {
        incomplete.insert(
            crate::model::class::VULNERABILITY,
            format!("Grype ran with `exclude` {excluded:?}: what the excluded paths hold is unknown"),
        );
    }
    ([(crate::model::class::VULNERABILITY, set)].into(), incomplete)
}

/// A Grype report has `matches`: an array, or `null`.
fn check_shape(root: &Value, name: &str) -> Result<(), Error> {
    let Some(matches) = root.get("matches") else {
        return Err(reject(
            codes::WRONG_SHAPE,
            name,
            "not a Grype report: no `matches`",
            "pass the output of `grype -o json`",
            None,
        ));
    };
    if !matches.is_array() && !matches.is_null() {
        return Err(reject(
            codes::WRONG_SHAPE,
            name,
            "`matches` must be an array",
            "pass the output of `grype -o json`",
            None,
        ));
    }
    Ok(())
}

/// The severity of a match: Grype's word, else its best CVSS score, else low (noted).
fn severity_of(
    vuln: &Value,
    cvss: Option<f64>,
    p: &str,
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> (Severity, &'static str) {
    crate::model::severity_or_cvss(s(vuln, "severity"), cvss, name, p, "review the finding's severity", diags)
}

/// One match → one item (`None`, with a skipped-item note, without a vulnerability id or a
/// package name).
fn match_item(m: &Value, p: String, target: &str, name: &str, diags: &mut Vec<Diagnostic>) -> Option<Item> {
    let vuln = m.get("vulnerability").unwrap_or(&Value::Null);
    let art = m.get("artifact").unwrap_or(&Value::Null);
    let (Some(id), Some(pkg)) = (sne(vuln, "id"), sne(art, "name")) else {
        items_skip(diags, name, &p);
        return None;
    };
    let pver = s(art, "version").unwrap_or("");
    let id = &*crate::model::canonical_id(id);
    // Package types are lower case (`apk`, `java-archive`): one written in another case is
    // the same type.
    let ptype_lower = s(art, "type").unwrap_or("").to_ascii_lowercase();
    let ptype = ptype_lower.as_str();
    let cvss = best_cvss(vuln).or_else(|| arr(m, "relatedVulnerabilities").iter().find_map(best_cvss));
    let (severity, sev_src) = severity_of(vuln, cvss, &p, name, diags);
    let mut cve = vec![];
    if is_advisory_id(id) {
        cve.push(id.to_owned());
    }
    for r in arr(m, "relatedVulnerabilities") {
        if let Some(x) = sne(r, "id").filter(|x| is_advisory_id(x)) {
            cve.push(x.to_owned());
        }
    }
    let fix = vuln.get("fix").unwrap_or(&Value::Null);
    let fixes: Vec<&str> = arr(fix, "versions").iter().filter_map(Value::as_str).collect();
    // The artifact is part of the identity: the same vulnerability in two jars (two
    // library paths) is two findings. Its locations (sorted, so their order does not
    // matter), else its purl.
    let mut paths: Vec<&str> = arr(art, "locations").iter().filter_map(|l| sne(l, "path")).collect();
    paths.sort_unstable();
    paths.dedup();
    let artifact = if paths.is_empty() { sne(art, "purl").unwrap_or("").to_owned() } else { paths.join("\n") };
    let path = paths.first().copied().unwrap_or("");
    let description = sne(vuln, "description")
        .or_else(|| arr(m, "relatedVulnerabilities").iter().find_map(|r| sne(r, "description")))
        .unwrap_or(id)
        .to_owned();
    let mut extra = vec![
        ("package".into(), json!(pkg)),
        ("installed_version".into(), json!(pver)),
        ("package_type".into(), json!(ptype)),
    ];
    if !fixes.is_empty() {
        extra.push(("fixed_versions".into(), json!(fixes)));
    }
    if let Some(u) = sne(vuln, "dataSource") {
        extra.push(("url".into(), json!(u)));
    }
    if let Some(r) = num(vuln, "risk") {
        extra.push(("risk".into(), json!(r)));
    }
    Some(Item {
        fingerprint: compute(&["grype", target, ptype, pkg, id, &artifact]),
        tool: "grype".into(),
        rule_id: Some(id.to_owned()),
        title: format!("{id} in {pkg}"),
        description,
        severity,
        severity_source: sev_src,
        category: Category::Vulnerability,
        cwe: Vec::new(),
        cve: uniq(cve),
        cvss,
        target: target.to_owned(),
        location: if path.is_empty() { format!("{pkg}@{pver}") } else { format!("{path}: {pkg}@{pver}") },
        line: None,
        resource_type: "package",
        recommended_action: if fixes.is_empty() {
            format!("No fixed version of {pkg} is known; mitigate or accept the risk")
        } else {
            format!("Upgrade {pkg} from {pver} to {}", fixes.join(" or "))
        },
        pointer: p,
        occurrences: 1,
        extra,
        class: crate::model::class::VULNERABILITY,
        tags: Vec::new(),
        // secfw 0.1 identified a Grype match without its artifact.
        aliases: vec![compute(&["grype", target, ptype, pkg, id])],
    })
}

/// `ignoredMatches`: matches an ignore rule (`.grype.yaml` `ignore:`, `--ignore-states`, VEX)
/// hid. Like Trivy's `--show-suppressed` findings they are kept, recorded as suppressed by the
/// scanner (evidence `suppressions` with the applied rules, note `IN0103`) with the
/// fingerprint the match has when reported, so an ignore rule never resolves a finding and the
/// suppression_parity gate fails (`SP0208`) unless an exception backs it. An entry that is not
/// a usable match is skipped (`IN0101`), which makes the scan incomplete.
fn ignored_matches(root: &Value, target: &str, name: &str, diags: &mut Vec<Diagnostic>, items: &mut Vec<Item>) {
    match root.get("ignoredMatches") {
        None | Some(Value::Null | Value::Array(_)) => {}
        Some(_) => diags.push(skipped(name, "/ignoredMatches", "`ignoredMatches` must be an array")),
    }
    for (i, m) in arr(root, "ignoredMatches").iter().enumerate() {
        let Some(mut item) = match_item(m, format!("/ignoredMatches/{i}"), target, name, diags) else { continue };
        let rules = arr(m, "appliedIgnoreRules");
        let reason = rules.iter().find_map(|r| sne(r, "reason"));
        let mut rule_text = serde_json::to_string(&Value::Array(rules.to_vec())).unwrap_or_default();
        crate::model::cap(&mut rule_text, crate::model::limits::EVIDENCE_STRING);
        item.extra.push((
            "suppressions".into(),
            json!([{"kind": "external", "status": "accepted", "justification": reason,
                    "source": "grype ignore rule", "scanner_status": "ignored", "rules": rule_text}]),
        ));
        diags.push(
            Diagnostic::note(
                codes::SUPPRESSED_IN_SOURCE,
                name,
                format!(
                    "/ignoredMatches/{i}: {} is ignored by Grype ({}); ingested as open",
                    item.title,
                    if rule_text.is_empty() || rule_text == "[]" { "no applied rule named" } else { &rule_text }
                ),
            )
            .with_hint("secfw tracks accepted risk in exceptions.md: add an exception naming this finding"),
        );
        items.push(item);
    }
}

fn items_skip(diags: &mut Vec<Diagnostic>, name: &str, p: &str) {
    diags.push(skipped(name, p, "a match needs vulnerability.id and artifact.name"));
}

fn best_cvss(v: &Value) -> Option<f64> {
    arr(v, "cvss")
        .iter()
        .filter_map(|c| {
            c.get("metrics").and_then(|m| num(m, "baseScore")).map(|x| (s(c, "version").unwrap_or("").to_owned(), x))
        })
        .filter(|(_, x)| (0.0..=10.0).contains(x))
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, x)| x)
}
