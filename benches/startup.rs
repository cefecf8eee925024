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
//! Run with `cargo bench --bench startup` (the release build). Under
//! `cargo test --all-targets` (no `--bench` argument, the debug build) it is
//! a smoke test: one startup run that must reach the first frame, and the
//! full flow once.
//!
//! Each run gets a temporary directory of its own as working directory,
//! `HOME` and `TMPDIR` (the demo's journal goes there), and
//! `--log-file DIR/onramp.log`; the environment is otherwise cleared but for
//! `PATH`, with `TERM=xterm-256color`.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// The terminal size every run gets (above the wizard's 80×24 minimum, and
/// tall enough that every text waited for fits).
const ROWS: u16 = 40;
const COLS: u16 = 120;

/// How long anything may take to show up before the bench gives up.
const TIMEOUT: Duration = Duration::from_secs(20);
/// How often the screen is looked at while waiting.
const POLL: Duration = Duration::from_millis(5);
/// Startup runs under `cargo bench`.
const STARTUP_RUNS: usize = 20;

const ONRAMP: &str = env!("CARGO_BIN_EXE_onramp");
const GNU_TIME: &str = "/usr/bin/time";

/// The screens' headers (as in tests/tui_pty.rs).
const WELCOME: &str = "step 1/10 · Welcome";
const SCOPE: &str = "step 2/10 · What to set up";
const BUCKETS: &str = "step 3/10 · Buckets";
const OPTIONS: &str = "step 4/10 · Options";
const CLUSTER: &str = "step 5/10 · ParallelCluster";
const REVIEW: &str = "step 6/10 · Review";
const PREVIEW: &str = "step 7/10 · Policy preview";
const CONFIRM: &str = "step 8/10 · Confirm";
const APPLY: &str = "step 9/10 · Apply";
const SUMMARY: &str = "step 10/10 · Summary";
/// The demo account, as the welcome screen shows it once connected.
const DEMO_ACCOUNT: &str = "account  123456789012";

const ENTER: &str = "\r";

type Result<T> = std::result::Result<T, String>;

/// The emulated terminal, fed by the reader thread.
struct Term {
    parser: vt100::Parser,
    /// Every byte written to the terminal.
    output: Vec<u8>,
    /// How much of `output` the parser has seen.
    processed: usize,
    /// The screen as of the last complete frame.
    frame: Option<vt100::Screen>,
    /// When the first complete frame showing [`WELCOME`] was read.
    first_frame_at: Option<Instant>,
    /// The output has ended (the child exited and the terminal closed).
    ended: bool,
}

