//! Scanner configuration that hides findings without an ignore-file entry, read strictly for
//! drift:
//! - Trivy's `trivy.yaml` (read from the directory Trivy runs in unless `--config` names
//!   another): the ignore file it names (`ignorefile`), and the settings that keep findings out
//!   of a report (`severity`, `vulnerability.ignore-unfixed`, `vulnerability.ignore-status`,
//!   `vulnerability.vex`, `ignore-policy`, `license.ignored`);
//! - Trivy's secret-scanner configuration (`trivy-secret.yaml`, or the file `secret.config`
//!   names): allow rules, disabled rules, `enable-builtin-rules`, exclude blocks;
//! - Gitleaks' `.gitleaks.toml`: allowlists (global and per rule), `[extend] disabledRules`, the
//!   configuration it extends, and a rule set that replaces Gitleaks' default rules;
//! - every `osv-scanner.toml` below the root (OSV-Scanner reads the one next to each lock file
//!   it scans).
//!
//! A report made with such a setting does not show the findings it hid, so ingest would take
//! them for fixed. None of these can be narrowed to an advisory and package or to a secret's
//! file and line, so no exception can back them: each is a suppression that the drift check
//! reports (`SP0201`) until it is removed.

use std::path::{Component, Path};

use secfw_artifacts::yaml::{Seg, SourceMap};
use secfw_artifacts::{Diagnostic, Pos, SourceFile};
use serde_json::Value as J;
use toml_edit::{Item, TableLike};

use crate::read::{Reader, kind, read_path, read_source};
use crate::toml_util::{pos, type_name};
use crate::{Format, Subject, Suppression, codes};

/// Trivy's configuration file (the `--config` default).
pub(crate) const TRIVY_CONFIG: &str = "trivy.yaml";
/// Trivy's secret-scanner configuration (the `secret.config` default).
pub(crate) const TRIVY_SECRET_CONFIG: &str = "trivy-secret.yaml";
/// Gitleaks' configuration in the scanned directory, under every name viper looks for (its
/// extension order), each parsed as TOML as Gitleaks asks.
pub(crate) const GITLEAKS_CONFIGS: [&str; 12] = [
    ".gitleaks.json",
    ".gitleaks.toml",
    ".gitleaks.yaml",
    ".gitleaks.yml",
    ".gitleaks.properties",
    ".gitleaks.props",
    ".gitleaks.prop",
    ".gitleaks.hcl",
    ".gitleaks.tfvars",
    ".gitleaks.dotenv",
    ".gitleaks.env",
    ".gitleaks.ini",
];
/// OSV-Scanner's configuration, next to each scanned lock file.
pub(crate) const OSV_CONFIG: &str = "osv-scanner.toml";
/// How deep Gitleaks follows `[extend] path` (its `maxExtendDepth`).
const GITLEAKS_EXTEND_DEPTH: usize = 2;
/// The severities Trivy knows; a `severity` setting without one of them hides its findings.
const TRIVY_SEVERITIES: [&str; 5] = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

/// What the configuration files gave.
#[derive(Default)]
pub(crate) struct Found {
    /// The files read (repository-relative).
    pub(crate) files: Vec<String>,
    /// Their suppressions.
    pub(crate) suppressions: Vec<Suppression>,
    /// Their problems.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Found {
    fn take(&mut self, name: &str, read: Option<(Vec<Suppression>, Vec<Diagnostic>)>) {
        if let Some((sups, diags)) = read {
            self.files.push(name.to_owned());
            self.suppressions.extend(sups);
            self.diagnostics.extend(diags);
        }
    }

    fn knows(&self, name: &str, already: &[String]) -> bool {
        already.iter().chain(&self.files).any(|f| f == name)
    }
}

