//! Adopted entities read back from the account with the plain read calls,
//! in every field an adoption may change and a restore must put back, and
//! compared field by field: what the tests hold a restore to, apart from
//! the snapshots onramp itself keeps.

use std::collections::{BTreeMap, BTreeSet};

use onramp::apply::adopt::{ProfileSnapshot, RoleSnapshot};
use onramp::apply::compare::same_document;
use onramp::cloud::{Cloud, Tags};
use serde_json::Value;

/// A role as it is.
#[derive(Debug, Clone)]
pub struct RoleState {
    pub path: String,
    pub trust_policy: Value,
    /// An empty description reads as none, as IAM clears one.
    pub description: Option<String>,
    pub boundary: Option<String>,
    pub tags: Tags,
    pub attached: BTreeSet<String>,
    pub inline: BTreeMap<String, Value>,
}

/// An instance profile as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileState {
    pub path: String,
    pub tags: Tags,
    pub roles: BTreeSet<String>,
}

/// A managed policy as it is: its default document and the others.
#[derive(Debug, Clone)]
pub struct PolicyState {
    pub tags: Tags,
    pub default: Value,
    pub others: Vec<Value>,
    /// How many versions it has.
    pub versions: usize,
}

pub async fn role(cloud: &dyn Cloud, name: &str) -> Option<RoleState> {
    let info = cloud.get_role(name).await.unwrap()?;
    let attached = cloud.list_attached_role_policies(name).await.unwrap();
    let mut inline = BTreeMap::new();
    for policy in cloud.list_role_policies(name).await.unwrap() {
        let document = cloud.get_role_policy(name, &policy).await.unwrap();
        inline.insert(policy, document);
    }
    Some(RoleState {
        path: info.path,
        trust_policy: info.trust_policy,
        description: info.description.filter(|d| !d.is_empty()),
        boundary: info.permissions_boundary,
        tags: info.tags,
        attached: attached.into_iter().collect(),
        inline,
    })
}

pub async fn profile(cloud: &dyn Cloud, name: &str) -> Option<ProfileState> {
    let info = cloud.get_instance_profile(name).await.unwrap()?;
    Some(ProfileState {
        path: info.path,
        tags: info.tags,
        roles: info.roles.into_iter().collect(),
    })
}

pub async fn policy(cloud: &dyn Cloud, arn: &str) -> Option<PolicyState> {
    let info = cloud.get_policy(arn).await.unwrap()?;
    let versions = cloud.list_policy_versions(arn).await.unwrap();
    let mut default = None;
    let mut others = Vec::new();
    for v in &versions {
        let document = cloud.get_policy_version(arn, &v.version_id).await.unwrap();
        if v.is_default {
            assert_eq!(v.version_id, info.default_version_id, "{arn}");
            default = Some(document);
        } else {
            others.push(document);
        }
    }
    Some(PolicyState {
        tags: info.tags,
        default: default.unwrap_or_else(|| panic!("{arn} has no default version")),
        others,
        versions: versions.len(),
    })
}

/// Fails unless `now` is `want` in every field (documents compared as IAM
/// compares them, not by their text).
pub fn assert_same_role(want: &RoleState, now: &RoleState, what: &str) {
    assert_eq!(now.path, want.path, "{what}: path");
    assert!(
        same_document(&now.trust_policy, &want.trust_policy),
        "{what}: trust policy {} instead of {}",
        now.trust_policy,
        want.trust_policy
    );
    assert_eq!(now.description, want.description, "{what}: description");
    assert_eq!(now.boundary, want.boundary, "{what}: permissions boundary");
    assert_eq!(now.tags, want.tags, "{what}: tags");
    assert_eq!(now.attached, want.attached, "{what}: attached policies");
    assert_eq!(
        now.inline.keys().collect::<Vec<_>>(),
        want.inline.keys().collect::<Vec<_>>(),
        "{what}: inline policy names"
    );
    for (name, document) in &want.inline {
        assert!(
            same_document(&now.inline[name], document),
            "{what}: inline policy {name} is {} instead of {document}",
            now.inline[name]
        );
    }
}

pub fn assert_same_profile(want: &ProfileState, now: &ProfileState, what: &str) {
    assert_eq!(now, want, "{what}");
}

/// Fails unless `now` has `want`'s default document, tags, and the same
/// other documents as often (their version ids may differ: IAM numbers a
/// version made again anew).
pub fn assert_same_policy(want: &PolicyState, now: &PolicyState, what: &str) {
    assert!(
        same_document(&now.default, &want.default),
        "{what}: default document {} instead of {}",
        now.default,
        want.default
    );
    assert_eq!(now.tags, want.tags, "{what}: tags");
    assert_eq!(now.versions, want.versions, "{what}: number of versions");
    let mut rest: Vec<&Value> = now.others.iter().collect();
    for document in &want.others {
        let at = rest
            .iter()
            .position(|d| same_document(d, document))
            .unwrap_or_else(|| panic!("{what}: no version holds {document} any more: {rest:?}"));
        rest.swap_remove(at);
    }
    assert!(rest.is_empty(), "{what}: versions nobody had: {rest:?}");
}

/// Fails unless the journal's snapshot of a role (`before` of an adopt
/// record) says what the account held, field by field.
pub fn assert_role_snapshot(snapshot: &RoleSnapshot, held: &RoleState, what: &str) {
    let as_state = RoleState {
        path: snapshot.path.clone(),
        trust_policy: snapshot.trust_policy.clone(),
        description: snapshot.description.clone(),
        boundary: snapshot.permissions_boundary.clone(),
        tags: snapshot.tags.clone(),
        attached: snapshot.attached.clone(),
        inline: snapshot.inline.clone(),
    };
    assert_same_role(held, &as_state, what);
}

pub fn assert_profile_snapshot(snapshot: &ProfileSnapshot, held: &ProfileState, what: &str) {
    let as_state = ProfileState {
        path: snapshot.path.clone(),
        tags: snapshot.tags.clone(),
        roles: snapshot.roles.clone(),
    };
    assert_same_profile(held, &as_state, what);
}
