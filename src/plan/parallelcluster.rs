//! AWS ParallelCluster 2 IAM roles: ParallelClusterInstancePolicy on an EC2
//! role with its instance profile (for `ec2_iam_role` in the cluster
//! configuration), and ParallelClusterUserPolicy for the people who run
//! `pcluster`.
//!
//! The policies follow the final ParallelCluster 2 guide (2.11.9, the last
//! version 2 release), not the 2019 text of seed `004_…`. The guide has a
//! Slurm, an SGE/Torque and an awsbatch variant of each policy. The
//! `traditional` templates hold the Slurm and the SGE/Torque statements
//! together (the SGE/Torque instance policy is the Slurm one plus three
//! statements; the user policies differ in their scaling statements), and
//! [`add`] removes those of the other variant.

use serde_json::Value;

use super::Builder;
use crate::answers::{ParallelCluster, Scheduler};
use crate::iam::names::{EntityKind, Slot};
use crate::templates::{self, Template, TemplateError, Vars};

/// Where the policies come from, for the notes.
const SOURCE: &str = "the final ParallelCluster 2 guide (2.11.9, the last version 2 release; `doc_source/iam.md` @005e41b of awsdocs/aws-parallelcluster-user-guide)";

/// Version 2's end of support, for the notes.
const END_OF_SUPPORT: &str = "ParallelCluster 2 is past its end of support (2.11.x: 2022-12-31) and gets no fixes; AWS recommends ParallelCluster 3 (`version = \"3\"` in onramp).";

/// SGE and Torque left ParallelCluster in 2.11.5.
const SGE_TORQUE_NOTE: &str = "SGE and Torque need ParallelCluster 2.11.4 or earlier: 2.11.5 dropped both schedulers. This is the guide's SGE/Torque variant, which it marks as applying only up to 2.11.4.";

/// Statements of `instance-traditional.json` that only the SGE/Torque
/// variant has: compute nodes scale through an Auto Scaling group and SQS.
const SGE_TORQUE_ONLY_INSTANCE: [&str; 3] = ["SQSQueue", "Autoscaling", "SQSList"];
/// Statements of `user-traditional.json` that only the SGE/Torque variant has.
const SGE_TORQUE_ONLY_USER: [&str; 1] = ["SgeTorqueScaling"];
/// Statements of `user-traditional.json` that only the Slurm variant has.
const SLURM_ONLY_USER: [&str; 2] = ["ScalingModify", "Route53HostedZones"];

/// What the guide's `<RESOURCES S3 BUCKET>` is when `cluster_resource_bucket`
/// is not set: ParallelCluster 2 then creates `parallelcluster-<random>`.
const DEFAULT_RESOURCES_BUCKET: &str = "parallelcluster-*";
/// The cluster's folders in a named resources bucket: ParallelCluster 2.10+
/// writes to `<bucket>/<stack name>-<random>/`, and every stack name starts
/// with `parallelcluster-`. Left out of the documents when no bucket is named
/// (the `parallelcluster-*` bucket pattern already matches its objects).
const NAMED_BUCKET_FOLDERS: &str = "arn:{{partition}}:s3:::{{resources_bucket}}/parallelcluster-*";
/// The instance statement reading the cluster configuration (Slurm).
const CLUSTER_CONFIG_SID: &str = "GetClusterConfig";
/// The user statement on the resources bucket.
const RESOURCES_BUCKET_SID: &str = "S3ResourcesBucket";

