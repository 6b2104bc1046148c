//! What an exception targets besides finding ids: advisory ids, a package (purl), a version
//! range, and secret-scanner fingerprints (issue 15).
//!
//! One decision (`EXC-NNN`) names the advisory it accepts and, optionally, the package and
//! versions it accepts it for, so it carries across versions and repositories. Matching is
//! deliberately narrow (fail closed): an advisory id matches case-insensitively, a package by
//! its purl type, namespace and name (never by name alone when the finding gives a purl), and a
//! version only when it parses and lies in the range.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// `true` for an advisory identifier such as `CVE-2023-38545`, `GHSA-xxxx-xxxx-xxxx`,
/// `RUSTSEC-2020-0071`, `GO-2022-0001`, `PYSEC-2021-1`: a letter-led alphanumeric prefix, a
/// dash, then letters, digits, `-`, `_`, `.` or `:`.
pub fn is_advisory_id(s: &str) -> bool {
    let Some((prefix, rest)) = s.split_once('-') else { return false };
    prefix.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && prefix.chars().all(|c| c.is_ascii_alphanumeric())
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// `true` for the part of a CVE id after `CVE-`: a four-digit year, `-`, and four or more digits.
pub(crate) fn is_cve_number(rest: &str) -> bool {
    let (y, n) = rest.split_once('-').unwrap_or((rest, ""));
    y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) && n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit())
}

/// `true` for an advisory id a scanner report names that is worth recording as a finding's
/// `cve` (and that an exception can therefore name, [`is_advisory_id`]): `CVE-YYYY-NNNN+`, `GHSA-...`,
/// `RUSTSEC-...`, `GO-...`, `PYSEC-...`, `OSV-...` and other `PREFIX-...` without spaces.
pub fn is_known_advisory_id(s: &str) -> bool {
    if !is_advisory_id(s) {
        return false;
    }
    let Some((prefix, rest)) = s.split_once('-') else { return false };
    if prefix.is_empty() || rest.is_empty() || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        return false;
    }
    if s.contains(char::is_whitespace) {
        return false;
    }
    if prefix == "CVE" {
        return is_cve_number(rest);
    }
    matches!(
        prefix,
        "GHSA"
            | "RUSTSEC"
            | "GO"
            | "PYSEC"
            | "OSV"
            | "GMS"
            | "DSA"
            | "DLA"
            | "RHSA"
            | "ALAS"
            | "USN"
            | "ELSA"
            | "MAL"
            | "NSWG"
            | "ALSA"
            | "GSD"
            | "BIT"
            | "RLSA"
            | "SNYK"
    )
}

/// A package URL, `pkg:type/namespace/name@version` (namespace and version optional;
/// qualifiers and subpath are accepted and ignored for matching).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct Purl {
    /// Package type, lower-case (`cargo`, `npm`, `pypi`, `deb`, `golang`, ...).
    pub ty: String,
    /// Namespace (`@scope` for npm, the group for Maven, `github.com/x` for Go), percent-decoded.
    pub namespace: Option<String>,
    /// Name, percent-decoded.
    pub name: String,
    /// Version, when the purl pins one.
    pub version: Option<String>,
}

impl Purl {
    /// A purl from its parts (`ty` lower-case; namespace and name percent-decoded), without
    /// qualifiers or subpath.
    pub fn new(
        ty: impl Into<String>,
        namespace: Option<String>,
        name: impl Into<String>,
        version: Option<String>,
    ) -> Self {
        Self { ty: ty.into(), namespace, name: name.into(), version }
    }

    /// The purl without its version, e.g. `pkg:cargo/time`.
    pub fn unversioned(&self) -> String {
        let mut s = format!("pkg:{}/", self.ty);
        if let Some(ns) = &self.namespace {
            s.push_str(ns);
            s.push('/');
        }
        s.push_str(&self.name);
        s
    }

    /// `true` when both name the same package (type, namespace, name; versions ignored). PyPI
    /// names compare case-insensitively with `-`/`_`/`.` equivalent, as PyPI normalises them.
    pub fn same_package(&self, other: &Self) -> bool {
        let norm = |p: &Self, s: &str| {
            if p.ty == "pypi" { s.to_ascii_lowercase().replace(['_', '.'], "-") } else { s.to_owned() }
        };
        self.ty == other.ty
            && self.namespace.as_deref().map(|n| norm(self, n)) == other.namespace.as_deref().map(|n| norm(other, n))
            && norm(self, &self.name) == norm(other, &other.name)
    }

