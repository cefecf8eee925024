//! Faults on the way to IAM, through the real SDK to moto: the everything
//! example applied through a proxy that throttles, fails with HTTP 500,
//! resets connections (before and after IAM acts) or answers too late (see
//! `common/fault_proxy.rs`).
//!
//! The full matrix (every step of an apply and of an update × every fault ×
//! blip and outage) runs on the in-memory cloud in `fault_matrix.rs`, where
//! it takes seconds; `FaultyCloud` copies what the SDK does with each fault.
//! Here each fault runs on the one step where only the real path can tell
//! (named on each test): that the SDK retries it, maps it to the error kind
//! the matrix assumes, and what moto answers the retry of a call it did
//! carry out.
//!
//! Each step twice: once as a blip (one request faulted; the SDK's retry
//! must ride it out, and onramp must cope with the retry of a call whose
//! first attempt IAM did carry out) and once as an outage of that call
//! (every attempt faulted; apply must stop with an error naming the step).
//! Either way the journal must then account for exactly what moto holds, a
//! second apply must finish the job without duplicates, and destroy must
//! leave nothing.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use onramp::apply::destroy::destroy;
use onramp::apply::journal::Journal;
use onramp::apply::run::ApplyError;
use onramp::cloud::ErrorKind;
use onramp::cloud::sdk::{ConnectOptions, MAX_ATTEMPTS, Patience, SdkCloud};
use onramp::iam::action::Action;
use onramp::plan::Plan;
use onramp_testkit::facts;
use onramp_testkit::fault_proxy::{Fault, FaultProxy, Schedule};
use onramp_testkit::journal::{done_actions, observe_and_apply};
use onramp_testkit::moto;

/// Timeouts and back-off in milliseconds, so that hundreds of faulty calls
/// take seconds; the attempts are onramp's own. An attempt may take 600 ms:
/// at 400 ms, moto under CI's load sometimes answered a plain read too late.
fn patience() -> Patience {
    Patience {
        connect_timeout: Duration::from_secs(2),
        attempt_timeout: Duration::from_millis(600),
        operation_timeout: Duration::from_secs(10),
        initial_backoff: Duration::from_millis(5),
        ..Patience::default()
    }
}

/// Longer than an attempt may take.
const LATE: Duration = Duration::from_millis(1_000);

/// A fresh account with the everything example's plan and what it assumes
/// exists (its permissions boundary).
struct Setup {
    account: moto::TestAccount,
    /// The everything example's answers for this account.
    toml: String,
    plan: Plan,
    /// Straight to moto, to see what really exists.
    direct: SdkCloud,
    /// Through the proxy.
    proxied: SdkCloud,
}

async fn setup(proxy: &FaultProxy) -> Setup {
    setup_with(proxy, patience()).await
}

async fn setup_with(proxy: &FaultProxy, patience: Patience) -> Setup {
    let account = moto::fresh_account().await;
    let direct = moto::connect(&account, &account.endpoint).await;
    let options = ConnectOptions {
        region: Some("us-east-1".to_owned()),
        endpoint_url: Some(proxy.url().to_owned()),
        patience,
        ..ConnectOptions::default()
    };
    let proxied = SdkCloud::connect_isolated(&options, account.credentials.clone())
        .await
        .unwrap();
    let (toml, plan) = facts::everything_example(&direct, &account.account_id).await;
    Setup {
        account,
        toml,
        plan,
        direct,
        proxied,
    }
}

async fn assert_journal_matches_moto(s: &Setup, journal: &Path, what: &str) {
    facts::assert_journal_matches(&s.direct, &s.plan, journal, what).await;
}

async fn assert_complete(s: &Setup, what: &str) {
    facts::assert_complete(&s.direct, &s.plan, what).await;
}

/// Applies the plan through the proxy with a journal.
async fn apply(s: &Setup, journal: &Path) -> Result<(), ApplyError> {
    apply_plan(s, &s.plan, journal).await
}

/// Applies `plan` through the proxy with a journal.
async fn apply_plan(s: &Setup, plan: &Plan, journal: &Path) -> Result<(), ApplyError> {
    let (_, result) = observe_and_apply(&s.proxied, plan, journal).await;
    result.map(|_| ())
}

