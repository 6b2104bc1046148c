//! Strict readers of scanner ignore files: every entry becomes a [`Suppression`]; every
//! malformed entry and unknown key becomes a located error. Nothing is dropped silently.

// The readers walk nested documents with short local names, and `match` on an Option with a
// diagnostic in the `None` arm reads better than `if let ... else`.
#![allow(clippy::many_single_char_names, clippy::single_match_else)]

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use secfw_artifacts::yaml::{self, Seg, SourceMap, UnknownFields};
use secfw_artifacts::{Diagnostic, Pos, SourceFile, path};
use secfw_artifacts::{Purl, is_gitleaks_fingerprint};
use secfw_governance::PackageRef;
use serde_json::Value as J;
use toml_edit::{Item, Table, Value};

use crate::toml_util::{instant, key_pos, pos, type_name, value_type};
use crate::{Format, Subject, Suppression, codes, exception_of};

/// Largest ignore file read (scanner ignore files are small; anything bigger is refused).
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Read the `format` file at `root` (its default path). `None` when it does not exist; an
/// unreadable file (FIFO, directory, symlink, too large, not UTF-8) is one located error.
pub fn read_file(root: &Path, format: Format) -> Option<(Vec<Suppression>, Vec<Diagnostic>)> {
    read_path(root, format, format.default_path())
}

/// Read the `format` file `name` (relative to `root`, one of [`Format::read_paths`]). `None`
/// when it does not exist (nor does a directory on its way: `.grype` as a file has no
/// `.grype/config.yaml`); an unreadable file (FIFO, directory, symlink, too large, not UTF-8)
/// is one located error, found without blocking.
pub fn read_path(root: &Path, format: Format, name: &str) -> Option<(Vec<Suppression>, Vec<Diagnostic>)> {
    Some(match read_source(root, name)? {
        Ok(text) => read_text(format, name, &text),
        Err(d) => (Vec::new(), vec![*d]),
    })
}

/// The text of the file `name` (relative to `root`): `None` when it does not exist (nor does a
/// directory on its way); one located `SP0101` error when it cannot be read as a regular UTF-8
/// file of at most [`MAX_BYTES`] (found without blocking, never through a symlink).
pub(crate) fn read_source(root: &Path, name: &str) -> Option<Result<String, Box<Diagnostic>>> {
    let path = root.join(name);
    let refuse = |msg: String| {
        Some(Err(Box::new(Diagnostic::error(codes::IGNORE_FILE_UNREADABLE, name, msg).with_hint(
            "scanner ignore and configuration files must be regular UTF-8 files; secfw never follows symlinks",
        ))))
    };
    // Only a file that is not there is absent; any other failure (a permission error on the
    // way, say) is reported, never taken for "no suppressions".
    match std::fs::symlink_metadata(&path) {
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
            return None;
        }
        Err(e) => return refuse(format!("cannot read {name}: {e}")),
        Ok(_) => {}
    }
    // Opened without blocking and without following a link, checked on the descriptor.
    let bytes = match secfw_artifacts::read_regular(&path, MAX_BYTES, secfw_artifacts::Links::Refuse) {
        Ok(b) => b,
        Err(e) => return refuse(format!("{name} cannot be read as a regular file: {e}")),
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(Ok(text)),
        Err(e) => refuse(format!("{name} is not UTF-8 (invalid byte at offset {})", e.utf8_error().valid_up_to())),
    }
}

/// The extension of `name` as Go's `filepath.Ext` sees it: what follows the last `.` of the
/// last path element (`trivyignore` for `.trivyignore`, which is therefore not YAML to Trivy).
fn extension(name: &str) -> &str {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.rsplit_once('.').map_or("", |(_, ext)| ext)
}

