//! Writing the generated workspace: small artifacts through the artifacts crate's renderers,
//! the ledger streamed in chunks, evidence files in parallel.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use secfw_artifacts::file_names;
use secfw_artifacts::model::findings::{Finding, FindingsMetadata};
use secfw_artifacts::model::inventory::{Inventory, Resource};
use secfw_artifacts::model::rulebook::{Approvers, Rulebook};
use secfw_artifacts::write_atomic;
use secfw_artifacts::{Control, Policy, PolicyMap, PolicyMapMetadata};
use secfw_artifacts::{Date, LifecycleState, Severity, Timestamp};
use secfw_artifacts::{Exception, ExceptionRegistry};
use secfw_artifacts::{SPEC_REQUIRED_SECTIONS, SpecFrontMatter, SpecStatus};
use serde::Serialize;

use crate::plan::{Plan, TAGS, TOOLS};
use crate::rng::SplitMix64;
use crate::{Counts, Error, FileStat, LedgerSyntax, Options, Stats};

/// Findings serialized per chunk: bounds memory while keeping the serializer's output.
const CHUNK: u64 = 1_000;
const S_EVIDENCE: u64 = 10;
const KIB: u64 = 1024;

pub(crate) const SECURITY_TEAM: &str = "alice.security";
pub(crate) const RISK_COMMITTEE: &str = "rita.risk";
pub(crate) const CISO: &str = "carol.ciso";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

fn check(c: &Counts) -> Result<(), Error> {
    if c.policies == 0 {
        return Err(Error::InvalidSize("a workspace needs at least one policy".into()));
    }
    if c.resources == 0 && (c.findings > 0 || c.exceptions > 0) {
        return Err(Error::InvalidSize("findings and exceptions need at least one resource".into()));
    }
    if c.findings > 99_999_999 || c.resources > 9_999_999 {
        return Err(Error::InvalidSize("at most 99,999,999 findings and 9,999,999 resources".into()));
    }
    Ok(())
}

/// Evidence file names and sizes: 16 KiB .. ~500 KiB each (about 256 KiB on average), summing
/// to exactly `total`; every fourth file is a text log, the others binary.
fn evidence_layout(seed: u64, total: u64) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut g = SplitMix64::for_item(seed, S_EVIDENCE, u64::MAX);
    let mut left = total;
    while left > 0 {
        let size = (16 * KIB + g.below(480 * KIB)).min(left);
        let n = out.len() + 1;
        let ext = if n % 4 == 0 { "log" } else { "bin" };
        out.push((format!("evidence/ev-{n:05}.{ext}"), size));
        left -= size;
    }
    out
}

fn write_evidence(dir: &Path, seed: u64, index: usize, name: &str, size: u64) -> Result<(), Error> {
    let path = dir.join(name);
    let file = fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(io(&path))?;
    let mut w = BufWriter::with_capacity(256 * 1024, file);
    let mut g = SplitMix64::for_item(seed, S_EVIDENCE, index as u64);
    let text = Path::new(name).extension().is_some_and(|e| e == "log");
    let mut buf = vec![0u8; 64 * 1024];
    let mut left = size;
    while left > 0 {
        let n = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        if text {
            // Lines of 63 hex digits and a newline.
            for (j, b) in buf[..n].iter_mut().enumerate() {
                *b = if j % 64 == 63 { b'\n' } else { b"0123456789abcdef"[usize::try_from(g.below(16)).unwrap_or(0)] };
            }
        } else {
            g.fill(&mut buf[..n]);
        }
        w.write_all(&buf[..n]).map_err(io(&path))?;
        left -= n as u64;
    }
    w.flush().map_err(io(&path))?;
    w.get_ref().sync_all().map_err(io(&path))
}

