//! What must change: each planned resource compared with what exists.
//!
//! Pure: it takes what `observe` read and returns, per resource, its state
//! (create / update / unchanged / conflict) and the exact API steps that would
//! bring the account to the plan. Resources onramp did not create (no
//! `onramp:managed-by` tag) are only added to, never rewritten: a
//! difference that would need rewriting them is a conflict for a person to
//! settle, unless that person chose to adopt it (rewritten like onramp's
//! own, its state before kept for destroy) or to keep it (used as it is,
//! no change at all); see [`crate::plan::existing`].

use crate::iam::action::Action;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::adopt::{PolicySnapshot, ProfileSnapshot, RoleSnapshot, Snapshot};
use super::compare::same_document;
use crate::answers::is_managed_by_onramp as owned;
use crate::cloud::{InstanceProfileInfo, PolicyInfo, PolicyVersion, RoleInfo, Tags};
use crate::iam::limits::POLICY_VERSIONS;
use crate::plan::existing::Treatment;
use crate::plan::{InstanceProfileSpec, Resource, ResourceId, RoleSpec, Spec};

/// A managed policy as it exists.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedPolicy {
    pub info: PolicyInfo,
    /// The default version's document.
    pub document: Value,
    /// All versions; read only when the document differs (an update needs them).
    pub versions: Vec<PolicyVersion>,
    /// The other versions' documents by id; read only for a policy to
    /// adopt, whose versions a restore must be able to make again.
    pub other_documents: BTreeMap<String, Value>,
}

/// A role as it exists, with its attachments and inline policies.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedRole {
    pub info: RoleInfo,
    pub attached: Vec<String>,
    pub inline: BTreeMap<String, Value>,
}

/// What exists under a planned resource's name (`None`: nothing).
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    Policy(Option<ObservedPolicy>),
    Role(Option<ObservedRole>),
    InstanceProfile(Option<InstanceProfileInfo>),
    /// The role under a planned service-linked role's name.
    ServiceLinkedRole(Option<RoleInfo>),
}

impl Observed {
    /// The entity as found, as a journal's adopt record keeps it; `None`
    /// when nothing exists (or for a service-linked role, never adopted).
    pub fn snapshot(&self) -> Option<Snapshot> {
        match self {
            Observed::Role(Some(role)) => Some(Snapshot::Role(role.snapshot())),
            Observed::Policy(Some(policy)) => Some(Snapshot::Policy(PolicySnapshot {
                arn: policy.info.arn.clone(),
                path: policy.info.path.clone(),
                tags: policy.info.tags.clone(),
                document: policy.document.clone(),
                default_version_id: Some(policy.info.default_version_id.clone()),
                other_versions: policy.other_documents.clone(),
            })),
            Observed::InstanceProfile(Some(profile)) => {
                Some(Snapshot::InstanceProfile(ProfileSnapshot {
                    path: profile.path.clone(),
                    tags: profile.tags.clone(),
                    roles: profile.roles.iter().cloned().collect(),
                }))
            }
            _ => None,
        }
    }
}

impl ObservedRole {
    /// The role as found, as a journal's adopt record keeps it. An empty
    /// description is none, as IAM shows it.
    pub fn snapshot(&self) -> RoleSnapshot {
        RoleSnapshot {
            path: self.info.path.clone(),
            trust_policy: self.info.trust_policy.clone(),
            description: self.info.description.clone().filter(|d| !d.is_empty()),
            permissions_boundary: self.info.permissions_boundary.clone(),
            tags: self.info.tags.clone(),
            attached: self.attached.iter().cloned().collect(),
            inline: self.inline.clone(),
        }
    }
}

/// The verdict for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Create,
    Update,
    /// An existing resource onramp did not make, brought to the plan by the
    /// user's choice; destroy puts it back as it was.
    Adopt,
    Unchanged,
    Conflict,
}

