//! The streaming SARIF path cuts each result out of the file and parses it from memory (issue
//! 12, "Linear time"). Whatever the bytes, it must read them exactly as the in-memory path
//! does: the same scans and diagnostics, or the same refusal at the same line and column. The
//! attacks on the splitter: brackets and quotes inside strings, escaped quotes and escaped
//! backslashes, escaped key names, nested arrays where results belong, junk between results,
//! truncation at every byte, a result across a block boundary, invalid UTF-8, deep nesting, and
//! every structural byte written over every byte of a report.

mod common;
use common::{Outcome, agree_or_peeked, outcome, parse_both};
use secfw_ingest::Format;

/// Parses `bytes` from a file in memory and streamed; the two must agree exactly. Returns the
/// outcome.
fn both(bytes: &[u8]) -> Outcome {
    let (a, b) = paths(bytes);
    assert_eq!(a, b, "the streaming and in-memory paths disagree on {:?}", String::from_utf8_lossy(bytes));
    a
}

fn paths(bytes: &[u8]) -> (Outcome, Outcome) {
    let (mem, stream) = parse_both(bytes, "r.sarif", Format::Sarif);
    (outcome(&mem), outcome(&stream))
}

/// [`both`], except that a refusal outside the results may be placed one byte later on the
/// streaming path ([`agree_or_peeked`]). Inside a result, the splitter parses from memory and
/// the position is exact ([`both`] checks that).
fn both_or_peeked(bytes: &[u8]) -> Outcome {
    let (mem, stream) = paths(bytes);
    agree_or_peeked(bytes, &mem, &stream);
    mem
}

fn findings(o: &Outcome) -> usize {
    o.as_ref().map_or_else(|e| panic!("refused: {e:?}"), |(s, _)| s.iter().map(|s| s.items.len()).sum())
}

fn refusal(o: &Outcome) -> String {
    match o {
        Ok(_) => panic!("accepted"),
        Err(d) => d[0].clone(),
    }
}

fn log(results: &str) -> String {
    format!(r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"T"}}}},"results":[{results}]}}]}}"#)
}

fn result(rule: &str, msg: &str, uri: &str) -> String {
    format!(
        r#"{{"ruleId":"{rule}","message":{{"text":"{msg}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"{uri}"}}}}}}]}}"#
    )
}

#[test]
fn brackets_quotes_and_escapes_inside_strings_do_not_move_the_cut() {
    let rs = [
        result("R1", r"a ] } [ { , : text", "a.rs"),
        result("R2", r#"an \"escaped\" quote ]}"#, "b.rs"),
        result("R3", r"a backslash at the end \\", "c.rs"),
        result("R4", r#"\\\" three then a quote }"#, "d.rs"),
        result("R5", r"unicode \u005d\u007d \ud83d\ude00 é", "e.rs"),
        r#"{"ruleId":"R6","message":{"text":"m"},"properties":{"k]}":"v{[","arr":[[1,[2]],{"x":"}"}]}}"#.to_owned(),
    ];
    let o = both(log(&rs.join(",")).as_bytes());
    assert_eq!(findings(&o), 6);
    let descriptions: Vec<&str> = o.as_ref().unwrap().0[0].items.iter().map(|i| i.description.as_str()).collect();
    assert!(descriptions.contains(&r#"an "escaped" quote ]}"#), "{descriptions:?}");
    assert!(descriptions.contains(&r"a backslash at the end \"), "{descriptions:?}");
}

#[test]
fn escaped_key_names_are_the_keys_they_spell() {
    let r1 = result("R1", "m", "a.rs");
    let doc = format!(
        r#"{{"version":"2.1.0","\u0072uns":[{{"tool":{{"driver":{{"name":"T"}}}},"r\u0065sults":[{r1}],"results\u0000":[{{"x":1}}]}}]}}"#
    );
    assert_eq!(findings(&both(doc.as_bytes())), 1);
    // Keys that only look alike, and keys with invalid escapes: refused alike.
    let bad = format!(r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"T"}}}},"res\ults":[{r1}]}}]}}"#);
    assert!(refusal(&both(bad.as_bytes())).starts_with("IN0002"));
}

