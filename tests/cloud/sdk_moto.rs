//! The SDK backend against moto: every `Cloud` method through the real
//! aws-sdk-* clients and wire protocol, the error mapping, and the failure
//! modes a person meets first (nothing listening, no credentials).
//!
//! Each test works in its own moto account (see `common`), so they run in
//! parallel on one server without resetting it.
//!
//! moto quirks met here (checked against moto 5.2.5; real IAM differs):
//! - `DeletePolicy` succeeds on a policy that is still attached or still has
//!   non-default versions (IAM answers `DeleteConflict`); `DeleteConflict` is
//!   tested where moto enforces it: deleting a role that still has policies
//!   or an instance profile, an instance profile that still holds a role, and
//!   a policy's default version.
//! - `ListBuckets` leaves out `BucketRegion`, so the `GetBucketLocation`
//!   fallback is what is tested here.
//! - `GetPolicyVersion` returns the document as plain JSON while `GetRole`,
//!   `CreateRole` and `GetRolePolicy` URL-encode theirs, as IAM does.
//! - Names, paths and the reserved `aws:` tag prefix are not validated, and
//!   a permissions boundary may name a policy that does not exist;
//!   `InvalidInput` is tested with a malformed policy version id, which moto
//!   rejects with `ValidationError`.
//! - `CreateServiceLinkedRole` builds the role's name from the service with
//!   a table that lacks Batch: `batch.amazonaws.com` gets
//!   `AWSServiceRoleForbatch` (AWS: `AWSServiceRoleForBatch`), so `GetRole`
//!   on AWS's name finds nothing; `SdkCloud::get_role` then finds it by
//!   listing the service-linked roles. Service-linked roles are otherwise
//!   tested with Auto Scaling's, which moto names as AWS does. moto answers a second create
//!   with `EntityAlreadyExists` (IAM: `InvalidInput`, "has been taken"),
//!   attaches no policy to the role, keeps no role in use, and finishes a
//!   deletion task at once.

// Tests may unwrap: a failed assumption is a failed test.

use std::time::{Duration, Instant};

use onramp::cloud::sdk::{ConnectOptions, NO_CREDENTIALS, SdkCloud};
use onramp::cloud::{Cloud, ErrorKind, NewPolicy, NewRole, Tags};
use onramp::iam::action::Action;
use onramp_testkit::command;
use onramp_testkit::moto;
use serde_json::{Value, json};

const S3_READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn allow(action: &str, resource: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]
    })
}

/// A trust policy with characters that URL-encoding changes (space, `+`,
/// `&`, `%`, `=`, `/`, non-ASCII), so a missing or double decoding shows.
fn ec2_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "a b+c&d%20e=f/g é"}}
        }]
    })
}

fn batch_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "batch.amazonaws.com"},
            "Action": "sts:AssumeRole"
        }]
    })
}

