//! `verify-manifest`: every step of the sealing design (research/sealing.md §6.3), each a named
//! [`Check`], all of them run so the report names every failure.

use std::collections::BTreeSet;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::Code;
use secfw_artifacts::{Diagnostic, Pos, Seal};
use serde::{Deserialize, Serialize};

use crate::dsse::{Envelope, MAX_ENVELOPE_BYTES, PAYLOAD_TYPE, b64_decode, pae};
use crate::files::{self, HashFailure};
use crate::keys::PublicKey;
use crate::render::{Signers, render_yaml};
use crate::statement::{GitBinding, Statement, is_sha256_hex};
use crate::trust::{Role, TrustPolicy, parse_time};
use crate::{codes, git, names, seal_of};

/// The checks, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CheckName {
    /// The trust policy is valid and not expired.
    TrustPolicy,
    /// The envelope parses (payload, payloadType, non-empty signatures).
    Envelope,
    /// payloadType is exactly `application/vnd.in-toto+json`.
    PayloadType,
    /// Signatures verify over the PAE against trusted keys.
    Signatures,
    /// Each role's k-of-n threshold is met by distinct keys.
    Thresholds,
    /// Every SSHSIG sidecar is the canonical SSHSIG over the payload, in secfw's namespace, by
    /// the trusted key its name names, whose envelope signature verified.
    Sidecars,
    /// The payload is canonical JSON.
    CanonicalPayload,
    /// The payload is a valid secfw Statement v1 (types, subjects, paths, digests).
    Statement,
    /// `handoff.statement.json` holds exactly the signed payload.
    StatementFile,
    /// Every sealed file is present, regular, and matches digest and size.
    Files,
    /// No unlisted file in the sealed set.
    ClosedSet,
    /// Git commit/tree binding.
    Git,
    /// Rulebook binding.
    Rulebook,
    /// Not expired, not issued in the future.
    Expiry,
    /// Expected project.
    Project,
    /// No rollback below the last accepted sequence.
    Sequence,
    /// The previous-seal chain.
    Chain,
    /// `handoff_manifest.yaml` equals its rendering.
    YamlView,
    /// No open critical finding was sealed (when required).
    CriticalZero,
}

impl CheckName {
    /// Kebab-case name, e.g. `yaml-view`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TrustPolicy => "trust-policy",
            Self::Envelope => "envelope",
            Self::PayloadType => "payload-type",
            Self::Signatures => "signatures",
            Self::Thresholds => "thresholds",
            Self::Sidecars => "sidecars",
            Self::CanonicalPayload => "canonical-payload",
            Self::Statement => "statement",
            Self::StatementFile => "statement-file",
            Self::Files => "files",
            Self::ClosedSet => "closed-set",
            Self::Git => "git",
            Self::Rulebook => "rulebook",
            Self::Expiry => "expiry",
            Self::Project => "project",
            Self::Sequence => "sequence",
            Self::Chain => "chain",
            Self::YamlView => "yaml-view",
            Self::CriticalZero => "critical-zero",
        }
    }
}

impl fmt::Display for CheckName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check's outcome.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Check {
    /// Which check.
    pub name: CheckName,
    /// Passed (or not applicable).
    pub passed: bool,
    /// One-line summary.
    pub detail: String,
    /// Problems (errors when failed; notes otherwise).
    pub diagnostics: Vec<Diagnostic>,
}

/// The last accepted manifest of a project, kept by a verifier to refuse rollbacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SealState {
    /// Project id.
    pub project: String,
    /// Last accepted sequence.
    pub sequence: u64,
    /// Its seal.
    pub seal: Seal,
}

/// Largest state file read (64 KiB).
pub const MAX_STATE_BYTES: u64 = 64 * 1024;

impl SealState {
    /// Read a state file (a regular file of at most [`MAX_STATE_BYTES`], never blocking).
    pub fn load(path: &Path) -> Result<Self, crate::Error> {
        let b = secfw_artifacts::read_regular(path, MAX_STATE_BYTES, secfw_artifacts::Links::Refuse).map_err(|e| {
            crate::Error::rejected(
                Diagnostic::error(codes::SEAL_FILE, path.display().to_string(), format!("state file: {e}")).with_hint(
                    "the state file must be a regular file written by secfw; remove it only to reset on purpose",
                ),
            )
        })?;
        serde_json::from_slice(&b).map_err(|e| {
            crate::Error::rejected(
                Diagnostic::error(codes::ROLLBACK, path.display().to_string(), format!("state file: {e}"))
                    .at(u32::try_from(e.line()).ok().zip(u32::try_from(e.column()).ok()).map(|(l, c)| Pos::new(l, c)))
                    .with_hint("the state file is written by `secfw verify-manifest --state FILE --update-state`"),
            )
        })
    }

    /// Write a state file atomically.
    pub fn save(&self, path: &Path) -> Result<(), crate::Error> {
        secfw_artifacts::write_atomic(path, &self.to_json())?;
        Ok(())
    }

    fn to_json(&self) -> Vec<u8> {
        let mut b = serde_json::to_vec_pretty(self).unwrap_or_default();
        b.push(b'\n');
        b
    }

    /// The state a workspace keeps of the last manifest it accepted (`.secfw/seal-state.json`),
    /// if there is one.
    pub fn load_workspace(dir: &Path) -> Result<Option<Self>, crate::Error> {
        let p = dir.join(names::STATE);
        match std::fs::symlink_metadata(&p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            _ => Self::load(&p).map(Some),
        }
    }

    /// Write the workspace's state file atomically, never through a symlinked `.secfw`.
    pub fn save_workspace(&self, dir: &Path) -> Result<(), crate::Error> {
        secfw_artifacts::write_atomic_under(dir, Path::new(names::STATE), &self.to_json())?;
        Ok(())
    }

    /// The state a passed report establishes, if it carries a statement.
    pub fn of_report(r: &VerifyReport) -> Option<Self> {
        match (&r.statement, &r.seal) {
            (Some(st), Some(seal)) if r.passed() => {
                Some(Self { project: st.predicate.project.clone(), sequence: st.predicate.sequence, seal: *seal })
            }
            _ => None,
        }
    }
}

/// Record a passed verification as the last manifest `dir` accepted. Never lowers the recorded
/// sequence (use [`SealState::save_workspace`] for a deliberate rollback).
pub fn record_accepted(dir: &Path, r: &VerifyReport) -> Result<(), crate::Error> {
    let Some(new) = SealState::of_report(r) else { return Ok(()) };
    if let Some(old) = SealState::load_workspace(dir)?
        && old.project == new.project
        && old.sequence > new.sequence
    {
        return Ok(());
    }
    new.save_workspace(dir)
}

