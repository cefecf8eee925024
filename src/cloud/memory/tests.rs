//! Unit tests of what only the in-memory account can answer: what tests
//! set up (`deny`, quotas, Access Analyzer findings, a service-linked role
//! in use), the policy simulator, the demo account, another partition,
//! concurrency and the example plans. Everything IAM answers is a case of
//! the contract suite (`tests/cloud/contract/`), run here and on moto.

use super::*;
use crate::cloud::{CloudResult, Decision, ErrorKind};
use crate::iam::limits;
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

fn aws(path_and_name: &str) -> String {
    Arn::aws_managed_policy("aws", path_and_name).to_string()
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

/// Batch's service-linked role, which moto names otherwise, and one in use,
/// which moto does not model. The rest of what service-linked roles do is
/// the contract case `service_linked_roles_are_aws_s_to_change`.
#[tokio::test]
async fn batch_s_service_linked_role_and_one_in_use() {
    let c = cloud();
    const BATCH: &str = "AWSServiceRoleForBatch";
    let made = c
        .create_service_linked_role("batch.amazonaws.com", "for Batch")
        .await
        .unwrap();
    assert_eq!(
        made.arn,
        Arn::role(
            "aws",
            ACCOUNT,
            "/aws-service-role/batch.amazonaws.com/",
            BATCH
        )
        .to_string()
    );
    assert_eq!(made.path, "/aws-service-role/batch.amazonaws.com/");
    assert_eq!(made.trust_policy, trust("batch.amazonaws.com"));
    assert!(made.tags.is_empty());
    assert_eq!(c.get_role(BATCH).await.unwrap(), Some(made));
    assert_eq!(
        c.list_attached_role_policies(BATCH).await.unwrap(),
        [aws("aws-service-role/BatchServiceRolePolicy")]
    );
    assert_kind(
        c.create_service_linked_role("batch.amazonaws.com", "again")
            .await,
        ErrorKind::AlreadyExists,
        Action::CreateServiceLinkedRole,
    );
    assert_kind(
        c.delete_role(BATCH).await,
        ErrorKind::Other,
        Action::DeleteRole,
    );
    // Not while used.
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

/// What a restore on destroy calls (untagging, a role's description) meets
/// an entity IAM does not show yet as every other call that uses it does:
/// `NoSuchEntity`, naming the call, until IAM shows it.
#[tokio::test]
async fn untagging_and_describing_wait_for_an_unseen_entity() {
    let c = cloud();
    let arn = Arn::policy("aws", ACCOUNT, "/", "p").to_string();
    c.unseen_for("r", 2);
    c.unseen_for(&arn, 1);
    c.unseen_for("ip", 1);
    let tagged: Tags = [("Team".to_owned(), "a".to_owned())].into();
    let keys = ["Team".to_owned()];
    c.create_role(NewRole {
        name: "r",
        path: "/",
        description: "before",
        trust_policy: &trust("ec2.amazonaws.com"),
        permissions_boundary: None,
        tags: &tagged,
    })
    .await
    .unwrap();
    c.create_policy(NewPolicy {
        name: "p",
        path: "/",
        description: "",
        document: &allow("s3:GetObject"),
        tags: &tagged,
    })
    .await
    .unwrap();
    c.create_instance_profile("ip", "/", &tagged).await.unwrap();

    let no = ErrorKind::NoSuchEntity;
    assert_kind(c.untag_role("r", &keys).await, no, Action::UntagRole);
    assert_kind(
        c.update_role_description("r", "after").await,
        no,
        Action::UpdateRole,
    );
    assert_kind(c.untag_policy(&arn, &keys).await, no, Action::UntagPolicy);
    assert_kind(
        c.untag_instance_profile("ip", &keys).await,
        no,
        Action::UntagInstanceProfile,
    );

    c.untag_role("r", &keys).await.unwrap();
    c.update_role_description("r", "after").await.unwrap();
    c.untag_policy(&arn, &keys).await.unwrap();
    c.untag_instance_profile("ip", &keys).await.unwrap();
    let role = c.get_role("r").await.unwrap().unwrap();
    assert_eq!(
        (role.tags, role.description.as_deref()),
        (no_tags(), Some("after"))
    );
    let policy = c.get_policy(&arn).await.unwrap().unwrap();
    assert_eq!(policy.tags, no_tags());
    let profile = c.get_instance_profile("ip").await.unwrap().unwrap();
    assert_eq!(profile.tags, no_tags());
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
