//! Loading a whole security workspace: every artifact parsed, typed and checked on its own,
//! with all diagnostics collected in one pass.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::codes;
use crate::diag::{Diagnostic, Level, Summary, sort_diagnostics};
use crate::exceptions::{self, ExceptionRegistry};
use crate::model::findings::{Finding, FindingStatus, FindingsFile, ScanRecord};
use crate::model::inventory::Inventory;
use crate::model::rulebook::Rulebook;
use crate::policy::{self, PolicyMap};
use crate::source::{self, DEFAULT_MAX_FILE_BYTES, SourceFile};
use crate::spec::{self, SecuritySpec};
use crate::yaml::{self, Seg, SourceMap, UnknownFields};
use crate::{markdown, path};

/// File names of the artifacts and digests in a workspace: a public namespace, since the
/// constants read well only qualified (`file_names::FINDINGS`).
pub mod file_names {
    /// The rulebook.
    pub const RULEBOOK: &str = "rulebook.yaml";
    /// The inventory.
    pub const INVENTORY: &str = "inventory.yaml";
    /// The findings ledger.
    pub const FINDINGS: &str = "sec_findings.yaml";
    /// The policy catalog.
    pub const POLICY_MAP: &str = "policy_map.md";
    /// The exception registry.
    pub const EXCEPTIONS: &str = "exceptions.md";
    /// The security specification.
    pub const SECURITY_SPEC: &str = "security_spec.md";
    /// Every artifact people (or ingest) write, in a fixed order.
    pub const ALL: [&str; 6] = [RULEBOOK, INVENTORY, FINDINGS, POLICY_MAP, EXCEPTIONS, SECURITY_SPEC];
    /// The Markdown digest (written by the IMPROVE step).
    pub const DIGEST_MD: &str = "digest.md";
    /// The JSON digest.
    pub const DIGEST_JSON: &str = "digest.json";
    /// The HTML digest.
    pub const DIGEST_HTML: &str = "digest.html";
    /// The three digest files, in a fixed order: the one list `secfw digest` writes and a seal
    /// covers when present.
    pub const DIGESTS: [&str; 3] = [DIGEST_MD, DIGEST_JSON, DIGEST_HTML];
}

/// How to load a workspace.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Strict mode: unknown fields and keys are errors instead of warnings.
    pub strict: bool,
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { strict: false, max_file_bytes: DEFAULT_MAX_FILE_BYTES }
    }
}

impl LoadOptions {
    /// Options with strict mode on or off.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Options with a different file size limit.
    #[must_use]
    pub fn max_file_bytes(mut self, n: u64) -> Self {
        self.max_file_bytes = n;
        self
    }

    fn unknown(&self) -> UnknownFields {
        if self.strict { UnknownFields::Deny } else { UnknownFields::Warn }
    }

    fn unknown_level(&self) -> Level {
        if self.strict { Level::Error } else { Level::Warning }
    }
}

/// Every artifact of a workspace, typed, with every diagnostic found.
///
/// An artifact that is missing or does not parse is `None` and has diagnostics explaining why.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct LoadedWorkspace {
    /// The workspace directory.
    pub root: PathBuf,
    /// `rulebook.yaml`.
    pub rulebook: Option<Rulebook>,
    /// `inventory.yaml`.
    pub inventory: Option<Inventory>,
    /// `sec_findings.yaml`.
    pub findings: Option<FindingsFile>,
    /// `policy_map.md`.
    pub policies: Option<PolicyMap>,
    /// `exceptions.md`.
    pub exceptions: Option<ExceptionRegistry>,
    /// `security_spec.md`.
    pub spec: Option<SecuritySpec>,
    /// `evidence/vex/statements.json`, the VEX statements `secfw exceptions vex-in` recorded
    /// (none when the file is absent, or does not parse: then an error diagnostic).
    pub vex: Option<crate::model::vex::VexRecord>,
    /// The text of every artifact read, by workspace-relative name (for snippets).
    pub sources: BTreeMap<String, SourceFile>,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadedWorkspace {
    /// Counts by level.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.diagnostics)
    }

    /// `true` when no diagnostic is an error.
    pub fn is_valid(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// A source map of a YAML artifact, for locating semantic problems (built on demand).
    pub fn source_map(&self, name: &str) -> Option<SourceMap> {
        self.sources.get(name).and_then(SourceMap::build)
    }

    /// The rulebook, or the defaults when the workspace has none that parses.
    pub fn rulebook_or_default(&self) -> Rulebook {
        self.rulebook.clone().unwrap_or_else(|| Rulebook::with_defaults("0.0.0"))
    }
}

