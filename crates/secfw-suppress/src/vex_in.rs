//! VEX in: OpenVEX, CycloneDX VEX and CSAF VEX documents read into statements, filtered by the
//! rulebook's trusted authors, with conflicts resolved deterministically and reported.
//!
//! Resolution (OpenVEX §"status"): per vulnerability and product (and subcomponent), the
//! statement with the latest timestamp wins; equal timestamps resolve by author, then status
//! name, so the outcome never depends on file or statement order. Every group with more than one
//! distinct status is reported (`SP0403`), naming the winner. Statements by authors the rulebook
//! does not trust are kept out and reported (`SP0402`). A `not_affected` statement without a
//! justification or impact statement is refused (`SP0404`): it is a claim without a reason.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use secfw_artifacts::model::vex::{RecordedStatement, VEX_RECORD, VexRecord};
use secfw_artifacts::yaml::{Seg, SourceMap};
use secfw_artifacts::{Diagnostic, Pos, SourceFile, path};
use serde::Serialize;
use serde_json::Value;

use crate::codes;

/// A VEX status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VexStatus {
    /// Not affected (a technical claim with a justification).
    NotAffected,
    /// Affected.
    Affected,
    /// Fixed.
    Fixed,
    /// Under investigation.
    UnderInvestigation,
}

impl VexStatus {
    /// The OpenVEX name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotAffected => "not_affected",
            Self::Affected => "affected",
            Self::Fixed => "fixed",
            Self::UnderInvestigation => "under_investigation",
        }
    }
}

/// One statement read from a VEX document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct VexStatement {
    /// The document it came from.
    pub file: String,
    /// Where in it.
    pub pos: Option<Pos>,
    /// Who made it.
    pub author: String,
    /// When it was made (the statement's time, else the document's).
    pub timestamp: Option<DateTime<Utc>>,
    /// The vulnerability id.
    pub vulnerability: String,
    /// Its aliases, when the document lists them.
    pub aliases: Vec<String>,
    /// The product (purl, image reference or the document's product id).
    pub product: String,
    /// The subcomponent the statement is about, if any (OpenVEX).
    pub subcomponent: Option<String>,
    /// The status.
    pub status: VexStatus,
    /// The justification (`not_affected`).
    pub justification: Option<String>,
    /// Impact or action statement, free text.
    pub statement: Option<String>,
}

/// Read a VEX document (OpenVEX, CycloneDX or CSAF, recognised by its shape).
pub fn read_vex(name: &str, text: &str) -> (Vec<VexStatement>, Vec<Diagnostic>) {
    let bad = |msg: String| {
        (
            Vec::new(),
            vec![
                Diagnostic::error(codes::VEX_MALFORMED, name, msg)
                    .with_hint("pass an OpenVEX, CycloneDX (1.4+) or CSAF 2.0 VEX document in JSON"),
            ],
        )
    };
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return bad(format!("{name} is not JSON: {e}")),
    };
    let src = SourceFile::new(name, text);
    let map = SourceMap::build(&src);
    let mut r = VexReader { name, map, out: Vec::new(), diags: Vec::new() };
    if v.get("statements").is_some() {
        r.openvex(&v);
    } else if v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        r.cyclonedx(&v);
    } else if v.pointer("/document/category").and_then(Value::as_str).is_some_and(|c| c.contains("vex")) {
        r.csaf(&v);
    } else {
        return bad(format!(
            "{name} is neither OpenVEX (`statements`), CycloneDX (`bomFormat`) nor CSAF VEX (`document.category: csaf_vex`)"
        ));
    }
    (r.out, r.diags)
}

struct VexReader<'a> {
    name: &'a str,
    map: Option<SourceMap>,
    out: Vec<VexStatement>,
    diags: Vec<Diagnostic>,
}

fn time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str).and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc))
}

fn s(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned).filter(|x| !x.trim().is_empty())
}

