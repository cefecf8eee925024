//! `export --format admin-policy`: the IAM identity policy that whoever runs
//! onramp needs to apply, check (`status`), resume and `destroy` this plan,
//! scoped to the plan's own ARNs, so that an administrator can attach it to
//! the operator before the first run instead of handing out `IAMFullAccess`.
//!
//! The actions are the ones `cloud::sdk` sends for the steps of
//! `apply::observe`, `apply::run` and `apply::destroy`, grouped by the kind of
//! entity they act on (IAM authorizes each against that entity's ARN, path
//! included). `tests/pure/admin_policy.rs` runs every command against a cloud
//! that records what each call needs authorized, and checks both that the
//! policy allows every call and that dropping any statement, action,
//! resource or condition value from it denies one.
//!
//! What the policy cannot prevent, by the nature of delegating role creation:
//! an operator who may create a planned role chooses its trust policy (IAM
//! has no condition key on it) and may attach the planned policies to it;
//! `iam:PassRole` on the instance roles also lets them hand those roles to
//! EC2 wherever they may launch instances. Set a permissions boundary in the
//! answers to cap what such a role can do: the policy then only lets roles
//! be created with that boundary.
//!
//! Pure: a function of the plan, no I/O. The partition and account come from
//! the plan's own ARNs.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::iam::action::Action;
use crate::iam::arn::Arn;
use crate::iam::limits::{MANAGED_POLICY_SIZE, policy_size};
use crate::plan::{InstanceProfileSpec, Plan, Resource, RoleSpec, Spec};

/// Managed policies, by ARN (so the plan's path is always known): `observe`
/// reads the policy and its default version, and lists the versions when
/// the document differs; an update creates a new default version
/// (`SetAsDefault`, so no `SetDefaultPolicyVersion`), pruning the oldest at
/// five; `destroy` deletes the other versions, then the policy. `TagPolicy`
/// is also what IAM checks for the tags `CreatePolicy` sets.
const POLICY_ACTIONS: [Action; 8] = [
    Action::GetPolicy,
    Action::GetPolicyVersion,
    Action::ListPolicyVersions,
    Action::CreatePolicy,
    Action::CreatePolicyVersion,
    Action::DeletePolicyVersion,
    Action::TagPolicy,
    Action::DeletePolicy,
];

/// Reads of roles by name: `observe` (and the wait after a create) reads
/// the role, its attachments and each inline policy it has. A read by name
/// tells IAM no path, and names are unique in the account whatever the
/// path, so these are granted on the name at any path: the path-less ARN
/// (`role/NAME`) for a name that does not exist yet, whose path IAM cannot
/// know, and `role/*/NAME` for the plan's path as well as for someone
/// else's role of that name elsewhere, which onramp must read to report it
/// as a conflict rather than fail with "access denied".
const ROLE_READS: [Action; 4] = [
    Action::GetRole,
    Action::ListAttachedRolePolicies,
    Action::ListRolePolicies,
    Action::GetRolePolicy,
];

/// Changes to roles, only at the plan's ARNs: an owned role that drifted
/// gets its trust policy, tags, stray attachments and stray inline policies
/// put right; `destroy` detaches everything attached (someone else's
/// attachments too, or `DeleteRole` fails) and deletes the role. Detaching
/// is not limited to the planned policies: it only takes permissions away
/// from a role this policy may delete anyway. `TagRole` is also what IAM
/// checks for the tags `CreateRole` sets.
const ROLE_CHANGES: [Action; 5] = [
    Action::UpdateAssumeRolePolicy,
    Action::TagRole,
    Action::DetachRolePolicy,
    Action::DeleteRolePolicy,
    Action::DeleteRole,
];

/// Changes to instance profiles, only at the plan's ARNs: create (tags
/// included), add the planned role, remove someone else's, and on `destroy`
/// empty and delete. Reading one by name is granted like a role's.
const PROFILE_CHANGES: [Action; 5] = [
    Action::CreateInstanceProfile,
    Action::TagInstanceProfile,
    Action::AddRoleToInstanceProfile,
    Action::RemoveRoleFromInstanceProfile,
    Action::DeleteInstanceProfile,
];

