//! ParallelCluster 2: the instance and user policies against the final guide and the 2019 seed.

use super::*;

// ---------------------------------------------------------------------------
// ParallelCluster 2: instance and user policies, held against the final guide

pub(super) const PC_INSTANCE_TRADITIONAL_SEED: &str = "parallelcluster2-instance-traditional.json";
pub(super) const PC_INSTANCE_AWSBATCH_SEED: &str = "parallelcluster2-instance-awsbatch.json";
pub(super) const PC_USER_TRADITIONAL_SEED: &str = "parallelcluster2-user-traditional.json";
pub(super) const PC_USER_AWSBATCH_SEED: &str = "parallelcluster2-user-awsbatch.json";
pub(super) const PC_INSTANCE_POLICY: &str = "ParallelClusterInstancePolicy";
pub(super) const PC_USER_POLICY: &str = "ParallelClusterUserPolicy";

/// The final guide's policies for a scheduler: (instance, user). `slurm` has
/// the Slurm policies; `sge` and `torque` the SGE/Torque ones (2.11.4 and
/// earlier).
pub(super) fn final_guide_files(scheduler: &str) -> (&'static str, &'static str) {
    match scheduler {
        "slurm" => ("instance-traditional.json", "user-traditional.json"),
        "sge" | "torque" => ("instance-sge-torque.json", "user-sge-torque.json"),
        "awsbatch" => ("instance-awsbatch.json", "user-awsbatch.json"),
        other => panic!("no such scheduler: {other}"),
    }
}

/// The seed's policies for a scheduler: (instance, user).
pub(super) fn seed_files(scheduler: &str) -> (&'static str, &'static str) {
    if scheduler == "awsbatch" {
        (PC_INSTANCE_AWSBATCH_SEED, PC_USER_AWSBATCH_SEED)
    } else {
        (PC_INSTANCE_TRADITIONAL_SEED, PC_USER_TRADITIONAL_SEED)
    }
}

/// The user policy statements merged to fit the size limit.
pub(super) const MERGES_TRADITIONAL: [(&str, &[&str]); 6] = [
    ("EC2", &["EC2Describe", "NetworkingEasyConfig", "EC2Modify"]),
    ("DynamoDB", &["DynamoDBDescribe", "DynamoDBModify"]),
    (
        "CloudFormation",
        &["CloudFormationDescribe", "CloudFormationModify"],
    ),
    ("S3ResourcesBucket", &["S3ResourcesBucket", "S3Delete"]),
    ("EFS", &["EFSDescribe", "EFS"]),
    ("CloudWatch", &["CloudWatchLogs", "CloudWatch"]),
];
pub(super) const MERGE_SGE_TORQUE: (&str, &[&str]) = (
    "SgeTorqueScaling",
    &[
        "AutoScalingDescribe",
        "AutoScalingModify",
        "SQSDescribe",
        "SQSModify",
        "SNSDescribe",
        "SNSModify",
    ],
);
pub(super) const MERGES_AWSBATCH: [(&str, &[&str]); 2] = [
    (
        "AnyResource",
        &[
            "EC2Describe",
            "EC2LaunchTemplate",
            "NetworkingEasyConfig",
            "EC2Modify",
            "SQS",
            "SNS",
            "IAM",
            "ECR",
            "Batch",
            "AmazonCloudWatchEvents",
            "ECS",
            "EFS",
            "FSx",
            "CloudWatch",
        ],
    ),
    ("S3ResourcesBucket", &["S3ResourcesBucket", "S3Delete"]),
];

