//! The real AWS account, through aws-sdk-iam, aws-sdk-sts and aws-sdk-s3
//! (and aws-sdk-accessanalyzer for the optional policy validation).
//!
//! Credentials, region and endpoint come from aws-config's default chain
//! (environment, profiles, SSO, IMDS) so onramp behaves like the AWS CLI,
//! with `--profile`, `--region` and `--endpoint-url` on top. Every call is
//! bounded in time (see [`CONNECT_TIMEOUT`] and friends): an unreachable
//! endpoint is reported in seconds instead of hanging the wizard, and every
//! SDK failure becomes a [`CloudError`] that names the API action.

use crate::iam::action::Action;
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::client::Waiters;
use aws_sdk_iam::config::Credentials;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::Tag;
use futures::StreamExt;
use serde_json::Value;

use super::{
    Bucket, Cloud, CloudError, CloudResult, ErrorKind, Identity, InstanceProfileInfo, NewPolicy,
    NewRole, PolicyInfo, PolicyVersion, Retry, RetryObserver, RoleInfo, Tags, WaitFor,
    decode_document, partition_of_arn,
};

/// How long to wait for a TCP (and TLS) connection: long enough for a slow
/// link, short enough that a wrong `--endpoint-url` is reported at once.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one attempt of a call may take before it is retried.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a call may take in all, retries and back-off included, so that
/// nothing ever hangs.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(40);
/// Attempts per call (the first one included). The standard retry mode backs
/// off exponentially with jitter between them, which rides out throttling and
/// brief network trouble.
pub const MAX_ATTEMPTS: u32 = 5;
/// The standard retry mode's first back-off (its own default).
pub const INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// How long [`Cloud::wait_until_exists`] waits for IAM's eventual consistency
/// before giving up; new entities are normally visible within seconds.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// How often the deletion task of a service-linked role is polled.
pub const DELETION_POLL: Duration = Duration::from_secs(2);

/// The region used when nothing configures one. IAM is global and is signed
/// for us-east-1 anyway; STS and S3 `ListBuckets` answer there for the whole
/// `aws` partition, so a wizard that only manages IAM need not insist.
pub const FALLBACK_REGION: &str = "us-east-1";

/// What is told to a person who has no credentials at all.
pub const NO_CREDENTIALS: &str = "no AWS credentials found. Set AWS_PROFILE or pass --profile NAME, \
     run `aws configure`, or try onramp --demo.";

/// How to reach AWS, as given on the command line. Anything left `None` comes
/// from the environment and profile files, as for the AWS CLI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// `--profile`; else `AWS_PROFILE`; else `default`.
    pub profile: Option<String>,
    /// `--region`; else `AWS_REGION` / `AWS_DEFAULT_REGION`, the profile, IMDS.
    pub region: Option<String>,
    /// `--endpoint-url`; else `AWS_ENDPOINT_URL` or the profile's
    /// `endpoint_url`; else the real AWS endpoints. For emulators such as moto.
    pub endpoint_url: Option<String>,
    /// Timeouts and retries; the defaults are onramp's policy.
    pub patience: Patience,
}

/// How long calls may take and how they are retried. Only tests change it:
/// the fault tests need every timeout and back-off in milliseconds to run a
/// few hundred faulty applies in reasonable time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    pub connect_timeout: Duration,
    pub attempt_timeout: Duration,
    pub operation_timeout: Duration,
    pub max_attempts: u32,
    /// The first back-off before a retry; later ones grow exponentially
    /// (with jitter) up to the SDK's cap.
    pub initial_backoff: Duration,
}

impl Default for Patience {
    fn default() -> Patience {
        Patience {
            connect_timeout: CONNECT_TIMEOUT,
            attempt_timeout: ATTEMPT_TIMEOUT,
            operation_timeout: OPERATION_TIMEOUT,
            max_attempts: MAX_ATTEMPTS,
            initial_backoff: INITIAL_BACKOFF,
        }
    }
}

/// A [`Cloud`] backed by the AWS SDK.
#[derive(Debug, Clone)]
pub struct SdkCloud {
    /// The timeouts and retries it was made with, for messages.
    patience: Patience,
    /// Where the IAM client reports its retries.
    retries: RetryReporter,
    iam: aws_sdk_iam::Client,
    sts: aws_sdk_sts::Client,
    s3: aws_sdk_s3::Client,
    /// IAM Access Analyzer (regional), for `ValidatePolicy` only.
    analyzer: aws_sdk_accessanalyzer::Client,
    /// The endpoint every service is sent to, when one is configured; kept
    /// for error messages.
    endpoint: Option<String>,
    /// The profile asked for (`--profile`, `AWS_PROFILE`), for messages.
    profile: Option<String>,
    region: String,
}

/// Which service a call goes to, to name its endpoint in messages.
#[derive(Debug, Clone, Copy)]
enum Service {
    Iam,
    Sts,
    S3,
    AccessAnalyzer,
}

