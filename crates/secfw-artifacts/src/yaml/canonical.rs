//! The ledger's own YAML layout: a small, deterministic block-YAML emitter and the strict
//! reader of exactly what it emits.
//!
//! `secfw ingest` rewrites `sec_findings.yaml` after every merge and must check that the bytes
//! it writes hold exactly the merged ledger. Rendering with serde-saphyr and reading the text
//! back with the full YAML parser cost over 80% of an ingest of 100k findings, so the ledger
//! has its own layout, chosen so that emitting and checking it are both one linear pass:
//!
//! - block mappings and sequences only, 2 spaces per level; a sequence under a key has its
//!   dashes at the key's column (`findings:` then `- finding_id: ...`, as serde-saphyr writes
//!   it, so switching writers changed quoting, not indentation); empty collections are `{}`
//!   and `[]`;
//! - every scalar on one line: `null`, `true`, `false`, a JSON number, a *plain* string only
//!   when it is unambiguous ([`is_plain_safe`]: ASCII, starts with a letter, `_` or `/`, no
//!   `: `, no `#`, no trailing space or `:`, not a YAML 1.1/1.2 boolean, null or number
//!   word), otherwise a double-quoted string whose escapes are `\"`, `\\`, `\n`, `\t`, `\r`
//!   and `\uXXXX` (every control character, DEL, C1, U+2028/2029, bidi controls, BOM and
//!   U+FFFE/FFFF are escaped, so the file never holds an invisible or line-breaking byte);
//! - mapping keys follow the same rule; a key longer than [`MAX_KEY_BYTES`] cannot be an
//!   implicit YAML key, so [`to_string`] returns `None` and the caller uses the general
//!   serializer instead.
//!
//! The layout is a subset of YAML 1.2 that the normal parser ([`crate::yaml::parse`]) reads to
//! the same value; property tests (hostile strings in every field: CR/LF, NUL, bidi, `: `,
//! `#`, leading `-`, quotes, `0x1`, `yes`, `~`, `null`, very long strings, odd keys) prove it.
//! [`from_str`] reads that subset only, refusing anything else with the line and column, so a
//! writer can check its bytes in one pass instead of running the full YAML parser.
//!
//! A large ledger is rendered and checked in [`Piece`]s on several threads: [`render_piece`]
//! writes the text of findings `start..end` (the first piece with the document's start, the
//! last with its end), byte for byte the slice of [`to_string`]'s text; [`check_findings_piece`]
//! reads one piece with the same reader, started in the state the reader of the whole text is
//! in at the piece's first byte, and [`check_findings_joined`] joins what the pieces proved
//! (every finding once and in order, each top-level key once). Why that is the check of the
//! whole text: the reader looks past a line break only to measure the next line's
//! indentation; a piece ends with a line break and the next one starts with `-` at column 0,
//! which ends every collection nested in a finding exactly as the end of a text does, so the
//! reader of the whole text makes, through each piece, exactly the decisions the piece's reader
//! makes, and where one piece's reader stops at the end of its text (after its last finding,
//! which is refused unless the piece holds exactly its findings) the whole text's reader goes
//! on in the `findings` sequence, which is where the next piece's reader starts.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer as _, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize as _, Serialize, ser};
use serde_json::{Number, Value};

use crate::model::findings::{Finding, FindingsFile, FindingsMetadata, ScanRecord};

/// Longest mapping key (in bytes, quotes and escapes included) the layout writes; YAML limits
/// implicit keys to 1024 characters.
pub const MAX_KEY_BYTES: usize = 1000;

/// Deepest nesting [`from_str`] reads (the artifacts' own limit is [`crate::yaml::MAX_DEPTH`]).
const MAX_DEPTH: usize = 2 * crate::yaml::MAX_DEPTH;

/// Serialize `value` (which must serialize to a non-empty mapping) in the ledger layout,
/// straight from its `Serialize` implementation. `Ok(None)` when the layout cannot hold it (not
/// a mapping, a key longer than [`MAX_KEY_BYTES`], a nesting deeper than the artifacts'
/// limit, a non-finite number, a sequence of unknown length): use [`crate::yaml::to_string`]
/// then.
///
/// # Errors
///
/// When the value's own `Serialize` implementation fails ([`crate::Error::Serialize`]).
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<Option<String>, crate::Error> {
    to_string_with_capacity(value, 1 << 10)
}

/// [`to_string`] into a text allocated for `capacity` bytes up front: a caller that can
/// estimate the size (a large ledger) saves the copies of a text growing by doubling. The
/// capacity only sizes the allocation, never the text (a short one grows as usual).
///
/// # Errors
///
/// As [`to_string`].
pub fn to_string_with_capacity<T: Serialize + ?Sized>(
    value: &T,
    capacity: usize,
) -> Result<Option<String>, crate::Error> {
    let mut out = String::new();
    // Fallible: a capacity the allocator cannot meet is ignored, never an abort.
    let _ = out.try_reserve_exact(capacity);
    match value.serialize(Emitter { out: &mut out, ctx: Ctx::Root, depth: 0, cut: Cut::All }) {
        Ok(()) => Ok(Some(out)),
        Err(EmitError::Layout(_)) => Ok(None),
        Err(EmitError::Custom(m)) => Err(crate::Error::Serialize(m.into())),
    }
}

/// [`to_string`] of a JSON value.
pub fn value_to_string(v: &Value) -> Option<String> {
    to_string(v).ok().flatten()
}

/// The ledger's key of the findings sequence, where a ledger is cut into pieces.
const FINDINGS_KEY: &str = "findings";

/// One piece of a ledger's text in the ledger layout, for rendering and checking a large
/// ledger on several threads: the findings `start..end` of a ledger of `total` findings, at
/// column 0 in the `findings` sequence. The first piece (`start == 0`) also holds the text
/// before them (`version`, `metadata`, the `findings:` key), the last (`end == total`) the text
/// after them (`scans`); a piece that is both is the whole document. The pieces of
/// [`Piece::split`], rendered with [`render_piece`] and joined in order, are exactly the text
/// of [`to_string`]; [`check_findings_piece`] reads one back and [`check_findings_joined`]
/// joins what the pieces proved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    start: usize,
    end: usize,
    total: usize,
}

impl Piece {
    /// The pieces of a ledger of `total` findings, `per_piece` findings each (the last one
    /// may hold fewer): one whole piece when `total <= per_piece` (or `per_piece` is 0).
    pub fn split(total: usize, per_piece: usize) -> Vec<Piece> {
        if per_piece == 0 || total <= per_piece {
            return vec![Piece { start: 0, end: total, total }];
        }
        (0..total).step_by(per_piece).map(|start| Piece { start, end: (start + per_piece).min(total), total }).collect()
    }

