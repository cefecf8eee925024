//! The wizard's `update`, driven by scripted keys through the whole flow,
//! with effects answered by the real worker on an in-memory account.

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
    d.keys(&[KeyCode::Up]).enter(); // "AWS ParallelCluster"
    assert_eq!(d.app.screen, Screen::Options, "Buckets is skipped");
    assert!(!d.app.genomics_enabled());
    d.esc();
    assert_eq!(d.app.screen, Screen::Scope);
    d.keys(&[KeyCode::Down]).enter(); // "Both"
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
    let problem = onramp::tui::screens::buckets::add_problem(&d.app).unwrap();
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
    let items = onramp::tui::screens::buckets::items(&d.app);
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
    let items = onramp::tui::screens::buckets::items(&d.app);
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

// ------------------------------------------------------ permission preflight

#[test]
fn the_welcome_screen_names_a_missing_permission_and_x_a_exports_the_policy() {
    let cloud = MemoryCloud::demo();
    cloud.deny("iam:CreateRole");
    let mut d = Driver::with(|dir| demo_config(dir, Theme::COLOR), Arc::new(cloud));
    let roles = d
        .app
        .derived
        .plan
        .as_ref()
        .unwrap()
        .resources
        .iter()
        .filter(|r| r.role().is_some())
        .collect::<Vec<_>>();
    let first_role = roles[0].arn.clone();
    let welcome = d.screen(200, 40);
    assert!(
        welcome.contains(&format!(
            "⚠ Missing permissions: {} (e.g. iam:CreateRole on {first_role}); press x then a to export the policy you need",
            roles.len()
        )),
        "{welcome}"
    );
    assert!(!welcome.contains("checks passed"), "{welcome}");
    // It informs; it does not block.
    assert_eq!(onramp::tui::screens::blocker(&d.app), None);

    d.key(KeyCode::Char('x')).key(KeyCode::Char('a'));
    assert_eq!(d.app.overlay, Some(Overlay::Exported));
    let written =
        std::fs::read_to_string(d.path("onramp-123456789012-us-east-1.admin-policy.json")).unwrap();
    let plan = d.app.derived.plan.clone().unwrap();
    assert_eq!(
        written,
        onramp::export::render(&plan, onramp::export::Format::AdminPolicy).unwrap()
    );
    assert!(written.contains("\"iam:CreateRole\""));
}

#[test]
fn the_demo_passes_every_check_and_says_how_many() {
    let d = Driver::demo();
    let plan = d.app.derived.plan.clone().unwrap();
    let checks: usize =
        onramp::apply::permissions::checks(&plan, onramp::apply::permissions::Audience::Wizard)
            .iter()
            .map(onramp::apply::permissions::Check::pairs)
            .sum();
    assert!(checks > 100, "{checks}");
    let welcome = d.screen(100, 30);
    assert!(
        welcome.contains(&format!("✓ Permissions: all {checks} checks passed")),
        "{welcome}"
    );
}

#[test]
fn a_check_that_could_not_be_made_is_said_once_and_blocks_nothing() {
    let mut d = Driver::demo();
    let generation = d.app.preflight.generation;
    update(
        &mut d.app,
        Action::Preflighted {
            generation,
            outcome: onramp::apply::permissions::Outcome::Unchecked(
                "SimulatePrincipalPolicy: access denied".into(),
            ),
        },
    );
    let welcome = d.screen(100, 30);
    assert_eq!(
        welcome
            .matches("Permissions not checked: SimulatePrincipalPolicy: access denied")
            .count(),
        1,
        "{welcome}"
    );
    d.enter();
    assert_eq!(d.app.screen, Screen::Scope);
}

#[test]
fn the_root_user_needs_no_check() {
    let cloud = MemoryCloud::demo().with_caller("arn:aws:iam::123456789012:root");
    let d = Driver::with(|dir| demo_config(dir, Theme::COLOR), Arc::new(cloud));
    let welcome = d.screen(120, 40);
    assert!(
        welcome.contains("Permissions: the root user may do everything (no check needed)"),
        "{welcome}"
    );
}

#[test]
fn the_confirm_screen_checks_again_only_when_the_plan_needs_other_permissions() {
    let cloud = MemoryCloud::demo();
    cloud.deny("iam:CreateRole");
    let mut d = Driver::with(|dir| demo_config(dir, Theme::COLOR), Arc::new(cloud));
    let generation = d.app.preflight.generation;
    assert_eq!(generation, 1, "one check on connecting");
    d.enter_until(Screen::Confirm);
    assert_eq!(d.app.preflight.generation, generation, "nothing changed");
    let confirm = d.screen(120, 40);
    assert!(
        confirm.contains("⚠ Missing permissions: 5 (e.g. iam:CreateRole on"),
        "{confirm}"
    );

    // Back to the scope, ParallelCluster only: fewer roles to create.
    d.esc().esc().esc().esc().esc().esc();
    assert_eq!(d.app.screen, Screen::Scope);
    d.key(KeyCode::Up).key(KeyCode::Enter);
    assert!(!d.app.genomics_enabled() && d.app.cluster_enabled());
    d.enter_until(Screen::Confirm);
    assert_eq!(d.app.preflight.generation, generation + 1);
    let confirm = d.screen(200, 40);
    assert!(
        confirm.contains(
            "⚠ Missing permissions: 1 (e.g. iam:CreateRole on arn:aws:iam::123456789012:role/"
        ),
        "{confirm}"
    );

    // A late answer to the first check is dropped.
    update(
        &mut d.app,
        Action::Preflighted {
            generation,
            outcome: onramp::apply::permissions::Outcome::Allowed { checked: 1 },
        },
    );
    assert!(d.screen(200, 40).contains("⚠ Missing permissions: 1"));
}

#[test]
fn connecting_starts_the_check_with_the_callers_arn_and_the_plan() {
    let (mut app, _) = onramp::tui::app::App::new(demo_config(
        std::path::Path::new("/nonexistent"),
        Theme::COLOR,
    ));
    let caller = "arn:aws:iam::123456789012:user/ops/runner";
    let effects = update(
        &mut app,
        Action::Connected(Ok(onramp::cloud::Identity {
            account_id: "123456789012".into(),
            arn: caller.into(),
            partition: "aws".into(),
        })),
    );
    let plan = app.derived.plan.clone().unwrap();
    assert_eq!(
        effects,
        [
            Effect::ListBuckets,
            Effect::ReadQuotas,
            Effect::Preflight {
                generation: 1,
                caller_arn: caller.into(),
                plan: Box::new(plan),
            }
        ]
    );
    assert!(app.animating(), "a spinner while it runs");
}

// ------------------------------------------------- quotas and Access Analyzer

