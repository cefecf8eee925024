//! How many calls each operation makes one after another (its rounds), on
//! the in-memory account with every call taking the same time
//! (`PacedCloud`): on a real network each round costs a round trip, so these
//! counts are what `bench/round_trips.sh` measures on moto, held here.
//!
//! The reads run under tokio's paused clock, where the counts are exact.
//! Apply and destroy write the journal from its own thread, and a paused
//! clock jumps ahead whenever the runtime waits on that thread (making
//! calls of one round look one after another), so they run in real time
//! with a pace far above a journal sync: a call of a round starts a few
//! milliseconds after the others, well inside their pace.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use onramp::apply::diff::State;
use onramp::apply::graph::Graph;
use onramp::apply::journal::Journal;
use onramp::apply::observe;
use onramp::apply::run;
use onramp::cloud::memory::MemoryCloud;
use onramp::cloud::paced::{PacedCloud, Span, most_in_flight, rounds};
use onramp::iam::action::Action;
use onramp::plan::{Plan, Spec};
use onramp_testkit::journal::observe_and_apply;

use crate::example::{self, everything};

/// The pace of a read, under the paused clock.
const PACE: Duration = Duration::from_millis(50);

/// The pace of a call in apply and destroy, in real time.
const REAL_PACE: Duration = Duration::from_millis(200);

async fn account(pace: Duration) -> PacedCloud<MemoryCloud> {
    PacedCloud::new(example::account().await, pace)
}

/// The example applied in full on a paced account, the spans of that
/// forgotten: the account to read and undo, and the journal's folder.
async fn applied(plan: &Plan) -> (PacedCloud<MemoryCloud>, tempfile::TempDir) {
    let cloud = account(REAL_PACE).await;
    let dir = tempfile::tempdir().unwrap();
    let (_, result) = observe_and_apply(&cloud, plan, &dir.path().join("j.jsonl")).await;
    result.unwrap();
    cloud.take();
    (cloud, dir)
}

fn actions(spans: &[Span]) -> Vec<Action> {
    spans.iter().map(|s| s.action).collect()
}

/// Before the first change, one round: the quotas, one read of every
/// planned resource (all missing) and every permission simulation go out
/// together.
#[tokio::test(start_paused = true)]
async fn the_reads_before_an_apply_take_one_round() {
    let plan = everything();
    let cloud = account(PACE).await;
    let survey = observe::survey(
        &cloud,
        &plan,
        Some("arn:aws:iam::123456789012:user/onramp-demo"),
    )
    .await;
    let spans = cloud.take();
    assert_eq!(survey.observations.unwrap().len(), plan.resources.len());
    assert!(survey.preflight.is_some());
    let sims = spans
        .iter()
        .filter(|s| s.action == Action::SimulatePrincipalPolicy)
        .count();
    assert!(sims > 1, "{:?}", actions(&spans));
    assert_eq!(
        spans.len(),
        1 + plan.resources.len() + sims,
        "{:?}",
        actions(&spans)
    );
    assert_eq!(rounds(&spans), 1, "{:?}", actions(&spans));
    assert_eq!(most_in_flight(&spans), spans.len());
}

/// An apply of the full example: every create at once, then every
/// attachment and profile role at once; the graph says the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_takes_as_many_rounds_as_its_graph_two_for_a_new_account() {
    let plan = everything();
    let cloud = account(REAL_PACE).await;
    let changes = observe::changes(&cloud, &plan).await.unwrap();
    cloud.take();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.jsonl")).unwrap();
    run::apply(
        &cloud,
        &plan,
        &changes,
        &journal,
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    let spans = cloud.take();
    let graph = Graph::new(&plan, &changes);
    assert_eq!(graph.rounds(), 2);
    assert_eq!(rounds(&spans), 2, "{:?}", actions(&spans));
    let creates = spans.iter().filter(|s| s.action.creates_entity()).count();
    assert_eq!(creates, plan.resources.len());
    assert!(most_in_flight(&spans) >= creates, "{:?}", actions(&spans));
}

/// `status` on a full account: the first read of each resource, then its
/// documents or lists (and a role's inline documents, a third round, when
/// it has any).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_full_account_takes_two_rounds_or_three_with_inline_policies() {
    let plan = everything();
    let (cloud, _dir) = applied(&plan).await;
    let now = observe::changes(&cloud, &plan).await.unwrap();
    assert!(now.iter().all(|c| c.state == State::Unchanged));
    let spans = cloud.take();
    assert_eq!(
        rounds(&spans),
        if example::has_inline_policies(&plan) {
            3
        } else {
            2
        },
        "{:?}",
        actions(&spans)
    );
}

/// Destroy of the full example: every entity read at once; detachments,
/// removals and old versions together; then the deletes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destroy_takes_three_rounds() {
    let plan = everything();
    let (cloud, dir) = applied(&plan).await;
    let journal = Journal::open(&dir.path().join("j.jsonl")).unwrap();
    let report = onramp::apply::destroy::destroy(
        &cloud,
        &journal,
        "123456789012",
        "us-east-1",
        false,
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.deleted.len(), plan.resources.len());
    let spans = cloud.take();
    assert_eq!(rounds(&spans), 3, "{:?}", actions(&spans));
    // Nothing is left.
    let left = observe::changes(cloud.inner(), &plan).await.unwrap();
    assert!(left.iter().all(|c| c.state == State::Create));
}

/// The check after an apply (and `verify`): each role with its lists and
/// every policy the plan gives it, then the documents: two rounds, however
/// many policies a role holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifying_a_full_account_takes_two_rounds() {
    let valid = example::everything_answers();
    let plan = onramp::plan::plan(&valid).unwrap();
    let (cloud, _dir) = applied(&plan).await;
    let intents = onramp::verify::intents(&valid, &plan);
    let outcomes = onramp::verify::online::check(&cloud, &plan, &intents).await;
    assert!(outcomes.iter().all(|o| o.verdict.holds()), "{outcomes:?}");
    let spans = cloud.take();
    assert_eq!(rounds(&spans), 2, "{:?}", actions(&spans));
    // Each policy is read once, however many roles hold it (the boundary
    // is every role's): at most one read per distinct policy of the plan.
    let mut distinct: Vec<&str> = Vec::new();
    for r in &plan.resources {
        match &r.spec {
            Spec::Role(role) => {
                distinct.extend(role.managed_policy_arns.iter().map(String::as_str));
                distinct.extend(role.boundary());
            }
            Spec::ManagedPolicy(_) => distinct.push(&r.arn),
            _ => {}
        }
    }
    distinct.sort_unstable();
    distinct.dedup();
    let reads = spans
        .iter()
        .filter(|s| s.action == Action::GetPolicy)
        .count();
    assert!(
        reads <= distinct.len(),
        "{reads} GetPolicy for {} policies",
        distinct.len()
    );
}
