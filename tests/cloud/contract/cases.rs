//! The cases: each a scenario written once against `&dyn Cloud`, recording
//! every call with what it must give.

use onramp::cloud::{
    Cloud, CloudResult, ErrorKind, NewPolicy, NewRole, PolicyInfo, RoleInfo, Tags,
};
use onramp::iam::arn::Arn;
use onramp::iam::limits;
use serde_json::{Value, json};

use super::harness::Script;
use ErrorKind::{
    AlreadyExists, DeleteConflict, InvalidInput, LimitExceeded, MalformedPolicy, NoSuchEntity,
};

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
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

fn aws(path_and_name: &str) -> String {
    Arn::aws_managed_policy("aws", path_and_name).to_string()
}

async fn make_policy(
    c: &dyn Cloud,
    name: &str,
    path: &str,
    document: &Value,
) -> CloudResult<PolicyInfo> {
    c.create_policy(NewPolicy {
        name,
        path,
        description: "",
        document,
        tags: &Tags::new(),
    })
    .await
}

async fn make_role(c: &dyn Cloud, name: &str) -> CloudResult<RoleInfo> {
    make_role_with(c, name, &trust("ec2.amazonaws.com"), None, &Tags::new()).await
}

async fn make_role_with(
    c: &dyn Cloud,
    name: &str,
    trust_policy: &Value,
    permissions_boundary: Option<&str>,
    tags: &Tags,
) -> CloudResult<RoleInfo> {
    c.create_role(NewRole {
        name,
        path: "/",
        description: "a role",
        trust_policy,
        permissions_boundary,
        tags,
    })
    .await
}

