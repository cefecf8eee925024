//! Service-linked roles: made for a service from the catalogue, changed and
//! deleted only by AWS (`DeleteServiceLinkedRole` aside).

use std::collections::BTreeMap;

use super::catalogue::CATALOGUE;
use super::checks::check_description;
use super::errors::error;
use super::roles::Role;
use super::{State, key};
use crate::cloud::{CloudResult, ErrorKind, RoleInfo, Tags};
use crate::iam::action::Action;

impl State {
    pub(super) fn create_service_linked_role(
        &mut self,
        service: &str,
        description: &str,
    ) -> CloudResult<RoleInfo> {
        const A: Action = Action::CreateServiceLinkedRole;
        check_description(A, description, true)?;
        let Some(linked) = CATALOGUE.linked_role(service) else {
            return Err(error(
                A,
                ErrorKind::InvalidInput,
                format!("Unknown service name {service}."),
            ));
        };
        let k = key(linked.name);
        if self.roles.contains_key(&k) {
            // IAM's words: it says InvalidInput, meaning the name is taken.
            return Err(error(
                A,
                ErrorKind::AlreadyExists,
                format!(
                    "Service role name {} has been taken in this account, please try a different suffix.",
                    linked.name
                ),
            ));
        }
        let role = Role {
            name: linked.name.to_owned(),
            path: format!("/aws-service-role/{service}/"),
            trust_policy: serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole"
                }]
            }),
            description: Some(description.to_owned()).filter(|d| !d.is_empty()),
            permissions_boundary: None,
            tags: Tags::new(),
            attached: vec![self.aws_managed_arn(linked.policy)],
            inline: BTreeMap::new(),
            linked_service: Some(service.to_owned()),
            used_by: Vec::new(),
        };
        let info = self.role_info(&role);
        self.roles.insert(k, role);
        Ok(info)
    }

    /// Deletes at once: the deletion task AWS runs is over before the call
    /// returns.
    pub(super) fn delete_service_linked_role(&mut self, name: &str) -> CloudResult<()> {
        const A: Action = Action::DeleteServiceLinkedRole;
        let role = self.role(A, name)?;
        if role.linked_service.is_none() {
            return Err(error(
                A,
                ErrorKind::InvalidInput,
                format!("Role {} is not a service-linked role.", role.name),
            ));
        }
        if !role.used_by.is_empty() {
            return Err(error(
                A,
                ErrorKind::DeleteConflict,
                format!(
                    "AWS did not delete {}: it is still used by {}; delete those first",
                    role.name,
                    role.used_by.join(", ")
                ),
            ));
        }
        self.roles.remove(&key(name));
        Ok(())
    }
}
