//! An in-memory AWS account that behaves like IAM for everything onramp asks
//! of it: the same entities, ARNs, limits and errors (`EntityAlreadyExists`,
//! `NoSuchEntity`, `LimitExceeded`, `MalformedPolicyDocument`,
//! `DeleteConflict`, `InvalidInput`). `onramp --demo` runs against
//! [`MemoryCloud::demo`], and fast tests run the same suite against it as
//! against an IAM emulator.
//!
//! Every call takes the account's lock, does its work and lets go before it
//! returns: nothing is held across an `await`, and there is no eventual
//! consistency — an entity is visible as soon as the call that made it returns.

use crate::iam::action::Action;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::{
    AnalyzerFinding, Bucket, Cloud, CloudError, CloudResult, ContextEntry, Decision, ErrorKind,
    Identity, InstanceProfileInfo, NewPolicy, NewRole, PolicyInfo, PolicyKind, PolicyVersion,
    QuotaSource, Quotas, RoleInfo, SimulationResult, Tags, WaitFor,
};
use crate::plan::limits;
use crate::rules;

/// Tags one IAM entity may carry.
const MAX_TAGS: usize = 50;
/// Role and managed policy descriptions.
const MAX_DESCRIPTION: usize = 1_000;

/// AWS managed policies the account knows, as the part of the ARN after
/// `policy/`. Attaching any other `arn:…:iam::aws:policy/…` fails with
/// `NoSuchEntity`, as it does in IAM for a policy that does not exist.
const AWS_MANAGED_POLICIES: [&str; 32] = [
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "IAMFullAccess",
    "AmazonS3ReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "AmazonDynamoDBFullAccess",
    "AmazonEC2ReadOnlyAccess",
    "AmazonEC2FullAccess",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
    "CloudWatchAgentServerPolicy",
    "CloudWatchLogsFullAccess",
    "AWSBatchFullAccess",
    "AWSCloudFormationReadOnlyAccess",
    "AmazonElasticFileSystemReadOnlyAccess",
    "AmazonFSxReadOnlyAccess",
    "AWSXrayWriteOnlyAccess",
    "EC2InstanceProfileForImageBuilder",
    "service-role/AWSLambdaBasicExecutionRole",
    "service-role/AWSBatchServiceRole",
    "service-role/AWSBatchServiceEventTargetRole",
    "service-role/AmazonEC2ContainerServiceforEC2Role",
    "service-role/AmazonEC2ContainerServiceRole",
    "service-role/AmazonEC2SpotFleetTaggingRole",
    "service-role/AmazonEC2SpotFleetRole",
    "service-role/AmazonECSTaskExecutionRolePolicy",
    "aws-service-role/BatchServiceRolePolicy",
    "aws-service-role/AutoScalingServiceRolePolicy",
    "aws-service-role/AmazonECSServiceRolePolicy",
    "aws-service-role/AWSEC2SpotServiceRolePolicy",
];

/// The service-linked roles the account can make: the service, the name AWS
/// gives its role, and the AWS managed policy AWS attaches to it.
const SERVICE_LINKED_ROLES: [(&str, &str, &str); 4] = [
    (
        "batch.amazonaws.com",
        "AWSServiceRoleForBatch",
        "aws-service-role/BatchServiceRolePolicy",
    ),
    (
        "autoscaling.amazonaws.com",
        "AWSServiceRoleForAutoScaling",
        "aws-service-role/AutoScalingServiceRolePolicy",
    ),
    (
        "ecs.amazonaws.com",
        "AWSServiceRoleForECS",
        "aws-service-role/AmazonECSServiceRolePolicy",
    ),
    (
        "spot.amazonaws.com",
        "AWSServiceRoleForEC2Spot",
        "aws-service-role/AWSEC2SpotServiceRolePolicy",
    ),
];

/// The only version of an AWS managed policy this account knows.
const AWS_MANAGED_VERSION: &str = "v1";

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
    /// How long `wait_until_exists` takes for an entity (by lowercased name
    /// or ARN), as IAM's eventual consistency can: none unless a test set
    /// one with [`MemoryCloud::slow_to_show`].
    slow_to_show: BTreeMap<String, std::time::Duration>,
}

struct Policy {
    name: String,
    path: String,
    /// Version number → document, as given.
    versions: BTreeMap<u64, Value>,
    default_version: u64,
    /// The number the next version gets; numbers are never reused.
    next_version: u64,
    tags: Tags,
}

struct Role {
    name: String,
    path: String,
    trust_policy: Value,
    description: Option<String>,
    permissions_boundary: Option<String>,
    tags: Tags,
    /// ARNs of the attached managed policies, in the policy's own spelling.
    attached: Vec<String>,
    /// Inline policy name → document, as given.
    inline: BTreeMap<String, Value>,
    /// For a service-linked role, its service: only AWS may change or
    /// delete it (`DeleteServiceLinkedRole` aside).
    linked_service: Option<String>,
    /// What uses a service-linked role (a test says so), which makes
    /// `DeleteServiceLinkedRole` fail as it does in AWS.
    used_by: Vec<String>,
}

struct Profile {
    name: String,
    path: String,
    /// The name of the role it holds, as the role spells it.
    role: Option<String>,
    tags: Tags,
}

/// A managed policy an ARN names.
enum PolicyRef {
    /// An AWS managed policy: its entry in [`AWS_MANAGED_POLICIES`].
    Aws(&'static str),
    /// A customer managed policy: its key in [`State::policies`].
    Customer(String),
}

/// Which rules a policy document must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DocumentKind {
    /// Managed and inline policies: no principal, resources required.
    Identity,
    /// A role's trust policy: a principal, STS actions, no resources.
    Trust,
}

fn key(name: &str) -> String {
    name.to_lowercase()
}

fn error(action: Action, kind: ErrorKind, message: impl Into<String>) -> CloudError {
    CloudError::new(action, kind, message)
}

fn invalid(action: Action) -> impl Fn(String) -> CloudError {
    move |reason| error(action, ErrorKind::InvalidInput, reason)
}

fn no_role(action: Action, name: &str) -> CloudError {
    error(
        action,
        ErrorKind::NoSuchEntity,
        format!("The role with name {name} cannot be found."),
    )
}

fn protected_role(action: Action, name: &str) -> CloudError {
    error(
        action,
        ErrorKind::Other,
        format!(
            "UnmodifiableEntity: Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
        ),
    )
}

fn no_profile(action: Action, name: &str) -> CloudError {
    error(
        action,
        ErrorKind::NoSuchEntity,
        format!("Instance Profile {name} cannot be found."),
    )
}

fn no_policy(action: Action, arn: &str) -> CloudError {
    error(
        action,
        ErrorKind::NoSuchEntity,
        format!("Policy {arn} does not exist or is not attachable."),
    )
}

fn aws_managed_is_read_only(action: Action, arn: &str) -> CloudError {
    error(
        action,
        ErrorKind::AccessDenied,
        format!("{arn} is an AWS managed policy; only AWS can change or delete it"),
    )
}

fn version_id(number: u64) -> String {
    format!("v{number}")
}