/// The project id of the workspace at `dir`: `project:` of its rulebook.yaml, else of its
/// sec_findings.yaml metadata (as `generate-manifest` chooses it). Read without blocking.
pub fn workspace_project(dir: &Path) -> Option<String> {
    use secfw_artifacts::{Links, read_regular};
    let read = |name: &str| -> Option<secfw_artifacts::SourceFile> {
        let b = read_regular(&dir.join(name), 16 * 1024 * 1024, Links::Refuse).ok()?;
        Some(secfw_artifacts::SourceFile::new(name.to_owned(), String::from_utf8(b).ok()?))
    };
    let lo = secfw_artifacts::LoadOptions::default();
    let mut diags = Vec::new();
    if let Some(src) = read(secfw_artifacts::file_names::RULEBOOK)
        && let Some(p) = secfw_artifacts::parse_rulebook(&src, &lo, &mut diags).and_then(|r| r.project)
    {
        return Some(p);
    }
    let src = read(secfw_artifacts::file_names::FINDINGS)?;
    secfw_artifacts::parse_findings(&src, &lo, &mut diags).and_then(|f| f.metadata.project)
}

/// What to require beyond the signed content.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Verification time.
    pub now: DateTime<Utc>,
    /// Require this commit (a revision resolved in the workspace, or a full id).
    pub expect_commit: Option<String>,
    /// Require this project.
    pub expect_project: Option<String>,
    /// Require this rulebook digest (`sha256:<hex>` or `<hex>`).
    pub expect_rulebook: Option<String>,
    /// Last accepted state (rollback and chain checks).
    pub state: Option<SealState>,
    /// Require a git binding (default true; `--no-git` turns it off).
    pub require_git: bool,
    /// Compare the git binding with the repository around the workspace (default true).
    pub git_repository: bool,
    /// Accept `dirty: true`.
    pub allow_dirty: bool,
    /// Refuse unlisted files in the sealed set (default true).
    pub closed_set: bool,
    /// Accept an expired manifest (rollback of an old package).
    pub allow_expired: bool,
    /// Tolerated clock skew for `issuedAt` (default 5 minutes).
    pub max_skew: Duration,
    /// Fail when open critical findings were sealed.
    pub require_critical_zero: bool,
    /// Check role thresholds (off only while signing: the state before the last signature).
    pub check_thresholds: bool,
    /// Accept a manifest of any project (a deliberate cross-project restore). By default the
    /// manifest's project must be `expect_project`, else the state's, else the workspace's.
    pub any_project: bool,
    /// When `state` is not given, read the workspace's own `.secfw/seal-state.json` (default
    /// true): a manifest older than the last one the workspace accepted is refused.
    pub workspace_state: bool,
    /// Digests an earlier step of this process computed, with the file identities they were
    /// computed from ([`VerifyReport::known`], [`crate::Generated::known`]). A sealed file whose
    /// current identity (device, inode, size, mtime, ctime) is the recorded one is not read
    /// again; any other file is hashed. Default: none (every file is hashed).
    pub known: Option<std::sync::Arc<files::KnownDigests>>,
}

impl VerifyOptions {
    /// Defaults at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now,
            expect_commit: None,
            expect_project: None,
            expect_rulebook: None,
            state: None,
            require_git: true,
            git_repository: true,
            allow_dirty: false,
            closed_set: true,
            allow_expired: false,
            max_skew: Duration::minutes(5),
            require_critical_zero: false,
            check_thresholds: true,
            any_project: false,
            workspace_state: true,
            known: None,
        }
    }

    /// Reuse the digests in `known` for files whose identity still matches.
    #[must_use]
    pub fn known(mut self, known: std::sync::Arc<files::KnownDigests>) -> Self {
        self.known = Some(known);
        self
    }

    /// With `require_git`.
    #[must_use]
    pub fn require_git(mut self, on: bool) -> Self {
        self.require_git = on;
        self
    }

    /// With an expected commit.
    #[must_use]
    pub fn expect_commit(mut self, rev: impl Into<String>) -> Self {
        self.expect_commit = Some(rev.into());
        self
    }

    /// With a last accepted state.
    #[must_use]
    pub fn state(mut self, s: SealState) -> Self {
        self.state = Some(s);
        self
    }
}

/// The result of a verification.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The workspace directory.
    pub dir: PathBuf,
    /// Every check run.
    pub checks: Vec<Check>,
    /// The seal, when the payload could be read.
    pub seal: Option<Seal>,
    /// The verified statement, when it parsed.
    #[serde(skip)]
    pub statement: Option<Statement>,
    /// Identities whose signatures verified, per role.
    #[serde(skip)]
    pub signers: Signers,
    /// Keyids of the distinct trusted keys whose signatures verified.
    pub accepted_keyids: Vec<String>,
    /// What this verification hashed and what it reused (not serialized: reuse depends on file
    /// timestamps, and reports stay the same for the same inputs).
    #[serde(skip)]
    pub stats: files::HashStats,
    /// The digests of the sealed files that matched, with the identities they belong to: give
    /// them to the next step ([`VerifyOptions::known`]) so it need not read the files again.
    #[serde(skip)]
    pub known: files::KnownDigests,
}

impl VerifyReport {
    /// `true` when every check passed.
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.passed)
    }

    /// Names of the failed checks.
    pub fn failed_names(&self) -> Vec<&'static str> {
        self.checks.iter().filter(|c| !c.passed).map(|c| c.name.as_str()).collect()
    }

    /// The outcome of one check.
    pub fn check(&self, name: CheckName) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// `true` when `name` ran and failed.
    pub fn failed(&self, name: CheckName) -> bool {
        self.check(name).is_some_and(|c| !c.passed)
    }

    /// Every diagnostic of every check.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.checks.iter().flat_map(|c| c.diagnostics.iter().cloned()).collect()
    }

    /// Codes of all error diagnostics.
    pub fn error_codes(&self) -> BTreeSet<Code> {
        self.checks.iter().flat_map(|c| c.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code)).collect()
    }

    /// The report of a package this process verified completely before (see
    /// [`files::KnownDigests::package`]): one passed `files` check naming the earlier
    /// verification, the seal, and the package record kept for the next step.
    pub(crate) fn reused_package(archive: &Path, p: &files::VerifiedPackage) -> Self {
        let mut known = files::KnownDigests::new();
        known.insert_package(archive.to_path_buf(), p.clone());
        Self {
            dir: archive.to_path_buf(),
            checks: vec![Check {
                name: CheckName::Files,
                passed: true,
                detail: format!(
                    "verified completely earlier in this process (seal {}); the archive's identity is unchanged",
                    p.seal
                ),
                diagnostics: Vec::new(),
            }],
            seal: Some(p.seal),
            statement: None,
            signers: Signers::default(),
            accepted_keyids: Vec::new(),
            stats: files::HashStats { packages_reused: 1, ..files::HashStats::default() },
            known,
        }
    }

    fn push(&mut self, name: CheckName, diagnostics: Vec<Diagnostic>, ok_detail: impl Into<String>) {
        let passed = !diagnostics.iter().any(Diagnostic::is_error);
        let detail = if passed {
            ok_detail.into()
        } else {
            diagnostics.iter().find(|d| d.is_error()).map(|d| d.message.clone()).unwrap_or_default()
        };
        self.checks.push(Check { name, passed, detail, diagnostics });
    }
}

