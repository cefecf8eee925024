//! Every wizard screen (and the export overlays) drawn on a TestBackend at 80×24 and 120×40 (text
//! snapshots), style snapshots of the preview, review and apply screens, the
//! monochrome theme, and sizes from 0×0 up that must never panic.

use onramp::iam::action::Action as Api;
use onramp::tui::app::Screen;
use onramp::tui::theme::Theme;
use onramp_testkit::tui;
use onramp_testkit::tui::{Driver, demo_config, demo_screens, styles_of};
use ratatui::style::{Color, Modifier};

#[test]
fn every_screen_at_80x24_and_120x40() {
    let all = demo_screens();
    assert_eq!(all.len(), 18);
    for (name, d) in &all {
        for (w, h) in [(80, 24), (120, 40)] {
            let text = d.snapshot_text(w, h);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
        }
    }
}

#[test]
fn styles_of_the_preview_review_and_apply_screens() {
    for (name, d) in demo_screens() {
        if ["review", "preview", "apply_in_progress"].contains(&name) {
            insta::assert_snapshot!(format!("{name}_styles"), styles_of(&d.buffer(80, 24)));
        }
    }
}

#[test]
fn every_screen_survives_any_size_and_small_ones_say_so() {
    for (name, d) in demo_screens() {
        for (w, h) in [
            (0, 0),
            (1, 1),
            (0, 24),
            (80, 0),
            (20, 5),
            (79, 24),
            (80, 23),
            (300, 100),
        ] {
            let text = d.screen(w, h);
            if w > 0 && h > 0 && (w < 80 || h < 24) {
                assert!(
                    text.contains("Terminal") || w < 20,
                    "{name} at {w}x{h}:\n{text}"
                );
            }
        }
        let text = d.screen(79, 24);
        assert!(text.contains("Terminal too small"), "{name}");
        assert!(text.contains("79×24"), "{name}");
    }
}

#[test]
fn no_color_gives_a_monochrome_theme_that_still_marks_the_focus() {
    let mut d = Driver::with(
        |dir| demo_config(dir, Theme::from_env(Some("1"))),
        std::sync::Arc::new(onramp::cloud::memory::MemoryCloud::demo()),
    );
    d.enter_until(Screen::Buckets);
    let mut focus_marked = false;
    for _ in 0..6 {
        let buffer = d.buffer(100, 30);
        for cell in buffer.content() {
            assert_eq!(cell.fg, Color::Reset, "no colour on {:?}", d.app.screen);
            assert_eq!(cell.bg, Color::Reset, "no colour on {:?}", d.app.screen);
            focus_marked |= cell.modifier.contains(Modifier::REVERSED);
        }
        d.enter();
    }
    assert!(focus_marked, "the selected row is shown in reverse video");
    assert_eq!(
        Theme::from_env(Some("")),
        Theme::COLOR,
        "an empty NO_COLOR does not count"
    );
}

#[test]
fn parallelcluster_3_screen_offers_modes_and_add_ons_and_switching_back_loses_nothing() {
    use crossterm::event::KeyCode;
    let mut d = Driver::demo();
    d.enter_until(Screen::ParallelCluster);
    let bucket_before = d
        .app
        .answers
        .parallelcluster
        .as_ref()
        .and_then(|p| p.resources_bucket.clone());
    d.key(KeyCode::Right); // version 2 → 3
    let p = d.app.answers.parallelcluster.clone().unwrap();
    assert_eq!(p.version, "3");
    assert_eq!(
        p.resources_bucket, None,
        "a version 2 field left the answers"
    );
    insta::assert_snapshot!("parallelcluster3_80x24", d.snapshot_text(80, 24));

    // Scheduler cycles over slurm and awsbatch only.
    d.key(KeyCode::Down);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..4 {
        d.key(KeyCode::Right);
        seen.insert(
            d.app
                .answers
                .parallelcluster
                .as_ref()
                .unwrap()
                .scheduler
                .clone(),
        );
    }
    assert_eq!(
        seen,
        ["awsbatch", "slurm"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    // IAM mode: restricted, then the FSx add-on with its bucket row.
    d.key(KeyCode::Down).key(KeyCode::Right);
    assert_eq!(
        d.app
            .answers
            .parallelcluster
            .as_ref()
            .unwrap()
            .iam_mode
            .as_deref(),
        Some("restricted")
    );
    d.key(KeyCode::Down).key(KeyCode::Char(' '));
    d.key(KeyCode::Down).type_text("lab-lustre");
    let p = d.app.answers.parallelcluster.clone().unwrap();
    assert!(p.fsx);
    assert_eq!(p.fsx_bucket.as_deref(), Some("lab-lustre"));
    insta::assert_snapshot!(
        "parallelcluster3_restricted_120x40",
        d.snapshot_text(120, 40)
    );

    // Back to version 2: its bucket returns, version 3's fields leave.
    while d.app.cluster.cursor > 0 {
        d.key(KeyCode::Up);
    }
    d.key(KeyCode::Left);
    let p = d.app.answers.parallelcluster.clone().unwrap();
    assert_eq!(p.version, "2");
    assert_eq!(p.resources_bucket, bucket_before);
    assert!(!p.fsx && p.fsx_bucket.is_none() && p.iam_mode.is_none());
}

#[test]
fn the_review_with_the_service_linked_batch_role() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Options);
    d.keys(&[
        crossterm::event::KeyCode::Down,
        crossterm::event::KeyCode::Down,
        crossterm::event::KeyCode::Down,
        crossterm::event::KeyCode::Down,
        crossterm::event::KeyCode::Char(' '),
    ]);
    d.enter_until(Screen::Review);
    insta::assert_snapshot!("review_service_linked_120x40", d.snapshot_text(120, 40));
}

