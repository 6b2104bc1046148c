//! The streaming SARIF path without a byte-at-a-time parse of the results.
//!
//! [`SplitReader`] reads the report in large blocks and follows its structure with a small
//! scanner (strings, escapes, brackets, and the keys `runs` and `results` at their two places).
//! Each object of a `runs[].results` array is cut out whole and parsed from memory
//! (`serde_json::from_slice`, as fast as the in-memory path); the JSON parser of the rest of
//! the document (`serde_json::from_reader` over this reader) sees a two-byte placeholder `{}`
//! in its place, followed by as many newlines as the object held, and the results visitor
//! takes the parsed object ([`Shared::take`]) instead of reading the placeholder. Everything
//! else, and any result the splitter does not cut (not an object, larger than [`CUT_MAX`], or
//! cut off by the end of the file), is handed to the parser byte by byte as before, so the
//! parser stays the one judge of the document's syntax and structure.
//!
//! Errors keep their place in the file: the lines of the document are unchanged, the column
//! on the parser's current line is corrected by [`Shared::position`], and an error inside a cut
//! result is the `from_slice` error moved to where the result starts. Memory holds one block
//! and one result, never the file.

use std::cell::{Cell, RefCell};
use std::io::{self, Read};
use std::rc::Rc;

use serde::Deserialize as _;

use crate::lax::{Lax, SResult};

/// Largest result cut out and parsed from memory; a larger one is streamed byte by byte (so
/// memory stays bounded by this, not by the result).
pub(crate) const CUT_MAX: usize = 16 << 20;
/// Bytes read from the file at a time.
const BLOCK: usize = 1 << 20;

/// The fewest bytes a SARIF result that can be a finding takes with the comma before the next
/// (it needs a message: `{"message":{"text":""}},` is 24): the most room a file's size gives
/// its run's items.
const MIN_RESULT_BYTES: u64 = 24;
/// Longest key (as written, escapes included) that can be `runs` or `results`.
const KEY_MAX: usize = 64;
/// Changes of the column correction kept (see [`Shared::position`]).
const CHANGES: usize = 1024;

/// A parser error and its (line, column) in the file.
pub(crate) type Located = (serde_json::Error, Option<(usize, usize)>);

/// A result parsed from memory, or its error with the error's line and column in the file.
// Not boxed: a result is moved twice (into the reader's slot, out to the visitor); a box
// would be one more allocation per result.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Cut {
    /// The parsed result.
    Ok(Lax<SResult>),
    /// The error and its (line, column) in the file.
    Err(serde_json::Error, Option<(usize, usize)>),
}

/// What the reader and the results visitor share.
#[derive(Default)]
pub(crate) struct Shared {
    /// The cut result whose placeholder's first byte is the last byte handed to the parser.
    armed: RefCell<Option<Cut>>,
    /// The last changes of the column correction, oldest first: from the parser's (line,
    /// column), this is added to the parser's column. The parser reads a little past the place
    /// of an error before it reports it (closing the containers around it), never past more
    /// than one change per level of nesting, so the last [`CHANGES`] changes always hold the
    /// one in force at the error.
    changes: RefCell<std::collections::VecDeque<(usize, usize, usize)>>,
    /// A placeholder was read by something other than the results visitor: the splitter and
    /// the parser disagree on the document's structure (the caller then parses it again
    /// without the splitter).
    desync: Cell<bool>,
    /// The error of a cut result the parser reached, with its position in the file.
    error: RefCell<Option<Located>>,
    /// The size of the file in bytes, when known (0: unknown).
    size: Cell<u64>,
    /// The bytes read from the file so far.
    read: Cell<u64>,
}

impl Shared {
    /// The file being split is `bytes` long.
    pub(crate) fn set_size(&self, bytes: u64) {
        self.size.set(bytes);
    }

    /// How many results the file holds in all, estimated from the `seen` results read so
    /// far, once eight blocks have been read (`None` before, or without a size): the file's
    /// size at the density read so far, counting the block read ahead as not yet reached (an
    /// estimate a little high rather than low), and never more than one result per
    /// [`MIN_RESULT_BYTES`] of the file.
    pub(crate) fn results_estimate(&self, seen: usize) -> Option<usize> {
        let (size, read) = (self.size.get(), self.read.get());
        if size == 0 || read < 8 * BLOCK as u64 {
            return None;
        }
        let reached = read - BLOCK as u64;
        let at_density = u128::from(size) * seen as u128 / u128::from(reached);
        let most = u128::from(size / MIN_RESULT_BYTES);
        usize::try_from(at_density.min(most)).ok()
    }

