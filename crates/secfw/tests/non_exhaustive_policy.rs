//! The `#[non_exhaustive]` policy of docs/architecture.md holds: every `pub struct` and
//! `pub enum` under `crates/*/src` is `#[non_exhaustive]` or in one of the documented exhaustive
//! groups (tuple newtypes, structs with no public field, unit structs, the format records, the
//! named closed sets and values, the unpublished test-support crate and the binary).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Crates outside the policy: the unpublished test-support crate and the binary (no public API).
const EXEMPT_CRATES: [&str; 2] = ["secfw-testkit", "secfw-cli"];

/// Format records by location: every type under these paths (relative to `crates/`).
const FORMAT_RECORD_PATHS: [&str; 2] = ["secfw-artifacts/src/model/", "secfw-seal/src/statement.rs"];

/// Named exhaustive types (file relative to `crates/`, type name, why).
const NAMED: [(&str, &str, &str); 9] = [
    ("secfw-seal/src/dsse.rs", "Envelope", "format record: DSSE v1 envelope"),
    ("secfw-seal/src/dsse.rs", "EnvelopeSignature", "format record: DSSE v1 signature"),
    ("secfw-seal/src/trust.rs", "TrustPolicy", "format record: the signed trust policy"),
    ("secfw-seal/src/trust.rs", "TrustedKey", "format record: the signed trust policy"),
    ("secfw-seal/src/trust.rs", "RoleDef", "format record: the signed trust policy"),
    ("secfw-seal/src/root.rs", "TrustPin", "format record: the pinned trust version"),
    ("secfw-seal/src/verify.rs", "SealState", "format record: the seal state file"),
    ("secfw-seal/src/trust.rs", "Role", "closed set: SigningRole"),
    ("secfw-governance/src/exceptions.rs", "ApproverRole", "closed set"),
];

/// More named exhaustive types, kept apart so each list reads as one kind.
const NAMED_VALUES: [(&str, &str, &str); 2] = [
    ("secfw-metrics/src/kpi.rs", "Direction", "closed set: higher or lower is better"),
    ("secfw-artifacts/src/diag.rs", "Pos", "value: line and column"),
];

/// One `pub struct` / `pub enum` found in a source file.
#[derive(Debug)]
struct Item {
    file: String,
    line: usize,
    kind: &'static str,
    name: String,
    non_exhaustive: bool,
    shape: Shape,
}

#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Enum,
    /// A tuple struct with one field.
    Newtype,
    /// A tuple struct with several fields.
    Tuple,
    Unit,
    /// A braced struct; `true` when a field is `pub`.
    Braced(bool),
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `pub struct Name` / `pub enum Name` at the start of a line (after indentation): the keyword
/// and the rest of the line after `pub struct `/`pub enum `.
fn declaration(line: &str) -> Option<(&'static str, &str)> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("pub struct ") {
        Some(("struct", rest))
    } else {
        t.strip_prefix("pub enum ").map(|rest| ("enum", rest))
    }
}

/// The attributes and comments above line `i`, up to the end of the previous item.
fn attributes_above(lines: &[&str], i: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut j = i;
    while j > 0 {
        j -= 1;
        let t = lines[j].trim();
        if t.starts_with("//") {
            continue;
        }
        if t.is_empty() || t.ends_with('}') || t.ends_with(';') || t.ends_with('{') {
            break;
        }
        out.push(t.to_owned());
    }
    out
}

/// Whether a tuple struct's field list (the text from its `(`) has more than one field.
fn several_fields(from_paren: &str) -> bool {
    let mut depth = 0i32;
    for c in from_paren.chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return false;
                }
            }
            ',' if depth == 1 => return true,
            _ => {}
        }
    }
    false
}

fn items_of(rel: &str, text: &str) -> Vec<Item> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((kind, rest)) = declaration(line) else { continue };
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let after_name = rest.strip_prefix(name.as_str()).unwrap_or("");
        // Skip generics to find what follows the name.
        let after_generics = if after_name.starts_with('<') {
            let mut depth = 0i32;
            let mut end = after_name.len();
            for (k, c) in after_name.char_indices() {
                match c {
                    '<' => depth += 1,
                    '>' => {
                        depth -= 1;
                        if depth == 0 {
                            end = k + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            after_name.get(end..).unwrap_or("")
        } else {
            after_name
        };
        let shape = if kind == "enum" {
            Shape::Enum
        } else if after_generics.starts_with('(') {
            if several_fields(after_generics) { Shape::Tuple } else { Shape::Newtype }
        } else if after_generics.trim_start().starts_with(';') {
            Shape::Unit
        } else {
            let indent = line.get(..line.len() - line.trim_start().len()).unwrap_or("");
            let close = format!("{indent}}}");
            let body = lines[i + 1..].iter().take_while(|l| **l != close);
            Shape::Braced(body.into_iter().any(|l| l.trim_start().starts_with("pub ")))
        };
        let non_exhaustive = attributes_above(&lines, i).iter().any(|a| a == "#[non_exhaustive]");
        out.push(Item { file: rel.to_owned(), line: i + 1, kind, name, non_exhaustive, shape });
    }
    out
}

/// Every public type under `crates_dir/*/src`, crate by crate.
fn items(crates_dir: &Path) -> Vec<Item> {
    let mut files = Vec::new();
    for krate in std::fs::read_dir(crates_dir).unwrap() {
        let krate = krate.unwrap().path();
        let name = krate.file_name().unwrap().to_string_lossy().into_owned();
        if EXEMPT_CRATES.contains(&name.as_str()) || !krate.join("src").is_dir() {
            continue;
        }
        rust_files(&krate.join("src"), &mut files);
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let rel = f.strip_prefix(crates_dir).unwrap().to_string_lossy().replace('\\', "/");
        out.extend(items_of(&rel, &std::fs::read_to_string(&f).unwrap()));
    }
    out
}

fn named(item: &Item) -> Option<&'static str> {
    NAMED.iter().chain(NAMED_VALUES.iter()).find(|(f, n, _)| *f == item.file && *n == item.name).map(|(_, _, why)| *why)
}

/// Why `item` may stay exhaustive, or `None` when it breaks the policy.
fn exemption(item: &Item) -> Option<&'static str> {
    if FORMAT_RECORD_PATHS.iter().any(|p| item.file.starts_with(p)) {
        return Some("format record");
    }
    if let Some(why) = named(item) {
        return Some(why);
    }
    match item.shape {
        Shape::Newtype => Some("newtype"),
        Shape::Unit => Some("unit struct"),
        Shape::Braced(false) => Some("no public field"),
        Shape::Enum | Shape::Tuple | Shape::Braced(true) => None,
    }
}