/// One API call of an apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", content = "value", rename_all = "snake_case")]
pub enum Step {
    CreatePolicy,
    /// A new default version; `prune` is deleted first (the oldest
    /// non-default one) when the policy already has five.
    CreatePolicyVersion {
        prune: Option<String>,
    },
    TagPolicy(Tags),
    CreateRole,
    UpdateTrust,
    PutBoundary(String),
    DeleteBoundary,
    TagRole(Tags),
    Attach(String),
    Detach(String),
    PutInline(String),
    DeleteInline(String),
    CreateInstanceProfile,
    TagInstanceProfile(Tags),
    AddRole(String),
    RemoveRole(String),
    /// The one step a service-linked role ever gets: AWS owns the rest.
    CreateServiceLinkedRole,
}

impl Step {
    /// The IAM API action the step calls.
    pub fn action(&self) -> Action {
        match self {
            Step::CreatePolicy => Action::CreatePolicy,
            Step::CreatePolicyVersion { .. } => Action::CreatePolicyVersion,
            Step::TagPolicy(_) => Action::TagPolicy,
            Step::CreateRole => Action::CreateRole,
            Step::UpdateTrust => Action::UpdateAssumeRolePolicy,
            Step::PutBoundary(_) => Action::PutRolePermissionsBoundary,
            Step::DeleteBoundary => Action::DeleteRolePermissionsBoundary,
            Step::TagRole(_) => Action::TagRole,
            Step::Attach(_) => Action::AttachRolePolicy,
            Step::Detach(_) => Action::DetachRolePolicy,
            Step::PutInline(_) => Action::PutRolePolicy,
            Step::DeleteInline(_) => Action::DeleteRolePolicy,
            Step::CreateInstanceProfile => Action::CreateInstanceProfile,
            Step::TagInstanceProfile(_) => Action::TagInstanceProfile,
            Step::AddRole(_) => Action::AddRoleToInstanceProfile,
            Step::RemoveRole(_) => Action::RemoveRoleFromInstanceProfile,
            Step::CreateServiceLinkedRole => Action::CreateServiceLinkedRole,
        }
    }

    /// Whether the step brings a new entity into being.
    pub fn creates(&self) -> bool {
        matches!(
            self,
            Step::CreatePolicy
                | Step::CreateRole
                | Step::CreateInstanceProfile
                | Step::CreateServiceLinkedRole
        )
    }
}

/// The verdict and the steps for one planned resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: crate::iam::names::EntityKind,
    pub name: String,
    pub state: State,
    pub steps: Vec<Step>,
    /// What differs, or why it is a conflict, in words.
    pub reasons: Vec<String>,
    /// Whether an existing entity carries onramp's tag.
    pub owned: bool,
    /// For a resource being adopted: what it is now and what onramp makes
    /// of it, for the journal (synced before the first change) and the
    /// review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adoption: Option<Adoption>,
}

/// An adopted resource's two states.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adoption {
    pub before: Snapshot,
    pub after: Snapshot,
}

impl Change {
    pub fn id(&self) -> ResourceId {
        ResourceId {
            kind: self.kind,
            name: self.name.clone(),
        }
    }
}

/// Adds a tagging step (made by `step`) for the tags of `want` that `have`
/// lacks or holds with another value, if any.
fn tag_missing(change: &mut Change, want: &Tags, have: &Tags, step: fn(Tags) -> Step) {
    let missing: Tags = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !missing.is_empty() {
        change
            .reasons
            .push(format!("tags to add: {}", keys(&missing)));
        change.steps.push(step(missing));
    }
}

