//! Tests of the wizard: `update` driven by keys, its event loop, every screen
//! as a text snapshot and as a PNG screenshot, bad input in every field, and
//! the real binary in a pseudo-terminal.
//!
//! One test binary of four (pure, cloud, tui, cli); shared support (the
//! in-process driver, the pseudo-terminal harness, screenshots) is in
//! `testkit/`.

// Tests and their helpers may unwrap and panic: a failed assumption is a
// failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_input;
mod omics;
mod pty;
mod run_loop;
mod screenshots;
mod snapshots;
mod update;
