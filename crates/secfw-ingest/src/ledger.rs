//! Merging parsed reports into the findings ledger.
//!
//! Rules (also in `docs/ingest.md`):
//! - A report item whose fingerprint matches a finding that is not resolved updates that
//!   finding: `last_seen`, `source.scan_id` and its ingest evidence; people's edits
//!   (status, governance, remediation) are kept, and so is their severity unless the
//!   scanner's rating changed (`Merge::rerate`: up always, down only while nobody changed it).
//! - A fingerprint seen only on resolved findings opens a **new** finding whose `supersedes`
//!   names the most recent resolved one.
//! - An unknown fingerprint opens a new finding with the next free id.
//! - After all reports are merged, an open or accepted finding whose fingerprint was not
//!   reported is resolved (`status: resolved`, `resolved_at: now`) only when a scan of this
//!   ingest **succeeded**, scanned the finding's tool and target, covered its class
//!   (vulnerability, licence, secret, misconfiguration, a SARIF tool's rule set) and skipped
//!   nothing in that class. Otherwise it stays open and [`MergeSummary::kept_open`] says why.
//! - Ids follow the ledger's scheme (`PREFIX` + zero-padded number, the most common prefix);
//!   the next id is one more than the largest number ever used with that prefix, so ids of
//!   deleted findings are not reused unless they were the largest.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rayon::iter::{
    IndexedParallelIterator, IntoParallelIterator, IntoParallelRefMutIterator, ParallelExtend, ParallelIterator,
};
use secfw_artifacts::Diagnostic;
use secfw_artifacts::file_names;
use secfw_artifacts::model::findings::{
    AffectedResource, Category, Evidence, EvidenceData, EvidenceKind, Finding, FindingGovernance, FindingSource,
    FindingStatus, FindingsFile, FindingsMetadata, Remediation, ScanRecord, ScanResultEvidence, ScanStatus,
};
use secfw_artifacts::model::inventory::{Inventory, Resource};
use secfw_artifacts::model::rulebook::SlaDays;
use secfw_artifacts::{LifecycleState, Severity, Timestamp};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::codes;
use crate::model::{Item, Reach, Scan, ScannerReport, class, priority_of};

/// Maps and sets keyed by fingerprints (one lookup or more per finding and per item): hashed
/// with foldhash, seeded per process, instead of SipHash.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// See [`FastMap`].
type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// What a merge did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MergeSummary {
    /// Ids of findings opened (including re-openings).
    pub opened: Vec<String>,
    /// `(new id, old id)` for findings that came back after being resolved.
    pub reopened: Vec<(String, String)>,
    /// Ids of findings seen again.
    pub updated: Vec<String>,
    /// Ids of findings resolved because a successful scan of their target no longer reports them.
    pub resolved: Vec<String>,
    /// Scan ids recorded (new or updated).
    pub scans: Vec<String>,
    /// Scan ids of failed scans.
    pub failed_scans: Vec<String>,
    /// `(id, why)` of findings a scan of this ingest did not report but could not resolve
    /// (it failed, did not cover the finding's class, or skipped something in it).
    pub kept_open: Vec<(String, String)>,
    /// `(id, from, to)` of findings seen again whose severity changed because their scanner
    /// rates them differently now (see `docs/ingest.md`, "Severity").
    pub rerated: Vec<(String, Severity, Severity)>,
    /// Notes about inventory matching, findings kept open and severities changed.
    pub diagnostics: Vec<Diagnostic>,
}

/// An empty ledger (used when `sec_findings.yaml` does not exist yet).
pub fn new_ledger(now: DateTime<Utc>) -> FindingsFile {
    FindingsFile {
        version: "1.0".into(),
        metadata: FindingsMetadata {
            scan_id: "none".into(),
            timestamp: Timestamp::DateTime(now),
            lifecycle_state: LifecycleState::Executed,
            tags: Vec::new(),
            project: None,
            intel: None,
        },
        findings: Vec::new(),
        scans: Vec::new(),
    }
}

/// The id scheme of a ledger: (prefix, width, next number).
pub fn id_scheme(ledger: &FindingsFile) -> (String, usize, u64) {
    let mut by_prefix: BTreeMap<String, (usize, usize, u64)> = BTreeMap::new(); // count, width, max
    let ids =
        ledger.findings.iter().flat_map(|f| std::iter::once(f.finding_id.as_str()).chain(f.supersedes.as_deref()));
    for id in ids {
        let digits = id.bytes().rev().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 18 {
            continue;
        }
        let (prefix, num) = id.split_at(id.len() - digits);
        let Ok(n) = num.parse::<u64>() else { continue };
        let e = by_prefix.entry(prefix.to_owned()).or_insert((0, 0, 0));
        e.0 += 1; // ids named by `supersedes` count too: an id is never handed out twice
        e.1 = e.1.max(digits);
        e.2 = e.2.max(n);
    }
    by_prefix
        .into_iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(&a.0)))
        .map_or_else(|| ("SF-".to_owned(), 4, 1), |(p, (_, w, m))| (p, w, m + 1))
}

/// Match a target or location to an inventory resource (rule in the module docs of
/// `docs/ingest.md`): exact id; else a resource id that is a path prefix of it (`services/api`
/// matches `services/api/src/main.rs`, the longest wins); else an image id equal to the
/// reference without its tag or digest (`ghcr.io/acme/api` matches `ghcr.io/acme/api:1.2`).
pub fn match_resource<'a>(inventory: Option<&'a Inventory>, candidates: &[&str]) -> Option<&'a Resource> {
    let inv = inventory?;
    for c in candidates.iter().filter(|c| !c.is_empty()) {
        // Borrowed unless it has to change (a million findings matched one by one).
        let c = crate::fingerprint::normalized_path(c);
        let c = c.as_ref();
        if let Some(r) = inv.resources.iter().find(|r| r.id == c) {
            return Some(r);
        }
        if let Some(r) = inv.resources.iter().filter(|r| is_parent_path(&r.id, c)).max_by_key(|r| r.id.len()) {
            return Some(r);
        }
        let image = strip_image_tag(c);
        if image != c
            && let Some(r) = inv.resources.iter().find(|r| r.id == image)
        {
            return Some(r);
        }
    }
    None
}

/// `true` when `path` lies under the resource id `id` (`id` without trailing slashes, then `/`),
/// without building the prefix string for every resource.
fn is_parent_path(id: &str, path: &str) -> bool {
    let p = id.trim_end_matches('/');
    path.starts_with(p) && path.as_bytes().get(p.len()) == Some(&b'/')
}

