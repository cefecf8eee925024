//! Policy templates and how they are filled.
//!
//! The templates in `assets/policies/` are the source documents' JSON with each
//! `<PLACEHOLDER>` (and the hard-coded `arn:aws:` partition) replaced by a
//! named `{{variable}}`. Filling walks the parsed JSON tree and substitutes
//! inside string values only, so the result is always valid JSON, a value can
//! never inject structure, and an unbound variable is an error rather than a
//! placeholder left in a live policy.

pub mod bucket;

use std::collections::BTreeMap;

use serde_json::Value;

/// The embedded policy templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Template {
    /// Seed 000: "Bucket Access Policy" (one statement for every bucket).
    BucketAccess,
    /// Seed 000: "EBS Autoscale Policy" (with the explicit action list).
    EbsAutoscale,
    /// A trust policy letting one AWS service assume the role.
    ServiceTrust,
    /// Seed 004: ParallelClusterInstancePolicy for SGE, Slurm or Torque.
    ParallelClusterInstanceTraditional,
    /// Seed 004: ParallelClusterInstancePolicy for awsbatch.
    ParallelClusterInstanceAwsbatch,
    /// Seed 004: ParallelClusterUserPolicy for SGE, Slurm or Torque.
    ParallelClusterUserTraditional,
    /// Seed 004: ParallelClusterUserPolicy for awsbatch.
    ParallelClusterUserAwsbatch,
    /// ParallelCluster 3 guide: the base `pcluster` user policy.
    Pc3UserBase,
    /// ParallelCluster 3 guide: the additional user policy for the AWS Batch scheduler.
    Pc3UserBatch,
    /// ParallelCluster 3 guide: the additional user policy for Amazon FSx for Lustre.
    Pc3UserFsx,
    /// ParallelCluster 3 guide: the image build user policy.
    Pc3UserImageBuild,
    /// ParallelCluster 3 (3.7+): the additional user policy for login nodes.
    Pc3UserLoginNodes,
    /// ParallelCluster 3 guide: privileged IAM access mode.
    Pc3IamPrivileged,
    /// ParallelCluster 3 guide: `PermissionsBoundary` mode.
    Pc3IamPermissionsBoundary,
    /// ParallelCluster 3 guide: the head node role's additional policy (Slurm).
    Pc3HeadNode,
    /// ParallelCluster 3 guide: the compute nodes role's additional policy.
    Pc3ComputeNode,
    /// ParallelCluster 3 guide: the Lambda functions role's policy.
    Pc3LambdaFunctions,
    /// ParallelCluster 3 guide: the EC2 Image Builder instance role's additional policy.
    Pc3ImageBuilderInstance,
    /// ParallelCluster 3 guide: the image build cleanup Lambda role's additional policy.
    Pc3ImageCleanup,
    /// HealthOmics guide: the service role's trust policy, with the
    /// confused-deputy conditions.
    OmicsTrust,
    /// HealthOmics guide: the service role's permissions for a run.
    OmicsServiceRole,
    /// HealthOmics: the policy of the people who start and watch runs.
    OmicsUser,
}

impl Template {
    pub const ALL: [Template; 22] = [
        Template::BucketAccess,
        Template::EbsAutoscale,
        Template::ServiceTrust,
        Template::ParallelClusterInstanceTraditional,
        Template::ParallelClusterInstanceAwsbatch,
        Template::ParallelClusterUserTraditional,
        Template::ParallelClusterUserAwsbatch,
        Template::Pc3UserBase,
        Template::Pc3UserBatch,
        Template::Pc3UserFsx,
        Template::Pc3UserImageBuild,
        Template::Pc3UserLoginNodes,
        Template::Pc3IamPrivileged,
        Template::Pc3IamPermissionsBoundary,
        Template::Pc3HeadNode,
        Template::Pc3ComputeNode,
        Template::Pc3LambdaFunctions,
        Template::Pc3ImageBuilderInstance,
        Template::Pc3ImageCleanup,
        Template::OmicsTrust,
        Template::OmicsServiceRole,
        Template::OmicsUser,
    ];

