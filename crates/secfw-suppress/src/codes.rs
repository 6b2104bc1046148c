//! The stable diagnostic codes of `secfw-suppress` (`SP....`), documented in
//! `docs/diagnostics.md`.

secfw_artifacts::define_codes! {
    // --- reading scanner ignore files (strict) ----------------------------------------------
    IGNORE_FILE_UNREADABLE = "SP0101", "A scanner ignore file cannot be read (not a regular file, too large, not UTF-8, or a Grype config format secfw does not read)";
    IGNORE_FILE_SYNTAX = "SP0102", "A scanner ignore file is not valid YAML or TOML";
    IGNORE_UNKNOWN_KEY = "SP0103", "A scanner ignore file uses a key the scanner does not define (it would be dropped silently)";
    IGNORE_MALFORMED = "SP0104", "An entry of a scanner ignore file is malformed (wrong type, missing id, bad date, bad purl)";
    // --- drift: suppressions against the registry -------------------------------------------
    UNBACKED = "SP0201", "A scanner suppression is backed by no exception (nobody approved it)";
    BACKED_BY_EXPIRED = "SP0202", "A scanner suppression is backed only by an expired exception";
    BACKED_BY_INVALID = "SP0203", "A scanner suppression is backed only by an exception that is not in force (unapproved or otherwise invalid)";
    OUTLIVES_EXCEPTION = "SP0204", "A scanner suppression expires later than the exception that backs it (or never)";
    STALE = "SP0205", "A valid exception is missing from a scanner ignore file present in the repository (it suppresses nothing there)";
    WIDENED = "SP0206", "A suppression is broader than its exception (the format cannot narrow by package, version or line)";
    NOT_EXPRESSIBLE = "SP0207", "An exception cannot be written in a scanner's format (left out of that file)";
    WIDER_THAN_PACKAGE = "SP0209", "A suppression by advisory id alone is backed only by an exception narrowed to a package: it would hide the advisory on every other package";
    SUPPRESSED_WITHOUT_EXCEPTION = "SP0208", "A result the scanner reported as suppressed is open in the ledger: no valid exception backs it";
    // --- VEX in ------------------------------------------------------------------------------
    VEX_MALFORMED = "SP0401", "A VEX document or statement cannot be read (unknown format, missing vulnerability, product or status)";
    VEX_UNTRUSTED = "SP0402", "A VEX statement's author is not trusted by the rulebook; it is not recorded";
    VEX_CONFLICT = "SP0403", "VEX statements about one vulnerability and product conflict; the latest wins";
    VEX_NOT_AFFECTED_UNJUSTIFIED = "SP0404", "A `not_affected` VEX statement has no justification or impact statement; it is not recorded";
    // --- compile ----------------------------------------------------------------------------
    OUTPUT_REFUSED = "SP0301", "secfw refuses to write a scanner file (not a regular file, or a file people edit that cannot be edited safely)";
}