/// The user policy statements merged to fit IAM's size limit: (Sid in the
/// template, the guide's statements it holds).
const MERGED_TRADITIONAL: [(&str, &str); 7] = [
    ("EC2", "EC2Describe, NetworkingEasyConfig and EC2Modify"),
    (
        "SgeTorqueScaling",
        "AutoScalingDescribe, AutoScalingModify, SQSDescribe, SQSModify, SNSDescribe and SNSModify",
    ),
    ("DynamoDB", "DynamoDBDescribe and DynamoDBModify"),
    (
        "CloudFormation",
        "CloudFormationDescribe and CloudFormationModify",
    ),
    ("S3ResourcesBucket", "S3ResourcesBucket and S3Delete"),
    ("EFS", "EFSDescribe and EFS"),
    ("CloudWatch", "CloudWatchLogs and CloudWatch"),
];
const MERGED_AWSBATCH: [(&str, &str); 2] = [
    (
        "AnyResource",
        "every statement on `\"Resource\": \"*\"` but CloudFormationList: EC2Describe, EC2LaunchTemplate, NetworkingEasyConfig, EC2Modify, SQS, SNS, IAM, ECR, Batch, AmazonCloudWatchEvents, ECS, EFS, FSx and CloudWatch",
    ),
    ("S3ResourcesBucket", "S3ResourcesBucket and S3Delete"),
];

