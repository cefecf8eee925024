//! Managed policies: the customer's, with their versions and tags, and
//! AWS's, which the account knows from its catalogue and only reads.

use std::collections::BTreeMap;

use serde_json::Value;

use super::catalogue::{AWS_MANAGED_VERSION, CATALOGUE};
use super::checks::{
    check_description, check_size, check_tags, merge_tags, parse_version_id, remove_tags,
    version_id,
};
use super::errors::{aws_managed_is_read_only, error, invalid, no_policy};
use super::grammar::check_document;
use super::{State, key};
use crate::cloud::{CloudResult, ErrorKind, NewPolicy, PolicyInfo, PolicyVersion, Tags};
use crate::iam::action::Action;
use crate::iam::arn::Arn;
use crate::iam::limits;
use crate::iam::policy::Usage;
use crate::iam::rules;

pub(super) struct Policy {
    pub name: String,
    pub path: String,
    /// Version number → document, as given.
    pub versions: BTreeMap<u64, Value>,
    pub default_version: u64,
    /// The number the next version gets; numbers are never reused.
    pub next_version: u64,
    pub tags: Tags,
}

/// A managed policy an ARN names.
pub(super) enum PolicyRef {
    /// An AWS managed policy: its entry in the catalogue.
    Aws(&'static str),
    /// A customer managed policy: its key in [`State::policies`].
    Customer(String),
}

impl State {
    /// Which policy an ARN names: `Ok(None)` when there is none such,
    /// `Err(InvalidInput)` when it is not a managed policy ARN of this
    /// account's partition.
    pub(super) fn resolve(&self, action: Action, arn: &str) -> CloudResult<Option<PolicyRef>> {
        let not_valid = || {
            error(
                action,
                ErrorKind::InvalidInput,
                format!("ARN {arn} is not valid."),
            )
        };
        let parsed: Arn = arn.parse().map_err(|_| not_valid())?;
        if parsed.service != "iam" || !parsed.region.is_empty() {
            return Err(not_valid());
        }
        if parsed.partition != self.partition {
            return Err(error(
                action,
                ErrorKind::InvalidInput,
                format!(
                    "ARN {arn} is in partition `{}`, but this account is in `{}`.",
                    parsed.partition, self.partition
                ),
            ));
        }
        let Some(path_and_name) = parsed.resource.strip_prefix("policy/") else {
            return Err(not_valid());
        };
        if path_and_name.is_empty() || path_and_name.ends_with('/') {
            return Err(not_valid());
        }
        if parsed.account == "aws" {
            return Ok(CATALOGUE.policy(path_and_name).map(PolicyRef::Aws));
        }
        rules::account_id(&parsed.account).map_err(|_| not_valid())?;
        if parsed.account != self.account_id {
            return Ok(None);
        }
        let (path, name) = (parsed.path(), parsed.name());
        let k = key(name);
        Ok(self
            .policies
            .get(&k)
            .filter(|p| p.path == path)
            .map(|_| PolicyRef::Customer(k)))
    }

    /// The customer managed policy an ARN names, for calls that change it.
    pub(super) fn customer_policy(
        &mut self,
        action: Action,
        arn: &str,
    ) -> CloudResult<&mut Policy> {
        match self.resolve(action, arn)? {
            None => Err(no_policy(action, arn)),
            Some(PolicyRef::Aws(_)) => Err(aws_managed_is_read_only(action, arn)),
            Some(PolicyRef::Customer(k)) => self
                .policies
                .get_mut(&k)
                .ok_or_else(|| no_policy(action, arn)),
        }
    }

    /// The policy's ARN as the policy spells it.
    pub(super) fn canonical_arn(&self, policy: &PolicyRef) -> String {
        match policy {
            PolicyRef::Aws(entry) => self.aws_managed_arn(entry),
            PolicyRef::Customer(k) => self
                .policies
                .get(k)
                .map(|p| self.policy_arn(&p.path, &p.name))
                .unwrap_or_default(),
        }
    }

    pub(super) fn policy_info(&self, policy: &Policy) -> PolicyInfo {
        PolicyInfo {
            arn: self.policy_arn(&policy.path, &policy.name),
            name: policy.name.clone(),
            path: policy.path.clone(),
            default_version_id: version_id(policy.default_version),
            tags: policy.tags.clone(),
        }
    }