fn strip_image_tag(s: &str) -> &str {
    let s = s.split('@').next().unwrap_or(s);
    match s.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => name,
        _ => s,
    }
}

fn scan_id(report: &ScannerReport, scan: &Scan) -> String {
    let mut h = Sha256::new();
    h.update(report.sha256.to_hex().as_bytes());
    h.update(scan.index.to_le_bytes());
    format!("scan-{}", hex::encode(&h.finalize()[..8]))
}

/// Text the ingest evidence of many findings repeats (the report's name and digest, the
/// tool, the target): one shared copy each instead of one per finding. Keeps the last
/// [`SharedText::KEEP`] texts it gave out.
#[derive(Default)]
struct SharedText {
    recent: Vec<Arc<str>>,
}

impl SharedText {
    const KEEP: usize = 16;

    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.recent.iter().rev().find(|a| ***a == *s) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(s);
        if self.recent.len() >= Self::KEEP {
            self.recent.remove(0);
        }
        self.recent.push(Arc::clone(&a));
        a
    }

    fn digest(&mut self, d: &secfw_artifacts::Sha256Digest) -> Arc<str> {
        let mut hex = [0u8; 64];
        // 32 bytes are 64 hex characters: the buffer is exactly their size.
        match hex::encode_to_slice(d.as_bytes(), &mut hex).map(|()| std::str::from_utf8(&hex)) {
            Ok(Ok(h)) => self.get(h),
            _ => Arc::from(d.to_hex()),
        }
    }
}

/// What the ingest evidence of an item owns: its pointer, location and `extra` entries,
/// given apart so that a new finding moves them out of its item instead of copying them.
struct EvidenceParts {
    pointer: String,
    location: String,
    extra: Vec<(Cow<'static, str>, Value)>,
}

impl EvidenceParts {
    /// Copies of `item`'s (an update of a live finding keeps the item).
    fn copied(item: &Item) -> Self {
        Self { pointer: item.pointer.clone(), location: item.location.clone(), extra: item.extra.clone() }
    }
}

/// The ingest evidence of `item`, recording `rating` as the scanner's (`severity`).
fn evidence_of(
    shared: &mut SharedText,
    report: &ScannerReport,
    item: &Item,
    EvidenceParts { pointer, location, extra }: EvidenceParts,
    target_key: &str,
    rating: Option<Severity>,
) -> Evidence {
    let data = ScanResultEvidence {
        report: shared.get(&report.name),
        report_sha256: shared.digest(&report.sha256),
        pointer,
        tool: shared.get(&item.tool),
        rule_id: item.rule_id.clone(),
        target: shared.get(target_key),
        location,
        line: item.line,
        occurrences: u64::from(item.occurrences),
        severity: rating.map(|r| Cow::Borrowed(r.as_str())),
        severity_source: Cow::Borrowed(item.severity_source),
        class: Cow::Borrowed(item.class),
        extra,
    };
    Evidence { kind: EvidenceKind::ScanResult, data: EvidenceData::scan_result(data) }
}

/// The scan target an ingested finding belongs to (from its ingest evidence).
pub fn finding_target(f: &Finding) -> Option<&str> {
    f.evidence
        .iter()
        .filter(|e| e.kind == EvidenceKind::ScanResult)
        .find_map(|e| if e.data.contains_key("pointer") { e.data.get_str("target") } else { None })
}

fn is_ingest_evidence(e: &Evidence) -> bool {
    e.kind == EvidenceKind::ScanResult && e.data.contains_key("pointer") && e.data.contains_key("report_sha256")
}

/// Merge reports into the ledger. Deterministic: the same ledger, reports, inventory and
/// `now` give the same ledger. Time O((n + m) log(n + m)) for n report items and m ledger
/// findings: every lookup goes through a hash index, never a scan of the ledger. The reports
/// are left as they are (the new findings are built from copies of their items);
/// [`merge_moving`] moves the items instead.
pub fn merge(
    ledger: &mut FindingsFile,
    reports: &[ScannerReport],
    inventory: Option<&Inventory>,
    sla: &SlaDays,
    now: DateTime<Utc>,
) -> MergeSummary {
    let (summary, mut pending) = decide(ledger, reports, inventory, sla, now);
    build_copied(ledger, reports, &mut pending, inventory, sla, now);
    summary
}

/// [`merge`], moving the reports' items into the ledger instead of copying them: the
/// same ledger and summary, without a second copy of every new finding's text in memory.
/// Afterwards every scan's `items` is empty; [`ScannerReport::finding_count`] still counts
/// them.
pub fn merge_moving(
    ledger: &mut FindingsFile,
    reports: &mut [ScannerReport],
    inventory: Option<&Inventory>,
    sla: &SlaDays,
    now: DateTime<Utc>,
) -> MergeSummary {
    let (summary, mut pending) = decide(ledger, reports, inventory, sla, now);
    // The items leave the reports without being copied (each scan's vector moves whole), and
    // the findings take their text from them in place.
    let mut taken: Vec<Vec<Vec<Item>>> =
        reports.iter_mut().map(|r| r.scans.iter_mut().map(Scan::take_items).collect()).collect();
    let mut first = Vec::with_capacity(taken.len()); // position of each scan's first item
    let mut n = 0;
    for r in &taken {
        first.push(
            r.iter()
                .map(|s| {
                    let at = n;
                    n += s.len();
                    at
                })
                .collect::<Vec<_>>(),
        );
    }
    let mut slots: Vec<Option<&mut Item>> = taken.iter_mut().flatten().flatten().map(Some).collect();
    let items = pending
        .iter()
        .map(|o| {
            slots[first[o.at.0][o.at.1] + o.at.2]
                .take()
                .expect("an item opens at most one finding (one per fingerprint)")
        })
        .collect();
    build(ledger, reports, &mut pending, items, inventory, sla, now);
    summary
}

/// Where an item is: (report, scan, item) indices.
type At = (usize, usize, usize);

fn item_at(reports: &[ScannerReport], (r, s, i): At) -> &Item {
    &reports[r].scans[s].items[i]
}

/// Everything a merge decides, in order: scan records, updates of live findings, resolution,
/// the ledger's metadata, and the new findings (id, superseded finding, item), which the
/// caller builds and appends in that order ([`build`]).
fn decide(
    ledger: &mut FindingsFile,
    reports: &[ScannerReport],
    inventory: Option<&Inventory>,
    sla: &SlaDays,
    now: DateTime<Utc>,
) -> (MergeSummary, Vec<Opening>) {
    let mut m = Merge::new(inventory, now);
    let mut work = m.record_scans(ledger, reports);
    // Sorted for a deterministic id assignment. Of the items of one fingerprint (two reports
    // of this ingest that hold the same finding) the most severe comes first and is the one
    // merged: two scanners that disagree never lower a finding by the order of their scans.
    work.sort_by(|a, b| {
        (&a.item.fingerprint, a.item.severity, &m.sids[a.sid]).cmp(&(
            &b.item.fingerprint,
            b.item.severity,
            &m.sids[b.sid],
        ))
    });
    let mut index = LedgerIndex::of(ledger);
    // Room for every finding this merge may open, once: a vector of 80k findings grown by
    // doubling copies each into fresh memory several times (an upper bound: an item merged
    // by an alias, or reported twice, opens nothing; capacity never written is never touched).
    let new = if index.live.is_empty() {
        work.len()
    } else {
        work.iter().filter(|w| !index.live.contains_key(w.item.fingerprint.as_str())).count()
    };
    ledger.findings.reserve(new);
    // Only an earlier fingerprint (an alias) can name a finding this merge opens: each
    // fingerprint is decided once. Without aliases the new findings stay out of the index,
    // which then holds only the ledger's (at a million new findings, a million fewer inserts
    // into a table far larger than the caches).
    let index_new = work.iter().any(|w| !w.item.aliases.is_empty());
    if index_new {
        index.live.reserve(new);
    }
    // The reported fingerprints are looked up only by resolution, which concerns the open
    // and accepted findings in the ledger: those it held, and those an alias made this merge
    // build early (below). Without either, no set is needed.
    let resolvable = index_new
        || ledger
            .findings
            .iter()
            .any(|f| f.fingerprint.is_some() && matches!(f.status, FindingStatus::Open | FindingStatus::Accepted));
    if resolvable {
        m.seen.reserve(work.len());
    }
    m.summary.opened.reserve(new);
    let (prefix, width, next) = id_scheme(ledger);
    let mut ids = IdScheme { prefix, width, next };
    // New findings are decided here, in order (id, superseded finding, position), and built
    // afterwards, several at a time: building them (copies, evidence maps) is most of a merge.
    let mut pending: Vec<Opening> = Vec::with_capacity(new);
    let mut previous_fp: Option<&str> = None;
    for Work { at, report, sid, item } in work {
        // Sorted by fingerprint: the same finding from two reports of this ingest comes
        // next to itself, and is counted once.
        if previous_fp == Some(item.fingerprint.as_str()) {
            continue;
        }
        previous_fp = Some(item.fingerprint.as_str());
        if resolvable {
            m.seen.insert(item.fingerprint.as_str());
        }
        let tkey = m.target_key(&item.target);
        if let Some((i, by_alias)) = index.live_for(item) {
            if i >= ledger.findings.len() {
                // An item naming, by an earlier fingerprint, a finding opened by this merge
                // (rare): the findings decided so far are built now, so the update applies
                // to that finding as it would have in order.
                build_copied(ledger, reports, &mut pending, inventory, sla, now);
                pending.clear();
            }
            if by_alias {
                ledger.findings[i].fingerprint = Some(item.fingerprint.clone());
            }
            let sid = m.sids[sid].clone();
            m.update(&mut ledger.findings[i], report, sid, item, &tkey, sla);
        } else {
            let previous = index.last_resolved.get(&item.fingerprint).map(|&j| ledger.findings[j].finding_id.clone());
            let id = ids.take();
            if let Some(old) = &previous {
                m.summary.reopened.push((id.clone(), old.clone()));
            }
            m.summary.opened.push(id.clone());
            if index_new {
                index.live.insert(Cow::Borrowed(&item.fingerprint), ledger.findings.len() + pending.len());
            }
            pending.push(Opening { at, sid: Arc::clone(&m.sid_shared[sid]), tkey, id, previous });
        }
    }
    // Resolution concerns the findings the ledger held: those still pending are all reported.
    m.resolve(ledger);
    (m.finish(ledger), pending)
}

/// One report item to merge.
struct Work<'r> {
    at: At,
    report: &'r ScannerReport,
    /// Index into [`Merge::sids`].
    sid: usize,
    item: &'r Item,
}

