//! The `secfw` command-line tool. It only wires arguments to the library crates (through the
//! `secfw` facade) and prints their results; every rule lives in the libraries.
#![forbid(unsafe_code)]
#![allow(clippy::disallowed_macros)] // the CLI is the one crate that prints

mod cmd;
mod lock;
mod output;

/// mimalloc instead of the system allocator: ingest builds and frees millions of small strings
/// (findings, evidence maps, the ledger text read back), and glibc's malloc spent a quarter of
/// an ingest's CPU time in its own bookkeeping (docs/PERFORMANCE.md, "Ingesting SARIF").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes (documented in docs/cli.md; stable).
pub(crate) mod exit {
    /// Everything passed.
    pub(crate) const PASS: u8 = 0;
    /// A gate failed, an artifact is invalid, or a transition was refused.
    pub(crate) const FAIL: u8 = 1;
    /// Usage or input error: the command could not run.
    pub(crate) const USAGE: u8 = 2;
}

/// The result of a command: an exit code, or an error that means "could not run" (exit 2).
pub(crate) type CmdResult = Result<ExitCode, Box<dyn std::error::Error + Send + Sync>>;

/// secfw: an artifact-first security & compliance programme, from the command line.
#[derive(Debug, Parser)]
#[command(name = "secfw", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Colour: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = output::ColorWhen::Auto, display_order = 10_000)]
    color: output::ColorWhen,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Copy the bundled example workspace, generate demo keys and a trust policy, and run one whole cycle.
    Demo(cmd::cycle::DemoArgs),
    /// Run the lifecycle from its current state as far as its gates allow (validate → seal → ingest → digest).
    Cycle(cmd::cycle::CycleArgs),
    /// Write a complete, realistic, valid security workspace into DIR.
    Init(cmd::init::Args),
    /// Parse and check every artifact; print every diagnostic.
    Validate(cmd::validate::Args),
    /// Print shell completions.
    Completions(cmd::completions::Args),
    /// Hash every artifact and evidence file and write the canonical in-toto statement, an unsigned DSSE envelope and handoff_manifest.yaml.
    GenerateManifest(cmd::seal::GenerateArgs),
    /// Verify the current state, then add your DSSE signature for the role the trust policy gives your key.
    SignManifest(cmd::seal::SignArgs),
    /// Verify a sealed handoff: trust policy, signatures and thresholds, payload, files, git, rulebook, expiry, sequence, chain, YAML view.
    VerifyManifest(cmd::seal::VerifyManifestArgs),
    /// Write a Sigstore bundle (v0.3) per signature of a sealed handoff, for @sigstore/verify and other bundle verifiers.
    SigstoreBundle(cmd::seal::BundleArgs),
    /// Generate an Ed25519 signing key (PKCS#8, 0600) and its public encodings.
    Keygen(cmd::seal::KeygenArgs),
    /// The signed trust policy (root of trust): create, add or revoke keys, thresholds, sign, rotate the root, show.
    Trust(cmd::seal::TrustArgs),
    /// Verify the sealed workspace and write a reproducible package archive.
    Package(cmd::seal::PackageArgs),
    /// Verify a package completely, then extract it into an empty directory.
    Unpack(cmd::seal::UnpackArgs),
    /// Restore a workspace from a previous package (verified first).
    Rollback(cmd::seal::RollbackArgs),
    /// Compute the KPIs (MTTR, coverage, scan success, escape rate, exception and SLA compliance, risk score).
    Metrics(cmd::metrics::Args),
    /// Write digest.md, digest.json and digest.html and record the cycle's KPI snapshot.
    Digest(cmd::digest::Args),
    /// Run quality gates: schema_lint, cross_stream_consistency, parity_coverage, suppression_parity, or all.
    Gate(cmd::gate::Args),
    /// Lifecycle state, recent events, and what blocks the next step.
    Status(cmd::lifecycle::StatusArgs),
    /// Move the lifecycle to the next state when its entry criteria hold (recorded in the event log).
    Advance(cmd::lifecycle::AdvanceArgs),
    /// Exception registry: checks (expired, expiring, stale, over-long, missing approvals) and compile into scanner ignore files.
    Exceptions(cmd::exceptions::Args),
    /// The tamper-evident event log (.secfw/events.jsonl).
    Log(cmd::lifecycle::LogArgs),
    /// Ingest scanner reports (SARIF, Trivy, Grype, cargo-audit, OSV-Scanner, npm audit) into sec_findings.yaml.
    Ingest(cmd::ingest::Args),
    /// Join CISA KEV and FIRST EPSS data (offline files, stored as sealed inputs) to the findings.
    Enrich(cmd::enrich::Args),
    /// Export findings as SARIF, OSCAL assessment-results / POA&M, JUnit XML or GitHub annotations.
    Export(cmd::export::Args),
    /// ITSM ticket sync: plan create/update/close actions keyed by finding fingerprint, apply them to a webhook.
    Tickets(cmd::tickets::Args),
    /// Notifications: plan and send escalations, exception-expiry warnings and SLA breaches to the rulebook's webhooks, once.
    Notify(cmd::notify::Args),
    /// Escalations: acknowledge one (recorded in the hash-chained event log; stops its re-notification).
    Escalations(cmd::escalations::Args),
    /// The Security & Compliance Specification: write the template (init) or check it (lint).
    Spec(cmd::spec::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = output::Output::new(cli.color);
    let result = match cli.command {
        Command::Demo(a) => cmd::cycle::run_demo(&a, &out),
        Command::Cycle(a) => cmd::cycle::run_cycle(&a, &out),
        Command::Init(a) => cmd::init::run(&a, &out),
        Command::Validate(a) => cmd::validate::run(&a, &out),
        Command::Completions(a) => Ok(cmd::completions::run::<Cli>(&a)),
        Command::GenerateManifest(a) => cmd::seal::generate(&a, &out),
        Command::SignManifest(a) => cmd::seal::sign(&a, &out),
        Command::VerifyManifest(a) => cmd::seal::verify(&a, &out),
        Command::SigstoreBundle(a) => cmd::seal::sigstore_bundle(&a, &out),
        Command::Keygen(a) => cmd::seal::keygen(&a, &out),
        Command::Trust(a) => cmd::seal::trust(&a, &out),
        Command::Package(a) => cmd::seal::package(&a, &out),
        Command::Unpack(a) => cmd::seal::unpack(&a, &out),
        Command::Rollback(a) => cmd::seal::rollback(&a, &out),
        Command::Metrics(a) => cmd::metrics::run(&a, &out),
        Command::Digest(a) => cmd::digest::run(&a, &out),
        Command::Gate(a) => cmd::gate::run(&a, &out),
        Command::Status(a) => cmd::lifecycle::status(&a, &out),
        Command::Advance(a) => cmd::lifecycle::advance(&a, &out),
        Command::Exceptions(a) => cmd::exceptions::run(&a, &out),
        Command::Log(a) => cmd::lifecycle::log(&a, &out),
        Command::Ingest(a) => cmd::ingest::run(&a, &out),
        Command::Enrich(a) => cmd::enrich::run(&a, &out),
        Command::Export(a) => cmd::export::run(&a, &out),
        Command::Tickets(a) => cmd::tickets::run(&a, &out),
        Command::Notify(a) => cmd::notify::run(&a, &out),
        Command::Escalations(a) => cmd::escalations::run(&a, &out),
        Command::Spec(a) => cmd::spec::run(&a, &out),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            out.error(&e.to_string());
            ExitCode::from(exit::USAGE)
        }
    }
}