pub(super) fn merged((sid, from): (&'static str, &'static [&'static str])) -> Improvement {
    Improvement::MergedToFit { sid, from }
}

/// onramp's improvements of the guide's instance policy.
pub(super) fn instance_improvements(
    scheduler: &str,
    region: &str,
    resources_bucket: Option<&'static str>,
    role_arn: &str,
) -> Vec<Improvement> {
    let mut improvements = partition_improvement(region);
    if scheduler == "awsbatch" {
        improvements.push(Improvement::BatchJobFolders(RESOURCES_BUCKET));
        improvements.push(Improvement::PutLogEvents);
    } else {
        improvements.push(Improvement::RunInstancesAnySubnetImageKey);
        improvements.push(Improvement::PassOnlyTheClusterRole(role_arn.to_owned()));
        improvements.push(Improvement::PassedToServiceChina);
        if let Some(bucket) = resources_bucket {
            improvements.push(Improvement::ClusterConfigInNamedBucket(bucket));
        }
    }
    improvements
}

/// onramp's improvements of the guide's user policy.
pub(super) fn user_improvements(
    scheduler: &str,
    region: &str,
    resources_bucket: Option<&'static str>,
) -> Vec<Improvement> {
    let mut improvements = partition_improvement(region);
    if scheduler == "awsbatch" {
        improvements.push(Improvement::ListStacksOnStar);
        improvements.push(Improvement::NoPassRoleOnInstanceProfiles);
        improvements.extend(MERGES_AWSBATCH.into_iter().map(merged));
    } else {
        improvements.extend(MERGES_TRADITIONAL.into_iter().map(merged));
        if scheduler != "slurm" {
            improvements.push(merged(MERGE_SGE_TORQUE));
        }
    }
    if let Some(bucket) = resources_bucket {
        improvements.push(Improvement::ResourcesBucketFolders(bucket));
    }
    improvements
}

/// Every scheduler, region and resources bucket (none or one; awsbatch
/// requires one) the comparisons run for.
pub(super) fn parallelcluster_cases() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    let mut cases = Vec::new();
    for region in [REGION, CHINA_REGION, GOVCLOUD_REGION] {
        for scheduler in ALL_SCHEDULERS {
            for bucket in [Some(RESOURCES_BUCKET), None] {
                if scheduler == "awsbatch" && bucket.is_none() {
                    continue; // required with awsbatch
                }
                cases.push((scheduler, region, bucket));
            }
        }
    }
    cases
}

pub(super) fn role_arn_of(plan: &Plan) -> String {
    resource(plan, EntityKind::Role, PARALLELCLUSTER_ROLE)
        .arn
        .clone()
}

#[test]
pub(super) fn parallelcluster_instance_policies_equal_the_final_guide() {
    for (scheduler, region, bucket) in parallelcluster_cases() {
        let plan = plan_of(&parallelcluster_answers(region, scheduler, bucket));
        let file = final_guide_files(scheduler).0;
        let what =
            format!("{PC_INSTANCE_POLICY} ({scheduler}, resources bucket {bucket:?}, {region})");
        let generated = policy_document(&plan, PC_INSTANCE_POLICY);
        let guide = final_fixture(file, &Fill::new(region).resources_bucket(bucket));
        let improvements = instance_improvements(scheduler, region, bucket, &role_arn_of(&plan));
        assert_matches_fixture(&what, generated, file, guide.clone(), &improvements);
        assert_each_improvement_is_needed(&what, generated, file, &guide, &improvements);
    }
}

#[test]
pub(super) fn parallelcluster_user_policies_equal_the_final_guide() {
    for (scheduler, region, bucket) in parallelcluster_cases() {
        let plan = plan_of(&parallelcluster_answers(region, scheduler, bucket));
        let file = final_guide_files(scheduler).1;
        let what = format!("{PC_USER_POLICY} ({scheduler}, resources bucket {bucket:?}, {region})");
        let generated = policy_document(&plan, PC_USER_POLICY);
        let guide = final_fixture(file, &Fill::new(region).resources_bucket(bucket));
        let improvements = user_improvements(scheduler, region, bucket);
        assert_matches_fixture(&what, generated, file, guide.clone(), &improvements);
        assert_each_improvement_is_needed(&what, generated, file, &guide, &improvements);
    }
}

#[test]
pub(super) fn parallelcluster_policies_name_the_planned_role_with_its_path_and_prefix() {
    for scheduler in ALL_SCHEDULERS {
        let batch = if scheduler == "awsbatch" {
            format!(
                "stack_name = \"{STACK_NAME}\"\njob_definition_serial_name = \"{JOB_DEFINITION_SERIAL_NAME}\"\njob_definition_mnp_name = \"{JOB_DEFINITION_MNP_NAME}\"\njob_queue_name = \"{JOB_QUEUE_NAME}\"\njob_role = \"{BATCH_STACK_JOB_ROLE}\"\necs_compute_environment = \"{ECS_COMPUTE_ENVIRONMENT}\"\n"
            )
        } else {
            String::new()
        };
        let plan = plan_of_toml(&format!(
            r#"
region = "{REGION}"
account_id = "{ACCOUNT}"
name_prefix = "lab-"
path = "/onramp/"

[parallelcluster]
scheduler = "{scheduler}"
resources_bucket = "{RESOURCES_BUCKET}"
{batch}
"#
        ));
        let role_name = format!("lab-{PARALLELCLUSTER_ROLE}");
        let role = resource(&plan, EntityKind::Role, &role_name);
        // `<PARALLELCLUSTER EC2 ROLE NAME>` stands for what follows `role/` in
        // the role's ARN: with a path, the path and the name.
        let role_in_arn = format!("onramp/{role_name}");
        assert_eq!(
            role.arn,
            format!("arn:aws:iam::{ACCOUNT}:role/{role_in_arn}")
        );
        let fill = Fill {
            parallelcluster_role: &role_in_arn,
            ..Fill::new(REGION)
        };
        let (instance_file, user_file) = final_guide_files(scheduler);

        let user_policy = format!("lab-{PC_USER_POLICY}");
        let generated = policy_document(&plan, &user_policy);
        assert_matches_fixture(
            &format!("{user_policy} ({scheduler}, prefix lab-, path /onramp/)"),
            generated,
            user_file,
            final_fixture(user_file, &fill),
            &user_improvements(scheduler, REGION, Some(RESOURCES_BUCKET)),
        );
        // The statement that lets pcluster pass and manage the cluster's
        // roles names the planned role and the roles of the cluster's stacks.
        let sid = if scheduler == "awsbatch" {
            IAM_ROLE_SID
        } else {
            "IAMModify"
        };
        let named: Vec<Labeled> = statements(generated)
            .into_iter()
            .filter(|s| s.label.starts_with(&format!("{sid} ")))
            .collect();
        assert_eq!(named.len(), 1, "{scheduler}: one {sid}");
        assert_eq!(
            named[0].statement.resources,
            BTreeSet::from([
                role.arn.clone(),
                format!("arn:aws:iam::{ACCOUNT}:role/parallelcluster-*")
            ]),
            "{scheduler}: {sid}"
        );

        let instance_policy = format!("lab-{PC_INSTANCE_POLICY}");
        assert_matches_fixture(
            &format!("{instance_policy} ({scheduler}, prefix lab-, path /onramp/)"),
            policy_document(&plan, &instance_policy),
            instance_file,
            final_fixture(instance_file, &fill),
            &instance_improvements(scheduler, REGION, Some(RESOURCES_BUCKET), &role.arn),
        );
    }
}

// ---------------------------------------------------------------------------
// ParallelCluster 2: the fixes the final guide brings, each in the words of
// what it fixes (these failed on the 2019 seed's documents).

/// The Allow statements of a document that grant `action` (a lowercase
/// action name) without a condition.
pub(super) fn unconditional_grants<'a>(all: &'a [Labeled], action: &str) -> Vec<&'a Labeled> {
    all.iter()
        .filter(|s| {
            s.statement.effect == "Allow"
                && s.statement.condition.is_empty()
                && s.statement.other.is_empty()
                && s.statement
                    .actions
                    .iter()
                    .any(|p| action_matches(p, action))
        })
        .collect()
}

pub(super) fn lab_parallelcluster_plan(region: &str, scheduler: &str) -> (Plan, String) {
    let plan = plan_of(&Answers {
        name_prefix: "lab-".into(),
        path: "/onramp/".into(),
        ..parallelcluster_answers(region, scheduler, Some(RESOURCES_BUCKET))
    });
    let role_arn = resource(
        &plan,
        EntityKind::Role,
        &format!("lab-{PARALLELCLUSTER_ROLE}"),
    )
    .arn
    .clone();
    (plan, role_arn)
}

