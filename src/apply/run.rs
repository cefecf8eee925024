//! Applies changes: in dependency order, independent resources concurrently,
//! every mutating call journaled before and after, progress reported as events.

use crate::iam::action::Action;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};

use super::diff::{self, Change, State, Step};
use super::journal::{Call, Journal, JournalError, Record};
use super::observe;
use crate::cloud::{Cloud, CloudError, ErrorKind, NewPolicy, NewRole, WaitFor};
use crate::iam::names::EntityKind;
use crate::plan::{Plan, Resource, ResourceId, Spec};

/// How many resources are worked on at once.
pub const CONCURRENCY: usize = 4;

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
/// if any change is a conflict. On a failed call, the calls in flight finish,
/// nothing new starts, and the error names the step.
pub async fn apply(
    cloud: &dyn Cloud,
    plan: &Plan,
    changes: &[Change],
    journal: &Journal,
    on_event: &(dyn Fn(Event) + Send + Sync),
    stop: &AtomicBool,
) -> Result<Report, ApplyError> {
    let conflicts: Vec<&Change> = changes
        .iter()
        .filter(|c| c.state == State::Conflict)
        .collect();
    if !conflicts.is_empty() {
        let list = conflicts
            .iter()
            .map(|c| format!("  {} {}: {}", c.kind.noun(), c.name, c.reasons.join("; ")))
            .collect::<Vec<_>>()
            .join("\n");
        return Err(ApplyError::Conflicts {
            count: conflicts.len(),
            list,
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
    let by_id: BTreeMap<ResourceId, &Change> = changes.iter().map(|c| (c.id(), c)).collect();
    let mut report = Report::default();
    let mut made: BTreeMap<ResourceId, String> = BTreeMap::new();
    let mut failure: Option<ApplyError> = None;
    for wave in waves(plan) {
        if failure.is_some() {
            // What needs no call is as planned whatever failed before it.
            for r in wave {
                let id = r.id();
                let unchanged = by_id.get(&id).is_some_and(|c| c.steps.is_empty());
                on_event(if unchanged {
                    Event::Unchanged { id }
                } else {
                    Event::NotStarted { id }
                });
            }
            continue;
        }
        // Collected before streaming: a stream mapped with a borrowing
        // closure is `Send` for one lifetime only (rust-lang/rust#102211), and
        // the wizard hands the apply to `tokio::spawn`.
        let tasks: Vec<_> = wave
            .into_iter()
            .map(|resource| {
                let change = by_id.get(&resource.id()).copied();
                run_planned(cloud, resource, change, journal, on_event, stop)
            })
            .collect();
        let results: Vec<(ResourceId, Result<Option<String>, ApplyError>)> = stream::iter(tasks)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (id, result) in results {
            match result {
                Ok(arn) => match by_id.get(&id).map(|c| c.state) {
                    Some(State::Create) => {
                        if let Some(arn) = arn {
                            made.insert(id.clone(), arn);
                        }
                        report.created.push(id);
                    }
                    Some(State::Update) => report.updated.push(id),
                    _ => report.unchanged.push(id),
                },
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
    }
    if let Some(e) = failure {
        return Err(e);
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

/// The plan's resources in waves: each wave depends only on earlier ones.
pub fn waves(plan: &Plan) -> Vec<Vec<&Resource>> {
    let mut placed: BTreeSet<ResourceId> = BTreeSet::new();
    let mut left: Vec<&Resource> = plan.resources.iter().collect();
    let mut waves = Vec::new();
    while !left.is_empty() {
        let (ready, blocked): (Vec<&Resource>, Vec<&Resource>) = left
            .into_iter()
            .partition(|r| r.depends_on.iter().all(|d| placed.contains(d)));
        if ready.is_empty() {
            // A cycle or a dependency outside the plan (lint reports both):
            // run the rest in plan order rather than never.
            waves.extend(blocked.into_iter().map(|r| vec![r]));
            break;
        }
        placed.extend(ready.iter().map(|r| r.id()));
        waves.push(ready);
        left = blocked;
    }
    waves
}

/// One resource of a wave; a resource without a change is left alone.
async fn run_planned(
    cloud: &dyn Cloud,
    resource: &Resource,
    change: Option<&Change>,
    journal: &Journal,
    on_event: &(dyn Fn(Event) + Send + Sync),
    stop: &AtomicBool,
) -> (ResourceId, Result<Option<String>, ApplyError>) {
    let result = match change {
        Some(change) => run_resource(cloud, resource, change, journal, on_event, stop).await,
        None => Ok(None),
    };
    (resource.id(), result)
}

async fn run_resource(
    cloud: &dyn Cloud,
    resource: &Resource,
    change: &Change,
    journal: &Journal,
    on_event: &(dyn Fn(Event) + Send + Sync),
    stop: &AtomicBool,
) -> Result<Option<String>, ApplyError> {
    if change.steps.is_empty() {
        on_event(Event::Unchanged { id: resource.id() });
        return Ok(None);
    }
    let id = resource.id();
    let mut created = None;
    for step in &change.steps {
        if stop.load(Ordering::SeqCst) {
            on_event(Event::NotStarted { id });
            return Err(ApplyError::Stopped);
        }
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
        let made = journaled(
            journal,
            on_event,
            &id,
            step.action(),
            detail,
            execute_confirmed(cloud, resource, step),
        )
        .await?;
        if step.creates() {
            wait_until_visible(cloud, resource, made.as_deref(), on_event).await?;
            created = made;
        }
    }
    Ok(created)
}

/// Waits until a just-created entity is visible, so that later steps and
/// dependent resources can use it (IAM is eventually consistent), telling
/// `on_event` while the wait lasts.
///
/// A role is waited for by the name in the ARN IAM returned: AWS names a
/// service-linked role itself, and an emulator may name it otherwise than
/// the plan (moto: `AWSServiceRoleForbatch`), which would make a wait on
/// the planned name last its full minute and fail.
async fn wait_until_visible(
    cloud: &dyn Cloud,
    resource: &Resource,
    made_arn: Option<&str>,
    on_event: &(dyn Fn(Event) + Send + Sync),
) -> Result<(), ApplyError> {
    let (kind, name) = match resource.kind() {
        EntityKind::ManagedPolicy => (WaitFor::Policy, resource.arn.as_str()),
        EntityKind::Role => (
            WaitFor::Role,
            made_arn
                .and_then(name_in_arn)
                .unwrap_or(resource.name.as_str()),
        ),
        EntityKind::InstanceProfile => (WaitFor::InstanceProfile, resource.name.as_str()),
    };
    let what = format!(
        "{} {} to appear",
        resource.noun(),
        if kind == WaitFor::Policy {
            &resource.name
        } else {
            name
        }
    );
    reporting_wait(
        cloud.wait_until_exists(kind, name),
        on_event,
        &resource.id(),
        &what,
    )
    .await
    .map_err(|error| ApplyError::Call {
        action: Action::Wait,
        kind: resource.kind().noun(),
        name: resource.name.clone(),
        error,
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
    resource: &Resource,
    step: &Step,
) -> Result<Option<String>, CloudError> {
    let error = match execute(cloud, resource, step).await {
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
    let Ok(observed) = observe::observe(cloud, resource).await else {
        return Err(error);
    };
    let now = diff::diff(resource, &observed);
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
