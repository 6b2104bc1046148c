//! The sealed file set: the path grammar, enumeration of the files a workspace seals, and safe,
//! streamed, parallel SHA-256 hashing (no symlinks anywhere on the path, regular files only,
//! the opened file must be the one checked, bytes read are the size recorded).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use sha2::Digest as _;

use crate::names;

/// Longest sealed path, in bytes.
pub const MAX_PATH_BYTES: usize = 1024;
/// Longest path segment, in bytes.
pub const MAX_SEGMENT_BYTES: usize = 255;

/// Digest and size of one sealed file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileDigest {
    /// Workspace-relative path (`/` separators, grammar of [`check_path`]).
    pub path: String,
    /// Its SHA-256.
    pub sha256: secfw_artifacts::Sha256Digest,
    /// Bytes.
    pub size: u64,
    /// The identity of the file these bytes were read from, when it did not change while being
    /// read and its timestamps were settled (see [`FileIdentity`]); `None` when the digest was
    /// computed from bytes in memory, or the file may have changed within the same timestamp
    /// tick. Only a digest with an identity can be reused by a later step ([`KnownDigests`]).
    pub identity: Option<FileIdentity>,
}

/// One version of a file as the file system describes it without reading it: device, inode,
/// size, modification and status-change times (nanoseconds since the epoch).
///
/// Any write to a file changes its ctime (which user space cannot set back), a replacement by
/// rename changes the inode, so an equal identity means the same bytes, provided the recorded
/// timestamps were *settled*: older than the moment the bytes were read by more than one
/// timestamp tick ([`FileIdentity::settled_at`]). A write in the same tick as the recording
/// could otherwise leave every field equal (the "racy" case git knows); such digests are
/// never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct FileIdentity {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i128,
    /// Status-change time, ns since the epoch.
    pub ctime_ns: i128,
}

/// How much older than the read a sub-second timestamp must be to be settled: more than one
/// tick of the kernel's coarse clock (at most 10 ms at HZ=100).
pub const SETTLE_FINE: Duration = Duration::from_millis(20);
/// The same for file systems with whole-second (or 2-second, FAT) timestamps.
pub const SETTLE_COARSE: Duration = Duration::from_secs(3);

impl FileIdentity {
    /// The identity `m` describes (`None` where the platform has no inode or ctime).
    #[cfg(unix)]
    pub fn of(m: &fs::Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt as _;
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        Some(Self {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec()),
            ctime_ns: ns(m.ctime(), m.ctime_nsec()),
        })
    }

    /// The identity `m` describes (`None` where the platform has no inode or ctime).
    #[cfg(not(unix))]
    pub fn of(_m: &fs::Metadata) -> Option<Self> {
        None
    }

    /// `true` when both timestamps are older than `read_at` by more than a timestamp tick, so
    /// any later write gets a different ctime. A timestamp with zero nanoseconds is taken to
    /// come from a coarse file system and needs [`SETTLE_COARSE`]. `read_at` is the wall clock
    /// when reading began: it only decides whether a digest may be reused, never what is sealed.
    pub fn settled_at(&self, read_at: SystemTime) -> bool {
        let Ok(at) = read_at.duration_since(SystemTime::UNIX_EPOCH) else { return false };
        let at = i128::try_from(at.as_nanos()).unwrap_or(i128::MAX);
        [self.mtime_ns, self.ctime_ns].iter().all(|&t| {
            let margin = if t % 1_000_000_000 == 0 { SETTLE_COARSE } else { SETTLE_FINE };
            t < at - i128::try_from(margin.as_nanos()).unwrap_or(i128::MAX)
        })
    }
}

/// Digests of files whose identity was recorded when they were hashed (or written) in this
/// process, by absolute path: what a later step may reuse instead of reading the file again,
/// after checking that the file's current identity is the recorded one.
#[derive(Clone, Debug, Default)]
pub struct KnownDigests {
    files: BTreeMap<PathBuf, (FileIdentity, secfw_artifacts::Sha256Digest, u64)>,
    packages: BTreeMap<PathBuf, VerifiedPackage>,
}

