//! The ledger layout (`yaml::canonical`): what it writes is read back by the normal YAML parser
//! to the same value, whatever the strings hold, and its strict reader accepts only what the
//! normal parser reads the same way (property tests with hostile strings in every field, and
//! mutated documents).

use proptest::prelude::*;
use secfw_artifacts::model::findings::{
    AffectedResource, Category, EpssInfo, Evidence, EvidenceKind, Finding, FindingGovernance, FindingSource,
    FindingsMetadata, IntelSource, IntelSources, KevInfo, Priority, Remediation, ScanRecord, ScanStatus,
};
use secfw_artifacts::yaml::canonical;
use secfw_artifacts::{
    Date, FindingStatus, FindingsFile, LifecycleState, LoadOptions, Severity, SourceFile, Timestamp,
    check_findings_canonical, check_findings_canonical_piece, check_findings_canonical_pieces, ledger_checks,
    parse_findings, parse_findings_canonical, yaml,
};

/// Strings an attacker or a careless producer puts in a report, and everything YAML reads as
/// something else than a string.
const HOSTILE: &[&str] = &[
    "",
    " ",
    "  ",
    "a ",
    " a",
    "a  b",
    "a: b",
    "a:b",
    "a:",
    ":",
    "::",
    "a :b",
    "#",
    "a #b",
    "a#b",
    "#a",
    "-",
    "- a",
    "-a",
    "-1",
    "--",
    "---",
    "...",
    "?",
    "? a",
    "a?",
    "'",
    "''",
    "\"",
    "\\",
    "\\n",
    "a'b",
    "a\"b",
    "\r\n",
    "\n",
    "\r",
    "a\n",
    "\na",
    "a\r\nb",
    "\0",
    "a\0b",
    "\t",
    "a\tb",
    "tab\t",
    "\u{1b}[31mred",
    "\u{7f}",
    "\u{85}",
    "\u{9f}",
    "\u{a0}",
    "\u{200b}",
    "\u{202e}evil\u{202c}",
    "\u{2066}x\u{2069}",
    "\u{200f}",
    "\u{061c}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{feff}a",
    "\u{fffe}",
    "\u{ffff}",
    "\u{fffd}",
    "0x1",
    "0o7",
    "0b1",
    "0",
    "00",
    "007",
    "1e3",
    "1E3",
    "1_000",
    "+1",
    ".5",
    "5.",
    "1.0",
    "-0",
    ".inf",
    "-.inf",
    ".nan",
    ".NaN",
    "inf",
    "Inf",
    "-inf",
    "nan",
    "NaN",
    "infinity",
    "Infinity",
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "ON",
    "on",
    "off",
    "Off",
    "y",
    "Y",
    "n",
    "N",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "null",
    "Null",
    "NULL",
    "~",
    "<<",
    "=",
    "!tag",
    "!!str a",
    "&a",
    "*a",
    "|",
    ">",
    "|-",
    ">+",
    "%YAML 1.2",
    "@x",
    "`x",
    "{a: 1}",
    "{}",
    "[1]",
    "[]",
    "a,b",
    "a, b",
    "é",
    "Zürich – naïve ✓",
    "日本語",
    "😀",
    "1:20",
    "12:30:00",
    "2026-01-01",
    "2026-01-01T00:00:00Z",
    "a\u{301}",
    "secfw/v1:00ff",
    "pkg:npm/x@1.0.0",
    "https://example.com/a?b=c#d",
    "/api/x",
    "_x",
    "C:\\Windows",
    "key: value\nother: 1",
    "- a\n- b",
];

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(HOSTILE).prop_map(str::to_owned),
        2 => prop::collection::vec(prop::sample::select(HOSTILE), 1..4).prop_map(|v| v.concat()),
        2 => "[a-zA-Z0-9 :#'\"\\\\\\-\\[\\]{}|>&*!%@`,?~.=_/\\t\\r\\n\\x00-\\x1f\\x7f-\\u{a0}\\u{2028}\\u{202e}\\u{feff}é😀]{0,24}",
        1 => any::<String>(),
        1 => (1usize..3, prop::sample::select(HOSTILE)).prop_map(|(k, s)| format!("{s}{}", "x".repeat(k * 3000))),
    ]
}

