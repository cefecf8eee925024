//! Adoption survives `kill -9` at every step: the real binary, adopting a
//! hand-made `ecsInstanceRole` (role and instance profile) for the genomics
//! example, killed with SIGKILL after each line its journal reaches, then
//! run again with the same journal; and the destroy that puts them back,
//! killed the same way. After each resume the account is complete (the
//! adopted entities as onramp makes them, field by field), and after each
//! destroy they are as the person made them, field by field, with nothing
//! of onramp's left and a further destroy doing nothing.
//!
//! Every killed journal is read too: it never records a call on an
//! adopted entity before that entity's adopt record (whose two states are
//! checked against the real ones), and moto is as the journal says, each
//! adopted field either as it was or as onramp makes it.
//!
//! Kill points: every journal length from the line before the adopt
//! records (a destroy: from its run record) to the end, plus a short
//! random wait (seeded; the seed is printed, `ONRAMP_KILL_SEED=N` replays
//! a run), while the fault proxy stretches every call so that kills land
//! inside calls. A journal grows by groups of lines written at once, so
//! several points meet at the same length; the lengths a run passes
//! through and those the kills met are printed. Where nothing is in
//! flight (between the run record and the adopt records, around the
//! restored records) the kill comes at once, and is tried again until
//! one lands there.

mod fields;
mod records;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use onramp::apply::journal::{self, Entry, Record};
use onramp::cloud::sdk::SdkCloud;
use onramp::plan::Plan;
use onramp_testkit::command;
use onramp_testkit::facts::{self, Fact};
use onramp_testkit::fault_proxy::FaultProxy;
use onramp_testkit::files;
use onramp_testkit::kills::{Random, SEED_VAR, journal_lengths, kill_during, lines, seed, show};
use onramp_testkit::moto;

use fields::HandMade;
use records::ADOPTED_ENTITIES;

/// About how long the proxy holds each mutating call of a run to be
/// killed, before moto and again after (each call its own time, up to
/// twice this): a kill lands before a call reaches IAM, or after IAM acted
/// but before the result is recorded, and calls sent together end apart.
const PACE: Duration = Duration::from_millis(15);

/// A fresh account holding the hand-made entities, and the genomics
/// answers for it.
struct Setup {
    account: moto::TestAccount,
    direct: SdkCloud,
    plan: Plan,
    home: tempfile::TempDir,
    answers: PathBuf,
    proxy: FaultProxy,
    /// The hand-made entities as made.
    before: HandMade,
    /// As onramp makes them.
    after: HandMade,
    /// What moto holds under the plan's names before any apply: the
    /// hand-made entities and their links, nothing of onramp's.
    untouched: BTreeSet<Fact>,
}

async fn setup() -> Setup {
    let account = moto::fresh_account().await;
    let direct = moto::connect(&account, &account.endpoint).await;
    fields::make(&direct).await;
    let home = tempfile::tempdir().unwrap();
    let answers = files::answers_for(home.path(), "genomics.toml", &account.account_id);
    let plan = facts::plan_of(&std::fs::read_to_string(&answers).unwrap());
    let before = fields::read(&direct).await;
    let after = fields::adopted_for(&plan, &before);
    // Every field a restore puts back is one the adoption changes.
    let changed = before.differences(&after);
    for field in [
        "role trust",
        "role tags",
        "role attached",
        "role inline",
        "profile tags",
        "profile roles",
    ] {
        assert!(
            changed.iter().any(|c| c.starts_with(field)),
            "the adoption changes the {field}: {changed:?}"
        );
    }
    let untouched = facts::moto_facts(&direct, &plan).await;
    let proxy = FaultProxy::start(&account.endpoint);
    Setup {
        account,
        direct,
        plan,
        home,
        answers,
        proxy,
        before,
        after,
        untouched,
    }
}

impl Setup {
    fn onramp(&self, endpoint: &str, args: &[&str]) -> Command {
        command::onramp_at(self.home.path(), &self.account.credentials, endpoint, args)
    }

    /// `apply --adopt --yes` with `journal`, to moto or through the proxy.
    fn apply(&self, journal: &Path, endpoint: &str) -> Command {
        let (answers, journal) = (self.answers.to_str().unwrap(), journal.to_str().unwrap());
        self.onramp(
            endpoint,
            &[
                "apply",
                "--answers",
                answers,
                "--adopt",
                "--yes",
                "--journal",
                journal,
            ],
        )
    }

