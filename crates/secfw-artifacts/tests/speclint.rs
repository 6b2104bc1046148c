//! `security_spec.md` lint: template, placeholders, structure, review cycle, cross-checks.

use std::fmt::Write as _;

use chrono::{DateTime, TimeZone, Utc};
use secfw_artifacts::speclint::{self, SpecContext, TEMPLATE};
use secfw_artifacts::{Diagnostic, LoadOptions, SourceFile, load};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()
}

fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
    d.iter().map(|d| d.code.as_str()).collect()
}

fn has(d: &[Diagnostic], code: &str, needle: &str) -> bool {
    d.iter().any(|x| x.code.as_str() == code && x.message.contains(needle))
}

#[test]
fn template_is_the_seed_verbatim() {
    let seed = secfw_testkit::corpora("seeds/security_spec_template.md");
    assert_eq!(TEMPLATE, std::fs::read_to_string(seed).unwrap());
}

#[test]
fn fresh_template_reports_every_placeholder_and_guidance_line() {
    let d = speclint::lint_file(&SourceFile::new("security_spec.md", TEMPLATE), now());
    // title, owner, last_updated placeholders.
    assert!(has(&d, "SF0703", "`title`"), "{d:#?}");
    assert!(has(&d, "SF0703", "`owner`"));
    assert!(has(&d, "SF0703", "YYYY-MM-DD"));
    // Every guidance line of every section (25 lines) is reported, each at its own line.
    let guidance: Vec<&Diagnostic> = d.iter().filter(|x| x.message.contains("guidance copied verbatim")).collect();
    assert_eq!(guidance.len(), 25, "{guidance:#?}");
    assert_eq!(guidance[0].line, Some(14));
    assert_eq!(guidance[0].column, Some(1));
    // No section is missing; the standalone note is there.
    assert!(!codes(&d).contains(&"SF0702"));
    assert!(codes(&d).contains(&"SF0713"));
}

fn good_spec(last_updated: &str) -> String {
    let mut s = format!(
        "---\nspec_type: security-and-compliance\ntitle: Widget Spec\nowner: widget-security\nstatus: approved\nlast_updated: {last_updated}\n---\n\n# Security & Compliance Specification\n"
    );
    for sec in secfw_artifacts::SPEC_REQUIRED_SECTIONS {
        let _ = write!(s, "\n## {sec}\n- Widget-specific text about {sec}.\n");
    }
    s
}

#[test]
fn clean_spec_is_clean_and_structure_problems_are_located() {
    let d = speclint::lint_file(&SourceFile::new("security_spec.md", good_spec("2026-11-01")), now());
    assert_eq!(codes(&d), vec!["SF0713"], "{d:#?}");

    // Missing section, bad status, empty section, a placeholder in the body.
    let text = good_spec("2026-11-01")
        .replace("## Threat Modeling\n- Widget-specific text about Threat Modeling.\n", "")
        .replace("- Widget-specific text about Purpose.\n", "")
        .replace("status: approved", "status: final")
        .replace("Widget-specific text about References.", "Ask <security-team> for the runbooks.");
    let d = speclint::lint_file(&SourceFile::new("security_spec.md", text), now());
    assert!(has(&d, "SF0103", "final") || d.iter().any(|x| x.code.as_str() == "SF0103"), "{d:#?}");
    assert_eq!(d.iter().find(|x| x.code.as_str() == "SF0103").unwrap().line, Some(5));
    // With an invalid front matter the spec's structure is still reported.
    assert!(has(&d, "SF0702", "Threat Modeling"));
    let ph = d.iter().find(|x| x.code.as_str() == "SF0703").unwrap();
    assert!(ph.message.contains("<security-team>"));
    assert_eq!(ph.column, Some(7));
}

#[test]
fn empty_section_and_review_cycle() {
    let text = good_spec("2026-01-02").replace("- Widget-specific text about Purpose.\n", "");
    let d = speclint::lint_file(&SourceFile::new("security_spec.md", text.clone()), now());
    let e = d.iter().find(|x| x.code.as_str() == "SF0706").unwrap();
    assert!(e.message.contains("Purpose"));
    assert_eq!(e.line, Some(11));
    // 2026-01-02 is 326 days before 2026-11-24: stale with the default 90-day cycle...
    let s = d.iter().find(|x| x.code.as_str() == "SF0705").unwrap();
    assert!(s.message.contains("326 days"), "{}", s.message);
    assert_eq!(s.line, Some(6));
    // ...but not with a 365-day cycle.
    let ctx = SpecContext::standalone().with_review_cycle_days(365);
    let d = speclint::lint(&SourceFile::new("security_spec.md", text), &ctx, now());
    assert!(!codes(&d).contains(&"SF0705"));
    // A date in the future.
    let d = speclint::lint_file(&SourceFile::new("security_spec.md", good_spec("2027-01-01")), now());
    assert!(codes(&d).contains(&"SF0707"));
}

fn example_ws() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(dir.path()).unwrap();
    dir
}

