//! What each kind of planned resource holds: one named struct per kind, so
//! code that needs a role's trust policy or attachments takes a `&RoleSpec`
//! instead of destructuring a many-field enum variant, and the questions
//! asked of a role in several places (its documents, whether it attaches a
//! policy, its inline size) are answered once, here.
//!
//! Each struct serializes as its fields, in the order of `plan --format
//! json` (DESIGN.md's contract); [`super::Resource`] puts them after its own
//! `kind`, `name`, `path` and `arn`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::iam::limits;

/// What kind of resource, with what it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Spec {
    ManagedPolicy(PolicySpec),
    Role(RoleSpec),
    InstanceProfile(InstanceProfileSpec),
    ServiceLinkedRole(ServiceLinkedRoleSpec),
}

/// A customer managed policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicySpec {
    pub description: String,
    pub document: Value,
}

/// A role onramp creates and owns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleSpec {
    pub description: String,
    pub trust_policy: Value,
    pub managed_policy_arns: Vec<String>,
    pub inline_policies: BTreeMap<String, Value>,
    pub permissions_boundary: Option<String>,
}

/// An instance profile; it holds exactly one role (lint says so otherwise).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceProfileSpec {
    pub roles: Vec<String>,
}

/// A service-linked role, made by `CreateServiceLinkedRole` for `service`
/// (like `batch.amazonaws.com`). AWS names it, places it at
/// `/aws-service-role/SERVICE/`, writes its trust policy and attaches (and
/// updates) its permissions; IAM does not let it be tagged. One per account
/// and service, shared by everything of that service. onramp creates it only
/// when it is missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceLinkedRoleSpec {
    pub service: String,
    pub description: String,
}

/// The label of a role's trust policy among its documents.
pub const TRUST_POLICY: &str = "trust_policy";
/// The label of a managed policy's document.
pub const DOCUMENT: &str = "document";
/// What a role's inline policy labels start with: `inline_policies.NAME`.
const INLINE_PREFIX: &str = "inline_policies.";

impl RoleSpec {
    /// The trust policy, then each inline policy, with their labels:
    /// `trust_policy`, `inline_policies.NAME`.
    pub fn documents(&self) -> impl Iterator<Item = (String, &Value)> {
        std::iter::once((TRUST_POLICY.to_owned(), &self.trust_policy)).chain(
            self.inline_policies
                .iter()
                .map(|(name, doc)| (format!("{INLINE_PREFIX}{name}"), doc)),
        )
    }

    /// The document [`RoleSpec::documents`] labels `label`, to change it.
    pub fn document_mut(&mut self, label: &str) -> Option<&mut Value> {
        if label == TRUST_POLICY {
            return Some(&mut self.trust_policy);
        }
        self.inline_policies
            .get_mut(label.strip_prefix(INLINE_PREFIX)?)
    }

    /// Whether the managed policy `arn` is attached.
    pub fn attaches(&self, arn: &str) -> bool {
        self.managed_policy_arns.iter().any(|a| a == arn)
    }

    /// The permissions boundary's ARN, if the role has one.
    pub fn boundary(&self) -> Option<&str> {
        self.permissions_boundary.as_deref()
    }

    /// The inline policies' total size as IAM counts it (without
    /// whitespace), which IAM limits per role.
    pub fn inline_size(&self) -> usize {
        self.inline_policies.values().map(limits::policy_size).sum()
    }
}

impl Spec {
    /// How `plan --format json` calls the kind: `managed_policy`, `role`,
    /// `instance_profile` or `service_linked_role`.
    pub fn json_kind(&self) -> &'static str {
        match self {
            Spec::ManagedPolicy(_) => "managed_policy",
            Spec::Role(_) => "role",
            Spec::InstanceProfile(_) => "instance_profile",
            Spec::ServiceLinkedRole(_) => "service_linked_role",
        }
    }

    /// Every policy document it carries, with a label for each: `document`,
    /// `trust_policy` or `inline_policies.NAME`.
    pub fn documents(&self) -> Vec<(String, &Value)> {
        match self {
            Spec::ManagedPolicy(p) => vec![(DOCUMENT.to_owned(), &p.document)],
            Spec::Role(role) => role.documents().collect(),
            Spec::InstanceProfile(_) | Spec::ServiceLinkedRole(_) => Vec::new(),
        }
    }

    /// The document [`Spec::documents`] labels `label`, to change it.
    pub fn document_mut(&mut self, label: &str) -> Option<&mut Value> {
        match self {
            Spec::ManagedPolicy(p) if label == DOCUMENT => Some(&mut p.document),
            Spec::Role(role) => role.document_mut(label),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn role() -> RoleSpec {
        RoleSpec {
            description: "d".into(),
            trust_policy: json!({"Statement": []}),
            managed_policy_arns: vec!["arn:aws:iam::aws:policy/A".into()],
            inline_policies: BTreeMap::from([("extra".to_owned(), json!({"Statement": [1]}))]),
            permissions_boundary: None,
        }
    }

    #[test]
    fn a_role_labels_its_trust_policy_then_its_inline_policies() {
        let mut role = role();
        let labels: Vec<String> = role.documents().map(|(label, _)| label).collect();
        assert_eq!(labels, ["trust_policy", "inline_policies.extra"]);
        assert_eq!(role.inline_size(), r#"{"Statement":[1]}"#.len());
        *role.document_mut("inline_policies.extra").unwrap() = json!(1);
        assert_eq!(role.inline_policies["extra"], json!(1));
        assert!(role.document_mut("inline_policies.other").is_none());
        assert!(role.document_mut("document").is_none());
        assert!(role.attaches("arn:aws:iam::aws:policy/A"));
        assert!(!role.attaches("arn:aws:iam::aws:policy/B"));
    }

    #[test]
    fn each_kind_serializes_as_its_own_fields_only() {
        let value = serde_json::to_value(Spec::Role(role())).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "description",
                "trust_policy",
                "managed_policy_arns",
                "inline_policies",
                "permissions_boundary"
            ]
        );
        let linked = Spec::ServiceLinkedRole(ServiceLinkedRoleSpec {
            service: "batch.amazonaws.com".into(),
            description: "d".into(),
        });
        assert_eq!(
            serde_json::to_value(&linked).unwrap(),
            json!({"service": "batch.amazonaws.com", "description": "d"})
        );
        assert_eq!(linked.json_kind(), "service_linked_role");
    }
}
