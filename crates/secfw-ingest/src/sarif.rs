//! SARIF 2.1.0, streamed: `runs[]` and `runs[].results[]` are visited one element at a time,
//! so memory holds one result's JSON tree plus the compact typed results of the current run,
//! never the document's tree.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::hash::BuildHasher as _;
use std::io::Read;

use secfw_artifacts::model::findings::Category;
use secfw_artifacts::{Diagnostic, Severity};
use serde::de::{self, Deserialize as _, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Value, json};

use crate::fingerprint::{Builder, uri_path};
use crate::lax::{Lax, Loose, SResult, text};
use crate::model::{Item, Scan, class, cwes_in, dedupe, instant, is_advisory_id, scope_key, uniq};
use crate::read::{ParseOptions, arr, coded, json_error, json_error_at, other_case, reject, s, skipped, sne};
use crate::split::{Cut, Shared, SplitReader};

use crate::{Error, codes};

/// Tools whose findings are misconfigurations rather than vulnerabilities.
const IAC_TOOLS: &[&str] = &[
    "checkov",
    "tfsec",
    "kics",
    "terrascan",
    "dockle",
    "hadolint",
    "kube-linter",
    "kubesec",
    "trivy-config",
    "cfn-lint",
    "cfn_nag",
    "tflint",
    "prowler",
    "kube-score",
    "polaris",
];

struct State<'a> {
    name: &'a str,
    opts: &'a ParseOptions,
    /// The splitter of the streaming path (results cut out and parsed from memory).
    split: Option<&'a Shared>,
    scans: Vec<Scan>,
    diags: Vec<Diagnostic>,
    version_seen: bool,
    runs_seen: bool,
    runs_null: bool,
    /// Top-level keys of another format's report (an ambiguous document).
    foreign: Vec<String>,
    /// (tool, target, category) → index in `scans`: the runs of one group are one scan.
    groups: HashMap<(String, String, Option<String>), usize>,
    /// Indexes of scans that absorbed another run: their items are merged by fingerprint once,
    /// at the end (not after every run: a log of many runs would sort ever larger lists).
    collapsed: BTreeSet<usize>,
}

use crate::model::limits::SCANS_PER_REPORT as MAX_SCANS_PER_REPORT;

impl State<'_> {
    /// Add a finished run: a new scan, or collapsed into the scan of its (tool, target,
    /// category) group ([`collapse`]). An error (coded `IN0008`) when the report would hold
    /// more than [`MAX_SCANS_PER_REPORT`] scans.
    fn add_run(&mut self, scan: Scan) -> Result<(), String> {
        let key = (scan.tool.clone(), scan.targets.join("\n"), scan.category.clone());
        if let Some(&i) = self.groups.get(&key) {
            collapse(&mut self.scans[i], scan);
            self.collapsed.insert(i);
            return Ok(());
        }
        if self.scans.len() >= MAX_SCANS_PER_REPORT {
            return Err(coded(
                codes::TOO_MANY_SCANS,
                format_args!(
                    "runs[{}] would be scan {} of this report: a report may add at most {MAX_SCANS_PER_REPORT} scans (runs of one tool, target and category are one scan)",
                    scan.index,
                    MAX_SCANS_PER_REPORT + 1
                ),
            ));
        }
        self.groups.insert(key, self.scans.len());
        self.scans.push(scan);
        Ok(())
    }
}

/// Collapse the run `b` into the scan `a` of the same tool, target and category, never
/// claiming more than either run did (fail closed): failed when either failed (both errors
/// kept), incomplete wherever either was, the classes of both covered, a class's scope the
/// union of both scopes (or the whole class when either run covered it whole), the findings of
/// both (merged by fingerprint by the caller, once all runs are read). The scan keeps the
/// first run's index, so its scan id is stable.
fn collapse(a: &mut Scan, b: Scan) {
    let b_index = b.index;
    if !b.success {
        let e = format!("runs[{b_index}]: {}", b.error.as_deref().unwrap_or("failed"));
        a.error = Some(match a.error.take() {
            None if a.success => e,
            None => format!("runs[{}]: failed; {e}", a.index),
            Some(x) if x.len() < 2048 => format!("{x}; {e}"),
            Some(x) => x,
        });
    }
    a.success &= b.success;
    if a.tool_version.is_none() {
        a.tool_version.clone_from(&b.tool_version);
    }
    a.started_at = match (a.started_at, b.started_at) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    a.finished_at = match (a.finished_at, b.finished_at) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let classes: BTreeSet<&'static str> = a.covered.union(&b.covered).copied().collect();
    let mut scopes = BTreeMap::new();
    for c in &classes {
        // `None`: this run covered the class whole; absent from `covered`: not at all.
        let part = |s: &Scan| s.covered.contains(c).then(|| s.scopes.get(c).cloned());
        match (part(a), part(&b)) {
            (Some(None), _) | (_, Some(None)) | (None, None) => {}
            (Some(Some(x)), Some(Some(y))) => {
                scopes.insert(*c, x.union(&y).cloned().collect::<BTreeSet<String>>());
            }
            (Some(Some(x)), None) | (None, Some(Some(x))) => {
                scopes.insert(*c, x);
            }
        }
    }
    a.covered = classes;
    a.scopes = scopes;
    for (c, why) in b.incomplete {
        a.incomplete.entry(c).or_insert_with(|| format!("runs[{b_index}]: {why}"));
    }
    for (p, why) in b.incomplete_at {
        a.incomplete_at.entry(p).or_insert(why);
    }
    a.items.extend(b.items);
}

/// Top-level keys that name another format's report ([`crate::read::detect`]).
const FOREIGN_KEYS: &[&str] = &[
    "matches",
    "Results",
    "SchemaVersion",
    "ArtifactName",
    "ClusterName",
    "vulnerabilities",
    "auditReportVersion",
    "advisories",
    "results",
];

/// Parse a SARIF log from a reader.
pub(crate) fn parse_reader<R: Read>(
    r: R,
    name: &str,
    opts: &ParseOptions,
) -> Result<(Vec<Scan>, Vec<Diagnostic>), Error> {
    parse_de(serde_json::Deserializer::from_reader(r), name, opts, None)
}

/// Parse a SARIF log from a [`SplitReader`] (the streaming path): the results it cuts out
/// reach the results visitor through `shared`. When the splitter and the parser disagreed on
/// the structure ([`Shared::desync`]) the outcome must not be used: the caller parses again
/// with [`parse_reader`].
pub(crate) fn parse_split<R: Read>(
    r: &mut SplitReader<R>,
    shared: &Shared,
    name: &str,
    opts: &ParseOptions,
) -> Result<(Vec<Scan>, Vec<Diagnostic>), Error> {
    parse_de(serde_json::Deserializer::from_reader(r), name, opts, Some(shared))
}

/// Parse a SARIF log held in memory (faster string handling than a stream).
pub(crate) fn parse_bytes(b: &[u8], name: &str, opts: &ParseOptions) -> Result<(Vec<Scan>, Vec<Diagnostic>), Error> {
    parse_de(serde_json::Deserializer::from_slice(b), name, opts, None)
}

/// A parser error as a rejection, at its place in the file (on the streaming path the
/// splitter moves the parser's column, and an error inside a cut result is that result's).
fn located(name: &str, e: &serde_json::Error, split: Option<&Shared>) -> Error {
    let Some(sh) = split else { return json_error(name, e) };
    if let Some((inner, pos)) = sh.take_error() {
        return json_error_at(name, &inner, pos);
    }
    json_error_at(name, e, (e.line() > 0).then(|| sh.position(e.line(), e.column())))
}

fn parse_de<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    name: &str,
    opts: &ParseOptions,
    split: Option<&Shared>,
) -> Result<(Vec<Scan>, Vec<Diagnostic>), Error> {
    let mut st = State {
        name,
        opts,
        split,
        scans: Vec::new(),
        diags: Vec::new(),
        version_seen: false,
        runs_seen: false,
        runs_null: false,
        foreign: Vec::new(),
        groups: HashMap::new(),
        collapsed: BTreeSet::new(),
    };
    match LogSeed(&mut st).deserialize(&mut de) {
        Ok(()) => {}
        Err(e) if e.is_eof() && e.line() == 1 && e.column() == 0 => {
            return Err(reject(
                codes::EMPTY_INPUT,
                name,
                "the report is empty",
                "an empty file is not a clean scan; re-run the scanner",
                None,
            ));
        }
        Err(e) => return Err(located(name, &e, split)),
    }
    de.end().map_err(|e| located(name, &e, split))?;
    if !st.version_seen {
        return Err(reject(
            codes::UNSUPPORTED_VERSION,
            name,
            "not a SARIF 2.1.0 log: the `version` property is missing",
            "SARIF logs declare \"version\": \"2.1.0\"; check that this is a SARIF file",
            None,
        ));
    }
    if !st.runs_seen {
        return Err(reject(
            codes::WRONG_SHAPE,
            name,
            "not a SARIF log: the `runs` array is missing",
            "SARIF logs have a top-level `runs` array",
            None,
        ));
    }
    if !st.foreign.is_empty() {
        st.diags.push(
            Diagnostic::note(
                codes::UNKNOWN_FORMAT,
                name,
                format!(
                    "the SARIF log also has the top-level keys {:?} of another format's report; they were not read",
                    st.foreign
                ),
            )
            .with_hint("split the document into one report per scanner"),
        );
    }
    if st.runs_null {
        // `runs: null` is valid SARIF: the tool failed before it could produce any run.
        let why = "SARIF `runs` is null: the tool failed before it produced any run";
        st.diags.push(Diagnostic::warning(codes::SCAN_FAILED, name, why).with_hint(
            "the scan is recorded as a failure (the parity gate fails closed on it) and no finding is resolved by it; re-run the scanner",
        ));
        let mut scan =
            Scan::new(UNKNOWN_TOOL, vec![opts.target.clone().unwrap_or_else(|| ".".to_owned())], &[], Vec::new());
        scan.success = false;
        scan.error = Some(why.to_owned());
        st.scans.push(scan);
    }
    for &i in &st.collapsed {
        dedupe(&mut st.scans[i].items);
    }
    crate::target::bind(&mut st.scans, name, opts, false, &mut st.diags);
    Ok((st.scans, st.diags))
}

/// The tool recorded for a SARIF log whose `runs` is `null` (no run names its tool).
pub(crate) const UNKNOWN_TOOL: &str = "unknown";

struct LogSeed<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for LogSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SARIF log object")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(coded(codes::NULL_INPUT, "the report is `null`")))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "version" => {
                    let v: Value = map.next_value()?;
                    if v.as_str() != Some("2.1.0") {
                        return Err(de::Error::custom(coded(
                            codes::UNSUPPORTED_VERSION,
                            format_args!("SARIF version {v} is not supported; secfw reads SARIF 2.1.0"),
                        )));
                    }
                    self.0.version_seen = true;
                }
                "runs" => {
                    self.0.runs_seen = true;
                    map.next_value_seed(RunsSeed(&mut *self.0))?;
                }
                other => {
                    if FOREIGN_KEYS.contains(&other) && !self.0.foreign.iter().any(|k| k == other) {
                        self.0.foreign.push(other.to_owned());
                    }
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct RunsSeed<'s, 'a>(&'s mut State<'a>);

impl<'de> DeserializeSeed<'de> for RunsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RunsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`runs`: an array of run objects")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.runs_null = true;
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut idx = 0;
        while seq.next_element_seed(RunSeed { st: &mut *self.0, idx })?.is_some() {
            idx += 1;
        }
        Ok(())
    }
}

struct RunSeed<'s, 'a> {
    st: &'s mut State<'a>,
    idx: usize,
}

