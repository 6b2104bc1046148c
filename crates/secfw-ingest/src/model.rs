//! What a parsed scanner report looks like before it is merged into the ledger.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use secfw_artifacts::Severity;
use secfw_artifacts::model::findings::Category;
use secfw_artifacts::{Diagnostic, Sha256Digest};
use sha2::Digest as _;

/// A scanner output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Format {
    /// Recognise the format from the content.
    Auto,
    /// SARIF 2.1.0 from any tool.
    Sarif,
    /// Trivy JSON (`--format json`), SchemaVersion 2, the legacy array form and `trivy k8s`.
    Trivy,
    /// Grype JSON (`-o json`).
    Grype,
    /// `cargo audit --json`.
    CargoAudit,
    /// OSV-Scanner JSON (`--format json`).
    Osv,
    /// `npm audit --json`, npm 6 (advisories) and npm 7+ (auditReportVersion 2).
    NpmAudit,
}

impl Format {
    /// Every format, `auto` first.
    pub const ALL: [Self; 7] =
        [Self::Auto, Self::Sarif, Self::Trivy, Self::Grype, Self::CargoAudit, Self::Osv, Self::NpmAudit];

    /// The name used on the command line and in `rulebook.yaml` scan inputs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Sarif => "sarif",
            Self::Trivy => "trivy",
            Self::Grype => "grype",
            Self::CargoAudit => "cargo-audit",
            Self::Osv => "osv",
            Self::NpmAudit => "npm-audit",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase();
        let t = match t.as_str() {
            "osv-scanner" => "osv",
            "npm" | "npm-audit-7" => "npm-audit",
            "cargo_audit" => "cargo-audit",
            other => other,
        };
        Self::ALL.into_iter().find(|f| f.as_str() == t).ok_or_else(|| {
            format!("unknown format `{s}`, expected one of auto, sarif, trivy, grype, cargo-audit, osv, npm-audit")
        })
    }
}

/// One parsed report file.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ScannerReport {
    /// The report's name as given (used in diagnostics and evidence).
    pub name: String,
    /// The format it was read as (never `Auto`).
    pub format: Format,
    /// SHA-256 of the report bytes.
    pub sha256: Sha256Digest,
    /// Size in bytes.
    pub bytes: u64,
    /// One scan per SARIF run, one for every other format.
    pub scans: Vec<Scan>,
    /// Items skipped and other notes, located in the report (JSON pointer in the message,
    /// line and column when known).
    pub diagnostics: Vec<Diagnostic>,
}

impl ScannerReport {
    /// Number of findings (after merging duplicates within the report), including those a
    /// merge moved into the ledger.
    pub fn finding_count(&self) -> usize {
        self.scans.iter().map(Scan::finding_count).sum()
    }
}

