//! The stable diagnostic codes of `secfw-lifecycle` (`LC....`), documented in
//! `docs/diagnostics.md`.

secfw_artifacts::define_codes! {
    // --- transitions ------------------------------------------------------------------------
    NOT_NEXT_STATE = "LC0001", "The requested state is not the next state of the lifecycle";
    CRITERION_UNMET = "LC0002", "An entry criterion of the requested state does not hold";
    RETURNED_TO_PLANNED = "LC0003", "schema_lint failed, so the cycle returned to PLANNED";
    ACTOR_INVALID = "LC0004", "An actor name (`--actor`, `--by`) holds a control character (newline, escape, ...), a line separator or an invisible character (bidi override, zero-width space), or is over 256 characters";
    // --- event log --------------------------------------------------------------------------
    LOG_UNPARSEABLE = "LC0101", "A line of the event log is not a valid event";
    LOG_HASH_MISMATCH = "LC0102", "An event's content does not match its own hash (edited)";
    LOG_CHAIN_BROKEN = "LC0103", "An event's previous-hash does not match the event before it";
    LOG_SEQUENCE = "LC0104", "Event sequence numbers are out of order (removed, inserted or reordered lines)";
    LOG_TRUNCATED = "LC0105", "The log ends before the last event recorded in its checkpoint (lines removed)";
    LOG_BAD_TRANSITION = "LC0106", "An event records a transition the state machine does not allow";
    LOG_NOT_CANONICAL = "LC0107", "An event line is not in canonical form (edited by hand)";
    LOG_TIME_ORDER = "LC0108", "An event is dated before the event preceding it";
    LOG_CHECKPOINT_BEHIND = "LC0109", "The checkpoint is one event behind the log (an interrupted append)";
    LOG_CHECKPOINT_MISSING = "LC0110", "The checkpoint is missing next to a non-empty log, or the log is missing in a workspace whose lifecycle advanced";
    // --- cycle inputs -----------------------------------------------------------------------
    INPUT_MISSING = "LC0201", "An input file given to `cycle` does not exist or is not a regular file";
    INPUT_INVALID = "LC0202", "An input file given to `cycle` cannot be read as what it was given as";
    INPUT_REQUIRED = "LC0203", "`cycle` still has to seal the handoff but no signing key or trust policy was given";
    // --- baseline gate (issue 16) -------------------------------------------------------------
    BASELINE_REFUSED = "LC0301", "The baseline handoff is missing or does not verify (signatures, trust policy, checksums, project); it is not used";
    BASELINE_NEW_FINDING = "LC0302", "A finding is new or worse than in the baseline, or of a kind that is never baselined";
    BASELINE_SCOPE_UNKNOWN = "LC0303", "A scan since the baseline failed, so its scope is unknown (fails closed)";
    BASELINE_RATCHET = "LC0304", "A ratchet dimension (open count, risk score, KPI) is worse than at the baseline";
    BASELINE_POLICY = "LC0305", "The rulebook's baseline section names an unknown never_baseline kind or ratchet dimension";
}