fn ts() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        (0i64..4_000_000_000).prop_map(|s| Timestamp::DateTime(chrono::DateTime::from_timestamp(s, 0).unwrap())),
        (0i64..40_000).prop_map(|d| Timestamp::Date(date(d))),
    ]
}

fn date(d: i64) -> Date {
    Date(chrono::NaiveDate::from_num_days_from_ce_opt(700_000 + i32::try_from(d).unwrap()).unwrap())
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u32..=100).prop_map(|x| f64::from(x) / 10.0),
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        Just(0.0),
        Just(-0.0),
        Just(1e300),
        Just(5e-324),
    ]
}

/// JSON values of evidence data: hostile strings as keys and values, every number kind.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        finite().prop_map(serde_json::Value::from),
        hostile().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::vec((hostile(), inner), 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().filter(|(k, _)| k.len() < 900).collect())),
        ]
    })
}

/// Evidence data: any value, or (half the time) the map `secfw ingest` records for a scanner
/// result, which the model holds as typed fields ([`secfw_artifacts::model::findings::ScanResultEvidence`]):
/// its keys in order with hostile strings, any numbers, optional keys left out, extra entries.
fn evidence_data() -> impl Strategy<Value = serde_json::Value> {
    let shaped = (
        prop::collection::vec(hostile(), 9),
        (prop::option::of(any::<u64>()), any::<u64>(), any::<bool>()),
        prop::collection::vec((hostile(), json_value()), 0..3),
    )
        .prop_map(|(s, (line, occurrences, rule), extra)| {
            let mut s = s.into_iter();
            let mut m = serde_json::Map::new();
            for key in ["report", "report_sha256", "pointer", "tool", "rule_id", "target", "location"] {
                let v = s.next().unwrap_or_default();
                if key != "rule_id" || rule {
                    m.insert(key.to_owned(), v.into());
                }
            }
            if let Some(l) = line {
                m.insert("line".to_owned(), l.into());
            }
            m.insert("occurrences".to_owned(), occurrences.into());
            m.insert("severity_source".to_owned(), s.next().unwrap_or_default().into());
            m.insert("class".to_owned(), s.next().unwrap_or_default().into());
            for (k, v) in extra {
                if k.len() < 900 {
                    m.insert(k, v);
                }
            }
            serde_json::Value::Object(m)
        });
    prop_oneof![json_value(), shaped]
}

fn strings(n: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(hostile(), 0..n)
}

fn finding() -> BoxedStrategy<Finding> {
    let a = (
        hostile(),
        prop::sample::select(Severity::ALL.to_vec()),
        prop::sample::select(vec![Category::Vulnerability, Category::Compliance, Category::Configuration]),
        hostile(),
        hostile(),
        prop::collection::vec((hostile(), hostile(), hostile()), 0..3),
        (hostile(), prop::sample::select(vec![Priority::P0, Priority::P1, Priority::P2, Priority::P3]), ts()),
    )
        .boxed();
    let b = (
        prop::collection::vec((any::<bool>(), evidence_data()), 0..3),
        (strings(3), strings(3), prop::option::of(hostile()), strings(2)),
        prop::sample::select(vec![
            FindingStatus::Open,
            FindingStatus::Resolved,
            FindingStatus::Accepted,
            FindingStatus::FalsePositive,
        ]),
        (prop::option::of(ts()), prop::option::of(ts()), prop::option::of(ts())),
    )
        .boxed();
    let c = (
        prop::option::of(hostile()),
        prop::option::of((hostile(), prop::option::of(hostile()), prop::option::of(hostile()))),
        prop::option::of(hostile()),
        prop::option::of(finite()),
        (strings(2), strings(2), prop::option::of(hostile())),
        prop::option::of((hostile(), 0i64..9000, 0i64..9000, any::<bool>())),
        prop::option::of((hostile(), finite(), finite(), 0i64..9000)),
    )
        .boxed();
    (a, b, c)
        .prop_map(
            |(
                (finding_id, severity, category, title, description, res, (action, priority, deadline)),
                (evidence, (tags, standards, exception_ref, policy_refs), status, (first_seen, last_seen, resolved_at)),
                (detected_in, source, fingerprint, cvss, (cwe, cve, supersedes), kev, epss),
            )| Finding {
                finding_id,
                severity,
                category,
                title,
                description,
                affected_resources: res
                    .into_iter()
                    .map(|(a, b, c)| AffectedResource { resource_id: a, resource_type: b, location: c })
                    .collect(),
                remediation: Remediation { recommended_action: action, priority, deadline },
                evidence: evidence
                    .into_iter()
                    .map(|(log, data)| Evidence {
                        kind: if log { EvidenceKind::LogEntry } else { EvidenceKind::ScanResult },
                        data: data.into(),
                    })
                    .collect(),
                governance: FindingGovernance { tags, compliance_standards: standards, exception_ref, policy_refs },
                status,
                first_seen,
                last_seen,
                resolved_at,
                detected_in,
                source: source.map(|(tool, rule_id, scan_id)| FindingSource { tool, rule_id, scan_id }),
                fingerprint,
                cvss,
                cwe,
                cve,
                supersedes,
                kev: kev.map(|(cve, a, d, known_ransomware)| {
                    Box::new(KevInfo { cve, date_added: date(a), due_date: date(d), known_ransomware })
                }),
                epss: epss
                    .map(|(cve, score, percentile, d)| Box::new(EpssInfo { cve, score, percentile, date: date(d) })),
            },
        )
        .boxed()
}