fn err(code: Code, file: &str, msg: impl Into<String>, hint: &str) -> Diagnostic {
    Diagnostic::error(code, file, msg).with_hint(hint)
}

/// Verify the sealed workspace whose manifest is `manifest` (its directory holds the envelope,
/// statement and sealed files) against `trust`.
pub fn verify_manifest(manifest: &Path, trust: &TrustPolicy, opts: &VerifyOptions) -> VerifyReport {
    let dir = match manifest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    verify_dir(&dir, manifest, trust, opts)
}

pub(crate) fn verify_dir(dir: &Path, manifest: &Path, trust: &TrustPolicy, opts: &VerifyOptions) -> VerifyReport {
    let mut r = VerifyReport {
        dir: dir.to_path_buf(),
        checks: Vec::new(),
        seal: None,
        statement: None,
        signers: Signers::default(),
        accepted_keyids: Vec::new(),
        stats: files::HashStats::default(),
        known: files::KnownDigests::default(),
    };
    // Each check records its outcome in `r`; a check whose result later checks need returns
    // it, and `None` stops the verification (nothing after it can be checked).
    let trust_ok = check_trust_policy(&mut r, trust, opts);
    let Some(env) = check_envelope(&mut r, dir, trust) else { return r };
    check_payload_type(&mut r, &env);
    let Some(body) = payload_body(&mut r, &env) else { return r };
    let seal = seal_of(&body);
    r.seal = Some(seal);
    let accepted = check_signatures(&mut r, trust, &env, &body);
    check_thresholds(&mut r, trust, opts, trust_ok, &accepted);
    check_sidecars(&mut r, dir, trust, &accepted, &body);
    let Some(st) = check_statement(&mut r, &body) else { return r };
    check_statement_file(&mut r, dir, &body);
    let paths = check_files(&mut r, dir, &st, opts);
    if opts.closed_set {
        check_closed_set(&mut r, dir, &paths);
    }
    r.push(
        CheckName::Git,
        check_git(dir, &st, opts),
        st.predicate.git.as_ref().map_or("no git binding".to_owned(), |g| format!("commit {}", g.commit)),
    );
    check_rulebook(&mut r, &st, opts);
    check_expiry(&mut r, &st, opts);
    check_project_sequence_chain(&mut r, dir, &st, &seal, opts);
    check_yaml_view(&mut r, manifest, &st, &seal);
    if opts.require_critical_zero {
        check_critical_zero(&mut r, &st);
    }
    r.statement = Some(st);
    r
}

/// Check 1: The trust policy is valid at `now`; returns whether it is.
fn check_trust_policy(r: &mut VerifyReport, trust: &TrustPolicy, opts: &VerifyOptions) -> bool {
    let tp: Vec<Diagnostic> = trust
        .problems(opts.now)
        .into_iter()
        .map(|m| {
            err(
                codes::TRUST_POLICY,
                "trust policy",
                m,
                "fix the trust policy (secfw trust ...) and distribute it again",
            )
        })
        .collect();
    let trust_ok = tp.is_empty();
    r.push(CheckName::TrustPolicy, tp, format!("version {}, {} key(s)", trust.version, trust.keys.len()));
    trust_ok
}

/// Check 2: The envelope parses and is exactly the file secfw writes for its verified
/// signatures ([`envelope_form`]); an envelope with no signatures fails the check but is
/// returned (the later checks still name what else is wrong).
fn check_envelope(r: &mut VerifyReport, dir: &Path, trust: &TrustPolicy) -> Option<Envelope> {
    let ep = dir.join(names::ENVELOPE);
    let bytes = read_seal_file(&ep, MAX_ENVELOPE_BYTES);
    match bytes.as_deref().map_err(Clone::clone).and_then(Envelope::parse) {
        Ok(e) => {
            let mut diags = Vec::new();
            if e.signatures.is_empty() {
                diags.push(err(
                    codes::ENVELOPE,
                    names::ENVELOPE,
                    "the envelope has no signatures",
                    "sign it: secfw sign-manifest",
                ));
            }
            // A payload that does not decode is reported by the signatures check.
            if let (Ok(raw), Ok(body)) = (&bytes, e.body()) {
                diags.extend(envelope_form(raw, &e, &body, trust).into_iter().map(|p| {
                    Diagnostic::error(p.code, names::ENVELOPE, p.message).at(p.pos).with_hint(ENVELOPE_FORM_HINT)
                }));
            }
            r.push(
                CheckName::Envelope,
                diags,
                format!("{} signature(s), exactly as secfw writes them", e.signatures.len()),
            );
            Some(e)
        }
        Err(m) => {
            r.push(
                CheckName::Envelope,
                vec![err(codes::ENVELOPE, names::ENVELOPE, m, "regenerate and re-sign the manifest")],
                "",
            );
            None
        }
    }
}

/// The hint of every envelope [`envelope_form`] refuses.
pub(crate) const ENVELOPE_FORM_HINT: &str = "the envelope may hold only what `secfw generate-manifest` and `secfw sign-manifest` write: `payload`, `payloadType` and one `{keyid, sig}` per trusted key whose signature verifies, in secfw's layout; restore the file secfw wrote, or regenerate the manifest and collect the signatures again";

/// One reason [`envelope_form`] refuses an envelope: a stable code, where in the file (when
/// known) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FormProblem {
    pub(crate) code: Code,
    pub(crate) pos: Option<Pos>,
    pub(crate) message: String,
}

