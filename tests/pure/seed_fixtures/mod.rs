//! The generated policies held against the documents they come from, each a
//! test fixture:
//! - genomics: `tests/fixtures/seeds/genomics-*.json`, extracted verbatim
//!   from seed `000_…`, "Genomics Workflows on AWS — Core: Permissions";
//! - ParallelCluster 2: `tests/fixtures/parallelcluster2-final/*.json`, the
//!   policies of the final ParallelCluster 2 guide (2.11.9; `doc_source/iam.md`
//!   @005e41b of awsdocs/aws-parallelcluster-user-guide). Seed `004_…` ("AWS
//!   ParallelCluster — IAM roles", `tests/fixtures/seeds/parallelcluster2-*`)
//!   is the 2019 text of the same page; a separate test states what became
//!   of each of its grants.
//!
//! For each fixture the placeholders are filled with the same test values the
//! answers give, then onramp's improvements (README, "Where onramp differs
//! from the source documents") are applied to the fixture one by one, each a
//! named [`Improvement`] with its reason that must change the fixture, and
//! the generated document must have the same statements: effect, action set
//! (compared case-insensitively, as IAM does), resource set, conditions and
//! any other key but `Sid`. Any other difference fails, showing the
//! differing statements.
//!
//! The trust principals and attached policy ARNs of every role are asserted
//! too, for the genomics core and for ParallelCluster.

mod genomics;
mod parallelcluster2;

use genomics::*;
use parallelcluster2::*;

use std::collections::BTreeSet;

use onramp::answers::{Answers, Environment, Genomics, ParallelCluster};
use onramp::iam::names::EntityKind;
use onramp::plan::{self, InstanceProfileSpec, Plan, PolicySpec, Resource, RoleSpec, Spec};
use onramp_testkit::glob::{action_matches, glob};
use onramp_testkit::statements::*;
use serde_json::Value;

// ---------------------------------------------------------------------------
// Test values for the fixtures' placeholders (distinctive on purpose).

const REGION: &str = "eu-west-2";
const CHINA_REGION: &str = "cn-north-1";
const GOVCLOUD_REGION: &str = "us-gov-west-1";
const ACCOUNT: &str = "210987654321";
const BUCKET: &str = "onramp-fixture-inputs";
const OTHER_BUCKET: &str = "onramp-fixture-results";
const THIRD_BUCKET: &str = "onramp-fixture-work";
const RESOURCES_BUCKET: &str = "onramp-fixture-pcluster";
/// What the ParallelCluster 2 guide's `<RESOURCES S3 BUCKET>` is when
/// `cluster_resource_bucket` is not set.
const DEFAULT_RESOURCES_BUCKET: &str = "parallelcluster-*";
const STACK_NAME: &str = "parallelcluster-fixturestack";
const JOB_DEFINITION_SERIAL_NAME: &str = "fixture-jobdef-serial";
const JOB_DEFINITION_MNP_NAME: &str = "fixture-jobdef-mnp";
const JOB_QUEUE_NAME: &str = "fixture-job-queue";
const BATCH_STACK_JOB_ROLE: &str = "fixture-batch-job-role";
const ECS_COMPUTE_ENVIRONMENT: &str = "fixture-ecs-cluster";
/// The guide's per-cluster values of `EC2RunInstances`, which onramp does not
/// ask for.
const COMPUTE_SUBNET: &str = "subnet-0fixture0compute";
const IMAGE_ID: &str = "ami-0fixture0image";
const KEY_NAME: &str = "fixture-key-pair";
/// The name onramp gives the role the guide leaves as `<PARALLELCLUSTER EC2 ROLE NAME>`.
const PARALLELCLUSTER_ROLE: &str = "ParallelClusterInstanceRole";

const TRADITIONAL_SCHEDULERS: [&str; 3] = ["slurm", "sge", "torque"];
const ALL_SCHEDULERS: [&str; 4] = ["slurm", "sge", "torque", "awsbatch"];

fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

// ---------------------------------------------------------------------------
// Fixtures

/// What the fixtures' placeholders are filled with.
struct Fill<'a> {
    region: &'a str,
    /// `<PARALLELCLUSTER EC2 ROLE NAME>`: the part of the role's ARN after
    /// `role/`, i.e. its path (without the leading `/`) and name.
    parallelcluster_role: &'a str,
    /// `<RESOURCES S3 BUCKET>`.
    resources_bucket: &'a str,
    /// `<bucket-name>` of the bucket access policy, if that fixture is read.
    bucket: Option<&'a str>,
}