    /// The ecosystem name OSV uses for this type (`crates.io`, `npm`, `PyPI`, `Go`, `Maven`), if known.
    pub fn osv_ecosystem(&self) -> Option<&'static str> {
        Some(match self.ty.as_str() {
            "cargo" => "crates.io",
            "npm" => "npm",
            "pypi" => "PyPI",
            "golang" => "Go",
            "maven" => "Maven",
            "nuget" => "NuGet",
            "gem" => "RubyGems",
            "composer" => "Packagist",
            "hex" => "Hex",
            "pub" => "Pub",
            _ => return None,
        })
    }

    /// The name scanners print for the package: `namespace/name` (Maven: `group:artifact`,
    /// npm: `@scope/name`), else the name.
    pub fn display_name(&self) -> String {
        match (&self.namespace, self.ty.as_str()) {
            (Some(ns), "maven") => format!("{ns}:{}", self.name),
            (Some(ns), _) => format!("{ns}/{}", self.name),
            (None, _) => self.name.clone(),
        }
    }
}

fn pct_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or_else(|| format!("truncated percent escape in `{s}`"))?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("bad percent escape `%{hex}` in `{s}`"))?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("percent escapes in `{s}` are not UTF-8"))
}

impl FromStr for Purl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let rest =
            s.strip_prefix("pkg:").ok_or_else(|| format!("`{s}` is not a package URL (it must start with `pkg:`)"))?;
        let rest = rest.split_once('#').map_or(rest, |(a, _)| a);
        let rest = rest.split_once('?').map_or(rest, |(a, _)| a);
        let (ty, path) = rest.split_once('/').ok_or_else(|| format!("`{s}` has no `type/name`"))?;
        if ty.is_empty()
            || !ty.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            || !ty.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
        {
            return Err(format!("`{s}`: purl type `{ty}` is not valid"));
        }
        let path = path.trim_matches('/');
        // The version follows the last `@` of the last segment (npm scopes start with `%40`/`@`).
        let (path, version) = match path.rsplit_once('/') {
            Some((ns, last)) => match last.split_once('@') {
                Some((n, v)) => (format!("{ns}/{n}"), Some(v)),
                None => (path.to_owned(), None),
            },
            None => match path.split_once('@') {
                Some((n, v)) => (n.to_owned(), Some(v)),
                None => (path.to_owned(), None),
            },
        };
        let (namespace, name) = match path.rsplit_once('/') {
            Some((ns, n)) => (Some(pct_decode(ns)?), pct_decode(n)?),
            None => (None, pct_decode(&path)?),
        };
        if name.is_empty() {
            return Err(format!("`{s}` has an empty package name"));
        }
        let version = match version {
            Some("") => return Err(format!("`{s}` has an empty version after `@`")),
            Some(v) => Some(pct_decode(v)?),
            None => None,
        };
        Ok(Self { ty: ty.to_ascii_lowercase(), namespace: namespace.filter(|n| !n.is_empty()), name, version })
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.unversioned())?;
        if let Some(v) = &self.version {
            write!(f, "@{v}")?;
        }
        Ok(())
    }
}

/// A comparison operator of a [`VersionRange`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum VersionOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl VersionOp {
    /// The operator as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }
}

/// A version range: comparators joined by `,` that must all hold, e.g. `>=0.1.0, <0.2.0`; `*`
/// matches every version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct VersionRange {
    /// The comparators (empty: `*`).
    pub comparators: Vec<(VersionOp, String)>,
}

impl VersionRange {
    /// `true` when `version` parses and satisfies every comparator. A version that does not
    /// parse matches nothing (fail closed).
    pub fn contains(&self, version: &str) -> bool {
        let Some(v) = Version::parse(version) else { return false };
        self.comparators.iter().all(|(op, bound)| {
            let Some(b) = Version::parse(bound) else { return false };
            let o = v.cmp(&b);
            match op {
                VersionOp::Eq => o == Ordering::Equal,
                VersionOp::Ne => o != Ordering::Equal,
                VersionOp::Lt => o == Ordering::Less,
                VersionOp::Le => o != Ordering::Greater,
                VersionOp::Gt => o == Ordering::Greater,
                VersionOp::Ge => o != Ordering::Less,
            }
        })
    }

    /// The single version the range pins (`=X`), if that is all it says.
    pub fn exact(&self) -> Option<&str> {
        match self.comparators.as_slice() {
            [(VersionOp::Eq, v)] => Some(v),
            _ => None,
        }
    }

    /// `true` for `*`.
    pub fn is_any(&self) -> bool {
        self.comparators.is_empty()
    }
}

