//! Linting `security_spec.md` (the Security & Compliance Specification, seeds/000): the
//! template secfw writes with `secfw spec init`, and the checks of `secfw spec lint`.
//!
//! The checks, each documented in `docs/diagnostics.md` and `docs/security_spec.md`:
//!
//! - Structure (from [`crate::spec::parse`]): front matter present and typed (`status` one of
//!   draft | approved | deprecated, `last_updated` a date), every one of the 14 required sections
//!   present once.
//! - Placeholders ([`codes::SPEC_PLACEHOLDER`]): a front matter value still written `<...>` (the
//!   template's `<Security & Compliance Specification>`, `<security-team>`), `last_updated` left
//!   as `YYYY-MM-DD`, the template's placeholders anywhere in the body, and any line that contains
//!   one of the template's guidance lines verbatim (whitespace-insensitive).
//! - Empty sections ([`codes::SPEC_EMPTY_SECTION`], warning).
//! - Review cycle: `last_updated` older than the rulebook's `review_cycle_days` at `now`
//!   ([`codes::SPEC_STALE`], warning; a date after `now` is [`codes::SPEC_FUTURE_DATE`]).
//! - Cross-checks with the workspace (skipped, with a [`codes::SPEC_CROSS_CHECK_SKIPPED`] note,
//!   when linting a file on its own or when the artifact they need is missing):
//!   - **Tags.** In `## Data Classification & Handling`, every inline code span whose text is a
//!     single word (letters, digits, `-`, `_`; e.g. `` `PII` ``) names a governance tag: it must be
//!     a tag of the rulebook taxonomy, spelled exactly ([`codes::SPEC_UNKNOWN_TAG`], error).
//!     Conversely every taxonomy tag with a non-empty `compliance_impact` must be named that way
//!     in the section, even if only to say the data is not processed
//!     ([`codes::SPEC_UNCLASSIFIED_TAG`], warning). Code spans with spaces, dots or slashes
//!     (file names, commands) are not tag references.
//!   - **Exceptions.** Every `EXC-NNN` named anywhere in the spec must exist in
//!     `exceptions.md` ([`codes::SPEC_UNKNOWN_EXCEPTION`], error); every exception of
//!     `exceptions.md` still in force at `now` (its `Valid Until` day not over) must be named under
//!     `## Open Issues & Exceptions` ([`codes::SPEC_UNLISTED_EXCEPTION`], warning).
//!   - **Controls.** Every `POL-NNN` and `CTL-NNN` named anywhere in the spec must exist in
//!     `policy_map.md` ([`codes::SPEC_UNKNOWN_CONTROL`], error).
//!
//! An id is recognised as a whole word: `POL-001` in `see POL-001.` but not in `XPOL-001` or
//! `RB-POL-001`.
//!
//! A public namespace: `speclint::lint`, `speclint::init`, `speclint::TEMPLATE` read well only qualified.

use chrono::{DateTime, Utc};

use crate::codes;
use crate::diag::{Diagnostic, Pos, sort_diagnostics};
use crate::exceptions::ExceptionRegistry;
use crate::model::rulebook::Rulebook;
use crate::policy::PolicyMap;
use crate::source::SourceFile;
use crate::spec::{self, SecuritySpec, SpecSection};
use crate::workspace::{LoadedWorkspace, file_names};
use crate::yaml::UnknownFields;

/// The template `secfw spec init` writes: seeds/000 verbatim (front matter with placeholders,
/// the 14 required sections with their guidance text).
pub const TEMPLATE: &str = r"---
spec_type: security-and-compliance
title: <Security & Compliance Specification>
owner: <security-team>
status: draft # draft | approved | deprecated
last_updated: YYYY-MM-DD
applicability: [web, mobile, desktop]
related_initiatives: []
---

# Security & Compliance Specification

## Purpose
Describe how the system protects data, enforces policies, and satisfies regulatory/compliance obligations for every client (web, mobile, desktop) and integration.

## Scope & Assumptions
- Components and environments included, trust boundaries, shared responsibilities with vendors.
- Assumed attacker capabilities, threat surface exclusions.

