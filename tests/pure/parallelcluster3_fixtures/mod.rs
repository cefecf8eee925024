//! ParallelCluster 3: every document onramp generates for `version = "3"` is
//! held against two sources, with onramp's IAM evaluator (`onramp::iam`):
//!
//! - AWS's own policies of the release onramp follows
//!   (`tests/fixtures/parallelcluster3-upstream/3.12.0/*.json`, see
//!   [`onramp::plan::parallelcluster3::RELEASE`]): for every `Allow` statement
//!   of an upstream document, every action and every resource (wildcards
//!   made concrete, and also taken literally), with a context that meets the
//!   statement's condition, onramp's corresponding documents must allow the
//!   request. User policies are evaluated together, as users attach them
//!   together; a role with all its own documents. Where onramp deliberately
//!   does not allow a request, a named [`Deviation`] with its reason must
//!   say so, and every deviation a case expects must be needed. Documents
//!   that are the same as upstream's are also compared statement by
//!   statement.
//! - The policies of the ParallelCluster 3 user guide (3.6, May 2023) that
//!   onramp's templates started from (`tests/fixtures/parallelcluster3/`):
//!   after the named [`Improvement`]s are applied to the guide's document,
//!   everything it allows must still be allowed.
//!
//! Roles of restricted mode are checked too: trust, attached policies, path
//! and instance profiles. Control tests drop one grant from onramp's
//! documents and check that the comparisons fail.

mod guide_3_6;
mod releases;

use guide_3_6::*;

use std::collections::{BTreeMap, BTreeSet};

use onramp::answers::Release;
use onramp::answers::{Answers, Environment};
use onramp::iam::eval::{Request, allows_assume, is_allowed};
use onramp::iam::names::EntityKind;
use onramp::iam::policy::{Document, string_or_list};
use onramp::plan::parallelcluster3::{self as pc3, release_text};
use onramp::plan::{self, InstanceProfileSpec, Plan, PolicySpec, Resource, RoleSpec, Spec};
use onramp::templates::Template;
use onramp_testkit::glob::action_matches;
use onramp_testkit::statements::*;
use serde_json::Value;

const REGION: &str = "eu-central-1";
const CHINA_REGION: &str = "cn-northwest-1";
const ACCOUNT: &str = "345678901234";
const SECRET: &str = "pcluster/directory-password";
const FSX_BUCKET: &str = "onramp-fixture-lustre";
const BOUNDARY_NAME: &str = "pcluster-boundary";

/// The newest upstream release vendored, which onramp's templates follow.
const UPSTREAM: &str = "3.12.0";
/// The oldest, which the 3.6 guide describes.
const UPSTREAM_OLDEST: &str = "3.6.0";

/// The vendored upstream release a plan for `release` is held against: the
/// newest at or before it.
fn upstream_of(release: Release) -> &'static str {
    if release.at_least(3, 12) {
        UPSTREAM
    } else {
        UPSTREAM_OLDEST
    }
}

fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn url_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

fn boundary(region: &str) -> String {
    format!(
        "arn:{}:iam::{ACCOUNT}:policy/{BOUNDARY_NAME}",
        partition_of(region)
    )
}

fn read_filled(path: &str, placeholders: &[(&str, String)]) -> Value {
    let mut text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    for (placeholder, value) in placeholders {
        text = text.replace(placeholder, value);
    }
    if let Some(at) = text.find('<') {
        let end = text[at..].find('>').map_or(text.len(), |e| at + e + 1);
        panic!(
            "{path}: placeholder {} is not filled by the test",
            &text[at..end]
        );
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

// ---------------------------------------------------------------------------
// Requests of a document, and whether documents allow them.
// ---------------------------------------------------------------------------

/// One request an upstream (or guide) statement allows.
#[derive(Debug, Clone)]
struct Probe {
    /// `Sid`, or `Statement[i]` without one.
    statement: String,
    sid: Option<String>,
    request: Request,
}

impl std::fmt::Display for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} on {}",
            self.statement, self.request.action, self.request.resource
        )?;
        if !self.request.context.is_empty() {
            write!(f, " with {:?}", self.request.context)?;
        }
        Ok(())
    }
}

/// A concrete action for a wildcard action of the fixtures; each action is
/// also evaluated as written, which a narrower onramp pattern does not match.
fn sample_action(pattern: &str) -> &'static str {
    match pattern.to_lowercase().as_str() {
        "ec2:describe*" => "ec2:DescribeInstances",
        "fsx:*" => "fsx:CreateFileSystem",
        "s3:*" => "s3:PutObject",
        "s3:get*" => "s3:GetObject",
        "s3:list*" => "s3:ListBucket",
        "elasticfilesystem:*" => "elasticfilesystem:CreateFileSystem",
        "cloudformation:*" => "cloudformation:CreateStack",
        "codebuild:*" => "codebuild:StartBuild",
        "ecr:*" => "ecr:CreateRepository",
        "batch:*" => "batch:SubmitJob",
        "events:*" => "events:PutRule",
        "imagebuilder:get*" => "imagebuilder:GetImage",
        "autoscaling:describe*" => "autoscaling:DescribeAutoScalingGroups",
        "elasticloadbalancing:describe*" => "elasticloadbalancing:DescribeLoadBalancers",
        other => panic!("no sample action for the wildcard `{other}`: add one"),
    }
}

