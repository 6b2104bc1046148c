//! The stable diagnostic codes of `secfw-governance` (`GV....`), documented in
//! `docs/diagnostics.md`.

secfw_artifacts::define_codes! {
    // --- exceptions (seed §6.3) ------------------------------------------------------------
    EXCEPTION_NO_JUSTIFICATION = "GV0101", "An exception has no business justification";
    EXCEPTION_NO_RISK_ASSESSMENT = "GV0102", "An exception has no risk assessment";
    EXCEPTION_NO_CONTROLS = "GV0103", "An exception has no compensating controls (Risk Mitigation)";
    EXCEPTION_TOO_LONG = "GV0104", "An exception is valid for longer than the rulebook allows after approval";
    EXCEPTION_NO_APPROVAL_DATE = "GV0105", "An exception has no approval date, so its validity window cannot be fully checked";
    EXCEPTION_EXPIRED = "GV0106", "An exception has expired; the findings it covered count again";
    EXCEPTION_EXPIRING = "GV0107", "An exception expires soon";
    EXCEPTION_SELF_APPROVED = "GV0108", "The requestor of an exception is also one of its approvers";
    EXCEPTION_NEEDS_SECURITY_TEAM = "GV0109", "An exception lacks the security team's approval";
    EXCEPTION_NEEDS_RISK_COMMITTEE = "GV0110", "A high, critical or unknown-severity exception lacks the risk committee's approval";
    EXCEPTION_NEEDS_CISO = "GV0111", "A policy deviation lacks the CISO's sign-off";
    EXCEPTION_NOT_YET_APPROVED = "GV0112", "An exception's approval date is in the future or after its expiry";
    EXCEPTION_STALE = "GV0113", "An exception matches no open finding (stale)";
    EXCEPTION_SEVERITY_UNDERSTATED = "GV0114", "An exception declares a severity below that of a finding it matches (in any status)";
    // --- enforcement rules (seed §6.2) ------------------------------------------------------
    RULE_VIOLATED = "GV0201", "An enforcement rule's condition does not hold (e.g. Critical=0)";
    // --- taxonomy (seed §6.1) ---------------------------------------------------------------
    UNKNOWN_TAG = "GV0301", "A governance tag is not in the rulebook's taxonomy";
    // --- exploitation data (issue 16) -------------------------------------------------------
    INTEL_STALE = "GV0401", "The KEV or EPSS data joined to the findings is older than the rulebook allows";
    // --- time ---------------------------------------------------------------------------------
    FUTURE_TIMESTAMP = "GV0501", "A finding's first_seen, last_seen or resolved_at is after the evaluation time";
}
