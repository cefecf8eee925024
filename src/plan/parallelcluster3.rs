//! AWS ParallelCluster 3: the base `pcluster` user policy, the add-ons the
//! answers turn on (AWS Batch, FSx for Lustre, image build, login nodes) and
//! the IAM mode.
//!
//! The documents are those of the ParallelCluster 3 user guide ("AWS Identity
//! and Access Management permissions in AWS ParallelCluster 3.x", written for
//! 3.6), brought up to AWS's own policies of [`UPSTREAM_RELEASE`]
//! (`cloudformation/policies/parallelcluster-policies.yaml` for the user,
//! `tests/iam_policies/cluster-roles.cfn.yaml` and `image-roles.cfn.yaml` for
//! the restricted-mode roles) and the later additions known from upstream
//! pull requests. The answers choose the release the plan is for
//! (`pcluster_version`, [`Release`]): what upstream added after it, listed in
//! [`ADDITIONS`], is left out. `tests/pure/parallelcluster3_fixtures/` checks,
//! with onramp's IAM evaluator, that every grant of upstream's 3.6.0 and
//! 3.12.0 policies is allowed for those releases.
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

use serde_json::Value;

use super::Builder;
use crate::answers::{IamMode, ParallelCluster, Release, Scheduler};
use crate::iam::names::Slot;
use crate::templates::{self, Template, TemplateError, Vars};

/// The path ParallelCluster 3's policies expect its roles and profiles under.
pub const PATH: &str = "/parallelcluster/";

/// The newest upstream release whose policies are vendored and followed.
pub const UPSTREAM_RELEASE: &str = "3.12.0";
/// Its commit in aws/aws-parallelcluster.
pub const UPSTREAM_COMMIT: &str = "35ae681";
/// The pull requests after [`UPSTREAM_RELEASE`] whose permissions onramp
/// grants (for every release: see [`EVERY_RELEASE`]).
const LATER_PULL_REQUESTS: &str = "#7255, #7267, #7296";

/// A grant upstream added after 3.6, in a release known from the tag that
/// first holds its commit: plans for an older release leave it out.
#[derive(Debug, Clone, Copy)]
pub struct Addition {
    /// The first release whose upstream policies grant it.
    pub since: Release,
    pub template: Template,
    /// The statement holding the actions, by Sid; `None`: whichever
    /// statement of the template holds them (the node role templates have
    /// no Sids). A statement left without actions is removed.
    pub sid: Option<&'static str>,
    pub actions: &'static [&'static str],
    /// Where upstream added it: commits (aws/aws-parallelcluster) and PR.
    pub source: &'static str,
    /// What the release uses it for.
    pub purpose: &'static str,
}

/// What came when, after 3.6. Only grants upstream demonstrably added in a
/// tagged release are here; see [`EVERY_RELEASE`] for the later ones onramp
/// grants to every release.
pub const ADDITIONS: [Addition; 3] = [
    Addition {
        since: Release::new(3, 8),
        template: Template::Pc3UserBase,
        sid: Some("CloudWatch"),
        actions: &["cloudwatch:PutCompositeAlarm"],
        source: "9aa5c5f1e, fec0b9ca2 (#5705)",
        purpose: "the head node's composite alarm",
    },
    Addition {
        since: Release::new(3, 9),
        template: Template::Pc3ComputeNode,
        sid: None,
        actions: &[
            "dynamodb:UpdateItem",
            "dynamodb:PutItem",
            "dynamodb:GetItem",
        ],
        source: "b6733ba0c (cluster-roles.cfn.yaml), 096bb2ef9 (pcluster's own role)",
        purpose: "live updates of shared storage: compute nodes record their state in the cluster table",
    },
    Addition {
        since: Release::new(3, 9),
        template: Template::Pc3ComputeNode,
        sid: None,
        actions: &["cloudformation:DescribeStackResource"],
        source: "b6733ba0c (cluster-roles.cfn.yaml)",
        purpose: "live updates of shared storage: compute nodes read the stack's update status",
    },
];

