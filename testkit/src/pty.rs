//! Drives the real `onramp` binary in a pseudo-terminal, as a user at a
//! keyboard would, and reads what it draws through a vt100 emulator.
//!
//! Rules that keep these tests reliable:
//! - Synchronise on what the screen shows ([`Tui::wait_for`]), never on
//!   sleeps: send a key, wait for its visible effect, then send the next.
//! - Everything reads the last *complete* frame: the wizard writes a frame in
//!   several chunks, and a half-drawn one could show the new header over the
//!   old body. A frame is complete when ratatui hides or shows the cursor,
//!   which it does after every draw.
//! - Wait for the last effect of what was typed: after typing `oops`, wait
//!   for `oops`, not for a verdict the first `o` already brings.
//! - Send Esc on its own and wait for its effect before the next key: a lone
//!   `\x1b` followed quickly by more bytes reads as Alt+key or as the start of
//!   an escape sequence. Complete sequences (arrows) and plain characters may
//!   be sent together: the wizard handles them in order.
//! - Each test runs the binary in a temporary directory of its own, with an
//!   environment that cannot reach the machine's AWS configuration.
//! - Start other long-lived processes (moto) under [`spawn_guard`]: a
//!   process forked while another test opens a pseudo-terminal inherits its
//!   descriptors, holds the terminal open, and that test's wizard then never
//!   reaches the end of its output.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// The terminal the wizard gets: above its 80×24 minimum.
pub const ROWS: u16 = 30;
pub const COLS: u16 = 100;

/// How long anything may take to show up. Generous: CI machines are slow
/// and the binary is a debug build.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// How often the screen is looked at while waiting.
const POLL: Duration = Duration::from_millis(20);

/// Held while a pseudo-terminal is opened and its child started.
static SPAWNING: Mutex<()> = Mutex::new(());

/// Keeps pseudo-terminals from being opened while it is held. Hold it while
/// starting any other process that outlives the moment (such as moto with
/// `moto::moto_endpoint()`): `openpty` makes its descriptors inheritable
/// for a moment, and a process forked then keeps the terminal open.
/// (The wizards started here close what they inherit; other children do not.)
pub fn spawn_guard() -> std::sync::MutexGuard<'static, ()> {
    lock(&SPAWNING)
}

/// What the wizard's screens show, to wait for: each screen's header, and
/// the demo account once the welcome screen has connected.
pub mod screens {
    pub const WELCOME: &str = "step 1/11 · Welcome";
    pub const SCOPE: &str = "step 2/11 · What to set up";
    pub const BUCKETS: &str = "step 3/11 · Buckets";
    pub const OPTIONS: &str = "step 4/11 · Options";
    pub const CLUSTER: &str = "step 5/11 · ParallelCluster";
    pub const OMICS: &str = "step 6/11 · HealthOmics";
    pub const REVIEW: &str = "step 7/11 · Review";
    pub const PREVIEW: &str = "step 8/11 · Policy preview";
    pub const CONFIRM: &str = "step 9/11 · Confirm";
    pub const APPLY: &str = "step 10/11 · Apply";
    pub const SUMMARY: &str = "step 11/11 · Summary";
    pub const DEMO_ACCOUNT: &str = "account  123456789012";
}

/// The bytes a terminal sends for some keys.
pub mod keys {
    pub const ENTER: &str = "\r";
    pub const SPACE: &str = " ";
    /// Send it alone, then wait for its effect (see the module docs).
    pub const ESC: &str = "\x1b";
    pub const TAB: &str = "\t";
    pub const BACKSPACE: &str = "\x7f";
    pub const UP: &str = "\x1b[A";
    pub const DOWN: &str = "\x1b[B";
    pub const RIGHT: &str = "\x1b[C";
    pub const LEFT: &str = "\x1b[D";
    pub const CTRL_C: &str = "\x03";
    pub const CTRL_S: &str = "\x13";
}

