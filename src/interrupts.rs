//! SIGINT (Ctrl-C) as a stream of events, for the loops that must keep
//! running while the account is being changed.
//!
//! `tokio::signal::ctrl_c()` made afresh on each turn of a loop misses a
//! signal that arrives between two turns (while an event is printed, say):
//! a listener only sees signals sent after it exists. One listener for the
//! whole loop sees every one.

/// Every SIGINT from the moment this is made.
pub struct Interrupts {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    /// Starts listening. Must run inside the tokio runtime. If the listener
    /// cannot be installed, `next` never completes and SIGINT keeps its
    /// default action (the process ends, which the journal survives).
    pub fn listen() -> Interrupts {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Interrupts {
                signal: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Interrupts {}
        }
    }

    /// The next SIGINT.
    pub async fn next(&mut self) {
        #[cfg(unix)]
        {
            match &mut self.signal {
                Some(signal) => {
                    if signal.recv().await.is_none() {
                        std::future::pending::<()>().await;
                    }
                }
                None => std::future::pending::<()>().await,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