    /// The parsed result, when the element the parser is at is a placeholder.
    pub(crate) fn take(&self) -> Option<Cut> {
        self.armed.borrow_mut().take()
    }
    /// Remember the error of a cut result the parser reached (reported instead of the
    /// parser's own error, which is at the placeholder).
    pub(crate) fn fail(&self, e: serde_json::Error, pos: Option<(usize, usize)>) {
        *self.error.borrow_mut() = Some((e, pos));
    }
    /// The error of a cut result, if the parse stopped at one.
    pub(crate) fn take_error(&self) -> Option<Located> {
        self.error.borrow_mut().take()
    }
    /// The parser's (line, column) moved to the file's (lines are the same).
    pub(crate) fn position(&self, line: usize, column: usize) -> (usize, usize) {
        let changes = self.changes.borrow();
        let delta = changes.iter().rev().find(|(l, c, _)| (*l, *c) <= (line, column)).map_or(0, |x| x.2);
        (line, column + delta)
    }
    fn record(&self, at: (usize, usize), delta: usize) {
        let mut changes = self.changes.borrow_mut();
        if changes.len() == CHANGES {
            changes.pop_front();
        }
        changes.push_back((at.0, at.1, delta));
    }
    /// `true` when the splitter and the parser disagreed (see the field).
    pub(crate) fn desync(&self) -> bool {
        self.desync.get()
    }
}

/// The containers the splitter follows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The top-level object.
    Root,
    /// Its `runs` array.
    Runs,
    /// A run object.
    Run,
    /// A run's `results` array.
    Results,
}

/// Which key of a followed object the next value belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Runs,
    Results,
    Other,
}

#[derive(Clone, Copy)]
struct Frame {
    kind: Kind,
    /// In an object: the next string is a key.
    expect_key: bool,
    key: Key,
}

/// The placeholder being handed out.
struct Placeholder {
    /// Bytes of it handed out so far.
    step: usize,
    /// Newlines of the cut result.
    newlines: usize,
    /// [`Shared::position`] once the placeholder is read.
    delta_after: usize,
    cut: Option<Cut>,
}

/// See the module documentation.
pub(crate) struct SplitReader<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    started: bool,
    shared: Rc<Shared>,
    frames: Vec<Frame>,
    /// Depth inside containers the splitter does not follow.
    other: usize,
    in_str: bool,
    esc: bool,
    /// The key of a followed object being read (raw bytes; `None` past [`KEY_MAX`]).
    key: Option<Vec<u8>>,
    capturing: bool,
    /// Line (1-based) and column (bytes since the line start) in the file of `buf[pos]`.
    line: usize,
    col: usize,
    /// The column correction in force (see [`Shared::position`]).
    delta: usize,
    /// A new correction, in force after the byte being handed out.
    new_delta: Option<usize>,
    /// The parser's line and column after the bytes handed out.
    out_line: usize,
    out_col: usize,
    ph: Option<Placeholder>,
}

