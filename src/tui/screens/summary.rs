//! Summary: the ARNs to copy (what a Batch compute environment, a job
//! definition and a cluster need), the journal, how to undo, what next.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crossterm::event::{KeyCode, KeyEvent};

use super::apply::{self, Status};
use super::vertical;
use std::collections::BTreeSet;

use crate::iam::names::EntityKind;
use crate::output::{self, Destination};
use crate::plan::ResourceId;
use crate::tui::action::Effect;
use crate::tui::app::{App, Loading};
use crate::tui::widgets::{hanging, panel, spinner};
use crate::verify::{Outcome, Subject, Verdict, tally};

#[derive(Debug, Clone, Default)]
pub struct State {
    /// First line shown.
    pub scroll: usize,
    /// The verification of what the apply made, once it has started.
    pub verified: Option<Loading<Vec<Outcome>>>,
}

/// The verification block: the tally, or each intent that fails with why.
fn verification(app: &App, width: usize) -> Vec<Line<'static>> {
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
            lines.extend(item(
                2,
                &format!("{holds} of {total} intents hold: each role and policy allows what its workload calls"),
                style,
                width,
                4,
            ));
            // Intents of what was not made cannot hold; they are counted,
            // not listed one by one, so the failures of what exists stand out.
            let missing = missing_ids(app);
            let (absent, present): (Vec<&Outcome>, Vec<&Outcome>) = outcomes
                .iter()
                .filter(|o| !o.verdict.holds())
                .partition(|o| of_missing(&o.intent.subject, &missing));
            if !absent.is_empty() {
                lines.extend(item(
                    2,
                    &format!(
                        "{} of what was not made (listed above), which cannot hold until it exists",
                        output::plural(absent.len(), "intent is", "intents are")
                    ),
                    theme.warn(),
                    width,
                    4,
                ));
            }
            for o in present {
                if let Verdict::Fails { why } = &o.verdict {
                    lines.extend(item(
                        2,
                        &format!(
                            "✗ {}: {} ({why})",
                            o.intent.subject.label(),
                            o.intent.check.describe()
                        ),
                        theme.error(),
                        width,
                        4,
                    ));
                }
            }
        }
    }
    lines
}

/// The planned resources that do not exist as planned after the run.
fn missing_ids(app: &App) -> BTreeSet<ResourceId> {
    let mut ids: BTreeSet<ResourceId> = apply::skipped(app).iter().map(|r| r.id()).collect();
    ids.extend(
        app.run
            .rows
            .iter()
            .filter(|r| !r.complete())
            .map(|r| r.id.clone()),
    );
    ids
}