async fn create_role(cloud: &SdkCloud, name: &str) {
    let no_tags = Tags::new();
    cloud
        .create_role(NewRole {
            name,
            path: "/",
            description: "test role",
            trust_policy: &batch_trust(),
            permissions_boundary: None,
            tags: &no_tags,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn identity_names_the_account_and_partition() {
    let (cloud, account) = moto::cloud().await;
    let me = cloud.identity().await.unwrap();
    assert_eq!(me.account_id, account.account_id);
    assert_eq!(me.partition, "aws");
    assert!(
        me.arn
            .starts_with(&format!("arn:aws:sts::{}:", account.account_id)),
        "{}",
        me.arn
    );
    assert_eq!(cloud.endpoint(), Some(account.endpoint.as_str()));
    assert_eq!(cloud.region(), "us-east-1");
}

#[tokio::test]
async fn managed_policy_round_trip() {
    let (cloud, account) = moto::cloud().await;
    let v1 = allow("s3:GetObject", "arn:aws:s3:::my-bucket/*");
    let created = cloud
        .create_policy(NewPolicy {
            name: "bucket-access",
            path: "/onramp/",
            description: "reads one bucket",
            document: &v1,
            tags: &tags(&[("onramp:managed-by", "onramp")]),
        })
        .await
        .unwrap();
    let arn = format!(
        "arn:aws:iam::{}:policy/onramp/bucket-access",
        account.account_id
    );
    assert_eq!(created.arn, arn);
    assert_eq!(created.name, "bucket-access");
    assert_eq!(created.path, "/onramp/");
    assert_eq!(created.default_version_id, "v1");
    assert_eq!(created.tags, tags(&[("onramp:managed-by", "onramp")]));

    let read = cloud
        .get_policy(&arn)
        .await
        .unwrap()
        .expect("the policy exists");
    assert_eq!(read, created);
    assert_eq!(cloud.get_policy_version(&arn, "v1").await.unwrap(), v1);

    let v2 = allow("s3:*", "arn:aws:s3:::my-bucket/*");
    assert_eq!(
        cloud.create_policy_version(&arn, &v2, true).await.unwrap(),
        "v2"
    );
    assert_eq!(cloud.get_policy_version(&arn, "v2").await.unwrap(), v2);
    let versions = cloud.list_policy_versions(&arn).await.unwrap();
    let listed: Vec<(&str, bool)> = versions
        .iter()
        .map(|v| (v.version_id.as_str(), v.is_default))
        .collect();
    assert_eq!(listed, [("v1", false), ("v2", true)]);
    assert_eq!(
        cloud
            .get_policy(&arn)
            .await
            .unwrap()
            .unwrap()
            .default_version_id,
        "v2"
    );

    cloud.set_default_policy_version(&arn, "v1").await.unwrap();
    cloud.delete_policy_version(&arn, "v2").await.unwrap();
    let versions = cloud.list_policy_versions(&arn).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert!(versions[0].is_default && versions[0].version_id == "v1");

    cloud
        .tag_policy(&arn, &tags(&[("Project", "genomics")]))
        .await
        .unwrap();
    assert_eq!(
        cloud.get_policy(&arn).await.unwrap().unwrap().tags,
        tags(&[("onramp:managed-by", "onramp"), ("Project", "genomics")])
    );

    cloud.delete_policy(&arn).await.unwrap();
    assert_eq!(cloud.get_policy(&arn).await.unwrap(), None);
}

#[tokio::test]
async fn policy_version_limit_and_errors() {
    let (cloud, account) = moto::cloud().await;
    let doc = allow("ec2:DescribeVolumes", "*");
    let no_tags = Tags::new();
    let policy = NewPolicy {
        name: "ebs-autoscale-policy",
        path: "/",
        description: "",
        document: &doc,
        tags: &no_tags,
    };
    let arn = cloud.create_policy(policy).await.unwrap().arn;

    let again = cloud.create_policy(policy).await.unwrap_err();
    assert_eq!(again.kind, ErrorKind::AlreadyExists);
    assert_eq!(again.action, Action::CreatePolicy);
    assert!(again.message.contains("ebs-autoscale-policy"), "{again}");

    for expected in ["v2", "v3", "v4", "v5"] {
        assert_eq!(
            cloud
                .create_policy_version(&arn, &doc, false)
                .await
                .unwrap(),
            expected
        );
    }
    let sixth = cloud
        .create_policy_version(&arn, &doc, false)
        .await
        .unwrap_err();
    assert_eq!(sixth.kind, ErrorKind::LimitExceeded, "{sixth}");
    assert_eq!(sixth.action, Action::CreatePolicyVersion);
    assert_eq!(cloud.list_policy_versions(&arn).await.unwrap().len(), 5);

    let default = cloud.delete_policy_version(&arn, "v1").await.unwrap_err();
    assert_eq!(default.kind, ErrorKind::DeleteConflict, "{default}");
    assert_eq!(default.action, Action::DeletePolicyVersion);

    let bogus = cloud
        .set_default_policy_version(&arn, "bogus")
        .await
        .unwrap_err();
    assert_eq!(bogus.kind, ErrorKind::InvalidInput, "{bogus}");
    assert_eq!(bogus.action, Action::SetDefaultPolicyVersion);

    let missing = format!("arn:aws:iam::{}:policy/nope", account.account_id);
    assert_eq!(cloud.get_policy(&missing).await.unwrap(), None);
    let gone = cloud.get_policy_version(&missing, "v1").await.unwrap_err();
    assert_eq!(gone.kind, ErrorKind::NoSuchEntity, "{gone}");
    assert_eq!(gone.action, Action::GetPolicyVersion);
    let gone = cloud.delete_policy(&missing).await.unwrap_err();
    assert_eq!(gone.kind, ErrorKind::NoSuchEntity, "{gone}");
    assert_eq!(gone.action, Action::DeletePolicy);

    let malformed = cloud
        .create_policy(NewPolicy {
            name: "no-resource",
            document: &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}),
            ..policy
        })
        .await
        .unwrap_err();
    assert_eq!(malformed.kind, ErrorKind::MalformedPolicy, "{malformed}");
    assert_eq!(malformed.action, Action::CreatePolicy);
}

#[tokio::test]
async fn role_round_trip() {
    let (cloud, account) = moto::cloud().await;
    let trust = ec2_trust();
    let role_tags = tags(&[("onramp:managed-by", "onramp"), ("Project", "genomics")]);
    let created = cloud
        .create_role(NewRole {
            name: "ecsInstanceRole",
            path: "/",
            description: "EC2 instances of AWS Batch",
            trust_policy: &trust,
            permissions_boundary: Some(S3_READ_ONLY),
            tags: &role_tags,
        })
        .await
        .unwrap();
    assert_eq!(
        created.arn,
        format!("arn:aws:iam::{}:role/ecsInstanceRole", account.account_id)
    );
    assert_eq!(created.trust_policy, trust);
    assert_eq!(created.tags, role_tags);

    let read = cloud.get_role("ecsInstanceRole").await.unwrap().unwrap();
    assert_eq!(read.name, "ecsInstanceRole");
    assert_eq!(read.path, "/");
    assert_eq!(read.trust_policy, trust);
    assert_eq!(
        read.description.as_deref(),
        Some("EC2 instances of AWS Batch")
    );
    assert_eq!(read.permissions_boundary.as_deref(), Some(S3_READ_ONLY));
    assert_eq!(read.tags, role_tags);

    let batch = batch_trust();
    cloud
        .update_assume_role_policy("ecsInstanceRole", &batch)
        .await
        .unwrap();
    cloud
        .delete_role_permissions_boundary("ecsInstanceRole")
        .await
        .unwrap();
    let read = cloud.get_role("ecsInstanceRole").await.unwrap().unwrap();
    assert_eq!(read.trust_policy, batch);
    assert_eq!(read.permissions_boundary, None);

    let boundary = format!("arn:aws:iam::{}:policy/boundary", account.account_id);
    cloud
        .put_role_permissions_boundary("ecsInstanceRole", &boundary)
        .await
        .unwrap();
    cloud
        .tag_role("ecsInstanceRole", &tags(&[("Owner", "lab")]))
        .await
        .unwrap();
    let read = cloud.get_role("ecsInstanceRole").await.unwrap().unwrap();
    assert_eq!(read.permissions_boundary, Some(boundary));
    assert_eq!(read.tags.get("Owner").map(String::as_str), Some("lab"));
    assert_eq!(read.tags.len(), 3);

    cloud.delete_role("ecsInstanceRole").await.unwrap();
    assert_eq!(cloud.get_role("ecsInstanceRole").await.unwrap(), None);
}

#[tokio::test]
async fn trust_policy_is_url_decoded() {
    let (cloud, account) = moto::cloud().await;
    let trust = ec2_trust();
    let no_tags = Tags::new();
    cloud
        .create_role(NewRole {
            name: "encoded",
            path: "/",
            description: "",
            trust_policy: &trust,
            permissions_boundary: None,
            tags: &no_tags,
        })
        .await
        .unwrap();
    // What goes over the wire is URL-encoded, as from IAM…
    let raw = moto::iam_client(&account)
        .get_role()
        .role_name("encoded")
        .send()
        .await
        .unwrap();
    let raw = raw.role().unwrap().assume_role_policy_document().unwrap();
    assert!(raw.starts_with("%7B"), "{raw}");
    // …and the trait hands back the very document that was sent.
    assert_eq!(
        cloud
            .get_role("encoded")
            .await
            .unwrap()
            .unwrap()
            .trust_policy,
        trust
    );
}

#[tokio::test]
async fn attachments_and_inline_policies() {
    let (cloud, account) = moto::cloud().await;
    create_role(&cloud, "BatchJobRole").await;
    let own = cloud
        .create_policy(NewPolicy {
            name: "job-policy",
            path: "/",
            description: "",
            document: &allow("s3:ListBucket", "arn:aws:s3:::data"),
            tags: &Tags::new(),
        })
        .await
        .unwrap()
        .arn;

    assert!(
        cloud
            .list_attached_role_policies("BatchJobRole")
            .await
            .unwrap()
            .is_empty()
    );
    // An AWS managed policy: moto has them only with
    // MOTO_IAM_LOAD_MANAGED_POLICIES=true.
    cloud
        .attach_role_policy("BatchJobRole", S3_READ_ONLY)
        .await
        .unwrap();
    cloud
        .attach_role_policy("BatchJobRole", &own)
        .await
        .unwrap();
    let mut attached = cloud
        .list_attached_role_policies("BatchJobRole")
        .await
        .unwrap();
    attached.sort();
    let mut expected = vec![S3_READ_ONLY.to_owned(), own.clone()];
    expected.sort();
    assert_eq!(attached, expected);

    let missing = format!("arn:aws:iam::{}:policy/missing", account.account_id);
    let e = cloud
        .attach_role_policy("BatchJobRole", &missing)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoSuchEntity, "{e}");
    assert_eq!(e.action, Action::AttachRolePolicy);

    let conflict = cloud.delete_role("BatchJobRole").await.unwrap_err();
    assert_eq!(conflict.kind, ErrorKind::DeleteConflict, "{conflict}");
    assert_eq!(conflict.action, Action::DeleteRole);

    cloud
        .detach_role_policy("BatchJobRole", S3_READ_ONLY)
        .await
        .unwrap();
    assert_eq!(
        cloud
            .list_attached_role_policies("BatchJobRole")
            .await
            .unwrap(),
        [own.as_str()]
    );
    cloud
        .detach_role_policy("BatchJobRole", &own)
        .await
        .unwrap();

    // Inline policies, with characters that URL-encoding changes.
    let inline = allow("s3:GetObject", "arn:aws:s3:::my data+more/a&b=%c é/*");
    assert!(
        cloud
            .list_role_policies("BatchJobRole")
            .await
            .unwrap()
            .is_empty()
    );
    cloud
        .put_role_policy("BatchJobRole", "reads", &inline)
        .await
        .unwrap();
    cloud
        .put_role_policy("BatchJobRole", "lists", &allow("s3:ListBucket", "*"))
        .await
        .unwrap();
    let mut names = cloud.list_role_policies("BatchJobRole").await.unwrap();
    names.sort();
    assert_eq!(names, ["lists", "reads"]);
    assert_eq!(
        cloud
            .get_role_policy("BatchJobRole", "reads")
            .await
            .unwrap(),
        inline
    );

    let malformed = cloud
        .put_role_policy("BatchJobRole", "bad", &json!("not a policy"))
        .await
        .unwrap_err();
    assert_eq!(malformed.kind, ErrorKind::MalformedPolicy, "{malformed}");
    assert_eq!(malformed.action, Action::PutRolePolicy);

    let conflict = cloud.delete_role("BatchJobRole").await.unwrap_err();
    assert_eq!(conflict.kind, ErrorKind::DeleteConflict, "{conflict}");

    cloud
        .delete_role_policy("BatchJobRole", "reads")
        .await
        .unwrap();
    cloud
        .delete_role_policy("BatchJobRole", "lists")
        .await
        .unwrap();
    let gone = cloud
        .get_role_policy("BatchJobRole", "reads")
        .await
        .unwrap_err();
    assert_eq!(gone.kind, ErrorKind::NoSuchEntity, "{gone}");
    assert_eq!(gone.action, Action::GetRolePolicy);
    cloud.delete_role("BatchJobRole").await.unwrap();
}

