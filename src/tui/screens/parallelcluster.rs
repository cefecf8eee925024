//! ParallelCluster: version, scheduler, the resources bucket, and the
//! awsbatch fields the user policy names.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{form_step, step};
use crate::answers::{Answers, ParallelCluster, Scheduler};
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::field::TextField;
use crate::tui::widgets::{panel, place_cursor};

/// The versions offered; validation explains the ones onramp cannot plan yet.
pub const VERSIONS: [&str; 2] = ["2", "3"];

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
}

impl Item {
    const TEXT: [Item; 7] = [
        Item::ResourcesBucket,
        Item::StackName,
        Item::JobDefinitionSerial,
        Item::JobDefinitionMnp,
        Item::JobQueue,
        Item::JobRole,
        Item::EcsComputeEnvironment,
    ];

    fn label(self) -> &'static str {
        match self {
            Item::Version => "ParallelCluster version",
            Item::Scheduler => "Scheduler",
            Item::ResourcesBucket => "Resources bucket",
            Item::StackName => "Cluster stack name",
            Item::JobDefinitionSerial => "Job definition (serial)",
            Item::JobDefinitionMnp => "Job definition (multi-node)",
            Item::JobQueue => "Job queue",
            Item::JobRole => "Job role name",
            Item::EcsComputeEnvironment => "ECS compute environment",
        }
    }

    /// The answers field, also the name in validation errors.
    fn key(self) -> &'static str {
        match self {
            Item::Version => "version",
            Item::Scheduler => "scheduler",
            Item::ResourcesBucket => "resources_bucket",
            Item::StackName => "stack_name",
            Item::JobDefinitionSerial => "job_definition_serial_name",
            Item::JobDefinitionMnp => "job_definition_mnp_name",
            Item::JobQueue => "job_queue_name",
            Item::JobRole => "job_role",
            Item::EcsComputeEnvironment => "ecs_compute_environment",
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
            Item::Version | Item::Scheduler => return None,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub cursor: usize,
    pub fields: BTreeMap<Item, TextField>,
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
        State { cursor: 0, fields }
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

pub fn items(app: &App) -> Vec<Item> {
    let mut items = vec![Item::Version, Item::Scheduler, Item::ResourcesBucket];
    if is_awsbatch(app) {
        items.extend(&Item::TEXT[1..]);
    }
    items
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
            p.version = cycle(&VERSIONS, current, change).to_owned();
        }
        Item::Scheduler if change != 0 => {
            let p = cluster(app);
            let current = Scheduler::parse(&p.scheduler).unwrap_or(Scheduler::Slurm);
            p.scheduler = cycle(&Scheduler::ALL, current, change).as_str().to_owned();
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
            Item::Version => spans.push(Span::styled(
                format!(
                    "◂ {} ▸{}",
                    p.version,
                    if p.version == "2" {
                        "  (as in the document)"
                    } else {
                        ""
                    }
                ),
                theme.key(),
            )),
            Item::Scheduler => spans.push(Span::styled(
                format!("◂ {} ▸  (slurm, sge, torque, awsbatch)", p.scheduler),
                theme.key(),
            )),
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
            lines.push(Line::from(Span::styled(
                format!("     ✗ {}", e.message),
                theme.error(),
            )));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        if is_awsbatch(app) {
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
