//! Typed models of every artifact.
//!
//! A public namespace with one module per file format (`model::rulebook::Condition`); the types every
//! user needs (`Finding`, `Rulebook`, `Severity`, ...) are also at the crate root.

pub(crate) mod common;
pub mod digest;
mod evidence;
pub mod findings;
pub mod inventory;
pub mod manifest;
pub mod rulebook;
pub mod vex;
