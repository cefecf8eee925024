//! Policy preview: each policy and trust document, highlighted and
//! scrollable, with its size against the IAM limit, the notes on where onramp
//! departs from the source document, and for updates the difference from
//! what exists. `e` edits it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use serde_json::Value;

use crate::cloud::advice::document_text;
use crate::iam::limits::{self, Quotas};
use crate::plan::Plan;
use crate::plan::lint::DocumentKind;
use crate::tui::action::Effect;
use crate::tui::app::{App, DocRef};
use crate::tui::widgets::{Meter, Scrolled, diff, json, panel};

#[derive(Debug, Clone, Default)]
pub struct State {
    /// Index into `App::documents()`.
    pub index: usize,
    /// First line shown.
    pub scroll: usize,
    /// Show the difference from the existing document instead of the document.
    pub show_diff: bool,
    /// First line of the notes and findings shown (PgUp / PgDn).
    pub notes_scroll: usize,
}

impl State {
    pub fn select(&mut self, index: usize) {
        self.index = index;
        self.scroll = 0;
        self.notes_scroll = 0;
    }

    /// Keeps the index valid after the plan changed.
    pub fn clamp(&mut self, len: usize) {
        if self.index >= len {
            self.index = len.saturating_sub(1);
            self.scroll = 0;
        }
    }
}

/// The planned document `doc` refers to.
pub fn document<'a>(plan: &'a Plan, doc: &DocRef) -> Option<&'a Value> {
    plan.resources
        .iter()
        .find(|r| r.id() == doc.id)?
        .documents()
        .into_iter()
        .find(|(label, _)| *label == doc.label)
        .map(|(_, value)| value)
}

/// Identity policy or trust policy.
pub fn kind_of(doc: &DocRef) -> DocumentKind {
    DocumentKind::of_label(&doc.label)
}

/// The size limit for the document under `quotas`, and what it is called.
pub fn limit_with(doc: &DocRef, quotas: &Quotas) -> (usize, &'static str) {
    match doc.label.as_str() {
        "document" => (quotas.managed_policy_size, "managed policy"),
        "trust_policy" => (quotas.trust_policy_size, "trust policy"),
        _ => (
            quotas.inline_policies_per_role_size,
            "inline policies per role",
        ),
    }
}

pub fn scroll(app: &mut App, delta: isize) {
    app.preview.scroll = app.preview.scroll.saturating_add_signed(delta);
}

