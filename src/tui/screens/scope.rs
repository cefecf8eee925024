//! What to set up: any of the Genomics Workflows core, ParallelCluster and
//! HealthOmics, each turned on or off with Space. A part turned off keeps
//! what was chosen inside it, so turning it on again brings that back.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{step, vertical};
use crate::answers::{Answers, Genomics, Omics, ParallelCluster};
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::widgets::{hanging, panel};

/// A part of what onramp sets up: one table of the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Genomics,
    ParallelCluster,
    Omics,
}

/// The parts in the order the wizard asks about them, with what each makes.
const PARTS: [(Part, &str, &str); 3] = [
    (
        Part::Genomics,
        "Genomics Workflows core (AWS Batch)",
        "S3 and EBS-autoscale policies, the Batch service role, the EC2 instance role and profile, Spot Fleet and job roles",
    ),
    (
        Part::ParallelCluster,
        "AWS ParallelCluster",
        "ParallelClusterInstancePolicy and ParallelClusterUserPolicy for your scheduler",
    ),
    (
        Part::Omics,
        "AWS HealthOmics",
        "the service role workflow runs act through, and a policy for the people who start runs",
    ),
];

#[derive(Debug, Clone, Default)]
pub struct State {
    pub cursor: usize,
}

/// Whether `part` is on in the answers.
pub fn enabled(answers: &Answers, part: Part) -> bool {
    match part {
        Part::Genomics => answers.genomics.as_ref().is_some_and(|g| g.enabled),
        Part::ParallelCluster => answers.parallelcluster.as_ref().is_some_and(|p| p.enabled),
        Part::Omics => answers.omics.as_ref().is_some_and(|o| o.enabled),
    }
}

/// Turns `part` on or off, keeping what was chosen inside it.
fn toggle(answers: &mut Answers, part: Part) {
    let on = !enabled(answers, part);
    match part {
        Part::Genomics => {
            answers
                .genomics
                .get_or_insert_with(Genomics::default)
                .enabled = on;
        }
        Part::ParallelCluster => {
            answers
                .parallelcluster
                .get_or_insert_with(ParallelCluster::default)
                .enabled = on;
        }
        Part::Omics => answers.omics.get_or_insert_with(Omics::default).enabled = on,
    }
}

/// Why the wizard cannot go on from here: no part is on.
pub fn blocker(app: &App) -> Option<String> {
    (!PARTS.iter().any(|(part, ..)| enabled(&app.answers, *part)))
        .then(|| "nothing to set up yet: Space turns on the part under the cursor".to_owned())
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(delta) = vertical(&key) {
        app.scope.cursor = step(app.scope.cursor, delta, PARTS.len());
        return Vec::new();
    }
    match key.code {
        KeyCode::Char(' ') => {
            toggle(&mut app.answers, PARTS[app.scope.cursor].0);
            Vec::new()
        }
        KeyCode::Enter => app.advance(),
        _ => Vec::new(),
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines = vec![
        Line::from("What should onramp set up in this account? Any of these:"),
        Line::from(""),
    ];
    for (i, (part, title, detail)) in PARTS.iter().enumerate() {
        let mark = if enabled(&app.answers, *part) {
            "[x]"
        } else {
            "[ ]"
        };
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
    lines.push(Line::from(""));
    lines.push(match blocker(app) {
        Some(_) => Line::from(Span::styled(
            "Nothing is chosen: turn on at least one part with Space.",
            theme.warn(),
        )),
        None => Line::from(Span::styled(
            "A part turned off keeps what you chose in it.",
            theme.dim(),
        )),
    });
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(panel("What to set up", true, theme)),
        area,
    );
}
