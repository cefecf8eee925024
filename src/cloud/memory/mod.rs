//! An in-memory AWS account that behaves like IAM for everything onramp asks
//! of it: the same entities, ARNs, limits and errors (`EntityAlreadyExists`,
//! `NoSuchEntity`, `LimitExceeded`, `MalformedPolicyDocument`,
//! `DeleteConflict`, `InvalidInput`). `onramp --demo` runs against
//! [`MemoryCloud::demo`], and fast tests run against it. The contract suite
//! (`tests/contract/`) runs every scenario on it and on moto and compares
//! the answers: that, not this module's own tests, keeps it honest.
//!
//! One file per entity (`policies`, `roles`, `profiles`, `service_linked`),
//! the AWS managed policies as data (`catalogue`), the checks of a call's
//! inputs (`checks`), the grammar of documents taken from the policy model
//! (`grammar`), the simulator (`simulate`) and IAM's error texts (`errors`);
//! here, the account's state and the one `impl Cloud`.
//!
//! Every call takes the account's lock, does its work and lets go before it
//! returns: nothing is held across an `await`. There is no eventual
//! consistency (an entity is visible as soon as the call that made it
//! returns) unless a test asks for it (`lag`).

mod catalogue;
mod checks;
mod errors;
mod grammar;
mod lag;
mod policies;
mod profiles;
mod roles;
mod service_linked;
mod simulate;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use serde_json::Value;

use super::{
    AnalyzerFinding, Bucket, Cloud, CloudResult, ContextEntry, ErrorKind, Identity,
    InstanceProfileInfo, NewPolicy, NewRole, PolicyInfo, PolicyKind, PolicyVersion, QuotaSource,
    Quotas, RoleInfo, SimulationResult, Tags,
};
use crate::iam::action::Action;
use crate::iam::arn::Arn;
use errors::{error, no_policy, no_profile, no_role};
use lag::{Lag, Lags};
use policies::Policy;
use profiles::Profile;
use roles::Role;

/// An in-memory AWS account. `Send + Sync`; cheap to create.
pub struct MemoryCloud {
    caller_arn: String,
    state: Mutex<State>,
}

/// Everything the account holds. Entities are keyed by their lowercased
/// name: IAM names are unique regardless of case.
struct State {
    account_id: String,
    partition: String,
    /// Bucket name → region.
    buckets: BTreeMap<String, String>,
    policies: BTreeMap<String, Policy>,
    roles: BTreeMap<String, Role>,
    profiles: BTreeMap<String, Profile>,
    /// Actions (lowercased) the caller's policies deny, as the policy
    /// simulator reports them; only the optional reads
    /// (`iam:GetAccountSummary`, `access-analyzer:ValidatePolicy`) enforce
    /// them. Empty: the caller may do everything, as an administrator would.
    denied: BTreeSet<String>,
    /// The account's IAM quotas: what `GetAccountSummary` reports and what
    /// the calls enforce. IAM's defaults unless a test set others.
    quotas: Quotas,
    /// What Access Analyzer's `ValidatePolicy` finds in every document:
    /// nothing unless a test set findings.
    analyzer_findings: Vec<AnalyzerFinding>,
    /// The entities IAM shows late, as its eventual consistency can: none
    /// unless a test set some ([`MemoryCloud::slow_to_show`],
    /// [`MemoryCloud::unseen_for`]).
    lags: Lags,
}
fn key(name: &str) -> String {
    name.to_lowercase()
}

impl State {
    fn role_arn(&self, path: &str, name: &str) -> String {
        Arn::role(&self.partition, &self.account_id, path, name).to_string()
    }

    fn policy_arn(&self, path: &str, name: &str) -> String {
        Arn::policy(&self.partition, &self.account_id, path, name).to_string()
    }

    fn profile_arn(&self, path: &str, name: &str) -> String {
        Arn::instance_profile(&self.partition, &self.account_id, path, name).to_string()
    }

