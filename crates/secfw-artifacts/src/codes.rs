//! The stable diagnostic codes of `secfw-artifacts` (`SF....`).
//!
//! Every code is listed in [`CATALOG`] with a one-line title; `docs/diagnostics.md` documents
//! each one and a test keeps the two in sync. Codes are never reused for a different meaning.
//!
//! A public namespace: the codes read well only qualified (`codes::SYNTAX`).

crate::define_codes! {
    // --- files -------------------------------------------------------------------------
    MISSING_ARTIFACT = "SF0001", "A required artifact file is missing from the workspace";
    UNREADABLE = "SF0002", "An artifact file exists but cannot be read";
    INVALID_UTF8 = "SF0003", "An artifact is not valid UTF-8";
    TOO_LARGE = "SF0004", "An artifact is larger than the configured size limit";
    EMPTY_FILE = "SF0005", "An artifact file is empty";
    BINARY = "SF0006", "An artifact contains binary data (NUL bytes)";
    NOT_A_FILE = "SF0007", "An artifact path is not a regular file (directory, symlink or device)";
    WORKSPACE_LOCKED = "SF0008", "Another secfw command holds the workspace lock (.secfw/workspace.lock) past the timeout";
    LOCK_TIMEOUT_INVALID = "SF0009", "SECFW_LOCK_TIMEOUT is set but is not a whole number of seconds";
    STATE_NOT_REGULAR = "SF0010", "A file or directory of secfw's own state under .secfw/ is a symlink, FIFO, socket, device or over its size limit";
    // --- YAML / JSON structure ---------------------------------------------------------
    SYNTAX = "SF0101", "YAML or JSON syntax error";
    WRONG_TYPE = "SF0102", "A value has the wrong type";
    UNKNOWN_VARIANT = "SF0103", "A value is not one of the allowed values";
    MISSING_FIELD = "SF0104", "A required field is missing";
    DUPLICATE_KEY = "SF0105", "A mapping key appears twice";
    ALIAS_FORBIDDEN = "SF0106", "YAML anchors and aliases are not allowed in artifacts";
    TOO_DEEP = "SF0107", "Nesting is deeper than the limit";
    BUDGET = "SF0108", "The document exceeds a parser budget (too many nodes, events or bytes)";
    UNKNOWN_FIELD = "SF0109", "A field is not part of the artifact's schema";
    INVALID_VALUE = "SF0110", "A value is malformed (date, version, identifier, condition, ...)";
    MULTIPLE_DOCUMENTS = "SF0111", "A YAML file holds more than one document";
    UNSUPPORTED_VERSION = "SF0112", "The artifact's `version` is not supported";
    // --- findings ledger ---------------------------------------------------------------
    DUPLICATE_FINDING_ID = "SF0201", "Two findings share one `finding_id`";
    DUPLICATE_SCAN_ID = "SF0202", "Two scan records share one `scan_id`";
    BAD_FINGERPRINT = "SF0203", "A fingerprint is not of the form `<scheme>/v<N>:<hex>`";
    DUPLICATE_FINGERPRINT = "SF0204", "Two open findings share one fingerprint";
    RESOLVED_WITHOUT_DATE = "SF0205", "A resolved finding has no `resolved_at`";
    DATE_ORDER = "SF0206", "Dates are out of order (e.g. `last_seen` before `first_seen`)";
    CVSS_RANGE = "SF0207", "A CVSS score is outside 0.0..=10.0";
    BAD_CWE_CVE = "SF0208", "A CWE or CVE identifier is malformed";
    BAD_REFERENCE = "SF0209", "A reference (policy, exception, finding id) has the wrong syntax";
    SCAN_TIME_ORDER = "SF0210", "A scan record ends before it starts";
    // --- policy_map.md -------------------------------------------------------------------
    POLICY_MISSING_FIELD = "SF0301", "A policy lacks a required field (Severity, Scope, ...)";
    DUPLICATE_POLICY = "SF0302", "Two policies share one id";
    POLICY_BAD_HEADING = "SF0303", "A policy heading is not `### POL-NNN: Title`";
    POLICY_UNKNOWN_KEY = "SF0304", "A policy bullet uses a key secfw does not know";
    POLICY_BAD_VALUE = "SF0305", "A policy field has an invalid value";
    DUPLICATE_CONTROL = "SF0306", "Two controls share one id";
    NO_CATALOG = "SF0307", "policy_map.md has no `## Policy Catalog` section or no policies";
    DUPLICATE_FIELD = "SF0308", "A bullet key appears twice in one entry";
    // --- exceptions.md -------------------------------------------------------------------
    EXCEPTION_MISSING_FIELD = "SF0401", "An exception lacks a required field";
    DUPLICATE_EXCEPTION = "SF0402", "Two exceptions share one id";
    EXCEPTION_BAD_HEADING = "SF0403", "An exception heading is not `### EXC-NNN: Title`";
    EXCEPTION_UNKNOWN_KEY = "SF0404", "An exception bullet uses a key secfw does not know";
    EXCEPTION_BAD_VALUE = "SF0405", "An exception field has an invalid value (date, reference)";
    EXCEPTION_SECTION_UNRECOGNISED = "SF0406", "Exceptions sit under a section heading that is neither a history heading nor an active one; secfw reads them as in force";
    EXCEPTION_HIDDEN_TEXT = "SF0407", "An exception's heading or field has struck-through or hidden text (`~~…~~`, `<s>`, `<del>`, `<strike>`, hiding HTML, an image); the exception is not read";
    // --- rulebook.yaml -------------------------------------------------------------------
    BAD_SEMVER = "SF0501", "The rulebook version is not semantic versioning (MAJOR.MINOR.PATCH)";
    DUPLICATE_TAG = "SF0502", "The tag taxonomy defines a tag twice";
    BAD_THRESHOLD = "SF0503", "A threshold or target is out of range";
    // --- inventory.yaml ------------------------------------------------------------------
    DUPLICATE_RESOURCE = "SF0601", "Two inventory resources share one id";
    // --- security_spec.md ----------------------------------------------------------------
    SPEC_NO_FRONT_MATTER = "SF0701", "security_spec.md has no YAML front matter";
    SPEC_MISSING_SECTION = "SF0702", "security_spec.md lacks a required section";
    SPEC_PLACEHOLDER = "SF0703", "security_spec.md still contains template placeholder text";
    SPEC_DUPLICATE_SECTION = "SF0704", "security_spec.md has a section twice";
    SPEC_STALE = "SF0705", "security_spec.md `last_updated` is older than the review cycle";
    SPEC_EMPTY_SECTION = "SF0706", "A section of security_spec.md has no content";
    SPEC_FUTURE_DATE = "SF0707", "security_spec.md `last_updated` is after `now`";
    SPEC_UNKNOWN_TAG = "SF0708", "Data Classification & Handling names a tag that is not in the rulebook taxonomy";
    SPEC_UNCLASSIFIED_TAG = "SF0709", "A taxonomy tag with compliance impact is not named in Data Classification & Handling";
    SPEC_UNKNOWN_EXCEPTION = "SF0710", "Open Issues & Exceptions names an exception that exceptions.md does not have";
    SPEC_UNLISTED_EXCEPTION = "SF0711", "An exception in force in exceptions.md is not listed under Open Issues & Exceptions";
    SPEC_UNKNOWN_CONTROL = "SF0712", "security_spec.md names a policy or control that policy_map.md does not have";
    SPEC_CROSS_CHECK_SKIPPED = "SF0713", "A spec cross-check was skipped because the artifact it needs is missing";
}

/// The title of a code of this crate, if it is one.
pub fn title(code: crate::diag::Code) -> Option<&'static str> {
    CATALOG.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
}
