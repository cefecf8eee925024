//! The two optional reads through the SDK backend and the real binary:
//! the account's IAM quotas (`iam:GetAccountSummary`) and IAM Access
//! Analyzer's `ValidatePolicy`.
//!
//! - against moto, which answers `GetAccountSummary` (with IAM's default
//!   quotas) but has no Access Analyzer (5.2.5 answers HTTP 500 with an
//!   HTML page);
//! - against a tiny canned endpoint on 127.0.0.1 (a fake server, not a mock
//!   of the SDK) for what only AWS answers: Access Analyzer's findings read
//!   through its real wire protocol (restJson1), pages, the request's
//!   parameters, access denied; and an account whose quotas differ from the
//!   defaults;
//! - `plan --demo --validate`, on the in-memory account.

use onramp::cloud::{AnalyzerLevel, Cloud, ErrorKind, PolicyKind, QuotaSource, Quotas};
use onramp::iam::action::Action;
use onramp_testkit::canned::{Answer, Request, routed, sdk_on};
use onramp_testkit::command;
use onramp_testkit::command::{isolated_onramp as onramp, output_text as text};
use onramp_testkit::files::example;
use onramp_testkit::moto;
use serde_json::{Value, json};

// ------------------------------------------------------------------ moto

/// moto's `GetAccountSummary` through aws-sdk-iam: the quotas it reports
/// (IAM's current defaults), read as the account's.
#[tokio::test]
async fn moto_reports_the_accounts_quotas() {
    let (cloud, _) = moto::cloud().await;
    let q = cloud.account_quotas().await.unwrap();
    assert_eq!(q.source, QuotaSource::Account);
    assert_eq!(q.managed_policy_size, 6_144);
    assert_eq!(q.trust_policy_size, 2_048);
    assert_eq!(q.inline_policies_per_role_size, 10_240);
    assert_eq!(q.attached_policies_per_role, 10);
    assert_eq!(q.versions_per_policy, 5);
}

/// moto has no Access Analyzer: the backend says so in one short line,
/// after at most two tries.
#[tokio::test]
async fn moto_has_no_access_analyzer_and_the_backend_says_so_briefly() {
    let (cloud, account) = moto::cloud().await;
    let started = std::time::Instant::now();
    let e = cloud
        .validate_policy(
            r#"{"Version": "2012-10-17", "Statement": []}"#,
            PolicyKind::Identity,
        )
        .await
        .unwrap_err();
    assert_eq!(e.action, Action::ValidatePolicy);
    assert_eq!(
        e.message,
        format!(
            "{} answered HTTP 500 without an error code: it may not offer ValidatePolicy",
            account.endpoint
        )
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

// ------------------------------------------------------- canned endpoint

/// A `ValidatePolicy` answer page, as Access Analyzer writes it.
fn findings_page(findings: Value, next: Option<&str>) -> Answer {
    let mut body = json!({ "findings": findings });
    if let Some(token) = next {
        body["nextToken"] = json!(token);
    }
    (200, "application/json", body.to_string())
}

fn pass_role_finding() -> Value {
    json!({
        "findingDetails": "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive.",
        "findingType": "SECURITY_WARNING",
        "issueCode": "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource",
        "locations": [{
            "path": [{"value": "Statement"}, {"index": 0}, {"value": "Resource"}],
            "span": {"start": {"line": 6, "column": 18, "offset": 120}, "end": {"line": 6, "column": 21, "offset": 123}}
        }]
    })
}

fn suggestion() -> Value {
    json!({
        "findingDetails": "Add a value to the empty array.",
        "findingType": "SUGGESTION",
        "issueCode": "EMPTY_ARRAY_ACTION",
        "learnMoreLink": "",
        "locations": []
    })
}

const ACCESS_DENIED: &str = r#"{"__type": "AccessDeniedException", "message": "User: arn:aws:iam::123456789012:user/ops/runner is not authorized to perform: access-analyzer:ValidatePolicy"}"#;

fn is_analyzer(r: &Request) -> bool {
    r.line.starts_with("POST /policy/validation")
}

#[tokio::test]
async fn findings_are_read_across_pages_with_their_place_in_the_document() {
    let server = routed(|_, n| match n {
        0 => findings_page(json!([pass_role_finding()]), Some("page-2")),
        _ => findings_page(json!([suggestion()]), None),
    });
    let cloud = sdk_on(&server.url).await;
    let document = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}";
    let found = cloud
        .validate_policy(document, PolicyKind::Identity)
        .await
        .unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    let first = &found[0];
    assert_eq!(first.level, AnalyzerLevel::SecurityWarning);
    assert_eq!(first.code, "PASS_ROLE_WITH_STAR_IN_RESOURCE");
    assert!(first.message.starts_with("Using the iam:PassRole action"));
    assert_eq!(first.path.as_deref(), Some("Statement[0].Resource"));
    assert_eq!(first.line, Some(6));
    assert!(
        first
            .learn_more
            .as_deref()
            .unwrap()
            .starts_with("https://docs.aws.amazon.com/")
    );
    let second = &found[1];
    assert_eq!(
        (second.level, second.code.as_str()),
        (AnalyzerLevel::Suggestion, "EMPTY_ARRAY_ACTION")
    );
    assert_eq!(
        (&second.learn_more, &second.path, second.line),
        (&None, &None, None)
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(is_analyzer), "{requests:?}");
    assert!(
        !requests[0].line.contains("nextToken"),
        "{}",
        requests[0].line
    );
    assert!(
        requests[1].line.contains("nextToken=page-2"),
        "{}",
        requests[1].line
    );
    let body: Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(body["policyDocument"], document, "the text as given");
    assert_eq!(body["policyType"], "IDENTITY_POLICY");
    assert!(body.get("validatePolicyResourceType").is_none(), "{body}");
}

#[tokio::test]
async fn a_trust_policy_is_validated_as_a_roles_resource_policy() {
    let server = routed(|_, _| findings_page(json!([]), None));
    let cloud = sdk_on(&server.url).await;
    let found = cloud
        .validate_policy(
            r#"{"Version": "2012-10-17", "Statement": []}"#,
            PolicyKind::Trust,
        )
        .await
        .unwrap();
    assert!(found.is_empty());
    let body: Value = serde_json::from_str(&server.bodies()[0]).unwrap();
    assert_eq!(body["policyType"], "RESOURCE_POLICY");
    assert_eq!(
        body["validatePolicyResourceType"],
        "AWS::IAM::AssumeRolePolicyDocument"
    );
}

#[tokio::test]
async fn a_caller_who_may_not_validate_gets_access_denied_at_once() {
    let server = routed(|_, _| (403, "application/json", ACCESS_DENIED.to_owned()));
    let cloud = sdk_on(&server.url).await;
    let e = cloud
        .validate_policy("{}", PolicyKind::Identity)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.action),
        (ErrorKind::AccessDenied, Action::ValidatePolicy)
    );
    assert!(
        e.message
            .contains("not authorized to perform: access-analyzer:ValidatePolicy"),
        "{e}"
    );
    assert_eq!(server.bodies().len(), 1, "access denied is not retried");
}

