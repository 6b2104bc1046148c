//! `generate-manifest`: hash every sealed file, bind git, rulebook and governance counts, and
//! write the canonical statement, an unsigned DSSE envelope and the YAML view.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::{Diagnostic, LifecycleState, LoadOptions, LoadedWorkspace, Seal, Severity, write_atomic_under};

use crate::files::{self, FileDigest, HashFailure};
use crate::render::{Signers, render_yaml};
use crate::statement::{
    ArtifactEntry, GitBinding, PREDICATE_TYPE, Predicate, RulebookRef, STATEMENT_TYPE, SeverityCounts, Statement,
    Subject,
};
use crate::trust::fmt_time;
use crate::{Error, codes, dsse::Envelope, git, names, seal_of};
use secfw_governance::GovernanceReport;

/// How the git binding is made.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum GitMode {
    /// The repository's `HEAD` (default). A workspace outside git is refused ([`codes::NOT_IN_GIT`]).
    #[default]
    Head,
    /// A given revision (`--snapshot REV`), resolved to its full commit and tree.
    Snapshot(String),
    /// No git binding (`--no-git`); verification then needs `--no-git` too.
    None,
}

/// Options of [`generate_manifest`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GenerateOptions {
    /// Issue time (explicit; never the clock).
    pub now: DateTime<Utc>,
    /// Git binding.
    pub git: GitMode,
    /// Seal even when sealed files differ from the commit (records `dirty: true`, which
    /// verification refuses unless it allows dirty seals too).
    pub allow_dirty: bool,
    /// Project id; default `project:` of rulebook.yaml, then of sec_findings.yaml metadata.
    pub project: Option<String>,
    /// Lifecycle state sealed; default the ledger's `metadata.lifecycle_state`.
    pub lifecycle_state: Option<LifecycleState>,
    /// How long the seal stays acceptable (default 30 days).
    pub validity: Duration,
    /// How the workspace is loaded.
    pub load: LoadOptions,
}

impl GenerateOptions {
    /// Defaults at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now,
            git: GitMode::Head,
            allow_dirty: false,
            project: None,
            lifecycle_state: None,
            validity: Duration::days(30),
            load: LoadOptions::default(),
        }
    }

    /// With a git mode.
    #[must_use]
    pub fn git(mut self, git: GitMode) -> Self {
        self.git = git;
        self
    }

    /// With a project id.
    #[must_use]
    pub fn project(mut self, p: impl Into<String>) -> Self {
        self.project = Some(p.into());
        self
    }

    /// With a validity period.
    #[must_use]
    pub fn validity(mut self, d: Duration) -> Self {
        self.validity = d;
        self
    }
}

/// What [`generate_manifest`] wrote.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Generated {
    /// The statement.
    pub statement: Statement,
    /// Its canonical bytes (the payload to sign).
    pub payload: Vec<u8>,
    /// `sha256:<hex>` of the payload.
    pub seal: Seal,
    /// Files written.
    pub written: Vec<PathBuf>,
    /// Non-fatal notes (e.g. a replaced unsigned draft).
    pub notes: Vec<Diagnostic>,
    /// The sealed files' digests with the identities they were computed from: give them to
    /// the next step ([`crate::VerifyOptions::known`]) so it need not read the files again.
    pub known: files::KnownDigests,
    /// What was hashed (each sealed file once).
    pub stats: files::HashStats,
    /// The caller's [`Preloaded`] workspace was used (the artifacts were not loaded again).
    pub reused_load: bool,
}

/// Build the statement of the workspace at `dir` without writing anything.
pub fn build_statement(dir: &Path, opts: &GenerateOptions) -> Result<(Statement, Vec<Diagnostic>), Error> {
    build(dir, opts, None).map(|b| (b.statement, b.notes))
}

struct Built {
    reused_load: bool,
    statement: Statement,
    notes: Vec<Diagnostic>,
    known: files::KnownDigests,
    stats: files::HashStats,
}

