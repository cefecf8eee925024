//! The apply engine, run the same way against both clouds: the in-memory
//! account and the moto server through the real SDK backend. Each test gets a
//! fresh account.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use onramp::apply::compare::same_document;
use onramp::apply::diff::{Change, State};
use onramp::apply::journal::{Journal, Record};
use onramp::apply::run::{ApplyError, Report};
use onramp::cloud::counting::CountingCloud;
use onramp::cloud::memory::MemoryCloud;
use onramp::cloud::{Cloud, NewPolicy, NewRole, Tags};
use onramp::iam::action::Action;
use onramp::plan::{
    InstanceProfileSpec, Plan, PolicySpec, ResourceId, RoleSpec, ServiceLinkedRoleSpec, Spec,
};
use onramp_testkit::files::example;
use onramp_testkit::journal::observe_and_apply;
use serde_json::json;

use crate::clouds::{
    BATCH_LINKED, Linked, destroy_all, linked_plan_of, memory_cloud, on_both_clouds, plan_for,
    service_linked_on_both_clouds,
};

on_both_clouds! {
    genomics_example_applies_and_reads_back("genomics.toml"),
    slurm_example_applies_and_reads_back("parallelcluster-slurm.toml"),
    awsbatch_example_applies_and_reads_back("parallelcluster-awsbatch.toml"),
    everything_example_applies_and_reads_back("everything.toml"),
    parallelcluster3_slurm_example_applies_and_reads_back("parallelcluster3-slurm.toml"),
    parallelcluster3_awsbatch_example_applies_and_reads_back("parallelcluster3-awsbatch.toml"),
    omics_example_applies_and_reads_back("omics.toml"),
    a_second_apply_changes_nothing,
    flipping_a_toggle_changes_only_the_delta,
    a_conflicting_role_is_reported_and_left_untouched,
    destroy_removes_what_onramp_created_and_nothing_else,
    an_interrupted_apply_resumes_without_duplicates,
    the_full_example_makes_the_minimum_calls,
    a_changed_policy_gets_a_new_version_pruned_at_five,
}

// ---------------------------------------------------------------- helpers

/// Creates what the everything example assumes exists: its permissions boundary.
pub(crate) async fn prepare(cloud: &dyn Cloud, toml: &str) {
    if toml.contains("lab-boundary") {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        cloud
            .create_policy(NewPolicy {
                name: "lab-boundary",
                path: "/",
                description: "boundary",
                document: &doc,
                tags: &Tags::new(),
            })
            .await
            .unwrap();
    }
}

struct Run {
    changes: Vec<Change>,
    result: Result<Report, ApplyError>,
}

async fn apply_plan(cloud: &dyn Cloud, plan: &Plan, journal: &Path) -> Run {
    let (changes, result) = observe_and_apply(cloud, plan, journal).await;
    Run { changes, result }
}

/// Reads every planned resource back and compares it with the plan.
async fn assert_matches_plan(cloud: &dyn Cloud, plan: &Plan) {
    for r in &plan.resources {
        match &r.spec {
            Spec::ManagedPolicy(PolicySpec { document, .. }) => {
                let info = cloud
                    .get_policy(&r.arn)
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("{} missing", r.name));
                assert_eq!(info.path, r.path);
                let stored = cloud
                    .get_policy_version(&r.arn, &info.default_version_id)
                    .await
                    .unwrap();
                assert!(same_document(document, &stored), "{}: {stored}", r.name);
                assert_tags(&r.tags, &info.tags, &r.name);
            }
            Spec::Role(RoleSpec {
                trust_policy,
                managed_policy_arns,
                inline_policies,
                permissions_boundary,
                ..
            }) => {
                let role = cloud
                    .get_role(&r.name)
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("{} missing", r.name));
                assert_eq!(role.arn, r.arn);
                assert!(
                    same_document(trust_policy, &role.trust_policy),
                    "{}: {}",
                    r.name,
                    role.trust_policy
                );
                assert_eq!(
                    &role.permissions_boundary, permissions_boundary,
                    "{}",
                    r.name
                );
                assert_tags(&r.tags, &role.tags, &r.name);
                let mut attached = cloud.list_attached_role_policies(&r.name).await.unwrap();
                attached.sort();
                let mut planned = managed_policy_arns.clone();
                planned.sort();
                assert_eq!(attached, planned, "{}", r.name);
                let names = cloud.list_role_policies(&r.name).await.unwrap();
                assert_eq!(names, inline_policies.keys().cloned().collect::<Vec<_>>());
            }
            Spec::InstanceProfile(InstanceProfileSpec { roles }) => {
                let profile = cloud
                    .get_instance_profile(&r.name)
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("{} missing", r.name));
                assert_eq!(&profile.roles, roles, "{}", r.name);
                assert_eq!(profile.arn, r.arn);
                assert_tags(&r.tags, &profile.tags, &r.name);
            }
            Spec::ServiceLinkedRole(ServiceLinkedRoleSpec { service, .. }) => {
                let role = cloud
                    .get_role(&r.name)
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("{} missing", r.name));
                assert_eq!(role.arn, r.arn);
                assert_eq!(role.path, r.path);
                assert!(
                    onramp::plan::lint::trusted_services(&role.trust_policy).contains(service),
                    "{}: {}",
                    r.name,
                    role.trust_policy
                );
                assert!(role.tags.is_empty(), "{}: {:?}", r.name, role.tags);
            }
        }
    }
}

