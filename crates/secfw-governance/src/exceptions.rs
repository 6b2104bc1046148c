//! Exception policy (seed §6.3): required content, the maximum validity window, approvals by
//! severity and kind, requestor ≠ approver, expiry warnings, expiry and staleness.
//!
//! Time rules: `now` is explicit (UTC). `Valid Until` is valid through the end of that day,
//! UTC. The window is counted in calendar days from `Approved On` to `Valid Until`. An exception
//! with no `Approved On` gets a warning ([`codes::EXCEPTION_NO_APPROVAL_DATE`]) and the window is
//! checked against `now` instead: approval cannot be later than today, so an expiry more than
//! `max_days` after today is certainly too long (an error); anything shorter cannot be proven
//! too long and passes with the warning.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use secfw_artifacts::Purl;
use secfw_artifacts::file_names;
use secfw_artifacts::model::rulebook::Rulebook;
use secfw_artifacts::{Diagnostic, FindingStatus, Severity};
use secfw_artifacts::{Exception, ExceptionKind};
use serde::Serialize;

use crate::codes;

/// Whether an exception can except findings at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExceptionState {
    /// In force: not expired and every requirement met.
    Valid,
    /// Past its `Valid Until` day; its findings count again.
    Expired,
    /// Not expired, but a requirement is unmet (approval, window, content); it excepts nothing.
    Invalid,
    /// Listed under a `##` section that marks it as history (`## Revoked Exceptions`,
    /// `## Expired Exceptions`, ...: [`Exception::is_archived`]): never in force, whatever its
    /// dates and approvals; it excepts nothing and is not checked further.
    Archived,
}

impl std::fmt::Display for ExceptionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ExceptionState {
    /// snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::Invalid => "invalid",
            Self::Archived => "archived",
        }
    }
}

/// An approver role of the rulebook's exception policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApproverRole {
    /// `exceptions.approvers.security_team`: every exception.
    SecurityTeam,
    /// `exceptions.approvers.risk_committee`: high and critical exceptions.
    RiskCommittee,
    /// `exceptions.approvers.ciso`: policy deviations.
    Ciso,
}

impl ApproverRole {
    /// snake_case name as in the rulebook.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SecurityTeam => "security_team",
            Self::RiskCommittee => "risk_committee",
            Self::Ciso => "ciso",
        }
    }
}

/// The evaluation of one exception at `now`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ExceptionEval {
    /// `EXC-NNN`.
    pub id: String,
    /// The excepted policy.
    pub policy: String,
    /// Valid, expired, invalid or archived.
    pub state: ExceptionState,
    /// The last instant it is valid (end of the `Valid Until` day, UTC).
    pub expires_at: DateTime<Utc>,
    /// Calendar days from today (UTC) to `Valid Until` (negative once expired).
    pub days_left: i64,
    /// The severity it is judged by (approvals): the most severe of its `**Severity**` and the
    /// severities of every ledger finding it matches, in any status ([`effective_severity`]);
    /// unknown (the strictest approvals apply) when no finding in the ledger matches it and it
    /// declares no severity, or declares one below what needs the risk committee. A declared
    /// severity is never trusted below what it covers, nor on its own.
    pub severity: Option<Severity>,
    /// Roles whose approval is required and has an approver list in the rulebook (none for an
    /// archived exception).
    pub required_roles: Vec<ApproverRole>,
    /// Ids of open or accepted findings it matches (by `exception_ref` or `**Findings**`).
    pub matched_findings: Vec<String>,
    /// `true` when it matches no open or accepted finding (never for an archived exception:
    /// history is not stale).
    pub stale: bool,
    /// Every problem found, located in `exceptions.md`.
    pub diagnostics: Vec<Diagnostic>,
}

impl ExceptionEval {
    /// `true` when the exception excepts findings at `now`.
    pub fn is_valid(&self) -> bool {
        self.state == ExceptionState::Valid
    }
}

/// The person an `**Approval**` or `**Requestor**` entry, or a rulebook approver, names, as
/// compared for approvals — the one home of identity comparison:
///
/// - invisible characters ([`secfw_artifacts::is_invisible`]: zero-width spaces and joiners,
///   soft hyphen, bidi marks, ...) are removed and white space collapsed;
/// - the address is taken out of `Name <addr>` (an e-mail autolink, kept by the reader as
///   `Name <addr>`), `<addr>`, `[Name](mailto:addr)` and `mailto:addr`;
/// - trailing punctuation (`.`, `,`, `;`, `:`) is dropped, and case is folded.
///
/// Anything else stays part of the identity: `risk@x (pending)` is not `risk@x`, so an approval
/// with words around it counts for no role (fail closed); [`same_person`] is the looser reading
/// used where a match makes things stricter (self-approval).
///
/// Role approvals ([`approved_by`]) compare this identity exactly: no Unicode normalisation, no
/// look-alike (confusable) mapping, no `+tag` removal, so an approver written `ｃｉｓｏ@x`,
/// `сiso@x` (Cyrillic `с`) or `ciso+x@x` is not `ciso@x` and never counts for a role whose list
/// has `ciso@x`. Only [`same_person`] widens, because there a match makes the check stricter.
pub fn identity(entry: &str) -> String {
    let visible: String = entry.chars().filter(|c| !secfw_artifacts::is_invisible(*c)).collect();
    let mut s = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    let trim_end = |s: &mut String| {
        while s.ends_with(['.', ',', ';', ':']) || s.ends_with(char::is_whitespace) {
            s.pop();
        }
    };
    trim_end(&mut s);
    if let Some(inner) = s.strip_suffix('>').and_then(|b| b.rsplit_once('<')).map(|(_, a)| a.trim().to_owned()) {
        s = inner;
    }
    if let Some(addr) =
        s.split_at_checked(7).filter(|(p, _)| p.eq_ignore_ascii_case("mailto:")).map(|(_, a)| a.trim().to_owned())
    {
        s = addr;
    }
    trim_end(&mut s);
    s.to_lowercase()
}

/// The e-mail addresses written anywhere in `entry` (`Sam <a@x>`, `a@x (AppSec)`, `mailto:a@x`,
/// `a@x.`), each as [`identity`] reads it and then widened to the mailbox it reaches
/// ([`mailbox`]). `entry` is [`loose`] already.
fn addresses(entry: &str) -> Vec<String> {
    entry
        .split(|c: char| c.is_whitespace() || "<>()[]{},;'`".contains(c))
        .map(identity)
        .filter_map(|t| mailbox(&t))
        .collect()
}

/// An address as the mailbox it reaches: a quoted local part unquoted (`"ops"@x`, RFC 5321),
/// a `+tag` sub-address removed (`ops+req@x`). `None` when `addr` is not an address.
fn mailbox(addr: &str) -> Option<String> {
    let (local, domain) = addr.rsplit_once('@')?;
    let local: String = local.chars().filter(|c| !matches!(c, '"' | '\\')).collect();
    let local = local.split('+').next().unwrap_or_default();
    (!local.is_empty() && !domain.is_empty()).then(|| format!("{local}@{domain}"))
}

/// `text` as the self-approval check reads it, wider than [`identity`]: invisible characters
/// removed, NFKC-normalised (full-width `ａｐｐｓｅｃ＠x` is `appsec@x`, `ﬁ` is `fi`), and each
/// Cyrillic or Greek letter that looks like a Latin one replaced by it ([`latin_look_alike`]:
/// `аppsec` with a Cyrillic `а` is `appsec`), the skeleton of Unicode's confusable detection
/// (UTS #39) for these scripts.
fn loose(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    text.chars()
        .filter(|c| !secfw_artifacts::is_invisible(*c))
        .nfkc()
        .filter(|c| !secfw_artifacts::is_invisible(*c))
        .map(|c| latin_look_alike(c).unwrap_or(c))
        .collect()
}