#[tokio::test]
async fn instance_profile_round_trip() {
    let (cloud, account) = moto::cloud().await;
    create_role(&cloud, "ecsInstanceRole").await;
    create_role(&cloud, "otherRole").await;
    let profile_tags = tags(&[("onramp:managed-by", "onramp")]);

    assert_eq!(
        cloud.get_instance_profile("ecsInstanceRole").await.unwrap(),
        None
    );
    let created = cloud
        .create_instance_profile("ecsInstanceRole", "/batch/", &profile_tags)
        .await
        .unwrap();
    assert_eq!(
        created.arn,
        format!(
            "arn:aws:iam::{}:instance-profile/batch/ecsInstanceRole",
            account.account_id
        )
    );
    assert_eq!(created.path, "/batch/");
    assert!(created.roles.is_empty());
    assert_eq!(created.tags, profile_tags);

    cloud
        .add_role_to_instance_profile("ecsInstanceRole", "ecsInstanceRole")
        .await
        .unwrap();
    cloud
        .tag_instance_profile("ecsInstanceRole", &tags(&[("Project", "genomics")]))
        .await
        .unwrap();
    let read = cloud
        .get_instance_profile("ecsInstanceRole")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.name, "ecsInstanceRole");
    assert_eq!(read.roles, ["ecsInstanceRole"]);
    assert_eq!(
        read.tags,
        tags(&[("onramp:managed-by", "onramp"), ("Project", "genomics")])
    );

    let again = cloud
        .create_instance_profile("ecsInstanceRole", "/", &Tags::new())
        .await
        .unwrap_err();
    assert_eq!(again.kind, ErrorKind::AlreadyExists, "{again}");
    assert_eq!(again.action, Action::CreateInstanceProfile);
    let second = cloud
        .add_role_to_instance_profile("ecsInstanceRole", "otherRole")
        .await
        .unwrap_err();
    assert_eq!(second.kind, ErrorKind::LimitExceeded, "{second}");
    assert_eq!(second.action, Action::AddRoleToInstanceProfile);
    let conflict = cloud
        .delete_instance_profile("ecsInstanceRole")
        .await
        .unwrap_err();
    assert_eq!(conflict.kind, ErrorKind::DeleteConflict, "{conflict}");
    assert_eq!(conflict.action, Action::DeleteInstanceProfile);
    let conflict = cloud.delete_role("ecsInstanceRole").await.unwrap_err();
    assert_eq!(conflict.kind, ErrorKind::DeleteConflict, "{conflict}");

    cloud
        .remove_role_from_instance_profile("ecsInstanceRole", "ecsInstanceRole")
        .await
        .unwrap();
    assert!(
        cloud
            .get_instance_profile("ecsInstanceRole")
            .await
            .unwrap()
            .unwrap()
            .roles
            .is_empty()
    );
    // Removing it again, as a retry whose first answer was lost does: IAM
    // says NoSuchEntity (moto 5.2.5 alone fails with HTTP 500, which
    // `.ci/moto_server.py` puts right), and destroy takes that as done.
    let gone = cloud
        .remove_role_from_instance_profile("ecsInstanceRole", "ecsInstanceRole")
        .await
        .unwrap_err();
    assert_eq!(gone.kind, ErrorKind::NoSuchEntity, "{gone}");
    cloud
        .delete_instance_profile("ecsInstanceRole")
        .await
        .unwrap();
    assert_eq!(
        cloud.get_instance_profile("ecsInstanceRole").await.unwrap(),
        None
    );
    cloud.delete_role("ecsInstanceRole").await.unwrap();
    let gone = cloud
        .delete_instance_profile("ecsInstanceRole")
        .await
        .unwrap_err();
    assert_eq!(gone.kind, ErrorKind::NoSuchEntity, "{gone}");
}

