//! `exceptions compile` and `exceptions vex`: valid exceptions into scanner ignore files and VEX
//! documents.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use secfw_artifacts::Diagnostic;
use secfw_suppress::Format;
use serde::Serialize;

use super::Outcome;
use crate::{Error, Workspace};

/// Which ignore files to compile.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CompileTarget {
    /// One format, written to `output` (default: the format's path in the workspace).
    One {
        /// The format.
        format: Format,
        /// Write this file instead of the default path.
        output: Option<PathBuf>,
    },
    /// Every format listed in the rulebook's `suppressions.formats`, at their default paths.
    All,
}

/// Options of [`Workspace::compile_exceptions`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CompileOptions {
    /// Which files.
    pub target: CompileTarget,
    /// Write nothing; report files that are not up to date.
    pub check: bool,
    /// Evaluation time (exception validity).
    pub now: DateTime<Utc>,
}

impl CompileOptions {
    /// Compile `target` at `now`.
    pub fn new(target: CompileTarget, now: DateTime<Utc>) -> Self {
        Self { target, check: false, now }
    }

    /// Check only (write nothing).
    #[must_use]
    pub fn check(mut self, check: bool) -> Self {
        self.check = check;
        self
    }
}

/// What happened to one ignore file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FileState {
    /// Already what the exceptions compile to.
    UpToDate,
    /// Differs, and `check` wrote nothing.
    OutOfDate,
    /// Written.
    Written,
}

impl FileState {
    /// Words for people.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpToDate => "up to date",
            Self::OutOfDate => "out of date",
            Self::Written => "written",
        }
    }
}

/// One ignore file.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct CompiledFile {
    /// The format.
    pub format: String,
    /// The file.
    pub path: PathBuf,
    /// What happened to it.
    pub state: FileState,
    /// Exceptions in force.
    pub exceptions: usize,
    /// Notes and warnings about the compilation.
    pub diagnostics: Vec<Diagnostic>,
}

/// The report of [`Workspace::compile_exceptions`].
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct CompileReport {
    /// Warnings about `exceptions.md` itself (e.g. a section heading secfw reads as in force,
    /// `SF0406`); with an error nothing is compiled.
    pub registry: Vec<Diagnostic>,
    /// Each file, in format order.
    pub files: Vec<CompiledFile>,
}

impl Outcome for CompileReport {
    fn passed(&self) -> bool {
        self.files.iter().all(|f| f.state != FileState::OutOfDate)
    }
}

/// The existing text of a file people may also edit: `None` when it does not exist; an error
/// when it exists but cannot be read (never recompiled from nothing over their entries).
fn existing_text(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::unusable(format!("{}: {e}", path.display()))),
        Ok(_) => {
            let bytes = secfw_artifacts::read_regular(path, secfw_suppress::MAX_BYTES, secfw_artifacts::Links::Refuse)
                .map_err(|e| Error::unusable(format!("{e}; secfw does not write through it")))?;
            let text =
                String::from_utf8(bytes).map_err(|e| Error::unusable(format!("{}: not UTF-8: {e}", path.display())))?;
            Ok(Some(text))
        }
    }
}

impl Workspace {
    /// Write every valid exception (approved, unexpired) into scanner ignore files; files people
    /// also edit are edited in place (only secfw's entries change). Holds the workspace lock for
    /// the whole read-modify-write unless `check`.
    pub fn compile_exceptions(&self, opts: &CompileOptions) -> Result<CompileReport, Error> {
        let ws = self.artifacts();
        let (reg, registry) = super::exceptions::registry_in_force(self, "; nothing is compiled")?;
        let formats: Vec<Format> = match &opts.target {
            CompileTarget::One { format, .. } => vec![*format],
            CompileTarget::All => {
                let names = ws.rulebook_or_default().suppressions.formats;
                if names.is_empty() {
                    return Err(Error::unusable(
                        "--all: the rulebook lists no `suppressions.formats` (e.g. `suppressions: {formats: [trivy, cargo-deny]}`)",
                    ));
                }
                let mut v = names.iter().map(|n| n.parse::<Format>()).collect::<Result<Vec<_>, _>>()?;
                v.sort();
                v.dedup();
                v
            }
        };
        let gov = secfw_governance::evaluate(ws, opts.now);
        let rules = secfw_suppress::rules(ws, &gov);
        let lock = if opts.check { None } else { Some(self.lock()?) };
        let mut files = Vec::new();
        for format in formats {
            let (root, rel) = match &opts.target {
                CompileTarget::One { output: Some(o), .. } => (
                    o.parent()
                        .filter(|p| !p.as_os_str().is_empty())
                        .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
                    PathBuf::from(
                        o.file_name().ok_or_else(|| Error::unusable(format!("{}: not a file name", o.display())))?,
                    ),
                ),
                _ => (self.root().to_path_buf(), PathBuf::from(format.default_path())),
            };
            let path = root.join(&rel);
            let existing = existing_text(&path)?;
            let c = secfw_suppress::compile(format, &rules, reg, existing.as_deref())?;
            let state = match (&lock, c.changed) {
                (_, false) => FileState::UpToDate,
                (None, true) => FileState::OutOfDate,
                (Some(lock), true) => {
                    secfw_suppress::write(&root, &rel, &c, lock)?;
                    FileState::Written
                }
            };
            files.push(CompiledFile {
                format: format.to_string(),
                path,
                state,
                exceptions: rules.len(),
                diagnostics: c.diagnostics,
            });
        }
        Ok(CompileReport { registry, files })
    }
}

