//! What a run made, partly made or stopped, as the wizard says it.

use super::*;

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
    let problem = onramp::tui::screens::buckets::add_problem(
        &d.app,
        onramp::tui::screens::buckets::Target::Genomics,
    )
    .unwrap();
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
            let journal =
                onramp::apply::journal::Journal::open(config.journal.as_ref().unwrap()).unwrap();
            journal
                .append_blocking(onramp::apply::journal::Record::Run {
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