/// Read every configuration file above that exists under `root`; `already` are the ignore files
/// read before (never read twice).
pub(crate) fn read_all(root: &Path, already: &[String]) -> Found {
    let mut found = Found::default();
    let mut secret_config = (TRIVY_SECRET_CONFIG.to_owned(), None);
    if let Some(read) = read_source(root, TRIVY_CONFIG) {
        found.files.push(TRIVY_CONFIG.to_owned());
        match read {
            Err(d) => found.diagnostics.push(*d),
            Ok(text) => {
                let src = SourceFile::new(TRIVY_CONFIG, text);
                let mut r = Reader { format: Format::Trivy, src: &src, out: Vec::new(), diags: Vec::new() };
                let named = trivy_config(&mut r);
                found.suppressions.append(&mut r.out);
                found.diagnostics.append(&mut r.diags);
                if let Some((file, at)) = named.ignorefile {
                    match in_root(&file) {
                        Some(rel) if !found.knows(&rel, already) => {
                            let read = read_path(root, Format::Trivy, &rel);
                            found.take(&rel, read);
                        }
                        Some(_) => {}
                        None => found.diagnostics.push(outside(TRIVY_CONFIG, at, "ignorefile", &file)),
                    }
                }
                if let Some(named) = named.secret_config {
                    secret_config = (named.0, Some(named.1));
                }
            }
        }
    }
    let (file, at) = secret_config;
    match (in_root(&file), at) {
        (Some(rel), _) if !found.knows(&rel, already) => {
            let read = read_source(root, &rel).map(|t| read_with(Format::Trivy, &rel, t, trivy_secret_config));
            found.take(&rel, read);
        }
        (None, Some(at)) => found.diagnostics.push(outside(TRIVY_CONFIG, at, "secret.config", &file)),
        // Read already, or the default name (always in the root).
        (Some(_), _) | (None, None) => {}
    }
    // With `.gitleaks.toml` present, Gitleaks has viper look for `.gitleaks.<ext>` in viper's
    // extension order and parse what it finds as TOML: a `.gitleaks.json` next to it is the
    // one read. Every one present is read (as TOML).
    for name in GITLEAKS_CONFIGS {
        gitleaks_config(root, name, 0, already, &mut found);
    }
    osv_configs_below(root, &mut found);
    found
}

