//! The containers of a report that hold its findings, checked before a format's reader maps
//! them: a list of vulnerabilities written as an object, a string among the results, a
//! count that the list does not hold. Each reader reads such a container as empty (it cannot
//! read it), and an empty container is what a clean scan writes, so without this check a
//! broken or hostile report would resolve every finding it claims to cover.
//!
//! Each rule names a container by its path from the report's root (`*`: every entry of an
//! array or object) and the shape it must have. A container that is absent or `null` is
//! empty and passes; one of another type, or an entry of another type, is a skipped item
//! (`IN0101`), which makes every scan of the report incomplete (nothing is resolved by it).
//! One rule, one home: the readers keep mapping what they can read.

use serde_json::Value;

use crate::model::Format;

/// What a container must be.
#[derive(Clone, Copy)]
enum Want {
    /// An array of objects.
    Objects,
    /// An array of objects, each with a non-empty string under this key.
    ObjectsWith(&'static str),
    /// An object whose values are objects.
    ObjectOfObjects,
    /// An object whose values are arrays of objects.
    ObjectOfObjectLists,
    /// An array (of anything: npm's `via` holds names and objects).
    Array,
    /// An object.
    Object,
}

/// One container of a format: its path (`*`: every entry) and shape.
type Rule = (&'static [&'static str], Want);

/// Trivy: the SchemaVersion 2 layout, the Kubernetes layout and the legacy root array.
const TRIVY: &[Rule] = &[
    (&["Results"], Want::Objects),
    (&["Results", "*", "Vulnerabilities"], Want::Objects),
    (&["Results", "*", "Misconfigurations"], Want::Objects),
    (&["Results", "*", "Secrets"], Want::Objects),
    (&["Results", "*", "Licenses"], Want::Objects),
    (&["Results", "*", "ExperimentalModifiedFindings"], Want::Objects),
    (&["Vulnerabilities"], Want::Objects),
    (&["Misconfigurations"], Want::Objects),
    (&["Resources"], Want::Objects),
    (&["Vulnerabilities", "*", "Results"], Want::Objects),
    (&["Misconfigurations", "*", "Results"], Want::Objects),
    (&["Resources", "*", "Results"], Want::Objects),
    (&["Vulnerabilities", "*", "Results", "*", "Vulnerabilities"], Want::Objects),
    (&["Vulnerabilities", "*", "Results", "*", "Misconfigurations"], Want::Objects),
    (&["Misconfigurations", "*", "Results", "*", "Misconfigurations"], Want::Objects),
    (&["Misconfigurations", "*", "Results", "*", "Vulnerabilities"], Want::Objects),
    (&["Resources", "*", "Results", "*", "Vulnerabilities"], Want::Objects),
    (&["Resources", "*", "Results", "*", "Misconfigurations"], Want::Objects),
    (&["Resources", "*", "Results", "*", "Secrets"], Want::Objects),
    (&["Resources", "*", "Results", "*", "Licenses"], Want::Objects),
    (&["Resources", "*", "Results", "*", "ExperimentalModifiedFindings"], Want::Objects),
    (&["Vulnerabilities", "*", "Results", "*", "Secrets"], Want::Objects),
    (&["Vulnerabilities", "*", "Results", "*", "Licenses"], Want::Objects),
    (&["Vulnerabilities", "*", "Results", "*", "ExperimentalModifiedFindings"], Want::Objects),
    (&["Misconfigurations", "*", "Results", "*", "Secrets"], Want::Objects),
    (&["Misconfigurations", "*", "Results", "*", "Licenses"], Want::Objects),
    (&["Misconfigurations", "*", "Results", "*", "ExperimentalModifiedFindings"], Want::Objects),
];

/// The legacy Trivy layout: the root is the array of results.
const TRIVY_LEGACY: &[Rule] = &[
    (&[], Want::Objects),
    (&["*", "Vulnerabilities"], Want::Objects),
    (&["*", "Misconfigurations"], Want::Objects),
    (&["*", "Secrets"], Want::Objects),
    (&["*", "Licenses"], Want::Objects),
    (&["*", "ExperimentalModifiedFindings"], Want::Objects),
];

const GRYPE: &[Rule] = &[
    (&["matches"], Want::Objects),
    (&["matches", "*", "vulnerability"], Want::Object),
    (&["matches", "*", "artifact"], Want::Object),
    (&["ignoredMatches"], Want::Objects),
    (&["descriptor", "configuration"], Want::Object),
    (&["descriptor", "configuration", "ignore"], Want::Objects),
];

