//! Adoption end to end, on both clouds: resources a person made by hand
//! before onramp (another trust policy, an extra attached policy, tags, an
//! inline policy, an instance profile holding another role, a policy at
//! five versions) are refused without `adopt`, naming the way out;
//! adopted, they are brought to the plan (nothing left to do, `verify`
//! passes, a later apply with other answers moves them along); `destroy`
//! puts each back exactly as it was, read back field by field, once, and
//! not over what someone else changed since unless forced. `keep` leaves
//! them alone, and a service-linked role is never adopted. `interrupted`
//! cuts adopting applies and restoring destroys after every call.

mod interrupted;
mod readback;

use std::path::Path;

use onramp::apply::adopt::Snapshot;
use onramp::apply::destroy::DestroyReport;
use onramp::apply::diff::{Change, State, Step};
use onramp::apply::journal::{self, Entry, Record};
use onramp::apply::run::ApplyError;
use onramp::cloud::counting::CountingCloud;
use onramp::cloud::{Cloud, NewPolicy, NewRole, Tags};
use onramp::iam::action::Action;
use onramp::iam::names::EntityKind;
use onramp::plan::Plan;
use onramp_testkit::facts::assert_up_to_date;
use onramp_testkit::files::example;
use onramp_testkit::journal::observe_and_apply;
use serde_json::{Value, json};

use crate::clouds::{
    Linked, answers_for, destroy_all, destroy_with, linked_plan_of, on_both_clouds, plan_for,
    service_linked_on_both_clouds,
};
use readback::{
    PolicyState, ProfileState, RoleState, assert_profile_snapshot, assert_role_snapshot,
    assert_same_policy, assert_same_profile, assert_same_role,
};

on_both_clouds! {
    hand_made_resources_are_refused_then_adopted_then_restored_exactly,
    a_policy_at_five_versions_is_adopted_and_its_versions_restored,
    a_resource_changed_by_someone_else_is_restored_only_when_forced,
    a_kept_resource_is_never_touched,
    an_adopted_resource_follows_the_plan_and_is_restored_as_it_first_was,
    an_adopted_profile_gets_its_role_back_around_onramps_role,
}

service_linked_on_both_clouds! {
    a_service_linked_role_is_never_adopted,
}

// ---------------------------------------------------------------- set-up

const INSTANCE_ROLE: &str = "ecsInstanceRole";
const BATCH_ROLE: &str = "AWSBatchServiceRole";
/// The role the hand-made instance profile holds.
const OTHER_ROLE: &str = "HandMadeInstanceRole";
/// An AWS managed policy both clouds know that the plan does not attach.
const LAMBDA_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

/// The genomics example's answers with `lines` (adopt, keep) added at the
/// top, where TOML keys outside a table go.
fn genomics(lines: &str) -> String {
    let toml = example("genomics.toml");
    let anchor = "account_id = \"123456789012\"\n";
    assert!(toml.contains(anchor));
    toml.replacen(anchor, &format!("{anchor}{lines}\n"), 1)
}

fn trust(service: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
}

fn team_bio() -> Tags {
    Tags::from([("team".to_owned(), "bio".to_owned())])
}

/// What each adopted entity of the genomics example was before onramp,
/// and the role the hand-made profile held, as read back.
#[derive(Debug, Clone)]
struct HandMade {
    instance_role: RoleState,
    profile: ProfileState,
    batch_role: RoleState,
    other_role: RoleState,
}

