//! Which recorded VEX statements are in effect, and which findings a trusted `not_affected`
//! statement decides (the one home of these rules; `secfw-suppress` reads VEX documents and uses
//! them, the gates, metrics and exports see the result through [`crate::evaluate()`]).
//!
//! - **Trust** is the current rulebook's `suppressions.trusted_vex_authors` (trimmed,
//!   case-insensitive, exact otherwise): a statement recorded while its author was trusted
//!   stops counting when the rulebook stops trusting them.
//! - **Latest wins** per (vulnerability, product, subcomponent), among trusted statements:
//!   newest `timestamp` first (a statement without one is older than any with one); on equal
//!   times the most conservative status wins (`affected`, `under_investigation`, `fixed`,
//!   `not_affected`), then the author name; so an older `not_affected` never overrides a newer
//!   `affected`, and order of reading never decides.
//! - **Decides a finding** when the winner is `not_affected` with a standard justification
//!   ([`secfw_artifacts::model::vex::is_standard_justification`]) and it is about the finding:
//!   one of the finding's `cve` ids is the vulnerability or an alias, and one of its resources
//!   is the statement's package (its subcomponent when it names one): same purl type, namespace
//!   and name, and the same version when the statement pins one. A product that is not a purl
//!   matches nothing. The finding's packages are its resources' locations and the purl ingest
//!   recorded from the scanner (`scan_result` evidence `purl`); a finding known only as
//!   `name@version` is shown as matching by name but never decided (its ecosystem is unknown).
//!
//! A public namespace: `vex::decision_for`, `vex::About`, `vex::in_effect` read well only qualified.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use secfw_artifacts::Finding;
use secfw_artifacts::Purl;
use secfw_artifacts::model::vex::{RecordedStatement, VexRecord, is_standard_justification};

use crate::PackageRef;

/// How conservative a status is on a tie (lower wins).
fn status_rank(s: &str) -> u8 {
    // Anything unknown ranks as `affected`: the most conservative.
    match s {
        "under_investigation" => 1,
        "fixed" => 2,
        "not_affected" => 3,
        _ => 0,
    }
}

/// The order of statements about one (vulnerability, product, subcomponent): the one in effect
/// first. Used by `secfw-suppress` when it reports what it read, so both agree.
pub fn effect_order(a: (Option<DateTime<Utc>>, &str, &str), b: (Option<DateTime<Utc>>, &str, &str)) -> Ordering {
    b.0.cmp(&a.0).then_with(|| status_rank(a.2).cmp(&status_rank(b.2))).then_with(|| a.1.cmp(b.1))
}

/// `true` when `author` is one of `trusted` (trimmed, ASCII case-insensitive).
pub fn is_trusted(author: &str, trusted: &[String]) -> bool {
    !author.trim().is_empty() && trusted.iter().any(|t| t.trim().eq_ignore_ascii_case(author.trim()))
}

/// The statements in effect: trusted authors only, latest per (vulnerability, product,
/// subcomponent), sorted by that key.
pub fn in_effect<'a>(record: &'a VexRecord, trusted: &[String]) -> Vec<&'a RecordedStatement> {
    let mut groups: BTreeMap<(String, &str, Option<&str>), Vec<&RecordedStatement>> = BTreeMap::new();
    for st in record.statements.iter().filter(|s| is_trusted(&s.author, trusted)) {
        groups
            .entry((st.vulnerability.to_ascii_lowercase(), st.product.as_str(), st.subcomponent.as_deref()))
            .or_default()
            .push(st);
    }
    groups
        .into_values()
        .filter_map(|mut g| {
            g.sort_by(|a, b| effect_order((a.timestamp, &a.author, &a.status), (b.timestamp, &b.author, &b.status)));
            g.first().copied()
        })
        .collect()
}

/// How a statement is about a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum About {
    /// Not about it.
    No,
    /// The vulnerability and the package name and version match, but the finding names its
    /// package without a purl (`name@version`), so the ecosystem is unknown: shown, never
    /// decides (a `pkg:npm/x` statement must not decide a Cargo `x`).
    ByNameOnly,
    /// The vulnerability, the purl (type, namespace, name) and the version match.
    Yes,
}

/// Whether `st` is about finding `f`: vulnerability or alias among its `cve` ids, and one of its
/// resources is the statement's package (its subcomponent when it names one) at the statement's
/// version when it pins one.
pub fn is_about(st: &RecordedStatement, f: &Finding) -> About {
    let Ok(want) = st.subcomponent.as_deref().unwrap_or(&st.product).parse::<Purl>() else {
        return About::No;
    };
    let ids: Vec<String> =
        std::iter::once(&st.vulnerability).chain(&st.aliases).map(|s| s.to_ascii_lowercase()).collect();
    if !f.cve.iter().any(|c| ids.contains(&c.to_ascii_lowercase())) {
        return About::No;
    }
    // The finding's packages: its resources' locations, and the purl ingest recorded from the
    // scanner (`scan_result` evidence `purl`, e.g. Trivy's PkgIdentifier.PURL).
    let from_evidence = f
        .evidence
        .iter()
        .filter(|e| e.kind == secfw_artifacts::model::findings::EvidenceKind::ScanResult)
        .filter_map(|e| e.data.get_str("purl"))
        .filter_map(PackageRef::from_location);
    // Versions compare as the package type orders them: an rpm/deb `?epoch=` is part of the
    // version on either side (`@3.0.9-1.el9?epoch=1` is `@1:3.0.9-1.el9`); an epoch that cannot
    // be read makes the statement about no version.
    let want_version = want.version.as_deref().map(|v| want.version_with_epoch(v));
    f.affected_resources
        .iter()
        .filter_map(|r| PackageRef::from_location(&r.location))
        .chain(from_evidence)
        .filter(|p| want_version.as_ref().is_none_or(|w| w.is_some() && p.comparable_version() == *w))
        .map(|p| match &p.purl {
            Some(pu) if want.same_package(pu) => About::Yes,
            None if want.display_name() == p.name => About::ByNameOnly,
            _ => About::No,
        })
        .max()
        .unwrap_or(About::No)
}

/// `true` when `st` is a decision that can take a finding out of the count: `not_affected`
/// with a standard justification.
pub fn decides(st: &RecordedStatement) -> bool {
    st.status == "not_affected" && st.justification.as_deref().is_some_and(is_standard_justification)
}

/// The id a VEX decision is shown under wherever an exception id would be:
/// `VEX:<author>:<vulnerability>`.
pub fn decision_id(st: &RecordedStatement) -> String {
    format!("VEX:{}:{}", st.author.trim(), st.vulnerability)
}

/// The statement in effect that decides `f` as not affected, if any.
pub fn decision_for<'a>(effective: &[&'a RecordedStatement], f: &Finding) -> Option<&'a RecordedStatement> {
    // A finding two statements are about is decided only when every statement in effect about
    // it says not_affected with a justification (fail closed on a mix of products).
    let about: Vec<&RecordedStatement> = effective.iter().copied().filter(|s| is_about(s, f) != About::No).collect();
    (!about.is_empty() && about.iter().all(|s| decides(s) && is_about(s, f) == About::Yes)).then(|| about[0])
}