    /// The template's path under `assets/policies/`.
    pub fn file(self) -> &'static str {
        match self {
            Template::BucketAccess => "genomics/bucket-access.json",
            Template::EbsAutoscale => "genomics/ebs-autoscale.json",
            Template::ServiceTrust => "trust-service.json",
            Template::ParallelClusterInstanceTraditional => {
                "parallelcluster2/instance-traditional.json"
            }
            Template::ParallelClusterInstanceAwsbatch => "parallelcluster2/instance-awsbatch.json",
            Template::ParallelClusterUserTraditional => "parallelcluster2/user-traditional.json",
            Template::ParallelClusterUserAwsbatch => "parallelcluster2/user-awsbatch.json",
            Template::Pc3UserBase => "parallelcluster3/user-base.json",
            Template::Pc3UserBatch => "parallelcluster3/user-batch.json",
            Template::Pc3UserFsx => "parallelcluster3/user-fsx.json",
            Template::Pc3UserImageBuild => "parallelcluster3/user-image-build.json",
            Template::Pc3UserLoginNodes => "parallelcluster3/user-login-nodes.json",
            Template::Pc3IamPrivileged => "parallelcluster3/iam-privileged.json",
            Template::Pc3IamPermissionsBoundary => "parallelcluster3/iam-permissions-boundary.json",
            Template::Pc3HeadNode => "parallelcluster3/head-node-slurm.json",
            Template::Pc3ComputeNode => "parallelcluster3/compute-node.json",
            Template::Pc3LambdaFunctions => "parallelcluster3/lambda-functions.json",
            Template::Pc3ImageBuilderInstance => "parallelcluster3/image-builder-instance.json",
            Template::Pc3ImageCleanup => "parallelcluster3/image-cleanup-lambda.json",
            Template::OmicsTrust => "omics/trust.json",
            Template::OmicsServiceRole => "omics/service-role.json",
            Template::OmicsUser => "omics/user.json",
        }
    }

    /// The template's text, embedded in the binary.
    pub fn source(self) -> &'static str {
        match self {
            Template::BucketAccess => {
                include_str!("../../assets/policies/genomics/bucket-access.json")
            }
            Template::EbsAutoscale => {
                include_str!("../../assets/policies/genomics/ebs-autoscale.json")
            }
            Template::ServiceTrust => include_str!("../../assets/policies/trust-service.json"),
            Template::ParallelClusterInstanceTraditional => {
                include_str!("../../assets/policies/parallelcluster2/instance-traditional.json")
            }
            Template::ParallelClusterInstanceAwsbatch => {
                include_str!("../../assets/policies/parallelcluster2/instance-awsbatch.json")
            }
            Template::ParallelClusterUserTraditional => {
                include_str!("../../assets/policies/parallelcluster2/user-traditional.json")
            }
            Template::ParallelClusterUserAwsbatch => {
                include_str!("../../assets/policies/parallelcluster2/user-awsbatch.json")
            }
            Template::Pc3UserBase => {
                include_str!("../../assets/policies/parallelcluster3/user-base.json")
            }
            Template::Pc3UserBatch => {
                include_str!("../../assets/policies/parallelcluster3/user-batch.json")
            }
            Template::Pc3UserFsx => {
                include_str!("../../assets/policies/parallelcluster3/user-fsx.json")
            }
            Template::Pc3UserImageBuild => {
                include_str!("../../assets/policies/parallelcluster3/user-image-build.json")
            }
            Template::Pc3UserLoginNodes => {
                include_str!("../../assets/policies/parallelcluster3/user-login-nodes.json")
            }
            Template::Pc3IamPrivileged => {
                include_str!("../../assets/policies/parallelcluster3/iam-privileged.json")
            }
            Template::Pc3IamPermissionsBoundary => {
                include_str!("../../assets/policies/parallelcluster3/iam-permissions-boundary.json")
            }
            Template::Pc3HeadNode => {
                include_str!("../../assets/policies/parallelcluster3/head-node-slurm.json")
            }
            Template::Pc3ComputeNode => {
                include_str!("../../assets/policies/parallelcluster3/compute-node.json")
            }
            Template::Pc3LambdaFunctions => {
                include_str!("../../assets/policies/parallelcluster3/lambda-functions.json")
            }
            Template::Pc3ImageBuilderInstance => {
                include_str!("../../assets/policies/parallelcluster3/image-builder-instance.json")
            }
            Template::Pc3ImageCleanup => {
                include_str!("../../assets/policies/parallelcluster3/image-cleanup-lambda.json")
            }
            Template::OmicsTrust => include_str!("../../assets/policies/omics/trust.json"),
            Template::OmicsServiceRole => {
                include_str!("../../assets/policies/omics/service-role.json")
            }
            Template::OmicsUser => include_str!("../../assets/policies/omics/user.json"),
        }
    }

    /// The parsed template.
    pub fn tree(self) -> Result<Value, TemplateError> {
        serde_json::from_str(self.source()).map_err(|e| TemplateError::NotJson {
            template: self.file(),
            reason: e.to_string(),
        })
    }

    /// Every `{{variable}}` the template uses, sorted.
    pub fn variables(self) -> Result<Vec<String>, TemplateError> {
        let mut found = Vec::new();
        visit_strings(&self.tree()?, &mut |s| {
            for piece in split(s) {
                if let Piece::Var(name) = piece {
                    found.push(name.to_owned());
                }
            }
        });
        found.sort();
        found.dedup();
        Ok(found)
    }
}