const CARGO_AUDIT: &[Rule] =
    &[(&["vulnerabilities", "list"], Want::Objects), (&["warnings"], Want::ObjectOfObjectLists)];

const NPM: &[Rule] = &[
    (&["metadata", "vulnerabilities"], Want::Object),
    (&["vulnerabilities"], Want::ObjectOfObjects),
    (&["vulnerabilities", "*", "via"], Want::Array),
    (&["advisories"], Want::ObjectOfObjects),
];

const OSV: &[Rule] = &[
    (&["results"], Want::Objects),
    (&["results", "*", "packages"], Want::Objects),
    (&["results", "*", "packages", "*", "vulnerabilities"], Want::ObjectsWith("id")),
    (&["results", "*", "packages", "*", "groups"], Want::Objects),
];

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
/// not `want`.
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
                    at.push('/');
                    at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    walk(x, rest, at, want, bad);
                    at.truncate(len);
                }
            }
            // The container's own rule reports it.
            _ => {}
        }
        return;
    }
    if let Some(x) = v.as_object().and_then(|o| o.get(*step)) {
        at.push('/');
        at.push_str(step);
        walk(x, rest, at, want, bad);
        at.truncate(len);
    }
}

/// Report `v` (at `at`) unless it is `null` or has the shape `want`.
fn check(v: &Value, at: &str, want: Want, bad: &mut dyn FnMut(String, String)) {
    let named = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let key = at.rsplit('/').next().unwrap_or("");
    let shown = if at.is_empty() { "the report".to_owned() } else { format!("`{key}`") };
    match (want, v) {
        (_, Value::Null) | (Want::Array, Value::Array(_)) | (Want::Object, Value::Object(_)) => {}
        (Want::Objects | Want::ObjectsWith(_), Value::Array(a)) => {
            for (i, x) in a.iter().enumerate() {
                match (x, want) {
                    (Value::Object(o), Want::ObjectsWith(k)) => {
                        if o.get(k).and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
                            bad(format!("{at}/{i}"), format!("an entry of {shown} has no `{k}`"));
                        }
                    }
                    (Value::Object(_), _) => {}
                    _ => bad(format!("{at}/{i}"), format!("an entry of {shown} is {}, not an object", named(x))),
                }
            }
        }
        (Want::ObjectOfObjects | Want::ObjectOfObjectLists, Value::Object(o)) => {
            for (k, x) in o {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (want, x) {
                    (Want::ObjectOfObjects, Value::Object(_)) => {}
                    (Want::ObjectOfObjectLists, Value::Array(_)) => check(x, &p, Want::Objects, bad),
                    (Want::ObjectOfObjects, _) => {
                        bad(p, format!("an entry of {shown} is {}, not an object", named(x)));
                    }
                    _ => bad(p, format!("an entry of {shown} is {}, not an array", named(x))),
                }
            }
        }
        (Want::Object | Want::ObjectOfObjects | Want::ObjectOfObjectLists, _) => {
            bad(at.to_owned(), format!("{shown} is {}, not an object: what it holds was not read", named(v)));
        }
        (Want::Objects | Want::ObjectsWith(_) | Want::Array, _) => {
            bad(at.to_owned(), format!("{shown} is {}, not an array: what it holds was not read", named(v)));
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
            if total > 0 && listed == 0 {
                out.push((
                    "/metadata/vulnerabilities/total".to_owned(),
                    format!("the report counts {total} vulnerabilities and lists none"),
                ));
            }
        }
        _ => {}
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
        assert_eq!(pointers(Format::Trivy, &v), ["/Results/1", "/Results/0/Vulnerabilities", "/Results/2/Secrets"]);
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
    fn a_count_the_list_does_not_hold_is_a_problem() {
        let short = json!({"vulnerabilities": {"found": true, "count": 4, "list": [{}]}});
        assert_eq!(pointers(Format::CargoAudit, &short), ["/vulnerabilities/count"]);
        let none = json!({"vulnerabilities": {"found": true}});
        assert_eq!(pointers(Format::CargoAudit, &none), ["/vulnerabilities/found"]);
        let clean = json!({"vulnerabilities": {"found": false, "count": 0, "list": []}});
        assert!(problems(Format::CargoAudit, &clean).is_empty());
    }

    #[test]
    fn a_flood_of_bad_entries_is_listed_up_to_a_bound_then_counted() {
        let v = json!({"matches": vec![json!(1); 500]});
        let p = problems(Format::Grype, &v);
        assert_eq!(p.len(), LISTED + 1);
        assert!(p[LISTED].1.starts_with("450 more"), "{:?}", p[LISTED]);
    }
}