impl<'a> Fill<'a> {
    fn new(region: &'a str) -> Fill<'a> {
        Fill {
            region,
            parallelcluster_role: PARALLELCLUSTER_ROLE,
            resources_bucket: RESOURCES_BUCKET,
            bucket: None,
        }
    }

    fn bucket(mut self, bucket: &'a str) -> Fill<'a> {
        self.bucket = Some(bucket);
        self
    }

    /// The resources bucket of the answers; without one, the guide's
    /// `parallelcluster-*`.
    fn resources_bucket(mut self, bucket: Option<&'a str>) -> Fill<'a> {
        self.resources_bucket = bucket.unwrap_or(DEFAULT_RESOURCES_BUCKET);
        self
    }

    fn pairs(&self) -> Vec<(&'static str, &'a str)> {
        let mut pairs = vec![
            ("<REGION>", self.region),
            ("<region>", self.region),
            ("<AWS ACCOUNT ID>", ACCOUNT),
            ("<RESOURCES S3 BUCKET>", self.resources_bucket),
            ("<PARALLELCLUSTER EC2 ROLE NAME>", self.parallelcluster_role),
            (
                "<AWS_BATCH_STACK - JOB_DEFINITION_SERIAL_NAME>",
                JOB_DEFINITION_SERIAL_NAME,
            ),
            (
                "<AWS_BATCH_STACK - JOB_DEFINITION_MNP_NAME>",
                JOB_DEFINITION_MNP_NAME,
            ),
            ("<AWS_BATCH_STACK - JOB_QUEUE_NAME>", JOB_QUEUE_NAME),
            ("<STACK NAME>", STACK_NAME),
            ("<AWS_BATCH_STACK - JOB_ROLE>", BATCH_STACK_JOB_ROLE),
            ("<ECS COMPUTE ENVIRONMENT>", ECS_COMPUTE_ENVIRONMENT),
            ("<COMPUTE SUBNET ID>", COMPUTE_SUBNET),
            ("<IMAGE ID>", IMAGE_ID),
            ("<KEY NAME>", KEY_NAME),
        ];
        if let Some(bucket) = self.bucket {
            pairs.push(("<bucket-name>", bucket));
        }
        pairs
    }
}

/// A seed's JSON document with its placeholders filled.
fn fixture(file: &str, fill: &Fill<'_>) -> Value {
    fixture_in("seeds", file, fill)
}

/// A policy of the final ParallelCluster 2 guide with its placeholders filled.
fn final_fixture(file: &str, fill: &Fill<'_>) -> Value {
    fixture_in("parallelcluster2-final", file, fill)
}

/// A fixture with its placeholders filled. Panics if any `<…>` placeholder
/// is left, so a fixture is never compared half-filled.
fn fixture_in(dir: &str, file: &str, fill: &Fill<'_>) -> Value {
    let path = format!("{}/tests/fixtures/{dir}/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    for (placeholder, value) in fill.pairs() {
        text = text.replace(placeholder, value);
    }
    if let Some(at) = text.find('<') {
        let end = text[at..].find('>').map_or(text.len(), |e| at + e + 1);
        panic!(
            "fixture {dir}/{file}: placeholder {} is not filled by the test",
            &text[at..end]
        );
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {file} is not JSON: {e}"))
}

/// The policy document of a fixture: the CloudFormation versions wrap it as
/// `{"PolicyName": …, "PolicyDocument": …}`, the others are the document.
fn document_of(fixture: &Value) -> Value {
    fixture
        .get("PolicyDocument")
        .cloned()
        .unwrap_or_else(|| fixture.clone())
}

// ---------------------------------------------------------------------------
// Plans

fn no_environment() -> Environment {
    Environment {
        region_flag: None,
        region_env: None,
        account_id: None,
    }
}

fn plan_of(answers: &Answers) -> Plan {
    let valid = answers
        .validate(&no_environment())
        .unwrap_or_else(|e| panic!("the test's answers are invalid: {e}\n{answers:#?}"));
    plan::plan(&valid).unwrap_or_else(|e| panic!("planning failed: {e}"))
}

fn plan_of_toml(toml: &str) -> Plan {
    let answers =
        Answers::from_toml(toml).unwrap_or_else(|e| panic!("answers do not parse: {e}\n{toml}"));
    plan_of(&answers)
}

fn target(region: &str) -> Answers {
    Answers {
        region: Some(region.into()),
        account_id: Some(ACCOUNT.into()),
        genomics: None,
        parallelcluster: None,
        ..Answers::default()
    }
}

fn genomics_answers(region: &str, buckets: &[&str]) -> Answers {
    Answers {
        genomics: Some(Genomics {
            buckets: buckets.iter().map(|b| (*b).to_owned()).collect(),
            ..Genomics::default()
        }),
        ..target(region)
    }
}

fn parallelcluster_settings(scheduler: &str, resources_bucket: Option<&str>) -> ParallelCluster {
    let mut pc = ParallelCluster {
        scheduler: scheduler.into(),
        resources_bucket: resources_bucket.map(str::to_owned),
        ..ParallelCluster::default()
    };
    if scheduler == "awsbatch" {
        pc.stack_name = Some(STACK_NAME.into());
        pc.job_definition_serial_name = Some(JOB_DEFINITION_SERIAL_NAME.into());
        pc.job_definition_mnp_name = Some(JOB_DEFINITION_MNP_NAME.into());
        pc.job_queue_name = Some(JOB_QUEUE_NAME.into());
        pc.job_role = Some(BATCH_STACK_JOB_ROLE.into());
        pc.ecs_compute_environment = Some(ECS_COMPUTE_ENVIRONMENT.into());
    }
    pc
}

fn parallelcluster_answers(
    region: &str,
    scheduler: &str,
    resources_bucket: Option<&str>,
) -> Answers {
    Answers {
        parallelcluster: Some(parallelcluster_settings(scheduler, resources_bucket)),
        ..target(region)
    }
}

fn resource<'p>(plan: &'p Plan, kind: EntityKind, name: &str) -> &'p Resource {
    plan.get(kind, name).unwrap_or_else(|| {
        let have: Vec<String> = plan
            .resources
            .iter()
            .map(|r| format!("{:?} {}", r.kind(), r.name))
            .collect();
        panic!("the plan has no {kind:?} named {name}; it has {have:#?}")
    })
}

fn policy_document<'p>(plan: &'p Plan, name: &str) -> &'p Value {
    match &resource(plan, EntityKind::ManagedPolicy, name).spec {
        Spec::ManagedPolicy(PolicySpec { document, .. }) => document,
        other => panic!("{name} is not a managed policy: {other:?}"),
    }
}

