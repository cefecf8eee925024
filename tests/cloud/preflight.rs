//! The permission preflight (`SimulatePrincipalPolicy` on the caller)
//! through the SDK backend and the real binary:
//! - against a tiny canned IAM endpoint on 127.0.0.1 (a fake server, not a
//!   mock of the SDK), for what only real IAM answers: the response parsed
//!   through the real wire protocol, pagination, the request's parameters,
//!   and access denied;
//! - against moto, which has no policy simulator (5.2.5 answers HTTP 500
//!   with an HTML page): the check becomes one "could not check" note and
//!   the apply goes on;
//! - moto behind the tests' proxy, which answers `SimulatePrincipalPolicy`
//!   itself with one permission missing: the real binary warns before the
//!   apply, naming it, and goes on;
//! - `apply --demo`, whose caller may do everything: no warning at all.

use std::time::{Duration, Instant};

use onramp::answers::{Answers, Environment};
use onramp::apply::permissions::{Audience, Outcome};
use onramp::apply::preflight::preflight;
use onramp::cloud::{Cloud, ContextEntry, Decision, ErrorKind, SimulationResult};
use onramp::iam::action::Action;
use onramp::plan::Plan;
use onramp_testkit::canned::{canned, sdk_on};
use onramp_testkit::command;
use onramp_testkit::command::{isolated_onramp as onramp, output_text as text};
use onramp_testkit::fault_proxy;
use onramp_testkit::files;
use onramp_testkit::files::example;
use onramp_testkit::moto;

// ------------------------------------------------------- canned endpoint

/// One page of `SimulatePrincipalPolicy`'s answer, as IAM writes it.
fn page(truncated: Option<&str>, members: &str) -> String {
    let marker = truncated.map_or(String::new(), |m| format!("<Marker>{m}</Marker>"));
    format!(
        r#"<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <SimulatePrincipalPolicyResult>
    <IsTruncated>{}</IsTruncated>
    {marker}
    <EvaluationResults>{members}</EvaluationResults>
  </SimulatePrincipalPolicyResult>
  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
</SimulatePrincipalPolicyResponse>"#,
        truncated.is_some()
    )
}

const ROLE_A: &str = "arn:aws:iam::123456789012:role/onramp/a";
const ROLE_B: &str = "arn:aws:iam::123456789012:role/onramp/b";
const RUNNER: &str = "arn:aws:iam::123456789012:user/ops/runner";

/// With `ResourceArns`, each resource's decision is in
/// `ResourceSpecificResults`; the top-level decision sums them up.
fn resource_specific(action: &str, overall: &str, per_resource: &[(&str, &str)]) -> String {
    let specific: String = per_resource
        .iter()
        .map(|(arn, decision)| {
            format!(
                "<member><EvalResourceName>{arn}</EvalResourceName><EvalResourceDecision>{decision}</EvalResourceDecision><MatchedStatements/><MissingContextValues/></member>"
            )
        })
        .collect();
    format!(
        "<member><EvalActionName>{action}</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>{overall}</EvalDecision><MatchedStatements/><MissingContextValues/><ResourceSpecificResults>{specific}</ResourceSpecificResults></member>"
    )
}

#[tokio::test]
async fn simulation_results_are_read_across_pages_resource_by_resource() {
    let first = page(
        Some("page-2"),
        &resource_specific(
            "iam:AttachRolePolicy",
            "implicitDeny",
            &[(ROLE_A, "allowed"), (ROLE_B, "implicitDeny")],
        ),
    );
    // The second page has a result without per-resource detail: its
    // top-level decision is the one on the resource it names.
    let second = page(
        None,
        &format!(
            "<member><EvalActionName>iam:TagRole</EvalActionName><EvalResourceName>{ROLE_A}</EvalResourceName><EvalDecision>explicitDeny</EvalDecision><MatchedStatements/><MissingContextValues><member>aws:RequestTag/team</member></MissingContextValues></member>"
        ),
    );
    let server = canned(vec![(200, first), (200, second)]);
    let cloud = sdk_on(&server.url).await;
    let results = cloud
        .simulate_principal_policy(
            RUNNER,
            &["iam:AttachRolePolicy".into(), "iam:TagRole".into()],
            &[ROLE_A.into(), ROLE_B.into()],
            &[ContextEntry {
                key: "iam:PolicyARN".into(),
                values: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            }],
        )
        .await
        .unwrap();
    let result = |action: &str, resource: &str, decision, missing: &[&str]| SimulationResult {
        action: action.into(),
        resource: resource.into(),
        decision,
        missing_context: missing.iter().map(|m| (*m).to_owned()).collect(),
    };
    assert_eq!(
        results,
        [
            result("iam:AttachRolePolicy", ROLE_A, Decision::Allowed, &[]),
            result("iam:AttachRolePolicy", ROLE_B, Decision::ImplicitDeny, &[]),
            result(
                "iam:TagRole",
                ROLE_A,
                Decision::ExplicitDeny,
                &["aws:RequestTag/team"]
            ),
        ]
    );

    let bodies = server.bodies();
    assert_eq!(bodies.len(), 2, "one request per page: {bodies:#?}");
    let first = &bodies[0];
    for part in [
        "Action=SimulatePrincipalPolicy",
        "PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fops%2Frunner",
        "ActionNames.member.1=iam%3AAttachRolePolicy",
        "ActionNames.member.2=iam%3ATagRole",
        "ResourceArns.member.1=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fonramp%2Fa",
        "ResourceArns.member.2=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fonramp%2Fb",
        "ContextEntries.member.1.ContextKeyName=iam%3APolicyARN",
        "ContextEntries.member.1.ContextKeyValues.member.1=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess",
        "ContextEntries.member.1.ContextKeyType=string",
    ] {
        assert!(first.contains(part), "{part} missing from {first}");
    }
    assert!(!first.contains("Marker="), "{first}");
    assert!(bodies[1].contains("Marker=page-2"), "{}", bodies[1]);
}

