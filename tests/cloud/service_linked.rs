//! AWS Batch's service-linked role, which AWS names and onramp only asks
//! for: the apply waits for the role IAM returned (not the name onramp
//! expected), says so while a wait lasts, and destroy deletes that same
//! role by the ARN the journal recorded.
//!
//! moto (5.2.5) names Batch's role `AWSServiceRoleForbatch` where AWS says
//! `AWSServiceRoleForBatch`; before, the genomics-service-linked example
//! waited a silent minute for the role by AWS's name, failed, and `destroy`
//! left moto's role behind as "already gone", and a second apply planned
//! to create the role again and failed.

// Tests may unwrap: a failed assumption is a failed test.

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use onramp::answers::{Answers, Environment};
use onramp::apply::journal::{self, Journal, Record};
use onramp::apply::run::{self, Event};
use onramp::cloud::memory::MemoryCloud;
use onramp::iam::action::Action;
use onramp::plan::Plan;
use onramp_testkit::command;
use onramp_testkit::command::{isolated_onramp as onramp, output_text as text};
use onramp_testkit::files;
use onramp_testkit::moto;

const BATCH_ROLE: &str = "AWSServiceRoleForBatch";

fn service_linked_plan() -> Plan {
    let valid = Answers::from_toml(&files::example("genomics-service-linked.toml"))
        .unwrap()
        .validate(&Environment::default())
        .unwrap_or_else(|e| panic!("{e}"));
    onramp::plan::plan(&valid).unwrap()
}

/// A wait on IAM that lasts (here 5.5 s for the Batch role to show) is
/// told while it lasts, to the headless printer and the wizard's apply
/// screen alike, and its end too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_wait_for_a_new_role_is_reported_while_it_lasts() {
    let cloud = MemoryCloud::demo();
    cloud.slow_to_show(BATCH_ROLE, Duration::from_millis(5_500));
    let plan = service_linked_plan();
    let changes = onramp::apply::observe::changes(&cloud, &plan)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.jsonl")).unwrap();
    let events = Mutex::new(Vec::new());
    let record = |e: Event| events.lock().unwrap().push(e);
    run::apply(
        &cloud,
        &plan,
        &changes,
        &journal,
        &record,
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    let events = events.into_inner().unwrap();
    let id = plan
        .resources
        .iter()
        .find(|r| r.is_service_linked())
        .unwrap()
        .id();
    let waiting: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::Waiting { .. }))
        .collect();
    assert_eq!(
        waiting,
        [&Event::Waiting {
            id: id.clone(),
            what: format!("service-linked role {BATCH_ROLE} to appear"),
            elapsed_secs: 5,
            limit_secs: 60,
        }],
        "one report after 5 s: {events:?}"
    );
    let told = events
        .iter()
        .position(|e| matches!(e, Event::Waiting { .. }));
    let over = events
        .iter()
        .position(|e| *e == Event::Waited { id: id.clone() });
    assert!(
        told < over,
        "the end of the wait is told after it: {events:?}"
    );

    // The headless printer's line.
    assert_eq!(
        onramp::output::event_line(waiting[0]),
        format!(
            "  \u{2026} waiting for service-linked role {BATCH_ROLE} to appear (5 s of 60 s)\n"
        )
    );
    // The wizard's apply screen: the row shows the wait, then is done.
    let mut screen = onramp::tui::screens::apply::State::default();
    screen.start(&plan, &changes, dir.path().join("j.jsonl"));
    for e in &events[..over.unwrap()] {
        screen.on_event(e.clone());
    }
    let row = |s: &onramp::tui::screens::apply::State| {
        s.rows.iter().find(|r| r.id == id).unwrap().status.clone()
    };
    assert_eq!(
        row(&screen),
        onramp::tui::screens::apply::Status::Running("waiting for AWS")
    );
    screen.on_event(Event::Waited { id: id.clone() });
    assert_eq!(row(&screen), onramp::tui::screens::apply::Status::Done);

    // Short waits, the usual case, say nothing.
    let quiet = MemoryCloud::demo();
    let events = Mutex::new(Vec::new());
    let record = |e: Event| events.lock().unwrap().push(e);
    let journal = Journal::open(&dir.path().join("quiet.jsonl")).unwrap();
    run::apply(
        &quiet,
        &plan,
        &changes,
        &journal,
        &record,
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    assert!(
        !events
            .into_inner()
            .unwrap()
            .iter()
            .any(|e| matches!(e, Event::Waiting { .. } | Event::Waited { .. }))
    );
}

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