impl VexReader<'_> {
    fn at(&self, p: &[Seg]) -> Option<Pos> {
        self.map.as_ref().and_then(|m| m.key_pos(p))
    }

    fn malformed(&mut self, at: Option<Pos>, msg: String) {
        self.diags.push(
            Diagnostic::error(codes::VEX_MALFORMED, self.name, msg)
                .at(at)
                .with_hint("every statement needs a vulnerability, a product and a status"),
        );
    }

    fn push(&mut self, st: VexStatement) {
        if st.status == VexStatus::NotAffected && st.justification.is_none() && st.statement.is_none() {
            self.diags.push(
                Diagnostic::error(
                    codes::VEX_NOT_AFFECTED_UNJUSTIFIED,
                    self.name,
                    format!("{} on {}: `not_affected` without a justification or impact statement is not recorded", st.vulnerability, st.product),
                )
                .at(st.pos)
                .with_hint("ask the author for a justification (component_not_present, vulnerable_code_not_in_execute_path, ...)"),
            );
            return;
        }
        self.out.push(st);
    }

    fn openvex(&mut self, v: &Value) {
        let author = s(v.get("author")).unwrap_or_default();
        let doc_time = time(v.get("timestamp"));
        let Some(statements) = v.get("statements").and_then(Value::as_array) else {
            let at = self.at(&path!["statements"]);
            self.malformed(at, "`statements` is not a list".to_owned());
            return;
        };
        for (i, st) in statements.iter().enumerate() {
            let at = self.at(&path!["statements", i]);
            // 0.2.0: `vulnerability: {name}`; earlier drafts: a string.
            let vuln = s(st.pointer("/vulnerability/name")).or_else(|| s(st.get("vulnerability")));
            let aliases: Vec<String> = st
                .pointer("/vulnerability/aliases")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            let status = match st.get("status").and_then(Value::as_str) {
                Some("not_affected") => VexStatus::NotAffected,
                Some("affected") => VexStatus::Affected,
                Some("fixed") => VexStatus::Fixed,
                Some("under_investigation") => VexStatus::UnderInvestigation,
                other => {
                    self.malformed(at, format!("statements[{i}]: status {other:?} is not an OpenVEX status"));
                    continue;
                }
            };
            let Some(vuln) = vuln else {
                self.malformed(at, format!("statements[{i}] names no vulnerability"));
                continue;
            };
            let products = st.get("products").and_then(Value::as_array).cloned().unwrap_or_default();
            if products.is_empty() {
                self.malformed(at, format!("statements[{i}] ({vuln}) names no product"));
                continue;
            }
            let justification = s(st.get("justification"));
            let statement = s(st.get("impact_statement")).or_else(|| s(st.get("action_statement")));
            let when = time(st.get("timestamp")).or(doc_time);
            for p in &products {
                let id = s(p.get("@id")).or_else(|| s(p.pointer("/identifiers/purl"))).or_else(|| s(Some(p)));
                let Some(id) = id else {
                    self.malformed(at, format!("statements[{i}] ({vuln}): a product has no `@id`"));
                    continue;
                };
                let subs: Vec<Option<String>> = match p.get("subcomponents").and_then(Value::as_array) {
                    Some(a) if !a.is_empty() => {
                        a.iter().map(|c| s(c.get("@id")).or_else(|| s(c.pointer("/identifiers/purl")))).collect()
                    }
                    _ => vec![None],
                };
                for sub in subs {
                    self.push(VexStatement {
                        file: self.name.to_owned(),
                        pos: at,
                        author: author.clone(),
                        timestamp: when,
                        vulnerability: vuln.clone(),
                        aliases: aliases.clone(),
                        product: id.clone(),
                        subcomponent: sub,
                        status,
                        justification: justification.clone(),
                        statement: statement.clone(),
                    });
                }
            }
        }
    }

    fn cyclonedx(&mut self, v: &Value) {
        let author = s(v.pointer("/metadata/authors/0/name"))
            .or_else(|| s(v.pointer("/metadata/manufacture/name")))
            .or_else(|| s(v.pointer("/metadata/supplier/name")))
            .unwrap_or_default();
        let doc_time = time(v.pointer("/metadata/timestamp"));
        // bom-ref -> purl, so products are named by purl where the document says.
        let mut refs: BTreeMap<String, String> = BTreeMap::new();
        for c in v.get("components").and_then(Value::as_array).into_iter().flatten() {
            if let (Some(r), Some(p)) = (s(c.get("bom-ref")), s(c.get("purl"))) {
                refs.insert(r, p);
            }
        }
        for (i, vu) in v.get("vulnerabilities").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let at = self.at(&path!["vulnerabilities", i]);
            let Some(id) = s(vu.get("id")) else {
                self.malformed(at, format!("vulnerabilities[{i}] has no `id`"));
                continue;
            };
            let status = match vu.pointer("/analysis/state").and_then(Value::as_str) {
                Some("not_affected" | "false_positive") => VexStatus::NotAffected,
                Some("exploitable") => VexStatus::Affected,
                Some("resolved" | "resolved_with_pedigree") => VexStatus::Fixed,
                Some("in_triage") => VexStatus::UnderInvestigation,
                other => {
                    self.malformed(at, format!("{id}: analysis.state {other:?} is not a CycloneDX analysis state"));
                    continue;
                }
            };
            let mut justification = s(vu.pointer("/analysis/justification"));
            if status == VexStatus::NotAffected
                && justification.is_none()
                && vu.pointer("/analysis/state").and_then(Value::as_str) == Some("false_positive")
            {
                justification = Some("false_positive".to_owned());
            }
            let statement = s(vu.pointer("/analysis/detail"));
            let when = time(vu.pointer("/analysis/lastUpdated")).or_else(|| time(vu.get("updated"))).or(doc_time);
            let affects = vu.get("affects").and_then(Value::as_array).cloned().unwrap_or_default();
            if affects.is_empty() {
                self.malformed(at, format!("{id} affects nothing (`affects` is empty)"));
            }
            for a in &affects {
                let Some(r) = s(a.get("ref")) else { continue };
                let product = refs.get(&r).cloned().unwrap_or(r);
                self.push(VexStatement {
                    file: self.name.to_owned(),
                    pos: at,
                    author: author.clone(),
                    timestamp: when,
                    vulnerability: id.clone(),
                    aliases: Vec::new(),
                    product,
                    subcomponent: None,
                    status,
                    justification: justification.clone(),
                    statement: statement.clone(),
                });
            }
        }
    }

    fn csaf(&mut self, v: &Value) {
        let author = s(v.pointer("/document/publisher/name")).unwrap_or_default();
        let doc_time = time(v.pointer("/document/tracking/current_release_date"));
        // product_id -> purl (or name), from every full_product_name in the product tree.
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        if let Some(tree) = v.get("product_tree") {
            csaf_walk(tree, &mut names);
        }
        for (i, vu) in v.get("vulnerabilities").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let at = self.at(&path!["vulnerabilities", i]);
            let Some(id) = s(vu.get("cve")).or_else(|| s(vu.pointer("/ids/0/text"))) else {
                self.malformed(at, format!("vulnerabilities[{i}] has no `cve` or `ids`"));
                continue;
            };
            // product_id -> flag label (the justification) for known_not_affected products.
            let mut labels: BTreeMap<String, String> = BTreeMap::new();
            for f in vu.get("flags").and_then(Value::as_array).into_iter().flatten() {
                if let Some(l) = s(f.get("label")) {
                    for p in
                        f.get("product_ids").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
                    {
                        labels.insert(p.to_owned(), l.clone());
                    }
                }
            }
            let mut threats: BTreeMap<String, String> = BTreeMap::new();
            for t in vu.get("threats").and_then(Value::as_array).into_iter().flatten() {
                if t.get("category").and_then(Value::as_str) == Some("impact")
                    && let Some(d) = s(t.get("details"))
                {
                    for p in
                        t.get("product_ids").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
                    {
                        threats.insert(p.to_owned(), d.clone());
                    }
                }
            }
            for (key, status) in [
                ("known_not_affected", VexStatus::NotAffected),
                ("known_affected", VexStatus::Affected),
                ("fixed", VexStatus::Fixed),
                ("under_investigation", VexStatus::UnderInvestigation),
            ] {
                let ids = vu
                    .pointer(&format!("/product_status/{key}"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for pid in ids.iter().filter_map(Value::as_str) {
                    self.push(VexStatement {
                        file: self.name.to_owned(),
                        pos: at,
                        author: author.clone(),
                        timestamp: doc_time,
                        vulnerability: id.clone(),
                        aliases: Vec::new(),
                        product: names.get(pid).cloned().unwrap_or_else(|| pid.to_owned()),
                        subcomponent: None,
                        status,
                        justification: labels.get(pid).cloned(),
                        statement: threats.get(pid).cloned(),
                    });
                }
            }
        }
    }
}

