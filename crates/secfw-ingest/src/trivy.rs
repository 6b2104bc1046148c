//! Trivy JSON: SchemaVersion 2 reports (vulnerabilities, misconfigurations, secrets), the
//! legacy pre-SchemaVersion array and `trivy k8s` cluster reports.

use secfw_artifacts::model::findings::Category;
use secfw_artifacts::{Diagnostic, Severity};
use serde_json::{Value, json};

use crate::fingerprint::compute;
use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Item, Scan, class, cwes_in, dedupe, instant, is_advisory_id, scope_key, uniq};
use crate::read::{ParseOptions, arr, num, reject, s, sne};
use crate::{Error, codes};

pub(crate) fn parse(
    root: &Value,
    name: &str,
    opts: &ParseOptions,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Scan>, Error> {
    let mut acc = Acc { name, diags, items: Vec::new(), cov: Coverage::default() };
    let (target, version, created) = match root {
        Value::Array(results) => (legacy(results, opts, &mut acc), None, None),
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
            if o.contains_key("ClusterName") {
                (cluster(root, opts, &mut acc), version, None)
            } else {
                let Some(target) = report_results(root, opts, &mut acc)? else {
                    // A clean scan of some Trivy versions omits Results.
                    let target = opts
                        .target
                        .clone()
                        .unwrap_or_else(|| sne(root, "ArtifactName").unwrap_or("unknown").to_owned());
                    let mut clean = scan(target, version, instant(s(root, "CreatedAt")), Vec::new(), acc.cov);
                    facets(root, opts, &mut clean);
                    return Ok(vec![clean]);
                };
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
    let Acc { mut items, cov, .. } = acc;
    // Two installed copies of one package in one place (two versions of `lodash` in one
    // lockfile, with no `PkgPath` to tell them apart) are two findings.
    crate::model::separate_copies(&mut items, "trivy/vuln-copy", |it| {
        (it.class == class::VULNERABILITY).then(|| it.location.as_str().into())
    });
    dedupe(&mut items);
    let mut scan = scan(target, version, created, items, cov);
    facets(root, opts, &mut scan);
    Ok(vec![scan])
}

/// What a Trivy report says it scanned besides its target ([`Scan::facets`]):
/// - the **architecture** of an image (`Metadata.ImageConfig.architecture`): a runner of
///   another architecture scans another image of a multi-platform tag;
/// - with `--target` (which names the project, so the target no longer tells the scans of
///   it apart): the **artifact type** (`container_image`, `filesystem`, `repository` …) and,
///   for a `fs`, `config` or `repo` scan, the **scanned root** (`ArtifactName`): `trivy config
///   deploy/` says nothing about the misconfigurations or secrets of the rest of the project,
///   whose classes it reports whole, and an image scan nothing about the repository's.
///
/// Its findings record them (evidence `architecture`, `artifact_type`, `scan_root`), and it
/// reaches only findings recorded with the same ones ([`Scan::other_variant`]). Without
/// `--target` the artifact's name is the target; an image's name changes with every tag, so
/// it is never a facet.
fn facets(root: &Value, opts: &ParseOptions, scan: &mut Scan) {
    let kind = s(root, "ArtifactType").map(str::trim).filter(|k| !k.is_empty());
    let architecture = root
        .get("Metadata")
        .and_then(|m| m.get("ImageConfig"))
        .and_then(|c| s(c, "architecture"))
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| !a.is_empty());
    if let Some(a) = architecture {
        scan.set_facet("architecture", a);
    }
    if opts.target.is_none() {
        return;
    }
    if let Some(k) = kind {
        scan.set_facet("artifact_type", k.to_ascii_lowercase());
    }
    if !matches!(kind, Some("filesystem" | "repository")) {
        return;
    }
    // `.` and `./`, `deploy` and `./deploy/`: one root each.
    let written = s(root, "ArtifactName").unwrap_or("").trim();
    let mut name = written.trim_end_matches('/');
    while let Some(rest) = name.strip_prefix("./") {
        name = rest;
    }
    let name = match name {
        "" if written.starts_with('/') => "/",
        "" => ".",
        n => n,
    };
    scan.set_facet("scan_root", name.to_owned());
}

/// What the results of a report add up to: items, coverage and notes.
struct Acc<'n, 'd> {
    name: &'n str,
    diags: &'d mut Vec<Diagnostic>,
    items: Vec<Item>,
    cov: Coverage,
}

/// Legacy (< 0.20): a bare array of results. The target is the part before " (" of the OS
/// result's target, chosen independently of the results' order (the smallest such target,
/// else the smallest target).
fn legacy(results: &[Value], opts: &ParseOptions, acc: &mut Acc<'_, '_>) -> String {
    let targets = || results.iter().filter_map(|r| sne(r, "Target"));
    let t = targets()
        .filter(|t| t.contains(" ("))
        .min()
        .or_else(|| targets().min())
        .map_or("unknown", |t| t.split(" (").next().unwrap_or(t));
    let target = opts.target.clone().unwrap_or_else(|| t.to_owned());
    for (i, r) in results.iter().enumerate() {
        result(r, &Place { ptr: &format!("/{i}"), target: &target, resource: "", image: None }, acc);
    }
    target
}

/// `trivy k8s`: an empty or null ClusterName (a kubeconfig without a cluster name) still names
/// a cluster report; its target is then `kubernetes`.
fn cluster(root: &Value, opts: &ParseOptions, acc: &mut Acc<'_, '_>) -> String {
    let cluster = sne(root, "ClusterName").unwrap_or(K8S_DEFAULT_TARGET);
    let target = opts.target.clone().unwrap_or_else(|| cluster.to_owned());
    for key in ["Vulnerabilities", "Misconfigurations", "Resources"] {
        for (i, res) in arr(root, key).iter().enumerate() {
            let named = |k: &str| s(res, k).map(str::trim).filter(|x| !x.is_empty());
            let (Some(kind), Some(rname)) = (named("Kind"), named("Name")) else {
                // Without them the results would have no resource, which is no scope: they
                // would resolve the findings of every resource of the cluster.
                if !arr(res, "Results").is_empty() {
                    let why = "a Kubernetes resource without `Kind` and `Name`: which resource its results are about is unknown";
                    let p = format!("/{key}/{i}");
                    acc.cov.skip(class::VULNERABILITY, acc.diags, acc.name, &p, why);
                    for c in [class::MISCONFIGURATION, class::SECRET, class::LICENSE] {
                        acc.cov.incomplete.entry(c).or_insert_with(|| format!("the item at {p} was skipped"));
                    }
                }
                continue;
            };
            let loc = named("Namespace").into_iter().chain([kind, rname]).collect::<Vec<_>>().join("/");
            resource_error(res, &format!("/{key}/{i}"), &loc, acc);
            let image = entry_image(res);
            for (j, r) in arr(res, "Results").iter().enumerate() {
                let at = Place { ptr: &format!("/{key}/{i}/Results/{j}"), target: &target, resource: &loc, image };
                result(r, &at, acc);
            }
        }
    }
    target
}

/// A Kubernetes resource Trivy could not scan (`Error`: an image it could not pull, a
/// manifest it could not read): Trivy writes the resource with the error and no results, next
/// to the resource's other images, so its silence says nothing about the resource's
/// findings. No finding of the resource is resolved by this report (`IN0106`).
fn resource_error(res: &Value, ptr: &str, loc: &str, acc: &mut Acc<'_, '_>) {
    let error = match res.get("Error") {
        None | Some(Value::Null) => return,
        Some(Value::String(e)) if e.trim().is_empty() => return,
        Some(Value::String(e)) => e.trim().to_owned(),
        Some(other) => other.to_string(),
    };
    let short: String = error.chars().take(300).collect();
    acc.diags.push(
        Diagnostic::warning(
            codes::SCAN_FAILED,
            acc.name,
            format!(
                "{ptr}/Error: Trivy could not scan `{loc}`: {short}; none of its findings is resolved by this report"
            ),
        )
        .with_hint(
            "fix what kept Trivy from scanning the resource (registry credentials, a pull limit) and scan again",
        ),
    );
    acc.cov.incomplete_at.entry(loc.to_owned()).or_insert_with(|| format!("Trivy could not scan it: {short}"));
}

/// A SchemaVersion 2 report's `Results`: the target, or `None` for a report with an
/// `ArtifactName` and no `Results` (a clean scan of some Trivy versions).
fn report_results(root: &Value, opts: &ParseOptions, acc: &mut Acc<'_, '_>) -> Result<Option<String>, Error> {
    let Some(results) = root.get("Results") else {
        if root.get("ArtifactName").is_some() {
            return Ok(None);
        }
        return Err(reject(
            codes::WRONG_SHAPE,
            acc.name,
            "not a Trivy report: no `Results`",
            "pass the output of `trivy ... --format json`",
            None,
        ));
    };
    if !results.is_array() && !results.is_null() {
        return Err(reject(
            codes::WRONG_SHAPE,
            acc.name,
            "`Results` must be an array",
            "pass the output of `trivy ... --format json`",
            None,
        ));
    }
    let target = opts.target.clone().unwrap_or_else(|| sne(root, "ArtifactName").unwrap_or("unknown").to_owned());
    for (i, r) in arr(root, "Results").iter().enumerate() {
        result(r, &Place { ptr: &format!("/Results/{i}"), target: &target, resource: "", image: None }, acc);
    }
    Ok(Some(target))
}

/// The default target of a `trivy k8s` report with an empty `ClusterName`.
pub(crate) const K8S_DEFAULT_TARGET: &str = "kubernetes";

/// What a Trivy report looked for, and where it skipped something.
#[derive(Default)]
struct Coverage {
    covered: BTreeSet<&'static str>,
    incomplete: BTreeMap<&'static str, String>,
    scopes: BTreeMap<&'static str, BTreeSet<String>>,
    /// Checks Trivy applied an exception to: their findings stay open ([`Scan::ignored`]).
    ignored: BTreeMap<String, String>,
    /// Kubernetes resources Trivy could not scan ([`Scan::incomplete_at`]).
    incomplete_at: BTreeMap<String, String>,
}

impl Coverage {
    fn skip(&mut self, class: &'static str, diags: &mut Vec<Diagnostic>, name: &str, p: &str, why: &str) {
        diags.push(crate::read::skipped(name, p, why));
        self.incomplete.entry(class).or_insert_with(|| format!("the item at {p} was skipped"));
    }
}

fn scan(
    target: String,
    version: Option<String>,
    created: Option<chrono::DateTime<chrono::Utc>>,
    items: Vec<Item>,
    cov: Coverage,
) -> Scan {
    let mut scan = Scan::new("trivy", vec![target], &[], items);
    scan.tool_version = version;
    scan.started_at = created;
    scan.covered = cov.covered;
    scan.incomplete = cov.incomplete;
    scan.scopes = cov.scopes;
    scan.ignored = cov.ignored;
    scan.incomplete_at = cov.incomplete_at;
    scan
}

/// Where a result is: its JSON pointer, the scan target, the cluster resource (k8s) and the
/// image of the resource entry the result belongs to (k8s; [`entry_image`]).
struct Place<'a> {
    ptr: &'a str,
    target: &'a str,
    resource: &'a str,
    image: Option<&'a str>,
}

/// The image a `trivy k8s` resource entry is about: Trivy writes one entry per image of a
/// workload (a Deployment with a `redis` and a `sidecar` container has two `default/
/// Deployment/web` entries), and names it only in the target of the entry's OS-package result
/// (`docker.io/redis:6.0.5 (debian 10.4)`). The repository without tag or digest
/// (`docker.io/redis`), so that an image upgrade keeps the identity; `None` when the entry
/// has no OS-package result.
fn entry_image(res: &Value) -> Option<&str> {
    arr(res, "Results").iter().find_map(|r| {
        let target = s(r, "Target")?;
        let os = s(r, "Class") == Some("os-pkgs") || (s(r, "Class").is_none() && target.contains(" ("));
        let image = target.split(" (").next()?.trim();
        let image = image.split('@').next().unwrap_or(image);
        // A tag is after the last `:`, unless a `/` follows it (then it was a registry port).
        let image = match image.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => repo,
            _ => image,
        };
        (os && !image.is_empty()).then_some(image)
    })
}

