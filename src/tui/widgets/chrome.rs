//! The frame around every screen: header, footer, overlays, and the message
//! shown instead of a broken layout when the terminal is too small.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{centered, hints, panel};
use crate::tui::app::{App, Loading, Overlay, Screen};
use crate::tui::keymap;

/// The smallest terminal the wizard lays out for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// One line: where in the wizard, and which account.
pub fn header(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let mut spans = vec![
        Span::styled(" onramp ", theme.title()),
        Span::styled(
            format!(
                "step {}/{} · {} ",
                app.screen.number(),
                Screen::ALL.len(),
                app.screen.title()
            ),
            theme.text(),
        ),
    ];
    if app.config.demo {
        spans.push(Span::styled(
            " DEMO: in-memory account, nothing is sent to AWS ",
            theme.banner(),
        ));
    } else if let Loading::Ready(identity) = &app.identity {
        let region = app
            .derived
            .valid
            .as_ref()
            .map_or("no region", |v| v.target().region.as_str());
        spans.push(Span::styled(
            format!("· account {} · {region}", identity.account_id),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The keys that matter now, or the last message.
pub fn footer(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let line = match &app.flash {
        Some(message) => Line::from(Span::styled(format!(" {message}"), theme.warn())),
        None => hints(&keymap::footer(app), theme),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Instead of the wizard when the terminal is below 80×24.
pub fn too_small(app: &App, frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::from(Span::styled("Terminal too small", app.theme().error())),
        Line::from(format!(
            "onramp needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}.",
            area.width, area.height
        )),
        Line::from("Enlarge the window, or press q to quit."),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// The popup over the screen, if any.
pub fn overlay(app: &App, frame: &mut Frame, area: Rect) {
    let Some(overlay) = app.overlay else {
        return;
    };
    let theme = app.theme();
    let (title, lines): (&str, Vec<Line>) = match overlay {
        Overlay::Help => {
            let mut lines = vec![Line::from(Span::styled(app.screen.title(), theme.title()))];
            let screen_keys = keymap::screen_keys(app.screen, app.editor.is_some());
            for (key, what) in screen_keys
                .iter()
                .chain([("", "")].iter())
                .chain(keymap::GLOBAL)
            {
                lines.push(Line::from(vec![
                    Span::styled(format!("{key:>18}  "), theme.key()),
                    Span::raw(*what),
                ]));
            }
            lines.push(Line::from(Span::styled(
                "any key closes this help",
                theme.dim(),
            )));
            ("Keys", lines)
        }
        Overlay::ConfirmQuit => (
            "Quit?",
            vec![
                Line::from("Your answers are not saved."),
                Line::from("Quit anyway? (press s first to save them)"),
                Line::from(""),
                hints(&[("y", "quit"), ("n / Esc", "stay")], theme),
            ],
        ),
        Overlay::ConfirmStop => (
            "Stop the apply?",
            vec![
                Line::from("The calls in flight finish; nothing new starts."),
                Line::from("The journal records every call, so you can resume or undo later."),
                Line::from(""),
                hints(&[("y / Ctrl-C", "stop"), ("n / Esc", "keep going")], theme),
            ],
        ),
        Overlay::Export => ("Export", crate::tui::export::menu_lines(app, theme)),
        Overlay::Exported => ("Export", crate::tui::export::outcome_lines(app, theme)),
        Overlay::DiscardEdit => (
            "Discard your changes?",
            vec![
                Line::from("The document has changes that are not saved."),
                Line::from(""),
                hints(&[("y", "discard"), ("n / Esc", "keep editing")], theme),
            ],
        ),
    };
    // As wide as the longest line allows; longer lines (a full path) wrap,
    // and the height counts the wrapped rows.
    let widest = lines.iter().map(Line::width).max().unwrap_or(0);
    let width = u16::try_from(widest + 4)
        .unwrap_or(u16::MAX)
        .clamp(30, area.width.saturating_sub(2).max(30));
    let inner = usize::from(width.saturating_sub(2)).max(1);
    // Word wrapping can break a little earlier than the width: one spare
    // row per wrapped line.
    let rows: usize = lines
        .iter()
        .map(|l| match l.width() {
            w if w <= inner => 1,
            w => w.div_ceil(inner) + 1,
        })
        .sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(panel(title, true, theme)),
        popup,
    );
}