/// A service-linked role (AWS Batch's `AWSServiceRoleForBatch`), only at
/// its own ARN: `observe` reads it with `GetRole` (by name, at any path, as
/// [`ROLE_READS`] are granted), `apply` creates it when
/// missing, for its service only (`iam:AWSServiceName`), and `destroy`
/// deletes one onramp created and polls the deletion task. Nothing else:
/// AWS alone may change it.
const SERVICE_LINKED_READS: [Action; 1] = [Action::GetRole];
const SERVICE_LINKED_CREATE: [Action; 1] = [Action::CreateServiceLinkedRole];
/// When `GetRole` finds no role by a service-linked role's name, `observe`
/// lists the service-linked roles (`ListRoles` under `/aws-service-role/`)
/// for one named so but for case, as IAM compares names: an emulator may
/// name the role otherwise than AWS. `ListRoles` takes no resource ARN, so
/// it is granted on `*`; it reads names, paths and trust policies only.
const SERVICE_LINKED_FIND: [Action; 1] = [Action::ListRoles];
const SERVICE_LINKED_DELETE: [Action; 2] = [
    Action::DeleteServiceLinkedRole,
    Action::GetServiceLinkedRoleDeletionStatus,
];

/// Putting adopted entities back (`destroy`, see `apply::restore`): what
/// they had before onramp adopted them, which the plan cannot know. A role
/// gets back its tags, inline policies, boundary and its own managed
/// policies (any policy: they are whatever it had); a policy its default
/// version and tags; a profile its tags. Not `UpdateRole`: onramp never
/// changes an adopted role's description, so only `destroy --force` over
/// someone else's change would put one back.
const ROLE_RESTORE: [Action; 5] = [
    Action::UntagRole,
    Action::PutRolePolicy,
    Action::PutRolePermissionsBoundary,
    Action::DeleteRolePermissionsBoundary,
    Action::AttachRolePolicy,
];
const POLICY_RESTORE: [Action; 2] = [Action::UntagPolicy, Action::SetDefaultPolicyVersion];
const PROFILE_RESTORE: [Action; 1] = [Action::UntagInstanceProfile];

/// The wizard's bucket list (`s3:ListBuckets`, and `GetBucketLocation` for
/// buckets it does not give a region for). The headless commands never call
/// S3; `sts:GetCallerIdentity` needs no permission at all.
const BUCKET_LIST_ACTIONS: [Action; 2] = [Action::ListBuckets, Action::GetBucketLocation];

/// Optional reads, neither of which takes a resource ARN: the account's IAM
/// quotas (`GetAccountSummary`; the plan is checked against IAM's default
/// quotas without it) and IAM Access Analyzer's `ValidatePolicy` (advice on
/// each document in the wizard's preview and with `plan --validate`;
/// skipped without it). onramp works without them and says so once, so the
/// permission preflight does not check them.
const OPTIONAL_ACTIONS: [Action; 2] = [Action::GetAccountSummary, Action::ValidatePolicy];

/// The admin policy of `plan`, as JSON text ending in a newline. Fails only
/// if even the path-scoped fallback (see [`document`]) is over IAM's size
/// limit for a managed policy.
pub fn render(plan: &Plan) -> Result<String, String> {
    let doc = document(plan);
    let size = policy_size(&doc);
    if size > MANAGED_POLICY_SIZE {
        return Err(format!(
            "the admin policy would be {size} characters, over IAM's {MANAGED_POLICY_SIZE} for a managed policy"
        ));
    }
    let mut text = serde_json::to_string_pretty(&doc)
        .map_err(|e| format!("internal error: cannot write the admin policy: {e}"))?;
    text.push('\n');
    Ok(text)
}

/// The admin policy of `plan`: every planned entity by its exact ARN. If
/// that would not fit IAM's limit for a managed policy (a plan far larger
/// than any of the examples), each kind is scoped instead to a wildcard of
/// the plan's path and the names' common prefix
/// (`arn:…:role/PATH/PREFIX*`), which is wider, so it is only a fallback.
pub fn document(plan: &Plan) -> Value {
    to_document(&statements(plan))
}

