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

// ---------------------------------------------------------------------------
// Genomics: bucket access policy

const BUCKET_SEED: &str = "genomics-bucket-access-cfn.json";

fn bucket_policy_name(fixture: &Value) -> String {
    fixture["PolicyName"]
        .as_str()
        .expect("the CloudFormation fixture has a PolicyName")
        .to_owned()
}

/// The improvements of the bucket access policy in a region.
fn bucket_improvements(region: &str) -> Vec<Improvement> {
    let mut improvements = partition_improvement(region);
    improvements.push(Improvement::BucketsKept);
    improvements
}

/// The Allow and the Deny statement of a bucket access policy (part).
fn allow_and_deny(document: &Value, what: &str) -> (Normalized, Normalized) {
    let all = statements(document);
    assert_eq!(
        all.len(),
        2,
        "{what}: an Allow statement for every bucket and {KEEP_THE_BUCKETS_SID}: {document}"
    );
    let allow: Vec<&Labeled> = all
        .iter()
        .filter(|s| s.statement.effect == "Allow")
        .collect();
    let deny: Vec<&Labeled> = all
        .iter()
        .filter(|s| s.statement.effect == "Deny")
        .collect();
    assert_eq!((allow.len(), deny.len()), (1, 1), "{what}: {document}");
    assert!(
        deny[0].label.starts_with(KEEP_THE_BUCKETS_SID),
        "{what}: the Deny statement is {KEEP_THE_BUCKETS_SID}: {}",
        deny[0].label
    );
    (allow[0].statement.clone(), deny[0].statement.clone())
}

/// The Deny statement covers exactly the buckets (not their objects) of the
/// Allow statement beside it.
fn assert_deny_keeps_exactly_the_buckets(allow: &Normalized, deny: &Normalized, what: &str) {
    let buckets: BTreeSet<String> = allow
        .resources
        .iter()
        .filter(|r| !r.ends_with("/*"))
        .cloned()
        .collect();
    assert_eq!(
        buckets.len() * 2,
        allow.resources.len(),
        "{what}: the Allow statement holds a bucket ARN and an object ARN per bucket"
    );
    assert_eq!(
        deny.resources, buckets,
        "{what}: {KEEP_THE_BUCKETS_SID} is on exactly the bucket ARNs"
    );
    assert_eq!(deny.actions, lowercase_set(&KEPT_BUCKET_ACTIONS), "{what}");
    assert!(deny.condition.is_empty() && deny.other.is_empty(), "{what}");
}

#[test]
fn bucket_access_policy_for_one_bucket_equals_the_seed() {
    for region in [REGION, CHINA_REGION] {
        let plan = plan_of(&genomics_answers(region, &[BUCKET]));
        let seed = fixture(BUCKET_SEED, &Fill::new(region).bucket(BUCKET));
        // The default name is the seed's PolicyName, `<region>` filled.
        let name = bucket_policy_name(&seed);
        assert_eq!(name, format!("s3bucket-access-{region}"));
        let generated = policy_document(&plan, &name);
        let improvements = bucket_improvements(region);
        assert_matches_fixture(
            &format!("bucket access policy {name} ({region})"),
            generated,
            BUCKET_SEED,
            document_of(&seed),
            &improvements,
        );
        assert_each_improvement_is_needed(
            &format!("bucket access policy {name} ({region})"),
            generated,
            BUCKET_SEED,
            &document_of(&seed),
            &improvements,
        );
    }
}

#[test]
fn bucket_access_policy_puts_both_arns_of_every_bucket_in_one_statement() {
    for region in [REGION, CHINA_REGION] {
        let buckets = [BUCKET, OTHER_BUCKET, THIRD_BUCKET];
        let plan = plan_of(&genomics_answers(region, &buckets));
        let per_bucket: Vec<Value> = buckets
            .iter()
            .map(|b| document_of(&fixture(BUCKET_SEED, &Fill::new(region).bucket(b))))
            .collect();
        let name = bucket_policy_name(&fixture(BUCKET_SEED, &Fill::new(region).bucket(BUCKET)));
        let generated = policy_document(&plan, &name);
        // One Allow statement for all buckets, and the Deny beside it.
        let what = format!(
            "bucket access policy {name} for {} buckets ({region})",
            buckets.len()
        );
        let (allow, deny) = allow_and_deny(generated, &what);
        assert_eq!(allow.resources.len(), 2 * buckets.len(), "{what}");
        assert_deny_keeps_exactly_the_buckets(&allow, &deny, &what);
        assert_matches_fixture(
            &what,
            generated,
            BUCKET_SEED,
            one_statement_for_all_buckets(&per_bucket),
            &bucket_improvements(region),
        );
        // Only one policy: no `-2` part for three buckets.
        let policies = names_of(&plan, EntityKind::ManagedPolicy);
        assert!(
            !policies.contains(&format!("{name}-2")),
            "three buckets fit one policy: {policies:?}"
        );
    }
}