fn low_policy_quota() -> onramp::cloud::Quotas {
    onramp::cloud::Quotas {
        managed_policy_size: 200,
        ..onramp::cloud::Quotas::default()
    }
}

#[test]
fn the_accounts_quotas_are_read_on_connecting_and_shown_on_the_welcome_screen() {
    let d = Driver::counting(|dir| demo_config(dir, Theme::COLOR));
    assert_eq!(d.calls_of(Api::GetAccountSummary), 1);
    let welcome = d.screen(100, 30);
    assert!(
        welcome.contains(
            "✓ IAM quotas read: policy 6,144 · trust 2,048 · inline 10,240 · 10 per role"
        ),
        "{welcome}"
    );
    assert!(!welcome.contains("could not read"), "{welcome}");
}

#[test]
fn a_lower_quota_of_the_account_is_an_error_that_names_it() {
    let cloud = MemoryCloud::demo().with_quotas(low_policy_quota());
    let mut d = Driver::with(|dir| demo_config(dir, Theme::COLOR), Arc::new(cloud));
    assert!(
        d.screen(100, 30)
            .contains("✓ IAM quotas read: policy 200 ·")
    );
    let error = d
        .app
        .derived
        .findings
        .iter()
        .find(|f| f.code == "policy-size")
        .cloned()
        .unwrap();
    assert_eq!(error.resource, "s3bucket-access-us-east-1");
    assert!(
        error.message.ends_with(
            "characters without whitespace; this account's quota for a managed policy is 200 (GetAccountSummary)"
        ),
        "{}",
        error.message
    );
    // The review stops there, as for any error.
    d.enter_until(Screen::Review);
    d.enter();
    assert_eq!(d.app.screen, Screen::Review);
    assert!(
        d.screen(200, 40)
            .contains("this account's quota for a managed policy is 200")
    );
}

#[test]
fn a_refused_quota_read_is_said_once_and_the_defaults_are_used() {
    let cloud = MemoryCloud::demo().with_quotas(low_policy_quota());
    cloud.deny("iam:GetAccountSummary");
    let mut d = Driver::with(|dir| demo_config(dir, Theme::COLOR), Arc::new(cloud));
    let note = "could not read this account's IAM quotas (AccessDenied); checked against IAM's default quotas";
    let welcome = d.screen(200, 40);
    assert_eq!(welcome.matches(note).count(), 1, "{welcome}");
    // IAM's defaults: the 200 the account would enforce is not known.
    assert!(!onramp::plan::lint::has_errors(&d.app.derived.findings));
    d.enter_until(Screen::Confirm);
    let confirm = d.screen(200, 40);
    assert_eq!(confirm.matches(note).count(), 1, "{confirm}");
}

fn pass_role_finding() -> onramp::cloud::AnalyzerFinding {
    onramp::cloud::AnalyzerFinding {
        level: onramp::cloud::AnalyzerLevel::SecurityWarning,
        code: "PASS_ROLE_WITH_STAR_IN_RESOURCE".into(),
        message: "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive.".into(),
        learn_more: None,
        path: Some("Statement[0].Resource".into()),
        line: Some(6),
    }
}

#[test]
fn the_preview_shows_access_analyzers_findings_asked_once_per_document() {
    let cloud = MemoryCloud::demo().with_analyzer_findings(vec![pass_role_finding()]);
    let mut d = Driver::counting_on(cloud, |dir| demo_config(dir, Theme::COLOR));
    assert_eq!(d.calls_of(Api::ValidatePolicy), 0, "only the preview asks");
    d.enter_until(Screen::Preview);
    assert_eq!(d.calls_of(Api::ValidatePolicy), 1);
    let preview = d.screen(120, 40);
    assert!(
        preview.contains(
            "analyzer security warning [PASS_ROLE_WITH_STAR_IN_RESOURCE] line 6: Using the iam:PassRole action"
        ),
        "{preview}"
    );
    insta::assert_snapshot!("preview_with_analyzer_findings_120x40", preview);
    // The next document is asked about; coming back asks nothing again.
    d.key(KeyCode::Tab);
    assert_eq!(d.calls_of(Api::ValidatePolicy), 2);
    d.key(KeyCode::BackTab);
    assert_eq!(d.calls_of(Api::ValidatePolicy), 2);
    // An edit is another text: asked about once.
    d.key(KeyCode::Char('e'));
    d.key(KeyCode::End).type_text(" ");
    d.ctrl('s');
    assert_eq!(
        d.calls_of(Api::ValidatePolicy),
        2,
        "whitespace: the same document"
    );
}

#[test]
fn a_refused_analyzer_is_said_once_and_never_asked_again() {
    let cloud = MemoryCloud::demo().with_analyzer_findings(vec![pass_role_finding()]);
    cloud.deny("access-analyzer:ValidatePolicy");
    let mut d = Driver::counting_on(cloud, |dir| demo_config(dir, Theme::COLOR));
    d.enter_until(Screen::Preview);
    let note = "Access Analyzer: not available (AccessDenied); onramp's own checks only";
    let preview = d.screen(120, 40);
    assert_eq!(preview.matches(note).count(), 1, "{preview}");
    assert!(!preview.contains("PASS_ROLE"), "{preview}");
    let documents = d.app.documents().len();
    for _ in 0..documents {
        d.key(KeyCode::Tab);
        assert_eq!(d.screen(120, 40).matches(note).count(), 1);
    }
    assert_eq!(
        d.calls_of(Api::ValidatePolicy),
        1,
        "asked once, never again"
    );
    // Nothing is blocked by it.
    d.enter();
    assert_eq!(d.app.screen, Screen::Confirm);
}

#[test]
fn the_batch_service_role_is_chosen_on_the_options_screen() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Options);
    d.keys(&[KeyCode::Down; 4]); // after the four genomics toggles
    assert!(
        d.screen(80, 24)
            .contains("AWS Batch service role                     ◂ the guide's own role ▸"),
        "{}",
        d.screen(80, 24)
    );
    let role = |d: &Driver| {
        d.app
            .answers
            .genomics
            .as_ref()
            .unwrap()
            .batch_service_role
            .clone()
    };
    d.key(KeyCode::Char(' '));
    assert_eq!(role(&d), "service-linked");
    let screen = d.screen(80, 24);
    assert!(
        screen.contains("◂ AWS's service-linked role ▸")
            && screen.contains("AWSServiceRoleForBatch: AWS keeps its permissions current.")
            && screen.contains("cannot switch to the other kind later"),
        "{screen}"
    );
    // The plan follows at once: the service-linked role instead of the seed's.
    let plan = d.app.derived.plan.as_ref().unwrap();
    assert!(plan.resources.iter().any(|r| r.is_service_linked()));
    assert!(
        plan.get(onramp::iam::names::EntityKind::Role, "AWSBatchServiceRole")
            .is_none()
    );
    // ← and → switch too; other keys leave it.
    d.key(KeyCode::Left);
    assert_eq!(role(&d), "seed");
    d.key(KeyCode::Right);
    assert_eq!(role(&d), "service-linked");
    d.key(KeyCode::Char('x'));
    assert_eq!(role(&d), "service-linked");

    // The review shows it, and says why it has no document to preview.
    d.enter_until(Screen::Review);
    let review = d.screen(120, 40);
    assert!(
        review.contains("/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch")
            && review.contains("service-linked to batch.amazonaws.com"),
        "{review}"
    );
    let index = d
        .app
        .derived
        .plan
        .as_ref()
        .unwrap()
        .resources
        .iter()
        .position(|r| r.is_service_linked())
        .unwrap();
    while d.app.review.cursor < index {
        d.key(KeyCode::Down);
    }
    d.key(KeyCode::Char('p'));
    assert_eq!(d.app.screen, Screen::Review);
    assert_eq!(
        d.app.flash.as_deref(),
        Some("AWS writes the documents of the service-linked role AWSServiceRoleForBatch")
    );
}