/// A finding a merge opens, decided but not yet built (the scan id and target key shared
/// with the others of its scan).
struct Opening {
    at: At,
    sid: Arc<str>,
    tkey: Arc<str>,
    id: String,
    previous: Option<String>,
}

/// Below this many new findings a merge builds them on its own thread (starting threads
/// costs more than it saves).
const PARALLEL_OPENINGS: usize = 4096;

/// Build the new findings `pending` decided, from their `items` (in the same order), and
/// append them to the ledger: a large batch in contiguous parts on rayon's threads, the same
/// findings in the same order as one thread would build.
fn build(
    ledger: &mut FindingsFile,
    reports: &[ScannerReport],
    pending: &mut [Opening],
    items: Vec<&mut Item>,
    inventory: Option<&Inventory>,
    sla: &SlaDays,
    now: DateTime<Utc>,
) {
    // Each decided finding has its item: never a finding lost to a short list.
    assert_eq!(items.len(), pending.len(), "one item per new finding");
    // The ledger grows once, by exactly the new findings, and each is written once, in its
    // place, by the thread that builds it: no vector grows by doubling, no part is built aside
    // and copied in, and nothing is written there first (at a million findings, filling the
    // 600 MB of new places on one thread before building them was a third of the merge).
    ledger.findings.reserve_exact(pending.len());
    // Each part shares the evidence's repeated text among the findings it builds.
    let make = |shared: &mut SharedText, (o, item): (&mut Opening, &mut Item)| {
        new_finding(inventory, now, sla, &reports[o.at.0], o, item, shared)
    };
    if pending.len() < PARALLEL_OPENINGS || rayon::current_num_threads() < 2 {
        let mut shared = SharedText::default();
        ledger.findings.extend(pending.iter_mut().zip(items).map(|p| make(&mut shared, p)));
        return;
    }
    // An indexed parallel extend: rayon writes each finding at its index.
    ledger.findings.par_extend(
        pending
            .par_iter_mut()
            .zip(items.into_par_iter())
            .with_min_len(PARALLEL_OPENINGS / 2)
            .map_init(SharedText::default, |shared, p| make(shared, p)),
    );
}

