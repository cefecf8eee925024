//! Applies changes: each API step as soon as the steps it needs are done
//! ([`super::graph`], [`super::schedule`]), every mutating call journaled
//! before and after, progress reported as events.

use crate::iam::action::Action;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::adopt::Snapshot;
use super::diff::{self, Change, State, Step};
use super::graph::{Graph, Task};
use super::journal::{Call, Journal, JournalError, Record};
use super::observe;
use super::schedule;
use crate::cloud::{Cloud, CloudError, ErrorKind, NewPolicy, NewRole};
use crate::plan::{Plan, Resource, ResourceId, Spec};

pub use super::schedule::CONCURRENCY;

/// How often a long wait on AWS is reported ([`Event::Waiting`]): short
/// waits, the usual case, say nothing.
pub const WAIT_REPORT: Duration = Duration::from_secs(5);

/// Progress of an apply, for any front end to render.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A call is about to be made.
    Started { id: ResourceId, action: Action },
    /// It succeeded; `arn` when it created an entity.
    Done {
        id: ResourceId,
        action: Action,
        /// The call's other argument (the policy attached, the role added, …).
        detail: Option<String>,
        arn: Option<String>,
    },
    /// It failed; the apply stops after the calls in flight.
    Failed {
        id: ResourceId,
        action: Action,
        detail: Option<String>,
        error: CloudError,
    },
    /// The SDK is trying a call again after a transient failure.
    Retried { action: String, attempt: u32 },
    /// A wait on AWS (IAM's eventual consistency, a deletion task) has
    /// lasted a while; said every [`WAIT_REPORT`] so a person sees why
    /// nothing moves. `what` reads after "waiting for", like "role
    /// `AWSServiceRoleForBatch` to appear".
    Waiting {
        id: ResourceId,
        what: String,
        elapsed_secs: u64,
        limit_secs: u64,
    },
    /// The wait [`Event::Waiting`] told of is over (whatever its outcome).
    Waited { id: ResourceId },
    /// The resource already matches the plan.
    Unchanged { id: ResourceId },
    /// The resource was not worked on because an earlier step failed.
    NotStarted { id: ResourceId },
}

/// `1 conflict`, `2 conflicts`.
fn conflicts(count: &usize) -> String {
    match count {
        1 => "1 conflict".to_owned(),
        n => format!("{n} conflicts"),
    }
}

/// Why an apply stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{}; nothing was changed:\n{list}", conflicts(.count))]
    Conflicts { count: usize, list: String },
    // The error's message, not its `Display`, which would name the action
    // a second time.
    #[error("{action} on {kind} {name} failed: {}", error.message)]
    Call {
        action: Action,
        kind: &'static str,
        name: String,
        error: CloudError,
    },
    #[error(
        "stopped on request; the journal records every call made, so `apply` with the same journal resumes"
    )]
    Stopped,
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub created: Vec<ResourceId>,
    pub updated: Vec<ResourceId>,
    pub unchanged: Vec<ResourceId>,
    /// The ARN of every planned resource, whether created now or before:
    /// the one IAM returned for an entity created now (AWS names a
    /// service-linked role itself, and an emulator may name it otherwise),
    /// the planned one for the rest.
    pub arns: BTreeMap<ResourceId, String>,
}

