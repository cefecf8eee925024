//! The wizard's one state and its pure `update`: an [`Action`] in, the state
//! changed, [`Effect`]s out. Nothing here touches the terminal, the network or
//! the disk; the screens (`screens/`) handle their own keys and drawing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};
use serde_json::Value;

use super::action::{Action, Effect, Observation};
use super::screens;
use super::theme::Theme;
use crate::answers::{Answers, Environment, FieldError, ValidAnswers, ValidationErrors};
use crate::cli::Outcome;
use crate::cloud::{Bucket, Identity, Quotas};
use crate::export::Format as ExportFormat;
use crate::plan::lint::{self, Finding};
use crate::plan::{self as planner, Plan, ResourceId};

/// The wizard's screens, in the order the console walkthrough takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Screen {
    Welcome,
    Scope,
    Buckets,
    Options,
    ParallelCluster,
    Review,
    Preview,
    Confirm,
    Apply,
    Summary,
}

impl Screen {
    pub const ALL: [Screen; 10] = [
        Screen::Welcome,
        Screen::Scope,
        Screen::Buckets,
        Screen::Options,
        Screen::ParallelCluster,
        Screen::Review,
        Screen::Preview,
        Screen::Confirm,
        Screen::Apply,
        Screen::Summary,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Welcome => "Welcome",
            Screen::Scope => "What to set up",
            Screen::Buckets => "Buckets",
            Screen::Options => "Options",
            Screen::ParallelCluster => "ParallelCluster",
            Screen::Review => "Review",
            Screen::Preview => "Policy preview",
            Screen::Confirm => "Confirm",
            Screen::Apply => "Apply",
            Screen::Summary => "Summary",
        }
    }

    /// 1-based position, for "step 3 of 10".
    pub fn number(self) -> usize {
        Screen::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }
}

/// Something read from the account in the background.
#[derive(Debug, Clone, PartialEq)]
pub enum Loading<T> {
    Loading,
    Ready(T),
    Failed(String),
}

impl<T> Loading<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Loading::Ready(t) => Some(t),
            _ => None,
        }
    }
}

/// One policy or trust document of the plan: the resource and the label
/// [`crate::plan::Resource::documents`] gives it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocRef {
    pub id: ResourceId,
    pub label: String,
}

/// What the command line gives the wizard.
#[derive(Debug, Clone)]
pub struct Config {
    /// The in-memory demo account is in use.
    pub demo: bool,
    /// Region and account from outside the answers.
    pub environment: Environment,
    /// The answers to start from.
    pub answers: Answers,
    /// Where `s` saves the answers (the file they came from, if any).
    pub answers_path: Option<PathBuf>,
    /// The journal file; else the default for the account and region.
    pub journal: Option<PathBuf>,
    /// The endpoint in use when it is not AWS's own, to show on the welcome screen.
    pub endpoint_url: Option<String>,
    /// Where exports are written; else the current directory.
    pub export_dir: Option<PathBuf>,
    pub theme: Theme,
}

/// A popup over the current screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// `q` with unsaved answers: quit anyway?
    ConfirmQuit,
    /// Ctrl-C or `q` during the apply: stop after the calls in flight?
    ConfirmStop,
    /// Esc in the editor with changes: discard them?
    DiscardEdit,
    /// `x` on the review or summary: which format to export?
    Export,
    /// Where the export went, or why it failed.
    Exported,
}

/// Everything the wizard knows.
#[derive(Debug, Clone)]
pub struct App {
    pub config: Config,
    pub screen: Screen,
    pub answers: Answers,
    /// The answers as last loaded or saved, to know whether quitting loses work.
    pub saved_answers: Answers,
    pub identity: Loading<Identity>,
    pub account_buckets: Loading<Vec<Bucket>>,
    /// Documents edited by hand; they replace the generated ones.
    pub edits: BTreeMap<DocRef, Value>,
    /// Answers → plan → lint, recomputed whenever the answers change.
    pub derived: Derived,
    pub scope: screens::scope::State,
    pub buckets: screens::buckets::State,
    pub options: screens::options::State,
    pub cluster: screens::parallelcluster::State,
    pub review: screens::review::State,
    pub preview: screens::preview::State,
    pub editor: Option<screens::editor::State>,
    pub confirm: screens::confirm::State,
    pub run: screens::apply::State,
    pub summary: screens::summary::State,
    /// The permission preflight for the caller and the current plan.
    pub preflight: super::preflight::State,
    /// The account's IAM quotas, which the plan is linted against once read
    /// (IAM's defaults until then, and when they cannot be read: `Failed`
    /// holds the note that says so).
    pub quotas: Loading<Quotas>,
    /// IAM Access Analyzer's findings on the documents previewed.
    pub analyzer: super::advice::Analyzer,
    pub overlay: Option<Overlay>,
    /// A one-line message in the footer until the next key.
    pub flash: Option<String>,
    /// Exports written in this session, for the summary.
    pub exports: Vec<(ExportFormat, PathBuf)>,
    /// The last export's result, for its overlay.
    pub export_outcome: Option<(ExportFormat, Result<PathBuf, String>)>,
    /// Animation frame for spinners.
    pub tick: usize,
    /// The terminal's size, as last reported.
    pub size: (u16, u16),
    /// The wizard's own exit code, once decided.
    pub exit: Option<u8>,
}

