//! The whole frame: header, the current screen, footer, overlay; or the
//! "terminal too small" message.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::app::App;
use super::screens;
use super::widgets::chrome::{self, MIN_HEIGHT, MIN_WIDTH};

/// Draws the wizard. Pure: reads the state, writes the frame.
pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        chrome::too_small(app, frame, area);
        return;
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(chrome::footer_height(app, area.width)),
    ])
    .areas(area);
    chrome::header(app, frame, header);
    screens::render(app, frame, body);
    chrome::footer(app, frame, footer);
    chrome::overlay(app, frame, area);
}