/// A package archive that verified completely in this process.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedPackage {
    /// The archive's identity when it was read (settled).
    pub identity: FileIdentity,
    /// The seal it carries.
    pub seal: secfw_artifacts::Seal,
    /// The verification time used.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The trust policy version used.
    pub trust_version: u64,
}

impl KnownDigests {
    /// Nothing known.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record the digest of the file at `path` (absolute or as the verifier will join it),
    /// when it has an identity.
    pub fn insert(&mut self, path: PathBuf, d: &FileDigest) {
        if let Some(id) = d.identity {
            self.files.insert(path, (id, d.sha256, d.size));
        }
    }

    /// The recorded digest of `path`, when `now` (its current identity) is the recorded one.
    pub fn lookup(&self, path: &Path, now: &FileIdentity) -> Option<(secfw_artifacts::Sha256Digest, u64)> {
        self.files.get(path).filter(|(id, _, _)| id == now).map(|(_, h, n)| (*h, *n))
    }

    /// Add everything `other` knows (its entries win).
    pub fn merge(&mut self, other: &Self) {
        self.files.extend(other.files.iter().map(|(k, v)| (k.clone(), *v)));
        self.packages.extend(other.packages.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    /// Files known.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Nothing known.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.packages.is_empty()
    }

    /// Record that the package at `path` verified.
    pub fn insert_package(&mut self, path: PathBuf, p: VerifiedPackage) {
        self.packages.insert(path, p);
    }

    /// The verification record of the package at `path`, when its current identity is the
    /// recorded one.
    pub fn package(&self, path: &Path, now: &FileIdentity) -> Option<&VerifiedPackage> {
        self.packages.get(path).filter(|p| p.identity == *now)
    }
}

/// How much hashing a step did: every pass over file bytes is counted, so a test can assert
/// that nothing is read twice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct HashStats {
    /// Files whose bytes were hashed.
    pub files_hashed: u64,
    /// Bytes hashed (files and archives).
    pub bytes_hashed: u64,
    /// Files whose earlier digest was reused after their identity matched.
    pub files_reused: u64,
    /// Package archives hashed as a whole (written or read).
    pub archives_hashed: u64,
    /// Package verifications reused after the archive's identity matched.
    pub packages_reused: u64,
}

impl HashStats {
    /// Add `o`.
    pub fn add(&mut self, o: &Self) {
        self.files_hashed += o.files_hashed;
        self.bytes_hashed += o.bytes_hashed;
        self.files_reused += o.files_reused;
        self.archives_hashed += o.archives_hashed;
        self.packages_reused += o.packages_reused;
    }
}

/// Why a file could not be hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashFailure {
    /// It does not exist.
    Missing(String),
    /// It is a symlink, directory, FIFO or device, or was swapped while being opened.
    NotRegular(String),
    /// Reading failed.
    Io(String),
}

impl HashFailure {
    /// The explanation.
    pub fn message(&self) -> &str {
        match self {
            Self::Missing(m) | Self::NotRegular(m) | Self::Io(m) => m,
        }
    }
}

