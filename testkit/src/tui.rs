//! Drives the real wizard core (App, update, Worker, render) without a
//! terminal: keys go through `update`, effects run on the real `Worker`
//! against an in-memory account, and the screen is drawn on a TestBackend.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use onramp::answers::{Answers, Environment};
use onramp::cloud::Cloud;
use onramp::cloud::counting::CountingCloud;
use onramp::cloud::memory::MemoryCloud;
use onramp::iam::action::Action as Api;
use onramp::tui::action::{Action, Effect};
use onramp::tui::app::{App, Config, Screen, update};
use onramp::tui::theme::Theme;
use onramp::tui::view;
use onramp::tui::worker::{Connector, Worker};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use tokio::sync::mpsc::UnboundedReceiver;

/// The demo's configuration, journal in `dir`.
pub fn demo_config(dir: &Path, theme: Theme) -> Config {
    Config {
        demo: true,
        environment: Environment {
            region_flag: None,
            region_env: Some("us-east-1".into()),
            account_id: None,
        },
        answers: Answers::demo(),
        answers_path: Some(dir.join("answers.toml")),
        journal: Some(dir.join("demo.journal.jsonl")),
        endpoint_url: None,
        profile: None,
        export_dir: Some(dir.to_path_buf()),
        theme,
    }
}

/// A trust policy other than any onramp plans: Lambda's.
pub fn lambda_trust() -> serde_json::Value {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
}

/// A policy the plan never attaches, attached to the first role
/// [`made_by_hand`] makes.
pub const NOT_PLANNED: &str = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

/// The demo account with roles made by hand, as the console makes them
/// (no onramp tag): each trusts Lambda, and the first has
/// [`NOT_PLANNED`] attached.
pub fn made_by_hand(names: &[&str]) -> Arc<MemoryCloud> {
    let cloud = Arc::new(MemoryCloud::demo());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        for name in names {
            cloud
                .create_role(onramp::cloud::NewRole {
                    name,
                    path: "/",
                    description: "made by hand",
                    trust_policy: &lambda_trust(),
                    permissions_boundary: None,
                    tags: &Default::default(),
                })
                .await
                .unwrap();
        }
        if let Some(first) = names.first() {
            cloud.attach_role_policy(first, NOT_PLANNED).await.unwrap();
        }
    });
    cloud
}

pub struct Driver {
    pub app: App,
    pub cloud: Arc<MemoryCloud>,
    pub dir: tempfile::TempDir,
    pub exit: Option<u8>,
    pub suspended: usize,
    /// A temporary directory to hide in snapshots.
    pub redact_from: Option<String>,
    worker: Worker,
    results: UnboundedReceiver<Action>,
    runtime: tokio::runtime::Runtime,
    /// Effects started whose answer has not come back yet.
    outstanding: usize,
    /// With [`Driver::counting`]: the worker's cloud, which counts every call.
    pub counted: Option<Arc<CountingCloud<MemoryCloud>>>,
}

impl Driver {
    /// The demo wizard, connected (the welcome screen shows the account).
    pub fn demo() -> Driver {
        Driver::with(
            |dir| demo_config(dir, Theme::COLOR),
            Arc::new(MemoryCloud::demo()),
        )
    }

    pub fn with(config: impl FnOnce(&Path) -> Config, cloud: Arc<MemoryCloud>) -> Driver {
        let worker_cloud = Arc::clone(&cloud) as Arc<dyn Cloud>;
        Driver::start(config, cloud, worker_cloud)
    }

    /// The wizard on the demo account behind a [`CountingCloud`], so a test
    /// can tell that nothing was changed ([`Driver::mutating_calls`]). The
    /// account is `counted`'s inner cloud; `cloud` is a demo account of its
    /// own that the worker never uses.
    pub fn counting(config: impl FnOnce(&Path) -> Config) -> Driver {
        let counted = Arc::new(CountingCloud::new(MemoryCloud::demo()));
        let worker_cloud = Arc::clone(&counted) as Arc<dyn Cloud>;
        let mut driver = Driver::start(config, Arc::new(MemoryCloud::demo()), worker_cloud);
        driver.counted = Some(counted);
        driver
    }