/// Destroys through the proxy and checks that moto holds nothing of the plan.
async fn destroy_all(s: &Setup, journal_path: &Path, what: &str) {
    let journal = Journal::open(journal_path).unwrap();
    let report = destroy(
        &s.proxied,
        &journal,
        &s.account.account_id,
        "us-east-1",
        false,
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    assert!(report.failed.is_empty(), "{what}: {:?}", report.failed);
    let left = facts::moto_facts(&s.direct, &s.plan).await;
    assert!(left.is_empty(), "{what}: destroy left {left:?}");
}

/// The mutating calls of a clean apply of the plan, in the order made.
async fn steps_of_a_clean_apply(s: &Setup, proxy: &FaultProxy) -> Vec<Action> {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("clean.jsonl");
    proxy.schedule(None);
    apply(s, &journal).await.unwrap();
    // The calls the journal records, not the requests the proxy saw: on a
    // loaded machine the SDK may retry a slow answer, and a step counted
    // twice here is a step the faulted runs never reach.
    let actions = done_actions(&journal);
    let steps = actions.len();
    let requests = proxy.seen().iter().filter(|r| r.mutating()).count();
    assert!(steps > 20, "the everything plan has {steps} steps");
    assert!(
        requests >= steps,
        "each step is at least one mutating request: {requests} for {steps} steps"
    );
    assert_complete(s, "clean").await;
    destroy_all(s, &journal, "clean").await;
    actions
}

/// The kind of error an outage of `fault` must end in.
fn expected_kind(fault: Fault) -> ErrorKind {
    match fault {
        Fault::Throttle => ErrorKind::Throttled,
        Fault::ServiceFailure => ErrorKind::Other,
        Fault::ResetBefore | Fault::ResetAfter | Fault::Delay(_) => ErrorKind::Network,
    }
}

/// Which call a fault hits: the `nth` mutating request, or the first
/// request of an action (whatever the order of concurrent steps).
#[derive(Debug, Clone, Copy)]
enum Step {
    Nth(usize),
    First(Action),
}

impl Step {
    fn schedule(self, fault: Fault, outage: bool) -> Schedule {
        let (nth_mutating, only) = match self {
            Step::Nth(n) => (n, None),
            Step::First(action) => (1, Some(action)),
        };
        Schedule {
            fault,
            nth_mutating,
            only,
            times: if outage { usize::MAX } else { 1 },
        }
    }
}

/// One fault on one step: a blip (`times` 1) or an outage (every attempt).
/// Starts and ends with none of the plan in the account. Returns how many
/// requests were faulted.
async fn one_fault(s: &Setup, proxy: &FaultProxy, fault: Fault, step: Step, outage: bool) -> usize {
    let what = format!(
        "{fault:?} {} on {step:?}",
        if outage { "outage" } else { "blip" }
    );
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("run.jsonl");
    proxy.schedule(Some(step.schedule(fault, outage)));
    let result = apply(s, &journal).await;
    let target = proxy.target_action();
    let faulted = proxy.faulted();
    proxy.schedule(None);
    let target = target.unwrap_or_else(|| panic!("{what}: the step was never reached: {result:?}"));
    facts::assert_fault_outcome(
        &s.plan,
        &result,
        target.parse().unwrap(),
        expected_kind(fault),
        outage,
        faulted,
        &what,
    );
    assert_journal_matches_moto(s, &journal, &what).await;

    // The same journal again: resumes to completion.
    let again = apply(s, &journal).await;
    assert!(
        again.is_ok(),
        "{what}: the re-run completes: {:?}",
        again.err().map(|e| e.to_string())
    );
    assert_complete(s, &what).await;
    assert_journal_matches_moto(s, &journal, &format!("{what}, re-run")).await;
    destroy_all(s, &journal, &what).await;
    faulted
}

/// The first call of `action` in a clean apply, as a blip and as an outage.
async fn on_the_first(fault: Fault, action: Action) {
    let proxy = FaultProxy::start(&moto::moto_endpoint());
    // One account for all runs: each destroys what it made, as checked.
    let s = setup(&proxy).await;
    let steps = steps_of_a_clean_apply(&s, &proxy).await;
    assert!(
        steps.contains(&action),
        "a clean apply makes {action}: {steps:?}"
    );
    for outage in [false, true] {
        one_fault(&s, &proxy, fault, Step::First(action), outage).await;
    }
}

/// Throttling on `CreateRole`: IAM's `Throttling` answer must be retried
/// by the SDK as throttling, and its outage be [`ErrorKind::Throttled`]; a
/// create is the call a wrong retry would duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_on_create_role() {
    on_the_first(Fault::Throttle, Action::CreateRole).await;
}

/// HTTP 500 on `CreateInstanceProfile`: the SDK must take a 5xx as
/// transient and retry a non-idempotent create, and an outage is
/// [`ErrorKind::Other`]; the profile is made in the last wave, after roles
/// it will hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_failure_on_create_instance_profile() {
    on_the_first(Fault::ServiceFailure, Action::CreateInstanceProfile).await;
}

/// A reset before IAM acts, on `CreatePolicy`: the SDK must retry a
/// connection error of a non-idempotent call, and an outage is
/// [`ErrorKind::Network`]; a policy the rest of the plan attaches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_before_iam_on_create_policy() {
    on_the_first(Fault::ResetBefore, Action::CreatePolicy).await;
}

/// The answer lost after IAM acted, on `AddRoleToInstanceProfile`: the
/// retry meets the role already in the profile, which IAM (and moto)
/// answers with `LimitExceeded`, not `EntityAlreadyExists`; apply must read
/// back and take it as done. Of the after-IAM answers this is the least
/// guessable, so the one to check against the emulator the memory cloud
/// copies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_lost_after_iam_acted_on_add_role_to_instance_profile() {
    on_the_first(Fault::ResetAfter, Action::AddRoleToInstanceProfile).await;
}

