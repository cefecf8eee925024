//! Unit tests of what only the in-memory account can answer.

use super::*;
use crate::cloud::{CloudResult, Decision, ErrorKind};
use crate::plan::limits;
use serde_json::json;

const ACCOUNT: &str = "123456789012";

fn cloud() -> MemoryCloud {
    MemoryCloud::new(ACCOUNT, "aws")
}

fn allow(action: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": "*"}
    ]})
}

fn trust(service: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    ]})
}

fn no_tags() -> Tags {
    Tags::new()
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn policy_arn(path_and_name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{path_and_name}")
}

fn aws(path_and_name: &str) -> String {
    format!("arn:aws:iam::aws:policy/{path_and_name}")
}

async fn make_policy(
    c: &MemoryCloud,
    name: &str,
    path: &str,
    document: &Value,
) -> CloudResult<PolicyInfo> {
    c.create_policy(NewPolicy {
        name,
        path,
        description: "",
        document,
        tags: &no_tags(),
    })
    .await
}

async fn make_role(c: &MemoryCloud, name: &str) -> CloudResult<RoleInfo> {
    c.create_role(NewRole {
        name,
        path: "/",
        description: "a role",
        trust_policy: &trust("ec2.amazonaws.com"),
        permissions_boundary: None,
        tags: &no_tags(),
    })
    .await
}

#[track_caller]
fn assert_kind<T: std::fmt::Debug>(result: CloudResult<T>, kind: ErrorKind, action: Action) {
    match result {
        Err(e) => {
            assert_eq!(e.kind, kind, "{e}");
            assert_eq!(e.action, action, "{e}");
        }
        Ok(v) => panic!("expected {kind:?} from {action}, got Ok({v:?})"),
    }
}

#[tokio::test]
async fn the_account_reports_and_enforces_its_own_quotas() {
    let c = cloud();
    let q = c.account_quotas().await.unwrap();
    assert_eq!(q.source, QuotaSource::Account);
    assert_eq!(
        Quotas {
            source: QuotaSource::Defaults,
            ..q
        },
        Quotas::default()
    );

    let c = cloud().with_quotas(Quotas {
        managed_policy_size: 60,
        attached_policies_per_role: 1,
        ..Quotas::default()
    });
    let q = c.account_quotas().await.unwrap();
    assert_eq!(
        (q.managed_policy_size, q.source),
        (60, QuotaSource::Account)
    );
    let big = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a-bucket/*"}
    ]});
    assert!(limits::policy_size(&big) > 60);
    assert_kind(
        make_policy(&c, "big", "/", &big).await,
        ErrorKind::LimitExceeded,
        Action::CreatePolicy,
    );
    make_role(&c, "r").await.unwrap();
    c.attach_role_policy("r", &aws("ReadOnlyAccess"))
        .await
        .unwrap();
    assert_kind(
        c.attach_role_policy("r", &aws("IAMFullAccess")).await,
        ErrorKind::LimitExceeded,
        Action::AttachRolePolicy,
    );
}

#[tokio::test]
async fn the_optional_reads_can_be_denied() {
    let finding = AnalyzerFinding {
        level: crate::cloud::AnalyzerLevel::SecurityWarning,
        code: "PASS_ROLE_WITH_STAR_IN_RESOURCE".into(),
        message: "iam:PassRole on any resource".into(),
        learn_more: None,
        path: Some("Statement[0].Resource".into()),
        line: Some(6),
    };
    let c = cloud().with_analyzer_findings(vec![finding.clone()]);
    let doc = allow("s3:GetObject").to_string();
    assert_eq!(
        c.validate_policy(&doc, PolicyKind::Identity).await.unwrap(),
        [finding]
    );
    assert_kind(
        c.validate_policy("{not json", PolicyKind::Trust).await,
        ErrorKind::InvalidInput,
        Action::ValidatePolicy,
    );
    assert!(
        cloud()
            .validate_policy(&doc, PolicyKind::Trust)
            .await
            .unwrap()
            .is_empty()
    );

    c.deny("access-analyzer:ValidatePolicy");
    c.deny("IAM:GetAccountSummary");
    let e = c
        .validate_policy(&doc, PolicyKind::Identity)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.action),
        (ErrorKind::AccessDenied, Action::ValidatePolicy)
    );
    assert!(
        e.message
            .contains("not authorized to perform: access-analyzer:ValidatePolicy")
    );
    assert_kind(
        c.account_quotas().await,
        ErrorKind::AccessDenied,
        Action::GetAccountSummary,
    );
}

#[tokio::test]
async fn the_simulator_knows_the_caller_and_the_denied_actions() {
    let c = cloud();
    let me = c.identity().await.unwrap().arn;
    let actions = ["iam:CreateRole".to_owned(), "iam:GetRole".to_owned()];
    let roles = ["arn:aws:iam::123456789012:role/a".to_owned()];
    let all = c
        .simulate_principal_policy(&me, &actions, &roles, &[])
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|r| r.decision == Decision::Allowed));

    c.deny("IAM:CreateRole");
    let some = c
        .simulate_principal_policy(&me, &actions, &[], &[])
        .await
        .unwrap();
    let decided: Vec<(&str, &str, Decision)> = some
        .iter()
        .map(|r| (r.action.as_str(), r.resource.as_str(), r.decision))
        .collect();
    assert_eq!(
        decided,
        [
            ("iam:CreateRole", "*", Decision::ImplicitDeny),
            ("iam:GetRole", "*", Decision::Allowed)
        ]
    );

    let other = "arn:aws:iam::123456789012:user/someone-else";
    assert_kind(
        c.simulate_principal_policy(other, &actions, &[], &[]).await,
        ErrorKind::NoSuchEntity,
        Action::SimulatePrincipalPolicy,
    );
    assert_kind(
        c.simulate_principal_policy(&me, &[], &[], &[]).await,
        ErrorKind::InvalidInput,
        Action::SimulatePrincipalPolicy,
    );
}

#[tokio::test]
async fn demo_account_identity_and_buckets() {
    let c = MemoryCloud::demo();
    let id = c.identity().await.unwrap();
    assert_eq!(id.account_id, "123456789012");
    assert_eq!(id.partition, "aws");
    assert_eq!(id.arn, "arn:aws:iam::123456789012:user/onramp-demo");
    let buckets = c.list_buckets().await.unwrap();
    let listed: Vec<(&str, Option<&str>)> = buckets
        .iter()
        .map(|b| (b.name.as_str(), b.region.as_deref()))
        .collect();
    assert_eq!(
        listed,
        [
            ("onramp-demo-archive", Some("eu-west-1")),
            ("onramp-demo-inputs", Some("us-east-1")),
            ("onramp-demo-pcluster", Some("eu-west-1")),
            ("onramp-demo-results", Some("us-east-1")),
        ]
    );
    c.add_bucket("aaa-first", "ap-south-1");
    assert_eq!(c.list_buckets().await.unwrap()[0].name, "aaa-first");
}

#[tokio::test]
async fn a_new_account_is_empty_and_uses_its_partition() {
    let c = MemoryCloud::new("210987654321", "aws-cn");
    assert!(c.list_buckets().await.unwrap().is_empty());
    let id = c.identity().await.unwrap();
    assert_eq!(id.arn, "arn:aws-cn:iam::210987654321:user/onramp-demo");
    assert_eq!(id.partition, "aws-cn");
    let role = make_role(&c, "r").await.unwrap();
    assert_eq!(role.arn, "arn:aws-cn:iam::210987654321:role/r");
    let p = make_policy(&c, "p", "/team/", &allow("s3:ListBucket"))
        .await
        .unwrap();
    assert_eq!(p.arn, "arn:aws-cn:iam::210987654321:policy/team/p");
    // An ARN of another partition is not this account's.
    assert_kind(
        c.get_policy("arn:aws:iam::210987654321:policy/team/p")
            .await,
        ErrorKind::InvalidInput,
        Action::GetPolicy,
    );
    c.attach_role_policy("r", "arn:aws-cn:iam::aws:policy/ReadOnlyAccess")
        .await
        .unwrap();
}

#[tokio::test]
async fn role_names_are_unique_regardless_of_case() {
    let c = cloud();
    let created = make_role(&c, "ecsInstanceRole").await.unwrap();
    assert_eq!(
        created.arn,
        format!("arn:aws:iam::{ACCOUNT}:role/ecsInstanceRole")
    );
    assert_kind(
        make_role(&c, "ECSINSTANCEROLE").await,
        ErrorKind::AlreadyExists,
        Action::CreateRole,
    );
    let found = c.get_role("ecsinstancerole").await.unwrap().unwrap();
    assert_eq!(found.name, "ecsInstanceRole");
    assert_eq!(found, created);
}

#[tokio::test]
async fn policy_names_are_unique_per_account_across_paths_and_case() {
    let c = cloud();
    make_policy(&c, "ebs-autoscale-policy", "/", &allow("ec2:DescribeTags"))
        .await
        .unwrap();
    assert_kind(
        make_policy(&c, "EBS-Autoscale-Policy", "/", &allow("ec2:DescribeTags")).await,
        ErrorKind::AlreadyExists,
        Action::CreatePolicy,
    );
    assert_kind(
        make_policy(
            &c,
            "ebs-autoscale-policy",
            "/other/",
            &allow("ec2:DescribeTags"),
        )
        .await,
        ErrorKind::AlreadyExists,
        Action::CreatePolicy,
    );
    // The ARN with another path names no policy.
    assert_eq!(
        c.get_policy(&policy_arn("other/ebs-autoscale-policy"))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn instance_profile_names_are_unique_regardless_of_case() {
    let c = cloud();
    let p = c
        .create_instance_profile("ecsInstanceRole", "/x/", &no_tags())
        .await
        .unwrap();
    assert_eq!(
        p.arn,
        format!("arn:aws:iam::{ACCOUNT}:instance-profile/x/ecsInstanceRole")
    );
    assert!(p.roles.is_empty());
    assert_kind(
        c.create_instance_profile("ECSInstanceRole", "/", &no_tags())
            .await,
        ErrorKind::AlreadyExists,
        Action::CreateInstanceProfile,
    );
    assert_eq!(
        c.get_instance_profile("ecsinstancerole").await.unwrap(),
        Some(p)
    );
}

#[tokio::test]
async fn policies_return_what_was_stored() {
    let c = cloud();
    let doc = json!({"Version": "2012-10-17", "Statement": {"Sid": "One", "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}}}});
    let t = tags(&[("Project", "genomics")]);
    let info = c
        .create_policy(NewPolicy {
            name: "s3bucket-access-us-east-1",
            path: "/onramp/",
            description: "bucket access",
            document: &doc,
            tags: &t,
        })
        .await
        .unwrap();
    let arn = policy_arn("onramp/s3bucket-access-us-east-1");
    let expected = PolicyInfo {
        arn: arn.clone(),
        name: "s3bucket-access-us-east-1".into(),
        path: "/onramp/".into(),
        default_version_id: "v1".into(),
        tags: t,
    };
    assert_eq!(info, expected);
    assert_eq!(c.get_policy(&arn).await.unwrap(), Some(expected));
    assert_eq!(c.get_policy_version(&arn, "v1").await.unwrap(), doc);
    assert_eq!(
        c.list_policy_versions(&arn).await.unwrap(),
        [PolicyVersion {
            version_id: "v1".into(),
            is_default: true
        }]
    );
    c.wait_until_exists(WaitFor::Policy, &arn).await.unwrap();
}

#[tokio::test]
async fn a_sixth_version_exceeds_the_limit() {
    let c = cloud();
    let arn = make_policy(&c, "p", "/", &allow("s3:GetObject"))
        .await
        .unwrap()
        .arn;
    for n in 2..=5 {
        let id = c
            .create_policy_version(&arn, &allow(&format!("s3:Get{n}")), false)
            .await
            .unwrap();
        assert_eq!(id, format!("v{n}"));
    }
    let sixth = c.create_policy_version(&arn, &allow("s3:Get6"), true).await;
    if let Err(e) = &sixth {
        assert!(e.message.contains("up to 5 versions"), "{e}");
    }
    assert_kind(sixth, ErrorKind::LimitExceeded, Action::CreatePolicyVersion);
    // Nothing changed: still v1 by default, five versions.
    assert_eq!(
        c.get_policy(&arn)
            .await
            .unwrap()
            .unwrap()
            .default_version_id,
        "v1"
    );
    assert_eq!(c.list_policy_versions(&arn).await.unwrap().len(), 5);
}

#[tokio::test]
async fn version_numbers_follow_creation_and_are_never_reused() {
    let c = cloud();
    let arn = make_policy(&c, "p", "/", &allow("s3:Get1"))
        .await
        .unwrap()
        .arn;
    assert_eq!(
        c.create_policy_version(&arn, &allow("s3:Get2"), true)
            .await
            .unwrap(),
        "v2"
    );
    assert_eq!(
        c.create_policy_version(&arn, &allow("s3:Get3"), false)
            .await
            .unwrap(),
        "v3"
    );
    assert_eq!(
        c.get_policy(&arn)
            .await
            .unwrap()
            .unwrap()
            .default_version_id,
        "v2"
    );
    c.delete_policy_version(&arn, "v3").await.unwrap();
    c.delete_policy_version(&arn, "v1").await.unwrap();
    assert_eq!(
        c.create_policy_version(&arn, &allow("s3:Get4"), false)
            .await
            .unwrap(),
        "v4"
    );
    let versions = c.list_policy_versions(&arn).await.unwrap();
    assert_eq!(
        versions,
        [
            PolicyVersion {
                version_id: "v2".into(),
                is_default: true
            },
            PolicyVersion {
                version_id: "v4".into(),
                is_default: false
            },
        ]
    );
    assert_eq!(
        c.get_policy_version(&arn, "v4").await.unwrap(),
        allow("s3:Get4")
    );
    assert_kind(
        c.get_policy_version(&arn, "v3").await,
        ErrorKind::NoSuchEntity,
        Action::GetPolicyVersion,
    );
    assert_kind(
        c.get_policy_version(&arn, "3").await,
        ErrorKind::InvalidInput,
        Action::GetPolicyVersion,
    );
    c.set_default_policy_version(&arn, "v4").await.unwrap();
    let info = c.get_policy(&arn).await.unwrap().unwrap();
    assert_eq!(info.default_version_id, "v4");
    assert_eq!(
        c.get_policy_version(&arn, &info.default_version_id)
            .await
            .unwrap(),
        allow("s3:Get4")
    );
    assert_kind(
        c.set_default_policy_version(&arn, "v1").await,
        ErrorKind::NoSuchEntity,
        Action::SetDefaultPolicyVersion,
    );
    assert_kind(
        c.delete_policy_version(&arn, "v1").await,
        ErrorKind::NoSuchEntity,
        Action::DeletePolicyVersion,
    );
}

#[tokio::test]
async fn the_default_version_cannot_be_deleted() {
    let c = cloud();
    let arn = make_policy(&c, "p", "/", &allow("s3:Get1"))
        .await
        .unwrap()
        .arn;
    assert_kind(
        c.delete_policy_version(&arn, "v1").await,
        ErrorKind::DeleteConflict,
        Action::DeletePolicyVersion,
    );
    c.create_policy_version(&arn, &allow("s3:Get2"), true)
        .await
        .unwrap();
    assert_kind(
        c.delete_policy_version(&arn, "v2").await,
        ErrorKind::DeleteConflict,
        Action::DeletePolicyVersion,
    );
    c.delete_policy_version(&arn, "v1").await.unwrap();
}

#[tokio::test]
async fn an_eleventh_attached_policy_exceeds_the_limit() {
    let c = cloud();
    make_role(&c, "r").await.unwrap();
    let mut arns = Vec::new();
    for n in 0..11 {
        let name = format!("p{n:02}");
        arns.push(
            make_policy(&c, &name, "/", &allow("s3:GetObject"))
                .await
                .unwrap()
                .arn,
        );
    }
    for arn in &arns[..10] {
        c.attach_role_policy("r", arn).await.unwrap();
    }
    // Attaching one that is already attached changes nothing and is fine.
    c.attach_role_policy("r", &arns[0]).await.unwrap();
    assert_kind(
        c.attach_role_policy("r", &arns[10]).await,
        ErrorKind::LimitExceeded,
        Action::AttachRolePolicy,
    );
    assert_kind(
        c.attach_role_policy("r", &aws("ReadOnlyAccess")).await,
        ErrorKind::LimitExceeded,
        Action::AttachRolePolicy,
    );
    assert_eq!(
        c.list_attached_role_policies("r").await.unwrap(),
        arns[..10]
    );
    c.detach_role_policy("r", &arns[3]).await.unwrap();
    c.attach_role_policy("r", &arns[10]).await.unwrap();
    assert_eq!(c.list_attached_role_policies("r").await.unwrap().len(), 10);
}

#[tokio::test]
async fn an_instance_profile_holds_one_role() {
    let c = cloud();
    make_role(&c, "a").await.unwrap();
    make_role(&c, "b").await.unwrap();
    c.create_instance_profile("ip", "/", &no_tags())
        .await
        .unwrap();
    c.add_role_to_instance_profile("ip", "a").await.unwrap();
    assert_kind(
        c.add_role_to_instance_profile("ip", "b").await,
        ErrorKind::LimitExceeded,
        Action::AddRoleToInstanceProfile,
    );
    assert_kind(
        c.add_role_to_instance_profile("ip", "a").await,
        ErrorKind::LimitExceeded,
        Action::AddRoleToInstanceProfile,
    );
    assert_eq!(
        c.get_instance_profile("ip").await.unwrap().unwrap().roles,
        ["a"]
    );
    assert_kind(
        c.remove_role_from_instance_profile("ip", "b").await,
        ErrorKind::NoSuchEntity,
        Action::RemoveRoleFromInstanceProfile,
    );
    c.remove_role_from_instance_profile("ip", "a")
        .await
        .unwrap();
    c.add_role_to_instance_profile("ip", "b").await.unwrap();
    assert_eq!(
        c.get_instance_profile("ip").await.unwrap().unwrap().roles,
        ["b"]
    );
}

#[tokio::test]
async fn a_policy_in_use_or_with_versions_cannot_be_deleted() {
    let c = cloud();
    make_role(&c, "r").await.unwrap();
    let arn = make_policy(&c, "p", "/", &allow("s3:Get1"))
        .await
        .unwrap()
        .arn;
    c.attach_role_policy("r", &arn).await.unwrap();
    assert_kind(
        c.delete_policy(&arn).await,
        ErrorKind::DeleteConflict,
        Action::DeletePolicy,
    );
    c.detach_role_policy("r", &arn).await.unwrap();
    c.create_policy_version(&arn, &allow("s3:Get2"), true)
        .await
        .unwrap();
    assert_kind(
        c.delete_policy(&arn).await,
        ErrorKind::DeleteConflict,
        Action::DeletePolicy,
    );
    c.delete_policy_version(&arn, "v1").await.unwrap();
    c.delete_policy(&arn).await.unwrap();
    assert_eq!(c.get_policy(&arn).await.unwrap(), None);
    assert_kind(
        c.delete_policy(&arn).await,
        ErrorKind::NoSuchEntity,
        Action::DeletePolicy,
    );
    // The name is free again.
    make_policy(&c, "P", "/", &allow("s3:Get1")).await.unwrap();
}

#[tokio::test]
async fn a_role_that_still_holds_something_cannot_be_deleted() {
    let c = cloud();
    make_role(&c, "r").await.unwrap();
    c.attach_role_policy("r", &aws("AmazonS3ReadOnlyAccess"))
        .await
        .unwrap();
    assert_kind(
        c.delete_role("r").await,
        ErrorKind::DeleteConflict,
        Action::DeleteRole,
    );
    c.detach_role_policy("r", &aws("AmazonS3ReadOnlyAccess"))
        .await
        .unwrap();

    c.put_role_policy("r", "inline", &allow("s3:GetObject"))
        .await
        .unwrap();
    assert_kind(
        c.delete_role("r").await,
        ErrorKind::DeleteConflict,
        Action::DeleteRole,
    );
    c.delete_role_policy("r", "inline").await.unwrap();

    c.create_instance_profile("r", "/", &no_tags())
        .await
        .unwrap();
    c.add_role_to_instance_profile("r", "r").await.unwrap();
    assert_kind(
        c.delete_role("r").await,
        ErrorKind::DeleteConflict,
        Action::DeleteRole,
    );
    c.remove_role_from_instance_profile("r", "r").await.unwrap();

    c.delete_role("R").await.unwrap();
    assert_eq!(c.get_role("r").await.unwrap(), None);
    assert_kind(
        c.delete_role("r").await,
        ErrorKind::NoSuchEntity,
        Action::DeleteRole,
    );
}

#[tokio::test]
async fn an_instance_profile_that_holds_a_role_cannot_be_deleted() {
    let c = cloud();
    make_role(&c, "r").await.unwrap();
    c.create_instance_profile("ip", "/", &no_tags())
        .await
        .unwrap();
    c.add_role_to_instance_profile("ip", "r").await.unwrap();
    assert_kind(
        c.delete_instance_profile("ip").await,
        ErrorKind::DeleteConflict,
        Action::DeleteInstanceProfile,
    );
    c.remove_role_from_instance_profile("ip", "r")
        .await
        .unwrap();
    c.delete_instance_profile("ip").await.unwrap();
    assert_eq!(c.get_instance_profile("ip").await.unwrap(), None);
    assert_kind(
        c.delete_instance_profile("ip").await,
        ErrorKind::NoSuchEntity,
        Action::DeleteInstanceProfile,
    );
}

#[tokio::test]
async fn reads_of_missing_entities_are_none_and_other_calls_fail() {
    let c = cloud();
    let arn = policy_arn("missing");
    assert_eq!(c.get_role("missing").await.unwrap(), None);
    assert_eq!(c.get_policy(&arn).await.unwrap(), None);
    assert_eq!(c.get_instance_profile("missing").await.unwrap(), None);
    // Another account's policy is not visible either.
    assert_eq!(
        c.get_policy("arn:aws:iam::210987654321:policy/x")
            .await
            .unwrap(),
        None
    );

    let no = ErrorKind::NoSuchEntity;
    assert_kind(
        c.get_policy_version(&arn, "v1").await,
        no,
        Action::GetPolicyVersion,
    );
    assert_kind(
        c.list_policy_versions(&arn).await,
        no,
        Action::ListPolicyVersions,
    );
    assert_kind(
        c.create_policy_version(&arn, &allow("s3:Get"), true).await,
        no,
        Action::CreatePolicyVersion,
    );
    assert_kind(
        c.set_default_policy_version(&arn, "v1").await,
        no,
        Action::SetDefaultPolicyVersion,
    );
    assert_kind(
        c.delete_policy_version(&arn, "v1").await,
        no,
        Action::DeletePolicyVersion,
    );
    assert_kind(
        c.tag_policy(&arn, &tags(&[("a", "b")])).await,
        no,
        Action::TagPolicy,
    );
    assert_kind(c.delete_policy(&arn).await, no, Action::DeletePolicy);

    assert_kind(
        c.update_assume_role_policy("missing", &trust("ec2.amazonaws.com"))
            .await,
        no,
        Action::UpdateAssumeRolePolicy,
    );
    assert_kind(
        c.put_role_permissions_boundary("missing", &aws("ReadOnlyAccess"))
            .await,
        no,
        Action::PutRolePermissionsBoundary,
    );
    assert_kind(
        c.delete_role_permissions_boundary("missing").await,
        no,
        Action::DeleteRolePermissionsBoundary,
    );
    assert_kind(
        c.tag_role("missing", &tags(&[("a", "b")])).await,
        no,
        Action::TagRole,
    );
    assert_kind(
        c.list_attached_role_policies("missing").await,
        no,
        Action::ListAttachedRolePolicies,
    );
    assert_kind(
        c.attach_role_policy("missing", &aws("ReadOnlyAccess"))
            .await,
        no,
        Action::AttachRolePolicy,
    );
    assert_kind(
        c.detach_role_policy("missing", &aws("ReadOnlyAccess"))
            .await,
        no,
        Action::DetachRolePolicy,
    );
    assert_kind(
        c.list_role_policies("missing").await,
        no,
        Action::ListRolePolicies,
    );
    assert_kind(
        c.get_role_policy("missing", "p").await,
        no,
        Action::GetRolePolicy,
    );
    assert_kind(
        c.put_role_policy("missing", "p", &allow("s3:Get")).await,
        no,
        Action::PutRolePolicy,
    );
    assert_kind(
        c.delete_role_policy("missing", "p").await,
        no,
        Action::DeleteRolePolicy,
    );
    assert_kind(c.delete_role("missing").await, no, Action::DeleteRole);

    assert_kind(
        c.tag_instance_profile("missing", &tags(&[("a", "b")]))
            .await,
        no,
        Action::TagInstanceProfile,
    );
    assert_kind(
        c.delete_instance_profile("missing").await,
        no,
        Action::DeleteInstanceProfile,
    );
    make_role(&c, "r").await.unwrap();
    c.create_instance_profile("ip", "/", &no_tags())
        .await
        .unwrap();
    assert_kind(
        c.add_role_to_instance_profile("missing", "r").await,
        no,
        Action::AddRoleToInstanceProfile,
    );
    assert_kind(
        c.add_role_to_instance_profile("ip", "missing").await,
        no,
        Action::AddRoleToInstanceProfile,
    );
    assert_kind(
        c.remove_role_from_instance_profile("missing", "r").await,
        no,
        Action::RemoveRoleFromInstanceProfile,
    );
    assert_kind(
        c.remove_role_from_instance_profile("ip", "r").await,
        no,
        Action::RemoveRoleFromInstanceProfile,
    );

    // Customer policies attach only when they exist.
    assert_kind(
        c.attach_role_policy("r", &arn).await,
        no,
        Action::AttachRolePolicy,
    );
    assert_kind(c.get_role_policy("r", "p").await, no, Action::GetRolePolicy);
    assert_kind(
        c.delete_role_policy("r", "p").await,
        no,
        Action::DeleteRolePolicy,
    );
}

#[tokio::test]
async fn detaching_a_policy_that_is_not_attached_fails() {
    let c = cloud();
    make_role(&c, "r").await.unwrap();
    let arn = make_policy(&c, "p", "/", &allow("s3:GetObject"))
        .await
        .unwrap()
        .arn;
    assert_kind(
        c.detach_role_policy("r", &arn).await,
        ErrorKind::NoSuchEntity,
        Action::DetachRolePolicy,
    );
    assert_kind(
        c.detach_role_policy("r", &aws("ReadOnlyAccess")).await,
        ErrorKind::NoSuchEntity,
        Action::DetachRolePolicy,
    );
    c.attach_role_policy("r", &arn).await.unwrap();
    c.detach_role_policy("r", &arn).await.unwrap();
    assert!(c.list_attached_role_policies("r").await.unwrap().is_empty());
}

#[tokio::test]
async fn malformed_documents_are_rejected() {
    let c = cloud();
    let bad_identity = [
        json!("not an object"),
        json!(["Statement"]),
        json!({"Version": "2012-10-17"}),
        json!({"Version": "2012-10-17", "Statement": []}),
        json!({"Version": "2012-10-17", "Statement": "Allow"}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "*"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "bucket"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Extra": 1}]}),
        json!({"Version": "2020-01-01", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
    ];
    make_role(&c, "r").await.unwrap();
    for doc in &bad_identity {
        assert_kind(
            make_policy(&c, "p", "/", doc).await,
            ErrorKind::MalformedPolicy,
            Action::CreatePolicy,
        );
        assert_kind(
            c.put_role_policy("r", "p", doc).await,
            ErrorKind::MalformedPolicy,
            Action::PutRolePolicy,
        );
    }
    let arn = make_policy(&c, "p", "/", &allow("s3:GetObject"))
        .await
        .unwrap()
        .arn;
    for doc in &bad_identity {
        assert_kind(
            c.create_policy_version(&arn, doc, true).await,
            ErrorKind::MalformedPolicy,
            Action::CreatePolicyVersion,
        );
    }

    let bad_trust = [
        json!({"Version": "2012-10-17"}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole", "Resource": "*"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "s3:GetObject"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Robot": "x"}, "Action": "sts:AssumeRole"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "someone"}, "Action": "sts:AssumeRole"}]}),
    ];
    for doc in &bad_trust {
        let result = c
            .create_role(NewRole {
                name: "t",
                path: "/",
                description: "",
                trust_policy: doc,
                permissions_boundary: None,
                tags: &no_tags(),
            })
            .await;
        assert_kind(result, ErrorKind::MalformedPolicy, Action::CreateRole);
        assert_kind(
            c.update_assume_role_policy("r", doc).await,
            ErrorKind::MalformedPolicy,
            Action::UpdateAssumeRolePolicy,
        );
    }
    // Nothing was stored by the failed calls.
    assert_eq!(c.get_role("t").await.unwrap(), None);
    assert_eq!(
        c.get_role("r").await.unwrap().unwrap().trust_policy,
        trust("ec2.amazonaws.com")
    );
    assert!(c.list_role_policies("r").await.unwrap().is_empty());
    assert_eq!(c.list_policy_versions(&arn).await.unwrap().len(), 1);

    // Accepted shapes: one statement object, Deny, NotAction, several principals.
    let fine = json!({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:aws:iam::123456789012:role/x"}});
    c.put_role_policy("r", "fine", &fine).await.unwrap();
    let many = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"], "AWS": "arn:aws:iam::123456789012:root"},
        "Action": ["sts:AssumeRole", "sts:TagSession"]}]});
    c.update_assume_role_policy("r", &many).await.unwrap();
    assert_eq!(c.get_role("r").await.unwrap().unwrap().trust_policy, many);
}

#[tokio::test]
async fn oversized_documents_exceed_the_limits() {
    let c = cloud();
    let actions = |n: usize, len: usize| -> Value {
        let list: Vec<String> = (0..n).map(|i| format!("s3:{i:0len$}")).collect();
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list, "Resource": "*"}]})
    };
    let big = actions(200, 40);
    assert!(limits::policy_size(&big) > limits::MANAGED_POLICY_SIZE);
    assert!(limits::policy_size(&big) < limits::INLINE_POLICIES_PER_ROLE_SIZE);
    assert_kind(
        make_policy(&c, "big", "/", &big).await,
        ErrorKind::LimitExceeded,
        Action::CreatePolicy,
    );
    let arn = make_policy(&c, "small", "/", &allow("s3:GetObject"))
        .await
        .unwrap()
        .arn;
    assert_kind(
        c.create_policy_version(&arn, &big, true).await,
        ErrorKind::LimitExceeded,
        Action::CreatePolicyVersion,
    );

    // Inline policies count together: 10,240 for all of a role's.
    make_role(&c, "r").await.unwrap();
    c.put_role_policy("r", "one", &big).await.unwrap();
    assert_kind(
        c.put_role_policy("r", "two", &big).await,
        ErrorKind::LimitExceeded,
        Action::PutRolePolicy,
    );
    // Replacing one is measured without its old document.
    c.put_role_policy("r", "one", &big).await.unwrap();

    let services: Vec<String> = (0..100)
        .map(|i| format!("service{i:03}.amazonaws.com"))
        .collect();
    let big_trust = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}
    ]});
    assert!(limits::policy_size(&big_trust) > limits::TRUST_POLICY_SIZE);
    let result = c
        .create_role(NewRole {
            name: "big",
            path: "/",
            description: "",
            trust_policy: &big_trust,
            permissions_boundary: None,
            tags: &no_tags(),
        })
        .await;
    assert_kind(result, ErrorKind::LimitExceeded, Action::CreateRole);
    assert_kind(
        c.update_assume_role_policy("r", &big_trust).await,
        ErrorKind::LimitExceeded,
        Action::UpdateAssumeRolePolicy,
    );
}

#[tokio::test]
async fn aws_managed_policies_attach_only_when_known() {
    let c = cloud();
    make_role(&c, "r").await.unwrap();
    for known in [
        "service-role/AWSBatchServiceRole",
        "service-role/AmazonEC2ContainerServiceforEC2Role",
        "AmazonS3ReadOnlyAccess",
        "service-role/AmazonEC2SpotFleetTaggingRole",
        "service-role/AmazonEC2SpotFleetRole",
        "AmazonDynamoDBReadOnlyAccess",
        "AdministratorAccess",
        "ReadOnlyAccess",
        "AmazonSSMManagedInstanceCore",
        "CloudWatchAgentServerPolicy",
    ] {
        c.attach_role_policy("r", &aws(known)).await.unwrap();
    }
    assert_kind(
        c.attach_role_policy("r", &aws("NoSuchPolicyAtAll")).await,
        ErrorKind::NoSuchEntity,
        Action::AttachRolePolicy,
    );
    // The right name at the wrong path is not the policy.
    assert_kind(
        c.attach_role_policy("r", &aws("AWSBatchServiceRole")).await,
        ErrorKind::NoSuchEntity,
        Action::AttachRolePolicy,
    );
    assert_kind(
        c.attach_role_policy("r", "AmazonS3ReadOnlyAccess").await,
        ErrorKind::InvalidInput,
        Action::AttachRolePolicy,
    );

    let info = c
        .get_policy(&aws("service-role/AWSBatchServiceRole"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.name, "AWSBatchServiceRole");
    assert_eq!(info.path, "/service-role/");
    assert_eq!(info.default_version_id, "v1");
    assert!(info.tags.is_empty());
    assert_eq!(c.get_policy(&aws("NoSuchPolicyAtAll")).await.unwrap(), None);
    // Only AWS changes its policies.
    assert_kind(
        c.delete_policy(&aws("ReadOnlyAccess")).await,
        ErrorKind::AccessDenied,
        Action::DeletePolicy,
    );
    c.wait_until_exists(WaitFor::Policy, &aws("ReadOnlyAccess"))
        .await
        .unwrap();
}

#[tokio::test]
async fn names_paths_and_tags_follow_iam_rules() {
    let c = cloud();
    let bad = ErrorKind::InvalidInput;
    let long = "r".repeat(65);
    assert_kind(make_role(&c, &long).await, bad, Action::CreateRole);
    assert_kind(make_role(&c, "has space").await, bad, Action::CreateRole);
    make_role(&c, &"r".repeat(64)).await.unwrap();
    assert_kind(
        make_policy(&c, &"p".repeat(129), "/", &allow("s3:Get")).await,
        bad,
        Action::CreatePolicy,
    );
    assert_kind(
        make_policy(&c, "p", "no-slashes", &allow("s3:Get")).await,
        bad,
        Action::CreatePolicy,
    );
    assert_kind(
        make_policy(&c, "p", "/a b/", &allow("s3:Get")).await,
        bad,
        Action::CreatePolicy,
    );
    assert_kind(
        c.create_instance_profile("ip*", "/", &no_tags()).await,
        bad,
        Action::CreateInstanceProfile,
    );
    assert_kind(
        c.create_instance_profile("ip", "/x", &no_tags()).await,
        bad,
        Action::CreateInstanceProfile,
    );

    let reserved = tags(&[("aws:cloudformation:stack-name", "x")]);
    let result = c
        .create_role(NewRole {
            name: "tagged",
            path: "/",
            description: "",
            trust_policy: &trust("ec2.amazonaws.com"),
            permissions_boundary: None,
            tags: &reserved,
        })
        .await;
    assert_kind(result, bad, Action::CreateRole);
    assert_kind(
        c.tag_role(&"r".repeat(64), &tags(&[("AWS:x", "y")])).await,
        bad,
        Action::TagRole,
    );
    assert_kind(
        c.create_instance_profile("ip", "/", &tags(&[("Team", "a"), ("team", "b")]))
            .await,
        bad,
        Action::CreateInstanceProfile,
    );
    let arn = make_policy(&c, "p", "/", &allow("s3:Get"))
        .await
        .unwrap()
        .arn;
    assert_kind(c.tag_policy(&arn, &reserved).await, bad, Action::TagPolicy);
    assert_kind(
        c.put_role_policy(&"r".repeat(64), "bad name", &allow("s3:Get"))
            .await,
        bad,
        Action::PutRolePolicy,
    );
    assert_eq!(c.get_role("tagged").await.unwrap(), None);
}

#[tokio::test]
async fn tags_merge_and_are_limited_to_fifty() {
    let c = cloud();
    let t = tags(&[("Project", "genomics"), ("Owner", "ana")]);
    c.create_role(NewRole {
        name: "r",
        path: "/",
        description: "",
        trust_policy: &trust("ec2.amazonaws.com"),
        permissions_boundary: None,
        tags: &t,
    })
    .await
    .unwrap();
    c.tag_role("r", &tags(&[("Owner", "bo"), ("Stage", "dev")]))
        .await
        .unwrap();
    assert_eq!(
        c.get_role("r").await.unwrap().unwrap().tags,
        tags(&[("Owner", "bo"), ("Project", "genomics"), ("Stage", "dev")])
    );
    // Keys are one regardless of case: the new spelling replaces the old.
    c.tag_role("r", &tags(&[("project", "other")]))
        .await
        .unwrap();
    assert_eq!(
        c.get_role("r").await.unwrap().unwrap().tags,
        tags(&[("Owner", "bo"), ("Stage", "dev"), ("project", "other")])
    );

    let arn = c
        .create_policy(NewPolicy {
            name: "p",
            path: "/",
            description: "",
            document: &allow("s3:Get"),
            tags: &t,
        })
        .await
        .unwrap()
        .arn;
    c.tag_policy(&arn, &tags(&[("Project", "x")]))
        .await
        .unwrap();
    assert_eq!(
        c.get_policy(&arn).await.unwrap().unwrap().tags,
        tags(&[("Owner", "ana"), ("Project", "x")])
    );

    c.create_instance_profile("ip", "/", &t).await.unwrap();
    c.tag_instance_profile("ip", &tags(&[("Extra", "1")]))
        .await
        .unwrap();
    assert_eq!(
        c.get_instance_profile("ip").await.unwrap().unwrap().tags,
        tags(&[("Extra", "1"), ("Owner", "ana"), ("Project", "genomics")])
    );

    let fifty: Tags = (0..50)
        .map(|i| (format!("k{i:02}"), "v".to_owned()))
        .collect();
    c.tag_instance_profile("ip", &fifty).await.unwrap_err();
    let forty_seven: Tags = (0..47)
        .map(|i| (format!("k{i:02}"), "v".to_owned()))
        .collect();
    c.tag_instance_profile("ip", &forty_seven).await.unwrap();
    assert_eq!(
        c.get_instance_profile("ip")
            .await
            .unwrap()
            .unwrap()
            .tags
            .len(),
        50
    );
    assert_kind(
        c.tag_instance_profile("ip", &tags(&[("one-more", "v")]))
            .await,
        ErrorKind::LimitExceeded,
        Action::TagInstanceProfile,
    );
    // Overwriting an existing key is still fine at fifty.
    c.tag_instance_profile("ip", &tags(&[("k00", "w")]))
        .await
        .unwrap();
    let fifty_one: Tags = (0..51)
        .map(|i| (format!("k{i:02}"), "v".to_owned()))
        .collect();
    assert_kind(
        make_policy_tagged(&c, &fifty_one).await,
        ErrorKind::LimitExceeded,
        Action::CreatePolicy,
    );
}

async fn make_policy_tagged(c: &MemoryCloud, t: &Tags) -> CloudResult<PolicyInfo> {
    c.create_policy(NewPolicy {
        name: "tagged",
        path: "/",
        description: "",
        document: &allow("s3:Get"),
        tags: t,
    })
    .await
}

#[tokio::test]
async fn permissions_boundaries_must_exist() {
    let c = cloud();
    let boundary = make_policy(&c, "lab-boundary", "/", &allow("s3:*"))
        .await
        .unwrap()
        .arn;
    let missing = policy_arn("no-boundary");
    let trust_doc = trust("ec2.amazonaws.com");
    let result = c
        .create_role(NewRole {
            name: "r",
            path: "/",
            description: "",
            trust_policy: &trust_doc,
            permissions_boundary: Some(&missing),
            tags: &no_tags(),
        })
        .await;
    assert_kind(result, ErrorKind::NoSuchEntity, Action::CreateRole);
    let role = c
        .create_role(NewRole {
            name: "r",
            path: "/",
            description: "",
            trust_policy: &trust_doc,
            permissions_boundary: Some(&boundary),
            tags: &no_tags(),
        })
        .await
        .unwrap();
    assert_eq!(
        role.permissions_boundary.as_deref(),
        Some(boundary.as_str())
    );
    assert_eq!(role.description, None);
    assert_kind(
        c.put_role_permissions_boundary("r", &missing).await,
        ErrorKind::NoSuchEntity,
        Action::PutRolePermissionsBoundary,
    );
    c.put_role_permissions_boundary("r", &aws("PowerUserAccess"))
        .await
        .unwrap();
    assert_eq!(
        c.get_role("r").await.unwrap().unwrap().permissions_boundary,
        Some(aws("PowerUserAccess"))
    );
    c.delete_role_permissions_boundary("r").await.unwrap();
    assert_eq!(
        c.get_role("r").await.unwrap().unwrap().permissions_boundary,
        None
    );
}

#[tokio::test]
async fn inline_policies_are_replaced_listed_in_order_and_deleted() {
    let c = cloud();
    make_role(&c, "r").await.unwrap();
    c.put_role_policy("r", "zeta", &allow("s3:GetObject"))
        .await
        .unwrap();
    c.put_role_policy("r", "alpha", &allow("s3:PutObject"))
        .await
        .unwrap();
    c.put_role_policy("r", "zeta", &allow("s3:ListBucket"))
        .await
        .unwrap();
    assert_eq!(c.list_role_policies("r").await.unwrap(), ["alpha", "zeta"]);
    assert_eq!(
        c.get_role_policy("r", "zeta").await.unwrap(),
        allow("s3:ListBucket")
    );
    c.delete_role_policy("r", "alpha").await.unwrap();
    assert_eq!(c.list_role_policies("r").await.unwrap(), ["zeta"]);
    assert_kind(
        c.get_role_policy("r", "alpha").await,
        ErrorKind::NoSuchEntity,
        Action::GetRolePolicy,
    );
}

#[tokio::test]
async fn roles_keep_what_they_were_given() {
    let c = cloud();
    let t = tags(&[("Project", "genomics")]);
    let doc = trust("spotfleet.amazonaws.com");
    let role = c
        .create_role(NewRole {
            name: "AWSSpotFleetTaggingRole",
            path: "/onramp/",
            description: "Spot Fleet tagging",
            trust_policy: &doc,
            permissions_boundary: None,
            tags: &t,
        })
        .await
        .unwrap();
    let expected = RoleInfo {
        arn: format!("arn:aws:iam::{ACCOUNT}:role/onramp/AWSSpotFleetTaggingRole"),
        name: "AWSSpotFleetTaggingRole".into(),
        path: "/onramp/".into(),
        trust_policy: doc,
        description: Some("Spot Fleet tagging".into()),
        permissions_boundary: None,
        tags: t,
    };
    assert_eq!(role, expected);
    assert_eq!(
        c.get_role("AWSSpotFleetTaggingRole").await.unwrap(),
        Some(expected)
    );
    let new_trust = trust("ec2.amazonaws.com");
    c.update_assume_role_policy("AWSSpotFleetTaggingRole", &new_trust)
        .await
        .unwrap();
    assert_eq!(
        c.get_role("awsspotfleettaggingrole")
            .await
            .unwrap()
            .unwrap()
            .trust_policy,
        new_trust
    );
}

#[tokio::test]
async fn waiting_finds_what_exists_and_only_that() {
    let c = cloud();
    assert_kind(
        c.wait_until_exists(WaitFor::Role, "r").await,
        ErrorKind::NoSuchEntity,
        Action::GetRole,
    );
    assert_kind(
        c.wait_until_exists(WaitFor::InstanceProfile, "r").await,
        ErrorKind::NoSuchEntity,
        Action::GetInstanceProfile,
    );
    assert_kind(
        c.wait_until_exists(WaitFor::Policy, &policy_arn("p")).await,
        ErrorKind::NoSuchEntity,
        Action::GetPolicy,
    );
    make_role(&c, "r").await.unwrap();
    c.create_instance_profile("r", "/", &no_tags())
        .await
        .unwrap();
    make_policy(&c, "p", "/", &allow("s3:Get")).await.unwrap();
    c.wait_until_exists(WaitFor::Role, "r").await.unwrap();
    c.wait_until_exists(WaitFor::InstanceProfile, "r")
        .await
        .unwrap();
    c.wait_until_exists(WaitFor::Policy, &policy_arn("p"))
        .await
        .unwrap();
}

#[tokio::test]
async fn service_linked_roles_are_aws_s_to_change() {
    let c = cloud();
    const BATCH: &str = "AWSServiceRoleForBatch";
    let made = c
        .create_service_linked_role("batch.amazonaws.com", "for Batch")
        .await
        .unwrap();
    assert_eq!(
        made.arn,
        format!("arn:aws:iam::{ACCOUNT}:role/aws-service-role/batch.amazonaws.com/{BATCH}")
    );
    assert_eq!(made.path, "/aws-service-role/batch.amazonaws.com/");
    assert_eq!(made.trust_policy, trust("batch.amazonaws.com"));
    assert!(made.tags.is_empty());
    assert_eq!(c.get_role(BATCH).await.unwrap(), Some(made));
    assert_eq!(
        c.list_attached_role_policies(BATCH).await.unwrap(),
        [aws("aws-service-role/BatchServiceRolePolicy")]
    );
    // One per account: a second create is refused, as is any name clash.
    assert_kind(
        c.create_service_linked_role("batch.amazonaws.com", "again")
            .await,
        ErrorKind::AlreadyExists,
        Action::CreateServiceLinkedRole,
    );
    assert_kind(
        c.create_service_linked_role("nothing.amazonaws.com", "")
            .await,
        ErrorKind::InvalidInput,
        Action::CreateServiceLinkedRole,
    );
    // Nobody but AWS changes it.
    assert_kind(
        c.delete_role(BATCH).await,
        ErrorKind::Other,
        Action::DeleteRole,
    );
    assert_kind(
        c.tag_role(BATCH, &tags(&[("a", "b")])).await,
        ErrorKind::Other,
        Action::TagRole,
    );
    assert_kind(
        c.detach_role_policy(BATCH, &aws("aws-service-role/BatchServiceRolePolicy"))
            .await,
        ErrorKind::Other,
        Action::DetachRolePolicy,
    );
    assert_kind(
        c.update_assume_role_policy(BATCH, &trust("ec2.amazonaws.com"))
            .await,
        ErrorKind::Other,
        Action::UpdateAssumeRolePolicy,
    );
    // Only a service-linked role is deleted this way, and not while used.
    make_role(&c, "plain").await.unwrap();
    assert_kind(
        c.delete_service_linked_role("plain").await,
        ErrorKind::InvalidInput,
        Action::DeleteServiceLinkedRole,
    );
    c.use_service_linked_role(BATCH, "compute-environment/ce");
    let used = c.delete_service_linked_role(BATCH).await.unwrap_err();
    assert_eq!(used.kind, ErrorKind::DeleteConflict);
    assert!(used.message.contains("compute-environment/ce"), "{used}");
    let c2 = cloud();
    c2.create_service_linked_role("batch.amazonaws.com", "")
        .await
        .unwrap();
    c2.delete_service_linked_role(BATCH).await.unwrap();
    assert_eq!(c2.get_role(BATCH).await.unwrap(), None);
    assert_kind(
        c2.delete_service_linked_role(BATCH).await,
        ErrorKind::NoSuchEntity,
        Action::DeleteServiceLinkedRole,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_name_make_one_entity() {
    let c = std::sync::Arc::new(cloud());
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                let name = if i % 2 == 0 { "Shared" } else { "SHARED" };
                make_role(&c, name).await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(e) => assert_eq!(e.kind, ErrorKind::AlreadyExists),
        }
    }
    assert_eq!(created, 1);
}

/// Every document the plan writes for the example answers is accepted,
/// and the whole plan can be created in the demo account.
#[tokio::test]
async fn every_example_plan_can_be_created() {
    use crate::answers::{Answers, Environment};
    use crate::apply::{journal::Journal, observe::changes, run::apply};
    use crate::plan::{Spec, plan};

    for example in [
        "everything.toml",
        "genomics.toml",
        "genomics-service-linked.toml",
        "parallelcluster-awsbatch.toml",
        "parallelcluster-slurm.toml",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(example);
        let answers = Answers::from_toml(&std::fs::read_to_string(path).unwrap())
            .unwrap()
            .validate(&Environment::default())
            .unwrap_or_else(|e| panic!("{example}: {e:?}"));
        let plan = plan(&answers).unwrap();
        let c = MemoryCloud::demo();
        make_policy(&c, "lab-boundary", "/", &allow("s3:*"))
            .await
            .unwrap();
        // Created through the apply engine, the way onramp creates them.
        let dir = tempfile::tempdir().unwrap();
        let journal = std::sync::Mutex::new(Journal::open(&dir.path().join("j")).unwrap());
        let changes = changes(&c, &plan).await.unwrap();
        let stop = std::sync::atomic::AtomicBool::new(false);
        apply(&c, &plan, &changes, &journal, &|_| {}, &stop)
            .await
            .unwrap_or_else(|e| panic!("{example}: {e}"));
        for r in &plan.resources {
            match &r.spec {
                Spec::ManagedPolicy { .. } => {
                    let info = c.get_policy(&r.arn).await.unwrap();
                    assert_eq!(info.map(|i| i.arn), Some(r.arn.clone()), "{example}");
                }
                Spec::Role {
                    managed_policy_arns,
                    ..
                } => {
                    let info = c.get_role(&r.name).await.unwrap().unwrap();
                    assert_eq!(info.arn, r.arn, "{example}");
                    let mut attached = c.list_attached_role_policies(&r.name).await.unwrap();
                    let mut planned = managed_policy_arns.clone();
                    attached.sort();
                    planned.sort();
                    assert_eq!(attached, planned, "{example}: {}", r.name);
                }
                Spec::InstanceProfile { roles } => {
                    let info = c.get_instance_profile(&r.name).await.unwrap().unwrap();
                    assert_eq!(info.arn, r.arn, "{example}");
                    assert_eq!(&info.roles, roles, "{example}: {}", r.name);
                }
                Spec::ServiceLinkedRole { service, .. } => {
                    let info = c.get_role(&r.name).await.unwrap().unwrap();
                    assert_eq!(info.arn, r.arn, "{example}");
                    assert_eq!(
                        info.trust_policy["Statement"][0]["Principal"]["Service"],
                        serde_json::json!(service),
                        "{example}"
                    );
                }
            }
        }
        assert!(!plan.resources.is_empty(), "{example}");
    }
}
