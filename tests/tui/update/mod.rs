//! The wizard's `update`, driven by scripted keys through the whole flow,
//! with effects answered by the real worker on an in-memory account.

mod advice;
mod existing;
mod preflight;
mod runs;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyModifiers, MouseEvent, MouseEventKind};
use onramp::cloud::memory::MemoryCloud;
use onramp::cloud::{Cloud, CloudError, ErrorKind, NewPolicy, NewRole};
use onramp::iam::action::Action as Api;
use onramp::tui::action::{Action, Effect};
use onramp::tui::app::{Loading, Overlay, Screen, update};
use onramp::tui::screens::apply::Status;
use onramp::tui::theme::Theme;
use onramp_testkit::tui;
use onramp_testkit::tui::{Driver, demo_config};
use serde_json::json;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn the_demo_flow_goes_from_welcome_to_summary_and_creates_everything() {
    let mut d = Driver::demo();
    assert_eq!(d.app.screen, Screen::Welcome);
    assert!(d.app.identity.ready().is_some(), "connected at start");
    d.enter_until(Screen::Confirm);
    // The screens visited, in order, skip nothing that applies.
    assert!(d.app.review.observed.ready().is_some());
    d.key(KeyCode::Char('y'));
    assert_eq!(d.app.screen, Screen::Apply);
    let report = d.app.run.result.clone().unwrap().unwrap();
    assert_eq!(report.created.len(), 11);
    assert!(
        d.app.run.rows.iter().all(|r| r.status == Status::Done),
        "{:?}",
        d.app.run.rows
    );
    d.enter();
    assert_eq!(d.app.screen, Screen::Summary);
    let arns = onramp::tui::screens::summary::key_arns(&d.app);
    assert!(
        arns.iter()
            .any(|(_, a)| a == "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole"),
        "{arns:?}"
    );
    // Really created, and journaled.
    let role = block_on(d.cloud.get_role("ecsInstanceRole"))
        .unwrap()
        .unwrap();
    assert_eq!(
        role.tags.get("onramp:managed-by").map(String::as_str),
        Some("onramp")
    );
    let journal = std::fs::read_to_string(d.path("demo.journal.jsonl")).unwrap();
    assert!(
        journal.lines().count() >= 2 * 21,
        "two entries per mutating call:\n{journal}"
    );
    // Quitting with nothing unsaved needs no question and exits 0.
    d.key(KeyCode::Char('q'));
    assert_eq!(d.exit, Some(0));
}

#[test]
fn going_back_and_forth_keeps_every_choice() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Buckets);
    d.key(KeyCode::Char(' ')); // onramp-demo-archive, the first row
    d.enter();
    assert_eq!(d.app.screen, Screen::Options);
    d.keys(&[KeyCode::Down; 5]).type_text("lab-");
    d.key(KeyCode::Char(' ')); // typed into the prefix, not a toggle
    assert_eq!(d.app.answers.name_prefix, "lab- ");
    d.key(KeyCode::Backspace);
    d.keys(&[KeyCode::Up; 5]);
    d.key(KeyCode::Char(' ')); // Spot off
    d.enter();
    assert_eq!(d.app.screen, Screen::ParallelCluster);
    d.key(KeyCode::Down).key(KeyCode::Right); // scheduler slurm → sge
    // All the way back to the welcome screen, and forward again.
    for _ in 0..4 {
        d.esc();
    }
    assert_eq!(d.app.screen, Screen::Welcome);
    d.enter_until(Screen::ParallelCluster);
    let answers = &d.app.answers;
    let g = answers.genomics.as_ref().unwrap();
    assert!(g.buckets.contains(&"onramp-demo-archive".to_owned()));
    assert_eq!(answers.name_prefix, "lab-");
    assert!(!g.spot);
    assert_eq!(answers.parallelcluster.as_ref().unwrap().scheduler, "sge");
    assert_eq!(d.app.options.prefix.text(), "lab-");
}

