//! Tests of the cloud backends and the apply engine on them: the SDK backend
//! against moto, the in-memory account, faults on the way to IAM, the
//! permission preflight, AWS Batch's service-linked role, `verify`.
//!
//! One test binary of four (pure, cloud, tui, cli); shared support (moto
//! accounts, the fault proxy, canned answers) is in `testkit/`.

// Tests and their helpers may unwrap and panic: a failed assumption is a
// failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod adoption;
mod apply_suite;
mod clouds;
mod contract;
mod example;
mod fault_matrix;
mod faults;
mod preflight;
mod rounds;
mod sdk_moto;
mod sdk_requests;
mod service_linked;
mod verify;
mod visibility;