pub async fn policies_return_what_was_stored(c: &dyn Cloud, mut s: Script) -> Script {
    let doc = json!({"Version": "2012-10-17", "Statement": {"Sid": "One", "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}}}});
    let t = tags(&[("Project", "genomics")]);
    let arn = s.policy_arn("/onramp/", "s3bucket-access-us-east-1");
    let expected = json!({"arn": arn, "name": "s3bucket-access-us-east-1",
        "path": "/onramp/", "default_version_id": "v1", "tags": t});
    let created = c
        .create_policy(NewPolicy {
            name: "s3bucket-access-us-east-1",
            path: "/onramp/",
            description: "bucket access",
            document: &doc,
            tags: &t,
        })
        .await;
    s.is("create_policy", expected.clone(), created);
    s.is("get_policy", expected, c.get_policy(&arn).await);
    s.is(
        "get_policy_version v1",
        doc,
        c.get_policy_version(&arn, "v1").await,
    );
    s.is(
        "list_policy_versions",
        json!([["v1", true]]),
        c.list_policy_versions(&arn).await,
    );
    s
}

pub async fn policy_names_are_unique_per_account_across_paths_and_case(
    c: &dyn Cloud,
    mut s: Script,
) -> Script {
    let doc = allow("ec2:DescribeTags");
    s.ok(
        "create",
        make_policy(c, "ebs-autoscale-policy", "/", &doc).await,
    );
    s.err(
        "create in other case",
        AlreadyExists,
        make_policy(c, "EBS-Autoscale-Policy", "/", &doc).await,
    );
    s.err(
        "create at other path",
        AlreadyExists,
        make_policy(c, "ebs-autoscale-policy", "/other/", &doc).await,
    );
    // The ARN with another path names no policy.
    let other = s.policy_arn("/other/", "ebs-autoscale-policy");
    s.is(
        "get_policy at other path",
        Value::Null,
        c.get_policy(&other).await,
    );
    s
}

pub async fn role_names_are_unique_regardless_of_case(c: &dyn Cloud, mut s: Script) -> Script {
    let arn = Arn::role("aws", &s.account, "/", "ecsInstanceRole").to_string();
    let created = make_role(c, "ecsInstanceRole")
        .await
        .map(|r| json!([r.name, r.arn]));
    s.is("create_role", json!(["ecsInstanceRole", arn]), created);
    s.err(
        "create in other case",
        AlreadyExists,
        make_role(c, "ECSINSTANCEROLE").await,
    );
    let found = c
        .get_role("ecsinstancerole")
        .await
        .map(|r| r.map(|r| json!([r.name, r.arn])));
    s.is(
        "get_role in other case",
        json!(["ecsInstanceRole", arn]),
        found,
    );
    s
}

pub async fn instance_profile_names_are_unique_regardless_of_case(
    c: &dyn Cloud,
    mut s: Script,
) -> Script {
    let arn = Arn::instance_profile("aws", &s.account, "/x/", "ecsInstanceRole").to_string();
    let expected = json!({"arn": arn, "name": "ecsInstanceRole", "path": "/x/",
        "roles": [], "tags": {}});
    let made = c
        .create_instance_profile("ecsInstanceRole", "/x/", &Tags::new())
        .await;
    s.is("create_instance_profile", expected.clone(), made);
    s.err(
        "create in other case",
        AlreadyExists,
        c.create_instance_profile("ECSInstanceRole", "/", &Tags::new())
            .await,
    );
    s.is(
        "get_instance_profile in other case",
        expected,
        c.get_instance_profile("ecsinstancerole").await,
    );
    s
}

pub async fn a_sixth_version_exceeds_the_limit(c: &dyn Cloud, mut s: Script) -> Script {
    let arn = s.policy_arn("/", "p");
    s.ok(
        "create",
        make_policy(c, "p", "/", &allow("s3:GetObject")).await,
    );
    for n in 2..=5 {
        let made = c
            .create_policy_version(&arn, &allow(&format!("s3:Get{n}")), false)
            .await;
        s.is(&format!("version {n}"), json!(format!("v{n}")), made);
    }
    let sixth = c.create_policy_version(&arn, &allow("s3:Get6"), true).await;
    if let Err(e) = &sixth {
        assert!(e.message.contains("up to 5 versions"), "{e}");
    }
    s.err("version 6", LimitExceeded, sixth);
    // Nothing changed: still v1 by default, five versions.
    let default = c
        .get_policy(&arn)
        .await
        .map(|p| p.map(|p| p.default_version_id));
    s.is("default version", json!("v1"), default);
    let count = c.list_policy_versions(&arn).await.map(|v| json!(v.len()));
    s.is("version count", json!(5), count);
    s
}

pub async fn version_numbers_follow_creation_and_are_never_reused(
    c: &dyn Cloud,
    mut s: Script,
) -> Script {
    let arn = s.policy_arn("/", "p");
    s.ok("create", make_policy(c, "p", "/", &allow("s3:Get1")).await);
    let v2 = c.create_policy_version(&arn, &allow("s3:Get2"), true).await;
    s.is("v2 as default", json!("v2"), v2);
    let v3 = c
        .create_policy_version(&arn, &allow("s3:Get3"), false)
        .await;
    s.is("v3", json!("v3"), v3);
    let default = c
        .get_policy(&arn)
        .await
        .map(|p| p.map(|p| p.default_version_id));
    s.is("default is v2", json!("v2"), default);
    s.ok("delete v3", c.delete_policy_version(&arn, "v3").await);
    s.ok("delete v1", c.delete_policy_version(&arn, "v1").await);
    let v4 = c
        .create_policy_version(&arn, &allow("s3:Get4"), false)
        .await;
    s.is("v4, not v3 again", json!("v4"), v4);
    s.is(
        "list",
        json!([["v2", true], ["v4", false]]),
        c.list_policy_versions(&arn).await,
    );
    s.is(
        "get v4",
        allow("s3:Get4"),
        c.get_policy_version(&arn, "v4").await,
    );
    s.err(
        "get deleted v3",
        NoSuchEntity,
        c.get_policy_version(&arn, "v3").await,
    );
    s.err(
        "get `3`",
        InvalidInput,
        c.get_policy_version(&arn, "3").await,
    );
    s.ok(
        "set default v4",
        c.set_default_policy_version(&arn, "v4").await,
    );
    let default = c
        .get_policy(&arn)
        .await
        .map(|p| p.map(|p| p.default_version_id));
    s.is("default is v4", json!("v4"), default);
    s.err(
        "set default to deleted v1",
        NoSuchEntity,
        c.set_default_policy_version(&arn, "v1").await,
    );
    s.err(
        "delete deleted v1",
        NoSuchEntity,
        c.delete_policy_version(&arn, "v1").await,
    );
    s
}

pub async fn the_default_version_cannot_be_deleted(c: &dyn Cloud, mut s: Script) -> Script {
    let arn = s.policy_arn("/", "p");
    s.ok("create", make_policy(c, "p", "/", &allow("s3:Get1")).await);
    s.err(
        "delete v1",
        DeleteConflict,
        c.delete_policy_version(&arn, "v1").await,
    );
    let v2 = c.create_policy_version(&arn, &allow("s3:Get2"), true).await;
    s.ok("v2 as default", v2);
    s.err(
        "delete v2",
        DeleteConflict,
        c.delete_policy_version(&arn, "v2").await,
    );
    s.ok("delete v1", c.delete_policy_version(&arn, "v1").await);
    s
}

pub async fn an_eleventh_attached_policy_exceeds_the_limit(c: &dyn Cloud, mut s: Script) -> Script {
    s.ok("create role", make_role(c, "r").await);
    let mut arns = Vec::new();
    for n in 0..11 {
        let name = format!("p{n:02}");
        s.ok(
            &format!("create {name}"),
            make_policy(c, &name, "/", &allow("s3:GetObject")).await,
        );
        arns.push(s.policy_arn("/", &name));
    }
    for arn in &arns[..10] {
        s.ok("attach one of ten", c.attach_role_policy("r", arn).await);
    }
    // Attaching one that is already attached changes nothing and is fine.
    s.ok("attach again", c.attach_role_policy("r", &arns[0]).await);
    s.err(
        "attach 11th",
        LimitExceeded,
        c.attach_role_policy("r", &arns[10]).await,
    );
    s.err(
        "attach AWS managed as 11th",
        LimitExceeded,
        c.attach_role_policy("r", &aws("ReadOnlyAccess")).await,
    );
    s.is(
        "list",
        json!(arns[..10]),
        c.list_attached_role_policies("r").await,
    );
    s.ok("detach one", c.detach_role_policy("r", &arns[3]).await);
    s.ok(
        "attach 11th now",
        c.attach_role_policy("r", &arns[10]).await,
    );
    let count = c
        .list_attached_role_policies("r")
        .await
        .map(|l| json!(l.len()));
    s.is("count", json!(10), count);
    s
}

pub async fn an_instance_profile_holds_one_role(c: &dyn Cloud, mut s: Script) -> Script {
    s.ok("create a", make_role(c, "a").await);
    s.ok("create b", make_role(c, "b").await);
    s.ok(
        "create profile",
        c.create_instance_profile("ip", "/", &Tags::new()).await,
    );
    s.ok("add a", c.add_role_to_instance_profile("ip", "a").await);
    s.err(
        "add b",
        LimitExceeded,
        c.add_role_to_instance_profile("ip", "b").await,
    );
    s.err(
        "add a again",
        LimitExceeded,
        c.add_role_to_instance_profile("ip", "a").await,
    );
    let roles = c
        .get_instance_profile("ip")
        .await
        .map(|p| p.map(|p| p.roles));
    s.is("holds a", json!(["a"]), roles);
    s.err(
        "remove b, not in it",
        NoSuchEntity,
        c.remove_role_from_instance_profile("ip", "b").await,
    );
    s.ok(
        "remove a",
        c.remove_role_from_instance_profile("ip", "a").await,
    );
    s.ok("add b", c.add_role_to_instance_profile("ip", "b").await);
    let roles = c
        .get_instance_profile("ip")
        .await
        .map(|p| p.map(|p| p.roles));
    s.is("holds b", json!(["b"]), roles);
    s
}

pub async fn a_policy_in_use_or_with_versions_cannot_be_deleted(
    c: &dyn Cloud,
    mut s: Script,
) -> Script {
    let arn = s.policy_arn("/", "p");
    s.ok("create role", make_role(c, "r").await);
    s.ok(
        "create policy",
        make_policy(c, "p", "/", &allow("s3:Get1")).await,
    );
    s.ok("attach", c.attach_role_policy("r", &arn).await);
    s.err(
        "delete attached",
        DeleteConflict,
        c.delete_policy(&arn).await,
    );
    s.ok("detach", c.detach_role_policy("r", &arn).await);
    let v2 = c.create_policy_version(&arn, &allow("s3:Get2"), true).await;
    s.ok("v2", v2);
    s.err(
        "delete with two versions",
        DeleteConflict,
        c.delete_policy(&arn).await,
    );
    s.ok("delete v1", c.delete_policy_version(&arn, "v1").await);
    s.ok("delete", c.delete_policy(&arn).await);
    s.is("get deleted", Value::Null, c.get_policy(&arn).await);
    s.err("delete again", NoSuchEntity, c.delete_policy(&arn).await);
    // The name is free again.
    s.ok(
        "create in other case",
        make_policy(c, "P", "/", &allow("s3:Get1")).await,
    );
    s
}

pub async fn a_role_that_still_holds_something_cannot_be_deleted(
    c: &dyn Cloud,
    mut s: Script,
) -> Script {
    let s3 = aws("AmazonS3ReadOnlyAccess");
    s.ok("create role", make_role(c, "r").await);
    s.ok("attach", c.attach_role_policy("r", &s3).await);
    s.err(
        "delete with a policy attached",
        DeleteConflict,
        c.delete_role("r").await,
    );
    s.ok("detach", c.detach_role_policy("r", &s3).await);
    s.ok(
        "put inline",
        c.put_role_policy("r", "inline", &allow("s3:GetObject"))
            .await,
    );
    s.err(
        "delete with an inline policy",
        DeleteConflict,
        c.delete_role("r").await,
    );
    s.ok("delete inline", c.delete_role_policy("r", "inline").await);
    s.ok(
        "create profile",
        c.create_instance_profile("r", "/", &Tags::new()).await,
    );
    s.ok(
        "add to profile",
        c.add_role_to_instance_profile("r", "r").await,
    );
    s.err(
        "delete while in a profile",
        DeleteConflict,
        c.delete_role("r").await,
    );
    s.ok(
        "remove from profile",
        c.remove_role_from_instance_profile("r", "r").await,
    );
    s.ok("delete in other case", c.delete_role("R").await);
    s.is("get deleted", Value::Null, c.get_role("r").await);
    s.err("delete again", NoSuchEntity, c.delete_role("r").await);
    s
}

pub async fn an_instance_profile_that_holds_a_role_cannot_be_deleted(
    c: &dyn Cloud,
    mut s: Script,
) -> Script {
    s.ok("create role", make_role(c, "r").await);
    s.ok(
        "create profile",
        c.create_instance_profile("ip", "/", &Tags::new()).await,
    );
    s.ok("add", c.add_role_to_instance_profile("ip", "r").await);
    s.err(
        "delete holding a role",
        DeleteConflict,
        c.delete_instance_profile("ip").await,
    );
    s.ok(
        "remove",
        c.remove_role_from_instance_profile("ip", "r").await,
    );
    s.ok("delete", c.delete_instance_profile("ip").await);
    s.is(
        "get deleted",
        Value::Null,
        c.get_instance_profile("ip").await,
    );
    s.err(
        "delete again",
        NoSuchEntity,
        c.delete_instance_profile("ip").await,
    );
    s
}

pub async fn reads_of_missing_entities_are_none_and_other_calls_fail(
    c: &dyn Cloud,
    mut s: Script,
) -> Script {
    let arn = s.policy_arn("/", "missing");
    let t = tags(&[("a", "b")]);
    let no = NoSuchEntity;
    s.is("get_role", Value::Null, c.get_role("missing").await);
    s.is("get_policy", Value::Null, c.get_policy(&arn).await);
    s.is(
        "get_instance_profile",
        Value::Null,
        c.get_instance_profile("missing").await,
    );
    // Another account's policy is not visible either.
    let elsewhere = Arn::policy("aws", "210987654321", "/", "x").to_string();
    s.is(
        "get_policy of another account",
        Value::Null,
        c.get_policy(&elsewhere).await,
    );

    s.err(
        "get_policy_version",
        no,
        c.get_policy_version(&arn, "v1").await,
    );
    s.err(
        "list_policy_versions",
        no,
        c.list_policy_versions(&arn).await,
    );
    let made = c.create_policy_version(&arn, &allow("s3:Get"), true).await;
    s.err("create_policy_version", no, made);
    s.err(
        "set_default_policy_version",
        no,
        c.set_default_policy_version(&arn, "v1").await,
    );
    s.err(
        "delete_policy_version",
        no,
        c.delete_policy_version(&arn, "v1").await,
    );
    s.err("tag_policy", no, c.tag_policy(&arn, &t).await);
    let keys = ["a".to_owned()];
    s.err("untag_policy", no, c.untag_policy(&arn, &keys).await);
    s.err("delete_policy", no, c.delete_policy(&arn).await);

    let ec2 = trust("ec2.amazonaws.com");
    s.err(
        "update_assume_role_policy",
        no,
        c.update_assume_role_policy("missing", &ec2).await,
    );
    let boundary = c
        .put_role_permissions_boundary("missing", &aws("ReadOnlyAccess"))
        .await;
    s.err("put_role_permissions_boundary", no, boundary);
    let deleted = c.delete_role_permissions_boundary("missing").await;
    s.err("delete_role_permissions_boundary", no, deleted);
    s.err("tag_role", no, c.tag_role("missing", &t).await);
    s.err("untag_role", no, c.untag_role("missing", &keys).await);
    s.err(
        "update_role_description",
        no,
        c.update_role_description("missing", "d").await,
    );
    s.err(
        "list_attached_role_policies",
        no,
        c.list_attached_role_policies("missing").await,
    );
    let read_only = aws("ReadOnlyAccess");
    s.err(
        "attach_role_policy",
        no,
        c.attach_role_policy("missing", &read_only).await,
    );
    s.err(
        "detach_role_policy",
        no,
        c.detach_role_policy("missing", &read_only).await,
    );
    s.err(
        "list_role_policies",
        no,
        c.list_role_policies("missing").await,
    );
    s.err(
        "get_role_policy",
        no,
        c.get_role_policy("missing", "p").await,
    );
    let put = c.put_role_policy("missing", "p", &allow("s3:Get")).await;
    s.err("put_role_policy", no, put);
    s.err(
        "delete_role_policy",
        no,
        c.delete_role_policy("missing", "p").await,
    );
    s.err("delete_role", no, c.delete_role("missing").await);

    s.err(
        "tag_instance_profile",
        no,
        c.tag_instance_profile("missing", &t).await,
    );
    s.err(
        "untag_instance_profile",
        no,
        c.untag_instance_profile("missing", &keys).await,
    );
    s.err(
        "delete_instance_profile",
        no,
        c.delete_instance_profile("missing").await,
    );
    s.ok("create role", make_role(c, "r").await);
    s.ok(
        "create profile",
        c.create_instance_profile("ip", "/", &Tags::new()).await,
    );
    let added = c.add_role_to_instance_profile("missing", "r").await;
    s.err("add to a missing profile", no, added);
    let added = c.add_role_to_instance_profile("ip", "missing").await;
    s.err("add a missing role", no, added);
    let removed = c.remove_role_from_instance_profile("missing", "r").await;
    s.err("remove from a missing profile", no, removed);
    let removed = c.remove_role_from_instance_profile("ip", "r").await;
    s.err("remove a role not in it", no, removed);

    // Customer policies attach only when they exist.
    s.err(
        "attach a missing policy",
        no,
        c.attach_role_policy("r", &arn).await,
    );
    s.err(
        "get a missing inline policy",
        no,
        c.get_role_policy("r", "p").await,
    );
    s.err(
        "delete a missing inline policy",
        no,
        c.delete_role_policy("r", "p").await,
    );
    s
}

pub async fn detaching_a_policy_that_is_not_attached_fails(c: &dyn Cloud, mut s: Script) -> Script {
    let arn = s.policy_arn("/", "p");
    s.ok("create role", make_role(c, "r").await);
    s.ok(
        "create policy",
        make_policy(c, "p", "/", &allow("s3:GetObject")).await,
    );
    s.err(
        "detach customer",
        NoSuchEntity,
        c.detach_role_policy("r", &arn).await,
    );
    let read_only = aws("ReadOnlyAccess");
    s.err(
        "detach AWS managed",
        NoSuchEntity,
        c.detach_role_policy("r", &read_only).await,
    );
    s.ok("attach", c.attach_role_policy("r", &arn).await);
    s.ok("detach", c.detach_role_policy("r", &arn).await);
    s.is("list", json!([]), c.list_attached_role_policies("r").await);
    s
}

pub async fn malformed_documents_are_rejected(c: &dyn Cloud, mut s: Script) -> Script {
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
    s.ok("create role", make_role(c, "r").await);
    for (i, doc) in bad_identity.iter().enumerate() {
        let made = make_policy(c, &format!("p{i}"), "/", doc).await;
        s.err(&format!("create_policy bad[{i}]"), MalformedPolicy, made);
        let put = c.put_role_policy("r", &format!("p{i}"), doc).await;
        s.err(&format!("put_role_policy bad[{i}]"), MalformedPolicy, put);
    }
    let arn = s.policy_arn("/", "p");
    s.ok(
        "create policy",
        make_policy(c, "p", "/", &allow("s3:GetObject")).await,
    );
    for (i, doc) in bad_identity.iter().enumerate() {
        let made = c.create_policy_version(&arn, doc, true).await;
        s.err(
            &format!("create_policy_version bad[{i}]"),
            MalformedPolicy,
            made,
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
    for (i, doc) in bad_trust.iter().enumerate() {
        let made = make_role_with(c, &format!("t{i}"), doc, None, &Tags::new()).await;
        s.err(
            &format!("create_role bad trust[{i}]"),
            MalformedPolicy,
            made,
        );
        let updated = c.update_assume_role_policy("r", doc).await;
        s.err(
            &format!("update_assume_role_policy bad trust[{i}]"),
            MalformedPolicy,
            updated,
        );
    }
    // Nothing was stored by the failed calls.
    for i in 0..bad_trust.len() {
        let name = format!("t{i}");
        s.is(
            &format!("get failed role {name}"),
            Value::Null,
            c.get_role(&name).await,
        );
    }
    let kept = c.get_role("r").await.map(|r| r.map(|r| r.trust_policy));
    s.is("trust policy kept", trust("ec2.amazonaws.com"), kept);
    s.is(
        "no inline policy",
        json!([]),
        c.list_role_policies("r").await,
    );
    let count = c.list_policy_versions(&arn).await.map(|v| json!(v.len()));
    s.is("one version", json!(1), count);

    // Accepted shapes: one statement object, Deny, NotAction, several principals.
    let fine = json!({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:aws:iam::123456789012:role/x"}});
    s.ok(
        "put Deny NotAction NotResource",
        c.put_role_policy("r", "fine", &fine).await,
    );
    let root = Arn::new("aws", "iam", "", &s.account, "root").to_string();
    let many = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"], "AWS": root},
        "Action": ["sts:AssumeRole", "sts:TagSession"]}]});
    s.ok(
        "update to several principals",
        c.update_assume_role_policy("r", &many).await,
    );
    let stored = c.get_role("r").await.map(|r| r.map(|r| r.trust_policy));
    s.is("stored as given", many, stored);
    s
}

pub async fn oversized_documents_exceed_the_limits(c: &dyn Cloud, mut s: Script) -> Script {
    let actions = |n: usize, len: usize| -> Value {
        let list: Vec<String> = (0..n).map(|i| format!("s3:{i:0len$}")).collect();
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list, "Resource": "*"}]})
    };
    // Over a managed policy's 6,144 characters, under a role's 10,240
    // for all its inline policies.
    let big = actions(200, 40);
    assert!(limits::policy_size(&big) > limits::MANAGED_POLICY_SIZE);
    assert!(limits::policy_size(&big) < limits::INLINE_POLICIES_PER_ROLE_SIZE);
    s.err(
        "create big",
        LimitExceeded,
        make_policy(c, "big", "/", &big).await,
    );
    let arn = s.policy_arn("/", "small");
    s.ok(
        "create small",
        make_policy(c, "small", "/", &allow("s3:GetObject")).await,
    );
    s.err(
        "big version",
        LimitExceeded,
        c.create_policy_version(&arn, &big, true).await,
    );

    // Inline policies count together: 10,240 for all of a role's.
    s.ok("create role", make_role(c, "r").await);
    s.ok("put one big", c.put_role_policy("r", "one", &big).await);
    s.err(
        "put two big",
        LimitExceeded,
        c.put_role_policy("r", "two", &big).await,
    );
    // Replacing one is measured without its old document.
    s.ok(
        "replace the big one",
        c.put_role_policy("r", "one", &big).await,
    );

    let services: Vec<String> = (0..100)
        .map(|i| format!("service{i:03}.amazonaws.com"))
        .collect();
    let big_trust = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}
    ]});
    assert!(limits::policy_size(&big_trust) > limits::TRUST_POLICY_SIZE);
    let made = make_role_with(c, "big", &big_trust, None, &Tags::new()).await;
    s.err("create role with big trust", LimitExceeded, made);
    let updated = c.update_assume_role_policy("r", &big_trust).await;
    s.err("update to big trust", LimitExceeded, updated);
    s
}