/// Adds the ParallelCluster resources.
pub fn add(
    b: &mut Builder<'_>,
    pc: &ParallelCluster,
    scheduler: Scheduler,
) -> Result<(), TemplateError> {
    let role_name = b.answers.name(Slot::ParallelClusterRole);
    let vars = vars(b, pc, &role_name);
    let role_arn = b.arn(EntityKind::Role, &role_name);
    let awsbatch = scheduler == Scheduler::Awsbatch;
    let sge_torque = matches!(scheduler, Scheduler::Sge | Scheduler::Torque);
    let variant = match scheduler {
        Scheduler::Slurm => "Slurm",
        Scheduler::Sge | Scheduler::Torque => "SGE/Torque",
        Scheduler::Awsbatch => "awsbatch",
    };

    let (instance_template, user_template) = if awsbatch {
        (
            Template::ParallelClusterInstanceAwsbatch,
            Template::ParallelClusterUserAwsbatch,
        )
    } else {
        (
            Template::ParallelClusterInstanceTraditional,
            Template::ParallelClusterUserTraditional,
        )
    };

    // The instance policy.
    let mut instance_notes = vec![
        format!("Follows {SOURCE}: its {variant} ParallelClusterInstancePolicy."),
        END_OF_SUPPORT.into(),
    ];
    if sge_torque {
        instance_notes.push(SGE_TORQUE_NOTE.into());
    }
    let mut tree = instance_template.tree()?;
    if awsbatch {
        instance_notes.extend([
            "Improvement (batch job folders): the second statement also names `<bucket>/parallelcluster-*/batch/*`; since 2.10 `awsbsub` keeps job files under the cluster's folder (`<bucket>/parallelcluster-<cluster>-<random>/batch/`), which the guide's `<bucket>/batch/*` does not match.".into(),
            "Improvement (CloudWatch log delivery): statement CWLogs adds `logs:PutLogEvents`, without which the CloudWatch agent creates log streams but delivers nothing; the guide's Slurm variant has it.".into(),
        ]);
    } else {
        if !sge_torque {
            for sid in SGE_TORQUE_ONLY_INSTANCE {
                templates::remove_statement(&mut tree, sid);
            }
        }
        instance_notes.extend([
            "Improvement (any subnet, AMI and key pair): statement EC2RunInstances names `subnet/*`, `image/*` and `key-pair/*` of this account and region where the guide names the cluster's `<COMPUTE SUBNET ID>`, `<IMAGE ID>` and `<KEY NAME>`, which onramp does not ask for; the other resources are the guide's.".into(),
            format!(
                "Improvement (pass only the cluster's role): statement IAMPassRole allows passing {role_arn} only, where the guide allows any role (`*`): it is the role the head node passes when it launches compute nodes, and no other role can be handed to EC2 through this policy."
            ),
            "Improvement (EC2's China name): the `iam:PassedToService` condition of IAMPassRole lists `ec2.amazonaws.com` and `ec2.amazonaws.com.cn`; the guide lists only the first, so in the China regions passing the role could be denied.".into(),
        ]);
        if let Some(bucket) = &pc.resources_bucket {
            instance_notes.push(format!(
                "Improvement (cluster configuration in your resources bucket): statement {CLUSTER_CONFIG_SID} also names `{bucket}/parallelcluster-*`; the head node reads the cluster configuration from the cluster's folder in the resources bucket, which the guide's `parallelcluster-*/*` matches only in the buckets ParallelCluster creates itself."
            ));
        } else {
            remove_resource(&mut tree, CLUSTER_CONFIG_SID, NAMED_BUCKET_FOLDERS);
        }
    }
    let instance_doc = templates::fill_tree(tree, instance_template, &vars)?;
    let instance_policy_arn = b.add_policy(
        b.answers.name(Slot::ParallelClusterInstancePolicy),
        "Permissions of the EC2 instances of an AWS ParallelCluster 2 cluster",
        instance_doc,
        instance_notes,
    );

    b.add_role(
        role_name.clone(),
        "EC2 role for AWS ParallelCluster 2 clusters (ec2_iam_role)",
        "ec2.amazonaws.com",
        vec![instance_policy_arn],
        vec![
            format!(
                "The guide leaves this role to you (`<PARALLELCLUSTER EC2 ROLE NAME>`); onramp creates it, trusted by EC2, with the instance policy attached. Set `ec2_iam_role = {role_name}` in the cluster configuration."
            ),
            END_OF_SUPPORT.into(),
        ],
    )?;
    b.add_instance_profile(
        &role_name,
        vec!["Created explicitly so the role can be used by EC2 instances right away.".into()],
    );

    // The user policy.
    let mut tree = user_template.tree()?;
    let mut user_notes = vec![
        format!(
            "Follows {SOURCE}: its {variant} ParallelClusterUserPolicy. Attach it to the IAM users or group who run `pcluster`; onramp attaches it to no one."
        ),
        END_OF_SUPPORT.into(),
    ];
    if sge_torque {
        user_notes.push(SGE_TORQUE_NOTE.into());
    }
    if !awsbatch {
        let other_variant: &[&str] = if sge_torque {
            &SLURM_ONLY_USER
        } else {
            &SGE_TORQUE_ONLY_USER
        };
        for sid in other_variant {
            templates::remove_statement(&mut tree, sid);
        }
    }
    match &pc.resources_bucket {
        Some(bucket) => user_notes.push(format!(
            "The guide's `<RESOURCES S3 BUCKET>` is your resources bucket {bucket} (set `cluster_resource_bucket = {bucket}`). Improvement (objects of a named bucket): statement {RESOURCES_BUCKET_SID} also names `{bucket}/parallelcluster-*`; the guide grants `s3:*` on the bucket's ARN only, which matches objects only through the `parallelcluster-*` pattern, so `pcluster` could not upload the cluster's files to a bucket you name."
        )),
        None => {
            remove_resource(&mut tree, RESOURCES_BUCKET_SID, NAMED_BUCKET_FOLDERS);
            user_notes.push(format!(
                "No resources bucket is set, so the guide's `<RESOURCES S3 BUCKET>` is `{DEFAULT_RESOURCES_BUCKET}`, the bucket ParallelCluster creates for each cluster."
            ));
        }
    }
    let merged: &[(&str, &str)] = if awsbatch {
        &MERGED_AWSBATCH
    } else {
        &MERGED_TRADITIONAL
    };
    let merged: Vec<String> = merged
        .iter()
        .filter(|(sid, _)| has_statement(&tree, sid))
        .map(|(sid, from)| format!("{sid} holds {from}"))
        .collect();
    user_notes.push(format!(
        "Improvement (merged to fit): statements of the guide with the same Resource are merged, so that the policy stays under IAM's 6,144-character limit for a managed policy even with the longest names onramp accepts (a 512-character path, a 63-character bucket); they grant exactly what the guide's statements grant. {}.",
        merged.join("; ")
    ));
    if awsbatch {
        user_notes.extend([
            "Improvement (ListStacks on `*`), statement CloudFormationList: `cloudformation:ListStacks` supports only `\"Resource\": \"*\"`, so the guide's grant of it in statement CloudFormation (on `stack/parallelcluster-*`) allows nothing and `pcluster list` is denied; onramp grants it on `*` in a statement of its own.".into(),
            "Improvement (no PassRole on instance profiles), statement IAMInstanceProfile: the guide also grants `iam:PassRole` there, on `instance-profile/*`; PassRole is checked against role ARNs, so that grant matches nothing. onramp leaves it out: statement IAMRole grants PassRole on `role/parallelcluster-*` and on this plan's EC2 role.".into(),
        ]);
    }
    let user_doc = templates::fill_tree(tree, user_template, &vars)?;
    b.add_policy(
        b.answers.name(Slot::ParallelClusterUserPolicy),
        "Permissions to create and manage AWS ParallelCluster 2 clusters with the pcluster CLI",
        user_doc,
        user_notes,
    );
    Ok(())
}