    fn destroy(&self, journal: &Path, endpoint: &str) -> Command {
        let journal = journal.to_str().unwrap();
        self.onramp(endpoint, &["destroy", "--journal", journal, "--yes"])
    }

    fn moto(&self) -> &str {
        &self.account.endpoint
    }

    fn journal(&self, name: &str) -> PathBuf {
        self.home.path().join(format!("{name}.jsonl"))
    }

    /// Runs `command` to its end, which must be a success.
    fn succeed(&self, mut command: Command, what: &str) -> Output {
        let o = command.output().unwrap();
        assert!(o.status.success(), "{what}: {}", show(&o));
        o
    }

    /// Runs `command` through the pacing proxy and kills it once `journal`
    /// has `after` lines and `extra` more has passed; waits until what it
    /// sent has reached moto. Whether the kill landed mid-run.
    fn kill(&self, mut command: Command, journal: &Path, after: usize, extra: Duration) -> bool {
        self.proxy.pace(PACE);
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let landed = kill_during(child, journal, after, extra);
        self.proxy.settle();
        self.proxy.pace(Duration::ZERO);
        landed
    }

    /// Runs `command` through the pacing proxy to its end, which must be a
    /// success; returns the lengths its `journal` had on the way.
    fn paced(&self, mut command: Command, journal: &Path, what: &str) -> BTreeSet<usize> {
        self.proxy.pace(PACE);
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (status, lengths) = journal_lengths(child, journal);
        self.proxy.pace(Duration::ZERO);
        assert!(status.success(), "{what}: {status}");
        lengths
    }

    /// Fails unless the hand-made entities are, field by field, `want`.
    async fn assert_fields(&self, want: &HandMade, what: &str) {
        let now = fields::read(&self.direct).await;
        let wrong = now.differences(want);
        assert!(wrong.is_empty(), "{what}: {wrong:#?}");
    }

    /// What a killed run's journal must show, and moto with it: a readable
    /// journal; no call on an adopted entity before its adopt record, whose
    /// states are the real ones; each adopted field as it was or as onramp
    /// makes it (as it was, for an entity not yet adopted or already
    /// restored); the rest of moto as the journal says.
    async fn assert_consistent(&self, journal: &Path, what: &str) -> Vec<Entry> {
        let entries = journal::read(journal)
            .unwrap_or_else(|e| panic!("{what}: the journal stays readable: {e}"));
        records::assert_adopt_recorded_first(&entries, what);
        records::assert_adopt_states(&entries, &self.before, &self.after, what);
        let adopted = journal::adopted(&entries);
        let mut bound = self.after.clone();
        for ((kind, name), recorded) in ADOPTED_ENTITIES
            .into_iter()
            .zip(records::adopt_recorded(&entries))
        {
            let standing = adopted
                .iter()
                .any(|a| a.kind == kind && a.name.eq_ignore_ascii_case(name));
            if !(recorded && standing) {
                // Not adopted yet, or restored: exactly as made.
                match kind {
                    onramp::iam::names::EntityKind::Role => bound.role = self.before.role.clone(),
                    _ => bound.profile = self.before.profile.clone(),
                }
            }
        }
        let now = fields::read(&self.direct).await;
        let outside = now.outside(&self.before, &bound);
        assert!(
            outside.is_empty(),
            "{what}: fields of the hand-made entities in neither state: {outside:#?}"
        );
        facts::assert_journal_matches_besides(
            &self.direct,
            &self.plan,
            journal,
            &ADOPTED_ENTITIES,
            what,
        )
        .await;
        entries
    }

    /// What a finished adopting apply must leave: the adopted entities as
    /// onramp makes them, field by field; nothing left to do for the plan,
    /// read back; a journal whose adopt records come first and hold the
    /// real states, whose runs from entry `resumed` on have every result,
    /// and that accounts for the rest of moto. Returns the killed run's
    /// open calls and how many of them were made again.
    async fn assert_adopted(&self, journal: &Path, resumed: usize, what: &str) -> (usize, usize) {
        self.assert_fields(&self.after, what).await;
        facts::assert_complete(&self.direct, &self.plan, what).await;
        let entries = journal::read(journal).unwrap();
        records::assert_adopt_recorded_first(&entries, what);
        let adopts = records::assert_adopt_states(&entries, &self.before, &self.after, what);
        assert!(adopts >= 2, "{what}: both entities' adopt records");
        facts::assert_journal_matches_besides(
            &self.direct,
            &self.plan,
            journal,
            &ADOPTED_ENTITIES,
            what,
        )
        .await;
        records::assert_results_recorded(&entries, resumed, what)
    }

