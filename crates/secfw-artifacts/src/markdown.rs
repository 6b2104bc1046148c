//! Shared Markdown machinery: comrak AST with source positions, and the "entry" grammar used
//! by `policy_map.md` and `exceptions.md`:
//!
//! ```markdown
//! ### POL-001: Title
//! - **Key**: value
//! - **List Key**:
//!   - item
//! ```

use std::fmt::Write as _;

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
    /// Markup anywhere in the bullet (key, value, sub-bullets) that strikes or hides text, so
    /// that what a reader sees is not what the text says ([`hidden_markup`]): what it is, where.
    pub hidden: Vec<(String, Pos)>,
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
    /// The section the entry is in: the title of the last heading before it that renders at
    /// level 1 or 2 (other than the document title), empty when there is none.
    pub section: String,
    /// Position of that section heading (`None` when the entry is under no section).
    pub section_pos: Option<Pos>,
    /// The headings deeper than level 2 that this entry is nested under, outermost first
    /// (level, text, position): every heading since the section heading with a lower level than
    /// the entry's and than the headings after it (`### Revoked Exceptions` above
    /// `#### EXC-010: ...`).
    pub parents: Vec<(u8, String, Pos)>,
    /// Markup that strikes or hides the heading, or an HTML block that strikes or hides a part of
    /// the entry (see [`Field::hidden`]).
    pub hidden: Vec<(String, Pos)>,
    /// The HTML `<details>` elements the entry heading is inside, outermost first: the text of
    /// each one's `<summary>` (`Details`, as browsers show it, when it has none) and where it
    /// opens. A reader sees the summary as the title of what is collapsed under it.
    pub containers: Vec<(String, Pos)>,
    /// Text that renders like a heading over the entry without being one: a top-level paragraph
    /// (or HTML block) of only bold or italic text (`**Revoked Exceptions**`) since the section
    /// heading, above the entry or between its heading and its bullets, and the `<summary>` of a
    /// `<details>` element opened inside the entry. Text and position, in document order.
    pub labels: Vec<(String, Pos)>,
    /// Bullet fields in order.
    pub fields: Vec<Field>,
    /// Bullets that are not `**Key**: value` (text, position).
    pub stray: Vec<(String, Pos)>,
}

/// A section with simple `- Key: value` bullets (e.g. `## Metadata`): a heading that renders
/// at level 1 or 2, other than the document title.
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
    /// The document title: the first heading, when it renders at level 1.
    pub title: Option<String>,
    /// Position of the title heading.
    pub title_pos: Option<Pos>,
    /// Sections (see [`Section`]) with their simple bullets.
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

/// Builds an [`Outline`] from the headings as they render, in document order.
#[derive(Default)]
struct OutlineBuilder {
    out: Outline,
    section: String,
    section_pos: Option<Pos>,
    current: Option<Entry>,
    /// A heading was seen: a later level-1 heading is a section, not the title.
    seen_heading: bool,
    /// Headings deeper than level 2 since the last section heading, outermost first.
    deeper: Vec<(u8, String, Pos)>,
    /// A top-level HTML block opened an element that strikes or hides what follows (`<del>`,
    /// `<div hidden>`) and no later block closed an element: what it is, where.
    hiding: Option<(String, Pos, String)>,
    /// Bold- or italic-only paragraphs since the last section heading ([`Entry::labels`]).
    labels: Vec<(String, Pos)>,
    /// The `<details>` elements open here, outermost first: summary text (once seen), position.
    details: Vec<(Option<String>, Pos)>,
    /// Indices in `details` of the elements opened while the current entry was read and no
    /// heading since: closed before the next heading, they are part of the entry and label it.
    pending: Vec<usize>,
}

