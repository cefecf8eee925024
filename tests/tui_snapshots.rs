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