fn names_of(plan: &Plan, kind: EntityKind) -> BTreeSet<String> {
    plan.resources
        .iter()
        .filter(|r| r.kind() == kind)
        .map(|r| r.name.clone())
        .collect()
}

/// Applies the improvements to the fixture, in order (each must change it),
/// then asserts the generated document has the same statements.
fn assert_matches_fixture(
    what: &str,
    generated: &Value,
    fixture_file: &str,
    fixture: Value,
    improvements: &[Improvement],
) {
    let fixture = improved(what, fixture_file, fixture, improvements);
    if let Some(report) = statement_differences(generated, &fixture) {
        let applied: Vec<String> = improvements
            .iter()
            .map(|i| format!("{}: {}", i.name(), i.reason()))
            .collect();
        panic!(
            "{what} differs from fixture {fixture_file} beyond the documented improvements\n\
             improvements applied to the fixture: {applied:#?}\n{report}\n\
             generated: {}\nfixture after improvements: {}",
            serde_json::to_string_pretty(generated).unwrap_or_default(),
            serde_json::to_string_pretty(&fixture).unwrap_or_default()
        );
    }
}

/// The fixture with the improvements applied, in order; each must change it.
fn improved(
    what: &str,
    fixture_file: &str,
    mut fixture: Value,
    improvements: &[Improvement],
) -> Value {
    for improvement in improvements {
        let before = fixture.clone();
        improvement.apply(&mut fixture);
        assert_ne!(
            before,
            fixture,
            "{what}: improvement `{}` changed nothing in {fixture_file}; it no longer applies",
            improvement.name()
        );
    }
    fixture
}

/// Leaving out any one improvement must make the documents differ: none is
/// applied for nothing.
fn assert_each_improvement_is_needed(
    what: &str,
    generated: &Value,
    fixture_file: &str,
    fixture: &Value,
    improvements: &[Improvement],
) {
    for (left_out, improvement) in improvements.iter().enumerate() {
        let others: Vec<Improvement> = improvements
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != left_out)
            .map(|(_, i)| i.clone())
            .collect();
        let without = improved(what, fixture_file, fixture.clone(), &others);
        assert!(
            statement_differences(generated, &without).is_some(),
            "{what}: the documents are equal without improvement `{}`",
            improvement.name()
        );
    }
}

