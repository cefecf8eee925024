//! Waiting out IAM's eventual consistency: a role, policy or instance
//! profile just created may not be visible to the next call for a few
//! seconds. The SDK's IAM waiters poll with exponential back-off from 1 s
//! and retry on `NoSuchEntity` until [`MAX_WAIT`].

use crate::iam::action::Action;

use aws_sdk_iam::client::Waiters;
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::waiters::instance_profile_exists::WaitUntilInstanceProfileExistsError;
use aws_sdk_iam::waiters::policy_exists::WaitUntilPolicyExistsError;
use aws_sdk_iam::waiters::role_exists::WaitUntilRoleExistsError;

use super::error::service_failure;
use super::policies::policy_resource;
use super::profiles::profile_resource;
use super::roles::role_resource;
use super::{MAX_WAIT, SdkCloud};
use crate::cloud::{CloudError, CloudResult, ErrorKind, WaitFor};

pub(super) async fn wait_until_exists(
    cloud: &SdkCloud,
    kind: WaitFor,
    id: &str,
) -> CloudResult<()> {
    /// Maps one waiter's error, whose enum is generic over the polled
    /// operation and so has to be matched per waiter.
    macro_rules! waited {
        ($result:expr, $error:ident, $action:path, $resource:expr) => {
            match $result {
                Ok(_) => Ok(()),
                Err($error::OperationFailed(failed)) => {
                    Err(cloud.error($action, &$resource, failed.into_error()))
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
            cloud
                .iam
                .wait_until_role_exists()
                .role_name(id)
                .wait(MAX_WAIT)
                .await,
            WaitUntilRoleExistsError,
            Action::GetRole,
            role_resource(id)
        ),
        WaitFor::Policy => waited!(
            cloud
                .iam
                .wait_until_policy_exists()
                .policy_arn(id)
                .wait(MAX_WAIT)
                .await,
            WaitUntilPolicyExistsError,
            Action::GetPolicy,
            policy_resource(id)
        ),
        WaitFor::InstanceProfile => waited!(
            cloud
                .iam
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
