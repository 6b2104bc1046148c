//! OSV-Scanner JSON (`osv-scanner --format json`): one finding per package and alias group.

use std::collections::BTreeMap;

use secfw_artifacts::model::findings::Category;
use secfw_artifacts::{Diagnostic, Severity};
use serde_json::{Value, json};

use crate::fingerprint::compute;
use crate::model::{Item, Scan, cwes_in, dedupe, is_advisory_id, severity_word, uniq};
use crate::read::{ParseOptions, arr, num, reject, s, skipped, sne};
use crate::{Error, codes, cvss};

pub(crate) fn parse(
    root: &Value,
    name: &str,
    opts: &ParseOptions,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Scan>, Error> {
    if !root.get("results").is_some_and(Value::is_array) {
        return Err(reject(
            codes::WRONG_SHAPE,
            name,
            "not an OSV-Scanner report: no `results` array",
            "pass the output of `osv-scanner --format json`",
            None,
        ));
    }
    let mut items = Vec::new();
    let mut targets = Vec::new();
    for (ri, res) in arr(root, "results").iter().enumerate() {
        let source = res.get("source").unwrap_or(&Value::Null);
        let path = sne(source, "path").unwrap_or("unknown");
        let target = opts.target.clone().unwrap_or_else(|| path.to_owned());
        let first = items.len();
        for (pi, pk) in arr(res, "packages").iter().enumerate() {
            package_items(pk, &format!("/results/{ri}/packages/{pi}"), &target, name, diags, &mut items);
        }
        // With `--target`, the lockfiles of one project share the target: each finding
        // records its lockfile, which tells the copies of one package apart.
        if opts.target.is_some() {
            for it in &mut items[first..] {
                it.extra.push(("source_path".into(), json!(path)));
            }
        }
        targets.push(target);
    }
    // One package in two lockfiles of one project, or two versions of it in one, is two
    // findings.
    crate::model::separate_copies(&mut items, "osv-copy", |it| {
        let source = it.extra.iter().find(|(k, _)| k == "source_path").and_then(|(_, v)| v.as_str()).unwrap_or("");
        Some(format!("{source}\n{}", it.location).into())
    });
    dedupe(&mut items);
    targets.sort();
    targets.dedup();
    if targets.is_empty() {
        targets.push(opts.target.clone().unwrap_or_else(|| ".".to_owned()));
    }
    Ok(vec![Scan::new("osv-scanner", targets, &[crate::model::class::VULNERABILITY], items)])
}

/// A package of a result: its name (or `git:<commit>`), ecosystem, version, and where it is.
struct Pkg<'a> {
    name: &'a str,
    eco: &'a str,
    version: &'a str,
    target: &'a str,
    pointer: &'a str,
}

