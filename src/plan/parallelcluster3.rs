//! AWS ParallelCluster 3: the base `pcluster` user policy, the add-ons the
//! answers turn on (AWS Batch, FSx for Lustre, image build, login nodes) and
//! the IAM mode.
//!
//! The documents are those of the ParallelCluster 3 user guide ("AWS Identity
//! and Access Management permissions in AWS ParallelCluster 3.x", written for
//! 3.6), brought up to [`RELEASE`]: every grant of AWS's own policies of that
//! release (`cloudformation/policies/parallelcluster-policies.yaml` for the
//! user, `tests/iam_policies/cluster-roles.cfn.yaml` and `image-roles.cfn.yaml`
//! for the restricted-mode roles) and the later additions known from upstream
//! pull requests. `tests/parallelcluster3_fixtures.rs` checks, with onramp's
//! IAM evaluator, that every upstream grant is allowed.
//!
//! Privileged and permissions-boundary modes give `pcluster` users a policy to
//! create the cluster's roles themselves. Restricted mode gives them none, so
//! onramp pre-creates those roles here, with the minimal policies.
//! Everything sits under the `/parallelcluster/` path, because the policies
//! grant `iam:PassRole` and role management only there.
//!
//! Each document is its own managed policy, so each stays below IAM's
//! 6,144-character limit; a unit test fills every one with the longest values
//! the answers allow and checks it. That is why upstream's login-node
//! statements, which would overflow the base policy, are an add-on.

use std::collections::BTreeMap;

use super::Builder;
use super::policy::{self, Template, TemplateError, Vars};
use crate::answers::{IamMode, ParallelCluster, Scheduler};
use crate::names::Slot;

/// The path ParallelCluster 3's policies expect its roles and profiles under.
pub const PATH: &str = "/parallelcluster/";

/// The ParallelCluster release whose policies onramp's documents grant.
pub const RELEASE: &str = "AWS ParallelCluster 3.12.0 (aws/aws-parallelcluster @35ae681), with the additions of 3.13–3.16 known from PRs #7255, #7267, #7296";

/// Where upstream keeps the user policies (`pcluster` users, IAM modes).
const USER_SOURCE: &str = "cloudformation/policies/parallelcluster-policies.yaml";
/// Where upstream keeps the restricted-mode cluster roles.
const CLUSTER_ROLES_SOURCE: &str = "tests/iam_policies/cluster-roles.cfn.yaml";
/// Where upstream keeps the restricted-mode image build roles.
const IMAGE_ROLES_SOURCE: &str = "tests/iam_policies/image-roles.cfn.yaml";

/// The note every resource carries: which release, from which upstream file.
fn release_note(source: &str) -> String {
    format!("Policies of {RELEASE}; upstream source: {source}.")
}

/// Statement of the base user policy that names the configuration's secret.
const SECRET_SID: &str = "DirectoryServiceSecret";
/// Statement of the head node policy that reads the configuration's secret.
const HEAD_NODE_SECRET_SID: &str = "SecretsManager";
/// Statement of the FSx add-on that names the linked bucket.
const FSX_BUCKET_SID: &str = "FSxDataRepository";

/// The IAM path for ParallelCluster 3 resources: `/parallelcluster/`, with the
/// answers' own path below it (`/onramp/` → `/parallelcluster/onramp/`).
pub fn path_under(answers_path: &str) -> String {
    format!("{PATH}{}", answers_path.trim_start_matches('/'))
}

/// Adds the ParallelCluster 3 resources.
pub fn add(
    b: &mut Builder<'_>,
    pc: &ParallelCluster,
    scheduler: Scheduler,
) -> Result<(), TemplateError> {
    let answers_path = std::mem::replace(&mut b.path, path_under(&b.answers.answers().path));
    let added = add_under_path(b, pc, scheduler);
    b.path = answers_path;
    added
}

