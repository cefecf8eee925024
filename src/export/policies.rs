//! `export --format policies`: one JSON file per policy and trust document,
//! named after its resource, ready for `aws iam create-policy
//! --policy-document file://…` or a code review.

use crate::plan::{Plan, Spec};

/// A file to write: its name (no directories) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFile {
    pub file_name: String,
    pub contents: String,
}

/// The files for every document of the plan, in plan order:
/// `NAME.json` for a managed policy, `ROLE.trust.json` for a trust policy and
/// `ROLE.inline.POLICY.json` for an inline policy. IAM names only use
/// `[A-Za-z0-9_+=,.@-]`, so they are safe file names.
pub fn policy_files(plan: &Plan) -> Vec<PolicyFile> {
    let mut files = Vec::new();
    for r in &plan.resources {
        match &r.spec {
            Spec::ManagedPolicy(policy) => {
                files.push(file(format!("{}.json", r.name), &policy.document))
            }
            Spec::Role(role) => {
                files.push(file(format!("{}.trust.json", r.name), &role.trust_policy));
                for (name, doc) in &role.inline_policies {
                    files.push(file(format!("{}.inline.{name}.json", r.name), doc));
                }
            }
            // AWS writes a service-linked role's documents.
            Spec::InstanceProfile(_) | Spec::ServiceLinkedRole(_) => {}
        }
    }
    files
}

fn file(file_name: String, document: &serde_json::Value) -> PolicyFile {
    let mut contents = serde_json::to_string_pretty(document).unwrap_or_default();
    contents.push('\n');
    PolicyFile {
        file_name,
        contents,
    }
}
