//! Options: the genomics toggles (Spot, job role, public data, EBS
//! autoscale), the choice of AWS Batch's service role, and the text fields
//! every resource shares (name prefix, IAM path, extra tags, permissions
//! boundary), validated as they are typed.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{form_step, step};
use crate::answers::{Answers, BatchServiceRole, Genomics};
use crate::tui::action::Effect;
use crate::tui::app::App;
use crate::tui::field::TextField;
use crate::tui::widgets::{hanging, panel, place_cursor};

/// The answer fields this screen edits, for its validation errors.
pub const FIELDS: &[&str] = &[
    "name_prefix",
    "path",
    "permissions_boundary",
    "tags",
    "names",
    "genomics.job_role_policy_arns",
    "genomics.batch_service_role",
];

/// One row of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Spot,
    JobRole,
    PublicData,
    EbsAutoscale,
    /// The seed's `AWSBatchServiceRole` or the service-linked role.
    BatchRole,
    Prefix,
    Path,
    Tags,
    Boundary,
}

impl Item {
    fn label(self) -> &'static str {
        match self {
            Item::Spot => "Spot support (Spot Fleet role)",
            Item::JobRole => "Batch job role",
            Item::PublicData => "Read public data (AmazonS3ReadOnlyAccess)",
            Item::EbsAutoscale => "EBS autoscale policy",
            Item::BatchRole => "AWS Batch service role",
            Item::Prefix => "Name prefix",
            Item::Path => "IAM path",
            Item::Tags => "Extra tags (Key=Value, …)",
            Item::Boundary => "Permissions boundary ARN",
        }
    }

    fn is_text(self) -> bool {
        matches!(
            self,
            Item::Prefix | Item::Path | Item::Tags | Item::Boundary
        )
    }

    /// The answer fields whose errors show beside this row.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Item::Prefix => &["name_prefix", "names"],
            Item::Path => &["path"],
            Item::Tags => &["tags"],
            Item::Boundary => &["permissions_boundary"],
            Item::JobRole => &["genomics.job_role_policy_arns"],
            Item::BatchRole => &["genomics.batch_service_role"],
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub cursor: usize,
    pub prefix: TextField,
    pub path: TextField,
    pub tags: TextField,
    pub boundary: TextField,
    /// Why the tags text could not be read, if it could not.
    pub tags_problem: Option<String>,
}

impl State {
    pub fn from_answers(answers: &Answers) -> State {
        State {
            cursor: 0,
            prefix: TextField::new(&answers.name_prefix),
            path: TextField::new(&answers.path),
            tags: TextField::new(&tags_text(&answers.tags)),
            boundary: TextField::new(&answers.permissions_boundary),
            tags_problem: None,
        }
    }

    fn field_mut(&mut self, item: Item) -> Option<&mut TextField> {
        match item {
            Item::Prefix => Some(&mut self.prefix),
            Item::Path => Some(&mut self.path),
            Item::Tags => Some(&mut self.tags),
            Item::Boundary => Some(&mut self.boundary),
            _ => None,
        }
    }

    fn field(&self, item: Item) -> Option<&TextField> {
        match item {
            Item::Prefix => Some(&self.prefix),
            Item::Path => Some(&self.path),
            Item::Tags => Some(&self.tags),
            Item::Boundary => Some(&self.boundary),
            _ => None,
        }
    }
}

/// `Project=genomics, Owner=lab`.
pub fn tags_text(tags: &BTreeMap<String, String>) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads `Key=Value, Key2=Value2`; values may be empty, keys may not.
pub fn parse_tags(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut tags = BTreeMap::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(format!("`{part}` is not Key=Value"));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("`{part}` has no key before `=`"));
        }
        if tags
            .insert(key.to_owned(), value.trim().to_owned())
            .is_some()
        {
            return Err(format!("the key `{key}` is given twice"));
        }
    }
    Ok(tags)
}