/// Read an ignore file's text. `name` is the file name used in diagnostics; its extension
/// picks the syntax where the scanner's does: Trivy reads `.yaml`/`.yml` as YAML and anything
/// else as its plain format; Grype's YAML and JSON files are read, its other config formats
/// refused (`SP0101`).
pub fn read_text(format: Format, name: &str, text: &str) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let src = SourceFile::new(name, text);
    let mut r = Reader { format, src: &src, out: Vec::new(), diags: Vec::new() };
    let ext = extension(name);
    match format {
        Format::Trivy if matches!(ext, "yaml" | "yml") => r.trivy(),
        Format::Trivy => r.trivy_plain(),
        Format::Grype if matches!(ext, "yaml" | "yml" | "json") => r.grype(),
        Format::Grype => r.diags.push(
            Diagnostic::error(
                codes::IGNORE_FILE_UNREADABLE,
                name,
                format!(
                    "grype reads {name} as `{ext}` configuration by default, and secfw reads Grype configuration only as YAML or JSON: its ignore rules cannot be checked"
                ),
            )
            .with_hint("move the configuration to .grype.yaml (its ignore rules become exceptions in exceptions.md, compiled with `secfw exceptions compile --to grype`)"),
        ),
        Format::OsvScanner => r.osv(),
        Format::CargoDeny | Format::CargoAudit => r.cargo(),
        Format::Gitleaks => r.gitleaks(),
    }
    (r.out, r.diags)
}

pub(crate) struct Reader<'a> {
    pub(crate) format: Format,
    pub(crate) src: &'a SourceFile,
    pub(crate) out: Vec<Suppression>,
    pub(crate) diags: Vec<Diagnostic>,
}

/// A Trivy ignore entry that passed its checks.
struct TrivyEntry {
    id: String,
    paths: Vec<String>,
    purls: Vec<String>,
    statement: Option<String>,
    expires: Option<DateTime<Utc>>,
}