impl<'de> DeserializeSeed<'de> for RunSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RunSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`runs[{}]`: a run object", self.idx)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let idx = self.idx;
        let diags_before = self.st.diags.len();
        let mut results_state = ResultsState::Absent;
        let mut ctx: Option<RunCtx> = None;
        let (mut invocations, mut vcp, mut artifacts) = (Value::Null, Value::Null, None::<Value>);
        let mut automation = Value::Null;
        let mut items = RunItems::default();
        let mut pending = Vec::new();
        // The keys read, each once: a reader of JSON keeps one of two (serde_json the last),
        // so `"executionSuccessful": false` could hide behind a second `true`. Their values
        // refuse a repeated key at any depth too (`read::Strict`).
        let mut read_keys: Vec<&'static str> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if let Some(k) = RUN_KEYS.iter().find(|k| **k == key.as_str()) {
                if read_keys.contains(k) {
                    return Err(de::Error::custom(coded(
                        codes::MALFORMED_JSON,
                        format_args!("the key `{k}` appears twice in run {idx} (a reader keeps only one of them)"),
                    )));
                }
                read_keys.push(k);
            }
            let strict = |v: crate::read::Strict| v.0;
            match key.as_str() {
                "tool" => {
                    let tool = strict(map.next_value()?);
                    ctx = Some(RunCtx::of(&tool, idx).map_err(de::Error::custom)?);
                }
                "invocations" => invocations = strict(map.next_value()?),
                "versionControlProvenance" => vcp = strict(map.next_value()?),
                "automationDetails" => automation = strict(map.next_value()?),
                "artifacts" => artifacts = Some(strict(map.next_value()?)),
                "results" => {
                    results_state = ResultsState::Array;
                    map.next_value_seed(ResultsSeed {
                        st: &mut *self.st,
                        run: idx,
                        ctx: ctx.as_ref(),
                        artifacts: artifacts.as_ref(),
                        items: &mut items,
                        pending: &mut pending,
                        null: &mut results_state,
                    })?;
                }
                other => {
                    // `Invocations` for `invocations`: not read, it would hide a failed run.
                    if let Some(known) = other_case(other, &RUN_KEYS).or_else(|| other_case(other, &["results"])) {
                        let p = format!("/runs/{idx}/{}", crate::read::tok(other));
                        let why = format!("`{other}` is SARIF's `{known}` written in another case; it was not read");
                        self.st.diags.push(skipped(self.st.name, &p, &why));
                    }
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(ctx) = ctx else {
            return Err(de::Error::custom(coded(
                codes::WRONG_SHAPE,
                format_args!("`runs[{idx}].tool.driver.name` is missing: a scan must name its tool"),
            )));
        };
        // Results that came before `tool` (or needed `artifacts` not yet read) are mapped now.
        for mut part in chunks_of(pending, MAP_BATCH) {
            map_batch(&mut self.st.diags, self.st.name, &ctx, artifacts.as_ref(), &mut part, &mut items);
        }
        let category =
            automation.get("id").and_then(Value::as_str).and_then(crate::target::sarif_category).map(|c| scope_key(&c));
        let mut scan = finish_run(self.st, idx, &ctx, &invocations, &vcp, category, items.items);
        // A category that cannot be read: which analysis the run was is unknown (read as none,
        // it resolved the findings of an uncategorised run, and erased a finding's category).
        let automation_ok = match &automation {
            Value::Null => true,
            Value::Object(o) => o.get("id").is_none_or(|i| i.is_null() || i.is_string()),
            _ => false,
        };
        if !automation_ok {
            let why = format!("`/runs/{idx}/automationDetails` is not an object with a string `id`");
            self.st.diags.push(
                Diagnostic::warning(
                    codes::SETTINGS_UNREADABLE,
                    self.st.name,
                    format!(
                        "{why}: which analysis (category) run {idx} ({}) was is unknown, so it resolves no finding",
                        ctx.tool
                    ),
                )
                .with_hint("ingest the log as the tool wrote it; SARIF's `automationDetails.id` is a string"),
            );
            scan.incomplete.entry(class::RULES).or_insert(format!("{why}: the run's category is unknown"));
        }
        match results_state {
            ResultsState::Absent => {
                scan.mark_incomplete(class::RULES, format!("runs[{idx}] has no `results` (results not determined)"));
            }
            ResultsState::Null => {
                scan.mark_incomplete(
                    class::RULES,
                    format!("runs[{idx}].results is null (the tool produced no results)"),
                );
            }
            ResultsState::Array => {}
        }
        if let Some(d) = self.st.diags[diags_before..].iter().find(|d| d.code == codes::SKIPPED_ITEM) {
            scan.mark_incomplete(class::RULES, d.message.clone());
        }
        self.st.add_run(scan).map_err(de::Error::custom)
    }
}

/// Whether a run had `results`, and of what kind.
#[derive(Clone, Copy)]
enum ResultsState {
    Absent,
    Null,
    Array,
}

struct ResultsSeed<'s, 'a, 'c> {
    null: &'s mut ResultsState,
    st: &'s mut State<'a>,
    run: usize,
    ctx: Option<&'c RunCtx>,
    artifacts: Option<&'c Value>,
    items: &'s mut RunItems,
    pending: &'s mut Vec<RawResult>,
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`runs[{}].results`: an array of result objects", self.run)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        *self.null = ResultsState::Null; // `results: null`: the tool did not produce results
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ResultsSeed { st, run, ctx, artifacts, items, pending, .. } = self;
        let name = st.name;
        // Full batches are mapped on a worker thread while this one reads the next batch
        // ([`Pipeline`]); the last, partial batch is mapped by [`map_batch`].
        rayon::in_place_scope(|s| {
            let mut pipeline = Pipeline::new(s, name, artifacts);
            let mut i = 0usize;
            let mut sized = false;
            let mut batch = Vec::with_capacity(MAP_BATCH);
            let results_at = format!("/runs/{run}/results/");
            while let Some(v) = seq.next_element_seed(ElemSeed(st.split))? {
                let pointer = crate::ledger::text_and_number(&results_at, "", i as u64, 0);
                i += 1;
                let Some(v) = v.0 else {
                    st.diags.push(skipped(name, &pointer, "a result must be an object"));
                    continue;
                };
                let r = match raw_result(v, pointer) {
                    Err((pointer, why)) => {
                        st.diags.push(skipped(name, &pointer, &why));
                        continue;
                    }
                    Ok(r) => r,
                };
                // Mapped as soon as a batch is full when the rules are known (the usual key
                // order): memory then holds findings, not raw results.
                match ctx {
                    // A result naming an artifact waits for `artifacts` (its uri or base).
                    Some(ctx) if r.artifact_index.is_none() || artifacts.is_some() => {
                        batch.push(r);
                        if batch.len() == MAP_BATCH {
                            // A streamed log's items are given room once, for about as many
                            // distinct items as the file's results hold at the density and
                            // the share of distinct items read so far: a vector of a million
                            // items grown by doubling copies each into fresh memory several
                            // times.
                            if !sized && let Some(n) = st.split.and_then(|sh| sh.results_estimate(i)) {
                                sized = true;
                                pipeline.finish(&mut st.diags, items); // the items come back first
                                // The results added so far: all but this full batch.
                                items.reserve_for(n, i.saturating_sub(MAP_BATCH));
                            }
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(MAP_BATCH));
                            pipeline.push(&mut st.diags, ctx, full, items);
                        }
                    }
                    _ => pending.push(r),
                }
            }
            pipeline.finish(&mut st.diags, items);
            // The worker stops (its rayon thread is free again) before the last batch.
            drop(pipeline);
            if let Some(ctx) = ctx {
                map_batch(&mut st.diags, name, ctx, artifacts, &mut batch, items);
            }
            Ok(())
        })
    }
}

/// Whether results are mapped on more than one thread (not on a single core, nor in the
/// tests' one-by-one reference).
fn parallel() -> bool {
    #[cfg(test)]
    if tests::ONE_THREAD.get() {
        return false;
    }
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

/// A batch handed to the [`Pipeline`]'s worker, with the run's items mapped so far.
type Job<'c> = (&'c RunCtx, Vec<RawResult>, RunItems);

/// Full batches of results mapped on a worker while the reading thread reads the next batch:
/// reading the JSON and mapping results take about as long as each other, so the two overlap
/// instead of following each other. The worker maps the batch's results one by one
/// ([`map_one`]) into the run's items, and the reading thread then takes the batch's notes,
/// in order: exactly what mapping every result in order on one thread gives.
///
/// The items move to the worker with the batch and come back with the batch's notes, so
/// nothing is shared while the worker runs (and the reading thread never writes an item: the
/// items' memory, and the index's, is first touched on the worker). The worker is started
/// with the first full batch and stops when the pipeline is dropped. It runs on one of
/// rayon's threads, which live as long as the process (no thread is started per run).
struct Pipeline<'scope, 'env> {
    scope: &'scope rayon::Scope<'env>,
    name: &'env str,
    artifacts: Option<&'env Value>,
    /// The channels to and from the worker (`None` until the first full batch).
    worker: Option<Worker<'env>>,
    /// Whether the worker holds a batch (and the items).
    busy: bool,
}

/// The channels of a [`Pipeline`]'s worker: a batch to it, the items and the batch's notes back.
type Worker<'env> = (std::sync::mpsc::SyncSender<Job<'env>>, std::sync::mpsc::Receiver<(RunItems, Vec<Diagnostic>)>);

impl<'scope, 'env> Pipeline<'scope, 'env> {
    fn new(scope: &'scope rayon::Scope<'env>, name: &'env str, artifacts: Option<&'env Value>) -> Self {
        Self { scope, name, artifacts, worker: None, busy: false }
    }

    /// Start the worker.
    fn start(&self) -> Worker<'env> {
        let (name, artifacts) = (self.name, self.artifacts);
        let (to_worker, jobs) = std::sync::mpsc::sync_channel::<Job<'env>>(0);
        let (to_main, from_worker) = std::sync::mpsc::sync_channel(0);
        self.scope.spawn(move |_| {
            for (ctx, batch, mut seen) in jobs {
                let mut notes = Vec::new();
                for r in batch {
                    map_one(&mut notes, name, ctx, artifacts, r, &mut seen);
                }
                if to_main.send((seen, notes)).is_err() {
                    return;
                }
            }
        });
        (to_worker, from_worker)
    }

    /// Add the batch the worker holds, if any, then hand it `batch` with the items.
    fn push(&mut self, diags: &mut Vec<Diagnostic>, ctx: &'env RunCtx, batch: Vec<RawResult>, items: &mut RunItems) {
        self.finish(diags, items);
        // The worker waits for batches on a rayon thread: never from inside rayon's pool (a
        // worker queued behind the thread that waits for it would never start), and only
        // with a second rayon thread for it.
        if !parallel() || rayon::current_thread_index().is_some() || rayon::current_num_threads() < 2 {
            let mut batch = batch;
            return map_batch(diags, self.name, ctx, self.artifacts, &mut batch, items);
        }
        let worker = self.worker.take().unwrap_or_else(|| self.start());
        let sent = worker.0.send((ctx, batch, std::mem::take(items)));
        self.worker = Some(worker);
        match sent {
            Ok(()) => self.busy = true,
            // The worker is gone (it panicked): map the batch here, as [`map_batch`] would.
            Err(std::sync::mpsc::SendError((ctx, mut batch, seen))) => {
                *items = seen;
                map_batch(diags, self.name, ctx, self.artifacts, &mut batch, items);
            }
        }
    }

    /// Wait for the batch the worker holds, if any, and add it to the items.
    fn finish(&mut self, diags: &mut Vec<Diagnostic>, items: &mut RunItems) {
        if !std::mem::take(&mut self.busy) {
            return;
        }
        match self.worker.as_ref().map(|(_, from_worker)| from_worker.recv()) {
            Some(Ok((seen, notes))) => {
                *items = seen;
                diags.extend(notes);
            }
            // The worker panicked while it held the batch and the items: the scope re-raises
            // the panic when it ends; the run cannot be finished without them.
            _ => std::panic::panic_any("the results worker stopped"),
        }
    }
}

/// One element of a `results` array: the result the splitter cut out and parsed, when the
/// element is its placeholder, else read from the parser.
struct ElemSeed<'s>(Option<&'s Shared>);

