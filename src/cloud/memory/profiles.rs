//! Instance profiles, each holding at most one role.

use super::checks::{check_tags, merge_tags, remove_tags};
use super::errors::{error, invalid, no_profile};
use super::{State, key};
use crate::cloud::{CloudResult, ErrorKind, InstanceProfileInfo, Tags};
use crate::iam::action::Action;
use crate::iam::limits;
use crate::iam::rules;

pub(super) struct Profile {
    pub name: String,
    pub path: String,
    /// The name of the role it holds, as the role spells it.
    pub role: Option<String>,
    pub tags: Tags,
}

impl State {
    pub(super) fn profile_info(&self, profile: &Profile) -> InstanceProfileInfo {
        InstanceProfileInfo {
            arn: self.profile_arn(&profile.path, &profile.name),
            name: profile.name.clone(),
            path: profile.path.clone(),
            roles: profile.role.iter().cloned().collect(),
            tags: profile.tags.clone(),
        }
    }

    pub(super) fn profile_mut(&mut self, action: Action, name: &str) -> CloudResult<&mut Profile> {
        self.profiles
            .get_mut(&key(name))
            .ok_or_else(|| no_profile(action, name))
    }

    pub(super) fn create_instance_profile(
        &mut self,
        name: &str,
        path: &str,
        tags: &Tags,
    ) -> CloudResult<InstanceProfileInfo> {
        const A: Action = Action::CreateInstanceProfile;
        rules::iam_name(
            name,
            "instance profile name",
            limits::INSTANCE_PROFILE_NAME_MAX,
        )
        .map_err(invalid(A))?;
        rules::iam_path(path).map_err(invalid(A))?;
        check_tags(A, tags)?;
        let k = key(name);
        if self.profiles.contains_key(&k) {
            return Err(error(
                A,
                ErrorKind::AlreadyExists,
                format!("Instance Profile {name} already exists."),
            ));
        }
        let profile = Profile {
            name: name.to_owned(),
            path: path.to_owned(),
            role: None,
            tags: tags.clone(),
        };
        let info = self.profile_info(&profile);
        self.profiles.insert(k, profile);
        Ok(info)
    }

    pub(super) fn tag_instance_profile(&mut self, name: &str, tags: &Tags) -> CloudResult<()> {
        const A: Action = Action::TagInstanceProfile;
        merge_tags(A, &mut self.profile_mut(A, name)?.tags, tags)
    }

    pub(super) fn untag_instance_profile(
        &mut self,
        name: &str,
        keys: &[String],
    ) -> CloudResult<()> {
        const A: Action = Action::UntagInstanceProfile;
        remove_tags(A, &mut self.profile_mut(A, name)?.tags, keys)
    }

    pub(super) fn add_role_to_instance_profile(
        &mut self,
        profile: &str,
        role: &str,
    ) -> CloudResult<()> {
        const A: Action = Action::AddRoleToInstanceProfile;
        let role_name = self.role(A, role)?.name.clone();
        let p = self.profile_mut(A, profile)?;
        if p.role.is_some() {
            return Err(error(
                A,
                ErrorKind::LimitExceeded,
                "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
            ));
        }
        p.role = Some(role_name);
        Ok(())
    }

    pub(super) fn remove_role_from_instance_profile(
        &mut self,
        profile: &str,
        role: &str,
    ) -> CloudResult<()> {
        const A: Action = Action::RemoveRoleFromInstanceProfile;
        let role_name = self.role(A, role)?.name.clone();
        let p = self.profile_mut(A, profile)?;
        if p.role.as_deref() != Some(role_name.as_str()) {
            return Err(error(
                A,
                ErrorKind::NoSuchEntity,
                format!("Role {role} is not in instance profile {profile}."),
            ));
        }
        p.role = None;
        Ok(())
    }

    pub(super) fn delete_instance_profile(&mut self, name: &str) -> CloudResult<()> {
        const A: Action = Action::DeleteInstanceProfile;
        if self.profile_mut(A, name)?.role.is_some() {
            return Err(error(
                A,
                ErrorKind::DeleteConflict,
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        self.profiles.remove(&key(name));
        Ok(())
    }
}
