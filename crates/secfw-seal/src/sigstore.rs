//! Sigstore bundles (v0.3) of a sealed handoff, one per signature, for verifiers that speak the
//! Sigstore bundle format (e.g. `@sigstore/verify`) with the signer's public key as trust
//! material (no transparency log, no certificate).
//!
//! A Sigstore bundle carries exactly one DSSE signature, so a k-of-n handoff yields k bundles;
//! counting them against the roles' thresholds stays with the verifier (as with SSHSIG
//! sidecars).
//!
//! A public namespace: Sigstore bundle export (`sigstore::bundles`, `sigstore::write_bundles`).

use serde_json::{Value, json};

use crate::dsse::Envelope;

/// The bundle media type written.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// One bundle per signature of `envelope`: `(keyid, bundle)`, in envelope order. Signatures
/// without a keyid get an empty hint.
pub fn bundles(envelope: &Envelope) -> Vec<(String, Value)> {
    envelope
        .signatures
        .iter()
        .map(|s| {
            let keyid = s.keyid.clone().unwrap_or_default();
            let bundle = json!({
                "mediaType": BUNDLE_MEDIA_TYPE,
                "verificationMaterial": {
                    "publicKey": { "hint": keyid },
                    "tlogEntries": [],
                    "timestampVerificationData": { "rfc3161Timestamps": [] }
                },
                "dsseEnvelope": {
                    "payload": envelope.payload,
                    "payloadType": envelope.payload_type,
                    "signatures": [{ "sig": s.sig, "keyid": keyid }]
                }
            });
            (keyid, bundle)
        })
        .collect()
}

/// File name of the bundle of `keyid` beside the statement: `handoff.<keyid8>.sigstore.json`.
pub fn bundle_name(keyid: &str) -> String {
    format!("handoff.{}.sigstore.json", keyid.get(..8).unwrap_or(keyid))
}

/// Write one bundle per signature of the envelope beside `manifest` into `out_dir`
/// (atomically); returns the files written.
pub fn write_bundles(
    manifest: &std::path::Path,
    out_dir: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>, crate::Error> {
    let dir = match manifest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let ep = dir.join(crate::names::ENVELOPE);
    let bytes = crate::verify::read_seal_file(&ep, crate::dsse::MAX_ENVELOPE_BYTES).map_err(|m| {
        crate::Error::rejected(secfw_artifacts::Diagnostic::error(crate::codes::SEAL_FILE, crate::names::ENVELOPE, m))
    })?;
    let env = Envelope::parse(&bytes).map_err(|m| {
        crate::Error::rejected(secfw_artifacts::Diagnostic::error(crate::codes::ENVELOPE, crate::names::ENVELOPE, m))
    })?;
    let mut written = Vec::new();
    for (keyid, bundle) in bundles(&env) {
        let p = out_dir.join(bundle_name(&keyid));
        let mut text = serde_json::to_string_pretty(&bundle).unwrap_or_default();
        text.push('\n');
        secfw_artifacts::write_atomic(&p, text.as_bytes())?;
        written.push(p);
    }
    Ok(written)
}