/// The rows, for what has been chosen.
pub fn items(app: &App) -> Vec<Item> {
    let mut items = Vec::new();
    if app.genomics_enabled() {
        items.extend([
            Item::Spot,
            Item::JobRole,
            Item::PublicData,
            Item::EbsAutoscale,
            Item::BatchRole,
        ]);
    }
    items.extend([Item::Prefix, Item::Path, Item::Tags, Item::Boundary]);
    items
}

fn focused(app: &App) -> Option<Item> {
    items(app).get(app.options.cursor).copied()
}

pub fn typing(app: &App) -> bool {
    focused(app).is_some_and(Item::is_text)
}

fn genomics(app: &mut App) -> &mut Genomics {
    app.answers.genomics.get_or_insert_with(Genomics::default)
}

fn toggle(app: &mut App, item: Item) {
    let g = genomics(app);
    let flag = match item {
        Item::Spot => &mut g.spot,
        Item::JobRole => &mut g.job_role,
        Item::PublicData => &mut g.public_data_read,
        Item::EbsAutoscale => &mut g.ebs_autoscale,
        _ => return,
    };
    *flag = !*flag;
}

/// Switches between the seed's Batch service role and the service-linked one.
fn switch_batch_role(app: &mut App) {
    let g = genomics(app);
    let next = match g.batch_service_role() {
        BatchServiceRole::Seed => BatchServiceRole::ServiceLinked,
        BatchServiceRole::ServiceLinked => BatchServiceRole::Seed,
    };
    g.batch_service_role = next.as_str().to_owned();
}

/// The Batch service role choice in words (the answers file says `seed`
/// or `service-linked`).
fn batch_role_choice(role: BatchServiceRole) -> &'static str {
    match role {
        BatchServiceRole::Seed => "the guide's own role",
        BatchServiceRole::ServiceLinked => "AWS's service-linked role",
    }
}

/// The chosen Batch service role and what it means, in two lines short
/// enough for 80 columns.
fn batch_role_tradeoff(role: BatchServiceRole) -> [&'static str; 2] {
    let first = match role {
        BatchServiceRole::Seed => {
            "AWSBatchServiceRole, as in the guide: onramp creates, tags and undoes it."
        }
        BatchServiceRole::ServiceLinked => {
            "AWSServiceRoleForBatch: AWS keeps its permissions current."
        }
    };
    [
        first,
        "A compute environment cannot switch to the other kind later.",
    ]
}

/// Copies a text field into the answers.
fn sync(app: &mut App, item: Item) {
    let Some(text) = app.options.field(item).map(TextField::text) else {
        return;
    };
    match item {
        Item::Prefix => app.answers.name_prefix = text,
        Item::Path => app.answers.path = text,
        Item::Boundary => app.answers.permissions_boundary = text,
        Item::Tags => match parse_tags(&text) {
            Ok(tags) => {
                app.answers.tags = tags;
                app.options.tags_problem = None;
            }
            Err(problem) => app.options.tags_problem = Some(problem),
        },
        _ => {}
    }
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let len = items(app).len();
    let item = focused(app);
    let text = item.is_some_and(Item::is_text);
    let delta = form_step(&key, text);
    if let Some(delta) = delta {
        app.options.cursor = step(app.options.cursor, delta, len);
        return Vec::new();
    }
    if key.code == KeyCode::Enter {
        if app.options.tags_problem.is_some() {
            app.flash =
                Some("fix the tags first: write them as Key=Value, separated by commas".into());
            return Vec::new();
        }
        return app.advance();
    }
    let Some(item) = item else {
        return Vec::new();
    };
    if text {
        if let Some(field) = app.options.field_mut(item)
            && field.input(key)
        {
            sync(app, item);
        }
    } else if item == Item::BatchRole {
        if matches!(
            key.code,
            KeyCode::Char(' ' | 'h' | 'l') | KeyCode::Left | KeyCode::Right
        ) {
            switch_batch_role(app);
        }
    } else if key.code == KeyCode::Char(' ') {
        toggle(app, item);
    }
    Vec::new()
}

