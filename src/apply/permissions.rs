//! The permission preflight's pure part: which simulations to ask IAM for,
//! whose policies to simulate, and what the answers add up to.
//!
//! What is checked is the admin policy (`export --format admin-policy`),
//! statement by statement: the policy onramp tells an administrator to
//! grant and the permissions it checks are one list, so they cannot drift
//! apart. A statement becomes one `SimulatePrincipalPolicy` call for its
//! actions × resources; a statement with a condition becomes one call per
//! allowed value, with the condition key set to that value (a real
//! `AttachRolePolicy` carries one `iam:PolicyARN`, and a list-valued
//! context key would be evaluated under different rules).
//!
//! The simulation is advice, never a gate: it leaves out session policies
//! and some organization policies, and an operator may hold permissions
//! broader than the plan's ARNs. A miss is worth a warning; the apply
//! itself still stops at the first call IAM denies, with the journal.
//!
//! No I/O: `apply::preflight` makes the calls.

use crate::cloud::{ContextEntry, Decision, SimulationResult};
use crate::iam::arn::Arn;
use crate::plan::Plan;
use crate::plan::admin_policy::{self, Statement};

/// Who is about to act, which decides what they need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The wizard, which also lists the account's buckets.
    Wizard,
    /// `onramp apply`, which never calls S3.
    Headless,
}

/// One `SimulatePrincipalPolicy` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The admin policy statement it checks.
    pub sid: String,
    pub actions: Vec<String>,
    /// ARNs, some with wildcards (simulated as written); empty for any
    /// resource (`*`).
    pub resources: Vec<String>,
    /// The statement's condition key, set to one of its values.
    pub context: Vec<ContextEntry>,
}

impl Check {
    /// How many (action, resource) decisions it asks for.
    pub fn pairs(&self) -> usize {
        self.actions.len() * self.resources.len().max(1)
    }
}

/// The simulations that cover the admin policy of `plan`, but for its
/// optional statement: onramp works without those reads and says so where
/// it goes without them.
pub fn checks(plan: &Plan, audience: Audience) -> Vec<Check> {
    admin_policy::statements(plan)
        .iter()
        .filter(|s| !s.optional)
        .filter(|s| audience == Audience::Wizard || !s.wizard_only)
        .flat_map(checks_of)
        .collect()
}

fn checks_of(statement: &Statement) -> Vec<Check> {
    let resources = match statement.resources.as_slice() {
        [any] if any == "*" => Vec::new(),
        arns => arns.to_vec(),
    };
    let check = |context: Vec<ContextEntry>| Check {
        sid: statement.sid.clone(),
        actions: statement.actions.iter().map(|a| (*a).to_owned()).collect(),
        resources: resources.clone(),
        context,
    };
    match &statement.condition {
        None => vec![check(Vec::new())],
        Some(condition) => condition
            .values
            .iter()
            .map(|value| {
                check(vec![ContextEntry {
                    key: condition.key.to_owned(),
                    values: vec![value.clone()],
                }])
            })
            .collect(),
    }
}

/// Whose policies to simulate, from the caller's ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An IAM user or role (or group), simulated by its own ARN.
    Entity(String),
    /// An assumed-role session (`arn:…:sts::…:assumed-role/NAME/SESSION`):
    /// the simulator wants the role's ARN, whose path the session ARN
    /// leaves out, so it is read with `GetRole(role_name)`; `fallback_arn`
    /// is the role at the root path, for when it cannot be read.
    Session {
        role_name: String,
        fallback_arn: String,
    },
    /// The account's root user, whom IAM policies do not restrict.
    Root,
    /// A caller the simulator cannot take (a federated user, …): why.
    Unsupported(String),
}

/// Whose policies to simulate for a caller.
pub fn principal(caller_arn: &str) -> Principal {
    let unsupported = || {
        Principal::Unsupported(format!(
            "the caller `{caller_arn}` is not an IAM user or role, which is all the policy simulator takes"
        ))
    };
    let Ok(arn) = caller_arn.parse::<Arn>() else {
        return unsupported();
    };
    let resource = arn.resource.as_str();
    match arn.service.as_str() {
        "iam" if resource == "root" => Principal::Root,
        "iam"
            if ["user/", "role/", "group/"]
                .iter()
                .any(|kind| resource.starts_with(kind)) =>
        {
            Principal::Entity(caller_arn.to_owned())
        }
        "sts" => match resource.strip_prefix("assumed-role/") {
            Some(rest) => match rest.split_once('/') {
                Some((name, _session)) if !name.is_empty() => Principal::Session {
                    role_name: name.to_owned(),
                    fallback_arn: Arn::role(&arn.partition, &arn.account, "/", name).to_string(),
                },
                _ => unsupported(),
            },
            None if resource.starts_with("federated-user/") => Principal::Unsupported(
                "a federated user's session cannot be simulated (only IAM users and roles can)"
                    .into(),
            ),
            None => unsupported(),
        },
        _ => unsupported(),
    }
}