/// One result of the report: its coverage, then its vulnerabilities (reported and
/// suppressed), misconfigurations, secrets and licences.
fn result(r: &Value, at: &Place<'_>, acc: &mut Acc<'_, '_>) {
    let rtarget = s(r, "Target").unwrap_or("");
    let class = s(r, "Class").unwrap_or("");
    let rtype = s(r, "Type").unwrap_or("");
    let classes = cover(r, class, rtype, &mut acc.cov);
    // OS packages: the result target names the OS release, which changes on upgrade; use the
    // OS family (Type) for identity so an upgraded base image keeps its findings' identity.
    let scope = if class == "os-pkgs" || (class.is_empty() && rtarget.contains(" (")) { rtype } else { rtarget };
    let place = if at.resource.is_empty() { scope.to_owned() } else { format!("{}/{scope}", at.resource) };
    // The resolution scope (docs/ingest.md): vulnerabilities per result scope (OS packages,
    // each language target), under the cluster resource; other classes per cluster resource.
    // A workload's images are told apart ([`entry_image`]): the vulnerabilities of each are
    // placed under it. The place without the image, which a release before gave, stays an
    // alias and a scope, so a recorded finding keeps its id and stays within reach.
    let vuln_place = match at.image {
        Some(image) => format!("{}/{image}/{scope}", at.resource),
        None => place.clone(),
    };
    let legacy = at.image.is_some().then_some(place.as_str());
    let scope_of = |c: &str| -> Option<String> {
        if c == class::VULNERABILITY {
            Some(scope_key(&vuln_place))
        } else {
            (!at.resource.is_empty()).then(|| scope_key(at.resource))
        }
    };
    for c in classes {
        if let Some(k) = scope_of(c) {
            acc.cov.scopes.entry(c).or_default().insert(k);
            if c == class::VULNERABILITY
                && let Some(old) = legacy
            {
                acc.cov.scopes.entry(c).or_default().insert(scope_key(old));
            }
        }
    }
    let first_item = acc.items.len();
    let ctx = Ctx { target: at.target, place: &place, vuln_place: &vuln_place, legacy };
    let suppressed = suppressed_findings(r, at.ptr, acc);
    let reported =
        arr(r, "Vulnerabilities").iter().enumerate().map(|(i, v)| (format!("{}/Vulnerabilities/{i}", at.ptr), v, None));
    for (p, v, modified) in reported.chain(suppressed.into_iter().map(|(p, f, m)| (p, f, Some(m)))) {
        if let Some(item) = vulnerability(v, modified, p, &ctx, acc) {
            acc.items.push(item);
        }
    }
    for (i, m) in arr(r, "Misconfigurations").iter().enumerate() {
        if let Some(item) = misconfiguration(m, format!("{}/Misconfigurations/{i}", at.ptr), &ctx, acc) {
            acc.items.push(item);
        }
    }
    misconf_counts(r, at.ptr, acc);
    for (i, x) in arr(r, "Secrets").iter().enumerate() {
        if let Some(item) = secret(x, format!("{}/Secrets/{i}", at.ptr), &ctx, acc) {
            acc.items.push(item);
        }
    }
    for (i, l) in arr(r, "Licenses").iter().enumerate() {
        if let Some(item) = license(l, format!("{}/Licenses/{i}", at.ptr), &ctx, acc) {
            acc.items.push(item);
        }
    }
    for it in &mut acc.items[first_item..] {
        if let Some(k) = scope_of(it.class) {
            it.extra.push(("scope".into(), json!(k)));
        }
    }
}