impl Service {
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
    /// Connects through aws-config's default chain: credentials from the
    /// environment, the profile files (SSO and `credential_process`
    /// included) or IMDS, like the AWS CLI. No AWS request is sent yet
    /// (aws-config may ask IMDS for the region when none is configured):
    /// credentials are resolved on the first call, so missing ones are
    /// reported by that call as [`ErrorKind::NoCredentials`]. Fails only for
    /// an endpoint URL that is not http(s), as action `Connect`.
    pub async fn connect(options: &ConnectOptions) -> CloudResult<SdkCloud> {
        check_endpoint(options.endpoint_url.as_deref())?;
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = bounded(loader, &options.patience).load().await;
        let mut cloud = SdkCloud::from_config(&config, options.patience);
        cloud.profile = options
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok())
            .filter(|p| !p.is_empty());
        Ok(cloud)
    }

    /// Connects with the given static credentials and nothing from the
    /// machine: no environment variable, no profile file, no IMDS. For tests
    /// against an emulator, which must neither pick up a developer's real
    /// account nor depend on process-wide environment variables (tests run
    /// in parallel threads). The region defaults to [`FALLBACK_REGION`].
    pub async fn connect_isolated(
        options: &ConnectOptions,
        credentials: Credentials,
    ) -> CloudResult<SdkCloud> {
        check_endpoint(options.endpoint_url.as_deref())?;
        let region = options
            .region
            .clone()
            .unwrap_or_else(|| FALLBACK_REGION.to_owned());
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .empty_test_environment()
            .credentials_provider(credentials)
            .region(Region::new(region));
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = bounded(loader, &options.patience).load().await;
        Ok(SdkCloud::from_config(&config, options.patience))
    }

    fn from_config(config: &SdkConfig, patience: Patience) -> SdkCloud {
        // Without any configured region STS and S3 refuse to build a request;
        // see FALLBACK_REGION for why a default is harmless here.
        let config = if config.region().is_none() {
            config
                .to_builder()
                .region(Region::from_static(FALLBACK_REGION))
                .build()
        } else {
            config.clone()
        };
        // Path-style addressing (`http://host/bucket`) works with an emulator
        // on 127.0.0.1, where `bucket.127.0.0.1` cannot resolve; AWS accepts
        // it for the two bucket calls onramp makes.
        let s3_config = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build();
        let retries = RetryReporter::default();
        let iam_config = aws_sdk_iam::config::Builder::from(&config)
            .interceptor(retries.clone())
            .build();
        SdkCloud {
            patience,
            retries,
            // IAM is global, but an explicit endpoint (moto, LocalStack, a
            // VPC endpoint) applies to it like to every other service.
            iam: aws_sdk_iam::Client::from_conf(iam_config),
            sts: aws_sdk_sts::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            // The same credentials, region, endpoint, timeouts and retries.
            analyzer: aws_sdk_accessanalyzer::Client::new(&config),
            endpoint: config.endpoint_url().map(str::to_owned),
            profile: None,
            region: config
                .region()
                .map(|r| r.as_ref().to_owned())
                .unwrap_or_else(|| FALLBACK_REGION.to_owned()),
        }
    }

    /// The endpoint URL every call goes to, when one is configured
    /// (`--endpoint-url`, `AWS_ENDPOINT_URL` or the profile), for messages.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// The region requests are signed for (and STS and S3 are sent to).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The URL a service's calls go to, as well as it can be told without
    /// asking the SDK's endpoint resolver, for messages only.
    fn endpoint_of(&self, service: Service) -> String {
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
    fn error<E>(
        &self,
        service: Service,
        action: Action,
        resource: &str,
        err: SdkError<E>,
    ) -> CloudError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
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
    fn not_aws(
        &self,
        service: Service,
        action: Action,
        raw: &aws_smithy_runtime_api::http::Response,
    ) -> CloudError {
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

    fn iam_error<E>(
        &self,
        action: Action,
        resource: &str,
    ) -> impl FnOnce(SdkError<E>) -> CloudError + '_
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let resource = resource.to_owned();
        move |e| self.error(Service::Iam, action, &resource, e)
    }

    /// The service-linked role named `name` but for case, found by listing
    /// the service-linked roles: IAM treats role names case-insensitively,
    /// and an emulator that names a service's role otherwise (moto's
    /// `AWSServiceRoleForbatch` for AWS Batch) would otherwise have every
    /// later run plan to create the role again and fail. Only called once
    /// `GetRole` found nothing, so on AWS it costs one call on the first
    /// run only. When the caller may not list roles, `GetRole`'s answer
    /// stands: an admin policy exported before this read was added still
    /// works on AWS, whose names match.
    async fn find_service_linked_role(&self, name: &str) -> CloudResult<Option<RoleInfo>> {
        const ACTION: Action = Action::ListRoles;
        let listed: Result<Vec<_>, _> = self
            .iam
            .list_roles()
            .path_prefix(SERVICE_LINKED_PATH)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        let roles = match listed.map_err(self.iam_error(ACTION, &role_resource(name))) {
            Ok(roles) => roles,
            Err(e) if e.kind == ErrorKind::AccessDenied => return Ok(None),
            Err(e) => return Err(e),
        };
        roles
            .iter()
            .find(|r| r.role_name().eq_ignore_ascii_case(name))
            .map(|r| role_info(ACTION, r))
            .transpose()
    }
}

/// Whether `GetRole` answering "no such role" for `name` is worth a second
/// look with [`SdkCloud::find_service_linked_role`]: the names AWS gives
/// service-linked roles. Public so that the admin policy's test records the
/// `iam:ListRoles` call exactly when this backend makes it.
pub fn looks_service_linked(name: &str) -> bool {
    name.get(..SERVICE_LINKED_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(SERVICE_LINKED_PREFIX))
}

/// How AWS begins the name of every service-linked role.
const SERVICE_LINKED_PREFIX: &str = "AWSServiceRoleFor";

/// The path under which AWS keeps every service-linked role.
const SERVICE_LINKED_PATH: &str = "/aws-service-role/";

/// A duration for messages: whole seconds as `10 s`, shorter ones in ms.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Applies onramp's retry and timeout policy to a config loader.
fn bounded(loader: aws_config::ConfigLoader, patience: &Patience) -> aws_config::ConfigLoader {
    loader
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(patience.max_attempts)
                .with_initial_backoff(patience.initial_backoff),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(patience.connect_timeout)
                .operation_attempt_timeout(patience.attempt_timeout)
                .operation_timeout(patience.operation_timeout)
                .build(),
        )
}

/// An endpoint URL the SDK cannot use would otherwise only fail at the first
/// call, with a less helpful message.
fn check_endpoint(url: Option<&str>) -> CloudResult<()> {
    match url {
        Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
            Err(CloudError::new(
                Action::Connect,
                ErrorKind::InvalidInput,
                format!("the endpoint URL `{url}` must start with http:// or https://"),
            ))
        }
        _ => Ok(()),
    }
}

/// Maps a service error code (IAM, STS and S3 spell some differently) to a
/// [`CloudError`] that a person can act on.
fn service_failure(
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
                "AWS kept throttling {action} on {resource} through {MAX_ATTEMPTS} attempts \
                 ({said}). Wait a minute and run again."
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
fn body_kind(raw: &aws_smithy_runtime_api::http::Response) -> String {
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

fn to_tags(action: Action, tags: &Tags) -> CloudResult<Option<Vec<Tag>>> {
    if tags.is_empty() {
        return Ok(None);
    }
    tags.iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| {
                CloudError::new(action, ErrorKind::InvalidInput, format!("tag `{k}`: {e}"))
            })
        })
        .collect::<CloudResult<Vec<Tag>>>()
        .map(Some)
}

