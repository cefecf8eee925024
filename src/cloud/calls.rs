//! The [`Cloud`](super::Cloud) trait's calls, listed once.
//!
//! The trait and every wrapper around it (counting, recording, injecting
//! faults) need the same list of methods; written out in each, a method
//! added to the trait and forgotten in a wrapper is a compile error at best
//! and a silently uncounted call at worst. So the list lives here, and
//! `cloud_calls!` hands it to a macro that makes something of it.
//!
//! Each entry is the API action the call is counted, recorded and faulted
//! under ([`Action`](crate::iam::action::Action)), the method's doc
//! comments, and its signature without the `async` and with the `Ok` type
//! only (every call returns a [`CloudResult`](super::CloudResult)):
//!
//! ```text
//! Action::GetRole => /// docs
//!     fn get_role(&self, name: &str) -> Option<RoleInfo>;
//! ```
//!
//! A macro that takes the list matches it with
//!
//! ```text
//! $($action:path => $(#[$doc:meta])*
//!     fn $method:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*
//! ```

/// Calls `$callback!` with every call of the [`Cloud`](super::Cloud) trait
/// (see the module's documentation for the form of an entry). The names the
/// entries use (`Action`, `Identity`, `Value`, …) must be in scope where the
/// callback expands.
macro_rules! cloud_calls {
    ($callback:ident) => {
        $callback! {
            Action::GetCallerIdentity =>
                /// `sts:GetCallerIdentity`.
                fn identity(&self) -> Identity;
            Action::ListBuckets =>
                /// `s3:ListBuckets`, with each bucket's region.
                fn list_buckets(&self) -> Vec<Bucket>;

            // Managed policies, by ARN.
            Action::GetPolicy =>
                /// `iam:GetPolicy`: `None` when there is no such policy.
                fn get_policy(&self, arn: &str) -> Option<PolicyInfo>;
            Action::GetPolicyVersion =>
                /// `iam:GetPolicyVersion`: the version's document.
                fn get_policy_version(&self, arn: &str, version_id: &str) -> Value;
            Action::ListPolicyVersions =>
                /// `iam:ListPolicyVersions`.
                fn list_policy_versions(&self, arn: &str) -> Vec<PolicyVersion>;
            Action::CreatePolicy =>
                /// `iam:CreatePolicy`, tags included.
                fn create_policy(&self, policy: NewPolicy<'_>) -> PolicyInfo;
            Action::CreatePolicyVersion =>
                /// `iam:CreatePolicyVersion`. Returns the new version's id.
                fn create_policy_version(
                    &self,
                    arn: &str,
                    document: &Value,
                    set_as_default: bool
                ) -> String;
            Action::SetDefaultPolicyVersion =>
                /// `iam:SetDefaultPolicyVersion`.
                fn set_default_policy_version(&self, arn: &str, version_id: &str) -> ();
            Action::DeletePolicyVersion =>
                /// `iam:DeletePolicyVersion`.
                fn delete_policy_version(&self, arn: &str, version_id: &str) -> ();
            Action::TagPolicy =>
                /// `iam:TagPolicy`.
                fn tag_policy(&self, arn: &str, tags: &Tags) -> ();
            Action::UntagPolicy =>
                /// `iam:UntagPolicy`: takes the tags with these keys off the policy
                /// (keys compare regardless of case, as IAM's do; moto 5.2 compares
                /// a role's and a profile's as written). A key the policy does not
                /// carry is no error. With no keys the SDK backend sends nothing.
                fn untag_policy(&self, arn: &str, keys: &[String]) -> ();
            Action::DeletePolicy =>
                /// `iam:DeletePolicy`.
                fn delete_policy(&self, arn: &str) -> ();

            // Roles, by name.
            Action::GetRole =>
                /// `iam:GetRole`: `None` when there is no such role.
                fn get_role(&self, name: &str) -> Option<RoleInfo>;
            Action::CreateRole =>
                /// `iam:CreateRole`, tags and permissions boundary included.
                fn create_role(&self, role: NewRole<'_>) -> RoleInfo;
            Action::UpdateAssumeRolePolicy =>
                /// `iam:UpdateAssumeRolePolicy`: the role's trust policy.
                fn update_assume_role_policy(&self, name: &str, document: &Value) -> ();
            Action::UpdateRole =>
                /// `iam:UpdateRole` with its `Description` only: the role's new
                /// description, at most 1,000 characters. `""` clears it, and is sent
                /// as an empty `Description`: IAM leaves the description of an
                /// `UpdateRole` without one as it was (moto 5.2 clears it then, and
                /// stores `""` as `""`). After either, [`Cloud::get_role`] reads
                /// `description: None` on both backends: a role without a description
                /// and one with an empty description are one. AWS lets a
                /// service-linked role's description be changed too.
                fn update_role_description(&self, name: &str, description: &str) -> ();
            Action::PutRolePermissionsBoundary =>
                /// `iam:PutRolePermissionsBoundary`.
                fn put_role_permissions_boundary(&self, name: &str, boundary_arn: &str) -> ();
            Action::DeleteRolePermissionsBoundary =>
                /// `iam:DeleteRolePermissionsBoundary`.
                fn delete_role_permissions_boundary(&self, name: &str) -> ();
            Action::TagRole =>
                /// `iam:TagRole`.
                fn tag_role(&self, name: &str, tags: &Tags) -> ();
            Action::UntagRole =>
                /// `iam:UntagRole`: takes the tags with these keys off the role, as
                /// [`Cloud::untag_policy`] does off a policy.
                fn untag_role(&self, name: &str, keys: &[String]) -> ();
            Action::ListAttachedRolePolicies =>
                /// ARNs of the managed policies attached to the role.
                fn list_attached_role_policies(&self, name: &str) -> Vec<String>;
            Action::AttachRolePolicy =>
                /// `iam:AttachRolePolicy`.
                fn attach_role_policy(&self, name: &str, policy_arn: &str) -> ();
            Action::DetachRolePolicy =>
                /// `iam:DetachRolePolicy`.
                fn detach_role_policy(&self, name: &str, policy_arn: &str) -> ();
            Action::ListRolePolicies =>
                /// Names of the role's inline policies.
                fn list_role_policies(&self, name: &str) -> Vec<String>;
            Action::GetRolePolicy =>
                /// `iam:GetRolePolicy`: an inline policy's document.
                fn get_role_policy(&self, name: &str, policy_name: &str) -> Value;
            Action::PutRolePolicy =>
                /// `iam:PutRolePolicy`: makes or replaces an inline policy.
                fn put_role_policy(&self, name: &str, policy_name: &str, document: &Value) -> ();
            Action::DeleteRolePolicy =>
                /// `iam:DeleteRolePolicy`.
                fn delete_role_policy(&self, name: &str, policy_name: &str) -> ();
            Action::DeleteRole =>
                /// `iam:DeleteRole`.
                fn delete_role(&self, name: &str) -> ();

            // Service-linked roles: AWS names them and owns their permissions.
            Action::CreateServiceLinkedRole =>
                /// `CreateServiceLinkedRole` for `service` (like `batch.amazonaws.com`):
                /// AWS names the role (`AWSServiceRoleForBatch`), puts it at
                /// `/aws-service-role/SERVICE/`, trusts the service and attaches the
                /// service's own policy. Fails with [`ErrorKind::AlreadyExists`] when
                /// the account has it already. It is read back with
                /// [`Cloud::get_role`], and cannot be tagged.
                fn create_service_linked_role(&self, service: &str, description: &str) -> RoleInfo;
            Action::DeleteServiceLinkedRole =>
                /// `DeleteServiceLinkedRole`, which only starts a deletion task, then
                /// `GetServiceLinkedRoleDeletionStatus` until the task ends. AWS
                /// refuses while the service still uses the role (a Batch compute
                /// environment, say): that is [`ErrorKind::DeleteConflict`], naming
                /// what uses it when AWS says.
                fn delete_service_linked_role(&self, name: &str) -> ();

            // Instance profiles, by name.
            Action::GetInstanceProfile =>
                /// `iam:GetInstanceProfile`: `None` when there is no such profile.
                fn get_instance_profile(&self, name: &str) -> Option<InstanceProfileInfo>;
            Action::CreateInstanceProfile =>
                /// `iam:CreateInstanceProfile`, tags included.
                fn create_instance_profile(
                    &self,
                    name: &str,
                    path: &str,
                    tags: &Tags
                ) -> InstanceProfileInfo;
            Action::TagInstanceProfile =>
                /// `iam:TagInstanceProfile`.
                fn tag_instance_profile(&self, name: &str, tags: &Tags) -> ();
            Action::UntagInstanceProfile =>
                /// `iam:UntagInstanceProfile`: takes the tags with these keys off the
                /// profile, as [`Cloud::untag_policy`] does off a policy.
                fn untag_instance_profile(&self, name: &str, keys: &[String]) -> ();
            Action::AddRoleToInstanceProfile =>
                /// `iam:AddRoleToInstanceProfile`.
                fn add_role_to_instance_profile(&self, profile: &str, role: &str) -> ();
            Action::RemoveRoleFromInstanceProfile =>
                /// `iam:RemoveRoleFromInstanceProfile`.
                fn remove_role_from_instance_profile(&self, profile: &str, role: &str) -> ();
            Action::DeleteInstanceProfile =>
                /// `iam:DeleteInstanceProfile`.
                fn delete_instance_profile(&self, name: &str) -> ();

            // Reads that change nothing: the permission preflight, the
            // account's quotas, and Access Analyzer's advice.
            Action::SimulatePrincipalPolicy =>
                /// `iam:SimulatePrincipalPolicy`: how the policies of `source_arn` (an
                /// IAM user, group or role) decide each of `actions` on each of
                /// `resources` (any resource when empty), given the condition keys in
                /// `context`: one result per pair, every page read. Reads only. A
                /// backend without a simulator fails, which the preflight reports as
                /// "could not check".
                fn simulate_principal_policy(
                    &self,
                    source_arn: &str,
                    actions: &[String],
                    resources: &[String],
                    context: &[ContextEntry]
                ) -> Vec<SimulationResult>;
            Action::GetAccountSummary =>
                /// `iam:GetAccountSummary`: the account's IAM quotas that a plan can
                /// run into ([`QuotaSource::Account`]). Reads only. Callers fall back
                /// to IAM's defaults when it fails (the caller may not be allowed it).
                fn account_quotas(&self) -> Quotas;
            Action::ValidatePolicy =>
                /// `access-analyzer:ValidatePolicy`: IAM Access Analyzer's findings on
                /// one policy document (its text as given: locations refer to its
                /// lines), an identity policy or a role trust policy. Every page read.
                /// Advice only: callers go on without it when it fails.
                fn validate_policy(&self, document: &str, kind: PolicyKind) -> Vec<AnalyzerFinding>;
        }
    };
}

pub(crate) use cloud_calls;
