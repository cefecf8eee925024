//! The wizard's one state and its pure `update`: an [`Action`] in, the state
//! changed, [`Effect`]s out. Nothing here touches the terminal, the network or
//! the disk; the screens (`screens/`) handle their own keys and drawing.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};
use serde_json::Value;

use super::action::{Action, Effect, Observation};
use super::screens;
use super::theme::Theme;
use super::widgets::chrome::{MIN_HEIGHT, MIN_WIDTH};
use crate::answers::edit::Edit;
use crate::answers::{Answers, Environment, FieldError, ValidAnswers, ValidationErrors};
use crate::cli::Outcome;
use crate::cloud::{Bucket, CloudError, Identity, Quotas};
use crate::export::Format as ExportFormat;
use crate::plan::lint::Finding;
use crate::plan::{self as planner, Plan, ResourceId};

/// The wizard's screens, in the order the console walkthrough takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Screen {
    Welcome,
    Scope,
    Buckets,
    Options,
    ParallelCluster,
    Omics,
    Review,
    Preview,
    Confirm,
    Apply,
    Summary,
}

impl Screen {
    pub const ALL: [Screen; 11] = [
        Screen::Welcome,
        Screen::Scope,
        Screen::Buckets,
        Screen::Options,
        Screen::ParallelCluster,
        Screen::Omics,
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
            Screen::Omics => "HealthOmics",
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
    /// The read failed: the account's error, whose kind the screens decide
    /// by and whose `Display` they show.
    Failed(CloudError),
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
    /// `--profile`, repeated in the commands the wizard prints.
    pub profile: Option<String>,
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
    /// `o` on the review: what to do with a resource that exists and that
    /// onramp did not make (the review's `choosing` says which).
    Existing,
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
    /// Hand edits whose document the plan does not have now (a toggle took
    /// it away): kept aside so that they come back with it, and left out of
    /// the answers (and so of what is saved) meanwhile. The live edits are
    /// the answers' own `edits`.
    pub parked_edits: Vec<Edit>,
    /// Answers → plan → lint, recomputed whenever the answers change.
    pub derived: Derived,
    pub scope: screens::scope::State,
    pub buckets: screens::buckets::State,
    pub options: screens::options::State,
    pub cluster: screens::parallelcluster::State,
    pub omics: screens::omics::State,
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
    /// holds why, which a note tells once).
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
            parked_edits: Vec::new(),
            derived: Derived::default(),
            scope: screens::scope::State::default(),
            buckets: screens::buckets::State::default(),
            options: screens::options::State::from_answers(&answers),
            cluster: screens::parallelcluster::State::from_answers(&answers),
            omics: screens::omics::State::from_answers(&answers),
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
        app.refresh();
        (app, vec![Effect::Connect])
    }

    pub fn theme(&self) -> Theme {
        self.config.theme
    }

    /// Whether quitting now would lose something: unsaved answers or an apply in flight.
    pub fn work_pending(&self) -> bool {
        meaning_of(&self.answers) != meaning_of(&self.saved_answers) || self.run.in_flight()
    }

    /// The region the plan is for, from the first frame: the answers' own,
    /// else `--region`, else `AWS_REGION` / `AWS_DEFAULT_REGION` (as
    /// validation resolves it). Known before the answers are valid (no
    /// bucket chosen yet, say); `None` when not set, not a region name, or
    /// the answers and `--region` disagree (validation then says why).
    pub fn region(&self) -> Option<&str> {
        if let Some(valid) = &self.derived.valid {
            return Some(valid.target().region.as_str());
        }
        let environment = &self.config.environment;
        if let (Some(file), Some(flag)) = (&self.answers.region, &environment.region_flag)
            && file != flag
        {
            return None;
        }
        self.answers
            .region
            .as_deref()
            .or(environment.region_flag.as_deref())
            .or(environment.region_env.as_deref())
            .filter(|r| crate::iam::rules::region(r).is_ok())
    }

    /// Whether the terminal, as last reported, is too small to show the
    /// wizard (the view then shows only a message). An unknown size (0×0,
    /// before the first report) is not too small.
    pub fn too_small(&self) -> bool {
        let (width, height) = self.size;
        self.size != (0, 0) && (width < MIN_WIDTH || height < MIN_HEIGHT)
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
        // Parked edits go back first: their document may be planned again.
        self.answers.edits.append(&mut self.parked_edits);
        self.answers
            .edits
            .sort_by(|a, b| (a.kind, &a.name, &a.document).cmp(&(b.kind, &b.name, &b.document)));
        self.derived = self.derive();
        let unmatched: Vec<usize> = self
            .derived
            .plan
            .iter()
            .flat_map(|p| &p.edits)
            .filter(|o| o.state == crate::plan::edits::State::Unmatched)
            .map(|o| o.index)
            .collect();
        if !unmatched.is_empty() {
            let (parked, live) = std::mem::take(&mut self.answers.edits)
                .into_iter()
                .enumerate()
                .partition::<Vec<_>, _>(|(i, _)| unmatched.contains(i));
            self.answers.edits = live.into_iter().map(|(_, e)| e).collect();
            self.parked_edits = parked.into_iter().map(|(_, e)| e).collect();
            self.derived = self.derive();
        }
        self.derived.findings.extend(self.parked_findings());
        self.derived.findings.sort_by_key(|f| f.level);
        self.preview.clamp(self.documents().len());
    }

