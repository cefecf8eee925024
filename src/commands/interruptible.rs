//! Ctrl-C while `apply --yes` or `destroy --yes` changes the account.
//!
//! The first Ctrl-C asks the work to stop: the calls in flight finish and
//! nothing new starts, so the journal ends on results and the next run has
//! nothing to guess. A call can hang for up to the operation timeout, so a
//! second Ctrl-C stops at once: the work is dropped mid-call, leaving its
//! intent without a result, which the next apply or destroy reconciles by
//! reading the account (the SIGKILL tests prove that path).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc::UnboundedReceiver;

use super::{Failure, write};
use crate::apply::run::Event;
use crate::interrupts::Interrupts;

/// How `work` ended.
pub(crate) enum Ended<T> {
    /// It returned (after a stop it was asked for, perhaps).
    Finished(T),
    /// A second Ctrl-C dropped it mid-way.
    Abandoned,
}

/// Runs `work` to its end, passing each of its events to `print`, while
/// Ctrl-C sets `stop` (which `work` must watch) and a second one abandons it.
pub(crate) async fn drive<T>(
    work: impl Future<Output = T>,
    events: &mut UnboundedReceiver<Event>,
    stop: &AtomicBool,
    mut print: impl FnMut(&Event) -> Result<(), Failure>,
    stderr: &mut dyn Write,
) -> Result<Ended<T>, Failure> {
    let mut interrupts = Interrupts::listen();
    tokio::pin!(work);
    let ended = loop {
        tokio::select! {
            result = &mut work => break Ended::Finished(result),
            Some(event) = events.recv() => print(&event)?,
            () = interrupts.next() => {
                if stop.swap(true, Ordering::SeqCst) {
                    break Ended::Abandoned;
                }
                write(
                    stderr,
                    "onramp: stopping after the calls in flight (the journal stays consistent); \
                     Ctrl-C again stops at once\n",
                )?;
            }
        }
    };
    while let Ok(event) = events.try_recv() {
        print(&event)?;
    }
    Ok(ended)
}

/// The failure of work abandoned by a second Ctrl-C; `next` says how to go
/// on from the journal.
pub(crate) fn abandoned(next: &str) -> Failure {
    Failure::interrupted(format!(
        "stopped at once: a call in flight may or may not have been made; the journal records \
         that it was started, and the next run reads the account to find out.\n{next}"
    ))
}
