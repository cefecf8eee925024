//! Undoes what a journal says onramp did.
//!
//! Entities onramp created are deleted whole, each delete after what IAM
//! requires gone first (a role's policies and its place in a profile, a
//! profile's role, a policy's attachments and old versions), everything
//! else at once. Changes onramp made to entities it did not create
//! (an attachment, an inline policy, a role added to a profile) are reverted
//! one by one. Anything already gone is skipped. A create that was started but
//! never recorded as done is undone only if the entity carries onramp's tag,
//! so a same-named resource someone else made is never touched.
//!
//! An entity onramp adopted (see [`super::adopt`]) is not deleted but put
//! back as the journal says it was before the adoption ([`super::restore`]),
//! and the changes onramp made to it are undone by that restore, not one
//! by one. If someone else changed it since, in a field that is neither as
//! it was nor as onramp left it, the restore is refused unless forced, and
//! the report shows the three states.
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

use futures::stream::{self, StreamExt};

use super::adopt::{PolicySnapshot, Snapshot};
use super::journal::{Adopted, Call, Entry, Journal, Record};
use super::restore::{RestoreStep, VersionNow, restore_steps};
use super::run::{ApplyError, CONCURRENCY, Event, journaled, name_in_arn, reporting_wait};
use super::schedule;
use crate::answers::is_managed_by_onramp as owned;
use crate::cloud::{Cloud, CloudError, CloudResult, ErrorKind};
use crate::iam::names::EntityKind;
use crate::plan::ResourceId;

/// What a destroy did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DestroyReport {
    /// `kind name` of each entity deleted.
    pub deleted: Vec<String>,
    /// Changes to other entities that were reverted.
    pub reverted: Vec<String>,
    /// `kind name` of each adopted entity put back as it was.
    pub restored: Vec<String>,
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
    /// An entity onramp adopted, to put back as it was.
    Restore(Box<Adopted>),
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
            Undo::Restore(a) => format!(
                "put {} {} back as it was before onramp adopted it",
                a.kind.noun(),
                a.name
            ),
        })
        .collect()
}

/// What the journal's entries ask to undo, newest first.
///
/// A create recorded as failed is still undone if the entity carries
/// onramp's tag: "failed" may mean only that the answer was lost (a reset
/// connection, a timeout) after IAM had made the entity.
///
/// A change made to an entity while its adopt record stands (after the
/// record, before a `restored` one) is never reverted on its own: the
/// restore puts the whole entity back. That covers the restore's own
/// calls too, which put back what the person had (their attachments,
/// inline policies, a profile's role): once the entity is recorded as
/// restored, reverting those would take the person's own things away.
fn undo_list(entries: &[Entry]) -> Vec<Undo> {
    let done: BTreeSet<(Action, EntityKind, String, Option<String>)> = entries
        .iter()
        .filter_map(|e| match &e.record {
            Record::Done { call, .. } => Some(key(call)),
            _ => None,
        })
        .collect();
    let mut created: BTreeSet<(EntityKind, String)> = BTreeSet::new();
    // Entities whose adopt record stands, by kind and lower-case name.
    let mut standing: BTreeSet<(EntityKind, String)> = BTreeSet::new();
    let mut list = Vec::new();
    for e in entries {
        match &e.record {
            Record::Adopt { kind, name, .. } => {
                standing.insert((*kind, name.to_lowercase()));
            }
            Record::Restored { kind, name } => {
                standing.remove(&(*kind, name.to_lowercase()));
            }
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
                    && !standing.contains(&(call.kind, call.name.to_lowercase()))
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
                        Undo::Restore(_) => true,
                    });
                }
            }
            _ => {}
        }
    }
    list.reverse();
    // An adopted entity's restore undoes every change onramp made to it.
    let adopted = super::journal::adopted(entries);
    let is_adopted = |kind: EntityKind, name: &str| {
        adopted
            .iter()
            .any(|a| a.kind == kind && a.name.eq_ignore_ascii_case(name))
    };
    list.retain(|u| !matches!(u, Undo::Change(c) if is_adopted(c.kind, &c.name)));
    list.extend(adopted.into_iter().map(|a| Undo::Restore(Box::new(a))));
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

/// A change to an entity that destroy reverts on its own: a call with an
/// undo step that does not make an entity (an attachment, an inline
/// policy, a role added to a profile).
fn is_change(action: Action) -> bool {
    !action.creates_entity() && action.undone_by().is_some()
}

