//! The stable diagnostic codes of `secfw-gates` (`GT....`), documented in
//! `docs/diagnostics.md`.

secfw_artifacts::define_codes! {
    // --- schema_lint -------------------------------------------------------------------------
    BAD_FINDING_LIST_ENTRY = "GT0001", "An exception's `**Findings**` entry is not a finding id";
    LEDGER_VERSION = "GT0002", "The findings ledger or inventory `version` is not a supported format version";
    // --- cross_stream_consistency --------------------------------------------------------------
    DUPLICATE_FINDING_ID = "GT0101", "Two findings share one `finding_id`";
    DANGLING_EXCEPTION_REF = "GT0102", "A finding's `exception_ref` names no exception in exceptions.md";
    EXCEPTION_POLICY_MISMATCH = "GT0103", "A finding's exception excepts a policy the finding does not reference";
    UNKNOWN_POLICY = "GT0104", "A policy reference names no policy in policy_map.md";
    EXCEPTION_UNKNOWN_FINDING = "GT0105", "An exception lists a finding that is not in the ledger";
    EXCEPTION_FINDING_DISAGREE = "GT0106", "An exception lists a finding whose `exception_ref` names another or no exception";
    TAG_SPELLING = "GT0107", "A tag matches a taxonomy tag only when ignoring case";
    TAG_NOT_ON_RESOURCE = "GT0108", "A finding carries a governance tag its affected inventory resource does not";
    LIFECYCLE_STATE_MISMATCH = "GT0109", "Artifacts (or the event log) disagree about the lifecycle state";
    UNKNOWN_SCAN = "GT0110", "A finding's `source.scan_id` names no scan record";
    UNKNOWN_SUPERSEDED = "GT0111", "A finding's `supersedes` names no finding";
    // --- parity_coverage ---------------------------------------------------------------------
    RESOURCE_NOT_SCANNED = "GT0201", "An inventory resource was not scanned successfully this cycle";
    SCAN_FAILED = "GT0202", "A scan failed and no later successful run of the same tool covers its targets";
    COVERAGE_BELOW_MIN = "GT0203", "Policy coverage is below the rulebook's minimum";
    NOTHING_IN_SCOPE = "GT0204", "The inventory lists no resources, so coverage cannot be computed";
    ORPHAN_FINDING_RESOURCE = "GT0205", "A finding affects no resource listed in inventory.yaml";
    ORPHAN_FINDING_POLICY = "GT0206", "A finding maps to no policy in policy_map.md";
    SCAN_OUTDATED = "GT0207", "A resource's last successful scan is older than this cycle";
    EXCEPTED_FINDING = "GT0208", "A finding is excepted by a valid exception (listed, not hidden)";
    SCAN_INCOMPLETE = "GT0209", "A scan this cycle skipped part of its report (`scans[].incomplete`) and no later complete run of the tool covers its targets";
    // --- suppression_parity --------------------------------------------------------------------
    REGISTRY_UNUSABLE = "GT0301", "exceptions.md has errors, so no suppression can be checked against it (suppression_parity fails closed)";
}