impl OutlineBuilder {
    /// A heading that renders at `level` with the visible text `title`.
    ///
    /// The first heading of the document, when it is at level 1, is the title; every other
    /// heading at level 1 or 2 starts a section; deeper headings start an entry, nested under
    /// the deeper headings before it with a lower level ([`Entry::parents`]). `hidden` is markup
    /// that strikes or hides the heading.
    fn heading(&mut self, level: u8, title: String, pos: Pos, mut hidden: Vec<(String, Pos)>) {
        if let Some(e) = self.current.take() {
            self.out.entries.push(e);
        }
        // A `<details>` open across this heading holds it: it is a container, not part of the entry.
        self.pending.clear();
        let first = !self.seen_heading;
        self.seen_heading = true;
        match level {
            1 if first => {
                self.out.title = Some(title);
                self.out.title_pos = Some(pos);
            }
            1 | 2 => {
                self.section.clone_from(&title);
                self.section_pos = Some(pos);
                self.deeper.clear();
                self.labels.clear();
                self.out.sections.push(Section { title, pos, pairs: Vec::new() });
            }
            _ => {
                self.deeper.retain(|(l, _, _)| *l < level);
                hidden.extend(self.hiding.as_ref().map(|(w, p, _)| (w.clone(), *p)));
                self.current = Some(Entry {
                    level,
                    heading: title.clone(),
                    pos,
                    section: self.section.clone(),
                    section_pos: self.section_pos,
                    parents: self.deeper.clone(),
                    hidden,
                    containers: self.details.iter().map(details_label).collect(),
                    labels: self.labels.clone(),
                    fields: Vec::new(),
                    stray: Vec::new(),
                });
                self.deeper.push((level, title, pos));
            }
        }
    }

    /// Text that renders like a heading without being one ([`Entry::labels`]): it labels the
    /// entries after it in its section, and the current entry while it has no bullets yet.
    fn label(&mut self, text: String, pos: Pos) {
        if let Some(e) = self.current.as_mut().filter(|e| e.fields.is_empty() && e.stray.is_empty()) {
            e.labels.push((text.clone(), pos));
        }
        self.labels.push((text, pos));
    }

    fn finish(mut self) -> Outline {
        // Still open at the end of the document, with no heading since: part of the last entry.
        if let Some(e) = self.current.as_mut() {
            e.labels.extend(self.pending.iter().filter_map(|d| self.details.get(*d)).map(details_label));
        }
        if let Some(e) = self.current.take() {
            self.out.entries.push(e);
        }
        self.out
    }
}

/// Parse `text` into an [`Outline`].
///
/// Headings are taken as a reader sees them rendered, so that a heading cannot look like one
/// thing to a reviewer and read as another to secfw:
///
/// - ATX (`## T`) and setext (`T` underlined with `===` / `---`) headings at the top level;
/// - HTML headings `<h1>`..`<h6>` in HTML blocks and in top-level paragraphs' inline HTML
///   (`<h1>`/`<h2>` start a section, `<h3>`..`<h6>` an entry, like their Markdown levels);
///   headings inside HTML comments are not rendered and not read;
/// - a heading at level 1 or 2 nested in a block quote or list (Markdown or HTML) also starts a
///   section; deeper nested headings are ignored, as entries are only read at the top level.
///
/// Section titles are the visible text: inline HTML tags are dropped, entities decoded.
pub(crate) fn outline(text: &str) -> Outline {
    let arena = Arena::new();
    let opts = options();
    let root = parse_document(&arena, text, &opts);
    let mut b = OutlineBuilder::default();
    for node in root.children() {
        let value = node.data().value.clone();
        match value {
            NodeValue::Heading(h) => {
                let title = if h.level <= 2 { visible_text(node) } else { inline_text(node) };
                b.heading(h.level, title.trim().to_owned(), pos_of(node), hidden_markup(node));
            }
            NodeValue::HtmlBlock(html) => {
                for (level, title, pos, hidden) in html_headings(&html.literal, pos_of(node)) {
                    b.heading(level, title, pos, hidden);
                }
                block_hiding(&html.literal, pos_of(node), &mut b);
                track_details(&html.literal, pos_of(node), &mut b);
                if let Some(label) = emphasis_label(&html.literal) {
                    b.label(label, pos_of(node));
                }
            }
            NodeValue::Paragraph => {
                for (level, title, pos, hidden) in paragraph_html_headings(node) {
                    b.heading(level, title, pos, hidden);
                }
                let mut html = String::new();
                paragraph_as_html(node, &mut html);
                if node.children().any(|c| matches!(c.data().value, NodeValue::HtmlInline(_))) {
                    track_details(&html, pos_of(node), &mut b);
                }
                if let Some(label) = emphasis_label(&html) {
                    b.label(label, pos_of(node));
                }
            }
            NodeValue::List(_) => {
                if let Some(e) = b.current.as_mut() {
                    if let Some((w, p, _)) = &b.hiding {
                        let h = (w.clone(), *p);
                        if !e.hidden.contains(&h) {
                            e.hidden.push(h);
                        }
                    }
                    read_fields(node, e);
                } else if let Some(s) = b.out.sections.last_mut() {
                    for item in node.children() {
                        let t = item_text(item);
                        if let Some((k, v)) = t.split_once(':') {
                            s.pairs.push((k.trim().to_owned(), v.trim().to_owned(), pos_of(item)));
                        }
                    }
                }
                nested_sections(node, &mut b);
            }
            NodeValue::CodeBlock(_) => {}
            _ => nested_sections(node, &mut b),
        }
    }
    b.finish()
}