/// The types that break the policy, one line each.
fn violations(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter(|i| !i.non_exhaustive && exemption(i).is_none())
        .map(|i| format!("crates/{}:{} pub {} {}", i.file, i.line, i.kind, i.name))
        .collect()
}

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_public_type_is_non_exhaustive_or_documented_as_exhaustive() {
    let all = items(&crates_dir());
    assert!(all.len() > 300, "all crates were read ({} public types)", all.len());
    let bad = violations(&all);
    assert!(
        bad.is_empty(),
        "public types that are neither #[non_exhaustive] nor in an exhaustive group of \
         docs/architecture.md § `#[non_exhaustive]` policy (add the attribute and a constructor, \
         or document the exemption there and here):\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_named_exemption_names_an_exhaustive_type_that_exists() {
    let all = items(&crates_dir());
    let mut stale = String::new();
    for (file, name, why) in NAMED.iter().chain(NAMED_VALUES.iter()) {
        match all.iter().find(|i| i.file == *file && i.name == *name) {
            None => {
                let _ = writeln!(stale, "crates/{file}: {name} ({why}) is not there any more");
            }
            Some(i) if i.non_exhaustive => {
                let _ = writeln!(stale, "crates/{file}: {name} ({why}) is #[non_exhaustive] now");
            }
            Some(_) => {}
        }
    }
    assert!(stale.is_empty(), "stale exemptions:\n{stale}");
}

#[test]
fn the_policy_is_stated_in_the_architecture_guide() {
    let doc = std::fs::read_to_string(crates_dir().join("../docs/architecture.md")).unwrap();
    let i = doc.find("## `#[non_exhaustive]` policy").expect("the policy section");
    let rest = doc.get(i..).unwrap_or("");
    let end = rest.get(3..).and_then(|r| r.find("\n## ")).map_or(rest.len(), |e| e + 3);
    let section = rest.get(..end).unwrap_or(rest);
    assert!(section.contains("non_exhaustive_policy.rs"), "the section names this test");
    for (_, name, _) in NAMED.iter().chain(NAMED_VALUES.iter()) {
        let shown = if *name == "Role" { "SigningRole" } else { name };
        assert!(section.contains(&format!("`{shown}`")), "the policy names the exhaustive `{shown}`");
    }
    assert!(section.contains("`secfw_artifacts::model`") && section.contains("`secfw_seal::statement`"));
}

/// The checker itself: a planted type of each shape is judged as the policy says.
#[test]
fn the_checker_flags_a_planted_extensible_type_and_passes_the_exempt_shapes() {
    let src = r#"
/// A report.
#[derive(Clone, Debug)]
pub struct Planted {
    /// A field.
    pub a: u32,
}

/// Marked, with a multi-line attribute.
#[derive(Clone, Debug)]
#[non_exhaustive]
#[expect(
    clippy::struct_excessive_bools,
    reason = "flags"
)]
pub struct Marked {
    /// A field.
    pub a: bool,
}

/// A vocabulary.
pub enum PlantedEnum {
    /// One.
    One,
}

/// A newtype.
pub struct Id(pub String);

/// A pair.
pub struct Pair(pub u8, pub u8);

/// A generic newtype.
pub struct Wrap<T: Clone>(pub Vec<T>);

/// Opaque.
pub struct Opaque {
    inner: u8,
    pub(crate) other: u8,
}

/// A marker.
pub struct Marker;
"#;
    let items = items_of("secfw-example/src/lib.rs", src);
    let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["Planted", "Marked", "PlantedEnum", "Id", "Pair", "Wrap", "Opaque", "Marker"]);
    assert_eq!(
        violations(&items),
        [
            "crates/secfw-example/src/lib.rs:4 pub struct Planted",
            "crates/secfw-example/src/lib.rs:22 pub enum PlantedEnum",
            "crates/secfw-example/src/lib.rs:31 pub struct Pair",
        ]
    );
    // The same file under a format-record path is exempt.
    assert!(violations(&items_of("secfw-artifacts/src/model/x.rs", src)).is_empty());
}
