//! Review: every planned resource as a tree (policies, roles with their
//! attachments, instance profiles) with its state in the account and the
//! lint findings. Errors and conflicts block going on.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{choice, step, vertical};
use crate::apply::diff::{State as ChangeState, without_ways_out};
use crate::iam::limits::{self, Quotas};
use crate::plan::existing::Treatment;
use crate::plan::lint::{self, Level};
use crate::plan::{Plan, Resource, Spec};
use crate::tui::action::{Effect, Observation};
use crate::tui::app::{App, Loading, Screen};
use crate::tui::existing;
use crate::tui::theme::Theme;
use crate::tui::widgets::{Scrolled, follow, hanging, panel, spinner};

#[derive(Debug, Clone)]
pub struct State {
    pub cursor: usize,
    /// What exists of `observed_for`.
    pub observed: Loading<Vec<Observation>>,
    /// Bumped for every read, so a late answer to an older one is dropped.
    pub generation: u64,
    /// The plan last sent to be read.
    pub observed_for: Option<Plan>,
    /// First line of the findings shown (PgUp / PgDn).
    pub findings_scroll: usize,
    /// The apply's journal as read with `observed`, to tell whose
    /// resources the run would touch.
    pub journal: Vec<crate::apply::journal::Entry>,
    /// The choice open for a resource that exists and that onramp did not
    /// make (`o`).
    pub choosing: Option<crate::tui::existing::Choosing>,
}

impl Default for State {
    fn default() -> Self {
        State {
            cursor: 0,
            observed: Loading::Loading,
            generation: 0,
            observed_for: None,
            findings_scroll: 0,
            journal: Vec::new(),
            choosing: None,
        }
    }
}

pub fn blocker(app: &App) -> Option<String> {
    plan_blocker(app).or_else(|| observation_blocker(app))
}

/// What in the plan itself keeps it from being created: an invalid answer,
/// or an error finding (a limit, or an intent an edit took away). The
/// preview and the confirm screen ask it too, since an edit made after the
/// review can add one.
pub fn plan_blocker(app: &App) -> Option<String> {
    if let Some(e) = app.derived.errors.first() {
        return Some(format!("fix this first: {e}"));
    }
    let errors = app
        .derived
        .findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .count();
    if errors > 0 {
        return Some(format!(
            "the plan has {}, listed under Findings on the review; fix them first",
            crate::output::plural(errors, "error", "errors")
        ));
    }
    None
}

/// Whose resources the run would touch (see [`crate::apply::ownership`]),
/// once the account has been read.
pub fn ownership(app: &App) -> Option<crate::apply::ownership::Notices> {
    let observations = app.review.observed.ready()?;
    let plan = app.review.observed_for.as_ref()?;
    let changes: Vec<_> = observations.iter().map(|o| o.change.clone()).collect();
    let journal = super::confirm::journal_path(app, plan);
    Some(crate::apply::ownership::notices(
        &app.review.journal,
        &journal.display().to_string(),
        plan,
        &changes,
    ))
}

