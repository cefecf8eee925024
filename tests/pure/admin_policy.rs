//! The admin policy (`export --format admin-policy`) against what onramp
//! really asks of IAM. Every command (the wizard's start, `status`, an
//! interrupted `apply` and its resumption, a re-run, an `apply` that puts
//! drift right, `destroy` twice) runs on the in-memory account behind a
//! wrapper that records, for each call, what IAM authorizes: the action, the
//! resource ARN and the condition keys. A small evaluator of the policy
//! language then checks that the generated policy allows every one, and that
//! dropping any statement, action, resource or condition value from it
//! denies at least one: nothing in it is superfluous.
//!
//! Why not moto: moto (5.2) authorizes most IAM calls against `"*"` (only a
//! call naming an existing role gets that role's ARN) and fills in no
//! condition key but `sts:ExternalId`, so a policy scoped to ARNs and
//! conditioned on `iam:PolicyARN` is denied there for reasons of its own.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use async_trait::async_trait;
use onramp::answers::{Answers, Environment};
use onramp::apply::destroy::{DestroyReport, destroy};
use onramp::apply::diff::{Change, State};
use onramp::apply::journal::Journal;
use onramp::apply::observe::changes;
use onramp::apply::run::{ApplyError, Report};
use onramp::cloud::counting::CountingCloud;
use onramp::cloud::memory::MemoryCloud;
use onramp::cloud::{
    AnalyzerFinding, Bucket, Cloud, CloudResult, ContextEntry, Identity, InstanceProfileInfo,
    NewPolicy, NewRole, PolicyInfo, PolicyKind, PolicyVersion, Quotas, RetryObserver, RoleInfo,
    SimulationResult, Tags,
};
use onramp::iam::arn::Arn;
use onramp::iam::limits::MANAGED_POLICY_SIZE;
use onramp::iam::policy::string_or_list;
use onramp::plan::admin_policy;
use onramp::plan::{
    InstanceProfileSpec, Plan, Resource, RoleSpec, ServiceLinkedRoleSpec, Spec, plan,
};
use onramp_testkit::files::example;
use onramp_testkit::glob::glob;
use onramp_testkit::journal::observe_and_apply;
use serde_json::{Value, json};

/// The account and region the examples are written for.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

const EXAMPLES: [&str; 8] = [
    "genomics.toml",
    "omics.toml",
    "genomics-service-linked.toml",
    "parallelcluster-slurm.toml",
    "parallelcluster-awsbatch.toml",
    "parallelcluster3-slurm.toml",
    "parallelcluster3-awsbatch.toml",
    "everything.toml",
];

fn plan_of(toml: &str) -> Plan {
    let valid = Answers::from_toml(toml)
        .unwrap()
        .validate(&Environment::default())
        .unwrap_or_else(|e| panic!("{e}"));
    plan(&valid).unwrap()
}

// ------------------------------------------------------------ recording

/// What IAM (or S3) authorizes for one call.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Request {
    action: String,
    resource: String,
    /// Condition keys the request carries, like `iam:PolicyARN`.
    context: BTreeMap<String, String>,
}

/// Forwards every call and records what it needs authorized, as IAM
/// authorizes it: a call by name is checked against the entity's ARN (path
/// included) when it exists, and, when it does not, against the path-less
/// ARN (the cautious reading: IAM cannot know a path for a name it does not
/// hold, and nothing documents which ARN it uses); a create is checked
/// against the ARN it makes, tags against `Tag*` as well, and adding a role
/// to an instance profile against `iam:PassRole` on the role too.
/// `sts:GetCallerIdentity` needs no permission, so it records nothing.
struct Recording<C> {
    inner: C,
    partition: String,
    account: String,
    requests: Mutex<Vec<Request>>,
}

impl<C: Cloud> Recording<C> {
    async fn new(inner: C) -> Recording<C> {
        let id = inner.identity().await.unwrap();
        Recording {
            inner,
            partition: id.partition,
            account: id.account_id,
            requests: Mutex::new(Vec::new()),
        }
    }

    fn record(&self, action: &str, resource: String, context: &[(&str, &str)]) {
        self.requests.lock().unwrap().push(Request {
            action: action.to_owned(),
            resource,
            context: context
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        });
    }

    fn iam(&self, action: &str, resource: String) {
        self.record(&format!("iam:{action}"), resource, &[]);
    }

    fn arn(&self, kind: &str, path: &str, name: &str) -> String {
        Arn::iam(&self.partition, &self.account, kind, path, name).to_string()
    }

    async fn role_arn(&self, name: &str) -> String {
        match self.inner.get_role(name).await {
            Ok(Some(role)) => role.arn,
            _ => self.arn("role", "/", name),
        }
    }

    async fn profile_arn(&self, name: &str) -> String {
        match self.inner.get_instance_profile(name).await {
            Ok(Some(profile)) => profile.arn,
            _ => self.arn("instance-profile", "/", name),
        }
    }