/// Check a sealed path: relative, `/`-separated, segments of `[A-Za-z0-9._+-]` that are not only
/// dots, no empty segments, at most [`MAX_PATH_BYTES`] bytes. This refuses `..`, absolute and
/// drive paths, backslashes, `./a`, `a//b`, `a/`, NUL, controls, bidi overrides and spaces.
pub fn check_path(p: &str) -> Result<(), String> {
    if p.is_empty() {
        return Err("empty path".into());
    }
    if p.len() > MAX_PATH_BYTES {
        return Err(format!("path is {} bytes, over the limit of {MAX_PATH_BYTES}", p.len()));
    }
    for seg in p.split('/') {
        if seg.is_empty() {
            return Err(format!("`{}` has an empty segment (leading, trailing or double `/`)", escape(p)));
        }
        if seg.len() > MAX_SEGMENT_BYTES {
            return Err(format!("a segment of `{}` is over {MAX_SEGMENT_BYTES} bytes", escape(p)));
        }
        if seg.bytes().all(|b| b == b'.') {
            return Err(format!("`{}` has a `.` or `..` segment", escape(p)));
        }
        if let Some(c) = seg.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-'))) {
            return Err(format!(
                "`{}` contains {c:?}: sealed paths use only A-Z a-z 0-9 . _ + - and `/` between segments",
                escape(p)
            ));
        }
    }
    Ok(())
}

fn escape(p: &str) -> String {
    p.escape_debug().to_string()
}

/// `true` when `p` lies in the documented sealed set: one of the six workspace artifacts, one
/// of the digest files, or a file under `evidence/`. Nothing else may be a subject, so a signed
/// statement can never authorize a write to `.git/`, `.secfw/`, the trust policy or a script.
pub(crate) fn in_sealed_set(p: &str) -> bool {
    secfw_artifacts::file_names::ALL.contains(&p)
        || names::DIGESTS.contains(&p)
        || p.strip_prefix(names::EVIDENCE_DIR).and_then(|r| r.strip_prefix('/')).is_some_and(|r| !r.is_empty())
}

/// Paths that collide on a case-insensitive file system (macOS, Windows).
pub(crate) fn case_collisions(paths: &[String]) -> Vec<(String, String)> {
    let mut seen: BTreeMap<String, &String> = BTreeMap::new();
    let mut out = Vec::new();
    for p in paths {
        if let Some(first) = seen.insert(p.to_ascii_lowercase(), p) {
            out.push((first.clone(), p.clone()));
        }
    }
    out
}

/// A problem found while enumerating the sealed set.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SetProblem {
    /// The workspace-relative path.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The files a workspace seals, sorted: the six artifacts and the digest files that exist,
/// and every file under `evidence/`. Symlinks and non-regular files are reported, never followed.
/// Paths that fail the grammar are reported too.
pub fn sealed_set(root: &Path) -> (Vec<String>, Vec<SetProblem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut single = |name: &str, required: bool| match fs::symlink_metadata(root.join(name)) {
        Ok(m) if m.file_type().is_file() => out.push(name.to_owned()),
        Ok(m) => problems.push(SetProblem { path: name.to_owned(), message: describe(&m, name) }),
        Err(_) if !required => {}
        Err(e) => problems.push(SetProblem { path: name.to_owned(), message: format!("{name}: {e}") }),
    };
    for name in secfw_artifacts::file_names::ALL {
        single(name, true);
    }
    for name in names::DIGESTS {
        single(name, false);
    }
    let ev = root.join(names::EVIDENCE_DIR);
    match fs::symlink_metadata(&ev) {
        Err(_) => {}
        Ok(m) if !m.is_dir() => {
            problems.push(SetProblem { path: names::EVIDENCE_DIR.into(), message: describe(&m, names::EVIDENCE_DIR) });
        }
        Ok(_) => {
            for entry in walkdir::WalkDir::new(&ev).follow_links(false).min_depth(1).sort_by_file_name() {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        let path = e.path().map_or_else(|| names::EVIDENCE_DIR.to_owned(), |p| rel(root, p));
                        problems.push(SetProblem { path, message: format!("cannot read: {e}") });
                        continue;
                    }
                };
                let ft = entry.file_type();
                if ft.is_dir() {
                    continue;
                }
                let r = rel(root, entry.path());
                if ft.is_file() {
                    match check_path(&r) {
                        Ok(()) => out.push(r),
                        Err(m) => problems.push(SetProblem { path: r, message: m }),
                    }
                } else {
                    let msg = fs::symlink_metadata(entry.path()).map_or_else(|e| e.to_string(), |m| describe(&m, &r));
                    problems.push(SetProblem { path: r, message: msg });
                }
            }
        }
    }
    out.sort();
    (out, problems)
}

