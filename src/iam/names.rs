//! The names of the IAM resources onramp creates: the defaults of the console
//! walkthrough, any override from the answers' `[names]` table, and the
//! `name_prefix` in front of all of them.
//!
//! One place computes them so that validation (which must check names *after*
//! the prefix is applied) and the plan can never disagree.

use serde::{Deserialize, Serialize};

/// Which IAM namespace a name lives in; IAM limits differ per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    ManagedPolicy,
    Role,
    InstanceProfile,
}

impl EntityKind {
    /// IAM's maximum name length for this kind.
    pub fn max_name_len(self) -> usize {
        match self {
            EntityKind::Role => crate::iam::limits::ROLE_NAME_MAX,
            EntityKind::ManagedPolicy => crate::iam::limits::POLICY_NAME_MAX,
            EntityKind::InstanceProfile => crate::iam::limits::INSTANCE_PROFILE_NAME_MAX,
        }
    }

    /// How the kind is called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            EntityKind::ManagedPolicy => "managed policy",
            EntityKind::Role => "role",
            EntityKind::InstanceProfile => "instance profile",
        }
    }

    /// The resource-type segment of the ARN (`arn:…:iam::ACCOUNT:<segment>/…`).
    pub fn arn_segment(self) -> &'static str {
        match self {
            EntityKind::ManagedPolicy => "policy",
            EntityKind::Role => "role",
            EntityKind::InstanceProfile => "instance-profile",
        }
    }
}

/// Optional overrides of the default names, the `[names]` table of the answers.
/// Each is used as given, with `name_prefix` in front.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_access_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ebs_autoscale_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_service_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot_fleet_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_instance_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_user_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_batch_user_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_fsx_user_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_image_build_user_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_login_nodes_user_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_iam_user_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_head_node_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_head_node_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_compute_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_compute_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_lambda_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_image_builder_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelcluster_image_cleanup_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omics_service_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omics_user_policy: Option<String>,
}

/// One nameable resource of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    BucketAccessPolicy,
    EbsAutoscalePolicy,
    BatchServiceRole,
    InstanceRole,
    SpotFleetRole,
    JobRole,
    ParallelClusterInstancePolicy,
    ParallelClusterUserPolicy,
    ParallelClusterRole,
    // ParallelCluster 3 (the guide's policies; roles for restricted mode).
    ParallelClusterBatchUserPolicy,
    ParallelClusterFsxUserPolicy,
    ParallelClusterImageBuildUserPolicy,
    ParallelClusterLoginNodesUserPolicy,
    ParallelClusterIamUserPolicy,
    ParallelClusterHeadNodePolicy,
    ParallelClusterHeadNodeRole,
    ParallelClusterComputePolicy,
    ParallelClusterComputeRole,
    ParallelClusterLambdaRole,
    ParallelClusterImageBuilderRole,
    ParallelClusterImageCleanupRole,
    // AWS HealthOmics.
    OmicsServiceRole,
    OmicsUserPolicy,
}

impl Slot {
    pub const ALL: [Slot; 23] = [
        Slot::BucketAccessPolicy,
        Slot::EbsAutoscalePolicy,
        Slot::BatchServiceRole,
        Slot::InstanceRole,
        Slot::SpotFleetRole,
        Slot::JobRole,
        Slot::ParallelClusterInstancePolicy,
        Slot::ParallelClusterUserPolicy,
        Slot::ParallelClusterRole,
        Slot::ParallelClusterBatchUserPolicy,
        Slot::ParallelClusterFsxUserPolicy,
        Slot::ParallelClusterImageBuildUserPolicy,
        Slot::ParallelClusterLoginNodesUserPolicy,
        Slot::ParallelClusterIamUserPolicy,
        Slot::ParallelClusterHeadNodePolicy,
        Slot::ParallelClusterHeadNodeRole,
        Slot::ParallelClusterComputePolicy,
        Slot::ParallelClusterComputeRole,
        Slot::ParallelClusterLambdaRole,
        Slot::ParallelClusterImageBuilderRole,
        Slot::ParallelClusterImageCleanupRole,
        Slot::OmicsServiceRole,
        Slot::OmicsUserPolicy,
    ];

