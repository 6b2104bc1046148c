//! Packages: a reproducible tar archive of a verified, sealed workspace (same inputs, same
//! bytes), verification before anything is extracted, and rollback to a previous package.

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use secfw_artifacts::{Diagnostic, Sha256Digest};
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
    pub seal: secfw_artifacts::Seal,
    /// The manifest's sequence.
    pub sequence: u64,
    /// Entries, in archive order.
    pub entries: Vec<String>,
    /// SHA-256 of the archive, computed from the bytes as they were written.
    pub sha256: Sha256Digest,
    /// Size of the archive in bytes.
    pub size: u64,
    /// What packaging hashed (the verification before, every archived file, the archive) and
    /// what it reused.
    pub stats: files::HashStats,
    /// The verified digests of the sealed files with their identities, for the next step.
    pub known: files::KnownDigests,
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
    let mut stats = report.stats;
    let known = report.known;
    let (Some(st), Some(seal)) = (report.statement, report.seal) else {
        return Err(pkg_err(names::MANIFEST, "verification produced no statement"));
    };
    let mtime =
        crate::trust::parse_time(&st.predicate.issued_at).map_or(0, |t| u64::try_from(t.timestamp()).unwrap_or(0));
    let mut entries: Vec<(String, Option<Sha256Digest>)> =
        st.predicate.artifacts.iter().map(|a| (a.path.clone(), Some(a.sha256))).collect();
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
    let out_dir = secfw_artifacts::create_dirs_nofollow(dir, Path::new(names::PACKAGES_DIR))?;
    let name = PackageName::of_seal(st.predicate.sequence, &seal);
    let path = out_dir.join(name.file_name());
    let tmp = tempfile::NamedTempFile::new_in(&out_dir).map_err(|e| Error::io(&out_dir, e))?;
    // The archive is hashed on a second thread as it is written; each entry on this one as it
    // is read.
    let mut pipe = HashPipe::new();
    let out = PipeWriter { inner: tmp, pipe: &mut pipe, n: 0 };
    let mut builder = tar::Builder::new(std::io::BufWriter::with_capacity(256 * 1024, out));
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
        // Read in large blocks (the archive writer copies in 8 KiB pieces: one system call
        // each without this buffer); the hash sees exactly the bytes archived.
        let mut reader = std::io::BufReader::with_capacity(
            IO_BLOCK,
            HashingReader { inner: f.take(len), hash: sha2::Sha256::new(), n: 0 },
        );
        builder.append_data(&mut h, name, &mut reader).map_err(|e| Error::io(dir.join(name), e))?;
        let reader = reader.into_inner();
        let got = Sha256Digest::from_bytes(reader.hash.finalize().into());
        stats.files_hashed += 1;
        stats.bytes_hashed += reader.n;
        if reader.n != len || want.as_ref().is_some_and(|w| *w != got) {
            return Err(Error::rejected(
                Diagnostic::error(codes::FILE_CHANGED, name.clone(), format!("{name} changed while being packaged"))
                    .with_hint("do not modify the workspace while packaging; run again"),
            ));
        }
    }
    let buf = builder.into_inner().map_err(|e| Error::io(&path, e))?;
    let out = buf.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
    let PipeWriter { inner: tmp, n: size, .. } = out;
    pipe.end().map_err(|e| Error::io(&path, e))?;
    let sha256 = match pipe.finish().map_err(|e| Error::io(&path, e))?.as_slice() {
        [(sha256, n)] if *n == size => *sha256,
        _ => return Err(Error::io(&path, pipe_stopped())),
    };
    stats.archives_hashed += 1;
    stats.bytes_hashed += size;
    tmp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
    tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
    Ok(PackageInfo {
        path,
        seal,
        sequence: st.predicate.sequence,
        entries: entries.into_iter().map(|e| e.0).collect(),
        sha256,
        size,
        stats,
        known,
    })
}

/// The block size of the archive's and the files' reads and writes.
const IO_BLOCK: usize = 256 * 1024;

/// SHA-256 of streams of bytes, computed on a second thread: each block is copied into a
/// bounded pipe (at most [`PIPE_BLOCKS`] blocks in flight) as it is written, so on two cores
/// the hashing runs while this thread reads and writes. A stream ends with [`HashPipe::end`];
/// [`HashPipe::finish`] returns every stream's digest and length, in order. When no thread can
/// be started the hashing is done inline; the digests are the same either way.
enum HashPipe {
    Inline {
        hash: sha2::Sha256,
        n: u64,
        done: Vec<(Sha256Digest, u64)>,
    },
    Piped {
        pieces: std::sync::mpsc::SyncSender<Piece>,
        spare: std::sync::mpsc::Receiver<Vec<u8>>,
        worker: std::thread::JoinHandle<Vec<(Sha256Digest, u64)>>,
    },
}

