//! An apply's API steps as a graph of needs: which call must be done before
//! which. Pure: built from the plan and its changes, run by
//! [`super::schedule`].
//!
//! A step needs only what IAM needs in place for it:
//! - every step of a resource needs that resource's create, if it has one;
//! - an attachment needs the policy's create, when the plan creates it; a
//!   role's create or boundary needs the boundary policy's create, likewise;
//!   a role added to an instance profile needs that role's create;
//! - within a resource, what adds waits for what removes of the same kind
//!   (attachments after detachments, inline policies after deletions, a
//!   profile's role after the old one's removal), so that a full role or
//!   profile never trips an IAM limit on the way.
//!
//! Nothing else waits: `CreateInstanceProfile` needs nothing, and a role's
//! four attachments go out together.

use super::diff::{Change, Step};
use crate::plan::existing::Treatment;
use crate::plan::{Plan, Resource, Spec};

/// One API step of the apply.
#[derive(Debug, Clone)]
pub struct Task<'p> {
    pub resource: &'p Resource,
    pub step: &'p Step,
    /// The entities this run creates that the step needs: a `NoSuchEntity`
    /// from it may only mean IAM does not show one of them yet.
    pub needs_new: Vec<&'p Resource>,
    /// How the plan treats the resource if onramp did not make it: a step
    /// whose answer was lost is read back with the same eyes.
    pub treatment: Treatment,
}

/// The steps of an apply, with what each needs (indices into `tasks`).
#[derive(Debug, Clone)]
pub struct Graph<'p> {
    pub tasks: Vec<Task<'p>>,
    pub needs: Vec<Vec<usize>>,
}

impl<'p> Graph<'p> {
    /// The graph of every step of `changes` (matched to `plan`'s resources
    /// by kind and name), in plan order, then step order.
    pub fn new(plan: &'p Plan, changes: &'p [Change]) -> Graph<'p> {
        let mut tasks = Vec::new();
        for resource in &plan.resources {
            let Some(change) = changes.iter().find(|c| c.id() == resource.id()) else {
                continue;
            };
            let treatment = plan.existing.treatment(resource);
            tasks.extend(change.steps.iter().map(|step| Task {
                resource,
                step,
                needs_new: Vec::new(),
                treatment,
            }));
        }
        let creates = |found: &dyn Fn(&Resource) -> bool| -> Option<usize> {
            tasks
                .iter()
                .position(|t: &Task<'_>| t.step.creates() && found(t.resource))
        };
        let mut needs: Vec<Vec<usize>> = Vec::with_capacity(tasks.len());
        for (i, task) in tasks.iter().enumerate() {
            let me = task.resource;
            let same = |t: &Task<'_>| std::ptr::eq(t.resource, me);
            let mut list = Vec::new();
            if !task.step.creates()
                && let Some(own) = creates(&|r| std::ptr::eq(r, me))
            {
                list.push(own);
            }
            // What must be removed from the same resource first.
            let before = |t: &Step| match task.step {
                Step::Attach(_) => matches!(t, Step::Detach(_)),
                Step::PutInline(_) => matches!(t, Step::DeleteInline(_)),
                Step::AddRole(_) => matches!(t, Step::RemoveRole(_)),
                _ => false,
            };
            list.extend(
                tasks
                    .iter()
                    .enumerate()
                    .filter(|(j, t)| *j != i && same(t) && before(t.step))
                    .map(|(j, _)| j),
            );
            // Another planned entity the call names.
            let policy_arn = match (task.step, &me.spec) {
                (Step::Attach(arn) | Step::PutBoundary(arn), _) => Some(arn.as_str()),
                (Step::CreateRole, Spec::Role(role)) => role.boundary(),
                _ => None,
            };
            if let Some(arn) = policy_arn
                && let Some(j) =
                    creates(&|r| matches!(r.spec, Spec::ManagedPolicy(_)) && r.arn == arn)
            {
                list.push(j);
            }
            if let Step::AddRole(role) = task.step
                && let Some(j) = creates(&|r| {
                    matches!(r.spec, Spec::Role(_)) && r.name.eq_ignore_ascii_case(role)
                })
            {
                list.push(j);
            }
            list.sort_unstable();
            list.dedup();
            needs.push(list);
        }
        let new: Vec<Vec<&Resource>> = needs
            .iter()
            .map(|list| {
                list.iter()
                    .filter(|&&j| tasks[j].step.creates())
                    .map(|&j| tasks[j].resource)
                    .collect()
            })
            .collect();
        for (task, new) in tasks.iter_mut().zip(new) {
            task.needs_new = new;
        }
        Graph { tasks, needs }
    }

