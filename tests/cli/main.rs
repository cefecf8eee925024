//! Tests of the `onramp` binary's commands as a user runs them: output,
//! files and exit codes; `apply`, `status` and `destroy`; completions and
//! man pages; the errors a person's own set-up causes; runs killed midway,
//! adopting ones among them.
//!
//! One test binary of four (pure, cloud, tui, cli); shared support is in
//! `testkit/`.

// Tests and their helpers may unwrap and panic: a failed assumption is a
// failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod adoption_kills;
mod apply;
mod commands;
mod completions;
mod interruptions;
mod plain_errors;
