//! The stable diagnostic codes of `secfw-notify` (`NT....`), documented in
//! `docs/diagnostics.md`.

secfw_artifacts::define_codes! {
    // --- planning ---------------------------------------------------------------------------
    NO_CONFIG = "NT0001", "The rulebook has no `notifications:` section; nothing is sent";
    UNKNOWN_CHANNEL = "NT0002", "A recipient names a webhook channel the rulebook does not define";
    NO_EMAIL_CHANNEL = "NT0003", "A recipient is an e-mail address but notifications.email is not configured, so no message is planned for it";
    SECRET_IN_RULEBOOK = "NT0004", "A secret (webhook URL, token, password) is written in the rulebook instead of named by an environment variable";
    BAD_RECIPIENT = "NT0005", "A recipient is neither `webhook:<name>` nor an e-mail address";
    MAY_HAVE_BEEN_SENT = "NT0006", "A message's delivery started but its outcome was never recorded (the run stopped); it may have been sent and is not sent again";
    RULEBOOK_UNUSABLE = "NT0007", "rulebook.yaml is missing or invalid, so no notification plan can be made";
    ENV_NOT_RESERVED = "NT0011", "A credential or URL variable the rulebook names does not start with `SECFW_`: secfw sends only variables set for it";
    EMAIL_INVALID = "NT0008", "notifications.email is invalid (server URL, sender address, or only one of the credential variables)";
    UNKNOWN_ESCALATION = "NT0009", "`secfw escalations ack` names an escalation that was never notified";
    ALREADY_ACKNOWLEDGED = "NT0010", "`secfw escalations ack` names an escalation that is already acknowledged";
    // --- ledger (.secfw/notifications.json) -------------------------------------------------
    LEDGER_INVALID = "NT0101", "The notification ledger or journal is not valid JSON of the expected shape";
    LEDGER_VERSION = "NT0102", "The notification ledger has an unsupported version";
    // --- delivery ---------------------------------------------------------------------------
    REJECTED = "NT0201", "A webhook refused a message (HTTP 3xx/4xx); it is not recorded as sent";
    UNAVAILABLE = "NT0202", "A webhook did not accept a message after every retry (5xx, timeouts, dropped connections)";
    CHANNEL_UNUSABLE = "NT0203", "A channel cannot be used: its environment variable is unset or empty, its URL is invalid, or TLS cannot be set up";
}