pub async fn aws_managed_policies_attach_only_when_known(c: &dyn Cloud, mut s: Script) -> Script {
    s.ok("create role", make_role(c, "r").await);
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
        s.ok(
            &format!("attach {known}"),
            c.attach_role_policy("r", &aws(known)).await,
        );
    }
    let unknown = aws("NoSuchPolicyAtAll");
    s.err(
        "attach unknown",
        NoSuchEntity,
        c.attach_role_policy("r", &unknown).await,
    );
    // The right name at the wrong path is not the policy.
    let wrong_path = aws("AWSBatchServiceRole");
    s.err(
        "attach at wrong path",
        NoSuchEntity,
        c.attach_role_policy("r", &wrong_path).await,
    );
    let not_arn = c.attach_role_policy("r", "AmazonS3ReadOnlyAccess").await;
    s.err("attach a name, not an ARN", InvalidInput, not_arn);

    let batch = c.get_policy(&aws("service-role/AWSBatchServiceRole")).await;
    let batch =
        batch.map(|p| p.map(|p| json!([p.name, p.path, p.default_version_id, p.tags.is_empty()])));
    s.is(
        "get AWS managed",
        json!(["AWSBatchServiceRole", "/service-role/", "v1", true]),
        batch,
    );
    s.is("get unknown", Value::Null, c.get_policy(&unknown).await);
    // Only AWS changes its policies.
    let deleted = c.delete_policy(&aws("ReadOnlyAccess")).await;
    s.err("delete AWS managed", ErrorKind::AccessDenied, deleted);
    s
}