/// The statements of [`document`], before they are written as JSON: what
/// the permission preflight (`apply::permissions`) simulates, so that the
/// policy onramp exports and the permissions it checks are one list.
pub fn statements(plan: &Plan) -> Vec<Statement> {
    let exact = build(plan, Scope::Exact);
    if policy_size(&to_document(&exact)) <= MANAGED_POLICY_SIZE {
        exact
    } else {
        build(plan, Scope::PathWildcard)
    }
}

/// One `Allow` statement of the admin policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: String,
    pub actions: Vec<&'static str>,
    /// ARNs, some with wildcards; `["*"]` for any resource.
    pub resources: Vec<String>,
    pub condition: Option<Condition>,
    /// Only the wizard needs it (its bucket list): the headless commands
    /// never call S3.
    pub wizard_only: bool,
    /// onramp works without it (see [`OPTIONAL_ACTIONS`]); its Sid starts
    /// with `Optional`.
    pub optional: bool,
}

/// A statement's one condition: `operator` on `key`, true when the request's
/// value is any of `values`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// `StringEquals`, `ArnEquals`.
    pub operator: &'static str,
    /// The condition key, like `iam:PolicyARN`.
    pub key: &'static str,
    pub values: Vec<String>,
}

/// The policy document of `statements`; keys in the order people read them.
fn to_document(statements: &[Statement]) -> Value {
    let statements: Vec<Map<String, Value>> = statements.iter().map(statement_json).collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn statement_json(s: &Statement) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("Sid".into(), json!(s.sid));
    out.insert("Effect".into(), json!("Allow"));
    out.insert("Action".into(), json!(s.actions));
    let resource = match s.resources.as_slice() {
        [any] if any == "*" => json!("*"),
        arns => json!(arns),
    };
    out.insert("Resource".into(), resource);
    if let Some(c) = &s.condition {
        // A boundary is one ARN by nature, written as one; the planned
        // policies are a set, written as a list even when there is one.
        let values = match (c.operator, c.values.as_slice()) {
            ("StringEquals", [one]) => json!(one),
            (_, values) => json!(values),
        };
        out.insert("Condition".into(), json!({ c.operator: { c.key: values } }));
    }
    out
}

/// How planned entities are named in `Resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Exact,
    PathWildcard,
}

fn build(plan: &Plan, scope: Scope) -> Vec<Statement> {
    let policies = of_kind(plan, |s| matches!(s, Spec::ManagedPolicy(_)));
    let roles = of_kind(plan, |s| matches!(s, Spec::Role(_)));
    let profiles = of_kind(plan, |s| matches!(s, Spec::InstanceProfile(_)));
    let mut statements = Vec::new();

    if !policies.is_empty() {
        statements.push(statement(
            "ManagedPolicies",
            &POLICY_ACTIONS.map(Action::permission),
            resources(&policies, scope),
            None,
        ));
    }

    let mut reads: Vec<&'static str> = Vec::new();
    if !roles.is_empty() {
        reads.extend(ROLE_READS.map(Action::permission));
    }
    if !profiles.is_empty() {
        reads.push(Action::GetInstanceProfile.permission());
    }
    if !reads.is_empty() {
        let mut names = by_name(&roles, scope);
        names.extend(by_name(&profiles, scope));
        statements.push(statement("ReadByNameAtAnyPath", &reads, names, None));
    }

    if !roles.is_empty() {
        role_statements(plan, &roles, scope, &mut statements);
    }

    let linked = of_kind(plan, |s| matches!(s, Spec::ServiceLinkedRole(_)));
    if !linked.is_empty() {
        service_linked_statements(&linked, &mut statements);
    }

    if !profiles.is_empty() {
        statements.push(statement(
            "ChangeInstanceProfiles",
            &PROFILE_CHANGES.map(Action::permission),
            resources(&profiles, scope),
            None,
        ));
        // AddRoleToInstanceProfile also needs iam:PassRole on the role. No
        // condition: `iam:PassedToService` is not documented for this call.
        // An adopted profile may be given any role of the account back
        // (see `adoption_statements`), which covers these.
        let passed = held_roles(plan, &profiles);
        let any_adopted = profiles
            .iter()
            .any(|p| plan.existing.treatment(p) == super::existing::Treatment::Adopt);
        if !passed.is_empty() && !any_adopted {
            statements.push(statement(
                "PassRolesToTheirInstanceProfiles",
                &["iam:PassRole"],
                passed,
                None,
            ));
        }
    }

    adoption_statements(plan, scope, &statements.clone(), &mut statements);

    statements.push(Statement {
        wizard_only: true,
        ..statement(
            "OnlyForTheWizardsBucketList",
            &BUCKET_LIST_ACTIONS.map(Action::permission),
            vec!["*".to_owned()],
            None,
        )
    });
    statements.push(Statement {
        optional: true,
        ..statement(
            "OptionalQuotasAndPolicyValidation",
            &OPTIONAL_ACTIONS.map(Action::permission),
            vec!["*".to_owned()],
            None,
        )
    });
    statements
}

