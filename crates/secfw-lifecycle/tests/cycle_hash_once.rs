//! One `cycle` process hashes every sealed file a fixed, small number of times (down from
//! nine): once when the manifest is generated, once as it is archived, once as it is
//! extracted. Every other step reuses a digest after checking the file's identity, and the
//! EXECUTED criterion reuses the verification unpack made of the same, unchanged archive.

use std::time::Duration;

use chrono::DateTime;
use secfw_lifecycle::cycle::{self, CycleOptions};
use secfw_seal::{Role, SigningKey, TrustPolicy};

#[test]
fn a_cycle_hashes_each_sealed_file_three_times_and_loads_the_workspace_a_fixed_number_of_times() {
    let out = tempfile::tempdir().unwrap();
    let now: DateTime<chrono::Utc> = secfw_artifacts::template::EXAMPLE_NOW.parse().unwrap();
    let ws = out.path().join("workspace");
    secfw_artifacts::template::write_example(&ws).unwrap();
    let key_dir = out.path().join("keys");
    let mut trust = TrustPolicy::new(now + chrono::Duration::days(365));
    let root = SigningKey::from_seed([9; 32]).unwrap();
    trust.add_root_key(root.public(), "root@example.org").unwrap();
    let mut keys = Vec::new();
    for (i, (identity, role)) in
        [("lead@example.org", Role::PreparedBy), ("ciso@example.org", Role::ApprovedBy)].into_iter().enumerate()
    {
        let key = SigningKey::from_seed([u8::try_from(i).unwrap() + 1; 32]).unwrap();
        let files = secfw_seal::keys::write_key_files(&key_dir, identity, &key).unwrap();
        trust.add_key(role, key.public(), identity).unwrap();
        keys.extend(files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "key")));
    }
    trust.version = 1;
    let mut chain = secfw_seal::root::TrustChain::new(trust).unwrap();
    chain.sign(&root).unwrap();
    let trust_path = out.path().join("trust.json");
    std::fs::write(&trust_path, chain.to_json()).unwrap();
    let mut opts = CycleOptions::new("test", now);
    opts.trust = Some(trust_path);
    opts.keys = keys;
    opts.git = false;
    // Timestamps older than one clock tick: a digest is reused only for settled files.
    std::thread::sleep(Duration::from_millis(60));
    let lock = secfw_artifacts::lock::WorkspaceLock::acquire(&ws, Duration::from_secs(5)).unwrap();
    let report = cycle::run(&ws, &lock, &opts, &mut |_| {}).unwrap();
    assert!(report.completed(), "{}", report.summary_text());

    let statement: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join(secfw_seal::names::STATEMENT)).unwrap()).unwrap();
    let n = statement["subject"].as_array().unwrap().len() as u64;
    // The archive also holds the statement, the envelope and the YAML view.
    let entries = n + 3;
    let s = report.hash_stats;
    assert_eq!(
        s.files_hashed,
        n + entries + entries,
        "generate hashes each sealed file once, package each entry as it archives it, unpack each entry as it extracts it: {s:?}"
    );
    assert_eq!(
        s.files_reused,
        5 * n,
        "sign (before and after, all keys in one call), package's check, PACKAGED and the check of the extracted copy reuse digests: {s:?}"
    );
    assert_eq!(s.archives_hashed, 2, "the archive is hashed as it is written and once as unpack reads it: {s:?}");
    assert_eq!(s.packages_reused, 1, "EXECUTED reuses unpack's verification of the unchanged archive: {s:?}");
    // The artifacts are read and parsed by the cycle before READY_FOR_HANDOFF (generate-manifest
    // reuses that load) and once more after ingest rewrote the ledger. (Ingest's own read of
    // the ledger it merges into is inside secfw-ingest and not counted here.)
    assert_eq!(report.workspace_loads, 2, "workspace loads per cycle");
}