/// A workspace the caller already loaded (with the [`GenerateOptions::load`] options), so
/// `generate-manifest` does not read and parse the artifacts again: the six artifacts'
/// identities taken just before the load began ([`artifact_identities`]) and when it began.
/// It is used only when every identity is settled and still the current one after the other
/// sealed files were hashed; otherwise the artifacts are loaded again.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Preloaded<'a> {
    /// The loaded workspace.
    pub workspace: &'a LoadedWorkspace,
    /// [`artifact_identities`] just before the load began.
    pub identities: &'a [Option<files::FileIdentity>],
    /// The wall clock just before the load began (only decides reuse, never what is sealed).
    pub read_at: std::time::SystemTime,
    /// Governance already evaluated on `workspace`; used only when it was evaluated at the
    /// manifest's `now` (otherwise governance is evaluated again).
    pub governance: Option<&'a GovernanceReport>,
}

impl<'a> Preloaded<'a> {
    /// A loaded workspace with the identities and the wall clock taken just before its load.
    pub fn new(
        workspace: &'a LoadedWorkspace,
        identities: &'a [Option<files::FileIdentity>],
        read_at: std::time::SystemTime,
    ) -> Self {
        Self { workspace, identities, read_at, governance: None }
    }

    /// Hand on the governance report the caller already evaluated on this workspace.
    #[must_use]
    pub fn with_governance(mut self, governance: &'a GovernanceReport) -> Self {
        self.governance = Some(governance);
        self
    }
}

/// The identities of the six artifacts (in [`secfw_artifacts::file_names::ALL`] order) that are
/// regular files, taken without following links.
pub fn artifact_identities(dir: &Path) -> Vec<Option<files::FileIdentity>> {
    secfw_artifacts::file_names::ALL
        .iter()
        .map(|n| {
            std::fs::symlink_metadata(dir.join(n))
                .ok()
                .filter(|m| m.file_type().is_file())
                .as_ref()
                .and_then(files::FileIdentity::of)
        })
        .collect()
}

/// The sealed set enumerated and hashed (every file but the six artifacts).
struct Hashed {
    paths: Vec<String>,
    problems: Vec<files::SetProblem>,
    digests: BTreeMap<String, FileDigest>,
    errors: Vec<Diagnostic>,
}

/// What runs beside the hashing (on the other side of the `rayon::join`): the workspace's own
/// load (unless the caller's is reused), the six artifacts hashed from the loaded bytes, the
/// governance counts and the reading of the manifest already in the workspace. None of it
/// reads a file the hashing reads, and none of it waits for the hashing, so the only work left
/// after the last evidence byte is assembling and writing the statement.
struct Beside {
    /// The workspace loaded here (`None` when the caller's is reused).
    own: Option<Result<LoadedWorkspace, secfw_artifacts::Error>>,
    /// The six artifacts' digests, from the loaded bytes (empty when the load failed).
    artifacts: BTreeMap<String, FileDigest>,
    /// Governance at the manifest's `now` (`None` when the caller's is used or the workspace
    /// has errors and will not be sealed).
    governance: Option<GovernanceReport>,
    /// The manifest already in the workspace, read and checked.
    previous: Result<Option<Previous>, Error>,
}