/// Grants upstream added after 3.6 that onramp keeps for every release.
#[derive(Debug, Clone, Copy)]
pub struct Kept {
    pub template: Template,
    pub sid: &'static str,
    /// The actions; empty: the whole statement.
    pub actions: &'static [&'static str],
    pub source: &'static str,
    pub reason: &'static str,
}

/// The later grants every release gets: tag permissions CloudFormation needs
/// on resources every release creates (pull requests whose release is not
/// known; issues show releases without them failing), and the login nodes'
/// service-linked roles, which upstream added as missing.
pub const EVERY_RELEASE: [Kept; 8] = [
    Kept {
        template: Template::Pc3UserBase,
        sid: "EC2Write",
        actions: &["ec2:DeleteTags"],
        source: "e4752da89 (#6203, 3.10)",
        reason: "an AWS-side change of April 2024 made update-cluster need it to retag the head node, whatever the release",
    },
    Kept {
        template: Template::Pc3UserBase,
        sid: "CloudWatchLogs",
        actions: &["logs:ListTagsForResource"],
        source: "b2f2b4494 (test user role, 3.9), #7267 (policies template)",
        reason: "the stack's custom resources read log group tags on update, and they exist in every release onramp supports",
    },
    Kept {
        template: Template::Pc3UserBase,
        sid: "CloudWatch",
        actions: &["cloudwatch:TagResource", "cloudwatch:UntagResource"],
        source: "#7296",
        reason: "CloudFormation tags the head node's alarms; without these it fails (issue #7331 on 3.14.2)",
    },
    Kept {
        template: Template::Pc3UserBase,
        sid: "DynamoDB",
        actions: &["dynamodb:UntagResource"],
        source: "#7255",
        reason: "CloudFormation removes tags from the cluster table on update",
    },
    Kept {
        template: Template::Pc3IamPrivileged,
        sid: "IamRole",
        actions: &["iam:UntagRole"],
        source: "#7255",
        reason: "CloudFormation removes tags from the cluster's roles on update",
    },
    Kept {
        template: Template::Pc3IamPermissionsBoundary,
        sid: "IamRole",
        actions: &["iam:UntagRole"],
        source: "#7255",
        reason: "CloudFormation removes tags from the cluster's roles on update",
    },
    Kept {
        template: Template::Pc3UserLoginNodes,
        sid: "LoginNodesTags",
        actions: &[],
        source: "#7267",
        reason: "CloudFormation retags the login nodes' group and load balancer on update",
    },
    Kept {
        template: Template::Pc3UserLoginNodes,
        sid: "LoginNodesServiceLinkedRoles",
        actions: &[],
        source: "9882f245d (3.11.0 test user role), 16db88d8d (3.12.0 template)",
        reason: "upstream's 3.12.0 changelog calls them missing permissions required to deploy login nodes, which came in 3.7",
    },
];

/// Whether a plan for `release` grants `action` in `template`, as far as
/// [`ADDITIONS`] decides: false only for an action added after `release`.
pub fn granted(release: Release, template: Template, action: &str) -> bool {
    !ADDITIONS.iter().any(|a| {
        a.template == template
            && release < a.since
            && a.actions.iter().any(|x| x.eq_ignore_ascii_case(action))
    })
}

/// The additions `template` has after `release`, which a plan for it leaves out.
pub fn left_out(release: Release, template: Template) -> Vec<&'static Addition> {
    ADDITIONS
        .iter()
        .filter(|a| a.template == template && release < a.since)
        .collect()
}

/// Which release the plan is for and what its policies are: the text every
/// resource's notes carry.
pub fn release_text(release: Release) -> String {
    let mut text = format!(
        "AWS ParallelCluster {release}: AWS's own policies of {UPSTREAM_RELEASE} (aws/aws-parallelcluster @{UPSTREAM_COMMIT}), with the later tag permissions of PRs {LATER_PULL_REQUESTS}"
    );
    let later: Vec<String> = ADDITIONS
        .iter()
        .filter(|a| release < a.since)
        .map(|a| {
            let node = if a.template == Template::Pc3ComputeNode {
                "the compute nodes' "
            } else {
                ""
            };
            format!("{node}{} ({})", a.actions.join(", "), a.since)
        })
        .collect();
    if !later.is_empty() {
        text.push_str(&format!(
            ", leaving out what later releases added: {}",
            later.join("; ")
        ));
    }
    text
}

