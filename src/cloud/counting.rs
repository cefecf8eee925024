//! A [`Cloud`] wrapper that counts calls per API action, so tests can assert
//! that an apply makes no more reads and writes than the plan needs, and that
//! a second apply makes no mutating call at all.

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
    calls: Mutex<BTreeMap<&'static str, usize>>,
    /// Fail the mutating call with this number (1-based), for tests of
    /// interrupted runs.
    fail_mutation: Mutex<Option<usize>>,
}

/// Actions that change the account; everything else only reads (or waits).
pub const MUTATING: [&str; 23] = [
    "CreatePolicy",
    "CreatePolicyVersion",
    "SetDefaultPolicyVersion",
    "DeletePolicyVersion",
    "TagPolicy",
    "DeletePolicy",
    "CreateRole",
    "UpdateAssumeRolePolicy",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "TagRole",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "PutRolePolicy",
    "DeleteRolePolicy",
    "DeleteRole",
    "CreateInstanceProfile",
    "TagInstanceProfile",
    "AddRoleToInstanceProfile",
    "RemoveRoleFromInstanceProfile",
    "DeleteInstanceProfile",
    "CreateServiceLinkedRole",
    "DeleteServiceLinkedRole",
];

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
    pub fn calls(&self) -> BTreeMap<&'static str, usize> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// How many calls changed the account.
    pub fn mutating_calls(&self) -> usize {
        self.calls()
            .iter()
            .filter(|(action, _)| MUTATING.contains(action))
            .map(|(_, n)| n)
            .sum()
    }

    /// How many calls only read (waits excluded).
    pub fn read_calls(&self) -> usize {
        self.calls()
            .iter()
            .filter(|(action, _)| !MUTATING.contains(action) && **action != "Wait")
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
    fn count(&self, action: &'static str) -> CloudResult<()> {
        if let Ok(mut c) = self.calls.lock() {
            *c.entry(action).or_default() += 1;
        }
        if MUTATING.contains(&action)
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
    ($($action:literal => fn $method:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
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
        "GetCallerIdentity" => fn identity(&self) -> Identity;
        "ListBuckets" => fn list_buckets(&self) -> Vec<Bucket>;
        "GetPolicy" => fn get_policy(&self, arn: &str) -> Option<PolicyInfo>;
        "GetPolicyVersion" => fn get_policy_version(&self, arn: &str, version_id: &str) -> Value;
        "ListPolicyVersions" => fn list_policy_versions(&self, arn: &str) -> Vec<PolicyVersion>;
        "CreatePolicy" => fn create_policy(&self, policy: NewPolicy<'_>) -> PolicyInfo;
        "CreatePolicyVersion" => fn create_policy_version(&self, arn: &str, document: &Value, set_as_default: bool) -> String;
        "SetDefaultPolicyVersion" => fn set_default_policy_version(&self, arn: &str, version_id: &str) -> ();
        "DeletePolicyVersion" => fn delete_policy_version(&self, arn: &str, version_id: &str) -> ();
        "TagPolicy" => fn tag_policy(&self, arn: &str, tags: &Tags) -> ();
        "DeletePolicy" => fn delete_policy(&self, arn: &str) -> ();
        "GetRole" => fn get_role(&self, name: &str) -> Option<RoleInfo>;
        "CreateRole" => fn create_role(&self, role: NewRole<'_>) -> RoleInfo;
        "UpdateAssumeRolePolicy" => fn update_assume_role_policy(&self, name: &str, document: &Value) -> ();
        "PutRolePermissionsBoundary" => fn put_role_permissions_boundary(&self, name: &str, boundary_arn: &str) -> ();
        "DeleteRolePermissionsBoundary" => fn delete_role_permissions_boundary(&self, name: &str) -> ();
        "TagRole" => fn tag_role(&self, name: &str, tags: &Tags) -> ();
        "ListAttachedRolePolicies" => fn list_attached_role_policies(&self, name: &str) -> Vec<String>;
        "AttachRolePolicy" => fn attach_role_policy(&self, name: &str, policy_arn: &str) -> ();
        "DetachRolePolicy" => fn detach_role_policy(&self, name: &str, policy_arn: &str) -> ();
        "ListRolePolicies" => fn list_role_policies(&self, name: &str) -> Vec<String>;
        "GetRolePolicy" => fn get_role_policy(&self, name: &str, policy_name: &str) -> Value;
        "PutRolePolicy" => fn put_role_policy(&self, name: &str, policy_name: &str, document: &Value) -> ();
        "DeleteRolePolicy" => fn delete_role_policy(&self, name: &str, policy_name: &str) -> ();
        "DeleteRole" => fn delete_role(&self, name: &str) -> ();
        "CreateServiceLinkedRole" => fn create_service_linked_role(&self, service: &str, description: &str) -> RoleInfo;
        "DeleteServiceLinkedRole" => fn delete_service_linked_role(&self, name: &str) -> ();
        "GetInstanceProfile" => fn get_instance_profile(&self, name: &str) -> Option<InstanceProfileInfo>;
        "CreateInstanceProfile" => fn create_instance_profile(&self, name: &str, path: &str, tags: &Tags) -> InstanceProfileInfo;
        "TagInstanceProfile" => fn tag_instance_profile(&self, name: &str, tags: &Tags) -> ();
        "AddRoleToInstanceProfile" => fn add_role_to_instance_profile(&self, profile: &str, role: &str) -> ();
        "RemoveRoleFromInstanceProfile" => fn remove_role_from_instance_profile(&self, profile: &str, role: &str) -> ();
        "DeleteInstanceProfile" => fn delete_instance_profile(&self, name: &str) -> ();
        "Wait" => fn wait_until_exists(&self, kind: WaitFor, id: &str) -> ();
        // A read: the permission preflight, which changes nothing.
        "SimulatePrincipalPolicy" => fn simulate_principal_policy(&self, source_arn: &str, actions: &[String], resources: &[String], context: &[ContextEntry]) -> Vec<SimulationResult>;
        // Reads: the account's quotas, and Access Analyzer's advice.
        "GetAccountSummary" => fn account_quotas(&self) -> Quotas;
        "ValidatePolicy" => fn validate_policy(&self, document: &str, kind: PolicyKind) -> Vec<AnalyzerFinding>;
}