## Data Classification & Handling
- Data categories, retention, residency, encryption requirements.
- Mapping to controls (GDPR, HIPAA, PCI DSS, SOC 2, FedRAMP, etc.).

## Threat Modeling
- Assets, actors, attack vectors, mitigations (STRIDE, PASTA, custom methodology).
- Diagrams referencing trust boundaries, data flow, entry points.

## Identity, Authentication & Authorization
- User and service identity providers, MFA, SSO, device posture checks.
- Session/token lifetimes, revocation, refresh strategies.
- Authorization model (RBAC, ABAC, ReBAC), policy storage, enforcement points.

## Data Protection Controls
- Encryption in transit (TLS versions, cipher suites, cert rotation) and at rest (KMS/HSM, key rotation).
- Secrets management (Vault, AWS Secrets Manager, SSM, Doppler), distribution, auditing.

## Application Security Practices
- Secure coding standards, dependency governance, SBOM process, third-party library review.
- SAST/DAST/IAST tooling, fuzzing, bug bounty scope.

## Infrastructure & Network Security
- Network segmentation, perimeter controls, WAF rules, DDoS mitigation, zero-trust posture.
- Container/image hardening, base image pipeline, OS patching cadence.

## Compliance Controls & Evidence
- Required policies, control owners, monitoring hooks, evidence collection process.
- Audit cadence, self-assessments, external assessments.

## Logging, Monitoring & Alerting
- Security event sources (auth logs, audit trails, admin actions), retention, tamper detection.
- Alert routing, severity mapping, SOAR automation, integrations with SIEM.

## Vulnerability & Incident Response
- Intake sources (bug bounty, scanning, vendor advisories), SLAs, communication plan.
- Incident severity matrix, IR steps, forensics tooling, tabletop schedule.

## Third-Party Risk Management
- Vendor inventory, data sharing agreements, monitoring, offboarding requirements.

## Open Issues & Exceptions
- Known gaps, compensating controls, expiration dates, risk acceptance approvals.

## References
- Security policies, compliance matrices, threat model docs, audit reports, runbooks.
";

/// The review cycle used when no rulebook says otherwise (the rulebook's default, 90 days).
pub const DEFAULT_REVIEW_CYCLE_DAYS: u32 = 90;

/// The placeholders of the template that must not survive in a real specification.
pub const PLACEHOLDERS: [&str; 2] = ["<Security & Compliance Specification>", "<security-team>"];

/// What the spec is checked against.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct SpecContext<'a> {
    /// The rulebook (taxonomy, review cycle).
    pub rulebook: Option<&'a Rulebook>,
    /// The policy catalog.
    pub policies: Option<&'a PolicyMap>,
    /// The exception registry.
    pub exceptions: Option<&'a ExceptionRegistry>,
    /// `true` when linting a file on its own: cross-checks are skipped with one note.
    pub standalone: bool,
    /// Review cycle when there is no rulebook (default [`DEFAULT_REVIEW_CYCLE_DAYS`]).
    pub review_cycle_days: Option<u32>,
}

impl<'a> SpecContext<'a> {
    /// A context for a spec file on its own (no cross-checks).
    pub fn standalone() -> Self {
        Self { standalone: true, ..Self::default() }
    }

    /// A context from a loaded workspace.
    pub fn of(ws: &'a LoadedWorkspace) -> Self {
        Self {
            rulebook: ws.rulebook.as_ref(),
            policies: ws.policies.as_ref(),
            exceptions: ws.exceptions.as_ref(),
            standalone: false,
            review_cycle_days: None,
        }
    }

    /// Use this review cycle when there is no rulebook.
    #[must_use]
    pub fn with_review_cycle_days(mut self, days: u32) -> Self {
        self.review_cycle_days = Some(days);
        self
    }
}

