//! Replays every file of `fuzz/corpus/<target>/` through the fuzz targets' entry points on
//! stable Rust: no input may panic, and every diagnostic must be located (file always; line
//! and column whenever the input is non-empty).

use std::collections::BTreeMap;
use std::path::Path;

use secfw_artifacts::codes;
use secfw_workgen::fuzz::{Target, location_problem, run};

fn corpus_files(target: Target) -> Vec<std::path::PathBuf> {
    let dir = secfw_testkit::repo_root().join("fuzz/corpus").join(target.name());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: Target, path: &Path) -> Result<Vec<secfw_artifacts::Diagnostic>, String> {
    let data = std::fs::read(path).unwrap();
    let diags = std::panic::catch_unwind(|| run(target, &data))
        .map_err(|_| format!("{target}: {} panicked", path.display()))?;
    for d in &diags {
        if let Some(p) = location_problem(d, &data) {
            return Err(format!("{target}: {}: {p}", path.display()));
        }
        let files: &[&str] = if target == Target::Json {
            &["sec_findings.yaml", "rulebook.yaml", "inventory.yaml"]
        } else {
            &[target.file()]
        };
        if !files.contains(&d.file.as_str()) {
            return Err(format!(
                "{target}: {}: diagnostic names {}, expected one of {files:?}",
                path.display(),
                d.file
            ));
        }
    }
    Ok(diags)
}

#[test]
fn every_corpus_file_parses_without_panic_and_with_located_diagnostics() {
    let mut failures = Vec::new();
    let mut total = 0;
    for target in Target::ALL {
        let files = corpus_files(target);
        assert!(files.len() >= 5, "{target}: corpus has only {} files", files.len());
        for f in files {
            total += 1;
            if let Err(e) = replay(target, &f) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{} of {total} corpus files failed:\n{}", failures.len(), failures.join("\n"));
}

/// The nasty seeds are refused for the right reason, so the corpus keeps exercising the
/// defences it was written for (a corpus that silently parses everything would test nothing).
#[test]
fn nasty_seeds_are_rejected_with_their_codes() {
    let expect: &[(Target, &str, &[secfw_artifacts::Code])] = &[
        (Target::Findings, "alias_bomb.yaml", &[codes::ALIAS_FORBIDDEN]),
        (Target::Findings, "flow_deep.yaml", &[codes::TOO_DEEP]),
        (Target::Findings, "block_deep.yaml", &[codes::TOO_DEEP]),
        (Target::Findings, "invalid_utf8.yaml", &[codes::INVALID_UTF8]),
        (Target::Findings, "nul.yaml", &[codes::BINARY]),
        (Target::Findings, "empty", &[codes::EMPTY_FILE]),
        (Target::Findings, "dup_key.yaml", &[codes::DUPLICATE_KEY]),
        (Target::Findings, "dup_finding_id.yaml", &[codes::DUPLICATE_FINDING_ID]),
        (Target::Findings, "multi_doc_full.yaml", &[codes::MULTIPLE_DOCUMENTS]),
        (Target::Rulebook, "alias_bomb.yaml", &[codes::ALIAS_FORBIDDEN]),
        (Target::Rulebook, "dup_tag.yaml", &[codes::DUPLICATE_TAG]),
        (Target::Inventory, "dup_resource.yaml", &[codes::DUPLICATE_RESOURCE]),
        (Target::PolicyMap, "invalid_utf8.md", &[codes::INVALID_UTF8]),
        (Target::Exceptions, "nul.md", &[codes::BINARY]),
        (Target::SecuritySpec, "no_front_matter.md", &[codes::SPEC_NO_FRONT_MATTER]),
        (Target::SecuritySpec, "front_matter_alias_bomb.md", &[codes::ALIAS_FORBIDDEN]),
        (Target::Json, "deep_array.json", &[codes::TOO_DEEP]),
        (Target::Json, "dup_key.json", &[codes::DUPLICATE_KEY]),
    ];
    let mut wrong = Vec::new();
    for (target, name, want) in expect {
        let path = secfw_testkit::repo_root().join("fuzz/corpus").join(target.name()).join(name);
        let diags = replay(*target, &path).unwrap();
        let got: Vec<_> = diags.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
        if !want.iter().all(|c| got.contains(c)) {
            wrong.push(format!("{target}/{name}: want {want:?}, got {diags:#?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The generated seeds are valid artifacts: no errors at all.
#[test]
fn generated_seeds_are_valid() {
    let mut by_target = BTreeMap::new();
    for target in Target::ALL.into_iter().filter(|t| *t != Target::Json) {
        let name = if matches!(target, Target::PolicyMap | Target::Exceptions | Target::SecuritySpec) {
            "generated.md"
        } else {
            "generated.yaml"
        };
        let path = secfw_testkit::repo_root().join("fuzz/corpus").join(target.name()).join(name);
        let errors: Vec<String> =
            replay(target, &path).unwrap().iter().filter(|d| d.is_error()).map(ToString::to_string).collect();
        by_target.insert(target.name(), errors);
    }
    let path = secfw_testkit::repo_root().join("fuzz/corpus/parse_json/generated.json");
    let data = std::fs::read(&path).unwrap();
    let mut diags = Vec::new();
    let src = secfw_artifacts::decode_artifact("sec_findings.yaml", data).unwrap();
    assert!(secfw_artifacts::yaml::is_json_syntax(&src.text));
    let parsed = secfw_artifacts::parse_findings(&src, &secfw_artifacts::LoadOptions::default(), &mut diags);
    assert!(parsed.is_some() && diags.is_empty(), "{diags:#?}");
    for (t, errors) in by_target {
        assert!(errors.is_empty(), "{t}: {errors:#?}");
    }
}
