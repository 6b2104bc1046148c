//! The containers of a report that hold its findings, checked before a format's reader maps
//! them: a list of vulnerabilities written as an object, a string among the results, a
//! count that the list does not hold. Each reader reads such a container as empty (it cannot
//! read it), and an empty container is what a clean scan writes, so without this check a
//! broken or hostile report would resolve every finding it claims to cover.
//!
//! The same holds one level deeper: a field a finding's identity is read from, where absent
//! means empty (Trivy's `PkgPath`), read as empty when it has another type, gave the finding
//! another identity, so the recorded one resolved. And a key written in another case
//! (`vulnerabilities` for `Vulnerabilities`) was not read at all.
//!
//! Each rule names a container or field by its path (`*`: every entry of an array or object;
//! from the report's root, or from each entry of a list of objects) and the shape it must
//! have. One that is absent or `null` is empty and passes; one of another type, an entry of
//! another type, or a key of its path written in another case is a skipped item (`IN0101`),
//! which makes every scan of the report incomplete (nothing is resolved by it). One rule, one
//! home: the readers keep mapping what they can read.

use serde_json::Value;

use crate::model::Format;

/// What a container or field must be.
#[derive(Clone, Copy)]
enum Want {
    /// An array of objects, each entry checked against these rules (paths from the entry).
    Objects(&'static [Rule]),
    /// An object whose values are objects.
    ObjectOfObjects,
    /// An object whose values are arrays of objects (cargo-audit `warnings`: kind → entries):
    /// its keys written as one of these names in another case are problems, and each entry is
    /// checked against the rules.
    ObjectOfObjectLists(&'static [&'static str], &'static [Rule]),
    /// An array (of anything: npm's `via` holds names and objects).
    Array,
    /// An object.
    Object,
    /// A string: a field the finding's identity is read from, where absent means empty.
    Text,
    /// A non-empty string that must be there.
    Required,
    /// An array of strings.
    Texts,
}

/// One container or field: its path (`*`: every entry; from the report's root, or from the
/// entry for the rules of [`Want::Objects`]) and shape.
type Rule = (&'static [&'static str], Want);

/// The fields of a Trivy finding its identity is read from, where absent means empty.
const TRIVY_VULN: &[Rule] = &[(&["PkgPath"], Want::Text), (&["InstalledVersion"], Want::Text)];
const TRIVY_MISCONFIG: &[Rule] = &[
    (&["ID"], Want::Text),
    (&["AVDID"], Want::Text),
    (&["Message"], Want::Text),
    (&["CauseMetadata"], Want::Object),
    (&["CauseMetadata", "Resource"], Want::Text),
];
const TRIVY_SECRET: &[Rule] = &[(&["Match"], Want::Text)];
const TRIVY_LICENSE: &[Rule] = &[(&["PkgName"], Want::Text), (&["FilePath"], Want::Text)];
/// A Trivy result: the fields its findings' target and scope are read from, and its lists of
/// findings.
const TRIVY_RESULTS: &[Rule] = &[
    (&["Target"], Want::Text),
    (&["Class"], Want::Text),
    (&["Type"], Want::Text),
    (&["Vulnerabilities"], Want::Objects(TRIVY_VULN)),
    (&["Misconfigurations"], Want::Objects(TRIVY_MISCONFIG)),
    (&["Secrets"], Want::Objects(TRIVY_SECRET)),
    (&["Licenses"], Want::Objects(TRIVY_LICENSE)),
    (&["ExperimentalModifiedFindings"], Want::Objects(&[])),
];
/// A Kubernetes resource (or the older layout's entry): the names its findings' scope is read
/// from, and its results.
const TRIVY_RESOURCE: &[Rule] = &[
    (&["Namespace"], Want::Text),
    (&["Kind"], Want::Text),
    (&["Name"], Want::Text),
    (&["Results"], Want::Objects(TRIVY_RESULTS)),
];