/// The statements that change roles: the changes every role may need; its
/// creation, with its planned boundary or without one; and attaching
/// exactly the planned policies.
fn role_statements(
    plan: &Plan,
    roles: &[&Resource],
    scope: Scope,
    statements: &mut Vec<Statement>,
) {
    // A role planned without a boundary is created plainly, and an owned
    // one that has a boundary loses it; a role planned with one may only be
    // created, or given a boundary, with exactly that one
    // (`iam:PermissionsBoundary` is the boundary the request sets).
    let mut by_boundary: BTreeMap<Option<&str>, Vec<&Resource>> = BTreeMap::new();
    for r in roles {
        by_boundary.entry(boundary(r)).or_default().push(r);
    }
    let unbounded_only = by_boundary.keys().all(Option::is_none);
    let mut changes: Vec<&'static str> = ROLE_CHANGES.map(Action::permission).to_vec();
    if roles.iter().any(|r| has_inline(r)) {
        changes.push(Action::PutRolePolicy.permission());
    }
    if unbounded_only {
        changes.extend([
            Action::CreateRole.permission(),
            Action::DeleteRolePermissionsBoundary.permission(),
        ]);
    }
    statements.push(statement(
        "ChangeRoles",
        &changes,
        resources(roles, scope),
        None,
    ));
    if !unbounded_only {
        let bounded = by_boundary.keys().filter(|b| b.is_some()).count();
        for (index, (boundary, group)) in by_boundary.iter().enumerate() {
            let arns = resources(group, scope);
            match boundary {
                None => statements.push(statement(
                    "CreateRolesWithoutABoundary",
                    &[
                        Action::CreateRole.permission(),
                        Action::DeleteRolePermissionsBoundary.permission(),
                    ],
                    arns,
                    None,
                )),
                Some(arn) => {
                    let sid = if bounded == 1 {
                        "CreateRolesOnlyWithTheBoundary".to_owned()
                    } else {
                        format!("CreateRolesOnlyWithBoundary{index}")
                    };
                    statements.push(statement(
                        &sid,
                        &[
                            Action::CreateRole.permission(),
                            Action::PutRolePermissionsBoundary.permission(),
                        ],
                        arns,
                        Some(Condition {
                            operator: "StringEquals",
                            key: "iam:PermissionsBoundary",
                            values: vec![(*arn).to_owned()],
                        }),
                    ));
                }
            }
        }
    }
    // One list for all roles (a role may be given any planned policy):
    // per-role statements would repeat every role's ARN once more. An
    // adopted role may be given any policy (see `adoption_statements`).
    let attaching: Vec<&Resource> = roles
        .iter()
        .copied()
        .filter(|r| !attached(r).is_empty())
        .filter(|r| plan.existing.treatment(r) != super::existing::Treatment::Adopt)
        .collect();
    let policies: BTreeSet<&str> = attaching
        .iter()
        .flat_map(|r| attached(r))
        .map(String::as_str)
        .collect();
    if !attaching.is_empty() {
        statements.push(statement(
            "AttachOnlyThePlannedPolicies",
            &[Action::AttachRolePolicy.permission()],
            resources(&attaching, scope),
            Some(Condition {
                operator: "ArnEquals",
                key: "iam:PolicyARN",
                values: policies.into_iter().map(str::to_owned).collect(),
            }),
        ));
    }
}