fn assert_tags(planned: &BTreeMap<String, String>, stored: &Tags, name: &str) {
    for (k, v) in planned {
        assert_eq!(stored.get(k), Some(v), "{name}: tag {k}");
    }
}

fn states(changes: &[Change]) -> Vec<(String, State)> {
    changes.iter().map(|c| (c.name.clone(), c.state)).collect()
}

// ---------------------------------------------------------------- tests

async fn applies_and_reads_back<C: Cloud>(cloud: CountingCloud<C>, file: &str) {
    let dir = tempfile::tempdir().unwrap();
    let toml = example(file);
    prepare(&cloud, &toml).await;
    let plan = plan_for(&cloud, &toml).await;
    let run = apply_plan(&cloud, &plan, &dir.path().join("j.jsonl")).await;
    let report = run.result.unwrap();
    assert!(
        run.changes.iter().all(|c| c.state == State::Create),
        "{:?}",
        states(&run.changes)
    );
    assert_eq!(report.created.len(), plan.resources.len());
    assert_matches_plan(&cloud, &plan).await;
}

async fn genomics_example_applies_and_reads_back<C: Cloud>(cloud: CountingCloud<C>, file: &str) {
    applies_and_reads_back(cloud, file).await;
}
async fn slurm_example_applies_and_reads_back<C: Cloud>(cloud: CountingCloud<C>, file: &str) {
    applies_and_reads_back(cloud, file).await;
}
async fn awsbatch_example_applies_and_reads_back<C: Cloud>(cloud: CountingCloud<C>, file: &str) {
    applies_and_reads_back(cloud, file).await;
}
async fn omics_example_applies_and_reads_back<C: Cloud>(cloud: CountingCloud<C>, file: &str) {
    applies_and_reads_back(cloud, file).await;
}
async fn everything_example_applies_and_reads_back<C: Cloud>(cloud: CountingCloud<C>, file: &str) {
    applies_and_reads_back(cloud, file).await;
}

async fn parallelcluster3_slurm_example_applies_and_reads_back<C: Cloud>(
    cloud: CountingCloud<C>,
    file: &str,
) {
    applies_and_reads_back(cloud, file).await;
}
async fn parallelcluster3_awsbatch_example_applies_and_reads_back<C: Cloud>(
    cloud: CountingCloud<C>,
    file: &str,
) {
    applies_and_reads_back(cloud, file).await;
}

async fn a_second_apply_changes_nothing<C: Cloud>(cloud: CountingCloud<C>) {
    let dir = tempfile::tempdir().unwrap();
    let toml = example("everything.toml");
    prepare(&cloud, &toml).await;
    let plan = plan_for(&cloud, &toml).await;
    apply_plan(&cloud, &plan, &dir.path().join("j.jsonl"))
        .await
        .result
        .unwrap();
    cloud.reset();
    let again = apply_plan(&cloud, &plan, &dir.path().join("j.jsonl")).await;
    assert!(
        again.changes.iter().all(|c| c.state == State::Unchanged),
        "{:?}",
        again.changes
    );
    assert_eq!(again.result.unwrap().unchanged.len(), plan.resources.len());
    assert_eq!(cloud.mutating_calls(), 0, "{:?}", cloud.calls());
}