#[test]
fn example_workspace_spec_is_clean() {
    let dir = example_ws();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let d = speclint::lint_workspace(&ws, now());
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn cross_checks_tags_exceptions_controls() {
    let dir = example_ws();
    let p = dir.path().join("security_spec.md");
    let text = std::fs::read_to_string(&p).unwrap();
    let text = text
        // an unknown tag, a wrongly-cased tag, and `health` no longer classified
        .replace("`health` data is not processed", "`medical` data is not processed, nor `Pii`")
        // EXC-004 no longer listed; EXC-009 does not exist
        .replace("- EXC-004: no certificate pinning", "- EXC-009: no certificate pinning")
        // CTL-099 and POL-042 do not exist; RB-IR-001 and XCTL-001 are not control ids
        .replace("(CTL-009, CTL-010)", "(CTL-009, CTL-099, POL-042, XCTL-001)");
    std::fs::write(&p, &text).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let d = speclint::lint_workspace(&ws, now());
    assert!(has(&d, "SF0708", "`medical`"), "{d:#?}");
    let pii = d.iter().find(|x| x.code.as_str() == "SF0708" && x.message.contains("`Pii`")).unwrap();
    assert!(pii.hint.as_deref().unwrap().contains("`PII`"));
    let line = text.lines().position(|l| l.contains("`medical`")).unwrap() + 1;
    let col = text.lines().nth(line - 1).unwrap().find("medical").unwrap() + 1;
    let med = d.iter().find(|x| x.message.contains("`medical`")).unwrap();
    assert_eq!((med.line, med.column), (Some(u32::try_from(line).unwrap()), Some(u32::try_from(col).unwrap())));
    assert!(has(&d, "SF0709", "`health`"));
    assert!(has(&d, "SF0710", "EXC-009"));
    let unlisted = d.iter().find(|x| x.code.as_str() == "SF0711").unwrap();
    assert!(unlisted.message.contains("EXC-004"));
    assert_eq!(unlisted.related[0].file, "exceptions.md");
    assert!(has(&d, "SF0712", "control CTL-099"));
    assert!(has(&d, "SF0712", "policy POL-042"));
    assert!(!d.iter().any(|x| x.message.contains("CTL-001 ") && x.code.as_str() == "SF0712"));
    assert_eq!(d.iter().filter(|x| x.code.as_str() == "SF0712").count(), 2, "{d:#?}");

    // An expired exception need not be listed: at 2027-02-01 EXC-002 (valid until 2027-01-31)
    // is over, EXC-003 and EXC-004 are not.
    let later = Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap();
    let d = speclint::lint_workspace(&ws, later);
    assert!(!has(&d, "SF0711", "EXC-002"));
    assert!(has(&d, "SF0711", "EXC-004"));
}

#[test]
fn positions_after_multibyte_text_count_characters() {
    let dir = example_ws();
    let p = dir.path().join("security_spec.md");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("`health` data is not processed", "données «santé» — `medical` data (voir EXC-009é) is not processed");
    std::fs::write(&p, &text).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let d = speclint::lint_workspace(&ws, now());
    // The expected column of `needle`: the characters before it on its line, plus one.
    let at = |needle: &str| {
        let (n, line) = text.lines().enumerate().find(|(_, l)| l.contains(needle)).unwrap();
        let before = line.split_once(needle).unwrap().0;
        (Some(u32::try_from(n + 1).unwrap()), Some(u32::try_from(before.chars().count() + 1).unwrap()))
    };
    let med = d.iter().find(|x| x.code.as_str() == "SF0708" && x.message.contains("`medical`")).expect("unknown tag");
    assert_eq!((med.line, med.column), at("medical"), "{med:#?}");
    // `EXC-009é`: the id ends at the multibyte letter (not ASCII alphanumeric).
    let exc = d.iter().find(|x| x.code.as_str() == "SF0710" && x.message.contains("EXC-009")).expect("unknown id");
    assert_eq!((exc.line, exc.column), at("EXC-009"), "{exc:#?}");
}

#[test]
fn missing_artifacts_skip_their_cross_check_with_a_note() {
    let dir = example_ws();
    std::fs::remove_file(dir.path().join("policy_map.md")).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let d = speclint::lint_workspace(&ws, now());
    assert_eq!(codes(&d), vec!["SF0713"], "{d:#?}");
    assert!(d[0].message.contains("policy_map.md"));
}

#[test]
fn init_writes_the_template_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new/ws");
    let p = speclint::init(&target).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), TEMPLATE);
    std::fs::write(&p, "mine").unwrap();
    let e = speclint::init(&target).unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "mine");
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 1, "no temporary file left behind");
}

#[test]
fn lint_never_panics_on_odd_input() {
    for text in [
        "",
        "---",
        "---\n---\n",
        "---\ntitle: [\n---\n## Purpose\n`",
        "## Purpose\nEXC-\nCTL-1x `a` ``",
        "\u{feff}---\nx: <>\n---\n",
        // Multibyte text where ids, tags and placeholders are looked for.
        "---\ntitle: <é>\nowner: «x»\n---\n## Purpose\n€`é`EXC-€ `😀` EXC-1é\u{3000}\n",
        "é---\n## Données\n`a`€`b` CTL-0001😀POL-€\n",
    ] {
        let _ = speclint::lint_file(&SourceFile::new("security_spec.md", text), now());
        let dir = example_ws();
        std::fs::write(dir.path().join("security_spec.md"), text).unwrap();
        let ws = load(dir.path(), &LoadOptions::default()).unwrap();
        let _ = speclint::lint_workspace(&ws, now());
    }
}