/// Trivy: the SchemaVersion 2 layout, the Kubernetes layout and the legacy root array.
const TRIVY: &[Rule] = &[
    (&["Results"], Want::Objects(TRIVY_RESULTS)),
    (&["Vulnerabilities"], Want::Objects(TRIVY_RESOURCE)),
    (&["Misconfigurations"], Want::Objects(TRIVY_RESOURCE)),
    (&["Resources"], Want::Objects(TRIVY_RESOURCE)),
];

/// The legacy Trivy layout: the root is the array of results.
const TRIVY_LEGACY: &[Rule] = &[(&[], Want::Objects(TRIVY_RESULTS))];

/// A Grype match (reported or ignored): what its identity is read from.
const GRYPE_MATCH: &[Rule] = &[
    (&["vulnerability"], Want::Object),
    (&["artifact"], Want::Object),
    (&["artifact", "type"], Want::Text),
    (&["artifact", "purl"], Want::Text),
    (&["artifact", "locations"], Want::Objects(&[(&["path"], Want::Text)])),
];

const GRYPE: &[Rule] = &[
    (&["matches"], Want::Objects(GRYPE_MATCH)),
    (&["ignoredMatches"], Want::Objects(GRYPE_MATCH)),
    (&["descriptor", "configuration"], Want::Object),
    (&["descriptor", "configuration", "ignore"], Want::Objects(&[])),
];

/// A cargo-audit vulnerability or warning: its package and advisory are objects.
const CARGO_ENTRY: &[Rule] = &[(&["package"], Want::Object), (&["advisory"], Want::Object), (&["kind"], Want::Text)];

/// The warning kinds cargo-audit writes (`warnings` keys).
const CARGO_KINDS: &[&str] = &["unmaintained", "unsound", "yanked", "notice"];

const CARGO_AUDIT: &[Rule] = &[
    (&["vulnerabilities", "list"], Want::Objects(CARGO_ENTRY)),
    (&["warnings"], Want::ObjectOfObjectLists(CARGO_KINDS, CARGO_ENTRY)),
];

const NPM: &[Rule] = &[
    (&["metadata", "vulnerabilities"], Want::Object),
    (&["vulnerabilities"], Want::ObjectOfObjects),
    (&["vulnerabilities", "*", "via"], Want::Array),
    (&["advisories"], Want::ObjectOfObjects),
];

/// An OSV-Scanner package: the package it names, its vulnerabilities (each with an id) and
/// the groups that merge their aliases into one finding.
const OSV_PACKAGE: &[Rule] = &[
    (&["package"], Want::Object),
    (&["package", "name"], Want::Text),
    (&["package", "commit"], Want::Text),
    (&["package", "ecosystem"], Want::Text),
    (&["vulnerabilities"], Want::Objects(&[(&["id"], Want::Required)])),
    (&["groups"], Want::Objects(&[(&["ids"], Want::Texts)])),
];

/// An OSV-Scanner result: the source (its `path` is the findings' target) and its packages.
const OSV_RESULT: &[Rule] =
    &[(&["source"], Want::Object), (&["source", "path"], Want::Text), (&["packages"], Want::Objects(OSV_PACKAGE))];

const OSV: &[Rule] = &[(&["results"], Want::Objects(OSV_RESULT))];

/// The most problems listed one by one; the rest are counted in one more.
const LISTED: usize = 50;

/// The containers of `root` (a `format` report) that do not have their shape, as (JSON
/// pointer, why), in document order within each rule; then the counts the format states and
/// its lists do not hold. At most [`LISTED`] + 1 entries.
pub(crate) fn problems(format: Format, root: &Value) -> Vec<(String, String)> {
    let rules = match format {
        Format::Trivy if root.is_array() => TRIVY_LEGACY,
        Format::Trivy => TRIVY,
        Format::Grype => GRYPE,
        Format::CargoAudit => CARGO_AUDIT,
        Format::NpmAudit => NPM,
        Format::Osv => OSV,
        Format::Sarif | Format::Auto => &[],
    };
    let mut out = Vec::new();
    let mut more = 0usize;
    for (path, want) in rules {
        walk(root, path, &mut String::new(), *want, &mut |p, why| {
            if out.len() < LISTED {
                out.push((p, why));
            } else {
                more += 1;
            }
        });
    }
    for p in counts(format, root) {
        if out.len() < LISTED {
            out.push(p);
        } else {
            more += 1;
        }
    }
    if more > 0 {
        out.push((String::new(), format!("{more} more containers or entries of the wrong type")));
    }
    out
}