// ---------------------------------------------------------------------------
// The documented improvements (README, "Where onramp differs from the source
// documents"), each applied to a fixture explicitly.

const CLOUDFORMATION_SID: &str = "CloudFormation";
const CLOUDFORMATION_LIST_SID: &str = "CloudFormationList";
const IAM_ROLE_SID: &str = "IAMRole";
const IAM_INSTANCE_PROFILE_SID: &str = "IAMInstanceProfile";
const RUN_INSTANCES_SID: &str = "EC2RunInstances";
const IAM_PASS_ROLE_SID: &str = "IAMPassRole";
const CLUSTER_CONFIG_SID: &str = "GetClusterConfig";
const RESOURCES_BUCKET_SID: &str = "S3ResourcesBucket";
const CW_LOGS_SID: &str = "CWLogs";
const KEEP_THE_BUCKETS_SID: &str = "KeepTheBuckets";
/// Lowercase, as [`Normalized`] keeps actions.
const LIST_STACKS: &str = "cloudformation:liststacks";
const PASS_ROLE: &str = "iam:passrole";
const PASSED_TO_SERVICE: &str = "iam:PassedToService";
const EC2_SERVICE: &str = "ec2.amazonaws.com";
const EC2_SERVICE_CHINA: &str = "ec2.amazonaws.com.cn";
/// What `KeepTheBuckets` denies on the buckets themselves.
const KEPT_BUCKET_ACTIONS: [&str; 3] = ["s3:CreateBucket", "s3:DeleteBucket*", "s3:PutBucket*"];

