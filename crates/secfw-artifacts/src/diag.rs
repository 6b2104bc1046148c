//! Located diagnostics: the one currency every secfw crate reports problems in.
//!
//! A [`Diagnostic`] carries a stable machine [`Code`], a [`Level`], the file it is about
//! (relative to the security workspace), a 1-based line and column when known, a message that
//! says what is wrong and a hint that says what to change. Cross-artifact problems add
//! [`Related`] locations so both sides of a mismatch are shown.

use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;

/// Define a crate's diagnostic codes and its `CATALOG` (code, title) in one place:
///
/// ```
/// secfw_artifacts::define_codes! {
///     SOMETHING_WRONG = "XX0001", "Something is wrong";
/// }
/// assert_eq!(SOMETHING_WRONG.as_str(), "XX0001");
/// assert_eq!(CATALOG.len(), 1);
/// ```
#[macro_export]
macro_rules! define_codes {
    ($( $(#[$m:meta])* $name:ident = $code:literal, $title:literal; )*) => {
        $( $(#[$m])* #[doc = $title] pub const $name: $crate::Code = $crate::Code($code); )*
        /// Every code of this crate with its title, in code order.
        pub const CATALOG: &[($crate::Code, &str)] = &[ $( ($name, $title), )* ];
    };
}

/// A stable diagnostic code such as `SF0102`.
///
/// Codes never change meaning once released; they are documented in `docs/diagnostics.md`.
/// The prefix names the area: `SF` artifacts, `GV` governance, `GT` gates, `SL` seal,
/// `LC` lifecycle, `IN` ingest, `EX` export, `MT` metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Code(pub &'static str);

impl Code {
    /// The code as a string, e.g. `"SF0102"`.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Level {
    /// The artifact is invalid; gates fail.
    Error,
    /// Worth fixing; does not fail a gate unless `--strict`.
    Warning,
    /// Information only.
    Note,
}

impl Level {
    /// Lower-case name as used in JSON output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Note => "note",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 1-based line and column in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default, JsonSchema)]
pub struct Pos {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}

impl Pos {
    /// A position from 1-based line and column.
    pub const fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

/// A secondary location attached to a diagnostic (the other side of a mismatch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct Related {
    /// File, relative to the workspace.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// What is at this location.
    pub message: String,
}

/// One located problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct Diagnostic {
    /// Stable machine code.
    pub code: Code,
    /// Error, warning or note.
    pub level: Level,
    /// File the problem is in, relative to the workspace root, with `/` separators.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// What to change.
    pub hint: Option<String>,
    /// Other locations involved (for example both sides of a cross-artifact mismatch).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// A new diagnostic with no location yet.
    pub fn new(code: Code, level: Level, file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            level,
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            hint: None,
            related: Vec::new(),
        }
    }

    /// An error-level diagnostic.
    pub fn error(code: Code, file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Level::Error, file, message)
    }

    /// A warning-level diagnostic.
    pub fn warning(code: Code, file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Level::Warning, file, message)
    }

    /// A note-level diagnostic.
    pub fn note(code: Code, file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(code, Level::Note, file, message)
    }

    /// Set the location.
    #[must_use]
    pub fn at(mut self, pos: Option<Pos>) -> Self {
        if let Some(p) = pos {
            self.line = Some(p.line);
            self.column = Some(p.column);
        }
        self
    }

    /// Set the hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Add a related location.
    #[must_use]
    pub fn with_related(mut self, file: impl Into<String>, pos: Option<Pos>, message: impl Into<String>) -> Self {
        self.related.push(Related {
            file: file.into(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            message: message.into(),
        });
        self
    }

    /// Change the level (for example warnings promoted to errors in strict mode).
    #[must_use]
    pub fn with_level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// The location, when known.
    pub fn pos(&self) -> Option<Pos> {
        match (self.line, self.column) {
            (Some(line), Some(column)) => Some(Pos { line, column }),
            (Some(line), None) => Some(Pos { line, column: 1 }),
            _ => None,
        }
    }

    /// `true` for error-level diagnostics.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `file:line:col: level[CODE]: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}[{}]: {}", self.level, self.code, self.message)
    }
}

/// What a person wrote in a file that secfw would lose by rewriting it: each key the file's
/// schema does not have (`SF0109`, a warning when the file is only read) is dropped by a
/// rewrite from the parsed model, without a word. Returned as errors, at the key, naming
/// `command`, for the caller to refuse the rewrite with. The one rule every command that
/// rewrites a person-edited file (the findings ledger) applies.
pub fn rewrite_would_lose(diags: &[Diagnostic], command: &str) -> Vec<Diagnostic> {
    diags
        .iter()
        .filter(|d| d.code == crate::codes::UNKNOWN_FIELD)
        .map(|d| {
            let mut e = d.clone();
            e.level = Level::Error;
            e.message = format!("{}: `{command}` rewrites this file and would drop it", d.message);
            e.hint = Some(
                "remove the key, or move what it says into a field of the schema (a finding's `description` or governance `tags`); nothing was written".to_owned(),
            );
            e
        })
        .collect()
}

/// Sort diagnostics deterministically: by file, line, column, code, message.
pub fn sort_diagnostics(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.code, &a.message).cmp(&(&b.file, b.line, b.column, b.code, &b.message))
    });
}

/// Counts of diagnostics by level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct Summary {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Number of notes.
    pub notes: usize,
}

impl Summary {
    /// Count the diagnostics.
    pub fn of(diags: &[Diagnostic]) -> Self {
        let mut s = Self::default();
        for d in diags {
            match d.level {
                Level::Error => s.errors += 1,
                Level::Warning => s.warnings += 1,
                Level::Note => s.notes += 1,
            }
        }
        s
    }
}