/// What follows from the answers.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    pub valid: Option<ValidAnswers>,
    pub errors: Vec<FieldError>,
    pub plan: Option<Plan>,
    /// Lint's findings, then one error per intent the plan (with its edits)
    /// does not hold, so an edit that takes away what a workload needs is
    /// caught before anything is created.
    pub findings: Vec<Finding>,
    /// Every intent of the plan with its verdict.
    pub intents: Vec<crate::verify::Outcome>,
}

impl Derived {
    /// Validation errors of the fields whose path starts with one of `prefixes`.
    pub fn errors_for<'a>(&'a self, prefixes: &'a [&str]) -> impl Iterator<Item = &'a FieldError> {
        self.errors.iter().filter(move |e| {
            prefixes.iter().any(|p| {
                e.field == *p
                    || e.field.starts_with(&format!("{p}."))
                    || e.field.starts_with(&format!("{p}["))
            })
        })
    }
}

impl App {
    /// The wizard before anything is known of the account; `effects` are
    /// what to start with (connecting).
    pub fn new(config: Config) -> (App, Vec<Effect>) {
        let answers = config.answers.clone();
        let mut app = App {
            screen: Screen::Welcome,
            saved_answers: answers.clone(),
            identity: Loading::Loading,
            account_buckets: Loading::Loading,
            edits: BTreeMap::new(),
            derived: Derived::default(),
            scope: screens::scope::State::default(),
            buckets: screens::buckets::State::default(),
            options: screens::options::State::from_answers(&answers),
            cluster: screens::parallelcluster::State::from_answers(&answers),
            review: screens::review::State::default(),
            preview: screens::preview::State::default(),
            editor: None,
            confirm: screens::confirm::State::default(),
            run: screens::apply::State::default(),
            summary: screens::summary::State::default(),
            preflight: super::preflight::State::default(),
            quotas: Loading::Loading,
            analyzer: super::advice::Analyzer::default(),
            overlay: None,
            flash: None,
            exports: Vec::new(),
            export_outcome: None,
            tick: 0,
            size: (0, 0),
            exit: None,
            answers,
            config,
        };
        app.scope = screens::scope::State::from_answers(&app.answers);
        app.refresh();
        (app, vec![Effect::Connect])
    }

    pub fn theme(&self) -> Theme {
        self.config.theme
    }

    /// Whether quitting now would lose something: unsaved answers or an apply in flight.
    pub fn work_pending(&self) -> bool {
        self.answers != self.saved_answers || self.run.in_flight()
    }

    /// Whether anything animates (a spinner), so the loop needs ticks.
    pub fn animating(&self) -> bool {
        matches!(self.identity, Loading::Loading)
            || matches!(self.account_buckets, Loading::Loading)
            || (self.review.observed_for.is_some()
                && matches!(self.review.observed, Loading::Loading))
            || self.run.in_flight()
            || matches!(self.summary.verified, Some(Loading::Loading))
            || self.preflight.status == super::preflight::Status::Running
            || super::advice::validating(self)
    }

    /// Where `s` writes the answers.
    pub fn answers_path(&self) -> PathBuf {
        self.config
            .answers_path
            .clone()
            .unwrap_or_else(|| PathBuf::from("onramp-answers.toml"))
    }

