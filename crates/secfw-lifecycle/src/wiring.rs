//! The standard implementations of the capability criteria, using the crates that provide
//! them: [`SealWiring`] (PACKAGED, EXECUTED) through `secfw-seal`, [`DigestWiring`] (IMPROVE)
//! through `secfw-digest`, and [`LedgerScans`] for "scan results ingested".
//!
//! Embedding tools get the same behaviour as the CLI with [`Standard::checks`].

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use secfw_artifacts::LifecycleState;

use crate::checks::{CheckContext, CheckOutcome, Checks, IngestCheck, LedgerScans, ReportCheck, SealCheck};

/// Seal criteria: the handoff manifest verifies against the trust policy (PACKAGED); the
/// package of the seal recorded when the cycle entered PACKAGED verifies (EXECUTED).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SealWiring {
    /// Trust policy (JSON). Without one, both criteria are refused with the reason.
    pub trust: Option<PathBuf>,
    /// Require the manifest's git binding.
    pub require_git: bool,
    /// Digests and package verifications earlier steps of this process established, reused
    /// only for files whose identity is unchanged; and the count of what was hashed.
    pub memo: SealMemo,
}

/// What the seal steps of one process know and did, shared between the cycle's own steps and
/// the criteria it evaluates (see [`secfw_seal::KnownDigests`]).
#[derive(Clone, Debug, Default)]
pub struct SealMemo(Arc<Mutex<Memo>>);

#[derive(Debug, Default)]
struct Memo {
    known: secfw_seal::KnownDigests,
    stats: secfw_seal::HashStats,
}

impl SealMemo {
    /// A snapshot of what is known, for [`secfw_seal::VerifyOptions::known`].
    pub fn known(&self) -> Arc<secfw_seal::KnownDigests> {
        Arc::new(self.0.lock().unwrap_or_else(PoisonError::into_inner).known.clone())
    }

    /// Record what a step established and hashed.
    pub fn record(&self, known: &secfw_seal::KnownDigests, stats: &secfw_seal::HashStats) {
        let mut m = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        m.known.merge(known);
        m.stats.add(stats);
    }

    /// Everything hashed and reused so far.
    pub fn stats(&self) -> secfw_seal::HashStats {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).stats
    }
}

impl SealWiring {
    /// Seal criteria against this trust policy (or none: then they are refused), with an
    /// empty memo.
    pub fn new(trust: Option<PathBuf>, require_git: bool) -> Self {
        Self { trust, require_git, memo: SealMemo::default() }
    }

    /// The trust policy: given explicitly, read without blocking, and outside the workspace
    /// being checked (a policy inside it is what an attacker who controls it would plant).
    fn trust(&self, what: &str, cx: &CheckContext<'_>) -> Result<secfw_seal::TrustPolicy, CheckOutcome> {
        let Some(path) = &self.trust else {
            return Err(CheckOutcome::unmet(format!(
                "cannot check that {what}: pass --trust TRUST_POLICY.json so the handoff manifest's signatures can be verified"
            )));
        };
        secfw_seal::load_pinned_anchor(Some(path), cx.root, None, cx.now, Some(cx.root))
            .map(|a| a.policy)
            .map_err(|e| CheckOutcome::unmet(format!("cannot use the trust policy {}: {e}", path.display())))
    }

    fn failed(report: &secfw_seal::VerifyReport) -> CheckOutcome {
        let diags: Vec<String> = report.diagnostics().iter().take(5).map(ToString::to_string).collect();
        CheckOutcome::unmet(format!(
            "seal verification failed ({}):\n{}",
            report.failed_names().join(", "),
            diags.join("\n")
        ))
    }

    fn verify_options(&self, cx: &CheckContext<'_>) -> secfw_seal::VerifyOptions {
        secfw_seal::VerifyOptions::new(cx.now).require_git(self.require_git).known(self.memo.known())
    }
}

impl SealCheck for SealWiring {
    fn sealed(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        let what = "the manifest is sealed and signed";
        let trust = match self.trust(what, cx) {
            Ok(t) => t,
            Err(o) => return o,
        };
        let manifest = cx.root.join(secfw_seal::names::MANIFEST);
        if !manifest.is_file() {
            return CheckOutcome::unmet(format!(
                "{} is missing: run `secfw generate-manifest` and `secfw sign-manifest`",
                secfw_seal::names::MANIFEST
            ));
        }
        let report = secfw_seal::verify_manifest(&manifest, &trust, &self.verify_options(cx));
        self.memo.record(&report.known, &report.stats);
        if report.passed() {
            CheckOutcome::Met {
                detail: format!("{what}: every seal check passed ({} trusted key(s))", report.accepted_keyids.len()),
                seal: report.seal,
            }
        } else {
            Self::failed(&report)
        }
    }