async fn flipping_a_toggle_changes_only_the_delta<C: Cloud>(cloud: CountingCloud<C>) {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let base = "region = \"us-east-1\"\naccount_id = \"123456789012\"\n[genomics]\nbuckets = [\"flip-data\"]\n";
    let first = plan_for(&cloud, &format!("{base}job_role = false\n")).await;
    apply_plan(&cloud, &first, &journal).await.result.unwrap();

    // Turning the job role on creates it and nothing else.
    cloud.reset();
    let second = plan_for(&cloud, &format!("{base}job_role = true\n")).await;
    let run = apply_plan(&cloud, &second, &journal).await;
    run.result.unwrap();
    let changed: Vec<_> = run
        .changes
        .iter()
        .filter(|c| c.state != State::Unchanged)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(changed, ["BatchJobRole"]);
    assert_eq!(cloud.calls().get(&Action::CreateRole), Some(&1));
    assert_eq!(
        cloud.mutating_calls(),
        2,
        "CreateRole and one AttachRolePolicy: {:?}",
        cloud.calls()
    );

    // Turning public data off detaches exactly AmazonS3ReadOnlyAccess.
    cloud.reset();
    let third = plan_for(
        &cloud,
        &format!("{base}job_role = true\npublic_data_read = false\n"),
    )
    .await;
    let run = apply_plan(&cloud, &third, &journal).await;
    run.result.unwrap();
    let updated: Vec<_> = run
        .changes
        .iter()
        .filter(|c| c.state != State::Unchanged)
        .collect();
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0].name, "ecsInstanceRole");
    assert_eq!(cloud.calls().get(&Action::DetachRolePolicy), Some(&1));
    assert_eq!(cloud.mutating_calls(), 1, "{:?}", cloud.calls());
    assert_matches_plan(&cloud, &third).await;
}

async fn a_conflicting_role_is_reported_and_left_untouched<C: Cloud>(cloud: CountingCloud<C>) {
    let dir = tempfile::tempdir().unwrap();
    let lambda_trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    cloud
        .create_role(NewRole {
            name: "ecsInstanceRole",
            path: "/",
            description: "made by hand",
            trust_policy: &lambda_trust,
            permissions_boundary: None,
            tags: &Tags::new(),
        })
        .await
        .unwrap();
    let plan = plan_for(&cloud, &example("genomics.toml")).await;
    cloud.reset();
    let run = apply_plan(&cloud, &plan, &dir.path().join("j.jsonl")).await;
    let conflict = run
        .changes
        .iter()
        .find(|c| c.name == "ecsInstanceRole" && c.kind == onramp::iam::names::EntityKind::Role)
        .unwrap();
    assert_eq!(conflict.state, State::Conflict);
    assert!(
        conflict.reasons[0].contains("another trust policy"),
        "{:?}",
        conflict.reasons
    );
    assert!(
        matches!(run.result, Err(ApplyError::Conflicts { count: 1, .. })),
        "{:?}",
        run.result.err()
    );
    let message = run
        .result
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        message.starts_with("1 conflict; nothing was changed"),
        "{message}"
    );
    assert_eq!(
        cloud.mutating_calls(),
        0,
        "nothing may change when there is a conflict"
    );
    let role = cloud.get_role("ecsInstanceRole").await.unwrap().unwrap();
    assert!(same_document(&role.trust_policy, &lambda_trust));
    assert!(
        cloud
            .list_attached_role_policies("ecsInstanceRole")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn destroy_removes_what_onramp_created_and_nothing_else<C: Cloud>(cloud: CountingCloud<C>) {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    // Made by hand before onramp: an unrelated role, and the Batch service
    // role with the right trust, which onramp adopts and only adds to.
    let batch_trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "batch.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    for name in ["keep-me", "AWSBatchServiceRole"] {
        cloud
            .create_role(NewRole {
                name,
                path: "/",
                description: "made by hand",
                trust_policy: &batch_trust,
                permissions_boundary: None,
                tags: &Tags::new(),
            })
            .await
            .unwrap();
    }
    let plan = plan_for(&cloud, &example("genomics.toml")).await;
    let run = apply_plan(&cloud, &plan, &journal_path).await;
    run.result.unwrap();
    let adopted = run
        .changes
        .iter()
        .find(|c| c.name == "AWSBatchServiceRole")
        .unwrap();
    assert_eq!(adopted.state, State::Update);
    assert!(!adopted.owned);

    let report = destroy_all(&cloud, &journal_path).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    for r in &plan.resources {
        let gone = match r.kind() {
            onramp::iam::names::EntityKind::ManagedPolicy => {
                cloud.get_policy(&r.arn).await.unwrap().is_none()
            }
            onramp::iam::names::EntityKind::Role => {
                r.name == "AWSBatchServiceRole" || cloud.get_role(&r.name).await.unwrap().is_none()
            }
            onramp::iam::names::EntityKind::InstanceProfile => {
                cloud.get_instance_profile(&r.name).await.unwrap().is_none()
            }
        };
        assert!(gone, "{} {} is still there", r.kind().noun(), r.name);
    }
    // What existed before is untouched, and the adopted role lost only what onramp attached.
    assert!(cloud.get_role("keep-me").await.unwrap().is_some());
    assert!(
        cloud
            .get_role("AWSBatchServiceRole")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        cloud
            .list_attached_role_policies("AWSBatchServiceRole")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(report.reverted.len(), 1, "{report:?}");

    // A second destroy finds everything gone and changes nothing.
    cloud.reset();
    let again = destroy_all(&cloud, &journal_path).await;
    assert!(
        again.deleted.is_empty() && again.failed.is_empty(),
        "{again:?}"
    );
    assert_eq!(cloud.mutating_calls(), 0);
}

async fn an_interrupted_apply_resumes_without_duplicates<C: Cloud>(cloud: CountingCloud<C>) {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let plan = plan_for(
        &cloud,
        &example("everything.toml").replace("permissions_boundary", "# permissions_boundary"),
    )
    .await;
    cloud.fail_mutation_at(9);
    let first = apply_plan(&cloud, &plan, &journal_path).await;
    let err = first.result.unwrap_err().to_string();
    assert!(err.contains("injected"), "{err}");

    let second = apply_plan(&cloud, &plan, &journal_path).await;
    second.result.unwrap();
    assert!(
        second.changes.iter().any(|c| c.state == State::Unchanged),
        "some work was done before the fault"
    );
    assert_matches_plan(&cloud, &plan).await;

    // Across both runs, every entity was created exactly once.
    let entries = onramp::apply::journal::read(&journal_path).unwrap();
    let mut creates: BTreeMap<(Action, String), usize> = BTreeMap::new();
    for e in &entries {
        if let Record::Done { call, .. } = &e.record
            && call.action.creates_entity()
        {
            *creates.entry((call.action, call.name.clone())).or_default() += 1;
        }
    }
    assert_eq!(creates.len(), plan.resources.len(), "{creates:?}");
    assert!(creates.values().all(|n| *n == 1), "{creates:?}");
    assert!(
        entries
            .iter()
            .any(|e| matches!(&e.record, Record::Failed { .. })),
        "the fault is journaled"
    );

    // And destroy undoes both runs.
    let report = destroy_all(&cloud, &journal_path).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.deleted.len(), plan.resources.len(), "{report:?}");
}