/// `MisconfSummary`: checks the result counts and does not list. Trivy lists failed checks
/// and counts the checks it applied an exception to (`.trivyignore`, Rego exceptions) without
/// listing them; with `--severity` it lists only the failures of those severities and counts
/// all. A failure or an exception counted and not listed is a check the scanner left out of
/// its report on purpose (`IN0111`): the misconfigurations of the scan are incomplete, so it
/// resolves none. A count that is not a whole number cannot be read (`IN0101`).
fn misconf_counts(r: &Value, ptr: &str, acc: &mut Acc<'_, '_>) {
    let Some(summary) = r.get("MisconfSummary").filter(|v| !v.is_null()) else { return };
    let listed = |status: &str| {
        let n = arr(r, "Misconfigurations").iter().filter(|m| s(m, "Status") == Some(status)).count();
        u64::try_from(n).unwrap_or(u64::MAX)
    };
    let count = |k: &str| match summary.get(k) {
        None | Some(Value::Null) => Ok(0),
        Some(v) => v.as_u64().ok_or(()),
    };
    let p = format!("{ptr}/MisconfSummary");
    match (count("Failures"), count("Exceptions")) {
        (Ok(failures), Ok(exceptions)) => {
            let mut left_out = |key: &str, why: String, hint: &str| {
                acc.diags.push(
                    Diagnostic::warning(
                        codes::IGNORED_BY_SCANNER,
                        acc.name,
                        format!("{p}/{key}: {why}; this scan resolves no misconfiguration"),
                    )
                    .with_hint(hint),
                );
                acc.cov.incomplete.entry(class::MISCONFIGURATION).or_insert(why);
            };
            let listed_failures = listed("FAIL");
            if failures > listed_failures {
                // Trivy's `--severity` lists only the failures of those severities and counts all.
                let why = format!(
                    "Trivy counts {failures} failed checks and lists {listed_failures} (a `--severity` filter leaves the others out)"
                );
                left_out(
                    "Failures",
                    why,
                    "run Trivy without `--severity` for the scan that should resolve findings; filter in secfw's gates instead",
                );
            }
            if exceptions > listed("EXCEPTION") {
                let why = format!(
                    "Trivy applied an exception to {exceptions} checks it does not list (`MisconfSummary.Exceptions`)"
                );
                left_out(
                    "Exceptions",
                    why,
                    "record the decision as an exception in exceptions.md and compile Trivy's ignore file from the registry (`secfw exceptions compile`)",
                );
            }
        }
        _ => acc.cov.skip(
            class::MISCONFIGURATION,
            acc.diags,
            acc.name,
            &p,
            "`MisconfSummary` has a count that is not a whole number",
        ),
    }
}

