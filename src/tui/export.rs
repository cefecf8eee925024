//! Export from the review and the summary: `x` opens a menu of the five
//! formats, the worker writes the file, and the wizard shows its full path.
//! What is exported is the plan as it stands, hand-edited documents included.

use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::{Line, Span};

use super::action::Effect;
use super::app::{App, Overlay};
use super::theme::Theme;
use super::widgets::{hanging, hints};
use crate::export::Format;
use crate::export::aws_cli::quote;
use crate::plan::Plan;
use crate::plan::lint;

/// The menu's keys, in the order shown.
pub const CHOICES: [(char, Format); 5] = [
    ('c', Format::Cloudformation),
    ('l', Format::Cli),
    ('r', Format::Runbook),
    ('p', Format::Policies),
    ('a', Format::AdminPolicy),
];

/// `x`: opens the menu, or says why there is nothing to export.
pub fn open(app: &mut App) -> Vec<Effect> {
    match exportable(app) {
        Ok(_) => app.overlay = Some(Overlay::Export),
        Err(why) => app.flash = Some(why),
    }
    Vec::new()
}

/// The plan, if it can be exported: it exists and lint found no error (the
/// same rule as `onramp export`).
fn exportable(app: &App) -> Result<&Plan, String> {
    let Some(plan) = &app.derived.plan else {
        return Err(match app.derived.errors.first() {
            Some(e) => format!("nothing to export yet: {}: {}", e.field, e.message),
            None => "nothing to export yet".into(),
        });
    };
    if lint::has_errors(&app.derived.findings) {
        return Err("nothing is exported from a plan with errors; the review lists them".into());
    }
    Ok(plan)
}

/// Where an export of `plan` in `format` goes.
pub fn destination(app: &App, plan: &Plan, format: Format) -> PathBuf {
    let dir = app.config.export_dir.clone().unwrap_or_default();
    dir.join(format.file_name(&plan.target.account_id, &plan.target.region))
}

/// A key while the menu is open.
pub fn on_menu_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let chosen = CHOICES
        .iter()
        .find(|(c, _)| key.code == KeyCode::Char(*c))
        .map(|(_, format)| *format);
    match chosen {
        Some(format) => {
            app.overlay = None;
            match exportable(app) {
                Ok(plan) => vec![Effect::Export {
                    format,
                    path: destination(app, plan, format),
                    plan: Box::new(plan.clone()),
                }],
                Err(why) => {
                    app.flash = Some(why);
                    Vec::new()
                }
            }
        }
        None if matches!(key.code, KeyCode::Esc | KeyCode::Char('n' | 'q')) => {
            app.overlay = None;
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// The export finished: remember it and show where it went.
pub fn finished(app: &mut App, format: Format, result: Result<PathBuf, String>) {
    if let Ok(path) = &result {
        app.exports.push((format, path.clone()));
    }
    app.export_outcome = Some((format, result));
    app.overlay = Some(Overlay::Exported);
}

/// The menu's lines.
pub fn menu_lines(app: &App, theme: Theme) -> Vec<Line<'static>> {
    let Ok(plan) = exportable(app) else {
        return vec![Line::from("nothing to export")];
    };
    let mut lines = vec![
        Line::from("The plan as it stands, your edits included, as:"),
        Line::from(""),
    ];
    for (key, format) in CHOICES {
        let name = destination(app, plan, format);
        lines.push(Line::from(vec![
            Span::styled(format!("  {key}  "), theme.key()),
            Span::raw(format!("{:<24}", format.noun())),
            Span::styled(file_name(&name), theme.dim()),
        ]));
    }
    let dir = app.config.export_dir.clone().unwrap_or_default();
    lines.push(Line::from(""));
    lines.push(Line::from(format!("written to {}", shown_dir(&dir))));
    lines.push(hints(
        &[("c / l / r / p / a", "export"), ("Esc", "cancel")],
        theme,
    ));
    lines
}

/// The lines after an export: the full path and what to do with the file,
/// each wrapped under itself within `width` (a path or command that runs on
/// would otherwise restart at column 0 and read as two).
pub fn outcome_lines(app: &App, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let Some((format, result)) = &app.export_outcome else {
        return Vec::new();
    };
    let mut lines = match result {
        Ok(path) => {
            let shown = path.display().to_string();
            let mut lines = vec![Line::from(Span::styled(
                format!("✓ wrote the {}", format.noun()),
                theme.ok(),
            ))];
            lines.extend(hanging(
                vec![Span::raw("  ")],
                &shown,
                theme.text(),
                width,
                2,
            ));
            lines.push(Line::from(""));
            let next = next_step(*format, path, app.config.profile.as_deref(), app.region());
            lines.extend(hanging(Vec::new(), &next, theme.dim(), width, 2));
            lines
        }
        Err(why) => vec![Line::from(Span::styled(
            format!("✗ could not write the {}: {why}", format.noun()),
            theme.error(),
        ))],
    };
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("any key closes this", theme.dim())));
    lines
}

