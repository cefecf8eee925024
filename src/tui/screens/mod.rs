//! One module per screen, each with its own state, keys and drawing; this
//! module routes to the current one.

pub mod apply;
pub mod buckets;
pub mod choice;
pub mod confirm;
pub mod editor;
pub mod omics;
pub mod options;
pub mod parallelcluster;
pub mod preview;
pub mod review;
pub mod scope;
pub mod summary;
pub mod welcome;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::action::Effect;
use super::app::{App, Screen};

/// Keys for the current screen (overlays and global keys are handled before).
pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match app.screen {
        Screen::Welcome => welcome::on_key(app, key),
        Screen::Scope => scope::on_key(app, key),
        Screen::Buckets => buckets::on_key(app, buckets::Target::Genomics, key),
        Screen::Options => options::on_key(app, key),
        Screen::ParallelCluster => parallelcluster::on_key(app, key),
        Screen::Omics => omics::on_key(app, key),
        Screen::Review => review::on_key(app, key),
        Screen::Preview => preview::on_key(app, key),
        Screen::Confirm => confirm::on_key(app, key),
        Screen::Apply => apply::on_key(app, key),
        Screen::Summary => summary::on_key(app, key),
    }
}

/// Esc where the screen has something to leave before the screen itself
/// (a text field, a step-through); `None` when Esc goes back a screen.
pub fn on_esc(app: &mut App) -> Option<Vec<Effect>> {
    match app.screen {
        Screen::Buckets => buckets::on_esc(app, buckets::Target::Genomics),
        Screen::Omics => omics::on_esc(app),
        Screen::Confirm => confirm::on_esc(app),
        _ => None,
    }
}

/// Draws the current screen's body.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if let Some(editor) = &app.editor {
        editor::render(app, editor, frame, area);
        return;
    }
    match app.screen {
        Screen::Welcome => welcome::render(app, frame, area),
        Screen::Scope => scope::render(app, frame, area),
        Screen::Buckets => buckets::render(app, buckets::Target::Genomics, frame, area),
        Screen::Options => options::render(app, frame, area),
        Screen::ParallelCluster => parallelcluster::render(app, frame, area),
        Screen::Omics => omics::render(app, frame, area),
        Screen::Review => review::render(app, frame, area),
        Screen::Preview => preview::render(app, frame, area),
        Screen::Confirm => confirm::render(app, frame, area),
        Screen::Apply => apply::render(app, frame, area),
        Screen::Summary => summary::render(app, frame, area),
    }
}

/// Why the current screen cannot be left forwards yet, if it cannot.
pub fn blocker(app: &App) -> Option<String> {
    match app.screen {
        Screen::Welcome => welcome::blocker(app),
        Screen::Scope => scope::blocker(app),
        Screen::Buckets => first_error(app, buckets::Target::Genomics.fields()),
        Screen::Options => first_error(app, options::FIELDS),
        Screen::ParallelCluster => first_error(app, &["parallelcluster"]),
        Screen::Omics => first_error(app, omics::FIELDS),
        Screen::Review => review::blocker(app),
        Screen::Preview => review::plan_blocker(app),
        _ => None,
    }
}

fn first_error(app: &App, prefixes: &[&str]) -> Option<String> {
    app.derived
        .errors_for(prefixes)
        .next()
        .map(|e| format!("fix this first: {e}"))
}

/// Whether the focused element is a text field.
pub fn typing(app: &App) -> bool {
    match app.screen {
        Screen::Buckets => app.buckets.typing(),
        Screen::Options => options::typing(app),
        Screen::ParallelCluster => parallelcluster::typing(app),
        Screen::Omics => omics::typing(app),
        _ => false,
    }
}

/// The mouse wheel: scrolls whatever list or text the screen shows.
pub fn scroll(app: &mut App, delta: isize) -> Vec<Effect> {
    let key = KeyEvent::from(if delta > 0 {
        KeyCode::Down
    } else {
        KeyCode::Up
    });
    match app.screen {
        Screen::Buckets => {
            buckets::move_cursor(app, buckets::Target::Genomics, delta.signum());
            Vec::new()
        }
        Screen::Omics => {
            buckets::move_cursor(app, buckets::Target::Omics, delta.signum());
            Vec::new()
        }
        Screen::Preview => {
            preview::scroll(app, delta);
            Vec::new()
        }
        Screen::Review | Screen::Confirm | Screen::Apply | Screen::Summary | Screen::Scope => (0
            ..delta.unsigned_abs())
            .flat_map(|_| on_key(app, key))
            .collect(),
        _ => Vec::new(),
    }
}

/// Moves `cursor` by `delta` within `len` items, staying in range.
pub fn step(cursor: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    cursor.saturating_add_signed(delta).min(len - 1)
}

/// Arrow keys and j/k as a signed step, for lists.
pub fn vertical(key: &KeyEvent) -> Option<isize> {
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => Some(-1),
        KeyCode::Down | KeyCode::Char('j') => Some(1),
        KeyCode::PageUp => Some(-10),
        KeyCode::PageDown => Some(10),
        KeyCode::Home => Some(isize::MIN / 2),
        KeyCode::End => Some(isize::MAX / 2),
        _ => None,
    }
}

/// Moving between the rows of a form: arrows and Tab always, j/k only when
/// the focused row does not take typed text.
pub fn form_step(key: &KeyEvent, typing: bool) -> Option<isize> {
    match key.code {
        KeyCode::Up | KeyCode::BackTab => Some(-1),
        KeyCode::Down | KeyCode::Tab => Some(1),
        KeyCode::Char('k') if !typing => Some(-1),
        KeyCode::Char('j') if !typing => Some(1),
        _ => None,
    }
}
