//! Round trips: every artifact written by secfw's writers parses back to an equal value, through
//! the YAML path and the JSON fast path alike (proptest).

use proptest::prelude::*;
use secfw_artifacts::model::findings::{
    AffectedResource, Category, Evidence, EvidenceKind, Finding, FindingGovernance, FindingSource, FindingsMetadata,
    Priority, Remediation, ScanRecord, ScanStatus,
};
use secfw_artifacts::{Control, Policy, PolicyMap};
use secfw_artifacts::{
    Date, FindingStatus, FindingsFile, Level, LifecycleState, LoadOptions, Rulebook, Severity, SourceFile, Timestamp,
    yaml,
};
use secfw_artifacts::{Exception, ExceptionKind, ExceptionRegistry};

/// Text people write: punctuation YAML and Markdown care about, unicode, look-alikes of other
/// scalar types (`null`, `yes`, `1.0`), but no control characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 :#'\"\\-\\[\\]{}|>&*!%@`,?]{1,24}",
        Just("null".to_owned()),
        Just("yes".to_owned()),
        Just("1.0".to_owned()),
        Just("~".to_owned()),
        Just("- item".to_owned()),
        Just("Zürich – naïve ✓".to_owned()),
        Just("line one\nline two".to_owned()),
    ]
}

fn ident(prefix: &'static str) -> impl Strategy<Value = String> {
    (1u32..9999).prop_map(move |n| format!("{prefix}-{n:03}"))
}

fn ts() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        (0i64..2_000_000_000).prop_map(|s| Timestamp::DateTime(chrono::DateTime::from_timestamp(s, 0).unwrap())),
        (0i64..20_000).prop_map(|d| Timestamp::Date(Date(
            chrono::NaiveDate::from_num_days_from_ce_opt(730_000 + i32::try_from(d).unwrap()).unwrap()
        ))),
    ]
}

fn severity() -> impl Strategy<Value = Severity> {
    prop::sample::select(Severity::ALL.to_vec())
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i32>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug)]
struct Core {
    finding_id: String,
    severity: Severity,
    category: Category,
    title: String,
    description: String,
    resources: Vec<(String, String, String)>,
    remediation: Remediation,
}

/// Split into boxed halves: one flat strategy of 17 inputs overflows the test thread's stack in
/// debug builds (proptest's generated types nest deeply).
fn core() -> BoxedStrategy<Core> {
    (
        ident("F"),
        severity(),
        prop::sample::select(vec![Category::Vulnerability, Category::Compliance, Category::Configuration]),
        text(),
        text(),
        prop::collection::vec((text(), text(), text()), 0..3),
        (text(), prop::sample::select(vec![Priority::P0, Priority::P1, Priority::P2, Priority::P3]), ts()),
    )
        .prop_map(|(finding_id, severity, category, title, description, resources, (action, priority, deadline))| {
            Core {
                finding_id,
                severity,
                category,
                title,
                description,
                resources,
                remediation: Remediation { recommended_action: action, priority, deadline },
            }
        })
        .boxed()
}

fn finding() -> BoxedStrategy<Finding> {
    let governance = (
        prop::collection::vec(text(), 0..3),
        prop::option::of(ident("EXC")),
        prop::collection::vec(ident("POL"), 0..2),
    )
        .prop_map(|(tags, exception_ref, policy_refs)| FindingGovernance {
            tags: tags.clone(),
            compliance_standards: tags,
            exception_ref,
            policy_refs,
        })
        .boxed();
    let extras = (
        prop::sample::select(vec![
            FindingStatus::Open,
            FindingStatus::Resolved,
            FindingStatus::Accepted,
            FindingStatus::FalsePositive,
        ]),
        prop::option::of(ts()),
        prop::option::of(text()),
        prop::option::of((text(), prop::option::of(text()))),
        prop::option::of((0u32..=100).prop_map(|x| f64::from(x) / 10.0)),
        prop::option::of("[0-9a-f]{64}"),
    )
        .boxed();
    (core(), prop::collection::vec(json_value(), 0..2).boxed(), governance, extras)
        .prop_map(|(c, evidence, governance, (status, first_seen, detected_in, tool, cvss, fp))| Finding {
            finding_id: c.finding_id,
            severity: c.severity,
            category: c.category,
            title: c.title,
            description: c.description,
            affected_resources: c
                .resources
                .into_iter()
                .map(|(a, b, d)| AffectedResource { resource_id: a, resource_type: b, location: d })
                .collect(),
            remediation: c.remediation,
            evidence: evidence
                .into_iter()
                .map(|data| Evidence { kind: EvidenceKind::ScanResult, data: data.into() })
                .collect(),
            governance,
            status,
            first_seen,
            last_seen: first_seen,
            resolved_at: None,
            detected_in,
            source: tool.map(|(tool, rule_id)| FindingSource { tool, rule_id, scan_id: None }),
            fingerprint: fp.map(|h| format!("secfw/v1:{h}")),
            cvss,
            cwe: vec!["CWE-79".into()],
            cve: vec![],
            supersedes: None,
            kev: None,
            epss: None,
        })
        .boxed()
}

