//! Undoes what a journal says onramp did, newest first.
//!
//! Entities onramp created are deleted whole, in the order IAM requires
//! (detach policies, remove the role from the profile, delete the profile,
//! delete inline policies, delete the role, delete non-default versions,
//! delete the policy). Changes onramp made to entities it did not create
//! (an attachment, an inline policy, a role added to a profile) are reverted
//! one by one. Anything already gone is skipped. A create that was started but
//! never recorded as done is undone only if the entity carries onramp's tag,
//! so a same-named resource someone else made is never touched.
//!
//! A service-linked role is the exception to the tag check: IAM does not let
//! one be tagged. The journal alone says whether onramp created it, so it is
//! deleted (with `DeleteServiceLinkedRole`) only when its create is recorded
//! as done; one that existed before onramp ran was never created by it and
//! is never touched, and one whose create was interrupted is left for a
//! person to judge. AWS refuses to delete it while anything still uses it.

use crate::iam::action::Action;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use super::journal::{Call, Entry, Journal, Record};
use super::run::{ApplyError, Event, journaled, name_in_arn, reporting_wait};
use crate::answers::is_managed_by_onramp as owned;
use crate::cloud::{Cloud, CloudError, ErrorKind};
use crate::iam::names::EntityKind;
use crate::plan::ResourceId;

/// What a destroy did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DestroyReport {
    /// `kind name` of each entity deleted.
    pub deleted: Vec<String>,
    /// Changes to other entities that were reverted.
    pub reverted: Vec<String>,
    /// Entities or changes that were already gone, or not onramp's.
    pub skipped: Vec<String>,
    /// What could not be undone, with the reason.
    pub failed: Vec<String>,
    /// Whether a stop was asked for before everything was undone: the rest
    /// is still in the journal, for the next destroy.
    pub stopped: bool,
}

/// One thing to undo, from the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Undo {
    /// An entity onramp created (`certain`: its create was recorded as done).
    Entity {
        kind: EntityKind,
        name: String,
        arn: Option<String>,
        certain: bool,
        /// Made by `CreateServiceLinkedRole`: AWS's to delete, untaggable.
        service_linked: bool,
    },
    /// A change to an entity onramp did not create.
    Change(Call),
}

/// What the journal's entries ask to undo, newest first, in words.
pub fn pending(entries: &[Entry]) -> Vec<String> {
    undo_list(entries)
        .iter()
        .map(|u| match u {
            Undo::Entity {
                kind,
                name,
                certain,
                service_linked: true,
                ..
            } => {
                if *certain {
                    format!("delete service-linked {} {name}", kind.noun())
                } else {
                    format!(
                        "leave service-linked {} {name}: its create was interrupted, and it cannot carry onramp's tag to tell whose it is",
                        kind.noun()
                    )
                }
            }
            Undo::Entity {
                kind,
                name,
                certain,
                ..
            } => format!(
                "delete {} {name}{}",
                kind.noun(),
                if *certain {
                    ""
                } else {
                    " (if it exists and carries onramp's tag: its create was interrupted)"
                }
            ),
            Undo::Change(call) => format!(
                "revert {} on {} {} ({})",
                call.action,
                call.kind.noun(),
                call.name,
                call.detail.as_deref().unwrap_or("")
            ),
        })
        .collect()
}