/// The statements that put adopted entities back as they were, on the
/// adopted entities only, and only when the answers adopt any. What they
/// grant beyond the plan is the price of adoption, and the README says so:
/// any managed policy may be attached to an adopted role and any boundary
/// set on it (destroy gives back whatever it had), and any role of the
/// account may be passed to an adopted instance profile (destroy puts back
/// the role it held, which the plan does not name). Actions the other
/// statements already grant on those entities are left out.
fn adoption_statements(
    plan: &Plan,
    scope: Scope,
    granted: &[Statement],
    statements: &mut Vec<Statement>,
) {
    use super::existing::Treatment;
    let adopted = |kind: fn(&Spec) -> bool| -> Vec<&Resource> {
        of_kind(plan, kind)
            .into_iter()
            .filter(|r| plan.existing.treatment(r) == Treatment::Adopt)
            .collect()
    };
    // An action already granted without a condition on every one of these
    // entities needs no second grant.
    let unconditional = |action: &str, arns: &[String]| {
        granted.iter().any(|s| {
            s.condition.is_none()
                && s.actions.contains(&action)
                && arns.iter().all(|a| s.resources.contains(a))
        })
    };
    let mut add = |sid: &str, actions: &[Action], entities: &[&Resource]| {
        if entities.is_empty() {
            return;
        }
        let arns = resources(entities, scope);
        let needed: Vec<&'static str> = actions
            .iter()
            .map(|a| a.permission())
            .filter(|a| !unconditional(a, &arns))
            .collect();
        if !needed.is_empty() {
            statements.push(statement(sid, &needed, arns, None));
        }
    };
    let roles = adopted(|s| matches!(s, Spec::Role(_)));
    let policies = adopted(|s| matches!(s, Spec::ManagedPolicy(_)));
    let profiles = adopted(|s| matches!(s, Spec::InstanceProfile(_)));
    add("PutAdoptedRolesBackAsTheyWere", &ROLE_RESTORE, &roles);
    add(
        "PutAdoptedPoliciesBackAsTheyWere",
        &POLICY_RESTORE,
        &policies,
    );
    add(
        "PutAdoptedProfilesBackAsTheyWere",
        &PROFILE_RESTORE,
        &profiles,
    );
    if let Some(profile) = profiles.first() {
        let account_roles = profile
            .arn
            .parse::<Arn>()
            .map(|a| format!("arn:{}:iam::{}:role/*", a.partition, a.account))
            .unwrap_or_else(|_| "*".to_owned());
        statements.push(statement(
            "PassTheirOwnRoleBackToAdoptedProfiles",
            &["iam:PassRole"],
            vec![account_roles],
            None,
        ));
    }
}

/// The statements of service-linked roles, always at their exact ARNs
/// (there is one per service and account, so no fallback is needed).
fn service_linked_statements(linked: &[&Resource], statements: &mut Vec<Statement>) {
    let exact: Vec<String> = linked.iter().map(|r| r.arn.clone()).collect();
    // Read by name like any role: someone else's role of that name at
    // another path is then reported as a conflict, not as access denied.
    let reads = by_name(linked, Scope::Exact);
    let services: BTreeSet<String> = linked
        .iter()
        .filter_map(|r| match &r.spec {
            Spec::ServiceLinkedRole(linked) => Some(linked.service.clone()),
            _ => None,
        })
        .collect();
    statements.push(statement(
        "ReadServiceLinkedRoles",
        &SERVICE_LINKED_READS.map(Action::permission),
        reads,
        None,
    ));
    statements.push(statement(
        "FindServiceLinkedRolesWhateverTheCase",
        &SERVICE_LINKED_FIND.map(Action::permission),
        vec!["*".to_owned()],
        None,
    ));
    statements.push(statement(
        "CreateServiceLinkedRolesForTheirServiceOnly",
        &SERVICE_LINKED_CREATE.map(Action::permission),
        exact.clone(),
        Some(Condition {
            operator: "StringEquals",
            key: "iam:AWSServiceName",
            values: services.into_iter().collect(),
        }),
    ));
    statements.push(statement(
        "DeleteServiceLinkedRoles",
        &SERVICE_LINKED_DELETE.map(Action::permission),
        exact,
        None,
    ));
}

