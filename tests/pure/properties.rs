//! Properties of validation, planning and lint over generated answers.

use std::collections::{BTreeMap, BTreeSet};

use onramp::answers::{Answers, Environment, Genomics, Omics, ParallelCluster};
use onramp::iam::limits;
use onramp::iam::names::NameOverrides;
use onramp::output;
use onramp::plan::lint::{self, Level, placeholder_in};
use onramp::plan::{
    InstanceProfileSpec, Plan, PolicySpec, ResourceId, RoleSpec, ServiceLinkedRoleSpec, Spec, plan,
};
use onramp::tui::app::DocRef;
use onramp::tui::screens::editor;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

/// Regions with the partition their ARNs must use.
const REGIONS: [(&str, &str); 8] = [
    ("us-east-1", "aws"),
    ("eu-west-2", "aws"),
    ("cn-north-1", "aws-cn"),
    ("cn-northwest-1", "aws-cn"),
    ("us-gov-west-1", "aws-us-gov"),
    ("us-iso-east-1", "aws-iso"),
    ("us-isob-east-1", "aws-iso-b"),
    ("eusc-de-east-1", "aws-eusc"),
];

const BUCKET_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
const BUCKET_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Failures are reported with their minimal input; no files are written.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn no_env() -> Environment {
    Environment {
        region_flag: None,
        region_env: None,
        account_id: None,
    }
}

// ---------------------------------------------------------------------------
// Strategies for valid answers. Validity is decided here from S3's and IAM's
// documented rules, not by calling the crate's own rules.

/// What S3 allows beyond the character set and the first and last character.
fn s3_allows(b: &str) -> bool {
    let parts: Vec<&str> = b.split('.').collect();
    let ip_like = parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit()));
    !b.contains("..")
        && !ip_like
        && !BUCKET_PREFIXES.iter().any(|p| b.starts_with(p))
        && !BUCKET_SUFFIXES.iter().any(|s| b.ends_with(s))
}

/// A valid bucket name of 3 to 63 characters, with dots and hyphens.
fn bucket() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
        1 => "[a-z0-9][a-z0-9.-]{58,61}[a-z0-9]",
        1 => "[a-z0-9]{1,10}(\\.[a-z0-9]{1,10}){1,4}",
    ]
    // The regex generator picks `.` and `-` as often as a letter; break up
    // runs of dots rather than reject most long names.
    .prop_map(|b| b.replace("..", ".a"))
    .prop_filter("S3 allows the name", |b| s3_allows(b))
}

/// 1 to 120 distinct valid buckets.
fn buckets() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(bucket(), 1..=120).prop_map(|list| {
        let mut seen = BTreeSet::new();
        list.into_iter()
            .filter(|b| seen.insert(b.clone()))
            .collect()
    })
}

fn name_prefix() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[A-Za-z0-9_+=,.@-]{1,20}"]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![Just("/".to_owned()), "/[a-z0-9_.-]{1,8}/[a-z0-9_.-]{1,8}/"]
}

fn tags() -> impl Strategy<Value = BTreeMap<String, String>> {
    let key = "[A-Za-zé漢][A-Za-z0-9é漢 _.:/=+@-]{0,30}".prop_filter("not reserved", |k| {
        !k.to_ascii_lowercase().starts_with("aws:") && k != "onramp:managed-by"
    });
    let value = "[A-Za-z0-9éü漢 _.:/=+@-]{0,40}";
    prop::collection::btree_map(key, value, 0..=6)
}

fn boundary(partition: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(String::new()),
        1 => Just(format!("arn:{partition}:iam::aws:policy/Boundary")),
        1 => Just(format!("arn:{partition}:iam::111122223333:policy/team/Boundary")),
    ]
}