    /// The findings of this piece (indices into the ledger's findings).
    pub fn findings(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    /// Whether this piece holds the start of the document.
    pub fn is_first(&self) -> bool {
        self.start == 0
    }

    /// Whether this piece holds the end of the document.
    pub fn is_last(&self) -> bool {
        self.end == self.total
    }
}

/// Append the text of `piece` of `ledger` in the ledger layout to `out`: the pieces of
/// [`Piece::split`]`(ledger.findings.len(), n)` appended in order are byte for byte the text
/// of [`to_string`]. `Ok(false)` (and `out` in an unspecified state) when the layout cannot
/// hold the ledger, as [`to_string`]'s `None`: a piece that does not see the entry the layout
/// cannot hold still writes its text, so every piece must succeed.
///
/// # Errors
///
/// As [`to_string`].
pub fn render_piece(ledger: &FindingsFile, piece: Piece, out: &mut String) -> Result<bool, crate::Error> {
    if piece.total != ledger.findings.len() {
        return Ok(false);
    }
    let emitted = if piece.is_first() {
        let cut = if piece.is_last() { Cut::All } else { Cut::Root(piece) };
        ledger.serialize(Emitter { out, ctx: Ctx::Root, depth: 0, cut })
    } else {
        // The findings, as the `findings` sequence writes them (its dashes at column 0, its
        // items two levels deep), then (the last piece) the entries after it.
        let mut seq = SeqEmitter { out: &mut *out, col: 0, depth: 2, empty: false, written: 0, range: None };
        let items = ledger.findings[piece.findings()].iter().try_for_each(|f| seq.item(f));
        match items {
            Ok(()) if piece.is_last() => {
                ledger.serialize(Emitter { out, ctx: Ctx::Root, depth: 0, cut: Cut::Root(piece) })
            }
            other => other,
        }
    };
    match emitted {
        Ok(()) => Ok(true),
        Err(EmitError::Layout(_)) => Ok(false),
        Err(EmitError::Custom(m)) => Err(crate::Error::Serialize(m.into())),
    }
}

/// Why the emitter stopped.
#[derive(Debug)]
enum EmitError {
    /// The layout cannot hold the value (the caller falls back to the general serializer).
    Layout(&'static str),
    /// The value's `Serialize` failed.
    Custom(String),
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Layout(m) => write!(f, "not representable in the ledger layout: {m}"),
            Self::Custom(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for EmitError {}

impl ser::Error for EmitError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Custom(msg.to_string())
    }
}

/// Where a value is written: the document, after `key:`, or after `-`; `col` is the column of
/// a nested collection's entries.
#[derive(Clone, Copy)]
enum Ctx {
    Root,
    MapValue { col: usize },
    SeqItem { col: usize },
}

struct Emitter<'o> {
    out: &'o mut String,
    ctx: Ctx,
    depth: usize,
    cut: Cut,
}

/// Which part of a value an emitter writes ([`render_piece`]).
#[derive(Clone, Copy)]
enum Cut {
    /// All of it.
    All,
    /// One piece of a ledger (the root mapping).
    Root(Piece),
    /// The ledger's `findings` sequence in the first piece: its items `..end` only.
    Items { end: usize },
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

impl<'o> Emitter<'o> {
    fn scalar(self, write: impl FnOnce(&mut String)) -> Result<(), EmitError> {
        if matches!(self.ctx, Ctx::Root) {
            return Err(EmitError::Layout("the document must be a mapping"));
        }
        if !matches!(self.cut, Cut::All) {
            return Err(EmitError::Layout("a ledger piece of something that is not a ledger"));
        }
        self.out.push(' ');
        write(self.out);
        self.out.push('\n');
        Ok(())
    }

    fn seq(self, len: Option<usize>) -> Result<SeqEmitter<'o>, EmitError> {
        let Some(len) = len else { return Err(EmitError::Layout("a sequence of unknown length")) };
        let col = match self.ctx {
            Ctx::Root => return Err(EmitError::Layout("the document must be a mapping")),
            // Under a key, the dashes sit at the key's column (`findings:` then `- ...`).
            Ctx::MapValue { col } => col - 2,
            Ctx::SeqItem { col } => col,
        };
        if self.depth >= crate::yaml::MAX_DEPTH {
            return Err(EmitError::Layout("nested too deep"));
        }
        let range = match self.cut {
            Cut::All => None,
            Cut::Items { end } if end <= len => Some(end),
            Cut::Items { .. } | Cut::Root(_) => {
                return Err(EmitError::Layout("a ledger piece of something that is not a ledger"));
            }
        };
        self.out.push_str(if len == 0 { " []\n" } else { "\n" });
        Ok(SeqEmitter { out: self.out, col, depth: self.depth + 1, empty: len == 0, written: 0, range })
    }

    fn map(self, len: Option<usize>) -> Result<MapEmitter<'o>, EmitError> {
        let Some(len) = len else { return Err(EmitError::Layout("a mapping of unknown length")) };
        if self.depth >= crate::yaml::MAX_DEPTH {
            return Err(EmitError::Layout("nested too deep"));
        }
        let root = match self.cut {
            Cut::All => None,
            Cut::Root(p) if matches!(self.ctx, Ctx::Root) => Some(p),
            Cut::Root(_) | Cut::Items { .. } => {
                return Err(EmitError::Layout("a ledger piece of something that is not a ledger"));
            }
        };
        let (col, inline) = match self.ctx {
            Ctx::Root if len == 0 => return Err(EmitError::Layout("an empty document")),
            Ctx::Root => (0, false),
            Ctx::MapValue { col } => (col, false),
            Ctx::SeqItem { col } => (col, true),
        };
        if len == 0 {
            self.out.push_str(" {}\n");
        } else if !matches!(self.ctx, Ctx::Root) {
            self.out.push(if inline { ' ' } else { '\n' });
        }
        Ok(MapEmitter {
            out: self.out,
            col,
            inline,
            depth: self.depth + 1,
            empty: len == 0,
            written: 0,
            root,
            after_findings: false,
        })
    }
}

struct SeqEmitter<'o> {
    out: &'o mut String,
    col: usize,
    depth: usize,
    empty: bool,
    written: usize,
    /// Write only the items before this one (the others are counted, not written).
    range: Option<usize>,
}

impl SeqEmitter<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EmitError> {
        if self.empty {
            return Err(EmitError::Layout("more items than announced"));
        }
        let i = self.written;
        self.written += 1;
        if self.range.is_some_and(|end| i >= end) {
            return Ok(());
        }
        indent(self.out, self.col);
        self.out.push('-');
        v.serialize(Emitter {
            out: self.out,
            ctx: Ctx::SeqItem { col: self.col + 2 },
            depth: self.depth,
            cut: Cut::All,
        })
    }

    fn finish(self) -> Result<(), EmitError> {
        if !self.empty && self.written == 0 {
            return Err(EmitError::Layout("fewer items than announced"));
        }
        Ok(())
    }
}