    /// The wizard on `account` behind a [`CountingCloud`], like
    /// [`Driver::counting`] but on an account the test made.
    pub fn counting_on(account: MemoryCloud, config: impl FnOnce(&Path) -> Config) -> Driver {
        let counted = Arc::new(CountingCloud::new(account));
        let worker_cloud = Arc::clone(&counted) as Arc<dyn Cloud>;
        let mut driver = Driver::start(config, Arc::new(MemoryCloud::demo()), worker_cloud);
        driver.counted = Some(counted);
        driver
    }

    /// Calls of `action` so far (a counting driver only).
    pub fn calls_of(&self, action: Api) -> usize {
        self.counted
            .as_ref()
            .expect("a counting driver")
            .calls()
            .get(&action)
            .copied()
            .unwrap_or(0)
    }

    /// Fails unless the last apply succeeded, showing its result.
    #[track_caller]
    pub fn assert_applied(&self) {
        assert!(
            matches!(self.app.run.result, Some(Ok(_))),
            "{:?}",
            self.app.run.result
        );
    }

    /// Calls that changed the account so far (a [`Driver::counting`] driver only).
    pub fn mutating_calls(&self) -> usize {
        self.counted
            .as_ref()
            .expect("a driver made by Driver::counting")
            .mutating_calls()
    }

    fn start(
        config: impl FnOnce(&Path) -> Config,
        cloud: Arc<MemoryCloud>,
        worker_cloud: Arc<dyn Cloud>,
    ) -> Driver {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (tx, results) = tokio::sync::mpsc::unbounded_channel();
        let connector = Connector::Ready(worker_cloud);
        let worker = {
            let _guard = runtime.enter();
            Worker::new(connector, tx)
        };
        let (app, effects) = App::new(config(dir.path()));
        let mut driver = Driver {
            app,
            cloud,
            dir,
            exit: None,
            suspended: 0,
            redact_from: None,
            worker,
            results,
            runtime,
            outstanding: 0,
            counted: None,
        };
        driver.run(effects);
        driver.settle();
        driver
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Quit(code) => self.exit = Some(code),
                Effect::Suspend => self.suspended += 1,
                // Answered by nothing: they only steer the apply running.
                effect @ (Effect::StopApply | Effect::PauseApply | Effect::ResumeApply) => {
                    let _guard = self.runtime.enter();
                    self.worker.run(effect);
                }
                other => {
                    self.outstanding += 1;
                    let _guard = self.runtime.enter();
                    self.worker.run(other);
                }
            }
        }
    }

    /// Feeds actions from the worker until every effect has answered.
    pub fn settle(&mut self) {
        while self.outstanding > 0 {
            let action = self
                .runtime
                .block_on(async {
                    tokio::time::timeout(Duration::from_secs(30), self.results.recv()).await
                })
                .expect("the worker answers within 30 s")
                .expect("the worker is alive");
            if matches!(
                action,
                Action::Connected(_)
                    | Action::BucketsLoaded(_)
                    | Action::Preflighted { .. }
                    | Action::QuotasRead(_)
                    | Action::Validated { .. }
                    | Action::Observed { .. }
                    | Action::Applied(_)
                    | Action::Verified(_)
                    | Action::Saved(_)
                    | Action::Exported { .. }
            ) {
                self.outstanding -= 1;
            }
            let effects = update(&mut self.app, action);
            self.run(effects);
        }
    }

    /// One action through `update`, then everything it started, to the end.
    pub fn act(&mut self, action: Action) -> &mut Driver {
        let effects = update(&mut self.app, action);
        self.run(effects);
        self.settle();
        self
    }

    /// An action through `update` only, leaving its effects' answers pending.
    pub fn act_without_settling(&mut self, action: Action) -> &mut Driver {
        let effects = update(&mut self.app, action);
        self.run(effects);
        self
    }

    pub fn key(&mut self, code: KeyCode) -> &mut Driver {
        self.act(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    pub fn ctrl(&mut self, c: char) -> &mut Driver {
        self.act(Action::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )))
    }

    pub fn keys(&mut self, codes: &[KeyCode]) -> &mut Driver {
        for code in codes {
            self.key(*code);
        }
        self
    }

    pub fn enter(&mut self) -> &mut Driver {
        self.key(KeyCode::Enter)
    }

    pub fn esc(&mut self) -> &mut Driver {
        self.key(KeyCode::Esc)
    }

    pub fn type_text(&mut self, text: &str) -> &mut Driver {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
        self
    }

    /// Presses Enter until `screen` is reached (at most 12 times).
    pub fn enter_until(&mut self, screen: Screen) -> &mut Driver {
        for _ in 0..12 {
            if self.app.screen == screen {
                return self;
            }
            self.enter();
        }
        assert_eq!(self.app.screen, screen, "flash: {:?}", self.app.flash);
        self
    }

    /// The frame at `width`×`height`, as text (trailing spaces trimmed).
    pub fn screen(&self, width: u16, height: u16) -> String {
        text_of(&self.buffer(width, height))
    }

    /// [`Driver::screen`] with this driver's temporary directory (which
    /// differs on every run) shown as `<tmp>`: what a text snapshot holds.
    pub fn snapshot_text(&self, width: u16, height: u16) -> String {
        let text = self.screen(width, height);
        match &self.redact_from {
            Some(dir) => text.replace(dir.as_str(), "<tmp>"),
            None => text,
        }
    }

    pub fn buffer(&self, width: u16, height: u16) -> Buffer {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| view::render(&self.app, frame))
            .unwrap();
        terminal.backend().buffer().clone()
    }
}