#[test]
fn bucket_access_policies_split_at_the_size_limit_still_cover_every_bucket() {
    // 63-character names (the S3 maximum): far more than one policy can hold.
    let buckets: Vec<String> = (0..90)
        .map(|i| format!("onramp-fixture-bucket-{i:03}-{}", "a".repeat(37)))
        .collect();
    assert!(buckets.iter().all(|b| b.len() == 63));
    let refs: Vec<&str> = buckets.iter().map(String::as_str).collect();
    let plan = plan_of(&genomics_answers(REGION, &refs));
    let per_bucket: Vec<Value> = refs
        .iter()
        .map(|b| document_of(&fixture(BUCKET_SEED, &Fill::new(REGION).bucket(b))))
        .collect();
    let mut expected_document = one_statement_for_all_buckets(&per_bucket);
    Improvement::BucketsKept.apply(&mut expected_document);
    let (expected, expected_deny) = allow_and_deny(&expected_document, "the seed, improved");

    let base = format!("s3bucket-access-{REGION}");
    let parts: Vec<&Resource> = plan
        .resources
        .iter()
        .filter(|r| r.kind() == EntityKind::ManagedPolicy && r.name.starts_with(&base))
        .collect();
    assert!(
        parts.len() > 1,
        "90 long bucket names need several policies"
    );
    let mut covered: BTreeSet<String> = BTreeSet::new();
    let mut kept: BTreeSet<String> = BTreeSet::new();
    for (i, part) in parts.iter().enumerate() {
        let expected_name = if i == 0 {
            base.clone()
        } else {
            format!("{base}-{}", i + 1)
        };
        assert_eq!(part.name, expected_name, "parts are NAME, NAME-2, …");
        let document = &part
            .policy()
            .unwrap_or_else(|| panic!("{} is not a policy", part.name))
            .document;
        assert!(
            onramp::iam::limits::policy_size(document) <= onramp::iam::limits::MANAGED_POLICY_SIZE,
            "{} exceeds the managed policy size",
            part.name
        );
        let (got, deny) = allow_and_deny(document, &part.name);
        // Same statements as the seed's (improved), but for this part's
        // buckets only.
        assert_eq!(
            (&got.effect, &got.actions, &got.condition, &got.other),
            (
                &expected.effect,
                &expected.actions,
                &expected.condition,
                &expected.other
            ),
            "{}: the Allow statement differs from the seed beyond its resources",
            part.name
        );
        assert_eq!(
            (&deny.effect, &deny.actions, &deny.condition, &deny.other),
            (
                &expected_deny.effect,
                &expected_deny.actions,
                &expected_deny.condition,
                &expected_deny.other
            ),
            "{}: {KEEP_THE_BUCKETS_SID} differs beyond its resources",
            part.name
        );
        assert_deny_keeps_exactly_the_buckets(&got, &deny, &part.name);
        for r in &got.resources {
            assert!(covered.insert(r.clone()), "{r} is in two parts");
        }
        kept.extend(deny.resources.iter().cloned());
    }
    assert_eq!(
        covered, expected.resources,
        "together the parts hold both ARNs of every bucket, nothing else"
    );
    assert_eq!(
        kept, expected_deny.resources,
        "together the parts keep every bucket"
    );
    // Every part is attached to the instance role and the job role.
    let part_arns: BTreeSet<String> = parts.iter().map(|p| p.arn.clone()).collect();
    for role in ["ecsInstanceRole", "BatchJobRole"] {
        let attached: BTreeSet<String> = role_spec(resource(&plan, EntityKind::Role, role))
            .1
            .iter()
            .cloned()
            .collect();
        assert!(
            part_arns.is_subset(&attached),
            "{role} must have every bucket policy part: {part_arns:?} not all in {attached:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Genomics: EBS autoscale policy

const EBS_CFN_SEED: &str = "genomics-ebs-autoscale-cfn.json";
const EBS_CONSOLE_SEED: &str = "genomics-ebs-autoscale-console.json";
const EBS_POLICY: &str = "ebs-autoscale-policy";

#[test]
fn ebs_autoscale_policy_equals_the_cloudformation_seed_plus_describe_tags() {
    for region in [REGION, CHINA_REGION] {
        let plan = plan_of(&genomics_answers(region, &[BUCKET]));
        let seed = fixture(EBS_CFN_SEED, &Fill::new(region));
        // The document has no ARN, so the partition changes nothing in it.
        assert_matches_fixture(
            &format!("EBS autoscale policy ({region})"),
            policy_document(&plan, EBS_POLICY),
            EBS_CFN_SEED,
            document_of(&seed),
            &[Improvement::EbsAddsDescribeTags],
        );
    }
}

#[test]
fn ebs_autoscale_policy_lists_explicitly_what_the_console_seeds_wildcard_grants() {
    let plan = plan_of(&genomics_answers(REGION, &[BUCKET]));
    let generated = statements(policy_document(&plan, EBS_POLICY));
    let console = statements(&fixture(EBS_CONSOLE_SEED, &Fill::new(REGION)));
    assert_eq!(generated.len(), 1, "onramp's EBS policy has one statement");
    assert_eq!(
        console.len(),
        1,
        "the console seed's Statement is a single object"
    );
    let (ours, seed) = (&generated[0].statement, &console[0].statement);

    // Everything but the actions is the seed's.
    assert_eq!(ours.effect, seed.effect);
    assert_eq!(ours.resources, seed.resources);
    assert_eq!(ours.condition, seed.condition);
    assert_eq!(ours.other, seed.other);

    let (patterns, exact): (Vec<&String>, Vec<&String>) =
        seed.actions.iter().partition(|a| a.contains(['*', '?']));
    assert_eq!(
        patterns,
        [&"ec2:*volume".to_owned()],
        "the console seed's one wildcard"
    );

    // Each exact action of the console version is in onramp's list.
    for action in &exact {
        assert!(
            ours.actions.contains(*action),
            "the console seed grants {action}; onramp's list {:?} lacks it",
            ours.actions
        );
    }
    // onramp has no wildcard.
    assert!(
        ours.actions.iter().all(|a| !a.contains(['*', '?'])),
        "onramp lists actions explicitly: {:?}",
        ours.actions
    );

    // The wildcard covers exactly onramp's volume actions.
    let covered_by_wildcard: BTreeSet<String> = ours
        .actions
        .iter()
        .filter(|a| patterns.iter().any(|p| action_matches(p, a)))
        .cloned()
        .collect();
    assert_eq!(
        covered_by_wildcard,
        lowercase_set(&["ec2:AttachVolume", "ec2:CreateVolume", "ec2:DeleteVolume"]),
        "the actions of onramp that `ec2:*Volume` matches"
    );

    // The documented improvement: what onramp grants beyond the console version.
    let extras: BTreeSet<String> = ours
        .actions
        .iter()
        .filter(|a| !seed.actions.iter().any(|p| action_matches(p, a)))
        .cloned()
        .collect();
    assert_eq!(
        extras,
        lowercase_set(&[
            "ec2:CreateTags",
            "ec2:DescribeTags",
            "ec2:DescribeVolumeStatus",
            "ec2:DescribeVolumeAttribute",
        ]),
        "onramp's actions beyond the console seed must be exactly the documented ones"
    );

    // And what the wildcard grants that EBS autoscale never uses, onramp does not.
    for unused in ["ec2:DetachVolume", "ec2:ModifyVolume", "ec2:ImportVolume"] {
        assert!(
            patterns.iter().any(|p| action_matches(p, unused)),
            "the console seed's wildcard grants {unused}"
        );
        assert!(
            !ours.actions.iter().any(|a| action_matches(a, unused)),
            "onramp must not grant {unused}: {:?}",
            ours.actions
        );
    }
}

// ---------------------------------------------------------------------------
// ParallelCluster 2: instance and user policies, held against the final guide

const PC_INSTANCE_TRADITIONAL_SEED: &str = "parallelcluster2-instance-traditional.json";
const PC_INSTANCE_AWSBATCH_SEED: &str = "parallelcluster2-instance-awsbatch.json";
const PC_USER_TRADITIONAL_SEED: &str = "parallelcluster2-user-traditional.json";
const PC_USER_AWSBATCH_SEED: &str = "parallelcluster2-user-awsbatch.json";
const PC_INSTANCE_POLICY: &str = "ParallelClusterInstancePolicy";
const PC_USER_POLICY: &str = "ParallelClusterUserPolicy";

/// The final guide's policies for a scheduler: (instance, user). `slurm` has
/// the Slurm policies; `sge` and `torque` the SGE/Torque ones (2.11.4 and
/// earlier).
fn final_guide_files(scheduler: &str) -> (&'static str, &'static str) {
    match scheduler {
        "slurm" => ("instance-traditional.json", "user-traditional.json"),
        "sge" | "torque" => ("instance-sge-torque.json", "user-sge-torque.json"),
        "awsbatch" => ("instance-awsbatch.json", "user-awsbatch.json"),
        other => panic!("no such scheduler: {other}"),
    }
}

/// The seed's policies for a scheduler: (instance, user).
fn seed_files(scheduler: &str) -> (&'static str, &'static str) {
    if scheduler == "awsbatch" {
        (PC_INSTANCE_AWSBATCH_SEED, PC_USER_AWSBATCH_SEED)
    } else {
        (PC_INSTANCE_TRADITIONAL_SEED, PC_USER_TRADITIONAL_SEED)
    }
}

/// The user policy statements merged to fit the size limit.
const MERGES_TRADITIONAL: [(&str, &[&str]); 6] = [
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
const MERGE_SGE_TORQUE: (&str, &[&str]) = (
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
const MERGES_AWSBATCH: [(&str, &[&str]); 2] = [
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

fn merged((sid, from): (&'static str, &'static [&'static str])) -> Improvement {
    Improvement::MergedToFit { sid, from }
}

/// onramp's improvements of the guide's instance policy.
fn instance_improvements(
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
fn user_improvements(
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
fn parallelcluster_cases() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
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

fn role_arn_of(plan: &Plan) -> String {
    resource(plan, EntityKind::Role, PARALLELCLUSTER_ROLE)
        .arn
        .clone()
}

#[test]
fn parallelcluster_instance_policies_equal_the_final_guide() {
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
fn parallelcluster_user_policies_equal_the_final_guide() {
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
fn parallelcluster_policies_name_the_planned_role_with_its_path_and_prefix() {
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
fn unconditional_grants<'a>(all: &'a [Labeled], action: &str) -> Vec<&'a Labeled> {
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

fn lab_parallelcluster_plan(region: &str, scheduler: &str) -> (Plan, String) {
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
fn parallelcluster_awsbatch_user_policy_lets_pcluster_pass_the_planned_role() {
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
fn parallelcluster_traditional_user_policy_creates_only_the_fsx_service_linked_roles() {
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
fn parallelcluster_head_node_may_pass_the_planned_role_to_ec2_in_every_partition() {
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
fn parallelcluster_head_node_may_launch_compute_nodes_in_its_account_and_region() {
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
struct Gone {
    seed: &'static str,
    /// The seed statement's Sid.
    statement: &'static str,
    /// The actions that are gone; empty for all of the statement's.
    actions: &'static [&'static str],
    schedulers: &'static [&'static str],
    why: &'static str,
}

const SLURM_SCALES_ITSELF: &str = "2.9.0: Slurm clusters no longer scale through an Auto Scaling group, SQS and SNS; the head node launches and terminates compute nodes itself (EC2RunInstances). The final guide keeps these grants in its SGE/Torque policies only";

const GONE: [Gone; 14] = [
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
fn still_allowed(generated: &[Labeled], action: &str, resource: &str) -> bool {
    unconditional_grants(generated, action)
        .iter()
        .any(|s| s.statement.resources.iter().any(|r| glob(r, resource)))
}

#[test]
fn parallelcluster_seed_grants_are_still_allowed_or_gone_for_a_stated_reason() {
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

fn role_spec(role: &Resource) -> (&Value, &Vec<String>) {
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
fn ec2_principals(region: &str) -> Vec<&'static str> {
    if partition_of(region) == "aws-cn" {
        vec![EC2_SERVICE, EC2_SERVICE_CHINA]
    } else {
        vec![EC2_SERVICE]
    }
}

/// The role may be assumed by `services` (one service's names) and by
/// nothing else.
fn assert_trusted_by(role: &Resource, services: &[&str]) {
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
fn assert_attached(role: &Resource, expected: &[String]) {
    let (_, attached) = role_spec(role);
    let mut got = attached.clone();
    got.sort();
    let mut want = expected.to_vec();
    want.sort();
    assert_eq!(got, want, "{}: attached managed policies", role.name);
}

fn assert_instance_profile(plan: &Plan, name: &str, role: &str, arn: &str) {
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
struct Arns {
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
struct Toggles {
    public_data_read: bool,
    ebs_autoscale: bool,
    spot: bool,
    job_role: bool,
}

fn genomics_toml(region: &str, t: Toggles, extra_job_policy: &str) -> String {
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
fn assert_genomics_roles(region: &str, t: Toggles) {
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
fn genomics_roles_trust_their_service_and_attach_the_documented_policies() {
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
fn genomics_role_attachments_follow_every_toggle() {
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
fn parallelcluster_role_is_trusted_by_ec2_with_the_instance_policy_and_its_profile() {
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
fn the_comparison_catches_a_changed_action_resource_effect_or_condition() {
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
fn the_awsbatch_user_policy_improvements_are_needed_and_change_nothing_else() {
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
fn parallelcluster_user_policies_list_stacks_on_star_and_pass_only_roles() {
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