/// Compares one planned resource with what exists, treating an existing
/// resource onramp did not make as `treatment` says.
pub fn diff(resource: &Resource, observed: &Observed, treatment: Treatment) -> Change {
    let mut change = Change {
        kind: resource.kind(),
        name: resource.name.clone(),
        state: State::Unchanged,
        steps: Vec::new(),
        reasons: Vec::new(),
        owned: false,
        adoption: None,
    };
    let before = observed
        .snapshot()
        .filter(|_| !resource.is_service_linked());
    if treatment == Treatment::Keep && before.is_some() {
        return keep(resource, observed, change);
    }
    let adopt = treatment == Treatment::Adopt;
    match (&resource.spec, observed) {
        (Spec::ManagedPolicy(policy), Observed::Policy(existing)) => {
            diff_policy(
                resource,
                &policy.document,
                existing.as_ref(),
                adopt,
                &mut change,
            );
        }
        (Spec::Role(role), Observed::Role(existing)) => {
            diff_role(resource, role, existing.as_ref(), adopt, &mut change)
        }
        (Spec::InstanceProfile(profile), Observed::InstanceProfile(existing)) => {
            diff_profile(
                resource,
                &profile.roles,
                existing.as_ref(),
                adopt,
                &mut change,
            );
        }
        (Spec::ServiceLinkedRole(linked), Observed::ServiceLinkedRole(existing)) => {
            diff_service_linked(resource, &linked.service, existing.as_ref(), &mut change);
        }
        _ => {
            change.state = State::Conflict;
            change
                .reasons
                .push("internal error: observed the wrong kind of entity".into());
        }
    }
    if change.state != State::Conflict {
        change.state = if change.steps.first().is_some_and(Step::creates) {
            State::Create
        } else if change.steps.is_empty() {
            State::Unchanged
        } else if adopt && !change.owned {
            State::Adopt
        } else {
            State::Update
        };
    }
    if change.state == State::Adopt
        && let Some(before) = before
    {
        change.reasons.insert(
            0,
            "adopted (your choice): brought to the plan; the journal keeps it as it is now, and destroy puts it back".into(),
        );
        change.adoption = Some(Adoption {
            after: Snapshot::planned(resource, &before),
            before,
        });
    }
    change
}

/// A resource the user chose to keep as it is: no step at all. What an
/// adoption would change is still said, so the review shows what the plan
/// and the account disagree on, and `verify` whether that matters.
fn keep(resource: &Resource, observed: &Observed, mut change: Change) -> Change {
    let adopted = diff(resource, observed, Treatment::Adopt);
    change.owned = adopted.owned;
    change.reasons.push(
        "kept as it is (your choice: keep): onramp changes nothing on it; verify checks whether it grants what the workload needs"
            .into(),
    );
    if adopted.state == State::Conflict {
        change.reasons.extend(adopted.reasons);
    } else {
        change.reasons.extend(
            adopted
                .reasons
                .into_iter()
                .filter(|r| !r.starts_with("tags to add"))
                .map(|r| format!("differs from the plan: {r}")),
        );
    }
    change
}

fn conflict(change: &mut Change, reason: String) {
    change.state = State::Conflict;
    change.steps.clear();
    change.reasons.push(reason);
}

/// How a person settles a conflict over `name`, an entity onramp did not
/// make: adopt it, keep it, or give onramp's another name.
fn ways_out(name: &str) -> String {
    format!(
        "apply --adopt {name} brings it to the plan (destroy puts it back as it was); keep = [\"{name}\"] in the answers uses it as it is; or give onramp's another name with name_prefix or [names]"
    )
}

/// How a person settles a conflict that adopting cannot: one over what IAM
/// cannot change (a path).
fn ways_out_but_adopt(name: &str) -> String {
    format!(
        "keep = [\"{name}\"] in the answers uses it as it is, or give onramp's another name with name_prefix or [names]"
    )
}

/// A conflict's reason about `name` without the ways out it ends with
/// (which name the command line and the answers file): for the wizard,
/// which offers its own.
pub fn without_ways_out<'a>(reason: &'a str, name: &str) -> &'a str {
    [ways_out(name), ways_out_but_adopt(name)]
        .iter()
        .find_map(|w| reason.strip_suffix(w.as_str()))
        .map_or(reason, |r| r.trim_end_matches([':', ' ']))
}

