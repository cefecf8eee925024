//! The policy simulator (`SimulatePrincipalPolicy`): for the caller, what
//! [`MemoryCloud::deny`] says; for a role of the account, its own documents
//! evaluated by [`crate::iam::eval`].

use serde_json::Value;

use super::errors::error;
use super::policies::PolicyRef;
use super::{MemoryCloud, State, key};
use crate::cloud::{CloudResult, ContextEntry, Decision, ErrorKind, SimulationResult};
use crate::iam::action::Action;
use crate::iam::arn::Arn;

impl State {
    /// The permission documents of the role `arn` of this account (inline,
    /// then each attached policy's default version), or `None` when `arn`
    /// names no role here.
    pub(super) fn role_documents(&self, arn: &str) -> Option<Vec<Value>> {
        let role = self
            .roles
            .values()
            .find(|r| self.role_arn(&r.path, &r.name) == arn)?;
        let mut documents: Vec<Value> = role.inline.values().cloned().collect();
        for policy in &role.attached {
            let version = match self.resolve(Action::SimulatePrincipalPolicy, policy) {
                Ok(Some(PolicyRef::Customer(k))) => self
                    .policies
                    .get(&k)
                    .and_then(|p| p.versions.get(&p.default_version))
                    .cloned(),
                Ok(Some(PolicyRef::Aws(_))) => {
                    crate::iam::managed::lookup(policy).map(|p| p.document)
                }
                _ => None,
            };
            documents.extend(version);
        }
        Some(documents)
    }
}

impl MemoryCloud {
    /// Whether `arn` is a principal the simulator knows: the caller, or
    /// for an assumed-role session the role it assumed (by its full ARN,
    /// path included, as IAM wants it).
    fn simulates(&self, state: &State, arn: &str) -> bool {
        if arn == self.caller_arn {
            return true;
        }
        let caller = self.caller_arn.parse::<Arn>().ok();
        // `assumed-role/NAME/SESSION`: the role is the part after the type.
        let session_role = caller
            .as_ref()
            .filter(|caller| caller.resource_type() == "assumed-role")
            .and_then(|caller| caller.resource.split('/').nth(1));
        session_role
            .and_then(|name| state.roles.get(&key(name)))
            .is_some_and(|role| state.role_arn(&role.path, &role.name) == arn)
    }

    /// The caller is decided by [`MemoryCloud::deny`] alone (conditions and
    /// resources play no part). A role of the account is decided by its own
    /// documents, evaluated as IAM does, with [`MemoryCloud::deny`] standing
    /// in for what else can refuse (a boundary, an organisation's SCP).
    pub(super) fn simulate(
        &self,
        source_arn: &str,
        actions: &[String],
        resources: &[String],
        context: &[ContextEntry],
    ) -> CloudResult<Vec<SimulationResult>> {
        const ACTION: Action = Action::SimulatePrincipalPolicy;
        let state = self.state();
        if actions.is_empty() {
            return Err(error(
                ACTION,
                ErrorKind::InvalidInput,
                "ActionNames must name at least one action",
            ));
        }
        if !self.simulates(&state, source_arn) {
            if let Some(documents) = state.role_documents(source_arn) {
                return Ok(simulate_role(
                    &state, &documents, actions, resources, context,
                ));
            }
            return Err(error(
                ACTION,
                ErrorKind::NoSuchEntity,
                format!("the principal `{source_arn}` does not exist"),
            ));
        }
        let any = ["*".to_owned()];
        let resources = if resources.is_empty() {
            &any[..]
        } else {
            resources
        };
        Ok(actions
            .iter()
            .flat_map(|action| {
                let decision = if state.denied.contains(&action.to_lowercase()) {
                    Decision::ImplicitDeny
                } else {
                    Decision::Allowed
                };
                resources.iter().map(move |resource| SimulationResult {
                    action: action.clone(),
                    resource: resource.clone(),
                    decision,
                    missing_context: Vec::new(),
                })
            })
            .collect())
    }
}

/// The policy simulator's answer for a role whose permission documents are
/// `documents`.
fn simulate_role(
    state: &State,
    documents: &[Value],
    actions: &[String],
    resources: &[String],
    context: &[ContextEntry],
) -> Vec<SimulationResult> {
    use crate::iam::eval::{self, Request};
    use crate::iam::policy::Document;
    let parsed: Vec<Document> = documents.iter().map(Document::parse).collect();
    let parsed: Vec<&Document> = parsed.iter().collect();
    let any = ["*".to_owned()];
    let resources = if resources.is_empty() {
        &any[..]
    } else {
        resources
    };
    let mut out = Vec::new();
    for action in actions {
        for resource in resources {
            let mut request = Request::new(action.clone(), resource.clone());
            for entry in context {
                request = request.with_context(entry.key.clone(), entry.values.clone());
            }
            let decision = if state.denied.contains(&action.to_lowercase()) {
                Decision::ImplicitDeny
            } else {
                match eval::evaluate(&parsed, &request) {
                    eval::Decision::Allowed { .. } => Decision::Allowed,
                    eval::Decision::ExplicitDeny { .. } => Decision::ExplicitDeny,
                    eval::Decision::ImplicitDeny => Decision::ImplicitDeny,
                }
            };
            out.push(SimulationResult {
                action: action.clone(),
                resource: resource.clone(),
                decision,
                missing_context: Vec::new(),
            });
        }
    }
    out
}