fn attached(role: &Resource) -> &[String] {
    role.role().map_or(&[], |r| &r.managed_policy_arns)
}

fn of_kind(plan: &Plan, kind: fn(&Spec) -> bool) -> Vec<&Resource> {
    plan.resources.iter().filter(|r| kind(&r.spec)).collect()
}

fn boundary(role: &Resource) -> Option<&str> {
    role.role().and_then(RoleSpec::boundary)
}

fn has_inline(role: &Resource) -> bool {
    role.role().is_some_and(|r| !r.inline_policies.is_empty())
}

/// An `Allow` statement that the headless commands need too and onramp
/// cannot do without (neither `wizard_only` nor `optional`).
fn statement(
    sid: &str,
    actions: &[&'static str],
    resources: Vec<String>,
    condition: Option<Condition>,
) -> Statement {
    Statement {
        sid: sid.to_owned(),
        actions: actions.to_vec(),
        resources,
        condition,
        wizard_only: false,
        optional: false,
    }
}

/// The `Resource` list for planned entities of one kind, in plan order.
fn resources(entities: &[&Resource], scope: Scope) -> Vec<String> {
    match scope {
        Scope::Exact => entities.iter().map(|r| r.arn.clone()).collect(),
        Scope::PathWildcard => {
            let mut out: Vec<String> = Vec::new();
            // Per path (a plan has one, but nothing here relies on it).
            let mut by_path: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
            for r in entities {
                by_path.entry(r.path.as_str()).or_default().push(r);
            }
            for group in by_path.values() {
                let prefix = common_prefix(group.iter().map(|r| r.name.as_str()));
                for r in group {
                    let arn = match r.arn.parse::<Arn>() {
                        // A lone entity needs no wildcard.
                        Ok(arn) if group.len() > 1 => {
                            arn.renamed(&r.path, &format!("{prefix}*")).to_string()
                        }
                        _ => r.arn.clone(),
                    };
                    if !out.contains(&arn) {
                        out.push(arn);
                    }
                }
            }
            out
        }
    }
}

fn common_prefix<'a>(mut names: impl Iterator<Item = &'a str>) -> &'a str {
    let Some(first) = names.next() else {
        return "";
    };
    names.fold(first, |prefix, name| {
        let len = prefix
            .char_indices()
            .zip(name.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8());
        &prefix[..len]
    })
}

/// The ARNs of the entities' names at the root path (`arn:…:role/NAME`) and
/// at any other (`arn:…:role/*/NAME`, which `*` lets cross `/`); or, as a
/// fallback, the same with a wildcard of the names' common prefix.
fn by_name(entities: &[&Resource], scope: Scope) -> Vec<String> {
    let named: Vec<(&Resource, Arn)> = entities
        .iter()
        .filter_map(|r| Some((*r, r.arn.parse().ok()?)))
        .collect();
    let prefix = common_prefix(named.iter().map(|(r, _)| r.name.as_str()));
    let mut out: Vec<String> = Vec::new();
    for (r, arn) in &named {
        let name = match scope {
            Scope::PathWildcard if named.len() > 1 => format!("{prefix}*"),
            _ => r.name.clone(),
        };
        for arn in [arn.renamed("/", &name), arn.renamed("/*/", &name)].map(|a| a.to_string()) {
            if !out.contains(&arn) {
                out.push(arn);
            }
        }
    }
    out
}

