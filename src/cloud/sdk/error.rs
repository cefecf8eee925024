//! SDK failures told as [`CloudError`]s: which [`ErrorKind`], and one or two
//! sentences that say what happened and what to do (missing or refused
//! credentials, an endpoint that cannot be reached or is not AWS), never the
//! SDK's debug dump of headers and bodies.
//!
//! Every call ends the same way: send, then map the failure with the API
//! action and the resource it was about. [`ForCall::for_call`] is that tail,
//! so each call keeps only its own explicit builder chain.

use crate::iam::action::Action;
use std::error::Error as StdError;
use std::time::Duration;

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response;

use super::SdkCloud;
use crate::cloud::{CloudError, CloudResult, ErrorKind};

/// What is told to a person who has no credentials at all.
pub const NO_CREDENTIALS: &str = "no AWS credentials found. Set AWS_PROFILE or pass --profile NAME, \
     run `aws configure`, or try onramp --demo.";

/// The tail every call shares: the SDK's answer, or its failure as a
/// [`CloudError`] for `action` on `resource` (like "role `BatchJobRole`").
/// Implemented for what any client's `send()` (or a paginator's
/// `try_collect()`) resolves to.
pub(super) trait ForCall<T> {
    fn for_call(self, cloud: &SdkCloud, action: Action, resource: &str) -> CloudResult<T>;
}

impl<T, E> ForCall<T> for Result<T, SdkError<E, Response>>
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    fn for_call(self, cloud: &SdkCloud, action: Action, resource: &str) -> CloudResult<T> {
        self.map_err(|e| cloud.error(action, resource, e))
    }
}

/// Which service a call goes to, to name its endpoint in messages. Told by
/// the action, which knows its service.
#[derive(Debug, Clone, Copy)]
pub(super) enum Service {
    Iam,
    Sts,
    S3,
    AccessAnalyzer,
}

impl Service {
    /// The service `action` is a call of.
    pub(super) fn of(action: Action) -> Service {
        match action.service() {
            "sts" => Service::Sts,
            "s3" => Service::S3,
            "access-analyzer" => Service::AccessAnalyzer,
            _ => Service::Iam,
        }
    }

    /// The service's name, as a person knows it.
    fn title(self) -> &'static str {
        match self {
            Service::Iam => "IAM",
            Service::Sts => "STS",
            Service::S3 => "S3",
            Service::AccessAnalyzer => "IAM Access Analyzer",
        }
    }
}

impl SdkCloud {
    /// The URL a service's calls go to, as well as it can be told without
    /// asking the SDK's endpoint resolver, for messages only.
    pub(super) fn endpoint_of(&self, service: Service) -> String {
        if let Some(url) = &self.endpoint {
            return url.clone();
        }
        let region = self.region.as_str();
        let suffix = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        match service {
            Service::Iam if region.starts_with("cn-") => format!("https://iam.{region}.{suffix}"),
            Service::Iam if region.starts_with("us-gov-") => {
                "https://iam.us-gov.amazonaws.com".to_owned()
            }
            Service::Iam => format!("https://iam.{suffix}"),
            Service::Sts => format!("https://sts.{region}.{suffix}"),
            Service::S3 => format!("https://s3.{region}.{suffix}"),
            Service::AccessAnalyzer => format!("https://access-analyzer.{region}.{suffix}"),
        }
    }

