//! The keys of each screen, in one place: the help overlay lists them all,
//! the footer shows the few that matter now. A key has one meaning across
//! the whole wizard ([`Meaning`]); a test holds every screen to that.

use super::app::{App, Screen};

/// What a key does, whichever screen it is pressed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Meaning {
    /// Back out of where the focus is: a field, a step-through, a screen.
    Back,
    /// Go on: start, add what was typed, create, the next screen.
    GoOn,
    Help,
    /// Save what is being worked on (the answers; in the editor, the document).
    Save,
    /// Quit; during the apply, stop it (asking first).
    Quit,
    Suspend,
    /// Up and down in a list or a text.
    UpDown,
    /// The next or previous part of the screen (field, document).
    Cycle,
    /// Switch the focused choice to its previous or next value.
    Change,
    /// Select or unselect, turn on or off, the focused row.
    Toggle,
    Filter,
    Add,
    Export,
    /// Read the account again (or connect again).
    ReadAgain,
    Preview,
    Diff,
    Edit,
    /// Drop a hand edit: back to the generated document.
    UndoEdit,
    StepThrough,
    /// While stepping through: skip this resource.
    Skip,
    /// While stepping through: create all the rest.
    All,
    ShowCli,
    /// The editor's cursor keys.
    CursorMove,
    /// For a resource that exists and that onramp did not make: adopt it,
    /// keep it as it is, or rename onramp's.
    Existing,
    Undo,
    Redo,
}

/// Keys and what they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// Each key, as the help writes it (`Ctrl-S`, `↑↓`, `j`).
    pub keys: &'static [&'static str],
    pub meaning: Meaning,
    pub what: &'static str,
}

const fn bind(keys: &'static [&'static str], meaning: Meaning, what: &'static str) -> Binding {
    Binding {
        keys,
        meaning,
        what,
    }
}

/// Keys that work on every screen (outside text fields for the letters).
pub const GLOBAL: &[Binding] = &[
    bind(&["Esc"], Meaning::Back, "back one screen (nothing is lost)"),
    bind(&["Enter"], Meaning::GoOn, "go on"),
    bind(&["?", "F1"], Meaning::Help, "this help"),
    bind(
        &["s", "Ctrl-S"],
        Meaning::Save,
        "save the answers to a TOML answers file",
    ),
    bind(
        &["q"],
        Meaning::Quit,
        "quit (asks when answers are unsaved)",
    ),
    bind(
        &["Ctrl-C"],
        Meaning::Quit,
        "quit; during the apply, stop after the calls in flight",
    ),
    bind(&["Ctrl-Z"], Meaning::Suspend, "suspend to the shell"),
];

/// The keys that still work in the editor, where letters and Enter type.
const EDITOR_GLOBAL: [&str; 3] = ["F1", "Ctrl-C", "Ctrl-Z"];

const EXPORT: Binding = bind(
    &["x"],
    Meaning::Export,
    "export: template, script, policy files or admin policy",
);

const EDITOR_KEYS: &[Binding] = &[
    bind(&["arrows"], Meaning::CursorMove, "move the cursor"),
    bind(
        &["Ctrl-S"],
        Meaning::Save,
        "save the document (only when it is valid)",
    ),
    bind(&["Ctrl-U"], Meaning::Undo, "undo"),
    bind(&["Ctrl-R"], Meaning::Redo, "redo"),
    bind(
        &["Esc"],
        Meaning::Back,
        "close the editor (asks before discarding changes)",
    ),
];

const WELCOME_KEYS: &[Binding] = &[
    bind(&["Enter"], Meaning::GoOn, "start"),
    bind(&["r"], Meaning::ReadAgain, "try connecting again"),
    EXPORT,
];

const SCOPE_KEYS: &[Binding] = &[
    bind(&["↑↓", "j", "k"], Meaning::UpDown, "move between the parts"),
    bind(
        &["Space"],
        Meaning::Toggle,
        "turn the part on or off (what you chose in it is kept)",
    ),
    bind(
        &["Enter"],
        Meaning::GoOn,
        "go on (with at least one part turned on)",
    ),
];

/// The bucket editor's keys, on the genomics and the HealthOmics screens.
const BUCKET_LIST: Binding = bind(&["↑↓", "j", "k"], Meaning::UpDown, "move in the list");
const BUCKET_FILTER: Binding = bind(&["/"], Meaning::Filter, "type a filter");
const BUCKET_ADD: Binding = bind(
    &["+"],
    Meaning::Add,
    "type the name of a bucket that does not exist yet",
);
const BUCKET_GO_ON: Binding = bind(
    &["Enter"],
    Meaning::GoOn,
    "in the name field: add it; elsewhere: go on",
);
const BUCKET_BACK: Binding = bind(
    &["Esc"],
    Meaning::Back,
    "in a field: back to the list; elsewhere: back one screen",
);
const BUCKET_WHEEL: Binding = bind(&["mouse wheel"], Meaning::UpDown, "scroll the list");