/// What the journal's entries ask to undo, newest first.
///
/// A create recorded as failed is still undone if the entity carries
/// onramp's tag: "failed" may mean only that the answer was lost (a reset
/// connection, a timeout) after IAM had made the entity.
fn undo_list(entries: &[Entry]) -> Vec<Undo> {
    let done: BTreeSet<(Action, EntityKind, String, Option<String>)> = entries
        .iter()
        .filter_map(|e| match &e.record {
            Record::Done { call, .. } => Some(key(call)),
            _ => None,
        })
        .collect();
    let mut created: BTreeSet<(EntityKind, String)> = BTreeSet::new();
    let mut list = Vec::new();
    for e in entries {
        match &e.record {
            Record::Done { call, arn } if call.action.creates_entity() => {
                created.insert((call.kind, call.name.to_lowercase()));
                list.push(Undo::Entity {
                    kind: call.kind,
                    name: call.name.clone(),
                    arn: arn.clone().or_else(|| call.detail.clone()),
                    certain: true,
                    service_linked: call.action == Action::CreateServiceLinkedRole,
                });
            }
            Record::Intent(call) if call.action.creates_entity() && !done.contains(&key(call)) => {
                created.insert((call.kind, call.name.to_lowercase()));
                list.push(Undo::Entity {
                    kind: call.kind,
                    name: call.name.clone(),
                    arn: call.detail.clone(),
                    certain: false,
                    service_linked: call.action == Action::CreateServiceLinkedRole,
                });
            }
            // A change is undone once, from its intent: one recorded as
            // failed may have been made all the same, and undoing one that
            // was not finds nothing to undo and skips it. Planned changes
            // were not in place before, so nobody else's is undone.
            Record::Intent(call)
                if is_change(call.action)
                    && !created.contains(&(call.kind, call.name.to_lowercase()))
                    && !list.contains(&Undo::Change(call.clone())) =>
            {
                list.push(Undo::Change(call.clone()));
            }
            // What an earlier destroy already undid is not undone again.
            Record::Done { call, .. } => {
                if let Some(undone) = call.action.undoes() {
                    list.retain(|u| match u {
                        Undo::Change(c) => {
                            !(c.action == undone
                                && c.kind == call.kind
                                && c.name == call.name
                                && c.detail == call.detail)
                        }
                        Undo::Entity { kind, name, .. } => {
                            !(undone.creates_entity()
                                && *kind == call.kind
                                && name.eq_ignore_ascii_case(&call.name))
                        }
                    });
                }
            }
            _ => {}
        }
    }
    list.reverse();
    list
}

fn key(call: &Call) -> (Action, EntityKind, String, Option<String>) {
    (
        call.action,
        call.kind,
        call.name.clone(),
        call.detail.clone(),
    )
}

/// A change to an entity that destroy reverts on its own.
fn is_change(action: Action) -> bool {
    [
        Action::AttachRolePolicy,
        Action::PutRolePolicy,
        Action::AddRoleToInstanceProfile,
    ]
    .contains(&action)
}

/// Undoes what the journal records. Failures do not stop it: everything that
/// can be undone is, and the report lists the rest. `stop` does: once set,
/// the undo in flight finishes and nothing new starts (`report.stopped`).
pub async fn destroy(
    cloud: &dyn Cloud,
    journal: &Journal,
    account_id: &str,
    region: &str,
    on_event: &(dyn Fn(Event) + Send + Sync),
    stop: &AtomicBool,
) -> Result<DestroyReport, ApplyError> {
    let list = undo_list(&journal.entries());
    journal
        .append(Record::Run {
            command: "destroy".into(),
            account_id: account_id.into(),
            region: region.into(),
            onramp_version: env!("CARGO_PKG_VERSION").into(),
        })
        .await?;
    let mut report = DestroyReport::default();
    let undoer = Undoer {
        cloud,
        journal,
        on_event,
    };
    for item in list {
        // One undo at a time: a stop lets the one in flight finish.
        if stop.load(Ordering::SeqCst) {
            report.stopped = true;
            break;
        }
        let label = match &item {
            Undo::Entity {
                kind,
                name,
                service_linked: true,
                ..
            } => format!("service-linked {} {name}", kind.noun()),
            Undo::Entity { kind, name, .. } => format!("{} {name}", kind.noun()),
            Undo::Change(call) => format!(
                "{} on {} {} ({})",
                call.action,
                call.kind.noun(),
                call.name,
                call.detail.as_deref().unwrap_or("")
            ),
        };
        let outcome = match &item {
            Undo::Entity {
                kind,
                name,
                arn,
                certain,
                service_linked: true,
            } => {
                undoer
                    .delete_service_linked(*kind, name, arn.as_deref(), *certain)
                    .await
            }
            Undo::Entity {
                kind,
                name,
                arn,
                certain,
                ..
            } => {
                undoer
                    .delete_entity(*kind, name, arn.as_deref(), *certain)
                    .await
            }
            Undo::Change(call) => undoer.revert(call).await,
        };
        match outcome {
            Ok(Outcome::Deleted) => report.deleted.push(label),
            Ok(Outcome::Reverted) => report.reverted.push(label),
            Ok(Outcome::Skipped(why)) => report.skipped.push(format!("{label}: {why}")),
            Err(ApplyError::Call { error, .. }) => report.failed.push(format!("{label}: {error}")),
            Err(other) => return Err(other),
        }
    }
    Ok(report)
}