/// One scanner run.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Scan {
    /// Tool name, lower case (`trivy`, `semgrep`, `codeql`, ...).
    pub tool: String,
    /// Tool version, when the producer says.
    pub tool_version: Option<String>,
    /// What the scan covered (image, directory, lockfile, repository), before inventory
    /// matching; several for OSV-Scanner.
    pub targets: Vec<String>,
    /// Start, when the producer says.
    pub started_at: Option<DateTime<Utc>>,
    /// End, when the producer says.
    pub finished_at: Option<DateTime<Utc>>,
    /// `false` when the producer's own invocation data says the scan failed.
    pub success: bool,
    /// Why it failed.
    pub error: Option<String>,
    /// Index of the run in the report (SARIF `runs[i]`), else 0.
    pub index: usize,
    /// The classes of finding ([`class`]) this scan looked for: only findings of a covered
    /// class can be resolved by it.
    pub covered: BTreeSet<&'static str>,
    /// Classes in which the scan is incomplete (an item was skipped, results are `null`),
    /// with the reason: no finding of such a class is resolved by this scan.
    pub incomplete: BTreeMap<&'static str, String>,
    /// Scopes within a class: when a class has an entry, the scan covered only the findings of
    /// that class whose scope (evidence `scope`; for SARIF the rule id) is in the set — the
    /// rule ids a SARIF run declares, the result scopes of a Trivy report (OS packages, each
    /// language target), the resources of a `trivy k8s` report. A class without an entry is
    /// covered whole.
    pub scopes: BTreeMap<&'static str, BTreeSet<String>>,
    /// Locations (normalised paths) the scan did not analyse (a file it could not parse, a
    /// timeout, an error notification), with the reason: no finding there is resolved by it.
    pub incomplete_at: BTreeMap<String, String>,
    /// The report path this scan is bound to when its target names no project (the format's
    /// default such as `Cargo.lock`, or a producer's `.`): it then resolves only findings last
    /// reported from that same report path ([`Scan::other_project`], `docs/ingest.md`).
    pub bound_to: Option<String>,
    /// The SARIF run's category (`automationDetails.id` up to its last `/`): a run with a
    /// category resolves only findings recorded with the same category.
    pub category: Option<String>,
    /// What names the scanned thing besides its target, as `(evidence key, value)`: Grype's
    /// source type (`source_type`: `image`, `directory`, `file`, `sbom` …) and the platform it
    /// was asked for (`platform`, empty when none was). Its findings record them in their
    /// ingest evidence, and the scan reaches only findings recorded with the same values
    /// ([`Scan::other_variant`]): a directory named like an image, or another platform of one
    /// image, says nothing about the image's findings.
    pub facets: Vec<(&'static str, String)>,
    /// Advisory or rule ids the producer was configured to leave out of its report (cargo-audit
    /// `settings.ignore`), with the reason: a scanner-side ignore is a risk decision made outside
    /// the exception registry, so a finding with such an id (or alias) is never resolved by an
    /// ingest that holds this scan ([`Scan::ignores`]); it stays open until an exception or a
    /// scan without the ignore decides.
    pub ignored: BTreeMap<String, String>,
    /// How the producer filtered what it reported (cargo-audit's severity threshold or target
    /// platforms): a filtered report says nothing about a finding it may have filtered out, so
    /// such a scan resolves nothing (each finding stays open, `IN0108`, with the reason).
    pub filtered: Vec<String>,
    /// The findings, sorted by fingerprint, one per fingerprint. Empty after
    /// [`crate::merge_moving`] (and so after [`crate::ingest`]), which moved them into the
    /// ledger; [`Scan::finding_count`] still counts them.
    pub items: Vec<Item>,
    /// How many items a merge moved into the ledger.
    moved: usize,
}

/// What a scan can do about an open finding it did not report ([`Scan::reach`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reach {
    /// The scan covered the finding's scope completely: it resolves the finding.
    Resolves,
    /// The finding lies outside what the scan looked at (another class, rule, package scope or
    /// resource): the scan says nothing about it.
    OutOfScope(String),
    /// The scan looked at the finding's scope but failed or skipped something there: the
    /// finding stays open whatever other scans of the same ingest say (fail closed).
    Blocks(String),
}

