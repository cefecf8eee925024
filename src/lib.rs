//! onramp: provisions the IAM set-up of "Genomics Workflows on AWS — Core:
//! Permissions" and of AWS ParallelCluster's IAM roles.
//!
//! The pipeline is `Answers → validate → plan → lint → (print | export |
//! apply)`. The modules form layers, each using only those below it
//! (checked by the tests in `src/layers.rs`):
//!
//! | layer | modules | what | I/O |
//! |---|---|---|---|
//! | 0 | [`iam`], [`interrupts`] | ARNs, API actions, names and limits, policy documents and their evaluation; the Ctrl-C flag | none |
//! | 1 | [`templates`] | the source documents' policies as fillable templates | none |
//! | 2 | [`answers`] | what the user chose, the answers file, validation | none |
//! | 3 | [`plan`] | answers → resources, lint, hand edits, the operator's admin policy | none |
//! | 4 | [`cloud`] | the AWS account: the trait, aws-sdk backends, the in-memory account | AWS |
//! | 5 | [`apply`] | observe, diff, journal, apply, destroy | AWS, journal file |
//! | 6 | [`export`], [`verify`] | CloudFormation, CLI script, console runbook, policy files; can each role do its job | AWS (verify online) |
//! | 7 | [`cli`] | the command line's grammar | none |
//! | 8 | [`output`] | headless text and JSON | none |
//! | 9 | [`tui`] | the wizard: pure `update` and `render`, effects run by a worker | terminal |
//! | 10 | [`commands`] | each command, tying the rest together | all |

pub mod answers;
pub mod apply;
pub mod cli;
pub mod cloud;
pub mod commands;
pub mod export;
pub mod iam;
pub mod interrupts;
pub mod output;
pub mod plan;
pub mod templates;
pub mod tui;
pub mod verify;

#[cfg(test)]
mod layers;