/// A template could not be filled. Templates are embedded, so this means a
/// template and the code filling it disagree; a test fills every template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("policy template {template} is not JSON: {reason}")]
    NotJson {
        template: &'static str,
        reason: String,
    },
    #[error("policy template {template} uses {{{{{variable}}}}}, which has no value")]
    Unbound {
        template: &'static str,
        variable: String,
    },
    #[error("policy template {template} has an unclosed `{{{{`")]
    Unclosed { template: &'static str },
}

/// Values for a template's variables. A list variable repeats, for each of its
/// values, the array elements that mention it (one bucket → its two ARNs).
#[derive(Debug, Clone, Default)]
pub struct Vars {
    scalars: BTreeMap<&'static str, String>,
    lists: BTreeMap<&'static str, Vec<String>>,
}

impl Vars {
    pub fn new() -> Vars {
        Vars::default()
    }

    pub fn set(mut self, name: &'static str, value: impl Into<String>) -> Vars {
        self.scalars.insert(name, value.into());
        self
    }

    pub fn set_list(mut self, name: &'static str, values: Vec<String>) -> Vars {
        self.lists.insert(name, values);
        self
    }
}

/// Removes the statement with this `Sid`, for a document part that does not
/// apply to the answers.
pub fn remove_statement(document: &mut Value, sid: &str) {
    if let Some(statements) = document.get_mut("Statement").and_then(Value::as_array_mut) {
        statements.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(sid));
    }
}

/// Fills a template.
pub fn fill(template: Template, vars: &Vars) -> Result<Value, TemplateError> {
    fill_tree(template.tree()?, template, vars)
}

/// Fills an already parsed (and possibly trimmed) template tree.
pub fn fill_tree(tree: Value, template: Template, vars: &Vars) -> Result<Value, TemplateError> {
    Filler { template, vars }.value(tree, None)
}

struct Filler<'a> {
    template: Template,
    vars: &'a Vars,
}