fn add_under_path(
    b: &mut Builder<'_>,
    pc: &ParallelCluster,
    scheduler: Scheduler,
) -> Result<(), TemplateError> {
    let vars = vars(b, pc);
    add_user_policies(b, pc, scheduler, &vars)?;
    match pc.iam_mode() {
        IamMode::Privileged => add_iam_policy(b, Template::Pc3IamPrivileged, &vars, vec![
            "Privileged mode: `pcluster` creates the cluster's roles under /parallelcluster/ and attaches only the policies the guide lists. The guide warns that this amounts to IAM administrator rights in the account.".into(),
        ]),
        IamMode::PermissionsBoundary => add_iam_policy(b, Template::Pc3IamPermissionsBoundary, &vars, vec![
            "Permissions-boundary mode: `pcluster` may create and change roles only with the answers' permissions boundary on them. Set the same ARN as Iam/PermissionsBoundary (and Build/Iam/PermissionsBoundary) in the pcluster configuration.".into(),
        ]),
        IamMode::Restricted => add_restricted_roles(b, pc, &vars),
    }
}

fn vars(b: &Builder<'_>, pc: &ParallelCluster) -> Vars {
    let mut vars = b.base_vars();
    if let Some(secret) = &pc.secret_name {
        vars = vars.set("secret_name", secret.clone());
    }
    if let Some(bucket) = &pc.fsx_bucket {
        vars = vars.set("fsx_bucket", bucket.clone());
    }
    if let Some(boundary) = b.answers.permissions_boundary() {
        vars = vars.set("permissions_boundary", boundary);
    }
    vars
}

const ATTACH_NOTE: &str =
    "Attach it to the IAM users, group or role who run `pcluster`; onramp attaches it to no one.";

fn secret_notes(pc: &ParallelCluster, sid: &str, tree: &mut serde_json::Value) -> Vec<String> {
    match &pc.secret_name {
        Some(name) => vec![format!(
            "Statement {sid}: the guide's `secret:<SECRET NAME>` names no real secret, because Secrets Manager ends every secret's ARN in `-` and six random characters; onramp writes `secret:{name}-??????`."
        )],
        None => {
            policy::remove_statement(tree, sid);
            vec![format!(
                "Statement {sid} is left out: no secret_name is given, so there is no secret to read (the guide: without it, secret validation is skipped)."
            )]
        }
    }
}

fn add_user_policies(
    b: &mut Builder<'_>,
    pc: &ParallelCluster,
    scheduler: Scheduler,
    vars: &Vars,
) -> Result<(), TemplateError> {
    let mut tree = Template::Pc3UserBase.tree()?;
    let mut notes = vec![
        release_note(USER_SOURCE),
        format!("ParallelCluster 3's base user policy. {ATTACH_NOTE}"),
        "ParallelCluster 2's ParallelClusterUserPolicy (the source document) does not apply to version 3; version 3 scopes by name patterns (parallelcluster-*, pcluster-*) and the /parallelcluster/ path instead of a stack's names.".into(),
        "Beyond the 3.6 guide, as upstream grants them: ec2:DeleteTags (3.10), cloudwatch:PutCompositeAlarm (3.8), resource-groups:GetGroupConfiguration; from later pull requests: cloudwatch:TagResource and UntagResource for the head node alarms (#7296), dynamodb:UntagResource (#7255), logs:ListTagsForResource (#7267).".into(),
        "Upstream's base policy also grants fsx:* with FSx's service-linked roles, and the login nodes' Auto Scaling and Elastic Load Balancing permissions; onramp keeps them in the FSx and login nodes add-ons, granted only with fsx = true and login_nodes = true.".into(),
        "Statement CloudFormation keeps the guide's cloudformation:* (as upstream's test user role does); upstream's template narrows it to stacks, with CreateStack and UpdateStack conditioned on the parallelcluster:cluster-name tag.".into(),
    ];
    notes.extend(secret_notes(pc, SECRET_SID, &mut tree));
    let document = policy::fill_tree(tree, Template::Pc3UserBase, vars)?;
    b.add_policy(
        b.answers.name(Slot::ParallelClusterUserPolicy),
        "Permissions to create and manage AWS ParallelCluster 3 clusters with the pcluster CLI",
        document,
        notes,
    );

    if scheduler == Scheduler::Awsbatch {
        let document = policy::fill(Template::Pc3UserBatch, vars)?;
        b.add_policy(
            b.answers.name(Slot::ParallelClusterBatchUserPolicy),
            "Additional pcluster permissions for clusters with the AWS Batch scheduler",
            document,
            vec![
                release_note(USER_SOURCE),
                format!("The add-on for scheduler awsbatch, which needs it. {ATTACH_NOTE}"),
            ],
        );
    }
    if pc.fsx {
        let mut tree = Template::Pc3UserFsx.tree()?;
        let mut notes = vec![
            release_note(USER_SOURCE),
            format!("The add-on for Amazon FSx for Lustre. {ATTACH_NOTE}"),
            "Upstream grants fsx:* and FSx's service-linked roles in its base policy, to every pcluster user; onramp grants them here, only with fsx = true.".into(),
        ];
        match &pc.fsx_bucket {
            Some(bucket) => notes.push(format!(
                "Statement {FSX_BUCKET_SID}: the guide grants `s3:Get*`, `s3:List*` and `s3:PutObject` on the bucket's ARN only, but object reads and writes are checked against object ARNs; onramp adds `arn:…:s3:::{bucket}/*`."
            )),
            None => {
                policy::remove_statement(&mut tree, FSX_BUCKET_SID);
                notes.push(format!(
                    "Statement {FSX_BUCKET_SID} is left out: no fsx_bucket is given, so the file system links to no bucket."
                ));
            }
        }
        let document = policy::fill_tree(tree, Template::Pc3UserFsx, vars)?;
        b.add_policy(
            b.answers.name(Slot::ParallelClusterFsxUserPolicy),
            "Additional pcluster permissions for clusters with Amazon FSx for Lustre",
            document,
            notes,
        );
    }
    if pc.image_build {
        let document = policy::fill(Template::Pc3UserImageBuild, vars)?;
        b.add_policy(
            b.answers.name(Slot::ParallelClusterImageBuildUserPolicy),
            "pcluster permissions to build custom AMIs (pcluster build-image)",
            document,
            vec![
                release_note(USER_SOURCE),
                format!("The policy for `pcluster build-image`. {ATTACH_NOTE}"),
                "Beyond the 3.6 guide, as upstream grants them: imagebuilder:CancelImageCreation, and cloudformation:DescribeStacks on every stack (statement CloudFormationListImages, for `pcluster list-images`).".into(),
            ],
        );
    }
    if pc.login_nodes {
        add_login_nodes_policy(b, pc, vars)?;
    }
    Ok(())
}

