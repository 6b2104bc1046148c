//! Exports of a workspace agree with the gates about which findings are excepted: the same
//! governance evaluation decides (validity, approvals, the 180-day window, the policy match).

use secfw_artifacts::{LoadOptions, load};
use secfw_export::{ExportInput, sarif};

fn suppressed(ws: &secfw_artifacts::LoadedWorkspace, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    let input = ExportInput::from_workspace(ws, now).unwrap();
    let log = sarif(&input);
    let mut ids: Vec<String> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r.get("suppressions")
                .and_then(|s| s.as_array())
                .is_some_and(|s| s.iter().any(|x| x["properties"]["exception_id"].is_string()))
        })
        .map(|r| {
            r["properties"]["finding_id"]
                .as_str()
                .or_else(|| r["partialFingerprints"]["secfw/v1"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn suppressions_are_exactly_the_findings_governance_excepts() {
    let dir = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(dir.path()).unwrap();
    let now: chrono::DateTime<chrono::Utc> = secfw_artifacts::template::EXAMPLE_NOW.parse().unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let gov = secfw_governance::evaluate(&ws, now);
    let excepted = gov.findings.iter().filter(|f| f.is_excepted()).count();
    assert!(excepted >= 3, "the example excepts findings");
    assert_eq!(suppressed(&ws, now).len(), excepted);

    // An exception whose requestor also approves it is invalid for governance; its dates alone
    // would still look fine. The export follows governance: no suppression for its findings.
    let p = dir.path().join("exceptions.md");
    let text = std::fs::read_to_string(&p).unwrap();
    let (_, entry) = text.split_once("### EXC-002").expect("EXC-002 in the example");
    let req_line = entry.lines().find(|l| l.contains("**Requestor**")).unwrap();
    let requestor = req_line.split("**:").nth(1).unwrap().trim().to_owned();
    let appr_line = entry.lines().find(|l| l.contains("**Approval**")).unwrap().to_owned();
    std::fs::write(&p, text.replacen(&appr_line, &format!("- **Approval**: {requestor}"), 1)).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let gov = secfw_governance::evaluate(&ws, now);
    let now_excepted = gov.findings.iter().filter(|f| f.is_excepted()).count();
    assert!(now_excepted < excepted, "governance no longer excepts EXC-002's findings");
    assert_eq!(suppressed(&ws, now).len(), now_excepted);
}
