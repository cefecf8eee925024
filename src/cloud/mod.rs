//! The AWS account onramp talks to, as one async trait with two
//! implementations: [`sdk::SdkCloud`] (aws-sdk-iam and friends) and
//! [`memory::MemoryCloud`] (an in-memory account that behaves like IAM, for
//! `--demo` and fast tests). Wrappers around either, made from the one list
//! of calls in [`calls`]: [`counting::CountingCloud`] counts calls,
//! [`recording::RecordingCloud`] records them with their outcomes, and
//! [`faulty::FaultyCloud`] makes one fail as AWS or the network sometimes
//! does.
//!
//! The trait speaks in onramp's terms: documents are parsed JSON (already
//! URL-decoded), absent entities are `Ok(None)` on reads, and every error is a
//! [`CloudError`] that names the API action.

pub mod advice;
pub mod calls;
pub mod counting;
pub mod faulty;
pub mod memory;
pub mod paced;
pub mod recording;
pub mod sdk;

use crate::iam::action::Action;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

/// Tags as IAM stores them.
pub type Tags = BTreeMap<String, String>;

/// Who the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account_id: String,
    /// The caller's ARN (user, assumed role, …).
    pub arn: String,
    /// Taken from the caller's ARN: `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
}

/// An S3 bucket of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub name: String,
    /// Its region, when it could be read.
    pub region: Option<String>,
}

/// A customer managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInfo {
    pub arn: String,
    pub name: String,
    pub path: String,
    pub default_version_id: String,
    pub tags: Tags,
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// `v1`, `v2`, … in creation order.
    pub version_id: String,
    pub is_default: bool,
}

impl PolicyVersion {
    /// The number of a `vN` id, for ordering versions by age.
    pub fn number(&self) -> u64 {
        self.version_id
            .trim_start_matches('v')
            .parse()
            .unwrap_or(u64::MAX)
    }
}

/// A role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub arn: String,
    pub name: String,
    pub path: String,
    /// The trust policy, URL-decoded and parsed.
    pub trust_policy: Value,
    pub description: Option<String>,
    pub permissions_boundary: Option<String>,
    pub tags: Tags,
}

/// An instance profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfileInfo {
    pub arn: String,
    pub name: String,
    pub path: String,
    /// Names of the roles it holds (at most one).
    pub roles: Vec<String>,
    pub tags: Tags,
}

/// What `CreatePolicy` needs.
#[derive(Debug, Clone, Copy)]
pub struct NewPolicy<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub description: &'a str,
    pub document: &'a Value,
    pub tags: &'a Tags,
}

/// What `CreateRole` needs.
#[derive(Debug, Clone, Copy)]
pub struct NewRole<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub description: &'a str,
    pub trust_policy: &'a Value,
    pub permissions_boundary: Option<&'a str>,
    pub tags: &'a Tags,
}

/// A condition key's value for a policy simulation (IAM's `ContextEntry`),
/// like `iam:PolicyARN` = the policy a call would attach. Always of type
/// `string`: the keys onramp's admin policy conditions on are ARNs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContextEntry {
    pub key: String,
    pub values: Vec<String>,
}

/// How IAM's policy evaluation decides one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// A `Deny` statement matched.
    ExplicitDeny,
    /// Nothing allowed it.
    ImplicitDeny,
}

/// One (action, resource) of [`Cloud::simulate_principal_policy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulationResult {
    /// Like `iam:CreateRole`.
    pub action: String,
    /// The resource ARN as simulated, `*` for any.
    pub resource: String,
    pub decision: Decision,
    /// Condition keys the caller's policies test that the simulation was
    /// not given (the decision may then be a deny it would not be).
    pub missing_context: Vec<String>,
}

pub use crate::iam::limits::{QuotaSource, Quotas};
pub use crate::plan::lint::DocumentKind as PolicyKind;

/// How serious an IAM Access Analyzer finding is (its `findingType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalyzerLevel {
    /// The policy would be rejected or would not work.
    Error,
    /// It grants more than is likely meant.
    SecurityWarning,
    /// It does not follow the policy grammar's best practices.
    Warning,
    /// It could be written better (an empty array, a redundant action…).
    Suggestion,
}

impl fmt::Display for AnalyzerLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            AnalyzerLevel::Error => "error",
            AnalyzerLevel::SecurityWarning => "security warning",
            AnalyzerLevel::Warning => "warning",
            AnalyzerLevel::Suggestion => "suggestion",
        })
    }
}

/// One finding of IAM Access Analyzer's `ValidatePolicy` on a document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AnalyzerFinding {
    pub level: AnalyzerLevel,
    /// Access Analyzer's `issueCode`, like `MISSING_VERSION`.
    pub code: String,
    /// Its `findingDetails`.
    pub message: String,
    /// Its `learnMoreLink`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learn_more: Option<String>,
    /// Where in the document, as a path like `Statement[0].Action[1]`,
    /// when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The 1-based line of the document text it starts on, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