pub async fn names_paths_and_tags_follow_iam_rules(c: &dyn Cloud, mut s: Script) -> Script {
    let bad = InvalidInput;
    let get = allow("s3:Get");
    let none = Tags::new();
    s.err("role name of 65", bad, make_role(c, &"r".repeat(65)).await);
    s.err(
        "role name with a space",
        bad,
        make_role(c, "has space").await,
    );
    s.ok("role name of 64", make_role(c, &"r".repeat(64)).await);
    s.err(
        "policy name of 129",
        bad,
        make_policy(c, &"p".repeat(129), "/", &get).await,
    );
    s.err(
        "path without slashes",
        bad,
        make_policy(c, "p", "no-slashes", &get).await,
    );
    s.err(
        "path with a space",
        bad,
        make_policy(c, "p", "/a b/", &get).await,
    );
    s.err(
        "profile name with *",
        bad,
        c.create_instance_profile("ip*", "/", &none).await,
    );
    s.err(
        "profile path /x",
        bad,
        c.create_instance_profile("ip", "/x", &none).await,
    );

    let reserved = tags(&[("aws:cloudformation:stack-name", "x")]);
    let made = make_role_with(c, "tagged", &trust("ec2.amazonaws.com"), None, &reserved).await;
    s.err("role with aws: tag", bad, made);
    let tagged = c.tag_role(&"r".repeat(64), &tags(&[("AWS:x", "y")])).await;
    s.err("tag role with AWS: tag", bad, tagged);
    let twice = tags(&[("Team", "a"), ("team", "b")]);
    s.err(
        "profile with a key twice",
        bad,
        c.create_instance_profile("ip2", "/", &twice).await,
    );
    let arn = s.policy_arn("/", "p");
    s.ok("create policy", make_policy(c, "p", "/", &get).await);
    s.err(
        "tag policy with aws: tag",
        bad,
        c.tag_policy(&arn, &reserved).await,
    );
    let put = c.put_role_policy(&"r".repeat(64), "bad name", &get).await;
    s.err("inline policy name with a space", bad, put);
    s.is("no role made", Value::Null, c.get_role("tagged").await);
    s
}