    /// Re-validates and re-plans after the answers or edits changed.
    pub fn refresh(&mut self) {
        let mut environment = self.config.environment.clone();
        if let Some(identity) = self.identity.ready() {
            environment.account_id = Some(identity.account_id.clone());
        }
        let mut derived = Derived::default();
        match self.answers.validate(&environment) {
            Ok(valid) => {
                if let Some(identity) = self.identity.ready()
                    && let Err(e) = valid.check_caller_partition(&identity.partition, &identity.arn)
                {
                    derived.errors.push(e);
                }
                match planner::plan(&valid) {
                    Ok(mut plan) => {
                        self.apply_edits(&mut plan);
                        let quotas = super::advice::lint_quotas(&self.quotas);
                        derived.findings = lint::lint_with(&plan, &quotas);
                        let intents = crate::verify::intents(&valid, &plan);
                        derived.intents = crate::verify::check(&intents, |s| {
                            crate::verify::offline::evidence(&plan, s)
                        });
                        derived
                            .findings
                            .extend(crate::verify::failures_as_findings(&derived.intents));
                        // Errors first, wherever findings are listed in a
                        // panel that may be too short for all of them.
                        derived.findings.sort_by_key(|f| f.level);
                        derived.plan = Some(plan);
                    }
                    Err(e) => derived.errors.push(FieldError {
                        field: "plan".into(),
                        message: format!("internal error: {e}"),
                    }),
                }
                derived.valid = Some(valid);
            }
            Err(ValidationErrors(errors)) => derived.errors = errors,
        }
        self.derived = derived;
        self.preview.clamp(self.documents().len());
    }

    /// Replaces generated documents with the ones edited by hand. Edits of
    /// documents no longer in the plan are kept (the user may come back).
    fn apply_edits(&self, plan: &mut Plan) {
        for (doc, value) in &self.edits {
            let Some(resource) = plan.resources.iter_mut().find(|r| r.id() == doc.id) else {
                continue;
            };
            if let Some(document) = resource.document_mut(&doc.label) {
                *document = value.clone();
                resource
                    .notes
                    .push(format!("{} edited by hand in the wizard", doc.label));
            }
        }
    }

    /// Every document of the plan, in plan order.
    pub fn documents(&self) -> Vec<DocRef> {
        self.derived
            .plan
            .iter()
            .flat_map(|plan| plan.resources.iter())
            .flat_map(|r| {
                r.documents()
                    .into_iter()
                    .map(move |(label, _)| DocRef { id: r.id(), label })
            })
            .collect()
    }

    /// The observation of one planned resource, once read.
    pub fn observation(&self, id: &ResourceId) -> Option<&Observation> {
        self.review
            .observed
            .ready()?
            .iter()
            .find(|o| o.change.id() == *id)
    }

    /// The screen after the current one, skipping what does not apply.
    pub fn next_screen(&self) -> Option<Screen> {
        let position = Screen::ALL.iter().position(|s| *s == self.screen)?;
        Screen::ALL[position + 1..]
            .iter()
            .copied()
            .find(|s| self.screen_applies(*s))
    }

    /// The screen before the current one, skipping what does not apply.
    pub fn previous_screen(&self) -> Option<Screen> {
        let position = Screen::ALL.iter().position(|s| *s == self.screen)?;
        Screen::ALL[..position]
            .iter()
            .rev()
            .copied()
            .find(|s| self.screen_applies(*s))
    }

    fn screen_applies(&self, screen: Screen) -> bool {
        match screen {
            Screen::Buckets => self.genomics_enabled(),
            Screen::ParallelCluster => self.cluster_enabled(),
            _ => true,
        }
    }

    pub fn genomics_enabled(&self) -> bool {
        self.answers.genomics.as_ref().is_some_and(|g| g.enabled)
    }

    pub fn cluster_enabled(&self) -> bool {
        self.answers
            .parallelcluster
            .as_ref()
            .is_some_and(|p| p.enabled)
    }

    /// Moves to `screen`, starting what it needs (reading the account for the review).
    pub fn go(&mut self, screen: Screen) -> Vec<Effect> {
        self.screen = screen;
        match screen {
            Screen::Review | Screen::Preview => self.observe_if_stale(),
            // Where the preflight is shown: checked again if what the plan
            // needs changed since.
            Screen::Welcome => super::preflight::check_if_stale(self),
            Screen::Confirm => {
                let mut effects = self.observe_if_stale();
                effects.extend(super::preflight::check_if_stale(self));
                effects
            }
            _ => Vec::new(),
        }
    }

    /// Goes on to the next screen if the current one allows it.
    pub fn advance(&mut self) -> Vec<Effect> {
        if let Some(blocker) = screens::blocker(self) {
            self.flash = Some(blocker);
            return Vec::new();
        }
        match self.next_screen() {
            Some(next) => self.go(next),
            None => Vec::new(),
        }
    }

