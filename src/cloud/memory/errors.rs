//! The errors the account answers with, in IAM's words, so that a person
//! (and onramp's advice) reads the same text from the demo as from AWS.

use crate::cloud::{CloudError, ErrorKind};
use crate::iam::action::Action;

pub(super) fn error(action: Action, kind: ErrorKind, message: impl Into<String>) -> CloudError {
    CloudError::new(action, kind, message)
}

pub(super) fn invalid(action: Action) -> impl Fn(String) -> CloudError {
    move |reason| error(action, ErrorKind::InvalidInput, reason)
}

pub(super) fn no_role(action: Action, name: &str) -> CloudError {
    error(
        action,
        ErrorKind::NoSuchEntity,
        format!("The role with name {name} cannot be found."),
    )
}

pub(super) fn protected_role(action: Action, name: &str) -> CloudError {
    error(
        action,
        ErrorKind::Other,
        format!(
            "UnmodifiableEntity: Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
        ),
    )
}

pub(super) fn no_profile(action: Action, name: &str) -> CloudError {
    error(
        action,
        ErrorKind::NoSuchEntity,
        format!("Instance Profile {name} cannot be found."),
    )
}

pub(super) fn no_policy(action: Action, arn: &str) -> CloudError {
    error(
        action,
        ErrorKind::NoSuchEntity,
        format!("Policy {arn} does not exist or is not attachable."),
    )
}

pub(super) fn aws_managed_is_read_only(action: Action, arn: &str) -> CloudError {
    error(
        action,
        ErrorKind::AccessDenied,
        format!("{arn} is an AWS managed policy; only AWS can change or delete it"),
    )
}

pub(super) fn malformed(action: Action, message: impl Into<String>) -> CloudError {
    error(action, ErrorKind::MalformedPolicy, message)
}
