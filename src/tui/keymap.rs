//! The keys of each screen, in one place: the help overlay lists them all,
//! the footer shows the few that matter now.

use super::app::{App, Screen};

/// Keys that work on every screen (outside text fields for the letters).
pub const GLOBAL: &[(&str, &str)] = &[
    ("Esc", "back one screen (nothing is lost)"),
    ("Enter", "go on"),
    ("? / F1", "this help"),
    ("s / Ctrl-S", "save the answers to a TOML answers file"),
    ("q", "quit (asks when answers are unsaved)"),
    (
        "Ctrl-C",
        "quit; during the apply, stop after the calls in flight",
    ),
    ("Ctrl-Z", "suspend to the shell"),
];

/// Every key of `screen`, for the help overlay.
pub fn screen_keys(screen: Screen, editing: bool) -> &'static [(&'static str, &'static str)] {
    if editing {
        return &[
            ("arrows", "move the cursor"),
            ("Ctrl-S", "save the document (only when it is valid)"),
            ("Ctrl-U / Ctrl-R", "undo / redo"),
            ("Esc", "close the editor (asks before discarding changes)"),
        ];
    }
    match screen {
        Screen::Welcome => &[
            ("Enter", "start"),
            ("r", "try connecting again"),
            (
                "x",
                "export, e.g. the admin policy a missing permission is in",
            ),
        ],
        Screen::Scope => &[
            ("↑↓ / j k", "choose"),
            ("Space", "select"),
            ("Enter", "select and go on"),
        ],
        Screen::Buckets => &[
            ("↑↓ / j k", "move in the list"),
            ("Space", "select or unselect the bucket"),
            ("Tab / Shift-Tab", "list → filter → new bucket name"),
            ("/", "type a filter"),
            ("a", "type the name of a bucket that does not exist yet"),
            ("Enter", "in the name field: add it; elsewhere: go on"),
            ("mouse wheel", "scroll the list"),
        ],
        Screen::Options => &[
            ("↑↓ / Tab", "move between options"),
            ("Space", "toggle"),
            ("← → / Space", "switch the AWS Batch service role"),
            ("typing", "edits the focused text field"),
            ("Enter", "go on"),
        ],
        Screen::ParallelCluster => &[
            ("↑↓ / Tab", "move between fields"),
            ("← → / Space", "change version or scheduler"),
            ("typing", "edits the focused text field"),
            ("Enter", "go on"),
        ],
        Screen::Review => &[
            ("↑↓ / j k", "move between resources"),
            ("p", "preview the selected resource's documents"),
            ("r", "read the account again"),
            (
                "x",
                "export: CloudFormation template, AWS CLI script, policy files or the runner's admin policy",
            ),
            ("Enter", "go on to the policy preview"),
        ],
        Screen::Preview => &[
            ("Tab / → / n", "next document"),
            ("Shift-Tab / ← / p", "previous document"),
            ("↑↓ / PgUp PgDn", "scroll"),
            ("d", "show the difference from what exists"),
            ("e", "edit the document"),
            ("x", "drop your edit of this document"),
            ("Enter", "go on to confirm"),
        ],
        Screen::Confirm => &[
            ("y / Enter", "create everything listed"),
            ("t", "step through resource by resource"),
            ("c", "show the equivalent aws iam commands"),
            (
                "x",
                "export, e.g. the admin policy a missing permission is in",
            ),
            ("↑↓", "scroll"),
        ],
        Screen::Apply => &[
            ("↑↓", "scroll"),
            ("Ctrl-C / q", "stop after the calls in flight (asks first)"),
            ("Enter", "when done: the summary"),
        ],
        Screen::Summary => &[
            ("↑↓", "scroll"),
            (
                "x",
                "export: CloudFormation template, AWS CLI script, policy files or the runner's admin policy",
            ),
            ("Esc", "back to the review (reads the account again)"),
            ("q", "quit"),
        ],
    }
}

/// The footer's hints for where the user is now.
pub fn footer(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.editor.is_some() {
        return vec![("Ctrl-S", "save"), ("Esc", "close"), ("F1", "help")];
    }
    let mut hints: Vec<(&'static str, &'static str)> = match app.screen {
        Screen::Welcome => vec![("Enter", "start")],
        Screen::Scope => vec![("↑↓", "choose"), ("Enter", "next")],
        Screen::Buckets => vec![
            ("Space", "select"),
            ("Tab", "filter/add"),
            ("Enter", "next"),
        ],
        Screen::Options | Screen::ParallelCluster => {
            vec![("↑↓", "move"), ("Space", "toggle"), ("Enter", "next")]
        }
        Screen::Review => vec![
            ("↑↓", "move"),
            ("p", "preview"),
            ("x", "export"),
            ("Enter", "next"),
        ],
        Screen::Preview => vec![
            ("Tab", "next doc"),
            ("e", "edit"),
            ("d", "diff"),
            ("Enter", "next"),
        ],
        Screen::Confirm if app.confirm.stepping.is_some() => {
            vec![("y", "create"), ("n", "skip"), ("a", "all the rest")]
        }
        Screen::Confirm => vec![("y", "create all"), ("t", "step through"), ("c", "aws cli")],
        Screen::Apply if app.run.in_flight() => vec![("Ctrl-C", "stop")],
        Screen::Apply => vec![("Enter", "summary")],
        Screen::Summary => vec![("↑↓", "scroll"), ("x", "export")],
    };
    if app.screen != Screen::Welcome && app.screen != Screen::Apply {
        hints.push(("Esc", "back"));
    }
    if app.typing() {
        hints.push(("Ctrl-S", "save answers"));
        hints.push(("F1", "help"));
    } else {
        hints.push(("s", "save"));
        hints.push(("?", "help"));
        hints.push(("q", "quit"));
    }
    hints
}
