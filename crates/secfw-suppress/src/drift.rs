//! Drift: every suppression in the repository's scanner ignore files and in ingested reports,
//! checked against the exception registry at `now`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use secfw_artifacts::file_names;
use secfw_artifacts::model::findings::EvidenceKind;
use secfw_artifacts::{Diagnostic, Exception, LoadedWorkspace, path};
use secfw_governance::{Disposition, ExceptionState, GovernanceReport, Locator, PackageRef, covers, covers_advisory};
use serde::Serialize;

use crate::{Format, Rule, Subject, Suppression, codes, read_path, rules};

/// The outcome of a drift check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Drift {
    /// The scanner files found (repository-relative), in format order.
    pub files: Vec<String>,
    /// Every suppression read from them.
    pub suppressions: Vec<Suppression>,
    /// Suppressions backed by a valid exception.
    pub backed: usize,
    /// Every problem, with both sides located.
    pub diagnostics: Vec<Diagnostic>,
}

fn fp_parts(fp: &str) -> Option<(Option<&str>, &str, &str, u32)> {
    let parts: Vec<&str> = fp.rsplitn(3, ':').collect();
    let [line, rule, rest] = parts.as_slice() else { return None };
    let (commit, file) = match rest.split_once(':') {
        Some((c, f)) if c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit()) => (Some(c), f),
        _ => (None, *rest),
    };
    Some((commit, file, rule, line.parse().ok()?))
}

/// Does exception `e` target this subject? Second value: `true` when the suppression is broader
/// than the exception (an id-only entry for a package-narrowed exception, a file-wide secret
/// ignore for a line fingerprint).
fn backs(e: &Exception, s: &Suppression) -> Option<bool> {
    match &s.subject {
        Subject::Advisory { id, package: Some(p), .. } if s.format == Format::Grype && !covers(e, id, Some(p)) => {
            grype_backs(e, id, p)
        }
        Subject::Advisory { id, package: Some(p), .. } => covers(e, id, Some(p)).then_some(false),
        Subject::Advisory { id, package: None, .. } => covers_advisory(e, id).then_some(e.package.is_some()),
        Subject::Secret { rule, file: Some(file), line, commit } => e.secrets.iter().find_map(|fp| {
            let (fp_commit, fp_file, fp_rule, fp_line) = fp_parts(fp)?;
            let same = fp_rule == rule
                && fp_file == file
                && line.is_none_or(|x| x == fp_line)
                && match (commit, fp_commit) {
                    (Some(a), Some(b)) => a.starts_with(b) || b.starts_with(a.as_str()),
                    _ => true,
                };
            same.then_some(line.is_none())
        }),
        Subject::Secret { file: None, .. } | Subject::Other { .. } => None,
    }
}

/// A Grype rule names a package as Grype does ([`crate::compile::grype_name`]: without the
/// distribution of a `deb`/`rpm`/`apk` purl or the group of a Maven one): it backs an exception
/// for that package, broader by the namespace it cannot say.
fn grype_backs(e: &Exception, id: &str, p: &PackageRef) -> Option<bool> {
    let want = e.package.as_ref()?;
    // A rule without the package's type names that name in every ecosystem: never backed.
    let same_type = p.purl.as_ref().is_some_and(|pp| pp.ty == want.ty);
    let same = same_type
        && covers_advisory(e, id)
        && crate::compile::grype_name(want) == p.name
        && e.versions.as_ref().is_none_or(|r| r.is_any() || p.version.as_deref().is_some_and(|v| r.contains(v)));
    same.then_some(want.namespace.is_some())
}

/// Check every scanner ignore file under `root` and every scanner-suppressed result in the
/// ledger against the registry, with governance evaluated at `gov.now`.
pub fn check(ws: &LoadedWorkspace, gov: &GovernanceReport, root: &Path) -> Drift {
    let mut d = Drift::default();
    // Every file the scanner reads by default, not only the one secfw compiles to: a plain
    // `.trivyignore` next to `.trivyignore.yaml` is what Trivy reads without `--ignorefile`.
    for format in Format::ALL {
        for name in format.read_paths() {
            if let Some((sups, diags)) = read_path(root, format, name) {
                d.files.push((*name).to_owned());
                d.suppressions.extend(sups);
                d.diagnostics.extend(diags);
            }
        }
    }
    // The scanners' configuration files: the ignore file `trivy.yaml` names, the settings and
    // allowlists that keep findings out of a report, and the `osv-scanner.toml` files below
    // the root.
    let found = crate::config::read_all(root, &d.files);
    d.files.extend(found.files);
    d.suppressions.extend(found.suppressions);
    d.diagnostics.extend(found.diagnostics);
    let reg = Registry::index(ws.exceptions.as_ref().map_or(&[][..], |r| r.exceptions.as_slice()), gov);
    let gov_rules = rules(ws, gov);
    // Each valid exception's rule by id: a lookup per suppression, never a scan of the rules.
    let rule_of: HashMap<&str, &Rule> = gov_rules.iter().map(|r| (r.exception.as_str(), r)).collect();
    // (file, exception): an entry backs its exception in its own file only.
    let mut backing: Vec<(String, String)> = Vec::new();
    for s in &d.suppressions {
        if let Some(id) = check_suppression(s, &reg, &rule_of, &mut d.diagnostics) {
            d.backed += 1;
            backing.push((s.file.clone(), id));
        }
    }
    let stale = stale_exceptions(&gov_rules, &reg, &d.files, &backing);
    d.diagnostics.extend(stale);
    suppressed_in_reports(ws, gov, &mut d.diagnostics);
    secfw_artifacts::sort_diagnostics(&mut d.diagnostics);
    d
}

