//! Roles: their trust policies, boundaries, tags, attached managed
//! policies and inline policies.

use std::collections::BTreeMap;

use serde_json::Value;

use super::checks::{check_description, check_size, check_tags, merge_tags, remove_tags};
use super::errors::{error, invalid, no_policy, no_role, protected_role};
use super::grammar::check_document;
use super::{State, key};
use crate::cloud::{CloudResult, ErrorKind, NewRole, RoleInfo, Tags};
use crate::iam::action::Action;
use crate::iam::arn::Arn;
use crate::iam::limits;
use crate::iam::policy::Usage;
use crate::iam::rules;

pub(super) struct Role {
    pub name: String,
    pub path: String,
    pub trust_policy: Value,
    pub description: Option<String>,
    pub permissions_boundary: Option<String>,
    pub tags: Tags,
    /// ARNs of the attached managed policies, in the policy's own spelling.
    pub attached: Vec<String>,
    /// Inline policy name → document, as given.
    pub inline: BTreeMap<String, Value>,
    /// For a service-linked role, its service: only AWS may change or
    /// delete it (`DeleteServiceLinkedRole` aside).
    pub linked_service: Option<String>,
    /// What uses a service-linked role (a test says so), which makes
    /// `DeleteServiceLinkedRole` fail as it does in AWS.
    pub used_by: Vec<String>,
}

impl State {
    pub(super) fn role_info(&self, role: &Role) -> RoleInfo {
        RoleInfo {
            arn: self.role_arn(&role.path, &role.name),
            name: role.name.clone(),
            path: role.path.clone(),
            trust_policy: role.trust_policy.clone(),
            description: role.description.clone(),
            permissions_boundary: role.permissions_boundary.clone(),
            tags: role.tags.clone(),
        }
    }

    pub(super) fn role(&self, action: Action, name: &str) -> CloudResult<&Role> {
        self.roles
            .get(&key(name))
            .ok_or_else(|| no_role(action, name))
    }

    /// A role to change: a service-linked role is AWS's to change, and IAM
    /// refuses (`UnmodifiableEntity`).
    pub(super) fn role_mut(&mut self, action: Action, name: &str) -> CloudResult<&mut Role> {
        let role = self
            .roles
            .get_mut(&key(name))
            .ok_or_else(|| no_role(action, name))?;
        if role.linked_service.is_some() {
            return Err(protected_role(action, &role.name));
        }
        Ok(role)
    }

    pub(super) fn create_role(&mut self, new: NewRole<'_>) -> CloudResult<RoleInfo> {
        const A: Action = Action::CreateRole;
        rules::iam_name(new.name, "role name", limits::ROLE_NAME_MAX).map_err(invalid(A))?;
        rules::iam_path(new.path).map_err(invalid(A))?;
        check_description(A, new.description, true)?;
        check_tags(A, new.tags)?;
        check_document(A, new.trust_policy, Usage::Trust)?;
        check_size(
            A,
            new.trust_policy,
            self.quotas.trust_policy_size,
            "ACLSizePerRole",
        )?;
        let k = key(new.name);
        if self.roles.contains_key(&k) {
            return Err(error(
                A,
                ErrorKind::AlreadyExists,
                format!("Role with name {} already exists.", new.name),
            ));
        }
        if let Some(boundary) = new.permissions_boundary {
            self.check_boundary(A, boundary)?;
        }
        let role = Role {
            name: new.name.to_owned(),
            path: new.path.to_owned(),
            trust_policy: new.trust_policy.clone(),
            description: Some(new.description.to_owned()).filter(|d| !d.is_empty()),
            permissions_boundary: new.permissions_boundary.map(str::to_owned),
            tags: new.tags.clone(),
            attached: Vec::new(),
            inline: BTreeMap::new(),
            linked_service: None,
            used_by: Vec::new(),
        };
        let info = self.role_info(&role);
        self.roles.insert(k, role);
        Ok(info)
    }

    pub(super) fn update_assume_role_policy(
        &mut self,
        name: &str,
        document: &Value,
    ) -> CloudResult<()> {
        const A: Action = Action::UpdateAssumeRolePolicy;
        self.role(A, name)?;
        check_document(A, document, Usage::Trust)?;
        check_size(A, document, self.quotas.trust_policy_size, "ACLSizePerRole")?;
        self.role_mut(A, name)?.trust_policy = document.clone();
        Ok(())
    }

    pub(super) fn put_role_permissions_boundary(
        &mut self,
        name: &str,
        boundary: &str,
    ) -> CloudResult<()> {
        const A: Action = Action::PutRolePermissionsBoundary;
        self.role(A, name)?;
        self.check_boundary(A, boundary)?;
        self.role_mut(A, name)?.permissions_boundary = Some(boundary.to_owned());
        Ok(())
    }

    pub(super) fn delete_role_permissions_boundary(&mut self, name: &str) -> CloudResult<()> {
        const A: Action = Action::DeleteRolePermissionsBoundary;
        self.role_mut(A, name)?.permissions_boundary = None;
        Ok(())
    }

    pub(super) fn tag_role(&mut self, name: &str, tags: &Tags) -> CloudResult<()> {
        const A: Action = Action::TagRole;
        merge_tags(A, &mut self.role_mut(A, name)?.tags, tags)
    }

    pub(super) fn untag_role(&mut self, name: &str, keys: &[String]) -> CloudResult<()> {
        const A: Action = Action::UntagRole;
        remove_tags(A, &mut self.role_mut(A, name)?.tags, keys)
    }