#[test]
fn choosing_only_parallelcluster_skips_the_genomics_screens_and_keeps_them() {
    let mut d = Driver::demo();
    d.enter();
    assert_eq!(d.app.screen, Screen::Scope);
    // The demo has both parts on: genomics off leaves ParallelCluster.
    d.key(KeyCode::Char(' ')).enter();
    assert_eq!(d.app.screen, Screen::Options, "Buckets is skipped");
    assert!(!d.app.genomics_enabled());
    d.esc();
    assert_eq!(d.app.screen, Screen::Scope);
    d.key(KeyCode::Char(' ')).enter(); // both again
    assert_eq!(d.app.screen, Screen::Buckets);
    let g = d.app.answers.genomics.as_ref().unwrap();
    assert_eq!(
        g.buckets.len(),
        2,
        "the buckets chosen before are still there"
    );
}

#[test]
fn an_invalid_bucket_name_is_refused_with_its_rule_and_a_valid_one_is_added() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Buckets);
    d.key(KeyCode::Char('+')).type_text("Bad_Name");
    let problem = onramp::tui::screens::buckets::add_problem(
        &d.app,
        onramp::tui::screens::buckets::Target::Genomics,
    )
    .unwrap();
    assert!(problem.contains("lowercase"), "{problem}");
    d.enter();
    assert!(
        d.app.flash.as_deref().unwrap().starts_with("not added"),
        "{:?}",
        d.app.flash
    );
    assert_eq!(d.app.answers.genomics.as_ref().unwrap().buckets.len(), 2);
    assert_eq!(
        d.app.buckets.add.text(),
        "Bad_Name",
        "the typed text is kept to fix"
    );
    for _ in 0..8 {
        d.key(KeyCode::Backspace);
    }
    d.type_text("onramp-demo-inputs").enter();
    assert!(d.app.flash.as_deref().unwrap().contains("already selected"));
    for _ in 0..6 {
        d.key(KeyCode::Backspace);
    }
    d.type_text("extra").enter();
    let buckets = &d.app.answers.genomics.as_ref().unwrap().buckets;
    assert_eq!(
        buckets.last().map(String::as_str),
        Some("onramp-demo-extra")
    );
    let items = onramp::tui::screens::buckets::items(
        &d.app,
        onramp::tui::screens::buckets::Target::Genomics,
    );
    let new = items
        .iter()
        .find(|i| i.name == "onramp-demo-extra")
        .unwrap();
    assert!(!new.exists && new.selected);
}

#[test]
fn the_filter_narrows_the_list_and_space_toggles_the_filtered_row() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Buckets);
    d.key(KeyCode::Char('/')).type_text("arch");
    let items = onramp::tui::screens::buckets::items(
        &d.app,
        onramp::tui::screens::buckets::Target::Genomics,
    );
    assert_eq!(items.len(), 1);
    // Letters go to the filter, not to the shortcuts.
    assert_eq!(d.app.overlay, None);
    assert_eq!(d.app.exit, None);
    d.key(KeyCode::Tab).key(KeyCode::Tab); // filter → add → list
    d.key(KeyCode::Char(' '));
    assert!(
        d.app
            .answers
            .genomics
            .as_ref()
            .unwrap()
            .buckets
            .contains(&"onramp-demo-archive".to_owned())
    );
}

#[test]
fn the_mouse_wheel_scrolls_the_bucket_list() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Buckets);
    let wheel = |kind| {
        Action::Mouse(MouseEvent {
            kind,
            column: 10,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    };
    d.act(wheel(MouseEventKind::ScrollDown));
    assert_eq!(d.app.buckets.cursor, 1);
    d.act(wheel(MouseEventKind::ScrollDown))
        .act(wheel(MouseEventKind::ScrollDown))
        .act(wheel(MouseEventKind::ScrollDown));
    assert_eq!(d.app.buckets.cursor, 3, "stops at the last row");
    d.act(wheel(MouseEventKind::ScrollUp));
    assert_eq!(d.app.buckets.cursor, 2);
}

#[test]
fn invalid_options_are_shown_and_block_going_on() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Options);
    d.keys(&[KeyCode::Down; 6]); // IAM path
    d.key(KeyCode::Backspace).type_text("no-slashes");
    let errors: Vec<String> = d
        .app
        .derived
        .errors_for(&["path"])
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    d.enter();
    assert_eq!(d.app.screen, Screen::Options);
    assert!(
        d.app.flash.as_deref().unwrap().contains("path"),
        "{:?}",
        d.app.flash
    );
    // Tags that are not Key=Value are refused, the last good ones kept.
    for _ in 0..10 {
        d.key(KeyCode::Backspace);
    }
    d.type_text("/");
    d.key(KeyCode::Down).type_text(", oops");
    assert!(d.app.options.tags_problem.is_some());
    assert_eq!(d.app.answers.tags.len(), 1);
    d.enter();
    assert_eq!(d.app.screen, Screen::Options);
    for _ in 0..6 {
        d.key(KeyCode::Backspace);
    }
    d.enter();
    assert_eq!(d.app.screen, Screen::ParallelCluster);
}