fn build(dir: &Path, opts: &GenerateOptions, preloaded: Option<Preloaded<'_>>) -> Result<Built, Error> {
    // A workspace loaded by the caller is reused while its artifacts are unchanged and settled.
    let preloaded = preloaded.filter(|p| {
        p.identities.iter().all(|id| id.is_some_and(|id| id.settled_at(p.read_at)))
            && p.identities == artifact_identities(dir).as_slice()
    });
    // Load (and parse) the artifacts while the evidence and digest files are enumerated and
    // hashed on the other cores: the two read disjoint files, so nothing is read twice.
    let (beside, hashed) = rayon::join(|| beside_hashing(dir, opts, preloaded), || hash_sealed_rest(dir));
    let Beside { own, artifacts, governance, previous } = beside;
    let owned;
    let ws: &LoadedWorkspace = match (preloaded, own) {
        (Some(p), _) => p.workspace,
        (None, Some(ws)) => {
            owned = ws?;
            &owned
        }
        (None, None) => return Err(Error::NoWorkspace),
    };
    let given_governance = governance.as_ref().or_else(|| preloaded.and_then(|p| p.governance));
    check_loaded(ws)?;
    let mut notes = Vec::new();
    let project = project_id(ws, opts)?;
    let Hashed { paths, problems, mut digests, errors: hash_errors } = hashed;
    refuse_set_problems(problems, &paths)?;
    digests.extend(artifacts.into_iter().filter(|(p, _)| paths.contains(p)));
    let mut known = files::KnownDigests::new();
    let mut stats = files::HashStats::default();
    for d in digests.values() {
        known.insert(dir.join(&d.path), d);
        stats.files_hashed += 1;
        stats.bytes_hashed += d.size;
    }
    if !hash_errors.is_empty() {
        return Err(Error::Rejected(hash_errors));
    }
    let git_binding = git_binding(dir, &opts.git, opts.allow_dirty)?;
    let (sequence, previous_seal) = chain_to(previous?, &project, &mut notes)?;
    let chain = Chain { project, git: git_binding, sequence, previous_seal };
    let statement = assemble(ws, given_governance, opts, &digests, chain);
    Ok(Built { reused_load: preloaded.is_some(), statement, notes, known, stats })
}

/// The work done beside the hashing (see [`Beside`]).
fn beside_hashing(dir: &Path, opts: &GenerateOptions, preloaded: Option<Preloaded<'_>>) -> Beside {
    let (own, artifacts, governance) = if let Some(p) = preloaded {
        let artifacts = digest_loaded_artifacts(dir, p.workspace, p.identities, p.read_at);
        let governance = match p.governance {
            Some(g) if g.now == opts.now => None,
            _ => governance_of(p.workspace, opts),
        };
        (None, artifacts, governance)
    } else {
        let read_at = std::time::SystemTime::now();
        let pre = artifact_identities(dir);
        let loaded = secfw_artifacts::load(dir, &opts.load);
        let (artifacts, governance) = match &loaded {
            Ok(ws) => (digest_loaded_artifacts(dir, ws, &pre, read_at), governance_of(ws, opts)),
            Err(_) => (BTreeMap::new(), None),
        };
        (Some(loaded), artifacts, governance)
    };
    Beside { own, artifacts, governance, previous: read_previous(dir) }
}

/// Governance at the manifest's `now`, for a workspace that will be sealed (no errors).
fn governance_of(ws: &LoadedWorkspace, opts: &GenerateOptions) -> Option<GovernanceReport> {
    (!ws.diagnostics.iter().any(Diagnostic::is_error)).then(|| secfw_governance::evaluate(ws, opts.now))
}

/// Enumerate the sealed set and hash every file in it but the six artifacts (which are
/// hashed from the loaded bytes).
fn hash_sealed_rest(dir: &Path) -> Hashed {
    let (paths, problems) = files::sealed_set(dir);
    let rest: Vec<String> =
        paths.iter().filter(|p| !secfw_artifacts::file_names::ALL.contains(&p.as_str())).cloned().collect();
    let mut digests: BTreeMap<String, FileDigest> = BTreeMap::new();
    let mut errors = Vec::new();
    for (p, r) in rest.iter().zip(files::hash_all(dir, &rest)) {
        match r {
            Ok(d) => {
                digests.insert(p.clone(), d);
            }
            Err(e) => {
                let code = match e {
                    HashFailure::NotRegular(_) => codes::NOT_REGULAR,
                    HashFailure::Missing(_) => codes::FILE_MISSING,
                    HashFailure::Io(_) => codes::FILE_CHANGED,
                };
                errors.push(Diagnostic::error(code, p.clone(), e.message().to_owned()));
            }
        }
    }
    Hashed { paths, problems, digests, errors }
}

/// A workspace with errors is not sealed.
fn check_loaded(ws: &LoadedWorkspace) -> Result<(), Error> {
    let mut errors: Vec<Diagnostic> = ws.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    if errors.is_empty() {
        return Ok(());
    }
    let n = errors.len();
    errors.insert(
        0,
        Diagnostic::error(
            codes::WORKSPACE_INVALID,
            names::MANIFEST,
            format!("the workspace has {n} error(s) and cannot be sealed"),
        )
        .with_hint("fix the errors listed below (`secfw validate`), then generate the manifest again"),
    );
    Err(Error::Rejected(errors))
}