    fn take(&self) -> Vec<Request> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

impl Recording<CountingCloud<MemoryCloud>> {
    /// The account itself, for what someone else does behind onramp's
    /// back: nothing done through it is recorded.
    fn admin(&self) -> &MemoryCloud {
        self.inner.inner()
    }
}

#[async_trait]
impl<C: Cloud> Cloud for Recording<C> {
    async fn identity(&self) -> CloudResult<Identity> {
        self.inner.identity().await
    }

    async fn list_buckets(&self) -> CloudResult<Vec<Bucket>> {
        self.record("s3:ListAllMyBuckets", "*".into(), &[]);
        let buckets = self.inner.list_buckets().await?;
        // The SDK backend asks each bucket's location when ListBuckets
        // leaves its region out (older S3 implementations do).
        for b in &buckets {
            let arn = Arn::s3(&self.partition, &b.name).to_string();
            self.record("s3:GetBucketLocation", arn, &[]);
        }
        Ok(buckets)
    }

    async fn get_policy(&self, arn: &str) -> CloudResult<Option<PolicyInfo>> {
        self.iam("GetPolicy", arn.into());
        self.inner.get_policy(arn).await
    }
    async fn get_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<Value> {
        self.iam("GetPolicyVersion", arn.into());
        self.inner.get_policy_version(arn, version_id).await
    }
    async fn list_policy_versions(&self, arn: &str) -> CloudResult<Vec<PolicyVersion>> {
        self.iam("ListPolicyVersions", arn.into());
        self.inner.list_policy_versions(arn).await
    }
    async fn create_policy(&self, policy: NewPolicy<'_>) -> CloudResult<PolicyInfo> {
        let arn = self.arn("policy", policy.path, policy.name);
        self.iam("CreatePolicy", arn.clone());
        if !policy.tags.is_empty() {
            self.iam("TagPolicy", arn);
        }
        self.inner.create_policy(policy).await
    }
    async fn create_policy_version(
        &self,
        arn: &str,
        document: &Value,
        set_as_default: bool,
    ) -> CloudResult<String> {
        self.iam("CreatePolicyVersion", arn.into());
        self.inner
            .create_policy_version(arn, document, set_as_default)
            .await
    }
    async fn set_default_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<()> {
        self.iam("SetDefaultPolicyVersion", arn.into());
        self.inner.set_default_policy_version(arn, version_id).await
    }
    async fn delete_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<()> {
        self.iam("DeletePolicyVersion", arn.into());
        self.inner.delete_policy_version(arn, version_id).await
    }
    async fn tag_policy(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        // The SDK backend sends nothing for no tags.
        if !tags.is_empty() {
            self.iam("TagPolicy", arn.into());
        }
        self.inner.tag_policy(arn, tags).await
    }
    async fn untag_policy(&self, arn: &str, keys: &[String]) -> CloudResult<()> {
        // The SDK backend sends nothing for no keys.
        if !keys.is_empty() {
            self.iam("UntagPolicy", arn.into());
        }
        self.inner.untag_policy(arn, keys).await
    }
    async fn delete_policy(&self, arn: &str) -> CloudResult<()> {
        self.iam("DeletePolicy", arn.into());
        self.inner.delete_policy(arn).await
    }