#[test]
fn a_prefix_that_makes_a_name_too_long_is_named() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Options);
    d.keys(&[KeyCode::Down; 5]).type_text(&"x".repeat(50));
    let errors: Vec<String> = d
        .app
        .derived
        .errors_for(onramp::tui::screens::options::FIELDS)
        .map(ToString::to_string)
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("name_prefix:") && e.contains("at most 64")),
        "{errors:?}"
    );
    d.enter();
    assert_eq!(d.app.screen, Screen::Options);
}

#[test]
fn awsbatch_needs_its_fields() {
    let mut d = Driver::demo();
    d.enter_until(Screen::ParallelCluster);
    d.key(KeyCode::Down).key(KeyCode::Left); // slurm → awsbatch
    assert_eq!(
        d.app.answers.parallelcluster.as_ref().unwrap().scheduler,
        "awsbatch"
    );
    assert_eq!(
        onramp::tui::screens::parallelcluster::items(&d.app).len(),
        9
    );
    d.enter();
    assert_eq!(d.app.screen, Screen::ParallelCluster);
    assert!(
        d.app.flash.as_deref().unwrap().contains("parallelcluster."),
        "{:?}",
        d.app.flash
    );
    let names = [
        "my-cluster",
        "serial-jd",
        "mnp-jd",
        "queue",
        "job-role",
        "ecs-ce",
    ];
    d.key(KeyCode::Down); // resources bucket, already set
    for name in names {
        d.key(KeyCode::Down).type_text(name);
    }
    d.enter();
    assert_eq!(d.app.screen, Screen::Review, "{:?}", d.app.flash);
}

#[test]
fn an_edited_policy_is_checked_and_the_saved_edit_is_what_gets_created() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Preview);
    assert_eq!(d.app.preview.index, 0);
    d.key(KeyCode::Char('e'));
    assert!(d.app.editor.is_some());
    // Break it: not JSON any more.
    d.keys(&[KeyCode::Down, KeyCode::End]).type_text("oops");
    assert!(!d.app.editor.as_ref().unwrap().check.can_save());
    d.ctrl('s');
    assert!(
        d.app.editor.is_some(),
        "an invalid document cannot be saved"
    );
    assert!(d.app.flash.as_deref().unwrap().contains("not JSON"));
    // Esc with changes asks; `n` keeps editing, `y` discards.
    d.esc();
    assert_eq!(d.app.overlay, Some(Overlay::DiscardEdit));
    d.key(KeyCode::Char('n'));
    assert!(d.app.editor.is_some());
    d.esc().key(KeyCode::Char('y'));
    assert!(d.app.editor.is_none());
    assert!(d.app.answers.edits.is_empty());

    // A valid edit: an extra Sid on the statement.
    d.key(KeyCode::Char('e'));
    d.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down, KeyCode::End]);
    d.key(KeyCode::Enter)
        .type_text("\"Sid\": \"EditedByHand\",");
    let editor = d.app.editor.as_ref().unwrap();
    assert!(
        editor.check.can_save(),
        "{:?}\n{}",
        editor.check.problems,
        editor.text()
    );
    d.ctrl('s');
    assert!(d.app.editor.is_none());
    assert_eq!(d.app.answers.edits.len(), 1);
    d.enter_until(Screen::Confirm).key(KeyCode::Char('y'));
    d.assert_applied();
    let doc = block_on(async {
        let arn = "arn:aws:iam::123456789012:policy/s3bucket-access-us-east-1";
        let info = d.cloud.get_policy(arn).await.unwrap().unwrap();
        d.cloud
            .get_policy_version(arn, &info.default_version_id)
            .await
            .unwrap()
    });
    assert_eq!(doc["Statement"][0]["Sid"], "EditedByHand");
}