/// The findings of one result share its target and place (scope, under the cluster
/// resource).
struct Ctx<'a> {
    target: &'a str,
    place: &'a str,
    /// The place of the result's vulnerabilities: `place`, under the entry's image in a
    /// `trivy k8s` report.
    vuln_place: &'a str,
    /// The place a release before gave them when it differs (`trivy k8s`): an alias.
    legacy: Option<&'a str>,
}

/// What this result says Trivy looked for (its Class, or for the legacy layout the keys):
/// added to the report's coverage and returned.
fn cover(r: &Value, class: &str, rtype: &str, cov: &mut Coverage) -> BTreeSet<&'static str> {
    let mut mine = BTreeSet::new();
    match class {
        "os-pkgs" | "lang-pkgs" => {
            mine.insert(class::VULNERABILITY);
        }
        "config" => {
            mine.insert(class::MISCONFIGURATION);
        }
        "secret" => {
            mine.insert(class::SECRET);
        }
        "license" | "license-file" => {
            mine.insert(class::LICENSE);
        }
        _ => {}
    }
    // A result with a Class covers that class only: an empty `Secrets` list on a lockfile's
    // result says nothing about the secrets of the repository. Results without a Class (the
    // legacy layout) cover what their lists say.
    for (key, c) in [
        ("Vulnerabilities", class::VULNERABILITY),
        ("Misconfigurations", class::MISCONFIGURATION),
        ("Secrets", class::SECRET),
        ("Licenses", class::LICENSE),
    ] {
        if class.is_empty() && r.get(key).is_some_and(Value::is_array) {
            mine.insert(c);
        }
    }
    if class.is_empty() && !rtype.is_empty() && r.get("Vulnerabilities").is_some() {
        mine.insert(class::VULNERABILITY);
    }
    cov.covered.extend(&mine);
    mine
}

