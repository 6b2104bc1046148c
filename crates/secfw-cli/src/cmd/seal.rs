//! Sealed handoff commands: `generate-manifest`, `sign-manifest`, `verify-manifest`, `keygen`,
//! `trust init|add-key|threshold|show|allowed-signers`, `package`, `unpack`, `rollback`.
//! All logic lives in `secfw::seal`; this module parses arguments and prints.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use secfw::artifacts::{Diagnostic, LifecycleState};
use secfw::ops::{
    KeygenOptions, TrustEdit, TrustInitOptions, TrustShowReport, TrustSource, TrustStatus, TrustUsed, Verification,
};
use secfw::seal::SigningRole;
use secfw::seal::{GenerateOptions, GitMode, SignOptions, names};
use secfw::seal::{VerifyOptions, render_verify_report};
use secfw::{Outcome, Workspace};

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
    /// Days the seal stays valid (1 to 36525).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=36_525))]
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
    /// Your private key (PKCS#8 PEM or unencrypted OpenSSH; mode 0600).
    #[arg(long)]
    key: PathBuf,
    /// Use a private key file that group or others can access (refused by default, as ssh does).
    #[arg(long)]
    allow_insecure_key_permissions: bool,
    /// The trust policy, from outside the workspace (required).
    #[arg(long, env = "SECFW_TRUST")]
    trust: Option<PathBuf>,
    /// Pin the trust policy by digest (sha256:<hex>); a pinned policy may lie anywhere.
    #[arg(long, env = "SECFW_TRUST_DIGEST", value_name = "DIGEST")]
    trust_digest: Option<String>,
    /// Also write an SSHSIG sidecar for `ssh-keygen -Y verify`.
    #[arg(long)]
    sshsig: bool,
    /// Sign a manifest whose project is not the workspace's rulebook project.
    #[arg(long)]
    any_project: bool,
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
    /// Output format of the report.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

/// Options shared by the commands that verify.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The trust policy, from outside the workspace (required).
    #[arg(long, env = "SECFW_TRUST")]
    trust: Option<PathBuf>,
    /// Pin the trust policy by digest (sha256:<hex>); a pinned policy may lie anywhere.
    #[arg(long, env = "SECFW_TRUST_DIGEST", value_name = "DIGEST")]
    trust_digest: Option<String>,
    /// Verification time (default: now).
    #[arg(long)]
    now: Option<String>,
    /// Require this commit (a revision, resolved in the workspace's repository, or a full id).
    #[arg(long, value_name = "REV")]
    expect_commit: Option<String>,
    /// Require this project id (default: the workspace's rulebook project).
    #[arg(long, conflicts_with = "any_project")]
    expect_project: Option<String>,
    /// Accept a manifest of any project (a deliberate cross-project restore or unpack).
    #[arg(long)]
    any_project: bool,
    /// Require this rulebook digest (sha256:<hex>).
    #[arg(long, value_name = "DIGEST")]
    expect_rulebook: Option<String>,
    /// Last accepted state file (refuses rollbacks and broken chains; default: the workspace's .secfw/seal-state.json, updated after each successful verification).
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
    /// Output format of the report.
    #[arg(long, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

/// `secfw trust ...`.
#[derive(Debug, clap::Args)]
pub(crate) struct TrustArgs {
    #[command(subcommand)]
    command: TrustCommand,
    /// Output format of the report (allowed-signers always writes the OpenSSH format).
    #[arg(long, global = true, value_enum, default_value_t = Fmt::Human)]
    format: Fmt,
}