/// One finding as reported by a scanner, normalised.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Item {
    /// `secfw/v1:...`.
    pub fingerprint: String,
    /// Tool name, lower case.
    pub tool: String,
    /// The tool's rule or advisory id.
    pub rule_id: Option<String>,
    /// Short title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: Severity,
    /// Where the severity came from (`security-severity`, `level`, `cvss`, `tool`, `default`).
    pub severity_source: &'static str,
    /// Category.
    pub category: Category,
    /// CWE ids (`CWE-79`), sorted, unique.
    pub cwe: Vec<String>,
    /// CVE / GHSA / RUSTSEC / OSV ids, sorted, unique.
    pub cve: Vec<String>,
    /// CVSS base score.
    pub cvss: Option<f64>,
    /// The scan target this item belongs to (one of the scan's targets).
    pub target: String,
    /// File path, package (`name@version`) or cluster resource.
    pub location: String,
    /// 1-based line, for code findings (evidence only, never identity).
    pub line: Option<u64>,
    /// `file`, `package`, `image`, `repository`, `kubernetes` ...
    pub resource_type: &'static str,
    /// What to do.
    pub recommended_action: String,
    /// JSON pointer of the result in the report.
    pub pointer: String,
    /// How many results of the report share this fingerprint.
    pub occurrences: u32,
    /// Extra evidence (fix version, URLs, suppression), in a fixed key order.
    pub extra: Vec<(std::borrow::Cow<'static, str>, serde_json::Value)>,
    /// The scope class of the finding ([`class`]): resolution is bounded by it.
    pub class: &'static str,
    /// Governance tags the finding opens with (e.g. `license`).
    pub tags: Vec<String>,
    /// Fingerprints an earlier secfw release gave this finding: a live finding holding one of
    /// them is updated (and takes the current fingerprint) instead of a new one being opened.
    pub aliases: Vec<String>,
}

/// Budgets: the most a report may put into one field of the ledger, in characters. Longer
/// text is cut (with a marker naming how much was cut) and an `IN0109` note says so; the
/// fingerprint is computed from the full text and the evidence pointer leads to it in the
/// report.
pub mod limits {
    /// `title`.
    pub const TITLE: usize = 300;
    /// `description` (the scanner's message).
    pub const DESCRIPTION: usize = 16 * 1024;
    /// `affected_resources[].location`, `rule_id`, the target.
    pub const LOCATION: usize = 2048;
    /// `remediation.recommended_action`.
    pub const ACTION: usize = 2048;
    /// Each string of the ingest evidence (URLs, versions, package names).
    pub const EVIDENCE_STRING: usize = 2048;
    /// Scans one report may add to the ledger: SARIF runs of one tool, target and category are
    /// collapsed into one scan; a log with more such groups is refused with `IN0008`.
    pub const SCANS_PER_REPORT: usize = 1000;
}

/// Cut `s` to at most `max` characters (a marker, with the count and a digest of the whole
/// text, counts within the budget); `true` when cut.
pub(crate) fn cap(s: &mut String, max: usize) -> bool {
    // Cheap exit: byte length bounds the character count.
    if s.len() <= max || s.chars().count() <= max {
        return false;
    }
    let total = s.chars().count();
    // The digest of the whole text keeps two long texts that share their beginning apart
    // (two scope keys, rule ids or categories cut to one prefix would compare equal).
    let digest = sha2::Sha256::digest(s.as_bytes());
    let mut short = [0u8; 12];
    let _ = hex::encode_to_slice(&digest[..6], &mut short);
    let marker = format!(
        " … [cut: {total} characters in the report, sha256 {}…]",
        std::str::from_utf8(&short).unwrap_or_default()
    );
    let keep = max.saturating_sub(marker.chars().count());
    let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
    s.truncate(end);
    s.push_str(&marker);
    true
}

/// Apply [`limits`] to every item of `report`, with one `IN0109` note per field cut.
pub(crate) fn apply_budgets(report: &mut ScannerReport) {
    let mut cut: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new(); // field -> (count, limit)
    for scan in &mut report.scans {
        for it in &mut scan.items {
            let mut note = |field: &'static str, limit: usize, was_cut: bool| {
                if was_cut {
                    let e = cut.entry(field).or_insert((0, limit));
                    e.0 += 1;
                }
            };
            note("title", limits::TITLE, cap(&mut it.title, limits::TITLE));
            note("description", limits::DESCRIPTION, cap(&mut it.description, limits::DESCRIPTION));
            note("location", limits::LOCATION, cap(&mut it.location, limits::LOCATION));
            note("target", limits::LOCATION, cap(&mut it.target, limits::LOCATION));
            note("recommended_action", limits::ACTION, cap(&mut it.recommended_action, limits::ACTION));
            if let Some(r) = &mut it.rule_id {
                note("rule_id", limits::LOCATION, cap(r, limits::LOCATION));
            }
            for (_, v) in &mut it.extra {
                if let serde_json::Value::String(x) = v {
                    note("evidence", limits::EVIDENCE_STRING, cap(x, limits::EVIDENCE_STRING));
                }
            }
        }
    }
    for (field, (n, limit)) in cut {
        report.diagnostics.push(
            Diagnostic::note(
                crate::codes::TRUNCATED_FIELD,
                &report.name,
                format!("the `{field}` of {n} finding(s) is longer than {limit} characters; it was cut in the ledger"),
            )
            .with_hint("the full text stays in the report: follow the finding's evidence pointer (report, report_sha256, pointer)"),
        );
    }
}