impl<R: Read> SplitReader<R> {
    pub(crate) fn new(inner: R, shared: Rc<Shared>) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            started: false,
            shared,
            frames: Vec::with_capacity(4),
            other: 0,
            in_str: false,
            esc: false,
            key: None,
            capturing: false,
            line: 1,
            col: 0,
            delta: 0,
            new_delta: None,
            out_line: 1,
            out_col: 0,
            ph: None,
        }
    }

    pub(crate) fn into_inner(self) -> R {
        self.inner
    }

    /// Append up to one block to `buf`; `false` at the end of the file.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let old = self.buf.len();
        self.buf.resize(old + BLOCK, 0);
        loop {
            match self.inner.read(&mut self.buf[old..]) {
                Ok(0) => {
                    self.buf.truncate(old);
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.buf.truncate(old + n);
                    self.shared.read.set(self.shared.read.get().saturating_add(n as u64));
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        }
    }

    /// Drop the bytes already handed out.
    fn compact(&mut self) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    /// Skip a UTF-8 byte-order mark at the start (as the in-memory path strips it).
    fn start(&mut self) -> io::Result<()> {
        self.started = true;
        while self.buf.len() < 3 && self.fill()? {}
        if self.buf.starts_with(b"\xef\xbb\xbf") {
            self.pos = 3;
        }
        Ok(())
    }

    fn set_delta(&mut self, d: usize) {
        self.delta = d;
        self.new_delta = Some(d);
    }

    /// The next byte for the parser, or `None` at the end of the file.
    fn next_byte(&mut self) -> io::Result<Option<u8>> {
        if let Some(ph) = &mut self.ph {
            let step = ph.step;
            ph.step += 1;
            let (newlines, delta_after) = (ph.newlines, ph.delta_after);
            let last = step + 1 == 2 + newlines;
            let b = match step {
                0 => {
                    let cut = ph.cut.take();
                    let mut armed = self.shared.armed.borrow_mut();
                    if armed.is_some() {
                        self.shared.desync.set(true);
                    }
                    *armed = cut;
                    b'{'
                }
                1 => {
                    // The results visitor took the result when the parser read `{`.
                    if self.shared.armed.borrow_mut().take().is_some() {
                        self.shared.desync.set(true);
                    }
                    b'}'
                }
                _ => b'\n',
            };
            if last {
                self.ph = None;
                self.set_delta(delta_after);
            }
            return Ok(Some(b));
        }
        if !self.started {
            self.start()?;
        }
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if !self.fill()? {
                return Ok(None);
            }
        }
        let b = self.buf[self.pos];
        if b == b'{'
            && !self.in_str
            && self.other == 0
            && self.frames.last().is_some_and(|f| f.kind == Kind::Results)
            && self.cut()?
        {
            return self.next_byte();
        }
        self.pos += 1;
        self.step(b);
        Ok(Some(b))
    }

    /// Follow the structure over one byte handed to the parser as it is.
    fn step(&mut self, b: u8) {
        if b == b'\n' {
            self.line += 1;
            self.col = 0;
            if self.delta != 0 {
                self.set_delta(0);
            }
        } else {
            self.col += 1;
        }
        if self.in_str {
            if self.esc {
                self.esc = false;
            } else if b == b'\\' {
                self.esc = true;
            } else if b == b'"' {
                self.in_str = false;
                if self.capturing {
                    self.capturing = false;
                    let key = self.key.take().map_or(Key::Other, |k| classify(&k));
                    if let Some(f) = self.frames.last_mut() {
                        f.key = key;
                    }
                }
                return;
            }
            if self.capturing
                && let Some(k) = &mut self.key
            {
                if k.len() < KEY_MAX {
                    k.push(b);
                } else {
                    self.key = None;
                }
            }
            return;
        }
        if self.other > 0 {
            match b {
                b'"' => self.in_str = true,
                b'{' | b'[' => self.other += 1,
                b'}' | b']' => self.other -= 1,
                _ => {}
            }
            return;
        }
        match b {
            b'"' => {
                self.in_str = true;
                if self.frames.last().is_some_and(|f| f.expect_key && matches!(f.kind, Kind::Root | Kind::Run)) {
                    self.capturing = true;
                    self.key = Some(Vec::new());
                }
            }
            b'{' | b'[' => {
                let top = self.frames.last().copied();
                let kind = match (top, b) {
                    (None, b'{') => Some(Kind::Root),
                    (Some(Frame { kind: Kind::Root, expect_key: false, key: Key::Runs }), b'[') => Some(Kind::Runs),
                    (Some(Frame { kind: Kind::Runs, .. }), b'{') => Some(Kind::Run),
                    (Some(Frame { kind: Kind::Run, expect_key: false, key: Key::Results }), b'[') => {
                        Some(Kind::Results)
                    }
                    _ => None,
                };
                match kind {
                    Some(kind) => self.frames.push(Frame { kind, expect_key: b == b'{', key: Key::Other }),
                    None => self.other = 1,
                }
            }
            b'}' | b']' => {
                self.frames.pop();
            }
            b':' => {
                if let Some(f) = self.frames.last_mut() {
                    f.expect_key = false;
                }
            }
            b',' => {
                if let Some(f) = self.frames.last_mut()
                    && matches!(f.kind, Kind::Root | Kind::Run)
                {
                    f.expect_key = true;
                    f.key = Key::Other;
                }
            }
            _ => {}
        }
    }

    /// At `{` of a result: cut the object out and parse it (`true`), or leave it to the
    /// parser (`false`: larger than [`CUT_MAX`] or cut off by the end of the file).
    fn cut(&mut self) -> io::Result<bool> {
        let (mut depth, mut in_str, mut esc) = (0usize, false, false);
        let mut i = self.pos;
        let end = 'scan: loop {
            while i < self.buf.len() {
                let b = self.buf[i];
                i += 1;
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                    } else {
                        // Skip to the next quote or backslash.
                        let rest = &self.buf[i..];
                        i += memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
                    }
                    continue;
                }
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            break 'scan i;
                        }
                    }
                    _ => {}
                }
            }
            if self.buf.len() - self.pos > CUT_MAX {
                return Ok(false);
            }
            // Keep the result's first bytes, drop what was handed out, read on.
            i -= self.pos;
            self.compact();
            if !self.fill()? {
                return Ok(false);
            }
        };
        let start = self.pos;
        let slice = &self.buf[start..end];
        let end = end - start;
        let mut de = serde_json::Deserializer::from_slice(slice);
        let (line, col) = (self.line, self.col);
        let cut = match Lax::<SResult>::deserialize(&mut de) {
            Ok(v) => Cut::Ok(v),
            Err(e) => {
                let pos = (e.line() > 0)
                    .then(|| if e.line() == 1 { (line, col + e.column()) } else { (line + e.line() - 1, e.column()) });
                Cut::Err(e, pos)
            }
        };
        #[allow(clippy::naive_bytecount)] // no dependency for this; once per result
        let newlines = slice.iter().filter(|&&b| b == b'\n').count();
        let delta_after = if newlines == 0 {
            self.col += end;
            self.delta + end - 2
        } else {
            let tail = end - 1 - slice.iter().rposition(|&b| b == b'\n').unwrap_or(0);
            self.line += newlines;
            self.col = tail;
            tail
        };
        self.pos = start + end;
        self.ph = Some(Placeholder { step: 0, newlines, delta_after, cut: Some(cut) });
        Ok(true)
    }
}