/// The findings of one package: one per alias group (and per vulnerability in no group).
fn package_items(pk: &Value, p: &str, target: &str, name: &str, diags: &mut Vec<Diagnostic>, items: &mut Vec<Item>) {
    let pkg = pk.get("package").unwrap_or(&Value::Null);
    // A package found by git commit (a submodule, a vendored tree) has no name.
    let by_commit = sne(pkg, "commit").map(|c| format!("git:{c}"));
    let Some(pname) = sne(pkg, "name").or(by_commit.as_deref()) else {
        diags.push(skipped(name, p, "a package needs package.name or package.commit"));
        return;
    };
    let pkg = Pkg {
        name: pname,
        eco: s(pkg, "ecosystem").unwrap_or(""),
        version: s(pkg, "version").unwrap_or(""),
        target,
        pointer: p,
    };
    // Ids as their databases write them (`canonical_id`), in the vulnerabilities and in the
    // groups alike.
    let vulns: BTreeMap<String, (usize, &Value)> = arr(pk, "vulnerabilities")
        .iter()
        .enumerate()
        .filter_map(|(i, v)| sne(v, "id").map(|id| (crate::model::canonical_id(id).into_owned(), (i, v))))
        .collect();
    // Groups merge aliases (GO-..., GHSA-..., CVE-...) into one finding.
    let mut groups: Vec<(Vec<String>, MaxSeverity)> = arr(pk, "groups")
        .iter()
        .map(|g| {
            let mut ids: Vec<String> = arr(g, "ids")
                .iter()
                .filter_map(Value::as_str)
                .map(|i| crate::model::canonical_id(i).into_owned())
                .collect();
            ids.sort();
            (ids, max_severity(g))
        })
        .filter(|(ids, _)| !ids.is_empty())
        .collect();
    let grouped: std::collections::BTreeSet<&str> =
        groups.iter().flat_map(|(ids, _)| ids.iter().map(String::as_str)).collect();
    let alone: Vec<String> = vulns.keys().filter(|id| !grouped.contains(id.as_str())).cloned().collect();
    groups.extend(alone.into_iter().map(|id| (vec![id], MaxSeverity::Absent)));
    for (ids, max_sev) in groups {
        let Some((vi, v)) = ids.iter().find_map(|id| vulns.get(id.as_str()).copied()) else {
            diags.push(skipped(name, p, &format!("group {} names no vulnerability in the package", ids.join(", "))));
            continue;
        };
        items.push(group_item(&pkg, &vulns, &ids, max_sev, (vi, v), name, diags));
    }
}

/// A group's `max_severity`, as OSV-Scanner writes it: a score as a string (`"7.5"`), or
/// `""` when no advisory of the group has one.
#[derive(Clone, Copy, Debug, PartialEq)]
enum MaxSeverity {
    /// A score within 0..=10.
    Score(f64),
    /// Absent, `null` or `""`.
    Absent,
    /// There, and no score within 0..=10 (`"HIGH"`, `11`, an object): the severity found
    /// without it is no rating of the scanner's, and never lowers a finding.
    Unreadable,
}

fn max_severity(g: &Value) -> MaxSeverity {
    match g.get("max_severity") {
        None | Some(Value::Null) => MaxSeverity::Absent,
        Some(Value::String(t)) if t.trim().is_empty() => MaxSeverity::Absent,
        Some(_) => num(g, "max_severity")
            .filter(|x| (0.0..=10.0).contains(x))
            .map_or(MaxSeverity::Unreadable, MaxSeverity::Score),
    }
}

