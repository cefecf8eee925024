//! `onramp verify` and its intents: every example's roles and policies can
//! do their jobs in every partition; an edit or a hand-made policy version
//! that takes a permission away is caught and named.

use onramp::answers::{Answers, Environment, ValidAnswers};
use onramp::iam::names::EntityKind;
use onramp::plan::{self, Plan, Resource};
use onramp::verify::{self, Check, Outcome, offline};
use onramp_testkit::command;
use onramp_testkit::command::{isolated_onramp as onramp, output_text as text};
use onramp_testkit::files;
use onramp_testkit::journal::observe_and_apply;
use onramp_testkit::moto;
use serde_json::{Value, json};

const EXAMPLES: [&str; 8] = [
    "everything.toml",
    "genomics.toml",
    "omics.toml",
    "genomics-service-linked.toml",
    "parallelcluster-awsbatch.toml",
    "parallelcluster-slurm.toml",
    "parallelcluster3-awsbatch.toml",
    "parallelcluster3-slurm.toml",
];

/// One region of each partition onramp's documents differ in.
const REGIONS: [&str; 3] = ["us-east-1", "cn-north-1", "us-gov-west-1"];

/// The answers of `text` for `region`, their ARNs moved to its partition.
fn valid(text: &str, region: &str) -> ValidAnswers {
    let partition = onramp::iam::partition::Partition::of_region(region);
    let text = text.replace("arn:aws:", &format!("arn:{partition}:"));
    let mut table: toml::Table = toml::from_str(&text).unwrap();
    table.insert("region".into(), toml::Value::String(region.into()));
    let answers = Answers::from_toml(&toml::to_string(&table).unwrap()).unwrap();
    answers
        .validate(&Environment::default())
        .unwrap_or_else(|e| panic!("{region}: {e}"))
}

fn offline_outcomes(valid: &ValidAnswers, plan: &Plan) -> Vec<Outcome> {
    let intents = verify::intents(valid, plan);
    verify::check(&intents, |s| offline::evidence(plan, s))
}

fn failures(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| !o.verdict.holds())
        .map(|o| {
            format!(
                "{}: {} ({:?})",
                o.intent.subject.label(),
                o.intent.check.describe(),
                o.verdict
            )
        })
        .collect()
}

#[test]
fn every_example_holds_its_intents_in_every_partition() {
    for file in EXAMPLES {
        for region in REGIONS {
            let valid = valid(&files::example(file), region);
            let plan = plan::plan(&valid).unwrap();
            let outcomes = offline_outcomes(&valid, &plan);
            assert!(
                outcomes.len() >= 10,
                "{file} ({region}): only {} intents",
                outcomes.len()
            );
            let failed = failures(&outcomes);
            assert!(
                failed.is_empty(),
                "{file} ({region}):\n{}",
                failed.join("\n")
            );
        }
    }
}

fn document_mut<'a>(
    plan: &'a mut Plan,
    kind: EntityKind,
    name: &str,
    label: &str,
) -> &'a mut Value {
    plan.resources
        .iter_mut()
        .find(|r| r.kind() == kind && r.name == name)
        .and_then(|r| r.document_mut(label))
        .unwrap_or_else(|| panic!("{name} has no {label}"))
}

#[test]
fn an_edit_that_drops_put_object_fails_naming_action_resource_and_policy() {
    let valid = valid(&files::example("genomics.toml"), "us-east-1");
    let mut plan = plan::plan(&valid).unwrap();
    let policy = "s3bucket-access-us-east-1";
    let doc = document_mut(&mut plan, EntityKind::ManagedPolicy, policy, "document");
    doc["Statement"][0]["Action"] = json!(["s3:GetObject", "s3:ListBucket"]);
    let outcomes = offline_outcomes(&valid, &plan);
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.verdict.holds()).collect();
    assert!(!failed.is_empty());
    for o in &failed {
        let Check::Allows {
            action, resource, ..
        } = &o.intent.check
        else {
            panic!("only PutObject may fail: {o:?}")
        };
        assert_eq!(action, "s3:PutObject");
        assert!(resource.starts_with("arn:aws:s3:::"), "{resource}");
    }
    // Both roles the policy is attached to lose it, for every bucket.
    let buckets = valid.genomics().unwrap().buckets.len();
    assert_eq!(failed.len(), 2 * buckets, "{failed:#?}");
    let text = verify::report_text(verify::Source::Plan, &outcomes);
    assert!(text.contains("✗ s3:PutObject on arn:aws:s3:::"), "{text}");
    assert!(text.contains("no policy allows it"), "{text}");
    assert!(text.contains("needed because"), "{text}");
}

