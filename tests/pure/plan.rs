//! Plan-level behaviour: order and dependencies, splitting the bucket policy,
//! the attachment limit, partitions and paths.

use onramp::answers::{Answers, Environment, ValidAnswers};
use onramp::iam::limits;
use onramp::iam::names::EntityKind;
use onramp::plan::lint::{Level, lint};
use onramp::plan::{Plan, RoleSpec, Spec, plan};

fn valid(toml: &str) -> ValidAnswers {
    Answers::from_toml(toml)
        .unwrap()
        .validate(&Environment::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn planned(toml: &str) -> Plan {
    plan(&valid(toml)).unwrap()
}

fn example(file: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(file);
    std::fs::read_to_string(path).unwrap()
}

fn genomics(region: &str, buckets: &[String], extra: &str) -> String {
    let list: Vec<String> = buckets.iter().map(|b| format!("\"{b}\"")).collect();
    format!(
        "region = \"{region}\"\naccount_id = \"123456789012\"\n[genomics]\nbuckets = [{}]\n{extra}",
        list.join(", ")
    )
}

/// 63-character bucket names, the longest S3 allows.
fn long_buckets(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{i:03}-{}", "b".repeat(59)))
        .collect()
}

fn attached(plan: &Plan, role: &str) -> Vec<String> {
    match &plan.get(EntityKind::Role, role).unwrap().spec {
        Spec::Role(RoleSpec {
            managed_policy_arns,
            ..
        }) => managed_policy_arns.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn dependencies_come_before_dependents() {
    let p = planned(&example("everything.toml"));
    for (i, r) in p.resources.iter().enumerate() {
        for dep in &r.depends_on {
            let at = p
                .resources
                .iter()
                .position(|x| x.id() == *dep)
                .unwrap_or_else(|| panic!("{} depends on missing {dep:?}", r.name));
            assert!(
                at < i,
                "{} is planned before its dependency {}",
                r.name,
                dep.name
            );
        }
    }
    let profile = p
        .get(EntityKind::InstanceProfile, "lab-ecsInstanceRole")
        .unwrap();
    assert_eq!(profile.depends_on.len(), 1);
    assert_eq!(profile.depends_on[0].kind, EntityKind::Role);
}

#[test]
fn many_buckets_split_the_policy_and_attach_every_part() {
    let buckets = long_buckets(100);
    let p = planned(&genomics("us-east-1", &buckets, "job_role = false"));
    let parts: Vec<_> = p
        .resources
        .iter()
        .filter(|r| r.name.starts_with("s3bucket-access-us-east-1"))
        .collect();
    assert!(
        parts.len() >= 3,
        "100 long buckets need several policies, got {}",
        parts.len()
    );
    assert_eq!(parts[0].name, "s3bucket-access-us-east-1");
    assert_eq!(parts[1].name, "s3bucket-access-us-east-1-2");
    let mut covered = Vec::new();
    for part in &parts {
        let document = &part.policy().unwrap().document;
        let size = limits::policy_size(document);
        assert!(
            size <= limits::MANAGED_POLICY_SIZE,
            "{} is {size}",
            part.name
        );
        for r in document["Statement"][0]["Resource"].as_array().unwrap() {
            covered.push(r.as_str().unwrap().to_owned());
        }
        assert!(
            part.notes.iter().any(|n| n.contains("Part ")),
            "split is explained"
        );
    }
    let expected: Vec<String> = buckets
        .iter()
        .flat_map(|b| [format!("arn:aws:s3:::{b}"), format!("arn:aws:s3:::{b}/*")])
        .collect();
    assert_eq!(covered, expected, "every bucket, in order, exactly once");
    let arns = attached(&p, "ecsInstanceRole");
    for part in &parts {
        assert!(arns.contains(&part.arn), "{} not attached", part.name);
    }
    assert!(!lint(&p).iter().any(|f| f.level == Level::Error));
}

#[test]
fn a_full_policy_is_packed_tightly() {
    // The greedy packing must not split earlier than it has to: adding the first
    // bucket of the next part to a part would exceed the limit.
    let buckets = long_buckets(60);
    let p = planned(&genomics("eu-west-1", &buckets, ""));
    let document = &p.resources[0].policy().unwrap().document;
    let first_len = document["Statement"][0]["Resource"]
        .as_array()
        .unwrap()
        .len()
        / 2;
    let mut grown = document.clone();
    let next = &buckets[first_len];
    let list = grown["Statement"][0]["Resource"].as_array_mut().unwrap();
    list.push(format!("arn:aws:s3:::{next}").into());
    list.push(format!("arn:aws:s3:::{next}/*").into());
    // The KeepTheBuckets guard names every bucket of its part too.
    let guarded = grown["Statement"][1]["Resource"].as_array_mut().unwrap();
    assert_eq!(
        guarded.len(),
        first_len,
        "the guard covers the part's buckets"
    );
    guarded.push(format!("arn:aws:s3:::{next}").into());
    assert!(limits::policy_size(&grown) > limits::MANAGED_POLICY_SIZE);
    assert!(limits::policy_size(document) <= limits::MANAGED_POLICY_SIZE);
}

#[test]
fn too_many_attachments_is_an_error_naming_the_limit() {
    let extra: Vec<String> = (0..9)
        .map(|i| format!("\"arn:aws:iam::aws:policy/Extra{i}\""))
        .collect();
    let p = planned(&genomics(
        "us-east-1",
        &["data-bucket".to_owned()],
        &format!("job_role_policy_arns = [{}]", extra.join(", ")),
    ));
    assert_eq!(
        attached(&p, "BatchJobRole").len(),
        10,
        "bucket policy + 9 extra: at the limit"
    );
    assert!(!lint(&p).iter().any(|f| f.code == "attached-policies"));

    let extra: Vec<String> = (0..10)
        .map(|i| format!("\"arn:aws:iam::aws:policy/Extra{i}\""))
        .collect();
    let p = planned(&genomics(
        "us-east-1",
        &["data-bucket".to_owned()],
        &format!("job_role_policy_arns = [{}]", extra.join(", ")),
    ));
    let findings = lint(&p);
    let f = findings
        .iter()
        .find(|f| f.code == "attached-policies")
        .expect("11 attachments must be reported");
    assert_eq!(f.level, Level::Error);
    assert_eq!(f.resource, "BatchJobRole");
    assert!(
        f.message.contains("11") && f.message.contains("10"),
        "{}",
        f.message
    );
}

#[test]
fn partition_follows_the_region() {
    let p = planned(&genomics("cn-north-1", &["data-bucket".to_owned()], ""));
    let json = serde_json::to_string(&p.to_json()).unwrap();
    assert!(
        !json.contains("arn:aws:"),
        "no ARN may use the aws partition in China"
    );
    assert!(json.contains("arn:aws-cn:iam::aws:policy/service-role/AWSBatchServiceRole"));
    assert!(json.contains("arn:aws-cn:s3:::data-bucket/*"));
    assert!(lint(&p).iter().all(|f| f.code != "partition"));
}

#[test]
fn path_prefix_and_boundary_apply_to_every_resource() {
    let p = planned(&example("everything.toml"));
    for r in &p.resources {
        assert_eq!(r.path, "/onramp/");
        assert!(r.name.starts_with("lab-"), "{}", r.name);
        let segment = r.kind().arn_segment();
        assert_eq!(
            r.arn,
            format!("arn:aws:iam::123456789012:{segment}/onramp/{}", r.name)
        );
        assert_eq!(
            r.tags.get("onramp:managed-by").map(String::as_str),
            Some("onramp")
        );
        assert_eq!(
            r.tags.get("CostCenter").map(String::as_str),
            Some("research-42")
        );
        if let Some(role) = r.role() {
            assert_eq!(
                role.boundary(),
                Some("arn:aws:iam::123456789012:policy/lab-boundary")
            );
        }
    }
    // The ParallelCluster user policy names the role with its path.
    let user = p
        .get(EntityKind::ManagedPolicy, "lab-ParallelClusterUserPolicy")
        .unwrap();
    let document = &user.policy().unwrap().document;
    assert!(
        serde_json::to_string(document)
            .unwrap()
            .contains("\"arn:aws:iam::123456789012:role/onramp/lab-ParallelClusterInstanceRole\"")
    );
}

#[test]
fn toggles_remove_exactly_their_resources() {
    let all = planned(&genomics("us-east-1", &["data-bucket".to_owned()], ""));
    let none = planned(&genomics(
        "us-east-1",
        &["data-bucket".to_owned()],
        "public_data_read = false\nebs_autoscale = false\nspot = false\njob_role = false",
    ));
    let names = |p: &Plan| {
        p.resources
            .iter()
            .map(|r| format!("{:?} {}", r.kind(), r.name))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&all).len(), 7);
    assert_eq!(
        names(&none),
        [
            "ManagedPolicy s3bucket-access-us-east-1",
            "Role AWSBatchServiceRole",
            "Role ecsInstanceRole",
            "InstanceProfile ecsInstanceRole"
        ]
    );
    assert_eq!(attached(&none, "ecsInstanceRole").len(), 2);
}

/// Genomics answers with the bucket policy narrowed by hand to reading, the
/// edit made from `generated` (today's document unless a test changes it).
fn with_narrowing_edit(region: &str, change_generated: impl Fn(&mut serde_json::Value)) -> String {
    let text = genomics("us-east-1", &["my-gwf-data".into()], "");
    let mut answers = Answers::from_toml(&text).unwrap();
    let policy = planned(&text)
        .get(EntityKind::ManagedPolicy, "s3bucket-access-us-east-1")
        .unwrap()
        .clone();
    let mut generated = policy.documents()[0].1.clone();
    change_generated(&mut generated);
    // Narrower than `s3:*`, and still all that the workload needs.
    let narrower = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::my-gwf-data/*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::my-gwf-data"}]});
    answers.edits.push(onramp::answers::edit::Edit::new(
        &policy.id(),
        "document",
        &generated,
        &narrower,
    ));
    answers.region = Some(region.into());
    answers.to_toml()
}

/// `onramp --demo ARGS --answers FILE` with `text` in FILE.
fn onramp_on(text: &str, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.toml");
    std::fs::write(&file, text).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_onramp"))
        .arg("--demo")
        .args(args)
        .arg("--answers")
        .arg(&file)
        .current_dir(dir.path())
        .output()
        .unwrap()
}

#[test]
fn apply_creates_the_edited_document_and_never_the_wider_one() {
    let text = with_narrowing_edit("us-east-1", |_| {});
    let o = onramp_on(&text, &["apply", "--yes", "--format", "json"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let plan = onramp_on(&text, &["plan", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let doc = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "s3bucket-access-us-east-1")
        .unwrap();
    assert_eq!(
        doc["document"]["Statement"][0]["Action"],
        serde_json::json!(["s3:GetObject", "s3:PutObject"])
    );
    assert!(!doc["document"].to_string().contains("s3:*"));
}

#[test]
fn an_edit_made_from_an_older_document_stops_apply_and_names_the_change() {
    let text = with_narrowing_edit("us-east-1", |doc| {
        doc["Statement"][0]["Action"] = "s3:ListAllMyBuckets".into();
    });
    let o = onramp_on(&text, &["apply", "--yes"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(err.contains("no longer generates"), "{err}");
    assert!(err.contains("s3:ListAllMyBuckets"), "{err}");
    let plan = onramp_on(&text, &["plan", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(plan["edits"][0]["state"], "stale");
}

#[test]
fn an_edit_whose_document_is_not_planned_stops_apply() {
    // Another region renames the bucket policy: the narrowing edit would
    // silently stop applying, and the wide policy would be created.
    let text = with_narrowing_edit("us-west-2", |_| {});
    for args in [
        &["apply", "--yes"][..],
        &["export", "--format", "cloudformation"],
    ] {
        let o = onramp_on(&text, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("edits[0] is for the managed policy s3bucket-access-us-east-1"),
            "{err}"
        );
    }
}

/// Applying two shipped examples in one account must not make the second
/// rewrite the first's resources: IAM names are account-wide, whatever the
/// region. Service-linked roles are the exception: AWS makes one per service.
#[test]
fn no_two_examples_plan_the_same_resource() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut owners: std::collections::BTreeMap<(EntityKind, String), String> = Default::default();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    let mut clashes = Vec::new();
    for file in &files {
        for r in planned(&example(file)).resources {
            if r.is_service_linked() {
                continue;
            }
            let key = (r.kind(), r.name.to_lowercase());
            if let Some(first) = owners.insert(key, file.clone()) {
                clashes.push(format!(
                    "{} {}: {first} and {file}",
                    r.kind().noun(),
                    r.name
                ));
            }
        }
    }
    assert!(clashes.is_empty(), "{clashes:#?}");
}

#[test]
fn an_edit_that_takes_away_what_the_workload_needs_stops_apply_as_in_the_wizard() {
    let text = with_narrowing_edit("us-east-1", |_| {});
    let mut answers = Answers::from_toml(&text).unwrap();
    // Reading only: jobs could no longer write their results.
    answers.edits[0].policy = answers.edits[0]
        .policy
        .replace("\"s3:PutObject\"", "\"s3:GetObjectTagging\"");
    let o = onramp_on(&answers.to_toml(), &["apply", "--yes"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(
        err.contains("[intent] ecsInstanceRole: must allow s3:PutObject"),
        "{err}"
    );
}
