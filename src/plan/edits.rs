//! Documents edited by hand: how the answers carry them and how the plan
//! takes them in.
//!
//! An edit is saved with the document onramp generated when the person
//! edited it. Replaying the answers later then tells three cases apart, and
//! none of them silently: the generated document is the same (the edit
//! replaces it), it changed underneath the edit (the edit still replaces it,
//! but lint reports it as an error until a person has looked: the edit may
//! now take away, or fail to take away, what the new document says), or no
//! planned document has that name any more (lint reports it: a narrowing
//! edit that quietly stopped applying would widen permissions).
//!
//! Both documents are kept as pretty-printed JSON in TOML multi-line
//! strings, so that an answers file with an edit reads, and diffs, well in a
//! pull request.

use serde::Serialize;
use serde_json::Value;

use super::lint::{Finding, Level};
use super::{Resource, ResourceId};
use crate::answers::edit::{Edit, describe, parse_object, pretty};

/// What became of one edit when the plan took it in. As `plan --format
/// json`'s `edits`: which document, and its `state`: `applied`, `stale`
/// (with `made_from`, the generated document the edit was made from) or
/// `unmatched`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Its place in the answers' `edits`.
    pub index: usize,
    #[serde(flatten)]
    pub id: ResourceId,
    #[serde(rename = "document")]
    pub label: String,
    #[serde(flatten)]
    pub state: State,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// It replaced the document it was made from. `generated` is that document.
    Applied {
        #[serde(skip)]
        generated: Value,
    },
    /// It replaced a document that is no longer the one it was made from.
    Stale {
        #[serde(rename = "made_from")]
        was: Value,
        #[serde(skip)]
        now: Value,
    },
    /// No planned resource has this document; the edit is not used.
    Unmatched,
}

impl Outcome {
    /// The document onramp generates for this edit's place, if any.
    pub fn generated(&self) -> Option<&Value> {
        match &self.state {
            State::Applied { generated } => Some(generated),
            State::Stale { now, .. } => Some(now),
            State::Unmatched => None,
        }
    }
}

/// Puts each edit in place of the document it names, and says what became of
/// each. Edits that do not parse are left out: validation has refused them.
pub fn apply(resources: &mut [Resource], edits: &[Edit]) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for (index, edit) in edits.iter().enumerate() {
        let (Ok(policy), Ok(was)) = (parse_object(&edit.policy), parse_object(&edit.generated))
        else {
            continue;
        };
        let id = edit.id();
        let note = format!("{} edited by hand (answers, edits[{index}])", edit.document);
        let resource = resources.iter_mut().find(|r| r.id() == id);
        let state = match resource {
            Some(resource) => match resource.document_mut(&edit.document) {
                Some(slot) => {
                    let now = std::mem::replace(slot, policy);
                    resource.notes.push(note);
                    if now == was {
                        State::Applied { generated: now }
                    } else {
                        State::Stale { was, now }
                    }
                }
                None => State::Unmatched,
            },
            None => State::Unmatched,
        };
        outcomes.push(Outcome {
            index,
            id,
            label: edit.document.clone(),
            state,
        });
    }
    outcomes
}

/// Lint's errors for edits that need a person: one made from a document
/// onramp no longer generates, and one whose document is not planned. Both
/// block apply until settled; neither is silently kept or dropped.
pub fn findings(outcomes: &[Outcome]) -> Vec<Finding> {
    outcomes
        .iter()
        .filter_map(|o| {
            let what = describe(&o.id, &o.label);
            let message = match &o.state {
                State::Applied { .. } => return None,
                State::Stale { was, now } => format!(
                    "edits[{}] of the {} was made from a document onramp no longer generates ({}); \
                     the edit is used as saved, but review it: in the wizard, open it with e and save it \
                     again to keep it, or drop it; or copy the new document into its `generated`",
                    o.index,
                    label_noun(&o.label),
                    change_summary(was, now)
                ),
                State::Unmatched => format!(
                    "edits[{}] is for the {what}, which the plan does not have (names follow \
                     name_prefix, [names] and the region); the edit is not used, so fix its kind, \
                     name or document, or remove it",
                    o.index
                ),
            };
            Some(Finding {
                level: Level::Error,
                code: match o.state {
                    State::Stale { .. } => "edit-stale",
                    _ => "edit-unmatched",
                },
                resource: o.id.name.clone(),
                message,
            })
        })
        .collect()
}

/// `trust policy`, `inline policy NAME`, `document`.
fn label_noun(label: &str) -> String {
    match label.strip_prefix("inline_policies.") {
        Some(name) => format!("inline policy {name}"),
        None => label.replace('_', " "),
    }
}

