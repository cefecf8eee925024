//! What onramp's tests and benches share, in one place: a dev-only library
//! (never published) that the four test binaries (`tests/*/main.rs`) and the
//! bench binary (`benches/main/`) use like any crate.
//!
//! - [`files`]: the project's root, the built binary, example answers, `.venv/`.
//! - [`moto`]: the moto server and a fresh account of it for each test.
//! - [`command`]: running `onramp` with an environment the test chooses.
//! - [`journal`]: applying as `onramp apply --yes` does; reading the journal.
//! - [`kills`]: runs killed with SIGKILL at seeded points of their journal.
//! - [`leaks`]: credentials never reach output or files.
//! - [`facts`]: what an apply made, as the journal and as moto say.
//! - [`canned`]: an HTTP server that gives canned answers (AWS's errors).
//! - [`fault_proxy`]: a proxy to moto that drops, resets or fails requests.
//! - [`pty`]: the real binary in a pseudo-terminal, read through vt100.
//! - [`tui`]: the wizard driven in-process (`update`, effects, test backend).
//! - [`screenshot`]: terminal screens as SVG and PNG pictures.
//! - [`statements`]: policy statements normalised for comparison.
//! - [`glob`]: IAM's wildcards, apart from onramp's own matcher.

// Test helpers may unwrap: a failed assumption is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod canned;
pub mod command;
pub mod facts;
pub mod fault_proxy;
pub mod files;
pub mod glob;
pub mod journal;
pub mod kills;
pub mod leaks;
pub mod moto;
pub mod pty;
pub mod screenshot;
pub mod statements;
pub mod tui;