fn from_tags(tags: &[Tag]) -> Tags {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

fn to_json(action: Action, document: &Value) -> CloudResult<String> {
    serde_json::to_string(document).map_err(|e| {
        CloudError::new(
            action,
            ErrorKind::InvalidInput,
            format!("the document cannot be written: {e}"),
        )
    })
}

fn missing(action: Action, what: &str) -> CloudError {
    CloudError::new(
        action,
        ErrorKind::Other,
        format!("the response has no {what}"),
    )
}

fn policy_info(action: Action, policy: &aws_sdk_iam::types::Policy) -> CloudResult<PolicyInfo> {
    Ok(PolicyInfo {
        arn: policy
            .arn()
            .ok_or_else(|| missing(action, "policy ARN"))?
            .to_owned(),
        name: policy
            .policy_name()
            .ok_or_else(|| missing(action, "policy name"))?
            .to_owned(),
        path: policy.path().unwrap_or("/").to_owned(),
        default_version_id: policy.default_version_id().unwrap_or("v1").to_owned(),
        tags: from_tags(policy.tags()),
    })
}

fn role_info(action: Action, role: &aws_sdk_iam::types::Role) -> CloudResult<RoleInfo> {
    let document = role
        .assume_role_policy_document()
        .ok_or_else(|| missing(action, "trust policy"))?;
    Ok(RoleInfo {
        arn: role.arn().to_owned(),
        name: role.role_name().to_owned(),
        path: role.path().to_owned(),
        trust_policy: decode_document(action, document)?,
        description: role.description().map(str::to_owned),
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_owned),
        tags: from_tags(role.tags()),
    })
}

fn instance_profile_info(profile: &aws_sdk_iam::types::InstanceProfile) -> InstanceProfileInfo {
    InstanceProfileInfo {
        arn: profile.arn().to_owned(),
        name: profile.instance_profile_name().to_owned(),
        path: profile.path().to_owned(),
        roles: profile
            .roles()
            .iter()
            .map(|r| r.role_name().to_owned())
            .collect(),
        tags: from_tags(profile.tags()),
    }
}

/// `GetBucketLocation`'s answer as a region name: S3 still says nothing for
/// us-east-1 and `EU` for the oldest eu-west-1 buckets.
fn location_to_region(location: Option<&str>) -> String {
    match location {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(other) => other.to_owned(),
    }
}

/// A read of one entity: a missing entity is `Ok(None)`, not an error.
fn absent_as_none<T>(result: CloudResult<T>) -> CloudResult<Option<T>> {
    match result {
        Ok(out) => Ok(Some(out)),
        Err(e) if e.kind == ErrorKind::NoSuchEntity => Ok(None),
        Err(e) => Err(e),
    }
}

/// Why AWS did not delete a service-linked role, in words: its reason, and
/// what still uses the role in which region.
fn deletion_failure(
    name: &str,
    reason: Option<&aws_sdk_iam::types::DeletionTaskFailureReasonType>,
) -> String {
    let mut text = format!("AWS did not delete {name}");
    let Some(reason) = reason else {
        return text + " and gave no reason";
    };
    if let Some(why) = reason.reason() {
        text.push_str(&format!(": {why}"));
    }
    let users: Vec<String> = reason
        .role_usage_list()
        .iter()
        .map(|u| {
            format!(
                "{} ({})",
                u.resources().join(", "),
                u.region().unwrap_or("no region given")
            )
        })
        .collect();
    if !users.is_empty() {
        text.push_str(&format!(
            "; it is still used by {}: delete those first",
            users.join("; ")
        ));
    }
    text
}

fn role_resource(name: &str) -> String {
    format!("role `{name}`")
}

fn policy_resource(arn: &str) -> String {
    format!("policy `{arn}`")
}

fn profile_resource(name: &str) -> String {
    format!("instance profile `{name}`")
}

#[async_trait]
impl Cloud for SdkCloud {
    fn observe_retries(&self, observer: RetryObserver) {
        if let Ok(mut slot) = self.retries.observer.lock() {
            *slot = Some(observer);
        }
    }

