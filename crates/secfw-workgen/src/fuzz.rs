//! The parser entry points fuzzed by `fuzz/` and replayed on stable by
//! `crates/secfw-artifacts/tests/fuzz_corpus.rs`: one function per target, so the fuzzer and the
//! corpus test exercise exactly the same code.
//!
//! Every target feeds raw bytes through [`secfw_artifacts::decode_artifact`] (the same checks as
//! reading a file: empty, NUL, invalid UTF-8) and then into the artifact's parser, and returns
//! every diagnostic produced.

use std::fmt;
use std::str::FromStr;

use secfw_artifacts::yaml::UnknownFields;
use secfw_artifacts::{Diagnostic, Level};
use secfw_artifacts::{LoadOptions, file_names};

/// A fuzz target: one parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Target {
    /// `sec_findings.yaml` (YAML, or JSON syntax through the fast path).
    Findings,
    /// `rulebook.yaml`.
    Rulebook,
    /// `inventory.yaml`.
    Inventory,
    /// `policy_map.md`.
    PolicyMap,
    /// `exceptions.md`.
    Exceptions,
    /// `security_spec.md` (front matter YAML + Markdown sections).
    SecuritySpec,
    /// The JSON fast path: the input goes to the findings, rulebook and inventory parsers.
    Json,
}

impl Target {
    /// Every target, in a fixed order.
    pub const ALL: [Self; 7] = [
        Self::Findings,
        Self::Rulebook,
        Self::Inventory,
        Self::PolicyMap,
        Self::Exceptions,
        Self::SecuritySpec,
        Self::Json,
    ];

    /// The cargo-fuzz target name, which is also the corpus directory `fuzz/corpus/<name>/`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Findings => "parse_findings",
            Self::Rulebook => "parse_rulebook",
            Self::Inventory => "parse_inventory",
            Self::PolicyMap => "parse_policy_map",
            Self::Exceptions => "parse_exceptions",
            Self::SecuritySpec => "parse_security_spec",
            Self::Json => "parse_json",
        }
    }

    /// The artifact file name the input is parsed as (diagnostics carry it).
    pub const fn file(self) -> &'static str {
        match self {
            Self::Findings | Self::Json => file_names::FINDINGS,
            Self::Rulebook => file_names::RULEBOOK,
            Self::Inventory => file_names::INVENTORY,
            Self::PolicyMap => file_names::POLICY_MAP,
            Self::Exceptions => file_names::EXCEPTIONS,
            Self::SecuritySpec => file_names::SECURITY_SPEC,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|t| t.name() == s).ok_or_else(|| format!("unknown fuzz target `{s}`"))
    }
}

/// Run `target` on `data`; returns every diagnostic (errors and warnings) it produced.
///
/// Never panics on any input: a panic here is a bug the fuzzer reports.
pub fn run(target: Target, data: &[u8]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let src = match secfw_artifacts::decode_artifact(target.file(), data.to_vec()) {
        Ok(src) => src,
        Err(d) => return vec![d],
    };
    let opts = LoadOptions::default();
    match target {
        Target::Findings => {
            let _ = secfw_artifacts::parse_findings(&src, &opts, &mut diags);
        }
        Target::Rulebook => {
            let _ = secfw_artifacts::parse_rulebook(&src, &opts, &mut diags);
        }
        Target::Inventory => {
            let _ = secfw_artifacts::parse_inventory(&src, &opts, &mut diags);
        }
        Target::PolicyMap => diags.extend(secfw_artifacts::parse_policy_map(&src, Level::Warning).1),
        Target::Exceptions => diags.extend(secfw_artifacts::parse_exceptions(&src, Level::Warning).1),
        Target::SecuritySpec => diags.extend(secfw_artifacts::parse_security_spec(&src, UnknownFields::Warn).1),
        Target::Json => {
            let strict = LoadOptions::default().strict(true);
            let _ = secfw_artifacts::parse_findings(&src, &strict, &mut diags);
            let mut src = src;
            file_names::RULEBOOK.clone_into(&mut src.name);
            let _ = secfw_artifacts::parse_rulebook(&src, &opts, &mut diags);
            file_names::INVENTORY.clone_into(&mut src.name);
            let _ = secfw_artifacts::parse_inventory(&src, &opts, &mut diags);
        }
    }
    diags
}

/// Lines of `data` as YAML and CommonMark count them: CRLF, a lone CR and LF each end a line.
pub fn line_count(data: &[u8]) -> usize {
    let mut n = 1;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\r' if data.get(i + 1) == Some(&b'\n') => {
                n += 1;
                i += 1;
            }
            b'\r' | b'\n' => n += 1,
            _ => {}
        }
        i += 1;
    }
    n
}

/// Why a diagnostic is not properly located, or `None` when it is: the file must be set, and
/// when the input is non-empty text the line and column must be set and inside the input
/// (line ≤ [`line_count`] + 1).
pub fn location_problem(d: &Diagnostic, data: &[u8]) -> Option<String> {
    if d.file.is_empty() {
        return Some(format!("diagnostic without a file: {d}"));
    }
    if data.is_empty() {
        return None;
    }
    let (Some(line), Some(column)) = (d.line, d.column) else {
        return Some(format!("diagnostic without line/column on non-empty input: {d}"));
    };
    let lines = line_count(data);
    if line == 0 || column == 0 || line as usize > lines + 1 {
        return Some(format!("diagnostic at {line}:{column} outside the input ({lines} lines): {d}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for t in Target::ALL {
            assert_eq!(t.name().parse::<Target>().unwrap(), t);
        }
        assert!("nope".parse::<Target>().is_err());
    }

    #[test]
    fn bad_bytes_give_located_errors() {
        for t in Target::ALL {
            for data in [&b""[..], b"\xff\xfe", b"a: \0"] {
                let d = run(t, data);
                assert_eq!(d.len(), 1, "{t}: {d:?}");
                assert!(d[0].is_error());
                assert_eq!(location_problem(&d[0], data), None);
            }
        }
    }

    #[test]
    fn lines_end_at_crlf_cr_and_lf() {
        assert_eq!(line_count(b""), 1);
        assert_eq!(line_count(b"a\r\nb\rc\nd"), 4);
        assert_eq!(line_count(b"\r\r\n\n"), 4);
    }

    #[test]
    fn location_problems_are_detected() {
        let d = Diagnostic::error(secfw_artifacts::codes::SYNTAX, "f", "m");
        assert!(location_problem(&d, b"x").is_some());
        assert!(location_problem(&d, b"").is_none());
        let far = d.clone().at(Some(secfw_artifacts::Pos::new(9, 1)));
        assert!(location_problem(&far, b"one line").is_some());
        let ok = d.at(Some(secfw_artifacts::Pos::new(1, 3)));
        assert!(location_problem(&ok, b"one line").is_none());
    }
}