/// Whether an intent's subject is (or needs) a resource in `missing`.
fn of_missing(subject: &Subject, missing: &BTreeSet<ResourceId>) -> bool {
    let is_missing = |kind, name: &str| {
        missing.contains(&ResourceId {
            kind,
            name: name.to_owned(),
        })
    };
    match subject {
        Subject::Role { name } => is_missing(EntityKind::Role, name),
        Subject::Policies { names, .. } => names
            .iter()
            .any(|n| is_missing(EntityKind::ManagedPolicy, n)),
    }
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

/// Where each ARN of the plan goes, with the ARN when the resource exists
/// after the run.
pub fn destinations(app: &App) -> Vec<Destination> {
    let (Some(valid), Some(plan)) = (&app.derived.valid, &app.derived.plan) else {
        return Vec::new();
    };
    let mut found = output::destinations(valid, plan, |id| {
        app.run.rows.iter().any(|r| r.id == *id && r.complete())
    });
    // The ARN IAM returned, should it differ from the planned one.
    for d in &mut found {
        if d.arn.is_some()
            && let Some(arn) = app
                .run
                .rows
                .iter()
                .find(|r| r.id == d.id)
                .and_then(|r| r.arn.clone())
        {
            d.arn = Some(arn);
        }
    }
    found
}

/// `(what it is for and the setting, ARN)` for the values people paste
/// elsewhere, for the resources that exist after the run.
pub fn key_arns(app: &App) -> Vec<(String, String)> {
    destinations(app)
        .into_iter()
        .filter_map(|d| Some((format!("{}: {}", d.what, d.goes_in), d.arn?)))
        .collect()
}

/// What a person types to resume, and whether the answers must be saved
/// (`s`) first for it to work.
pub fn resume_command(app: &App) -> Option<(String, bool)> {
    let journal = app.run.journal.as_ref()?;
    let demo_answers = app.config.demo
        && app.config.answers_path.is_none()
        && app.answers == crate::answers::Answers::demo();
    let mut args = Vec::new();
    if !demo_answers {
        args.extend([
            "--answers".to_owned(),
            app.answers_path().display().to_string(),
        ]);
    }
    args.extend(["--journal".to_owned(), journal.display().to_string()]);
    let unsaved =
        !demo_answers && (app.answers != app.saved_answers || app.config.answers_path.is_none());
    Some((
        output::command_line(&apply::invocation(app), &args),
        unsaved,
    ))
}

/// Every planned resource that does not exist as planned, by kind and
/// name, with why: skipped, failed, stopped part-way, not started.
fn not_made(app: &App) -> Vec<String> {
    let mut out: Vec<String> = apply::skipped(app)
        .into_iter()
        .map(|r| format!("{} {}: skipped by you, not created", r.noun(), r.name))
        .collect();
    for row in &app.run.rows {
        let why = match &row.status {
            Status::Done | Status::Unchanged => continue,
            Status::Failed(why) => format!("failed ({why}); {}", row.progress()),
            Status::Partial => format!("stopped part-way: {}", row.progress()),
            Status::Waiting | Status::Running(_) => "not finished".to_owned(),
            Status::NotStarted => "not started".to_owned(),
        };
        out.push(format!("{}: {why}", row.label()));
    }
    out
}

/// The first lines: complete only when everything planned exists.
fn headline(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = app.theme();
    let Some((complete, text)) = apply::headline(app) else {
        return vec![Line::from("Nothing was applied.")];
    };
    let counts = match &app.run.result {
        Some(Ok(report)) => format!(
            " ({} created, {} updated, {} already as planned)",
            report.created.len(),
            report.updated.len(),
            report.unchanged.len()
        ),
        _ => String::new(),
    };
    let style = if complete {
        theme.ok()
    } else if matches!(app.run.result, Some(Ok(_))) {
        theme.warn()
    } else {
        theme.error()
    };
    hanging(Vec::new(), &format!("{text}{counts}."), style, width, 2)
}

/// "Next steps" that name only what exists, and say what is missing.
fn next_steps(destinations: &[Destination]) -> Vec<String> {
    let mut out = Vec::new();
    // (who, whether the group is AWS Batch's, the step once all exist)
    let groups = [
        (
            "AWS Batch",
            true,
            "Create the Batch compute environment, job queue and job definition with the ARNs above.",
        ),
        (
            "ParallelCluster",
            false,
            "Put each ParallelCluster ARN in the setting named above, and attach the user policies to whoever runs pcluster.",
        ),
    ];
    for (name, batch, step) in groups {
        let group: Vec<&Destination> = destinations
            .iter()
            .filter(|d| d.what.starts_with("AWS Batch") == batch)
            .collect();
        if group.is_empty() {
            continue;
        }
        let missing: Vec<String> = group
            .iter()
            .filter(|d| d.arn.is_none())
            .map(|d| format!("{} {}", d.noun, d.id.name))
            .collect();
        if missing.is_empty() {
            out.push(step.to_owned());
        } else {
            out.push(format!(
                "{name} still needs {}, which {} not exist yet: resume (above) to create {}.",
                missing.join(", "),
                if missing.len() == 1 { "does" } else { "do" },
                if missing.len() == 1 { "it" } else { "them" },
            ));
        }
    }
    out
}

/// `text` after `lead` spaces, wrapped to `width` with later lines `indent`
/// columns in: a long ARN or command wraps under itself, whole, instead of
/// restarting at the left edge (or being cut).
fn item(lead: usize, text: &str, style: Style, width: usize, indent: usize) -> Vec<Line<'static>> {
    hanging(
        vec![Span::raw(" ".repeat(lead))],
        text,
        style,
        width,
        indent,
    )
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let width = usize::from(area.width.saturating_sub(2));
    let journal = app
        .run
        .journal
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut lines = headline(app, width);
    let missing = not_made(app);
    if !missing.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(
                "Not made as planned ({})",
                output::plural(missing.len(), "resource", "resources")
            ),
            theme.title(),
        )));
        for m in missing {
            lines.extend(item(2, &m, theme.warn(), width, 4));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("ARNs to copy", theme.title())));
    let destinations = destinations(app);
    if destinations.is_empty() {
        lines.push(Line::from(Span::styled(
            "  (none in this plan)",
            theme.dim(),
        )));
    }
    for d in &destinations {
        lines.extend(item(
            2,
            &format!("{}: {}", d.what, d.goes_in),
            theme.dim(),
            width,
            4,
        ));
        lines.extend(match d.value() {
            Some(value) => item(4, &value, theme.text(), width, 6),
            None => item(4, &d.missing(), theme.warn(), width, 6),
        });
    }
    lines.extend(verification(app, width));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Journal, undo and resume",
        theme.title(),
    )));
    lines.extend(item(
        2,
        &format!("every call is recorded in {journal}"),
        theme.text(),
        width,
        4,
    ));
    // Commands wrap under the command, past "undo:   ".
    if let Some(undo) = apply::undo_command(app) {
        lines.extend(item(2, &format!("undo:   {undo}"), theme.text(), width, 10));
    }
    if let Some((resume, unsaved)) = resume_command(app) {
        lines.extend(item(
            2,
            &format!("resume: {resume}"),
            theme.text(),
            width,
            10,
        ));
        let note = if unsaved {
            "(press s first to save the answers there); finished steps are skipped"
        } else {
            "finished steps are skipped"
        };
        lines.extend(item(10, note, theme.dim(), width, 10));
    }
    if !app.exports.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("Exported", theme.title())));
        for (format, path) in &app.exports {
            lines.extend(item(
                2,
                &format!("{}: {}", format.noun(), path.display()),
                theme.text(),
                width,
                4,
            ));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Next steps", theme.title())));
    let fresh = match &app.run.result {
        Some(Ok(report)) => output::fresh_profiles_note(report),
        _ => None,
    };
    let steps = next_steps(&destinations).into_iter().chain(fresh).chain([
        "Press s to save these answers, to replay them with the resume command above.".to_owned(),
        "Press x to export the set-up as a CloudFormation template (for StackSets) or a script."
            .to_owned(),
    ]);
    for step in steps {
        lines.extend(item(2, &format!("• {step}"), theme.text(), width, 4));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(app.summary.scroll).unwrap_or(u16::MAX), 0))
            .block(panel("Summary", true, theme)),
        area,
    );
}
