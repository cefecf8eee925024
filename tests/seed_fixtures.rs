//! Every JSON document of the two source documents is a test fixture
//! (`tests/fixtures/seeds/*.json`, extracted verbatim from seed `000_…`,
//! "Genomics Workflows on AWS — Core: Permissions", and seed `004_…`, "AWS
//! ParallelCluster — IAM roles").
//!
//! For each fixture the seed's placeholders are filled with the same test
//! values the answers give, then the documented improvements (README, "Where
//! onramp differs from the source documents") are applied to the fixture one
//! by one, each a named [`Improvement`] with its reason, and the generated
//! document must have the same statements: effect, action set (compared
//! case-insensitively, as IAM does), resource set, conditions and any other
//! key but `Sid`. Any other difference fails, showing the differing
//! statements.
//!
//! The trust principals and attached policy ARNs of every role are asserted
//! too, for the genomics core and for ParallelCluster.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use onramp::answers::{Answers, Environment, Genomics, ParallelCluster};
use onramp::names::EntityKind;
use onramp::plan::{self, Plan, Resource, Spec};
use serde_json::Value;

#[path = "common/statements.rs"]
mod statements;
use statements::*;

// ---------------------------------------------------------------------------
// Test values for the seeds' placeholders (distinctive on purpose).

const REGION: &str = "eu-west-2";
const CHINA_REGION: &str = "cn-north-1";
const ACCOUNT: &str = "210987654321";
const BUCKET: &str = "onramp-fixture-inputs";
const OTHER_BUCKET: &str = "onramp-fixture-results";
const THIRD_BUCKET: &str = "onramp-fixture-work";
const RESOURCES_BUCKET: &str = "onramp-fixture-pcluster";
const STACK_NAME: &str = "parallelcluster-fixturestack";
const JOB_DEFINITION_SERIAL_NAME: &str = "fixture-jobdef-serial";
const JOB_DEFINITION_MNP_NAME: &str = "fixture-jobdef-mnp";
const JOB_QUEUE_NAME: &str = "fixture-job-queue";
const BATCH_STACK_JOB_ROLE: &str = "fixture-batch-job-role";
const ECS_COMPUTE_ENVIRONMENT: &str = "fixture-ecs-cluster";
/// The name onramp gives the role the seed leaves as `<PARALLELCLUSTER EC2 ROLE NAME>`.
const PARALLELCLUSTER_ROLE: &str = "ParallelClusterInstanceRole";

const TRADITIONAL_SCHEDULERS: [&str; 3] = ["slurm", "sge", "torque"];
const ALL_SCHEDULERS: [&str; 4] = ["slurm", "sge", "torque", "awsbatch"];

fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else {
        "aws"
    }
}

// ---------------------------------------------------------------------------
// Fixtures

/// What the seed's placeholders are filled with.
struct Fill<'a> {
    region: &'a str,
    /// `<PARALLELCLUSTER EC2 ROLE NAME>`: the part of the role's ARN after
    /// `role/`, i.e. its path (without the leading `/`) and name.
    parallelcluster_role: &'a str,
    /// `<bucket-name>` of the bucket access policy, if that fixture is read.
    bucket: Option<&'a str>,
}