fn scan() -> BoxedStrategy<ScanRecord> {
    (
        (hostile(), hostile(), prop::option::of(hostile()), strings(3)),
        (ts(), prop::option::of(ts()), any::<bool>(), prop::option::of(hostile()), prop::option::of(hostile())),
        prop::collection::btree_map(
            hostile().prop_filter("a key the layout holds", |k| k.len() <= canonical::MAX_KEY_BYTES),
            hostile(),
            0..3,
        ),
    )
        .prop_map(
            |((scan_id, tool, tool_version, targets), (started_at, finished_at, ok, error, report), incomplete)| {
                ScanRecord {
                    scan_id,
                    tool,
                    tool_version,
                    targets,
                    started_at,
                    finished_at,
                    status: if ok { ScanStatus::Success } else { ScanStatus::Failure },
                    error,
                    report,
                    incomplete,
                }
            },
        )
        .boxed()
}

fn metadata() -> BoxedStrategy<FindingsMetadata> {
    (
        hostile(),
        ts(),
        strings(3),
        prop::option::of(hostile()),
        prop::option::of((hostile(), any::<[u8; 32]>(), 0i64..9000, hostile(), any::<u64>(), ts())),
    )
        .prop_map(|(scan_id, timestamp, tags, project, intel)| FindingsMetadata {
            scan_id,
            timestamp,
            lifecycle_state: LifecycleState::Executed,
            tags,
            project,
            intel: intel.map(|(path, sha256, d, version, entries, checked_at)| IntelSources {
                kev: Some(IntelSource {
                    path,
                    sha256: secfw_artifacts::Sha256Digest::from_bytes(sha256),
                    data_date: date(d),
                    version,
                    entries,
                    checked_at,
                }),
                epss: None,
            }),
        })
        .boxed()
}

prop_compose! {
    fn ledger()(version in hostile(), metadata in metadata(), findings in prop::collection::vec(finding(), 0..4),
                scans in prop::collection::vec(scan(), 0..3)) -> FindingsFile {
        FindingsFile { version, metadata, findings, scans }
    }
}

