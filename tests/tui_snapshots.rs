#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every wizard screen (and the export overlays) drawn on a TestBackend at 80×24 and 120×40 (text
//! snapshots), style snapshots of the preview, review and apply screens, the
//! monochrome theme, and sizes from 0×0 up that must never panic.

mod tui_support;

use crossterm::event::KeyCode;
use onramp::tui::app::Screen;
use onramp::tui::theme::Theme;
use ratatui::style::{Color, Modifier};
use tui_support::{Driver, demo_config, styles_of};

/// The demo driven to each screen, with a name for the snapshot.
fn screens() -> Vec<(&'static str, Driver)> {
    let mut out = Vec::new();
    let mut d = Driver::demo();
    out.push(("welcome", clone_at(&mut d)));
    d.enter();
    out.push(("scope", clone_at(&mut d)));
    d.enter();
    d.key(KeyCode::Char('a')).type_text("Bad_Name");
    out.push(("buckets", clone_at(&mut d)));
    for _ in 0..8 {
        d.key(KeyCode::Backspace);
    }
    d.key(KeyCode::Tab).enter();
    out.push(("options", clone_at(&mut d)));
    d.enter();
    out.push(("parallelcluster", clone_at(&mut d)));
    d.enter();
    out.push(("review", clone_at(&mut d)));
    d.key(KeyCode::Char('x'));
    out.push(("export_menu", clone_at(&mut d)));
    d.key(KeyCode::Char('c'));
    out.push(("exported", clone_at(&mut d)));
    d.key(KeyCode::Enter);
    d.enter();
    out.push(("preview", clone_at(&mut d)));
    d.key(KeyCode::Char('e'))
        .keys(&[KeyCode::Down, KeyCode::End])
        .type_text("oops");
    out.push(("editor_error", clone_at(&mut d)));
    d.esc().key(KeyCode::Char('y'));
    d.key(KeyCode::Char('?'));
    out.push(("help", clone_at(&mut d)));
    d.key(KeyCode::Esc);
    d.enter();
    out.push(("confirm", clone_at(&mut d)));
    d.key(KeyCode::Char('c'));
    out.push(("confirm_cli", clone_at(&mut d)));
    d.key(KeyCode::Char('c'));
    out.push(("apply_in_progress", in_progress(&d)));
    d.key(KeyCode::Char('y'));
    out.push(("apply_done", clone_at(&mut d)));
    d.enter();
    out.push(("summary", clone_at(&mut d)));
    out
}

/// A driver showing the same state (the original goes on).
fn clone_at(d: &mut Driver) -> Driver {
    let mut copy = Driver::demo();
    copy.app = d.app.clone();
    copy.dir = tempfile::tempdir().unwrap();
    copy.app.config = d.app.config.clone();
    copy.redact_from = Some(d.dir.path().display().to_string());
    copy
}

/// The apply screen mid-way, fed events by hand so the picture is stable.
fn in_progress(d: &Driver) -> Driver {
    let mut copy = Driver::demo();
    copy.app = d.app.clone();
    copy.redact_from = Some(d.dir.path().display().to_string());
    tui_support::apply_mid_way(&mut copy.app, d.path("demo.journal.jsonl"));
    copy
}

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
    let all = screens();
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
    for (name, d) in screens() {
        if ["review", "preview", "apply_in_progress"].contains(&name) {
            insta::assert_snapshot!(format!("{name}_styles"), styles_of(&d.buffer(80, 24)));
        }
    }
}

#[test]
fn every_screen_survives_any_size_and_small_ones_say_so() {
    for (name, d) in screens() {
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
