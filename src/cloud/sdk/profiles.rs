//! Instance profiles, by name: the IAM calls behind the instance-profile
//! methods of [`Cloud`](crate::cloud::Cloud), the profile itself, its tags
//! and the role it holds.

use crate::iam::action::Action;

use aws_sdk_iam::types::InstanceProfile;

use super::error::{ForCall, absent_as_none, missing};
use super::{SdkCloud, from_tags, to_tags};
use crate::cloud::{CloudResult, InstanceProfileInfo, Tags};

/// How an instance profile is named in messages.
pub(super) fn profile_resource(name: &str) -> String {
    format!("instance profile `{name}`")
}

/// How a role held by an instance profile is named in messages.
fn membership_resource(profile: &str, role: &str) -> String {
    format!("role `{role}` in instance profile `{profile}`")
}

fn instance_profile_info(profile: &InstanceProfile) -> InstanceProfileInfo {
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

pub(super) async fn get_instance_profile(
    cloud: &SdkCloud,
    name: &str,
) -> CloudResult<Option<InstanceProfileInfo>> {
    const ACTION: Action = Action::GetInstanceProfile;
    let result = cloud
        .iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .for_call(cloud, ACTION, &profile_resource(name));
    let Some(out) = absent_as_none(result)? else {
        return Ok(None);
    };
    let profile = out
        .instance_profile()
        .ok_or_else(|| missing(ACTION, "instance profile"))?;
    Ok(Some(instance_profile_info(profile)))
}

pub(super) async fn create_instance_profile(
    cloud: &SdkCloud,
    name: &str,
    path: &str,
    tags: &Tags,
) -> CloudResult<InstanceProfileInfo> {
    const ACTION: Action = Action::CreateInstanceProfile;
    let out = cloud
        .iam
        .create_instance_profile()
        .instance_profile_name(name)
        .path(path)
        .set_tags(to_tags(ACTION, tags)?)
        .send()
        .await
        .for_call(cloud, ACTION, &profile_resource(name))?;
    let created = out
        .instance_profile()
        .ok_or_else(|| missing(ACTION, "instance profile"))?;
    let mut info = instance_profile_info(created);
    if info.tags.is_empty() {
        info.tags = tags.clone();
    }
    Ok(info)
}

pub(super) async fn tag_instance_profile(
    cloud: &SdkCloud,
    name: &str,
    tags: &Tags,
) -> CloudResult<()> {
    const ACTION: Action = Action::TagInstanceProfile;
    // IAM rejects an empty tag list, and tagging with nothing changes
    // nothing.
    let Some(tags) = to_tags(ACTION, tags)? else {
        return Ok(());
    };
    cloud
        .iam
        .tag_instance_profile()
        .instance_profile_name(name)
        .set_tags(Some(tags))
        .send()
        .await
        .for_call(cloud, ACTION, &profile_resource(name))?;
    Ok(())
}

pub(super) async fn untag_instance_profile(
    cloud: &SdkCloud,
    name: &str,
    keys: &[String],
) -> CloudResult<()> {
    const ACTION: Action = Action::UntagInstanceProfile;
    // As for tagging: untagging nothing changes nothing.
    if keys.is_empty() {
        return Ok(());
    }
    cloud
        .iam
        .untag_instance_profile()
        .instance_profile_name(name)
        .set_tag_keys(Some(keys.to_vec()))
        .send()
        .await
        .for_call(cloud, ACTION, &profile_resource(name))?;
    Ok(())
}

pub(super) async fn add_role_to_instance_profile(
    cloud: &SdkCloud,
    profile: &str,
    role: &str,
) -> CloudResult<()> {
    const ACTION: Action = Action::AddRoleToInstanceProfile;
    cloud
        .iam
        .add_role_to_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
        .for_call(cloud, ACTION, &membership_resource(profile, role))?;
    Ok(())
}

pub(super) async fn remove_role_from_instance_profile(
    cloud: &SdkCloud,
    profile: &str,
    role: &str,
) -> CloudResult<()> {
    const ACTION: Action = Action::RemoveRoleFromInstanceProfile;
    cloud
        .iam
        .remove_role_from_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
        .for_call(cloud, ACTION, &membership_resource(profile, role))?;
    Ok(())
}

pub(super) async fn delete_instance_profile(cloud: &SdkCloud, name: &str) -> CloudResult<()> {
    const ACTION: Action = Action::DeleteInstanceProfile;
    cloud
        .iam
        .delete_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .for_call(cloud, ACTION, &profile_resource(name))?;
    Ok(())
}