impl FromStr for VersionRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t == "*" {
            return Ok(Self { comparators: Vec::new() });
        }
        let mut comparators = Vec::new();
        for part in t.split(',') {
            let p = part.trim();
            let (op, rest) = [
                (">=", VersionOp::Ge),
                ("<=", VersionOp::Le),
                ("!=", VersionOp::Ne),
                ("==", VersionOp::Eq),
                (">", VersionOp::Gt),
                ("<", VersionOp::Lt),
                ("=", VersionOp::Eq),
            ]
            .into_iter()
            .find_map(|(w, op)| p.strip_prefix(w).map(|r| (op, r.trim())))
            .ok_or_else(|| {
                format!("`{p}` in version range `{t}` does not start with an operator (>=, >, <=, <, =, !=)")
            })?;
            if Version::parse(rest).is_none() {
                return Err(format!("`{rest}` in version range `{t}` is not a version (digits separated by `.`)"));
            }
            comparators.push((op, rest.to_owned()));
        }
        Ok(Self { comparators })
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.comparators.is_empty() {
            return f.write_str("*");
        }
        let parts: Vec<String> = self.comparators.iter().map(|(o, v)| format!("{}{v}", o.as_str())).collect();
        f.write_str(&parts.join(", "))
    }
}

/// A version for range comparison: release numbers separated by `.` (missing ones count as 0),
/// an optional `-pre-release` (lower than the release; compared by dot-separated identifiers,
/// numeric ones numerically) and an ignored `+build`. A leading `v` is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Version {
    release: Vec<u64>,
    pre: Vec<String>,
}

impl Version {
    fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let s = s.split_once('+').map_or(s, |(a, _)| a);
        let (rel, pre) = s.split_once('-').map_or((s, None), |(a, b)| (a, Some(b)));
        let release = rel.split('.').map(|p| p.parse::<u64>().ok()).collect::<Option<Vec<_>>>()?;
        if release.is_empty() {
            return None;
        }
        let pre = match pre {
            None => Vec::new(),
            Some("") => return None,
            Some(p) => p.split('.').map(str::to_owned).collect(),
        };
        Some(Self { release, pre })
    }
}

