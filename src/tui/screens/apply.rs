//! Apply: live progress per resource (spinner, ✓ with ARN, ✗ with the
//! reason, retries). The work runs in a spawned task; this screen only
//! renders the events it sends.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};

use super::vertical;
use crate::apply::diff::Change;
use crate::apply::run::{Event, Report};
use crate::plan::{Plan, ResourceId};
use crate::tui::action::Effect;
use crate::tui::app::{App, Screen};
use crate::tui::widgets::{follow, panel, spinner};

/// Where one resource is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Waiting,
    Running(&'static str),
    Done,
    Unchanged,
    Failed(String),
    NotStarted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: ResourceId,
    pub status: Status,
    pub calls: usize,
    pub calls_done: usize,
    pub retries: usize,
    pub arn: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub rows: Vec<Row>,
    pub journal: Option<PathBuf>,
    pub result: Option<Result<Report, String>>,
    pub stopping: bool,
    /// Retries seen, newest last.
    pub retries: Vec<String>,
    pub cursor: usize,
}

impl State {
    pub fn start(&mut self, plan: &Plan, changes: &[Change], journal: PathBuf) {
        *self = State {
            rows: plan
                .resources
                .iter()
                .map(|r| {
                    let calls = changes
                        .iter()
                        .find(|c| c.id() == r.id())
                        .map_or(0, |c| c.steps.len());
                    Row {
                        id: r.id(),
                        status: Status::Waiting,
                        calls,
                        calls_done: 0,
                        retries: 0,
                        arn: None,
                    }
                })
                .collect(),
            journal: Some(journal),
            ..State::default()
        };
    }

    pub fn in_flight(&self) -> bool {
        self.journal.is_some() && self.result.is_none()
    }

    fn row(&mut self, id: &ResourceId) -> Option<&mut Row> {
        self.rows.iter_mut().find(|r| &r.id == id)
    }

    pub fn on_event(&mut self, event: Event) {
        match event {
            Event::Started { id, action } => {
                if let Some(row) = self.row(&id) {
                    row.status = Status::Running(action);
                }
            }
            Event::Done { id, arn, .. } => {
                if let Some(row) = self.row(&id) {
                    row.calls_done += 1;
                    if arn.is_some() {
                        row.arn = arn;
                    }
                    if row.calls_done >= row.calls {
                        row.status = Status::Done;
                    }
                }
            }
            Event::Failed {
                id, action, error, ..
            } => {
                if let Some(row) = self.row(&id) {
                    row.status = Status::Failed(format!("{action}: {}", error.message));
                }
            }
            Event::Retried { action, attempt } => {
                for row in &mut self.rows {
                    if matches!(row.status, Status::Running(a) if a == action) {
                        row.retries += 1;
                    }
                }
                self.retries
                    .push(format!("{action} is being tried again (attempt {attempt})"));
            }
            Event::Unchanged { id } => {
                if let Some(row) = self.row(&id) {
                    row.status = Status::Unchanged;
                }
            }
            Event::NotStarted { id } => {
                if let Some(row) = self.row(&id)
                    && !matches!(row.status, Status::Done | Status::Failed(_))
                {
                    row.status = Status::NotStarted;
                }
            }
        }
    }

    pub fn finish(&mut self, result: Result<Report, String>) {
        if let Ok(report) = &result {
            for row in &mut self.rows {
                if row.arn.is_none() {
                    row.arn = report.arns.get(&row.id).cloned();
                }
                if matches!(row.status, Status::Waiting | Status::Running(_)) {
                    row.status = if row.calls == 0 {
                        Status::Unchanged
                    } else {
                        Status::Done
                    };
                }
            }
        } else {
            for row in &mut self.rows {
                if matches!(row.status, Status::Waiting | Status::Running(_)) {
                    row.status = Status::NotStarted;
                }
            }
        }
        self.result = Some(result);
    }
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(delta) = vertical(&key) {
        app.run.cursor = super::step(app.run.cursor, delta, app.run.rows.len());
        return Vec::new();
    }
    if key.code == KeyCode::Enter && !app.run.in_flight() {
        return app.go(Screen::Summary);
    }
    Vec::new()
}