/// The one rule for what a handoff envelope may hold (`docs/sealing.md`, check `envelope`):
/// the file must be byte for byte [`Envelope::to_json`] of its own payload, payloadType and
/// signatures, where every signature verifies over the PAE with a key of `trust`, is labelled
/// with that key's keyid and is the only one by that key. Signatures are not over the envelope,
/// so anything else in it is content no signature covers, which a restore would write and
/// another DSSE reader might read differently: a duplicate key at any depth (readers disagree
/// on which one wins), a field DSSE does not define, a signature that does not verify (a
/// forged or revoked signer), a relabelled or repeated one, another layout, escape, base64
/// alphabet or padding. Each is a [`FormProblem`]; none means the envelope is exact.
/// `verify-manifest` (and so `sign-manifest`, `unpack`, `rollback`, `verify-package`) and the
/// package scan before extraction all apply this function.
pub(crate) fn envelope_form(bytes: &[u8], env: &Envelope, body: &[u8], trust: &TrustPolicy) -> Vec<FormProblem> {
    // Duplicate keys first: with them, which value the rest of this function sees is a
    // parser's choice, so nothing else is judged.
    if let Err(e) = serde_json::from_slice::<crate::trust::NoDuplicates>(bytes) {
        let pos = u32::try_from(e.line()).ok().zip(u32::try_from(e.column()).ok());
        return vec![FormProblem {
            code: codes::ENVELOPE,
            pos: pos.map(|(line, column)| Pos { line, column }),
            message: format!("{e}: JSON readers disagree on which value of a repeated key counts, so none is accepted"),
        }];
    }
    let mut out = unknown_fields(bytes);
    out.extend(signature_problems(bytes, env, body, trust));
    if out.is_empty() {
        out.extend(layout_problem(bytes, env, body));
    }
    out
}

/// Fields DSSE does not define: at the top level (payload, payloadType, signatures) and in
/// each signature (keyid, sig).
fn unknown_fields(bytes: &[u8]) -> Vec<FormProblem> {
    let value: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    let unknown = |o: Option<&serde_json::Map<String, serde_json::Value>>, allowed: &[&str]| -> Vec<String> {
        o.map(|o| o.keys().filter(|k| !allowed.contains(&k.as_str())).cloned().collect()).unwrap_or_default()
    };
    let mut out = Vec::new();
    for k in unknown(value.as_object(), &["payload", "payloadType", "signatures"]) {
        out.push(FormProblem {
            code: codes::ENVELOPE,
            pos: key_pos(bytes, &k),
            message: format!(
                "field `{}` is not part of a DSSE envelope (allowed: payload, payloadType, signatures); no signature covers it",
                k.escape_debug()
            ),
        });
    }
    let sigs = value.get("signatures").and_then(serde_json::Value::as_array).cloned().unwrap_or_default();
    for (i, s) in sigs.iter().enumerate() {
        for k in unknown(s.as_object(), &["keyid", "sig"]) {
            out.push(FormProblem {
                code: codes::ENVELOPE,
                pos: key_pos(bytes, &k),
                message: format!(
                    "signatures[{i}] has field `{}`; a DSSE signature holds only keyid and sig, and no signature covers it",
                    k.escape_debug()
                ),
            });
        }
    }
    out
}

/// Every signature verifies with a trusted key, carries that key's keyid, and is the only one
/// by that key. (A handoff a since-removed key co-signed fails its YAML view anyway, which
/// lists the signers the policy accepts: a signature by a key outside the policy has no
/// legitimate place in an envelope secfw verifies.)
fn signature_problems(bytes: &[u8], env: &Envelope, body: &[u8], trust: &TrustPolicy) -> Vec<FormProblem> {
    let problem = |code: Code, pos: Option<Pos>, message: String| FormProblem { code, pos, message };
    let msg = pae(&env.payload_type, body);
    let mut out = Vec::new();
    let mut by_key: Vec<(PublicKey, usize)> = Vec::new();
    for (i, s) in env.signatures.iter().enumerate() {
        let Some(keyid) = s.keyid.as_deref() else {
            out.push(problem(
                codes::ENVELOPE,
                None,
                format!("signatures[{i}] has no keyid; secfw labels every signature with its key's keyid"),
            ));
            continue;
        };
        match signature_key(trust, &msg, keyid, &s.sig) {
            Err(m) => out.push(problem(
                codes::SIGNATURE,
                key_pos(bytes, keyid),
                format!(
                    "signatures[{i}] (keyid {}) {m}: an envelope carries only signatures that verify with the trust policy in force",
                    keyid.escape_debug()
                ),
            )),
            Ok(k) if k.keyid() != keyid => out.push(problem(
                codes::SIGNATURE,
                key_pos(bytes, keyid),
                format!(
                    "signatures[{i}] verifies with key {} but is labelled keyid {}: a relabelled signature",
                    k.keyid(),
                    keyid.escape_debug()
                ),
            )),
            Ok(k) => match by_key.iter().find(|(seen, _)| *seen == k) {
                Some((_, j)) => out.push(problem(
                    codes::DUPLICATE_SIGNATURE,
                    None,
                    format!("signatures[{i}] is a second signature by key {keyid} (first: signatures[{j}])"),
                )),
                None => by_key.push((k, i)),
            },
        }
    }
    out
}

/// The file is byte for byte [`Envelope::to_json`] of its parts, re-encoded from the decoded
/// bytes (another base64 alphabet or padding is another file).
fn layout_problem(bytes: &[u8], env: &Envelope, body: &[u8]) -> Option<FormProblem> {
    let canonical = Envelope {
        payload: crate::dsse::b64_encode(body),
        payload_type: env.payload_type.clone(),
        signatures: env
            .signatures
            .iter()
            .map(|s| crate::dsse::EnvelopeSignature {
                keyid: s.keyid.clone(),
                sig: b64_decode(&s.sig).map(|b| crate::dsse::b64_encode(&b)).unwrap_or_default(),
            })
            .collect(),
    };
    let exact = canonical.to_json();
    if bytes == exact.as_slice() {
        return None;
    }
    let at = bytes.iter().zip(&exact).position(|(a, b)| a != b).unwrap_or(bytes.len().min(exact.len()));
    Some(FormProblem {
        code: codes::ENVELOPE,
        pos: Some(byte_pos(bytes, at)),
        message: format!(
            "the envelope is not byte for byte what secfw writes for its payload and signatures (first difference at byte {at}): layout, whitespace, key order, escapes, base64 alphabet or padding, or the final newline differ"
        ),
    })
}

/// Line and column (1-based, in characters) of byte `at` of `bytes`.
fn byte_pos(bytes: &[u8], at: usize) -> Pos {
    let before = &bytes[..at.min(bytes.len())];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let line = before.split(|&b| b == b'\n').count();
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    Pos { line: u32::try_from(line).unwrap_or(u32::MAX), column: u32::try_from(column).unwrap_or(u32::MAX) }
}

/// Where the JSON string `"s"` first occurs in `bytes` (an unescaped key or value), if it does.
fn key_pos(bytes: &[u8], s: &str) -> Option<Pos> {
    let needle = format!("\"{s}\"");
    bytes.windows(needle.len()).position(|w| w == needle.as_bytes()).map(|at| byte_pos(bytes, at))
}

