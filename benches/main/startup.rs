#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The real `onramp` binary as a user starts it: `onramp --demo` in a fresh
//! pseudo-terminal of 40 rows × 120 columns, its output read through a vt100
//! emulator.
//!
//! - Startup to first frame: the wall time from just before the process is
//!   spawned until the first complete frame that shows the welcome screen's
//!   header (`step 1/10 · Welcome`); then the process is killed and reaped.
//!   20 runs; median, min and max in milliseconds.
//! - Peak RSS of a full demo flow: `/usr/bin/time -v onramp --demo`, driven
//!   with keys from the welcome screen to the summary (creating everything in
//!   the demo account) and quit with `q`; GNU time's "Maximum resident set
//!   size" in MiB.
//!
//! Run with `cargo bench --bench main -- startup` (the release build).
//! Under `cargo test --all-targets` (no `--bench` argument, the debug build)
//! it is a smoke test: one startup run that must reach the first frame, and
//! the full flow once.
//!
//! The wizard is started and read by the pty harness of the tests
//! (`onramp_testkit::pty`): a temporary directory of its own as working
//! directory, `HOME` and `TMPDIR`, `--journal` and `--log-file` in it, the
//! environment otherwise cleared but for `PATH`, with `TERM=xterm-256color`.
//! The harness notes when each complete frame was read, in its reader
//! thread, so polling does not add to the startup figure.

use std::path::Path;
use std::time::Duration;

use onramp_testkit::pty::keys::ENTER;
use onramp_testkit::pty::screens::*;
use onramp_testkit::pty::{Onramp, Tui};

/// The terminal size every run gets (above the wizard's 80×24 minimum, and
/// tall enough that every text waited for fits).
const ROWS: u16 = 40;
const COLS: u16 = 120;

/// Startup runs under `cargo bench`.
const STARTUP_RUNS: usize = 20;

const ONRAMP: &str = env!("CARGO_BIN_EXE_onramp");
const GNU_TIME: &str = "/usr/bin/time";

/// `onramp --demo` in `dir` (also `TMPDIR`), in a 40×120 terminal.
fn demo(dir: &Path) -> Onramp {
    Onramp::demo(dir).size(ROWS, COLS).env("TMPDIR", dir)
}

/// One run: spawn, wait for the first frame, kill. The time to the frame.
fn startup_once() -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let t = demo(dir.path()).spawn();
    t.time_to_first_frame_showing(WELCOME)
    // Dropping `t` kills and reaps the process.
}

/// Enter, then wait for the screen whose header is `next`.
fn enter(t: &mut Tui, next: &str) {
    t.send(ENTER);
    t.wait_for(next);
}

/// What the full demo flow gives: its wall time and GNU time's report.
struct Flow {
    wall: Duration,
    max_rss_kb: Option<u64>,
}

/// Drives `onramp --demo` from the welcome screen to the summary and quits,
/// under `/usr/bin/time -v` when there is one (the keys and texts of
/// tests/tui/pty.rs `demo_full_flow_reaches_the_summary`).
fn full_flow() -> Flow {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("time.txt");
    let gnu_time = Path::new(GNU_TIME).exists();
    let mut onramp = demo(dir.path());
    if gnu_time {
        onramp = onramp.wrapped_in([
            GNU_TIME.as_ref(),
            "-v".as_ref(),
            "-o".as_ref(),
            report.as_os_str(),
        ]);
    }
    let mut t = onramp.spawn();
    t.wait_for(WELCOME);
    t.wait_for(DEMO_ACCOUNT);
    enter(&mut t, SCOPE);
    enter(&mut t, BUCKETS);
    t.wait_for("[x] onramp-demo-inputs");
    enter(&mut t, OPTIONS);
    enter(&mut t, CLUSTER);
    enter(&mut t, REVIEW);
    // Enter only goes on once the account has been read.
    t.wait_for("+ new");
    enter(&mut t, PREVIEW);
    t.wait_for("Document (e edits)");
    enter(&mut t, CONFIRM);
    t.send("y");
    t.wait_for(APPLY);
    t.wait_for("done: every planned resource exists");
    enter(&mut t, SUMMARY);
    t.send("q");
    let code = t.wait_exit();
    let wall = t.started().elapsed();
    if code != 0 {
        t.fail(&format!("the demo flow exited with {code}, not 0"));
    }
    drop(t);

    if !gnu_time {
        return Flow {
            wall,
            max_rss_kb: None,
        };
    }
    let text = std::fs::read_to_string(&report).unwrap();
    let max_rss_kb = text
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes):")
                .and_then(|v| v.trim().parse::<u64>().ok())
        })
        .unwrap_or_else(|| {
            panic!("no \"Maximum resident set size\" in GNU time's report:\n{text}")
        });
    Flow {
        wall,
        max_rss_kb: Some(max_rss_kb),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Prints the startup figures: `bench` (20 runs) under `cargo bench`, one
/// smoke run otherwise.
pub fn run(bench: bool) {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let mode = if bench { "bench" } else { "smoke test" };
    println!("onramp startup ({mode}; {profile} build; pty {ROWS} rows × {COLS} columns)");
    println!("binary: {ONRAMP}");

    let runs = if bench { STARTUP_RUNS } else { 1 };
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(startup_once());
    }
    times.sort();
    let mid = times.len() / 2;
    let median = if times.len() % 2 == 0 {
        (times[mid - 1] + times[mid]) / 2
    } else {
        times[mid]
    };
    println!(
        "startup to first frame ({WELCOME:?}), {runs} run(s): median {:.1} ms, min {:.1} ms, max {:.1} ms",
        ms(median),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );

    let flow = full_flow();
    match flow.max_rss_kb {
        Some(kb) => println!(
            "full demo flow (welcome → summary → q) in {:.0} ms: peak RSS {:.1} MiB ({kb} kB, GNU time -v)",
            ms(flow.wall),
            kb as f64 / 1024.0
        ),
        None => println!(
            "full demo flow (welcome → summary → q) in {:.0} ms: peak RSS not measured ({GNU_TIME} not found)",
            ms(flow.wall)
        ),
    }
}