/// The review evaluates every intent against the plan with its edits: an
/// edit of the bucket policy that drops `s3:PutObject` is an error there,
/// naming the action and why it is needed, and nothing can be created.
#[test]
fn an_edit_that_takes_away_what_a_workload_needs_blocks_the_review() {
    let mut d = Driver::counting(|dir| demo_config(dir, Theme::COLOR));
    d.enter_until(Screen::Preview);
    let doc = d.app.documents()[0].clone();
    assert_eq!(doc.id.name, "s3bucket-access-us-east-1");
    let plan = d.app.derived.plan.clone().unwrap();
    let mut narrowed = plan
        .resources
        .iter()
        .find(|r| r.id() == doc.id)
        .and_then(|r| r.documents().into_iter().find(|(l, _)| *l == doc.label))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(
        d.app.derived.intents.iter().all(|o| o.verdict.holds()),
        "the demo's plan holds every intent"
    );
    narrowed["Statement"][0]["Action"] = json!(["s3:GetObject", "s3:ListBucket"]);
    d.app.save_edit(&doc, &narrowed);
    let failed: Vec<_> = d
        .app
        .derived
        .findings
        .iter()
        .filter(|f| f.code == "intent")
        .collect();
    assert!(!failed.is_empty());
    assert!(
        failed.iter().all(|f| f.message.contains("s3:PutObject")),
        "{failed:#?}"
    );
    // The preview of the edited policy says what the edit took away, from
    // which roles.
    let preview = d.screen(160, 60);
    assert!(
        preview.contains("role ecsInstanceRole must allow s3:PutObject"),
        "{preview}"
    );
    // The edit was made on the preview, after the review: going on from
    // there is blocked too, and the review lists why.
    d.enter();
    assert_eq!(d.app.screen, Screen::Preview, "blocked");
    assert!(
        d.app.flash.as_deref().unwrap_or_default().contains("error"),
        "{:?}",
        d.app.flash
    );
    d.esc();
    assert_eq!(d.app.screen, Screen::Review);
    d.enter();
    assert_eq!(d.app.screen, Screen::Review, "blocked");
    let screen = d.screen(160, 60);
    assert!(screen.contains("must allow s3:PutObject"), "{screen}");
    assert_eq!(d.mutating_calls(), 0, "nothing was created");
}

/// After the apply, the summary reads back what was made and shows the
/// verdict of every intent.
#[test]
fn the_summary_verifies_what_was_just_created() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    d.key(KeyCode::Char('y'));
    d.assert_applied();
    d.enter();
    assert_eq!(d.app.screen, Screen::Summary);
    let Some(onramp::tui::app::Loading::Ready(outcomes)) = &d.app.summary.verified else {
        panic!(
            "the worker verified: {:?}",
            d.app.summary.verified.is_some()
        )
    };
    assert!(outcomes.len() > 30, "{}", outcomes.len());
    assert!(outcomes.iter().all(|o| o.verdict.holds()));
    let screen = d.screen(120, 60);
    assert!(screen.contains("Verified against the account"), "{screen}");
    assert!(
        screen.contains(&format!("{0} of {0} intents hold", outcomes.len())),
        "{screen}"
    );
}

/// Opens the preview's first document (the bucket policy), adds a Sid to its
/// first statement and saves the edit.
fn edit_the_bucket_policy(d: &mut Driver) {
    d.enter_until(Screen::Preview);
    d.key(KeyCode::Char('e'));
    d.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down, KeyCode::End]);
    d.key(KeyCode::Enter)
        .type_text("\"Sid\": \"EditedByHand\",");
    d.ctrl('s');
    assert!(d.app.editor.is_none(), "{:?}", d.app.flash);
}

#[test]
fn a_saved_edit_is_in_the_answers_file_and_every_command_replays_it() {
    let mut d = Driver::demo();
    edit_the_bucket_policy(&mut d);
    assert!(d.app.work_pending(), "an edit is unsaved work");
    d.key(KeyCode::Char('s'));
    assert!(!d.app.work_pending());
    let path = d.path("answers.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[[edits]]"), "{text}");
    assert!(
        text.contains("name = \"s3bucket-access-us-east-1\""),
        "{text}"
    );
    assert!(text.contains("\"Sid\": \"EditedByHand\""), "{text}");
    // The target is pinned: a replay goes to the same region and account.
    assert!(text.contains("region = \"us-east-1\""), "{text}");
    assert!(text.contains("account_id = \"123456789012\""), "{text}");

    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_onramp"))
            .args(args)
            .current_dir(d.dir.path())
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            o.status.success(),
            "{args:?}: {stdout}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        stdout
    };
    let file = path.to_str().unwrap();
    let plan: serde_json::Value = serde_json::from_str(&run(&[
        "--demo",
        "plan",
        "--answers",
        file,
        "--format",
        "json",
    ]))
    .unwrap();
    let policy = plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "s3bucket-access-us-east-1")
        .unwrap();
    assert_eq!(policy["document"]["Statement"][0]["Sid"], "EditedByHand");
    assert_eq!(plan["edits"][0]["state"], "applied");
    let template = run(&[
        "--demo",
        "export",
        "--answers",
        file,
        "--format",
        "cloudformation",
    ]);
    assert!(template.contains("EditedByHand"), "{template}");
    let applied = run(&[
        "--demo",
        "apply",
        "--answers",
        file,
        "--yes",
        "--format",
        "json",
    ]);
    assert!(applied.contains("s3bucket-access-us-east-1"), "{applied}");
}