/// Headings at level 1 or 2 nested anywhere inside the container `node` start sections.
fn nested_sections<'a>(node: &'a AstNode<'a>, b: &mut OutlineBuilder) {
    for d in node.descendants().skip(1) {
        let found = match &d.data().value {
            NodeValue::Heading(h) if h.level <= 2 => {
                vec![(h.level, visible_text(d).trim().to_owned(), pos_of(d), Vec::new())]
            }
            NodeValue::HtmlBlock(html) => html_headings(&html.literal, pos_of(d)),
            NodeValue::Paragraph => paragraph_html_headings(d),
            _ => Vec::new(),
        };
        for (_, title, pos, _) in found.into_iter().filter(|(l, _, _, _)| *l <= 2) {
            // Never the document title: a quoted or listed heading is inside the document.
            b.heading(2, title, pos, Vec::new());
        }
    }
}

/// An HTML heading: level, visible text, position, and markup in it that strikes or hides text.
type HtmlHeading = (u8, String, Pos, Vec<(String, Pos)>);

/// HTML headings written with inline HTML in a paragraph (e.g. `<span><h2>T</h2></span>`).
fn paragraph_html_headings<'a>(para: &'a AstNode<'a>) -> Vec<HtmlHeading> {
    if !para.children().any(|c| matches!(c.data().value, NodeValue::HtmlInline(_))) {
        return Vec::new();
    }
    // The paragraph as HTML: tags verbatim, text re-escaped so decoded `&lt;h2&gt;` stays text.
    let mut html = String::new();
    for d in para.descendants().skip(1) {
        match &d.data().value {
            NodeValue::HtmlInline(h) => html.push_str(h),
            NodeValue::Text(t) => html.push_str(&t.replace('&', "&amp;").replace('<', "&lt;")),
            NodeValue::Code(c) => html.push_str(&c.literal.replace('&', "&amp;").replace('<', "&lt;")),
            NodeValue::SoftBreak | NodeValue::LineBreak => html.push(' '),
            _ => {}
        }
    }
    // Struck-through Markdown inside the paragraph strikes the headings written in it.
    let struck: Vec<(String, Pos)> = hidden_markup(para).into_iter().filter(|(w, _)| !w.starts_with("HTML")).collect();
    html_headings(&html, pos_of(para))
        .into_iter()
        .map(|(l, t, _, mut h)| {
            h.extend(struck.iter().cloned());
            (l, t, pos_of(para), h)
        })
        .collect()
}

/// `s` from byte `i` on (empty past the end or off a character boundary).
fn tail(s: &str, i: usize) -> &str {
    s.get(i..).unwrap_or_default()
}

/// The `<h1>`..`<h6>` headings in a piece of HTML starting at `at`: (level, visible text,
/// position, markup in it that strikes or hides text). Comments are skipped; a heading runs to
/// its closing tag (or the end).
fn html_headings(html: &str, at: Pos) -> Vec<HtmlHeading> {
    let lower = html.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = tail(&lower, i).find('<') {
        let start = i + k;
        if tail(&lower, start).starts_with("<!--") {
            i = tail(&lower, start + 4).find("-->").map_or(lower.len(), |e| start + 4 + e + 3);
            continue;
        }
        let level = b.get(start + 2).copied().filter(|d| (b'1'..=b'6').contains(d));
        let boundary = b.get(start + 3).is_none_or(|c| c.is_ascii_whitespace() || *c == b'>' || *c == b'/');
        let (true, Some(level), true) = (b.get(start + 1) == Some(&b'h'), level, boundary) else {
            i = start + 1;
            continue;
        };
        let open_end = tail(&lower, start).find('>').map_or(lower.len(), |e| start + e + 1);
        let close = find_heading_close(&lower, open_end);
        let inner = html.get(open_end..close).unwrap_or_default();
        let pos = offset_pos(html, at, start);
        let hidden = hiding_tag(inner, true).map(|w| (w, pos)).into_iter().collect();
        out.push((level - b'0', html_text(inner), pos, hidden));
        i = close.max(start + 1);
    }
    out
}