enum Piece {
    Data(Vec<u8>),
    End,
}

/// Blocks queued for the hashing thread at most (each up to [`IO_BLOCK`] bytes).
const PIPE_BLOCKS: usize = 8;

fn pipe_stopped() -> std::io::Error {
    std::io::Error::other("the hashing thread stopped")
}

impl HashPipe {
    fn new() -> Self {
        let (pieces, queued) = std::sync::mpsc::sync_channel::<Piece>(PIPE_BLOCKS);
        let (give_back, spare) = std::sync::mpsc::sync_channel::<Vec<u8>>(PIPE_BLOCKS + 2);
        let worker = std::thread::Builder::new().name("secfw-hash".into()).spawn(move || {
            let (mut hash, mut n, mut done) = (sha2::Sha256::new(), 0u64, Vec::new());
            for piece in queued {
                match piece {
                    Piece::Data(block) => {
                        hash.update(&block);
                        n += block.len() as u64;
                        // The writer reuses the buffer; when it is not waiting for one, drop it.
                        let _ = give_back.try_send(block);
                    }
                    Piece::End => {
                        let h = std::mem::take(&mut hash);
                        done.push((Sha256Digest::from_bytes(h.finalize().into()), std::mem::take(&mut n)));
                    }
                }
            }
            done
        });
        match worker {
            Ok(worker) => Self::Piped { pieces, spare, worker },
            Err(_) => Self::Inline { hash: sha2::Sha256::new(), n: 0, done: Vec::new() },
        }
    }

    /// Hash `bytes` as the next part of the current stream.
    fn update(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Self::Inline { hash, n, .. } => {
                hash.update(bytes);
                *n += bytes.len() as u64;
                Ok(())
            }
            Self::Piped { pieces, spare, .. } => {
                let mut block = spare.try_recv().unwrap_or_else(|_| Vec::with_capacity(IO_BLOCK.max(bytes.len())));
                block.clear();
                block.extend_from_slice(bytes);
                // The thread only hashes: it is gone only if it panicked. Refuse rather than
                // return a digest of less than was written.
                pieces.send(Piece::Data(block)).map_err(|_| pipe_stopped())
            }
        }
    }

    /// End the current stream (its digest is the next one [`HashPipe::finish`] returns).
    fn end(&mut self) -> std::io::Result<()> {
        match self {
            Self::Inline { hash, n, done } => {
                let h = std::mem::take(hash);
                done.push((Sha256Digest::from_bytes(h.finalize().into()), std::mem::take(n)));
                Ok(())
            }
            Self::Piped { pieces, .. } => pieces.send(Piece::End).map_err(|_| pipe_stopped()),
        }
    }

    /// The digest and length of every ended stream, in order.
    fn finish(self) -> std::io::Result<Vec<(Sha256Digest, u64)>> {
        match self {
            Self::Inline { done, .. } => Ok(done),
            Self::Piped { pieces, spare, worker } => {
                drop(pieces);
                drop(spare);
                worker.join().map_err(|_| pipe_stopped())
            }
        }
    }
}

/// A writer that feeds everything written through it to a [`HashPipe`]: what is hashed is
/// exactly what the inner writer accepted.
struct PipeWriter<'a, W> {
    inner: W,
    pipe: &'a mut HashPipe,
    n: u64,
}

impl<W: Write> Write for PipeWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.pipe.update(&buf[..n])?;
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn open_regular(dir: &Path, name: &str) -> Result<fs::File, Error> {
    let p = dir.join(name);
    let not_regular =
        || Error::rejected(Diagnostic::error(codes::NOT_REGULAR, name, format!("{name} is not a regular file")));
    let m = fs::symlink_metadata(&p).map_err(|e| Error::io(&p, e))?;
    if !m.file_type().is_file() {
        return Err(not_regular());
    }
    let f = open_nonblocking(&p, true).map_err(|e| Error::io(&p, e))?;
    if !f.metadata().map_err(|e| Error::io(&p, e))?.is_file() {
        return Err(not_regular());
    }
    Ok(f)
}

/// Open for reading without blocking on a FIFO and (with `nofollow`) without following a
/// symlink at the last component; the caller checks the opened file's type.
fn open_nonblocking(p: &Path, nofollow: bool) -> std::io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.custom_flags(secfw_artifacts::O_NONBLOCK | if nofollow { secfw_artifacts::O_NOFOLLOW } else { 0 });
    }
    #[cfg(not(unix))]
    let _ = nofollow;
    o.open(p)
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

