//! `export --format cloudformation`: the plan as a CloudFormation template,
//! so the same set-up can be reviewed, kept in version control and rolled
//! out to every account of an organization with StackSets.
//!
//! The template is built as a tree ([`Node`]) and written by a YAML library
//! (never by string templates). It is account neutral: the partition,
//! region and account id inside ARNs become the pseudo parameters
//! `AWS::Partition`, `AWS::Region` and `AWS::AccountId` through `!Sub`, so
//! one template deploys anywhere. Links between the plan's own resources (a
//! role's managed policies, a profile's role) are `!Ref`s, so CloudFormation
//! orders the creation itself; ARNs inside policy documents stay `!Sub`
//! strings, because a `!GetAtt` there could close a cycle (a role attaches a
//! policy that names the role).

use std::collections::{BTreeMap, BTreeSet};

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value as Json;

use crate::iam::arn::Arn;
use crate::iam::names::EntityKind;
use crate::plan::{Plan, Resource, Spec};

/// The template language version, the only one CloudFormation knows.
const FORMAT_VERSION: &str = "2010-09-09";

/// A node of the template: YAML's data model plus CloudFormation's
/// short-form intrinsic functions.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in the order they are written.
    Map(Vec<(String, Node)>),
    /// `!Ref X`, `!GetAtt X.Arn` or `!Sub '…'`: the function's name and its argument.
    Function(&'static str, Box<Node>),
}

impl Node {
    fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    fn map<const N: usize>(entries: [(&str, Node); N]) -> Node {
        Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    fn function(name: &'static str, argument: impl Into<String>) -> Node {
        Node::Function(name, Box::new(Node::Str(argument.into())))
    }

    /// The map with `key` added at the end when there is a value.
    fn with(mut self, key: &str, value: Option<Node>) -> Node {
        if let (Node::Map(entries), Some(value)) = (&mut self, value) {
            entries.push((key.to_owned(), value));
        }
        self
    }

    /// The value under `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Number(n) => n.serialize(s),
            Node::Str(text) => s.serialize_str(text),
            Node::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Node::Function(name, argument) => {
                serde_saphyr::Tagged(argument.as_ref(), Some(format!("!{name}"))).serialize(s)
            }
        }
    }
}

/// The template for `plan`, as YAML text.
pub fn template(plan: &Plan) -> Result<String, String> {
    serde_saphyr::to_string(&template_tree(plan)).map_err(|e| e.to_string())
}

/// The template for `plan`, as a tree.
pub fn template_tree(plan: &Plan) -> Node {
    let ids = LogicalIds::new(plan);
    let symbols = Symbols::of(plan);
    let mut resources = Vec::new();
    let mut outputs = Vec::new();
    let mut parameters = Vec::new();
    let mut conditions = Vec::new();
    for r in &plan.resources {
        let id = ids.of(r.kind(), &r.name);
        let mut node = resource(r, &ids, &symbols);
        if r.is_service_linked() {
            let (parameter, condition) = (format!("Create{id}"), format!("Creating{id}"));
            parameters.push((parameter.clone(), create_parameter(r)));
            conditions.push((
                condition.clone(),
                Node::Function(
                    "Equals",
                    Box::new(Node::Seq(vec![
                        Node::function("Ref", parameter),
                        Node::str("true"),
                    ])),
                ),
            ));
            if let Node::Map(entries) = &mut node {
                entries.insert(1, ("Condition".to_owned(), Node::Str(condition)));
            }
        }
        resources.push((id.to_owned(), node));
        outputs.push((format!("{id}Arn"), output(r, id, &symbols)));
    }
    let mut entries = vec![
        (
            "AWSTemplateFormatVersion".to_owned(),
            Node::str(FORMAT_VERSION),
        ),
        ("Description".to_owned(), Node::str(description(plan))),
        ("Metadata".to_owned(), metadata(plan, &ids)),
    ];
    if !parameters.is_empty() {
        entries.push(("Parameters".to_owned(), Node::Map(parameters)));
        entries.push(("Conditions".to_owned(), Node::Map(conditions)));
    }
    entries.push(("Resources".to_owned(), Node::Map(resources)));
    entries.push(("Outputs".to_owned(), Node::Map(outputs)));
    Node::Map(entries)
}