/// The number of a version id. `Err` when the id is not shaped like one
/// (IAM's pattern is `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`), `Ok(None)` when it is
/// shaped like one this account never hands out.
fn parse_version_id(action: Action, id: &str) -> CloudResult<Option<u64>> {
    let shape = || {
        error(
            action,
            ErrorKind::InvalidInput,
            format!("`{id}` is not a policy version id; version ids look like `v1`, `v2`, …"),
        )
    };
    let rest = id.strip_prefix('v').ok_or_else(shape)?;
    let (digits, suffix) = match rest.split_once('.') {
        Some((digits, suffix)) => (digits, Some(suffix)),
        None => (rest, None),
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('0')
        && digits.chars().all(|c| c.is_ascii_digit())
        && suffix.is_none_or(|s| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !well_formed {
        return Err(shape());
    }
    if suffix.is_some() {
        return Ok(None);
    }
    Ok(digits.parse().ok())
}

fn check_tags(action: Action, tags: &Tags) -> CloudResult<()> {
    if tags.len() > MAX_TAGS {
        return Err(error(
            action,
            ErrorKind::LimitExceeded,
            format!(
                "{} tags were given; an IAM entity can have at most {MAX_TAGS}",
                tags.len()
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    for (k, v) in tags {
        rules::tag_key(k).map_err(invalid(action))?;
        rules::tag_value(v).map_err(invalid(action))?;
        if !seen.insert(key(k)) {
            return Err(error(
                action,
                ErrorKind::InvalidInput,
                format!(
                    "Duplicate tag keys found (`{k}`). Please note that Tag keys are case insensitive."
                ),
            ));
        }
    }
    Ok(())
}

/// Adds `new` to `existing`: a key already there (in any case) takes the new
/// key and value.
fn merge_tags(action: Action, existing: &mut Tags, new: &Tags) -> CloudResult<()> {
    check_tags(action, new)?;
    let mut merged = existing.clone();
    for (k, v) in new {
        let lower = key(k);
        merged.retain(|old, _| key(old) != lower);
        merged.insert(k.clone(), v.clone());
    }
    if merged.len() > MAX_TAGS {
        return Err(error(
            action,
            ErrorKind::LimitExceeded,
            format!(
                "the entity would have {} tags; an IAM entity can have at most {MAX_TAGS}",
                merged.len()
            ),
        ));
    }
    *existing = merged;
    Ok(())
}

fn check_description(action: Action, description: &str, role: bool) -> CloudResult<()> {
    let len = description.chars().count();
    if len > MAX_DESCRIPTION {
        return Err(error(
            action,
            ErrorKind::InvalidInput,
            format!(
                "the description is {len} characters long; IAM allows at most {MAX_DESCRIPTION}"
            ),
        ));
    }
    // A role description's pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{a1}'..='\u{ff}');
    if role && let Some(bad) = description.chars().find(|c| !allowed(*c)) {
        return Err(error(
            action,
            ErrorKind::InvalidInput,
            format!("the description contains {bad:?}, which a role description may not"),
        ));
    }
    Ok(())
}

fn malformed(action: Action, message: impl Into<String>) -> CloudError {
    error(action, ErrorKind::MalformedPolicy, message)
}

/// `value` as a list of strings, when it is a string or a list of strings.
fn strings(value: &Value) -> Option<Vec<&str>> {
    match value {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// Checks a policy document the way IAM does before it stores one.
fn check_document(action: Action, document: &Value, kind: DocumentKind) -> CloudResult<()> {
    let syntax = || malformed(action, "Syntax errors in policy.");
    let top = document.as_object().ok_or_else(syntax)?;
    if top
        .keys()
        .any(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement"))
    {
        return Err(syntax());
    }
    if let Some(version) = top.get("Version")
        && !matches!(version.as_str(), Some("2012-10-17" | "2008-10-17"))
    {
        return Err(syntax());
    }
    if top.get("Id").is_some_and(|id| !id.is_string()) {
        return Err(syntax());
    }
    let statements: Vec<&Map<String, Value>> = match top.get("Statement") {
        Some(Value::Object(one)) => vec![one],
        Some(Value::Array(list)) if !list.is_empty() => list
            .iter()
            .map(Value::as_object)
            .collect::<Option<_>>()
            .ok_or_else(syntax)?,
        _ => return Err(syntax()),
    };

    let mut sids = BTreeSet::new();
    for statement in statements {
        check_statement(action, statement, kind)?;
        if let Some(sid) = statement.get("Sid").and_then(Value::as_str)
            && !sid.is_empty()
            && !sids.insert(sid)
        {
            return Err(malformed(
                action,
                "Statement IDs (SID) in a single policy must be unique.",
            ));
        }
    }
    Ok(())
}

fn check_statement(
    action: Action,
    statement: &Map<String, Value>,
    kind: DocumentKind,
) -> CloudResult<()> {
    let syntax = || malformed(action, "Syntax errors in policy.");
    let has = |k: &str| statement.contains_key(k);
    if statement
        .keys()
        .any(|k| !crate::iam::policy::STATEMENT_KEYS.contains(&k.as_str()))
        || (has("Action") && has("NotAction"))
        || (has("Resource") && has("NotResource"))
        || (has("Principal") && has("NotPrincipal"))
        || !matches!(
            statement.get("Effect").and_then(Value::as_str),
            Some("Allow" | "Deny")
        )
        || statement.get("Sid").is_some_and(|s| !s.is_string())
    {
        return Err(syntax());
    }
    if let Some(condition) = statement.get("Condition") {
        let well_formed = condition
            .as_object()
            .is_some_and(|c| c.values().all(Value::is_object));
        if !well_formed {
            return Err(syntax());
        }
    }

    // Actions: present, not empty, each `*` or `vendor:action`.
    let actions = match statement
        .get("Action")
        .or_else(|| statement.get("NotAction"))
    {
        None => return Err(malformed(action, "Policy statement must contain actions.")),
        Some(value) => strings(value).ok_or_else(syntax)?,
    };
    if actions.is_empty() {
        return Err(malformed(action, "Policy statement must contain actions."));
    }
    for a in &actions {
        check_action(action, a)?;
    }

    // Resources: required in identity policies, prohibited in trust policies.
    let resources = statement
        .get("Resource")
        .or_else(|| statement.get("NotResource"));
    match (kind, resources) {
        (DocumentKind::Identity, None) => {
            return Err(malformed(
                action,
                "Policy statement must contain resources.",
            ));
        }
        (DocumentKind::Identity, Some(value)) => {
            let list = strings(value).ok_or_else(syntax)?;
            if list.is_empty() {
                return Err(malformed(
                    action,
                    "Policy statement must contain resources.",
                ));
            }
            for r in list {
                check_resource(action, r)?;
            }
        }
        (DocumentKind::Trust, Some(_)) => {
            return Err(malformed(action, "Has prohibited field Resource."));
        }
        (DocumentKind::Trust, None) => {}
    }

    // Principals: prohibited in identity policies, required in trust policies.
    match kind {
        DocumentKind::Identity => {
            if has("Principal") || has("NotPrincipal") {
                return Err(malformed(
                    action,
                    "Policy document should not specify a principal.",
                ));
            }
        }
        DocumentKind::Trust => {
            let Some(principal) = statement.get("Principal") else {
                return Err(malformed(action, "Missing required field Principal."));
            };
            check_principal(action, principal)?;
            if has("Action") {
                for a in &actions {
                    let sts = a
                        .split_once(':')
                        .is_some_and(|(vendor, _)| vendor.eq_ignore_ascii_case("sts"));
                    if !sts {
                        return Err(malformed(
                            action,
                            "AssumeRole policy may only specify STS AssumeRole actions.",
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_action(action: Action, a: &str) -> CloudResult<()> {
    if a == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = a.split(':').collect();
    match parts[..] {
        [_] => Err(malformed(
            action,
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        )),
        [vendor, name] => {
            let vendor_ok = !vendor.is_empty()
                && vendor
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !vendor_ok {
                Err(malformed(action, format!("Vendor {vendor} is not valid")))
            } else if name.is_empty() {
                Err(malformed(action, format!("Action {a} is not valid")))
            } else {
                Ok(())
            }
        }
        _ => Err(malformed(
            action,
            "Actions/Condition can contain only one colon.",
        )),
    }
}

fn check_resource(action: Action, resource: &str) -> CloudResult<()> {
    if resource == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let well_formed =
        parts.len() == 6 && parts[0] == "arn" && !parts[1].is_empty() && !parts[2].is_empty();
    if well_formed {
        Ok(())
    } else {
        Err(malformed(
            action,
            format!("Resource {resource} must be in ARN format or \"*\"."),
        ))
    }
}

fn check_principal(action: Action, principal: &Value) -> CloudResult<()> {
    let bad = || malformed(action, format!("Invalid principal in policy: {principal}"));
    match principal {
        Value::String(s) if s == "*" => Ok(()),
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                if !matches!(
                    k.as_str(),
                    "AWS" | "Service" | "Federated" | "CanonicalUser"
                ) {
                    return Err(bad());
                }
                let list = strings(v).ok_or_else(bad)?;
                if list.is_empty() || list.iter().any(|p| p.is_empty()) {
                    return Err(bad());
                }
                if k == "AWS" {
                    let aws_ok = |p: &&str| {
                        *p == "*" || p.starts_with("arn:") || rules::account_id(p).is_ok()
                    };
                    if !list.iter().all(aws_ok) {
                        return Err(bad());
                    }
                }
            }
            Ok(())
        }
        _ => Err(bad()),
    }
}

fn check_size(action: Action, document: &Value, max: usize, quota: &str) -> CloudResult<()> {
    let size = limits::policy_size(document);
    if size > max {
        return Err(error(
            action,
            ErrorKind::LimitExceeded,
            format!(
                "Cannot exceed quota for {quota}: {max} (the document has {size} characters without whitespace)"
            ),
        ));
    }
    Ok(())
}

impl State {
    /// The permission documents of the role `arn` of this account (inline,
    /// then each attached policy's default version), or `None` when `arn`
    /// names no role here.
    fn role_documents(&self, arn: &str) -> Option<Vec<Value>> {
        let role = self
            .roles
            .values()
            .find(|r| self.arn("role", &r.path, &r.name) == arn)?;
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

    fn arn(&self, resource: &str, path: &str, name: &str) -> String {
        format!(
            "arn:{}:iam::{}:{resource}{path}{name}",
            self.partition, self.account_id
        )
    }

    fn aws_managed_arn(&self, entry: &str) -> String {
        format!("arn:{}:iam::aws:policy/{entry}", self.partition)
    }

    /// Which policy an ARN names: `Ok(None)` when there is none such,
    /// `Err(InvalidInput)` when it is not a managed policy ARN of this
    /// account's partition.
    fn resolve(&self, action: Action, arn: &str) -> CloudResult<Option<PolicyRef>> {
        let not_valid = || {
            error(
                action,
                ErrorKind::InvalidInput,
                format!("ARN {arn} is not valid."),
            )
        };
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [literal, partition, service, region, account, resource] = parts[..] else {
            return Err(not_valid());
        };
        if literal != "arn" || service != "iam" || !region.is_empty() {
            return Err(not_valid());
        }
        if partition != self.partition {
            return Err(error(
                action,
                ErrorKind::InvalidInput,
                format!(
                    "ARN {arn} is in partition `{partition}`, but this account is in `{}`.",
                    self.partition
                ),
            ));
        }
        let Some(path_and_name) = resource.strip_prefix("policy/") else {
            return Err(not_valid());
        };
        if path_and_name.is_empty() || path_and_name.ends_with('/') {
            return Err(not_valid());
        }
        if account == "aws" {
            return Ok(AWS_MANAGED_POLICIES
                .iter()
                .find(|entry| **entry == path_and_name)
                .map(|entry| PolicyRef::Aws(entry)));
        }
        rules::account_id(account).map_err(|_| not_valid())?;
        if account != self.account_id {
            return Ok(None);
        }
        let (path, name) = match path_and_name.rfind('/') {
            Some(i) => (
                format!("/{}", &path_and_name[..=i]),
                &path_and_name[i + 1..],
            ),
            None => ("/".to_owned(), path_and_name),
        };
        let k = key(name);
        Ok(self
            .policies
            .get(&k)
            .filter(|p| p.path == path)
            .map(|_| PolicyRef::Customer(k)))
    }

    /// The customer managed policy an ARN names, for calls that change it.
    fn customer_policy(&mut self, action: Action, arn: &str) -> CloudResult<&mut Policy> {
        match self.resolve(action, arn)? {
            None => Err(no_policy(action, arn)),
            Some(PolicyRef::Aws(_)) => Err(aws_managed_is_read_only(action, arn)),
            Some(PolicyRef::Customer(k)) => self
                .policies
                .get_mut(&k)
                .ok_or_else(|| no_policy(action, arn)),
        }
    }

    /// The policy's ARN as the policy spells it.
    fn canonical_arn(&self, policy: &PolicyRef) -> String {
        match policy {
            PolicyRef::Aws(entry) => self.aws_managed_arn(entry),
            PolicyRef::Customer(k) => self
                .policies
                .get(k)
                .map(|p| self.arn("policy", &p.path, &p.name))
                .unwrap_or_default(),
        }
    }

    fn policy_info(&self, policy: &Policy) -> PolicyInfo {
        PolicyInfo {
            arn: self.arn("policy", &policy.path, &policy.name),
            name: policy.name.clone(),
            path: policy.path.clone(),
            default_version_id: version_id(policy.default_version),
            tags: policy.tags.clone(),
        }
    }

    fn aws_policy_info(&self, entry: &str) -> PolicyInfo {
        let (path, name) = match entry.rfind('/') {
            Some(i) => (format!("/{}", &entry[..=i]), &entry[i + 1..]),
            None => ("/".to_owned(), entry),
        };
        PolicyInfo {
            arn: self.aws_managed_arn(entry),
            name: name.to_owned(),
            path,
            default_version_id: AWS_MANAGED_VERSION.to_owned(),
            tags: Tags::new(),
        }
    }

    fn role_info(&self, role: &Role) -> RoleInfo {
        RoleInfo {
            arn: self.arn("role", &role.path, &role.name),
            name: role.name.clone(),
            path: role.path.clone(),
            trust_policy: role.trust_policy.clone(),
            description: role.description.clone(),
            permissions_boundary: role.permissions_boundary.clone(),
            tags: role.tags.clone(),
        }
    }

    fn profile_info(&self, profile: &Profile) -> InstanceProfileInfo {
        InstanceProfileInfo {
            arn: self.arn("instance-profile", &profile.path, &profile.name),
            name: profile.name.clone(),
            path: profile.path.clone(),
            roles: profile.role.iter().cloned().collect(),
            tags: profile.tags.clone(),
        }
    }

    fn role(&self, action: Action, name: &str) -> CloudResult<&Role> {
        self.roles
            .get(&key(name))
            .ok_or_else(|| no_role(action, name))
    }

    /// A role to change: a service-linked role is AWS's to change, and IAM
    /// refuses (`UnmodifiableEntity`).
    fn role_mut(&mut self, action: Action, name: &str) -> CloudResult<&mut Role> {
        let role = self
            .roles
            .get_mut(&key(name))
            .ok_or_else(|| no_role(action, name))?;
        if role.linked_service.is_some() {
            return Err(protected_role(action, &role.name));
        }
        Ok(role)
    }

    fn profile_mut(&mut self, action: Action, name: &str) -> CloudResult<&mut Profile> {
        self.profiles
            .get_mut(&key(name))
            .ok_or_else(|| no_profile(action, name))
    }

    /// A permissions boundary must be an existing managed policy.
    fn check_boundary(&self, action: Action, arn: &str) -> CloudResult<()> {
        match self.resolve(action, arn)? {
            Some(_) => Ok(()),
            None => Err(error(
                action,
                ErrorKind::NoSuchEntity,
                format!("Scope ARN: {arn} does not exist or is not attachable."),
            )),
        }
    }

    fn attachments(&self, arn: &str) -> usize {
        self.roles
            .values()
            .filter(|r| r.attached.iter().any(|a| a == arn))
            .count()
    }

    // ----- managed policies -----

    fn get_policy(&self, arn: &str) -> CloudResult<Option<PolicyInfo>> {
        const A: Action = Action::GetPolicy;
        Ok(match self.resolve(A, arn)? {
            None => None,
            Some(PolicyRef::Aws(entry)) => Some(self.aws_policy_info(entry)),
            Some(PolicyRef::Customer(k)) => self.policies.get(&k).map(|p| self.policy_info(p)),
        })
    }

    fn get_policy_version(&self, arn: &str, version: &str) -> CloudResult<Value> {
        const A: Action = Action::GetPolicyVersion;
        let number = parse_version_id(A, version)?;
        let no_version = || {
            error(
                A,
                ErrorKind::NoSuchEntity,
                format!("Policy {arn} version {version} does not exist."),
            )
        };
        match self.resolve(A, arn)? {
            None => Err(no_policy(A, arn)),
            // AWS's documents, for the policies onramp attaches, from
            // onramp's vendored copies; an empty one for any other. Either
            // is the only version the account knows.
            Some(PolicyRef::Aws(_)) if version == AWS_MANAGED_VERSION => {
                Ok(crate::iam::managed::lookup(arn).map_or_else(
                    || serde_json::json!({"Version": "2012-10-17", "Statement": []}),
                    |p| p.document,
                ))
            }
            Some(PolicyRef::Aws(_)) => Err(no_version()),
            Some(PolicyRef::Customer(k)) => {
                let policy = self.policies.get(&k).ok_or_else(|| no_policy(A, arn))?;
                number
                    .and_then(|n| policy.versions.get(&n))
                    .cloned()
                    .ok_or_else(no_version)
            }
        }
    }

    fn list_policy_versions(&self, arn: &str) -> CloudResult<Vec<PolicyVersion>> {
        const A: Action = Action::ListPolicyVersions;
        match self.resolve(A, arn)? {
            None => Err(no_policy(A, arn)),
            Some(PolicyRef::Aws(_)) => Ok(vec![PolicyVersion {
                version_id: AWS_MANAGED_VERSION.to_owned(),
                is_default: true,
            }]),
            Some(PolicyRef::Customer(k)) => {
                let policy = self.policies.get(&k).ok_or_else(|| no_policy(A, arn))?;
                Ok(policy
                    .versions
                    .keys()
                    .map(|n| PolicyVersion {
                        version_id: version_id(*n),
                        is_default: *n == policy.default_version,
                    })
                    .collect())
            }
        }
    }

    fn create_policy(&mut self, new: NewPolicy<'_>) -> CloudResult<PolicyInfo> {
        const A: Action = Action::CreatePolicy;
        rules::iam_name(new.name, "policy name", limits::POLICY_NAME_MAX).map_err(invalid(A))?;
        rules::iam_path(new.path).map_err(invalid(A))?;
        check_description(A, new.description, false)?;
        check_tags(A, new.tags)?;
        check_document(A, new.document, DocumentKind::Identity)?;
        check_size(
            A,
            new.document,
            self.quotas.managed_policy_size,
            "PolicySize",
        )?;
        let k = key(new.name);
        if self.policies.contains_key(&k) {
            return Err(error(
                A,
                ErrorKind::AlreadyExists,
                format!(
                    "A policy called {} already exists. Duplicate names are not allowed.",
                    new.name
                ),
            ));
        }
        let policy = Policy {
            name: new.name.to_owned(),
            path: new.path.to_owned(),
            versions: BTreeMap::from([(1, new.document.clone())]),
            default_version: 1,
            next_version: 2,
            tags: new.tags.clone(),
        };
        let info = self.policy_info(&policy);
        self.policies.insert(k, policy);
        Ok(info)
    }

    fn create_policy_version(
        &mut self,
        arn: &str,
        document: &Value,
        set_as_default: bool,
    ) -> CloudResult<String> {
        const A: Action = Action::CreatePolicyVersion;
        let (max_size, max_versions) = (
            self.quotas.managed_policy_size,
            self.quotas.versions_per_policy,
        );
        let policy = self.customer_policy(A, arn)?;
        check_document(A, document, DocumentKind::Identity)?;
        check_size(A, document, max_size, "PolicySize")?;
        if policy.versions.len() >= max_versions {
            return Err(error(
                A,
                ErrorKind::LimitExceeded,
                format!(
                    "A managed policy can have up to {max_versions} versions. Before you create a new version, you must delete an existing version."
                ),
            ));
        }
        let number = policy.next_version;
        policy.next_version += 1;
        policy.versions.insert(number, document.clone());
        if set_as_default {
            policy.default_version = number;
        }
        Ok(version_id(number))
    }

    fn set_default_policy_version(&mut self, arn: &str, version: &str) -> CloudResult<()> {
        const A: Action = Action::SetDefaultPolicyVersion;
        let number = parse_version_id(A, version)?;
        let policy = self.customer_policy(A, arn)?;
        match number.filter(|n| policy.versions.contains_key(n)) {
            Some(n) => {
                policy.default_version = n;
                Ok(())
            }
            None => Err(error(
                A,
                ErrorKind::NoSuchEntity,
                format!("Policy {arn} version {version} does not exist or is not attachable."),
            )),
        }
    }

    fn delete_policy_version(&mut self, arn: &str, version: &str) -> CloudResult<()> {
        const A: Action = Action::DeletePolicyVersion;
        let number = parse_version_id(A, version)?;
        let policy = self.customer_policy(A, arn)?;
        match number.filter(|n| policy.versions.contains_key(n)) {
            Some(n) if n == policy.default_version => Err(error(
                A,
                ErrorKind::DeleteConflict,
                "Cannot delete the default version of a policy.",
            )),
            Some(n) => {
                policy.versions.remove(&n);
                Ok(())
            }
            None => Err(error(
                A,
                ErrorKind::NoSuchEntity,
                format!("Policy {arn} version {version} does not exist."),
            )),
        }
    }

    fn tag_policy(&mut self, arn: &str, tags: &Tags) -> CloudResult<()> {
        const A: Action = Action::TagPolicy;
        let policy = self.customer_policy(A, arn)?;
        merge_tags(A, &mut policy.tags, tags)
    }

    fn delete_policy(&mut self, arn: &str) -> CloudResult<()> {
        const A: Action = Action::DeletePolicy;
        let k = match self.resolve(A, arn)? {
            None => return Err(no_policy(A, arn)),
            Some(PolicyRef::Aws(_)) => return Err(aws_managed_is_read_only(A, arn)),
            Some(PolicyRef::Customer(k)) => k,
        };
        let canonical = self.canonical_arn(&PolicyRef::Customer(k.clone()));
        if self.attachments(&canonical) > 0 {
            return Err(error(
                A,
                ErrorKind::DeleteConflict,
                "Cannot delete a policy attached to entities.",
            ));
        }
        let versions = self.policies.get(&k).map_or(0, |p| p.versions.len());
        if versions > 1 {
            return Err(error(
                A,
                ErrorKind::DeleteConflict,
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
            ));
        }
        self.policies.remove(&k);
        Ok(())
    }

    // ----- roles -----

    fn create_role(&mut self, new: NewRole<'_>) -> CloudResult<RoleInfo> {
        const A: Action = Action::CreateRole;
        rules::iam_name(new.name, "role name", limits::ROLE_NAME_MAX).map_err(invalid(A))?;
        rules::iam_path(new.path).map_err(invalid(A))?;
        check_description(A, new.description, true)?;
        check_tags(A, new.tags)?;
        check_document(A, new.trust_policy, DocumentKind::Trust)?;
        check_size(
            A,
            new.trust_policy,
            self.quotas.trust_policy_size,
            "ACLSizePerRole",
        )?;
        let k = key(new.name);
        if self.roles.contains_key(&k) {
            return Err(error(
                A,
                ErrorKind::AlreadyExists,
                format!("Role with name {} already exists.", new.name),
            ));
        }
        if let Some(boundary) = new.permissions_boundary {
            self.check_boundary(A, boundary)?;
        }
        let role = Role {
            name: new.name.to_owned(),
            path: new.path.to_owned(),
            trust_policy: new.trust_policy.clone(),
            description: Some(new.description.to_owned()).filter(|d| !d.is_empty()),
            permissions_boundary: new.permissions_boundary.map(str::to_owned),
            tags: new.tags.clone(),
            attached: Vec::new(),
            inline: BTreeMap::new(),
            linked_service: None,
            used_by: Vec::new(),
        };
        let info = self.role_info(&role);
        self.roles.insert(k, role);
        Ok(info)
    }

    fn update_assume_role_policy(&mut self, name: &str, document: &Value) -> CloudResult<()> {
        const A: Action = Action::UpdateAssumeRolePolicy;
        self.role(A, name)?;
        check_document(A, document, DocumentKind::Trust)?;
        check_size(A, document, self.quotas.trust_policy_size, "ACLSizePerRole")?;
        self.role_mut(A, name)?.trust_policy = document.clone();
        Ok(())
    }

    fn put_role_permissions_boundary(&mut self, name: &str, boundary: &str) -> CloudResult<()> {
        const A: Action = Action::PutRolePermissionsBoundary;
        self.role(A, name)?;
        self.check_boundary(A, boundary)?;
        self.role_mut(A, name)?.permissions_boundary = Some(boundary.to_owned());
        Ok(())
    }

    fn delete_role_permissions_boundary(&mut self, name: &str) -> CloudResult<()> {
        const A: Action = Action::DeleteRolePermissionsBoundary;
        self.role_mut(A, name)?.permissions_boundary = None;
        Ok(())
    }

    fn tag_role(&mut self, name: &str, tags: &Tags) -> CloudResult<()> {
        const A: Action = Action::TagRole;
        merge_tags(A, &mut self.role_mut(A, name)?.tags, tags)
    }

    fn list_attached_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        const A: Action = Action::ListAttachedRolePolicies;
        let mut arns = self.role(A, name)?.attached.clone();
        // Ordered by policy name, as IAM lists them.
        arns.sort_by_key(|arn| {
            let name = arn.rsplit('/').next().unwrap_or_default().to_owned();
            (name, arn.clone())
        });
        Ok(arns)
    }

    fn attach_role_policy(&mut self, name: &str, arn: &str) -> CloudResult<()> {
        const A: Action = Action::AttachRolePolicy;
        self.role(A, name)?;
        let policy = self.resolve(A, arn)?.ok_or_else(|| no_policy(A, arn))?;
        let canonical = self.canonical_arn(&policy);
        let max = self.quotas.attached_policies_per_role;
        let role = self.role_mut(A, name)?;
        if role.attached.contains(&canonical) {
            return Ok(());
        }
        if role.attached.len() >= max {
            return Err(error(
                A,
                ErrorKind::LimitExceeded,
                format!("Cannot exceed quota for PoliciesPerRole: {max}"),
            ));
        }
        role.attached.push(canonical);
        Ok(())
    }

    fn detach_role_policy(&mut self, name: &str, arn: &str) -> CloudResult<()> {
        const A: Action = Action::DetachRolePolicy;
        self.role(A, name)?;
        let not_attached = || {
            error(
                A,
                ErrorKind::NoSuchEntity,
                format!("Policy {arn} was not found."),
            )
        };
        let policy = self.resolve(A, arn)?.ok_or_else(not_attached)?;
        let canonical = self.canonical_arn(&policy);
        let role = self.role_mut(A, name)?;
        let at = role
            .attached
            .iter()
            .position(|a| *a == canonical)
            .ok_or_else(not_attached)?;
        role.attached.remove(at);
        Ok(())
    }

    fn list_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        const A: Action = Action::ListRolePolicies;
        Ok(self.role(A, name)?.inline.keys().cloned().collect())
    }

    fn get_role_policy(&self, name: &str, policy: &str) -> CloudResult<Value> {
        const A: Action = Action::GetRolePolicy;
        self.role(A, name)?
            .inline
            .get(policy)
            .cloned()
            .ok_or_else(|| {
                error(
                    A,
                    ErrorKind::NoSuchEntity,
                    format!("The role policy with name {policy} cannot be found."),
                )
            })
    }

    fn put_role_policy(&mut self, name: &str, policy: &str, document: &Value) -> CloudResult<()> {
        const A: Action = Action::PutRolePolicy;
        let role = self.role(A, name)?;
        rules::iam_name(policy, "policy name", limits::POLICY_NAME_MAX).map_err(invalid(A))?;
        check_document(A, document, DocumentKind::Identity)?;
        let others: usize = role
            .inline
            .iter()
            .filter(|(n, _)| n.as_str() != policy)
            .map(|(_, d)| limits::policy_size(d))
            .sum();
        let total = others + limits::policy_size(document);
        if total > self.quotas.inline_policies_per_role_size {
            return Err(error(
                A,
                ErrorKind::LimitExceeded,
                format!(
                    "Maximum policy size of {} bytes exceeded for role {} (its inline policies would have {total} characters without whitespace)",
                    self.quotas.inline_policies_per_role_size, role.name
                ),
            ));
        }
        self.role_mut(A, name)?
            .inline
            .insert(policy.to_owned(), document.clone());
        Ok(())
    }

    fn delete_role_policy(&mut self, name: &str, policy: &str) -> CloudResult<()> {
        const A: Action = Action::DeleteRolePolicy;
        match self.role_mut(A, name)?.inline.remove(policy) {
            Some(_) => Ok(()),
            None => Err(error(
                A,
                ErrorKind::NoSuchEntity,
                format!("The role policy with name {policy} cannot be found."),
            )),
        }
    }

    fn delete_role(&mut self, name: &str) -> CloudResult<()> {
        const A: Action = Action::DeleteRole;
        let role = self.role(A, name)?;
        if role.linked_service.is_some() {
            return Err(protected_role(A, &role.name));
        }
        let conflict = |message: &str| Err(error(A, ErrorKind::DeleteConflict, message));
        if self
            .profiles
            .values()
            .any(|p| p.role.as_deref() == Some(role.name.as_str()))
        {
            return conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            );
        }
        if !role.attached.is_empty() {
            return conflict("Cannot delete entity, must detach all policies first.");
        }
        if !role.inline.is_empty() {
            return conflict("Cannot delete entity, must delete policies first.");
        }
        self.roles.remove(&key(name));
        Ok(())
    }

    // ----- service-linked roles -----

    fn create_service_linked_role(
        &mut self,
        service: &str,
        description: &str,
    ) -> CloudResult<RoleInfo> {
        const A: Action = Action::CreateServiceLinkedRole;
        check_description(A, description, true)?;
        let Some((_, name, policy)) = SERVICE_LINKED_ROLES.iter().find(|(s, _, _)| *s == service)
        else {
            return Err(error(
                A,
                ErrorKind::InvalidInput,
                format!("Unknown service name {service}."),
            ));
        };
        let k = key(name);
        if self.roles.contains_key(&k) {
            // IAM's words: it says InvalidInput, meaning the name is taken.
            return Err(error(
                A,
                ErrorKind::AlreadyExists,
                format!(
                    "Service role name {name} has been taken in this account, please try a different suffix."
                ),
            ));
        }
        let role = Role {
            name: (*name).to_owned(),
            path: format!("/aws-service-role/{service}/"),
            trust_policy: serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole"
                }]
            }),
            description: Some(description.to_owned()).filter(|d| !d.is_empty()),
            permissions_boundary: None,
            tags: Tags::new(),
            attached: vec![self.aws_managed_arn(policy)],
            inline: BTreeMap::new(),
            linked_service: Some(service.to_owned()),
            used_by: Vec::new(),
        };
        let info = self.role_info(&role);
        self.roles.insert(k, role);
        Ok(info)
    }

    /// Deletes at once: the deletion task AWS runs is over before the call
    /// returns.
    fn delete_service_linked_role(&mut self, name: &str) -> CloudResult<()> {
        const A: Action = Action::DeleteServiceLinkedRole;
        let role = self.role(A, name)?;
        if role.linked_service.is_none() {
            return Err(error(
                A,
                ErrorKind::InvalidInput,
                format!("Role {} is not a service-linked role.", role.name),
            ));
        }
        if !role.used_by.is_empty() {
            return Err(error(
                A,
                ErrorKind::DeleteConflict,
                format!(
                    "AWS did not delete {}: it is still used by {}; delete those first",
                    role.name,
                    role.used_by.join(", ")
                ),
            ));
        }
        self.roles.remove(&key(name));
        Ok(())
    }

    // ----- instance profiles -----

    fn create_instance_profile(
        &mut self,
        name: &str,
        path: &str,
        tags: &Tags,
    ) -> CloudResult<InstanceProfileInfo> {
        const A: Action = Action::CreateInstanceProfile;
        rules::iam_name(
            name,
            "instance profile name",
            limits::INSTANCE_PROFILE_NAME_MAX,
        )
        .map_err(invalid(A))?;
        rules::iam_path(path).map_err(invalid(A))?;
        check_tags(A, tags)?;
        let k = key(name);
        if self.profiles.contains_key(&k) {
            return Err(error(
                A,
                ErrorKind::AlreadyExists,
                format!("Instance Profile {name} already exists."),
            ));
        }
        let profile = Profile {
            name: name.to_owned(),
            path: path.to_owned(),
            role: None,
            tags: tags.clone(),
        };
        let info = self.profile_info(&profile);
        self.profiles.insert(k, profile);
        Ok(info)
    }

    fn tag_instance_profile(&mut self, name: &str, tags: &Tags) -> CloudResult<()> {
        const A: Action = Action::TagInstanceProfile;
        merge_tags(A, &mut self.profile_mut(A, name)?.tags, tags)
    }

    fn add_role_to_instance_profile(&mut self, profile: &str, role: &str) -> CloudResult<()> {
        const A: Action = Action::AddRoleToInstanceProfile;
        let role_name = self.role(A, role)?.name.clone();
        let p = self.profile_mut(A, profile)?;
        if p.role.is_some() {
            return Err(error(
                A,
                ErrorKind::LimitExceeded,
                "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
            ));
        }
        p.role = Some(role_name);
        Ok(())
    }

    fn remove_role_from_instance_profile(&mut self, profile: &str, role: &str) -> CloudResult<()> {
        const A: Action = Action::RemoveRoleFromInstanceProfile;
        let role_name = self.role(A, role)?.name.clone();
        let p = self.profile_mut(A, profile)?;
        if p.role.as_deref() != Some(role_name.as_str()) {
            return Err(error(
                A,
                ErrorKind::NoSuchEntity,
                format!("Role {role} is not in instance profile {profile}."),
            ));
        }
        p.role = None;
        Ok(())
    }

    fn delete_instance_profile(&mut self, name: &str) -> CloudResult<()> {
        const A: Action = Action::DeleteInstanceProfile;
        if self.profile_mut(A, name)?.role.is_some() {
            return Err(error(
                A,
                ErrorKind::DeleteConflict,
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        self.profiles.remove(&key(name));
        Ok(())
    }

    fn exists(&self, kind: WaitFor, id: &str) -> CloudResult<()> {
        match kind {
            WaitFor::Role => self.role(Action::GetRole, id).map(|_| ()),
            WaitFor::InstanceProfile => self
                .profiles
                .get(&key(id))
                .map(|_| ())
                .ok_or_else(|| no_profile(Action::GetInstanceProfile, id)),
            WaitFor::Policy => match self.resolve(Action::GetPolicy, id)? {
                Some(_) => Ok(()),
                None => Err(no_policy(Action::GetPolicy, id)),
            },
        }
    }
}

impl MemoryCloud {
    /// An empty account in the given partition; the caller is the IAM user
    /// `onramp-demo`.
    pub fn new(account_id: &str, partition: &str) -> MemoryCloud {
        MemoryCloud {
            caller_arn: format!("arn:{partition}:iam::{account_id}:user/onramp-demo"),
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
                slow_to_show: BTreeMap::new(),
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

    /// Makes [`Cloud::wait_until_exists`] take `delay` for the entity
    /// `id` (a name, or a policy's ARN), as IAM's eventual consistency
    /// sometimes does, for tests of what a person sees meanwhile.
    pub fn slow_to_show(&self, id: &str, delay: std::time::Duration) {
        self.state().slow_to_show.insert(key(id), delay);
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

    /// Whether `arn` is a principal the simulator knows: the caller, or
    /// for an assumed-role session the role it assumed (by its full ARN,
    /// path included, as IAM wants it).
    fn simulates(&self, state: &State, arn: &str) -> bool {
        if arn == self.caller_arn {
            return true;
        }
        let session_role = self
            .caller_arn
            .split_once(":assumed-role/")
            .and_then(|(_, rest)| rest.split('/').next());
        session_role
            .and_then(|name| state.roles.get(&key(name)))
            .is_some_and(|role| state.arn("role", &role.path, &role.name) == arn)
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
        self.state().get_policy(arn)
    }

    async fn get_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<Value> {
        self.state().get_policy_version(arn, version_id)
    }

    async fn list_policy_versions(&self, arn: &str) -> CloudResult<Vec<PolicyVersion>> {
        self.state().list_policy_versions(arn)
    }

    async fn create_policy(&self, policy: NewPolicy<'_>) -> CloudResult<PolicyInfo> {
        self.state().create_policy(policy)
    }

    async fn create_policy_version(
        &self,
        arn: &str,
        document: &Value,
        set_as_default: bool,
    ) -> CloudResult<String> {
        self.state()
            .create_policy_version(arn, document, set_as_default)
    }

    async fn set_default_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<()> {
        self.state().set_default_policy_version(arn, version_id)
    }

    async fn delete_policy_version(&self, arn: &str, version_id: &str) -> CloudResult<()> {
        self.state().delete_policy_version(arn, version_id)
    }

    async fn tag_policy(&self, arn: &str, tags: &Tags) -> CloudResult<()> {
        self.state().tag_policy(arn, tags)
    }

    async fn delete_policy(&self, arn: &str) -> CloudResult<()> {
        self.state().delete_policy(arn)
    }

    async fn get_role(&self, name: &str) -> CloudResult<Option<RoleInfo>> {
        let state = self.state();
        Ok(state.roles.get(&key(name)).map(|r| state.role_info(r)))
    }

    async fn create_role(&self, role: NewRole<'_>) -> CloudResult<RoleInfo> {
        self.state().create_role(role)
    }

    async fn update_assume_role_policy(&self, name: &str, document: &Value) -> CloudResult<()> {
        self.state().update_assume_role_policy(name, document)
    }

    async fn put_role_permissions_boundary(
        &self,
        name: &str,
        boundary_arn: &str,
    ) -> CloudResult<()> {
        self.state()
            .put_role_permissions_boundary(name, boundary_arn)
    }

    async fn delete_role_permissions_boundary(&self, name: &str) -> CloudResult<()> {
        self.state().delete_role_permissions_boundary(name)
    }

    async fn tag_role(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        self.state().tag_role(name, tags)
    }

    async fn list_attached_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        self.state().list_attached_role_policies(name)
    }

    async fn attach_role_policy(&self, name: &str, policy_arn: &str) -> CloudResult<()> {
        self.state().attach_role_policy(name, policy_arn)
    }

    async fn detach_role_policy(&self, name: &str, policy_arn: &str) -> CloudResult<()> {
        self.state().detach_role_policy(name, policy_arn)
    }

    async fn list_role_policies(&self, name: &str) -> CloudResult<Vec<String>> {
        self.state().list_role_policies(name)
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
        self.state().put_role_policy(name, policy_name, document)
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
        self.state()
            .create_service_linked_role(service, description)
    }

    async fn delete_service_linked_role(&self, name: &str) -> CloudResult<()> {
        self.state().delete_service_linked_role(name)
    }

    async fn get_instance_profile(&self, name: &str) -> CloudResult<Option<InstanceProfileInfo>> {
        let state = self.state();
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
        self.state().create_instance_profile(name, path, tags)
    }

    async fn tag_instance_profile(&self, name: &str, tags: &Tags) -> CloudResult<()> {
        self.state().tag_instance_profile(name, tags)
    }

    async fn add_role_to_instance_profile(&self, profile: &str, role: &str) -> CloudResult<()> {
        self.state().add_role_to_instance_profile(profile, role)
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

    async fn wait_until_exists(&self, kind: WaitFor, id: &str) -> CloudResult<()> {
        let delay = self.state().slow_to_show.get(&key(id)).copied();
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        self.state().exists(kind, id)
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

    /// The caller is decided by [`MemoryCloud::deny`] alone (conditions and
    /// resources play no part). A role of the account is decided by its own
    /// documents, evaluated as IAM does, with [`MemoryCloud::deny`] standing
    /// in for what else can refuse (a boundary, an organisation's SCP).
    async fn simulate_principal_policy(
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

/// The trait object needs both; a change that loses one fails to compile.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<MemoryCloud>();
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ACCOUNT: &str = "123456789012";

    fn cloud() -> MemoryCloud {
        MemoryCloud::new(ACCOUNT, "aws")
    }

    fn allow(action: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": action, "Resource": "*"}
        ]})
    }

    fn trust(service: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ]})
    }

    fn no_tags() -> Tags {
        Tags::new()
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn policy_arn(path_and_name: &str) -> String {
        format!("arn:aws:iam::{ACCOUNT}:policy/{path_and_name}")
    }

    fn aws(path_and_name: &str) -> String {
        format!("arn:aws:iam::aws:policy/{path_and_name}")
    }

    async fn make_policy(
        c: &MemoryCloud,
        name: &str,
        path: &str,
        document: &Value,
    ) -> CloudResult<PolicyInfo> {
        c.create_policy(NewPolicy {
            name,
            path,
            description: "",
            document,
            tags: &no_tags(),
        })
        .await
    }

    async fn make_role(c: &MemoryCloud, name: &str) -> CloudResult<RoleInfo> {
        c.create_role(NewRole {
            name,
            path: "/",
            description: "a role",
            trust_policy: &trust("ec2.amazonaws.com"),
            permissions_boundary: None,
            tags: &no_tags(),
        })
        .await
    }

    #[track_caller]
    fn assert_kind<T: std::fmt::Debug>(result: CloudResult<T>, kind: ErrorKind, action: Action) {
        match result {
            Err(e) => {
                assert_eq!(e.kind, kind, "{e}");
                assert_eq!(e.action, action, "{e}");
            }
            Ok(v) => panic!("expected {kind:?} from {action}, got Ok({v:?})"),
        }
    }

    #[tokio::test]
    async fn the_account_reports_and_enforces_its_own_quotas() {
        let c = cloud();
        let q = c.account_quotas().await.unwrap();
        assert_eq!(q.source, QuotaSource::Account);
        assert_eq!(
            Quotas {
                source: QuotaSource::Defaults,
                ..q
            },
            Quotas::default()
        );

        let c = cloud().with_quotas(Quotas {
            managed_policy_size: 60,
            attached_policies_per_role: 1,
            ..Quotas::default()
        });
        let q = c.account_quotas().await.unwrap();
        assert_eq!(
            (q.managed_policy_size, q.source),
            (60, QuotaSource::Account)
        );
        let big = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a-bucket/*"}
        ]});
        assert!(limits::policy_size(&big) > 60);
        assert_kind(
            make_policy(&c, "big", "/", &big).await,
            ErrorKind::LimitExceeded,
            Action::CreatePolicy,
        );
        make_role(&c, "r").await.unwrap();
        c.attach_role_policy("r", &aws("ReadOnlyAccess"))
            .await
            .unwrap();
        assert_kind(
            c.attach_role_policy("r", &aws("IAMFullAccess")).await,
            ErrorKind::LimitExceeded,
            Action::AttachRolePolicy,
        );
    }

    #[tokio::test]
    async fn the_optional_reads_can_be_denied() {
        let finding = AnalyzerFinding {
            level: crate::cloud::AnalyzerLevel::SecurityWarning,
            code: "PASS_ROLE_WITH_STAR_IN_RESOURCE".into(),
            message: "iam:PassRole on any resource".into(),
            learn_more: None,
            path: Some("Statement[0].Resource".into()),
            line: Some(6),
        };
        let c = cloud().with_analyzer_findings(vec![finding.clone()]);
        let doc = allow("s3:GetObject").to_string();
        assert_eq!(
            c.validate_policy(&doc, PolicyKind::Identity).await.unwrap(),
            [finding]
        );
        assert_kind(
            c.validate_policy("{not json", PolicyKind::Trust).await,
            ErrorKind::InvalidInput,
            Action::ValidatePolicy,
        );
        assert!(
            cloud()
                .validate_policy(&doc, PolicyKind::Trust)
                .await
                .unwrap()
                .is_empty()
        );

        c.deny("access-analyzer:ValidatePolicy");
        c.deny("IAM:GetAccountSummary");
        let e = c
            .validate_policy(&doc, PolicyKind::Identity)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.action),
            (ErrorKind::AccessDenied, Action::ValidatePolicy)
        );
        assert!(
            e.message
                .contains("not authorized to perform: access-analyzer:ValidatePolicy")
        );
        assert_kind(
            c.account_quotas().await,
            ErrorKind::AccessDenied,
            Action::GetAccountSummary,
        );
    }

    #[tokio::test]
    async fn the_simulator_knows_the_caller_and_the_denied_actions() {
        let c = cloud();
        let me = c.identity().await.unwrap().arn;
        let actions = ["iam:CreateRole".to_owned(), "iam:GetRole".to_owned()];
        let roles = ["arn:aws:iam::123456789012:role/a".to_owned()];
        let all = c
            .simulate_principal_policy(&me, &actions, &roles, &[])
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|r| r.decision == Decision::Allowed));

        c.deny("IAM:CreateRole");
        let some = c
            .simulate_principal_policy(&me, &actions, &[], &[])
            .await
            .unwrap();
        let decided: Vec<(&str, &str, Decision)> = some
            .iter()
            .map(|r| (r.action.as_str(), r.resource.as_str(), r.decision))
            .collect();
        assert_eq!(
            decided,
            [
                ("iam:CreateRole", "*", Decision::ImplicitDeny),
                ("iam:GetRole", "*", Decision::Allowed)
            ]
        );

        let other = "arn:aws:iam::123456789012:user/someone-else";
        assert_kind(
            c.simulate_principal_policy(other, &actions, &[], &[]).await,
            ErrorKind::NoSuchEntity,
            Action::SimulatePrincipalPolicy,
        );
        assert_kind(
            c.simulate_principal_policy(&me, &[], &[], &[]).await,
            ErrorKind::InvalidInput,
            Action::SimulatePrincipalPolicy,
        );
    }

    #[tokio::test]
    async fn demo_account_identity_and_buckets() {
        let c = MemoryCloud::demo();
        let id = c.identity().await.unwrap();
        assert_eq!(id.account_id, "123456789012");
        assert_eq!(id.partition, "aws");
        assert_eq!(id.arn, "arn:aws:iam::123456789012:user/onramp-demo");
        let buckets = c.list_buckets().await.unwrap();
        let listed: Vec<(&str, Option<&str>)> = buckets
            .iter()
            .map(|b| (b.name.as_str(), b.region.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                ("onramp-demo-archive", Some("eu-west-1")),
                ("onramp-demo-inputs", Some("us-east-1")),
                ("onramp-demo-pcluster", Some("eu-west-1")),
                ("onramp-demo-results", Some("us-east-1")),
            ]
        );
        c.add_bucket("aaa-first", "ap-south-1");
        assert_eq!(c.list_buckets().await.unwrap()[0].name, "aaa-first");
    }

    #[tokio::test]
    async fn a_new_account_is_empty_and_uses_its_partition() {
        let c = MemoryCloud::new("210987654321", "aws-cn");
        assert!(c.list_buckets().await.unwrap().is_empty());
        let id = c.identity().await.unwrap();
        assert_eq!(id.arn, "arn:aws-cn:iam::210987654321:user/onramp-demo");
        assert_eq!(id.partition, "aws-cn");
        let role = make_role(&c, "r").await.unwrap();
        assert_eq!(role.arn, "arn:aws-cn:iam::210987654321:role/r");
        let p = make_policy(&c, "p", "/team/", &allow("s3:ListBucket"))
            .await
            .unwrap();
        assert_eq!(p.arn, "arn:aws-cn:iam::210987654321:policy/team/p");
        // An ARN of another partition is not this account's.
        assert_kind(
            c.get_policy("arn:aws:iam::210987654321:policy/team/p")
                .await,
            ErrorKind::InvalidInput,
            Action::GetPolicy,
        );
        c.attach_role_policy("r", "arn:aws-cn:iam::aws:policy/ReadOnlyAccess")
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn role_names_are_unique_regardless_of_case() {
        let c = cloud();
        let created = make_role(&c, "ecsInstanceRole").await.unwrap();
        assert_eq!(
            created.arn,
            format!("arn:aws:iam::{ACCOUNT}:role/ecsInstanceRole")
        );
        assert_kind(
            make_role(&c, "ECSINSTANCEROLE").await,
            ErrorKind::AlreadyExists,
            Action::CreateRole,
        );
        let found = c.get_role("ecsinstancerole").await.unwrap().unwrap();
        assert_eq!(found.name, "ecsInstanceRole");
        assert_eq!(found, created);
    }

    #[tokio::test]
    async fn policy_names_are_unique_per_account_across_paths_and_case() {
        let c = cloud();
        make_policy(&c, "ebs-autoscale-policy", "/", &allow("ec2:DescribeTags"))
            .await
            .unwrap();
        assert_kind(
            make_policy(&c, "EBS-Autoscale-Policy", "/", &allow("ec2:DescribeTags")).await,
            ErrorKind::AlreadyExists,
            Action::CreatePolicy,
        );
        assert_kind(
            make_policy(
                &c,
                "ebs-autoscale-policy",
                "/other/",
                &allow("ec2:DescribeTags"),
            )
            .await,
            ErrorKind::AlreadyExists,
            Action::CreatePolicy,
        );
        // The ARN with another path names no policy.
        assert_eq!(
            c.get_policy(&policy_arn("other/ebs-autoscale-policy"))
                .await
                .unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn instance_profile_names_are_unique_regardless_of_case() {
        let c = cloud();
        let p = c
            .create_instance_profile("ecsInstanceRole", "/x/", &no_tags())
            .await
            .unwrap();
        assert_eq!(
            p.arn,
            format!("arn:aws:iam::{ACCOUNT}:instance-profile/x/ecsInstanceRole")
        );
        assert!(p.roles.is_empty());
        assert_kind(
            c.create_instance_profile("ECSInstanceRole", "/", &no_tags())
                .await,
            ErrorKind::AlreadyExists,
            Action::CreateInstanceProfile,
        );
        assert_eq!(
            c.get_instance_profile("ecsinstancerole").await.unwrap(),
            Some(p)
        );
    }

    #[tokio::test]
    async fn policies_return_what_was_stored() {
        let c = cloud();
        let doc = json!({"Version": "2012-10-17", "Statement": {"Sid": "One", "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}}}});
        let t = tags(&[("Project", "genomics")]);
        let info = c
            .create_policy(NewPolicy {
                name: "s3bucket-access-us-east-1",
                path: "/onramp/",
                description: "bucket access",
                document: &doc,
                tags: &t,
            })
            .await
            .unwrap();
        let arn = policy_arn("onramp/s3bucket-access-us-east-1");
        let expected = PolicyInfo {
            arn: arn.clone(),
            name: "s3bucket-access-us-east-1".into(),
            path: "/onramp/".into(),
            default_version_id: "v1".into(),
            tags: t,
        };
        assert_eq!(info, expected);
        assert_eq!(c.get_policy(&arn).await.unwrap(), Some(expected));
        assert_eq!(c.get_policy_version(&arn, "v1").await.unwrap(), doc);
        assert_eq!(
            c.list_policy_versions(&arn).await.unwrap(),
            [PolicyVersion {
                version_id: "v1".into(),
                is_default: true
            }]
        );
        c.wait_until_exists(WaitFor::Policy, &arn).await.unwrap();
    }

    #[tokio::test]
    async fn a_sixth_version_exceeds_the_limit() {
        let c = cloud();
        let arn = make_policy(&c, "p", "/", &allow("s3:GetObject"))
            .await
            .unwrap()
            .arn;
        for n in 2..=5 {
            let id = c
                .create_policy_version(&arn, &allow(&format!("s3:Get{n}")), false)
                .await
                .unwrap();
            assert_eq!(id, format!("v{n}"));
        }
        let sixth = c.create_policy_version(&arn, &allow("s3:Get6"), true).await;
        if let Err(e) = &sixth {
            assert!(e.message.contains("up to 5 versions"), "{e}");
        }
        assert_kind(sixth, ErrorKind::LimitExceeded, Action::CreatePolicyVersion);
        // Nothing changed: still v1 by default, five versions.
        assert_eq!(
            c.get_policy(&arn)
                .await
                .unwrap()
                .unwrap()
                .default_version_id,
            "v1"
        );
        assert_eq!(c.list_policy_versions(&arn).await.unwrap().len(), 5);
    }

    #[tokio::test]
    async fn version_numbers_follow_creation_and_are_never_reused() {
        let c = cloud();
        let arn = make_policy(&c, "p", "/", &allow("s3:Get1"))
            .await
            .unwrap()
            .arn;
        assert_eq!(
            c.create_policy_version(&arn, &allow("s3:Get2"), true)
                .await
                .unwrap(),
            "v2"
        );
        assert_eq!(
            c.create_policy_version(&arn, &allow("s3:Get3"), false)
                .await
                .unwrap(),
            "v3"
        );
        assert_eq!(
            c.get_policy(&arn)
                .await
                .unwrap()
                .unwrap()
                .default_version_id,
            "v2"
        );
        c.delete_policy_version(&arn, "v3").await.unwrap();
        c.delete_policy_version(&arn, "v1").await.unwrap();
        assert_eq!(
            c.create_policy_version(&arn, &allow("s3:Get4"), false)
                .await
                .unwrap(),
            "v4"
        );
        let versions = c.list_policy_versions(&arn).await.unwrap();
        assert_eq!(
            versions,
            [
                PolicyVersion {
                    version_id: "v2".into(),
                    is_default: true
                },
                PolicyVersion {
                    version_id: "v4".into(),
                    is_default: false
                },
            ]
        );
        assert_eq!(
            c.get_policy_version(&arn, "v4").await.unwrap(),
            allow("s3:Get4")
        );
        assert_kind(
            c.get_policy_version(&arn, "v3").await,
            ErrorKind::NoSuchEntity,
            Action::GetPolicyVersion,
        );
        assert_kind(
            c.get_policy_version(&arn, "3").await,
            ErrorKind::InvalidInput,
            Action::GetPolicyVersion,
        );
        c.set_default_policy_version(&arn, "v4").await.unwrap();
        let info = c.get_policy(&arn).await.unwrap().unwrap();
        assert_eq!(info.default_version_id, "v4");
        assert_eq!(
            c.get_policy_version(&arn, &info.default_version_id)
                .await
                .unwrap(),
            allow("s3:Get4")
        );
        assert_kind(
            c.set_default_policy_version(&arn, "v1").await,
            ErrorKind::NoSuchEntity,
            Action::SetDefaultPolicyVersion,
        );
        assert_kind(
            c.delete_policy_version(&arn, "v1").await,
            ErrorKind::NoSuchEntity,
            Action::DeletePolicyVersion,
        );
    }

    #[tokio::test]
    async fn the_default_version_cannot_be_deleted() {
        let c = cloud();
        let arn = make_policy(&c, "p", "/", &allow("s3:Get1"))
            .await
            .unwrap()
            .arn;
        assert_kind(
            c.delete_policy_version(&arn, "v1").await,
            ErrorKind::DeleteConflict,
            Action::DeletePolicyVersion,
        );
        c.create_policy_version(&arn, &allow("s3:Get2"), true)
            .await
            .unwrap();
        assert_kind(
            c.delete_policy_version(&arn, "v2").await,
            ErrorKind::DeleteConflict,
            Action::DeletePolicyVersion,
        );
        c.delete_policy_version(&arn, "v1").await.unwrap();
    }

    #[tokio::test]
    async fn an_eleventh_attached_policy_exceeds_the_limit() {
        let c = cloud();
        make_role(&c, "r").await.unwrap();
        let mut arns = Vec::new();
        for n in 0..11 {
            let name = format!("p{n:02}");
            arns.push(
                make_policy(&c, &name, "/", &allow("s3:GetObject"))
                    .await
                    .unwrap()
                    .arn,
            );
        }
        for arn in &arns[..10] {
            c.attach_role_policy("r", arn).await.unwrap();
        }
        // Attaching one that is already attached changes nothing and is fine.
        c.attach_role_policy("r", &arns[0]).await.unwrap();
        assert_kind(
            c.attach_role_policy("r", &arns[10]).await,
            ErrorKind::LimitExceeded,
            Action::AttachRolePolicy,
        );
        assert_kind(
            c.attach_role_policy("r", &aws("ReadOnlyAccess")).await,
            ErrorKind::LimitExceeded,
            Action::AttachRolePolicy,
        );
        assert_eq!(
            c.list_attached_role_policies("r").await.unwrap(),
            arns[..10]
        );
        c.detach_role_policy("r", &arns[3]).await.unwrap();
        c.attach_role_policy("r", &arns[10]).await.unwrap();
        assert_eq!(c.list_attached_role_policies("r").await.unwrap().len(), 10);
    }

    #[tokio::test]
    async fn an_instance_profile_holds_one_role() {
        let c = cloud();
        make_role(&c, "a").await.unwrap();
        make_role(&c, "b").await.unwrap();
        c.create_instance_profile("ip", "/", &no_tags())
            .await
            .unwrap();
        c.add_role_to_instance_profile("ip", "a").await.unwrap();
        assert_kind(
            c.add_role_to_instance_profile("ip", "b").await,
            ErrorKind::LimitExceeded,
            Action::AddRoleToInstanceProfile,
        );
        assert_kind(
            c.add_role_to_instance_profile("ip", "a").await,
            ErrorKind::LimitExceeded,
            Action::AddRoleToInstanceProfile,
        );
        assert_eq!(
            c.get_instance_profile("ip").await.unwrap().unwrap().roles,
            ["a"]
        );
        assert_kind(
            c.remove_role_from_instance_profile("ip", "b").await,
            ErrorKind::NoSuchEntity,
            Action::RemoveRoleFromInstanceProfile,
        );
        c.remove_role_from_instance_profile("ip", "a")
            .await
            .unwrap();
        c.add_role_to_instance_profile("ip", "b").await.unwrap();
        assert_eq!(
            c.get_instance_profile("ip").await.unwrap().unwrap().roles,
            ["b"]
        );
    }

    #[tokio::test]
    async fn a_policy_in_use_or_with_versions_cannot_be_deleted() {
        let c = cloud();
        make_role(&c, "r").await.unwrap();
        let arn = make_policy(&c, "p", "/", &allow("s3:Get1"))
            .await
            .unwrap()
            .arn;
        c.attach_role_policy("r", &arn).await.unwrap();
        assert_kind(
            c.delete_policy(&arn).await,
            ErrorKind::DeleteConflict,
            Action::DeletePolicy,
        );
        c.detach_role_policy("r", &arn).await.unwrap();
        c.create_policy_version(&arn, &allow("s3:Get2"), true)
            .await
            .unwrap();
        assert_kind(
            c.delete_policy(&arn).await,
            ErrorKind::DeleteConflict,
            Action::DeletePolicy,
        );
        c.delete_policy_version(&arn, "v1").await.unwrap();
        c.delete_policy(&arn).await.unwrap();
        assert_eq!(c.get_policy(&arn).await.unwrap(), None);
        assert_kind(
            c.delete_policy(&arn).await,
            ErrorKind::NoSuchEntity,
            Action::DeletePolicy,
        );
        // The name is free again.
        make_policy(&c, "P", "/", &allow("s3:Get1")).await.unwrap();
    }

    #[tokio::test]
    async fn a_role_that_still_holds_something_cannot_be_deleted() {
        let c = cloud();
        make_role(&c, "r").await.unwrap();
        c.attach_role_policy("r", &aws("AmazonS3ReadOnlyAccess"))
            .await
            .unwrap();
        assert_kind(
            c.delete_role("r").await,
            ErrorKind::DeleteConflict,
            Action::DeleteRole,
        );
        c.detach_role_policy("r", &aws("AmazonS3ReadOnlyAccess"))
            .await
            .unwrap();

        c.put_role_policy("r", "inline", &allow("s3:GetObject"))
            .await
            .unwrap();
        assert_kind(
            c.delete_role("r").await,
            ErrorKind::DeleteConflict,
            Action::DeleteRole,
        );
        c.delete_role_policy("r", "inline").await.unwrap();

        c.create_instance_profile("r", "/", &no_tags())
            .await
            .unwrap();
        c.add_role_to_instance_profile("r", "r").await.unwrap();
        assert_kind(
            c.delete_role("r").await,
            ErrorKind::DeleteConflict,
            Action::DeleteRole,
        );
        c.remove_role_from_instance_profile("r", "r").await.unwrap();

        c.delete_role("R").await.unwrap();
        assert_eq!(c.get_role("r").await.unwrap(), None);
        assert_kind(
            c.delete_role("r").await,
            ErrorKind::NoSuchEntity,
            Action::DeleteRole,
        );
    }

    #[tokio::test]
    async fn an_instance_profile_that_holds_a_role_cannot_be_deleted() {
        let c = cloud();
        make_role(&c, "r").await.unwrap();
        c.create_instance_profile("ip", "/", &no_tags())
            .await
            .unwrap();
        c.add_role_to_instance_profile("ip", "r").await.unwrap();
        assert_kind(
            c.delete_instance_profile("ip").await,
            ErrorKind::DeleteConflict,
            Action::DeleteInstanceProfile,
        );
        c.remove_role_from_instance_profile("ip", "r")
            .await
            .unwrap();
        c.delete_instance_profile("ip").await.unwrap();
        assert_eq!(c.get_instance_profile("ip").await.unwrap(), None);
        assert_kind(
            c.delete_instance_profile("ip").await,
            ErrorKind::NoSuchEntity,
            Action::DeleteInstanceProfile,
        );
    }

    #[tokio::test]
    async fn reads_of_missing_entities_are_none_and_other_calls_fail() {
        let c = cloud();
        let arn = policy_arn("missing");
        assert_eq!(c.get_role("missing").await.unwrap(), None);
        assert_eq!(c.get_policy(&arn).await.unwrap(), None);
        assert_eq!(c.get_instance_profile("missing").await.unwrap(), None);
        // Another account's policy is not visible either.
        assert_eq!(
            c.get_policy("arn:aws:iam::210987654321:policy/x")
                .await
                .unwrap(),
            None
        );

        let no = ErrorKind::NoSuchEntity;
        assert_kind(
            c.get_policy_version(&arn, "v1").await,
            no,
            Action::GetPolicyVersion,
        );
        assert_kind(
            c.list_policy_versions(&arn).await,
            no,
            Action::ListPolicyVersions,
        );
        assert_kind(
            c.create_policy_version(&arn, &allow("s3:Get"), true).await,
            no,
            Action::CreatePolicyVersion,
        );
        assert_kind(
            c.set_default_policy_version(&arn, "v1").await,
            no,
            Action::SetDefaultPolicyVersion,
        );
        assert_kind(
            c.delete_policy_version(&arn, "v1").await,
            no,
            Action::DeletePolicyVersion,
        );
        assert_kind(
            c.tag_policy(&arn, &tags(&[("a", "b")])).await,
            no,
            Action::TagPolicy,
        );
        assert_kind(c.delete_policy(&arn).await, no, Action::DeletePolicy);

        assert_kind(
            c.update_assume_role_policy("missing", &trust("ec2.amazonaws.com"))
                .await,
            no,
            Action::UpdateAssumeRolePolicy,
        );
        assert_kind(
            c.put_role_permissions_boundary("missing", &aws("ReadOnlyAccess"))
                .await,
            no,
            Action::PutRolePermissionsBoundary,
        );
        assert_kind(
            c.delete_role_permissions_boundary("missing").await,
            no,
            Action::DeleteRolePermissionsBoundary,
        );
        assert_kind(
            c.tag_role("missing", &tags(&[("a", "b")])).await,
            no,
            Action::TagRole,
        );
        assert_kind(
            c.list_attached_role_policies("missing").await,
            no,
            Action::ListAttachedRolePolicies,
        );
        assert_kind(
            c.attach_role_policy("missing", &aws("ReadOnlyAccess"))
                .await,
            no,
            Action::AttachRolePolicy,
        );
        assert_kind(
            c.detach_role_policy("missing", &aws("ReadOnlyAccess"))
                .await,
            no,
            Action::DetachRolePolicy,
        );
        assert_kind(
            c.list_role_policies("missing").await,
            no,
            Action::ListRolePolicies,
        );
        assert_kind(
            c.get_role_policy("missing", "p").await,
            no,
            Action::GetRolePolicy,
        );
        assert_kind(
            c.put_role_policy("missing", "p", &allow("s3:Get")).await,
            no,
            Action::PutRolePolicy,
        );
        assert_kind(
            c.delete_role_policy("missing", "p").await,
            no,
            Action::DeleteRolePolicy,
        );
        assert_kind(c.delete_role("missing").await, no, Action::DeleteRole);

        assert_kind(
            c.tag_instance_profile("missing", &tags(&[("a", "b")]))
                .await,
            no,
            Action::TagInstanceProfile,
        );
        assert_kind(
            c.delete_instance_profile("missing").await,
            no,
            Action::DeleteInstanceProfile,
        );
        make_role(&c, "r").await.unwrap();
        c.create_instance_profile("ip", "/", &no_tags())
            .await
            .unwrap();
        assert_kind(
            c.add_role_to_instance_profile("missing", "r").await,
            no,
            Action::AddRoleToInstanceProfile,
        );
        assert_kind(
            c.add_role_to_instance_profile("ip", "missing").await,
            no,
            Action::AddRoleToInstanceProfile,
        );
        assert_kind(
            c.remove_role_from_instance_profile("missing", "r").await,
            no,
            Action::RemoveRoleFromInstanceProfile,
        );
        assert_kind(
            c.remove_role_from_instance_profile("ip", "r").await,
            no,
            Action::RemoveRoleFromInstanceProfile,
        );

        // Customer policies attach only when they exist.
        assert_kind(
            c.attach_role_policy("r", &arn).await,
            no,
            Action::AttachRolePolicy,
        );
        assert_kind(c.get_role_policy("r", "p").await, no, Action::GetRolePolicy);
        assert_kind(
            c.delete_role_policy("r", "p").await,
            no,
            Action::DeleteRolePolicy,
        );
    }

    #[tokio::test]
    async fn detaching_a_policy_that_is_not_attached_fails() {
        let c = cloud();
        make_role(&c, "r").await.unwrap();
        let arn = make_policy(&c, "p", "/", &allow("s3:GetObject"))
            .await
            .unwrap()
            .arn;
        assert_kind(
            c.detach_role_policy("r", &arn).await,
            ErrorKind::NoSuchEntity,
            Action::DetachRolePolicy,
        );
        assert_kind(
            c.detach_role_policy("r", &aws("ReadOnlyAccess")).await,
            ErrorKind::NoSuchEntity,
            Action::DetachRolePolicy,
        );
        c.attach_role_policy("r", &arn).await.unwrap();
        c.detach_role_policy("r", &arn).await.unwrap();
        assert!(c.list_attached_role_policies("r").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn malformed_documents_are_rejected() {
        let c = cloud();
        let bad_identity = [
            json!("not an object"),
            json!(["Statement"]),
            json!({"Version": "2012-10-17"}),
            json!({"Version": "2012-10-17", "Statement": []}),
            json!({"Version": "2012-10-17", "Statement": "Allow"}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "*"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "bucket"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Extra": 1}]}),
            json!({"Version": "2020-01-01", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
        ];
        make_role(&c, "r").await.unwrap();
        for doc in &bad_identity {
            assert_kind(
                make_policy(&c, "p", "/", doc).await,
                ErrorKind::MalformedPolicy,
                Action::CreatePolicy,
            );
            assert_kind(
                c.put_role_policy("r", "p", doc).await,
                ErrorKind::MalformedPolicy,
                Action::PutRolePolicy,
            );
        }
        let arn = make_policy(&c, "p", "/", &allow("s3:GetObject"))
            .await
            .unwrap()
            .arn;
        for doc in &bad_identity {
            assert_kind(
                c.create_policy_version(&arn, doc, true).await,
                ErrorKind::MalformedPolicy,
                Action::CreatePolicyVersion,
            );
        }

        let bad_trust = [
            json!({"Version": "2012-10-17"}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole", "Resource": "*"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "s3:GetObject"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Robot": "x"}, "Action": "sts:AssumeRole"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "someone"}, "Action": "sts:AssumeRole"}]}),
        ];
        for doc in &bad_trust {
            let result = c
                .create_role(NewRole {
                    name: "t",
                    path: "/",
                    description: "",
                    trust_policy: doc,
                    permissions_boundary: None,
                    tags: &no_tags(),
                })
                .await;
            assert_kind(result, ErrorKind::MalformedPolicy, Action::CreateRole);
            assert_kind(
                c.update_assume_role_policy("r", doc).await,
                ErrorKind::MalformedPolicy,
                Action::UpdateAssumeRolePolicy,
            );
        }
        // Nothing was stored by the failed calls.
        assert_eq!(c.get_role("t").await.unwrap(), None);
        assert_eq!(
            c.get_role("r").await.unwrap().unwrap().trust_policy,
            trust("ec2.amazonaws.com")
        );
        assert!(c.list_role_policies("r").await.unwrap().is_empty());
        assert_eq!(c.list_policy_versions(&arn).await.unwrap().len(), 1);

        // Accepted shapes: one statement object, Deny, NotAction, several principals.
        let fine = json!({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:aws:iam::123456789012:role/x"}});
        c.put_role_policy("r", "fine", &fine).await.unwrap();
        let many = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"], "AWS": "arn:aws:iam::123456789012:root"},
            "Action": ["sts:AssumeRole", "sts:TagSession"]}]});
        c.update_assume_role_policy("r", &many).await.unwrap();
        assert_eq!(c.get_role("r").await.unwrap().unwrap().trust_policy, many);
    }

    #[tokio::test]
    async fn oversized_documents_exceed_the_limits() {
        let c = cloud();
        let actions = |n: usize, len: usize| -> Value {
            let list: Vec<String> = (0..n).map(|i| format!("s3:{i:0len$}")).collect();
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list, "Resource": "*"}]})
        };
        let big = actions(200, 40);
        assert!(limits::policy_size(&big) > limits::MANAGED_POLICY_SIZE);
        assert!(limits::policy_size(&big) < limits::INLINE_POLICIES_PER_ROLE_SIZE);
        assert_kind(
            make_policy(&c, "big", "/", &big).await,
            ErrorKind::LimitExceeded,
            Action::CreatePolicy,
        );
        let arn = make_policy(&c, "small", "/", &allow("s3:GetObject"))
            .await
            .unwrap()
            .arn;
        assert_kind(
            c.create_policy_version(&arn, &big, true).await,
            ErrorKind::LimitExceeded,
            Action::CreatePolicyVersion,
        );

        // Inline policies count together: 10,240 for all of a role's.
        make_role(&c, "r").await.unwrap();
        c.put_role_policy("r", "one", &big).await.unwrap();
        assert_kind(
            c.put_role_policy("r", "two", &big).await,
            ErrorKind::LimitExceeded,
            Action::PutRolePolicy,
        );
        // Replacing one is measured without its old document.
        c.put_role_policy("r", "one", &big).await.unwrap();

        let services: Vec<String> = (0..100)
            .map(|i| format!("service{i:03}.amazonaws.com"))
            .collect();
        let big_trust = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}
        ]});
        assert!(limits::policy_size(&big_trust) > limits::TRUST_POLICY_SIZE);
        let result = c
            .create_role(NewRole {
                name: "big",
                path: "/",
                description: "",
                trust_policy: &big_trust,
                permissions_boundary: None,
                tags: &no_tags(),
            })
            .await;
        assert_kind(result, ErrorKind::LimitExceeded, Action::CreateRole);
        assert_kind(
            c.update_assume_role_policy("r", &big_trust).await,
            ErrorKind::LimitExceeded,
            Action::UpdateAssumeRolePolicy,
        );
    }

    #[tokio::test]
    async fn aws_managed_policies_attach_only_when_known() {
        let c = cloud();
        make_role(&c, "r").await.unwrap();
        for known in [
            "service-role/AWSBatchServiceRole",
            "service-role/AmazonEC2ContainerServiceforEC2Role",
            "AmazonS3ReadOnlyAccess",
            "service-role/AmazonEC2SpotFleetTaggingRole",
            "service-role/AmazonEC2SpotFleetRole",
            "AmazonDynamoDBReadOnlyAccess",
            "AdministratorAccess",
            "ReadOnlyAccess",
            "AmazonSSMManagedInstanceCore",
            "CloudWatchAgentServerPolicy",
        ] {
            c.attach_role_policy("r", &aws(known)).await.unwrap();
        }
        assert_kind(
            c.attach_role_policy("r", &aws("NoSuchPolicyAtAll")).await,
            ErrorKind::NoSuchEntity,
            Action::AttachRolePolicy,
        );
        // The right name at the wrong path is not the policy.
        assert_kind(
            c.attach_role_policy("r", &aws("AWSBatchServiceRole")).await,
            ErrorKind::NoSuchEntity,
            Action::AttachRolePolicy,
        );
        assert_kind(
            c.attach_role_policy("r", "AmazonS3ReadOnlyAccess").await,
            ErrorKind::InvalidInput,
            Action::AttachRolePolicy,
        );

        let info = c
            .get_policy(&aws("service-role/AWSBatchServiceRole"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.name, "AWSBatchServiceRole");
        assert_eq!(info.path, "/service-role/");
        assert_eq!(info.default_version_id, "v1");
        assert!(info.tags.is_empty());
        assert_eq!(c.get_policy(&aws("NoSuchPolicyAtAll")).await.unwrap(), None);
        // Only AWS changes its policies.
        assert_kind(
            c.delete_policy(&aws("ReadOnlyAccess")).await,
            ErrorKind::AccessDenied,
            Action::DeletePolicy,
        );
        c.wait_until_exists(WaitFor::Policy, &aws("ReadOnlyAccess"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn names_paths_and_tags_follow_iam_rules() {
        let c = cloud();
        let bad = ErrorKind::InvalidInput;
        let long = "r".repeat(65);
        assert_kind(make_role(&c, &long).await, bad, Action::CreateRole);
        assert_kind(make_role(&c, "has space").await, bad, Action::CreateRole);
        make_role(&c, &"r".repeat(64)).await.unwrap();
        assert_kind(
            make_policy(&c, &"p".repeat(129), "/", &allow("s3:Get")).await,
            bad,
            Action::CreatePolicy,
        );
        assert_kind(
            make_policy(&c, "p", "no-slashes", &allow("s3:Get")).await,
            bad,
            Action::CreatePolicy,
        );
        assert_kind(
            make_policy(&c, "p", "/a b/", &allow("s3:Get")).await,
            bad,
            Action::CreatePolicy,
        );
        assert_kind(
            c.create_instance_profile("ip*", "/", &no_tags()).await,
            bad,
            Action::CreateInstanceProfile,
        );
        assert_kind(
            c.create_instance_profile("ip", "/x", &no_tags()).await,
            bad,
            Action::CreateInstanceProfile,
        );

        let reserved = tags(&[("aws:cloudformation:stack-name", "x")]);
        let result = c
            .create_role(NewRole {
                name: "tagged",
                path: "/",
                description: "",
                trust_policy: &trust("ec2.amazonaws.com"),
                permissions_boundary: None,
                tags: &reserved,
            })
            .await;
        assert_kind(result, bad, Action::CreateRole);
        assert_kind(
            c.tag_role(&"r".repeat(64), &tags(&[("AWS:x", "y")])).await,
            bad,
            Action::TagRole,
        );
        assert_kind(
            c.create_instance_profile("ip", "/", &tags(&[("Team", "a"), ("team", "b")]))
                .await,
            bad,
            Action::CreateInstanceProfile,
        );
        let arn = make_policy(&c, "p", "/", &allow("s3:Get"))
            .await
            .unwrap()
            .arn;
        assert_kind(c.tag_policy(&arn, &reserved).await, bad, Action::TagPolicy);
        assert_kind(
            c.put_role_policy(&"r".repeat(64), "bad name", &allow("s3:Get"))
                .await,
            bad,
            Action::PutRolePolicy,
        );
        assert_eq!(c.get_role("tagged").await.unwrap(), None);
    }

    #[tokio::test]
    async fn tags_merge_and_are_limited_to_fifty() {
        let c = cloud();
        let t = tags(&[("Project", "genomics"), ("Owner", "ana")]);
        c.create_role(NewRole {
            name: "r",
            path: "/",
            description: "",
            trust_policy: &trust("ec2.amazonaws.com"),
            permissions_boundary: None,
            tags: &t,
        })
        .await
        .unwrap();
        c.tag_role("r", &tags(&[("Owner", "bo"), ("Stage", "dev")]))
            .await
            .unwrap();
        assert_eq!(
            c.get_role("r").await.unwrap().unwrap().tags,
            tags(&[("Owner", "bo"), ("Project", "genomics"), ("Stage", "dev")])
        );
        // Keys are one regardless of case: the new spelling replaces the old.
        c.tag_role("r", &tags(&[("project", "other")]))
            .await
            .unwrap();
        assert_eq!(
            c.get_role("r").await.unwrap().unwrap().tags,
            tags(&[("Owner", "bo"), ("Stage", "dev"), ("project", "other")])
        );

        let arn = c
            .create_policy(NewPolicy {
                name: "p",
                path: "/",
                description: "",
                document: &allow("s3:Get"),
                tags: &t,
            })
            .await
            .unwrap()
            .arn;
        c.tag_policy(&arn, &tags(&[("Project", "x")]))
            .await
            .unwrap();
        assert_eq!(
            c.get_policy(&arn).await.unwrap().unwrap().tags,
            tags(&[("Owner", "ana"), ("Project", "x")])
        );

        c.create_instance_profile("ip", "/", &t).await.unwrap();
        c.tag_instance_profile("ip", &tags(&[("Extra", "1")]))
            .await
            .unwrap();
        assert_eq!(
            c.get_instance_profile("ip").await.unwrap().unwrap().tags,
            tags(&[("Extra", "1"), ("Owner", "ana"), ("Project", "genomics")])
        );

        let fifty: Tags = (0..50)
            .map(|i| (format!("k{i:02}"), "v".to_owned()))
            .collect();
        c.tag_instance_profile("ip", &fifty).await.unwrap_err();
        let forty_seven: Tags = (0..47)
            .map(|i| (format!("k{i:02}"), "v".to_owned()))
            .collect();
        c.tag_instance_profile("ip", &forty_seven).await.unwrap();
        assert_eq!(
            c.get_instance_profile("ip")
                .await
                .unwrap()
                .unwrap()
                .tags
                .len(),
            50
        );
        assert_kind(
            c.tag_instance_profile("ip", &tags(&[("one-more", "v")]))
                .await,
            ErrorKind::LimitExceeded,
            Action::TagInstanceProfile,
        );
        // Overwriting an existing key is still fine at fifty.
        c.tag_instance_profile("ip", &tags(&[("k00", "w")]))
            .await
            .unwrap();
        let fifty_one: Tags = (0..51)
            .map(|i| (format!("k{i:02}"), "v".to_owned()))
            .collect();
        assert_kind(
            make_policy_tagged(&c, &fifty_one).await,
            ErrorKind::LimitExceeded,
            Action::CreatePolicy,
        );
    }

    async fn make_policy_tagged(c: &MemoryCloud, t: &Tags) -> CloudResult<PolicyInfo> {
        c.create_policy(NewPolicy {
            name: "tagged",
            path: "/",
            description: "",
            document: &allow("s3:Get"),
            tags: t,
        })
        .await
    }

    #[tokio::test]
    async fn permissions_boundaries_must_exist() {
        let c = cloud();
        let boundary = make_policy(&c, "lab-boundary", "/", &allow("s3:*"))
            .await
            .unwrap()
            .arn;
        let missing = policy_arn("no-boundary");
        let trust_doc = trust("ec2.amazonaws.com");
        let result = c
            .create_role(NewRole {
                name: "r",
                path: "/",
                description: "",
                trust_policy: &trust_doc,
                permissions_boundary: Some(&missing),
                tags: &no_tags(),
            })
            .await;
        assert_kind(result, ErrorKind::NoSuchEntity, Action::CreateRole);
        let role = c
            .create_role(NewRole {
                name: "r",
                path: "/",
                description: "",
                trust_policy: &trust_doc,
                permissions_boundary: Some(&boundary),
                tags: &no_tags(),
            })
            .await
            .unwrap();
        assert_eq!(
            role.permissions_boundary.as_deref(),
            Some(boundary.as_str())
        );
        assert_eq!(role.description, None);
        assert_kind(
            c.put_role_permissions_boundary("r", &missing).await,
            ErrorKind::NoSuchEntity,
            Action::PutRolePermissionsBoundary,
        );
        c.put_role_permissions_boundary("r", &aws("PowerUserAccess"))
            .await
            .unwrap();
        assert_eq!(
            c.get_role("r").await.unwrap().unwrap().permissions_boundary,
            Some(aws("PowerUserAccess"))
        );
        c.delete_role_permissions_boundary("r").await.unwrap();
        assert_eq!(
            c.get_role("r").await.unwrap().unwrap().permissions_boundary,
            None
        );
    }

    #[tokio::test]
    async fn inline_policies_are_replaced_listed_in_order_and_deleted() {
        let c = cloud();
        make_role(&c, "r").await.unwrap();
        c.put_role_policy("r", "zeta", &allow("s3:GetObject"))
            .await
            .unwrap();
        c.put_role_policy("r", "alpha", &allow("s3:PutObject"))
            .await
            .unwrap();
        c.put_role_policy("r", "zeta", &allow("s3:ListBucket"))
            .await
            .unwrap();
        assert_eq!(c.list_role_policies("r").await.unwrap(), ["alpha", "zeta"]);
        assert_eq!(
            c.get_role_policy("r", "zeta").await.unwrap(),
            allow("s3:ListBucket")
        );
        c.delete_role_policy("r", "alpha").await.unwrap();
        assert_eq!(c.list_role_policies("r").await.unwrap(), ["zeta"]);
        assert_kind(
            c.get_role_policy("r", "alpha").await,
            ErrorKind::NoSuchEntity,
            Action::GetRolePolicy,
        );
    }

    #[tokio::test]
    async fn roles_keep_what_they_were_given() {
        let c = cloud();
        let t = tags(&[("Project", "genomics")]);
        let doc = trust("spotfleet.amazonaws.com");
        let role = c
            .create_role(NewRole {
                name: "AWSSpotFleetTaggingRole",
                path: "/onramp/",
                description: "Spot Fleet tagging",
                trust_policy: &doc,
                permissions_boundary: None,
                tags: &t,
            })
            .await
            .unwrap();
        let expected = RoleInfo {
            arn: format!("arn:aws:iam::{ACCOUNT}:role/onramp/AWSSpotFleetTaggingRole"),
            name: "AWSSpotFleetTaggingRole".into(),
            path: "/onramp/".into(),
            trust_policy: doc,
            description: Some("Spot Fleet tagging".into()),
            permissions_boundary: None,
            tags: t,
        };
        assert_eq!(role, expected);
        assert_eq!(
            c.get_role("AWSSpotFleetTaggingRole").await.unwrap(),
            Some(expected)
        );
        let new_trust = trust("ec2.amazonaws.com");
        c.update_assume_role_policy("AWSSpotFleetTaggingRole", &new_trust)
            .await
            .unwrap();
        assert_eq!(
            c.get_role("awsspotfleettaggingrole")
                .await
                .unwrap()
                .unwrap()
                .trust_policy,
            new_trust
        );
    }

    #[tokio::test]
    async fn waiting_finds_what_exists_and_only_that() {
        let c = cloud();
        assert_kind(
            c.wait_until_exists(WaitFor::Role, "r").await,
            ErrorKind::NoSuchEntity,
            Action::GetRole,
        );
        assert_kind(
            c.wait_until_exists(WaitFor::InstanceProfile, "r").await,
            ErrorKind::NoSuchEntity,
            Action::GetInstanceProfile,
        );
        assert_kind(
            c.wait_until_exists(WaitFor::Policy, &policy_arn("p")).await,
            ErrorKind::NoSuchEntity,
            Action::GetPolicy,
        );
        make_role(&c, "r").await.unwrap();
        c.create_instance_profile("r", "/", &no_tags())
            .await
            .unwrap();
        make_policy(&c, "p", "/", &allow("s3:Get")).await.unwrap();
        c.wait_until_exists(WaitFor::Role, "r").await.unwrap();
        c.wait_until_exists(WaitFor::InstanceProfile, "r")
            .await
            .unwrap();
        c.wait_until_exists(WaitFor::Policy, &policy_arn("p"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn service_linked_roles_are_aws_s_to_change() {
        let c = cloud();
        const BATCH: &str = "AWSServiceRoleForBatch";
        let made = c
            .create_service_linked_role("batch.amazonaws.com", "for Batch")
            .await
            .unwrap();
        assert_eq!(
            made.arn,
            format!("arn:aws:iam::{ACCOUNT}:role/aws-service-role/batch.amazonaws.com/{BATCH}")
        );
        assert_eq!(made.path, "/aws-service-role/batch.amazonaws.com/");
        assert_eq!(made.trust_policy, trust("batch.amazonaws.com"));
        assert!(made.tags.is_empty());
        assert_eq!(c.get_role(BATCH).await.unwrap(), Some(made));
        assert_eq!(
            c.list_attached_role_policies(BATCH).await.unwrap(),
            [aws("aws-service-role/BatchServiceRolePolicy")]
        );
        // One per account: a second create is refused, as is any name clash.
        assert_kind(
            c.create_service_linked_role("batch.amazonaws.com", "again")
                .await,
            ErrorKind::AlreadyExists,
            Action::CreateServiceLinkedRole,
        );
        assert_kind(
            c.create_service_linked_role("nothing.amazonaws.com", "")
                .await,
            ErrorKind::InvalidInput,
            Action::CreateServiceLinkedRole,
        );
        // Nobody but AWS changes it.
        assert_kind(
            c.delete_role(BATCH).await,
            ErrorKind::Other,
            Action::DeleteRole,
        );
        assert_kind(
            c.tag_role(BATCH, &tags(&[("a", "b")])).await,
            ErrorKind::Other,
            Action::TagRole,
        );
        assert_kind(
            c.detach_role_policy(BATCH, &aws("aws-service-role/BatchServiceRolePolicy"))
                .await,
            ErrorKind::Other,
            Action::DetachRolePolicy,
        );
        assert_kind(
            c.update_assume_role_policy(BATCH, &trust("ec2.amazonaws.com"))
                .await,
            ErrorKind::Other,
            Action::UpdateAssumeRolePolicy,
        );
        // Only a service-linked role is deleted this way, and not while used.
        make_role(&c, "plain").await.unwrap();
        assert_kind(
            c.delete_service_linked_role("plain").await,
            ErrorKind::InvalidInput,
            Action::DeleteServiceLinkedRole,
        );
        c.use_service_linked_role(BATCH, "compute-environment/ce");
        let used = c.delete_service_linked_role(BATCH).await.unwrap_err();
        assert_eq!(used.kind, ErrorKind::DeleteConflict);
        assert!(used.message.contains("compute-environment/ce"), "{used}");
        let c2 = cloud();
        c2.create_service_linked_role("batch.amazonaws.com", "")
            .await
            .unwrap();
        c2.delete_service_linked_role(BATCH).await.unwrap();
        assert_eq!(c2.get_role(BATCH).await.unwrap(), None);
        assert_kind(
            c2.delete_service_linked_role(BATCH).await,
            ErrorKind::NoSuchEntity,
            Action::DeleteServiceLinkedRole,
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_creates_of_one_name_make_one_entity() {
        let c = std::sync::Arc::new(cloud());
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let c = c.clone();
                tokio::spawn(async move {
                    let name = if i % 2 == 0 { "Shared" } else { "SHARED" };
                    make_role(&c, name).await
                })
            })
            .collect();
        let mut created = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => created += 1,
                Err(e) => assert_eq!(e.kind, ErrorKind::AlreadyExists),
            }
        }
        assert_eq!(created, 1);
    }

    /// Every document the plan writes for the example answers is accepted,
    /// and the whole plan can be created in the demo account.
    #[tokio::test]
    async fn every_example_plan_can_be_created() {
        use crate::answers::{Answers, Environment};
        use crate::apply::{journal::Journal, observe::changes, run::apply};
        use crate::plan::{Spec, plan};

        for example in [
            "everything.toml",
            "genomics.toml",
            "genomics-service-linked.toml",
            "parallelcluster-awsbatch.toml",
            "parallelcluster-slurm.toml",
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
            make_policy(&c, "lab-boundary", "/", &allow("s3:*"))
                .await
                .unwrap();
            // Created through the apply engine, the way onramp creates them.
            let dir = tempfile::tempdir().unwrap();
            let journal = std::sync::Mutex::new(Journal::open(&dir.path().join("j")).unwrap());
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
}
