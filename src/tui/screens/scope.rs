//! What to set up: Genomics Workflows core, ParallelCluster, or both.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{step, vertical};
use crate::answers::{Answers, Genomics, ParallelCluster};
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::widgets::{hanging, panel};

const CHOICES: [(&str, &str); 3] = [
    (
        "Genomics Workflows core (AWS Batch)",
        "S3 and EBS-autoscale policies, the Batch service role, the EC2 instance role and profile, Spot Fleet and job roles",
    ),
    (
        "AWS ParallelCluster",
        "ParallelClusterInstancePolicy and ParallelClusterUserPolicy for your scheduler",
    ),
    ("Both", "everything above"),
];

#[derive(Debug, Clone, Default)]
pub struct State {
    pub cursor: usize,
}

impl State {
    pub fn from_answers(answers: &Answers) -> State {
        let g = answers.genomics.as_ref().is_some_and(|g| g.enabled);
        let p = answers.parallelcluster.as_ref().is_some_and(|p| p.enabled);
        State {
            cursor: match (g, p) {
                (false, true) => 1,
                (true, true) => 2,
                _ => 0,
            },
        }
    }
}

/// Turns the parts on or off, keeping what was chosen inside them.
fn choose(answers: &mut Answers, choice: usize) {
    let (genomics, cluster) = match choice {
        0 => (true, false),
        1 => (false, true),
        _ => (true, true),
    };
    match &mut answers.genomics {
        Some(g) => g.enabled = genomics,
        None if genomics => answers.genomics = Some(Genomics::default()),
        None => {}
    }
    match &mut answers.parallelcluster {
        Some(p) => p.enabled = cluster,
        None if cluster => answers.parallelcluster = Some(ParallelCluster::default()),
        None => {}
    }
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(delta) = vertical(&key) {
        app.scope.cursor = step(app.scope.cursor, delta, CHOICES.len());
        return Vec::new();
    }
    match key.code {
        KeyCode::Char(' ') => {
            choose(&mut app.answers, app.scope.cursor);
            Vec::new()
        }
        KeyCode::Enter => {
            choose(&mut app.answers, app.scope.cursor);
            app.refresh();
            app.advance()
        }
        _ => Vec::new(),
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let width = usize::from(area.width.saturating_sub(2));
    let chosen = State::from_answers(&app.answers).cursor;
    let mut lines = vec![
        Line::from("What should onramp set up in this account?"),
        Line::from(""),
    ];
    for (i, (title, detail)) in CHOICES.iter().enumerate() {
        let mark = if i == chosen { "(•)" } else { "( )" };
        let style = if i == app.scope.cursor {
            theme.selected()
        } else {
            theme.text()
        };
        lines.push(Line::from(Span::styled(format!(" {mark} {title} "), style)));
        lines.extend(hanging(
            vec![Span::raw("      ")],
            detail,
            theme.dim(),
            width,
            6,
        ));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(panel("What to set up", true, theme)),
        area,
    );
}