pub(crate) fn generate(dir: &Path, opts: &Options) -> Result<Stats, Error> {
    let counts = opts.size.counts();
    check(&counts)?;
    fs::create_dir_all(dir).map_err(io(dir))?;
    for name in file_names::ALL {
        let p = dir.join(name);
        if fs::symlink_metadata(&p).is_ok() {
            return Err(Error::Exists(p));
        }
    }
    let layout = evidence_layout(opts.seed, counts.evidence_bytes);
    if !layout.is_empty() {
        let ev = dir.join("evidence");
        fs::create_dir_all(&ev).map_err(io(&ev))?;
        for (name, _) in &layout {
            let p = dir.join(name);
            if fs::symlink_metadata(&p).is_ok() {
                return Err(Error::Exists(p));
            }
        }
    }
    let plan = Plan::new(counts, opts.seed, opts.as_of, layout.iter().map(|(n, _)| n.clone()).collect());

    layout.par_iter().enumerate().try_for_each(|(i, (name, size))| write_evidence(dir, opts.seed, i, name, *size))?;

    write_atomic(&dir.join(file_names::RULEBOOK), rulebook(&plan)?.as_bytes())?;
    write_atomic(&dir.join(file_names::INVENTORY), inventory(&plan)?.as_bytes())?;
    write_atomic(&dir.join(file_names::POLICY_MAP), secfw_artifacts::render_policy_map(&policy_map(&plan)).as_bytes())?;
    write_atomic(&dir.join(file_names::EXCEPTIONS), secfw_artifacts::render_exceptions(&registry(&plan)).as_bytes())?;
    write_atomic(&dir.join(file_names::SECURITY_SPEC), security_spec(&plan)?.as_bytes())?;

    // The ledger: streamed into a temporary file beside it, synced, then renamed into place.
    let target = dir.join(file_names::FINDINGS);
    let tmp = dir.join(format!(".{}.workgen-tmp", file_names::FINDINGS));
    let file = fs::OpenOptions::new().write(true).create(true).truncate(true).open(&tmp).map_err(io(&tmp))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let result = ledger(&plan, opts.ledger, &mut w).and_then(|()| {
        w.flush().map_err(io(&tmp))?;
        w.get_ref().sync_all().map_err(io(&tmp))
    });
    drop(w);
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, &target).map_err(io(&target))?;

    let mut stats = Stats { counts, excepted_findings: plan.excepted, scans: 0, files: Vec::new() };
    stats.scans = plan.tool_targets.iter().map(|t| t.len().div_ceil(crate::plan::SCAN_BATCH) as u64).sum();
    let mut names: Vec<String> = file_names::ALL.iter().map(|s| (*s).to_owned()).collect();
    names.extend(layout.into_iter().map(|(n, _)| n));
    for name in names {
        let p: PathBuf = dir.join(&name);
        let bytes = fs::metadata(&p).map_err(io(&p))?.len();
        stats.files.push(FileStat { path: name, bytes });
    }
    stats.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(stats)
}

/// Write only the findings ledger (`sec_findings.yaml`) of a workspace to `w`, as
/// [`generate_with`](crate::generate_with) would; returns the bytes written.
///
/// Useful for benchmarks that parse from memory.
pub fn write_ledger<W: Write>(w: W, opts: &Options) -> Result<u64, Error> {
    let counts = opts.size.counts();
    check(&counts)?;
    let layout = evidence_layout(opts.seed, counts.evidence_bytes);
    let plan = Plan::new(counts, opts.seed, opts.as_of, layout.into_iter().map(|(n, _)| n).collect());
    let mut cw = CountingWriter { inner: w, bytes: 0 };
    ledger(&plan, opts.ledger, &mut cw)?;
    cw.flush().map_err(io(Path::new(file_names::FINDINGS)))?;
    Ok(cw.bytes)
}

struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[derive(Serialize)]
struct LedgerHead {
    version: &'static str,
    metadata: FindingsMetadata,
}

