//! Typed models of every artifact.

pub mod common;
pub mod digest;
pub mod findings;
pub mod inventory;
pub mod manifest;
pub mod rulebook;
pub mod vex;
