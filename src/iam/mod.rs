//! IAM's bottom layer: uses nothing else of onramp.
//!
//! A typed model of IAM policy documents ([`policy`]), their conditions
//! ([`condition`]) and wildcard patterns ([`glob`]), and an evaluator
//! ([`eval`]) that answers "would these policies allow this request?" the way
//! IAM's documented evaluation logic does. Everything here is pure: no AWS, no
//! files, no terminal; documents come in as `serde_json::Value`.
//!
//! Whatever the model cannot understand is kept as a
//! [`policy::Finding`] instead of failing the whole document, and the
//! evaluator stays on the safe side with it: an un-understood `Allow` grants
//! nothing, an un-understood `Deny` is taken as possibly denying.

pub mod action;
pub mod arn;
pub mod condition;
pub mod eval;
pub mod glob;
pub mod limits;
pub mod managed;
pub mod names;
pub mod partition;
pub mod policy;
pub mod rules;
