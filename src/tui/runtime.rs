//! The loop that ties the pure wizard to a terminal: terminal events and
//! background results in, `update`, effects out, redraw after each handled
//! event (not at a fixed frame rate). The event source is a parameter so
//! tests drive the same loop with scripted events.

use std::io;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedReceiver;

use super::action::{Action, Effect};
use super::app::{App, update};
use super::view;
use super::worker::Worker;

/// How often spinners move while something loads.
const TICK: Duration = Duration::from_millis(100);

/// Turns a terminal event into an action (focus and paste events are not used).
pub fn action_of(event: TermEvent) -> Option<Action> {
    match event {
        TermEvent::Key(key) => Some(Action::Key(key)),
        TermEvent::Mouse(mouse) => Some(Action::Mouse(mouse)),
        TermEvent::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    }
}

/// Runs the wizard until it quits (or the events end); returns the exit code.
/// `suspend` gives the terminal back to the shell for Ctrl-Z and takes it again.
pub async fn run_loop<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    initial: Vec<Effect>,
    mut events: S,
    worker: &Worker,
    results: &mut UnboundedReceiver<Action>,
    suspend: &mut dyn FnMut(&mut Terminal<B>) -> io::Result<()>,
) -> anyhow::Result<u8>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<TermEvent>> + Unpin,
{
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    let mut effects = initial;
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut interrupts = crate::interrupts::Interrupts::listen();
    loop {
        for effect in effects.drain(..) {
            match effect {
                Effect::Quit(code) => return Ok(code),
                Effect::Suspend => {
                    suspend(terminal)?;
                    terminal.clear()?;
                }
                other => worker.run(other),
            }
        }
        terminal.draw(|frame| view::render(app, frame))?;
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => action_of(event),
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(app.exit_code()),
            },
            Some(action) = results.recv() => Some(action),
            // SIGINT from outside (raw mode turns the key into an event) is
            // handled as the key is: ask during an apply, else quit cleanly.
            () = interrupts.next() => Some(Action::Key(KeyEvent::new(
                KeyCode::Char('c'),
                KeyModifiers::CONTROL,
            ))),
            _ = ticker.tick(), if app.animating() => Some(Action::Tick),
        };
        if let Some(action) = action {
            effects = update(app, action);
        }
    }
}
