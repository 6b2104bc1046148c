//! What a scan's target tells apart, and how a report is named in the ledger.
//!
//! Rules (also in `docs/ingest.md`, "Targets"):
//! - A target that names no project — a format's default (`Cargo.lock` for cargo-audit,
//!   `package-lock.json` for npm audit, `.` for SARIF without `versionControlProvenance`,
//!   `unknown`, `kubernetes`) or a producer's `.` — is the same for every project. A scan with
//!   such a target is **bound to its report path**: it resolves only findings last reported
//!   from that same report path (the evidence `report`), so the clean audit of project B never
//!   resolves the findings of project A. `--target ID` names the project instead (no binding).
//!   An `IN0110` note says when a report was bound.
//! - A SARIF run with a category (`automationDetails.id` up to its last `/`, GitHub code
//!   scanning's "category") resolves only findings recorded with the same category.
//! - A report inside the workspace is named by its path relative to the workspace; one outside
//!   by its absolute, lexically normalised path, so the evidence pointer (`report`,
//!   `report_sha256`, `pointer`) stays meaningful whatever directory the ingest ran in.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use secfw_artifacts::Diagnostic;

use crate::codes;
use crate::model::Scan;
use crate::read::ParseOptions;

/// Targets that name no project: the formats' defaults and what producers write for "the
/// current directory" or "no name".
const ANONYMOUS: &[&str] = &["", ".", "./", "unknown", "kubernetes", "Cargo.lock", "package-lock.json"];

/// `true` when `target` tells no project apart from another ([`ANONYMOUS`]).
pub(crate) fn is_anonymous(target: &str) -> bool {
    ANONYMOUS.contains(&target.trim())
}

/// Bind the scans whose target names no project to the report `name` (unless the ingest
/// named the target with `--target`), with one `IN0110` note for the report.
///
/// With `identity`, the findings of a bound scan also take the report path into their
/// identity (for the formats whose fingerprint holds the target: everything but SARIF):
/// `secfw/v1` of (`bound`, report path, the format's fingerprint), the format's fingerprint
/// kept as an alias, so a live finding recorded before keeps its id and two projects'
/// findings of one advisory stay two findings.
pub(crate) fn bind(scans: &mut [Scan], name: &str, opts: &ParseOptions, identity: bool, diags: &mut Vec<Diagnostic>) {
    // `--target ""` (a CI variable that expanded to nothing) names no project either.
    if opts.target.as_deref().is_some_and(|t| !t.trim().is_empty()) {
        return;
    }
    let mut anonymous: BTreeSet<String> = BTreeSet::new();
    let mut tools: BTreeSet<String> = BTreeSet::new();
    for s in scans.iter_mut() {
        let named: Vec<&String> = s.targets.iter().filter(|t| is_anonymous(t)).collect();
        if named.is_empty() {
            continue;
        }
        anonymous.extend(named.into_iter().cloned());
        tools.insert(s.tool.clone());
        s.bound_to = Some(name.to_owned());
        if identity {
            for it in &mut s.items {
                if !is_anonymous(&it.target) {
                    continue;
                }
                let bound = crate::fingerprint::compute(&["bound", name, &it.fingerprint]);
                let unbound = std::mem::replace(&mut it.fingerprint, bound);
                it.aliases.insert(0, unbound);
            }
            crate::model::dedupe(&mut s.items);
        }
    }
    if anonymous.is_empty() {
        return;
    }
    let targets: Vec<String> = anonymous.iter().map(|t| format!("`{t}`")).collect();
    let tools: Vec<&str> = tools.iter().map(String::as_str).collect();
    diags.push(
        Diagnostic::note(
            codes::DEFAULT_TARGET,
            name,
            format!(
                "the {} scan's target {} names no project (the report does not say which project it scanned): it resolves only findings last reported from this report path",
                tools.join("/"),
                targets.join(", ")
            ),
        )
        .with_hint("pass --target ID (an inventory id such as services/api) to name the project; two projects must not write their reports to the same path"),
    );
}

/// The facets a finding may record (evidence keys): what a scan looked at besides its target
/// ([`Scan::facets`]). Grype: the source type (`image`, `directory` …), the platform asked
/// for and the architecture scanned; Trivy: the architecture of an image, and with
/// `--target` the artifact type and the scanned root of a `fs` / `repo` scan.
pub(crate) const FACETS: [&str; 5] = ["source_type", "platform", "architecture", "artifact_type", "scan_root"];