impl<'de> DeserializeSeed<'de> for ElemSeed<'_> {
    type Value = Lax<SResult>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Lax<SResult>, D::Error> {
        let Some(cut) = self.0.and_then(Shared::take) else { return Lax::<SResult>::deserialize(d) };
        IgnoredAny::deserialize(d)?; // the placeholder `{}`
        match cut {
            Cut::Ok(v) => Ok(v),
            Cut::Err(e, pos) => {
                if let Some(sh) = self.0 {
                    sh.fail(e, pos);
                }
                Err(de::Error::custom("a result is not valid JSON"))
            }
        }
    }
}

/// The findings of one run, one per fingerprint, merged as they are mapped: memory holds the
/// distinct findings, never one item per result of a duplicate-heavy run.
///
/// The index holds positions keyed by the items' own fingerprints, not a copy of each
/// (at a million items that copy was about 100 MB), each beside its fingerprint's hash: the
/// table grows without hashing every fingerprint again, and a lookup reads an item's text only
/// when the whole hash matches (at a million items each such read is a cache miss).
#[derive(Default)]
struct RunItems {
    items: Vec<Item>,
    /// (hash of the fingerprint, position in `items`).
    index: hashbrown::HashTable<(u64, usize)>,
    hasher: foldhash::fast::RandomState,
}

/// A `security-severity` as a score from 0 to 10: a number or numeric text, or a severity
/// word (Semgrep writes `"MEDIUM"`) as the lowest score of its CVSS band. `None` when it is
/// neither.
fn score_of(l: &Loose) -> Option<f64> {
    match l {
        Loose::Str(t) => score_of_text(t),
        other => other.as_f64().filter(|x| (0.0..=10.0).contains(x)),
    }
}

/// [`score_of`] for a JSON value.
fn score_of_value(v: &Value) -> Option<f64> {
    match v {
        Value::String(t) => score_of_text(t),
        Value::Number(n) => n.as_f64().filter(|x| x.is_finite() && (0.0..=10.0).contains(x)),
        _ => None,
    }
}

/// A score written as text: a number from 0 to 10, or a severity word.
fn score_of_text(t: &str) -> Option<f64> {
    if let Some(s) = crate::model::severity_word(t) {
        // The lowest score of the word's band (`Severity::from_cvss` gives the word back).
        return Some(match s {
            Severity::Critical => 9.0,
            Severity::High => 7.0,
            Severity::Medium => 4.0,
            Severity::Low => 0.1,
        });
    }
    t.trim().parse::<f64>().ok().filter(|x| x.is_finite() && (0.0..=10.0).contains(x))
}

/// SARIF's levels.
const LEVELS: [&str; 4] = ["none", "note", "warning", "error"];

/// The keys of a run secfw reads whose value it keeps; each may appear once. (`results`
/// written twice is read twice: nothing of either array is lost, and a `null` one makes the
/// run incomplete.)
const RUN_KEYS: [&str; 5] = ["tool", "invocations", "versionControlProvenance", "automationDetails", "artifacts"];

/// The properties of an invocation secfw reads: whether the run succeeded, and what it did not
/// analyse.
const INVOCATION_KEYS: [&str; 4] =
    ["executionSuccessful", "exitCode", "toolExecutionNotifications", "toolConfigurationNotifications"];

/// A `toolComponentReference`: an extension of the run's tool, by position or by name.
enum Component {
    Index(usize),
    Name(String),
}

impl Component {
    fn of(c: &crate::lax::SComponentRef) -> Option<Self> {
        c.index
            .as_ref()
            .and_then(Loose::as_usize)
            .map(Self::Index)
            .or_else(|| c.name.as_ref().and_then(Loose::as_str).map(|n| Self::Name(n.to_owned())))
    }
}

/// The parts of a result secfw uses (everything else is dropped as soon as it is read).
struct RawResult {
    pointer: String,
    rule_id: Option<String>,
    rule_index: Option<usize>,
    kind: Option<String>,
    level: Option<String>,
    baseline: Option<String>,
    message: Option<String>,
    message_id: Option<String>,
    message_args: Vec<String>,
    uri: Option<String>,
    /// The name of the base the uri is relative to (`uriBaseId`, without `%` signs).
    uri_base: Option<String>,
    artifact_index: Option<usize>,
    logical: Option<String>,
    line: Option<u64>,
    snippet: Option<String>,
    fingerprints: Vec<(String, String)>,
    partial: Vec<(String, String)>,
    security_severity: Option<f64>,
    /// `properties.security-severity` is there and is no score from 0 to 10: the severity
    /// falls back to the level, and is no rating of the scanner's (it never lowers a finding).
    severity_unreadable: bool,
    /// The tool component whose rules the rule index counts in (`rule.toolComponent`); the
    /// driver when absent.
    rule_component: Option<Component>,
    /// `logicalLocations[0].index`: the run's logical location the result names.
    logical_index: Option<usize>,
    tags: Vec<String>,
    taxa_cwe: Vec<String>,
    /// (kind, status, justification)
    suppressions: Vec<(Option<String>, Option<String>, Option<String>)>,
}

/// What identifies a result (its message, its first location) must be readable: read as
/// absent, a message or a file of another type would give the result another identity, open
/// it anew and resolve the finding it is (fail closed: the result is skipped, `IN0101`, and
/// its run resolves nothing). The field and why, when it is not.
fn readable_identity(v: &SResult) -> Result<(), (&'static str, &'static str)> {
    let not_text = |l: Option<&Loose>| l.is_some_and(|x| !matches!(x, Loose::Str(_)));
    if not_text(v.rule_id.as_ref()) {
        return Err(("ruleId", "must be a string"));
    }
    if v.rule.1 {
        return Err(("rule", "must be an object (a reportingDescriptorReference)"));
    }
    if let Some(rule) = v.rule.get() {
        if not_text(rule.id.as_ref()) {
            return Err(("rule/id", "must be a string"));
        }
        if rule.tool_component.1 {
            return Err(("rule/toolComponent", "must be an object (a toolComponentReference)"));
        }
        let component = rule.tool_component.get();
        if component.and_then(|c| c.index.as_ref()).is_some_and(|i| i.as_usize().is_none()) {
            return Err(("rule/toolComponent/index", "must be a non-negative whole number"));
        }
        if not_text(component.and_then(|c| c.name.as_ref())) {
            return Err(("rule/toolComponent/name", "must be a string"));
        }
    }
    if v.fingerprints.1 {
        return Err(("fingerprints", "must be an object whose values are strings"));
    }
    if v.partial_fingerprints.1 {
        return Err(("partialFingerprints", "must be an object whose values are strings"));
    }
    if v.level.as_ref().is_some_and(|l| matches!(l, Loose::Other)) {
        return Err(("level", "must be a string (none, note, warning, error)"));
    }
    if v.message.1 {
        return Err(("message", "must be an object (`{\"text\": …}`)"));
    }
    if v.message.0.as_ref().and_then(|m| m.text.as_ref()).is_some_and(|t| !matches!(t, Loose::Str(_))) {
        return Err(("message/text", "must be a string"));
    }
    // An index given in a form that is not an index would read as absent. `-1` is SARIF's
    // default for "no index" (OSV-Scanner writes it).
    let not_index = |l: Option<&Loose>| {
        l.is_some_and(|x| x.as_usize().is_none() && !matches!(x, Loose::Num(n) if (*n + 1.0).abs() < f64::EPSILON))
    };
    if not_index(v.rule_index.as_ref()) || not_index(v.rule.0.as_ref().and_then(|r| r.index.as_ref())) {
        return Err(("ruleIndex", "must be a non-negative whole number (or -1, none)"));
    }
    if v.locations.1 {
        return Err(("locations", "must be an array of location objects"));
    }
    let Some(l) = v.locations.0.first() else { return Ok(()) };
    if l.physical_location.1 {
        return Err(("locations/0/physicalLocation", "must be an object"));
    }
    if l.logical_locations.1 {
        return Err(("locations/0/logicalLocations", "must be an array of logicalLocation objects"));
    }
    if let Some(g) = l.logical_locations.0.first() {
        if not_text(g.fully_qualified_name.as_ref()) {
            return Err(("locations/0/logicalLocations/0/fullyQualifiedName", "must be a string"));
        }
        if not_text(g.name.as_ref()) {
            return Err(("locations/0/logicalLocations/0/name", "must be a string"));
        }
        if g.index.as_ref().is_some_and(|i| i.as_usize().is_none()) {
            return Err(("locations/0/logicalLocations/0/index", "must be a non-negative whole number"));
        }
    }
    let Some(p) = &l.physical_location.0 else { return Ok(()) };
    if p.region.1 {
        return Err(("locations/0/physicalLocation/region", "must be an object"));
    }
    if let Some(r) = p.region.get() {
        if r.snippet.1 {
            return Err(("locations/0/physicalLocation/region/snippet", "must be an object"));
        }
        if not_text(r.snippet.get().and_then(|x| x.text.as_ref())) {
            return Err(("locations/0/physicalLocation/region/snippet/text", "must be a string"));
        }
    }
    if p.artifact_location.1 {
        return Err(("locations/0/physicalLocation/artifactLocation", "must be an object"));
    }
    if not_index(p.artifact_location.0.as_ref().and_then(|a| a.index.as_ref())) {
        return Err((
            "locations/0/physicalLocation/artifactLocation/index",
            "must be a non-negative whole number (or -1, none)",
        ));
    }
    if p.artifact_location.0.as_ref().and_then(|a| a.uri.as_ref()).is_some_and(|u| !matches!(u, Loose::Str(_))) {
        return Err(("locations/0/physicalLocation/artifactLocation/uri", "must be a string"));
    }
    let base = p.artifact_location.0.as_ref().and_then(|a| a.uri_base_id.as_ref());
    if base.is_some_and(|b| !matches!(b, Loose::Str(_))) {
        return Err(("locations/0/physicalLocation/artifactLocation/uriBaseId", "must be a string"));
    }
    Ok(())
}

