//! HealthOmics: the buckets its runs read and write or only read (the
//! genomics screen's bucket editor), then the ECR repositories their images
//! come from and the KMS key of their data, each checked as it is typed
//! by the answers' own validation.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use super::buckets::{self, Target};
use crate::answers::{Answers, Omics};
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::field::TextField;
use crate::tui::widgets::{hanging, panel};

/// Which part of the screen has the keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Focus {
    /// The bucket editor (its list, filter or name field).
    #[default]
    Buckets,
    Ecr,
    Kms,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub focus: Focus,
    pub buckets: buckets::State,
    /// The repositories as typed, separated by commas or spaces.
    pub ecr: TextField,
    pub kms: TextField,
}

impl State {
    pub fn from_answers(answers: &Answers) -> State {
        let omics = answers.omics.clone().unwrap_or_default();
        State {
            ecr: TextField::new(&omics.ecr_repositories.join(", ")),
            kms: TextField::new(omics.kms_key_arn.as_deref().unwrap_or("")),
            ..State::default()
        }
    }
}

/// The answers' fields this screen sets.
pub const FIELDS: &[&str] = &["omics"];

const ECR_FIELD: &str = "omics.ecr_repositories";
const KMS_FIELD: &str = "omics.kms_key_arn";

pub fn typing(app: &App) -> bool {
    app.omics.focus != Focus::Buckets || app.omics.buckets.typing()
}

fn omics(app: &mut App) -> &mut Omics {
    app.answers.omics.get_or_insert_with(Omics::default)
}

/// Names as typed: commas and spaces both separate them.
fn repositories(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Writes what is typed into the answers, so that validation (and the
/// plan) follow each key.
fn take_fields(app: &mut App) {
    let ecr = repositories(&app.omics.ecr.text());
    let kms = app.omics.kms.text().trim().to_owned();
    let o = omics(app);
    o.ecr_repositories = ecr;
    o.kms_key_arn = (!kms.is_empty()).then_some(kms);
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let bucket_focus = app.omics.buckets.focus;
    // Tab goes on from the bucket editor's last field to the two below,
    // and Shift-Tab back from its list to the last of them.
    let next = match (app.omics.focus, key.code) {
        (Focus::Buckets, KeyCode::Tab) if bucket_focus == buckets::Focus::Add => Some(Focus::Ecr),
        (Focus::Buckets, KeyCode::BackTab) if bucket_focus == buckets::Focus::List => {
            Some(Focus::Kms)
        }
        (Focus::Ecr, KeyCode::Tab) => Some(Focus::Kms),
        (Focus::Ecr, KeyCode::BackTab) => Some(Focus::Buckets),
        (Focus::Kms, KeyCode::Tab) => Some(Focus::Buckets),
        (Focus::Kms, KeyCode::BackTab) => Some(Focus::Ecr),
        _ => None,
    };
    if let Some(next) = next {
        app.omics.focus = next;
        app.omics.buckets.focus = match (next, key.code) {
            (Focus::Buckets, KeyCode::BackTab) => buckets::Focus::Add,
            _ => buckets::Focus::List,
        };
        return Vec::new();
    }
    match app.omics.focus {
        Focus::Buckets => buckets::on_key(app, Target::Omics, key),
        Focus::Ecr | Focus::Kms if key.code == KeyCode::Enter => app.advance(),
        Focus::Ecr => {
            if app.omics.ecr.input(key) {
                take_fields(app);
            }
            Vec::new()
        }
        Focus::Kms => {
            if app.omics.kms.input(key) {
                take_fields(app);
            }
            Vec::new()
        }
    }
}

/// Esc in a field goes back to the bucket list (the text stays); in the
/// list, it is not the screen's.
pub fn on_esc(app: &mut App) -> Option<Vec<Effect>> {
    if app.omics.focus == Focus::Buckets {
        return buckets::on_esc(app, Target::Omics);
    }
    app.omics.focus = Focus::Buckets;
    app.omics.buckets.focus = buckets::Focus::List;
    Some(Vec::new())
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let [bucket_area, fields_area, verdict_area] = Layout::vertical([
        Constraint::Min(13),
        Constraint::Length(3),
        Constraint::Length(2),
    ])
    .areas(area);
    buckets::render(app, Target::Omics, frame, bucket_area);

    let [ecr_area, kms_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(fields_area);
    let state = &app.omics;
    let fields = [
        (
            ecr_area,
            "ECR repositories (Tab)",
            &state.ecr,
            state.focus == Focus::Ecr,
        ),
        (
            kms_area,
            "KMS key ARN (optional)",
            &state.kms,
            state.focus == Focus::Kms,
        ),
    ];
    for (field_area, title, field, focused) in fields {
        let block = panel(title, focused, theme);
        let inner = block.inner(field_area);
        // Scrolled so that the cursor stays in sight in a long ARN.
        let offset = field
            .cursor()
            .saturating_sub(usize::from(inner.width.saturating_sub(1)));
        let offset = u16::try_from(offset).unwrap_or(u16::MAX);
        frame.render_widget(
            Paragraph::new(field.text())
                .scroll((0, offset))
                .block(block),
            field_area,
        );
        if focused {
            let column = u16::try_from(field.cursor())
                .unwrap_or(u16::MAX)
                .saturating_sub(offset);
            frame.set_cursor_position(Position {
                x: inner.x + column.min(inner.width.saturating_sub(1)),
                y: inner.y,
            });
        }
    }

    let width = usize::from(verdict_area.width);
    let error = |field: &str| {
        app.derived
            .errors_for(&[field])
            .next()
            .map(ToString::to_string)
    };
    let (mark, text, style) = match (error(ECR_FIELD), error(KMS_FIELD)) {
        (Some(e), _) | (None, Some(e)) => ("✗", e, theme.error()),
        (None, None) if state.ecr.text().trim().is_empty() => (
            "·",
            format!(
                "no ECR repository named: the runs may pull images from any repository of the account in {}",
                app.region().unwrap_or("the target region")
            ),
            theme.dim(),
        ),
        (None, None) => (
            "✓",
            "the runs pull images only from the repositories named".to_owned(),
            theme.ok(),
        ),
    };
    frame.render_widget(
        Paragraph::new(hanging(
            vec![Span::styled(format!("{mark} "), style)],
            &text,
            style,
            width,
            2,
        )),
        verdict_area,
    );
}

#[cfg(test)]
mod tests {
    use super::repositories;

    #[test]
    fn commas_and_spaces_separate_repository_names() {
        assert_eq!(
            repositories("team/gatk, bwa  samtools,"),
            ["team/gatk", "bwa", "samtools"]
        );
        assert!(repositories(" , ").is_empty());
    }
}
