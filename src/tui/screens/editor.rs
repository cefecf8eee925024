//! The policy editor: a document in ratatui-textarea, checked as it is typed
//! (JSON syntax, policy grammar, placeholders, size). Only a valid document
//! can be saved; the saved one is what gets created.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui_textarea::TextArea;
use serde_json::Value;

use super::preview::{kind_of, limit_with};
use crate::iam::limits::{self, Quotas};
use crate::plan::lint::{Level, check_document};
use crate::tui::action::Effect;
use crate::tui::app::{App, DocRef, Overlay};
use crate::tui::widgets::panel;

/// The verdict on the text being edited.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The parsed document, when the text is JSON.
    pub document: Option<Value>,
    /// Problems, errors first; any error blocks saving.
    pub problems: Vec<(Level, String)>,
    pub size: usize,
}

impl Check {
    pub fn can_save(&self) -> bool {
        self.document.is_some() && !self.problems.iter().any(|(l, _)| *l == Level::Error)
    }
}

/// Checks an edited document of the kind of `doc`, against IAM's default
/// size limit for it.
pub fn check(text: &str, doc: &DocRef, partition: &str) -> Check {
    check_with(text, doc, partition, &Quotas::default())
}

/// Checks an edited document of the kind of `doc`, against its size limit
/// under `quotas` (the account's, once read).
pub fn check_with(text: &str, doc: &DocRef, partition: &str, quotas: &Quotas) -> Check {
    let document: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Check {
                document: None,
                problems: vec![(Level::Error, json_problem(&e))],
                size: text.chars().filter(|c| !c.is_whitespace()).count(),
            };
        }
    };
    let mut problems: Vec<(Level, String)> = check_document(&document, kind_of(doc), partition)
        .into_iter()
        .map(|(level, code, message)| (level, format!("[{code}] {message}")))
        .collect();
    let size = limits::policy_size(&document);
    let (limit, what) = limit_with(doc, quotas);
    if size > limit {
        problems.push((
            Level::Error,
            format!("[policy-size] {size} characters; the {what} limit is {limit}"),
        ));
    }
    problems.sort_by_key(|(level, _)| *level);
    Check {
        document: Some(document),
        problems,
        size,
    }
}

/// serde_json's complaint, with the place counted as people count: lines
/// and columns from 1 (serde_json says column 0 before a line's first
/// character).
fn json_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let what = text.split(" at line ").next().unwrap_or(&text);
    format!(
        "not JSON: {what} (line {}, column {})",
        e.line(),
        e.column().max(1)
    )
}

#[derive(Debug, Clone)]
pub struct State {
    pub doc: DocRef,
    pub area: TextArea<'static>,
    pub original: String,
    pub partition: String,
    pub check: Check,
    /// The quotas the size is checked against.
    pub quotas: Quotas,
}

impl State {
    /// An editor of `text`, its size checked against `quotas`.
    pub fn open(doc: DocRef, text: &str, partition: &str, quotas: Quotas) -> State {
        let mut area = TextArea::new(text.lines().map(str::to_owned).collect());
        area.set_tab_length(2);
        let check = check_with(text, &doc, partition, &quotas);
        State {
            doc,
            area,
            original: text.to_owned(),
            partition: partition.to_owned(),
            check,
            quotas,
        }
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    pub fn modified(&self) -> bool {
        self.text() != self.original
    }
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(editor) = &mut app.editor else {
        return Vec::new();
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('s') if ctrl => match (&editor.check.document, editor.check.can_save()) {
            (Some(document), true) => {
                let (doc, document) = (editor.doc.clone(), document.clone());
                app.editor = None;
                app.save_edit(&doc, &document);
                app.flash = Some("saved: this document is what will be created".into());
            }
            _ => {
                let why = editor
                    .check
                    .problems
                    .first()
                    .map_or_else(String::new, |(_, m)| m.clone());
                app.flash = Some(format!("cannot save: {why}"));
            }
        },
        KeyCode::Esc => {
            if editor.modified() {
                app.overlay = Some(Overlay::DiscardEdit);
            } else {
                app.editor = None;
            }
        }
        _ => {
            if editor.area.input(key) {
                editor.check = check_with(
                    &editor.text(),
                    &editor.doc,
                    &editor.partition,
                    &editor.quotas,
                );
            }
        }
    }
    Vec::new()
}

pub fn render(app: &App, editor: &State, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let problems_height = (editor.check.problems.len() as u16 + 3).clamp(3, area.height / 3);
    let [text_area, status_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(problems_height)]).areas(area);
    let mut textarea = editor.area.clone();
    textarea.set_block(panel(
        &format!(
            "Editing {} {} · {}{}",
            editor.doc.id.kind.noun(),
            editor.doc.id.name,
            editor.doc.label.replace('_', " "),
            if editor.modified() { " (modified)" } else { "" }
        ),
        true,
        theme,
    ));
    textarea.set_line_number_style(theme.dim());
    frame.render_widget(&textarea, text_area);

    let (limit, _) = limit_with(&editor.doc, &editor.quotas);
    let mut lines: Vec<Line> = vec![Line::from(vec![
        if editor.check.can_save() {
            Span::styled("✓ valid; Ctrl-S saves", theme.ok())
        } else {
            Span::styled("✗ cannot be saved yet", theme.error())
        },
        Span::styled(
            format!("   {} of {limit} characters", editor.check.size),
            theme.dim(),
        ),
    ])];
    for (level, message) in &editor.check.problems {
        let style = match level {
            Level::Error => theme.error(),
            Level::Warning => theme.warn(),
            Level::Note => theme.dim(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{level:<8}"), style),
            Span::raw(message.clone()),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(panel("Checks", false, theme)),
        status_area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::names::EntityKind;
    use crate::plan::ResourceId;

    fn doc(label: &str) -> DocRef {
        DocRef {
            id: ResourceId {
                kind: EntityKind::ManagedPolicy,
                name: "p".into(),
            },
            label: label.into(),
        }
    }

    #[test]
    fn invalid_json_cannot_be_saved() {
        let c = check("{\"Version\": ", &doc("document"), "aws");
        assert!(!c.can_save());
        assert!(c.problems[0].1.starts_with("not JSON"), "{:?}", c.problems);
        // Counted from 1: an empty document fails at line 1, column 1.
        let c = check("", &doc("document"), "aws");
        assert_eq!(
            c.problems[0].1,
            "not JSON: EOF while parsing a value (line 1, column 1)"
        );
    }

    #[test]
    fn a_placeholder_blocks_saving() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::<BUCKET>/*"}]}"#;
        let c = check(text, &doc("document"), "aws");
        assert!(!c.can_save(), "{:?}", c.problems);
    }

    #[test]
    fn an_oversized_policy_blocks_saving() {
        let resources: Vec<String> = (0..400)
            .map(|i| format!("arn:aws:s3:::bucket-{i}/*"))
            .collect();
        let value = serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":resources}]});
        let c = check(&value.to_string(), &doc("document"), "aws");
        assert!(c.problems.iter().any(|(_, m)| m.contains("policy-size")));
        assert!(!c.can_save());
    }

    #[test]
    fn a_good_policy_can_be_saved() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
        assert!(check(text, &doc("document"), "aws").can_save());
    }
}