struct MapEmitter<'o> {
    out: &'o mut String,
    col: usize,
    inline: bool,
    depth: usize,
    empty: bool,
    written: usize,
    /// The root mapping of a ledger written in pieces: the piece.
    root: Option<Piece>,
    /// The `findings` entry was passed (a piece writes the entries after it only when it is
    /// the last piece).
    after_findings: bool,
}

impl MapEmitter<'_> {
    fn key(&mut self, k: &str) -> Result<(), EmitError> {
        if self.empty {
            return Err(EmitError::Layout("more entries than announced"));
        }
        if self.written > 0 || !self.inline {
            indent(self.out, self.col);
        }
        self.written += 1;
        let start = self.out.len();
        emit_str(self.out, k);
        if self.out.len() - start > MAX_KEY_BYTES {
            return Err(EmitError::Layout("a key longer than an implicit YAML key may be"));
        }
        self.out.push(':');
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EmitError> {
        self.value_cut(v, Cut::All)
    }

    fn value_cut<T: Serialize + ?Sized>(&mut self, v: &T, cut: Cut) -> Result<(), EmitError> {
        v.serialize(Emitter { out: self.out, ctx: Ctx::MapValue { col: self.col + 2 }, depth: self.depth, cut })
    }

    /// An entry of a mapping whose entries are known by name (a struct): in a ledger piece,
    /// the entries before `findings` belong to the first piece, those after it to the last,
    /// and each piece writes its own findings (the first one with the `findings:` key).
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, v: &T) -> Result<(), EmitError> {
        let Some(p) = self.root else {
            self.key(key)?;
            return self.value(v);
        };
        if key == FINDINGS_KEY {
            if self.after_findings {
                return Err(EmitError::Layout("a ledger with two `findings`"));
            }
            self.after_findings = true;
            if p.start == 0 {
                self.key(key)?;
                return self.value_cut(v, Cut::Items { end: p.end });
            }
            // The findings of a later piece are written by `render_piece` itself (without
            // passing over the findings before them).
            self.written += 1;
            return Ok(());
        }
        let mine = if self.after_findings { p.end == p.total } else { p.start == 0 };
        if mine {
            self.key(key)?;
            self.value(v)
        } else {
            self.written += 1;
            Ok(())
        }
    }

    fn finish(self) -> Result<(), EmitError> {
        if !self.empty && self.written == 0 {
            return Err(EmitError::Layout("fewer entries than announced"));
        }
        if self.root.is_some() && !self.after_findings {
            return Err(EmitError::Layout("a ledger piece of something that is not a ledger"));
        }
        Ok(())
    }
}

impl<'o> ser::Serializer for Emitter<'o> {
    type Ok = ();
    type Error = EmitError;
    type SerializeSeq = SeqEmitter<'o>;
    type SerializeTuple = SeqEmitter<'o>;
    type SerializeTupleStruct = SeqEmitter<'o>;
    type SerializeTupleVariant = ser::Impossible<(), EmitError>;
    type SerializeMap = MapEmitter<'o>;
    type SerializeStruct = MapEmitter<'o>;
    type SerializeStructVariant = ser::Impossible<(), EmitError>;

    fn serialize_bool(self, v: bool) -> Result<(), EmitError> {
        self.scalar(|o| o.push_str(if v { "true" } else { "false" }))
    }
    fn serialize_i8(self, v: i8) -> Result<(), EmitError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), EmitError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), EmitError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), EmitError> {
        use std::fmt::Write as _;
        self.scalar(|o| {
            let _ = write!(o, "{v}");
        })
    }
    fn serialize_u8(self, v: u8) -> Result<(), EmitError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), EmitError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), EmitError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), EmitError> {
        use std::fmt::Write as _;
        self.scalar(|o| {
            let _ = write!(o, "{v}");
        })
    }
    fn serialize_f32(self, v: f32) -> Result<(), EmitError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), EmitError> {
        // serde_json's rendering (shortest round-trip digits, `5.0` keeps its point): a JSON
        // number, and a YAML 1.2 float that reads back as the same f64.
        let Some(n) = Number::from_f64(v) else { return Err(EmitError::Layout("a non-finite number")) };
        self.scalar(|o| o.push_str(&n.to_string()))
    }
    fn serialize_char(self, v: char) -> Result<(), EmitError> {
        self.serialize_str(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), EmitError> {
        self.scalar(|o| emit_str(o, v))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), EmitError> {
        Err(EmitError::Layout("bytes"))
    }
    fn serialize_none(self) -> Result<(), EmitError> {
        self.scalar(|o| o.push_str("null"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), EmitError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), EmitError> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), EmitError> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), EmitError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<(), EmitError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), EmitError> {
        Err(EmitError::Layout("an enum variant with data"))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqEmitter<'o>, EmitError> {
        self.seq(len)
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqEmitter<'o>, EmitError> {
        self.seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqEmitter<'o>, EmitError> {
        self.seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, EmitError> {
        Err(EmitError::Layout("an enum variant with data"))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapEmitter<'o>, EmitError> {
        self.map(len)
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapEmitter<'o>, EmitError> {
        self.map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, EmitError> {
        Err(EmitError::Layout("an enum variant with data"))
    }
}

impl ser::SerializeSeq for SeqEmitter<'_> {
    type Ok = ();
    type Error = EmitError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EmitError> {
        self.item(v)
    }
    fn end(self) -> Result<(), EmitError> {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqEmitter<'_> {
    type Ok = ();
    type Error = EmitError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EmitError> {
        self.item(v)
    }
    fn end(self) -> Result<(), EmitError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for SeqEmitter<'_> {
    type Ok = ();
    type Error = EmitError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EmitError> {
        self.item(v)
    }
    fn end(self) -> Result<(), EmitError> {
        self.finish()
    }
}

impl ser::SerializeStruct for MapEmitter<'_> {
    type Ok = ();
    type Error = EmitError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), EmitError> {
        self.field(key, v)
    }
    fn end(self) -> Result<(), EmitError> {
        self.finish()
    }
}

impl ser::SerializeMap for MapEmitter<'_> {
    type Ok = ();
    type Error = EmitError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), EmitError> {
        if self.root.is_some() {
            return Err(EmitError::Layout("a ledger piece of something that is not a ledger"));
        }
        key.serialize(KeyEmitter(self))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EmitError> {
        self.value(v)
    }
    fn end(self) -> Result<(), EmitError> {
        self.finish()
    }
}

/// A mapping key: strings only.
struct KeyEmitter<'m, 'o>(&'m mut MapEmitter<'o>);

macro_rules! not_a_key {
    ($($f:ident($($t:ty),*)),* $(,)?) => {
        $(fn $f(self, $(_: $t),*) -> Result<(), EmitError> { Err(EmitError::Layout("a mapping key that is not a string")) })*
    };
}