/// Any JSON value, read by the normal parser with duplicate keys refused.
#[derive(serde::Deserialize)]
struct Any(#[serde(deserialize_with = "yaml::strict_value")] serde_json::Value);

/// The normal parser (the one every load uses), strict about unknown fields.
fn normal_parse(text: &str) -> Result<FindingsFile, String> {
    let src = SourceFile::new("sec_findings.yaml", text);
    let parsed = yaml::parse::<FindingsFile>(&src, yaml::UnknownFields::Deny).map_err(|d| d.to_string())?;
    if let Some(d) = parsed.diagnostics.first() {
        return Err(d.to_string());
    }
    Ok(parsed.value)
}

/// The layout's reader, into the ledger type.
fn layout_parse(text: &str) -> Result<FindingsFile, String> {
    let v = canonical::from_str(text).map_err(|e| e.to_string())?;
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// `text` with each edit applied (replace, remove or insert one byte at an index), or `None`
/// when the result is not UTF-8.
fn mutate(text: String, edits: &[(prop::sample::Index, u8, u8)]) -> Option<String> {
    let mut bytes = text.into_bytes();
    for (at, op, b) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = at.index(bytes.len());
        match op {
            0 => bytes[i] = *b,
            1 => {
                bytes.remove(i);
            }
            _ => bytes.insert(i, *b),
        }
    }
    String::from_utf8(bytes).ok()
}

/// `ff` with one change: finding `f` in place of one, a finding dropped, `f` added, two
/// neighbours swapped, the version or the scan id changed, or scan record `s` added (`which`,
/// at `at`).
fn one_change(ff: &FindingsFile, f: Finding, s: ScanRecord, which: u8, at: prop::sample::Index) -> FindingsFile {
    let mut bad = ff.clone();
    match which {
        0 if !bad.findings.is_empty() => {
            let i = at.index(bad.findings.len());
            bad.findings[i] = f;
        }
        1 if !bad.findings.is_empty() => {
            let i = at.index(bad.findings.len());
            bad.findings.remove(i);
        }
        2 => {
            let i = at.index(bad.findings.len() + 1);
            bad.findings.insert(i, f);
        }
        3 if bad.findings.len() > 1 => {
            let i = at.index(bad.findings.len() - 1);
            bad.findings.swap(i, i + 1);
        }
        4 => bad.version.push('x'),
        5 => bad.metadata.scan_id.push('x'),
        _ => {
            let i = at.index(bad.scans.len() + 1);
            bad.scans.insert(i, s);
        }
    }
    bad
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Hostile strings in every field: the normal parser and the layout's reader both read back
    /// exactly the ledger written, and the text is printable (no raw control, bidi or
    /// line-separator character).
    #[test]
    fn every_ledger_round_trips_through_the_normal_parser_and_the_layout_reader(ff in ledger()) {
        let Some(text) = canonical::to_string(&ff).unwrap() else {
            return Err(TestCaseError::fail("every generated ledger fits the layout"));
        };
        prop_assert_eq!(&normal_parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n---\n{text}")))?, &ff);
        prop_assert_eq!(&layout_parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n---\n{text}")))?, &ff);
        prop_assert!(!text.chars().any(|c| c != '\n' && canonical::needs_escape(c)), "{}", text);
        // deterministic: the same value, the same bytes
        prop_assert_eq!(canonical::to_string(&ff).unwrap().unwrap(), text);
    }

    /// The comparing read-back (no second ledger) accepts every ledger's own text, and refuses
    /// the text of any other ledger: an emitter that wrote another value is caught.
    #[test]
    fn the_comparing_read_back_accepts_exactly_the_ledger_written(ff in ledger(), other in ledger()) {
        let text = canonical::to_string(&ff).unwrap().unwrap();
        let mut d = Vec::new();
        prop_assert!(check_findings_canonical(&SourceFile::new("sec_findings.yaml", text.clone()), &ff, &mut d), "{:?}\n{}", d, text);
        // The loader's checks ran on the ledger: the same diagnostics, at the same places, as
        // the read-back that builds a second ledger.
        let mut d2 = Vec::new();
        parse_findings_canonical(&SourceFile::new("sec_findings.yaml", text.clone()), &LoadOptions::default(), &mut d2);
        prop_assert_eq!(&d, &d2);
        if other != ff {
            let mut d = Vec::new();
            prop_assert!(!check_findings_canonical(&SourceFile::new("sec_findings.yaml", text.clone()), &other, &mut d), "{}", text);
            prop_assert_eq!(d.len(), 1);
            prop_assert!(d[0].is_error());
        }
    }

    /// An emitter bug that changes one value (one field of one finding, a finding dropped,
    /// duplicated or moved, the header, a scan record): the text of the changed ledger is
    /// refused as the read-back of the original.
    #[test]
    fn the_comparing_read_back_refuses_any_one_change(ff in ledger(), f in finding(), s in scan(), which in 0u8..7, at in any::<prop::sample::Index>()) {
        let bad = one_change(&ff, f, s, which, at);
        prop_assume!(bad != ff);
        let text = canonical::to_string(&bad).unwrap().unwrap();
        let mut d = Vec::new();
        prop_assert!(!check_findings_canonical(&SourceFile::new("sec_findings.yaml", text.clone()), &ff, &mut d), "{}", text);
        prop_assert!(d.iter().any(secfw_artifacts::Diagnostic::is_error), "{:?}", d);
    }

    /// Whatever a mutated ledger text is, the comparing read-back accepts it only when the
    /// strict reader reads it to exactly the ledger (and, with the previous property, the normal
    /// parser too): a flipped, dropped or inserted byte never passes as the ledger.
    #[test]
    fn the_comparing_read_back_of_a_mutated_text_passes_only_for_the_same_value(
        ff in ledger(), edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(b" -:#\"\\\n\tax0'{}[]~".to_vec())), 1..4)
    ) {
        let text = canonical::to_string(&ff).unwrap().unwrap();
        let Some(text) = mutate(text, &edits) else { return Ok(()) };
        let mut d = Vec::new();
        let equal = check_findings_canonical(&SourceFile::new("sec_findings.yaml", text.clone()), &ff, &mut d);
        let mut d2 = Vec::new();
        let read = parse_findings_canonical(&SourceFile::new("sec_findings.yaml", text.clone()), &LoadOptions::default(), &mut d2);
        if equal {
            prop_assert_eq!(read.as_ref(), Some(&ff), "{}", text);
            prop_assert_eq!(&normal_parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n---\n{text}")))?, &ff);
        } else {
            // Refused: the text does not read back to exactly the ledger through the strict reader.
            let clean = !d2.iter().any(secfw_artifacts::Diagnostic::is_error);
            prop_assert!(!(clean && read.as_ref() == Some(&ff)), "refused a text that reads back to the ledger: {:?}\n{}", d, text);
        }
    }

    /// Any JSON value (hostile keys too) round-trips through both readers.
    #[test]
    fn json_values_round_trip(v in json_value(), k in hostile()) {
        let doc = serde_json::json!({ "k": v, "pad": [v], "o": { "x": v } });
        let mut doc = doc;
        if k.len() < 900 {
            doc.as_object_mut().unwrap().insert(k, v);
        }
        let text = canonical::value_to_string(&doc).unwrap();
        prop_assert_eq!(&canonical::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n---\n{text}")))?, &doc);
        let src = SourceFile::new("x.yaml", text.clone());
        let back = yaml::parse::<Any>(&src, yaml::UnknownFields::Deny).map_err(|d| TestCaseError::fail(format!("{d}\n---\n{text}")))?;
        prop_assert_eq!(back.value.0, doc);
    }

    /// Whatever a mutated ledger text is, the layout's reader either refuses it or reads the
    /// value the normal parser reads: it never accepts a text the normal parser reads otherwise.
    #[test]
    fn the_layout_reader_accepts_only_what_the_normal_parser_reads_the_same(
        ff in ledger(), edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(b" -:#\"\\\n\tax0'{}[]~".to_vec())), 1..4)
    ) {
        let text = canonical::to_string(&ff).unwrap().unwrap();
        let Some(text) = mutate(text, &edits) else { return Ok(()) };
        if let Ok(v) = canonical::from_str(&text) {
            let src = SourceFile::new("x.yaml", text.clone());
            match yaml::parse::<Any>(&src, yaml::UnknownFields::Deny) {
                Ok(back) => prop_assert_eq!(back.value.0, v, "{}", text),
                Err(d) => prop_assert!(false, "the layout reader accepted what the normal parser refuses: {d}\n{text}"),
            }
        }
    }
}

proptest! {
    /// A load takes the layout's reader for a ledger in the layout (`parse_findings`): whatever
    /// the text (written by secfw, or with bytes changed), when that reader takes it, the full
    /// YAML parser reads the same ledger from it with no diagnostic, and the load gives what
    /// the full parser gives (the same value and the same diagnostics as the text with a
    /// trailing comment, which only the full parser reads).
    #[test]
    fn a_ledger_in_the_layout_loads_as_the_full_parser_reads_it(
        ff in ledger(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(b" -:#\"\\\n\tax0'{}[]~".to_vec())), 0..3),
    ) {
        let text = canonical::to_string(&ff).unwrap().unwrap();
        let Some(text) = mutate(text, &edits) else { return Ok(()) };
        let mut unknown = false;
        let fast = canonical::from_str_typed_within::<FindingsFile>(&text, yaml::MAX_DEPTH / 2, &mut |_| unknown = true);
        let (mut d, mut d_full) = (Vec::new(), Vec::new());
        let loaded = parse_findings(&SourceFile::new("sec_findings.yaml", text.clone()), &LoadOptions::default(), &mut d);
        if let (Ok(fast), false) = (fast, unknown) {
            let full = yaml::parse::<FindingsFile>(&SourceFile::new("sec_findings.yaml", text.clone()), yaml::UnknownFields::Deny)
                .map_err(|e| TestCaseError::fail(format!("{e}\n---\n{text}")))?;
            prop_assert!(full.diagnostics.is_empty(), "{:?}", full.diagnostics);
            prop_assert_eq!(&full.value, &fast, "{}", text);
            prop_assert_eq!(loaded.as_ref(), Some(&fast));
            if text.ends_with('\n') {
                let commented = format!("{text}# the full parser reads this\n");
                let full_load = parse_findings(&SourceFile::new("sec_findings.yaml", commented), &LoadOptions::default(), &mut d_full);
                prop_assert_eq!(loaded, full_load);
                prop_assert_eq!(d, d_full);
            }
        }
    }
}