#[test]
pub(super) fn parallelcluster_awsbatch_user_policy_lets_pcluster_pass_the_planned_role() {
    for region in [REGION, CHINA_REGION, GOVCLOUD_REGION] {
        let (plan, role_arn) = lab_parallelcluster_plan(region, "awsbatch");
        let all = statements(policy_document(&plan, &format!("lab-{PC_USER_POLICY}")));
        let passing: Vec<&Labeled> = unconditional_grants(&all, PASS_ROLE)
            .into_iter()
            .filter(|s| s.statement.resources.iter().any(|r| glob(r, &role_arn)))
            .collect();
        assert!(
            !passing.is_empty(),
            "awsbatch ({region}): the user policy must let pcluster pass {role_arn}, the role set as ec2_iam_role"
        );
        assert!(
            passing.iter().any(|s| s.label.starts_with(IAM_ROLE_SID)),
            "awsbatch ({region}): statement {IAM_ROLE_SID} passes it"
        );
    }
}

#[test]
pub(super) fn parallelcluster_traditional_user_policy_creates_only_the_fsx_service_linked_roles() {
    for region in [REGION, CHINA_REGION, GOVCLOUD_REGION] {
        for scheduler in TRADITIONAL_SCHEDULERS {
            let (plan, role_arn) = lab_parallelcluster_plan(region, scheduler);
            let all = statements(policy_document(&plan, &format!("lab-{PC_USER_POLICY}")));
            let granting: Vec<&Labeled> = all
                .iter()
                .filter(|s| {
                    s.statement
                        .actions
                        .iter()
                        .any(|a| action_matches(a, "iam:CreateServiceLinkedRole"))
                })
                .collect();
            let context = format!("{scheduler} ({region})");
            assert_eq!(
                granting.len(),
                1,
                "{context}: one statement grants iam:CreateServiceLinkedRole"
            );
            let s = &granting[0].statement;
            assert_eq!(s.effect, "Allow", "{context}");
            assert_eq!(
                s.resources,
                BTreeSet::from([format!(
                    "arn:{}:iam::{ACCOUNT}:role/aws-service-role/*",
                    partition_of(region)
                )]),
                "{context}: service-linked roles live under role/aws-service-role/; the EC2 role {role_arn} is none"
            );
            let condition: Value =
                serde_json::from_str(&s.condition).expect("the statement has a Condition");
            let operators: Vec<&String> = condition
                .as_object()
                .expect("a Condition is an object")
                .keys()
                .collect();
            assert_eq!(operators.len(), 1, "{context}: {condition}");
            assert!(
                ["StringEquals", "StringLike"].contains(&operators[0].as_str()),
                "{context}: {condition}"
            );
            assert_eq!(
                string_set(
                    condition[operators[0].as_str()].get("iam:AWSServiceName"),
                    "iam:AWSServiceName"
                ),
                BTreeSet::from([
                    "fsx.amazonaws.com".to_owned(),
                    "s3.data-source.lustre.fsx.amazonaws.com".to_owned()
                ]),
                "{context}: only FSx's service-linked roles"
            );
        }
    }
}

#[test]
pub(super) fn parallelcluster_head_node_may_pass_the_planned_role_to_ec2_in_every_partition() {
    for region in [REGION, CHINA_REGION, GOVCLOUD_REGION] {
        for scheduler in TRADITIONAL_SCHEDULERS {
            let (plan, role_arn) = lab_parallelcluster_plan(region, scheduler);
            let context = format!("{scheduler} ({region})");
            let all = statements(policy_document(&plan, &format!("lab-{PC_INSTANCE_POLICY}")));
            let passing: Vec<&Labeled> = all
                .iter()
                .filter(|s| {
                    s.statement.effect == "Allow"
                        && s.statement
                            .actions
                            .iter()
                            .any(|a| action_matches(a, PASS_ROLE))
                })
                .collect();
            assert!(
                passing
                    .iter()
                    .any(|s| s.statement.resources.iter().any(|r| glob(r, &role_arn))),
                "{context}: the head node launches compute nodes with {role_arn}, so it must be allowed to pass it"
            );
            for s in passing {
                let condition: Value =
                    serde_json::from_str(&s.statement.condition).unwrap_or_else(|_| {
                        panic!("{context}: {} passes roles without a condition", s.label)
                    });
                let services = string_set(
                    condition
                        .get("StringEquals")
                        .and_then(|c| c.get(PASSED_TO_SERVICE)),
                    PASSED_TO_SERVICE,
                );
                assert_eq!(
                    services,
                    BTreeSet::from([EC2_SERVICE.to_owned(), EC2_SERVICE_CHINA.to_owned()]),
                    "{context}: {} passes roles to EC2, under both of its names",
                    s.label
                );
                assert_eq!(
                    s.statement.resources,
                    BTreeSet::from([role_arn.clone()]),
                    "{context}: {} passes only the cluster's role",
                    s.label
                );
            }
        }
    }
}

