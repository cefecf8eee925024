//! Adoption cut short, at every call, on the in-memory cloud (cheap enough
//! to be exhaustive): an adopting apply cut after its k-th change, for
//! every k, then resumed with the same journal (or destroyed as it is);
//! and a restoring destroy cut after its k-th change, then run again. Both
//! over the hand-made roles and profile, and over a policy at five
//! versions. Whatever the cut, the second run completes, every adopted
//! entity ends as it was before onramp, field by field, and the journal is
//! left with nothing to undo.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use onramp::apply::adopt::Snapshot;
use onramp::apply::destroy::pending;
use onramp::apply::journal::{self, Entry, Journal};
use onramp::apply::run::ApplyError;
use onramp::cloud::counting::CountingCloud;
use onramp::cloud::memory::MemoryCloud;
use onramp::iam::names::EntityKind;
use onramp::plan::Plan;
use onramp_testkit::facts::assert_up_to_date;
use onramp_testkit::files::scratch_dir;
use onramp_testkit::journal::observe_and_apply;

use super::readback::{self, PolicyState, assert_same_policy};
use super::{
    HandMade, POLICY, adopted_ids, assert_made_by_onramp_gone, assert_recorded_before_touched,
    entries, five_versions_answers, genomics, hand_make, hand_make_five_versions,
};
use crate::clouds::{destroy_all, memory_cloud, plan_for};

/// What is made by hand before onramp, and adopted.
#[derive(Debug, Clone, Copy)]
enum Scenario {
    /// The genomics example over the hand-made roles and instance profile.
    HandMade,
    /// The Slurm example over its instance policy at five versions.
    FiveVersions,
}

/// What the adopted entities of a scenario were before onramp.
enum Before {
    HandMade(Box<HandMade>),
    FiveVersions { arn: String, policy: PolicyState },
}

impl Scenario {
    const ALL: [Scenario; 2] = [Scenario::HandMade, Scenario::FiveVersions];

    /// A fresh account with the scenario's hand-made entities, and the
    /// plan that adopts them.
    async fn fresh(self) -> (CountingCloud<MemoryCloud>, Plan, Before) {
        let cloud = memory_cloud().await;
        let (plan, before) = match self {
            Scenario::HandMade => {
                let plan = plan_for(&cloud, &genomics("adopt = [\"*\"]")).await;
                let hand_made = hand_make(&cloud, &plan).await;
                (plan, Before::HandMade(Box::new(hand_made)))
            }
            Scenario::FiveVersions => {
                let plan = plan_for(&cloud, &five_versions_answers()).await;
                let (arn, policy) = hand_make_five_versions(&cloud, &plan).await;
                (plan, Before::FiveVersions { arn, policy })
            }
        };
        cloud.reset();
        (cloud, plan, before)
    }

    /// The entities the scenario adopts.
    fn adopted(self) -> Vec<(EntityKind, &'static str)> {
        match self {
            Scenario::HandMade => adopted_ids().to_vec(),
            Scenario::FiveVersions => vec![(EntityKind::ManagedPolicy, POLICY)],
        }
    }
}

impl Before {
    /// Fails unless the account holds each adopted entity as it was.
    async fn assert_held(&self, cloud: &CountingCloud<MemoryCloud>, what: &str) {
        match self {
            Before::HandMade(hand_made) => hand_made.assert_held(cloud, what).await,
            Before::FiveVersions { arn, policy } => {
                let now = readback::policy(cloud, arn).await.unwrap();
                assert_same_policy(policy, &now, what);
            }
        }
    }

    /// Fails unless the journal says what each adopted entity was.
    fn assert_recorded(&self, entries: &[Entry], what: &str) {
        match self {
            Before::HandMade(hand_made) => hand_made.assert_recorded(entries, what),
            Before::FiveVersions { policy, .. } => {
                let adopted = journal::adopted(entries);
                let [recorded] = adopted.as_slice() else {
                    panic!("{what}: {adopted:?}");
                };
                let Snapshot::Policy(snapshot) = &recorded.before else {
                    panic!("{what}: {recorded:?}");
                };
                let as_state = PolicyState {
                    tags: snapshot.tags.clone(),
                    default: snapshot.document.clone(),
                    others: snapshot.other_versions.values().cloned().collect(),
                    versions: snapshot.other_versions.len() + 1,
                };
                assert_same_policy(policy, &as_state, what);
            }
        }
    }
}