/// Errors that stop loading before any artifact is looked at.
pub fn check_root(dir: &Path) -> Result<(), crate::Error> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(crate::Error::NotAWorkspace { path: dir.to_owned(), reason: "not a directory".into() }),
        Err(source) => Err(crate::Error::WorkspaceUnreadable { path: dir.to_owned(), source }),
    }
}

/// Load every artifact of the workspace at `dir`.
///
/// Fails only when `dir` is not a readable directory; every problem with an artifact is a
/// diagnostic.
pub fn load(dir: &Path, opts: &LoadOptions) -> Result<LoadedWorkspace, crate::Error> {
    check_root(dir)?;
    let mut ws = LoadedWorkspace { root: dir.to_owned(), ..LoadedWorkspace::default() };
    for name in file_names::ALL {
        let path = dir.join(name);
        if !path.exists() && std::fs::symlink_metadata(&path).is_err() {
            ws.diagnostics.push(
                Diagnostic::error(codes::MISSING_ARTIFACT, name, format!("required artifact {name} is missing"))
                    .with_hint(format!("create {name}; `secfw init DIR` writes a complete example workspace")),
            );
            continue;
        }
        match source::read_artifact(&path, name, opts.max_file_bytes) {
            Ok(src) => {
                ws.sources.insert(name.to_owned(), src);
            }
            Err(d) => ws.diagnostics.push(d),
        }
    }
    // The VEX record is optional; when something is there it must be a regular, readable file.
    let vex = crate::model::vex::VEX_RECORD;
    if std::fs::symlink_metadata(dir.join(vex)).is_ok() {
        match source::read_artifact(&dir.join(vex), vex, opts.max_file_bytes) {
            Ok(src) => {
                ws.sources.insert(vex.to_owned(), src);
            }
            Err(d) => ws.diagnostics.push(d),
        }
    }
    load_sources(&mut ws, opts);
    sort_diagnostics(&mut ws.diagnostics);
    Ok(ws)
}

/// Parse the VEX record: JSON of the documented shape and format, else an error diagnostic and
/// no record (so no statement counts: fail closed).
pub fn parse_vex_record(src: &SourceFile) -> (Option<crate::model::vex::VexRecord>, Option<Diagnostic>) {
    use crate::model::vex::{VEX_RECORD, VEX_RECORD_FORMAT, VexRecord};
    match serde_json::from_str::<VexRecord>(&src.text) {
        Ok(r) if r.format == VEX_RECORD_FORMAT => (Some(r), None),
        Ok(r) => (
            None,
            Some(
                Diagnostic::error(
                    codes::UNSUPPORTED_VERSION,
                    VEX_RECORD,
                    format!("the VEX record has format `{}`, this secfw reads `{VEX_RECORD_FORMAT}`; no VEX statement counts", r.format),
                )
                .with_hint("use the secfw release that wrote it"),
            ),
        ),
        Err(e) => (
            None,
            Some(
                Diagnostic::error(
                    codes::SYNTAX,
                    VEX_RECORD,
                    format!("the VEX record does not parse: {e}; no VEX statement counts"),
                )
                .at(Some(crate::Pos::new(
                    u32::try_from(e.line()).unwrap_or(u32::MAX).max(1),
                    u32::try_from(e.column()).unwrap_or(u32::MAX).max(1),
                )))
                .with_hint("secfw writes this file (`secfw exceptions vex-in`); restore it from version control"),
            ),
        ),
    }
}
/// Ledgers larger than this (bytes) are parsed in parallel with the other artifacts.
pub const PARALLEL_LEDGER_BYTES: usize = 1 << 20;

