//! The wizard's event loop itself, on a TestBackend with scripted terminal
//! events: resizes are taken in, Ctrl-Z reaches the suspend hook, `q` and
//! Ctrl-C end the loop with exit code 0, and so does the end of the events.
//! Events and results waiting together are applied before one frame, and
//! every frame is sent as one synchronized update.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use onramp::cloud::Cloud;
use onramp::cloud::memory::MemoryCloud;
use onramp::tui::action::{Action, Effect};
use onramp::tui::app::{App, Loading};
use onramp::tui::runtime::{draw, run_loop};
use onramp::tui::theme::Theme;
use onramp::tui::worker::{Connector, Worker};
use onramp_testkit::tui;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// How a loop ended.
struct Ended {
    code: u8,
    app: App,
    suspended: usize,
    /// Frames drawn, the first one included.
    frames: usize,
}

/// Runs the loop over `events`, started as the wizard starts (connecting).
fn run(events: Vec<Event>) -> (u8, App, usize) {
    let ended = run_with(events, Vec::new(), true);
    (ended.code, ended.app, ended.suspended)
}

/// Runs the loop over `events`, with `results` already waiting from the
/// worker; `connect`: start with the wizard's first effects (else none, so
/// nothing but what is given reaches the loop).
fn run_with(events: Vec<Event>, results: Vec<Action>, connect: bool) -> Ended {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (tx, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        for action in results {
            tx.send(action).unwrap();
        }
        let cloud: Arc<dyn Cloud> = Arc::new(MemoryCloud::demo());
        let worker = Worker::new(Connector::Ready(cloud), tx);
        let (mut app, initial) = App::new(tui::demo_config(dir.path(), Theme::COLOR));
        let initial: Vec<Effect> = if connect { initial } else { Vec::new() };
        let mut terminal = Terminal::new(TestBackend::new(90, 30)).unwrap();
        let mut suspended = 0;
        let mut suspend = |_: &mut Terminal<TestBackend>| {
            suspended += 1;
            Ok(())
        };
        let stream = futures::stream::iter(events.into_iter().map(Ok));
        let code = run_loop(
            &mut terminal,
            &mut app,
            initial,
            stream,
            &worker,
            &mut receiver,
            &mut suspend,
        )
        .await
        .unwrap();
        Ended {
            code,
            app,
            suspended,
            frames: terminal.get_frame().count(),
        }
    })
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

#[test]
fn q_ends_the_loop_with_exit_code_0_and_resizes_are_taken_in() {
    let (code, app, _) = run(vec![Event::Resize(120, 40), key(KeyCode::Char('q'))]);
    assert_eq!(code, 0);
    assert_eq!(app.size, (120, 40));
}

#[test]
fn ctrl_z_suspends_and_ctrl_c_quits() {
    let (code, _, suspended) = run(vec![ctrl('z'), ctrl('c')]);
    assert_eq!(code, 0);
    assert_eq!(suspended, 1);
}

#[test]
fn the_end_of_the_events_ends_the_loop() {
    let (code, app, _) = run(vec![Event::FocusGained, Event::Resize(100, 30)]);
    assert_eq!(code, 0);
    assert_eq!(app.size, (100, 30));
}

/// Everything waiting when the loop wakes (a dragged window's resizes,
/// keys, the worker's answers) is applied before one frame is drawn: two
/// frames in all, the first and the one after the burst, where one frame
/// per event would be eight.
#[test]
fn a_burst_of_events_and_results_is_applied_before_one_frame() {
    let events = vec![
        Event::Resize(100, 30),
        Event::Resize(110, 35),
        Event::Resize(120, 40),
        key(KeyCode::Down),
        key(KeyCode::Down),
        key(KeyCode::Up),
    ];
    let results = vec![
        Action::BucketsLoaded(Ok(Vec::new())),
        Action::QuotasRead(Ok(onramp::cloud::Quotas::default())),
    ];
    let ended = run_with(events, results, false);
    assert_eq!(ended.code, 0);
    assert_eq!(ended.frames, 2, "the first frame, then one for the burst");
    assert_eq!(ended.app.size, (120, 40), "the last size is taken");
    assert!(matches!(ended.app.account_buckets, Loading::Ready(_)));
    assert!(matches!(ended.app.quotas, Loading::Ready(_)));
}

/// A suspend in the middle of a burst acts before the rest of it: the
/// keys after Ctrl-Z are applied once the terminal is back.
#[test]
fn a_suspend_in_a_burst_comes_before_the_rest_of_it() {
    let ended = run_with(
        vec![Event::Resize(100, 30), ctrl('z'), Event::Resize(120, 40)],
        Vec::new(),
        false,
    );
    assert_eq!(ended.suspended, 1);
    assert_eq!(ended.app.size, (120, 40));
    assert_eq!(
        ended.frames, 3,
        "the first frame, one after the suspend, one after the rest"
    );
}

/// A writer that the test keeps a handle on while the terminal owns it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a real terminal receives for each frame begins by holding the
/// screen (`CSI ? 2026 h`) and ends by showing it (`CSI ? 2026 l`), with
/// the whole frame between: never half a frame on screen.
#[test]
fn every_frame_is_sent_as_one_synchronized_update() {
    let dir = tempfile::tempdir().unwrap();
    let written = Shared::default();
    let viewport = Viewport::Fixed(Rect::new(0, 0, 90, 30));
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(written.clone()),
        TerminalOptions { viewport },
    )
    .unwrap();
    let (mut app, _) = App::new(tui::demo_config(dir.path(), Theme::COLOR));
    app.size = (90, 30);
    for frame in 0..3 {
        written.0.lock().unwrap().clear();
        draw(&mut terminal, &app).unwrap();
        let bytes = written.0.lock().unwrap().clone();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("\x1b[?2026h"), "frame {frame}: {text:?}");
        assert!(text.ends_with("\x1b[?2026l"), "frame {frame}: {text:?}");
        assert_eq!(text.matches("\x1b[?2026").count(), 2, "frame {frame}");
        if frame == 0 {
            assert!(
                text.contains("Welcome"),
                "the frame itself is inside: {text:?}"
            );
        }
        app.tick += 1;
    }
}
