//! `exceptions.md`: the exception registry (seed §2.3).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::codes;
use crate::diag::{Diagnostic, Level, Pos};
use crate::markdown::{self, Entry, escape_inline, is_id, split_list};
use crate::model::common::{Date, Severity};
use crate::source::SourceFile;
use crate::spans::Spans;
use crate::target::{Purl, VersionRange, is_advisory_id, is_gitleaks_fingerprint};

/// The parsed registry.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ExceptionRegistry {
    /// Exceptions in document order.
    pub exceptions: Vec<Exception>,
}

impl ExceptionRegistry {
    /// A registry of these exceptions, in this order.
    pub fn new(exceptions: Vec<Exception>) -> Self {
        Self { exceptions }
    }

    /// The exception with this id.
    pub fn get(&self, id: &str) -> Option<&Exception> {
        self.exceptions.iter().find(|e| e.id == id)
    }
}

/// What kind of exception it is (drives required approvals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ExceptionKind {
    /// Accepts specific findings (risk acceptance).
    #[default]
    RiskAcceptance,
    /// Deviates from a policy as a whole (needs CISO sign-off).
    PolicyDeviation,
    /// A technical claim that the product is not affected (VEX `not_affected`); needs one of
    /// the standard [`VEX_JUSTIFICATIONS`].
    NotAffected,
}

/// The standard VEX `not_affected` justifications (OpenVEX 0.2.0; CISA's minimum requirements).
pub const VEX_JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// One exception.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exception {
    /// `EXC-NNN`.
    pub id: String,
    /// Title after the colon.
    pub title: String,
    /// The section heading it is listed under (e.g. `Active Exceptions`; any heading that
    /// renders at level 1 or 2 after the title, see [`section_status`]). Empty when it is under
    /// no section (or under the document title, unless that reads as history).
    pub section: String,
    /// `**Policy**:` the policy it excepts (required).
    pub policy: String,
    /// `**Requestor**:` (required).
    pub requestor: String,
    /// `**Approval**:` approvers (required; comma-separated when several).
    pub approvers: Vec<String>,
    /// `**Approved On**:` (extension; the 180-day window counts from here).
    pub approved_on: Option<Date>,
    /// `**Valid Until**:` (required); valid through the end of that day, UTC.
    pub valid_until: Date,
    /// `**Risk Mitigation**:` compensating controls.
    pub risk_mitigation: Vec<String>,
    /// `**Conditions**:`.
    pub conditions: Vec<String>,
    /// `**Findings**:` finding ids it accepts (extension).
    pub findings: Vec<String>,
    /// `**Justification**:` business justification (extension).
    pub justification: Option<String>,
    /// `**Risk Assessment**:` (extension).
    pub risk_assessment: Option<String>,
    /// `**Severity**:` highest severity accepted (extension; drives approvals).
    pub severity: Option<Severity>,
    /// `**Type**:` `risk acceptance` (default) or `policy deviation`.
    pub kind: ExceptionKind,
    /// `**Advisories**:` advisory ids it accepts wherever they occur (extension, issue 15),
    /// e.g. `CVE-2023-38545`, `RUSTSEC-2020-0071`; narrowed by `package` and `versions`.
    pub advisories: Vec<String>,
    /// `**Package**:` the package (purl, unversioned) the advisories are accepted for.
    pub package: Option<Purl>,
    /// `**Versions**:` the versions of `package` they are accepted for (default: all).
    pub versions: Option<VersionRange>,
    /// `**Secrets**:` secret-scanner fingerprints it accepts (`[commit:]file:rule-id:line`).
    pub secrets: Vec<String>,
    /// `**VEX Justification**:` why the product is not affected (only with `**Type**: not
    /// affected`); one of [`VEX_JUSTIFICATIONS`].
    pub vex_justification: Option<String>,
    /// Positions of the entry and fields.
    pub spans: Spans,
}

/// Words in a section heading that mark the exceptions under it as history (no longer in
/// force), matched anywhere in the heading as a reader sees it ([`section_status`]): `## Expired
/// Exceptions`, `## Closed`, `# Revoked`, `<h2>Withdrawn</h2>`, `## Superseded (2025)`, ...
///
/// The list leans wide on purpose: a heading wrongly read as history takes exceptions out of
/// force (findings block again, loudly), while one wrongly read as active would keep a revoked
/// exception in force unnoticed.
pub const ARCHIVE_SECTION_WORDS: [&str; 26] = [
    "expired",
    "closed",
    "revoked",
    "revocation",
    "rejected",
    "archive",
    "retired",
    "resolved",
    "withdrawn",
    "superseded",
    "cancelled",
    "canceled",
    "cancellation",
    "inactive",
    "obsolete",
    "lapsed",
    "terminated",
    "rescinded",
    "suspended",
    "denied",
    "declined",
    "invalid",
    "history",
    "historical",
    "no longer",
    "not in force",
];

/// Words (whole words) that mark a section heading as one of exceptions in force: `## Active
/// Exceptions`, `## Current`, `## Approved`, `## In force`, ...
pub const ACTIVE_SECTION_WORDS: [&str; 6] = ["active", "current", "approved", "in force", "in effect", "valid"];

/// Words that keep a heading with an [`ACTIVE_SECTION_WORDS`] word from reading as active
/// (`## Not approved`, `## Approval pending`).
const NOT_ACTIVE_WORDS: [&str; 7] = ["not", "no", "non", "never", "pending", "awaiting", "proposed"];

/// Words a registry's main heading is made of (`# Security Exception Registry`, `## Exceptions`).
const MAIN_SECTION_WORDS: [&str; 11] = [
    "security",
    "exception",
    "exceptions",
    "registry",
    "register",
    "policy",
    "risk",
    "acceptance",
    "acceptances",
    "waiver",
    "waivers",
];

/// How secfw reads a section heading of `exceptions.md` ([`section_status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SectionStatus {
    /// A history heading: the exceptions under it are archived, never in force.
    History,
    /// An active heading, or the registry's main heading: its exceptions are in force.
    Active,
    /// Neither (`## Payments team`, `## Widerrufene Ausnahmen`): its exceptions are in force,
    /// and the registry is warned about ([`codes::EXCEPTION_SECTION_UNRECOGNISED`]).
    Unrecognised,
}

/// How secfw reads the section heading `title` — the one home of this rule.
///
/// The heading is compared as a reader sees it (`heading_key` in the markdown module): invisible format
/// characters (soft hyphen, zero-width and bidi characters, ...) removed, case folded. It is
/// [`SectionStatus::History`] when it contains any of [`ARCHIVE_SECTION_WORDS`]; otherwise
/// [`SectionStatus::Active`] when it is written in ASCII letters (so a look-alike letter cannot
/// pass for one) and either has a whole word of [`ACTIVE_SECTION_WORDS`] without a negation
/// (`not`, `pending`, ...) or is only the registry's name (`Security Exception Registry`,
/// `Exceptions`); otherwise [`SectionStatus::Unrecognised`].
pub fn section_status(title: &str) -> SectionStatus {
    let key = markdown::heading_key(title);
    if ARCHIVE_SECTION_WORDS.iter().any(|w| key.contains(w)) {
        return SectionStatus::History;
    }
    if key.chars().any(|c| c.is_alphabetic() && !c.is_ascii()) {
        return SectionStatus::Unrecognised;
    }
    let words: Vec<&str> = key.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let spaced = format!(" {} ", words.join(" "));
    let has = |w: &&str| spaced.contains(&format!(" {w} "));
    let active = ACTIVE_SECTION_WORDS.iter().any(has) && !NOT_ACTIVE_WORDS.iter().any(has);
    let main = !words.is_empty() && words.iter().all(|w| MAIN_SECTION_WORDS.contains(w));
    if active || main { SectionStatus::Active } else { SectionStatus::Unrecognised }
}

/// The history word with which an exception's own title marks it as no longer in force, as a
/// status marker a reader cannot miss: one of [`ARCHIVE_SECTION_WORDS`] (compared as in
/// [`section_status`]: as a reader sees it, case-insensitively)
///
/// - in brackets or parentheses: `[REVOKED] ...`, `... (expired 2026-11-01)`;
/// - before the first or after the last separator (`:`, ` - `, `–`, `—`, `|`): `REVOKED -
///   ...`, `Revoked: ...`, `... – withdrawn`;
/// - written in capitals: `REVOKED No Certificate Pinning`;
/// - or as the whole title (`Revoked`).
///
/// A history word elsewhere in the running text of a title is not a marker (`Legacy Archive
/// Encryption Waiver`, `Closed-source SDK`, `Invalid input handling`, `Expired one`): titles name
/// archives, closed ports and invalid input, and the word list matches inside words.
pub(crate) fn title_history_marker(title: &str) -> Option<&'static str> {
    let visible = markdown::heading_key(&markdown::html_text(title));
    let history = |part: &str| ARCHIVE_SECTION_WORDS.iter().copied().find(|w| part.contains(w));
    history(&visible)?;
    // Capitals, as written (invisible characters removed).
    let shown: String = markdown::html_text(title).chars().filter(|c| !markdown::is_invisible(*c)).collect();
    let capitals = shown
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() > 1 && w.chars().all(char::is_uppercase))
        .find_map(|w| history(&w.to_lowercase()));
    let capital_phrase =
        ARCHIVE_SECTION_WORDS.iter().copied().find(|w| w.contains(' ') && shown.contains(&w.to_uppercase()));
    // Bracketed parts.
    let mut bracketed = None;
    let mut depth = 0usize;
    let mut part = String::new();
    for c in visible.chars() {
        match c {
            '(' | '[' | '{' | '\u{3010}' => {
                depth += 1;
                part.push(' ');
            }
            ')' | ']' | '}' | '\u{3011}' => {
                depth = depth.saturating_sub(1);
                bracketed = bracketed.or_else(|| history(&part));
                part.clear();
            }
            c if depth > 0 => part.push(c),
            _ => {}
        }
    }
    let bracketed = bracketed.or_else(|| (depth > 0).then(|| history(&part)).flatten());
    // The first and last parts, when separators split the title.
    let parts: Vec<&str> = visible.split([':', '|', '\u{2013}', '\u{2014}']).flat_map(|p| p.split(" - ")).collect();
    let ends = match parts.as_slice() {
        [first, .., last] => history(first).or_else(|| history(last)),
        _ => None,
    };
    let whole = Some(visible.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.contains(char::is_whitespace))
        .and_then(history);
    capitals.or(capital_phrase).or(bracketed).or(ends).or(whole)
}

