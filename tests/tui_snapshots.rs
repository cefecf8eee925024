#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every wizard screen (and the export overlays) drawn on a TestBackend at 80×24 and 120×40 (text
//! snapshots), style snapshots of the preview, review and apply screens, the
//! monochrome theme, and sizes from 0×0 up that must never panic.

mod tui_support;

use onramp::tui::app::Screen;
use onramp::tui::theme::Theme;
use ratatui::style::{Color, Modifier};
use tui_support::{Driver, demo_config, demo_screens, styles_of};

impl Driver {
    fn snapshot_text(&self, width: u16, height: u16) -> String {
        let text = self.screen(width, height);
        match &self.redact_from {
            Some(dir) => text.replace(dir.as_str(), "<tmp>"),
            None => text,
        }
    }
}

#[test]
fn every_screen_at_80x24_and_120x40() {
    let all = demo_screens();
    assert_eq!(all.len(), 16);
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
