//! Applying a plan as `onramp apply --yes` does, and reading back what its
//! journal recorded.

use std::path::Path;

/// Observes what exists and applies `plan` over it with a journal at
/// `journal`, as `onramp apply --yes` does: the changes it saw and how it
/// ended.
pub async fn observe_and_apply(
    cloud: &dyn onramp::cloud::Cloud,
    plan: &onramp::plan::Plan,
    journal: &Path,
) -> (
    Vec<onramp::apply::diff::Change>,
    Result<onramp::apply::run::Report, onramp::apply::run::ApplyError>,
) {
    let changes = onramp::apply::observe::changes(cloud, plan).await.unwrap();
    let journal = onramp::apply::journal::Journal::open(journal).unwrap();
    let result = onramp::apply::run::apply(
        cloud,
        plan,
        &changes,
        &journal,
        &|_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .await;
    (changes, result)
}

/// The calls the journal at `path` records as started and never finished.
pub fn open_intents(path: &Path) -> Vec<onramp::apply::journal::Call> {
    use onramp::apply::journal::{self, Record};
    let mut open = Vec::new();
    for entry in journal::read(path).unwrap() {
        match entry.record {
            Record::Intent(call) => open.push(call),
            Record::Done { call, .. } | Record::Failed { call, .. } => {
                open.retain(|c| *c != call);
            }
            Record::Run { .. } | Record::Adopt { .. } | Record::Restored { .. } => {}
        }
    }
    open
}

/// The actions the journal at `path` records as done, in order.
pub fn done_actions(path: &Path) -> Vec<onramp::iam::action::Action> {
    use onramp::apply::journal::{self, Record};
    journal::read(path)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.record {
            Record::Done { call, .. } => Some(call.action),
            _ => None,
        })
        .collect()
}
