//! Roles, by name: the IAM calls behind the role methods of
//! [`Cloud`](crate::cloud::Cloud): the role itself, its trust policy and
//! permissions boundary, its tags, its attached managed policies and its
//! inline policies. Service-linked roles, which AWS names and owns, are in
//! [`super::service_linked`].

use crate::iam::action::Action;

use aws_sdk_iam::types::Role;
use serde_json::Value;

use super::error::{ForCall, absent_as_none, missing};
use super::service_linked::{find_service_linked_role, looks_service_linked};
use super::{SdkCloud, from_tags, to_json, to_tags};
use crate::cloud::{CloudResult, NewRole, RoleInfo, Tags, decode_document};

/// How a role is named in messages.
pub(super) fn role_resource(name: &str) -> String {
    format!("role `{name}`")
}

/// How a managed policy attached to a role is named in messages.
fn attachment_resource(role: &str, policy_arn: &str) -> String {
    format!("policy `{policy_arn}` on role `{role}`")
}

/// How an inline policy of a role is named in messages.
fn inline_resource(role: &str, policy_name: &str) -> String {
    format!("inline policy `{policy_name}` of role `{role}`")
}

/// A role as the SDK returns it, in onramp's terms, its trust policy
/// decoded.
pub(super) fn role_info(action: Action, role: &Role) -> CloudResult<RoleInfo> {
    let document = role
        .assume_role_policy_document()
        .ok_or_else(|| missing(action, "trust policy"))?;
    Ok(RoleInfo {
        arn: role.arn().to_owned(),
        name: role.role_name().to_owned(),
        path: role.path().to_owned(),
        trust_policy: decode_document(action, document)?,
        // A cleared description can come back as an empty element (moto 5.2
        // writes `<Description/>`): an empty description is none, as the
        // memory cloud keeps it.
        description: role
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_owned),
        tags: from_tags(role.tags()),
    })
}

/// A role AWS says does not exist gets a second look when its name is a
/// service-linked role's (see [`find_service_linked_role`]).
pub(super) async fn get_role(cloud: &SdkCloud, name: &str) -> CloudResult<Option<RoleInfo>> {
    const ACTION: Action = Action::GetRole;
    let result = cloud.iam.get_role().role_name(name).send().await.for_call(
        cloud,
        ACTION,
        &role_resource(name),
    );
    let Some(out) = absent_as_none(result)? else {
        if looks_service_linked(name) {
            return find_service_linked_role(cloud, name).await;
        }
        return Ok(None);
    };
    let role = out.role().ok_or_else(|| missing(ACTION, "role"))?;
    Ok(Some(role_info(ACTION, role)?))
}

pub(super) async fn create_role(cloud: &SdkCloud, role: NewRole<'_>) -> CloudResult<RoleInfo> {
    const ACTION: Action = Action::CreateRole;
    let out = cloud
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
        .for_call(cloud, ACTION, &role_resource(role.name))?;
    let created = out.role().ok_or_else(|| missing(ACTION, "role"))?;
    let mut info = role_info(ACTION, created)?;
    // As for CreatePolicy: an answer without the tags does not mean
    // they were not set.
    if info.tags.is_empty() {
        info.tags = role.tags.clone();
    }
    Ok(info)
}

pub(super) async fn update_assume_role_policy(
    cloud: &SdkCloud,
    name: &str,
    document: &Value,
) -> CloudResult<()> {
    const ACTION: Action = Action::UpdateAssumeRolePolicy;
    cloud
        .iam
        .update_assume_role_policy()
        .role_name(name)
        .policy_document(to_json(ACTION, document)?)
        .send()
        .await
        .for_call(cloud, ACTION, &role_resource(name))?;
    Ok(())
}

/// `Description` is always sent, `""` too: IAM's `UpdateRole` leaves the
/// description of a request without one as it was, and clears it on `""`.
pub(super) async fn update_role_description(
    cloud: &SdkCloud,
    name: &str,
    description: &str,
) -> CloudResult<()> {
    const ACTION: Action = Action::UpdateRole;
    cloud
        .iam
        .update_role()
        .role_name(name)
        .description(description)
        .send()
        .await
        .for_call(cloud, ACTION, &role_resource(name))?;
    Ok(())
}

pub(super) async fn put_role_permissions_boundary(
    cloud: &SdkCloud,
    name: &str,
    boundary_arn: &str,
) -> CloudResult<()> {
    const ACTION: Action = Action::PutRolePermissionsBoundary;
    cloud
        .iam
        .put_role_permissions_boundary()
        .role_name(name)
        .permissions_boundary(boundary_arn)
        .send()
        .await
        .for_call(cloud, ACTION, &role_resource(name))?;
    Ok(())
}