/// Applies `plan` over what is observed now, with the cloud cut after
/// `cut` changes: the run must stop on a failed call.
async fn apply_cut(cloud: &CountingCloud<MemoryCloud>, plan: &Plan, path: &Path, cut: usize) {
    let changes = onramp::apply::observe::changes(cloud, plan).await.unwrap();
    cloud.cut_after(cut);
    let journal = Journal::open(path).unwrap();
    let result = onramp::apply::run::apply(
        cloud,
        plan,
        &changes,
        &journal,
        &|_| {},
        &AtomicBool::new(false),
    )
    .await;
    cloud.mend();
    assert!(
        matches!(result, Err(ApplyError::Call { .. })),
        "cut after {cut}: {result:?}"
    );
}

/// Fails unless the journal has nothing left to undo or restore, and a
/// destroy more changes nothing.
async fn assert_all_undone(cloud: &CountingCloud<MemoryCloud>, path: &Path, what: &str) {
    let entries = entries(path);
    assert!(
        journal::adopted(&entries).is_empty(),
        "{what}: adopted and not restored: {:?}",
        journal::adopted(&entries)
    );
    // A create that never reached the account stays listed, to be looked
    // for (and skipped) by every destroy: nothing else may.
    let left: Vec<String> = pending(&entries)
        .into_iter()
        .filter(|p| !p.contains("its create was interrupted"))
        .collect();
    assert!(left.is_empty(), "{what}: left to undo: {left:?}");
    cloud.reset();
    let again = destroy_all(cloud, path).await;
    assert!(again.failed.is_empty(), "{what}: {again:?}");
    assert_eq!(cloud.mutating_calls(), 0, "{what}: {:?}", cloud.calls());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adopting_apply_cut_after_any_call_is_resumed_or_destroyed() {
    for scenario in Scenario::ALL {
        let total = {
            let (cloud, plan, _) = scenario.fresh().await;
            let dir = scratch_dir();
            let (_, result) = observe_and_apply(&cloud, &plan, &dir.path().join("j.jsonl")).await;
            result.unwrap();
            cloud.mutating_calls()
        };
        assert!(
            total > 3,
            "{scenario:?}: a whole adopting apply makes {total} calls"
        );
        for cut in 0..total {
            for resume in [true, false] {
                let what = format!(
                    "{scenario:?}: apply cut after {cut} of {total} calls, then {}",
                    if resume { "resumed" } else { "destroyed" }
                );
                let (cloud, plan, before) = scenario.fresh().await;
                let dir = scratch_dir();
                let path = dir.path().join("j.jsonl");
                apply_cut(&cloud, &plan, &path, cut).await;
                let recorded = entries(&path);
                assert_recorded_before_touched(&recorded, &what);
                before.assert_recorded(&recorded, &what);
                if resume {
                    let (_, result) = observe_and_apply(&cloud, &plan, &path).await;
                    result.unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_up_to_date(&cloud, &plan, &what).await;
                    // The resumed run keeps what the first one recorded.
                    let recorded = entries(&path);
                    assert_recorded_before_touched(&recorded, &what);
                    before.assert_recorded(&recorded, &what);
                }
                let report = destroy_all(&cloud, &path).await;
                assert!(report.failed.is_empty(), "{what}: {report:?}");
                before.assert_held(&cloud, &what).await;
                assert_made_by_onramp_gone(&cloud, &plan, &scenario.adopted(), &what).await;
                assert_all_undone(&cloud, &path, &what).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restoring_destroy_cut_after_any_call_is_finished_by_the_next() {
    for scenario in Scenario::ALL {
        let total = {
            let (cloud, plan, _) = scenario.fresh().await;
            let dir = scratch_dir();
            let path = dir.path().join("j.jsonl");
            observe_and_apply(&cloud, &plan, &path).await.1.unwrap();
            cloud.reset();
            let report = destroy_all(&cloud, &path).await;
            assert!(report.failed.is_empty(), "{scenario:?}: {report:?}");
            cloud.mutating_calls()
        };
        assert!(
            total > 3,
            "{scenario:?}: a whole destroy makes {total} calls"
        );
        for cut in 0..total {
            let what = format!("{scenario:?}: destroy cut after {cut} of {total} calls");
            let (cloud, plan, before) = scenario.fresh().await;
            let dir = scratch_dir();
            let path = dir.path().join("j.jsonl");
            observe_and_apply(&cloud, &plan, &path).await.1.unwrap();
            cloud.cut_after(cut);
            let cut_short = destroy_all(&cloud, &path).await;
            cloud.mend();
            assert!(!cut_short.failed.is_empty(), "{what}: {cut_short:?}");
            let report = destroy_all(&cloud, &path).await;
            assert!(report.failed.is_empty(), "{what}: {report:?}");
            before.assert_held(&cloud, &what).await;
            assert_made_by_onramp_gone(&cloud, &plan, &scenario.adopted(), &what).await;
            assert_all_undone(&cloud, &path, &what).await;
        }
    }
}