/// Open the package: a regular file (checked on the opened descriptor, so a FIFO cannot hang
/// the read) of at most [`MAX_PACKAGE_BYTES`].
fn open_archive(archive: &Path) -> Result<fs::File, Error> {
    let an = archive.display().to_string();
    let f = open_nonblocking(archive, false).map_err(|e| Error::io(archive, e))?;
    let m = f.metadata().map_err(|e| Error::io(archive, e))?;
    if !m.is_file() {
        return Err(pkg_err(&an, "the package is not a regular file (FIFO, device or directory)"));
    }
    if m.len() > MAX_PACKAGE_BYTES {
        return Err(pkg_err(&an, format!("the package is over {MAX_PACKAGE_BYTES} bytes")));
    }
    Ok(f)
}

/// `true` for a name that would land in `.git/` or `.secfw/` (any segment, any letter case):
/// nothing is ever written there from a package.
fn is_reserved(name: &str) -> bool {
    name.split('/').any(|seg| seg.eq_ignore_ascii_case(".git") || seg.eq_ignore_ascii_case(".secfw"))
}

/// Read the archive's entry list without writing anything: every entry a regular file with a
/// safe, unique name, and the envelope's bytes. Then the package must be closed under its
/// signature: its entries are exactly the signed statement's subjects, the envelope, the
/// statement, the YAML view and SSHSIG sidecars of keys in `trust`. Anything else refuses the
/// whole package (before a byte is written).
fn scan(archive: &Path, trust: &TrustPolicy) -> Result<(Vec<String>, Scanned), Error> {
    let an = archive.display().to_string();
    let f = open_archive(archive)?;
    let first = f.metadata().ok().as_ref().and_then(files::FileIdentity::of);
    if let Some(id) = first {
        wait_until_settled(&id);
    }
    let read_at = std::time::SystemTime::now();
    // Only the headers and the envelope are read here: entry data is skipped by seeking. The
    // archive's bytes are read (and hashed) once, by the extraction.
    let mut ar = tar::Archive::new(std::io::BufReader::with_capacity(64 * 1024, f));
    let mut seen = BTreeSet::new();
    let mut names_out = Vec::new();
    let mut envelope = None;
    let mut sidecars: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in ar.entries_with_seek().map_err(|e| pkg_err(&an, format!("not a tar archive: {e}")))? {
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
        if name == names::ENVELOPE {
            envelope = Some(read_capped(&mut entry, crate::dsse::MAX_ENVELOPE_BYTES, &an)?);
        } else if crate::is_sidecar_name(&name) {
            // Read (capped) so that its content is verified before anything is extracted.
            sidecars.push((name.clone(), read_capped(&mut entry, crate::verify::MAX_SIDECAR_BYTES, &an)?));
        }
        names_out.push(name);
    }
    // After the end-of-archive marker nothing but zero padding: entries hidden there are
    // invisible to this reader but extracted by `tar --ignore-zeros`, so they are refused like
    // any other entry the signature does not cover.
    let mut tail = ar.into_inner().take(MAX_PACKAGE_BYTES);
    if !only_zeros(&mut tail).map_err(|e| pkg_err(&an, format!("corrupt archive: {e}")))? {
        return Err(Error::rejected(
            Diagnostic::error(
                codes::PACKAGE_EXTRA_ENTRY,
                an,
                "the package carries data after its end-of-archive marker; the whole package is refused",
            )
            .with_hint(
                "a package ends with zero blocks only; use a package written by `secfw package`; nothing was written",
            ),
        ));
    }
    let read = Scanned { identity: first, read_at };
    for required in [names::ENVELOPE, names::STATEMENT, names::MANIFEST] {
        if !seen.contains(required) {
            return Err(pkg_err(&an, format!("the package has no {required}")));
        }
    }
    let env = envelope
        .as_deref()
        .ok_or_else(|| pkg_err(&an, "the package has no envelope"))
        .and_then(|b| crate::dsse::Envelope::parse(b).map_err(|m| pkg_err(&an, format!("envelope: {m}"))))?;
    let body = env.body().map_err(|m| pkg_err(&an, format!("envelope payload: {m}")))?;
    refuse_inexact_envelope(&an, envelope.as_deref().unwrap_or_default(), &env, &body, trust)?;
    let st = crate::statement::Statement::parse_payload(&body).map_err(|problems| {
        Error::Rejected(
            problems
                .into_iter()
                .map(|(c, m)| {
                    Diagnostic::error(c, an.clone(), format!("the package's signed statement: {m}"))
                        .with_hint("nothing was extracted; use a package written by `secfw package`")
                })
                .collect(),
        )
    })?;
    let mut allowed: BTreeSet<String> = st.subject.iter().map(|s| s.name.clone()).collect();
    allowed.extend([names::ENVELOPE, names::STATEMENT, names::MANIFEST].map(str::to_owned));
    allowed.extend(trust.keys.keys().filter_map(|k| k.get(..8)).map(|k8| format!("{}.{k8}.sig", names::STATEMENT)));
    let extra: Vec<Diagnostic> = names_out
        .iter()
        .filter(|n| !allowed.contains(n.as_str()) || is_reserved(n))
        .map(|n| {
            Diagnostic::error(
                codes::PACKAGE_EXTRA_ENTRY,
                an.clone(),
                format!("entry `{}` is not covered by the signed statement; the whole package is refused", n.escape_debug()),
            )
            .with_hint(
                "a package holds exactly the signed subjects, the envelope, the statement, the YAML view and sidecars of trusted keys; nothing was written",
            )
        })
        .collect();
    if !extra.is_empty() {
        return Err(Error::Rejected(extra));
    }
    refuse_bad_sidecars(&an, trust, &env, &body, &sidecars)?;
    Ok((names_out, read))
}

