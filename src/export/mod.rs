//! Exports of a plan to formats other tools read.

pub mod policies;