/// `text` in at most `room` characters, keeping its end (the part of an
/// ARN that tells resources apart).
fn fit(text: &str, room: usize) -> String {
    let len = text.chars().count();
    if len <= room || room < 2 {
        return text.to_owned();
    }
    let tail: String = text.chars().skip(len - (room - 1)).collect();
    format!("…{tail}")
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let run = &app.run;
    let [gauge_area, rows_area, result_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(6),
    ])
    .areas(area);
    let total: usize = run.rows.iter().map(|r| r.calls).sum();
    let done: usize = run.rows.iter().map(|r| r.calls_done).sum();
    let ratio = if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    };
    frame.render_widget(
        Gauge::default()
            .ratio(ratio.min(1.0))
            .gauge_style(theme.ok())
            .label(format!("{done} of {total} calls")),
        gauge_area,
    );
    let block = panel("Progress", true, theme);
    let inner = block.inner(rows_area);
    frame.render_widget(block, rows_area);
    let offset = follow(run.cursor, usize::from(inner.height));
    let name_width = run
        .rows
        .iter()
        .map(|r| r.id.name.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    // What is left of the row for the status: an ARN that does not fit
    // keeps its distinctive end.
    let room = usize::from(inner.width).saturating_sub(3 + 17 + name_width);
    let lines: Vec<Line> = run
        .rows
        .iter()
        .skip(offset)
        .map(|row| {
            let (icon, style, text) = match &row.status {
                Status::Waiting => ("·".to_owned(), theme.dim(), "waiting".to_owned()),
                Status::Running(action) => (
                    spinner(app.tick).to_owned(),
                    theme.key(),
                    format!("{action}… ({}/{} calls)", row.calls_done, row.calls),
                ),
                Status::Done => (
                    "✓".to_owned(),
                    theme.ok(),
                    row.arn.clone().unwrap_or_else(|| "done".into()),
                ),
                Status::Unchanged => ("=".to_owned(), theme.dim(), "already as planned".to_owned()),
                Status::Failed(why) => ("✗".to_owned(), theme.error(), why.clone()),
                Status::NotStarted => ("-".to_owned(), theme.warn(), "not started".to_owned()),
            };
            let retries = if row.retries > 0 {
                format!(" ({} retries)", row.retries)
            } else {
                String::new()
            };
            let status = if row.status == Status::Done {
                fit(&format!("{text}{retries}"), room)
            } else {
                format!("{text}{retries}")
            };
            Line::from(vec![
                Span::styled(format!(" {icon} "), style),
                Span::styled(format!("{:<17}", row.id.kind.noun()), theme.dim()),
                Span::raw(format!("{:<name_width$}", row.id.name)),
                Span::styled(status, style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);

    let journal = run
        .journal
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut result: Vec<Line> = match &run.result {
        None if run.stopping => vec![Line::from(Span::styled(
            "stopping after the calls in flight…",
            theme.warn(),
        ))],
        None => vec![Line::from(format!(
            "working; every call is recorded in {journal}"
        ))],
        Some(Ok(_)) => vec![
            Line::from(Span::styled(
                "✓ done: everything is created as planned",
                theme.ok(),
            )),
            Line::from("Press Enter for the summary and the ARNs to copy."),
        ],
        Some(Err(why)) => vec![
            Line::from(Span::styled(format!("✗ {why}"), theme.error())),
            Line::from(format!(
                "The journal {journal} records every call made: run again to resume, or `onramp destroy --journal {journal} --yes` to undo."
            )),
            Line::from("Press Enter for the summary."),
        ],
    };
    if let Some(last) = run.retries.last() {
        result.push(Line::from(Span::styled(
            format!("{} retried call(s); last: {last}", run.retries.len()),
            theme.warn(),
        )));
    }
    frame.render_widget(
        Paragraph::new(result)
            .wrap(Wrap { trim: true })
            .block(panel("Result", false, theme)),
        result_area,
    );
}
