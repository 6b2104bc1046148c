//! `policy_map.md`: the policy catalog (seed §2.2).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::codes;
use crate::diag::{Diagnostic, Level, Pos};
use crate::markdown::{self, Entry, escape_inline, is_id, split_list};
use crate::model::common::{LifecycleState, Severity};
use crate::source::SourceFile;
use crate::spans::Spans;

/// The parsed policy catalog.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PolicyMap {
    /// `## Metadata` bullets.
    pub metadata: PolicyMapMetadata,
    /// Policies in document order.
    pub policies: Vec<Policy>,
}

/// `## Metadata` of the policy map.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PolicyMapMetadata {
    /// `Version:`.
    pub version: Option<String>,
    /// `Last Updated:` as written.
    pub last_updated: Option<String>,
    /// `State:`.
    pub state: Option<LifecycleState>,
    /// Positions (`state`, `version`, `last_updated`).
    pub spans: Spans,
}

/// One policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// `POL-NNN`.
    pub id: String,
    /// Title after the colon.
    pub title: String,
    /// `**Severity**:` (required).
    pub severity: Severity,
    /// `**Scope**:` (required).
    pub scope: String,
    /// `**Tags**:`.
    pub tags: Vec<String>,
    /// `**Controls**:` sub-bullets `CTL-NNN: text`.
    pub controls: Vec<Control>,
    /// `**Validation**:` sub-bullets (or inline text).
    pub validation: Vec<String>,
    /// `**Owner**:` (extension).
    pub owner: Option<String>,
    /// `**Standards**:` (extension): compliance standards this policy serves.
    pub standards: Vec<String>,
    /// Positions: entry, and fields `severity`, `scope`, `tags`, `controls`, `validation`.
    pub spans: Spans,
}

impl PolicyMap {
    /// A policy map with this metadata and these policies.
    pub fn new(metadata: PolicyMapMetadata, policies: Vec<Policy>) -> Self {
        Self { metadata, policies }
    }
}

impl Policy {
    /// A policy with the required fields and nothing else.
    pub fn new(id: impl Into<String>, title: impl Into<String>, severity: Severity, scope: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            severity,
            scope: scope.into(),
            tags: Vec::new(),
            controls: Vec::new(),
            validation: Vec::new(),
            owner: None,
            standards: Vec::new(),
            spans: Spans::default(),
        }
    }
}

/// A control of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Control {
    /// `CTL-NNN`.
    pub id: String,
    /// What the control requires.
    pub text: String,
    /// Where it is written.
    pub pos: Option<Pos>,
}

impl Control {
    /// A control with this id and text, at no position.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Self { id: id.into(), text: text.into(), pos: None }
    }
}

const KNOWN_KEYS: &[&str] = &["Severity", "Scope", "Tags", "Controls", "Validation", "Owner", "Standards"];