#[test]
fn stepping_through_skips_a_resource_and_everything_that_needs_it() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    d.key(KeyCode::Char('t'));
    assert!(d.app.confirm.stepping.is_some());
    // Order: bucket policy, ebs policy, service role, instance role, …
    d.keys(&[KeyCode::Char('y'), KeyCode::Char('y'), KeyCode::Char('y')]);
    d.key(KeyCode::Char('n')); // the instance role; its profile goes with it
    d.key(KeyCode::Char('a'));
    assert_eq!(d.app.screen, Screen::Apply);
    d.assert_applied();
    block_on(async {
        assert!(d.cloud.get_role("ecsInstanceRole").await.unwrap().is_none());
        assert!(
            d.cloud
                .get_instance_profile("ecsInstanceRole")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            d.cloud
                .get_role("AWSBatchServiceRole")
                .await
                .unwrap()
                .is_some()
        );
        assert!(d.cloud.get_role("BatchJobRole").await.unwrap().is_some());
    });
}

#[test]
fn a_conflict_blocks_the_review_and_says_why() {
    let cloud = Arc::new(MemoryCloud::demo());
    block_on(cloud.create_role(NewRole {
        name: "ecsInstanceRole",
        path: "/",
        description: "made by hand",
        trust_policy: &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        permissions_boundary: None,
        tags: &Default::default(),
    }))
    .unwrap();
    let mut d = Driver::with(|dir| demo_config(dir, Theme::COLOR), cloud);
    d.enter_until(Screen::Review);
    d.enter();
    assert_eq!(d.app.screen, Screen::Review);
    let flash = d.app.flash.clone().unwrap();
    assert!(
        flash.contains("conflict on role ecsInstanceRole"),
        "{flash}"
    );
}

#[test]
fn an_update_shows_the_difference_from_what_exists() {
    let cloud = Arc::new(MemoryCloud::demo());
    let tags = [("onramp:managed-by".to_owned(), "onramp".to_owned())]
        .into_iter()
        .collect();
    block_on(cloud.create_policy(NewPolicy {
        name: "ebs-autoscale-policy",
        path: "/",
        description: "older",
        document: &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*Volume", "Resource": "*"}]}),
        tags: &tags,
    }))
    .unwrap();
    let mut d = Driver::with(|dir| demo_config(dir, Theme::COLOR), cloud);
    d.enter_until(Screen::Review);
    d.key(KeyCode::Down).key(KeyCode::Char('p'));
    assert_eq!(d.app.screen, Screen::Preview);
    d.key(KeyCode::Char('d'));
    assert!(d.app.preview.show_diff);
    let screen = d.screen(120, 40);
    assert!(
        screen.contains("- ") && screen.contains("ec2:*Volume"),
        "{screen}"
    );
    assert!(
        screen.contains("+ ") && screen.contains("ec2:CreateTags"),
        "{screen}"
    );
    // The bucket policy does not exist yet: nothing to compare.
    d.key(KeyCode::BackTab).key(KeyCode::Char('d'));
    assert!(
        d.app
            .flash
            .as_deref()
            .unwrap()
            .contains("nothing to compare")
    );
}

#[test]
fn a_second_run_finds_everything_unchanged() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm)
        .key(KeyCode::Char('y'))
        .enter();
    assert_eq!(d.app.screen, Screen::Summary);
    d.esc();
    assert_eq!(d.app.screen, Screen::Review);
    let observed = d.app.review.observed.ready().unwrap();
    assert!(
        observed.iter().all(|o| o.change.steps.is_empty()),
        "{observed:?}"
    );
    d.enter_until(Screen::Confirm).key(KeyCode::Char('y'));
    assert_eq!(d.app.screen, Screen::Confirm);
    assert!(
        d.app
            .flash
            .as_deref()
            .unwrap()
            .contains("nothing to create")
    );
}