#[tokio::test]
async fn without_resources_the_simulation_is_on_any_resource() {
    let server = canned(vec![(
        200,
        page(
            None,
            "<member><EvalActionName>s3:ListAllMyBuckets</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>allowed</EvalDecision><MatchedStatements/><MissingContextValues/></member>",
        ),
    )]);
    let cloud = sdk_on(&server.url).await;
    let results = cloud
        .simulate_principal_policy(RUNNER, &["s3:ListAllMyBuckets".into()], &[], &[])
        .await
        .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].resource, "*");
    assert_eq!(results[0].decision, Decision::Allowed);
    let body = &server.bodies()[0];
    assert!(!body.contains("ResourceArns"), "{body}");
    assert!(!body.contains("ContextEntries"), "{body}");
}

fn genomics_plan() -> Plan {
    let valid = Answers::from_toml(&example("genomics.toml"))
        .unwrap()
        .validate(&Environment::default())
        .unwrap();
    onramp::plan::plan(&valid).unwrap()
}

/// A caller who may not simulate: access denied, said once as the reason,
/// and no error.
#[tokio::test]
async fn a_caller_who_may_not_simulate_gets_could_not_check() {
    let denied = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ops/runner is not authorized to perform: iam:SimulatePrincipalPolicy</Message></Error>
  <RequestId>4c0c8b1a-0000-0000-0000-EXAMPLE</RequestId>
</ErrorResponse>"#;
    let server = canned(vec![(403, denied.to_owned())]);
    let cloud = sdk_on(&server.url).await;
    let e = cloud
        .simulate_principal_policy(RUNNER, &["iam:CreateRole".into()], &[], &[])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::AccessDenied, "{e}");
    assert_eq!(e.action, Action::SimulatePrincipalPolicy);
    assert_eq!(server.bodies().len(), 1, "access denied is not retried");

    let outcome = preflight(&cloud, RUNNER, &genomics_plan(), Audience::Headless).await;
    let Outcome::Unchecked(reason) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        reason.starts_with("SimulatePrincipalPolicy: access denied"),
        "{reason}"
    );
    assert!(
        reason.contains("not authorized to perform: iam:SimulatePrincipalPolicy"),
        "{reason}"
    );
}

/// A simulator that fails in a way the SDK would retry (HTTP 500
/// `ServiceFailure`) is asked once: the preflight only warns, runs beside
/// the apply's first reads, and a retry's back-off would be the apply's
/// longest wait for nothing.
#[tokio::test]
async fn a_failing_simulator_is_asked_once() {
    let failure = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>internal error</Message></Error>
  <RequestId>4c0c8b1a-0000-0000-0000-EXAMPLE</RequestId>
</ErrorResponse>"#;
    let server = canned(vec![(500, failure.to_owned()), (500, failure.to_owned())]);
    let cloud = sdk_on(&server.url).await;
    let e = cloud
        .simulate_principal_policy(RUNNER, &["iam:CreateRole".into()], &[], &[])
        .await
        .unwrap_err();
    assert_eq!(e.action, Action::SimulatePrincipalPolicy);
    assert_eq!(server.bodies().len(), 1, "one try: {e}");
}

// ------------------------------------------------------------------ moto

/// moto has no policy simulator: the SDK backend says so in one short
/// line (not the raw HTML page), after one try.
#[tokio::test]
async fn moto_has_no_simulator_and_the_backend_says_so_briefly() {
    let (cloud, account) = moto::cloud().await;
    let user = moto::iam_client(&account)
        .create_user()
        .user_name("runner")
        .send()
        .await
        .unwrap();
    let arn = user.user().unwrap().arn().to_owned();
    let started = Instant::now();
    let e = cloud
        .simulate_principal_policy(&arn, &["iam:CreateRole".into()], &[], &[])
        .await
        .unwrap_err();
    assert_eq!(e.action, Action::SimulatePrincipalPolicy);
    assert_eq!(e.kind, ErrorKind::Other, "{e}");
    assert_eq!(
        e.message,
        format!(
            "{} answered HTTP 500 without an IAM error: it may have no policy simulator",
            account.endpoint
        )
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}: not the SDK's five tries",
        started.elapsed()
    );

    // The whole preflight as the caller moto gives the tests (an
    // assumed-role session whose role moto never made).
    let me = cloud.identity().await.unwrap();
    assert!(me.arn.contains(":assumed-role/"), "{}", me.arn);
    let outcome = preflight(&cloud, &me.arn, &genomics_plan(), Audience::Headless).await;
    assert_eq!(
        outcome,
        Outcome::Unchecked(format!("SimulatePrincipalPolicy: {}", e.message))
    );
}