/// Undoes what the journal records. Failures do not stop it: everything that
/// can be undone is, and the report lists the rest. `stop` does: once set,
/// the calls in flight finish and nothing new starts (`report.stopped`).
///
/// Round trips decide how long this takes on a real network, so it reads
/// every entity at once, then makes every call as soon as IAM allows it
/// ([`super::schedule`]): the detachments, removals, inline deletions and
/// old versions together, then each delete once what blocks it is gone (a
/// role once it has no policy and no profile, a profile once it is empty,
/// a policy once no role of the journal holds it).
///
/// An adopted entity that someone else changed since is put back only when
/// `force` is set; otherwise it is listed as failed, with the three states.
pub async fn destroy(
    cloud: &dyn Cloud,
    journal: &Journal,
    account_id: &str,
    region: &str,
    force: bool,
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
    if stop.load(Ordering::SeqCst) {
        report.stopped = !list.is_empty();
        return Ok(report);
    }
    // Read first, every entity at once (reads only).
    let reads: Vec<_> = list.iter().map(|item| read(cloud, item, force)).collect();
    let found: Vec<Found> = stream::iter(reads).buffered(CONCURRENCY).collect().await;
    let (calls, needs) = undo_calls(&list, &found);
    let ended = schedule::run(
        &needs,
        CONCURRENCY,
        // A journal that cannot be written stops everything; a call that
        // fails leaves out only what waits for it.
        |e: &ApplyError| !matches!(e, ApplyError::Call { .. }),
        stop,
        |i| Box::pin(make(cloud, journal, on_event, &calls[i])),
    )
    .await;
    let mut results: Vec<Option<Result<Made, ApplyError>>> = calls.iter().map(|_| None).collect();
    for (i, result) in ended {
        results[i] = Some(result);
    }
    // A journal that could not be written ends the destroy with its error.
    let fatal = results
        .iter()
        .position(|r| matches!(r, Some(Err(e)) if !matches!(e, ApplyError::Call { .. })));
    if let Some(Some(Err(e))) = fatal.map(|i| results[i].take()) {
        return Err(e);
    }
    for (owner, (item, found)) in list.iter().zip(&found).enumerate() {
        let label = label(item);
        let mine: Vec<usize> = (0..calls.len())
            .filter(|&i| calls[i].owner == owner)
            .collect();
        let outcome = match found {
            Found::Skip(why) => Ok(Outcome::Skipped(why)),
            Found::Unreadable(e) => Err(e.to_string()),
            Found::Refused(why) => Err(why.clone()),
            Found::Undo(_) | Found::Restore(_) => {
                let failed = mine.iter().find_map(|&i| match &results[i] {
                    Some(Err(e)) => Some(e),
                    _ => None,
                });
                let gone = mine
                    .iter()
                    .any(|&i| matches!(results[i], Some(Ok(Made::AlreadyGone))));
                match failed {
                    Some(ApplyError::Call { error, .. }) => Err(error.to_string()),
                    Some(_) => continue,
                    None if mine.iter().all(|&i| results[i].is_some()) => Ok(match item {
                        // A revert that finds nothing to revert.
                        Undo::Change(_) if gone => Outcome::Skipped("already gone"),
                        Undo::Change(_) => Outcome::Reverted,
                        Undo::Entity { .. } => Outcome::Deleted,
                        Undo::Restore(_) => Outcome::Restored,
                    }),
                    None if stop.load(Ordering::SeqCst) => {
                        report.stopped = true;
                        continue;
                    }
                    None => Err(
                        "not undone: it waits for another undo that failed (listed here)".into(),
                    ),
                }
            }
        };
        // An adopted entity as it was again is recorded so, and no later
        // destroy touches it.
        if let Undo::Restore(adopted) = item
            && matches!(
                outcome,
                Ok(Outcome::Restored) | Ok(Outcome::Skipped(AS_IT_WAS))
            )
        {
            journal
                .append(Record::Restored {
                    kind: adopted.kind,
                    name: adopted.name.clone(),
                })
                .await?;
        }
        match outcome {
            Ok(Outcome::Deleted) => report.deleted.push(label),
            Ok(Outcome::Reverted) => report.reverted.push(label),
            Ok(Outcome::Restored) => report.restored.push(label),
            Ok(Outcome::Skipped(why)) => report.skipped.push(format!("{label}: {why}")),
            Err(error) => report.failed.push(format!("{label}: {error}")),
        }
    }
    Ok(report)
}

