//! A [`Cloud`] wrapper that counts calls per API action, so tests can assert
//! that an apply makes no more reads and writes than the plan needs, and that
//! a second apply makes no mutating call at all.

use crate::iam::action::Action;
use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::Value;

use super::{
    AnalyzerFinding, Bucket, Cloud, CloudError, CloudResult, ContextEntry, ErrorKind, Identity,
    InstanceProfileInfo, NewPolicy, NewRole, PolicyInfo, PolicyKind, PolicyVersion, Quotas,
    RoleInfo, SimulationResult, Tags, WaitFor,
};

/// Counts every call it forwards to the inner cloud.
pub struct CountingCloud<C> {
    inner: C,
    calls: Mutex<BTreeMap<Action, usize>>,
    /// Fail the mutating call with this number (1-based), for tests of
    /// interrupted runs.
    fail_mutation: Mutex<Option<usize>>,
}

impl<C> CountingCloud<C> {
    pub fn new(inner: C) -> CountingCloud<C> {
        CountingCloud {
            inner,
            calls: Mutex::new(BTreeMap::new()),
            fail_mutation: Mutex::new(None),
        }
    }

    /// Makes the `n`-th mutating call from now fail as a dropped connection
    /// would, without reaching the inner cloud. Calls after it go through.
    pub fn fail_mutation_at(&self, n: usize) {
        if let Ok(mut f) = self.fail_mutation.lock() {
            *f = Some(self.mutating_calls() + n);
        }
    }

    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// Calls per action so far.
    pub fn calls(&self) -> BTreeMap<Action, usize> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// How many calls changed the account.
    pub fn mutating_calls(&self) -> usize {
        self.calls()
            .iter()
            .filter(|(action, _)| action.is_mutating())
            .map(|(_, n)| n)
            .sum()
    }

    /// How many calls only read (waits excluded).
    pub fn read_calls(&self) -> usize {
        self.calls()
            .iter()
            .filter(|(action, _)| !action.is_mutating() && **action != Action::Wait)
            .map(|(_, n)| n)
            .sum()
    }

    /// Forgets the counts.
    pub fn reset(&self) {
        if let Ok(mut c) = self.calls.lock() {
            c.clear();
        }
    }

    /// Counts a call; an injected fault makes it fail instead.
    fn count(&self, action: Action) -> CloudResult<()> {
        if let Ok(mut c) = self.calls.lock() {
            *c.entry(action).or_default() += 1;
        }
        if action.is_mutating()
            && let Ok(mut fail) = self.fail_mutation.lock()
            && *fail == Some(self.mutating_calls())
        {
            *fail = None;
            return Err(CloudError::new(
                action,
                ErrorKind::Network,
                "connection reset (a fault injected by a test)",
            ));
        }
        Ok(())
    }
}