fn rel(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    r.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

fn describe(m: &fs::Metadata, name: &str) -> String {
    let ft = m.file_type();
    let kind = if ft.is_symlink() {
        "a symlink"
    } else if ft.is_dir() {
        "a directory"
    } else {
        "not a regular file (FIFO, socket or device)"
    };
    format!("{name} is {kind}; sealed files must be regular files and are never followed through links")
}

/// The read buffer of each hashing thread. 128 KiB: the kernel copies each chunk from the page
/// cache into it and SHA-256 reads it back while it is still in the core's L2 cache; 256 KiB and
/// more cost ≈ 5% more CPU per byte here (docs/PERFORMANCE.md §Sealing), smaller buffers mean
/// more `read` calls for no gain.
const READ_BUF_BYTES: usize = 128 * 1024;

thread_local! {
    static BUF: RefCell<Vec<u8>> = RefCell::new(vec![0u8; READ_BUF_BYTES]);
}

/// Hash one file under `root` safely and streamed.
pub fn hash_file(root: &Path, rel_path: &str) -> Result<FileDigest, HashFailure> {
    hash_file_with(root, rel_path, &|_| {})
}

pub(crate) fn hash_file_with(root: &Path, rel_path: &str, between: &dyn Fn(&Path)) -> Result<FileDigest, HashFailure> {
    let (cur, meta) = walk(root, rel_path)?;
    between(&cur);
    hash_opened(&cur, rel_path, &meta)
}

/// Check `rel_path` under `root` segment by segment without following links: every parent a
/// real directory, the file itself a regular file. Returns its path and metadata.
fn walk(root: &Path, rel_path: &str) -> Result<(PathBuf, fs::Metadata), HashFailure> {
    check_path(rel_path).map_err(HashFailure::NotRegular)?;
    let segs: Vec<&str> = rel_path.split('/').collect();
    let mut cur = PathBuf::from(root);
    for (i, s) in segs.iter().enumerate() {
        cur.push(s);
        let m = fs::symlink_metadata(&cur).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                HashFailure::Missing(format!("{rel_path} does not exist"))
            } else {
                HashFailure::Io(format!("{rel_path}: {e}"))
            }
        })?;
        let is_last = i + 1 == segs.len();
        if m.file_type().is_symlink() {
            let what = if is_last {
                "is a symlink".to_owned()
            } else {
                format!("has a symlinked parent `{}`", segs[..=i].join("/"))
            };
            return Err(HashFailure::NotRegular(format!("{rel_path} {what}; symlinks are never followed")));
        }
        if !is_last && !m.is_dir() {
            return Err(HashFailure::Missing(format!("{rel_path}: `{}` is not a directory", segs[..=i].join("/"))));
        }
        if is_last {
            if !m.file_type().is_file() {
                return Err(HashFailure::NotRegular(describe(&m, rel_path)));
            }
            return Ok((cur, m));
        }
    }
    Err(HashFailure::Missing(format!("{rel_path} does not exist")))
}