/// The project id sealed: the option, else the rulebook's, else the ledger's; it must be usable.
fn project_id(ws: &LoadedWorkspace, opts: &GenerateOptions) -> Result<String, Error> {
    let project = opts
        .project
        .clone()
        .or_else(|| ws.rulebook.as_ref().and_then(|r| r.project.clone()))
        .or_else(|| ws.findings.as_ref().and_then(|f| f.metadata.project.clone()))
        .ok_or_else(|| {
            Error::rejected(
                Diagnostic::error(codes::NO_PROJECT, secfw_artifacts::file_names::RULEBOOK, "no project id to seal")
                    .with_hint("add `project: <id>` to rulebook.yaml, or pass --project ID"),
            )
        })?;
    if project.is_empty() || project.len() > 128 || project.chars().any(char::is_control) {
        return Err(Error::rejected(
            Diagnostic::error(
                codes::NO_PROJECT,
                secfw_artifacts::file_names::RULEBOOK,
                format!("project id `{}` is not usable", project.escape_debug()),
            )
            .with_hint("use 1-128 printable characters"),
        ));
    }
    Ok(project)
}

/// The sealed set's problems (symlinks, devices, bad names, case collisions) refuse the seal.
fn refuse_set_problems(problems: Vec<files::SetProblem>, paths: &[String]) -> Result<(), Error> {
    let mut refuse: Vec<Diagnostic> = problems
        .into_iter()
        .map(|p| {
            let code = if p.message.contains("sealed paths use only") || p.message.contains("segment") {
                codes::BAD_PATH
            } else {
                codes::NOT_REGULAR
            };
            Diagnostic::error(code, p.path, p.message)
                .with_hint("sealed files must be regular files with portable names; move or rename it")
        })
        .collect();
    for (a, b) in files::case_collisions(paths) {
        refuse.push(
            Diagnostic::error(codes::PATH_COLLISION, b.clone(), format!("`{a}` and `{b}` differ only in letter case"))
                .with_hint("rename one: they collide on case-insensitive file systems"),
        );
    }
    if refuse.is_empty() { Ok(()) } else { Err(Error::Rejected(refuse)) }
}

/// The loaded files (the six artifacts and the VEX record) are hashed from the bytes already
/// loaded, so what is sealed is what was parsed; only those in the sealed set are used. The six
/// artifacts are never read twice. Their
/// identity is kept for the next step only when it was the same just before and just after
/// the load and settled before it: then the loaded bytes are that version of the file.
fn digest_loaded_artifacts(
    dir: &Path,
    ws: &LoadedWorkspace,
    pre: &[Option<files::FileIdentity>],
    read_at: std::time::SystemTime,
) -> BTreeMap<String, FileDigest> {
    let post = artifact_identities(dir);
    let mut digests = BTreeMap::new();
    for (p, src) in &ws.sources {
        let b = src.text.as_bytes();
        let size = b.len() as u64;
        let identity = secfw_artifacts::file_names::ALL
            .iter()
            .position(|n| n == p)
            .and_then(|i| pre.get(i).copied().flatten().filter(|id| post.get(i) == Some(&Some(*id))))
            .filter(|id| id.size == size && id.settled_at(read_at));
        digests.insert(
            p.clone(),
            FileDigest { path: p.clone(), sha256: secfw_artifacts::Sha256Digest::of(b), size, identity },
        );
    }
    digests
}