/// The lines that changed between two documents, short enough for one
/// finding: `+ "s3:PutObjectTagging", - "s3:*", and 3 more lines`.
pub fn change_summary(was: &Value, now: &Value) -> String {
    let (was, now) = (pretty(was), pretty(now));
    let diff = similar::TextDiff::from_lines(&was, &now);
    let changed: Vec<String> = diff
        .iter_all_changes()
        .filter_map(|c| {
            let sign = match c.tag() {
                similar::ChangeTag::Delete => "-",
                similar::ChangeTag::Insert => "+",
                similar::ChangeTag::Equal => return None,
            };
            let line = c.value().trim().trim_end_matches(',');
            (!line.is_empty()).then(|| format!("{sign} {line}"))
        })
        .collect();
    const SHOWN: usize = 3;
    let mut out = changed
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match changed.len().saturating_sub(SHOWN) {
        0 => {}
        1 => out.push_str(", and 1 more line"),
        more => out.push_str(&format!(", and {more} more lines")),
    }
    if out.is_empty() {
        "only its layout changed".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::answers::{Answers, Environment};
    use crate::plan::lint::{self, Level};

    const GENOMICS: &str = "region = \"us-east-1\"\naccount_id = \"123456789012\"\n\
                            [genomics]\nbuckets = [\"my-gwf-data\"]\n";

    fn answers() -> Answers {
        Answers::from_toml(GENOMICS).unwrap()
    }

    fn plan(answers: &Answers) -> crate::plan::Plan {
        crate::plan::plan(&answers.validate(&Environment::default()).unwrap()).unwrap()
    }

    /// The generated bucket policy and a narrower one in its place.
    fn bucket_policy_edit(answers: &Answers) -> (ResourceId, Value, Value) {
        let plan = plan(answers);
        let resource = plan
            .resources
            .iter()
            .find(|r| r.name.starts_with("s3bucket-access"))
            .unwrap();
        let generated = resource.documents()[0].1.clone();
        let narrower = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::my-gwf-data/*"}]});
        (resource.id(), generated, narrower)
    }

    #[test]
    fn an_edit_replaces_the_document_it_was_made_from() {
        let mut a = answers();
        let (id, generated, narrower) = bucket_policy_edit(&a);
        a.edits
            .push(Edit::new(&id, "document", &generated, &narrower));
        let plan = plan(&a);
        let resource = plan.resources.iter().find(|r| r.id() == id).unwrap();
        assert_eq!(resource.documents()[0].1, &narrower);
        assert!(resource.notes.iter().any(|n| n.contains("edited by hand")));
        assert!(matches!(plan.edits[0].state, State::Applied { .. }));
        assert!(findings(&plan.edits).is_empty());
    }

    #[test]
    fn an_edit_made_from_another_document_is_an_error_that_names_the_change() {
        let mut a = answers();
        let (id, mut generated, narrower) = bucket_policy_edit(&a);
        generated["Statement"][0]["Action"] = json!("s3:ListAllMyBuckets");
        a.edits
            .push(Edit::new(&id, "document", &generated, &narrower));
        let plan = plan(&a);
        assert!(matches!(plan.edits[0].state, State::Stale { .. }));
        let found = lint::lint(&plan);
        let stale = found.iter().find(|f| f.code == "edit-stale").unwrap();
        assert_eq!(stale.level, Level::Error);
        assert!(
            stale.message.contains("s3:ListAllMyBuckets"),
            "{}",
            stale.message
        );
        // Still used as saved: neither kept silently nor dropped silently.
        let resource = plan.resources.iter().find(|r| r.id() == id).unwrap();
        assert_eq!(resource.documents()[0].1, &narrower);
    }

    #[test]
    fn an_edit_of_a_document_not_planned_is_an_error() {
        let mut a = answers();
        let (mut id, generated, narrower) = bucket_policy_edit(&a);
        id.name = "s3bucket-access-eu-west-1".into();
        a.edits
            .push(Edit::new(&id, "document", &generated, &narrower));
        let plan = plan(&a);
        assert_eq!(plan.edits[0].state, State::Unmatched);
        let found = lint::lint(&plan);
        let unmatched = found.iter().find(|f| f.code == "edit-unmatched").unwrap();
        assert_eq!(unmatched.level, Level::Error);
        assert!(unmatched.message.contains("edits[0]"));
    }

    #[test]
    fn edits_are_saved_as_readable_json_and_read_back_the_same() {
        let mut a = answers();
        let (id, generated, narrower) = bucket_policy_edit(&a);
        a.edits
            .push(Edit::new(&id, "document", &generated, &narrower));
        let text = a.to_toml();
        assert!(text.contains("[[edits]]"), "{text}");
        // One JSON line per TOML line: reviewable in a pull request.
        assert!(
            text.lines()
                .any(|l| l.trim() == "\"Action\": \"s3:GetObject\","),
            "{text}"
        );
        assert_eq!(Answers::from_toml(&text).unwrap(), a);
    }

    #[test]
    fn an_edit_that_is_not_json_is_refused_with_its_field_and_line() {
        let mut a = answers();
        let (id, generated, narrower) = bucket_policy_edit(&a);
        let mut edit = Edit::new(&id, "document", &generated, &narrower);
        edit.policy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n}".into();
        a.edits.push(edit.clone());
        edit.document = "trust_policy".into();
        a.edits.push(edit);
        let errors = a.validate(&Environment::default()).unwrap_err();
        let policy = errors
            .0
            .iter()
            .find(|e| e.field == "edits[0].policy")
            .unwrap();
        assert!(policy.message.contains("line 4"), "{}", policy.message);
        assert!(errors.0.iter().any(|e| e.field == "edits[1].document"));
    }

    #[test]
    fn two_edits_of_one_document_are_refused() {
        let mut a = answers();
        let (id, generated, narrower) = bucket_policy_edit(&a);
        a.edits
            .push(Edit::new(&id, "document", &generated, &narrower));
        a.edits
            .push(Edit::new(&id, "document", &generated, &generated));
        let errors = a.validate(&Environment::default()).unwrap_err();
        assert!(errors.0.iter().any(|e| e.field == "edits[1]"));
    }
}
