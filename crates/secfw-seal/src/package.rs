//! Packages: a reproducible tar archive of a verified, sealed workspace (same inputs, same
//! bytes), verification before anything is extracted, and rollback to a previous package.

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use secfw_artifacts::Diagnostic;
use sha2::Digest as _;

use crate::trust::TrustPolicy;
use crate::verify::{VerifyOptions, VerifyReport, verify_dir};
use crate::{Error, codes, files, names};

/// Largest package read when unpacking (8 GiB).
pub const MAX_PACKAGE_BYTES: u64 = 8 * 1024 * 1024 * 1024;
/// Most entries in a package.
pub const MAX_ENTRIES: usize = 1_000_000;

/// A written package.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PackageInfo {
    /// The archive.
    pub path: PathBuf,
    /// The seal it carries.
    pub seal: String,
    /// The manifest's sequence.
    pub sequence: u64,
    /// Entries, in archive order.
    pub entries: Vec<String>,
}

fn pkg_err(file: &str, msg: impl Into<String>) -> Error {
    Error::rejected(
        Diagnostic::error(codes::PACKAGE_FORMAT, file, msg).with_hint("use a package written by `secfw package`"),
    )
}

/// Verify the workspace at `dir` and write `.secfw/packages/handoff-<seq>-<seal12>.tar`.
///
/// Entries (sealed files, statement, envelope, YAML view, SSHSIG sidecars) are sorted, with
/// fixed mode 0644, uid/gid 0, empty owner names and mtime = the manifest's issue time. Each
/// file's bytes are re-hashed as they are archived and must match the seal.
pub fn package(dir: &Path, trust: &TrustPolicy, opts: &VerifyOptions) -> Result<PackageInfo, Error> {
    let report = verify_dir(dir, &dir.join(names::MANIFEST), trust, opts);
    if !report.passed() {
        return Err(Error::Verification(Box::new(report)));
    }
    let (Some(st), Some(seal)) = (report.statement, report.seal) else {
        return Err(pkg_err(names::MANIFEST, "verification produced no statement"));
    };
    let mtime =
        crate::trust::parse_time(&st.predicate.issued_at).map_or(0, |t| u64::try_from(t.timestamp()).unwrap_or(0));
    let mut entries: Vec<(String, Option<String>)> =
        st.predicate.artifacts.iter().map(|a| (a.path.clone(), Some(a.sha256.clone()))).collect();
    for n in [names::STATEMENT, names::ENVELOPE, names::MANIFEST] {
        entries.push((n.to_owned(), None));
    }
    let rd = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if crate::is_sidecar_name(&n) && files::check_path(&n).is_ok() {
            entries.push((n, None));
        }
    }
    entries.sort();
    let out_dir = dir.join(names::PACKAGES_DIR);
    fs::create_dir_all(&out_dir).map_err(|e| Error::io(&out_dir, e))?;
    let hex = seal.trim_start_matches("sha256:");
    let path = out_dir.join(format!("handoff-{:06}-{}.tar", st.predicate.sequence, &hex[..12]));
    let tmp = tempfile::NamedTempFile::new_in(&out_dir).map_err(|e| Error::io(&out_dir, e))?;
    let mut builder = tar::Builder::new(std::io::BufWriter::new(tmp));
    builder.mode(tar::HeaderMode::Deterministic);
    for (name, want) in &entries {
        let f = open_regular(dir, name)?;
        let len = f.metadata().map_err(|e| Error::io(dir.join(name), e))?.len();
        let mut h = tar::Header::new_ustar();
        h.set_size(len);
        h.set_mode(0o644);
        h.set_mtime(mtime);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        let mut reader = HashingReader { inner: f.take(len), hash: sha2::Sha256::new(), n: 0 };
        builder.append_data(&mut h, name, &mut reader).map_err(|e| Error::io(dir.join(name), e))?;
        let got = hex::encode(reader.hash.finalize());
        if reader.n != len || want.as_ref().is_some_and(|w| *w != got) {
            return Err(Error::rejected(
                Diagnostic::error(codes::FILE_CHANGED, name.clone(), format!("{name} changed while being packaged"))
                    .with_hint("do not modify the workspace while packaging; run again"),
            ));
        }
    }
    let buf = builder.into_inner().map_err(|e| Error::io(&path, e))?;
    let tmp = buf.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
    tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
    Ok(PackageInfo { path, seal, sequence: st.predicate.sequence, entries: entries.into_iter().map(|e| e.0).collect() })
}

fn open_regular(dir: &Path, name: &str) -> Result<fs::File, Error> {
    let p = dir.join(name);
    let m = fs::symlink_metadata(&p).map_err(|e| Error::io(&p, e))?;
    if !m.file_type().is_file() {
        return Err(Error::rejected(Diagnostic::error(
            codes::NOT_REGULAR,
            name,
            format!("{name} is not a regular file"),
        )));
    }
    fs::File::open(&p).map_err(|e| Error::io(&p, e))
}

struct HashingReader<R> {
    inner: R,
    hash: sha2::Sha256,
    n: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.n += n as u64;
        Ok(n)
    }
}