fn ledger<W: Write>(plan: &Plan, syntax: LedgerSyntax, w: &mut W) -> Result<(), Error> {
    let name = Path::new(file_names::FINDINGS);
    let head = LedgerHead {
        version: "1.0",
        metadata: FindingsMetadata {
            scan_id: format!("cycle-{}", plan.as_of.format("%Y-%m-%d")),
            timestamp: Timestamp::DateTime(plan.as_of),
            lifecycle_state: LifecycleState::Planned,
            tags: TAGS.iter().map(|(t, _)| (*t).to_owned()).collect(),
            project: Some(project(plan)),
            intel: None,
        },
    };
    let n = plan.counts.findings;
    let scans = plan.scans();
    match syntax {
        LedgerSyntax::Yaml => {
            w.write_all(secfw_artifacts::yaml::to_string(&head)?.as_bytes()).map_err(io(name))?;
            if n == 0 {
                w.write_all(b"findings: []\n").map_err(io(name))?;
            } else {
                w.write_all(b"findings:\n").map_err(io(name))?;
            }
            let mut start = 0;
            while start < n {
                let end = (start + CHUNK).min(n);
                let chunk: Vec<Finding> = (start..end).map(|i| plan.finding(i)).collect();
                w.write_all(secfw_artifacts::yaml::to_string(&chunk)?.as_bytes()).map_err(io(name))?;
                start = end;
            }
            if !scans.is_empty() {
                w.write_all(b"scans:\n").map_err(io(name))?;
                w.write_all(secfw_artifacts::yaml::to_string(&scans)?.as_bytes()).map_err(io(name))?;
            }
        }
        LedgerSyntax::Json => {
            w.write_all(b"{\"version\":\"1.0\",\"metadata\":").map_err(io(name))?;
            json(w, &head.metadata)?;
            w.write_all(b",\"findings\":[").map_err(io(name))?;
            for i in 0..n {
                w.write_all(if i == 0 { b"\n" } else { b",\n" }).map_err(io(name))?;
                json(w, &plan.finding(i))?;
            }
            w.write_all(b"\n]").map_err(io(name))?;
            if !scans.is_empty() {
                w.write_all(b",\"scans\":").map_err(io(name))?;
                json(w, &scans)?;
            }
            w.write_all(b"}\n").map_err(io(name))?;
        }
    }
    Ok(())
}

fn json<W: Write, T: Serialize>(w: &mut W, value: &T) -> Result<(), Error> {
    serde_json::to_writer(w, value).map_err(|e| Error::Io { path: file_names::FINDINGS.into(), source: e.into() })
}

fn project(plan: &Plan) -> String {
    format!("workgen-{}", plan.seed)
}

fn date(plan: &Plan, days_before: i64) -> Date {
    Date((plan.as_of - chrono::Duration::days(days_before)).date_naive())
}

fn rulebook(plan: &Plan) -> Result<String, Error> {
    let mut rb = Rulebook::with_defaults("1.0.0");
    rb.project = Some(project(plan));
    rb.exceptions.approvers = Approvers {
        security_team: vec![SECURITY_TEAM.to_owned()],
        risk_committee: vec![RISK_COMMITTEE.to_owned()],
        ciso: vec![CISO.to_owned()],
    };
    let mut s = String::from("# Generated by secfw-workgen: rules, thresholds and SLAs of this workspace.\n");
    s.push_str(&secfw_artifacts::yaml::to_string(&rb)?);
    Ok(s)
}

fn inventory(plan: &Plan) -> Result<String, Error> {
    let resources = plan
        .resources
        .iter()
        .enumerate()
        .map(|(r, rp)| {
            let r = u32::try_from(r).unwrap_or(u32::MAX);
            let mut tags: Vec<String> = Vec::new();
            for &p in &rp.policies {
                for t in Plan::policy_tags(p) {
                    if !tags.iter().any(|x| x == t) {
                        tags.push(t.to_owned());
                    }
                }
            }
            Resource {
                id: plan.resource_id(r),
                kind: rp.kind.to_owned(),
                owner: format!("team-{:02}", rp.owner),
                environment: Some(rp.env.to_owned()),
                tags,
                expected_scanners: rp.tools.iter().map(|&t| TOOLS[t].to_owned()).collect(),
                policies: rp.policies.iter().map(|&p| plan.policy_id(p)).collect(),
                description: None,
            }
        })
        .collect();
    let inv = Inventory { version: "1.0".to_owned(), resources };
    let mut s = String::from("# Generated by secfw-workgen: systems and resources in scope.\n");
    s.push_str(&secfw_artifacts::yaml::to_string(&inv)?);
    Ok(s)
}

fn policy_map(plan: &Plan) -> PolicyMap {
    let policies = (0..plan.counts.policies)
        .map(|p| {
            let severity = Severity::ALL[p as usize % 4];
            let mut pol = Policy::new(
                plan.policy_id(p),
                Plan::policy_title(p),
                severity,
                "All production and staging systems in inventory.yaml",
            );
            let tags = Plan::policy_tags(p);
            pol.standards = Plan::standards_of(&tags);
            pol.tags = tags.iter().map(|t| (*t).to_owned()).collect();
            pol.owner = Some(format!("team-{:02}", p % 20));
            pol.controls = plan
                .controls_of(p)
                .map(|c| {
                    Control::new(
                        plan.control_id(c),
                        format!("Control {} of {}: enforced and evidenced every cycle", c + 1, Plan::policy_title(p)),
                    )
                })
                .collect();
            pol.validation = vec![format!("Automated check by {} each cycle", TOOLS[p as usize % TOOLS.len()])];
            pol
        })
        .collect();
    let mut metadata = PolicyMapMetadata::default();
    metadata.version = Some("1.0.0".to_owned());
    metadata.last_updated = Some(date(plan, 0).to_string());
    metadata.state = Some(LifecycleState::Planned);
    PolicyMap::new(metadata, policies)
}