/// Parse already-read sources (used by [`load`] and by tests and fuzzers on in-memory text).
///
/// A large ledger (over [`PARALLEL_LEDGER_BYTES`]) is parsed on a second thread while the other
/// artifacts are parsed on this one; the result and the order of the diagnostics are the same.
pub fn load_sources(ws: &mut LoadedWorkspace, opts: &LoadOptions) {
    let sources = &ws.sources;
    let ledger = || {
        sources.get(file_names::FINDINGS).map(|src| {
            let mut d = Vec::new();
            let f = parse_findings(src, opts, &mut d);
            (f, d)
        })
    };
    // Every other artifact, each with its own diagnostics (kept in the order of
    // `file_names::ALL`). Parsed in the order of their transient memory, largest first: the
    // Markdown parser holds ~35 bytes per input byte while it runs (41 MB for M's 1.2 MB
    // `exceptions.md`), and beside a large ledger the sooner that is freed, the less of it
    // adds to the ledger's own peak, which comes at the end of the ledger's parse.
    let others = || {
        let mut d = [const { Vec::new() }; 5];
        let exceptions = sources.get(file_names::EXCEPTIONS).map(|src| {
            let (r, ed) = exceptions::parse(src, opts.unknown_level());
            d[3] = ed;
            r
        });
        let policies = sources.get(file_names::POLICY_MAP).map(|src| {
            let (m, pd) = policy::parse(src, opts.unknown_level());
            d[2] = pd;
            m
        });
        let inventory = sources.get(file_names::INVENTORY).and_then(|src| parse_inventory(src, opts, &mut d[1]));
        let rulebook = sources.get(file_names::RULEBOOK).and_then(|src| parse_rulebook(src, opts, &mut d[0]));
        let spec = sources.get(file_names::SECURITY_SPEC).and_then(|src| {
            let (sp, sd) = spec::parse(src, opts.unknown());
            d[4] = sd;
            sp
        });
        (rulebook, inventory, policies, exceptions, spec, d)
    };
    let large = sources.get(file_names::FINDINGS).is_some_and(|src| src.text.len() > PARALLEL_LEDGER_BYTES);
    let (findings, (rulebook, inventory, policies, exceptions, spec, [d_rb, d_inv, d_pol, d_exc, d_spec])) = if large {
        std::thread::scope(|s| {
            let h = s.spawn(ledger);
            let o = others();
            (h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), o)
        })
    } else {
        (ledger(), others())
    };
    let (findings, d_ff) = findings.map_or((None, Vec::new()), |(f, d)| (f, d));
    ws.rulebook = rulebook;
    ws.inventory = inventory;
    ws.findings = findings;
    ws.policies = policies;
    ws.exceptions = exceptions;
    ws.spec = spec;
    ws.diagnostics.extend([d_rb, d_inv, d_ff, d_pol, d_exc, d_spec].into_iter().flatten());
    if let Some(src) = ws.sources.get(crate::model::vex::VEX_RECORD) {
        let (r, d) = parse_vex_record(src);
        ws.diagnostics.extend(d);
        ws.vex = r;
    }
}

fn parse_yaml<T: serde::de::DeserializeOwned>(
    src: &SourceFile,
    opts: &LoadOptions,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    match yaml::parse::<T>(src, opts.unknown()) {
        Ok(p) => {
            diags.extend(p.diagnostics);
            Some(p.value)
        }
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// A semantic problem found by path, located lazily.
#[derive(Debug)]
struct Pending {
    diag: Diagnostic,
    path: Vec<Seg>,
    related: Option<(Vec<Seg>, String)>,
}

fn locate(src: &SourceFile, pending: Vec<Pending>, diags: &mut Vec<Diagnostic>) {
    if pending.is_empty() {
        return;
    }
    let map = SourceMap::build(src);
    for p in pending {
        let pos = map.as_ref().map(|m| m.nearest(&p.path));
        let mut d = p.diag.at(pos);
        if let Some((rp, msg)) = p.related {
            let rpos = map.as_ref().map(|m| m.nearest(&rp));
            d = d.with_related(&src.name, rpos, msg);
        }
        diags.push(d);
    }
}

/// Parse and check `rulebook.yaml`.
pub fn parse_rulebook(src: &SourceFile, opts: &LoadOptions, diags: &mut Vec<Diagnostic>) -> Option<Rulebook> {
    let rb: Rulebook = parse_yaml(src, opts, diags)?;
    let f = src.name.as_str();
    let mut pending = Vec::new();
    if !is_semver(&rb.version) {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::BAD_SEMVER,
                f,
                format!("rulebook version `{}` is not MAJOR.MINOR.PATCH", rb.version),
            )
            .with_hint("write a semantic version such as \"1.2.0\"; it is sealed into every manifest"),
            path: path!["version"],
            related: None,
        });
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, t) in rb.taxonomy.iter().enumerate() {
        if let Some(first) = seen.insert(t.name.as_str(), i) {
            pending.push(Pending {
                diag: Diagnostic::error(
                    codes::DUPLICATE_TAG,
                    f,
                    format!("tag `{}` is defined twice in the taxonomy", t.name),
                )
                .with_hint("remove one definition"),
                path: path!["taxonomy", i, "name"],
                related: Some((path!["taxonomy", first, "name"], "first defined here".into())),
            });
        }
    }
    let c = rb.gates.policy_coverage_min;
    if !(0.0..=100.0).contains(&c) || c.is_nan() {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::BAD_THRESHOLD,
                f,
                format!("gates.policy_coverage_min {c} is not a percentage 0..=100"),
            )
            .with_hint("use e.g. 95"),
            path: path!["gates", "policy_coverage_min"],
            related: None,
        });
    }
    // Spans in days: beyond MAX_DAYS a deadline leaves the dates the artifacts can write.
    let max = crate::MAX_DAYS;
    let spans = [
        (rb.sla_days.critical, path!["sla_days", "critical"], "sla_days.critical"),
        (rb.sla_days.high, path!["sla_days", "high"], "sla_days.high"),
        (rb.sla_days.medium, path!["sla_days", "medium"], "sla_days.medium"),
        (rb.sla_days.low, path!["sla_days", "low"], "sla_days.low"),
        (rb.review_cycle_days, path!["review_cycle_days"], "review_cycle_days"),
        (rb.gates.scan_max_age_days, path!["gates", "scan_max_age_days"], "gates.scan_max_age_days"),
        (rb.exceptions.max_days, path!["exceptions", "max_days"], "exceptions.max_days"),
    ];
    for (days, at, name) in spans {
        if days > max {
            pending.push(Pending {
                diag: Diagnostic::error(
                    codes::BAD_THRESHOLD,
                    f,
                    format!("{name} {days} is more than {max} days (100 years)"),
                )
                .with_hint("write the span in days, at most 36525"),
                path: at,
                related: None,
            });
        }
    }
    if rb.exceptions.max_days == 0 {
        pending.push(Pending {
            diag: Diagnostic::error(codes::BAD_THRESHOLD, f, "exceptions.max_days must be at least 1")
                .with_hint("the seed's policy is 180 days"),
            path: path!["exceptions", "max_days"],
            related: None,
        });
    }
    locate(src, pending, diags);
    Some(rb)
}