async fn the_full_example_makes_the_minimum_calls<C: Cloud>(cloud: CountingCloud<C>) {
    let dir = tempfile::tempdir().unwrap();
    let toml = example("everything.toml");
    prepare(&cloud, &toml).await;
    let plan = plan_for(&cloud, &toml).await;
    cloud.reset();
    let run = apply_plan(&cloud, &plan, &dir.path().join("j.jsonl")).await;
    run.result.unwrap();
    // Minimum writes: one create per resource, one attach per planned
    // attachment, one AddRoleToInstanceProfile per profile.
    let mut minimum = 0;
    for r in &plan.resources {
        minimum += 1 + match &r.spec {
            Spec::Role(RoleSpec {
                managed_policy_arns,
                inline_policies,
                ..
            }) => managed_policy_arns.len() + inline_policies.len(),
            Spec::InstanceProfile(InstanceProfileSpec { roles }) => roles.len(),
            Spec::ManagedPolicy(_) | Spec::ServiceLinkedRole(_) => 0,
        };
    }
    assert_eq!(cloud.mutating_calls(), minimum, "{:?}", cloud.calls());
    // Reads: one per planned resource, since everything is new.
    assert_eq!(
        cloud.read_calls(),
        plan.resources.len(),
        "{:?}",
        cloud.calls()
    );
}

