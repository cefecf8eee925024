//! The fault matrix on the in-memory cloud: the everything example applied
//! through [`FaultyCloud`], which fails one call the way the SDK backend
//! reports a throttled, failed, reset or late request (see
//! `src/cloud/faulty.rs`), on each mutating call of the plan in turn.
//!
//! For every fault and every step, twice: once as a blip (one attempt
//! faulted; the retry that the SDK makes rides it out, meeting the first
//! attempt's effect when IAM did carry it out) and once as an outage of
//! that call (every attempt faulted; apply must stop with an error naming
//! the step, of the kind the SDK backend gives). Either way the journal must
//! then account for exactly what the account holds, a second apply must
//! finish the job without duplicates, and destroy must leave nothing.
//!
//! And the same on the update path: each call that changes an existing
//! set-up (a new policy version, an attachment made, one removed).
//!
//! These are the checks of `faults.rs`, which runs one step per fault
//! through a faulty proxy to moto, where the same matrix takes minutes.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use onramp::apply::destroy::destroy;
use onramp::apply::journal::Journal;
use onramp::apply::run::ApplyError;
use onramp::cloud::faulty::{Fault, FaultyCloud, Length, Schedule, Target};
use onramp::cloud::memory::MemoryCloud;
use onramp::cloud::recording::RecordingCloud;
use onramp::iam::action::Action;
use onramp::plan::Plan;
use onramp_testkit::facts;
use onramp_testkit::files::scratch_dir;
use onramp_testkit::journal::{done_actions, observe_and_apply};

const ACCOUNT: &str = "210987654321";

/// A fresh account with the everything example's plan and what it assumes
/// exists (its permissions boundary).
struct Setup {
    /// Faulty, and recorded as the apply calls it.
    cloud: RecordingCloud<FaultyCloud<MemoryCloud>>,
    /// The everything example's answers for this account.
    toml: String,
    plan: Plan,
}

impl Setup {
    async fn new() -> Setup {
        let account = MemoryCloud::new(ACCOUNT, "aws");
        let (toml, plan) = facts::everything_example(&account, ACCOUNT).await;
        Setup {
            cloud: RecordingCloud::new(FaultyCloud::new(account)),
            toml,
            plan,
        }
    }

    fn faulty(&self) -> &FaultyCloud<MemoryCloud> {
        self.cloud.inner()
    }

    /// The account itself, to see what really exists.
    fn account(&self) -> &MemoryCloud {
        self.faulty().inner()
    }

    /// Faults `step`'s call (or none), counting afresh.
    fn schedule(&self, fault: Fault, length: Length, step: usize) {
        self.faulty().schedule(Some(Schedule {
            fault,
            length,
            target: Target::NthMutating(step),
        }));
    }

    fn calm(&self) {
        self.faulty().schedule(None);
    }

    /// Applies `plan` with a journal.
    async fn apply(&self, plan: &Plan, journal: &Path) -> Result<(), ApplyError> {
        let (_, result) = observe_and_apply(&self.cloud, plan, journal).await;
        result.map(|_| ())
    }

    /// Destroys and checks that the account holds nothing of `plan`.
    async fn destroy_all(&self, plan: &Plan, journal_path: &Path, what: &str) {
        let journal = Journal::open(journal_path).unwrap();
        let report = destroy(
            &self.cloud,
            &journal,
            ACCOUNT,
            "us-east-1",
            false,
            &|_| {},
            &AtomicBool::new(false),
        )
        .await
        .unwrap();
        assert!(report.failed.is_empty(), "{what}: {:?}", report.failed);
        let left = facts::moto_facts(self.account(), plan).await;
        assert!(left.is_empty(), "{what}: destroy left {left:?}");
    }

    /// The mutating calls made since the last look, by action.
    fn mutating_calls(&self) -> Vec<Action> {
        self.cloud
            .take()
            .into_iter()
            .map(|c| c.action)
            .filter(|a| a.is_mutating())
            .collect()
    }
}

/// The number of mutating calls of a clean apply of the plan.
async fn steps_of_a_clean_apply(s: &Setup) -> usize {
    let dir = scratch_dir();
    let journal = dir.path().join("clean.jsonl");
    s.calm();
    s.cloud.take();
    s.apply(&s.plan, &journal).await.unwrap();
    let steps = done_actions(&journal).len();
    let calls = s.mutating_calls();
    assert!(steps > 20, "the everything plan has {steps} steps");
    assert_eq!(
        calls.len(),
        steps,
        "each step is one mutating call: {calls:?}"
    );
    facts::assert_complete(s.account(), &s.plan, "clean").await;
    s.destroy_all(&s.plan, &journal, "clean").await;
    steps
}

