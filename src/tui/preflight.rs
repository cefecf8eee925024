//! The permission preflight in the wizard: once the caller is known, the
//! worker simulates the calls the plan of the current answers needs
//! (`apply::preflight`), and the welcome screen shows the result in one
//! line. The confirm screen shows it again where the decision is made,
//! checked afresh if the answers changed what is needed since. It only
//! informs: nothing waits for it and nothing is blocked by it.

use ratatui::text::{Line, Span};

use super::action::Effect;
use super::app::App;
use super::theme::Theme;
use super::widgets::spinner;
use crate::apply::permissions::{self, Audience, Check, Outcome};

/// Where the check is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Status {
    /// Not started: no caller or no plan yet.
    #[default]
    NotRun,
    Running,
    Done(Outcome),
}

#[derive(Debug, Clone, Default)]
pub struct State {
    /// Numbers each check started, so that a late answer to an older one
    /// is dropped.
    pub generation: u64,
    /// The caller and the simulations of the last check started.
    pub checked_for: Option<(String, Vec<Check>)>,
    pub status: Status,
}

/// Starts a check when the caller or what the plan needs changed since the
/// last one.
pub fn check_if_stale(app: &mut App) -> Vec<Effect> {
    let (Some(identity), Some(plan)) = (app.identity.ready(), &app.derived.plan) else {
        return Vec::new();
    };
    let key = (
        identity.arn.clone(),
        permissions::checks(plan, Audience::Wizard),
    );
    if app.preflight.checked_for.as_ref() == Some(&key) {
        return Vec::new();
    }
    let effect = Effect::Preflight {
        generation: app.preflight.generation + 1,
        caller_arn: identity.arn.clone(),
        plan: Box::new(plan.clone()),
    };
    app.preflight.generation += 1;
    app.preflight.checked_for = Some(key);
    app.preflight.status = Status::Running;
    vec![effect]
}

/// The result of the check numbered `generation`.
pub fn finished(app: &mut App, generation: u64, outcome: Outcome) {
    if generation == app.preflight.generation {
        app.preflight.status = Status::Done(outcome);
    }
}

/// The line that tells the result, if there is anything to tell yet.
pub fn line(app: &App, theme: Theme) -> Option<Line<'static>> {
    Some(match &app.preflight.status {
        Status::NotRun => return None,
        Status::Running => Line::from(Span::styled(
            format!("{} checking your permissions…", spinner(app.tick)),
            theme.dim(),
        )),
        Status::Done(Outcome::Allowed { checked }) => Line::from(Span::styled(
            format!("✓ Permissions: all {checked} checks passed"),
            theme.ok(),
        )),
        Status::Done(Outcome::Missing { denied, .. }) => {
            let example = denied
                .first()
                .map(|d| format!(" (e.g. {} on {})", d.action, d.resource))
                .unwrap_or_default();
            Line::from(Span::styled(
                format!(
                    "⚠ Missing permissions: {}{example}; press x then a to export the policy you need",
                    denied.len()
                ),
                theme.warn(),
            ))
        }
        Status::Done(Outcome::Root) => Line::from(Span::styled(
            "⚠ Permissions: the root user may do everything (no check needed); AWS advises an IAM role instead",
            theme.warn(),
        )),
        Status::Done(Outcome::Unchecked(reason)) => Line::from(Span::styled(
            format!("Permissions not checked: {reason}"),
            theme.dim(),
        )),
    })
}