async fn a_changed_policy_gets_a_new_version_pruned_at_five<C: Cloud>(cloud: CountingCloud<C>) {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let answers = |extra: usize| {
        let buckets: Vec<String> = (0..=extra)
            .map(|i| format!("\"version-bucket-{i}\""))
            .collect();
        format!(
            "region = \"us-east-1\"\naccount_id = \"123456789012\"\n[genomics]\nbuckets = [{}]\n",
            buckets.join(", ")
        )
    };
    apply_plan(&cloud, &plan_for(&cloud, &answers(0)).await, &journal)
        .await
        .result
        .unwrap();
    for extra in 1..=6 {
        cloud.reset();
        let plan = plan_for(&cloud, &answers(extra)).await;
        let run = apply_plan(&cloud, &plan, &journal).await;
        run.result.unwrap();
        let changed: Vec<_> = run
            .changes
            .iter()
            .filter(|c| c.state != State::Unchanged)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(
            changed,
            ["s3bucket-access-us-east-1"],
            "only the bucket policy changes"
        );
        assert_eq!(cloud.calls().get(&Action::CreatePolicyVersion), Some(&1));
        // v1 plus one version per change: from the fifth change on, the
        // oldest non-default version makes room first.
        let pruned = usize::from(extra >= 5);
        assert_eq!(
            cloud
                .calls()
                .get(&Action::DeletePolicyVersion)
                .copied()
                .unwrap_or(0),
            pruned,
            "change {extra}"
        );
        assert_matches_plan(&cloud, &plan).await;
    }
    let arn = plan_for(&cloud, &answers(6)).await.resources[0].arn.clone();
    let versions = cloud.list_policy_versions(&arn).await.unwrap();
    let mut ids: Vec<String> = versions.iter().map(|v| v.version_id.clone()).collect();
    ids.sort();
    assert_eq!(
        ids,
        ["v3", "v4", "v5", "v6", "v7"],
        "the two oldest were pruned"
    );
    assert!(
        versions
            .iter()
            .any(|v| v.is_default && v.version_id == "v7")
    );
}

// ------------------------------------------------ the service-linked role

service_linked_on_both_clouds! {
    a_missing_service_linked_role_is_created_once_and_destroyed,
    an_existing_service_linked_role_is_used_and_never_deleted,
    a_service_linked_role_made_during_the_apply_counts_as_created,
}

/// The genomics-service-linked example's plan, its service-linked role
/// made `linked`'s.
async fn linked_plan(cloud: &dyn Cloud, linked: Linked) -> Plan {
    linked_plan_of(cloud, &example("genomics-service-linked.toml"), linked).await
}

fn change_of<'a>(changes: &'a [Change], name: &str) -> &'a Change {
    changes
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no change for {name}: {changes:?}"))
}

async fn a_missing_service_linked_role_is_created_once_and_destroyed<C: Cloud>(
    cloud: CountingCloud<C>,
    linked: Linked,
) {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let plan = linked_plan(&cloud, linked).await;
    assert!(
        plan.get(onramp::iam::names::EntityKind::Role, "AWSBatchServiceRole")
            .is_none(),
        "the seed's role is not planned beside it"
    );
    let run = apply_plan(&cloud, &plan, &journal).await;
    run.result.unwrap();
    let created = change_of(&run.changes, linked.name);
    assert_eq!(created.state, State::Create);
    assert_eq!(
        cloud.calls().get(&Action::CreateServiceLinkedRole),
        Some(&1)
    );
    assert_matches_plan(&cloud, &plan).await;
    assert!(
        cloud
            .get_role("AWSBatchServiceRole")
            .await
            .unwrap()
            .is_none()
    );

    // Again: nothing to do, nothing called that changes anything.
    cloud.reset();
    let again = apply_plan(&cloud, &plan, &journal).await;
    again.result.unwrap();
    assert_eq!(
        change_of(&again.changes, linked.name).state,
        State::Unchanged
    );
    assert_eq!(cloud.mutating_calls(), 0, "{:?}", cloud.calls());

    // The journal says onramp made it, so destroy deletes it.
    cloud.reset();
    let report = destroy_all(&cloud, &journal).await;
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.deleted.len(), plan.resources.len(), "{report:?}");
    assert!(
        report
            .deleted
            .contains(&format!("service-linked role {}", linked.name)),
        "{report:?}"
    );
    assert_eq!(
        cloud.calls().get(&Action::DeleteServiceLinkedRole),
        Some(&1)
    );
    assert!(cloud.get_role(linked.name).await.unwrap().is_none());
}

