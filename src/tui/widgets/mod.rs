//! Render-only pieces shared by the screens.

pub mod chrome;
pub mod diff;
pub mod json;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use super::theme::Theme;

/// A bordered panel; the focused one stands out.
pub fn panel(title: &str, focused: bool, theme: Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(if focused {
            theme.focused_border()
        } else {
            theme.border()
        })
        .title(Span::styled(format!(" {title} "), theme.title()))
}

/// A rectangle of at most `width`×`height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// `key label` pairs as one line: `Enter next  Esc back`.
pub fn hints(pairs: &[(&str, &str)], theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, label)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled((*key).to_owned(), theme.key()));
        spans.push(Span::styled(format!(" {label}"), theme.dim()));
    }
    Line::from(spans)
}

/// The spinner frame for a tick.
pub fn spinner(tick: usize) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    FRAMES[tick % FRAMES.len()]
}

/// Keeps `cursor` visible in a window of `height` rows starting at `offset`.
pub fn follow(cursor: usize, height: usize) -> usize {
    if height == 0 {
        return cursor;
    }
    cursor.saturating_sub(height - 1)
}

/// Shows the terminal cursor at `row`, `column` of `inner`, if that is inside it.
pub fn place_cursor(frame: &mut Frame, inner: Rect, row: usize, column: usize) {
    let x = inner
        .x
        .saturating_add(u16::try_from(column).unwrap_or(u16::MAX));
    let y = inner
        .y
        .saturating_add(u16::try_from(row).unwrap_or(u16::MAX));
    if x < inner.right() && y < inner.bottom() {
        frame.set_cursor_position(Position { x, y });
    }
}
