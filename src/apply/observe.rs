//! Reads what exists under each planned resource's name, then diffs it.
//! Reads only: nothing here changes the account.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};

use super::compare::same_document;
use super::diff::{Change, Observed, ObservedPolicy, ObservedRole, diff};
use crate::cloud::{Cloud, CloudResult};
use crate::plan::{Plan, Resource, Spec};

/// How many resources are read at once.
const READ_CONCURRENCY: usize = 8;

/// Reads one resource. A missing entity costs one read; versions are listed
/// only when the document differs (an update needs them to prune).
pub async fn observe(cloud: &dyn Cloud, resource: &Resource) -> CloudResult<Observed> {
    Ok(match &resource.spec {
        Spec::ManagedPolicy { document, .. } => {
            let Some(info) = cloud.get_policy(&resource.arn).await? else {
                return Ok(Observed::Policy(None));
            };
            let current = cloud
                .get_policy_version(&resource.arn, &info.default_version_id)
                .await?;
            let versions = if same_document(document, &current) {
                Vec::new()
            } else {
                cloud.list_policy_versions(&resource.arn).await?
            };
            Observed::Policy(Some(ObservedPolicy {
                info,
                document: current,
                versions,
            }))
        }
        Spec::Role { .. } => {
            let Some(info) = cloud.get_role(&resource.name).await? else {
                return Ok(Observed::Role(None));
            };
            let attached = cloud.list_attached_role_policies(&resource.name).await?;
            let mut inline = BTreeMap::new();
            for name in cloud.list_role_policies(&resource.name).await? {
                let doc = cloud.get_role_policy(&resource.name, &name).await?;
                inline.insert(name, doc);
            }
            Observed::Role(Some(ObservedRole {
                info,
                attached,
                inline,
            }))
        }
        Spec::InstanceProfile { .. } => {
            Observed::InstanceProfile(cloud.get_instance_profile(&resource.name).await?)
        }
    })
}

/// The change for every planned resource, in plan order.
pub async fn changes(cloud: &dyn Cloud, plan: &Plan) -> CloudResult<Vec<Change>> {
    stream::iter(plan.resources.iter())
        .map(|r| async move { Ok::<_, crate::cloud::CloudError>(diff(r, &observe(cloud, r).await?)) })
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await
}
