//! The sealed file set: the path grammar, enumeration of the files a workspace seals, and safe,
//! streamed, parallel SHA-256 hashing (no symlinks anywhere on the path, regular files only,
//! the opened file must be the one checked, bytes read are the size recorded).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::Digest as _;

use crate::names;

/// Longest sealed path, in bytes.
pub const MAX_PATH_BYTES: usize = 1024;
/// Longest path segment, in bytes.
pub const MAX_SEGMENT_BYTES: usize = 255;

/// Digest and size of one sealed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDigest {
    /// Workspace-relative path (`/` separators, grammar of [`check_path`]).
    pub path: String,
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

/// Why a file could not be hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
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
pub fn in_sealed_set(p: &str) -> bool {
    secfw_artifacts::files::ALL.contains(&p)
        || names::DIGESTS.contains(&p)
        || p.strip_prefix(names::EVIDENCE_DIR).and_then(|r| r.strip_prefix('/')).is_some_and(|r| !r.is_empty())
}

/// Paths that collide on a case-insensitive file system (macOS, Windows).
pub fn case_collisions(paths: &[String]) -> Vec<(String, String)> {
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
    for name in secfw_artifacts::files::ALL {
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

thread_local! {
    static BUF: RefCell<Vec<u8>> = RefCell::new(vec![0u8; 256 * 1024]);
}

/// Hash one file under `root` safely and streamed.
pub fn hash_file(root: &Path, rel_path: &str) -> Result<FileDigest, HashFailure> {
    hash_file_with(root, rel_path, &|_| {})
}

pub(crate) fn hash_file_with(root: &Path, rel_path: &str, between: &dyn Fn(&Path)) -> Result<FileDigest, HashFailure> {
    check_path(rel_path).map_err(HashFailure::NotRegular)?;
    let segs: Vec<&str> = rel_path.split('/').collect();
    let mut cur = PathBuf::from(root);
    let mut last_meta = None;
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
            last_meta = Some(m);
        }
    }
    between(&cur);
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // O_NONBLOCK: a FIFO swapped in after the check must not hang the open.
        opts.custom_flags(secfw_artifacts::read::O_NONBLOCK);
    }
    let mut f = opts.open(&cur).map_err(|e| HashFailure::Io(format!("{rel_path}: {e}")))?;
    let fm = f.metadata().map_err(|e| HashFailure::Io(format!("{rel_path}: {e}")))?;
    if !fm.is_file() || !same_file(last_meta.as_ref(), &fm) {
        return Err(HashFailure::NotRegular(format!(
            "{rel_path} was replaced while being opened (file identity changed)"
        )));
    }
    BUF.with(|b| {
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
        Ok(FileDigest { path: rel_path.to_owned(), sha256: hex::encode(h.finalize()), size })
    })
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
