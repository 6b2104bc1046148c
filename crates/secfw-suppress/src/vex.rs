//! VEX out: the registry's valid decisions as OpenVEX 0.2.0 and CycloneDX 1.5 VEX documents.
//!
//! - A risk acceptance (or policy deviation) is `affected` with an action statement naming the
//!   exception, its justification and its expiry (CycloneDX: `exploitable`, response
//!   `will_not_fix`). It is never `not_affected`: that is a technical claim.
//! - `**Type**: not affected` is `not_affected` with its standard justification (CycloneDX maps
//!   it to the closest of its own justifications). The parser refuses one without the other.
//! - Products are the exception's package as purls: one per version the rule pins (the exact
//!   version, or the versions the ledger shows in the range), the unversioned purl for all
//!   versions. An exception without a package names no product and is left out (`SP0207`).
//!
//! Output is deterministic for a given `now`: statements in exception and advisory order, the
//! document id derived from the content.

use chrono::{DateTime, SecondsFormat, Utc};
use secfw_artifacts::Diagnostic;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::{Rule, codes};

/// Who issues the document and when.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VexOptions {
    /// The document's author (a person, team or organisation identifier).
    pub author: String,
    /// Issue time (explicit: output is deterministic).
    pub now: DateTime<Utc>,
}

impl VexOptions {
    /// Options from an author and a time.
    pub fn new(author: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self { author: author.into(), now }
    }
}

/// One statement: an advisory, the products, and the decision.
struct Statement<'a> {
    rule: &'a Rule,
    advisory: &'a str,
    products: Vec<String>,
}

fn statements(rules: &[Rule]) -> (Vec<Statement<'_>>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for r in rules.iter().filter(|r| !r.advisories.is_empty()) {
        let Some(pkg) = &r.package else {
            diags.push(
                Diagnostic::warning(
                    codes::NOT_EXPRESSIBLE,
                    secfw_artifacts::file_names::EXCEPTIONS,
                    format!("{}: a VEX statement names products, and the exception names no `**Package**`; left out of the VEX document", r.exception),
                )
                .with_hint("add `**Package**` (a purl) and `**Versions**` to the exception"),
            );
            continue;
        };
        let Some(versions) = r.pinned_versions() else {
            diags.push(
                Diagnostic::warning(
                    codes::NOT_EXPRESSIBLE,
                    secfw_artifacts::file_names::EXCEPTIONS,
                    format!(
                        "{}: the range cannot be listed as products and the ledger shows no version in it; left out",
                        r.exception
                    ),
                )
                .with_hint("ingest a scan that finds the package, or write `**Versions**: =VERSION`"),
            );
            continue;
        };
        let products: Vec<String> = versions
            .into_iter()
            .map(|v| v.map_or_else(|| pkg.unversioned(), |v| format!("{}@{v}", pkg.unversioned())))
            .collect();
        for a in &r.advisories {
            out.push(Statement { rule: r, advisory: a, products: products.clone() });
        }
    }
    (out, diags)
}

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn content_hash(v: &Value) -> [u8; 32] {
    Sha256::digest(serde_json::to_vec(v).unwrap_or_default()).into()
}

