//! Buckets: the account's buckets with their regions, multi-select with a
//! filter, and a field to add a bucket that does not exist yet, validated as
//! it is typed. The same editor picks the genomics buckets (its own screen)
//! and the HealthOmics ones (part of that screen), so [`Target`] says which
//! answers it edits.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{step, vertical};
use crate::answers::{Genomics, Omics};
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

/// Which answers the editor picks buckets for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `genomics.buckets`: selected or not.
    Genomics,
    /// `omics.buckets` and `omics.read_only_buckets`: HealthOmics runs write
    /// their output but only read reference data, so a row is read-write,
    /// read-only or unused, and Space goes round the three.
    Omics,
}

impl Target {
    /// The answers' fields whose errors the editor shows.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Target::Genomics => &["genomics.buckets"],
            Target::Omics => &["omics.buckets", "omics.read_only_buckets"],
        }
    }

    fn intro(self) -> &'static str {
        match self {
            Target::Genomics => {
                "Buckets your Batch jobs may read and write (instance and job roles):"
            }
            Target::Omics => "Buckets HealthOmics runs may use (the service role):",
        }
    }

    fn list_title(self) -> &'static str {
        match self {
            Target::Genomics => "Buckets in the account (Space selects)",
            Target::Omics => "Buckets in the account (Space: read-write → read-only → unused)",
        }
    }
}

/// Where the editor's keys go, or `None` when another part of the screen
/// has them (the HealthOmics screen's fields below the editor).
fn focus(app: &App, target: Target) -> Option<Focus> {
    match target {
        Target::Genomics => Some(app.buckets.focus),
        Target::Omics => {
            (app.omics.focus == super::omics::Focus::Buckets).then_some(app.omics.buckets.focus)
        }
    }
}

/// The editor's state for `target`.
pub fn state(app: &App, target: Target) -> &State {
    match target {
        Target::Genomics => &app.buckets,
        Target::Omics => &app.omics.buckets,
    }
}