/// How a finding recorded without a facet's evidence entry (by a release before the facet,
/// or by a scan that did not set it) is read: `Some(v)` as the value `v`, `None` as any value.
/// A Grype finding without `platform` came from a scan that asked for none; one without
/// another facet was recorded before secfw recorded it, and stays within reach of every scan
/// of its tool and target, as before, until it is reported again.
fn facet_unrecorded(key: &str) -> Option<&'static str> {
    match key {
        "platform" => Some(""),
        _ => None,
    }
}

impl Scan {
    /// Why this scan says nothing about a finding of its tool with the target `target` (evidence
    /// `target`) that was last reported from `report` (evidence `report`) with the SARIF
    /// category `category` (evidence `sarif_category`), or `None` when the finding is of this
    /// scan's project and category.
    ///
    /// A scan bound to its report path ([`Scan::bound_to`]) reaches a finding whose target
    /// names no project only when it was last reported from that path; a run with a category
    /// only findings of that category, and a run without one only findings without one (a
    /// finding recorded before secfw recorded categories has none, so only an uncategorised
    /// run reaches it).
    pub fn other_project(&self, target: &str, report: Option<&str>, category: Option<&str>) -> Option<String> {
        let tool = &self.tool;
        if let Some(bound) = &self.bound_to
            && is_anonymous(target)
            && report != Some(bound.as_str())
        {
            let t = target.trim();
            return Some(format!(
                "the {tool} scan's target `{t}` names no project, so it resolves only findings last reported from its own report path `{bound}`; this one was last reported from `{}` (pass --target to name the project)",
                report.unwrap_or("(unknown)")
            ));
        }
        match (self.category.as_deref(), category) {
            (Some(c), Some(f)) if c != f => {
                Some(format!("it was recorded by the {tool} analysis of category `{f}`, the scan is of category `{c}`"))
            }
            (None, Some(f)) => Some(format!(
                "it was recorded by the {tool} analysis of category `{f}`, the scan has no category (`automationDetails.id`)"
            )),
            // A categorised run (one language of a CodeQL matrix) says nothing about what a
            // run without a category found (it may have been another language).
            (Some(c), None) => Some(format!(
                "it was recorded by a {tool} analysis without a category (`automationDetails.id`), the scan is of category `{c}`"
            )),
            _ => None,
        }
    }

    /// Why this scan says nothing about a finding whose ingest evidence holds `recorded(key)`
    /// for each facet (`source_type`, `platform`, `architecture`, `artifact_type`,
    /// `scan_root`), or `None` when every facet matches.
    ///
    /// Both ways: a scan with a facet the finding records otherwise does not reach it (an
    /// arm64 scan, an amd64 finding), and neither does a scan that does not say a facet the
    /// finding records (a Grype report without `source`, or a Trivy image scan, for a finding
    /// of `trivy fs .`): what it looked at is unknown, or another thing. A finding that does
    /// not record a facet the scan has was recorded before secfw recorded it (or the facet
    /// has a value for "none": a Grype finding without `platform` asked for none).
    pub fn other_variant<'f>(&self, recorded: impl Fn(&str) -> Option<&'f str>) -> Option<String> {
        let shown = |v: &str| if v.is_empty() { "none".to_owned() } else { format!("`{v}`") };
        FACETS.iter().find_map(|&key| {
            let value = self.facets.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str());
            match (value, recorded(key)) {
                (Some(value), was) => {
                    let was = was.or_else(|| facet_unrecorded(key))?;
                    (was != value).then(|| {
                        format!(
                            "it was recorded by a {} scan with {key} {}, the scan's {key} is {}",
                            self.tool,
                            shown(was),
                            shown(value)
                        )
                    })
                }
                (None, Some(was)) => Some(format!(
                    "it was recorded by a {} scan with {key} {}, the scan does not say its {key}",
                    self.tool,
                    shown(was)
                )),
                (None, None) => None,
            }
        })
    }

    /// Record a facet of this scan ([`Scan::facets`]) in the scan and in every finding it
    /// holds (evidence `key`), once per key.
    pub(crate) fn set_facet(&mut self, key: &'static str, value: String) {
        debug_assert!(FACETS.contains(&key), "{key} is not a facet");
        for it in &mut self.items {
            it.extra.retain(|(k, _)| k != key);
            it.extra.push((key.into(), serde_json::Value::String(value.clone())));
        }
        self.facets.retain(|(k, _)| *k != key);
        self.facets.push((key, value));
    }
}

