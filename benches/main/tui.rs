#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The wizard's render and update, without a terminal.
//!
//! - `render/<screen>/<w>x<h>`: `terminal.draw(|frame| view::render(&app, frame))`
//!   on a `TestBackend` terminal of that size (created once, outside the
//!   measured part), for every screen of the demo at 80×24 and 200×60.
//! - `update/<what>`: one key through `onramp::tui::app::update`, every
//!   iteration from the same state (the App is cloned in the untimed setup);
//!   the effects returned are dropped, never run.
//!
//! The states come from the demo wizard connected to an in-memory account,
//! driven by keys through the flow like `tests/tui/snapshots.rs` does.
//!
//! Run with `cargo bench --bench main -- render/` (or `update/`).

use std::hint::black_box;

use criterion::{BatchSize, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use onramp::tui::action::Action;
use onramp::tui::app::{App, Overlay, Screen, update};
use onramp::tui::screens::buckets::Focus;
use onramp::tui::view;
use onramp_testkit::tui;
use onramp_testkit::tui::Driver;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The sizes every screen is drawn at.
const SIZES: [(u16, u16); 2] = [(80, 24), (200, 60)];

/// The demo's App at each screen, with a name for the benchmark, plus the
/// driver they came from (it owns the temporary directory the states name).
fn screens() -> (Driver, Vec<(&'static str, App)>) {
    let mut out = Vec::new();
    let mut d = Driver::demo();
    assert_eq!(d.app.screen, Screen::Welcome);
    out.push(("welcome", d.app.clone()));
    d.enter();
    assert_eq!(d.app.screen, Screen::Scope);
    out.push(("scope", d.app.clone()));
    d.enter();
    assert_eq!(d.app.screen, Screen::Buckets);
    // The add field with a name that is not valid, its problem shown.
    d.key(KeyCode::Char('+')).type_text("Bad_Name");
    out.push(("buckets", d.app.clone()));
    for _ in 0..8 {
        d.key(KeyCode::Backspace);
    }
    d.key(KeyCode::Tab).enter();
    assert_eq!(d.app.screen, Screen::Options);
    out.push(("options", d.app.clone()));
    d.enter();
    assert_eq!(d.app.screen, Screen::ParallelCluster);
    out.push(("parallelcluster", d.app.clone()));
    d.enter();
    assert_eq!(d.app.screen, Screen::Review);
    out.push(("review", d.app.clone()));
    d.enter();
    assert_eq!(d.app.screen, Screen::Preview);
    out.push(("preview", d.app.clone()));
    // The editor with a JSON error in the document.
    d.key(KeyCode::Char('e'))
        .keys(&[KeyCode::Down, KeyCode::End])
        .type_text("oops");
    assert!(d.app.editor.is_some());
    out.push(("editor", d.app.clone()));
    d.esc().key(KeyCode::Char('y'));
    assert!(d.app.editor.is_none());
    d.key(KeyCode::Char('?'));
    assert_eq!(d.app.overlay, Some(Overlay::Help));
    out.push(("help", d.app.clone()));
    d.key(KeyCode::Esc);
    d.enter();
    assert_eq!(d.app.screen, Screen::Confirm);
    out.push(("confirm", d.app.clone()));
    out.push(("apply_running", apply_running(&d)));
    d.key(KeyCode::Char('y'));
    assert_eq!(d.app.screen, Screen::Apply);
    out.push(("apply_done", d.app.clone()));
    d.enter();
    assert_eq!(d.app.screen, Screen::Summary);
    out.push(("summary", d.app.clone()));
    (d, out)
}

/// The apply screen mid-way (two resources done, a retry, two in flight),
/// fed events by hand from the confirm screen's state.
fn apply_running(d: &Driver) -> App {
    let mut app = d.app.clone();
    tui::apply_mid_way(&mut app, d.path("bench.journal.jsonl"));
    app
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn render_benches(c: &mut Criterion, states: &[(&'static str, App)]) {
    let mut group = c.benchmark_group("render");
    for (name, app) in states {
        for (w, h) in SIZES {
            let mut app = app.clone();
            app.size = (w, h);
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            group.bench_function(format!("{name}/{w}x{h}"), |b| {
                b.iter(|| {
                    terminal
                        .draw(|frame| view::render(black_box(&app), frame))
                        .unwrap();
                });
            });
        }
    }
    group.finish();
}

/// One key from `app`, every iteration from the same state.
fn bench_key(c: &mut Criterion, name: &str, app: &App, code: KeyCode) {
    c.bench_function(name, |b| {
        b.iter_batched_ref(
            || app.clone(),
            |app| update(app, black_box(key(code))),
            BatchSize::SmallInput,
        );
    });
}

fn update_benches(c: &mut Criterion, states: &[(&'static str, App)]) {
    let state = |name: &str| {
        states
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, app)| app.clone())
            .unwrap()
    };

    let options = state("options");
    // The check that Down moves the cursor and Space changes the answers.
    let mut moved = options.clone();
    update(&mut moved, key(KeyCode::Down));
    assert_ne!(moved.options.cursor, options.options.cursor);
    let mut toggled = options.clone();
    update(&mut toggled, key(KeyCode::Char(' ')));
    assert_ne!(toggled.answers, options.answers);
    bench_key(c, "update/key_down_options", &options, KeyCode::Down);
    // Toggling an option changes the answers: the plan and lint are redone.
    bench_key(
        c,
        "update/space_toggle_options",
        &options,
        KeyCode::Char(' '),
    );

    // The buckets screen with the filter focused (the `buckets` state has the
    // add field focused): typing a letter narrows the list.
    let mut buckets = state("buckets");
    buckets.buckets.add.set("");
    buckets.buckets.focus = Focus::Filter;
    let mut typed = buckets.clone();
    update(&mut typed, key(KeyCode::Char('g')));
    assert_eq!(typed.buckets.filter.text(), "g");
    bench_key(
        c,
        "update/type_char_buckets_filter",
        &buckets,
        KeyCode::Char('g'),
    );

    let review = state("review");
    let mut moved = review.clone();
    update(&mut moved, key(KeyCode::Down));
    assert_ne!(moved.review.cursor, review.review.cursor);
    bench_key(c, "update/key_down_review", &review, KeyCode::Down);
}

pub fn benches(c: &mut Criterion) {
    let (_driver, states) = screens();
    render_benches(c, &states);
    update_benches(c, &states);
}