/// The position of byte `i` of a piece of HTML that starts at `at`.
fn offset_pos(html: &str, at: Pos, i: usize) -> Pos {
    let before = html.get(..i).unwrap_or_default();
    let line = at.line.saturating_add(u32::try_from(before.matches('\n').count()).unwrap_or(u32::MAX));
    let column = if line == at.line {
        at.column.saturating_add(u32::try_from(before.chars().count()).unwrap_or(0))
    } else {
        u32::try_from(before.rsplit('\n').next().unwrap_or_default().chars().count() + 1).unwrap_or(1)
    };
    Pos::new(line, column)
}

/// Where the heading whose content starts at `from` ends: its closing `</hN>` (any level, as
/// browsers close it), or the end.
fn find_heading_close(lower: &str, from: usize) -> usize {
    let b = lower.as_bytes();
    let mut i = from;
    while let Some(k) = tail(lower, i).find("</h") {
        let at = i + k;
        if b.get(at + 3).is_some_and(|d| (b'1'..=b'6').contains(d)) {
            return at;
        }
        i = at + 3;
    }
    lower.len()
}

/// The visible text of an HTML fragment: comments and tags dropped, entities decoded (as comrak
/// decodes them), whitespace collapsed.
pub(crate) fn html_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some((before, after)) = rest.split_once('<') {
        text.push_str(before);
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.split_once("-->").map_or("", |(_, r)| r);
        } else if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/') {
            rest = after.split_once('>').map_or("", |(_, r)| r);
        } else {
            text.push('<');
            rest = after;
        }
    }
    text.push_str(rest);
    decode_entities(&text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decode HTML character references exactly as comrak does in Markdown text: the text is
/// parsed as one Markdown paragraph with every other ASCII punctuation character escaped.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut md = String::from("x ");
    for c in text.chars() {
        match c {
            '\n' | '\r' => md.push(' '),
            '&' | '#' | ';' => md.push(c),
            c if c.is_ascii_punctuation() => {
                md.push('\\');
                md.push(c);
            }
            c => md.push(c),
        }
    }
    let arena = Arena::new();
    let root = parse_document(&arena, &md, &options());
    let decoded = root.first_child().map(|p| inline_text(p)).unwrap_or_default();
    decoded.strip_prefix("x ").map_or(decoded.clone(), str::to_owned)
}

/// The text a reader sees in a heading: like [`inline_text`], but inline HTML tags (which render
/// as nothing, e.g. `Re<span></span>voked`) are dropped.
fn visible_text<'a>(node: &'a AstNode<'a>) -> String {
    let mut s = String::new();
    for d in node.descendants().skip(1) {
        match &d.data().value {
            NodeValue::Text(t) => s.push_str(t),
            NodeValue::Code(c) => s.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => s.push(' '),
            _ => {}
        }
    }
    s
}

/// Whether `c` renders as nothing: Unicode format characters (general category Cf: soft hyphen,
/// zero-width space/joiners, bidi marks and embeddings, word joiner, invisible operators, BOM,
/// tags, ...) and the other default-ignorable characters (combining grapheme joiner, Hangul
/// fillers, variation selectors, Mongolian and Khmer invisibles). The one list secfw uses:
/// exception headings, and advisory ids in ingest.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        // General category Cf (Unicode 15.1).
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
            // Other default-ignorable code points that render as nothing.
            | '\u{034F}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180D}'
            | '\u{180F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFA0}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// A heading title as compared by meaning: invisible characters ([`is_invisible`]) removed,
/// every run of whitespace (including no-break and braille blank) one space, lowercased.
pub(crate) fn heading_key(title: &str) -> String {
    let mut s = String::with_capacity(title.len());
    let mut space = true;
    for c in title.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() || c == '\u{2800}' {
            if !space {
                s.push(' ');
                space = true;
            }
            continue;
        }
        s.extend(c.to_lowercase());
        space = false;
    }
    if s.ends_with(' ') {
        s.pop();
    }
    s
}

