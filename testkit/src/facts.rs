//! What an apply made, seen two ways: as the journal records it and as moto
//! holds it, for the tests of interrupted and faulty runs to compare; and
//! the everything example they apply.

use std::collections::BTreeSet;
use std::path::Path;

use onramp::answers::{Answers, Environment};
use onramp::apply::diff::State;
use onramp::apply::journal::{self, Record};
use onramp::apply::observe;
use onramp::apply::run::ApplyError;
use onramp::cloud::{Cloud, ErrorKind, NewPolicy, Tags};
use onramp::iam::action::Action;
use onramp::iam::names::EntityKind;
use onramp::plan::{Plan, Spec, plan};
use serde_json::json;

/// The everything example written for `account_id` (its answers and plan),
/// after creating in the account the permissions boundary it names.
pub async fn everything_example(cloud: &dyn Cloud, account_id: &str) -> (String, Plan) {
    let toml = crate::files::example("everything.toml").replace("123456789012", account_id);
    let plan = plan_of(&toml);
    let everything = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    cloud
        .create_policy(NewPolicy {
            name: "lab-boundary",
            path: "/",
            description: "boundary",
            document: &everything,
            tags: &Tags::new(),
        })
        .await
        .unwrap();
    (toml, plan)
}

/// The plan of valid answers.
pub fn plan_of(toml: &str) -> Plan {
    let valid = Answers::from_toml(toml)
        .unwrap()
        .validate(&Environment::default())
        .unwrap();
    plan(&valid).unwrap()
}

/// The everything example changed as an admin changes a set-up: a bucket
/// dropped and the cluster's bucket renamed (new default versions of the
/// policies naming them) and another managed policy for the job role (one
/// attachment made, one removed).
pub fn changed_everything(toml: &str) -> String {
    let changed = toml
        .replace("\"lab-gwf-work\", ", "")
        .replace("lab-pcluster-resources", "lab-pcluster-scripts")
        .replace("AmazonDynamoDBReadOnlyAccess", "AmazonDynamoDBFullAccess");
    assert_ne!(
        changed, toml,
        "the everything example still has what is changed"
    );
    changed
}

/// Fails unless nothing is left to do for the plan (an update leaves older
/// policy versions behind, so their number is not checked).
pub async fn assert_up_to_date(cloud: &dyn Cloud, plan: &Plan, what: &str) {
    let changes = observe::changes(cloud, plan).await.unwrap();
    let pending: Vec<_> = changes
        .iter()
        .filter(|c| c.state != State::Unchanged)
        .map(|c| format!("{} {}: {:?} {:?}", c.kind.noun(), c.name, c.state, c.steps))
        .collect();
    assert!(pending.is_empty(), "{what}: not up to date: {pending:?}");
}

/// Fails unless the account holds the plan exactly: nothing left to do, and
/// nothing twice (one version per policy).
pub async fn assert_complete(cloud: &dyn Cloud, plan: &Plan, what: &str) {
    assert_up_to_date(cloud, plan, what).await;
    for r in &plan.resources {
        if let Spec::ManagedPolicy(_) = r.spec {
            let versions = cloud.list_policy_versions(&r.arn).await.unwrap();
            assert_eq!(versions.len(), 1, "{what}: {} has {versions:?}", r.name);
        }
    }
}

/// Something onramp makes exist: an entity, or a link between two.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fact {
    Entity(EntityKind, String),
    Attached { role: String, policy_arn: String },
    Inline { role: String, name: String },
    InProfile { profile: String, role: String },
}

/// What a journal call does to a fact: brings it about, or ends it.
enum Effect {
    Makes(Fact),
    Ends(Fact),
}

/// The effect of a journal call on the facts, if it has one.
fn effect_of(action: Action, kind: EntityKind, name: &str, detail: Option<&str>) -> Option<Effect> {
    let entity = || Fact::Entity(kind, name.to_owned());
    let attached = || Fact::Attached {
        role: name.to_owned(),
        policy_arn: detail.unwrap_or_default().to_owned(),
    };
    let inline = || Fact::Inline {
        role: name.to_owned(),
        name: detail.unwrap_or_default().to_owned(),
    };
    let in_profile = || Fact::InProfile {
        profile: name.to_owned(),
        role: detail.unwrap_or_default().to_owned(),
    };
    Some(match action {
        Action::CreatePolicy
        | Action::CreateRole
        | Action::CreateInstanceProfile
        | Action::CreateServiceLinkedRole => Effect::Makes(entity()),
        Action::DeletePolicy
        | Action::DeleteRole
        | Action::DeleteInstanceProfile
        | Action::DeleteServiceLinkedRole => Effect::Ends(entity()),
        Action::AttachRolePolicy => Effect::Makes(attached()),
        Action::DetachRolePolicy => Effect::Ends(attached()),
        Action::PutRolePolicy => Effect::Makes(inline()),
        Action::DeleteRolePolicy => Effect::Ends(inline()),
        Action::AddRoleToInstanceProfile => Effect::Makes(in_profile()),
        Action::RemoveRoleFromInstanceProfile => Effect::Ends(in_profile()),
        _ => return None,
    })
}