/// The git binding of the seal (none with [`GitMode::None`]); a dirty tree is refused unless
/// allowed.
fn git_binding(dir: &Path, mode: &GitMode, allow_dirty: bool) -> Result<Option<GitBinding>, Error> {
    if *mode == GitMode::None {
        return Ok(None);
    }
    if !git::is_repo(dir) {
        return Err(Error::rejected(
            Diagnostic::error(
                codes::NOT_IN_GIT,
                names::MANIFEST,
                format!("{} is not inside a git repository", dir.display()),
            )
            .with_hint("commit the workspace to git, or pass --no-git to seal without a source-control binding"),
        ));
    }
    let rev = match mode {
        GitMode::Snapshot(r) => Some(r.as_str()),
        _ => None,
    };
    let mut specs: Vec<&str> = secfw_artifacts::file_names::ALL.to_vec();
    specs.extend(names::DIGESTS);
    specs.push(names::EVIDENCE_DIR);
    let snap = git::snapshot(dir, rev, &specs).map_err(|e| {
        Error::rejected(
            Diagnostic::error(codes::GIT_FAILED, names::MANIFEST, e).with_hint("check the revision and the repository"),
        )
    })?;
    if snap.dirty && !allow_dirty {
        return Err(Error::rejected(
            Diagnostic::error(
                codes::DIRTY,
                names::MANIFEST,
                format!("sealed files differ from commit {} (uncommitted or untracked changes)", snap.commit),
            )
            .with_hint("commit the artifacts and evidence first (`git status`), or pass --allow-dirty"),
        ));
    }
    Ok(Some(GitBinding { branch: snap.branch, commit: snap.commit, dirty: snap.dirty, tree: snap.tree }))
}

/// Where the statement sits: the project, the git binding and its place in the seal chain.
struct Chain {
    project: String,
    git: Option<GitBinding>,
    sequence: u64,
    previous_seal: Option<Seal>,
}

/// The statement: the digests, the governance counts at `now` (open findings not covered by a
/// valid exception count; excepted findings do not: Critical=0 semantics), the chain.
fn assemble(
    ws: &LoadedWorkspace,
    given_governance: Option<&GovernanceReport>,
    opts: &GenerateOptions,
    digests: &BTreeMap<String, FileDigest>,
    chain: Chain,
) -> Statement {
    let Chain { project, git, sequence, previous_seal } = chain;
    let evaluated;
    let gov = match given_governance {
        Some(g) if g.now == opts.now => g,
        _ => {
            evaluated = secfw_governance::evaluate(ws, opts.now);
            &evaluated
        }
    };
    let open = |s: Severity| gov.counts.open.get(&s).copied().unwrap_or(0);
    let counts = SeverityCounts {
        critical: open(Severity::Critical),
        high: open(Severity::High),
        low: open(Severity::Low),
        medium: open(Severity::Medium),
    };
    let now = opts.now;
    let exceptions_active = gov.exceptions.iter().filter(|e| e.is_valid()).count() as u64;
    let state = opts
        .lifecycle_state
        .or_else(|| ws.findings.as_ref().map(|f| f.metadata.lifecycle_state))
        .unwrap_or(LifecycleState::ReadyForHandoff);
    let rulebook = ws.rulebook.as_ref().map(|r| r.version.clone()).unwrap_or_default();
    let rb_digest = digests.get(secfw_artifacts::file_names::RULEBOOK).map(|d| d.sha256.to_hex()).unwrap_or_default();
    let issued = fmt_time(now);
    let expires = fmt_time(secfw_artifacts::add_saturating(now, opts.validity));
    let manifest_id = manifest_uuid(&project, sequence, &issued);
    let artifacts: Vec<ArtifactEntry> =
        digests.values().map(|d| ArtifactEntry { path: d.path.clone(), sha256: d.sha256, size: d.size }).collect();
    let subject = artifacts
        .iter()
        .map(|a| Subject { name: a.path.clone(), digest: BTreeMap::from([("sha256".to_owned(), a.sha256.to_hex())]) })
        .collect();
    Statement {
        type_: STATEMENT_TYPE.to_owned(),
        subject,
        predicate_type: PREDICATE_TYPE.to_owned(),
        predicate: Predicate {
            artifacts,
            exceptions_active,
            expires,
            git,
            issued_at: issued,
            lifecycle_state: state.as_str().to_owned(),
            manifest_id,
            manifest_version: 1,
            previous_seal,
            project,
            rulebook: RulebookRef {
                digest: BTreeMap::from([("sha256".to_owned(), rb_digest)]),
                name: secfw_artifacts::file_names::RULEBOOK.to_owned(),
                version: rulebook,
            },
            sequence,
            severity_counts: counts,
        },
    }
}