const BUCKETS_KEYS: &[Binding] = &[
    BUCKET_LIST,
    bind(&["Space"], Meaning::Toggle, "select or unselect the bucket"),
    bind(
        &["Tab", "Shift-Tab"],
        Meaning::Cycle,
        "list → filter → new bucket name",
    ),
    BUCKET_FILTER,
    BUCKET_ADD,
    BUCKET_GO_ON,
    BUCKET_BACK,
    BUCKET_WHEEL,
];

const OMICS_KEYS: &[Binding] = &[
    BUCKET_LIST,
    bind(
        &["Space"],
        Meaning::Toggle,
        "mark the bucket read-write, again read-only, again unused",
    ),
    bind(
        &["Tab", "Shift-Tab"],
        Meaning::Cycle,
        "list → filter → new bucket name → ECR repositories → KMS key",
    ),
    BUCKET_FILTER,
    BUCKET_ADD,
    bind(
        &["typing"],
        Meaning::Edit,
        "edits the focused field; repository names are separated by commas",
    ),
    BUCKET_GO_ON,
    BUCKET_BACK,
    BUCKET_WHEEL,
];

const OPTIONS_KEYS: &[Binding] = &[
    bind(
        &["↑↓", "j", "k"],
        Meaning::UpDown,
        "move between options (j k: not in a text field)",
    ),
    bind(
        &["Tab", "Shift-Tab"],
        Meaning::Cycle,
        "next / previous option",
    ),
    bind(
        &["Space"],
        Meaning::Toggle,
        "turn the option on or off, or switch its choice",
    ),
    bind(
        &["← →", "h", "l"],
        Meaning::Change,
        "switch the AWS Batch service role",
    ),
    bind(&["typing"], Meaning::Edit, "edits the focused text field"),
];

const PARALLEL_CLUSTER_KEYS: &[Binding] = &[
    bind(
        &["↑↓", "j", "k"],
        Meaning::UpDown,
        "move between fields (j k: not in a text field)",
    ),
    bind(
        &["Tab", "Shift-Tab"],
        Meaning::Cycle,
        "next / previous field",
    ),
    bind(
        &["← →", "h", "l"],
        Meaning::Change,
        "change version, release, scheduler or IAM mode",
    ),
    bind(
        &["Space"],
        Meaning::Toggle,
        "turn an add-on on or off, or switch to the next choice",
    ),
    bind(&["typing"], Meaning::Edit, "edits the focused text field"),
];

const REVIEW_KEYS: &[Binding] = &[
    bind(&["↑↓", "j", "k"], Meaning::UpDown, "move between resources"),
    bind(
        &["p"],
        Meaning::Preview,
        "preview the selected resource's documents",
    ),
    bind(
        &["o"],
        Meaning::Existing,
        "for a resource that exists and that onramp did not make: adopt it, keep it as it is, or rename onramp's",
    ),
    bind(&["r"], Meaning::ReadAgain, "read the account again"),
    bind(&["PgUp", "PgDn"], Meaning::UpDown, "scroll the findings"),
    EXPORT,
    bind(&["Enter"], Meaning::GoOn, "go on to the policy preview"),
];

const PREVIEW_KEYS: &[Binding] = &[
    bind(
        &["Tab", "Shift-Tab"],
        Meaning::Cycle,
        "next / previous document",
    ),
    bind(
        &["← →", "h", "l"],
        Meaning::Change,
        "previous / next document",
    ),
    bind(&["↑↓", "j", "k"], Meaning::UpDown, "scroll the document"),
    bind(
        &["PgUp", "PgDn"],
        Meaning::UpDown,
        "scroll the notes and findings",
    ),
    bind(
        &["d"],
        Meaning::Diff,
        "show the difference from what exists",
    ),
    bind(&["e"], Meaning::Edit, "edit the document"),
    bind(
        &["u"],
        Meaning::UndoEdit,
        "undo your edit: the generated document is back",
    ),
    EXPORT,
    bind(&["Enter"], Meaning::GoOn, "go on to confirm"),
];

const CONFIRM_KEYS: &[Binding] = &[
    bind(
        &["y", "Enter"],
        Meaning::GoOn,
        "create everything listed; while stepping through: create this one",
    ),
    bind(
        &["t"],
        Meaning::StepThrough,
        "step through resource by resource",
    ),
    bind(
        &["n"],
        Meaning::Skip,
        "while stepping through: skip this one",
    ),
    bind(
        &["a"],
        Meaning::All,
        "while stepping through: create the rest",
    ),
    bind(
        &["Esc"],
        Meaning::Back,
        "while stepping through: stop stepping; else back one screen",
    ),
    bind(
        &["c"],
        Meaning::ShowCli,
        "show the equivalent aws iam commands",
    ),
    EXPORT,
    bind(&["↑↓", "j", "k"], Meaning::UpDown, "scroll"),
];

const APPLY_KEYS: &[Binding] = &[
    bind(&["↑↓", "j", "k"], Meaning::UpDown, "scroll"),
    bind(
        &["Ctrl-C", "q"],
        Meaning::Quit,
        "stop after the calls in flight (asks first; no new call starts meanwhile)",
    ),
    bind(&["Enter"], Meaning::GoOn, "when done: the summary"),
];

