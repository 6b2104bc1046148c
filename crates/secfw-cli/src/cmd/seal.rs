//! Sealed handoff commands: `generate-manifest`, `sign-manifest`, `verify-manifest`, `keygen`,
//! `trust init|add-key|threshold|show|allowed-signers`, `package`, `unpack`, `rollback`.
//! All logic lives in `secfw::seal`; this module parses arguments and prints.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use secfw::artifacts::{Diagnostic, LifecycleState, SourceFile};
use secfw::seal::criteria::DEFAULT_TRUST_FILE;
use secfw::seal::trust::{Role, TrustPolicy};
use secfw::seal::verify::{SealState, VerifyOptions, VerifyReport, render_text};
use secfw::seal::{Error, GenerateOptions, GitMode, PublicKey, SignOptions, SigningKey, names};

use crate::output::Fmt;
use crate::output::{Output, parse_now};
use crate::{CmdResult, exit};

/// `secfw generate-manifest`.
#[derive(Debug, clap::Args)]
pub(crate) struct GenerateArgs {
    /// The security workspace directory.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Bind this git revision instead of HEAD.
    #[arg(long, value_name = "REV", conflicts_with = "no_git")]
    snapshot: Option<String>,
    /// Seal without a git binding (the workspace need not be in git; verify with --no-git).
    #[arg(long)]
    no_git: bool,
    /// Seal even when sealed files have uncommitted changes (recorded as dirty; verification refuses it unless --allow-dirty).
    #[arg(long)]
    allow_dirty: bool,
    /// Project id (default: `project:` of rulebook.yaml, then of sec_findings.yaml).
    #[arg(long)]
    project: Option<String>,
    /// Lifecycle state to seal (default: the ledger's metadata.lifecycle_state).
    #[arg(long, value_name = "STATE")]
    state: Option<String>,
    /// Days the seal stays valid.
    #[arg(long, default_value_t = 30)]
    valid_days: u32,
    /// Issue time (RFC 3339 or a date, UTC; default: now).
    #[arg(long)]
    now: Option<String>,
}

/// `secfw sign-manifest`.
#[derive(Debug, clap::Args)]
pub(crate) struct SignArgs {
    /// handoff_manifest.yaml of the workspace.
    #[arg(long, default_value = names::MANIFEST)]
    manifest: PathBuf,
    /// Your identity, as in the trust policy.
    #[arg(long)]
    identity: String,
    /// Your private key (PKCS#8 PEM or unencrypted OpenSSH).
    #[arg(long)]
    key: PathBuf,
    /// The trust policy (default: $SECFW_TRUST, else secfw-trust.json beside the manifest).
    #[arg(long, env = "SECFW_TRUST")]
    trust: Option<PathBuf>,
    /// Also write an SSHSIG sidecar for `ssh-keygen -Y verify`.
    #[arg(long)]
    sshsig: bool,
    /// The manifest has no git binding (sealed with --no-git).
    #[arg(long)]
    no_git: bool,
    /// Verification time (default: now).
    #[arg(long)]
    now: Option<String>,
}

/// Arguments of `sigstore-bundle`.
#[derive(Debug, clap::Args)]
pub(crate) struct BundleArgs {
    /// handoff_manifest.yaml of the sealed workspace (its DSSE envelope is read beside it).
    #[arg(long, default_value = names::MANIFEST)]
    manifest: PathBuf,
    /// Directory to write `handoff.<keyid8>.sigstore.json` into (default: beside the manifest).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Options shared by the commands that verify.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The trust policy (default: $SECFW_TRUST, else secfw-trust.json in the workspace).
    #[arg(long, env = "SECFW_TRUST")]
    trust: Option<PathBuf>,
    /// Verification time (default: now).
    #[arg(long)]
    now: Option<String>,
    /// Require this commit (a revision, resolved in the workspace's repository, or a full id).
    #[arg(long, value_name = "REV")]
    expect_commit: Option<String>,
    /// Require this project id.
    #[arg(long)]
    expect_project: Option<String>,
    /// Require this rulebook digest (sha256:<hex>).
    #[arg(long, value_name = "DIGEST")]
    expect_rulebook: Option<String>,
    /// Last accepted state file (refuses rollbacks and broken chains).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// After a successful verification, record it in --state.
    #[arg(long, requires = "state")]
    update_state: bool,
    /// Accept a manifest without git binding.
    #[arg(long)]
    no_git: bool,
    /// Accept a manifest sealed from a dirty work tree.
    #[arg(long)]
    allow_dirty: bool,
    /// Do not refuse unlisted files in the sealed set.
    #[arg(long)]
    open_set: bool,
    /// Fail when open critical findings were sealed (Critical=0).
    #[arg(long)]
    require_critical_zero: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

/// `secfw verify-manifest`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyManifestArgs {
    /// handoff_manifest.yaml of the workspace.
    #[arg(long, default_value = names::MANIFEST)]
    manifest: PathBuf,
    #[command(flatten)]
    verify: VerifyArgs,
}