/// Removes `actions` from the statement named `sid` (any statement without
/// one), and a statement left with no action.
fn remove_actions(document: &mut Value, sid: Option<&str>, actions: &[&str]) {
    let Some(statements) = document.get_mut("Statement").and_then(Value::as_array_mut) else {
        return;
    };
    let gone = |a: &Value| {
        a.as_str()
            .is_some_and(|a| actions.iter().any(|x| x.eq_ignore_ascii_case(a)))
    };
    statements.retain_mut(|statement| {
        if sid.is_some_and(|sid| statement.get("Sid").and_then(Value::as_str) != Some(sid)) {
            return true;
        }
        match statement.get_mut("Action") {
            Some(Value::Array(list)) => {
                list.retain(|a| !gone(a));
                !list.is_empty()
            }
            Some(single) => !gone(single),
            None => true,
        }
    });
}

/// The template for `release`: what later releases added left out.
fn tree_for(template: Template, release: Release) -> Result<Value, TemplateError> {
    let mut tree = template.tree()?;
    for a in left_out(release, template) {
        remove_actions(&mut tree, a.sid, a.actions);
    }
    Ok(tree)
}

/// The filled template for `release`.
fn filled(template: Template, release: Release, vars: &Vars) -> Result<Value, TemplateError> {
    templates::fill_tree(tree_for(template, release)?, template, vars)
}

/// A note on what a document for `release` leaves out, if anything.
fn left_out_note(release: Release, template: Template) -> Option<String> {
    let gone: Vec<String> = left_out(release, template)
        .into_iter()
        .map(|a| {
            format!(
                "{} ({}; {}: {})",
                a.actions.join(", "),
                a.since,
                a.source,
                a.purpose
            )
        })
        .collect();
    (!gone.is_empty()).then(|| {
        format!(
            "For ParallelCluster {release}, left out as later releases added them: {}.",
            gone.join("; ")
        )
    })
}

/// Where upstream keeps the user policies (`pcluster` users, IAM modes).
const USER_SOURCE: &str = "cloudformation/policies/parallelcluster-policies.yaml";
/// Where upstream keeps the restricted-mode cluster roles.
const CLUSTER_ROLES_SOURCE: &str = "tests/iam_policies/cluster-roles.cfn.yaml";
/// Where upstream keeps the restricted-mode image build roles.
const IMAGE_ROLES_SOURCE: &str = "tests/iam_policies/image-roles.cfn.yaml";