impl Filler<'_> {
    /// `item` is the current value of the list variable being expanded, if any.
    fn value(&self, value: Value, item: Option<(&str, &str)>) -> Result<Value, TemplateError> {
        Ok(match value {
            Value::String(s) => Value::String(self.string(&s, item)?),
            Value::Array(elements) => Value::Array(self.array(elements, item)?),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| Ok((k, self.value(v, item)?)))
                    .collect::<Result<_, TemplateError>>()?,
            ),
            other => other,
        })
    }

    fn array(
        &self,
        elements: Vec<Value>,
        item: Option<(&str, &str)>,
    ) -> Result<Vec<Value>, TemplateError> {
        let mut out = Vec::with_capacity(elements.len());
        let mut i = 0;
        while i < elements.len() {
            let list = match (&elements[i], item) {
                (Value::String(s), None) => self.list_var_in(s),
                _ => None,
            };
            let Some((name, values)) = list else {
                out.push(self.value(elements[i].clone(), item)?);
                i += 1;
                continue;
            };
            // The run of consecutive elements that mention this list variable
            // repeats once per value, keeping each value's elements together.
            let end = (i..elements.len())
                .find(|&j| {
                    !matches!(&elements[j], Value::String(s) if self.list_var_in(s).is_some_and(|(n, _)| n == name))
                })
                .unwrap_or(elements.len());
            for v in values {
                for element in &elements[i..end] {
                    out.push(self.value(element.clone(), Some((name, v)))?);
                }
            }
            i = end;
        }
        Ok(out)
    }

    fn list_var_in<'s>(&'s self, s: &str) -> Option<(&'s str, &'s [String])> {
        split(s).into_iter().find_map(|piece| match piece {
            Piece::Var(name) => self
                .vars
                .lists
                .get_key_value(name)
                .map(|(k, v)| (*k, v.as_slice())),
            Piece::Text(_) | Piece::Unclosed => None,
        })
    }

    fn string(&self, s: &str, item: Option<(&str, &str)>) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(s.len());
        for piece in split(s) {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Unclosed => {
                    return Err(TemplateError::Unclosed {
                        template: self.template.file(),
                    });
                }
                Piece::Var(name) => {
                    let value = match item {
                        Some((list, v)) if list == name => Some(v),
                        _ => self.vars.scalars.get(name).map(String::as_str),
                    };
                    match value {
                        Some(v) => out.push_str(v),
                        None => {
                            return Err(TemplateError::Unbound {
                                template: self.template.file(),
                                variable: name.to_owned(),
                            });
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

enum Piece<'s> {
    Text(&'s str),
    Var(&'s str),
    Unclosed,
}

/// Splits a template string into text and `{{variable}}` pieces.
fn split(s: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            pieces.push(Piece::Text(&rest[..start]));
        }
        match rest[start + 2..].find("}}") {
            Some(len) => {
                pieces.push(Piece::Var(&rest[start + 2..start + 2 + len]));
                rest = &rest[start + 2 + len + 2..];
            }
            None => {
                pieces.push(Piece::Unclosed);
                return pieces;
            }
        }
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

/// Calls `f` on every string value (not keys) of a JSON tree.
pub fn visit_strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| visit_strings(v, f)),
        Value::Object(map) => map.values().for_each(|v| visit_strings(v, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_variables_repeat_their_elements_per_value() {
        let vars = Vars::new()
            .set("partition", "aws-cn")
            .set_list("bucket", vec!["a1".into(), "b2".into()]);
        let doc = fill(Template::BucketAccess, &vars).unwrap();
        assert_eq!(
            doc["Statement"][0]["Resource"],
            json!([
                "arn:aws-cn:s3:::a1",
                "arn:aws-cn:s3:::a1/*",
                "arn:aws-cn:s3:::b2",
                "arn:aws-cn:s3:::b2/*"
            ])
        );
    }

    #[test]
    fn an_unbound_variable_is_an_error() {
        let err = fill(Template::BucketAccess, &Vars::new()).unwrap_err();
        assert!(matches!(err, TemplateError::Unbound { .. }), "{err}");
    }

    #[test]
    fn values_are_not_rescanned() {
        let vars = Vars::new().set("service", "{{service}}");
        let doc = fill(Template::ServiceTrust, &vars).unwrap();
        assert_eq!(doc["Statement"][0]["Principal"]["Service"], "{{service}}");
    }

    #[test]
    fn unclosed_braces_are_reported() {
        let tree = json!({"a": "x{{oops"});
        let err = fill_tree(tree, Template::ServiceTrust, &Vars::new()).unwrap_err();
        assert!(matches!(err, TemplateError::Unclosed { .. }));
    }
}
