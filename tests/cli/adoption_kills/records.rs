//! What a journal of adopting applies and restoring destroys must show,
//! read entry by entry: an adopted entity's record before any call on it,
//! its two states as they really were, every call of a finished run with
//! its result, and a restore recorded last.

use std::collections::BTreeSet;

use onramp::apply::journal::{self, Call, Entry, Record};
use onramp::iam::names::EntityKind;

use super::fields::{ADOPTED, HandMade, OTHER_ROLE, profile_of, role_of};

/// The entities the test has onramp adopt.
pub const ADOPTED_ENTITIES: [(EntityKind, &str); 2] = [
    (EntityKind::Role, ADOPTED),
    (EntityKind::InstanceProfile, ADOPTED),
];

fn is_adopted(kind: EntityKind, name: &str) -> bool {
    ADOPTED_ENTITIES
        .iter()
        .any(|(k, n)| *k == kind && n.eq_ignore_ascii_case(name))
}

fn is_adopt_of(record: &Record, kind: EntityKind, name: &str) -> bool {
    matches!(record, Record::Adopt { kind: k, name: n, .. } if *k == kind && n.eq_ignore_ascii_case(name))
}

/// Fails if any call on an adopted entity is recorded while no adopt record
/// of it stands (none yet, or its restore recorded since): the state
/// before would be lost to a kill right after that call. No call is ever
/// made on the hand-made role the profile held.
pub fn assert_adopt_recorded_first(entries: &[Entry], what: &str) {
    let mut standing: BTreeSet<(EntityKind, String)> = BTreeSet::new();
    for entry in entries {
        match &entry.record {
            Record::Adopt { kind, name, .. } => {
                standing.insert((*kind, name.to_lowercase()));
            }
            Record::Restored { kind, name } => {
                standing.remove(&(*kind, name.to_lowercase()));
            }
            Record::Intent(call) => {
                assert!(
                    !call.name.eq_ignore_ascii_case(OTHER_ROLE) || call.kind != EntityKind::Role,
                    "{what}: entry {} is a call on the hand-made {OTHER_ROLE}: {call:?}",
                    entry.seq
                );
                if is_adopted(call.kind, &call.name) {
                    assert!(
                        standing.contains(&(call.kind, call.name.to_lowercase())),
                        "{what}: entry {} ({} on {} {}) comes with no adopt record of it standing",
                        entry.seq,
                        call.action,
                        call.kind.noun(),
                        call.name
                    );
                }
            }
            _ => {}
        }
    }
}

/// Fails unless every adopt record holds, field by field, the hand-made
/// state `before` and onramp's `after`. Returns how many there are.
pub fn assert_adopt_states(
    entries: &[Entry],
    before: &HandMade,
    after: &HandMade,
    what: &str,
) -> usize {
    let mut count = 0;
    for entry in entries {
        let Record::Adopt {
            kind,
            name,
            before: was,
            after: will,
        } = &entry.record
        else {
            continue;
        };
        count += 1;
        let what = format!(
            "{what}: adopt record {} of {} {name}",
            entry.seq,
            kind.noun()
        );
        match kind {
            EntityKind::Role => {
                assert_eq!(role_of(was), before.role, "{what}: its state before");
                assert_eq!(role_of(will), after.role, "{what}: its state after");
            }
            EntityKind::InstanceProfile => {
                assert_eq!(profile_of(was), before.profile, "{what}: its state before");
                assert_eq!(profile_of(will), after.profile, "{what}: its state after");
            }
            other => panic!("{what}: only the role and the profile are adopted, not a {other:?}"),
        }
    }
    count
}

/// Whether the journal holds an adopt record of each adopted entity.
pub fn adopt_recorded(entries: &[Entry]) -> [bool; 2] {
    ADOPTED_ENTITIES.map(|(kind, name)| entries.iter().any(|e| is_adopt_of(&e.record, kind, name)))
}

/// The calls of each run left without a result, run by run (a run starts
/// at its `run` record), with the index of each intent.
fn open_by_run(entries: &[Entry]) -> Vec<Vec<(usize, Call)>> {
    let mut runs: Vec<Vec<(usize, Call)>> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        match &entry.record {
            Record::Run { .. } => runs.push(Vec::new()),
            Record::Intent(call) => runs.last_mut().unwrap().push((i, call.clone())),
            Record::Done { call, .. } | Record::Failed { call, .. } => {
                let open = runs.last_mut().unwrap();
                let at = open.iter().position(|(_, c)| c == call).unwrap_or_else(|| {
                    panic!("entry {} is a result with no intent in its run", entry.seq)
                });
                open.remove(at);
            }
            Record::Adopt { .. } | Record::Restored { .. } => {}
        }
    }
    runs
}

/// Fails unless every run from entry `from` on (the runs after a kill)
/// recorded the result of every call it started. A call left open before
/// `from` is the killed run's, and is explained by a later run: one that
/// made it again (counted here) or found it in place, or by the account
/// (which the caller checks). Returns the open calls before `from`, and
/// how many of them were made again.
pub fn assert_results_recorded(entries: &[Entry], from: usize, what: &str) -> (usize, usize) {
    let open: Vec<(usize, Call)> = open_by_run(entries).into_iter().flatten().collect();
    let after: Vec<&(usize, Call)> = open.iter().filter(|(at, _)| *at >= from).collect();
    assert_eq!(
        after,
        Vec::<&(usize, Call)>::new(),
        "{what}: a run after entry {from} left calls without a result"
    );
    let made_again = open
        .iter()
        .filter(|(at, call)| {
            entries[*at..]
                .iter()
                .any(|e| matches!(&e.record, Record::Done { call: c, .. } if c == call))
        })
        .count();
    (open.len(), made_again)
}

/// Fails unless the journal ends on the restore of what it adopted: its
/// last entry a `restored` record (but for the runs of destroys that found
/// nothing left to do), each adopted entity restored after its last adopt
/// record, and nothing still adopted.
pub fn assert_ends_restored(entries: &[Entry], what: &str) {
    let last = entries
        .iter()
        .rev()
        .find(|e| !matches!(&e.record, Record::Run { command, .. } if command == "destroy"));
    assert!(
        matches!(last.map(|e| &e.record), Some(Record::Restored { .. })),
        "{what}: the journal ends with {last:?}"
    );
    for (kind, name) in ADOPTED_ENTITIES {
        let adopted = entries
            .iter()
            .rposition(|e| is_adopt_of(&e.record, kind, name));
        let restored = entries.iter().rposition(|e| {
            matches!(&e.record, Record::Restored { kind: k, name: n } if *k == kind && n.eq_ignore_ascii_case(name))
        });
        assert!(
            adopted.is_some() && restored > adopted,
            "{what}: {} {name} adopted at {adopted:?}, restored at {restored:?}",
            kind.noun()
        );
    }
    assert_eq!(
        journal::adopted(entries),
        [],
        "{what}: the journal still holds something adopted"
    );
}