/// What to do with the file, as a command that works when pasted: the path
/// quoted for the shell, and the profile and region the wizard uses.
pub fn next_step(
    format: Format,
    path: &Path,
    profile: Option<&str>,
    region: Option<&str>,
) -> String {
    let file = path.display().to_string();
    match format {
        Format::Cloudformation => format!(
            "deploy it: {}",
            aws(
                &[
                    "cloudformation",
                    "deploy",
                    "--template-file",
                    &file,
                    "--stack-name",
                    "onramp",
                    "--capabilities",
                    "CAPABILITY_NAMED_IAM",
                ],
                profile,
                region,
            )
        ),
        // The script's `aws iam` commands take the profile from the environment.
        Format::Cli => {
            let profile = profile
                .map(|p| format!("AWS_PROFILE={} ", quote(p)))
                .unwrap_or_default();
            format!("run it: {profile}bash {} (safe to run again)", quote(&file))
        }
        Format::Policies => "one JSON file per policy and trust document".to_owned(),
        Format::Runbook => format!(
            "follow it step by step in the IAM console (or run its commands); open it in a Markdown viewer: {}",
            quote(&file)
        ),
        Format::AdminPolicy => format!(
            "attach it to whoever runs onramp: {}",
            aws(
                &[
                    "iam",
                    "create-policy",
                    "--policy-name",
                    "onramp-operator",
                    "--policy-document",
                    &format!("file://{file}"),
                ],
                profile,
                None,
            )
        ),
    }
}

/// `aws ARGS… [--profile P] [--region R]`, each word quoted when it must be.
fn aws(args: &[&str], profile: Option<&str>, region: Option<&str>) -> String {
    let mut words = vec!["aws".to_owned()];
    words.extend(args.iter().map(|a| quote(a)));
    for (flag, value) in [("--profile", profile), ("--region", region)] {
        if let Some(value) = value {
            words.push(flag.to_owned());
            words.push(quote(value));
        }
    }
    words.join(" ")
}

fn file_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if path.extension().is_none() && name.ends_with("-policies") {
        format!("{name}/")
    } else {
        name
    }
}

fn shown_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        "the current directory".into()
    } else {
        dir.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deploy_command_quotes_the_path_and_carries_profile_and_region() {
        let path = Path::new("/home/me/My Exports/onramp.cfn.yaml");
        assert_eq!(
            next_step(Format::Cloudformation, path, Some("lab"), Some("eu-west-1")),
            "deploy it: aws cloudformation deploy --template-file '/home/me/My Exports/onramp.cfn.yaml' \
             --stack-name onramp --capabilities CAPABILITY_NAMED_IAM --profile lab --region eu-west-1"
        );
        assert_eq!(
            next_step(
                Format::Cloudformation,
                Path::new("a.yaml"),
                None,
                Some("us-east-1")
            ),
            "deploy it: aws cloudformation deploy --template-file a.yaml --stack-name onramp \
             --capabilities CAPABILITY_NAMED_IAM --region us-east-1"
        );
    }

    #[test]
    fn the_runbook_says_how_to_follow_it_with_the_path_quoted() {
        assert_eq!(
            next_step(
                Format::Runbook,
                Path::new("/a b/x.runbook.md"),
                Some("lab"),
                None
            ),
            "follow it step by step in the IAM console (or run its commands); \
             open it in a Markdown viewer: '/a b/x.runbook.md'"
        );
    }

    #[test]
    fn the_script_and_admin_policy_commands_quote_the_path_and_carry_the_profile() {
        let dir = Path::new("/tmp/it's here");
        assert_eq!(
            next_step(
                Format::Cli,
                &dir.join("onramp.sh"),
                Some("lab"),
                Some("us-east-1")
            ),
            r"run it: AWS_PROFILE=lab bash '/tmp/it'\''s here/onramp.sh' (safe to run again)"
        );
        assert_eq!(
            next_step(Format::Cli, Path::new("onramp.sh"), None, None),
            "run it: bash onramp.sh (safe to run again)"
        );
        assert_eq!(
            next_step(
                Format::AdminPolicy,
                Path::new("/a b/admin.json"),
                Some("lab"),
                Some("us-east-1")
            ),
            "attach it to whoever runs onramp: aws iam create-policy --policy-name onramp-operator \
             --policy-document 'file:///a b/admin.json' --profile lab"
        );
    }
}
