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
        let end = src.text[offset..].find('\n').map_or(src.text.len(), |n| offset + n).max(offset);
        let span =
            if end > offset { offset..end.min(offset + token_len(&src.text[offset..end])) } else { offset..offset };
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

fn token_len(s: &str) -> usize {
    let n = s.trim_end().len();
    n.max(1).min(s.len())
}

/// Byte offset of a 1-based line and (character) column.
fn offset_of(text: &str, line: u32, column: u32) -> usize {
    match crate::source::line_spans(text).nth((line as usize).saturating_sub(1)) {
        Some((start, end)) => {
            let l = &text[start..end];
            let col = (column as usize).saturating_sub(1);
            start + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b)
        }
        None => text.len(),
    }
}