#[test]
fn an_edit_made_from_an_older_document_is_shown_and_saving_it_again_settles_it() {
    let mut d = Driver::demo();
    edit_the_bucket_policy(&mut d);
    // As if onramp had generated another document when the edit was made.
    d.app.answers.edits[0].generated = d.app.answers.edits[0]
        .generated
        .replace("\"s3:*\"", "\"s3:ListAllMyBuckets\"");
    d.app.refresh();
    let stale = d
        .app
        .derived
        .findings
        .iter()
        .find(|f| f.code == "edit-stale")
        .expect("a stale edit is an error");
    assert!(
        stale.message.contains("s3:ListAllMyBuckets"),
        "{}",
        stale.message
    );
    assert!(onramp::tui::screens::review::plan_blocker(&d.app).is_some());
    // The preview says so beside the document.
    assert_eq!(d.app.screen, Screen::Preview);
    let screen = d.screen(120, 40);
    assert!(screen.contains("no longer generates"), "{screen}");
    // Opening and saving it again makes it an edit of today's document.
    d.key(KeyCode::Char('e')).ctrl('s');
    assert!(
        d.app
            .derived
            .findings
            .iter()
            .all(|f| f.code != "edit-stale")
    );
    assert!(d.app.answers.edits[0].generated.contains("\"s3:*\""));
    assert!(
        !d.app.answers.edits[0]
            .generated
            .contains("s3:ListAllMyBuckets")
    );
}

#[test]
fn an_edit_of_a_document_toggled_away_is_kept_aside_said_and_comes_back() {
    let mut d = Driver::demo();
    edit_the_bucket_policy(&mut d);
    let edit = d.app.answers.edits[0].clone();
    // Another region renames the bucket policy: the edited document is gone.
    d.app.answers.region = Some("us-west-2".into());
    d.app.refresh();
    assert!(d.app.answers.edits.is_empty(), "not saved while aside");
    assert_eq!(d.app.parked_edits, vec![edit.clone()]);
    let aside = d
        .app
        .derived
        .findings
        .iter()
        .find(|f| f.code == "edit-aside")
        .unwrap();
    assert!(
        aside.message.contains("s3bucket-access-us-east-1"),
        "{}",
        aside.message
    );
    d.app.answers.region = Some("us-east-1".into());
    d.app.refresh();
    assert_eq!(d.app.answers.edits, vec![edit]);
    assert!(d.app.parked_edits.is_empty());
    assert!(
        d.app
            .derived
            .findings
            .iter()
            .all(|f| !f.code.starts_with("edit-"))
    );
}

/// Every key a user might press, but those that quit (q, Ctrl-C) or suspend.
fn keys_that_must_wait() -> Vec<crossterm::event::KeyEvent> {
    use crossterm::event::KeyEvent;
    let mut keys: Vec<KeyEvent> = [
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::PageDown,
        KeyCode::PageUp,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::F(1),
    ]
    .into_iter()
    .map(KeyEvent::from)
    .collect();
    keys.extend(
        " yYnNaxedpurtcsl?/+jkh1"
            .chars()
            .map(|c| KeyEvent::from(KeyCode::Char(c))),
    );
    keys.extend(
        ['s', 'u', 'r']
            .into_iter()
            .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    );
    keys
}

#[test]
fn behind_the_too_small_message_every_key_but_quit_waits_on_every_screen_and_overlay() {
    for (name, mut d) in tui::demo_screens() {
        update(&mut d.app, Action::Resize(79, 24));
        assert!(d.app.too_small(), "{name}");
        let before = format!("{:?}", d.app);
        for key in keys_that_must_wait() {
            let effects = update(&mut d.app, Action::Key(key));
            assert!(effects.is_empty(), "{name}: {key:?} gave {effects:?}");
            assert!(format!("{:?}", d.app) == before, "{name}: {key:?} acted");
        }
        let wheel = MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 1,
            row: 1,
            modifiers: KeyModifiers::NONE,
        };
        assert!(
            update(&mut d.app, Action::Mouse(wheel)).is_empty(),
            "{name}"
        );
        assert!(format!("{:?}", d.app) == before, "{name}: the wheel acted");
    }
}

#[test]
fn y_on_the_confirm_screen_behind_the_too_small_message_creates_nothing() {
    let mut d = Driver::counting(|dir| demo_config(dir, Theme::COLOR));
    d.enter_until(Screen::Confirm);
    d.act(Action::Resize(60, 20));
    d.key(KeyCode::Char('y')).enter();
    d.act(Action::Resize(100, 30));
    assert_eq!(d.app.screen, Screen::Confirm);
    assert!(d.app.run.journal.is_none(), "no apply started");
    assert_eq!(d.mutating_calls(), 0);
    // Once it fits again, y works.
    d.key(KeyCode::Char('y'));
    d.assert_applied();
}

#[test]
fn q_behind_the_too_small_message_asks_there_and_takes_the_answer() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Options);
    d.key(KeyCode::Char(' ')); // Spot off: unsaved
    d.act(Action::Resize(70, 20));
    d.key(KeyCode::Char('q'));
    assert_eq!(d.app.overlay, Some(Overlay::ConfirmQuit));
    let screen = d.screen(70, 20);
    assert!(screen.contains("Terminal too small"), "{screen}");
    assert!(screen.contains("Your answers are not saved"), "{screen}");
    d.key(KeyCode::Char('n'));
    assert_eq!(d.app.overlay, None);
    assert_eq!(d.exit, None);
    let screen = d.screen(70, 20);
    assert!(screen.contains("press q to quit"), "{screen}");
    d.key(KeyCode::Char('q')).key(KeyCode::Char('y'));
    assert_eq!(d.exit, Some(0));
}

#[test]
fn ctrl_c_behind_the_too_small_message_during_the_apply_asks_to_stop() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    let journal = d.path("j.jsonl");
    tui::apply_mid_way(&mut d.app, journal);
    update(&mut d.app, Action::Resize(70, 20));
    let ctrl_c = Action::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    ));
    assert_eq!(update(&mut d.app, ctrl_c.clone()), vec![Effect::PauseApply]);
    assert_eq!(d.app.overlay, Some(Overlay::ConfirmStop));
    let screen = d.screen(70, 20);
    assert!(screen.contains("Stop the apply?"), "{screen}");
    assert_eq!(update(&mut d.app, ctrl_c), vec![Effect::StopApply]);
}