/// The demo driven to each screen, with a name for each: the text and style
/// snapshots (`tui_snapshots`) and the PNG screenshots (`screenshots`) show
/// these same states, so a picture never drifts from what the tests check.
pub fn demo_screens() -> Vec<(&'static str, Driver)> {
    let mut out = Vec::new();
    let mut d = Driver::demo();
    out.push(("welcome", clone_at(&mut d)));
    d.enter();
    out.push(("scope", clone_at(&mut d)));
    d.enter();
    d.key(KeyCode::Char('+')).type_text("Bad_Name");
    out.push(("buckets", clone_at(&mut d)));
    for _ in 0..8 {
        d.key(KeyCode::Backspace);
    }
    d.key(KeyCode::Tab).enter();
    out.push(("options", clone_at(&mut d)));
    d.enter();
    out.push(("parallelcluster", clone_at(&mut d)));
    d.enter();
    out.push(("review", clone_at(&mut d)));
    d.key(KeyCode::Char('x'));
    out.push(("export_menu", clone_at(&mut d)));
    d.key(KeyCode::Char('c'));
    out.push(("exported", clone_at(&mut d)));
    d.key(KeyCode::Enter);
    d.enter();
    out.push(("preview", clone_at(&mut d)));
    d.key(KeyCode::Char('e'))
        .keys(&[KeyCode::Down, KeyCode::End])
        .type_text("oops");
    out.push(("editor_error", clone_at(&mut d)));
    d.esc().key(KeyCode::Char('y'));
    d.key(KeyCode::Char('?'));
    out.push(("help", clone_at(&mut d)));
    d.key(KeyCode::Esc);
    d.enter();
    out.push(("confirm", clone_at(&mut d)));
    d.key(KeyCode::Char('c'));
    out.push(("confirm_cli", clone_at(&mut d)));
    d.key(KeyCode::Char('c'));
    out.push(("apply_in_progress", in_progress(&d)));
    d.key(KeyCode::Char('y'));
    out.push(("apply_done", clone_at(&mut d)));
    d.enter();
    out.push(("summary", clone_at(&mut d)));
    // An account where someone made ecsInstanceRole by hand: the review's
    // choice of what to do with it.
    let mut d = Driver::with(
        |dir| demo_config(dir, Theme::COLOR),
        made_by_hand(&["ecsInstanceRole"]),
    );
    d.enter_until(Screen::Review);
    // The bucket policy, the EBS policy, the Batch service role, then it.
    d.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down])
        .key(KeyCode::Char('o'));
    out.push(("review_existing", clone_at(&mut d)));
    // HealthOmics turned on as well: reference data read only, the runs'
    // images limited to two repositories.
    let mut d = Driver::demo();
    d.enter_until(Screen::Scope);
    d.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Char(' ')]);
    d.enter_until(Screen::Omics);
    let space = KeyCode::Char(' ');
    // The archive, read-only; the inputs and the results, read-write.
    d.keys(&[space, space, KeyCode::Down, space])
        .keys(&[KeyCode::Down, KeyCode::Down, space]);
    d.keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab])
        .type_text("genomics/gatk, genomics/bwa");
    out.push(("omics", clone_at(&mut d)));
    out
}