/// Check 3: payloadType is the fixed in-toto type.
fn check_payload_type(r: &mut VerifyReport, env: &Envelope) {
    let pt = if env.payload_type == PAYLOAD_TYPE {
        vec![]
    } else {
        vec![err(
            codes::PAYLOAD_TYPE,
            names::ENVELOPE,
            format!("payloadType is `{}`, not `{PAYLOAD_TYPE}`", env.payload_type.escape_debug()),
            "the payload type is authenticated and fixed; the envelope was altered or is not a secfw seal",
        )]
    };
    r.push(CheckName::PayloadType, pt, PAYLOAD_TYPE);
}

/// The decoded payload; a payload that does not decode fails the signatures check.
fn payload_body(r: &mut VerifyReport, env: &Envelope) -> Option<Vec<u8>> {
    match env.body() {
        Ok(b) => Some(b),
        Err(m) => {
            r.push(
                CheckName::Signatures,
                vec![err(codes::ENVELOPE, names::ENVELOPE, format!("payload: {m}"), "the envelope is corrupt")],
                "",
            );
            None
        }
    }
}

/// Check 4: Signatures over the PAE (with the type as written: a changed type fails here too);
/// returns the distinct trusted keys whose signatures verified.
fn check_signatures(r: &mut VerifyReport, trust: &TrustPolicy, env: &Envelope, body: &[u8]) -> BTreeSet<PublicKey> {
    let (accepted, sig_diags) = verified_signers(trust, env, body);
    r.accepted_keyids = accepted.iter().map(PublicKey::keyid).collect();
    r.push(CheckName::Signatures, sig_diags, format!("{} distinct trusted key(s)", accepted.len()));
    accepted
}

/// The distinct keys of `trust` whose envelope signatures verify over the PAE of `body`, with
/// a warning per ignored signature and an error when none verifies. The one rule for who
/// signed: the signatures check and the package's sidecar check both use it.
pub(crate) fn verified_signers(
    trust: &TrustPolicy,
    env: &Envelope,
    body: &[u8],
) -> (BTreeSet<PublicKey>, Vec<Diagnostic>) {
    let msg = pae(&env.payload_type, body);
    let mut sig_diags = Vec::new();
    let mut accepted: BTreeSet<PublicKey> = BTreeSet::new();
    for (i, s) in env.signatures.iter().enumerate() {
        match signature_key(trust, &msg, s.keyid.as_deref().unwrap_or("none"), &s.sig) {
            Ok(k) => {
                accepted.insert(k);
            }
            Err(m) => sig_diags.push(Diagnostic::warning(
                codes::SIGNATURE,
                names::ENVELOPE,
                format!("signatures[{i}] (keyid {}) {m}; ignored", s.keyid.as_deref().unwrap_or("none")),
            )),
        }
    }
    if accepted.is_empty() {
        sig_diags.push(err(
            codes::SIGNATURE,
            names::ENVELOPE,
            "no signature verifies with a trusted key",
            "sign with a key listed in the trust policy",
        ));
    }
    (accepted, sig_diags)
}

/// The trusted key a signature `sig` over `msg` verifies with: the key `keyid` hints at
/// first, then every key of `trust` (the keyid is a hint, never trusted). `Err` says why none.
fn signature_key(trust: &TrustPolicy, msg: &[u8], keyid: &str, sig: &str) -> Result<PublicKey, String> {
    let raw = match b64_decode(sig) {
        Ok(b) if b.len() == 64 => b,
        Ok(b) => return Err(format!("is {} bytes, not 64", b.len())),
        Err(m) => return Err(m),
    };
    let hinted = trust.keys.get(keyid).map(|k| k.public);
    hinted
        .into_iter()
        .chain(trust.keys.values().map(|k| k.public))
        .find(|k| k.verify(msg, &raw))
        .ok_or_else(|| "does not verify with any trusted key".to_owned())
}

/// Largest SSHSIG sidecar read: an Ed25519 sidecar secfw writes is under 400 bytes.
pub(crate) const MAX_SIDECAR_BYTES: u64 = 4096;

/// The hint of every refused sidecar.
pub(crate) const SIDECAR_HINT: &str = "a sidecar must be exactly the SSHSIG `secfw sign-manifest --sshsig` wrote for this statement by a trusted signer of the envelope; remove it or sign again with --sshsig";

/// The one rule for an SSHSIG sidecar: `name` is a sidecar name, and `bytes` are the canonical
/// SSHSIG ([`crate::sshsig::verify_canonical`]) over the signed payload `body` in
/// [`crate::sshsig::NAMESPACE`], by a key of `trust` whose keyid begins with the name's eight
/// hex digits and whose envelope signature verified (`signers`). `Err` says why not.
pub(crate) fn check_sidecar(
    name: &str,
    bytes: &[u8],
    body: &[u8],
    trust: &TrustPolicy,
    signers: &BTreeSet<PublicKey>,
) -> Result<PublicKey, String> {
    let named = name
        .strip_prefix(names::STATEMENT)
        .and_then(|r| r.strip_prefix('.'))
        .and_then(|r| r.strip_suffix(".sig"))
        .filter(|_| crate::is_sidecar_name(name))
        .ok_or_else(|| format!("`{}` is not a sidecar name", name.escape_debug()))?;
    if bytes.len() as u64 > MAX_SIDECAR_BYTES {
        return Err(format!("{name} is over {MAX_SIDECAR_BYTES} bytes; not an SSHSIG secfw wrote"));
    }
    let key = crate::sshsig::verify_canonical(bytes, crate::sshsig::NAMESPACE, body).map_err(|m| {
        format!("{name} is not a valid SSHSIG over the signed statement in namespace {}: {m}", crate::sshsig::NAMESPACE)
    })?;
    let keyid = key.keyid();
    if !keyid.starts_with(named) {
        return Err(format!("{name} is signed by key {keyid}, but its name names key {named}"));
    }
    let Some(trusted) = trust.keys.get(&keyid) else {
        return Err(format!("{name} is signed by key {keyid}, which is not in the trust policy"));
    };
    if !signers.contains(&key) {
        return Err(format!(
            "{name} is signed by key {keyid} ({}), which has no verified signature in the envelope",
            trusted.identity
        ));
    }
    Ok(key)
}