#[derive(Debug, clap::Subcommand)]
enum TrustCommand {
    /// Create a signed trust policy (version 1) with its root keys, both signing roles and no signing keys yet; sign it with `trust sign`.
    Init {
        /// The trust policy file to create.
        #[arg(long)]
        trust: PathBuf,
        /// A root key's public key file (repeat for several): root keys sign the trust policy itself.
        #[arg(long = "root-key", value_name = "PUBKEY", required = true)]
        root_keys: Vec<PathBuf>,
        /// How many root keys must sign each version.
        #[arg(long, default_value_t = 1)]
        root_threshold: u32,
        /// Expiry (RFC 3339 or a date, UTC; default: one year after --now).
        #[arg(long)]
        expires: Option<String>,
        /// Current time (default: now).
        #[arg(long)]
        now: Option<String>,
    },
    /// Trust a public key in a role (a new version, to be signed with `trust sign`).
    AddKey {
        /// The trust policy file.
        #[arg(long)]
        trust: PathBuf,
        /// prepared_by or approved_by.
        #[arg(long)]
        role: String,
        /// Identity of the key holder (default: the identity in the key file, as `secfw keygen` writes it).
        #[arg(long)]
        identity: Option<String>,
        /// Public key file: OpenSSH line, SPKI PEM, securesystemslib JSON or 64 hex characters.
        pubkey: PathBuf,
    },
    /// Revoke a key: remove it from every role (a new version, to be signed with `trust sign`).
    RemoveKey {
        /// The trust policy file.
        #[arg(long)]
        trust: PathBuf,
        /// The keyid, or a public key file.
        key: String,
    },
    /// Set how many distinct keys a role needs (prepared_by, approved_by or root).
    Threshold {
        /// The trust policy file.
        #[arg(long)]
        trust: PathBuf,
        /// prepared_by, approved_by or root.
        #[arg(long)]
        role: String,
        /// Number of distinct signatures required.
        n: u32,
    },
    /// Sign the newest version of the trust policy with a root key (of this version or the one before).
    Sign {
        /// The trust policy file.
        #[arg(long)]
        trust: PathBuf,
        /// Your private root key.
        #[arg(long)]
        key: PathBuf,
        /// Use a private key file that group or others can access.
        #[arg(long)]
        allow_insecure_key_permissions: bool,
    },
    /// Rotate the root of trust: add or remove root keys, change the root threshold or the expiry (a new version, signed by the old and the new root).
    Rotate {
        /// The trust policy file.
        #[arg(long)]
        trust: PathBuf,
        /// A new root key's public key file (repeatable).
        #[arg(long = "add-root", value_name = "PUBKEY")]
        add_root: Vec<PathBuf>,
        /// A root keyid (or public key file) to remove (repeatable).
        #[arg(long = "remove-root", value_name = "KEYID")]
        remove_root: Vec<String>,
        /// The new root threshold.
        #[arg(long)]
        root_threshold: Option<u32>,
        /// A new expiry (RFC 3339 or a date, UTC).
        #[arg(long)]
        expires: Option<String>,
    },
    /// Print the newest version, its signature status and its problems at --now.
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

fn dir_of(manifest: &Path) -> PathBuf {
    match manifest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl VerifyArgs {
    /// How to verify: trust source, requirements, state file.
    fn verification(&self) -> Result<Verification, Box<dyn std::error::Error + Send + Sync>> {
        let mut o = VerifyOptions::new(now_of(self.now.as_deref())?).require_git(!self.no_git);
        o.expect_commit.clone_from(&self.expect_commit);
        o.expect_project.clone_from(&self.expect_project);
        o.any_project = self.any_project;
        o.expect_rulebook.clone_from(&self.expect_rulebook);
        o.allow_dirty = self.allow_dirty;
        o.closed_set = !self.open_set;
        o.require_critical_zero = self.require_critical_zero;
        Ok(Verification::new(self.trust_source(), o).state_file(self.state.clone()))
    }

    fn trust_source(&self) -> TrustSource {
        TrustSource::new(self.trust.clone(), self.trust_digest.clone())
    }
}

/// Render diagnostics with snippets from files in `dir`.
fn render_diags(out: &Output, dir: &Path, diags: &[Diagnostic]) -> String {
    out.diagnostics_in(dir, diags)
}

/// The human rendering of a verification, with the trust policy used.
pub(crate) fn human_report(out: &Output, r: &secfw::seal::VerifyReport, trust: Option<&TrustUsed>) -> String {
    let mut s = render_verify_report(r);
    let failed: Vec<Diagnostic> =
        r.checks.iter().filter(|c| !c.passed).flat_map(|c| c.diagnostics.iter().cloned()).collect();
    if !failed.is_empty() {
        s.push('\n');
        s.push_str(&render_diags(out, &r.dir, &failed));
    }
    if let Some(a) = trust {
        let _ = write!(
            s,
            "\ntrusted policy: {} (version {}, {}; file {})",
            a.path.display(),
            a.version,
            a.digest,
            a.file_digest
        );
    }
    if r.passed() {
        let _ = writeln!(s, "\nverified: {}", r.seal.map(|s| s.to_string()).unwrap_or_default());
    } else {
        let _ = writeln!(s, "\nNOT VERIFIED: failed checks: {}", r.failed_names().join(", "));
    }
    s
}

pub(crate) fn generate(a: &GenerateArgs, out: &Output) -> CmdResult {
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
    match Workspace::generate_manifest(&a.dir, &o) {
        Ok(g) => {
            out.print(&format!(
                "sealed {} file(s) of project {} as sequence {}\nseal: {}\nnext: secfw sign-manifest --manifest {} --identity NAME --key KEY",
                g.files,
                g.project,
                g.sequence,
                g.seal,
                g.manifest.display()
            ));
            Ok(ExitCode::from(exit::PASS))
        }
        Err(e) => out.fail(e, &a.dir),
    }
}

pub(crate) fn sign(a: &SignArgs, out: &Output) -> CmdResult {
    let dir = dir_of(&a.manifest);
    let mut vo = VerifyOptions::new(now_of(a.now.as_deref())?).require_git(!a.no_git);
    vo.any_project = a.any_project;
    let trust = TrustSource::new(a.trust.clone(), a.trust_digest.clone());
    let opts = SignOptions::new(&a.identity, vo).sshsig(a.sshsig);
    match Workspace::sign_manifest(&a.manifest, &trust, &a.key, a.allow_insecure_key_permissions, &opts) {
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
        Err(e) => out.fail(e, &dir),
    }
}

pub(crate) fn sigstore_bundle(a: &BundleArgs, out: &Output) -> CmdResult {
    let r = match Workspace::sigstore_bundles(&a.manifest, a.out.as_deref()) {
        Ok(r) => r,
        Err(e) => return out.fail(e, &dir_of(&a.manifest)),
    };
    match a.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&r)?),
        Fmt::Human => {
            let mut msg = format!("{} Sigstore bundle(s), one per signature:", r.bundles.len());
            for p in &r.bundles {
                let _ = write!(msg, "\n  {}", p.display());
            }
            out.print(&msg);
        }
    }
    Ok(ExitCode::from(exit::PASS))
}