    /// The SDK backend lists the service-linked roles when `GetRole` finds
    /// none by a service-linked role's name (see `looks_service_linked`);
    /// `ListRoles` takes no resource ARN.
    async fn get_role(&self, name: &str) -> CloudResult<Option<RoleInfo>> {
        self.iam("GetRole", self.role_arn(name).await);
        let found = self.inner.get_role(name).await;
        if matches!(found, Ok(None)) && onramp::cloud::sdk::looks_service_linked(name) {
            self.iam("ListRoles", "*".into());
        }
        found
    }
    async fn create_role(&self, role: NewRole<'_>) -> CloudResult<RoleInfo> {
        let arn = self.arn("role", role.path, role.name);
        match role.permissions_boundary {
            Some(b) => self.record(
                "iam:CreateRole",
                arn.clone(),
                &[("iam:PermissionsBoundary", b)],
            ),
            None => self.iam("CreateRole", arn.clone()),
        }
        if !role.tags.is_empty() {
            self.iam("TagRole", arn);
        }
        self.inner.create_role(role).await
    }
    async fn update_assume_role_policy(&self, name: &str, document: &Value) -> CloudResult<()> {
        self.iam("UpdateAssumeRolePolicy", self.role_arn(name).await);
        self.inner.update_assume_role_policy(name, document).await
    }
    async fn update_role_description(&self, name: &str, description: &str) -> CloudResult<()> {
        self.iam("UpdateRole", self.role_arn(name).await);
        self.inner.update_role_description(name, description).await
    }
    async fn put_role_permissions_boundary(
        &self,
        name: &str,
        boundary_arn: &str,
    ) -> CloudResult<()> {
        let arn = self.role_arn(name).await;
        self.record(
            "iam:PutRolePermissionsBoundary",
            arn,
            &[("iam:PermissionsBoundary", boundary_arn)],
        );
        self.inner
            .put_role_permissions_boundary(name, boundary_arn)
            .await
    }
    async fn delete_role_permissions_boundary(&self, name: &str) -> CloudResult<()> {
        self.iam("DeleteRolePermissionsBoundary", self.role_arn(name).await);
        self.inner.delete_role_permissions_boundary(name).await
    }
    async fn tag_role(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        if !tags.is_empty() {
            self.iam("TagRole", self.role_arn(name).await);
        }
        self.inner.tag_role(name, tags).await
    }
    async fn untag_role(&self, name: &str, keys: &[String]) -> CloudResult<()> {
        if !keys.is_empty() {
            self.iam("UntagRole", self.role_arn(name).await);
        }
        self.inner.untag_role(name, keys).await
    }
    async fn list_attached_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        self.iam("ListAttachedRolePolicies", self.role_arn(name).await);
        self.inner.list_attached_role_policies(name).await
    }
    async fn attach_role_policy(&self, name: &str, policy_arn: &str) -> CloudResult<()> {
        let arn = self.role_arn(name).await;
        self.record(
            "iam:AttachRolePolicy",
            arn,
            &[("iam:PolicyARN", policy_arn)],
        );
        self.inner.attach_role_policy(name, policy_arn).await
    }
    async fn detach_role_policy(&self, name: &str, policy_arn: &str) -> CloudResult<()> {
        let arn = self.role_arn(name).await;
        self.record(
            "iam:DetachRolePolicy",
            arn,
            &[("iam:PolicyARN", policy_arn)],
        );
        self.inner.detach_role_policy(name, policy_arn).await
    }
    async fn list_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        self.iam("ListRolePolicies", self.role_arn(name).await);
        self.inner.list_role_policies(name).await
    }
    async fn get_role_policy(&self, name: &str, policy_name: &str) -> CloudResult<Value> {
        self.iam("GetRolePolicy", self.role_arn(name).await);
        self.inner.get_role_policy(name, policy_name).await
    }
    async fn put_role_policy(
        &self,
        name: &str,
        policy_name: &str,
        document: &Value,
    ) -> CloudResult<()> {
        self.iam("PutRolePolicy", self.role_arn(name).await);
        self.inner
            .put_role_policy(name, policy_name, document)
            .await
    }
    async fn delete_role_policy(&self, name: &str, policy_name: &str) -> CloudResult<()> {
        self.iam("DeleteRolePolicy", self.role_arn(name).await);
        self.inner.delete_role_policy(name, policy_name).await
    }
    async fn delete_role(&self, name: &str) -> CloudResult<()> {
        self.iam("DeleteRole", self.role_arn(name).await);
        self.inner.delete_role(name).await
    }

    /// Authorized against the role it makes, with the service as
    /// `iam:AWSServiceName`.
    async fn create_service_linked_role(
        &self,
        service: &str,
        description: &str,
    ) -> CloudResult<RoleInfo> {
        let arn = self.arn(
            "role",
            &format!("/aws-service-role/{service}/"),
            service_linked_role_name(service),
        );
        self.record(
            "iam:CreateServiceLinkedRole",
            arn,
            &[("iam:AWSServiceName", service)],
        );
        self.inner
            .create_service_linked_role(service, description)
            .await
    }
    /// The SDK backend deletes, then polls the deletion task.
    async fn delete_service_linked_role(&self, name: &str) -> CloudResult<()> {
        let arn = self.role_arn(name).await;
        self.iam("DeleteServiceLinkedRole", arn.clone());
        self.iam("GetServiceLinkedRoleDeletionStatus", arn);
        self.inner.delete_service_linked_role(name).await
    }

    async fn get_instance_profile(&self, name: &str) -> CloudResult<Option<InstanceProfileInfo>> {
        self.iam("GetInstanceProfile", self.profile_arn(name).await);
        self.inner.get_instance_profile(name).await
    }
    async fn create_instance_profile(
        &self,
        name: &str,
        path: &str,
        tags: &Tags,
    ) -> CloudResult<InstanceProfileInfo> {
        let arn = self.arn("instance-profile", path, name);
        self.iam("CreateInstanceProfile", arn.clone());
        if !tags.is_empty() {
            self.iam("TagInstanceProfile", arn);
        }
        self.inner.create_instance_profile(name, path, tags).await
    }
    async fn tag_instance_profile(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        if !tags.is_empty() {
            self.iam("TagInstanceProfile", self.profile_arn(name).await);
        }
        self.inner.tag_instance_profile(name, tags).await
    }
    async fn untag_instance_profile(&self, name: &str, keys: &[String]) -> CloudResult<()> {
        if !keys.is_empty() {
            self.iam("UntagInstanceProfile", self.profile_arn(name).await);
        }
        self.inner.untag_instance_profile(name, keys).await
    }
    async fn add_role_to_instance_profile(&self, profile: &str, role: &str) -> CloudResult<()> {
        self.iam("AddRoleToInstanceProfile", self.profile_arn(profile).await);
        self.iam("PassRole", self.role_arn(role).await);
        self.inner.add_role_to_instance_profile(profile, role).await
    }
    async fn remove_role_from_instance_profile(
        &self,
        profile: &str,
        role: &str,
    ) -> CloudResult<()> {
        self.iam(
            "RemoveRoleFromInstanceProfile",
            self.profile_arn(profile).await,
        );
        self.inner
            .remove_role_from_instance_profile(profile, role)
            .await
    }
    async fn delete_instance_profile(&self, name: &str) -> CloudResult<()> {
        self.iam("DeleteInstanceProfile", self.profile_arn(name).await);
        self.inner.delete_instance_profile(name).await
    }

    /// The preflight's read; not part of what the plan's commands need
    /// (the admin policy cannot know its caller), so not recorded.
    async fn simulate_principal_policy(
        &self,
        source_arn: &str,
        actions: &[String],
        resources: &[String],
        context: &[ContextEntry],
    ) -> CloudResult<Vec<SimulationResult>> {
        self.inner
            .simulate_principal_policy(source_arn, actions, resources, context)
            .await
    }

    /// Neither takes a resource ARN: authorized on `*`.
    async fn account_quotas(&self) -> CloudResult<Quotas> {
        self.iam("GetAccountSummary", "*".into());
        self.inner.account_quotas().await
    }
    async fn validate_policy(
        &self,
        document: &str,
        kind: PolicyKind,
    ) -> CloudResult<Vec<AnalyzerFinding>> {
        self.record("access-analyzer:ValidatePolicy", "*".into(), &[]);
        self.inner.validate_policy(document, kind).await
    }

    fn observe_retries(&self, observer: RetryObserver) {
        self.inner.observe_retries(observer);
    }
}