    async fn identity(&self) -> CloudResult<Identity> {
        const ACTION: Action = Action::GetCallerIdentity;
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| self.error(Service::Sts, ACTION, "the caller identity", e))?;
        let arn = out.arn().ok_or_else(|| missing(ACTION, "ARN"))?.to_owned();
        let account_id = out
            .account()
            .ok_or_else(|| missing(ACTION, "account"))?
            .to_owned();
        let partition = partition_of_arn(&arn)
            .ok_or_else(|| {
                CloudError::new(ACTION, ErrorKind::Other, format!("`{arn}` is not an ARN"))
            })?
            .to_owned();
        Ok(Identity {
            account_id,
            arn,
            partition,
        })
    }

    async fn list_buckets(&self) -> CloudResult<Vec<Bucket>> {
        const ACTION: Action = Action::ListBuckets;
        let listed = self
            .s3
            .list_buckets()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.error(Service::S3, ACTION, "the account's buckets", e))?;
        // Up to this many GetBucketLocation calls at once: enough for an
        // account with hundreds of buckets, few enough not to be throttled.
        const CONCURRENT_LOOKUPS: usize = 8;
        // Owned names and clients, so the futures borrow nothing (which
        // async-trait's `Send` bound would otherwise trip over).
        let named: Vec<(String, Option<String>)> = listed
            .into_iter()
            .filter_map(|b| {
                let region = b
                    .bucket_region()
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned);
                Some((b.name?, region))
            })
            .collect();
        let buckets = futures::stream::iter(named)
            .map(|(name, region)| {
                let s3 = self.s3.clone();
                async move {
                    let region = match region {
                        Some(region) => Some(region),
                        // Older S3 implementations (and emulators) leave the
                        // region out of ListBuckets; ask for it. A bucket
                        // whose region cannot be read (another owner's
                        // policy, a network blip) stays in the list without
                        // a region rather than failing the whole list.
                        None => s3
                            .get_bucket_location()
                            .bucket(&name)
                            .send()
                            .await
                            .ok()
                            .map(|out| {
                                location_to_region(out.location_constraint().map(|c| c.as_str()))
                            }),
                    };
                    Bucket { name, region }
                }
            })
            .buffered(CONCURRENT_LOOKUPS)
            .collect::<Vec<Bucket>>()
            .await;
        Ok(buckets)
    }

    async fn get_policy(&self, arn: &str) -> CloudResult<Option<PolicyInfo>> {
        const ACTION: Action = Action::GetPolicy;
        let result = self
            .iam
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &policy_resource(arn)));
        let Some(out) = absent_as_none(result)? else {
            return Ok(None);
        };
        let policy = out.policy().ok_or_else(|| missing(ACTION, "policy"))?;
        Ok(Some(policy_info(ACTION, policy)?))
    }

    async fn get_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<Value> {
        const ACTION: Action = Action::GetPolicyVersion;
        let out = self
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version_id)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &format!("version {version_id} of policy `{arn}`")))?;
        let document = out
            .policy_version()
            .and_then(|v| v.document())
            .ok_or_else(|| missing(ACTION, "policy document"))?;
        decode_document(ACTION, document)
    }

    async fn list_policy_versions(&self, arn: &str) -> CloudResult<Vec<PolicyVersion>> {
        const ACTION: Action = Action::ListPolicyVersions;
        let versions = self
            .iam
            .list_policy_versions()
            .policy_arn(arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(self.iam_error(ACTION, &policy_resource(arn)))?;
        let mut versions: Vec<PolicyVersion> = versions
            .iter()
            .filter_map(|v| {
                Some(PolicyVersion {
                    version_id: v.version_id()?.to_owned(),
                    is_default: v.is_default_version(),
                })
            })
            .collect();
        versions.sort_by_key(PolicyVersion::number);
        Ok(versions)
    }

    async fn create_policy(&self, policy: NewPolicy<'_>) -> CloudResult<PolicyInfo> {
        const ACTION: Action = Action::CreatePolicy;
        let out = self
            .iam
            .create_policy()
            .policy_name(policy.name)
            .path(policy.path)
            .description(policy.description)
            .policy_document(to_json(ACTION, policy.document)?)
            .set_tags(to_tags(ACTION, policy.tags)?)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &format!("policy `{}`", policy.name)))?;
        let created = out.policy().ok_or_else(|| missing(ACTION, "policy"))?;
        let mut info = policy_info(ACTION, created)?;
        // CreatePolicy's answer may leave the tags out (moto does); they were
        // set as asked, or the call would have failed.
        if info.tags.is_empty() {
            info.tags = policy.tags.clone();
        }
        Ok(info)
    }

    async fn create_policy_version(
        &self,
        arn: &str,
        document: &Value,
        set_as_default: bool,
    ) -> CloudResult<String> {
        const ACTION: Action = Action::CreatePolicyVersion;
        let out = self
            .iam
            .create_policy_version()
            .policy_arn(arn)
            .policy_document(to_json(ACTION, document)?)
            .set_as_default(set_as_default)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &policy_resource(arn)))?;
        out.policy_version()
            .and_then(|v| v.version_id())
            .map(str::to_owned)
            .ok_or_else(|| missing(ACTION, "version id"))
    }

    async fn set_default_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<()> {
        const ACTION: Action = Action::SetDefaultPolicyVersion;
        self.iam
            .set_default_policy_version()
            .policy_arn(arn)
            .version_id(version_id)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &format!("version {version_id} of policy `{arn}`")))?;
        Ok(())
    }

    async fn delete_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<()> {
        const ACTION: Action = Action::DeletePolicyVersion;
        self.iam
            .delete_policy_version()
            .policy_arn(arn)
            .version_id(version_id)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &format!("version {version_id} of policy `{arn}`")))?;
        Ok(())
    }

    async fn tag_policy(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        const ACTION: Action = Action::TagPolicy;
        // IAM rejects an empty tag list, and tagging with nothing changes
        // nothing.
        let Some(tags) = to_tags(ACTION, tags)? else {
            return Ok(());
        };
        self.iam
            .tag_policy()
            .policy_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(self.iam_error(ACTION, &policy_resource(arn)))?;
        Ok(())
    }

    async fn delete_policy(&self, arn: &str) -> CloudResult<()> {
        const ACTION: Action = Action::DeletePolicy;
        self.iam
            .delete_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &policy_resource(arn)))?;
        Ok(())
    }

    async fn get_role(&self, name: &str) -> CloudResult<Option<RoleInfo>> {
        const ACTION: Action = Action::GetRole;
        let result = self
            .iam
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &role_resource(name)));
        let Some(out) = absent_as_none(result)? else {
            if looks_service_linked(name) {
                return self.find_service_linked_role(name).await;
            }
            return Ok(None);
        };
        let role = out.role().ok_or_else(|| missing(ACTION, "role"))?;
        Ok(Some(role_info(ACTION, role)?))
    }

    async fn create_role(&self, role: NewRole<'_>) -> CloudResult<RoleInfo> {
        const ACTION: Action = Action::CreateRole;
        let out = self
            .iam
            .create_role()
            .role_name(role.name)
            .path(role.path)
            .description(role.description)
            .assume_role_policy_document(to_json(ACTION, role.trust_policy)?)
            .set_permissions_boundary(role.permissions_boundary.map(str::to_owned))
            .set_tags(to_tags(ACTION, role.tags)?)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &role_resource(role.name)))?;
        let created = out.role().ok_or_else(|| missing(ACTION, "role"))?;
        let mut info = role_info(ACTION, created)?;
        // As for CreatePolicy: an answer without the tags does not mean
        // they were not set.
        if info.tags.is_empty() {
            info.tags = role.tags.clone();
        }
        Ok(info)
    }

    async fn update_assume_role_policy(&self, name: &str, document: &Value) -> CloudResult<()> {
        const ACTION: Action = Action::UpdateAssumeRolePolicy;
        self.iam
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(to_json(ACTION, document)?)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &role_resource(name)))?;
        Ok(())
    }

    async fn put_role_permissions_boundary(
        &self,
        name: &str,
        boundary_arn: &str,
    ) -> CloudResult<()> {
        const ACTION: Action = Action::PutRolePermissionsBoundary;
        self.iam
            .put_role_permissions_boundary()
            .role_name(name)
            .permissions_boundary(boundary_arn)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &role_resource(name)))?;
        Ok(())
    }

    async fn delete_role_permissions_boundary(&self, name: &str) -> CloudResult<()> {
        const ACTION: Action = Action::DeleteRolePermissionsBoundary;
        self.iam
            .delete_role_permissions_boundary()
            .role_name(name)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &role_resource(name)))?;
        Ok(())
    }

    async fn tag_role(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        const ACTION: Action = Action::TagRole;
        // IAM rejects an empty tag list, and tagging with nothing changes
        // nothing.
        let Some(tags) = to_tags(ACTION, tags)? else {
            return Ok(());
        };
        self.iam
            .tag_role()
            .role_name(name)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(self.iam_error(ACTION, &role_resource(name)))?;
        Ok(())
    }

    async fn list_attached_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        const ACTION: Action = Action::ListAttachedRolePolicies;
        let attached = self
            .iam
            .list_attached_role_policies()
            .role_name(name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(self.iam_error(ACTION, &role_resource(name)))?;
        Ok(attached
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_owned))
            .collect())
    }

    async fn attach_role_policy(&self, name: &str, policy_arn: &str) -> CloudResult<()> {
        const ACTION: Action = Action::AttachRolePolicy;
        self.iam
            .attach_role_policy()
            .role_name(name)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &format!("policy `{policy_arn}` on role `{name}`")))?;
        Ok(())
    }

    async fn detach_role_policy(&self, name: &str, policy_arn: &str) -> CloudResult<()> {
        const ACTION: Action = Action::DetachRolePolicy;
        self.iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &format!("policy `{policy_arn}` on role `{name}`")))?;
        Ok(())
    }

    async fn list_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        const ACTION: Action = Action::ListRolePolicies;
        self.iam
            .list_role_policies()
            .role_name(name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(self.iam_error(ACTION, &role_resource(name)))
    }

    async fn get_role_policy(&self, name: &str, policy_name: &str) -> CloudResult<Value> {
        const ACTION: Action = Action::GetRolePolicy;
        let out = self
            .iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy_name)
            .send()
            .await
            .map_err(self.iam_error(
                ACTION,
                &format!("inline policy `{policy_name}` of role `{name}`"),
            ))?;
        decode_document(ACTION, out.policy_document())
    }

    async fn put_role_policy(
        &self,
        name: &str,
        policy_name: &str,
        document: &Value,
    ) -> CloudResult<()> {
        const ACTION: Action = Action::PutRolePolicy;
        self.iam
            .put_role_policy()
            .role_name(name)
            .policy_name(policy_name)
            .policy_document(to_json(ACTION, document)?)
            .send()
            .await
            .map_err(self.iam_error(
                ACTION,
                &format!("inline policy `{policy_name}` of role `{name}`"),
            ))?;
        Ok(())
    }

    async fn delete_role_policy(&self, name: &str, policy_name: &str) -> CloudResult<()> {
        const ACTION: Action = Action::DeleteRolePolicy;
        self.iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(policy_name)
            .send()
            .await
            .map_err(self.iam_error(
                ACTION,
                &format!("inline policy `{policy_name}` of role `{name}`"),
            ))?;
        Ok(())
    }

    async fn delete_role(&self, name: &str) -> CloudResult<()> {
        const ACTION: Action = Action::DeleteRole;
        self.iam
            .delete_role()
            .role_name(name)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &role_resource(name)))?;
        Ok(())
    }

    /// IAM answers a role that exists with `InvalidInput` ("Service role
    /// name … has been taken in this account"), moto with
    /// `EntityAlreadyExists`; both are [`ErrorKind::AlreadyExists`] here.
    async fn create_service_linked_role(
        &self,
        service: &str,
        description: &str,
    ) -> CloudResult<RoleInfo> {
        const ACTION: Action = Action::CreateServiceLinkedRole;
        let resource = format!("the service-linked role of `{service}`");
        let out = self
            .iam
            .create_service_linked_role()
            .aws_service_name(service)
            .set_description(Some(description.to_owned()).filter(|d| !d.is_empty()))
            .send()
            .await
            .map_err(self.iam_error(ACTION, &resource))
            .map_err(|mut e| {
                if e.kind == ErrorKind::InvalidInput && e.message.contains("has been taken") {
                    e.kind = ErrorKind::AlreadyExists;
                }
                e
            })?;
        let created = out.role().ok_or_else(|| missing(ACTION, "role"))?;
        role_info(ACTION, created)
    }

    /// Polls the deletion task every [`DELETION_POLL`] for up to
    /// [`MAX_WAIT`]; a task that fails is [`ErrorKind::DeleteConflict`]
    /// with AWS's reason and the resources that still use the role.
    async fn delete_service_linked_role(&self, name: &str) -> CloudResult<()> {
        use aws_sdk_iam::types::DeletionTaskStatusType as Status;
        const ACTION: Action = Action::DeleteServiceLinkedRole;
        const STATUS: Action = Action::GetServiceLinkedRoleDeletionStatus;
        let resource = role_resource(name);
        let out = self
            .iam
            .delete_service_linked_role()
            .role_name(name)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &resource))?;
        let task = out.deletion_task_id().to_owned();
        let started = std::time::Instant::now();
        loop {
            let status = self
                .iam
                .get_service_linked_role_deletion_status()
                .deletion_task_id(&task)
                .send()
                .await
                .map_err(self.iam_error(STATUS, &resource))?;
            match status.status() {
                Status::Succeeded => return Ok(()),
                Status::Failed => {
                    return Err(CloudError::new(
                        ACTION,
                        ErrorKind::DeleteConflict,
                        deletion_failure(name, status.reason()),
                    ));
                }
                _ if started.elapsed() >= MAX_WAIT => {
                    return Err(CloudError::new(
                        ACTION,
                        ErrorKind::Other,
                        format!(
                            "AWS had not finished deleting {resource} after {} s (deletion task {task}); run destroy again later",
                            MAX_WAIT.as_secs()
                        ),
                    ));
                }
                _ => tokio::time::sleep(DELETION_POLL).await,
            }
        }
    }

    async fn get_instance_profile(&self, name: &str) -> CloudResult<Option<InstanceProfileInfo>> {
        const ACTION: Action = Action::GetInstanceProfile;
        let result = self
            .iam
            .get_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &profile_resource(name)));
        let Some(out) = absent_as_none(result)? else {
            return Ok(None);
        };
        let profile = out
            .instance_profile()
            .ok_or_else(|| missing(ACTION, "instance profile"))?;
        Ok(Some(instance_profile_info(profile)))
    }

    async fn create_instance_profile(
        &self,
        name: &str,
        path: &str,
        tags: &Tags,
    ) -> CloudResult<InstanceProfileInfo> {
        const ACTION: Action = Action::CreateInstanceProfile;
        let out = self
            .iam
            .create_instance_profile()
            .instance_profile_name(name)
            .path(path)
            .set_tags(to_tags(ACTION, tags)?)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &profile_resource(name)))?;
        let created = out
            .instance_profile()
            .ok_or_else(|| missing(ACTION, "instance profile"))?;
        let mut info = instance_profile_info(created);
        if info.tags.is_empty() {
            info.tags = tags.clone();
        }
        Ok(info)
    }

    async fn tag_instance_profile(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        const ACTION: Action = Action::TagInstanceProfile;
        // IAM rejects an empty tag list, and tagging with nothing changes
        // nothing.
        let Some(tags) = to_tags(ACTION, tags)? else {
            return Ok(());
        };
        self.iam
            .tag_instance_profile()
            .instance_profile_name(name)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(self.iam_error(ACTION, &profile_resource(name)))?;
        Ok(())
    }

    async fn add_role_to_instance_profile(&self, profile: &str, role: &str) -> CloudResult<()> {
        const ACTION: Action = Action::AddRoleToInstanceProfile;
        self.iam
            .add_role_to_instance_profile()
            .instance_profile_name(profile)
            .role_name(role)
            .send()
            .await
            .map_err(self.iam_error(
                ACTION,
                &format!("role `{role}` in instance profile `{profile}`"),
            ))?;
        Ok(())
    }

    async fn remove_role_from_instance_profile(
        &self,
        profile: &str,
        role: &str,
    ) -> CloudResult<()> {
        const ACTION: Action = Action::RemoveRoleFromInstanceProfile;
        self.iam
            .remove_role_from_instance_profile()
            .instance_profile_name(profile)
            .role_name(role)
            .send()
            .await
            .map_err(self.iam_error(
                ACTION,
                &format!("role `{role}` in instance profile `{profile}`"),
            ))?;
        Ok(())
    }

    async fn delete_instance_profile(&self, name: &str) -> CloudResult<()> {
        const ACTION: Action = Action::DeleteInstanceProfile;
        self.iam
            .delete_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .map_err(self.iam_error(ACTION, &profile_resource(name)))?;
        Ok(())
    }

    /// Polls with the SDK's IAM waiters (exponential back-off from 1 s),
    /// which retry on `NoSuchEntity` until [`MAX_WAIT`].
    async fn wait_until_exists(&self, kind: WaitFor, id: &str) -> CloudResult<()> {
        use aws_sdk_iam::waiters::instance_profile_exists::WaitUntilInstanceProfileExistsError;
        use aws_sdk_iam::waiters::policy_exists::WaitUntilPolicyExistsError;
        use aws_sdk_iam::waiters::role_exists::WaitUntilRoleExistsError;

        /// Maps one waiter's error, whose enum is generic over the polled
        /// operation and so has to be matched per waiter.
        macro_rules! waited {
            ($result:expr, $error:ident, $action:path, $resource:expr) => {
                match $result {
                    Ok(_) => Ok(()),
                    Err($error::OperationFailed(failed)) => {
                        Err(self.error(Service::Iam, $action, &$resource, failed.into_error()))
                    }
                    Err($error::ExceededMaxWait(_)) => Err(CloudError::new(
                        $action,
                        ErrorKind::NoSuchEntity,
                        format!(
                            "{} was still not visible after {} s. IAM is sometimes slow to \
                             show a new entity: run again with the same journal to resume.",
                            $resource,
                            MAX_WAIT.as_secs()
                        ),
                    )),
                    Err(other) => Err(service_failure(
                        $action,
                        &$resource,
                        other.code(),
                        other.message(),
                        &other,
                    )),
                }
            };
        }

        match kind {
            WaitFor::Role => waited!(
                self.iam
                    .wait_until_role_exists()
                    .role_name(id)
                    .wait(MAX_WAIT)
                    .await,
                WaitUntilRoleExistsError,
                Action::GetRole,
                role_resource(id)
            ),
            WaitFor::Policy => waited!(
                self.iam
                    .wait_until_policy_exists()
                    .policy_arn(id)
                    .wait(MAX_WAIT)
                    .await,
                WaitUntilPolicyExistsError,
                Action::GetPolicy,
                policy_resource(id)
            ),
            WaitFor::InstanceProfile => waited!(
                self.iam
                    .wait_until_instance_profile_exists()
                    .instance_profile_name(id)
                    .wait(MAX_WAIT)
                    .await,
                WaitUntilInstanceProfileExistsError,
                Action::GetInstanceProfile,
                profile_resource(id)
            ),
        }
    }

    async fn account_quotas(&self) -> CloudResult<super::Quotas> {
        const ACTION: Action = Action::GetAccountSummary;
        let out = self
            .iam
            .get_account_summary()
            .customize()
            .config_override(
                aws_sdk_iam::config::Builder::default()
                    .retry_config(self.retries_of(ADVICE_ATTEMPTS)),
            )
            .send()
            .await
            .map_err(|e| {
                self.advice_error(
                    Service::Iam,
                    ACTION,
                    "the account's quotas",
                    &format!("without an error code: it may not offer {ACTION}"),
                    e,
                )
            })?;
        let summary = out
            .summary_map()
            .ok_or_else(|| missing(ACTION, "SummaryMap"))?;
        Ok(super::Quotas::from_summary(
            summary.iter().map(|(k, v)| (k.as_str(), i64::from(*v))),
        ))
    }

    /// Pages by hand (`nextToken`), each page tried at most
    /// [`ADVICE_ATTEMPTS`] times: the validation is advice.
    async fn validate_policy(
        &self,
        document: &str,
        kind: super::PolicyKind,
    ) -> CloudResult<Vec<super::AnalyzerFinding>> {
        use aws_sdk_accessanalyzer::types::{PolicyType, ValidatePolicyResourceType};
        const ACTION: Action = Action::ValidatePolicy;
        let (policy_type, resource_type) = match kind {
            super::PolicyKind::Identity => (PolicyType::IdentityPolicy, None),
            // A role's trust policy is a resource policy on the role.
            super::PolicyKind::Trust => (
                PolicyType::ResourcePolicy,
                Some(ValidatePolicyResourceType::RoleTrust),
            ),
        };
        let mut findings = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_VALIDATION_PAGES {
            let out = self
                .analyzer
                .validate_policy()
                .policy_document(document)
                .policy_type(policy_type.clone())
                .set_validate_policy_resource_type(resource_type.clone())
                .set_next_token(token.take())
                .customize()
                .config_override(
                    aws_sdk_accessanalyzer::config::Builder::default()
                        .retry_config(self.retries_of(ADVICE_ATTEMPTS)),
                )
                .send()
                .await
                .map_err(|e| {
                    self.advice_error(
                        Service::AccessAnalyzer,
                        ACTION,
                        "the policy document",
                        &format!("without an error code: it may not offer {ACTION}"),
                        e,
                    )
                })?;
            findings.extend(out.findings().iter().map(analyzer_finding));
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(findings),
            }
        }
        Err(CloudError::new(
            ACTION,
            ErrorKind::Other,
            format!("still more findings after {MAX_VALIDATION_PAGES} pages"),
        ))
    }

    /// Pages by hand (`Marker` while `IsTruncated`) rather than with the
    /// SDK's paginator, which takes no per-call configuration: each page
    /// is tried at most [`ADVICE_ATTEMPTS`] times. The preflight is
    /// advice, and a simulator that fails (an emulator without one answers
    /// HTTP 500) should cost a second, not the SDK's five back-offs.
    async fn simulate_principal_policy(
        &self,
        source_arn: &str,
        actions: &[String],
        resources: &[String],
        context: &[super::ContextEntry],
    ) -> CloudResult<Vec<super::SimulationResult>> {
        const ACTION: Action = Action::SimulatePrincipalPolicy;
        let entries: Vec<aws_sdk_iam::types::ContextEntry> = context
            .iter()
            .map(|c| {
                aws_sdk_iam::types::ContextEntry::builder()
                    .context_key_name(&c.key)
                    .set_context_key_values(Some(c.values.clone()))
                    .context_key_type(aws_sdk_iam::types::ContextKeyTypeEnum::String)
                    .build()
            })
            .collect();
        let resource = format!("the policies of `{source_arn}`");
        let mut results: Vec<super::SimulationResult> = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..MAX_SIMULATION_PAGES {
            let request = self
                .iam
                .simulate_principal_policy()
                .policy_source_arn(source_arn)
                .set_action_names(Some(actions.to_vec()))
                .set_resource_arns((!resources.is_empty()).then(|| resources.to_vec()))
                .set_context_entries((!entries.is_empty()).then(|| entries.clone()))
                .set_marker(marker.take());
            let out = request
                .customize()
                .config_override(
                    aws_sdk_iam::config::Builder::default()
                        .retry_config(self.retries_of(ADVICE_ATTEMPTS)),
                )
                .send()
                .await
                .map_err(|e| {
                    // Shown on the welcome screen: an endpoint without a
                    // simulator (moto answers HTTP 500 with an HTML page).
                    self.advice_error(
                        Service::Iam,
                        ACTION,
                        &resource,
                        "without an IAM error: it may have no policy simulator",
                        e,
                    )
                })?;
            for result in out.evaluation_results() {
                for one in simulation_results(result) {
                    if !results
                        .iter()
                        .any(|r| r.action == one.action && r.resource == one.resource)
                    {
                        results.push(one);
                    }
                }
            }
            match out.marker() {
                Some(next) if out.is_truncated() && !next.is_empty() => {
                    marker = Some(next.to_owned());
                }
                _ => return Ok(results),
            }
        }
        Err(CloudError::new(
            ACTION,
            ErrorKind::Other,
            format!("{resource}: still more results after {MAX_SIMULATION_PAGES} pages"),
        ))
    }
}

