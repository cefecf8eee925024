//! Tests of the cloud backends and the apply engine on them: the SDK backend
//! against moto, the in-memory account, faults on the way to IAM, the
//! permission preflight, AWS Batch's service-linked role, `verify`.
//!
//! One test binary of four (pure, cloud, tui, cli); shared support (moto
//! accounts, the fault proxy, canned answers) is in `testkit/`.

mod apply_suite;
mod faults;
mod preflight;
mod sdk_moto;
mod service_linked;
mod verify;