/// The parameter that lets a service-linked role be left out of the stack:
/// CloudFormation cannot take over one the account already has (creating it
/// fails), and an account that ever ran the service often has it.
fn create_parameter(r: &Resource) -> Node {
    Node::map([
        ("Type", Node::str("String")),
        (
            "AllowedValues",
            Node::Seq(vec![Node::str("true"), Node::str("false")]),
        ),
        ("Default", Node::str("true")),
        (
            "Description",
            Node::str(format!(
                "Whether the stack creates the service-linked role {}: set false in an account that already has it, which CloudFormation cannot take over.",
                r.name
            )),
        ),
    ])
}

/// What the stack is, for the CloudFormation console's stack list.
fn description(plan: &Plan) -> String {
    let roles = count(plan, EntityKind::Role);
    let policies = count(plan, EntityKind::ManagedPolicy);
    let profiles = count(plan, EntityKind::InstanceProfile);
    format!(
        "IAM set-up generated by onramp {}: {roles} roles, {policies} managed policies, {profiles} instance profiles.",
        env!("CARGO_PKG_VERSION")
    )
}

fn count(plan: &Plan, kind: EntityKind) -> usize {
    plan.resources.iter().filter(|r| r.kind() == kind).count()
}

/// Facts a reviewer of the template needs that the resources cannot say.
fn metadata(plan: &Plan, ids: &LogicalIds) -> Node {
    let tags = plan
        .resources
        .first()
        .map(|r| {
            r.tags
                .iter()
                .map(|(k, v)| (k.clone(), Node::str(v)))
                .collect()
        })
        .unwrap_or_default();
    Node::map([(
        "Onramp",
        Node::map([
            ("Version", Node::str(env!("CARGO_PKG_VERSION"))),
            (
                "Tags",
                Node::str(
                    "CloudFormation can tag roles only: AWS::IAM::ManagedPolicy and AWS::IAM::InstanceProfile have no Tags property, so the plan's tags are on the roles, and the stack itself marks the rest.",
                ),
            ),
            ("PlannedTags", Node::Map(tags)),
        ])
        .with(
            "ServiceLinkedRoles",
            service_linked_note(plan, ids).map(Node::Str),
        ),
    )])
}

/// A note on the service-linked roles, when the plan has any.
fn service_linked_note(plan: &Plan, ids: &LogicalIds) -> Option<String> {
    let notes: Vec<String> = plan
        .resources
        .iter()
        .filter(|r| r.is_service_linked())
        .map(|r| {
            format!(
                "{} is a service-linked role: AWS writes its trust and permissions, it cannot be tagged, and an account has only one. The stack creates it unless the parameter Create{} is false, which it must be in an account that has the role already. Deleting the stack deletes a role it created, which AWS refuses while anything uses it.",
                r.name,
                ids.of(r.kind(), &r.name)
            )
        })
        .collect();
    (!notes.is_empty()).then(|| notes.join(" "))
}

fn resource(r: &Resource, ids: &LogicalIds, symbols: &Symbols) -> Node {
    let mut props: Vec<(String, Node)> = Vec::new();
    let mut prop = |key: &str, value: Node| props.push((key.to_owned(), value));
    let type_name = match &r.spec {
        Spec::ManagedPolicy(policy) => {
            prop("ManagedPolicyName", Node::str(&r.name));
            prop("Path", Node::str(&r.path));
            prop("Description", Node::str(&policy.description));
            prop("PolicyDocument", symbols.document(&policy.document));
            "AWS::IAM::ManagedPolicy"
        }
        Spec::Role(role) => {
            prop("RoleName", Node::str(&r.name));
            prop("Path", Node::str(&r.path));
            prop("Description", Node::str(&role.description));
            prop(
                "AssumeRolePolicyDocument",
                symbols.document(&role.trust_policy),
            );
            if !role.managed_policy_arns.is_empty() {
                let arns = role
                    .managed_policy_arns
                    .iter()
                    .map(|arn| match ids.policy_by_arn(arn) {
                        Some(id) => Node::function("Ref", id),
                        None => symbols.string(arn),
                    })
                    .collect();
                prop("ManagedPolicyArns", Node::Seq(arns));
            }
            if !role.inline_policies.is_empty() {
                let policies = role
                    .inline_policies
                    .iter()
                    .map(|(name, doc)| {
                        Node::map([
                            ("PolicyName", Node::str(name)),
                            ("PolicyDocument", symbols.document(doc)),
                        ])
                    })
                    .collect();
                prop("Policies", Node::Seq(policies));
            }
            if let Some(boundary) = role.boundary() {
                prop("PermissionsBoundary", symbols.string(boundary));
            }
            if !r.tags.is_empty() {
                prop("Tags", tag_list(&r.tags));
            }
            "AWS::IAM::Role"
        }
        Spec::ServiceLinkedRole(linked) => {
            // No name, path or tags: AWS sets the first two and refuses tags.
            prop("AWSServiceName", Node::str(&linked.service));
            prop("Description", Node::str(&linked.description));
            "AWS::IAM::ServiceLinkedRole"
        }
        Spec::InstanceProfile(profile) => {
            prop("InstanceProfileName", Node::str(&r.name));
            prop("Path", Node::str(&r.path));
            let roles = profile
                .roles
                .iter()
                .map(|role| match ids.get(EntityKind::Role, role) {
                    Some(id) => Node::function("Ref", id),
                    None => Node::str(role),
                })
                .collect();
            prop("Roles", Node::Seq(roles));
            "AWS::IAM::InstanceProfile"
        }
    };
    Node::map([
        ("Type", Node::str(type_name)),
        ("Properties", Node::Map(props)),
    ])
}