fn diff_policy(
    resource: &Resource,
    document: &Value,
    existing: Option<&ObservedPolicy>,
    adopt: bool,
    change: &mut Change,
) {
    let Some(existing) = existing else {
        change.steps.push(Step::CreatePolicy);
        return;
    };
    change.owned = owned(&existing.info.tags);
    let rewrite = change.owned || adopt;
    if !same_document(document, &existing.document) {
        if !rewrite {
            return conflict(
                change,
                format!(
                    "policy {} exists with another document and was not created by onramp, so onramp will not replace it: {}",
                    existing.info.arn,
                    ways_out(&resource.name)
                ),
            );
        }
        let prune = (existing.versions.len() >= POLICY_VERSIONS)
            .then(|| {
                existing
                    .versions
                    .iter()
                    .filter(|v| !v.is_default)
                    .min_by_key(|v| v.number())
                    .map(|v| v.version_id.clone())
            })
            .flatten();
        change.reasons.push(match &prune {
            Some(v) => format!("the document differs: a new default version replaces {}, and the oldest version {v} is deleted to stay within IAM's {POLICY_VERSIONS}", existing.info.default_version_id),
            None => format!("the document differs: a new default version replaces {}", existing.info.default_version_id),
        });
        change.steps.push(Step::CreatePolicyVersion { prune });
    }
    if rewrite {
        tag_missing(change, &resource.tags, &existing.info.tags, Step::TagPolicy);
    } else {
        change
            .reasons
            .push("exists with the same document (not created by onramp; used as it is)".into());
    }
}

fn diff_role(
    resource: &Resource,
    role: &RoleSpec,
    existing: Option<&ObservedRole>,
    adopt: bool,
    change: &mut Change,
) {
    let Some(existing) = existing else {
        change.steps.push(Step::CreateRole);
        change.steps.extend(
            role.managed_policy_arns
                .iter()
                .map(|a| Step::Attach(a.clone())),
        );
        change.steps.extend(
            role.inline_policies
                .keys()
                .map(|n| Step::PutInline(n.clone())),
        );
        return;
    };
    let info = &existing.info;
    change.owned = owned(&info.tags);
    let rewrite = change.owned || adopt;
    if info.path != resource.path {
        return conflict(
            change,
            format!(
                "role {} exists at path {} (the plan's path is {}), and IAM cannot move a role: {}",
                info.name,
                info.path,
                resource.path,
                ways_out_but_adopt(&info.name)
            ),
        );
    }
    if !same_document(&role.trust_policy, &info.trust_policy) {
        if !rewrite {
            return conflict(
                change,
                format!(
                    "role {} exists with another trust policy and was not created by onramp, so onramp will not change who can assume it: {}",
                    info.name,
                    ways_out(&info.name)
                ),
            );
        }
        change.reasons.push("the trust policy differs".into());
        change.steps.push(Step::UpdateTrust);
    }
    if info.permissions_boundary != role.permissions_boundary {
        if !rewrite {
            return conflict(
                change,
                format!(
                    "role {} exists with permissions boundary {} (the plan's is {}) and was not created by onramp: {}",
                    info.name,
                    info.permissions_boundary.as_deref().unwrap_or("none"),
                    role.boundary().unwrap_or("none"),
                    ways_out(&info.name)
                ),
            );
        }
        change
            .reasons
            .push("the permissions boundary differs".into());
        change.steps.push(match &role.permissions_boundary {
            Some(b) => Step::PutBoundary(b.clone()),
            None => Step::DeleteBoundary,
        });
    }
    if rewrite {
        tag_missing(change, &resource.tags, &info.tags, Step::TagRole);
        // Detach first, so that a full role never trips the attachment limit.
        for extra in existing.attached.iter().filter(|a| !role.attaches(a)) {
            change
                .reasons
                .push(format!("{extra} is attached but not planned"));
            change.steps.push(Step::Detach(extra.clone()));
        }
        for name in existing
            .inline
            .keys()
            .filter(|n| !role.inline_policies.contains_key(*n))
        {
            change
                .reasons
                .push(format!("inline policy {name} is not planned"));
            change.steps.push(Step::DeleteInline(name.clone()));
        }
    } else {
        change.reasons.push(
            "exists with the same trust policy (not created by onramp: onramp only adds to it)"
                .into(),
        );
    }
    for missing in role
        .managed_policy_arns
        .iter()
        .filter(|a| !existing.attached.contains(a))
    {
        change
            .reasons
            .push(format!("{missing} is not attached yet"));
        change.steps.push(Step::Attach(missing.clone()));
    }
    for (name, doc) in &role.inline_policies {
        if existing
            .inline
            .get(name)
            .is_none_or(|have| !same_document(doc, have))
        {
            change
                .reasons
                .push(format!("inline policy {name} is missing or differs"));
            change.steps.push(Step::PutInline(name.clone()));
        }
    }
}