/// Parse `policy_map.md`. Returns the map (with every well-formed policy) and every problem.
pub fn parse(src: &SourceFile, unknown_level: Level) -> (PolicyMap, Vec<Diagnostic>) {
    let outline = markdown::outline(&src.text);
    let mut diags = Vec::new();
    let mut map = PolicyMap::default();
    let f = src.name.as_str();

    if let Some(meta) = outline.sections.iter().find(|s| s.title.eq_ignore_ascii_case("Metadata")) {
        for (k, v, pos) in &meta.pairs {
            match k.to_ascii_lowercase().as_str() {
                "version" => {
                    map.metadata.version = Some(v.clone());
                    map.metadata.spans.fields.insert("version".into(), *pos);
                }
                "last updated" => {
                    map.metadata.last_updated = Some(v.clone());
                    map.metadata.spans.fields.insert("last_updated".into(), *pos);
                }
                "state" => {
                    map.metadata.spans.fields.insert("state".into(), *pos);
                    match v.parse::<LifecycleState>() {
                        Ok(s) => map.metadata.state = Some(s),
                        Err(e) => diags.push(
                            Diagnostic::error(codes::POLICY_BAD_VALUE, f, e)
                                .at(Some(*pos))
                                .with_hint("use a lifecycle state such as READY_FOR_HANDOFF"),
                        ),
                    }
                }
                _ => {}
            }
        }
    }

    let has_catalog = outline.sections.iter().any(|s| s.title.eq_ignore_ascii_case("Policy Catalog"));
    let mut seen: BTreeMap<String, Pos> = BTreeMap::new();
    let mut seen_controls: BTreeMap<String, (String, Pos)> = BTreeMap::new();
    for entry in &outline.entries {
        let in_catalog = entry.section.eq_ignore_ascii_case("Policy Catalog");
        let Some((id, title)) =
            entry.heading.split_once(':').map(|(a, b)| (a.trim(), b.trim())).filter(|(a, _)| is_id(a, "POL"))
        else {
            if in_catalog || entry.heading.starts_with("POL") {
                diags.push(
                    Diagnostic::error(
                        codes::POLICY_BAD_HEADING,
                        f,
                        format!("heading `{}` is not `POL-NNN: Title`", entry.heading),
                    )
                    .at(Some(entry.pos))
                    .with_hint("write policy headings as `### POL-001: Data Encryption at Rest`"),
                );
            }
            continue;
        };
        if let Some(first) = seen.get(id) {
            diags.push(
                Diagnostic::error(codes::DUPLICATE_POLICY, f, format!("policy {id} is defined twice"))
                    .at(Some(entry.pos))
                    .with_related(f, Some(*first), format!("{id} first defined here"))
                    .with_hint("give each policy a unique id; ids are never reused"),
            );
            continue;
        }
        seen.insert(id.to_owned(), entry.pos);
        if let Some(p) = parse_policy(entry, id, title, f, unknown_level, &mut diags, &mut seen_controls) {
            map.policies.push(p);
        }
    }
    if !has_catalog || map.policies.is_empty() && seen.is_empty() {
        diags.push(
            Diagnostic::error(
                codes::NO_CATALOG,
                f,
                "policy_map.md has no `## Policy Catalog` section with `### POL-NNN: Title` policies",
            )
            .at(Some(Pos::new(1, 1)))
            .with_hint("add `## Policy Catalog` and at least one `### POL-001: Title` policy (see docs/artifacts.md)"),
        );
    }
    (map, diags)
}

fn parse_policy(
    entry: &Entry,
    id: &str,
    title: &str,
    f: &str,
    unknown_level: Level,
    diags: &mut Vec<Diagnostic>,
    seen_controls: &mut BTreeMap<String, (String, Pos)>,
) -> Option<Policy> {
    let mut severity = None;
    let mut scope = None;
    let mut p = Policy::new(id, title, Severity::Low, "");
    p.spans.at = Some(entry.pos);
    let mut keys_seen: BTreeMap<String, Pos> = BTreeMap::new();
    for field in &entry.fields {
        let canon = KNOWN_KEYS.iter().find(|k| k.eq_ignore_ascii_case(&field.key)).copied();
        let Some(key) = canon else {
            diags.push(
                Diagnostic::new(
                    codes::POLICY_UNKNOWN_KEY,
                    unknown_level,
                    f,
                    format!("{id}: unknown field `**{}**`", field.key),
                )
                .at(Some(field.pos))
                .with_hint(format!("known fields: {}", KNOWN_KEYS.join(", "))),
            );
            continue;
        };
        if let Some(first) = keys_seen.insert(key.to_owned(), field.pos) {
            diags.push(
                Diagnostic::error(codes::DUPLICATE_FIELD, f, format!("{id}: `**{key}**` appears twice"))
                    .at(Some(field.pos))
                    .with_related(f, Some(first), "first here")
                    .with_hint("keep one of them"),
            );
            continue;
        }
        let lname = key.to_ascii_lowercase();
        p.spans.fields.insert(lname.clone(), field.value_pos);
        match key {
            "Severity" => match field.value.parse::<Severity>() {
                Ok(s) => severity = Some(s),
                Err(e) => diags.push(
                    Diagnostic::error(codes::POLICY_BAD_VALUE, f, format!("{id}: {e}"))
                        .at(Some(field.value_pos))
                        .with_hint("write `- **Severity**: Critical` (Critical, High, Medium or Low)"),
                ),
            },
            "Scope" => {
                if field.value.is_empty() {
                    diags.push(
                        Diagnostic::error(codes::POLICY_BAD_VALUE, f, format!("{id}: `**Scope**` is empty"))
                            .at(Some(field.pos))
                            .with_hint("say which systems the policy covers"),
                    );
                } else {
                    scope = Some(field.value.clone());
                }
            }
            "Tags" => p.tags = split_list(&field.value),
            "Standards" => p.standards = split_list(&field.value),
            "Owner" => p.owner = Some(field.value.clone()).filter(|s| !s.is_empty()),
            "Validation" => {
                p.validation = field.items.iter().map(|(t, _)| t.clone()).collect();
                if !field.value.is_empty() {
                    p.validation.insert(0, field.value.clone());
                }
            }
            "Controls" => p.controls = parse_controls(field, id, f, diags, seen_controls),
            _ => {}
        }
    }
    for (what, present) in [("Severity", severity.is_some()), ("Scope", scope.is_some())] {
        if !present && !keys_seen.contains_key(what) {
            diags.push(
                Diagnostic::error(codes::POLICY_MISSING_FIELD, f, format!("policy {id} has no `**{what}**`"))
                    .at(Some(entry.pos))
                    .with_hint(format!("add `- **{what}**: ...` under `### {id}: {title}`")),
            );
        }
    }
    Some(Policy { severity: severity?, scope: scope?, ..p })
}

