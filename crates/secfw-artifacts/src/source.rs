//! Reading artifact files safely: size limits, regular files only, UTF-8 with located errors,
//! binary detection, and byte-offset → line/column mapping.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::codes;
use crate::diag::{Diagnostic, Pos};

/// Default largest artifact secfw reads (1 GiB): room for the L workload's ledger (1M findings,
/// about 800 MB of YAML).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;

/// The text of one artifact, with its workspace-relative name.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceFile {
    /// Workspace-relative name with `/` separators (used in diagnostics).
    pub name: String,
    /// The full text (a leading UTF-8 BOM is kept; positions count it as no column).
    pub text: String,
}

impl SourceFile {
    /// A source from a name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }

    /// The 1-based line and column of a byte offset (columns count characters).
    pub fn pos_of(&self, offset: usize) -> Pos {
        pos_of(&self.text, offset)
    }

    /// The text of a 1-based line, without its line terminator.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        lines(&self.text).nth((line as usize).checked_sub(1)?).map(|(_, l)| l)
    }
}

/// Every line (without its terminator) with the byte offset where it starts. Breaks are `\n`,
/// `\r\n` and a lone `\r`, the same rule as [`pos_of`].
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> + '_ {
    let mut rest = Some(text);
    let mut start = 0usize;
    std::iter::from_fn(move || {
        let r = rest?;
        let Some((line, after)) = r.split_once(['\n', '\r']) else {
            rest = None;
            return (!r.is_empty()).then_some((start, r));
        };
        // The break is the byte after `line`; a `\r` directly followed by `\n` is one break.
        let after = match (r.as_bytes().get(line.len()), after.strip_prefix('\n')) {
            (Some(b'\r'), Some(crlf_rest)) => crlf_rest,
            _ => after,
        };
        let item = (start, line);
        start += r.len() - after.len();
        rest = Some(after);
        Some(item)
    })
}

/// The byte range of every line (without its terminator), as [`lines`].
pub fn line_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    lines(text).map(|(start, line)| (start, start + line.len()))
}

/// The longest prefix of `text` that ends at or before byte `offset` on a character boundary
/// (an offset inside a character cuts before it; an offset past the end is the whole text).
pub fn prefix_at(text: &str, offset: usize) -> &str {
    (0..=offset.min(text.len())).rev().find_map(|cut| text.get(..cut)).unwrap_or_default()
}

/// The 1-based line and column of a byte offset in `text` (columns count characters; an offset
/// inside a character counts as that character). Line breaks are `\n`, `\r\n` and a lone `\r`,
/// as YAML and CommonMark count them.
pub fn pos_of(text: &str, offset: usize) -> Pos {
    let before = prefix_at(text, offset);
    let line = 1 + before.matches(['\n', '\r']).count() - before.matches("\r\n").count();
    let last = before.rsplit(['\n', '\r']).next().unwrap_or(before);
    let column = last.chars().count() + 1;
    Pos::new(u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX))
}