/// Read a file's text (or take its error) with `read`, which fills a [`Reader`].
fn read_with(
    format: Format,
    name: &str,
    text: Result<String, Box<Diagnostic>>,
    read: fn(&mut Reader<'_>),
) -> (Vec<Suppression>, Vec<Diagnostic>) {
    match text {
        Err(d) => (Vec::new(), vec![*d]),
        Ok(text) => {
            let src = SourceFile::new(name, text);
            let mut r = Reader { format, src: &src, out: Vec::new(), diags: Vec::new() };
            read(&mut r);
            (r.out, r.diags)
        }
    }
}

/// A configuration names a file secfw cannot check: outside the repository, or by a path it
/// will not follow (`..`, absolute).
fn outside(file: &str, at: Option<Pos>, key: &str, named: &str) -> Diagnostic {
    Diagnostic::error(
        codes::IGNORE_FILE_UNREADABLE,
        file,
        format!("`{key}` names `{named}`, outside the repository: the suppressions in it cannot be checked"),
    )
    .at(at)
    .with_hint("keep the file in the repository and name it by a relative path without `..`")
}

/// `name` as a path relative to the root (`/`-separated, without `.` parts), or `None` when it
/// is absolute, empty, or leaves the root (`..`).
fn in_root(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() || name.contains('\\') || name.contains('\0') {
        return None;
    }
    let mut parts = Vec::new();
    for c in Path::new(name).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

// --- Trivy -------------------------------------------------------------------------------

/// The files `trivy.yaml` names.
#[derive(Default)]
struct TrivyNamed {
    ignorefile: Option<(String, Option<Pos>)>,
    secret_config: Option<(String, Option<Pos>)>,
}

/// A key as viper (Trivy, Grype, Gitleaks) lower-cases it and Go's `EqualFold` (mapstructure)
/// matches it: lower case per character, with the letters Go folds to ASCII ones (`İ` → `i`,
/// the long `ſ` → `s`, the Kelvin sign → `k`). Two keys with one fold are one setting.
pub(crate) fn fold_key(k: &str) -> String {
    k.chars()
        .map(|c| match c {
            '\u{130}' => 'i',
            '\u{17F}' => 's',
            '\u{212A}' => 'k',
            '\u{212B}' => '\u{E5}',
            c => {
                let mut l = c.to_lowercase();
                match (l.next(), l.next()) {
                    (Some(x), None) => x,
                    _ => c,
                }
            }
        })
        .collect()
}

/// Keys of one YAML mapping (and of every mapping below it) that viper would take for one
/// setting ([`fold_key`]): it keeps one of them, so which one decides is not what the file
/// says. Each is an `SP0104` error.
pub(crate) fn yaml_fold_duplicates(r: &mut Reader<'_>, v: &J, map: Option<&SourceMap>, path: &mut Vec<Seg>) {
    match v {
        J::Object(m) => {
            let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
            for (k, child) in m {
                path.push(Seg::Key(k.clone()));
                let f = fold_key(k);
                if let Some(first) = seen.get(&f) {
                    let at = map.and_then(|m| m.key_pos(path));
                    let msg = format!(
                        "`{first}` and `{k}` are one setting to the scanner (it matches keys in any case) and it keeps only one"
                    );
                    r.malformed(at, msg, "keep one spelling of the key");
                } else {
                    seen.insert(f, k);
                }
                yaml_fold_duplicates(r, child, map, path);
                path.pop();
            }
        }
        J::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                yaml_fold_duplicates(r, child, map, path);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Viper's lookup, as Trivy reads its configuration: keys match in any case, and a dotted path
/// matches nested mappings or a key holding the dots. Returns the value and the keys as written.
fn lookup<'v>(v: &'v J, path: &[&str]) -> Option<(&'v J, Vec<Seg>)> {
    let J::Object(m) = v else { return None };
    for i in (1..=path.len()).rev() {
        let want = path[..i].join(".");
        let want = fold_key(&want);
        let Some((k, child)) = m.iter().find(|(k, _)| fold_key(k) == want) else { continue };
        if i == path.len() {
            return Some((child, vec![Seg::Key(k.clone())]));
        }
        if let Some((found, mut segs)) = lookup(child, &path[i..]) {
            segs.insert(0, Seg::Key(k.clone()));
            return Some((found, segs));
        }
    }
    None
}

/// A setting's name as written (`Vulnerability.Ignore-Unfixed`).
fn setting(segs: &[Seg]) -> String {
    segs.iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
            _ => String::new(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A list setting as Trivy takes it: a list of strings, or one string of comma- or
/// space-separated values. `Err` names the type found.
fn string_list(v: &J) -> Result<Vec<String>, &'static str> {
    match v {
        J::Null => Ok(Vec::new()),
        J::String(s) => {
            Ok(s.split([',', ' ', '\t']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        }
        J::Array(a) => a
            .iter()
            .map(|x| x.as_str().map(|s| s.trim().to_owned()).ok_or_else(|| kind(x)))
            .filter(|x| x.as_ref().map_or(true, |s| !s.is_empty()))
            .collect(),
        other => Err(kind(other)),
    }
}

/// A boolean setting as Go's `strconv.ParseBool` reads it. `Err` names the value found.
fn go_bool(v: &J) -> Result<bool, String> {
    match v {
        J::Null => Ok(false),
        J::Bool(b) => Ok(*b),
        J::String(s) => match s.trim() {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" | "" => Ok(false),
            other => Err(format!("`{other}`")),
        },
        other => Err(kind(other).to_owned()),
    }
}

/// `trivy.yaml`: the files it names, and its settings that hide findings.
fn trivy_config(r: &mut Reader<'_>) -> TrivyNamed {
    let mut named = TrivyNamed::default();
    let Some((doc, map)) = r.yaml() else { return named };
    let map = map.as_ref();
    let at = |segs: &[Seg]| map.and_then(|m: &SourceMap| m.key_pos(segs));
    if !matches!(doc, J::Object(_) | J::Null) {
        r.malformed(
            at(&[]),
            format!("the document is {}, not a mapping", kind(&doc)),
            "write Trivy's settings as a mapping",
        );
        return named;
    }
    yaml_fold_duplicates(r, &doc, map, &mut Vec::new());
    let text = |r: &mut Reader<'_>, path: &[&str]| -> Option<(String, Option<Pos>)> {
        let (v, segs) = lookup(&doc, path)?;
        match v {
            J::Null => None,
            // An empty name turns the file off (`--ignorefile ""`): nothing to read.
            J::String(s) if s.trim().is_empty() => None,
            J::String(s) => Some((s.clone(), at(&segs))),
            other => {
                r.malformed(
                    at(&segs),
                    format!("`{}` is {}, not a file name", setting(&segs), kind(other)),
                    "write a path relative to the repository root",
                );
                None
            }
        }
    };
    named.ignorefile = text(r, &["ignorefile"]);
    named.secret_config = text(r, &["secret", "config"]);
    trivy_hidden(r, &doc, map);
    named
}

/// The settings of `trivy.yaml` that keep findings out of a report.
fn trivy_hidden(r: &mut Reader<'_>, doc: &J, map: Option<&SourceMap>) {
    let at = |segs: &[Seg]| map.and_then(|m: &SourceMap| m.key_pos(segs));
    let hidden = |r: &mut Reader<'_>, segs: &[Seg], what: String| r.push(at(segs), Subject::Other { what }, None, None);
    if let Some((policy, segs)) = lookup(doc, &["ignore-policy"]).and_then(|(v, segs)| Some((v.as_str()?, segs)))
        && !policy.trim().is_empty()
    {
        hidden(r, &segs, format!("every finding the policy `{policy}` ignores (`{}`)", setting(&segs)));
    }
    let list = |r: &mut Reader<'_>, path: &[&str]| -> Option<(Vec<String>, Vec<Seg>)> {
        let (v, segs) = lookup(doc, path)?;
        match string_list(v) {
            Ok(l) => Some((l, segs)),
            Err(k) => {
                r.malformed(
                    at(&segs),
                    format!("`{}` is {k}, not a list of strings", setting(&segs)),
                    "write a list of strings",
                );
                None
            }
        }
    };
    if let Some((severities, segs)) = list(r, &["severity"]) {
        let listed: Vec<String> = severities.iter().map(|s| s.to_ascii_uppercase()).collect();
        let missing: Vec<&str> = TRIVY_SEVERITIES.iter().copied().filter(|s| !listed.iter().any(|l| l == s)).collect();
        if !missing.is_empty() {
            hidden(
                r,
                &segs,
                format!(
                    "every finding rated {} (`{}` lists only {})",
                    missing.join(", "),
                    setting(&segs),
                    if listed.is_empty() { "nothing".to_owned() } else { listed.join(", ") }
                ),
            );
        }
    }
    if let Some((v, segs)) = lookup(doc, &["vulnerability", "ignore-unfixed"]) {
        match go_bool(v) {
            Ok(true) => hidden(r, &segs, format!("every vulnerability with no fixed version (`{}`)", setting(&segs))),
            Ok(false) => {}
            Err(found) => r.malformed(
                at(&segs),
                format!("`{}` is {found}, not a boolean", setting(&segs)),
                "write `true` or `false`",
            ),
        }
    }
    if let Some((statuses, segs)) = list(r, &["vulnerability", "ignore-status"]) {
        for s in statuses {
            hidden(r, &segs, format!("every vulnerability whose status is `{s}` (`{}`)", setting(&segs)));
        }
    }
    if let Some((sources, segs)) = list(r, &["vulnerability", "vex"]) {
        for s in sources {
            hidden(
                r,
                &segs,
                format!("every vulnerability the VEX source `{s}` marks not affected or fixed (`{}`)", setting(&segs)),
            );
        }
    }
    if let Some((licences, segs)) = list(r, &["license", "ignored"]) {
        for l in licences {
            hidden(r, &segs, format!("licence `{l}` (`{}`)", setting(&segs)));
        }
    }
    // The classes Trivy scans by default (`vuln`, `secret`) and the package types it reads
    // (`os`, `library`): a list without one hides every finding of it.
    for (path, defaults, what) in [
        (&["scan", "scanners"][..], &["vuln", "secret"][..], "scanner"),
        (&["scan", "security-checks"][..], &["vuln", "secret"][..], "scanner"),
        (&["pkg", "types"][..], &["os", "library"][..], "package type"),
        (&["vulnerability", "type"][..], &["os", "library"][..], "package type"),
    ] {
        let Some((listed, segs)) = list(r, path) else { continue };
        if listed.is_empty() {
            continue;
        }
        let listed: Vec<String> = listed.iter().map(|x| x.to_ascii_lowercase()).collect();
        for d in defaults.iter().filter(|d| !listed.iter().any(|l| l == *d)) {
            hidden(
                r,
                &segs,
                format!("every finding of the {what} `{d}` (`{}` lists only {})", setting(&segs), listed.join(", ")),
            );
        }
    }
}

/// Trivy's secret-scanner configuration (go-yaml: keys exactly as written).
fn trivy_secret_config(r: &mut Reader<'_>) {
    let Some((doc, map)) = r.yaml() else { return };
    let map = map.as_ref();
    let at = |segs: &[Seg]| map.and_then(|m: &SourceMap| m.key_pos(segs));
    let J::Object(top) = &doc else {
        if !doc.is_null() {
            r.malformed(
                at(&[]),
                format!("the document is {}, not a mapping", kind(&doc)),
                "write Trivy's secret settings as a mapping",
            );
        }
        return;
    };
    let key = |k: &str| Seg::Key(k.to_owned());
    for (k, what) in [("disable-rules", "every secret of rule"), ("enable-builtin-rules", "")] {
        let Some(v) = top.get(k) else { continue };
        match string_list(v) {
            Ok(ids) if k == "enable-builtin-rules" => {
                if !ids.is_empty() {
                    let what = format!("every secret of the built-in rules not listed in `{k}` ({})", ids.join(", "));
                    r.push(at(&[key(k)]), Subject::Other { what }, None, None);
                }
            }
            Ok(ids) => {
                for id in ids {
                    r.push(at(&[key(k)]), Subject::Other { what: format!("{what} `{id}` (`{k}`)") }, None, None);
                }
            }
            Err(found) => r.malformed(
                at(&[key(k)]),
                format!("`{k}` is {found}, not a list of rule ids"),
                "write a list of rule ids",
            ),
        }
    }
    if let Some(v) = top.get("skip-patterns") {
        match string_list(v) {
            Ok(patterns) => {
                for p in patterns {
                    let what = format!("every secret in the files matching `{p}` (`skip-patterns`)");
                    r.push(at(&[key("skip-patterns")]), Subject::Other { what }, None, None);
                }
            }
            Err(found) => r.malformed(
                at(&[key("skip-patterns")]),
                format!("`skip-patterns` is {found}, not a list of patterns"),
                "write a list of doublestar patterns",
            ),
        }
    }
    secret_hiders(r, &at, top, &[], "");
    if let Some(rules) = top.get("rules") {
        let Some(rules) = rules.as_array() else {
            if !rules.is_null() {
                r.malformed(
                    at(&[key("rules")]),
                    format!("`rules` is {}, not a list", kind(rules)),
                    "write a list of rules",
                );
            }
            return;
        };
        for (i, rule) in rules.iter().enumerate() {
            let Some(rule) = rule.as_object() else { continue };
            let id = rule.get("id").and_then(J::as_str).unwrap_or("?");
            secret_hiders(r, &at, rule, &[key("rules"), Seg::Index(i)], &format!("of rule `{id}` "));
        }
    }
}

/// The allow rules and exclude block of `m` (the secret configuration, or one of its rules at
/// `base`).
fn secret_hiders(
    r: &mut Reader<'_>,
    at: &dyn Fn(&[Seg]) -> Option<Pos>,
    m: &serde_json::Map<String, J>,
    base: &[Seg],
    of_rule: &str,
) {
    let seg = |extra: &[Seg]| [base, extra].concat();
    match m.get("allow-rules") {
        None | Some(J::Null) => {}
        Some(J::Array(rules)) => {
            for (i, a) in rules.iter().enumerate() {
                let field = |k: &str| a.get(k).and_then(J::as_str).filter(|s| !s.is_empty());
                let mut parts = Vec::new();
                if let Some(p) = field("path") {
                    parts.push(format!("path `{p}`"));
                }
                if let Some(x) = field("regex") {
                    parts.push(format!("regex `{x}`"));
                }
                let what = format!(
                    "every secret {of_rule}matched by allow rule `{}`{}",
                    field("id").unwrap_or("?"),
                    if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) }
                );
                let reason = field("description").map(str::to_owned);
                r.push(
                    at(&seg(&[Seg::Key("allow-rules".into()), Seg::Index(i)])),
                    Subject::Other { what },
                    None,
                    reason,
                );
            }
        }
        Some(other) => r.malformed(
            at(&seg(&[Seg::Key("allow-rules".into())])),
            format!("`allow-rules` is {}, not a list", kind(other)),
            "write a list of allow rules",
        ),
    }
    if let Some(block) = m.get("exclude-block").filter(|b| !b.is_null()) {
        let regexes = block.get("regexes").map_or_else(|| Ok(Vec::new()), string_list);
        match regexes {
            Ok(rx) if rx.is_empty() => {}
            Ok(rx) => {
                let what = format!("every secret {of_rule}inside a block matching `exclude-block` ({})", rx.join(", "));
                let reason = block.get("description").and_then(J::as_str).map(str::to_owned);
                r.push(at(&seg(&[Seg::Key("exclude-block".into())])), Subject::Other { what }, None, reason);
            }
            Err(found) => r.malformed(
                at(&seg(&[Seg::Key("exclude-block".into())])),
                format!("`exclude-block.regexes` is {found}, not a list of strings"),
                "write a list of regular expressions",
            ),
        }
    }
}

// --- Settings in the ignore files the drift check reads ------------------------------------

/// The settings of a Grype configuration (read with its `ignore:` rules) that keep findings out
/// of a report: `exclude` (paths not cataloged), `only-fixed`, `only-notfixed`,
/// `ignore-wontfix`. Keys in any case, as viper reads them.
pub(crate) fn grype_settings(r: &mut Reader<'_>, doc: &J, map: Option<&SourceMap>) {
    yaml_fold_duplicates(r, doc, map, &mut Vec::new());
    let at = |segs: &[Seg]| map.and_then(|m| m.key_pos(segs));
    if let Some((v, segs)) = lookup(doc, &["exclude"]) {
        match string_list(v) {
            Ok(globs) => {
                for g in globs {
                    let what = format!("every vulnerability of the packages found under `{g}` (`exclude`)");
                    r.push(at(&segs), Subject::Other { what }, None, None);
                }
            }
            Err(k) => r.malformed(at(&segs), format!("`exclude` is {k}, not a list of paths"), "write a list of globs"),
        }
    }
    for (key, what) in [
        ("only-fixed", "every vulnerability with no fix (`only-fixed`)"),
        ("only-notfixed", "every vulnerability that has a fix (`only-notfixed`)"),
    ] {
        if let Some((v, segs)) = lookup(doc, &[key]) {
            match go_bool(v) {
                Ok(true) => r.push(at(&segs), Subject::Other { what: what.to_owned() }, None, None),
                Ok(false) => {}
                Err(found) => {
                    r.malformed(at(&segs), format!("`{key}` is {found}, not a boolean"), "write `true` or `false`");
                }
            }
        }
    }
    if let Some((v, segs)) = lookup(doc, &["ignore-wontfix"]) {
        match string_list(v) {
            Ok(sev) if sev.is_empty() => {}
            Ok(sev) => {
                let what = format!(
                    "every vulnerability the distribution will not fix, rated {} (`ignore-wontfix`)",
                    sev.join(", ")
                );
                r.push(at(&segs), Subject::Other { what }, None, None);
            }
            Err(k) => r.malformed(
                at(&segs),
                format!("`ignore-wontfix` is {k}, not a list of severities"),
                "write severities separated by commas",
            ),
        }
    }
}

/// The settings of a cargo-deny or cargo-audit configuration (read with its `[advisories]
/// ignore`) that keep advisories out of a report: cargo-deny's `unmaintained` / `unsound` scope
/// narrower than `all`, the older `vulnerability` / `notice` levels below `deny` and
/// `severity-threshold`, and `[graph] exclude`; cargo-audit's `severity_threshold`,
/// `informational_warnings` without one of its kinds, and `[target]`.
pub(crate) fn cargo_settings(r: &mut Reader<'_>, doc: &toml_edit::Table) {
    let src = r.src;
    let key_at = |t: &dyn TableLike, k: &str| tget(t, k).and_then(|(_, item)| item_pos(src, item));
    let adv = doc.get("advisories").and_then(Item::as_table_like);
    let text = |t: &dyn TableLike, k: &str| tget(t, k).and_then(|(_, i)| i.as_str().map(str::to_owned));
    if r.format == Format::CargoDeny {
        if let Some(adv) = adv {
            for k in ["unmaintained", "unsound"] {
                if let Some(scope) = text(adv, k).filter(|s| s != "all") {
                    let what = format!("every {k} advisory outside the `{scope}` scope (`advisories.{k}`)");
                    r.push(key_at(adv, k), Subject::Other { what }, None, None);
                }
            }
            for k in ["vulnerability", "notice"] {
                if let Some(level) = text(adv, k).filter(|s| s != "deny") {
                    let what = format!(
                        "every {k} advisory, reported at `{level}` (`advisories.{k}`, read by older cargo-deny)"
                    );
                    r.push(key_at(adv, k), Subject::Other { what }, None, None);
                }
            }
            if let Some(t) = text(adv, "severity-threshold") {
                let what = format!("every advisory rated below `{t}` (`advisories.severity-threshold`)");
                r.push(key_at(adv, "severity-threshold"), Subject::Other { what }, None, None);
            }
        }
        if let Some(graph) = doc.get("graph").and_then(Item::as_table_like)
            && let Some((_, ex)) = tget(graph, "exclude")
        {
            for v in ex.as_array().into_iter().flatten() {
                let name = v
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| {
                        v.as_inline_table().and_then(|t| t.get("crate")).and_then(|c| c.as_str()).map(str::to_owned)
                    })
                    .unwrap_or_else(|| v.to_string());
                let what = format!("every advisory of crate `{}` (`graph.exclude`)", name.trim());
                r.push(pos(src, v.span()), Subject::Other { what }, None, None);
            }
        }
    } else {
        if let Some(adv) = adv {
            if let Some(t) = tget(adv, "severity_threshold").and_then(|(_, i)| i.as_str()) {
                let what = format!("every advisory rated below `{t}` (`advisories.severity_threshold`)");
                r.push(key_at(adv, "severity_threshold"), Subject::Other { what }, None, None);
            }
            if let Some((_, i)) = tget(adv, "informational_warnings") {
                let listed: Vec<&str> = i.as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
                let missing: Vec<&str> =
                    ["unmaintained", "unsound"].into_iter().filter(|k| !listed.contains(k)).collect();
                if !missing.is_empty() {
                    let what = format!(
                        "every informational advisory of kind {} (`advisories.informational_warnings`)",
                        missing.join(", ")
                    );
                    r.push(key_at(adv, "informational_warnings"), Subject::Other { what }, None, None);
                }
            }
        }
        if let Some((_, t)) = tget(doc, "target") {
            let what = "every advisory that does not affect the `[target]` platform".to_owned();
            r.push(item_pos(src, t), Subject::Other { what }, None, None);
        }
    }
}

// --- Gitleaks ----------------------------------------------------------------------------

/// A key of a Gitleaks table, in any case (Gitleaks reads its configuration through viper).
fn tget<'t>(t: &'t dyn TableLike, key: &str) -> Option<(&'t str, &'t Item)> {
    let want = fold_key(key);
    t.iter().find(|(k, _)| fold_key(k) == want)
}