/// Tries of `GetAccountSummary` and of each `ValidatePolicy` and
/// `SimulatePrincipalPolicy` page: all are optional (onramp goes on without
/// them), so a failure should cost a second, not the SDK's five back-offs.
const ADVICE_ATTEMPTS: u32 = 2;

/// Pages of one `ValidatePolicy` before giving up: a policy has a handful
/// of findings at most.
const MAX_VALIDATION_PAGES: usize = 20;

impl SdkCloud {
    /// The clients' own retry settings (their back-off), with `attempts`.
    fn retries_of(&self, attempts: u32) -> RetryConfig {
        self.iam
            .config()
            .retry_config()
            .cloned()
            .unwrap_or_else(RetryConfig::standard)
            .with_max_attempts(attempts)
    }

    /// A failed optional call, told briefly: an endpoint that does not
    /// offer it (moto has no Access Analyzer and no policy simulator) would
    /// otherwise be reported with the whole raw response. `unoffered`
    /// follows "ENDPOINT answered HTTP STATUS" in that case.
    fn advice_error<E>(
        &self,
        service: Service,
        action: Action,
        resource: &str,
        unoffered: &str,
        err: SdkError<E, aws_smithy_runtime_api::http::Response>,
    ) -> CloudError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        if let SdkError::ServiceError(failure) = &err
            && failure.err().code().is_none()
            && failure.err().message().is_none()
        {
            return CloudError::new(
                action,
                ErrorKind::Other,
                format!(
                    "{} answered HTTP {} {unoffered}",
                    self.endpoint_of(service),
                    failure.raw().status().as_u16()
                ),
            );
        }
        self.error(service, action, resource, err)
    }
}