#[test]
fn arrays_strings_and_scalars_where_results_belong_are_skipped_alike() {
    let r1 = result("R1", "m", "a.rs");
    let doc = log(&format!(r#"[{r1}], "{{\"ruleId\":\"X\"}}", 7, null, [[[]]], {r1}, true"#));
    let o = both(doc.as_bytes());
    assert_eq!(findings(&o), 1);
    let scan = &o.as_ref().unwrap().0[0];
    assert!(scan.incomplete.get("rules").is_some_and(|w| w.contains("must be an object")), "{scan:?}");
}

#[test]
fn junk_between_and_inside_results_is_refused_at_the_same_line_and_column() {
    let r1 = result("R1", "m", "a.rs");
    for (junk, code) in [
        (format!("{r1} {r1}"), "IN0002"),
        (format!("{r1},"), "IN0002"),
        (format!("{r1}}}"), "IN0002"),
        (format!("{r1},{{\"ruleId\" \"R2\"}}"), "IN0002"),
        (format!("{r1},{{\"ruleId\":\"R2\",}}"), "IN0002"),
        (format!("{r1},{{\"ruleId\":\"R2\"]"), "IN0002"),
        (format!("{r1},{{\"ruleId\":tru}}"), "IN0002"),
        (format!("{r1},{{\"ruleId\":\"a\u{1}b\"}}"), "IN0002"),
        (format!("{r1},{{\"ruleId\":\"\\x\"}}"), "IN0002"),
        (format!("{r1},{{\"locations\":[{{\"physicalLocation\":{{\"region\":{{\"startLine\":1e400}}}}}}]}}"), "IN0002"),
    ] {
        for doc in [log(&junk), log(&junk).replace(',', ",\n  ").replace('{', "{\r\n")] {
            let r = refusal(&both(doc.as_bytes()));
            assert!(r.starts_with(code), "{doc}: {r}");
            assert!(!r.contains("None"), "a refusal without a position: {r}");
        }
    }
}

#[test]
fn a_report_cut_off_at_any_byte_is_refused_alike() {
    let doc = format!(
        "\u{feff}{}",
        log(&[result("R1", r#"x \" ] \\"#, "a.rs"), "[1]".to_owned(), result("R2", "m\\n2", "b.rs")].join(",\n"))
    );
    let bytes = doc.as_bytes();
    for n in 0..bytes.len() {
        let _ = both_or_peeked(&bytes[..n]);
    }
    assert_eq!(findings(&both(bytes)), 2);
}

#[test]
fn results_across_block_boundaries_and_long_results_are_read_whole() {
    // About 3 MB of results of growing sizes: many of them straddle the 1 MiB read blocks.
    let mut rs = Vec::new();
    let mut total = 0;
    let mut i = 0;
    while total < 3 << 20 {
        let r = result(&format!("R{}", i % 7), &format!("m{i} {}", "y".repeat(i % 5000)), &format!("f{i}.rs"));
        total += r.len() + 1;
        rs.push(r);
        i += 1;
    }
    // And one result larger than a block, pretty-printed.
    rs.push(result("BIG", &"z".repeat(3 << 20), "big.rs").replace(',', ",\n"));
    let o = both(log(&rs.join(",")).as_bytes());
    assert_eq!(findings(&o), rs.len());
}

#[test]
fn invalid_utf8_and_deep_nesting_inside_results_are_judged_alike() {
    let r1 = result("R1", "m", "a.rs");
    let mut bad = log(&format!("{r1},{}", result("R2", "INVALID", "b.rs"))).into_bytes();
    let at = bad.windows(7).position(|w| w == b"INVALID").unwrap();
    bad[at] = 0xff;
    assert!(refusal(&both(&bad)).starts_with("IN0002"));
    let mut bad_key = log(&r1).into_bytes();
    let at = bad_key.windows(6).position(|w| w == b"ruleId").unwrap();
    bad_key[at + 1] = 0xc3;
    assert!(refusal(&both(&bad_key)).starts_with("IN0002"));
    // Deep nesting inside a result's properties (ignored), and as a results element.
    let deep = format!("{}1{}", r#"{"a":"#.repeat(3000), "}".repeat(3000));
    let doc = log(&format!(r#"{r1},{{"ruleId":"R2","message":{{"text":"m"}},"properties":{deep}}}"#));
    assert_eq!(findings(&both(doc.as_bytes())), 2);
    let doc = log(&format!("{r1},{}{}", "[".repeat(3000), "]".repeat(3000)));
    let _ = both(doc.as_bytes());
    let doc = log(&format!("{r1},{}", "[{".repeat(200)));
    let _ = both(doc.as_bytes());
}

#[test]
fn results_before_the_tool_duplicate_keys_and_many_runs_are_read_alike() {
    let r1 = result("R1", "m", "a.rs");
    let r2 = result("R2", "m", "b.rs");
    let doc = format!(
        r#"{{"runs":[{{"results":[{r1}],"tool":{{"driver":{{"name":"T"}}}},"results":[{r2}]}},{{"tool":{{"driver":{{"name":"U"}}}},"results":[{r1},{r1}]}}],"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"V"}}}},"results":null}}]}}"#
    );
    let o = both(doc.as_bytes());
    assert_eq!(findings(&o), 3, "R1 twice in one run is one finding");
}

#[test]
fn every_structural_byte_over_every_byte_of_a_report_is_read_alike() {
    let doc = log(&[
        result("R1", r#"a \"q\" ] \\"#, "a.rs"),
        r#"{"ruleId":"R2","message":{"text":"t"},"level":"error","properties":{"tags":["x","CWE-79"]}}"#.to_owned(),
    ]
    .join(",\n"));
    let bytes = doc.as_bytes();
    for i in 0..bytes.len() {
        for b in [b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'\n', b' ', 0xff] {
            let mut m = bytes.to_vec();
            m[i] = b;
            let _ = both_or_peeked(&m);
        }
    }
}

#[test]
fn a_result_larger_than_the_cut_limit_is_read_from_the_stream_alike() {
    // 17 MiB of message: above the splitter's 16 MiB limit, so the stream parser reads it.
    let big = result("BIG", &"w".repeat(17 << 20), "big.rs");
    let doc = log(&[result("R1", "m", "a.rs"), big, result("R2", "m", "b.rs")].join(","));
    let o = both(doc.as_bytes());
    assert_eq!(findings(&o), 3);
    // And cut off inside it: refused alike.
    let cut = &doc.as_bytes()[..doc.len() - 100];
    assert!(refusal(&both(cut)).starts_with("IN0002"));
}

#[test]
fn a_streamed_log_given_room_from_its_density_is_read_alike_whatever_the_density_does_later() {
    // Past eight 1 MiB blocks the streamed run's items are given room for the results the
    // file holds at the density read so far. Denser or sparser results after that point
    // (the estimate too low, or far too high) must change nothing that is read.
    let small = |i: usize| result(&format!("R{}", i % 9), &format!("m{i}"), &format!("s/f{i}.rs"));
    let large = |i: usize| result(&format!("R{}", i % 9), &format!("m{i} {}", "q".repeat(900)), &format!("l/f{i}.rs"));
    let upto = |rs: &mut Vec<String>, bytes: usize, make: &dyn Fn(usize) -> String| {
        let mut total: usize = rs.iter().map(|r| r.len() + 1).sum();
        while total < bytes {
            let r = make(rs.len());
            total += r.len() + 1;
            rs.push(r);
        }
    };
    for (first, then) in [(&large as &dyn Fn(usize) -> String, &small as &dyn Fn(usize) -> String), (&small, &large)] {
        let mut rs = Vec::new();
        upto(&mut rs, 9 << 20, first);
        upto(&mut rs, 12 << 20, then);
        let o = both(log(&rs.join(",")).as_bytes());
        assert_eq!(findings(&o), rs.len());
    }
}