impl Ord for Version {
    fn cmp(&self, o: &Self) -> Ordering {
        let n = self.release.len().max(o.release.len());
        for i in 0..n {
            let c = self.release.get(i).unwrap_or(&0).cmp(o.release.get(i).unwrap_or(&0));
            if c != Ordering::Equal {
                return c;
            }
        }
        match (self.pre.is_empty(), o.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (a, b) in self.pre.iter().zip(&o.pre) {
                    let c = match (a.parse::<u64>(), b.parse::<u64>()) {
                        (Ok(x), Ok(y)) => x.cmp(&y),
                        (Ok(_), Err(_)) => Ordering::Less,
                        (Err(_), Ok(_)) => Ordering::Greater,
                        (Err(_), Err(_)) => a.cmp(b),
                    };
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                self.pre.len().cmp(&o.pre.len())
            }
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// `true` for a Gitleaks fingerprint, `[commit:]file:rule-id:line` (the line a number).
pub fn is_gitleaks_fingerprint(s: &str) -> bool {
    let parts: Vec<&str> = s.rsplitn(3, ':').collect();
    matches!(parts.as_slice(), [line, rule, file]
        if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) && !rule.is_empty() && !file.is_empty()
            && !s.chars().any(char::is_whitespace))
}

/// The package and version a finding's resource location names: a purl (`pkg:...@v`) or
/// `name@version` (the form ingest writes). `None` when the location names no package.
pub fn package_of_location(location: &str) -> Option<(Option<Purl>, String, Option<String>)> {
    let loc = location.trim();
    if loc.starts_with("pkg:") {
        let p: Purl = loc.parse().ok()?;
        let name = p.display_name();
        let version = p.version.clone();
        return Some((Some(p), name, version));
    }
    // `name@version`; an npm scope's leading `@` is part of the name.
    let scoped = loc.strip_prefix('@');
    let (name, version) = scoped.unwrap_or(loc).rsplit_once('@')?;
    let name = if scoped.is_some() { format!("@{name}") } else { name.to_owned() };
    if name.is_empty() || name.contains(char::is_whitespace) || version.is_empty() {
        return None;
    }
    Some((None, name, Some(version.to_owned())))
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_advisory_id_ingest_records_is_one_an_exception_can_name() {
        for ok in ["CVE-2021-44228", "GHSA-c3h9-896r-86jm", "RUSTSEC-2022-0090", "GO-2022-0001", "PYSEC-2021-1"] {
            assert!(is_known_advisory_id(ok) && is_advisory_id(ok), "{ok}");
        }
        for bad in [
            "CVE-21-1",
            "no-such",
            "DS002",
            "GHSA-abcd/efgh",
            "GHSA-a b",
            "RUSTSEC-",
            "-2020-1",
            "CVE-2021-4422８",
            "cve-2021-44228",
        ] {
            assert!(!is_known_advisory_id(bad), "{bad}");
        }
        // A person may name more than a scanner reports (lower-case prefixes, unknown databases).
        assert!(is_advisory_id("acme-2024-1") && !is_known_advisory_id("acme-2024-1"));
    }

    use super::*;

    #[test]
    fn purls_parse_and_compare() {
        let p: Purl = "pkg:npm/%40angular/core@16.0.0?x=y#sub".parse().unwrap();
        assert_eq!((p.ty.as_str(), p.namespace.as_deref(), p.name.as_str()), ("npm", Some("@angular"), "core"));
        assert_eq!(p.version.as_deref(), Some("16.0.0"));
        assert_eq!(p.to_string(), "pkg:npm/@angular/core@16.0.0");
        let c: Purl = "pkg:cargo/time".parse().unwrap();
        assert_eq!((c.name.as_str(), c.version.as_deref()), ("time", None));
        assert!(c.same_package(&"pkg:cargo/time@0.1.45".parse().unwrap()));
        assert!(!c.same_package(&"pkg:npm/time@0.1.45".parse().unwrap()), "the type is part of the identity");
        let py: Purl = "pkg:pypi/Django_Rest".parse().unwrap();
        assert!(py.same_package(&"pkg:pypi/django-rest".parse().unwrap()));
        for bad in ["cargo/time", "pkg:/x", "pkg:cargo/", "pkg:cargo/time@", "pkg:1x/y", "pkg:cargo/a%zz"] {
            assert!(bad.parse::<Purl>().is_err(), "{bad}");
        }
    }

    #[test]
    fn version_ranges_are_all_of_their_comparators() {
        let r: VersionRange = ">=0.1.0, <0.2.0".parse().unwrap();
        assert!(r.contains("0.1.45") && r.contains("0.1") && !r.contains("0.2.0") && !r.contains("0.0.9"));
        assert!(!r.contains("0.2.0-rc.1") || Version::parse("0.2.0-rc.1") < Version::parse("0.2.0"));
        assert!(r.contains("0.2.0-rc.1"), "a pre-release sorts before its release");
        assert!(!r.contains("banana"), "an unparseable version matches nothing");
        assert_eq!(r.to_string(), ">=0.1.0, <0.2.0");
        assert!("*".parse::<VersionRange>().unwrap().contains("9.9"));
        assert_eq!("=1.2.3".parse::<VersionRange>().unwrap().exact(), Some("1.2.3"));
        assert!("!=1.0".parse::<VersionRange>().unwrap().contains("v1.0.1"));
        for bad in ["1.0", ">=x", ">=1.0,", "~1.0", ">=1.0-"] {
            assert!(bad.parse::<VersionRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_fingerprints_and_locations() {
        for ok in ["CVE-2023-38545", "GHSA-jfh8-c2jp-5v3q", "RUSTSEC-2020-0071", "GO-2022-0001", "PYSEC-2021-1"] {
            assert!(is_advisory_id(ok), "{ok}");
        }
        for bad in ["CVE", "-1", "CVE 2023", "1CVE-1", "CVE-"] {
            assert!(!is_advisory_id(bad), "{bad}");
        }
        assert!(is_gitleaks_fingerprint("cd5226711335c68be1e720b318b7bc3135a30eb2:cmd/a.go:generic-api-key:12"));
        assert!(is_gitleaks_fingerprint("src/a.rs:aws-access-token:3"));
        assert!(!is_gitleaks_fingerprint("src/a.rs:aws-access-token:x") && !is_gitleaks_fingerprint("a.rs:3"));
        assert_eq!(package_of_location("time@0.1.45"), Some((None, "time".into(), Some("0.1.45".into()))));
        assert_eq!(package_of_location("@scope/x@1.0").map(|p| p.1), Some("@scope/x".into()));
        assert_eq!(package_of_location("src/main.rs"), None);
        // A name that starts with a multibyte character is still a name (byte 1 is inside it).
        assert_eq!(package_of_location("ünïcode@1.0"), Some((None, "ünïcode".into(), Some("1.0".into()))));
        assert_eq!(package_of_location("@é/x@2"), Some((None, "@é/x".into(), Some("2".into()))));
        assert_eq!(package_of_location("é@"), None);
        assert_eq!(package_of_location("@"), None);
        assert_eq!(package_of_location("pkg:cargo/time@0.1.45").and_then(|p| p.2), Some("0.1.45".into()));
    }
}