/// Visit the containers `path` names under `v` (at pointer `at`) and report each one that is
/// not `want`, and each key written as a step of `path` in another case (keys are
/// case-sensitive: the reader did not read what it holds).
fn walk(v: &Value, path: &[&str], at: &mut String, want: Want, bad: &mut dyn FnMut(String, String)) {
    let Some((step, rest)) = path.split_first() else {
        check(v, at, want, bad);
        return;
    };
    let len = at.len();
    if *step == "*" {
        match v {
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    at.push('/');
                    at.push_str(&i.to_string());
                    walk(x, rest, at, want, bad);
                    at.truncate(len);
                }
            }
            Value::Object(o) => {
                for (k, x) in o {
                    push_key(at, k);
                    walk(x, rest, at, want, bad);
                    at.truncate(len);
                }
            }
            // The container's own rule reports it.
            _ => {}
        }
        return;
    }
    let Some(o) = v.as_object() else { return };
    for k in o.keys().filter(|k| k.len() == step.len() && *k != step && k.eq_ignore_ascii_case(step)) {
        push_key(at, k);
        bad(at.clone(), format!("`{k}` is not `{step}`: keys are case-sensitive, so what it holds was not read"));
        at.truncate(len);
    }
    match o.get(*step) {
        Some(x) => {
            push_key(at, step);
            walk(x, rest, at, want, bad);
            at.truncate(len);
        }
        None if rest.is_empty() && matches!(want, Want::Required) => bad(at.clone(), lacks(at, step)),
        None => {}
    }
}

/// `at` followed by the JSON pointer step of `key`.
fn push_key(at: &mut String, key: &str) {
    at.push('/');
    if key.contains(['~', '/']) {
        at.push_str(&key.replace('~', "~0").replace('/', "~1"));
    } else {
        at.push_str(key);
    }
}

/// The last step of a pointer, as written in it (a number for an array's entry).
fn last_key(at: &str) -> &str {
    at.rsplit('/').next().unwrap_or("")
}

/// "An entry of `b` has no `key`" for the entry at `entry` (`/a/b/3`).
fn lacks(entry: &str, key: &str) -> String {
    format!("an entry of `{}` has no `{key}`", entry.rsplit('/').nth(1).unwrap_or(""))
}

/// Report `v` (at `at`) unless it is `null` or has the shape `want`.
fn check(v: &Value, at: &mut String, want: Want, bad: &mut dyn FnMut(String, String)) {
    let named = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let shown = if at.is_empty() { "the report".to_owned() } else { format!("`{}`", last_key(at)) };
    let len = at.len();
    match (want, v) {
        (Want::Required, Value::String(t)) if !t.trim().is_empty() => {}
        (Want::Required, _) => {
            let (entry, key) = at.rsplit_once('/').unwrap_or(("", at));
            bad(at.clone(), lacks(entry, key));
        }
        (_, Value::Null)
        | (Want::Array, Value::Array(_))
        | (Want::Object, Value::Object(_))
        | (Want::Text, Value::String(_)) => {}
        (Want::Text, _) => {
            bad(at.clone(), format!("{shown} is {}, not a string: the finding's identity would change", named(v)));
        }
        (Want::Texts, Value::Array(a)) => {
            for (i, x) in a.iter().enumerate() {
                if !x.is_string() {
                    bad(format!("{at}/{i}"), format!("an entry of {shown} is {}, not a string", named(x)));
                }
            }
        }
        (Want::Objects(rules), Value::Array(a)) => {
            for (i, x) in a.iter().enumerate() {
                at.push('/');
                at.push_str(&i.to_string());
                if x.is_object() {
                    for (path, w) in rules {
                        walk(x, path, at, *w, bad);
                    }
                } else {
                    bad(at.clone(), format!("an entry of {shown} is {}, not an object", named(x)));
                }
                at.truncate(len);
            }
        }
        (Want::ObjectOfObjects, Value::Object(o)) => {
            for (k, x) in o {
                if !x.is_object() {
                    push_key(at, k);
                    bad(at.clone(), format!("an entry of {shown} is {}, not an object", named(x)));
                    at.truncate(len);
                }
            }
        }
        (Want::ObjectOfObjectLists(names, rules), Value::Object(o)) => {
            for (k, x) in o {
                push_key(at, k);
                if let Some(n) = crate::read::other_case(k, names) {
                    bad(
                        at.clone(),
                        format!("`{k}` is not `{n}`: keys are case-sensitive, so what it holds was not read"),
                    );
                } else if x.is_array() {
                    check(x, at, Want::Objects(rules), bad);
                } else {
                    bad(at.clone(), format!("an entry of {shown} is {}, not an array", named(x)));
                }
                at.truncate(len);
            }
        }
        (Want::Object | Want::ObjectOfObjects | Want::ObjectOfObjectLists(..), _) => {
            bad(at.clone(), format!("{shown} is {}, not an object: what it holds was not read", named(v)));
        }
        (Want::Objects(_) | Want::Array | Want::Texts, _) => {
            bad(at.clone(), format!("{shown} is {}, not an array: what it holds was not read", named(v)));
        }
    }
}

