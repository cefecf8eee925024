//! IAM's eventual consistency without polling: a call that needs an entity
//! this run created and meets `NoSuchEntity` is tried again, with short
//! pauses, under one journal intent; a wait that lasts is told while it
//! lasts. The in-memory account makes new entities late on request
//! (`unseen_for`: the first N calls that use one; `slow_to_show`: for a
//! while after its create).

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use onramp::apply::diff::{State, Step};
use onramp::apply::journal::{Journal, Record};
use onramp::apply::observe;
use onramp::apply::run::{self, Event};
use onramp::cloud::counting::CountingCloud;
use onramp::iam::action::Action;
use onramp::plan::{Plan, Spec};

use crate::example::{account, everything, role_with_attachments};

async fn apply(
    cloud: &dyn onramp::cloud::Cloud,
    plan: &Plan,
    journal: &Journal,
) -> (Result<run::Report, run::ApplyError>, Vec<Event>) {
    let changes = observe::changes(cloud, plan).await.unwrap();
    let events = Mutex::new(Vec::new());
    let record = |e: Event| events.lock().unwrap().push(e);
    let result = run::apply(
        cloud,
        plan,
        &changes,
        journal,
        &record,
        &AtomicBool::new(false),
    )
    .await;
    (result, events.into_inner().unwrap())
}

/// NoSuchEntity on the first 1, 2 and 3 calls that use a new role: each
/// is tried again until IAM shows the role; the journal holds one intent
/// and one result per call, the account ends as planned, and the only
/// extra requests are the refused tries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_meets_a_new_entity_unseen_is_tried_again_under_one_intent() {
    let plan = everything();
    let role = role_with_attachments(&plan);
    for unseen in 1..=3 {
        let baseline = CountingCloud::new(account().await);
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("base.jsonl")).unwrap();
        let (result, _) = apply(&baseline, &plan, &journal).await;
        result.unwrap();

        let cloud = CountingCloud::new(account().await);
        cloud.inner().unseen_for(&role.name, unseen);
        let journal = Journal::open(&dir.path().join("j.jsonl")).unwrap();
        let (result, events) = apply(&cloud, &plan, &journal).await;
        let report = result.unwrap_or_else(|e| panic!("{unseen} unseen: {e}"));
        assert!(report.created.contains(&role.id()));
        assert!(
            !events.iter().any(|e| matches!(e, Event::Failed { .. })),
            "{events:?}"
        );

        // The refused tries are the only extra requests.
        let (with, without) = (cloud.calls(), baseline.calls());
        let extra: usize = with
            .iter()
            .map(|(action, n)| n - without.get(action).copied().unwrap_or(0))
            .sum();
        assert_eq!(extra, unseen as usize, "{with:?} against {without:?}");
        assert_eq!(
            cloud.mutating_calls(),
            baseline.mutating_calls() + unseen as usize
        );

        // One intent and one result per call, none failed.
        let entries = journal.entries();
        let mut intents = Vec::new();
        let mut results = Vec::new();
        for e in &entries {
            match &e.record {
                Record::Intent(call) => intents.push(call.clone()),
                Record::Done { call, .. } => results.push(call.clone()),
                Record::Failed { call, error } => panic!("{call:?} failed: {error}"),
                Record::Run { .. } => {}
                other => panic!("no adoption or restore expected here: {other:?}"),
            }
        }
        intents.sort_by_key(|c| format!("{c:?}"));
        results.sort_by_key(|c| format!("{c:?}"));
        assert_eq!(intents, results);
        assert_eq!(intents.len(), baseline.mutating_calls());

        // Everything as planned.
        let after = observe::changes(cloud.inner(), &plan).await.unwrap();
        assert!(
            after.iter().all(|c| c.state == State::Unchanged),
            "{after:?}"
        );
    }
}