/// The name AWS gives a service's service-linked role.
fn service_linked_role_name(service: &str) -> &'static str {
    match service {
        "batch.amazonaws.com" => "AWSServiceRoleForBatch",
        other => panic!("the test knows no service-linked role for {other}"),
    }
}

// ------------------------------------------------------------ evaluating

/// Whether `policy` allows `request`: some `Allow` statement matches its
/// action, its resource and every condition. The generated policies have no
/// `Deny`, `NotAction` or `NotResource`; meeting one fails the test rather
/// than being evaluated wrongly.
fn allows(policy: &Value, request: &Request) -> bool {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| statement_allows(s, request))
}

fn statement_allows(s: &Value, r: &Request) -> bool {
    assert_eq!(s["Effect"], "Allow", "{s}");
    for unsupported in ["NotAction", "NotResource", "Principal", "NotPrincipal"] {
        assert!(s.get(unsupported).is_none(), "{unsupported} in {s}");
    }
    // Action names are case-insensitive; ARNs are not.
    let action = strings(&s["Action"])
        .iter()
        .any(|a| glob(&a.to_lowercase(), &r.action.to_lowercase()));
    let resource = strings(&s["Resource"]).iter().any(|p| glob(p, &r.resource));
    action && resource && conditions_hold(&s["Condition"], r)
}

/// Every operator block and every key in it must hold; a key the request
/// does not carry makes a (non-`IfExists`) condition false.
fn conditions_hold(condition: &Value, r: &Request) -> bool {
    let Some(blocks) = condition.as_object() else {
        assert!(condition.is_null(), "{condition}");
        return true;
    };
    blocks.iter().all(|(operator, keys)| {
        keys.as_object().unwrap().iter().all(|(key, values)| {
            let Some(actual) = r.context.get(key) else {
                return false;
            };
            let values = strings(values);
            match operator.as_str() {
                "StringEquals" => values.iter().any(|v| v == actual),
                // ARN operators take wildcards, like StringLike.
                "ArnEquals" | "ArnLike" | "StringLike" => values.iter().any(|v| glob(v, actual)),
                other => panic!("the evaluator does not know the operator {other}"),
            }
        })
    })
}

/// A statement's string-or-list element; absent is empty.
fn strings(value: &Value) -> Vec<String> {
    if value.is_null() {
        return Vec::new();
    }
    string_or_list(value).unwrap_or_else(|e| panic!("{value}: {}", e.0))
}