/// The counts a report states that its lists do not hold: cargo-audit's
/// `vulnerabilities.count` (and `found: true`) against `vulnerabilities.list`, npm's
/// `metadata.vulnerabilities.total` against an empty `vulnerabilities`.
fn counts(format: Format, root: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match format {
        Format::CargoAudit => {
            let Some(v) = root.get("vulnerabilities") else { return out };
            for (key, ok) in [
                ("count", v.get("count").is_none_or(Value::is_u64)),
                ("found", v.get("found").is_none_or(Value::is_boolean)),
            ] {
                if !ok {
                    out.push((
                        format!("/vulnerabilities/{key}"),
                        format!("`{key}` is not a {}", if key == "count" { "whole number" } else { "boolean" }),
                    ));
                }
            }
            let listed = v.get("list").and_then(Value::as_array).map_or(0, Vec::len);
            let count = v.get("count").and_then(Value::as_u64);
            let listed_n = u64::try_from(listed).unwrap_or(u64::MAX);
            if let Some(n) = count.filter(|n| *n != listed_n) {
                out.push((
                    "/vulnerabilities/count".to_owned(),
                    format!("the report counts {n} vulnerabilities and lists {listed}"),
                ));
            } else if count.is_none() && listed == 0 && v.get("found") == Some(&Value::Bool(true)) {
                out.push((
                    "/vulnerabilities/found".to_owned(),
                    "the report says vulnerabilities were found and lists none".to_owned(),
                ));
            }
        }
        Format::NpmAudit => {
            // npm 7 writes `total`; npm 6 only the counts by severity. A count written as a
            // float or a string still counts (fail closed).
            let count = |v: &Value| match v {
                Value::Number(n) => n.as_f64().unwrap_or(0.0),
                Value::String(t) => t.trim().parse().unwrap_or(1.0),
                _ => 0.0,
            };
            let by_level = root
                .pointer("/metadata/vulnerabilities")
                .and_then(Value::as_object)
                .map_or(0.0, |m| m.get("total").map_or_else(|| m.values().map(count).sum(), count));
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let total = if by_level.is_finite() && by_level > 0.0 { by_level.ceil() as u64 } else { 0 };
            let listed = match root.get("vulnerabilities") {
                Some(Value::Object(o)) => o.len(),
                _ => root.get("advisories").and_then(Value::as_object).map_or(0, serde_json::Map::len),
            };
            // npm 7 counts vulnerable packages, one entry each; npm 6 counts paths, more than
            // its advisories, so only "some" against "none" is checked there.
            let npm7 = root.get("vulnerabilities").is_some_and(Value::is_object);
            let listed_n = u64::try_from(listed).unwrap_or(u64::MAX);
            if total > 0 && listed == 0 {
                out.push((
                    "/metadata/vulnerabilities/total".to_owned(),
                    format!("the report counts {total} vulnerabilities and lists none"),
                ));
            } else if npm7 && total > listed_n {
                out.push((
                    "/metadata/vulnerabilities/total".to_owned(),
                    format!("the report counts {total} vulnerable packages and lists {listed}"),
                ));
            }
            if let Some(Value::Object(v)) = root.get("vulnerabilities") {
                out.extend(advisories_unreached(v));
            }
        }
        _ => {}
    }
    out
}