/// Keys of one TOML table (and of every table below it) that Gitleaks would take for one
/// setting ([`fold_key`]): it reads one of them, so which one decides is not what the file
/// says. Each is an `SP0104` error.
fn toml_fold_duplicates(r: &mut Reader<'_>, t: &dyn TableLike) {
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for (k, item) in t.iter() {
        let f = fold_key(k);
        if let Some(first) = seen.get(&f) {
            let at = item_pos(r.src, item);
            let msg = format!(
                "`{first}` and `{k}` are one setting to the scanner (it matches keys in any case) and it reads only one"
            );
            r.malformed(at, msg, "keep one spelling of the key");
        } else {
            seen.insert(f, k);
        }
        for sub in tables(item) {
            toml_fold_duplicates(r, sub);
        }
    }
}

/// The tables of an item: one table (or inline table), or each of an array of tables.
fn tables(item: &Item) -> Vec<&dyn TableLike> {
    match item {
        Item::ArrayOfTables(a) => a.iter().map(|t| t as &dyn TableLike).collect(),
        Item::Value(toml_edit::Value::Array(a)) => {
            a.iter().filter_map(|v| v.as_inline_table().map(|t| t as &dyn TableLike)).collect()
        }
        other => other.as_table_like().into_iter().collect(),
    }
}