/// The scope classes of findings: a scan resolves a finding only when it covered the
/// finding's tool, target and class completely.
pub mod class {
    /// Vulnerable packages (Trivy `os-pkgs`/`lang-pkgs`, Grype, cargo-audit, OSV, npm audit).
    pub const VULNERABILITY: &str = "vulnerability";
    /// Licence findings (Trivy `license`, `license-file`).
    pub const LICENSE: &str = "license";
    /// Secrets (Trivy `secret`).
    pub const SECRET: &str = "secret";
    /// Misconfigurations (Trivy `config`).
    pub const MISCONFIGURATION: &str = "misconfiguration";
    /// The rule set of a SARIF tool (every result of the run).
    pub const RULES: &str = "rules";

    /// The class constant for a recorded name.
    pub fn of(name: &str) -> Option<&'static str> {
        [VULNERABILITY, LICENSE, SECRET, MISCONFIGURATION, RULES].into_iter().find(|c| *c == name)
    }
}

impl Scan {
    /// A scan of `tool` over `targets` that covered `covered`, succeeded, holds `items`.
    pub(crate) fn new(tool: &str, targets: Vec<String>, covered: &[&'static str], items: Vec<Item>) -> Self {
        Self {
            tool: tool.to_owned(),
            tool_version: None,
            targets,
            started_at: None,
            finished_at: None,
            success: true,
            error: None,
            index: 0,
            covered: covered.iter().copied().collect(),
            incomplete: BTreeMap::new(),
            scopes: BTreeMap::new(),
            incomplete_at: BTreeMap::new(),
            bound_to: None,
            ignored: BTreeMap::new(),
            filtered: Vec::new(),
            category: None,
            facets: Vec::new(),
            items,
            moved: 0,
        }
    }

    /// Number of findings of this scan: its items, and those a merge moved into the ledger.
    pub fn finding_count(&self) -> usize {
        self.items.len() + self.moved
    }

    /// Take the items out (a merge moves them into the ledger); they stay counted.
    pub(crate) fn take_items(&mut self) -> Vec<Item> {
        self.moved += self.items.len();
        std::mem::take(&mut self.items)
    }

    /// Mark `class` incomplete (the first reason is kept).
    pub(crate) fn mark_incomplete(&mut self, class: &'static str, why: impl Into<String>) {
        self.incomplete.entry(class).or_insert_with(|| why.into());
    }

    /// Why this scan cannot resolve a finding of `class`, or `None` when it can.
    pub fn cannot_resolve(&self, class: &str) -> Option<String> {
        if !self.success {
            return Some(format!("the {} scan failed", self.tool));
        }
        if !self.covered.contains(class) {
            return Some(format!("the {} scan did not look for {class} findings", self.tool));
        }
        self.incomplete
            .get(class)
            .map(|why| format!("the {} scan is incomplete for {class} findings: {why}", self.tool))
    }

    /// Why this scan keeps open a finding identified by `ids` (its rule id and advisory
    /// aliases): the producer was configured to ignore one of them. `None` when it was not.
    pub fn ignores<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Option<String> {
        if self.ignored.is_empty() {
            return None;
        }
        // Advisory ids are case-insensitive (`cve-2022-28391` is CVE-2022-28391).
        ids.into_iter().find_map(|id| {
            let why = self
                .ignored
                .get(id)
                .or_else(|| self.ignored.iter().find(|(k, _)| k.eq_ignore_ascii_case(id)).map(|(_, why)| why))?;
            Some(format!("the {} run was configured to ignore `{id}` ({why})", self.tool))
        })
    }

    /// What this scan can do about an open finding of `class` whose scope within the class is
    /// `scope` (evidence `scope`, for SARIF the rule id) at `location` (evidence `location`).
    /// A failed scan blocks every finding in its declared scope: a failure says nothing about
    /// what was found.
    pub fn reach(&self, class: &str, scope: Option<&str>, location: &str) -> Reach {
        let tool = &self.tool;
        if !self.covered.contains(class) {
            return Reach::OutOfScope(format!("the {tool} scan did not look for {class} findings"));
        }
        if let Some(set) = self.scopes.get(class) {
            let what = scope_word(class);
            // A finding recorded before its scope was: its location starts with the scope.
            let located = || {
                set.iter().any(|m| {
                    location == m
                        || location.strip_prefix(m.as_str()).is_some_and(|r| r.starts_with(": ") || r.starts_with('/'))
                })
            };
            match scope {
                Some(s) if set.contains(s) => {}
                None if located() => {}
                Some(s) => {
                    return Reach::OutOfScope(format!(
                        "{what} `{s}` is not in the {tool} scan's scope ({})",
                        list(set)
                    ));
                }
                None => {
                    return Reach::OutOfScope(format!(
                        "its {what} is not recorded (recorded by an older secfw; re-ingest to record it) and the {tool} scan covered only {}",
                        list(set)
                    ));
                }
            }
        }
        if let Some(why) = self.cannot_resolve(class) {
            return Reach::Blocks(why);
        }
        if !self.filtered.is_empty() {
            return Reach::OutOfScope(format!(
                "the {tool} run filtered what it reported ({}), so its silence says nothing about this finding",
                self.filtered.join("; ")
            ));
        }
        let loc = crate::fingerprint::normalize_path(location);
        // A file named by another spelling of its path (`/repo/src/b.py` for `src/b.py`, the
        // uri resolved against its base) is the same file: fail closed.
        if let Some((p, why)) = self.incomplete_at.iter().find(|(p, _)| under(p, &loc) || names_the_same_file(p, &loc))
        {
            return Reach::Blocks(format!("the {tool} scan did not analyse `{p}`: {why}"));
        }
        Reach::Resolves
    }
}

/// `true` when one of the paths ends with the other after a `/` (an absolute path and the
/// same file relative to the project's root).
fn names_the_same_file(p: &str, loc: &str) -> bool {
    let ends = |long: &str, short: &str| {
        !short.is_empty()
            && long.len() > short.len()
            && long.ends_with(short)
            && long.as_bytes().get(long.len() - short.len() - 1) == Some(&b'/')
    };
    ends(p, loc) || ends(loc, p)
}

/// `true` when `loc` is the path `p` or lies under it.
fn under(p: &str, loc: &str) -> bool {
    let p = p.trim_end_matches('/');
    !p.is_empty() && loc.starts_with(p) && matches!(loc.as_bytes().get(p.len()), None | Some(b'/' | b':'))
}

/// What a scope within `class` is called in the output.
fn scope_word(class: &str) -> &'static str {
    match class {
        class::RULES => "rule",
        class::VULNERABILITY => "package scope",
        _ => "resource",
    }
}