#[test]
pub(super) fn parallelcluster_head_node_may_launch_compute_nodes_in_its_account_and_region() {
    for region in [REGION, CHINA_REGION, GOVCLOUD_REGION] {
        for scheduler in TRADITIONAL_SCHEDULERS {
            let (plan, _) = lab_parallelcluster_plan(region, scheduler);
            let context = format!("{scheduler} ({region})");
            let all = statements(policy_document(&plan, &format!("lab-{PC_INSTANCE_POLICY}")));
            let launching = unconditional_grants(&all, "ec2:RunInstances");
            assert_eq!(
                launching.len(),
                1,
                "{context}: one statement launches instances"
            );
            let p = partition_of(region);
            let own = |kind: &str| format!("arn:{p}:ec2:{region}:{ACCOUNT}:{kind}/*");
            let mut expected: BTreeSet<String> = [
                "subnet",
                "network-interface",
                "instance",
                "volume",
                "key-pair",
                "security-group",
                "launch-template",
                "placement-group",
            ]
            .into_iter()
            .map(own)
            .collect();
            // AMIs belong to their publisher, so their ARNs have no account.
            expected.insert(format!("arn:{p}:ec2:{region}::image/*"));
            assert_eq!(
                launching[0].statement.resources, expected,
                "{context}: RunInstances in this account and region only, on any subnet, AMI and key pair"
            );
            assert!(
                !unconditional_grants(&all, "ec2:TerminateInstances").is_empty(),
                "{context}: the head node terminates the compute nodes it launched"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// ParallelCluster 2: from the seed's 2019 text to the final guide, for the
// record. Every grant (action on resource) of the seed's documents is still
// allowed by onramp's documents without a condition, or is listed here with
// why it is gone.

/// A grant of the seed that onramp's documents no longer allow.
pub(super) struct Gone {
    seed: &'static str,
    /// The seed statement's Sid.
    statement: &'static str,
    /// The actions that are gone; empty for all of the statement's.
    actions: &'static [&'static str],
    schedulers: &'static [&'static str],
    why: &'static str,
}

pub(super) const SLURM_SCALES_ITSELF: &str = "2.9.0: Slurm clusters no longer scale through an Auto Scaling group, SQS and SNS; the head node launches and terminates compute nodes itself (EC2RunInstances). The final guide keeps these grants in its SGE/Torque policies only";

pub(super) const GONE: [Gone; 14] = [
    Gone {
        seed: PC_INSTANCE_TRADITIONAL_SEED,
        statement: "SQSQueue",
        actions: &[],
        schedulers: &["slurm"],
        why: SLURM_SCALES_ITSELF,
    },
    Gone {
        seed: PC_INSTANCE_TRADITIONAL_SEED,
        statement: "Autoscaling",
        actions: &[],
        schedulers: &["slurm"],
        why: SLURM_SCALES_ITSELF,
    },
    Gone {
        seed: PC_INSTANCE_TRADITIONAL_SEED,
        statement: "SQSList",
        actions: &[],
        schedulers: &["slurm"],
        why: SLURM_SCALES_ITSELF,
    },
    Gone {
        seed: PC_INSTANCE_TRADITIONAL_SEED,
        statement: "S3PutObj",
        actions: &[],
        schedulers: &TRADITIONAL_SCHEDULERS,
        why: "removed from the guide in 2.7.0 (0736a61); its `arn:aws:s3:::NONE/batch/*` matched no bucket anyway",
    },
    Gone {
        seed: PC_INSTANCE_TRADITIONAL_SEED,
        statement: "BatchJobPassRole",
        actions: &[],
        schedulers: &TRADITIONAL_SCHEDULERS,
        why: "replaced in the guide by IAMPassRole (95b33d6), which passes roles to EC2 only; onramp narrows it to the cluster's own role, which role/parallelcluster-* never matched",
    },
    Gone {
        seed: PC_USER_TRADITIONAL_SEED,
        statement: "AutoScalingDescribe",
        actions: &[],
        schedulers: &["slurm"],
        why: SLURM_SCALES_ITSELF,
    },
    Gone {
        seed: PC_USER_TRADITIONAL_SEED,
        statement: "AutoScalingModify",
        actions: &[
            "autoscaling:PutNotificationConfiguration",
            "autoscaling:UpdateAutoScalingGroup",
            "autoscaling:PutScalingPolicy",
            "autoscaling:DescribeScalingActivities",
            "autoscaling:DeleteAutoScalingGroup",
            "autoscaling:DeletePolicy",
            "autoscaling:DisableMetricsCollection",
            "autoscaling:EnableMetricsCollection",
        ],
        schedulers: &["slurm"],
        why: "2.9.0, as above; the guide's Slurm statement ScalingModify keeps the launch template actions and autoscaling:CreateAutoScalingGroup",
    },
    Gone {
        seed: PC_USER_TRADITIONAL_SEED,
        statement: "SQSDescribe",
        actions: &[],
        schedulers: &["slurm"],
        why: SLURM_SCALES_ITSELF,
    },
    Gone {
        seed: PC_USER_TRADITIONAL_SEED,
        statement: "SQSModify",
        actions: &[],
        schedulers: &["slurm"],
        why: SLURM_SCALES_ITSELF,
    },
    Gone {
        seed: PC_USER_TRADITIONAL_SEED,
        statement: "SNSDescribe",
        actions: &[],
        schedulers: &["slurm"],
        why: SLURM_SCALES_ITSELF,
    },
    Gone {
        seed: PC_USER_TRADITIONAL_SEED,
        statement: "SNSModify",
        actions: &[],
        schedulers: &["slurm"],
        why: SLURM_SCALES_ITSELF,
    },
    Gone {
        seed: PC_USER_TRADITIONAL_SEED,
        statement: "IAMModify",
        actions: &["iam:CreateServiceLinkedRole"],
        schedulers: &TRADITIONAL_SCHEDULERS,
        why: "moved in the guide to IAMServiceLinkedRole (2797b67): on role/aws-service-role/* and for FSx's service-linked roles only; on the EC2 role's ARN it matched no service-linked role",
    },
    Gone {
        seed: PC_USER_AWSBATCH_SEED,
        statement: "IAMInstanceProfile",
        actions: &["iam:PassRole"],
        schedulers: &["awsbatch"],
        why: "left out by onramp (the final guide still has it): PassRole is checked against role ARNs, so on instance-profile/* it allowed nothing",
    },
    Gone {
        seed: PC_USER_AWSBATCH_SEED,
        statement: "S3ResourcesBucket",
        actions: &[],
        schedulers: &["awsbatch"],
        why: "the final guide grants it on `<RESOURCES S3 BUCKET>`, not on parallelcluster-*; onramp requires that bucket with awsbatch (set as cluster_resource_bucket), so the grant is on it",
    },
];

/// Whether an Allow statement grants `action` on `resource` without a condition.
pub(super) fn still_allowed(generated: &[Labeled], action: &str, resource: &str) -> bool {
    unconditional_grants(generated, action)
        .iter()
        .any(|s| s.statement.resources.iter().any(|r| glob(r, resource)))
}

#[test]
pub(super) fn parallelcluster_seed_grants_are_still_allowed_or_gone_for_a_stated_reason() {
    for g in &GONE {
        assert!(!g.why.is_empty(), "{} {}: a reason", g.seed, g.statement);
    }
    let mut used: BTreeSet<usize> = BTreeSet::new();
    for region in [REGION, CHINA_REGION] {
        for scheduler in ALL_SCHEDULERS {
            let plan = plan_of(&parallelcluster_answers(
                region,
                scheduler,
                Some(RESOURCES_BUCKET),
            ));
            let (instance_seed, user_seed) = seed_files(scheduler);
            for (seed_file, policy) in [
                (instance_seed, PC_INSTANCE_POLICY),
                (user_seed, PC_USER_POLICY),
            ] {
                let context = format!("{policy} ({scheduler}, {region}) vs seed {seed_file}");
                let seed = fixture(seed_file, &Fill::new(region));
                let generated = statements(policy_document(&plan, policy));
                let mut not_allowed: BTreeSet<(String, String)> = BTreeSet::new();
                let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
                for (i, raw) in raw_statements(&seed).iter().enumerate() {
                    let sid = raw
                        .get("Sid")
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("Statement[{i}]"), str::to_owned);
                    // The seed hard-codes the aws partition.
                    let mut raw = raw.clone();
                    if let Some(Improvement::Partition(p)) = partition_improvement(region).first() {
                        rewrite_strings(&mut raw, &mut |s| {
                            s.strip_prefix("arn:aws:")
                                .map(|rest| format!("arn:{p}:{rest}"))
                        });
                    }
                    let n = normalize(&raw, &sid);
                    for action in &n.actions {
                        if n.resources
                            .iter()
                            .any(|r| !still_allowed(&generated, action, r))
                        {
                            not_allowed.insert((sid.clone(), action.clone()));
                        }
                    }
                    for (at, g) in GONE.iter().enumerate().filter(|(_, g)| {
                        g.seed == seed_file
                            && g.statement == sid
                            && g.schedulers.contains(&scheduler)
                    }) {
                        used.insert(at);
                        if g.actions.is_empty() {
                            expected.extend(n.actions.iter().map(|a| (sid.clone(), a.clone())));
                        } else {
                            for a in g.actions {
                                let a = a.to_lowercase();
                                assert!(n.actions.contains(&a), "{context}: {sid} lists {a}");
                                expected.insert((sid.clone(), a));
                            }
                        }
                    }
                }
                assert_eq!(
                    not_allowed, expected,
                    "{context}: the seed's grants onramp no longer allows must be exactly those listed as gone, with their reasons"
                );
            }
        }
    }
    assert_eq!(
        used.len(),
        GONE.len(),
        "every entry of GONE names a statement of its seed"
    );
}

// ---------------------------------------------------------------------------
// Roles: trust principals and attached ARNs

pub(super) fn role_spec(role: &Resource) -> (&Value, &Vec<String>) {
    match &role.spec {
        Spec::Role(RoleSpec {
            trust_policy,
            managed_policy_arns,
            ..
        }) => (trust_policy, managed_policy_arns),
        other => panic!("{} is not a role: {other:?}", role.name),
    }
}

/// The names a role trusted by EC2 lists: in China EC2 is also
/// `ec2.amazonaws.com.cn`.
pub(super) fn ec2_principals(region: &str) -> Vec<&'static str> {
    if partition_of(region) == "aws-cn" {
        vec![EC2_SERVICE, EC2_SERVICE_CHINA]
    } else {
        vec![EC2_SERVICE]
    }
}