/// The envelope entry must be exactly what secfw writes for its verified signatures
/// ([`crate::verify::envelope_form`], the rule `verify` applies to the staged copy too), checked
/// here from the bytes the scan read, before a byte is written.
fn refuse_inexact_envelope(
    an: &str,
    bytes: &[u8],
    env: &crate::dsse::Envelope,
    body: &[u8],
    trust: &TrustPolicy,
) -> Result<(), Error> {
    let bad: Vec<Diagnostic> = crate::verify::envelope_form(bytes, env, body, trust)
        .into_iter()
        .map(|p| {
            Diagnostic::error(
                p.code,
                an,
                format!("entry {}: {}; the whole package is refused", names::ENVELOPE, p.message),
            )
            .with_related(names::ENVELOPE, p.pos, "the envelope entry")
            .with_hint(format!("{}; nothing was written", crate::verify::ENVELOPE_FORM_HINT))
        })
        .collect();
    if bad.is_empty() { Ok(()) } else { Err(Error::Rejected(bad)) }
}

/// At most `cap + 1` bytes of an entry (one more than allowed, so an oversized one is seen).
fn read_capped(entry: &mut impl Read, cap: u64, an: &str) -> Result<Vec<u8>, Error> {
    let mut b = Vec::new();
    entry.take(cap + 1).read_to_end(&mut b).map_err(|e| pkg_err(an, format!("corrupt archive: {e}")))?;
    Ok(b)
}

/// A sidecar is allowed by its name only if its content is the SSHSIG a trusted signer of the
/// envelope made over the statement: the rule `verify` applies to the staged copy too
/// ([`crate::verify::check_sidecar`]), here from the bytes the scan read, before a byte is
/// written.
fn refuse_bad_sidecars(
    an: &str,
    trust: &TrustPolicy,
    env: &crate::dsse::Envelope,
    body: &[u8],
    sidecars: &[(String, Vec<u8>)],
) -> Result<(), Error> {
    let (signers, _) = crate::verify::verified_signers(trust, env, body);
    let bad: Vec<Diagnostic> = sidecars
        .iter()
        .filter_map(|(n, b)| crate::verify::check_sidecar(n, b, body, trust, &signers).err())
        .map(|m| {
            Diagnostic::error(codes::SIDECAR, an, format!("{m}; the whole package is refused"))
                .with_hint(format!("{}; nothing was written", crate::verify::SIDECAR_HINT))
        })
        .collect();
    if bad.is_empty() { Ok(()) } else { Err(Error::Rejected(bad)) }
}

/// `true` when everything `r` yields is zero bytes.
fn only_zeros(r: &mut impl Read) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf[..n].iter().any(|&b| b != 0) {
            return Ok(false);
        }
    }
}

/// The archive's identity when [`scan`] opened it, and when reading began.
struct Scanned {
    identity: Option<files::FileIdentity>,
    read_at: std::time::SystemTime,
}

/// What extracting an archive established: its identity, when it did not change from the
/// scan to the end of the extraction and was settled before the scan began.
struct ArchiveRead {
    identity: Option<files::FileIdentity>,
}