/// HTML elements that only format text and never strike or hide it, when written without
/// attributes. Any other inline HTML in an entry (`<s>`, `<del>`, `<strike>`, `<span hidden>`,
/// `<font color=white>`, `<details>`, ...) is reported by [`hidden_markup`].
const PLAIN_TAGS: [&str; 15] =
    ["b", "strong", "i", "em", "code", "kbd", "samp", "var", "br", "wbr", "sub", "sup", "u", "mark", "small"];

/// HTML elements that strike their content through.
const STRUCK_TAGS: [&str; 3] = ["s", "del", "strike"];

/// The first HTML tag in `html` (comments skipped) that may strike or hide text: with
/// `strict`, any opening tag other than a [`PLAIN_TAGS`] element without attributes (and any
/// declaration or processing instruction); otherwise only [`STRUCK_TAGS`] and elements with a
/// `hidden` or `style` attribute. Closing tags hide nothing by themselves.
fn hiding_tag(html: &str, strict: bool) -> Option<String> {
    for tag in html_tags(html) {
        if tag.starts_with('/') {
            continue;
        }
        if tag.starts_with(['!', '?']) {
            if strict {
                return Some(format!("HTML `<{}>`", tag.chars().take(40).collect::<String>()));
            }
            continue;
        }
        let name_len = tag.find(|c: char| !c.is_ascii_alphanumeric() && c != '-').unwrap_or(tag.len());
        if name_len == 0 {
            continue;
        }
        let (name, attrs) = tag.split_at_checked(name_len).unwrap_or((tag, ""));
        let name = name.to_ascii_lowercase();
        let attrs = attrs.trim().trim_end_matches('/').trim().to_ascii_lowercase();
        let hides = if strict {
            !PLAIN_TAGS.contains(&name.as_str()) || !attrs.is_empty()
        } else {
            STRUCK_TAGS.contains(&name.as_str()) || attrs.contains("hidden") || attrs.contains("style")
        };
        if hides {
            let shown: String = tag.chars().take(60).collect();
            return Some(format!("HTML `<{shown}>`"));
        }
    }
    None
}

/// The tags of an HTML fragment, each the text between `<` and `>` (the rest of the text when a
/// tag is not closed), comments skipped.
fn html_tags(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || {
        loop {
            let (_, after) = rest.split_once('<')?;
            if let Some(comment) = after.strip_prefix("!--") {
                rest = comment.split_once("-->").map_or("", |(_, r)| r);
                continue;
            }
            let (tag, next) = after.split_once('>').unwrap_or((after, ""));
            rest = next;
            return Some(tag);
        }
    })
}

/// Markup under `node` (itself included) that strikes or hides text, so that secfw would read
/// text a reader sees struck out or does not see at all: struck-through text (`~~…~~`), an image
/// (secfw would read its alt text), a link whose target is not what its text shows
/// ([`mismatched_link`]: `[risk@x](mailto:ciso@x)`, a link with no text), and inline HTML or an HTML block other than comments and
/// [`PLAIN_TAGS`] formatting (`<s>`, `<del>`, `<strike>`, `<span hidden>`, ...). What it is,
/// where.
pub(crate) fn hidden_markup<'a>(node: &'a AstNode<'a>) -> Vec<(String, Pos)> {
    let mut out = Vec::new();
    for d in node.descendants() {
        let what = match &d.data().value {
            NodeValue::Strikethrough => Some("struck-through text (`~~…~~`)".to_owned()),
            NodeValue::Image(_) => Some("an image (its alt text is not what a reader sees)".to_owned()),
            NodeValue::HtmlInline(h) => hiding_tag(h, true),
            NodeValue::HtmlBlock(h) => hiding_tag(&h.literal, true),
            NodeValue::Link(l) => mismatched_link(d, &l.url),
            _ => None,
        };
        if let Some(w) = what {
            out.push((w, pos_of(d)));
        }
    }
    out
}