/// The category of a SARIF `automationDetails.id`: the text before its last `/` (SARIF
/// §3.17.4, GitHub code scanning); `None` when there is no `/` (then the id names only the
/// run) or the category is empty.
pub(crate) fn sarif_category(id: &str) -> Option<String> {
    let (cat, _) = id.rsplit_once('/')?;
    let cat = cat.trim();
    (!cat.is_empty()).then(|| cat.to_owned())
}

/// How a report is named in the ledger (evidence `report`, scan records): its path relative to
/// the workspace `dir` when it lies inside, else its absolute path; both normalised (`.` and
/// `..` components resolved, `\` as `/`), independent of the ingest's current directory.
/// `..` is resolved on disk when the path has one (after a symbolic link it leads elsewhere
/// than the text says), otherwise lexically.
pub(crate) fn report_name(dir: &Path, path: &Path) -> String {
    if path.components().any(|c| c == Component::ParentDir)
        && let (Ok(d), Ok(p)) = (std::fs::canonicalize(dir), std::fs::canonicalize(path))
    {
        let shown = p.strip_prefix(&d).map_or_else(|_| p.clone(), Path::to_path_buf);
        return shown.to_string_lossy().replace('\\', "/");
    }
    let (abs_dir, abs_path) = (absolute(dir), absolute(path));
    let shown = match (&abs_dir, &abs_path) {
        (Some(d), Some(p)) => p.strip_prefix(d).map_or_else(|_| p.clone(), Path::to_path_buf),
        // No current directory (it was removed): the path as given.
        _ => path.strip_prefix(dir).unwrap_or(path).to_path_buf(),
    };
    shown.to_string_lossy().replace('\\', "/")
}

/// `path` made absolute against the current directory, `.` and `..` resolved lexically.
fn absolute(path: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(path).ok()?;
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_are_the_part_before_the_last_slash() {
        assert_eq!(sarif_category("/language:python/").as_deref(), Some("/language:python"));
        assert_eq!(sarif_category("my-analysis/tool1/2022-01-02").as_deref(), Some("my-analysis/tool1"));
        assert_eq!(sarif_category("run-42"), None);
        assert_eq!(sarif_category("/run-42"), None);
    }

    #[test]
    fn reports_inside_are_relative_and_outside_absolute() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(report_name(Path::new("ws"), Path::new("ws/reports/a.json")), "reports/a.json");
        assert_eq!(report_name(Path::new("ws"), Path::new("./ws/./reports/../b.json")), "b.json");
        let out = report_name(Path::new("ws"), Path::new("other/c.json"));
        assert_eq!(out, cwd.join("other/c.json").to_string_lossy().replace('\\', "/"));
        assert!(Path::new(&out).is_absolute());
        assert_eq!(report_name(Path::new("."), Path::new("c.json")), "c.json");
    }

    /// `..` after a symbolic link: the name leads back to the file that was read, not to
    /// where the text would lead.
    #[cfg(unix)]
    #[test]
    fn a_parent_step_after_a_symbolic_link_is_resolved_on_disk() {
        let t = tempfile::tempdir().expect("tempdir");
        let (ws, other) = (t.path().join("ws"), t.path().join("other"));
        std::fs::create_dir_all(ws.join("reports")).expect("ws");
        std::fs::create_dir_all(other.join("real")).expect("other");
        std::os::unix::fs::symlink(other.join("real"), ws.join("link")).expect("symlink");
        std::fs::write(other.join("a.json"), "{}").expect("report");
        std::fs::write(ws.join("a.json"), "decoy").expect("decoy");
        let name = report_name(&ws, &ws.join("link/../a.json"));
        let real = std::fs::canonicalize(other.join("a.json")).expect("canonical");
        assert_eq!(name, real.to_string_lossy(), "not the lexical `a.json` inside the workspace");
        assert_eq!(std::fs::read_to_string(&name).expect("the name leads to the file"), "{}");
        // Inside the workspace it stays relative.
        assert_eq!(report_name(&ws, &ws.join("reports/../a.json")), "a.json");
    }

    #[test]
    fn anonymous_targets() {
        for t in [".", "Cargo.lock", "package-lock.json", "unknown", "kubernetes", " "] {
            assert!(is_anonymous(t), "{t}");
        }
        for t in ["services/api", "alpine:3.10", "https://github.com/acme/api", "/src/Cargo.lock"] {
            assert!(!is_anonymous(t), "{t}");
        }
    }
}
