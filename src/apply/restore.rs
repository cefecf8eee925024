//! The calls that put an adopted entity back as it was: from what it is
//! now to what the journal says it was before onramp adopted it.
//!
//! Pure. Each call comes with the calls it must wait for (indices), so
//! destroy can run them with its scheduler: detachments before attachments
//! (a role at its attachment limit), a profile's role removed before
//! another is added (a profile holds one), and a policy's versions handled
//! so that it never holds more than IAM's five nor deletes its default.
//!
//! A policy version cannot be made again under its old id: IAM numbers
//! every new version. A restore therefore matches versions by document: a
//! version whose document the policy had before is kept, one it did not
//! have is deleted, and a document it had whose version is gone (pruned by
//! an update to stay within five) is made again.

use serde_json::Value;

use super::adopt::{PolicySnapshot, ProfileSnapshot, RoleSnapshot, Snapshot};
use super::compare::same_document;
use crate::cloud::Tags;
use crate::iam::action::Action;
use crate::iam::limits::POLICY_VERSIONS;

/// One call of a restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreStep {
    UpdateTrust(Value),
    PutBoundary(String),
    DeleteBoundary,
    /// An empty description clears it.
    UpdateDescription(String),
    Untag(Vec<String>),
    Tag(Tags),
    Attach(String),
    Detach(String),
    PutInline(String, Value),
    DeleteInline(String),
    AddRole(String),
    RemoveRole(String),
    DeleteVersion(String),
    SetDefaultVersion(String),
    /// A version with this document, made the default or not.
    CreateVersion {
        document: Value,
        default: bool,
    },
}

impl RestoreStep {
    /// The API action of the step, for `kind` of entity (tagging differs
    /// per kind).
    pub fn action(&self, snapshot: &Snapshot) -> Action {
        match (self, snapshot) {
            (RestoreStep::UpdateTrust(_), _) => Action::UpdateAssumeRolePolicy,
            (RestoreStep::PutBoundary(_), _) => Action::PutRolePermissionsBoundary,
            (RestoreStep::DeleteBoundary, _) => Action::DeleteRolePermissionsBoundary,
            (RestoreStep::UpdateDescription(_), _) => Action::UpdateRole,
            (RestoreStep::Untag(_), Snapshot::Role(_)) => Action::UntagRole,
            (RestoreStep::Untag(_), Snapshot::Policy(_)) => Action::UntagPolicy,
            (RestoreStep::Untag(_), Snapshot::InstanceProfile(_)) => Action::UntagInstanceProfile,
            (RestoreStep::Tag(_), Snapshot::Role(_)) => Action::TagRole,
            (RestoreStep::Tag(_), Snapshot::Policy(_)) => Action::TagPolicy,
            (RestoreStep::Tag(_), Snapshot::InstanceProfile(_)) => Action::TagInstanceProfile,
            (RestoreStep::Attach(_), _) => Action::AttachRolePolicy,
            (RestoreStep::Detach(_), _) => Action::DetachRolePolicy,
            (RestoreStep::PutInline(..), _) => Action::PutRolePolicy,
            (RestoreStep::DeleteInline(_), _) => Action::DeleteRolePolicy,
            (RestoreStep::AddRole(_), _) => Action::AddRoleToInstanceProfile,
            (RestoreStep::RemoveRole(_), _) => Action::RemoveRoleFromInstanceProfile,
            (RestoreStep::DeleteVersion(_), _) => Action::DeletePolicyVersion,
            (RestoreStep::SetDefaultVersion(_), _) => Action::SetDefaultPolicyVersion,
            (RestoreStep::CreateVersion { .. }, _) => Action::CreatePolicyVersion,
        }
    }

    /// Whether the step takes something away, so that IAM finding nothing
    /// to take means it is done already (an earlier attempt whose answer
    /// was lost).
    pub fn removes(&self) -> bool {
        matches!(
            self,
            RestoreStep::Detach(_)
                | RestoreStep::DeleteInline(_)
                | RestoreStep::RemoveRole(_)
                | RestoreStep::DeleteVersion(_)
                | RestoreStep::DeleteBoundary
                | RestoreStep::Untag(_)
        )
    }

