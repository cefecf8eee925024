//! The errors a person's own set-up causes, through the real binary: no
//! credentials, credentials AWS refuses, an endpoint that is down, does not
//! resolve or is not AWS at all, throttling that outlasts the retries, and a
//! permission the caller lacks. Each must be a sentence or two that says
//! what happened and what to do, naming the URL or the action where one is
//! at fault, and never the SDK's debug dump (`ServiceError { … headers … }`
//! or the HTML page an endpoint answered).
//!
//! Every headless command that talks to AWS is checked for the credentials
//! case, and the wizard's welcome screen for the endpoint and credentials
//! cases: all of them show the same `CloudError`.

// Tests may unwrap: a failed assumption is a failed test.

use std::path::Path;
use std::process::Command;

use onramp::apply::journal::{Journal, Record};
use onramp_testkit::canned::{Canned, Request, routed};
use onramp_testkit::command::{isolated_onramp as onramp, output_text as text};
use onramp_testkit::moto;
use onramp_testkit::pty;

const GENOMICS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/genomics.toml");

/// A web server's page, as a wrong `--endpoint-url` answers.
const PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n\
                    <body><h1>Welcome to nginx!</h1></body></html>\n";

/// STS's answer for the caller in the examples' account.
const IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/ops/admin</Arn>
    <UserId>AIDAEXAMPLEEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

/// An AWS query-protocol error answer (STS and IAM write them alike).
fn aws_error(code: &str, message: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>
  <RequestId>4c0c8b1a-0000-0000-0000-EXAMPLE</RequestId>
</ErrorResponse>"#
    )
}

/// Whether a request is STS's `GetCallerIdentity`.
fn is_identity(r: &Request) -> bool {
    r.body.contains("Action=GetCallerIdentity")
}

/// A server that answers who the caller is, and `other` to everything else.
fn identity_then(other: (u16, String)) -> Canned {
    routed(move |r, _| {
        if is_identity(r) {
            (200, "text/xml", IDENTITY.to_owned())
        } else {
            (other.0, "text/xml", other.1.clone())
        }
    })
}

/// The binary with dummy credentials in the environment.
fn with_keys(home: &Path) -> Command {
    let mut cmd = onramp(home);
    cmd.env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_REGION", "us-east-1");
    cmd
}

/// Runs a command that must fail with exit code 1 and returns its stderr,
/// checked to be plain: at most three lines, no debug dump, no HTML.
fn failure(what: &str, cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{what}:\n{out}\n{err}");
    assert_plain(what, &err);
    err
}

/// At most three lines, and nothing of the SDK's dump or a raw answer.
fn assert_plain(what: &str, text: &str) {
    let lines = text.trim_end().lines().count();
    assert!((1..=3).contains(&lines), "{what}: {lines} lines:\n{text}");
    for dump in [
        "{",
        "headers",
        "<html",
        "<!DOCTYPE",
        "ServiceError",
        "ProviderError",
    ] {
        assert!(!text.contains(dump), "{what}: `{dump}` in:\n{text}");
    }
}

/// A journal that records one apply, for `destroy`.
fn journal_of_a_run(dir: &Path) -> String {
    let path = dir.join("run.jsonl");
    Journal::open(&path)
        .unwrap()
        .append_blocking(Record::Run {
            command: "apply".into(),
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            onramp_version: env!("CARGO_PKG_VERSION").into(),
        })
        .unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn no_credentials_is_one_plain_sentence_for_every_command() {
    let home = tempfile::tempdir().unwrap();
    let journal = journal_of_a_run(home.path());
    let commands: [&[&str]; 4] = [
        &["status", "--answers", GENOMICS],
        &[
            "apply",
            "--answers",
            GENOMICS,
            "--yes",
            "--journal",
            "j.jsonl",
        ],
        &["verify", "--answers", GENOMICS],
        &["destroy", "--journal", &journal, "--yes"],
    ];
    for args in commands {
        let err = failure(
            &args.join(" "),
            onramp(home.path())
                .args(args)
                .env("AWS_REGION", "us-east-1"),
        );
        assert!(
            err.starts_with("onramp: no AWS credentials found."),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("aws configure") && err.contains("--demo"),
            "{args:?}: {err}"
        );
    }
}

/// Without `AWS_EC2_METADATA_DISABLED` the default chain ends at the
/// instance metadata service, which on a laptop (or behind a proxy that
/// refuses it) fails with an error the SDK dumped whole, headers included.
#[test]
fn no_credentials_and_a_metadata_service_that_refuses_is_still_plain() {
    let imds = routed(|_, _| (403, "text/plain", "denied destination".to_owned()));
    let home = tempfile::tempdir().unwrap();
    let err = failure(
        "status with IMDS answering 403",
        onramp(home.path())
            .args(["status", "--answers", GENOMICS])
            .env_remove("AWS_EC2_METADATA_DISABLED")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url)
            .env("AWS_REGION", "us-east-1"),
    );
    assert!(
        err.starts_with("onramp: no AWS credentials found."),
        "{err}"
    );
    assert!(!imds.requests().is_empty(), "IMDS was asked");
}