impl Reader<'_> {
    pub(crate) fn name(&self) -> &str {
        &self.src.name
    }

    pub(crate) fn malformed(&mut self, at: Option<Pos>, msg: impl Into<String>, hint: &str) {
        let msg: String = msg.into();
        let d = Diagnostic::error(codes::IGNORE_MALFORMED, self.name(), format!("{}: {msg}", self.format))
            .at(at)
            .with_hint(hint.to_owned());
        self.diags.push(d);
    }

    pub(crate) fn unknown(&mut self, at: Option<Pos>, key: &str, known: &[&str]) {
        let d = Diagnostic::error(
            codes::IGNORE_UNKNOWN_KEY,
            self.name(),
            format!("{}: unknown key `{key}` (the scanner would drop it silently)", self.format),
        )
        .at(at)
        .with_hint(format!("known keys here: {}", known.join(", ")));
        self.diags.push(d);
    }

    pub(crate) fn push(
        &mut self,
        at: Option<Pos>,
        subject: Subject,
        expires: Option<DateTime<Utc>>,
        reason: Option<String>,
    ) {
        let exception = reason.as_deref().and_then(exception_of);
        self.out.push(Suppression {
            format: self.format,
            file: self.src.name.clone(),
            pos: at,
            subject,
            expires,
            reason,
            exception,
        });
    }

    // --- YAML (Trivy, Grype) ----------------------------------------------------------------

    pub(crate) fn yaml(&mut self) -> Option<(J, Option<SourceMap>)> {
        if self.src.text.trim().is_empty() {
            return Some((J::Null, None));
        }
        match yaml::parse::<J>(self.src, UnknownFields::Warn) {
            Ok(p) => Some((p.value, SourceMap::build(self.src))),
            Err(d) => {
                let at = d.pos();
                let msg = format!("{}: {}", self.format, d.message);
                self.diags.push(
                    Diagnostic::error(codes::IGNORE_FILE_SYNTAX, self.name(), msg)
                        .at(at)
                        .with_hint("fix the syntax; a scanner that cannot parse its ignore file may ignore all of it"),
                );
                None
            }
        }
    }

    fn trivy(&mut self) {
        const TOP: &[&str] = &["vulnerabilities", "misconfigurations", "secrets", "licenses"];
        let Some((v, map)) = self.yaml() else { return };
        let map = map.as_ref();
        let at = |p: &[Seg]| map.and_then(|m| m.key_pos(p));
        let top = match v {
            J::Null => return,
            J::Object(m) => m,
            other => {
                self.malformed(
                    at(&[]),
                    format!("the document is {}, not a mapping", kind(&other)),
                    "write `vulnerabilities:`, `misconfigurations:`, `secrets:`, `licenses:` lists",
                );
                return;
            }
        };
        for (section, list) in &top {
            if !TOP.contains(&section.as_str()) {
                self.unknown(at(&path![section.as_str()]), section, TOP);
                continue;
            }
            let items = match list {
                J::Null => continue,
                J::Array(a) => a,
                other => {
                    self.malformed(
                        at(&path![section.as_str()]),
                        format!("`{section}` is {}, not a list", kind(other)),
                        "write a list of `- id: ...` entries",
                    );
                    continue;
                }
            };
            for (i, item) in items.iter().enumerate() {
                if let Some(entry) = self.trivy_entry(map, section, i, item) {
                    let p = path![section.as_str(), i];
                    let mut purls = p.clone();
                    purls.push(Seg::Key("purls".to_owned()));
                    self.trivy_push(at(&p), at(&purls), section, entry);
                }
            }
        }
    }

    /// Entry `i` of Trivy ignore section `section`: a mapping of known keys with an `id`,
    /// `paths`/`purls` lists of strings, a string `statement` and a date `expired_at`; `None`
    /// (reported) otherwise.
    fn trivy_entry(&mut self, map: Option<&SourceMap>, section: &str, i: usize, item: &J) -> Option<TrivyEntry> {
        const ENTRY: &[&str] = &["id", "paths", "purls", "statement", "expired_at"];
        let at = |p: &[Seg]| map.and_then(|m| m.key_pos(p));
        let p = path![section, i];
        let Some(m) = item.as_object() else {
            self.malformed(at(&p), format!("{section}[{i}] is {}, not a mapping", kind(item)), "write `- id: CVE-...`");
            return None;
        };
        let mut bad = false;
        for k in m.keys() {
            if !ENTRY.contains(&k.as_str()) {
                let mut kp = p.clone();
                kp.push(Seg::Key(k.clone()));
                self.unknown(at(&kp), k, ENTRY);
                bad = true;
            }
        }
        let field = |k: &str| {
            let mut kp = p.clone();
            kp.push(Seg::Key(k.to_owned()));
            at(&kp)
        };
        let Some(id) = m.get("id").and_then(J::as_str).map(str::trim).filter(|s| !s.is_empty()) else {
            self.malformed(
                at(&p).or(field("id")),
                format!("{section}[{i}] has no `id` string"),
                "every entry needs `id:`",
            );
            return None;
        };
        let strings = |this: &mut Self, k: &str| -> Option<Vec<String>> {
            match m.get(k) {
                None | Some(J::Null) => Some(Vec::new()),
                Some(J::Array(a)) if a.iter().all(J::is_string) => {
                    Some(a.iter().filter_map(J::as_str).map(str::to_owned).collect())
                }
                Some(other) => {
                    this.malformed(
                        field(k),
                        format!("{section}[{i}] `{k}` is {}, not a list of strings", kind(other)),
                        "write a list of quoted strings",
                    );
                    None
                }
            }
        };
        let (Some(paths), Some(purls)) = (strings(self, "paths"), strings(self, "purls")) else { return None };
        let statement = match m.get("statement") {
            None | Some(J::Null) => None,
            Some(J::String(s)) => Some(s.clone()),
            Some(other) => {
                self.malformed(
                    field("statement"),
                    format!("`statement` is {}, not a string", kind(other)),
                    "quote the statement",
                );
                bad = true;
                None
            }
        };
        let expires = match m.get("expired_at") {
            None | Some(J::Null) => None,
            Some(J::String(s)) => match parse_instant(s) {
                Some(t) => Some(t),
                None => {
                    self.malformed(field("expired_at"), format!("{id}: `expired_at: {s}` is not a date (YYYY-MM-DD) or RFC 3339 time"), "a date the scanner cannot read may make the ignore permanent or drop it; write `expired_at: 2027-01-31`");
                    return None;
                }
            },
            Some(other) => {
                self.malformed(
                    field("expired_at"),
                    format!("{id}: `expired_at` is {}, not a date", kind(other)),
                    "write `expired_at: 2027-01-31`",
                );
                return None;
            }
        };
        (!bad).then(|| TrivyEntry { id: id.to_owned(), paths, purls, statement, expires })
    }

    /// The suppressions of a valid Trivy entry of `section` located at `here`: one per purl
    /// (vulnerabilities) or path (secrets), else one for the id.
    fn trivy_push(&mut self, here: Option<Pos>, purls_at: Option<Pos>, section: &str, e: TrivyEntry) {
        let TrivyEntry { id, paths, purls, statement, expires } = e;
        let id = id.as_str();
        match section {
            "vulnerabilities" if purls.is_empty() => {
                self.push(here, advisory(id, None), expires, statement);
            }
            "vulnerabilities" => {
                for purl in &purls {
                    match purl.parse::<Purl>() {
                        Ok(pu) => {
                            let pkg = PackageRef::new(pu.display_name(), pu.version.clone(), Some(pu));
                            self.push(here, advisory(id, Some((pkg, purl.clone()))), expires, statement.clone());
                        }
                        Err(msg) => self.malformed(
                            purls_at,
                            format!("{id}: {msg}"),
                            "write package URLs such as `pkg:cargo/time@0.1.45`",
                        ),
                    }
                }
            }
            "misconfigurations" => self.push(here, advisory(id, None), expires, statement),
            "secrets" if paths.is_empty() => {
                self.push(
                    here,
                    Subject::Secret { rule: id.to_owned(), file: None, line: None, commit: None },
                    expires,
                    statement,
                );
            }
            "secrets" => {
                for f in &paths {
                    // Trivy matches `paths` as doublestar patterns: only a pattern that
                    // matches one file names a file; any other names every file it matches.
                    let subject = match glob_unescape(f) {
                        Some(file) => {
                            Subject::Secret { rule: id.to_owned(), file: Some(file), line: None, commit: None }
                        }
                        None => {
                            Subject::Other { what: format!("every secret of rule `{id}` in the files matching `{f}`") }
                        }
                    };
                    self.push(here, subject, expires, statement.clone());
                }
            }
            _ => {
                self.push(here, Subject::Other { what: format!("licence `{id}`") }, expires, statement);
            }
        }
    }

    /// Trivy's plain ignore file (`.trivyignore`, the `--ignorefile` default), read as Trivy
    /// reads it (`pkg/result/ignore.go`): each line is trimmed; empty lines and lines starting
    /// with `#` are skipped; the first white-space separated field is the id, which Trivy
    /// applies to every class (vulnerabilities, misconfigurations, secrets, licences; no
    /// package or path narrows it); the first field starting with `exp:` is the expiry
    /// (`YYYY-MM-DD`, from the start of that day UTC). Trivy ignores every other field; secfw
    /// keeps them as the reason (`CVE-1 # EXC-004: ...`), else the `#` comment above the entry.
    fn trivy_plain(&mut self) {
        for Line { number, column, text, comment } in entry_lines(&self.src.text) {
            let (line, at) = (text.as_str(), Some(Pos::new(number, column)));
            let fields: Vec<&str> = line.split_whitespace().collect();
            let id = fields[0];
            let expires = match fields.iter().find_map(|f| f.strip_prefix("exp:")) {
                None => None,
                Some(d) => match go_date(d) {
                    Some(t) => Some(t),
                    None => {
                        self.malformed(
                            at,
                            format!("{id}: `exp:{d}` is not a date YYYY-MM-DD"),
                            "Trivy drops a line whose date it cannot read (with only a warning); write `CVE-2024-1 exp:2027-01-31`",
                        );
                        continue;
                    }
                },
            };
            let rest: Vec<&str> = fields[1..].iter().copied().filter(|f| !f.starts_with("exp:")).collect();
            let rest = rest.join(" ");
            let rest = rest.trim_start_matches('#').trim();
            let reason = if rest.is_empty() { comment.clone() } else { Some(rest.to_owned()) };
            self.push(at, advisory(id, None), expires, reason);
        }
    }

    fn grype(&mut self) {
        let Some((v, map)) = self.yaml() else { return };
        let map = map.as_ref();
        crate::config::grype_settings(self, &v, map);
        let at = |p: &[Seg]| map.and_then(|m| m.key_pos(p));
        let rules = match &v {
            J::Null => return,
            // Grype's loader (viper) matches keys case-insensitively: `Ignore:` is `ignore:`.
            J::Object(m) => match m.iter().find(|(k, _)| crate::config::fold_key(k) == "ignore") {
                // Two `ignore` keys in different case: refused by `grype_settings` (SP0104).
                _ if m.keys().filter(|k| crate::config::fold_key(k) == "ignore").count() > 1 => return,
                None | Some((_, J::Null)) => return,
                Some((key, J::Array(a))) => (key.clone(), a.clone()),
                Some((key, other)) => {
                    self.malformed(
                        at(&path![key.as_str()]),
                        format!("`{key}` is {}, not a list", kind(other)),
                        "write `ignore:` followed by `- vulnerability: ...` rules",
                    );
                    return;
                }
            },
            other => {
                self.malformed(
                    at(&[]),
                    format!("the document is {}, not a mapping", kind(other)),
                    "write `ignore:` rules",
                );
                return;
            }
        };
        let (key, rules) = rules;
        for (i, rule) in rules.iter().enumerate() {
            self.grype_rule(map, &key, i, rule);
        }
    }

    /// Rule `i` of a Grype `ignore:` list: a mapping of known keys (and known `package` keys,
    /// string values); one suppression of its vulnerability (narrowed to its package), or of
    /// every vulnerability its other fields match.
    fn grype_rule(&mut self, map: Option<&SourceMap>, key: &str, i: usize, rule: &J) {
        const RULE: &[&str] = &[
            "vulnerability",
            "reason",
            "namespace",
            "fix-state",
            "package",
            "vex-status",
            "vex-justification",
            "match-type",
            "include-aliases",
        ];
        let at = |p: &[Seg]| map.and_then(|m| m.key_pos(p));
        let p = path![key, i];
        let field = |k: &str| {
            let mut kp = p.clone();
            kp.push(Seg::Key(k.to_owned()));
            at(&kp)
        };
        let Some(m) = rule.as_object() else {
            self.malformed(
                at(&p),
                format!("ignore[{i}] is {}, not a mapping", kind(rule)),
                "write `- vulnerability: CVE-...`",
            );
            return;
        };
        let mut bad = false;
        for k in m.keys() {
            if !RULE.contains(&k.as_str()) {
                self.unknown(field(k), k, RULE);
                bad = true;
            }
        }
        let Some((pkg, bad_package)) = self.grype_package(map, key, i, m.get("package")) else { return };
        let reason = m.get("reason").and_then(J::as_str).map(str::to_owned);
        if bad || bad_package {
            return;
        }
        let s = |m: &serde_json::Map<String, J>, k: &str| {
            m.get(k).and_then(J::as_str).map(str::to_owned).filter(|s| !s.is_empty())
        };
        let vuln = s(m, "vulnerability");
        let here = at(&p);
        // Grype matches `name` as the regular expression `^name$`: only a name that matches
        // one package names a package (an unescaped `.` is taken as itself: it stands for one
        // character in a name, never for another package's name in practice).
        let name = pkg.as_ref().and_then(|pm| s(pm, "name"));
        if let Some(pattern) = name.as_deref().filter(|n| regex_unescape(n).is_none()) {
            let what = match &vuln {
                Some(id) => format!("{id} on every package whose name matches `{pattern}`"),
                None => format!("every vulnerability of every package whose name matches `{pattern}`"),
            };
            self.push(here, Subject::Other { what }, None, reason);
            return;
        }
        // With its `type` the rule names a package of one ecosystem (a purl of that type);
        // without it, a package of that name in any.
        let purl_type = pkg.as_ref().and_then(|pm| s(pm, "type")).and_then(|t| crate::compile::purl_type_of_grype(&t));
        let pkgref = name.and_then(|n| regex_unescape(&n)).map(|name| {
            let version = pkg.as_ref().and_then(|pm| s(pm, "version"));
            let purl = purl_type.map(|ty| Purl::new(ty, None, name.clone(), version.clone()));
            PackageRef::new(name, version, purl)
        });
        match vuln {
            Some(id) => {
                let text = pkgref.as_ref().map(|p| match &p.version {
                    Some(v) => format!("{}@{v}", p.name),
                    None => p.name.clone(),
                });
                let subject = Subject::Advisory { id, package: pkgref, package_text: text };
                self.push(here, subject, None, reason);
            }
            None => {
                let what = match &pkgref {
                    Some(p) => format!("every vulnerability of package `{}`", p.name),
                    None => "every vulnerability matching the rule's other fields".to_owned(),
                };
                self.push(here, Subject::Other { what }, None, reason);
            }
        }
    }

    /// The `package` of Grype rule `i`: absent, or a mapping of known keys with string values.
    /// Returns the package and whether it has a reported problem; `None` (reported) when it is
    /// not a mapping.
    fn grype_package(
        &mut self,
        map: Option<&SourceMap>,
        key: &str,
        i: usize,
        package: Option<&J>,
    ) -> Option<(Option<serde_json::Map<String, J>>, bool)> {
        const PACKAGE: &[&str] = &["name", "version", "language", "type", "location", "upstream-name"];
        let at = |p: &[Seg]| map.and_then(|m| m.key_pos(p));
        let p = path![key, i];
        let mut bad = false;
        match package {
            None | Some(J::Null) => Some((None, bad)),
            Some(J::Object(pm)) => {
                for k in pm.keys() {
                    if !PACKAGE.contains(&k.as_str()) {
                        let mut kp = p.clone();
                        kp.extend([Seg::Key("package".into()), Seg::Key(k.clone())]);
                        self.unknown(at(&kp), k, PACKAGE);
                        bad = true;
                    }
                }
                if pm.values().any(|x| !x.is_string()) {
                    self.malformed(
                        at(&path![key, i, "package"]),
                        format!("ignore[{i}].package has a value that is not a string"),
                        "quote package fields",
                    );
                    bad = true;
                }
                Some((Some(pm.clone()), bad))
            }
            Some(other) => {
                self.malformed(
                    at(&path![key, i, "package"]),
                    format!("ignore[{i}].package is {}, not a mapping", kind(other)),
                    "write `package: {name: ..., version: ...}`",
                );
                None
            }
        }
    }

    // --- TOML (OSV-Scanner, cargo-deny, cargo-audit) -------------------------------------

    pub(crate) fn toml(&mut self) -> Option<toml_edit::Document<String>> {
        match toml_edit::Document::parse(self.src.text.clone()) {
            Ok(d) => Some(d),
            Err(e) => {
                let at = pos(self.src, e.span());
                let msg = format!("{}: {}", self.format, e.message().trim());
                self.diags.push(
                    Diagnostic::error(codes::IGNORE_FILE_SYNTAX, self.name(), msg)
                        .at(at)
                        .with_hint("fix the TOML syntax; a scanner that cannot parse its config may ignore all of it"),
                );
                None
            }
        }
    }

    fn check_keys(&mut self, t: &Table, known: &[&str]) -> bool {
        let mut ok = true;
        for (k, _) in t {
            if !known.contains(&k) {
                let at = key_pos(self.src, t, k);
                self.unknown(at, k, known);
                ok = false;
            }
        }
        ok
    }

    fn osv(&mut self) {
        const TOP: &[&str] = &["IgnoredVulns", "PackageOverrides", "GoVersionOverride"];
        const IGNORED: &[&str] = &["id", "ignoreUntil", "reason"];
        const OVERRIDE: &[&str] = &[
            "name",
            "version",
            "ecosystem",
            "group",
            "ignore",
            "vulnerability",
            "license",
            "effectiveUntil",
            "reason",
        ];
        let Some(doc) = self.toml() else { return };
        let root = doc.as_table();
        self.check_keys(root, TOP);
        if let Some(item) = root.get("GoVersionOverride") {
            let v = item.as_str().map_or_else(|| type_name(item).to_owned(), str::to_owned);
            let what = format!("every Go standard-library vulnerability fixed at or before Go {v} (GoVersionOverride)");
            self.push(key_pos(self.src, root, "GoVersionOverride"), Subject::Other { what }, None, None);
        }
        for (key, known) in [("IgnoredVulns", IGNORED), ("PackageOverrides", OVERRIDE)] {
            let Some(item) = root.get(key) else { continue };
            let Some(aot) = item.as_array_of_tables() else {
                let at = key_pos(self.src, root, key);
                self.malformed(
                    at,
                    format!("`{key}` is {}, not an array of tables", type_name(item)),
                    "write `[[IgnoredVulns]]` blocks",
                );
                continue;
            };
            for t in aot {
                let here = pos(self.src, t.span());
                if !self.check_keys(t, known) {
                    continue;
                }
                let reason = t.get("reason").and_then(Item::as_str).map(str::to_owned);
                let until_key = if key == "IgnoredVulns" { "ignoreUntil" } else { "effectiveUntil" };
                let expires = match t.get(until_key) {
                    None => None,
                    Some(it) => match it.as_datetime().and_then(instant) {
                        Some(x) => Some(x),
                        None => {
                            let at = key_pos(self.src, t, until_key);
                            let shown = it
                                .as_value()
                                .map_or_else(|| type_name(it).to_owned(), |v| v.to_string().trim().to_owned());
                            self.malformed(at, format!("`{until_key} = {shown}` is not a TOML date or datetime"), "a typo here makes the ignore permanent or drops the whole config in OSV-Scanner; write an unquoted date: `ignoreUntil = 2027-01-31T23:59:59Z`");
                            continue;
                        }
                    },
                };
                if key == "IgnoredVulns" {
                    match t.get("id").and_then(Item::as_str).map(str::trim).filter(|s| !s.is_empty()) {
                        Some(id) => self.push(here, advisory(id, None), expires, reason),
                        None => self.malformed(
                            here,
                            "an `[[IgnoredVulns]]` entry has no `id` string".to_owned(),
                            "write `id = \"GHSA-...\"`",
                        ),
                    }
                } else {
                    let name = t.get("name").and_then(Item::as_str).unwrap_or("*");
                    if !self.osv_override_keys(t, here) {
                        continue;
                    }
                    let ignores_all = t.get("ignore").and_then(Item::as_bool) == Some(true);
                    let vuln_ignore =
                        t.get("vulnerability").and_then(|v| v.get("ignore")).and_then(Item::as_bool) == Some(true);
                    if ignores_all || vuln_ignore {
                        self.push(
                            here,
                            Subject::Other {
                                what: format!("every vulnerability of package `{name}` (PackageOverrides)"),
                            },
                            expires,
                            reason.clone(),
                        );
                    }
                    if t.get("license").is_some_and(|l| {
                        l.get("override").is_some() || l.get("ignore").and_then(Item::as_bool) == Some(true)
                    }) {
                        self.push(
                            here,
                            Subject::Other { what: format!("the licence of package `{name}` (PackageOverrides)") },
                            expires,
                            reason,
                        );
                    }
                }
            }
        }
    }

    /// The keys of a `[[PackageOverrides]]` entry's `vulnerability` and `license` tables, which
    /// OSV-Scanner's TOML decoder matches in any case (`vulnerability = { IGNORE = true }`
    /// ignores as `ignore` does): any but the exact known ones is `SP0103`. `false` when one was
    /// reported.
    fn osv_override_keys(&mut self, t: &Table, here: Option<Pos>) -> bool {
        let mut ok = true;
        for (sub, known) in [("vulnerability", &["ignore"][..]), ("license", &["override", "ignore"][..])] {
            let Some(tl) = t.get(sub).and_then(Item::as_table_like) else { continue };
            for (k, item) in tl.iter() {
                if !known.contains(&k) {
                    let span = if let Item::Value(v) = item { v.span() } else { None };
                    self.unknown(pos(self.src, span).or(here), &format!("{sub}.{k}"), known);
                    ok = false;
                }
            }
        }
        ok
    }

    fn cargo(&mut self) {
        let Some(doc) = self.toml() else { return };
        crate::config::cargo_settings(self, doc.as_table());
        let Some(adv) = doc.as_table().get("advisories") else { return };
        let Some(adv) = adv.as_table() else {
            let at = key_pos(self.src, doc.as_table(), "advisories");
            self.malformed(
                at,
                format!("`advisories` is {}, not a table", type_name(adv)),
                "write an `[advisories]` table",
            );
            return;
        };
        let Some(ignore) = adv.get("ignore") else { return };
        let Some(arr) = ignore.as_array() else {
            let at = key_pos(self.src, adv, "ignore");
            self.malformed(
                at,
                format!("`advisories.ignore` is {}, not an array", type_name(ignore)),
                "write `ignore = [ ... ]`",
            );
            return;
        };
        for v in arr {
            let here = pos(self.src, v.span());
            match v {
                Value::String(s) => {
                    let id = s.value().trim();
                    if self.format == Format::CargoDeny && id.contains('@') || !id.contains('-') {
                        self.push(here, Subject::Other { what: format!("every advisory of crate `{id}`") }, None, None);
                    } else {
                        self.push(here, advisory(id, None), None, None);
                    }
                }
                Value::InlineTable(t) if self.format == Format::CargoDeny => {
                    let known = ["id", "crate", "reason"];
                    let mut bad = false;
                    for (k, _) in t {
                        if !known.contains(&k) {
                            let at = pos(self.src, t.key(k).and_then(toml_edit::Key::span));
                            self.unknown(at, k, &known);
                            bad = true;
                        }
                    }
                    if bad {
                        continue;
                    }
                    let reason = t.get("reason").and_then(Value::as_str).map(str::to_owned);
                    match (t.get("id").and_then(Value::as_str), t.get("crate").and_then(Value::as_str)) {
                        (Some(id), None) => self.push(here, advisory(id.trim(), None), None, reason),
                        (None, Some(c)) => self.push(
                            here,
                            Subject::Other { what: format!("every advisory of crate `{c}`") },
                            None,
                            reason,
                        ),
                        _ => self.malformed(
                            here,
                            "an `ignore` entry needs exactly one of `id` or `crate` (strings)".to_owned(),
                            "write `{ id = \"RUSTSEC-...\", reason = \"EXC-...: ...\" }`",
                        ),
                    }
                }
                other => self.malformed(
                    here,
                    format!("an `ignore` entry is {}, not an advisory id string", value_type(other)),
                    "write advisory ids as strings: `ignore = [\"RUSTSEC-2020-0071\"]`",
                ),
            }
        }
    }

    // --- Gitleaks ----------------------------------------------------------------------------

    fn gitleaks(&mut self) {
        for Line { number, text, comment, .. } in entry_lines(&self.src.text) {
            let (line, at) = (text.as_str(), Some(Pos::new(number, 1)));
            if !is_gitleaks_fingerprint(line) {
                self.malformed(
                    at,
                    format!("`{line}` is not a fingerprint `[commit:]file:rule-id:line`"),
                    "copy the `Fingerprint` Gitleaks prints; Gitleaks ignores lines it cannot match",
                );
                continue;
            }
            let parts: Vec<&str> = line.rsplitn(3, ':').collect();
            let (ln, rule, rest) = (parts[0], parts[1], parts[2]);
            let (commit, file) = match rest.split_once(':') {
                Some((c, f)) if c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    (Some(c.to_owned()), f.to_owned())
                }
                _ => (None, rest.to_owned()),
            };
            let subject = Subject::Secret { rule: rule.to_owned(), file: Some(file), line: ln.parse().ok(), commit };
            self.push(at, subject, None, comment.clone());
        }
    }
}