#[test]
fn the_stop_question_holds_new_calls_and_keep_going_lets_them_start_again() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    let journal = d.path("j.jsonl");
    tui::apply_mid_way(&mut d.app, journal);
    let key = |c| Action::Key(crossterm::event::KeyEvent::from(KeyCode::Char(c)));
    assert_eq!(update(&mut d.app, key('q')), vec![Effect::PauseApply]);
    assert_eq!(d.app.overlay, Some(Overlay::ConfirmStop));
    // Asking again does not pause twice.
    assert_eq!(update(&mut d.app, key('q')), Vec::<Effect>::new());
    assert_eq!(update(&mut d.app, key('n')), vec![Effect::ResumeApply]);
    assert_eq!(d.app.overlay, None);
    assert_eq!(
        update(
            &mut d.app,
            Action::Key(crossterm::event::KeyEvent::from(KeyCode::Esc))
        ),
        Vec::<Effect>::new(),
        "Esc without the question neither resumes nor goes back"
    );
    assert_eq!(update(&mut d.app, key('q')), vec![Effect::PauseApply]);
    assert_eq!(update(&mut d.app, key('y')), vec![Effect::StopApply]);
    assert!(d.app.run.stopping);
}

/// The demo's answers without a region, with no bucket chosen (so not yet
/// valid), outside the demo so the header shows the account and region.
fn no_region_config(dir: &std::path::Path, flag: Option<&str>) -> onramp::tui::app::Config {
    let mut config = demo_config(dir, Theme::COLOR);
    config.demo = false;
    config.environment.region_flag = flag.map(str::to_owned);
    config.environment.region_env = Some("us-east-1".into());
    config.answers.region = None;
    if let Some(g) = &mut config.answers.genomics {
        g.buckets.clear();
    }
    config
}

#[test]
fn the_region_from_the_flag_or_environment_is_the_wizards_from_the_first_frame() {
    let mut d = Driver::with(
        |dir| no_region_config(dir, Some("eu-west-1")),
        Arc::new(MemoryCloud::demo()),
    );
    assert!(d.app.derived.valid.is_none(), "not valid yet: no bucket");
    assert_eq!(
        d.app.region(),
        Some("eu-west-1"),
        "--region before AWS_REGION"
    );
    let welcome = d.screen(120, 40);
    let header = welcome.lines().next().unwrap();
    assert!(header.contains("eu-west-1"), "{header}");
    assert!(
        !welcome.contains("no region") && !welcome.contains("not set"),
        "{welcome}"
    );
    d.enter_until(Screen::Buckets);
    let buckets = d.screen(120, 40);
    let row = |name: &str| {
        buckets
            .lines()
            .find(|l| l.contains(name))
            .unwrap()
            .to_owned()
    };
    assert!(
        !row("onramp-demo-pcluster").contains("another region"),
        "{buckets}"
    );
    assert!(
        row("onramp-demo-inputs").contains("us-east-1 (another region)"),
        "{buckets}"
    );

    // Without the flag, AWS_REGION (or AWS_DEFAULT_REGION, which the
    // command line puts in the same place) is the region.
    let d = Driver::with(
        |dir| no_region_config(dir, None),
        Arc::new(MemoryCloud::demo()),
    );
    assert_eq!(d.app.region(), Some("us-east-1"));
    let header = d.screen(120, 40).lines().next().unwrap().to_owned();
    assert!(header.contains("us-east-1"), "{header}");
}

#[test]
fn without_an_answers_file_the_welcome_screen_names_the_flag_not_the_file() {
    let mut d = Driver::with(
        |dir| {
            let mut config = no_region_config(dir, None);
            config.environment.region_env = None;
            config.answers_path = None;
            config
        },
        Arc::new(MemoryCloud::demo()),
    );
    let screen = d.screen(120, 40);
    assert!(screen.contains("--region"), "{screen}");
    assert!(!screen.contains("to the answers file"), "{screen}");
    // While connecting, the account is not "missing": it comes from the connection.
    let (app, _) = onramp::tui::app::App::new(d.app.config.clone());
    d.app = app;
    let screen = d.screen(120, 40);
    assert!(screen.contains("connecting"), "{screen}");
    assert!(!screen.contains("account_id"), "{screen}");
}

#[test]
fn parallelcluster_3_to_2_to_3_restores_every_choice() {
    let mut d = Driver::demo();
    d.enter_until(Screen::ParallelCluster);
    d.key(KeyCode::Down).key(KeyCode::Right); // version 2: slurm → sge
    d.key(KeyCode::Up).key(KeyCode::Right); // version 3 (sge → slurm)
    // Rows: version, scheduler, IAM mode, FSx, image build, login nodes, secret, release.
    d.keys(&[KeyCode::Down, KeyCode::Down]).key(KeyCode::Right); // restricted
    d.key(KeyCode::Down).key(KeyCode::Char(' ')); // FSx on
    d.key(KeyCode::Down).type_text("lab-lustre"); // its bucket
    d.key(KeyCode::Down).key(KeyCode::Char(' ')); // image build on
    d.key(KeyCode::Down).key(KeyCode::Char(' ')); // login nodes on
    d.keys(&[KeyCode::Down, KeyCode::Down]).key(KeyCode::Left); // release 3.15
    let chosen = d.app.answers.parallelcluster.clone().unwrap();
    assert_eq!(chosen.iam_mode.as_deref(), Some("restricted"));
    assert!(chosen.fsx && chosen.image_build && chosen.login_nodes);
    assert_eq!(chosen.fsx_bucket.as_deref(), Some("lab-lustre"));
    assert_eq!(chosen.pcluster_version.as_deref(), Some("3.15"));
    while d.app.cluster.cursor > 0 {
        d.key(KeyCode::Up);
    }
    d.key(KeyCode::Left); // back to 2: its scheduler comes back
    let v2 = d.app.answers.parallelcluster.clone().unwrap();
    assert_eq!(v2.version, "2");
    assert_eq!(v2.scheduler, "sge");
    assert!(
        v2.iam_mode.is_none() && !v2.fsx,
        "version 3's fields leave the answers"
    );
    d.key(KeyCode::Right); // and 3 again: everything chosen there is back
    assert_eq!(d.app.answers.parallelcluster.clone().unwrap(), chosen);
}

#[test]
fn login_nodes_turned_off_by_an_older_release_or_awsbatch_come_back() {
    let mut d = Driver::demo();
    d.enter_until(Screen::ParallelCluster);
    d.key(KeyCode::Right); // version 3
    let rows = onramp::tui::screens::parallelcluster::items(&d.app);
    let row = |item| rows.iter().position(|i| *i == item).unwrap();
    use onramp::tui::screens::parallelcluster::Item;
    let (login, release, scheduler) = (
        row(Item::LoginNodes),
        row(Item::Release),
        row(Item::Scheduler),
    );
    let login_nodes = |d: &Driver| d.app.answers.parallelcluster.as_ref().unwrap().login_nodes;
    d.app.cluster.cursor = login;
    d.key(KeyCode::Char(' '));
    assert!(login_nodes(&d));
    d.app.cluster.cursor = release;
    d.key(KeyCode::Right); // past the newest: 3.6, without login nodes
    assert!(!login_nodes(&d));
    d.key(KeyCode::Left); // 3.16 again
    assert!(login_nodes(&d), "back with a release that has them");
    d.app.cluster.cursor = scheduler;
    d.key(KeyCode::Right); // awsbatch
    assert!(!login_nodes(&d));
    d.key(KeyCode::Right); // slurm
    assert!(login_nodes(&d), "back with Slurm");
}