/// Extract `archive` into the fresh directory `staging`: regular-file entries only, every path
/// passing the sealed-path grammar, no duplicates, files created exclusively.
fn extract(archive: &Path, staging: &Path) -> Result<Vec<String>, Error> {
    let an = archive.display().to_string();
    let m = fs::metadata(archive).map_err(|e| Error::io(archive, e))?;
    if !m.is_file() {
        return Err(pkg_err(&an, "the package is not a regular file"));
    }
    if m.len() > MAX_PACKAGE_BYTES {
        return Err(pkg_err(&an, format!("the package is over {MAX_PACKAGE_BYTES} bytes")));
    }
    let f = fs::File::open(archive).map_err(|e| Error::io(archive, e))?;
    let mut ar = tar::Archive::new(std::io::BufReader::new(f));
    let mut seen = BTreeSet::new();
    let mut names_out = Vec::new();
    for entry in ar.entries().map_err(|e| pkg_err(&an, format!("not a tar archive: {e}")))? {
        let mut entry = entry.map_err(|e| pkg_err(&an, format!("corrupt archive: {e}")))?;
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8(raw).map_err(|_| pkg_err(&an, "an entry name is not UTF-8"))?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(pkg_err(
                &an,
                format!(
                    "entry `{}` is not a regular file (links, devices and directories are refused)",
                    name.escape_debug()
                ),
            ));
        }
        files::check_path(&name).map_err(|m| pkg_err(&an, format!("unsafe entry name: {m}")))?;
        if !seen.insert(name.to_ascii_lowercase()) {
            return Err(pkg_err(&an, format!("entry `{name}` appears twice (or twice up to letter case)")));
        }
        if seen.len() > MAX_ENTRIES {
            return Err(pkg_err(&an, "too many entries"));
        }
        let dest = staging.join(&name);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut out =
            fs::OpenOptions::new().write(true).create_new(true).open(&dest).map_err(|e| Error::io(&dest, e))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| Error::io(&dest, e))?;
        out.flush().map_err(|e| Error::io(&dest, e))?;
        names_out.push(name);
    }
    for required in [names::ENVELOPE, names::STATEMENT, names::MANIFEST] {
        if !seen.contains(required) {
            return Err(pkg_err(&an, format!("the package has no {required}")));
        }
    }
    Ok(names_out)
}

fn staged(
    archive: &Path,
    parent: &Path,
    trust: &TrustPolicy,
    opts: &VerifyOptions,
) -> Result<(tempfile::TempDir, Vec<String>, VerifyReport), Error> {
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let staging =
        tempfile::Builder::new().prefix(".secfw-unpack-").tempdir_in(parent).map_err(|e| Error::io(parent, e))?;
    let entries = extract(archive, staging.path())?;
    let mut o = opts.clone();
    o.git_repository = false;
    let report = verify_dir(staging.path(), &staging.path().join(names::MANIFEST), trust, &o);
    Ok((staging, entries, report))
}

pub(crate) fn verify_archive(archive: &Path, trust: &TrustPolicy, opts: &VerifyOptions) -> Result<VerifyReport, Error> {
    let parent = std::env::temp_dir();
    let (_staging, _entries, report) = staged(archive, &parent, trust, opts)?;
    Ok(report)
}

/// Verify `archive` completely (seal, signatures, thresholds, checksums, git format) in a
/// staging directory, then move its files into `target`, which must be empty or absent. On any
/// failure nothing is left in `target` except the directory itself.
pub fn unpack(archive: &Path, target: &Path, trust: &TrustPolicy, opts: &VerifyOptions) -> Result<VerifyReport, Error> {
    let tn = target.display().to_string();
    match fs::read_dir(target) {
        Ok(mut rd) => {
            if rd.next().is_some() {
                return Err(Error::rejected(
                    Diagnostic::error(codes::PACKAGE_TARGET, tn, "the unpack target is not empty")
                        .with_hint("unpack into a new directory; use `secfw rollback` to restore into a workspace"),
                ));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(target).map_err(|e| Error::io(target, e))?;
        }
        Err(e) => return Err(Error::io(target, e)),
    }
    let (staging, entries, report) = staged(archive, target, trust, opts)?;
    if !report.passed() {
        return Err(Error::Verification(Box::new(report)));
    }
    move_into(staging.path(), target, &entries)?;
    Ok(report)
}

/// Roll `workspace` back to a previous package: verify it completely (expiry may be waived with
/// `opts.allow_expired`), then replace each sealed file, the statement, envelope and YAML view
/// with the package's copies (each atomically). Files not in the package are left alone.
pub fn restore(
    archive: &Path,
    workspace: &Path,
    trust: &TrustPolicy,
    opts: &VerifyOptions,
) -> Result<VerifyReport, Error> {
    let parent = workspace.join(".secfw");
    let (staging, entries, report) = staged(archive, &parent, trust, opts)?;
    if !report.passed() {
        return Err(Error::Verification(Box::new(report)));
    }
    move_into(staging.path(), workspace, &entries)?;
    Ok(report)
}

fn move_into(staging: &Path, target: &Path, entries: &[String]) -> Result<(), Error> {
    for name in entries {
        let from = staging.join(name);
        let to = target.join(name);
        if let Some(p) = to.parent() {
            fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        if fs::symlink_metadata(&to).is_ok_and(|m| !m.file_type().is_file()) {
            return Err(Error::rejected(
                Diagnostic::error(
                    codes::PACKAGE_TARGET,
                    name.clone(),
                    format!("{name} exists in the target and is not a regular file"),
                )
                .with_hint("remove the link or directory first"),
            ));
        }
        fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
    }
    Ok(())
}

/// Packages in `dir/.secfw/packages`, oldest sequence first.
pub fn list_packages(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir.join(names::PACKAGES_DIR))
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "tar")).collect())
        .unwrap_or_default();
    v.sort();
    v
}