fn genomics(partition: &'static str) -> impl Strategy<Value = Genomics> {
    (
        prop::bool::weighted(0.85),
        buckets(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::btree_set("[A-Z][A-Za-z0-9]{0,20}", 0..=10),
        prop::sample::select(vec!["seed", "service-linked"]),
    )
        .prop_map(
            move |(
                enabled,
                buckets,
                public_data_read,
                ebs_autoscale,
                spot,
                job_role,
                extra,
                batch_service_role,
            )| {
                let job_role_policy_arns = if job_role {
                    extra
                        .into_iter()
                        .enumerate()
                        .map(|(i, name)| {
                            let owner = if i % 2 == 0 { "aws" } else { "111122223333" };
                            format!("arn:{partition}:iam::{owner}:policy/{name}")
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                Genomics {
                    enabled,
                    buckets,
                    public_data_read,
                    ebs_autoscale,
                    spot,
                    job_role,
                    job_role_policy_arns,
                    batch_service_role: batch_service_role.to_owned(),
                }
            },
        )
}

/// HealthOmics answers: read-write and read-only buckets (apart), named ECR
/// repositories or none, a KMS key of the partition or none.
fn omics(partition: &'static str) -> impl Strategy<Value = Omics> {
    (
        prop::bool::weighted(0.85),
        prop::collection::vec(bucket(), 1..=12),
        prop::collection::vec(bucket(), 0..=4),
        prop::collection::btree_set("[a-z0-9]{1,10}(/[a-z0-9]{1,10})?", 0..=4),
        prop::option::of("[0-9a-f]{8}-[0-9a-f]{4}"),
    )
        .prop_map(move |(enabled, write, read, repositories, key)| {
            let mut seen = BTreeSet::new();
            let buckets: Vec<String> = write
                .into_iter()
                .filter(|b| seen.insert(b.clone()))
                .collect();
            let read_only_buckets = read
                .into_iter()
                .filter(|b| seen.insert(b.clone()))
                .collect();
            Omics {
                enabled,
                buckets,
                read_only_buckets,
                ecr_repositories: repositories.into_iter().filter(|r| r.len() >= 2).collect(),
                kms_key_arn: key
                    .map(|id| format!("arn:{partition}:kms:us-east-1:123456789012:key/{id}")),
            }
        })
}

fn parallelcluster() -> impl Strategy<Value = ParallelCluster> {
    let traditional = (
        prop::bool::weighted(0.85),
        prop::sample::select(vec!["slurm", "sge", "torque"]),
        prop::option::of(bucket()),
    )
        .prop_map(|(enabled, scheduler, resources_bucket)| ParallelCluster {
            enabled,
            scheduler: scheduler.to_owned(),
            resources_bucket,
            ..ParallelCluster::default()
        });
    let batch_name = "[A-Za-z0-9][A-Za-z0-9_-]{0,40}";
    let awsbatch = (
        prop::bool::weighted(0.85),
        bucket(),
        "[A-Za-z][A-Za-z0-9-]{0,40}",
        batch_name,
        batch_name,
        batch_name,
        "[A-Za-z0-9_+=,.@-]{1,64}",
        "[A-Za-z0-9][A-Za-z0-9_-]{0,60}",
    )
        .prop_map(
            |(enabled, bucket, stack, serial, mnp, queue, role, ecs)| ParallelCluster {
                enabled,
                scheduler: "awsbatch".into(),
                resources_bucket: Some(bucket),
                stack_name: Some(stack),
                job_definition_serial_name: Some(serial),
                job_definition_mnp_name: Some(mnp),
                job_queue_name: Some(queue),
                job_role: Some(role),
                ecs_compute_environment: Some(ecs),
                ..ParallelCluster::default()
            },
        );
    prop_oneof![traditional, awsbatch]
}

/// Valid answers and the partition of their region.
#[derive(Debug, Clone)]
struct Case {
    answers: Answers,
    partition: &'static str,
}

fn valid_case() -> impl Strategy<Value = Case> {
    prop::sample::select(REGIONS.to_vec())
        .prop_flat_map(|(region, partition)| {
            (
                Just(region),
                Just(partition),
                "[0-9]{12}",
                name_prefix(),
                path(),
                boundary(partition),
                tags(),
                prop::option::of(genomics(partition)),
                prop::option::of(parallelcluster()),
                prop::option::of(omics(partition)),
            )
        })
        .prop_filter_map(
            "something is enabled",
            |(region, partition, account, prefix, path, boundary, tags, genomics, pc, omics)| {
                let enabled = genomics.as_ref().is_some_and(|g| g.enabled)
                    || pc.as_ref().is_some_and(|p| p.enabled)
                    || omics.as_ref().is_some_and(|o| o.enabled);
                enabled.then(|| Case {
                    answers: Answers {
                        region: Some(region.to_owned()),
                        account_id: Some(account),
                        name_prefix: prefix,
                        path,
                        permissions_boundary: boundary,
                        adopt: Vec::new(),
                        keep: Vec::new(),
                        tags,
                        names: NameOverrides::default(),
                        genomics,
                        parallelcluster: pc,
                        omics,
                        edits: Vec::new(),
                    },
                    partition,
                })
            },
        )
}

// ---------------------------------------------------------------------------
// Helpers over plans.

/// Every string of a JSON tree, keys included.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

fn planned(answers: &Answers) -> Result<Plan, TestCaseError> {
    let valid = answers
        .validate(&no_env())
        .map_err(|e| TestCaseError::fail(format!("valid answers rejected: {e}")))?;
    plan(&valid).map_err(|e| TestCaseError::fail(format!("plan failed: {e}")))
}

/// Each `arn:` in `s` is followed by the partition.
fn arns_in_partition(s: &str, partition: &str) -> bool {
    s.match_indices("arn:")
        .all(|(i, _)| s[i..].starts_with(&format!("arn:{partition}:")))
}

// ---------------------------------------------------------------------------
// 0. Every intent of valid answers holds on their plan: whatever the answers
// choose (buckets, partition, path, prefix, add-ons, IAM mode), each role
// and policy can do its job.

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn every_intent_of_valid_answers_holds_on_their_plan(case in valid_case()) {
        let valid = case
            .answers
            .validate(&no_env())
            .map_err(|e| TestCaseError::fail(format!("valid answers rejected: {e}")))?;
        let plan = plan(&valid).map_err(|e| TestCaseError::fail(format!("plan failed: {e}")))?;
        let intents = onramp::verify::intents(&valid, &plan);
        let outcomes = onramp::verify::check(&intents, |s| onramp::verify::offline::evidence(&plan, s));
        for o in &outcomes {
            prop_assert!(
                o.verdict.holds(),
                "{}: {} ({:?})", o.intent.subject.label(), o.intent.check.describe(), o.verdict
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 1. Valid answers plan into sound documents within IAM's limits (or lint says
// which limit is exceeded).

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn valid_answers_plan_into_sound_documents(case in valid_case()) {
        let partition = case.partition;
        let plan = planned(&case.answers)?;
        prop_assert_eq!(plan.target.partition.as_str(), partition);
        prop_assert!(!plan.resources.is_empty());
        let findings = lint::lint(&plan);

        let mut within_limits = true;
        for r in &plan.resources {
            prop_assert!(
                r.arn.starts_with(&format!("arn:{partition}:iam::")),
                "{} has ARN {}", r.name, r.arn
            );
            for (label, doc) in r.documents() {
                let text = serde_json::to_string(doc).unwrap();
                let back: Value = serde_json::from_str(&text).unwrap();
                prop_assert_eq!(&back, doc, "{} {} does not round-trip", r.name, label);
                let pretty = serde_json::to_string_pretty(doc).unwrap();
                prop_assert_eq!(&serde_json::from_str::<Value>(&pretty).unwrap(), doc);

                let mut all = Vec::new();
                strings(doc, &mut all);
                for s in &all {
                    prop_assert!(!s.contains("{{"), "{} {}: `{}`", r.name, label, s);
                    prop_assert!(
                        placeholder_in(s).is_none(),
                        "{} {}: placeholder in `{}`", r.name, label, s
                    );
                    prop_assert!(
                        arns_in_partition(s, partition),
                        "{} {}: `{}` is not in partition {}", r.name, label, s, partition
                    );
                }
            }
            let has_error = |code: &str| {
                findings
                    .iter()
                    .any(|f| f.level == Level::Error && f.code == code && f.resource == r.name)
            };
            match &r.spec {
                Spec::ManagedPolicy(PolicySpec { document, .. }) => {
                    let over = limits::policy_size(document) > limits::MANAGED_POLICY_SIZE;
                    within_limits &= !over;
                    prop_assert_eq!(over, has_error("policy-size"), "{}", r.name);
                }
                Spec::Role(RoleSpec {
                    managed_policy_arns,
                    permissions_boundary,
                    ..
                }) => {
                    for arn in managed_policy_arns.iter().chain(permissions_boundary) {
                        prop_assert!(
                            arn.starts_with(&format!("arn:{partition}:")),
                            "{} attaches {}", r.name, arn
                        );
                    }
                    let over = managed_policy_arns.len() > limits::ATTACHED_POLICIES_PER_ROLE;
                    within_limits &= !over;
                    prop_assert_eq!(over, has_error("attached-policies"), "{}", r.name);
                }
                Spec::InstanceProfile(InstanceProfileSpec { roles }) => {
                    prop_assert_eq!(roles, &vec![r.name.clone()]);
                }
                Spec::ServiceLinkedRole(ServiceLinkedRoleSpec { service, .. }) => {
                    prop_assert_eq!(service, "batch.amazonaws.com");
                    prop_assert_eq!(
                        &r.arn,
                        &format!(
                            "arn:{partition}:iam::{}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch",
                            plan.target.account_id
                        )
                    );
                    prop_assert!(r.tags.is_empty(), "{:?}", r.tags);
                }
            }
        }
        if within_limits {
            let errors: Vec<String> = findings
                .iter()
                .filter(|f| f.level == Level::Error)
                .map(ToString::to_string)
                .collect();
            prop_assert!(errors.is_empty(), "{:#?}", errors);
        }

        // Every chosen bucket is reachable through the policies attached to
        // the instance role (and to the job role, when there is one).
        if let Some(g) = case.answers.genomics.as_ref().filter(|g| g.enabled) {
            let prefix = &case.answers.name_prefix;
            let mut roles = vec![format!("{prefix}ecsInstanceRole")];
            if g.job_role {
                roles.push(format!("{prefix}BatchJobRole"));
            }
            for role in roles {
                let Some(r) = plan.get(onramp::iam::names::EntityKind::Role, &role) else {
                    return Err(TestCaseError::fail(format!("no role {role}")));
                };
                let Some(spec) = r.role() else {
                    return Err(TestCaseError::fail(format!("{role} is not a role")));
                };
                let mut reachable = BTreeSet::new();
                for p in &plan.resources {
                    if let Some(policy) = p.policy()
                        && spec.attaches(&p.arn)
                    {
                        let mut all = Vec::new();
                        strings(&policy.document, &mut all);
                        reachable.extend(all);
                    }
                }
                for b in &g.buckets {
                    let arn = format!("arn:{partition}:s3:::{b}");
                    prop_assert!(reachable.contains(&arn), "{} cannot reach {}", role, arn);
                    let objects = format!("{arn}/*");
                    prop_assert!(reachable.contains(&objects), "{} cannot reach {}", role, objects);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Determinism.

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn the_same_answers_plan_byte_for_byte_the_same(case in valid_case()) {
        let first = planned(&case.answers)?;
        let second = planned(&case.answers.clone())?;
        let a = output::plan_json(&first, &lint::lint(&first));
        let b = output::plan_json(&second, &lint::lint(&second));
        prop_assert!(a == b, "two plans of the same answers differ");
        prop_assert!(a.contains("\"resources\""));

        // Written as an answers file and read back, they still plan the same.
        let reread = Answers::from_toml(&case.answers.to_toml())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", case.answers.to_toml())))?;
        prop_assert_eq!(&reread, &case.answers);
        let third = planned(&reread)?;
        prop_assert!(a == output::plan_json(&third, &lint::lint(&third)));
    }
}

// ---------------------------------------------------------------------------
// 3. One bad field is reported as exactly that field.

#[derive(Debug, Clone)]
enum Breakage {
    Bucket(Index, String),
    Region(String),
    Path(String),
    PrefixChar(Index, char),
    Scheduler(String),
}

fn bad_bucket() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "ab",
            "My-Bucket",
            "my_bucket",
            "-lead",
            "trail-",
            "a..b",
            "192.168.1.1",
            "a b c",
        ])
        .prop_map(str::to_owned),
        "[a-z]{64,80}",
        "[a-z]{0,2}",
        (bucket(), "[A-Z_!/ ]").prop_map(|(b, c)| format!("{}{c}{}", &b[..1], &b[1..])),
        (bucket(), prop::sample::select(BUCKET_PREFIXES.to_vec()))
            .prop_map(|(b, p)| format!("{p}{}", &b[..b.len().min(40)]))
            .prop_filter("still long enough", |b| b.len() >= 3),
        (bucket(), prop::sample::select(BUCKET_SUFFIXES.to_vec()))
            .prop_map(|(b, s)| format!("{}{s}", &b[..b.len().min(40)])),
    ]
}

fn breakage() -> impl Strategy<Value = Breakage> {
    prop_oneof![
        (any::<Index>(), bad_bucket()).prop_map(|(i, b)| Breakage::Bucket(i, b)),
        prop::sample::select(vec![
            "US-EAST-1",
            "useast1",
            "us-east",
            "",
            "us-east-one",
            "eu_west_1",
            "us-east-1 ",
            "u-east-1",
            "us-east-123",
        ])
        .prop_map(|r| Breakage::Region(r.to_owned())),
        prop_oneof![
            prop::sample::select(vec!["", "x", "/x", "x/", "/a b/", "/é/"]).prop_map(str::to_owned),
            "/[a-z]{511,520}/",
        ]
        .prop_map(Breakage::Path),
        (
            any::<Index>(),
            prop::sample::select(vec![' ', '/', '*', ':', '#', '<', 'é', '\t'])
        )
            .prop_map(|(i, c)| Breakage::PrefixChar(i, c)),
        prop::sample::select(vec!["pbs", "lsf", "Slurm", "SGE", "slurm ", ""])
            .prop_map(|s| Breakage::Scheduler(s.to_owned())),
    ]
}

/// Breaks one field; returns the field the error must name.
fn apply(answers: &mut Answers, breakage: &Breakage) -> String {
    match breakage {
        Breakage::Bucket(i, bad) => {
            let g = answers.genomics.as_mut().unwrap();
            let i = i.index(g.buckets.len());
            g.buckets[i] = bad.clone();
            format!("genomics.buckets[{i}]")
        }
        Breakage::Region(bad) => {
            answers.region = Some(bad.clone());
            "region".into()
        }
        Breakage::Path(bad) => {
            answers.path = bad.clone();
            "path".into()
        }
        Breakage::PrefixChar(i, c) => {
            let at = i.index(answers.name_prefix.len() + 1);
            answers.name_prefix.insert(at, *c);
            "name_prefix".into()
        }
        Breakage::Scheduler(bad) => {
            let pc = answers
                .parallelcluster
                .get_or_insert_with(ParallelCluster::default);
            pc.enabled = true;
            pc.scheduler = bad.clone();
            "parallelcluster.scheduler".into()
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn one_bad_field_is_reported_as_that_field(
        case in valid_case().prop_filter("genomics is wanted", |c| {
            c.answers.genomics.as_ref().is_some_and(|g| g.enabled)
        }),
        breakage in breakage(),
    ) {
        // The control: the answers are valid before the one change.
        planned(&case.answers)?;
        let mut answers = case.answers.clone();
        let field = apply(&mut answers, &breakage);
        match answers.validate(&no_env()) {
            Ok(_) => prop_assert!(false, "{:?} was accepted", breakage),
            Err(errors) => {
                prop_assert_eq!(errors.fields(), vec![field.as_str()], "{}", errors);
                prop_assert!(!errors.0[0].message.trim().is_empty());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 4. No input makes validation, planning or lint panic.

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        "[a-z0-9.<>{}/:@_-]{0,70}",
        "[a-z]{2,4}-[a-z]{1,10}-[0-9]{1,2}",
        "arn:[a-z-]{0,12}:iam::(aws|[0-9]{12}):policy/[A-Za-z/{}<>]{0,20}",
    ]
}

fn sometimes() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(0.2, any_text())
}

/// Arbitrary text for some fields of otherwise valid answers.
#[derive(Debug, Clone)]
struct Arbitrary {
    region: Option<String>,
    account_id: Option<String>,
    name_prefix: Option<String>,
    path: Option<String>,
    permissions_boundary: Option<String>,
    bucket: Option<String>,
    job_role_policy_arn: Option<String>,
    tag: Option<(String, String)>,
    name: Option<(Index, String)>,
    scheduler: Option<String>,
    awsbatch_field: Option<(Index, String)>,
    with_parallelcluster: bool,
}

fn arbitrary() -> impl Strategy<Value = Arbitrary> {
    (
        (
            sometimes(),
            sometimes(),
            sometimes(),
            sometimes(),
            sometimes(),
        ),
        (sometimes(), sometimes()),
        prop::option::weighted(0.2, (any_text(), any_text())),
        prop::option::weighted(0.3, (any::<Index>(), any_text())),
        sometimes(),
        prop::option::weighted(0.2, (any::<Index>(), any_text())),
        any::<bool>(),
    )
        .prop_map(
            |(
                (region, account_id, name_prefix, path, permissions_boundary),
                (bucket, job_role_policy_arn),
                tag,
                name,
                scheduler,
                awsbatch_field,
                with_parallelcluster,
            )| Arbitrary {
                region,
                account_id,
                name_prefix,
                path,
                permissions_boundary,
                bucket,
                job_role_policy_arn,
                tag,
                name,
                scheduler,
                awsbatch_field,
                with_parallelcluster,
            },
        )
}

fn set_name(names: &mut NameOverrides, i: Index, text: String) {
    let slot = match i.index(9) {
        0 => &mut names.bucket_access_policy,
        1 => &mut names.ebs_autoscale_policy,
        2 => &mut names.batch_service_role,
        3 => &mut names.instance_role,
        4 => &mut names.spot_fleet_role,
        5 => &mut names.job_role,
        6 => &mut names.parallelcluster_instance_policy,
        7 => &mut names.parallelcluster_user_policy,
        _ => &mut names.parallelcluster_role,
    };
    *slot = Some(text);
}

fn with_arbitrary_text(a: Arbitrary) -> Answers {
    let mut answers = Answers {
        region: Some(a.region.unwrap_or_else(|| "us-east-1".into())),
        account_id: Some(a.account_id.unwrap_or_else(|| "123456789012".into())),
        name_prefix: a.name_prefix.unwrap_or_default(),
        path: a.path.unwrap_or_else(|| "/".into()),
        permissions_boundary: a.permissions_boundary.unwrap_or_default(),
        ..Answers::default()
    };
    let g = answers.genomics.get_or_insert_with(Genomics::default);
    g.buckets = vec!["my-gwf-data".into()];
    g.buckets.extend(a.bucket);
    g.job_role_policy_arns.extend(a.job_role_policy_arn);
    if let Some((k, v)) = a.tag {
        answers.tags.insert(k, v);
    }
    if let Some((i, text)) = a.name {
        set_name(&mut answers.names, i, text);
    }
    if a.with_parallelcluster || a.scheduler.is_some() || a.awsbatch_field.is_some() {
        let mut pc = ParallelCluster {
            scheduler: "awsbatch".into(),
            resources_bucket: Some("my-pcluster-resources".into()),
            stack_name: Some("parallelcluster-c".into()),
            job_definition_serial_name: Some("job".into()),
            job_definition_mnp_name: Some("mnp".into()),
            job_queue_name: Some("queue".into()),
            job_role: Some("job-role".into()),
            ecs_compute_environment: Some("ce".into()),
            ..ParallelCluster::default()
        };
        if let Some(s) = a.scheduler {
            pc.scheduler = s;
        }
        if let Some((i, text)) = a.awsbatch_field {
            let field = match i.index(7) {
                0 => &mut pc.resources_bucket,
                1 => &mut pc.stack_name,
                2 => &mut pc.job_definition_serial_name,
                3 => &mut pc.job_definition_mnp_name,
                4 => &mut pc.job_queue_name,
                5 => &mut pc.job_role,
                _ => &mut pc.ecs_compute_environment,
            };
            *field = Some(text);
        }
        answers.parallelcluster = Some(pc);
    }
    answers
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_text_never_panics(a in arbitrary()) {
        let answers = with_arbitrary_text(a);
        match answers.validate(&no_env()) {
            Ok(valid) => {
                let plan = plan(&valid)
                    .map_err(|e| TestCaseError::fail(format!("valid answers did not plan: {e}")))?;
                let findings = lint::lint(&plan);
                prop_assert!(!output::plan_json(&plan, &findings).is_empty());
                prop_assert!(!output::plan_text(&plan, &findings).is_empty());
            }
            Err(errors) => {
                prop_assert!(!errors.0.is_empty(), "an error without a problem");
                for e in &errors.0 {
                    prop_assert!(!e.field.is_empty() && !e.message.trim().is_empty(), "{:?}", e);
                }
            }
        }
    }
}

/// The strategies above make what they promise (else the properties would
/// hold vacuously): big plans that split the bucket policy, every partition,
/// and arbitrary inputs that sometimes pass validation.
#[test]
fn the_generators_reach_the_interesting_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let strategy = valid_case();
    let mut split = 0;
    let mut partitions = BTreeSet::new();
    let mut over_attached = 0;
    for _ in 0..200 {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        partitions.insert(case.partition);
        let plan = planned(&case.answers).unwrap();
        let policies = plan
            .resources
            .iter()
            .filter(|r| r.name.contains("s3bucket-access-"))
            .count();
        if policies > 1 {
            split += 1;
        }
        if plan.resources.iter().any(
            |r| matches!(&r.spec, Spec::Role(RoleSpec { managed_policy_arns, .. }) if managed_policy_arns.len() > limits::ATTACHED_POLICIES_PER_ROLE),
        ) {
            over_attached += 1;
        }
    }
    eprintln!("split {split}, over-attached {over_attached}, partitions {partitions:?}");
    assert!(split > 10, "bucket policy split in {split} of 200");
    assert!(over_attached > 0, "no role over the attachment limit");
    assert_eq!(partitions.len(), 6, "{partitions:?}");

    let strategy = arbitrary();
    let mut ok = 0;
    for _ in 0..300 {
        let answers = with_arbitrary_text(strategy.new_tree(&mut runner).unwrap().current());
        if answers.validate(&no_env()).is_ok() {
            ok += 1;
        }
    }
    assert!(ok > 20, "only {ok} of 300 arbitrary answers were valid");
}

// ---------------------------------------------------------------------------
// Paths: IAM allows any printable ASCII between the slashes, and the
// ParallelCluster policies name the role by its ARN, path included.

proptest! {
    #![proptest_config(config(256))]

    #[test]
    /// IAM allows any printable ASCII in a path; onramp rejects `{ } < >` (they
    /// read as unfilled placeholders in the policies that name the path) and
    /// must plan every other path without errors.
    fn any_path_iam_allows_plans_without_errors(
        middle in "[!-~]{1,30}",
        scheduler in prop::sample::select(vec!["slurm", "awsbatch"]),
    ) {
        let path = format!("/{middle}/");
        let mut text = format!(
            "region = \"us-east-1\"\naccount_id = \"123456789012\"\npath = \"{}\"\n[parallelcluster]\nscheduler = \"{scheduler}\"\n",
            path.replace('\\', "\\\\").replace('"', "\\\"")
        );
        if scheduler == "awsbatch" {
            text.push_str("resources_bucket = \"my-pcluster-resources\"\nstack_name = \"parallelcluster-c\"\njob_definition_serial_name = \"job\"\njob_definition_mnp_name = \"mnp\"\njob_queue_name = \"queue\"\njob_role = \"job-role\"\necs_compute_environment = \"ce\"\n");
        }
        let answers = Answers::from_toml(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&answers.path, &path);
        if path.contains(['{', '}', '<', '>']) {
            let errors = answers
                .validate(&Environment::default())
                .expect_err("a path with placeholder characters is rejected");
            prop_assert_eq!(errors.fields(), ["path"]);
            return Ok(());
        }
        let plan = planned(&answers)?;
        let errors: Vec<String> = lint::lint(&plan)
            .iter()
            .filter(|f| f.level == Level::Error)
            .map(ToString::to_string)
            .collect();
        prop_assert!(errors.is_empty(), "path {:?}: {:#?}", path, errors);
    }
}

// ---------------------------------------------------------------------------
// The policy editor's check (`tui::screens::editor::check`, run on every key
// typed in the editor): whatever the text, it never panics, and its verdict
// is consistent: a document is kept only when serde_json reads the text, it
// can be saved only then and only without errors, never over its size limit
// or with a placeholder left in, and a refusal always has a reason to show.

/// Every document of the demo plan, in two partitions, pretty-printed as
/// the editor opens them, with the partition.
fn editor_documents() -> &'static [(DocRef, String, &'static str)] {
    static DOCS: std::sync::OnceLock<Vec<(DocRef, String, &'static str)>> =
        std::sync::OnceLock::new();
    DOCS.get_or_init(|| {
        let mut out = Vec::new();
        for (region, partition) in [("us-east-1", "aws"), ("cn-north-1", "aws-cn")] {
            let mut answers = Answers::demo();
            answers.region = Some(region.into());
            for r in &planned(&answers).unwrap().resources {
                for (label, doc) in r.documents() {
                    let text = serde_json::to_string_pretty(doc).unwrap();
                    out.push((DocRef { id: r.id(), label }, text, partition));
                }
            }
        }
        // An inline policy too, which has a limit of its own.
        let inline = out[0].1.clone();
        out.push((
            DocRef {
                id: ResourceId {
                    kind: onramp::iam::names::EntityKind::Role,
                    name: "BatchJobRole".into(),
                },
                label: "inline_policies.extra".into(),
            },
            inline,
            "aws",
        ));
        out
    })
}

/// The size limit the editor must enforce for a document.
fn editor_limit(doc: &DocRef) -> usize {
    match doc.label.as_str() {
        "document" => limits::MANAGED_POLICY_SIZE,
        "trust_policy" => limits::TRUST_POLICY_SIZE,
        _ => limits::INLINE_POLICIES_PER_ROLE_SIZE,
    }
}

/// Every string value of a JSON tree (keys excluded, as IAM reads them).
fn string_values(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| string_values(v, out)),
        Value::Object(map) => map.values().for_each(|v| string_values(v, out)),
        _ => {}
    }
}

/// Checks `text` as the editor does and holds the verdict to its promises.
fn editor_verdict_is_consistent(
    text: &str,
    doc: &DocRef,
    partition: &str,
) -> Result<editor::Check, TestCaseError> {
    let check = editor::check(text, doc, partition);
    let parsed = serde_json::from_str::<Value>(text);
    prop_assert_eq!(
        check.document.is_some(),
        parsed.is_ok(),
        "a document is kept exactly when serde_json reads the text"
    );
    if !check.can_save() {
        prop_assert_eq!(
            check.problems.first().map(|p| p.0),
            Some(Level::Error),
            "a refusal shows an error first: {:?}",
            check.problems
        );
        prop_assert!(!check.problems[0].1.trim().is_empty());
    }
    match parsed {
        Err(_) => {
            prop_assert!(!check.can_save());
            prop_assert_eq!(check.problems.len(), 1);
            prop_assert!(
                check.problems[0].1.starts_with("not JSON: "),
                "{:?}",
                check.problems
            );
            prop_assert_eq!(
                check.size,
                text.chars().filter(|c| !c.is_whitespace()).count()
            );
        }
        Ok(value) => {
            prop_assert_eq!(check.document.as_ref(), Some(&value));
            prop_assert_eq!(check.size, limits::policy_size(&value));
            let over = check.size > editor_limit(doc);
            let size_problem = check
                .problems
                .iter()
                .any(|(l, m)| *l == Level::Error && m.starts_with("[policy-size]"));
            prop_assert_eq!(over, size_problem, "{:?}", check.problems);
            let mut strings = Vec::new();
            string_values(&value, &mut strings);
            if let Some(p) = strings.iter().find_map(|s| placeholder_in(s)) {
                prop_assert!(!check.can_save(), "saved with {}", p);
            }
            // Named, when the text is a document at all (an object).
            if let Some(p) = strings.iter().find_map(|s| placeholder_in(s))
                && value.is_object()
            {
                let named = check
                    .problems
                    .iter()
                    .any(|(_, m)| m.starts_with("[placeholder]") && m.contains(&p));
                prop_assert!(named, "{} not named: {:?}", p, check.problems);
            }
            if check.can_save() {
                prop_assert!(!over);
                prop_assert!(value.is_object());
                prop_assert!(check.problems.iter().all(|(l, _)| *l != Level::Error));
            }
        }
    }
    Ok(check)
}

/// A JSON value of any shape, small.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop_oneof![
            any::<String>(),
            "[A-Za-z0-9:*/<>{}_.-]{0,30}",
            Just("2012-10-17".to_owned()),
            Just("Allow".to_owned()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "Version",
                        "Statement",
                        "Effect",
                        "Action",
                        "Resource",
                        "Principal",
                        "Sid",
                        "Condition",
                        "Id",
                        "x",
                    ]),
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// Any text: arbitrary Unicode, JSON-ish characters, and JSON of any shape.
fn any_editor_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\n\t]{0,300}",
        "[{}\\[\\]\":, \n0-9a-z<>]{0,200}",
        any_json().prop_map(|v| v.to_string()),
        any_json().prop_map(|v| serde_json::to_string_pretty(&v).unwrap()),
    ]
}

/// A change to a valid document, as typing or pasting makes them.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    InsertChar(Index, char),
    RemoveChar(Index),
    InsertText(Index, String),
    /// Puts text into one of the document's string values (when it parses).
    IntoString(Index, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<char>()).prop_map(|(i, c)| Mutation::InsertChar(i, c)),
        (
            any::<Index>(),
            prop::sample::select(vec!['"', ',', '{', '}', '[', ']', ':', '\\'])
        )
            .prop_map(|(i, c)| Mutation::InsertChar(i, c)),
        any::<Index>().prop_map(Mutation::RemoveChar),
        (
            any::<Index>(),
            prop_oneof![
                prop::sample::select(vec![
                    "<BUCKET>",
                    "{{bucket}}",
                    "<RESOURCES S3 BUCKET>",
                    "${aws:username}",
                    "\"Sid\": \"x\",",
                    "\n\n  \t",
                    "arn:aws-cn:",
                    "\u{0}",
                    "\u{feff}",
                ])
                .prop_map(str::to_owned),
                "[ -~]{0,20}",
            ]
        )
            .prop_map(|(i, s)| Mutation::InsertText(i, s)),
        (
            any::<Index>(),
            prop::sample::select(vec![
                "<BUCKET>",
                "{{region}}",
                "<ACCOUNT ID>",
                "${aws:username}",
                ""
            ]),
        )
            .prop_map(|(i, s)| Mutation::IntoString(i, s)),
    ]
}