fn raw_result(v: SResult, pointer: String) -> Result<RawResult, (String, String)> {
    let bad = |field: &str, why: &str| (format!("{pointer}/{field}"), why.to_owned());
    readable_identity(&v).map_err(|(field, why)| bad(field, why))?;
    let opt_str = |key: &str, l: Option<Loose>| -> Result<Option<String>, (String, String)> {
        match l {
            None | Some(Loose::Other) => Ok(None),
            Some(Loose::Str(x)) => Ok(Some(x)),
            Some(_) => Err(bad(key, "must be a string")),
        }
    };
    let rule_ref = v.rule.0;
    let rule_component = rule_ref.as_ref().and_then(|r| r.tool_component.get()).and_then(Component::of);
    let rule_id = opt_str("ruleId", v.rule_id)?
        .or_else(|| rule_ref.as_ref().and_then(|r| r.id.as_ref()).and_then(Loose::as_str).map(str::to_owned));
    let rule_index = v
        .rule_index
        .as_ref()
        .and_then(Loose::as_usize)
        .or_else(|| rule_ref.as_ref().and_then(|r| r.index.as_ref()).and_then(Loose::as_usize));
    let level = opt_str("level", v.level)?;
    if let Some(l) = &level
        && !matches!(l.as_str(), "none" | "note" | "warning" | "error")
    {
        return Err(bad("level", &format!("`{l}` is not a SARIF level (none, note, warning, error)")));
    }
    let kind = opt_str("kind", v.kind)?;
    let mut msg = v.message.0;
    let message = msg.as_mut().and_then(|m| take_text(&mut m.text).or_else(|| take_text(&mut m.markdown)));
    let message_id = msg.as_ref().and_then(|m| m.id.as_ref()).and_then(Loose::as_str).map(str::to_owned);
    let message_args = msg.and_then(|m| m.arguments).map(|a| a.0).unwrap_or_default();
    let loc = v.locations.0.into_iter().next();
    let (phys, logical) = match loc {
        Some(l) => (l.physical_location.0, l.logical_locations.0.into_iter().next()),
        None => (None, None),
    };
    let logical_index = logical.as_ref().and_then(|l| l.index.as_ref()).and_then(Loose::as_usize);
    let logical = logical
        .and_then(|l| text(l.fully_qualified_name.as_ref()).or_else(|| text(l.name.as_ref())).map(str::to_owned));
    let (mut al, region) = match phys {
        Some(p) => (p.artifact_location.0, p.region.0),
        None => (None, None),
    };
    let props_unreadable = v.properties.1;
    let props = v.properties.0;
    let taxa_cwe = v
        .taxa
        .0
        .iter()
        .filter(|t| {
            t.tool_component.get().and_then(|c| text(c.name.as_ref())).is_some_and(|n| n.eq_ignore_ascii_case("cwe"))
        })
        .filter_map(|t| match &t.id {
            Some(Loose::Str(id)) => id.trim_start_matches("CWE-").parse::<u32>().ok(),
            Some(n) => n.as_usize().and_then(|n| u32::try_from(n).ok()),
            None => None,
        })
        .map(|n| format!("CWE-{n}"))
        .collect();
    Ok(RawResult {
        rule_id,
        rule_index,
        kind,
        level,
        baseline: v.baseline_state.as_ref().and_then(Loose::as_str).map(str::to_owned),
        message,
        message_id,
        message_args,
        uri: al.as_mut().and_then(|a| take_text(&mut a.uri)),
        uri_base: al.as_mut().and_then(|a| take_text(&mut a.uri_base_id)).as_deref().and_then(base_name),
        artifact_index: al.as_ref().and_then(|a| a.index.as_ref()).and_then(Loose::as_usize),
        logical,
        line: region.as_ref().and_then(|r| r.start_line.as_ref()).and_then(Loose::as_usize).map(|n| n as u64),
        snippet: region.as_ref().and_then(|r| r.snippet.get()).and_then(|x| text(x.text.as_ref())).map(str::to_owned),
        fingerprints: v.fingerprints.0,
        partial: v.partial_fingerprints.0,
        security_severity: props.as_ref().and_then(|p| p.security_severity.as_ref()).and_then(score_of),
        severity_unreadable: props_unreadable
            || props.as_ref().and_then(|p| p.security_severity.as_ref()).is_some_and(|x| score_of(x).is_none()),
        rule_component,
        logical_index,
        tags: props.and_then(|p| p.tags).map(|t| t.0).unwrap_or_default(),
        taxa_cwe,
        suppressions: v
            .suppressions
            .0
            .into_iter()
            .map(|x| {
                (
                    text(x.kind.as_ref()).map(str::to_owned),
                    text(x.status.as_ref()).map(str::to_owned),
                    text(x.justification.as_ref()).map(str::to_owned),
                )
            })
            .collect(),
        pointer,
    })
}

/// A rule's JSON.
struct Rule<'a> {
    v: &'a Value,
}

impl Rule<'_> {
    fn id(&self) -> Option<&str> {
        s(self.v, "id")
    }
    fn short(&self) -> Option<&str> {
        self.v.get("shortDescription").and_then(|d| sne(d, "text")).or_else(|| sne(self.v, "name"))
    }
    fn full(&self) -> Option<&str> {
        self.v.get("fullDescription").and_then(|d| sne(d, "text"))
    }
    fn help(&self) -> Option<&str> {
        self.v.get("help").and_then(|d| sne(d, "text"))
    }
    fn level(&self) -> Option<&str> {
        self.v.get("defaultConfiguration").and_then(|c| s(c, "level"))
    }
    fn props(&self) -> Option<&Value> {
        self.v.get("properties")
    }
}

/// What secfw derives from one rule (computed once per rule, not once per result).
struct RuleInfo {
    id: Option<String>,
    title: Option<String>,
    text: Option<String>,
    action: Option<String>,
    help_uri: Option<String>,
    security_severity: Option<f64>,
    level: Option<String>,
    /// Its `properties` or `security-severity` is there and cannot be read as a score 0–10.
    score_unreadable: bool,
    /// Its `defaultConfiguration` or `defaultConfiguration.level` is there and is not one of
    /// SARIF's four levels.
    level_unreadable: bool,
    cwe: Vec<String>,
    cve: Vec<String>,
    config: bool,
    message_strings: BTreeMap<String, String>,
}

impl RuleInfo {
    fn of(r: &Rule<'_>) -> Self {
        let mut tags: Vec<&str> = Vec::new();
        if let Some(p) = r.props() {
            tags.extend(arr(p, "tags").iter().filter_map(Value::as_str));
            match p.get("cwe") {
                Some(Value::String(c)) => tags.push(c),
                Some(Value::Array(cs)) => tags.extend(cs.iter().filter_map(Value::as_str)),
                _ => {}
            }
        }
        let mut cwe: Vec<String> = tags.iter().flat_map(|t| cwes_in(t)).collect();
        for rel in arr(r.v, "relationships") {
            let target = rel.get("target");
            let is_cwe = target
                .and_then(|t| t.get("toolComponent"))
                .and_then(|c| s(c, "name"))
                .is_some_and(|n| n.eq_ignore_ascii_case("cwe"));
            if let (true, Some(id)) = (is_cwe, target.and_then(|t| s(t, "id")))
                && let Ok(n) = id.trim_start_matches("CWE-").parse::<u32>()
            {
                cwe.push(format!("CWE-{n}"));
            }
        }
        let message_strings =
            r.v.get("messageStrings")
                .and_then(Value::as_object)
                .map(|m| m.iter().filter_map(|(k, v)| sne(v, "text").map(|t| (k.clone(), t.to_owned()))).collect())
                .unwrap_or_default();
        Self {
            id: r.id().map(str::to_owned),
            title: r.short().map(|t| chars_prefix(first_line_str(t), 200).to_owned()),
            text: r.full().or(r.short()).map(str::to_owned),
            action: r.help().map(short_action),
            help_uri: sne(r.v, "helpUri").map(str::to_owned),
            security_severity: r.props().and_then(|p| p.get("security-severity")).and_then(score_of_value),
            level: r.level().filter(|l| LEVELS.contains(l)).map(str::to_owned),
            score_unreadable: match r.props() {
                None => false,
                Some(Value::Object(p)) => p.get("security-severity").is_some_and(|v| score_of_value(v).is_none()),
                Some(_) => true,
            },
            level_unreadable: match r.v.get("defaultConfiguration") {
                None => false,
                Some(Value::Object(c)) => {
                    c.get("level").is_some_and(|l| !l.as_str().is_some_and(|l| LEVELS.contains(&l)))
                }
                Some(_) => true,
            },
            cwe,
            cve: {
                let mut cve: Vec<String> = tags.iter().filter(|t| is_advisory_id(t)).map(|t| (*t).to_owned()).collect();
                if let Some(id) = r.id() {
                    cve.extend(advisory_ids_in(id));
                }
                if let Some(u) = sne(r.v, "helpUri") {
                    cve.extend(advisory_ids_in(u));
                }
                if let Some(p) = r.props().and_then(Value::as_object) {
                    for v in p.values() {
                        match v {
                            Value::String(x) => cve.extend(advisory_ids_in(x)),
                            Value::Array(xs) => {
                                cve.extend(xs.iter().filter_map(Value::as_str).flat_map(advisory_ids_in));
                            }
                            _ => {}
                        }
                    }
                }
                cve
            },
            config: tags.iter().any(|t| is_config_tag(t)),
            message_strings,
        }
    }
}

fn is_config_tag(t: &str) -> bool {
    let t = t.to_ascii_lowercase();
    t.contains("misconfiguration") || t == "iac" || t == "configuration"
}

/// A run's tool and rules.
struct RunCtx {
    tool: String,
    version: Option<String>,
    infos: Vec<RuleInfo>,
    driver_rules: usize,
    /// Each extension of the tool: its name, and where its rules are in `infos` (start, count).
    extensions: Vec<(Option<String>, usize, usize)>,
    by_id: HashMap<String, usize>,
    iac: bool,
    /// Why the run's rules cannot be read ([`unreadable_rules`]), if so.
    rules_unreadable: Option<String>,
}

impl RunCtx {
    fn of(tool_v: &Value, idx: usize) -> Result<Self, String> {
        let driver = tool_v.get("driver").unwrap_or(&Value::Null);
        let tool = sne(driver, "name").map(str::to_ascii_lowercase).ok_or_else(|| {
            coded(
                codes::WRONG_SHAPE,
                format_args!("`runs[{idx}].tool.driver.name` is missing: a scan must name its tool"),
            )
        })?;
        let version = sne(driver, "semanticVersion").or_else(|| sne(driver, "version")).map(str::to_owned);
        let mut infos: Vec<RuleInfo> = arr(driver, "rules").iter().map(|v| RuleInfo::of(&Rule { v })).collect();
        let driver_rules = infos.len();
        let mut extensions = Vec::new();
        for ext in arr(tool_v, "extensions") {
            let start = infos.len();
            infos.extend(arr(ext, "rules").iter().map(|v| RuleInfo::of(&Rule { v })));
            extensions.push((sne(ext, "name").map(str::to_owned), start, infos.len() - start));
        }
        let mut by_id = HashMap::new();
        for (i, r) in infos.iter().enumerate() {
            if let Some(id) = &r.id {
                by_id.entry(id.clone()).or_insert(i);
            }
        }
        let iac = IAC_TOOLS.iter().any(|t| tool.contains(t));
        let rules_unreadable = unreadable_rules(idx, tool_v);
        Ok(Self { tool, version, infos, driver_rules, extensions, by_id, iac, rules_unreadable })
    }

    /// The position in [`RunCtx::infos`] of the rule a result names by index: in the driver's
    /// rules, or in those of the extension its `rule.toolComponent` names. `Err` when the
    /// component or the index names nothing.
    fn rule_at(&self, component: Option<&Component>, index: usize) -> Result<usize, &'static str> {
        let (start, len) = match component {
            None => (0, self.driver_rules),
            Some(c) => {
                let ext = match c {
                    Component::Index(k) => self.extensions.get(*k),
                    Component::Name(n) => self.extensions.iter().find(|(name, ..)| name.as_deref() == Some(n.as_str())),
                };
                let Some(&(_, start, len)) = ext else {
                    return Err("its `rule.toolComponent` names no extension of the run's tool");
                };
                (start, len)
            }
        };
        if index < len {
            Ok(start + index)
        } else if component.is_some() {
            Err("its rule index names no rule of the extension its `rule.toolComponent` names")
        } else {
            Err("its rule index names no rule of the run's `tool.driver.rules`")
        }
    }
}

/// One result → one item (`None` when it is not a finding or has no identity; a diagnostic
/// says why). The item's target is set when the run is finished.
/// Results mapped together: on several threads when there are at least
/// [`MAP_PARALLEL_MIN`] of them, then added to the run in order.
const MAP_BATCH: usize = 2048;
/// Fewer results than this are mapped on this thread.
const MAP_PARALLEL_MIN: usize = 256;

/// `v` cut into vectors of at most `n` elements, in order.
fn chunks_of<T>(v: Vec<T>, n: usize) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(v.len().div_ceil(n.max(1)));
    let mut it = v.into_iter().peekable();
    while it.peek().is_some() {
        out.push(it.by_ref().take(n.max(1)).collect());
    }
    out
}

/// Map the results of `batch` (emptied) into the run's items, exactly as [`map_one`] on each
/// in order would: from [`MAP_PARALLEL_MIN`] results on, each half is prepared on its own
/// thread ([`prepare`]: everything that does not depend on the results before it in the
/// batch), then the prepared results are added in order ([`add_prepared`]).
fn map_batch(
    diags: &mut Vec<Diagnostic>,
    name: &str,
    ctx: &RunCtx,
    artifacts: Option<&Value>,
    batch: &mut Vec<RawResult>,
    acc: &mut RunItems,
) {
    if batch.len() < MAP_PARALLEL_MIN || !parallel() {
        for r in batch.drain(..) {
            map_one(diags, name, ctx, artifacts, r, acc);
        }
        return;
    }
    // The next batch gets an allocation of the full size at once (and, freed with this one,
    // the allocator gives the same memory back): a batch never grows by doubling.
    let mut first = std::mem::replace(batch, Vec::with_capacity(MAP_BATCH));
    let second = first.split_off(first.len().div_ceil(2));
    let seen: &RunItems = acc;
    // On rayon's threads (no thread started per batch).
    let prep = |rs: Vec<RawResult>| rs.into_iter().map(|r| prepare(name, ctx, artifacts, seen, r)).collect::<Vec<_>>();
    let (a, b) = rayon::join(|| prep(first), || prep(second));
    for p in a.into_iter().chain(b) {
        add_prepared(diags, p, acc);
    }
}