impl fmt::Display for AnalyzerFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.level, self.code)?;
        if let Some(path) = &self.path {
            write!(f, " at {path}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The kinds of failure onramp tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `EntityAlreadyExists`.
    AlreadyExists,
    /// `NoSuchEntity`.
    NoSuchEntity,
    /// `AccessDenied` / `UnauthorizedOperation`.
    AccessDenied,
    /// `Throttling` that outlasted the SDK's retries.
    Throttled,
    /// `LimitExceeded` (versions, attachments, roles per profile, …).
    LimitExceeded,
    /// `MalformedPolicyDocument`.
    MalformedPolicy,
    /// `DeleteConflict`: still attached or still holding something.
    DeleteConflict,
    /// `InvalidInput` / `ValidationError`.
    InvalidInput,
    /// No credentials could be found.
    NoCredentials,
    /// AWS refused the credentials themselves: an unknown access key
    /// (`InvalidClientTokenId`), an expired session (`ExpiredToken`), a
    /// secret that does not match (`SignatureDoesNotMatch`).
    BadCredentials,
    /// The endpoint answered, but not as the AWS service does (no AWS error
    /// code): a web server's HTML page, a proxy, the wrong `--endpoint-url`.
    NotAws,
    /// The endpoint could not be reached, or did not answer in time.
    Network,
    /// Anything else (`ServiceFailure`, unexpected responses, …).
    Other,
}

/// A failed call: which API action, what kind of failure, and the details.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CloudError {
    /// The API action, like `CreateRole`.
    pub action: Action,
    pub kind: ErrorKind,
    /// What went wrong, in words a person can act on.
    pub message: String,
}

impl CloudError {
    pub fn new(action: Action, kind: ErrorKind, message: impl Into<String>) -> CloudError {
        CloudError {
            action,
            kind,
            message: message.into(),
        }
    }
}

impl CloudError {
    /// Whether the failure is not about its action at all but about how
    /// onramp reaches AWS (credentials, network, endpoint): every call would
    /// fail alike, so the API action would only puzzle a person.
    pub fn is_about_the_connection(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::NoCredentials
                | ErrorKind::BadCredentials
                | ErrorKind::Network
                | ErrorKind::NotAws
        )
    }
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_about_the_connection() {
            return f.write_str(&self.message);
        }
        write!(f, "{} failed: {}", self.action, self.message)
    }
}

/// Result of a cloud call.
pub type CloudResult<T> = Result<T, CloudError>;

/// Declares the [`Cloud`] trait from the list in [`calls`].
macro_rules! declare_cloud {
    ($($action:path => $(#[$doc:meta])*
        fn $method:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        /// Everything onramp asks of an AWS account. Reads of a single entity return
        /// `Ok(None)` when it does not exist; calls on a missing entity otherwise fail
        /// with [`ErrorKind::NoSuchEntity`].
        ///
        /// Its calls are listed once, in [`calls`], with the API action each
        /// is counted under; the wrappers ([`counting`], [`recording`],
        /// [`faulty`]) are made from the same list.
        #[async_trait]
        pub trait Cloud: Send + Sync {
            $(
                $(#[$doc])*
                async fn $method(&self $(, $arg: $ty)*) -> CloudResult<$ret>;
            )*

            /// Reports retries to `observer` from now on (replacing any earlier one).
            /// Clouds that never retry ignore it.
            fn observe_retries(&self, _observer: RetryObserver) {}
        }
    };
}

calls::cloud_calls!(declare_cloud);

/// A call tried again after a transient failure (throttling, a dropped
/// connection, a timeout): the SDK retries on its own, and this tells the
/// front end so a person sees why a step takes longer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// The API action, like `CreateRole`.
    pub action: String,
    /// The attempt about to be made: 2 for the first retry.
    pub attempt: u32,
}

/// Receives every [`Retry`].
pub type RetryObserver = Arc<dyn Fn(Retry) + Send + Sync>;

/// IAM returns documents URL-encoded (RFC 3986); this decodes and parses one.
/// Documents that are already plain JSON (moto returns some that way) are
/// parsed as they are.
pub fn decode_document(action: Action, text: &str) -> CloudResult<Value> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| {
            CloudError::new(
                action,
                ErrorKind::Other,
                format!("the policy document is not JSON: {e}"),
            )
        });
    }
    let decoded = percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map_err(|e| {
            CloudError::new(
                action,
                ErrorKind::Other,
                format!("the policy document is not UTF-8: {e}"),
            )
        })?;
    serde_json::from_str(&decoded).map_err(|e| {
        CloudError::new(
            action,
            ErrorKind::Other,
            format!("the policy document is not JSON: {e}"),
        )
    })
}