/// An answer later than a whole call may take, retries included: the call
/// ends at the operation timeout rather than after its attempts, naming the
/// step; the journal, the re-run and destroy hold as for the other faults.
/// On the first, a middle and the last step.
///
/// The whole-call limit holds for every call of the run, not only the
/// faulted one, so it must be well above what a loaded moto takes to answer
/// the rest: an attempt may take 1 s and a call 2.5 s, which leaves room for
/// three attempts of the five allowed. At 600 ms and 1.4 s, a plain `GetRole`
/// at the back of the queue once ran out of time in CI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_past_the_operation_timeout() {
    let proxy = FaultProxy::start(&moto::moto_endpoint());
    let whole_call = Patience {
        attempt_timeout: Duration::from_millis(1_000),
        operation_timeout: Duration::from_millis(2_500),
        ..patience()
    };
    let s = setup_with(&proxy, whole_call).await;
    let steps = steps_of_a_clean_apply(&s, &proxy).await.len();
    let late = Fault::Delay(Duration::from_millis(4_000));
    for step in [1, steps / 2, steps] {
        let attempts = one_fault(&s, &proxy, late, Step::Nth(step), true).await;
        assert!(
            attempts < MAX_ATTEMPTS as usize,
            "step {step}: the whole call's timeout ended it, not its {attempts} attempts"
        );
    }
}

/// The update path: the everything example applied, then changed (new
/// policy versions with the oldest deleted, an attachment made and one
/// removed; see `facts::changed_everything`), with the fault on the first
/// call of `action` in the update, as a blip and as an outage. Each time
/// the account starts from the original set-up; the journal must account
/// for what moto holds, a re-run must bring the account up to date, and
/// destroy at the end must leave nothing of either plan.
async fn on_an_update(fault: Fault, action: Action) {
    let proxy = FaultProxy::start(&moto::moto_endpoint());
    let s = setup(&proxy).await;
    let changed = facts::plan_of(&facts::changed_everything(&s.toml));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("updates.jsonl");

    // Back and forth until each changed policy has IAM's five versions, so
    // that every update from then on also deletes the oldest one first: the
    // same calls each time, counted once.
    proxy.schedule(None);
    for _ in 0..3 {
        apply(&s, &journal).await.unwrap();
        apply_plan(&s, &changed, &journal).await.unwrap();
    }
    apply(&s, &journal).await.unwrap();
    proxy.schedule(None);
    apply_plan(&s, &changed, &journal).await.unwrap();
    let seen = proxy.seen();
    let calls: Vec<&str> = seen
        .iter()
        .filter(|r| r.mutating())
        .map(|r| r.action.as_str())
        .collect();
    for expected in [
        "DeletePolicyVersion",
        "CreatePolicyVersion",
        "AttachRolePolicy",
        "DetachRolePolicy",
    ] {
        assert!(
            calls.contains(&expected),
            "the update makes {expected}: {calls:?}"
        );
    }
    assert!(
        calls.contains(&action.as_str()),
        "the update makes {action}"
    );

    for outage in [false, true] {
        let what = format!(
            "{fault:?} {} on the update's first {action}",
            if outage { "outage" } else { "blip" }
        );
        proxy.schedule(None);
        apply(&s, &journal).await.unwrap();
        proxy.schedule(Some(Step::First(action).schedule(fault, outage)));
        let result = apply_plan(&s, &changed, &journal).await;
        let target = proxy.target_action();
        let faulted = proxy.faulted();
        proxy.schedule(None);
        let target =
            target.unwrap_or_else(|| panic!("{what}: the step was never reached: {result:?}"));
        facts::assert_fault_outcome(
            &changed,
            &result,
            target.parse().unwrap(),
            expected_kind(fault),
            outage,
            faulted,
            &what,
        );
        facts::assert_journal_matches(&s.direct, &changed, &journal, &what).await;

        let again = apply_plan(&s, &changed, &journal).await;
        assert!(
            again.is_ok(),
            "{what}: the re-run completes: {:?}",
            again.err().map(|e| e.to_string())
        );
        facts::assert_up_to_date(&s.direct, &changed, &what).await;
        facts::assert_journal_matches(&s.direct, &changed, &journal, &what).await;
    }
    destroy_all(&s, &journal, &format!("{fault:?} updates")).await;
    let left = facts::moto_facts(&s.direct, &changed).await;
    assert!(left.is_empty(), "destroy left {left:?} of the changed plan");
}

/// An answer past the attempt timeout, on the update's `CreatePolicyVersion`
/// at IAM's five versions: the first attempt makes the version (the
/// oldest was deleted just before), so the SDK's retry after its attempt
/// timeout meets the limit (`LimitExceeded`) and apply must read the
/// policy back and find its new default in place. The update path's most
/// involved retry, and a timeout rather than a reset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_past_the_timeout_on_create_policy_version() {
    on_an_update(Fault::Delay(LATE), Action::CreatePolicyVersion).await;
}