fn diff_profile(
    resource: &Resource,
    roles: &[String],
    existing: Option<&InstanceProfileInfo>,
    adopt: bool,
    change: &mut Change,
) {
    let Some(existing) = existing else {
        change.steps.push(Step::CreateInstanceProfile);
        change
            .steps
            .extend(roles.iter().map(|r| Step::AddRole(r.clone())));
        return;
    };
    change.owned = owned(&existing.tags);
    let rewrite = change.owned || adopt;
    if existing.path != resource.path {
        return conflict(
            change,
            format!(
                "instance profile {} exists at path {} (the plan's path is {}), and IAM cannot move an instance profile: {}",
                existing.name,
                existing.path,
                resource.path,
                ways_out_but_adopt(&existing.name)
            ),
        );
    }
    let others: Vec<&String> = existing
        .roles
        .iter()
        .filter(|r| !roles.contains(r))
        .collect();
    if !others.is_empty() && !rewrite {
        return conflict(
            change,
            format!(
                "instance profile {} holds role {} and was not created by onramp: {}",
                existing.name,
                others
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                ways_out(&existing.name)
            ),
        );
    }
    if rewrite {
        tag_missing(
            change,
            &resource.tags,
            &existing.tags,
            Step::TagInstanceProfile,
        );
    }
    for other in others {
        change
            .reasons
            .push(format!("holds role {other}, which is not planned"));
        change.steps.push(Step::RemoveRole(other.clone()));
    }
    for role in roles.iter().filter(|r| !existing.roles.contains(r)) {
        change
            .reasons
            .push(format!("does not hold role {role} yet"));
        change.steps.push(Step::AddRole(role.clone()));
    }
}

/// A service-linked role is created when missing and otherwise used as it
/// is: AWS owns its trust and permissions, and IAM lets nobody else change
/// them. It can carry no tag, so `owned` stays false: whether onramp made it
/// is the journal's to say. A role of that name anywhere but the service's
/// path is not the service-linked role, and AWS cannot create that while
/// the name is taken.
fn diff_service_linked(
    resource: &Resource,
    service: &str,
    existing: Option<&RoleInfo>,
    change: &mut Change,
) {
    let Some(existing) = existing else {
        change.steps.push(Step::CreateServiceLinkedRole);
        return;
    };
    if existing.path != resource.path {
        return conflict(
            change,
            format!(
                "role {} exists at path {}, so it is not the service-linked role of {service} (at {}), and AWS cannot create that role while the name is taken; delete or rename that role (for AWS Batch, batch_service_role = \"seed\" avoids it)",
                existing.name, existing.path, resource.path
            ),
        );
    }
    change.reasons.push(
        "exists (a service-linked role: AWS owns it and keeps its permissions current; used as it is)"
            .into(),
    );
}

fn keys(tags: &Tags) -> String {
    tags.keys().cloned().collect::<Vec<_>>().join(", ")
}

/// "role ecsInstanceRole": a role and its instance profile share a name, so
/// a name alone never says which one is meant.
pub fn label(id: &ResourceId) -> String {
    format!("{} {}", id.kind.noun(), id.name)
}

/// The text after the slash of an ARN ("AmazonS3ReadOnlyAccess").
fn short_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

impl Step {
    /// The step's argument as the journal and the progress events record it
    /// (`detail`), when it tells two steps of the same action apart.
    fn argument(&self) -> Option<&str> {
        match self {
            Step::Attach(x)
            | Step::Detach(x)
            | Step::PutInline(x)
            | Step::DeleteInline(x)
            | Step::AddRole(x)
            | Step::RemoveRole(x)
            | Step::PutBoundary(x) => Some(x),
            _ => None,
        }
    }

