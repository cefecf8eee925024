//! Confirm: the calls that will be made (or the same as `aws iam`
//! commands), then create everything, or step through resource by resource
//! as the console walkthrough does.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::vertical;
use crate::apply::diff::{Change, State as ChangeState, label};
use crate::apply::journal;
use crate::export::aws_cli;
use crate::output::plural;
use crate::plan::{Plan, ResourceId};
use crate::tui::action::Effect;
use crate::tui::app::{App, Screen};
use crate::tui::widgets::{hanging, hints, panel};

#[derive(Debug, Clone, Default)]
pub struct State {
    pub scroll: usize,
    /// Show `aws iam` commands instead of API calls.
    pub show_cli: bool,
    /// Resource-by-resource confirmation, when chosen.
    pub stepping: Option<Stepping>,
}

/// Where the step-through is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stepping {
    /// Index into the pending changes.
    pub index: usize,
    pub skipped: BTreeSet<ResourceId>,
}

/// What adopting means, beside each adopted resource: the person confirms
/// knowing it.
pub const ADOPTION: &str = "the journal keeps what it is now; destroy puts it back";

/// The resources that exist and that the answers keep as they are, by
/// kind and name ("role ecsInstanceRole").
fn kept(app: &App) -> Vec<String> {
    let Some(plan) = &app.derived.plan else {
        return Vec::new();
    };
    plan.resources
        .iter()
        .filter(|r| {
            crate::tui::existing::choosable(app, r)
                && plan.existing.treatment(r) == crate::plan::existing::Treatment::Keep
        })
        .map(|r| label(&r.id()))
        .collect()
}

/// The changes that make calls, in plan order.
pub fn pending(app: &App) -> Vec<Change> {
    app.review
        .observed
        .ready()
        .into_iter()
        .flatten()
        .filter(|o| !o.change.steps.is_empty())
        .map(|o| o.change.clone())
        .collect()
}

/// Every change (including unchanged ones, which the apply reports).
fn all_changes(app: &App) -> Vec<Change> {
    app.review
        .observed
        .ready()
        .into_iter()
        .flatten()
        .map(|o| o.change.clone())
        .collect()
}

/// The journal for this account and region (or the one given on the command line).
pub fn journal_path(app: &App, plan: &Plan) -> PathBuf {
    app.config
        .journal
        .clone()
        .unwrap_or_else(|| journal::default_path(&plan.target.account_id, &plan.target.region))
}

