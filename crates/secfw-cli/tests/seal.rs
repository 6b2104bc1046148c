//! `secfw keygen | trust | generate-manifest | sign-manifest | verify-manifest | package | unpack
//! | rollback` end to end through the binary.

use std::path::Path;
use std::process::Command;

const NOW: &str = "2026-11-24T09:00:00Z";

fn secfw(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_secfw"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("SECFW_TRUST")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

fn ok(args: &[&str]) -> String {
    let (code, out) = secfw(args);
    assert_eq!(code, 0, "secfw {args:?}:\n{out}");
    out
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
}

#[test]
fn keygen_trust_generate_sign_verify_package_unpack() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let keys = t.path().join("keys");
    let trust = t.path().join("secfw-trust.json");
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    ok(&["init", &s(&ws), "--now", NOW]);
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-q", "-m", "a"]);

    // outside git: refused with SL0001 unless --no-git
    let plain = t.path().join("plain");
    ok(&["init", &s(&plain), "--now", NOW]);
    let (code, out) = secfw(&["generate-manifest", &s(&plain), "--now", NOW]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SL0001"), "{out}");

    ok(&["keygen", "--identity", "alice", "--out", &s(&keys)]);
    ok(&["keygen", "--identity", "bob", "--out", &s(&keys)]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(keys.join("alice.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (code, _) = secfw(&["keygen", "--identity", "alice", "--out", &s(&keys)]);
    assert_eq!(code, 2, "never overwrites a key");
    ok(&["trust", "init", "--trust", &s(&trust), "--now", NOW]);
    ok(&["trust", "add-key", "--trust", &s(&trust), "--role", "prepared_by", &s(&keys.join("alice.pub"))]);
    ok(&[
        "trust",
        "add-key",
        "--trust",
        &s(&trust),
        "--role",
        "approved_by",
        "--identity",
        "bob",
        &s(&keys.join("bob.pub.json")),
    ]);
    let (code, out) = secfw(&[
        "trust",
        "add-key",
        "--trust",
        &s(&trust),
        "--role",
        "approved_by",
        "--identity",
        "alice2",
        &s(&keys.join("alice.pub.pem")),
    ]);
    assert_eq!(code, 1, "one key, one role: {out}");
    let shown = ok(&["trust", "show", "--trust", &s(&trust), "--now", NOW]);
    assert!(shown.contains("prepared_by: threshold 1 of 1"), "{shown}");

    let out = ok(&["generate-manifest", &s(&ws), "--now", NOW]);
    assert!(out.contains("seal: sha256:"), "{out}");
    let manifest = ws.join("handoff_manifest.yaml");
    let (code, out) = secfw(&["verify-manifest", "--manifest", &s(&manifest), "--trust", &s(&trust), "--now", NOW]);
    assert_eq!(code, 1, "unsigned: {out}");
    ok(&[
        "sign-manifest",
        "--manifest",
        &s(&manifest),
        "--identity",
        "alice",
        "--key",
        &s(&keys.join("alice.key")),
        "--trust",
        &s(&trust),
        "--now",
        NOW,
        "--sshsig",
    ]);
    let (code, out) = secfw(&[
        "sign-manifest",
        "--manifest",
        &s(&manifest),
        "--identity",
        "alice",
        "--key",
        &s(&keys.join("alice.key")),
        "--trust",
        &s(&trust),
        "--now",
        NOW,
    ]);
    assert_eq!(code, 1, "duplicate: {out}");
    assert!(out.contains("SL0203"), "{out}");
    let (code, out) = secfw(&[
        "sign-manifest",
        "--manifest",
        &s(&manifest),
        "--identity",
        "mallory",
        "--key",
        &s(&keys.join("bob.key")),
        "--trust",
        &s(&trust),
        "--now",
        NOW,
    ]);
    assert_eq!(code, 1, "identity mismatch: {out}");
    ok(&[
        "sign-manifest",
        "--manifest",
        &s(&manifest),
        "--identity",
        "bob",
        "--key",
        &s(&keys.join("bob.key")),
        "--trust",
        &s(&trust),
        "--now",
        NOW,
    ]);
    let out = ok(&[
        "verify-manifest",
        "--manifest",
        &s(&manifest),
        "--trust",
        &s(&trust),
        "--now",
        NOW,
        "--expect-commit",
        "HEAD",
    ]);
    assert!(out.contains("verified: sha256:"), "{out}");
    let json =
        ok(&["verify-manifest", "--manifest", &s(&manifest), "--trust", &s(&trust), "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["passed"], true);

    let pkg_out = ok(&["package", &s(&ws), "--trust", &s(&trust), "--now", NOW]);
    let pkg = std::fs::read_dir(ws.join(".secfw/packages")).unwrap().next().unwrap().unwrap().path();
    assert!(pkg_out.contains("wrote"), "{pkg_out}");
    let target = t.path().join("exec");
    ok(&["unpack", "--package", &s(&pkg), "--trust", &s(&trust), "--now", NOW, &s(&target)]);
    assert!(target.join("rulebook.yaml").is_file());

    // tampering: the output names the failed checks, exit 1
    std::fs::write(ws.join("evidence/pentest-2026-q3-summary.md"), "changed").unwrap();
    let yaml = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, yaml.replacen("high_count: ", "high_count: 9", 1)).unwrap();
    let (code, out) = secfw(&["verify-manifest", "--manifest", &s(&manifest), "--trust", &s(&trust), "--now", NOW]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL files")
            && out.contains("FAIL yaml-view")
            && out.contains("SL0111")
            && out.contains("SL0119"),
        "{out}"
    );
    assert!(out.contains("failed checks: files, yaml-view"), "{out}");

    // rollback restores the packaged state
    ok(&["rollback", &s(&ws), "--package", &s(&pkg), "--trust", &s(&trust), "--now", NOW]);
    ok(&["verify-manifest", "--manifest", &s(&manifest), "--trust", &s(&trust), "--now", NOW]);
}