/// Parse and check `inventory.yaml`.
pub fn parse_inventory(src: &SourceFile, opts: &LoadOptions, diags: &mut Vec<Diagnostic>) -> Option<Inventory> {
    let inv: Inventory = parse_yaml(src, opts, diags)?;
    let f = src.name.as_str();
    let mut pending = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in inv.resources.iter().enumerate() {
        if let Some(first) = seen.insert(r.id.as_str(), i) {
            pending.push(Pending {
                diag: Diagnostic::error(codes::DUPLICATE_RESOURCE, f, format!("resource `{}` is listed twice", r.id))
                    .with_hint("resource ids are unique; merge the entries"),
                path: path!["resources", i, "id"],
                related: Some((path!["resources", first, "id"], "first listed here".into())),
            });
        }
        for (j, p) in r.policies.iter().enumerate() {
            if !markdown::is_id(p, "POL") {
                pending.push(Pending {
                    diag: Diagnostic::error(
                        codes::BAD_REFERENCE,
                        f,
                        format!("resource `{}`: `{p}` is not a policy id (POL-NNN)", r.id),
                    )
                    .with_hint("reference policies by id, e.g. POL-001"),
                    path: path!["resources", i, "policies", j],
                    related: None,
                });
            }
        }
    }
    locate(src, pending, diags);
    Some(inv)
}

/// How many times this process has parsed a findings ledger ([`parse_findings`], which every
/// load and every read-back goes through): lets tests prove that a command parses the ledger
/// a fixed number of times, without timing anything.
pub fn findings_parses() -> u64 {
    FINDINGS_PARSES.load(std::sync::atomic::Ordering::Relaxed)
}

static FINDINGS_PARSES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Read back a ledger written in the ledger layout ([`yaml::canonical`]) and check it like
/// [`parse_findings`] (the same checks and located diagnostics), in one pass instead of the
/// full YAML parser. For a writer checking its own bytes: text that is not exactly in the layout
/// is an error diagnostic (`SF0101`, with the line and column), and so is any field the ledger
/// type does not hold (an unknown field, whatever `opts` says), since the text was written from
/// a value of that type. Counted by [`findings_parses`].
pub fn parse_findings_canonical(
    src: &SourceFile,
    _opts: &LoadOptions,
    diags: &mut Vec<Diagnostic>,
) -> Option<FindingsFile> {
    FINDINGS_PARSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut unknown = Vec::new();
    let parsed = crate::model::findings::with_findings_hint(findings_hint(&src.text), || {
        yaml::canonical::from_str_typed::<FindingsFile>(&src.text, &mut |p| unknown.push(p))
    });
    let ff: FindingsFile = match parsed {
        Ok(ff) => ff,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    codes::SYNTAX,
                    &src.name,
                    format!("not in the ledger layout: expected {}", e.message),
                )
                .at(Some(crate::diag::Pos::new(e.line, e.column)))
                .with_hint("the ledger layout is what secfw writes; see docs/ingest.md"),
            );
            return None;
        }
    };
    if let Some(p) = unknown.first() {
        diags.push(Diagnostic::error(codes::UNKNOWN_FIELD, &src.name, format!("unknown field at {p}")));
        return None;
    }
    let pending = check_findings(&ff, &src.name);
    locate(src, pending, diags);
    Some(ff)
}

