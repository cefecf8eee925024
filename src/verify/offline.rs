//! Evidence from the plan: what a subject would hold once applied.

use super::{Evidence, Labeled, Subject};
use crate::iam::managed;
use crate::iam::names::EntityKind;
use crate::plan::{Plan, PolicySpec, Resource};

/// The documents `subject` gets from `plan`; AWS managed policies come from
/// their vendored copies.
pub fn evidence(plan: &Plan, subject: &Subject) -> Evidence {
    let mut out = Evidence::default();
    match subject {
        Subject::Role { name } => {
            let Some(role) = plan.get(EntityKind::Role, name).and_then(Resource::role) else {
                out.gaps.push(format!("the plan has no role {name}"));
                return out;
            };
            out.trust = Some(Labeled {
                label: format!("the trust policy of {name}"),
                document: role.trust_policy.clone(),
            });
            for (policy, document) in &role.inline_policies {
                out.permissions.push(Labeled {
                    label: format!("inline policy {policy} of {name}"),
                    document: document.clone(),
                });
            }
            for arn in &role.managed_policy_arns {
                attached(plan, arn, &mut out);
            }
        }
        Subject::Policies { names, .. } => {
            for name in names {
                match plan
                    .get(EntityKind::ManagedPolicy, name)
                    .and_then(Resource::policy)
                {
                    Some(policy) => out.permissions.push(Labeled {
                        label: format!("policy {name}"),
                        document: policy.document.clone(),
                    }),
                    _ => out.gaps.push(format!("the plan has no policy {name}")),
                }
            }
        }
    }
    out
}

/// An attached managed policy: the plan's own, a vendored AWS one, or a gap.
fn attached(plan: &Plan, arn: &str, out: &mut Evidence) {
    let own = plan.resources.iter().find(|r| r.arn == arn);
    if let Some(PolicySpec { document, .. }) = own.and_then(Resource::policy) {
        let name = own.map_or(arn, |r| r.name.as_str());
        out.permissions.push(Labeled {
            label: format!("policy {name}"),
            document: document.clone(),
        });
    } else if let Some(aws) = managed::lookup(arn) {
        out.permissions.push(Labeled {
            label: format!("AWS managed {} {}", aws.name, aws.version),
            document: aws.document,
        });
    } else {
        out.gaps
            .push(format!("{arn} is attached but onramp has no copy of it"));
    }
}

/// A plan as every face of onramp checks it before anything is created:
/// lint's findings against `quotas`, then one error per intent the plan
/// (with its hand edits) does not hold, errors first; and every intent's
/// verdict. The wizard's review and the headless commands share it, so an
/// edit that takes away what a workload needs stops both alike.
pub fn checked(
    valid: &crate::answers::ValidAnswers,
    plan: &Plan,
    quotas: &crate::iam::limits::Quotas,
) -> (Vec<crate::plan::lint::Finding>, Vec<super::Outcome>) {
    let mut findings = crate::plan::lint::lint_with(plan, quotas);
    let intents = super::intents(valid, plan);
    let outcomes = super::check(&intents, |s| evidence(plan, s));
    findings.extend(super::failures_as_findings(&outcomes));
    findings.sort_by_key(|f| f.level);
    (findings, outcomes)
}
