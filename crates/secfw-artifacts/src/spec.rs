//! `security_spec.md`: the Security & Compliance Specification (seeds/000): YAML front matter
//! and 14 required `##` sections.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::codes;
use crate::diag::{Diagnostic, Pos};
use crate::markdown;
use crate::model::common::Date;
use crate::source::SourceFile;
use crate::yaml::{self, UnknownFields};

/// The 14 required sections, in template order.
pub const REQUIRED_SECTIONS: [&str; 14] = [
    "Purpose",
    "Scope & Assumptions",
    "Data Classification & Handling",
    "Threat Modeling",
    "Identity, Authentication & Authorization",
    "Data Protection Controls",
    "Application Security Practices",
    "Infrastructure & Network Security",
    "Compliance Controls & Evidence",
    "Logging, Monitoring & Alerting",
    "Vulnerability & Incident Response",
    "Third-Party Risk Management",
    "Open Issues & Exceptions",
    "References",
];

/// The front matter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "secfw security_spec.md front matter")]
#[non_exhaustive]
pub struct SpecFrontMatter {
    /// `security-and-compliance`.
    pub spec_type: String,
    /// Title of the specification.
    pub title: String,
    /// Owning team.
    pub owner: String,
    /// draft | approved | deprecated.
    pub status: SpecStatus,
    /// Date of the last review, YYYY-MM-DD (kept as written so placeholders can be reported).
    pub last_updated: String,
    /// Clients covered (web, mobile, desktop, ...).
    #[serde(default)]
    pub applicability: Vec<String>,
    /// Related initiatives.
    #[serde(default)]
    pub related_initiatives: Vec<String>,
}

impl SpecFrontMatter {
    /// Front matter with the required keys; no applicability, no related initiatives.
    pub fn new(
        spec_type: impl Into<String>,
        title: impl Into<String>,
        owner: impl Into<String>,
        status: SpecStatus,
        last_updated: impl Into<String>,
    ) -> Self {
        Self {
            spec_type: spec_type.into(),
            title: title.into(),
            owner: owner.into(),
            status,
            last_updated: last_updated.into(),
            applicability: Vec::new(),
            related_initiatives: Vec::new(),
        }
    }

    /// `last_updated` as a date, if it is one.
    pub fn last_updated_date(&self) -> Option<Date> {
        self.last_updated.parse().ok()
    }
}

/// Status of the specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SpecStatus {
    /// Being written.
    Draft,
    /// In force.
    Approved,
    /// Superseded.
    Deprecated,
}

/// A `##` section of the specification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpecSection {
    /// Title as written.
    pub title: String,
    /// Heading position.
    pub pos: Pos,
    /// The section's source text (up to the next `##`), without the heading line.
    pub body: String,
    /// 1-based line the body starts on.
    pub body_line: u32,
}

/// The parsed specification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecuritySpec {
    /// Front matter.
    pub front_matter: SpecFrontMatter,
    /// 1-based line of the first front matter key.
    pub front_matter_line: u32,
    /// `##` sections in order.
    pub sections: Vec<SpecSection>,
}

impl SecuritySpec {
    /// The section with this title (case-insensitive).
    pub fn section(&self, title: &str) -> Option<&SpecSection> {
        self.sections.iter().find(|s| s.title.eq_ignore_ascii_case(title))
    }
}

/// Split `---\n...\n---\n` front matter; returns (yaml, the text up to the body, the body).
fn split_front_matter(text: &str) -> Option<(&str, &str, &str)> {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = t.strip_prefix("---\n").or_else(|| t.strip_prefix("---\r\n"))?;
    let mut tail = rest;
    for line in rest.split_inclusive('\n') {
        let after = tail.strip_prefix(line)?;
        if line.trim_end() == "---" {
            return Some((rest.strip_suffix(tail)?, text.strip_suffix(after)?, after));
        }
        tail = after;
    }
    None
}