/// Prove that `src` (a ledger written in the ledger layout) reads back to exactly `expected`,
/// and check it like [`parse_findings_canonical`]: the same strict reader and typed
/// deserialization, but each finding read is compared with `expected`'s and dropped instead of
/// building a second ledger ([`yaml::canonical::check_findings_equal`]); the loader's checks
/// then run on `expected`, which the comparison proved equal to the text, and their
/// diagnostics are located in `src`. A text outside the layout, a field the ledger type does
/// not hold, or a value that differs from `expected` is an `SF0101` error diagnostic with its
/// line and column, and the result is `false`; `true` means equal (the diagnostics may still
/// hold the checks' errors). Counted by [`findings_parses`].
pub fn check_findings_canonical(src: &SourceFile, expected: &FindingsFile, diags: &mut Vec<Diagnostic>) -> bool {
    FINDINGS_PARSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut unknown = Vec::new();
    if let Err(e) = yaml::canonical::check_findings_equal(&src.text, expected, &mut |p| unknown.push(p)) {
        diags.push(layout_diagnostic(&src.name, &e));
        return false;
    }
    if let Some(p) = unknown.first() {
        diags.push(unknown_field_diagnostic(&src.name, p));
        return false;
    }
    let pending = check_findings(expected, &src.name);
    locate(src, pending, diags);
    true
}

/// The `SF0101` error of a text outside the ledger layout.
fn layout_diagnostic(name: &str, e: &yaml::canonical::LayoutError) -> Diagnostic {
    Diagnostic::error(codes::SYNTAX, name, format!("not in the ledger layout: expected {}", e.message))
        .at(Some(crate::diag::Pos::new(e.line, e.column)))
        .with_hint("the ledger layout is what secfw writes; see docs/ingest.md")
}

fn unknown_field_diagnostic(name: &str, path: &str) -> Diagnostic {
    Diagnostic::error(codes::UNKNOWN_FIELD, name, format!("unknown field at {path}"))
}

/// Why one piece of a ledger text failed [`check_findings_canonical_piece`].
#[derive(Debug)]
pub struct PieceRefused(PieceRefusal);

#[derive(Debug)]
enum PieceRefusal {
    Layout(yaml::canonical::LayoutError),
    Unknown(String),
}

impl PieceRefused {
    /// The error diagnostic of [`check_findings_canonical`] for the whole text (`name`), when
    /// the pieces before this one have `lines_before` lines.
    pub fn diagnostic(self, name: &str, lines_before: u32) -> Diagnostic {
        match self.0 {
            PieceRefusal::Layout(e) => layout_diagnostic(name, &e.after_lines(lines_before)),
            PieceRefusal::Unknown(p) => unknown_field_diagnostic(name, &p),
        }
    }
}

/// The text check of [`check_findings_canonical`] for one piece of a ledger text written in
/// pieces ([`yaml::canonical::Piece`], [`yaml::canonical::check_findings_piece`]), so the
/// pieces can be checked on several threads. Join the pieces' results, in order, with
/// [`check_findings_canonical_pieces`].
///
/// # Errors
///
/// The piece leaves the layout, holds a field the ledger type does not hold, or differs from
/// `expected`'s piece.
pub fn check_findings_canonical_piece(
    text: &str,
    expected: &FindingsFile,
    piece: yaml::canonical::Piece,
) -> Result<yaml::canonical::PieceRead, PieceRefused> {
    let mut unknown = None;
    let read = yaml::canonical::check_findings_piece(text, expected, piece, &mut |p| {
        unknown.get_or_insert(p);
    })
    .map_err(|e| PieceRefused(PieceRefusal::Layout(e)))?;
    match unknown {
        Some(p) => Err(PieceRefused(PieceRefusal::Unknown(p))),
        None => Ok(read),
    }
}

/// The loader's checks of a ledger (those [`parse_findings`] runs after reading it), not yet
/// located in a text: [`ledger_checks`], for [`check_findings_canonical_pieces`]. They depend
/// on the value only, so they can run while its text is rendered and checked.
#[derive(Debug)]
pub struct LedgerChecks(Vec<Pending>);

/// The loader's checks of `ledger`, the file `name` ([`LedgerChecks`]).
pub fn ledger_checks(ledger: &FindingsFile, name: &str) -> LedgerChecks {
    LedgerChecks(check_findings(ledger, name))
}