#[test]
fn quit_asks_only_when_answers_are_unsaved() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Buckets).key(KeyCode::Char(' '));
    d.key(KeyCode::Char('q'));
    assert_eq!(d.app.overlay, Some(Overlay::ConfirmQuit));
    assert_eq!(d.exit, None);
    d.key(KeyCode::Char('n'));
    assert_eq!(d.app.overlay, None);
    d.key(KeyCode::Char('s'));
    assert!(
        d.app
            .flash
            .as_deref()
            .unwrap()
            .starts_with("saved the answers"),
        "{:?}",
        d.app.flash
    );
    let saved = onramp::answers::Answers::from_toml(
        &std::fs::read_to_string(d.path("answers.toml")).unwrap(),
    )
    .unwrap();
    assert_eq!(saved, d.app.answers);
    d.key(KeyCode::Char('q'));
    assert_eq!(d.exit, Some(0), "saved answers quit at once");
}

#[test]
fn ctrl_c_quits_at_once_and_ctrl_z_suspends() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Buckets).key(KeyCode::Char(' '));
    d.ctrl('z');
    assert_eq!(d.suspended, 1);
    d.ctrl('c');
    assert_eq!(d.exit, Some(0));
}

#[test]
fn ctrl_c_during_the_apply_asks_then_stops_after_the_calls_in_flight() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    d.act_without_settling(Action::Key(crossterm::event::KeyEvent::from(
        KeyCode::Char('y'),
    )));
    assert!(d.app.run.in_flight());
    let effects = update(
        &mut d.app,
        Action::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )),
    );
    assert_eq!(
        effects,
        vec![Effect::PauseApply],
        "no new call while asking"
    );
    assert_eq!(d.app.overlay, Some(Overlay::ConfirmStop));
    let effects = update(
        &mut d.app,
        Action::Key(crossterm::event::KeyEvent::from(KeyCode::Char('y'))),
    );
    assert_eq!(effects, vec![Effect::StopApply]);
    assert!(d.app.run.stopping);
    // Esc cannot leave a running apply.
    let effects = update(
        &mut d.app,
        Action::Key(crossterm::event::KeyEvent::from(KeyCode::Esc)),
    );
    assert!(effects.is_empty());
    assert_eq!(d.app.screen, Screen::Apply);
    // The apply ends as stopped: the wizard exits as `apply --yes` would.
    update(
        &mut d.app,
        Action::Applied(Err(onramp::apply::run::ApplyError::Stopped.into())),
    );
    assert_eq!(d.app.exit_code(), 130, "a stopped apply is exit code 130");
    let effects = update(
        &mut d.app,
        Action::Key(crossterm::event::KeyEvent::from(KeyCode::Char('q'))),
    );
    assert_eq!(effects, vec![Effect::Quit(130)]);
}

#[test]
fn apply_events_update_the_rows_including_failures_and_retries() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    let journal = d.path("j.jsonl");
    let plan = tui::start_rows_by_hand(&mut d.app, journal);
    let id = plan.resources[2].id();
    use onramp::apply::run::Event;
    update(
        &mut d.app,
        Action::Progress(Event::Started {
            id: id.clone(),
            action: Api::CreateRole,
        }),
    );
    update(
        &mut d.app,
        Action::Progress(Event::Retried {
            action: Api::CreateRole.to_string(),
            attempt: 2,
        }),
    );
    let row = d.app.run.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.status, Status::Running("CreateRole"));
    assert_eq!(row.retries, 1);
    let throttled =
        onramp::cloud::CloudError::new(Api::CreateRole, ErrorKind::Throttled, "Rate exceeded");
    update(
        &mut d.app,
        Action::Progress(Event::Failed {
            id: id.clone(),
            action: Api::CreateRole,
            detail: None,
            error: throttled.clone(),
        }),
    );
    let row = d.app.run.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(
        row.status,
        Status::Failed("CreateRole: Rate exceeded".into())
    );
    update(&mut d.app, Action::Applied(Err(throttled.clone().into())));
    assert!(!d.app.run.in_flight());
    assert!(
        d.app
            .run
            .rows
            .iter()
            .filter(|r| r.id != id)
            .all(|r| r.status == Status::NotStarted)
    );
    assert_eq!(d.app.exit_code(), 1, "a failed apply is exit code 1");
    let failure = d.app.run.result.clone().unwrap().unwrap_err();
    assert_eq!(
        failure.cloud,
        Some(throttled),
        "the failed call's error is kept, kind and all"
    );
}