    /// The step's argument as the journal records it (`detail`).
    pub fn detail(&self) -> Option<String> {
        match self {
            RestoreStep::PutBoundary(x)
            | RestoreStep::Attach(x)
            | RestoreStep::Detach(x)
            | RestoreStep::PutInline(x, _)
            | RestoreStep::DeleteInline(x)
            | RestoreStep::AddRole(x)
            | RestoreStep::RemoveRole(x)
            | RestoreStep::DeleteVersion(x)
            | RestoreStep::SetDefaultVersion(x) => Some(x.clone()),
            RestoreStep::Untag(keys) => Some(keys.join(",")),
            RestoreStep::Tag(tags) => Some(tags.keys().cloned().collect::<Vec<_>>().join(",")),
            RestoreStep::CreateVersion { default: true, .. } => Some("default".into()),
            RestoreStep::UpdateTrust(_)
            | RestoreStep::DeleteBoundary
            | RestoreStep::UpdateDescription(_)
            | RestoreStep::CreateVersion { .. } => None,
        }
    }
}

/// A policy's versions as read now: id, document, whether it is the
/// default.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionNow {
    pub id: String,
    pub document: Value,
    pub is_default: bool,
}

/// The calls that take `now` back to `before`, each with the indices of
/// the calls it waits for. `versions` are the policy's versions now (for a
/// policy; ignored otherwise). Empty when `now` is `before` already.
pub fn restore_steps(
    before: &Snapshot,
    now: &Snapshot,
    versions: &[VersionNow],
) -> Vec<(RestoreStep, Vec<usize>)> {
    let mut out = Steps::default();
    match (before, now) {
        (Snapshot::Role(b), Snapshot::Role(n)) => role(b, n, &mut out),
        (Snapshot::Policy(b), Snapshot::Policy(n)) => {
            policy(b, versions, &mut out);
            tags(&b.tags, &n.tags, &mut out);
        }
        (Snapshot::InstanceProfile(b), Snapshot::InstanceProfile(n)) => profile(b, n, &mut out),
        _ => {}
    }
    out.0
}

#[derive(Default)]
struct Steps(Vec<(RestoreStep, Vec<usize>)>);

impl Steps {
    fn push(&mut self, step: RestoreStep, needs: Vec<usize>) -> usize {
        self.0.push((step, needs));
        self.0.len() - 1
    }
}

fn role(b: &RoleSnapshot, n: &RoleSnapshot, out: &mut Steps) {
    if !same_document(&b.trust_policy, &n.trust_policy) {
        out.push(RestoreStep::UpdateTrust(b.trust_policy.clone()), vec![]);
    }
    if b.permissions_boundary != n.permissions_boundary {
        let step = match &b.permissions_boundary {
            Some(arn) => RestoreStep::PutBoundary(arn.clone()),
            None => RestoreStep::DeleteBoundary,
        };
        out.push(step, vec![]);
    }
    if b.description != n.description {
        let text = b.description.clone().unwrap_or_default();
        out.push(RestoreStep::UpdateDescription(text), vec![]);
    }
    // Detach first: a role at its attachment limit takes no other.
    let detaches: Vec<usize> = n
        .attached
        .difference(&b.attached)
        .map(|arn| out.push(RestoreStep::Detach(arn.clone()), vec![]))
        .collect();
    for arn in b.attached.difference(&n.attached) {
        out.push(RestoreStep::Attach(arn.clone()), detaches.clone());
    }
    for name in n.inline.keys().filter(|k| !b.inline.contains_key(*k)) {
        out.push(RestoreStep::DeleteInline(name.clone()), vec![]);
    }
    for (name, doc) in &b.inline {
        if n.inline.get(name).is_none_or(|d| !same_document(d, doc)) {
            out.push(RestoreStep::PutInline(name.clone(), doc.clone()), vec![]);
        }
    }
    tags(&b.tags, &n.tags, out);
}