/// [`check_findings_canonical`] of a text written in pieces, once every piece passed
/// [`check_findings_canonical_piece`]: `reads` are the pieces' results in order. Joins them
/// ([`yaml::canonical::check_findings_joined`]: all the findings, each top-level key once, the
/// required ones present), then takes the loader's checks of `expected` (`checks`, from
/// [`ledger_checks`]`(expected, name)`) and locates their diagnostics in `text`. Without
/// `text` (the caller did not keep the joined text), only the checks' errors are reported,
/// located in the ledger layout of `expected` rendered again, which is byte for byte the text
/// the pieces proved equal to it. Counted by [`findings_parses`].
pub fn check_findings_canonical_pieces(
    name: &str,
    expected: &FindingsFile,
    reads: &[yaml::canonical::PieceRead],
    checks: LedgerChecks,
    text: Option<&SourceFile>,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    FINDINGS_PARSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Err(e) = yaml::canonical::check_findings_joined(expected, reads) {
        diags.push(layout_diagnostic(name, &e));
        return false;
    }
    let LedgerChecks(mut pending) = checks;
    if let Some(src) = text {
        locate(src, pending, diags);
        return true;
    }
    pending.retain(|p| p.diag.is_error());
    if pending.is_empty() {
        return true;
    }
    match yaml::canonical::to_string(expected) {
        Ok(Some(t)) => locate(&SourceFile::new(name, t), pending, diags),
        // Not reachable for a ledger whose pieces rendered; the errors, unlocated.
        _ => diags.extend(pending.into_iter().map(|p| p.diag)),
    }
    true
}

/// Parse and check `sec_findings.yaml`.
pub fn parse_findings(src: &SourceFile, opts: &LoadOptions, diags: &mut Vec<Diagnostic>) -> Option<FindingsFile> {
    FINDINGS_PARSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let hint = findings_hint(&src.text);
    let ff: FindingsFile = match layout_read(src, hint) {
        Some(ff) => ff,
        None => crate::model::findings::with_findings_hint(hint, || parse_yaml(src, opts, diags))?,
    };
    let pending = check_findings(&ff, &src.name);
    locate(src, pending, diags);
    Some(ff)
}

/// A ledger exactly in the ledger layout (what secfw writes), read by the layout's one-pass
/// reader ([`yaml::canonical::from_str_typed_within`]) instead of the full YAML parser, which
/// reads such a text to the same value (`the_layout_reader_accepts_only_what_the_normal_parser_reads_the_same`,
/// `a_ledger_in_the_layout_loads_as_the_full_parser_reads_it`) with no diagnostic, several
/// times slower. `None`, and the full parser reads the text, when it leaves the layout anywhere
/// (a comment, other quoting or indentation, a byte-order mark), holds a field the ledger type
/// does not hold (the full parser reports it as `opts` says), or nests deeper than half the
/// depth budget (the full parser enforces the budget).
fn layout_read(src: &SourceFile, hint: usize) -> Option<FindingsFile> {
    if yaml::is_json_syntax(&src.text) {
        return None;
    }
    let mut unknown = false;
    let read = crate::model::findings::with_findings_hint(hint, || {
        yaml::canonical::from_str_typed_within::<FindingsFile>(&src.text, yaml::MAX_DEPTH / 2, &mut |_| unknown = true)
    });
    read.ok().filter(|_| !unknown)
}

/// How many findings a ledger text probably holds, to size the findings vector once: the
/// occurrences of `finding_id` (one key per finding in either syntax; more in free text only
/// over-reserves, and the vector is then shrunk), at most one per 256 bytes of text (a finding
/// with its required fields takes more), so a text made of the word reserves no more than about
/// twice its own size.
fn findings_hint(text: &str) -> usize {
    memchr::memmem::find_iter(text.as_bytes(), b"finding_id").count().min(text.len() / 256)
}

/// `<scheme>/v<N>:<hex>`, e.g. `secfw/v1:9f86d0...`.
pub fn is_fingerprint(s: &str) -> bool {
    let Some((scheme, hex)) = s.split_once(':') else { return false };
    let Some((name, ver)) = scheme.split_once("/v") else { return false };
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !ver.is_empty()
        && ver.bytes().all(|b| b.is_ascii_digit())
        && hex.len() >= 16
        && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p.len() == 1 || !p.starts_with('0')))
}

fn is_cwe(s: &str) -> bool {
    markdown::is_id(s, "CWE")
}