const SUMMARY_KEYS: &[Binding] = &[
    bind(&["↑↓", "j", "k"], Meaning::UpDown, "scroll"),
    EXPORT,
    bind(
        &["Esc"],
        Meaning::Back,
        "back to the review (reads the account again)",
    ),
];

/// Every key of `screen` (or of the editor), for the help overlay.
pub fn screen_keys(screen: Screen, editing: bool) -> &'static [Binding] {
    if editing {
        return EDITOR_KEYS;
    }
    match screen {
        Screen::Welcome => WELCOME_KEYS,
        Screen::Scope => SCOPE_KEYS,
        Screen::Buckets => BUCKETS_KEYS,
        Screen::Options => OPTIONS_KEYS,
        Screen::ParallelCluster => PARALLEL_CLUSTER_KEYS,
        Screen::Omics => OMICS_KEYS,
        Screen::Review => REVIEW_KEYS,
        Screen::Preview => PREVIEW_KEYS,
        Screen::Confirm => CONFIRM_KEYS,
        Screen::Apply => APPLY_KEYS,
        Screen::Summary => SUMMARY_KEYS,
    }
}

/// One row of the help: the keys as written, and what they do.
pub type HelpRow = (String, &'static str);

/// The help for where the user is: the screen's keys (or the editor's),
/// then the keys that work everywhere, each key listed once (a screen that
/// gives a key its own description keeps it).
pub fn help(app: &App) -> (Vec<HelpRow>, Vec<HelpRow>) {
    let editing = app.editor.is_some();
    let here = screen_keys(app.screen, editing);
    let taken: Vec<&str> = here.iter().flat_map(|b| b.keys.iter().copied()).collect();
    let shown = |b: &Binding| (b.keys.join(" / "), b.what);
    let everywhere = GLOBAL
        .iter()
        .filter_map(|b| {
            let keys: Vec<&str> = b
                .keys
                .iter()
                .copied()
                .filter(|k| !taken.contains(k))
                .filter(|k| !editing || EDITOR_GLOBAL.contains(k))
                .filter(|k| global_works_on(app.screen, k))
                .collect();
            (!keys.is_empty()).then(|| (keys.join(" / "), b.what))
        })
        .collect();
    (here.iter().map(shown).collect(), everywhere)
}

/// Whether a key that works everywhere does something on `screen`: there
/// is nothing before the welcome screen, nothing after the summary.
fn global_works_on(screen: Screen, key: &str) -> bool {
    !matches!(
        (screen, key),
        (Screen::Welcome, "Esc") | (Screen::Summary, "Enter")
    )
}

/// The footer's hints for where the user is now.
pub fn footer(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.editor.is_some() {
        return vec![("Ctrl-S", "save"), ("Esc", "close"), ("F1", "help")];
    }
    let mut hints: Vec<(&'static str, &'static str)> = match app.screen {
        Screen::Welcome => vec![("Enter", "start")],
        Screen::Scope => vec![("↑↓", "move"), ("Space", "on/off"), ("Enter", "next")],
        Screen::Buckets if app.buckets.typing() => vec![("Enter", "done"), ("Esc", "list")],
        Screen::Buckets => vec![
            ("Space", "select"),
            ("/", "filter"),
            ("+", "add"),
            ("Enter", "next"),
        ],
        Screen::Omics if app.omics.focus != super::screens::omics::Focus::Buckets => {
            vec![("Tab", "next field"), ("Enter", "next"), ("Esc", "list")]
        }
        Screen::Omics if app.omics.buckets.typing() => vec![("Enter", "done"), ("Esc", "list")],
        Screen::Omics => vec![
            ("Space", "rw/ro"),
            ("/", "filter"),
            ("+", "add"),
            ("Tab", "fields"),
            ("Enter", "next"),
        ],
        Screen::Options | Screen::ParallelCluster => {
            vec![("↑↓", "move"), ("Space", "toggle"), ("Enter", "next")]
        }
        Screen::Review if super::screens::review::choosable_here(app) => vec![
            ("↑↓", "move"),
            ("p", "preview"),
            ("x", "export"),
            ("o", "adopt/keep"),
            ("Enter", "next"),
        ],
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
        Screen::Confirm if app.confirm.stepping.is_some() => vec![
            ("y", "create"),
            ("n", "skip"),
            ("a", "all the rest"),
            ("Esc", "stop stepping"),
        ],
        Screen::Confirm => vec![("y", "create all"), ("t", "step through"), ("c", "aws cli")],
        Screen::Apply if app.run.in_flight() => vec![("Ctrl-C", "stop")],
        Screen::Apply => vec![("Enter", "summary")],
        Screen::Summary => vec![("↑↓", "scroll"), ("x", "export")],
    };
    let has_esc = hints.iter().any(|(k, _)| *k == "Esc");
    if app.screen != Screen::Welcome && app.screen != Screen::Apply && !has_esc {
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