/// The VEX formats [`Workspace::vex`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VexFormat {
    /// OpenVEX 0.2.0.
    OpenVex,
    /// CycloneDX 1.5 VEX.
    CycloneDx,
}

impl VexFormat {
    /// The DSSE payload type of a signed document.
    pub fn payload_type(self) -> &'static str {
        match self {
            Self::OpenVex => "application/vnd.openvex+json",
            Self::CycloneDx => "application/vnd.cyclonedx+json",
        }
    }
}

impl std::str::FromStr for VexFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "openvex" => Ok(Self::OpenVex),
            "cyclonedx" => Ok(Self::CycloneDx),
            _ => Err(format!("unknown VEX format `{s}`: expected openvex or cyclonedx")),
        }
    }
}

/// Options of [`Workspace::vex`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VexOptions {
    /// The document format.
    pub format: VexFormat,
    /// The document's author.
    pub author: String,
    /// Issue time.
    pub now: DateTime<Utc>,
    /// Sign with this secfw private key file and wrap the document in a DSSE envelope.
    pub sign: Option<PathBuf>,
}

impl VexOptions {
    /// A document by `author` at `now`, unsigned.
    pub fn new(format: VexFormat, author: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self { format, author: author.into(), now, sign: None }
    }

    /// Sign with the key in `key`.
    #[must_use]
    pub fn sign(mut self, key: Option<PathBuf>) -> Self {
        self.sign = key;
        self
    }
}

/// A VEX document written by [`Workspace::vex`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VexDocument {
    /// The document (or its DSSE envelope), JSON text ending in a newline.
    pub text: String,
    /// Exceptions that could not become statements, and why.
    pub diagnostics: Vec<Diagnostic>,
}

impl Workspace {
    /// The valid exceptions as a VEX document (a risk acceptance is `affected` with an action
    /// statement; only `**Type**: not affected` is `not_affected`), optionally signed.
    pub fn vex(&self, opts: &VexOptions) -> Result<VexDocument, Error> {
        use secfw_seal::dsse::{Envelope, EnvelopeSignature, b64_encode, pae};
        use secfw_suppress::vex::{cyclonedx, openvex};
        let ws = self.artifacts();
        let (_, registry) = super::exceptions::registry_in_force(self, "; no VEX is written")?;
        let gov = secfw_governance::evaluate(ws, opts.now);
        let rules = secfw_suppress::rules(ws, &gov);
        let vo = secfw_suppress::vex::VexOptions::new(opts.author.clone(), opts.now);
        let (doc, mut diagnostics) = match opts.format {
            VexFormat::CycloneDx => {
                let (d, g) = cyclonedx(&rules, &vo);
                (Some(d), g)
            }
            VexFormat::OpenVex => openvex(&rules, &vo),
        };
        diagnostics.splice(0..0, registry);
        let Some(doc) = doc else {
            return Err(Error::Unusable {
                message: "no valid exception names a product (`**Package**`), so there is no VEX statement to write"
                    .to_owned(),
                diagnostics,
            });
        };
        let mut text = serde_json::to_string_pretty(&doc).map_err(|e| Error::unusable(e.to_string()))? + "\n";
        if let Some(key_path) = &opts.sign {
            let key = secfw_seal::load_signing_key(key_path, false)?;
            let payload_type = opts.format.payload_type();
            let body = text.as_bytes();
            let sig = key.sign(&pae(payload_type, body));
            let env = Envelope {
                payload: b64_encode(body),
                payload_type: payload_type.to_owned(),
                signatures: vec![EnvelopeSignature { keyid: Some(key.public().keyid()), sig: b64_encode(&sig) }],
            };
            text = String::from_utf8(env.to_json()).map_err(|e| Error::unusable(e.to_string()))?;
        }
        Ok(VexDocument { text, diagnostics })
    }
}
