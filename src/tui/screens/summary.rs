//! Summary: the ARNs to copy (what a Batch compute environment, a job
//! definition and a cluster need), the journal, how to undo, what next.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crossterm::event::{KeyCode, KeyEvent};

use super::vertical;
use crate::names::{EntityKind, Slot};
use crate::plan::ResourceId;
use crate::tui::action::Effect;
use crate::tui::app::{App, Loading};
use crate::tui::widgets::{panel, spinner};
use crate::verify::{Outcome, Verdict, tally};

#[derive(Debug, Clone, Default)]
pub struct State {
    /// First line shown.
    pub scroll: usize,
    /// The verification of what the apply made, once it has started.
    pub verified: Option<Loading<Vec<Outcome>>>,
}

/// The verification block: the tally, or each intent that fails with why.
fn verification(app: &App) -> Vec<Line<'static>> {
    let theme = app.theme();
    let Some(verified) = &app.summary.verified else {
        return Vec::new();
    };
    let mut lines = vec![
        Line::from(""),
        Line::from(Span::styled("Verified against the account", theme.title())),
    ];
    match verified {
        Loading::Loading => lines.push(Line::from(Span::styled(
            format!("  {} reading back what was made…", spinner(app.tick)),
            theme.dim(),
        ))),
        Loading::Failed(why) => lines.push(Line::from(Span::styled(
            format!("  could not read it back: {why}"),
            theme.warn(),
        ))),
        Loading::Ready(outcomes) => {
            let (holds, total) = tally(outcomes);
            let style = if holds == total {
                theme.ok()
            } else {
                theme.error()
            };
            lines.push(Line::from(Span::styled(
                format!("  {holds} of {total} intents hold: each role and policy allows what its workload calls"),
                style,
            )));
            for o in outcomes.iter().filter(|o| !o.verdict.holds()) {
                if let Verdict::Fails { why } = &o.verdict {
                    lines.push(Line::from(Span::styled(
                        format!(
                            "  ✗ {}: {} ({why})",
                            o.intent.subject.label(),
                            o.intent.check.describe()
                        ),
                        theme.error(),
                    )));
                }
            }
        }
    }
    lines
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(delta) = vertical(&key) {
        app.summary.scroll = app.summary.scroll.saturating_add_signed(delta);
    }
    if key.code == KeyCode::Char('x') {
        return crate::tui::export::open(app);
    }
    Vec::new()
}

/// `(what it is for, ARN)` for the values people paste elsewhere, for the
/// resources that exist after the run.
pub fn key_arns(app: &App) -> Vec<(&'static str, String)> {
    let (Some(valid), Some(plan)) = (&app.derived.valid, &app.derived.plan) else {
        return Vec::new();
    };
    let arn_of = |kind: EntityKind, name: String| {
        let id = ResourceId { kind, name };
        let row = app.run.rows.iter().find(|r| r.id == id)?;
        let exists = matches!(
            row.status,
            super::apply::Status::Done | super::apply::Status::Unchanged
        );
        exists.then(|| {
            row.arn.clone().or_else(|| {
                plan.resources
                    .iter()
                    .find(|r| r.id() == id)
                    .map(|r| r.arn.clone())
            })
        })?
    };
    let wanted: [(&'static str, EntityKind, Slot); 7] = [
        (
            "Compute environment: instance profile",
            EntityKind::InstanceProfile,
            Slot::InstanceRole,
        ),
        (
            "Compute environment: service role",
            EntityKind::Role,
            Slot::BatchServiceRole,
        ),
        (
            "Compute environment: Spot Fleet role",
            EntityKind::Role,
            Slot::SpotFleetRole,
        ),
        ("Job definition: job role", EntityKind::Role, Slot::JobRole),
        (
            "Cluster: instance policy",
            EntityKind::ManagedPolicy,
            Slot::ParallelClusterInstancePolicy,
        ),
        (
            "Cluster: user policy (attach to the pcluster user)",
            EntityKind::ManagedPolicy,
            Slot::ParallelClusterUserPolicy,
        ),
        (
            "Cluster: instance role",
            EntityKind::Role,
            Slot::ParallelClusterRole,
        ),
    ];
    wanted
        .into_iter()
        .filter_map(|(what, kind, slot)| Some((what, arn_of(kind, valid.name(slot))?)))
        .collect()
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let journal = app
        .run
        .journal
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut lines = vec![match &app.run.result {
        Some(Ok(report)) => Line::from(Span::styled(
            format!(
                "✓ {} created, {} updated, {} already as planned.",
                report.created.len(),
                report.updated.len(),
                report.unchanged.len()
            ),
            theme.ok(),
        )),
        Some(Err(why)) => Line::from(Span::styled(
            format!("✗ the apply stopped: {why}"),
            theme.error(),
        )),
        None => Line::from("Nothing was applied."),
    }];
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("ARNs to copy", theme.title())));
    let arns = key_arns(app);
    if arns.is_empty() {
        lines.push(Line::from(Span::styled("  (none exist yet)", theme.dim())));
    }
    for (what, arn) in arns {
        lines.push(Line::from(Span::styled(format!("  {what}"), theme.dim())));
        lines.push(Line::from(format!("    {arn}")));
    }
    lines.extend(verification(app));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Journal and undo", theme.title())));
    lines.push(Line::from(format!("  every call is recorded in {journal}")));
    lines.push(Line::from(format!(
        "  undo:   onramp destroy --journal {journal} --yes"
    )));
    lines.push(Line::from(
        "  resume: run onramp again with the same answers; finished steps are skipped",
    ));
    if !app.exports.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("Exported", theme.title())));
        for (format, path) in &app.exports {
            lines.push(Line::from(format!(
                "  {}: {}",
                format.noun(),
                path.display()
            )));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Next steps", theme.title())));
    lines.push(Line::from(
        "  • Create the Batch compute environment and job queue with the ARNs above.",
    ));
    lines.push(Line::from(
        "  • For a cluster, attach the user policy to whoever runs pcluster.",
    ));
    lines.push(Line::from(
        "  • Press s to save these answers and replay them with onramp --answers FILE.",
    ));
    lines.push(Line::from(
        "  • Press x to export the set-up as a CloudFormation template (for StackSets) or a script.",
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(app.summary.scroll).unwrap_or(u16::MAX), 0))
            .block(panel("Summary", true, theme)),
        area,
    );
}