    /// Fails unless `status --adopt` finds nothing to do.
    fn assert_status_unchanged(&self, what: &str) {
        let answers = self.answers.to_str().unwrap();
        let args = [
            "status",
            "--answers",
            answers,
            "--adopt",
            "--format",
            "json",
        ];
        let o = self.succeed(self.onramp(self.moto(), &args), what);
        let status: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let pending: Vec<String> = status["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["state"] != "unchanged")
            .map(|c| format!("{} {}: {}", c["kind"], c["name"], c["state"]))
            .collect();
        assert!(
            pending.is_empty(),
            "{what}: status --adopt has work left: {pending:?}"
        );
    }

    /// What a finished destroy must leave: the hand-made entities as made,
    /// field by field; nothing of onramp's (moto holds what it held before
    /// any apply); a journal whose runs from entry `resumed` on have every
    /// result, and that ends on the restores. Returns the open calls before
    /// `resumed` and how many of them were made again.
    async fn assert_put_back(&self, journal: &Path, resumed: usize, what: &str) -> (usize, usize) {
        self.assert_fields(&self.before, what).await;
        let held = facts::moto_facts(&self.direct, &self.plan).await;
        assert_eq!(
            held, self.untouched,
            "{what}: moto holds what it held before"
        );
        let entries = journal::read(journal).unwrap();
        records::assert_adopt_recorded_first(&entries, what);
        records::assert_ends_restored(&entries, what);
        records::assert_results_recorded(&entries, resumed, what)
    }

    /// Fails unless a further destroy with `journal` does nothing: no call
    /// (only its run is recorded), nothing deleted, put back, reverted or
    /// failed, nothing said of the restored entities, moto as before any
    /// apply. It may still list, and skip as already gone, an entity whose
    /// delete was in flight when a destroy was killed: the journal has its
    /// intent, and nothing records that the next destroy found it gone.
    async fn assert_destroy_again_does_nothing(&self, journal: &Path, what: &str) {
        let what = format!("{what}, destroy again");
        let entries = journal::read(journal).unwrap();
        let o = self.succeed(self.destroy(journal, self.moto()), &what);
        let stdout = String::from_utf8_lossy(&o.stdout);
        let nothing = stdout.contains("nothing to undo")
            || (stdout.contains("Deleted 0, put back as they were 0, reverted 0, skipped ")
                && stdout.contains(", failed 0.")
                && stdout
                    .lines()
                    .filter(|l| l.contains("skipped: "))
                    .all(|l| l.ends_with(": already gone")));
        assert!(nothing, "{what}: {stdout}");
        assert!(
            !stdout.contains(fields::ADOPTED),
            "{what}: says nothing of the restored {}: {stdout}",
            fields::ADOPTED
        );
        let added = &journal::read(journal).unwrap()[entries.len()..];
        assert!(
            matches!(
                added,
                [Entry {
                    record: Record::Run { .. },
                    ..
                }]
            ),
            "{what}: only its run is recorded: {added:?}"
        );
        self.assert_fields(&self.before, &what).await;
        let held = facts::moto_facts(&self.direct, &self.plan).await;
        assert_eq!(
            held, self.untouched,
            "{what}: moto holds what it held before"
        );
    }
}

/// A random wait after the journal reaches a kill point: short next to
/// the time a paced call takes (up to four times `PACE`), so that the kill
/// lands with that point's calls still in flight, before or after moto.
fn extra(random: &mut Random) -> Duration {
    let whole = u64::try_from((PACE / 2).as_micros()).unwrap();
    Duration::from_micros(random.below(whole))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopting_apply_killed_at_every_step_resumes_to_the_plan() {
    let seed = seed();
    eprintln!("{SEED_VAR}={seed}");
    let mut random = Random(seed);
    let started = Instant::now();
    let s = setup().await;

    // A clean run, paced: the lengths its journal passes through (it
    // grows by groups of lines), and where the adopt records are.
    let clean = s.journal("clean");
    let lengths = s.paced(s.apply(&clean, s.proxy.url()), &clean, "clean apply");
    s.assert_adopted(&clean, 0, "clean apply").await;
    s.assert_status_unchanged("clean apply");
    let entries = journal::read(&clean).unwrap();
    let total = entries.len();
    let first_adopt = 1 + entries
        .iter()
        .position(|e| matches!(e.record, Record::Adopt { .. }))
        .unwrap();
    s.succeed(s.destroy(&clean, s.moto()), "clean destroy");
    s.assert_put_back(&clean, total, "clean destroy").await;
    s.assert_destroy_again_does_nothing(&clean, "clean destroy")
        .await;
    // From the run record alone (before the adopt records) to the end.
    // Every length from the run record alone (before the adopt records)
    // to the end; those a run passes through are met exactly.
    let points: Vec<usize> = (first_adopt - 1..=total).collect();

    let mut landed: BTreeSet<usize> = BTreeSet::new();
    let (mut kills, mut before_adopt, mut in_flight, mut open, mut made_again) = (0, 0, 0, 0, 0);
    let mut attempt = 0;
    let mut next = 0;
    while let Some(&after) = points.get(next) {
        attempt += 1;
        // Right after the run record, at once: before the adopt records
        // are synced (tried a few times until one lands there).
        let before_records = after < first_adopt;
        let extra = if before_records {
            Duration::ZERO
        } else {
            extra(&mut random)
        };
        let what = format!("apply killed after line {after} + {extra:?} (seed {seed})");
        let journal = s.journal(&format!("apply-{attempt}"));
        let mut landed_before_records = false;
        if s.kill(s.apply(&journal, s.proxy.url()), &journal, after, extra) {
            let entries = s.assert_consistent(&journal, &what).await;
            kills += 1;
            landed.insert(entries.len());
            if records::adopt_recorded(&entries) == [false, false] {
                before_adopt += 1;
                landed_before_records = true;
            }
            if matches!(entries.last().map(|e| &e.record), Some(Record::Intent(_))) {
                in_flight += 1;
            }
        }
        let killed = lines(&journal);
        let o = s.succeed(s.apply(&journal, s.moto()), &format!("{what}: resume"));
        let resumed = format!("{what}, resumed");
        // The journal records the adoption: nothing is another run's.
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("warning"), "{resumed}: {stderr}");
        let (left_open, redone) = s.assert_adopted(&journal, killed, &resumed).await;
        open += left_open;
        made_again += redone;
        let applied = lines(&journal);
        s.succeed(s.destroy(&journal, s.moto()), &format!("{what}: destroy"));
        s.assert_put_back(&journal, applied, &format!("{what}, destroyed"))
            .await;
        if !before_records || landed_before_records || attempt >= 2 {
            next += 1;
        }
    }
    let reached = lengths.intersection(&landed).count();
    eprintln!(
        "apply of {total} lines (adopt records from line {first_adopt}), {} lengths on the way {lengths:?}: \
         {kills} kills in {attempt} runs, at {} lengths {landed:?} ({reached} of those on the way); \
         {before_adopt} before the adopt records, {in_flight} with a call in flight; \
         {open} calls left open, {made_again} of them made again; {:?}",
        lengths.len(),
        landed.len(),
        started.elapsed()
    );
    // A crash between the run record and the adopt records leaves the run
    // record alone on disk (each record is synced before the next is
    // written). The kills above land there only when the sync leaves them
    // time to (seldom on a memory-backed /tmp), so that journal is also made
    // as the crash leaves it, and resumed.
    {
        let what = "a journal cut after its run record";
        let journal = s.journal("cut-after-run");
        let run_line = std::fs::read_to_string(&clean)
            .unwrap()
            .lines()
            .next()
            .map(|l| format!("{l}\n"))
            .unwrap();
        std::fs::write(&journal, run_line).unwrap();
        let o = s.succeed(s.apply(&journal, s.moto()), &format!("{what}: resume"));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("warning"), "{what}: {stderr}");
        s.assert_adopted(&journal, 1, what).await;
        let applied = lines(&journal);
        s.succeed(s.destroy(&journal, s.moto()), &format!("{what}: destroy"));
        s.assert_put_back(&journal, applied, &format!("{what}, destroyed"))
            .await;
    }
    assert!(
        in_flight > 0,
        "no kill landed between an intent and its result (seed {seed})"
    );
    assert!(
        landed.len() * 2 >= lengths.len(),
        "kills landed at only {} journal lengths, a run passes through {} (seed {seed})",
        landed.len(),
        lengths.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restoring_destroy_killed_at_every_step_resumes_to_the_hand_made_state() {
    let seed = seed();
    eprintln!("{SEED_VAR}={seed}");
    let mut random = Random(seed);
    let started = Instant::now();
    let s = setup().await;

    // A clean run, its destroy paced: the lengths the journal passes
    // through while it is put back.
    let clean = s.journal("clean");
    s.succeed(s.apply(&clean, s.moto()), "clean apply");
    let applied = lines(&clean);
    let lengths: BTreeSet<usize> = s
        .paced(s.destroy(&clean, s.proxy.url()), &clean, "clean destroy")
        .into_iter()
        .filter(|&n| n > applied)
        .map(|n| n - applied)
        .collect();
    let entries = journal::read(&clean).unwrap();
    let total = entries.len() - applied;
    // The restored records come last, one append after another.
    let first_restored = 1 + entries[applied..]
        .iter()
        .position(|e| matches!(e.record, Record::Restored { .. }))
        .unwrap();
    s.assert_put_back(&clean, applied, "clean destroy").await;
    s.assert_destroy_again_does_nothing(&clean, "clean destroy")
        .await;

    let mut landed: BTreeSet<usize> = BTreeSet::new();
    let (mut kills, mut in_flight, mut open, mut made_again) = (0, 0, 0, 0);
    let (mut attempt, mut between_restores) = (0, 0);
    // Every length from its run record alone to the end.
    let mut after = 1;
    while after <= total {
        attempt += 1;
        // From the last call's result on nothing is paced: met at once,
        // so that a kill lands before the restored records or between
        // them (tried a few times until one lands there).
        let tail = after + 1 >= first_restored;
        let extra = if tail {
            Duration::ZERO
        } else {
            extra(&mut random)
        };
        let what = format!("destroy killed after its line {after} + {extra:?} (seed {seed})");
        let journal = s.journal(&format!("destroy-{attempt}"));
        s.succeed(s.apply(&journal, s.moto()), &format!("{what}: apply"));
        s.assert_fields(&s.after, &format!("{what}: apply")).await;
        let applied = lines(&journal);
        if s.kill(
            s.destroy(&journal, s.proxy.url()),
            &journal,
            applied + after,
            extra,
        ) {
            let entries = s.assert_consistent(&journal, &what).await;
            kills += 1;
            landed.insert(entries.len() - applied);
            if matches!(entries.last().map(|e| &e.record), Some(Record::Intent(_))) {
                in_flight += 1;
            }
            if entries.len() - applied == first_restored {
                between_restores += 1;
            }
        }
        if after != first_restored || between_restores > 0 || attempt >= total + 2 {
            after += 1;
        }
        let killed = lines(&journal);
        s.succeed(s.destroy(&journal, s.moto()), &format!("{what}: resume"));
        let resumed = format!("{what}, resumed");
        let (left_open, redone) = s.assert_put_back(&journal, killed, &resumed).await;
        open += left_open;
        made_again += redone;
        s.assert_destroy_again_does_nothing(&journal, &resumed)
            .await;
    }
    let reached = lengths.intersection(&landed).count();
    eprintln!(
        "destroy of {total} lines after its run record, {} lengths on the way {lengths:?}: {kills} kills \
         in {attempt} runs at {} lengths {landed:?} ({reached} of those on the way); {in_flight} with a \
         call in flight, {between_restores} between the restored records; {open} calls left open, \
         {made_again} of them made again; {:?}",
        lengths.len(),
        landed.len(),
        started.elapsed()
    );
    assert!(
        in_flight > 0,
        "no kill landed between an intent and its result (seed {seed})"
    );
    // A crash between the restored records leaves the first alone on disk,
    // with every call made. The kills above land there only when a sync
    // leaves them time to, so that journal is also made as the crash leaves
    // it (the clean destroy's, cut after its first restored record, over
    // the account that destroy left) and resumed.
    {
        let what = "a destroy's journal cut after its first restored record";
        let journal = s.journal("cut-between-restores");
        let text = std::fs::read_to_string(&clean).unwrap();
        let cut: String = text
            .lines()
            .take(applied + first_restored)
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&journal, cut).unwrap();
        let killed = lines(&journal);
        s.succeed(s.destroy(&journal, s.moto()), &format!("{what}: resume"));
        s.assert_put_back(&journal, killed, what).await;
        s.assert_destroy_again_does_nothing(&journal, what).await;
    }
    assert!(
        landed.len() * 2 >= lengths.len(),
        "kills landed at only {} journal lengths, a run passes through {} (seed {seed})",
        landed.len(),
        lengths.len()
    );
}
