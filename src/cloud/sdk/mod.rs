//! The real AWS account, through aws-sdk-iam, aws-sdk-sts and aws-sdk-s3
//! (and aws-sdk-accessanalyzer for the optional policy validation).
//!
//! Credentials, region and endpoint come from aws-config's default chain
//! (environment, profiles, SSO, IMDS) so onramp behaves like the AWS CLI,
//! with `--profile`, `--region` and `--endpoint-url` on top. Every call is
//! bounded in time (see [`CONNECT_TIMEOUT`] and friends): an unreachable
//! endpoint is reported in seconds instead of hanging the wizard, and every
//! SDK failure becomes a [`CloudError`] that names the API action.
//!
//! This file makes the [`SdkCloud`] (config, endpoint, patience) and lists
//! the [`Cloud`] methods, each one line that hands over to the file of its
//! entity: `policies.rs`, `roles.rs`, `service_linked.rs`, `profiles.rs`,
//! plus `account.rs` (STS and S3), `wait.rs` (eventual consistency) and
//! `advice.rs` (simulator, quotas, Access Analyzer). `error.rs` tells
//! failures in words and holds the tail every call shares; `retry.rs`
//! reports the SDK's retries.

mod account;
mod advice;
mod error;
mod policies;
mod profiles;
mod retry;
mod roles;
mod service_linked;

pub use error::NO_CREDENTIALS;
pub use service_linked::{DELETION_POLL, looks_service_linked};

use crate::iam::action::Action;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::config::Credentials;
use aws_sdk_iam::types::Tag;
use serde_json::Value;

use super::{
    AnalyzerFinding, Bucket, Cloud, CloudError, CloudResult, ContextEntry, ErrorKind, Identity,
    InstanceProfileInfo, NewPolicy, NewRole, PolicyInfo, PolicyKind, PolicyVersion, Quotas,
    RetryObserver, RoleInfo, SimulationResult, Tags,
};
use retry::RetryReporter;

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
/// How long onramp waits on AWS: for IAM to show an entity this run
/// created (a call that needs it is tried again meanwhile), and for a
/// service-linked role's deletion task. New entities are normally visible
/// within seconds.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// The region used when nothing configures one. IAM is global and is signed
/// for us-east-1 anyway; STS and S3 `ListBuckets` answer there for the whole
/// `aws` partition, so a wizard that only manages IAM need not insist.
pub const FALLBACK_REGION: &str = "us-east-1";

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

/// Tags as the SDK takes them: `None` for none (IAM rejects an empty list).
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