/// The string values of a JSON tree, to change them.
fn string_values_mut<'a>(value: &'a mut Value, out: &mut Vec<&'a mut String>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter_mut().for_each(|v| string_values_mut(v, out)),
        Value::Object(map) => map.values_mut().for_each(|v| string_values_mut(v, out)),
        _ => {}
    }
}

fn mutate(text: &str, m: &Mutation) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    match m {
        Mutation::Truncate(i) => chars.truncate(i.index(chars.len() + 1)),
        Mutation::InsertChar(i, c) => chars.insert(i.index(chars.len() + 1), *c),
        Mutation::RemoveChar(i) => {
            if !chars.is_empty() {
                chars.remove(i.index(chars.len()));
            }
        }
        Mutation::InsertText(i, s) => {
            let at = i.index(chars.len() + 1);
            chars.splice(at..at, s.chars());
        }
        Mutation::IntoString(i, s) => {
            let Ok(mut value) = serde_json::from_str::<Value>(text) else {
                return text.to_owned();
            };
            let mut strings = Vec::new();
            string_values_mut(&mut value, &mut strings);
            if strings.is_empty() {
                return text.to_owned();
            }
            let n = strings.len();
            strings[i.index(n)].push_str(s);
            return serde_json::to_string_pretty(&value).unwrap();
        }
    }
    chars.into_iter().collect()
}