fn has_wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

/// A pattern made concrete: each `*` a sample segment, each `?` one letter.
/// A lone `*` (any resource) stays `*`.
fn concretize(pattern: &str) -> String {
    if pattern == "*" {
        return pattern.to_owned();
    }
    pattern.replace('*', "onramp1").replace('?', "x")
}

/// The context values that meet one condition: each listed value in turn
/// (made concrete for `…Like`), and no value at all where the operator
/// holds for an absent key (`…IfExists`, `ForAllValues:`).
fn condition_choices(operator: &str, values: &Value, label: &str) -> Vec<Option<String>> {
    let (set, rest) = match operator.split_once(':') {
        Some((set, rest)) => (Some(set), rest),
        None => (None, operator),
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (rest, false),
    };
    let like = match base {
        "StringEquals" | "StringEqualsIgnoreCase" | "ArnEquals" => false,
        "StringLike" | "ArnLike" => true,
        other => panic!("{label}: condition operator {other} is not handled by the test"),
    };
    let values = string_or_list(values)
        .unwrap_or_else(|e| panic!("{label}: condition values {values}: {}", e.0));
    let mut choices: Vec<Option<String>> = values
        .iter()
        .map(|v| Some(if like { concretize(v) } else { v.clone() }))
        .collect();
    if if_exists || set == Some("ForAllValues") {
        choices.push(None);
    }
    choices
}

/// Every request an `Allow` statement of `document` allows, as described in
/// the module documentation.
fn probes(document: &Value) -> Vec<Probe> {
    let mut out = Vec::new();
    for (i, statement) in raw_statements(document).iter().enumerate() {
        let sid = statement
            .get("Sid")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let label = sid.clone().unwrap_or_else(|| format!("Statement[{i}]"));
        for key in ["NotAction", "NotResource", "Principal", "NotPrincipal"] {
            assert!(
                statement.get(key).is_none(),
                "{label}: {key} is not handled"
            );
        }
        assert_eq!(statement["Effect"], "Allow", "{label}");
        let mut actions = Vec::new();
        for action in string_set(statement.get("Action"), &label) {
            if has_wildcard(&action) {
                actions.push(sample_action(&action).to_owned());
            }
            actions.push(action);
        }
        let mut resources = Vec::new();
        for resource in string_set(statement.get("Resource"), &label) {
            let concrete = concretize(&resource);
            if concrete != resource {
                resources.push(concrete);
            }
            resources.push(resource);
        }
        // Each key's choices; a context is one choice per key, varying one
        // key at a time from the first choice of every key.
        let mut keys: Vec<(String, Vec<Option<String>>)> = Vec::new();
        if let Some(condition) = statement.get("Condition") {
            for (operator, tests) in condition.as_object().expect("Condition object") {
                for (key, values) in tests.as_object().expect("condition tests") {
                    assert!(
                        keys.iter().all(|(k, _)| !k.eq_ignore_ascii_case(key)),
                        "{label}: key {key} under two operators"
                    );
                    keys.push((key.clone(), condition_choices(operator, values, &label)));
                }
            }
        }
        let mut contexts: Vec<Vec<(String, Option<String>)>> = vec![
            keys.iter()
                .map(|(k, choices)| (k.clone(), choices[0].clone()))
                .collect(),
        ];
        for (index, (_, choices)) in keys.iter().enumerate() {
            for choice in choices.iter().skip(1) {
                let mut context = contexts[0].clone();
                context[index].1 = choice.clone();
                contexts.push(context);
            }
        }
        for action in &actions {
            for resource in &resources {
                for context in &contexts {
                    let mut request = Request::new(action.clone(), resource.clone());
                    for (key, value) in context {
                        if let Some(value) = value {
                            request = request.with_context(key.clone(), [value.clone()]);
                        }
                    }
                    out.push(Probe {
                        statement: label.clone(),
                        sid: sid.clone(),
                        request,
                    });
                }
            }
        }
    }
    assert!(!out.is_empty(), "a document without requests");
    out
}

fn parse_all(documents: &[&Value]) -> Vec<Document> {
    documents
        .iter()
        .map(|d| {
            let parsed = Document::parse(d);
            assert!(parsed.findings.is_empty(), "{:?} in {d}", parsed.findings);
            parsed
        })
        .collect()
}

/// The probes of `expected` that `documents` together do not allow.
fn denied(documents: &[&Value], expected: &Value) -> Vec<Probe> {
    let parsed = parse_all(documents);
    let refs: Vec<&Document> = parsed.iter().collect();
    probes(expected)
        .into_iter()
        .filter(|p| !is_allowed(&refs, &p.request))
        .collect()
}

// ---------------------------------------------------------------------------
// Plans and their documents.
// ---------------------------------------------------------------------------

fn plan_of(toml: &str) -> Plan {
    let answers = Answers::from_toml(toml).unwrap_or_else(|e| panic!("{e}\n{toml}"));
    let valid = answers
        .validate(&Environment::default())
        .unwrap_or_else(|e| panic!("invalid test answers: {e}\n{toml}"));
    plan::plan(&valid).unwrap_or_else(|e| panic!("{e}"))
}