/// The role may be assumed by `services` (one service's names) and by
/// nothing else.
pub(super) fn assert_trusted_by(role: &Resource, services: &[&str]) {
    let (trust, _) = role_spec(role);
    assert_eq!(
        trust["Version"], "2012-10-17",
        "{}: trust policy version",
        role.name
    );
    let raw = raw_statements(trust);
    assert_eq!(raw.len(), 1, "{}: one trust statement: {trust}", role.name);
    let statement = normalize(&raw[0], &role.name);
    assert_eq!(statement.effect, "Allow", "{}: trust effect", role.name);
    assert_eq!(
        statement.actions,
        BTreeSet::from(["sts:assumerole".to_owned()]),
        "{}: trust action",
        role.name
    );
    assert!(
        statement.resources.is_empty(),
        "{}: a trust policy has no Resource",
        role.name
    );
    assert!(
        statement.condition.is_empty(),
        "{}: no trust condition",
        role.name
    );
    let principal = raw[0]["Principal"]
        .as_object()
        .unwrap_or_else(|| panic!("{}: Principal must be an object: {trust}", role.name));
    assert_eq!(
        principal.keys().collect::<Vec<_>>(),
        ["Service"],
        "{}: only a service principal",
        role.name
    );
    assert_eq!(
        string_set(principal.get("Service"), &role.name),
        services
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<BTreeSet<String>>(),
        "{}: trusted service",
        role.name
    );
    assert_eq!(
        statement.other.keys().collect::<Vec<_>>(),
        ["Principal"],
        "{}: nothing but Principal besides Effect and Action",
        role.name
    );
}

/// Exactly these ARNs attached, each once.
pub(super) fn assert_attached(role: &Resource, expected: &[String]) {
    let (_, attached) = role_spec(role);
    let mut got = attached.clone();
    got.sort();
    let mut want = expected.to_vec();
    want.sort();
    assert_eq!(got, want, "{}: attached managed policies", role.name);
}

pub(super) fn assert_instance_profile(plan: &Plan, name: &str, role: &str, arn: &str) {
    let profile = resource(plan, EntityKind::InstanceProfile, name);
    assert_eq!(profile.arn, arn, "instance profile {name}: ARN");
    match &profile.spec {
        Spec::InstanceProfile(InstanceProfileSpec { roles }) => {
            assert_eq!(roles, &[role.to_owned()], "instance profile {name}: roles");
        }
        other => panic!("{name} is not an instance profile: {other:?}"),
    }
}