    /// An AWS managed policy's ARN, from its catalogue entry.
    fn aws_managed_arn(&self, entry: &str) -> String {
        Arn::aws_managed_policy(&self.partition, entry).to_string()
    }

    /// `NoSuchEntity` for the first entity `uses` names that is still
    /// unseen ([`lag`]), as IAM answers a call that uses an entity it does
    /// not show yet.
    fn unseen(&mut self, action: Action, uses: &[Uses<'_>]) -> CloudResult<()> {
        for used in uses {
            match *used {
                Uses::Role(name) if self.lags.hides(name) => return Err(no_role(action, name)),
                Uses::Policy(arn) if self.lags.hides(arn) => return Err(no_policy(action, arn)),
                Uses::Profile(name) if self.lags.hides(name) => {
                    return Err(no_profile(action, name));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// An entity a call uses, for [`State::unseen`].
#[derive(Clone, Copy)]
enum Uses<'a> {
    Role(&'a str),
    Policy(&'a str),
    Profile(&'a str),
}

impl MemoryCloud {
    /// An empty account in the given partition; the caller is the IAM user
    /// `onramp-demo`.
    pub fn new(account_id: &str, partition: &str) -> MemoryCloud {
        MemoryCloud {
            caller_arn: Arn::new(partition, "iam", "", account_id, "user/onramp-demo").to_string(),
            state: Mutex::new(State {
                account_id: account_id.to_owned(),
                partition: partition.to_owned(),
                buckets: BTreeMap::new(),
                policies: BTreeMap::new(),
                roles: BTreeMap::new(),
                profiles: BTreeMap::new(),
                denied: BTreeSet::new(),
                quotas: Quotas {
                    source: QuotaSource::Account,
                    ..Quotas::default()
                },
                analyzer_findings: Vec::new(),
                lags: Lags::default(),
            }),
        }
    }

    /// The same account with another caller: an assumed-role session
    /// (`arn:…:sts::…:assumed-role/NAME/SESSION`), the root user, … for
    /// what depends on who calls (the permission preflight).
    pub fn with_caller(mut self, arn: &str) -> MemoryCloud {
        self.caller_arn = arn.to_owned();
        self
    }

    /// Makes the policy simulator report `action` (like `iam:CreateRole`)
    /// as denied to the caller on every resource. The call itself still
    /// works: this account enforces no permissions, except for the two
    /// optional reads whose refusal onramp must get by without:
    /// `iam:GetAccountSummary` and `access-analyzer:ValidatePolicy` then
    /// fail with access denied, as IAM would.
    pub fn deny(&self, action: &str) {
        self.state().denied.insert(action.to_lowercase());
    }

    /// The same account with other IAM quotas (as if an administrator had
    /// had them changed): `GetAccountSummary` reports them, and the calls
    /// enforce them.
    pub fn with_quotas(self, quotas: Quotas) -> MemoryCloud {
        self.state().quotas = Quotas {
            source: QuotaSource::Account,
            ..quotas
        };
        self
    }

    /// Makes the entity `id` (a name, or a policy's ARN) unknown to the
    /// calls that use it for `delay` after its create, as IAM's eventual
    /// consistency sometimes does: for tests of what a person sees
    /// meanwhile.
    pub fn slow_to_show(&self, id: &str, delay: std::time::Duration) {
        self.state().lags.set(id, Lag::For(delay));
    }

    /// Makes the entity `id` unknown to the first `calls` calls that use it
    /// after its create (`NoSuchEntity`; a read finds nothing): a dependent
    /// call that meets it must be tried again.
    pub fn unseen_for(&self, id: &str, calls: u32) {
        self.state().lags.set(id, Lag::Calls(calls));
    }

    /// The same account, where Access Analyzer's `ValidatePolicy` finds
    /// `findings` in every document it is given.
    pub fn with_analyzer_findings(self, findings: Vec<AnalyzerFinding>) -> MemoryCloud {
        self.state().analyzer_findings = findings;
        self
    }

    /// Access denied for `action` (`service:Action`), if [`MemoryCloud::deny`]
    /// denied it: for the calls that enforce it.
    fn refuse(&self, state: &State, api: Action, action: &str) -> CloudResult<()> {
        if state.denied.contains(&action.to_lowercase()) {
            return Err(error(
                api,
                ErrorKind::AccessDenied,
                format!(
                    "User: {} is not authorized to perform: {action}",
                    self.caller_arn
                ),
            ));
        }
        Ok(())
    }

    /// The account of `onramp --demo`: `123456789012` in `aws`, with sample
    /// buckets in two regions.
    pub fn demo() -> MemoryCloud {
        let cloud = MemoryCloud::new("123456789012", "aws");
        cloud.add_bucket("onramp-demo-inputs", "us-east-1");
        cloud.add_bucket("onramp-demo-results", "us-east-1");
        cloud.add_bucket("onramp-demo-pcluster", "eu-west-1");
        cloud.add_bucket("onramp-demo-archive", "eu-west-1");
        cloud
    }

    /// Makes the service-linked role `name` used by `resource` (like a Batch
    /// compute environment's ARN), so that deleting it fails as in AWS.
    /// Does nothing when there is no such service-linked role.
    pub fn use_service_linked_role(&self, name: &str, resource: &str) {
        if let Some(role) = self
            .state()
            .roles
            .get_mut(&key(name))
            .filter(|r| r.linked_service.is_some())
        {
            role.used_by.push(resource.to_owned());
        }
    }

    /// Adds (or moves) an S3 bucket.
    pub fn add_bucket(&self, name: &str, region: &str) {
        self.state()
            .buckets
            .insert(name.to_owned(), region.to_owned());
    }

    /// The account's state. A panic in another thread cannot leave it half
    /// changed (every call checks before it changes), so a poisoned lock is
    /// still good.
    /// `f` on the account, unless a call that uses the entities `uses`
    /// names may not see one yet ([`State::unseen`]).
    fn using<T>(
        &self,
        action: Action,
        uses: &[Uses<'_>],
        f: impl FnOnce(&mut State) -> CloudResult<T>,
    ) -> CloudResult<T> {
        let mut state = self.state();
        state.unseen(action, uses)?;
        f(&mut state)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Cloud for MemoryCloud {
    async fn identity(&self) -> CloudResult<Identity> {
        let state = self.state();
        Ok(Identity {
            account_id: state.account_id.clone(),
            arn: self.caller_arn.clone(),
            partition: state.partition.clone(),
        })
    }

    async fn list_buckets(&self) -> CloudResult<Vec<Bucket>> {
        Ok(self
            .state()
            .buckets
            .iter()
            .map(|(name, region)| Bucket {
                name: name.clone(),
                region: Some(region.clone()),
            })
            .collect())
    }

    async fn get_policy(&self, arn: &str) -> CloudResult<Option<PolicyInfo>> {
        let mut state = self.state();
        if state.lags.hides(arn) {
            return Ok(None);
        }
        state.get_policy(arn)
    }

    async fn get_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<Value> {
        self.using(Action::GetPolicyVersion, &[Uses::Policy(arn)], |state| {
            state.get_policy_version(arn, version_id)
        })
    }

    async fn list_policy_versions(&self, arn: &str) -> CloudResult<Vec<PolicyVersion>> {
        self.using(Action::ListPolicyVersions, &[Uses::Policy(arn)], |state| {
            state.list_policy_versions(arn)
        })
    }

    async fn create_policy(&self, policy: NewPolicy<'_>) -> CloudResult<PolicyInfo> {
        let mut state = self.state();
        let made = state.create_policy(policy)?;
        state.lags.created(&made.arn);
        Ok(made)
    }

    async fn create_policy_version(
        &self,
        arn: &str,
        document: &Value,
        set_as_default: bool,
    ) -> CloudResult<String> {
        self.using(Action::CreatePolicyVersion, &[Uses::Policy(arn)], |state| {
            state.create_policy_version(arn, document, set_as_default)
        })
    }

    async fn set_default_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<()> {
        self.state().set_default_policy_version(arn, version_id)
    }

    async fn delete_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<()> {
        self.state().delete_policy_version(arn, version_id)
    }

    async fn tag_policy(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        self.using(Action::TagPolicy, &[Uses::Policy(arn)], |state| {
            state.tag_policy(arn, tags)
        })
    }

    async fn untag_policy(&self, arn: &str, keys: &[String]) -> CloudResult<()> {
        self.using(Action::UntagPolicy, &[Uses::Policy(arn)], |state| {
            state.untag_policy(arn, keys)
        })
    }

    async fn delete_policy(&self, arn: &str) -> CloudResult<()> {
        self.state().delete_policy(arn)
    }

    async fn get_role(&self, name: &str) -> CloudResult<Option<RoleInfo>> {
        let mut state = self.state();
        if state.lags.hides(name) {
            return Ok(None);
        }
        Ok(state.roles.get(&key(name)).map(|r| state.role_info(r)))
    }

    async fn create_role(&self, role: NewRole<'_>) -> CloudResult<RoleInfo> {
        let mut state = self.state();
        if let Some(boundary) = role.permissions_boundary {
            state.unseen(Action::CreateRole, &[Uses::Policy(boundary)])?;
        }
        let made = state.create_role(role)?;
        state.lags.created(&made.name);
        Ok(made)
    }

    async fn update_assume_role_policy(&self, name: &str, document: &Value) -> CloudResult<()> {
        self.using(
            Action::UpdateAssumeRolePolicy,
            &[Uses::Role(name)],
            |state| state.update_assume_role_policy(name, document),
        )
    }

    async fn update_role_description(&self, name: &str, description: &str) -> CloudResult<()> {
        self.using(Action::UpdateRole, &[Uses::Role(name)], |state| {
            state.update_role_description(name, description)
        })
    }

    async fn put_role_permissions_boundary(
        &self,
        name: &str,
        boundary_arn: &str,
    ) -> CloudResult<()> {
        self.using(
            Action::PutRolePermissionsBoundary,
            &[Uses::Role(name), Uses::Policy(boundary_arn)],
            |state| state.put_role_permissions_boundary(name, boundary_arn),
        )
    }

    async fn delete_role_permissions_boundary(&self, name: &str) -> CloudResult<()> {
        self.state().delete_role_permissions_boundary(name)
    }

    async fn tag_role(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        self.using(Action::TagRole, &[Uses::Role(name)], |state| {
            state.tag_role(name, tags)
        })
    }

    async fn untag_role(&self, name: &str, keys: &[String]) -> CloudResult<()> {
        self.using(Action::UntagRole, &[Uses::Role(name)], |state| {
            state.untag_role(name, keys)
        })
    }

    async fn list_attached_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        self.using(
            Action::ListAttachedRolePolicies,
            &[Uses::Role(name)],
            |state| state.list_attached_role_policies(name),
        )
    }

    async fn attach_role_policy(&self, name: &str, policy_arn: &str) -> CloudResult<()> {
        self.using(
            Action::AttachRolePolicy,
            &[Uses::Role(name), Uses::Policy(policy_arn)],
            |state| state.attach_role_policy(name, policy_arn),
        )
    }

    async fn detach_role_policy(&self, name: &str, policy_arn: &str) -> CloudResult<()> {
        self.state().detach_role_policy(name, policy_arn)
    }

    async fn list_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        self.using(Action::ListRolePolicies, &[Uses::Role(name)], |state| {
            state.list_role_policies(name)
        })
    }

    async fn get_role_policy(&self, name: &str, policy_name: &str) -> CloudResult<Value> {
        self.state().get_role_policy(name, policy_name)
    }

    async fn put_role_policy(
        &self,
        name: &str,
        policy_name: &str,
        document: &Value,
    ) -> CloudResult<()> {
        self.using(Action::PutRolePolicy, &[Uses::Role(name)], |state| {
            state.put_role_policy(name, policy_name, document)
        })
    }

    async fn delete_role_policy(&self, name: &str, policy_name: &str) -> CloudResult<()> {
        self.state().delete_role_policy(name, policy_name)
    }

    async fn delete_role(&self, name: &str) -> CloudResult<()> {
        self.state().delete_role(name)
    }

    async fn create_service_linked_role(
        &self,
        service: &str,
        description: &str,
    ) -> CloudResult<RoleInfo> {
        let mut state = self.state();
        let made = state.create_service_linked_role(service, description)?;
        state.lags.created(&made.name);
        Ok(made)
    }

    async fn delete_service_linked_role(&self, name: &str) -> CloudResult<()> {
        self.state().delete_service_linked_role(name)
    }

    async fn get_instance_profile(&self, name: &str) -> CloudResult<Option<InstanceProfileInfo>> {
        let mut state = self.state();
        if state.lags.hides(name) {
            return Ok(None);
        }
        Ok(state
            .profiles
            .get(&key(name))
            .map(|p| state.profile_info(p)))
    }

    async fn create_instance_profile(
        &self,
        name: &str,
        path: &str,
        tags: &Tags,
    ) -> CloudResult<InstanceProfileInfo> {
        let mut state = self.state();
        let made = state.create_instance_profile(name, path, tags)?;
        state.lags.created(name);
        Ok(made)
    }

    async fn tag_instance_profile(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        self.using(
            Action::TagInstanceProfile,
            &[Uses::Profile(name)],
            |state| state.tag_instance_profile(name, tags),
        )
    }

    async fn untag_instance_profile(&self, name: &str, keys: &[String]) -> CloudResult<()> {
        self.using(
            Action::UntagInstanceProfile,
            &[Uses::Profile(name)],
            |state| state.untag_instance_profile(name, keys),
        )
    }

    async fn add_role_to_instance_profile(&self, profile: &str, role: &str) -> CloudResult<()> {
        self.using(
            Action::AddRoleToInstanceProfile,
            &[Uses::Profile(profile), Uses::Role(role)],
            |state| state.add_role_to_instance_profile(profile, role),
        )
    }

    async fn remove_role_from_instance_profile(
        &self,
        profile: &str,
        role: &str,
    ) -> CloudResult<()> {
        self.state()
            .remove_role_from_instance_profile(profile, role)
    }

    async fn delete_instance_profile(&self, name: &str) -> CloudResult<()> {
        self.state().delete_instance_profile(name)
    }

    async fn account_quotas(&self) -> CloudResult<Quotas> {
        let state = self.state();
        self.refuse(&state, Action::GetAccountSummary, "iam:GetAccountSummary")?;
        Ok(state.quotas)
    }

    /// The findings set with [`MemoryCloud::with_analyzer_findings`], for a
    /// document that is JSON at all (Access Analyzer fails the call for
    /// one that is not).
    async fn validate_policy(
        &self,
        document: &str,
        _kind: PolicyKind,
    ) -> CloudResult<Vec<AnalyzerFinding>> {
        let state = self.state();
        self.refuse(
            &state,
            Action::ValidatePolicy,
            "access-analyzer:ValidatePolicy",
        )?;
        serde_json::from_str::<Value>(document).map_err(|e| {
            error(
                Action::ValidatePolicy,
                ErrorKind::InvalidInput,
                format!("the policy document is not JSON: {e}"),
            )
        })?;
        Ok(state.analyzer_findings.clone())
    }

    async fn simulate_principal_policy(
        &self,
        source_arn: &str,
        actions: &[String],
        resources: &[String],
        context: &[ContextEntry],
    ) -> CloudResult<Vec<SimulationResult>> {
        self.simulate(source_arn, actions, resources, context)
    }
}

/// The trait object needs both; a change that loses one fails to compile.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<MemoryCloud>();
};