    /// The live ledger changes with ingest; the package does not, so EXECUTED verifies the
    /// package whose seal was recorded when the cycle entered PACKAGED.
    fn verified(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        let trust = match self.trust("the package verifies", cx) {
            Ok(t) => t,
            Err(o) => return o,
        };
        let Some(sealed) = sealed_this_cycle(cx) else {
            return CheckOutcome::unmet("no seal was recorded when this cycle entered PACKAGED");
        };
        let opts = self.verify_options(cx);
        let mut last_failure = None;
        for p in secfw_seal::list_packages(cx.root).iter().rev() {
            let verified = secfw_seal::verify_package(p, &trust, &opts);
            if let Ok(r) = &verified {
                self.memo.record(&r.known, &r.stats);
            }
            match verified {
                Ok(r) if r.passed() && r.seal == Some(sealed) => {
                    return CheckOutcome::Met {
                        detail: format!("package {} verifies (seal, signatures, checksums)", p.display()),
                        seal: r.seal,
                    };
                }
                Ok(r) if r.seal == Some(sealed) => last_failure = Some(Self::failed(&r)),
                Ok(_) => {}
                Err(e) => last_failure = Some(CheckOutcome::unmet(format!("{}: {e}", p.display()))),
            }
        }
        last_failure.unwrap_or_else(|| {
            CheckOutcome::unmet(format!(
                "no package with seal {sealed} in .secfw/packages: run `secfw package --trust ...` after sealing"
            ))
        })
    }

    /// The newest package this workspace sealed, verified against the trust policy (which must
    /// be given) and bound to the workspace's project, compared with the loaded workspace.
    fn baseline(
        &self,
        cx: &CheckContext<'_>,
    ) -> Result<crate::baseline::BaselineReport, Vec<secfw_artifacts::Diagnostic>> {
        let Some(trust) = &self.trust else {
            return Err(vec![
                secfw_artifacts::Diagnostic::error(
                    crate::codes::BASELINE_REFUSED,
                    secfw_seal::names::PACKAGES_DIR,
                    "no trust policy given, so the baseline handoff cannot be verified",
                )
                .with_hint("pass --trust TRUST_POLICY.json (from outside the workspace)"),
            ]);
        };
        let mut opts = crate::baseline::BaselineOptions::new(cx.now);
        opts.trust = Some(trust.clone());
        opts.no_git = !self.require_git;
        opts.require_project = true;
        match crate::baseline::load_baseline(cx.root, &opts) {
            Ok(b) => Ok(b.compare(cx.workspace, cx.now)),
            Err(crate::Error::Baseline { problems }) => Err(problems),
            Err(e) => Err(vec![secfw_artifacts::Diagnostic::error(
                crate::codes::BASELINE_REFUSED,
                secfw_seal::names::PACKAGES_DIR,
                format!("the baseline cannot be read: {e}"),
            )]),
        }
    }
}

/// The seal recorded by the event that entered PACKAGED in the current cycle.
pub fn sealed_this_cycle(cx: &CheckContext<'_>) -> Option<secfw_artifacts::Seal> {
    let start =
        cx.events.iter().rposition(|e| e.changes_state() && e.to == LifecycleState::Planned).map_or(0, |i| i + 1);
    cx.events[start..].iter().rev().find(|e| e.changes_state() && e.to == LifecycleState::Packaged).and_then(|e| e.seal)
}

/// IMPROVE criteria: this cycle's KPI snapshot is in `.secfw/history/` and the digest was
/// generated after the cycle reached VALIDATED.
#[derive(Clone, Copy, Debug, Default)]
pub struct DigestWiring;

impl ReportCheck for DigestWiring {
    fn metrics_collected(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        let ev = secfw_digest::improve_evidence(cx.root, cx.entered(LifecycleState::Validated));
        if ev.metrics_collected {
            CheckOutcome::met(format!("KPI snapshot of cycle {} in .secfw/history/", ev.cycle.unwrap_or_default()))
        } else {
            CheckOutcome::unmet(ev.reasons.join("\n"))
        }
    }

    fn digest_generated(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        let ev = secfw_digest::improve_evidence(cx.root, cx.entered(LifecycleState::Validated));
        if ev.digest_generated {
            CheckOutcome::met("digest.md, digest.json and digest.html generated this cycle")
        } else {
            CheckOutcome::unmet(ev.reasons.join("\n"))
        }
    }
}

/// The standard criteria: seal through `secfw-seal`, ingest from the ledger's scan records,
/// reports through `secfw-digest`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Standard {
    /// Seal criteria.
    pub seal: SealWiring,
}

impl Standard {
    /// The standard criteria with a trust policy (or none: seal criteria then refuse).
    pub fn new(trust: Option<PathBuf>, require_git: bool) -> Self {
        Self { seal: SealWiring::new(trust, require_git) }
    }

    /// The criteria as [`Checks`] for [`crate::Lifecycle::advance`] and friends.
    pub fn checks(&self) -> Checks<'_> {
        let ingest: &dyn IngestCheck = &LedgerScans;
        Checks { seal: &self.seal, ingest, report: &DigestWiring }
    }
}