/// A wait on IAM that lasts (here 5.5 s for a new role to show) is told
/// while it lasts, to the headless printer and the wizard's apply screen
/// alike, and its end too; short waits, the usual case, say nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_wait_for_a_new_role_is_reported_while_it_lasts() {
    let plan = everything();
    let role = role_with_attachments(&plan);
    let cloud = account().await;
    cloud.slow_to_show(&role.name, Duration::from_millis(5_500));
    let changes = observe::changes(&cloud, &plan).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.jsonl")).unwrap();
    let (result, events) = apply(&cloud, &plan, &journal).await;
    result.unwrap();
    let id = role.id();
    // Every step on the role waits for it, each told once, after 5 s.
    let role_steps = changes
        .iter()
        .find(|c| c.id() == id)
        .unwrap()
        .steps
        .iter()
        .filter(|s| !s.creates())
        .count();
    let waiting: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::Waiting { id: waited, .. } if *waited == id))
        .collect();
    assert_eq!(waiting.len(), role_steps, "{events:?}");
    let first = waiting[0];
    assert_eq!(
        first,
        &Event::Waiting {
            id: id.clone(),
            what: format!("IAM to show the new role {}", role.name),
            elapsed_secs: 5,
            limit_secs: 60,
        },
    );
    let told = events.iter().position(|e| e == first).unwrap();
    let over = events
        .iter()
        .position(|e| *e == Event::Waited { id: id.clone() })
        .unwrap();
    assert!(
        told < over,
        "the end of the wait is told after it: {events:?}"
    );

    // The headless printer's line.
    assert_eq!(
        onramp::output::event_line(first),
        format!(
            "  \u{2026} waiting for IAM to show the new role {} (5 s of 60 s)\n",
            role.name
        )
    );
    // The wizard's apply screen: the row shows the wait, then is done.
    let mut screen = onramp::tui::screens::apply::State::default();
    screen.start(&plan, &changes, dir.path().join("j.jsonl"));
    for e in &events[..over] {
        screen.on_event(e.clone());
    }
    let row = |s: &onramp::tui::screens::apply::State| {
        s.rows.iter().find(|r| r.id == id).unwrap().status.clone()
    };
    assert_eq!(
        row(&screen),
        onramp::tui::screens::apply::Status::Running("waiting for AWS")
    );
    for e in &events[over..] {
        screen.on_event(e.clone());
    }
    assert_eq!(row(&screen), onramp::tui::screens::apply::Status::Done);

    // Short waits say nothing.
    let quiet = account().await;
    let journal = Journal::open(&dir.path().join("quiet.jsonl")).unwrap();
    let (result, events) = apply(&quiet, &plan, &journal).await;
    result.unwrap();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Waiting { .. } | Event::Waited { .. }))
    );
}

/// A step on an entity that existed before the run is not tried again: a
/// `NoSuchEntity` there is the answer (or a lost answer, which the apply
/// confirms by reading back), not IAM being slow to show what this run made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_on_entities_made_before_the_run_are_not_tried_again() {
    let plan = everything();
    let cloud = CountingCloud::new(account().await);
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.jsonl")).unwrap();
    apply(&cloud, &plan, &journal).await.0.unwrap();
    let role = role_with_attachments(&plan);
    // Someone detaches one of the role's policies and deletes the policy:
    // the next apply plans to attach it again, and IAM refuses.
    let Spec::Role(spec) = &role.spec else {
        unreachable!()
    };
    let gone = plan
        .resources
        .iter()
        .find(|r| spec.managed_policy_arns.contains(&r.arn))
        .unwrap();
    let inner = cloud.inner();
    use onramp::cloud::Cloud;
    for r in &plan.resources {
        if let Spec::Role(s) = &r.spec
            && s.managed_policy_arns.contains(&gone.arn)
        {
            inner.detach_role_policy(&r.name, &gone.arn).await.unwrap();
        }
    }
    let changes = observe::changes(inner, &plan).await.unwrap();
    inner.delete_policy(&gone.arn).await.unwrap();
    let attaches = changes
        .iter()
        .flat_map(|c| &c.steps)
        .filter(|s| matches!(s, Step::Attach(arn) if *arn == gone.arn))
        .count();
    assert!(attaches >= 1);
    // The policy existed when observed, so nothing in this run creates it.
    cloud.reset();
    let events = Mutex::new(Vec::new());
    let record = |e: Event| events.lock().unwrap().push(e);
    let result = run::apply(
        &cloud,
        &plan,
        &changes,
        &journal,
        &record,
        &AtomicBool::new(false),
    )
    .await;
    let error = result.unwrap_err();
    assert!(error.to_string().contains("AttachRolePolicy"), "{error}");
    assert_eq!(
        cloud.calls().get(&Action::AttachRolePolicy).copied(),
        Some(attaches),
        "one try per attachment: {:?}",
        cloud.calls()
    );
}
