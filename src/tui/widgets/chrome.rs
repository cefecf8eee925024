//! The frame around every screen: header, footer, overlays, and the message
//! shown instead of a broken layout when the terminal is too small.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::{centered, hints, panel};
use crate::tui::app::{App, Loading, Overlay, Screen};
use crate::tui::keymap;
use crate::tui::theme::Theme;

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
    // The longest telling that fits beside the step.
    let room = usize::from(area.width).saturating_sub(spans.iter().map(Span::width).sum());
    let (tellings, style) = if app.config.demo {
        (
            vec![
                " DEMO: in-memory account, nothing is sent to AWS ".to_owned(),
                " DEMO: nothing is sent to AWS ".to_owned(),
                " DEMO ".to_owned(),
            ],
            theme.banner(),
        )
    } else if let Loading::Ready(identity) = &app.identity {
        let region = app.region().unwrap_or("no region");
        (
            vec![
                format!("· account {} · {region}", identity.account_id),
                format!("· {} · {region}", identity.account_id),
                format!("· {region}"),
            ],
            theme.dim(),
        )
    } else {
        (Vec::new(), theme.dim())
    };
    if let Some(telling) = tellings.into_iter().find(|t| t.chars().count() <= room) {
        spans.push(Span::styled(telling, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The rows the footer needs at `width`: one for the keys, up to three for
/// a message, so that a long one is read whole.
pub fn footer_height(app: &App, width: u16) -> u16 {
    match &app.flash {
        Some(message) => {
            let rows = flash_lines(app, message, width).len();
            u16::try_from(rows.clamp(1, 3)).unwrap_or(1)
        }
        None => 1,
    }
}

fn flash_lines(app: &App, message: &str, width: u16) -> Vec<Line<'static>> {
    super::hanging(
        vec![Span::raw(" ")],
        message,
        app.theme().warn(),
        usize::from(width),
        3,
    )
}

/// The keys that matter now, or the last message.
pub fn footer(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let lines = match &app.flash {
        Some(message) => flash_lines(app, message, area.width),
        None => vec![hints(&fitting_hints(app, usize::from(area.width)), theme)],
    };
    frame.render_widget(Paragraph::new(lines), area);
}

/// The footer's hints, fewer when they do not fit: saving goes first (the
/// help lists it), then the screen's own from the last, then going back
/// and quitting; the help key stays.
fn fitting_hints(app: &App, width: usize) -> Vec<(&'static str, &'static str)> {
    let mut hints = keymap::footer(app);
    let wide = |hints: &[(&str, &str)]| -> usize {
        hints
            .iter()
            .map(|(k, l)| k.chars().count() + 1 + l.chars().count() + 2)
            .sum::<usize>()
            .saturating_sub(2)
    };
    let global = |(key, label): &(&str, &str)| {
        label.starts_with("save") || *label == "help" || *key == "q" || *label == "back"
    };
    while wide(&hints) > width {
        let own = hints.iter().filter(|h| !global(h)).count();
        let drop = hints
            .iter()
            .position(|(_, label)| label.starts_with("save"))
            .or_else(|| (own > 1).then(|| own - 1))
            .or_else(|| hints.iter().position(|(_, label)| *label == "back"))
            .or_else(|| hints.iter().position(|(key, _)| *key == "q"));
        match drop {
            Some(i) => {
                hints.remove(i);
            }
            None => break,
        }
    }
    hints
}

/// Instead of the wizard when the terminal is below 80×24. Keys other
/// than quitting are ignored meanwhile; a quit or stop question asked
/// here is shown here, since it is the one thing that can be answered.
pub fn too_small(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let mut text = vec![
        Line::from(Span::styled("Terminal too small", theme.error())),
        Line::from(format!(
            "onramp needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}.",
            area.width, area.height
        )),
    ];
    match app.overlay {
        // Saving waits for a window that fits, like every other key.
        Some(Overlay::ConfirmQuit) => {
            text.push(Line::from(""));
            text.push(Line::from(Span::styled("Quit?", theme.title())));
            text.push(Line::from("Your answers are not saved."));
            text.push(Line::from(
                "Quit anyway? To save first: n, enlarge the window, then s.",
            ));
            text.push(Line::from(""));
            text.push(hints(&[("y", "quit"), ("n / Esc", "stay")], theme));
        }
        Some(overlay @ Overlay::ConfirmStop) => {
            let (title, lines) = overlay_content(app, overlay, area.width);
            text.push(Line::from(""));
            text.push(Line::from(Span::styled(title, theme.title())));
            text.extend(lines);
        }
        _ => {
            text.push(Line::from(
                "Enlarge the window to go on; other keys wait until then.",
            ));
            text.push(Line::from("Or press q to quit."));
        }
    }
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// The popup over the screen, if any.
pub fn overlay(app: &App, frame: &mut Frame, area: Rect) {
    let Some(overlay) = app.overlay else {
        return;
    };
    let (title, lines) = overlay_content(app, overlay, area.width);
    let popup = Popup {
        title,
        lines,
        theme: app.theme(),
    };
    frame.render_widget(&popup, area);
}

/// A popup's title and text.
fn overlay_content(
    app: &App,
    overlay: Overlay,
    columns: u16,
) -> (&'static str, Vec<Line<'static>>) {
    let theme = app.theme();
    match overlay {
        Overlay::Help => ("Keys", help_lines(app, usize::from(columns))),
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
                Line::from("No new call starts while you decide."),
                Line::from("If you stop, the calls in flight finish and nothing new starts."),
                Line::from("The journal records every call, so you can resume or undo later."),
                Line::from(""),
                hints(&[("y / Ctrl-C", "stop"), ("n / Esc", "keep going")], theme),
            ],
        ),
        Overlay::Export => ("Export", crate::tui::export::menu_lines(app, theme)),
        // Inside the popup's borders and margin, and no wider than reads well.
        Overlay::Existing => {
            crate::tui::existing::menu(app, theme, usize::from(columns).saturating_sub(4).min(76))
        }
        Overlay::Exported => (
            "Export",
            // Inside the popup's borders and margin, as the help.
            crate::tui::export::outcome_lines(app, theme, usize::from(columns).saturating_sub(4)),
        ),
        Overlay::DiscardEdit => (
            "Discard your changes?",
            vec![
                Line::from("The document has changes that are not saved."),
                Line::from(""),
                hints(&[("y", "discard"), ("n / Esc", "keep editing")], theme),
            ],
        ),
    }
}

/// The help overlay: the keys of where the user is, then the keys that
/// work everywhere (less those the screen gives another job). A description
/// too long for the terminal's `columns` wraps under itself.
fn help_lines(app: &App, columns: usize) -> Vec<Line<'static>> {
    let theme = app.theme();
    // Inside the popup's borders and margin.
    let width = columns.saturating_sub(4);
    let mut lines = vec![Line::from(Span::styled(app.screen.title(), theme.title()))];
    let (here, everywhere) = keymap::help(app);
    let blank = (String::new(), "");
    for (key, what) in here.iter().chain([&blank]).chain(everywhere.iter()) {
        lines.extend(super::hanging(
            vec![Span::styled(format!("{key:>18}  "), theme.key())],
            what,
            theme.text(),
            width,
            20,
        ));
    }
    lines.push(Line::from(Span::styled(
        "any key closes this help",
        theme.dim(),
    )));
    lines
}