/// The first few members of a scope set, for a message.
fn list(set: &BTreeSet<String>) -> String {
    let mut out: Vec<String> = set.iter().take(5).map(|s| format!("`{s}`")).collect();
    if set.len() > 5 {
        out.push(format!("and {} more", set.len() - 5));
    }
    out.join(", ")
}

/// A scope key as the ledger holds it (cut to the evidence budget like every evidence string),
/// so a scan's scope set and a finding's recorded scope compare equal.
pub(crate) fn scope_key(s: &str) -> String {
    let mut s = s.to_owned();
    cap(&mut s, limits::EVIDENCE_STRING);
    s
}

/// Installed copies of one package share a vulnerability's identity (which leaves the
/// version out, so that an upgrade keeps it), and `dedupe` would keep one of them: the other
/// copy's version was lost, and a decision on one copy would have covered both. Two versions
/// of a crate in one `Cargo.lock`, of `lodash` in one lockfile, one package in two lockfiles
/// of one project. `copy_of` names an item's copy (`None`: the item is not a package copy).
/// The copy whose name sorts first keeps the identity, so a finding recorded before keeps its
/// id; each other copy is told apart by its name (`[tag, fingerprint, copy]`). The same copy
/// reported twice stays one finding. Linear in the items (one hash map).
pub(crate) fn separate_copies(
    items: &mut [Item],
    tag: &str,
    copy_of: impl Fn(&Item) -> Option<std::borrow::Cow<'_, str>>,
) {
    // Borrowed from the items where the copy is a field of theirs: only the items told apart
    // allocate (a new fingerprint). The borrows end with this block.
    let apart: Vec<(usize, String)> = {
        let copies: Vec<Option<std::borrow::Cow<'_, str>>> = items.iter().map(&copy_of).collect();
        // The first copy of each identity: then the new fingerprints of the others.
        let mut first: std::collections::HashMap<&str, &str> = std::collections::HashMap::with_capacity(items.len());
        for (it, c) in items.iter().zip(&copies) {
            let Some(c) = c else { continue };
            let l = first.entry(it.fingerprint.as_str()).or_insert(c);
            if c.as_ref() < *l {
                *l = c;
            }
        }
        items
            .iter()
            .zip(&copies)
            .enumerate()
            .filter_map(|(i, (it, c))| {
                let c = c.as_deref()?;
                first
                    .get(it.fingerprint.as_str())
                    .is_some_and(|l| *l != c)
                    .then(|| (i, crate::fingerprint::compute(&[tag, &it.fingerprint, c])))
            })
            .collect()
    };
    for (i, fingerprint) in apart {
        items[i].fingerprint = fingerprint;
    }
}

