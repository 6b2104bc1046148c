//! One module per command (or command group).

pub(crate) mod completions;
pub(crate) mod cycle;
pub(crate) mod digest;
pub(crate) mod enrich;
pub(crate) mod escalations;
pub(crate) mod exceptions;
pub(crate) mod export;
pub(crate) mod gate;
pub(crate) mod gate_new;
pub(crate) mod ingest;
pub(crate) mod init;
pub(crate) mod lifecycle;
pub(crate) mod metrics;
pub(crate) mod notify;
pub(crate) mod seal;
pub(crate) mod spec;
pub(crate) mod tickets;
pub(crate) mod validate;
