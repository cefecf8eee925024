//! The plan: the ordered IAM resources that a set of valid answers asks for.
//!
//! `plan()` is pure and deterministic (same answers, same plan, byte for byte):
//! no I/O, no clock, no randomness, ordered collections only. Everything
//! else (lint, export, apply, the wizard's review) reads a `Plan`.

pub mod admin_policy;
pub mod edits;
pub mod existing;
pub mod genomics;
pub mod lint;
pub mod omics;
pub mod parallelcluster;
pub mod parallelcluster3;

pub mod spec;

pub use spec::{InstanceProfileSpec, PolicySpec, RoleSpec, ServiceLinkedRoleSpec, Spec};

/// For unit tests elsewhere in the crate: the plan of an answers file that
/// must be valid.
#[cfg(test)]
pub(crate) fn plan_of_valid_toml(toml: &str) -> Plan {
    let answers = crate::answers::Answers::from_toml(toml).unwrap_or_else(|e| unreachable!("{e}"));
    let valid = answers
        .validate(&crate::answers::Environment::default())
        .unwrap_or_else(|e| unreachable!("{e}"));
    plan(&valid).unwrap_or_else(|e| unreachable!("{e}"))
}

/// For unit tests elsewhere in the crate: one resource of the genomics
/// example's plan.
#[cfg(test)]
pub(crate) fn genomics_resource(kind: EntityKind, name: &str) -> Resource {
    let plan = plan_of_valid_toml(include_str!("../../examples/genomics.toml"));
    plan.get(kind, name)
        .cloned()
        .unwrap_or_else(|| unreachable!("the genomics example plans {name}"))
}

pub use crate::iam::names::ResourceId;
use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::answers::{Target, ValidAnswers};
use crate::iam::arn::Arn;
use crate::iam::names::EntityKind;
use crate::iam::partition::Partition;
use crate::templates::{Template, TemplateError, Vars};

/// What to create, in dependency order. As JSON (`plan --format json`,
/// without findings): the target's `region`, `account_id` and `partition`,
/// the `resources`, and `edits` when the answers have any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    #[serde(flatten)]
    pub target: Target,
    pub resources: Vec<Resource>,
    /// What became of each of the answers' hand edits.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<edits::Outcome>,
    /// What to do with planned resources that exist and that onramp did not
    /// make (`adopt`, `keep`).
    #[serde(flatten)]
    pub existing: existing::Choices,
}

/// One IAM resource to create.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub spec: Spec,
    pub tags: BTreeMap<String, String>,
    /// Resources of this plan that must exist first.
    pub depends_on: Vec<ResourceId>,
    /// Where onramp departs from the source documents, and why.
    pub notes: Vec<String>,
}

impl Resource {
    pub fn kind(&self) -> EntityKind {
        match self.spec {
            Spec::ManagedPolicy(_) => EntityKind::ManagedPolicy,
            Spec::Role(_) | Spec::ServiceLinkedRole(_) => EntityKind::Role,
            Spec::InstanceProfile(_) => EntityKind::InstanceProfile,
        }
    }

    /// Whether this is a service-linked role, which AWS owns: onramp
    /// creates it when missing and never changes it.
    pub fn is_service_linked(&self) -> bool {
        matches!(self.spec, Spec::ServiceLinkedRole(_))
    }

    /// How the resource is called in messages: its kind's noun, or
    /// "service-linked role".
    pub fn noun(&self) -> &'static str {
        if self.is_service_linked() {
            "service-linked role"
        } else {
            self.kind().noun()
        }
    }

    pub fn id(&self) -> ResourceId {
        ResourceId {
            kind: self.kind(),
            name: self.name.clone(),
        }
    }

    /// The role onramp owns, if that is what this is (not a service-linked
    /// role).
    pub fn role(&self) -> Option<&RoleSpec> {
        match &self.spec {
            Spec::Role(role) => Some(role),
            _ => None,
        }
    }

    /// [`Resource::role`], to change it.
    pub fn role_mut(&mut self) -> Option<&mut RoleSpec> {
        match &mut self.spec {
            Spec::Role(role) => Some(role),
            _ => None,
        }
    }

    /// The managed policy, if that is what this is.
    pub fn policy(&self) -> Option<&PolicySpec> {
        match &self.spec {
            Spec::ManagedPolicy(policy) => Some(policy),
            _ => None,
        }
    }

    /// Every policy document the resource carries, with a label for each:
    /// `document`, `trust_policy` or `inline_policies.NAME`.
    pub fn documents(&self) -> Vec<(String, &Value)> {
        self.spec.documents()
    }

    /// The document [`Resource::documents`] labels `label`, to change it.
    pub fn document_mut(&mut self, label: &str) -> Option<&mut Value> {
        self.spec.document_mut(label)
    }
}