/// Makes by hand, in the genomics example's account, what a colleague or
/// an old tutorial made before onramp ran: `ecsInstanceRole` trusting
/// Lambda, with a description, a tag, an extra AWS managed policy and an
/// inline policy; its instance profile holding another role; and
/// `AWSBatchServiceRole` as the plan has it, but without onramp's tags.
async fn hand_make(cloud: &dyn Cloud, plan: &Plan) -> HandMade {
    cloud
        .create_role(NewRole {
            name: INSTANCE_ROLE,
            path: "/",
            description: "made by hand for the lambda pipeline",
            trust_policy: &trust("lambda.amazonaws.com"),
            permissions_boundary: None,
            tags: &team_bio(),
        })
        .await
        .unwrap();
    cloud
        .attach_role_policy(INSTANCE_ROLE, LAMBDA_POLICY)
        .await
        .unwrap();
    let notes = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lab-notes/*"}]});
    cloud
        .put_role_policy(INSTANCE_ROLE, "lab-notes", &notes)
        .await
        .unwrap();

    hand_made_profile(cloud).await;

    let batch = plan
        .get(EntityKind::Role, BATCH_ROLE)
        .and_then(|r| r.role())
        .expect("the genomics example plans AWSBatchServiceRole");
    cloud
        .create_role(NewRole {
            name: BATCH_ROLE,
            path: "/",
            description: &batch.description,
            trust_policy: &batch.trust_policy,
            permissions_boundary: None,
            tags: &Tags::new(),
        })
        .await
        .unwrap();
    for arn in &batch.managed_policy_arns {
        cloud.attach_role_policy(BATCH_ROLE, arn).await.unwrap();
    }
    HandMade::read(cloud).await
}

impl HandMade {
    async fn read(cloud: &dyn Cloud) -> HandMade {
        HandMade {
            instance_role: readback::role(cloud, INSTANCE_ROLE).await.unwrap(),
            profile: readback::profile(cloud, INSTANCE_ROLE).await.unwrap(),
            batch_role: readback::role(cloud, BATCH_ROLE).await.unwrap(),
            other_role: readback::role(cloud, OTHER_ROLE).await.unwrap(),
        }
    }

    /// Fails unless the account holds each hand-made entity as it was.
    async fn assert_held(&self, cloud: &dyn Cloud, what: &str) {
        let now = HandMade::read(cloud).await;
        assert_same_role(
            &self.instance_role,
            &now.instance_role,
            &format!("{what}: role {INSTANCE_ROLE}"),
        );
        assert_same_profile(
            &self.profile,
            &now.profile,
            &format!("{what}: instance profile {INSTANCE_ROLE}"),
        );
        assert_same_role(
            &self.batch_role,
            &now.batch_role,
            &format!("{what}: role {BATCH_ROLE}"),
        );
        assert_same_role(
            &self.other_role,
            &now.other_role,
            &format!("{what}: role {OTHER_ROLE}"),
        );
    }

    /// Fails unless the journal's adopt records say of each entity what it
    /// was, field by field.
    fn assert_recorded(&self, entries: &[Entry], what: &str) {
        let adopted = journal::adopted(entries);
        let before = |kind: EntityKind, name: &str| {
            adopted
                .iter()
                .find(|a| a.kind == kind && a.name == name)
                .map(|a| a.before.clone())
                .unwrap_or_else(|| panic!("{what}: {} {name} not adopted", kind.noun()))
        };
        for (name, held) in [
            (INSTANCE_ROLE, &self.instance_role),
            (BATCH_ROLE, &self.batch_role),
        ] {
            let Snapshot::Role(snapshot) = before(EntityKind::Role, name) else {
                panic!("{what}: role {name} recorded as another kind");
            };
            assert_role_snapshot(&snapshot, held, &format!("{what}: role {name}"));
        }
        let Snapshot::InstanceProfile(snapshot) =
            before(EntityKind::InstanceProfile, INSTANCE_ROLE)
        else {
            panic!("{what}: instance profile recorded as another kind");
        };
        assert_profile_snapshot(
            &snapshot,
            &self.profile,
            &format!("{what}: instance profile"),
        );
    }
}

/// The entities the hand-made set-up has under planned names.
fn adopted_ids() -> [(EntityKind, &'static str); 3] {
    [
        (EntityKind::Role, INSTANCE_ROLE),
        (EntityKind::InstanceProfile, INSTANCE_ROLE),
        (EntityKind::Role, BATCH_ROLE),
    ]
}

/// `role ecsInstanceRole`, as reports name entities.
fn label(kind: EntityKind, name: &str) -> String {
    format!("{} {name}", kind.noun())
}

fn change_of<'a>(changes: &'a [Change], kind: EntityKind, name: &str) -> &'a Change {
    changes
        .iter()
        .find(|c| c.kind == kind && c.name == name)
        .unwrap_or_else(|| panic!("no change for {} {name}: {changes:?}", kind.noun()))
}

/// Whether an entity of `kind` named `name` exists.
async fn exists(cloud: &dyn Cloud, plan: &Plan, kind: EntityKind, name: &str) -> bool {
    match kind {
        EntityKind::Role => cloud.get_role(name).await.unwrap().is_some(),
        EntityKind::InstanceProfile => cloud.get_instance_profile(name).await.unwrap().is_some(),
        EntityKind::ManagedPolicy => {
            let arn = &plan.get(kind, name).unwrap().arn;
            cloud.get_policy(arn).await.unwrap().is_some()
        }
    }
}

/// Fails unless every planned entity that is not one of `adopted` is gone:
/// onramp made them, and destroy deleted them.
async fn assert_made_by_onramp_gone(
    cloud: &dyn Cloud,
    plan: &Plan,
    adopted: &[(EntityKind, &str)],
    what: &str,
) {
    for r in &plan.resources {
        let kind = r.kind();
        if adopted.contains(&(kind, r.name.as_str())) {
            continue;
        }
        assert!(
            !exists(cloud, plan, kind, &r.name).await,
            "{what}: {} {} is still there",
            kind.noun(),
            r.name
        );
    }
}

/// The journal's adopt records, as (kind, name, seq).
fn adopt_records(entries: &[Entry]) -> Vec<(EntityKind, String, u64)> {
    entries
        .iter()
        .filter_map(|e| match &e.record {
            Record::Adopt { kind, name, .. } => Some((*kind, name.clone(), e.seq)),
            _ => None,
        })
        .collect()
}

/// Fails unless each adopt record comes before every call its run makes
/// on that entity: what it was (and is to be) is on disk before anything
/// changes it.
fn assert_recorded_before_touched(entries: &[Entry], what: &str) {
    let runs = entries.split(|e| matches!(e.record, Record::Run { .. }));
    for run in runs {
        for (kind, name, seq) in adopt_records(run) {
            let first_call = run.iter().find_map(|e| match &e.record {
                Record::Intent(call) if call.kind == kind && call.name == name => Some(e.seq),
                _ => None,
            });
            if let Some(call) = first_call {
                assert!(
                    seq < call,
                    "{what}: {} {name}: adopt record {seq} after its run's first call {call}",
                    kind.noun()
                );
            }
        }
    }
}

// ---------------------------------------------------------------- tests

/// The story: refused without adopt, naming the way out; adopted
/// and brought to the plan; put back exactly by destroy, once.
async fn hand_made_resources_are_refused_then_adopted_then_restored_exactly<C: Cloud>(
    cloud: CountingCloud<C>,
) {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let plain = plan_for(&cloud, &genomics("")).await;
    let hand_made = hand_make(&cloud, &plain).await;

    // Without adopt: two conflicts, each naming `--adopt ecsInstanceRole`,
    // and nothing changed.
    cloud.reset();
    let (changes, result) = observe_and_apply(&cloud, &plain, &journal_path).await;
    let Err(ApplyError::Conflicts { count, .. }) = &result else {
        panic!("{:?}", result.map(|_| ()));
    };
    assert_eq!(*count, 2, "{changes:#?}");
    let message = result.err().unwrap().to_string();
    for kind in [EntityKind::Role, EntityKind::InstanceProfile] {
        assert_eq!(
            change_of(&changes, kind, INSTANCE_ROLE).state,
            State::Conflict
        );
        let line = format!("  {} {INSTANCE_ROLE}: ", kind.noun());
        let line = message
            .lines()
            .find(|l| l.starts_with(&line))
            .unwrap_or_else(|| panic!("no line for {line}: {message}"));
        assert!(line.contains("--adopt ecsInstanceRole"), "{line}");
    }
    assert_eq!(cloud.mutating_calls(), 0, "{:?}", cloud.calls());
    hand_made.assert_held(&cloud, "refused").await;

    // Adopt every one: brought to the plan.
    let valid = answers_for(&cloud, &genomics("adopt = [\"*\"]")).await;
    let plan = onramp::plan::plan(&valid).unwrap();
    let (changes, result) = observe_and_apply(&cloud, &plan, &journal_path).await;
    let report = result.unwrap_or_else(|e| panic!("{e}"));
    for (kind, name) in adopted_ids() {
        let change = change_of(&changes, kind, name);
        assert_eq!(change.state, State::Adopt, "{change:?}");
        assert!(change.adoption.is_some(), "{change:?}");
    }
    let instance = change_of(&changes, EntityKind::Role, INSTANCE_ROLE);
    for step in [
        Step::UpdateTrust,
        Step::Detach(LAMBDA_POLICY.into()),
        Step::DeleteInline("lab-notes".into()),
    ] {
        assert!(instance.steps.contains(&step), "{step:?}: {instance:?}");
    }
    let ids = |list: &[onramp::plan::ResourceId]| -> Vec<(EntityKind, String)> {
        list.iter().map(|id| (id.kind, id.name.clone())).collect()
    };
    let mut updated = ids(&report.updated);
    updated.sort();
    let mut want: Vec<(EntityKind, String)> = adopted_ids()
        .iter()
        .map(|(k, n)| (*k, (*n).to_owned()))
        .collect();
    want.sort();
    assert_eq!(
        updated, want,
        "the adopted resources were changed: reported updated, not unchanged ({report:?})"
    );
    assert!(report.unchanged.is_empty(), "{report:?}");
    assert_eq!(report.created.len(), plan.resources.len() - 3, "{report:?}");

    // The journal: one adopt record per adopted entity, saying what it
    // was, before any call on it.
    let entries = journal::read(&journal_path).unwrap();
    let mut recorded: Vec<(EntityKind, String)> = adopt_records(&entries)
        .into_iter()
        .map(|(k, n, _)| (k, n))
        .collect();
    recorded.sort();
    assert_eq!(recorded, want);
    assert_recorded_before_touched(&entries, "adopting apply");
    hand_made.assert_recorded(&entries, "adopting apply");

    // Nothing left to do, and verify's intents hold on the account.
    assert_up_to_date(&cloud, &plan, "after adopting").await;
    cloud.reset();
    let (_, again) = observe_and_apply(&cloud, &plan, &journal_path).await;
    again.unwrap();
    assert_eq!(cloud.mutating_calls(), 0, "{:?}", cloud.calls());
    assert_eq!(
        adopt_records(&journal::read(&journal_path).unwrap()).len(),
        3,
        "an apply with nothing to do records no adoption"
    );
    let intents = onramp::verify::intents(&valid, &plan);
    let outcomes = onramp::verify::online::check(&cloud, &plan, &intents).await;
    assert!(outcomes.len() >= 10, "{outcomes:#?}");
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.verdict.holds()).collect();
    assert!(failed.is_empty(), "{failed:#?}");

    // Destroy: each adopted entity as it was, what onramp made gone.
    let report = destroy_all(&cloud, &journal_path).await;
    assert!(report.failed.is_empty(), "{report:?}");
    let mut restored = report.restored.clone();
    restored.sort();
    let mut want_restored: Vec<String> = adopted_ids().iter().map(|(k, n)| label(*k, n)).collect();
    want_restored.sort();
    assert_eq!(restored, want_restored, "{report:?}");
    assert_eq!(report.deleted.len(), plan.resources.len() - 3, "{report:?}");
    hand_made.assert_held(&cloud, "restored").await;
    assert_made_by_onramp_gone(&cloud, &plan, &adopted_ids(), "destroyed").await;
    let entries = journal::read(&journal_path).unwrap();
    let restored_records = entries
        .iter()
        .filter(|e| matches!(e.record, Record::Restored { .. }))
        .count();
    assert_eq!(restored_records, 3);
    assert!(journal::adopted(&entries).is_empty());

    // A second destroy finds nothing to do.
    cloud.reset();
    let again = destroy_all(&cloud, &journal_path).await;
    assert!(
        again.restored.is_empty() && again.deleted.is_empty() && again.failed.is_empty(),
        "{again:?}"
    );
    assert_eq!(cloud.mutating_calls(), 0, "{:?}", cloud.calls());
    hand_made.assert_held(&cloud, "destroyed twice").await;
}

/// The managed policy a person made with five versions.
const POLICY: &str = "ParallelClusterInstancePolicy";

/// The Slurm example's answers, adopting [`POLICY`] by name.
fn five_versions_answers() -> String {
    let anchor = "account_id = \"123456789012\"\n";
    let toml = example("parallelcluster-slurm.toml");
    assert!(toml.contains(anchor));
    toml.replacen(anchor, &format!("{anchor}adopt = [\"{POLICY}\"]\n"), 1)
}

/// Makes by hand the policy [`POLICY`] of `plan` at IAM's five versions,
/// each with its own document, the last the default: its ARN, and the
/// policy as read back.
async fn hand_make_five_versions(cloud: &dyn Cloud, plan: &Plan) -> (String, PolicyState) {
    let planned = plan.get(EntityKind::ManagedPolicy, POLICY).unwrap();
    let info = cloud
        .create_policy(NewPolicy {
            name: POLICY,
            path: &planned.path,
            description: "made by hand",
            document: &numbered_document(1),
            tags: &Tags::new(),
        })
        .await
        .unwrap();
    assert_eq!(info.arn, planned.arn);
    for n in 2..=5 {
        cloud
            .create_policy_version(&info.arn, &numbered_document(n), true)
            .await
            .unwrap();
    }
    let before = readback::policy(cloud, &info.arn).await.unwrap();
    assert_eq!(before.versions, 5);
    assert!(onramp::apply::compare::same_document(
        &before.default,
        &numbered_document(5)
    ));
    (info.arn, before)
}

/// A statement that tells versions apart.
fn numbered_document(n: u32) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::hand-made-{n}/*")}]})
}

/// A managed policy at IAM's five versions, adopted: the update deletes
/// the oldest to make room; destroy makes the default the old one again
/// and the pruned document a version again.
async fn a_policy_at_five_versions_is_adopted_and_its_versions_restored<C: Cloud>(
    cloud: CountingCloud<C>,
) {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let plan = plan_for(&cloud, &five_versions_answers()).await;
    let (arn, before) = hand_make_five_versions(&cloud, &plan).await;
    let planned = plan.get(EntityKind::ManagedPolicy, POLICY).unwrap();

    cloud.reset();
    let (changes, result) = observe_and_apply(&cloud, &plan, &journal_path).await;
    result.unwrap_or_else(|e| panic!("{e}"));
    let change = change_of(&changes, EntityKind::ManagedPolicy, POLICY);
    assert_eq!(change.state, State::Adopt, "{change:?}");
    assert!(
        change.steps.contains(&Step::CreatePolicyVersion {
            prune: Some("v1".into())
        }),
        "{change:?}"
    );
    assert_eq!(cloud.calls().get(&Action::DeletePolicyVersion), Some(&1));
    let adopted = readback::policy(&cloud, &arn).await.unwrap();
    assert_eq!(adopted.versions, 5, "one pruned, one made");
    assert!(onramp::apply::compare::same_document(
        &adopted.default,
        &planned.policy().unwrap().document
    ));
    let versions = cloud.list_policy_versions(&arn).await.unwrap();
    assert!(
        !versions.iter().any(|v| v.version_id == "v1"),
        "the oldest was pruned: {versions:?}"
    );
    assert_up_to_date(&cloud, &plan, "after adopting").await;

    let report = destroy_all(&cloud, &journal_path).await;
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.restored, [label(EntityKind::ManagedPolicy, POLICY)]);
    let after = readback::policy(&cloud, &arn).await.unwrap();
    assert_same_policy(&before, &after, "restored");
    assert_made_by_onramp_gone(
        &cloud,
        &plan,
        &[(EntityKind::ManagedPolicy, POLICY)],
        "destroyed",
    )
    .await;
    cloud.reset();
    let again = destroy_all(&cloud, &journal_path).await;
    assert!(again.restored.is_empty() && again.failed.is_empty());
    assert_eq!(cloud.mutating_calls(), 0, "{:?}", cloud.calls());
}

/// Someone changes an adopted role after onramp: destroy leaves it as they
/// set it, showing the three states, and puts back the rest; forced, it
/// puts that one back too.
async fn a_resource_changed_by_someone_else_is_restored_only_when_forced<C: Cloud>(
    cloud: CountingCloud<C>,
) {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let plan = plan_for(&cloud, &genomics("adopt = [\"*\"]")).await;
    let hand_made = hand_make(&cloud, &plan).await;
    let (_, result) = observe_and_apply(&cloud, &plan, &journal_path).await;
    result.unwrap_or_else(|e| panic!("{e}"));

    let theirs = change_by_hand(&cloud, BATCH_ROLE).await;
    let report = destroy_all(&cloud, &journal_path).await;
    assert_refused(&report, BATCH_ROLE);
    assert_eq!(report.failed.len(), 1, "{report:?}");
    let mut restored = report.restored.clone();
    restored.sort();
    assert_eq!(
        restored,
        [
            label(EntityKind::InstanceProfile, INSTANCE_ROLE),
            label(EntityKind::Role, INSTANCE_ROLE)
        ],
        "{report:?}"
    );
    assert_same_role(
        &hand_made.instance_role,
        &readback::role(&cloud, INSTANCE_ROLE).await.unwrap(),
        "restored",
    );
    assert_same_profile(
        &hand_made.profile,
        &readback::profile(&cloud, INSTANCE_ROLE).await.unwrap(),
        "restored",
    );
    assert_same_role(
        &theirs,
        &readback::role(&cloud, BATCH_ROLE).await.unwrap(),
        "left as the colleague set it",
    );
    assert_made_by_onramp_gone(&cloud, &plan, &adopted_ids(), "destroyed").await;

    let forced = destroy_with(&cloud, &journal_path, true).await;
    assert!(forced.failed.is_empty(), "{forced:?}");
    assert_eq!(forced.restored, [label(EntityKind::Role, BATCH_ROLE)]);
    hand_made.assert_held(&cloud, "forced").await;
    cloud.reset();
    let again = destroy_all(&cloud, &journal_path).await;
    assert!(again.failed.is_empty() && again.restored.is_empty());
    assert_eq!(cloud.mutating_calls(), 0, "{:?}", cloud.calls());
}

/// What a colleague does to a role onramp adopted: lets ECS tasks assume
/// it, and tags it. The role as it is then.
async fn change_by_hand(cloud: &dyn Cloud, role: &str) -> RoleState {
    cloud
        .update_assume_role_policy(role, &trust("ecs-tasks.amazonaws.com"))
        .await
        .unwrap();
    let owner = Tags::from([("owner".to_owned(), "ops".to_owned())]);
    cloud.tag_role(role, &owner).await.unwrap();
    readback::role(cloud, role).await.unwrap()
}

/// Fails unless `report` refuses to put back `role`, saying what changed
/// and the three states.
fn assert_refused(report: &DestroyReport, role: &str) {
    let prefix = format!("{}: ", label(EntityKind::Role, role));
    let refusal = report
        .failed
        .iter()
        .find(|f| f.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{role} not refused: {report:?}"));
    for words in [
        "changed by someone else",
        "the trust policy",
        "tag owner",
        "before onramp",
        "as onramp left it",
        "now",
        "--force",
    ] {
        assert!(refusal.contains(words), "{words:?} in {refusal}");
    }
    assert!(
        !report.restored.contains(&label(EntityKind::Role, role)),
        "{report:?}"
    );
}

/// A refused role still holds the policies onramp made and attached: IAM
/// refuses to delete a policy that is attached, so they stay (listed as
/// failed) until the forced destroy detaches and deletes them. On the
/// in-memory cloud only: moto deletes an attached policy and leaves the
/// role listing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_role_keeps_the_policies_onramp_attached_until_forced() {
    let cloud = crate::clouds::memory_cloud().await;
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let plan = plan_for(&cloud, &genomics("adopt = [\"*\"]")).await;
    let hand_made = hand_make(&cloud, &plan).await;
    observe_and_apply(&cloud, &plan, &journal_path)
        .await
        .1
        .unwrap();

    let theirs = change_by_hand(&cloud, INSTANCE_ROLE).await;
    let report = destroy_all(&cloud, &journal_path).await;
    assert_refused(&report, INSTANCE_ROLE);
    assert_same_role(
        &theirs,
        &readback::role(&cloud, INSTANCE_ROLE).await.unwrap(),
        "left as the colleague set it",
    );
    let onramps: Vec<&str> = plan
        .resources
        .iter()
        .filter(|r| r.kind() == EntityKind::ManagedPolicy)
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(onramps.len(), 2);
    for policy in &onramps {
        let label = label(EntityKind::ManagedPolicy, policy);
        assert!(
            report.failed.iter().any(|f| f.starts_with(&label)),
            "{label}: {report:?}"
        );
        assert!(exists(&cloud, &plan, EntityKind::ManagedPolicy, policy).await);
    }

    let forced = destroy_with(&cloud, &journal_path, true).await;
    assert!(forced.failed.is_empty(), "{forced:?}");
    assert_eq!(forced.restored, [label(EntityKind::Role, INSTANCE_ROLE)]);
    hand_made.assert_held(&cloud, "forced").await;
    assert_made_by_onramp_gone(&cloud, &plan, &adopted_ids(), "forced").await;
}

/// A later apply with other answers changes an adopted role again: the
/// journal keeps what it was first, the run is not taken for another
/// run's, and destroy gives back the hand-made role, not the first
/// adoption's.
async fn an_adopted_resource_follows_the_plan_and_is_restored_as_it_first_was<C: Cloud>(
    cloud: CountingCloud<C>,
) {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let first = genomics("adopt = [\"*\"]");
    let plan = plan_for(&cloud, &first).await;
    let hand_made = hand_make(&cloud, &plan).await;
    observe_and_apply(&cloud, &plan, &journal_path)
        .await
        .1
        .unwrap_or_else(|e| panic!("{e}"));

    let second = first.replace("public_data_read = true", "public_data_read = false");
    assert_ne!(second, first);
    let plan = plan_for(&cloud, &second).await;
    let changes = onramp::apply::observe::changes(&cloud, &plan)
        .await
        .unwrap();
    let instance = change_of(&changes, EntityKind::Role, INSTANCE_ROLE);
    let public_data = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
    assert_eq!(instance.steps, [Step::Detach(public_data.into())]);
    let notices =
        onramp::apply::ownership::notices(&entries(&journal_path), "j.jsonl", &plan, &changes);
    assert!(notices.is_empty(), "{notices:?}");
    observe_and_apply(&cloud, &plan, &journal_path)
        .await
        .1
        .unwrap_or_else(|e| panic!("{e}"));

    let recorded = entries(&journal_path);
    assert_eq!(adopt_records(&recorded).len(), 4, "one more for the role");
    assert_recorded_before_touched(&recorded, "second apply");
    hand_made.assert_recorded(&recorded, "second apply");
    let adopted = journal::adopted(&recorded);
    let role = adopted
        .iter()
        .find(|a| a.kind == EntityKind::Role && a.name == INSTANCE_ROLE)
        .unwrap();
    let Snapshot::Role(after) = &role.after else {
        panic!("{role:?}")
    };
    assert!(!after.attached.contains(public_data), "{after:?}");

    let report = destroy_all(&cloud, &journal_path).await;
    assert!(report.failed.is_empty(), "{report:?}");
    hand_made.assert_held(&cloud, "restored").await;
    assert_made_by_onramp_gone(&cloud, &plan, &adopted_ids(), "destroyed").await;
}

/// Only the instance profile was made by hand, holding another role: onramp
/// makes the role, adopts the profile and puts its role in it; destroy
/// takes onramp's role out before deleting it and gives the profile its
/// own role back.
async fn an_adopted_profile_gets_its_role_back_around_onramps_role<C: Cloud>(
    cloud: CountingCloud<C>,
) {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let plan = plan_for(&cloud, &genomics("adopt = [\"ecsInstanceRole\"]")).await;
    hand_made_profile(&cloud).await;
    let before = readback::profile(&cloud, INSTANCE_ROLE).await.unwrap();

    let (changes, result) = observe_and_apply(&cloud, &plan, &journal_path).await;
    result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        change_of(&changes, EntityKind::Role, INSTANCE_ROLE).state,
        State::Create
    );
    let profile = change_of(&changes, EntityKind::InstanceProfile, INSTANCE_ROLE);
    assert_eq!(profile.state, State::Adopt, "{profile:?}");
    let held = readback::profile(&cloud, INSTANCE_ROLE).await.unwrap();
    assert_eq!(held.roles, [INSTANCE_ROLE.to_owned()].into());
    assert_up_to_date(&cloud, &plan, "adopted").await;

    let report = destroy_all(&cloud, &journal_path).await;
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(
        report.restored,
        [label(EntityKind::InstanceProfile, INSTANCE_ROLE)]
    );
    assert!(
        report
            .deleted
            .contains(&label(EntityKind::Role, INSTANCE_ROLE))
    );
    assert_same_profile(
        &before,
        &readback::profile(&cloud, INSTANCE_ROLE).await.unwrap(),
        "restored",
    );
    assert!(readback::role(&cloud, OTHER_ROLE).await.is_some());
    assert_made_by_onramp_gone(
        &cloud,
        &plan,
        &[(EntityKind::InstanceProfile, INSTANCE_ROLE)],
        "destroyed",
    )
    .await;
}

/// `keep` uses a conflicting role (and its profile, of the same name) as
/// it is: no call on it, no adopt record, and destroy leaves it alone.
async fn a_kept_resource_is_never_touched<C: Cloud>(cloud: CountingCloud<C>) {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let plan = plan_for(&cloud, &genomics("keep = [\"ecsInstanceRole\"]")).await;
    let hand_made = hand_make(&cloud, &plan).await;
    let (changes, result) = observe_and_apply(&cloud, &plan, &journal_path).await;
    result.unwrap_or_else(|e| panic!("{e}"));
    for kind in [EntityKind::Role, EntityKind::InstanceProfile] {
        let change = change_of(&changes, kind, INSTANCE_ROLE);
        assert_eq!(change.state, State::Unchanged, "{change:?}");
        assert!(change.steps.is_empty() && change.adoption.is_none());
    }
    // Identical to the plan and not kept or adopted: only added to, and
    // there is nothing to add.
    assert_eq!(
        change_of(&changes, EntityKind::Role, BATCH_ROLE).state,
        State::Unchanged
    );
    hand_made.assert_held(&cloud, "kept").await;
    let entries = journal::read(&journal_path).unwrap();
    assert!(adopt_records(&entries).is_empty(), "{entries:#?}");
    let touched: Vec<_> = entries
        .iter()
        .filter(|e| matches!(&e.record, Record::Intent(c) if c.name == INSTANCE_ROLE || c.name == BATCH_ROLE))
        .collect();
    assert!(touched.is_empty(), "{touched:#?}");

    let report = destroy_all(&cloud, &journal_path).await;
    assert!(
        report.failed.is_empty() && report.restored.is_empty(),
        "{report:?}"
    );
    hand_made.assert_held(&cloud, "destroyed").await;
    assert_made_by_onramp_gone(&cloud, &plan, &adopted_ids(), "destroyed").await;
}

/// `adopt = ["*"]` never takes in a service-linked role: AWS owns it. It
/// is used as it is, recorded nowhere, and left by destroy.
async fn a_service_linked_role_is_never_adopted<C: Cloud>(cloud: CountingCloud<C>, linked: Linked) {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let toml = example("genomics-service-linked.toml").replacen(
        "account_id = \"123456789012\"\n",
        "account_id = \"123456789012\"\nadopt = [\"*\"]\n",
        1,
    );
    let plan = linked_plan_of(&cloud, &toml, linked).await;
    assert!(
        onramp::plan::lint::lint(&plan)
            .iter()
            .all(|f| f.code != "existing-choice")
    );
    cloud
        .create_service_linked_role(linked.service, "made by the service")
        .await
        .unwrap();
    let before = readback::role(&cloud, linked.name).await.unwrap();

    let (changes, result) = observe_and_apply(&cloud, &plan, &journal_path).await;
    result.unwrap_or_else(|e| panic!("{e}"));
    let change = change_of(&changes, EntityKind::Role, linked.name);
    assert_eq!(change.state, State::Unchanged, "{change:?}");
    assert!(change.adoption.is_none());
    let entries = journal::read(&journal_path).unwrap();
    assert!(adopt_records(&entries).is_empty(), "{entries:#?}");
    assert_same_role(
        &before,
        &readback::role(&cloud, linked.name).await.unwrap(),
        "applied",
    );

    cloud.reset();
    let report = destroy_all(&cloud, &journal_path).await;
    assert!(
        report.failed.is_empty() && report.restored.is_empty(),
        "{report:?}"
    );
    assert_eq!(cloud.calls().get(&Action::DeleteServiceLinkedRole), None);
    assert_same_role(
        &before,
        &readback::role(&cloud, linked.name).await.unwrap(),
        "destroyed",
    );
}

/// Naming a service-linked role in `adopt` is a lint error that says why.
#[test]
fn naming_a_service_linked_role_in_adopt_is_a_lint_error() {
    let toml = example("genomics-service-linked.toml").replacen(
        "name_prefix = \"slr-\"\n",
        "name_prefix = \"slr-\"\nadopt = [\"AWSServiceRoleForBatch\", \"slr-ecsInstanceRole\"]\n",
        1,
    );
    let plan = onramp_testkit::facts::plan_of(&toml);
    let findings = onramp::plan::lint::lint(&plan);
    let choices: Vec<_> = findings
        .iter()
        .filter(|f| f.code == "existing-choice")
        .collect();
    assert_eq!(choices.len(), 1, "{findings:#?}");
    assert_eq!(choices[0].level, onramp::plan::lint::Level::Error);
    assert_eq!(choices[0].resource, "adopt");
    assert!(
        choices[0].message.contains("AWSServiceRoleForBatch")
            && choices[0].message.contains("service-linked"),
        "{}",
        choices[0].message
    );
    assert!(onramp::plan::lint::has_errors(&findings));
}

/// The journal at `path` as read from disk.
fn entries(path: &Path) -> Vec<Entry> {
    journal::read(path).unwrap()
}

/// Someone's instance profile of the instance role's name, tagged
/// team = bio, holding a role of their own (`OTHER_ROLE`).
async fn hand_made_profile(cloud: &dyn Cloud) {
    cloud
        .create_role(NewRole {
            name: OTHER_ROLE,
            path: "/",
            description: "",
            trust_policy: &trust("ec2.amazonaws.com"),
            permissions_boundary: None,
            tags: &Tags::new(),
        })
        .await
        .unwrap();
    cloud
        .create_instance_profile(INSTANCE_ROLE, "/", &team_bio())
        .await
        .unwrap();
    cloud
        .add_role_to_instance_profile(INSTANCE_ROLE, OTHER_ROLE)
        .await
        .unwrap();
}