/// The ARN output of a resource: what a Batch compute environment, a job
/// definition or a cluster configuration is given. Exported under the
/// stack's name, so other stacks can import it.
/// A service-linked role's is its known ARN, which is the same whether the
/// stack made the role or the account had it.
fn output(r: &Resource, id: &str, symbols: &Symbols) -> Node {
    let (what, value) = match r.kind() {
        EntityKind::Role if r.is_service_linked() => {
            ("service-linked role", symbols.string(&r.arn))
        }
        EntityKind::ManagedPolicy => ("managed policy", Node::function("Ref", id)),
        EntityKind::Role => ("role", Node::function("GetAtt", format!("{id}.Arn"))),
        EntityKind::InstanceProfile => (
            "instance profile",
            Node::function("GetAtt", format!("{id}.Arn")),
        ),
    };
    Node::map([
        (
            "Description",
            Node::str(format!("ARN of the {what} {}", r.name)),
        ),
        ("Value", value),
        (
            "Export",
            Node::map([(
                "Name",
                Node::function("Sub", format!("${{AWS::StackName}}-{id}Arn")),
            )]),
        ),
    ])
}

fn tag_list(tags: &BTreeMap<String, String>) -> Node {
    Node::Seq(
        tags.iter()
            .map(|(k, v)| Node::map([("Key", Node::str(k)), ("Value", Node::str(v))]))
            .collect(),
    )
}

/// Logical ids: CloudFormation's names for the template's resources,
/// alphanumeric and unique, derived from the IAM names so that a reviewer
/// recognises them (`lab-ecsInstanceRole` → `LabEcsInstanceRole`).
struct LogicalIds {
    by_resource: BTreeMap<(EntityKind, String), String>,
    policy_by_arn: BTreeMap<String, String>,
}

impl LogicalIds {
    fn new(plan: &Plan) -> LogicalIds {
        let mut by_resource = BTreeMap::new();
        let mut policy_by_arn = BTreeMap::new();
        let mut taken = BTreeSet::new();
        for r in &plan.resources {
            let base = logical_id(&r.name, r.kind());
            let mut id = base.clone();
            let mut n = 2;
            while !taken.insert(id.clone()) {
                id = format!("{base}{n}");
                n += 1;
            }
            if r.kind() == EntityKind::ManagedPolicy {
                policy_by_arn.insert(r.arn.clone(), id.clone());
            }
            by_resource.insert((r.kind(), r.name.clone()), id);
        }
        LogicalIds {
            by_resource,
            policy_by_arn,
        }
    }

    fn get(&self, kind: EntityKind, name: &str) -> Option<&str> {
        self.by_resource
            .get(&(kind, name.to_owned()))
            .map(String::as_str)
    }

    /// Every planned resource has an id; "" cannot happen.
    fn of(&self, kind: EntityKind, name: &str) -> &str {
        self.get(kind, name).unwrap_or_default()
    }

    fn policy_by_arn(&self, arn: &str) -> Option<&str> {
        self.policy_by_arn.get(arn).map(String::as_str)
    }
}

/// `lab-ecsInstanceRole` → `LabEcsInstanceRole`; the kind is appended
/// unless the name already ends with it (`…InstanceProfile` for profiles,
/// which share their role's name).
fn logical_id(name: &str, kind: EntityKind) -> String {
    let mut id: String = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    let suffix = match kind {
        EntityKind::ManagedPolicy => "Policy",
        EntityKind::Role => "Role",
        EntityKind::InstanceProfile => "InstanceProfile",
    };
    if !id.ends_with(suffix) {
        id.push_str(suffix);
    }
    id
}

