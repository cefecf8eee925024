//! Quotas and IAM Access Analyzer in the wizard.

use super::*;

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
    let items = onramp::tui::screens::buckets::items(
        &d.app,
        onramp::tui::screens::buckets::Target::Genomics,
    );
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
    // Genomics off (ParallelCluster only), then on again.
    d.esc();
    d.key(KeyCode::Char(' ')).key(KeyCode::Char(' '));
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
    // ParallelCluster on and off again, then HealthOmics the same.
    d.key(KeyCode::Down)
        .key(KeyCode::Char(' '))
        .key(KeyCode::Char(' '));
    d.key(KeyCode::Down)
        .key(KeyCode::Char(' '))
        .key(KeyCode::Char(' '));
    assert!(d.app.answers.omics.is_some(), "visited");
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
