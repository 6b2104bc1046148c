//! Rendering diagnostics for people: a `file:line:col` header, the source line with a caret,
//! the hint, and related locations (cargo-deny / rustc style). Returns text; never prints.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level as ALevel, Renderer, Snippet};

use crate::diag::{Diagnostic, Level};
use crate::source::SourceFile;

/// Render one diagnostic. `source` is the text of `diag.file` when available; `styled` adds ANSI
/// colours.
pub fn render(diag: &Diagnostic, source: Option<&SourceFile>, styled: bool) -> String {
    let level = match diag.level {
        Level::Error => ALevel::ERROR,
        Level::Warning => ALevel::WARNING,
        Level::Note => ALevel::NOTE,
    };
    let renderer = if styled { Renderer::styled() } else { Renderer::plain() };
    let title = diag.message.clone();
    let mut groups = Vec::new();
    let mut out = String::new();
    if let (Some(src), Some(line)) = (source, diag.line) {
        let offset = offset_of(&src.text, line, diag.column.unwrap_or(1));
        let rest = src.text.get(offset..).unwrap_or_default();
        let line_rest = rest.split_once('\n').map_or(rest, |(l, _)| l);
        let span = offset..offset + token_len(line_rest);
        let snippet = Snippet::source(src.text.as_str())
            .path(diag.file.as_str())
            .line_start(1)
            .annotation(AnnotationKind::Primary.span(span));
        let mut g = Group::with_title(level.primary_title(title).id(diag.code.as_str())).element(snippet);
        if let Some(h) = &diag.hint {
            g = g.element(ALevel::HELP.message(h.as_str()));
        }
        groups.push(g);
        out.push_str(&renderer.render(&groups));
    } else {
        let loc = match diag.line {
            Some(l) => format!("{}:{l}:{}", diag.file, diag.column.unwrap_or(1)),
            None => diag.file.clone(),
        };
        let _ = write!(out, "{}[{}]: {}\n  --> {loc}", diag.level, diag.code, diag.message);
        if let Some(h) = &diag.hint {
            let _ = write!(out, "\n  = help: {h}");
        }
    }
    for r in &diag.related {
        let loc = match r.line {
            Some(l) => format!("{}:{l}:{}", r.file, r.column.unwrap_or(1)),
            None => r.file.clone(),
        };
        let _ = write!(out, "\n  = note: {}: {loc}", r.message);
    }
    out.push('\n');
    out
}

/// Bytes to underline at the start of `s`: up to its trailing space, at least one character
/// (a line of only white space still gets a caret on a character boundary).
fn token_len(s: &str) -> usize {
    match s.trim_end().len() {
        0 => s.chars().next().map_or(0, char::len_utf8),
        n => n,
    }
}

/// Byte offset of a 1-based line and (character) column.
fn offset_of(text: &str, line: u32, column: u32) -> usize {
    match crate::source::lines(text).nth((line as usize).saturating_sub(1)) {
        Some((start, l)) => {
            let col = (column as usize).saturating_sub(1);
            start + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b)
        }
        None => text.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carets_stay_on_character_boundaries() {
        // A line of only multibyte white space (U+3000 is 3 bytes), a multibyte token, and a
        // column past the end: each renders its line with a caret, no panic.
        for (text, line, col) in [("\u{3000}\u{3000}\n", 1, 1), ("a: 😀é\n", 1, 4), ("é\n", 1, 9), ("x\r\n€", 2, 1)]
        {
            let src = SourceFile::new("f.yaml", text);
            let d = Diagnostic::error(crate::codes::INVALID_VALUE, "f.yaml", "bad")
                .at(Some(crate::diag::Pos::new(line, col)));
            let out = render(&d, Some(&src), false);
            assert!(out.contains("f.yaml:"), "{out}");
            assert!(out.contains('^'), "{out}");
        }
    }
}