impl Exception {
    /// Whether the exception is listed under a history heading ([`section_status`],
    /// [`ARCHIVE_SECTION_WORDS`]): such entries are history, never in force (governance
    /// evaluates them as archived, so they except nothing in gates, compile, VEX or exports),
    /// and left out of exception compliance.
    ///
    /// An exception whose own title marks it as history (`REVOKED -
    /// ...`, `... (expired)`) is archived too, whatever heading it is under.
    pub fn is_archived(&self) -> bool {
        section_status(&self.section) == SectionStatus::History || title_history_marker(&self.title).is_some()
    }

    /// An exception with the required fields.
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        policy: impl Into<String>,
        requestor: impl Into<String>,
        approvers: Vec<String>,
        valid_until: Date,
    ) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            section: "Active Exceptions".to_owned(),
            policy: policy.into(),
            requestor: requestor.into(),
            approvers,
            approved_on: None,
            valid_until,
            risk_mitigation: Vec::new(),
            conditions: Vec::new(),
            findings: Vec::new(),
            justification: None,
            risk_assessment: None,
            severity: None,
            kind: ExceptionKind::RiskAcceptance,
            advisories: Vec::new(),
            package: None,
            versions: None,
            secrets: Vec::new(),
            vex_justification: None,
            spans: Spans::default(),
        }
    }
}

const KNOWN_KEYS: &[&str] = &[
    "Policy",
    "Requestor",
    "Approval",
    "Approved On",
    "Valid Until",
    "Risk Mitigation",
    "Conditions",
    "Findings",
    "Justification",
    "Risk Assessment",
    "Severity",
    "Type",
    "Advisories",
    "Package",
    "Versions",
    "Secrets",
    "VEX Justification",
];

/// Parse `exceptions.md`. Returns the registry (with every well-formed exception) and every
/// problem.
pub fn parse(src: &SourceFile, unknown_level: Level) -> (ExceptionRegistry, Vec<Diagnostic>) {
    let outline = markdown::outline(&src.text);
    let f = src.name.as_str();
    let mut diags = Vec::new();
    let mut reg = ExceptionRegistry::default();
    let mut seen: BTreeMap<String, Pos> = BTreeMap::new();
    // Unrecognised section headings with exceptions under them, in document order.
    let mut unrecognised: Vec<(String, Option<Pos>, Vec<String>)> = Vec::new();
    let exc_id = |heading: &str| {
        heading
            .split_once(':')
            .map(|(a, b)| (a.trim().to_owned(), b.trim().to_owned()))
            .filter(|(a, _)| is_id(a, "EXC"))
    };
    for (i, entry) in outline.entries.iter().enumerate() {
        let Some((id, title)) = exc_id(&entry.heading) else {
            // A heading deeper than level 2 that groups the exceptions nested below it
            // (`### Revoked Exceptions` above `#### EXC-010: ...`) is a section of its own.
            let groups = outline.entries[i + 1..].iter().any(|e| e.parents.iter().any(|(_, _, p)| *p == entry.pos));
            if groups && entry.fields.is_empty() {
                continue;
            }
            diags.push(
                Diagnostic::error(
                    codes::EXCEPTION_BAD_HEADING,
                    f,
                    format!("heading `{}` is not `EXC-NNN: Title`", entry.heading),
                )
                .at(Some(entry.pos))
                .with_hint("write exception headings as `### EXC-001: Legacy System Encryption Waiver`"),
            );
            continue;
        };
        let (id, title) = (id.as_str(), title.as_str());
        if !entry.hidden.is_empty() {
            hidden_text(f, id, "the exception", &entry.hidden, &mut diags);
            continue;
        }
        if let Some(first) = seen.get(id) {
            diags.push(
                Diagnostic::error(codes::DUPLICATE_EXCEPTION, f, format!("exception {id} is defined twice"))
                    .at(Some(entry.pos))
                    .with_related(f, Some(*first), format!("{id} first defined here"))
                    .with_hint("give each exception a unique id; ids are never reused"),
            );
            continue;
        }
        seen.insert(id.to_owned(), entry.pos);
        if let Some(mut e) = parse_exception(entry, id, title, f, unknown_level, &mut diags) {
            // Directly under the document title, the title is the heading a reader sees above it.
            let (mut heading, mut at) = match (&outline.title, entry.section_pos) {
                (Some(t), None) => (t.as_str(), outline.title_pos),
                _ => (entry.section.as_str(), entry.section_pos),
            };
            // Headings deeper than level 2 that the entry is nested under (not other entries):
            // a history heading anywhere above it archives it; otherwise the innermost decides.
            // `<details>` elements the entry is inside group it too (their `<summary>` is the
            // title a reader sees), in document order with the deeper headings.
            let groups = entry.parents.iter().filter(|(_, h, _)| exc_id(h).is_none()).map(|(_, h, p)| (h, *p));
            let mut inner: Vec<(&String, Pos)> = groups.chain(entry.containers.iter().map(|(h, p)| (h, *p))).collect();
            inner.sort_by_key(|(_, p)| *p);
            // Text that only looks like a heading (`**Revoked Exceptions**`, the summary of a
            // `<details>` opened inside the entry) archives when it reads as history.
            let labels = entry.labels.iter().map(|(h, p)| (h.as_str(), Some(*p)));
            let chain: Vec<(&str, Option<Pos>)> =
                std::iter::once((heading, at)).chain(inner.iter().map(|(h, p)| (h.as_str(), Some(*p)))).collect();
            if let Some((h, p)) = chain
                .iter()
                .copied()
                .chain(labels)
                .find(|(h, p)| p.is_some() && section_status(h) == SectionStatus::History)
            {
                (heading, at) = (h, p);
            } else if let Some((h, p)) = chain.last() {
                (heading, at) = (h, *p);
            }
            match (at, section_status(heading)) {
                (None, _) | (_, SectionStatus::Active) => {}
                // Its own title marks it as history: archived whatever heading it is under.
                (Some(_), SectionStatus::Unrecognised) if e.is_archived() => {}
                (Some(_), SectionStatus::History) => heading.clone_into(&mut e.section),
                (Some(_), SectionStatus::Unrecognised) => match unrecognised.iter_mut().find(|(_, p, _)| *p == at) {
                    Some((_, _, ids)) => ids.push(e.id.clone()),
                    None => unrecognised.push((heading.to_owned(), at, vec![e.id.clone()])),
                },
            }
            reg.exceptions.push(e);
        }
    }
    for (heading, at, ids) in unrecognised {
        diags.push(
            Diagnostic::warning(
                codes::EXCEPTION_SECTION_UNRECOGNISED,
                f,
                format!(
                    "section `{heading}` is not a history heading: secfw reads {} under it as in force",
                    ids.join(", ")
                ),
            )
            .at(at)
            .with_hint(format!(
                "to take exceptions out of force, list them under a heading containing one of: {}; to keep them in force, name the heading as active, e.g. `## Active Exceptions: {heading}`",
                ARCHIVE_SECTION_WORDS.join(", ")
            )),
        );
    }
    (reg, diags)
}

/// A struck-through or hidden part of an exception (`what`: its heading or a field): one located
/// error each ([`codes::EXCEPTION_HIDDEN_TEXT`]).
fn hidden_text(f: &str, id: &str, what: &str, hidden: &[(String, Pos)], diags: &mut Vec<Diagnostic>) {
    for (markup, pos) in hidden {
        diags.push(
            Diagnostic::error(
                codes::EXCEPTION_HIDDEN_TEXT,
                f,
                format!(
                    "{id}: {what} has {markup}; struck-through or hidden text is never read as a value, so {id} is not read and is not in force"
                ),
            )
            .at(Some(*pos))
            .with_hint(
                "struck text reads as withdrawn: delete it (version control keeps the history), or move the exception under a history heading (`## Revoked Exceptions`) to revoke it; write values as plain text",
            ),
        );
    }
}

fn parse_exception(
    entry: &Entry,
    id: &str,
    title: &str,
    f: &str,
    unknown_level: Level,
    diags: &mut Vec<Diagnostic>,
) -> Option<Exception> {
    let mut e = Exception::new(id, title, "", "", Vec::new(), Date(chrono::NaiveDate::MIN));
    e.section.clone_from(&entry.section);
    e.spans.at = Some(entry.pos);
    let mut p = EntryParser {
        entry,
        id,
        f,
        diags,
        bad: false,
        keys_seen: BTreeMap::new(),
        hidden_keys: Vec::new(),
        e,
        policy: None,
        requestor: None,
        approvers: None,
        valid_until: None,
    };
    for field in &entry.fields {
        p.field(field, unknown_level);
    }
    p.check_vex_claim();
    p.check_narrowing();
    p.check_required(title);
    if p.bad {
        return None;
    }
    let EntryParser { e, policy, requestor, approvers, valid_until, .. } = p;
    Some(Exception { policy: policy?, requestor: requestor?, approvers: approvers?, valid_until: valid_until?, ..e })
}