/// The severity of a group: its `max_severity`, else a CVSS v3 vector, else the database's
/// word, else critical for a malicious package, else medium (noted).
fn severity_of(
    v: &Value,
    ids: &[String],
    score: Option<f64>,
    (vp, primary): (&str, &str),
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> (Severity, &'static str) {
    let db_sev = v.get("database_specific").and_then(|d| s(d, "severity")).and_then(severity_word);
    let is_mal = ids.iter().any(|i| i.starts_with("MAL-"))
        || v.get("database_specific").is_some_and(|d| d.get("malicious-packages-origins").is_some());
    if let Some(x) = score {
        (Severity::from_cvss(x), "cvss")
    } else if let Some(x) = db_sev {
        (x, "tool")
    } else if is_mal {
        (Severity::Critical, "malicious-package")
    } else {
        diags.push(
            Diagnostic::note(codes::UNSCORED, name, format!("{vp}: {primary} has no severity; recorded as medium"))
                .with_hint("review the finding's severity"),
        );
        (Severity::Medium, crate::model::UNRATED)
    }
}

/// One alias group of a package → one item; `v` (at index `vi`) is its first vulnerability.
fn group_item(
    pkg: &Pkg<'_>,
    vulns: &BTreeMap<String, (usize, &Value)>,
    ids: &[String],
    max_sev: MaxSeverity,
    (vi, v): (usize, &Value),
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> Item {
    let Pkg { name: pname, eco, version: pver, target, pointer: p } = *pkg;
    let vp = format!("{p}/vulnerabilities/{vi}");
    let primary = ids.iter().find(|i| i.starts_with("CVE-")).or_else(|| ids.first()).cloned().unwrap_or_default();
    let mut cve: Vec<String> = ids.iter().filter(|i| is_advisory_id(i)).cloned().collect();
    for id in ids {
        if let Some((_, vv)) = vulns.get(id.as_str()) {
            cve.extend(
                arr(vv, "aliases").iter().filter_map(Value::as_str).filter(|x| is_advisory_id(x)).map(str::to_owned),
            );
        }
    }
    let vector_score = arr(v, "severity").iter().filter_map(|x| s(x, "score")).find_map(cvss::v3_base_score);
    let given = match max_sev {
        MaxSeverity::Score(x) => Some(x),
        MaxSeverity::Absent | MaxSeverity::Unreadable => None,
    };
    let score = given.or(vector_score.filter(|x| (0.0..=10.0).contains(x)));
    let (severity, mut src) = severity_of(v, ids, score, (&vp, &primary), name, diags);
    if max_sev == MaxSeverity::Unreadable && src != crate::model::UNRATED {
        diags.push(
            Diagnostic::note(
                codes::UNSCORED,
                name,
                format!("{p}/groups: the `max_severity` of {primary}'s group is not a score from 0 to 10; recorded as {severity}"),
            )
            .with_hint("a finding is never lowered by a severity secfw could not read"),
        );
        src = crate::model::UNRATED;
    }
    let cwe: Vec<String> = v
        .get("database_specific")
        .map(|d| arr(d, "cwe_ids").iter().filter_map(Value::as_str).flat_map(cwes_in).collect())
        .unwrap_or_default();
    let fixed: Vec<&str> = arr(v, "affected")
        .iter()
        .filter(|a| a.get("package").and_then(|x| s(x, "name")) == Some(pname))
        .flat_map(|a| arr(a, "ranges"))
        .flat_map(|r| arr(r, "events"))
        .filter_map(|e| s(e, "fixed"))
        .collect();
    let fingerprint = compute(&["osv", target, eco, pname, &ids.join(",")]);
    // A group grows as advisories gain aliases (a GO id gets its CVE): the identities of the
    // group without one of its ids (and of each id alone) are aliases, so a recorded finding
    // keeps its id.
    let mut aliases = Vec::new();
    if ids.len() > 1 {
        for i in 0..ids.len() {
            let rest: Vec<&str> = ids.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, x)| x.as_str()).collect();
            aliases.push(compute(&["osv", target, eco, pname, &rest.join(",")]));
            aliases.push(compute(&["osv", target, eco, pname, &ids[i]]));
        }
        aliases.sort();
        aliases.dedup();
    }
    let mut extra = vec![
        ("package".into(), json!(pname)),
        ("installed_version".into(), json!(pver)),
        ("ecosystem".into(), json!(eco)),
        ("ids".into(), json!(ids)),
    ];
    if !fixed.is_empty() {
        extra.push(("fixed_versions".into(), json!(fixed)));
    }
    Item {
        fingerprint,
        tool: "osv-scanner".into(),
        rule_id: Some(primary.clone()),
        title: sne(v, "summary").map_or_else(|| format!("{primary} in {pname}"), |t| format!("{primary}: {t}")),
        description: sne(v, "details").or_else(|| sne(v, "summary")).unwrap_or(&primary).to_owned(),
        severity,
        severity_source: src,
        category: Category::Vulnerability,
        cwe: uniq(cwe),
        cve: uniq(cve),
        cvss: score,
        target: target.to_owned(),
        location: format!("{pname}@{pver}"),
        line: None,
        resource_type: "package",
        recommended_action: if fixed.is_empty() {
            format!("No fixed version of {pname} is known; remove or replace the package, or accept the risk")
        } else {
            format!("Upgrade {pname} from {pver} to {}", fixed.join(" or "))
        },
        pointer: vp,
        occurrences: 1,
        extra,
        class: crate::model::class::VULNERABILITY,
        tags: Vec::new(),
        aliases,
    }
}
