//! Writing files secfw owns: atomically (temp file in the same directory, fsync, rename,
//! fsync of the directory), so a crash leaves either the old or the new file, never a mix.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::Error;

/// Write `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |source| Error::Io { path: path.to_owned(), source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile_in(dir).map_err(io)?;
    tmp.1.write_all(bytes).map_err(io)?;
    tmp.1.sync_all().map_err(io)?;
    drop(tmp.1);
    if let Err(e) = fs::rename(&tmp.0, path) {
        let _ = fs::remove_file(&tmp.0);
        return Err(io(e));
    }
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn tempfile_in(dir: &Path) -> std::io::Result<(std::path::PathBuf, fs::File)> {
    let pid = std::process::id();
    for n in 0u32..1000 {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let p = dir.join(format!(".secfw-tmp-{pid}-{nanos}-{n}"));
        match fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("could not create a temporary file"))
}