fn profile(b: &ProfileSnapshot, n: &ProfileSnapshot, out: &mut Steps) {
    // A profile holds one role: the other goes first.
    let removals: Vec<usize> = n
        .roles
        .difference(&b.roles)
        .map(|role| out.push(RestoreStep::RemoveRole(role.clone()), vec![]))
        .collect();
    for role in b.roles.difference(&n.roles) {
        out.push(RestoreStep::AddRole(role.clone()), removals.clone());
    }
    tags(&b.tags, &n.tags, out);
}

/// Keys onramp added come off; values it changed go back.
fn tags(b: &Tags, n: &Tags, out: &mut Steps) {
    let extra: Vec<String> = n.keys().filter(|k| !b.contains_key(*k)).cloned().collect();
    if !extra.is_empty() {
        out.push(RestoreStep::Untag(extra), vec![]);
    }
    let back: Tags = b
        .iter()
        .filter(|(k, v)| n.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !back.is_empty() {
        out.push(RestoreStep::Tag(back), vec![]);
    }
}

/// The versions: the old default document made the default again, the
/// versions onramp made deleted, the ones it pruned made again.
fn policy(b: &PolicySnapshot, versions: &[VersionNow], out: &mut Steps) {
    // Match each document the policy had (the default first) to a version
    // that has it now.
    let mut unmatched: Vec<&VersionNow> = versions.iter().collect();
    let mut take = |doc: &Value| -> Option<&VersionNow> {
        let at = unmatched
            .iter()
            .position(|v| same_document(&v.document, doc))?;
        Some(unmatched.remove(at))
    };
    let default_now = take(&b.document);
    let missing: Vec<&Value> = b
        .other_versions
        .values()
        .filter(|doc| take(doc).is_none())
        .collect();
    // `unmatched` now holds the versions onramp made.
    let current_default = versions.iter().find(|v| v.is_default);
    let spare_deletes: Vec<usize> = unmatched
        .iter()
        .filter(|v| !v.is_default)
        .map(|v| out.push(RestoreStep::DeleteVersion(v.id.clone()), vec![]))
        .collect();
    let old_default_is_onramps =
        current_default.is_some_and(|d| unmatched.iter().any(|v| v.id == d.id));
    let mut deletes = spare_deletes.clone();
    match default_now {
        Some(v) if v.is_default => {}
        Some(v) => {
            let set = out.push(RestoreStep::SetDefaultVersion(v.id.clone()), vec![]);
            if let Some(d) = current_default.filter(|_| old_default_is_onramps) {
                deletes.push(out.push(RestoreStep::DeleteVersion(d.id.clone()), vec![set]));
            }
        }
        None => {
            // The old default document has no version now: make it again,
            // as the default, once there is room for it.
            let room = versions.len() - spare_deletes.len() < POLICY_VERSIONS;
            let mut needs = spare_deletes.clone();
            let mut then_delete_old = true;
            if !room {
                // Five versions, none of them spare: hand the default to a
                // version the policy had, to delete onramp's default first.
                if let (Some(d), Some(kept)) = (
                    current_default.filter(|_| old_default_is_onramps),
                    versions
                        .iter()
                        .find(|v| !v.is_default && !unmatched.iter().any(|u| u.id == v.id)),
                ) {
                    let set = out.push(RestoreStep::SetDefaultVersion(kept.id.clone()), vec![]);
                    let delete = out.push(RestoreStep::DeleteVersion(d.id.clone()), vec![set]);
                    needs.push(delete);
                    deletes.push(delete);
                    then_delete_old = false;
                }
            }
            let create = out.push(
                RestoreStep::CreateVersion {
                    document: b.document.clone(),
                    default: true,
                },
                needs,
            );
            if then_delete_old && let Some(d) = current_default.filter(|_| old_default_is_onramps) {
                deletes.push(out.push(RestoreStep::DeleteVersion(d.id.clone()), vec![create]));
            }
        }
    }
    for doc in missing {
        out.push(
            RestoreStep::CreateVersion {
                document: doc.clone(),
                default: false,
            },
            deletes.clone(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::{BTreeMap, BTreeSet};

    fn doc(n: u32) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": format!("s3:Get{n}"), "Resource": "*"}]})
    }

    fn policy_before(default: u32, others: &[(u32, u32)]) -> Snapshot {
        Snapshot::Policy(PolicySnapshot {
            arn: "arn:aws:iam::123456789012:policy/p".into(),
            path: "/".into(),
            tags: Tags::new(),
            document: doc(default),
            default_version_id: Some(format!("v{default}")),
            other_versions: others
                .iter()
                .map(|(id, d)| (format!("v{id}"), doc(*d)))
                .collect(),
        })
    }

    fn now(versions: &[(u32, bool)]) -> Vec<VersionNow> {
        versions
            .iter()
            .map(|(n, is_default)| VersionNow {
                id: format!("v{n}"),
                document: doc(*n),
                is_default: *is_default,
            })
            .collect()
    }

    /// Runs `steps` on `versions` as IAM would, in an order their needs
    /// allow, checking IAM's rules at each call; returns the documents held
    /// at the end (default first).
    fn run(steps: &[(RestoreStep, Vec<usize>)], versions: &[VersionNow]) -> (Value, Vec<Value>) {
        let mut held: Vec<(String, Value, bool)> = versions
            .iter()
            .map(|v| (v.id.clone(), v.document.clone(), v.is_default))
            .collect();
        let mut next = 100;
        let mut done = vec![false; steps.len()];
        while done.iter().any(|d| !d) {
            let i = (0..steps.len())
                .find(|&i| !done[i] && steps[i].1.iter().all(|&n| done[n]))
                .expect("no step is ready: a cycle in the needs");
            match &steps[i].0 {
                RestoreStep::DeleteVersion(id) => {
                    let at = held.iter().position(|v| &v.0 == id).expect("exists");
                    assert!(
                        !held[at].2,
                        "IAM refuses to delete the default version {id}"
                    );
                    held.remove(at);
                }
                RestoreStep::SetDefaultVersion(id) => {
                    for v in &mut held {
                        v.2 = &v.0 == id;
                    }
                }
                RestoreStep::CreateVersion { document, default } => {
                    assert!(held.len() < POLICY_VERSIONS, "IAM allows five versions");
                    if *default {
                        for v in &mut held {
                            v.2 = false;
                        }
                    }
                    next += 1;
                    held.push((format!("v{next}"), document.clone(), *default));
                }
                other => panic!("not a version step: {other:?}"),
            }
            done[i] = true;
        }
        let default = held.iter().find(|v| v.2).expect("a default").1.clone();
        let others = held.iter().filter(|v| !v.2).map(|v| v.1.clone()).collect();
        (default, others)
    }

    fn as_before(before: &Snapshot) -> (Value, BTreeSet<String>) {
        let Snapshot::Policy(p) = before else {
            unreachable!()
        };
        (
            p.document.clone(),
            p.other_versions.values().map(|d| d.to_string()).collect(),
        )
    }

    fn check(before: &Snapshot, versions: &[VersionNow]) {
        let steps = restore_steps(before, before, versions);
        let (default, others) = run(&steps, versions);
        let (want_default, want_others) = as_before(before);
        assert_eq!(default, want_default, "{steps:?}");
        let others: BTreeSet<String> = others.iter().map(|d| d.to_string()).collect();
        assert_eq!(others, want_others, "{steps:?}");
    }

    #[test]
    fn a_new_default_is_undone_by_setting_the_old_one_back_and_deleting_it() {
        let before = policy_before(1, &[]);
        let versions = now(&[(1, false), (2, true)]);
        let steps = restore_steps(&before, &before, &versions);
        assert_eq!(
            steps,
            vec![
                (RestoreStep::SetDefaultVersion("v1".into()), vec![]),
                (RestoreStep::DeleteVersion("v2".into()), vec![0]),
            ]
        );
        check(&before, &versions);
    }

    #[test]
    fn a_policy_at_five_versions_gets_its_pruned_version_made_again() {
        // v1..v5 with v5 the default; the update pruned v1 and made v6.
        let before = policy_before(5, &[(1, 1), (2, 2), (3, 3), (4, 4)]);
        let versions = now(&[(2, false), (3, false), (4, false), (5, false), (6, true)]);
        check(&before, &versions);
    }

    #[test]
    fn a_pruned_default_is_made_again_even_with_no_room_to_spare() {
        // Two later updates pruned even the old default (v5): four kept
        // versions and onramp's default, five in all.
        let before = policy_before(5, &[(1, 1), (2, 2), (3, 3), (4, 4)]);
        let versions = now(&[(1, false), (2, false), (3, false), (4, false), (7, true)]);
        check(&before, &versions);
        // With a spare version of onramp's to delete first.
        let versions = now(&[(2, false), (3, false), (4, false), (6, false), (7, true)]);
        check(&before, &versions);
    }

    #[test]
    fn nothing_is_done_to_a_policy_as_it_was() {
        let before = policy_before(2, &[(1, 1)]);
        let versions = now(&[(1, false), (2, true)]);
        assert!(restore_steps(&before, &before, &versions).is_empty());
    }

    #[test]
    fn a_role_gets_back_its_trust_attachments_inline_policies_tags_and_description() {
        let trust = |service: &str| json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]});
        let before = Snapshot::Role(RoleSnapshot {
            path: "/".into(),
            trust_policy: trust("lambda.amazonaws.com"),
            description: Some("made by hand".into()),
            permissions_boundary: None,
            tags: Tags::from([("team".into(), "bio".into())]),
            attached: BTreeSet::from(["arn:a/Old".to_owned()]),
            inline: BTreeMap::from([("keep".to_owned(), doc(1))]),
        });
        let now = Snapshot::Role(RoleSnapshot {
            path: "/".into(),
            trust_policy: trust("ec2.amazonaws.com"),
            description: None,
            permissions_boundary: Some("arn:a/Boundary".into()),
            tags: Tags::from([
                ("team".into(), "ops".into()),
                ("onramp:managed-by".into(), "onramp".into()),
            ]),
            attached: BTreeSet::from(["arn:a/New".to_owned()]),
            inline: BTreeMap::from([("keep".to_owned(), doc(2)), ("added".to_owned(), doc(3))]),
        });
        let steps = restore_steps(&before, &now, &[]);
        let just: Vec<&RestoreStep> = steps.iter().map(|(s, _)| s).collect();
        for want in [
            RestoreStep::UpdateTrust(trust("lambda.amazonaws.com")),
            RestoreStep::DeleteBoundary,
            RestoreStep::UpdateDescription("made by hand".into()),
            RestoreStep::Detach("arn:a/New".into()),
            RestoreStep::Attach("arn:a/Old".into()),
            RestoreStep::DeleteInline("added".into()),
            RestoreStep::PutInline("keep".into(), doc(1)),
            RestoreStep::Untag(vec!["onramp:managed-by".into()]),
            RestoreStep::Tag(Tags::from([("team".into(), "bio".into())])),
        ] {
            assert!(just.contains(&&want), "{want:?} in {just:?}");
        }
        assert_eq!(steps.len(), 9, "{just:?}");
        let attach = just
            .iter()
            .position(|s| matches!(s, RestoreStep::Attach(_)))
            .unwrap();
        let detach = just
            .iter()
            .position(|s| matches!(s, RestoreStep::Detach(_)))
            .unwrap();
        assert_eq!(steps[attach].1, vec![detach], "attach waits for detach");
        assert!(restore_steps(&before, &before, &[]).is_empty());
    }
}
