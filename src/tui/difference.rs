//! What differs between a resource as it exists and as the plan has it,
//! for the review's detail pane: short lines first (whom the trust policy
//! lets in, the attachments to add and to take off, inline policies, the
//! boundary, the roles of a profile), then each document that differs as a
//! unified diff. Pure.
//!
//! A conflict stops `diff` at the first difference it will not rewrite, so
//! its reasons name that one only; a person choosing whether to adopt needs
//! them all, read from the entity as found.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::apply::adopt::Snapshot;
use crate::apply::compare::same_document;
use crate::apply::diff::document_differences;
use crate::plan::Resource;
use crate::plan::lint::trusted_services;

/// How a line reads: a change, something added, something taken away, or
/// a line of a unified diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Changed,
    Added,
    Removed,
    /// A unified diff's line; its first character says what it is.
    Unified,
}

/// One line of the difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub mark: Mark,
    pub text: String,
}

fn line(mark: Mark, text: impl Into<String>) -> Difference {
    Difference {
        mark,
        text: text.into(),
    }
}

/// The text after the last slash of an ARN.
fn short(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn listed<'a>(items: impl IntoIterator<Item = &'a String>, short_arns: bool) -> String {
    items
        .into_iter()
        .map(|s| if short_arns { short(s) } else { s.as_str() })
        .collect::<Vec<_>>()
        .join(", ")
}

fn services(trust: &Value) -> String {
    let found = trusted_services(trust);
    if found.is_empty() {
        "no service".to_owned()
    } else {
        found.into_iter().collect::<Vec<_>>().join(", ")
    }
}

/// The differences of `found` (the entity as it exists) from what the plan
/// makes of it, shortest first: one line each, tags aside (onramp only
/// adds its own).
pub fn summary(resource: &Resource, found: &Snapshot) -> Vec<Difference> {
    let planned = Snapshot::planned(resource, found);
    let mut out = Vec::new();
    match (found, &planned) {
        (Snapshot::Role(now), Snapshot::Role(plan)) => {
            if !same_document(&now.trust_policy, &plan.trust_policy) {
                let (before, after) = (services(&now.trust_policy), services(&plan.trust_policy));
                out.push(line(
                    Mark::Changed,
                    if before == after {
                        format!(
                            "trusts {before}, with other principals or conditions than the plan's"
                        )
                    } else {
                        format!("trusts {before}; the plan: {after}")
                    },
                ));
            }
            if now.permissions_boundary != plan.permissions_boundary {
                let shown = |b: &Option<String>| b.as_deref().map_or("none", short).to_owned();
                out.push(line(
                    Mark::Changed,
                    format!(
                        "permissions boundary: {}; the plan's: {}",
                        shown(&now.permissions_boundary),
                        shown(&plan.permissions_boundary)
                    ),
                ));
            }
            sets(
                &mut out,
                &now.attached,
                &plan.attached,
                "attach",
                "attached, not planned",
                true,
            );
            inline(&mut out, &now.inline, &plan.inline);
        }
        (Snapshot::Policy(now), Snapshot::Policy(plan))
            if !same_document(&now.document, &plan.document) =>
        {
            out.push(line(
                Mark::Changed,
                match &now.default_version_id {
                    Some(v) => format!("document: its default version {v} differs from the plan's"),
                    None => "document: differs from the plan's".to_owned(),
                },
            ));
        }
        (Snapshot::InstanceProfile(now), Snapshot::InstanceProfile(plan)) => {
            sets(
                &mut out,
                &now.roles,
                &plan.roles,
                "add role",
                "holds role, not planned",
                false,
            );
        }
        _ => {}
    }
    out
}

/// What `plan` has and `now` lacks (`added`), then what `now` has and
/// `plan` lacks (`removed`), one line each.
fn sets(
    out: &mut Vec<Difference>,
    now: &BTreeSet<String>,
    plan: &BTreeSet<String>,
    added: &str,
    removed: &str,
    short_arns: bool,
) {
    let missing: Vec<&String> = plan.difference(now).collect();
    if !missing.is_empty() {
        out.push(line(
            Mark::Added,
            format!("{added}: {}", listed(missing, short_arns)),
        ));
    }
    let extra: Vec<&String> = now.difference(plan).collect();
    if !extra.is_empty() {
        out.push(line(
            Mark::Removed,
            format!("{removed}: {}", listed(extra, short_arns)),
        ));
    }
}

fn inline(
    out: &mut Vec<Difference>,
    now: &BTreeMap<String, Value>,
    plan: &BTreeMap<String, Value>,
) {
    let missing: Vec<&String> = plan.keys().filter(|k| !now.contains_key(*k)).collect();
    if !missing.is_empty() {
        out.push(line(
            Mark::Added,
            format!("inline policy to put: {}", listed(missing, false)),
        ));
    }
    let differing: Vec<&String> = plan
        .iter()
        .filter(|(k, doc)| now.get(*k).is_some_and(|have| !same_document(doc, have)))
        .map(|(k, _)| k)
        .collect();
    if !differing.is_empty() {
        out.push(line(
            Mark::Changed,
            format!("inline policy differs: {}", listed(differing, false)),
        ));
    }
    let extra: Vec<&String> = now.keys().filter(|k| !plan.contains_key(*k)).collect();
    if !extra.is_empty() {
        out.push(line(
            Mark::Removed,
            format!("inline policy, not planned: {}", listed(extra, false)),
        ));
    }
}