impl ser::Serializer for KeyEmitter<'_, '_> {
    type Ok = ();
    type Error = EmitError;
    type SerializeSeq = ser::Impossible<(), EmitError>;
    type SerializeTuple = ser::Impossible<(), EmitError>;
    type SerializeTupleStruct = ser::Impossible<(), EmitError>;
    type SerializeTupleVariant = ser::Impossible<(), EmitError>;
    type SerializeMap = ser::Impossible<(), EmitError>;
    type SerializeStruct = ser::Impossible<(), EmitError>;
    type SerializeStructVariant = ser::Impossible<(), EmitError>;

    fn serialize_str(self, v: &str) -> Result<(), EmitError> {
        self.0.key(v)
    }
    not_a_key!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), EmitError> {
        Err(EmitError::Layout("a mapping key that is not a string"))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<(), EmitError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), EmitError> {
        Err(EmitError::Layout("a mapping key that is not a string"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, EmitError> {
        Err(EmitError::Layout("a mapping key that is not a string"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, EmitError> {
        Err(EmitError::Layout("a mapping key that is not a string"))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, EmitError> {
        Err(EmitError::Layout("a mapping key that is not a string"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, EmitError> {
        Err(EmitError::Layout("a mapping key that is not a string"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, EmitError> {
        Err(EmitError::Layout("a mapping key that is not a string"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, EmitError> {
        Err(EmitError::Layout("a mapping key that is not a string"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, EmitError> {
        Err(EmitError::Layout("a mapping key that is not a string"))
    }
}

#[expect(
    clippy::string_slice,
    reason = "`start` and `i` come from `char_indices` (or `i + c.len_utf8()`), so both are character boundaries"
)]
fn emit_str(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
        return;
    }
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\t' => Some("\\t"),
            '\r' => Some("\\r"),
            _ => None,
        };
        if esc.is_none() && !needs_escape(c) {
            continue;
        }
        out.push_str(&s[start..i]);
        if let Some(e) = esc {
            out.push_str(e);
        } else {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{:04X}", u32::from(c));
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Characters written as `\uXXXX` inside double quotes: C0 controls, DEL, C1 controls (NEL
/// included), the Unicode line and paragraph separators, the bidirectional controls (so a
/// ledger line never displays in another order than it reads), the byte-order mark and the
/// non-characters U+FFFE/U+FFFF (not printable in YAML). All are in the BMP.
pub fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// `true` when `s` may be written as a plain (unquoted) scalar and reads back as that string
/// under any YAML reading: non-empty ASCII made of letters, digits, space and `_-./@+(),;=<>'!?%:`,
/// starting with a letter, `_` or `/`, not ending in a space or `:`, with no `: ` (a key) and no
/// `#` (a comment), and not a boolean, null or number word in any case (`yes`, `No`, `NULL`, `inf`).
pub fn is_plain_safe(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else { return false };
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'/') {
        return false;
    }
    // Most of a ledger's text goes through here when it is written and again when it is read
    // back. The bytes are taken eight at a time without a branch between them (about twice as
    // fast as one by one), noting on the way whether there is a `:` at all; only then is the
    // `: ` a key would start looked for.
    let mut seen = 0u8;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let flags = w.iter().fold(0u8, |f, &c| f | BYTE[usize::from(c)]);
        if flags & NOT_PLAIN != 0 {
            return false;
        }
        seen |= flags;
    }
    seen |= words.remainder().iter().fold(0u8, |f, &c| f | BYTE[usize::from(c)]);
    if seen & NOT_PLAIN != 0 {
        return false;
    }
    if seen & COLON != 0 && memchr::memchr_iter(b':', b).any(|i| b.get(i + 1) == Some(&b' ')) {
        return false;
    }
    !(matches!(b[b.len() - 1], b' ' | b':') || is_reserved(b))
}

/// A word a YAML 1.1 or 1.2 reader may take for a boolean, a null or a number, in any case:
/// `y`, `n`, `yes`, `no`, `on`, `off`, `true`, `false`, `null`, `nan`, `inf`, `infinity`.
fn is_reserved(b: &[u8]) -> bool {
    // By length first: most scalars (and keys) of a ledger are not as long as any word.
    let is = |w: &[u8]| b.eq_ignore_ascii_case(w);
    match b.len() {
        1 => is(b"y") || is(b"n"),
        2 => is(b"no") || is(b"on"),
        3 => is(b"yes") || is(b"off") || is(b"nan") || is(b"inf"),
        4 => is(b"true") || is(b"null"),
        5 => is(b"false"),
        8 => is(b"infinity"),
        _ => false,
    }
}

/// [`BYTE`]: a byte a plain scalar may not hold.
const NOT_PLAIN: u8 = 1;
/// [`BYTE`]: a `:`.
const COLON: u8 = 2;

/// What [`is_plain_safe`] needs to know of each byte: [`NOT_PLAIN`] unless it is one a plain
/// scalar may hold (ASCII letters, digits, space and `_-./@+(),;=<>'!?%:`), and [`COLON`].
const BYTE: [u8; 256] = {
    let mut t = [NOT_PLAIN; 256];
    let mut b: u8 = 0;
    while b < 0x80 {
        if b.is_ascii_alphanumeric() {
            t[b as usize] = 0;
        }
        b += 1;
    }
    let extra = b" _-./@+(),;=<>'!?%:";
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = 0;
        i += 1;
    }
    t[b':' as usize] |= COLON;
    t
};

/// Why the layout's reader refused a text: where, and what it expected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LayoutError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (bytes).
    pub column: u32,
    /// What was expected there (or what the type refused).
    pub message: String,
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} column {}: {}", self.line, self.column, self.message)
    }
}

/// Read a document in the ledger layout (exactly what [`to_string`] writes) into a JSON value
/// (duplicate keys refused). Anything else — another indentation, flow collections, comments,
/// other escapes, a plain scalar that [`is_plain_safe`] would have quoted, a missing final
/// line break — is refused with its position.
///
/// # Errors
///
/// A [`LayoutError`] at the first byte that is not in the layout.
pub fn from_str(text: &str) -> Result<Value, LayoutError> {
    read(text, |de| crate::yaml::strict_value(de)).map(|(v, _)| v)
}

/// Read a document in the ledger layout straight into `T` (no intermediate tree), calling
/// `unknown` with the path of every field `T` does not hold.
///
/// # Errors
///
/// A [`LayoutError`] where the text leaves the layout or `T` refuses a value (wrong type,
/// missing or duplicate field).
pub fn from_str_typed<T: DeserializeOwned>(text: &str, unknown: &mut dyn FnMut(String)) -> Result<T, LayoutError> {
    from_str_typed_within(text, MAX_DEPTH, unknown)
}

/// [`from_str_typed`], refusing nesting deeper than `max_depth` levels (a collection's
/// elements are one level below it; the top-level mapping's values are at level 1).
///
/// # Errors
///
/// As [`from_str_typed`], and where the nesting goes deeper than `max_depth`.
pub fn from_str_typed_within<T: DeserializeOwned>(
    text: &str,
    max_depth: usize,
    unknown: &mut dyn FnMut(String),
) -> Result<T, LayoutError> {
    read_within(text, max_depth.min(MAX_DEPTH), |de| serde_ignored::deserialize(de, |p| unknown(p.to_string())))
        .map(|(v, _)| v)
}

/// Read a ledger in the ledger layout and prove that it holds exactly `expected`, without
/// building a second ledger: the same reader and the same typed deserialization as
/// [`from_str_typed`]`::<FindingsFile>`, but each finding is compared with `expected`'s finding
/// at the same index as soon as it is read, then dropped. `version`, `metadata` and `scans`
/// are read whole and compared; the number of findings must match; a key other than the
/// ledger's four, or one given twice, is refused; `unknown` is called with the path of every
/// nested field the ledger type does not hold.
///
/// `Ok(())` means the text reads back, through the strict reader, to a value equal to
/// `expected`, so the loader's checks may run on `expected` instead of on a copy read back.
///
/// # Errors
///
/// A [`LayoutError`] where the text leaves the layout, the ledger type refuses a value, or the
/// value read differs from `expected` (the position is the end of the differing entry).
pub fn check_findings_equal(
    text: &str,
    expected: &FindingsFile,
    unknown: &mut dyn FnMut(String),
) -> Result<(), LayoutError> {
    read(text, |de| {
        let mut on_unknown = |p: serde_ignored::Path<'_>| unknown(p.to_string());
        serde_ignored::Deserializer::new(de, &mut on_unknown).deserialize_map(LedgerEq { expected, part: Part::Whole })
    })
    .map(|_| ())
}

/// What [`check_findings_piece`] proved about one piece: which piece, the ledger's top-level
/// keys it held, and how many lines it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PieceRead {
    piece: Piece,
    keys: u8,
    lines: u32,
}

impl PieceRead {
    /// The piece read.
    pub fn piece(&self) -> Piece {
        self.piece
    }

    /// Its number of lines (every line of the layout ends with a line break).
    pub fn lines(&self) -> u32 {
        self.lines
    }
}

/// [`check_findings_equal`] for one piece of a ledger text ([`Piece`]), so that the pieces of
/// one text can be checked on several threads. The piece's text is read with the same strict
/// reader and typed deserialization, starting in the state the reader of the whole text is in
/// at the piece's first byte: the first piece from the start of the document up to the end of
/// its last finding, which must be the end of its text (a key after the `findings` sequence
/// is refused); any other piece inside the `findings` sequence at column 0, its findings
/// then (the last piece only) the rest of the top-level mapping to the end of the document.
/// Each finding is compared with `expected`'s finding at the same index and the piece must
/// hold exactly its findings `start..end`. Since the reader looks past a line break only to
/// measure the next line's indentation, and every nested collection of a finding ends at a
/// line at column 0 as it does at the end of the text, reading the pieces one after the other
/// makes exactly the decisions the reader of the joined text makes: every byte is read once.
///
/// Line numbers of the error are counted from the piece's first line (line 1): add the lines
/// of the pieces before it ([`LayoutError::after_lines`]). `unknown` gets the path of every
/// field the ledger type does not hold, as from the whole text.
///
/// # Errors
///
/// As [`check_findings_equal`], for this piece.
pub fn check_findings_piece(
    text: &str,
    expected: &FindingsFile,
    piece: Piece,
    unknown: &mut dyn FnMut(String),
) -> Result<PieceRead, LayoutError> {
    let findings = &expected.findings[..];
    if piece.total != findings.len() {
        return Err(LayoutError { line: 1, column: 1, message: "a piece of the merged ledger".to_owned() });
    }
    let (keys, lines) = if piece.is_first() {
        let part = if piece.is_last() { Part::Whole } else { Part::Head { end: piece.end } };
        read(text, |de| {
            let mut on_unknown = |p: serde_ignored::Path<'_>| unknown(p.to_string());
            serde_ignored::Deserializer::new(de, &mut on_unknown).deserialize_map(LedgerEq { expected, part })
        })?
    } else {
        read_from(text, |r| {
            let items = FindingsEq { all: findings, start: piece.start, end: piece.end, unknown: Some(&mut *unknown) };
            De { r: &mut *r, node: Node::Seq { col: 0 }, depth: 1 }.deserialize_seq(items)?;
            if !piece.is_last() {
                return Ok(0);
            }
            // The rest of the top-level mapping, at a line start between its entries.
            let mut on_unknown = |p: serde_ignored::Path<'_>| unknown(p.to_string());
            let rest = De { r, node: Node::Map { col: 0, inline: false }, depth: 0 };
            serde_ignored::Deserializer::new(rest, &mut on_unknown)
                .deserialize_map(LedgerEq { expected, part: Part::Tail })
        })?
    };
    Ok(PieceRead { piece, keys, lines })
}

/// Join what [`check_findings_piece`] proved about the pieces of one text, in order: they
/// must be the consecutive pieces of all of `expected`'s findings, and together hold each of
/// the ledger's top-level keys at most once, `version` and `metadata`, and `scans` unless the
/// ledger has none (the rules of [`check_findings_equal`]). With that, the joined text reads
/// back to exactly `expected`.
///
/// # Errors
///
/// A [`LayoutError`] at the end of the joined text.
pub fn check_findings_joined(expected: &FindingsFile, reads: &[PieceRead]) -> Result<(), LayoutError> {
    let lines: u32 = reads.iter().fold(0u32, |n, r| n.saturating_add(r.lines));
    let err = |message: String| LayoutError { line: lines.saturating_add(1), column: 1, message };
    let total = expected.findings.len();
    let mut next = 0;
    for r in reads {
        if r.piece.total != total || r.piece.start != next || (r.piece.end == next && total != 0) {
            return Err(err(format!("the piece of the findings from {next} on")));
        }
        next = r.piece.end;
    }
    if reads.is_empty() || next != total {
        return Err(err(format!("{next} findings written, the merged ledger holds {total}")));
    }
    if reads.len() == 1 {
        // The whole document, checked whole.
        return Ok(());
    }
    let (head, tail) = (reads[0].keys, reads[reads.len() - 1].keys);
    if reads[1..reads.len() - 1].iter().any(|r| r.keys != 0) {
        return Err(err("keys of the ledger only before and after its findings".to_owned()));
    }
    if let Some(&(_, key)) = KEYS.iter().find(|&&(bit, _)| head & tail & bit != 0) {
        return Err(err(format!("duplicate field `{key}`")));
    }
    let keys = head | tail;
    for (bit, key) in [(VERSION, "version"), (METADATA, "metadata"), (FINDINGS, FINDINGS_KEY)] {
        if keys & bit == 0 {
            return Err(err(format!("missing field `{key}`")));
        }
    }
    if keys & SCANS == 0 && !expected.scans.is_empty() {
        return Err(err("`scans` as written differs from the merged ledger".to_owned()));
    }
    Ok(())
}

impl LayoutError {
    /// The same error in a text that has `lines` more lines before it (a piece's error, in
    /// the whole text).
    #[must_use]
    pub fn after_lines(mut self, lines: u32) -> Self {
        self.line = self.line.saturating_add(lines);
        self
    }
}

/// The ledger's top-level keys, as bits.
const VERSION: u8 = 1;
const METADATA: u8 = 2;
const FINDINGS: u8 = 4;
const SCANS: u8 = 8;
const KEYS: [(u8, &str); 4] =
    [(VERSION, "version"), (METADATA, "metadata"), (FINDINGS, FINDINGS_KEY), (SCANS, "scans")];

/// Which part of a ledger's top-level mapping [`LedgerEq`] reads.
#[derive(Clone, Copy)]
enum Part {
    /// All of it.
    Whole,
    /// From the start to the end of finding `end - 1`, which must end the text.
    Head { end: usize },
    /// The entries after the `findings` sequence.
    Tail,
}

/// What [`check_findings_equal`] compares: a ledger mapping, entry by entry.
struct LedgerEq<'e> {
    expected: &'e FindingsFile,
    part: Part,
}

impl<'de> Visitor<'de> for LedgerEq<'_> {
    /// The keys read.
    type Value = u8;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the findings ledger")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u8, A::Error> {
        // Exhaustive: a new field of the ledger fails to compile here instead of going unchecked.
        let FindingsFile { version, metadata, findings, scans } = self.expected;
        // The part after the findings sequence: its key was read before.
        let mut seen = if matches!(self.part, Part::Tail) { FINDINGS } else { 0 };
        let once = |seen: &mut u8, bit: u8, key: &str| {
            if *seen & bit != 0 {
                return Err(de::Error::custom(format!("duplicate field `{key}`")));
            }
            *seen |= bit;
            Ok(())
        };
        let differs = |key: &str| de::Error::custom(format!("`{key}` as written differs from the merged ledger"));
        while let Some(key) = map.next_key::<String>()? {
            if let Part::Head { end } = self.part
                && seen & FINDINGS != 0
            {
                return Err(de::Error::custom(format!(
                    "the end of this piece of the ledger after finding {}, not `{key}`",
                    end.saturating_sub(1)
                )));
            }
            match &*key {
                "version" => {
                    once(&mut seen, VERSION, &key)?;
                    if map.next_value::<String>()? != *version {
                        return Err(differs(&key));
                    }
                }
                "metadata" => {
                    once(&mut seen, METADATA, &key)?;
                    if map.next_value::<FindingsMetadata>()? != *metadata {
                        return Err(differs(&key));
                    }
                }
                FINDINGS_KEY => {
                    once(&mut seen, FINDINGS, &key)?;
                    let end = if let Part::Head { end } = self.part { end } else { findings.len() };
                    map.next_value_seed(FindingsEq { all: findings, start: 0, end, unknown: None })?;
                }
                "scans" => {
                    once(&mut seen, SCANS, &key)?;
                    if map.next_value::<Vec<ScanRecord>>()? != *scans {
                        return Err(differs(&key));
                    }
                }
                other => return Err(de::Error::custom(format!("unknown field `{other}` of the ledger"))),
            }
        }
        match self.part {
            // The derived reader's rules: `version` and `metadata` are required, `findings`
            // and `scans` default to empty.
            Part::Whole => {
                if seen & VERSION == 0 {
                    return Err(de::Error::missing_field("version"));
                }
                if seen & METADATA == 0 {
                    return Err(de::Error::missing_field("metadata"));
                }
                if seen & FINDINGS == 0 && !findings.is_empty() {
                    return Err(differs(FINDINGS_KEY));
                }
                if seen & SCANS == 0 && !scans.is_empty() {
                    return Err(differs("scans"));
                }
            }
            // The first piece ends with its findings; the rules of the whole mapping are
            // checked when the pieces are joined.
            Part::Head { .. } if seen & FINDINGS == 0 => return Err(de::Error::missing_field(FINDINGS_KEY)),
            Part::Head { .. } => {}
            Part::Tail => seen &= !FINDINGS,
        }
        Ok(seen)
    }
}

/// The findings `start..end` of `all`, compared element by element as they are read from a
/// sequence that must hold exactly them. `unknown`: the sequence is read without the
/// unknown-field tracking of the document around it (a piece that starts inside it), so
/// each finding is tracked on its own, under its path in the whole document.
struct FindingsEq<'e, 'u> {
    all: &'e [Finding],
    start: usize,
    end: usize,
    unknown: Option<&'u mut dyn FnMut(String)>,
}

impl<'de> DeserializeSeed<'de> for FindingsEq<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FindingsEq<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a sequence of findings")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let (start, end, total) = (self.start, self.end, self.all.len());
        let mut i = start;
        loop {
            let f = match self.unknown.as_deref_mut() {
                None => seq.next_element::<Finding>()?,
                Some(unknown) => seq.next_element_seed(TrackedFinding { index: i, unknown })?,
            };
            let Some(f) = f else { break };
            match self.all.get(i) {
                _ if i >= end && end < total => {
                    return Err(de::Error::custom(format!(
                        "the end of the piece of findings {start}..{end}, not finding {i}"
                    )));
                }
                Some(e) if *e == f => i += 1,
                Some(_) => {
                    return Err(de::Error::custom(format!("finding {i} as written differs from the merged ledger")));
                }
                None => return Err(de::Error::custom(format!("finding {i} is not in the merged ledger"))),
            }
        }
        if i != end {
            return Err(de::Error::custom(if end == total {
                format!("{i} findings written, the merged ledger holds {total}")
            } else {
                format!("{i} findings written where the piece of findings {start}..{end} ends")
            }));
        }
        Ok(())
    }
}

/// A finding read with its own unknown-field tracking, reported under `findings.<index>`.
struct TrackedFinding<'u> {
    index: usize,
    unknown: &'u mut dyn FnMut(String),
}

impl<'de> DeserializeSeed<'de> for TrackedFinding<'_> {
    type Value = Finding;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Finding, D::Error> {
        let (index, unknown) = (self.index, self.unknown);
        let mut on_unknown = |p: serde_ignored::Path<'_>| unknown(format!("{FINDINGS_KEY}.{index}.{p}"));
        Finding::deserialize(serde_ignored::Deserializer::new(d, &mut on_unknown))
    }
}

/// Read a whole document: `f` gets its top-level mapping. Returns `f`'s value and the lines
/// read.
fn read<T>(text: &str, f: impl FnOnce(De<'_, '_>) -> Result<T, DeError>) -> Result<(T, u32), LayoutError> {
    read_within(text, MAX_DEPTH, f)
}

/// [`read`], refusing nesting deeper than `max_depth`.
fn read_within<T>(
    text: &str,
    max_depth: usize,
    f: impl FnOnce(De<'_, '_>) -> Result<T, DeError>,
) -> Result<(T, u32), LayoutError> {
    let r = Reader { s: text.as_bytes(), text, pos: 0, line: 1, line_start: 0, max_depth };
    if r.line_indent() != Some(0) {
        return Err(r.err("a mapping at column 1"));
    }
    read_from_within(text, max_depth, |r| f(De { r, node: Node::Map { col: 0, inline: false }, depth: 0 }))
}

/// Run `f` on a reader at the start of `text`, which must read all of it. Returns `f`'s
/// value and the lines read.
fn read_from<T>(text: &str, f: impl FnOnce(&mut Reader<'_>) -> Result<T, DeError>) -> Result<(T, u32), LayoutError> {
    read_from_within(text, MAX_DEPTH, f)
}

/// [`read_from`], refusing nesting deeper than `max_depth`.
fn read_from_within<T>(
    text: &str,
    max_depth: usize,
    f: impl FnOnce(&mut Reader<'_>) -> Result<T, DeError>,
) -> Result<(T, u32), LayoutError> {
    let mut r = Reader { s: text.as_bytes(), text, pos: 0, line: 1, line_start: 0, max_depth };
    let v = f(&mut r);
    match v {
        Ok(v) if r.pos == r.s.len() => Ok((v, r.line - 1)),
        Ok(_) => Err(r.err("the end of the document")),
        Err(DeError::Layout(e)) => Err(e),
        Err(DeError::Custom(m)) => Err(LayoutError { message: m, ..r.err("") }),
    }
}

/// The reader's error: the layout's own, or one the target type raised.
#[derive(Debug)]
enum DeError {
    Layout(LayoutError),
    Custom(String),
}

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Layout(e) => e.fmt(f),
            Self::Custom(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Custom(msg.to_string())
    }
}

impl From<LayoutError> for DeError {
    fn from(e: LayoutError) -> Self {
        Self::Layout(e)
    }
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
    /// Deepest nesting read.
    max_depth: usize,
}

/// A scalar or an empty collection, read to the end of its line.
enum Leaf<'a> {
    Null,
    Bool(bool),
    Num(&'a str),
    Plain(&'a str),
    Quoted(String),
    EmptyMap,
    EmptySeq,
}

/// The node the cursor is on.
enum Node<'a> {
    Leaf(Leaf<'a>),
    /// A mapping with entries at `col`; `inline`: the cursor is on its first key.
    Map {
        col: usize,
        inline: bool,
    },
    /// A sequence with dashes at `col` (the cursor is at the start of the first item's line).
    Seq {
        col: usize,
    },
}

impl<'a> Reader<'a> {
    fn err(&self, message: &str) -> LayoutError {
        let column = u32::try_from(self.pos - self.line_start + 1).unwrap_or(u32::MAX);
        LayoutError { line: self.line, column, message: message.to_owned() }
    }

    /// The indentation of the line starting at `pos` (which must be a line start), `None` at
    /// the end of the text.
    fn line_indent(&self) -> Option<usize> {
        if self.pos >= self.s.len() {
            return None;
        }
        Some(self.s[self.pos..].iter().take_while(|&&c| c == b' ').count())
    }

    fn newline(&mut self) -> Result<(), LayoutError> {
        if self.s.get(self.pos) != Some(&b'\n') {
            return Err(self.err("the end of the line"));
        }
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
        Ok(())
    }

    /// The node after `key:` or `-`: ` scalar\n`, or a line break and a nested mapping at
    /// column `col` or a nested sequence with its dashes at `seq_col`.
    fn value_start(&mut self, col: usize, seq_col: usize) -> Result<Node<'a>, LayoutError> {
        match self.s.get(self.pos) {
            Some(b' ') => {
                self.pos += 1;
                let v = self.leaf()?;
                self.newline()?;
                Ok(Node::Leaf(v))
            }
            Some(b'\n') => {
                self.newline()?;
                let n = self.line_indent();
                if n == Some(seq_col) && self.s.get(self.pos + seq_col) == Some(&b'-') {
                    Ok(Node::Seq { col: seq_col })
                } else if n == Some(col) && self.s.get(self.pos + col) != Some(&b'-') {
                    self.pos += col;
                    Ok(Node::Map { col, inline: true })
                } else {
                    Err(self.err("a nested mapping two spaces deeper, or a sequence at its place"))
                }
            }
            _ => Err(self.err("a space or a line break")),
        }
    }

    /// At a `-`: does the rest of the line start a mapping (`key:` then a space or the end of
    /// the line)? Plain scalars never hold `: ` nor end in `:`, and a quoted scalar ends at its
    /// closing quote, so the first such `:` decides.
    fn item_is_mapping(&self) -> bool {
        let rest = &self.s[self.pos + 1..];
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        let key_end = if line.first() == Some(&b'"') {
            let mut i = 1;
            loop {
                match line.get(i) {
                    Some(b'\\') => i += 2,
                    Some(b'"') => break i + 1,
                    Some(_) => i += 1,
                    None => return false,
                }
            }
        } else {
            match line.windows(2).position(|w| w == b": ") {
                Some(i) => i,
                None if line.last() == Some(&b':') => line.len() - 1,
                None => return false,
            }
        };
        line.get(key_end) == Some(&b':') && matches!(line.get(key_end + 1), None | Some(b' '))
    }

    /// A mapping key and its `:`: a quoted string, or a plain one.
    fn key(&mut self) -> Result<std::borrow::Cow<'a, str>, LayoutError> {
        let k = if self.s.get(self.pos) == Some(&b'"') {
            std::borrow::Cow::Owned(self.quoted()?)
        } else {
            let start = self.pos;
            let line_end = memchr::memchr(b'\n', &self.s[start..]).map_or(self.s.len(), |i| start + i);
            let line = &self.s[start..line_end];
            let end = match line.windows(2).position(|w| w == b": ") {
                Some(i) => start + i,
                None if line.last() == Some(&b':') => line_end - 1,
                None => return Err(self.err("a key followed by `:`")),
            };
            let k = self.text.get(start..end).ok_or_else(|| self.err("a key on a character boundary"))?;
            if !is_plain_safe(k) {
                return Err(self.err("a key that needs no quotes, or a quoted key"));
            }
            self.pos = end;
            std::borrow::Cow::Borrowed(k)
        };
        if self.s.get(self.pos) != Some(&b':') {
            return Err(self.err("`:` after a key"));
        }
        self.pos += 1;
        Ok(k)
    }

    /// A scalar or an empty collection, up to the end of the line.
    fn leaf(&mut self) -> Result<Leaf<'a>, LayoutError> {
        match self.s.get(self.pos) {
            Some(b'"') => return self.quoted().map(Leaf::Quoted),
            Some(b'{') if self.s.get(self.pos + 1) == Some(&b'}') => {
                self.pos += 2;
                return Ok(Leaf::EmptyMap);
            }
            Some(b'[') if self.s.get(self.pos + 1) == Some(&b']') => {
                self.pos += 2;
                return Ok(Leaf::EmptySeq);
            }
            _ => {}
        }
        let start = self.pos;
        let end = memchr::memchr(b'\n', &self.s[start..]).map_or(self.s.len(), |i| start + i);
        let t = self.text.get(start..end).ok_or_else(|| self.err("a value on a character boundary"))?;
        let v = match t {
            "null" => Leaf::Null,
            "true" => Leaf::Bool(true),
            "false" => Leaf::Bool(false),
            _ if is_json_number(t) => Leaf::Num(t),
            _ if is_plain_safe(t) => Leaf::Plain(t),
            _ => return Err(self.err("a scalar in the ledger layout (quote this string)")),
        };
        self.pos = end;
        Ok(v)
    }

    /// A double-quoted string with the layout's escapes only.
    fn quoted(&mut self) -> Result<String, LayoutError> {
        if self.s.get(self.pos) != Some(&b'"') {
            return Err(self.err("`\"`"));
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.s[self.pos..];
            let Some(i) = memchr::memchr2(b'"', b'\\', rest) else {
                return Err(self.err("a closing `\"` on the same line"));
            };
            let chunk =
                self.text.get(self.pos..self.pos + i).ok_or_else(|| self.err("a string on a character boundary"))?;
            if let Some(off) = chunk.char_indices().find(|&(_, c)| needs_escape(c)).map(|(o, _)| o) {
                self.pos += off;
                return Err(self.err("an escape instead of a control, bidi or line-separator character"));
            }
            out.push_str(chunk);
            self.pos += i;
            if self.s[self.pos] == b'"' {
                self.pos += 1;
                return Ok(out);
            }
            let c = match self.s.get(self.pos + 1) {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'n') => '\n',
                Some(b't') => '\t',
                Some(b'r') => '\r',
                Some(b'u') => {
                    let hex = self
                        .text
                        .get(self.pos + 2..self.pos + 6)
                        .filter(|h| h.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
                    match hex.and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32) {
                        Some(c) if needs_escape(c) && !matches!(c, '\n' | '\t' | '\r') => {
                            self.pos += 4;
                            c
                        }
                        _ => return Err(self.err("`\\u` and four upper-case hex digits of an escaped character")),
                    }
                }
                _ => return Err(self.err("one of the escapes \\\" \\\\ \\n \\t \\r \\uXXXX")),
            };
            out.push(c);
            self.pos += 2;
        }
    }
}

/// A deserializer on one node of the layout.
struct De<'r, 'a> {
    r: &'r mut Reader<'a>,
    node: Node<'a>,
    depth: usize,
}

impl<'de> de::Deserializer<'de> for De<'_, 'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.depth > self.r.max_depth {
            return Err(self.r.err("less nesting").into());
        }
        match self.node {
            Node::Leaf(Leaf::Null) => visitor.visit_unit(),
            Node::Leaf(Leaf::Bool(b)) => visitor.visit_bool(b),
            Node::Leaf(Leaf::Num(t)) => {
                let bad = || DeError::Layout(self.r.err("a number that fits its type"));
                if t.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                    visitor.visit_f64(t.parse::<f64>().map_err(|_| bad())?)
                } else if t.starts_with('-') {
                    visitor.visit_i64(t.parse::<i64>().map_err(|_| bad())?)
                } else {
                    visitor.visit_u64(t.parse::<u64>().map_err(|_| bad())?)
                }
            }
            Node::Leaf(Leaf::Plain(s)) => visitor.visit_borrowed_str(s),
            Node::Leaf(Leaf::Quoted(s)) => visitor.visit_string(s),
            Node::Leaf(Leaf::EmptyMap) => {
                visitor.visit_map(MapAcc { r: self.r, col: 0, first: false, depth: self.depth, empty: true })
            }
            Node::Leaf(Leaf::EmptySeq) => {
                visitor.visit_seq(SeqAcc { r: self.r, col: 0, depth: self.depth, empty: true })
            }
            Node::Map { col, inline } => {
                visitor.visit_map(MapAcc { r: self.r, col, first: inline, depth: self.depth, empty: false })
            }
            Node::Seq { col } => visitor.visit_seq(SeqAcc { r: self.r, col, depth: self.depth, empty: false }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node {
            Node::Leaf(Leaf::Null) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.node {
            Node::Leaf(Leaf::Plain(s)) => visitor.visit_enum(s.into_deserializer()),
            Node::Leaf(Leaf::Quoted(s)) => visitor.visit_enum(s.into_deserializer()),
            _ => Err(self.r.err("a string naming a variant").into()),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct MapAcc<'r, 'a> {
    r: &'r mut Reader<'a>,
    col: usize,
    first: bool,
    depth: usize,
    empty: bool,
}

impl<'de> MapAccess<'de> for MapAcc<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        if self.empty {
            return Ok(None);
        }
        if self.first {
            self.first = false;
        } else {
            match self.r.line_indent() {
                Some(n) if n == self.col => self.r.pos += n,
                Some(n) if n > self.col => {
                    self.r.pos += n;
                    return Err(self.r.err("a key at the mapping's indentation").into());
                }
                _ => return Ok(None),
            }
        }
        let key = self.r.key()?;
        seed.deserialize(de::value::CowStrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let node = self.r.value_start(self.col + 2, self.col)?;
        seed.deserialize(De { r: &mut *self.r, node, depth: self.depth + 1 })
    }
}

struct SeqAcc<'r, 'a> {
    r: &'r mut Reader<'a>,
    col: usize,
    depth: usize,
    empty: bool,
}

impl<'de> SeqAccess<'de> for SeqAcc<'_, 'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        if self.empty {
            return Ok(None);
        }
        let col = self.col;
        match self.r.line_indent() {
            Some(n) if n == col && self.r.s.get(self.r.pos + n) == Some(&b'-') => self.r.pos += n + 1,
            Some(n) if n > col => {
                self.r.pos += n;
                return Err(self.r.err("a sequence item `- ` at the sequence's indentation").into());
            }
            _ => return Ok(None),
        }
        // `- key: ...` opens a mapping whose entries are at col + 2.
        let node = if self.r.s.get(self.r.pos) == Some(&b' ') && self.r.item_is_mapping() {
            self.r.pos += 1;
            Node::Map { col: col + 2, inline: true }
        } else {
            self.r.value_start(col + 2, col + 2)?
        };
        seed.deserialize(De { r: &mut *self.r, node, depth: self.depth + 1 }).map(Some)
    }
}

/// JSON number syntax: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let s = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - s
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}