/// The entries of an npm 7 package's `via` (none when it is not an array).
fn via(e: &Value) -> &[Value] {
    e.get("via").and_then(Value::as_array).map_or(&[][..], Vec::as_slice)
}

/// npm 7: a package listed as vulnerable only through other packages (`via` names) whose chain
/// reaches no advisory object: a name the report does not list, or names that lead only to
/// each other. The advisory that made the package vulnerable was not read. Linear in the
/// entries and names (each package is reached once, through its reverse edges).
fn advisories_unreached(v: &serde_json::Map<String, Value>) -> Vec<(String, String)> {
    use std::collections::HashMap;
    let keys: Vec<&str> = v.keys().map(String::as_str).collect();
    let index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let mut out = Vec::new();
    // Who names whom: `named_by[j]` lists the packages whose `via` names package j.
    let mut named_by: Vec<Vec<usize>> = vec![Vec::new(); keys.len()];
    let mut reached = vec![false; keys.len()];
    let mut queue = Vec::new();
    for (i, e) in v.values().enumerate() {
        for (n, x) in via(e).iter().enumerate() {
            match x {
                Value::Object(_) => reached[i] = true,
                Value::String(name) => {
                    if let Some(&j) = index.get(name.as_str()) {
                        named_by[j].push(i);
                    } else {
                        let mut at = String::from("/vulnerabilities");
                        push_key(&mut at, keys[i]);
                        out.push((
                            format!("{at}/via/{n}"),
                            format!("`via` names `{name}`, which the report does not list: the advisory it leads to was not read"),
                        ));
                    }
                }
                _ => {}
            }
        }
        if reached[i] {
            queue.push(i);
        }
    }
    while let Some(j) = queue.pop() {
        for &i in &named_by[j] {
            if !reached[i] {
                reached[i] = true;
                queue.push(i);
            }
        }
    }
    for (i, e) in v.values().enumerate() {
        // An entry without `via` entries is read by its own fields; one whose names are
        // missing was reported above.
        let names_listed = via(e).iter().filter_map(Value::as_str).all(|n| index.contains_key(n));
        if !reached[i] && !via(e).is_empty() && names_listed {
            let mut at = String::from("/vulnerabilities");
            push_key(&mut at, keys[i]);
            out.push((
                format!("{at}/via"),
                "the packages `via` names lead to no advisory in the report: the advisory was not read".to_owned(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pointers(format: Format, v: &Value) -> Vec<String> {
        problems(format, v).into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn containers_of_the_right_shape_absent_or_null_pass() {
        let ok = json!({"Results": [{"Target": "x", "Vulnerabilities": null, "Secrets": [{"RuleID": "a"}]}]});
        assert!(problems(Format::Trivy, &ok).is_empty());
        assert!(problems(Format::Trivy, &json!({"ArtifactName": "x"})).is_empty());
        assert!(problems(Format::Grype, &json!({"matches": null})).is_empty());
        assert!(
            problems(Format::NpmAudit, &json!({"vulnerabilities": {}, "metadata": {"vulnerabilities": {"total": 0}}}))
                .is_empty()
        );
    }

    #[test]
    fn a_container_or_an_entry_of_the_wrong_type_is_named_by_its_pointer() {
        let v = json!({"Results": [{"Vulnerabilities": {"0": {}}}, "garbage", {"Secrets": "s"}]});
        assert_eq!(pointers(Format::Trivy, &v), ["/Results/0/Vulnerabilities", "/Results/1", "/Results/2/Secrets"]);
        let legacy = json!([{"Vulnerabilities": [1]}]);
        assert_eq!(pointers(Format::Trivy, &legacy), ["/0/Vulnerabilities/0"]);
        let k8s = json!({"ClusterName": "", "Resources": [{"Results": {}}]});
        assert_eq!(pointers(Format::Trivy, &k8s), ["/Resources/0/Results"]);
        let grype = json!({"matches": [{"vulnerability": "CVE-1", "artifact": {}}], "ignoredMatches": {}});
        assert_eq!(pointers(Format::Grype, &grype), ["/matches/0/vulnerability", "/ignoredMatches"]);
        let cargo = json!({"vulnerabilities": {"list": {}}, "warnings": {"unmaintained": {"x": 1}, "yanked": [2], "unsound": null}});
        assert_eq!(
            pointers(Format::CargoAudit, &cargo),
            ["/vulnerabilities/list", "/warnings/unmaintained", "/warnings/yanked/0", "/warnings/unsound"]
        );
        let osv = json!({"results": [{"packages": [{"vulnerabilities": [{"summary": "no id"}, {"id": "GHSA-1"}]}]}]});
        assert_eq!(pointers(Format::Osv, &osv), ["/results/0/packages/0/vulnerabilities/0"]);
        let npm = json!({"vulnerabilities": [], "metadata": {"vulnerabilities": {"total": 6}}});
        assert_eq!(pointers(Format::NpmAudit, &npm), ["/vulnerabilities", "/metadata/vulnerabilities/total"]);
        let keys = json!({"vulnerabilities": {"a/b~c": 1}});
        assert_eq!(pointers(Format::NpmAudit, &keys), ["/vulnerabilities/a~1b~0c"]);
    }

    #[test]
    fn a_field_a_findings_identity_is_read_from_must_have_its_type() {
        // Each of these was read as empty, so the finding got another identity: the old one
        // resolved and a new one opened.
        let trivy = json!({"Results": [{"Target": "img", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-1", "PkgName": "a", "PkgPath": 7},
            {"VulnerabilityID": "CVE-2", "PkgName": "b", "PkgPath": "usr/lib/b.jar"}]}]});
        assert_eq!(pointers(Format::Trivy, &trivy), ["/Results/0/Vulnerabilities/0/PkgPath"]);
        let k8s = json!({"ClusterName": "c", "Resources": [{"Results": [{"Target": ["x"], "Misconfigurations": [
            {"ID": "KSV001", "CauseMetadata": "pod"}]}]}]});
        assert_eq!(
            pointers(Format::Trivy, &k8s),
            ["/Resources/0/Results/0/Target", "/Resources/0/Results/0/Misconfigurations/0/CauseMetadata"]
        );
        let grype = json!({"matches": [
            {"vulnerability": {"id": "CVE-1"}, "artifact": {"name": "a", "locations": {"path": "/a.jar"}}},
            {"vulnerability": {"id": "CVE-1"}, "artifact": {"name": "a", "locations": [{"path": ["/b.jar"]}]}}]});
        assert_eq!(
            pointers(Format::Grype, &grype),
            ["/matches/0/artifact/locations", "/matches/1/artifact/locations/0/path"]
        );
        let cargo = json!({"vulnerabilities": {"list": [{"advisory": "RUSTSEC-2020-0001", "package": {"name": "x"}}]}});
        assert_eq!(pointers(Format::CargoAudit, &cargo), ["/vulnerabilities/list/0/advisory"]);
        let osv = json!({"results": [{"packages": [{"vulnerabilities": [{"id": "GHSA-1"}, {"id": ""}, {"summary": "x"}],
            "groups": [{"ids": "GHSA-1"}, {"ids": ["GHSA-1", 2]}]}]}]});
        assert_eq!(
            pointers(Format::Osv, &osv),
            [
                "/results/0/packages/0/vulnerabilities/1/id",
                "/results/0/packages/0/vulnerabilities/2",
                "/results/0/packages/0/groups/0/ids",
                "/results/0/packages/0/groups/1/ids/1"
            ]
        );
        let msgs: Vec<String> = problems(Format::Osv, &osv).into_iter().map(|(_, m)| m).collect();
        assert_eq!(msgs[1], "an entry of `vulnerabilities` has no `id`");
        assert_eq!(msgs[0], "an entry of `vulnerabilities` has no `id`");
    }

    #[test]
    fn a_key_written_in_another_case_is_a_problem_since_it_was_not_read() {
        let trivy = json!({"results": [{"Target": "x", "Vulnerabilities": []}]});
        assert_eq!(pointers(Format::Trivy, &trivy), ["/results"]);
        let inner = json!({"Results": [{"Target": "x", "vulnerabilities": [{"VulnerabilityID": "CVE-1"}]}]});
        assert_eq!(pointers(Format::Trivy, &inner), ["/Results/0/vulnerabilities"]);
        // cargo-audit's warning kinds are lower case; an unknown kind is read as itself.
        let cargo = json!({"warnings": {"Unsound": [{"package": {"name": "x"}}], "unmaintained": [], "notice2": []}});
        assert_eq!(pointers(Format::CargoAudit, &cargo), ["/warnings/Unsound"]);
        let grype = json!({"Matches": [], "matches": []});
        assert_eq!(pointers(Format::Grype, &grype), ["/Matches"]);
        let m = &problems(Format::Grype, &grype)[0].1;
        assert_eq!(m, "`Matches` is not `matches`: keys are case-sensitive, so what it holds was not read");
    }

    #[test]
    fn npm_packages_vulnerable_through_others_must_lead_to_an_advisory() {
        let adv = json!({"source": 1, "name": "minimist", "title": "Prototype pollution"});
        // mkdirp → minimist → advisory: fine, in any order of the entries.
        let ok = json!({"vulnerabilities": {
            "mkdirp": {"via": ["minimist"]}, "minimist": {"via": [adv]}, "x": {"via": ["mkdirp"]}}});
        assert!(problems(Format::NpmAudit, &ok).is_empty(), "{:?}", problems(Format::NpmAudit, &ok));
        // A name the report does not list, and names that lead only to each other.
        let bad = json!({"vulnerabilities": {
            "a": {"via": ["gone"]}, "b": {"via": ["c"]}, "c": {"via": ["b"]}, "d": {"via": [adv]}}});
        assert_eq!(
            pointers(Format::NpmAudit, &bad),
            ["/vulnerabilities/a/via/0", "/vulnerabilities/b/via", "/vulnerabilities/c/via"]
        );
    }

    #[test]
    fn a_count_the_list_does_not_hold_is_a_problem() {
        let short = json!({"vulnerabilities": {"found": true, "count": 4, "list": [{}]}});
        assert_eq!(pointers(Format::CargoAudit, &short), ["/vulnerabilities/count"]);
        let none = json!({"vulnerabilities": {"found": true}});
        assert_eq!(pointers(Format::CargoAudit, &none), ["/vulnerabilities/found"]);
        let clean = json!({"vulnerabilities": {"found": false, "count": 0, "list": []}});
        assert!(problems(Format::CargoAudit, &clean).is_empty());
        // npm 7 counts packages: one more than listed is one not read.
        let adv = json!({"source": 1, "name": "a", "title": "t"});
        let npm7 = json!({"vulnerabilities": {"a": {"via": [adv]}}, "metadata": {"vulnerabilities": {"total": 2}}});
        assert_eq!(pointers(Format::NpmAudit, &npm7), ["/metadata/vulnerabilities/total"]);
        let npm7_ok = json!({"vulnerabilities": {"a": {"via": [adv]}}, "metadata": {"vulnerabilities": {"total": 1}}});
        assert!(problems(Format::NpmAudit, &npm7_ok).is_empty());
        // npm 6 counts paths (more than its advisories): only "some" against "none" counts.
        let npm6 = json!({"advisories": {"1": {}}, "metadata": {"vulnerabilities": {"high": 5}}});
        assert!(problems(Format::NpmAudit, &npm6).is_empty());
    }

    #[test]
    fn a_flood_of_bad_entries_is_listed_up_to_a_bound_then_counted() {
        let v = json!({"matches": vec![json!(1); 500]});
        let p = problems(Format::Grype, &v);
        assert_eq!(p.len(), LISTED + 1);
        assert!(p[LISTED].1.starts_with("450 more"), "{:?}", p[LISTED]);
    }
}
