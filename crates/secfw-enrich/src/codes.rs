//! The stable diagnostic codes of `secfw-enrich` (`EN....`), documented in `docs/diagnostics.md`.

secfw_artifacts::define_codes! {
    // --- the command as a whole ----------------------------------------------------------
    NOTHING_TO_JOIN = "EN0001", "secfw enrich has no KEV or EPSS data: none given and none stored for the as-of date";
    UNREADABLE = "EN0002", "A KEV or EPSS file cannot be read (missing, not a regular file, over the size limit)";
    LEDGER_INVALID = "EN0003", "sec_findings.yaml is missing or has errors; enrich refuses to rewrite it";
    STORE_CONFLICT = "EN0004", "A stored data file under evidence/intel/ does not match the digest its name records";
    NOT_UTF8 = "EN0005", "A KEV or EPSS file is not valid UTF-8";
    FUTURE_DATED = "EN0006", "A KEV or EPSS file (or an entry) is dated after the as-of time (`now`)";
    // --- KEV catalog (CISA JSON) ----------------------------------------------------------
    KEV_MALFORMED = "EN0101", "The KEV catalog is not valid JSON or lacks a required field";
    KEV_BAD_CVE = "EN0102", "A KEV entry's cveID is not a CVE id (CVE-YYYY-NNNN)";
    KEV_BAD_DATE = "EN0103", "A KEV date (dateReleased, dateAdded, dueDate) is not a valid date";
    KEV_DUPLICATE = "EN0104", "A CVE is listed twice in the KEV catalog";
    KEV_COUNT_MISMATCH = "EN0105", "The KEV catalog's count does not equal its number of vulnerabilities (truncated file)";
    KEV_BAD_RANSOMWARE = "EN0106", "A KEV entry's knownRansomwareCampaignUse is neither Known nor Unknown";
    KEV_EMPTY = "EN0107", "The KEV catalog lists no vulnerabilities (it would remove every KEV listing)";
    KEV_DUE_BEFORE_ADDED = "EN0108", "A KEV entry's dueDate is before its dateAdded";
    // --- EPSS scores (FIRST CSV) ----------------------------------------------------------
    EPSS_BAD_GZIP = "EN0201", "The EPSS file starts as gzip but does not decompress";
    EPSS_TOO_LARGE = "EN0202", "The EPSS file is larger (decompressed) than the limit";
    EPSS_BAD_HEADER = "EN0203", "The EPSS file does not start with the `#model_version:...,score_date:...` line and the `cve,epss,percentile` header";
    EPSS_BAD_ROW = "EN0204", "An EPSS row is not `CVE-id,score,percentile` with both numbers in 0..=1";
    EPSS_DUPLICATE = "EN0205", "A CVE is scored twice in the EPSS file";
    EPSS_EMPTY = "EN0206", "The EPSS file has a header but no scores (truncated file)";
    EPSS_TRUNCATED = "EN0207", "The plain EPSS file does not end with a newline (cut off inside its last row)";
}
