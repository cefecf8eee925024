//! The grammar IAM checks a policy document against before it stores one,
//! taken from the typed policy model: the account refuses a document with
//! `MalformedPolicyDocument` exactly when [`Document::refusals`] finds
//! something, that is
//! - a finding of [`Document::parse`] marked `refused`: not a JSON object,
//!   an unknown top-level element or statement element, a `Version` other
//!   than `2012-10-17`/`2008-10-17`, a `Version`, `Id` or `Sid` that is not
//!   a string, no `Statement` or one of the wrong shape, a statement that is
//!   not an object or whose `Effect` is neither `Allow` nor `Deny`, both
//!   `Action` and `NotAction` (or `Resource`/`NotResource`,
//!   `Principal`/`NotPrincipal`), an element of the wrong type, a
//!   `Condition` that is not an object of objects of values;
//! - what the typed statements break: no statement at all, a statement
//!   without actions, an action that is not `*` or `vendor:action`, a
//!   repeated `Sid`; in an identity policy a principal, or no resources, or
//!   a resource that is neither an ARN nor `*`; in a trust policy resources,
//!   no `Principal` (or a `NotPrincipal`), an unknown principal type or an
//!   `AWS` principal that is neither an ARN, an account id nor `*`, an
//!   action outside `sts:`.
//!
//! What the model only notes (an unknown condition operator, a condition
//! value of the wrong type for its operator) IAM stores, and so does the
//! account.

use serde_json::Value;

use super::errors::malformed;
use crate::cloud::CloudResult;
use crate::iam::action::Action;
use crate::iam::policy::{Document, Usage};

/// `Ok` when IAM would store `document` as a policy of `usage`; else
/// `MalformedPolicyDocument` with the model's first reason.
pub(super) fn check_document(action: Action, document: &Value, usage: Usage) -> CloudResult<()> {
    match Document::parse(document).refusals(usage).first() {
        None => Ok(()),
        Some(refusal) => Err(malformed(
            action,
            format!("Syntax errors in policy: {}.", refusal.message),
        )),
    }
}