/// Lint the `security_spec.md` of a loaded workspace at `now`, with every cross-check.
///
/// Returns the spec's own diagnostics (structure and content) and the cross-check diagnostics,
/// sorted; when the workspace has no `security_spec.md`, its load diagnostic for that file.
pub fn lint_workspace(ws: &LoadedWorkspace, now: DateTime<Utc>) -> Vec<Diagnostic> {
    match ws.sources.get(file_names::SECURITY_SPEC) {
        Some(src) => lint(src, &SpecContext::of(ws), now),
        None => ws.diagnostics.iter().filter(|d| d.file == file_names::SECURITY_SPEC).cloned().collect(),
    }
}

/// Lint a specification file on its own at `now` (cross-checks skipped, with a note).
pub fn lint_file(src: &SourceFile, now: DateTime<Utc>) -> Vec<Diagnostic> {
    lint(src, &SpecContext::standalone(), now)
}

/// Lint a specification against a context at `now`.
pub fn lint(src: &SourceFile, ctx: &SpecContext<'_>, now: DateTime<Utc>) -> Vec<Diagnostic> {
    let (parsed, mut diags) = spec::parse(src, UnknownFields::Warn);
    let f = src.name.as_str();
    placeholders(src, &mut diags);
    if let Some(s) = &parsed {
        front_matter(src, s, ctx, now, &mut diags);
        for sec in &s.sections {
            if sec.body.lines().all(|l| l.trim().is_empty()) {
                diags.push(
                    Diagnostic::warning(codes::SPEC_EMPTY_SECTION, f, format!("section `{}` is empty", sec.title))
                        .at(Some(sec.pos))
                        .with_hint("write what applies to this system, or say why the section does not apply"),
                );
            }
        }
        if ctx.standalone {
            diags.push(
                Diagnostic::note(
                    codes::SPEC_CROSS_CHECK_SKIPPED,
                    f,
                    "linted on its own: tags, exceptions and controls were not cross-checked against a workspace",
                )
                .with_hint("run `secfw spec lint DIR` on the security workspace to cross-check with its artifacts"),
            );
        } else {
            cross_checks(f, s, ctx, now, &mut diags);
        }
    }
    sort_diagnostics(&mut diags);
    diags.dedup();
    diags
}

fn norm_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The guidance lines of the template body (not headings), normalized.
fn guidance() -> Vec<String> {
    let body = TEMPLATE.splitn(3, "---\n").nth(2).unwrap_or("");
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| norm_ws(l.trim_start_matches("- ")))
        .collect()
}

/// End (exclusive, 0-based) of the front matter lines, if the file starts with one.
fn front_matter_end(text: &str) -> usize {
    let mut lines = text.lines();
    if lines.next().map(|l| l.trim_start_matches('\u{feff}').trim_end()) != Some("---") {
        return 0;
    }
    lines.position(|l| l.trim_end() == "---").map_or(0, |i| i + 2)
}

/// The 1-based column just after `before` (the part of a line in front of a position).
fn char_col(before: &str) -> u32 {
    u32::try_from(before.chars().count() + 1).unwrap_or(u32::MAX)
}

fn line_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

fn placeholders(src: &SourceFile, diags: &mut Vec<Diagnostic>) {
    let f = src.name.as_str();
    let fm_end = front_matter_end(&src.text);
    let guide = guidance();
    for (i, line) in src.text.lines().enumerate() {
        if i < fm_end {
            // Front matter: a value written entirely as `<...>`.
            if let Some((key, value)) = line.split_once(':') {
                let v = value.split(" #").next().unwrap_or("").trim().trim_matches(['"', '\'']);
                if v.len() > 2 && v.starts_with('<') && v.ends_with('>') {
                    let col = char_col(line.split_once(v).map_or("", |(before, _)| before));
                    diags.push(
                        Diagnostic::error(
                            codes::SPEC_PLACEHOLDER,
                            f,
                            format!("front matter `{}` is still the template placeholder `{v}`", key.trim()),
                        )
                        .at(Some(Pos::new(line_no(i), col)))
                        .with_hint("replace the placeholder with the real value (e.g. the title of this system's specification, the owning team)"),
                    );
                }
            }
            continue;
        }
        for p in PLACEHOLDERS {
            if let Some((before, _)) = line.split_once(p) {
                diags.push(
                    Diagnostic::error(
                        codes::SPEC_PLACEHOLDER,
                        f,
                        format!("template placeholder `{p}` is still in the text"),
                    )
                    .at(Some(Pos::new(line_no(i), char_col(before))))
                    .with_hint("replace the placeholder with the real name"),
                );
            }
        }
        let n = norm_ws(line.trim().trim_start_matches("- "));
        if n.len() < 20 {
            continue;
        }
        if let Some(g) = guide.iter().find(|g| n.contains(g.as_str())) {
            let shown: String = g.chars().take(60).collect();
            diags.push(
                Diagnostic::error(
                    codes::SPEC_PLACEHOLDER,
                    f,
                    format!(
                        "template guidance copied verbatim: \"{shown}{}\"",
                        if g.chars().count() > 60 { "…" } else { "" }
                    ),
                )
                .at(Some(Pos::new(line_no(i), char_col(line.strip_suffix(line.trim_start()).unwrap_or_default()))))
                .with_hint(
                    "replace the guidance with what this system actually does (the guidance says what to write)",
                ),
            );
        }
    }
}