/// The login nodes add-on (ParallelCluster 3.7+): what upstream's base policy
/// grants for `LoginNodes`, with the tag actions of PR #7267.
fn add_login_nodes_policy(
    b: &mut Builder<'_>,
    pc: &ParallelCluster,
    vars: &Vars,
) -> Result<(), TemplateError> {
    let document = policy::fill(Template::Pc3UserLoginNodes, vars)?;
    let mut notes = vec![
        release_note(USER_SOURCE),
        format!("The add-on for login nodes (LoginNodes in the cluster configuration, ParallelCluster 3.7 and later). {ATTACH_NOTE}"),
        "Upstream grants statements LoginNodesFunctionalities, LoginNodesFunctionalitiesNoCondition and the service-linked roles of Elastic Load Balancing and Auto Scaling (statement LoginNodesServiceLinkedRoles here) in its base policy, to every pcluster user; onramp grants them here, only with login_nodes = true, which also keeps the base policy under IAM's size limit.".into(),
        "elasticloadbalancing:ModifyTargetGroup and statement LoginNodesTags (autoscaling:CreateOrUpdateTags, autoscaling:DeleteTags, elasticloadbalancing:RemoveTags) come from PR #7267, whose statements are not known: onramp grants the tag actions on the account's Auto Scaling groups and load balancers, without the aws:TagKeys condition of LoginNodesFunctionalities, which would refuse any tag key other than parallelcluster:cluster-name.".into(),
    ];
    if pc.iam_mode() == IamMode::Restricted {
        notes.push("Restricted mode: onramp pre-creates no login node role (upstream's restricted-mode roles have none either); set LoginNodes/Pools/Iam/InstanceRole to a role of your own. Login nodes need autoscaling:CompleteLifecycleAction on their Auto Scaling group, which the head node role lacks.".into());
    }
    b.add_policy(
        b.answers.name(Slot::ParallelClusterLoginNodesUserPolicy),
        "Additional pcluster permissions for clusters with login nodes",
        document,
        notes,
    );
    Ok(())
}