/// How to start the wizard: arguments and environment on top of an isolated
/// base (see [`Onramp::spawn`]).
#[derive(Debug, Clone)]
pub struct Onramp {
    dir: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    journal: Option<PathBuf>,
    /// Rows and columns of the terminal.
    size: (u16, u16),
    /// A program (with its arguments) that runs onramp, such as GNU time.
    wrapper: Vec<OsString>,
}

impl Onramp {
    /// The wizard, run in `dir` (its working directory and `HOME`), with
    /// `--journal DIR/j.jsonl` and `--log-file DIR/onramp.log` so that nothing
    /// is written anywhere else.
    pub fn in_dir(dir: &Path) -> Onramp {
        Onramp {
            dir: dir.to_owned(),
            args: Vec::new(),
            env: Vec::new(),
            journal: Some(dir.join("j.jsonl")),
            size: (ROWS, COLS),
            wrapper: Vec::new(),
        }
    }

    /// `onramp --demo` in `dir`.
    pub fn demo(dir: &Path) -> Onramp {
        Onramp::in_dir(dir).arg("--demo")
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Onramp {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Onramp
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Onramp {
        self.env.push((key.into(), value.into()));
        self
    }

    /// A terminal of `rows`×`cols` instead of [`ROWS`]×[`COLS`].
    pub fn size(mut self, rows: u16, cols: u16) -> Onramp {
        self.size = (rows, cols);
        self
    }

    /// Runs onramp under `program args…` (e.g. `/usr/bin/time -v -o FILE`).
    pub fn wrapped_in<I, S>(mut self, program_and_args: I) -> Onramp
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.wrapper = program_and_args.into_iter().map(Into::into).collect();
        self
    }

    /// The journal to pass with `--journal` (default `DIR/j.jsonl`).
    pub fn journal(mut self, path: &Path) -> Onramp {
        self.journal = Some(path.to_owned());
        self
    }

    /// The log file every run writes (`--log-file`), shown when a wait fails.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("onramp.log")
    }

    /// Starts the binary in a fresh pseudo-terminal of [`ROWS`]×[`COLS`].
    ///
    /// The environment is cleared, then gets only `PATH`, `TERM`, a `HOME`
    /// in the test's directory, AWS configuration files that do not exist,
    /// IMDS disabled, and what the test adds with [`Onramp::env`]. No `AWS_*`
    /// variable of the machine's reaches the wizard.
    pub fn spawn(self) -> Tui {
        let guard = spawn_guard();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: self.size.0,
                cols: self.size.1,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("cannot open a pseudo-terminal");

        let onramp = OsString::from(crate::files::onramp_bin());
        let mut cmd = match self.wrapper.split_first() {
            Some((program, args)) => {
                let mut cmd = CommandBuilder::new(program);
                cmd.args(args);
                cmd.arg(onramp);
                cmd
            }
            None => CommandBuilder::new(onramp),
        };
        cmd.cwd(&self.dir);
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", &self.dir);
        cmd.env("AWS_CONFIG_FILE", self.dir.join("no-such-aws-config"));
        cmd.env(
            "AWS_SHARED_CREDENTIALS_FILE",
            self.dir.join("no-such-aws-credentials"),
        );
        cmd.env("AWS_EC2_METADATA_DISABLED", "true");
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd.args(&self.args);
        if let Some(journal) = &self.journal {
            cmd.arg("--journal");
            cmd.arg(journal);
        }
        cmd.arg("--log-file");
        cmd.arg(self.log_path());

        let started = Instant::now();
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("cannot start onramp in the pseudo-terminal");
        // Only the child holds the terminal side now, so reads of the master
        // end when the child exits.
        drop(pair.slave);
        drop(guard);

        let term = Arc::new(Mutex::new(Term::new(self.size)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (done_tx, done) = mpsc::channel();
        {
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
                lock(&term).finish();
                let _ = done_tx.send(());
            });
        }
        Tui {
            child,
            master: pair.master,
            writer: Some(writer),
            term,
            reader_done: done,
            output_complete: false,
            exit_code: None,
            log: self.log_path(),
            started,
        }
    }
}