/// The ARNs of the roles the instance profiles are planned to hold, always
/// exact (passing a role is what lets it reach an instance): a planned
/// role's own, or for a role outside the plan, its name at the profile's
/// path.
fn held_roles(plan: &Plan, profiles: &[&Resource]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for profile in profiles {
        let Spec::InstanceProfile(InstanceProfileSpec { roles }) = &profile.spec else {
            continue;
        };
        for name in roles {
            let role = plan
                .resources
                .iter()
                .find(|r| r.role().is_some() && r.name.eq_ignore_ascii_case(name));
            let arn = role.map(|r| r.arn.clone()).or_else(|| {
                let p: Arn = profile.arn.parse().ok()?;
                Some(Arn::role(&p.partition, &p.account, &profile.path, name).to_string())
            });
            if let Some(arn) = arn.filter(|a| !out.contains(a)) {
                out.push(arn);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::plan::plan_of_valid_toml as plan_of;

    fn sids(doc: &Value) -> Vec<&str> {
        doc["Statement"]
            .as_array()
            .map(|s| s.iter().filter_map(|s| s["Sid"].as_str()).collect())
            .unwrap_or_default()
    }

    fn find<'a>(doc: &'a Value, sid: &str) -> &'a Value {
        doc["Statement"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["Sid"] == sid))
            .unwrap_or(&Value::Null)
    }

    const GENOMICS: &str = "region = \"us-east-1\"\naccount_id = \"123456789012\"\n[genomics]\nbuckets = [\"b-data\"]\nspot = false\njob_role = false\n";

    #[test]
    fn a_plan_at_the_root_path_without_a_boundary() {
        let doc = document(&plan_of(GENOMICS));
        assert_eq!(doc["Version"], "2012-10-17");
        assert_eq!(
            sids(&doc),
            [
                "ManagedPolicies",
                "ReadByNameAtAnyPath",
                "ChangeRoles",
                "AttachOnlyThePlannedPolicies",
                "ChangeInstanceProfiles",
                "PassRolesToTheirInstanceProfiles",
                "OnlyForTheWizardsBucketList",
                "OptionalQuotasAndPolicyValidation"
            ]
        );
        let optional = find(&doc, "OptionalQuotasAndPolicyValidation");
        assert_eq!(
            optional["Action"],
            json!(["iam:GetAccountSummary", "access-analyzer:ValidatePolicy"])
        );
        assert_eq!(optional["Resource"], "*");
        let actions = find(&doc, "ChangeRoles")["Action"].to_string();
        assert!(actions.contains("\"iam:CreateRole\""), "{actions}");
        assert!(actions.contains("\"iam:DeleteRolePermissionsBoundary\""));
        assert!(!actions.contains("PutRolePolicy") && !actions.contains("PutRolePermissions"));
        assert_eq!(
            find(&doc, "PassRolesToTheirInstanceProfiles")["Resource"],
            json!(["arn:aws:iam::123456789012:role/ecsInstanceRole"])
        );
    }

    #[test]
    fn no_profile_statements_without_a_profile() {
        let mut plan = plan_of(GENOMICS);
        plan.resources
            .retain(|r| !matches!(r.spec, Spec::InstanceProfile(_)));
        let doc = document(&plan);
        assert!(!sids(&doc).contains(&"ChangeInstanceProfiles"));
        assert!(!doc.to_string().contains("PassRole"));
        assert!(!doc.to_string().contains("InstanceProfile"));
    }

    #[test]
    fn inline_policies_add_put_role_policy() {
        let mut plan = plan_of(GENOMICS);
        assert!(!document(&plan).to_string().contains("iam:PutRolePolicy"));
        if let Some(role) = plan.resources.iter_mut().find_map(Resource::role_mut) {
            role.inline_policies.insert("extra".into(), json!({}));
        }
        assert!(document(&plan).to_string().contains("iam:PutRolePolicy"));
    }

    #[test]
    fn a_boundary_conditions_role_creation() {
        let doc = document(&plan_of(&format!(
            "permissions_boundary = \"arn:aws:iam::123456789012:policy/b\"\n{GENOMICS}"
        )));
        let bounded = find(&doc, "CreateRolesOnlyWithTheBoundary");
        assert_eq!(
            bounded["Condition"],
            json!({"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/b"}})
        );
        assert_eq!(
            bounded["Action"],
            json!(["iam:CreateRole", "iam:PutRolePermissionsBoundary"])
        );
        let roles = find(&doc, "ChangeRoles")["Action"].to_string();
        assert!(!roles.contains("CreateRole") && !roles.contains("RolePermissionsBoundary"));
    }

    #[test]
    fn roles_with_and_without_a_boundary_get_a_statement_each() {
        let mut plan = plan_of(&format!(
            "permissions_boundary = \"arn:aws:iam::123456789012:policy/b\"\n{GENOMICS}"
        ));
        if let Some(role) = plan.resources.iter_mut().find_map(Resource::role_mut) {
            role.permissions_boundary = None;
        }
        let doc = document(&plan);
        let ids = sids(&doc);
        assert!(ids.contains(&"CreateRolesWithoutABoundary"), "{ids:?}");
        assert!(ids.contains(&"CreateRolesOnlyWithTheBoundary"), "{ids:?}");
    }

    #[test]
    fn names_are_read_at_any_path_and_changed_at_the_plans() {
        let doc = document(&plan_of(&format!("path = \"/p/\"\n{GENOMICS}")));
        assert_eq!(
            find(&doc, "ReadByNameAtAnyPath")["Resource"],
            json!([
                "arn:aws:iam::123456789012:role/AWSBatchServiceRole",
                "arn:aws:iam::123456789012:role/*/AWSBatchServiceRole",
                "arn:aws:iam::123456789012:role/ecsInstanceRole",
                "arn:aws:iam::123456789012:role/*/ecsInstanceRole",
                "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole",
                "arn:aws:iam::123456789012:instance-profile/*/ecsInstanceRole"
            ])
        );
        assert_eq!(
            find(&doc, "ChangeRoles")["Resource"],
            json!([
                "arn:aws:iam::123456789012:role/p/AWSBatchServiceRole",
                "arn:aws:iam::123456789012:role/p/ecsInstanceRole"
            ])
        );
        assert_eq!(
            find(&doc, "PassRolesToTheirInstanceProfiles")["Resource"],
            json!(["arn:aws:iam::123456789012:role/p/ecsInstanceRole"])
        );
    }

    #[test]
    fn too_large_a_plan_falls_back_to_path_wildcards() {
        let mut plan = plan_of(&format!(
            "path = \"/p/\"\nname_prefix = \"lab-\"\n{GENOMICS}"
        ));
        let role = plan
            .resources
            .iter()
            .find(|r| r.role().is_some())
            .cloned()
            .unwrap_or_else(|| unreachable!());
        for i in 0..100 {
            let mut extra = role.clone();
            extra.name = format!("lab-Extra{i}");
            extra.arn = Arn::role("aws", "123456789012", "/p/", &extra.name).to_string();
            plan.resources.push(extra);
        }
        assert!(policy_size(&to_document(&build(&plan, Scope::Exact))) > MANAGED_POLICY_SIZE);
        let doc = document(&plan);
        assert_eq!(
            find(&doc, "ChangeRoles")["Resource"],
            json!(["arn:aws:iam::123456789012:role/p/lab-*"])
        );
        assert_eq!(
            find(&doc, "ReadByNameAtAnyPath")["Resource"],
            json!([
                "arn:aws:iam::123456789012:role/lab-*",
                "arn:aws:iam::123456789012:role/*/lab-*",
                "arn:aws:iam::123456789012:instance-profile/lab-ecsInstanceRole",
                "arn:aws:iam::123456789012:instance-profile/*/lab-ecsInstanceRole"
            ])
        );
        assert!(render(&plan).is_ok());
    }

    #[test]
    fn common_prefixes() {
        assert_eq!(
            common_prefix(["lab-a", "lab-b", "lab-"].into_iter()),
            "lab-"
        );
        assert_eq!(common_prefix(["a", "b"].into_iter()), "");
        assert_eq!(common_prefix(std::iter::empty()), "");
        assert_eq!(common_prefix(["same"].into_iter()), "same");
        assert_eq!(common_prefix(["é1", "é2"].into_iter()), "é");
    }
}