    pub(super) fn aws_policy_info(&self, entry: &str) -> PolicyInfo {
        let arn = Arn::aws_managed_policy(&self.partition, entry);
        PolicyInfo {
            name: arn.name().to_owned(),
            path: arn.path().to_owned(),
            arn: arn.to_string(),
            default_version_id: AWS_MANAGED_VERSION.to_owned(),
            tags: Tags::new(),
        }
    }

    /// A permissions boundary must be an existing managed policy.
    pub(super) fn check_boundary(&self, action: Action, arn: &str) -> CloudResult<()> {
        match self.resolve(action, arn)? {
            Some(_) => Ok(()),
            None => Err(error(
                action,
                ErrorKind::NoSuchEntity,
                format!("Scope ARN: {arn} does not exist or is not attachable."),
            )),
        }
    }

    /// How many roles have the policy (by its canonical ARN) attached.
    pub(super) fn attachments(&self, arn: &str) -> usize {
        self.roles
            .values()
            .filter(|r| r.attached.iter().any(|a| a == arn))
            .count()
    }

    pub(super) fn get_policy(&self, arn: &str) -> CloudResult<Option<PolicyInfo>> {
        const A: Action = Action::GetPolicy;
        Ok(match self.resolve(A, arn)? {
            None => None,
            Some(PolicyRef::Aws(entry)) => Some(self.aws_policy_info(entry)),
            Some(PolicyRef::Customer(k)) => self.policies.get(&k).map(|p| self.policy_info(p)),
        })
    }

    pub(super) fn get_policy_version(&self, arn: &str, version: &str) -> CloudResult<Value> {
        const A: Action = Action::GetPolicyVersion;
        let number = parse_version_id(A, version)?;
        let no_version = || {
            error(
                A,
                ErrorKind::NoSuchEntity,
                format!("Policy {arn} version {version} does not exist."),
            )
        };
        match self.resolve(A, arn)? {
            None => Err(no_policy(A, arn)),
            // AWS's documents, for the policies onramp attaches, from
            // onramp's vendored copies; an empty one for any other. Either
            // is the only version the account knows.
            Some(PolicyRef::Aws(_)) if version == AWS_MANAGED_VERSION => {
                Ok(crate::iam::managed::lookup(arn).map_or_else(
                    || serde_json::json!({"Version": "2012-10-17", "Statement": []}),
                    |p| p.document,
                ))
            }
            Some(PolicyRef::Aws(_)) => Err(no_version()),
            Some(PolicyRef::Customer(k)) => {
                let policy = self.policies.get(&k).ok_or_else(|| no_policy(A, arn))?;
                number
                    .and_then(|n| policy.versions.get(&n))
                    .cloned()
                    .ok_or_else(no_version)
            }
        }
    }

    pub(super) fn list_policy_versions(&self, arn: &str) -> CloudResult<Vec<PolicyVersion>> {
        const A: Action = Action::ListPolicyVersions;
        match self.resolve(A, arn)? {
            None => Err(no_policy(A, arn)),
            Some(PolicyRef::Aws(_)) => Ok(vec![PolicyVersion {
                version_id: AWS_MANAGED_VERSION.to_owned(),
                is_default: true,
            }]),
            Some(PolicyRef::Customer(k)) => {
                let policy = self.policies.get(&k).ok_or_else(|| no_policy(A, arn))?;
                Ok(policy
                    .versions
                    .keys()
                    .map(|n| PolicyVersion {
                        version_id: version_id(*n),
                        is_default: *n == policy.default_version,
                    })
                    .collect())
            }
        }
    }

    pub(super) fn create_policy(&mut self, new: NewPolicy<'_>) -> CloudResult<PolicyInfo> {
        const A: Action = Action::CreatePolicy;
        rules::iam_name(new.name, "policy name", limits::POLICY_NAME_MAX).map_err(invalid(A))?;
        rules::iam_path(new.path).map_err(invalid(A))?;
        check_description(A, new.description, false)?;
        check_tags(A, new.tags)?;
        check_document(A, new.document, Usage::Identity)?;
        check_size(
            A,
            new.document,
            self.quotas.managed_policy_size,
            "PolicySize",
        )?;
        let k = key(new.name);
        if self.policies.contains_key(&k) {
            return Err(error(
                A,
                ErrorKind::AlreadyExists,
                format!(
                    "A policy called {} already exists. Duplicate names are not allowed.",
                    new.name
                ),
            ));
        }
        let policy = Policy {
            name: new.name.to_owned(),
            path: new.path.to_owned(),
            versions: BTreeMap::from([(1, new.document.clone())]),
            default_version: 1,
            next_version: 2,
            tags: new.tags.clone(),
        };
        let info = self.policy_info(&policy);
        self.policies.insert(k, policy);
        Ok(info)
    }