/// `**Controls**`: sub-bullets `CTL-NNN: text`, each control id unique across the catalog.
fn parse_controls(
    field: &markdown::Field,
    id: &str,
    f: &str,
    diags: &mut Vec<Diagnostic>,
    seen_controls: &mut BTreeMap<String, (String, Pos)>,
) -> Vec<Control> {
    let mut controls = Vec::new();
    for (text, pos) in &field.items {
        let Some((cid, ctext)) =
            text.split_once(':').map(|(a, b)| (a.trim(), b.trim())).filter(|(a, _)| is_id(a, "CTL"))
        else {
            diags.push(
                Diagnostic::error(codes::POLICY_BAD_VALUE, f, format!("{id}: control `{text}` is not `CTL-NNN: text`"))
                    .at(Some(*pos))
                    .with_hint("write controls as `  - CTL-001: AES-256 encryption for all persistent storage`"),
            );
            continue;
        };
        if let Some((owner, first)) = seen_controls.get(cid) {
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_CONTROL,
                    f,
                    format!("{id}: control {cid} is already defined by {owner}"),
                )
                .at(Some(*pos))
                .with_related(f, Some(*first), format!("{cid} first defined here"))
                .with_hint("control ids are unique across the catalog"),
            );
            continue;
        }
        seen_controls.insert(cid.to_owned(), (id.to_owned(), *pos));
        controls.push(Control { id: cid.to_owned(), text: ctext.to_owned(), pos: Some(*pos) });
    }
    controls
}

/// Render a policy map in the seed's layout (deterministic).
pub fn render(map: &PolicyMap) -> String {
    let mut s = String::from("# Security Policy Map\n\n## Metadata\n");
    if let Some(v) = &map.metadata.version {
        let _ = writeln!(s, "- Version: {v}");
    }
    if let Some(v) = &map.metadata.last_updated {
        let _ = writeln!(s, "- Last Updated: {v}");
    }
    if let Some(v) = &map.metadata.state {
        let _ = writeln!(s, "- State: {v}");
    }
    s.push_str("\n## Policy Catalog\n");
    for p in &map.policies {
        let _ = write!(s, "\n### {}: {}\n", p.id, escape_inline(&p.title));
        let _ = writeln!(s, "- **Severity**: {}", p.severity.title());
        let _ = writeln!(s, "- **Scope**: {}", escape_inline(&p.scope));
        if !p.tags.is_empty() {
            let tags: Vec<String> = p.tags.iter().map(|t| format!("\"{t}\"")).collect();
            let _ = writeln!(s, "- **Tags**: [{}]", tags.join(", "));
        }
        if let Some(o) = &p.owner {
            let _ = writeln!(s, "- **Owner**: {}", escape_inline(o));
        }
        if !p.standards.is_empty() {
            let _ = writeln!(s, "- **Standards**: {}", p.standards.join(", "));
        }
        if !p.controls.is_empty() {
            s.push_str("- **Controls**:\n");
            for c in &p.controls {
                let _ = writeln!(s, "  - {}: {}", c.id, escape_inline(&c.text));
            }
        }
        if !p.validation.is_empty() {
            s.push_str("- **Validation**:\n");
            for v in &p.validation {
                let _ = writeln!(s, "  - {}", escape_inline(v));
            }
        }
    }
    s
}
