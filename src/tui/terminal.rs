//! The real terminal: raw mode, the alternate screen and mouse capture on
//! the way in (each frame is drawn as a synchronized update, see
//! [`super::runtime::draw`]), all of it undone on the way out — also on a panic (the hook
//! restores the terminal before the message is printed) and around Ctrl-Z.

use std::io::{self, Write};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, EventStream};
use crossterm::execute;
use crossterm::terminal::EndSynchronizedUpdate;
use ratatui::DefaultTerminal;

use super::app::{App, Config};
use super::runtime::run_loop;
use super::worker::{Connector, Worker};

/// Runs the wizard on the process's terminal; returns the exit code.
pub async fn run(config: Config, connector: Connector) -> anyhow::Result<u8> {
    let (tx, mut results) = tokio::sync::mpsc::unbounded_channel();
    let worker = Worker::new(connector, tx);
    let (mut app, initial) = App::new(config);

    let mut terminal = enter()?;
    install_panic_hook();
    let outcome = run_loop(
        &mut terminal,
        &mut app,
        initial,
        EventStream::new(),
        &worker,
        &mut results,
        &mut suspend,
    )
    .await;
    leave();
    outcome
}

/// Raw mode, alternate screen (with ratatui's panic hook), mouse capture.
fn enter() -> io::Result<DefaultTerminal> {
    let terminal = ratatui::try_init()?;
    execute!(io::stdout(), EnableMouseCapture)?;
    Ok(terminal)
}

/// Undoes [`enter`]; safe to call more than once.
fn leave() {
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
    let _ = io::stdout().flush();
}

/// Wraps the current hook (ratatui's, which restores the screen) so mouse
/// capture is also turned off before the panic message is printed, and a
/// frame cut short by the panic does not leave the terminal holding its
/// screen.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), EndSynchronizedUpdate, DisableMouseCapture);
        ratatui::restore();
        previous(info);
    }));
}

/// Ctrl-Z: give the terminal back, stop until `fg`, then take it again.
fn suspend(terminal: &mut DefaultTerminal) -> io::Result<()> {
    leave();
    #[cfg(unix)]
    rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::TSTP)?;
    *terminal = enter()?;
    Ok(())
}