/// Sort items by fingerprint and merge those with equal fingerprints into one (occurrences
/// counted, the first by location kept), so the outcome does not depend on result order.
///
/// Sorting works on a compact key (the fingerprint's first 128 bits) so that hundreds of
/// thousands of items sort without chasing their strings.
pub(crate) fn dedupe(items: &mut Vec<Item>) {
    let mut order: Vec<(u128, usize)> = items.iter().enumerate().map(|(i, it)| (fp_key(&it.fingerprint), i)).collect();
    order.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            let (x, y) = (&items[a.1], &items[b.1]);
            (&x.fingerprint, &x.location, x.line, &x.pointer).cmp(&(&y.fingerprint, &y.location, y.line, &y.pointer))
        })
    });
    // Apply the permutation in place (cycle by cycle): no second array of items.
    let mut perm: Vec<usize> = order.into_iter().map(|(_, i)| i).collect(); // perm[k] = source of slot k
    for start in 0..perm.len() {
        let mut k = start;
        while perm[k] != start && perm[k] != usize::MAX {
            let src = perm[k];
            items.swap(k, src);
            perm[k] = usize::MAX;
            k = src;
        }
        perm[k] = usize::MAX;
    }
    items.dedup_by(|later, kept| {
        let same = later.fingerprint == kept.fingerprint;
        if same {
            kept.occurrences = kept.occurrences.saturating_add(later.occurrences);
            kept.take_rating_of(later.severity, later.severity_source);
        }
        same
    });
}