#[test]
fn late_answers_to_an_older_read_are_dropped() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Review);
    let generation = d.app.review.generation;
    assert!(d.app.review.observed.ready().is_some());
    update(
        &mut d.app,
        Action::Observed {
            generation: generation - 1,
            result: Err(CloudError::new(Api::GetRole, ErrorKind::Throttled, "stale")),
            journal: Vec::new(),
        },
    );
    assert!(
        d.app.review.observed.ready().is_some(),
        "the stale failure is ignored"
    );
    // Changing an answer makes the next visit read again.
    d.esc().esc();
    d.key(KeyCode::Down).key(KeyCode::Char(' ')); // job role off
    d.enter_until(Screen::Review);
    assert_eq!(d.app.review.generation, generation + 1);
}

#[test]
fn help_lists_the_keys_of_the_screen_and_any_key_closes_it() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Preview);
    d.key(KeyCode::Char('?'));
    assert_eq!(d.app.overlay, Some(Overlay::Help));
    let screen = d.screen(120, 40);
    assert!(screen.contains("edit the document"), "{screen}");
    assert!(screen.contains("save the answers"), "{screen}");
    d.key(KeyCode::Char('x'));
    assert_eq!(d.app.overlay, None);
    assert!(d.app.answers.edits.is_empty());
}

#[test]
fn without_credentials_the_welcome_screen_says_what_to_do_and_blocks() {
    let mut d = Driver::demo();
    update(
        &mut d.app,
        Action::Connected(Err(CloudError::new(
            Api::GetCallerIdentity,
            ErrorKind::NoCredentials,
            "no AWS credentials found: run `aws configure`",
        ))),
    );
    d.enter();
    assert_eq!(d.app.screen, Screen::Welcome);
    let screen = d.screen(100, 30);
    assert!(screen.contains("Cannot use the account"), "{screen}");
    assert!(screen.contains("no AWS credentials found"), "{screen}");
    assert!(screen.contains("Set credentials"), "{screen}");
    // `r` connects again.
    d.key(KeyCode::Char('r'));
    assert!(d.app.identity.ready().is_some());
    d.enter();
    assert_eq!(d.app.screen, Screen::Scope);
}

/// The advice under a failed connection follows the error's kind, not its
/// words: an endpoint that cannot be reached is no matter of credentials.
#[test]
fn an_unreachable_endpoint_is_not_met_with_advice_about_credentials() {
    let mut d = Driver::demo();
    let unreachable = CloudError::new(
        Api::GetCallerIdentity,
        ErrorKind::Network,
        "could not reach http://127.0.0.1:9: connection refused (3 attempts). Check --endpoint-url",
    );
    update(&mut d.app, Action::Connected(Err(unreachable)));
    let screen = d.screen(100, 30);
    assert!(
        screen.contains("could not reach http://127.0.0.1:9"),
        "{screen}"
    );
    assert!(screen.contains("Press r to try again."), "{screen}");
    assert!(!screen.contains("Set credentials"), "{screen}");
    assert!(
        matches!(&d.app.account_buckets, Loading::Failed(e) if e.kind == ErrorKind::Network),
        "without a connection the bucket list says why: {:?}",
        d.app.account_buckets
    );
    assert!(!d.app.animating(), "nothing is left spinning");
}

#[test]
fn a_missing_region_is_shown_on_the_welcome_screen_and_blocks() {
    let mut d = Driver::with(
        |dir| {
            let mut config = demo_config(dir, Theme::COLOR);
            config.environment.region_env = None;
            config.answers.region = None;
            config
        },
        Arc::new(MemoryCloud::demo()),
    );
    d.enter();
    assert_eq!(d.app.screen, Screen::Welcome);
    let flash = d.app.flash.clone().unwrap();
    assert!(
        flash.contains("region") && flash.contains("AWS_REGION"),
        "{flash}"
    );
    assert!(d.screen(100, 30).contains("⚠ region"));
}