fn is_vuln_id(s: &str) -> bool {
    // CVE-YYYY-NNNN+, GHSA-xxxx-xxxx-xxxx, RUSTSEC-YYYY-NNNN, OSV-style PREFIX-...; no spaces.
    let up = s.to_ascii_uppercase();
    if let Some(rest) = up.strip_prefix("CVE-") {
        return crate::target::is_cve_number(rest);
    }
    !s.is_empty() && s.contains('-') && !s.contains(char::is_whitespace)
}

/// The semantic checks of a ledger, one function per check, in the order their diagnostics
/// have always been reported: per finding (identity, fingerprint, dates, score, references),
/// then per scan.
fn check_findings(ff: &FindingsFile, f: &str) -> Vec<Pending> {
    let mut pending = Vec::new();
    // Hash maps: on a 100k-finding ledger the ordered maps' string comparisons were a visible
    // share of a load; only membership and the first index matter here.
    let mut ids: HashMap<&str, usize> = HashMap::with_capacity(ff.findings.len());
    let mut fps: HashMap<&str, usize> = HashMap::with_capacity(ff.findings.len());
    for (i, x) in ff.findings.iter().enumerate() {
        check_finding_id(&mut ids, i, x, f, &mut pending);
        check_fingerprint(&mut fps, ff, i, x, f, &mut pending);
        check_resolved_date(i, x, f, &mut pending);
        check_finding_dates(i, x, f, &mut pending);
        check_cvss(i, x, f, &mut pending);
        check_cwe_cve(i, x, f, &mut pending);
        check_governance_refs(i, x, f, &mut pending);
    }
    let mut scans: HashMap<&str, usize> = HashMap::with_capacity(ff.scans.len());
    for (i, s) in ff.scans.iter().enumerate() {
        check_scan(&mut scans, i, s, f, &mut pending);
    }
    pending
}

/// A finding id is used once.
fn check_finding_id<'a>(
    ids: &mut HashMap<&'a str, usize>,
    i: usize,
    x: &'a Finding,
    f: &str,
    pending: &mut Vec<Pending>,
) {
    if let Some(first) = ids.insert(x.finding_id.as_str(), i) {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::DUPLICATE_FINDING_ID,
                f,
                format!("finding id `{}` is used twice", x.finding_id),
            )
            .with_hint("finding ids are unique and never reused; give the newer finding a new id"),
            path: path!["findings", i, "finding_id"],
            related: Some((path!["findings", first, "finding_id"], "first used here".into())),
        });
    }
}

/// A fingerprint has the documented shape, and no two open findings share one.
fn check_fingerprint<'a>(
    fps: &mut HashMap<&'a str, usize>,
    ff: &FindingsFile,
    i: usize,
    x: &'a Finding,
    f: &str,
    pending: &mut Vec<Pending>,
) {
    let Some(fp) = &x.fingerprint else { return };
    if !is_fingerprint(fp) {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::BAD_FINGERPRINT,
                f,
                format!("fingerprint `{fp}` is not `<scheme>/v<N>:<lower-case hex>`"),
            )
            .with_hint("fingerprints look like secfw/v1:3f2a...; `secfw ingest` computes them"),
            path: path!["findings", i, "fingerprint"],
            related: None,
        });
    } else if x.is_open()
        && let Some(first) = fps.insert(fp.as_str(), i)
    {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::DUPLICATE_FINGERPRINT,
                f,
                format!(
                    "open findings `{}` and `{}` share fingerprint {fp}",
                    ff.findings[first].finding_id, x.finding_id
                ),
            )
            .with_hint("the same issue is recorded twice: resolve or remove the duplicate"),
            path: path!["findings", i, "fingerprint"],
            related: Some((path!["findings", first, "fingerprint"], "same fingerprint here".into())),
        });
    }
}

/// A resolved finding says when it was resolved.
fn check_resolved_date(i: usize, x: &Finding, f: &str, pending: &mut Vec<Pending>) {
    if x.status == FindingStatus::Resolved && x.resolved_at.is_none() {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::RESOLVED_WITHOUT_DATE,
                f,
                format!("finding `{}` is resolved but has no `resolved_at`", x.finding_id),
            )
            .with_hint("add `resolved_at:` with when it was fixed (needed for MTTR)"),
            path: path!["findings", i, "status"],
            related: None,
        });
    }
}