/// The document with its first statement repeated `copies` more times.
fn grown(text: &str, copies: usize) -> String {
    let mut value: Value = serde_json::from_str(text).unwrap();
    if let Some(list) = value.get_mut("Statement").and_then(Value::as_array_mut)
        && let Some(first) = list.first().cloned()
    {
        list.extend(std::iter::repeat_n(first, copies));
    }
    serde_json::to_string_pretty(&value).unwrap()
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn the_editor_check_never_panics_and_is_consistent_on_any_text(
        text in any_editor_text(),
        which in any::<Index>(),
    ) {
        let docs = editor_documents();
        let (doc, _, partition) = &docs[which.index(docs.len())];
        editor_verdict_is_consistent(&text, doc, partition)?;
    }

    #[test]
    fn the_editor_check_is_consistent_on_near_valid_policies(
        which in any::<Index>(),
        copies in prop_oneof![3 => Just(0usize), 1 => 0usize..120],
        mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let docs = editor_documents();
        let (doc, original, partition) = &docs[which.index(docs.len())];
        // The generated document itself can be saved, unless grown past its limit.
        let text = grown(original, copies);
        let check = editor_verdict_is_consistent(&text, doc, partition)?;
        let over = check.size > editor_limit(doc);
        prop_assert_eq!(check.can_save(), !over, "{:?}", check.problems);
        // Whitespace does not count: the compact form gets the same verdict.
        let compact = serde_json::to_string(&serde_json::from_str::<Value>(&text).unwrap()).unwrap();
        let same = editor::check(&compact, doc, partition);
        prop_assert_eq!(same.size, check.size);
        prop_assert_eq!(same.can_save(), check.can_save());
        // Then typing breaks it, or not.
        let mut text = text;
        for m in &mutations {
            text = mutate(&text, m);
            editor_verdict_is_consistent(&text, doc, partition)?;
        }
    }
}