/// After a step-through that skipped the instance role (and with it its
/// instance profile): the apply and the summary say what was skipped, by
/// kind, and the ARNs that do not exist are named as missing.
#[test]
fn the_apply_and_summary_after_a_step_through_that_skipped() {
    use crossterm::event::KeyCode;
    let mut d = Driver::with(
        |dir| demo_config(dir, Theme::COLOR),
        std::sync::Arc::new(onramp::cloud::memory::MemoryCloud::demo()),
    );
    d.redact_from = Some(d.dir.path().display().to_string());
    d.enter_until(Screen::Confirm);
    d.key(KeyCode::Char('t'));
    d.keys(&[KeyCode::Char('y'), KeyCode::Char('y'), KeyCode::Char('y')]);
    d.key(KeyCode::Char('n'));
    d.key(KeyCode::Char('a'));
    insta::assert_snapshot!("apply_skipped_120x40", d.snapshot_text(120, 40));
    d.enter();
    insta::assert_snapshot!("summary_skipped_120x50", d.snapshot_text(120, 50));
}

#[test]
fn too_small_with_the_quit_and_stop_questions() {
    use crossterm::event::{KeyCode, KeyEvent};
    use onramp::tui::action::Action;
    use onramp::tui::app::update;
    let mut d = Driver::demo();
    d.enter_until(Screen::Options);
    d.key(KeyCode::Char(' ')); // an unsaved answer
    update(&mut d.app, Action::Resize(60, 20));
    insta::assert_snapshot!("too_small_60x20", d.snapshot_text(60, 20));
    update(&mut d.app, Action::Key(KeyEvent::from(KeyCode::Char('q'))));
    insta::assert_snapshot!("too_small_asking_to_quit_60x20", d.snapshot_text(60, 20));
}

/// The screen's inner text with the borders and the indents gone and the
/// lines joined: a value wrapped over several lines reads whole in it.
fn joined(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || "┃│".contains(c)))
        .collect()
}

/// The apply screen mid-run, with a failure whose reason is longer than a
/// row: at 80 columns the running rows keep their counts and retries
/// (they were cut at "(1 r"), and the reason wraps under the status column.
#[test]
fn the_apply_screen_mid_run_keeps_counts_and_reasons_whole() {
    use onramp::apply::run::Event;
    use onramp::cloud::{CloudError, ErrorKind};
    use onramp::tui::action::Action;
    use onramp::tui::app::update;
    let mut d = Driver::demo();
    d.redact_from = Some(d.dir.path().display().to_string());
    d.enter_until(Screen::Confirm);
    let journal = d.path("demo.journal.jsonl");
    tui::apply_mid_way(&mut d.app, journal);
    let plan = d.app.derived.plan.clone().unwrap();
    let reason = "the role's trust policy names a principal that does not exist in this account; fix the answers and apply again";
    update(
        &mut d.app,
        Action::Progress(Event::Failed {
            id: plan.resources[4].id(),
            action: Api::CreateInstanceProfile,
            detail: None,
            error: CloudError::new(Api::CreateInstanceProfile, ErrorKind::AccessDenied, reason),
        }),
    );
    for (w, h) in [(80, 24), (120, 40)] {
        let text = d.snapshot_text(w, h);
        insta::assert_snapshot!(format!("apply_mid_run_{w}x{h}"), text);
        assert!(
            text.contains("CreateRole… 0/2, 1 retry") || text.contains("(0/2 calls, 1 retry)"),
            "{text}"
        );
        assert!(text.contains("0/5 calls"), "{text}");
        let flat = joined(&text).replace(' ', "");
        assert!(flat.contains(&reason.replace(' ', "")), "{text}");
    }
}