prop_compose! {
    fn findings_file()(findings in prop::collection::vec(finding(), 0..4), scan_id in text(), timestamp in ts(), tags in prop::collection::vec(text(), 0..3),
                       scans in prop::collection::vec((text(), text(), prop::collection::vec(text(), 0..3), ts(), any::<bool>()), 0..3)) -> FindingsFile {
        FindingsFile {
            version: "1.0".into(),
            metadata: FindingsMetadata { scan_id, timestamp, lifecycle_state: LifecycleState::Executed, tags, project: None, intel: None },
            findings,
            scans: scans.into_iter().enumerate().map(|(i, (tool, v, targets, started_at, ok))| ScanRecord {
                scan_id: format!("scan-{i}"), tool, tool_version: Some(v), targets, started_at, finished_at: None,
                status: if ok { ScanStatus::Success } else { ScanStatus::Failure }, error: None, report: None, incomplete: std::collections::BTreeMap::new(),
            }).collect(),
        }
    }
}

fn parse_findings(text: &str) -> FindingsFile {
    let src = SourceFile::new("sec_findings.yaml", text);
    let parsed =
        yaml::parse::<FindingsFile>(&src, yaml::UnknownFields::Deny).unwrap_or_else(|d| panic!("{d}\n---\n{text}"));
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed.value
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn findings_round_trip_through_yaml(ff in findings_file()) {
        let text = yaml::to_string(&ff).unwrap();
        prop_assert_eq!(parse_findings(&text), ff);
    }

    #[test]
    fn findings_round_trip_through_the_json_fast_path(ff in findings_file()) {
        let text = serde_json::to_string(&ff).unwrap();
        prop_assert!(yaml::is_json_syntax(&text));
        prop_assert_eq!(parse_findings(&text), ff);
    }

    #[test]
    fn policy_maps_round_trip_through_markdown(
        pols in prop::collection::vec((text(), severity(), text(), prop::collection::vec("[A-Za-z-]{1,10}", 0..3), prop::collection::vec(text(), 0..3), prop::collection::vec(text(), 0..2)), 1..5)
    ) {
        let mut map = PolicyMap::default();
        map.metadata.version = Some("1.0".into());
        map.metadata.state = Some(LifecycleState::Planned);
        let mut ctl = 0;
        for (i, (title, sev, scope, tags, controls, validation)) in pols.into_iter().enumerate() {
            let mut p = Policy::new(format!("POL-{:03}", i + 1), title.replace('\n', " ").trim().to_owned(), sev, scope.replace('\n', " ").trim().to_owned());
            prop_assume!(!p.title.is_empty() && !p.scope.is_empty());
            p.tags = tags;
            p.controls = controls.into_iter().map(|t| { ctl += 1; Control::new(format!("CTL-{ctl:03}"), t.replace('\n', " ").trim()) }).filter(|c| !c.text.is_empty()).collect();
            p.validation = validation.into_iter().map(|v| v.replace('\n', " ").trim().to_owned()).filter(|v| !v.is_empty()).collect();
            map.policies.push(p);
        }
        let md = secfw_artifacts::render_policy_map(&map);
        let (back, diags) = secfw_artifacts::parse_policy_map(&SourceFile::new("policy_map.md", md.clone()), Level::Error);
        prop_assert!(diags.is_empty(), "{diags:?}\n{md}");
        let strip = |m: &PolicyMap| m.policies.iter().map(|p| (p.id.clone(), p.title.clone(), p.severity, p.scope.clone(), p.tags.clone(),
            p.controls.iter().map(|c| (c.id.clone(), c.text.clone())).collect::<Vec<_>>(), p.validation.clone())).collect::<Vec<_>>();
        prop_assert_eq!(strip(&back), strip(&map));
        prop_assert_eq!(back.metadata, map.metadata);
    }

    #[test]
    fn exception_registries_round_trip_through_markdown(
        excs in prop::collection::vec((text(), text(), prop::collection::vec("[a-z.@-]{3,16}", 1..3), 0i64..3000, prop::collection::vec(text(), 0..3), prop::option::of(text()), any::<bool>()), 1..4)
    ) {
        let mut reg = ExceptionRegistry::default();
        for (i, (title, requestor, approvers, day, mitig, just, dev)) in excs.into_iter().enumerate() {
            let clean = |s: &str| s.replace('\n', " ").trim().to_owned();
            prop_assume!(!clean(&title).is_empty() && !clean(&requestor).is_empty());
            let valid = Date(chrono::NaiveDate::from_num_days_from_ce_opt(739_000 + i32::try_from(day).unwrap()).unwrap());
            let mut e = Exception::new(format!("EXC-{:03}", i + 1), clean(&title), "POL-001", clean(&requestor), approvers, valid);
            e.risk_mitigation = mitig.iter().map(|m| clean(m)).filter(|m| !m.is_empty()).collect();
            e.justification = just.map(|j| clean(&j)).filter(|j| !j.is_empty());
            e.findings = vec!["F-001".into()];
            e.kind = if dev { ExceptionKind::PolicyDeviation } else { ExceptionKind::RiskAcceptance };
            e.severity = Some(Severity::High);
            reg.exceptions.push(e);
        }
        let md = secfw_artifacts::render_exceptions(&reg);
        let (back, diags) = secfw_artifacts::parse_exceptions(&SourceFile::new("exceptions.md", md.clone()), Level::Error);
        prop_assert!(diags.is_empty(), "{diags:?}\n{md}");
        prop_assert_eq!(back, reg);
    }
}