async fn an_existing_service_linked_role_is_used_and_never_deleted<C: Cloud>(
    cloud: CountingCloud<C>,
    linked: Linked,
) {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    // Made before onramp ran, as AWS Batch does with a compute environment.
    let existing = cloud
        .create_service_linked_role(linked.service, "made by the service")
        .await
        .unwrap();
    let plan = linked_plan(&cloud, linked).await;
    cloud.reset();
    let run = apply_plan(&cloud, &plan, &journal).await;
    run.result.unwrap();
    let change = change_of(&run.changes, linked.name);
    assert_eq!(change.state, State::Unchanged, "{change:?}");
    assert!(!change.owned);
    assert_eq!(cloud.calls().get(&Action::CreateServiceLinkedRole), None);
    assert_matches_plan(&cloud, &plan).await;

    let report = destroy_all(&cloud, &journal).await;
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.deleted.len(), plan.resources.len() - 1, "{report:?}");
    assert_eq!(cloud.calls().get(&Action::DeleteServiceLinkedRole), None);
    let kept = cloud.get_role(linked.name).await.unwrap().unwrap();
    assert_eq!(kept.arn, existing.arn);
}

/// The create's answer is lost and its retry finds the role there
/// (`EntityAlreadyExists`), or the service made it after onramp looked: the
/// role is in place, the step is done, and the journal calls it onramp's.
async fn a_service_linked_role_made_during_the_apply_counts_as_created<C: Cloud>(
    cloud: CountingCloud<C>,
    linked: Linked,
) {
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let plan = linked_plan(&cloud, linked).await;
    let changes = onramp::apply::observe::changes(&cloud, &plan)
        .await
        .unwrap();
    assert_eq!(change_of(&changes, linked.name).state, State::Create);
    cloud
        .create_service_linked_role(linked.service, "made meanwhile")
        .await
        .unwrap();
    let journal = Journal::open(&journal_path).unwrap();
    onramp::apply::run::apply(
        &cloud,
        &plan,
        &changes,
        &journal,
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    let done = onramp::apply::journal::read(&journal_path)
        .unwrap()
        .into_iter()
        .any(|e| {
            matches!(&e.record, Record::Done { call, arn }
                if call.action == Action::CreateServiceLinkedRole && arn.as_deref() == Some(plan_arn(&plan, linked.name)))
        });
    assert!(done, "the create is journaled as done");
    assert_matches_plan(&cloud, &plan).await;
}

fn plan_arn<'a>(plan: &'a Plan, name: &str) -> &'a str {
    plan.resources
        .iter()
        .find(|r| r.name == name)
        .map(|r| r.arn.as_str())
        .unwrap()
}

/// AWS refuses to delete a service-linked role that a compute environment
/// uses; destroy says so, names the user, and goes on with the rest. (moto
/// does not model a role in use.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_linked_role_in_use_is_reported_and_kept() {
    let cloud = memory_cloud().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let plan = linked_plan(&cloud, BATCH_LINKED).await;
    apply_plan(&cloud, &plan, &journal).await.result.unwrap();
    let environment = "arn:aws:batch:us-east-1:210987654321:compute-environment/genomics";
    cloud
        .inner()
        .use_service_linked_role("AWSServiceRoleForBatch", environment);
    let report = destroy_all(&cloud, &journal).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    let failure = &report.failed[0];
    assert!(
        failure.starts_with("service-linked role AWSServiceRoleForBatch:")
            && failure.contains("still used by")
            && failure.contains(environment),
        "{failure}"
    );
    assert_eq!(report.deleted.len(), plan.resources.len() - 1, "{report:?}");
    assert!(
        cloud
            .get_role("AWSServiceRoleForBatch")
            .await
            .unwrap()
            .is_some()
    );
}

/// A create that was started but never recorded as done: a service-linked
/// role carries no tag to tell whose it is, so destroy leaves it and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_service_linked_create_is_left_alone() {
    use onramp::apply::journal::Call;
    let cloud = memory_cloud().await;
    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("j.jsonl");
    let plan = linked_plan(&cloud, BATCH_LINKED).await;
    {
        let journal = Journal::open(&journal_path).unwrap();
        journal
            .append(Record::Intent(Call {
                action: Action::CreateServiceLinkedRole,
                kind: onramp::iam::names::EntityKind::Role,
                name: "AWSServiceRoleForBatch".into(),
                detail: Some(plan_arn(&plan, "AWSServiceRoleForBatch").to_owned()),
            }))
            .await
            .unwrap();
    }
    cloud
        .create_service_linked_role("batch.amazonaws.com", "whose?")
        .await
        .unwrap();
    let pending =
        onramp::apply::destroy::pending(&onramp::apply::journal::read(&journal_path).unwrap());
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert!(
        pending[0].starts_with("leave service-linked role"),
        "{pending:?}"
    );
    cloud.reset();
    let report = destroy_all(&cloud, &journal_path).await;
    assert!(
        report.deleted.is_empty() && report.failed.is_empty(),
        "{report:?}"
    );
    assert_eq!(report.skipped.len(), 1, "{report:?}");
    assert_eq!(cloud.mutating_calls(), 0, "{:?}", cloud.calls());
    assert!(
        cloud
            .get_role("AWSServiceRoleForBatch")
            .await
            .unwrap()
            .is_some()
    );
}