fn state_mut(app: &mut App, target: Target) -> &mut State {
    match target {
        Target::Genomics => &mut app.buckets,
        Target::Omics => &mut app.omics.buckets,
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
    /// Selected to be read only (HealthOmics reference data).
    pub read_only: bool,
}

/// Every bucket chosen for `target`, read-only ones included.
fn chosen(app: &App, target: Target) -> Vec<String> {
    match target {
        Target::Genomics => app
            .answers
            .genomics
            .as_ref()
            .map_or_else(Vec::new, |g| g.buckets.clone()),
        Target::Omics => app
            .answers
            .omics
            .as_ref()
            .map_or_else(Vec::new, |o| o.every_bucket().cloned().collect()),
    }
}

fn read_only(app: &App, target: Target) -> &[String] {
    match target {
        Target::Genomics => &[],
        Target::Omics => app
            .answers
            .omics
            .as_ref()
            .map_or(&[], |o| &o.read_only_buckets),
    }
}

/// The rows that match the filter: the account's buckets, then those typed in.
pub fn items(app: &App, target: Target) -> Vec<Item> {
    let chosen = chosen(app, target);
    let read_only = read_only(app, target);
    let filter = state(app, target).filter.text().to_lowercase();
    let account: &[crate::cloud::Bucket] = app.account_buckets.ready().map_or(&[], Vec::as_slice);
    let mut out: Vec<Item> = account
        .iter()
        .map(|b| Item {
            name: b.name.clone(),
            region: b.region.clone(),
            exists: true,
            selected: chosen.contains(&b.name),
            read_only: read_only.contains(&b.name),
        })
        .collect();
    for name in &chosen {
        if !account.iter().any(|b| &b.name == name) {
            out.push(Item {
                name: name.clone(),
                region: None,
                exists: false,
                selected: true,
                read_only: read_only.contains(name),
            });
        }
    }
    for name in &state(app, target).unselected {
        if !out.iter().any(|i| &i.name == name) {
            out.push(Item {
                name: name.clone(),
                region: None,
                exists: false,
                selected: false,
                read_only: false,
            });
        }
    }
    out.retain(|i| i.name.contains(&filter));
    out
}

/// The list a new (or newly selected) bucket goes to: the genomics
/// buckets, or the HealthOmics read-write ones.
fn selected_list(app: &mut App, target: Target) -> &mut Vec<String> {
    match target {
        Target::Genomics => {
            &mut app
                .answers
                .genomics
                .get_or_insert_with(Genomics::default)
                .buckets
        }
        Target::Omics => &mut app.answers.omics.get_or_insert_with(Omics::default).buckets,
    }
}

/// Space on a row: selects or unselects it; for HealthOmics, read-write
/// becomes read-only before it becomes unused.
fn toggle(app: &mut App, target: Target, name: &str, exists: bool) {
    let list = selected_list(app, target);
    let dropped = if let Some(i) = list.iter().position(|b| b == name) {
        list.remove(i);
        match target {
            Target::Genomics => true,
            Target::Omics => {
                let o = app.answers.omics.get_or_insert_with(Omics::default);
                o.read_only_buckets.push(name.to_owned());
                false
            }
        }
    } else if let Some(o) = app
        .answers
        .omics
        .as_mut()
        .filter(|_| target == Target::Omics)
        && let Some(i) = o.read_only_buckets.iter().position(|b| b == name)
    {
        o.read_only_buckets.remove(i);
        true
    } else {
        list_push(app, target, name);
        false
    };
    if dropped && !exists {
        state_mut(app, target).unselected.push(name.to_owned());
    }
}

/// Selects `name` (read-write for HealthOmics); a typed-in bucket leaves
/// the unselected ones.
fn list_push(app: &mut App, target: Target, name: &str) {
    selected_list(app, target).push(name.to_owned());
    state_mut(app, target).unselected.retain(|b| b != name);
}

/// Why the typed name cannot be added, if it cannot.
pub fn add_problem(app: &App, target: Target) -> Option<String> {
    let name = state(app, target).add.text();
    if name.is_empty() {
        return None;
    }
    if chosen(app, target).contains(&name) {
        return Some(format!("`{name}` is already selected"));
    }
    rules::bucket_name(&name).err()
}

pub fn move_cursor(app: &mut App, target: Target, delta: isize) {
    let len = items(app, target).len();
    let state = state_mut(app, target);
    state.cursor = step(state.cursor, delta, len);
}

pub fn on_key(app: &mut App, target: Target, key: KeyEvent) -> Vec<Effect> {
    let state = state_mut(app, target);
    match key.code {
        KeyCode::Tab => {
            state.focus = match state.focus {
                Focus::List => Focus::Filter,
                Focus::Filter => Focus::Add,
                Focus::Add => Focus::List,
            };
            return Vec::new();
        }
        KeyCode::BackTab => {
            state.focus = match state.focus {
                Focus::List => Focus::Add,
                Focus::Filter => Focus::List,
                Focus::Add => Focus::Filter,
            };
            return Vec::new();
        }
        _ => {}
    }
    match state.focus {
        Focus::List => on_list_key(app, target, key),
        Focus::Filter => {
            if matches!(key.code, KeyCode::Up | KeyCode::Down) {
                move_cursor(app, target, if key.code == KeyCode::Up { -1 } else { 1 });
            } else if key.code == KeyCode::Enter {
                state.focus = Focus::List;
            } else if state.filter.input(key) {
                state.cursor = 0;
            }
            Vec::new()
        }
        Focus::Add => {
            if key.code == KeyCode::Enter {
                let name = state.add.text();
                if name.is_empty() {
                    return app.advance();
                }
                match add_problem(app, target) {
                    Some(problem) => app.flash = Some(format!("not added: {problem}")),
                    None => {
                        list_push(app, target, &name);
                        let state = state_mut(app, target);
                        state.add.set("");
                        // Back to the list, where `/` and `+` are keys again.
                        state.focus = Focus::List;
                        app.flash = Some(format!(
                            "added {name}; it is not in the account yet, create it before running jobs"
                        ));
                    }
                }
            } else {
                state.add.input(key);
            }
            Vec::new()
        }
    }
}

/// Esc in the filter or the name field goes back to the list (the text
/// stays); in the list, it is not the editor's.
pub fn on_esc(app: &mut App, target: Target) -> Option<Vec<Effect>> {
    let state = state_mut(app, target);
    if state.focus == Focus::List {
        return None;
    }
    state.focus = Focus::List;
    Some(Vec::new())
}

fn on_list_key(app: &mut App, target: Target, key: KeyEvent) -> Vec<Effect> {
    if let Some(delta) = vertical(&key) {
        move_cursor(app, target, delta);
        return Vec::new();
    }
    match key.code {
        KeyCode::Char(' ') => {
            if let Some(item) = items(app, target).get(state(app, target).cursor) {
                let name = item.name.clone();
                toggle(app, target, &name, item.exists);
                move_cursor(app, target, 0);
            }
            Vec::new()
        }
        KeyCode::Char('/') => {
            state_mut(app, target).focus = Focus::Filter;
            Vec::new()
        }
        KeyCode::Char('+') => {
            state_mut(app, target).focus = Focus::Add;
            Vec::new()
        }
        KeyCode::Enter => app.advance(),
        _ => Vec::new(),
    }
}

pub fn render(app: &App, target: Target, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let state = state(app, target);
    let [intro, filter_area, list_area, add_area, problem_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(3),
        Constraint::Length(2),
    ])
    .areas(area);
    let target_region = app.region().map(str::to_owned);
    let count = chosen(app, target).len();
    let counted = match read_only(app, target).len() {
        0 => format!("{count} selected"),
        n => format!("{count} selected, {n} of them read-only"),
    };
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(target.intro()),
            Line::from(Span::styled(counted, theme.dim())),
        ]),
        intro,
    );

    let focus = focus(app, target);
    let filter_focused = focus == Some(Focus::Filter);
    frame.render_widget(
        Paragraph::new(state.filter.text()).block(panel("Filter (/)", filter_focused, theme)),
        filter_area,
    );

    let list_focused = focus == Some(Focus::List);
    let block = panel(target.list_title(), list_focused, theme);
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    let rows = items(app, target);
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
        let mark = match (target, item.selected, item.read_only) {
            (Target::Genomics, true, _) => "[x]",
            (Target::Genomics, false, _) => "[ ]",
            (Target::Omics, true, true) => "[ro]",
            (Target::Omics, true, false) => "[rw]",
            (Target::Omics, false, _) => "[  ]",
        };
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

    let add_focused = focus == Some(Focus::Add);
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
    let problem = add_problem(app, target)
        .map(|p| verdict("✗", &p, theme.error()))
        .or_else(|| {
            (!state.add.text().is_empty())
                .then(|| verdict("✓", "a valid bucket name; Enter adds it", theme.ok()))
        })
        .or_else(|| {
            app.derived
                .errors_for(target.fields())
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
    match focus {
        Some(Focus::Filter) => frame.set_cursor_position(cursor_at(
            panel("", true, theme).inner(filter_area),
            state.filter.cursor(),
        )),
        Some(Focus::Add) => frame.set_cursor_position(cursor_at(add_inner, state.add.cursor())),
        Some(Focus::List) | None => {}
    }
}
