//! AWS Batch's service-linked role, which AWS names and onramp only asks
//! for: the apply records the role IAM returned (not the name onramp
//! expected), and destroy deletes that same role by the ARN the journal
//! recorded.
//!
//! moto (5.2.5) names Batch's role `AWSServiceRoleForbatch` where AWS says
//! `AWSServiceRoleForBatch`; before, the genomics-service-linked example
//! waited a silent minute for the role by AWS's name, failed, and `destroy`
//! left moto's role behind as "already gone", and a second apply planned
//! to create the role again and failed.

// Tests may unwrap: a failed assumption is a failed test.

use std::time::{Duration, Instant};

use onramp::apply::journal::{self, Record};
use onramp::iam::action::Action;
use onramp_testkit::command;
use onramp_testkit::command::{isolated_onramp as onramp, output_text as text};
use onramp_testkit::files;
use onramp_testkit::moto;

const BATCH_ROLE: &str = "AWSServiceRoleForBatch";

/// The example through the real binary on moto: the apply ends promptly
/// (no minute-long wait for a role moto named otherwise), the journal and
/// the report hold the ARN IAM returned, a second apply and `status` find
/// the role and change nothing, and destroy leaves no Batch role behind.
#[test]
fn the_service_linked_example_applies_and_destroys_on_moto() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    let home = tempfile::tempdir().unwrap();
    let answers = files::answers_for(
        home.path(),
        "genomics-service-linked.toml",
        &account.account_id,
    );
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
    let (a, j) = (answers.to_str().unwrap(), journal.to_str().unwrap());

    let started = Instant::now();
    let (code, out, err) = run(&[
        "apply",
        "--answers",
        a,
        "--yes",
        "--journal",
        j,
        "--format",
        "json",
    ]);
    let took = started.elapsed();
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(took < Duration::from_secs(30), "the apply took {took:?}");

    let iam = moto::iam_client(&account);
    let batch_roles = || {
        runtime.block_on(async {
            iam.list_roles()
                .path_prefix("/aws-service-role/batch.amazonaws.com/")
                .send()
                .await
                .unwrap()
                .roles()
                .iter()
                .map(|r| (r.role_name().to_owned(), r.arn().to_owned()))
                .collect::<Vec<_>>()
        })
    };
    let made = batch_roles();
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(made[0].0.eq_ignore_ascii_case(BATCH_ROLE), "{made:?}");
    let recorded: Vec<Option<String>> = journal::read(&journal)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.record {
            Record::Done { call, arn } if call.action == Action::CreateServiceLinkedRole => {
                Some(arn)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        recorded,
        [Some(made[0].1.clone())],
        "the journal holds the ARN IAM returned"
    );

    // The report lists the ARN IAM returned, not the planned one.
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let reported: Vec<&serde_json::Value> = report["arns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == BATCH_ROLE)
        .map(|e| &e["arn"])
        .collect();
    assert_eq!(reported, [&serde_json::json!(made[0].1)], "{out}");

    // Run again, everything is there: nothing to do, whatever moto named
    // the role (before, the second run planned to create it again and
    // failed on "already exists").
    let (code, out, err) = run(&["apply", "--answers", a, "--yes", "--journal", j]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("0 to create, 0 to update"), "{out}");
    assert!(
        out.contains(&format!("unchanged role {BATCH_ROLE}")),
        "{out}"
    );
    assert_eq!(batch_roles(), made);
    let (code, out, err) = run(&["status", "--answers", a]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(&format!("unchanged role {BATCH_ROLE}")),
        "{out}"
    );
    assert!(out.contains("0 to create, 0 to update"), "{out}");

    let (code, out, err) = run(&["destroy", "--journal", j, "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(&format!("service-linked role {BATCH_ROLE}")),
        "{out}"
    );
    assert_eq!(batch_roles(), [], "no Batch role is left: {out}");
}
