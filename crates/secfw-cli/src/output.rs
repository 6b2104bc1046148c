//! Output helpers: colour only on a terminal and never with `NO_COLOR`; diagnostics rendered
//! with source snippets; `--format` and `--now` parsing shared by every command.

use std::io::{IsTerminal, Write};

use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use secfw::artifacts::Links;
use secfw::artifacts::render_diagnostic;
use secfw::artifacts::{Diagnostic, SourceFile};
use secfw::{Error, ErrorKind};

use crate::{CmdResult, exit};

/// Largest file read to show a snippet under a diagnostic (larger files: no snippet).
const MAX_SNIPPET_SOURCE_BYTES: u64 = 16 << 20;

/// The source a diagnostic about `file` points into: `dir/file`, else `file` as given (a report
/// named on the command line), read without following links or blocking, at most
/// [`MAX_SNIPPET_SOURCE_BYTES`]. The one snippet loader of every command.
pub(crate) fn source_for(dir: &Path, file: &str) -> Option<SourceFile> {
    [dir.join(file), Path::new(file).to_path_buf()].into_iter().find_map(|p| {
        let b = secfw::artifacts::read_regular(&p, MAX_SNIPPET_SOURCE_BYTES, Links::Refuse).ok()?;
        Some(SourceFile::new(file.to_owned(), String::from_utf8(b).ok()?))
    })
}

/// `--color`: `auto` colours when stdout is a terminal and `NO_COLOR` is unset. (No variant docs:
/// `--help` lists the three values on one line instead of a block on every subcommand.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// `--format` for commands with a human and a JSON rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Fmt {
    // No variant docs: `--help` lists the values plainly, as before.
    Human,
    Json,
}

/// `--format` for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Human-readable text with source snippets.
    Human,
    /// JSON.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// Where and how to print.
pub(crate) struct Output {
    styled: bool,
}

impl Output {
    pub(crate) fn new(when: ColorWhen) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let styled = match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Self { styled }
    }

    /// Whether ANSI styling is on.
    pub(crate) fn styled(&self) -> bool {
        self.styled
    }

    // Methods (not free functions) so every command prints through one place that owns the
    // output policy.
    #[allow(clippy::unused_self)]
    /// Print to stdout (a broken pipe is not an error worth a panic).
    pub(crate) fn print(&self, text: &str) {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = o.write_all(b"\n");
        }
        let _ = o.flush();
    }

    #[allow(clippy::unused_self)]
    /// Print a block (diagnostics, a refusal) to stderr, so stdout carries only the report.
    pub(crate) fn eprint(&self, text: &str) {
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = e.write_all(b"\n");
        }
        let _ = e.flush();
    }

    /// Render each diagnostic on its own (with its snippet where `source` finds the file) to
    /// stderr: one problem per block, never one long joined line.
    pub(crate) fn diagnostics(&self, diags: &[Diagnostic]) {
        let mut text = String::new();
        for d in diags {
            text.push_str(&self.diagnostic(d, None));
            text.push('\n');
        }
        self.eprint(&text);
    }

    /// Print an error line to stderr.
    pub(crate) fn error(&self, msg: &str) {
        let prefix = if self.styled { "\x1b[1;31merror\x1b[0m" } else { "error" };
        eprintln!("{prefix}: {msg}");
    }

    #[allow(clippy::unused_self)]
    /// Print a progress/status line to stderr.
    pub(crate) fn status(&self, msg: &str) {
        eprintln!("{msg}");
    }

    /// Render a diagnostic with its source snippet.
    pub(crate) fn diagnostic(&self, d: &Diagnostic, source: Option<&SourceFile>) -> String {
        render_diagnostic(d, source, self.styled)
    }

    /// Render diagnostics, each with a snippet of its file found under `dir` ([`source_for`]).
    pub(crate) fn diagnostics_in(&self, dir: &Path, diags: &[Diagnostic]) -> String {
        let mut s = String::new();
        for d in diags {
            let src = d.line.and_then(|_| source_for(dir, &d.file));
            s.push_str(&self.diagnostic(d, src.as_ref()));
            if !s.ends_with('\n') {
                s.push('\n');
            }
        }
        s
    }

    /// Deliver a gate's rendered `text`: to `output` (written atomically, newline-terminated,
    /// with a PASS / FAIL status line) or to stdout; the exit code says whether it `passed`.
    pub(crate) fn gate_result(&self, text: String, output: Option<&Path>, passed: bool) -> CmdResult {
        match output {
            Some(p) => {
                let mut bytes = text.into_bytes();
                if !bytes.ends_with(b"\n") {
                    bytes.push(b'\n');
                }
                secfw::artifacts::write_atomic(p, &bytes)?;
                self.status(&format!("{}: wrote {}", if passed { "PASS" } else { "FAIL" }, p.display()));
            }
            None => self.print(&text),
        }
        Ok(ExitCode::from(if passed { exit::PASS } else { exit::FAIL }))
    }

    /// The one way a command turns a facade error into output and an exit code: refused input
    /// (a seal that does not verify, a tampered log) prints its diagnostics to stdout and exits 1;
    /// an operation that could not run prints its diagnostics to stderr and its message as the
    /// error line, exit 2. `dir` is where snippets are looked up.
    pub(crate) fn fail(&self, e: Error, dir: &Path) -> CmdResult {
        if let Error::Seal(secfw::seal::Error::Verification(r)) = &e {
            self.print(&crate::cmd::seal::human_report(self, r, None));
            return Ok(ExitCode::from(exit::FAIL));
        }
        let diags = e.diagnostics();
        if e.kind() == ErrorKind::Refused {
            if diags.is_empty() {
                self.error(&e.to_string());
                return Ok(ExitCode::from(exit::FAIL));
            }
            self.print(self.diagnostics_in(dir, &diags).trim_end());
            if let Error::Lifecycle(secfw::lifecycle::Error::Tampered { .. }) = &e {
                self.error(&format!("{}: the event log does not verify; nothing was recorded", dir.display()));
            }
            return Ok(ExitCode::from(exit::FAIL));
        }
        if !diags.is_empty() {
            self.eprint(self.diagnostics_in(dir, &diags).trim_end());
        }
        Err(e.into())
    }
}

/// Parse `--now` (RFC 3339, or a date meaning its start, UTC); default: the current time.
pub(crate) fn parse_now(now: Option<&str>) -> Result<DateTime<Utc>, String> {
    match now {
        None => Ok(Utc::now()),
        Some(s) => s.parse::<secfw::artifacts::Timestamp>().map(secfw::artifacts::Timestamp::instant),
    }
}