fn current(app: &App) -> Option<DocRef> {
    app.documents().get(app.preview.index).cloned()
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let count = app.documents().len();
    match key.code {
        KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') if count > 0 => {
            app.preview.select((app.preview.index + 1) % count);
        }
        KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') if count > 0 => {
            app.preview.select((app.preview.index + count - 1) % count);
        }
        KeyCode::Down | KeyCode::Char('j') => scroll(app, 1),
        KeyCode::Up | KeyCode::Char('k') => scroll(app, -1),
        KeyCode::PageDown => app.preview.notes_scroll = app.preview.notes_scroll.saturating_add(3),
        KeyCode::PageUp => app.preview.notes_scroll = app.preview.notes_scroll.saturating_sub(3),
        KeyCode::End => scroll(app, isize::MAX / 2),
        KeyCode::Home => app.preview.scroll = 0,
        KeyCode::Char('d') => {
            let has_existing = current(app)
                .and_then(|d| {
                    app.observation(&d.id)
                        .map(|o| o.existing.contains_key(&d.label))
                })
                .unwrap_or(false);
            if has_existing {
                app.preview.show_diff = !app.preview.show_diff;
                app.preview.scroll = 0;
            } else {
                app.flash = Some(
                    "nothing to compare: this document does not exist in the account yet".into(),
                );
            }
        }
        KeyCode::Char('e') => {
            if let (Some(doc), Some(plan)) = (current(app), &app.derived.plan)
                && let Some(value) = document(plan, &doc)
            {
                let partition = plan.target.partition.as_str().to_owned();
                let quotas = crate::tui::advice::lint_quotas(&app.quotas);
                app.editor = Some(super::editor::State::open(
                    doc,
                    &document_text(value),
                    &partition,
                    quotas,
                ));
            }
        }
        KeyCode::Char('x') => return crate::tui::export::open(app),
        KeyCode::Char('u') => {
            if let Some(doc) = current(app)
                && app.drop_edit(&doc)
            {
                app.refresh();
                app.flash = Some("your edit was dropped; the generated document is back".into());
            }
        }
        KeyCode::Enter => return app.advance(),
        _ => {}
    }
    Vec::new()
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let docs = app.documents();
    let (Some(plan), Some(doc)) = (&app.derived.plan, docs.get(app.preview.index)) else {
        frame.render_widget(
            Paragraph::new("No documents to show: the plan is empty or has errors (see Review).")
                .block(panel("Policy preview", true, theme)),
            area,
        );
        return;
    };
    let Some(value) = document(plan, doc) else {
        return;
    };
    let resource = plan.resources.iter().find(|r| r.id() == doc.id);
    // What needs acting on first: onramp's findings (an edit that breaks a
    // limit or an intent), then Access Analyzer's, then the notes, which can
    // be many and are what the panel's height cuts first.
    let notes: Vec<Line> = app
        .derived
        .findings
        .iter()
        // Intents are listed below, by the documents they go through.
        .filter(|f| f.code != "intent")
        .filter(|f| f.resource == doc.id.name || f.resource.ends_with(&format!(" {}", doc.id.name)))
        .map(|f| {
            Line::from(vec![
                Span::styled(format!("{} ", f.level), theme.warn()),
                Span::raw(f.message.clone()),
            ])
        })
        // What this document's edit took away from a workload.
        .chain(
            crate::verify::failures_touching(&app.derived.intents, plan, &doc.id)
                .into_iter()
                .map(|o| {
                    let why = match &o.verdict {
                        crate::verify::Verdict::Fails { why } => why.as_str(),
                        crate::verify::Verdict::Holds { .. } => "",
                    };
                    Line::from(vec![
                        Span::styled("error ", theme.error()),
                        Span::raw(format!(
                            "{} must allow {}: {why}",
                            o.intent.subject.label(),
                            o.intent.check.describe()
                        )),
                    ])
                }),
        )
        .chain(crate::tui::advice::analyzer_lines(app, theme))
        .chain(
            resource
                .map(|r| r.notes.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|n| Line::from(vec![Span::styled("note ", theme.key()), Span::raw(n)])),
        )
        .collect();
    let notes = crate::tui::widgets::rewrap(notes, usize::from(area.width.saturating_sub(2)));
    let notes_height = (u16::try_from(notes.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2))
    .clamp(3, area.height / 3);
    let [title_area, gauge_area, notes_area, body_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(notes_height),
        Constraint::Min(3),
    ])
    .areas(area);

    let edited = app.edit_of(doc).is_some();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!(" {} of {} ", app.preview.index + 1, docs.len()),
                theme.dim(),
            ),
            Span::styled(
                format!("{} {}", doc.id.kind.noun(), doc.id.name),
                theme.title(),
            ),
            Span::raw(format!(" · {}", doc.label.replace('_', " "))),
            Span::styled(if edited { "  (edited by you)" } else { "" }, theme.warn()),
        ])),
        title_area,
    );

    let size = limits::policy_size(value);
    let (limit, what) = limit_with(doc, &crate::tui::advice::lint_quotas(&app.quotas));
    let ratio = (size as f64 / limit as f64).min(1.0);
    let style = if size > limit {
        theme.error()
    } else if ratio > 0.9 {
        theme.warn()
    } else {
        theme.ok()
    };
    let label = format!("{size} of {limit} characters ({what} limit; spaces not counted)");
    let meter = Meter {
        ratio,
        label: &label,
        style,
        theme,
    };
    frame.render_widget(&meter, gauge_area);

    let notes = Scrolled {
        title: "Notes and findings",
        lines: notes,
        offset: app.preview.notes_scroll,
        keys: Some("PgUp PgDn"),
        focused: false,
        theme,
    };
    frame.render_widget(&notes, notes_area);

    let existing = app
        .observation(&doc.id)
        .and_then(|o| o.existing.get(&doc.label));
    let (title, lines) = match existing {
        Some(before) if app.preview.show_diff => (
            "Difference from what exists (- now, + planned)",
            diff::lines(&document_text(before), &document_text(value), theme),
        ),
        _ => (
            "Document (e edits)",
            json::highlight(&document_text(value), theme),
        ),
    };
    let body = Scrolled {
        title,
        lines,
        offset: app.preview.scroll,
        keys: None,
        focused: true,
        theme,
    };
    frame.render_widget(&body, body_area);
}