// --------------------------------------------------------- the binary

/// The demo's caller may do everything: not a word about permissions.
#[test]
fn demo_apply_passes_the_check_silently() {
    let home = tempfile::tempdir().unwrap();
    let o = onramp(home.path())
        .args(["--demo", "apply", "--yes", "--format", "json"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(err, "", "nothing on stderr");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["result"], "ok");

    let o = onramp(home.path())
        .args(["--demo", "apply"])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(
        err, "onramp: nothing was changed; run again with --yes to make these changes\n",
        "only the usual line"
    );
}

/// On moto the check cannot be made: one note on stderr, and the apply
/// goes on and succeeds; JSON on stdout stays JSON.
#[test]
fn on_moto_apply_notes_that_it_could_not_check_and_goes_on() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    let home = tempfile::tempdir().unwrap();
    let answers = files::answers_for(home.path(), "genomics.toml", &account.account_id);
    let run = |args: &[&str]| {
        command::with_credentials(&mut onramp(home.path()), &account.credentials)
            .args(args)
            .args(["--answers", answers.to_str().unwrap()])
            .args(["--endpoint-url", &account.endpoint])
            .output()
            .unwrap()
    };
    let note = format!(
        "onramp: could not check permissions beforehand (SimulatePrincipalPolicy: {} answered HTTP 500 without an IAM error: it may have no policy simulator); going on\n",
        account.endpoint
    );

    let o = run(&["apply", "--yes", "--format", "json"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert_eq!(err, note, "the note, once, and nothing else");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["result"], "ok");
    assert_eq!(value["arns"].as_array().unwrap().len(), 7);

    // Nothing left to do: no call to check, so no note.
    let o = run(&["apply", "--yes"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("Nothing to do"), "{out}");
    assert_eq!(err, "");

    // `status` never checks.
    let o = run(&["status"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(err, "");
}

/// The permission the simulator behind the proxy says the caller lacks.
const LACKING: &str = "iam:CreateInstanceProfile";

/// A `SimulatePrincipalPolicy` answer to a query-protocol request body:
/// every action asked about is allowed on any resource but [`LACKING`].
fn simulate_lacking_one(body: &str) -> String {
    let members: String = body
        .split('&')
        .filter(|pair| pair.starts_with("ActionNames.member."))
        .filter_map(|pair| pair.split_once('=').map(|(_, v)| v.replace("%3A", ":")))
        .map(|action| {
            let decision = if action == LACKING {
                "implicitDeny"
            } else {
                "allowed"
            };
            format!(
                "<member><EvalActionName>{action}</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>{decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>"
            )
        })
        .collect();
    page(None, &members)
}

/// A caller who lacks a permission the plan needs: before anything changes,
/// `apply` names it and says how to get the policy; it goes on (moto does
/// not enforce it), and stdout is still the result.
#[test]
fn a_missing_permission_is_named_before_a_headless_apply() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    let proxy = fault_proxy::FaultProxy::start(&account.endpoint);
    proxy.answer("SimulatePrincipalPolicy", simulate_lacking_one);
    let home = tempfile::tempdir().unwrap();
    let answers = files::answers_for(home.path(), "genomics.toml", &account.account_id);
    let o = command::with_credentials(&mut onramp(home.path()), &account.credentials)
        .args(["apply", "--yes", "--format", "json"])
        .args(["--answers", answers.to_str().unwrap()])
        .args(["--endpoint-url", proxy.url()])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    let mut lines = err.lines();
    let first = lines.next().unwrap_or_default();
    assert!(
        first.starts_with("onramp: warning: the caller may not be allowed to make 1 of the ")
            && first.ends_with(" calls checked:"),
        "{err}"
    );
    let named = lines.next().unwrap_or_default();
    assert!(named.contains(LACKING), "the permission is named: {err}");
    assert!(
        err.contains(" export --answers ") && err.contains(" --format admin-policy` writes"),
        "says how to get the policy: {err}"
    );
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["result"], "ok");
    let asked = proxy
        .seen()
        .iter()
        .position(|r| r.action == "SimulatePrincipalPolicy");
    let first_change = proxy.seen().iter().position(|r| r.mutating());
    assert!(
        asked.is_some() && asked < first_change,
        "the check comes before the first change: {:?}",
        proxy.seen()
    );
}
