//! Whose resources a run touches. IAM names are account-wide, so two runs
//! with other answers (another region, another example) can plan the same
//! name, and the second would quietly rewrite what the first made; and a
//! journal given by hand may be another run's, so that a later `destroy`
//! with it would undo both. Neither may go unsaid.
//!
//! Pure: it reads a journal's entries, the plan and the changes, and says
//! what a person must know before the run.

use std::collections::BTreeSet;

use super::diff::{Change, State};
use super::journal::{Call, Entry, Record};
use crate::plan::{Plan, ResourceId};

/// What a run must say before it starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notices {
    /// The journal is for another account or region: the run must not use it.
    pub wrong_journal: Option<String>,
    /// Everything else a person should read before confirming.
    pub warnings: Vec<String>,
}

impl Notices {
    pub fn is_empty(&self) -> bool {
        self.wrong_journal.is_none() && self.warnings.is_empty()
    }
}

/// The notices for a run of `plan` with `changes`, recorded in the journal
/// `journal_name` that already holds `entries`.
pub fn notices(entries: &[Entry], journal_name: &str, plan: &Plan, changes: &[Change]) -> Notices {
    let mut out = Notices {
        wrong_journal: wrong_target(entries, journal_name, plan),
        warnings: Vec::new(),
    };
    let created = created_in(entries);
    let planned: BTreeSet<ResourceId> = plan.resources.iter().map(|r| r.id()).collect();
    let others: Vec<&ResourceId> = created.iter().filter(|id| !planned.contains(id)).collect();
    if !others.is_empty() {
        out.warnings.push(format!(
            "The journal {journal_name} also records {} that these answers do not plan ({}): \
             it holds another run's resources, and a destroy with it undoes both. \
             Use another --journal to keep the runs apart.",
            count(others.len(), "resource"),
            names(&others)
        ));
    }
    // An entity this journal adopted carries onramp's tag from its first
    // tagging call on: changing it again (or resuming after a kill between
    // its tagging and its other calls) is this journal's run, not another's.
    let adopted = super::journal::adopted(entries);
    let is_adopted = |id: &ResourceId| {
        adopted
            .iter()
            .any(|a| a.kind == id.kind && a.name.eq_ignore_ascii_case(&id.name))
    };
    let rewritten: Vec<ResourceId> = changes
        .iter()
        .filter(|c| c.state == State::Update && c.owned)
        .map(Change::id)
        .filter(|id| !created.contains(id) && !is_adopted(id))
        .collect();
    if !rewritten.is_empty() {
        out.warnings.push(format!(
            "This run would change {} that onramp made in another run (not recorded in \
             {journal_name}): {}. If that run had other answers (another region or example), \
             give these answers a name_prefix instead, or the two will keep rewriting each other.",
            count(rewritten.len(), "resource"),
            names(&rewritten.iter().collect::<Vec<_>>())
        ));
    }
    out
}

/// Why the journal cannot be this run's: its runs were for another account
/// or region.
fn wrong_target(entries: &[Entry], journal_name: &str, plan: &Plan) -> Option<String> {
    let target = &plan.target;
    entries.iter().find_map(|e| match &e.record {
        Record::Run {
            account_id, region, ..
        } if *account_id != target.account_id || *region != target.region => Some(format!(
            "The journal {journal_name} is for account {account_id} in {region}, and these \
             answers are for account {} in {}: leave out --journal to use this target's own \
             journal, or give another file.",
            target.account_id, target.region
        )),
        _ => None,
    })
}