    /// How many calls the apply makes one after another, at least.
    pub fn rounds(&self) -> usize {
        super::schedule::rounds(&self.needs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answers::{Answers, Environment};
    use crate::apply::diff::State;
    use crate::apply::observe;
    use crate::cloud::memory::MemoryCloud;
    use crate::iam::names::EntityKind;

    fn demo_plan() -> Plan {
        let valid = Answers::demo()
            .validate(&Environment {
                region_env: Some("us-east-1".into()),
                account_id: Some("123456789012".into()),
                ..Default::default()
            })
            .unwrap_or_else(|e| unreachable!("{e}"));
        crate::plan::plan(&valid).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn changes(cloud: &MemoryCloud, plan: &Plan) -> Vec<Change> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(observe::changes(cloud, plan))
            .unwrap()
    }

    /// The steps of `graph` that `task` needs, as `action name`.
    fn needs_of(graph: &Graph<'_>, task: usize) -> Vec<String> {
        graph.needs[task]
            .iter()
            .map(|&j| {
                let t = &graph.tasks[j];
                format!("{} {}", t.step.action(), t.resource.name)
            })
            .collect()
    }

    #[test]
    fn on_an_empty_account_every_create_goes_first_and_everything_else_second() {
        let plan = demo_plan();
        let changes = changes(&MemoryCloud::demo(), &plan);
        let graph = Graph::new(&plan, &changes);
        let steps: usize = changes.iter().map(|c| c.steps.len()).sum();
        assert_eq!(graph.tasks.len(), steps);
        assert_eq!(graph.rounds(), 2);
        let mut checked = 0;
        for (i, task) in graph.tasks.iter().enumerate() {
            let needs = needs_of(&graph, i);
            let name = &task.resource.name;
            match task.step {
                step if step.creates() => {
                    assert!(needs.is_empty(), "{step:?} {name} needs {needs:?}");
                    assert!(task.needs_new.is_empty());
                }
                Step::Attach(arn) => {
                    let mut want = vec![format!("CreateRole {name}")];
                    if let Some(policy) = plan.resources.iter().find(|r| r.arn == *arn) {
                        want.push(format!("CreatePolicy {}", policy.name));
                    }
                    want.sort();
                    let mut got = needs.clone();
                    got.sort();
                    assert_eq!(got, want, "attach {arn} to {name}");
                    assert_eq!(task.needs_new.len(), want.len());
                    checked += 1;
                }
                Step::AddRole(role) => {
                    let mut got = needs.clone();
                    got.sort();
                    assert_eq!(
                        got,
                        [
                            format!("CreateInstanceProfile {name}"),
                            format!("CreateRole {role}")
                        ]
                    );
                    checked += 1;
                }
                other => {
                    let create = graph
                        .tasks
                        .iter()
                        .find(|t| t.step.creates() && std::ptr::eq(t.resource, task.resource))
                        .unwrap();
                    assert_eq!(
                        needs,
                        [format!("{} {name}", create.step.action())],
                        "{other:?}"
                    );
                }
            }
        }
        assert!(checked >= 3, "the demo attaches and adds roles");
    }

    #[test]
    fn on_an_existing_role_attachments_wait_for_detachments_and_nothing_new() {
        let plan = demo_plan();
        let role = plan
            .resources
            .iter()
            .find(|r| matches!(&r.spec, Spec::Role(role) if !role.managed_policy_arns.is_empty()))
            .unwrap();
        let change = Change {
            kind: EntityKind::Role,
            name: role.name.clone(),
            state: State::Update,
            steps: vec![
                Step::Attach("arn:aws:iam::aws:policy/A".into()),
                Step::Detach("arn:aws:iam::aws:policy/Old".into()),
                Step::TagRole(crate::cloud::Tags::new()),
                Step::Attach("arn:aws:iam::aws:policy/B".into()),
            ],
            reasons: Vec::new(),
            owned: true,
            adoption: None,
        };
        let changes = [change];
        let graph = Graph::new(&plan, &changes);
        assert_eq!(graph.needs, [vec![1], vec![], vec![], vec![1]]);
        assert!(graph.tasks.iter().all(|t| t.needs_new.is_empty()));
        assert_eq!(graph.rounds(), 2);
    }
}