#[test]
fn an_unselected_typed_in_bucket_stays_in_the_list_to_select_again() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Buckets);
    d.key(KeyCode::Char('+'))
        .type_text("lab-new-bucket")
        .enter();
    assert_eq!(
        d.app.buckets.focus,
        onramp::tui::screens::buckets::Focus::List,
        "back to the list after adding"
    );
    d.key(KeyCode::Char('/'));
    assert_eq!(
        d.app.buckets.focus,
        onramp::tui::screens::buckets::Focus::Filter,
        "/ filters"
    );
    d.type_text("lab-new");
    d.esc();
    assert_eq!(
        d.app.screen,
        Screen::Buckets,
        "Esc leaves the field, not the screen"
    );
    assert_eq!(
        d.app.buckets.focus,
        onramp::tui::screens::buckets::Focus::List
    );
    d.key(KeyCode::Char(' ')); // unselect it
    let chosen = |d: &Driver| d.app.answers.genomics.as_ref().unwrap().buckets.clone();
    assert!(!chosen(&d).contains(&"lab-new-bucket".to_owned()));
    let items = onramp::tui::screens::buckets::items(&d.app);
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(!items[0].selected && !items[0].exists);
    d.key(KeyCode::Char(' ')); // and again
    assert!(chosen(&d).contains(&"lab-new-bucket".to_owned()));
    // Esc in the name field with text in it: back to the list, text kept.
    d.key(KeyCode::Char('+')).type_text("half");
    d.esc();
    assert_eq!(d.app.screen, Screen::Buckets);
    assert_eq!(d.app.buckets.add.text(), "half");
    d.esc();
    assert_eq!(
        d.app.screen,
        Screen::Scope,
        "Esc in the list goes back a screen"
    );
}

#[test]
fn esc_while_stepping_through_stops_stepping_and_stays_on_confirm() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    d.key(KeyCode::Char('t'));
    assert!(d.app.confirm.stepping.is_some());
    d.esc();
    assert_eq!(d.app.screen, Screen::Confirm);
    assert!(d.app.confirm.stepping.is_none());
}

#[test]
fn undoing_a_change_leaves_nothing_to_save() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Buckets);
    // Unselect and select again a bucket: it moves to the end of the list.
    d.key(KeyCode::Down)
        .key(KeyCode::Char(' '))
        .key(KeyCode::Char(' '));
    // ParallelCluster only, then both again.
    d.esc();
    d.key(KeyCode::Up).key(KeyCode::Char(' '));
    d.key(KeyCode::Down).key(KeyCode::Char(' '));
    assert!(!d.app.work_pending(), "{:?}", d.app.answers);
    d.key(KeyCode::Char('q'));
    assert_eq!(d.exit, Some(0), "nothing to ask about");

    // From answers without a cluster part, visiting the choices adds none.
    let mut d = Driver::with(
        |dir| {
            let mut config = demo_config(dir, Theme::COLOR);
            config.answers.parallelcluster = None;
            config
        },
        Arc::new(MemoryCloud::demo()),
    );
    d.enter();
    d.key(KeyCode::Down).key(KeyCode::Char(' ')); // ParallelCluster
    d.key(KeyCode::Up).key(KeyCode::Char(' ')); // Genomics only, as before
    assert!(!d.app.work_pending(), "{:?}", d.app.answers.parallelcluster);
}

#[test]
fn every_key_means_one_thing_across_the_wizard_and_no_help_lists_a_key_twice() {
    use onramp::tui::keymap::{self, GLOBAL, Meaning};
    use std::collections::BTreeMap;
    let mut meanings: BTreeMap<&str, (Meaning, String)> = BTreeMap::new();
    let mut check = |key: &'static str, meaning: Meaning, place: String| {
        let (first, at) = meanings.entry(key).or_insert((meaning, place.clone()));
        assert_eq!(
            *first, meaning,
            "`{key}` means {first:?} on {at} but {meaning:?} on {place}"
        );
    };
    for b in GLOBAL {
        for key in b.keys {
            check(key, b.meaning, "every screen".into());
        }
    }
    for screen in Screen::ALL {
        for editing in [false, true] {
            for b in keymap::screen_keys(screen, editing) {
                for key in b.keys {
                    check(key, b.meaning, format!("{screen:?} (editing: {editing})"));
                }
            }
        }
    }
    for (name, d) in tui::demo_screens() {
        let (here, everywhere) = keymap::help(&d.app);
        let listed: Vec<String> = here
            .iter()
            .chain(&everywhere)
            .flat_map(|(keys, _)| keys.split(" / ").map(str::to_owned).collect::<Vec<_>>())
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        for key in &listed {
            assert!(
                seen.insert(key),
                "{name}: the help lists `{key}` twice: {listed:?}"
            );
        }
        // The footer's hints are keys the help explains.
        for (key, _) in keymap::footer(&d.app) {
            assert!(
                listed.iter().any(|k| k == key || k.contains(key)),
                "{name}: the footer shows `{key}`, which the help does not list: {listed:?}"
            );
        }
    }
}

// ------------------------------------------------- what a run made (issue 18)

/// The summary's text, tall enough to hold all of it.
fn summary_text(d: &Driver) -> String {
    d.screen(160, 90)
}

#[test]
fn a_step_through_that_skips_names_what_was_skipped_by_kind_and_claims_nothing_more() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    d.key(KeyCode::Char('t'));
    // Order: bucket policy, ebs policy, service role, instance role, …
    d.keys(&[KeyCode::Char('y'), KeyCode::Char('y'), KeyCode::Char('y')]);
    d.key(KeyCode::Char('n')); // the instance role; its profile goes with it
    d.key(KeyCode::Char('a'));
    d.assert_applied();
    let apply = d.screen(120, 40);
    assert!(!apply.contains("every planned resource exists"), "{apply}");
    assert!(apply.contains("skipped by you"), "{apply}");
    d.enter();
    assert_eq!(d.app.screen, Screen::Summary);
    let text = summary_text(&d);
    let planned = d.app.derived.plan.as_ref().unwrap().resources.len();
    assert!(
        text.contains(&format!(
            "of {planned} planned resources exist: you skipped role ecsInstanceRole, instance profile ecsInstanceRole"
        )),
        "{text}"
    );
    assert!(!text.contains("every planned resource exists"), "{text}");
    assert!(
        text.contains("role ecsInstanceRole: skipped by you, not created"),
        "{text}"
    );
    assert!(
        text.contains("instance profile ecsInstanceRole: skipped by you, not created"),
        "{text}"
    );
    // No ARN that does not exist; what is missing is said instead.
    assert!(
        !text.contains("arn:aws:iam::123456789012:instance-profile/ecsInstanceRole"),
        "{text}"
    );
    assert!(
        text.contains("missing: instance profile ecsInstanceRole does not exist yet"),
        "{text}"
    );
    assert!(
        text.contains("AWS Batch still needs instance profile ecsInstanceRole"),
        "{text}"
    );
    assert!(
        !text.contains("Create the Batch compute environment"),
        "{text}"
    );
}

