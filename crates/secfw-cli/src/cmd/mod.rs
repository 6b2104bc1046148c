//! One module per command (or command group).

pub(crate) mod completions;
pub(crate) mod init;
pub(crate) mod validate;
