//! Shared Markdown machinery: comrak AST with source positions, and the "entry" grammar used
//! by `policy_map.md` and `exceptions.md`:
//!
//! ```markdown
//! ### POL-001: Title
//! - **Key**: value
//! - **List Key**:
//!   - item
//! ```

use comrak::nodes::{AstNode, NodeValue};
use comrak::{Arena, Options, parse_document};

use crate::diag::Pos;

/// Comrak options for artifacts: CommonMark + GFM tables, no raw HTML rendering.
pub fn options() -> Options<'static> {
    let mut o = Options::default();
    o.extension.table = true;
    o.extension.strikethrough = true;
    o
}

/// A bullet `- **Key**: value` with optional nested bullets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    /// The key as written (inside `**`), trimmed.
    pub key: String,
    /// Inline text after the colon, trimmed (may be empty when the value is a sub-list).
    pub value: String,
    /// Nested bullet items (text, position).
    pub items: Vec<(String, Pos)>,
    /// Position of the bullet.
    pub pos: Pos,
    /// Position of the value text (or of the bullet when empty).
    pub value_pos: Pos,
}

/// A `### ID: Title` heading with the bullets under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Heading level (3 for `###`).
    pub level: u8,
    /// The full heading text.
    pub heading: String,
    /// Heading position.
    pub pos: Pos,
    /// The `## ...` section the entry is in.
    pub section: String,
    /// Bullet fields in order.
    pub fields: Vec<Field>,
    /// Bullets that are not `**Key**: value` (text, position).
    pub stray: Vec<(String, Pos)>,
}

/// A `##` section with simple `- Key: value` bullets (e.g. `## Metadata`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Section {
    /// Section title.
    pub title: String,
    /// Heading position.
    pub pos: Pos,
    /// `Key: value` bullets (key, value, position).
    pub pairs: Vec<(String, String, Pos)>,
}

/// The parsed outline of an entry-style Markdown document.
#[derive(Clone, Debug, Default)]
pub(crate) struct Outline {
    /// The `#` title, if any.
    pub title: Option<String>,
    /// `##` sections with their simple bullets.
    pub sections: Vec<Section>,
    /// `###` (and deeper) headings with their bullets.
    pub entries: Vec<Entry>,
}

fn pos_of(node: &AstNode<'_>) -> Pos {
    let sp = node.data().sourcepos;
    Pos::new(
        u32::try_from(sp.start.line).unwrap_or(u32::MAX),
        u32::try_from(sp.start.column.max(1)).unwrap_or(u32::MAX),
    )
}

/// The plain text of inline content (text, code, emphasis, links), soft breaks as spaces.
pub(crate) fn inline_text<'a>(node: &'a AstNode<'a>) -> String {
    let mut s = String::new();
    collect_text(node, &mut s);
    s
}

fn collect_text<'a>(node: &'a AstNode<'a>, out: &mut String) {
    for child in node.children() {
        match &child.data().value {
            NodeValue::Text(t) => out.push_str(t),
            NodeValue::Code(c) => out.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => out.push(' '),
            NodeValue::HtmlInline(h) => out.push_str(h),
            NodeValue::List(_) => {}
            _ => collect_text(child, out),
        }
    }
}