impl Plan {
    pub fn get(&self, kind: EntityKind, name: &str) -> Option<&Resource> {
        self.resources
            .iter()
            .find(|r| r.kind() == kind && r.name == name)
    }

    /// The plan as the JSON of `onramp plan --format json` (without findings).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A resource as `plan --format json` prints it (DESIGN.md's contract):
/// `kind`, `name`, `path`, then the kind's own fields, then `depends_on`
/// (names); `arn`, `tags` and `notes` are extra. A service-linked role is of
/// kind `service_linked_role`, with `service` and `description`: it has none
/// of a role's fields. A view, not `Resource` itself, because `kind` comes
/// first and is the spec's while the spec's fields come after `arn`.
#[derive(Serialize)]
struct ResourceJson<'a> {
    kind: &'static str,
    name: &'a str,
    path: &'a str,
    arn: &'a str,
    #[serde(flatten)]
    spec: &'a Spec,
    depends_on: Vec<&'a str>,
    tags: &'a BTreeMap<String, String>,
    notes: &'a [String],
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ResourceJson {
            kind: self.spec.json_kind(),
            name: &self.name,
            path: &self.path,
            arn: &self.arn,
            spec: &self.spec,
            depends_on: self.depends_on.iter().map(|d| d.name.as_str()).collect(),
            tags: &self.tags,
            notes: &self.notes,
        }
        .serialize(s)
    }
}

/// Builds the plan for valid answers.
pub fn plan(answers: &ValidAnswers) -> Result<Plan, TemplateError> {
    let mut builder = Builder::new(answers);
    if let Some(g) = answers.genomics() {
        genomics::add(&mut builder, g)?;
    }
    if let Some((pc, scheduler)) = answers.parallelcluster() {
        if pc.is_v3() {
            parallelcluster3::add(&mut builder, pc, scheduler)?;
        } else {
            parallelcluster::add(&mut builder, pc, scheduler)?;
        }
    }
    if let Some(o) = answers.omics() {
        omics::add(&mut builder, o)?;
    }
    let mut resources = builder.resources;
    let edits = edits::apply(&mut resources, &answers.answers().edits);
    let given = answers.answers();
    Ok(Plan {
        target: answers.target().clone(),
        resources,
        edits,
        existing: existing::Choices::new(&given.adopt, &given.keep),
    })
}

/// The IAM path of a service's service-linked roles.
pub fn service_linked_role_path(service: &str) -> String {
    format!("/aws-service-role/{service}/")
}

/// Shared helpers of the per-document builders: ARNs, trust policies, tags.
pub struct Builder<'a> {
    pub answers: &'a ValidAnswers,
    pub resources: Vec<Resource>,
    /// The IAM path of what is added next: the answers' path, except where a
    /// document fixes its own (ParallelCluster 3's `/parallelcluster/`).
    pub path: String,
}