    /// Turns an SDK failure into a [`CloudError`] for `action` on `resource`
    /// (like "role `BatchJobRole`"): one or two sentences that say what
    /// happened and what to do, never the SDK's debug dump (headers, raw
    /// bodies), which is all a person would otherwise see.
    pub(super) fn error<E>(&self, action: Action, resource: &str, err: SdkError<E>) -> CloudError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let service = Service::of(action);
        if let Some(problem) = credentials_problem(&err) {
            let problem = match &self.profile {
                Some(profile) if problem == NO_CREDENTIALS => format!(
                    "no AWS credentials found for the profile `{profile}`: the AWS config files \
                     lack it, or it has no keys. Check `aws configure list-profiles`, \
                     or try onramp --demo."
                ),
                _ => problem,
            };
            return CloudError::new(action, ErrorKind::NoCredentials, problem);
        }
        match &err {
            // An answer without an AWS error code is not AWS's error: a web
            // server, a proxy's page, an emulator without the action.
            SdkError::ServiceError(failure) if failure.err().code().is_none() => {
                self.not_aws(service, action, failure.raw())
            }
            SdkError::ServiceError(failure) => {
                let e = failure.err();
                service_failure(action, resource, e.code(), e.message(), &err)
            }
            SdkError::ResponseError(failure) => self.not_aws(service, action, failure.raw()),
            SdkError::TimeoutError(_) => CloudError::new(
                action,
                ErrorKind::Network,
                format!(
                    "{} did not answer within {}. {}.",
                    self.endpoint_of(service),
                    seconds(self.patience.operation_timeout),
                    self.network_hint()
                ),
            ),
            SdkError::DispatchFailure(failure) => {
                let url = self.endpoint_of(service);
                let p = &self.patience;
                let why = if failure.is_timeout() {
                    format!(
                        "no connection or answer within {} (connect) / {} (attempt)",
                        seconds(p.connect_timeout),
                        seconds(p.attempt_timeout)
                    )
                } else {
                    unreachable_reason(&url, &root_cause(&err))
                };
                CloudError::new(
                    action,
                    ErrorKind::Network,
                    format!(
                        "could not reach {url}: {why} ({} attempts). {}.",
                        p.max_attempts,
                        self.network_hint()
                    ),
                )
            }
            _ => CloudError::new(
                action,
                ErrorKind::Other,
                format!("{resource}: {}", plain_chain(&err)),
            ),
        }
    }

    /// What to check when the endpoint cannot be reached.
    fn network_hint(&self) -> &'static str {
        if self.endpoint.is_some() {
            "Check --endpoint-url (or AWS_ENDPOINT_URL) and that the service there is running"
        } else {
            "Check the network connection, any proxy (HTTPS_PROXY) and --region"
        }
    }

    /// An answer that is not the AWS service's: names the URL, the HTTP
    /// status and what came back (an HTML page, say), not the body itself.
    fn not_aws(&self, service: Service, action: Action, raw: &Response) -> CloudError {
        let hint = if self.endpoint.is_some() {
            "Check --endpoint-url (or AWS_ENDPOINT_URL): it must be an AWS endpoint or an emulator of one"
        } else {
            "A proxy or firewall may be answering in AWS's place; check the network and HTTPS_PROXY"
        };
        CloudError::new(
            action,
            ErrorKind::NotAws,
            format!(
                "the endpoint {} did not answer like {} (HTTP {}, {}). {hint}.",
                self.endpoint_of(service),
                service.title(),
                raw.status().as_u16(),
                body_kind(raw)
            ),
        )
    }
}