/// Skipping a resource skips everything that depends on it.
pub fn with_dependents(plan: &Plan, skipped: &BTreeSet<ResourceId>) -> BTreeSet<ResourceId> {
    let mut out = skipped.clone();
    loop {
        let before = out.len();
        for r in &plan.resources {
            if r.depends_on.iter().any(|d| out.contains(d)) {
                out.insert(r.id());
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Starts the apply of everything not skipped.
fn start(app: &mut App, skipped: &BTreeSet<ResourceId>) -> Vec<Effect> {
    if let Some(blocker) = super::review::plan_blocker(app) {
        app.flash = Some(blocker);
        return Vec::new();
    }
    let Some(plan) = app.derived.plan.clone() else {
        return Vec::new();
    };
    let skipped = with_dependents(&plan, skipped);
    let mut plan = plan;
    plan.resources.retain(|r| !skipped.contains(&r.id()));
    let changes: Vec<Change> = all_changes(app)
        .into_iter()
        .filter(|c| !skipped.contains(&c.id()))
        .collect();
    if changes.iter().all(|c| c.steps.is_empty()) {
        app.confirm.stepping = None;
        app.flash = Some("nothing to create: every remaining resource already matches".into());
        return Vec::new();
    }
    let journal = journal_path(app, &plan);
    app.run.start(&plan, &changes, journal.clone());
    app.confirm.stepping = None;
    app.screen = Screen::Apply;
    vec![Effect::Apply {
        plan: Box::new(plan),
        changes,
        journal,
    }]
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let pending = pending(app);
    if let Some(mut stepping) = app.confirm.stepping.clone() {
        let Some(current) = pending.get(stepping.index) else {
            return start(app, &stepping.skipped);
        };
        match key.code {
            KeyCode::Char('y') | KeyCode::Enter => stepping.index += 1,
            KeyCode::Char('n') => {
                stepping.skipped.insert(current.id());
                if let Some(plan) = &app.derived.plan {
                    stepping.skipped = with_dependents(plan, &stepping.skipped);
                }
                stepping.index += 1;
            }
            KeyCode::Char('a') => return start(app, &stepping.skipped),
            KeyCode::Backspace => {
                app.confirm.stepping = None;
                return Vec::new();
            }
            _ => return Vec::new(),
        }
        // Skip past resources already skipped as dependents.
        while pending
            .get(stepping.index)
            .is_some_and(|c| stepping.skipped.contains(&c.id()))
        {
            stepping.index += 1;
        }
        if stepping.index >= pending.len() {
            return start(app, &stepping.skipped);
        }
        app.confirm.stepping = Some(stepping);
        return Vec::new();
    }
    if let Some(delta) = vertical(&key) {
        app.confirm.scroll = app.confirm.scroll.saturating_add_signed(delta);
        return Vec::new();
    }
    match key.code {
        KeyCode::Char('c') => {
            app.confirm.show_cli = !app.confirm.show_cli;
            app.confirm.scroll = 0;
            Vec::new()
        }
        KeyCode::Char('t') if !pending.is_empty() => {
            app.confirm.stepping = Some(Stepping::default());
            Vec::new()
        }
        KeyCode::Char('y') | KeyCode::Enter => start(app, &BTreeSet::new()),
        KeyCode::Char('x') => crate::tui::export::open(app),
        _ => Vec::new(),
    }
}

/// Esc while stepping through stops stepping (the confirm screen stays).
pub fn on_esc(app: &mut App) -> Option<Vec<Effect>> {
    app.confirm.stepping.take().map(|_| Vec::new())
}

/// The calls of one change, as API calls or as `aws iam` commands.
pub fn call_lines(app: &App, change: &Change, cli: bool) -> Vec<String> {
    let resource = app
        .derived
        .plan
        .as_ref()
        .and_then(|p| p.resources.iter().find(|r| r.id() == change.id()));
    change
        .steps
        .iter()
        .map(|step| match (cli, resource) {
            (true, Some(r)) => aws_cli::command(r, step),
            _ => {
                let detail = match step {
                    crate::apply::diff::Step::Attach(a) | crate::apply::diff::Step::Detach(a) => {
                        format!(" {}", super::review::short(a))
                    }
                    crate::apply::diff::Step::PutInline(n)
                    | crate::apply::diff::Step::DeleteInline(n)
                    | crate::apply::diff::Step::AddRole(n)
                    | crate::apply::diff::Step::RemoveRole(n) => format!(" {n}"),
                    _ => String::new(),
                };
                format!("{}{detail}", step.action())
            }
        })
        .collect()
}

/// "skipped so far …: role ecsInstanceRole, instance profile ecsInstanceRole":
/// each by kind, since a role and its instance profile share a name.
pub fn skipped_so_far(skipped: &BTreeSet<ResourceId>) -> String {
    let labels: Vec<String> = skipped.iter().map(label).collect();
    format!(
        "skipped so far (with what depends on them): {}",
        labels.join(", ")
    )
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    // Inside the panel's borders; wrapped lines hang under their start.
    let width = usize::from(area.width.saturating_sub(2));
    let pending = pending(app);
    let kept = kept(app);
    // Kept ones are told apart: they need not match.
    let unchanged = app.review.observed.ready().map_or(0, |o| {
        o.iter()
            .filter(|o| o.change.state == ChangeState::Unchanged)
            .filter(|o| !kept.contains(&label(&o.change.id())))
            .count()
    });
    let mut lines: Vec<Line> = Vec::new();
    if let Some(stepping) = &app.confirm.stepping {
        if let Some(change) = pending.get(stepping.index) {
            lines.push(Line::from(Span::styled(
                format!(
                    "Resource {} of {}: {}{} {}",
                    stepping.index + 1,
                    pending.len(),
                    if change.state == ChangeState::Adopt {
                        "adopt "
                    } else {
                        ""
                    },
                    change.kind.noun(),
                    change.name
                ),
                theme.title(),
            )));
            if change.state == ChangeState::Adopt {
                lines.extend(hanging(Vec::new(), ADOPTION, theme.warn(), width, 2));
            }
            lines.push(Line::from(""));
            for call in call_lines(app, change, app.confirm.show_cli) {
                lines.extend(hanging(
                    vec![Span::raw("  ")],
                    &call,
                    theme.text(),
                    width,
                    6,
                ));
            }
            lines.push(Line::from(""));
            if !stepping.skipped.is_empty() {
                lines.extend(hanging(
                    Vec::new(),
                    &skipped_so_far(&stepping.skipped),
                    theme.warn(),
                    width,
                    2,
                ));
            }
            lines.push(hints(
                &[
                    // Short enough for one line at 80 columns.
                    ("y", "create it"),
                    ("n", "skip it and what needs it"),
                    ("a", "create the rest"),
                    ("Esc", "stop stepping"),
                ],
                theme,
            ));
        }
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(panel("Step through", true, theme)),
            area,
        );
        return;
    }
    let calls: usize = pending.iter().map(|c| c.steps.len()).sum();
    let journal = app
        .derived
        .plan
        .as_ref()
        .map(|p| journal_path(app, p).display().to_string())
        .unwrap_or_default();
    lines.extend(hanging(
        Vec::new(),
        &format!(
            "{} to create{} with {}; {unchanged} already {}.",
            plural(pending.len(), "resource", "resources"),
            if pending.iter().any(|c| c.state == ChangeState::Adopt) {
                ", update or adopt"
            } else {
                " or update"
            },
            plural(calls, "call", "calls"),
            if unchanged == 1 { "matches" } else { "match" }
        ),
        theme.title(),
        width,
        2,
    ));
    lines.extend(hanging(
        Vec::new(),
        &format!("Every call is recorded in {journal} before and after it is made."),
        theme.dim(),
        width,
        2,
    ));
    if let Some(line) = crate::tui::preflight::line(app, theme) {
        lines.push(line);
    }
    // The one note that the plan was checked against IAM's default quotas.
    if let Some(line) = crate::tui::advice::quota_note(app, theme) {
        lines.push(line);
    }
    lines.push(Line::from(""));
    for change in &pending {
        let verb = match change.state {
            ChangeState::Create => "create",
            ChangeState::Adopt => "adopt",
            _ => "update",
        };
        let heading = format!("{verb} {} {}", change.kind.noun(), change.name);
        if change.state == ChangeState::Adopt {
            lines.extend(hanging(
                vec![Span::styled(heading, theme.key())],
                &format!(": {ADOPTION}"),
                theme.warn(),
                width,
                4,
            ));
        } else {
            lines.push(Line::from(Span::styled(heading, theme.key())));
        }
        for call in call_lines(app, change, app.confirm.show_cli) {
            lines.extend(hanging(
                vec![Span::raw("    ")],
                &call,
                theme.text(),
                width,
                8,
            ));
        }
    }
    if pending.is_empty() {
        lines.push(Line::from(Span::styled(
            "Nothing to do: everything already matches the plan.",
            theme.ok(),
        )));
    }
    if !kept.is_empty() {
        lines.push(Line::from(""));
        lines.extend(hanging(
            Vec::new(),
            &format!(
                "Kept as they are (your choice): {}. onramp changes nothing on them; verify checks whether they grant what the workload needs.",
                kept.join(", ")
            ),
            theme.warn(),
            width,
            2,
        ));
    }
    let title = if app.confirm.show_cli {
        "The same as aws iam commands (c: API calls)"
    } else {
        "Calls onramp will make (c: as aws iam commands)"
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(app.confirm.scroll).unwrap_or(u16::MAX), 0))
            .block(panel(title, true, theme)),
        area,
    );
}