fn observation_blocker(app: &App) -> Option<String> {
    if let Some(why) = ownership(app).and_then(|n| n.wrong_journal) {
        return Some(why);
    }
    match &app.review.observed {
        Loading::Loading => Some("still reading the account…".into()),
        Loading::Failed(problem) => Some(format!("could not read the account ({problem}); press r to try again")),
        Loading::Ready(observations) => observations
            .iter()
            .find(|o| o.change.state == ChangeState::Conflict)
            .map(|o| {
                let reasons: Vec<&str> = o
                    .change
                    .reasons
                    .iter()
                    .map(|r| without_ways_out(r, &o.change.name))
                    .collect();
                format!(
                    "conflict on {} {}: {}; press o on it to adopt it, keep it as it is, or rename onramp's",
                    o.change.kind.noun(),
                    o.change.name,
                    reasons.join("; ")
                )
            }),
    }
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let len = app.derived.plan.as_ref().map_or(0, |p| p.resources.len());
    // Page keys scroll the findings, which can be more than their panel holds.
    match key.code {
        KeyCode::PageDown => {
            app.review.findings_scroll = app.review.findings_scroll.saturating_add(3);
            return Vec::new();
        }
        KeyCode::PageUp => {
            app.review.findings_scroll = app.review.findings_scroll.saturating_sub(3);
            return Vec::new();
        }
        _ => {}
    }
    if let Some(delta) = vertical(&key) {
        app.review.cursor = step(app.review.cursor, delta, len);
        return Vec::new();
    }
    match key.code {
        KeyCode::Char('x') => crate::tui::export::open(app),
        KeyCode::Char('o') => existing::open(app),
        KeyCode::Char('r') => {
            app.review.observed_for = None;
            app.observe_if_stale()
        }
        KeyCode::Char('p') => {
            let Some(resource) = app
                .derived
                .plan
                .as_ref()
                .and_then(|p| p.resources.get(app.review.cursor))
            else {
                return Vec::new();
            };
            let id = resource.id();
            match app.documents().iter().position(|d| d.id == id) {
                Some(index) => {
                    app.preview.select(index);
                    app.go(Screen::Preview)
                }
                None if resource.is_service_linked() => {
                    app.flash = Some(format!(
                        "AWS writes the documents of the service-linked role {}",
                        id.name
                    ));
                    Vec::new()
                }
                None => {
                    app.flash = Some(format!(
                        "{} {} has no policy document",
                        id.kind.noun(),
                        id.name
                    ));
                    Vec::new()
                }
            }
        }
        KeyCode::Enter => app.advance(),
        _ => Vec::new(),
    }
}

/// Whether the resource under the cursor exists and onramp did not make
/// it, so that `o` offers a choice (for the footer).
pub fn choosable_here(app: &App) -> bool {
    app.derived
        .plan
        .as_ref()
        .and_then(|p| p.resources.get(app.review.cursor))
        .is_some_and(|r| existing::choosable(app, r))
}

/// The badge for a resource's state in the account.
pub fn badge(app: &App, resource: &Resource) -> (String, Style) {
    let theme = app.theme();
    match &app.review.observed {
        Loading::Loading => (format!("{} reading", spinner(app.tick)), theme.dim()),
        Loading::Failed(_) => ("? unknown".into(), theme.warn()),
        Loading::Ready(_) => match app.observation(&resource.id()).map(|o| o.change.state) {
            Some(ChangeState::Unchanged)
                if existing::choosable(app, resource)
                    && existing::treatment(app, resource) == Treatment::Keep =>
            {
                ("= kept".into(), theme.warn())
            }
            Some(ChangeState::Create) => ("+ new".into(), theme.ok()),
            Some(ChangeState::Update) => ("~ update".into(), theme.warn()),
            Some(ChangeState::Adopt) => ("* adopt".into(), theme.warn()),
            Some(ChangeState::Unchanged) => ("= unchanged".into(), theme.dim()),
            Some(ChangeState::Conflict) => ("! conflict".into(), theme.error()),
            None => ("? unknown".into(), theme.warn()),
        },
    }
}