/// A file written a moment ago has timestamps that a write in the same clock tick could
/// repeat. Before an archive is read (and its identity recorded), wait out that tick: at most
/// [`files::SETTLE_FINE`], and only for a file written in the last fraction of a second.
fn wait_until_settled(id: &files::FileIdentity) {
    let now = std::time::SystemTime::now();
    if id.settled_at(now) || id.ctime_ns % 1_000_000_000 == 0 {
        return;
    }
    let Ok(at) = now.duration_since(std::time::UNIX_EPOCH) else { return };
    let at = i128::try_from(at.as_nanos()).unwrap_or(i128::MAX);
    let newest = id.ctime_ns.max(id.mtime_ns);
    let margin = i128::try_from(files::SETTLE_FINE.as_nanos()).unwrap_or(0);
    let wait = newest + margin + 1_000_000 - at;
    if wait > 0 && wait <= 2 * margin {
        std::thread::sleep(std::time::Duration::from_nanos(u64::try_from(wait).unwrap_or(0)));
    }
}

/// Extract `archive` into the fresh directory `staging`: only the entries [`scan`] accepted,
/// files created exclusively.
///
/// Each entry is hashed as it is written; the digests, with the identities of the files just
/// created in the private staging directory, let the verification of `staging` check what was
/// extracted without reading it back.
fn extract(
    archive: &Path,
    staging: &Path,
    accepted: &[String],
    scanned: &Scanned,
) -> Result<(files::KnownDigests, files::HashStats, ArchiveRead), Error> {
    let an = archive.display().to_string();
    let f = open_archive(archive)?;
    let first = f.metadata().ok().as_ref().and_then(files::FileIdentity::of);
    // The archive as a whole is not hashed: what is trusted is each entry, hashed as it is
    // extracted and checked against the signed statement, and the scan, which read every
    // header and checked that nothing follows the end marker. Reusing this verification later
    // is decided by the archive's identity, not by a digest of it.
    let mut ar = tar::Archive::new(std::io::BufReader::with_capacity(IO_BLOCK, f));
    let mut stats = files::HashStats::default();
    // Each entry is hashed on a second thread from the very blocks written to its file; this
    // thread only reads and writes. The digests are paired with the files after the last one.
    let mut pipe = HashPipe::new();
    let mut written: Vec<(PathBuf, String, Option<files::FileIdentity>)> = Vec::with_capacity(accepted.len());
    let mut i = 0usize;
    for entry in ar.entries().map_err(|e| pkg_err(&an, format!("not a tar archive: {e}")))? {
        let mut entry = entry.map_err(|e| pkg_err(&an, format!("corrupt archive: {e}")))?;
        let name = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| pkg_err(&an, "an entry name is not UTF-8"))?;
        // The archive changed between the two passes: refuse.
        if accepted.get(i) != Some(&name) || entry.header().entry_type() != tar::EntryType::Regular {
            return Err(pkg_err(&an, "the package changed while being read"));
        }
        i += 1;
        let rel = Path::new(&name);
        let parent = rel.parent().unwrap_or(Path::new(""));
        let dir = secfw_artifacts::create_dirs_nofollow(staging, parent)?;
        let dest = dir.join(rel.file_name().unwrap_or_default());
        let out = fs::OpenOptions::new().write(true).create_new(true).open(&dest).map_err(|e| Error::io(&dest, e))?;
        // Written in large blocks (a plain copy into the file makes one system call per 8 KiB).
        let mut buffered =
            std::io::BufWriter::with_capacity(IO_BLOCK, PipeWriter { inner: out, pipe: &mut pipe, n: 0 });
        std::io::copy(&mut entry, &mut buffered).map_err(|e| Error::io(&dest, e))?;
        let PipeWriter { inner: out, n: size, .. } =
            buffered.into_inner().map_err(|e| Error::io(&dest, e.into_error()))?;
        pipe.end().map_err(|e| Error::io(&dest, e))?;
        // Created exclusively, in a directory only this process uses: its identity now is the
        // identity of exactly these bytes.
        let identity = out.metadata().ok().as_ref().and_then(files::FileIdentity::of).filter(|id| id.size == size);
        written.push((dest, name, identity));
    }
    if i != accepted.len() {
        return Err(pkg_err(&an, "the package changed while being read"));
    }
    let digests = pipe.finish().map_err(|e| pkg_err(&an, format!("extracting: {e}")))?;
    if digests.len() != written.len() {
        return Err(pkg_err(&an, "extracting: an entry was not hashed"));
    }
    let mut known = files::KnownDigests::new();
    for ((dest, name, identity), (sha256, size)) in written.into_iter().zip(digests) {
        stats.files_hashed += 1;
        stats.bytes_hashed += size;
        // A digest of fewer bytes than the file holds is never used: no identity, so the
        // verification reads the file again.
        let identity = identity.filter(|id| id.size == size);
        known.insert(dest, &files::FileDigest { path: name, sha256, size, identity });
    }
    let after = ar.into_inner().into_inner().metadata().ok().as_ref().and_then(files::FileIdentity::of);
    // The identity is kept only when the file scanned is the file extracted, unchanged while
    // both read it, and settled before the scan began.
    let identity =
        scanned.identity.filter(|id| Some(*id) == first && Some(*id) == after && id.settled_at(scanned.read_at));
    Ok((known, stats, ArchiveRead { identity }))
}