/// [`build`] from copies of the items (the reports are left as they are).
fn build_copied(
    ledger: &mut FindingsFile,
    reports: &[ScannerReport],
    pending: &mut [Opening],
    inventory: Option<&Inventory>,
    sla: &SlaDays,
    now: DateTime<Utc>,
) {
    let mut items: Vec<Item> = pending.iter().map(|o| item_at(reports, o.at).clone()).collect();
    build(ledger, reports, pending, items.iter_mut().collect(), inventory, sla, now);
}

/// The next ids of the ledger's scheme.
struct IdScheme {
    prefix: String,
    width: usize,
    next: u64,
}

impl IdScheme {
    /// The next id: the prefix, then the number with leading zeros to the scheme's width
    /// (written directly: a million ids through `format!` were a fifth of deciding a merge).
    fn take(&mut self) -> String {
        let id = text_and_number(&self.prefix, "", self.next, self.width);
        self.next += 1;
        id
    }
}

/// `text`, `sep`, then `n` in decimal with leading zeros to `width` digits: what
/// `format!("{text}{sep}{n:0width$}")` writes, without the formatting machinery (ids and
/// `location:line` are written once per new finding, result pointers once per result).
pub(crate) fn text_and_number(text: &str, sep: &str, n: u64, width: usize) -> String {
    let mut digits = itoa::Buffer::new();
    let n = digits.format(n);
    let zeros = width.saturating_sub(n.len());
    let mut out = String::with_capacity(text.len() + sep.len() + zeros + n.len());
    out.push_str(text);
    out.push_str(sep);
    out.extend(std::iter::repeat_n('0', zeros));
    out.push_str(n);
    out
}

/// Indexes of the ledger: live (not resolved) findings by fingerprint, and the most recently
/// resolved finding of each fingerprint.
/// The ledger's findings by fingerprint: the live one, and the last resolved one. Fingerprints
/// of findings this merge opens are borrowed from their items, not copied.
struct LedgerIndex<'r> {
    live: FastMap<Cow<'r, str>, usize>,
    last_resolved: FastMap<String, usize>,
}

impl<'r> LedgerIndex<'r> {
    fn of(ledger: &FindingsFile) -> Self {
        let mut live: FastMap<Cow<'r, str>, usize> = FastMap::default();
        let mut last_resolved: FastMap<String, usize> = FastMap::default();
        for (i, f) in ledger.findings.iter().enumerate() {
            let Some(fp) = f.fingerprint.as_deref() else { continue };
            if f.status == FindingStatus::Resolved {
                match last_resolved.get(fp) {
                    Some(&j) if ledger.findings[j].resolved_at >= f.resolved_at => {}
                    _ => {
                        last_resolved.insert(fp.to_owned(), i);
                    }
                }
            } else {
                live.entry(Cow::Owned(fp.to_owned())).or_insert(i);
            }
        }
        Self { live, last_resolved }
    }

    /// The position of the live finding of `item`: by its fingerprint (`false`), else by an
    /// earlier fingerprint of the item (`true`: the caller gives that finding the current
    /// fingerprint, which the index already holds).
    fn live_for(&mut self, item: &'r Item) -> Option<(usize, bool)> {
        if let Some(&i) = self.live.get(item.fingerprint.as_str()) {
            return Some((i, false));
        }
        let (alias, i) = item.aliases.iter().find_map(|a| self.live.get(a.as_str()).map(|&i| (a.as_str(), i)))?;
        self.live.remove(alias);
        self.live.insert(Cow::Borrowed(&item.fingerprint), i);
        Some((i, true))
    }
}

/// The state of one merge.
struct Merge<'r, 'i> {
    inventory: Option<&'i Inventory>,
    now: DateTime<Utc>,
    summary: MergeSummary,
    unmatched: BTreeSet<String>,
    /// Every item of a scan names the same few targets: each is matched once (and shared by
    /// the findings decided for it).
    target_keys: HashMap<String, Arc<str>>,
    /// (tool, target key) → the scans of this ingest that scanned it, for resolution.
    scanned: HashMap<(String, String), Vec<&'r Scan>>,
    /// Fingerprints reported by this ingest, for resolution: filled only when resolution can
    /// consult them (the ledger holds open or accepted findings, or an alias may build a new
    /// finding before resolution runs; see `decide`).
    seen: FastSet<&'r str>,
    /// The scan id of every scan, in report order.
    sids: Vec<String>,
    /// The same, shared by the findings decided for the scan.
    sid_shared: Vec<Arc<str>>,
    /// The evidence text of updated findings, shared.
    shared: SharedText,
}

impl<'r, 'i> Merge<'r, 'i> {
    fn new(inventory: Option<&'i Inventory>, now: DateTime<Utc>) -> Self {
        Self {
            inventory,
            now,
            summary: MergeSummary::default(),
            unmatched: BTreeSet::new(),
            target_keys: HashMap::new(),
            scanned: HashMap::new(),
            seen: FastSet::default(),
            sids: Vec::new(),
            sid_shared: Vec::new(),
            shared: SharedText::default(),
        }
    }

    fn now_ts(&self) -> Timestamp {
        Timestamp::DateTime(self.now)
    }

    /// The inventory id of a target, or the target itself (noted as unmatched).
    fn target_key(&mut self, t: &str) -> Arc<str> {
        if let Some(k) = self.target_keys.get(t) {
            return Arc::clone(k);
        }
        let k = if let Some(r) = match_resource(self.inventory, &[t]) {
            r.id.clone()
        } else {
            if self.inventory.is_some() {
                self.unmatched.insert(t.to_owned());
            }
            t.to_owned()
        };
        let k: Arc<str> = k.into();
        self.target_keys.insert(t.to_owned(), Arc::clone(&k));
        k
    }