#[test]
fn the_default_rulebook_round_trips_and_a_minimal_one_gets_every_default() {
    let rb = Rulebook::with_defaults("1.0.0");
    let text = yaml::to_string(&rb).unwrap();
    let mut d = Vec::new();
    let back = secfw_artifacts::parse_rulebook(
        &SourceFile::new("rulebook.yaml", text.clone()),
        &LoadOptions::default().strict(true),
        &mut d,
    )
    .unwrap();
    assert!(d.is_empty(), "{d:?}\n{text}");
    assert_eq!(back, rb);
    let minimal = secfw_artifacts::parse_rulebook(
        &SourceFile::new("rulebook.yaml", "version: \"1.0.0\"\n"),
        &LoadOptions::default(),
        &mut d,
    )
    .unwrap();
    assert_eq!(minimal, rb, "every field but version has a documented default");
}

#[test]
fn appending_an_exception_preserves_every_existing_byte() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("exceptions.md");
    let original =
        "# Security Exception Registry\r\n\r\n## Active Exceptions\r\n<!-- people's notes, odd spacing   -->\r\n";
    std::fs::write(&p, original).unwrap();
    let e = Exception::new("EXC-007", "New", "POL-002", "a@x.io", vec!["b@x.io".into()], "2026-12-31".parse().unwrap());
    secfw_artifacts::append_exception(&p, &e).unwrap();
    let after = std::fs::read_to_string(&p).unwrap();
    assert!(after.starts_with(original), "existing bytes kept");
    let (reg, d) = secfw_artifacts::parse_exceptions(&SourceFile::new("exceptions.md", after), Level::Error);
    assert!(d.is_empty(), "{d:?}");
    let mut want = e;
    want.section = "Active Exceptions".into();
    assert_eq!(reg.exceptions, vec![want]);
}