/// A run that fails early still reports what needed no call as unchanged:
/// "not started" would tell the person that a role as planned is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failure_what_needs_no_call_is_unchanged_not_unstarted() {
    use onramp::apply::run::Event;
    let probe = MemoryCloud::new("210987654321", "aws");
    let first = plan_for(&probe, &example("genomics.toml")).await;
    // The account's policy size quota fits the first bucket policy only, so
    // the second one's new version is refused.
    let size = onramp::iam::limits::policy_size(first.resources[0].documents()[0].1);
    let cloud = MemoryCloud::new("210987654321", "aws").with_quotas(onramp::cloud::Quotas {
        managed_policy_size: size + 10,
        ..onramp::cloud::Quotas::default()
    });
    let dir = tempfile::tempdir().unwrap();
    assert!(
        apply_plan(&cloud, &first, &dir.path().join("j"))
            .await
            .result
            .is_ok()
    );
    // One bucket more: only the bucket policy (applied first) changes, and
    // its new version is over the quota.
    let second = plan_for(
        &cloud,
        &example("genomics.toml").replace(
            "\"my-gwf-results\"]",
            "\"my-gwf-results\", \"my-gwf-more\"]",
        ),
    )
    .await;
    let changes = onramp::apply::observe::changes(&cloud, &second)
        .await
        .unwrap();
    assert_eq!(
        changes.iter().filter(|c| c.state == State::Update).count(),
        1
    );
    let events = Mutex::new(Vec::new());
    let journal = Journal::open(&dir.path().join("j")).unwrap();
    let result = onramp::apply::run::apply(
        &cloud,
        &second,
        &changes,
        &journal,
        &|e| events.lock().unwrap().push(e),
        &AtomicBool::new(false),
    )
    .await;
    assert!(result.is_err());
    let events = events.into_inner().unwrap();
    assert!(
        !events.iter().any(|e| matches!(e, Event::NotStarted { .. })),
        "{events:#?}"
    );
    let unchanged = events
        .iter()
        .filter(|e| matches!(e, Event::Unchanged { .. }))
        .count();
    assert_eq!(unchanged, second.resources.len() - 1, "{events:#?}");
}

/// Every document the plan writes for the example answers is accepted by
/// the in-memory account, and the whole plan can be created in it through
/// the apply engine.
#[tokio::test]
async fn every_example_plan_can_be_created() {
    use onramp::answers::{Answers, Environment};
    use onramp::apply::{journal::Journal, observe::changes, run::apply};
    use onramp::cloud::NewPolicy;
    use onramp::plan::{Spec, plan};

    for example in [
        "everything.toml",
        "genomics.toml",
        "genomics-service-linked.toml",
        "parallelcluster-awsbatch.toml",
        "parallelcluster-slurm.toml",
        "omics.toml",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(example);
        let answers = Answers::from_toml(&std::fs::read_to_string(path).unwrap())
            .unwrap()
            .validate(&Environment::default())
            .unwrap_or_else(|e| panic!("{example}: {e:?}"));
        let plan = plan(&answers).unwrap();
        let c = MemoryCloud::demo();
        let boundary = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
        ]});
        c.create_policy(NewPolicy {
            name: "lab-boundary",
            path: "/",
            description: "",
            document: &boundary,
            tags: &Default::default(),
        })
        .await
        .unwrap();
        // Created through the apply engine, the way onramp creates them.
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("j")).unwrap();
        let changes = changes(&c, &plan).await.unwrap();
        let stop = std::sync::atomic::AtomicBool::new(false);
        apply(&c, &plan, &changes, &journal, &|_| {}, &stop)
            .await
            .unwrap_or_else(|e| panic!("{example}: {e}"));
        for r in &plan.resources {
            match &r.spec {
                Spec::ManagedPolicy(_) => {
                    let info = c.get_policy(&r.arn).await.unwrap();
                    assert_eq!(info.map(|i| i.arn), Some(r.arn.clone()), "{example}");
                }
                Spec::Role(role) => {
                    let info = c.get_role(&r.name).await.unwrap().unwrap();
                    assert_eq!(info.arn, r.arn, "{example}");
                    let mut attached = c.list_attached_role_policies(&r.name).await.unwrap();
                    let mut planned = role.managed_policy_arns.clone();
                    attached.sort();
                    planned.sort();
                    assert_eq!(attached, planned, "{example}: {}", r.name);
                }
                Spec::InstanceProfile(profile) => {
                    let info = c.get_instance_profile(&r.name).await.unwrap().unwrap();
                    assert_eq!(info.arn, r.arn, "{example}");
                    assert_eq!(info.roles, profile.roles, "{example}: {}", r.name);
                }
                Spec::ServiceLinkedRole(linked) => {
                    let info = c.get_role(&r.name).await.unwrap().unwrap();
                    assert_eq!(info.arn, r.arn, "{example}");
                    assert_eq!(
                        info.trust_policy["Statement"][0]["Principal"]["Service"],
                        serde_json::json!(linked.service),
                        "{example}"
                    );
                }
            }
        }
        assert!(!plan.resources.is_empty(), "{example}");
    }
}