/// One exception entry being parsed: the fields read so far and whether any was refused.
struct EntryParser<'a> {
    entry: &'a Entry,
    id: &'a str,
    f: &'a str,
    diags: &'a mut Vec<Diagnostic>,
    /// An error was reported: the entry is not registered.
    bad: bool,
    keys_seen: BTreeMap<&'static str, Pos>,
    /// Fields refused for struck-through or hidden text (not reported missing as well).
    hidden_keys: Vec<&'static str>,
    e: Exception,
    policy: Option<String>,
    requestor: Option<String>,
    approvers: Option<Vec<String>>,
    valid_until: Option<Date>,
}

impl EntryParser<'_> {
    /// Report an error that keeps the entry out of the registry.
    fn refuse(&mut self, d: Diagnostic) {
        self.diags.push(d);
        self.bad = true;
    }

    /// A bad value at `pos`: `EXCEPTION_BAD_VALUE` with `message` and `hint`.
    fn bad_value(&mut self, pos: Pos, message: String, hint: impl Into<String>) {
        self.refuse(Diagnostic::error(codes::EXCEPTION_BAD_VALUE, self.f, message).at(Some(pos)).with_hint(hint));
    }

    /// One `- **Key**: value` bullet: unknown and repeated keys are reported, known ones read.
    fn field(&mut self, field: &markdown::Field, unknown_level: Level) {
        let (id, f) = (self.id, self.f);
        let Some(key) = KNOWN_KEYS.iter().find(|k| k.eq_ignore_ascii_case(&field.key)).copied() else {
            self.diags.push(
                Diagnostic::new(
                    codes::EXCEPTION_UNKNOWN_KEY,
                    unknown_level,
                    f,
                    format!("{id}: unknown field `**{}**`", field.key),
                )
                .at(Some(field.pos))
                .with_hint(format!("known fields: {}", KNOWN_KEYS.join(", "))),
            );
            return;
        };
        if !field.hidden.is_empty() {
            let what = format!("`**{key}**`");
            let before = self.diags.len();
            hidden_text(f, id, &what, &field.hidden, self.diags);
            self.bad |= self.diags.len() > before;
            self.keys_seen.insert(key, field.pos);
            self.hidden_keys.push(key);
            return;
        }
        if let Some(first) = self.keys_seen.insert(key, field.pos) {
            self.refuse(
                Diagnostic::error(codes::DUPLICATE_FIELD, f, format!("{id}: `**{key}**` appears twice"))
                    .at(Some(field.pos))
                    .with_related(f, Some(first), "first here")
                    .with_hint("keep one of them"),
            );
            return;
        }
        let span_key = key.to_ascii_lowercase().replace(' ', "_");
        self.e.spans.fields.insert(span_key, field.value_pos);
        self.read(key, field);
    }

    /// The value of a known, first-seen key.
    fn read(&mut self, key: &'static str, field: &markdown::Field) {
        match key {
            "Valid Until" => self.valid_until = self.date(field, "Valid Until"),
            "Approved On" => self.e.approved_on = self.date(field, "Approved On"),
            "Policy" => self.policy_id(field),
            "Requestor" => self.requestor = Some(field.value.clone()).filter(|s| !s.is_empty()),
            "Approval" => self.approvers = Some(split_list(&field.value)).filter(|v| !v.is_empty()),
            "Risk Mitigation" => self.e.risk_mitigation = items(field),
            "Conditions" => self.e.conditions = items(field),
            "Findings" => {
                let mut ids = split_list(&field.value);
                ids.extend(field.items.iter().map(|(t, _)| t.trim().to_owned()));
                self.e.findings = ids;
            }
            "Advisories" => self.e.advisories = self.target_ids(key, field),
            "Secrets" => self.e.secrets = self.target_ids(key, field),
            "Package" => self.package(field),
            "Versions" => self.versions(field),
            "VEX Justification" => self.vex_justification(field),
            "Justification" => self.e.justification = Some(items(field).join(" ")).filter(|s| !s.is_empty()),
            "Risk Assessment" => self.e.risk_assessment = Some(items(field).join(" ")).filter(|s| !s.is_empty()),
            "Severity" => self.severity(field),
            "Type" => self.kind(field),
            _ => {}
        }
    }

    /// A `YYYY-MM-DD` date.
    fn date(&mut self, field: &markdown::Field, what: &str) -> Option<Date> {
        match field.value.parse::<Date>() {
            Ok(d) => Some(d),
            Err(msg) => {
                self.bad_value(
                    field.value_pos,
                    format!("{}: `**{what}**`: {msg}", self.id),
                    "write dates as YYYY-MM-DD (UTC); an expiry date is valid through the end of that day",
                );
                None
            }
        }
    }

    /// `**Policy**`: a policy id (POL-NNN).
    fn policy_id(&mut self, field: &markdown::Field) {
        if is_id(&field.value, "POL") {
            self.policy = Some(field.value.clone());
        } else {
            self.bad_value(
                field.value_pos,
                format!("{}: `**Policy**` `{}` is not a policy id (POL-NNN)", self.id, field.value),
                "name the excepted policy by its id, e.g. `- **Policy**: POL-001`",
            );
        }
    }

    /// `**Advisories**` (advisory ids) or `**Secrets**` (Gitleaks fingerprints), inline or as
    /// sub-bullets; each distinct valid value once, each invalid one reported.
    fn target_ids(&mut self, key: &str, field: &markdown::Field) -> Vec<String> {
        let mut vals: Vec<(String, Pos)> = split_list(&field.value).into_iter().map(|v| (v, field.value_pos)).collect();
        vals.extend(field.items.iter().map(|(t, p)| (t.trim().trim_matches('`').to_owned(), *p)));
        let (ok, what, hint): (fn(&str) -> bool, _, _) = if key == "Advisories" {
            (
                is_advisory_id,
                "an advisory id",
                "write advisory ids such as `CVE-2023-38545`, `GHSA-jfh8-c2jp-5v3q`, `RUSTSEC-2020-0071`",
            )
        } else {
            (
                is_gitleaks_fingerprint,
                "a Gitleaks fingerprint",
                "write fingerprints as Gitleaks prints them: `[commit:]file:rule-id:line`",
            )
        };
        let mut out = Vec::new();
        for (v, p) in vals {
            if ok(&v) {
                if !out.contains(&v) {
                    out.push(v);
                }
            } else {
                self.bad_value(p, format!("{}: `**{key}**` `{v}` is not {what}", self.id), hint);
            }
        }
        out
    }

    /// `**Package**`: a purl without version.
    fn package(&mut self, field: &markdown::Field) {
        let id = self.id;
        match field.value.trim_matches('`').parse::<Purl>() {
            Ok(p) if p.version.is_some() => self.bad_value(
                field.value_pos,
                format!("{id}: `**Package**` `{}` pins a version; versions go in `**Versions**`", field.value),
                format!(
                    "write `- **Package**: {}` and `- **Versions**: ={}`",
                    p.unversioned(),
                    p.version.as_deref().unwrap_or_default()
                ),
            ),
            // Qualifiers (`?distro=`) and a subpath would narrow the exception, but not every
            // rendering can carry them (scanner ignore files, VEX products): refused, never dropped.
            Ok(p) if !p.is_plain() => self.bad_value(
                field.value_pos,
                format!(
                    "{id}: `**Package**` `{}` has qualifiers or a subpath (`{p}`); secfw cannot carry them into every scanner's ignore file, so the exception would cover the package on every distro and architecture",
                    field.value
                ),
                format!(
                    "write `- **Package**: {}` to accept the package wherever it occurs, or narrow it with `**Findings**`",
                    p.unversioned()
                ),
            ),
            Ok(p) => {
                self.e.package = Some(p);
                self.bind_versions();
            }
            Err(msg) => self.bad_value(
                field.value_pos,
                format!("{id}: `**Package**`: {msg}"),
                "name the package by its purl without version, e.g. `pkg:cargo/time` or `pkg:npm/%40scope/name`",
            ),
        }
    }

    /// Bind `**Versions**` to the ordering of `**Package**`'s type once both are read (either
    /// order); a range that type's versions cannot be compared by is refused at `**Versions**`.
    fn bind_versions(&mut self) {
        let (Some(p), Some(r)) = (&self.e.package, &self.e.versions) else { return };
        match r.for_purl_type(&p.ty) {
            Ok(bound) => self.e.versions = Some(bound),
            Err(msg) => {
                let pos = self.e.spans.field("versions").unwrap_or(self.entry.pos);
                let hint = format!(
                    "`pkg:{}` versions are ordered by {} rules; write `=VERSION` for each version the decision covers (e.g. `={}`), or `*`",
                    p.ty,
                    crate::target::VersionScheme::for_purl_type(&p.ty),
                    r.comparators.first().map_or("1.2.3", |(_, v)| v.as_str())
                );
                self.e.versions = None;
                self.bad_value(pos, format!("{}: `**Versions**`: {msg}", self.id), hint);
            }
        }
    }

    /// `**Versions**`: a version range.
    fn versions(&mut self, field: &markdown::Field) {
        match field.value.trim_matches('`').parse::<VersionRange>() {
            Ok(r) => {
                self.e.versions = Some(r);
                self.bind_versions();
            }
            Err(msg) => self.bad_value(
                field.value_pos,
                format!("{}: `**Versions**`: {msg}", self.id),
                "write a range as comparators joined by commas, e.g. `>=0.1.0, <0.2.0`, `=1.2.3` or `*`",
            ),
        }
    }

    /// `**VEX Justification**`: one of the standard VEX justifications.
    fn vex_justification(&mut self, field: &markdown::Field) {
        let v = field.value.trim().trim_matches('`').to_ascii_lowercase().replace([' ', '-'], "_");
        if VEX_JUSTIFICATIONS.contains(&v.as_str()) {
            self.e.vex_justification = Some(v);
        } else {
            self.bad_value(
                field.value_pos,
                format!("{}: `**VEX Justification**` `{}` is not a standard VEX justification", self.id, field.value),
                format!("one of: {}", VEX_JUSTIFICATIONS.join(", ")),
            );
        }
    }

    /// `**Severity**`.
    fn severity(&mut self, field: &markdown::Field) {
        match field.value.parse::<Severity>() {
            Ok(s) => self.e.severity = Some(s),
            Err(msg) => self.bad_value(field.value_pos, format!("{}: {msg}", self.id), "Critical, High, Medium or Low"),
        }
    }

    /// `**Type**`: risk acceptance, policy deviation or not affected.
    fn kind(&mut self, field: &markdown::Field) {
        match field.value.to_ascii_lowercase().replace(['-', '_'], " ").as_str() {
            "risk acceptance" => self.e.kind = ExceptionKind::RiskAcceptance,
            "policy deviation" => self.e.kind = ExceptionKind::PolicyDeviation,
            "not affected" => self.e.kind = ExceptionKind::NotAffected,
            other => self.bad_value(
                field.value_pos,
                format!(
                    "{}: `**Type**` `{other}` is not `risk acceptance`, `policy deviation` or `not affected`",
                    self.id
                ),
                "write `- **Type**: policy deviation` for deviations that need CISO sign-off",
            ),
        }
    }

    /// `not_affected` is a technical claim with a standard justification; a risk acceptance is
    /// `affected` with an action statement. The two are never mixed up.
    fn check_vex_claim(&mut self) {
        let (id, entry_pos) = (self.id, self.entry.pos);
        match (self.e.kind, &self.e.vex_justification) {
            (ExceptionKind::NotAffected, None) if !self.keys_seen.contains_key("VEX Justification") => {
                let pos = self.e.spans.field("type").unwrap_or(entry_pos);
                self.bad_value(
                    pos,
                    format!("{id}: `**Type**: not affected` is a technical claim and needs `**VEX Justification**`"),
                    format!("add `- **VEX Justification**: ` with one of: {}", VEX_JUSTIFICATIONS.join(", ")),
                );
            }
            (ExceptionKind::RiskAcceptance | ExceptionKind::PolicyDeviation, Some(_)) => {
                let pos = self.e.spans.field("vex_justification").unwrap_or(entry_pos);
                self.bad_value(
                    pos,
                    format!("{id}: a risk acceptance is VEX `affected` with an action statement, never `not_affected`; `**VEX Justification**` needs `**Type**: not affected`"),
                    "remove `**VEX Justification**` to accept the risk, or set `**Type**: not affected` if the product is technically not affected",
                );
            }
            _ => {}
        }
    }

    /// A package narrows advisories; a range narrows a package. Either alone would be broader
    /// than it reads, so it is refused.
    fn check_narrowing(&mut self) {
        for (what, present, needs, has) in [
            ("Package", self.e.package.is_some(), "Advisories", !self.e.advisories.is_empty()),
            ("Versions", self.e.versions.is_some(), "Package", self.e.package.is_some()),
        ] {
            if present && !has && !(self.bad && self.keys_seen.contains_key(needs)) {
                let pos = self.e.spans.field(&what.to_ascii_lowercase()).unwrap_or(self.entry.pos);
                self.bad_value(
                    pos,
                    format!("{}: `**{what}**` without `**{needs}**` would accept more than it says", self.id),
                    format!("add `- **{needs}**: ...` or remove `**{what}**`"),
                );
            }
        }
    }

    /// The fields every exception needs (a field present but refused was reported already).
    fn check_required(&mut self, title: &str) {
        let id = self.id;
        for (what, present) in [
            ("Policy", self.policy.is_some() || self.keys_seen.contains_key("Policy")),
            ("Requestor", self.requestor.is_some()),
            ("Approval", self.approvers.is_some()),
            ("Valid Until", self.valid_until.is_some() || self.keys_seen.contains_key("Valid Until")),
        ] {
            if !present && !self.hidden_keys.contains(&what) {
                self.refuse(
                    Diagnostic::error(
                        codes::EXCEPTION_MISSING_FIELD,
                        self.f,
                        format!("exception {id} has no `**{what}**`"),
                    )
                    .at(Some(self.entry.pos))
                    .with_hint(format!("add `- **{what}**: ...` under `### {id}: {title}`")),
                );
            }
        }
    }
}