/// Builds the expected ARNs of one account, path and prefix.
pub(super) struct Arns {
    partition: &'static str,
    path: &'static str,
    prefix: &'static str,
}

impl Arns {
    fn own(&self, segment: &str, name: &str) -> String {
        format!(
            "arn:{}:iam::{ACCOUNT}:{segment}{}{}{name}",
            self.partition, self.path, self.prefix
        )
    }

    fn role(&self, name: &str) -> String {
        self.own("role", name)
    }

    fn policy(&self, name: &str) -> String {
        self.own("policy", name)
    }

    fn instance_profile(&self, name: &str) -> String {
        self.own("instance-profile", name)
    }

    fn aws_managed(&self, path_and_name: &str) -> String {
        format!("arn:{}:iam::aws:policy/{path_and_name}", self.partition)
    }

    fn name(&self, base: &str) -> String {
        format!("{}{base}", self.prefix)
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Toggles {
    public_data_read: bool,
    ebs_autoscale: bool,
    spot: bool,
    job_role: bool,
}

pub(super) fn genomics_toml(region: &str, t: Toggles, extra_job_policy: &str) -> String {
    let job_role_policy_arns = if t.job_role {
        format!("[\"{extra_job_policy}\"]")
    } else {
        "[]".to_owned()
    };
    format!(
        r#"
region = "{region}"
account_id = "{ACCOUNT}"
name_prefix = "lab-"
path = "/onramp/"

[genomics]
buckets = ["{BUCKET}", "{OTHER_BUCKET}"]
public_data_read = {}
ebs_autoscale = {}
spot = {}
job_role = {}
job_role_policy_arns = {job_role_policy_arns}
"#,
        t.public_data_read, t.ebs_autoscale, t.spot, t.job_role
    )
}

/// Asserts every genomics role, instance profile and policy of a plan made
/// from `genomics_toml(region, t, …)`.
pub(super) fn assert_genomics_roles(region: &str, t: Toggles) {
    let arns = Arns {
        partition: partition_of(region),
        path: "/onramp/",
        prefix: "lab-",
    };
    let extra_job_policy = arns.aws_managed("AmazonDynamoDBReadOnlyAccess");
    let plan = plan_of_toml(&genomics_toml(region, t, &extra_job_policy));
    let context = format!("{region} {t:?}");

    // The policies: the bucket policy (one, for two buckets) and the EBS one.
    let bucket_policy = arns.name(&format!("s3bucket-access-{region}"));
    let ebs_policy = arns.name(EBS_POLICY);
    let mut expected_policies = BTreeSet::from([bucket_policy.clone()]);
    if t.ebs_autoscale {
        expected_policies.insert(ebs_policy.clone());
    }
    assert_eq!(
        names_of(&plan, EntityKind::ManagedPolicy),
        expected_policies,
        "{context}: policies"
    );
    let bucket_policy_arn = arns.policy(&format!("s3bucket-access-{region}"));
    let ebs_policy_arn = arns.policy(EBS_POLICY);
    assert_eq!(
        resource(&plan, EntityKind::ManagedPolicy, &bucket_policy).arn,
        bucket_policy_arn
    );
    if t.ebs_autoscale {
        assert_eq!(
            resource(&plan, EntityKind::ManagedPolicy, &ebs_policy).arn,
            ebs_policy_arn
        );
    }

    // The roles.
    let mut expected_roles = BTreeSet::from([
        arns.name("AWSBatchServiceRole"),
        arns.name("ecsInstanceRole"),
    ]);
    if t.spot {
        expected_roles.insert(arns.name("AWSSpotFleetTaggingRole"));
    }
    if t.job_role {
        expected_roles.insert(arns.name("BatchJobRole"));
    }
    assert_eq!(
        names_of(&plan, EntityKind::Role),
        expected_roles,
        "{context}: roles"
    );

    let batch = resource(&plan, EntityKind::Role, &arns.name("AWSBatchServiceRole"));
    assert_eq!(batch.arn, arns.role("AWSBatchServiceRole"));
    assert_eq!(batch.path, "/onramp/");
    assert_trusted_by(batch, &["batch.amazonaws.com"]);
    assert_attached(
        batch,
        &[arns.aws_managed("service-role/AWSBatchServiceRole")],
    );

    let instance = resource(&plan, EntityKind::Role, &arns.name("ecsInstanceRole"));
    assert_eq!(instance.arn, arns.role("ecsInstanceRole"));
    assert_eq!(instance.path, "/onramp/");
    assert_trusted_by(instance, &ec2_principals(region));
    let mut instance_policies =
        vec![arns.aws_managed("service-role/AmazonEC2ContainerServiceforEC2Role")];
    if t.public_data_read {
        instance_policies.push(arns.aws_managed("AmazonS3ReadOnlyAccess"));
    }
    instance_policies.push(bucket_policy_arn.clone());
    if t.ebs_autoscale {
        instance_policies.push(ebs_policy_arn.clone());
    }
    assert_attached(instance, &instance_policies);

    assert_eq!(
        names_of(&plan, EntityKind::InstanceProfile),
        BTreeSet::from([arns.name("ecsInstanceRole")]),
        "{context}: instance profiles"
    );
    assert_instance_profile(
        &plan,
        &arns.name("ecsInstanceRole"),
        &arns.name("ecsInstanceRole"),
        &arns.instance_profile("ecsInstanceRole"),
    );

    if t.spot {
        let spot = resource(
            &plan,
            EntityKind::Role,
            &arns.name("AWSSpotFleetTaggingRole"),
        );
        assert_eq!(spot.arn, arns.role("AWSSpotFleetTaggingRole"));
        assert_trusted_by(spot, &["spotfleet.amazonaws.com"]);
        assert_attached(
            spot,
            &[arns.aws_managed("service-role/AmazonEC2SpotFleetTaggingRole")],
        );
    }

    if t.job_role {
        let job = resource(&plan, EntityKind::Role, &arns.name("BatchJobRole"));
        assert_eq!(job.arn, arns.role("BatchJobRole"));
        assert_trusted_by(job, &["ecs-tasks.amazonaws.com"]);
        assert_attached(job, &[bucket_policy_arn, extra_job_policy]);
    }
}

#[test]
pub(super) fn genomics_roles_trust_their_service_and_attach_the_documented_policies() {
    let all_on = Toggles {
        public_data_read: true,
        ebs_autoscale: true,
        spot: true,
        job_role: true,
    };
    for region in [REGION, CHINA_REGION] {
        assert_genomics_roles(region, all_on);
    }

    // The ARN builder above, spelled out once: path and prefix in place.
    let plan = plan_of_toml(&genomics_toml(
        REGION,
        all_on,
        "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
    ));
    let instance = resource(&plan, EntityKind::Role, "lab-ecsInstanceRole");
    assert_eq!(
        instance.arn,
        "arn:aws:iam::210987654321:role/onramp/lab-ecsInstanceRole"
    );
    assert_eq!(
        resource(&plan, EntityKind::InstanceProfile, "lab-ecsInstanceRole").arn,
        "arn:aws:iam::210987654321:instance-profile/onramp/lab-ecsInstanceRole"
    );
    let attached = role_spec(instance).1;
    for arn in [
        "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "arn:aws:iam::210987654321:policy/onramp/lab-s3bucket-access-eu-west-2",
        "arn:aws:iam::210987654321:policy/onramp/lab-ebs-autoscale-policy",
    ] {
        assert!(
            attached.iter().any(|a| a == arn),
            "lab-ecsInstanceRole lacks {arn}: {attached:?}"
        );
    }
}

#[test]
pub(super) fn genomics_role_attachments_follow_every_toggle() {
    for bits in 0..16u8 {
        let t = Toggles {
            public_data_read: bits & 1 != 0,
            ebs_autoscale: bits & 2 != 0,
            spot: bits & 4 != 0,
            job_role: bits & 8 != 0,
        };
        assert_genomics_roles(REGION, t);
    }
}

#[test]
pub(super) fn parallelcluster_role_is_trusted_by_ec2_with_the_instance_policy_and_its_profile() {
    for region in [REGION, CHINA_REGION] {
        for scheduler in ALL_SCHEDULERS {
            for with_genomics in [false, true] {
                let arns = Arns {
                    partition: partition_of(region),
                    path: "/onramp/",
                    prefix: "lab-",
                };
                let mut answers = Answers {
                    name_prefix: "lab-".into(),
                    path: "/onramp/".into(),
                    ..parallelcluster_answers(region, scheduler, Some(RESOURCES_BUCKET))
                };
                if with_genomics {
                    answers.genomics = genomics_answers(region, &[BUCKET]).genomics;
                }
                let plan = plan_of(&answers);
                let context = format!("{scheduler} {region} genomics={with_genomics}");

                let role_name = arns.name(PARALLELCLUSTER_ROLE);
                let role = resource(&plan, EntityKind::Role, &role_name);
                assert_eq!(role.arn, arns.role(PARALLELCLUSTER_ROLE), "{context}");
                assert_eq!(role.path, "/onramp/", "{context}");
                assert_trusted_by(role, &ec2_principals(region));
                let instance_policy = resource(
                    &plan,
                    EntityKind::ManagedPolicy,
                    &arns.name(PC_INSTANCE_POLICY),
                );
                assert_eq!(
                    instance_policy.arn,
                    arns.policy(PC_INSTANCE_POLICY),
                    "{context}"
                );
                assert_attached(role, &[arns.policy(PC_INSTANCE_POLICY)]);
                assert_instance_profile(
                    &plan,
                    &role_name,
                    &role_name,
                    &arns.instance_profile(PARALLELCLUSTER_ROLE),
                );

                // The user policy is for people: attached to no role.
                let user_policy =
                    resource(&plan, EntityKind::ManagedPolicy, &arns.name(PC_USER_POLICY));
                assert_eq!(user_policy.arn, arns.policy(PC_USER_POLICY), "{context}");
                for r in plan
                    .resources
                    .iter()
                    .filter(|r| r.kind() == EntityKind::Role)
                {
                    assert!(
                        !role_spec(r).1.contains(&user_policy.arn),
                        "{context}: {} must not have {}",
                        r.name,
                        user_policy.arn
                    );
                }

                if !with_genomics {
                    assert_eq!(
                        names_of(&plan, EntityKind::Role),
                        BTreeSet::from([role_name.clone()]),
                        "{context}: roles"
                    );
                    assert_eq!(
                        names_of(&plan, EntityKind::ManagedPolicy),
                        BTreeSet::from([arns.name(PC_INSTANCE_POLICY), arns.name(PC_USER_POLICY)]),
                        "{context}: policies"
                    );
                    assert_eq!(
                        names_of(&plan, EntityKind::InstanceProfile),
                        BTreeSet::from([role_name.clone()]),
                        "{context}: instance profiles"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The comparison itself must catch what it is meant to catch.

#[test]
pub(super) fn the_comparison_catches_a_changed_action_resource_effect_or_condition() {
    let seed = fixture(PC_USER_AWSBATCH_SEED, &Fill::new(REGION));
    assert!(statement_differences(&seed, &seed).is_none());

    // Case of action names and string-vs-list forms do not matter…
    let mut same = seed.clone();
    statements_mut(&mut same)[0]["Action"][0] = Value::String("EC2:describekeypairs".into());
    let resource = seed["Statement"][2]["Resource"].clone();
    assert!(resource.is_string());
    same["Statement"][2]["Resource"] = Value::Array(vec![resource]);
    if let Some(statement) = same["Statement"][2].as_object_mut() {
        statement.remove("Sid");
    }
    assert!(
        statement_differences(&same, &seed).is_none(),
        "{:?}",
        statement_differences(&same, &seed)
    );

    // …but every part of a statement does.
    type Change = (&'static str, fn(&mut Value));
    let changes: [Change; 5] = [
        ("an extra action", |d| {
            statements_mut(d)[0]["Action"]
                .as_array_mut()
                .expect("list")
                .push(Value::String("ec2:DeleteVpc".into()));
        }),
        ("a resource", |d| {
            statements_mut(d)[2]["Resource"] = Value::String("*".into());
        }),
        ("the effect", |d| {
            statements_mut(d)[1]["Effect"] = Value::String("Deny".into());
        }),
        ("a condition", |d| {
            statements_mut(d)[1]["Condition"] =
                serde_json::json!({"Bool": {"aws:SecureTransport": "true"}});
        }),
        ("a missing statement", |d| {
            statements_mut(d).pop();
        }),
    ];
    for (what, change) in changes {
        let mut changed = seed.clone();
        change(&mut changed);
        assert!(
            statement_differences(&changed, &seed).is_some(),
            "the comparison misses {what}"
        );
    }
}

#[test]
pub(super) fn the_awsbatch_user_policy_improvements_are_needed_and_change_nothing_else() {
    let plan = plan_of(&parallelcluster_answers(
        REGION,
        "awsbatch",
        Some(RESOURCES_BUCKET),
    ));
    let generated = policy_document(&plan, PC_USER_POLICY).clone();
    let file = final_guide_files("awsbatch").1;
    let guide = final_fixture(file, &Fill::new(REGION));

    // The guide as published differs, in the statements concerned.
    let report = statement_differences(&generated, &guide)
        .expect("the generated policy must differ from the guide as published");
    for sid in [
        CLOUDFORMATION_SID,
        CLOUDFORMATION_LIST_SID,
        IAM_INSTANCE_PROFILE_SID,
    ] {
        assert!(report.contains(sid), "the report names {sid}:\n{report}");
    }

    // No improvement alone is enough; all together are, and each is needed.
    let improvements = user_improvements("awsbatch", REGION, Some(RESOURCES_BUCKET));
    for only in &improvements {
        let mut fixture = guide.clone();
        only.apply(&mut fixture);
        assert!(
            statement_differences(&generated, &fixture).is_some(),
            "`{}` alone must not make the documents equal",
            only.name()
        );
    }
    assert_each_improvement_is_needed(
        "awsbatch user policy",
        &generated,
        file,
        &guide,
        &improvements,
    );
    let improved = improved("awsbatch user policy", file, guide.clone(), &improvements);
    assert!(
        statement_differences(&generated, &improved).is_none(),
        "{:?}",
        statement_differences(&generated, &improved)
    );

    // Anything else that differs still fails, in and around those statements.
    type Change = (&'static str, fn(&mut Value));
    let changes: [Change; 9] = [
        ("ListStacks also kept in CloudFormation", |d| {
            statement_by_sid(d, CLOUDFORMATION_SID)["Action"]
                .as_array_mut()
                .expect("list")
                .push(Value::String("cloudformation:ListStacks".into()));
        }),
        ("ListStacks on the stack ARN", |d| {
            let stack = statement_by_sid(d, CLOUDFORMATION_SID)["Resource"].clone();
            statement_by_sid(d, CLOUDFORMATION_LIST_SID)["Resource"] = stack;
        }),
        ("another action beside ListStacks", |d| {
            statement_by_sid(d, CLOUDFORMATION_LIST_SID)["Action"]
                .as_array_mut()
                .expect("list")
                .push(Value::String("cloudformation:ListExports".into()));
        }),
        ("CloudFormationList left out", |d| {
            statements_mut(d)
                .retain(|s| s.get("Sid").and_then(Value::as_str) != Some(CLOUDFORMATION_LIST_SID));
        }),
        ("PassRole still on instance-profile/*", |d| {
            statement_by_sid(d, IAM_INSTANCE_PROFILE_SID)["Action"]
                .as_array_mut()
                .expect("list")
                .push(Value::String("iam:PassRole".into()));
        }),
        ("IAMInstanceProfile on \"*\"", |d| {
            statement_by_sid(d, IAM_INSTANCE_PROFILE_SID)["Resource"] = Value::String("*".into());
        }),
        ("PassRole dropped from IAMRole too", |d| {
            remove_action(statement_by_sid(d, IAM_ROLE_SID), PASS_ROLE);
        }),
        ("the EC2 role dropped from IAMRole", |d| {
            statement_by_sid(d, IAM_ROLE_SID)["Resource"]
                .as_array_mut()
                .expect("list")
                .retain(|r| r.as_str().is_some_and(|r| r.ends_with("parallelcluster-*")));
        }),
        ("an action of the merged statement dropped", |d| {
            remove_action(statement_by_sid(d, "AnyResource"), "ecr:*");
        }),
    ];
    for (what, change) in changes {
        let mut changed = generated.clone();
        change(&mut changed);
        assert_ne!(changed, generated, "{what}: the change changed nothing");
        assert!(
            statement_differences(&changed, &improved).is_some(),
            "the comparison misses {what}"
        );
    }
}

#[test]
pub(super) fn parallelcluster_user_policies_list_stacks_on_star_and_pass_only_roles() {
    for region in [REGION, CHINA_REGION] {
        for scheduler in ALL_SCHEDULERS {
            let plan = plan_of(&parallelcluster_answers(
                region,
                scheduler,
                Some(RESOURCES_BUCKET),
            ));
            let all = statements(policy_document(&plan, PC_USER_POLICY));
            assert!(
                all.iter().any(|s| s.statement.effect == "Allow"
                    && s.statement.actions.contains(LIST_STACKS)
                    && s.statement.resources.contains("*")),
                "{scheduler} ({region}): {LIST_STACKS} must be allowed on \"*\""
            );
            for s in &all {
                if s.statement.actions.contains(LIST_STACKS) {
                    assert_eq!(
                        s.statement.resources,
                        BTreeSet::from(["*".to_owned()]),
                        "{scheduler} ({region}) {}: {LIST_STACKS} only on \"*\"",
                        s.label
                    );
                }
                if s.statement.actions.contains(PASS_ROLE) {
                    assert!(
                        s.statement.resources.iter().all(|r| r.contains(":role/")),
                        "{scheduler} ({region}) {}: {PASS_ROLE} only on role ARNs: {:?}",
                        s.label,
                        s.statement.resources
                    );
                }
            }
        }
    }
}
