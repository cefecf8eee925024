//! Exports of a plan to formats other tools read.

pub mod aws_cli;
pub mod policies;