/// `GetAccountSummary`'s answer, as IAM writes it.
fn summary(entries: &[(&str, i64)]) -> String {
    let entries: String = entries
        .iter()
        .map(|(k, v)| format!("<entry><key>{k}</key><value>{v}</value></entry>"))
        .collect();
    format!(
        r#"<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetAccountSummaryResult><SummaryMap>{entries}</SummaryMap></GetAccountSummaryResult>
  <ResponseMetadata><RequestId>f1b0b2c6-0000-0000-0000-EXAMPLE</RequestId></ResponseMetadata>
</GetAccountSummaryResponse>"#
    )
}

const IAM_ACCESS_DENIED: &str = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ops/runner is not authorized to perform: iam:GetAccountSummary</Message></Error>
  <RequestId>4c0c8b1a-0000-0000-0000-EXAMPLE</RequestId>
</ErrorResponse>"#;

/// Raised quotas, and keys the SDK's enum may not name (the trust and
/// inline policy sizes), are read; usage counts are not quotas.
#[tokio::test]
async fn an_accounts_raised_quotas_are_read() {
    let server = routed(|_, _| {
        (
            200,
            "text/xml",
            summary(&[
                ("Roles", 41),
                ("PolicySizeQuota", 6_144),
                ("AssumeRolePolicySizeQuota", 4_096),
                ("RolePolicySizeQuota", 10_240),
                ("AttachedPoliciesPerRoleQuota", 20),
                ("VersionsPerPolicyQuota", 5),
            ]),
        )
    });
    let cloud = sdk_on(&server.url).await;
    let q = cloud.account_quotas().await.unwrap();
    assert_eq!(
        q,
        Quotas {
            trust_policy_size: 4_096,
            attached_policies_per_role: 20,
            source: QuotaSource::Account,
            ..Quotas::default()
        }
    );
    assert!(server.bodies()[0].contains("Action=GetAccountSummary"));
}

// ------------------------------------------------------------ the binary

/// The answers file for `plan` against `url`: the account is given, so
/// the only calls are the quotas and Access Analyzer.
fn answers(home: &std::path::Path) -> std::path::PathBuf {
    let path = home.join("answers.toml");
    std::fs::write(&path, example("genomics.toml")).unwrap();
    path
}