pub(crate) fn verify(a: &VerifyManifestArgs, out: &Output) -> CmdResult {
    let dir = dir_of(&a.manifest);
    let v = a.verify.verification()?;
    let r = match Workspace::verify_manifest(&a.manifest, &v, a.verify.update_state) {
        Ok(r) => r,
        Err(e) => return out.fail(e, &dir),
    };
    match a.verify.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&r)?),
        Fmt::Human => out.print(&human_report(out, &r.detail, r.trust.as_ref())),
    }
    Ok(ExitCode::from(if r.passed() { exit::PASS } else { exit::FAIL }))
}

pub(crate) fn keygen(a: &KeygenArgs, out: &Output) -> CmdResult {
    let r = match Workspace::keygen(&KeygenOptions::new(a.identity.clone(), a.out.clone())) {
        Ok(r) => r,
        Err(e) => return out.fail(e, &a.out),
    };
    match a.format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(&r)?),
        Fmt::Human => {
            let mut s = format!("keyid {}\n", r.keyid);
            for f in &r.files {
                let _ = writeln!(s, "wrote {}", f.display());
            }
            s.push_str(
                "keep the .key file private (mode 0600); give the .pub files to whoever maintains the trust policy",
            );
            out.print(&s);
        }
    }
    Ok(ExitCode::from(exit::PASS))
}

fn now_arg(s: Option<&str>, what: &str) -> Result<DateTime<Utc>, Box<dyn std::error::Error + Send + Sync>> {
    Ok(parse_now(s).map_err(|e| format!("{what}: {e}"))?)
}

fn role_arg(role: &str) -> Result<SigningRole, Box<dyn std::error::Error + Send + Sync>> {
    Ok(role.parse()?)
}

/// Print a trust policy status (human: one line) and exit 0.
fn print_status(out: &Output, format: Fmt, st: &TrustStatus, verb: &str) -> CmdResult {
    match format {
        Fmt::Json => out.print(&serde_json::to_string_pretty(st)?),
        Fmt::Human => {
            let head = match (&st.signed_with, verb) {
                (Some(k), _) => format!("signed {} with key {k}", st.path.display()),
                (None, "init") => format!("wrote {} (expires {})", st.path.display(), st.expires),
                _ => format!("wrote {}", st.path.display()),
            };
            out.print(&format!("{head}; {}", st.summary()));
        }
    }
    Ok(ExitCode::from(exit::PASS))
}

fn human_show(r: &TrustShowReport) -> String {
    let st = &r.status;
    let mut s = format!("version {}, expires {}, digest {}\n{}\n", st.version, st.expires, r.digest, st.summary());
    for role in &r.roles {
        let _ = writeln!(s, "{}: threshold {} of {}", role.role, role.threshold, role.keys.len());
        for k in &role.keys {
            let _ = writeln!(s, "  {}  {}", k.identity, k.keyid);
        }
    }
    for p in &r.problems {
        let _ = writeln!(s, "problem: {p}");
    }
    s
}

