//! The stable diagnostic codes of `secfw-tickets` (`TK....`), documented in
//! `docs/diagnostics.md`.

secfw_artifacts::define_codes! {
    // --- planning ---------------------------------------------------------------------------
    NO_FINGERPRINT = "TK0001", "A finding has no fingerprint; its ticket is keyed by `finding_id`";
    SHARED_KEY = "TK0002", "Several open findings share one ticket key; one ticket tracks them";
    ORPHAN_TICKET = "TK0003", "A ticket in the ledger has no finding in sec_findings.yaml any more; it is closed";
    FINDINGS_UNUSABLE = "TK0004", "sec_findings.yaml is missing or invalid, so no ticket plan can be made";
    // --- ledger (.secfw/tickets.json) -------------------------------------------------------
    LEDGER_INVALID = "TK0101", "The ticket ledger .secfw/tickets.json is not valid JSON of the expected shape";
    LEDGER_VERSION = "TK0102", "The ticket ledger has an unsupported version";
    // --- apply ------------------------------------------------------------------------------
    ENDPOINT_REJECTED = "TK0201", "The webhook refused an action (HTTP 3xx/4xx); apply stopped";
    ENDPOINT_UNAVAILABLE = "TK0202", "The webhook did not accept an action after every retry (5xx, timeouts, dropped connections)";
    ENDPOINT_INVALID = "TK0203", "The webhook URL cannot be used (scheme, syntax, or credentials in the URL)";
}