/// Applies `changes` (from `observe::changes` for this plan). Refuses to start
/// if any change is a conflict. Each step starts once what it needs is done
/// ([`Graph`]), up to [`CONCURRENCY`] at once. On a failed call, the calls
/// in flight finish, nothing new starts, and the error names the step; on
/// `stop`, the same without an error ([`ApplyError::Stopped`]).
pub async fn apply(
    cloud: &dyn Cloud,
    plan: &Plan,
    changes: &[Change],
    journal: &Journal,
    on_event: &(dyn Fn(Event) + Send + Sync),
    stop: &AtomicBool,
) -> Result<Report, ApplyError> {
    let count = changes
        .iter()
        .filter(|c| c.state == State::Conflict)
        .count();
    if count > 0 {
        return Err(ApplyError::Conflicts {
            count,
            list: conflict_list(changes),
        });
    }
    {
        let target = &plan.target;
        journal
            .append(Record::Run {
                command: "apply".into(),
                account_id: target.account_id.clone(),
                region: target.region.clone(),
                onramp_version: env!("CARGO_PKG_VERSION").into(),
            })
            .await?;
    }
    record_adoptions(journal, plan, changes).await?;
    let graph = Graph::new(plan, changes);
    tracing::debug!(
        steps = graph.tasks.len(),
        rounds = graph.rounds(),
        "apply schedule"
    );
    // What needs no call is as planned from the start.
    for change in changes.iter().filter(|c| c.steps.is_empty()) {
        on_event(Event::Unchanged { id: change.id() });
    }
    let ended = schedule::run(
        &graph.needs,
        CONCURRENCY,
        |_| true,
        stop,
        |i| Box::pin(run_step(cloud, &graph.tasks[i], journal, on_event)),
    )
    .await;

    let mut failure: Option<ApplyError> = None;
    let mut failed: Vec<ResourceId> = Vec::new();
    let mut made: BTreeMap<ResourceId, String> = BTreeMap::new();
    let mut ran = vec![false; graph.tasks.len()];
    for (i, result) in ended {
        ran[i] = true;
        let id = graph.tasks[i].resource.id();
        match result {
            Ok(Some(arn)) if graph.tasks[i].step.creates() => {
                made.insert(id, arn);
            }
            Ok(_) => {}
            // The first failure is the one that stopped the apply.
            Err(e) => {
                failure.get_or_insert(e);
                failed.push(id);
            }
        }
    }
    let mut report = Report::default();
    for change in changes {
        let id = change.id();
        let left = graph
            .tasks
            .iter()
            .zip(&ran)
            .any(|(t, ran)| !ran && t.resource.id() == id);
        if left {
            // A resource whose step failed has said so (`Event::Failed`).
            if !failed.contains(&id) {
                on_event(Event::NotStarted { id });
            }
            continue;
        }
        match change.state {
            State::Create => report.created.push(id),
            // An adopted resource was rewritten to the plan: updated, not
            // "already as planned".
            State::Update | State::Adopt => report.updated.push(id),
            _ => report.unchanged.push(id),
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if ran.iter().any(|ran| !ran) {
        return Err(ApplyError::Stopped);
    }
    report.created.sort();
    report.updated.sort();
    report.unchanged.sort();
    report.arns = plan
        .resources
        .iter()
        .map(|r| (r.id(), r.arn.clone()))
        .chain(made)
        .collect();
    Ok(report)
}

/// One line per conflict: the kind, the name, and why.
pub fn conflict_list(changes: &[Change]) -> String {
    changes
        .iter()
        .filter(|c| c.state == State::Conflict)
        .map(|c| format!("  {} {}: {}", c.kind.noun(), c.name, c.reasons.join("; ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Records each adopted resource this run changes, before any call does
/// (see [`super::adopt`]): one adopted now, with what it is and what onramp
/// makes of it; and one an earlier run adopted, whose state after moves
/// with the plan while its state before stays the first run's. All in one
/// group commit.
async fn record_adoptions(
    journal: &Journal,
    plan: &Plan,
    changes: &[Change],
) -> Result<(), ApplyError> {
    let earlier = super::journal::adopted(&journal.entries());
    let mut records = Vec::new();
    for change in changes.iter().filter(|c| !c.steps.is_empty()) {
        let known = earlier
            .iter()
            .find(|a| a.kind == change.kind && a.name.eq_ignore_ascii_case(&change.name));
        let Some(resource) = plan.get(change.kind, &change.name) else {
            continue;
        };
        let (before, after) = match (known, &change.adoption) {
            (Some(known), _) => {
                let after = Snapshot::planned(resource, &known.before);
                if after == known.after {
                    continue;
                }
                (known.before.clone(), after)
            }
            (None, Some(adoption)) => (adoption.before.clone(), adoption.after.clone()),
            (None, None) => continue,
        };
        records.push(Record::Adopt {
            kind: change.kind,
            name: change.name.clone(),
            before: Box::new(before),
            after: Box::new(after),
        });
    }
    futures::future::try_join_all(records.into_iter().map(|r| journal.append(r))).await?;
    Ok(())
}

/// One step: its call between an intent and a result record; a step that
/// deletes a policy version first (to stay within IAM's five) records that
/// call too.
async fn run_step(
    cloud: &dyn Cloud,
    task: &Task<'_>,
    journal: &Journal,
    on_event: &(dyn Fn(Event) + Send + Sync),
) -> Result<Option<String>, ApplyError> {
    let Task { resource, step, .. } = *task;
    let id = resource.id();
    if let Step::CreatePolicyVersion {
        prune: Some(version),
    } = step
    {
        let prune = async {
            match cloud.delete_policy_version(&resource.arn, version).await {
                // The observation just listed it: gone now, it was an
                // earlier attempt of this call whose answer was lost
                // (found by the fault tests on the update path).
                Err(error) if error.kind == ErrorKind::NoSuchEntity => Ok(None),
                other => other.map(|()| None),
            }
        };
        journaled(
            journal,
            on_event,
            &id,
            Action::DeletePolicyVersion,
            Some(version.clone()),
            prune,
        )
        .await?;
    }
    // A create records the planned ARN, so that destroy can find an
    // entity whose create was interrupted before its result was written.
    let detail = if step.creates() {
        Some(resource.arn.clone())
    } else {
        step.detail()
    };
    journaled(
        journal,
        on_event,
        &id,
        step.action(),
        detail,
        execute_confirmed(cloud, task, on_event),
    )
    .await
}

/// The first pause before a call that met `NoSuchEntity` for an entity
/// this run created is tried again; each pause doubles, up to
/// [`VISIBILITY_PAUSE_MAX`].
pub const VISIBILITY_PAUSE: Duration = Duration::from_millis(100);

/// The longest pause between two tries of a call waiting for a new entity
/// to show.
pub const VISIBILITY_PAUSE_MAX: Duration = Duration::from_secs(2);

/// Makes a step's call, trying it again while IAM does not show yet an
/// entity this run created: IAM is eventually consistent, and a role or a
/// policy made a moment ago may be unknown to the next call for a few
/// seconds. Polling for every new entity before using it cost a round
/// trip per create (and a missed poll a whole second); trying the call
/// itself costs nothing when IAM is consistent, which it nearly always is.
///
/// Only a step that needs an entity created in this run is tried again,
/// and only on a `NoSuchEntity` that does not name an entity made before
/// the run (an AWS managed policy that does not exist is not going to
/// appear), with pauses from [`VISIBILITY_PAUSE`]
/// doubling to [`VISIBILITY_PAUSE_MAX`], for at most
/// [`crate::cloud::sdk::MAX_WAIT`]; a wait past [`WAIT_REPORT`] is told as
/// [`Event::Waiting`]. The journal holds one intent for all the tries: they
/// are one call that IAM had refused until now.
async fn call_when_visible(
    cloud: &dyn Cloud,
    task: &Task<'_>,
    on_event: &(dyn Fn(Event) + Send + Sync),
) -> Result<Option<String>, CloudError> {
    if task.needs_new.is_empty() {
        return execute(cloud, task.resource, task.step).await;
    }
    let retrying = async {
        let started = Instant::now();
        let mut pause = VISIBILITY_PAUSE;
        loop {
            match execute(cloud, task.resource, task.step).await {
                Err(error)
                    if error.kind == ErrorKind::NoSuchEntity
                        && !names_an_old_entity(task, &error.message)
                        && started.elapsed() + pause < crate::cloud::sdk::MAX_WAIT =>
                {
                    tracing::debug!(
                        action = %task.step.action(),
                        resource = %task.resource.name,
                        pause_ms = pause.as_millis(),
                        "not visible yet; trying again"
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(VISIBILITY_PAUSE_MAX);
                }
                other => return other,
            }
        }
    };
    let new: Vec<String> = task
        .needs_new
        .iter()
        .map(|r| format!("{} {}", r.noun(), r.name))
        .collect();
    let what = format!("IAM to show the new {}", new.join(" and "));
    reporting_wait(retrying, on_event, &task.resource.id(), &what).await
}

/// Whether IAM's `message` names an entity the step uses that this run did
/// not create: then it is missing for good, not late.
fn names_an_old_entity(task: &Task<'_>, message: &str) -> bool {
    let mut used: Vec<&str> = Vec::new();
    match (task.step, &task.resource.spec) {
        (Step::Attach(arn) | Step::PutBoundary(arn), _) => used.push(arn),
        (Step::CreateRole, Spec::Role(role)) => used.extend(role.boundary()),
        (Step::AddRole(role), _) => used.push(role),
        _ => {}
    }
    if !task.step.creates() {
        used.push(&task.resource.arn);
    }
    let is_new = |id: &str| {
        task.needs_new
            .iter()
            .any(|r| r.arn == id || r.name.eq_ignore_ascii_case(id))
    };
    used.into_iter()
        .filter(|id| !is_new(id))
        .any(|id| mentions(message, id.rsplit('/').next().unwrap_or(id)))
}

/// Whether `text` holds the IAM name `name` as a whole word (not inside a
/// longer name), ignoring case.
fn mentions(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let in_name = |c: char| c.is_ascii_alphanumeric() || "+=,@_-".contains(c);
    let (text, name) = (text.to_ascii_lowercase(), name.to_ascii_lowercase());
    text.match_indices(&name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(in_name) && !after.is_some_and(in_name)
    })
}

/// The entity name at the end of an ARN (`…:role/path/NAME`).
pub fn name_in_arn(arn: &str) -> Option<&str> {
    let (_, resource) = arn.rsplit_once(':')?;
    let name = resource.rsplit('/').next()?;
    (!name.is_empty() && resource.contains('/')).then_some(name)
}

/// Runs `future` (a wait on AWS), sending [`Event::Waiting`] every
/// [`WAIT_REPORT`] while it lasts and [`Event::Waited`] when it ends after
/// one was sent. Shared by apply and destroy.
pub(crate) async fn reporting_wait<T>(
    future: impl std::future::Future<Output = T>,
    on_event: &(dyn Fn(Event) + Send + Sync),
    id: &ResourceId,
    what: &str,
) -> T {
    let started = Instant::now();
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::now() + WAIT_REPORT, WAIT_REPORT);
    let mut told = false;
    tokio::pin!(future);
    let out = loop {
        tokio::select! {
            out = &mut future => break out,
            _ = ticks.tick() => {
                told = true;
                on_event(Event::Waiting {
                    id: id.clone(),
                    what: what.to_owned(),
                    elapsed_secs: started.elapsed().as_secs(),
                    limit_secs: crate::cloud::sdk::MAX_WAIT.as_secs(),
                });
            }
        }
    };
    if told {
        on_event(Event::Waited { id: id.clone() });
    }
    out
}

/// Makes one mutating call between an intent and a result record, both
/// synced to disk, and reports it. Shared by apply and destroy.
pub(crate) async fn journaled(
    journal: &Journal,
    on_event: &(dyn Fn(Event) + Send + Sync),
    id: &ResourceId,
    action: Action,
    detail: Option<String>,
    future: impl std::future::Future<Output = Result<Option<String>, CloudError>>,
) -> Result<Option<String>, ApplyError> {
    let call = Call {
        action: action.to_owned(),
        kind: id.kind,
        name: id.name.clone(),
        detail,
    };
    journal.append(Record::Intent(call.clone())).await?;
    on_event(Event::Started {
        id: id.clone(),
        action,
    });
    match future.await {
        Ok(arn) => {
            let detail = call.detail.clone();
            journal
                .append(Record::Done {
                    call,
                    arn: arn.clone(),
                })
                .await?;
            on_event(Event::Done {
                id: id.clone(),
                action,
                detail,
                arn: arn.clone(),
            });
            Ok(arn)
        }
        Err(error) => {
            let detail = call.detail.clone();
            journal
                .append(Record::Failed {
                    call,
                    error: error.to_string(),
                })
                .await?;
            on_event(Event::Failed {
                id: id.clone(),
                action,
                detail,
                error: error.clone(),
            });
            Err(ApplyError::Call {
                action,
                kind: id.kind.noun(),
                name: id.name.clone(),
                error,
            })
        }
    }
}

/// Makes a step's call; when IAM answers that it is done already, checks
/// whether that is so before reporting a failure.
///
/// The SDK retries a call whose answer was lost (a reset connection, an
/// answer past the attempt timeout), and IAM may have carried out the first
/// attempt: the retry of `CreateRole` then fails with `EntityAlreadyExists`,
/// that of `AddRoleToInstanceProfile` with `LimitExceeded`, that of
/// `DetachRolePolicy` with `NoSuchEntity`. If reading the
/// resource back shows the step's effect in place on a resource onramp owns,
/// the step is done, and stopping the whole apply over it would only make
/// the admin run it again.
///
/// A service-linked role cannot carry onramp's tag, so its create is taken
/// as done whenever the role is then found in place: the observation before
/// the apply found it missing, so the lost first attempt most likely made
/// it. Should AWS have made it meanwhile (a compute environment created at
/// that moment), the journal calls it onramp's, and a later `destroy` asks
/// AWS to delete it, which AWS refuses while anything uses the role.
async fn execute_confirmed(
    cloud: &dyn Cloud,
    task: &Task<'_>,
    on_event: &(dyn Fn(Event) + Send + Sync),
) -> Result<Option<String>, CloudError> {
    let Task {
        resource,
        step,
        treatment,
        ..
    } = *task;
    let error = match call_when_visible(cloud, task, on_event).await {
        // A create, attach or put that finds its work done, or a detach,
        // removal or delete that finds nothing to remove: perhaps an earlier
        // attempt of this very call, whose answer was lost to a timeout or a
        // reset before the SDK retried. Read the resource again to know.
        Err(error)
            if matches!(
                error.kind,
                ErrorKind::AlreadyExists | ErrorKind::LimitExceeded | ErrorKind::NoSuchEntity
            ) =>
        {
            error
        }
        other => return other,
    };
    let Ok(observed) = observe::observe(cloud, resource, treatment).await else {
        return Err(error);
    };
    let now = diff::diff(resource, &observed, treatment);
    // A resource missing now has nothing in place, whatever the step.
    let in_place = !matches!(now.state, State::Conflict | State::Create)
        && (now.owned || !step.creates() || resource.is_service_linked())
        && !now.steps.contains(step);
    if !in_place {
        return Err(error);
    }
    tracing::info!(
        action = %step.action(),
        resource = %resource.name,
        "already in place: an earlier attempt of this call succeeded"
    );
    Ok(step.creates().then(|| resource.arn.clone()))
}

async fn execute(
    cloud: &dyn Cloud,
    r: &Resource,
    step: &Step,
) -> Result<Option<String>, CloudError> {
    match (&r.spec, step) {
        (Spec::ManagedPolicy(policy), Step::CreatePolicy) => {
            let info = cloud
                .create_policy(NewPolicy {
                    name: &r.name,
                    path: &r.path,
                    description: &policy.description,
                    document: &policy.document,
                    tags: &r.tags,
                })
                .await?;
            Ok(Some(info.arn))
        }
        (Spec::ManagedPolicy(policy), Step::CreatePolicyVersion { .. }) => cloud
            .create_policy_version(&r.arn, &policy.document, true)
            .await
            .map(|_| None),
        (Spec::ManagedPolicy(_), Step::TagPolicy(tags)) => {
            cloud.tag_policy(&r.arn, tags).await.map(|()| None)
        }
        (Spec::Role(role), Step::CreateRole) => {
            let info = cloud
                .create_role(NewRole {
                    name: &r.name,
                    path: &r.path,
                    description: &role.description,
                    trust_policy: &role.trust_policy,
                    permissions_boundary: role.boundary(),
                    tags: &r.tags,
                })
                .await?;
            Ok(Some(info.arn))
        }
        (Spec::Role(role), Step::UpdateTrust) => cloud
            .update_assume_role_policy(&r.name, &role.trust_policy)
            .await
            .map(|()| None),
        (Spec::Role(_), Step::PutBoundary(arn)) => cloud
            .put_role_permissions_boundary(&r.name, arn)
            .await
            .map(|()| None),
        (Spec::Role(_), Step::DeleteBoundary) => cloud
            .delete_role_permissions_boundary(&r.name)
            .await
            .map(|()| None),
        (Spec::Role(_), Step::TagRole(tags)) => cloud.tag_role(&r.name, tags).await.map(|()| None),
        (Spec::Role(_), Step::Attach(arn)) => {
            cloud.attach_role_policy(&r.name, arn).await.map(|()| None)
        }
        (Spec::Role(_), Step::Detach(arn)) => {
            cloud.detach_role_policy(&r.name, arn).await.map(|()| None)
        }
        (Spec::Role(role), Step::PutInline(name)) => match role.inline_policies.get(name) {
            Some(doc) => cloud
                .put_role_policy(&r.name, name, doc)
                .await
                .map(|()| None),
            None => Ok(None),
        },
        (Spec::Role(_), Step::DeleteInline(name)) => {
            cloud.delete_role_policy(&r.name, name).await.map(|()| None)
        }
        (Spec::InstanceProfile(_), Step::CreateInstanceProfile) => {
            let info = cloud
                .create_instance_profile(&r.name, &r.path, &r.tags)
                .await?;
            Ok(Some(info.arn))
        }
        (Spec::InstanceProfile(_), Step::TagInstanceProfile(tags)) => cloud
            .tag_instance_profile(&r.name, tags)
            .await
            .map(|()| None),
        (Spec::InstanceProfile(_), Step::AddRole(role)) => cloud
            .add_role_to_instance_profile(&r.name, role)
            .await
            .map(|()| None),
        (Spec::InstanceProfile(_), Step::RemoveRole(role)) => cloud
            .remove_role_from_instance_profile(&r.name, role)
            .await
            .map(|()| None),
        (Spec::ServiceLinkedRole(linked), Step::CreateServiceLinkedRole) => {
            let info = cloud
                .create_service_linked_role(&linked.service, &linked.description)
                .await?;
            Ok(Some(info.arn))
        }
        (_, step) => Err(CloudError::new(
            step.action(),
            ErrorKind::Other,
            format!(
                "internal error: step {} does not apply to {} {}",
                step.action(),
                r.kind().noun(),
                r.name
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Tags;
    use crate::cloud::memory::MemoryCloud;

    /// An adopted resource that the apply rewrote is counted as updated,
    /// not among those already as planned.
    #[tokio::test]
    async fn an_adopted_resource_is_reported_updated() {
        let plan = crate::plan::plan_of_valid_toml(
            "region = \"us-east-1\"\naccount_id = \"123456789012\"\nadopt = [\"ecsInstanceRole\"]\n\
             [genomics]\nbuckets = [\"my-gwf-data\"]\n",
        );
        let cloud = MemoryCloud::new("123456789012", "aws");
        let lambda = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        cloud
            .create_role(NewRole {
                name: "ecsInstanceRole",
                path: "/",
                description: "made by hand",
                trust_policy: &lambda,
                permissions_boundary: None,
                tags: &Tags::new(),
            })
            .await
            .unwrap();
        let changes = observe::changes(&cloud, &plan).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("j.jsonl")).unwrap();
        let report = apply(
            &cloud,
            &plan,
            &changes,
            &journal,
            &|_| {},
            &AtomicBool::new(false),
        )
        .await
        .unwrap();
        let role = ResourceId {
            kind: crate::iam::names::EntityKind::Role,
            name: "ecsInstanceRole".into(),
        };
        assert_eq!(report.updated, [role], "{report:?}");
        assert!(report.unchanged.is_empty(), "{report:?}");
        assert_eq!(report.created.len(), plan.resources.len() - 1);
    }

    #[test]
    fn a_name_is_mentioned_only_as_a_whole_word() {
        let missing =
            "Policy arn:aws:iam::aws:policy/NoSuchPolicyHere does not exist or is not attachable.";
        assert!(mentions(missing, "NoSuchPolicyHere"));
        assert!(mentions(missing, "nosuchpolicyhere"));
        assert!(!mentions(missing, "NoSuchPolicy"));
        assert!(!mentions(missing, "BatchJobRole"));
        let role = "The role with name BatchJobRole cannot be found.";
        assert!(mentions(role, "BatchJobRole"));
        assert!(!mentions(role, "JobRole"));
        assert!(!mentions(role, "BatchJobRole2"));
        assert!(!mentions(role, ""));
    }
}