#[test]
fn an_allow_that_overrides_the_bucket_guard_is_caught() {
    let valid = valid(&files::example("genomics.toml"), "us-east-1");
    let mut plan = plan::plan(&valid).unwrap();
    let doc = document_mut(
        &mut plan,
        EntityKind::ManagedPolicy,
        "s3bucket-access-us-east-1",
        "document",
    );
    let statements = doc["Statement"].as_array_mut().unwrap();
    statements.retain(|s| s.get("Sid") != Some(&json!("KeepTheBuckets")));
    let failed = failures(&offline_outcomes(&valid, &plan));
    assert!(
        !failed.is_empty() && failed.iter().all(|f| f.contains("denies s3:")),
        "{failed:#?}"
    );
}

#[test]
fn in_china_an_ec2_role_must_trust_both_names_of_ec2() {
    let valid = valid(&files::example("genomics.toml"), "cn-north-1");
    let mut plan = plan::plan(&valid).unwrap();
    let trust = document_mut(
        &mut plan,
        EntityKind::Role,
        "ecsInstanceRole",
        "trust_policy",
    );
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        json!(["ec2.amazonaws.com", "ec2.amazonaws.com.cn"])
    );
    trust["Statement"][0]["Principal"]["Service"] = json!("ec2.amazonaws.com");
    let failed = failures(&offline_outcomes(&valid, &plan));
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].contains("trusted by ec2.amazonaws.com.cn"),
        "{failed:#?}"
    );
}

#[test]
fn passing_a_role_to_ec2_is_allowed_under_the_china_name_too() {
    for file in [
        "parallelcluster3-slurm.toml",
        "parallelcluster-awsbatch.toml",
    ] {
        let valid = valid(&files::example(file), "cn-northwest-1");
        let plan = plan::plan(&valid).unwrap();
        let outcomes = offline_outcomes(&valid, &plan);
        let china: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| {
                matches!(&o.intent.check, Check::Allows { action, context, .. }
                    if action == "iam:PassRole"
                        && context.values().flatten().any(|v| v == "ec2.amazonaws.com.cn"))
            })
            .collect();
        assert!(
            !china.is_empty(),
            "{file}: no PassRole intent for ec2.amazonaws.com.cn"
        );
        assert!(
            china.iter().all(|o| o.verdict.holds()),
            "{file}: {china:#?}"
        );
    }
}

#[test]
fn offline_verify_prints_a_table_and_exits_0_or_1() {
    let home = tempfile::tempdir().unwrap();
    let answers = home.path().join("answers.toml");
    std::fs::write(&answers, files::example("genomics.toml")).unwrap();
    let o = onramp(home.path())
        .args(["verify", "--offline", "--answers"])
        .arg(&answers)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("role ecsInstanceRole"), "{out}");
    assert!(out.contains("✓ trusted by ec2.amazonaws.com"), "{out}");
    assert!(out.contains("intents hold."), "{out}");

    let o = onramp(home.path())
        .args(["verify", "--offline", "--format", "json", "--answers"])
        .arg(&answers)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let value: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["source"], "plan");
    assert_eq!(value["holds"], value["total"]);
    assert!(value["outcomes"][0]["reason"].is_string(), "{value}");
}