#[derive(Debug, Clone)]
struct Case<'a> {
    /// `pcluster_version`; `None`: not given (the newest).
    release: Option<&'a str>,
    region: &'a str,
    scheduler: &'a str,
    mode: &'a str,
    fsx: bool,
    fsx_bucket: bool,
    image_build: bool,
    login_nodes: bool,
    secret: bool,
}

impl Case<'_> {
    /// Every add-on on (login nodes with Slurm only: awsbatch has none).
    fn full<'a>(region: &'a str, mode: &'a str, scheduler: &'a str) -> Case<'a> {
        Case {
            release: None,
            region,
            scheduler,
            mode,
            fsx: true,
            fsx_bucket: true,
            image_build: true,
            login_nodes: scheduler == "slurm",
            secret: true,
        }
    }

    /// Every add-on the release and scheduler have, for `release`.
    fn full_for<'a>(
        release: &'a str,
        region: &'a str,
        mode: &'a str,
        scheduler: &'a str,
    ) -> Case<'a> {
        let mut case = Case {
            release: Some(release),
            ..Case::full(region, mode, scheduler)
        };
        case.login_nodes = scheduler == "slurm" && case.release() >= Release::LOGIN_NODES;
        case
    }

    fn release(&self) -> Release {
        self.release
            .map_or(Release::NEWEST, |r| Release::parse(r).expect("a release"))
    }

    /// The upstream release the case is held against.
    fn upstream(&self) -> &'static str {
        upstream_of(self.release())
    }

    fn toml(&self) -> String {
        let mut t = format!(
            "region = \"{}\"\naccount_id = \"{ACCOUNT}\"\npermissions_boundary = \"{}\"\n[genomics]\nenabled = false\n[parallelcluster]\nversion = \"3\"\nscheduler = \"{}\"\niam_mode = \"{}\"\nfsx = {}\nimage_build = {}\nlogin_nodes = {}\n",
            self.region,
            boundary(self.region),
            self.scheduler,
            self.mode,
            self.fsx,
            self.image_build,
            self.login_nodes,
        );
        if self.fsx_bucket {
            t += &format!("fsx_bucket = \"{FSX_BUCKET}\"\n");
        }
        if self.secret {
            t += &format!("secret_name = \"{SECRET}\"\n");
        }
        if let Some(release) = self.release {
            t += &format!("pcluster_version = \"{release}\"\n");
        }
        t
    }

    fn what(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.release(),
            self.region,
            self.mode,
            self.scheduler
        )
    }

    fn secret_improvement(&self) -> Improvement {
        if self.secret {
            Improvement::SecretSuffix
        } else {
            Improvement::NoSecretNoStatement
        }
    }
}

fn managed<'p>(plan: &'p Plan, name: &str) -> &'p Value {
    match &resource(plan, EntityKind::ManagedPolicy, name).spec {
        Spec::ManagedPolicy(PolicySpec { document, .. }) => document,
        other => panic!("{name}: {other:?}"),
    }
}

fn resource<'p>(plan: &'p Plan, kind: EntityKind, name: &str) -> &'p Resource {
    plan.get(kind, name).unwrap_or_else(|| {
        let have: Vec<&str> = plan.resources.iter().map(|r| r.name.as_str()).collect();
        panic!("no {kind:?} {name} in {have:?}")
    })
}

fn names(plan: &Plan) -> BTreeSet<&str> {
    plan.resources.iter().map(|r| r.name.as_str()).collect()
}