fn staged(
    archive: &Path,
    parent: &Path,
    prefix: &str,
    trust: &TrustPolicy,
    opts: &VerifyOptions,
) -> Result<(tempfile::TempDir, Vec<String>, VerifyReport), Error> {
    let (entries, scanned) = scan(archive, trust)?;
    let staging = tempfile::Builder::new().prefix(prefix).tempdir_in(parent).map_err(|e| Error::io(parent, e))?;
    let (extracted, stats, read) = extract(archive, staging.path(), &entries, &scanned)?;
    let mut o = opts.clone();
    o.git_repository = false;
    o.workspace_state = false;
    o.known = Some(std::sync::Arc::new(extracted));
    let mut report = verify_dir(staging.path(), &staging.path().join(names::MANIFEST), trust, &o);
    report.stats.add(&stats);
    // The staging paths are gone once the files are moved: keep only the package's record.
    report.known = files::KnownDigests::new();
    if let (true, Some(identity), Some(seal)) = (report.passed(), read.identity, report.seal) {
        report.known.insert_package(
            archive.to_path_buf(),
            files::VerifiedPackage { identity, seal, now: opts.now, trust_version: trust.version },
        );
    }
    Ok((staging, entries, report))
}

pub(crate) fn verify_archive(archive: &Path, trust: &TrustPolicy, opts: &VerifyOptions) -> Result<VerifyReport, Error> {
    // A package this process already verified completely, with the same trust policy and
    // time, and whose identity (device, inode, size, mtime, ctime) is unchanged since it was
    // read, is not read again.
    if let Some(k) = opts.known.as_deref()
        && let Some(id) = fs::symlink_metadata(archive).ok().as_ref().and_then(files::FileIdentity::of)
        && let Some(p) = k.package(archive, &id)
        && p.now == opts.now
        && p.trust_version == trust.version
    {
        return Ok(VerifyReport::reused_package(archive, p));
    }
    let parent = std::env::temp_dir();
    let (_staging, _entries, report) = staged(archive, &parent, ".secfw-verify-", trust, opts)?;
    Ok(report)
}

fn unbound_project(file: &str, what: &str) -> Error {
    Error::rejected(
        Diagnostic::error(codes::PROJECT, file, format!("{what} needs the project the package must belong to"))
            .with_hint("pass --expect-project ID (or set VerifyOptions::expect_project); --any-project allows a deliberate cross-project restore"),
    )
}

/// Verify `archive` completely (closed entry list, seal, signatures, thresholds, checksums, git
/// format, project) in a staging directory, then move its files into `target`, which must be
/// empty or absent. The project must be given (`opts.expect_project`, or `opts.state`), unless
/// `opts.any_project` allows any. On any failure nothing is left in `target` except the
/// directory itself.
pub fn unpack(archive: &Path, target: &Path, trust: &TrustPolicy, opts: &VerifyOptions) -> Result<VerifyReport, Error> {
    let tn = target.display().to_string();
    if opts.expect_project.is_none() && opts.state.is_none() && !opts.any_project {
        return Err(unbound_project(&tn, "unpack"));
    }
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
    let (staging, entries, report) = staged(archive, target, ".secfw-unpack-", trust, opts)?;
    if !report.passed() {
        return Err(Error::Verification(Box::new(report)));
    }
    move_into(staging.path(), target, &entries)?;
    Ok(report)
}