    pub(super) fn create_policy_version(
        &mut self,
        arn: &str,
        document: &Value,
        set_as_default: bool,
    ) -> CloudResult<String> {
        const A: Action = Action::CreatePolicyVersion;
        let (max_size, max_versions) = (
            self.quotas.managed_policy_size,
            self.quotas.versions_per_policy,
        );
        let policy = self.customer_policy(A, arn)?;
        check_document(A, document, Usage::Identity)?;
        check_size(A, document, max_size, "PolicySize")?;
        if policy.versions.len() >= max_versions {
            return Err(error(
                A,
                ErrorKind::LimitExceeded,
                format!(
                    "A managed policy can have up to {max_versions} versions. Before you create a new version, you must delete an existing version."
                ),
            ));
        }
        let number = policy.next_version;
        policy.next_version += 1;
        policy.versions.insert(number, document.clone());
        if set_as_default {
            policy.default_version = number;
        }
        Ok(version_id(number))
    }

    pub(super) fn set_default_policy_version(
        &mut self,
        arn: &str,
        version: &str,
    ) -> CloudResult<()> {
        const A: Action = Action::SetDefaultPolicyVersion;
        let number = parse_version_id(A, version)?;
        let policy = self.customer_policy(A, arn)?;
        match number.filter(|n| policy.versions.contains_key(n)) {
            Some(n) => {
                policy.default_version = n;
                Ok(())
            }
            None => Err(error(
                A,
                ErrorKind::NoSuchEntity,
                format!("Policy {arn} version {version} does not exist or is not attachable."),
            )),
        }
    }

    pub(super) fn delete_policy_version(&mut self, arn: &str, version: &str) -> CloudResult<()> {
        const A: Action = Action::DeletePolicyVersion;
        let number = parse_version_id(A, version)?;
        let policy = self.customer_policy(A, arn)?;
        match number.filter(|n| policy.versions.contains_key(n)) {
            Some(n) if n == policy.default_version => Err(error(
                A,
                ErrorKind::DeleteConflict,
                "Cannot delete the default version of a policy.",
            )),
            Some(n) => {
                policy.versions.remove(&n);
                Ok(())
            }
            None => Err(error(
                A,
                ErrorKind::NoSuchEntity,
                format!("Policy {arn} version {version} does not exist."),
            )),
        }
    }

    pub(super) fn tag_policy(&mut self, arn: &str, tags: &Tags) -> CloudResult<()> {
        const A: Action = Action::TagPolicy;
        let policy = self.customer_policy(A, arn)?;
        merge_tags(A, &mut policy.tags, tags)
    }

    pub(super) fn untag_policy(&mut self, arn: &str, keys: &[String]) -> CloudResult<()> {
        const A: Action = Action::UntagPolicy;
        let policy = self.customer_policy(A, arn)?;
        remove_tags(A, &mut policy.tags, keys)
    }

    pub(super) fn delete_policy(&mut self, arn: &str) -> CloudResult<()> {
        const A: Action = Action::DeletePolicy;
        let k = match self.resolve(A, arn)? {
            None => return Err(no_policy(A, arn)),
            Some(PolicyRef::Aws(_)) => return Err(aws_managed_is_read_only(A, arn)),
            Some(PolicyRef::Customer(k)) => k,
        };
        let canonical = self.canonical_arn(&PolicyRef::Customer(k.clone()));
        if self.attachments(&canonical) > 0 {
            return Err(error(
                A,
                ErrorKind::DeleteConflict,
                "Cannot delete a policy attached to entities.",
            ));
        }
        let versions = self.policies.get(&k).map_or(0, |p| p.versions.len());
        if versions > 1 {
            return Err(error(
                A,
                ErrorKind::DeleteConflict,
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
            ));
        }
        self.policies.remove(&k);
        Ok(())
    }
}