fn hash_opened(cur: &Path, rel_path: &str, last_meta: &fs::Metadata) -> Result<FileDigest, HashFailure> {
    let read_at = SystemTime::now();
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // O_NONBLOCK: a FIFO swapped in after the check must not hang the open.
        opts.custom_flags(secfw_artifacts::O_NONBLOCK);
    }
    let mut f = opts.open(cur).map_err(|e| HashFailure::Io(format!("{rel_path}: {e}")))?;
    let fm = f.metadata().map_err(|e| HashFailure::Io(format!("{rel_path}: {e}")))?;
    if !fm.is_file() || !same_file(Some(last_meta), &fm) {
        return Err(HashFailure::NotRegular(format!(
            "{rel_path} was replaced while being opened (file identity changed)"
        )));
    }
    let (sha256, size) = BUF.with(|b| {
        let mut buf = b.borrow_mut();
        let mut h = sha2::Sha256::new();
        let mut size = 0u64;
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    h.update(&buf[..n]);
                    size += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(HashFailure::Io(format!("{rel_path}: {e}"))),
            }
        }
        Ok((secfw_artifacts::Sha256Digest::from_bytes(h.finalize().into()), size))
    })?;
    // The identity is kept only when the file did not change while it was read and its
    // timestamps were settled before reading began: then any later write is visible in it.
    let before = FileIdentity::of(&fm);
    let after = f.metadata().ok().as_ref().and_then(FileIdentity::of);
    let identity = before.filter(|b| Some(*b) == after && b.size == size && b.settled_at(read_at));
    Ok(FileDigest { path: rel_path.to_owned(), sha256, size, identity })
}

/// Hash `rel_path` under `root`, or reuse its digest from `known` when the file's current
/// identity is the one recorded there (the same safe walk runs either way). The second value is
/// `true` when the digest was reused.
pub(crate) fn hash_or_reuse(
    root: &Path,
    rel_path: &str,
    known: Option<&KnownDigests>,
) -> (Result<FileDigest, HashFailure>, bool) {
    let (cur, meta) = match walk(root, rel_path) {
        Ok(x) => x,
        Err(e) => return (Err(e), false),
    };
    if let (Some(k), Some(id)) = (known, FileIdentity::of(&meta))
        && let Some((sha, size)) = k.lookup(&cur, &id)
    {
        let d = FileDigest { path: rel_path.to_owned(), sha256: sha, size, identity: Some(id) };
        return (Ok(d), true);
    }
    (hash_opened(&cur, rel_path, &meta), false)
}

/// [`hash_all`], reusing digests from `known` whose file identity still matches, with the
/// counts of what was hashed and what was reused.
pub fn hash_all_known(
    root: &Path,
    paths: &[String],
    known: Option<&KnownDigests>,
) -> (Vec<Result<FileDigest, HashFailure>>, HashStats) {
    let out: Vec<(Result<FileDigest, HashFailure>, bool)> =
        paths.par_iter().map(|p| hash_or_reuse(root, p, known)).collect();
    let mut stats = HashStats::default();
    for (r, reused) in &out {
        if *reused {
            stats.files_reused += 1;
        } else if let Ok(d) = r {
            stats.files_hashed += 1;
            stats.bytes_hashed += d.size;
        }
    }
    (out.into_iter().map(|(r, _)| r).collect(), stats)
}

#[cfg(unix)]
fn same_file(a: Option<&fs::Metadata>, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.is_some_and(|a| a.dev() == b.dev() && a.ino() == b.ino())
}

#[cfg(not(unix))]
fn same_file(a: Option<&fs::Metadata>, b: &fs::Metadata) -> bool {
    a.is_some_and(|a| a.len() == b.len())
}

/// Hash many files in parallel (rayon), results in input order.
pub fn hash_all(root: &Path, paths: &[String]) -> Vec<Result<FileDigest, HashFailure>> {
    paths.par_iter().map(|p| hash_file(root, p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case28_toctou_swap_between_check_and_open_is_rejected() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a.txt"), b"original").unwrap();
        fs::write(d.path().join("b.txt"), b"attacker").unwrap();
        let ok = hash_file(d.path(), "a.txt").unwrap();
        assert_eq!(ok.size, 8);
        let swap = |p: &Path| {
            fs::rename(p.with_file_name("b.txt"), p).unwrap();
        };
        let e = hash_file_with(d.path(), "a.txt", &swap).unwrap_err();
        assert!(matches!(e, HashFailure::NotRegular(ref m) if m.contains("replaced")), "{e:?}");
    }
}
