//! ParallelCluster: version, scheduler, then per version: the resources
//! bucket and the awsbatch fields the version 2 user policy names, or version
//! 3's release, IAM mode, add-ons and secret.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{form_step, step};
use crate::answers::Release;
use crate::answers::{Answers, IamMode, ParallelCluster, Scheduler};
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::field::TextField;
use crate::tui::widgets::{hanging, panel, place_cursor};

/// The versions offered: the source document's, and the current one.
pub const VERSIONS: [&str; 2] = ["2", "3"];

/// Version 3's schedulers (SGE and Torque were dropped).
const SCHEDULERS_3: [Scheduler; 2] = [Scheduler::Slurm, Scheduler::Awsbatch];

/// One row of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    Version,
    Scheduler,
    ResourcesBucket,
    StackName,
    JobDefinitionSerial,
    JobDefinitionMnp,
    JobQueue,
    JobRole,
    EcsComputeEnvironment,
    IamMode,
    Fsx,
    FsxBucket,
    ImageBuild,
    LoginNodes,
    SecretName,
    Release,
}

impl Item {
    const TEXT: [Item; 9] = [
        Item::ResourcesBucket,
        Item::StackName,
        Item::JobDefinitionSerial,
        Item::JobDefinitionMnp,
        Item::JobQueue,
        Item::JobRole,
        Item::EcsComputeEnvironment,
        Item::FsxBucket,
        Item::SecretName,
    ];

    /// The text fields that belong to version 3; the others are version 2's.
    fn version_3(self) -> bool {
        matches!(self, Item::FsxBucket | Item::SecretName)
    }