/// The near-valid generator reaches every verdict: saved, not JSON, over the
/// limit, and a placeholder left in.
#[test]
fn the_editor_generators_reach_every_verdict() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let docs = editor_documents();
    assert!(docs.iter().any(|(d, _, _)| d.label == "trust_policy"));
    assert!(docs.iter().any(|(d, _, _)| d.label == "document"));
    let mut runner = TestRunner::deterministic();
    let strategy = (
        any::<Index>(),
        prop_oneof![3 => Just(0usize), 1 => 0usize..120],
        prop::collection::vec(mutation(), 0..4),
    );
    let (mut saved, mut not_json, mut over, mut placeholder) = (0, 0, 0, 0);
    for _ in 0..400 {
        let (which, copies, mutations) = strategy.new_tree(&mut runner).unwrap().current();
        let (doc, original, partition) = &docs[which.index(docs.len())];
        let mut text = grown(original, copies);
        for m in &mutations {
            text = mutate(&text, m);
        }
        let check = editor::check(&text, doc, partition);
        saved += usize::from(check.can_save());
        not_json += usize::from(check.document.is_none());
        over += usize::from(
            check
                .problems
                .iter()
                .any(|(_, m)| m.starts_with("[policy-size]")),
        );
        placeholder += usize::from(
            check
                .problems
                .iter()
                .any(|(_, m)| m.starts_with("[placeholder]")),
        );
    }
    eprintln!(
        "saved {saved}, not JSON {not_json}, over the limit {over}, placeholder {placeholder}"
    );
    assert!(saved > 20 && not_json > 20 && over > 20 && placeholder > 5);
}