#[test]
fn lint_errors_block_the_review() {
    // Eleven managed policies on the job role: one more than IAM allows.
    let extra: Vec<String> = (0..10)
        .map(|i| format!("arn:aws:iam::aws:policy/Extra{i}"))
        .collect();
    let mut d = Driver::with(
        |dir| {
            let mut config = demo_config(dir, Theme::COLOR);
            config
                .answers
                .genomics
                .as_mut()
                .unwrap()
                .job_role_policy_arns = extra;
            config
        },
        Arc::new(MemoryCloud::demo()),
    );
    d.enter_until(Screen::Review);
    assert!(onramp::plan::lint::has_errors(&d.app.derived.findings));
    d.enter();
    assert_eq!(d.app.screen, Screen::Review);
    assert!(
        d.app.flash.as_deref().unwrap().contains("error"),
        "{:?}",
        d.app.flash
    );
    assert!(d.screen(120, 40).contains("error   BatchJobRole"));
    // Nor can such a plan be exported.
    d.key(KeyCode::Char('x'));
    assert_eq!(d.app.overlay, None);
    assert!(
        d.app.flash.as_deref().unwrap().contains("plan with errors"),
        "{:?}",
        d.app.flash
    );
}

#[test]
fn the_review_exports_every_format_with_edits_and_shows_the_full_path() {
    let mut d = Driver::demo();
    // An edit first: the export is the plan as it stands.
    d.enter_until(Screen::Preview);
    d.key(KeyCode::Char('e'));
    d.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down, KeyCode::End]);
    d.key(KeyCode::Enter)
        .type_text("\"Sid\": \"EditedByHand\",");
    d.ctrl('s');
    assert_eq!(d.app.answers.edits.len(), 1);
    d.esc();
    assert_eq!(d.app.screen, Screen::Review);

    d.key(KeyCode::Char('x'));
    assert_eq!(d.app.overlay, Some(Overlay::Export));
    let menu = d.screen(100, 30);
    assert!(menu.contains("CloudFormation template"), "{menu}");
    assert!(
        menu.contains("onramp-123456789012-us-east-1.cfn.yaml"),
        "{menu}"
    );
    // Esc closes the menu and writes nothing.
    d.esc();
    assert_eq!(d.app.overlay, None);
    assert_eq!(d.app.screen, Screen::Review);
    assert!(!d.path("onramp-123456789012-us-east-1.cfn.yaml").exists());

    let plan = d.app.derived.plan.clone().unwrap();
    for (key, file, format) in [
        (
            'c',
            "onramp-123456789012-us-east-1.cfn.yaml",
            onramp::export::Format::Cloudformation,
        ),
        (
            'l',
            "onramp-123456789012-us-east-1.sh",
            onramp::export::Format::Cli,
        ),
    ] {
        d.key(KeyCode::Char('x')).key(KeyCode::Char(key));
        assert_eq!(d.app.overlay, Some(Overlay::Exported));
        let written = std::fs::read_to_string(d.path(file)).unwrap();
        assert_eq!(written, onramp::export::render(&plan, format).unwrap());
        assert!(written.contains("EditedByHand"), "the edit is exported");
        let shown = d.screen(100, 30);
        assert!(shown.contains("✓ wrote the"), "{shown}");
        assert!(shown.contains(file), "{shown}");
        // Any key closes the message and stays on the review.
        d.key(KeyCode::Char('z'));
        assert_eq!(d.app.overlay, None);
        assert_eq!(d.app.screen, Screen::Review);
    }
    d.key(KeyCode::Char('x')).key(KeyCode::Char('p'));
    let dir = d.path("onramp-123456789012-us-east-1-policies");
    assert!(dir.join("ecsInstanceRole.trust.json").exists());
    assert_eq!(d.app.exports.len(), 3);
    // Nothing was created by exporting.
    assert!(
        block_on(d.cloud.get_role("ecsInstanceRole"))
            .unwrap()
            .is_none()
    );
}