    fn label(self) -> &'static str {
        match self {
            Item::Version => "ParallelCluster version",
            Item::Release => "ParallelCluster release",
            Item::Scheduler => "Scheduler",
            Item::ResourcesBucket => "Resources bucket",
            Item::StackName => "Cluster stack name",
            Item::JobDefinitionSerial => "Job definition (serial)",
            Item::JobDefinitionMnp => "Job definition (multi-node)",
            Item::JobQueue => "Job queue",
            Item::JobRole => "Job role name",
            Item::EcsComputeEnvironment => "ECS compute environment",
            Item::IamMode => "IAM mode",
            Item::Fsx => "FSx for Lustre add-on",
            Item::FsxBucket => "FSx linked bucket",
            Item::ImageBuild => "Image build add-on",
            Item::LoginNodes => "Login nodes add-on (Slurm)",
            Item::SecretName => "Secret name (optional)",
        }
    }

    /// The answers field, also the name in validation errors.
    fn key(self) -> &'static str {
        match self {
            Item::Version => "version",
            Item::Release => "pcluster_version",
            Item::Scheduler => "scheduler",
            Item::ResourcesBucket => "resources_bucket",
            Item::StackName => "stack_name",
            Item::JobDefinitionSerial => "job_definition_serial_name",
            Item::JobDefinitionMnp => "job_definition_mnp_name",
            Item::JobQueue => "job_queue_name",
            Item::JobRole => "job_role",
            Item::EcsComputeEnvironment => "ecs_compute_environment",
            Item::IamMode => "iam_mode",
            Item::Fsx => "fsx",
            Item::FsxBucket => "fsx_bucket",
            Item::ImageBuild => "image_build",
            Item::LoginNodes => "login_nodes",
            Item::SecretName => "secret_name",
        }
    }

    fn value(self, p: &mut ParallelCluster) -> Option<&mut Option<String>> {
        Some(match self {
            Item::ResourcesBucket => &mut p.resources_bucket,
            Item::StackName => &mut p.stack_name,
            Item::JobDefinitionSerial => &mut p.job_definition_serial_name,
            Item::JobDefinitionMnp => &mut p.job_definition_mnp_name,
            Item::JobQueue => &mut p.job_queue_name,
            Item::JobRole => &mut p.job_role,
            Item::EcsComputeEnvironment => &mut p.ecs_compute_environment,
            Item::FsxBucket => &mut p.fsx_bucket,
            Item::SecretName => &mut p.secret_name,
            Item::Version
            | Item::Release
            | Item::Scheduler
            | Item::IamMode
            | Item::Fsx
            | Item::ImageBuild
            | Item::LoginNodes => {
                return None;
            }
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub cursor: usize,
    pub fields: BTreeMap<Item, TextField>,
    /// Per version left, the choices made there, restored on coming back
    /// (the text fields keep their own text in `fields`).
    pub kept: BTreeMap<String, Choices>,
    /// Login nodes were on when a release or scheduler without them was
    /// chosen: they come back on with one that has them.
    pub login_nodes_kept: bool,
}

/// The choices of one version that are not text fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices {
    pub scheduler: String,
    pub pcluster_version: Option<String>,
    pub iam_mode: Option<String>,
    pub fsx: bool,
    pub image_build: bool,
    pub login_nodes: bool,
}

impl Choices {
    fn of(p: &ParallelCluster) -> Choices {
        Choices {
            scheduler: p.scheduler.clone(),
            pcluster_version: p.pcluster_version.clone(),
            iam_mode: p.iam_mode.clone(),
            fsx: p.fsx,
            image_build: p.image_build,
            login_nodes: p.login_nodes,
        }
    }

    fn restore(self, p: &mut ParallelCluster) {
        p.scheduler = self.scheduler;
        p.pcluster_version = self.pcluster_version;
        p.iam_mode = self.iam_mode;
        p.fsx = self.fsx;
        p.image_build = self.image_build;
        p.login_nodes = self.login_nodes;
    }
}

impl State {
    pub fn from_answers(answers: &Answers) -> State {
        let mut p = answers.parallelcluster.clone().unwrap_or_default();
        let fields = Item::TEXT
            .into_iter()
            .map(|item| {
                let text = item
                    .value(&mut p)
                    .and_then(|v| v.clone())
                    .unwrap_or_default();
                (item, TextField::new(&text))
            })
            .collect();
        State {
            fields,
            ..State::default()
        }
    }
}

fn cluster(app: &mut App) -> &mut ParallelCluster {
    app.answers
        .parallelcluster
        .get_or_insert_with(ParallelCluster::default)
}

fn is_awsbatch(app: &App) -> bool {
    app.answers
        .parallelcluster
        .as_ref()
        .is_some_and(|p| p.scheduler == "awsbatch")
}

fn is_v3(app: &App) -> bool {
    app.answers
        .parallelcluster
        .as_ref()
        .is_some_and(ParallelCluster::is_v3)
}

/// Whether the chosen release has login nodes (3.7 and later).
fn has_login_nodes(app: &App) -> bool {
    app.answers
        .parallelcluster
        .as_ref()
        .is_none_or(|p| p.release() >= Release::LOGIN_NODES)
}

pub fn items(app: &App) -> Vec<Item> {
    let mut items = vec![Item::Version, Item::Scheduler];
    if is_v3(app) {
        items.extend([Item::IamMode, Item::Fsx]);
        if app.answers.parallelcluster.as_ref().is_some_and(|p| p.fsx) {
            items.push(Item::FsxBucket);
        }
        items.push(Item::ImageBuild);
        // Login nodes are Slurm's, since 3.7; a file may still ask for them
        // elsewhere, and the row then shows the error.
        let asked = app
            .answers
            .parallelcluster
            .as_ref()
            .is_some_and(|p| p.login_nodes);
        if asked || (!is_awsbatch(app) && has_login_nodes(app)) {
            items.push(Item::LoginNodes);
        }
        // Last, so that the rows above keep their places.
        items.extend([Item::SecretName, Item::Release]);
        return items;
    }
    items.push(Item::ResourcesBucket);
    if is_awsbatch(app) {
        items.extend(&Item::TEXT[1..7]);
    }
    items
}

/// Moves to version `to`: the answers keep only its fields, filled from what
/// was typed and chosen there before, so switching back and forth loses
/// nothing and never leaves a field the other version refuses.
fn switch_version(app: &mut App, to: &str) {
    let p = cluster(app);
    let left = Choices::of(p);
    let from = std::mem::replace(&mut p.version, to.to_owned());
    app.cluster.kept.insert(from, left);
    let back = app.cluster.kept.get(to).cloned();
    let typed: Vec<(Item, String)> = app
        .cluster
        .fields
        .iter()
        .map(|(item, field)| (*item, field.text()))
        .collect();
    let p = cluster(app);
    let v3 = p.is_v3();
    for (item, text) in typed {
        let keep = item.version_3() == v3 && !text.is_empty();
        if let Some(slot) = item.value(p) {
            *slot = keep.then_some(text);
        }
    }
    if let Some(choices) = back {
        choices.restore(p);
    }
    if v3 {
        if !Scheduler::parse(&p.scheduler).is_some_and(Scheduler::in_version_3) {
            p.scheduler = Scheduler::Slurm.as_str().to_owned();
        }
        if !p.fsx {
            p.fsx_bucket = None;
        }
    } else {
        p.pcluster_version = None;
        p.iam_mode = None;
        p.fsx = false;
        p.fsx_bucket = None;
        p.image_build = false;
        p.login_nodes = false;
    }
}

/// Login nodes are Slurm's, since 3.7: a change that rules them out turns
/// them off and remembers they were on; one that allows them again turns
/// them back on.
fn settle_login_nodes(app: &mut App) {
    let kept = app.cluster.login_nodes_kept;
    let p = cluster(app);
    let allowed = p.is_v3()
        && p.scheduler != Scheduler::Awsbatch.as_str()
        && p.release() >= Release::LOGIN_NODES;
    let (on, kept) = match (allowed, p.login_nodes, kept) {
        (false, true, _) => (false, true),
        (true, false, true) => (true, false),
        (_, on, kept) => (on, kept),
    };
    p.login_nodes = on;
    app.cluster.login_nodes_kept = kept;
}

fn focused(app: &App) -> Option<Item> {
    items(app).get(app.cluster.cursor).copied()
}

pub fn typing(app: &App) -> bool {
    focused(app).is_some_and(|i| Item::TEXT.contains(&i))
}

fn cycle<T: PartialEq + Copy>(all: &[T], current: T, delta: isize) -> T {
    let i = all.iter().position(|x| *x == current).unwrap_or(0);
    let n = all.len() as isize;
    all[((i as isize + delta).rem_euclid(n)) as usize]
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let len = items(app).len();
    let Some(item) = focused(app) else {
        return Vec::new();
    };
    let text = Item::TEXT.contains(&item);
    let delta = form_step(&key, text);
    if let Some(delta) = delta {
        app.cluster.cursor = step(app.cluster.cursor, delta, len);
        return Vec::new();
    }
    if key.code == KeyCode::Enter {
        return app.advance();
    }
    let change = match key.code {
        KeyCode::Left | KeyCode::Char('h') => -1,
        KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(' ') => 1,
        _ => 0,
    };
    match item {
        Item::Version if change != 0 => {
            let p = cluster(app);
            let current = VERSIONS
                .iter()
                .position(|v| *v == p.version)
                .map_or(VERSIONS[0], |i| VERSIONS[i]);
            let to = cycle(&VERSIONS, current, change);
            switch_version(app, to);
        }
        Item::Release if change != 0 => {
            let p = cluster(app);
            let release = cycle(&Release::all(), p.release(), change);
            p.pcluster_version = Some(release.to_string());
            // Login nodes came in 3.7: an older release has none.
            settle_login_nodes(app);
            // Their row comes and goes above this one: stay on this row.
            if let Some(row) = items(app).iter().position(|i| *i == Item::Release) {
                app.cluster.cursor = row;
            }
        }
        Item::Scheduler if change != 0 => {
            let p = cluster(app);
            let current = Scheduler::parse(&p.scheduler).unwrap_or(Scheduler::Slurm);
            let offered: &[Scheduler] = if p.is_v3() {
                &SCHEDULERS_3
            } else {
                &Scheduler::ALL
            };
            p.scheduler = cycle(offered, current, change).as_str().to_owned();
            // Login nodes are Slurm's: an awsbatch cluster has none.
            settle_login_nodes(app);
        }
        Item::IamMode if change != 0 => {
            let p = cluster(app);
            let mode = cycle(&IamMode::ALL, p.iam_mode(), change);
            p.iam_mode = Some(mode.as_str().to_owned());
        }
        Item::Fsx if change != 0 => {
            let typed = app
                .cluster
                .fields
                .get(&Item::FsxBucket)
                .map(TextField::text)
                .filter(|t| !t.is_empty());
            let p = cluster(app);
            p.fsx = !p.fsx;
            p.fsx_bucket = if p.fsx { typed } else { None };
        }
        Item::ImageBuild if change != 0 => {
            let p = cluster(app);
            p.image_build = !p.image_build;
        }
        Item::LoginNodes if change != 0 => {
            let p = cluster(app);
            p.login_nodes = !p.login_nodes;
            app.cluster.login_nodes_kept = false;
        }
        _ if text => {
            if let Some(field) = app.cluster.fields.get_mut(&item)
                && field.input(key)
            {
                let value = field.text();
                if let Some(slot) = item.value(cluster(app)) {
                    *slot = Some(value).filter(|v| !v.is_empty());
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let block = panel("ParallelCluster", true, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let p = app.answers.parallelcluster.clone().unwrap_or_default();
    let mut lines = vec![
        Line::from(
            "The policies of the cluster's instances and of the person who runs `pcluster`.",
        ),
        Line::from(""),
    ];
    let mut cursor = None;
    for (i, item) in items(app).into_iter().enumerate() {
        let here = i == app.cluster.cursor;
        let mut spans = vec![
            Span::styled(
                format!(" {:<30}", item.label()),
                if here { theme.selected() } else { theme.text() },
            ),
            Span::raw(" "),
        ];
        match item {
            Item::Version => spans.push(Span::styled(version_value(&p), theme.key())),
            Item::Release => spans.push(Span::styled(release_value(&p), theme.key())),
            Item::Scheduler => spans.push(Span::styled(
                format!(
                    "◂ {} ▸  ({})",
                    p.scheduler,
                    if p.is_v3() {
                        "slurm, awsbatch; no SGE, Torque"
                    } else {
                        "slurm, sge, torque, awsbatch"
                    }
                ),
                theme.key(),
            )),
            Item::IamMode => spans.push(Span::styled(
                format!("◂ {} ▸", p.iam_mode().as_str()),
                theme.key(),
            )),
            Item::Fsx | Item::ImageBuild | Item::LoginNodes => {
                let on = match item {
                    Item::Fsx => p.fsx,
                    Item::ImageBuild => p.image_build,
                    _ => p.login_nodes,
                };
                spans.push(Span::styled(
                    if on { "[x] on" } else { "[ ] off" },
                    theme.key(),
                ));
            }
            _ => {
                let text = app
                    .cluster
                    .fields
                    .get(&item)
                    .map(TextField::text)
                    .unwrap_or_default();
                if here {
                    let column = app.cluster.fields.get(&item).map_or(0, TextField::cursor);
                    cursor = Some((lines.len(), 33 + column));
                }
                let shown = if text.is_empty() && !here {
                    "(none)".to_owned()
                } else {
                    text
                };
                spans.push(Span::styled(
                    shown,
                    if here { theme.key() } else { theme.text() },
                ));
            }
        }
        lines.push(Line::from(spans));
        let field = format!("parallelcluster.{}", item.key());
        for e in app.derived.errors_for(&[field.as_str()]) {
            lines.extend(hanging(
                vec![Span::styled("     ✗ ", theme.error())],
                &e.message,
                theme.error(),
                usize::from(inner.width),
                7,
            ));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        if is_v3(app) {
            mode_explained(p.iam_mode())
        } else if is_awsbatch(app) {
            "awsbatch: the user policy names the cluster's Batch resources; take them from the cluster's stack."
        } else {
            "Without a resources bucket the user policy's S3 statement is left out (the document's <RESOURCES S3 BUCKET>)."
        },
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some((row, column)) = cursor {
        place_cursor(frame, inner, row, column);
    }
}

/// The version row's value and hint.
fn version_value(p: &ParallelCluster) -> String {
    format!(
        "◂ {} ▸{}",
        p.version,
        if p.is_v3() {
            "  (current; choose the release below)"
        } else {
            "  (end of support 2022; 2.11.9 guide)"
        }
    )
}

/// The release row's value (as the answers write it) and the range offered.
fn release_value(p: &ParallelCluster) -> String {
    format!(
        "◂ {} ▸  ({}{} … {})",
        p.pcluster_version
            .clone()
            .unwrap_or_else(|| Release::NEWEST.to_string()),
        if p.pcluster_version.is_none() {
            "newest; "
        } else {
            ""
        },
        Release::OLDEST,
        Release::NEWEST
    )
}

/// One line on what an IAM mode means for the person running `pcluster`.
fn mode_explained(mode: IamMode) -> &'static str {
    match mode {
        IamMode::Privileged => {
            "privileged: pcluster creates the cluster's roles under /parallelcluster/ (the guide warns: IAM admin-like rights)."
        }
        IamMode::Restricted => {
            "restricted: pcluster creates no roles; onramp pre-creates the head node, compute and Lambda roles (not for awsbatch)."
        }
        IamMode::PermissionsBoundary => {
            "permissions-boundary: pcluster creates roles only with your permissions boundary (set it on the Options screen)."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answers::Environment;
    use crate::tui::app::Config;
    use crate::tui::theme::Theme;

    fn app_with(p: ParallelCluster) -> App {
        let answers = Answers {
            parallelcluster: Some(p),
            ..Answers::demo()
        };
        App::new(Config {
            demo: true,
            environment: Environment::default(),
            answers,
            answers_path: None,
            journal: None,
            endpoint_url: None,
            profile: None,
            export_dir: None,
            theme: Theme::COLOR,
        })
        .0
    }

    fn press(app: &mut App, code: KeyCode) {
        on_key(app, KeyEvent::from(code));
    }

    fn version_3() -> ParallelCluster {
        ParallelCluster {
            version: "3".into(),
            login_nodes: true,
            ..ParallelCluster::default()
        }
    }

    #[test]
    fn the_release_row_cycles_through_the_releases_and_older_ones_drop_login_nodes() {
        let mut app = app_with(version_3());
        let rows = items(&app);
        assert_eq!(rows.last(), Some(&Item::Release));
        assert!(rows.contains(&Item::LoginNodes));
        app.cluster.cursor = rows.len() - 1;
        let p = |app: &App| app.answers.parallelcluster.clone().unwrap();
        assert_eq!(p(&app).pcluster_version, None);
        press(&mut app, KeyCode::Left);
        assert_eq!(p(&app).pcluster_version.as_deref(), Some("3.15"));
        press(&mut app, KeyCode::Right);
        assert_eq!(p(&app).pcluster_version.as_deref(), Some("3.16"));
        assert!(p(&app).login_nodes);
        // Past the newest: the oldest, which has no login nodes.
        press(&mut app, KeyCode::Right);
        assert_eq!(p(&app).pcluster_version.as_deref(), Some("3.6"));
        assert!(!p(&app).login_nodes);
        let rows = items(&app);
        assert!(!rows.contains(&Item::LoginNodes), "{rows:?}");
        let mut seen = vec![p(&app).release()];
        for _ in 0..10 {
            press(&mut app, KeyCode::Right);
            seen.push(p(&app).release());
        }
        assert_eq!(seen, Release::all());
        // Back to version 2: the release goes with version 3's fields.
        app.cluster.cursor = 0;
        press(&mut app, KeyCode::Left);
        assert_eq!(p(&app).version, "2");
        assert_eq!(p(&app).pcluster_version, None);
        assert!(!items(&app).contains(&Item::Release));
    }

    #[test]
    fn a_release_from_a_file_is_shown_as_written_and_its_rows_fit_80_columns() {
        let mut p = version_3();
        p.pcluster_version = Some("3.9.1".into());
        assert_eq!(release_value(&p), "◂ 3.9.1 ▸  (3.6 … 3.16)");
        p.pcluster_version = None;
        assert_eq!(release_value(&p), "◂ 3.16 ▸  (newest; 3.6 … 3.16)");
        // The panel's inner width at 80 columns is 78; the value starts at 32.
        for value in [version_value(&p), release_value(&p)] {
            assert!(32 + value.chars().count() <= 78, "{value}");
        }
        // A login nodes answer an older release refuses keeps its row, to be
        // turned off there.
        p.pcluster_version = Some("3.6".into());
        let app = app_with(p);
        assert!(items(&app).contains(&Item::LoginNodes));
    }
}