    /// Esc: back one screen (never from the apply while it runs).
    pub fn back(&mut self) -> Vec<Effect> {
        if self.screen == Screen::Apply && self.run.in_flight() {
            self.flash = Some("the apply is running; press Ctrl-C to stop it".into());
            return Vec::new();
        }
        if self.screen == Screen::Summary || self.screen == Screen::Apply {
            // After an apply, going back means reviewing the account afresh.
            self.review.observed_for = None;
            return self.go(Screen::Review);
        }
        match self.previous_screen() {
            Some(previous) => self.go(previous),
            None => Vec::new(),
        }
    }

    /// Starts reading the account when the plan changed since the last read.
    pub fn observe_if_stale(&mut self) -> Vec<Effect> {
        let Some(plan) = &self.derived.plan else {
            return Vec::new();
        };
        if self.review.observed_for.as_ref() == Some(plan) {
            return Vec::new();
        }
        self.review.generation += 1;
        self.review.observed_for = Some(plan.clone());
        self.review.observed = Loading::Loading;
        vec![Effect::Observe {
            generation: self.review.generation,
            plan: Box::new(plan.clone()),
        }]
    }

    /// Whether the focused element takes typed characters, so single-letter
    /// shortcuts (`q`, `s`, `?`, `j`, `k`) must not fire.
    pub fn typing(&self) -> bool {
        self.editor.is_some() || screens::typing(self)
    }
}

/// The pure transition: applies `action` to `app` and returns what to do.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    if matches!(action, Action::Tick) {
        // The spinner's next frame, several times a second: it changes
        // neither the answers nor the document shown, so nothing below
        // (compare, refresh, ask Access Analyzer) has anything to do.
        app.tick = app.tick.wrapping_add(1);
        return Vec::new();
    }
    // Edits refresh where they are made (editor save, preview `x`); answers
    // change in many places, so they are compared here once.
    let answers_before = app.answers.clone();
    let mut effects = match action {
        Action::Key(key) if key.kind == KeyEventKind::Press => {
            app.flash = None;
            on_key(app, key)
        }
        // Releases and repeats; ticks are handled above.
        Action::Key(_) | Action::Tick => Vec::new(),
        Action::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollDown => screens::scroll(app, 3),
            MouseEventKind::ScrollUp => screens::scroll(app, -3),
            _ => Vec::new(),
        },
        Action::Resize(w, h) => {
            app.size = (w, h);
            Vec::new()
        }
        Action::Connected(result) => {
            let ok = result.is_ok();
            app.identity = match result {
                Ok(identity) => Loading::Ready(identity),
                Err(problem) => Loading::Failed(problem),
            };
            app.refresh();
            if ok {
                // A new connection may be a new caller, or the same one
                // with the permissions it lacked: check again.
                app.preflight.checked_for = None;
                let mut effects = vec![Effect::ListBuckets, super::advice::connected(app)];
                effects.extend(super::preflight::check_if_stale(app));
                effects
            } else {
                app.account_buckets = Loading::Failed("not connected".into());
                Vec::new()
            }
        }
        Action::BucketsLoaded(result) => {
            app.account_buckets = match result {
                Ok(buckets) => Loading::Ready(buckets),
                Err(problem) => Loading::Failed(problem),
            };
            Vec::new()
        }
        Action::Preflighted {
            generation,
            outcome,
        } => {
            super::preflight::finished(app, generation, outcome);
            Vec::new()
        }
        Action::QuotasRead(result) => {
            super::advice::quotas_read(app, result);
            Vec::new()
        }
        Action::Validated { kind, text, result } => {
            super::advice::validated(app, kind, text, result);
            Vec::new()
        }
        Action::Observed { generation, result } => {
            if generation == app.review.generation {
                app.review.observed = match result {
                    Ok(observations) => Loading::Ready(observations),
                    Err(problem) => Loading::Failed(problem),
                };
            }
            Vec::new()
        }
        Action::Progress(event) => {
            app.run.on_event(event);
            Vec::new()
        }
        Action::Applied(result) => {
            let created = result.is_ok();
            app.run.finish(result);
            if app.overlay == Some(Overlay::ConfirmStop) {
                app.overlay = None;
            }
            match (&app.derived.valid, &app.derived.plan) {
                (Some(valid), Some(plan)) if created => {
                    app.summary.verified = Some(Loading::Loading);
                    vec![Effect::Verify {
                        intents: crate::verify::intents(valid, plan),
                        plan: Box::new(plan.clone()),
                    }]
                }
                _ => Vec::new(),
            }
        }
        Action::Verified(result) => {
            app.summary.verified = Some(match result {
                Ok(outcomes) => Loading::Ready(outcomes),
                Err(why) => Loading::Failed(why),
            });
            Vec::new()
        }
        Action::Exported { format, result } => {
            super::export::finished(app, format, result);
            Vec::new()
        }
        Action::Saved(result) => {
            match result {
                Ok(path) => {
                    app.flash = Some(format!("saved the answers to {}", path.display()));
                    app.saved_answers = app.answers.clone();
                }
                Err(problem) => app.flash = Some(format!("could not save the answers: {problem}")),
            }
            Vec::new()
        }
    };
    if app.answers != answers_before {
        app.refresh();
    }
    // Whatever changed the document the preview shows (another document,
    // an edit, a new plan), Access Analyzer is asked about it once.
    effects.extend(super::advice::validate_if_needed(app));
    effects
}

fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if ctrl(&key, 'c') {
        return interrupt(app);
    }
    if ctrl(&key, 'z') {
        return vec![Effect::Suspend];
    }
    if let Some(overlay) = app.overlay {
        return on_overlay_key(app, overlay, key);
    }
    if ctrl(&key, 's') && app.editor.is_none() {
        return save(app);
    }
    if key.code == KeyCode::F(1) {
        app.overlay = Some(Overlay::Help);
        return Vec::new();
    }
    if app.editor.is_some() {
        return screens::editor::on_key(app, key);
    }
    if !app.typing() {
        match key.code {
            KeyCode::Char('?') => {
                app.overlay = Some(Overlay::Help);
                return Vec::new();
            }
            KeyCode::Char('q') => return quit(app),
            KeyCode::Char('s') => return save(app),
            _ => {}
        }
    }
    if key.code == KeyCode::Esc {
        return app.back();
    }
    screens::on_key(app, key)
}

/// Ctrl-C: asks before stopping an apply; otherwise leaves at once.
fn interrupt(app: &mut App) -> Vec<Effect> {
    if app.run.in_flight() {
        if app.overlay == Some(Overlay::ConfirmStop) {
            // A second Ctrl-C is the answer.
            app.overlay = None;
            return stop(app);
        }
        app.overlay = Some(Overlay::ConfirmStop);
        return Vec::new();
    }
    vec![Effect::Quit(app.exit_code())]
}

fn quit(app: &mut App) -> Vec<Effect> {
    if app.run.in_flight() {
        app.overlay = Some(Overlay::ConfirmStop);
        return Vec::new();
    }
    if app.work_pending() {
        app.overlay = Some(Overlay::ConfirmQuit);
        return Vec::new();
    }
    vec![Effect::Quit(app.exit_code())]
}

fn stop(app: &mut App) -> Vec<Effect> {
    app.run.stopping = true;
    vec![Effect::StopApply]
}

fn save(app: &mut App) -> Vec<Effect> {
    vec![Effect::SaveAnswers {
        path: app.answers_path(),
        text: app.answers.to_toml(),
    }]
}

impl App {
    /// 130 when the last apply was stopped on request (as `apply --yes`
    /// exits after Ctrl-C), 1 when it failed, else 0.
    pub fn exit_code(&self) -> u8 {
        match &self.run.result {
            Some(Err(_)) if self.run.stopping => Outcome::Interrupted as u8,
            Some(Err(_)) => Outcome::Failure as u8,
            _ => Outcome::Success as u8,
        }
    }
}

fn on_overlay_key(app: &mut App, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
    let yes = matches!(key.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter);
    let no = matches!(key.code, KeyCode::Char('n' | 'N') | KeyCode::Esc);
    match overlay {
        Overlay::Help => {
            app.overlay = None;
            Vec::new()
        }
        Overlay::ConfirmQuit if yes => vec![Effect::Quit(app.exit_code())],
        Overlay::ConfirmStop if yes => {
            app.overlay = None;
            if app.run.in_flight() {
                stop(app)
            } else {
                Vec::new()
            }
        }
        Overlay::Export => super::export::on_menu_key(app, key),
        Overlay::Exported => {
            app.overlay = None;
            Vec::new()
        }
        Overlay::DiscardEdit if yes => {
            app.overlay = None;
            app.editor = None;
            Vec::new()
        }
        _ if no => {
            app.overlay = None;
            Vec::new()
        }
        _ => Vec::new(),
    }
}