impl<'a> Fill<'a> {
    fn new(region: &'a str) -> Fill<'a> {
        Fill {
            region,
            parallelcluster_role: PARALLELCLUSTER_ROLE,
            bucket: None,
        }
    }

    fn bucket(mut self, bucket: &'a str) -> Fill<'a> {
        self.bucket = Some(bucket);
        self
    }

    fn pairs(&self) -> Vec<(&'static str, &'a str)> {
        let mut pairs = vec![
            ("<REGION>", self.region),
            ("<region>", self.region),
            ("<AWS ACCOUNT ID>", ACCOUNT),
            ("<RESOURCES S3 BUCKET>", RESOURCES_BUCKET),
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
        ];
        if let Some(bucket) = self.bucket {
            pairs.push(("<bucket-name>", bucket));
        }
        pairs
    }
}

/// A seed's JSON document with its placeholders filled. Panics if any `<…>`
/// placeholder is left, so a fixture is never compared half-filled.
fn fixture(file: &str, fill: &Fill<'_>) -> Value {
    let path = format!("{}/tests/fixtures/seeds/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    for (placeholder, value) in fill.pairs() {
        text = text.replace(placeholder, value);
    }
    if let Some(at) = text.find('<') {
        let end = text[at..].find('>').map_or(text.len(), |e| at + e + 1);
        panic!(
            "fixture {file}: placeholder {} is not filled by the test",
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
        Spec::ManagedPolicy { document, .. } => document,
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

/// Applies the improvements to the fixture, in order, then asserts the
/// generated document has the same statements.
fn assert_matches_seed(
    what: &str,
    generated: &Value,
    fixture_file: &str,
    mut fixture: Value,
    improvements: &[Improvement],
) {
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
    if let Some(report) = statement_differences(generated, &fixture) {
        let applied: Vec<String> = improvements
            .iter()
            .map(|i| format!("{}: {}", i.name(), i.reason()))
            .collect();
        panic!(
            "{what} differs from seed fixture {fixture_file} beyond the documented improvements\n\
             improvements applied to the fixture: {applied:#?}\n{report}\n\
             generated: {}\nfixture after improvements: {}",
            serde_json::to_string_pretty(generated).unwrap_or_default(),
            serde_json::to_string_pretty(&fixture).unwrap_or_default()
        );
    }
}

// ---------------------------------------------------------------------------
// The documented improvements (README, "Where onramp differs from the source
// documents"), each applied to a fixture explicitly.

const S3_PUT_OBJ_SID: &str = "S3PutObj";
const CLOUDFORMATION_SID: &str = "CloudFormation";
const CLOUDFORMATION_LIST_SID: &str = "CloudFormationList";
const IAM_ROLE_SID: &str = "IAMRole";
const IAM_INSTANCE_PROFILE_SID: &str = "IAMInstanceProfile";
/// Lowercase, as [`Normalized`] keeps actions.
const LIST_STACKS: &str = "cloudformation:liststacks";
const PASS_ROLE: &str = "iam:passrole";

#[derive(Debug, Clone)]
enum Improvement {
    /// EBS autoscale: `ec2:DescribeTags` is added to the CloudFormation list.
    EbsAddsDescribeTags,
    /// Partitions: `arn:aws:` becomes `arn:<partition>:`.
    Partition(&'static str),
    /// ParallelCluster SGE/Slurm/Torque instance policy: S3PutObj names the
    /// resources bucket instead of `NONE`.
    ResourcesBucketInsteadOfNone(&'static str),
    /// ParallelCluster SGE/Slurm/Torque instance policy: without a resources
    /// bucket, S3PutObj is left out.
    NoResourcesBucketNoS3PutObj,
    /// ParallelCluster awsbatch user policy: `cloudformation:ListStacks` moves
    /// from the stack-scoped CloudFormation statement to a statement of its
    /// own on `"*"`.
    ListStacksOnStar,
    /// ParallelCluster awsbatch user policy: `iam:PassRole` is dropped from
    /// the IAMInstanceProfile statement (instance-profile ARNs).
    NoPassRoleOnInstanceProfiles,
}

impl Improvement {
    fn name(&self) -> &'static str {
        match self {
            Improvement::EbsAddsDescribeTags => "ebs-autoscale: adds ec2:DescribeTags",
            Improvement::Partition(_) => "partition: arn:aws: becomes the region's partition",
            Improvement::ResourcesBucketInsteadOfNone(_) => {
                "parallelcluster instance policy: S3PutObj names the resources bucket, not NONE"
            }
            Improvement::NoResourcesBucketNoS3PutObj => {
                "parallelcluster instance policy: S3PutObj left out without a resources bucket"
            }
            Improvement::ListStacksOnStar => {
                "parallelcluster awsbatch user policy: cloudformation:ListStacks moves to its own statement on \"*\""
            }
            Improvement::NoPassRoleOnInstanceProfiles => {
                "parallelcluster awsbatch user policy: iam:PassRole left out of IAMInstanceProfile"
            }
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Improvement::EbsAddsDescribeTags => {
                "EBS autoscale tags the volumes it creates; the instance reads those tags back"
            }
            Improvement::Partition(_) => {
                "the seeds hard-code the aws partition; ARNs in aws-cn, aws-us-gov, … must use theirs"
            }
            Improvement::ResourcesBucketInsteadOfNone(_) => {
                "`NONE` is what ParallelCluster 2 writes when no resources bucket is set; it matches no bucket"
            }
            Improvement::NoResourcesBucketNoS3PutObj => {
                "`arn:aws:s3:::NONE/batch/*` can match no bucket (bucket names are lowercase), so the statement grants nothing"
            }
            Improvement::ListStacksOnStar => {
                "cloudformation:ListStacks has no resource-level permissions (only \"Resource\": \"*\"), so the seed's grant on stack/parallelcluster-* allows nothing and `pcluster list` is denied"
            }
            Improvement::NoPassRoleOnInstanceProfiles => {
                "iam:PassRole is authorized against the passed role's ARN, so a grant on instance-profile/* matches nothing; IAMRole already grants PassRole on role/parallelcluster-*"
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
            Improvement::ResourcesBucketInsteadOfNone(bucket) => {
                let statement = statement_by_sid(document, S3_PUT_OBJ_SID);
                let resources = statement
                    .get_mut("Resource")
                    .and_then(Value::as_array_mut)
                    .expect("S3PutObj lists its resources");
                assert_eq!(resources.len(), 1, "S3PutObj has one resource in the seed");
                let old = resources[0].as_str().expect("a resource is a string");
                assert!(
                    old.ends_with(":s3:::NONE/batch/*"),
                    "S3PutObj of the seed names bucket NONE, found {old}"
                );
                resources[0] =
                    Value::String(old.replace(":s3:::NONE/", &format!(":s3:::{bucket}/")));
            }
            Improvement::NoResourcesBucketNoS3PutObj => {
                let resources = string_set(
                    statement_by_sid(document, S3_PUT_OBJ_SID).get("Resource"),
                    S3_PUT_OBJ_SID,
                );
                assert!(
                    resources.iter().all(|r| r.ends_with(":s3:::NONE/batch/*")),
                    "S3PutObj of the seed names bucket NONE, found {resources:?}"
                );
                statements_mut(document)
                    .retain(|s| s.get("Sid").and_then(Value::as_str) != Some(S3_PUT_OBJ_SID));
            }
            Improvement::ListStacksOnStar => {
                // No statement of the seed grants ListStacks on "*" yet.
                for s in raw_statements(document) {
                    let n = normalize(&s, "seed statement");
                    assert!(
                        !(n.actions.contains(LIST_STACKS) && n.resources.contains("*")),
                        "the seed already grants {LIST_STACKS} on \"*\": {s}"
                    );
                }
                let statement = statement_by_sid(document, CLOUDFORMATION_SID);
                let resources = string_set(statement.get("Resource"), CLOUDFORMATION_SID);
                assert!(
                    !resources.is_empty()
                        && resources
                            .iter()
                            .all(|r| r.contains(":cloudformation:") && r.contains(":stack/")),
                    "{CLOUDFORMATION_SID} of the seed is scoped to stack ARNs only, found {resources:?}"
                );
                assert_eq!(
                    remove_action(statement, LIST_STACKS),
                    1,
                    "{CLOUDFORMATION_SID} of the seed lists {LIST_STACKS} once"
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
                        && !role.resources.is_empty()
                        && role
                            .resources
                            .iter()
                            .all(|r| r.contains(":iam::") && r.contains(":role/parallelcluster-")),
                    "{IAM_ROLE_SID} of the seed grants {PASS_ROLE} on role/parallelcluster-*: {role_statement}"
                );
                let statement = statement_by_sid(document, IAM_INSTANCE_PROFILE_SID);
                let resources = string_set(statement.get("Resource"), IAM_INSTANCE_PROFILE_SID);
                assert!(
                    !resources.is_empty()
                        && resources
                            .iter()
                            .all(|r| r.contains(":iam::") && r.contains(":instance-profile/")),
                    "{IAM_INSTANCE_PROFILE_SID} of the seed is scoped to instance profiles only, found {resources:?}"
                );
                assert_eq!(
                    remove_action(statement, PASS_ROLE),
                    1,
                    "{IAM_INSTANCE_PROFILE_SID} of the seed lists {PASS_ROLE} once"
                );
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

/// Bucket access: onramp makes one policy with one statement whose Resource
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

/// IAM's action matching: case-insensitive, `*` any run, `?` one character.
fn action_matches(pattern: &str, action: &str) -> bool {
    fn glob(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| glob(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && glob(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && glob(rest, &t[1..]),
        }
    }
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = action.to_lowercase().chars().collect();
    glob(&p, &t)
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

#[test]
fn bucket_access_policy_for_one_bucket_equals_the_seed() {
    for region in [REGION, CHINA_REGION] {
        let plan = plan_of(&genomics_answers(region, &[BUCKET]));
        let seed = fixture(BUCKET_SEED, &Fill::new(region).bucket(BUCKET));
        // The default name is the seed's PolicyName, `<region>` filled.
        let name = bucket_policy_name(&seed);
        assert_eq!(name, format!("s3bucket-access-{region}"));
        assert_matches_seed(
            &format!("bucket access policy {name} ({region})"),
            policy_document(&plan, &name),
            BUCKET_SEED,
            document_of(&seed),
            &partition_improvement(region),
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
        assert_eq!(
            raw_statements(generated).len(),
            1,
            "one statement for all buckets: {generated}"
        );
        assert_matches_seed(
            &format!(
                "bucket access policy {name} for {} buckets ({region})",
                buckets.len()
            ),
            generated,
            BUCKET_SEED,
            one_statement_for_all_buckets(&per_bucket),
            &partition_improvement(region),
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
    let expected = statements(&one_statement_for_all_buckets(&per_bucket));
    assert_eq!(expected.len(), 1);
    let expected = &expected[0].statement;

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
    for (i, part) in parts.iter().enumerate() {
        let expected_name = if i == 0 {
            base.clone()
        } else {
            format!("{base}-{}", i + 1)
        };
        assert_eq!(part.name, expected_name, "parts are NAME, NAME-2, …");
        let Spec::ManagedPolicy { document, .. } = &part.spec else {
            panic!("{} is not a policy", part.name)
        };
        assert!(
            onramp::plan::limits::policy_size(document)
                <= onramp::plan::limits::MANAGED_POLICY_SIZE,
            "{} exceeds the managed policy size",
            part.name
        );
        let got = statements(document);
        assert_eq!(got.len(), 1, "{}: one statement per part", part.name);
        let got = &got[0].statement;
        // Same statement as the seed's, but for this part's buckets only.
        assert_eq!(
            (&got.effect, &got.actions, &got.condition, &got.other),
            (
                &expected.effect,
                &expected.actions,
                &expected.condition,
                &expected.other
            ),
            "{}: the statement differs from the seed beyond its resources",
            part.name
        );
        for r in &got.resources {
            assert!(covered.insert(r.clone()), "{r} is in two parts");
        }
    }
    assert_eq!(
        covered, expected.resources,
        "together the parts hold both ARNs of every bucket, nothing else"
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
        assert_matches_seed(
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
// ParallelCluster: instance and user policies

const PC_INSTANCE_TRADITIONAL_SEED: &str = "parallelcluster2-instance-traditional.json";
const PC_INSTANCE_AWSBATCH_SEED: &str = "parallelcluster2-instance-awsbatch.json";
const PC_USER_TRADITIONAL_SEED: &str = "parallelcluster2-user-traditional.json";
const PC_USER_AWSBATCH_SEED: &str = "parallelcluster2-user-awsbatch.json";
const PC_INSTANCE_POLICY: &str = "ParallelClusterInstancePolicy";
const PC_USER_POLICY: &str = "ParallelClusterUserPolicy";

#[test]
fn parallelcluster_traditional_instance_policy_names_the_resources_bucket() {
    for region in [REGION, CHINA_REGION] {
        for scheduler in TRADITIONAL_SCHEDULERS {
            let plan = plan_of(&parallelcluster_answers(
                region,
                scheduler,
                Some(RESOURCES_BUCKET),
            ));
            let mut improvements = partition_improvement(region);
            improvements.push(Improvement::ResourcesBucketInsteadOfNone(RESOURCES_BUCKET));
            assert_matches_seed(
                &format!("{PC_INSTANCE_POLICY} ({scheduler}, resources bucket, {region})"),
                policy_document(&plan, PC_INSTANCE_POLICY),
                PC_INSTANCE_TRADITIONAL_SEED,
                fixture(PC_INSTANCE_TRADITIONAL_SEED, &Fill::new(region)),
                &improvements,
            );
        }
    }
}

#[test]
fn parallelcluster_traditional_instance_policy_leaves_out_s3putobj_without_resources_bucket() {
    for region in [REGION, CHINA_REGION] {
        for scheduler in TRADITIONAL_SCHEDULERS {
            let plan = plan_of(&parallelcluster_answers(region, scheduler, None));
            let generated = policy_document(&plan, PC_INSTANCE_POLICY);
            assert!(
                statements(generated)
                    .iter()
                    .all(|s| !s.label.starts_with(S3_PUT_OBJ_SID)),
                "{scheduler}: no S3PutObj statement without a resources bucket"
            );
            let mut improvements = partition_improvement(region);
            improvements.push(Improvement::NoResourcesBucketNoS3PutObj);
            assert_matches_seed(
                &format!("{PC_INSTANCE_POLICY} ({scheduler}, no resources bucket, {region})"),
                generated,
                PC_INSTANCE_TRADITIONAL_SEED,
                fixture(PC_INSTANCE_TRADITIONAL_SEED, &Fill::new(region)),
                &improvements,
            );
        }
    }
}

#[test]
fn parallelcluster_awsbatch_instance_policy_equals_the_seed() {
    for region in [REGION, CHINA_REGION] {
        let plan = plan_of(&parallelcluster_answers(
            region,
            "awsbatch",
            Some(RESOURCES_BUCKET),
        ));
        assert_matches_seed(
            &format!("{PC_INSTANCE_POLICY} (awsbatch, {region})"),
            policy_document(&plan, PC_INSTANCE_POLICY),
            PC_INSTANCE_AWSBATCH_SEED,
            fixture(PC_INSTANCE_AWSBATCH_SEED, &Fill::new(region)),
            &partition_improvement(region),
        );
    }
}

/// The documented improvements of the awsbatch ParallelClusterUserPolicy.
fn awsbatch_user_improvements() -> [Improvement; 2] {
    [
        Improvement::ListStacksOnStar,
        Improvement::NoPassRoleOnInstanceProfiles,
    ]
}

#[test]
fn parallelcluster_user_policies_equal_the_seeds() {
    for region in [REGION, CHINA_REGION] {
        for scheduler in ALL_SCHEDULERS {
            for resources_bucket in [Some(RESOURCES_BUCKET), None] {
                if scheduler == "awsbatch" && resources_bucket.is_none() {
                    continue; // required with awsbatch
                }
                let plan = plan_of(&parallelcluster_answers(
                    region,
                    scheduler,
                    resources_bucket,
                ));
                let mut improvements = partition_improvement(region);
                let seed = if scheduler == "awsbatch" {
                    improvements.extend(awsbatch_user_improvements());
                    PC_USER_AWSBATCH_SEED
                } else {
                    PC_USER_TRADITIONAL_SEED
                };
                assert_matches_seed(
                    &format!(
                        "{PC_USER_POLICY} ({scheduler}, resources bucket {resources_bucket:?}, {region})"
                    ),
                    policy_document(&plan, PC_USER_POLICY),
                    seed,
                    fixture(seed, &Fill::new(region)),
                    &improvements,
                );
            }
        }
    }
}

#[test]
fn parallelcluster_user_policy_names_the_planned_role_with_its_path_and_prefix() {
    let plan = plan_of_toml(&format!(
        r#"
region = "{REGION}"
account_id = "{ACCOUNT}"
name_prefix = "lab-"
path = "/onramp/"

[parallelcluster]
scheduler = "slurm"
resources_bucket = "{RESOURCES_BUCKET}"
"#
    ));
    let role_name = format!("lab-{PARALLELCLUSTER_ROLE}");
    let role = resource(&plan, EntityKind::Role, &role_name);
    // `<PARALLELCLUSTER EC2 ROLE NAME>` stands for what follows `role/` in the
    // role's ARN: with a path, the path and the name.
    let role_in_arn = format!("onramp/{role_name}");
    assert_eq!(
        role.arn,
        format!("arn:aws:iam::{ACCOUNT}:role/{role_in_arn}")
    );
    let fill = Fill {
        parallelcluster_role: &role_in_arn,
        ..Fill::new(REGION)
    };
    let user_policy = format!("lab-{PC_USER_POLICY}");
    let generated = policy_document(&plan, &user_policy);
    assert_matches_seed(
        &format!("{user_policy} (slurm, prefix lab-, path /onramp/)"),
        generated,
        PC_USER_TRADITIONAL_SEED,
        fixture(PC_USER_TRADITIONAL_SEED, &fill),
        &[],
    );
    // The statement that names the role names exactly the planned role.
    let iam_modify: Vec<Labeled> = statements(generated)
        .into_iter()
        .filter(|s| s.label.starts_with("IAMModify"))
        .collect();
    assert_eq!(iam_modify.len(), 1);
    assert_eq!(
        iam_modify[0].statement.resources,
        BTreeSet::from([role.arn.clone()])
    );
}

// ---------------------------------------------------------------------------
// Roles: trust principals and attached ARNs

fn role_spec(role: &Resource) -> (&Value, &Vec<String>) {
    match &role.spec {
        Spec::Role {
            trust_policy,
            managed_policy_arns,
            ..
        } => (trust_policy, managed_policy_arns),
        other => panic!("{} is not a role: {other:?}", role.name),
    }
}

/// The role may be assumed by `service` and by nothing else.
fn assert_trusted_by(role: &Resource, service: &str) {
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
        BTreeSet::from([service.to_owned()]),
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
        Spec::InstanceProfile { roles } => {
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
    assert_trusted_by(batch, "batch.amazonaws.com");
    assert_attached(
        batch,
        &[arns.aws_managed("service-role/AWSBatchServiceRole")],
    );

    let instance = resource(&plan, EntityKind::Role, &arns.name("ecsInstanceRole"));
    assert_eq!(instance.arn, arns.role("ecsInstanceRole"));
    assert_eq!(instance.path, "/onramp/");
    assert_trusted_by(instance, "ec2.amazonaws.com");
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
        assert_trusted_by(spot, "spotfleet.amazonaws.com");
        assert_attached(
            spot,
            &[arns.aws_managed("service-role/AmazonEC2SpotFleetTaggingRole")],
        );
    }

    if t.job_role {
        let job = resource(&plan, EntityKind::Role, &arns.name("BatchJobRole"));
        assert_eq!(job.arn, arns.role("BatchJobRole"));
        assert_trusted_by(job, "ecs-tasks.amazonaws.com");
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
                assert_trusted_by(role, "ec2.amazonaws.com");
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
    let seed = fixture(PC_USER_AWSBATCH_SEED, &Fill::new(REGION));

    // The seed as published differs, in the three statements concerned.
    let report = statement_differences(&generated, &seed)
        .expect("the generated policy must differ from the seed as published");
    for sid in [
        CLOUDFORMATION_SID,
        CLOUDFORMATION_LIST_SID,
        IAM_INSTANCE_PROFILE_SID,
    ] {
        assert!(report.contains(sid), "the report names {sid}:\n{report}");
    }

    // Neither improvement alone is enough; both together are.
    for only in awsbatch_user_improvements() {
        let mut fixture = seed.clone();
        only.apply(&mut fixture);
        assert!(
            statement_differences(&generated, &fixture).is_some(),
            "`{}` alone must not make the documents equal",
            only.name()
        );
    }
    let mut improved = seed.clone();
    for improvement in awsbatch_user_improvements() {
        improvement.apply(&mut improved);
    }
    assert!(
        statement_differences(&generated, &improved).is_none(),
        "{:?}",
        statement_differences(&generated, &improved)
    );

    // Anything else that differs still fails, in and around those statements.
    type Change = (&'static str, fn(&mut Value));
    let changes: [Change; 7] = [
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