impl<'a> Builder<'a> {
    fn new(answers: &'a ValidAnswers) -> Builder<'a> {
        Builder {
            answers,
            resources: Vec::new(),
            path: answers.answers().path.clone(),
        }
    }

    pub fn partition(&self) -> Partition {
        self.answers.target().partition
    }

    /// Variables every template may use.
    pub fn base_vars(&self) -> Vars {
        let t = self.answers.target();
        Vars::new()
            .set("partition", t.partition.as_str())
            .set("region", t.region.clone())
            .set("account_id", t.account_id.clone())
            .set_list(
                "ec2_passed_to_service",
                crate::iam::partition::passed_to_service("ec2.amazonaws.com"),
            )
    }

    /// The ARN of a resource of this account at the answers' path.
    pub fn arn(&self, kind: EntityKind, name: &str) -> String {
        let t = self.answers.target();
        Arn::iam(
            t.partition.as_str(),
            &t.account_id,
            kind.arn_segment(),
            &self.path,
            name,
        )
        .to_string()
    }

    /// The ARN of an AWS-managed policy, e.g. `service-role/AWSBatchServiceRole`.
    pub fn aws_managed(&self, path_and_name: &str) -> String {
        Arn::aws_managed_policy(self.partition().as_str(), path_and_name).to_string()
    }

    /// A trust policy for one AWS service.
    /// A trust policy for one AWS service (its `aws` partition name), under
    /// every name the service has in the plan's partition: EC2 in China is
    /// trusted as both `ec2.amazonaws.com` and `ec2.amazonaws.com.cn`.
    pub fn service_trust(&self, service: &str) -> Result<Value, TemplateError> {
        let mut trust =
            crate::templates::fill(Template::ServiceTrust, &Vars::new().set("service", service))?;
        let principals = self.partition().trust_principals(service);
        if principals.len() > 1
            && let Some(named) = trust.pointer_mut("/Statement/0/Principal/Service")
        {
            *named = Value::from(principals);
        }
        Ok(trust)
    }

    fn resource(
        &self,
        kind: EntityKind,
        name: String,
        spec: Spec,
        depends_on: Vec<ResourceId>,
        notes: Vec<String>,
    ) -> Resource {
        Resource {
            arn: self.arn(kind, &name),
            path: self.path.clone(),
            name,
            spec,
            tags: self.answers.tags(),
            depends_on,
            notes,
        }
    }

    /// Adds a managed policy; returns its ARN.
    pub fn add_policy(
        &mut self,
        name: String,
        description: &str,
        document: Value,
        notes: Vec<String>,
    ) -> String {
        let spec = Spec::ManagedPolicy(PolicySpec {
            description: description.to_owned(),
            document,
        });
        let r = self.resource(EntityKind::ManagedPolicy, name, spec, Vec::new(), notes);
        let arn = r.arn.clone();
        self.resources.push(r);
        arn
    }

    /// Adds a role trusted by `service`, with managed policies attached. Any
    /// attached policy that this plan creates becomes a dependency.
    pub fn add_role(
        &mut self,
        name: String,
        description: &str,
        service: &str,
        managed_policy_arns: Vec<String>,
        notes: Vec<String>,
    ) -> Result<(), TemplateError> {
        self.add_role_with_inline(
            name,
            description,
            service,
            managed_policy_arns,
            BTreeMap::new(),
            notes,
        )
    }

    /// [`Builder::add_role`] with inline policies too.
    pub fn add_role_with_inline(
        &mut self,
        name: String,
        description: &str,
        service: &str,
        managed_policy_arns: Vec<String>,
        inline_policies: BTreeMap<String, Value>,
        notes: Vec<String>,
    ) -> Result<(), TemplateError> {
        let trust_policy = self.service_trust(service)?;
        self.add_role_trusting(
            name,
            description,
            trust_policy,
            managed_policy_arns,
            inline_policies,
            notes,
        );
        Ok(())
    }

    /// [`Builder::add_role_with_inline`] with a trust policy of its own, for
    /// a service whose guide adds conditions (HealthOmics' confused-deputy
    /// keys).
    pub fn add_role_trusting(
        &mut self,
        name: String,
        description: &str,
        trust_policy: Value,
        managed_policy_arns: Vec<String>,
        inline_policies: BTreeMap<String, Value>,
        notes: Vec<String>,
    ) {
        let depends_on = self
            .resources
            .iter()
            .filter(|r| managed_policy_arns.contains(&r.arn))
            .map(Resource::id)
            .collect();
        let spec = Spec::Role(RoleSpec {
            description: description.to_owned(),
            trust_policy,
            managed_policy_arns,
            inline_policies,
            permissions_boundary: self.answers.permissions_boundary().map(str::to_owned),
        });
        let r = self.resource(EntityKind::Role, name, spec, depends_on, notes);
        self.resources.push(r);
    }

    /// Adds the service-linked role `name` of `service`, at the path and
    /// ARN AWS gives it, without tags (IAM refuses them on service-linked
    /// roles). The name prefix and the answers' path do not apply: AWS
    /// chooses both.
    pub fn add_service_linked_role(
        &mut self,
        service: &str,
        name: &str,
        description: &str,
        notes: Vec<String>,
    ) {
        let t = self.answers.target();
        let path = service_linked_role_path(service);
        self.resources.push(Resource {
            arn: Arn::role(t.partition.as_str(), &t.account_id, &path, name).to_string(),
            path,
            name: name.to_owned(),
            spec: Spec::ServiceLinkedRole(ServiceLinkedRoleSpec {
                service: service.to_owned(),
                description: description.to_owned(),
            }),
            tags: BTreeMap::new(),
            depends_on: Vec::new(),
            notes,
        });
    }

    /// Adds an instance profile holding `role`, named after it.
    pub fn add_instance_profile(&mut self, role: &str, notes: Vec<String>) {
        let depends_on = vec![ResourceId {
            kind: EntityKind::Role,
            name: role.to_owned(),
        }];
        let spec = Spec::InstanceProfile(InstanceProfileSpec {
            roles: vec![role.to_owned()],
        });
        let r = self.resource(
            EntityKind::InstanceProfile,
            role.to_owned(),
            spec,
            depends_on,
            notes,
        );
        self.resources.push(r);
    }
}
