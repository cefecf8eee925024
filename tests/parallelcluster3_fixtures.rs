//! ParallelCluster 3: every document onramp generates for `version = "3"` is
//! held against the policy of the ParallelCluster 3 user guide it comes from
//! (`tests/fixtures/parallelcluster3/*.json`, the guide's JSON with its
//! placeholders), statement by statement, as `seed_fixtures.rs` does for the
//! seeds. The guide's placeholders are filled with the answers' values; each
//! place where onramp departs from the guide is a named [`Improvement`]
//! applied to the fixture first, and must change it.
//!
//! Roles of restricted mode are checked too: trust, attached policies, path
//! and instance profiles.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use onramp::answers::{Answers, Environment};
use onramp::names::EntityKind;
use onramp::plan::{self, Plan, Resource, Spec};
use serde_json::Value;

#[path = "common/statements.rs"]
mod statements;
use statements::*;

const REGION: &str = "eu-central-1";
const CHINA_REGION: &str = "cn-northwest-1";
const ACCOUNT: &str = "345678901234";
const SECRET: &str = "pcluster/directory-password";
const FSX_BUCKET: &str = "onramp-fixture-lustre";
const BOUNDARY_NAME: &str = "pcluster-boundary";

fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else {
        "aws"
    }
}

fn boundary(region: &str) -> String {
    format!(
        "arn:{}:iam::{ACCOUNT}:policy/{BOUNDARY_NAME}",
        partition_of(region)
    )
}

/// A fixture with the guide's placeholders filled; panics on any left over.
fn fixture(file: &str, region: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/parallelcluster3/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    for (placeholder, value) in [
        ("<AWS ACCOUNT ID>", ACCOUNT.to_owned()),
        ("<REGION>", region.to_owned()),
        ("<SECRET NAME>", SECRET.to_owned()),
        ("<SECRET_ID>", SECRET.to_owned()),
        ("<S3 NAME>", FSX_BUCKET.to_owned()),
        // In the aws partition's form, like every ARN of the guide; the
        // Partition improvement rewrites it with the others.
        ("<permissions-boundary-arn>", boundary("us-east-1")),
    ] {
        text = text.replace(placeholder, &value);
    }
    if let Some(at) = text.find('<') {
        panic!("fixture {file}: placeholder at {at} is not filled by the test");
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {file} is not JSON: {e}"))
}

/// Where onramp departs from the guide, each with its reason (README, "Where
/// onramp differs").
#[derive(Debug, Clone, Copy)]
enum Improvement {
    /// `arn:aws:` becomes the region's partition.
    Partition(&'static str),
    /// The secret's ARN ends in `-??????`, as every Secrets Manager ARN does.
    SecretSuffix,
    /// Without `secret_name`, the statement naming the secret is left out.
    NoSecretNoStatement,
    /// FSx: the linked bucket's objects are granted beside the bucket.
    FsxBucketObjects,
    /// FSx: without `fsx_bucket`, the statement naming it is left out.
    NoFsxBucketNoStatement,
}

impl Improvement {
    fn reason(self) -> &'static str {
        match self {
            Improvement::Partition(_) => "the guide hard-codes the aws partition",
            Improvement::SecretSuffix => {
                "Secrets Manager ends every secret's ARN in `-` and six random characters, so the guide's exact ARN matches no secret"
            }
            Improvement::NoSecretNoStatement => {
                "no secret is named, so there is nothing to read; the guide says validation is then skipped"
            }
            Improvement::FsxBucketObjects => {
                "s3:GetObject and s3:PutObject are checked against object ARNs; the guide's bucket ARN alone allows neither"
            }
            Improvement::NoFsxBucketNoStatement => {
                "no bucket is linked, so the statement names none"
            }
        }
    }

    fn apply(self, document: &mut Value) {
        match self {
            Improvement::Partition(partition) => {
                let mut rewritten = 0;
                rewrite_strings(document, &mut |s| {
                    s.strip_prefix("arn:aws:").map(|rest| {
                        rewritten += 1;
                        format!("arn:{partition}:{rest}")
                    })
                });
                assert!(rewritten > 0, "no arn:aws: to rewrite");
            }
            Improvement::SecretSuffix => {
                let mut rewritten = 0;
                rewrite_strings(document, &mut |s| {
                    s.ends_with(&format!(":secret:{SECRET}")).then(|| {
                        rewritten += 1;
                        format!("{s}-??????")
                    })
                });
                assert_eq!(rewritten, 1, "one statement names the secret");
            }
            Improvement::NoSecretNoStatement => {
                let before = statements_mut(document).len();
                statements_mut(document).retain(|s| !s.to_string().contains(":secret:"));
                assert_eq!(
                    statements_mut(document).len() + 1,
                    before,
                    "one statement names the secret"
                );
            }
            Improvement::FsxBucketObjects => {
                let bucket_arn = format!("arn:aws:s3:::{FSX_BUCKET}");
                let statement = statements_mut(document)
                    .iter_mut()
                    .find(|s| s.get("Resource") == Some(&Value::String(bucket_arn.clone())))
                    .expect("a statement on the linked bucket alone");
                statement["Resource"] =
                    serde_json::json!([bucket_arn.clone(), format!("{bucket_arn}/*")]);
            }
            Improvement::NoFsxBucketNoStatement => {
                let before = statements_mut(document).len();
                statements_mut(document)
                    .retain(|s| !s.to_string().contains(&format!(":s3:::{FSX_BUCKET}")));
                assert_eq!(statements_mut(document).len() + 1, before);
            }
        }
    }
}

fn assert_matches_guide(
    what: &str,
    generated: &Value,
    file: &str,
    region: &str,
    improvements: &[Improvement],
) {
    let mut expected = fixture(file, region);
    let mut all: Vec<Improvement> = improvements.to_vec();
    if partition_of(region) != "aws" {
        all.push(Improvement::Partition(partition_of(region)));
    }
    for improvement in &all {
        let before = expected.clone();
        improvement.apply(&mut expected);
        assert_ne!(
            before, expected,
            "{what}: {improvement:?} changed nothing in {file}"
        );
    }
    if let Some(report) = statement_differences(generated, &expected) {
        let reasons: Vec<String> = all
            .iter()
            .map(|i| format!("{i:?}: {}", i.reason()))
            .collect();
        panic!(
            "{what} differs from the guide's {file} beyond {reasons:#?}\n{report}\ngenerated: {}",
            serde_json::to_string_pretty(generated).unwrap_or_default()
        );
    }
}

fn plan_of(toml: &str) -> Plan {
    let answers = Answers::from_toml(toml).unwrap_or_else(|e| panic!("{e}\n{toml}"));
    let valid = answers
        .validate(&Environment::default())
        .unwrap_or_else(|e| panic!("invalid test answers: {e}\n{toml}"));
    plan::plan(&valid).unwrap_or_else(|e| panic!("{e}"))
}

struct Case<'a> {
    region: &'a str,
    scheduler: &'a str,
    mode: &'a str,
    fsx: bool,
    fsx_bucket: bool,
    image_build: bool,
    secret: bool,
}