/// The policy with one thing taken out, for each thing it holds: each
/// statement, each action, each resource, each condition value.
fn mutations(policy: &Value) -> Vec<(String, Value)> {
    let statements = policy["Statement"].as_array().unwrap();
    let mut out = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let sid = s["Sid"].as_str().unwrap().to_owned();
        let with = |s: Value| {
            let mut p = policy.clone();
            p["Statement"][i] = s;
            p
        };
        let mut without = policy.clone();
        without["Statement"].as_array_mut().unwrap().remove(i);
        out.push((format!("without statement {sid}"), without));
        for key in ["Action", "Resource"] {
            if let Some(list) = s[key].as_array() {
                for (j, item) in list.iter().enumerate() {
                    let mut changed = s.clone();
                    changed[key].as_array_mut().unwrap().remove(j);
                    out.push((format!("{sid} without {item}"), with(changed)));
                }
            }
        }
        if let Some(blocks) = s["Condition"].as_object() {
            for (operator, keys) in blocks {
                for (key, values) in keys.as_object().unwrap() {
                    let count = strings(values).len();
                    for j in 0..count {
                        let mut changed = s.clone();
                        let mut left = strings(values);
                        let dropped = left.remove(j);
                        changed["Condition"][operator][key] = json!(left);
                        out.push((format!("{sid}: {key} without {dropped}"), with(changed)));
                    }
                }
            }
        }
    }
    out
}

// ------------------------------------------------------------ scenarios

type Recorder = Recording<CountingCloud<MemoryCloud>>;

async fn account() -> Recorder {
    let memory = MemoryCloud::new(ACCOUNT, "aws");
    memory.add_bucket("lab-gwf-inputs", "us-east-1");
    memory.add_bucket("elsewhere-data", "eu-west-1");
    Recording::new(CountingCloud::new(memory)).await
}

/// A valid identity policy, made different by `marker`.
fn identity_policy(marker: usize) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": format!("Drift{marker}"), "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}
    ]})
}

fn trust(service: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    ]})
}

/// Creates the managed policy an ARN names, as an administrator would.
async fn create_policy_at(admin: &MemoryCloud, arn: &str) {
    let (_, path_and_name) = arn.split_once(":policy").unwrap();
    let (path, name) = path_and_name.rsplit_once('/').unwrap();
    admin
        .create_policy(NewPolicy {
            name,
            path: &format!("{path}/"),
            description: "made by the test",
            document: &identity_policy(0),
            tags: &Tags::new(),
        })
        .await
        .unwrap();
}