fn vars(b: &Builder<'_>, pc: &ParallelCluster, role_name: &str) -> Vars {
    // The role's ARN carries its path: `role/<path without leading slash><name>`.
    let role_path = b.answers.answers().path.trim_start_matches('/');
    let mut vars = b
        .base_vars()
        .set("parallelcluster_role", format!("{role_path}{role_name}"))
        .set(
            "resources_bucket",
            pc.resources_bucket
                .clone()
                .unwrap_or_else(|| DEFAULT_RESOURCES_BUCKET.to_owned()),
        );
    let optional = [
        ("stack_name", &pc.stack_name),
        ("job_definition_serial_name", &pc.job_definition_serial_name),
        ("job_definition_mnp_name", &pc.job_definition_mnp_name),
        ("job_queue_name", &pc.job_queue_name),
        ("job_role", &pc.job_role),
        ("ecs_compute_environment", &pc.ecs_compute_environment),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            vars = vars.set(name, v.clone());
        }
    }
    vars
}

fn statements_mut(tree: &mut Value) -> impl Iterator<Item = &mut Value> {
    tree.get_mut("Statement")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

fn has_statement(tree: &Value, sid: &str) -> bool {
    tree.get("Statement")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|s| s.get("Sid").and_then(Value::as_str) == Some(sid))
        })
}