/// The item in words, as the report lists it.
fn label(item: &Undo) -> String {
    match item {
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
        Undo::Restore(a) => format!("{} {}", a.kind.noun(), a.name),
    }
}

enum Outcome {
    Deleted,
    Reverted,
    Restored,
    Skipped(&'static str),
}

/// What reading an item found.
enum Found {
    /// Nothing to do, and why.
    Skip(&'static str),
    /// The read failed: the item cannot be undone now.
    Unreadable(CloudError),
    /// The calls that undo it.
    Undo(Vec<Call>),
    /// The calls that put an adopted entity back, each with the payload it
    /// sends and the calls (of this list) it waits for.
    Restore(Vec<(Call, RestoreStep, Vec<usize>)>),
    /// An adopted entity that someone else changed since: not put back
    /// unless forced. Says what changed, in the three states.
    Refused(String),
}

/// One undo call of the destroy.
struct UndoCall {
    /// The undo item (its index in the list) the call is part of.
    owner: usize,
    /// The call as the journal records it: for a service-linked role, the
    /// planned name, with the name AWS gave it as the detail.
    call: Call,
    /// The policy a version call is for.
    policy_arn: Option<String>,
    /// For a restore call, what it sends.
    restore: Option<RestoreStep>,
}

/// How an undo call ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Made {
    Done,
    /// IAM found nothing to undo: an earlier attempt of this very call whose
    /// answer was lost (the SDK retries after a timeout or a reset), or
    /// someone else undid it. Either way what waits for it may go on.
    AlreadyGone,
}

/// Reads what `item` is now, and decides the calls that undo it.
async fn read(cloud: &dyn Cloud, item: &Undo, force: bool) -> Found {
    if let Undo::Restore(adopted) = item {
        return restore_of(cloud, adopted, force).await;
    }
    match undo_of(cloud, item).await {
        Ok(calls) => Found::Undo(calls),
        Err(found) => found,
    }
}

/// Why an adopted entity needs no restore.
const AS_IT_WAS: &str = "already as it was before onramp adopted it";

/// Reads an adopted entity as it is now, and decides the calls that put
/// it back: none when it is as it was, a refusal when someone else changed
/// it (unless `force`).
async fn restore_of(cloud: &dyn Cloud, adopted: &Adopted, force: bool) -> Found {
    let (now, versions) = match read_snapshot(cloud, adopted).await {
        Ok(Some(found)) => found,
        Ok(None) => return Found::Skip("it no longer exists: someone deleted it"),
        Err(e) => return Found::Unreadable(e),
    };
    if Snapshot::is_restored(&adopted.before, &now) {
        return Found::Skip(AS_IT_WAS);
    }
    let changed = Snapshot::changed_by_others(&adopted.before, &adopted.after, &now);
    if !changed.is_empty() && !force {
        return Found::Refused(three_states(adopted, &now, &changed));
    }
    let name = &adopted.name;
    let calls = restore_steps(&adopted.before, &now, &versions)
        .into_iter()
        .map(|(step, needs)| {
            let call = Call {
                action: step.action(&adopted.before),
                kind: adopted.kind,
                name: name.clone(),
                detail: step.detail(),
            };
            (call, step, needs)
        })
        .collect();
    Found::Restore(calls)
}

/// The adopted entity as it is now, with a policy's versions; `None` when
/// it is gone.
async fn read_snapshot(
    c: &dyn Cloud,
    adopted: &Adopted,
) -> CloudResult<Option<(Snapshot, Vec<VersionNow>)>> {
    let name = adopted.name.as_str();
    Ok(match &adopted.before {
        Snapshot::Role(_) => super::observe::read_role(c, name)
            .await?
            .map(|role| (Snapshot::Role(role.snapshot()), Vec::new())),
        Snapshot::Policy(p) => {
            let (policy, versions) =
                futures::join!(c.get_policy(&p.arn), c.list_policy_versions(&p.arn));
            let Some(info) = policy? else {
                return Ok(None);
            };
            let versions = versions?;
            let documents = futures::future::try_join_all(
                versions
                    .iter()
                    .map(|v| c.get_policy_version(&p.arn, &v.version_id)),
            )
            .await?;
            let versions: Vec<VersionNow> = versions
                .into_iter()
                .zip(documents)
                .map(|(v, document)| VersionNow {
                    id: v.version_id,
                    document,
                    is_default: v.is_default,
                })
                .collect();
            let default = versions.iter().find(|v| v.is_default);
            let now = Snapshot::Policy(PolicySnapshot {
                arn: info.arn.clone(),
                path: info.path.clone(),
                tags: info.tags.clone(),
                document: default.map(|v| v.document.clone()).unwrap_or_default(),
                default_version_id: default.map(|v| v.id.clone()),
                other_versions: versions
                    .iter()
                    .filter(|v| !v.is_default)
                    .map(|v| (v.id.clone(), v.document.clone()))
                    .collect(),
            });
            Some((now, versions))
        }
        Snapshot::InstanceProfile(_) => {
            let profile =
                super::diff::Observed::InstanceProfile(c.get_instance_profile(name).await?);
            profile.snapshot().map(|now| (now, Vec::new()))
        }
    })
}

/// An adopted entity someone else changed: what changed, and each changed
/// field before onramp, as onramp left it, and now.
fn three_states(adopted: &Adopted, now: &Snapshot, changed: &[String]) -> String {
    let as_map = |s: &Snapshot| match serde_json::to_value(s) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (before, after, now) = (as_map(&adopted.before), as_map(&adopted.after), as_map(now));
    let mut out = format!(
        "changed by someone else since onramp adopted it ({}); not put back, so as not to overwrite that change. Run destroy again with --force to put it back as it was before onramp anyway.",
        changed.join(", ")
    );
    let fields: BTreeSet<&String> = before
        .keys()
        .chain(after.keys())
        .chain(now.keys())
        .collect();
    let null = serde_json::Value::Null;
    for field in fields {
        let (b, a, n) = (
            before.get(field).unwrap_or(&null),
            after.get(field).unwrap_or(&null),
            now.get(field).unwrap_or(&null),
        );
        if field == "type" || (b == a && a == n) {
            continue;
        }
        out.push_str(&format!(
            "\n      {field}:\n        before onramp: {b}\n        as onramp left it: {a}\n        now: {n}"
        ));
    }
    out
}

/// The entity a read found, or why there is nothing to undo: it is gone,
/// or the read failed.
fn existing<T>(read: CloudResult<Option<T>>) -> Result<T, Found> {
    match read {
        Ok(Some(entity)) => Ok(entity),
        Ok(None) => Err(Found::Skip("already gone")),
        Err(e) => Err(Found::Unreadable(e)),
    }
}

/// An entity whose create was interrupted is undone only if it carries
/// onramp's tag.
fn ours(certain: bool, tags: &crate::cloud::Tags) -> Result<(), Found> {
    if certain || owned(tags) {
        Ok(())
    } else {
        Err(Found::Skip(
            "its creation was not recorded and it lacks onramp's tag",
        ))
    }
}

/// The calls that undo `item`, or why there are none.
async fn undo_of(c: &dyn Cloud, item: &Undo) -> Result<Vec<Call>, Found> {
    let call = |action: Action, kind: EntityKind, name: &str, detail: Option<&str>| Call {
        action,
        kind,
        name: name.to_owned(),
        detail: detail.map(str::to_owned),
    };
    let calls = match item {
        // Read and decided by `restore_of`.
        Undo::Restore(_) => return Err(Found::Skip("nothing to delete: it is put back")),
        Undo::Change(change) => {
            let Some(detail) = change.detail.as_deref() else {
                return Err(Found::Skip("the journal does not say what to revert"));
            };
            let Some(undo) = change
                .action
                .undone_by()
                .filter(|_| is_change(change.action))
            else {
                return Err(Found::Skip("nothing to revert"));
            };
            vec![call(undo, change.kind, &change.name, Some(detail))]
        }
        Undo::Entity {
            kind,
            name,
            arn,
            certain,
            service_linked: true,
        } => {
            let actual = arn.as_deref().and_then(name_in_arn).unwrap_or(name);
            let role = existing(c.get_role(actual).await)?;
            if !certain {
                return Err(Found::Skip(
                    "its creation was not recorded, and a service-linked role cannot carry onramp's tag to tell whose it is; delete it yourself if it is yours and unused",
                ));
            }
            if !role.path.starts_with("/aws-service-role/") {
                return Err(Found::Skip(
                    "a role of that name exists, but it is not a service-linked role",
                ));
            }
            vec![call(
                Action::DeleteServiceLinkedRole,
                *kind,
                name,
                Some(actual),
            )]
        }
        Undo::Entity {
            kind: kind @ EntityKind::InstanceProfile,
            name,
            certain,
            ..
        } => {
            let profile = existing(c.get_instance_profile(name).await)?;
            ours(*certain, &profile.tags)?;
            let removals = profile.roles.iter().map(|role| {
                call(
                    Action::RemoveRoleFromInstanceProfile,
                    *kind,
                    name,
                    Some(role),
                )
            });
            removals
                .chain([call(Action::DeleteInstanceProfile, *kind, name, None)])
                .collect()
        }
        Undo::Entity {
            kind: kind @ EntityKind::Role,
            name,
            certain,
            ..
        } => {
            // The lists are read with the role, in the same round: on a
            // role that is gone they fail, and are not looked at.
            let (role, attached, inline) = futures::join!(
                c.get_role(name),
                c.list_attached_role_policies(name),
                c.list_role_policies(name)
            );
            let role = existing(role)?;
            ours(*certain, &role.tags)?;
            let attached = attached.map_err(Found::Unreadable)?;
            let inline = inline.map_err(Found::Unreadable)?;
            let detaches = attached
                .iter()
                .map(|arn| call(Action::DetachRolePolicy, *kind, name, Some(arn)));
            let deletes = inline
                .iter()
                .map(|policy| call(Action::DeleteRolePolicy, *kind, name, Some(policy)));
            detaches
                .chain(deletes)
                .chain([call(Action::DeleteRole, *kind, name, None)])
                .collect()
        }
        Undo::Entity {
            kind: kind @ EntityKind::ManagedPolicy,
            name,
            arn,
            certain,
            ..
        } => {
            let Some(arn) = arn else {
                return Err(Found::Skip("the journal does not give its ARN"));
            };
            let (policy, versions) = futures::join!(c.get_policy(arn), c.list_policy_versions(arn));
            let policy = existing(policy)?;
            ours(*certain, &policy.tags)?;
            let versions = versions.map_err(Found::Unreadable)?;
            let old_versions = versions.iter().filter(|v| !v.is_default).map(|v| {
                call(
                    Action::DeletePolicyVersion,
                    *kind,
                    name,
                    Some(&v.version_id),
                )
            });
            old_versions
                .chain([call(Action::DeletePolicy, *kind, name, Some(arn))])
                .collect()
        }
    };
    Ok(calls)
}

/// Every undo call, with what each needs first (indices into the calls).
///
/// IAM refuses to delete a role that still has a policy or sits in a
/// profile, a profile that still holds a role, and a policy that is still
/// attached or has old versions; each delete waits for exactly those calls,
/// wherever in the journal they come from. Everything else goes at once.
fn undo_calls(list: &[Undo], found: &[Found]) -> (Vec<UndoCall>, Vec<Vec<usize>>) {
    let mut calls = Vec::new();
    // The needs within one restore, by index into `calls`.
    let mut own_needs: Vec<Vec<usize>> = Vec::new();
    for (owner, (item, found)) in list.iter().zip(found).enumerate() {
        let policy_arn = match item {
            Undo::Entity {
                kind: EntityKind::ManagedPolicy,
                arn,
                ..
            } => arn.clone(),
            Undo::Restore(adopted) => match &adopted.before {
                Snapshot::Policy(p) => Some(p.arn.clone()),
                _ => None,
            },
            _ => None,
        };
        match found {
            Found::Undo(list) => {
                for call in list {
                    calls.push(UndoCall {
                        owner,
                        call: call.clone(),
                        policy_arn: policy_arn.clone(),
                        restore: None,
                    });
                    own_needs.push(Vec::new());
                }
            }
            Found::Restore(list) => {
                let base = calls.len();
                for (call, step, needs) in list {
                    calls.push(UndoCall {
                        owner,
                        call: call.clone(),
                        policy_arn: policy_arn.clone(),
                        restore: Some(step.clone()),
                    });
                    own_needs.push(needs.iter().map(|n| base + n).collect());
                }
            }
            _ => {}
        }
    }
    let needs = calls
        .iter()
        .enumerate()
        .map(|(i, me)| {
            let detail_is = |other: &UndoCall, action: Action, value: &str| {
                other.call.action == action
                    && other
                        .call
                        .detail
                        .as_deref()
                        .is_some_and(|d| d.eq_ignore_ascii_case(value))
            };
            let blocks = |other: &UndoCall| match me.call.action {
                Action::DeleteInstanceProfile | Action::DeleteRole | Action::DeletePolicy
                    if other.owner == me.owner =>
                {
                    true
                }
                Action::DeleteRole => {
                    detail_is(other, Action::RemoveRoleFromInstanceProfile, &me.call.name)
                }
                Action::DeletePolicy => me
                    .call
                    .detail
                    .as_deref()
                    .is_some_and(|arn| detail_is(other, Action::DetachRolePolicy, arn)),
                _ => false,
            };
            let mut needs: Vec<usize> = calls
                .iter()
                .enumerate()
                .filter(|&(j, other)| j != i && blocks(other))
                .map(|(j, _)| j)
                .collect();
            for &n in &own_needs[i] {
                if !needs.contains(&n) {
                    needs.push(n);
                }
            }
            needs
        })
        .collect();
    (calls, needs)
}

/// Makes one undo call, journaled; a service-linked role's deletion, which
/// AWS carries out in a task onramp waits for, is told while it lasts.
async fn make(
    cloud: &dyn Cloud,
    journal: &Journal,
    on_event: &(dyn Fn(Event) + Send + Sync),
    undo: &UndoCall,
) -> Result<Made, ApplyError> {
    let c = cloud;
    let Call {
        action,
        kind,
        name,
        detail,
    } = &undo.call;
    let arg = detail.as_deref().unwrap_or_default();
    let policy = undo.policy_arn.as_deref().unwrap_or_default();
    let future = async {
        if let Some(step) = &undo.restore {
            return put_back(c, *action, name, policy, step)
                .await
                .map(|()| None);
        }
        match action {
            Action::RemoveRoleFromInstanceProfile => {
                c.remove_role_from_instance_profile(name, arg).await
            }
            Action::DeleteInstanceProfile => c.delete_instance_profile(name).await,
            Action::DetachRolePolicy => c.detach_role_policy(name, arg).await,
            Action::DeleteRolePolicy => c.delete_role_policy(name, arg).await,
            Action::DeleteRole => c.delete_role(name).await,
            Action::DeletePolicyVersion => c.delete_policy_version(policy, arg).await,
            Action::DeletePolicy => c.delete_policy(arg).await,
            Action::DeleteServiceLinkedRole => c.delete_service_linked_role(arg).await,
            other => Err(CloudError::new(
                *other,
                ErrorKind::Other,
                format!("internal error: {other} is not an undo call"),
            )),
        }
        .map(|()| None)
    };
    let id = ResourceId {
        kind: *kind,
        name: name.clone(),
    };
    let call = journaled(journal, on_event, &id, *action, detail.clone(), future);
    let result = if *action == Action::DeleteServiceLinkedRole {
        let what = format!("AWS to delete the service-linked role {arg}");
        reporting_wait(call, on_event, &id, &what).await
    } else {
        call.await
    };
    // A restore that puts something back and meets `NoSuchEntity` lacks
    // what it puts back (a policy deleted since): that is a failure, not
    // "already gone".
    let removes = undo.restore.as_ref().is_none_or(RestoreStep::removes);
    match result {
        Ok(_) => Ok(Made::Done),
        Err(ApplyError::Call { error, .. }) if error.kind == ErrorKind::NoSuchEntity && removes => {
            Ok(Made::AlreadyGone)
        }
        Err(e) => Err(e),
    }
}

/// Makes one restore call (`action`, as [`RestoreStep::action`] gave it) on
/// the adopted entity `name` (`policy`: its ARN, for a policy).
async fn put_back(
    c: &dyn Cloud,
    action: Action,
    name: &str,
    policy: &str,
    step: &RestoreStep,
) -> CloudResult<()> {
    match step {
        RestoreStep::UpdateTrust(document) => c.update_assume_role_policy(name, document).await,
        RestoreStep::PutBoundary(arn) => c.put_role_permissions_boundary(name, arn).await,
        RestoreStep::DeleteBoundary => c.delete_role_permissions_boundary(name).await,
        RestoreStep::UpdateDescription(text) => c.update_role_description(name, text).await,
        RestoreStep::Attach(arn) => c.attach_role_policy(name, arn).await,
        RestoreStep::Detach(arn) => c.detach_role_policy(name, arn).await,
        RestoreStep::PutInline(inline, document) => c.put_role_policy(name, inline, document).await,
        RestoreStep::DeleteInline(inline) => c.delete_role_policy(name, inline).await,
        RestoreStep::AddRole(role) => c.add_role_to_instance_profile(name, role).await,
        RestoreStep::RemoveRole(role) => c.remove_role_from_instance_profile(name, role).await,
        RestoreStep::DeleteVersion(id) => c.delete_policy_version(policy, id).await,
        RestoreStep::SetDefaultVersion(id) => c.set_default_policy_version(policy, id).await,
        RestoreStep::CreateVersion { document, default } => c
            .create_policy_version(policy, document, *default)
            .await
            .map(|_| ()),
        RestoreStep::Untag(keys) => match action {
            Action::UntagRole => c.untag_role(name, keys).await,
            Action::UntagPolicy => c.untag_policy(policy, keys).await,
            _ => c.untag_instance_profile(name, keys).await,
        },
        RestoreStep::Tag(tags) => match action {
            Action::TagRole => c.tag_role(name, tags).await,
            Action::TagPolicy => c.tag_policy(policy, tags).await,
            _ => c.tag_instance_profile(name, tags).await,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::adopt::RoleSnapshot;
    use crate::cloud::Tags;
    use serde_json::json;

    const HAND_MADE: &str = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
    const PLANNED: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

    fn role(attached: &str) -> Snapshot {
        Snapshot::Role(RoleSnapshot {
            path: "/".into(),
            trust_policy: json!({"Version": "2012-10-17", "Statement": []}),
            description: None,
            permissions_boundary: None,
            tags: Tags::new(),
            attached: BTreeSet::from([attached.to_owned()]),
            inline: std::collections::BTreeMap::new(),
        })
    }

    fn call(action: Action, detail: &str) -> Call {
        Call {
            action,
            kind: EntityKind::Role,
            name: "ecsInstanceRole".into(),
            detail: Some(detail.into()),
        }
    }

    fn run(command: &str) -> Record {
        Record::Run {
            command: command.into(),
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            onramp_version: "0".into(),
        }
    }

    /// Each call as an intent, then done.
    fn made(calls: &[Call]) -> Vec<Record> {
        calls
            .iter()
            .flat_map(|c| {
                [
                    Record::Intent(c.clone()),
                    Record::Done {
                        call: c.clone(),
                        arn: None,
                    },
                ]
            })
            .collect()
    }

    fn entries(records: Vec<Record>) -> Vec<Entry> {
        records
            .into_iter()
            .zip(1..)
            .map(|(record, seq)| Entry {
                seq,
                unix_ms: seq,
                record,
            })
            .collect()
    }

    /// An apply that adopted the role (taking its hand-made policy off,
    /// attaching the planned one), and a destroy that put it back.
    fn adopted_then_restored() -> Vec<Record> {
        let mut records = vec![
            run("apply"),
            Record::Adopt {
                kind: EntityKind::Role,
                name: "ecsInstanceRole".into(),
                before: Box::new(role(HAND_MADE)),
                after: Box::new(role(PLANNED)),
            },
        ];
        records.extend(made(&[
            call(Action::DetachRolePolicy, HAND_MADE),
            call(Action::AttachRolePolicy, PLANNED),
        ]));
        records.push(run("destroy"));
        records.extend(made(&[
            call(Action::DetachRolePolicy, PLANNED),
            call(Action::AttachRolePolicy, HAND_MADE),
        ]));
        records.push(Record::Restored {
            kind: EntityKind::Role,
            name: "ecsInstanceRole".into(),
        });
        records
    }

    #[test]
    fn a_restored_entity_is_left_alone_with_what_the_restore_put_back() {
        let entries = entries(adopted_then_restored());
        assert_eq!(
            pending(&entries),
            Vec::<String>::new(),
            "the restore's attachment of the hand-made policy is the person's again"
        );
    }

    #[test]
    fn what_an_apply_adds_after_a_restore_is_reverted() {
        // A later apply without adopting only adds to the role.
        let mut records = adopted_then_restored();
        records.push(run("apply"));
        records.extend(made(&[call(Action::AttachRolePolicy, PLANNED)]));
        assert_eq!(
            pending(&entries(records)),
            [format!(
                "revert AttachRolePolicy on role ecsInstanceRole ({PLANNED})"
            )]
        );
    }
}