/// Check 5b (run after the thresholds): every `handoff.statement.json.<keyid8>.sig` beside the
/// statement passes
/// [`check_sidecar`]; one that does not fails the verification (a file a verified workspace
/// carries is verified, never merely allowed by its name).
fn check_sidecars(r: &mut VerifyReport, dir: &Path, trust: &TrustPolicy, signers: &BTreeSet<PublicKey>, body: &[u8]) {
    let mut sc = Vec::new();
    let mut found: Vec<String> = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(rd) => {
            for e in rd {
                match e {
                    Ok(e) => {
                        let n = e.file_name().to_string_lossy().into_owned();
                        if crate::is_sidecar_name(&n) {
                            found.push(n);
                        }
                    }
                    Err(e) => sc.push(err(
                        codes::SIDECAR,
                        names::STATEMENT,
                        format!("cannot list sidecars: {e}"),
                        SIDECAR_HINT,
                    )),
                }
            }
        }
        Err(e) => sc.push(err(codes::SIDECAR, names::STATEMENT, format!("cannot list sidecars: {e}"), SIDECAR_HINT)),
    }
    found.sort();
    for n in &found {
        match read_seal_file(&dir.join(n), MAX_SIDECAR_BYTES).and_then(|b| check_sidecar(n, &b, body, trust, signers)) {
            Ok(_) => {}
            Err(m) => sc.push(err(codes::SIDECAR, n, m, SIDECAR_HINT)),
        }
    }
    r.push(CheckName::Sidecars, sc, format!("{} sidecar(s) verify", found.len()));
}

/// Check 5: Thresholds, per role, over distinct keys (roles are disjoint in a valid policy); records
/// the signers of each role.
fn check_thresholds(
    r: &mut VerifyReport,
    trust: &TrustPolicy,
    opts: &VerifyOptions,
    trust_ok: bool,
    accepted: &BTreeSet<PublicKey>,
) {
    let mut th = Vec::new();
    let mut summary = Vec::new();
    for role in Role::ALL {
        let def = trust.roles.get(&role).cloned().unwrap_or_default();
        let keys: Vec<&PublicKey> = accepted.iter().filter(|k| def.keyids.contains(&k.keyid())).collect();
        for k in &keys {
            if let Some(t) = trust.keys.get(&k.keyid()) {
                r.signers.add(role, &t.identity);
            }
        }
        summary.push(format!("{role} {}/{}", keys.len(), def.threshold));
        if opts.check_thresholds && (!trust_ok || def.threshold == 0 || (keys.len() as u64) < u64::from(def.threshold))
        {
            th.push(err(
                codes::THRESHOLD,
                names::ENVELOPE,
                format!("{role} needs {} distinct trusted signature(s), has {}", def.threshold, keys.len()),
                "collect the missing signatures with `secfw sign-manifest`",
            ));
        }
    }
    r.push(CheckName::Thresholds, th, summary.join(", "));
}

/// Check 6: The payload is canonical JSON and a valid statement.
fn check_statement(r: &mut VerifyReport, body: &[u8]) -> Option<Statement> {
    match Statement::parse_payload(body) {
        Ok(st) => {
            r.push(CheckName::CanonicalPayload, vec![], "RFC 8785");
            r.push(CheckName::Statement, vec![], format!("{} subject(s)", st.subject.len()));
            Some(st)
        }
        Err(problems) => {
            let (canon, other): (Vec<_>, Vec<_>) = problems.into_iter().partition(|(c, _)| *c == codes::NOT_CANONICAL);
            let d = |v: Vec<(Code, String)>| -> Vec<Diagnostic> {
                v.into_iter()
                    .map(|(c, m)| {
                        err(c, names::STATEMENT, m, "the signed payload is not a valid secfw statement; regenerate")
                    })
                    .collect()
            };
            let canon_failed = !canon.is_empty();
            r.push(CheckName::CanonicalPayload, d(canon), "RFC 8785");
            if !canon_failed {
                r.push(CheckName::Statement, d(other), "");
            }
            None
        }
    }
}

/// Check 7: The statement file holds exactly the signed payload.
fn check_statement_file(r: &mut VerifyReport, dir: &Path, body: &[u8]) {
    let sf = match read_seal_file(&dir.join(names::STATEMENT), crate::statement::MAX_PAYLOAD_BYTES as u64) {
        Ok(b) if b == body => vec![],
        Ok(_) => vec![err(
            codes::STATEMENT_FILE,
            names::STATEMENT,
            "handoff.statement.json differs from the signed payload",
            "regenerate it: it must hold exactly the signed bytes",
        )],
        Err(e) => vec![err(codes::SEAL_FILE, names::STATEMENT, e, "it is written by generate-manifest")],
    };
    r.push(CheckName::StatementFile, sf, "equals the payload");
}

/// Check 8: Every sealed file matches: safe, streamed, parallel; a digest of this process is reused
/// only for a file whose identity is still the one it was computed from. Returns the sealed
/// paths.
fn check_files(r: &mut VerifyReport, dir: &Path, st: &Statement, opts: &VerifyOptions) -> Vec<String> {
    let paths: Vec<String> = st.predicate.artifacts.iter().map(|a| a.path.clone()).collect();
    let mut fd = Vec::new();
    let (hashed, stats) = files::hash_all_known(dir, &paths, opts.known.as_deref());
    r.stats.add(&stats);
    for (a, res) in st.predicate.artifacts.iter().zip(hashed) {
        match res {
            Ok(d) if d.sha256 == a.sha256 && d.size == a.size => r.known.insert(dir.join(&a.path), &d),
            Ok(d) => fd.push(err(
                codes::FILE_CHANGED,
                &a.path,
                format!(
                    "{} changed: sealed sha256 {} size {}, now sha256 {} size {}",
                    a.path, a.sha256, a.size, d.sha256, d.size
                ),
                "restore the sealed content, or regenerate and re-sign the manifest",
            )),
            Err(HashFailure::Missing(m)) => {
                fd.push(err(codes::FILE_MISSING, &a.path, m, "restore the file from the package or git"));
            }
            Err(HashFailure::NotRegular(m)) => {
                fd.push(err(codes::NOT_REGULAR, &a.path, m, "sealed files must be regular files"));
            }
            Err(HashFailure::Io(m)) => fd.push(err(codes::FILE_MISSING, &a.path, m, "check permissions")),
        }
    }
    r.push(CheckName::Files, fd, format!("{} file(s) match", paths.len()));
    paths
}

/// Check 9: No unlisted file, link or special file in the sealed set.
fn check_closed_set(r: &mut VerifyReport, dir: &Path, paths: &[String]) {
    let (present, problems) = files::sealed_set(dir);
    let listed: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
    let mut cs: Vec<Diagnostic> = present
        .iter()
        .filter(|p| !listed.contains(p.as_str()))
        .map(|p| {
            err(
                codes::UNLISTED_FILE,
                p,
                format!("{p} is in the sealed set but not in the manifest"),
                "remove it, or regenerate and re-sign the manifest",
            )
        })
        .collect();
    cs.extend(
        problems.into_iter().map(|p| err(codes::NOT_REGULAR, &p.path, p.message, "remove the link or special file")),
    );
    r.push(CheckName::ClosedSet, cs, "no unlisted files");
}