/// The last part of an ARN, for short display.
pub fn short(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn children(
    resource: &Resource,
    quotas: &Quotas,
    standing: Option<String>,
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut out: Vec<String> = Vec::new();
    match &resource.spec {
        Spec::ManagedPolicy(policy) => out.push(format!(
            "{} of {} characters",
            limits::policy_size(&policy.document),
            quotas.managed_policy_size
        )),
        Spec::Role(role) => {
            let services: Vec<String> = lint::trusted_services(&role.trust_policy)
                .into_iter()
                .collect();
            out.push(format!("trusts {}", services.join(", ")));
            out.extend(
                role.managed_policy_arns
                    .iter()
                    .map(|a| format!("attaches {}", short(a))),
            );
            out.extend(
                role.inline_policies
                    .keys()
                    .map(|n| format!("inline policy {n}")),
            );
            if let Some(b) = role.boundary() {
                out.push(format!("boundary {}", short(b)));
            }
        }
        Spec::InstanceProfile(profile) => {
            out.extend(profile.roles.iter().map(|r| format!("holds role {r}")))
        }
        Spec::ServiceLinkedRole(linked) => {
            out.push(format!(
                "service-linked to {}: AWS keeps its trust and permissions",
                linked.service
            ));
            // Once it exists, `standing` says so instead.
            if standing.is_none() {
                out.push("created only if missing; one per account, untaggable".into());
            }
        }
    }
    let mut styled: Vec<(String, Style)> = out.into_iter().map(|t| (t, theme.dim())).collect();
    styled.extend(standing.map(|t| (t, theme.warn())));
    let n = styled.len();
    styled
        .into_iter()
        .enumerate()
        .map(|(i, (text, style))| {
            let branch = if i + 1 == n { "└─" } else { "├─" };
            Line::from(vec![
                Span::styled(format!("                  {branch} "), theme.dim()),
                Span::styled(text, style),
            ])
        })
        .collect()
}

/// The detail pane's lines for the resource under the cursor, and whether
/// they may take more than three rows: for one that exists and that onramp
/// did not make, the choice made and everything that differs.
fn detail(app: &App, plan: &Plan, width: usize) -> (choice::Blocks, bool) {
    let theme = app.theme();
    let resource = plan.resources.get(app.review.cursor);
    let observation = resource.and_then(|r| app.observation(&r.id()));
    if let (Some(resource), Some(o)) = (resource, observation)
        && existing::choosable(app, resource)
    {
        return (choice::detail(app, resource, o, width), true);
    }
    let text = observation
        .map(|o| match o.change.state {
            ChangeState::Create => format!(
                "does not exist yet: {} it ({})",
                crate::output::plural(o.change.steps.len(), "call creates", "calls create"),
                o.change
                    .steps
                    .iter()
                    .map(|s| s.action().as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ChangeState::Unchanged if o.change.reasons.is_empty() => {
                "exists and matches the plan".to_owned()
            }
            _ => o.change.reasons.join("; "),
        })
        .unwrap_or_else(|| match &app.review.observed {
            Loading::Failed(problem) => {
                format!("could not read the account: {problem} (r retries)")
            }
            _ => "reading the account…".into(),
        });
    (
        vec![hanging(Vec::new(), &text, theme.text(), width, 2)],
        false,
    )
}

/// The tree's least height, borders included.
const TREE_ROWS: u16 = 5;

/// The height left to the tree, borders included, when the detail pane
/// grows for a difference: the row and a few of its lines stay in sight.
const TREE_ROOM: u16 = 9;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let Some(plan) = &app.derived.plan else {
        let lines: Vec<Line> = std::iter::once(Line::from(Span::styled(
            "Nothing can be planned yet:",
            theme.error(),
        )))
        .chain(
            app.derived
                .errors
                .iter()
                .map(|e| Line::from(format!("  ✗ {e}"))),
        )
        .collect();
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(panel("Review", true, theme)),
            area,
        );
        return;
    };
    let width = usize::from(area.width.saturating_sub(2));
    let (detail_blocks, grows) = detail(app, plan, width);
    let finding_lines = finding_lines(app, width);
    let findings_height = (u16::try_from(finding_lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2))
    .clamp(3, area.height / if grows { 4 } else { 3 });
    // A choice's difference may take what the tree (a few rows of it) and
    // the findings leave.
    let most = if grows {
        area.height
            .saturating_sub(findings_height)
            .saturating_sub(TREE_ROOM)
            .saturating_sub(2)
            .max(3)
    } else {
        3
    };
    let rows = usize::from(most);
    let detail_lines = if grows {
        choice::fit(detail_blocks, rows, theme)
    } else {
        detail_blocks.concat()
    };
    let detail_height = u16::try_from(detail_lines.len().clamp(1, rows)).unwrap_or(1) + 2;
    let [tree_area, detail_area, findings_area] = Layout::vertical([
        Constraint::Min(TREE_ROWS),
        Constraint::Length(detail_height),
        Constraint::Length(findings_height),
    ])
    .areas(area);

    let title = format!(
        "Plan for {} in {}",
        plan.target.account_id, plan.target.region
    );
    let block = panel(&title, true, theme);
    let inner = block.inner(tree_area);
    frame.render_widget(block, tree_area);
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(
        crate::output::summary(plan),
        theme.dim(),
    ))];
    // The selected row's first and last lines (its own lines under it).
    let (mut cursor_line, mut cursor_end) = (0, 0);
    for (i, resource) in plan.resources.iter().enumerate() {
        let (badge_text, badge_style) = badge(app, resource);
        if i == app.review.cursor {
            cursor_line = lines.len();
        }
        let row_style = if i == app.review.cursor {
            theme.selected()
        } else {
            theme.text()
        };
        // A long path and name wraps under the name, not at the left edge.
        lines.extend(hanging(
            vec![
                Span::styled(format!(" {badge_text:<12}"), badge_style),
                Span::styled(format!(" {:<17}", resource.kind().noun()), theme.dim()),
            ],
            &format!("{}{}", resource.path, resource.name),
            row_style,
            usize::from(inner.width),
            31,
        ));
        lines.extend(children(
            resource,
            &crate::tui::advice::lint_quotas(&app.quotas),
            choice::standing(app, resource),
            theme,
        ));
        if i == app.review.cursor {
            cursor_end = lines.len().saturating_sub(1);
        }
    }
    let height = usize::from(inner.height);
    // The row in sight with its lines (what is chosen for it among them),
    // its first line first when they do not all fit.
    let offset = follow(cursor_end, height).min(cursor_line);
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(offset).unwrap_or(0), 0)),
        inner,
    );

    frame.render_widget(
        Paragraph::new(detail_lines).block(panel("In the account", false, theme)),
        detail_area,
    );

    let findings = Scrolled {
        title: "Findings",
        lines: finding_lines,
        offset: app.review.findings_scroll,
        keys: Some("PgUp PgDn"),
        focused: false,
        theme,
    };
    frame.render_widget(&findings, findings_area);
}