/// The manifest already in the workspace: what the next one chains to.
#[derive(Debug)]
struct Previous {
    /// The statement's project.
    project: String,
    /// Its sequence number.
    sequence: u64,
    /// The seal it chains to.
    chained_to: Option<Seal>,
    /// The seal of the statement itself, when the envelope beside it signs exactly it.
    signed_seal: Option<Seal>,
}

/// Read and check the statement already in `dir` (`None` when there is none), and whether the
/// envelope beside it carries signatures over exactly those bytes. Runs beside the hashing; its
/// error is reported where the chain is decided ([`chain_to`]), after the workspace's own.
fn read_previous(dir: &Path) -> Result<Option<Previous>, Error> {
    let sp = dir.join(names::STATEMENT);
    if std::fs::symlink_metadata(&sp).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Ok(None);
    }
    let bytes = crate::verify::read_seal_file(&sp, crate::statement::MAX_PAYLOAD_BYTES as u64).map_err(|m| {
        Error::rejected(
            Diagnostic::error(codes::SEAL_FILE, names::STATEMENT, m)
                .with_hint("handoff.statement.json must be a regular file written by secfw"),
        )
    })?;
    let old = Statement::parse_payload(&bytes).map_err(|p| {
        Error::Rejected(
            p.into_iter()
                .map(|(c, m)| {
                    Diagnostic::error(c, names::STATEMENT, format!("the existing statement is unusable: {m}"))
                        .with_hint("it sets the next sequence number; restore it from git or a package, or move it away to start a new chain")
                })
                .collect(),
        )
    })?;
    let signed = crate::verify::read_seal_file(&dir.join(names::ENVELOPE), crate::dsse::MAX_ENVELOPE_BYTES)
        .ok()
        .and_then(|b| Envelope::parse(&b).ok())
        .is_some_and(|e| !e.signatures.is_empty() && e.body().is_ok_and(|b| b == bytes));
    let predicate = old.predicate;
    Ok(Some(Previous {
        project: predicate.project,
        sequence: predicate.sequence,
        chained_to: predicate.previous_seal,
        signed_seal: signed.then(|| seal_of(&bytes)),
    }))
}

/// The next sequence number and the previous seal, from the manifest already in the workspace
/// ([`read_previous`]). An unsigned draft is replaced (its own predecessor is kept); a signed
/// one is chained to.
fn chain_to(old: Option<Previous>, project: &str, notes: &mut Vec<Diagnostic>) -> Result<(u64, Option<Seal>), Error> {
    let Some(old) = old else { return Ok((1, None)) };
    if old.project != project {
        return Err(Error::rejected(
            Diagnostic::error(
                codes::PROJECT,
                names::STATEMENT,
                format!("the existing manifest is for project `{}`, not `{project}`", old.project),
            )
            .with_hint("seal each project in its own workspace"),
        ));
    }
    if let Some(seal) = old.signed_seal {
        Ok((old.sequence + 1, Some(seal)))
    } else {
        notes.push(Diagnostic::note(
            codes::CHAIN,
            names::STATEMENT,
            format!("replacing unsigned draft sequence {}", old.sequence),
        ));
        Ok((old.sequence, old.chained_to))
    }
}

/// A UUID-shaped id derived from project, sequence and issue time (deterministic).
fn manifest_uuid(project: &str, sequence: u64, issued: &str) -> String {
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(format!("secfw-manifest\0{project}\0{sequence}\0{issued}").as_bytes());
    // Version 8 (custom), RFC 4122 variant: its two free bits come from the ASCII code of the 17th
    // hex digit of the digest (as every id so far was derived).
    let variant = ["8", "9", "a", "b"][usize::from(hex::encode(&d[8..9]).as_bytes()[0] % 4)];
    format!(
        "{}-{}-8{:x}{:02x}-{variant}{:x}{:02x}-{}",
        hex::encode(&d[0..4]),
        hex::encode(&d[4..6]),
        d[6] & 0x0f,
        d[7],
        d[8] & 0x0f,
        d[9],
        hex::encode(&d[10..16])
    )
}