/// Removes one resource (as written in the template) from the statement with
/// this `Sid`, for a resource that does not apply to the answers.
fn remove_resource(tree: &mut Value, sid: &str, resource: &str) {
    for statement in statements_mut(tree) {
        if statement.get("Sid").and_then(Value::as_str) != Some(sid) {
            continue;
        }
        if let Some(resources) = statement.get_mut("Resource").and_then(Value::as_array_mut) {
            resources.retain(|r| r.as_str() != Some(resource));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::limits;
    use crate::plan::{PolicySpec, Resource, plan_of_valid_toml};

    /// Every value as long as validation allows: a 512-character path, a
    /// 64-character role name, a 63-character bucket, the longest awsbatch
    /// names; in the regions with the longest partition and region names.
    fn longest_answers(region: &str, scheduler: &str, bucket: bool) -> String {
        let path = format!("/{}/", "p".repeat(510));
        let role = format!("R{}", "r".repeat(63));
        let resources_bucket = if bucket || scheduler == "awsbatch" {
            format!("resources_bucket = \"b{}\"", "u".repeat(62))
        } else {
            String::new()
        };
        let batch = if scheduler == "awsbatch" {
            format!(
                r#"
stack_name = "s{s}"
job_definition_serial_name = "j{j}"
job_definition_mnp_name = "m{j}"
job_queue_name = "q{j}"
job_role = "R{r}"
ecs_compute_environment = "e{e}"
"#,
                s = "s".repeat(127),
                j = "j".repeat(127),
                r = "r".repeat(63),
                e = "e".repeat(254),
            )
        } else {
            String::new()
        };
        format!(
            r#"
region = "{region}"
account_id = "123456789012"
path = "{path}"
[names]
parallelcluster_role = "{role}"
[genomics]
enabled = false
[parallelcluster]
version = "2"
scheduler = "{scheduler}"
{resources_bucket}
{batch}
"#
        )
    }

    #[test]
    fn every_parallelcluster_2_policy_fits_with_the_longest_values() {
        for region in [
            "us-gov-west-1",
            "us-isof-south-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "cn-northwest-1",
            "ap-southeast-5",
        ] {
            for scheduler in ["slurm", "sge", "torque", "awsbatch"] {
                for bucket in [false, true] {
                    let plan = plan_of_valid_toml(&longest_answers(region, scheduler, bucket));
                    let mut policies = 0;
                    for r in &plan.resources {
                        if let Some(policy) = r.policy() {
                            policies += 1;
                            let size = limits::policy_size(&policy.document);
                            assert!(
                                size <= limits::MANAGED_POLICY_SIZE,
                                "{region}/{scheduler}/bucket {bucket}: {} is {size} > {}",
                                r.name,
                                limits::MANAGED_POLICY_SIZE
                            );
                        }
                    }
                    assert_eq!(policies, 2, "{region}/{scheduler}");
                }
            }
        }
    }

    #[test]
    fn the_variants_keep_only_their_own_statements() {
        let sids = |scheduler: &str, name: &str| -> Vec<String> {
            let plan = plan_of_valid_toml(&format!(
                "region = \"eu-west-1\"\naccount_id = \"123456789012\"\n[genomics]\nenabled = false\n[parallelcluster]\nscheduler = \"{scheduler}\"\n"
            ));
            let Some(PolicySpec { document, .. }) = plan
                .resources
                .iter()
                .find(|r| r.name == name)
                .and_then(Resource::policy)
            else {
                unreachable!("{name} is planned")
            };
            document["Statement"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["Sid"].as_str().map(str::to_owned))
                .collect()
        };
        for scheduler in ["sge", "torque"] {
            let instance = sids(scheduler, "ParallelClusterInstancePolicy");
            let user = sids(scheduler, "ParallelClusterUserPolicy");
            for sid in SGE_TORQUE_ONLY_INSTANCE {
                assert!(instance.iter().any(|s| s == sid), "{scheduler}: {sid}");
            }
            assert!(user.iter().any(|s| s == SGE_TORQUE_ONLY_USER[0]));
            for sid in SLURM_ONLY_USER {
                assert!(!user.iter().any(|s| s == sid), "{scheduler}: {sid}");
            }
        }
        let instance = sids("slurm", "ParallelClusterInstancePolicy");
        let user = sids("slurm", "ParallelClusterUserPolicy");
        for sid in SGE_TORQUE_ONLY_INSTANCE.iter().chain(&SGE_TORQUE_ONLY_USER) {
            assert!(
                !instance.iter().any(|s| s == sid) && !user.iter().any(|s| s == sid),
                "slurm: {sid}"
            );
        }
        for sid in SLURM_ONLY_USER {
            assert!(user.iter().any(|s| s == sid), "slurm: {sid}");
        }
    }

    #[test]
    fn the_named_bucket_folders_are_in_the_templates_they_are_removed_from() {
        for (template, sid) in [
            (
                Template::ParallelClusterInstanceTraditional,
                CLUSTER_CONFIG_SID,
            ),
            (
                Template::ParallelClusterUserTraditional,
                RESOURCES_BUCKET_SID,
            ),
            (Template::ParallelClusterUserAwsbatch, RESOURCES_BUCKET_SID),
        ] {
            let mut tree = template.tree().unwrap_or_else(|e| unreachable!("{e}"));
            let before = tree.clone();
            remove_resource(&mut tree, sid, NAMED_BUCKET_FOLDERS);
            assert_ne!(tree, before, "{}: {sid}", template.file());
        }
    }
}