/// A bordered popup, centred in the area it is drawn in, over whatever
/// is there.
pub struct Popup<'a> {
    pub title: &'a str,
    pub lines: Vec<Line<'static>>,
    pub theme: Theme,
}

impl Widget for &Popup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        // As wide as the longest line allows; longer lines (a full path)
        // wrap, and the height counts the wrapped rows.
        let widest = self.lines.iter().map(Line::width).max().unwrap_or(0);
        let width = u16::try_from(widest + 4)
            .unwrap_or(u16::MAX)
            .clamp(30, area.width.saturating_sub(2).max(30));
        let inner = usize::from(width.saturating_sub(2)).max(1);
        // Word wrapping can break a little earlier than the width: one
        // spare row per wrapped line.
        let rows: usize = self
            .lines
            .iter()
            .map(|l| match l.width() {
                w if w <= inner => 1,
                w => w.div_ceil(inner) + 1,
            })
            .sum();
        let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
        let popup = centered(area, width, height);
        Clear.render(popup, buf);
        Paragraph::new(self.lines.clone())
            .wrap(Wrap { trim: false })
            .block(panel(self.title, true, self.theme))
            .render(popup, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn popup() -> Popup<'static> {
        Popup {
            title: "Quit?",
            lines: vec![
                Line::from("Your answers are not saved."),
                Line::from("y / n"),
            ],
            theme: Theme::MONO,
        }
    }

    #[test]
    fn a_popup_draws_nothing_in_no_room_and_clips_to_a_small_one() {
        let mut empty = Buffer::empty(Rect::new(0, 0, 0, 0));
        (&popup()).render(empty.area, &mut empty);
        let mut tiny = Buffer::empty(Rect::new(0, 0, 3, 2));
        (&popup()).render(tiny.area, &mut tiny);
        assert_eq!(tiny.area, Rect::new(0, 0, 3, 2));
    }

    #[test]
    fn a_popup_is_centred_and_clears_what_is_under_it() {
        let area = Rect::new(0, 0, 60, 10);
        let mut buf = Buffer::filled(area, ratatui::buffer::Cell::new("x"));
        (&popup()).render(area, &mut buf);
        let rows: Vec<String> = (0..area.height)
            .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol()).collect())
            .collect();
        // Two lines in borders, 31 columns (the longest line and 4), in the
        // middle; what was under it is cleared, the rest is left.
        let side =
            |left: usize, middle: &str| format!("{}{middle}{}", "x".repeat(left), "x".repeat(14));
        assert_eq!(rows[2], "x".repeat(60), "{rows:#?}");
        assert_eq!(
            rows[3],
            side(15, "┏ Quit? ━━━━━━━━━━━━━━━━━━━━━━┓"),
            "{rows:#?}"
        );
        assert_eq!(
            rows[4],
            side(15, "┃Your answers are not saved.  ┃"),
            "{rows:#?}"
        );
        assert_eq!(
            rows[5],
            side(15, "┃y / n                        ┃"),
            "{rows:#?}"
        );
        assert_eq!(
            rows[6],
            side(15, "┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛"),
            "{rows:#?}"
        );
        assert_eq!(rows[7], "x".repeat(60), "{rows:#?}");
    }
}
