//! Adopted resources: what they were before onramp changed them, what
//! onramp makes of them, and how to tell whether someone else changed them
//! since (see [`crate::plan::existing`] for when a resource is adopted).
//!
//! Pure. The journal keeps both states of each adopted resource in an
//! `adopt` record, synced before the first call that changes it, so that
//! `destroy` can put it back exactly as it was even after a crash or a
//! `kill -9` at any step. A later run that changes it again records the
//! new state after, with the same state before.
//!
//! Each field a restore puts back is compared on its own: a field may be as
//! it was, as onramp made it, or (during an interrupted apply or restore)
//! either of the two, and only a field that is neither was changed by
//! someone else, which a restore must not overwrite unasked.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::compare::same_document;
use crate::cloud::Tags;
use crate::plan::{Resource, Spec};

/// An entity in the fields an adoption may change and a restore puts back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Snapshot {
    Role(RoleSnapshot),
    Policy(PolicySnapshot),
    InstanceProfile(ProfileSnapshot),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSnapshot {
    pub path: String,
    pub trust_policy: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: Tags,
    /// ARNs of the attached managed policies.
    #[serde(default)]
    pub attached: BTreeSet<String>,
    /// Inline policies by name.
    #[serde(default)]
    pub inline: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySnapshot {
    pub arn: String,
    pub path: String,
    #[serde(default)]
    pub tags: Tags,
    /// The default version's document.
    pub document: Value,
    /// The default version's id; unknown for the state onramp makes, whose
    /// version IAM numbers when it is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_version_id: Option<String>,
    /// The other versions' documents by id: what an update may prune to
    /// stay within IAM's five, and a restore makes again.
    #[serde(default)]
    pub other_versions: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSnapshot {
    pub path: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub roles: BTreeSet<String>,
}

impl Snapshot {
    /// What onramp makes of `before` when it brings it to `resource`'s
    /// plan: the planned documents, attachments and roles, the plan's tags
    /// added to its own, and what IAM cannot change (path, description) as
    /// it was.
    pub fn planned(resource: &Resource, before: &Snapshot) -> Snapshot {
        let with_plan_tags = |tags: &Tags| {
            let mut tags = tags.clone();
            tags.extend(resource.tags.clone());
            tags
        };
        match (&resource.spec, before) {
            (Spec::Role(role), Snapshot::Role(b)) => Snapshot::Role(RoleSnapshot {
                path: b.path.clone(),
                trust_policy: role.trust_policy.clone(),
                description: b.description.clone(),
                permissions_boundary: role.permissions_boundary.clone(),
                tags: with_plan_tags(&b.tags),
                attached: role.managed_policy_arns.iter().cloned().collect(),
                inline: role.inline_policies.clone().into_iter().collect(),
            }),
            (Spec::ManagedPolicy(policy), Snapshot::Policy(b)) => {
                Snapshot::Policy(PolicySnapshot {
                    arn: b.arn.clone(),
                    path: b.path.clone(),
                    tags: with_plan_tags(&b.tags),
                    document: policy.document.clone(),
                    default_version_id: None,
                    other_versions: BTreeMap::new(),
                })
            }
            (Spec::InstanceProfile(profile), Snapshot::InstanceProfile(b)) => {
                Snapshot::InstanceProfile(ProfileSnapshot {
                    path: b.path.clone(),
                    tags: with_plan_tags(&b.tags),
                    roles: profile.roles.iter().cloned().collect(),
                })
            }
            // A snapshot of another kind of entity than planned: nothing to
            // add to it.
            (_, other) => other.clone(),
        }
    }

    /// Each field of `now` that is neither as it was (`before`) nor as
    /// onramp made it (`after`), in words: what someone else changed.
    /// Empty when a restore may go ahead.
    pub fn changed_by_others(before: &Snapshot, after: &Snapshot, now: &Snapshot) -> Vec<String> {
        let mut out = Vec::new();
        match (before, after, now) {
            (Snapshot::Role(b), Snapshot::Role(a), Snapshot::Role(n)) => {
                if !same_document(&n.trust_policy, &b.trust_policy)
                    && !same_document(&n.trust_policy, &a.trust_policy)
                {
                    out.push("the trust policy".to_owned());
                }
                if n.permissions_boundary != b.permissions_boundary
                    && n.permissions_boundary != a.permissions_boundary
                {
                    out.push("the permissions boundary".to_owned());
                }
                if n.description != b.description && n.description != a.description {
                    out.push("the description".to_owned());
                }
                members(
                    &b.attached,
                    &a.attached,
                    &n.attached,
                    "attached policy",
                    &mut out,
                );
                documents(&b.inline, &a.inline, &n.inline, "inline policy", &mut out);
                tags(&b.tags, &a.tags, &n.tags, &mut out);
            }
            (Snapshot::Policy(b), Snapshot::Policy(a), Snapshot::Policy(n)) => {
                if !same_document(&n.document, &b.document)
                    && !same_document(&n.document, &a.document)
                {
                    out.push("the default version's document".to_owned());
                }
                tags(&b.tags, &a.tags, &n.tags, &mut out);
            }
            (
                Snapshot::InstanceProfile(b),
                Snapshot::InstanceProfile(a),
                Snapshot::InstanceProfile(n),
            ) => {
                members(&b.roles, &a.roles, &n.roles, "role", &mut out);
                tags(&b.tags, &a.tags, &n.tags, &mut out);
            }
            _ => out.push("the kind of entity".to_owned()),
        }
        out
    }

    /// Whether `now` is `before` in every field a restore puts back: the
    /// restore is done. A policy's version ids are not compared (IAM gives
    /// a remade version a new one), its documents are.
    pub fn is_restored(before: &Snapshot, now: &Snapshot) -> bool {
        match (before, now) {
            (Snapshot::Role(b), Snapshot::Role(n)) => {
                same_document(&b.trust_policy, &n.trust_policy)
                    && b.permissions_boundary == n.permissions_boundary
                    && b.description == n.description
                    && b.tags == n.tags
                    && b.attached == n.attached
                    && same_documents(&b.inline, &n.inline)
            }
            (Snapshot::Policy(b), Snapshot::Policy(n)) => {
                same_document(&b.document, &n.document)
                    && b.tags == n.tags
                    && same_multiset(b.other_versions.values(), n.other_versions.values())
            }
            (Snapshot::InstanceProfile(b), Snapshot::InstanceProfile(n)) => {
                b.tags == n.tags && b.roles == n.roles
            }
            _ => false,
        }
    }
}

/// Members of a set (attachments, a profile's roles) that are in `now` but
/// in neither state, or in both states but no longer in `now`.
fn members(
    before: &BTreeSet<String>,
    after: &BTreeSet<String>,
    now: &BTreeSet<String>,
    noun: &str,
    out: &mut Vec<String>,
) {
    for added in now.difference(&before.union(after).cloned().collect()) {
        out.push(format!("{noun} {added} was added"));
    }
    for removed in before.intersection(after).filter(|m| !now.contains(*m)) {
        out.push(format!("{noun} {removed} was removed"));
    }
}

/// Documents by name (inline policies) that are in `now` with a document
/// neither state gave that name, or that both states have and `now` lacks.
fn documents(
    before: &BTreeMap<String, Value>,
    after: &BTreeMap<String, Value>,
    now: &BTreeMap<String, Value>,
    noun: &str,
    out: &mut Vec<String>,
) {
    for (name, doc) in now {
        let known = [before.get(name), after.get(name)]
            .into_iter()
            .flatten()
            .any(|d| same_document(d, doc));
        if !known {
            out.push(format!("{noun} {name} was changed or added"));
        }
    }
    for name in before.keys().filter(|n| after.contains_key(*n)) {
        if !now.contains_key(name) {
            out.push(format!("{noun} {name} was deleted"));
        }
    }
}

/// Tags whose value in `now` is neither state's.
fn tags(before: &Tags, after: &Tags, now: &Tags, out: &mut Vec<String>) {
    let keys: BTreeSet<&String> = before
        .keys()
        .chain(after.keys())
        .chain(now.keys())
        .collect();
    for key in keys {
        let have = now.get(key);
        if have != before.get(key) && have != after.get(key) {
            out.push(format!("tag {key}"));
        }
    }
}

fn same_documents(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(name, doc)| b.get(name).is_some_and(|d| same_document(doc, d)))
}

/// Whether two lists of documents hold the same documents as often.
fn same_multiset<'a>(
    a: impl Iterator<Item = &'a Value>,
    b: impl Iterator<Item = &'a Value>,
) -> bool {
    let mut rest: Vec<&Value> = b.collect();
    for doc in a {
        match rest.iter().position(|d| same_document(d, doc)) {
            Some(i) => {
                rest.swap_remove(i);
            }
            None => return false,
        }
    }
    rest.is_empty()
}