fn front_matter(
    src: &SourceFile,
    s: &SecuritySpec,
    ctx: &SpecContext<'_>,
    now: DateTime<Utc>,
    diags: &mut Vec<Diagnostic>,
) {
    let f = src.name.as_str();
    let key_pos = |key: &str| {
        src.text
            .lines()
            .take(front_matter_end(&src.text))
            .position(|l| l.trim_start().starts_with(&format!("{key}:")))
            .map(|i| Pos::new(line_no(i), 1))
    };
    if s.front_matter.spec_type.trim() != "security-and-compliance" {
        diags.push(
            Diagnostic::warning(
                codes::INVALID_VALUE,
                f,
                format!("`spec_type` is `{}`, expected `security-and-compliance`", s.front_matter.spec_type),
            )
            .at(key_pos("spec_type"))
            .with_hint("write `spec_type: security-and-compliance`"),
        );
    }
    let Some(date) = s.front_matter.last_updated_date() else { return };
    let cycle =
        ctx.rulebook.map_or(ctx.review_cycle_days.unwrap_or(DEFAULT_REVIEW_CYCLE_DAYS), |r| r.review_cycle_days);
    let today = now.date_naive();
    let age = (today - date.0).num_days();
    let source = if ctx.rulebook.is_some() { "the rulebook's `review_cycle_days`" } else { "the default review cycle" };
    if age > i64::from(cycle) {
        diags.push(
            Diagnostic::warning(
                codes::SPEC_STALE,
                f,
                format!("`last_updated` {date} is {age} days before {today}, longer than {source} ({cycle} days)"),
            )
            .at(key_pos("last_updated"))
            .with_hint("review the specification with its owner, then set `last_updated` to the review date"),
        );
    } else if age < 0 {
        diags.push(
            Diagnostic::warning(codes::SPEC_FUTURE_DATE, f, format!("`last_updated` {date} is after today ({today})"))
                .at(key_pos("last_updated"))
                .with_hint("write the date of the last review, not a planned one"),
        );
    }
}

/// Whole-word occurrences of `PREFIX-<digits>` in `text`: (byte offset, id).
fn ids<'t>(text: &'t str, prefix: &str) -> Vec<(usize, &'t str)> {
    let pat = format!("{prefix}-");
    let bytes = text.as_bytes();
    text.match_indices(&pat)
        .filter_map(|(start, _)| {
            // The grammar is ASCII (`PREFIX-digits`), so the neighbours are checked as bytes.
            let digits = bytes.get(start + pat.len()..)?.iter().take_while(|b| b.is_ascii_digit()).count();
            let end = start + pat.len() + digits;
            let before_ok = start
                .checked_sub(1)
                .and_then(|i| bytes.get(i))
                .is_none_or(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')));
            let after_ok = bytes.get(end).is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_'));
            if digits > 0 && before_ok && after_ok { text.get(start..end).map(|id| (start, id)) } else { None }
        })
        .collect()
}

/// Position of a byte offset in a section body.
fn body_pos(sec: &SpecSection, offset: usize) -> Pos {
    let before = crate::source::prefix_at(&sec.body, offset);
    let line = before.bytes().filter(|&b| b == b'\n').count();
    let col = before.rsplit('\n').next().unwrap_or(before).chars().count() + 1;
    Pos::new(sec.body_line + u32::try_from(line).unwrap_or(0), u32::try_from(col).unwrap_or(1))
}

/// Single-word inline code spans of a section body: (byte offset of the text, text).
fn tag_spans(body: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut line_off = 0;
    for line in body.split_inclusive('\n') {
        let mut rest = line;
        while let Some((_, opened)) = rest.split_once('`') {
            let Some((text, after)) = opened.split_once('`') else { break };
            if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                out.push((line_off + (line.len() - opened.len()), text));
            }
            rest = after;
        }
        line_off += line.len();
    }
    out
}

