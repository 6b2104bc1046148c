//! The git binding, through the `git` command (no git library): full commit and tree ids, the
//! branch, and whether the sealed files differ from the commit.

use std::path::Path;
use std::process::Command;

/// A git snapshot of the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GitSnapshot {
    /// Full commit id (40 or 64 lower-case hex).
    pub commit: String,
    /// Full tree id of that commit.
    pub tree: String,
    /// Branch name, or `(detached)`.
    pub branch: String,
    /// `true` when a sealed file differs from the commit (or is untracked).
    pub dirty: bool,
}

/// `true` for a full 40- (SHA-1) or 64- (SHA-256) character lower-case hex object id.
pub(crate) fn is_full_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("LC_ALL", "C")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(format!("`git {}` failed: {err}", args.join(" ")));
    }
    String::from_utf8(out.stdout)
        .map(|s| s.trim_end().to_owned())
        .map_err(|_| "git printed non-UTF-8 output".to_owned())
}

/// `true` when `dir` is inside a git work tree.
pub(crate) fn is_repo(dir: &Path) -> bool {
    git(dir, &["rev-parse", "--is-inside-work-tree"]).is_ok_and(|s| s == "true")
}

/// Resolve a revision to its full commit id.
pub(crate) fn resolve_commit(dir: &Path, rev: &str) -> Result<String, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a revision"));
    }
    let id = git(dir, &["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{rev}^{{commit}}")])
        .map_err(|_| format!("`{rev}` is not a commit in this repository"))?;
    if is_full_id(&id) { Ok(id) } else { Err(format!("git resolved `{rev}` to `{id}`, not a full object id")) }
}

/// The tree id of a commit.
pub(crate) fn tree_of(dir: &Path, commit: &str) -> Result<String, String> {
    let id = git(dir, &["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{commit}^{{tree}}")])
        .map_err(|_| format!("commit {commit} is not in this repository"))?;
    if is_full_id(&id) { Ok(id) } else { Err(format!("unexpected tree id `{id}`")) }
}

/// Snapshot `rev` (default `HEAD`) and whether `pathspecs` (workspace-relative files or
/// directories) differ from it in the work tree, including untracked files.
pub(crate) fn snapshot(dir: &Path, rev: Option<&str>, pathspecs: &[&str]) -> Result<GitSnapshot, String> {
    let rev_name = rev.unwrap_or("HEAD");
    let commit = resolve_commit(dir, rev_name)?;
    let tree = tree_of(dir, &commit)?;
    let branch = match rev {
        None => git(dir, &["symbolic-ref", "--short", "-q", "HEAD"]).unwrap_or_default(),
        Some(r) => git(dir, &["rev-parse", "--symbolic-full-name", "--end-of-options", r])
            .ok()
            .and_then(|s| s.strip_prefix("refs/heads/").map(str::to_owned))
            .unwrap_or_default(),
    };
    let branch = if branch.is_empty() { "(detached)".to_owned() } else { branch };
    let specs: Vec<String> = pathspecs.iter().map(|p| format!(":(literal){p}")).collect();
    let mut diff = vec!["diff", "--name-only", "--no-renames", commit.as_str(), "--"];
    diff.extend(specs.iter().map(String::as_str));
    let changed = git(dir, &diff)?;
    let mut others = vec!["ls-files", "--others", "--exclude-standard", "--"];
    others.extend(specs.iter().map(String::as_str));
    let untracked = git(dir, &others)?;
    Ok(GitSnapshot { commit, tree, branch, dirty: !changed.is_empty() || !untracked.is_empty() })
}

/// The blob id of every file of `commit` under `dir`, keyed by its path relative to `dir`.
pub(crate) fn blob_ids(dir: &Path, commit: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    if !is_full_id(commit) {
        return Err(format!("`{commit}` is not a full commit id"));
    }
    let out = git(dir, &["ls-tree", "-r", "-z", "--end-of-options", commit, "--", "."])?;
    let mut m = std::collections::BTreeMap::new();
    for rec in out.split('\0').filter(|r| !r.is_empty()) {
        let Some((meta, path)) = rec.split_once('\t') else {
            return Err(format!("unexpected `git ls-tree` output `{}`", rec.escape_debug()));
        };
        let mut f = meta.split(' ');
        if let (Some(_mode), Some("blob"), Some(id)) = (f.next(), f.next(), f.next()) {
            m.insert(path.to_owned(), id.to_owned());
        }
    }
    Ok(m)
}

/// The git blob id of the file at `path` (`sha1` or, for a 64-hex `like` id, `sha256` over
/// `blob <len>\0<bytes>`), streamed. The file is opened without following a final symlink and
/// without blocking.
pub(crate) fn blob_id_of_file(path: &Path, like: &str) -> Result<String, String> {
    use std::io::Read as _;
    let (mut f, m) = secfw_artifacts::open_regular(path, secfw_artifacts::Links::Refuse).map_err(|e| e.to_string())?;
    let alg = if like.len() == 64 { &ring::digest::SHA256 } else { &ring::digest::SHA1_FOR_LEGACY_USE_ONLY };
    let mut cx = ring::digest::Context::new(alg);
    cx.update(format!("blob {}\0", m.len()).as_bytes());
    let mut buf = vec![0u8; 64 * 1024];
    let mut n_total = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.to_string()),
        };
        if n == 0 {
            break;
        }
        n_total += n as u64;
        cx.update(&buf[..n]);
    }
    if n_total != m.len() {
        return Err(format!("{} changed while being read", path.display()));
    }
    Ok(hex::encode(cx.finish()))
}