/// Without colour the progress gauge must still tell 5% from 71%: a plain
/// gauge draws filled and empty cells alike.
#[test]
fn the_monochrome_gauge_tells_little_progress_from_much() {
    use onramp::apply::run::Event;
    use onramp::tui::action::Action;
    use onramp::tui::app::update;
    let gauge_at = |done: usize| {
        let mut d = Driver::with(
            |dir| demo_config(dir, Theme::MONO),
            std::sync::Arc::new(onramp::cloud::memory::MemoryCloud::demo()),
        );
        d.enter_until(Screen::Confirm);
        let journal = d.path("demo.journal.jsonl");
        let plan = tui::start_rows_by_hand(&mut d.app, journal);
        d.app.screen = Screen::Apply;
        let mut fed = 0;
        'rows: for row in d.app.run.rows.clone() {
            let resource = plan.resources.iter().find(|r| r.id() == row.id).unwrap();
            for step in &row.remaining {
                if fed == done {
                    break 'rows;
                }
                let (action, detail) = (step.action(), step.detail());
                update(
                    &mut d.app,
                    Action::Progress(Event::Done {
                        id: row.id.clone(),
                        action,
                        detail,
                        arn: Some(resource.arn.clone()),
                    }),
                );
                fed += 1;
            }
        }
        let text = d.screen(80, 24);
        text.lines().nth(1).unwrap().to_owned()
    };
    let low = gauge_at(1);
    let high = gauge_at(15);
    let filled = |row: &str| row.chars().filter(|&c| c == '█').count();
    assert!(
        low.contains("1 of 21 calls") && high.contains("15 of 21 calls"),
        "{low}\n{high}"
    );
    assert!(
        low.contains('░') && high.contains('░'),
        "no empty cells:\n{low}\n{high}"
    );
    assert!(filled(&high) > filled(&low) * 3, "{low}\n{high}");
    assert!(low.contains("5%") && high.contains("71%"), "{low}\n{high}");
}

/// A long name prefix and path make ARNs longer than a line: each wraps
/// under itself and stays whole (nothing cut), at 80×24 and 120×40.
#[test]
fn the_summary_with_long_arns_wraps_them_whole() {
    let mut d = Driver::with(
        |dir| {
            let mut config = demo_config(dir, Theme::COLOR);
            config.answers.name_prefix = "research-computing-genomics-".into();
            config.answers.path = "/department-of-genomics/shared-infrastructure/batch/".into();
            config
        },
        std::sync::Arc::new(onramp::cloud::memory::MemoryCloud::demo()),
    );
    d.redact_from = Some(d.dir.path().display().to_string());
    d.enter_until(Screen::Confirm);
    d.key(crossterm::event::KeyCode::Char('y'));
    d.enter();
    assert_eq!(d.app.screen, Screen::Summary);
    let arns: Vec<String> = onramp::tui::screens::summary::key_arns(&d.app)
        .into_iter()
        .map(|(_, arn)| arn)
        .collect();
    assert!(arns.iter().any(|a| a.len() > 80), "{arns:?}");
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("summary_long_arns_{w}x{h}"), d.snapshot_text(w, h));
        // Every line, wherever it wraps, starts indented under its item.
        let tall = d.screen(w, 80);
        for line in tall.lines().skip(2) {
            let inner = line.trim_start_matches('┃');
            assert!(
                !inner.starts_with("arn:") && !inner.starts_with('/'),
                "a line back at the left edge: {line}"
            );
        }
        let flat = joined(&tall);
        for arn in &arns {
            assert!(flat.contains(arn.as_str()), "{arn} not whole in:\n{tall}");
        }
    }
}

/// The step-through after skipping the instance role: the role and its
/// instance profile share a name, so each is named with its kind.
#[test]
fn the_step_through_names_what_was_skipped_by_kind() {
    use crossterm::event::KeyCode;
    let mut d = Driver::demo();
    d.redact_from = Some(d.dir.path().display().to_string());
    d.enter_until(Screen::Confirm);
    d.key(KeyCode::Char('t'));
    d.keys(&[KeyCode::Char('y'), KeyCode::Char('y'), KeyCode::Char('y')]);
    d.key(KeyCode::Char('n'));
    for (w, h) in [(80, 24), (120, 40)] {
        let text = d.snapshot_text(w, h);
        insta::assert_snapshot!(format!("confirm_step_through_skipped_{w}x{h}"), text);
        assert!(text.contains("Esc stop stepping"), "the keys wrap: {text}");
        let flat = joined(&text).replace(' ', "");
        assert!(
            flat.contains("roleecsInstanceRole") && flat.contains("instanceprofileecsInstanceRole"),
            "{text}"
        );
    }
}