fn item_pos(src: &SourceFile, item: &Item) -> Option<Pos> {
    let span = match item {
        Item::Table(t) => t.span(),
        Item::ArrayOfTables(a) => a.span(),
        Item::Value(v) => v.span(),
        Item::None => None,
    };
    pos(src, span)
}

fn gitleaks_config(root: &Path, name: &str, depth: usize, already: &[String], found: &mut Found) {
    let Some(text) = read_source(root, name) else { return };
    found.files.push(name.to_owned());
    let text = match text {
        Ok(t) => t,
        Err(d) => return found.diagnostics.push(*d),
    };
    let src = SourceFile::new(name, text);
    let mut r = Reader { format: Format::Gitleaks, src: &src, out: Vec::new(), diags: Vec::new() };
    let mut extend_path = None;
    if let Some(doc) = r.toml() {
        let top = doc.as_table() as &dyn TableLike;
        toml_fold_duplicates(&mut r, top);
        let extend = tget(top, "extend").and_then(|(_, i)| i.as_table_like());
        let flag = |k: &str| extend.and_then(|e| tget(e, k)).and_then(|(_, v)| v.as_bool()) == Some(true);
        let extended =
            extend.and_then(|e| tget(e, "path")).and_then(|(_, v)| v.as_str()).filter(|p| !p.trim().is_empty());
        // Only the file Gitleaks loads first decides whether the default rules run.
        if depth == 0 && !flag("useDefault") && extended.is_none() {
            r.push(
                Some(Pos::new(1, 1)),
                Subject::Other {
                    what: "every secret only Gitleaks' default rules find (this file replaces them: it has no `[extend] useDefault = true`)".to_owned(),
                },
                None,
                None,
            );
        }
        if let Some((k, item)) = extend.and_then(|e| tget(e, "disabledRules")) {
            if let Some(ids) = item.as_array() {
                for v in ids {
                    let id = v.as_str().unwrap_or("?");
                    let what = format!("every secret of rule `{id}` (`extend.{k}`)");
                    r.push(pos(&src, v.span()), Subject::Other { what }, None, None);
                }
            } else {
                let at = item_pos(&src, item);
                r.malformed(
                    at,
                    format!("`extend.{k}` is {}, not an array of rule ids", type_name(item)),
                    "write `disabledRules = [\"rule-id\"]`",
                );
            }
        }
        if let Some(p) = extended {
            let at = extend.and_then(|e| tget(e, "path")).and_then(|(_, i)| item_pos(&src, i));
            extend_path = Some((p.to_owned(), at));
        }
        for key in ["allowlist", "allowlists"] {
            if let Some((_, item)) = tget(top, key) {
                for t in tables(item) {
                    allowlist(&mut r, t, item, "");
                }
            }
        }
        if let Some((_, rules)) = tget(top, "rules") {
            for rule in tables(rules) {
                let id = tget(rule, "id").and_then(|(_, v)| v.as_str()).unwrap_or("?").to_owned();
                for key in ["allowlist", "allowlists"] {
                    if let Some((_, item)) = tget(rule, key) {
                        for t in tables(item) {
                            allowlist(&mut r, t, item, &format!("of rule `{id}` "));
                        }
                    }
                }
            }
        }
    }
    found.suppressions.append(&mut r.out);
    found.diagnostics.append(&mut r.diags);
    if let Some((p, at)) = extend_path {
        match in_root(&p) {
            Some(rel) if depth >= GITLEAKS_EXTEND_DEPTH || found.knows(&rel, already) => {}
            Some(rel) => gitleaks_config(root, &rel, depth + 1, already, found),
            None => found.diagnostics.push(outside(name, at, "extend.path", &p)),
        }
    }
}