/// The exception registry indexed once for the drift checks (thousands of suppressions against
/// tens of thousands of exceptions: a lookup per suppression, never a scan of the registry).
struct Registry<'a> {
    exceptions: &'a [Exception],
    /// Each id's first definition (registry order), as `GovernanceReport::exception` and the
    /// loader's duplicate rule pick it.
    by_id: HashMap<&'a str, &'a Exception>,
    /// Each id's state at `now` (the first definition's evaluation).
    states: HashMap<&'a str, ExceptionState>,
    /// Exceptions (registry indexes) by lower-cased advisory.
    by_advisory: HashMap<String, Vec<usize>>,
    /// Exceptions (registry indexes) by the rule and file of their secret fingerprints (a
    /// fingerprint that does not parse backs nothing).
    by_secret: HashMap<(&'a str, &'a str), Vec<usize>>,
}

impl<'a> Registry<'a> {
    fn index(exceptions: &'a [Exception], gov: &'a GovernanceReport) -> Self {
        let mut by_id = HashMap::with_capacity(exceptions.len());
        let mut by_advisory: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_secret: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, e) in exceptions.iter().enumerate() {
            by_id.entry(e.id.as_str()).or_insert(e);
            for a in &e.advisories {
                by_advisory.entry(a.to_ascii_lowercase()).or_default().push(i);
            }
            for fp in &e.secrets {
                if let Some((_, file, rule, _)) = fp_parts(fp) {
                    by_secret.entry((rule, file)).or_default().push(i);
                }
            }
        }
        let states = crate::exception_evals(gov).into_iter().map(|(id, ev)| (id, ev.state)).collect();
        Self { exceptions, by_id, states, by_advisory, by_secret }
    }

    fn state(&self, id: &str) -> ExceptionState {
        self.states.get(id).copied().unwrap_or(ExceptionState::Invalid)
    }

    /// The exceptions that may target `s`, in registry order (each is then checked by
    /// [`backs`], the one rule).
    fn candidates(&self, s: &Subject) -> Vec<&'a Exception> {
        let mut idx: Vec<usize> = match s {
            Subject::Advisory { id, .. } => {
                self.by_advisory.get(&id.trim().to_ascii_lowercase()).cloned().unwrap_or_default()
            }
            Subject::Secret { rule, file: Some(file), .. } => {
                self.by_secret.get(&(rule.as_str(), file.as_str())).cloned().unwrap_or_default()
            }
            Subject::Secret { file: None, .. } | Subject::Other { .. } => Vec::new(),
        };
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter().map(|i| &self.exceptions[i]).collect()
    }
}

