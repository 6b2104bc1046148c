//! The stable diagnostic codes of `secfw-metrics` (`MT....`), documented in
//! `docs/diagnostics.md`.

secfw_artifacts::define_codes! {
    RESOLVED_WITHOUT_FIRST_SEEN = "MT0001", "A resolved finding has no `first_seen`, so it is left out of MTTR";
    NEGATIVE_REMEDIATION_TIME = "MT0002", "A finding's `resolved_at` is before its `first_seen`, so it is left out of MTTR";
    NO_RESOURCES = "MT0003", "The inventory has no resources: policy coverage is n/a and fails the coverage target";
    MISSING_INPUT = "MT0004", "An artifact a KPI needs is missing or does not parse; the KPI is n/a";
    BAD_SNAPSHOT = "MT0005", "A history snapshot cannot be read or parsed; it is left out of trends";
    UNSUPPORTED_SNAPSHOT = "MT0006", "A history snapshot has an unknown format version; it is left out of trends";
    ACK_UNKNOWN_ESCALATION = "MT0007", "An acknowledgement names an escalation secfw never notified; it is left out of the escalation view and the time to acknowledge";
    ACK_BEFORE_NOTIFICATION = "MT0008", "An escalation was acknowledged before it was first notified; it counts as acknowledged without a time to acknowledge";
    ACK_REPEATED = "MT0009", "An escalation was acknowledged more than once; the first acknowledgement counts";
    UNREADABLE_INPUT = "MT0010", "The findings ledger is missing, or an artifact the KPIs are computed from (ledger, rulebook, exceptions, inventory, policy map) does not parse or has errors: metrics and the digest refuse to run and write nothing";
}