/// Roll `workspace` back to a previous package: the entry list must be closed under the
/// signature, the package must verify completely (expiry may be waived with
/// `opts.allow_expired`) and belong to the workspace's project (its rulebook's `project:`,
/// unless `opts.expect_project` names one or `opts.any_project` allows any), and no restored
/// path may pass through a symlink or into `.git/` or `.secfw/`. Then each sealed file, the
/// statement, envelope and YAML view are replaced by the package's copies. Files not in the
/// package are left alone. A rollback is a deliberate downgrade, so the workspace's
/// last-accepted sequence is not applied (an explicit `opts.state` still is).
pub fn restore(
    archive: &Path,
    workspace: &Path,
    trust: &TrustPolicy,
    opts: &VerifyOptions,
) -> Result<VerifyReport, Error> {
    let mut o = opts.clone();
    if o.expect_project.is_none() && !o.any_project {
        match crate::verify::workspace_project(workspace) {
            Some(p) => o.expect_project = Some(p),
            None => return Err(unbound_project(secfw_artifacts::file_names::RULEBOOK, "rollback")),
        }
    }
    let (entries, scanned) = scan(archive, trust)?;
    check_targets(workspace, &entries)?;
    let staging = tempfile::Builder::new()
        .prefix(".secfw-restore-")
        .tempdir_in(workspace)
        .map_err(|e| Error::io(workspace, e))?;
    let (extracted, stats, _) = extract(archive, staging.path(), &entries, &scanned)?;
    o.git_repository = false;
    o.workspace_state = false;
    o.known = Some(std::sync::Arc::new(extracted));
    let mut report = verify_dir(staging.path(), &staging.path().join(names::MANIFEST), trust, &o);
    report.stats.add(&stats);
    report.known = files::KnownDigests::new();
    if !report.passed() {
        return Err(Error::Verification(Box::new(report)));
    }
    move_into(staging.path(), workspace, &entries)?;
    // The workspace's other sidecars sign the statement just replaced: stale, and refused by
    // the next verification, so they go (as when a manifest is generated).
    crate::generate::remove_sidecars(workspace, &entries)?;
    Ok(report)
}

fn unsafe_write(name: &str, msg: String) -> Error {
    Error::rejected(
        Diagnostic::error(codes::UNSAFE_WRITE, name, msg).with_hint(
            "replace the symlink by a real directory (or remove it), then restore again; nothing was written",
        ),
    )
}

/// Every destination under `target`: no component is a symlink (or a non-directory where a
/// directory is needed), the file itself is absent or a regular file, nothing under `.git/` or
/// `.secfw/`. Checked for all entries before the first one is moved.
fn check_targets(target: &Path, entries: &[String]) -> Result<(), Error> {
    for name in entries {
        if is_reserved(name) {
            return Err(unsafe_write(name, format!("{name} lies under .git/ or .secfw/; packages never write there")));
        }
        let segs: Vec<&str> = name.split('/').collect();
        let mut cur = target.to_path_buf();
        for (i, seg) in segs.iter().enumerate() {
            cur.push(seg);
            let last = i + 1 == segs.len();
            match fs::symlink_metadata(&cur) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(unsafe_write(
                        name,
                        format!(
                            "`{}` in the workspace is a symlink; restores never write through links",
                            segs[..=i].join("/")
                        ),
                    ));
                }
                Ok(m) if last && !m.file_type().is_file() => {
                    return Err(unsafe_write(
                        name,
                        format!("{name} exists in the workspace and is not a regular file"),
                    ));
                }
                Ok(m) if !last && !m.is_dir() => {
                    return Err(unsafe_write(
                        name,
                        format!("`{}` in the workspace is not a directory", segs[..=i].join("/")),
                    ));
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(Error::io(&cur, e)),
            }
        }
    }
    Ok(())
}

fn move_into(staging: &Path, target: &Path, entries: &[String]) -> Result<(), Error> {
    check_targets(target, entries)?;
    for name in entries {
        let rel = Path::new(name);
        let from = staging.join(name);
        // Parents are created (and re-checked) without following links.
        let dir = secfw_artifacts::create_dirs_nofollow(target, rel.parent().unwrap_or(Path::new("")))?;
        let to = dir.join(rel.file_name().unwrap_or_default());
        if fs::symlink_metadata(&to).is_ok_and(|m| !m.file_type().is_file()) {
            return Err(unsafe_write(name, format!("{name} exists in the target and is not a regular file")));
        }
        fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
    }
    Ok(())
}

/// The file name of a package: `handoff-<sequence, at least 6 digits>-<first 12 lower-case hex
/// digits of the seal>.tar`. The one grammar: [`package`] writes it, rollback and the cycle's
/// unpack step read it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct PackageName {
    /// The sealed manifest's sequence.
    pub sequence: u64,
    /// The first 12 hex digits of the seal (lower case).
    pub seal_prefix: String,
}

/// How many hex digits of the seal a package name carries.
const SEAL_PREFIX_LEN: usize = 12;

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl PackageName {
    /// The name of the package of `seal` at `sequence`.
    pub fn of_seal(sequence: u64, seal: &secfw_artifacts::Seal) -> Self {
        Self { sequence, seal_prefix: seal.short(SEAL_PREFIX_LEN) }
    }

    /// Parse a file name written by [`package`]; `None` for anything else (other files, names
    /// with a path, a sign, upper case, too few digits, trailing text).
    pub fn parse(file_name: &str) -> Option<Self> {
        let rest = file_name.strip_prefix("handoff-")?.strip_suffix(".tar")?;
        let (seq, prefix) = rest.split_once('-')?;
        if seq.len() < 6 || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if prefix.len() != SEAL_PREFIX_LEN || !is_lower_hex(prefix) {
            return None;
        }
        Some(Self { sequence: seq.parse().ok()?, seal_prefix: prefix.to_owned() })
    }

    /// The file name.
    pub fn file_name(&self) -> String {
        format!("handoff-{:06}-{}.tar", self.sequence, self.seal_prefix)
    }

    /// Whether this is a package of `seal` (`sha256:<hex>`).
    pub fn is_of_seal(&self, seal: &secfw_artifacts::Seal) -> bool {
        seal.short(SEAL_PREFIX_LEN) == self.seal_prefix
    }
}