fn boundaries(plan: &Plan) -> Vec<&str> {
    let mut out: Vec<&str> = plan
        .resources
        .iter()
        .filter_map(|r| match &r.spec {
            Spec::Role(RoleSpec {
                permissions_boundary,
                ..
            }) => permissions_boundary.as_deref(),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn apply_plan(cloud: &dyn Cloud, plan: &Plan, journal: &Path) -> (Vec<Change>, Report) {
    let (changes, result) = try_apply(cloud, plan, journal).await;
    (changes, result.unwrap_or_else(|e| panic!("{e}")))
}

async fn try_apply(
    cloud: &dyn Cloud,
    plan: &Plan,
    journal: &Path,
) -> (Vec<Change>, Result<Report, ApplyError>) {
    observe_and_apply(cloud, plan, journal).await
}

async fn destroy_journal(cloud: &dyn Cloud, journal: &Path) -> DestroyReport {
    let journal = Journal::open(journal).unwrap();
    let report = destroy(
        cloud,
        &journal,
        ACCOUNT,
        REGION,
        false,
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    report
}

fn all_in(changes: &[Change], state: State) -> bool {
    changes.iter().all(|c| c.state == state)
}

/// Changes every planned entity behind onramp's back, in every way `apply`
/// puts right: a new default policy version (with five versions, so the
/// oldest is pruned), another trust policy, a policy attached, an inline
/// policy, the other boundary setting, another role in the profile.
async fn drift(admin: &MemoryCloud, plan: &Plan) {
    let drift_boundary = format!("arn:aws:iam::{ACCOUNT}:policy/drift-boundary");
    create_policy_at(admin, &drift_boundary).await;
    admin
        .create_role(NewRole {
            name: "someone-elses-role",
            path: "/",
            description: "made by the test",
            trust_policy: &trust("ec2.amazonaws.com"),
            permissions_boundary: None,
            tags: &Tags::new(),
        })
        .await
        .unwrap();
    for r in &plan.resources {
        match &r.spec {
            Spec::ManagedPolicy(_) => {
                for marker in 1..=4 {
                    admin
                        .create_policy_version(&r.arn, &identity_policy(marker), true)
                        .await
                        .unwrap();
                }
            }
            Spec::Role(RoleSpec {
                permissions_boundary,
                ..
            }) => {
                admin
                    .update_assume_role_policy(&r.name, &trust("lambda.amazonaws.com"))
                    .await
                    .unwrap();
                attach_and_put(admin, &r.name, "ReadOnlyAccess", "stray", 9).await;
                match permissions_boundary {
                    Some(_) => admin.delete_role_permissions_boundary(&r.name).await,
                    None => {
                        admin
                            .put_role_permissions_boundary(&r.name, &drift_boundary)
                            .await
                    }
                }
                .unwrap();
            }
            Spec::InstanceProfile(InstanceProfileSpec { roles }) => {
                for role in roles {
                    admin
                        .remove_role_from_instance_profile(&r.name, role)
                        .await
                        .unwrap();
                }
                admin
                    .add_role_to_instance_profile(&r.name, "someone-elses-role")
                    .await
                    .unwrap();
            }
            // AWS's alone to change: IAM refuses anyone else.
            Spec::ServiceLinkedRole(_) => {}
        }
    }
}

/// What every command asks of IAM for `plan`, on an account that has
/// nothing of it yet.
async fn requests_of_every_command(plan: &Plan) -> Vec<Request> {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("onramp.journal.jsonl");
    let cloud = account().await;
    for boundary in boundaries(plan) {
        create_policy_at(cloud.admin(), boundary).await;
    }

    // The wizard's first screens: who the caller is, and the buckets.
    cloud.identity().await.unwrap();
    cloud.list_buckets().await.unwrap();

    // The optional reads: the account's quotas (the wizard on connecting,
    // `status` and `apply` before they lint), and Access Analyzer on every
    // document (the wizard's preview, `plan --validate`).
    cloud.account_quotas().await.unwrap();
    onramp::cloud::advice::validate_plan(&cloud, plan)
        .await
        .unwrap();

    // `status`, then an apply that loses its connection on the third
    // change, then the same apply again, which resumes.
    assert!(all_in(&changes(&cloud, plan).await.unwrap(), State::Create));
    cloud.inner.fail_mutation_at(3);
    assert!(try_apply(&cloud, plan, &journal).await.1.is_err());
    apply_plan(&cloud, plan, &journal).await;

    // A re-run changes nothing.
    let (again, _) = apply_plan(&cloud, plan, &journal).await;
    assert!(all_in(&again, State::Unchanged), "{again:?}");

    // Drift is put right.
    drift(cloud.admin(), plan).await;
    let (drifted, _) = apply_plan(&cloud, plan, &journal).await;
    // A service-linked role cannot drift from what onramp plans for it.
    let linked = |c: &Change| {
        plan.resources
            .iter()
            .any(|r| r.is_service_linked() && r.name == c.name)
    };
    assert!(
        drifted.iter().all(|c| c.state
            == if linked(c) {
                State::Unchanged
            } else {
                State::Update
            }),
        "{drifted:?}"
    );
    assert!(all_in(
        &changes(&cloud, plan).await.unwrap(),
        State::Unchanged
    ));

    // Destroy, after someone attached a policy of their own to each role;
    // then destroy again, which finds everything gone.
    for r in &plan.resources {
        if let Spec::Role(_) = r.spec {
            cloud
                .admin()
                .attach_role_policy(&r.name, "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
                .await
                .unwrap();
        }
    }
    let first = destroy_journal(&cloud, &journal).await;
    assert_eq!(first.deleted.len(), plan.resources.len(), "{first:?}");
    let second = destroy_journal(&cloud, &journal).await;
    assert!(second.deleted.is_empty(), "{second:?}");
    cloud.take()
}

/// What `status` asks of IAM for `plan` when every planned name is taken by
/// someone else's entity at another path: each is read, and reported as a
/// conflict.
async fn requests_of_a_conflict(plan: &Plan) -> Vec<Request> {
    let cloud = account().await;
    let admin = cloud.admin();
    for r in &plan.resources {
        match &r.spec {
            Spec::Role(RoleSpec { trust_policy, .. }) => {
                admin
                    .create_role(NewRole {
                        name: &r.name,
                        path: "/elsewhere/",
                        description: "someone else's",
                        trust_policy,
                        permissions_boundary: None,
                        tags: &Tags::new(),
                    })
                    .await
                    .unwrap();
                admin
                    .put_role_policy(&r.name, "theirs", &identity_policy(7))
                    .await
                    .unwrap();
            }
            Spec::InstanceProfile(_) => {
                admin
                    .create_instance_profile(&r.name, "/elsewhere/", &Tags::new())
                    .await
                    .unwrap();
            }
            // Someone else's ordinary role under the service-linked role's name.
            Spec::ServiceLinkedRole(ServiceLinkedRoleSpec { service, .. }) => {
                admin
                    .create_role(NewRole {
                        name: &r.name,
                        path: "/elsewhere/",
                        description: "someone else's",
                        trust_policy: &trust(service),
                        permissions_boundary: None,
                        tags: &Tags::new(),
                    })
                    .await
                    .unwrap();
            }
            Spec::ManagedPolicy(_) => {}
        }
    }
    let status = changes(&cloud, plan).await.unwrap();
    for c in &status {
        let expected = match c.kind {
            onramp::iam::names::EntityKind::ManagedPolicy => State::Create,
            _ => State::Conflict,
        };
        assert_eq!(c.state, expected, "{c:?}");
    }
    cloud.take()
}

/// What `apply` with `adopt = ["*"]` and then `destroy` ask of IAM for
/// `plan` when someone else made every planned entity first, differing in
/// every way a restore puts back: another trust policy, description, tags,
/// boundary, inline policy and attached policy on each role; another
/// document (at five versions) and tags on each policy; another role and
/// tags in each profile.
async fn requests_of_an_adoption(plan: &Plan) -> Vec<Request> {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("adopt.journal.jsonl");
    let cloud = account().await;
    let admin = cloud.admin();
    let theirs = Tags::from([("team".to_owned(), "bio".to_owned())]);
    let their_boundary = format!("arn:aws:iam::{ACCOUNT}:policy/their-boundary");
    create_policy_at(admin, &their_boundary).await;
    for boundary in boundaries(plan) {
        create_policy_at(admin, boundary).await;
    }
    let their_role = |name: &'static str| NewRole {
        name,
        path: "/",
        description: "theirs",
        trust_policy: &LAMBDA,
        permissions_boundary: None,
        tags: &theirs,
    };
    admin.create_role(their_role("their-role")).await.unwrap();
    let mut adopted = 0;
    for r in &plan.resources {
        match &r.spec {
            Spec::Role(_) => {
                admin
                    .create_role(NewRole {
                        name: &r.name,
                        path: &r.path,
                        permissions_boundary: Some(&their_boundary),
                        ..their_role("unused")
                    })
                    .await
                    .unwrap();
                attach_and_put(admin, &r.name, "AmazonEC2ReadOnlyAccess", "theirs", 7).await;
            }
            Spec::ManagedPolicy(_) => {
                let (_, name) = r.arn.rsplit_once('/').unwrap();
                admin
                    .create_policy(NewPolicy {
                        name,
                        path: &r.path,
                        description: "theirs",
                        document: &identity_policy(1),
                        tags: &theirs,
                    })
                    .await
                    .unwrap();
                for marker in 2..=5 {
                    admin
                        .create_policy_version(&r.arn, &identity_policy(marker), true)
                        .await
                        .unwrap();
                }
            }
            Spec::InstanceProfile(_) => {
                admin
                    .create_instance_profile(&r.name, &r.path, &theirs)
                    .await
                    .unwrap();
                admin
                    .add_role_to_instance_profile(&r.name, "their-role")
                    .await
                    .unwrap();
            }
            Spec::ServiceLinkedRole(_) => continue,
        }
        adopted += 1;
    }
    let (changes, _) = apply_plan(&cloud, plan, &journal).await;
    let adopting = changes.iter().filter(|c| c.state == State::Adopt).count();
    assert_eq!(adopting, adopted, "{changes:?}");
    let report = destroy_journal(&cloud, &journal).await;
    assert_eq!(report.restored.len(), adopted, "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");
    cloud.take()
}

/// Someone else attaches the AWS managed policy `aws_policy` to `role` and
/// puts an inline policy `inline` in it (made different by `marker`).
async fn attach_and_put(
    admin: &MemoryCloud,
    role: &str,
    aws_policy: &str,
    inline: &str,
    marker: usize,
) {
    admin
        .attach_role_policy(role, &format!("arn:aws:iam::aws:policy/{aws_policy}"))
        .await
        .unwrap();
    admin
        .put_role_policy(role, inline, &identity_policy(marker))
        .await
        .unwrap();
}

/// A Lambda trust policy: someone else's role.
static LAMBDA: std::sync::LazyLock<Value> =
    std::sync::LazyLock::new(|| trust("lambda.amazonaws.com"));

/// Checks the admin policy of `plan` against everything it asks of IAM.
async fn check(plan: &Plan, what: &str) {
    let policy = admin_policy::document(plan);
    let mut requests = requests_of_every_command(plan).await;
    requests.extend(requests_of_a_conflict(plan).await);
    if !plan.existing.adopt.is_empty() {
        requests.extend(requests_of_an_adoption(plan).await);
    }
    requests.sort();
    requests.dedup();

    let denied: Vec<&Request> = requests.iter().filter(|r| !allows(&policy, r)).collect();
    assert!(
        denied.is_empty(),
        "{what}: the admin policy denies {} call(s): {denied:#?}\n{policy:#}",
        denied.len()
    );
    for (mutation, smaller) in mutations(&policy) {
        assert!(
            requests.iter().any(|r| !allows(&smaller, r)),
            "{what}: {mutation} still allows every call, so it is superfluous"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genomics_every_call_is_allowed_and_every_grant_is_needed() {
    check(&plan_of(&example("genomics.toml")), "genomics").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genomics_service_linked_every_call_is_allowed_and_every_grant_is_needed() {
    let plan = plan_of(&example("genomics-service-linked.toml"));
    assert!(plan.resources.iter().any(|r| r.is_service_linked()));
    check(&plan, "genomics with the service-linked role").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slurm_every_call_is_allowed_and_every_grant_is_needed() {
    check(&plan_of(&example("parallelcluster-slurm.toml")), "slurm").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awsbatch_every_call_is_allowed_and_every_grant_is_needed() {
    check(
        &plan_of(&example("parallelcluster-awsbatch.toml")),
        "awsbatch",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_every_call_is_allowed_and_every_grant_is_needed() {
    check(&plan_of(&example("everything.toml")), "everything").await;
}

/// No example plans an inline policy; a plan that does needs
/// `iam:PutRolePolicy`, and gets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_with_an_inline_policy_is_covered_too() {
    let mut plan = plan_of(&example("everything.toml"));
    let role = plan
        .resources
        .iter_mut()
        .find_map(Resource::role_mut)
        .unwrap();
    role.inline_policies
        .insert("planned".into(), identity_policy(5));
    assert!(
        admin_policy::document(&plan)
            .to_string()
            .contains("iam:PutRolePolicy")
    );
    check(&plan, "everything with an inline policy").await;
}

/// Answers that adopt what exists get the statements that put it back on
/// destroy, and need every one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_adopts_is_covered_too() {
    let toml = format!("adopt = [\"*\"]\n{}", example("genomics.toml"));
    let plan = plan_of(&toml);
    let policy = admin_policy::document(&plan).to_string();
    for sid in [
        "PutAdoptedRolesBackAsTheyWere",
        "PutAdoptedPoliciesBackAsTheyWere",
        "PutAdoptedProfilesBackAsTheyWere",
        "PassTheirOwnRoleBackToAdoptedProfiles",
    ] {
        assert!(policy.contains(sid), "{sid} in {policy}");
    }
    check(&plan, "genomics, adopting everything").await;
}

// ------------------------------------------------------------ the evaluator

#[test]
fn the_evaluator_reads_the_policy_language() {
    assert!(glob("arn:aws:iam::1:role/*", "arn:aws:iam::1:role/a/b"));
    assert!(glob("arn:aws:iam::1:role/*/x", "arn:aws:iam::1:role/p/q/x"));
    assert!(!glob("arn:aws:iam::1:role/*/x", "arn:aws:iam::1:role/x"));
    assert!(glob("a?c", "abc") && !glob("a?c", "ac"));
    assert!(glob("*", "") && !glob("a", ""));
    let policy = json!({"Statement": [{
        "Effect": "Allow", "Action": ["iam:AttachRolePolicy"], "Resource": ["arn:r"],
        "Condition": {"ArnEquals": {"iam:PolicyARN": ["arn:p"]}}
    }]});
    let request = |action: &str, policy_arn: Option<&str>| Request {
        action: action.into(),
        resource: "arn:r".into(),
        context: policy_arn
            .map(|p| BTreeMap::from([("iam:PolicyARN".to_owned(), p.to_owned())]))
            .unwrap_or_default(),
    };
    assert!(allows(
        &policy,
        &request("IAM:attachrolepolicy", Some("arn:p"))
    ));
    assert!(!allows(
        &policy,
        &request("iam:AttachRolePolicy", Some("arn:q"))
    ));
    assert!(!allows(&policy, &request("iam:AttachRolePolicy", None)));
    assert!(!allows(
        &policy,
        &request("iam:DetachRolePolicy", Some("arn:p"))
    ));
}

// ------------------------------------------------------------ the document

/// Characters IAM counts: everything but whitespace.
fn iam_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

#[test]
fn every_example_gives_a_valid_policy_within_the_managed_policy_limit() {
    for file in EXAMPLES {
        let plan = plan_of(&example(file));
        let text = admin_policy::render(&plan).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["Version"], "2012-10-17", "{file}");
        let statements = doc["Statement"].as_array().unwrap();
        let mut sids: Vec<&str> = statements
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert!(
            sids.iter()
                .all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric())),
            "{file}: {sids:?}"
        );
        sids.sort();
        sids.dedup();
        assert_eq!(sids.len(), statements.len(), "{file}: Sids are unique");
        let size = iam_size(&text);
        assert!(
            size <= MANAGED_POLICY_SIZE,
            "{file}: {size} characters, over {MANAGED_POLICY_SIZE}"
        );
        // Scoped: no planned entity is reached through a wildcard.
        assert!(!text.contains("role/onramp/*"), "{file}");
    }
}

#[test]
fn the_everything_policy_is_stable() {
    let text = admin_policy::render(&plan_of(&example("everything.toml"))).unwrap();
    insta::assert_snapshot!("admin_policy_everything", text);
}

// ------------------------------------------------------------ the command

fn onramp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onramp"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn export_prints_the_admin_policy() {
    let o = onramp(&[
        "export",
        "--answers",
        "examples/genomics.toml",
        "--format",
        "admin-policy",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let printed = text(&o.stdout);
    let expected = admin_policy::render(&plan_of(&example("genomics.toml"))).unwrap();
    assert_eq!(printed, expected);
    let doc: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(doc["Version"], "2012-10-17");
}

#[test]
fn export_writes_the_admin_policy_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("operator.json");
    let o = onramp(&[
        "export",
        "--answers",
        "examples/genomics.toml",
        "--format",
        "admin-policy",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), format!("wrote {}\n", file.display()));
    let written = std::fs::read_to_string(&file).unwrap();
    let expected = admin_policy::render(&plan_of(&example("genomics.toml"))).unwrap();
    assert_eq!(written, expected);
}