/// Implements `Cloud` by forwarding each method, counted under its API action.
macro_rules! counting_cloud {
    ($($action:path => fn $method:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        #[async_trait]
        impl<C: Cloud> Cloud for CountingCloud<C> {
            $(
                async fn $method(&self $(, $arg: $ty)*) -> CloudResult<$ret> {
                    self.count($action)?;
                    self.inner.$method($($arg),*).await
                }
            )*

            fn observe_retries(&self, observer: super::RetryObserver) {
                self.inner.observe_retries(observer);
            }
        }
    };
}

counting_cloud! {
        Action::GetCallerIdentity => fn identity(&self) -> Identity;
        Action::ListBuckets => fn list_buckets(&self) -> Vec<Bucket>;
        Action::GetPolicy => fn get_policy(&self, arn: &str) -> Option<PolicyInfo>;
        Action::GetPolicyVersion => fn get_policy_version(&self, arn: &str, version_id: &str) -> Value;
        Action::ListPolicyVersions => fn list_policy_versions(&self, arn: &str) -> Vec<PolicyVersion>;
        Action::CreatePolicy => fn create_policy(&self, policy: NewPolicy<'_>) -> PolicyInfo;
        Action::CreatePolicyVersion => fn create_policy_version(&self, arn: &str, document: &Value, set_as_default: bool) -> String;
        Action::SetDefaultPolicyVersion => fn set_default_policy_version(&self, arn: &str, version_id: &str) -> ();
        Action::DeletePolicyVersion => fn delete_policy_version(&self, arn: &str, version_id: &str) -> ();
        Action::TagPolicy => fn tag_policy(&self, arn: &str, tags: &Tags) -> ();
        Action::DeletePolicy => fn delete_policy(&self, arn: &str) -> ();
        Action::GetRole => fn get_role(&self, name: &str) -> Option<RoleInfo>;
        Action::CreateRole => fn create_role(&self, role: NewRole<'_>) -> RoleInfo;
        Action::UpdateAssumeRolePolicy => fn update_assume_role_policy(&self, name: &str, document: &Value) -> ();
        Action::PutRolePermissionsBoundary => fn put_role_permissions_boundary(&self, name: &str, boundary_arn: &str) -> ();
        Action::DeleteRolePermissionsBoundary => fn delete_role_permissions_boundary(&self, name: &str) -> ();
        Action::TagRole => fn tag_role(&self, name: &str, tags: &Tags) -> ();
        Action::ListAttachedRolePolicies => fn list_attached_role_policies(&self, name: &str) -> Vec<String>;
        Action::AttachRolePolicy => fn attach_role_policy(&self, name: &str, policy_arn: &str) -> ();
        Action::DetachRolePolicy => fn detach_role_policy(&self, name: &str, policy_arn: &str) -> ();
        Action::ListRolePolicies => fn list_role_policies(&self, name: &str) -> Vec<String>;
        Action::GetRolePolicy => fn get_role_policy(&self, name: &str, policy_name: &str) -> Value;
        Action::PutRolePolicy => fn put_role_policy(&self, name: &str, policy_name: &str, document: &Value) -> ();
        Action::DeleteRolePolicy => fn delete_role_policy(&self, name: &str, policy_name: &str) -> ();
        Action::DeleteRole => fn delete_role(&self, name: &str) -> ();
        Action::CreateServiceLinkedRole => fn create_service_linked_role(&self, service: &str, description: &str) -> RoleInfo;
        Action::DeleteServiceLinkedRole => fn delete_service_linked_role(&self, name: &str) -> ();
        Action::GetInstanceProfile => fn get_instance_profile(&self, name: &str) -> Option<InstanceProfileInfo>;
        Action::CreateInstanceProfile => fn create_instance_profile(&self, name: &str, path: &str, tags: &Tags) -> InstanceProfileInfo;
        Action::TagInstanceProfile => fn tag_instance_profile(&self, name: &str, tags: &Tags) -> ();
        Action::AddRoleToInstanceProfile => fn add_role_to_instance_profile(&self, profile: &str, role: &str) -> ();
        Action::RemoveRoleFromInstanceProfile => fn remove_role_from_instance_profile(&self, profile: &str, role: &str) -> ();
        Action::DeleteInstanceProfile => fn delete_instance_profile(&self, name: &str) -> ();
        Action::Wait => fn wait_until_exists(&self, kind: WaitFor, id: &str) -> ();
        // A read: the permission preflight, which changes nothing.
        Action::SimulatePrincipalPolicy => fn simulate_principal_policy(&self, source_arn: &str, actions: &[String], resources: &[String], context: &[ContextEntry]) -> Vec<SimulationResult>;
        // Reads: the account's quotas, and Access Analyzer's advice.
        Action::GetAccountSummary => fn account_quotas(&self) -> Quotas;
        Action::ValidatePolicy => fn validate_policy(&self, document: &str, kind: PolicyKind) -> Vec<AnalyzerFinding>;
}