fn flag(app: &App, item: Item) -> bool {
    let Some(g) = &app.answers.genomics else {
        return false;
    };
    match item {
        Item::Spot => g.spot,
        Item::JobRole => g.job_role,
        Item::PublicData => g.public_data_read,
        Item::EbsAutoscale => g.ebs_autoscale,
        _ => false,
    }
}

/// When AWS Batch needs the Spot Fleet role: `spotIamFleetRole` is required
/// only for the `BEST_FIT` allocation strategy or none (the Batch API's
/// `ComputeResource`); the other Spot strategies use the EC2 Spot
/// service-linked role instead.
pub const SPOT_FLEET_ROLE_WHEN: &str =
    "only BEST_FIT Spot (or no strategy) needs it; *_CAPACITY_OPTIMIZED do not";

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = app.theme();
    let block = panel("Options", true, theme);
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    // A note under a row, wrapped under its own start.
    let note = |text: &str, style| hanging(vec![Span::raw("     ")], text, style, width, 5);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    let mut cursor = None;
    for (i, item) in items(app).into_iter().enumerate() {
        let here = i == app.options.cursor;
        let label_style = if here { theme.selected() } else { theme.text() };
        let label = format!(" {:<42}", item.label());
        let mut spans = vec![Span::styled(label, label_style), Span::raw(" ")];
        if let Some(field) = app.options.field(item) {
            let value = field.text();
            if here {
                cursor = Some((lines.len(), 45 + field.cursor()));
            }
            spans.push(Span::styled(
                if value.is_empty() && !here {
                    "(none)".to_owned()
                } else {
                    value
                },
                if here { theme.key() } else { theme.text() },
            ));
        } else if item == Item::BatchRole {
            let role = app
                .answers
                .genomics
                .as_ref()
                .map_or(BatchServiceRole::Seed, Genomics::batch_service_role);
            spans.push(Span::styled(
                format!("◂ {} ▸", batch_role_choice(role)),
                theme.key(),
            ));
            lines.push(Line::from(spans));
            for text in batch_role_tradeoff(role) {
                lines.extend(note(text, theme.dim()));
            }
            spans = Vec::new();
        } else {
            let on = flag(app, item);
            spans.push(Span::styled(
                if on { "[x] on" } else { "[ ] off" },
                if on { theme.ok() } else { theme.dim() },
            ));
        }
        if !spans.is_empty() {
            lines.push(Line::from(spans));
        }
        if item == Item::Spot {
            lines.extend(note(SPOT_FLEET_ROLE_WHEN, theme.dim()));
        }
        let mut problems: Vec<String> = app
            .derived
            .errors_for(item.fields())
            .map(ToString::to_string)
            .collect();
        if item == Item::Tags
            && let Some(p) = &app.options.tags_problem
        {
            problems.insert(0, format!("tags: {p}"));
        }
        for p in problems.iter().take(2) {
            lines.extend(hanging(
                vec![Span::styled("     ✗ ", theme.error())],
                p,
                theme.error(),
                width,
                7,
            ));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Names get the prefix (ecsInstanceRole → <prefix>ecsInstanceRole); the path groups roles and policies (/ by default).",
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some((row, column)) = cursor {
        place_cursor(frame, inner, row, column);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_bad_ones_are_named() {
        let tags = parse_tags("Project=genomics, Owner = lab ,Empty=").unwrap();
        assert_eq!(tags.len(), 3);
        assert_eq!(tags["Owner"], "lab");
        assert_eq!(parse_tags(&tags_text(&tags)).unwrap(), tags);
        assert_eq!(parse_tags("oops").unwrap_err(), "`oops` is not Key=Value");
        assert!(parse_tags("=x").unwrap_err().contains("no key"));
        assert!(parse_tags("a=1,a=2").unwrap_err().contains("twice"));
    }
}