    /// The key in the `[names]` table, also used as the field in errors.
    pub fn key(self) -> &'static str {
        match self {
            Slot::BucketAccessPolicy => "bucket_access_policy",
            Slot::EbsAutoscalePolicy => "ebs_autoscale_policy",
            Slot::BatchServiceRole => "batch_service_role",
            Slot::InstanceRole => "instance_role",
            Slot::SpotFleetRole => "spot_fleet_role",
            Slot::JobRole => "job_role",
            Slot::ParallelClusterInstancePolicy => "parallelcluster_instance_policy",
            Slot::ParallelClusterUserPolicy => "parallelcluster_user_policy",
            Slot::ParallelClusterRole => "parallelcluster_role",
            Slot::ParallelClusterBatchUserPolicy => "parallelcluster_batch_user_policy",
            Slot::ParallelClusterFsxUserPolicy => "parallelcluster_fsx_user_policy",
            Slot::ParallelClusterImageBuildUserPolicy => "parallelcluster_image_build_user_policy",
            Slot::ParallelClusterLoginNodesUserPolicy => "parallelcluster_login_nodes_user_policy",
            Slot::ParallelClusterIamUserPolicy => "parallelcluster_iam_user_policy",
            Slot::ParallelClusterHeadNodePolicy => "parallelcluster_head_node_policy",
            Slot::ParallelClusterHeadNodeRole => "parallelcluster_head_node_role",
            Slot::ParallelClusterComputePolicy => "parallelcluster_compute_policy",
            Slot::ParallelClusterComputeRole => "parallelcluster_compute_role",
            Slot::ParallelClusterLambdaRole => "parallelcluster_lambda_role",
            Slot::ParallelClusterImageBuilderRole => "parallelcluster_image_builder_role",
            Slot::ParallelClusterImageCleanupRole => "parallelcluster_image_cleanup_role",
            Slot::OmicsServiceRole => "omics_service_role",
            Slot::OmicsUserPolicy => "omics_user_policy",
        }
    }

    pub fn kind(self) -> EntityKind {
        match self {
            Slot::BucketAccessPolicy
            | Slot::EbsAutoscalePolicy
            | Slot::ParallelClusterInstancePolicy
            | Slot::ParallelClusterUserPolicy
            | Slot::ParallelClusterBatchUserPolicy
            | Slot::ParallelClusterFsxUserPolicy
            | Slot::ParallelClusterImageBuildUserPolicy
            | Slot::ParallelClusterLoginNodesUserPolicy
            | Slot::ParallelClusterIamUserPolicy
            | Slot::ParallelClusterHeadNodePolicy
            | Slot::ParallelClusterComputePolicy
            | Slot::OmicsUserPolicy => EntityKind::ManagedPolicy,
            Slot::BatchServiceRole
            | Slot::InstanceRole
            | Slot::SpotFleetRole
            | Slot::JobRole
            | Slot::ParallelClusterRole
            | Slot::ParallelClusterHeadNodeRole
            | Slot::ParallelClusterComputeRole
            | Slot::ParallelClusterLambdaRole
            | Slot::ParallelClusterImageBuilderRole
            | Slot::ParallelClusterImageCleanupRole
            | Slot::OmicsServiceRole => EntityKind::Role,
        }
    }

    /// The name the source documents use (before the prefix).
    pub fn default_name(self, region: &str) -> String {
        match self {
            Slot::BucketAccessPolicy => format!("s3bucket-access-{region}"),
            Slot::EbsAutoscalePolicy => "ebs-autoscale-policy".into(),
            Slot::BatchServiceRole => "AWSBatchServiceRole".into(),
            Slot::InstanceRole => "ecsInstanceRole".into(),
            Slot::SpotFleetRole => "AWSSpotFleetTaggingRole".into(),
            Slot::JobRole => "BatchJobRole".into(),
            Slot::ParallelClusterInstancePolicy => "ParallelClusterInstancePolicy".into(),
            Slot::ParallelClusterUserPolicy => "ParallelClusterUserPolicy".into(),
            // The seed leaves this as `<PARALLELCLUSTER EC2 ROLE NAME>`.
            Slot::ParallelClusterRole => "ParallelClusterInstanceRole".into(),
            Slot::ParallelClusterBatchUserPolicy => "ParallelClusterBatchUserPolicy".into(),
            Slot::ParallelClusterFsxUserPolicy => "ParallelClusterFSxUserPolicy".into(),
            Slot::ParallelClusterImageBuildUserPolicy => {
                "ParallelClusterImageBuildUserPolicy".into()
            }
            Slot::ParallelClusterLoginNodesUserPolicy => {
                "ParallelClusterLoginNodesUserPolicy".into()
            }
            Slot::ParallelClusterIamUserPolicy => "ParallelClusterIamUserPolicy".into(),
            Slot::ParallelClusterHeadNodePolicy => "ParallelClusterHeadNodePolicy".into(),
            Slot::ParallelClusterHeadNodeRole => "ParallelClusterHeadNodeRole".into(),
            Slot::ParallelClusterComputePolicy => "ParallelClusterComputeNodePolicy".into(),
            Slot::ParallelClusterComputeRole => "ParallelClusterComputeNodeRole".into(),
            Slot::ParallelClusterLambdaRole => "ParallelClusterLambdaFunctionsRole".into(),
            Slot::ParallelClusterImageBuilderRole => "ParallelClusterImageBuilderRole".into(),
            Slot::ParallelClusterImageCleanupRole => "ParallelClusterImageCleanupRole".into(),
            // The HealthOmics guide names no role or policy; these say what they are for.
            Slot::OmicsServiceRole => "OmicsWorkflowServiceRole".into(),
            Slot::OmicsUserPolicy => "OmicsWorkflowUserPolicy".into(),
        }
    }

    /// The override the user gave for this slot, if any.
    pub fn overridden(self, overrides: &NameOverrides) -> Option<&str> {
        let value = match self {
            Slot::BucketAccessPolicy => &overrides.bucket_access_policy,
            Slot::EbsAutoscalePolicy => &overrides.ebs_autoscale_policy,
            Slot::BatchServiceRole => &overrides.batch_service_role,
            Slot::InstanceRole => &overrides.instance_role,
            Slot::SpotFleetRole => &overrides.spot_fleet_role,
            Slot::JobRole => &overrides.job_role,
            Slot::ParallelClusterInstancePolicy => &overrides.parallelcluster_instance_policy,
            Slot::ParallelClusterUserPolicy => &overrides.parallelcluster_user_policy,
            Slot::ParallelClusterRole => &overrides.parallelcluster_role,
            Slot::ParallelClusterBatchUserPolicy => &overrides.parallelcluster_batch_user_policy,
            Slot::ParallelClusterFsxUserPolicy => &overrides.parallelcluster_fsx_user_policy,
            Slot::ParallelClusterImageBuildUserPolicy => {
                &overrides.parallelcluster_image_build_user_policy
            }
            Slot::ParallelClusterLoginNodesUserPolicy => {
                &overrides.parallelcluster_login_nodes_user_policy
            }
            Slot::ParallelClusterIamUserPolicy => &overrides.parallelcluster_iam_user_policy,
            Slot::ParallelClusterHeadNodePolicy => &overrides.parallelcluster_head_node_policy,
            Slot::ParallelClusterHeadNodeRole => &overrides.parallelcluster_head_node_role,
            Slot::ParallelClusterComputePolicy => &overrides.parallelcluster_compute_policy,
            Slot::ParallelClusterComputeRole => &overrides.parallelcluster_compute_role,
            Slot::ParallelClusterLambdaRole => &overrides.parallelcluster_lambda_role,
            Slot::ParallelClusterImageBuilderRole => &overrides.parallelcluster_image_builder_role,
            Slot::ParallelClusterImageCleanupRole => &overrides.parallelcluster_image_cleanup_role,
            Slot::OmicsServiceRole => &overrides.omics_service_role,
            Slot::OmicsUserPolicy => &overrides.omics_user_policy,
        };
        value.as_deref()
    }

    /// The override for this slot, to set or clear (the wizard's review
    /// renames onramp's resource when one of that name exists already).
    pub fn override_mut(self, overrides: &mut NameOverrides) -> &mut Option<String> {
        match self {
            Slot::BucketAccessPolicy => &mut overrides.bucket_access_policy,
            Slot::EbsAutoscalePolicy => &mut overrides.ebs_autoscale_policy,
            Slot::BatchServiceRole => &mut overrides.batch_service_role,
            Slot::InstanceRole => &mut overrides.instance_role,
            Slot::SpotFleetRole => &mut overrides.spot_fleet_role,
            Slot::JobRole => &mut overrides.job_role,
            Slot::ParallelClusterInstancePolicy => &mut overrides.parallelcluster_instance_policy,
            Slot::ParallelClusterUserPolicy => &mut overrides.parallelcluster_user_policy,
            Slot::ParallelClusterRole => &mut overrides.parallelcluster_role,
            Slot::ParallelClusterBatchUserPolicy => {
                &mut overrides.parallelcluster_batch_user_policy
            }
            Slot::ParallelClusterFsxUserPolicy => &mut overrides.parallelcluster_fsx_user_policy,
            Slot::ParallelClusterImageBuildUserPolicy => {
                &mut overrides.parallelcluster_image_build_user_policy
            }
            Slot::ParallelClusterLoginNodesUserPolicy => {
                &mut overrides.parallelcluster_login_nodes_user_policy
            }
            Slot::ParallelClusterIamUserPolicy => &mut overrides.parallelcluster_iam_user_policy,
            Slot::ParallelClusterHeadNodePolicy => &mut overrides.parallelcluster_head_node_policy,
            Slot::ParallelClusterHeadNodeRole => &mut overrides.parallelcluster_head_node_role,
            Slot::ParallelClusterComputePolicy => &mut overrides.parallelcluster_compute_policy,
            Slot::ParallelClusterComputeRole => &mut overrides.parallelcluster_compute_role,
            Slot::ParallelClusterLambdaRole => &mut overrides.parallelcluster_lambda_role,
            Slot::ParallelClusterImageBuilderRole => {
                &mut overrides.parallelcluster_image_builder_role
            }
            Slot::ParallelClusterImageCleanupRole => {
                &mut overrides.parallelcluster_image_cleanup_role
            }
            Slot::OmicsServiceRole => &mut overrides.omics_service_role,
            Slot::OmicsUserPolicy => &mut overrides.omics_user_policy,
        }
    }

    /// The final name: prefix + (override or default).
    pub fn name(self, prefix: &str, overrides: &NameOverrides, region: &str) -> String {
        let base = self
            .overridden(overrides)
            .map_or_else(|| self.default_name(region), str::to_owned);
        format!("{prefix}{base}")
    }
}

