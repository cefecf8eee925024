//! The plan: the ordered IAM resources that a set of valid answers asks for.
//!
//! `plan()` is pure and deterministic (same answers, same plan, byte for byte):
//! no I/O, no clock, no randomness, ordered collections only. Everything
//! else (lint, export, apply, the wizard's review) reads a `Plan`.

pub mod admin_policy;
pub mod edits;
pub mod genomics;
pub mod lint;
pub mod parallelcluster;
pub mod parallelcluster3;

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

pub use crate::iam::names::ResourceId;
use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::answers::{Target, ValidAnswers};
use crate::iam::names::EntityKind;
use crate::iam::partition::Partition;
use crate::templates::{Template, TemplateError, Vars};

/// What to create, in dependency order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub target: Target,
    pub resources: Vec<Resource>,
    /// What became of each of the answers' hand edits.
    pub edits: Vec<edits::Outcome>,
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

/// What kind of resource, with what it holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    ManagedPolicy {
        description: String,
        document: Value,
    },
    Role {
        description: String,
        trust_policy: Value,
        managed_policy_arns: Vec<String>,
        inline_policies: BTreeMap<String, Value>,
        permissions_boundary: Option<String>,
    },
    InstanceProfile {
        roles: Vec<String>,
    },
    /// A service-linked role, made by `CreateServiceLinkedRole` for
    /// `service` (like `batch.amazonaws.com`). AWS names it, places it at
    /// `/aws-service-role/SERVICE/`, writes its trust policy and attaches
    /// (and updates) its permissions; IAM does not let it be tagged. One per
    /// account and service, shared by everything of that service. onramp
    /// creates it only when it is missing.
    ServiceLinkedRole {
        service: String,
        description: String,
    },
}

impl Resource {
    pub fn kind(&self) -> EntityKind {
        match self.spec {
            Spec::ManagedPolicy { .. } => EntityKind::ManagedPolicy,
            Spec::Role { .. } => EntityKind::Role,
            Spec::InstanceProfile { .. } => EntityKind::InstanceProfile,
            Spec::ServiceLinkedRole { .. } => EntityKind::Role,
        }
    }

    /// Whether this is a service-linked role, which AWS owns: onramp
    /// creates it when missing and never changes it.
    pub fn is_service_linked(&self) -> bool {
        matches!(self.spec, Spec::ServiceLinkedRole { .. })
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

    /// Every policy document the resource carries, with a label for each:
    /// `document`, `trust_policy` or `inline_policies.NAME`.
    pub fn documents(&self) -> Vec<(String, &Value)> {
        match &self.spec {
            Spec::ManagedPolicy { document, .. } => vec![("document".into(), document)],
            Spec::Role {
                trust_policy,
                inline_policies,
                ..
            } => std::iter::once(("trust_policy".to_owned(), trust_policy))
                .chain(
                    inline_policies
                        .iter()
                        .map(|(name, doc)| (format!("inline_policies.{name}"), doc)),
                )
                .collect(),
            Spec::InstanceProfile { .. } | Spec::ServiceLinkedRole { .. } => Vec::new(),
        }
    }
}

impl Resource {
    /// The document [`Resource::documents`] labels `label`, to change it.
    pub fn document_mut(&mut self, label: &str) -> Option<&mut Value> {
        match (&mut self.spec, label) {
            (Spec::ManagedPolicy { document, .. }, "document") => Some(document),
            (Spec::Role { trust_policy, .. }, "trust_policy") => Some(trust_policy),
            (
                Spec::Role {
                    inline_policies, ..
                },
                label,
            ) => inline_policies.get_mut(label.strip_prefix("inline_policies.")?),
            _ => None,
        }
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

impl Serialize for Plan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("region", &self.target.region)?;
        map.serialize_entry("account_id", &self.target.account_id)?;
        map.serialize_entry("partition", &self.target.partition)?;
        map.serialize_entry("resources", &self.resources)?;
        if !self.edits.is_empty() {
            map.serialize_entry("edits", &self.edits)?;
        }
        map.end()
    }
}

impl Serialize for Resource {
    /// The contract of `plan --format json`: `kind`, `name`, `path`, then the
    /// kind's own fields, then `depends_on` (names); `arn`, `tags` and `notes`
    /// are extra. A service-linked role is of kind `service_linked_role`,
    /// with `service` and `description`: it has none of a role's fields.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if self.is_service_linked() {
            map.serialize_entry("kind", "service_linked_role")?;
        } else {
            map.serialize_entry("kind", &self.kind())?;
        }
        map.serialize_entry("name", &self.name)?;
        map.serialize_entry("path", &self.path)?;
        map.serialize_entry("arn", &self.arn)?;
        match &self.spec {
            Spec::ManagedPolicy {
                description,
                document,
            } => {
                map.serialize_entry("description", description)?;
                map.serialize_entry("document", document)?;
            }
            Spec::Role {
                description,
                trust_policy,
                managed_policy_arns,
                inline_policies,
                permissions_boundary,
            } => {
                map.serialize_entry("description", description)?;
                map.serialize_entry("trust_policy", trust_policy)?;
                map.serialize_entry("managed_policy_arns", managed_policy_arns)?;
                map.serialize_entry("inline_policies", inline_policies)?;
                map.serialize_entry("permissions_boundary", permissions_boundary)?;
            }
            Spec::InstanceProfile { roles } => {
                map.serialize_entry("roles", roles)?;
            }
            Spec::ServiceLinkedRole {
                service,
                description,
            } => {
                map.serialize_entry("service", service)?;
                map.serialize_entry("description", description)?;
            }
        }
        let depends_on: Vec<&str> = self.depends_on.iter().map(|d| d.name.as_str()).collect();
        map.serialize_entry("depends_on", &depends_on)?;
        map.serialize_entry("tags", &self.tags)?;
        map.serialize_entry("notes", &self.notes)?;
        map.end()
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
    let mut resources = builder.resources;
    let edits = edits::apply(&mut resources, &answers.answers().edits);
    Ok(Plan {
        target: answers.target().clone(),
        resources,
        edits,
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
        format!(
            "arn:{}:iam::{}:{}{}{}",
            t.partition,
            t.account_id,
            kind.arn_segment(),
            self.path,
            name
        )
    }

    /// The ARN of an AWS-managed policy, e.g. `service-role/AWSBatchServiceRole`.
    pub fn aws_managed(&self, path_and_name: &str) -> String {
        format!("arn:{}:iam::aws:policy/{path_and_name}", self.partition())
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
        let spec = Spec::ManagedPolicy {
            description: description.to_owned(),
            document,
        };
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
        let depends_on = self
            .resources
            .iter()
            .filter(|r| managed_policy_arns.contains(&r.arn))
            .map(Resource::id)
            .collect();
        let spec = Spec::Role {
            description: description.to_owned(),
            trust_policy: self.service_trust(service)?,
            managed_policy_arns,
            inline_policies,
            permissions_boundary: self.answers.permissions_boundary().map(str::to_owned),
        };
        let r = self.resource(EntityKind::Role, name, spec, depends_on, notes);
        self.resources.push(r);
        Ok(())
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
            arn: format!("arn:{}:iam::{}:role{path}{name}", t.partition, t.account_id),
            path,
            name: name.to_owned(),
            spec: Spec::ServiceLinkedRole {
                service: service.to_owned(),
                description: description.to_owned(),
            },
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
        let spec = Spec::InstanceProfile {
            roles: vec![role.to_owned()],
        };
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