fn add_iam_policy(
    b: &mut Builder<'_>,
    template: Template,
    vars: &Vars,
    mut notes: Vec<String>,
) -> Result<(), TemplateError> {
    notes.insert(0, release_note(USER_SOURCE));
    notes.push("Statement IamRole grants iam:UntagRole too (PR #7255).".into());
    notes.push(ATTACH_NOTE.into());
    let document = policy::fill(template, vars)?;
    b.add_policy(
        b.answers.name(Slot::ParallelClusterIamUserPolicy),
        "pcluster permissions to manage the cluster's IAM roles",
        document,
        notes,
    );
    Ok(())
}

/// Restricted mode: the roles `pcluster` may not create, made here with the
/// guide's minimal policies, each to be named in the cluster configuration.
fn add_restricted_roles(
    b: &mut Builder<'_>,
    pc: &ParallelCluster,
    vars: &Vars,
) -> Result<(), TemplateError> {
    let cloudwatch_agent = b.aws_managed("CloudWatchAgentServerPolicy");
    let ssm_core = b.aws_managed("AmazonSSMManagedInstanceCore");

    let mut tree = Template::Pc3HeadNode.tree()?;
    let mut notes = vec![
        release_note(CLUSTER_ROLES_SOURCE),
        "The additional policy for the head node role, Slurm scheduler (restricted mode cannot manage awsbatch clusters).".into(),
        "Beyond the 3.6 guide: dynamodb:BatchGetItem and ec2:GetConsoleOutput (upstream's HeadNodeRoleSlurm); ec2:DetachVolume, and s3:GetBucketLocation and s3:ListBucket on the cluster buckets (statement ResourcesS3Bucket), which the head node role pcluster builds itself has (cli/src/pcluster/templates/cdk_builder_utils.py).".into(),
    ];
    notes.extend(secret_notes(pc, HEAD_NODE_SECRET_SID, &mut tree));
    let document = policy::fill_tree(tree, Template::Pc3HeadNode, vars)?;
    let head_policy = b.add_policy(
        b.answers.name(Slot::ParallelClusterHeadNodePolicy),
        "Permissions of an AWS ParallelCluster 3 head node (Slurm)",
        document,
        notes,
    );
    let head_role = b.answers.name(Slot::ParallelClusterHeadNodeRole);
    b.add_role(
        head_role.clone(),
        "Head node role for AWS ParallelCluster 3 clusters (restricted IAM mode)",
        "ec2.amazonaws.com",
        vec![cloudwatch_agent.clone(), ssm_core.clone(), head_policy],
        vec![
            release_note(CLUSTER_ROLES_SOURCE),
            "Set HeadNode/Iam/InstanceRole to this role's ARN in the cluster configuration. It has the minimal set: CloudWatchAgentServerPolicy, AmazonSSMManagedInstanceCore and the head node policy.".into(),
        ],
    )?;
    b.add_instance_profile(
        &head_role,
        vec![
            release_note(CLUSTER_ROLES_SOURCE),
            "For HeadNode/Iam/InstanceProfile, the alternative to InstanceRole.".into(),
        ],
    );

    let document = policy::fill(Template::Pc3ComputeNode, vars)?;
    let compute_policy = b.add_policy(
        b.answers.name(Slot::ParallelClusterComputePolicy),
        "Permissions of AWS ParallelCluster 3 compute nodes",
        document,
        vec![
            release_note(CLUSTER_ROLES_SOURCE),
            "The additional policy for the compute nodes role.".into(),
            "Beyond the 3.6 guide, as upstream's ComputeNodeRoleSlurm (3.9): dynamodb:GetItem, PutItem and UpdateItem on the cluster tables, and cloudformation:DescribeStackResource on the account's stacks.".into(),
        ],
    );
    let compute_role = b.answers.name(Slot::ParallelClusterComputeRole);
    b.add_role(
        compute_role.clone(),
        "Compute nodes role for AWS ParallelCluster 3 clusters (restricted IAM mode)",
        "ec2.amazonaws.com",
        vec![cloudwatch_agent, ssm_core.clone(), compute_policy],
        vec![
            release_note(CLUSTER_ROLES_SOURCE),
            "Set Scheduling/SlurmQueues/Iam/InstanceRole of each queue to this role's ARN; the head node policy may pass it because it is under /parallelcluster/.".into(),
        ],
    )?;
    b.add_instance_profile(
        &compute_role,
        vec![
            release_note(CLUSTER_ROLES_SOURCE),
            "For Scheduling/SlurmQueues/Iam/InstanceProfile, the alternative to InstanceRole."
                .into(),
        ],
    );

    let lambda_role = b.answers.name(Slot::ParallelClusterLambdaRole);
    b.add_role_with_inline(
        lambda_role,
        "Role of the Lambda functions behind an AWS ParallelCluster 3 cluster's stack",
        "lambda.amazonaws.com",
        Vec::new(),
        inline("ParallelClusterLambdaFunctionsPolicy", policy::fill(Template::Pc3LambdaFunctions, vars)?),
        vec![
            release_note(CLUSTER_ROLES_SOURCE),
            "Set Iam/Roles/LambdaFunctionsRole to this role's ARN. If DeploymentSettings/LambdaFunctionsVpcConfig is set, the role also needs Lambda's VPC permissions (the guide's note), which onramp does not add.".into(),
        ],
    )?;

    if pc.image_build {
        let builder_role = b.answers.name(Slot::ParallelClusterImageBuilderRole);
        b.add_role_with_inline(
            builder_role.clone(),
            "EC2 Image Builder instance role for pcluster build-image (restricted IAM mode)",
            "ec2.amazonaws.com",
            vec![ssm_core, b.aws_managed("EC2InstanceProfileForImageBuilder")],
            inline(
                "ParallelClusterImageBuilderPolicy",
                policy::fill(Template::Pc3ImageBuilderInstance, vars)?,
            ),
            vec![
                release_note(IMAGE_ROLES_SOURCE),
                "Set Build/Iam/InstanceRole in the image configuration to this role's ARN.".into(),
            ],
        )?;
        b.add_instance_profile(
            &builder_role,
            vec![
                release_note(IMAGE_ROLES_SOURCE),
                "For Build/Iam/InstanceProfile, the alternative to InstanceRole.".into(),
            ],
        );
        b.add_role_with_inline(
            b.answers.name(Slot::ParallelClusterImageCleanupRole),
            "Role of the Lambda function that cleans up after pcluster build-image (restricted IAM mode)",
            "lambda.amazonaws.com",
            vec![b.aws_managed("service-role/AWSLambdaBasicExecutionRole")],
            inline("ParallelClusterImageCleanupPolicy", policy::fill(Template::Pc3ImageCleanup, vars)?),
            vec![
                release_note(IMAGE_ROLES_SOURCE),
                "Set Build/Iam/CleanupLambdaRole in the image configuration to this role's ARN.".into(),
            ],
        )?;
    }
    Ok(())
}

