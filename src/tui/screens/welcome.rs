//! Welcome: what onramp will do, who the caller is, whether they may make
//! the calls the plan needs, the account's IAM quotas, and any problem found.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::action::Effect;
use crate::tui::app::{App, Loading};
use crate::tui::widgets::{panel, spinner};

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Enter | KeyCode::Right => app.advance(),
        // The admin policy, for a caller the preflight found short of it.
        KeyCode::Char('x') => crate::tui::export::open(app),
        KeyCode::Char('r') if !matches!(app.identity, Loading::Loading) => {
            app.identity = Loading::Loading;
            app.account_buckets = Loading::Loading;
            vec![Effect::Connect]
        }
        _ => Vec::new(),
    }
}

pub fn blocker(app: &App) -> Option<String> {
    match &app.identity {
        Loading::Loading => Some("still connecting to the account…".into()),
        Loading::Failed(_) => Some("not connected: fix the problem shown, then press r".into()),
        Loading::Ready(_) => app
            .derived
            .errors_for(&["region", "account_id"])
            .next()
            .map(|e| format!("fix this first: {e}")),
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let mut lines = vec![
        Line::from(Span::styled(
            "Set up IAM for genomics workflows and HPC clusters",
            theme.title(),
        )),
        Line::from(""),
        Line::from(
            "onramp creates the IAM roles, policies and instance profile that two AWS guides ask for:",
        ),
        Line::from("  • Genomics Workflows on AWS, \"Core: Permissions\" (AWS Batch)"),
        Line::from("  • AWS ParallelCluster's instance and user policies"),
        Line::from(
            "You choose, review and edit every policy; nothing is created before you confirm.",
        ),
        Line::from(""),
    ];
    if app.config.demo {
        lines.push(Line::from(Span::styled(
            " DEMO: an in-memory account (123456789012); nothing is sent to AWS ",
            theme.banner(),
        )));
        lines.push(Line::from(""));
    }
    match &app.identity {
        Loading::Loading => lines.push(Line::from(format!(
            "{} connecting to the account…",
            spinner(app.tick)
        ))),
        Loading::Ready(identity) => {
            let field = |name: &str, value: String| {
                Line::from(vec![
                    Span::styled(format!("{name:>10}  "), theme.dim()),
                    Span::raw(value),
                ])
            };
            lines.push(field("account", identity.account_id.clone()));
            lines.push(field("caller", identity.arn.clone()));
            let target = app.derived.valid.as_ref().map(|v| v.target());
            lines.push(field(
                "region",
                target.map_or_else(|| "not set".to_owned(), |t| t.region.clone()),
            ));
            lines.push(field("partition", identity.partition.clone()));
            if let Some(endpoint) = &app.config.endpoint_url {
                lines.push(field("endpoint", endpoint.clone()));
            }
            let preflight = crate::tui::preflight::line(app, theme);
            let quotas = crate::tui::advice::quota_line(app, theme);
            if preflight.is_some() || quotas.is_some() {
                lines.push(Line::from(""));
            }
            lines.extend(preflight);
            lines.extend(quotas);
        }
        Loading::Failed(problem) => {
            lines.push(Line::from(Span::styled(
                "Cannot use the account:",
                theme.error(),
            )));
            lines.push(Line::from(problem.clone()));
            lines.push(Line::from(""));
            lines.push(Line::from(
                "Set credentials (aws configure, aws sso login, or AWS_PROFILE), then press r.",
            ));
            lines.push(Line::from(
                "Or quit and run `onramp --demo` to try the wizard without an account.",
            ));
        }
    }
    for e in app.derived.errors_for(&["region", "account_id"]) {
        lines.push(Line::from(Span::styled(format!("⚠ {e}"), theme.warn())));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Press Enter to start, ? for the keys.",
        theme.key(),
    )));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(panel("Welcome", true, theme)),
        area,
    );
}
