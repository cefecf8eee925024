//! Reads what exists under each planned resource's name, then diffs it.
//! Reads only: nothing here changes the account.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::Value;

use super::adopt::Snapshot;
use super::compare::same_document;
use super::diff::{Change, Observed, ObservedPolicy, ObservedRole, diff};
use super::permissions::{Audience, Outcome as Preflight};
use super::preflight;
use crate::answers::is_managed_by_onramp as owned;
use crate::cloud::advice::{self, QuotaReading};
use crate::cloud::{Cloud, CloudResult};
use crate::plan::existing::Treatment;
use crate::plan::{Plan, Resource, Spec};

/// How many resources are read at once: as many as calls are made at once
/// ([`super::schedule::CONCURRENCY`]), so that a full plan is read in one round.
const READ_CONCURRENCY: usize = super::schedule::CONCURRENCY;

/// Reads one resource. A missing entity costs one read; versions are listed
/// only when the document differs (an update needs them to prune), and
/// their documents read only when the policy is one to adopt (a restore
/// must be able to make again what the update prunes).
pub async fn observe(
    cloud: &dyn Cloud,
    resource: &Resource,
    treatment: Treatment,
) -> CloudResult<Observed> {
    Ok(match &resource.spec {
        Spec::ManagedPolicy(policy) => {
            let Some(info) = cloud.get_policy(&resource.arn).await? else {
                return Ok(Observed::Policy(None));
            };
            let current = cloud
                .get_policy_version(&resource.arn, &info.default_version_id)
                .await?;
            let versions = if same_document(&policy.document, &current) {
                Vec::new()
            } else {
                cloud.list_policy_versions(&resource.arn).await?
            };
            let adopting = treatment == Treatment::Adopt && !owned(&info.tags);
            let others: Vec<&str> = versions
                .iter()
                .filter(|v| adopting && !v.is_default)
                .map(|v| v.version_id.as_str())
                .collect();
            let documents = futures::future::try_join_all(
                others
                    .iter()
                    .map(|id| cloud.get_policy_version(&resource.arn, id)),
            )
            .await?;
            let other_documents = others
                .into_iter()
                .map(str::to_owned)
                .zip(documents)
                .collect();
            Observed::Policy(Some(ObservedPolicy {
                info,
                document: current,
                versions,
                other_documents,
            }))
        }
        Spec::Role(_) => Observed::Role(read_role(cloud, &resource.name).await?),
        Spec::InstanceProfile(_) => {
            Observed::InstanceProfile(cloud.get_instance_profile(&resource.name).await?)
        }
        // Only whether it is there: its trust and permissions are AWS's.
        Spec::ServiceLinkedRole(_) => {
            Observed::ServiceLinkedRole(cloud.get_role(&resource.name).await?)
        }
    })
}

/// The role `name` with its attachments and inline documents; `None` when
/// there is none. A missing role costs one read; both lists go in one
/// round, then every inline document in one.
pub async fn read_role(cloud: &dyn Cloud, name: &str) -> CloudResult<Option<ObservedRole>> {
    let Some(info) = cloud.get_role(name).await? else {
        return Ok(None);
    };
    let (attached, names) = futures::try_join!(
        cloud.list_attached_role_policies(name),
        cloud.list_role_policies(name)
    )?;
    let docs =
        futures::future::try_join_all(names.iter().map(|n| cloud.get_role_policy(name, n))).await?;
    let inline: BTreeMap<String, Value> = names.into_iter().zip(docs).collect();
    Ok(Some(ObservedRole {
        info,
        attached,
        inline,
    }))
}

/// The change for every planned resource, in plan order.
pub async fn changes(cloud: &dyn Cloud, plan: &Plan) -> CloudResult<Vec<Change>> {
    Ok(observations(cloud, plan)
        .await?
        .into_iter()
        .map(|o| o.change)
        .collect())
}

/// One planned resource as found in the account: the change it needs, and
/// the documents it has now (for showing an update as a diff).
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub change: Change,
    /// The existing documents, labelled as [`Resource::documents`] labels
    /// the planned ones (`document`, `trust_policy`, `inline_policies.NAME`).
    pub existing: BTreeMap<String, Value>,
    /// The entity as found, in the fields an adoption changes (`None` when
    /// nothing exists, or for a service-linked role): what the wizard's
    /// review compares with the plan for a resource onramp did not make,
    /// whose conflict stops before listing what else differs.
    pub found: Option<Snapshot>,
}

/// What an apply or a status reads before anything changes.
pub struct Survey {
    /// The account's IAM quotas, or IAM's defaults with a note.
    pub quotas: QuotaReading,
    /// Each planned resource as found, in plan order.
    pub observations: CloudResult<Vec<Observation>>,
    /// The permission preflight, when asked for.
    pub preflight: Option<Preflight>,
}

/// Reads, all in the same round: the quotas (for the lint), every planned
/// resource, and (given the caller's ARN) the permission preflight. Each
/// needs only the plan, and on a real network every round trip is felt:
/// one after another they took four rounds or more before the first change.
pub async fn survey(cloud: &dyn Cloud, plan: &Plan, preflight_for: Option<&str>) -> Survey {
    let (quotas, observations, preflight) = futures::join!(
        advice::read_quotas(cloud),
        observations(cloud, plan),
        async {
            match preflight_for {
                Some(caller) => {
                    Some(preflight::preflight(cloud, caller, plan, Audience::Headless).await)
                }
                None => None,
            }
        }
    );
    Survey {
        quotas,
        observations,
        preflight,
    }
}

/// The observation of every planned resource, in plan order.
pub async fn observations(cloud: &dyn Cloud, plan: &Plan) -> CloudResult<Vec<Observation>> {
    // The futures are collected before they are streamed: a stream that maps
    // with a borrowing closure is `Send` for one lifetime only
    // (rust-lang/rust#102211), and the wizard hands this to `tokio::spawn`.
    let reads: Vec<_> = plan
        .resources
        .iter()
        .map(|r| observation(cloud, r, plan.existing.treatment(r)))
        .collect();
    stream::iter(reads)
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await
}

async fn observation(
    cloud: &dyn Cloud,
    resource: &Resource,
    treatment: Treatment,
) -> CloudResult<Observation> {
    let observed = observe(cloud, resource, treatment).await?;
    Ok(Observation {
        change: diff(resource, &observed, treatment),
        found: observed.snapshot(),
        existing: existing_documents(observed),
    })
}

fn existing_documents(observed: Observed) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    match observed {
        Observed::Policy(Some(p)) => {
            out.insert("document".to_owned(), p.document);
        }
        Observed::Role(Some(r)) => {
            out.insert("trust_policy".to_owned(), r.info.trust_policy);
            for (name, doc) in r.inline {
                out.insert(format!("inline_policies.{name}"), doc);
            }
        }
        _ => {}
    }
    out
}