/// A driver showing the same state (the original goes on).
fn clone_at(d: &mut Driver) -> Driver {
    let mut copy = Driver::demo();
    copy.app = d.app.clone();
    copy.dir = tempfile::tempdir().unwrap();
    copy.app.config = d.app.config.clone();
    copy.redact_from = Some(d.dir.path().display().to_string());
    copy
}

/// The apply screen mid-way, fed events by hand so the picture is stable.
fn in_progress(d: &Driver) -> Driver {
    let mut copy = Driver::demo();
    copy.app = d.app.clone();
    copy.redact_from = Some(d.dir.path().display().to_string());
    apply_mid_way(&mut copy.app, d.path("demo.journal.jsonl"));
    copy
}

/// Starts the apply screen's rows for what the review read, without running
/// anything, so tests can feed progress events by hand; returns the plan.
pub fn start_rows_by_hand(app: &mut App, journal: PathBuf) -> onramp::plan::Plan {
    let plan = app.derived.plan.clone().unwrap();
    let changes: Vec<_> = app
        .review
        .observed
        .ready()
        .unwrap()
        .iter()
        .map(|o| o.change.clone())
        .collect();
    app.run.start(&plan, &changes, journal);
    plan
}

/// The apply screen mid-way, fed events by hand so that the picture is
/// stable: two resources done, a retry, two in flight. `app` is at the
/// confirm screen with the account read.
pub fn apply_mid_way(app: &mut App, journal: PathBuf) {
    use onramp::apply::run::Event;
    let plan = start_rows_by_hand(app, journal);
    app.screen = Screen::Apply;
    let ids: Vec<_> = plan.resources.iter().map(|r| r.id()).collect();
    let mut feed = |event| {
        update(app, Action::Progress(event));
    };
    for (id, resource) in ids.iter().zip(&plan.resources).take(2) {
        feed(Event::Started {
            id: id.clone(),
            action: Api::CreatePolicy,
        });
        feed(Event::Done {
            id: id.clone(),
            action: Api::CreatePolicy,
            detail: None,
            arn: Some(resource.arn.clone()),
        });
    }
    feed(Event::Started {
        id: ids[2].clone(),
        action: Api::CreateRole,
    });
    feed(Event::Retried {
        action: Api::CreateRole.to_string(),
        attempt: 2,
    });
    feed(Event::Started {
        id: ids[3].clone(),
        action: Api::AttachRolePolicy,
    });
}

/// A buffer's text, one line per row, trailing spaces trimmed.
pub fn text_of(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A buffer's styles: for each row, the runs of cells sharing a non-default
/// style, as `x..x fg bg modifiers`.
pub fn styles_of(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut runs: Vec<String> = Vec::new();
        let mut start = 0;
        let mut current = None;
        for x in 0..=area.width {
            let style = (x < area.width).then(|| {
                let c = &buffer[(x, y)];
                (c.fg, c.bg, c.modifier)
            });
            if style != current {
                if let Some((fg, bg, m)) = current
                    && (fg, bg, m) != Default::default()
                {
                    runs.push(format!("{start}..{x} {fg:?} {bg:?} {m:?}"));
                }
                start = x;
                current = style;
            }
        }
        if !runs.is_empty() {
            out.push_str(&format!("{y:>2}: {}\n", runs.join(" | ")));
        }
    }
    out
}