/// The account-specific values of the plan, and how to write them neutrally.
struct Symbols<'a> {
    partition: &'a str,
    region: &'a str,
    account_id: &'a str,
}

impl<'a> Symbols<'a> {
    fn of(plan: &'a Plan) -> Symbols<'a> {
        Symbols {
            partition: plan.target.partition.as_str(),
            region: &plan.target.region,
            account_id: &plan.target.account_id,
        }
    }

    /// A policy document with every account-specific ARN made neutral.
    fn document(&self, json: &Json) -> Node {
        match json {
            Json::Null => Node::Null,
            Json::Bool(b) => Node::Bool(*b),
            Json::Number(n) => Node::Number(n.clone()),
            Json::String(s) => self.string(s),
            Json::Array(items) => Node::Seq(items.iter().map(|i| self.document(i)).collect()),
            Json::Object(map) => Node::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.document(v)))
                    .collect(),
            ),
        }
    }

    /// The string itself, or a `!Sub` of it when it names this account,
    /// region or partition: an ARN of them, or the account id alone (the
    /// `aws:SourceAccount` of a confused-deputy condition).
    fn string(&self, s: &str) -> Node {
        if s == self.account_id {
            return Node::function("Sub", "${AWS::AccountId}".to_owned());
        }
        match self.neutral_arn(s) {
            Some(sub) => Node::function("Sub", sub),
            None => Node::str(s),
        }
    }

    /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` with the plan's own
    /// partition, region and account replaced by pseudo parameters, as a
    /// `!Sub` body; `None` when the string is no ARN or names none of them.
    ///
    /// One more rule: S3 buckets named `REGION-aws-…` are AWS's per-region
    /// buckets (ParallelCluster's `us-east-1-aws-parallelcluster`), so
    /// their region follows the stack's too.
    fn neutral_arn(&self, s: &str) -> Option<String> {
        let arn: Arn = s.parse().ok()?;
        let mut changed = false;
        let mut field = |value: &str, own: &str, pseudo: &str| {
            if value == own && !own.is_empty() {
                changed = true;
                pseudo.to_owned()
            } else {
                escape_sub(value)
            }
        };
        let partition = field(&arn.partition, self.partition, "${AWS::Partition}");
        let region = field(&arn.region, self.region, "${AWS::Region}");
        let account = field(&arn.account, self.account_id, "${AWS::AccountId}");
        let regional_bucket = format!("{}-aws-", self.region);
        let resource = match arn.resource.strip_prefix(&regional_bucket) {
            Some(rest) if arn.service == "s3" => {
                changed = true;
                format!("${{AWS::Region}}-aws-{}", escape_sub(rest))
            }
            _ => escape_sub(&arn.resource),
        };
        let service = escape_sub(&arn.service);
        changed.then(|| Arn::new(&partition, &service, &region, &account, &resource).to_string())
    }
}

/// Text that `!Sub` must leave alone: `${x}` (an IAM policy variable such
/// as `${aws:username}`) is written `${!x}`.
fn escape_sub(text: &str) -> String {
    text.replace("${", "${!")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answers::Target;
    use crate::iam::partition::Partition;
    use crate::plan::InstanceProfileSpec;

    fn symbols() -> Symbols<'static> {
        Symbols {
            partition: "aws",
            region: "us-east-1",
            account_id: "123456789012",
        }
    }

    #[test]
    fn the_account_id_alone_follows_the_stack_too() {
        let doc = serde_json::json!({"StringEquals": {"aws:SourceAccount": "123456789012"}, "Other": "210987654321"});
        let text = format!("{:?}", symbols().document(&doc));
        assert!(text.contains("${AWS::AccountId}"), "{text}");
        assert!(!text.contains("123456789012"), "{text}");
        assert!(text.contains("210987654321"), "{text}");
    }

    #[test]
    fn arns_of_this_account_become_pseudo_parameters() {
        let s = symbols();
        assert_eq!(
            s.neutral_arn("arn:aws:iam::123456789012:role/x").as_deref(),
            Some("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x")
        );
        assert_eq!(
            s.neutral_arn("arn:aws:sqs:us-east-1:123456789012:parallelcluster-*")
                .as_deref(),
            Some("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:parallelcluster-*")
        );
        assert_eq!(
            s.neutral_arn("arn:aws:s3:::us-east-1-aws-parallelcluster/*")
                .as_deref(),
            Some("arn:${AWS::Partition}:s3:::${AWS::Region}-aws-parallelcluster/*")
        );
        // AWS-managed policies: only the partition is the stack's.
        assert_eq!(
            s.neutral_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
                .as_deref(),
            Some("arn:${AWS::Partition}:iam::aws:policy/AmazonS3ReadOnlyAccess")
        );
    }

    #[test]
    fn other_strings_stay_as_they_are() {
        let s = symbols();
        assert_eq!(s.neutral_arn("s3:GetObject"), None);
        assert_eq!(s.neutral_arn("*"), None);
        assert_eq!(s.neutral_arn("arn:aws-cn:s3:::x"), None);
        assert_eq!(s.neutral_arn("arn:partial"), None);
        // A user bucket that merely starts with a region is not AWS's.
        assert_eq!(
            s.neutral_arn("arn:aws:s3:::us-east-1-data").as_deref(),
            Some("arn:${AWS::Partition}:s3:::us-east-1-data")
        );
    }

    #[test]
    fn policy_variables_survive_sub() {
        let s = symbols();
        assert_eq!(
            s.neutral_arn("arn:aws:s3:::home/${aws:username}/*")
                .as_deref(),
            Some("arn:${AWS::Partition}:s3:::home/${!aws:username}/*")
        );
    }

    #[test]
    fn logical_ids_are_alphanumeric_and_name_the_kind() {
        assert_eq!(
            logical_id("lab-ecsInstanceRole", EntityKind::Role),
            "LabEcsInstanceRole"
        );
        assert_eq!(
            logical_id("lab-ecsInstanceRole", EntityKind::InstanceProfile),
            "LabEcsInstanceRoleInstanceProfile"
        );
        assert_eq!(
            logical_id("s3bucket-access_policy.v2", EntityKind::ManagedPolicy),
            "S3bucketAccessPolicyV2Policy"
        );
    }

    #[test]
    fn colliding_logical_ids_get_a_number() {
        let plan = Plan {
            target: Target {
                region: "us-east-1".into(),
                account_id: "123456789012".into(),
                partition: Partition::Aws,
            },
            resources: ["a-b", "a_b"]
                .into_iter()
                .map(|name| Resource {
                    name: name.into(),
                    path: "/".into(),
                    arn: Arn::role("aws", "123456789012", "/", name).to_string(),
                    spec: Spec::InstanceProfile(InstanceProfileSpec { roles: vec![] }),
                    tags: BTreeMap::new(),
                    depends_on: vec![],
                    notes: vec![],
                })
                .collect(),
            edits: Vec::new(),
            existing: Default::default(),
        };
        let ids = LogicalIds::new(&plan);
        assert_eq!(
            ids.of(EntityKind::InstanceProfile, "a-b"),
            "ABInstanceProfile"
        );
        assert_eq!(
            ids.of(EntityKind::InstanceProfile, "a_b"),
            "ABInstanceProfile2"
        );
    }

    /// The node with every `!Sub` filled in for `target`, as CloudFormation
    /// would in that account and region.
    fn resolved(node: &Node, target: &Target) -> Node {
        match node {
            Node::Function("Sub", arg) => match arg.as_ref() {
                Node::Str(text) => Node::Str(
                    text.replace("${AWS::Partition}", target.partition.as_str())
                        .replace("${AWS::Region}", &target.region)
                        .replace("${AWS::AccountId}", &target.account_id)
                        .replace("${!", "${"),
                ),
                other => other.clone(),
            },
            Node::Seq(items) => Node::Seq(items.iter().map(|i| resolved(i, target)).collect()),
            Node::Map(entries) => Node::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), resolved(v, target)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn example_plan(toml: &str) -> Plan {
        let valid = crate::answers::Answers::from_toml(toml)
            .ok()
            .and_then(|a| a.validate(&crate::answers::Environment::default()).ok());
        valid
            .and_then(|v| crate::plan::plan(&v).ok())
            .unwrap_or_else(|| Plan {
                target: Target {
                    region: String::new(),
                    account_id: String::new(),
                    partition: Partition::Aws,
                },
                resources: Vec::new(),
                edits: Vec::new(),
                existing: Default::default(),
            })
    }

    #[test]
    fn documents_resolve_back_to_the_plan_in_its_own_account() {
        let sym = Symbols {
            partition: "aws",
            region: "",
            account_id: "",
        };
        for toml in [
            include_str!("../../examples/everything.toml"),
            include_str!("../../examples/genomics.toml"),
            include_str!("../../examples/parallelcluster-slurm.toml"),
            include_str!("../../examples/parallelcluster-awsbatch.toml"),
        ] {
            let plan = example_plan(toml);
            assert!(!plan.resources.is_empty());
            let tree = template_tree(&plan);
            let resources = tree.get("Resources").cloned().unwrap_or(Node::Null);
            let ids = LogicalIds::new(&plan);
            for r in &plan.resources {
                let props = resources
                    .get(ids.of(r.kind(), &r.name))
                    .and_then(|n| n.get("Properties"))
                    .cloned()
                    .unwrap_or(Node::Null);
                let (key, document) = match &r.spec {
                    Spec::ManagedPolicy(p) => ("PolicyDocument", &p.document),
                    Spec::Role(role) => ("AssumeRolePolicyDocument", &role.trust_policy),
                    Spec::InstanceProfile(_) | Spec::ServiceLinkedRole(_) => continue,
                };
                let got = props.get(key).map(|d| resolved(d, &plan.target));
                // `sym` knows no region or account, so it only converts.
                assert_eq!(got, Some(sym_plain(&sym, document)), "{} {key}", r.name);
            }
        }
    }

    /// The document as a tree without any `!Sub`.
    fn sym_plain(sym: &Symbols, json: &Json) -> Node {
        resolved(
            &sym.document(json),
            &Target {
                region: String::new(),
                account_id: String::new(),
                partition: Partition::Aws,
            },
        )
    }

    #[test]
    fn a_service_linked_role_is_optional_and_untagged() {
        let plan = example_plan(include_str!("../../examples/genomics-service-linked.toml"));
        let tree = template_tree(&plan);
        let resource = tree
            .get("Resources")
            .and_then(|r| r.get("AWSServiceRoleForBatchRole"))
            .cloned()
            .unwrap_or(Node::Null);
        assert_eq!(
            resource.get("Type"),
            Some(&Node::str("AWS::IAM::ServiceLinkedRole"))
        );
        assert_eq!(
            resource.get("Condition"),
            Some(&Node::str("CreatingAWSServiceRoleForBatchRole"))
        );
        let props = resource.get("Properties").cloned().unwrap_or(Node::Null);
        assert_eq!(
            props.get("AWSServiceName"),
            Some(&Node::str("batch.amazonaws.com"))
        );
        assert!(props.get("Tags").is_none() && props.get("RoleName").is_none());
        let parameter = tree
            .get("Parameters")
            .and_then(|p| p.get("CreateAWSServiceRoleForBatchRole"))
            .cloned()
            .unwrap_or(Node::Null);
        assert_eq!(parameter.get("Default"), Some(&Node::str("true")));
        assert!(
            tree.get("Conditions")
                .and_then(|c| c.get("CreatingAWSServiceRoleForBatchRole"))
                .is_some()
        );
        // Its ARN is known whether or not the stack makes it.
        let output = tree
            .get("Outputs")
            .and_then(|o| o.get("AWSServiceRoleForBatchRoleArn"))
            .and_then(|o| o.get("Value"))
            .cloned()
            .unwrap_or(Node::Null);
        assert_eq!(
            output,
            Node::function(
                "Sub",
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch"
            )
        );
        // The seed's role is not in it, and a plan without one has no parameters.
        assert!(
            !template(&plan)
                .unwrap_or_default()
                .contains("AWSBatchServiceRole")
        );
        let seed = template_tree(&example_plan(include_str!("../../examples/genomics.toml")));
        assert!(seed.get("Parameters").is_none() && seed.get("Conditions").is_none());
    }

    #[test]
    fn inline_policies_become_the_role_s_policies() {
        let mut plan = example_plan(include_str!("../../examples/genomics.toml"));
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::x"}]});
        let role = plan
            .resources
            .iter_mut()
            .find_map(|r| r.role_mut().map(|role| &mut role.inline_policies));
        assert!(role.is_some(), "the genomics plan has a role");
        role.into_iter().for_each(|p| {
            p.insert("extra".into(), doc.clone());
        });
        let text = template(&plan).unwrap_or_default();
        assert!(
            text.contains("Policies:\n      - PolicyName: extra\n        PolicyDocument:"),
            "{text}"
        );
        assert!(text.contains("!Sub arn:${AWS::Partition}:s3:::x"), "{text}");
    }
}