/// The elements striking or hiding what follows them (`<del>`, `<s>`, `<strike>`, `<div
/// hidden>`, `<div style=...>`) that `html` opens and does not close, and the element names it
/// closes, in order.
fn unclosed_hiding(html: &str) -> (Vec<(String, String)>, Vec<String>) {
    let (mut open, mut closed) = (Vec::new(), Vec::new());
    for tag in html_tags(html) {
        let (closing, body) = tag.strip_prefix('/').map_or((false, tag), |t| (true, t));
        let name_len = body.find(|c: char| !c.is_ascii_alphanumeric() && c != '-').unwrap_or(body.len());
        let name = body.get(..name_len).unwrap_or_default().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        if closing {
            match open.iter().rposition(|(n, _): &(String, String)| *n == name) {
                Some(i) => {
                    open.remove(i);
                }
                None => closed.push(name),
            }
        } else if let Some(what) = hiding_tag(&format!("<{tag}>"), false) {
            open.push((name, what));
        }
    }
    (open, closed)
}

/// A top-level HTML block at `at`: one that opens an element striking or hiding what follows
/// and does not close it (`<del>` on a line of its own) strikes the entry it is in and every
/// entry and bullet list after it, until an HTML block closes that element (leaning wide: a
/// struck entry is refused, loudly).
fn block_hiding(html: &str, at: Pos, b: &mut OutlineBuilder) {
    let (open, closed) = unclosed_hiding(html);
    if b.hiding.as_ref().is_some_and(|(_, _, name)| closed.contains(name)) {
        b.hiding = None;
    }
    if let Some((name, what)) = open.into_iter().next() {
        if let Some(e) = b.current.as_mut() {
            e.hidden.push((what.clone(), at));
        }
        b.hiding = Some((what, at, name));
    }
}

/// A paragraph as HTML, as it renders: bold as `<b>`, italics as `<i>`, other inline containers
/// (links, struck text) as `<span>`, inline HTML verbatim, text escaped.
fn paragraph_as_html<'a>(node: &'a AstNode<'a>, out: &mut String) {
    for c in node.children() {
        match &c.data().value {
            NodeValue::Text(t) => out.push_str(&t.replace('&', "&amp;").replace('<', "&lt;")),
            NodeValue::Code(code) => out.push_str(&code.literal.replace('&', "&amp;").replace('<', "&lt;")),
            NodeValue::HtmlInline(h) => out.push_str(h),
            NodeValue::SoftBreak | NodeValue::LineBreak => out.push(' '),
            value => {
                let tag = match value {
                    NodeValue::Strong => "b",
                    NodeValue::Emph => "i",
                    _ => "span",
                };
                let _ = write!(out, "<{tag}>");
                paragraph_as_html(c, out);
                let _ = write!(out, "</{tag}>");
            }
        }
    }
}

/// HTML elements that make the text in them look like a heading when it is all there is.
const EMPHASIS_TAGS: [&str; 4] = ["b", "strong", "i", "em"];

/// The visible text of a piece of HTML that shows only bold or italic text (`<b>Revoked</b>`,
/// a paragraph `**Revoked Exceptions**`), which a reader takes for a heading; `None` when any
/// visible text is outside bold or italics, or it holds a heading or a `<details>` element (read
/// as such).
fn emphasis_label(html: &str) -> Option<String> {
    let mut depth = 0usize;
    let mut rest = html;
    loop {
        let (text, after) = rest.split_once('<').unwrap_or((rest, ""));
        if depth == 0 && !html_text(text).is_empty() {
            return None;
        }
        if after.is_empty() {
            break;
        }
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.split_once("-->").map_or("", |(_, r)| r);
            continue;
        }
        let (tag, next) = after.split_once('>').unwrap_or((after, ""));
        rest = next;
        let (closing, body) = tag.strip_prefix('/').map_or((false, tag), |t| (true, t));
        let name_len = body.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(body.len());
        let name = body.get(..name_len).unwrap_or_default().to_ascii_lowercase();
        let heading = name.len() == 2 && name.starts_with('h') && name.ends_with(|c: char| ('1'..='6').contains(&c));
        if heading || name == "details" || name == "summary" {
            return None;
        }
        if EMPHASIS_TAGS.contains(&name.as_str()) {
            depth = if closing { depth.saturating_sub(1) } else { depth + 1 };
        }
    }
    let text = html_text(html);
    (!text.is_empty()).then_some(text)
}