/// Read an artifact: a regular file (symlinks refused), at most `max_bytes`, valid UTF-8,
/// no NUL bytes. Every failure is a located diagnostic.
pub fn read_artifact(path: &Path, name: &str, max_bytes: u64) -> Result<SourceFile, Diagnostic> {
    let meta = fs::symlink_metadata(path).map_err(|e| {
        Diagnostic::error(codes::UNREADABLE, name, format!("cannot read {name}: {e}"))
            .with_hint("check that the file exists and is readable")
    })?;
    if !meta.file_type().is_file() {
        return Err(Diagnostic::error(
            codes::NOT_A_FILE,
            name,
            format!("{name} is not a regular file (symlinks, directories and devices are refused)"),
        )
        .with_hint("replace it with a regular file; secfw never follows symlinks in a workspace"));
    }
    if meta.len() > max_bytes {
        return Err(Diagnostic::error(
            codes::TOO_LARGE,
            name,
            format!("{name} is {} bytes, over the limit of {max_bytes} bytes", meta.len()),
        )
        .with_hint("split the file, or raise the limit with `--max-file-bytes`"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // Opened without blocking and without following a link, then checked on the descriptor:
    // a FIFO or link swapped in after the check above can neither hang nor redirect the read.
    let (f, opened) = crate::read::open_regular(path, crate::read::Links::Refuse).map_err(|e| {
        Diagnostic::error(codes::NOT_A_FILE, name, format!("cannot read {name}: {e}"))
            .with_hint("replace it with a regular file; secfw never follows symlinks in a workspace")
    })?;
    if opened.len() > max_bytes {
        return Err(Diagnostic::error(
            codes::TOO_LARGE,
            name,
            format!("{name} is {} bytes, over the limit of {max_bytes} bytes", opened.len()),
        ));
    }
    f.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Diagnostic::error(codes::UNREADABLE, name, format!("cannot read {name}: {e}")))?;
    if bytes.len() as u64 > max_bytes {
        return Err(Diagnostic::error(
            codes::TOO_LARGE,
            name,
            format!("{name} grew past the limit of {max_bytes} bytes while being read"),
        ));
    }
    decode(name, bytes)
}

/// Decode bytes as an artifact's text: refuses empty input, NUL bytes and invalid UTF-8 with the
/// position of the first bad byte.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<SourceFile, Diagnostic> {
    if bytes.is_empty() {
        return Err(Diagnostic::error(codes::EMPTY_FILE, name, format!("{name} is empty (0 bytes)"))
            .at(Some(Pos::new(1, 1)))
            .with_hint("write the artifact's content, or run `secfw init` for a template"));
    }
    if let Some(i) = memchr_nul(&bytes) {
        let prefix = String::from_utf8_lossy(&bytes[..i]);
        let pos = pos_of(&prefix, prefix.len());
        return Err(Diagnostic::error(
            codes::BINARY,
            name,
            format!("{name} contains a NUL byte at offset {i}: it looks like binary data, not text"),
        )
        .at(Some(pos))
        .with_hint("artifacts are UTF-8 text; check that the right file was written here"));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile { name: name.to_owned(), text }),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]);
            let pos = pos_of(&prefix, prefix.len());
            Err(Diagnostic::error(
                codes::INVALID_UTF8,
                name,
                format!("{name} is not valid UTF-8: invalid byte 0x{:02x} at offset {valid}", bytes[valid]),
            )
            .at(Some(pos))
            .with_hint("re-save the file as UTF-8"))
        }
    }
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(0, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_chars() {
        let t = "ab\ncé d\n";
        assert_eq!(pos_of(t, 0), Pos::new(1, 1));
        assert_eq!(pos_of(t, 3), Pos::new(2, 1));
        // 'é' is two bytes: offset 6 is the space after it, column 3.
        assert_eq!(pos_of(t, 6), Pos::new(2, 3));
        assert_eq!(pos_of(t, 999), Pos::new(3, 1));
        // CRLF is one break; a lone CR is a break too (as YAML and CommonMark count them).
        assert_eq!(pos_of("a\r\nb\rc", 3), Pos::new(2, 1));
        assert_eq!(pos_of("a\r\nb\rc", 5), Pos::new(3, 1));
        let src = SourceFile::new("f", "a\r\nb\rc\n");
        assert_eq!([1, 2, 3].map(|l| src.line_text(l)), [Some("a"), Some("b"), Some("c")]);
        assert_eq!(src.line_text(4), None);
    }

    #[test]
    fn offsets_inside_a_multibyte_character_count_as_that_character() {
        // "é" is 2 bytes, "€" 3, "😀" 4: every offset inside one maps to its column, no panic.
        let t = "é€\n😀x\r\n\r";
        for off in 0..=t.len() + 2 {
            let _ = pos_of(t, off);
        }
        assert_eq!(pos_of(t, 1), Pos::new(1, 1));
        assert_eq!(pos_of(t, 3), Pos::new(1, 2));
        assert_eq!(pos_of(t, 4), Pos::new(1, 2));
        assert_eq!(pos_of(t, 8), Pos::new(2, 1));
        assert_eq!(pos_of(t, 10), Pos::new(2, 2));
        assert_eq!(pos_of(t, 11), Pos::new(2, 3));
        // Cut between the `\r` and the `\n` of a CRLF: the `\r` already ended the line.
        assert_eq!(pos_of(t, 12), Pos::new(3, 1));
        assert_eq!(pos_of(t, 13), Pos::new(3, 1));
        assert_eq!(pos_of(t, 14), Pos::new(4, 1));
        let got: Vec<_> = lines(t).collect();
        assert_eq!(got, [(0, "é€"), (6, "😀x"), (13, "")]);
        assert_eq!(line_spans("a\n\nb").collect::<Vec<_>>(), [(0, 1), (2, 2), (3, 4)]);
        assert_eq!(lines("").count(), 0);
    }

    #[test]
    fn decode_rejects_each_bad_input_with_location() {
        assert_eq!(decode("f", vec![]).unwrap_err().code, codes::EMPTY_FILE);
        let e = decode("f", b"a: 1\nb: \0".to_vec()).unwrap_err();
        assert_eq!((e.code, e.line, e.column), (codes::BINARY, Some(2), Some(4)));
        let e = decode("f", b"a: 1\nb: \xff".to_vec()).unwrap_err();
        assert_eq!((e.code, e.line, e.column), (codes::INVALID_UTF8, Some(2), Some(4)));
    }
}