/// Packages in `dir/.secfw/packages` whose file name is a [`PackageName`], oldest sequence
/// first (by number, not by text); other files there are ignored.
pub fn packages(dir: &Path) -> Vec<(PackageName, PathBuf)> {
    let mut v: Vec<(PackageName, PathBuf)> = fs::read_dir(dir.join(names::PACKAGES_DIR))
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = PackageName::parse(e.file_name().to_str()?)?;
                    Some((name, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Packages in `dir/.secfw/packages`, oldest sequence first.
pub fn list_packages(dir: &Path) -> Vec<PathBuf> {
    packages(dir).into_iter().map(|(_, p)| p).collect()
}

/// The newest package of `seal` in `dir/.secfw/packages`.
pub fn package_of_seal(dir: &Path, seal: &secfw_artifacts::Seal) -> Option<PathBuf> {
    packages(dir).into_iter().rev().find(|(n, _)| n.is_of_seal(seal)).map(|(_, p)| p)
}

/// The package a rollback of `dir` restores by default: the one before the package of the
/// current seal (`current`, the seal of the workspace's statement), or the newest package when
/// the current seal was never packaged; `None` when the current seal's package is the oldest or
/// there is none.
pub fn rollback_candidate(dir: &Path, current: Option<&secfw_artifacts::Seal>) -> Option<PathBuf> {
    let all = packages(dir);
    let idx = current.and_then(|s| all.iter().position(|(n, _)| n.is_of_seal(s)));
    let choice = match idx {
        Some(0) => None,
        Some(i) => all.get(i - 1),
        None => all.last(),
    };
    choice.map(|(_, p)| p.clone())
}

/// The seal of the statement currently in the workspace at `dir`, if it has a readable one.
pub fn current_seal(dir: &Path) -> Option<secfw_artifacts::Seal> {
    secfw_artifacts::read_regular(&dir.join(names::STATEMENT), 8 << 20, secfw_artifacts::Links::Refuse)
        .ok()
        .map(|b| crate::seal_of(&b))
}

#[cfg(test)]
mod name_tests {
    use secfw_artifacts::Seal;

    use super::PackageName;

    const SEAL: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn seal() -> Seal {
        Seal::parse(SEAL).unwrap()
    }

    #[test]
    fn the_written_name_parses_back() {
        let n = PackageName::of_seal(7, &seal());
        assert_eq!(n.file_name(), "handoff-000007-0123456789ab.tar");
        assert_eq!(PackageName::parse(&n.file_name()), Some(n.clone()));
        assert!(n.is_of_seal(&seal()));
        assert!(!n.is_of_seal(&Seal::of(b"another payload")));
        let big = PackageName::of_seal(12_345_678, &seal());
        assert_eq!(PackageName::parse(&big.file_name()).unwrap().sequence, 12_345_678);
        assert!(n < big, "ordered by sequence number, not by text");
    }

    #[test]
    fn hostile_and_foreign_names_are_not_packages() {
        for bad in [
            "",
            "handoff-.tar",
            "handoff-000007.tar",
            "handoff-000007-0123456789ab",
            "handoff-000007-0123456789ab.tar.gz",
            "handoff-000007-0123456789AB.tar",
            "handoff-000007-0123456789a.tar",
            "handoff-000007-0123456789abc.tar",
            "handoff-00007-0123456789ab.tar",
            "handoff--00007-0123456789ab.tar",
            "handoff-+00007-0123456789ab.tar",
            "handoff-000007-0123456789ab-x.tar",
            "handoff-000007-../../etc/pa.tar",
            "../handoff-000007-0123456789ab.tar",
            "handoff-000007-０123456789ab.tar",
            "handoff-99999999999999999999999-0123456789ab.tar",
            "HANDOFF-000007-0123456789ab.tar",
        ] {
            assert_eq!(PackageName::parse(bad), None, "{bad:?}");
        }
        for bad_seal in ["", "sha256:", "sha256:0123", "0123456789abcdef", "sha256:ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ"] {
            assert!(Seal::parse(bad_seal).is_err(), "{bad_seal:?}");
        }
    }
}