/// One suppression against the registry: named exception that does not target it, backed by a
/// valid exception (warning when it outlives or is broader than it), or backed only by an
/// expired or invalid exception, or by none. Returns the id of the valid exception backing it.
fn check_suppression(
    s: &Suppression,
    reg: &Registry<'_>,
    rule_of: &HashMap<&str, &Rule>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<String> {
    let state = |id: &str| reg.state(id);
    let exc_at = |e: &Exception, field: &str| e.spans.field(field);
    let cands: Vec<(&Exception, bool)> =
        reg.candidates(&s.subject).into_iter().filter_map(|e| backs(e, s).map(|w| (e, w))).collect();
    let named_wrong = s.exception.as_ref().filter(|x| !cands.iter().any(|(e, _)| &e.id == *x));
    let valid: Vec<&(&Exception, bool)> = cands.iter().filter(|(e, _)| state(&e.id) == ExceptionState::Valid).collect();
    let what = format!("{} `{}`", s.format, s.subject);
    if let Some(x) = named_wrong {
        let e = reg.by_id.get(x.as_str()).copied();
        diagnostics.push(
            Diagnostic::error(codes::UNBACKED, &s.file, format!("{what} names {x}, which does not target it"))
                .at(s.pos)
                .with_related(file_names::EXCEPTIONS, e.and_then(|e| e.spans.at), x.clone())
                .with_hint(format!(
                    "add the id (and package) to {x}'s `**Advisories**`/`**Secrets**`, or correct the reason"
                )),
        );
        return None;
    }
    if let Some((e, wide)) = valid.first() {
        let rule = rule_of.get(e.id.as_str()).copied();
        if let Some(d) = wider_than_package(s, e, rule, &what) {
            diagnostics.push(d);
            return None;
        }
        let expires_at = e.valid_until.end_of_day();
        if s.expires.is_some_and(|t| t > expires_at) {
            diagnostics.push(
                Diagnostic::warning(
                    codes::OUTLIVES_EXCEPTION,
                    &s.file,
                    format!("{what} expires after {} ends ({})", e.id, e.valid_until),
                )
                .at(s.pos)
                .with_related(
                    file_names::EXCEPTIONS,
                    exc_at(e, "valid_until"),
                    format!("{} valid until {}", e.id, e.valid_until),
                )
                .with_hint(
                    "compile again (`secfw exceptions compile`): the scanner's expiry must not outlast the decision",
                ),
            );
        }
        if *wide {
            diagnostics.push(
                Diagnostic::warning(
                    codes::WIDENED,
                    &s.file,
                    format!("{what} is broader than {} (package, version or line)", e.id),
                )
                .at(s.pos)
                .with_related(file_names::EXCEPTIONS, e.spans.at, e.id.clone())
                .with_hint("narrow the entry (purl, package, line) where the format allows it"),
            );
        }
        return Some(e.id.clone());
    }
    if let Some((e, _)) = cands.iter().find(|(e, _)| state(&e.id) == ExceptionState::Expired) {
        diagnostics.push(
            Diagnostic::error(
                codes::BACKED_BY_EXPIRED,
                &s.file,
                format!("{what} is backed only by {}, which expired at the end of {}", e.id, e.valid_until),
            )
            .at(s.pos)
            .with_related(file_names::EXCEPTIONS, exc_at(e, "valid_until"), format!("{} valid until {}", e.id, e.valid_until))
            .with_hint("renew the exception (new approval and expiry) or remove the suppression and fix the finding; then compile again"),
        );
    } else if let Some((e, _)) = cands.iter().find(|(e, _)| state(&e.id) == ExceptionState::Archived) {
        diagnostics.push(backed_by_archived(&what, s, e));
    } else if let Some((e, _)) = cands.first() {
        diagnostics.push(
            Diagnostic::error(
                codes::BACKED_BY_INVALID,
                &s.file,
                format!(
                    "{what} is backed only by {}, which is not in force (approval or another requirement is missing)",
                    e.id
                ),
            )
            .at(s.pos)
            .with_related(file_names::EXCEPTIONS, exc_at(e, "approval"), format!("{} approval", e.id))
            .with_hint("get the approvals the rulebook requires (see the GV01xx diagnostics of that exception)"),
        );
    } else {
        diagnostics.push(
            Diagnostic::error(codes::UNBACKED, &s.file, format!("{what} is backed by no exception in exceptions.md"))
                .at(s.pos)
                .with_related(file_names::EXCEPTIONS, None, "no exception targets it")
                .with_hint(if matches!(s.subject, Subject::Other { .. }) {
                    "no exception can back a suppression this broad (it names no advisory and package, nor a secret's file and line): remove it, and record each finding it hid as an exception"
                } else {
                    "record the decision as an exception (`**Advisories**`, `**Package**`, `**Versions**` or `**Secrets**`) and get it approved, or remove the suppression"
                }),
        );
    }
    None
}

/// An entry by advisory id alone backed only by an exception for one package hides the
/// advisory on every other package too, at whatever severity: not backed (`SP0209`). A RUSTSEC
/// id the ledger shows on that crate and no other ([`Rule::one_crate`]) is no wider.
fn wider_than_package(s: &Suppression, e: &Exception, rule: Option<&Rule>, what: &str) -> Option<Diagnostic> {
    let Subject::Advisory { id, package: None, .. } = &s.subject else { return None };
    let p = e.package.as_ref()?;
    if rule.is_some_and(|r| crate::compile::id_only_ok(r, id)) {
        return None;
    }
    Some(
        Diagnostic::error(
            codes::WIDER_THAN_PACKAGE,
            &s.file,
            format!("{what} suppresses {id} on every package; {} accepts it only on {p}", e.id),
        )
        .at(s.pos)
        .with_related(file_names::EXCEPTIONS, e.spans.field("package"), format!("{} package", e.id))
        .with_hint("narrow the entry to the package where the format can (Trivy purls, Grype package), or remove it: ingest records the finding as excepted either way"),
    )
}

/// A suppression backed only by an archived exception (history, e.g. revoked), which backs
/// nothing.
fn backed_by_archived(what: &str, s: &Suppression, e: &Exception) -> Diagnostic {
    Diagnostic::error(
        codes::BACKED_BY_INVALID,
        &s.file,
        format!("{what} is backed only by {}, which is archived (listed under `## {}`) and backs nothing", e.id, e.section),
    )
    .at(s.pos)
    .with_related(file_names::EXCEPTIONS, e.spans.at, format!("{} (archived)", e.id))
    .with_hint("remove the suppression and fix the finding, or record a new exception under an active section and get it approved; then compile again")
}

/// Stale: a valid exception missing from a file secfw compiles to (a format's default path) that
/// is present and could carry it. The scanners' other default files are hand-written: only
/// checked, never expected to carry every exception.
fn stale_exceptions(
    gov_rules: &[Rule],
    reg: &Registry<'_>,
    files: &[String],
    backing: &[(String, String)],
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let backing: HashSet<(&str, &str)> = backing.iter().map(|(f, id)| (f.as_str(), id.as_str())).collect();
    for format in Format::ALL {
        if !files.iter().any(|f| f == format.default_path()) {
            continue;
        }
        for r in gov_rules {
            if !applies(format, r) || backing.contains(&(format.default_path(), r.exception.as_str())) {
                continue;
            }
            let e = reg.by_id.get(r.exception.as_str()).copied();
            diagnostics.push(
                Diagnostic::warning(
                    codes::STALE,
                    format.default_path(),
                    format!(
                        "{} is valid but suppresses nothing in {} (the file does not carry it)",
                        r.exception,
                        format.default_path()
                    ),
                )
                .with_related(file_names::EXCEPTIONS, e.and_then(|e| e.spans.at), r.exception.clone())
                .with_hint(format!("run `secfw exceptions compile --to {format}`")),
            );
        }
    }
    diagnostics
}

/// Would compiling `r` into `format` write an entry?
fn applies(format: Format, r: &Rule) -> bool {
    match format {
        Format::Trivy => !r.secrets.is_empty() || (!r.advisories.is_empty() && r.pinned_versions().is_some()),
        Format::Grype => !r.advisories.is_empty() && r.pinned_versions().is_some(),
        Format::OsvScanner => r.advisories.iter().any(|a| crate::compile::id_only_ok(r, a)),
        Format::CargoDeny | Format::CargoAudit => match &r.package {
            Some(p) => p.ty == "cargo" && r.advisories.iter().any(|a| crate::compile::id_only_ok(r, a)),
            None => r.advisories.iter().any(|a| a.to_ascii_uppercase().starts_with("RUSTSEC-")),
        },
        Format::Gitleaks => !r.secrets.is_empty(),
    }
}

/// Results a scanner reported as suppressed (ingest keeps them, evidence `suppressions`) that
/// no valid exception backs.
fn suppressed_in_reports(ws: &LoadedWorkspace, gov: &GovernanceReport, out: &mut Vec<Diagnostic>) {
    let Some(ledger) = ws.findings.as_ref() else { return };
    let loc = Locator::new(ws);
    // Each finding's evaluation by id (the first, as `GovernanceReport::finding` finds it),
    // built when the first suppressed result needs it.
    let mut evals: Option<HashMap<&str, &secfw_governance::FindingEval>> = None;
    for (i, f) in ledger.findings.iter().enumerate() {
        let suppressed = f.evidence.iter().filter(|e| e.kind == EvidenceKind::ScanResult).any(|e| {
            e.data.get("suppressions").as_deref().and_then(serde_json::Value::as_array).is_some_and(|a| {
                a.iter().any(|s| s.get("status").and_then(serde_json::Value::as_str).is_none_or(|st| st == "accepted"))
            })
        });
        if !suppressed || !f.is_open() && f.status != secfw_artifacts::FindingStatus::Accepted {
            continue;
        }
        let evals = evals.get_or_insert_with(|| {
            let mut m = HashMap::with_capacity(gov.findings.len());
            for fe in &gov.findings {
                m.entry(fe.finding_id.as_str()).or_insert(fe);
            }
            m
        });
        let excepted =
            evals.get(f.finding_id.as_str()).is_some_and(|fe| matches!(fe.disposition, Disposition::Excepted { .. }));
        if !excepted {
            out.push(
                Diagnostic::error(
                    codes::SUPPRESSED_WITHOUT_EXCEPTION,
                    file_names::FINDINGS,
                    format!("{} `{}` was suppressed by the scanner without an exception; it is open", f.finding_id, f.title),
                )
                .at(loc.pos(file_names::FINDINGS, &path!["findings", i, "finding_id"]))
                .with_related(file_names::EXCEPTIONS, None, "no valid exception covers it")
                .with_hint("record the decision in exceptions.md (and reference it from governance.exception_ref or by advisory), or remove the in-source suppression"),
            );
        }
    }
}