impl Item {
    /// Take `severity` (with where it came from) when it is more severe than the item's: of
    /// the results one finding merges, the most severe rates it, whatever their order.
    pub(crate) fn take_rating_of(&mut self, severity: Severity, source: &'static str) {
        // `Severity` orders the most severe first.
        if severity < self.severity {
            self.severity = severity;
            self.severity_source = source;
        }
    }
}

/// The first 32 hex digits of a `scheme/vN:<hex>` fingerprint as a number (ordered like the
/// text for equal-length lower-case hex); 0 for anything else (then the full text decides).
fn fp_key(fp: &str) -> u128 {
    let hex = fp.split_once(':').map_or("", |(_, h)| h);
    hex.get(..32).and_then(|h| u128::from_str_radix(h, 16).ok()).unwrap_or(0)
}

/// Sorted, de-duplicated ids.
pub(crate) fn uniq(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// `CWE-79` from `79`, `CWE-079`, `cwe-79`, `external/cwe/cwe-079`, `CWE-79: Improper ...`.
pub(crate) fn cwes_in(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    // Each piece after a `cwe-` starts with the number, if any (a digit run cannot reach the next
    // `cwe-`).
    for after in lower.split("cwe-").skip(1) {
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<u32>() {
            out.push(format!("CWE-{n}"));
        }
    }
    out
}

/// `true` for an advisory id worth recording as `cve`: the one grammar of
/// [`secfw_artifacts::is_known_advisory_id`].
pub(crate) fn is_advisory_id(s: &str) -> bool {
    secfw_artifacts::is_known_advisory_id(s)
}

/// An advisory id as its database writes it, so that a finding keeps its identity when a
/// producer writes the id in another case or with invisible characters: those that render as
/// nothing ([`secfw_artifacts::is_invisible`]: zero-width, byte-order mark, soft hyphen, bidi
/// marks, ...) removed; `CVE-`, `RUSTSEC-`, `GO-`, `PYSEC-`, `OSV-`, `MAL-`
/// ids in upper case; `GHSA-` ids with their prefix in upper case and the rest in lower case.
/// Any other id is returned as it is (trimmed). Borrowed when already canonical.
pub(crate) fn canonical_id(id: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let invisible = secfw_artifacts::is_invisible;
    let t = id.trim();
    let clean: Cow<'_, str> =
        if t.contains(invisible) { Cow::Owned(t.replace(invisible, "").trim().to_owned()) } else { Cow::Borrowed(t) };
    let prefixed = |p: &str| clean.len() > p.len() && clean.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let canonical = if prefixed("GHSA-") {
        format!("GHSA-{}", clean.get(5..).unwrap_or_default().to_ascii_lowercase())
    } else if ["CVE-", "RUSTSEC-", "GO-", "PYSEC-", "OSV-", "MAL-"].iter().any(|p| prefixed(p)) {
        clean.to_ascii_uppercase()
    } else {
        return clean;
    };
    if canonical == clean { clean } else { Cow::Owned(canonical) }
}

#[cfg(test)]
mod canonical_id_tests {
    use super::canonical_id;

    #[test]
    fn advisory_ids_are_written_as_their_database_writes_them() {
        for (written, canonical) in [
            ("CVE-2019-1549", "CVE-2019-1549"),
            ("cve-2019-1549", "CVE-2019-1549"),
            ("CVE-2019-1549\u{200B}", "CVE-2019-1549"),
            ("\u{FEFF}rustsec-2020-0001", "RUSTSEC-2020-0001"),
            ("GHSA-P6MC-M468-83GW", "GHSA-p6mc-m468-83gw"),
            ("ghsa-p6mc-m468-83gw", "GHSA-p6mc-m468-83gw"),
            ("go-2021-0053", "GO-2021-0053"),
            ("DS002", "DS002"),
            ("npm-advisory-1", "npm-advisory-1"),
            ("CVE-", "CVE-"),
            ("é", "é"),
        ] {
            assert_eq!(canonical_id(written), canonical, "{written:?}");
        }
        assert!(matches!(canonical_id("CVE-2019-1549"), std::borrow::Cow::Borrowed(_)));
    }
}

/// Map a qualitative severity word used by scanners. `None` for unknown words.
pub(crate) fn severity_word(s: &str) -> Option<Severity> {
    match s.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" | "error" => Some(Severity::High),
        "medium" | "moderate" | "warning" => Some(Severity::Medium),
        "low" | "note" | "info" | "informational" | "negligible" => Some(Severity::Low),
        _ => None,
    }
}