pub async fn tags_merge_and_are_limited_to_fifty(c: &dyn Cloud, mut s: Script) -> Script {
    let t = tags(&[("Project", "genomics"), ("Owner", "ana")]);
    s.ok(
        "create role",
        make_role_with(c, "r", &trust("ec2.amazonaws.com"), None, &t).await,
    );
    s.ok(
        "tag role",
        c.tag_role("r", &tags(&[("Owner", "bo"), ("Stage", "dev")]))
            .await,
    );
    let role_tags = c.get_role("r").await.map(|r| r.map(|r| json!(r.tags)));
    s.is(
        "merged",
        json!({"Owner": "bo", "Project": "genomics", "Stage": "dev"}),
        role_tags,
    );
    // Keys are one regardless of case: the new spelling replaces the old.
    s.ok(
        "tag in other case",
        c.tag_role("r", &tags(&[("project", "other")])).await,
    );
    let role_tags = c.get_role("r").await.map(|r| r.map(|r| json!(r.tags)));
    s.is(
        "replaced",
        json!({"Owner": "bo", "Stage": "dev", "project": "other"}),
        role_tags,
    );

    let arn = s.policy_arn("/", "p");
    let made = c
        .create_policy(NewPolicy {
            name: "p",
            path: "/",
            description: "",
            document: &allow("s3:Get"),
            tags: &t,
        })
        .await;
    s.ok("create tagged policy", made);
    s.ok(
        "tag policy",
        c.tag_policy(&arn, &tags(&[("Project", "x")])).await,
    );
    let policy_tags = c.get_policy(&arn).await.map(|p| p.map(|p| json!(p.tags)));
    s.is(
        "policy tags",
        json!({"Owner": "ana", "Project": "x"}),
        policy_tags,
    );

    s.ok(
        "create tagged profile",
        c.create_instance_profile("ip", "/", &t).await,
    );
    s.ok(
        "tag profile",
        c.tag_instance_profile("ip", &tags(&[("Extra", "1")])).await,
    );
    let profile_tags = c
        .get_instance_profile("ip")
        .await
        .map(|p| p.map(|p| json!(p.tags)));
    s.is(
        "profile tags",
        json!({"Extra": "1", "Owner": "ana", "Project": "genomics"}),
        profile_tags,
    );
    let numbered = |n: usize| -> Tags {
        (0..n)
            .map(|i| (format!("k{i:02}"), "v".to_owned()))
            .collect()
    };
    s.err(
        "fifty more",
        LimitExceeded,
        c.tag_instance_profile("ip", &numbered(50)).await,
    );
    s.ok(
        "forty-seven more",
        c.tag_instance_profile("ip", &numbered(47)).await,
    );
    let count = c
        .get_instance_profile("ip")
        .await
        .map(|p| p.map(|p| json!(p.tags.len())));
    s.is("fifty", json!(50), count);
    let one_more = c
        .tag_instance_profile("ip", &tags(&[("one-more", "v")]))
        .await;
    s.err("fifty-first", LimitExceeded, one_more);
    // Overwriting an existing key is still fine at fifty.
    s.ok(
        "overwrite at fifty",
        c.tag_instance_profile("ip", &tags(&[("k00", "w")])).await,
    );
    let made = c
        .create_policy(NewPolicy {
            name: "tagged",
            path: "/",
            description: "",
            document: &allow("s3:Get"),
            tags: &numbered(51),
        })
        .await;
    s.err("policy with fifty-one", LimitExceeded, made);
    s
}