/// The name of part `index` (from 0) of a bucket access policy split for size:
/// `NAME`, `NAME-2`, `NAME-3`, …, so adding buckets never renames the first.
pub fn bucket_policy_part_name(base: &str, index: usize) -> String {
    if index == 0 {
        base.to_owned()
    } else {
        format!("{base}-{}", index + 1)
    }
}

/// Names are unique per kind only (a role and its instance profile share one).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct ResourceId {
    pub kind: EntityKind,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_seeds_and_prefix_applies_to_all() {
        let none = NameOverrides::default();
        assert_eq!(
            Slot::BucketAccessPolicy.name("", &none, "eu-west-1"),
            "s3bucket-access-eu-west-1"
        );
        assert_eq!(
            Slot::InstanceRole.name("lab-", &none, "eu-west-1"),
            "lab-ecsInstanceRole"
        );
        let custom = NameOverrides {
            job_role: Some("GenomicsJobs".into()),
            ..NameOverrides::default()
        };
        assert_eq!(
            Slot::JobRole.name("lab-", &custom, "us-east-1"),
            "lab-GenomicsJobs"
        );
        let keys: std::collections::BTreeSet<_> = Slot::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(keys.len(), Slot::ALL.len(), "keys are unique");
        // Each slot's override is its own field, the one `overridden` reads.
        let mut every = NameOverrides::default();
        for slot in Slot::ALL {
            *slot.override_mut(&mut every) = Some(slot.key().to_owned());
        }
        for slot in Slot::ALL {
            assert_eq!(slot.overridden(&every), Some(slot.key()));
        }
    }
}
