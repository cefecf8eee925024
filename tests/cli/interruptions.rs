//! The real binary killed with SIGKILL in the middle of `apply` against moto,
//! at points spread over the whole run, then run again with the same
//! journal: it must finish, the journal must account for everything moto
//! holds, and `destroy` must leave nothing. And journals that were cut off
//! or damaged: a clear error naming the line, with nothing changed.
//!
//! The kill points are random (seeded; the seed is printed, and
//! `ONRAMP_KILL_SEED=N` replays a run): after the journal reaches a given
//! number of lines, plus a random few hundred microseconds, so that some
//! kills land between an intent and its result, with the call in flight.
//!
//! And Ctrl-C (SIGINT) on `apply --yes` and `destroy --yes`: the first stops
//! the run after the call in flight (exit 130, the journal ending on
//! results), a second stops it at once; either way the journal resumes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use onramp::apply::journal::{self, Record};
use onramp::apply::run::CONCURRENCY;
use onramp::cloud::sdk::SdkCloud;
use onramp::iam::action::Action;
use onramp::plan::Plan;
use onramp_testkit::command;
use onramp_testkit::facts;
use onramp_testkit::fault_proxy::FaultProxy;
use onramp_testkit::journal::{done_actions, open_intents};
use onramp_testkit::kills::{Random, kill_during, lines, seed, show};
use onramp_testkit::moto;

/// How many kills must land while apply is running.
const KILLS: usize = 20;

/// A moto account with the everything example written for it.
struct Setup {
    account: moto::TestAccount,
    plan: Plan,
    direct: SdkCloud,
    home: tempfile::TempDir,
    answers: PathBuf,
}

async fn setup() -> Setup {
    let account = moto::fresh_account().await;
    let direct = moto::connect(&account, &account.endpoint).await;
    let (toml, plan) = facts::everything_example(&direct, &account.account_id).await;
    let home = tempfile::tempdir().unwrap();
    let answers = home.path().join("answers.toml");
    std::fs::write(&answers, toml).unwrap();
    Setup {
        account,
        plan,
        direct,
        home,
        answers,
    }
}

impl Setup {
    /// onramp with the account's credentials, talking to `endpoint` (moto,
    /// or the fault proxy in front of it).
    fn onramp_at(&self, endpoint: &str, args: &[&str]) -> Command {
        command::onramp_at(self.home.path(), &self.account.credentials, endpoint, args)
    }

    fn apply_at(&self, journal: &Path, endpoint: &str) -> Command {
        self.onramp_at(
            endpoint,
            &[
                "apply",
                "--answers",
                self.answers.to_str().unwrap(),
                "--yes",
                "--journal",
                journal.to_str().unwrap(),
            ],
        )
    }

    fn destroy_at(&self, journal: &Path, endpoint: &str) -> Command {
        self.onramp_at(
            endpoint,
            &["destroy", "--journal", journal.to_str().unwrap(), "--yes"],
        )
    }

    fn apply(&self, journal: &Path) -> Command {
        self.apply_at(journal, &self.account.endpoint)
    }

    fn destroy(&self, journal: &Path) -> Output {
        self.destroy_at(journal, &self.account.endpoint)
            .output()
            .unwrap()
    }
}