/// One Gitleaks allowlist: a suppression when it lists commits, paths, regexes or stop words.
fn allowlist(r: &mut Reader<'_>, t: &dyn TableLike, item: &Item, of_rule: &str) {
    let mut parts = Vec::new();
    for (key, label) in
        [("commits", "commits"), ("paths", "paths"), ("regexes", "regexes"), ("stopwords", "stop words")]
    {
        if let Some((_, v)) = tget(t, key) {
            let n = v.as_array().map_or(1, toml_edit::Array::len);
            if n > 0 {
                parts.push(format!("{n} {label}"));
            }
        }
    }
    if parts.is_empty() {
        return;
    }
    let description = tget(t, "description").and_then(|(_, v)| v.as_str()).map(str::to_owned);
    let what = format!(
        "every secret {of_rule}matched by the allowlist{} ({})",
        description.as_deref().map(|d| format!(" `{d}`")).unwrap_or_default(),
        parts.join(", ")
    );
    let at = item_pos(r.src, item);
    r.push(at, Subject::Other { what }, None, description);
}

// --- OSV-Scanner -------------------------------------------------------------------------

/// Every `osv-scanner.toml` below the root (the root's own is read with the ignore files), in
/// path order, without following links; `.git` is not searched. A directory that cannot be
/// read is an error: a configuration in it could not be checked.
fn osv_configs_below(root: &Path, found: &mut Found) {
    let walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && e.file_name() == ".git"));
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e
                    .path()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map_or_else(|| ".".to_owned(), |p| p.to_string_lossy().into_owned());
                found.diagnostics.push(
                    Diagnostic::error(
                        codes::IGNORE_FILE_UNREADABLE,
                        at.as_str(),
                        format!("cannot search {at} for {OSV_CONFIG}: {e}"),
                    )
                    .with_hint("make the directory readable: an OSV-Scanner configuration in it could not be checked"),
                );
                continue;
            }
        };
        // The root's own is read with the ignore files.
        if entry.file_name() != OSV_CONFIG || entry.depth() < 2 {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else { continue };
        let Some(rel) = rel.to_str().map(|s| s.replace('\\', "/")) else {
            found.diagnostics.push(
                Diagnostic::error(
                    codes::IGNORE_FILE_UNREADABLE,
                    rel.to_string_lossy().as_ref(),
                    format!("{} has a path that is not UTF-8: it cannot be checked", rel.display()),
                )
                .with_hint("rename the directory"),
            );
            continue;
        };
        let read = read_path(root, Format::OsvScanner, &rel);
        found.take(&rel, read);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_root_are_refused() {
        assert_eq!(in_root("./sec/.trivyignore").as_deref(), Some("sec/.trivyignore"));
        assert_eq!(in_root("a/./b").as_deref(), Some("a/b"));
        for bad in ["", " ", "/etc/passwd", "../x", "a/../../x", "a\\b", ".", "./"] {
            assert_eq!(in_root(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn viper_keys_match_in_any_case_and_dotted() {
        let doc: J = serde_json::json!({"Vulnerability": {"IGNORE-UNFIXED": true}, "license.ignored": ["MIT"]});
        assert_eq!(lookup(&doc, &["vulnerability", "ignore-unfixed"]).map(|(v, _)| v.clone()), Some(J::Bool(true)));
        assert_eq!(
            lookup(&doc, &["license", "ignored"]).map(|(v, s)| (v.clone(), s.len())),
            Some((serde_json::json!(["MIT"]), 1))
        );
        assert!(lookup(&doc, &["vulnerability", "vex"]).is_none());
    }
}