#[test]
fn a_run_stopped_part_way_shows_what_of_each_resource_was_made() {
    use onramp::apply::run::Event;
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    let journal = d.path("j.jsonl");
    let plan = tui::start_rows_by_hand(&mut d.app, journal);
    d.app.screen = Screen::Apply;
    let role = plan
        .resources
        .iter()
        .find(|r| r.name == "ecsInstanceRole" && r.role().is_some())
        .unwrap();
    let managed_policy_arns = &role.role().unwrap().managed_policy_arns;
    let id = role.id();
    let mut feed = |event| {
        update(&mut d.app, Action::Progress(event));
    };
    feed(Event::Done {
        id: id.clone(),
        action: Api::CreateRole,
        detail: Some(role.arn.clone()),
        arn: Some(role.arn.clone()),
    });
    for arn in &managed_policy_arns[..2] {
        feed(Event::Done {
            id: id.clone(),
            action: Api::AttachRolePolicy,
            detail: Some(arn.clone()),
            arn: None,
        });
    }
    feed(Event::NotStarted { id: id.clone() });
    let row = d.app.run.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.status, Status::Partial);
    let total = managed_policy_arns.len();
    let made = format!("created, 2 of {total} managed policies attached; stopped before attaching");
    assert!(row.progress().starts_with(&made), "{}", row.progress());
    update(
        &mut d.app,
        Action::Applied(Err(onramp::apply::run::ApplyError::Stopped.into())),
    );
    let apply = d.screen(160, 40);
    assert!(apply.contains(&format!("part-way: {made}")), "{apply}");
    d.enter();
    let text = summary_text(&d);
    assert!(
        text.contains(&format!("role ecsInstanceRole: stopped part-way: {made}")),
        "{text}"
    );
    assert!(
        text.contains("instance profile ecsInstanceRole: not started"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "0 of {} planned resources exist",
            plan.resources.len()
        )),
        "{text}"
    );
}

/// Runs a command line as a person pasting it into a shell would, with
/// this build's `onramp` first on the PATH.
fn pasted(command: &str, dir: &std::path::Path) -> std::process::Output {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_onramp"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap()
}

#[test]
fn the_summarys_undo_and_resume_commands_work_when_pasted() {
    let mut d = Driver::with(
        |dir| {
            let runs = dir.join("my runs");
            std::fs::create_dir_all(&runs).unwrap();
            let mut config = demo_config(dir, Theme::MONO);
            config.journal = Some(runs.join("demo journal.jsonl"));
            config.answers_path = Some(runs.join("my answers.toml"));
            config.profile = Some("lab".into());
            config
        },
        Arc::new(MemoryCloud::demo()),
    );
    d.enter_until(Screen::Confirm);
    d.key(KeyCode::Char('y'));
    d.assert_applied();
    d.enter();
    d.key(KeyCode::Char('s'));
    let undo = onramp::tui::screens::apply::undo_command(&d.app).unwrap();
    assert!(
        undo.starts_with("onramp --demo --profile lab destroy"),
        "{undo}"
    );
    let text = summary_text(&d);
    assert!(text.contains(&format!("undo:   {undo}")), "{text}");
    let o = pasted(&undo, d.dir.path());
    assert!(
        o.status.success(),
        "{undo}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let (resume, unsaved) = onramp::tui::screens::summary::resume_command(&d.app).unwrap();
    assert!(!unsaved, "the answers were just saved");
    assert!(text.contains(&format!("resume: {resume}")), "{text}");
    // The wizard needs a terminal: `--help` checks that every word of the
    // command is one onramp takes, and the answers file is where it says.
    let o = pasted(&format!("{resume} --help"), d.dir.path());
    assert!(
        o.status.success(),
        "{resume}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(d.dir.path().join("my runs/my answers.toml").exists());
}

#[test]
fn resuming_shows_what_of_a_resource_an_earlier_run_made() {
    let cloud = Arc::new(MemoryCloud::demo());
    // What a run stopped right after CreateRole leaves: onramp's role, with
    // none of its policies attached yet.
    block_on(cloud.create_role(NewRole {
        name: "ecsInstanceRole",
        path: "/",
        description: "made by an earlier run",
        trust_policy: &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        permissions_boundary: None,
        tags: &[("onramp:managed-by".to_owned(), "onramp".to_owned())]
            .into_iter()
            .collect(),
    }))
    .unwrap();
    let mut d = Driver::with(|dir| demo_config(dir, Theme::MONO), cloud);
    d.enter_until(Screen::Confirm);
    let journal = d.path("j.jsonl");
    tui::start_rows_by_hand(&mut d.app, journal);
    d.app.screen = Screen::Apply;
    let text = d.screen(160, 40);
    let line = text
        .lines()
        .find(|l| {
            l.contains("role") && l.contains("ecsInstanceRole") && !l.contains("instance profile")
        })
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("waiting; in place: exists, 0 of"), "{line}");
    assert!(line.contains("managed policies attached"), "{line}");
}

#[test]
fn findings_and_notes_that_do_not_fit_at_80x24_scroll_and_say_so() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Review);
    let findings_rows = |d: &Driver| -> Vec<String> {
        let screen = d.screen(80, 24);
        let mut rows = screen.lines().skip_while(|l| !l.contains("Findings"));
        let title = rows.next().unwrap_or_default().to_owned();
        let body: Vec<String> = rows.take(3).map(str::to_owned).collect();
        std::iter::once(title).chain(body).collect()
    };
    let before = findings_rows(&d);
    assert!(before[0].contains("PgUp PgDn scroll"), "{before:?}");
    d.key(KeyCode::PageDown);
    let after = findings_rows(&d);
    assert_ne!(before[1..], after[1..], "PgDn shows later findings");
    assert_eq!(d.app.review.cursor, 0, "the resource selected stays");

    d.enter_until(Screen::Preview);
    let notes_rows = |d: &Driver| -> Vec<String> {
        let screen = d.screen(80, 24);
        screen
            .lines()
            .skip_while(|l| !l.contains("Notes and findings"))
            .take(4)
            .map(str::to_owned)
            .collect()
    };
    let before = notes_rows(&d);
    assert!(before[0].contains("PgUp PgDn scroll"), "{before:?}");
    d.key(KeyCode::PageDown);
    assert_ne!(before[1..], notes_rows(&d)[1..], "PgDn shows later notes");
    d.key(KeyCode::PageUp);
    assert_eq!(before, notes_rows(&d));
}