/// On moto: after `apply`, the account's documents pass; a policy version
/// made by hand (as a colleague with boto3 or the console would) that drops
/// `s3:PutObject` makes `verify` exit 1 naming it and the policy.
#[test]
fn verify_on_moto_passes_after_apply_and_catches_a_hand_made_version() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    let home = tempfile::tempdir().unwrap();
    let answers = files::answers_for(home.path(), "genomics.toml", &account.account_id);
    let journal = home.path().join("run.jsonl");
    let run = |args: &[&str]| {
        let o = command::with_credentials(&mut onramp(home.path()), &account.credentials)
            .args(args)
            .args(["--endpoint-url", &account.endpoint])
            .output()
            .unwrap();
        let (out, err) = text(&o);
        (o.status.code(), out, err)
    };
    let a = answers.to_str().unwrap();

    let (code, out, err) = run(&["verify", "--answers", a]);
    assert_eq!(code, Some(1), "nothing exists yet: {out}{err}");
    assert!(out.contains("does not exist in the account"), "{out}");

    let (code, out, err) = run(&[
        "apply",
        "--answers",
        a,
        "--yes",
        "--journal",
        journal.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = run(&["verify", "--answers", a]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("(account)"), "read from the account: {out}");
    assert!(
        err.contains("policy simulator could not be asked"),
        "moto has no simulator, and verify says so: {err}"
    );

    // The hand-made version, through the SDK as any other tool would.
    let iam = moto::iam_client(&account);
    let arn = format!(
        "arn:aws:iam::{}:policy/s3bucket-access-us-east-1",
        account.account_id
    );
    let valid = valid(
        &files::example("genomics.toml").replace("123456789012", &account.account_id),
        "us-east-1",
    );
    let plan = plan::plan(&valid).unwrap();
    let document = plan
        .get(EntityKind::ManagedPolicy, "s3bucket-access-us-east-1")
        .and_then(Resource::policy)
        .map(|p| p.document.clone())
        .expect("the plan has the bucket policy");
    let mut narrowed = document.clone();
    narrowed["Statement"][0]["Action"] = json!(["s3:GetObject", "s3:ListBucket"]);
    runtime
        .block_on(
            iam.create_policy_version()
                .policy_arn(&arn)
                .policy_document(narrowed.to_string())
                .set_as_default(true)
                .send(),
        )
        .unwrap();

    let (code, out, err) = run(&["verify", "--answers", a]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("✗ s3:PutObject on arn:aws:s3:::"), "{out}");
    assert!(
        out.contains("no policy allows it (checked: ")
            && out.contains("policy s3bucket-access-us-east-1 v2 (account)"),
        "the failure names the hand-made version it read: {out}"
    );
    assert!(
        !out.contains("✗ s3:GetObject"),
        "GetObject is still allowed: {out}"
    );
}

/// IAM's policy simulator, where the account has one, sees what a role's
/// own documents do not (here the demo account's stand-in for an SCP): an
/// intent the documents allow but the simulator refuses fails, saying so.
#[test]
fn the_policy_simulator_overrules_the_documents_where_it_refuses() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let cloud = onramp::cloud::memory::MemoryCloud::demo();
        let valid = valid(&files::example("genomics.toml"), "us-east-1");
        let plan = plan::plan(&valid).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (_, applied) = observe_and_apply(&cloud, &plan, &dir.path().join("j.jsonl")).await;
        applied.unwrap();
        let intents = verify::intents(&valid, &plan);
        let mut outcomes = verify::online::check(&cloud, &plan, &intents).await;
        assert!(failures(&outcomes).is_empty(), "{:#?}", failures(&outcomes));
        let decisions = verify::online::simulate(&cloud, &plan, &intents)
            .await
            .unwrap();
        let asked = decisions.iter().filter(|d| d.is_some()).count();
        assert!(
            asked > 20,
            "every role permission intent is simulated: {asked}"
        );
        verify::with_simulation(&mut outcomes, &decisions);
        assert!(failures(&outcomes).is_empty(), "{:#?}", failures(&outcomes));

        cloud.deny("s3:PutObject");
        let decisions = verify::online::simulate(&cloud, &plan, &intents)
            .await
            .unwrap();
        verify::with_simulation(&mut outcomes, &decisions);
        let failed = failures(&outcomes);
        assert!(!failed.is_empty());
        for f in &failed {
            assert!(
                f.contains("s3:PutObject") && f.contains("policy simulator refuses"),
                "{f}"
            );
        }
    });
}

