#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The wizard's `update`, driven by scripted keys through the whole flow,
//! with effects answered by the real worker on an in-memory account.

mod tui_support;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyModifiers, MouseEvent, MouseEventKind};
use onramp::cloud::memory::MemoryCloud;
use onramp::cloud::{Cloud, NewPolicy, NewRole};
use onramp::tui::action::{Action, Effect};
use onramp::tui::app::{Overlay, Screen, update};
use onramp::tui::screens::apply::Status;
use onramp::tui::theme::Theme;
use serde_json::json;
use tui_support::{Driver, demo_config};

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
    d.key(KeyCode::Char('a')).type_text("Bad_Name");
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
    assert!(d.app.edits.is_empty());

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
    assert_eq!(d.app.edits.len(), 1);
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
    assert!(effects.is_empty());
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
        Action::Applied(Err(onramp::apply::run::ApplyError::Stopped.to_string())),
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
    let plan = tui_support::start_rows_by_hand(&mut d.app, journal);
    let id = plan.resources[2].id();
    use onramp::apply::run::Event;
    update(
        &mut d.app,
        Action::Progress(Event::Started {
            id: id.clone(),
            action: "CreateRole",
        }),
    );
    update(
        &mut d.app,
        Action::Progress(Event::Retried {
            action: "CreateRole".into(),
            attempt: 2,
        }),
    );
    let row = d.app.run.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.status, Status::Running("CreateRole"));
    assert_eq!(row.retries, 1);
    update(
        &mut d.app,
        Action::Progress(Event::Failed {
            id: id.clone(),
            action: "CreateRole",
            detail: None,
            error: onramp::cloud::CloudError::new(
                "CreateRole",
                onramp::cloud::ErrorKind::Throttled,
                "Rate exceeded",
            ),
        }),
    );
    let row = d.app.run.rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(
        row.status,
        Status::Failed("CreateRole: Rate exceeded".into())
    );
    update(
        &mut d.app,
        Action::Applied(Err("CreateRole on role AWSBatchServiceRole failed".into())),
    );
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
            result: Err("stale".into()),
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
    assert!(d.app.edits.is_empty());
}

#[test]
fn without_credentials_the_welcome_screen_says_what_to_do_and_blocks() {
    let mut d = Driver::demo();
    update(
        &mut d.app,
        Action::Connected(Err("no AWS credentials found: run `aws configure`".into())),
    );
    d.enter();
    assert_eq!(d.app.screen, Screen::Welcome);
    let screen = d.screen(100, 30);
    assert!(screen.contains("Cannot use the account"), "{screen}");
    assert!(screen.contains("no AWS credentials found"), "{screen}");
    // `r` connects again.
    d.key(KeyCode::Char('r'));
    assert!(d.app.identity.ready().is_some());
    d.enter();
    assert_eq!(d.app.screen, Screen::Scope);
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
    assert_eq!(d.app.edits.len(), 1);
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
                && call.action == "CreateRole"
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
        .filter(|r| matches!(r.spec, onramp::plan::Spec::Role { .. }))
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
    assert_eq!(d.calls_of("GetAccountSummary"), 1);
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
    assert_eq!(d.calls_of("ValidatePolicy"), 0, "only the preview asks");
    d.enter_until(Screen::Preview);
    assert_eq!(d.calls_of("ValidatePolicy"), 1);
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
    assert_eq!(d.calls_of("ValidatePolicy"), 2);
    d.key(KeyCode::BackTab);
    assert_eq!(d.calls_of("ValidatePolicy"), 2);
    // An edit is another text: asked about once.
    d.key(KeyCode::Char('e'));
    d.key(KeyCode::End).type_text(" ");
    d.ctrl('s');
    assert_eq!(
        d.calls_of("ValidatePolicy"),
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
    assert_eq!(d.calls_of("ValidatePolicy"), 1, "asked once, never again");
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
            .contains("AWS Batch service role                     ◂ seed ▸"),
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
        screen.contains("◂ service-linked ▸")
            && screen.contains("AWSServiceRoleForBatch: AWS keeps its permissions current.")
            && screen.contains("cannot switch to the other kind later"),
        "{screen}"
    );
    // The plan follows at once: the service-linked role instead of the seed's.
    let plan = d.app.derived.plan.as_ref().unwrap();
    assert!(plan.resources.iter().any(|r| r.is_service_linked()));
    assert!(
        plan.get(onramp::names::EntityKind::Role, "AWSBatchServiceRole")
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
    d.app.edits.insert(doc, narrowed);
    d.app.refresh();
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