/// A field's value and sub-bullets, the inline value first.
fn items(field: &markdown::Field) -> Vec<String> {
    let mut v: Vec<String> = field.items.iter().map(|(t, _)| t.clone()).collect();
    if !field.value.is_empty() {
        v.insert(0, field.value.clone());
    }
    v
}

fn render_entry(s: &mut String, e: &Exception) {
    let _ = write!(s, "\n### {}: {}\n", e.id, escape_inline(&e.title));
    let _ = writeln!(s, "- **Policy**: {}", e.policy);
    match e.kind {
        ExceptionKind::PolicyDeviation => s.push_str("- **Type**: policy deviation\n"),
        ExceptionKind::NotAffected => s.push_str("- **Type**: not affected\n"),
        ExceptionKind::RiskAcceptance => {}
    }
    if let Some(j) = &e.vex_justification {
        let _ = writeln!(s, "- **VEX Justification**: {j}");
    }
    if let Some(sev) = e.severity {
        let _ = writeln!(s, "- **Severity**: {}", sev.title());
    }
    if !e.findings.is_empty() {
        let _ = writeln!(s, "- **Findings**: {}", e.findings.join(", "));
    }
    if !e.advisories.is_empty() {
        let _ = writeln!(s, "- **Advisories**: {}", e.advisories.join(", "));
    }
    if let Some(p) = &e.package {
        let _ = writeln!(s, "- **Package**: `{p}`");
    }
    if let Some(r) = &e.versions {
        let _ = writeln!(s, "- **Versions**: `{r}`");
    }
    if !e.secrets.is_empty() {
        let _ = writeln!(s, "- **Secrets**:");
        for x in &e.secrets {
            let _ = writeln!(s, "  - `{x}`");
        }
    }
    let _ = writeln!(s, "- **Requestor**: {}", escape_inline(&e.requestor));
    let _ =
        writeln!(s, "- **Approval**: {}", e.approvers.iter().map(|a| escape_inline(a)).collect::<Vec<_>>().join(", "));
    if let Some(d) = e.approved_on {
        let _ = writeln!(s, "- **Approved On**: {d}");
    }
    let _ = writeln!(s, "- **Valid Until**: {}", e.valid_until);
    if let Some(j) = &e.justification {
        let _ = writeln!(s, "- **Justification**: {}", escape_inline(j));
    }
    if let Some(r) = &e.risk_assessment {
        let _ = writeln!(s, "- **Risk Assessment**: {}", escape_inline(r));
    }
    for (key, items) in [("Risk Mitigation", &e.risk_mitigation), ("Conditions", &e.conditions)] {
        if !items.is_empty() {
            let _ = writeln!(s, "- **{key}**:");
            for i in items {
                let _ = writeln!(s, "  - {}", escape_inline(i));
            }
        }
    }
}

/// Render a registry in the seed's layout, grouped by section in first-seen order.
pub fn render(reg: &ExceptionRegistry) -> String {
    let mut s = String::from("# Security Exception Registry\n");
    let mut sections: Vec<&str> = Vec::new();
    for e in &reg.exceptions {
        if !sections.contains(&e.section.as_str()) {
            sections.push(&e.section);
        }
    }
    if sections.is_empty() {
        sections.push("Active Exceptions");
    }
    // Exceptions under no section go directly under the title (an empty `##` would be a section
    // heading of its own); they come first, as they did in the source.
    sections.sort_by_key(|sec| !sec.is_empty());
    for sec in sections {
        if !sec.is_empty() {
            let _ = writeln!(s, "\n## {sec}");
        }
        for e in reg.exceptions.iter().filter(|e| e.section == sec) {
            render_entry(&mut s, e);
        }
    }
    s
}

