//! Apply: live progress per resource (spinner, ✓ with ARN, ✗ with the
//! reason, retries). The work runs in a spawned task; this screen only
//! renders the events it sends.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::vertical;
use crate::apply::diff::{Change, Step};
use crate::apply::run::{Event, Report};
use crate::output::{self, Invocation, partly_made, plural};
use crate::plan::{Plan, Resource, ResourceId};
use crate::tui::action::{ApplyFailure, Effect};
use crate::tui::app::{App, Screen};
use crate::tui::widgets::{Meter, follow, hanging, panel, spinner};

/// Where one resource is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Waiting,
    Running(&'static str),
    Done,
    Unchanged,
    Failed(String),
    NotStarted,
    /// Some of its calls were made before the run stopped.
    Partial,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: ResourceId,
    pub status: Status,
    pub calls: usize,
    pub calls_done: usize,
    pub retries: usize,
    pub arn: Option<String>,
    /// The planned resource, to say what of it is in place.
    pub resource: Resource,
    /// The calls not made yet.
    pub remaining: Vec<Step>,
    /// Whether this run created it.
    pub created: bool,
}

impl Row {
    /// "created, 3 of 5 managed policies attached; stopped before attaching X".
    pub fn progress(&self) -> String {
        partly_made(&self.resource, &self.remaining, self.created)
    }

    /// "role ecsInstanceRole": never the name alone.
    pub fn label(&self) -> String {
        format!("{} {}", self.resource.noun(), self.id.name)
    }

    /// Whether it exists as planned.
    pub fn complete(&self) -> bool {
        matches!(self.status, Status::Done | Status::Unchanged)
    }
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub rows: Vec<Row>,
    pub journal: Option<PathBuf>,
    pub result: Option<Result<Report, ApplyFailure>>,
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
                    let remaining = changes
                        .iter()
                        .find(|c| c.id() == r.id())
                        .map(|c| c.steps.clone())
                        .unwrap_or_default();
                    Row {
                        id: r.id(),
                        status: Status::Waiting,
                        calls: remaining.len(),
                        calls_done: 0,
                        retries: 0,
                        arn: None,
                        resource: r.clone(),
                        remaining,
                        created: false,
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
                    row.status = Status::Running(action.as_str());
                }
            }
            Event::Done {
                id,
                action,
                detail,
                arn,
            } => {
                if let Some(row) = self.row(&id) {
                    if let Some(i) = row
                        .remaining
                        .iter()
                        .position(|s| s.is_call(action, detail.as_deref()))
                    {
                        let step = row.remaining.remove(i);
                        row.created |= step.creates();
                        row.calls_done += 1;
                    }
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
            Event::Waiting { id, .. } => {
                if let Some(row) = self.row(&id) {
                    row.status = Status::Running("waiting for AWS");
                }
            }
            Event::Waited { id } => {
                if let Some(row) = self.row(&id)
                    && row.calls_done >= row.calls
                {
                    row.status = Status::Done;
                }
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
                    row.status = row.stopped();
                }
            }
        }
    }

    pub fn finish(&mut self, result: Result<Report, ApplyFailure>) {
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
                    row.status = row.stopped();
                }
            }
        }
        self.result = Some(result);
    }
}

impl Row {
    /// "waiting", and for one that exists (made part-way by an earlier
    /// run, say) what of it is in place.
    fn waiting(&self) -> String {
        if self.remaining.is_empty() || self.remaining.iter().any(Step::creates) {
            return "waiting".to_owned();
        }
        format!(
            "waiting; in place: {}",
            crate::apply::diff::in_place(&self.resource, &self.remaining).join(", ")
        )
    }

    /// Where a row the run did not finish ends: part-way or not started.
    fn stopped(&self) -> Status {
        if self.calls_done > 0 {
            Status::Partial
        } else {
            Status::NotStarted
        }
    }
}

/// The planned resources left out of the run (skipped in the step-through,
/// with what depends on them), in plan order.
pub fn skipped(app: &App) -> Vec<&Resource> {
    if app.run.journal.is_none() {
        return Vec::new();
    }
    app.derived
        .plan
        .iter()
        .flat_map(|p| &p.resources)
        .filter(|r| !app.run.rows.iter().any(|row| row.id == r.id()))
        .collect()
}

/// The options the wizard was started with that a printed command repeats.
pub fn invocation(app: &App) -> Invocation {
    Invocation {
        demo: app.config.demo,
        profile: app.config.profile.clone(),
        region: app.config.environment.region_flag.clone(),
        endpoint_url: app.config.endpoint_url.clone(),
    }
}

/// The command that undoes this run, or `None` before one started.
pub fn undo_command(app: &App) -> Option<String> {
    let journal = app.run.journal.as_ref()?;
    Some(output::undo_command(&invocation(app), journal))
}

/// The outcome in one line: complete only when everything planned exists.
pub fn headline(app: &App) -> Option<(bool, String)> {
    let result = app.run.result.as_ref()?;
    let skipped = skipped(app);
    let planned = app.run.rows.len() + skipped.len();
    let complete = app.run.rows.iter().filter(|r| r.complete()).count();
    Some(match result {
        Ok(_) if skipped.is_empty() => (true, "✓ done: every planned resource exists".to_owned()),
        Ok(_) => (
            false,
            format!(
                "done, but {complete} of {planned} planned resources exist: you skipped {}",
                labels(&skipped)
            ),
        ),
        Err(why) => (
            false,
            format!("✗ {why} ({complete} of {planned} planned resources exist)"),
        ),
    })
}