#[derive(Debug, Clone)]
enum Improvement {
    /// EBS autoscale: `ec2:DescribeTags` is added to the CloudFormation list.
    EbsAddsDescribeTags,
    /// Bucket access: a Deny statement `KeepTheBuckets` keeps the buckets
    /// themselves from being created, deleted or reconfigured.
    BucketsKept,
    /// Partitions: `arn:aws:` becomes `arn:<partition>:`.
    Partition(&'static str),
    /// ParallelCluster SGE/Slurm/Torque instance policy: `ec2:RunInstances`
    /// on any subnet, AMI and key pair of the account and region.
    RunInstancesAnySubnetImageKey,
    /// ParallelCluster SGE/Slurm/Torque instance policy: `iam:PassRole` on
    /// the cluster's own role (its ARN) instead of `*`.
    PassOnlyTheClusterRole(String),
    /// ParallelCluster SGE/Slurm/Torque instance policy: `iam:PassedToService`
    /// also lists EC2's China name.
    PassedToServiceChina,
    /// ParallelCluster SGE/Slurm/Torque instance policy: GetClusterConfig also
    /// covers the cluster folders of a named resources bucket.
    ClusterConfigInNamedBucket(&'static str),
    /// ParallelCluster user policies: S3ResourcesBucket also covers the
    /// cluster folders of a named resources bucket.
    ResourcesBucketFolders(&'static str),
    /// ParallelCluster awsbatch instance policy: the job folders under the
    /// cluster's artifact directory.
    BatchJobFolders(&'static str),
    /// ParallelCluster awsbatch instance policy: CWLogs adds `logs:PutLogEvents`.
    PutLogEvents,
    /// ParallelCluster awsbatch user policy: `cloudformation:ListStacks` moves
    /// from the stack-scoped CloudFormation statement to a statement of its
    /// own on `"*"`.
    ListStacksOnStar,
    /// ParallelCluster awsbatch user policy: `iam:PassRole` is dropped from
    /// the IAMInstanceProfile statement (instance-profile ARNs).
    NoPassRoleOnInstanceProfiles,
    /// ParallelCluster user policies: the statements `from` (same effect,
    /// Resource and Condition) become one statement `sid` at the place of
    /// the first, with all their actions.
    MergedToFit {
        sid: &'static str,
        from: &'static [&'static str],
    },
}

impl Improvement {
    fn name(&self) -> &'static str {
        match self {
            Improvement::EbsAddsDescribeTags => "ebs-autoscale: adds ec2:DescribeTags",
            Improvement::BucketsKept => {
                "bucket access: KeepTheBuckets denies creating, deleting and reconfiguring the buckets themselves"
            }
            Improvement::Partition(_) => "partition: arn:aws: becomes the region's partition",
            Improvement::RunInstancesAnySubnetImageKey => {
                "parallelcluster instance policy: EC2RunInstances on any subnet, AMI and key pair of the account and region"
            }
            Improvement::PassOnlyTheClusterRole(_) => {
                "parallelcluster instance policy: IAMPassRole passes only the cluster's own role"
            }
            Improvement::PassedToServiceChina => {
                "parallelcluster instance policy: iam:PassedToService also lists ec2.amazonaws.com.cn"
            }
            Improvement::ClusterConfigInNamedBucket(_) => {
                "parallelcluster instance policy: GetClusterConfig also covers the cluster folders of a named resources bucket"
            }
            Improvement::ResourcesBucketFolders(_) => {
                "parallelcluster user policy: S3ResourcesBucket also covers the cluster folders of a named resources bucket"
            }
            Improvement::BatchJobFolders(_) => {
                "parallelcluster awsbatch instance policy: the job folders under the cluster's artifact directory"
            }
            Improvement::PutLogEvents => {
                "parallelcluster awsbatch instance policy: CWLogs adds logs:PutLogEvents"
            }
            Improvement::ListStacksOnStar => {
                "parallelcluster awsbatch user policy: cloudformation:ListStacks moves to its own statement on \"*\""
            }
            Improvement::NoPassRoleOnInstanceProfiles => {
                "parallelcluster awsbatch user policy: iam:PassRole left out of IAMInstanceProfile"
            }
            Improvement::MergedToFit { .. } => {
                "parallelcluster user policy: statements with the same Resource merged to fit IAM's size limit"
            }
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Improvement::EbsAddsDescribeTags => {
                "EBS autoscale tags the volumes it creates; the instance reads those tags back"
            }
            Improvement::BucketsKept => {
                "the walkthrough's s3:* on the bucket ARN lets any job delete the bucket or replace its policy; the guide's own CloudFormation (gwfcore-iam.template.yaml) denies bucket deletion to the instance and job roles"
            }
            Improvement::Partition(_) => {
                "the documents hard-code the aws partition; ARNs in aws-cn, aws-us-gov, … must use theirs"
            }
            Improvement::RunInstancesAnySubnetImageKey => {
                "the guide names the cluster's <COMPUTE SUBNET ID>, <IMAGE ID> and <KEY NAME>, which onramp does not ask for; the statement stays scoped to the account and region and to the guide's resource types"
            }
            Improvement::PassOnlyTheClusterRole(_) => {
                "the guide lets the head node pass any role to EC2 (\"*\"); it only ever passes the cluster's EC2 role (ec2_iam_role), which onramp creates"
            }
            Improvement::PassedToServiceChina => {
                "the guide lists only ec2.amazonaws.com; in the China regions EC2 can be named ec2.amazonaws.com.cn, and onramp's condition is the same in every partition"
            }
            Improvement::ClusterConfigInNamedBucket(_) => {
                "the head node reads <artifact directory>/configs/cluster-config.json from the resources bucket; the guide's parallelcluster-*/* matches only the buckets ParallelCluster creates itself"
            }
            Improvement::ResourcesBucketFolders(_) => {
                "the guide grants s3:* on the bucket's ARN only, which matches objects only through the parallelcluster-* pattern; pcluster uploads the cluster's files to <bucket>/parallelcluster-<cluster>-<random>/"
            }
            Improvement::BatchJobFolders(_) => {
                "since 2.10 awsbsub writes job files to <bucket>/<artifact directory>/batch/, and every artifact directory starts with parallelcluster-; the guide's <bucket>/batch/* does not match them"
            }
            Improvement::PutLogEvents => {
                "the CloudWatch agent creates log streams and then needs logs:PutLogEvents to deliver the head node's logs; the guide's Slurm variant has it"
            }
            Improvement::ListStacksOnStar => {
                "cloudformation:ListStacks has no resource-level permissions (only \"Resource\": \"*\"), so the guide's grant on stack/parallelcluster-* allows nothing and `pcluster list` is denied"
            }
            Improvement::NoPassRoleOnInstanceProfiles => {
                "iam:PassRole is authorized against the passed role's ARN, so a grant on instance-profile/* matches nothing; IAMRole already grants PassRole on the role ARNs"
            }
            Improvement::MergedToFit { .. } => {
                "IAM's managed policy limit is 6,144 characters without whitespace, and with the longest names onramp accepts (a 512-character path, a 63-character bucket) the guide's SGE/Torque and awsbatch user policies exceed it; a merged statement grants exactly what its parts granted"
            }
        }
    }

    fn apply(&self, document: &mut Value) {
        match self {
            Improvement::EbsAddsDescribeTags => {
                let statements = statements_mut(document);
                assert_eq!(
                    statements.len(),
                    1,
                    "the EBS autoscale seed has one statement"
                );
                let actions = statements[0]
                    .get_mut("Action")
                    .and_then(Value::as_array_mut)
                    .expect("the EBS autoscale seed lists its actions");
                assert!(
                    !actions.iter().any(|a| a
                        .as_str()
                        .is_some_and(|a| a.eq_ignore_ascii_case("ec2:DescribeTags"))),
                    "the seed already has ec2:DescribeTags"
                );
                actions.push(Value::String("ec2:DescribeTags".into()));
            }
            Improvement::BucketsKept => {
                let statements = statements_mut(document);
                assert_eq!(
                    statements.len(),
                    1,
                    "the bucket access seed has one statement"
                );
                let allow = normalize(&statements[0], "bucket access");
                assert_eq!(allow.effect, "Allow");
                assert_eq!(allow.actions, BTreeSet::from(["s3:*".to_owned()]));
                // The buckets are the resources that are not object ARNs.
                let buckets: Vec<Value> =
                    string_set(statements[0].get("Resource"), "bucket access")
                        .into_iter()
                        .filter(|r| !r.contains('/'))
                        .map(Value::String)
                        .collect();
                assert!(!buckets.is_empty(), "the seed names its buckets");
                statements.push(serde_json::json!({
                    "Sid": KEEP_THE_BUCKETS_SID,
                    "Effect": "Deny",
                    "Action": KEPT_BUCKET_ACTIONS,
                    "Resource": buckets,
                }));
            }
            Improvement::Partition(partition) => {
                let mut rewritten = 0;
                rewrite_strings(document, &mut |s| {
                    if let Some(rest) = s.strip_prefix("arn:aws:") {
                        rewritten += 1;
                        Some(format!("arn:{partition}:{rest}"))
                    } else {
                        None
                    }
                });
                assert!(rewritten > 0, "the fixture has no arn:aws: to rewrite");
            }
            Improvement::RunInstancesAnySubnetImageKey => {
                let statement = statement_by_sid(document, RUN_INSTANCES_SID);
                let normalized = normalize(statement, RUN_INSTANCES_SID);
                assert_eq!(
                    normalized.actions,
                    BTreeSet::from(["ec2:runinstances".to_owned()])
                );
                let resources = statement
                    .get_mut("Resource")
                    .and_then(Value::as_array_mut)
                    .expect("EC2RunInstances lists its resources");
                for (named, any) in [
                    (format!(":subnet/{COMPUTE_SUBNET}"), ":subnet/*"),
                    (format!("::image/{IMAGE_ID}"), "::image/*"),
                    (format!(":key-pair/{KEY_NAME}"), ":key-pair/*"),
                ] {
                    let hits: Vec<&mut Value> = resources
                        .iter_mut()
                        .filter(|r| r.as_str().is_some_and(|r| r.ends_with(&named)))
                        .collect();
                    assert_eq!(hits.len(), 1, "EC2RunInstances names {named} once");
                    for hit in hits {
                        let old = hit.as_str().expect("a string").to_owned();
                        *hit = Value::String(old.replace(&named, any));
                    }
                }
            }
            Improvement::PassOnlyTheClusterRole(role_arn) => {
                let statement = statement_by_sid(document, IAM_PASS_ROLE_SID);
                let normalized = normalize(statement, IAM_PASS_ROLE_SID);
                assert_eq!(normalized.actions, BTreeSet::from([PASS_ROLE.to_owned()]));
                assert_eq!(
                    normalized.resources,
                    BTreeSet::from(["*".to_owned()]),
                    "the guide passes any role"
                );
                statement["Resource"] = serde_json::json!([role_arn]);
            }
            Improvement::PassedToServiceChina => {
                let statement = statement_by_sid(document, IAM_PASS_ROLE_SID);
                let services = statement
                    .pointer_mut(&format!("/Condition/StringEquals/{PASSED_TO_SERVICE}"))
                    .and_then(Value::as_array_mut)
                    .expect("IAMPassRole is conditioned on iam:PassedToService");
                assert_eq!(
                    services.as_slice(),
                    [Value::String(EC2_SERVICE.into())],
                    "the guide names EC2's aws name only"
                );
                services.push(Value::String(EC2_SERVICE_CHINA.into()));
            }
            Improvement::ClusterConfigInNamedBucket(bucket) => {
                let statement = statement_by_sid(document, CLUSTER_CONFIG_SID);
                let resources = statement
                    .get_mut("Resource")
                    .and_then(Value::as_array_mut)
                    .expect("GetClusterConfig lists its resources");
                assert_eq!(resources.len(), 1, "GetClusterConfig has one resource");
                let old = resources[0].as_str().expect("a string").to_owned();
                let prefix = old
                    .strip_suffix(&format!("{DEFAULT_RESOURCES_BUCKET}/*"))
                    .expect("GetClusterConfig is on parallelcluster-*/*");
                resources.push(Value::String(format!("{prefix}{bucket}/parallelcluster-*")));
            }
            Improvement::ResourcesBucketFolders(bucket) => {
                let statement = statement_by_sid(document, RESOURCES_BUCKET_SID);
                let resources = string_set(statement.get("Resource"), RESOURCES_BUCKET_SID);
                assert_eq!(resources.len(), 1, "S3ResourcesBucket has one resource");
                let old = resources.first().expect("one").clone();
                assert!(
                    old.ends_with(&format!(":s3:::{bucket}")),
                    "S3ResourcesBucket is on the bucket {bucket}: {old}"
                );
                statement["Resource"] =
                    serde_json::json!([old, format!("{old}/parallelcluster-*")]);
            }
            Improvement::BatchJobFolders(bucket) => {
                let guide = format!(":s3:::{bucket}/batch/*");
                let mut found = 0;
                for statement in statements_mut(document) {
                    let Some(resources) =
                        statement.get_mut("Resource").and_then(Value::as_array_mut)
                    else {
                        continue;
                    };
                    if let Some(at) = resources
                        .iter()
                        .position(|r| r.as_str().is_some_and(|r| r.ends_with(&guide)))
                    {
                        found += 1;
                        let old = resources[at].as_str().expect("a string").to_owned();
                        let folders = old.replace("/batch/*", "/parallelcluster-*/batch/*");
                        resources.insert(at + 1, Value::String(folders));
                    }
                }
                assert_eq!(found, 1, "one statement names {guide}");
            }
            Improvement::PutLogEvents => {
                let statement = statement_by_sid(document, CW_LOGS_SID);
                let normalized = normalize(statement, CW_LOGS_SID);
                assert!(normalized.actions.contains("logs:createlogstream"));
                assert!(!normalized.actions.contains("logs:putlogevents"));
                statement
                    .get_mut("Action")
                    .and_then(Value::as_array_mut)
                    .expect("CWLogs lists its actions")
                    .push(Value::String("logs:PutLogEvents".into()));
            }
            Improvement::ListStacksOnStar => {
                // No statement of the document grants ListStacks on "*" yet.
                for s in raw_statements(document) {
                    let n = normalize(&s, "fixture statement");
                    assert!(
                        !(n.actions.contains(LIST_STACKS) && n.resources.contains("*")),
                        "the fixture already grants {LIST_STACKS} on \"*\": {s}"
                    );
                }
                let statement = statement_by_sid(document, CLOUDFORMATION_SID);
                let resources = string_set(statement.get("Resource"), CLOUDFORMATION_SID);
                assert!(
                    !resources.is_empty()
                        && resources
                            .iter()
                            .all(|r| r.contains(":cloudformation:") && r.contains(":stack/")),
                    "{CLOUDFORMATION_SID} of the fixture is scoped to stack ARNs only, found {resources:?}"
                );
                assert_eq!(
                    remove_action(statement, LIST_STACKS),
                    1,
                    "{CLOUDFORMATION_SID} of the fixture lists {LIST_STACKS} once"
                );
                statements_mut(document).push(serde_json::json!({
                    "Sid": CLOUDFORMATION_LIST_SID,
                    "Action": ["cloudformation:ListStacks"],
                    "Effect": "Allow",
                    "Resource": "*",
                }));
            }
            Improvement::NoPassRoleOnInstanceProfiles => {
                // The reason holds: IAMRole grants PassRole on role ARNs.
                let role_statement = statement_by_sid(document, IAM_ROLE_SID).clone();
                let role = normalize(&role_statement, IAM_ROLE_SID);
                assert!(
                    role.actions.contains(PASS_ROLE)
                        && role
                            .resources
                            .iter()
                            .all(|r| r.contains(":iam::") && r.contains(":role/"))
                        && role
                            .resources
                            .iter()
                            .any(|r| r.ends_with(":role/parallelcluster-*")),
                    "{IAM_ROLE_SID} of the fixture grants {PASS_ROLE} on role ARNs, role/parallelcluster-* among them: {role_statement}"
                );
                let statement = statement_by_sid(document, IAM_INSTANCE_PROFILE_SID);
                let resources = string_set(statement.get("Resource"), IAM_INSTANCE_PROFILE_SID);
                assert!(
                    !resources.is_empty()
                        && resources
                            .iter()
                            .all(|r| r.contains(":iam::") && r.contains(":instance-profile/")),
                    "{IAM_INSTANCE_PROFILE_SID} of the fixture is scoped to instance profiles only, found {resources:?}"
                );
                assert_eq!(
                    remove_action(statement, PASS_ROLE),
                    1,
                    "{IAM_INSTANCE_PROFILE_SID} of the fixture lists {PASS_ROLE} once"
                );
            }
            Improvement::MergedToFit { sid, from } => {
                assert!(from.len() >= 2, "{sid}: a merge needs two statements");
                let statements = statements_mut(document);
                let positions: Vec<usize> = from
                    .iter()
                    .map(|name| {
                        statements
                            .iter()
                            .position(|s| s.get("Sid").and_then(Value::as_str) == Some(name))
                            .unwrap_or_else(|| panic!("{sid}: the fixture has no statement {name}"))
                    })
                    .collect();
                let first = normalize(&statements[positions[0]], from[0]);
                let mut actions: Vec<Value> = Vec::new();
                for (&at, name) in positions.iter().zip(from.iter()) {
                    let n = normalize(&statements[at], name);
                    assert_eq!(
                        (&n.effect, &n.resources, &n.condition, &n.other),
                        (
                            &first.effect,
                            &first.resources,
                            &first.condition,
                            &first.other
                        ),
                        "{sid}: {name} and {} differ beyond their actions",
                        from[0]
                    );
                    match statements[at].get("Action") {
                        Some(Value::Array(items)) => actions.extend(items.iter().cloned()),
                        Some(single) => actions.push(single.clone()),
                        None => panic!("{name} has no Action"),
                    }
                }
                let merged = &mut statements[positions[0]];
                merged["Action"] = Value::Array(actions);
                merged["Sid"] = Value::String((*sid).to_owned());
                let mut rest: Vec<usize> = positions[1..].to_vec();
                rest.sort_unstable();
                for at in rest.into_iter().rev() {
                    statements.remove(at);
                }
            }
        }
    }
}

/// Removes `action` (case-insensitively) from a statement's `Action` list;
/// returns how many entries were removed. The list must keep other actions.
fn remove_action(statement: &mut Value, action: &str) -> usize {
    let actions = statement
        .get_mut("Action")
        .and_then(Value::as_array_mut)
        .expect("the statement lists its actions");
    let before = actions.len();
    actions.retain(|a| !a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(action)));
    let removed = before - actions.len();
    assert!(
        !actions.is_empty(),
        "removing {action} would leave the statement without actions"
    );
    removed
}

/// Bucket access: onramp makes one policy whose Allow statement's Resource
/// holds both ARNs of every bucket (as the console walkthrough's "Add
/// additional permissions" does), where the CloudFormation version makes one
/// policy per bucket. Merges the per-bucket fixture documents that way,
/// asserting that they differ in nothing but their resources.
fn one_statement_for_all_buckets(per_bucket: &[Value]) -> Value {
    let mut merged = per_bucket.first().expect("at least one bucket").clone();
    let mut resources: Vec<Value> = Vec::new();
    for document in per_bucket {
        let statements = raw_statements(document);
        assert_eq!(
            statements.len(),
            1,
            "the bucket access seed has one statement"
        );
        let mut without = statements[0].clone();
        let own = without
            .as_object_mut()
            .and_then(|m| m.remove("Resource"))
            .expect("the bucket access seed has a Resource");
        let mut first = raw_statements(&merged)[0].clone();
        first.as_object_mut().map(|m| m.remove("Resource"));
        assert_eq!(
            without, first,
            "bucket statements differ beyond their resources"
        );
        match own {
            Value::Array(items) => resources.extend(items),
            single => resources.push(single),
        }
    }
    statements_mut(&mut merged)[0]["Resource"] = Value::Array(resources);
    merged
}

/// The partition improvement, when the region needs it.
fn partition_improvement(region: &str) -> Vec<Improvement> {
    match partition_of(region) {
        "aws" => Vec::new(),
        other => vec![Improvement::Partition(other)],
    }
}

fn lowercase_set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_lowercase()).collect()
}