/// The findings, errors first, each wrapped under its text.
fn finding_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = app.theme();
    let notices = ownership(app).unwrap_or_default();
    let about_runs = notices
        .wrong_journal
        .iter()
        .map(|w| (Level::Error, w))
        .chain(notices.warnings.iter().map(|w| (Level::Warning, w)))
        .flat_map(|(level, text)| {
            let style = match level {
                Level::Error => theme.error(),
                _ => theme.warn(),
            };
            hanging(
                vec![Span::styled(format!("{:<8}", level.to_string()), style)],
                text,
                theme.text(),
                width,
                8,
            )
        });
    let mut lines: Vec<Line<'static>> = about_runs.collect();
    if app.derived.findings.is_empty() && lines.is_empty() {
        return vec![Line::from(Span::styled("no findings", theme.ok()))];
    }
    let findings = app
        .derived
        .findings
        .iter()
        .flat_map(|f| {
            let style = match f.level {
                Level::Error => theme.error(),
                Level::Warning => theme.warn(),
                Level::Note => theme.dim(),
            };
            hanging(
                vec![Span::styled(format!("{:<8}", f.level.to_string()), style)],
                &format!("{}: {}", f.resource, f.message),
                theme.text(),
                width,
                8,
            )
        })
        .collect::<Vec<_>>();
    lines.extend(findings);
    lines
}