/// Untagging takes off the keys named, in any case, and nothing else; a key
/// that is not there is no error. Keys are checked as tagging checks them,
/// and one call names at most fifty.
pub async fn untagging_takes_off_only_the_keys_named(c: &dyn Cloud, mut s: Script) -> Script {
    let t = tags(&[("Project", "genomics"), ("Owner", "ana"), ("Stage", "dev")]);
    let keys = |names: &[&str]| -> Vec<String> { names.iter().map(|k| (*k).to_owned()).collect() };
    let owner_and_absent = keys(&["Owner", "Absent"]);
    let numbered: Vec<String> = (0..51).map(|i| format!("k{i:02}")).collect();

    s.ok(
        "create role",
        make_role_with(c, "r", &trust("ec2.amazonaws.com"), None, &t).await,
    );
    s.ok("untag role", c.untag_role("r", &owner_and_absent).await);
    let role_tags = || async { c.get_role("r").await.map(|r| r.map(|r| json!(r.tags))) };
    s.is(
        "role tags",
        json!({"Project": "genomics", "Stage": "dev"}),
        role_tags().await,
    );
    s.ok(
        "untag role in other case",
        c.untag_role("r", &keys(&["stage"])).await,
    );
    s.is(
        "role tags after",
        json!({"Project": "genomics"}),
        role_tags().await,
    );
    s.ok("untag role of nothing", c.untag_role("r", &[]).await);
    let bad = c.untag_role("r", &keys(&["bad*key"])).await;
    s.err("untag role with a bad key", InvalidInput, bad);
    let many = c.untag_role("r", &numbered).await;
    s.err("untag role of fifty-one", InvalidInput, many);
    s.is(
        "role tags kept",
        json!({"Project": "genomics"}),
        role_tags().await,
    );

    let arn = s.policy_arn("/", "p");
    let made = c
        .create_policy(NewPolicy {
            name: "p",
            path: "/",
            description: "",
            document: &allow("s3:Get"),
            tags: &t,
        })
        .await;
    s.ok("create policy", made);
    s.ok(
        "untag policy",
        c.untag_policy(&arn, &owner_and_absent).await,
    );
    let untagged = c.untag_policy(&arn, &keys(&["stage"])).await;
    s.ok("untag policy in other case", untagged);
    let policy_tags = c.get_policy(&arn).await.map(|p| p.map(|p| json!(p.tags)));
    s.is("policy tags", json!({"Project": "genomics"}), policy_tags);
    let bad = c.untag_policy(&arn, &keys(&["bad*key"])).await;
    s.err("untag policy with a bad key", InvalidInput, bad);
    let many = c.untag_policy(&arn, &numbered).await;
    s.err("untag policy of fifty-one", InvalidInput, many);

    s.ok(
        "create profile",
        c.create_instance_profile("ip", "/", &t).await,
    );
    let untagged = c.untag_instance_profile("ip", &owner_and_absent).await;
    s.ok("untag profile", untagged);
    let profile_tags = || async {
        c.get_instance_profile("ip")
            .await
            .map(|p| p.map(|p| json!(p.tags)))
    };
    s.is(
        "profile tags",
        json!({"Project": "genomics", "Stage": "dev"}),
        profile_tags().await,
    );
    let untagged = c.untag_instance_profile("ip", &keys(&["stage"])).await;
    s.ok("untag profile in other case", untagged);
    s.is(
        "profile tags after",
        json!({"Project": "genomics"}),
        profile_tags().await,
    );
    let bad = c.untag_instance_profile("ip", &keys(&["bad*key"])).await;
    s.err("untag profile with a bad key", InvalidInput, bad);
    s
}