/// A result mapped apart from the others of its batch.
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every prepared result is an item; boxing it would allocate once more per result"
)]
enum Prepared {
    /// Not a finding: its note.
    NotAFinding(Vec<Diagnostic>),
    /// A duplicate, by fingerprint, of the item at this position, mapped before the batch,
    /// that it does not replace (it sorts after it by line and pointer): counted on the item
    /// at that position (positions never change: an item is replaced in its place).
    Counted(usize, Severity, &'static str),
    /// Its item, and the notes building it gave.
    Item(Item, Vec<Diagnostic>),
}

/// One result mapped up to adding it to the run, against the items mapped so far (`seen`,
/// read only; in a batch, those mapped before the batch).
fn prepare(name: &str, ctx: &RunCtx, artifacts: Option<&Value>, seen: &RunItems, r: RawResult) -> Prepared {
    let mut diags = Vec::new();
    if not_a_finding(&r, name, &mut diags) {
        return Prepared::NotAFinding(diags);
    }
    if let Some(why) = dangling(ctx, artifacts, &r) {
        diags.push(skipped(name, &r.pointer, why));
        return Prepared::NotAFinding(diags);
    }
    let (info, m) = mapped(ctx, artifacts, &r);
    // Items are only ever replaced by ones that sort before them, so what is counted against
    // an item mapped before the batch stays counted when the batch is added.
    if let Some(k) = seen.kept(&m.fingerprint, r.line, &r.pointer) {
        let (severity, source, _) = rating(&r, info);
        return Prepared::Counted(k, severity, source);
    }
    let item = new_item(&mut diags, name, ctx, info, r, m);
    Prepared::Item(item, diags)
}

/// Add a [`prepare`]d result to the run's items: a duplicate that does not replace the item
/// kept for its fingerprint is counted on it and its notes are dropped (mapped one by one, it
/// would never have been built).
fn add_prepared(diags: &mut Vec<Diagnostic>, p: Prepared, acc: &mut RunItems) {
    match p {
        Prepared::NotAFinding(notes) => diags.extend(notes),
        Prepared::Counted(k, severity, source) => {
            let kept = &mut acc.items[k];
            kept.occurrences = kept.occurrences.saturating_add(1);
            kept.take_rating_of(severity, source);
        }
        Prepared::Item(item, notes) => {
            if acc.add(item) {
                diags.extend(notes);
            }
        }
    }
}

impl RunItems {
    /// Room for the distinct items of `results` results in all, at the share of distinct
    /// items among the `added` results so far (a duplicate is counted on its item, not kept),
    /// if the allocator gives it: an estimate (more items grow the vector as usual, and room
    /// never used is never touched).
    fn reserve_for(&mut self, results: usize, added: usize) {
        let share = results as u128 * self.items.len() as u128 / added.max(1) as u128;
        let n = usize::try_from(share).unwrap_or(usize::MAX);
        let more = n.saturating_sub(self.items.len());
        if more > self.items.capacity() - self.items.len() {
            let _ = self.items.try_reserve_exact(more);
        }
    }

    /// The position of the item with `fingerprint`.
    fn find(&self, fingerprint: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(fingerprint);
        self.index.find(hash, |&(h, k)| h == hash && self.items[k].fingerprint == fingerprint).map(|&(_, k)| k)
    }

    /// The position of the item kept for `fingerprint` when it sorts before or at (`line`,
    /// `pointer`): a result there is a duplicate that does not replace it.
    fn kept(&self, fingerprint: &str, line: Option<u64>, pointer: &str) -> Option<usize> {
        self.find(fingerprint).filter(|&k| (line, pointer) >= (self.items[k].line, self.items[k].pointer.as_str()))
    }

    /// Add an item, looking its fingerprint up once: a duplicate of the kept item that sorts at
    /// or after it (by line, then pointer) is counted on it (`false`); otherwise the item
    /// replaces the one of its fingerprint, taking over its count, or is added (`true`).
    fn add(&mut self, item: Item) -> bool {
        let hash = self.hasher.hash_one(item.fingerprint.as_str());
        let items = &mut self.items;
        let found =
            self.index.entry(hash, |&(h, k)| h == hash && items[k].fingerprint == item.fingerprint, |&(h, _)| h);
        match found {
            hashbrown::hash_table::Entry::Occupied(e) => {
                let kept = &mut items[e.get().1];
                let occurrences = kept.occurrences.saturating_add(1);
                if (item.line, item.pointer.as_str()) >= (kept.line, kept.pointer.as_str()) {
                    kept.occurrences = occurrences;
                    kept.take_rating_of(item.severity, item.severity_source);
                    false
                } else {
                    // The same fingerprint: the index stays right.
                    let (severity, source) = (kept.severity, kept.severity_source);
                    *kept = Item { occurrences, ..item };
                    kept.take_rating_of(severity, source);
                    true
                }
            }
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert((hash, items.len()));
                items.push(item);
                true
            }
        }
    }
}

/// A reference a result's identity depends on that leads nowhere: an `artifactLocation.index`
/// (without a `uri`) naming no artifact with a uri, or a rule index (without a `ruleId`)
/// naming no rule of the driver. Read as absent, it would give the result another identity,
/// open it anew and resolve the finding it is: the result is skipped (`IN0101`) instead.
fn dangling(ctx: &RunCtx, artifacts: Option<&Value>, r: &RawResult) -> Option<&'static str> {
    if r.uri.is_none() && r.artifact_index.is_some_and(|i| artifact_uri(artifacts, i).is_none()) {
        return Some("`artifactLocation.index` names no artifact with a uri in the run's `artifacts`");
    }
    if let Some(i) = r.rule_index {
        match ctx.rule_at(r.rule_component.as_ref(), i) {
            Err(why) if r.rule_id.is_none() || r.rule_component.is_some() => return Some(why),
            _ => {}
        }
    } else if r.rule_component.is_some() && r.rule_id.is_none() {
        return Some("it names a `rule.toolComponent` and neither a rule id nor a rule index");
    }
    // A result located only by an index into the run's `logicalLocations` (no name, no file):
    // read as no location at all, two such results of one rule would be one finding.
    if r.logical.is_none() && r.uri.is_none() && r.artifact_index.is_none() && r.logical_index.is_some() {
        return Some(
            "it is located only by `logicalLocations[].index`, which secfw does not resolve: write the location's name or file",
        );
    }
    None
}

/// The uri of the run's artifact `i` (`artifacts[i].location.uri`), the file a result that
/// gives only `artifactLocation.index` is about.
fn artifact_uri(artifacts: Option<&Value>, i: usize) -> Option<&str> {
    artifact_location(artifacts, i).and_then(|l| sne(l, "uri"))
}

/// The location of the run's artifact `i` (`artifacts[i].location`).
fn artifact_location(artifacts: Option<&Value>, i: usize) -> Option<&Value> {
    artifacts.and_then(Value::as_array).and_then(|a| a.get(i)).and_then(|a| a.get("location"))
}

/// The base of the run's artifact `i` (`artifacts[i].location.uriBaseId`), by its name.
fn artifact_base(artifacts: Option<&Value>, i: usize) -> Option<String> {
    artifact_location(artifacts, i).and_then(|l| sne(l, "uriBaseId")).and_then(base_name)
}

/// The name of a `uriBaseId` (`%SRCROOT%` and `SRCROOT` are one base), `None` when blank.
fn base_name(b: &str) -> Option<String> {
    let n = b.trim().trim_matches('%').trim();
    (!n.is_empty()).then(|| n.to_owned())
}

/// The location as the identity names it under base `b`: a NUL, which no uri holds, keeps
/// it apart from any path written without a base.
fn based(location: &str, b: &str) -> String {
    format!("{location}\0{b}")
}

/// The rule, location, message and fingerprint of a result.
fn mapped<'c>(ctx: &'c RunCtx, artifacts: Option<&Value>, r: &RawResult) -> (Option<&'c RuleInfo>, Mapped) {
    let tool = ctx.tool.as_str();
    // The rule its index names (in the driver, or in the extension `rule.toolComponent`
    // names), else the rule its id names.
    let ri = r
        .rule_index
        .and_then(|i| ctx.rule_at(r.rule_component.as_ref(), i).ok())
        .or_else(|| r.rule_id.as_deref().and_then(|id| ctx.by_id.get(id)).copied());
    let info = ri.map(|i| &ctx.infos[i]);
    // ruleId is optional in SARIF 2.1.0 (Gitleaks v7 writes none): such a result's identity
    // is its tool, message and location (see `fingerprint`).
    let rule_id = r.rule_id.clone().or_else(|| info.and_then(|x| x.id.clone()));
    let (uri, base) = match (&r.uri, r.artifact_index) {
        // The base the result does not write is its artifact's, when it names one.
        (Some(u), Some(i)) if r.uri_base.is_none() => (Some(u.clone()), artifact_base(artifacts, i)),
        (Some(u), _) => (Some(u.clone()), r.uri_base.clone()),
        (None, Some(i)) => (artifact_uri(artifacts, i).map(str::to_owned), artifact_base(artifacts, i)),
        (None, None) => (None, None),
    };
    // The location releases before `uri_path` gave (`src/./a.py`, `%73rc/a.py` were other
    // files), when it differs: its identity is an alias, so a recorded finding keeps its id.
    let (location, earlier) = match uri.as_deref().map(uri_path) {
        Some(both) => both,
        None => (r.logical.clone().unwrap_or_default(), None),
    };
    let message = message_of(r, info, tool, rule_id.as_deref());
    let id = rule_id.as_deref();
    // The same relative path under two bases (`SRCROOT`, `TESTROOT`) is two files: the base
    // is part of the identity. The identity without it, which releases before this rule gave,
    // is an alias (as is the one before the blank-value rule), so a recorded finding moves
    // to the new identity instead of resolving.
    let (fingerprint, mut aliases) = match &base {
        Some(b) => {
            let fp = identity(r, tool, id, &based(&location, b), &message);
            (fp, vec![identity(r, tool, id, &location, &message)])
        }
        None => (identity(r, tool, id, &location, &message), Vec::new()),
    };
    aliases.extend(blank_alias(r, tool, id, &location, &message));
    if let Some(old) = &earlier {
        if let Some(b) = &base {
            aliases.push(identity(r, tool, id, &based(old, b), &message));
        }
        aliases.push(identity(r, tool, id, old, &message));
    }
    aliases.retain(|a| *a != fingerprint);
    aliases.dedup();
    (info, Mapped { rule_id, location, uri_base: base, message, fingerprint, aliases })
}

/// Map one result into the run's items: a result with the fingerprint of one already mapped
/// in this run is counted on it; only one that sorts first by (line, pointer) replaces it (the
/// order `dedupe` keeps).
fn map_one(
    diags: &mut Vec<Diagnostic>,
    name: &str,
    ctx: &RunCtx,
    artifacts: Option<&Value>,
    r: RawResult,
    acc: &mut RunItems,
) {
    let prepared = prepare(name, ctx, artifacts, acc, r);
    add_prepared(diags, prepared, acc);
}

/// `true` (with a note) for a result that is not a finding: kind `pass` or `notApplicable`,
/// or baseline state `absent`.
fn not_a_finding(r: &RawResult, name: &str, diags: &mut Vec<Diagnostic>) -> bool {
    if !(matches!(r.kind.as_deref(), Some("pass" | "notApplicable")) || r.baseline.as_deref() == Some("absent")) {
        return false;
    }
    let why = r
        .kind
        .as_deref()
        .filter(|k| *k != "fail")
        .map_or_else(|| "baselineState `absent` (no longer present)".to_owned(), |k| format!("kind `{k}`"));
    diags.push(
        Diagnostic::note(codes::NOT_A_FINDING, name, format!("{}: {why} is not a finding; not ingested", r.pointer))
            .with_hint("only failing results become findings"),
    );
    true
}