/// An entry line of a line-based ignore file (`.trivyignore`, `.gitleaksignore`): its 1-based
/// line and column (where its text starts), its trimmed text, and the `#` comment line just
/// above it (a blank line in between forgets it), which secfw reads as the entry's reason.
struct Line {
    number: u32,
    column: u32,
    text: String,
    comment: Option<String>,
}

/// The entry lines of a line-based ignore file: blank lines and `#` comment lines skipped, as
/// Trivy and Gitleaks skip them.
fn entry_lines(text: &str) -> Vec<Line> {
    let mut comment: Option<String> = None;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            comment = None;
        } else if let Some(c) = line.strip_prefix('#') {
            comment = Some(c.trim().to_owned());
        } else {
            let column = raw.chars().take_while(|c| c.is_whitespace()).count() + 1;
            out.push(Line {
                number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
                text: line.to_owned(),
                comment: comment.clone(),
            });
        }
    }
    out
}

/// The one file a doublestar pattern matches (its metacharacters escaped with `\\`), or `None`
/// when an unescaped metacharacter makes it match others.
fn glob_unescape(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '*' | '?' | '[' | '{' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// The one name a Go regular expression matches when it is a name with its metacharacters
/// escaped (`regexp.QuoteMeta`), or `None` when it is a pattern. An unescaped `.` is read as
/// itself (a package name spelt with dots).
fn regex_unescape(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            // `\d`, `\w`, `\b`...: classes and assertions, not letters.
            '\\' => match chars.next()? {
                e if e.is_ascii_alphanumeric() => return None,
                e => out.push(e),
            },
            '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

fn advisory(id: &str, package: Option<(PackageRef, String)>) -> Subject {
    let (package, package_text) = package.map_or((None, None), |(p, t)| (Some(p), Some(t)));
    Subject::Advisory { id: id.to_owned(), package, package_text }
}

pub(crate) fn kind(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "a list",
        J::Object(_) => "a mapping",
    }
}

/// A date exactly as Go's `time.Parse("2006-01-02", s)` accepts it (four-digit year, two-digit
/// month and day, nothing else), as the start of that day UTC.
fn go_date(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc())
}

/// `YYYY-MM-DD` (start of that day, UTC, as Trivy reads it) or an RFC 3339 time.
fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .or_else(|| DateTime::parse_from_rfc3339(t).ok().map(|d| d.with_timezone(&Utc)))
}