async fn assert_complete(s: &Setup, what: &str) {
    facts::assert_complete(&s.direct, &s.plan, what).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_apply_then_resume_completes() {
    let seed = seed();
    eprintln!("ONRAMP_KILL_SEED={seed}");
    let mut random = Random(seed);
    let s = setup().await;

    // A clean run, to know how long the journal of a whole apply is.
    let clean = s.home.path().join("clean.jsonl");
    let o = s.apply(&clean).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let total = lines(&clean);
    assert!(total > 30, "a whole apply writes {total} lines");
    let o = s.destroy(&clean);
    assert!(o.status.success(), "{}", show(&o));
    assert!(facts::moto_facts(&s.direct, &s.plan).await.is_empty());

    let mut landed = 0;
    let mut attempt = 0;
    let mut in_flight = 0;
    while landed < KILLS {
        attempt += 1;
        assert!(attempt < KILLS * 3, "only {landed} kills landed mid-apply");
        let journal = s.home.path().join(format!("kill-{attempt}.jsonl"));
        // Spread over the run: the n-th kill in the n-th slice of the journal.
        let slice = (total - 1) / KILLS;
        let after = 1 + landed * slice + random.below(slice as u64 + 1) as usize;
        let extra = Duration::from_micros(random.below(1500));
        let what = format!("kill {attempt} after line {after} + {extra:?} (seed {seed})");
        let child = s
            .apply(&journal)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if kill_during(child, &journal, after, extra) {
            landed += 1;
            let entries = journal::read(&journal)
                .unwrap_or_else(|e| panic!("{what}: the journal stays readable: {e}"));
            let open_intent = entries
                .last()
                .is_some_and(|e| matches!(e.record, Record::Intent(_)));
            if open_intent {
                in_flight += 1;
            }
            facts::assert_journal_matches(&s.direct, &s.plan, &journal, &what).await;
        }
        // Resume with the same journal, whether or not the kill landed.
        let o = s.apply(&journal).output().unwrap();
        assert!(o.status.success(), "{what}: resume: {}", show(&o));
        assert_complete(&s, &what).await;
        facts::assert_journal_matches(&s.direct, &s.plan, &journal, &format!("{what}, resumed"))
            .await;
        let o = s.destroy(&journal);
        assert!(o.status.success(), "{what}: destroy: {}", show(&o));
        let left = facts::moto_facts(&s.direct, &s.plan).await;
        assert!(left.is_empty(), "{what}: destroy left {left:?}");
    }
    eprintln!(
        "{landed} kills mid-apply in {attempt} attempts, {in_flight} with a call in flight (journal of {total} lines)"
    );
    assert!(
        in_flight > 0,
        "no kill landed between an intent and its result (seed {seed})"
    );
}

/// Journals whose lines were cut off or damaged, for `account`: what is
/// wrong, the bytes, and the line to be named.
fn damaged_journals(account: &str) -> Vec<(&'static str, Vec<u8>, usize)> {
    let run = format!(
        r#"{{"seq":1,"unix_ms":1,"event":"run","command":"apply","account_id":"{account}","region":"us-east-1","onramp_version":"0.1.0"}}"#
    );
    let intent = r#"{"seq":2,"unix_ms":2,"event":"intent","action":"CreateRole","kind":"role","name":"lab-ecsInstanceRole"}"#;
    let done = format!(
        r#"{{"seq":3,"unix_ms":3,"event":"done","action":"CreateRole","kind":"role","name":"lab-ecsInstanceRole","arn":"arn:aws:iam::{account}:role/onramp/lab-ecsInstanceRole"}}"#
    );
    let cut = &done[..done.len() / 2];
    vec![
        (
            "cut off in the last line",
            format!("{run}\n{intent}\n{cut}").into_bytes(),
            3,
        ),
        (
            "garbage in the middle",
            format!("{run}\nnot json at all\n{done}\n").into_bytes(),
            2,
        ),
        (
            "entries out of order",
            format!("{run}\n{done}\n{intent}\n").into_bytes(),
            3,
        ),
        (
            "an unknown event",
            format!("{run}\n{}\n", intent.replace("intent", "maybe")).into_bytes(),
            2,
        ),
        (
            "bytes that are not UTF-8",
            [format!("{run}\n").as_bytes(), b"\xff\xfe{}\n"].concat(),
            2,
        ),
        (
            "a line cut to a lone brace",
            format!("{run}\n{{\n").into_bytes(),
            2,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_journals_are_refused_naming_the_line() {
    let s = setup().await;
    for (what, bytes, line) in damaged_journals(&s.account.account_id) {
        let journal = s.home.path().join("damaged.jsonl");
        std::fs::write(&journal, &bytes).unwrap();
        for (command, output) in [
            ("apply", s.apply(&journal).output().unwrap()),
            ("destroy", s.destroy(&journal)),
        ] {
            let err = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(1),
                "{what}, {command}: {}",
                show(&output)
            );
            assert!(
                err.contains(&format!("damaged at line {line}")),
                "{what}, {command}: names line {line}: {err}"
            );
            assert_eq!(
                std::fs::read(&journal).unwrap(),
                bytes,
                "{what}, {command}: the journal is left as it was"
            );
        }
        let held = facts::moto_facts(&s.direct, &s.plan).await;
        assert!(held.is_empty(), "{what}: nothing was created: {held:?}");
    }
}

// Ctrl-C (SIGINT) mid-run: the run stops after the call in flight, so the
// journal ends on results; a second Ctrl-C stops at once. The proxy holds
// back the answer to one chosen call so that the signal lands while that
// call is in flight, every time.

/// How long the proxy holds back the answer to the call a SIGINT lands on:
/// long enough to signal while it is in flight, well inside the 10 s an
/// attempt may take, so that the call itself succeeds.
const HOLD: Duration = Duration::from_millis(1_500);

/// A run of the binary with its output going to files (a pipe nobody reads
/// could fill and block it).
struct Running {
    child: Child,
    stderr: PathBuf,
    stdout: PathBuf,
}

impl Running {
    fn start(mut command: Command, dir: &Path, name: &str) -> Running {
        let stdout = dir.join(format!("{name}.out"));
        let stderr = dir.join(format!("{name}.err"));
        let child = command
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        Running {
            child,
            stderr,
            stdout,
        }
    }

    fn sigint(&self) {
        use rustix::process::{Pid, Signal, kill_process};
        kill_process(Pid::from_child(&self.child), Signal::INT).unwrap();
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits until `ready` holds, failing if the run ends first.
    fn wait_until(&mut self, what: &str, ready: impl Fn(&Running) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !ready(self) {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("{what}: the run ended first ({status}): {}", self.stderr());
            }
            assert!(Instant::now() < deadline, "{what}: not within 60 s");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the exit (at most `limit`) and returns its code and stderr.
    fn finish(mut self, limit: Duration) -> (Option<i32>, String) {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let out = std::fs::read_to_string(&self.stdout).unwrap_or_default();
                return (status.code(), format!("{out}{}", self.stderr()));
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("still running after {limit:?}: {}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_mid_apply_or_destroy_stops_after_the_call_in_flight() {
    let s = setup().await;
    let proxy = FaultProxy::start(&s.account.endpoint);
    let dir = s.home.path();

    // A clean run through the proxy: how many calls, and what a whole set-up is.
    let clean = dir.join("clean.jsonl");
    proxy.schedule(None);
    let o = s.apply_at(&clean, proxy.url()).output().unwrap();
    assert!(o.status.success(), "{}", show(&o));
    let steps = proxy.seen().iter().filter(|r| r.mutating()).count();
    let whole = facts::moto_facts(&s.direct, &s.plan).await;
    let o = s.destroy(&clean);
    assert!(o.status.success(), "{}", show(&o));

    // While a role's create is held: its attachments wait for it, so the
    // stop leaves something not started. (Once every create is done, every
    // remaining call goes out at once, and a stop changes nothing.)
    for nth in [1, 2, 3] {
        let what = format!("SIGINT on CreateRole {nth} ({steps} steps in all)");
        let journal = dir.join(format!("sigint-{nth}.jsonl"));
        proxy.hold_action(Action::CreateRole, nth, HOLD);
        let mut run = Running::start(s.apply_at(&journal, proxy.url()), dir, "apply");
        run.wait_until(&what, |_| proxy.target_action().is_some());
        run.sigint();
        let (code, output) = run.finish(Duration::from_secs(30));
        let held_call = proxy.target_action().unwrap();
        assert_eq!(code, Some(130), "{what}: {output}");
        for said in [
            "stopping after the calls in flight",
            "stopped on request",
            "to resume, run `onramp ",
            // What exists of the plan, and every resource that does not.
            "planned resources exist as planned.",
        ] {
            assert!(output.contains(said), "{what}: says {said:?}: {output}");
        }
        assert_eq!(
            open_intents(&journal),
            [],
            "{what}: every call has its result"
        );
        assert!(
            done_actions(&journal)
                .iter()
                .any(|a| a.as_str() == held_call),
            "{what}: the call in flight ({held_call}) finished and was recorded"
        );
        let held = facts::moto_facts(&s.direct, &s.plan).await;
        assert_ne!(held, whole, "{what}: the apply stopped before the end");
        facts::assert_journal_matches(&s.direct, &s.plan, &journal, &what).await;

        proxy.schedule(None);
        let o = s.apply(&journal).output().unwrap();
        assert!(o.status.success(), "{what}: resume: {}", show(&o));
        assert_complete(&s, &what).await;

        // Destroy, stopped the same way on its second call.
        let what = format!("{what}, then SIGINT on destroy");
        proxy.hold(2, HOLD);
        let mut run = Running::start(s.destroy_at(&journal, proxy.url()), dir, "destroy");
        run.wait_until(&what, |_| proxy.target_action().is_some());
        run.sigint();
        let (code, output) = run.finish(Duration::from_secs(30));
        assert_eq!(code, Some(130), "{what}: {output}");
        assert!(
            output.contains("stopped on request") && output.contains("undoes the rest"),
            "{what}: {output}"
        );
        assert_eq!(
            open_intents(&journal),
            [],
            "{what}: every call has its result"
        );
        facts::assert_journal_matches(&s.direct, &s.plan, &journal, &what).await;
        let left = facts::moto_facts(&s.direct, &s.plan).await;
        assert!(
            !left.is_empty() && left.len() < whole.len(),
            "{what}: destroy stopped part way: {left:?}"
        );
        proxy.schedule(None);
        let o = s.destroy(&journal);
        assert!(o.status.success(), "{what}: destroy again: {}", show(&o));
        let left = facts::moto_facts(&s.direct, &s.plan).await;
        assert!(left.is_empty(), "{what}: destroy left {left:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigint_stops_at_once_and_the_journal_still_resumes() {
    // Held longer than anyone waits: only the second Ctrl-C ends the run soon.
    const LONG_HOLD: Duration = Duration::from_secs(8);
    let s = setup().await;
    let proxy = FaultProxy::start(&s.account.endpoint);
    let dir = s.home.path();
    let journal = dir.join("twice.jsonl");
    proxy.hold(5, LONG_HOLD);
    let mut run = Running::start(s.apply_at(&journal, proxy.url()), dir, "apply");
    run.wait_until("the held call", |_| proxy.target_action().is_some());
    run.sigint();
    run.wait_until("the first Ctrl-C is taken", |r| {
        r.stderr().contains("Ctrl-C again stops at once")
    });
    let second = Instant::now();
    run.sigint();
    let (code, output) = run.finish(Duration::from_secs(30));
    let took = second.elapsed();
    assert_eq!(code, Some(130), "{output}");
    assert!(
        took < LONG_HOLD / 2,
        "the second Ctrl-C does not wait for the call in flight: {took:?}"
    );
    assert!(output.contains("stopped at once"), "{output}");
    assert!(output.contains("to resume, run `onramp "), "{output}");
    // The held call stays open, with any other call of its wave that was in
    // flight beside it.
    let open = open_intents(&journal);
    let held = proxy.target_action().unwrap();
    assert!(
        open.iter().any(|c| c.action.as_str() == held) && open.len() <= CONCURRENCY,
        "the abandoned calls stay open, {held} among them: {open:?}"
    );
    facts::assert_journal_matches(&s.direct, &s.plan, &journal, "abandoned").await;

    proxy.schedule(None);
    let o = s.apply(&journal).output().unwrap();
    assert!(o.status.success(), "resume: {}", show(&o));
    assert_complete(&s, "resumed after a second Ctrl-C").await;
    facts::assert_journal_matches(&s.direct, &s.plan, &journal, "resumed").await;
    let o = s.destroy(&journal);
    assert!(o.status.success(), "destroy: {}", show(&o));
    let left = facts::moto_facts(&s.direct, &s.plan).await;
    assert!(left.is_empty(), "destroy left {left:?}");
}
