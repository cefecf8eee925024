//! The `aws iam` command each apply step amounts to, so a reviewer can see
//! (or a person can run by hand) exactly what onramp will call. Documents are
//! inlined as compact JSON in single quotes, safe for any POSIX shell.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::apply::diff::Step;
use crate::plan::{Resource, Spec};

/// Quotes a word for a POSIX shell: bare when it is plainly safe, else in
/// single quotes with embedded single quotes closed, escaped and reopened.
pub fn quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn json(value: &Value) -> String {
    quote(&serde_json::to_string(value).unwrap_or_default())
}

/// Tags as the JSON list form, which (unlike `Key=k,Value=v`) survives
/// commas, spaces and equals signs in keys and values.
fn tags(tags: &BTreeMap<String, String>) -> String {
    let list: Vec<Value> = tags
        .iter()
        .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
        .collect();
    json(&Value::Array(list))
}

/// The command for one step of `resource`.
pub fn command(resource: &Resource, step: &Step) -> String {
    let name = quote(&resource.name);
    let arn = quote(&resource.arn);
    let path = quote(&resource.path);
    match (step, &resource.spec) {
        (Step::CreatePolicy, Spec::ManagedPolicy(policy)) => format!(
            "aws iam create-policy --policy-name {name} --path {path} --description {} --policy-document {} --tags {}",
            quote(&policy.description),
            json(&policy.document),
            tags(&resource.tags)
        ),
        (Step::CreatePolicyVersion { prune }, Spec::ManagedPolicy(policy)) => {
            let mut out = String::new();
            if let Some(version) = prune {
                out.push_str(&format!(
                    "aws iam delete-policy-version --policy-arn {arn} --version-id {} && ",
                    quote(version)
                ));
            }
            out.push_str(&format!(
                "aws iam create-policy-version --policy-arn {arn} --set-as-default --policy-document {}",
                json(&policy.document)
            ));
            out
        }
        (Step::TagPolicy(t), _) => {
            format!("aws iam tag-policy --policy-arn {arn} --tags {}", tags(t))
        }
        (Step::CreateRole, Spec::Role(role)) => {
            let boundary = role
                .boundary()
                .map(|b| format!(" --permissions-boundary {}", quote(b)))
                .unwrap_or_default();
            format!(
                "aws iam create-role --role-name {name} --path {path} --description {} --assume-role-policy-document {}{boundary} --tags {}",
                quote(&role.description),
                json(&role.trust_policy),
                tags(&resource.tags)
            )
        }
        (Step::UpdateTrust, Spec::Role(role)) => format!(
            "aws iam update-assume-role-policy --role-name {name} --policy-document {}",
            json(&role.trust_policy)
        ),
        (Step::PutBoundary(b), _) => format!(
            "aws iam put-role-permissions-boundary --role-name {name} --permissions-boundary {}",
            quote(b)
        ),
        (Step::DeleteBoundary, _) => {
            format!("aws iam delete-role-permissions-boundary --role-name {name}")
        }
        (Step::TagRole(t), _) => format!("aws iam tag-role --role-name {name} --tags {}", tags(t)),
        (Step::Attach(p), _) => format!(
            "aws iam attach-role-policy --role-name {name} --policy-arn {}",
            quote(p)
        ),
        (Step::Detach(p), _) => format!(
            "aws iam detach-role-policy --role-name {name} --policy-arn {}",
            quote(p)
        ),
        (Step::PutInline(policy), Spec::Role(role)) => format!(
            "aws iam put-role-policy --role-name {name} --policy-name {} --policy-document {}",
            quote(policy),
            role.inline_policies
                .get(policy)
                .map_or_else(|| "'{}'".to_owned(), json)
        ),
        (Step::DeleteInline(policy), _) => format!(
            "aws iam delete-role-policy --role-name {name} --policy-name {}",
            quote(policy)
        ),
        (Step::CreateInstanceProfile, _) => format!(
            "aws iam create-instance-profile --instance-profile-name {name} --path {path} --tags {}",
            tags(&resource.tags)
        ),
        (Step::TagInstanceProfile(t), _) => format!(
            "aws iam tag-instance-profile --instance-profile-name {name} --tags {}",
            tags(t)
        ),
        (Step::AddRole(role), _) => format!(
            "aws iam add-role-to-instance-profile --instance-profile-name {name} --role-name {}",
            quote(role)
        ),
        (Step::RemoveRole(role), _) => format!(
            "aws iam remove-role-from-instance-profile --instance-profile-name {name} --role-name {}",
            quote(role)
        ),
        (Step::CreateServiceLinkedRole, Spec::ServiceLinkedRole(linked)) => format!(
            "aws iam create-service-linked-role --aws-service-name {} --description {}",
            quote(&linked.service),
            quote(&linked.description)
        ),
        (step, _) => format!(
            "# {} {name}: not expressible for this resource",
            step.action()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_single_quotes_and_spaces() {
        assert_eq!(quote("ecsInstanceRole"), "ecsInstanceRole");
        assert_eq!(quote("/onramp/"), "/onramp/");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn tags_with_commas_and_quotes_stay_one_json_word() {
        let tags = BTreeMap::from([("Team".to_owned(), "a,b='c' d".to_owned())]);
        let word = super::tags(&tags);
        // One single-quoted shell word holding the JSON list.
        let inner = word
            .strip_prefix('\'')
            .and_then(|w| w.strip_suffix('\''))
            .unwrap_or_default()
            .replace(r"'\''", "'");
        let parsed: Value = serde_json::from_str(&inner).unwrap_or_default();
        assert_eq!(
            parsed,
            serde_json::json!([{"Key": "Team", "Value": "a,b='c' d"}])
        );
    }
}