/// Each document of `resource` that differs from the one that exists
/// (`existing`), as the lines of a unified diff (`---` what exists, `+++`
/// the plan).
pub fn documents(resource: &Resource, existing: &BTreeMap<String, Value>) -> Vec<Difference> {
    document_differences(resource, existing)
        .into_iter()
        .flat_map(|(_, unified)| {
            unified
                .lines()
                .map(|l| line(Mark::Unified, l))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::adopt::RoleSnapshot;
    use crate::iam::names::EntityKind;
    use crate::plan::plan_of_valid_toml;
    use serde_json::json;

    fn instance_role() -> Resource {
        crate::plan::genomics_resource(EntityKind::Role, "ecsInstanceRole")
    }

    fn texts(lines: &[Difference]) -> Vec<(Mark, &str)> {
        lines.iter().map(|l| (l.mark, l.text.as_str())).collect()
    }

    #[test]
    fn a_hand_made_role_shows_trust_attachments_and_inline_policies() {
        let role = instance_role();
        let planned = role.role().unwrap();
        let kept = planned.managed_policy_arns[0].clone();
        let found = Snapshot::Role(RoleSnapshot {
            path: "/".into(),
            trust_policy: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            description: None,
            permissions_boundary: None,
            tags: Default::default(),
            attached: [
                kept,
                "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore".to_owned(),
            ]
            .into_iter()
            .collect(),
            inline: [(
                "by-hand".to_owned(),
                json!({"Version": "2012-10-17", "Statement": []}),
            )]
            .into_iter()
            .collect(),
        });
        let lines = summary(&role, &found);
        // Listed in ARN order, by their short names.
        let missing: BTreeSet<&String> = planned.managed_policy_arns[1..].iter().collect();
        let missing: Vec<&str> = missing.into_iter().map(|a| short(a)).collect();
        let attach = format!("attach: {}", missing.join(", "));
        assert_eq!(
            texts(&lines),
            [
                (
                    Mark::Changed,
                    "trusts lambda.amazonaws.com; the plan: ec2.amazonaws.com"
                ),
                (Mark::Added, attach.as_str()),
                (
                    Mark::Removed,
                    "attached, not planned: AmazonSSMManagedInstanceCore"
                ),
                (Mark::Removed, "inline policy, not planned: by-hand"),
            ]
        );
    }

    #[test]
    fn a_policy_says_its_version_and_a_profile_its_roles() {
        use crate::apply::adopt::{PolicySnapshot, ProfileSnapshot};
        let plan = plan_of_valid_toml(include_str!("../../examples/genomics.toml"));
        let policy = plan
            .get(EntityKind::ManagedPolicy, "ebs-autoscale-policy")
            .unwrap();
        let found = Snapshot::Policy(PolicySnapshot {
            arn: policy.arn.clone(),
            path: "/".into(),
            tags: Default::default(),
            document: json!({"Version": "2012-10-17", "Statement": []}),
            default_version_id: Some("v3".into()),
            other_versions: BTreeMap::new(),
        });
        assert_eq!(
            texts(&summary(policy, &found)),
            [(
                Mark::Changed,
                "document: its default version v3 differs from the plan's"
            )]
        );
        let profile = plan
            .get(EntityKind::InstanceProfile, "ecsInstanceRole")
            .unwrap();
        let found = Snapshot::InstanceProfile(ProfileSnapshot {
            path: "/".into(),
            tags: Default::default(),
            roles: BTreeSet::from(["someone-elses".to_owned()]),
        });
        assert_eq!(
            texts(&summary(profile, &found)),
            [
                (Mark::Added, "add role: ecsInstanceRole"),
                (Mark::Removed, "holds role, not planned: someone-elses"),
            ]
        );
    }

    #[test]
    fn a_role_as_planned_differs_in_nothing() {
        let role = instance_role();
        let planned = role.role().unwrap();
        let found = Snapshot::Role(RoleSnapshot {
            path: "/".into(),
            trust_policy: planned.trust_policy.clone(),
            description: None,
            permissions_boundary: planned.permissions_boundary.clone(),
            tags: Default::default(),
            attached: planned.managed_policy_arns.iter().cloned().collect(),
            inline: planned.inline_policies.clone().into_iter().collect(),
        });
        assert_eq!(summary(&role, &found), []);
        let existing = BTreeMap::from([("trust_policy".to_owned(), planned.trust_policy.clone())]);
        assert_eq!(documents(&role, &existing), []);
    }
}