fn skipped(f: &str, what: &str, missing: &str, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::note(
            codes::SPEC_CROSS_CHECK_SKIPPED,
            f,
            format!("{what} not cross-checked: {missing} is missing or invalid"),
        )
        .with_hint(format!("fix {missing} (see `secfw validate`) to enable the check")),
    );
}

fn cross_checks(f: &str, s: &SecuritySpec, ctx: &SpecContext<'_>, now: DateTime<Utc>, diags: &mut Vec<Diagnostic>) {
    check_classification_tags(f, s, ctx, diags);
    check_exception_ids(f, s, ctx, now, diags);
    check_policy_and_control_ids(f, s, ctx, diags);
}

/// Tags in Data Classification & Handling vs the rulebook taxonomy: every tag named is in the
/// taxonomy, every tag with a compliance impact is classified.
fn check_classification_tags(f: &str, s: &SecuritySpec, ctx: &SpecContext<'_>, diags: &mut Vec<Diagnostic>) {
    match (ctx.rulebook, s.section("Data Classification & Handling")) {
        (None, _) => skipped(f, "data classification tags", file_names::RULEBOOK, diags),
        (Some(_), None) => {} // the missing section is already reported
        (Some(rb), Some(sec)) => {
            let spans = tag_spans(&sec.body);
            for (off, tag) in &spans {
                if rb.tag(tag).is_none() {
                    let near = rb.taxonomy.iter().find(|t| t.name.eq_ignore_ascii_case(tag));
                    let names: Vec<&str> = rb.taxonomy.iter().map(|t| t.name.as_str()).collect();
                    let hint = match near {
                        Some(t) => format!("tags are case-sensitive: write `{}`", t.name),
                        None => format!(
                            "use a taxonomy tag ({}) or add `{tag}` to the rulebook taxonomy; write other code in plain text",
                            names.join(", ")
                        ),
                    };
                    diags.push(
                        Diagnostic::error(
                            codes::SPEC_UNKNOWN_TAG,
                            f,
                            format!("data classification names tag `{tag}`, which is not in the rulebook taxonomy"),
                        )
                        .at(Some(body_pos(sec, *off)))
                        .with_hint(hint),
                    );
                }
            }
            for t in rb.taxonomy.iter().filter(|t| !t.compliance_impact.is_empty()) {
                if !spans.iter().any(|(_, s)| *s == t.name) {
                    diags.push(
                        Diagnostic::warning(
                            codes::SPEC_UNCLASSIFIED_TAG,
                            f,
                            format!(
                                "taxonomy tag `{}` ({}) is not classified in Data Classification & Handling",
                                t.name,
                                t.compliance_impact.join(", ")
                            ),
                        )
                        .at(Some(sec.pos))
                        .with_hint(format!(
                            "say how `{}` data is handled (write the tag in backticks), or that it is not processed",
                            t.name
                        )),
                    );
                }
            }
        }
    }
}