/// `UpdateRole` sets a role's description and `""` clears it: a cleared
/// description, like one never given, reads as none.
pub async fn role_descriptions_are_updated_and_cleared(c: &dyn Cloud, mut s: Script) -> Script {
    let description = || async { c.get_role("r").await.map(|r| r.map(|r| r.description)) };
    let made = c
        .create_role(NewRole {
            name: "r",
            path: "/",
            description: "",
            trust_policy: &trust("ec2.amazonaws.com"),
            permissions_boundary: None,
            tags: &Tags::new(),
        })
        .await
        .map(|r| r.description);
    s.is("created without a description", Value::Null, made);
    s.is("none", Value::Null, description().await);
    s.ok("describe", c.update_role_description("r", "first").await);
    s.is("first", json!("first"), description().await);
    s.ok("redescribe", c.update_role_description("r", "second").await);
    s.is("second", json!("second"), description().await);
    s.ok("clear", c.update_role_description("r", "").await);
    s.is("cleared", Value::Null, description().await);
    s.ok(
        "describe again",
        c.update_role_description("r", "third").await,
    );
    let longest = "d".repeat(1_000);
    s.ok(
        "describe with 1,000",
        c.update_role_description("r", &longest).await,
    );
    s.is("1,000 kept", json!(longest), description().await);
    let too_long = c.update_role_description("r", &"d".repeat(1_001)).await;
    s.err("describe with 1,001", InvalidInput, too_long);
    let snowman = c.update_role_description("r", "a \u{2603}").await;
    s.err("describe with a snowman", InvalidInput, snowman);
    s.is("still 1,000", json!(longest), description().await);
    s
}

pub async fn permissions_boundaries_must_exist(c: &dyn Cloud, mut s: Script) -> Script {
    let boundary = s.policy_arn("/", "lab-boundary");
    let missing = s.policy_arn("/", "no-boundary");
    let ec2 = trust("ec2.amazonaws.com");
    let none = Tags::new();
    let new_role = |permissions_boundary| NewRole {
        name: "r",
        path: "/",
        description: "",
        trust_policy: &ec2,
        permissions_boundary,
        tags: &none,
    };
    s.ok(
        "create boundary",
        make_policy(c, "lab-boundary", "/", &allow("s3:*")).await,
    );
    s.err(
        "role with a missing boundary",
        NoSuchEntity,
        c.create_role(new_role(Some(&missing))).await,
    );
    let role = c.create_role(new_role(Some(&boundary))).await;
    let kept = role.map(|r| json!([r.permissions_boundary, r.description]));
    s.is("role with a boundary", json!([boundary, null]), kept);
    let put = c.put_role_permissions_boundary("r", &missing).await;
    s.err("put a missing boundary", NoSuchEntity, put);
    let power = aws("PowerUserAccess");
    s.ok(
        "put an AWS managed boundary",
        c.put_role_permissions_boundary("r", &power).await,
    );
    let now = c
        .get_role("r")
        .await
        .map(|r| r.map(|r| json!(r.permissions_boundary)));
    s.is("boundary is AWS managed", json!(power), now);
    s.ok(
        "delete boundary",
        c.delete_role_permissions_boundary("r").await,
    );
    let now = c
        .get_role("r")
        .await
        .map(|r| r.map(|r| json!(r.permissions_boundary)));
    s.is("no boundary", Value::Null, now);
    s
}