fn inline(name: &str, document: serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    BTreeMap::from([(name.to_owned(), document)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::limits;
    use crate::plan::{Spec, plan_of_valid_toml};

    /// Every option on, every value as long as validation allows.
    fn longest_answers(mode: &str, scheduler: &str) -> String {
        let secret = format!("s{}", "e".repeat(511));
        let bucket = format!("b{}", "u".repeat(62));
        format!(
            r#"
region = "ap-southeast-2"
account_id = "123456789012"
name_prefix = "lab-"
permissions_boundary = "arn:aws:iam::123456789012:policy/{boundary}"
[genomics]
enabled = false
[parallelcluster]
version = "3"
scheduler = "{scheduler}"
iam_mode = "{mode}"
fsx = true
fsx_bucket = "{bucket}"
image_build = true
{login_nodes}secret_name = "{secret}"
"#,
            boundary = "p".repeat(120),
            // Login nodes are Slurm's.
            login_nodes = if scheduler == "slurm" {
                "login_nodes = true\n"
            } else {
                ""
            },
        )
    }

    #[test]
    fn every_policy_fits_with_everything_on_and_the_longest_values() {
        for (mode, scheduler) in [
            ("privileged", "slurm"),
            ("privileged", "awsbatch"),
            ("permissions-boundary", "awsbatch"),
            ("restricted", "slurm"),
        ] {
            let plan = plan_of_valid_toml(&longest_answers(mode, scheduler));
            assert!(plan.resources.len() >= 4, "{mode}/{scheduler}");
            for r in &plan.resources {
                for (label, doc) in r.documents() {
                    let size = limits::policy_size(doc);
                    let limit = match &r.spec {
                        Spec::ManagedPolicy { .. } => limits::MANAGED_POLICY_SIZE,
                        _ if label == "trust_policy" => limits::TRUST_POLICY_SIZE,
                        _ => limits::INLINE_POLICIES_PER_ROLE_SIZE,
                    };
                    assert!(
                        size <= limit,
                        "{mode}/{scheduler}: {} {label} is {size} > {limit}",
                        r.name
                    );
                }
                assert_eq!(r.path, "/parallelcluster/", "{}", r.name);
                assert!(
                    r.arn.contains(":role/parallelcluster/")
                        || r.arn.contains(":policy/parallelcluster/")
                        || r.arn.contains(":instance-profile/parallelcluster/"),
                    "{}",
                    r.arn
                );
            }
        }
    }

    #[test]
    fn modes_decide_between_an_iam_policy_and_pre_created_roles() {
        let privileged = plan_of_valid_toml(&longest_answers("privileged", "slurm"));
        let names: Vec<&str> = privileged
            .resources
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert!(
            names.contains(&"lab-ParallelClusterIamUserPolicy"),
            "{names:?}"
        );
        assert!(!names.iter().any(|n| n.ends_with("Role")), "{names:?}");

        let restricted = plan_of_valid_toml(&longest_answers("restricted", "slurm"));
        let names: Vec<&str> = restricted
            .resources
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert!(
            !names.contains(&"lab-ParallelClusterIamUserPolicy"),
            "{names:?}"
        );
        for role in [
            "lab-ParallelClusterHeadNodeRole",
            "lab-ParallelClusterComputeNodeRole",
            "lab-ParallelClusterLambdaFunctionsRole",
            "lab-ParallelClusterImageBuilderRole",
            "lab-ParallelClusterImageCleanupRole",
        ] {
            assert!(names.contains(&role), "{role} in {names:?}");
        }
    }

    #[test]
    fn every_resource_names_the_release_of_its_policies() {
        assert!(RELEASE.contains("3.12.0") && RELEASE.contains("35ae681"));
        for (mode, scheduler) in [
            ("privileged", "awsbatch"),
            ("permissions-boundary", "slurm"),
            ("restricted", "slurm"),
        ] {
            let plan = plan_of_valid_toml(&longest_answers(mode, scheduler));
            for r in &plan.resources {
                assert!(
                    r.notes.iter().any(|n| n.contains(RELEASE)),
                    "{mode}/{scheduler}: {} {:?}",
                    r.name,
                    r.notes
                );
            }
        }
    }

    #[test]
    fn login_nodes_are_an_add_on() {
        let with = plan_of_valid_toml(&longest_answers("privileged", "slurm"));
        let policy = with
            .resources
            .iter()
            .find(|r| r.name == "lab-ParallelClusterLoginNodesUserPolicy")
            .expect("the login nodes add-on");
        let text = serde_json::to_string(&policy.documents()[0].1).unwrap_or_default();
        for sid in [
            "LoginNodesFunctionalities",
            "LoginNodesFunctionalitiesNoCondition",
            "LoginNodesTags",
            "LoginNodesServiceLinkedRoles",
        ] {
            assert!(text.contains(&format!("\"{sid}\"")), "{sid} in {text}");
        }
        let without = plan_of_valid_toml(
            &longest_answers("privileged", "slurm").replace("login_nodes = true\n", ""),
        );
        assert!(
            without
                .resources
                .iter()
                .all(|r| !r.name.contains("LoginNodes")),
            "no add-on without login_nodes"
        );
        let base = without
            .resources
            .iter()
            .find(|r| r.name == "lab-ParallelClusterUserPolicy")
            .expect("the base policy");
        let text = serde_json::to_string(&base.documents()[0].1).unwrap_or_default();
        assert!(!text.contains("autoscaling:") && !text.contains("elasticloadbalancing:"));
    }

    #[test]
    fn the_answers_path_goes_below_parallelcluster() {
        assert_eq!(path_under("/"), "/parallelcluster/");
        assert_eq!(path_under("/onramp/team/"), "/parallelcluster/onramp/team/");
    }
}