/// Parse `security_spec.md`.
pub fn parse(src: &SourceFile, unknown: UnknownFields) -> (Option<SecuritySpec>, Vec<Diagnostic>) {
    let f = src.name.as_str();
    let mut diags = Vec::new();
    let Some((fm, head, body)) = split_front_matter(&src.text) else {
        diags.push(
            Diagnostic::error(
                codes::SPEC_NO_FRONT_MATTER,
                f,
                "security_spec.md does not start with YAML front matter (`---` ... `---`)",
            )
            .at(Some(Pos::new(1, 1)))
            .with_hint("start the file with the template's front matter; `secfw spec init` writes it"),
        );
        return (None, diags);
    };
    // Parse the front matter as its own YAML document, then shift positions by one line.
    let fm_src = SourceFile::new(f, fm);
    let front = match yaml::parse::<SpecFrontMatter>(&fm_src, unknown) {
        Ok(p) => {
            diags.extend(p.diagnostics.into_iter().map(shift));
            Some(p.value)
        }
        Err(d) => {
            diags.push(shift(d));
            None
        }
    };
    if let Some(fm) = &front {
        if fm.last_updated.trim() == "YYYY-MM-DD" {
            diags.push(
                Diagnostic::error(
                    codes::SPEC_PLACEHOLDER,
                    f,
                    "`last_updated` is still the template placeholder `YYYY-MM-DD`",
                )
                .at(Some(line_of_key(&src.text, "last_updated")))
                .with_hint("write the date of the last review, e.g. 2025-01-27"),
            );
        } else if fm.last_updated_date().is_none() {
            diags.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    f,
                    format!("`last_updated` `{}` is not a date (YYYY-MM-DD)", fm.last_updated),
                )
                .at(Some(line_of_key(&src.text, "last_updated")))
                .with_hint("write the date of the last review, e.g. 2025-01-27"),
            );
        }
    }
    let line_base = head.bytes().filter(|&b| b == b'\n').count();
    let outline = markdown::outline(body);
    let lines: Vec<&str> = body.lines().collect();
    let mut sections: Vec<SpecSection> = Vec::new();
    for (i, s) in outline.sections.iter().enumerate() {
        let start = s.pos.line as usize; // 1-based heading line == 0-based first body line
        let end = outline.sections.get(i + 1).map_or(lines.len(), |n| (n.pos.line as usize).saturating_sub(1));
        let text = lines.get(start..end.max(start)).map(|l| l.join("\n")).unwrap_or_default();
        let pos = Pos::new(s.pos.line + u32::try_from(line_base).unwrap_or(0), s.pos.column);
        if let Some(first) = sections.iter().find(|x| x.title.eq_ignore_ascii_case(&s.title)) {
            diags.push(
                Diagnostic::error(codes::SPEC_DUPLICATE_SECTION, f, format!("section `{}` appears twice", s.title))
                    .at(Some(pos))
                    .with_related(f, Some(first.pos), "first here")
                    .with_hint("merge the two sections"),
            );
            continue;
        }
        sections.push(SpecSection { title: s.title.clone(), pos, body: text, body_line: pos.line + 1 });
    }
    for req in REQUIRED_SECTIONS {
        if !sections.iter().any(|s| s.title.eq_ignore_ascii_case(req)) {
            let at = sections.last().map_or(Pos::new(u32::try_from(line_base + 1).unwrap_or(1), 1), |s| s.pos);
            diags.push(
                Diagnostic::error(codes::SPEC_MISSING_SECTION, f, format!("required section `## {req}` is missing"))
                    .at(Some(at))
                    .with_hint("add the section (the template in `secfw spec init` lists all 14)"),
            );
        }
    }
    let spec = front.map(|front_matter| SecuritySpec { front_matter, front_matter_line: 2, sections });
    (spec, diags)
}

fn shift(mut d: Diagnostic) -> Diagnostic {
    d.line = d.line.map(|l| l + 1);
    d
}

fn line_of_key(text: &str, key: &str) -> Pos {
    for (i, l) in text.lines().enumerate() {
        if l.trim_start().starts_with(&format!("{key}:")) {
            let col = l.find(':').map_or(1, |c| c + 3);
            return Pos::new(u32::try_from(i + 1).unwrap_or(1), u32::try_from(col).unwrap_or(1));
        }
    }
    Pos::new(1, 1)
}