/// `runs`, `results` or another key, from its bytes as written (escapes decoded).
fn classify(raw: &[u8]) -> Key {
    let decoded;
    let k: &[u8] = if raw.contains(&b'\\') {
        let mut quoted = Vec::with_capacity(raw.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(raw);
        quoted.push(b'"');
        match serde_json::from_slice::<String>(&quoted) {
            Ok(s) => {
                decoded = s;
                decoded.as_bytes()
            }
            Err(_) => return Key::Other,
        }
    } else {
        raw
    };
    match k {
        b"runs" => Key::Runs,
        b"results" => Key::Results,
        _ => Key::Other,
    }
}

impl<R: Read> Read for SplitReader<R> {
    /// One byte at a time (the placeholder protocol relies on the parser being at most one
    /// byte ahead; `serde_json` reads a byte at a time anyway).
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let Some(slot) = out.first_mut() else { return Ok(0) };
        match self.next_byte()? {
            Some(b) => {
                *slot = b;
                if b == b'\n' {
                    self.out_line += 1;
                    self.out_col = 0;
                } else {
                    self.out_col += 1;
                }
                if let Some(d) = self.new_delta.take() {
                    self.shared.record((self.out_line, self.out_col), d);
                }
                Ok(1)
            }
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{BLOCK, MIN_RESULT_BYTES, Shared};

    #[test]
    fn the_results_estimate_waits_for_eight_blocks_reads_the_density_and_is_bounded() {
        let block = BLOCK as u64;
        let sh = Shared::default();
        sh.read.set(20 * block);
        assert_eq!(sh.results_estimate(1000), None, "no size");
        sh.set_size(100 * block);
        sh.read.set(7 * block);
        assert_eq!(sh.results_estimate(1000), None, "fewer than eight blocks read");
        // 1,000 results in the ten blocks reached (the eleventh read ahead): 10,000 in the
        // hundred blocks of the file.
        sh.read.set(11 * block);
        assert_eq!(sh.results_estimate(1000), Some(10_000));
        // Never more than one result per MIN_RESULT_BYTES of the file.
        let most = usize::try_from(100 * block / MIN_RESULT_BYTES).unwrap_or(usize::MAX);
        assert_eq!(sh.results_estimate(usize::MAX), Some(most));
    }
}