/// What the journal says certainly exists and what may exist, read in
/// order: a make recorded as done is certain; one only started (whatever
/// its result) is possible; an end only started makes its fact uncertain,
/// and one recorded as done rules it out.
pub fn journal_facts(path: &Path) -> (BTreeSet<Fact>, BTreeSet<Fact>) {
    let mut certain = BTreeSet::new();
    let mut possible = BTreeSet::new();
    for entry in journal::read(path).unwrap() {
        let (call, done) = match entry.record {
            Record::Intent(call) => (call, false),
            Record::Done { call, .. } => (call, true),
            Record::Failed { .. }
            | Record::Run { .. }
            | Record::Adopt { .. }
            | Record::Restored { .. } => continue,
        };
        match effect_of(call.action, call.kind, &call.name, call.detail.as_deref()) {
            Some(Effect::Makes(fact)) => {
                if done {
                    certain.insert(fact.clone());
                }
                possible.insert(fact);
            }
            Some(Effect::Ends(fact)) => {
                certain.remove(&fact);
                if done {
                    possible.remove(&fact);
                }
            }
            None => {}
        }
    }
    (certain, possible)
}

/// What moto holds of the plan's resources, read directly.
pub async fn moto_facts(cloud: &dyn Cloud, plan: &Plan) -> BTreeSet<Fact> {
    let mut facts = BTreeSet::new();
    for r in &plan.resources {
        let kind = r.kind();
        let exists = match &r.spec {
            Spec::ManagedPolicy(_) => cloud.get_policy(&r.arn).await.unwrap().is_some(),
            Spec::ServiceLinkedRole(_) => cloud.get_role(&r.name).await.unwrap().is_some(),
            Spec::Role(_) => {
                let exists = cloud.get_role(&r.name).await.unwrap().is_some();
                if exists {
                    for arn in cloud.list_attached_role_policies(&r.name).await.unwrap() {
                        facts.insert(Fact::Attached {
                            role: r.name.clone(),
                            policy_arn: arn,
                        });
                    }
                    for name in cloud.list_role_policies(&r.name).await.unwrap() {
                        facts.insert(Fact::Inline {
                            role: r.name.clone(),
                            name,
                        });
                    }
                }
                exists
            }
            Spec::InstanceProfile(_) => match cloud.get_instance_profile(&r.name).await.unwrap() {
                Some(profile) => {
                    for role in profile.roles {
                        facts.insert(Fact::InProfile {
                            profile: r.name.clone(),
                            role,
                        });
                    }
                    true
                }
                None => false,
            },
        };
        if exists {
            facts.insert(Fact::Entity(kind, r.name.clone()));
        }
    }
    facts
}

impl Fact {
    /// The entity the fact is about: a link is its role's or its profile's.
    fn subject(&self) -> (EntityKind, &str) {
        match self {
            Fact::Entity(kind, name) => (*kind, name),
            Fact::Attached { role, .. } | Fact::Inline { role, .. } => (EntityKind::Role, role),
            Fact::InProfile { profile, .. } => (EntityKind::InstanceProfile, profile),
        }
    }
}

/// Fails unless the journal accounts for moto: everything it records as done
/// exists, and everything that exists was at least started according to it.
pub async fn assert_journal_matches(cloud: &dyn Cloud, plan: &Plan, journal: &Path, what: &str) {
    assert_journal_matches_besides(cloud, plan, journal, &[], what).await;
}

/// [`assert_journal_matches`] for everything but the entities `adopted`
/// (kind and name), and their links: they existed before onramp, so moto
/// holds them whatever the journal says, and their tests look at them
/// field by field instead.
pub async fn assert_journal_matches_besides(
    cloud: &dyn Cloud,
    plan: &Plan,
    journal: &Path,
    adopted: &[(EntityKind, &str)],
    what: &str,
) {
    let others = |facts: BTreeSet<Fact>| -> BTreeSet<Fact> {
        facts
            .into_iter()
            .filter(|f| {
                let (kind, name) = f.subject();
                !adopted
                    .iter()
                    .any(|(k, n)| *k == kind && n.eq_ignore_ascii_case(name))
            })
            .collect()
    };
    let (certain, possible) = journal_facts(journal);
    let (certain, possible) = (others(certain), others(possible));
    let held = others(moto_facts(cloud, plan).await);
    let missing: Vec<_> = certain.difference(&held).collect();
    assert!(
        missing.is_empty(),
        "{what}: the journal says these were made, moto lacks them: {missing:?}"
    );
    let unrecorded: Vec<_> = held.difference(&possible).collect();
    assert!(
        unrecorded.is_empty(),
        "{what}: moto holds these, the journal never mentions them: {unrecorded:?}"
    );
    assert!(
        !possible.is_empty() || held.is_empty(),
        "{what}: the journal accounts for nothing that exists"
    );
}

/// What an apply with one fault must end in, on either cloud: after a blip
/// (one faulted attempt), success; after an outage (every attempt faulted),
/// an error naming the faulted call, of the fault's kind, on a planned
/// resource, after the call was retried.
#[allow(clippy::too_many_arguments)]
pub fn assert_fault_outcome(
    plan: &Plan,
    result: &Result<(), ApplyError>,
    target: Action,
    kind: ErrorKind,
    outage: bool,
    faulted: usize,
    what: &str,
) {
    if !outage {
        assert!(
            result.is_ok(),
            "{what}: a single fault is retried, got {:?}",
            result.as_ref().err().map(|e| e.to_string())
        );
        assert_eq!(faulted, 1, "{what}: one attempt faulted");
        return;
    }
    let Err(ApplyError::Call {
        action,
        name,
        error,
        ..
    }) = result
    else {
        panic!("{what}: apply must stop with the failed step, got {result:?}");
    };
    assert_eq!(*action, target, "{what}: the error names the faulted call");
    assert_eq!(error.kind, kind, "{what}: {error}");
    assert!(
        plan.resources.iter().any(|r| &r.name == name),
        "{what}: the error names a planned resource: {name}"
    );
    assert!(
        faulted >= 2,
        "{what}: the call was retried before giving up ({faulted} faulted)"
    );
}