/// Check 11: The rulebook binding matches the pin, when one is given.
fn check_rulebook(r: &mut VerifyReport, st: &Statement, opts: &VerifyOptions) {
    let mut rb = Vec::new();
    let recorded = st.predicate.rulebook.digest.get("sha256").cloned().unwrap_or_default();
    if let Some(pin) = &opts.expect_rulebook {
        let pin = pin.strip_prefix("sha256:").unwrap_or(pin);
        if !is_sha256_hex(pin) || pin != recorded {
            rb.push(err(
                codes::RULEBOOK_BINDING,
                secfw_artifacts::file_names::RULEBOOK,
                format!("sealed rulebook sha256 {recorded} is not the pinned {pin}"),
                "the handoff was sealed under another rulebook",
            ));
        }
    }
    r.push(CheckName::Rulebook, rb, format!("version {} sha256 {recorded}", st.predicate.rulebook.version));
}

/// Check 12: Not expired (unless allowed), not issued in the future beyond the skew.
fn check_expiry(r: &mut VerifyReport, st: &Statement, opts: &VerifyOptions) {
    let mut ex = Vec::new();
    let issued = parse_time(&st.predicate.issued_at);
    let expires = parse_time(&st.predicate.expires);
    if let (Some(i), Some(e)) = (issued, expires) {
        if e <= opts.now && !opts.allow_expired {
            ex.push(err(
                codes::EXPIRED,
                names::STATEMENT,
                format!("the manifest expired at {}", st.predicate.expires),
                "generate and sign a new manifest",
            ));
        }
        if i > opts.now + opts.max_skew {
            ex.push(err(
                codes::EXPIRED,
                names::STATEMENT,
                format!("the manifest is issued in the future ({})", st.predicate.issued_at),
                "check the clocks and --now",
            ));
        }
    }
    r.push(CheckName::Expiry, ex, format!("valid until {}", st.predicate.expires));
}

/// Checks 13 (project), 14 (sequence) and 15 (chain): all three read the last accepted state.
fn check_project_sequence_chain(r: &mut VerifyReport, dir: &Path, st: &Statement, seal: &Seal, opts: &VerifyOptions) {
    let mut sq = Vec::new();
    let state = match (&opts.state, opts.workspace_state) {
        (Some(s), _) => Some(s.clone()),
        (None, true) => match SealState::load_workspace(dir) {
            Ok(s) => s,
            Err(e) => {
                sq.extend(e.diagnostics());
                None
            }
        },
        (None, false) => None,
    };
    check_project(r, dir, st, state.as_ref(), opts);
    check_sequence_and_chain(r, st, seal, state.as_ref(), sq);
}

/// Check 13: The manifest's project is the expected one (given, else the state's, else the
/// workspace's).
fn check_project(r: &mut VerifyReport, dir: &Path, st: &Statement, state: Option<&SealState>, opts: &VerifyOptions) {
    let expect_project = opts
        .expect_project
        .clone()
        .or_else(|| state.map(|s| s.project.clone()))
        .or_else(|| if opts.any_project { None } else { workspace_project(dir) });
    let pj = match expect_project {
        Some(p) if p != st.predicate.project => vec![err(
            codes::PROJECT,
            names::STATEMENT,
            format!("sealed for project `{}`, expected `{p}`", st.predicate.project),
            "this manifest belongs to another project; --any-project allows a deliberate cross-project use",
        )],
        None if !opts.any_project => vec![err(
            codes::PROJECT,
            names::STATEMENT,
            "the workspace has no project id to bind the manifest to",
            "add `project:` to rulebook.yaml, or pass --expect-project ID",
        )],
        _ => vec![],
    };
    r.push(CheckName::Project, pj, st.predicate.project.clone());
}

/// Check 14: no rollback below (or replay at) the last accepted sequence; check 15: the
/// previous-seal chain. `sq` holds the problems met reading the state.
fn check_sequence_and_chain(
    r: &mut VerifyReport,
    st: &Statement,
    seal: &Seal,
    state: Option<&SealState>,
    mut sq: Vec<Diagnostic>,
) {
    let seq = st.predicate.sequence;
    let mut ch = Vec::new();
    if let Some(s) = state {
        if seq < s.sequence {
            sq.push(err(
                codes::ROLLBACK,
                names::STATEMENT,
                format!("sequence {seq} is older than the last accepted {}", s.sequence),
                "an old manifest is being replayed; use the newest",
            ));
        } else if seq == s.sequence && s.seal != *seal {
            sq.push(err(
                codes::ROLLBACK,
                names::STATEMENT,
                format!("sequence {seq} was already accepted with another seal {}", s.seal),
                "two manifests share a sequence number",
            ));
        } else if seq == s.sequence + 1 && st.predicate.previous_seal.is_none_or(|p| s.seal != p) {
            ch.push(err(
                codes::CHAIN,
                names::STATEMENT,
                format!("previousSeal does not name the last accepted seal {}", s.seal),
                "the chain of handoffs is broken",
            ));
        }
    }
    if st.predicate.sequence > 1 && st.predicate.previous_seal.is_none() {
        ch.push(err(
            codes::CHAIN,
            names::STATEMENT,
            format!("sequence {seq} has no previousSeal"),
            "every manifest after the first names its predecessor",
        ));
    }
    if seq == 0 {
        sq.push(err(codes::ROLLBACK, names::STATEMENT, "sequence 0 is not valid (sequences start at 1)", "regenerate"));
    }
    r.push(CheckName::Sequence, sq, format!("sequence {seq}"));
    r.push(
        CheckName::Chain,
        ch,
        st.predicate.previous_seal.map_or_else(|| "first manifest".to_owned(), |p| p.to_string()),
    );
}

/// Check 16: `handoff_manifest.yaml` is byte-identical to its rendering.
fn check_yaml_view(r: &mut VerifyReport, manifest: &Path, st: &Statement, seal: &Seal) {
    let expected = render_yaml(st, &seal.to_string(), &r.signers);
    let yv = match read_seal_file(manifest, MAX_ENVELOPE_BYTES) {
        Ok(b) if b == expected.as_bytes() => vec![],
        Ok(b) => {
            let line = first_diff_line(&b, expected.as_bytes());
            vec![
                err(
                    codes::YAML_VIEW,
                    names::MANIFEST,
                    format!("handoff_manifest.yaml differs from its rendering (first at line {line})"),
                    "never edit it; `secfw sign-manifest` or `generate-manifest` re-render it",
                )
                .at(Some(Pos::new(line, 1))),
            ]
        }
        Err(e) => vec![err(codes::SEAL_FILE, names::MANIFEST, e, "it is written by generate-manifest")],
    };
    r.push(CheckName::YamlView, yv, "byte-identical rendering");
}