/// `<details>` elements in a top-level piece of HTML at `at` (an HTML block, or a paragraph's
/// inline HTML): each one opened is pushed with the text of its `<summary>`, each one closed is
/// popped; one that is never closed holds the rest of the document (leaning wide). A `<details>`
/// opened while an entry is being read and closed before the next heading is part of the entry
/// and labels it ([`Entry::labels`]); one that holds the next heading is its container.
fn track_details(html: &str, at: Pos, b: &mut OutlineBuilder) {
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while let Some(k) = tail(&lower, i).find('<') {
        let start = i + k;
        if tail(&lower, start).starts_with("<!--") {
            i = tail(&lower, start + 4).find("-->").map_or(lower.len(), |e| start + 4 + e + 3);
            continue;
        }
        let (tag_end, end) =
            tail(&lower, start).find('>').map_or((lower.len(), lower.len()), |e| (start + e, start + e + 1));
        let tag = lower.get(start + 1..tag_end).unwrap_or_default();
        let (closing, body) = tag.strip_prefix('/').map_or((false, tag), |t| (true, t));
        let name_len = body.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(body.len());
        match (closing, body.get(..name_len).unwrap_or_default()) {
            (false, "details") => {
                if b.current.is_some() {
                    b.pending.push(b.details.len());
                }
                b.details.push((None, offset_pos(html, at, start)));
            }
            (true, "details") => {
                if let Some(d) = b.details.pop()
                    && b.pending.last() == Some(&b.details.len())
                {
                    b.pending.pop();
                    if let Some(e) = b.current.as_mut() {
                        e.labels.push(details_label(&d));
                    }
                }
            }
            (false, "summary") => {
                let close = tail(&lower, end).find("</summary").map_or(lower.len(), |e| end + e);
                let text = html_text(html.get(end..close).unwrap_or_default());
                if let Some(d) = b.details.last_mut()
                    && d.0.is_none()
                {
                    d.0 = Some(text);
                }
                i = close.max(start + 1);
                continue;
            }
            _ => {}
        }
        i = end.max(start + 1);
    }
}

/// How a `<details>` element shows: its summary, or `Details` (as browsers show one without).
fn details_label((summary, p): &(Option<String>, Pos)) -> (String, Pos) {
    (summary.clone().unwrap_or_else(|| "Details".to_owned()), *p)
}

/// A link whose target is not what its text shows, so that a value taken from it would be one
/// a reader does not see: a link with no visible text, and an e-mail (`mailto:`) link whose text
/// is, or contains, an e-mail address other than the one it links to
/// (`[risk@x](mailto:ciso@x)`). A `mailto:` link whose text is a name (`[Jane Doe](mailto:jane@x)`)
/// shows its address on hover and is read as `Jane Doe <jane@x>` ([`link_text`]); any other
/// link is read as its text alone.
fn mismatched_link<'a>(link: &'a AstNode<'a>, url: &str) -> Option<String> {
    let text: String = visible_text(link).chars().filter(|c| !is_invisible(*c)).collect();
    let text = text.trim();
    if text.is_empty() {
        return Some(format!("a link with no visible text (to `{}`)", url.chars().take(60).collect::<String>()));
    }
    let target = mailto(url)?;
    let differs = text
        .split(|c: char| c.is_whitespace() || "<>()[]{},;\"'`".contains(c))
        .map(|t| t.trim_end_matches(['.', ':']))
        .map(|t| t.split_at_checked(7).filter(|(p, _)| p.eq_ignore_ascii_case("mailto:")).map_or(t, |(_, a)| a))
        .filter(|t| t.split_once(AT_SIGNS).is_some_and(|(l, d)| !l.is_empty() && !d.is_empty()))
        .find(|t| !t.eq_ignore_ascii_case(target))?;
    Some(format!(
        "a link whose text `{}` is not the address it links to (`{}`)",
        differs.chars().take(60).collect::<String>(),
        target.chars().take(60).collect::<String>()
    ))
}

/// Characters that show as an at sign: `@` and its full-width and small forms.
const AT_SIGNS: [char; 3] = ['@', '\u{FF20}', '\u{FE6B}'];

/// The address of a `mailto:` URL (without its `?query`), or `None` for any other URL.
fn mailto(url: &str) -> Option<&str> {
    let addr = url.split_at_checked(7).filter(|(p, _)| p.eq_ignore_ascii_case("mailto:")).map(|(_, a)| a)?;
    addr.split('?').next()
}

