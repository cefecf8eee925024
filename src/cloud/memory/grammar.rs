//! The grammar IAM checks a policy document against before it stores one
//! (`MalformedPolicyDocument`), for identity and trust policies.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::errors::malformed;
use crate::cloud::CloudResult;
use crate::iam::action::Action;
use crate::iam::arn::Arn;
use crate::rules;

/// Which rules a policy document must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DocumentKind {
    /// Managed and inline policies: no principal, resources required.
    Identity,
    /// A role's trust policy: a principal, STS actions, no resources.
    Trust,
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
pub(super) fn check_document(
    action: Action,
    document: &Value,
    kind: DocumentKind,
) -> CloudResult<()> {
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
    // `Arn` checks the shape IAM wants: `arn:` and five more parts, the
    // partition and the service not empty.
    if resource.parse::<Arn>().is_ok() {
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