/// Append one exception to an existing `exceptions.md`, preserving every existing byte.
///
/// The entry goes at the end of the file (which is normally inside `## Active Exceptions`);
/// the file is replaced atomically.
pub fn append(path: &Path, e: &Exception) -> Result<(), crate::Error> {
    let mut bytes = std::fs::read(path).map_err(|source| crate::Error::Io { path: path.to_owned(), source })?;
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    let mut entry = String::new();
    render_entry(&mut entry, e);
    bytes.extend_from_slice(entry.as_bytes());
    crate::write::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "# R\n\n## Active Exceptions\n\n### EXC-001: t\n- **Policy**: POL-001\n- **Requestor**: a@x\n- **Approval**: b@x\n- **Valid Until**: 2027-01-31\n";

    fn parse_str(extra: &str) -> (ExceptionRegistry, Vec<Diagnostic>) {
        parse(&SourceFile::new("exceptions.md", format!("{HEAD}{extra}")), Level::Warning)
    }

    #[test]
    fn advisory_package_and_version_targets_parse_and_render() {
        let (reg, d) = parse_str(
            "- **Advisories**: RUSTSEC-2020-0071, CVE-2020-26235\n- **Package**: `pkg:cargo/time`\n- **Versions**: >=0.1.0, <0.2.0\n- **Secrets**:\n  - `src/a.rs:generic-api-key:3`\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let e = &reg.exceptions[0];
        assert_eq!(e.advisories, ["RUSTSEC-2020-0071", "CVE-2020-26235"]);
        assert_eq!(e.package.as_ref().map(ToString::to_string).as_deref(), Some("pkg:cargo/time"));
        assert!(e.versions.as_ref().is_some_and(|r| r.contains("0.1.45") && !r.contains("0.2.0")));
        assert_eq!(e.secrets, ["src/a.rs:generic-api-key:3"]);
        let (again, d) = parse(&SourceFile::new("exceptions.md", render(&reg)), Level::Warning);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(again.exceptions[0].advisories, e.advisories);
        assert_eq!(again.exceptions[0].versions, e.versions);
        assert_eq!(again.exceptions[0].secrets, e.secrets);
    }

    #[test]
    fn a_not_affected_claim_carries_a_standard_justification_and_round_trips() {
        let (reg, d) =
            parse_str("- **Type**: not affected\n- **VEX Justification**: vulnerable code not in execute path\n");
        assert!(d.is_empty(), "{d:?}");
        let e = &reg.exceptions[0];
        assert_eq!(
            (e.kind, e.vex_justification.as_deref()),
            (ExceptionKind::NotAffected, Some("vulnerable_code_not_in_execute_path"))
        );
        let (again, d) = parse(&SourceFile::new("exceptions.md", render(&reg)), Level::Warning);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(again.exceptions[0].vex_justification, e.vex_justification);
        assert_eq!(again.exceptions[0].kind, ExceptionKind::NotAffected);
    }

    #[test]
    fn malformed_targets_are_located_errors_and_the_exception_covers_nothing() {
        for (extra, line, needle) in [
            ("- **Advisories**: CVE 2020\n", 10, "not an advisory id"),
            ("- **Advisories**: CVE-1\n- **Package**: cargo/time\n", 11, "pkg:"),
            ("- **Advisories**: CVE-1\n- **Package**: pkg:cargo/time@0.1.0\n", 11, "pins a version"),
            ("- **Advisories**: CVE-1\n- **Package**: pkg:cargo/time\n- **Versions**: ~0.1\n", 12, "operator"),
            ("- **Package**: pkg:cargo/time\n", 10, "without `**Advisories**`"),
            ("- **Advisories**: CVE-1\n- **Versions**: =1.0\n", 11, "without `**Package**`"),
            ("- **Secrets**: src/a.rs:3\n", 10, "Gitleaks"),
            ("- **Type**: not affected\n", 10, "technical claim"),
            ("- **Type**: not affected\n- **VEX Justification**: it is fine\n", 11, "standard VEX"),
            ("- **VEX Justification**: vulnerable_code_not_present\n", 10, "never `not_affected`"),
        ] {
            let (reg, d) = parse_str(extra);
            assert!(reg.exceptions.is_empty(), "{extra}");
            let hit = d.iter().find(|d| d.message.contains(needle)).unwrap_or_else(|| panic!("{extra}: {d:?}"));
            assert_eq!((hit.code, hit.pos().map(|p| p.line)), (codes::EXCEPTION_BAD_VALUE, Some(line)), "{extra}");
            assert!(hit.hint.is_some());
        }
    }
}

#[cfg(test)]
mod archive_tests {
    use super::*;

    fn in_section(section: &str) -> Exception {
        let md = format!(
            "# R\n\n## {section}\n\n### EXC-001: t\n- **Policy**: POL-001\n- **Requestor**: a@x\n- **Approval**: b@x\n- **Valid Until**: 2027-01-31\n"
        );
        let src = SourceFile::new("exceptions.md", md);
        let (reg, _) = parse(&src, Level::Warning);
        reg.exceptions.into_iter().next().expect("one exception")
    }

    const ENTRY: &str =
        "- **Policy**: POL-001\n- **Requestor**: a@x\n- **Approval**: b@x\n- **Valid Until**: 2027-01-31\n";

    /// A registry with EXC-001 under `## Active Exceptions`, then `heading`, then EXC-005.
    /// Returns EXC-005 and the diagnostics.
    fn after_active(heading: &str) -> (Exception, Vec<Diagnostic>) {
        let md = format!(
            "# Security Exception Registry\n\n## Active Exceptions\n\n### EXC-001: a\n{ENTRY}\n{heading}\n\n### EXC-005: b\n{ENTRY}"
        );
        let (reg, d) = parse(&SourceFile::new("exceptions.md", md), Level::Warning);
        assert!(d.iter().all(|d| d.level == Level::Warning), "{heading}: {d:?}");
        assert!(!reg.get("EXC-001").expect("EXC-001").is_archived(), "{heading}");
        (reg.get("EXC-005").unwrap_or_else(|| panic!("{heading}: EXC-005 not read")).clone(), d)
    }

    fn sf0406(d: &[Diagnostic]) -> Vec<&Diagnostic> {
        d.iter().filter(|d| d.code == codes::EXCEPTION_SECTION_UNRECOGNISED).collect()
    }

    #[test]
    fn archive_sections_are_recognised_by_one_list_case_insensitively() {
        for s in [
            "Expired Exceptions",
            "CLOSED",
            "Revoked",
            "Rejected requests",
            "Archive 2025",
            "Archived",
            "Retired",
            "Resolved",
        ] {
            assert!(in_section(s).is_archived(), "{s}");
        }
        for s in ["Active Exceptions", "Pending approval", "Exceptions"] {
            assert!(!in_section(s).is_archived(), "{s}");
        }
    }

    /// The tester's reproduction: each heading renders as a revocation to a reviewer.
    #[test]
    fn every_heading_form_that_renders_as_a_revocation_archives() {
        for h in [
            // Level 1, ATX and setext, after the title.
            "# Revoked Exceptions",
            "Revoked Exceptions\n===",
            "Revoked Exceptions\n---",
            // HTML headings, any case, with attributes, entities, nested tags, wrapped in blocks.
            "<h2>Revoked Exceptions</h2>",
            "<h1>Revoked Exceptions</h1>",
            "<H2 id=\"x\">Re&shy;voked</H2>",
            "<h2>\nRe<b>voked</b> Exceptions\n</h2>",
            "<div>\n<h2>Revoked Exceptions</h2>\n</div>",
            "<h2>Re<!-- x -->voked</h2>",
            "<span><h2>Revoked Exceptions</h2></span>",
            // Nested in a block quote, or indented into the last bullet's list item: still a
            // rendered level-2 heading.
            "> ## Revoked Exceptions",
            "    ## Revoked Exceptions",
            // Invisible characters, as entities and literally.
            "## Re&shy;voked Exceptions",
            "## Re&#173;voked Exceptions",
            "## Re&#x200B;voked Exceptions",
            "## Re\u{00AD}voked Exceptions",
            "## Re\u{200B}voked Exceptions",
            "## Re\u{200D}vo\u{200C}ked Exceptions",
            "## \u{202E}Re\u{200E}voked\u{202C} Exceptions",
            "## Re\u{2060}vo\u{FEFF}ked Exceptions",
            "## Re\u{E0020}voked Exceptions",
            // Inline HTML that renders as nothing, and emphasis.
            "## Re<span></span>voked Exceptions",
            "## Re<!-- -->voked Exceptions",
            "## Re**voked** Exceptions",
            "## REVOKED",
        ] {
            let (e, d) = after_active(h);
            assert!(e.is_archived(), "{h:?} left EXC-005 in force (section {:?})", e.section);
            assert!(sf0406(&d).is_empty(), "{h:?}: {d:?}");
        }
    }

    #[test]
    fn history_synonyms_archive() {
        for h in [
            "Withdrawn",
            "Superseded Exceptions",
            "Cancelled",
            "Canceled",
            "Cancellations",
            "Inactive Exceptions",
            "Obsolete",
            "Lapsed",
            "Terminated",
            "Rescinded",
            "Suspended",
            "Denied",
            "Declined requests",
            "History",
            "Historical exceptions",
            "Invalid",
            "Revocations 2026",
            "No longer in force",
            "Not in force",
        ] {
            let (e, d) = after_active(&format!("## {h}"));
            assert!(e.is_archived(), "{h}");
            assert!(sf0406(&d).is_empty(), "{h}: {d:?}");
        }
    }

    #[test]
    fn an_unrecognised_heading_keeps_exceptions_in_force_with_a_located_warning() {
        for h in [
            "## Widerrufene Ausnahmen",
            "## Payments team",
            "## Not approved",
            "## Approval pending",
            "## \u{0410}ctive Exceptions", // Cyrillic A: looks like `Active`
            "## Unapproved",
            "## ",
        ] {
            let (e, d) = after_active(h);
            assert!(!e.is_archived(), "{h}");
            let w = sf0406(&d);
            assert_eq!(w.len(), 1, "{h}: {d:?}");
            assert_eq!((w[0].level, w[0].pos()), (Level::Warning, Some(Pos::new(11, 1))), "{h}");
            assert!(w[0].message.contains("EXC-005") && w[0].message.contains("in force"), "{}", w[0].message);
            assert!(w[0].hint.as_deref().is_some_and(|h| h.contains("withdrawn") && h.contains("Active")), "{h}");
        }
    }

    #[test]
    fn active_headings_and_code_that_only_shows_a_heading_stay_in_force_silently() {
        for h in [
            "## Active Exceptions",
            "## Current",
            "## Approved exceptions",
            "## In force",
            "## Active Exceptions: Payments team",
            "## Exceptions",
            "# Exception Registry",
            // Not headings when rendered: code, comments, escaped markup.
            "`<h2>Revoked Exceptions</h2>`",
            "```\n## Revoked Exceptions\n<h2>Revoked</h2>\n```",
            "<!-- <h2>Revoked Exceptions</h2> -->",
            "&lt;h2&gt;Revoked&lt;/h2&gt;",
        ] {
            let (e, d) = after_active(h);
            assert!(!e.is_archived(), "{h:?}");
            assert!(sf0406(&d).is_empty(), "{h:?}: {d:?}");
        }
    }

    #[test]
    fn exceptions_before_any_section_are_in_force_and_a_history_title_archives_them() {
        for (title, archived, warned) in [
            ("", false, false),
            ("# Security Exception Registry\n\n", false, false),
            ("# Revoked Exceptions\n\n", true, false),
            ("<h1>Re&shy;voked</h1>\n\n", true, false),
            ("# Widerrufene Ausnahmen\n\n", false, true),
        ] {
            let md = format!("{title}### EXC-001: a\n{ENTRY}");
            let (reg, d) = parse(&SourceFile::new("exceptions.md", md), Level::Warning);
            let e = &reg.exceptions[0];
            assert_eq!((e.is_archived(), sf0406(&d).len() == 1), (archived, warned), "{title:?}: {d:?}");
            // What is archived stays archived when the registry is written back.
            let (again, d2) = parse(&SourceFile::new("exceptions.md", render(&reg)), Level::Warning);
            assert_eq!(again.exceptions[0].is_archived(), archived, "{title:?}: {}", render(&reg));
            assert!(sf0406(&d2).is_empty(), "{}", render(&reg));
        }
    }

    #[test]
    fn team_sections_stay_in_force_with_one_warning_per_heading() {
        let md = format!(
            "# Security Exception Registry\n\n## Payments team\n\n### EXC-001: a\n{ENTRY}\n### EXC-002: b\n{ENTRY}\n## Platform team\n\n### EXC-003: c\n{ENTRY}"
        );
        let (reg, d) = parse(&SourceFile::new("exceptions.md", md), Level::Warning);
        assert_eq!(reg.exceptions.len(), 3);
        assert!(reg.exceptions.iter().all(|e| !e.is_archived()));
        let w = sf0406(&d);
        assert_eq!(w.len(), 2, "{d:?}");
        assert!(w[0].message.contains("`Payments team`") && w[0].message.contains("EXC-001, EXC-002"));
        assert_eq!(w[0].pos(), Some(Pos::new(3, 1)));
        assert!(w[1].message.contains("`Platform team`") && w[1].message.contains("EXC-003"));
        assert_eq!(w[1].pos(), Some(Pos::new(17, 1)));
    }

    #[test]
    fn an_html_entry_heading_is_read_as_an_entry_not_skipped() {
        let md = format!("# R\n\n## Active Exceptions\n\n<h3>EXC-007: html</h3>\n\n{ENTRY}");
        let (reg, d) = parse(&SourceFile::new("exceptions.md", md), Level::Warning);
        assert!(d.is_empty(), "{d:?}");
        let e = reg.get("EXC-007").expect("the HTML heading is an entry");
        assert_eq!((e.title.as_str(), e.spans.at), ("html", Some(Pos::new(5, 1))));
        assert!(!e.is_archived());
    }

    #[test]
    fn section_status_is_the_one_classification() {
        assert_eq!(section_status("Re\u{00AD}voked"), SectionStatus::History);
        assert_eq!(section_status("INACTIVE"), SectionStatus::History);
        assert_eq!(section_status("Active"), SectionStatus::Active);
        assert_eq!(section_status("Security Exception Registry"), SectionStatus::Active);
        assert_eq!(section_status("Exceptions of the payments team"), SectionStatus::Unrecognised);
        assert_eq!(section_status("Aktive Ausnahmen für Zahlungen"), SectionStatus::Unrecognised);
    }
}

/// The attack: text a reader sees struck out (withdrawn) or does not see at all is never read
/// as a value (`SF0407`), and the entry that holds it is not read, so it is not in force.
#[cfg(test)]
mod hidden_text_tests {
    use super::*;

    /// EXC-001 with `field` added, the risk committee's approval on line 9.
    pub(super) fn with(approval: &str, extra: &str) -> (ExceptionRegistry, Vec<Diagnostic>) {
        let md = format!(
            "# R\n\n## Active Exceptions\n\n### EXC-001: t\n- **Policy**: POL-001\n- **Severity**: Critical\n- **Requestor**: a@x\n- **Approval**: {approval}\n- **Valid Until**: 2027-01-31\n{extra}"
        );
        parse(&SourceFile::new("exceptions.md", md), Level::Warning)
    }

    pub(super) fn sf0407(d: &[Diagnostic]) -> Vec<&Diagnostic> {
        d.iter().filter(|d| d.code == codes::EXCEPTION_HIDDEN_TEXT).collect()
    }

    #[test]
    fn a_struck_through_committee_approval_does_not_count() {
        let (reg, d) = with("sec@x, ~~risk@x~~, ciso@x", "");
        assert!(reg.get("EXC-001").is_none(), "a withdrawn approval keeps the exception out of force");
        let e = sf0407(&d);
        assert_eq!(e.len(), 1, "{d:?}");
        assert_eq!((e[0].level, e[0].pos()), (Level::Error, Some(Pos::new(9, 24))));
        assert!(e[0].message.contains("`**Approval**`") && e[0].message.contains("not in force"), "{}", e[0].message);
        assert!(e[0].hint.as_deref().is_some_and(|h| h.contains("Revoked")));
        // Nothing else is reported missing: the field is there, refused.
        assert!(d.iter().all(|x| x.code == codes::EXCEPTION_HIDDEN_TEXT), "{d:?}");
    }

    #[test]
    fn every_form_of_struck_or_hidden_text_in_any_field_keeps_the_exception_out_of_force() {
        for (approval, extra) in [
            ("sec@x, <s>risk@x</s>", ""),
            ("sec@x, <del>risk@x</del>", ""),
            ("sec@x, <strike>risk@x</strike>", ""),
            ("sec@x, <DEL datetime=\"2026-11-01\">risk@x</DEL>", ""),
            ("sec@x, *~~risk@x~~*", ""),
            ("sec@x, <span hidden>risk@x</span>", ""),
            ("sec@x, <span style=\"display:none\">risk@x</span>", ""),
            ("sec@x, <font color=\"white\">risk@x</font>", ""),
            ("sec@x, ![risk@x](pixel.png)", ""),
            ("sec@x, risk@x", "- **Advisories**: CVE-2023-1, ~~CVE-2023-38545~~\n"),
            ("sec@x, risk@x", "- **Advisories**:\n  - CVE-2023-1\n  - <del>CVE-2023-38545</del>\n"),
            ("sec@x, risk@x", "- **Findings**: ~~SF-0001~~\n"),
            ("sec@x, risk@x", "- **Secrets**: ~~src/a.rs:generic-api-key:3~~\n"),
            ("sec@x, risk@x", "- **Justification**: ~~Not needed~~ needed.\n"),
            ("sec@x, risk@x", "- **~~Package~~**: pkg:cargo/time\n"),
            // An HTML block that strikes the bullets after it.
            ("sec@x, risk@x", "\n<del>\n\n- **Advisories**: CVE-2023-38545\n\n</del>\n"),
        ] {
            let (reg, d) = with(approval, extra);
            assert!(reg.get("EXC-001").is_none(), "{approval:?} {extra:?} left EXC-001 in force: {d:?}");
            let e = sf0407(&d);
            assert!(!e.is_empty(), "{approval:?} {extra:?}: {d:?}");
            assert!(e.iter().all(|x| x.level == Level::Error && x.line.is_some() && x.hint.is_some()));
        }
    }

    #[test]
    fn a_struck_through_exception_heading_is_not_read() {
        for heading in [
            "### ~~EXC-005: b~~",
            "### ~~EXC-005~~: b",
            "### EXC-005: <s>b</s>",
            "<h3><del>EXC-005: b</del></h3>",
            "<del>\n\n### EXC-005: b",
        ] {
            let md = format!(
                "# R\n\n## Active Exceptions\n\n{heading}\n- **Policy**: POL-001\n- **Requestor**: a@x\n- **Approval**: b@x\n- **Valid Until**: 2027-01-31\n"
            );
            let (reg, d) = parse(&SourceFile::new("exceptions.md", md), Level::Warning);
            assert!(reg.exceptions.is_empty(), "{heading:?}: {d:?}");
            let e = sf0407(&d);
            assert_eq!(e.len(), 1, "{heading:?}: {d:?}");
            assert!(e[0].message.contains("EXC-005") && e[0].line == Some(5), "{heading:?}: {:?}", e[0]);
        }
    }

    #[test]
    fn comments_plain_formatting_and_mail_links_are_read_as_they_show() {
        let (reg, d) =
            with("sec@x <!-- see JIRA-1 -->, **risk@x**, <b>ciso@x</b>", "- **Justification**: needed<br>now.\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(reg.exceptions[0].approvers, ["sec@x", "risk@x", "ciso@x"]);
        // An e-mail link keeps its address: `Name <addr>` (an autolink) and `[Name](mailto:addr)`.
        let (reg, d) = with("Sam Ops <sec@x>, [Risk](mailto:risk@x), <ciso@x>", "");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(reg.exceptions[0].approvers, ["Sam Ops <sec@x>", "Risk <risk@x>", "<ciso@x>"]);
    }
}

/// Fail-open sweep 3 #12: a link shows one thing and points at another. `[risk@x](mailto:ciso@x)`
/// reads as the risk committee's approval and secfw took the CISO's from it. A mail link whose
/// text is (or contains) another address, or a link with no visible text, is hidden text
/// (`SF0407`), located at the link; any other link is read as its text, never its target.
#[cfg(test)]
mod link_tests {
    use super::hidden_text_tests::{sf0407, with};
    use super::*;

    #[test]
    fn a_mail_link_whose_text_is_another_address_is_refused_at_the_link() {
        // The tester's reproduction.
        let (reg, d) = with("sec@x, [risk@x](mailto:ciso@x)", "");
        assert!(reg.get("EXC-001").is_none(), "the hidden CISO approval must not be read: {:?}", reg.exceptions);
        let e = sf0407(&d);
        assert_eq!(e.len(), 1, "{d:?}");
        assert_eq!((e[0].level, e[0].pos()), (Level::Error, Some(Pos::new(9, 24))));
        assert!(
            e[0].message.contains("`risk@x`")
                && e[0].message.contains("`ciso@x`")
                && e[0].message.contains("not in force"),
            "{}",
            e[0].message
        );
        for approval in [
            "sec@x, [risk@x](MAILTO:ciso@x)",
            "sec@x, [risk@x](mailto:ciso@x?subject=EXC-001)",
            "sec@x, [**risk@x**](mailto:ciso@x)",
            "sec@x, [Risk Committee (risk@x)](mailto:ciso@x)",
            "sec@x, [risk@x.](mailto:ciso@x)",
            "sec@x, [mailto:risk@x](mailto:ciso@x)",
            "sec@x, [risk\u{FF20}x](mailto:ciso@x)",
            "sec@x, [\u{0441}iso@x](mailto:ciso@x)",
            "sec@x, [risk@x, ciso@x](mailto:ciso@x)",
            "sec@x, [risk@x](mailto:ciso%40x)",
            "sec@x, [risk@x](mailto:risk@x,ciso@x)",
            "sec@x, [risk@x][c]",
            // No visible text at all.
            "sec@x, [](mailto:ciso@x)",
            "sec@x, [\u{200b}](mailto:ciso@x)",
            "sec@x, [ ](mailto:ciso@x)",
        ] {
            let (reg, d) = with(approval, "\n[c]: mailto:ciso@x\n");
            assert!(reg.get("EXC-001").is_none(), "{approval:?} read as {:?}", reg.exceptions);
            let e = sf0407(&d);
            assert_eq!(e.len(), 1, "{approval:?}: {d:?}");
            assert_eq!(e[0].line, Some(9), "{approval:?}");
        }
        // In any other field, and in a sub-bullet.
        for extra in [
            "- **Justification**: ask [risk@x](mailto:ciso@x)\n",
            "- **Risk Mitigation**:\n  - reviewed by [risk@x](mailto:ciso@x)\n",
            "- **Findings**: [](mailto:a@SF-0002)\n",
        ] {
            let (reg, d) = with("sec@x, risk@x", extra);
            assert!(reg.get("EXC-001").is_none() && !sf0407(&d).is_empty(), "{extra:?}: {d:?}");
        }
        let (reg, d) = parse(
            &SourceFile::new(
                "exceptions.md",
                "# R\n\n### EXC-001: [risk@x](mailto:ciso@x)\n- **Policy**: POL-001\n- **Requestor**: a@x\n- **Approval**: b@x\n- **Valid Until**: 2027-01-31\n",
            ),
            Level::Warning,
        );
        assert!(reg.exceptions.is_empty() && sf0407(&d).len() == 1, "{d:?}");
    }

    #[test]
    fn mail_links_that_show_their_address_or_a_name_are_read_as_before() {
        for (approval, read) in [
            ("[Jane Doe](mailto:risk@x)", "Jane Doe <risk@x>"),
            ("[risk@x](mailto:RISK@x)", "<RISK@x>"),
            ("[risk@x](mailto:risk@x?subject=EXC-001)", "<risk@x>"),
            ("<risk@x>", "<risk@x>"),
            ("<mailto:risk@x>", "<risk@x>"),
            ("[@jane](mailto:risk@x)", "@jane <risk@x>"),
        ] {
            let (reg, d) = with(&format!("sec@x, {approval}"), "");
            assert!(sf0407(&d).is_empty(), "{approval}: {d:?}");
            assert_eq!(reg.exceptions[0].approvers, ["sec@x", read], "{approval}");
        }
    }

    #[test]
    fn any_other_link_is_read_as_its_text_never_its_target() {
        let (reg, d) = with(
            "sec@x, [risk@x](https://people.example/ciso@x)",
            "- **Findings**: [SF-0001](https://x.example/SF-0002)\n- **Advisories**: [CVE-2023-1](https://nvd.example/CVE-2023-38545)\n- **Package**: [pkg:cargo/time](https://crates.example/crates/evil)\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let e = &reg.exceptions[0];
        assert_eq!(e.approvers, ["sec@x", "risk@x"]);
        assert_eq!(
            (e.findings.as_slice(), e.advisories.as_slice()),
            (&["SF-0001".to_owned()][..], &["CVE-2023-1".to_owned()][..])
        );
        assert_eq!(e.package.as_ref().map(ToString::to_string).as_deref(), Some("pkg:cargo/time"));
        // A mail link whose text is a name never yields its target alone as an id.
        let (reg, d) = with("sec@x, risk@x", "- **Advisories**: [CVE-2023-1](mailto:a@CVE-2023-38545)\n");
        assert!(reg.exceptions.is_empty() && d.iter().any(|d| d.code == codes::EXCEPTION_BAD_VALUE), "{d:?}");
    }
}

/// Fail-open sweep 3 #13: revocations written in forms secfw did not read. An entry inside a
/// `<details>` whose summary is a history heading, under a bold-only line that reads as one
/// (`**Revoked Exceptions**`), or whose own title marks it as history (`REVOKED - ...`) is
/// archived, never silently in force.
#[cfg(test)]
mod pseudo_heading_tests {
    use super::*;

    const ENTRY: &str =
        "- **Policy**: POL-001\n- **Requestor**: a@x\n- **Approval**: b@x\n- **Valid Until**: 2027-01-31\n";

    /// EXC-001 under `## Active Exceptions`, then `between`, then EXC-005 titled `title`, then `after`.
    fn registry(between: &str, title: &str, after: &str) -> (ExceptionRegistry, Vec<Diagnostic>) {
        let md = format!(
            "# Security Exception Registry\n\n## Active Exceptions\n\n### EXC-001: a\n{ENTRY}\n{between}\n\n### EXC-005: {title}\n{ENTRY}{after}"
        );
        parse(&SourceFile::new("exceptions.md", md), Level::Warning)
    }

    fn archived(reg: &ExceptionRegistry, id: &str) -> bool {
        reg.get(id).unwrap_or_else(|| panic!("{id} not read")).is_archived()
    }

    fn sf0406(d: &[Diagnostic]) -> Vec<&Diagnostic> {
        d.iter().filter(|d| d.code == codes::EXCEPTION_SECTION_UNRECOGNISED).collect()
    }

    /// Archived, EXC-001 still in force, nothing to report, and archived again when written back.
    fn assert_only_exc005_archived(reg: &ExceptionRegistry, d: &[Diagnostic], what: &str) {
        assert!(d.is_empty(), "{what}: {d:?}");
        assert!(archived(reg, "EXC-005"), "{what}: EXC-005 left in force");
        assert!(!archived(reg, "EXC-001"), "{what}: EXC-001");
        let (again, _) = parse(&SourceFile::new("exceptions.md", render(reg)), Level::Warning);
        assert!(again.get("EXC-005").is_some_and(Exception::is_archived), "{what}: {}", render(reg));
        assert!(again.get("EXC-001").is_some_and(|e| !e.is_archived()), "{what}: {}", render(reg));
    }

    #[test]
    fn a_collapsed_details_block_with_a_history_summary_archives_the_entries_in_it() {
        for (open, close) in [
            // The tester's reproduction.
            ("<details><summary>Revoked exceptions (do not use)</summary>", "\n</details>\n"),
            ("<details>\n<summary>Re&shy;voked</summary>", "\n</details>\n"),
            ("<details open>\n\n<summary><b>Withdrawn</b></summary>", "\n</details>\n"),
            ("<DETAILS><SUMMARY>Expired</SUMMARY>", "\n</DETAILS>\n"),
            // Never closed: the rest of the document is in it.
            ("<details><summary>Revoked</summary>", ""),
            ("<div><details><summary>Revoked</summary>", ""),
        ] {
            let (reg, d) = registry(open, "b", close);
            assert_only_exc005_archived(&reg, &d, open);
        }
        // Closed before the next entry: that entry is in force.
        let (reg, d) = registry(
            "<details><summary>Revoked</summary>\n\n### EXC-004: c\n- **Policy**: POL-001\n- **Requestor**: a@x\n- **Approval**: b@x\n- **Valid Until**: 2027-01-31\n\n</details>",
            "b",
            "",
        );
        assert!(d.is_empty(), "{d:?}");
        assert!(archived(&reg, "EXC-004") && !archived(&reg, "EXC-005") && !archived(&reg, "EXC-001"));
    }

    #[test]
    fn other_details_summaries_are_read_like_other_headings() {
        // An unrecognised summary over entries keeps them in force, with SF0406 at the summary.
        let (reg, d) = registry("<details><summary>Payments team</summary>", "b", "\n</details>\n");
        assert!(!archived(&reg, "EXC-005"));
        let w = sf0406(&d);
        assert_eq!((w.len(), w[0].pos()), (1, Some(Pos::new(11, 1))), "{d:?}");
        assert!(w[0].message.contains("`Payments team`") && w[0].message.contains("EXC-005"), "{}", w[0].message);
        let (reg, d) = registry("<details><summary>Active Exceptions</summary>", "b", "\n</details>\n");
        assert!(d.is_empty() && !archived(&reg, "EXC-005"), "{d:?}");
        // A `<details>` in an HTML comment or a code block is not rendered.
        for hidden in ["<!-- <details><summary>Revoked</summary> -->", "```\n<details><summary>Revoked</summary>\n```"]
        {
            let (reg, d) = registry(hidden, "b", "");
            assert!(d.is_empty() && !archived(&reg, "EXC-005"), "{hidden}: {d:?}");
        }
    }

    #[test]
    fn a_details_block_with_a_history_summary_inside_an_entry_archives_that_entry() {
        let (reg, d) = registry(
            "",
            "b",
            "\n<details><summary>Revoked on 2026-11-01</summary>\n\nCISO withdrew it.\n\n</details>\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert!(archived(&reg, "EXC-005") && !archived(&reg, "EXC-001"));
    }

    #[test]
    fn a_bold_line_that_reads_as_a_history_heading_archives_the_entries_below_it() {
        for label in [
            // The tester's reproduction.
            "**Revoked Exceptions**",
            "__Revoked Exceptions__",
            "***Revoked***",
            "*Revoked Exceptions*",
            "**Revoked** **Exceptions:**",
            "**Re&shy;voked**",
            "<b>Revoked</b>",
            "<strong>Revoked exceptions</strong>",
            "<p><b>Withdrawn</b></p>",
            "<div align=\"center\"><b>REVOKED</b></div>",
        ] {
            let (reg, d) = registry(label, "b", "");
            assert_only_exc005_archived(&reg, &d, label);
        }
        // Between the entry heading and its bullets, it labels that entry.
        let md = format!("# R\n\n## Active Exceptions\n\n### EXC-005: b\n\n**Revoked**\n\n{ENTRY}");
        let (reg, d) = parse(&SourceFile::new("exceptions.md", md), Level::Warning);
        assert!(d.is_empty() && archived(&reg, "EXC-005"), "{d:?}");
        // A later section heading ends it.
        let (reg, d) = registry("**Revoked**", "b", &format!("\n## Active Exceptions\n\n### EXC-006: c\n{ENTRY}"));
        assert!(d.is_empty() && archived(&reg, "EXC-005") && !archived(&reg, "EXC-006"), "{d:?}");
    }

    #[test]
    fn bold_text_that_is_not_a_history_heading_changes_nothing() {
        for text in [
            "**Payments team**",
            "**Note:** the entries below are reviewed monthly; closed ones move down.",
            "Revoked exceptions are listed at the end.",
            "`**Revoked**`",
            "\\*\\*Revoked\\*\\*",
        ] {
            let (reg, d) = registry(text, "b", "");
            assert!(d.is_empty(), "{text}: {d:?}");
            assert!(!archived(&reg, "EXC-005"), "{text}");
        }
    }

    #[test]
    fn an_entry_whose_own_title_marks_it_as_history_is_archived() {
        for title in [
            // The tester's reproduction.
            "REVOKED - No Certificate Pinning in Legacy Android Build",
            "Revoked: No Certificate Pinning",
            "[Revoked] No Certificate Pinning",
            "No Certificate Pinning (expired 2026-11-01)",
            "No Certificate Pinning \u{2013} withdrawn",
            "No Certificate Pinning | Superseded by EXC-009",
            "No Certificate Pinning \u{2014} NO LONGER IN FORCE",
            "REVOKED No Certificate Pinning",
            "No Certificate Pinning (RE\u{200b}VOKED)",
            "**REVOKED** No Certificate Pinning",
            "Revoked",
        ] {
            let (reg, d) = registry("", title, "");
            assert_only_exc005_archived(&reg, &d, title);
        }
        // Under an unrecognised heading: archived, and not reported as read in force.
        let md = format!("# R\n\n## Payments team\n\n### EXC-005: REVOKED - b\n{ENTRY}");
        let (reg, d) = parse(&SourceFile::new("exceptions.md", md), Level::Warning);
        assert!(archived(&reg, "EXC-005") && sf0406(&d).is_empty(), "{d:?}");
    }

    #[test]
    fn a_history_word_in_the_running_text_of_a_title_is_not_a_marker() {
        for title in [
            "Legacy Archive Encryption Waiver",
            "Expired one",
            "Closed-source SDK without SBOM",
            "Invalid input handling in the importer",
            "Secrets in git history of the mobile app",
            "Resolved hostnames are not pinned",
        ] {
            let (reg, d) = registry("", title, "");
            assert!(d.is_empty(), "{title}: {d:?}");
            assert!(!archived(&reg, "EXC-005"), "{title}");
        }
    }
}

/// The attack: an exception nested under a history heading deeper than level 2 (`### Revoked
/// Exceptions` above `#### EXC-010`) is archived, like one under `## Revoked Exceptions`.
#[cfg(test)]
mod nested_section_tests {
    use super::*;

    const ENTRY: &str =
        "- **Policy**: POL-001\n- **Requestor**: a@x\n- **Approval**: b@x\n- **Valid Until**: 2027-01-31\n";

    fn parse_md(body: &str) -> (ExceptionRegistry, Vec<Diagnostic>) {
        let md = format!("# Security Exception Registry\n\n## Active Exceptions\n\n### EXC-001: a\n{ENTRY}\n{body}");
        parse(&SourceFile::new("exceptions.md", md), Level::Warning)
    }

    #[test]
    fn a_revoked_subsection_archives_the_exceptions_nested_below_it() {
        for body in [
            format!("### Revoked Exceptions\n\n#### EXC-010: lvl4\n{ENTRY}"),
            format!("### Revoked Exceptions\n\n#### Payments team\n\n##### EXC-010: lvl5\n{ENTRY}"),
            format!("#### Withdrawn\n\n##### EXC-010: lvl5\n{ENTRY}"),
            format!("<h3>Re&shy;voked</h3>\n\n<h4>EXC-010: html</h4>\n\n{ENTRY}"),
            format!("### Re\u{200b}voked\n\n#### EXC-010: lvl4\n{ENTRY}"),
            format!("### Payments team\n\n#### Revoked\n\n##### EXC-010: lvl5\n{ENTRY}"),
        ] {
            let (reg, d) = parse_md(&body);
            assert!(d.is_empty(), "{body}: {d:?}");
            let e = reg.get("EXC-010").unwrap_or_else(|| panic!("{body}"));
            assert!(e.is_archived(), "{body}: EXC-010 in force under section {:?}", e.section);
            assert!(!reg.get("EXC-001").is_some_and(Exception::is_archived), "{body}");
            // Written back, it stays archived.
            let (again, _) = parse(&SourceFile::new("exceptions.md", render(&reg)), Level::Warning);
            assert!(again.get("EXC-010").is_some_and(Exception::is_archived), "{}", render(&reg));
        }
    }

    #[test]
    fn a_history_heading_above_a_team_subsection_still_archives() {
        let md = format!(
            "# Security Exception Registry\n\n## Revoked Exceptions\n\n### Payments team\n\n#### EXC-010: x\n{ENTRY}"
        );
        let (reg, d) = parse(&SourceFile::new("exceptions.md", md), Level::Warning);
        assert!(d.is_empty(), "{d:?}");
        assert!(reg.get("EXC-010").is_some_and(Exception::is_archived));
    }

    #[test]
    fn other_subsections_keep_exceptions_in_force_and_say_so() {
        let (reg, d) = parse_md(&format!("### Payments team\n\n#### EXC-010: x\n{ENTRY}"));
        assert!(reg.get("EXC-010").is_some_and(|e| !e.is_archived()));
        let w: Vec<&Diagnostic> = d.iter().filter(|d| d.code == codes::EXCEPTION_SECTION_UNRECOGNISED).collect();
        assert_eq!((w.len(), w[0].pos()), (1, Some(Pos::new(11, 1))), "{d:?}");
        let (reg, d) = parse_md(&format!("### Active Exceptions: payments\n\n#### EXC-010: x\n{ENTRY}"));
        assert!(d.is_empty() && reg.get("EXC-010").is_some_and(|e| !e.is_archived()), "{d:?}");
    }

    #[test]
    fn a_history_heading_with_nothing_nested_below_it_is_still_a_bad_heading() {
        // Same level: EXC-010 is not nested under it. The heading is an error, which makes
        // `exceptions check`, `compile` and `vex` fail closed.
        let (_, d) = parse_md(&format!("### Revoked Exceptions\n\n### EXC-010: x\n{ENTRY}"));
        let bad: Vec<&Diagnostic> = d.iter().filter(|d| d.code == codes::EXCEPTION_BAD_HEADING).collect();
        assert_eq!((bad.len(), bad[0].level, bad[0].pos()), (1, Level::Error, Some(Pos::new(11, 1))), "{d:?}");
    }
}