fn registry(plan: &Plan) -> ExceptionRegistry {
    let exceptions = (0..plan.counts.exceptions)
        .map(|e| {
            let ids: Vec<u64> = plan.findings_of(e).collect();
            let severity = ids.iter().map(|&i| plan.severity_of(i)).min().unwrap_or(Severity::Low);
            let approved = date(plan, 10 + i64::from(e % 60));
            let valid_until = Date(approved.0 + chrono::Duration::days(90 + i64::from(e % 90)));
            let policy = plan.exception_policy(e);
            let mut x = Exception::new(
                plan.exception_id(e),
                format!("Deferred remediation for {}", Plan::policy_title(policy)),
                plan.policy_id(policy),
                format!("team-{:02}", e % 20),
                vec![SECURITY_TEAM.to_owned(), RISK_COMMITTEE.to_owned()],
                valid_until,
            );
            x.approved_on = Some(approved);
            x.severity = Some(severity);
            x.findings = ids.iter().map(|&i| plan.finding_id(i)).collect();
            x.justification = Some("The fix needs a platform upgrade scheduled for next quarter.".to_owned());
            x.risk_assessment = Some("Exploitation requires internal network access; impact limited.".to_owned());
            x.risk_mitigation =
                vec!["Network isolation of the affected resource".to_owned(), "Weekly log review".to_owned()];
            x.conditions = vec!["Revoked if the resource becomes internet-facing".to_owned()];
            x
        })
        .collect();
    ExceptionRegistry::new(exceptions)
}

fn security_spec(plan: &Plan) -> Result<String, Error> {
    let mut fm = SpecFrontMatter::new(
        "security-and-compliance",
        format!("Security & Compliance Specification of {}", project(plan)),
        "security-team",
        SpecStatus::Approved,
        date(plan, 0).to_string(),
    );
    fm.applicability = vec!["web".to_owned(), "mobile".to_owned()];
    let c = plan.counts;
    let mut s = String::from("---\n");
    s.push_str(&secfw_artifacts::yaml::to_string(&fm)?);
    s.push_str("---\n\n# Security & Compliance Specification\n");
    for (i, title) in SPEC_REQUIRED_SECTIONS.iter().enumerate() {
        let _ = write!(s, "\n## {title}\n");
        let body = match i {
            0 => format!(
                "This generated workspace protects {} resources under {} policies and {} controls.\n",
                c.resources, c.policies, c.controls
            ),
            1 => "- Production and staging systems listed in inventory.yaml.\n- Attackers are assumed to reach public endpoints.\n".to_owned(),
            2 => "- Personal, financial and health data are encrypted and retained per policy.\n- Mapped to GDPR, PCI-DSS, HIPAA and SOC 2 controls.\n".to_owned(),
            3 => "- STRIDE per service; data flow diagrams are kept beside the code.\n".to_owned(),
            4 => "- SSO with MFA for people, workload identity for services, RBAC enforced at the gateway.\n".to_owned(),
            5 => "- TLS 1.2 or later in transit, AES-256 at rest with KMS key rotation.\n".to_owned(),
            6 => "- SAST, dependency and secret scanning on every change.\n".to_owned(),
            7 => "- Network segmentation, hardened base images, monthly patching.\n".to_owned(),
            8 => "- Evidence under evidence/ is sealed into every handoff manifest.\n".to_owned(),
            9 => "- Audit logs are retained for one year and routed to the SIEM.\n".to_owned(),
            10 => "- Remediation SLAs: critical 7 days, high 30, medium 90, low 120.\n".to_owned(),
            11 => "- Vendors are reviewed yearly.\n".to_owned(),
            12 => format!("- {} active exceptions are listed in exceptions.md.\n", c.exceptions),
            _ => "- policy_map.md, exceptions.md, rulebook.yaml.\n".to_owned(),
        };
        s.push_str(&body);
    }
    Ok(s)
}