/// `last_seen` and `resolved_at` are not before `first_seen`.
fn check_finding_dates(i: usize, x: &Finding, f: &str, pending: &mut Vec<Pending>) {
    if let (Some(a), Some(b)) = (x.first_seen, x.last_seen)
        && b < a
    {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::DATE_ORDER,
                f,
                format!("finding `{}`: last_seen {b} is before first_seen {a}", x.finding_id),
            )
            .with_hint("fix the dates"),
            path: path!["findings", i, "last_seen"],
            related: None,
        });
    }
    if let (Some(a), Some(r)) = (x.first_seen, x.resolved_at)
        && r.deadline() < a.instant()
    {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::DATE_ORDER,
                f,
                format!("finding `{}`: resolved_at {r} is before first_seen {a}", x.finding_id),
            )
            .with_hint("fix the dates"),
            path: path!["findings", i, "resolved_at"],
            related: None,
        });
    }
}

/// A CVSS score is within 0.0..=10.0.
fn check_cvss(i: usize, x: &Finding, f: &str, pending: &mut Vec<Pending>) {
    if let Some(c) = x.cvss
        && (!(0.0..=10.0).contains(&c) || c.is_nan())
    {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::CVSS_RANGE,
                f,
                format!("finding `{}`: cvss {c} is outside 0.0..=10.0", x.finding_id),
            )
            .with_hint("use the CVSS base score"),
            path: path!["findings", i, "cvss"],
            related: None,
        });
    }
}

/// Every CWE and vulnerability id has its shape.
fn check_cwe_cve(i: usize, x: &Finding, f: &str, pending: &mut Vec<Pending>) {
    for (j, c) in x.cwe.iter().enumerate() {
        if !is_cwe(c) {
            pending.push(Pending {
                diag: Diagnostic::error(
                    codes::BAD_CWE_CVE,
                    f,
                    format!("finding `{}`: `{c}` is not a CWE id (CWE-NNN)", x.finding_id),
                )
                .with_hint("write e.g. CWE-79"),
                path: path!["findings", i, "cwe", j],
                related: None,
            });
        }
    }
    for (j, c) in x.cve.iter().enumerate() {
        if !is_vuln_id(c) {
            pending.push(Pending {
                diag: Diagnostic::error(
                    codes::BAD_CWE_CVE,
                    f,
                    format!(
                        "finding `{}`: `{c}` is not a vulnerability id (CVE-YYYY-NNNN, GHSA-..., RUSTSEC-...)",
                        x.finding_id
                    ),
                )
                .with_hint("write e.g. CVE-2021-44228"),
                path: path!["findings", i, "cve", j],
                related: None,
            });
        }
    }
}

/// The exception and policy references are ids of their kind.
fn check_governance_refs(i: usize, x: &Finding, f: &str, pending: &mut Vec<Pending>) {
    if let Some(r) = &x.governance.exception_ref
        && !markdown::is_id(r, "EXC")
    {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::BAD_REFERENCE,
                f,
                format!("finding `{}`: exception_ref `{r}` is not an exception id (EXC-NNN)", x.finding_id),
            )
            .with_hint("reference the exception by its id in exceptions.md, e.g. EXC-001"),
            path: path!["findings", i, "governance", "exception_ref"],
            related: None,
        });
    }
    for (j, p) in x.governance.policy_refs.iter().enumerate() {
        if !markdown::is_id(p, "POL") {
            pending.push(Pending {
                diag: Diagnostic::error(
                    codes::BAD_REFERENCE,
                    f,
                    format!("finding `{}`: policy ref `{p}` is not a policy id (POL-NNN)", x.finding_id),
                )
                .with_hint("reference the policy by its id in policy_map.md, e.g. POL-001"),
                path: path!["findings", i, "governance", "policy_refs", j],
                related: None,
            });
        }
    }
}

/// A scan id is used once, and a scan does not finish before it starts.
fn check_scan<'a>(
    scans: &mut HashMap<&'a str, usize>,
    i: usize,
    s: &'a ScanRecord,
    f: &str,
    pending: &mut Vec<Pending>,
) {
    if let Some(first) = scans.insert(s.scan_id.as_str(), i) {
        pending.push(Pending {
            diag: Diagnostic::error(codes::DUPLICATE_SCAN_ID, f, format!("scan id `{}` is used twice", s.scan_id))
                .with_hint("scan ids are unique"),
            path: path!["scans", i, "scan_id"],
            related: Some((path!["scans", first, "scan_id"], "first used here".into())),
        });
    }
    if let Some(end) = s.finished_at
        && end < s.started_at
    {
        pending.push(Pending {
            diag: Diagnostic::error(
                codes::SCAN_TIME_ORDER,
                f,
                format!("scan `{}` finishes ({end}) before it starts ({})", s.scan_id, s.started_at),
            )
            .with_hint("fix the times"),
            path: path!["scans", i, "finished_at"],
            related: None,
        });
    }
}