/// The entities the journal records creating (and not deleting since). A
/// create only started counts: a run killed with it in flight may well
/// have made the entity, which then carries onramp's tag, and `destroy`
/// with this journal deletes it on that tag; it is this journal's.
fn created_in(entries: &[Entry]) -> BTreeSet<ResourceId> {
    let mut created = BTreeSet::new();
    for entry in entries {
        let id = |call: &Call| ResourceId {
            kind: call.kind,
            name: call.name.clone(),
        };
        match &entry.record {
            Record::Intent(call) | Record::Done { call, .. } if call.action.creates_entity() => {
                created.insert(id(call));
            }
            Record::Done { call, .. } if call.action.deletes_entity() => {
                created.remove(&id(call));
            }
            _ => {}
        }
    }
    created
}

/// `role ecsInstanceRole, instance profile ecsInstanceRole and 2 more`.
fn names(ids: &[&ResourceId]) -> String {
    const SHOWN: usize = 4;
    let mut out: Vec<String> = ids
        .iter()
        .take(SHOWN)
        .map(|id| format!("{} {}", id.kind.noun(), id.name))
        .collect();
    if ids.len() > SHOWN {
        out.push(format!("{} more", ids.len() - SHOWN));
    }
    out.join(", ")
}

/// `1 resource`, `3 resources`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::journal::Call;
    use crate::iam::action::Action;
    use crate::iam::names::EntityKind;

    fn plan() -> Plan {
        crate::plan::plan_of_valid_toml(
            "region = \"us-east-1\"\naccount_id = \"123456789012\"\n\
             [genomics]\nbuckets = [\"my-gwf-data\"]\n",
        )
    }

    fn entry(seq: u64, record: Record) -> Entry {
        Entry {
            seq,
            unix_ms: 0,
            record,
        }
    }

    fn run(region: &str) -> Record {
        Record::Run {
            command: "apply".into(),
            account_id: "123456789012".into(),
            region: region.into(),
            onramp_version: "0".into(),
        }
    }

    fn created(kind: EntityKind, name: &str) -> Record {
        Record::Done {
            call: Call {
                action: match kind {
                    EntityKind::Role => Action::CreateRole,
                    EntityKind::ManagedPolicy => Action::CreatePolicy,
                    EntityKind::InstanceProfile => Action::CreateInstanceProfile,
                },
                kind,
                name: name.into(),
                detail: None,
            },
            arn: None,
        }
    }

    fn change(name: &str, state: State, owned: bool) -> Change {
        Change {
            kind: EntityKind::Role,
            name: name.into(),
            state,
            steps: Vec::new(),
            reasons: Vec::new(),
            owned,
            adoption: None,
        }
    }

    #[test]
    fn a_journal_of_this_target_with_these_resources_says_nothing() {
        let entries = vec![
            entry(1, run("us-east-1")),
            entry(2, created(EntityKind::Role, "ecsInstanceRole")),
        ];
        let changes = vec![change("ecsInstanceRole", State::Update, true)];
        assert!(notices(&entries, "j", &plan(), &changes).is_empty());
    }

    #[test]
    fn a_journal_of_another_region_is_refused() {
        let entries = vec![entry(1, run("eu-west-1"))];
        let n = notices(&entries, "j.jsonl", &plan(), &[]);
        let why = n.wrong_journal.unwrap();
        assert!(
            why.contains("eu-west-1") && why.contains("us-east-1"),
            "{why}"
        );
    }

    #[test]
    fn a_journal_with_resources_not_planned_is_said() {
        let entries = vec![
            entry(1, run("us-east-1")),
            entry(
                2,
                created(EntityKind::ManagedPolicy, "ParallelClusterUserPolicy"),
            ),
        ];
        let n = notices(&entries, "j.jsonl", &plan(), &[]);
        assert_eq!(n.warnings.len(), 1);
        assert!(n.warnings[0].contains("managed policy ParallelClusterUserPolicy"));
    }

    #[test]
    fn changing_what_another_run_made_is_said_and_creating_or_foreign_is_not() {
        let changes = vec![
            change("ecsInstanceRole", State::Update, true),
            change("BatchJobRole", State::Create, false),
            change("Handmade", State::Update, false),
            change("AWSBatchServiceRole", State::Unchanged, true),
        ];
        let n = notices(&[], "j.jsonl", &plan(), &changes);
        assert_eq!(n.warnings.len(), 1, "{n:?}");
        assert!(n.warnings[0].contains("1 resource that onramp made in another run"));
        assert!(n.warnings[0].contains("role ecsInstanceRole"));
        assert!(!n.warnings[0].contains("Handmade"));
    }

    #[test]
    fn changing_what_this_journal_adopted_is_not_said_to_be_another_runs() {
        use crate::apply::adopt::{ProfileSnapshot, Snapshot};
        let profile = |role: &str| {
            Box::new(Snapshot::InstanceProfile(ProfileSnapshot {
                path: "/".into(),
                tags: crate::cloud::Tags::new(),
                roles: [role.to_owned()].into(),
            }))
        };
        let adopt = Record::Adopt {
            kind: EntityKind::InstanceProfile,
            name: "ecsInstanceRole".into(),
            before: profile("Handmade"),
            after: profile("ecsInstanceRole"),
        };
        let entries = vec![entry(1, run("us-east-1")), entry(2, adopt)];
        // Tagged as onramp's by the run that adopted it, then stopped.
        let changes = vec![Change {
            kind: EntityKind::InstanceProfile,
            ..change("ECSINSTANCEROLE", State::Update, true)
        }];
        assert!(
            notices(&entries, "j", &plan(), &changes).is_empty(),
            "{:?}",
            notices(&entries, "j", &plan(), &changes)
        );
        // Once restored, it is no longer this journal's.
        let restored = Record::Restored {
            kind: EntityKind::InstanceProfile,
            name: "ecsInstanceRole".into(),
        };
        let entries = [entries, vec![entry(3, restored)]].concat();
        assert_eq!(notices(&entries, "j", &plan(), &changes).warnings.len(), 1);
    }

    #[test]
    fn a_create_left_in_flight_by_a_killed_run_is_the_journals() {
        let create = Call {
            action: Action::CreateRole,
            kind: EntityKind::Role,
            name: "BatchJobRole".into(),
            detail: None,
        };
        let entries = vec![entry(1, run("us-east-1")), entry(2, Record::Intent(create))];
        // Made, tagged, its attachments still to come.
        let changes = vec![change("BatchJobRole", State::Update, true)];
        let n = notices(&entries, "j", &plan(), &changes);
        assert!(n.is_empty(), "{n:?}");
    }

    #[test]
    fn a_deleted_resource_is_no_longer_the_journals() {
        let entries = vec![
            entry(1, run("us-east-1")),
            entry(2, created(EntityKind::ManagedPolicy, "Gone")),
            entry(
                3,
                Record::Done {
                    call: Call {
                        action: Action::DeletePolicy,
                        kind: EntityKind::ManagedPolicy,
                        name: "Gone".into(),
                        detail: None,
                    },
                    arn: None,
                },
            ),
        ];
        assert!(notices(&entries, "j", &plan(), &[]).is_empty());
    }

    #[test]
    fn changing_what_this_journal_adopted_is_not_said() {
        use crate::apply::adopt::{RoleSnapshot, Snapshot};
        let role = || {
            Box::new(Snapshot::Role(RoleSnapshot {
                path: "/".into(),
                trust_policy: serde_json::json!({}),
                description: None,
                permissions_boundary: None,
                tags: Default::default(),
                attached: Default::default(),
                inline: Default::default(),
            }))
        };
        let entries = vec![
            entry(1, run("us-east-1")),
            entry(
                2,
                Record::Adopt {
                    kind: EntityKind::Role,
                    name: "ecsInstanceRole".into(),
                    before: role(),
                    after: role(),
                },
            ),
        ];
        let changes = vec![change("ecsInstanceRole", State::Update, true)];
        assert!(notices(&entries, "j", &plan(), &changes).is_empty());
    }
}