#[test]
fn wrapped_findings_and_commands_go_on_indented_under_their_text() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Review);
    d.key(KeyCode::PageDown);
    let screen = d.screen(80, 24);
    let findings: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("Findings"))
        .skip(1)
        .take_while(|l| !l.starts_with('╰'))
        .collect();
    for row in &findings {
        let text = row.trim_start_matches('│');
        let starts_a_finding = ["error", "warning", "note"]
            .iter()
            .any(|level| text.starts_with(level));
        assert!(
            starts_a_finding || text.starts_with("        "),
            "a continuation starts at the left edge: {row}\n{screen}"
        );
    }
    d.enter_until(Screen::Confirm);
    d.key(KeyCode::Char('c'));
    let screen = d.screen(80, 24);
    for row in screen
        .lines()
        .skip_while(|l| !l.contains("┃create"))
        .take(15)
    {
        let text = row.trim_start_matches('┃');
        assert!(
            text.starts_with(' ')
                || text.starts_with("create")
                || text.trim_end_matches('┃').trim().is_empty(),
            "a wrapped command restarts at the left edge: {row}\n{screen}"
        );
    }
}

#[test]
fn without_colour_the_size_bar_shows_how_full_it_is() {
    let mut d = Driver::with(
        |dir| demo_config(dir, Theme::MONO),
        Arc::new(MemoryCloud::demo()),
    );
    d.enter_until(Screen::Preview);
    let screen = d.screen(80, 24);
    let bar = screen.lines().nth(2).unwrap();
    // 415 of 6144 characters: one cell of ten, and the percentage.
    assert!(bar.starts_with("█░░░░░░░░░   7%"), "{bar}");
    assert!(bar.contains("415 of 6144 characters"), "{bar}");
}

#[test]
fn header_footer_and_messages_fit_80_and_120_columns() {
    for (name, mut d) in tui::demo_screens() {
        for width in [80, 120] {
            let screen = d.screen(width, 24.max(width / 3));
            let header = screen.lines().next().unwrap();
            assert!(
                header.trim_end().ends_with("AWS") || header.trim_end().ends_with("DEMO"),
                "{name} at {width}: the header is cut: {header}"
            );
            let footer = screen.lines().last().unwrap();
            if d.app.flash.is_none() && d.app.overlay.is_none() {
                assert!(
                    footer.contains("help"),
                    "{name} at {width}: the footer lost the help key: {footer}"
                );
            }
        }
        // A long message is shown whole, wrapped under itself.
        d.app.flash = Some(format!(
            "added {}; it is not in the account yet, create it before running jobs",
            "a-bucket-with-a-rather-long-name-for-the-footer"
        ));
        let screen = d.screen(80, 24);
        let text: String = screen
            .lines()
            .rev()
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.ends_with("create it before running jobs"),
            "{name}: {text}"
        );
    }
}

#[test]
fn a_long_path_and_name_on_the_review_wraps_under_the_name() {
    let mut d = Driver::with(
        |dir| {
            let mut config = demo_config(dir, Theme::COLOR);
            config.answers.path = "/research/genomics/pipelines/".into();
            config.answers.name_prefix = "lab-".into();
            config
        },
        Arc::new(MemoryCloud::demo()),
    );
    d.enter_until(Screen::Review);
    let screen = d.screen(80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    let at = rows
        .iter()
        .position(|r| r.contains("/research/genomics/pipelines/"))
        .unwrap_or_else(|| panic!("{screen}"));
    // What does not fit goes on the next row, under where the path began.
    let next = rows[at + 1].trim_start_matches('┃');
    assert!(next.starts_with(&" ".repeat(31)), "{screen}");
    let joined = format!(
        "{}{}",
        rows[at].trim_end_matches('┃'),
        next.trim_end_matches('┃').trim()
    );
    assert!(
        joined.contains("/research/genomics/pipelines/lab-s3bucket-access-us-east-1"),
        "{screen}"
    );
}

#[test]
fn a_one_letter_bucket_name_is_one_character_long() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Buckets);
    d.key(KeyCode::Char('+')).type_text("x");
    let problem = onramp::tui::screens::buckets::add_problem(&d.app).unwrap();
    assert_eq!(
        problem,
        "`x` is 1 character long; a bucket name has 3 to 63"
    );
}

#[test]
fn the_review_says_when_the_run_would_change_what_another_run_made() {
    let cloud = Arc::new(MemoryCloud::demo());
    let mut first = Driver::with(|dir| demo_config(dir, Theme::COLOR), cloud.clone());
    first.enter_until(Screen::Confirm).key(KeyCode::Char('y'));
    first.assert_applied();
    // Another run with its own journal, and one bucket more: the bucket
    // policy the first run made would change.
    let mut d = Driver::with(|dir| demo_config(dir, Theme::COLOR), cloud);
    d.app
        .answers
        .genomics
        .as_mut()
        .unwrap()
        .buckets
        .push("onramp-demo-archive".into());
    d.app.refresh();
    d.enter_until(Screen::Review);
    let notices = onramp::tui::screens::review::ownership(&d.app).unwrap();
    assert_eq!(notices.warnings.len(), 1, "{notices:?}");
    let screen = d.screen(120, 40);
    assert!(screen.contains("onramp made in another run"), "{screen}");
    assert!(screen.contains("s3bucket-access-us-east-1"), "{screen}");
    // A warning: the review still goes on.
    d.enter();
    assert_eq!(d.app.screen, Screen::Preview);
}

#[test]
fn a_journal_of_another_region_blocks_the_review() {
    let mut d = Driver::with(
        |dir| {
            let config = demo_config(dir, Theme::COLOR);
            let mut journal =
                onramp::apply::journal::Journal::open(config.journal.as_ref().unwrap()).unwrap();
            journal
                .append(onramp::apply::journal::Record::Run {
                    command: "apply".into(),
                    account_id: "123456789012".into(),
                    region: "eu-west-1".into(),
                    onramp_version: "0".into(),
                })
                .unwrap();
            config
        },
        Arc::new(MemoryCloud::demo()),
    );
    d.enter_until(Screen::Review);
    let why = onramp::tui::screens::review::blocker(&d.app).unwrap();
    assert!(
        why.contains("eu-west-1") && why.contains("us-east-1"),
        "{why}"
    );
    d.enter();
    assert_eq!(d.app.screen, Screen::Review, "blocked");
}