/// A failed create halts the apply: the resource it failed on is reported
/// failed (and not also "not started"), every other resource with calls
/// left is reported not started unless it ran to its end, and nothing that
/// needs the failed role was called. (The scheduler's own tests show, with
/// paused time, that a halt starts nothing new; here the calls interleave
/// with the journal's writer thread, so which resources were already under
/// way when the failure came differs from run to run.)
#[tokio::test]
async fn a_failed_create_is_reported_once_and_what_is_left_as_not_started() {
    use onramp::apply::run::Event;
    use onramp::cloud::faulty::{Fault, FaultyCloud, Length, Schedule, Target};

    let toml = example("everything.toml");
    let cloud = FaultyCloud::new(MemoryCloud::demo());
    let plan = plan_for(&cloud, &toml).await;
    prepare(&cloud, &toml).await;
    let changes = onramp::apply::observe::changes(&cloud, &plan)
        .await
        .unwrap();
    cloud.schedule(Some(Schedule {
        fault: Fault::ServiceFailure,
        length: Length::Outage,
        target: Target::First(Action::CreateRole),
    }));
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.jsonl")).unwrap();
    let events = Mutex::new(Vec::new());
    let result = onramp::apply::run::apply(
        &cloud,
        &plan,
        &changes,
        &journal,
        &|e| events.lock().unwrap().push(e),
        &AtomicBool::new(false),
    )
    .await;
    assert!(matches!(result, Err(ApplyError::Call { .. })), "{result:?}");
    let events = events.into_inner().unwrap();
    let failed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Failed { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 1, "{events:#?}");
    let not_started: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::NotStarted { id } => Some(id.clone()),
            _ => None,
        })
        .collect();
    assert!(!not_started.contains(&failed[0]), "{events:#?}");
    // Nothing that needs the failed role was called: none of its own later
    // steps, and no step of a resource that depends on it.
    let needs_failed: Vec<ResourceId> = plan
        .resources
        .iter()
        .filter(|r| r.depends_on.contains(&failed[0]))
        .map(|r| r.id())
        .collect();
    for e in &events {
        if let Event::Started { id, action } = e {
            assert!(
                !(needs_failed.contains(id) || id == &failed[0] && *action != Action::CreateRole),
                "{action:?} on {id:?} needs the failed role: {events:#?}"
            );
        }
    }
    // Every other resource with calls beyond its create is either reported
    // not started or finished every step: the ones launched before the
    // failure was known run to their end (which ones depends on how the
    // calls interleave), and none is left half-way without a word.
    let with_more: Vec<&Change> = changes
        .iter()
        .filter(|c| c.id() != failed[0] && c.steps.iter().any(|s| !s.creates()))
        .collect();
    assert!(!with_more.is_empty());
    for change in with_more {
        let id = change.id();
        let done = events
            .iter()
            .filter(|e| matches!(e, Event::Done { id: done, .. } if *done == id))
            .count();
        assert!(
            not_started.contains(&id) || done == change.steps.len(),
            "{id:?}: {done} of {} steps done and not reported not started: {events:#?}",
            change.steps.len()
        );
    }
}