    /// Record (or update) a scan record for every scan, and collect every report item.
    fn record_scans(&mut self, ledger: &mut FindingsFile, reports: &'r [ScannerReport]) -> Vec<Work<'r>> {
        let mut scan_index: HashMap<String, usize> =
            ledger.scans.iter().enumerate().map(|(i, s)| (s.scan_id.clone(), i)).collect();
        let mut work: Vec<Work<'r>> = Vec::with_capacity(reports.iter().map(ScannerReport::finding_count).sum());
        for (r, report) in reports.iter().enumerate() {
            for (s, scan) in report.scans.iter().enumerate() {
                let sid = scan_id(report, scan);
                let rec = self.scan_record(report, scan, &sid);
                if let Some(&i) = scan_index.get(&sid) {
                    ledger.scans[i] = rec;
                } else {
                    scan_index.insert(sid.clone(), ledger.scans.len());
                    ledger.scans.push(rec);
                }
                self.summary.scans.push(sid.clone());
                let k = self.sids.len();
                self.sid_shared.push(Arc::from(sid.as_str()));
                self.sids.push(sid);
                work.extend(scan.items.iter().enumerate().map(|(i, item)| Work {
                    at: (r, s, i),
                    report,
                    sid: k,
                    item,
                }));
            }
        }
        work
    }

    /// The scan record of `scan` (and what it scanned, for resolution).
    fn scan_record(&mut self, report: &ScannerReport, scan: &'r Scan, sid: &str) -> ScanRecord {
        let mut targets: Vec<String> = scan.targets.iter().map(|t| self.target_key(t).to_string()).collect();
        targets.sort();
        targets.dedup();
        for t in &targets {
            self.scanned.entry((scan.tool.clone(), t.clone())).or_default().push(scan);
        }
        if !scan.success {
            self.summary.failed_scans.push(sid.to_owned());
        }
        // Never record an end before the start (producers' clocks and `now` disagree).
        let now = self.now;
        let started = scan.started_at.unwrap_or(now);
        let finished = scan.finished_at.filter(|f| *f >= started).or_else(|| (now >= started).then_some(now));
        ScanRecord {
            scan_id: sid.to_owned(),
            tool: scan.tool.clone(),
            tool_version: scan.tool_version.clone(),
            targets,
            started_at: Timestamp::DateTime(started),
            finished_at: finished.map(Timestamp::DateTime),
            status: if scan.success { ScanStatus::Success } else { ScanStatus::Failure },
            error: scan.error.clone(),
            report: Some(report.name.clone()),
            incomplete: incomplete_of(scan),
        }
    }

    /// A reported item matches a live finding: `last_seen`, source and ingest evidence, and
    /// its severity when the scanner's rating changed ([`Merge::rerate`]).
    #[allow(clippy::too_many_arguments)] // the merge's own state, the finding, and what it is matched with
    fn update(&mut self, f: &mut Finding, report: &ScannerReport, sid: String, item: &Item, tkey: &str, sla: &SlaDays) {
        let recorded = finding_evidence_str(f, "severity").and_then(|s| s.parse::<Severity>().ok());
        self.rerate(f, item, recorded, sla);
        let now_ts = self.now_ts();
        f.last_seen = Some(f.last_seen.map_or(now_ts, |l| l.max(now_ts)));
        f.source = Some(FindingSource { tool: item.tool.clone(), rule_id: item.rule_id.clone(), scan_id: Some(sid) });
        f.evidence.retain(|e| !is_ingest_evidence(e));
        // A default for a severity the report did not give is no rating: the rating recorded
        // before stays the one a later report is compared with.
        let rating = if item.severity_source == crate::model::UNRATED { recorded } else { Some(item.severity) };
        let parts = EvidenceParts::copied(item);
        f.evidence.insert(0, evidence_of(&mut self.shared, report, item, parts, tkey, rating));
        self.summary.updated.push(f.finding_id.clone());
    }

    /// A finding takes a new severity from its scanner when the scanner's rating changed:
    /// - **raised**: the report rates it more severe than the finding and than the rating
    ///   recorded at the last ingest (or no rating was recorded): the finding takes it, its
    ///   priority becomes at least as urgent, and its deadline moves to `now` plus the new
    ///   severity's SLA when that is earlier. A person's own lower rating is replaced only
    ///   when the scanner's rating rose: the facts changed since it was made.
    /// - **lowered**: the report rates it less severe than the rating recorded at the last
    ///   ingest, and the finding still has that rating (nobody changed it): the finding
    ///   follows, and its priority too when it was the one derived from its severity. The
    ///   deadline is never moved later.
    ///
    /// Without a recorded rating (a ledger written before ingest recorded one) a lower rating
    /// changes nothing: whether a person raised the finding cannot be told. Nor does a lower
    /// default the format gives a finding with no usable severity ([`crate::model::UNRATED`]).
    fn rerate(&mut self, f: &mut Finding, item: &Item, recorded: Option<Severity>, sla: &SlaDays) {
        // `Severity` orders the most severe first.
        let (before, reported) = (f.severity, item.severity);
        let raised = reported < before && recorded.is_none_or(|r| reported < r);
        // A default for a severity the report did not give (or gave unreadably) is no rating:
        // it never lowers.
        let rated = item.severity_source != crate::model::UNRATED;
        let lowered = rated && reported > before && recorded == Some(before);
        if !(raised || lowered) {
            return;
        }
        f.severity = reported;
        let derived = priority_of(reported);
        let r = &mut f.remediation;
        let mut moved = None;
        if raised {
            r.priority = r.priority.min(derived);
            let due = due_date(self.now, sla, reported);
            if due.deadline() < r.deadline.deadline() {
                r.deadline = due;
                moved = Some(due);
            }
        } else if r.priority == priority_of(before) {
            r.priority = derived;
        }
        let deadline = moved.map(|due| format!(" and its deadline {due}")).unwrap_or_default();
        let text = format!(
            "{}: the scanner now rates it {reported} (the finding was {before}); its severity is now {reported}{deadline}",
            f.finding_id
        );
        self.summary.diagnostics.push(
            Diagnostic::note(codes::SEVERITY_CHANGED, file_names::FINDINGS, text).with_hint(if raised {
                "a finding's severity follows its scanner's rating up; to keep a lower rating, record a time-bound exception"
            } else {
                "a finding follows its scanner's rating down only while nobody changed its severity; deadlines never move later"
            }),
        );
        self.summary.rerated.push((f.finding_id.clone(), before, reported));
    }

    /// Resolution: only by a successful scan that covered the finding's tool, target and
    /// class completely; otherwise the finding stays open and the summary says why.
    fn resolve(&mut self, ledger: &mut FindingsFile) {
        let now_ts = self.now_ts();
        for f in &mut ledger.findings {
            if !matches!(f.status, FindingStatus::Open | FindingStatus::Accepted) {
                continue;
            }
            let (Some(fp), Some(src), Some(t)) =
                (f.fingerprint.as_deref(), f.source.as_ref(), finding_target_owned(&f.evidence))
            else {
                continue;
            };
            if self.seen.contains(fp) {
                continue;
            }
            let Some(scans) = self.scanned.get(&(src.tool.clone(), t)) else { continue };
            if let Some(why) = why_not_resolved(f, scans) {
                self.summary.kept_open.push((f.finding_id.clone(), why));
                continue;
            }
            f.status = FindingStatus::Resolved;
            // Never before the finding was last seen (an ingest run with an older `now`).
            f.resolved_at = Some(f.last_seen.map_or(now_ts, |l| l.max(now_ts)));
            self.summary.resolved.push(f.finding_id.clone());
        }
    }

    /// The notes, the ledger's metadata and scan order, and the sorted summary.
    fn finish(mut self, ledger: &mut FindingsFile) -> MergeSummary {
        let summary = &mut self.summary;
        for (id, why) in &summary.kept_open {
            summary.diagnostics.push(
                Diagnostic::note(codes::NOT_RESOLVED, file_names::FINDINGS, format!("{id} was not reported but stays open: {why}"))
                    .with_hint("a finding is resolved only by a successful scan that covered its tool, target, class and scope (rule set, package scope, resource, file) and skipped nothing there, with no failed or incomplete scan of that scope in the same ingest; re-run the full scan"),
            );
        }
        for t in &self.unmatched {
            summary.diagnostics.push(
                Diagnostic::note(codes::NO_INVENTORY_MATCH, "inventory.yaml", format!("scan target `{t}` matches no inventory resource"))
                    .with_hint("add the resource to inventory.yaml (its id equal to the target, a parent path, or the image without tag), or pass --target ID"),
            );
        }
        ledger.metadata.timestamp = Timestamp::DateTime(self.now);
        if let Some(last) = summary.scans.iter().max() {
            ledger.metadata.scan_id.clone_from(last);
        }
        ledger.scans.sort_by(|a, b| (a.started_at, &a.scan_id).cmp(&(b.started_at, &b.scan_id)));
        summary.updated.sort();
        summary.resolved.sort();
        summary.kept_open.sort();
        summary.rerated.sort();
        self.summary
    }
}

/// The remediation deadline of a finding of `severity` rated at `now`: the day the rulebook's
/// SLA for it ends.
fn due_date(now: DateTime<Utc>, sla: &SlaDays, severity: Severity) -> Timestamp {
    let end = secfw_artifacts::add_saturating(now, Duration::days(i64::from(sla.for_severity(severity))));
    Timestamp::Date(secfw_artifacts::Date(end.date_naive()))
}

/// A new finding (superseding the last resolved one of its fingerprint, if any), made of
/// `item`, whose text it takes (the item is left empty).
fn new_finding(
    inventory: Option<&Inventory>,
    now: DateTime<Utc>,
    sla: &SlaDays,
    report: &ScannerReport,
    o: &mut Opening,
    item: &mut Item,
    shared: &mut SharedText,
) -> Finding {
    use std::mem::take;
    let resource = match_resource(inventory, &[&item.target, &item.location]);
    let now_ts = Timestamp::DateTime(now);
    let mut tags: Vec<String> = resource.map(|r| r.tags.clone()).unwrap_or_default();
    tags.extend(item.tags.iter().cloned());
    tags.sort();
    tags.dedup();
    // The finding's location (`path:line`, or the target for an item without one) is built
    // first, so that the evidence can take the item's own location instead of a copy.
    let (location, evidence_location) = match item.line {
        Some(l) if !item.location.is_empty() => (text_and_number(&item.location, ":", l, 0), take(&mut item.location)),
        _ if item.location.is_empty() => (take(&mut item.target), String::new()),
        _ => (item.location.clone(), take(&mut item.location)),
    };
    let parts =
        EvidenceParts { pointer: take(&mut item.pointer), location: evidence_location, extra: take(&mut item.extra) };
    let evidence = vec![evidence_of(shared, report, item, parts, &o.tkey, Some(item.severity))];
    Finding {
        finding_id: take(&mut o.id),
        severity: item.severity,
        category: item.category,
        title: take(&mut item.title),
        description: take(&mut item.description),
        affected_resources: vec![AffectedResource {
            resource_type: resource.map_or_else(|| item.resource_type.to_owned(), |r| r.kind.clone()),
            resource_id: resource.map_or_else(|| o.tkey.to_string(), |r| r.id.clone()),
            location,
        }],
        remediation: Remediation {
            recommended_action: take(&mut item.recommended_action),
            priority: priority_of(item.severity),
            deadline: due_date(now, sla, item.severity),
        },
        evidence,
        governance: FindingGovernance { tags, ..FindingGovernance::default() },
        status: FindingStatus::Open,
        first_seen: Some(now_ts),
        last_seen: Some(now_ts),
        resolved_at: None,
        detected_in: resource.and_then(|r| r.environment.clone()),
        source: Some(FindingSource {
            tool: take(&mut item.tool),
            rule_id: take(&mut item.rule_id),
            scan_id: Some(o.sid.to_string()),
        }),
        fingerprint: Some(take(&mut item.fingerprint)),
        cvss: item.cvss,
        cwe: take(&mut item.cwe),
        cve: take(&mut item.cve),
        supersedes: take(&mut o.previous),
        kev: None,
        epss: None,
    }
}

/// The most locations a scan record lists as not analysed (`CLASS in PATH`); the rest are
/// counted in one more entry.
const INCOMPLETE_LOCATIONS_RECORDED: usize = 50;

/// The ledger's `incomplete` of a scan: class → reason, and `CLASS in PATH` → reason for the
/// locations it did not analyse (the first [`INCOMPLETE_LOCATIONS_RECORDED`], then a count).
fn incomplete_of(scan: &Scan) -> BTreeMap<String, String> {
    let mut m: BTreeMap<String, String> =
        scan.incomplete.iter().map(|(c, why)| ((*c).to_owned(), why.clone())).collect();
    let classes = scan.covered.iter().copied().collect::<Vec<_>>().join("/");
    for (p, why) in scan.incomplete_at.iter().take(INCOMPLETE_LOCATIONS_RECORDED) {
        m.insert(format!("{classes} in {p}"), why.clone());
    }
    let rest = scan.incomplete_at.len().saturating_sub(INCOMPLETE_LOCATIONS_RECORDED);
    if rest > 0 {
        m.insert(
            format!("{classes} in {rest} more locations"),
            "not analysed (see the report's notifications)".to_owned(),
        );
    }
    m
}

/// Why `scans` (which scanned the finding's tool and target) do not resolve `f`, or `None`
/// when they do: one covered the finding's class, its scope within the class (rule, package
/// scope, resource) and its location completely, **and** no scan of this ingest in that
/// scope failed or skipped something there (fail closed: a failed CodeQL language run is not
/// outweighed by a successful one of another language, nor a Trivy report with a skipped
/// item by a clean report of the same image).
fn why_not_resolved(f: &Finding, scans: &[&Scan]) -> Option<String> {
    let Some(c) = finding_class(f) else {
        return Some("its scope class is unknown (recorded by an older secfw; re-ingest to record it)".to_owned());
    };
    let scope = finding_scope(f, c);
    let location = finding_evidence_str(f, "location").unwrap_or("");
    let (report, category) = (finding_evidence_str(f, "report"), finding_evidence_str(f, "sarif_category"));
    let target = finding_evidence_str(f, "target").unwrap_or("");
    let (mut resolves, mut out_of_scope) = (false, None);
    for s in scans {
        // Another project's or another analysis's scan (a target that names no project,
        // another SARIF category) says nothing about this finding.
        if let Some(why) =
            s.other_project(target, report, category).or_else(|| s.other_variant(|k| finding_evidence_str(f, k)))
        {
            out_of_scope.get_or_insert(why);
            continue;
        }
        // A scanner-side ignore of this finding's advisory is a risk decision the registry
        // did not make: it never closes the finding (fail closed, like a suppression).
        let ids = f.source.as_ref().and_then(|src| src.rule_id.as_deref()).into_iter();
        if let Some(why) = s.ignores(ids.chain(f.cve.iter().map(String::as_str))) {
            return Some(why);
        }
        match s.reach(c, scope.as_deref(), location) {
            Reach::Resolves => resolves = true,
            Reach::Blocks(why) => return Some(why),
            Reach::OutOfScope(why) => {
                out_of_scope.get_or_insert(why);
            }
        }
    }
    if resolves { None } else { out_of_scope }
}

/// The scope of an ingested finding within its class: evidence `scope`, else (SARIF) its
/// rule id, else (a Grype finding recorded before its scope was) Grype's default image scope
/// and the fix state its evidence records.
fn finding_scope<'f>(f: &'f Finding, c: &str) -> Option<Cow<'f, str>> {
    if let Some(s) = finding_evidence_str(f, "scope") {
        return Some(s.into());
    }
    let src = f.source.as_ref()?;
    if c == class::RULES {
        return src.rule_id.as_deref().map(Into::into);
    }
    if src.tool == "cargo-audit" && c == class::VULNERABILITY {
        // cargo-audit reports scope by kind: vulnerabilities, and the warning kinds its
        // `informational_warnings` setting selects (`unmaintained`, `unsound`, ...) plus `yanked`.
        return Some(finding_evidence_str(f, "kind").unwrap_or(crate::cargo_audit::VULNERABILITY_KIND).into());
    }
    if src.tool == "grype" && c == class::VULNERABILITY {
        let ev = f.evidence.iter().find(|e| is_ingest_evidence(e))?;
        let fixed = ev.data.get("fixed_versions").as_deref().and_then(Value::as_array).is_some_and(|v| !v.is_empty());
        return Some(if fixed { "squashed/fixed" } else { "squashed/not-fixed" }.into());
    }
    None
}

