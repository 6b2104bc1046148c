//! The stable diagnostic codes of `secfw-ingest` (`IN....`), documented in `docs/diagnostics.md`.

secfw_artifacts::define_codes! {
    // --- the input as a whole is rejected (nothing is written) --------------------------
    EMPTY_INPUT = "IN0001", "The scanner report is empty (0 bytes or only whitespace)";
    MALFORMED_JSON = "IN0002", "The scanner report is not valid JSON (syntax error or truncated file)";
    NULL_INPUT = "IN0003", "The scanner report is the JSON value `null`";
    UNKNOWN_FORMAT = "IN0004", "The report's format cannot be recognised (use --format)";
    UNSUPPORTED_VERSION = "IN0005", "The report declares a format version secfw does not read (e.g. SARIF 1.0.0)";
    WRONG_SHAPE = "IN0006", "The report does not have the structure of its format (e.g. `results` is not an array)";
    UNREADABLE = "IN0007", "The report cannot be read";
    TOO_MANY_SCANS = "IN0008", "The report holds more scans (SARIF runs of distinct tool, target and category) than the limit of one report";
    // --- one item of a report (the rest is ingested) ------------------------------------
    SKIPPED_ITEM = "IN0101", "An item of the report was skipped (wrong type, a required field missing), or a container of findings or a field a finding's identity is read from cannot be read (another type, a key in another case): the report's scans resolve nothing";
    NOT_A_FINDING = "IN0102", "A SARIF result whose kind is `pass` or `notApplicable` is not a finding";
    SUPPRESSED_IN_SOURCE = "IN0103", "A result the scanner reports as suppressed (a SARIF suppression, a Trivy --show-suppressed finding, a Grype ignored match) is ingested as open";
    TRANSITIVE_ONLY = "IN0104", "npm audit: a package is vulnerable only through its dependencies";
    NO_INVENTORY_MATCH = "IN0105", "A scan target matches no inventory resource";
    SCAN_FAILED = "IN0106", "The producer reports that its scan failed; nothing is resolved by it";
    UNSCORED = "IN0107", "The producer gives no usable severity; the documented default was used";
    NOT_RESOLVED = "IN0108", "A finding was not reported by a scan of its target but stays open: the scan failed, did not cover its class, or skipped something";
    TRUNCATED_FIELD = "IN0109", "A field longer than its documented limit was cut in the ledger; the full text stays in the report";
    IGNORED_BY_SCANNER = "IN0111", "The producer was configured to ignore an advisory or check (cargo-audit `settings.ignore`, a Grype ignore rule, a Trivy `EXCEPTION`): a finding of it is kept open, never resolved by that scan";
    SETTINGS_UNREADABLE = "IN0112", "The producer's recorded configuration, rules or run status (cargo-audit `settings`, SARIF `invocations`, notifications, `rules`) has a part secfw cannot read: what the scan left out is unknown, so it resolves no finding";
    SEVERITY_CHANGED = "IN0113", "A finding seen again is rated differently by its scanner: its severity follows the scanner up (priority and deadline with it), and down only while nobody changed it";
    DEFAULT_TARGET = "IN0110", "A scan's target names no project (a format's default such as `Cargo.lock`, or `.`): the scan resolves only findings last reported from the same report path";
    // --- the ledger -----------------------------------------------------------------------
    LEDGER_INVALID = "IN0201", "The existing sec_findings.yaml has errors; ingest refuses to rewrite it";
    ARTIFACT_INVALID = "IN0202", "rulebook.yaml or inventory.yaml exists but does not parse; ingest refuses to fall back to defaults";
}
