//! The checks IAM makes of a call's inputs before it acts: version ids,
//! tags, descriptions and document sizes. Names and paths are
//! [`crate::iam::rules`]'; documents' grammar is [`super::grammar`]'s.

use std::collections::BTreeSet;

use serde_json::Value;

use super::errors::{error, invalid};
use super::key;
use crate::cloud::{CloudResult, ErrorKind, Tags};
use crate::iam::action::Action;
use crate::iam::limits;
use crate::iam::rules;

/// Tags one IAM entity may carry.
const MAX_TAGS: usize = 50;
/// Role and managed policy descriptions.
const MAX_DESCRIPTION: usize = 1_000;

pub(super) fn version_id(number: u64) -> String {
    format!("v{number}")
}

/// The number of a version id. `Err` when the id is not shaped like one
/// (IAM's pattern is `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`), `Ok(None)` when it is
/// shaped like one this account never hands out.
pub(super) fn parse_version_id(action: Action, id: &str) -> CloudResult<Option<u64>> {
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

pub(super) fn check_tags(action: Action, tags: &Tags) -> CloudResult<()> {
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
pub(super) fn merge_tags(action: Action, existing: &mut Tags, new: &Tags) -> CloudResult<()> {
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

/// Takes the tags whose keys are among `keys` off `existing`. Keys are one
/// regardless of case in IAM, so `project` takes `Project` off; a key that is
/// not there is no error. Each key must be one `TagRole` would take, and an
/// `Untag*` call names at most fifty (a request IAM refuses as invalid).
pub(super) fn remove_tags(action: Action, existing: &mut Tags, keys: &[String]) -> CloudResult<()> {
    if keys.len() > MAX_TAGS {
        return Err(error(
            action,
            ErrorKind::InvalidInput,
            format!(
                "{} tag keys were given; at most {MAX_TAGS} can be removed at once",
                keys.len()
            ),
        ));
    }
    for k in keys {
        rules::tag_key(k).map_err(invalid(action))?;
    }
    let gone: BTreeSet<String> = keys.iter().map(|k| key(k)).collect();
    existing.retain(|k, _| !gone.contains(&key(k)));
    Ok(())
}

pub(super) fn check_description(action: Action, description: &str, role: bool) -> CloudResult<()> {
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

pub(super) fn check_size(
    action: Action,
    document: &Value,
    max: usize,
    quota: &str,
) -> CloudResult<()> {
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