    /// The step's `detail` as the journal records it: its argument, or for
    /// a tagging step the keys it adds.
    pub fn detail(&self) -> Option<String> {
        match self {
            Step::TagPolicy(tags) | Step::TagRole(tags) | Step::TagInstanceProfile(tags) => {
                Some(tags.keys().cloned().collect::<Vec<_>>().join(","))
            }
            _ => self.argument().map(str::to_owned),
        }
    }

    /// Whether a call recorded as `action` with `detail` was this step.
    pub fn is_call(&self, action: Action, detail: Option<&str>) -> bool {
        self.action() == action && self.argument().is_none_or(|a| Some(a) == detail)
    }

    /// The step in words, as in "stopped before attaching X".
    pub fn words(&self) -> String {
        match self {
            Step::CreatePolicy
            | Step::CreateRole
            | Step::CreateInstanceProfile
            | Step::CreateServiceLinkedRole => "creating it".into(),
            Step::CreatePolicyVersion { .. } => "its new document version".into(),
            Step::TagPolicy(_) | Step::TagRole(_) | Step::TagInstanceProfile(_) => "tagging".into(),
            Step::UpdateTrust => "updating the trust policy".into(),
            Step::PutBoundary(_) => "setting the permissions boundary".into(),
            Step::DeleteBoundary => "removing the permissions boundary".into(),
            Step::Attach(arn) => format!("attaching {}", short_arn(arn)),
            Step::Detach(arn) => format!("detaching {}", short_arn(arn)),
            Step::PutInline(name) => format!("putting inline policy {name}"),
            Step::DeleteInline(name) => format!("deleting inline policy {name}"),
            Step::AddRole(role) => format!("adding role {role}"),
            Step::RemoveRole(role) => format!("removing role {role}"),
        }
    }
}

/// "3 of 5" with the noun in the right number: "1 of 1 inline policy".
fn of(done: usize, total: usize, one: &str, many: &str) -> String {
    format!("{done} of {total} {}", if total == 1 { one } else { many })
}

/// What of `resource` is in place when `remaining` is what is still to do:
/// `["exists", "3 of 5 managed policies attached", "not tagged yet"]`, or
/// `["not created"]` while its create is still to come.
pub fn in_place(resource: &Resource, remaining: &[Step]) -> Vec<String> {
    if remaining.iter().any(Step::creates) {
        return vec!["not created".into()];
    }
    let left = |f: fn(&Step) -> bool| remaining.iter().filter(|s| f(s)).count();
    let mut out = vec!["exists".to_owned()];
    match &resource.spec {
        Spec::Role(role) => {
            let total = role.managed_policy_arns.len();
            if total > 0 {
                let missing = left(|s| matches!(s, Step::Attach(_)));
                out.push(format!(
                    "{} attached",
                    of(
                        total.saturating_sub(missing),
                        total,
                        "managed policy",
                        "managed policies"
                    )
                ));
            }
            let total = role.inline_policies.len();
            if total > 0 {
                let missing = left(|s| matches!(s, Step::PutInline(_)));
                out.push(format!(
                    "{} in place",
                    of(
                        total.saturating_sub(missing),
                        total,
                        "inline policy",
                        "inline policies"
                    )
                ));
            }
        }
        Spec::InstanceProfile(InstanceProfileSpec { roles }) => {
            let missing = left(|s| matches!(s, Step::AddRole(_)));
            if !roles.is_empty() {
                out.push(format!(
                    "holds {}",
                    of(
                        roles.len().saturating_sub(missing),
                        roles.len(),
                        "role",
                        "roles"
                    )
                ));
            }
        }
        Spec::ManagedPolicy(_) | Spec::ServiceLinkedRole(_) => {}
    }
    if left(|s| {
        matches!(
            s,
            Step::TagPolicy(_) | Step::TagRole(_) | Step::TagInstanceProfile(_)
        )
    }) > 0
    {
        out.push("not tagged yet".into());
    }
    out
}

