//! Intents: what each planned role and policy must allow for its workload to
//! run, each with the reason. A policy is only right when its intents hold;
//! `onramp verify`, the wizard's review and `apply` evaluate them.
//!
//! Pure: the plan and the answers in, a list of checks out. Resource ARNs
//! are concrete examples of what the workload touches (a key in a bucket, a
//! stack named as `pcluster` names it), so that a policy scoped too narrowly
//! fails as it would on AWS.

mod omics;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::answers::Release;
use crate::answers::{
    BatchServiceRole, Genomics, IamMode, ParallelCluster, Scheduler, ValidAnswers,
};
use crate::iam::arn::Arn;
use crate::iam::names::Slot;
use crate::iam::partition::{Partition, passed_to_service};
use crate::plan::Plan;
use crate::plan::parallelcluster3 as pc3;
use crate::templates::Template;

/// What an intent is checked against.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// A role of the plan: its trust policy, inline policies and attached
    /// managed policies together.
    Role { name: String },
    /// Managed policies of the plan that people attach together to whoever
    /// runs a tool (the `pcluster` user policies).
    Policies { label: String, names: Vec<String> },
}

impl Subject {
    fn role(name: String) -> Subject {
        Subject::Role { name }
    }

    /// How the subject is named in a table.
    pub fn label(&self) -> String {
        match self {
            Subject::Role { name } => format!("role {name}"),
            Subject::Policies { label, .. } => label.clone(),
        }
    }
}

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Check {
    /// The subject's permission policies allow `action` on `resource`
    /// given the request's condition keys.
    Allows {
        action: String,
        resource: String,
        context: BTreeMap<String, Vec<String>>,
    },
    /// The subject's permission policies refuse `action` on `resource`: a
    /// guard onramp adds must hold.
    Denies { action: String, resource: String },
    /// The role's trust policy lets `service` assume it, with the request's
    /// condition keys (the `aws:SourceAccount` and `aws:SourceArn` a
    /// service sends when it acts for the account, for trust policies that
    /// guard against the confused deputy).
    TrustedBy {
        service: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        context: BTreeMap<String, Vec<String>>,
    },
}

impl Check {
    /// The check in a few words: `s3:GetObject on arn:…`, `trusted by ec2.amazonaws.com`.
    pub fn describe(&self) -> String {
        match self {
            Check::Allows {
                action,
                resource,
                context,
            } => {
                let mut text = format!("{action} on {resource}");
                for (key, values) in context {
                    text.push_str(&format!(" with {key}={}", values.join("|")));
                }
                text
            }
            Check::Denies { action, resource } => format!("denies {action} on {resource}"),
            Check::TrustedBy { service, context } => {
                let mut text = format!("trusted by {service}");
                for (key, values) in context {
                    text.push_str(&format!(" with {key}={}", values.join("|")));
                }
                text
            }
        }
    }
}

/// What a resource must allow, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Intent {
    pub subject: Subject,
    pub check: Check,
    pub reason: String,
}

/// Condition keys with one value each, as a check holds them.
fn context_of(pairs: &[(&str, String)]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), vec![v.clone()]))
        .collect()
}

/// Every intent of the plan of `answers`.
pub fn intents(answers: &ValidAnswers, plan: &Plan) -> Vec<Intent> {
    let mut out = Intents {
        partition: plan.target.partition,
        region: plan.target.region.clone(),
        account: plan.target.account_id.clone(),
        list: Vec::new(),
    };
    if let Some(g) = answers.genomics() {
        out.genomics(answers, g);
    }
    if let Some((pc, scheduler)) = answers.parallelcluster() {
        if pc.is_v3() {
            out.parallelcluster3(answers, plan, pc, scheduler);
        } else {
            out.parallelcluster2(answers, plan, pc, scheduler);
        }
    }
    if let Some(o) = answers.omics() {
        out.omics(answers, o);
    }
    // Only intents whose subject the plan holds: a role the answers leave
    // out has nothing to prove.
    out.list.retain(|i| match &i.subject {
        Subject::Role { name } => plan
            .get(crate::iam::names::EntityKind::Role, name)
            .is_some(),
        Subject::Policies { names, .. } => names.iter().all(|n| {
            plan.get(crate::iam::names::EntityKind::ManagedPolicy, n)
                .is_some()
        }),
    });
    out.list
}