/// `--show-suppressed`: findings Trivy suppressed (.trivyignore, VEX) are kept, recorded as
/// suppressed by the scanner (evidence `suppressions`), so the suppression_parity gate can
/// check that an exception backs each one. They are ingested like reported ones (same
/// fingerprint), open unless the registry excepts them. `(pointer, finding, modification)`.
fn suppressed_findings<'v>(r: &'v Value, ptr: &str, acc: &mut Acc<'_, '_>) -> Vec<(String, &'v Value, &'v Value)> {
    let mut suppressed = Vec::new();
    for (i, m) in arr(r, "ExperimentalModifiedFindings").iter().enumerate() {
        let p = format!("{ptr}/ExperimentalModifiedFindings/{i}");
        match (s(m, "Type"), m.get("Finding").filter(|f| f.is_object())) {
            (Some("vulnerability"), Some(f)) => suppressed.push((format!("{p}/Finding"), f, m)),
            (Some("vulnerability"), None) => {
                acc.cov.skip(
                    class::VULNERABILITY,
                    acc.diags,
                    acc.name,
                    &p,
                    "a suppressed finding needs a `Finding` object",
                );
            }
            (t, _) => {
                // Misconfigurations, secrets and licences Trivy suppressed are not read yet: the
                // scan is incomplete for their class, so nothing of that class is resolved by it.
                let c = match t {
                    Some("misconfiguration") => class::MISCONFIGURATION,
                    Some("secret") => class::SECRET,
                    Some("license") => class::LICENSE,
                    _ => class::VULNERABILITY,
                };
                acc.cov.skip(c, acc.diags, acc.name, &p, &format!("a suppressed finding of type {t:?} is not read"));
            }
        }
    }
    suppressed
}

