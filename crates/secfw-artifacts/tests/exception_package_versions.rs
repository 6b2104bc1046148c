//! `**Package**` and `**Versions**` never say more than secfw can hold to (fail-open sweep F9,
//! N1): a range is compared by the package type's own version rules, a range over versions
//! secfw cannot order is refused at `**Versions**`, and qualifiers secfw cannot carry into every
//! scanner's ignore file are refused at `**Package**` — each with a located `SF0405` and a hint.

use secfw_artifacts::{Level, SourceFile, VersionScheme, codes};

fn entry(package: &str, versions: &str, versions_first: bool) -> String {
    let (p, v) = (format!("- **Package**: {package}\n"), format!("- **Versions**: {versions}\n"));
    let (a, b) = if versions_first { (v, p) } else { (p, v) };
    format!(
        "# Security Exception Registry\n\n## Active Exceptions\n\n### EXC-010: old curl\n- **Policy**: POL-007\n- **Severity**: Critical\n- **Requestor**: a@b.example\n- **Approval**: c@d.example\n- **Valid Until**: 2027-01-31\n- **Justification**: J.\n- **Advisories**: CVE-2023-38545\n{a}{b}"
    )
}

fn parse(text: &str) -> (secfw_artifacts::ExceptionRegistry, Vec<secfw_artifacts::Diagnostic>) {
    secfw_artifacts::parse_exceptions(&SourceFile::new("exceptions.md", text), Level::Warning)
}

#[test]
fn a_debian_range_is_read_by_dpkg_rules_whichever_field_comes_first() {
    for first in [false, true] {
        let (reg, d) = parse(&entry("pkg:deb/debian/curl", "<7.88.1", first));
        assert!(d.is_empty(), "{d:?}");
        let r = reg.exceptions[0].versions.as_ref().unwrap();
        assert_eq!(r.scheme, VersionScheme::Dpkg);
        assert!(!r.contains("7.88.1-10+deb12u1"), "the Debian build of 7.88.1 is not below 7.88.1");
        assert!(r.contains("7.74.0-1.3+deb11u7"));
    }
    // Rendered and read again, the range is bound again.
    let (reg, _) = parse(&entry("pkg:deb/debian/curl", "<7.88.1", false));
    let (again, d) = parse(&secfw_artifacts::render_exceptions(&reg));
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(again.exceptions[0].versions, reg.exceptions[0].versions);
}

#[test]
fn an_alpine_range_is_refused_at_the_versions_field_with_a_hint() {
    for first in [false, true] {
        let text = entry("pkg:apk/alpine/curl", "<8.5.0-r0", first);
        let (reg, d) = parse(&text);
        assert!(reg.exceptions.is_empty(), "a refused exception is not registered (it excepts nothing)");
        let x = d.iter().find(|x| x.code == codes::EXCEPTION_BAD_VALUE).expect("SF0405");
        let line = text.lines().position(|l| l.contains("**Versions**")).unwrap() + 1;
        assert_eq!((x.line, x.column), (Some(u32::try_from(line).unwrap()), Some(17)), "{x:?}");
        assert!(x.message.contains("only `*` or `=VERSION`"), "{}", x.message);
        assert!(x.hint.as_deref().is_some_and(|h| h.contains("=8.5.0-r0")), "{:?}", x.hint);
    }
    let (reg, d) = parse(&entry("pkg:apk/alpine/curl", "=8.5.0-r0", false));
    assert!(d.is_empty(), "{d:?}");
    assert!(reg.exceptions[0].versions.as_ref().unwrap().contains("8.5.0-r0"));
}

#[test]
fn a_pypi_range_bound_secfw_cannot_order_is_refused() {
    let (reg, d) = parse(&entry("pkg:pypi/django", ">=4.2, <4.2.8rc1", false));
    assert!(reg.exceptions.is_empty());
    assert!(d.iter().any(|x| x.code == codes::EXCEPTION_BAD_VALUE && x.message.contains("`4.2.8rc1`")), "{d:?}");
    let (reg, d) = parse(&entry("pkg:pypi/django", ">=4.2, <4.2.8", false));
    assert!(d.is_empty(), "{d:?}");
    let r = reg.exceptions[0].versions.as_ref().unwrap();
    assert!(r.contains("4.2.7") && !r.contains("4.2.8rc1") && !r.contains("4.2.7.post1"), "suffixes are never guessed");
}

#[test]
fn a_package_with_a_distro_qualifier_is_refused_not_widened_to_every_distro() {
    let text = entry("pkg:deb/debian/curl?distro=debian-12.2", "*", false);
    let (reg, d) = parse(&text);
    assert!(reg.exceptions.is_empty(), "never compiled for every distro");
    let x = d.iter().find(|x| x.code == codes::EXCEPTION_BAD_VALUE).expect("SF0405");
    let line = text.lines().position(|l| l.contains("**Package**")).unwrap() + 1;
    assert_eq!((x.line, x.column), (Some(u32::try_from(line).unwrap()), Some(16)), "{x:?}");
    assert!(x.message.contains("qualifiers"), "{}", x.message);
    assert!(x.hint.as_deref().is_some_and(|h| h.contains("pkg:deb/debian/curl`")), "{:?}", x.hint);
    let (reg, _) = parse(&entry("pkg:golang/github.com/x/y#sub", "*", false));
    assert!(reg.exceptions.is_empty(), "a subpath too");
}

#[test]
fn hex_and_go_ranges_are_bound_to_their_own_pre_release_rules() {
    // Fail-open sweep 4 F4: Cargo, npm and Hex leave a pre-release of the next line out of
    // `>=7.0.0, <8.0.0`; Go orders versions only.
    for (ty, scheme, covered) in [
        ("pkg:cargo/x", VersionScheme::Semver, false),
        ("pkg:npm/x", VersionScheme::Semver, false),
        ("pkg:hex/x", VersionScheme::Hex, false),
        ("pkg:golang/github.com/x/y", VersionScheme::Go, true),
    ] {
        let (reg, d) = parse(&entry(ty, ">=7.0.0, <8.0.0", false));
        assert!(d.is_empty(), "{d:?}");
        let r = reg.exceptions[0].versions.as_ref().unwrap();
        assert_eq!(r.scheme, scheme, "{ty}");
        assert_eq!(r.contains("8.0.0-rc.1"), covered, "{ty}");
        assert!(r.contains("7.4.1"), "{ty}");
    }
}