/// "role X, instance profile X".
pub fn labels(resources: &[&Resource]) -> String {
    resources
        .iter()
        .map(|r| format!("{} {}", r.noun(), r.name))
        .collect::<Vec<_>>()
        .join(", ")
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

/// " (1 retry)", " (2 retries)", or nothing.
fn retries(row: &Row) -> String {
    if row.retries == 0 {
        return String::new();
    }
    format!(" ({})", plural(row.retries, "retry", "retries"))
}

/// A running row's status in at most `room` characters: the call, how many
/// of the resource's calls are made and its retries, shortened until it
/// fits, so the counts are never the part cut off.
fn running(action: &str, row: &Row, room: usize) -> String {
    let (done, calls) = (row.calls_done, row.calls);
    let retried = match row.retries {
        0 => String::new(),
        n => format!(", {}", plural(n, "retry", "retries")),
    };
    let forms = [
        format!("{action}… ({done}/{calls} calls{retried})"),
        format!("{action}… {done}/{calls} calls{retried}"),
        format!("{action}… {done}/{calls}{retried}"),
        format!("{done}/{calls} calls{retried}"),
    ];
    let last = forms[forms.len() - 1].clone();
    forms
        .into_iter()
        .find(|f| f.chars().count() <= room)
        .unwrap_or(last)
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

/// The Result panel's sentences, wrapped to `width`.
fn result_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = app.theme();
    let run = &app.run;
    let journal = run
        .journal
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    // Each sentence wraps under itself, not back at the left edge.
    let sentence = |text: &str, style| hanging(Vec::new(), text, style, width, 2);
    let mut result: Vec<Line> = match &run.result {
        None if run.stopping => sentence("stopping after the calls in flight…", theme.warn()),
        None => sentence(
            &format!("working; every call is recorded in {journal}"),
            theme.text(),
        ),
        Some(result) => {
            let (complete, headline) = headline(app).unwrap_or_default();
            let style = match (complete, result) {
                (true, _) => theme.ok(),
                (false, Ok(_)) => theme.warn(),
                (false, Err(_)) => theme.error(),
            };
            let mut lines = sentence(&headline, style);
            if result.is_err() {
                lines.extend(sentence(
                    &format!(
                        "The journal {journal} records every call made. To undo: {}",
                        undo_command(app).unwrap_or_default()
                    ),
                    theme.text(),
                ));
            }
            lines.extend(sentence(
                "Press Enter for the summary: what exists, what does not, and how to resume.",
                theme.text(),
            ));
            lines
        }
    };
    if let Some(last) = run.retries.last() {
        result.extend(sentence(
            &format!(
                "{}; last: {last}",
                plural(run.retries.len(), "retried call", "retried calls")
            ),
            theme.warn(),
        ));
    }
    result
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let run = &app.run;
    // The Result panel grows to show its sentences whole (an undo command
    // with a long journal path), leaving the progress at least 4 rows.
    let result = result_lines(app, usize::from(area.width.saturating_sub(2)));
    let wanted = u16::try_from(result.len() + 2).unwrap_or(u16::MAX);
    let result_height = wanted.max(6).min(area.height.saturating_sub(1 + 6)).max(3);
    let [gauge_area, rows_area, result_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(result_height),
    ])
    .areas(area);
    let total: usize = run.rows.iter().map(|r| r.calls).sum();
    let done: usize = run.rows.iter().map(|r| r.calls_done).sum();
    let ratio = if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    };
    // Without colour a plain gauge looks the same at 6% and 70%.
    let label = format!("{done} of {total} calls");
    let meter = Meter {
        ratio,
        label: &label,
        style: theme.ok(),
        theme,
    };
    frame.render_widget(&meter, gauge_area);
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
    let skipped_lines = skipped(app).into_iter().map(|r| {
        Line::from(vec![
            Span::styled(" - ", theme.warn()),
            Span::styled(format!("{:<17}", r.noun()), theme.dim()),
            Span::raw(format!("{:<name_width$}", r.name)),
            Span::styled("skipped by you", theme.warn()),
        ])
    });
    let lines: Vec<Line> = run
        .rows
        .iter()
        .skip(offset)
        .map(|row| {
            let (icon, style, text) = match &row.status {
                Status::Waiting => ("·".to_owned(), theme.dim(), row.waiting()),
                Status::Running(action) => (
                    spinner(app.tick).to_owned(),
                    theme.key(),
                    running(action, row, room),
                ),
                Status::Done => (
                    "✓".to_owned(),
                    theme.ok(),
                    row.arn.clone().unwrap_or_else(|| "done".into()),
                ),
                Status::Unchanged => ("=".to_owned(), theme.dim(), "already as planned".to_owned()),
                Status::Failed(why) => ("✗".to_owned(), theme.error(), why.clone()),
                Status::NotStarted => ("-".to_owned(), theme.warn(), "not started".to_owned()),
                Status::Partial => (
                    "-".to_owned(),
                    theme.warn(),
                    format!("part-way: {}", row.progress()),
                ),
            };
            let status = match row.status {
                Status::Done => fit(&format!("{text}{}", retries(row)), room),
                // `running` already fits the counts and retries in.
                Status::Running(_) => text,
                _ => format!("{text}{}", retries(row)),
            };
            // A long reason wraps under the status column instead of
            // running off the edge.
            hanging(
                vec![
                    Span::styled(format!(" {icon} "), style),
                    Span::styled(format!("{:<17}", row.resource.noun()), theme.dim()),
                    Span::raw(format!("{:<name_width$}", row.id.name)),
                ],
                &status,
                style,
                usize::from(inner.width),
                3 + 17 + name_width,
            )
        })
        .chain(skipped_lines.map(|line| vec![line]))
        .flatten()
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);

    frame.render_widget(
        Paragraph::new(result).block(panel("Result", false, theme)),
        result_area,
    );
}