/// A vulnerability (reported, or suppressed with its modification `modified`).
fn vulnerability(v: &Value, modified: Option<&Value>, p: String, ctx: &Ctx<'_>, acc: &mut Acc<'_, '_>) -> Option<Item> {
    let (target, place, name) = (ctx.target, ctx.vuln_place, acc.name);
    let (Some(id), Some(pkg)) = (sne(v, "VulnerabilityID"), sne(v, "PkgName")) else {
        acc.cov.skip(class::VULNERABILITY, acc.diags, name, &p, "a vulnerability needs VulnerabilityID and PkgName");
        return None;
    };
    let id = &*crate::model::canonical_id(id);
    let installed = s(v, "InstalledVersion").unwrap_or("");
    let pkg_path = s(v, "PkgPath").map_or("", str::trim);
    let cvss = cvss_of(v);
    let (severity, src) = sev(v, cvss, name, &p, acc.diags);
    let mut cwe: Vec<String> = arr(v, "CweIDs").iter().filter_map(Value::as_str).flat_map(cwes_in).collect();
    cwe.sort();
    let fixed = sne(v, "FixedVersion");
    let mut extra = vec![("package".into(), json!(pkg)), ("installed_version".into(), json!(installed))];
    // The package's purl (type, namespace, name, version), when Trivy gives one: what VEX
    // statements and package-targeted decisions are matched against.
    if let Some(purl) = v.pointer("/PkgIdentifier/PURL").and_then(Value::as_str).filter(|p| !p.trim().is_empty()) {
        extra.push(("purl".into(), json!(purl)));
    }
    if let Some(f) = fixed {
        extra.push(("fixed_version".into(), json!(f)));
    }
    if let Some(u) = sne(v, "PrimaryURL") {
        extra.push(("url".into(), json!(u)));
    }
    if let Some(st) = sne(v, "Status") {
        extra.push(("status".into(), json!(st)));
    }
    if let Some(m) = modified {
        let status = sne(m, "Status").unwrap_or("unknown");
        extra.push((
            "suppressions".into(),
            json!([{"kind": "external", "status": "accepted", "justification": sne(m, "Statement"),
                    "source": sne(m, "Source"), "scanner_status": status}]),
        ));
        acc.diags.push(
            Diagnostic::note(
                codes::SUPPRESSED_IN_SOURCE,
                name,
                format!(
                    "{p}: {id} in {pkg} is suppressed by Trivy ({status}, {}); ingested as open",
                    sne(m, "Source").unwrap_or("unknown source")
                ),
            )
            .with_hint("secfw tracks accepted risk in exceptions.md: add an exception naming this finding"),
        );
    }
    let loc = if pkg_path.is_empty() { format!("{pkg}@{installed}") } else { format!("{pkg_path}:{pkg}@{installed}") };
    Some(Item {
        fingerprint: compute(&["trivy/vuln", target, place, pkg_path, pkg, id]),
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
        class: class::VULNERABILITY,
        tags: Vec::new(),
        // Trivy writes `PkgPath` for more package types release by release: the identity a
        // release without it gave is an alias, so a recorded finding keeps its id.
        aliases: {
            let mut a = Vec::new();
            for at in [Some(place), ctx.legacy].into_iter().flatten() {
                if at != place {
                    a.push(compute(&["trivy/vuln", target, at, pkg_path, pkg, id]));
                }
                if !pkg_path.is_empty() {
                    a.push(compute(&["trivy/vuln", target, at, "", pkg, id]));
                }
            }
            a
        },
    })
}

