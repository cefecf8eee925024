//! The loop that ties the pure wizard to a terminal: terminal events and
//! background results in, `update`, effects out, redraw after each batch of
//! handled events (not at a fixed frame rate). The event source is a
//! parameter so tests drive the same loop with scripted events.
//!
//! As television does, the loop wakes on one event, then takes every event
//! and result already waiting and applies them all before it draws once: a
//! burst (keys pasted, results of a dozen reads, a window dragged to a new
//! size) costs one frame, not one each, and a burst of resizes is merged
//! into the last. Each frame is sent inside a synchronized update, so a
//! terminal never shows half of one.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::task::Poll;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use tokio::sync::mpsc::UnboundedReceiver;

use super::action::{Action, Effect};
use super::app::{App, update};
use super::view;
use super::worker::Worker;

/// How often spinners move while something loads.
const TICK: Duration = Duration::from_millis(100);

/// The most events and results taken in for one frame: a source that never
/// runs dry still gets the screen redrawn now and then.
const MOST_PER_FRAME: usize = 512;

/// A backend that can tell the terminal where a frame begins and ends, so
/// that the terminal shows it whole (synchronized output, `CSI ? 2026 h` /
/// `CSI ? 2026 l`; terminals without it ignore both).
pub trait Synchronized: Backend {
    /// The frame's output begins: hold the screen.
    fn begin_update(&mut self) -> io::Result<()>;
    /// The frame's output is complete: show it (sent at once).
    fn end_update(&mut self) -> io::Result<()>;
}

impl<W: Write> Synchronized for CrosstermBackend<W> {
    fn begin_update(&mut self) -> io::Result<()> {
        crossterm::queue!(self, BeginSynchronizedUpdate)
    }

    fn end_update(&mut self) -> io::Result<()> {
        crossterm::execute!(self, EndSynchronizedUpdate)
    }
}

/// A test's screen is a buffer: nothing shows half-drawn.
impl Synchronized for TestBackend {
    fn begin_update(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn end_update(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Draws `app` as one synchronized update.
pub fn draw<B>(terminal: &mut Terminal<B>, app: &App) -> anyhow::Result<()>
where
    B: Synchronized,
    B::Error: Send + Sync + 'static,
{
    terminal.backend_mut().begin_update()?;
    let drawn = terminal.draw(|frame| view::render(app, frame)).map(drop);
    // Ended even when the draw failed: a terminal left holding its screen
    // would show nothing more until its own timeout.
    let ended = terminal.backend_mut().end_update();
    drawn?;
    ended?;
    Ok(())
}

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
    B: Synchronized,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<TermEvent>> + Unpin,
{
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    let mut effects = initial;
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut interrupts = crate::interrupts::Interrupts::listen();
    // Taken in, not yet applied: the rest of a batch that a quit or a
    // suspend cut short.
    let mut batch: VecDeque<Action> = VecDeque::new();
    let mut events_ended = false;
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
        draw(terminal, app)?;
        if batch.is_empty() {
            if events_ended {
                return Ok(app.exit_code());
            }
            let first = tokio::select! {
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
            batch.extend(first);
            events_ended = take_ready(&mut events, results, &mut batch).await?;
            merge_resizes(&mut batch);
        }
        effects = apply(app, &mut batch);
    }
}

/// Moves every terminal event and worker result already waiting into
/// `batch`, without waiting for more: the events first, in order, then the
/// results, in order. Whether the events have ended.
async fn take_ready<S>(
    events: &mut S,
    results: &mut UnboundedReceiver<Action>,
    batch: &mut VecDeque<Action>,
) -> io::Result<bool>
where
    S: Stream<Item = io::Result<TermEvent>> + Unpin,
{
    // Polled with this task's own waker (not a throwaway one): crossterm's
    // event stream keeps the waker of the poll that found nothing, and
    // would otherwise never wake the loop for the next key.
    let mut ended = false;
    while batch.len() < MOST_PER_FRAME {
        match futures::poll!(events.next()) {
            Poll::Ready(Some(Ok(event))) => batch.extend(action_of(event)),
            Poll::Ready(Some(Err(e))) => return Err(e),
            Poll::Ready(None) => {
                ended = true;
                break;
            }
            Poll::Pending => break,
        }
    }
    while batch.len() < MOST_PER_FRAME {
        match results.try_recv() {
            Ok(action) => batch.push_back(action),
            Err(_) => break,
        }
    }
    Ok(ended)
}

/// Drops every resize followed at once by another: a window being dragged
/// reports each size on the way, and only the last one is drawn.
pub fn merge_resizes(batch: &mut VecDeque<Action>) {
    let mut merged = VecDeque::with_capacity(batch.len());
    for action in batch.drain(..) {
        if matches!(action, Action::Resize(..)) && matches!(merged.back(), Some(Action::Resize(..)))
        {
            merged.pop_back();
        }
        merged.push_back(action);
    }
    *batch = merged;
}

/// Applies the batch in order. An action whose effects quit or suspend ends
/// it: those act on the terminal before anything after them, which stays
/// in the batch for later.
fn apply(app: &mut App, batch: &mut VecDeque<Action>) -> Vec<Effect> {
    let mut effects = Vec::new();
    while let Some(action) = batch.pop_front() {
        effects.extend(update(app, action));
        if effects
            .iter()
            .any(|e| matches!(e, Effect::Quit(_) | Effect::Suspend))
        {
            break;
        }
    }
    effects
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyEvent;

    use super::*;

    fn key(c: char) -> Action {
        Action::Key(KeyEvent::from(KeyCode::Char(c)))
    }

    fn sizes(batch: &VecDeque<Action>) -> Vec<String> {
        batch
            .iter()
            .map(|a| match a {
                Action::Resize(w, h) => format!("{w}x{h}"),
                Action::Key(k) => format!("{}", k.code),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_burst_of_resizes_becomes_its_last_and_a_key_between_keeps_both_sides() {
        let mut batch = VecDeque::from(vec![
            Action::Resize(80, 24),
            Action::Resize(90, 30),
            Action::Resize(100, 40),
            key('j'),
            Action::Resize(120, 40),
            Action::Tick,
            Action::Resize(60, 20),
            Action::Resize(70, 20),
        ]);
        merge_resizes(&mut batch);
        assert_eq!(
            sizes(&batch),
            ["100x40", "j", "120x40", "Tick", "70x20"].map(String::from)
        );
    }

    #[test]
    fn nothing_to_merge_is_left_as_it_is() {
        let mut batch = VecDeque::new();
        merge_resizes(&mut batch);
        assert!(batch.is_empty());
        let mut batch = VecDeque::from(vec![key('a'), Action::Resize(1, 1), key('b')]);
        merge_resizes(&mut batch);
        assert_eq!(sizes(&batch), ["a", "1x1", "b"].map(String::from));
    }
}