/// Tags as the SDK returns them, in onramp's terms.
fn from_tags(tags: &[Tag]) -> Tags {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

/// A document as the text IAM takes.
fn to_json(action: Action, document: &Value) -> CloudResult<String> {
    serde_json::to_string(document).map_err(|e| {
        CloudError::new(
            action,
            ErrorKind::InvalidInput,
            format!("the document cannot be written: {e}"),
        )
    })
}

/// Each method hands over to the function of the same name in its entity's
/// file, so that this list reads like the trait and each call is found by
/// its entity.
#[async_trait]
impl Cloud for SdkCloud {
    async fn identity(&self) -> CloudResult<Identity> {
        account::identity(self).await
    }

    async fn list_buckets(&self) -> CloudResult<Vec<Bucket>> {
        account::list_buckets(self).await
    }

    async fn get_policy(&self, arn: &str) -> CloudResult<Option<PolicyInfo>> {
        policies::get_policy(self, arn).await
    }

    async fn get_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<Value> {
        policies::get_policy_version(self, arn, version_id).await
    }

    async fn list_policy_versions(&self, arn: &str) -> CloudResult<Vec<PolicyVersion>> {
        policies::list_policy_versions(self, arn).await
    }

    async fn create_policy(&self, policy: NewPolicy<'_>) -> CloudResult<PolicyInfo> {
        policies::create_policy(self, policy).await
    }

    async fn create_policy_version(
        &self,
        arn: &str,
        document: &Value,
        set_as_default: bool,
    ) -> CloudResult<String> {
        policies::create_policy_version(self, arn, document, set_as_default).await
    }

    async fn set_default_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<()> {
        policies::set_default_policy_version(self, arn, version_id).await
    }

    async fn delete_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<()> {
        policies::delete_policy_version(self, arn, version_id).await
    }

    async fn tag_policy(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        policies::tag_policy(self, arn, tags).await
    }

    async fn untag_policy(&self, arn: &str, keys: &[String]) -> CloudResult<()> {
        policies::untag_policy(self, arn, keys).await
    }

    async fn delete_policy(&self, arn: &str) -> CloudResult<()> {
        policies::delete_policy(self, arn).await
    }

    async fn get_role(&self, name: &str) -> CloudResult<Option<RoleInfo>> {
        roles::get_role(self, name).await
    }

    async fn create_role(&self, role: NewRole<'_>) -> CloudResult<RoleInfo> {
        roles::create_role(self, role).await
    }

    async fn update_assume_role_policy(&self, name: &str, document: &Value) -> CloudResult<()> {
        roles::update_assume_role_policy(self, name, document).await
    }

    async fn update_role_description(&self, name: &str, description: &str) -> CloudResult<()> {
        roles::update_role_description(self, name, description).await
    }

    async fn put_role_permissions_boundary(
        &self,
        name: &str,
        boundary_arn: &str,
    ) -> CloudResult<()> {
        roles::put_role_permissions_boundary(self, name, boundary_arn).await
    }

    async fn delete_role_permissions_boundary(&self, name: &str) -> CloudResult<()> {
        roles::delete_role_permissions_boundary(self, name).await
    }

    async fn tag_role(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        roles::tag_role(self, name, tags).await
    }

    async fn untag_role(&self, name: &str, keys: &[String]) -> CloudResult<()> {
        roles::untag_role(self, name, keys).await
    }

    async fn list_attached_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        roles::list_attached_role_policies(self, name).await
    }

    async fn attach_role_policy(&self, name: &str, policy_arn: &str) -> CloudResult<()> {
        roles::attach_role_policy(self, name, policy_arn).await
    }

    async fn detach_role_policy(&self, name: &str, policy_arn: &str) -> CloudResult<()> {
        roles::detach_role_policy(self, name, policy_arn).await
    }

    async fn list_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        roles::list_role_policies(self, name).await
    }

    async fn get_role_policy(&self, name: &str, policy_name: &str) -> CloudResult<Value> {
        roles::get_role_policy(self, name, policy_name).await
    }

    async fn put_role_policy(
        &self,
        name: &str,
        policy_name: &str,
        document: &Value,
    ) -> CloudResult<()> {
        roles::put_role_policy(self, name, policy_name, document).await
    }

    async fn delete_role_policy(&self, name: &str, policy_name: &str) -> CloudResult<()> {
        roles::delete_role_policy(self, name, policy_name).await
    }

    async fn delete_role(&self, name: &str) -> CloudResult<()> {
        roles::delete_role(self, name).await
    }

    async fn create_service_linked_role(
        &self,
        service: &str,
        description: &str,
    ) -> CloudResult<RoleInfo> {
        service_linked::create_service_linked_role(self, service, description).await
    }

    async fn delete_service_linked_role(&self, name: &str) -> CloudResult<()> {
        service_linked::delete_service_linked_role(self, name).await
    }

    async fn get_instance_profile(&self, name: &str) -> CloudResult<Option<InstanceProfileInfo>> {
        profiles::get_instance_profile(self, name).await
    }

    async fn create_instance_profile(
        &self,
        name: &str,
        path: &str,
        tags: &Tags,
    ) -> CloudResult<InstanceProfileInfo> {
        profiles::create_instance_profile(self, name, path, tags).await
    }

    async fn tag_instance_profile(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        profiles::tag_instance_profile(self, name, tags).await
    }

    async fn untag_instance_profile(&self, name: &str, keys: &[String]) -> CloudResult<()> {
        profiles::untag_instance_profile(self, name, keys).await
    }

    async fn add_role_to_instance_profile(&self, profile: &str, role: &str) -> CloudResult<()> {
        profiles::add_role_to_instance_profile(self, profile, role).await
    }

    async fn remove_role_from_instance_profile(
        &self,
        profile: &str,
        role: &str,
    ) -> CloudResult<()> {
        profiles::remove_role_from_instance_profile(self, profile, role).await
    }

    async fn delete_instance_profile(&self, name: &str) -> CloudResult<()> {
        profiles::delete_instance_profile(self, name).await
    }

    async fn simulate_principal_policy(
        &self,
        source_arn: &str,
        actions: &[String],
        resources: &[String],
        context: &[ContextEntry],
    ) -> CloudResult<Vec<SimulationResult>> {
        advice::simulate_principal_policy(self, source_arn, actions, resources, context).await
    }

    async fn account_quotas(&self) -> CloudResult<Quotas> {
        advice::account_quotas(self).await
    }

    async fn validate_policy(
        &self,
        document: &str,
        kind: PolicyKind,
    ) -> CloudResult<Vec<AnalyzerFinding>> {
        advice::validate_policy(self, document, kind).await
    }

    fn observe_retries(&self, observer: RetryObserver) {
        self.retries.observe(observer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_are_checked() {
        assert!(check_endpoint(None).is_ok());
        assert!(check_endpoint(Some("http://127.0.0.1:5000")).is_ok());
        assert!(check_endpoint(Some("https://iam.amazonaws.com")).is_ok());
        let e = check_endpoint(Some("127.0.0.1:5000")).err();
        assert_eq!(e.map(|e| e.kind), Some(ErrorKind::InvalidInput));
    }
}