/// SARIF §3.11: the text, else the rule's `messageStrings[message.id]`; `{0}`, `{1}` ... are
/// replaced by `message.arguments`; else the rule's description, else a generic text.
fn message_of(r: &RawResult, info: Option<&RuleInfo>, tool: &str, rule_id: Option<&str>) -> String {
    let from_id = r.message_id.as_deref().and_then(|id| info.and_then(|i| i.message_strings.get(id)));
    match (&r.message, from_id) {
        (Some(m), _) | (None, Some(m)) => expand_template(m, &r.message_args),
        _ => info.and_then(|i| i.text.clone()).unwrap_or_else(|| match rule_id {
            Some(id) => format!("{tool} reported {id}"),
            None => format!("{tool} reported a result"),
        }),
    }
}

/// The fingerprint of a result: the one secfw's own SARIF export carries, else computed
/// ([`fingerprint`]; without a rule, the tool, the location and the message).
fn identity(r: &RawResult, tool: &str, rule_id: Option<&str>, location: &str, message: &str) -> String {
    r.partial
        .iter()
        .chain(&r.fingerprints)
        .find(|(k, _)| k == "secfw/v1")
        .map(|(_, v)| v)
        .filter(|f| secfw_artifacts::is_fingerprint(f))
        .cloned()
        .unwrap_or_else(|| {
            if let Some(id) = rule_id {
                fingerprint(tool, id, location, r, message, false)
            } else {
                // No rule: the tool, the location and the message are the identity.
                let mut b = Builder::new();
                b.field().put("sarif");
                b.field().put(tool);
                b.field();
                b.field().put(location);
                b.field().put("message=").put_ws(message);
                b.finish()
            }
        })
}

/// What [`map_one`] derived before building the item.
struct Mapped {
    rule_id: Option<String>,
    location: String,
    message: String,
    /// The base the location is relative to (`uriBaseId`), part of the identity.
    uri_base: Option<String>,
    fingerprint: String,
    /// The fingerprints earlier releases gave the result: without its base, and before the
    /// blank-value rule ([`blank_alias`]).
    aliases: Vec<String>,
}

/// Severity and where it came from: `security-severity` (result, then rule) as a CVSS band,
/// else the level.
fn severity_of(sec_sev: Option<f64>, level: &str) -> (Severity, &'static str) {
    match sec_sev {
        Some(x) => (Severity::from_cvss(x), "security-severity"),
        None => (
            match level {
                "error" => Severity::High,
                "warning" => Severity::Medium,
                _ => Severity::Low,
            },
            "level",
        ),
    }
}

/// A result's severity, where it came from, and whether a rating that is there could not be
/// read: `security-severity` (the result's, else its rule's) as a CVSS band, else the level
/// (the result's, else its rule's default, else SARIF's default `warning`).
///
/// Two cases give no rating of the scanner's ([`crate::model::UNRATED`]), which never lowers
/// a finding:
/// - a score or level that is there cannot be read (the result's `properties` or score, the
///   rule's score or `defaultConfiguration.level`): the third value is `true`, and the caller
///   says so (`IN0107`);
/// - the result, its rule and its rule's configuration give neither a score nor a level: the
///   severity is SARIF's default, which the scanner did not choose (a producer that leaves
///   `level` out of one run never lowers the `error` of the run before).
fn rating(r: &RawResult, info: Option<&RuleInfo>) -> (Severity, &'static str, bool) {
    // Both scores are read within 0..=10 (`score_of`, `score_of_value`).
    let sec_sev = r.security_severity.or(info.and_then(|i| i.security_severity));
    let chosen = r.level.as_deref().or_else(|| info.and_then(|i| i.level.as_deref()));
    let (severity, source) = severity_of(sec_sev, chosen.unwrap_or("warning"));
    // The rule's score is consulted when the result has none; its level when the result has
    // neither a score nor a level.
    let own_score = r.security_severity.is_some();
    let rule_unreadable = info.is_some_and(|i| {
        (i.score_unreadable && !own_score) || (i.level_unreadable && r.level.is_none() && sec_sev.is_none())
    });
    if r.severity_unreadable || rule_unreadable {
        (severity, crate::model::UNRATED, true)
    } else if sec_sev.is_none() && chosen.is_none() {
        (severity, crate::model::UNRATED, false)
    } else {
        (severity, source, false)
    }
}

/// The finding of a result that is not a duplicate of one already mapped.
fn new_item(
    diags: &mut Vec<Diagnostic>,
    name: &str,
    ctx: &RunCtx,
    info: Option<&RuleInfo>,
    r: RawResult,
    m: Mapped,
) -> Item {
    let tool = ctx.tool.as_str();
    let Mapped { rule_id, location, uri_base, message, fingerprint, aliases } = m;
    let rule_sev = info.and_then(|i| i.security_severity);
    let level = r.level.as_deref().or_else(|| info.and_then(|i| i.level.as_deref())).unwrap_or("warning");
    let (severity, sev_source, unreadable) = rating(&r, info);
    if unreadable {
        diags.push(
            Diagnostic::note(
                codes::UNSCORED,
                name,
                format!(
                    "{}: its `security-severity` or `level` (the result's or its rule's) cannot be read; recorded as {severity}",
                    r.pointer
                ),
            )
            .with_hint("write `security-severity` as a CVSS score (\"7.5\"); a finding is never lowered by a severity secfw could not read"),
        );
    }
    let mut cwe: Vec<String> = info.map(|i| i.cwe.clone()).unwrap_or_default();
    cwe.extend(r.tags.iter().flat_map(|t| cwes_in(t)));
    cwe.extend(r.taxa_cwe.iter().cloned());
    let mut cve: Vec<String> = info.map(|i| i.cve.clone()).unwrap_or_default();
    cve.extend(r.tags.iter().filter(|t| is_advisory_id(t)).cloned());
    if let Some(id) = rule_id.as_deref() {
        cve.extend(advisory_ids_in(id));
    }
    // Tools with generic rules (cargo-deny's `vulnerability`) name the advisory in the message.
    cve.extend(advisory_ids_in(&message));
    let config_tag = r.tags.iter().any(|t| is_config_tag(t));
    let category = if ctx.iac || config_tag || info.is_some_and(|i| i.config) {
        Category::Configuration
    } else {
        Category::Vulnerability
    };
    let rule_label = rule_id.as_deref().unwrap_or("(no rule id)");
    let mut title = match info.and_then(|i| i.title.as_deref()) {
        Some(t) => t.to_owned(),
        None => chars_prefix(first_line_str(&message), 200).to_owned(),
    };
    // A generic rule title gets the advisory it is about.
    let cve = uniq(cve);
    if let Some(adv) = cve.first()
        && !cve.iter().any(|c| title.contains(c.as_str()))
    {
        title = format!("{adv}: {title}");
    }
    let recommended_action = match info.and_then(|i| i.action.as_deref()) {
        Some(a) => a.to_owned(),
        None => match info.and_then(|i| i.help_uri.as_deref()) {
            Some(u) => format!("Fix the {tool} finding `{rule_label}`; see {u}"),
            None => format!("Fix the {tool} finding `{rule_label}`"),
        },
    };
    // Sized exactly (an entry is 88 bytes; a million items held four each until merged).
    let help_uri = info.and_then(|i| i.help_uri.as_deref());
    let entries = 1
        + usize::from(uri_base.is_some())
        + usize::from(r.security_severity.or(rule_sev).is_some())
        + usize::from(help_uri.is_some())
        + usize::from(!r.suppressions.is_empty());
    let mut extra = Vec::with_capacity(entries);
    extra.push(("level".into(), Value::String(level.to_owned())));
    if let Some(b) = uri_base {
        extra.push(("uri_base_id".into(), Value::String(b)));
    }
    if let Some(x) = r.security_severity.or(rule_sev) {
        extra.push(("security_severity".into(), json!(x)));
    }
    if let Some(u) = help_uri {
        extra.push(("help_uri".into(), Value::String(u.to_owned())));
    }
    if !r.suppressions.is_empty() {
        extra.push(("suppressions".into(), suppressions(&r, rule_label, name, diags)));
    }
    Item {
        fingerprint,
        tool: tool.to_owned(),
        rule_id,
        title: if title.trim().is_empty() { "(untitled)".to_owned() } else { title },
        description: message,
        severity,
        severity_source: sev_source,
        category,
        cwe: uniq(cwe),
        cve,
        cvss: None,
        target: String::new(),
        location,
        line: r.line,
        resource_type: "file",
        recommended_action,
        pointer: r.pointer,
        occurrences: 1,
        extra,
        class: class::RULES,
        tags: Vec::new(),
        aliases,
    }
}

/// The result's suppressions as evidence; a note when the tool accepted one (ingested open).
fn suppressions(r: &RawResult, rule_label: &str, name: &str, diags: &mut Vec<Diagnostic>) -> Value {
    let sup: Vec<Value> = r
        .suppressions
        .iter()
        .map(|(k, st, j)| json!({"kind": k, "status": st.as_deref().unwrap_or("accepted"), "justification": j}))
        .collect();
    if r.suppressions.iter().any(|(_, st, _)| st.as_deref().is_none_or(|st| st == "accepted")) {
        diags.push(
            Diagnostic::note(
                codes::SUPPRESSED_IN_SOURCE,
                name,
                format!("{}: `{rule_label}` is suppressed by the tool; ingested as open", r.pointer),
            )
            .with_hint("secfw tracks accepted risk in exceptions.md: add an exception naming this finding"),
        );
    }
    Value::Array(sup)
}

/// Invocation health, target, and the scan record of a finished run.
fn finish_run(
    st: &mut State<'_>,
    idx: usize,
    ctx: &RunCtx,
    invocations: &Value,
    vcp: &Value,
    category: Option<String>,
    mut items: Vec<Item>,
) -> Scan {
    let tool = &ctx.tool;
    let target = st
        .opts
        .target
        .clone()
        .or_else(|| vcp.as_array().and_then(|v| v.first()).and_then(|p| sne(p, "repositoryUri")).map(str::to_owned))
        .unwrap_or_else(|| ".".to_owned());
    let unreadable = unreadable_health(idx, invocations);
    if let Some(why) = &unreadable {
        st.diags.push(
            Diagnostic::warning(
                codes::SETTINGS_UNREADABLE,
                st.name,
                format!("{why}: whether run {idx} ({tool}) succeeded is unknown, so it resolves no finding"),
            )
            .with_hint("ingest the log as the tool wrote it; SARIF requires `executionSuccessful` (a boolean) in every invocation"),
        );
    }
    let invocations = invocations.as_array().map_or(&[][..], Vec::as_slice);
    let failed = invocations.iter().any(|i| i.get("executionSuccessful").and_then(Value::as_bool) == Some(false));
    let error = failed.then(|| {
        let notes: Vec<&str> = invocations
            .iter()
            .flat_map(|i| arr(i, "toolExecutionNotifications"))
            .filter(|n| s(n, "level").is_none_or(|l| l == "error"))
            .filter_map(|n| n.get("message").and_then(|m| sne(m, "text")))
            .collect();
        let code = invocations.iter().find_map(|i| i.get("exitCode").and_then(Value::as_i64));
        let mut e = if notes.is_empty() { "executionSuccessful is false".to_owned() } else { notes.join("; ") };
        if let Some(c) = code {
            let _ = write!(e, " (exit code {c})");
        }
        e
    });
    if let Some(e) = &error {
        st.diags.push(
            Diagnostic::warning(codes::SCAN_FAILED, st.name, format!("run {idx} ({tool}) failed: {e}")).with_hint(
                "the scan is recorded as a failure; its targets count as unscanned and no finding is resolved by it",
            ),
        );
    }
    let first = invocations.first();
    // Sorted first (the run's target and category are the same for every item, so they do
    // not change what sorting keeps): each item's copy of them is then allocated in the order
    // the merge reads the items, not scattered in the order of the log.
    dedupe(&mut items);
    for it in &mut items {
        it.target.clone_from(&target);
        if let Some(c) = &category {
            it.extra.push(("sarif_category".into(), Value::String(c.clone())));
        }
    }
    let mut scopes = BTreeMap::new();
    if let Some(rules) = rule_set(ctx, &items) {
        scopes.insert(class::RULES, rules);
    }
    let (incomplete_at, whole) = notified_gaps(invocations);
    let mut incomplete = BTreeMap::new();
    if let Some(why) = unreadable {
        incomplete.insert(class::RULES, format!("{why}: whether the run succeeded is unknown"));
    }
    if let Some(why) = &ctx.rules_unreadable {
        st.diags.push(
            Diagnostic::warning(
                codes::SETTINGS_UNREADABLE,
                st.name,
                format!("{why}: which rules run {idx} ({tool}) ran is unknown, so it resolves no finding"),
            )
            .with_hint("ingest the log as the tool wrote it; SARIF's `rules` is an array of rule objects"),
        );
        incomplete.entry(class::RULES).or_insert_with(|| format!("{why}: which rules the run ran is unknown"));
    }
    if let Some(why) = whole {
        incomplete.entry(class::RULES).or_insert(why);
    }
    let mut scan = Scan::new(tool, vec![target], &[class::RULES], items);
    scan.tool_version.clone_from(&ctx.version);
    scan.started_at = instant(first.and_then(|i| s(i, "startTimeUtc")));
    scan.finished_at = instant(first.and_then(|i| s(i, "endTimeUtc")));
    scan.success = !failed;
    scan.error = error;
    scan.index = idx;
    scan.incomplete = incomplete;
    scan.scopes = scopes;
    scan.incomplete_at = incomplete_at;
    scan.category = category;
    scan
}