impl Case<'_> {
    fn toml(&self) -> String {
        let mut t = format!(
            "region = \"{}\"\naccount_id = \"{ACCOUNT}\"\npermissions_boundary = \"{}\"\n[genomics]\nenabled = false\n[parallelcluster]\nversion = \"3\"\nscheduler = \"{}\"\niam_mode = \"{}\"\nfsx = {}\nimage_build = {}\n",
            self.region,
            boundary(self.region),
            self.scheduler,
            self.mode,
            self.fsx,
            self.image_build
        );
        if self.fsx_bucket {
            t += &format!("fsx_bucket = \"{FSX_BUCKET}\"\n");
        }
        if self.secret {
            t += &format!("secret_name = \"{SECRET}\"\n");
        }
        t
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
        Spec::ManagedPolicy { document, .. } => document,
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

/// The user policies of one case, against the guide.
fn check_user_policies(case: &Case<'_>) -> Plan {
    let plan = plan_of(&case.toml());
    let what = format!("{}/{}/{}", case.region, case.scheduler, case.mode);
    assert_matches_guide(
        &format!("{what} base"),
        managed(&plan, "ParallelClusterUserPolicy"),
        "user-base.json",
        case.region,
        &[case.secret_improvement()],
    );
    let has = names(&plan);
    assert_eq!(
        has.contains("ParallelClusterBatchUserPolicy"),
        case.scheduler == "awsbatch",
        "{what}: the Batch add-on comes with awsbatch only"
    );
    if case.scheduler == "awsbatch" {
        assert_matches_guide(
            &format!("{what} batch"),
            managed(&plan, "ParallelClusterBatchUserPolicy"),
            "user-batch.json",
            case.region,
            &[],
        );
    }
    assert_eq!(
        has.contains("ParallelClusterFSxUserPolicy"),
        case.fsx,
        "{what}"
    );
    if case.fsx {
        let improvement = if case.fsx_bucket {
            Improvement::FsxBucketObjects
        } else {
            Improvement::NoFsxBucketNoStatement
        };
        assert_matches_guide(
            &format!("{what} fsx"),
            managed(&plan, "ParallelClusterFSxUserPolicy"),
            "user-fsx.json",
            case.region,
            &[improvement],
        );
    }
    assert_eq!(
        has.contains("ParallelClusterImageBuildUserPolicy"),
        case.image_build,
        "{what}"
    );
    if case.image_build {
        assert_matches_guide(
            &format!("{what} image build"),
            managed(&plan, "ParallelClusterImageBuildUserPolicy"),
            "user-image-build.json",
            case.region,
            &[],
        );
    }
    for r in &plan.resources {
        assert_eq!(r.path, "/parallelcluster/", "{}", r.name);
    }
    plan
}

#[test]
fn privileged_mode_has_the_guides_user_policies_and_iam_policy() {
    for (region, scheduler, fsx, fsx_bucket, image_build, secret) in [
        (REGION, "slurm", false, false, false, false),
        (REGION, "awsbatch", true, true, true, true),
        (REGION, "slurm", true, false, false, true),
        (CHINA_REGION, "awsbatch", true, true, true, false),
    ] {
        let case = Case {
            region,
            scheduler,
            mode: "privileged",
            fsx,
            fsx_bucket,
            image_build,
            secret,
        };
        let plan = check_user_policies(&case);
        assert_matches_guide(
            "privileged IAM policy",
            managed(&plan, "ParallelClusterIamUserPolicy"),
            "iam-privileged.json",
            region,
            &[],
        );
        assert!(
            plan.resources
                .iter()
                .all(|r| r.kind() == EntityKind::ManagedPolicy),
            "privileged mode pre-creates no roles"
        );
    }
}

#[test]
fn permissions_boundary_mode_conditions_role_changes_on_the_boundary() {
    for region in [REGION, CHINA_REGION] {
        let case = Case {
            region,
            scheduler: "awsbatch",
            mode: "permissions-boundary",
            fsx: false,
            fsx_bucket: false,
            image_build: false,
            secret: true,
        };
        let plan = check_user_policies(&case);
        let generated = managed(&plan, "ParallelClusterIamUserPolicy");
        assert_matches_guide(
            "boundary IAM policy",
            generated,
            "iam-permissions-boundary.json",
            region,
            &[],
        );
        assert!(generated.to_string().contains(&boundary(region)));
    }
}

fn role<'p>(plan: &'p Plan, name: &str) -> (&'p Resource, &'p Value, &'p [String]) {
    let r = resource(plan, EntityKind::Role, name);
    match &r.spec {
        Spec::Role {
            trust_policy,
            managed_policy_arns,
            ..
        } => (r, trust_policy, managed_policy_arns),
        other => panic!("{name}: {other:?}"),
    }
}