#[test]
fn omics_intents_cover_the_role_and_the_user_policy() {
    let valid = valid(&files::example("omics.toml"), "us-east-1");
    let plan = plan::plan(&valid).unwrap();
    let outcomes = offline_outcomes(&valid, &plan);
    assert!(failures(&outcomes).is_empty(), "{:#?}", failures(&outcomes));
    let described: Vec<String> = outcomes
        .iter()
        .map(|o| {
            format!(
                "{}: {}",
                o.intent.subject.label(),
                o.intent.check.describe()
            )
        })
        .collect();
    for expected in [
        "role OmicsWorkflowServiceRole: trusted by omics.amazonaws.com with aws:SourceAccount=123456789012 with aws:SourceArn=arn:aws:omics:us-east-1:123456789012:run/1234567",
        "role OmicsWorkflowServiceRole: s3:PutObject on arn:aws:s3:::my-omics-runs/onramp-verify/run/out.bam",
        "role OmicsWorkflowServiceRole: denies s3:PutObject on arn:aws:s3:::my-omics-reference/onramp-verify/reference.fasta",
        "role OmicsWorkflowServiceRole: logs:PutLogEvents on arn:aws:logs:us-east-1:123456789012:log-group:/aws/omics/WorkflowLog:log-stream:run/1234567/engine",
        "role OmicsWorkflowServiceRole: ecr:BatchGetImage on arn:aws:ecr:us-east-1:123456789012:repository/tools/bwa",
        "role OmicsWorkflowServiceRole: kms:Decrypt on arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "HealthOmics user: omics:StartRun on arn:aws:omics:us-east-1:123456789012:run/1234567",
        "HealthOmics user: iam:PassRole on arn:aws:iam::123456789012:role/OmicsWorkflowServiceRole with iam:PassedToService=omics.amazonaws.com",
        "HealthOmics user: denies iam:PassRole on arn:aws:iam::123456789012:role/OmicsWorkflowServiceRole",
        "HealthOmics user: denies iam:PassRole on arn:aws:iam::123456789012:role/SomeOtherRole",
    ] {
        assert!(
            described.iter().any(|d| d == expected),
            "{expected} not among:\n{}",
            described.join("\n")
        );
    }
}

#[test]
fn an_omics_edit_writing_the_reference_or_passing_any_role_is_caught() {
    let valid = valid(&files::example("omics.toml"), "us-east-1");
    let mut plan = plan::plan(&valid).unwrap();
    let doc = document_mut(
        &mut plan,
        EntityKind::Role,
        "OmicsWorkflowServiceRole",
        "inline_policies.OmicsWorkflowRunPolicy",
    );
    doc["Statement"][2]["Resource"] = json!("arn:aws:s3:::*/*");
    let failed = failures(&offline_outcomes(&valid, &plan));
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].contains("denies s3:PutObject on arn:aws:s3:::my-omics-reference/"),
        "{failed:#?}"
    );

    // A trust policy for another account's runs lets none of ours use it.
    let mut plan = plan::plan(&valid).unwrap();
    let trust = document_mut(
        &mut plan,
        EntityKind::Role,
        "OmicsWorkflowServiceRole",
        "trust_policy",
    );
    trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"] = json!("210987654321");
    let failed = failures(&offline_outcomes(&valid, &plan));
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].contains("trusted by omics.amazonaws.com"),
        "{failed:#?}"
    );

    let mut plan = plan::plan(&valid).unwrap();
    let doc = document_mut(
        &mut plan,
        EntityKind::ManagedPolicy,
        "OmicsWorkflowUserPolicy",
        "document",
    );
    let pass = doc["Statement"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["Sid"] == "PassTheServiceRole")
        .unwrap();
    pass["Resource"] = json!("*");
    pass.as_object_mut().unwrap().remove("Condition");
    let failed = failures(&offline_outcomes(&valid, &plan));
    assert_eq!(failed.len(), 2, "{failed:#?}");
    assert!(
        failed.iter().all(|f| f.contains("denies iam:PassRole")),
        "{failed:#?}"
    );
}