/// Exception ids named anywhere exist in exceptions.md, and every exception in force is listed
/// under Open Issues & Exceptions.
fn check_exception_ids(
    f: &str,
    s: &SecuritySpec,
    ctx: &SpecContext<'_>,
    now: DateTime<Utc>,
    diags: &mut Vec<Diagnostic>,
) {
    match ctx.exceptions {
        None => skipped(f, "exceptions", file_names::EXCEPTIONS, diags),
        Some(reg) => {
            for sec in &s.sections {
                for (off, id) in ids(&sec.body, "EXC") {
                    if reg.get(id).is_none() {
                        diags.push(
                            Diagnostic::error(
                                codes::SPEC_UNKNOWN_EXCEPTION,
                                f,
                                format!("{id} is named in `{}` but exceptions.md has no such exception", sec.title),
                            )
                            .at(Some(body_pos(sec, off)))
                            .with_hint("correct the id, or record the exception in exceptions.md"),
                        );
                    }
                }
            }
            if let Some(sec) = s.section("Open Issues & Exceptions") {
                let listed: Vec<&str> = ids(&sec.body, "EXC").into_iter().map(|(_, i)| i).collect();
                for e in &reg.exceptions {
                    if e.valid_until.end_of_day() >= now && !listed.contains(&e.id.as_str()) {
                        diags.push(
                            Diagnostic::warning(
                                codes::SPEC_UNLISTED_EXCEPTION,
                                f,
                                format!(
                                    "{} ({}) is in force until {} but not listed under Open Issues & Exceptions",
                                    e.id, e.title, e.valid_until
                                ),
                            )
                            .at(Some(sec.pos))
                            .with_related(file_names::EXCEPTIONS, e.spans.at, format!("{} is defined here", e.id))
                            .with_hint(format!(
                                "add `- {}: {} (expires {})` to the section",
                                e.id, e.title, e.valid_until
                            )),
                        );
                    }
                }
            }
        }
    }
}

/// Policy and control ids named anywhere exist in policy_map.md.
fn check_policy_and_control_ids(f: &str, s: &SecuritySpec, ctx: &SpecContext<'_>, diags: &mut Vec<Diagnostic>) {
    match ctx.policies {
        None => skipped(f, "policies and controls", file_names::POLICY_MAP, diags),
        Some(map) => {
            for sec in &s.sections {
                for prefix in ["POL", "CTL"] {
                    for (off, id) in ids(&sec.body, prefix) {
                        let known = if prefix == "POL" {
                            map.policies.iter().any(|p| p.id == id)
                        } else {
                            map.policies.iter().any(|p| p.controls.iter().any(|c| c.id == id))
                        };
                        if !known {
                            let what = if prefix == "POL" { "policy" } else { "control" };
                            diags.push(
                                Diagnostic::error(
                                    codes::SPEC_UNKNOWN_CONTROL,
                                    f,
                                    format!(
                                        "{what} {id} is named in `{}` but policy_map.md has no such {what}",
                                        sec.title
                                    ),
                                )
                                .at(Some(body_pos(sec, off)))
                                .with_hint(format!("correct the id, or add the {what} to policy_map.md")),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Write the template to `<dir>/security_spec.md` (creating `dir`), never overwriting: the file
/// appears complete or not at all (written to a temporary file, then hard-linked into place,
/// which fails if the target exists).
pub fn init(dir: &std::path::Path) -> Result<std::path::PathBuf, crate::Error> {
    let path = dir.join(file_names::SECURITY_SPEC);
    let io = |p: &std::path::Path, source| crate::Error::Io { path: p.to_owned(), source };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(io(
            &path,
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "already exists; secfw never overwrites a specification",
            ),
        ));
    }
    let tmp = dir.join(format!(".{}.secfw-init-{}", file_names::SECURITY_SPEC, std::process::id()));
    crate::write::write_atomic(&tmp, TEMPLATE.as_bytes())?;
    let linked = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(path),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(io(
            &path,
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "already exists; secfw never overwrites a specification",
            ),
        )),
        // Filesystems without hard links: create-new (still never overwrites).
        Err(_) => {
            use std::io::Write as _;
            let mut f =
                std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| io(&path, e))?;
            f.write_all(TEMPLATE.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| io(&path, e))?;
            Ok(path)
        }
    }
}