/// The registry's decisions as an OpenVEX 0.2.0 document. `None` when there is no statement
/// (an OpenVEX document needs at least one).
pub fn openvex(rules: &[Rule], opts: &VexOptions) -> (Option<Value>, Vec<Diagnostic>) {
    let (sts, diags) = statements(rules);
    if sts.is_empty() {
        return (None, diags);
    }
    let now = rfc(opts.now);
    let statements: Vec<Value> = sts
        .iter()
        .map(|s| {
            let mut st = json!({
                "vulnerability": {"name": s.advisory},
                "timestamp": now,
                "products": s.products.iter().map(|p| json!({"@id": p, "identifiers": {"purl": p}})).collect::<Vec<_>>(),
            });
            let notes = format!("secfw {} (valid until {})", s.rule.exception, s.rule.valid_until);
            if let Some(j) = &s.rule.not_affected {
                st["status"] = json!("not_affected");
                st["justification"] = json!(j);
            } else {
                st["status"] = json!("affected");
                st["action_statement"] = json!(format!(
                    "Risk accepted: {} No fix before {}; the acceptance ends then.",
                    s.rule.statement(),
                    s.rule.valid_until
                ));
                st["action_statement_timestamp"] = json!(now);
            }
            st["status_notes"] = json!(notes);
            st
        })
        .collect();
    let id = hex::encode(content_hash(&json!([&opts.author, &statements])));
    let doc = json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("https://openvex.dev/docs/secfw/vex-{id}"),
        "author": opts.author,
        "timestamp": now,
        "version": 1,
        "tooling": format!("secfw {}", env!("CARGO_PKG_VERSION")),
        "statements": statements,
    });
    (Some(doc), diags)
}

/// CycloneDX's justification for an OpenVEX one.
fn cdx_justification(openvex: &str) -> &'static str {
    match openvex {
        "component_not_present" | "vulnerable_code_not_present" => "code_not_present",
        "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "vulnerable_code_cannot_be_controlled_by_adversary" => "requires_environment",
        _ => "protected_by_mitigating_control",
    }
}

/// The registry's decisions as a CycloneDX 1.5 VEX document (`vulnerabilities[].analysis`),
/// with each product as a component whose `bom-ref` is its purl.
pub fn cyclonedx(rules: &[Rule], opts: &VexOptions) -> (Value, Vec<Diagnostic>) {
    let (sts, diags) = statements(rules);
    let now = rfc(opts.now);
    let mut components: Vec<String> = sts.iter().flat_map(|s| s.products.iter().cloned()).collect();
    components.sort();
    components.dedup();
    let components: Vec<Value> = components
        .iter()
        .map(|p| {
            let parsed: Option<secfw_artifacts::Purl> = p.parse().ok();
            let mut c = json!({
                "type": "library",
                "bom-ref": p,
                "name": parsed.as_ref().map_or_else(|| p.clone(), secfw_artifacts::Purl::display_name),
                "purl": p,
            });
            if let Some(v) = parsed.and_then(|x| x.version) {
                c["version"] = json!(v);
            }
            c
        })
        .collect();
    let vulnerabilities: Vec<Value> = sts
        .iter()
        .map(|s| {
            let analysis = match &s.rule.not_affected {
                Some(j) => json!({
                    "state": "not_affected",
                    "justification": cdx_justification(j),
                    "detail": format!("{} (OpenVEX justification: {j})", s.rule.statement()),
                }),
                None => json!({
                    "state": "exploitable",
                    "response": ["will_not_fix"],
                    "detail": format!("Risk accepted: {}", s.rule.statement()),
                }),
            };
            json!({
                "bom-ref": format!("{}/{}", s.rule.exception, s.advisory),
                "id": s.advisory,
                "analysis": analysis,
                "affects": s.products.iter().map(|p| json!({"ref": p})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let h = content_hash(&json!([&opts.author, &components, &vulnerabilities]));
    let mut u = [0u8; 16];
    u.copy_from_slice(&h[..16]);
    u[6] = (u[6] & 0x0f) | 0x50;
    u[8] = (u[8] & 0x3f) | 0x80;
    let serial = format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        hex::encode(&u[..4]),
        hex::encode(&u[4..6]),
        hex::encode(&u[6..8]),
        hex::encode(&u[8..10]),
        hex::encode(&u[10..])
    );
    let doc = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": serial,
        "version": 1,
        "metadata": {
            "timestamp": now,
            "authors": [{"name": opts.author}],
            "tools": {"components": [{"type": "application", "name": "secfw", "version": env!("CARGO_PKG_VERSION")}]},
        },
        "components": components,
        "vulnerabilities": vulnerabilities,
    });
    (doc, diags)
}
