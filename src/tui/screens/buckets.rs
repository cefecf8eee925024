//! Buckets: the account's buckets with their regions, multi-select with a
//! filter, and a field to add a bucket that does not exist yet, validated as
//! it is typed.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{step, vertical};
use crate::answers::Genomics;
use crate::iam::rules;
use crate::tui::action::Effect;
use crate::tui::app::{App, Loading};
use crate::tui::field::TextField;
use crate::tui::widgets::{follow, hanging, panel, spinner};

/// Which part of the screen has the keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    List,
    Filter,
    Add,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    pub filter: TextField,
    pub add: TextField,
    /// Index into the filtered list.
    pub cursor: usize,
    /// Buckets not in the account that were unselected: they stay in the
    /// list, so Space brings one back instead of typing it again.
    pub unselected: Vec<String>,
}

impl State {
    pub fn typing(&self) -> bool {
        self.focus != Focus::List
    }
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    pub region: Option<String>,
    /// Whether the bucket is in the account (else it is one typed by the user).
    pub exists: bool,
    pub selected: bool,
}

fn chosen(app: &App) -> &[String] {
    app.answers.genomics.as_ref().map_or(&[], |g| &g.buckets)
}

/// The rows that match the filter: the account's buckets, then those typed in.
pub fn items(app: &App) -> Vec<Item> {
    let chosen = chosen(app);
    let filter = app.buckets.filter.text().to_lowercase();
    let account: &[crate::cloud::Bucket] = app.account_buckets.ready().map_or(&[], Vec::as_slice);
    let mut out: Vec<Item> = account
        .iter()
        .map(|b| Item {
            name: b.name.clone(),
            region: b.region.clone(),
            exists: true,
            selected: chosen.contains(&b.name),
        })
        .collect();
    for name in chosen {
        if !account.iter().any(|b| &b.name == name) {
            out.push(Item {
                name: name.clone(),
                region: None,
                exists: false,
                selected: true,
            });
        }
    }
    for name in &app.buckets.unselected {
        if !out.iter().any(|i| &i.name == name) {
            out.push(Item {
                name: name.clone(),
                region: None,
                exists: false,
                selected: false,
            });
        }
    }
    out.retain(|i| i.name.contains(&filter));
    out
}

fn genomics(app: &mut App) -> &mut Genomics {
    app.answers.genomics.get_or_insert_with(Genomics::default)
}

fn toggle(app: &mut App, name: &str, exists: bool) {
    let g = genomics(app);
    if let Some(i) = g.buckets.iter().position(|b| b == name) {
        g.buckets.remove(i);
        if !exists {
            app.buckets.unselected.push(name.to_owned());
        }
    } else {
        g.buckets.push(name.to_owned());
        app.buckets.unselected.retain(|b| b != name);
    }
}

/// Why the typed name cannot be added, if it cannot.
pub fn add_problem(app: &App) -> Option<String> {
    let name = app.buckets.add.text();
    if name.is_empty() {
        return None;
    }
    if chosen(app).contains(&name) {
        return Some(format!("`{name}` is already selected"));
    }
    rules::bucket_name(&name).err()
}

pub fn move_cursor(app: &mut App, delta: isize) {
    let len = items(app).len();
    app.buckets.cursor = step(app.buckets.cursor, delta, len);
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Tab => {
            app.buckets.focus = match app.buckets.focus {
                Focus::List => Focus::Filter,
                Focus::Filter => Focus::Add,
                Focus::Add => Focus::List,
            };
            return Vec::new();
        }
        KeyCode::BackTab => {
            app.buckets.focus = match app.buckets.focus {
                Focus::List => Focus::Add,
                Focus::Filter => Focus::List,
                Focus::Add => Focus::Filter,
            };
            return Vec::new();
        }
        _ => {}
    }
    match app.buckets.focus {
        Focus::List => on_list_key(app, key),
        Focus::Filter => {
            if matches!(key.code, KeyCode::Up | KeyCode::Down) {
                move_cursor(app, if key.code == KeyCode::Up { -1 } else { 1 });
            } else if key.code == KeyCode::Enter {
                app.buckets.focus = Focus::List;
            } else if app.buckets.filter.input(key) {
                app.buckets.cursor = 0;
            }
            Vec::new()
        }
        Focus::Add => {
            if key.code == KeyCode::Enter {
                let name = app.buckets.add.text();
                if name.is_empty() {
                    return app.advance();
                }
                match add_problem(app) {
                    Some(problem) => app.flash = Some(format!("not added: {problem}")),
                    None => {
                        genomics(app).buckets.push(name.clone());
                        app.buckets.unselected.retain(|b| *b != name);
                        app.buckets.add.set("");
                        // Back to the list, where `/` and `+` are keys again.
                        app.buckets.focus = Focus::List;
                        app.flash = Some(format!(
                            "added {name}; it is not in the account yet, create it before running jobs"
                        ));
                    }
                }
            } else {
                app.buckets.add.input(key);
            }
            Vec::new()
        }
    }
}