// The product tree of a CSAF document (serde_json bounds its depth at 128): product_id -> purl,
// else the product's name.
fn csaf_walk(n: &Value, names: &mut BTreeMap<String, String>) {
    if let Some(fp) = n.get("product") {
        csaf_add(fp, names);
    }
    for fp in n.get("full_product_names").and_then(Value::as_array).into_iter().flatten() {
        csaf_add(fp, names);
    }
    for b in n.get("branches").and_then(Value::as_array).into_iter().flatten() {
        csaf_walk(b, names);
    }
}
fn csaf_add(fp: &Value, names: &mut BTreeMap<String, String>) {
    if let Some(id) = fp.get("product_id").and_then(Value::as_str) {
        let name = fp
            .pointer("/product_identification_helper/purl")
            .or_else(|| fp.get("name"))
            .and_then(Value::as_str)
            .unwrap_or(id);
        names.insert(id.to_owned(), name.to_owned());
    }
}

/// The outcome of resolving statements.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Resolved {
    /// The winning statement of every (vulnerability, product, subcomponent), trusted authors
    /// only, sorted by vulnerability, product, subcomponent.
    pub statements: Vec<VexStatement>,
    /// Untrusted authors (`SP0402`) and conflicts (`SP0403`).
    pub diagnostics: Vec<Diagnostic>,
}