/// Applies `plan` with `fault` on its mutating call number `step`, checks
/// how the apply ended and that the journal accounts for what the account
/// holds, then applies again with the same journal, which must complete.
/// What "complete" means (a fresh set-up, an update) is the caller's check.
async fn faulted_then_resumed(
    s: &Setup,
    plan: &Plan,
    fault: Fault,
    length: Length,
    step: usize,
    journal: &Path,
    what: &str,
) {
    s.schedule(fault, length, step);
    let result = s.apply(plan, journal).await;
    let target = s.faulty().target_action();
    let faulted = s.faulty().faulted();
    s.calm();
    let target = target.unwrap_or_else(|| panic!("{what}: the step was never reached: {result:?}"));
    facts::assert_fault_outcome(
        plan,
        &result,
        target,
        fault.kind(),
        length == Length::Outage,
        faulted,
        what,
    );
    facts::assert_journal_matches(s.account(), plan, journal, what).await;

    // The same journal again: resumes to completion.
    let again = s.apply(plan, journal).await;
    assert!(
        again.is_ok(),
        "{what}: the re-run completes: {:?}",
        again.err().map(|e| e.to_string())
    );
}

/// One fault on one step of a clean apply. Starts and ends with none of the
/// plan in the account.
async fn one_fault(s: &Setup, fault: Fault, length: Length, step: usize) {
    let what = format!("{fault:?} {length:?} on step {step}");
    let dir = scratch_dir();
    let journal = dir.path().join("run.jsonl");
    faulted_then_resumed(s, &s.plan, fault, length, step, &journal, &what).await;
    facts::assert_complete(s.account(), &s.plan, &what).await;
    let rerun = format!("{what}, re-run");
    facts::assert_journal_matches(s.account(), &s.plan, &journal, &rerun).await;
    s.destroy_all(&s.plan, &journal, &what).await;
}

/// Every step of the plan, as a blip and as an outage.
async fn every_step(fault: Fault) {
    // One account for all runs: each destroys what it made, as checked.
    let s = Setup::new().await;
    let steps = steps_of_a_clean_apply(&s).await;
    for step in 1..=steps {
        for length in Length::ALL {
            one_fault(&s, fault, length, step).await;
        }
    }
    eprintln!("{fault:?}: {steps} steps, each as a blip and as an outage");
}

#[tokio::test]
async fn throttling_on_every_step() {
    every_step(Fault::Throttle).await;
}

#[tokio::test]
async fn service_failure_on_every_step() {
    every_step(Fault::ServiceFailure).await;
}

#[tokio::test]
async fn reset_before_iam_on_every_step() {
    every_step(Fault::ResetBefore).await;
}

#[tokio::test]
async fn answer_lost_after_iam_acted_on_every_step() {
    every_step(Fault::ResetAfter).await;
}

#[tokio::test]
async fn answer_past_the_timeout_on_every_step() {
    every_step(Fault::Late).await;
}

/// The update path: the everything example applied, then changed (new
/// policy versions with the oldest deleted, an attachment made and one
/// removed; see `facts::changed_everything`), with the fault on each call
/// of the update as a blip and as an outage. Each time the account starts
/// from the original set-up; the journal must account for what it holds, a
/// re-run must bring it up to date, and destroy at the end must leave
/// nothing of either plan.
async fn every_update_step(fault: Fault) {
    let s = Setup::new().await;
    let changed = facts::plan_of(&facts::changed_everything(&s.toml));
    let dir = scratch_dir();
    let journal = dir.path().join("updates.jsonl");

    // Back and forth until each changed policy has IAM's five versions, so
    // that every update from then on also deletes the oldest one first: the
    // same calls each time, counted once.
    s.calm();
    for _ in 0..3 {
        s.apply(&s.plan, &journal).await.unwrap();
        s.apply(&changed, &journal).await.unwrap();
    }
    s.apply(&s.plan, &journal).await.unwrap();
    s.cloud.take();
    s.apply(&changed, &journal).await.unwrap();
    let calls = s.mutating_calls();
    for expected in [
        Action::DeletePolicyVersion,
        Action::CreatePolicyVersion,
        Action::AttachRolePolicy,
        Action::DetachRolePolicy,
    ] {
        assert!(
            calls.contains(&expected),
            "the update makes {expected}: {calls:?}"
        );
    }
    let steps = calls.len();

    for step in 1..=steps {
        for length in Length::ALL {
            let what = format!("{fault:?} {length:?} on update step {step} of {steps}");
            s.calm();
            s.apply(&s.plan, &journal).await.unwrap();
            faulted_then_resumed(&s, &changed, fault, length, step, &journal, &what).await;
            facts::assert_up_to_date(s.account(), &changed, &what).await;
            facts::assert_journal_matches(s.account(), &changed, &journal, &what).await;
        }
    }
    s.destroy_all(&s.plan, &journal, &format!("{fault:?} updates"))
        .await;
    let left = facts::moto_facts(s.account(), &changed).await;
    assert!(left.is_empty(), "destroy left {left:?} of the changed plan");
    eprintln!("{fault:?}: {steps} update steps, each as a blip and as an outage");
}

#[tokio::test]
async fn throttling_on_every_update_step() {
    every_update_step(Fault::Throttle).await;
}

#[tokio::test]
async fn service_failure_on_every_update_step() {
    every_update_step(Fault::ServiceFailure).await;
}

#[tokio::test]
async fn reset_before_iam_on_every_update_step() {
    every_update_step(Fault::ResetBefore).await;
}

#[tokio::test]
async fn answer_lost_after_iam_acted_on_every_update_step() {
    every_update_step(Fault::ResetAfter).await;
}

#[tokio::test]
async fn answer_past_the_timeout_on_every_update_step() {
    every_update_step(Fault::Late).await;
}