/// The documents of `resource` that differ from the ones that exist
/// (`existing`, labelled as [`Resource::documents`] labels them), each as a
/// unified diff of the pretty-printed JSON: `---` what exists, `+++` the plan.
/// Documents that grant the same in another order or encoding are not listed.
pub fn document_differences(
    resource: &Resource,
    existing: &BTreeMap<String, Value>,
) -> Vec<(String, String)> {
    resource
        .documents()
        .into_iter()
        .filter_map(|(label, planned)| {
            let have = existing.get(&label)?;
            if same_document(planned, have) {
                return None;
            }
            let before = pretty(have);
            let after = pretty(planned);
            let unified = similar::TextDiff::from_lines(&before, &after)
                .unified_diff()
                .header(&format!("{label} (exists)"), &format!("{label} (planned)"))
                .to_string();
            Some((label, unified))
        })
        .collect()
}

fn pretty(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::names::EntityKind;

    fn instance_role() -> Resource {
        crate::plan::genomics_resource(EntityKind::Role, "ecsInstanceRole")
    }

    #[test]
    fn a_difference_is_a_unified_diff_of_what_exists_and_the_plan() {
        let role = instance_role();
        let lambda = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let existing = BTreeMap::from([("trust_policy".to_owned(), lambda)]);
        let found = document_differences(&role, &existing);
        assert_eq!(found.len(), 1, "{found:?}");
        let (label, unified) = &found[0];
        assert_eq!(label, "trust_policy");
        assert!(
            unified.starts_with("--- trust_policy (exists)\n+++ trust_policy (planned)\n@@"),
            "{unified}"
        );
        assert!(
            unified.contains("-        \"Service\": \"lambda.amazonaws.com\""),
            "{unified}"
        );
        assert!(
            unified.contains("+        \"Service\": \"ec2.amazonaws.com\""),
            "{unified}"
        );
        // The same document in another order is no difference.
        let trust_policy = role.role().map(|r| r.trust_policy.clone());
        let same = BTreeMap::from([("trust_policy".to_owned(), trust_policy.unwrap())]);
        assert!(document_differences(&role, &same).is_empty());
    }

    #[test]
    fn a_conflicts_reason_loses_its_ways_out_and_nothing_else() {
        let role = instance_role();
        let lambda = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let observed = Observed::Role(Some(ObservedRole {
            info: RoleInfo {
                name: role.name.clone(),
                arn: role.arn.clone(),
                path: role.path.clone(),
                trust_policy: lambda,
                description: None,
                permissions_boundary: None,
                tags: Tags::new(),
            },
            attached: Vec::new(),
            inline: BTreeMap::new(),
        }));
        let change = diff(&role, &observed, Treatment::AddOnly);
        assert_eq!(change.state, State::Conflict);
        let reason = &change.reasons[0];
        assert!(reason.contains("apply --adopt"), "{reason}");
        assert_eq!(
            without_ways_out(reason, &role.name),
            "role ecsInstanceRole exists with another trust policy and was not created by onramp, so onramp will not change who can assume it"
        );
        assert_eq!(without_ways_out("other words", &role.name), "other words");
    }

    #[test]
    fn what_is_in_place_counts_attachments_and_says_what_is_missing() {
        let role = instance_role();
        let managed_policy_arns = &role.role().unwrap().managed_policy_arns;
        let total = managed_policy_arns.len();
        let remaining = vec![
            Step::Attach(managed_policy_arns[0].clone()),
            Step::TagRole(Tags::new()),
        ];
        assert_eq!(
            in_place(&role, &remaining),
            [
                "exists".to_owned(),
                format!("{} of {total} managed policies attached", total - 1),
                "not tagged yet".to_owned(),
            ]
        );
        assert_eq!(in_place(&role, &[Step::CreateRole]), ["not created"]);
        assert!(Step::Attach("arn:x/A".into()).is_call(Action::AttachRolePolicy, Some("arn:x/A")));
        assert!(!Step::Attach("arn:x/A".into()).is_call(Action::AttachRolePolicy, Some("arn:x/B")));
        assert_eq!(Step::Attach("arn:x/A".into()).words(), "attaching A");
    }
}