/// The managed policies no role of the plan attaches: what `pcluster` users
/// attach, all together.
fn user_documents(plan: &Plan) -> Vec<(String, Value)> {
    let attached: BTreeSet<&str> = plan
        .resources
        .iter()
        .filter_map(|r| match &r.spec {
            Spec::Role(RoleSpec {
                managed_policy_arns,
                ..
            }) => Some(managed_policy_arns.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .collect();
    plan.resources
        .iter()
        .filter(|r| !attached.contains(r.arn.as_str()))
        .filter_map(|r| match &r.spec {
            Spec::ManagedPolicy(PolicySpec { document, .. }) => {
                Some((r.name.clone(), document.clone()))
            }
            _ => None,
        })
        .collect()
}

/// A role's own documents: its inline policies and the managed policies of
/// the plan it attaches (AWS-managed ones are not in the plan).
fn role_documents(plan: &Plan, role_name: &str) -> Vec<(String, Value)> {
    let role = resource(plan, EntityKind::Role, role_name)
        .role()
        .unwrap_or_else(|| panic!("{role_name} is not a role"));
    let mut out: Vec<(String, Value)> = plan
        .resources
        .iter()
        .filter(|r| role.attaches(&r.arn))
        .filter_map(|r| Some((r.name.clone(), r.policy()?.document.clone())))
        .collect();
    out.extend(
        role.inline_policies
            .iter()
            .map(|(name, doc)| (format!("{role_name}/{name}"), doc.clone())),
    );
    assert!(!out.is_empty(), "{role_name} has no documents of its own");
    out
}

// ---------------------------------------------------------------------------
// Upstream 3.12.0.
// ---------------------------------------------------------------------------

const CLUSTER: &str = "onramp-cluster";

/// An upstream fixture of release `dir` with its placeholders filled for `region`.
fn upstream(dir: &str, file: &str, region: &str) -> Value {
    let partition = partition_of(region);
    let arn = |service: &str, resource: &str| {
        format!("arn:{partition}:{service}:{region}:{ACCOUNT}:{resource}")
    };
    let placeholders = [
        ("<PARTITION>", partition.to_owned()),
        ("<REGION>", region.to_owned()),
        ("<AWS ACCOUNT ID>", ACCOUNT.to_owned()),
        ("<URL SUFFIX>", url_suffix(region).to_owned()),
        ("<PermissionsBoundaryPolicy>", boundary(region)),
        (
            "<FsxS3Buckets>",
            format!("arn:{partition}:s3:::{FSX_BUCKET}"),
        ),
        // Values `pcluster` fills into the roles it builds (cli-*.json).
        ("<CLUSTER NAME>", CLUSTER.to_owned()),
        (
            "<STACK ID>",
            arn(
                "cloudformation",
                &format!("stack/{CLUSTER}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
            ),
        ),
        (
            "<CLUSTER BUCKET>",
            "parallelcluster-0a1b2c3d4e5f6a7b-v1-do-not-delete".to_owned(),
        ),
        (
            "<ARTIFACT DIRECTORY>",
            format!("parallelcluster/{dir}/clusters/{CLUSTER}-abcdefghij"),
        ),
        ("<COMPUTE SUBNET ID>", "subnet-0123456789abcdef0".to_owned()),
        ("<QUEUE AMI ID>", "ami-0123456789abcdef0".to_owned()),
        ("<QUEUE NAME>", "queue1".to_owned()),
        ("<KEY NAME>", "onramp-key".to_owned()),
        ("<HOSTED ZONE ID>", "Z0123456789ABCDEFGHIJ".to_owned()),
        (
            "<EFS ID WITH IAM AUTHORIZATION>",
            "fs-0123456789abcdef0".to_owned(),
        ),
        (
            "<MUNGE KEY SECRET ARN>",
            arn("secretsmanager", "secret:munge-key-AbCdEf"),
        ),
        (
            "<DIRECTORY SERVICE PASSWORD SECRET ARN>",
            arn("secretsmanager", &format!("secret:{SECRET}-AbCdEf")),
        ),
        (
            "<SLURM DATABASE PASSWORD SECRET ARN>",
            arn("secretsmanager", "secret:slurm-db-password-AbCdEf"),
        ),
        (
            "<CAPACITY RESERVATION ARN>",
            arn("ec2", "capacity-reservation/cr-0123456789abcdef0"),
        ),
        (
            "<CAPACITY RESERVATION RESOURCE GROUP ARN>",
            arn("resource-groups", "group/onramp-reservations"),
        ),
    ];
    read_filled(
        &format!(
            "{}/tests/fixtures/parallelcluster3-upstream/{dir}/{file}",
            env!("CARGO_MANIFEST_DIR")
        ),
        &placeholders,
    )
}

/// Where onramp deliberately does not allow what an upstream document does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Deviation {
    /// Upstream's base policy grants `fsx:*` and FSx's service-linked roles;
    /// onramp's FSx add-on does, with `fsx = true` only.
    FsxAddOn,
    /// Upstream's base policy grants the login nodes' statements; onramp's
    /// login nodes add-on does, with `login_nodes = true` only.
    LoginNodesAddOn,
    /// Upstream's Batch policy: onramp's Batch add-on, with awsbatch only.
    BatchAddOn,
    /// Upstream's image policy: onramp's image add-on, with `image_build`.
    ImageBuildAddOn,
    /// Upstream's FSx S3 policy names the linked bucket; without
    /// `fsx_bucket` there is none.
    NoFsxBucket,
    /// `pcluster`'s head node and cleanup roles terminate instances by the
    /// cluster-name tag; onramp's (like upstream's cluster-roles) by the
    /// node-type tag.
    TerminateByNodeType,
    /// `pcluster`'s head node role passes its cluster's roles to anyone;
    /// onramp's (like upstream's cluster-roles) only to EC2.
    PassRoleToEc2Only,
    /// `pcluster` grants reads of secrets the cluster configuration names
    /// (munge key, Slurm database password); onramp's role, made before any
    /// configuration, grants only the answers' `secret_name`.
    ConfiguredSecrets,
    /// `pcluster` grants EFS client access to file systems with IAM
    /// authorization in the configuration.
    ConfiguredEfs,
    /// `pcluster` grants capacity reservation groups of the configuration.
    ConfiguredCapacityReservations,
    /// `pcluster` lets the head node see the login nodes' target groups
    /// when the configuration has login nodes and a munge key.
    ConfiguredLoginNodes,
    /// Statements that mix bucket and object actions on bucket and object
    /// ARNs: S3 checks object actions against object ARNs and bucket actions
    /// against bucket ARNs only.
    S3ActionOnOtherResourceType,
}

impl Deviation {
    const ALL: [Deviation; 12] = [
        Deviation::FsxAddOn,
        Deviation::LoginNodesAddOn,
        Deviation::BatchAddOn,
        Deviation::ImageBuildAddOn,
        Deviation::NoFsxBucket,
        Deviation::TerminateByNodeType,
        Deviation::PassRoleToEc2Only,
        Deviation::ConfiguredSecrets,
        Deviation::ConfiguredEfs,
        Deviation::ConfiguredCapacityReservations,
        Deviation::ConfiguredLoginNodes,
        Deviation::S3ActionOnOtherResourceType,
    ];

    fn reason(self) -> &'static str {
        match self {
            Deviation::FsxAddOn => {
                "onramp splits FSx into an add-on, so a plan without fsx = true grants no fsx:* and no FSx service-linked roles"
            }
            Deviation::LoginNodesAddOn => {
                "onramp splits login nodes into an add-on (which also keeps the base policy under 6,144 characters), so a plan without login_nodes = true grants no Auto Scaling or Elastic Load Balancing"
            }
            Deviation::BatchAddOn => {
                "the Batch add-on comes with scheduler awsbatch only (upstream: EnableBatchAccess)"
            }
            Deviation::ImageBuildAddOn => {
                "the image build add-on comes with image_build = true only"
            }
            Deviation::NoFsxBucket => "no bucket is linked, so no statement names one",
            Deviation::TerminateByNodeType => {
                "one pre-made role serves every cluster, so it cannot name a cluster; it keys on parallelcluster:node-type = Compute, as upstream's restricted-mode roles do"
            }
            Deviation::PassRoleToEc2Only => {
                "the head node passes compute roles to EC2 only; onramp keeps the iam:PassedToService condition of upstream's restricted-mode role"
            }
            Deviation::ConfiguredSecrets => {
                "a role made before the cluster configuration knows only the answers' secret_name; add other secrets with AdditionalIamPolicies"
            }
            Deviation::ConfiguredEfs => {
                "EFS file systems with IamAuthorization are named by the cluster configuration; add them with AdditionalIamPolicies"
            }
            Deviation::ConfiguredCapacityReservations => {
                "capacity reservation groups are named by the cluster configuration; add them with AdditionalIamPolicies"
            }
            Deviation::ConfiguredLoginNodes => {
                "pcluster adds it only with login nodes and a munge key secret, both of the configuration; onramp pre-creates no login node role either"
            }
            Deviation::S3ActionOnOtherResourceType => {
                "S3 never checks an object action against a bucket ARN, nor a bucket action against an object ARN"
            }
        }
    }

    /// Whether the deviation applies to this case at all.
    fn active(self, case: &Case<'_>) -> bool {
        match self {
            Deviation::FsxAddOn => !case.fsx,
            // 3.6.0 has no login nodes.
            Deviation::LoginNodesAddOn => !case.login_nodes && case.upstream() != UPSTREAM_OLDEST,
            Deviation::BatchAddOn => case.scheduler != "awsbatch",
            Deviation::ImageBuildAddOn => !case.image_build,
            Deviation::NoFsxBucket => case.fsx && !case.fsx_bucket,
            Deviation::TerminateByNodeType
            | Deviation::PassRoleToEc2Only
            | Deviation::ConfiguredSecrets
            | Deviation::ConfiguredEfs
            | Deviation::ConfiguredCapacityReservations
            | Deviation::ConfiguredLoginNodes
            | Deviation::S3ActionOnOtherResourceType => true,
        }
    }

    /// The upstream files whose requests it may excuse.
    fn files(self) -> &'static [&'static str] {
        match self {
            Deviation::FsxAddOn => &["user-base.json", "user-fsx.json"],
            Deviation::LoginNodesAddOn => &["user-base.json"],
            Deviation::BatchAddOn => &["user-batch.json"],
            Deviation::ImageBuildAddOn => &["user-image-build.json"],
            Deviation::NoFsxBucket => &["user-fsx.json"],
            Deviation::TerminateByNodeType => &[
                "cli-head-node-slurm.json",
                "cli-lambda-cleanup-resources.json",
            ],
            Deviation::PassRoleToEc2Only
            | Deviation::ConfiguredSecrets
            | Deviation::ConfiguredCapacityReservations
            | Deviation::ConfiguredLoginNodes
            | Deviation::S3ActionOnOtherResourceType => &["cli-head-node-slurm.json"],
            Deviation::ConfiguredEfs => {
                &["cli-head-node-slurm.json", "cli-compute-node-slurm.json"]
            }
        }
    }

    /// Whether it excuses this request of `file`.
    fn excuses(self, file: &str, probe: &Probe) -> bool {
        if !self.files().contains(&file) {
            return false;
        }
        let sid = probe.sid.as_deref().unwrap_or_default();
        let service_linked = |names: &[&str]| {
            probe
                .request
                .context_values("iam:AWSServiceName")
                .is_some_and(|v| v.iter().any(|s| names.contains(&s.as_str())))
        };
        match self {
            Deviation::FsxAddOn => {
                file == "user-fsx.json"
                    || sid == "FSx"
                    || service_linked(&[
                        "fsx.amazonaws.com",
                        "s3.data-source.lustre.fsx.amazonaws.com",
                    ])
            }
            Deviation::LoginNodesAddOn => {
                sid.starts_with("LoginNodes")
                    || service_linked(&[
                        "elasticloadbalancing.amazonaws.com",
                        "autoscaling.amazonaws.com",
                    ])
            }
            Deviation::BatchAddOn | Deviation::ImageBuildAddOn => true,
            Deviation::NoFsxBucket => sid == "EnableFSxS3Access",
            Deviation::TerminateByNodeType => {
                sid == "EC2Terminate" || sid == "FleetTerminatePolicy"
            }
            Deviation::PassRoleToEc2Only => sid == "PassRole",
            Deviation::ConfiguredSecrets => {
                sid == "SecretsManager" || sid == "AllowGettingSlurmDbSecretValue"
            }
            Deviation::ConfiguredEfs => sid == "Efs",
            Deviation::ConfiguredCapacityReservations => sid == "AllowManagingReservedCapacity",
            Deviation::ConfiguredLoginNodes => sid == "TargetGroupDescribe",
            Deviation::S3ActionOnOtherResourceType => {
                let action = probe.request.action.to_lowercase();
                let Some(path) = probe.request.resource.split(":::").nth(1) else {
                    return false;
                };
                let object = path.contains('/');
                let object_action = action.contains("object");
                action.starts_with("s3:") && object != object_action
            }
        }
    }
}

/// One upstream document compared with onramp's documents.
struct Comparison {
    file: &'static str,
    documents: Vec<(String, Value)>,
}

/// What a case compares: upstream files with onramp's documents for them.
fn comparisons(case: &Case<'_>, plan: &Plan) -> Vec<Comparison> {
    let users = user_documents(plan);
    let user = |file| Comparison {
        file,
        documents: users.clone(),
    };
    let mut out = vec![
        user("user-base.json"),
        user("user-batch.json"),
        user("user-fsx.json"),
        user("user-image-build.json"),
    ];
    match case.mode {
        "privileged" => out.push(user("iam-privileged.json")),
        "permissions-boundary" => out.push(user("iam-permissions-boundary.json")),
        "restricted" => {
            let role = |file, name| Comparison {
                file,
                documents: role_documents(plan, name),
            };
            out.extend([
                role("head-node-slurm.json", "ParallelClusterHeadNodeRole"),
                role("compute-node.json", "ParallelClusterComputeNodeRole"),
                role(
                    "lambda-functions.json",
                    "ParallelClusterLambdaFunctionsRole",
                ),
            ]);
            // The CLI's own roles are vendored for 3.12.0 only.
            if case.upstream() == UPSTREAM {
                out.extend([
                    role("cli-head-node-slurm.json", "ParallelClusterHeadNodeRole"),
                    role(
                        "cli-compute-node-slurm.json",
                        "ParallelClusterComputeNodeRole",
                    ),
                    role(
                        "cli-lambda-cleanup-resources.json",
                        "ParallelClusterLambdaFunctionsRole",
                    ),
                    role(
                        "cli-lambda-cleanup-route53.json",
                        "ParallelClusterLambdaFunctionsRole",
                    ),
                ]);
            }
            if case.image_build {
                out.extend([
                    role(
                        "image-builder-instance.json",
                        "ParallelClusterImageBuilderRole",
                    ),
                    role(
                        "image-cleanup-lambda.json",
                        "ParallelClusterImageCleanupRole",
                    ),
                ]);
            }
        }
        other => panic!("mode {other}"),
    }
    out
}

/// Every upstream fixture, compared by [`comparisons`] or left out here
/// with the reason.
const NOT_COMPARED: [(&str, &str); 5] = [
    (
        "head-node-batch.json",
        "restricted mode manages Slurm clusters only; onramp refuses restricted mode with awsbatch",
    ),
    (
        "lambda-functions-batch.json",
        "restricted mode manages Slurm clusters only; onramp refuses restricted mode with awsbatch",
    ),
    (
        "cli-login-node.json",
        "onramp pre-creates no login node role, as upstream's restricted-mode roles have none",
    ),
    (
        "test-user-role.json",
        "the integration tests' user role: the policies template's statements (compared file by file) plus test-only grants",
    ),
    (
        "test-permissions-boundary.json",
        "the boundary the integration tests put on their roles; onramp uses the answers' boundary",
    ),
];

/// The upstream requests onramp's documents do not allow and no deviation
/// excuses, with every deviation that excused something.
fn compare_with_upstream(
    case: &Case<'_>,
    file: &str,
    documents: &[(String, Value)],
    used: &mut BTreeMap<Deviation, usize>,
) -> Vec<String> {
    let expected = upstream(case.upstream(), file, case.region);
    let docs: Vec<&Value> = documents.iter().map(|(_, d)| d).collect();
    let mut failures = Vec::new();
    for probe in denied(&docs, &expected) {
        match Deviation::ALL
            .iter()
            .find(|d| d.active(case) && d.excuses(file, &probe))
        {
            Some(d) => *used.entry(*d).or_default() += 1,
            None => failures.push(format!("{}: {file} {probe}", case.what())),
        }
    }
    failures
}

/// Holds every upstream document of the case against onramp's; panics with
/// every request onramp does not allow that no deviation excuses, and with
/// every deviation the case expects but nothing needed.
fn check_upstream(case: &Case<'_>) -> Plan {
    let plan = plan_of(&case.toml());
    let mut used = BTreeMap::new();
    let mut failures = Vec::new();
    let compared = comparisons(case, &plan);
    for c in &compared {
        failures.extend(compare_with_upstream(case, c.file, &c.documents, &mut used));
    }
    for d in Deviation::ALL {
        let relevant = d.active(case)
            && d.files()
                .iter()
                .any(|f| compared.iter().any(|c| c.file == *f));
        if relevant && !used.contains_key(&d) {
            failures.push(format!(
                "{}: deviation {d:?} excused nothing; is it still true that {}?",
                case.what(),
                d.reason()
            ));
        }
    }
    if !failures.is_empty() {
        let documents: Vec<String> = compared
            .iter()
            .flat_map(|c| c.documents.iter().map(|(n, _)| n.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        panic!(
            "onramp does not allow what upstream {} does ({} failures; documents {documents:?}):\n{}",
            case.upstream(),
            failures.len(),
            failures.join("\n")
        );
    }
    plan
}

/// The combinations of IAM mode and scheduler onramp plans.
const MODES: [(&str, &str); 4] = [
    ("privileged", "slurm"),
    ("privileged", "awsbatch"),
    ("permissions-boundary", "slurm"),
    ("restricted", "slurm"),
];

#[test]
fn onramp_allows_everything_upstream_allows_in_every_mode_and_partition() {
    for region in [REGION, CHINA_REGION] {
        for (mode, scheduler) in MODES {
            check_upstream(&Case::full(region, mode, scheduler));
        }
    }
}

#[test]
fn the_oldest_and_the_vendored_release_allow_everything_their_upstream_allows() {
    for (release, dir) in [("3.6", UPSTREAM_OLDEST), ("3.12", UPSTREAM)] {
        for region in [REGION, CHINA_REGION] {
            for (mode, scheduler) in MODES {
                let case = Case::full_for(release, region, mode, scheduler);
                assert_eq!(case.upstream(), dir);
                check_upstream(&case);
            }
        }
    }
}

#[test]
fn every_release_allows_everything_of_the_upstream_release_before_it() {
    // Each release keeps what 3.6.0 (and from 3.12, 3.12.0) grants: leaving
    // out what came later never takes an older grant away.
    for release in Release::all() {
        let text = release.to_string();
        for (mode, scheduler) in MODES {
            check_upstream(&Case::full_for(&text, REGION, mode, scheduler));
        }
        check_upstream(&Case {
            fsx: false,
            fsx_bucket: false,
            image_build: false,
            login_nodes: false,
            ..Case::full_for(&text, REGION, "restricted", "slurm")
        });
    }
}

#[test]
fn without_the_add_ons_only_their_statements_are_missing() {
    for region in [REGION, CHINA_REGION] {
        for (mode, scheduler) in [("privileged", "slurm"), ("restricted", "slurm")] {
            check_upstream(&Case {
                release: None,
                region,
                scheduler,
                mode,
                fsx: false,
                fsx_bucket: false,
                image_build: false,
                login_nodes: false,
                secret: true,
            });
        }
        check_upstream(&Case {
            fsx_bucket: false,
            ..Case::full(region, "permissions-boundary", "awsbatch")
        });
    }
}

#[test]
fn documents_that_are_upstreams_are_the_same_statement_for_statement() {
    // The newest release against 3.12.0, and 3.6 against 3.6.0: without
    // what later releases added, the compute node policy is 3.6.0's again.
    for release in [None, Some("3.12"), Some("3.6")] {
        for region in [REGION, CHINA_REGION] {
            let case = Case {
                release,
                login_nodes: false,
                ..Case::full(region, "restricted", "slurm")
            };
            let dir = case.upstream();
            let plan = plan_of(&case.toml());
            for (file, generated) in [
                (
                    "compute-node.json",
                    managed(&plan, "ParallelClusterComputeNodePolicy"),
                ),
                (
                    "lambda-functions.json",
                    inline(
                        &plan,
                        "ParallelClusterLambdaFunctionsRole",
                        "ParallelClusterLambdaFunctionsPolicy",
                    ),
                ),
                (
                    "image-builder-instance.json",
                    inline(
                        &plan,
                        "ParallelClusterImageBuilderRole",
                        "ParallelClusterImageBuilderPolicy",
                    ),
                ),
                (
                    "image-cleanup-lambda.json",
                    inline(
                        &plan,
                        "ParallelClusterImageCleanupRole",
                        "ParallelClusterImageCleanupPolicy",
                    ),
                ),
            ] {
                if let Some(report) = statement_differences(generated, &upstream(dir, file, region))
                {
                    panic!(
                        "{}: {file} differs from upstream {dir}:\n{report}",
                        case.what()
                    );
                }
            }
            let case = Case {
                release,
                login_nodes: false,
                ..Case::full(region, "privileged", "awsbatch")
            };
            let plan = plan_of(&case.toml());
            let generated = managed(&plan, "ParallelClusterBatchUserPolicy");
            if let Some(report) =
                statement_differences(generated, &upstream(dir, "user-batch.json", region))
            {
                panic!(
                    "{}: user-batch.json differs from upstream {dir}:\n{report}",
                    case.what()
                );
            }
        }
    }
}

/// The `.json` files of an upstream release's folder.
fn upstream_files(dir: &str) -> BTreeSet<String> {
    let path = format!(
        "{}/tests/fixtures/parallelcluster3-upstream/{dir}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_dir(&path)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect()
}

#[test]
fn every_upstream_fixture_is_compared_or_left_out_with_a_reason() {
    for (release, dir) in [
        ("3.16", UPSTREAM),
        ("3.12", UPSTREAM),
        ("3.6", UPSTREAM_OLDEST),
    ] {
        let on_disk = upstream_files(dir);
        let mut listed: BTreeSet<String> = BTreeSet::new();
        for (mode, scheduler) in MODES {
            let case = Case::full_for(release, REGION, mode, scheduler);
            assert_eq!(case.upstream(), dir);
            let plan = plan_of(&case.toml());
            listed.extend(comparisons(&case, &plan).iter().map(|c| c.file.to_owned()));
        }
        for (file, reason) in NOT_COMPARED {
            assert!(!reason.is_empty());
            // cli-login-node.json is vendored for 3.12.0 only.
            if on_disk.contains(file) {
                assert!(
                    listed.insert(file.to_owned()),
                    "{file} is compared and left out"
                );
            }
        }
        assert_eq!(on_disk, listed, "{dir}");
    }
}

/// The comparison with upstream, on documents the test changes.
fn upstream_failures(case: &Case<'_>, file: &str, documents: &[(String, Value)]) -> Vec<String> {
    compare_with_upstream(case, file, documents, &mut BTreeMap::new())
}

/// The user documents with `action` taken out of statement `sid` of the
/// base policy, for the controls that show a dropped grant is caught.
fn base_policy_without(users: &[(String, Value)], sid: &str, action: &str) -> Vec<(String, Value)> {
    let mut dropped = users.to_vec();
    let (_, base) = dropped
        .iter_mut()
        .find(|(n, _)| n == "ParallelClusterUserPolicy")
        .unwrap();
    let actions = statement_by_sid(base, sid)["Action"]
        .as_array_mut()
        .unwrap();
    let before = actions.len();
    actions.retain(|a| a != action);
    assert_eq!(actions.len() + 1, before, "{sid} lists {action} once");
    dropped
}

#[test]
fn the_upstream_comparison_fails_when_onramp_drops_a_grant() {
    let case = Case::full(REGION, "restricted", "slurm");
    let plan = plan_of(&case.toml());
    let users = user_documents(&plan);
    assert!(upstream_failures(&case, "user-base.json", &users).is_empty());

    // One action less in the base policy.
    let dropped = base_policy_without(&users, "EC2Write", "ec2:DeleteTags");
    let failures = upstream_failures(&case, "user-base.json", &dropped);
    assert!(
        !failures.is_empty() && failures.iter().all(|f| f.contains("ec2:DeleteTags")),
        "{failures:#?}"
    );

    // The login nodes add-on left out although the case asks for it.
    let without: Vec<(String, Value)> = users
        .iter()
        .filter(|(n, _)| n != "ParallelClusterLoginNodesUserPolicy")
        .cloned()
        .collect();
    assert_eq!(without.len() + 1, users.len());
    let failures = upstream_failures(&case, "user-base.json", &without);
    assert!(
        failures
            .iter()
            .any(|f| f.contains("LoginNodesFunctionalities:")),
        "{failures:#?}"
    );

    // One action less in a role's policy.
    let mut head = role_documents(&plan, "ParallelClusterHeadNodeRole");
    assert!(upstream_failures(&case, "head-node-slurm.json", &head).is_empty());
    rewrite_strings(&mut head[0].1, &mut |s| {
        (s == "dynamodb:BatchGetItem").then(|| "dynamodb:Scan".to_owned())
    });
    let failures = upstream_failures(&case, "head-node-slurm.json", &head);
    assert!(
        !failures.is_empty() && failures.iter().all(|f| f.contains("dynamodb:BatchGetItem")),
        "{failures:#?}"
    );
}

#[test]
fn a_wildcard_is_checked_as_written_too() {
    // onramp granting only the sample of upstream's `fsx:*` is not enough.
    let case = Case::full(REGION, "privileged", "slurm");
    let plan = plan_of(&case.toml());
    let mut users = user_documents(&plan);
    let (_, fsx) = users
        .iter_mut()
        .find(|(n, _)| n == "ParallelClusterFSxUserPolicy")
        .unwrap();
    statement_by_sid(fsx, "FSx")["Action"] = serde_json::json!(["fsx:CreateFileSystem"]);
    let failures = upstream_failures(&case, "user-base.json", &users);
    assert!(
        !failures.is_empty() && failures.iter().all(|f| f.contains("fsx:*")),
        "{failures:#?}"
    );
}

#[test]
fn every_resource_names_the_release_it_follows() {
    assert!(release_text(Release::NEWEST).contains(UPSTREAM));
    for release in [None, Some("3.6"), Some("3.9.2"), Some("3.12")] {
        for (mode, scheduler) in MODES {
            let case = Case {
                release,
                ..Case::full_for("3.16", REGION, mode, scheduler)
            };
            let case = Case {
                login_nodes: case.login_nodes && case.release() >= Release::LOGIN_NODES,
                ..case
            };
            let text = release_text(case.release());
            assert!(
                text.starts_with(&format!("AWS ParallelCluster {}:", case.release())),
                "{text}"
            );
            let plan = plan_of(&case.toml());
            for r in &plan.resources {
                assert!(
                    r.notes.iter().any(|n| n.contains(&text)),
                    "{}: {} has no note naming {text}: {:?}",
                    case.what(),
                    r.name,
                    r.notes
                );
            }
        }
    }
}