/// A misconfiguration (`None` for a check that passed).
fn misconfiguration(m: &Value, p: String, ctx: &Ctx<'_>, acc: &mut Acc<'_, '_>) -> Option<Item> {
    let (target, place, name) = (ctx.target, ctx.place, acc.name);
    let Some(id) = sne(m, "ID").or_else(|| sne(m, "AVDID")) else {
        acc.cov.skip(class::MISCONFIGURATION, acc.diags, name, &p, "a misconfiguration needs an ID");
        return None;
    };
    // Check ids are upper case (`DS002`, `KSV001`, `AVD-DS-0002`): one written in another case
    // is the same check.
    let id_upper = id.to_ascii_uppercase();
    let id = id_upper.as_str();
    match m.get("Status") {
        None | Some(Value::Null) => {}
        Some(Value::String(st)) if st == "FAIL" => {}
        // A check that passed is not a finding.
        Some(Value::String(st)) if st == "PASS" => return None,
        // An exception applied on Trivy's side is a risk decision the exception registry did
        // not make: a finding of this check stays open (IN0111), never resolved by this scan.
        Some(Value::String(st)) if st == "EXCEPTION" => {
            let at = (name, p.as_str());
            let why = "a Trivy exception (`Status: EXCEPTION`)";
            crate::read::ignored_by_scanner(
                &mut acc.cov.ignored,
                acc.diags,
                at,
                "Trivy applied an exception to",
                id,
                why,
            );
            return None;
        }
        Some(other) => {
            let why = format!("`Status` {other} is none of FAIL, PASS and EXCEPTION");
            acc.cov.skip(class::MISCONFIGURATION, acc.diags, name, &p, &why);
            return None;
        }
    }
    let (severity, src) = sev(m, None, name, &p, acc.diags);
    let cause = m.get("CauseMetadata");
    let res = cause.and_then(|c| sne(c, "Resource")).unwrap_or("");
    let line = cause.and_then(|c| c.get("StartLine")).and_then(Value::as_u64);
    let message = sne(m, "Message").unwrap_or("");
    let mut extra = Vec::new();
    if let Some(u) = sne(m, "PrimaryURL") {
        extra.push(("url".into(), json!(u)));
    }
    Some(Item {
        fingerprint: compute(&["trivy/misconfig", target, place, id, res, message]),
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
        location: place.to_owned(),
        line,
        resource_type: "file",
        recommended_action: sne(m, "Resolution").unwrap_or("Fix the misconfiguration").to_owned(),
        pointer: p,
        occurrences: 1,
        extra,
        class: class::MISCONFIGURATION,
        tags: Vec::new(),
        aliases: Vec::new(),
    })
}