/// A finding's severity and where it came from: the tool's own word, else its CVSS score, else
/// low with an `UNSCORED` note at `pointer` (the one fallback rule of every package scanner).
pub(crate) fn severity_or_cvss(
    word: Option<&str>,
    cvss: Option<f64>,
    report: &str,
    pointer: &str,
    hint: &str,
    diags: &mut Vec<Diagnostic>,
) -> (Severity, &'static str) {
    if let Some(x) = word.and_then(severity_word) {
        return (x, "tool");
    }
    if let Some(c) = cvss {
        return (Severity::from_cvss(c), "cvss");
    }
    diags.push(
        Diagnostic::note(
            crate::codes::UNSCORED,
            report,
            format!("{pointer}: severity `{}` is not usable; recorded as low", word.unwrap_or("(none)")),
        )
        .with_hint(hint.to_owned()),
    );
    (Severity::Low, UNRATED)
}

/// Priority from severity (P0 critical .. P3 low).
/// The `severity_source` of a severity that is no rating of the scanner's: the format's
/// default for a finding it gave no usable severity (`IN0107`). Such a severity may raise a
/// finding seen again, never lower it (`ledger::Merge::rerate`).
pub(crate) const UNRATED: &str = "default";

pub(crate) fn priority_of(s: Severity) -> secfw_artifacts::model::findings::Priority {
    use secfw_artifacts::model::findings::Priority;
    match s {
        Severity::Critical => Priority::P0,
        Severity::High => Priority::P1,
        Severity::Medium => Priority::P2,
        Severity::Low => Priority::P3,
    }
}

/// Parse an RFC 3339 instant leniently (`None` for empty or unparsable values).
pub(crate) fn instant(s: Option<&str>) -> Option<DateTime<Utc>> {
    let s = s?.trim();
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_sort_keys_never_cut_a_character() {
        // Byte 32 of the part after `:` falls inside `é`: no key (the full text decides), no panic.
        assert_eq!(fp_key(&format!("x/v1:a{}", "é".repeat(20))), 0);
        assert_eq!(fp_key("x/v1:€"), 0);
        assert_eq!(fp_key(&format!("secfw/v1:{}", "f".repeat(64))), u128::MAX);
    }

    #[test]
    fn cwe_and_advisory_ids_are_recognised() {
        assert_eq!(cwes_in("external/cwe/cwe-079"), vec!["CWE-79"]);
        assert_eq!(cwes_in("CWE-89: SQL and cwe-20"), vec!["CWE-89", "CWE-20"]);
        assert!(cwes_in("cwe-x").is_empty());
        assert_eq!(cwes_in("é cwe-€ cwe-cwe-79 ÇWE-1 cwe-😀7"), vec!["CWE-79"]);
        assert!(is_advisory_id("CVE-2021-44228"));
        assert!(!is_advisory_id("CVE-21-1"));
        assert!(is_advisory_id("GHSA-c3h9-896r-86jm"));
        assert!(is_advisory_id("RUSTSEC-2022-0090"));
        assert!(!is_advisory_id("no-such"));
        assert!(!is_advisory_id("DS002"));
    }

    #[test]
    fn formats_parse_from_their_names() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
        }
        assert_eq!("osv-scanner".parse::<Format>().unwrap(), Format::Osv);
        assert!("xml".parse::<Format>().is_err());
    }
}