#[tokio::test]
async fn missing_entities_and_duplicates() {
    let (cloud, _account) = moto::cloud().await;
    assert_eq!(cloud.get_role("nobody").await.unwrap(), None);
    let e = cloud.delete_role("nobody").await.unwrap_err();
    assert_eq!(
        (e.action, e.kind),
        (Action::DeleteRole, ErrorKind::NoSuchEntity)
    );
    assert!(e.message.contains("nobody"), "{e}");
    let e = cloud
        .tag_role("nobody", &tags(&[("a", "b")]))
        .await
        .unwrap_err();
    assert_eq!(
        (e.action, e.kind),
        (Action::TagRole, ErrorKind::NoSuchEntity)
    );
    let e = cloud
        .update_assume_role_policy("nobody", &batch_trust())
        .await
        .unwrap_err();
    assert_eq!(
        (e.action, e.kind),
        (Action::UpdateAssumeRolePolicy, ErrorKind::NoSuchEntity)
    );

    create_role(&cloud, "AWSBatchServiceRole").await;
    let e = cloud
        .create_role(NewRole {
            name: "AWSBatchServiceRole",
            path: "/",
            description: "",
            trust_policy: &batch_trust(),
            permissions_boundary: None,
            tags: &Tags::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (e.action, e.kind),
        (Action::CreateRole, ErrorKind::AlreadyExists)
    );
    assert!(e.message.contains("AWSBatchServiceRole"), "{e}");
    assert_eq!(e.to_string(), format!("CreateRole failed: {}", e.message));
}

#[tokio::test]
async fn service_linked_role_round_trip() {
    const SERVICE: &str = "autoscaling.amazonaws.com";
    const NAME: &str = "AWSServiceRoleForAutoScaling";
    let (cloud, account) = moto::cloud().await;
    assert_eq!(cloud.get_role(NAME).await.unwrap(), None);
    let made = cloud
        .create_service_linked_role(SERVICE, "for the test")
        .await
        .unwrap();
    let arn = format!(
        "arn:aws:iam::{}:role/aws-service-role/{SERVICE}/{NAME}",
        account.account_id
    );
    assert_eq!(made.arn, arn);
    assert_eq!(made.name, NAME);
    assert_eq!(made.path, format!("/aws-service-role/{SERVICE}/"));
    assert_eq!(made.description.as_deref(), Some("for the test"));
    assert!(made.tags.is_empty());
    let read = cloud.get_role(NAME).await.unwrap().unwrap();
    assert_eq!(read.arn, arn);
    assert!(
        onramp::plan::lint::trusted_services(&read.trust_policy).contains(SERVICE),
        "{}",
        read.trust_policy
    );

    let again = cloud
        .create_service_linked_role(SERVICE, "for the test")
        .await
        .unwrap_err();
    assert_eq!(
        (again.action, again.kind),
        (Action::CreateServiceLinkedRole, ErrorKind::AlreadyExists),
        "{again}"
    );

    // Deleted through its deletion task, which moto ends at once.
    cloud.delete_service_linked_role(NAME).await.unwrap();
    assert_eq!(cloud.get_role(NAME).await.unwrap(), None);
    let gone = cloud.delete_service_linked_role(NAME).await.unwrap_err();
    assert_eq!(
        (gone.action, gone.kind),
        (Action::DeleteServiceLinkedRole, ErrorKind::NoSuchEntity),
        "{gone}"
    );
}

/// See the module's notes: moto names Batch's role otherwise than AWS, and
/// `GetRole` by AWS's name finds nothing. `get_role` still finds it, as IAM
/// would (role names are unique whatever their case), so a second `apply`
/// does not plan to create it again. When moto names it as AWS does, the
/// first assertion fails, and this test can go.
#[tokio::test]
async fn get_role_finds_the_batch_role_moto_names_otherwise() {
    const AWS_NAME: &str = "AWSServiceRoleForBatch";
    let (cloud, account) = moto::cloud().await;
    assert_eq!(cloud.get_role(AWS_NAME).await.unwrap(), None);
    let made = cloud
        .create_service_linked_role("batch.amazonaws.com", "")
        .await
        .unwrap();
    assert_eq!(made.path, "/aws-service-role/batch.amazonaws.com/");
    assert_eq!(made.name, "AWSServiceRoleForbatch");
    let raw = moto::iam_client(&account)
        .get_role()
        .role_name(AWS_NAME)
        .send()
        .await;
    assert!(raw.is_err(), "moto now names the role as AWS: {raw:?}");

    let found = cloud.get_role(AWS_NAME).await.unwrap().unwrap();
    assert_eq!(found.arn, made.arn);
    assert_eq!(found.name, made.name);
    assert_eq!(found.path, made.path);
    assert!(
        onramp::plan::lint::trusted_services(&found.trust_policy).contains("batch.amazonaws.com"),
        "{}",
        found.trust_policy
    );
    assert_eq!(
        cloud
            .get_role("AWSServiceRoleForAutoScaling")
            .await
            .unwrap(),
        None,
        "another service's role is not taken for it"
    );
}

/// Only service-linked roles are looked for whatever their case: a role of
/// that name but for case at an ordinary path is not one.
#[tokio::test]
async fn get_role_looks_past_case_only_under_the_service_role_path() {
    let (cloud, _) = moto::cloud().await;
    cloud
        .create_role(NewRole {
            name: "AWSServiceRoleForlookalike",
            path: "/",
            description: "",
            trust_policy: &batch_trust(),
            permissions_boundary: None,
            tags: &Tags::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        cloud.get_role("AWSServiceRoleForLookalike").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn list_buckets_reads_each_region() {
    let (cloud, account) = moto::cloud().await;
    let east = format!("onramp-{}-east", account.account_id);
    let west = format!("onramp-{}-west", account.account_id);
    moto::s3_client(&account, "us-east-1")
        .create_bucket()
        .bucket(&east)
        .send()
        .await
        .unwrap();
    moto::s3_client(&account, "eu-west-1")
        .create_bucket()
        .bucket(&west)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // Another account's bucket must not show: the accounts are apart.
    let (_, other) = moto::cloud().await;
    moto::s3_client(&other, "us-east-1")
        .create_bucket()
        .bucket(format!("onramp-{}-other", other.account_id))
        .send()
        .await
        .unwrap();

    let mut buckets = cloud.list_buckets().await.unwrap();
    buckets.sort_by(|a, b| a.name.cmp(&b.name));
    let found: Vec<(&str, Option<&str>)> = buckets
        .iter()
        .map(|b| (b.name.as_str(), b.region.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (east.as_str(), Some("us-east-1")),
            (west.as_str(), Some("eu-west-1"))
        ]
    );
}

#[tokio::test]
async fn unreachable_endpoint_is_a_network_error() {
    let account = moto::fresh_account().await;
    let url = moto::closed_endpoint();
    let cloud = moto::connect_as_onramp(&account, &url).await;
    let retries = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = retries.clone();
    cloud.observe_retries(std::sync::Arc::new(move |r| seen.lock().unwrap().push(r)));
    let started = Instant::now();
    // IAM and STS at once: both go through the same retry and timeout policy.
    let (role, me) = tokio::join!(cloud.get_role("any"), cloud.identity());
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
    for (e, action) in [
        (role.unwrap_err(), Action::GetRole),
        (me.unwrap_err(), Action::GetCallerIdentity),
    ] {
        assert_eq!(e.kind, ErrorKind::Network, "{e}");
        assert_eq!(e.action, action);
        assert!(e.message.contains(&url), "the message names {url}: {e}");
        assert!(
            e.message.contains("the connection was refused"),
            "the message says why: {e}"
        );
        assert_eq!(e.to_string(), e.message, "no API action before it: {e}");
    }
    // The SDK retried the IAM call, and said so each time.
    let retries = retries.lock().unwrap().clone();
    let attempts: Vec<u32> = retries.iter().map(|r| r.attempt).collect();
    assert!(!attempts.is_empty(), "a refused connection is retried");
    assert_eq!(attempts, (2..2 + attempts.len() as u32).collect::<Vec<_>>());
    assert!(retries.iter().all(|r| r.action == "GetRole"), "{retries:?}");
}

#[tokio::test]
async fn bad_endpoint_url_is_refused_at_once() {
    let options = ConnectOptions {
        endpoint_url: Some("127.0.0.1:5000".to_owned()),
        ..ConnectOptions::default()
    };
    let e = SdkCloud::connect_isolated(&options, moto::dummy_credentials())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.message.contains("127.0.0.1:5000"), "{e}");
}

/// The default chain on a machine with no AWS configuration at all: the
/// first call says so, in words that tell what to do.
#[tokio::test]
async fn missing_credentials_are_reported() {
    if !command::is_isolated_child() {
        let home = tempfile::tempdir().unwrap();
        let mut env = command::bare_environment(home.path());
        env.push(("AWS_ENDPOINT_URL", moto::moto_endpoint()));
        command::run_isolated("sdk_moto::missing_credentials_are_reported", &env);
        return;
    }
    let cloud = SdkCloud::connect(&ConnectOptions::default()).await.unwrap();
    let started = Instant::now();
    let e = cloud.identity().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoCredentials, "{e}");
    assert_eq!(e.action, Action::GetCallerIdentity);
    assert_eq!(e.message, NO_CREDENTIALS);
    let e = cloud.get_role("any").await.unwrap_err();
    assert_eq!(
        (e.action, e.kind),
        (Action::GetRole, ErrorKind::NoCredentials)
    );
    assert!(started.elapsed() < Duration::from_secs(30));

    // A profile that does not exist is a credentials problem too.
    let options = ConnectOptions {
        profile: Some("no-such-profile".to_owned()),
        ..ConnectOptions::default()
    };
    let e = SdkCloud::connect(&options)
        .await
        .unwrap()
        .identity()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoCredentials, "{e}");
    assert!(e.message.contains("profile `no-such-profile`"), "{e}");
}

/// The default chain honours the standard variables, and `--endpoint-url`
/// wins over `AWS_ENDPOINT_URL`.
#[tokio::test]
async fn default_chain_reads_the_environment() {
    if !command::is_isolated_child() {
        let home = tempfile::tempdir().unwrap();
        let mut env = command::bare_environment(home.path());
        env.push(("AWS_ENDPOINT_URL", moto::moto_endpoint()));
        env.push(("AWS_ACCESS_KEY_ID", "testing".to_owned()));
        env.push(("AWS_SECRET_ACCESS_KEY", "testing".to_owned()));
        env.push(("AWS_REGION", "eu-west-1".to_owned()));
        command::run_isolated("sdk_moto::default_chain_reads_the_environment", &env);
        return;
    }
    let endpoint = moto::moto_endpoint();
    let cloud = SdkCloud::connect(&ConnectOptions::default()).await.unwrap();
    assert_eq!(cloud.endpoint(), Some(endpoint.as_str()));
    assert_eq!(cloud.region(), "eu-west-1");
    // moto puts unknown access keys in its default account.
    let me = cloud.identity().await.unwrap();
    assert_eq!(me.account_id, moto::MOTO_DEFAULT_ACCOUNT);

    let options = ConnectOptions {
        profile: None,
        region: Some("ap-south-1".to_owned()),
        endpoint_url: Some("http://127.0.0.1:9".to_owned()),
        ..ConnectOptions::default()
    };
    let cloud = SdkCloud::connect(&options).await.unwrap();
    assert_eq!(cloud.endpoint(), Some("http://127.0.0.1:9"));
    assert_eq!(cloud.region(), "ap-south-1");
}

/// An endpoint that accepts connections and never answers (a hung proxy, a
/// firewall that swallows packets): the call still ends, by the SDK's
/// timeouts, with a message that names the endpoint and the timeout.
#[tokio::test]
async fn silent_endpoint_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accepts and holds connections, answering nothing; stops by itself.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        let started = Instant::now();
        listener.set_nonblocking(true).unwrap();
        while started.elapsed() < Duration::from_secs(90) {
            if let Ok((stream, _)) = listener.accept() {
                held.push(stream);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let account = moto::fresh_account().await;
    let cloud = moto::connect_as_onramp(&account, &url).await;
    let started = Instant::now();
    let e = cloud.get_role("any").await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(e.kind, ErrorKind::Network, "{e}");
    assert!(e.message.contains(&url), "the message names {url}: {e}");
    assert!(elapsed < Duration::from_secs(45), "took {elapsed:?}");
}