/// Cyrillic and Greek letters (and Latin letters of other shapes) drawn like a Latin letter, by
/// the Latin letter they pass for (UTS #39 `confusables.txt`, the letters that pass for ASCII).
const LOOK_ALIKES: [(char, &str); 44] = [
    ('a', "\u{0430}\u{03B1}\u{0251}"),
    ('A', "\u{0410}\u{0391}"),
    ('b', "\u{044C}\u{03B2}"),
    ('B', "\u{0412}\u{0392}"),
    ('c', "\u{0441}\u{03F2}"),
    ('C', "\u{0421}\u{03F9}"),
    ('d', "\u{0501}"),
    ('e', "\u{0435}\u{0451}\u{03B5}"),
    ('E', "\u{0415}\u{0395}"),
    ('g', "\u{0261}"),
    ('G', "\u{050C}"),
    ('h', "\u{04BB}"),
    ('H', "\u{041D}\u{0397}"),
    ('i', "\u{0456}\u{0457}\u{03B9}\u{0131}\u{0269}"),
    ('I', "\u{0406}\u{0399}"),
    ('j', "\u{0458}\u{03F3}"),
    ('J', "\u{0408}"),
    ('k', "\u{043A}\u{03BA}"),
    ('K', "\u{041A}\u{039A}"),
    ('l', "\u{04CF}\u{04C0}\u{029F}"),
    ('m', "\u{043C}"),
    ('M', "\u{041C}\u{039C}"),
    ('n', "\u{043F}\u{03B7}"),
    ('N', "\u{039D}"),
    ('o', "\u{043E}\u{03BF}"),
    ('O', "\u{041E}\u{039F}"),
    ('p', "\u{0440}\u{03C1}"),
    ('P', "\u{0420}\u{03A1}"),
    ('q', "\u{051B}"),
    ('Q', "\u{051A}"),
    ('r', "\u{0433}"),
    ('s', "\u{0455}"),
    ('S', "\u{0405}"),
    ('t', "\u{0442}\u{03C4}"),
    ('T', "\u{0422}\u{03A4}"),
    ('u', "\u{03C5}"),
    ('v', "\u{03BD}"),
    ('w', "\u{051D}"),
    ('W', "\u{051C}"),
    ('x', "\u{0445}\u{03C7}"),
    ('X', "\u{0425}\u{03A7}"),
    ('y', "\u{0443}\u{04AF}\u{03B3}"),
    ('Y', "\u{0423}\u{04AE}\u{03A5}"),
    ('Z', "\u{0396}"),
];

/// The Latin letter `c` is drawn like, when it is one of [`LOOK_ALIKES`].
fn latin_look_alike(c: char) -> Option<char> {
    LOOK_ALIKES.iter().find(|(_, alikes)| alikes.contains(c)).map(|(latin, _)| *latin)
}

/// Do `a` and `b` name the same person? The same [`identity`], or — read loosely (NFKC,
/// look-alike letters as the Latin ones they pass for) — the same identity or an e-mail
/// address reaching the same mailbox (quoted local part unquoted, `+tag` removed).
/// So `Sam Ops <ops@x>`, `ops@x (AppSec)`, `ops\u{200b}@x.`, `ops+req@x`, `"ops"@x`,
/// `ｏｐｓ＠x` and `оps@x` (Cyrillic `о`) are all `ops@x`.
///
/// Used only where a match makes the check stricter: the requestor among the approvers
/// ([`codes::EXCEPTION_SELF_APPROVED`]); a false match only refuses an exception. Role
/// approvals stay exact ([`identity`], [`approved_by`]).
pub fn same_person(a: &str, b: &str) -> bool {
    let (ia, ib) = (identity(a), identity(b));
    if !ia.is_empty() && ia == ib {
        return true;
    }
    let (la, lb) = (loose(a), loose(b));
    let (ia, ib) = (identity(&la), identity(&lb));
    if !ia.is_empty() && ia == ib {
        return true;
    }
    let theirs = addresses(&lb);
    addresses(&la).iter().any(|x| theirs.contains(x))
}

/// Is one of the exception's approvers on `list` (the rulebook's approvers of one role), by
/// [`identity`]? The one rule for "this role approved"; ticket sync asks it too.
///
/// Exact on the normalised address, on purpose: none of [`same_person`]'s widening (NFKC,
/// look-alike letters, `+tag` removal, unquoting) applies here, so a look-alike or sub-addressed
/// spelling of an approver never counts for their role (fail closed).
pub fn approved_by(e: &Exception, list: &[String]) -> bool {
    e.approvers.iter().map(|a| identity(a)).any(|a| !a.is_empty() && list.iter().any(|l| identity(l) == a))
}

/// The package a finding or a scanner suppression names, for [`covers`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PackageRef {
    /// The package's purl, when the source gives one (then type and namespace must match too).
    pub purl: Option<Purl>,
    /// The package name as the scanner prints it (`name`, `@scope/name`, `group:artifact`).
    pub name: String,
    /// The version, when known.
    pub version: Option<String>,
}

impl PackageRef {
    /// A package by name, with its version and purl when known.
    pub fn new(name: impl Into<String>, version: Option<String>, purl: Option<Purl>) -> Self {
        Self { purl, name: name.into(), version }
    }

    /// The package a finding's resource location names (`pkg:...@v` or `name@version`).
    pub fn from_location(location: &str) -> Option<Self> {
        secfw_artifacts::package_of_location(location).map(|(purl, name, version)| Self { purl, name, version })
    }

    /// The version as the package's type orders it, what [`covers`] compares with a range: with
    /// the purl's `epoch` qualifier in it (`pkg:rpm/redhat/openssl@3.0.9-1.el9?epoch=1` is
    /// `1:3.0.9-1.el9`, see [`Purl::version_with_epoch`]). `None` when the version is unknown
    /// or cannot be compared (an epoch given twice and disagreeing, an epoch on a type without
    /// one): then only `*` or no `**Versions**` covers it.
    pub fn comparable_version(&self) -> Option<String> {
        let v = self.version.as_deref()?;
        match &self.purl {
            Some(p) => p.version_with_epoch(v),
            None => Some(v.trim().to_owned()),
        }
    }
}

/// Does exception `e` target `advisory` on `package`? The one home of target matching (used
/// by governance for findings and by the suppression compiler and drift gate for scanner
/// ignore entries). Validity at `now` is a separate question ([`evaluate_exception`]).
///
/// - the advisory must be one of `**Advisories**` (case-insensitive);
/// - with `**Package**`, the package must be known and be that package: by purl (type,
///   namespace, name) when the subject gives one, else by the name scanners print;
/// - with `**Versions**` (other than `*`), the version must be known and in the range, read as
///   the package's type orders it ([`PackageRef::comparable_version`]: an `rpm`/`deb` purl's
///   `?epoch=` is part of it).
///
/// A subject with no package (an id-only ignore entry) is covered only by an exception without
/// `**Package**`; see [`covers_advisory`] for the widened reading of id-only formats.
pub fn covers(e: &Exception, advisory: &str, package: Option<&PackageRef>) -> bool {
    if !covers_advisory(e, advisory) {
        return false;
    }
    let Some(want) = &e.package else { return true };
    let Some(have) = package else { return false };
    let same = match &have.purl {
        Some(p) => want.same_package(p),
        None => {
            want.display_name() == have.name
                || (want.ty == "pypi" && want.same_package(&Purl::new("pypi", None, have.name.clone(), None)))
        }
    };
    same && e.versions.as_ref().is_none_or(|r| r.is_any() || have.comparable_version().is_some_and(|v| r.contains(&v)))
}

/// `true` when `advisory` is one of the exception's `**Advisories**` (case-insensitive),
/// whatever package and versions it is narrowed to.
pub fn covers_advisory(e: &Exception, advisory: &str) -> bool {
    e.advisories.iter().any(|a| a.eq_ignore_ascii_case(advisory.trim()))
}

/// A ledger finding an exception matches (by the finding's `exception_ref`, the exception's
/// `**Findings**` or its advisory targets), in any status: the open and accepted ones are what
/// it excepts now; resolved and false-positive ones are the ledger's history of how severe what
/// it targets is (a finding that a compiled ignore hid is resolved by the next full scan).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MatchedFinding {
    /// `finding_id`.
    pub id: String,
    /// The finding's severity.
    pub severity: Severity,
    /// The finding's status.
    pub status: FindingStatus,
}

impl MatchedFinding {
    /// A matched finding.
    pub fn new(id: impl Into<String>, severity: Severity, status: FindingStatus) -> Self {
        Self { id: id.into(), severity, status }
    }