/// A run that failed: the Result panel's sentences (the journal and the
/// undo command in it) wrap under their own start, not at the left edge.
#[test]
fn the_result_panel_wraps_its_sentences_under_themselves() {
    use onramp::tui::action::Action;
    use onramp::tui::app::update;
    let mut d = Driver::demo();
    d.enter_until(Screen::Confirm);
    let journal = d.path("a journal folder with a long name/demo.journal.jsonl");
    tui::apply_mid_way(&mut d.app, journal);
    update(
        &mut d.app,
        Action::Applied(Err(onramp::cloud::CloudError::new(
            Api::CreateRole,
            onramp::cloud::ErrorKind::AccessDenied,
            "access denied",
        )
        .into())),
    );
    let text = d.screen(80, 24);
    let panel: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("Result"))
        .skip(1)
        .take_while(|l| !l.starts_with('╰'))
        .collect();
    let sentence = panel
        .iter()
        .position(|l| l.contains("The journal"))
        .unwrap_or_else(|| panic!("{text}"));
    let next = panel[sentence + 1];
    assert!(
        next.starts_with("│  ") && !next.starts_with("│   "),
        "the sentence's second line is not indented under it:\n{text}"
    );
    let flat = joined(&panel.join("\n"));
    let undo = onramp::tui::screens::apply::undo_command(&d.app).unwrap();
    assert!(
        flat.replace(' ', "").contains(&undo.replace(' ', "")),
        "{text}"
    );
}

/// An `ecsInstanceRole` made by hand, with another trust policy and a
/// policy the plan lacks: the review shows the conflict and everything that
/// differs; `o` offers the choice (and the rename field); adopted, the row
/// and the detail say so; the confirm screen names the adoption. At 80×24
/// and 120×40, and without colour the differences keep their marks.
#[test]
fn the_review_with_a_conflict_and_the_choice_made() {
    use crossterm::event::KeyCode;
    let mut d = Driver::with(
        |dir| demo_config(dir, Theme::COLOR),
        tui::made_by_hand(&["ecsInstanceRole"]),
    );
    d.redact_from = Some(d.dir.path().display().to_string());
    d.enter_until(Screen::Review);
    // The bucket policy, the EBS policy, the Batch service role, then it.
    d.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
    for (w, h) in [(80, 24), (120, 40)] {
        let text = d.snapshot_text(w, h);
        insta::assert_snapshot!(format!("review_conflict_{w}x{h}"), text);
        assert!(text.contains("! conflict"), "{text}");
        assert!(text.contains("o adopt/keep"), "{text}");
    }
    d.key(KeyCode::Char('o'));
    insta::assert_snapshot!("review_choice_80x24", d.snapshot_text(80, 24));
    d.key(KeyCode::Char('n'));
    insta::assert_snapshot!("review_rename_80x24", d.snapshot_text(80, 24));
    d.esc().key(KeyCode::Char('a'));
    for (w, h) in [(80, 24), (120, 40)] {
        let text = d.snapshot_text(w, h);
        insta::assert_snapshot!(format!("review_adopted_{w}x{h}"), text);
        assert!(text.contains("* adopt"), "{text}");
    }
    d.enter_until(Screen::Confirm);
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("confirm_adopt_{w}x{h}"), d.snapshot_text(w, h));
    }
}

#[test]
fn without_colour_the_conflicts_differences_keep_their_marks() {
    use crossterm::event::KeyCode;
    let mut d = Driver::with(
        |dir| demo_config(dir, Theme::MONO),
        tui::made_by_hand(&["ecsInstanceRole"]),
    );
    d.enter_until(Screen::Review);
    d.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
    let buffer = d.buffer(120, 40);
    for cell in buffer.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset));
    }
    let text = tui::text_of(&buffer);
    for marked in [
        "~ trusts lambda.amazonaws.com",
        "+ attach:",
        "- attached, not planned: AmazonSSMManagedInstanceCore",
        "-        \"Service\": \"lambda.amazonaws.com\"",
        "+        \"Service\": \"ec2.amazonaws.com\"",
    ] {
        assert!(text.contains(marked), "{marked} in:\n{text}");
    }
    d.key(KeyCode::Char('o')).key(KeyCode::Char('n'));
    // The rename field's cursor is shown in reverse video.
    let buffer = d.buffer(80, 24);
    assert!(
        buffer
            .content()
            .iter()
            .any(|c| c.modifier.contains(Modifier::REVERSED) && c.symbol() == " "),
        "{}",
        tui::text_of(&buffer)
    );
}