struct Intents {
    partition: Partition,
    region: String,
    account: String,
    list: Vec<Intent>,
}

impl Intents {
    fn arn(&self, service: &str, region: bool, rest: &str) -> String {
        let region = if region { self.region.as_str() } else { "" };
        let account = if service == "s3" {
            ""
        } else {
            self.account.as_str()
        };
        Arn::new(self.partition.as_str(), service, region, account, rest).to_string()
    }

    fn iam_arn(&self, rest: &str) -> String {
        self.arn("iam", false, rest)
    }

    fn s3(&self, rest: &str) -> String {
        Arn::s3(self.partition.as_str(), rest).to_string()
    }

    fn allows(&mut self, subject: &Subject, actions: &[&str], resource: &str, reason: &str) {
        self.allows_with(subject, actions, resource, &[], reason);
    }

    fn allows_with(
        &mut self,
        subject: &Subject,
        actions: &[&str],
        resource: &str,
        context: &[(&str, String)],
        reason: &str,
    ) {
        let context = context_of(context);
        for action in actions {
            self.list.push(Intent {
                subject: subject.clone(),
                check: Check::Allows {
                    action: (*action).to_owned(),
                    resource: resource.to_owned(),
                    context: context.clone(),
                },
                reason: reason.to_owned(),
            });
        }
    }

    fn denies(&mut self, subject: &Subject, action: &str, resource: &str, reason: &str) {
        self.list.push(Intent {
            subject: subject.clone(),
            check: Check::Denies {
                action: action.to_owned(),
                resource: resource.to_owned(),
            },
            reason: reason.to_owned(),
        });
    }

    /// Every name the service presents in this partition must be trusted.
    fn trusted_by(&mut self, subject: &Subject, service: &str, reason: &str) {
        self.trusted_by_with(subject, service, &[], reason);
    }

    /// [`Intents::trusted_by`], the service sending these condition keys.
    fn trusted_by_with(
        &mut self,
        subject: &Subject,
        service: &str,
        context: &[(&str, String)],
        reason: &str,
    ) {
        let context = context_of(context);
        for principal in self.partition.trust_principals(service) {
            self.list.push(Intent {
                subject: subject.clone(),
                check: Check::TrustedBy {
                    service: principal,
                    context: context.clone(),
                },
                reason: reason.to_owned(),
            });
        }
    }

    /// `iam:PassRole` of `role_arn` to `service`, under each name the
    /// service's `iam:PassedToService` takes.
    fn passes_role(&mut self, subject: &Subject, role_arn: &str, service: &str, reason: &str) {
        for value in passed_to_service(service) {
            self.allows_with(
                subject,
                &["iam:PassRole"],
                role_arn,
                &[("iam:PassedToService", value)],
                reason,
            );
        }
    }

    fn buckets(&mut self, subject: &Subject, g: &Genomics, who: &str) {
        for bucket in &g.buckets {
            let object = self.s3(&format!("{bucket}/onramp-verify/sample.bam"));
            self.allows(
                subject,
                &["s3:GetObject", "s3:PutObject"],
                &object,
                &format!("{who} read inputs from and write results to bucket {bucket}"),
            );
            let whole = self.s3(bucket);
            self.allows(
                subject,
                &["s3:ListBucket"],
                &whole,
                &format!(
                    "{who} list the keys of bucket {bucket} (workflow engines stage by prefix)"
                ),
            );
            for action in ["s3:DeleteBucket", "s3:PutBucketPolicy"] {
                self.denies(
                    subject,
                    action,
                    &whole,
                    &format!("statement KeepTheBuckets: {who} may not delete bucket {bucket} or replace its policy"),
                );
            }
        }
    }