/// Esc in the filter or the name field goes back to the list (the text
/// stays); in the list, it is not the screen's.
pub fn on_esc(app: &mut App) -> Option<Vec<Effect>> {
    if app.buckets.focus == Focus::List {
        return None;
    }
    app.buckets.focus = Focus::List;
    Some(Vec::new())
}

fn on_list_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(delta) = vertical(&key) {
        move_cursor(app, delta);
        return Vec::new();
    }
    match key.code {
        KeyCode::Char(' ') => {
            if let Some(item) = items(app).get(app.buckets.cursor) {
                let name = item.name.clone();
                toggle(app, &name, item.exists);
                move_cursor(app, 0);
            }
            Vec::new()
        }
        KeyCode::Char('/') => {
            app.buckets.focus = Focus::Filter;
            Vec::new()
        }
        KeyCode::Char('+') => {
            app.buckets.focus = Focus::Add;
            Vec::new()
        }
        KeyCode::Enter => app.advance(),
        _ => Vec::new(),
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let state = &app.buckets;
    let [intro, filter_area, list_area, add_area, problem_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(3),
        Constraint::Length(2),
    ])
    .areas(area);
    let target_region = app.region().map(str::to_owned);
    let count = chosen(app).len();
    frame.render_widget(
        Paragraph::new(vec![
            Line::from("Buckets your Batch jobs may read and write (instance and job roles):"),
            Line::from(Span::styled(format!("{count} selected"), theme.dim())),
        ]),
        intro,
    );

    let filter_focused = state.focus == Focus::Filter;
    frame.render_widget(
        Paragraph::new(state.filter.text()).block(panel("Filter (/)", filter_focused, theme)),
        filter_area,
    );

    let list_focused = state.focus == Focus::List;
    let block = panel(
        "Buckets in the account (Space selects)",
        list_focused,
        theme,
    );
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    let rows = items(app);
    let mut lines: Vec<Line> = Vec::new();
    match &app.account_buckets {
        Loading::Loading => lines.push(Line::from(format!(
            "{} listing buckets…",
            spinner(app.tick)
        ))),
        Loading::Failed(problem) => lines.push(Line::from(Span::styled(
            format!("could not list buckets ({problem}); type their names below"),
            theme.warn(),
        ))),
        Loading::Ready(_) if rows.is_empty() => lines.push(Line::from(Span::styled(
            "no bucket matches; type a name below to add one",
            theme.dim(),
        ))),
        Loading::Ready(_) => {}
    }
    let height = usize::from(inner.height).saturating_sub(lines.len());
    let offset = follow(state.cursor, height);
    let name_width = rows
        .iter()
        .map(|i| i.name.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    for (i, item) in rows.iter().enumerate().skip(offset).take(height) {
        let mark = if item.selected { "[x]" } else { "[ ]" };
        let region = match (&item.region, item.exists) {
            (_, false) => "new: not in the account yet".to_owned(),
            (Some(r), true) if Some(r) != target_region.as_ref() => format!("{r} (another region)"),
            (Some(r), true) => r.clone(),
            (None, true) => "region unknown".to_owned(),
        };
        let text = format!(" {mark} {:<name_width$}{region}", item.name);
        let style = if i == state.cursor && list_focused {
            theme.selected()
        } else if item.selected {
            theme.ok()
        } else {
            theme.text()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    frame.render_widget(Paragraph::new(lines), inner);

    let add_focused = state.focus == Focus::Add;
    let add_block = panel("Add a bucket by name (+)", add_focused, theme);
    let add_inner = add_block.inner(add_area);
    frame.render_widget(Paragraph::new(state.add.text()).block(add_block), add_area);
    // Two rows: a long rule wraps under its text.
    let verdict = |mark: &str, text: &str, style| {
        hanging(
            vec![Span::styled(format!("{mark} "), style)],
            text,
            style,
            usize::from(problem_area.width),
            2,
        )
    };
    let problem = add_problem(app)
        .map(|p| verdict("✗", &p, theme.error()))
        .or_else(|| {
            (!state.add.text().is_empty())
                .then(|| verdict("✓", "a valid bucket name; Enter adds it", theme.ok()))
        })
        .or_else(|| {
            app.derived
                .errors_for(&["genomics.buckets"])
                .next()
                .map(|e| verdict("✗", &e.to_string(), theme.error()))
        });
    if let Some(lines) = problem {
        frame.render_widget(Paragraph::new(lines), problem_area);
    }
    let cursor_at = |inner: Rect, column: usize| Position {
        x: inner.x
            + u16::try_from(column)
                .unwrap_or(u16::MAX)
                .min(inner.width.saturating_sub(1)),
        y: inner.y,
    };
    match state.focus {
        Focus::Filter => frame.set_cursor_position(cursor_at(
            panel("", true, theme).inner(filter_area),
            state.filter.cursor(),
        )),
        Focus::Add => frame.set_cursor_position(cursor_at(add_inner, state.add.cursor())),
        Focus::List => {}
    }
}