/// The note every resource carries: which release, from which upstream file.
fn release_note(release: Release, source: &str) -> String {
    format!(
        "Policies for {}; upstream source: {source}.",
        release_text(release)
    )
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
    let release = pc.release();
    add_user_policies(b, pc, scheduler, &vars)?;
    match pc.iam_mode() {
        IamMode::Privileged => add_iam_policy(b, Template::Pc3IamPrivileged, release, &vars, vec![
            "Privileged mode: `pcluster` creates the cluster's roles under /parallelcluster/ and attaches only the policies the guide lists. The guide warns that this amounts to IAM administrator rights in the account.".into(),
        ]),
        IamMode::PermissionsBoundary => add_iam_policy(b, Template::Pc3IamPermissionsBoundary, release, &vars, vec![
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

/// The base policy's grants beyond the 3.6 guide, for `release`, and what
/// it leaves out.
fn beyond_the_guide_note(release: Release) -> String {
    let template = Template::Pc3UserBase;
    let added: Vec<String> = ADDITIONS
        .iter()
        .filter(|a| a.template == template && release >= a.since)
        .map(|a| format!("{} ({})", a.actions.join(", "), a.since))
        .chain(["resource-groups:GetGroupConfiguration".to_owned()])
        .collect();
    let mut note = format!(
        "Beyond the 3.6 guide, as upstream grants them: {}; from later pull requests, for every release (CloudFormation tags what it creates and fails without them): cloudwatch:TagResource and UntagResource for the head node alarms (#7296), dynamodb:UntagResource (#7255).",
        added.join(", ")
    );
    if let Some(left_out) = left_out_note(release, template) {
        note.push(' ');
        note.push_str(&left_out);
    }
    note
}

const ATTACH_NOTE: &str =
    "Attach it to the IAM users, group or role who run `pcluster`; onramp attaches it to no one.";

fn secret_notes(pc: &ParallelCluster, sid: &str, tree: &mut serde_json::Value) -> Vec<String> {
    match &pc.secret_name {
        Some(name) => vec![format!(
            "Statement {sid}: the guide's `secret:<SECRET NAME>` names no real secret, because Secrets Manager ends every secret's ARN in `-` and six random characters; onramp writes `secret:{name}-??????`."
        )],
        None => {
            templates::remove_statement(tree, sid);
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
    let release = pc.release();
    let mut tree = tree_for(Template::Pc3UserBase, release)?;
    let mut notes = vec![
        release_note(release, USER_SOURCE),
        format!("ParallelCluster 3's base user policy. {ATTACH_NOTE}"),
        "ParallelCluster 2's ParallelClusterUserPolicy (the source document) does not apply to version 3; version 3 scopes by name patterns (parallelcluster-*, pcluster-*) and the /parallelcluster/ path instead of a stack's names.".into(),
        beyond_the_guide_note(release),
        "Upstream's base policy also grants fsx:* with FSx's service-linked roles, and the login nodes' Auto Scaling and Elastic Load Balancing permissions; onramp keeps them in the FSx and login nodes add-ons, granted only with fsx = true and login_nodes = true.".into(),
        "Statement CloudFormation keeps the guide's cloudformation:* (as upstream's test user role does); upstream's template narrows it to stacks, with CreateStack and UpdateStack conditioned on the parallelcluster:cluster-name tag.".into(),
    ];
    notes.extend(secret_notes(pc, SECRET_SID, &mut tree));
    let document = templates::fill_tree(tree, Template::Pc3UserBase, vars)?;
    b.add_policy(
        b.answers.name(Slot::ParallelClusterUserPolicy),
        "Permissions to create and manage AWS ParallelCluster 3 clusters with the pcluster CLI",
        document,
        notes,
    );

    if scheduler == Scheduler::Awsbatch {
        let document = filled(Template::Pc3UserBatch, release, vars)?;
        b.add_policy(
            b.answers.name(Slot::ParallelClusterBatchUserPolicy),
            "Additional pcluster permissions for clusters with the AWS Batch scheduler",
            document,
            vec![
                release_note(release, USER_SOURCE),
                format!("The add-on for scheduler awsbatch, which needs it. {ATTACH_NOTE}"),
            ],
        );
    }
    if pc.fsx {
        let mut tree = tree_for(Template::Pc3UserFsx, release)?;
        let mut notes = vec![
            release_note(release, USER_SOURCE),
            format!("The add-on for Amazon FSx for Lustre. {ATTACH_NOTE}"),
            "Upstream grants fsx:* and FSx's service-linked roles in its base policy, to every pcluster user; onramp grants them here, only with fsx = true.".into(),
        ];
        match &pc.fsx_bucket {
            Some(bucket) => notes.push(format!(
                "Statement {FSX_BUCKET_SID}: the guide grants `s3:Get*`, `s3:List*` and `s3:PutObject` on the bucket's ARN only, but object reads and writes are checked against object ARNs; onramp adds `arn:…:s3:::{bucket}/*`."
            )),
            None => {
                templates::remove_statement(&mut tree, FSX_BUCKET_SID);
                notes.push(format!(
                    "Statement {FSX_BUCKET_SID} is left out: no fsx_bucket is given, so the file system links to no bucket."
                ));
            }
        }
        let document = templates::fill_tree(tree, Template::Pc3UserFsx, vars)?;
        b.add_policy(
            b.answers.name(Slot::ParallelClusterFsxUserPolicy),
            "Additional pcluster permissions for clusters with Amazon FSx for Lustre",
            document,
            notes,
        );
    }
    if pc.image_build {
        let document = filled(Template::Pc3UserImageBuild, release, vars)?;
        b.add_policy(
            b.answers.name(Slot::ParallelClusterImageBuildUserPolicy),
            "pcluster permissions to build custom AMIs (pcluster build-image)",
            document,
            vec![
                release_note(release, USER_SOURCE),
                format!("The policy for `pcluster build-image`. {ATTACH_NOTE}"),
                "Beyond the 3.6 guide, as upstream grants them: imagebuilder:CancelImageCreation, and cloudformation:DescribeStacks on every stack (statement CloudFormationListImages, for `pcluster list-images`).".into(),
            ],
        );
    }
    if pc.login_nodes {
        add_login_nodes_policy(b, pc, release, vars)?;
    }
    Ok(())
}

/// The login nodes add-on (ParallelCluster 3.7+): what upstream's base policy
/// grants for `LoginNodes`, with the tag actions of PR #7267.
fn add_login_nodes_policy(
    b: &mut Builder<'_>,
    pc: &ParallelCluster,
    release: Release,
    vars: &Vars,
) -> Result<(), TemplateError> {
    let document = filled(Template::Pc3UserLoginNodes, release, vars)?;
    let mut notes = vec![
        release_note(release, USER_SOURCE),
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
    release: Release,
    vars: &Vars,
    mut notes: Vec<String>,
) -> Result<(), TemplateError> {
    notes.insert(0, release_note(release, USER_SOURCE));
    notes.push("Statement IamRole grants iam:UntagRole too (PR #7255), for every release: CloudFormation removes tags from the cluster's roles on update.".into());
    notes.push(ATTACH_NOTE.into());
    let document = filled(template, release, vars)?;
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
    let release = pc.release();
    let cloudwatch_agent = b.aws_managed("CloudWatchAgentServerPolicy");
    let ssm_core = b.aws_managed("AmazonSSMManagedInstanceCore");

    let mut tree = tree_for(Template::Pc3HeadNode, release)?;
    let mut notes = vec![
        release_note(release, CLUSTER_ROLES_SOURCE),
        "The additional policy for the head node role, Slurm scheduler (restricted mode cannot manage awsbatch clusters).".into(),
        "Beyond the 3.6 guide: dynamodb:BatchGetItem and ec2:GetConsoleOutput (upstream's HeadNodeRoleSlurm); ec2:DetachVolume, and s3:GetBucketLocation and s3:ListBucket on the cluster buckets (statement ResourcesS3Bucket), which the head node role pcluster builds itself has (cli/src/pcluster/templates/cdk_builder_utils.py).".into(),
    ];
    notes.extend(secret_notes(pc, HEAD_NODE_SECRET_SID, &mut tree));
    let document = templates::fill_tree(tree, Template::Pc3HeadNode, vars)?;
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
            release_note(release, CLUSTER_ROLES_SOURCE),
            "Set HeadNode/Iam/InstanceRole to this role's ARN in the cluster configuration. It has the minimal set: CloudWatchAgentServerPolicy, AmazonSSMManagedInstanceCore and the head node policy.".into(),
        ],
    )?;
    b.add_instance_profile(
        &head_role,
        vec![
            release_note(release, CLUSTER_ROLES_SOURCE),
            "For HeadNode/Iam/InstanceProfile, the alternative to InstanceRole.".into(),
        ],
    );

    let document = filled(Template::Pc3ComputeNode, release, vars)?;
    let mut notes = vec![
        release_note(release, CLUSTER_ROLES_SOURCE),
        "The additional policy for the compute nodes role.".into(),
    ];
    notes.push(match left_out_note(release, Template::Pc3ComputeNode) {
        Some(note) => note,
        None => "Beyond the 3.6 guide, as upstream's ComputeNodeRoleSlurm (3.9): dynamodb:GetItem, PutItem and UpdateItem on the cluster tables, and cloudformation:DescribeStackResource on the account's stacks.".into(),
    });
    let compute_policy = b.add_policy(
        b.answers.name(Slot::ParallelClusterComputePolicy),
        "Permissions of AWS ParallelCluster 3 compute nodes",
        document,
        notes,
    );
    let compute_role = b.answers.name(Slot::ParallelClusterComputeRole);
    b.add_role(
        compute_role.clone(),
        "Compute nodes role for AWS ParallelCluster 3 clusters (restricted IAM mode)",
        "ec2.amazonaws.com",
        vec![cloudwatch_agent, ssm_core.clone(), compute_policy],
        vec![
            release_note(release, CLUSTER_ROLES_SOURCE),
            "Set Scheduling/SlurmQueues/Iam/InstanceRole of each queue to this role's ARN; the head node policy may pass it because it is under /parallelcluster/.".into(),
        ],
    )?;
    b.add_instance_profile(
        &compute_role,
        vec![
            release_note(release, CLUSTER_ROLES_SOURCE),
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
        inline("ParallelClusterLambdaFunctionsPolicy", filled(Template::Pc3LambdaFunctions, release, vars)?),
        vec![
            release_note(release, CLUSTER_ROLES_SOURCE),
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
                filled(Template::Pc3ImageBuilderInstance, release, vars)?,
            ),
            vec![
                release_note(release, IMAGE_ROLES_SOURCE),
                "Set Build/Iam/InstanceRole in the image configuration to this role's ARN.".into(),
            ],
        )?;
        b.add_instance_profile(
            &builder_role,
            vec![
                release_note(release, IMAGE_ROLES_SOURCE),
                "For Build/Iam/InstanceProfile, the alternative to InstanceRole.".into(),
            ],
        );
        b.add_role_with_inline(
            b.answers.name(Slot::ParallelClusterImageCleanupRole),
            "Role of the Lambda function that cleans up after pcluster build-image (restricted IAM mode)",
            "lambda.amazonaws.com",
            vec![b.aws_managed("service-role/AWSLambdaBasicExecutionRole")],
            inline("ParallelClusterImageCleanupPolicy", filled(Template::Pc3ImageCleanup, release, vars)?),
            vec![
                release_note(release, IMAGE_ROLES_SOURCE),
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
    use crate::iam::limits;
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
                        Spec::ManagedPolicy(_) => limits::MANAGED_POLICY_SIZE,
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
        let newest = release_text(Release::NEWEST);
        assert!(
            newest.starts_with("AWS ParallelCluster 3.16:")
                && newest.contains("3.12.0")
                && newest.contains("35ae681")
                && !newest.contains("leaving out"),
            "{newest}"
        );
        for (mode, scheduler) in [
            ("privileged", "awsbatch"),
            ("permissions-boundary", "slurm"),
            ("restricted", "slurm"),
        ] {
            for release in ["3.6", "3.9", "3.16"] {
                let answers = longest_answers(mode, scheduler).replace("login_nodes = true\n", "")
                    + &format!("pcluster_version = \"{release}\"\n");
                let text = release_text(Release::parse(release).unwrap());
                let plan = plan_of_valid_toml(&answers);
                for r in &plan.resources {
                    assert!(
                        r.notes.iter().any(|n| n.contains(&text)),
                        "{mode}/{scheduler}/{release}: {} {:?}",
                        r.name,
                        r.notes
                    );
                }
            }
        }
    }

    #[test]
    fn the_release_text_says_what_later_releases_added() {
        let text = release_text(Release::new(3, 8));
        assert!(
            text.starts_with("AWS ParallelCluster 3.8: AWS's own policies of 3.12.0"),
            "{text}"
        );
        assert!(
            text.ends_with("the compute nodes' cloudformation:DescribeStackResource (3.9)"),
            "{text}"
        );
        let text = release_text(Release::OLDEST);
        for (action, since) in [
            ("cloudwatch:PutCompositeAlarm", "3.8"),
            ("cloudformation:DescribeStackResource", "3.9"),
        ] {
            assert!(text.contains(&format!("{action} ({since})")), "{text}");
        }
        // What AWS's side made every release need is never left out.
        for action in ["ec2:DeleteTags", "logs:ListTagsForResource"] {
            assert!(!text.contains(action), "{text}");
        }
        for release in ["3.9", "3.10", "3.12", "3.16"] {
            assert!(!release_text(Release::parse(release).unwrap()).contains("leaving out"));
        }
    }

    /// The actions of a statement (by Sid, or any statement).
    fn actions_of(tree: &Value, sid: Option<&str>) -> Vec<String> {
        tree["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| sid.is_none_or(|sid| s.get("Sid").and_then(Value::as_str) == Some(sid)))
            .flat_map(|s| match &s["Action"] {
                Value::Array(list) => list
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
                Value::String(a) => vec![a.clone()],
                _ => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn every_addition_is_in_its_template_and_left_out_before_its_release() {
        let mut previous = Release::OLDEST;
        for a in ADDITIONS {
            assert!(
                a.since > Release::OLDEST && a.since <= Release::NEWEST,
                "{a:?}"
            );
            assert!(a.since >= previous, "ADDITIONS are in release order: {a:?}");
            previous = a.since;
            let full = a.template.tree().unwrap();
            let present = actions_of(&full, a.sid);
            for action in a.actions {
                assert!(present.iter().any(|p| p == action), "{action} in {a:?}");
                for release in Release::all() {
                    let tree = tree_for(a.template, release).unwrap();
                    let all = actions_of(&tree, None);
                    assert_eq!(
                        all.iter().any(|p| p == action),
                        release >= a.since,
                        "{action} for {release}"
                    );
                    assert_eq!(granted(release, a.template, action), release >= a.since);
                }
            }
        }
        // Only the named template loses an action: the head node keeps
        // cloudformation:DescribeStackResource and dynamodb:GetItem.
        let head = tree_for(Template::Pc3HeadNode, Release::OLDEST).unwrap();
        let head = actions_of(&head, None);
        assert!(
            head.iter()
                .any(|a| a == "cloudformation:DescribeStackResource")
        );
        assert!(head.iter().any(|a| a == "dynamodb:GetItem"));
        assert!(granted(
            Release::OLDEST,
            Template::Pc3HeadNode,
            "dynamodb:GetItem"
        ));
    }

    #[test]
    fn a_statement_left_without_actions_is_removed() {
        let full = Template::Pc3ComputeNode.tree().unwrap();
        let old = tree_for(Template::Pc3ComputeNode, Release::OLDEST).unwrap();
        let count = |t: &Value| t["Statement"].as_array().unwrap().len();
        assert_eq!(count(&old) + 1, count(&full));
        assert_eq!(
            actions_of(&old, None),
            [
                "dynamodb:Query",
                "s3:GetObject",
                "ec2:DescribeInstanceAttribute"
            ]
        );
        let base = tree_for(Template::Pc3UserBase, Release::new(3, 7)).unwrap();
        let cloudwatch = actions_of(&base, Some("CloudWatch"));
        assert!(
            !cloudwatch
                .iter()
                .any(|a| a == "cloudwatch:PutCompositeAlarm")
        );
        assert!(cloudwatch.iter().any(|a| a == "cloudwatch:PutMetricAlarm"));
    }

    #[test]
    fn what_every_release_keeps_is_in_its_template_and_never_gated() {
        for k in EVERY_RELEASE {
            let tree = tree_for(k.template, Release::OLDEST).unwrap();
            let present = actions_of(&tree, Some(k.sid));
            assert!(!present.is_empty(), "{k:?}");
            for action in k.actions {
                assert!(present.iter().any(|p| p == action), "{action} in {k:?}");
                assert!(granted(Release::OLDEST, k.template, action));
            }
            assert!(!k.source.is_empty() && !k.reason.is_empty());
        }
    }

    #[test]
    fn older_releases_have_notes_on_what_they_leave_out() {
        let answers = longest_answers("restricted", "slurm").replace("login_nodes = true\n", "")
            + "pcluster_version = \"3.8.2\"\n";
        let plan = plan_of_valid_toml(&answers);
        let notes = |name: &str| {
            plan.resources
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.notes.join("\n"))
                .unwrap_or_default()
        };
        let base = notes("lab-ParallelClusterUserPolicy");
        assert!(
            base.contains("cloudwatch:PutCompositeAlarm (3.8)")
                && !base.contains("left out as later releases added them"),
            "3.8 keeps everything of the base policy: {base}"
        );
        let compute = notes("lab-ParallelClusterComputeNodePolicy");
        assert!(
            compute.contains("dynamodb:UpdateItem, dynamodb:PutItem, dynamodb:GetItem (3.9;")
                && !compute.contains("Beyond the 3.6 guide"),
            "{compute}"
        );
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