/// Keep statements by `trusted` authors (compared case-insensitively; empty: none is trusted)
/// and resolve each (vulnerability, product, subcomponent) to its latest statement.
pub fn resolve(statements: Vec<VexStatement>, trusted: &[String]) -> Resolved {
    let mut r = Resolved::default();
    let mut groups: BTreeMap<(String, String, Option<String>), Vec<VexStatement>> = BTreeMap::new();
    for st in statements {
        if !secfw_governance::vex::is_trusted(&st.author, trusted) {
            r.diagnostics.push(
                Diagnostic::warning(
                    codes::VEX_UNTRUSTED,
                    &st.file,
                    format!("{} on {}: statement by `{}`, who is not a trusted VEX author; not recorded", st.vulnerability, st.product, st.author),
                )
                .at(st.pos)
                .with_hint("trust the author in the rulebook (`suppressions.trusted_vex_authors`) if their statements should count"),
            );
            continue;
        }
        let key = (st.vulnerability.to_ascii_lowercase(), st.product.clone(), st.subcomponent.clone());
        groups.entry(key).or_default().push(st);
    }
    for (_, mut g) in groups {
        // Latest first; ties by author, then status, so input order never decides.
        // The order `secfw-governance` uses for the record: latest first, the most conservative
        // status on a tie, then the author.
        g.sort_by(|a, b| {
            secfw_governance::vex::effect_order(
                (a.timestamp, &a.author, a.status.as_str()),
                (b.timestamp, &b.author, b.status.as_str()),
            )
        });
        let win = g.remove(0);
        let others: Vec<&VexStatement> = g.iter().filter(|o| o.status != win.status).collect();
        if !others.is_empty() {
            let mut d = Diagnostic::warning(
                codes::VEX_CONFLICT,
                &win.file,
                format!(
                    "{} on {}: conflicting VEX statements; the latest wins: {} by {} at {}",
                    win.vulnerability,
                    win.product,
                    win.status.as_str(),
                    win.author,
                    win.timestamp.map_or_else(|| "no time".to_owned(), |t| t.to_rfc3339())
                ),
            )
            .at(win.pos)
            .with_hint("ask the authors to reconcile; an older statement never overrides a newer one");
            for o in others {
                d = d.with_related(&o.file, o.pos, format!("{} by {}", o.status.as_str(), o.author));
            }
            r.diagnostics.push(d);
        }
        r.statements.push(win);
    }
    r
}

/// The ids of the open or accepted ledger findings a statement is about
/// ([`secfw_governance::vex::is_about`]: vulnerability or alias among the finding's `cve` ids,
/// same package, same version when the statement pins one; a product that is not a purl
/// matches nothing; a finding named without a purl matches by name, shown but never decided).
pub fn matching_findings(st: &VexStatement, findings: &[secfw_artifacts::Finding]) -> Vec<String> {
    let rec = st.to_record(String::new(), DateTime::<Utc>::UNIX_EPOCH);
    findings
        .iter()
        .filter(|f| matches!(f.status, secfw_artifacts::FindingStatus::Open | secfw_artifacts::FindingStatus::Accepted))
        .filter(|f| secfw_governance::vex::is_about(&rec, f) != secfw_governance::vex::About::No)
        .map(|f| f.finding_id.clone())
        .collect()
}

impl VexStatement {
    /// The statement as a record entry (`source_sha256`: the document's SHA-256, hex).
    pub fn to_record(&self, source_sha256: String, recorded_at: DateTime<Utc>) -> RecordedStatement {
        RecordedStatement {
            source: self.file.clone(),
            source_sha256,
            author: self.author.clone(),
            timestamp: self.timestamp,
            vulnerability: self.vulnerability.clone(),
            aliases: self.aliases.clone(),
            product: self.product.clone(),
            subcomponent: self.subcomponent.clone(),
            status: self.status.as_str().to_owned(),
            justification: self.justification.clone(),
            statement: self.statement.clone(),
            recorded_at,
        }
    }
}