#[test]
fn a_profile_that_does_not_exist_is_named() {
    let home = tempfile::tempdir().unwrap();
    let err = failure(
        "status --profile lab",
        onramp(home.path())
            .args(["status", "--answers", GENOMICS, "--profile", "lab"])
            .env("AWS_REGION", "us-east-1"),
    );
    assert!(err.contains("profile `lab`"), "{err}");
    assert!(err.contains("aws configure list-profiles"), "{err}");
}

#[test]
fn an_endpoint_that_is_not_aws_is_named_with_its_status() {
    for status in [200, 404] {
        let server = routed(move |_, _| (status, "text/html", PAGE.to_owned()));
        let home = tempfile::tempdir().unwrap();
        let err = failure(
            &format!("HTTP {status}"),
            with_keys(home.path())
                .args(["status", "--answers", GENOMICS])
                .args(["--endpoint-url", &server.url]),
        );
        assert!(
            err.contains(&format!(
                "the endpoint {} did not answer like STS (HTTP {status}, an HTML page)",
                server.url
            )),
            "{err}"
        );
        assert!(err.contains("Check --endpoint-url"), "{err}");
    }
}

#[test]
fn a_refused_port_and_an_unknown_host_are_named() {
    let closed = moto::closed_endpoint();
    let unknown = "http://onramp-no-such-host.invalid:8080";
    for (url, why) in [
        (closed.as_str(), "the connection was refused"),
        (
            unknown,
            "the host name onramp-no-such-host.invalid does not resolve",
        ),
    ] {
        let home = tempfile::tempdir().unwrap();
        let err = failure(
            url,
            with_keys(home.path())
                .args(["apply", "--answers", GENOMICS, "--yes"])
                .args(["--endpoint-url", url]),
        );
        assert!(
            err.contains(&format!("could not reach {url}: {why}")),
            "{err}"
        );
        assert!(err.contains("Check --endpoint-url"), "{err}");
    }
}

#[test]
fn credentials_aws_refuses_say_which_problem_and_what_to_do() {
    let cases = [
        (
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            "AWS_ACCESS_KEY_ID",
        ),
        (
            "ExpiredToken",
            "The security token included in the request is expired",
            "have expired",
        ),
        (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            "AWS_SECRET_ACCESS_KEY",
        ),
    ];
    for (code, said, advice) in cases {
        let server = routed(move |_, _| (403, "text/xml", aws_error(code, said)));
        let home = tempfile::tempdir().unwrap();
        let err = failure(
            code,
            with_keys(home.path())
                .args(["status", "--answers", GENOMICS])
                .args(["--endpoint-url", &server.url]),
        );
        assert!(err.contains(code) && err.contains(advice), "{code}: {err}");
        assert!(!err.contains("GetCallerIdentity"), "no API jargon: {err}");
        assert_eq!(server.requests().len(), 1, "{code} is not retried");
    }
}

#[test]
fn access_denied_names_the_action_to_allow() {
    let server = identity_then((
        403,
        aws_error(
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/ops/admin is not authorized to perform: iam:GetPolicy",
        ),
    ));
    let home = tempfile::tempdir().unwrap();
    let err = failure(
        "status, denied",
        with_keys(home.path())
            .args(["status", "--answers", GENOMICS])
            .args(["--endpoint-url", &server.url]),
    );
    assert!(
        err.contains("these credentials may not call iam:Get"),
        "{err}"
    );
    assert!(err.contains("onramp export --format admin-policy"), "{err}");
}

#[test]
fn throttling_that_outlasts_the_retries_says_to_wait() {
    let server = identity_then((400, aws_error("Throttling", "Rate exceeded")));
    let home = tempfile::tempdir().unwrap();
    let err = failure(
        "status, throttled",
        with_keys(home.path())
            .args(["status", "--answers", GENOMICS])
            .args(["--endpoint-url", &server.url]),
    );
    assert!(err.contains("kept throttling"), "{err}");
    assert!(err.contains("Wait a minute and run again"), "{err}");
}

/// The wizard's welcome screen shows the same words, not the dump.
#[test]
fn the_wizard_shows_the_endpoint_problem_plainly() {
    let server = routed(|_, _| (200, "text/html", PAGE.to_owned()));
    let dir = tempfile::tempdir().unwrap();
    let mut t = pty::Onramp::in_dir(dir.path())
        .args(["--endpoint-url", &server.url])
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_REGION", "us-east-1")
        .spawn();
    let screen = t.wait_for("did not answer like STS (HTTP 200, an HTML page)");
    for dump in ["headers", "<html", "ServiceError", "StatusCode"] {
        assert!(!screen.contains(dump), "`{dump}` on the screen:\n{screen}");
    }
    t.send("q");
    t.wait_exit();
}

#[test]
fn the_wizard_shows_missing_credentials_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = pty::Onramp::in_dir(dir.path())
        .env("AWS_REGION", "us-east-1")
        .spawn();
    let screen = t.wait_for("no AWS credentials found");
    assert!(screen.contains("aws configure"), "{screen}");
    assert!(!screen.contains("GetCallerIdentity"), "{screen}");
    t.send("q");
    t.wait_exit();
}