prop_compose! {
    /// A ledger with enough findings to be cut into several pieces.
    fn long_ledger()(version in hostile(), metadata in metadata(), findings in prop::collection::vec(finding(), 0..9),
                     scans in prop::collection::vec(scan(), 0..3)) -> FindingsFile {
        FindingsFile { version, metadata, findings, scans }
    }
}

/// The texts of the pieces of `ff`, `per` findings each.
fn pieces(ff: &FindingsFile, per: usize) -> Vec<(canonical::Piece, String)> {
    canonical::Piece::split(ff.findings.len(), per)
        .into_iter()
        .map(|p| {
            let mut t = String::new();
            assert!(canonical::render_piece(ff, p, &mut t).unwrap(), "every generated ledger fits the layout");
            (p, t)
        })
        .collect()
}

/// The piecewise read-back check of `texts` as the pieces `ps` of `expected`, as a writer
/// runs it: every piece, then the join. `Err` with the first refusal located in the whole
/// text.
fn check_pieces(
    texts: &[String],
    ps: &[canonical::Piece],
    expected: &FindingsFile,
) -> Result<Vec<secfw_artifacts::Diagnostic>, secfw_artifacts::Diagnostic> {
    let mut reads = Vec::new();
    let mut lines = 0;
    if texts.len() != ps.len() {
        return Err(secfw_artifacts::Diagnostic::error(
            secfw_artifacts::codes::SYNTAX,
            "sec_findings.yaml",
            "not as many pieces",
        ));
    }
    for (t, p) in texts.iter().zip(ps) {
        let read =
            check_findings_canonical_piece(t, expected, *p).map_err(|e| e.diagnostic("sec_findings.yaml", lines))?;
        lines += read.lines();
        reads.push(read);
    }
    let whole = SourceFile::new("sec_findings.yaml", texts.concat());
    let mut d = Vec::new();
    let checks = ledger_checks(expected, "sec_findings.yaml");
    if !check_findings_canonical_pieces("sec_findings.yaml", expected, &reads, checks, Some(&whole), &mut d) {
        return Err(d.remove(0));
    }
    Ok(d)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The pieces of a ledger, rendered apart and joined in order, are byte for byte the text
    /// of the whole ledger (hostile strings in every field, every piece size); each passes the
    /// piecewise check, which gives the same diagnostics as the check of the whole text, and
    /// counts the text's lines.
    #[test]
    fn pieces_rendered_apart_are_the_whole_text_and_pass_the_piecewise_check(ff in long_ledger(), per in 0usize..5) {
        let whole = canonical::to_string(&ff).unwrap().unwrap();
        let ps = pieces(&ff, per);
        let (ps, texts): (Vec<_>, Vec<_>) = ps.into_iter().unzip();
        prop_assert_eq!(&texts.concat(), &whole);
        let d = check_pieces(&texts, &ps, &ff).map_err(|d| TestCaseError::fail(format!("{d}\n---\n{whole}")))?;
        let mut d_whole = Vec::new();
        prop_assert!(check_findings_canonical(&SourceFile::new("sec_findings.yaml", whole), &ff, &mut d_whole));
        prop_assert_eq!(d, d_whole);
    }

    /// The pieces of another ledger (one change: a finding changed, dropped, added or moved,
    /// the header, a scan record), cut where that ledger's pieces are, or cut where the
    /// merged ledger's are: refused.
    #[test]
    fn the_pieces_of_another_ledger_are_refused(ff in long_ledger(), f in finding(), s in scan(), which in 0u8..7, at in any::<prop::sample::Index>(), per in 1usize..4) {
        let bad = one_change(&ff, f, s, which, at);
        prop_assume!(bad != ff);
        let ps: Vec<_> = canonical::Piece::split(ff.findings.len(), per);
        let texts: Vec<String> = pieces(&bad, per).into_iter().map(|(_, t)| t).collect();
        prop_assert!(check_pieces(&texts, &ps, &ff).is_err());
    }

    /// Any text cut anywhere into as many pieces as the ledger has (mutated or not: the bytes
    /// of a piece edited, the cut moved by some bytes, a finding moved across a cut): the
    /// piecewise check accepts the pieces only when the whole text they join into passes the
    /// check of the whole text and the normal parser reads it to exactly the ledger.
    #[test]
    fn the_piecewise_check_accepts_only_pieces_that_join_into_the_ledger(
        ff in long_ledger(), per in 1usize..4, shifts in prop::collection::vec(-40isize..40, 0..3),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(b" -:#\"\\\n\tax0'{}[]~".to_vec())), 0..3)
    ) {
        let ps: Vec<_> = canonical::Piece::split(ff.findings.len(), per);
        let whole = canonical::to_string(&ff).unwrap().unwrap();
        let Some(text) = mutate(whole, &edits) else { return Ok(()) };
        // The cuts of the rendered pieces, each moved by a shift.
        let mut cuts: Vec<usize> = Vec::new();
        let mut at = 0;
        for (i, (_, t)) in pieces(&ff, per).iter().enumerate().take(ps.len() - 1) {
            at += t.len();
            let shift = shifts.get(i).copied().unwrap_or(0);
            let c = at.saturating_add_signed(shift).min(text.len());
            cuts.push(c.max(cuts.last().copied().unwrap_or(0)));
        }
        let mut texts = Vec::new();
        let mut from = 0;
        for c in cuts.iter().copied().chain([text.len()]) {
            let Some(t) = text.get(from..c) else { return Ok(()) };
            texts.push(t.to_owned());
            from = c;
        }
        if check_pieces(&texts, &ps, &ff).is_ok() {
            let joined = texts.concat();
            let mut d = Vec::new();
            prop_assert!(check_findings_canonical(&SourceFile::new("sec_findings.yaml", joined.clone()), &ff, &mut d), "{:?}\n{}", d, joined);
            prop_assert_eq!(&normal_parse(&joined).map_err(|e| TestCaseError::fail(format!("{e}\n---\n{joined}")))?, &ff);
        }
    }
}

