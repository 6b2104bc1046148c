//! JUnit XML (one test case per policy, failures for open findings) and GitHub Actions
//! annotations.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use secfw_artifacts::Severity;
use secfw_artifacts::model::findings::{Finding, FindingStatus};

use crate::{ExportInput, file_location};

/// A finding that fails its test case: [`ExportInput::counts`], as `secfw gate` counts it.
fn blocking(input: &ExportInput<'_>, f: &Finding) -> bool {
    input.counts(f)
}

/// What a counted finding's message says when its status reads as if it did not count: why
/// an `accepted` finding's acceptance does not hold, or that a `resolved` one is not resolved
/// yet (its `resolved_at` is after the time of export, so `secfw gate` counts it).
fn not_in_force(input: &ExportInput<'_>, f: &Finding) -> Option<String> {
    match f.status {
        FindingStatus::Accepted => Some(match &f.governance.exception_ref {
            Some(x) => format!("accepted, but {x} is not valid at the time of export: it counts again"),
            None => "accepted without a valid exception: it counts".to_owned(),
        }),
        FindingStatus::Resolved if input.live(f) => Some(format!(
            "marked resolved, but resolved_at {} is after the time of export {}: not resolved yet, it counts",
            f.resolved_at.map_or_else(String::new, |t| crate::rfc3339(t.instant())),
            crate::rfc3339(input.now)
        )),
        _ => None,
    }
}

/// JUnit XML: a `secfw.policies` suite with one test case per policy of `policy_map.md`
/// (failing while an open, unexcepted finding references it) and a `secfw.findings` suite
/// with one test case per current finding that references no policy. Excepted findings are
/// listed in `system-out`, never hidden.
#[expect(clippy::too_many_lines, reason = "renderer: the JUnit document written element by element")]
pub fn junit(input: &ExportInput<'_>) -> String {
    let findings = input.current();
    let mut by_policy: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    let mut unmapped = Vec::new();
    for f in &findings {
        if f.governance.policy_refs.is_empty() {
            unmapped.push(*f);
        }
        for p in &f.governance.policy_refs {
            by_policy.entry(p.clone()).or_default().push(f);
        }
    }
    let mut policies: Vec<(String, String)> = input
        .policies
        .map(|pm| pm.policies.iter().map(|p| (p.id.clone(), p.title.clone())).collect())
        .unwrap_or_default();
    for p in by_policy.keys() {
        if !policies.iter().any(|(id, _)| id == p) {
            policies.push((p.clone(), "(not in policy_map.md)".into()));
        }
    }
    policies.sort();
    let mut suites = String::new();
    let mut total = (0usize, 0usize);
    // Policies.
    let mut cases = String::new();
    let mut failures = 0;
    for (id, title) in &policies {
        let fs = by_policy.get(id).map_or(&[][..], Vec::as_slice);
        let open: Vec<&&Finding> = fs.iter().filter(|f| blocking(input, f)).collect();
        let _ = writeln!(
            cases,
            "    <testcase classname=\"secfw.policies\" name=\"{}\">",
            secfw_artifacts::escape_markup(&format!("{id}: {title}"))
        );
        if !open.is_empty() {
            failures += 1;
            let body: Vec<String> = open.iter().map(|f| line(input, f)).collect();
            let _ = writeln!(
                cases,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                secfw_artifacts::escape_markup(&format!("{} finding(s) count against this policy", open.len())),
                worst(&open),
                secfw_artifacts::escape_markup(&body.join("\n"))
            );
        }
        let excepted: Vec<String> = fs
            .iter()
            .filter_map(|f| input.decided_by(f).map(|by| format!("{} excepted by {by}", f.finding_id)))
            .collect();
        if !excepted.is_empty() {
            let _ = writeln!(
                cases,
                "      <system-out>{}</system-out>",
                secfw_artifacts::escape_markup(&excepted.join("\n"))
            );
        }
        cases.push_str("    </testcase>\n");
    }
    total.0 += policies.len();
    total.1 += failures;
    let _ = write!(
        suites,
        "  <testsuite name=\"secfw.policies\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n{cases}  </testsuite>\n",
        policies.len()
    );
    // Findings without a policy.
    let mut cases = String::new();
    let mut failures = 0;
    let mut skipped = 0;
    for f in &unmapped {
        let _ = writeln!(
            cases,
            "    <testcase classname=\"secfw.findings\" name=\"{}\">",
            secfw_artifacts::escape_markup(&format!("{}: {}", f.finding_id, f.title))
        );
        if blocking(input, f) {
            failures += 1;
            let _ = writeln!(
                cases,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                secfw_artifacts::escape_markup(&line(input, f)),
                f.severity,
                secfw_artifacts::escape_markup(&f.description)
            );
        } else {
            skipped += 1;
            let why =
                input.decided_by(f).map_or_else(|| format!("status {}", f.status), |by| format!("excepted by {by}"));
            let _ = writeln!(cases, "      <skipped message=\"{}\"/>", secfw_artifacts::escape_markup(&why));
        }
        cases.push_str("    </testcase>\n");
    }
    total.0 += unmapped.len();
    total.1 += failures;
    let _ = write!(
        suites,
        "  <testsuite name=\"secfw.findings\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n{cases}  </testsuite>\n",
        unmapped.len()
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"secfw\" tests=\"{}\" failures=\"{}\">\n{suites}</testsuites>\n",
        total.0, total.1
    )
}

fn worst(fs: &[&&Finding]) -> &'static str {
    fs.iter().map(|f| f.severity).min().unwrap_or(Severity::Low).as_str()
}

fn line(input: &ExportInput<'_>, f: &Finding) -> String {
    let loc = f.affected_resources.first().map_or(String::new(), |r| format!(" at {} ({})", r.resource_id, r.location));
    let why = not_in_force(input, f).map(|w| format!(" ({w})")).unwrap_or_default();
    format!("{} [{}] {}{loc}{why}", f.finding_id, f.severity, f.title)
}

fn esc_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn esc_prop(s: &str) -> String {
    esc_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands, one per current finding: a finding that counts
/// ([`ExportInput::counts`]: open, or accepted without a valid exception) is `::error` for
/// critical/high, `::warning` for medium, `::notice` for low; an excepted, false-positive or
/// otherwise uncounted finding is `::notice`.
pub fn github(input: &ExportInput<'_>) -> String {
    let mut out = String::new();
    for f in input.current() {
        let excepted = input.exception_for(f);
        let vex = input.vex_for(f).map(secfw_governance::vex::decision_id);
        let cmd = match (f.severity, input.counts(f)) {
            (_, false) | (Severity::Low, _) => "notice",
            (Severity::Critical | Severity::High, true) => "error",
            (Severity::Medium, true) => "warning",
        };
        let mut props = Vec::new();
        if let Some((path, l)) = file_location(f) {
            props.push(format!("file={}", esc_prop(&path)));
            if let Some(l) = l {
                props.push(format!("line={l}"));
            }
        }
        props.push(format!("title={}", esc_prop(&format!("{} [{}] {}", f.finding_id, f.severity, f.title))));
        let mut msg = f.description.clone();
        if let Some(e) = excepted {
            msg = format!("(excepted by {} until {}) {msg}", e.id, e.valid_until);
        } else if let Some(v) = vex {
            msg = format!("(excepted by {v}: not_affected) {msg}");
        } else if input.counts(f)
            && let Some(w) = not_in_force(input, f)
        {
            msg = format!("({w}) {msg}");
        }
        let _ = writeln!(out, "::{cmd} {}::{}", props.join(","), esc_data(&msg));
    }
    out
}