/// What the preflight found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every simulated (action, resource) was allowed.
    Allowed { checked: usize },
    /// Some were not.
    Missing { checked: usize, denied: Vec<Denied> },
    /// The root user may do everything: nothing to check.
    Root,
    /// The check itself could not be made: why.
    Unchecked(String),
}

/// One (action, resource) the caller's policies do not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub action: String,
    pub resource: String,
    /// A `Deny` statement matched (rather than nothing allowing it).
    pub explicit: bool,
    /// The condition key the request carried, if any.
    pub context: Vec<ContextEntry>,
}

impl Denied {
    /// `iam:CreateRole on arn:…`, for messages.
    pub fn describe(&self) -> String {
        let mut text = format!("{} on {}", self.action, self.resource);
        for c in &self.context {
            text.push_str(&format!(" with {} {}", c.key, c.values.join(", ")));
        }
        if self.explicit {
            text.push_str(" (explicitly denied)");
        }
        text
    }
}

/// Adds up the answers to `checks` (one list of results per check, in
/// order): every decision counts as one check, and each one not allowed
/// is listed, in the order asked.
pub fn outcome(checks: &[Check], results: &[Vec<SimulationResult>]) -> Outcome {
    let mut checked = 0;
    let mut denied = Vec::new();
    for (check, results) in checks.iter().zip(results) {
        for r in results {
            checked += 1;
            if r.decision != Decision::Allowed {
                denied.push(Denied {
                    action: r.action.clone(),
                    resource: r.resource.clone(),
                    explicit: r.decision == Decision::ExplicitDeny,
                    context: check.context.clone(),
                });
            }
        }
    }
    if denied.is_empty() {
        Outcome::Allowed { checked }
    } else {
        Outcome::Missing { checked, denied }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    use crate::plan::plan_of_valid_toml as plan_of;

    const GENOMICS: &str = "region = \"us-east-1\"\naccount_id = \"123456789012\"\n[genomics]\nbuckets = [\"b-data\"]\nspot = false\njob_role = false\n";

    fn strings(value: &Value) -> Vec<String> {
        crate::iam::policy::string_or_list(value).unwrap_or_default()
    }

    /// An action on a resource, with a condition key and its value.
    type Asked = (String, String, Option<(String, String)>);

    /// Every (action, resource, condition value) the admin policy allows is
    /// asked about by exactly one check, and nothing else is, but for the
    /// optional statement, which is not checked at all.
    #[test]
    fn the_checks_cover_the_admin_policy_exactly() {
        let plan = plan_of(&format!(
            "permissions_boundary = \"arn:aws:iam::123456789012:policy/b\"\n{GENOMICS}"
        ));
        let document = admin_policy::document(&plan);
        let mut expected: Vec<Asked> = Vec::new();
        let mut optional = 0;
        for s in document["Statement"].as_array().into_iter().flatten() {
            if s["Sid"]
                .as_str()
                .is_some_and(|sid| sid.starts_with("Optional"))
            {
                optional += 1;
                continue;
            }
            let conditions: Vec<Option<(String, String)>> = match s["Condition"].as_object() {
                None => vec![None],
                Some(ops) => ops
                    .values()
                    .flat_map(|keys| keys.as_object().into_iter().flatten())
                    .flat_map(|(k, v)| strings(v).into_iter().map(|v| Some((k.clone(), v))))
                    .collect(),
            };
            for action in strings(&s["Action"]) {
                for resource in strings(&s["Resource"]) {
                    for c in &conditions {
                        expected.push((action.clone(), resource.clone(), c.clone()));
                    }
                }
            }
        }
        let mut asked: Vec<Asked> = Vec::new();
        let checks = checks(&plan, Audience::Wizard);
        for check in &checks {
            let context = check
                .context
                .first()
                .map(|c| (c.key.clone(), c.values.join(",")));
            let resources = if check.resources.is_empty() {
                vec!["*".to_owned()]
            } else {
                check.resources.clone()
            };
            for action in &check.actions {
                for resource in &resources {
                    asked.push((action.clone(), resource.clone(), context.clone()));
                }
            }
        }
        assert_eq!(optional, 1, "one optional statement");
        assert!(checks.iter().all(|c| !c.sid.starts_with("Optional")));
        expected.sort();
        asked.sort();
        assert_eq!(asked, expected);
        assert!(asked.len() > 40, "{}", asked.len());
        assert_eq!(
            checks.iter().map(Check::pairs).sum::<usize>(),
            expected.len()
        );
        // The conditions that matter carry the plan's values.
        assert!(expected.iter().any(|(a, _, c)| {
            a == "iam:CreateRole"
                && c.as_ref().is_some_and(|(k, v)| {
                    k == "iam:PermissionsBoundary" && v == "arn:aws:iam::123456789012:policy/b"
                })
        }));
        assert!(expected.iter().any(|(a, _, c)| a == "iam:AttachRolePolicy"
            && c.as_ref().is_some_and(|(k, _)| k == "iam:PolicyARN")));
    }

    #[test]
    fn one_check_per_statement_and_per_condition_value() {
        let plan = plan_of(GENOMICS);
        let statements = admin_policy::statements(&plan);
        let attach = statements
            .iter()
            .find(|s| s.sid == "AttachOnlyThePlannedPolicies")
            .and_then(|s| s.condition.clone())
            .unwrap_or_else(|| unreachable!());
        assert!(attach.values.len() >= 2, "{attach:?}");
        let checks = checks(&plan, Audience::Wizard);
        let attaching: Vec<&Check> = checks
            .iter()
            .filter(|c| c.sid == "AttachOnlyThePlannedPolicies")
            .collect();
        assert_eq!(attaching.len(), attach.values.len());
        for (check, value) in attaching.iter().zip(&attach.values) {
            assert_eq!(
                check.context,
                [ContextEntry {
                    key: "iam:PolicyARN".into(),
                    values: vec![value.clone()],
                }]
            );
            assert_eq!(check.actions, ["iam:AttachRolePolicy"]);
        }
        let unconditioned = statements
            .iter()
            .filter(|s| s.condition.is_none() && !s.optional)
            .count();
        assert_eq!(checks.len(), unconditioned + attach.values.len());
        assert!(
            checks
                .iter()
                .filter(|c| c.sid != "AttachOnlyThePlannedPolicies")
                .all(|c| c.context.is_empty())
        );
    }

    #[test]
    fn the_headless_commands_skip_the_wizards_bucket_list() {
        let plan = plan_of(GENOMICS);
        let wizard = checks(&plan, Audience::Wizard);
        let headless = checks(&plan, Audience::Headless);
        let bucket_list = wizard
            .iter()
            .find(|c| c.actions.contains(&"s3:ListAllMyBuckets".to_owned()))
            .unwrap_or_else(|| unreachable!());
        assert!(
            bucket_list.resources.is_empty(),
            "any resource: {bucket_list:?}"
        );
        assert_eq!(headless.len(), wizard.len() - 1);
        assert!(
            headless
                .iter()
                .all(|c| c.actions.iter().all(|a| a.starts_with("iam:")))
        );
    }

    #[test]
    fn principals_from_caller_arns() {
        assert_eq!(
            principal("arn:aws:iam::123456789012:user/ops/alice"),
            Principal::Entity("arn:aws:iam::123456789012:user/ops/alice".into())
        );
        assert_eq!(
            principal("arn:aws:iam::123456789012:role/Admin"),
            Principal::Entity("arn:aws:iam::123456789012:role/Admin".into())
        );
        assert_eq!(
            principal("arn:aws-cn:sts::123456789012:assumed-role/Admin/alice@example.com"),
            Principal::Session {
                role_name: "Admin".into(),
                fallback_arn: "arn:aws-cn:iam::123456789012:role/Admin".into(),
            }
        );
        assert_eq!(principal("arn:aws:iam::123456789012:root"), Principal::Root);
        let Principal::Unsupported(why) = principal("arn:aws:sts::123456789012:federated-user/bob")
        else {
            unreachable!()
        };
        assert!(why.contains("federated user"), "{why}");
        for odd in [
            "",
            "not an arn",
            "arn:aws:sts::123456789012:assumed-role/",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:instance-profile/x",
        ] {
            assert!(matches!(principal(odd), Principal::Unsupported(_)), "{odd}");
        }
    }

    fn result(action: &str, resource: &str, decision: Decision) -> SimulationResult {
        SimulationResult {
            action: action.into(),
            resource: resource.into(),
            decision,
            missing_context: Vec::new(),
        }
    }

    #[test]
    fn outcomes_count_every_decision_and_list_the_denied_ones() {
        let checks = vec![
            Check {
                sid: "A".into(),
                actions: vec!["iam:GetRole".into(), "iam:CreateRole".into()],
                resources: vec!["arn:r".into()],
                context: Vec::new(),
            },
            Check {
                sid: "B".into(),
                actions: vec!["iam:AttachRolePolicy".into()],
                resources: vec!["arn:r".into()],
                context: vec![ContextEntry {
                    key: "iam:PolicyARN".into(),
                    values: vec!["arn:p".into()],
                }],
            },
        ];
        let allowed = vec![
            vec![
                result("iam:GetRole", "arn:r", Decision::Allowed),
                result("iam:CreateRole", "arn:r", Decision::Allowed),
            ],
            vec![result("iam:AttachRolePolicy", "arn:r", Decision::Allowed)],
        ];
        assert_eq!(outcome(&checks, &allowed), Outcome::Allowed { checked: 3 });
        let denied = vec![
            vec![
                result("iam:GetRole", "arn:r", Decision::Allowed),
                result("iam:CreateRole", "arn:r", Decision::ImplicitDeny),
            ],
            vec![result(
                "iam:AttachRolePolicy",
                "arn:r",
                Decision::ExplicitDeny,
            )],
        ];
        let Outcome::Missing { checked, denied } = outcome(&checks, &denied) else {
            unreachable!()
        };
        assert_eq!(checked, 3);
        let described: Vec<String> = denied.iter().map(Denied::describe).collect();
        assert_eq!(
            described,
            [
                "iam:CreateRole on arn:r",
                "iam:AttachRolePolicy on arn:r with iam:PolicyARN arn:p (explicitly denied)"
            ]
        );
    }
}