#[test]
fn x_then_r_on_the_review_writes_the_runbook_of_the_plan() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Review);
    d.key(KeyCode::Char('x'));
    let menu = d.screen(100, 30);
    assert!(menu.contains("runbook"), "{menu}");
    assert!(
        menu.contains("onramp-123456789012-us-east-1.runbook.md"),
        "{menu}"
    );
    d.key(KeyCode::Char('r'));
    assert_eq!(d.app.overlay, Some(Overlay::Exported));
    let file = "onramp-123456789012-us-east-1.runbook.md";
    let written = std::fs::read_to_string(d.path(file)).unwrap();
    let plan = d.app.derived.plan.clone().unwrap();
    assert_eq!(
        written,
        onramp::export::render(&plan, onramp::export::Format::Runbook).unwrap()
    );
    assert!(written.starts_with("# IAM runbook for account 123456789012"));
    let shown = d.screen(100, 30);
    assert!(shown.contains("✓ wrote the runbook"), "{shown}");
    assert!(shown.contains("follow it step by step"), "{shown}");
    assert_eq!(d.app.exports.len(), 1);
    d.key(KeyCode::Char('z'));
    assert_eq!(d.app.overlay, None);
    assert_eq!(d.app.screen, Screen::Review);
}

#[test]
fn the_summary_exports_and_lists_what_was_written() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm).key(KeyCode::Char('y'));
    d.enter();
    assert_eq!(d.app.screen, Screen::Summary);
    d.key(KeyCode::Char('x')).key(KeyCode::Char('c'));
    let path = d.path("onramp-123456789012-us-east-1.cfn.yaml");
    assert!(path.exists());
    d.key(KeyCode::Enter);
    let summary = d.screen(120, 40);
    assert!(summary.contains("CloudFormation template:"), "{summary}");
    assert!(
        summary.contains("onramp-123456789012-us-east-1.cfn.yaml"),
        "{summary}"
    );
}

#[test]
fn a_failed_export_says_why_and_keeps_the_wizard_going() {
    let mut d = Driver::with(
        |dir| {
            let mut config = demo_config(dir, Theme::COLOR);
            config.export_dir = Some(dir.join("no-such-directory"));
            config
        },
        Arc::new(MemoryCloud::demo()),
    );
    d.enter_until(Screen::Review);
    d.key(KeyCode::Char('x')).key(KeyCode::Char('l'));
    assert_eq!(d.app.overlay, Some(Overlay::Exported));
    assert!(d.app.exports.is_empty());
    let shown = d.screen(100, 30);
    assert!(
        shown.contains("✗ could not write the AWS CLI script"),
        "{shown}"
    );
    assert!(shown.contains("no-such-directory"), "{shown}");
    d.enter();
    assert_eq!(d.app.overlay, None);
    assert_eq!(d.app.screen, Screen::Review);
}

#[test]
fn a_stopped_apply_leaves_a_journal_that_matches_the_account() {
    use onramp::apply::journal::{self, Record};
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    d.act_without_settling(Action::Key(crossterm::event::KeyEvent::from(
        KeyCode::Char('y'),
    )));
    // Ctrl-C and `y` are handled before the apply's results are read, so the
    // stop can land mid-way (the in-memory account may still be faster).
    d.act_without_settling(Action::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    d.act_without_settling(Action::Key(crossterm::event::KeyEvent::from(
        KeyCode::Char('y'),
    )));
    assert!(d.app.run.stopping);
    d.settle();
    assert!(!d.app.run.in_flight());
    let entries = journal::read(&d.path("demo.journal.jsonl")).unwrap();
    // Every intent has its outcome, and every recorded creation exists.
    let intents = entries
        .iter()
        .filter(|e| matches!(e.record, Record::Intent(_)))
        .count();
    let outcomes = entries
        .iter()
        .filter(|e| matches!(e.record, Record::Done { .. } | Record::Failed { .. }))
        .count();
    assert_eq!(intents, outcomes);
    block_on(async {
        for e in &entries {
            if let Record::Done { call, .. } = &e.record
                && call.action == Api::CreateRole
            {
                assert!(
                    d.cloud.get_role(&call.name).await.unwrap().is_some(),
                    "{call:?}"
                );
            }
        }
    });
    // Going back and confirming again resumes to completion.
    d.enter();
    assert_eq!(d.app.screen, Screen::Summary);
    d.esc().enter_until(Screen::Confirm);
    if d.app
        .review
        .observed
        .ready()
        .unwrap()
        .iter()
        .any(|o| !o.change.steps.is_empty())
    {
        d.key(KeyCode::Char('y'));
        d.assert_applied();
    }
    assert!(
        block_on(d.cloud.get_instance_profile("ecsInstanceRole"))
            .unwrap()
            .is_some()
    );
}