pub(super) async fn delete_role_permissions_boundary(
    cloud: &SdkCloud,
    name: &str,
) -> CloudResult<()> {
    const ACTION: Action = Action::DeleteRolePermissionsBoundary;
    cloud
        .iam
        .delete_role_permissions_boundary()
        .role_name(name)
        .send()
        .await
        .for_call(cloud, ACTION, &role_resource(name))?;
    Ok(())
}

pub(super) async fn tag_role(cloud: &SdkCloud, name: &str, tags: &Tags) -> CloudResult<()> {
    const ACTION: Action = Action::TagRole;
    // IAM rejects an empty tag list, and tagging with nothing changes
    // nothing.
    let Some(tags) = to_tags(ACTION, tags)? else {
        return Ok(());
    };
    cloud
        .iam
        .tag_role()
        .role_name(name)
        .set_tags(Some(tags))
        .send()
        .await
        .for_call(cloud, ACTION, &role_resource(name))?;
    Ok(())
}

pub(super) async fn untag_role(cloud: &SdkCloud, name: &str, keys: &[String]) -> CloudResult<()> {
    const ACTION: Action = Action::UntagRole;
    // As for tagging: untagging nothing changes nothing.
    if keys.is_empty() {
        return Ok(());
    }
    cloud
        .iam
        .untag_role()
        .role_name(name)
        .set_tag_keys(Some(keys.to_vec()))
        .send()
        .await
        .for_call(cloud, ACTION, &role_resource(name))?;
    Ok(())
}

pub(super) async fn list_attached_role_policies(
    cloud: &SdkCloud,
    name: &str,
) -> CloudResult<Vec<String>> {
    const ACTION: Action = Action::ListAttachedRolePolicies;
    let attached = cloud
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .for_call(cloud, ACTION, &role_resource(name))?;
    Ok(attached
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
        .collect())
}

pub(super) async fn attach_role_policy(
    cloud: &SdkCloud,
    name: &str,
    policy_arn: &str,
) -> CloudResult<()> {
    const ACTION: Action = Action::AttachRolePolicy;
    cloud
        .iam
        .attach_role_policy()
        .role_name(name)
        .policy_arn(policy_arn)
        .send()
        .await
        .for_call(cloud, ACTION, &attachment_resource(name, policy_arn))?;
    Ok(())
}

pub(super) async fn detach_role_policy(
    cloud: &SdkCloud,
    name: &str,
    policy_arn: &str,
) -> CloudResult<()> {
    const ACTION: Action = Action::DetachRolePolicy;
    cloud
        .iam
        .detach_role_policy()
        .role_name(name)
        .policy_arn(policy_arn)
        .send()
        .await
        .for_call(cloud, ACTION, &attachment_resource(name, policy_arn))?;
    Ok(())
}

pub(super) async fn list_role_policies(cloud: &SdkCloud, name: &str) -> CloudResult<Vec<String>> {
    const ACTION: Action = Action::ListRolePolicies;
    cloud
        .iam
        .list_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .for_call(cloud, ACTION, &role_resource(name))
}

pub(super) async fn get_role_policy(
    cloud: &SdkCloud,
    name: &str,
    policy_name: &str,
) -> CloudResult<Value> {
    const ACTION: Action = Action::GetRolePolicy;
    let out = cloud
        .iam
        .get_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .send()
        .await
        .for_call(cloud, ACTION, &inline_resource(name, policy_name))?;
    decode_document(ACTION, out.policy_document())
}

pub(super) async fn put_role_policy(
    cloud: &SdkCloud,
    name: &str,
    policy_name: &str,
    document: &Value,
) -> CloudResult<()> {
    const ACTION: Action = Action::PutRolePolicy;
    cloud
        .iam
        .put_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .policy_document(to_json(ACTION, document)?)
        .send()
        .await
        .for_call(cloud, ACTION, &inline_resource(name, policy_name))?;
    Ok(())
}

pub(super) async fn delete_role_policy(
    cloud: &SdkCloud,
    name: &str,
    policy_name: &str,
) -> CloudResult<()> {
    const ACTION: Action = Action::DeleteRolePolicy;
    cloud
        .iam
        .delete_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .send()
        .await
        .for_call(cloud, ACTION, &inline_resource(name, policy_name))?;
    Ok(())
}

pub(super) async fn delete_role(cloud: &SdkCloud, name: &str) -> CloudResult<()> {
    const ACTION: Action = Action::DeleteRole;
    cloud
        .iam
        .delete_role()
        .role_name(name)
        .send()
        .await
        .for_call(cloud, ACTION, &role_resource(name))?;
    Ok(())
}
