//! Fail-open sweep 4, F2: one bad timestamp made `sec_findings.yaml` unreadable, and the KPIs
//! were computed over no findings ("0 critical open", a zero-findings snapshot recorded) while
//! `secfw gate` failed. Now an artifact the KPIs are computed from that exists but does not
//! parse or has errors — or a missing ledger — refuses the collection (`MT0010`) with every
//! error located, and nothing can be recorded from it.

use chrono::{DateTime, Utc};
use secfw_artifacts::{LoadOptions, LoadedWorkspace, load};
use secfw_metrics::{CollectOptions, Error, HISTORY_DIR, codes, collect};

fn now() -> DateTime<Utc> {
    secfw_artifacts::template::EXAMPLE_NOW.parse().unwrap()
}

/// The example workspace with `edit` applied to `file`.
fn example(file: &str, edit: impl FnOnce(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(dir.path()).unwrap();
    let p = dir.path().join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "{file} was edited");
    std::fs::write(&p, edited).unwrap();
    dir
}

/// SF-0001's `resolved_at` as an out-of-range year: the ledger no longer parses (SF0110).
fn bad_timestamp(text: &str) -> String {
    text.replace("    resolved_at: \"2026-08-14T16:20:00Z\"", "    resolved_at: \"+10000-01-01T00:00:00Z\"")
}

fn refusal(ws: &LoadedWorkspace) -> Vec<secfw_artifacts::Diagnostic> {
    match collect(ws, &CollectOptions::default(), now()) {
        Err(Error::UnreadableInputs { diagnostics }) => diagnostics,
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(r) => panic!("computed KPIs over an unreadable workspace: {} critical open", r.metrics.findings.critical()),
    }
}

#[test]
fn a_ledger_that_does_not_parse_refuses_the_kpis_with_the_located_error() {
    let dir = example("sec_findings.yaml", bad_timestamp);
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    assert!(ws.findings.is_none(), "the ledger does not parse");
    let diags = refusal(&ws);
    let cause = diags.iter().find(|d| d.code == secfw_artifacts::codes::INVALID_VALUE).expect("the SF0110 error");
    assert_eq!(cause.file, "sec_findings.yaml");
    assert!(cause.line.is_some(), "located: {cause}");
    let last = diags.last().unwrap();
    assert_eq!(last.code, codes::UNREADABLE_INPUT, "the MT0010 summary comes last");
    assert!(last.is_error() && last.message.contains("Critical=0"), "{last}");
    assert!(last.hint.is_some());
    // The message alone (what a caller that prints only the error shows) names file and line.
    let e = collect(&ws, &CollectOptions::default(), now()).unwrap_err().to_string();
    assert!(e.contains("sec_findings.yaml:") && e.contains("SF0110"), "{e}");
    assert!(!dir.path().join(HISTORY_DIR).exists(), "nothing recorded");
    assert!(secfw_metrics::unreadable_inputs(&ws).len() >= 2);
}

#[test]
fn a_ledger_with_errors_that_still_parses_is_refused_too() {
    // Two findings share one id (SF0201): the ledger parses, `secfw gate` fails it.
    let dir = example("sec_findings.yaml", |t| t.replacen("  - finding_id: SF-0003\n", "  - finding_id: SF-0002\n", 1));
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    assert!(ws.diagnostics.iter().any(|d| d.is_error() && d.file == "sec_findings.yaml"), "{:#?}", ws.diagnostics);
    let diags = refusal(&ws);
    assert!(diags.iter().any(|d| d.file == "sec_findings.yaml" && d.code != codes::UNREADABLE_INPUT));
}

/// An edit of an artifact's text.
type Edit = fn(&str) -> String;

#[test]
fn a_rulebook_exceptions_inventory_or_policy_map_that_does_not_parse_refuses_the_kpis() {
    let cases: [(&str, Edit); 4] = [
        ("rulebook.yaml", |t| format!("{t}\n  : [unbalanced\n")),
        ("exceptions.md", |t| t.replacen("- **Valid Until**: ", "- **Valid Until**: not-a-date ", 1)),
        ("inventory.yaml", |t| format!("{t}\n  : [unbalanced\n")),
        ("policy_map.md", |_| "\u{0}".to_owned()),
    ];
    for (file, edit) in cases {
        let dir = example(file, edit);
        let ws = load(dir.path(), &LoadOptions::default()).unwrap();
        assert!(ws.diagnostics.iter().any(|d| d.is_error() && d.file == file), "{file}: {:#?}", ws.diagnostics);
        let diags = refusal(&ws);
        assert!(diags.iter().any(|d| d.file == file && d.code != codes::UNREADABLE_INPUT), "{file}: {diags:#?}");
        assert!(diags.last().unwrap().message.contains(file), "{file}: the summary names it");
    }
}

#[test]
fn a_missing_ledger_is_refused_but_other_missing_inputs_keep_their_documented_meaning() {
    let dir = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(dir.path()).unwrap();
    std::fs::remove_file(dir.path().join("sec_findings.yaml")).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let diags = refusal(&ws);
    assert!(diags.last().unwrap().message.contains("no findings ledger"), "{diags:#?}");
    assert!(diags.last().unwrap().hint.as_deref().is_some_and(|h| h.contains("not compliant")));

    // No rulebook (defaults), no registry (nothing excepted), no inventory (coverage n/a with
    // MT0004), no policy map (any listed policy counts): the KPIs are computed.
    let dir = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(dir.path()).unwrap();
    for f in ["rulebook.yaml", "exceptions.md", "inventory.yaml", "policy_map.md"] {
        std::fs::remove_file(dir.path().join(f)).unwrap();
    }
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    assert!(secfw_metrics::unreadable_inputs(&ws).is_empty());
    let r = collect(&ws, &CollectOptions::default(), now()).unwrap();
    assert!(r.diagnostics.iter().any(|d| d.code == codes::MISSING_INPUT && d.file == "inventory.yaml"));
}