fn inline<'p>(plan: &'p Plan, role_name: &str, policy: &str) -> &'p Value {
    match &resource(plan, EntityKind::Role, role_name).spec {
        Spec::Role {
            inline_policies, ..
        } => inline_policies
            .get(policy)
            .unwrap_or_else(|| panic!("{role_name} has no inline {policy}: {inline_policies:?}")),
        other => panic!("{other:?}"),
    }
}

fn assert_trusts(trust: &Value, service: &str) {
    let statements = trust["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 1, "{trust}");
    assert_eq!(statements[0]["Principal"]["Service"], service, "{trust}");
    assert_eq!(statements[0]["Action"], "sts:AssumeRole", "{trust}");
}

#[test]
fn restricted_mode_pre_creates_the_guides_roles() {
    for region in [REGION, CHINA_REGION] {
        let partition = partition_of(region);
        let case = Case {
            region,
            scheduler: "slurm",
            mode: "restricted",
            fsx: true,
            fsx_bucket: true,
            image_build: true,
            secret: true,
        };
        let plan = check_user_policies(&case);
        assert!(!names(&plan).contains("ParallelClusterIamUserPolicy"));
        let aws = |name: &str| format!("arn:{partition}:iam::aws:policy/{name}");
        let own =
            |name: &str| format!("arn:{partition}:iam::{ACCOUNT}:policy/parallelcluster/{name}");

        assert_matches_guide(
            "head node policy",
            managed(&plan, "ParallelClusterHeadNodePolicy"),
            "head-node-slurm.json",
            region,
            &[Improvement::SecretSuffix],
        );
        let (head, trust, attached) = role(&plan, "ParallelClusterHeadNodeRole");
        assert_trusts(trust, "ec2.amazonaws.com");
        assert_eq!(
            attached,
            [
                aws("CloudWatchAgentServerPolicy"),
                aws("AmazonSSMManagedInstanceCore"),
                own("ParallelClusterHeadNodePolicy")
            ]
        );
        assert_eq!(
            head.arn,
            format!(
                "arn:{partition}:iam::{ACCOUNT}:role/parallelcluster/ParallelClusterHeadNodeRole"
            )
        );

        assert_matches_guide(
            "compute policy",
            managed(&plan, "ParallelClusterComputeNodePolicy"),
            "compute-node.json",
            region,
            &[],
        );
        let (_, trust, attached) = role(&plan, "ParallelClusterComputeNodeRole");
        assert_trusts(trust, "ec2.amazonaws.com");
        assert_eq!(
            attached,
            [
                aws("CloudWatchAgentServerPolicy"),
                aws("AmazonSSMManagedInstanceCore"),
                own("ParallelClusterComputeNodePolicy")
            ]
        );

        let (_, trust, attached) = role(&plan, "ParallelClusterLambdaFunctionsRole");
        assert_trusts(trust, "lambda.amazonaws.com");
        assert!(attached.is_empty());
        assert_matches_guide(
            "lambda functions policy",
            inline(
                &plan,
                "ParallelClusterLambdaFunctionsRole",
                "ParallelClusterLambdaFunctionsPolicy",
            ),
            "lambda-functions.json",
            region,
            &[],
        );

        let (_, trust, attached) = role(&plan, "ParallelClusterImageBuilderRole");
        assert_trusts(trust, "ec2.amazonaws.com");
        assert_eq!(
            attached,
            [
                aws("AmazonSSMManagedInstanceCore"),
                aws("EC2InstanceProfileForImageBuilder")
            ]
        );
        assert_matches_guide(
            "image builder instance policy",
            inline(
                &plan,
                "ParallelClusterImageBuilderRole",
                "ParallelClusterImageBuilderPolicy",
            ),
            "image-builder-instance.json",
            region,
            &[],
        );

        let (_, trust, attached) = role(&plan, "ParallelClusterImageCleanupRole");
        assert_trusts(trust, "lambda.amazonaws.com");
        assert_eq!(attached, [aws("service-role/AWSLambdaBasicExecutionRole")]);
        assert_matches_guide(
            "image cleanup policy",
            inline(
                &plan,
                "ParallelClusterImageCleanupRole",
                "ParallelClusterImageCleanupPolicy",
            ),
            "image-cleanup-lambda.json",
            region,
            &[],
        );

        for profile in [
            "ParallelClusterHeadNodeRole",
            "ParallelClusterComputeNodeRole",
            "ParallelClusterImageBuilderRole",
        ] {
            match &resource(&plan, EntityKind::InstanceProfile, profile).spec {
                Spec::InstanceProfile { roles } => assert_eq!(roles, &[profile.to_owned()]),
                other => panic!("{other:?}"),
            }
        }
        // Every role carries the answers' permissions boundary.
        for r in &plan.resources {
            if let Spec::Role {
                permissions_boundary,
                ..
            } = &r.spec
            {
                assert_eq!(
                    permissions_boundary.as_deref(),
                    Some(boundary(region).as_str())
                );
            }
        }
    }
}

#[test]
fn every_fixture_is_compared_by_some_test() {
    // A guide policy added to the fixtures without a comparison fails here.
    let compared = [
        "user-base.json",
        "user-batch.json",
        "user-fsx.json",
        "user-image-build.json",
        "iam-privileged.json",
        "iam-permissions-boundary.json",
        "head-node-slurm.json",
        "compute-node.json",
        "lambda-functions.json",
        "image-builder-instance.json",
        "image-cleanup-lambda.json",
    ];
    let dir = format!(
        "{}/tests/fixtures/parallelcluster3",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = compared.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn the_comparison_notices_a_dropped_statement_and_a_changed_action() {
    let case = Case {
        region: REGION,
        scheduler: "slurm",
        mode: "privileged",
        fsx: false,
        fsx_bucket: false,
        image_build: false,
        secret: true,
    };
    let plan = plan_of(&case.toml());
    let mut generated = managed(&plan, "ParallelClusterUserPolicy").clone();
    let mut expected = fixture("user-base.json", REGION);
    Improvement::SecretSuffix.apply(&mut expected);
    assert!(statement_differences(&generated, &expected).is_none());
    generated["Statement"][1]["Action"][0] = Value::String("ec2:AllocateHosts".into());
    assert!(statement_differences(&generated, &expected).is_some());
    statements_mut(&mut generated).pop();
    assert!(statement_differences(&generated, &expected).is_some());
}