/// Generate and write the manifest of the workspace at `dir`: `handoff.statement.json`, an
/// unsigned `handoff.intoto.json` and `handoff_manifest.yaml` (stale SSHSIG sidecars removed).
pub fn generate_manifest(dir: &Path, opts: &GenerateOptions) -> Result<Generated, Error> {
    generate_manifest_preloaded(dir, None, opts)
}

/// [`generate_manifest`] reusing a workspace the caller already loaded (see [`Preloaded`]):
/// the artifacts are then neither read nor parsed again, only hashed from the loaded bytes.
pub fn generate_manifest_preloaded(
    dir: &Path,
    preloaded: Option<Preloaded<'_>>,
    opts: &GenerateOptions,
) -> Result<Generated, Error> {
    let Built { reused_load, statement, notes, known, stats } = build(dir, opts, preloaded)?;
    let payload = statement.to_payload()?;
    let seal = seal_of(&payload);
    // The three files are rendered and written on three threads: each write is atomic and
    // durable (temporary file, fsync, rename, fsync of the directory), and the six fsyncs,
    // which wait for the disk, then overlap instead of queuing. As before, a reader between
    // two renames sees a statement and an envelope that do not match, which verification
    // refuses; the workspace lock keeps secfw's own readers out until all three are written.
    let statement_ref = &statement;
    let payload_ref = &payload;
    let seal_text = seal.to_string();
    let results: [Result<(), Error>; 3] = std::thread::scope(|s| {
        let envelope = s.spawn(|| write_output(dir, names::ENVELOPE, &Envelope::new(payload_ref).to_json()));
        let manifest = s.spawn(|| {
            let yaml = render_yaml(statement_ref, &seal_text, &Signers::default());
            write_output(dir, names::MANIFEST, yaml.as_bytes())
        });
        let own = write_output(dir, names::STATEMENT, payload_ref);
        [own, join_writer(envelope), join_writer(manifest)]
    });
    for r in results {
        r?;
    }
    let written = [names::STATEMENT, names::ENVELOPE, names::MANIFEST].iter().map(|n| dir.join(n)).collect();
    remove_sidecars(dir, &[])?;
    Ok(Generated { statement, payload, seal, written, notes, known, stats, reused_load })
}

/// Write one of the manifest's files, never through a link: a symlink at the name is replaced,
/// not followed.
fn write_output(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    write_atomic_under(dir, Path::new(name), bytes).map_err(Error::from)
}

/// The result of a writer thread (a panic in it is a panic here).
fn join_writer(h: std::thread::ScopedJoinHandle<'_, Result<(), Error>>) -> Result<(), Error> {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// Remove `handoff.statement.json.*.sig` (signatures over an older statement) except those
/// named in `keep`: after a new statement is written (generate) or restored (rollback).
pub(crate) fn remove_sidecars(dir: &Path, keep: &[String]) -> Result<(), Error> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if crate::is_sidecar_name(&n) && !keep.contains(&n) {
            std::fs::remove_file(e.path()).map_err(|err| Error::io(e.path(), err))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_ids_are_the_uuid_shaped_digest_they_always_were() {
        for (project, seq, issued) in [("demo", 1, "2026-01-01T00:00:00Z"), ("é€", 42, "x"), ("", 0, "")] {
            // The former derivation, from the hex text of the whole digest.
            let h = crate::sha256_hex(format!("secfw-manifest\0{project}\0{seq}\0{issued}").as_bytes());
            let part = |r: std::ops::Range<usize>| h.get(r).unwrap().to_owned();
            let variant = ["8", "9", "a", "b"][usize::from(h.as_bytes()[16] % 4)];
            let was =
                format!("{}-{}-8{}-{variant}{}-{}", part(0..8), part(8..12), part(13..16), part(17..20), part(20..32));
            assert_eq!(manifest_uuid(project, seq, issued), was);
        }
    }
}