// ---------------------------------------------------------------------------
// Answers files as typed by hand: the example files with characters
// inserted, removed or cut off, and arbitrary text, are read or refused
// (with a message), and what is read validates or is refused field by field;
// never a panic.

fn example_answers() -> &'static [String] {
    static FILES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        [
            "everything.toml",
            "genomics.toml",
            "omics.toml",
            "parallelcluster-awsbatch.toml",
            "parallelcluster-slurm.toml",
        ]
        .iter()
        .map(|f| {
            std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("examples")
                    .join(f),
            )
            .unwrap()
        })
        .collect()
    })
}

fn answers_verdict_is_sound(text: &str) -> Result<bool, TestCaseError> {
    let answers = match Answers::from_toml(text) {
        Ok(answers) => answers,
        Err(e) => {
            prop_assert!(!e.to_string().trim().is_empty(), "an empty parse error");
            return Ok(false);
        }
    };
    let env = Environment {
        region_flag: None,
        region_env: Some("us-east-1".into()),
        account_id: Some("123456789012".into()),
    };
    match answers.validate(&env) {
        Ok(valid) => {
            let plan = plan(&valid)
                .map_err(|e| TestCaseError::fail(format!("valid answers did not plan: {e}")))?;
            prop_assert!(!output::plan_json(&plan, &lint::lint(&plan)).is_empty());
            Ok(true)
        }
        Err(errors) => {
            prop_assert!(!errors.0.is_empty());
            for e in &errors.0 {
                prop_assert!(
                    !e.field.is_empty() && !e.message.trim().is_empty(),
                    "{:?}",
                    e
                );
            }
            Ok(false)
        }
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn answers_files_typed_by_hand_never_panic(
        which in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let files = example_answers();
        let mut text = files[which.index(files.len())].clone();
        // The examples themselves are valid (with the account in use).
        prop_assert!(answers_verdict_is_sound(&text)?, "an example is refused");
        for m in &mutations {
            text = mutate(&text, m);
            answers_verdict_is_sound(&text)?;
        }
    }

    #[test]
    fn any_text_as_an_answers_file_never_panics(text in any_editor_text()) {
        answers_verdict_is_sound(&text)?;
    }
}
