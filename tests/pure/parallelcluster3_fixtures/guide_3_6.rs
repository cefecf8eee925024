//! The 3.6 user guide.

use super::*;

// ---------------------------------------------------------------------------
// The 3.6 user guide.
// ---------------------------------------------------------------------------

/// A guide fixture with its placeholders filled; panics on any left over.
pub(super) fn fixture(file: &str, region: &str) -> Value {
    read_filled(
        &format!(
            "{}/tests/fixtures/parallelcluster3/{file}",
            env!("CARGO_MANIFEST_DIR")
        ),
        &[
            ("<AWS ACCOUNT ID>", ACCOUNT.to_owned()),
            ("<REGION>", region.to_owned()),
            ("<SECRET NAME>", SECRET.to_owned()),
            ("<SECRET_ID>", SECRET.to_owned()),
            ("<S3 NAME>", FSX_BUCKET.to_owned()),
            // In the aws partition's form, like every ARN of the guide; the
            // Partition improvement rewrites it with the others.
            ("<permissions-boundary-arn>", boundary("us-east-1")),
        ],
    )
}

/// Where onramp departs from the guide, each with its reason (README, "Where
/// onramp differs").
#[derive(Debug, Clone, Copy)]
pub(super) enum Improvement {
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

/// The guide's document `file` with the improvements applied (each must
/// change it).
pub(super) fn improved_fixture(
    what: &str,
    file: &str,
    region: &str,
    improvements: &[Improvement],
) -> Value {
    let mut expected = fixture(file, region);
    let mut all: Vec<Improvement> = improvements.to_vec();
    if partition_of(region) != "aws" {
        all.push(Improvement::Partition(partition_of(region)));
    }
    for improvement in &all {
        let before = expected.clone();
        improvement.apply(&mut expected);
        assert_ne!(
            before,
            expected,
            "{what}: {improvement:?} ({}) changed nothing in {file}",
            improvement.reason()
        );
    }
    expected
}

/// Everything the guide's `file` allows (after the improvements), the
/// generated document alone allows too: onramp only adds to the guide.
pub(super) fn assert_covers_guide(
    what: &str,
    generated: &Value,
    file: &str,
    region: &str,
    improvements: &[Improvement],
) {
    let expected = improved_fixture(what, file, region, improvements);
    let missing = denied(&[generated], &expected);
    if !missing.is_empty() {
        let missing: Vec<String> = missing.iter().map(ToString::to_string).collect();
        panic!(
            "{what} does not allow what the guide's {file} does, beyond {improvements:?}:\n{}\ngenerated: {}",
            missing.join("\n"),
            serde_json::to_string_pretty(generated).unwrap_or_default()
        );
    }
}

/// The user policies of one case, against the guide.
pub(super) fn check_user_policies(case: &Case<'_>) -> Plan {
    let plan = plan_of(&case.toml());
    let what = case.what();
    assert_covers_guide(
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
        assert_covers_guide(
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
        assert_covers_guide(
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
        assert_covers_guide(
            &format!("{what} image build"),
            managed(&plan, "ParallelClusterImageBuildUserPolicy"),
            "user-image-build.json",
            case.region,
            &[],
        );
    }
    assert_eq!(
        has.contains("ParallelClusterLoginNodesUserPolicy"),
        case.login_nodes,
        "{what}: the login nodes add-on comes with login_nodes only"
    );
    for r in &plan.resources {
        assert_eq!(r.path, "/parallelcluster/", "{}", r.name);
    }
    plan
}

#[test]
pub(super) fn privileged_mode_has_the_guides_user_policies_and_iam_policy() {
    for (region, scheduler, fsx, fsx_bucket, image_build, secret) in [
        (REGION, "slurm", false, false, false, false),
        (REGION, "awsbatch", true, true, true, true),
        (REGION, "slurm", true, false, false, true),
        (CHINA_REGION, "awsbatch", true, true, true, false),
    ] {
        let case = Case {
            release: None,
            region,
            scheduler,
            mode: "privileged",
            fsx,
            fsx_bucket,
            image_build,
            login_nodes: fsx && scheduler == "slurm",
            secret,
        };
        let plan = check_user_policies(&case);
        assert_covers_guide(
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
pub(super) fn permissions_boundary_mode_conditions_role_changes_on_the_boundary() {
    for region in [REGION, CHINA_REGION] {
        let case = Case {
            release: None,
            region,
            scheduler: "awsbatch",
            mode: "permissions-boundary",
            fsx: false,
            fsx_bucket: false,
            image_build: false,
            login_nodes: false,
            secret: true,
        };
        let plan = check_user_policies(&case);
        let generated = managed(&plan, "ParallelClusterIamUserPolicy");
        assert_covers_guide(
            "boundary IAM policy",
            generated,
            "iam-permissions-boundary.json",
            region,
            &[],
        );
        assert!(generated.to_string().contains(&boundary(region)));
        // Creating a role without the boundary is refused.
        let doc = Document::parse(generated);
        let create = |boundary: &str| {
            Request::new(
                "iam:CreateRole",
                format!(
                    "arn:{}:iam::{ACCOUNT}:role/parallelcluster/x",
                    partition_of(region)
                ),
            )
            .with_context("iam:PermissionsBoundary", [boundary.to_owned()])
        };
        assert!(doc.allows(&create(&boundary(region))));
        assert!(!doc.allows(&create("arn:aws:iam::111111111111:policy/other")));
    }
}

pub(super) fn role<'p>(plan: &'p Plan, name: &str) -> (&'p Resource, &'p Value, &'p [String]) {
    let r = resource(plan, EntityKind::Role, name);
    match &r.spec {
        Spec::Role(RoleSpec {
            trust_policy,
            managed_policy_arns,
            ..
        }) => (r, trust_policy, managed_policy_arns),
        other => panic!("{name}: {other:?}"),
    }
}

pub(super) fn inline<'p>(plan: &'p Plan, role_name: &str, policy: &str) -> &'p Value {
    match &resource(plan, EntityKind::Role, role_name).spec {
        Spec::Role(RoleSpec {
            inline_policies, ..
        }) => inline_policies
            .get(policy)
            .unwrap_or_else(|| panic!("{role_name} has no inline {policy}: {inline_policies:?}")),
        other => panic!("{other:?}"),
    }
}

/// The trust policy lets `service` assume the role, under every name the
/// service has in the region's partition (EC2 in China: `ec2.<URL SUFFIX>`
/// too, as upstream's image roles and `pcluster`'s own roles write it), and
/// lets nothing else.
pub(super) fn assert_trusts(trust: &Value, service: &str, region: &str) {
    let doc = Document::parse(trust);
    let mut names = vec![service.to_owned()];
    if service == "ec2.amazonaws.com" {
        names.push(format!("ec2.{}", url_suffix(region)));
    }
    for name in &names {
        assert!(allows_assume(&doc, "Service", name), "{name}: {trust}");
    }
    assert!(
        !allows_assume(&doc, "Service", "ecs-tasks.amazonaws.com"),
        "{trust}"
    );
    let statements = trust["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 1, "{trust}");
    assert_eq!(statements[0]["Action"], "sts:AssumeRole", "{trust}");
}

#[test]
pub(super) fn restricted_mode_pre_creates_the_guides_roles() {
    for region in [REGION, CHINA_REGION] {
        let partition = partition_of(region);
        let case = Case {
            login_nodes: false,
            ..Case::full(region, "restricted", "slurm")
        };
        let plan = check_user_policies(&case);
        assert!(!names(&plan).contains("ParallelClusterIamUserPolicy"));
        let aws = |name: &str| format!("arn:{partition}:iam::aws:policy/{name}");
        let own =
            |name: &str| format!("arn:{partition}:iam::{ACCOUNT}:policy/parallelcluster/{name}");

        assert_covers_guide(
            "head node policy",
            managed(&plan, "ParallelClusterHeadNodePolicy"),
            "head-node-slurm.json",
            region,
            &[Improvement::SecretSuffix],
        );
        let (head, trust, attached) = role(&plan, "ParallelClusterHeadNodeRole");
        assert_trusts(trust, "ec2.amazonaws.com", region);
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

        assert_covers_guide(
            "compute policy",
            managed(&plan, "ParallelClusterComputeNodePolicy"),
            "compute-node.json",
            region,
            &[],
        );
        let (_, trust, attached) = role(&plan, "ParallelClusterComputeNodeRole");
        assert_trusts(trust, "ec2.amazonaws.com", region);
        assert_eq!(
            attached,
            [
                aws("CloudWatchAgentServerPolicy"),
                aws("AmazonSSMManagedInstanceCore"),
                own("ParallelClusterComputeNodePolicy")
            ]
        );

        let (_, trust, attached) = role(&plan, "ParallelClusterLambdaFunctionsRole");
        assert_trusts(trust, "lambda.amazonaws.com", region);
        assert!(attached.is_empty());
        assert_covers_guide(
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
        assert_trusts(trust, "ec2.amazonaws.com", region);
        assert_eq!(
            attached,
            [
                aws("AmazonSSMManagedInstanceCore"),
                aws("EC2InstanceProfileForImageBuilder")
            ]
        );
        assert_covers_guide(
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
        assert_trusts(trust, "lambda.amazonaws.com", region);
        assert_eq!(attached, [aws("service-role/AWSLambdaBasicExecutionRole")]);
        assert_covers_guide(
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
                Spec::InstanceProfile(InstanceProfileSpec { roles }) => {
                    assert_eq!(roles, &[profile.to_owned()])
                }
                other => panic!("{other:?}"),
            }
        }
        // Every role carries the answers' permissions boundary.
        for r in &plan.resources {
            if let Some(role) = r.role() {
                assert_eq!(role.boundary(), Some(boundary(region).as_str()));
            }
        }
    }
}

#[test]
pub(super) fn every_fixture_is_compared_by_some_test() {
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
pub(super) fn the_guide_comparison_notices_a_dropped_action_and_a_dropped_statement() {
    let case = Case {
        fsx: false,
        fsx_bucket: false,
        image_build: false,
        login_nodes: false,
        ..Case::full(REGION, "privileged", "slurm")
    };
    let plan = plan_of(&case.toml());
    let mut generated = managed(&plan, "ParallelClusterUserPolicy").clone();
    let expected = improved_fixture(
        "control",
        "user-base.json",
        REGION,
        &[Improvement::SecretSuffix],
    );
    assert!(denied(&[&generated], &expected).is_empty());

    let write = statement_by_sid(&mut generated, "EC2Write");
    write["Action"]
        .as_array_mut()
        .unwrap()
        .retain(|a| a != "ec2:CreateSnapshot");
    let missing = denied(&[&generated], &expected);
    assert!(
        !missing.is_empty()
            && missing
                .iter()
                .all(|p| p.request.action == "ec2:CreateSnapshot"),
        "{missing:?}"
    );

    statements_mut(&mut generated)
        .retain(|s| s.get("Sid") != Some(&Value::from("DirectoryServiceSecret")));
    let missing = denied(&[&generated], &expected);
    assert!(
        missing
            .iter()
            .any(|p| p.request.action == "secretsmanager:DescribeSecret"),
        "{missing:?}"
    );
}