/// Where a run's health cannot be read (fail closed: such a run resolves nothing): `invocations`
/// that is neither an array nor `null`, an invocation that is not an object, or one whose
/// `executionSuccessful` (required by SARIF §3.20.14) is missing or not a boolean (`"false"`).
/// `None` when every invocation says, or there are none (a log without invocations says
/// nothing about its run either way, as many tools write it).
fn unreadable_health(idx: usize, invocations: &Value) -> Option<String> {
    let list = match invocations {
        Value::Null => return None,
        Value::Array(a) => a,
        _ => return Some(format!("/runs/{idx}/invocations is not an array")),
    };
    list.iter().enumerate().find_map(|(k, i)| {
        let at = format!("/runs/{idx}/invocations/{k}");
        if let Some((key, known)) =
            i.as_object().and_then(|o| o.keys().find_map(|key| other_case(key, &INVOCATION_KEYS).map(|k| (key, k))))
        {
            return Some(format!("{at}/{key} is SARIF's `{known}` written in another case"));
        }
        match i.get("executionSuccessful") {
            Some(Value::Bool(_)) => {}
            Some(_) => return Some(format!("{at}/executionSuccessful is not a boolean")),
            None if i.is_object() => return Some(format!("{at}/executionSuccessful is missing")),
            None => return Some(format!("{at} is not an object")),
        }
        // The notifications say what the run did not analyse: read as empty, a list of
        // another type or an entry that is not an object would hide it.
        ["toolExecutionNotifications", "toolConfigurationNotifications"].into_iter().find_map(|key| match i.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => a.iter().enumerate().find_map(|(j, n)| {
                if !n.is_object() {
                    Some(format!("{at}/{key}/{j} is not an object"))
                } else if n.get("message").is_some_and(|m| !m.is_object()) {
                    // A notification's message says what it is about: read as empty, it would
                    // be taken for advice.
                    Some(format!("{at}/{key}/{j}/message is not an object"))
                } else {
                    None
                }
            }),
            Some(_) => Some(format!("{at}/{key} is not an array")),
        })
    })
}

/// Where a run's rules cannot be read (fail closed: which rules the run covers is unknown, so
/// it resolves nothing): `tool.driver.rules` or an extension's `rules` that is neither an
/// array nor `null`, or a rule that is not an object. Read as empty, such a list would make
/// the run cover its tool's whole rule set.
fn unreadable_rules(idx: usize, tool_v: &Value) -> Option<String> {
    // A rule's `id` that is not a string would read as "declares no rule": the whole rule set.
    let check = |v: &Value, at: String| match v.get("rules") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => a.iter().enumerate().find_map(|(j, r)| match r.get("id") {
            _ if !r.is_object() => Some(format!("{at}/rules/{j} is not an object")),
            Some(id) if !id.is_string() => Some(format!("{at}/rules/{j}/id is not a string")),
            _ => None,
        }),
        Some(_) => Some(format!("{at}/rules is not an array")),
    };
    let driver = tool_v.get("driver").unwrap_or(&Value::Null);
    check(driver, format!("/runs/{idx}/tool/driver")).or_else(|| match tool_v.get("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => a.iter().enumerate().find_map(|(e, x)| {
            if x.is_object() {
                check(x, format!("/runs/{idx}/tool/extensions/{e}"))
            } else {
                Some(format!("/runs/{idx}/tool/extensions/{e} is not an object"))
            }
        }),
        Some(_) => Some(format!("/runs/{idx}/tool/extensions is not an array")),
    })
}

/// What a run's notifications (`invocations[].toolExecutionNotifications` and
/// `toolConfigurationNotifications`) say it did not analyse: the files named by an `error`
/// notification or by a `warning` that reports a file left unanalysed (Semgrep's
/// "Syntax error at line PATH:N:", "Timeout when running RULE on PATH:"), each with the
/// reason; and, for such a notification that names no file, the reason the whole run is
/// incomplete.
fn notified_gaps(invocations: &[Value]) -> (BTreeMap<String, String>, Option<String>) {
    let mut at = BTreeMap::new();
    let mut whole = None;
    for inv in invocations {
        for key in ["toolExecutionNotifications", "toolConfigurationNotifications"] {
            for n in arr(inv, key) {
                // SARIF's default notification level is `warning`. One of SARIF's four written
                // in another case (`Warning`, `ERROR`) is that level; anything else (`fatal`,
                // `null`, a number) is read as `error` (fail closed).
                let level = match n.get("level") {
                    None => "warning",
                    Some(Value::String(l)) => {
                        LEVELS.into_iter().find(|k| l.trim().eq_ignore_ascii_case(k)).unwrap_or("error")
                    }
                    Some(_) => "error",
                };
                let id = n.get("descriptor").and_then(|d| s(d, "id")).unwrap_or("");
                let text = n.get("message").and_then(|m| s(m, "text")).unwrap_or("");
                if !(level == "error" || (level == "warning" && leaves_files_unanalysed(id, text))) {
                    continue;
                }
                let mut why = format!(
                    "{level} notification{}: {}",
                    if id.is_empty() { String::new() } else { format!(" `{id}`") },
                    first_line(text)
                );
                crate::model::cap(&mut why, 300);
                let mut paths: Vec<String> = arr(n, "locations")
                    .iter()
                    .filter_map(|l| l.pointer("/physicalLocation/artifactLocation/uri").and_then(Value::as_str))
                    .map(|u| uri_path(u).0)
                    .filter(|p| !p.is_empty())
                    .collect();
                if paths.is_empty() {
                    paths.extend(path_in_message(text).map(|t| uri_path(t).0).filter(|p| !p.is_empty()));
                }
                if paths.is_empty() {
                    whole.get_or_insert(why);
                } else {
                    for p in paths {
                        at.entry(scope_key(&p)).or_insert_with(|| why.clone());
                    }
                }
            }
        }
    }
    (at, whole)
}

/// `true` for a warning that reports analysis left undone (a parse error, a timeout, a file
/// skipped), not merely advice.
fn leaves_files_unanalysed(id: &str, text: &str) -> bool {
    const MARKS: [&str; 36] = [
        "syntax error",
        "parse error",
        "parsing",
        "lexical error",
        "timeout",
        "timed out",
        "skipped",
        "skipping",
        "out of memory",
        "too many matches",
        // "Failed to parse …", "Could not analyze file", "unable to read …": the file was
        // left unanalysed whatever the wording.
        "to parse",
        "to read",
        "to analy",
        "not parse",
        "not read",
        "not analy",
        "permission denied",
        "no such file",
        "too large",
        "unreadable",
        "crash",
        "fatal",
        // Semgrep's error types and other tools' wordings of work left undone.
        "stack overflow",
        "ast builder",
        "missing plugin",
        "oom",
        "couldn't",
        "could not",
        "unable to",
        "cannot",
        "can't",
        "exceeds",
        "failed",
        "failure",
        "invalid utf",
        "ignored because",
    ];
    let (id, text) = (id.to_ascii_lowercase(), first_line(text).to_ascii_lowercase());
    MARKS.iter().any(|m| id.contains(m) || text.contains(m))
}

/// The file a notification's message names, as Semgrep writes it: "... at line PATH:N:" or
/// "... on PATH:".
fn path_in_message(text: &str) -> Option<&str> {
    let line = text.lines().next().unwrap_or("").trim_end();
    if let Some((_, rest)) = line.split_once(" at line ") {
        let b = rest.as_bytes();
        let end = (0..b.len()).find(|&i| b[i] == b':' && b.get(i + 1).is_some_and(u8::is_ascii_digit))?;
        return rest.get(..end).filter(|p| !p.trim().is_empty());
    }
    let (_, rest) = line.rsplit_once(" on ")?;
    rest.strip_suffix(':').map(str::trim).filter(|p| !p.is_empty() && !p.contains(' '))
}

/// The rule set a run covered: the rule ids it declares (`tool.driver.rules`,
/// `tool.extensions[].rules`) and those its results name. `None` when it declares no rule
/// with an id: the run then covers its tool's whole rule set (Gitleaks v7, some linters).
fn rule_set(ctx: &RunCtx, items: &[Item]) -> Option<BTreeSet<String>> {
    let declared = ctx.infos.iter().filter_map(|r| r.id.as_deref());
    declared.clone().next()?;
    // Sorted and de-duplicated as borrowed text first: a run of a million results names its
    // rules a million times, and inserting each into the tree one by one costs a walk of
    // scattered keys per result; a sorted list builds the tree in one pass. Each id is sorted
    // with its first eight bytes as a number, so most comparisons do not read the text.
    let mut ids: Vec<(u64, &str)> =
        declared.chain(items.iter().filter_map(|it| it.rule_id.as_deref())).map(|id| (prefix_key(id), id)).collect();
    ids.sort_unstable();
    ids.dedup();
    Some(ids.into_iter().map(|(_, id)| scope_key(id)).collect())
}

/// The first eight bytes of `s` as a big-endian number, zero-padded: `prefix_key(a) <
/// prefix_key(b)` implies `a < b`, and equal keys leave the order to the full text.
fn prefix_key(s: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = s.len().min(8);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    u64::from_be_bytes(b)
}

/// What tells two results of one rule in one file apart, without line numbers: the
/// producer's stable `fingerprints`, else its content-based partial fingerprints, else the
/// code snippet, else the message.
///
/// A fingerprint whose value is empty tells nothing apart (Gitleaks without git writes
/// `commitSha`, `email` … all empty) and is left out; with `keep_blank`, the identity the
/// releases before this rule gave ([`blank_alias`]).
fn fingerprint(tool: &str, rule_id: &str, location: &str, r: &RawResult, message: &str, keep_blank: bool) -> String {
    let mut b = Builder::new();
    b.field().put("sarif");
    b.field().put(tool);
    b.field().put(rule_id);
    b.field().put(location);
    b.field();
    let told = |(_, v): &&(String, String)| keep_blank || !v.trim().is_empty();
    let mut stable = r.fingerprints.iter().filter(told).peekable();
    if stable.peek().is_some() {
        put_pairs(&mut b, stable);
        return b.finish();
    }
    let mut partial = r.partial.iter().filter(told).filter(|(k, _)| {
        let k = k.to_ascii_lowercase();
        !(k.contains("column") || k.contains("startline") || k.ends_with("line"))
    });
    if let Some(first) = partial.next() {
        put_pairs(&mut b, std::iter::once(first).chain(partial));
        return b.finish();
    }
    match &r.snippet {
        Some(sn) => b.put("snippet=").put_ws(sn),
        None => b.put("message=").put_ws(message),
    };
    b.finish()
}