/// `secfw keygen`.
#[derive(Debug, clap::Args)]
pub(crate) struct KeygenArgs {
    /// Who holds the key (file names and OpenSSH comment).
    #[arg(long)]
    identity: String,
    /// Directory for the key files.
    #[arg(long, default_value = ".")]
    out: PathBuf,
}

/// `secfw trust ...`.
#[derive(Debug, clap::Args)]
pub(crate) struct TrustArgs {
    #[command(subcommand)]
    command: TrustCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TrustCommand {
    /// Create a trust policy with both roles and no keys.
    Init {
        /// The trust policy file to create.
        #[arg(long)]
        trust: PathBuf,
        /// Expiry (RFC 3339 or a date, UTC; default: one year after --now).
        #[arg(long)]
        expires: Option<String>,
        /// Current time (default: now).
        #[arg(long)]
        now: Option<String>,
    },
    /// Trust a public key in a role.
    AddKey {
        /// The trust policy file.
        #[arg(long)]
        trust: PathBuf,
        /// prepared_by or approved_by.
        #[arg(long)]
        role: String,
        /// Identity of the key holder (default: the key file's comment or identity field).
        #[arg(long)]
        identity: Option<String>,
        /// Public key file: OpenSSH line, SPKI PEM, securesystemslib JSON or 64 hex characters.
        pubkey: PathBuf,
    },
    /// Set how many distinct keys a role needs.
    Threshold {
        /// The trust policy file.
        #[arg(long)]
        trust: PathBuf,
        /// prepared_by or approved_by.
        #[arg(long)]
        role: String,
        /// Number of distinct signatures required.
        n: u32,
    },
    /// Print the policy and its problems at --now.
    Show {
        /// The trust policy file.
        #[arg(long)]
        trust: PathBuf,
        /// Current time (default: now).
        #[arg(long)]
        now: Option<String>,
    },
    /// Print an OpenSSH allowed_signers file for `ssh-keygen -Y verify`.
    AllowedSigners {
        /// The trust policy file.
        #[arg(long)]
        trust: PathBuf,
    },
}

/// `secfw package`.
#[derive(Debug, clap::Args)]
pub(crate) struct PackageArgs {
    /// The sealed workspace.
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    verify: VerifyArgs,
}

/// `secfw unpack`.
#[derive(Debug, clap::Args)]
pub(crate) struct UnpackArgs {
    /// The package archive.
    #[arg(long)]
    package: PathBuf,
    /// Empty or new directory to extract into (after verification).
    target: PathBuf,
    #[command(flatten)]
    verify: VerifyArgs,
}

/// `secfw rollback`.
#[derive(Debug, clap::Args)]
pub(crate) struct RollbackArgs {
    /// The workspace to restore.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The package to restore (default: the newest package older than the current manifest).
    #[arg(long)]
    package: Option<PathBuf>,
    /// Restore even when the package's manifest has expired.
    #[arg(long)]
    allow_expired: bool,
    #[command(flatten)]
    verify: VerifyArgs,
}

fn now_of(s: Option<&str>) -> Result<DateTime<Utc>, Box<dyn std::error::Error + Send + Sync>> {
    Ok(parse_now(s).map_err(|e| format!("--now: {e}"))?)
}

fn load_trust(path: &Path) -> Result<TrustPolicy, Box<dyn std::error::Error + Send + Sync>> {
    let b = std::fs::read(path).map_err(|e| format!("cannot read the trust policy {}: {e}", path.display()))?;
    Ok(TrustPolicy::parse(&b).map_err(|e| format!("{}: {e}", path.display()))?)
}

fn trust_path(given: Option<&PathBuf>, dir: &Path) -> PathBuf {
    given.cloned().unwrap_or_else(|| dir.join(DEFAULT_TRUST_FILE))
}

fn dir_of(manifest: &Path) -> PathBuf {
    match manifest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl VerifyArgs {
    fn options(&self) -> Result<VerifyOptions, Box<dyn std::error::Error + Send + Sync>> {
        let mut o = VerifyOptions::new(now_of(self.now.as_deref())?).require_git(!self.no_git);
        o.expect_commit.clone_from(&self.expect_commit);
        o.expect_project.clone_from(&self.expect_project);
        o.expect_rulebook.clone_from(&self.expect_rulebook);
        o.allow_dirty = self.allow_dirty;
        o.closed_set = !self.open_set;
        o.require_critical_zero = self.require_critical_zero;
        if let Some(s) = &self.state
            && s.exists()
        {
            o.state = Some(SealState::load(s)?);
        }
        Ok(o)
    }
}

/// Render diagnostics with snippets from files in `dir`.
fn render_diags(out: &Output, dir: &Path, diags: &[Diagnostic]) -> String {
    let mut s = String::new();
    for d in diags {
        let src = d
            .line
            .and_then(|_| std::fs::read_to_string(dir.join(&d.file)).ok())
            .map(|t| SourceFile::new(d.file.clone(), t));
        s.push_str(&out.diagnostic(d, src.as_ref()));
    }
    s
}

/// Map a seal error: refused input is printed and exits 1; anything else cannot run (exit 2).
fn refused(e: Error, out: &Output, dir: &Path) -> CmdResult {
    match e {
        Error::Rejected(d) => {
            out.print(&render_diags(out, dir, &d));
            Ok(ExitCode::from(exit::FAIL))
        }
        Error::Verification(r) => {
            print_report(out, &r, Fmt::Human);
            Ok(ExitCode::from(exit::FAIL))
        }
        other => Err(other.into()),
    }
}

fn print_report(out: &Output, r: &VerifyReport, fmt: Fmt) {
    match fmt {
        Fmt::Json => {
            let doc = serde_json::json!({"passed": r.passed(), "seal": r.seal, "failed": r.failed_names(), "checks": r.checks, "accepted_keyids": r.accepted_keyids});
            out.print(&serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Fmt::Human => {
            let mut s = render_text(r);
            let failed: Vec<Diagnostic> =
                r.checks.iter().filter(|c| !c.passed).flat_map(|c| c.diagnostics.iter().cloned()).collect();
            if !failed.is_empty() {
                s.push('\n');
                s.push_str(&render_diags(out, &r.dir, &failed));
            }
            if r.passed() {
                let _ = writeln!(s, "\nverified: {}", r.seal.as_deref().unwrap_or(""));
            } else {
                let _ = writeln!(s, "\nNOT VERIFIED: failed checks: {}", r.failed_names().join(", "));
            }
            out.print(&s);
        }
    }
}

pub(crate) fn generate(a: &GenerateArgs, out: &Output) -> CmdResult {
    let _lock = crate::lock::workspace(&a.dir)?; // held until the command returns
    let mut o = GenerateOptions::new(now_of(a.now.as_deref())?).validity(Duration::days(i64::from(a.valid_days)));
    o.git = match (&a.snapshot, a.no_git) {
        (Some(r), _) => GitMode::Snapshot(r.clone()),
        (None, true) => GitMode::None,
        (None, false) => GitMode::Head,
    };
    o.allow_dirty = a.allow_dirty;
    o.project.clone_from(&a.project);
    if let Some(s) = &a.state {
        o.lifecycle_state = Some(s.parse::<LifecycleState>().map_err(|e| format!("--state: {e}"))?);
    }
    match secfw::seal::generate_manifest(&a.dir, &o) {
        Ok(g) => {
            let p = &g.statement.predicate;
            out.print(&format!(
                "sealed {} file(s) of project {} as sequence {}\nseal: {}\nnext: secfw sign-manifest --manifest {} --identity NAME --key KEY",
                p.artifacts.len(),
                p.project,
                p.sequence,
                g.seal,
                a.dir.join(names::MANIFEST).display()
            ));
            Ok(ExitCode::from(exit::PASS))
        }
        Err(e) => refused(e, out, &a.dir),
    }
}

pub(crate) fn sign(a: &SignArgs, out: &Output) -> CmdResult {
    let dir = dir_of(&a.manifest);
    let _lock = crate::lock::workspace(&dir)?; // held until the command returns
    let trust = load_trust(&trust_path(a.trust.as_ref(), &dir))?;
    let text = std::fs::read_to_string(&a.key).map_err(|e| format!("cannot read the key {}: {e}", a.key.display()))?;
    let key = SigningKey::parse(&text).map_err(|e| format!("{}: {e}", a.key.display()))?;
    let vo = VerifyOptions::new(now_of(a.now.as_deref())?).require_git(!a.no_git);
    match secfw::seal::sign_manifest(&a.manifest, &trust, &key, &SignOptions::new(&a.identity, vo).sshsig(a.sshsig)) {
        Ok(s) => {
            let mut msg = format!("signed as {} ({}) with key {}", a.identity, s.role, s.keyid);
            if let Some(p) = &s.sidecar {
                let _ = write!(msg, "\nSSHSIG sidecar: {}", p.display());
            }
            msg.push_str(if s.report.passed() { "\nthe manifest now verifies" } else { "\nstill missing: " });
            if !s.report.passed() {
                msg.push_str(&s.report.failed_names().join(", "));
            }
            out.print(&msg);
            Ok(ExitCode::from(exit::PASS))
        }
        Err(e) => refused(e, out, &dir),
    }
}

pub(crate) fn sigstore_bundle(a: &BundleArgs, out: &Output) -> CmdResult {
    let dir = dir_of(&a.manifest);
    let written = secfw::seal::sigstore::write_bundles(&a.manifest, a.out.as_deref().unwrap_or(&dir))?;
    let mut msg = format!("{} Sigstore bundle(s), one per signature:", written.len());
    for p in &written {
        let _ = write!(msg, "\n  {}", p.display());
    }
    out.print(&msg);
    Ok(ExitCode::from(exit::PASS))
}

pub(crate) fn verify(a: &VerifyManifestArgs, out: &Output) -> CmdResult {
    let dir = dir_of(&a.manifest);
    let trust = load_trust(&trust_path(a.verify.trust.as_ref(), &dir))?;
    let o = a.verify.options()?;
    let r = secfw::seal::verify_manifest(&a.manifest, &trust, &o);
    print_report(out, &r, a.verify.format);
    if r.passed() {
        if let (true, Some(path), Some(st), Some(seal)) =
            (a.verify.update_state, &a.verify.state, &r.statement, &r.seal)
        {
            SealState { project: st.predicate.project.clone(), sequence: st.predicate.sequence, seal: seal.clone() }
                .save(path)?;
        }
        Ok(ExitCode::from(exit::PASS))
    } else {
        Ok(ExitCode::from(exit::FAIL))
    }
}

pub(crate) fn keygen(a: &KeygenArgs, out: &Output) -> CmdResult {
    let key = SigningKey::generate()?;
    match secfw::seal::keys::write_key_files(&a.out, &a.identity, &key) {
        Ok(files) => {
            let mut s = format!("keyid {}\n", key.public().keyid());
            for f in files {
                let _ = writeln!(s, "wrote {}", f.display());
            }
            s.push_str(
                "keep the .key file private (mode 0600); give the .pub files to whoever maintains the trust policy",
            );
            out.print(&s);
            Ok(ExitCode::from(exit::PASS))
        }
        Err(e) => refused(e, out, &a.out),
    }
}

fn save_trust(path: &Path, t: &TrustPolicy) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    secfw::artifacts::write::write_atomic(path, &t.to_json())?;
    Ok(())
}

pub(crate) fn trust(a: &TrustArgs, out: &Output) -> CmdResult {
    let fail = |m: String| {
        out.error(&m);
        Ok(ExitCode::from(exit::FAIL))
    };
    match &a.command {
        TrustCommand::Init { trust, expires, now } => {
            if trust.exists() {
                return Err(format!(
                    "{} already exists; edit it with `secfw trust add-key|threshold`",
                    trust.display()
                )
                .into());
            }
            let now = now_of(now.as_deref())?;
            let exp = match expires {
                Some(e) => parse_now(Some(e)).map_err(|e| format!("--expires: {e}"))?,
                None => now + Duration::days(365),
            };
            if exp <= now {
                return fail(format!("--expires {exp} is not after now ({now})"));
            }
            save_trust(trust, &TrustPolicy::new(exp))?;
            out.print(&format!("wrote {} (version 1, expires {})", trust.display(), secfw::seal::trust::fmt_time(exp)));
        }
        TrustCommand::AddKey { trust, role, identity, pubkey } => {
            let role: Role = role.parse()?;
            let mut t = load_trust(trust)?;
            let text = std::fs::read_to_string(pubkey).map_err(|e| format!("cannot read {}: {e}", pubkey.display()))?;
            let (key, comment) = PublicKey::parse_any(&text).map_err(|e| format!("{}: {e}", pubkey.display()))?;
            let Some(id) = identity.clone().or(comment) else {
                return fail(format!("{} names no identity; pass --identity NAME", pubkey.display()));
            };
            if let Err(e) = t.add_key(role, key, &id) {
                return fail(e);
            }
            save_trust(trust, &t)?;
            out.print(&format!("trusted {id} ({}) as {role}; version {}", key.keyid(), t.version));
        }
        TrustCommand::Threshold { trust, role, n } => {
            let role: Role = role.parse()?;
            let mut t = load_trust(trust)?;
            if let Err(e) = t.set_threshold(role, *n) {
                return fail(e);
            }
            save_trust(trust, &t)?;
            out.print(&format!("{role} needs {n} distinct signature(s); version {}", t.version));
        }
        TrustCommand::Show { trust, now } => {
            let t = load_trust(trust)?;
            let mut s = format!("version {}, expires {}\n", t.version, secfw::seal::trust::fmt_time(t.expires));
            for (role, d) in &t.roles {
                let _ = writeln!(s, "{role}: threshold {} of {}", d.threshold, d.keyids.len());
                for k in &d.keyids {
                    let ident = t.keys.get(k).map_or("?", |x| x.identity.as_str());
                    let _ = writeln!(s, "  {ident}  {k}");
                }
            }
            let problems = t.problems(now_of(now.as_deref())?);
            for p in &problems {
                let _ = writeln!(s, "problem: {p}");
            }
            out.print(&s);
            if !problems.is_empty() {
                return Ok(ExitCode::from(exit::FAIL));
            }
        }
        TrustCommand::AllowedSigners { trust } => {
            out.print(&load_trust(trust)?.allowed_signers(secfw::seal::sshsig::NAMESPACE));
        }
    }
    Ok(ExitCode::from(exit::PASS))
}

pub(crate) fn package(a: &PackageArgs, out: &Output) -> CmdResult {
    let _lock = crate::lock::workspace(&a.dir)?; // held until the command returns
    let trust = load_trust(&trust_path(a.verify.trust.as_ref(), &a.dir))?;
    match secfw::seal::package(&a.dir, &trust, &a.verify.options()?) {
        Ok(p) => {
            out.print(&format!(
                "wrote {} ({} entries, sequence {}, {})",
                p.path.display(),
                p.entries.len(),
                p.sequence,
                p.seal
            ));
            Ok(ExitCode::from(exit::PASS))
        }
        Err(e) => refused(e, out, &a.dir),
    }
}

pub(crate) fn unpack(a: &UnpackArgs, out: &Output) -> CmdResult {
    let trust_file =
        a.verify.trust.clone().ok_or("unpack needs --trust FILE (or $SECFW_TRUST): the package's trust anchor")?;
    let trust = load_trust(&trust_file)?;
    match secfw::seal::unpack(&a.package, &a.target, &trust, &a.verify.options()?) {
        Ok(r) => {
            out.print(&format!(
                "verified and unpacked {} into {} ({})",
                a.package.display(),
                a.target.display(),
                r.seal.unwrap_or_default()
            ));
            Ok(ExitCode::from(exit::PASS))
        }
        Err(e) => refused(e, out, &a.target),
    }
}

pub(crate) fn rollback(a: &RollbackArgs, out: &Output) -> CmdResult {
    let _lock = crate::lock::workspace(&a.dir)?; // held until the command returns
    let trust = load_trust(&trust_path(a.verify.trust.as_ref(), &a.dir))?;
    let pkg = if let Some(p) = &a.package {
        p.clone()
    } else {
        let current = std::fs::read(a.dir.join(names::STATEMENT)).ok().map(|b| secfw::seal::seal_of(&b));
        let all = secfw::seal::package::list_packages(&a.dir);
        let idx = all.iter().position(|p| current.as_ref().is_some_and(|s| p.to_string_lossy().contains(&s[7..19])));
        let choice = match idx {
            Some(i) if i > 0 => all.get(i - 1),
            Some(_) => None,
            None => all.last(),
        };
        choice.cloned().ok_or("no previous package in .secfw/packages; pass --package FILE")?
    };
    let mut o = a.verify.options()?;
    o.allow_expired = a.allow_expired;
    match secfw::seal::restore(&pkg, &a.dir, &trust, &o) {
        Ok(r) => {
            out.print(&format!("restored {} from {} ({})", a.dir.display(), pkg.display(), r.seal.unwrap_or_default()));
            Ok(ExitCode::from(exit::PASS))
        }
        Err(e) => refused(e, out, &a.dir),
    }
}