    /// Open or accepted: a finding the exception excepts now (the others are history).
    pub fn is_live(&self) -> bool {
        matches!(self.status, FindingStatus::Open | FindingStatus::Accepted)
    }

    /// `F-1 (critical)`, or `F-1 (critical, resolved)` for history.
    fn describe(&self) -> String {
        if self.is_live() {
            format!("{} ({})", self.id, self.severity)
        } else {
            format!("{} ({}, {})", self.id, self.severity, self.status)
        }
    }
}

/// The least severe severity whose exceptions need the risk committee (and so the tier an
/// unknown severity is approved at).
const COMMITTEE_FROM: Severity = Severity::High;

/// Does an exception judged at `severity` need the risk committee? High, critical and unknown.
fn needs_committee(severity: Option<Severity>) -> bool {
    // `Severity` orders most severe first.
    severity.is_none_or(|s| s <= COMMITTEE_FROM)
}

/// Evaluate one exception. `matched` are the ledger findings it matches, in any status (see
/// [`MatchedFinding`]): every one of them sets the severity it is judged at; the open and
/// accepted ones are its `matched_findings` and decide staleness.
///
/// The one home of whether an exception is in force: an archived exception
/// ([`Exception::is_archived`], e.g. under `## Revoked Exceptions`) is
/// [`ExceptionState::Archived`] and excepts nothing, whatever its dates and approvals; every
/// other one is judged by the most severe of its declared `**Severity**` and its matched
/// findings in any status ([`effective_severity`]), and a declared severity below a matched
/// finding's is an error ([`codes::EXCEPTION_SEVERITY_UNDERSTATED`]) that makes it invalid. With
/// no finding in the ledger to back it, a declaration below High is not trusted: the exception
/// is of unknown severity and needs the risk committee ([`codes::EXCEPTION_NEEDS_RISK_COMMITTEE`]).
pub fn evaluate_exception(
    e: &Exception,
    rb: &Rulebook,
    matched: &[MatchedFinding],
    now: DateTime<Utc>,
) -> ExceptionEval {
    let today = now.date_naive();
    let policy = &rb.exceptions;
    let mut diags = Vec::new();
    let expires_at = e.valid_until.end_of_day();
    let days_left = (e.valid_until.0 - today).num_days();
    let expired = now > expires_at;
    let severity = effective_severity(e, matched);
    let live: Vec<&MatchedFinding> = matched.iter().filter(|m| m.is_live()).collect();
    let matched_findings = live.iter().map(|m| m.id.clone()).collect();

    if e.is_archived() {
        return ExceptionEval {
            id: e.id.clone(),
            policy: e.policy.clone(),
            state: ExceptionState::Archived,
            expires_at,
            days_left,
            severity,
            required_roles: Vec::new(),
            matched_findings,
            stale: false,
            diagnostics: Vec::new(),
        };
    }

    check_content(e, &mut diags);
    check_validity_window(e, policy, today, &mut diags);
    check_declared_severity(e, matched, &mut diags);
    check_not_self_approved(e, &mut diags);
    let required_roles = check_approvers(e, policy, severity, &mut diags);
    check_expiry(e, policy, &live, expired, days_left, &mut diags);
    let stale = live.is_empty();
    if stale {
        diags.push(stale_diagnostic(e, matched));
    }

    let state = if expired {
        ExceptionState::Expired
    } else if diags.iter().any(Diagnostic::is_error) {
        ExceptionState::Invalid
    } else {
        ExceptionState::Valid
    };
    ExceptionEval {
        id: e.id.clone(),
        policy: e.policy.clone(),
        state,
        expires_at,
        days_left,
        severity,
        required_roles,
        matched_findings,
        stale,
        diagnostics: diags,
    }
}

/// The severity an exception is judged by (approvals, and anything else that depends on
/// severity): the most severe of its declared `**Severity**` and the severities of every ledger
/// finding it matches, in any status. A declaration can raise the bar, never lower it below
/// what the exception covers, and is never trusted on its own: when no finding in the ledger
/// matches (a pre-emptive exception for an advisory secfw has never recorded), a declaration
/// below High counts for nothing and the severity is unknown (`None`, the strictest approvals).
///
/// History counts whether or not live findings match too: judging by the live findings while
/// there are any and by history once they are gone would flip an exception between valid and
/// invalid as its own compiled ignore hides (and ingest resolves) its findings.
pub fn effective_severity(e: &Exception, matched: &[MatchedFinding]) -> Option<Severity> {
    if matched.is_empty() {
        return e.severity.filter(|s| needs_committee(Some(*s)));
    }
    // `Severity` orders most severe first.
    e.severity.into_iter().chain(matched.iter().map(|m| m.severity)).min()
}

/// A declared `**Severity**` below the severity of a finding the exception matches understates
/// the risk the approvers signed off: an error (the exception is invalid until the declaration
/// is corrected and approved at the real severity).
///
/// Every matched finding counts, in any status: a resolved finding (fixed, or hidden by a
/// compiled ignore and so resolved by the next scan) still says how severe what the exception
/// targets is.
fn check_declared_severity(e: &Exception, matched: &[MatchedFinding], diags: &mut Vec<Diagnostic>) {
    let Some(declared) = e.severity else { return };
    let above: Vec<&MatchedFinding> = matched.iter().filter(|m| m.severity < declared).collect();
    let Some(worst) = above.iter().map(|m| m.severity).min() else { return };
    let id = e.id.as_str();
    let list = listing(&above);
    diags.push(
        Diagnostic::error(
            codes::EXCEPTION_SEVERITY_UNDERSTATED,
            file_names::EXCEPTIONS,
            format!(
                "{id} declares `**Severity**: {}` but matches more severe findings: {list}; it is judged as {worst} and excepts nothing until corrected",
                as_written(declared)
            ),
        )
        .at(e.spans.field("severity").or(e.spans.at))
        .with_hint(format!(
            "set `**Severity**` to {} (the most severe finding it covers, in any status: a resolved finding still says how severe its advisory is) and get the approvals a {worst} exception needs, or narrow it (`**Findings**`, `**Package**`, `**Versions**`) so it no longer covers the more severe findings",
            as_written(worst)
        )),
    );
}

/// The first few matched findings, described (a registry entry can match a great many).
fn listing(matched: &[&MatchedFinding]) -> String {
    const LISTED: usize = 10;
    let mut list = matched.iter().take(LISTED).map(|m| m.describe()).collect::<Vec<_>>().join(", ");
    if matched.len() > LISTED {
        let _ = write!(list, " and {} more", matched.len() - LISTED);
    }
    list
}