#[test]
fn the_read_back_of_a_written_ledger_checks_it_like_a_load() {
    let ff = FindingsFile {
        version: "1.0".into(),
        metadata: FindingsMetadata {
            scan_id: "s".into(),
            timestamp: Timestamp::Date(date(1)),
            lifecycle_state: LifecycleState::Executed,
            tags: vec![],
            project: None,
            intel: None,
        },
        findings: vec![],
        scans: vec![],
    };
    let text = canonical::to_string(&ff).unwrap().unwrap();
    assert_eq!(text, "version: \"1.0\"\nmetadata:\n  scan_id: s\n  timestamp: \"2026-09-03\"\n  lifecycle_state: EXECUTED\n  tags: []\nfindings: []\n".replace("2026-09-03", &date(1).to_string()));
    let mut d = Vec::new();
    let back = parse_findings_canonical(&SourceFile::new("sec_findings.yaml", text), &LoadOptions::default(), &mut d);
    assert_eq!(back, Some(ff));
    assert!(d.is_empty(), "{d:?}");
    // Not in the layout: refused with the position, never read some other way.
    for (bad, line) in [
        ("version: \"1.0\"\nmetadata: {scan_id: s}\n", 2),
        ("version: \"1.0\" # comment\n", 1),
        ("version: yes\n", 1),
        ("version: \"a\\x41\"\n", 1),
        ("version: \"a\\u000A\"\n", 1),
        ("version: \"a\\u0041\"\n", 1),
        ("version: \"a\\u001b\"\n", 1),
        ("version: \"\u{202e}\"\n", 1),
        ("version: \"a\"\nversion: \"b\"\n", 2),
        ("version: \"a\"", 1),
        ("version:  \"a\"\n", 1),
        ("version:\n  - a\n", 2),
        ("version:\n   a: 1\n", 2),
        ("\"version\": \"1.0\"\n  x: 1\n", 2),
        ("findings:\n- a\n - b\n", 3),
        ("findings:\n-a\n", 2),
        ("version: 'a'\n", 1),
        ("version: >\n  a\n", 1),
        ("---\nversion: a\n", 1),
    ] {
        let mut d = Vec::new();
        let got = parse_findings_canonical(&SourceFile::new("sec_findings.yaml", bad), &LoadOptions::default(), &mut d);
        assert!(got.is_none(), "{bad:?} was accepted");
        assert_eq!(d.len(), 1, "{bad:?}: {d:?}");
        assert_eq!(d[0].line, Some(line), "{bad:?}: {d:?}");
        assert_eq!(d[0].code, secfw_artifacts::codes::SYNTAX, "{bad:?}: {d:?}");
    }
}

