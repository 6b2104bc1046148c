//! `secfw demo`: the bundled example workspace taken through a whole cycle, with a demo key
//! pair per role and a trust policy, and real ingest of the bundled scanner output.
//!
//! Layout of the output directory:
//!
//! ```text
//! OUT/workspace/   the example security workspace (sealed, packaged, digest written; KPI
//!                  snapshots back-filled for the three weeks before, so trends have lines)
//! OUT/keys/        the demo's signing keys, one per role (private keys mode 0600) — never
//!                  inside the workspace
//! OUT/offline-keys/ the root key that signs the trust policy (mode 0600), kept apart from the
//!                  signing keys as a real deployment keeps it offline: `OUT/keys/*.key` is
//!                  exactly the set of keys that sign handoffs
//! OUT/trust.json   the trust policy, signed by the root key (outside the workspace, as it must be)
//! ```
//!
//! The demo runs at the example's reference time ([`secfw_artifacts::template::EXAMPLE_NOW`])
//! unless told otherwise, so it completes the same way on any day; pass a later `now` to watch
//! exceptions expire and Critical=0 block the handoff.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use secfw_seal::{SigningKey, SigningRole, TrustPolicy};

use crate::Error;
use crate::cycle::{self, CycleOptions, CycleReport, Step};

/// The demo's signers: (identity, role).
pub const SIGNERS: [(&str, SigningRole); 2] =
    [("security-lead@acme-pay.example", SigningRole::PreparedBy), ("ciso@acme-pay.example", SigningRole::ApprovedBy)];

/// The demo's root-of-trust key holder (signs the trust policy, never a handoff).
pub const ROOT_IDENTITY: &str = "root@acme-pay.example";

/// What the demo produced.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DemoReport {
    /// The workspace.
    pub workspace: PathBuf,
    /// The trust policy.
    pub trust: PathBuf,
    /// The private keys written (mode 0600).
    pub keys: Vec<PathBuf>,
    /// Whether the workspace is a git repository (the manifest is bound to its commit).
    pub git: bool,
    /// The cycle.
    pub cycle: CycleReport,
}

fn git_available() -> bool {
    Command::new("git").arg("--version").output().is_ok_and(|o| o.status.success())
}

fn run_git(dir: &Path, args: &[&str], now: DateTime<Utc>) -> Result<(), Error> {
    let when = now.to_rfc3339();
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "secfw demo")
        .env("GIT_AUTHOR_EMAIL", "demo@acme-pay.example")
        .env("GIT_COMMITTER_NAME", "secfw demo")
        .env("GIT_COMMITTER_EMAIL", "demo@acme-pay.example")
        .env("GIT_AUTHOR_DATE", &when)
        .env("GIT_COMMITTER_DATE", &when)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .map_err(|source| Error::Git { args: args.join(" "), source })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::Cycle(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())))
    }
}

/// The weeks before `now` for which the demo back-fills KPI snapshots, oldest first.
pub const BACKFILL_WEEKS: [i64; 3] = [3, 2, 1];

/// Record KPI snapshots computed from the example's ledger at 3, 2 and 1 weeks before `now`
/// (`.secfw/history/`), so the demo's digest shows trend lines rather than the single point of a
/// first cycle. They are computed, not invented: each is what `secfw metrics --now <that date>`
/// reports on the example (findings are judged by the ledger as it stands, see docs/metrics.md).
fn backfill_history(workspace: &Path, now: DateTime<Utc>) -> Result<(), Error> {
    let ws = secfw_artifacts::load(workspace, &secfw_artifacts::LoadOptions::default())?;
    for weeks in BACKFILL_WEEKS {
        let at = now - Duration::weeks(weeks);
        let report =
            secfw_metrics::collect(&ws, &secfw_metrics::CollectOptions::default(), at).map_err(Error::History)?;
        secfw_metrics::record(workspace, &report).map_err(Error::History)?;
    }
    Ok(())
}

/// Run the demo into `out` (which must not exist or be empty) at `now`.
pub fn run(out: &Path, now: DateTime<Utc>, progress: &mut dyn FnMut(&Step)) -> Result<DemoReport, Error> {
    if std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(Error::Cycle(format!("{} is not empty; choose a new --out directory", out.display())));
    }
    let workspace = out.join("workspace");
    secfw_artifacts::template::write_example(&workspace)?;
    let git = git_available();
    if git {
        run_git(&workspace, &["init", "-q", "-b", "main"], now)?;
        run_git(&workspace, &["add", "-A"], now)?;
        run_git(&workspace, &["commit", "-q", "-m", "Acme Pay security workspace (secfw demo)"], now)?;
    }
    backfill_history(&workspace, now)?;
    let key_dir = out.join("keys");
    let mut trust = TrustPolicy::new(now + Duration::days(365));
    // The root key signs the trust policy itself (version 1, self-signed); it never signs
    // handoffs. A real deployment keeps it offline.
    let root = SigningKey::generate()?;
    secfw_seal::write_key_files(&out.join("offline-keys"), ROOT_IDENTITY, &root)?;
    trust.add_root_key(root.public(), ROOT_IDENTITY).map_err(Error::Cycle)?;
    let mut keys = Vec::new();
    for (identity, role) in SIGNERS {
        let key = SigningKey::generate()?;
        let files = secfw_seal::write_key_files(&key_dir, identity, &key)?;
        trust.add_key(role, key.public(), identity).map_err(Error::Cycle)?;
        keys.extend(files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "key")));
    }
    trust.version = 1;
    let mut chain = secfw_seal::TrustChain::new(trust).map_err(Error::Cycle)?;
    chain.sign(&root).map_err(Error::Cycle)?;
    let trust_path = out.join("trust.json");
    secfw_artifacts::write_atomic(&trust_path, &chain.to_json())?;
    let mut opts = CycleOptions::new("secfw-demo", now);
    opts.trust = Some(trust_path.clone());
    opts.keys.clone_from(&keys);
    opts.git = git;
    opts.sshsig = true;
    // The demo workspace is new; the cycle still runs under its lock like any other.
    let lock = secfw_artifacts::WorkspaceLock::acquire(&workspace, secfw_artifacts::LOCK_DEFAULT_TIMEOUT)?;
    let cycle = cycle::run(&workspace, &lock, &opts, progress)?;
    Ok(DemoReport { workspace, trust: trust_path, keys, git, cycle })
}
