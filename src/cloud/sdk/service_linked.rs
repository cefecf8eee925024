//! Service-linked roles: AWS names them (`AWSServiceRoleForBatch`), keeps
//! them under `/aws-service-role/` and owns their permissions. They are
//! created for a service, deleted through a deletion task that is polled,
//! and looked up past the case of their name. Apart from
//! [`super::roles`] because none of that applies to a role onramp names.

use crate::iam::action::Action;

use aws_sdk_iam::types::{DeletionTaskFailureReasonType, DeletionTaskStatusType as Status};

use super::error::{ForCall, missing};
use super::roles::{role_info, role_resource};
use super::{MAX_WAIT, SdkCloud};
use crate::cloud::{CloudError, CloudResult, ErrorKind, RoleInfo};

/// How often the deletion task of a service-linked role is polled.
pub const DELETION_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// How AWS begins the name of every service-linked role.
const SERVICE_LINKED_PREFIX: &str = "AWSServiceRoleFor";

/// The path under which AWS keeps every service-linked role.
const SERVICE_LINKED_PATH: &str = "/aws-service-role/";

/// Whether `GetRole` answering "no such role" for `name` is worth a second
/// look by listing service-linked roles: the names AWS gives
/// service-linked roles. Public so that the admin policy's test records the
/// `iam:ListRoles` call exactly when this backend makes it.
pub fn looks_service_linked(name: &str) -> bool {
    name.get(..SERVICE_LINKED_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(SERVICE_LINKED_PREFIX))
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
pub(super) async fn find_service_linked_role(
    cloud: &SdkCloud,
    name: &str,
) -> CloudResult<Option<RoleInfo>> {
    const ACTION: Action = Action::ListRoles;
    let listed = cloud
        .iam
        .list_roles()
        .path_prefix(SERVICE_LINKED_PATH)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .for_call(cloud, ACTION, &role_resource(name));
    let roles = match listed {
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

/// IAM answers a role that exists with `InvalidInput` ("Service role
/// name … has been taken in this account"), moto with
/// `EntityAlreadyExists`; both are [`ErrorKind::AlreadyExists`] here.
pub(super) async fn create_service_linked_role(
    cloud: &SdkCloud,
    service: &str,
    description: &str,
) -> CloudResult<RoleInfo> {
    const ACTION: Action = Action::CreateServiceLinkedRole;
    let resource = format!("the service-linked role of `{service}`");
    let out = cloud
        .iam
        .create_service_linked_role()
        .aws_service_name(service)
        .set_description(Some(description.to_owned()).filter(|d| !d.is_empty()))
        .send()
        .await
        .for_call(cloud, ACTION, &resource)
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
pub(super) async fn delete_service_linked_role(cloud: &SdkCloud, name: &str) -> CloudResult<()> {
    const ACTION: Action = Action::DeleteServiceLinkedRole;
    const STATUS: Action = Action::GetServiceLinkedRoleDeletionStatus;
    let resource = role_resource(name);
    let out = cloud
        .iam
        .delete_service_linked_role()
        .role_name(name)
        .send()
        .await
        .for_call(cloud, ACTION, &resource)?;
    let task = out.deletion_task_id().to_owned();
    let started = std::time::Instant::now();
    loop {
        let status = cloud
            .iam
            .get_service_linked_role_deletion_status()
            .deletion_task_id(&task)
            .send()
            .await
            .for_call(cloud, STATUS, &resource)?;
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

/// Why AWS did not delete a service-linked role, in words: its reason, and
/// what still uses the role in which region.
fn deletion_failure(name: &str, reason: Option<&DeletionTaskFailureReasonType>) -> String {
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
}