/// The emulated terminal: everything written to it, and its screen as of the
/// last complete frame.
struct Term {
    parser: vt100::Parser,
    /// Every byte the wizard wrote, for checks of escape sequences.
    output: Vec<u8>,
    /// How much of `output` the parser has seen.
    processed: usize,
    /// The screen when the last frame was complete.
    frame: Option<vt100::Screen>,
    /// When each complete frame was read, and its text.
    frame_log: Vec<(Instant, String)>,
}

impl Term {
    /// What ratatui writes after each frame: hide the cursor, or show it
    /// (then move it into a text field).
    const FRAME_ENDS: [&'static [u8]; 2] = [b"\x1b[?25l", b"\x1b[?25h"];

    fn new((rows, cols): (u16, u16)) -> Term {
        Term {
            parser: vt100::Parser::new(nonzero(rows), nonzero(cols), 0),
            output: Vec::new(),
            processed: 0,
            frame: None,
            frame_log: Vec::new(),
        }
    }

    /// Takes bytes from the terminal, keeping the screen as of each frame
    /// that ends in them, with `read_at` (when the bytes were read) as the
    /// time of those frames.
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
            self.frame_log.push((read_at, screen.contents()));
            self.frame = Some(screen);
        }
        self.parser.process(&self.output[self.processed..]);
        self.processed = self.output.len();
    }

    /// The output has ended: from now on the screen is the final state.
    fn finish(&mut self) {
        self.frame = None;
    }

    fn screen(&self) -> &vt100::Screen {
        self.frame.as_ref().unwrap_or_else(|| self.parser.screen())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running (or finished) wizard in a pseudo-terminal.
pub struct Tui {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Option<Box<dyn Write + Send>>,
    term: Arc<Mutex<Term>>,
    reader_done: Receiver<()>,
    output_complete: bool,
    exit_code: Option<u32>,
    log: PathBuf,
    /// Just before the process was spawned.
    started: Instant,
}

impl Tui {
    /// The text of the last complete frame, rows separated by newlines.
    pub fn contents(&self) -> String {
        self.with_screen(vt100::Screen::contents)
    }

    /// Runs `f` on the last complete frame (colours, cursor, modes); once
    /// the output has ended, on the final state of the terminal.
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        f(lock(&self.term).screen())
    }

    /// How many complete frames the wizard has drawn: to wait for a redraw
    /// after a key whose effect does not show in the text.
    pub fn frames(&self) -> u64 {
        lock(&self.term).frame_log.len() as u64
    }

    /// The first row of the screen that contains `text`.
    pub fn row_with(&self, text: &str) -> Option<String> {
        self.contents()
            .lines()
            .find(|l| l.contains(text))
            .map(str::to_owned)
    }

    /// Everything the wizard wrote so far, escape sequences included.
    pub fn output(&self) -> Vec<u8> {
        lock(&self.term).output.clone()
    }

    /// Writes raw bytes to the terminal, as typed keys.
    pub fn send(&mut self, keys: &str) {
        let writer = self
            .writer
            .as_mut()
            .expect("the terminal's input is closed");
        writer.write_all(keys.as_bytes()).unwrap();
        writer.flush().unwrap();
    }

    /// Resizes the terminal, as dragging the window does: the wizard gets
    /// SIGWINCH and draws again at the new size.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        lock(&self.term)
            .parser
            .set_size(nonzero(rows), nonzero(cols));
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("cannot resize the pseudo-terminal");
    }

    /// Types text (no Esc in it; see the module docs).
    pub fn type_text(&mut self, text: &str) {
        assert!(
            !text.contains('\x1b'),
            "send Esc on its own with send(keys::ESC), then wait for its effect"
        );
        self.send(text);
    }

    /// When the process was spawned (just before).
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Waits for the first complete frame that shows `text`; returns the
    /// time from just before the spawn until that frame was read (not until
    /// this wait noticed it).
    #[track_caller]
    pub fn time_to_first_frame_showing(&self, text: &str) -> Duration {
        self.wait_for(text);
        // Before the first frame ends, the screen waited on is the one being
        // drawn: the text can show there a moment before its frame is
        // complete and logged.
        let started = Instant::now();
        loop {
            {
                let term = lock(&self.term);
                if let Some((read_at, _)) = term
                    .frame_log
                    .iter()
                    .find(|(_, contents)| contents.contains(text))
                {
                    return read_at.duration_since(self.started);
                }
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "the screen showed {text:?} but no complete frame did within {TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits until the screen contains `text`; returns the screen then.
    #[track_caller]
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_within(text, TIMEOUT)
    }

    #[track_caller]
    pub fn wait_for_within(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(&format!("the screen to show {text:?}"), timeout, |s| {
            s.contents().contains(text)
        })
    }

    /// Waits until the screen no longer contains `text`.
    #[track_caller]
    pub fn wait_gone(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} to leave the screen"), TIMEOUT, |s| {
            !s.contents().contains(text)
        })
    }

    /// Waits until `ready` holds for the screen; returns its text then. On
    /// timeout, panics with what was awaited, the screen and the log's end.
    #[track_caller]
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        ready: impl Fn(&vt100::Screen) -> bool,
    ) -> String {
        let started = Instant::now();
        loop {
            {
                let term = lock(&self.term);
                let screen = term.screen();
                if ready(screen) {
                    return screen.contents();
                }
            }
            if started.elapsed() > timeout {
                self.fail(&format!("waited {timeout:?} for {what}"));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Panics with `why`, the screen, and the end of the wizard's log.
    #[track_caller]
    pub fn fail(&self, why: &str) -> ! {
        let screen = self.contents();
        let rule = "─".repeat(usize::from(COLS));
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!(
            "{why}\nthe screen:\n{rule}\n{screen}\n{rule}\nthe end of the log:\n{}",
            tail.join("\n")
        );
    }

    /// Asserts that the screen shows `text` now.
    #[track_caller]
    pub fn assert_shows(&self, text: &str) {
        if !self.contents().contains(text) {
            self.fail(&format!("the screen should show {text:?}"));
        }
    }

    /// Asserts that the screen does not show `text` now.
    #[track_caller]
    pub fn assert_lacks(&self, text: &str) {
        if self.contents().contains(text) {
            self.fail(&format!("the screen should not show {text:?}"));
        }
    }

    /// Whether the process has ended (without waiting).
    pub fn exited(&mut self) -> bool {
        self.exit_code.is_some() || self.child.try_wait().unwrap().is_some()
    }

    /// Waits for the process to end and for all it wrote to be read; returns
    /// its exit code.
    #[track_caller]
    pub fn wait_exit(&mut self) -> u32 {
        self.wait_exit_within(TIMEOUT)
    }

    #[track_caller]
    pub fn wait_exit_within(&mut self, timeout: Duration) -> u32 {
        if let Some(code) = self.exit_code {
            return code;
        }
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > timeout {
                self.fail(&format!("waited {timeout:?} for onramp to exit"));
            }
            std::thread::sleep(POLL);
        };
        // The last frame and the restoring sequences may still be in the pipe.
        if self.reader_done.recv_timeout(TIMEOUT).is_err() {
            self.fail(
                "onramp exited, but its terminal output did not end: another process holds \
                 the terminal open (was it started without pty::spawn_guard?)",
            );
        }
        self.output_complete = true;
        let code = status.exit_code();
        self.exit_code = Some(code);
        code
    }

    /// Sends SIGINT, as `kill -INT` from another terminal does (Ctrl-C typed
    /// into the wizard's raw-mode terminal arrives as a key instead).
    #[cfg(unix)]
    pub fn sigint(&self) {
        use rustix::process::{Pid, Signal, kill_process};
        let pid = self
            .child
            .process_id()
            .and_then(|p| Pid::from_raw(i32::try_from(p).ok()?))
            .unwrap();
        kill_process(pid, Signal::INT).unwrap();
    }

    /// Kills the process (SIGKILL on Unix): it gets no chance to restore
    /// the terminal. For tests of what a crash leaves behind.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// The terminal's line discipline flags as `tcgetattr` reports them
    /// (`ICANON`, `ECHO`, `ISIG`, …), for checking raw mode.
    #[cfg(unix)]
    pub fn local_flags(&self) -> Vec<String> {
        let termios = self.master.get_termios().expect("tcgetattr on the pty");
        format!("{:?}", termios.local_flags)
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Whether the terminal is in raw mode: no line editing, no echo, no
    /// signals from keys.
    #[cfg(unix)]
    pub fn raw_mode(&self) -> bool {
        let flags = self.local_flags();
        !["ICANON", "ECHO", "ISIG"]
            .iter()
            .any(|f| flags.iter().any(|g| g == f))
    }

    /// Whether the terminal is back in the usual ("cooked") mode: line
    /// editing, echo, and Ctrl-C as a signal.
    #[cfg(unix)]
    pub fn cooked_mode(&self) -> bool {
        let flags = self.local_flags();
        ["ICANON", "ECHO", "ISIG"]
            .iter()
            .all(|f| flags.iter().any(|g| g == f))
    }

    /// Asserts that the wizard has the terminal: alternate screen, raw mode.
    #[track_caller]
    pub fn assert_terminal_taken(&self) {
        if self.frames() == 0 {
            self.fail(
                "no complete frame seen: ratatui no longer ends its frames as Term::FRAME_ENDS expects",
            );
        }
        if !self.with_screen(vt100::Screen::alternate_screen) {
            self.fail("the wizard should draw on the alternate screen");
        }
        #[cfg(unix)]
        if !self.raw_mode() {
            self.fail(&format!(
                "the terminal should be in raw mode; its flags: {:?}",
                self.local_flags()
            ));
        }
    }

    /// After [`Tui::wait_exit`]: asserts that the terminal was given back as
    /// it was: the normal screen, a visible cursor, raw mode off, mouse
    /// capture off.
    #[track_caller]
    pub fn assert_terminal_restored(&self) {
        assert!(
            self.output_complete,
            "call wait_exit first: the output may not be complete"
        );
        let output = String::from_utf8_lossy(&self.output()).into_owned();
        let (alternate, hidden) = self.with_screen(|s| (s.alternate_screen(), s.hide_cursor()));
        assert!(
            !alternate,
            "still on the alternate screen; the last switch was {:?}",
            last_of(&output, &["\x1b[?1049h", "\x1b[?1049l"])
        );
        assert!(
            !hidden,
            "the cursor is still hidden; the last cursor switch was {:?}",
            last_of(&output, &["\x1b[?25l", "\x1b[?25h"])
        );
        // The emulator tracks the modes; the raw log confirms the sequences
        // were really sent, last, and not just never switched on.
        assert_eq!(
            last_of(&output, &["\x1b[?1049h", "\x1b[?1049l"]),
            Some("\x1b[?1049l"),
            "the alternate screen was not left"
        );
        assert_eq!(
            last_of(&output, &["\x1b[?25l", "\x1b[?25h"]),
            Some("\x1b[?25h"),
            "the cursor was not shown again"
        );
        assert_eq!(
            last_of(&output, &["\x1b[?1000h", "\x1b[?1000l"]),
            Some("\x1b[?1000l"),
            "mouse capture was not turned off"
        );
        #[cfg(unix)]
        assert!(
            self.cooked_mode(),
            "raw mode was not turned off; the terminal's flags: {:?}",
            self.local_flags()
        );
    }
}

/// Which of `needles` occurs last in `haystack`.
pub fn last_of<'a>(haystack: &str, needles: &[&'a str]) -> Option<&'a str> {
    needles
        .iter()
        .filter_map(|n| haystack.rfind(n).map(|at| (at, *n)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, n)| n)
}

impl Drop for Tui {
    fn drop(&mut self) {
        // Kill before the writer is dropped: dropping it types a newline and
        // EOF into the terminal, which a running wizard would read as Enter.
        if self.exit_code.is_none() && !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.writer.take();
    }
}

fn nonzero(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("a terminal has rows and columns")
}