/// Add `statements` (trusted, resolved or not) to the VEX record of the workspace at `root`
/// ([`VEX_RECORD`]), written atomically; `sha256` gives each source document's digest. A
/// statement already recorded (same document digest, author, time, vulnerability, product,
/// subcomponent and status) is not added twice. Returns how many were added. The caller holds
/// the workspace lock. An existing record that does not parse is never replaced.
pub fn record(
    root: &std::path::Path,
    statements: &[VexStatement],
    sha256: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<usize, crate::Error> {
    let path = root.join(VEX_RECORD);
    let mut rec = match secfw_artifacts::journal::read_optional(&path)? {
        None => VexRecord::default(),
        Some(text) => {
            let src = SourceFile::new(VEX_RECORD, &text);
            match secfw_artifacts::parse_vex_record(&src) {
                (Some(r), _) => r,
                (None, d) => {
                    let d = d.unwrap_or_else(|| {
                        Diagnostic::error(codes::VEX_MALFORMED, VEX_RECORD, "the VEX record cannot be read")
                    });
                    return Err(crate::Error::Refused(Box::new(d)));
                }
            }
        }
    };
    let key = |r: &RecordedStatement| {
        (
            r.source_sha256.clone(),
            r.author.clone(),
            r.timestamp,
            r.vulnerability.clone(),
            r.product.clone(),
            r.subcomponent.clone(),
            r.status.clone(),
        )
    };
    let mut seen: std::collections::BTreeSet<_> = rec.statements.iter().map(key).collect();
    let mut added = 0;
    for st in statements {
        let r = st.to_record(sha256.get(&st.file).cloned().unwrap_or_default(), now);
        if seen.insert(key(&r)) {
            rec.statements.push(r);
            added += 1;
        }
    }
    if added > 0 {
        let mut text = serde_json::to_string_pretty(&rec).map_err(|e| {
            crate::Error::Refused(Box::new(Diagnostic::error(
                codes::VEX_MALFORMED,
                VEX_RECORD,
                format!("cannot serialize the VEX record: {e}"),
            )))
        })?;
        text.push('\n');
        secfw_artifacts::write_atomic_under(root, std::path::Path::new(VEX_RECORD), text.as_bytes())?;
    }
    Ok(added)
}

/// What [`vex_in`] read and recorded.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct VexIn {
    /// Each trusted statement in effect among those read, with the ledger findings it is about.
    pub statements: Vec<(VexStatement, Vec<String>)>,
    /// Every problem: malformed, untrusted, conflicting, unjustified.
    pub diagnostics: Vec<Diagnostic>,
    /// Statements added to the record (`None`: not recorded, because of `record: false` or an
    /// error diagnostic).
    pub recorded: Option<usize>,
}

/// Read VEX documents (`(name, text)`), keep the trusted statements in effect, name the ledger
/// findings each is about and, with `record` and no error among the diagnostics, add them to the
/// workspace's VEX record ([`record`]; the caller holds the workspace lock). A document with an
/// error records nothing from any document (fail closed).
pub fn vex_in(
    ws: &secfw_artifacts::LoadedWorkspace,
    docs: &[(String, String)],
    now: DateTime<Utc>,
    record_them: bool,
) -> Result<VexIn, crate::Error> {
    use sha2::{Digest as _, Sha256};
    let trusted = ws.rulebook_or_default().suppressions.trusted_vex_authors;
    let mut statements = Vec::new();
    let mut out = VexIn::default();
    let mut sha = BTreeMap::new();
    for (name, text) in docs {
        sha.insert(name.clone(), hex::encode(Sha256::digest(text.as_bytes())));
        let (s, d) = read_vex(name, text);
        statements.extend(s);
        out.diagnostics.extend(d);
    }
    let resolved = resolve(statements, &trusted);
    out.diagnostics.extend(resolved.diagnostics);
    let findings = ws.findings.as_ref().map_or(&[][..], |l| l.findings.as_slice());
    if record_them && !out.diagnostics.iter().any(Diagnostic::is_error) {
        out.recorded = Some(record(&ws.root, &resolved.statements, &sha, now)?);
    }
    out.statements = resolved
        .statements
        .into_iter()
        .map(|st| {
            let f = matching_findings(&st, findings);
            (st, f)
        })
        .collect();
    Ok(out)
}