impl Term {
    /// What ratatui writes after each frame: hide the cursor, or show it.
    const FRAME_ENDS: [&'static [u8]; 2] = [b"\x1b[?25l", b"\x1b[?25h"];

    fn new() -> Term {
        Term {
            parser: vt100::Parser::new(nonzero(ROWS), nonzero(COLS), 0),
            output: Vec::new(),
            processed: 0,
            frame: None,
            first_frame_at: None,
            ended: false,
        }
    }

    /// Takes bytes from the terminal, keeping the screen as of each frame
    /// that ends in them: a frame comes in several writes, and a half-drawn
    /// one does not count.
    fn feed(&mut self, bytes: &[u8], read_at: Instant) {
        self.output.extend_from_slice(bytes);
        // A frame end may have begun in the previous chunk.
        let from = self.processed.saturating_sub(Self::FRAME_ENDS[0].len() - 1);
        let ends: Vec<usize> = (from..self.output.len())
            .filter_map(|at| {
                Self::FRAME_ENDS
                    .iter()
                    .find(|end| self.output[at..].starts_with(end))
                    .map(|end| at + end.len())
            })
            .filter(|end| *end > self.processed)
            .collect();
        for end in ends {
            self.parser.process(&self.output[self.processed..end]);
            self.processed = end;
            let screen = self.parser.screen().clone();
            if self.first_frame_at.is_none() && screen.contents().contains(WELCOME) {
                self.first_frame_at = Some(read_at);
            }
            self.frame = Some(screen);
        }
        self.parser.process(&self.output[self.processed..]);
        self.processed = self.output.len();
    }

    /// The last complete frame; once the output has ended, the final state.
    fn screen(&self) -> &vt100::Screen {
        match (&self.frame, self.ended) {
            (Some(frame), false) => frame,
            _ => self.parser.screen(),
        }
    }
}

fn nonzero(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("a terminal has rows and columns")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A process running in a pseudo-terminal of its own.
struct Session {
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    writer: Option<Box<dyn Write + Send>>,
    term: Arc<Mutex<Term>>,
    reader: Option<JoinHandle<()>>,
    /// Just before the spawn.
    started: Instant,
    log: PathBuf,
    exit_code: Option<u32>,
}

impl Session {
    /// Starts `program args…` in `dir` (also `HOME` and `TMPDIR`) with a
    /// cleared environment, in a fresh 40×120 pseudo-terminal.
    fn spawn(dir: &Path, program: &str, args: &[OsString]) -> Result<Session> {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| format!("cannot open a pseudo-terminal: {e}"))?;

        let mut cmd = CommandBuilder::new(program);
        cmd.cwd(dir);
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", dir);
        cmd.env("TMPDIR", dir);
        cmd.args(args);

        let started = Instant::now();
        let child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| format!("cannot start {program} in the pseudo-terminal: {e}"))?;
        // Only the child holds the terminal side now, so reads of the master
        // end when the child exits.
        drop(pair.slave);

        let term = Arc::new(Mutex::new(Term::new()));
        let mut reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| format!("cannot read the pseudo-terminal: {e}"))?;
        let writer = pair
            .master
            .take_writer()
            .map_err(|e| format!("cannot write to the pseudo-terminal: {e}"))?;
        let reader = {
            let term = Arc::clone(&term);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        // EOF, or EIO once the child has exited (Linux).
                        Ok(0) | Err(_) => break,
                        Ok(n) => lock(&term).feed(&buf[..n], Instant::now()),
                    }
                }
                lock(&term).ended = true;
            })
        };
        Ok(Session {
            child,
            _master: pair.master,
            writer: Some(writer),
            term,
            reader: Some(reader),
            started,
            log: dir.join("onramp.log"),
            exit_code: None,
        })
    }

    /// `onramp --demo --log-file DIR/onramp.log`, directly or under `wrapper`
    /// (`[program, args…]`, such as GNU time).
    fn demo(dir: &Path, wrapper: &[OsString]) -> Result<Session> {
        let mut argv: Vec<OsString> = wrapper.to_vec();
        argv.extend([
            ONRAMP.into(),
            "--demo".into(),
            "--log-file".into(),
            dir.join("onramp.log").into(),
        ]);
        let program = argv.remove(0);
        Session::spawn(dir, &program.to_string_lossy(), &argv)
    }

    /// The text of the last complete frame.
    fn contents(&self) -> String {
        lock(&self.term).screen().contents()
    }

    /// Types `keys` into the terminal.
    fn send(&mut self, keys: &str) -> Result<()> {
        let writer = self
            .writer
            .as_mut()
            .ok_or("the terminal's input is closed")?;
        writer
            .write_all(keys.as_bytes())
            .and_then(|()| writer.flush())
            .map_err(|e| format!("cannot type {keys:?}: {e}"))
    }

    /// Waits until the last complete frame shows `text`.
    fn wait_for(&self, text: &str) -> Result<()> {
        let waited = Instant::now();
        loop {
            if lock(&self.term).screen().contents().contains(text) {
                return Ok(());
            }
            if waited.elapsed() > TIMEOUT {
                return Err(self.failure(&format!(
                    "waited {TIMEOUT:?} for the screen to show {text:?}"
                )));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Enter, then wait for the screen whose header is `next`.
    fn enter(&mut self, next: &str) -> Result<()> {
        self.send(ENTER)?;
        self.wait_for(next)
    }

    /// Waits for the first complete frame that shows the welcome header;
    /// returns the time from just before the spawn until it was read.
    fn wait_first_frame(&self) -> Result<Duration> {
        loop {
            if let Some(at) = lock(&self.term).first_frame_at {
                return Ok(at.duration_since(self.started));
            }
            if self.started.elapsed() > TIMEOUT {
                return Err(self.failure(&format!(
                    "waited {TIMEOUT:?} for the first frame ({WELCOME:?})"
                )));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits for the process to exit and its output to end; its exit code.
    fn wait_exit(&mut self) -> Result<u32> {
        let waited = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => {}
                Err(e) => return Err(format!("cannot wait for the child: {e}")),
            }
            if waited.elapsed() > TIMEOUT {
                return Err(self.failure(&format!("waited {TIMEOUT:?} for the process to exit")));
            }
            std::thread::sleep(POLL);
        };
        let code = status.exit_code();
        self.exit_code = Some(code);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        Ok(code)
    }

    /// Kills the process (if still running) and reaps it; closes the
    /// terminal's input only after that, as closing it types EOF.
    fn stop(&mut self) {
        if self.exit_code.is_none() && !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        self.exit_code.get_or_insert(u32::MAX);
        self.writer.take();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }

    /// `why`, with the screen and the end of the wizard's log.
    fn failure(&self, why: &str) -> String {
        let rule = "─".repeat(usize::from(COLS));
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        format!(
            "{why}\nthe screen:\n{rule}\n{}\n{rule}\nthe end of the log:\n{tail}",
            self.contents()
        )
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One run: spawn, wait for the first frame, kill. The time to the frame.
fn startup_once() -> Result<Duration> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temp dir: {e}"))?;
    let mut session = Session::demo(dir.path(), &[])?;
    let elapsed = session.wait_first_frame()?;
    session.stop();
    Ok(elapsed)
}

/// What the full demo flow gives: its wall time and GNU time's report.
struct Flow {
    wall: Duration,
    max_rss_kb: Option<u64>,
}

/// Drives `onramp --demo` from the welcome screen to the summary and quits,
/// under `/usr/bin/time -v` when there is one (the keys and texts of
/// tests/tui_pty.rs `demo_full_flow_reaches_the_summary`).
fn full_flow() -> Result<Flow> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temp dir: {e}"))?;
    let report = dir.path().join("time.txt");
    let wrapper: Vec<OsString> = if Path::new(GNU_TIME).exists() {
        vec![
            GNU_TIME.into(),
            "-v".into(),
            "-o".into(),
            report.clone().into(),
        ]
    } else {
        Vec::new()
    };
    let mut t = Session::demo(dir.path(), &wrapper)?;
    t.wait_for(WELCOME)?;
    t.wait_for(DEMO_ACCOUNT)?;
    t.enter(SCOPE)?;
    t.enter(BUCKETS)?;
    t.wait_for("[x] onramp-demo-inputs")?;
    t.enter(OPTIONS)?;
    t.enter(CLUSTER)?;
    t.enter(REVIEW)?;
    // Enter only goes on once the account has been read.
    t.wait_for("+ new")?;
    t.enter(PREVIEW)?;
    t.wait_for("Document (e edits)")?;
    t.enter(CONFIRM)?;
    t.send("y")?;
    t.wait_for(APPLY)?;
    t.wait_for("done: everything is created as planned")?;
    t.enter(SUMMARY)?;
    t.send("q")?;
    let code = t.wait_exit()?;
    let wall = t.started.elapsed();
    if code != 0 {
        return Err(t.failure(&format!("the demo flow exited with {code}, not 0")));
    }
    drop(t);

    if wrapper.is_empty() {
        return Ok(Flow {
            wall,
            max_rss_kb: None,
        });
    }
    let text = std::fs::read_to_string(&report)
        .map_err(|e| format!("cannot read GNU time's report {}: {e}", report.display()))?;
    let max_rss_kb = text
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes):")
                .and_then(|v| v.trim().parse::<u64>().ok())
        })
        .ok_or_else(|| format!("no \"Maximum resident set size\" in GNU time's report:\n{text}"))?;
    Ok(Flow {
        wall,
        max_rss_kb: Some(max_rss_kb),
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn run(bench: bool) -> Result<()> {
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
        times.push(startup_once()?);
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

    let flow = full_flow()?;
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
    Ok(())
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; `cargo test` runs the binary without it.
    let bench = std::env::args().skip(1).any(|a| a == "--bench");
    match run(bench) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("startup bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}
