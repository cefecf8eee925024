//! Runs of the real binary killed with SIGKILL at seeded random points, for
//! the tests that resume from what a killed run left: the seed (printed by
//! the test; `ONRAMP_KILL_SEED=N` replays a run), a small generator, and
//! the kill itself, once the run's journal reaches a given number of lines.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, ExitStatus, Output};
use std::time::{Duration, Instant};

/// The variable that replays a run of kills.
pub const SEED_VAR: &str = "ONRAMP_KILL_SEED";

/// A small deterministic generator (xorshift), so that a run can be replayed.
pub struct Random(pub u64);

impl Random {
    /// The next number of the sequence.
    pub fn step(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.step() % n
    }
}

/// `ONRAMP_KILL_SEED` when set, else one from the clock (never 0, which
/// xorshift would keep forever).
pub fn seed() -> u64 {
    std::env::var(SEED_VAR)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        })
}

/// How many whole lines the file holds (0 when it does not exist yet).
pub fn lines(path: &Path) -> usize {
    std::fs::read(path)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

/// A finished run's exit code and both streams, for a failure message.
pub fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Kills `child` with SIGKILL once `journal` has `after_lines` lines and
/// `extra` more has passed. Returns whether the kill landed: the run was
/// still going when it came (not finished, not given up on after a minute).
pub fn kill_during(mut child: Child, journal: &Path, after_lines: usize, extra: Duration) -> bool {
    let started = Instant::now();
    while lines(journal) < after_lines {
        if child.try_wait().unwrap().is_some() || started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    std::thread::sleep(extra);
    let running = child.try_wait().unwrap().is_none();
    // SIGKILL: no handler runs, nothing is flushed or cleaned up.
    let _ = child.kill();
    let status = child.wait().unwrap();
    running && status.code().is_none()
}

/// Waits for `child` to end, noting every length its `journal` has on the
/// way (looked at every 100 µs): the points a run can be killed at, since
/// a journal grows by groups of lines written at once.
pub fn journal_lengths(mut child: Child, journal: &Path) -> (ExitStatus, BTreeSet<usize>) {
    let mut seen = BTreeSet::new();
    let started = Instant::now();
    loop {
        seen.insert(lines(journal));
        if let Some(status) = child.try_wait().unwrap() {
            seen.insert(lines(journal));
            seen.remove(&0);
            return (status, seen);
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("the run did not end within two minutes");
        }
        std::thread::sleep(Duration::from_micros(100));
    }
}
