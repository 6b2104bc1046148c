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

/// Keys for alice, bob and root under `keys`, and the trust policy `trust` signed by root with
/// alice as prepared_by and bob as approved_by; checks the refusals on the way.
fn keys_and_signed_trust(keys: &Path, trust: &Path) {
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    ok(&["keygen", "--identity", "alice", "--out", &s(keys)]);
    ok(&["keygen", "--identity", "bob", "--out", &s(keys)]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(keys.join("alice.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (code, _) = secfw(&["keygen", "--identity", "alice", "--out", &s(keys)]);
    assert_eq!(code, 2, "never overwrites a key");
    ok(&["keygen", "--identity", "root", "--out", &s(keys)]);
    let (code, out) = secfw(&["trust", "init", "--trust", &s(trust), "--now", NOW]);
    assert_eq!(code, 2, "a trust policy needs a root key: {out}");
    ok(&["trust", "init", "--trust", &s(trust), "--now", NOW, "--root-key", &s(&keys.join("root.pub"))]);
    ok(&["trust", "add-key", "--trust", &s(trust), "--role", "prepared_by", &s(&keys.join("alice.pub"))]);
    ok(&[
        "trust",
        "add-key",
        "--trust",
        &s(trust),
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
        &s(trust),
        "--role",
        "approved_by",
        "--identity",
        "alice2",
        &s(&keys.join("alice.pub.pem")),
    ]);
    assert_eq!(code, 1, "one key, one role: {out}");
    let (code, out) = secfw(&["trust", "show", "--trust", &s(trust), "--now", NOW]);
    assert_eq!(code, 1, "not signed yet: {out}");
    assert!(out.contains("incomplete"), "{out}");
    ok(&["trust", "sign", "--trust", &s(trust), "--key", &s(&keys.join("root.key"))]);
    let shown = ok(&["trust", "show", "--trust", &s(trust), "--now", NOW]);
    assert!(shown.contains("prepared_by: threshold 1 of 1"), "{shown}");
}

/// `secfw sign-manifest --manifest M --identity WHO --key KEY --trust T --now NOW [extra]`.
fn sign_manifest(manifest: &Path, who: &str, key: &Path, trust: &Path, extra: &[&str]) -> (i32, String) {
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let (m, k, t) = (s(manifest), s(key), s(trust));
    let mut args = vec!["sign-manifest", "--manifest", &m, "--identity", who, "--key", &k, "--trust", &t, "--now", NOW];
    args.extend_from_slice(extra);
    secfw(&args)
}

/// A `sign_manifest` run that must succeed.
fn signed_ok((code, out): (i32, String)) {
    assert_eq!(code, 0, "sign-manifest:\n{out}");
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

    keys_and_signed_trust(&keys, &trust);

    let out = ok(&["generate-manifest", &s(&ws), "--now", NOW]);
    assert!(out.contains("seal: sha256:"), "{out}");
    let manifest = ws.join("handoff_manifest.yaml");
    let (code, out) = secfw(&["verify-manifest", "--manifest", &s(&manifest), "--trust", &s(&trust), "--now", NOW]);
    assert_eq!(code, 1, "unsigned: {out}");
    signed_ok(sign_manifest(&manifest, "alice", &keys.join("alice.key"), &trust, &["--sshsig"]));
    let (code, out) = sign_manifest(&manifest, "alice", &keys.join("alice.key"), &trust, &[]);
    assert_eq!(code, 1, "duplicate: {out}");
    assert!(out.contains("SL0203"), "{out}");
    let (code, out) = sign_manifest(&manifest, "mallory", &keys.join("bob.key"), &trust, &[]);
    assert_eq!(code, 1, "identity mismatch: {out}");
    signed_ok(sign_manifest(&manifest, "bob", &keys.join("bob.key"), &trust, &[]));
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

// ------------------------------------------------------------------ issue 11, from the CLI

/// A sealed, signed, verified, packaged workspace with its keys and trust policy outside it.
struct Fx {
    t: tempfile::TempDir,
    ws: std::path::PathBuf,
    keys: std::path::PathBuf,
    trust: std::path::PathBuf,
    pkg: std::path::PathBuf,
}

fn p(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

fn sealed_fx() -> Fx {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let keys = t.path().join("keys");
    let trust = t.path().join("trust.json");
    ok(&["init", &p(&ws)]);
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-q", "-m", "a"]);
    ok(&["keygen", "--identity", "alice", "--out", &p(&keys)]);
    ok(&["keygen", "--identity", "bob", "--out", &p(&keys)]);
    ok(&["keygen", "--identity", "root", "--out", &p(&keys)]);
    ok(&["trust", "init", "--trust", &p(&trust), "--now", NOW, "--root-key", &p(&keys.join("root.pub.json"))]);
    // keygen's public key files carry the identity: no --identity needed
    ok(&["trust", "add-key", "--trust", &p(&trust), "--role", "prepared_by", &p(&keys.join("alice.pub.json"))]);
    ok(&["trust", "add-key", "--trust", &p(&trust), "--role", "approved_by", &p(&keys.join("bob.pub.json"))]);
    ok(&["trust", "sign", "--trust", &p(&trust), "--key", &p(&keys.join("root.key"))]);
    ok(&["generate-manifest", &p(&ws), "--now", NOW]);
    let manifest = p(&ws.join("handoff_manifest.yaml"));
    for who in ["alice", "bob"] {
        ok(&[
            "sign-manifest",
            "--manifest",
            &manifest,
            "--identity",
            who,
            "--key",
            &p(&keys.join(format!("{who}.key"))),
            "--trust",
            &p(&trust),
            "--now",
            NOW,
        ]);
    }
    ok(&["verify-manifest", "--manifest", &manifest, "--trust", &p(&trust), "--now", NOW]);
    ok(&["package", &p(&ws), "--trust", &p(&trust), "--now", NOW]);
    let pkg = std::fs::read_dir(ws.join(".secfw/packages")).unwrap().next().unwrap().unwrap().path();
    Fx { t, ws, keys, trust, pkg }
}

/// The genuine package with `extra` entries appended.
fn with_extra(pkg: &Path, out: &Path, extra: &[(&str, &[u8])]) {
    let mut ar = tar::Archive::new(std::fs::File::open(pkg).unwrap());
    let mut b = tar::Builder::new(Vec::new());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let mut h = e.header().clone();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        b.append_data(&mut h, &*e.path().unwrap(), data.as_slice()).unwrap();
    }
    for (name, data) in extra {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, *data).unwrap();
    }
    std::fs::write(out, b.into_inner().unwrap()).unwrap();
}

/// Run secfw, killing it (and failing) if it does not finish in 30 s: a blocked read.
fn secfw_bounded(args: &[&str]) -> (i32, String) {
    use std::io::Read as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_secfw"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("SECFW_TRUST")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("secfw {args:?} blocked");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut out = String::new();
    let _ = child.stdout.take().unwrap().read_to_string(&mut out);
    let _ = child.stderr.take().unwrap().read_to_string(&mut out);
    (status.code().unwrap_or(-1), out)
}

#[test]
fn cli_rollback_and_unpack_refuse_unsigned_extra_entries() {
    let f = sealed_fx();
    let git_config = std::fs::read(f.ws.join(".git/config")).unwrap();
    for (i, (name, data)) in [
        (".git/config", &b"[core]\n\tfsmonitor = \"touch pwned\"\n"[..]),
        ("secfw-trust.json", b"{}"),
        (".secfw/events.jsonl", b"{}\n"),
        ("scans/x.sarif", b"{}"),
        ("evil.sh", b"#!/bin/sh\n"),
    ]
    .into_iter()
    .enumerate()
    {
        let bad = f.t.path().join(format!("bad{i}.tar"));
        with_extra(&f.pkg, &bad, &[(name, data)]);
        let (code, out) = secfw(&["rollback", &p(&f.ws), "--package", &p(&bad), "--trust", &p(&f.trust), "--now", NOW]);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(out.contains("SL0303"), "{name}: {out}");
        let target = f.t.path().join(format!("exec{i}"));
        let (code, out) = secfw(&[
            "unpack",
            "--package",
            &p(&bad),
            "--trust",
            &p(&f.trust),
            "--now",
            NOW,
            "--expect-project",
            "acme-pay",
            &p(&target),
        ]);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(out.contains("SL0303"), "{name}: {out}");
        assert!(std::fs::read_dir(&target).unwrap().next().is_none(), "{name}: nothing unpacked");
    }
    assert_eq!(std::fs::read(f.ws.join(".git/config")).unwrap(), git_config);
    assert!(!f.ws.join("evil.sh").exists() && !f.ws.join("secfw-trust.json").exists());
}

#[test]
fn cli_rollback_never_writes_through_a_symlinked_evidence_directory() {
    let f = sealed_fx();
    let elsewhere = f.t.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir_all(f.ws.join("evidence")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, f.ws.join("evidence")).unwrap();
    let (code, out) = secfw(&["rollback", &p(&f.ws), "--package", &p(&f.pkg), "--trust", &p(&f.trust), "--now", NOW]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SL0304"), "{out}");
    assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none(), "nothing written outside the workspace");
}

#[test]
fn cli_trust_policy_must_come_from_outside_the_workspace() {
    let f = sealed_fx();
    let manifest = p(&f.ws.join("handoff_manifest.yaml"));
    let inside = f.ws.join("secfw-trust.json");
    std::fs::copy(&f.trust, &inside).unwrap();
    // no policy at all: refused, naming where it must come from
    let (code, out) = secfw(&["verify-manifest", "--manifest", &manifest, "--now", NOW]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SL0206") && out.contains("outside"), "{out}");
    // a policy inside the verified tree: refused by every command that trusts it
    let key = p(&f.keys.join("alice.key"));
    let target = p(&f.t.path().join("x"));
    let pkg = p(&f.pkg);
    let ws = p(&f.ws);
    let t = p(&inside);
    for args in [
        vec!["verify-manifest", "--manifest", &manifest, "--trust", &t, "--now", NOW],
        vec!["package", &ws, "--trust", &t, "--now", NOW],
        vec!["rollback", &ws, "--package", &pkg, "--trust", &t, "--now", NOW],
        vec![
            "sign-manifest",
            "--manifest",
            &manifest,
            "--identity",
            "alice",
            "--key",
            &key,
            "--trust",
            &t,
            "--now",
            NOW,
        ],
    ] {
        let (code, out) = secfw(&args);
        assert_eq!(code, 1, "{args:?}: {out}");
        assert!(out.contains("SL0206"), "{args:?}: {out}");
    }
    let unpack_inside = p(&f.t.path().join("u"));
    std::fs::create_dir(f.t.path().join("u")).unwrap();
    let _ = target;
    // unpack: the policy may not lie in the target either
    let planted = f.t.path().join("u/trust.json");
    std::fs::copy(&f.trust, &planted).unwrap();
    let (code, out) = secfw(&["unpack", "--package", &pkg, "--trust", &p(&planted), "--now", NOW, &unpack_inside]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SL0206"), "{out}");
    // pinned by digest, a policy inside the tree is accepted; the report names what it trusted
    let digest = {
        let out = ok(&["verify-manifest", "--manifest", &manifest, "--trust", &p(&f.trust), "--now", NOW]);
        let line = out.lines().find(|l| l.starts_with("trusted policy:")).expect("trusted policy line").to_owned();
        line.split_whitespace().last().unwrap().trim_end_matches(')').to_owned()
    };
    assert!(digest.starts_with("sha256:"), "{digest}");
    ok(&["verify-manifest", "--manifest", &manifest, "--trust", &t, "--trust-digest", &digest, "--now", NOW]);
    let wrong = format!("sha256:{}", "0".repeat(64));
    let (code, out) = secfw(&[
        "verify-manifest",
        "--manifest",
        &manifest,
        "--trust",
        &p(&f.trust),
        "--trust-digest",
        &wrong,
        "--now",
        NOW,
    ]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn cli_project_and_sequence_are_bound_by_default() {
    let f = sealed_fx();
    // another project's package, signed by the same trusted keys
    let other = f.t.path().join("other");
    ok(&["init", &p(&other)]);
    git(&other, &["init", "-q"]);
    git(&other, &["add", "-A"]);
    git(&other, &["commit", "-q", "-m", "a"]);
    ok(&["generate-manifest", &p(&other), "--now", NOW, "--project", "other-project"]);
    let om = p(&other.join("handoff_manifest.yaml"));
    for who in ["alice", "bob"] {
        ok(&[
            "sign-manifest",
            "--manifest",
            &om,
            "--identity",
            who,
            "--key",
            &p(&f.keys.join(format!("{who}.key"))),
            "--trust",
            &p(&f.trust),
            "--now",
            NOW,
            "--any-project",
        ]);
    }
    let (code, out) = secfw(&["verify-manifest", "--manifest", &om, "--trust", &p(&f.trust), "--now", NOW]);
    assert_eq!(code, 1, "another project's manifest: {out}");
    assert!(out.contains("SL0116"), "{out}");
    ok(&["package", &p(&other), "--trust", &p(&f.trust), "--now", NOW, "--any-project"]);
    let foreign = std::fs::read_dir(other.join(".secfw/packages")).unwrap().next().unwrap().unwrap().path();
    let (code, out) = secfw(&["rollback", &p(&f.ws), "--package", &p(&foreign), "--trust", &p(&f.trust), "--now", NOW]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SL0116"), "{out}");
    let (code, out) = secfw(&[
        "unpack",
        "--package",
        &p(&foreign),
        "--trust",
        &p(&f.trust),
        "--now",
        NOW,
        "--expect-project",
        "acme-pay",
        &p(&f.t.path().join("x")),
    ]);
    assert_eq!(code, 1, "{out}");
    // an older manifest than the workspace accepted (state written by verify-manifest)
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.ws.join(".secfw/seal-state.json")).unwrap()).unwrap();
    assert_eq!(state["sequence"], 1);
    std::fs::write(
        f.ws.join(".secfw/seal-state.json"),
        serde_json::to_vec(&serde_json::json!({"project": "acme-pay", "sequence": 5, "seal": state["seal"]})).unwrap(),
    )
    .unwrap();
    let manifest = p(&f.ws.join("handoff_manifest.yaml"));
    let (code, out) = secfw(&["verify-manifest", "--manifest", &manifest, "--trust", &p(&f.trust), "--now", NOW]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SL0117"), "{out}");
    let (code, out) =
        secfw(&["unpack", "--package", &p(&f.pkg), "--trust", &p(&f.trust), "--now", NOW, &p(&f.t.path().join("y"))]);
    assert_eq!(code, 1, "unpack of a package older than its workspace accepted: {out}");
    assert!(out.contains("SL0117"), "{out}");
}

#[test]
fn cli_reads_never_block_on_fifos_or_devices() {
    let f = sealed_fx();
    let manifest = p(&f.ws.join("handoff_manifest.yaml"));
    let (code, out) = secfw_bounded(&[
        "sign-manifest",
        "--manifest",
        &manifest,
        "--identity",
        "alice",
        "--key",
        "/dev/zero",
        "--trust",
        &p(&f.trust),
        "--now",
        NOW,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SL0201"), "{out}");
    let (code, out) =
        secfw_bounded(&["verify-manifest", "--manifest", &manifest, "--trust", "/dev/zero", "--now", NOW]);
    assert_eq!(code, 1, "{out}");
    for name in ["handoff.intoto.json", "handoff.statement.json", "handoff_manifest.yaml"] {
        let path = f.ws.join(name);
        let saved = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(Command::new("mkfifo").arg(&path).status().unwrap().success());
        let (code, out) =
            secfw_bounded(&["verify-manifest", "--manifest", &manifest, "--trust", &p(&f.trust), "--now", NOW]);
        assert_eq!(code, 1, "{name}: {out}");
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, saved).unwrap();
    }
}

#[test]
fn cli_sign_refuses_a_private_key_readable_by_others() {
    use std::os::unix::fs::PermissionsExt as _;
    let f = sealed_fx();
    ok(&["generate-manifest", &p(&f.ws), "--now", NOW, "--allow-dirty"]);
    let key = f.keys.join("alice.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let manifest = p(&f.ws.join("handoff_manifest.yaml"));
    let args = [
        "sign-manifest",
        "--manifest",
        &manifest,
        "--identity",
        "alice",
        "--key",
        &p(&key),
        "--trust",
        &p(&f.trust),
        "--now",
        NOW,
    ];
    let (code, out) = secfw(&args);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SL0207"), "{out}");
    let mut with_flag = args.to_vec();
    with_flag.push("--allow-insecure-key-permissions");
    let (_code, out) = secfw(&with_flag);
    assert!(!out.contains("SL0207"), "{out}");
}

#[test]
fn cli_trust_rotation_revocation_and_pinning() {
    let f = sealed_fx();
    let manifest = p(&f.ws.join("handoff_manifest.yaml"));
    let tr = p(&f.trust);
    let verify = || secfw(&["verify-manifest", "--manifest", &manifest, "--trust", &tr, "--now", NOW]);
    let v1 = std::fs::read(&f.trust).unwrap();
    // verification reports the policy version and digest it trusted, and pins it
    let (code, out) = verify();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(version 1, sha256:"), "{out}");
    let pin: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.ws.join(".secfw/trust-state.json")).unwrap()).unwrap();
    assert_eq!(pin["version"], 1);

    // rotate the root to a new key: version 2 needs the old and the new root's signatures
    ok(&["keygen", "--identity", "root2", "--out", &p(&f.keys)]);
    let old_root = p(&f.keys.join("root.pub"));
    ok(&["trust", "rotate", "--trust", &tr, "--add-root", &p(&f.keys.join("root2.pub")), "--remove-root", &old_root]);
    ok(&["trust", "sign", "--trust", &tr, "--key", &p(&f.keys.join("root2.key"))]);
    let (code, out) = verify();
    assert_eq!(code, 1, "signed by the new root only: {out}");
    assert!(out.contains("SL0208"), "{out}");
    ok(&["trust", "sign", "--trust", &tr, "--key", &p(&f.keys.join("root.key"))]);
    let (code, out) = verify();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(version 2, sha256:"), "{out}");

    // revoke bob (the only approver): a rotation signed by the current root
    ok(&["trust", "remove-key", "--trust", &tr, &p(&f.keys.join("bob.pub"))]);
    ok(&["trust", "sign", "--trust", &tr, "--key", &p(&f.keys.join("root2.key"))]);
    let (code, out) = verify();
    assert_eq!(code, 1, "a manifest signed only by a revoked key no longer verifies: {out}");
    assert!(out.contains("SL0105"), "{out}");

    // the workspace pinned version 2: handing it version 1 (which still trusts bob) is refused
    std::fs::write(&f.trust, &v1).unwrap();
    let (code, out) = verify();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SL0208") && out.contains("older"), "{out}");
}