    /// Region and account from outside the answers, the account the
    /// connected caller's once known: what the answers are validated with.
    pub fn environment(&self) -> Environment {
        let mut environment = self.config.environment.clone();
        if let Some(identity) = self.identity.ready() {
            environment.account_id = Some(identity.account_id.clone());
        }
        environment
    }

    /// Answers → plan (with the live edits) → lint and intents.
    fn derive(&self) -> Derived {
        let environment = self.environment();
        let mut derived = Derived::default();
        match self.answers.validate(&environment) {
            Ok(valid) => {
                if let Some(identity) = self.identity.ready()
                    && let Err(e) = valid.check_caller_partition(&identity.partition, &identity.arn)
                {
                    derived.errors.push(e);
                }
                match planner::plan(&valid) {
                    Ok(plan) => {
                        let quotas = super::advice::lint_quotas(&self.quotas);
                        (derived.findings, derived.intents) =
                            crate::verify::offline::checked(&valid, &plan, &quotas);
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
        derived
    }

    /// One note per parked edit, so that setting one aside is never silent.
    fn parked_findings(&self) -> Vec<Finding> {
        self.parked_edits
            .iter()
            .map(|e| Finding {
                level: crate::plan::lint::Level::Warning,
                code: "edit-aside",
                resource: e.name.clone(),
                message: format!(
                    "your edit of the {} is kept aside: the plan has no such document now; \
                     it comes back when the document does, and is not saved meanwhile",
                    crate::answers::edit::describe(&e.id(), &e.document)
                ),
            })
            .collect()
    }

    /// The hand edit of `doc`, if it has one.
    pub fn edit_of(&self, doc: &DocRef) -> Option<&Edit> {
        self.answers
            .edits
            .iter()
            .find(|e| e.is_of(&doc.id, &doc.label))
    }

    /// What became of `doc`'s edit in the plan: applied, or made from a
    /// document onramp no longer generates.
    pub fn edit_outcome(&self, doc: &DocRef) -> Option<&crate::plan::edits::Outcome> {
        self.derived
            .plan
            .as_ref()?
            .edits
            .iter()
            .find(|o| o.id == doc.id && o.label == doc.label)
    }

    /// Saves `document` as the hand edit of `doc`, made from what onramp
    /// generates for it now (so saving again settles an edit made from an
    /// older document).
    pub fn save_edit(&mut self, doc: &DocRef, document: &Value) {
        let generated = match self.edit_outcome(doc).and_then(|o| o.generated()) {
            Some(generated) => generated.clone(),
            None => match self
                .derived
                .plan
                .as_ref()
                .and_then(|p| screens::preview::document(p, doc))
            {
                Some(generated) => generated.clone(),
                None => return,
            },
        };
        self.drop_edit(doc);
        self.answers
            .edits
            .push(Edit::new(&doc.id, &doc.label, &generated, document));
        self.refresh();
    }

    /// Drops `doc`'s hand edit; whether it had one.
    pub fn drop_edit(&mut self, doc: &DocRef) -> bool {
        let before = self.answers.edits.len();
        self.answers.edits.retain(|e| !e.is_of(&doc.id, &doc.label));
        self.answers.edits.len() != before
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
            Screen::Omics => screens::scope::enabled(&self.answers, screens::scope::Part::Omics),
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
            journal: screens::confirm::journal_path(self, plan),
            plan: Box::new(plan.clone()),
        }]
    }

    /// Whether the focused element takes typed characters, so single-letter
    /// shortcuts (`q`, `s`, `?`, `j`, `k`) must not fire.
    pub fn typing(&self) -> bool {
        self.editor.is_some() || screens::typing(self)
    }
}

/// The answers as far as what they set up goes, to tell whether anything
/// is unsaved: the order buckets were picked in, and a part turned off
/// with nothing chosen in it (from visiting the scope screen), make no
/// difference.
fn meaning_of(answers: &Answers) -> Answers {
    let mut answers = answers.clone();
    if let Some(g) = &mut answers.genomics {
        as_a_set(&mut g.buckets);
        as_a_set(&mut g.job_role_policy_arns);
    }
    if let Some(o) = &mut answers.omics {
        as_a_set(&mut o.buckets);
        as_a_set(&mut o.read_only_buckets);
    }
    drop_if_untouched(&mut answers.genomics, |g| g.enabled = false);
    drop_if_untouched(&mut answers.parallelcluster, |p| p.enabled = false);
    drop_if_untouched(&mut answers.omics, |o| o.enabled = false);
    answers
}

/// A list whose order and repeats mean nothing, sorted and deduplicated.
fn as_a_set(list: &mut Vec<String>) {
    list.sort();
    list.dedup();
}

/// Drops a part that is its default turned off (by `off`): one the scope
/// screen turned on and off again, with nothing chosen in it.
fn drop_if_untouched<T: Default + PartialEq>(part: &mut Option<T>, off: impl FnOnce(&mut T)) {
    let mut untouched = T::default();
    off(&mut untouched);
    if part.as_ref() == Some(&untouched) {
        *part = None;
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
    // Edits refresh where they are made (editor save, preview `u`); answers
    // change in many places, so they are compared here once.
    let answers_before = app.answers.clone();
    let mut effects = match action {
        // Behind the "terminal too small" message the screen cannot be
        // seen, so no key may act on it: only quitting works there.
        Action::Key(key) if key.kind == KeyEventKind::Press && app.too_small() => {
            on_hidden_key(app, key)
        }
        Action::Key(key) if key.kind == KeyEventKind::Press => {
            app.flash = None;
            on_key(app, key)
        }
        // Releases and repeats; ticks are handled above.
        Action::Key(_) | Action::Tick => Vec::new(),
        Action::Mouse(_) if app.too_small() => Vec::new(),
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
            // Without a connection there are no buckets to list either:
            // the bucket list says why.
            let unlisted = result.as_ref().err().cloned();
            app.identity = match result {
                Ok(identity) => Loading::Ready(identity),
                Err(problem) => Loading::Failed(problem),
            };
            app.refresh();
            if let Some(problem) = unlisted {
                app.account_buckets = Loading::Failed(problem);
                Vec::new()
            } else {
                // A new connection may be a new caller, or the same one
                // with the permissions it lacked: check again.
                app.preflight.checked_for = None;
                let mut effects = vec![Effect::ListBuckets, super::advice::connected(app)];
                effects.extend(super::preflight::check_if_stale(app));
                effects
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
        Action::Observed {
            generation,
            result,
            journal,
        } => {
            if generation == app.review.generation {
                app.review.journal = journal;
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

/// A key while the terminal is too small to show the wizard: Ctrl-C and
/// `q` quit (asking as usual: the too-small message shows the question, and
/// its answer is taken), Ctrl-Z suspends; everything else is ignored.
fn on_hidden_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if ctrl(&key, 'c') {
        return interrupt(app);
    }
    if ctrl(&key, 'z') {
        return vec![Effect::Suspend];
    }
    if let Some(overlay @ (Overlay::ConfirmQuit | Overlay::ConfirmStop)) = app.overlay {
        return on_overlay_key(app, overlay, key);
    }
    if key.code == KeyCode::Char('q') && !key.modifiers.contains(KeyModifiers::CONTROL) {
        return quit(app);
    }
    Vec::new()
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
        // A field or a step-through is left before the screen.
        return screens::on_esc(app).unwrap_or_else(|| app.back());
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
        return ask_to_stop(app);
    }
    vec![Effect::Quit(app.exit_code())]
}

/// Asks whether to stop the apply; no new call starts while it asks.
fn ask_to_stop(app: &mut App) -> Vec<Effect> {
    if app.overlay == Some(Overlay::ConfirmStop) {
        return Vec::new();
    }
    app.overlay = Some(Overlay::ConfirmStop);
    vec![Effect::PauseApply]
}

fn quit(app: &mut App) -> Vec<Effect> {
    if app.run.in_flight() {
        return ask_to_stop(app);
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
    app.pin_target();
    vec![Effect::SaveAnswers {
        path: app.answers_path(),
        text: app.answers.to_toml(),
    }]
}

impl App {
    /// Writes the region and account the wizard planned for into the
    /// answers, so that replaying the saved file targets the same ones (and
    /// refuses other credentials) instead of whatever the environment says
    /// then.
    fn pin_target(&mut self) {
        let Some(valid) = &self.derived.valid else {
            return;
        };
        let target = valid.target().clone();
        if self.answers.region.is_none() {
            self.answers.region = Some(target.region);
        }
        if self.answers.account_id.is_none() {
            self.answers.account_id = Some(target.account_id);
        }
        self.refresh();
    }

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
        // Keep going: calls start again.
        Overlay::ConfirmStop if no => {
            app.overlay = None;
            vec![Effect::ResumeApply]
        }
        Overlay::Export => super::export::on_menu_key(app, key),
        Overlay::Existing => super::existing::on_menu_key(app, key),
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