    fn genomics(&mut self, answers: &ValidAnswers, g: &Genomics) {
        let instance = Subject::role(answers.name(Slot::InstanceRole));
        self.trusted_by(
            &instance,
            "ec2.amazonaws.com",
            "the Batch compute environment's EC2 instances take this role through its instance profile",
        );
        self.buckets(&instance, g, "jobs without a job role");
        self.allows(
            &instance,
            &[
                "ecs:RegisterContainerInstance",
                "ecs:DiscoverPollEndpoint",
                "ecs:Poll",
                "ecs:StartTelemetrySession",
                "ecs:SubmitTaskStateChange",
                "ecr:GetAuthorizationToken",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "*",
            "the ECS agent on each instance joins the Batch cluster, pulls images and sends job logs (AmazonEC2ContainerServiceforEC2Role)",
        );
        if g.ebs_autoscale {
            self.allows(
                &instance,
                &[
                    "ec2:CreateVolume",
                    "ec2:AttachVolume",
                    "ec2:DeleteVolume",
                    "ec2:CreateTags",
                    "ec2:DescribeTags",
                    "ec2:DescribeVolumes",
                    "ec2:DescribeVolumeStatus",
                    "ec2:DescribeVolumeAttribute",
                    "ec2:ModifyInstanceAttribute",
                ],
                "*",
                "amazon-ebs-autoscale grows the scratch file system with tagged EBS volumes and deletes them on termination",
            );
        }
        if g.public_data_read {
            let open_data = self.s3("1000genomes/phase3/README_phase3_callset_20150220");
            self.allows(
                &instance,
                &["s3:GetObject"],
                &open_data,
                "public data sets of the Registry of Open Data on AWS are read (AmazonS3ReadOnlyAccess)",
            );
        }
        if g.batch_service_role() == BatchServiceRole::Seed {
            let service = Subject::role(answers.name(Slot::BatchServiceRole));
            self.trusted_by(
                &service,
                "batch.amazonaws.com",
                "AWS Batch acts through this role",
            );
            self.allows(
                &service,
                &[
                    "ecs:CreateCluster",
                    "ec2:RunInstances",
                    "ec2:TerminateInstances",
                    "autoscaling:CreateAutoScalingGroup",
                    "ec2:RequestSpotFleet",
                ],
                "*",
                "AWS Batch creates the compute environment's ECS cluster and launches and ends its instances (AWSBatchServiceRole)",
            );
            let instance_arn = self.role_arn(answers, Slot::InstanceRole);
            self.passes_role(
                &service,
                &instance_arn,
                "ec2.amazonaws.com",
                "AWS Batch launches the instances with the instance role",
            );
        }
        if g.spot {
            let spot = Subject::role(answers.name(Slot::SpotFleetRole));
            self.trusted_by(
                &spot,
                "spotfleet.amazonaws.com",
                "Spot Fleet acts through this role for BEST_FIT Spot compute environments",
            );
            self.allows(
                &spot,
                &[
                    "ec2:RequestSpotInstances",
                    "ec2:RunInstances",
                    "ec2:CreateTags",
                    "ec2:TerminateInstances",
                ],
                "*",
                "Spot Fleet launches, tags and ends Spot Instances (AmazonEC2SpotFleetTaggingRole)",
            );
            let instance_arn = self.role_arn(answers, Slot::InstanceRole);
            self.passes_role(
                &spot,
                &instance_arn,
                "ec2.amazonaws.com",
                "Spot Fleet launches the instances with the instance role",
            );
        }
        if g.job_role {
            let job = Subject::role(answers.name(Slot::JobRole));
            self.trusted_by(
                &job,
                "ecs-tasks.amazonaws.com",
                "each Batch job's container takes this role as an ECS task",
            );
            self.buckets(&job, g, "jobs");
        }
    }

    /// The ARN the plan gives the role of `slot`.
    fn role_arn(&self, answers: &ValidAnswers, slot: Slot) -> String {
        let path = &answers.answers().path;
        self.iam_arn(&format!("role{path}{}", answers.name(slot)))
    }

    fn parallelcluster2(
        &mut self,
        answers: &ValidAnswers,
        plan: &Plan,
        pc: &ParallelCluster,
        scheduler: Scheduler,
    ) {
        let role_name = answers.name(Slot::ParallelClusterRole);
        let role = Subject::role(role_name.clone());
        let role_arn = plan
            .get(crate::iam::names::EntityKind::Role, &role_name)
            .map(|r| r.arn.clone())
            .unwrap_or_else(|| self.role_arn(answers, Slot::ParallelClusterRole));
        let user = Subject::Policies {
            label: "pcluster user".into(),
            names: vec![answers.name(Slot::ParallelClusterUserPolicy)],
        };
        self.trusted_by(
            &role,
            "ec2.amazonaws.com",
            "the cluster's instances take this role (ec2_iam_role) through its instance profile",
        );
        let stack = self.arn(
            "cloudformation",
            true,
            "stack/parallelcluster-demo/4e1a2b30-0000-11ef-8000-0123456789ab",
        );
        self.allows(
            &user,
            &[
                "cloudformation:CreateStack",
                "cloudformation:DescribeStacks",
                "cloudformation:DeleteStack",
            ],
            &stack,
            "pcluster create, status and delete manage the cluster's stack parallelcluster-NAME",
        );
        self.allows(
            &user,
            &[
                "ec2:RunInstances",
                "ec2:DescribeInstances",
                "ec2:CreateSecurityGroup",
            ],
            "*",
            "pcluster create launches the head node in its own security group",
        );
        self.passes_role(
            &user,
            &role_arn,
            "ec2.amazonaws.com",
            "ec2_iam_role names this role: pcluster passes it to the cluster's instances",
        );
        self.allows(
            &user,
            &["iam:GetRole"],
            &role_arn,
            "pcluster checks the ec2_iam_role it is given",
        );
        if scheduler == Scheduler::Awsbatch {
            self.allows(
                &user,
                &["batch:CreateComputeEnvironment", "batch:CreateJobQueue"],
                "*",
                "pcluster create makes the cluster's Batch compute environment and job queue",
            );
            if let Some(bucket) = &pc.resources_bucket {
                let object = self.s3(&format!("{bucket}/batch/job-1.sh"));
                self.allows(
                    &role,
                    &["s3:PutObject", "s3:GetObject"],
                    &object,
                    "awsbsub uploads each job's script to the resources bucket",
                );
            }
            self.allows(
                &role,
                &[
                    "batch:DescribeJobQueues",
                    "batch:DescribeJobs",
                    "ec2:DescribeInstances",
                ],
                "*",
                "awsbstat and awsbqueues read the cluster's queue and jobs",
            );
        } else {
            let table = self.arn("dynamodb", true, "table/parallelcluster-demo");
            self.allows(
                &role,
                &[
                    "ec2:DescribeInstances",
                    "ec2:AttachVolume",
                    "ec2:DescribeVolumes",
                ],
                "*",
                "the head node reads its cluster's instances and attaches the shared EBS volume",
            );
            self.allows(
                &role,
                &["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"],
                &table,
                "the node daemons keep the cluster's instances in the table parallelcluster-NAME",
            );
            let stack = self.arn(
                "cloudformation",
                true,
                "stack/parallelcluster-demo/4e1a2b30-0000-11ef-8000-0123456789ab",
            );
            self.allows(
                &role,
                &["cloudformation:DescribeStacks"],
                &stack,
                "the node daemons read the cluster's stack",
            );
            let dependencies = self.s3(&format!(
                "{}-aws-parallelcluster/templates/x.json",
                self.region
            ));
            self.allows(
                &role,
                &["s3:GetObject"],
                &dependencies,
                "instances fetch ParallelCluster's files from the regional bucket",
            );
            let fsx_role = self.iam_arn(
                "role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/AWSServiceRoleForFSxS3Access_fs-0123456789abcdef0",
            );
            self.allows_with(
                &user,
                &["iam:CreateServiceLinkedRole"],
                &fsx_role,
                &[("iam:AWSServiceName", "s3.data-source.lustre.fsx.amazonaws.com".to_owned())],
                "an FSx for Lustre file system linked to S3 needs its service-linked role, which pcluster creates",
            );
        }
    }

    fn parallelcluster3(
        &mut self,
        answers: &ValidAnswers,
        plan: &Plan,
        pc: &ParallelCluster,
        scheduler: Scheduler,
    ) {
        let mut names = vec![answers.name(Slot::ParallelClusterUserPolicy)];
        if scheduler == Scheduler::Awsbatch {
            names.push(answers.name(Slot::ParallelClusterBatchUserPolicy));
        }
        if pc.fsx {
            names.push(answers.name(Slot::ParallelClusterFsxUserPolicy));
        }
        if pc.image_build {
            names.push(answers.name(Slot::ParallelClusterImageBuildUserPolicy));
        }
        if pc.login_nodes {
            names.push(answers.name(Slot::ParallelClusterLoginNodesUserPolicy));
        }
        if pc.iam_mode() != IamMode::Restricted {
            names.push(answers.name(Slot::ParallelClusterIamUserPolicy));
        }
        let user = Subject::Policies {
            label: "pcluster user".into(),
            names,
        };
        // What the chosen release uses: grants of later releases are not
        // planned, nor needed (parallelcluster3::ADDITIONS).
        let release = pc.release();
        let base = |actions: &[&'static str]| -> Vec<&'static str> {
            actions
                .iter()
                .copied()
                .filter(|a| pc3::granted(release, Template::Pc3UserBase, a))
                .collect()
        };
        let stack = self.arn(
            "cloudformation",
            true,
            "stack/demo/4e1a2b30-0000-11ef-8000-0123456789ab",
        );
        self.allows(
            &user,
            &[
                "cloudformation:CreateStack",
                "cloudformation:UpdateStack",
                "cloudformation:DeleteStack",
                "cloudformation:DescribeStacks",
            ],
            &stack,
            "pcluster create-cluster, update-cluster and delete-cluster manage the cluster's stack",
        );
        self.allows(
            &user,
            &[
                "ec2:RunInstances",
                "ec2:CreateLaunchTemplate",
                "ec2:CreateTags",
                "ec2:DescribeInstances",
            ],
            "*",
            "the cluster's stack launches the head node from a tagged launch template",
        );
        self.allows(
            &user,
            &base(&["ec2:DeleteTags"]),
            "*",
            "update-cluster retags the head node (AWS has required ec2:DeleteTags for it since April 2024, whatever the release)",
        );
        let alarm = self.arn("cloudwatch", true, "alarm:demo-HeadNode");
        self.allows(
            &user,
            &[
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
            ],
            &alarm,
            "the head node's alarms are created with the cluster and CloudFormation tags them",
        );
        self.allows(
            &user,
            &base(&["cloudwatch:PutCompositeAlarm"]),
            &alarm,
            "the head node's composite alarm, on by default since 3.8",
        );
        let table = self.arn("dynamodb", true, "table/parallelcluster-demo");
        self.allows(
            &user,
            &[
                "dynamodb:CreateTable",
                "dynamodb:TagResource",
                "dynamodb:UntagResource",
            ],
            &table,
            "the cluster's DynamoDB table is created and tagged with the stack",
        );
        let function = self.arn("lambda", true, "function:pcluster-CleanupResources-demo");
        self.allows(
            &user,
            &["lambda:CreateFunction", "lambda:InvokeFunction"],
            &function,
            "the stack's custom resources run as Lambda functions named pcluster-*",
        );
        let bucket = self.s3(
            "parallelcluster-a1b2c3d4e5f6a7b8-v1-do-not-delete/parallelcluster/3.16.2/clusters/demo/configs/cluster-config.yaml",
        );
        self.allows(
            &user,
            &["s3:PutObject", "s3:GetObject"],
            &bucket,
            "pcluster keeps each cluster's configuration in its own bucket parallelcluster-*-v1-do-not-delete",
        );
        let log_group = self.arn(
            "logs",
            true,
            "log-group:/aws/parallelcluster/demo-202612070000",
        );
        self.allows(
            &user,
            &["logs:CreateLogGroup"],
            &log_group,
            "the cluster's log group is created with the stack",
        );
        self.allows(
            &user,
            &base(&["logs:ListTagsForResource"]),
            &log_group,
            "the log group's tags are read when the stack's custom resources update",
        );
        if pc.login_nodes {
            self.login_nodes(&user);
        }
        let iam_role = self.iam_arn("role/parallelcluster/demo/demo-RoleHeadNode-ABC123");
        match pc.iam_mode() {
            IamMode::Restricted => {
                for slot in [
                    Slot::ParallelClusterHeadNodeRole,
                    Slot::ParallelClusterComputeRole,
                ] {
                    let arn = self.plan_role_arn(plan, answers, slot);
                    self.passes_role(
                        &user,
                        &arn,
                        "ec2.amazonaws.com",
                        &format!(
                            "the cluster configuration names {} (Iam/InstanceRole): pcluster passes it to the nodes",
                            answers.name(slot)
                        ),
                    );
                }
                let lambda = self.plan_role_arn(plan, answers, Slot::ParallelClusterLambdaRole);
                self.passes_role(
                    &user,
                    &lambda,
                    "lambda.amazonaws.com",
                    "Iam/Roles/LambdaFunctionsRole names this role: pcluster passes it to the stack's functions",
                );
            }
            IamMode::Privileged | IamMode::PermissionsBoundary => {
                let mut context = Vec::new();
                if pc.iam_mode() == IamMode::PermissionsBoundary
                    && let Some(boundary) = answers.permissions_boundary()
                {
                    context.push(("iam:PermissionsBoundary", boundary.to_owned()));
                }
                self.allows_with(
                    &user,
                    &[
                        "iam:CreateRole",
                        "iam:TagRole",
                        "iam:UntagRole",
                        "iam:PutRolePolicy",
                    ],
                    &iam_role,
                    &context,
                    "pcluster creates the cluster's roles under /parallelcluster/ and tags them",
                );
                self.passes_role(
                    &user,
                    &iam_role,
                    "ec2.amazonaws.com",
                    "pcluster passes the roles it made to the cluster's instances",
                );
            }
        }
        if pc.iam_mode() == IamMode::Restricted {
            self.node_roles(answers, plan, release);
        }
    }

    /// Login nodes (3.7+): an Auto Scaling group behind a Network Load
    /// Balancer, both tagged with the cluster's name.
    fn login_nodes(&mut self, user: &Subject) {
        let tagged = [("aws:TagKeys", "parallelcluster:cluster-name".to_owned())];
        self.allows(
            user,
            &[
                "autoscaling:CreateAutoScalingGroup",
                "elasticloadbalancing:CreateLoadBalancer",
                "elasticloadbalancing:AddTags",
            ],
            "*",
            "the login nodes' Auto Scaling group and load balancer are created with the cluster",
        );
        self.allows_with(
            user,
            &[
                "autoscaling:PutLifecycleHook",
                "elasticloadbalancing:CreateTargetGroup",
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DescribeTargetHealth",
            ],
            "*",
            &tagged,
            "the login nodes' lifecycle hook, target group and listener (describe-cluster reads the targets' health since 3.11)",
        );
        let group = self.arn(
            "autoscaling",
            true,
            "autoScalingGroup:0a1b2c3d-0000-4000-8000-0123456789ab:autoScalingGroupName/demo-login",
        );
        self.allows(
            user,
            &["autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags"],
            &group,
            "update-cluster retags the login nodes' group",
        );
        let linked = self.iam_arn(
            "role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
        );
        self.allows_with(
            user,
            &["iam:CreateServiceLinkedRole"],
            &linked,
            &[("iam:AWSServiceName", "elasticloadbalancing.amazonaws.com".to_owned())],
            "the first load balancer of an account needs Elastic Load Balancing's service-linked role",
        );
    }

    fn plan_role_arn(&self, plan: &Plan, answers: &ValidAnswers, slot: Slot) -> String {
        plan.get(crate::iam::names::EntityKind::Role, &answers.name(slot))
            .map(|r| r.arn.clone())
            .unwrap_or_else(|| self.role_arn(answers, slot))
    }

    /// Restricted mode: what the head node and compute node roles onramp
    /// pre-creates must allow.
    fn node_roles(&mut self, answers: &ValidAnswers, plan: &Plan, release: Release) {
        let head = Subject::role(answers.name(Slot::ParallelClusterHeadNodeRole));
        let compute = Subject::role(answers.name(Slot::ParallelClusterComputeRole));
        let lambda = Subject::role(answers.name(Slot::ParallelClusterLambdaRole));
        for role in [&head, &compute] {
            self.trusted_by(
                role,
                "ec2.amazonaws.com",
                "the cluster's nodes take this role through its instance profile",
            );
        }
        self.trusted_by(
            &lambda,
            "lambda.amazonaws.com",
            "the cluster stack's Lambda functions run as this role",
        );
        let table = self.arn("dynamodb", true, "table/parallelcluster-demo");
        self.allows(
            &head,
            &[
                "dynamodb:BatchWriteItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
            ],
            &table,
            "the head node's daemons keep the compute fleet's state in the cluster table",
        );
        // The head node policy grants BatchGetItem for every release, as
        // upstream's 3.6.0 restricted-mode role does; pcluster reads the
        // cluster table with it since 3.9 (live updates, 1e20fe84d).
        if release.at_least(3, 9) {
            self.allows(
                &head,
                &["dynamodb:BatchGetItem"],
                &table,
                "the head node reads the compute nodes' state during live updates (3.9+)",
            );
        }
        self.allows(
            &head,
            &[
                "ec2:RunInstances",
                "ec2:CreateFleet",
                "ec2:DescribeInstances",
            ],
            "*",
            "Slurm's resume program launches compute nodes",
        );
        self.allows_with(
            &head,
            &["ec2:TerminateInstances"],
            "*",
            &[(
                "ec2:ResourceTag/parallelcluster:node-type",
                "Compute".to_owned(),
            )],
            "Slurm's suspend program ends idle compute nodes (and only those)",
        );
        let instance = self.arn("ec2", true, "instance/i-0123456789abcdef0");
        let volume = self.arn("ec2", true, "volume/vol-0123456789abcdef0");
        self.allows(
            &head,
            &["ec2:GetConsoleOutput"],
            &instance,
            "the head node reads the console of a compute node that fails to start",
        );
        for resource in [&instance, &volume] {
            self.allows(
                &head,
                &["ec2:AttachVolume", "ec2:DetachVolume", "ec2:CreateTags"],
                resource,
                "the head node attaches and, on update, detaches the cluster's shared EBS volumes",
            );
        }
        let compute_arn = self.plan_role_arn(plan, answers, Slot::ParallelClusterComputeRole);
        self.passes_role(
            &head,
            &compute_arn,
            "ec2.amazonaws.com",
            "the head node launches compute nodes with the compute node role",
        );
        let stack = self.arn(
            "cloudformation",
            true,
            "stack/demo/4e1a2b30-0000-11ef-8000-0123456789ab",
        );
        self.allows(
            &head,
            &[
                "cloudformation:DescribeStacks",
                "cloudformation:DescribeStackResource",
                "cloudformation:SignalResource",
            ],
            &stack,
            "the head node reads its stack and signals that it is ready",
        );
        let node = |actions: &[&'static str]| -> Vec<&'static str> {
            actions
                .iter()
                .copied()
                .filter(|a| pc3::granted(release, Template::Pc3ComputeNode, a))
                .collect()
        };
        self.allows(
            &compute,
            &node(&[
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
            ]),
            &table,
            "compute nodes record their state for live updates (3.9+)",
        );
        self.allows(
            &compute,
            &node(&["cloudformation:DescribeStackResource"]),
            &stack,
            "compute nodes read the stack's update status for live updates (3.9+)",
        );
    }
}
