//! onramp: provisions the IAM set-up of "Genomics Workflows on AWS — Core:
//! Permissions" and of AWS ParallelCluster's IAM roles.
//!
//! The pipeline is `Answers → validate → plan → lint → (print | export)`.
//! Everything here but `cli` is pure: no terminal, no AWS, no file system.

pub mod answers;
pub mod answers_file;
pub mod apply;
pub mod cli;
pub mod cloud;
pub mod commands;
pub mod export;
pub mod iam;
pub mod interrupts;
pub mod names;
pub mod output;
pub mod partition;
pub mod plan;
pub mod rules;
pub mod tui;
pub mod verify;