/// A duration for messages: whole seconds as `10 s`, shorter ones in ms.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Maps a service error code (IAM, STS and S3 spell some differently) to a
/// [`CloudError`] that a person can act on.
pub(super) fn service_failure(
    action: Action,
    resource: &str,
    code: Option<&str>,
    message: Option<&str>,
    err: &(dyn StdError + 'static),
) -> CloudError {
    let said = message.unwrap_or("no message");
    let code_text = code.unwrap_or("no error code");
    let (kind, text) = match code.unwrap_or_default() {
        "EntityAlreadyExists" => (
            ErrorKind::AlreadyExists,
            format!("{resource} already exists: {said}"),
        ),
        "NoSuchEntity" => (
            ErrorKind::NoSuchEntity,
            format!("{resource} does not exist: {said}"),
        ),
        "AccessDenied" | "UnauthorizedOperation" | "AccessDeniedException" => (
            ErrorKind::AccessDenied,
            format!(
                "access denied: these credentials may not call {} on {resource} ({said}). \
                 Ask an administrator to allow it; `onramp export --format admin-policy` \
                 writes the policy onramp needs.",
                action.policy_action()
            ),
        ),
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => (
            ErrorKind::Throttled,
            format!(
                "AWS kept throttling {action} on {resource} through {} attempts \
                 ({said}). Wait a minute and run again.",
                super::MAX_ATTEMPTS
            ),
        ),
        code @ ("InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidAccessKeyId"
        | "AuthFailure") => (
            ErrorKind::BadCredentials,
            format!(
                "AWS does not recognize the access key of these credentials ({code}). \
                 Check AWS_ACCESS_KEY_ID or the profile's keys (`aws configure list`), \
                 or pass --profile NAME."
            ),
        ),
        code @ ("ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired") => (
            ErrorKind::BadCredentials,
            format!(
                "these AWS credentials have expired ({code}). Get fresh ones \
                 (`aws sso login`, or new session keys) and run again."
            ),
        ),
        code @ ("SignatureDoesNotMatch" | "IncompleteSignature" | "InvalidSignatureException") => (
            ErrorKind::BadCredentials,
            format!(
                "AWS rejected the request's signature ({code}): the secret access key does \
                 not match the access key id. Check AWS_SECRET_ACCESS_KEY or the profile's keys."
            ),
        ),
        "LimitExceeded" => (
            ErrorKind::LimitExceeded,
            format!("an IAM limit was reached for {resource}: {said}"),
        ),
        "MalformedPolicyDocument" => (
            ErrorKind::MalformedPolicy,
            format!("IAM rejected the policy document of {resource}: {said}"),
        ),
        "DeleteConflict" => (
            ErrorKind::DeleteConflict,
            format!("{resource} is still in use: {said}"),
        ),
        "InvalidInput" | "ValidationError" | "ValidationException" => (
            ErrorKind::InvalidInput,
            format!("invalid input for {resource}: {said}"),
        ),
        _ if code.is_none() && message.is_none() => (
            ErrorKind::Other,
            format!("{resource}: unexpected error: {}", plain_chain(err)),
        ),
        _ => (ErrorKind::Other, format!("{resource}: {code_text}: {said}")),
    };
    CloudError::new(action, kind, text)
}

/// When a call failed because no credentials could be loaded, what to tell.
///
/// The SDK reports this as a dispatch failure whose source chain holds the
/// credentials provider's error; it is found by its message since
/// `aws-credential-types` (which names the type) is no direct dependency.
/// When the chain ends at the instance metadata service (IMDS), the last
/// place the default chain looks, nothing was configured anywhere: on a
/// laptop IMDS does not exist, and its error would only puzzle.
fn credentials_problem(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = source {
        let text = e.to_string();
        let debug = format!("{e:?}");
        if text == "the credential provider was not enabled"
            || debug.starts_with("CredentialsNotLoaded")
        {
            return Some(NO_CREDENTIALS.to_owned());
        }
        if text == "the credentials provider was not properly configured"
            || text == "an error occurred while loading credentials"
            || text.starts_with("credentials provider timed out")
            || debug.starts_with("InvalidConfiguration")
            || debug.starts_with("ProviderError")
        {
            let chain = plain_chain(e);
            if chain.contains("IMDS") || text.starts_with("credentials provider timed out") {
                return Some(NO_CREDENTIALS.to_owned());
            }
            return Some(format!(
                "could not load AWS credentials ({chain}). Check the profile \
                 (`aws configure list`), pass --profile NAME, or try onramp --demo."
            ));
        }
        source = e.source();
    }
    None
}

/// The longest an error chain is quoted in a message.
const MAX_CHAIN: usize = 200;

/// An error and its sources as one line of words (`a: b: c`): each one's
/// `Display` only, leaving out any that is a debug dump (the SDK puts whole
/// responses, headers and bodies, into some), shortened to [`MAX_CHAIN`]
/// characters.
fn plain_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = source {
        let text = e.to_string().replace('\n', " ");
        let text = text.trim();
        let dump = text.contains('{') || text.contains("headers");
        if !text.is_empty() && !dump && !parts.iter().any(|p| p.contains(text)) {
            parts.push(text.to_owned());
        }
        source = e.source();
    }
    let line = parts.join(": ");
    if line.chars().count() <= MAX_CHAIN {
        return line;
    }
    let cut: String = line.chars().take(MAX_CHAIN).collect();
    format!("{cut}…")
}

/// The innermost error's message (like "Connection refused (os error 111)").
fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut e = err;
    while let Some(next) = e.source() {
        e = next;
    }
    e.to_string()
}

/// Why `url` could not be reached, in words, from the innermost error.
fn unreachable_reason(url: &str, cause: &str) -> String {
    let lower = cause.to_lowercase();
    if lower.contains("connection refused") {
        "the connection was refused".to_owned()
    } else if lower.contains("lookup address")
        || lower.contains("name or service not known")
        || lower.contains("nodename nor servname")
        || lower.contains("no such host")
        || lower.contains("name resolution")
    {
        let host = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .unwrap_or(url);
        format!("the host name {host} does not resolve")
    } else {
        // "… (os error 101)" says nothing more to a person.
        let plain = match cause.rfind(" (os error") {
            Some(at) => &cause[..at],
            None => cause,
        };
        plain.to_owned()
    }
}

/// What an answer's body is, in a few words: "an HTML page", "an empty
/// body", … (the body itself is not quoted: it may be a whole page).
fn body_kind(raw: &Response) -> String {
    let content_type = raw
        .headers()
        .get("content-type")
        .unwrap_or_default()
        .to_lowercase();
    let body = raw.body().bytes().unwrap_or_default();
    let start = String::from_utf8_lossy(&body[..body.len().min(64)])
        .trim_start()
        .to_lowercase();
    if body.iter().all(u8::is_ascii_whitespace) {
        "an empty body".to_owned()
    } else if content_type.contains("html")
        || start.starts_with("<!doctype html")
        || start.starts_with("<html")
    {
        "an HTML page".to_owned()
    } else if content_type.contains("json") || start.starts_with('{') {
        "a JSON document that is not an AWS answer".to_owned()
    } else if start.starts_with('<') {
        "an XML document that is not an AWS answer".to_owned()
    } else if content_type.is_empty() {
        "an answer of no known type".to_owned()
    } else {
        format!("a body of type {content_type}")
    }
}

