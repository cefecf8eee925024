#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The wizard's event loop itself, on a TestBackend with scripted terminal
//! events: resizes are taken in, Ctrl-Z reaches the suspend hook, `q` and
//! Ctrl-C end the loop with exit code 0, and so does the end of the events.

use std::sync::Arc;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use onramp::cloud::Cloud;
use onramp::cloud::memory::MemoryCloud;
use onramp::tui::app::App;
use onramp::tui::runtime::run_loop;
use onramp::tui::theme::Theme;
use onramp::tui::worker::{Connector, Worker};
use onramp_testkit::tui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Runs the loop over `events`; returns the exit code, the app and how many
/// times it suspended.
fn run(events: Vec<Event>) -> (u8, App, usize) {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (tx, mut results) = tokio::sync::mpsc::unbounded_channel();
        let cloud: Arc<dyn Cloud> = Arc::new(MemoryCloud::demo());
        let worker = Worker::new(Connector::Ready(cloud), tx);
        let (mut app, initial) = App::new(tui::demo_config(dir.path(), Theme::COLOR));
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
            &mut results,
            &mut suspend,
        )
        .await
        .unwrap();
        (code, app, suspended)
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