/// Check 17: No open critical finding was sealed (only when required).
fn check_critical_zero(r: &mut VerifyReport, st: &Statement) {
    let c = st.predicate.severity_counts.critical;
    let cz = if c > 0 {
        vec![err(
            codes::CRITICAL_OPEN,
            names::MANIFEST,
            format!("{c} open critical finding(s) were sealed"),
            "Critical=0: fix or except them, then seal again",
        )]
    } else {
        vec![]
    };
    r.push(CheckName::CriticalZero, cz, "0 critical");
}

fn first_diff_line(a: &[u8], b: &[u8]) -> u32 {
    let at = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    u32::try_from(a[..at].split(|&c| c == b'\n').count()).unwrap_or(u32::MAX)
}

fn check_git(dir: &Path, st: &Statement, opts: &VerifyOptions) -> Vec<Diagnostic> {
    let Some(g) = &st.predicate.git else {
        return if opts.require_git || opts.expect_commit.is_some() {
            vec![err(
                codes::GIT_BINDING,
                names::STATEMENT,
                "the manifest has no git binding (sealed with --no-git)",
                "verify with --no-git to accept an unversioned seal",
            )]
        } else {
            vec![]
        };
    };
    let mut out = check_git_ids(g, opts);
    if !out.is_empty() {
        return out;
    }
    let in_repo = opts.git_repository && git::is_repo(dir);
    if let Some(rev) = &opts.expect_commit {
        out.extend(check_expected_commit(dir, g, rev, in_repo));
    }
    if in_repo && opts.expect_commit.is_some() && out.is_empty() {
        out.extend(check_git_blobs(dir, st, g));
    }
    if in_repo {
        out.extend(check_git_tree(dir, g));
    }
    out
}

const GIT_HINT: &str = "the handoff must name the full commit and tree it was sealed from";

/// The binding names a full commit and tree, from a clean work tree (unless dirty is allowed).
fn check_git_ids(g: &GitBinding, opts: &VerifyOptions) -> Vec<Diagnostic> {
    let f = names::STATEMENT;
    let mut out = Vec::new();
    if !git::is_full_id(&g.commit) {
        out.push(err(
            codes::GIT_BINDING,
            f,
            format!("commit `{}` is not a full object id (no abbreviations or branch names)", g.commit),
            GIT_HINT,
        ));
    }
    if !git::is_full_id(&g.tree) {
        out.push(err(codes::GIT_BINDING, f, format!("tree `{}` is not a full object id", g.tree), GIT_HINT));
    }
    if g.dirty && !opts.allow_dirty {
        out.push(err(
            codes::GIT_BINDING,
            f,
            "the manifest was sealed from a dirty work tree (dirty: true)",
            "commit the files and seal again",
        ));
    }
    out
}

/// The sealed commit is the expected one (`rev` resolved in the repository when not a full id).
fn check_expected_commit(dir: &Path, g: &GitBinding, rev: &str, in_repo: bool) -> Option<Diagnostic> {
    let want = if git::is_full_id(rev) {
        Ok(rev.to_owned())
    } else if in_repo {
        git::resolve_commit(dir, rev)
    } else {
        Err(format!("cannot resolve `{rev}` outside a git repository; pass a full commit id"))
    };
    match want {
        Ok(w) if w == g.commit => None,
        Ok(w) => Some(err(
            codes::GIT_BINDING,
            names::STATEMENT,
            format!("sealed commit {} is not the expected {w}", g.commit),
            "this manifest was sealed from another commit",
        )),
        Err(e) => Some(err(codes::GIT_BINDING, names::STATEMENT, e, GIT_HINT)),
    }
}

/// Commit and tree ids are not enough: each sealed file must be the blob at its path.
fn check_git_blobs(dir: &Path, st: &Statement, g: &GitBinding) -> Vec<Diagnostic> {
    let blobs = match git::blob_ids(dir, &g.commit) {
        Ok(b) => b,
        Err(e) => return vec![err(codes::GIT_BINDING, names::STATEMENT, e, GIT_HINT)],
    };
    let mut out = Vec::new();
    for a in &st.predicate.artifacts {
        let Some(want) = blobs.get(&a.path) else {
            out.push(err(
                codes::GIT_BINDING,
                &a.path,
                format!("{} is not in commit {}", a.path, g.commit),
                "the sealed file must be committed at that path in the expected commit",
            ));
            continue;
        };
        match git::blob_id_of_file(&dir.join(&a.path), want) {
            Ok(have) if have == *want => {}
            Ok(have) => out.push(err(
                codes::GIT_BINDING,
                &a.path,
                format!("{}: the sealed bytes (blob {have}) are not the blob {want} of commit {}", a.path, g.commit),
                "the sealed file differs from the expected commit",
            )),
            Err(e) => out.push(err(codes::GIT_BINDING, &a.path, e, GIT_HINT)),
        }
    }
    out
}

/// The sealed commit has the sealed tree.
fn check_git_tree(dir: &Path, g: &GitBinding) -> Option<Diagnostic> {
    match git::tree_of(dir, &g.commit) {
        Ok(t) if t == g.tree => None,
        Ok(t) => Some(err(
            codes::GIT_BINDING,
            names::STATEMENT,
            format!("commit {} has tree {t}, the manifest says {}", g.commit, g.tree),
            GIT_HINT,
        )),
        Err(e) => Some(err(
            codes::GIT_BINDING,
            names::STATEMENT,
            e,
            "fetch the sealed commit, or verify the unpacked package outside the repository",
        )),
    }
}

/// Read a seal file: a regular file (never a FIFO or device: the open does not block), not a
/// symlink, at most `cap` bytes.
pub(crate) fn read_seal_file(p: &Path, cap: u64) -> Result<Vec<u8>, String> {
    secfw_artifacts::read_regular(p, cap, secfw_artifacts::Links::Refuse).map_err(|e| format!("cannot read: {e}"))
}

/// Render a report for people: one line per check, then the diagnostics of failed checks.
pub fn render_text(r: &VerifyReport) -> String {
    let mut s = String::new();
    for c in &r.checks {
        let mark = if c.passed { "ok  " } else { "FAIL" };
        let _ = writeln!(s, "{mark} {:<17} {}", c.name.as_str(), c.detail);
    }
    s
}

/// Verify a package archive: unpack it into a private temporary directory and verify there.
/// Nothing is written outside that directory, which is removed afterwards.
pub fn verify_package(archive: &Path, trust: &TrustPolicy, opts: &VerifyOptions) -> Result<VerifyReport, crate::Error> {
    crate::package::verify_archive(archive, trust, opts)
}