pub async fn inline_policies_are_replaced_listed_in_order_and_deleted(
    c: &dyn Cloud,
    mut s: Script,
) -> Script {
    s.ok("create role", make_role(c, "r").await);
    s.ok(
        "put zeta",
        c.put_role_policy("r", "zeta", &allow("s3:GetObject")).await,
    );
    s.ok(
        "put alpha",
        c.put_role_policy("r", "alpha", &allow("s3:PutObject"))
            .await,
    );
    s.ok(
        "replace zeta",
        c.put_role_policy("r", "zeta", &allow("s3:ListBucket"))
            .await,
    );
    s.is(
        "list",
        json!(["alpha", "zeta"]),
        c.list_role_policies("r").await,
    );
    s.is(
        "get zeta",
        allow("s3:ListBucket"),
        c.get_role_policy("r", "zeta").await,
    );
    s.ok("delete alpha", c.delete_role_policy("r", "alpha").await);
    s.is(
        "list after delete",
        json!(["zeta"]),
        c.list_role_policies("r").await,
    );
    s.err(
        "get deleted",
        NoSuchEntity,
        c.get_role_policy("r", "alpha").await,
    );
    s
}

pub async fn roles_keep_what_they_were_given(c: &dyn Cloud, mut s: Script) -> Script {
    let t = tags(&[("Project", "genomics")]);
    let doc = trust("spotfleet.amazonaws.com");
    let arn = Arn::role("aws", &s.account, "/onramp/", "AWSSpotFleetTaggingRole").to_string();
    let expected = json!({"arn": arn, "name": "AWSSpotFleetTaggingRole", "path": "/onramp/",
        "trust_policy": doc, "description": "Spot Fleet tagging",
        "permissions_boundary": null, "tags": t});
    let made = c
        .create_role(NewRole {
            name: "AWSSpotFleetTaggingRole",
            path: "/onramp/",
            description: "Spot Fleet tagging",
            trust_policy: &doc,
            permissions_boundary: None,
            tags: &t,
        })
        .await;
    s.is("create_role", expected.clone(), made);
    s.is(
        "get_role",
        expected,
        c.get_role("AWSSpotFleetTaggingRole").await,
    );
    let new_trust = trust("ec2.amazonaws.com");
    let updated = c
        .update_assume_role_policy("AWSSpotFleetTaggingRole", &new_trust)
        .await;
    s.ok("update trust", updated);
    let now = c
        .get_role("awsspotfleettaggingrole")
        .await
        .map(|r| r.map(|r| r.trust_policy));
    s.is("new trust, found in other case", new_trust, now);
    s
}

/// Auto Scaling's: moto names Batch's service-linked role otherwise (see
/// `sdk_moto.rs`); Batch's is a unit test of the memory cloud.
pub async fn service_linked_roles_are_aws_s_to_change(c: &dyn Cloud, mut s: Script) -> Script {
    const NAME: &str = "AWSServiceRoleForAutoScaling";
    const SERVICE: &str = "autoscaling.amazonaws.com";
    let path = format!("/aws-service-role/{SERVICE}/");
    let arn = Arn::role("aws", &s.account, &path, NAME).to_string();
    let made = c
        .create_service_linked_role(SERVICE, "for Auto Scaling")
        .await;
    let shape = made.map(|r| json!([r.arn, r.path, r.tags]));
    s.is("create", json!([arn, path, {}]), shape);
    let found = c
        .get_role(NAME)
        .await
        .map(|r| r.map(|r| json!([r.name, r.trust_policy])));
    s.is("get", json!([NAME, trust(SERVICE)]), found);
    s.is(
        "attached",
        json!([aws("aws-service-role/AutoScalingServiceRolePolicy")]),
        c.list_attached_role_policies(NAME).await,
    );
    // One per account.
    let again = c.create_service_linked_role(SERVICE, "again").await;
    s.err("create again", AlreadyExists, again);
    let unknown = c
        .create_service_linked_role("nothing.amazonaws.com", "")
        .await;
    s.err("create for an unknown service", InvalidInput, unknown);
    // Anyone may change its description, nothing else.
    let described = c.update_role_description(NAME, "scaling").await;
    s.ok("update its description", described);
    let description = c.get_role(NAME).await.map(|r| r.map(|r| r.description));
    s.is("new description", json!("scaling"), description);
    let untagged = c.untag_role(NAME, &["a".to_owned()]).await;
    s.err("untag it", ErrorKind::Other, untagged);
    // Nobody but AWS changes it.
    s.err("delete_role", ErrorKind::Other, c.delete_role(NAME).await);
    s.err(
        "tag_role",
        ErrorKind::Other,
        c.tag_role(NAME, &tags(&[("a", "b")])).await,
    );
    let policy = aws("aws-service-role/AutoScalingServiceRolePolicy");
    s.err(
        "detach its policy",
        ErrorKind::Other,
        c.detach_role_policy(NAME, &policy).await,
    );
    let ec2 = trust("ec2.amazonaws.com");
    s.err(
        "update its trust",
        ErrorKind::Other,
        c.update_assume_role_policy(NAME, &ec2).await,
    );
    // Only a service-linked role is deleted this way.
    s.ok("create plain role", make_role(c, "plain").await);
    let plain = c.delete_service_linked_role("plain").await;
    s.err("delete a plain role as service-linked", InvalidInput, plain);
    s.ok("delete", c.delete_service_linked_role(NAME).await);
    s.is("get deleted", Value::Null, c.get_role(NAME).await);
    s.err(
        "delete again",
        NoSuchEntity,
        c.delete_service_linked_role(NAME).await,
    );
    s
}
