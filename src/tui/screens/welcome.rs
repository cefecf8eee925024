//! Welcome: what onramp will do, who the caller is, whether they may make
//! the calls the plan needs, the account's IAM quotas, and any problem found.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::cloud::{CloudError, ErrorKind};
use crate::tui::action::Effect;
use crate::tui::app::{App, Loading};
use crate::tui::widgets::{hanging, panel, spinner};

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Enter => app.advance(),
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
        Loading::Ready(_) => target_problems(app)
            .into_iter()
            .next()
            .map(|e| format!("fix this first: {e}")),
    }
}

/// What is wrong with where the plan goes (region, account), in the
/// wizard's terms. The account comes from the connection, so its problems
/// wait for it (before, "not set" would only be a guess); without an
/// answers file, the region comes from the command line or the environment.
fn target_problems(app: &App) -> Vec<String> {
    let connected = matches!(app.identity, Loading::Ready(_));
    app.derived
        .errors_for(&["region", "account_id"])
        .filter(|e| connected || e.field != "account_id")
        .map(|e| match (e.field.as_str(), &app.config.answers_path) {
            ("region", None) if app.answers.region.is_none() => {
                "region: not set: quit, then start onramp again with --region REGION (or set AWS_REGION)"
                    .to_owned()
            }
            _ => e.to_string(),
        })
        .collect()
}

/// What to do about a failed connection, by its kind: missing or refused
/// credentials are set up; for anything else (the network, an endpoint
/// that is not AWS, throttling) the message itself says what to check, and
/// telling a person to set credentials would send them the wrong way.
fn remedy(problem: &CloudError) -> &'static str {
    match problem.kind {
        ErrorKind::NoCredentials | ErrorKind::BadCredentials => {
            "Set credentials (aws configure, aws sso login, or AWS_PROFILE), then press r."
        }
        _ => "Press r to try again.",
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let width = usize::from(area.width.saturating_sub(2));
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
            // A long value (a caller's ARN) wraps under itself.
            let field = |name: &str, value: &str| {
                hanging(
                    vec![Span::styled(format!("{name:>10}  "), theme.dim())],
                    value,
                    theme.text(),
                    width,
                    12,
                )
            };
            lines.extend(field("account", &identity.account_id));
            lines.extend(field("caller", &identity.arn));
            lines.extend(field("region", app.region().unwrap_or("not set")));
            lines.extend(field("partition", &identity.partition));
            if let Some(endpoint) = &app.config.endpoint_url {
                lines.extend(field("endpoint", endpoint));
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
            lines.push(Line::from(problem.to_string()));
            lines.push(Line::from(""));
            lines.push(Line::from(remedy(problem)));
            lines.push(Line::from(
                "Or quit and run `onramp --demo` to try the wizard without an account.",
            ));
        }
    }
    for e in target_problems(app) {
        lines.extend(hanging(
            vec![Span::styled("⚠ ", theme.warn())],
            &e,
            theme.warn(),
            width,
            2,
        ));
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
