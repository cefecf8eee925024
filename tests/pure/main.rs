//! Tests of what onramp computes without an AWS account: answers, plans,
//! policies and their checks, templates, the documents, and the exports read
//! by the tools that consume them (cfn-lint, parliament, the AWS CLI).
//!
//! One test binary of four (pure, cloud, tui, cli): each links the AWS SDK,
//! so each more costs a link on every change. Shared support is in `testkit/`.

// Tests and their helpers may unwrap and panic: a failed assumption is a
// failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_policy;
mod docs;
mod export;
mod invalid_answers;
mod parallelcluster3_fixtures;
mod parliament;
mod plan;
mod policy_checks;
mod properties;
mod rollout;
mod runbook;
mod seed_fixtures;
mod templates;