/// A secret.
fn secret(x: &Value, p: String, ctx: &Ctx<'_>, acc: &mut Acc<'_, '_>) -> Option<Item> {
    let (target, place, name) = (ctx.target, ctx.place, acc.name);
    let Some(rule) = sne(x, "RuleID") else {
        acc.cov.skip(class::SECRET, acc.diags, name, &p, "a secret needs a RuleID");
        return None;
    };
    let (severity, src) = sev(x, None, name, &p, acc.diags);
    let matched = s(x, "Match").unwrap_or("");
    Some(Item {
        fingerprint: compute(&["trivy/secret", target, place, rule, &crate::fingerprint::normalize_ws(matched)]),
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
        location: place.to_owned(),
        line: x.get("StartLine").and_then(Value::as_u64),
        resource_type: "file",
        recommended_action: "Revoke and rotate the secret, then remove it from the source and its history".into(),
        pointer: p,
        occurrences: 1,
        extra: Vec::new(),
        class: class::SECRET,
        tags: Vec::new(),
        aliases: Vec::new(),
    })
}

/// A licence finding.
fn license(l: &Value, p: String, ctx: &Ctx<'_>, acc: &mut Acc<'_, '_>) -> Option<Item> {
    let (target, place, name) = (ctx.target, ctx.place, acc.name);
    let Some(lic) = sne(l, "Name") else {
        acc.cov.skip(class::LICENSE, acc.diags, name, &p, "a licence finding needs a Name");
        return None;
    };
    let (severity, src) = sev(l, None, name, &p, acc.diags);
    let pkg = s(l, "PkgName").unwrap_or("");
    let file = s(l, "FilePath").unwrap_or("");
    let category = s(l, "Category").unwrap_or("");
    let what = match (pkg.is_empty(), file.is_empty()) {
        (false, _) => pkg.to_owned(),
        (true, false) => file.to_owned(),
        (true, true) => place.to_owned(),
    };
    let mut extra = vec![("license".into(), json!(lic))];
    if !category.is_empty() {
        extra.push(("license_category".into(), json!(category)));
    }
    if !pkg.is_empty() {
        extra.push(("package".into(), json!(pkg)));
    }
    if let Some(c) = l.get("Confidence").and_then(Value::as_f64) {
        extra.push(("confidence".into(), json!(c)));
    }
    if let Some(u) = sne(l, "Link") {
        extra.push(("url".into(), json!(u)));
    }
    let location = match (place.is_empty(), file.is_empty()) {
        (_, false) if place.is_empty() => file.to_owned(),
        (_, false) => format!("{place}: {file}"),
        (true, true) => what.clone(),
        (false, true) => format!("{place}: {what}"),
    };
    Some(Item {
        fingerprint: compute(&["trivy/license", target, place, pkg, file, lic]),
        tool: "trivy".into(),
        rule_id: Some(lic.to_owned()),
        title: if category.is_empty() {
            format!("Licence {lic} in {what}")
        } else {
            format!("Licence {lic} ({category}) in {what}")
        },
        description: format!(
            "{what} is licensed under {lic}{}",
            if category.is_empty() { String::new() } else { format!(", classified `{category}` by Trivy") }
        ),
        severity,
        severity_source: src,
        category: Category::Compliance,
        cwe: Vec::new(),
        cve: Vec::new(),
        cvss: None,
        target: target.to_owned(),
        location,
        line: None,
        resource_type: if pkg.is_empty() { "file" } else { "package" },
        recommended_action: format!(
            "Review the licence {lic} of {what} against the licence policy; replace the component or record an exception"
        ),
        pointer: p,
        occurrences: 1,
        extra,
        class: class::LICENSE,
        tags: vec!["license".to_owned()],
        aliases: Vec::new(),
    })
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
    let hint = "review the finding and set its severity in sec_findings.yaml if it matters more";
    crate::model::severity_or_cvss(s(v, "Severity"), cvss, name, p, hint, diags)
}