proptest! {
    /// The one-pass rule is the rule as stated: allowed bytes only, a letter, `_` or `/`
    /// first, no space or `:` last, no `: `, no reserved word.
    #[test]
    fn the_plain_rule_is_the_rule_as_stated(s in "[a-zA-Z0-9 :#_/.\\-]{0,12}|yes|No|nUll|inf|y|N|oN|OFF|tRUE|False|NaN|INFINITY|infinit|nulls|a: b|[ -~]{0,40}|[a-z :]{0,70}|[a-z]{1,40}[^a-z]{0,2}[a-z]{0,40}") {
        const RESERVED: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "infinity"];
        let allowed = |c: u8| c.is_ascii_alphanumeric() || b" _-./@+(),;=<>'!?%:".contains(&c);
        let b = s.as_bytes();
        let stated = !b.is_empty()
            && (b[0].is_ascii_alphabetic() || b[0] == b'_' || b[0] == b'/')
            && !matches!(b[b.len() - 1], b' ' | b':')
            && b.iter().all(|&c| allowed(c))
            && !s.contains(": ")
            && !RESERVED.iter().any(|w| w.eq_ignore_ascii_case(&s));
        prop_assert_eq!(canonical::is_plain_safe(&s), stated, "{:?}", s);
    }
}

#[test]
fn plain_scalars_are_only_strings_no_yaml_reader_takes_for_something_else() {
    for s in HOSTILE {
        let plain = canonical::is_plain_safe(s);
        if plain {
            assert!(s.is_ascii() && s.as_bytes()[0].is_ascii_alphabetic() || s.starts_with(['_', '/']), "{s:?}");
        }
    }
    for s in [
        "yes", "No", "ON", "off", "y", "N", "true", "False", "null", "NULL", "inf", "NaN", "Infinity", "0x1", "~",
        "-a", "a: b", "a #b", "a:", "a ",
    ] {
        assert!(!canonical::is_plain_safe(s), "{s:?} must be quoted");
    }
    for s in ["high", "SF-0001", "semgrep", "pkg:npm/x@1.0.0", "secfw/v1:00ff", "src/f1.c", "scan_result", "a b"] {
        assert!(canonical::is_plain_safe(s), "{s:?} reads as itself");
    }
}

#[test]
fn a_key_too_long_for_an_implicit_yaml_key_is_left_to_the_general_serializer() {
    let mut m = serde_json::Map::new();
    m.insert("k".repeat(2000), serde_json::Value::Null);
    assert!(canonical::value_to_string(&serde_json::Value::Object(m)).is_none());
    assert!(canonical::value_to_string(&serde_json::json!([1])).is_none(), "the document must be a mapping");
}
