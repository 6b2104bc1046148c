//! The stable diagnostic codes of `secfw-export` (`EX....`), documented in `docs/diagnostics.md`.

secfw_artifacts::define_codes! {
    NO_LEDGER = "EX0001", "There is no findings ledger that parses, so there is nothing to export";
}