enum Outcome {
    Deleted,
    Reverted,
    Skipped(&'static str),
}

struct Undoer<'a> {
    cloud: &'a dyn Cloud,
    journal: &'a Journal,
    on_event: &'a (dyn Fn(Event) + Send + Sync),
}

/// A delete (or detach, or removal) that finds nothing, right after the
/// entity was read: an earlier attempt of this very call deleted it and its
/// answer was lost (the SDK retries after a timeout or a reset), so the step
/// is done. Found by the fault tests: a late answer to DeletePolicy left
/// destroy reporting a failure for a policy that was gone.
fn gone_is_done(result: Result<(), ApplyError>) -> Result<(), ApplyError> {
    match result {
        Err(ApplyError::Call { error, .. }) if error.kind == ErrorKind::NoSuchEntity => Ok(()),
        other => other,
    }
}

impl Undoer<'_> {
    async fn delete_entity(
        &self,
        kind: EntityKind,
        name: &str,
        arn: Option<&str>,
        certain: bool,
    ) -> Result<Outcome, ApplyError> {
        let c = self.cloud;
        let read = |e: CloudError| self.failed(kind, name, e);
        match kind {
            EntityKind::InstanceProfile => {
                let Some(profile) = c.get_instance_profile(name).await.map_err(read)? else {
                    return Ok(Outcome::Skipped("already gone"));
                };
                if !certain && !owned(&profile.tags) {
                    return Ok(Outcome::Skipped(
                        "its creation was not recorded and it lacks onramp's tag",
                    ));
                }
                for role in &profile.roles {
                    gone_is_done(
                        self.call(
                            kind,
                            name,
                            Action::RemoveRoleFromInstanceProfile,
                            Some(role),
                            c.remove_role_from_instance_profile(name, role),
                        )
                        .await,
                    )?;
                }
                gone_is_done(
                    self.call(
                        kind,
                        name,
                        Action::DeleteInstanceProfile,
                        None,
                        c.delete_instance_profile(name),
                    )
                    .await,
                )?;
            }
            EntityKind::Role => {
                let Some(role) = c.get_role(name).await.map_err(read)? else {
                    return Ok(Outcome::Skipped("already gone"));
                };
                if !certain && !owned(&role.tags) {
                    return Ok(Outcome::Skipped(
                        "its creation was not recorded and it lacks onramp's tag",
                    ));
                }
                for policy in c.list_attached_role_policies(name).await.map_err(read)? {
                    gone_is_done(
                        self.call(
                            kind,
                            name,
                            Action::DetachRolePolicy,
                            Some(&policy),
                            c.detach_role_policy(name, &policy),
                        )
                        .await,
                    )?;
                }
                for inline in c.list_role_policies(name).await.map_err(read)? {
                    gone_is_done(
                        self.call(
                            kind,
                            name,
                            Action::DeleteRolePolicy,
                            Some(&inline),
                            c.delete_role_policy(name, &inline),
                        )
                        .await,
                    )?;
                }
                gone_is_done(
                    self.call(kind, name, Action::DeleteRole, None, c.delete_role(name))
                        .await,
                )?;
            }
            EntityKind::ManagedPolicy => {
                let Some(arn) = arn else {
                    return Ok(Outcome::Skipped("the journal does not give its ARN"));
                };
                let Some(policy) = c.get_policy(arn).await.map_err(read)? else {
                    return Ok(Outcome::Skipped("already gone"));
                };
                if !certain && !owned(&policy.tags) {
                    return Ok(Outcome::Skipped(
                        "its creation was not recorded and it lacks onramp's tag",
                    ));
                }
                for version in c.list_policy_versions(arn).await.map_err(read)? {
                    if !version.is_default {
                        let id = version.version_id;
                        gone_is_done(
                            self.call(
                                kind,
                                name,
                                Action::DeletePolicyVersion,
                                Some(&id),
                                c.delete_policy_version(arn, &id),
                            )
                            .await,
                        )?;
                    }
                }
                gone_is_done(
                    self.call(
                        kind,
                        name,
                        Action::DeletePolicy,
                        Some(arn),
                        c.delete_policy(arn),
                    )
                    .await,
                )?;
            }
        }
        Ok(Outcome::Deleted)
    }

    /// Deletes a service-linked role onramp created, which carries no tag:
    /// only a create the journal records as done counts (see the module's
    /// documentation). AWS refuses while the role is in use; that is
    /// reported as a failure naming what uses it.
    ///
    /// The role is found by the ARN `CreateServiceLinkedRole` returned, as
    /// the journal records it: AWS names the role, not onramp, and a name
    /// other than the planned one (moto's `AWSServiceRoleForbatch`) would
    /// otherwise be left behind as "already gone". The journal's entries
    /// stay under the planned name, with the role deleted as their detail.
    async fn delete_service_linked(
        &self,
        kind: EntityKind,
        name: &str,
        arn: Option<&str>,
        certain: bool,
    ) -> Result<Outcome, ApplyError> {
        let c = self.cloud;
        let actual = arn.and_then(name_in_arn).unwrap_or(name);
        let Some(role) = c
            .get_role(actual)
            .await
            .map_err(|e| self.failed(kind, name, e))?
        else {
            return Ok(Outcome::Skipped("already gone"));
        };
        if !certain {
            return Ok(Outcome::Skipped(
                "its creation was not recorded, and a service-linked role cannot carry onramp's tag to tell whose it is; delete it yourself if it is yours and unused",
            ));
        }
        if !role.path.starts_with("/aws-service-role/") {
            return Ok(Outcome::Skipped(
                "a role of that name exists, but it is not a service-linked role",
            ));
        }
        let id = ResourceId {
            kind,
            name: name.to_owned(),
        };
        // AWS deletes it in a task that onramp waits for.
        let what = format!("AWS to delete the service-linked role {actual}");
        reporting_wait(
            self.call(
                kind,
                name,
                Action::DeleteServiceLinkedRole,
                Some(actual),
                c.delete_service_linked_role(actual),
            ),
            self.on_event,
            &id,
            &what,
        )
        .await?;
        Ok(Outcome::Deleted)
    }

    async fn revert(&self, call: &Call) -> Result<Outcome, ApplyError> {
        let c = self.cloud;
        let (kind, name) = (call.kind, call.name.as_str());
        let Some(detail) = call.detail.as_deref() else {
            return Ok(Outcome::Skipped("the journal does not say what to revert"));
        };
        let result = match call.action {
            Action::AttachRolePolicy => {
                self.call(
                    kind,
                    name,
                    Action::DetachRolePolicy,
                    Some(detail),
                    c.detach_role_policy(name, detail),
                )
                .await
            }
            Action::PutRolePolicy => {
                self.call(
                    kind,
                    name,
                    Action::DeleteRolePolicy,
                    Some(detail),
                    c.delete_role_policy(name, detail),
                )
                .await
            }
            Action::AddRoleToInstanceProfile => {
                self.call(
                    kind,
                    name,
                    Action::RemoveRoleFromInstanceProfile,
                    Some(detail),
                    c.remove_role_from_instance_profile(name, detail),
                )
                .await
            }
            _ => return Ok(Outcome::Skipped("nothing to revert")),
        };
        match result {
            Ok(()) => Ok(Outcome::Reverted),
            Err(ApplyError::Call { error, .. }) if error.kind == ErrorKind::NoSuchEntity => {
                Ok(Outcome::Skipped("already gone"))
            }
            Err(e) => Err(e),
        }
    }

    fn failed(&self, kind: EntityKind, name: &str, error: CloudError) -> ApplyError {
        ApplyError::Call {
            action: error.action,
            kind: kind.noun(),
            name: name.to_owned(),
            error,
        }
    }

    async fn call(
        &self,
        kind: EntityKind,
        name: &str,
        action: Action,
        detail: Option<&str>,
        future: impl std::future::Future<Output = Result<(), CloudError>>,
    ) -> Result<(), ApplyError> {
        let id = ResourceId {
            kind,
            name: name.into(),
        };
        let future = async { future.await.map(|()| None) };
        journaled(
            self.journal,
            self.on_event,
            &id,
            action,
            detail.map(str::to_owned),
            future,
        )
        .await
        .map(|_| ())
    }
}
