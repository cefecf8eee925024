//! Customer managed policies and their versions, by ARN: the IAM calls
//! behind the policy methods of [`Cloud`](crate::cloud::Cloud).

use crate::iam::action::Action;

use aws_sdk_iam::types::Policy;
use serde_json::Value;

use super::error::{ForCall, absent_as_none, missing};
use super::{SdkCloud, from_tags, to_json, to_tags};
use crate::cloud::{CloudResult, NewPolicy, PolicyInfo, PolicyVersion, Tags, decode_document};

/// How a policy is named in messages.
pub(super) fn policy_resource(arn: &str) -> String {
    format!("policy `{arn}`")
}

/// How one version of a policy is named in messages.
fn version_resource(arn: &str, version_id: &str) -> String {
    format!("version {version_id} of policy `{arn}`")
}

fn policy_info(action: Action, policy: &Policy) -> CloudResult<PolicyInfo> {
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

pub(super) async fn get_policy(cloud: &SdkCloud, arn: &str) -> CloudResult<Option<PolicyInfo>> {
    const ACTION: Action = Action::GetPolicy;
    let result = cloud
        .iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .for_call(cloud, ACTION, &policy_resource(arn));
    let Some(out) = absent_as_none(result)? else {
        return Ok(None);
    };
    let policy = out.policy().ok_or_else(|| missing(ACTION, "policy"))?;
    Ok(Some(policy_info(ACTION, policy)?))
}

pub(super) async fn get_policy_version(
    cloud: &SdkCloud,
    arn: &str,
    version_id: &str,
) -> CloudResult<Value> {
    const ACTION: Action = Action::GetPolicyVersion;
    let out = cloud
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version_id)
        .send()
        .await
        .for_call(cloud, ACTION, &version_resource(arn, version_id))?;
    let document = out
        .policy_version()
        .and_then(|v| v.document())
        .ok_or_else(|| missing(ACTION, "policy document"))?;
    decode_document(ACTION, document)
}

pub(super) async fn list_policy_versions(
    cloud: &SdkCloud,
    arn: &str,
) -> CloudResult<Vec<PolicyVersion>> {
    const ACTION: Action = Action::ListPolicyVersions;
    let versions = cloud
        .iam
        .list_policy_versions()
        .policy_arn(arn)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .for_call(cloud, ACTION, &policy_resource(arn))?;
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

pub(super) async fn create_policy(
    cloud: &SdkCloud,
    policy: NewPolicy<'_>,
) -> CloudResult<PolicyInfo> {
    const ACTION: Action = Action::CreatePolicy;
    let out = cloud
        .iam
        .create_policy()
        .policy_name(policy.name)
        .path(policy.path)
        .description(policy.description)
        .policy_document(to_json(ACTION, policy.document)?)
        .set_tags(to_tags(ACTION, policy.tags)?)
        .send()
        .await
        .for_call(cloud, ACTION, &policy_resource(policy.name))?;
    let created = out.policy().ok_or_else(|| missing(ACTION, "policy"))?;
    let mut info = policy_info(ACTION, created)?;
    // CreatePolicy's answer may leave the tags out (moto does); they were
    // set as asked, or the call would have failed.
    if info.tags.is_empty() {
        info.tags = policy.tags.clone();
    }
    Ok(info)
}

pub(super) async fn create_policy_version(
    cloud: &SdkCloud,
    arn: &str,
    document: &Value,
    set_as_default: bool,
) -> CloudResult<String> {
    const ACTION: Action = Action::CreatePolicyVersion;
    let out = cloud
        .iam
        .create_policy_version()
        .policy_arn(arn)
        .policy_document(to_json(ACTION, document)?)
        .set_as_default(set_as_default)
        .send()
        .await
        .for_call(cloud, ACTION, &policy_resource(arn))?;
    out.policy_version()
        .and_then(|v| v.version_id())
        .map(str::to_owned)
        .ok_or_else(|| missing(ACTION, "version id"))
}

pub(super) async fn set_default_policy_version(
    cloud: &SdkCloud,
    arn: &str,
    version_id: &str,
) -> CloudResult<()> {
    const ACTION: Action = Action::SetDefaultPolicyVersion;
    cloud
        .iam
        .set_default_policy_version()
        .policy_arn(arn)
        .version_id(version_id)
        .send()
        .await
        .for_call(cloud, ACTION, &version_resource(arn, version_id))?;
    Ok(())
}

pub(super) async fn delete_policy_version(
    cloud: &SdkCloud,
    arn: &str,
    version_id: &str,
) -> CloudResult<()> {
    const ACTION: Action = Action::DeletePolicyVersion;
    cloud
        .iam
        .delete_policy_version()
        .policy_arn(arn)
        .version_id(version_id)
        .send()
        .await
        .for_call(cloud, ACTION, &version_resource(arn, version_id))?;
    Ok(())
}

pub(super) async fn tag_policy(cloud: &SdkCloud, arn: &str, tags: &Tags) -> CloudResult<()> {
    const ACTION: Action = Action::TagPolicy;
    // IAM rejects an empty tag list, and tagging with nothing changes
    // nothing.
    let Some(tags) = to_tags(ACTION, tags)? else {
        return Ok(());
    };
    cloud
        .iam
        .tag_policy()
        .policy_arn(arn)
        .set_tags(Some(tags))
        .send()
        .await
        .for_call(cloud, ACTION, &policy_resource(arn))?;
    Ok(())
}

pub(super) async fn untag_policy(cloud: &SdkCloud, arn: &str, keys: &[String]) -> CloudResult<()> {
    const ACTION: Action = Action::UntagPolicy;
    // As for tagging: untagging nothing changes nothing.
    if keys.is_empty() {
        return Ok(());
    }
    cloud
        .iam
        .untag_policy()
        .policy_arn(arn)
        .set_tag_keys(Some(keys.to_vec()))
        .send()
        .await
        .for_call(cloud, ACTION, &policy_resource(arn))?;
    Ok(())
}

pub(super) async fn delete_policy(cloud: &SdkCloud, arn: &str) -> CloudResult<()> {
    const ACTION: Action = Action::DeletePolicy;
    cloud
        .iam
        .delete_policy()
        .policy_arn(arn)
        .send()
        .await
        .for_call(cloud, ACTION, &policy_resource(arn))?;
    Ok(())
}