/// A severity as `exceptions.md` spells it (`Critical`, `High`, ...).
const fn as_written(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

/// The content seed §6.3 requires: a business justification, a risk assessment and
/// compensating controls.
fn check_content(e: &Exception, diags: &mut Vec<Diagnostic>) {
    let f = file_names::EXCEPTIONS;
    let id = e.id.as_str();
    if e.justification.as_deref().is_none_or(|s| s.trim().is_empty()) {
        diags.push(
            Diagnostic::error(codes::EXCEPTION_NO_JUSTIFICATION, f, format!("{id} has no business justification"))
                .at(e.spans.at)
                .with_hint(format!("add `- **Justification**: why the risk must be accepted` under {id}")),
        );
    }
    if e.risk_assessment.as_deref().is_none_or(|s| s.trim().is_empty()) {
        diags.push(
            Diagnostic::error(codes::EXCEPTION_NO_RISK_ASSESSMENT, f, format!("{id} has no risk assessment"))
                .at(e.spans.at)
                .with_hint(format!("add `- **Risk Assessment**: likelihood, impact, residual risk` under {id}")),
        );
    }
    if e.risk_mitigation.iter().all(|s| s.trim().is_empty()) {
        diags.push(
            Diagnostic::error(
                codes::EXCEPTION_NO_CONTROLS,
                f,
                format!("{id} has no compensating controls (`**Risk Mitigation**` is empty or missing)"),
            )
            .at(e.spans.at)
            .with_hint("list the compensating controls as sub-bullets of `- **Risk Mitigation**:`"),
        );
    }
}

/// The validity window: approved no later than today and no later than its expiry, and valid
/// for at most `max_days` after approval (or from today, when it has no approval date).
fn check_validity_window(
    e: &Exception,
    policy: &secfw_artifacts::model::rulebook::ExceptionPolicy,
    today: chrono::NaiveDate,
    diags: &mut Vec<Diagnostic>,
) {
    let f = file_names::EXCEPTIONS;
    let id = e.id.as_str();
    let at = |field: &str| e.spans.field(field);
    let max = i64::from(policy.max_days);
    if let Some(appr) = e.approved_on {
        let len = (e.valid_until.0 - appr.0).num_days();
        if appr.0 > today {
            diags.push(
                Diagnostic::error(
                    codes::EXCEPTION_NOT_YET_APPROVED,
                    f,
                    format!("{id} is approved on {appr}, after today ({today}); it is not in force yet"),
                )
                .at(at("approved_on"))
                .with_hint("an approval date cannot be in the future; correct `**Approved On**`"),
            );
        } else if len < 0 {
            diags.push(
                Diagnostic::error(
                    codes::EXCEPTION_NOT_YET_APPROVED,
                    f,
                    format!("{id} is approved on {appr}, after its expiry {}", e.valid_until),
                )
                .at(at("approved_on"))
                .with_related(f, at("valid_until"), "Valid Until")
                .with_hint("correct `**Approved On**` or `**Valid Until**`"),
            );
        }
        if len > max {
            diags.push(
                Diagnostic::error(
                    codes::EXCEPTION_TOO_LONG,
                    f,
                    format!(
                        "{id} is valid for {len} days after approval ({appr} to {}), more than the {max} days the rulebook allows",
                        e.valid_until
                    ),
                )
                .at(at("valid_until"))
                .with_related(f, at("approved_on"), format!("approved on {appr}"))
                .with_hint(format!(
                    "set `**Valid Until**` to {} or earlier, and renew the exception when it ends",
                    secfw_artifacts::add_days_saturating(appr.0, i64::from(policy.max_days))
                )),
            );
        }
    } else {
        let horizon = (e.valid_until.0 - today).num_days();
        if horizon > max {
            diags.push(
                Diagnostic::error(
                    codes::EXCEPTION_TOO_LONG,
                    f,
                    format!(
                        "{id} has no approval date and expires {horizon} days from today ({}): more than the {max} days allowed after any approval",
                        e.valid_until
                    ),
                )
                .at(at("valid_until"))
                .with_hint(format!("set `**Valid Until**` at most {max} days after approval and add `**Approved On**`")),
            );
        } else {
            diags.push(
                Diagnostic::warning(
                    codes::EXCEPTION_NO_APPROVAL_DATE,
                    f,
                    format!("{id} has no `**Approved On**`; the {max}-day window can only be checked against today"),
                )
                .at(e.spans.at)
                .with_hint(format!("add `- **Approved On**: YYYY-MM-DD` under {id}")),
            );
        }
    }
}

/// An exception is never approved by its own requestor.
fn check_not_self_approved(e: &Exception, diags: &mut Vec<Diagnostic>) {
    let f = file_names::EXCEPTIONS;
    let id = e.id.as_str();
    let at = |field: &str| e.spans.field(field);
    if e.approvers.iter().any(|a| same_person(a, &e.requestor)) {
        diags.push(
            Diagnostic::error(
                codes::EXCEPTION_SELF_APPROVED,
                f,
                format!("{id} is approved by its own requestor `{}`", e.requestor),
            )
            .at(at("approval"))
            .with_related(f, at("requestor"), "requestor")
            .with_hint("an exception needs approval from someone other than the person requesting it"),
        );
    }
}

/// The approvals each role must give (security team always; risk committee up to High or an
/// unknown severity, which includes a declaration no ledger finding backs; the CISO for a
/// policy deviation), when the rulebook lists that role; returns the required roles.
fn check_approvers(
    e: &Exception,
    policy: &secfw_artifacts::model::rulebook::ExceptionPolicy,
    severity: Option<Severity>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ApproverRole> {
    let f = file_names::EXCEPTIONS;
    let id = e.id.as_str();
    let at = |field: &str| e.spans.field(field);
    let mut required_roles = Vec::new();
    let approvers = &policy.approvers;
    let needs_committee = needs_committee(severity);
    // A declared severity that nothing in the ledger backs (`severity` is then unknown).
    let unbacked = if severity.is_none() { e.severity } else { None };
    let checks = [
        (ApproverRole::SecurityTeam, true, &approvers.security_team, codes::EXCEPTION_NEEDS_SECURITY_TEAM, "every exception needs the security team's approval".to_owned()),
        (
            ApproverRole::RiskCommittee,
            needs_committee,
            &approvers.risk_committee,
            codes::EXCEPTION_NEEDS_RISK_COMMITTEE,
            match (severity, unbacked) {
                (Some(s), _) => format!("a {s} exception needs the risk committee's approval"),
                (None, Some(d)) => format!(
                    "it declares `**Severity**: {}` but no finding in the ledger, in any status, matches it, so nothing backs the declaration: its severity is unknown and the risk committee's approval is required",
                    as_written(d)
                ),
                (None, None) => "the exception's severity is unknown (no `**Severity**` and no finding in the ledger, in any status, matches it), so the risk committee's approval is required".to_owned(),
            },
        ),
        (ApproverRole::Ciso, e.kind == ExceptionKind::PolicyDeviation, &approvers.ciso, codes::EXCEPTION_NEEDS_CISO, "a policy deviation needs the CISO's sign-off".to_owned()),
    ];
    for (role, needed, list, code, why) in checks {
        if !needed || list.is_empty() {
            continue;
        }
        required_roles.push(role);
        if !approved_by(e, list) {
            let mut d = Diagnostic::error(
                code,
                f,
                format!(
                    "{id}: {why}; none of [{}] is in exceptions.approvers.{}",
                    e.approvers.join(", "),
                    role.as_str()
                ),
            )
            .at(at("approval"))
            .with_hint(format!(
                "add an approver from rulebook.yaml exceptions.approvers.{}: {}",
                role.as_str(),
                list.join(", ")
            ));
            if role == ApproverRole::RiskCommittee && unbacked.is_some() {
                d = d.with_related(f, at("severity"), "the declared severity, which no ledger finding backs");
                if let Some(h) = d.hint.as_mut() {
                    h.push_str(
                        "; a declared `**Severity**` is trusted only when a finding in the ledger (in any status) backs it, so an exception for an advisory secfw has never recorded (a pre-emptive suppression) is approved as for the worst case",
                    );
                }
            }
            diags.push(d);
        }
    }

    required_roles
}

/// Expired (an error listing its findings) or expiring within `warn_days_before_expiry`.
fn check_expiry(
    e: &Exception,
    policy: &secfw_artifacts::model::rulebook::ExceptionPolicy,
    live: &[&MatchedFinding],
    expired: bool,
    days_left: i64,
    diags: &mut Vec<Diagnostic>,
) {
    let f = file_names::EXCEPTIONS;
    let id = e.id.as_str();
    let at = |field: &str| e.spans.field(field);
    if expired {
        let mut d = Diagnostic::error(
            codes::EXCEPTION_EXPIRED,
            f,
            format!("{id} expired at the end of {} (UTC); its findings count again", e.valid_until),
        )
        .at(at("valid_until"))
        .with_hint("renew the exception (new approval, new expiry) or remediate the findings");
        if !live.is_empty() {
            d.message.push_str(": ");
            d.message.push_str(&live.iter().map(|m| m.id.as_str()).collect::<Vec<_>>().join(", "));
        }
        diags.push(d);
    } else if days_left <= i64::from(policy.warn_days_before_expiry) {
        diags.push(
            Diagnostic::warning(
                codes::EXCEPTION_EXPIRING,
                f,
                format!("{id} expires in {days_left} day(s), at the end of {} (UTC)", e.valid_until),
            )
            .at(at("valid_until"))
            .with_hint("renew or close it before it lapses; its findings will count again after expiry"),
        );
    }
}

/// An exception that matches no open or accepted finding; `history` are the findings in other
/// statuses it matches (what its severity is judged by).
fn stale_diagnostic(e: &Exception, history: &[MatchedFinding]) -> Diagnostic {
    let id = e.id.as_str();
    let message = if history.is_empty() {
        format!(
            "{id} matches no open or accepted finding, nor any finding in the ledger in any status: nothing backs a declared severity, so it is approved as for the worst case (the risk committee)"
        )
    } else {
        let history: Vec<&MatchedFinding> = history.iter().collect();
        format!(
            "{id} matches no open or accepted finding; its severity is judged by the ledger findings it matches in other statuses: {}",
            listing(&history)
        )
    };
    Diagnostic::warning(codes::EXCEPTION_STALE, file_names::EXCEPTIONS, message)
        .at(e.spans.at)
        .with_hint("remove the exception (or move it out of Active Exceptions) if the risk is gone, or reference it from the finding's governance.exception_ref")
}

#[cfg(test)]
mod tests {
    use secfw_artifacts::Code;
    use secfw_artifacts::model::rulebook::Rulebook;

    use super::*;

    fn rb() -> Rulebook {
        let mut rb = Rulebook::with_defaults("1.0.0");
        rb.exceptions.approvers.security_team = vec!["sec@x.test".into()];
        rb.exceptions.approvers.risk_committee = vec!["risk@x.test".into()];
        rb.exceptions.approvers.ciso = vec!["ciso@x.test".into()];
        rb
    }

    fn exc(approvers: &[&str], approved: &str, until: &str) -> Exception {
        let mut e = Exception::new(
            "EXC-001",
            "t",
            "POL-001",
            "dev@x.test",
            approvers.iter().map(|s| (*s).to_owned()).collect(),
            until.parse().unwrap(),
        );
        e.approved_on = Some(approved.parse().unwrap());
        e.justification = Some("needed".into());
        e.risk_assessment = Some("low".into());
        e.risk_mitigation = vec!["isolated".into()];
        e
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// Open findings, as `(id, severity)`.
    fn open(v: &[(&str, Severity)]) -> Vec<MatchedFinding> {
        in_status(v, FindingStatus::Open)
    }

    fn in_status(v: &[(&str, Severity)], status: FindingStatus) -> Vec<MatchedFinding> {
        v.iter().map(|(id, s)| MatchedFinding::new(*id, *s, status)).collect()
    }

    fn codes_of(ev: &ExceptionEval) -> Vec<Code> {
        ev.diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn a_purl_epoch_qualifier_is_part_of_the_version_a_range_is_compared_with() {
        // Fail-open sweep 4 F3.
        let narrowed = |package: &str, versions: &str| {
            let mut e = exc(&["sec@x.test"], "2026-11-01", "2027-01-01");
            e.advisories = vec!["CVE-2023-38545".into()];
            let p: Purl = package.parse().unwrap();
            e.versions = Some(versions.parse::<secfw_artifacts::VersionRange>().unwrap().for_purl_type(&p.ty).unwrap());
            e.package = Some(p);
            e
        };
        let on = |e: &Exception, loc: &str| covers(e, "CVE-2023-38545", PackageRef::from_location(loc).as_ref());
        let rpm = narrowed("pkg:rpm/redhat/openssl", "<1:3.0.7-18.el9");
        assert!(!on(&rpm, "pkg:rpm/redhat/openssl@3.0.9-1.el9?epoch=1"), "1:3.0.9-1.el9 is above the range");
        assert!(!on(&rpm, "pkg:rpm/redhat/openssl@1:3.0.9-1.el9"));
        assert!(
            on(&rpm, "pkg:rpm/redhat/openssl@3.0.7-1.el9?epoch=1") && on(&rpm, "pkg:rpm/redhat/openssl@3.0.9-1.el9")
        );
        assert!(on(&rpm, "pkg:rpm/redhat/openssl@1:3.0.7-1.el9?epoch=1"), "one epoch, given both ways");
        assert!(on(&rpm, "pkg:rpm/redhat/openssl@3.0.9-1.el9?epoch=0"), "epoch 0 is no epoch");
        for conflict in ["pkg:rpm/redhat/openssl@0:3.0.1-1.el9?epoch=1", "pkg:rpm/redhat/openssl@1:3.0.1-1.el9?epoch=2"]
        {
            assert!(!on(&rpm, conflict), "{conflict}: two epochs, not comparable, never covered");
        }
        for bad in ["pkg:rpm/redhat/openssl@3.0.1-1.el9?epoch=x", "pkg:rpm/redhat/openssl@3.0.1-1.el9?epoch=-1"] {
            assert!(!on(&rpm, bad), "{bad}");
        }
        // A scanner ignore entry's purl (the suppression side) is read the same way.
        let entry: Purl = "pkg:rpm/redhat/openssl@3.0.9-1.el9?epoch=1".parse().unwrap();
        let p = PackageRef::new("openssl", entry.version.clone(), Some(entry));
        assert_eq!(p.comparable_version().as_deref(), Some("1:3.0.9-1.el9"));
        assert!(!covers(&rpm, "CVE-2023-38545", Some(&p)));
        // deb: Trivy writes a dpkg epoch as the qualifier too.
        let deb = narrowed("pkg:deb/debian/curl", "<7.88.1");
        assert!(!on(&deb, "pkg:deb/debian/curl@7.74.0-1.3?distro=debian-11&epoch=1"), "1:7.74.0 > 7.88.1");
        assert!(on(&deb, "pkg:deb/debian/curl@7.74.0-1.3?distro=debian-11"));
        // Any other type: an epoch secfw cannot place is not dropped, it makes the version incomparable.
        let npm = narrowed("pkg:npm/left-pad", "<2.0.0");
        assert!(on(&npm, "pkg:npm/left-pad@1.0.0") && !on(&npm, "pkg:npm/left-pad@1.0.0?epoch=1"));
        // `*` (every version) still covers the package, whatever its version says.
        assert!(on(&narrowed("pkg:rpm/redhat/openssl", "*"), "pkg:rpm/redhat/openssl@1:3.0.1-1.el9?epoch=2"));
    }

    #[test]
    fn approvals_follow_severity_and_kind() {
        let low = open(&[("F-1", Severity::Low)]);
        let crit = open(&[("F-1", Severity::Critical)]);
        let e = exc(&["sec@x.test"], "2026-11-01", "2027-01-01");
        let now = at("2026-11-24T00:00:00Z");
        assert!(evaluate_exception(&e, &rb(), &low, now).is_valid());
        let ev = evaluate_exception(&e, &rb(), &crit, now);
        assert_eq!((ev.state, codes_of(&ev)), (ExceptionState::Invalid, vec![codes::EXCEPTION_NEEDS_RISK_COMMITTEE]));
        assert_eq!(ev.required_roles, vec![ApproverRole::SecurityTeam, ApproverRole::RiskCommittee]);
        // Unknown severity: the strictest reading.
        assert_eq!(
            codes_of(&evaluate_exception(&e, &rb(), &[], now)),
            vec![codes::EXCEPTION_NEEDS_RISK_COMMITTEE, codes::EXCEPTION_STALE]
        );
        let mut dev = exc(&["SEC@x.test", "risk@x.test"], "2026-11-01", "2027-01-01");
        dev.kind = ExceptionKind::PolicyDeviation;
        assert_eq!(codes_of(&evaluate_exception(&dev, &rb(), &crit, now)), vec![codes::EXCEPTION_NEEDS_CISO]);
        dev.approvers.push("ciso@x.test".into());
        assert!(evaluate_exception(&dev, &rb(), &crit, now).is_valid(), "approvers compare case-insensitively");
        // Empty approver lists are not enforced.
        assert!(evaluate_exception(&e, &Rulebook::with_defaults("1.0.0"), &crit, now).is_valid());
    }

    #[test]
    fn expiry_is_the_end_of_the_day_utc_and_warns_before() {
        let m = open(&[("F-1", Severity::Low)]);
        let e = exc(&["sec@x.test"], "2026-11-01", "2026-12-01");
        let ev = evaluate_exception(&e, &rb(), &m, at("2026-12-01T23:59:59Z"));
        assert_eq!(
            (ev.state, ev.days_left, codes_of(&ev)),
            (ExceptionState::Valid, 0, vec![codes::EXCEPTION_EXPIRING])
        );
        let ev = evaluate_exception(&e, &rb(), &m, at("2026-12-02T00:00:00Z"));
        assert_eq!((ev.state, ev.days_left), (ExceptionState::Expired, -1));
        assert!(codes_of(&ev).contains(&codes::EXCEPTION_EXPIRED));
        assert!(evaluate_exception(&e, &rb(), &m, at("2026-11-16T00:00:00Z")).diagnostics.is_empty(), "15 days left");
    }

    #[test]
    fn windows_and_dates() {
        let m = open(&[("F-1", Severity::Low)]);
        let now = at("2026-11-24T00:00:00Z");
        // Exactly 180 days passes; 181 fails.
        assert!(evaluate_exception(&exc(&["sec@x.test"], "2026-11-01", "2027-04-30"), &rb(), &m, now).is_valid());
        assert_eq!(
            codes_of(&evaluate_exception(&exc(&["sec@x.test"], "2026-11-01", "2027-05-01"), &rb(), &m, now)),
            vec![codes::EXCEPTION_TOO_LONG]
        );
        // Approved in the future, or after the expiry.
        assert_eq!(
            codes_of(&evaluate_exception(&exc(&["sec@x.test"], "2026-11-25", "2026-12-30"), &rb(), &m, now)),
            vec![codes::EXCEPTION_NOT_YET_APPROVED]
        );
        assert_eq!(
            codes_of(&evaluate_exception(&exc(&["sec@x.test"], "2026-11-20", "2026-11-10"), &rb(), &m, now)),
            vec![codes::EXCEPTION_NOT_YET_APPROVED, codes::EXCEPTION_EXPIRED]
        );
        // Self-approval, and missing content.
        let mut e = exc(&["dev@x.test", "sec@x.test"], "2026-11-01", "2027-01-01");
        e.justification = None;
        e.risk_assessment = Some("  ".into());
        e.risk_mitigation.clear();
        assert_eq!(
            codes_of(&evaluate_exception(&e, &rb(), &m, now)),
            vec![
                codes::EXCEPTION_NO_JUSTIFICATION,
                codes::EXCEPTION_NO_RISK_ASSESSMENT,
                codes::EXCEPTION_NO_CONTROLS,
                codes::EXCEPTION_SELF_APPROVED
            ]
        );
    }

    #[test]
    fn without_an_approval_date_the_window_is_checked_from_today() {
        let m = open(&[("F-1", Severity::Low)]);
        let now = at("2026-11-24T00:00:00Z");
        let mut e = exc(&["sec@x.test"], "2026-11-01", "2027-05-23");
        e.approved_on = None;
        let ev = evaluate_exception(&e, &rb(), &m, now);
        assert_eq!(
            (ev.state, codes_of(&ev)),
            (ExceptionState::Valid, vec![codes::EXCEPTION_NO_APPROVAL_DATE]),
            "180 days from today: a warning only"
        );
        e.valid_until = "2027-05-24".parse().unwrap();
        let ev = evaluate_exception(&e, &rb(), &m, now);
        assert_eq!((ev.state, codes_of(&ev)), (ExceptionState::Invalid, vec![codes::EXCEPTION_TOO_LONG]), "181 days");
    }

    #[test]
    fn every_exception_needs_the_security_team() {
        let m = open(&[("F-1", Severity::Low)]);
        let e = exc(&["risk@x.test"], "2026-11-01", "2027-01-01");
        let ev = evaluate_exception(&e, &rb(), &m, at("2026-11-24T00:00:00Z"));
        assert_eq!((ev.state, codes_of(&ev)), (ExceptionState::Invalid, vec![codes::EXCEPTION_NEEDS_SECURITY_TEAM]));
        assert!(ev.diagnostics[0].message.contains("none of [risk@x.test]"), "{}", ev.diagnostics[0].message);
        assert_eq!(ev.required_roles, vec![ApproverRole::SecurityTeam], "a low exception needs no committee");
    }

    #[test]
    fn a_declared_severity_below_a_matched_finding_is_judged_by_the_finding_and_excepts_nothing() {
        let crit = open(&[("F-1", Severity::Low), ("F-2", Severity::Critical)]);
        let now = at("2026-11-24T00:00:00Z");
        // The attack: declare Low over a critical finding, approved by the security team only.
        let mut e = exc(&["sec@x.test"], "2026-11-01", "2027-01-01");
        e.severity = Some(Severity::Low);
        let ev = evaluate_exception(&e, &rb(), &crit, now);
        assert_eq!(ev.severity, Some(Severity::Critical), "judged by the most severe finding it matches");
        assert_eq!(ev.required_roles, vec![ApproverRole::SecurityTeam, ApproverRole::RiskCommittee]);
        assert_eq!(
            (ev.state, codes_of(&ev)),
            (
                ExceptionState::Invalid,
                vec![codes::EXCEPTION_SEVERITY_UNDERSTATED, codes::EXCEPTION_NEEDS_RISK_COMMITTEE]
            )
        );
        let d = &ev.diagnostics[0];
        assert!(d.is_error() && d.message.contains("F-2 (critical)") && !d.message.contains("F-1"), "{}", d.message);
        assert!(d.hint.as_deref().is_some_and(|h| h.contains("`**Severity**` to Critical")), "{:?}", d.hint);
        // The committee's approval alone does not cure it: the declaration misstates what was approved.
        e.approvers.push("risk@x.test".into());
        let ev = evaluate_exception(&e, &rb(), &crit, now);
        assert_eq!((ev.state, codes_of(&ev)), (ExceptionState::Invalid, vec![codes::EXCEPTION_SEVERITY_UNDERSTATED]));
        // Declared at the real severity, with the approvals it needs: valid.
        e.severity = Some(Severity::Critical);
        assert!(evaluate_exception(&e, &rb(), &crit, now).is_valid());
        // A declaration above its findings raises the bar; it never lowers it.
        let mut high = exc(&["sec@x.test"], "2026-11-01", "2027-01-01");
        high.severity = Some(Severity::High);
        let ev = evaluate_exception(&high, &rb(), &open(&[("F-1", Severity::Low)]), now);
        assert_eq!((ev.severity, codes_of(&ev)), (Some(Severity::High), vec![codes::EXCEPTION_NEEDS_RISK_COMMITTEE]));
    }

    #[test]
    fn a_declaration_nothing_in_the_ledger_backs_is_approved_as_the_worst_case() {
        let now = at("2026-11-24T00:00:00Z");
        // The attack: a pre-emptive Low exception for an advisory no scan has recorded yet,
        // approved by the security team only.
        let mut e = exc(&["sec@x.test"], "2026-11-01", "2027-01-01");
        e.advisories = vec!["CVE-2024-6387".into()];
        for declared in [Severity::Low, Severity::Medium] {
            e.severity = Some(declared);
            let ev = evaluate_exception(&e, &rb(), &[], now);
            assert_eq!((ev.state, ev.severity), (ExceptionState::Invalid, None), "{declared}: unknown, not {declared}");
            assert_eq!(ev.required_roles, vec![ApproverRole::SecurityTeam, ApproverRole::RiskCommittee]);
            assert_eq!(codes_of(&ev), vec![codes::EXCEPTION_NEEDS_RISK_COMMITTEE, codes::EXCEPTION_STALE]);
            let d = &ev.diagnostics[0];
            assert!(d.message.contains(&format!("declares `**Severity**: {}`", as_written(declared))), "{}", d.message);
            assert!(d.hint.as_deref().is_some_and(|h| h.contains("risk@x.test") && h.contains("pre-emptive")));
            assert_eq!(d.related.len(), 1, "the declaration is pointed at");
        }
        // The committee's approval puts it in force.
        e.approvers.push("risk@x.test".into());
        let ev = evaluate_exception(&e, &rb(), &[], now);
        assert_eq!((ev.state, codes_of(&ev)), (ExceptionState::Valid, vec![codes::EXCEPTION_STALE]));
        assert!(ev.diagnostics[0].message.contains("nor any finding in the ledger"), "{}", ev.diagnostics[0].message);
        // A declaration at the committee's tier is kept (it only raises the bar).
        e.approvers.pop();
        e.severity = Some(Severity::High);
        let ev = evaluate_exception(&e, &rb(), &[], now);
        assert_eq!(
            (ev.severity, codes_of(&ev)),
            (Some(Severity::High), vec![codes::EXCEPTION_NEEDS_RISK_COMMITTEE, codes::EXCEPTION_STALE])
        );
        assert!(ev.diagnostics[0].message.contains("a high exception"), "{}", ev.diagnostics[0].message);
        assert!(ev.diagnostics[0].related.is_empty());
    }

    #[test]
    fn findings_in_any_status_set_the_severity() {
        let now = at("2026-11-24T00:00:00Z");
        let mut e = exc(&["sec@x.test"], "2026-11-01", "2027-01-01");
        e.severity = Some(Severity::Low);
        // Only a resolved critical finding matches (a compiled ignore hid it; the next scan
        // resolved it): judged critical, the understatement is GV0114.
        for status in [FindingStatus::Resolved, FindingStatus::FalsePositive] {
            let history = in_status(&[("F-1", Severity::Critical)], status);
            let ev = evaluate_exception(&e, &rb(), &history, now);
            assert_eq!((ev.state, ev.severity, ev.stale), (ExceptionState::Invalid, Some(Severity::Critical), true));
            assert!(ev.matched_findings.is_empty(), "matched_findings are the open and accepted ones");
            assert_eq!(
                codes_of(&ev),
                vec![
                    codes::EXCEPTION_SEVERITY_UNDERSTATED,
                    codes::EXCEPTION_NEEDS_RISK_COMMITTEE,
                    codes::EXCEPTION_STALE
                ]
            );
            assert!(
                ev.diagnostics[0].message.contains(&format!("F-1 (critical, {status})")),
                "{}",
                ev.diagnostics[0].message
            );
        }
        // A resolved low finding backs a Low declaration: valid with the security team, stale.
        let low = in_status(&[("F-1", Severity::Low)], FindingStatus::Resolved);
        let ev = evaluate_exception(&e, &rb(), &low, now);
        assert_eq!(
            (ev.state, ev.severity, codes_of(&ev)),
            (ExceptionState::Valid, Some(Severity::Low), vec![codes::EXCEPTION_STALE])
        );
        assert!(ev.diagnostics[0].message.contains("F-1 (low, resolved)"), "{}", ev.diagnostics[0].message);
        // No oscillation: the same exception is judged the same with its finding open and once
        // the finding is resolved, declared or not.
        for declared in [Some(Severity::Low), None] {
            e.severity = declared;
            let open_ev = evaluate_exception(&e, &rb(), &open(&[("F-1", Severity::Low)]), now);
            let resolved_ev = evaluate_exception(&e, &rb(), &low, now);
            assert!(open_ev.is_valid() && resolved_ev.is_valid(), "{declared:?}: {open_ev:#?} {resolved_ev:#?}");
            assert_eq!((open_ev.severity, resolved_ev.severity), (Some(Severity::Low), Some(Severity::Low)));
        }
    }

    #[test]
    fn history_counts_while_live_findings_match_too() {
        // A live low finding and a resolved critical one of the same advisory: judged critical
        // now, so resolving the low finding (its compiled ignore hides it) changes nothing.
        let now = at("2026-11-24T00:00:00Z");
        let mut e = exc(&["sec@x.test"], "2026-11-01", "2027-01-01");
        e.severity = Some(Severity::Low);
        let mut both = open(&[("F-1", Severity::Low)]);
        both.extend(in_status(&[("F-2", Severity::Critical)], FindingStatus::Resolved));
        let ev = evaluate_exception(&e, &rb(), &both, now);
        assert_eq!((ev.state, ev.severity, ev.stale), (ExceptionState::Invalid, Some(Severity::Critical), false));
        assert_eq!(ev.matched_findings, ["F-1"]);
        assert_eq!(codes_of(&ev), vec![codes::EXCEPTION_SEVERITY_UNDERSTATED, codes::EXCEPTION_NEEDS_RISK_COMMITTEE]);
        let all_resolved = in_status(&[("F-1", Severity::Low), ("F-2", Severity::Critical)], FindingStatus::Resolved);
        assert_eq!(evaluate_exception(&e, &rb(), &all_resolved, now).state, ExceptionState::Invalid);
        // Corrected and approved at critical: valid either way.
        e.severity = Some(Severity::Critical);
        e.approvers.push("risk@x.test".into());
        assert!(evaluate_exception(&e, &rb(), &both, now).is_valid());
        assert!(evaluate_exception(&e, &rb(), &all_resolved, now).is_valid());
    }

    #[test]
    fn an_archived_exception_is_never_in_force_whatever_its_dates_and_approvals() {
        let m = open(&[("F-1", Severity::Critical)]);
        let now = at("2026-11-24T00:00:00Z");
        let good = exc(&["sec@x.test", "risk@x.test"], "2026-11-01", "2027-01-01");
        assert!(evaluate_exception(&good, &rb(), &m, now).is_valid(), "in force while active");
        for section in ["Revoked Exceptions", "Expired Exceptions", "Closed", "Archive", "Rejected exceptions"] {
            let mut e = good.clone();
            e.section = section.to_owned();
            let ev = evaluate_exception(&e, &rb(), &m, now);
            assert_eq!(ev.state, ExceptionState::Archived, "{section}");
            assert!(!ev.is_valid() && ev.diagnostics.is_empty() && ev.required_roles.is_empty() && !ev.stale);
            assert_eq!(ev.matched_findings, ["F-1"], "still shows what it names");
            assert_eq!(ev.state.as_str(), "archived");
        }
        // History is not checked: an incomplete, expired entry under Revoked raises nothing.
        let mut old = exc(&["dev@x.test"], "2026-01-01", "2026-03-01");
        old.justification = None;
        old.section = "Revoked Exceptions".into();
        let ev = evaluate_exception(&old, &rb(), &[], now);
        assert_eq!((ev.state, ev.diagnostics.len()), (ExceptionState::Archived, 0));
    }

    /// A fully approved critical exception requested by `requestor` and approved by
    /// `approvers`, as parsed from `exceptions.md` (so Markdown spellings reach governance as a
    /// reader of the file would write them).
    fn parsed(requestor: &str, approvers: &str) -> Exception {
        let md = format!(
            "# R\n\n## Active Exceptions\n\n### EXC-001: t\n- **Policy**: POL-001\n- **Severity**: Critical\n- **Requestor**: {requestor}\n- **Approval**: {approvers}\n- **Approved On**: 2026-11-01\n- **Valid Until**: 2027-01-01\n- **Justification**: needed\n- **Risk Assessment**: low\n- **Risk Mitigation**:\n  - isolated\n"
        );
        let src = secfw_artifacts::SourceFile::new("exceptions.md", md);
        let (reg, d) = secfw_artifacts::parse_exceptions(&src, secfw_artifacts::Level::Warning);
        assert!(d.is_empty(), "{requestor} / {approvers}: {d:?}");
        reg.exceptions.into_iter().next().expect("one exception")
    }

    #[test]
    fn a_requestor_spelled_differently_still_cannot_approve_their_own_exception() {
        let crit = open(&[("F-1", Severity::Critical)]);
        let now = at("2026-11-24T00:00:00Z");
        let others = "risk@x.test, ciso@x.test";
        for (requestor, approver) in [
            ("sec@x.test", "sec@x.test"),
            ("Sam Ops <sec@x.test>", "sec@x.test"),
            ("sec\u{200b}@x.test", "sec@x.test"),
            ("se\u{00ad}c@x.test", "sec@x.test"),
            ("[Sam Ops](mailto:sec@x.test)", "sec@x.test"),
            ("mailto:sec@x.test", "sec@x.test"),
            ("sec@x.test (AppSec)", "sec@x.test"),
            ("sec@x.test.", "sec@x.test"),
            ("SEC@X.TEST", "sec@x.test"),
            // The approval written another way than the requestor.
            ("sec@x.test", "Sam Ops <sec@x.test>"),
            ("sec@x.test", "[Sam](mailto:sec@x.test)"),
            ("sec@x.test", "sec\u{2060}@x.test"),
            // The same mailbox: a sub-address, a quoted local part (RFC 5321).
            ("sec+req@x.test", "sec@x.test"),
            ("Sam <sec+req@x.test>", "sec@x.test"),
            ("\"sec\"@x.test", "sec@x.test"),
            ("sec@x.test", "sec+approver@x.test"),
            // NFKC-equal: full-width letters and at sign.
            ("sec\u{FF20}x.test", "sec@x.test"),
            ("\u{FF53}\u{FF45}\u{FF43}@x.test", "sec@x.test"),
            ("\u{FF33}\u{FF25}\u{FF23}\u{FF20}\u{FF38}.test", "sec@x.test"),
            // Look-alike letters: Cyrillic `ѕ`, `е`, `с`; Greek `ο`, `Ε`.
            ("\u{0455}ec@x.test", "sec@x.test"),
            ("s\u{0435}\u{0441}@x.test", "sec@x.test"),
            ("sec@x.t\u{0435}st", "sec@x.test"),
            ("S\u{0395}C@x.test", "sec@x.test"),
            ("sec@x.test", "s\u{0435}c@x.test"),
            // All at once.
            ("\"\u{FF53}\u{0435}c\"+req\u{FF20}x.test", "sec@x.test"),
        ] {
            let e = parsed(requestor, &format!("{approver}, {others}"));
            let ev = evaluate_exception(&e, &rb(), &crit, now);
            assert!(
                codes_of(&ev).contains(&codes::EXCEPTION_SELF_APPROVED),
                "{requestor:?} approving as {approver:?} passed: {:?}",
                ev.diagnostics
            );
            assert_eq!(ev.state, ExceptionState::Invalid, "{requestor:?}");
        }
        // Someone else is not the requestor.
        let ev = evaluate_exception(&parsed("dev@x.test", &format!("sec@x.test, {others}")), &rb(), &crit, now);
        assert!(ev.is_valid(), "{:?}", ev.diagnostics);
        for other in ["secops@x.test", "sec@y.test", "sec-req@x.test", "Jane Doe"] {
            assert!(!same_person(other, "sec@x.test"), "{other}");
        }
    }

    /// Fail-open sweep 3 #11: the requestor written as a sub-address, a quoted local part,
    /// full-width or look-alike letters approved their own exception. Each spelling is the
    /// approver, so GV0108.
    #[test]
    fn the_tester_spellings_of_a_self_approval_are_caught() {
        let crit = open(&[("F-1", Severity::Critical)]);
        let now = at("2026-11-24T00:00:00Z");
        for requestor in [
            "sec+req@x.test",
            "\"sec\"@x.test",
            "sec\u{FF20}x.test",
            "\u{FF53}\u{FF45}\u{FF43}@x.test",
            "\u{0455}ec@x.test",
        ] {
            let ev = evaluate_exception(&parsed(requestor, "sec@x.test, risk@x.test, ciso@x.test"), &rb(), &crit, now);
            assert_eq!(
                (ev.state, codes_of(&ev)),
                (ExceptionState::Invalid, vec![codes::EXCEPTION_SELF_APPROVED]),
                "{requestor:?}"
            );
        }
    }

    /// The widening is for the self-approval check only: an approver written with look-alike
    /// letters, full-width letters, a sub-address or a quoted local part is not the rulebook's
    /// approver, so it never counts for a role (approvals do not get easier).
    #[test]
    fn look_alike_and_sub_addressed_approvers_never_count_for_a_role() {
        let crit = open(&[("F-1", Severity::Critical)]);
        let now = at("2026-11-24T00:00:00Z");
        for committee in [
            "r\u{0456}sk@x.test",
            "\u{0440}isk@x.test",
            "\u{FF52}\u{FF49}\u{FF53}\u{FF4B}@x.test",
            "risk\u{FF20}x.test",
            "risk+sec@x.test",
            "Risk <risk+a@x.test>",
            "\"risk\"@x.test",
        ] {
            let ev = evaluate_exception(&parsed("dev@x.test", &format!("sec@x.test, {committee}")), &rb(), &crit, now);
            assert_eq!(codes_of(&ev), vec![codes::EXCEPTION_NEEDS_RISK_COMMITTEE], "{committee:?}");
            assert!(!approved_by(&parsed("dev@x.test", committee), &["risk@x.test".to_owned()]), "{committee:?}");
        }
    }

    /// Fail-open sweep 3 #12: `[risk@x](mailto:ciso@x)` shows the risk committee and links to
    /// the CISO. The reader refuses it (SF0407), so it is no approval of either, and no
    /// exception at all.
    #[test]
    fn a_mail_link_showing_another_address_is_no_approval() {
        for (requestor, approvers) in [
            ("dev@x.test", "sec@x.test, [risk@x.test](mailto:ciso@x.test)"),
            ("dev@x.test", "sec@x.test, [](mailto:ciso@x.test)"),
            ("[risk@x.test](mailto:sec@x.test)", "sec@x.test, risk@x.test"),
        ] {
            let md = format!(
                "# R\n\n## Active Exceptions\n\n### EXC-001: t\n- **Policy**: POL-001\n- **Requestor**: {requestor}\n- **Approval**: {approvers}\n- **Valid Until**: 2027-01-01\n"
            );
            let src = secfw_artifacts::SourceFile::new("exceptions.md", md);
            let (reg, d) = secfw_artifacts::parse_exceptions(&src, secfw_artifacts::Level::Warning);
            assert!(reg.exceptions.is_empty(), "{approvers}: read as {:?}", reg.exceptions);
            assert!(d.iter().any(|d| d.code == secfw_artifacts::codes::EXCEPTION_HIDDEN_TEXT), "{d:?}");
        }
    }

    #[test]
    fn approvals_count_by_identity_and_never_for_withdrawn_or_annotated_entries() {
        let crit = open(&[("F-1", Severity::Critical)]);
        let now = at("2026-11-24T00:00:00Z");
        // The same person however the address is written.
        for committee in [
            "Risk Committee <risk@x.test>",
            "<RISK@x.test>",
            "[Risk](mailto:risk@x.test)",
            "risk@x.test.",
            "ri\u{200b}sk@x.test",
        ] {
            let ev = evaluate_exception(&parsed("dev@x.test", &format!("sec@x.test, {committee}")), &rb(), &crit, now);
            assert!(ev.is_valid(), "{committee:?}: {:?}", ev.diagnostics);
        }
        // Words around an address are not an approval (`pending`). (A mail link whose text is
        // another address is refused by the reader: `a_mail_link_showing_another_address_is_no_approval`.)
        for committee in ["risk@x.test (pending)", "not risk@x.test"] {
            let ev = evaluate_exception(&parsed("dev@x.test", &format!("sec@x.test, {committee}")), &rb(), &crit, now);
            assert_eq!(codes_of(&ev), vec![codes::EXCEPTION_NEEDS_RISK_COMMITTEE], "{committee:?}");
        }
        // Listing one approver twice in two spellings is still one approver, of one role.
        let ev = evaluate_exception(&parsed("dev@x.test", "sec@x.test, Sec <SEC@x.test>"), &rb(), &crit, now);
        assert_eq!(codes_of(&ev), vec![codes::EXCEPTION_NEEDS_RISK_COMMITTEE]);
        // A rulebook approver written as `Name <addr>` is that address.
        let mut rb = rb();
        rb.exceptions.approvers.risk_committee = vec!["Risk Committee <Risk@x.test>".into()];
        let ev = evaluate_exception(&parsed("dev@x.test", "sec@x.test, risk@x.test"), &rb, &crit, now);
        assert!(ev.is_valid(), "{:?}", ev.diagnostics);
    }

    #[test]
    fn identities_are_compared_as_a_reader_sees_them() {
        assert_eq!(identity(" Sam  Ops <Sec@X.test>. "), "sec@x.test");
        assert_eq!(identity("MAILTO:sec@x.test"), "sec@x.test");
        assert_eq!(identity("s\u{200b}ec@x.test"), "sec@x.test");
        assert_eq!(identity("Jane Doe"), "jane doe");
        assert_ne!(identity("sec@x.test (pending)"), "sec@x.test");
        assert!(same_person("sec@x.test (AppSec)", "Sam <sec@x.test>"));
        assert!(same_person("Jane  Doe", "jane doe"));
        assert!(!same_person("sec@x.test", "sec@y.test") && !same_person("", ""));
    }
}