/// An answer that lacks what it should hold (`what`, like "role").
pub(super) fn missing(action: Action, what: &str) -> CloudError {
    CloudError::new(
        action,
        ErrorKind::Other,
        format!("the response has no {what}"),
    )
}

/// A read of one entity: a missing entity is `Ok(None)`, not an error.
pub(super) fn absent_as_none<T>(result: CloudResult<T>) -> CloudResult<Option<T>> {
    match result {
        Ok(out) => Ok(Some(out)),
        Err(e) if e.kind == ErrorKind::NoSuchEntity => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source error with nothing in it but its text.
    #[derive(Debug)]
    struct Plain;
    impl std::fmt::Display for Plain {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("plain")
        }
    }
    impl StdError for Plain {}

    #[test]
    fn error_codes_map_to_kinds() {
        let cases = [
            ("EntityAlreadyExists", ErrorKind::AlreadyExists),
            ("NoSuchEntity", ErrorKind::NoSuchEntity),
            ("AccessDenied", ErrorKind::AccessDenied),
            ("UnauthorizedOperation", ErrorKind::AccessDenied),
            ("AccessDeniedException", ErrorKind::AccessDenied),
            ("Throttling", ErrorKind::Throttled),
            ("ThrottlingException", ErrorKind::Throttled),
            ("RequestLimitExceeded", ErrorKind::Throttled),
            ("LimitExceeded", ErrorKind::LimitExceeded),
            ("MalformedPolicyDocument", ErrorKind::MalformedPolicy),
            ("DeleteConflict", ErrorKind::DeleteConflict),
            ("InvalidInput", ErrorKind::InvalidInput),
            ("ValidationError", ErrorKind::InvalidInput),
            ("ServiceFailure", ErrorKind::Other),
        ];
        for (code, kind) in cases {
            let e = service_failure(
                Action::CreateRole,
                "role `r`",
                Some(code),
                Some("said"),
                &Plain,
            );
            assert_eq!(e.kind, kind, "{code}");
            assert_eq!(e.action, Action::CreateRole);
            assert!(e.message.contains("said"), "{code}: {}", e.message);
        }
        let denied = service_failure(
            Action::DeleteRole,
            "role `r`",
            Some("AccessDenied"),
            Some("no"),
            &Plain,
        );
        assert!(denied.message.contains("DeleteRole") && denied.message.contains("role `r`"));
        let other = service_failure(
            Action::GetRole,
            "role `r`",
            Some("ServiceFailure"),
            Some("boom"),
            &Plain,
        );
        assert!(other.message.contains("ServiceFailure") && other.message.contains("boom"));
    }

    #[test]
    fn refused_credentials_are_their_own_kind_and_say_what_to_do() {
        for (code, advice) in [
            ("InvalidClientTokenId", "AWS_ACCESS_KEY_ID"),
            ("ExpiredToken", "have expired"),
            ("SignatureDoesNotMatch", "AWS_SECRET_ACCESS_KEY"),
        ] {
            let e = service_failure(Action::GetRole, "role `r`", Some(code), Some("no"), &Plain);
            assert_eq!(e.kind, ErrorKind::BadCredentials, "{code}");
            assert!(
                e.message.contains(code) && e.message.contains(advice),
                "{e}"
            );
            assert_eq!(e.to_string(), e.message, "no API action: {e}");
        }
    }

    #[test]
    fn unreachable_endpoints_say_why_in_words() {
        assert_eq!(
            unreachable_reason("http://127.0.0.1:9", "Connection refused (os error 111)"),
            "the connection was refused"
        );
        assert_eq!(
            unreachable_reason(
                "https://iam.example.invalid:443/x",
                "failed to lookup address information: Name or service not known"
            ),
            "the host name iam.example.invalid does not resolve"
        );
        assert_eq!(
            unreachable_reason("http://h", "Network is unreachable (os error 101)"),
            "Network is unreachable"
        );
    }

    #[test]
    fn error_chains_leave_debug_dumps_out() {
        #[derive(Debug)]
        struct Outer(Inner);
        #[derive(Debug)]
        struct Inner;
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("service error")
            }
        }
        impl std::fmt::Display for Inner {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("Response { status: 403, headers: {} }")
            }
        }
        impl StdError for Outer {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        impl StdError for Inner {}
        assert_eq!(plain_chain(&Outer(Inner)), "service error");
    }
}