/// Parse `text` into an [`Outline`].
pub(crate) fn outline(text: &str) -> Outline {
    let arena = Arena::new();
    let opts = options();
    let root = parse_document(&arena, text, &opts);
    let mut out = Outline::default();
    let mut section = String::new();
    let mut current: Option<Entry> = None;
    for node in root.children() {
        let value = node.data().value.clone();
        match value {
            NodeValue::Heading(h) => {
                let title = inline_text(node).trim().to_owned();
                if let Some(e) = current.take() {
                    out.entries.push(e);
                }
                match h.level {
                    1 => out.title = Some(title),
                    2 => {
                        section.clone_from(&title);
                        out.sections.push(Section { title, pos: pos_of(node), pairs: Vec::new() });
                    }
                    _ => {
                        current = Some(Entry {
                            level: h.level,
                            heading: title,
                            pos: pos_of(node),
                            section: section.clone(),
                            fields: Vec::new(),
                            stray: Vec::new(),
                        });
                    }
                }
            }
            NodeValue::List(_) => {
                if let Some(e) = current.as_mut() {
                    read_fields(node, e);
                } else if let Some(s) = out.sections.last_mut() {
                    for item in node.children() {
                        let t = item_text(item);
                        if let Some((k, v)) = t.split_once(':') {
                            s.pairs.push((k.trim().to_owned(), v.trim().to_owned(), pos_of(item)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(e) = current.take() {
        out.entries.push(e);
    }
    out
}

/// The text of a list item's first paragraph.
fn item_text<'a>(item: &'a AstNode<'a>) -> String {
    item.children()
        .find(|c| matches!(c.data().value, NodeValue::Paragraph))
        .map(|p| inline_text(p).trim().to_owned())
        .unwrap_or_default()
}

fn read_fields<'a>(list: &'a AstNode<'a>, entry: &mut Entry) {
    for item in list.children() {
        let pos = pos_of(item);
        let Some(para) = item.children().find(|c| matches!(c.data().value, NodeValue::Paragraph)) else {
            continue;
        };
        let first = para.first_child();
        let strong = first.filter(|f| matches!(f.data().value, NodeValue::Strong));
        let Some(strong) = strong else {
            entry.stray.push((inline_text(para).trim().to_owned(), pos));
            continue;
        };
        let key = inline_text(strong).trim().trim_end_matches(':').trim().to_owned();
        // Text after the strong node: ": value" (the colon may also be inside the bold).
        let mut rest = String::new();
        let mut value_pos = pos;
        let mut sib = strong.next_sibling();
        let mut first_rest = true;
        while let Some(n) = sib {
            if first_rest {
                value_pos = pos_of(n);
                first_rest = false;
            }
            match &n.data().value {
                NodeValue::Text(t) => rest.push_str(t),
                NodeValue::Code(c) => rest.push_str(&c.literal),
                NodeValue::SoftBreak | NodeValue::LineBreak => rest.push(' '),
                _ => rest.push_str(&inline_text(n)),
            }
            sib = n.next_sibling();
        }
        let value = rest.trim().trim_start_matches(':').trim().to_owned();
        if !value.is_empty() {
            // Point at the value itself, not at the `: ` before it.
            if let Some((before, _)) = rest.split_once(value.as_str()) {
                value_pos.column += u32::try_from(before.chars().count()).unwrap_or(0);
            }
        }
        let mut items = Vec::new();
        for sub in item.children().filter(|c| matches!(c.data().value, NodeValue::List(_))) {
            for si in sub.children() {
                items.push((item_text(si), pos_of(si)));
            }
        }
        entry.fields.push(Field { key, value, items, pos, value_pos });
    }
}

/// Split an inline list value: `["a", "b"]`, `[a, b]` or `a, b`.
pub(crate) fn split_list(value: &str) -> Vec<String> {
    let v = value.trim();
    let v = v.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(v);
    v.split([',', ';'])
        .map(|s| s.trim().trim_matches(|c| c == '"' || c == '\'' || c == '`').trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `true` when `id` is `PREFIX-digits` with the given prefix (e.g. `POL-001`).
pub fn is_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Escape text for use inside a GFM table cell or inline Markdown (also at the start of a
/// line, where `-`, `+`, `1.` would open a list).
pub fn escape_inline(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 4);
    let after_digits = text.trim_start_matches(|c: char| c.is_ascii_digit());
    let digits = text.strip_suffix(after_digits).unwrap_or_default();
    let text = if text.starts_with(['-', '+', '=']) {
        s.push('\\');
        text
    } else if !digits.is_empty() && after_digits.starts_with(['.', ')']) {
        s.push_str(digits);
        s.push('\\');
        after_digits
    } else {
        text
    };
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                s.push('\\');
                s.push(c);
            }
            '\n' | '\r' => s.push(' '),
            _ => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_values_and_sub_items_are_read_with_positions() {
        let md = "## Cat\n\n### POL-001: T\n- **Severity**: Critical\n- **Controls**:\n  - CTL-001: x\n  - CTL-002: y\n- plain bullet\n";
        let o = outline(md);
        assert_eq!(o.entries.len(), 1);
        let e = &o.entries[0];
        assert_eq!((e.heading.as_str(), e.pos, e.section.as_str()), ("POL-001: T", Pos::new(3, 1), "Cat"));
        assert_eq!(e.fields[0].key, "Severity");
        assert_eq!(e.fields[0].value, "Critical");
        assert_eq!(e.fields[0].pos, Pos::new(4, 1));
        assert_eq!(
            e.fields[1].items,
            vec![("CTL-001: x".to_owned(), Pos::new(6, 3)), ("CTL-002: y".to_owned(), Pos::new(7, 3))]
        );
        assert_eq!(e.stray.len(), 1);
    }

    #[test]
    fn lists_split_in_every_written_form() {
        assert_eq!(split_list(r#"["encryption", "PII"]"#), vec!["encryption", "PII"]);
        assert_eq!(split_list("PII, auth"), vec!["PII", "auth"]);
        assert!(is_id("POL-001", "POL") && !is_id("POL-", "POL") && !is_id("POL-1a", "POL"));
    }
}