/// A link in a field value as text: the visible text, and for an e-mail link the address in
/// angle brackets, so that `Name <addr>` (an e-mail autolink), `<addr>` and
/// `[Name](mailto:addr)` keep the address they name: `Name <addr>`, `<addr>`.
///
/// An e-mail link whose text is another address, or a link with no visible text, is refused
/// before its value is used ([`mismatched_link`], reported by [`hidden_markup`]); any other link
/// is its visible text alone, never its target.
fn link_text<'a>(link: &'a AstNode<'a>, url: &str) -> String {
    let text = inline_text(link);
    let Some(addr) = mailto(url) else {
        return text;
    };
    let shown = text.trim();
    let shown = shown.split_at_checked(7).filter(|(p, _)| p.eq_ignore_ascii_case("mailto:")).map_or(shown, |(_, a)| a);
    if shown.eq_ignore_ascii_case(addr) || shown.is_empty() { format!("<{addr}>") } else { format!("{text} <{addr}>") }
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
                NodeValue::Link(l) => rest.push_str(&link_text(n, &l.url)),
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
        let hidden = hidden_markup(item);
        entry.fields.push(Field { key, value, items, pos, value_pos, hidden });
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
    fn headings_are_read_as_they_render() {
        let md = "# Title\n\n### E-1: a\n\n# Second\n\n### E-2: b\n\nThird\n---\n\n### E-3: c\n\n<div>\n\n</div>\n\n<p>x</p>\n<h2 class=\"y\">Fo&shy;urth</h2>\n\n<H4>E-4: d</H4>\n\n> Fifth\n> ===\n\n### E-5: e\n";
        let o = outline(md);
        assert_eq!((o.title.as_deref(), o.title_pos), (Some("Title"), Some(Pos::new(1, 1))));
        let titles: Vec<&str> = o.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["Second", "Third", "Fo\u{ad}urth", "Fifth"]);
        assert_eq!(o.sections[2].pos, Pos::new(19, 1), "the HTML heading's own line");
        let got: Vec<(&str, &str, Option<Pos>)> =
            o.entries.iter().map(|e| (e.heading.as_str(), e.section.as_str(), e.section_pos)).collect();
        assert_eq!(
            got,
            [
                ("E-1: a", "", None),
                ("E-2: b", "Second", Some(Pos::new(5, 1))),
                ("E-3: c", "Third", Some(Pos::new(9, 1))),
                ("E-4: d", "Fo\u{ad}urth", Some(Pos::new(19, 1))),
                ("E-5: e", "Fifth", Some(Pos::new(23, 3))),
            ]
        );
        assert_eq!(o.entries[3].level, 4);
    }

    #[test]
    fn a_document_without_a_leading_title_has_level_one_sections_only() {
        let o = outline("## A\n\n### E-1: a\n\n# B\n\n### E-2: b\n");
        assert_eq!(o.title, None);
        assert_eq!(o.entries[1].section, "B");
    }

    #[test]
    fn html_heading_text_is_visible_text() {
        assert_eq!(html_text(" Re<!-- x -->vo<b>ked</b>\n &amp; &#x41;&#66;&lt; x "), "Revoked & AB< x");
        assert_eq!(decode_entities("a &shy;*b* \\ [c](d) #1 1. x"), "a \u{ad}*b* \\ [c](d) #1 1. x");
        assert!(html_headings("<!-- <h2>x</h2> --><hr><header>y</header><h7>z</h7>", Pos::new(1, 1)).is_empty());
        assert_eq!(html_headings("<h1>a", Pos::new(3, 2)), [(1, "a".to_owned(), Pos::new(3, 2), Vec::new())]);
    }

    #[test]
    fn heading_keys_drop_what_does_not_render() {
        assert_eq!(
            heading_key("  Re\u{ad}vo\u{200b}\u{202e}ked\u{00a0}\u{2060}EXCEPTIONS\u{feff} "),
            "revoked exceptions"
        );
        assert!(('\u{0}'..='\u{7f}').all(|c| !is_invisible(c)));
        assert!(
            ['\u{ad}', '\u{200b}', '\u{200f}', '\u{202a}', '\u{2064}', '\u{feff}', '\u{e0041}']
                .iter()
                .all(|c| is_invisible(*c))
        );
    }

    #[test]
    fn lists_split_in_every_written_form() {
        assert_eq!(split_list(r#"["encryption", "PII"]"#), vec!["encryption", "PII"]);
        assert_eq!(split_list("PII, auth"), vec!["PII", "auth"]);
        assert!(is_id("POL-001", "POL") && !is_id("POL-", "POL") && !is_id("POL-1a", "POL"));
    }
}
