//! End to end with a real scanner: Semgrep (the interop venv's, pinned in .ci/requirements.txt)
//! runs with a local rule file and `--metrics=off` (no network) on a fixture repository at two
//! commits; each run is ingested; the first state is sealed and packaged; the baseline gate then
//! fails only on the finding the second commit introduced.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use secfw::seal::VerifyOptions;
use secfw::seal::{GenerateOptions, GitMode, SignOptions, SigningKey, generate_manifest, sign_manifest};
use secfw::seal::{SigningRole, TrustPolicy};

const T1: &str = "2026-11-24T12:00:00Z";
const T2: &str = "2026-11-25T12:00:00Z";

const RULES: &str = r#"rules:
  - id: python-eval-use
    languages: [python]
    severity: ERROR
    message: "eval() of a value that may come from input is code injection"
    pattern: eval(...)
    metadata:
      cwe: ["CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')"]
  - id: python-subprocess-shell
    languages: [python]
    severity: WARNING
    message: "subprocess called with shell=True"
    pattern: subprocess.run(..., shell=True, ...)
    metadata:
      cwe: ["CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"]
"#;

const APP_V1: &str = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.run(cmd, shell=True)\n";
const APP_V2_TAIL: &str = "\n\ndef calc(expr):\n    return eval(expr)\n";

fn key(n: u8) -> SigningKey {
    SigningKey::from_seed([n; 32]).unwrap()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=secfw-test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn semgrep(bin: &Path, repo: &Path, rules: &Path, home: &Path, out: &Path) {
    let o = Command::new(bin)
        .current_dir(repo)
        .env("HOME", home)
        .env("SEMGREP_SEND_METRICS", "off")
        .env("SEMGREP_ENABLE_VERSION_CHECK", "0")
        .args(["scan", "--config"])
        .arg(rules)
        .args(["--metrics=off", "--disable-version-check", "--sarif", "--quiet", "--output"])
        .arg(out)
        .arg(".")
        .output()
        .unwrap();
    assert!(o.status.success(), "semgrep: {}", String::from_utf8_lossy(&o.stderr));
}

fn secfw(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_secfw"))
        .env("NO_COLOR", "1")
        .env_remove("SECFW_TRUST")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

secfw_testkit::interop_test! { [semgrep]
    fn the_baseline_gate_fails_only_on_what_the_second_commit_introduced() {
        let bin = secfw_testkit::semgrep().unwrap();
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("repo");
        let ws = t.path().join("ws");
        let home = t.path().join("home");
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let rules = t.path().join("rules.yaml");
        std::fs::write(&rules, RULES).unwrap();
        secfw::artifacts::template::write_example(&ws).unwrap();

        // Commit 1: the shell=True call.
        git(&repo, &["init", "-q", "-b", "main"]);
        std::fs::write(repo.join("app.py"), APP_V1).unwrap();
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", "one"]);
        let s1 = t.path().join("semgrep-1.sarif");
        semgrep(&bin, &repo, &rules, &home, &s1);
        let (code, out, err) = secfw(&["ingest", s(&s1), "--target", "merchant-dashboard", "--now", T1, s(&ws)]);
        assert_eq!(code, 0, "{out}{err}");

        // Seal and package that state: the baseline.
        let now1: DateTime<Utc> = T1.parse().unwrap();
        let mut tp = TrustPolicy::new(now1 + Duration::days(365));
        tp.add_key(SigningRole::PreparedBy, key(1).public(), "preparer").unwrap();
        tp.add_key(SigningRole::ApprovedBy, key(2).public(), "approver").unwrap();
        generate_manifest(&ws, &GenerateOptions::new(now1).git(GitMode::None)).unwrap();
        let m = ws.join("handoff_manifest.yaml");
        let vo = VerifyOptions::new(now1).require_git(false);
        sign_manifest(&m, &tp, &key(1), &SignOptions::new("preparer", vo.clone())).unwrap();
        sign_manifest(&m, &tp, &key(2), &SignOptions::new("approver", vo.clone())).unwrap();
        let pkg: PathBuf = secfw::seal::package(&ws, &tp, &vo).unwrap().path;
        let mut p = tp.clone();
        p.add_root_key(key(9).public(), "root").unwrap();
        p.version = 1;
        let mut chain = secfw::seal::TrustChain::new(p).unwrap();
        chain.sign(&key(9)).unwrap();
        let trust = t.path().join("secfw-trust.json");
        std::fs::write(&trust, chain.to_json()).unwrap();

        // Commit 2 adds eval(); semgrep again, ingested a day later.
        std::fs::write(repo.join("app.py"), format!("{APP_V1}{APP_V2_TAIL}")).unwrap();
        git(&repo, &["commit", "-q", "-am", "two"]);
        let s2 = t.path().join("semgrep-2.sarif");
        semgrep(&bin, &repo, &rules, &home, &s2);
        let (code, out, err) = secfw(&["ingest", s(&s2), "--target", "merchant-dashboard", "--now", T2, s(&ws)]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("1 new"), "{out}");

        let (code, json, err) = secfw(&[
            "gate", "new", "--baseline", s(&pkg), "--trust", s(&trust), "--no-git", "--now", T2, "--format", "json", s(&ws),
        ]);
        assert_eq!(code, 1, "{json}{err}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let findings = v["findings"].as_array().unwrap();
        let new: Vec<&serde_json::Value> = findings.iter().filter(|f| f["state"] == "new").collect();
        assert_eq!(new.len(), 1, "exactly the finding of commit 2 is new: {new:#?}");
        assert!(findings.iter().all(|f| f["state"] != "updated"), "nothing got worse");
        // It is the eval() finding, and the shell=True finding of commit 1 is unchanged.
        let loaded = secfw::artifacts::load(&ws, &secfw::LoadOptions::default()).unwrap();
        let ledger = loaded.findings.unwrap();
        let id_of = |rule: &str| {
            ledger
                .findings
                .iter()
                .find(|f| f.source.as_ref().and_then(|s| s.rule_id.as_deref()).is_some_and(|r| r.ends_with(rule)))
                .unwrap_or_else(|| panic!("{rule} in the ledger"))
                .finding_id
                .clone()
        };
        assert_eq!(new[0]["finding_id"], id_of("python-eval-use"));
        let shell = findings.iter().find(|f| f["finding_id"] == id_of("python-subprocess-shell")).unwrap();
        assert_eq!(shell["state"], "unchanged");
        // Every failure besides the new finding was already failing at the baseline (kinds the
        // rulebook never baselines), so the only change that fails is the one commit 2 made.
        let failing_unchanged =
            findings.iter().filter(|f| f["fails"] == true && f["state"] == "unchanged").count() as u64;
        assert_eq!(failing_unchanged, v["counts"]["never_baselined"].as_u64().unwrap());
    }
}