/// An Access Analyzer finding in onramp's terms.
fn analyzer_finding(
    f: &aws_sdk_accessanalyzer::types::ValidatePolicyFinding,
) -> super::AnalyzerFinding {
    use aws_sdk_accessanalyzer::types::{PathElement, ValidatePolicyFindingType as T};
    let level = match f.finding_type() {
        T::Error => super::AnalyzerLevel::Error,
        T::SecurityWarning => super::AnalyzerLevel::SecurityWarning,
        T::Suggestion => super::AnalyzerLevel::Suggestion,
        // A type Access Analyzer may add later is at least worth a look.
        _ => super::AnalyzerLevel::Warning,
    };
    let location = f.locations().first();
    let path = location.map(|l| {
        let mut out = String::new();
        for element in l.path() {
            match element {
                PathElement::Index(i) => out.push_str(&format!("[{i}]")),
                PathElement::Key(k) | PathElement::Value(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                PathElement::Substring(sub) => {
                    out.push_str(&format!(
                        "[{}..{}]",
                        sub.start(),
                        sub.start() + sub.length()
                    ));
                }
                _ => {}
            }
        }
        out
    });
    super::AnalyzerFinding {
        level,
        code: f.issue_code().to_owned(),
        message: f.finding_details().to_owned(),
        learn_more: Some(f.learn_more_link().to_owned()).filter(|l| !l.is_empty()),
        path: path.filter(|p| !p.is_empty()),
        line: location
            .and_then(|l| l.span())
            .and_then(|s| s.start())
            .and_then(|p| u32::try_from(p.line()).ok()),
    }
}

/// Pages of one simulation before giving up: a handful of actions on a
/// handful of resources fits in one or two (IAM's default page is 100).
const MAX_SIMULATION_PAGES: usize = 50;

/// One evaluation result as (action, resource) decisions. With
/// `ResourceArns` IAM gives each resource's decision in
/// `ResourceSpecificResults` (the top-level `EvalDecision` then sums them
/// up); without, the top level is the decision on `*`.
fn simulation_results(
    result: &aws_sdk_iam::types::EvaluationResult,
) -> Vec<super::SimulationResult> {
    let action = result.eval_action_name();
    let specific = result.resource_specific_results();
    if specific.is_empty() {
        return vec![super::SimulationResult {
            action: action.to_owned(),
            resource: result.eval_resource_name().unwrap_or("*").to_owned(),
            decision: decision(result.eval_decision()),
            missing_context: result.missing_context_values().to_vec(),
        }];
    }
    specific
        .iter()
        .map(|r| super::SimulationResult {
            action: action.to_owned(),
            resource: r.eval_resource_name().to_owned(),
            decision: decision(r.eval_resource_decision()),
            missing_context: r.missing_context_values().to_vec(),
        })
        .collect()
}

/// A decision IAM may add later counts as not allowed.
fn decision(d: &aws_sdk_iam::types::PolicyEvaluationDecisionType) -> super::Decision {
    use aws_sdk_iam::types::PolicyEvaluationDecisionType as D;
    match d {
        D::Allowed => super::Decision::Allowed,
        D::ExplicitDeny => super::Decision::ExplicitDeny,
        _ => super::Decision::ImplicitDeny,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_service_linked_names_are_looked_for_past_their_case() {
        assert!(looks_service_linked("AWSServiceRoleForBatch"));
        assert!(looks_service_linked("AWSServiceRoleForbatch"));
        assert!(!looks_service_linked("AWSBatchServiceRole"));
        assert!(!looks_service_linked("ecsInstanceRole"));
        assert!(!looks_service_linked("AWSServiceRole"));
        assert!(!looks_service_linked(""));
    }

    #[test]
    fn bucket_locations_become_regions() {
        assert_eq!(location_to_region(None), "us-east-1");
        assert_eq!(location_to_region(Some("")), "us-east-1");
        assert_eq!(location_to_region(Some("EU")), "eu-west-1");
        assert_eq!(location_to_region(Some("ap-south-1")), "ap-south-1");
    }

    #[test]
    fn error_codes_map_to_kinds() {
        #[derive(Debug)]
        struct Plain;
        impl std::fmt::Display for Plain {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("plain")
            }
        }
        impl StdError for Plain {}
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
        #[derive(Debug)]
        struct Plain;
        impl std::fmt::Display for Plain {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("plain")
            }
        }
        impl StdError for Plain {}
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

    #[test]
    fn endpoint_urls_are_checked() {
        assert!(check_endpoint(None).is_ok());
        assert!(check_endpoint(Some("http://127.0.0.1:5000")).is_ok());
        assert!(check_endpoint(Some("https://iam.amazonaws.com")).is_ok());
        let e = check_endpoint(Some("127.0.0.1:5000")).err();
        assert_eq!(e.map(|e| e.kind), Some(ErrorKind::InvalidInput));
    }
}

/// An SDK interceptor that logs every IAM request and tells an observer when
/// a call is attempted again: the SDK's standard retry mode retries
/// throttling, transient errors and timeouts on its own, silently.
#[derive(Clone, Default)]
struct RetryReporter {
    observer: Arc<std::sync::Mutex<Option<RetryObserver>>>,
}

impl std::fmt::Debug for RetryReporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RetryReporter")
    }
}

impl aws_sdk_iam::config::Intercept for RetryReporter {
    fn name(&self) -> &'static str {
        "onramp-retry-reporter"
    }

    fn read_before_attempt(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_sdk_iam::config::RuntimeComponents,
        cfg: &mut aws_sdk_iam::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let attempt = cfg
            .load::<aws_smithy_runtime_api::client::retries::RequestAttempts>()
            .map_or(1, |a| a.attempts());
        let action = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map_or_else(|| "call".to_owned(), |m| m.name().to_owned());
        // One line per request sent, for `--log-file`: how many calls a run
        // really made (bench/apply_vs_cli.sh counts them).
        tracing::debug!(target: "onramp::iam", action = %action, attempt, "iam request");
        if attempt > 1 {
            let observer = self.observer.lock().ok().and_then(|o| o.clone());
            if let Some(observer) = observer {
                observer(Retry { action, attempt });
            }
        }
        Ok(())
    }
}