pub(crate) fn trust(a: &TrustArgs, out: &Output) -> CmdResult {
    let here = Path::new(".");
    let (result, verb) = match &a.command {
        TrustCommand::Init { trust, root_keys, root_threshold, expires, now } => {
            let now = now_arg(now.as_deref(), "--now")?;
            let mut o = TrustInitOptions::new(trust.clone(), root_keys.clone(), now);
            o.root_threshold = *root_threshold;
            o.expires = expires.as_deref().map(|e| now_arg(Some(e), "--expires")).transpose()?;
            (Workspace::trust_init(&o), "init")
        }
        TrustCommand::AddKey { trust, role, identity, pubkey } => {
            let edit = TrustEdit::AddKey { role: role_arg(role)?, pubkey: pubkey.clone(), identity: identity.clone() };
            (Workspace::trust_edit(trust, &edit), "edit")
        }
        TrustCommand::RemoveKey { trust, key } => {
            (Workspace::trust_edit(trust, &TrustEdit::RemoveKey { key: key.clone() }), "edit")
        }
        TrustCommand::Threshold { trust, role, n } => {
            let role = if role == "root" { None } else { Some(role_arg(role)?) };
            (Workspace::trust_edit(trust, &TrustEdit::Threshold { role, n: *n }), "edit")
        }
        TrustCommand::Rotate { trust, add_root, remove_root, root_threshold, expires } => {
            let edit = TrustEdit::Rotate {
                add_root: add_root.clone(),
                remove_root: remove_root.clone(),
                root_threshold: *root_threshold,
                expires: expires.as_deref().map(|e| now_arg(Some(e), "--expires")).transpose()?,
            };
            (Workspace::trust_edit(trust, &edit), "edit")
        }
        TrustCommand::Sign { trust, key, allow_insecure_key_permissions } => {
            (Workspace::trust_sign(trust, key, *allow_insecure_key_permissions), "sign")
        }
        TrustCommand::Show { trust, now } => {
            let now = now_arg(now.as_deref(), "--now")?;
            let r = match Workspace::trust_show(trust, now) {
                Ok(r) => r,
                Err(e) => return out.fail(e, here),
            };
            match a.format {
                Fmt::Json => out.print(&serde_json::to_string_pretty(&r)?),
                Fmt::Human => out.print(&human_show(&r)),
            }
            return Ok(ExitCode::from(if r.passed() { exit::PASS } else { exit::FAIL }));
        }
        TrustCommand::AllowedSigners { trust } => {
            if a.format == Fmt::Json {
                return Err("trust allowed-signers writes the OpenSSH allowed_signers format only".into());
            }
            match Workspace::trust_allowed_signers(trust) {
                Ok(text) => out.print(&text),
                Err(e) => return out.fail(e, here),
            }
            return Ok(ExitCode::from(exit::PASS));
        }
    };
    match result {
        Ok(st) => print_status(out, a.format, &st, verb),
        Err(e) => out.fail(e, here),
    }
}

pub(crate) fn package(a: &PackageArgs, out: &Output) -> CmdResult {
    match Workspace::package(&a.dir, &a.verify.verification()?) {
        Ok(p) => {
            out.print(&format!(
                "wrote {} ({} entries, sequence {}, {})",
                p.path.display(),
                p.entries,
                p.sequence,
                p.seal
            ));
            Ok(ExitCode::from(exit::PASS))
        }
        Err(e) => out.fail(e, &a.dir),
    }
}

pub(crate) fn unpack(a: &UnpackArgs, out: &Output) -> CmdResult {
    match Workspace::unpack(&a.package, &a.target, &a.verify.verification()?) {
        Ok(r) => {
            out.print(&format!(
                "verified and unpacked {} into {} ({})",
                r.package.display(),
                r.target.display(),
                r.seal.map(|s| s.to_string()).unwrap_or_default()
            ));
            Ok(ExitCode::from(exit::PASS))
        }
        Err(e) => out.fail(e, &a.target),
    }
}

pub(crate) fn rollback(a: &RollbackArgs, out: &Output) -> CmdResult {
    let mut v = a.verify.verification()?;
    v.verify.allow_expired = a.allow_expired;
    match Workspace::rollback(&a.dir, a.package.as_deref(), &v) {
        Ok(r) => {
            out.print(&format!(
                "restored {} from {} ({})",
                r.dir.display(),
                r.package.display(),
                r.seal.map(|s| s.to_string()).unwrap_or_default()
            ));
            Ok(ExitCode::from(exit::PASS))
        }
        Err(e) => out.fail(e, &a.dir),
    }
}