/// The fingerprint a release before the blank-value rule gave a result with a rule and a
/// fingerprint whose value is empty ([`fingerprint`]), when it differs: a live finding that
/// holds it takes the current one instead of staying open beside a new finding.
fn blank_alias(r: &RawResult, tool: &str, rule_id: Option<&str>, location: &str, message: &str) -> Option<String> {
    let id = rule_id?;
    // secfw's own fingerprint is the identity whatever the others hold.
    let all = || r.fingerprints.iter().chain(&r.partial);
    (!all().any(|(k, _)| k == "secfw/v1") && all().any(|(_, v)| v.trim().is_empty())).then_some(())?;
    let old = fingerprint(tool, id, location, r, message, true);
    (old != fingerprint(tool, id, location, r, message, false)).then_some(old)
}

/// `k=v;k=v...`
fn put_pairs<'a>(b: &mut Builder, pairs: impl Iterator<Item = &'a (String, String)>) {
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            b.put(";");
        }
        b.put(k).put("=").put(v);
    }
}

/// The first paragraph of a rule's help, at most 300 characters: a recommended action, not
/// the whole help page (which would be copied into every finding of the rule).
fn short_action(help: &str) -> String {
    let para = help.trim().split("\n\n").next().unwrap_or("").trim();
    let mut out: String = para.chars().take(300).collect();
    if para.chars().count() > 300 {
        out.push('…');
    }
    out
}

/// Advisory ids (CVE, GHSA, RUSTSEC, ...) named in a text or URL.
fn advisory_ids_in(text: &str) -> Vec<String> {
    if !text.contains('-') {
        return Vec::new();
    }
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .map(|t| t.trim_matches('-'))
        .filter(|t| is_advisory_id(t))
        .map(str::to_owned)
        .collect()
}

/// Expand a SARIF message template: `{N}` is replaced by `args[N]`, `{{` and `}}` are literal
/// braces; a placeholder without its argument is kept as written.
fn expand_template(template: &str, args: &[String]) -> String {
    if !template.contains(['{', '}']) {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((literal, after)) = rest.split_once(['{', '}']) {
        out.push_str(literal);
        let brace = if rest.as_bytes().get(literal.len()) == Some(&b'{') { '{' } else { '}' };
        if let Some(after_pair) = after.strip_prefix(brace) {
            out.push(brace);
            rest = after_pair;
            continue;
        }
        if brace == '{'
            && let Some((index, after_close)) = after.split_once('}')
            && let Ok(n) = index.parse::<usize>()
            && let Some(a) = args.get(n)
        {
            out.push_str(a);
            rest = after_close;
            continue;
        }
        out.push(brace);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// [`text`], taking the string out of the field (no copy when it needs no trimming).
fn take_text(l: &mut Option<Loose>) -> Option<String> {
    let Some(Loose::Str(s)) = l else { return None };
    let t = s.trim();
    if t.is_empty() {
        None
    } else if t.len() == s.len() {
        Some(std::mem::take(s))
    } else {
        Some(t.to_owned())
    }
}

fn first_line(s: &str) -> String {
    first_line_str(s).to_owned()
}

/// The first non-blank line, trimmed.
fn first_line_str(s: &str) -> &str {
    s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
}

/// The first `n` characters of `s` (all of it when shorter).
fn chars_prefix(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).and_then(|(i, _)| s.get(..i)).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    thread_local! {
        /// Map every batch on this thread (the sequential reference of the tests).
        pub(super) static ONE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// A SARIF log of `results`: (rule, file, line, kind, suppressed) each.
    fn log_of(results: &[(u8, u8, u16, u8, bool)]) -> Vec<u8> {
        let rs: Vec<Value> = results
            .iter()
            .map(|&(rule, file, line, kind, suppressed)| {
                let mut r = json!({
                    "ruleId": format!("R{rule}"),
                    "message": {"text": format!("issue in f{file}")},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("src/f{file}.c")},
                        "region": {"startLine": line}}}]
                });
                match kind {
                    0 => r["kind"] = json!("pass"),
                    1 => r["baselineState"] = json!("absent"),
                    _ => {}
                }
                if suppressed {
                    r["suppressions"] = json!([{"kind": "external", "status": "accepted", "justification": "ok"}]);
                }
                r
            })
            .collect();
        let log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": [{"id": "R1", "shortDescription": {"text": "One"}}]}},
            "results": rs}]});
        serde_json::to_vec(&log).unwrap_or_default()
    }

    fn parse_with(one_thread: bool, bytes: &[u8]) -> (Vec<Scan>, Vec<Diagnostic>) {
        ONE_THREAD.set(one_thread);
        let r = parse_bytes(bytes, "r.sarif", &ParseOptions::default());
        ONE_THREAD.set(false);
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Results mapped in parallel batches give the items, counts and notes that mapping
        /// them one by one gives: duplicates before, inside and across batches, a duplicate
        /// that sorts first replacing the kept one, results that are not findings, notes of
        /// accepted suppressions.
        #[test]
        fn batches_mapped_in_parallel_give_what_one_by_one_gives(
            results in prop::collection::vec((0u8..4, 0u8..40, 1u16..6, 0u8..12, prop::bool::weighted(0.05)), 0..5000),
        ) {
            let bytes = log_of(&results);
            let (scans, diags) = parse_with(false, &bytes);
            let (want_scans, want_diags) = parse_with(true, &bytes);
            prop_assert_eq!(diags, want_diags);
            prop_assert_eq!(scans.len(), want_scans.len());
            for (a, b) in scans.iter().zip(&want_scans) {
                prop_assert_eq!(a.items.len(), b.items.len());
                for (x, y) in a.items.iter().zip(&b.items) {
                    prop_assert_eq!((&x.fingerprint, &x.pointer, x.line, x.occurrences), (&y.fingerprint, &y.pointer, y.line, y.occurrences));
                    prop_assert_eq!(&x.extra, &y.extra);
                }
            }
        }
    }

    proptest! {
        /// A rule id's eight-byte key orders as its text does whenever two keys differ, and
        /// equal texts have equal keys (short ids, NUL bytes, ids sharing a long prefix,
        /// multi-byte characters).
        #[test]
        fn rule_id_keys_order_as_the_text(
            a in "(R|[\\x00-\\x02]|é|CWE-|javascript/){0,6}[0-9]{0,3}",
            b in "(R|[\\x00-\\x02]|é|CWE-|javascript/){0,6}[0-9]{0,3}",
        ) {
            let (ka, kb) = (prefix_key(&a), prefix_key(&b));
            if ka != kb {
                prop_assert_eq!(ka < kb, a < b, "{:?} {:?}", a, b);
            }
            let same_text: String = a.chars().collect();
            prop_assert_eq!(prefix_key(&same_text), ka);
        }
    }

    /// An item with nothing in it but what a test sets.
    fn new_item_for_tests() -> Item {
        Item {
            fingerprint: String::new(),
            tool: "t".to_owned(),
            rule_id: None,
            title: String::new(),
            description: String::new(),
            severity: Severity::Low,
            severity_source: crate::model::UNRATED,
            category: Category::Vulnerability,
            cwe: Vec::new(),
            cve: Vec::new(),
            cvss: None,
            target: String::new(),
            location: String::new(),
            line: None,
            resource_type: "file",
            recommended_action: String::new(),
            pointer: String::new(),
            occurrences: 1,
            extra: Vec::new(),
            class: class::RULES,
            tags: Vec::new(),
            aliases: Vec::new(),
        }
    }

    #[test]
    fn a_run_is_given_room_for_its_share_of_distinct_items() {
        let item = |i: usize| {
            let mut it = new_item_for_tests();
            it.fingerprint = format!("secfw/v1:{i:064x}");
            it
        };
        // 100 results added so far, 10 distinct: room for 100 of 1,000 results.
        let mut run = RunItems::default();
        for i in 0..10 {
            assert!(run.add(item(i)));
        }
        run.reserve_for(1000, 100);
        assert!((100..1000).contains(&run.items.capacity()), "{}", run.items.capacity());
        // Every result distinct: room for all; none added yet, or fewer room than held: none.
        let mut run = RunItems::default();
        for i in 0..10 {
            run.add(item(i));
        }
        run.reserve_for(1000, 10);
        assert!(run.items.capacity() >= 1000);
        let mut empty = RunItems::default();
        empty.reserve_for(1000, 0);
        assert_eq!(empty.items.capacity(), 0, "no distinct item seen: no room given");
    }

    #[test]
    fn a_report_of_many_results_is_mapped_in_parallel_batches_like_one_by_one() {
        // 3 batches and a part; every result twice, the second copy first in the file for
        // half of them (it replaces the kept one), plus results that are not findings.
        let mut results = Vec::new();
        for i in 0..3500u32 {
            let (rule, file) = ((i % 4) as u8, (i % 200) as u8);
            results.push((rule, file, 3, if i % 97 == 0 { 0 } else { 5 }, i % 501 == 0));
            results.push((rule, file, if i % 2 == 0 { 2 } else { 4 }, 5, false));
        }
        let bytes = log_of(&results);
        let (scans, diags) = parse_with(false, &bytes);
        let (want_scans, want_diags) = parse_with(true, &bytes);
        assert_eq!(diags, want_diags);
        let key = |s: &[Scan]| -> Vec<(String, String, Option<u64>, u32)> {
            s[0].items.iter().map(|x| (x.fingerprint.clone(), x.pointer.clone(), x.line, x.occurrences)).collect()
        };
        assert_eq!(key(&scans), key(&want_scans));
        assert_eq!(scans[0].items.iter().map(|x| u64::from(x.occurrences)).sum::<u64>(), 7000 - 37);
        assert!(diags.iter().any(|d| d.code == codes::NOT_A_FINDING));
    }

    #[test]
    fn a_report_parsed_inside_rayons_pool_is_mapped_without_waiting_for_itself() {
        // A library user parsing from a rayon job (a `par_iter` over reports): a worker
        // queued behind the thread that waits for it would never start. Parsed in pools of
        // one and two threads, the report gives what one by one gives, and the call returns.
        let results: Vec<_> =
            (0..5000u16).map(|i| ((i % 4) as u8, (i % 200) as u8, i % 5 + 1, 5, i % 700 == 0)).collect();
        let bytes = log_of(&results);
        let key = |(s, d): (Vec<Scan>, Vec<Diagnostic>)| {
            let items: Vec<_> =
                s[0].items.iter().map(|x| (x.fingerprint.clone(), x.pointer.clone(), x.occurrences)).collect();
            (items, d)
        };
        let want = key(parse_with(true, &bytes));
        let bytes = std::sync::Arc::new(bytes);
        for threads in [1, 2] {
            // On a thread of its own, so that a deadlock fails the test instead of hanging it.
            let (tx, rx) = std::sync::mpsc::channel();
            let b = bytes.clone();
            std::thread::spawn(move || {
                let pool =
                    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap_or_else(|e| panic!("{e}"));
                let _ = tx.send(pool.install(|| key(parse_with(false, &b))));
            });
            let got = rx.recv_timeout(std::time::Duration::from_secs(120));
            assert_eq!(
                got.ok().as_ref(),
                Some(&want),
                "{threads} threads: no result in 2 minutes (a deadlock) or another one"
            );
        }
    }

    #[test]
    fn a_prefix_of_characters_is_what_taking_characters_gives() {
        for s in ["", "abc", "é😀x", &"ü".repeat(300)] {
            for n in [0, 1, 2, 3, 200] {
                assert_eq!(chars_prefix(s, n), s.chars().take(n).collect::<String>());
            }
        }
    }

    #[test]
    fn message_templates_with_multibyte_text_expand_around_the_braces() {
        let args = ["Ä".to_owned(), "b".to_owned()];
        assert_eq!(expand_template("é{0}€{{ü}}{1}😀{x}{9}{", &args), "éÄ€{ü}b😀{x}{9}{");
        assert_eq!(expand_template("}é{", &args), "}é{");
        assert_eq!(expand_template("{€}}", &args), "{€}");
        assert_eq!(expand_template("plain ü", &args), "plain ü");
    }
}