/// A string of the finding's ingest evidence.
fn finding_evidence_str<'f>(f: &'f Finding, key: &str) -> Option<&'f str> {
    f.evidence.iter().find(|e| is_ingest_evidence(e)).and_then(|e| e.data.get_str(key))
}

/// The scope class of an ingested finding: recorded in its ingest evidence (`class`), else
/// inferred for findings recorded before secfw recorded it.
pub fn finding_class(f: &Finding) -> Option<&'static str> {
    let ev = f.evidence.iter().find(|e| is_ingest_evidence(e))?;
    if let Some(c) = ev.data.get_str("class") {
        return class::of(c);
    }
    let tool = f.source.as_ref().map_or("", |s| s.tool.as_str());
    match tool {
        "grype" | "cargo-audit" | "osv-scanner" | "npm-audit" => Some(class::VULNERABILITY),
        "trivy" if ev.data.contains_key("package") => Some(class::VULNERABILITY),
        "trivy" if f.category == Category::Configuration => Some(class::MISCONFIGURATION),
        "trivy" if f.cwe.iter().any(|c| c == "CWE-798") => Some(class::SECRET),
        _ if ev.data.contains_key("level") => Some(class::RULES), // SARIF evidence
        _ => None,
    }
}

fn finding_target_owned(ev: &[Evidence]) -> Option<String> {
    ev.iter().filter(|e| is_ingest_evidence(e)).find_map(|e| e.data.get_str("target")).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::{PARALLEL_OPENINGS, merge, new_ledger, strip_image_tag};
    use crate::{Format, ParseOptions, ScannerReport, parse_slice};
    use chrono::{DateTime, Duration, Utc};
    use secfw_artifacts::model::findings::FindingStatus;
    use secfw_artifacts::model::rulebook::SlaDays;

    fn now() -> DateTime<Utc> {
        "2026-11-24T12:00:00Z".parse().expect("a valid time")
    }

    /// A SARIF report of `n` results with distinct rules and files.
    fn report(n: usize) -> ScannerReport {
        let results: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                serde_json::json!({"ruleId": format!("R{i}"), "level": "warning", "message": {"text": format!("m{i}")},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("src/f{i}.c")}}}]})
            })
            .collect();
        let doc =
            serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": results}]});
        let bytes = serde_json::to_vec(&doc).expect("serializable");
        parse_slice(&bytes, "r.sarif", Format::Sarif, &ParseOptions::default()).expect("a valid report")
    }

    #[test]
    fn an_item_naming_a_finding_this_merge_opened_by_an_earlier_fingerprint_updates_it() {
        let mut r = report(2);
        let items = &mut r.scans[0].items;
        items.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        let first = items[0].fingerprint.clone();
        items[1].aliases = vec![first.clone()];
        let second = items[1].fingerprint.clone();
        let mut ledger = new_ledger(now());
        let summary = merge(&mut ledger, std::slice::from_ref(&r), None, &SlaDays::default(), now());
        // As one finding at a time: the first opens, the second updates it (by the alias) and
        // gives it its fingerprint and evidence.
        assert_eq!(ledger.findings.len(), 1, "{:#?}", ledger.findings);
        let f = &ledger.findings[0];
        assert_eq!(f.fingerprint.as_deref(), Some(second.as_str()));
        assert_eq!(f.evidence[0].data.get_str("pointer"), Some(r.scans[0].items[1].pointer.as_str()));
        assert_eq!(summary.opened, vec![f.finding_id.clone()]);
        assert_eq!(summary.updated, vec![f.finding_id.clone()]);
        // Reported by this very scan: never resolved by it (the ledger held no finding
        // before, yet this one was built before resolution ran).
        assert_eq!(f.status, FindingStatus::Open);
        assert!(summary.resolved.is_empty() && summary.kept_open.is_empty(), "{summary:?}");
        assert_ne!(first, second);
        // Moving the items: the same.
        let mut moved_ledger = new_ledger(now());
        let moved = super::merge_moving(&mut moved_ledger, &mut [r], None, &SlaDays::default(), now());
        assert_eq!((moved, moved_ledger), (summary, ledger));
    }

    #[test]
    fn the_same_results_in_two_reports_open_one_finding_each_into_an_empty_or_a_held_ledger() {
        let a = report(300);
        let mut b = report(300);
        b.name = "again.sarif".into(); // another report, the same fingerprints
        // Into an empty ledger (no finding there to resolve).
        let mut ledger = new_ledger(now());
        let first = merge(&mut ledger, &[a.clone(), b], None, &SlaDays::default(), now());
        assert_eq!((first.opened.len(), ledger.findings.len()), (300, 300), "counted once each");
        let ids: Vec<String> = ledger.findings.iter().map(|f| f.finding_id.clone()).collect();
        // Into a ledger that holds them open: each updated once, none opened or resolved.
        let later = now() + Duration::days(1);
        let again = merge(&mut ledger, &[a.clone(), a], None, &SlaDays::default(), later);
        assert!(again.opened.is_empty() && again.resolved.is_empty(), "{again:?}");
        assert_eq!(again.updated.len(), 300, "each held finding updated once");
        assert_eq!(ledger.findings.iter().map(|f| f.finding_id.clone()).collect::<Vec<_>>(), ids);
        assert!(ledger.findings.iter().all(|f| f.status == FindingStatus::Open));
        // Half of them reported a day later: the other half is resolved, none opened.
        let last = merge(&mut ledger, &[report(150)], None, &SlaDays::default(), later + Duration::days(1));
        assert_eq!(
            (last.opened.len(), last.updated.len(), last.resolved.len()),
            (0, 150, 150),
            "{:?}",
            last.kept_open.first()
        );
    }

    proptest::proptest! {
        /// An id is the prefix and the number padded with zeros to the width, as `format!`
        /// writes it (numbers wider than the width, width 0, numbers of up to 18 digits: the
        /// most an id scheme reads).
        #[test]
        fn ids_are_the_prefix_and_the_zero_padded_number(
            prefix in "(SF-|VULN_|é-|)",
            width in 0usize..24,
            next in proptest::prop_oneof![0u64..100_000, 0u64..1_000_000_000_000_000_000],
        ) {
            let mut ids = super::IdScheme { prefix: prefix.clone(), width, next };
            proptest::prop_assert_eq!(ids.take(), format!("{prefix}{next:0width$}"));
            let after = next + 1;
            proptest::prop_assert_eq!(ids.take(), format!("{prefix}{after:0width$}"));
            // A location and its line (no padding).
            proptest::prop_assert_eq!(super::text_and_number(&prefix, ":", next, 0), format!("{prefix}:{next}"));
        }
    }

    #[test]
    fn findings_built_on_several_threads_come_in_fingerprint_order_with_ids_in_that_order() {
        for n in [PARALLEL_OPENINGS, PARALLEL_OPENINGS + 1001] {
            several_threads(n);
        }
    }

    fn several_threads(n: usize) {
        let r = report(n);
        let mut ledger = new_ledger(now());
        let summary = merge(&mut ledger, std::slice::from_ref(&r), None, &SlaDays::default(), now());
        assert_eq!(ledger.findings.len(), n);
        assert_eq!(summary.opened.len(), n);
        let by_fp: std::collections::HashMap<&str, &crate::Item> =
            r.scans[0].items.iter().map(|i| (i.fingerprint.as_str(), i)).collect();
        for (k, f) in ledger.findings.iter().enumerate() {
            assert_eq!(f.finding_id, format!("SF-{:04}", k + 1));
            assert_eq!(summary.opened[k], f.finding_id);
            assert_eq!(f.status, FindingStatus::Open);
            let fp = f.fingerprint.as_deref().expect("a fingerprint");
            if k > 0 {
                assert!(ledger.findings[k - 1].fingerprint.as_deref() < Some(fp), "order at {k}");
            }
            let item = by_fp[fp];
            assert_eq!(
                f.evidence[0].data.get_str("pointer"),
                Some(item.pointer.as_str()),
                "the finding of its own item at {k}"
            );
            assert_eq!(f.title, item.title);
        }
    }

    #[test]
    fn image_tags_are_stripped_at_the_last_colon_of_multibyte_names() {
        assert_eq!(strip_image_tag("régistry.example/ïmage:1.0-é"), "régistry.example/ïmage");
        assert_eq!(strip_image_tag("host:5000/ïmage"), "host:5000/ïmage", "a port is not a tag");
        assert_eq!(strip_image_tag("ïmage@sha256:ab"), "ïmage");
        assert_eq!(strip_image_tag("€:😀"), "€");
        assert_eq!(strip_image_tag("😀"), "😀");
    }

    /// Moving the items gives the same ledger and summary as copying them, on one thread and
    /// on several, and the reports still count their findings.
    #[test]
    fn moving_the_items_gives_what_copying_gives() {
        for n in [3, PARALLEL_OPENINGS + 7] {
            let base = report(n);
            let (mut a, mut b) = (new_ledger(now()), new_ledger(now()));
            let copied = merge(&mut a, std::slice::from_ref(&base), None, &SlaDays::default(), now());
            let mut moved_from = vec![base.clone()];
            let moved = super::merge_moving(&mut b, &mut moved_from, None, &SlaDays::default(), now());
            assert_eq!(copied, moved, "{n}");
            assert_eq!(a, b, "{n}");
            assert!(moved_from[0].scans.iter().all(|s| s.items.is_empty()), "{n}: the items moved");
            assert_eq!(moved_from[0].finding_count(), base.finding_count(), "{n}");
            assert_eq!(base.finding_count(), n);
        }
    }

    /// The library merge, given an SLA no rulebook may hold (the loader refuses it), saturates
    /// the deadline instead of panicking.
    #[test]
    fn an_sla_past_the_last_date_saturates_the_deadline() {
        let sla = SlaDays { critical: u32::MAX, high: u32::MAX, medium: u32::MAX, low: u32::MAX };
        let mut ledger = new_ledger(now());
        let summary = merge(&mut ledger, &[report(2)], None, &sla, now());
        assert_eq!(summary.opened.len(), 2);
        let max = DateTime::<Utc>::MAX_UTC.date_naive();
        assert!(ledger.findings.iter().all(|f| f.remediation.deadline.deadline().date_naive() == max));
    }
}