fn plan_against(url: &str, home: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let credentials = aws_sdk_iam::config::Credentials::new(
        "testing",
        "testing",
        Some("token".into()),
        None,
        "t",
    );
    command::with_credentials(&mut onramp(home), &credentials)
        .args(["plan", "--answers", answers(home).to_str().unwrap()])
        .args(["--endpoint-url", url])
        .args(extra)
        .output()
        .unwrap()
}

/// An account with a lower managed policy size quota and no Access
/// Analyzer for this caller: `plan --validate` checks against the lower
/// quota, names it, and says once that Access Analyzer cannot be asked,
/// having asked once.
#[test]
fn plan_checks_the_accounts_quota_and_says_once_that_the_analyzer_is_denied() {
    let server = routed(|r, _| {
        if is_analyzer(r) {
            (403, "application/json", ACCESS_DENIED.to_owned())
        } else {
            (200, "text/xml", summary(&[("PolicySizeQuota", 200)]))
        }
    });
    let home = tempfile::tempdir().unwrap();
    let o = plan_against(&server.url, home.path(), &["--validate"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "a lint error:\n{out}{err}");
    assert!(
        out.contains("error [policy-size] s3bucket-access-us-east-1: the document is "),
        "{out}"
    );
    assert!(
        out.contains("characters without whitespace; this account's quota for a managed policy is 200 (GetAccountSummary)"),
        "{out}"
    );
    assert_eq!(
        err,
        "onramp: Access Analyzer: not available (AccessDenied); onramp's own checks only\n"
    );
    let asked = server.requests().iter().filter(|r| is_analyzer(r)).count();
    assert_eq!(asked, 1, "asked once, never again per document");
    assert!(!out.contains("Access Analyzer (ValidatePolicy)"), "{out}");
}

/// A caller who may not read the quotas: IAM's defaults, said once; and
/// Access Analyzer's findings printed per document.
#[test]
fn plan_falls_back_to_the_default_quotas_and_prints_the_analyzers_findings() {
    let server = routed(|r, _| {
        if is_analyzer(r) {
            findings_page(json!([pass_role_finding()]), None)
        } else {
            (403, "text/xml", IAM_ACCESS_DENIED.to_owned())
        }
    });
    let home = tempfile::tempdir().unwrap();
    let o = plan_against(&server.url, home.path(), &["--validate"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert_eq!(
        err,
        "onramp: could not read this account's IAM quotas (AccessDenied); checked against IAM's default quotas\n"
    );
    let documents = server.requests().iter().filter(|r| is_analyzer(r)).count();
    assert!(documents > 5, "{documents}");
    assert!(
        out.contains(&format!(
            "Access Analyzer (ValidatePolicy): {documents} findings in {documents} documents\n"
        )),
        "{out}"
    );
    assert!(
        out.contains("  role ecsInstanceRole (trust policy): 1 finding\n    security warning [PASS_ROLE_WITH_STAR_IN_RESOURCE] at Statement[0].Resource: Using the iam:PassRole action"),
        "{out}"
    );

    // As JSON, beside the plan.
    let o = plan_against(
        &server.url,
        home.path(),
        &["--validate", "--format", "json"],
    );
    let (out, _) = text(&o);
    let value: Value = serde_json::from_str(&out).unwrap();
    let analyzed = value["access_analyzer"].as_array().unwrap();
    assert_eq!(analyzed.len(), documents);
    assert_eq!(
        analyzed[0]["findings"][0]["level"], "security_warning",
        "{out}"
    );
    assert_eq!(analyzed[0]["findings"][0]["line"], 6);
}

/// Without --validate and with the account given, `plan` reads nothing:
/// IAM's default quotas, and no note.
#[test]
fn plan_without_validate_stays_offline() {
    let server = routed(|_, _| (500, "text/plain", "no".to_owned()));
    let home = tempfile::tempdir().unwrap();
    let o = plan_against(&server.url, home.path(), &[]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert_eq!(err, "");
    assert!(server.requests().is_empty());
}

/// The demo's account reads its quotas and has an Access Analyzer that
/// finds nothing.
#[test]
fn plan_on_the_demo_validates_every_document() {
    let home = tempfile::tempdir().unwrap();
    let o = onramp(home.path())
        .args(["--demo", "plan", "--validate"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert_eq!(err, "");
    assert!(
        out.contains("\nAccess Analyzer (ValidatePolicy): 0 findings in "),
        "{out}"
    );
    assert!(
        out.contains("  role ecsInstanceRole (trust policy): no findings\n"),
        "{out}"
    );
}