    /// Unlike its other changes, a service-linked role's description may be
    /// changed: AWS lets anyone edit any role's. An empty description is
    /// none, as [`State::create_role`] keeps it.
    pub(super) fn update_role_description(
        &mut self,
        name: &str,
        description: &str,
    ) -> CloudResult<()> {
        const A: Action = Action::UpdateRole;
        let role = self
            .roles
            .get_mut(&key(name))
            .ok_or_else(|| no_role(A, name))?;
        check_description(A, description, true)?;
        role.description = Some(description.to_owned()).filter(|d| !d.is_empty());
        Ok(())
    }

    pub(super) fn list_attached_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        const A: Action = Action::ListAttachedRolePolicies;
        let mut arns = self.role(A, name)?.attached.clone();
        // Ordered by policy name, as IAM lists them.
        arns.sort_by_key(|arn| {
            let name = arn.parse::<Arn>().map(|a| a.name().to_owned());
            (name.unwrap_or_default(), arn.clone())
        });
        Ok(arns)
    }

    pub(super) fn attach_role_policy(&mut self, name: &str, arn: &str) -> CloudResult<()> {
        const A: Action = Action::AttachRolePolicy;
        self.role(A, name)?;
        let policy = self.resolve(A, arn)?.ok_or_else(|| no_policy(A, arn))?;
        let canonical = self.canonical_arn(&policy);
        let max = self.quotas.attached_policies_per_role;
        let role = self.role_mut(A, name)?;
        if role.attached.contains(&canonical) {
            return Ok(());
        }
        if role.attached.len() >= max {
            return Err(error(
                A,
                ErrorKind::LimitExceeded,
                format!("Cannot exceed quota for PoliciesPerRole: {max}"),
            ));
        }
        role.attached.push(canonical);
        Ok(())
    }

    pub(super) fn detach_role_policy(&mut self, name: &str, arn: &str) -> CloudResult<()> {
        const A: Action = Action::DetachRolePolicy;
        self.role(A, name)?;
        let not_attached = || {
            error(
                A,
                ErrorKind::NoSuchEntity,
                format!("Policy {arn} was not found."),
            )
        };
        let policy = self.resolve(A, arn)?.ok_or_else(not_attached)?;
        let canonical = self.canonical_arn(&policy);
        let role = self.role_mut(A, name)?;
        let at = role
            .attached
            .iter()
            .position(|a| *a == canonical)
            .ok_or_else(not_attached)?;
        role.attached.remove(at);
        Ok(())
    }

    pub(super) fn list_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        const A: Action = Action::ListRolePolicies;
        Ok(self.role(A, name)?.inline.keys().cloned().collect())
    }

    pub(super) fn get_role_policy(&self, name: &str, policy: &str) -> CloudResult<Value> {
        const A: Action = Action::GetRolePolicy;
        self.role(A, name)?
            .inline
            .get(policy)
            .cloned()
            .ok_or_else(|| {
                error(
                    A,
                    ErrorKind::NoSuchEntity,
                    format!("The role policy with name {policy} cannot be found."),
                )
            })
    }

    pub(super) fn put_role_policy(
        &mut self,
        name: &str,
        policy: &str,
        document: &Value,
    ) -> CloudResult<()> {
        const A: Action = Action::PutRolePolicy;
        let role = self.role(A, name)?;
        rules::iam_name(policy, "policy name", limits::POLICY_NAME_MAX).map_err(invalid(A))?;
        check_document(A, document, Usage::Identity)?;
        let others: usize = role
            .inline
            .iter()
            .filter(|(n, _)| n.as_str() != policy)
            .map(|(_, d)| limits::policy_size(d))
            .sum();
        let total = others + limits::policy_size(document);
        if total > self.quotas.inline_policies_per_role_size {
            return Err(error(
                A,
                ErrorKind::LimitExceeded,
                format!(
                    "Maximum policy size of {} bytes exceeded for role {} (its inline policies would have {total} characters without whitespace)",
                    self.quotas.inline_policies_per_role_size, role.name
                ),
            ));
        }
        self.role_mut(A, name)?
            .inline
            .insert(policy.to_owned(), document.clone());
        Ok(())
    }

    pub(super) fn delete_role_policy(&mut self, name: &str, policy: &str) -> CloudResult<()> {
        const A: Action = Action::DeleteRolePolicy;
        match self.role_mut(A, name)?.inline.remove(policy) {
            Some(_) => Ok(()),
            None => Err(error(
                A,
                ErrorKind::NoSuchEntity,
                format!("The role policy with name {policy} cannot be found."),
            )),
        }
    }

    pub(super) fn delete_role(&mut self, name: &str) -> CloudResult<()> {
        const A: Action = Action::DeleteRole;
        let role = self.role(A, name)?;
        if role.linked_service.is_some() {
            return Err(protected_role(A, &role.name));
        }
        let conflict = |message: &str| Err(error(A, ErrorKind::DeleteConflict, message));
        if self
            .profiles
            .values()
            .any(|p| p.role.as_deref() == Some(role.name.as_str()))
        {
            return conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            );
        }
        if !role.attached.is_empty() {
            return conflict("Cannot delete entity, must detach all policies first.");
        }
        if !role.inline.is_empty() {
            return conflict("Cannot delete entity, must delete policies first.");
        }
        self.roles.remove(&key(name));
        Ok(())
    }
}
