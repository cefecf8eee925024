//! A document edited by hand, as the answers file's `[[edits]]` table
//! holds it: which resource's document, the document onramp generated when
//! the person edited it, and the one to use instead. How the plan takes
//! edits in is [`crate::plan::edits`]'s job.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::iam::names::{EntityKind, ResourceId};

/// One hand edit, as the answers file's `[[edits]]` table holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// `managed_policy`, `role` or `instance_profile`.
    pub kind: EntityKind,
    /// The resource's full name, prefix included.
    pub name: String,
    /// Which of its documents: `document`, `trust_policy` or
    /// `inline_policies.NAME`.
    pub document: String,
    /// The document onramp generated when the edit was made.
    pub generated: String,
    /// The document to use instead.
    pub policy: String,
}

impl Edit {
    /// An edit of `id`'s document `label`, made from `generated`.
    pub fn new(id: &ResourceId, label: &str, generated: &Value, policy: &Value) -> Edit {
        Edit {
            kind: id.kind,
            name: id.name.clone(),
            document: label.to_owned(),
            generated: pretty(generated),
            policy: pretty(policy),
        }
    }

    pub fn id(&self) -> ResourceId {
        ResourceId {
            kind: self.kind,
            name: self.name.clone(),
        }
    }

    /// Whether this edit is of `id`'s document `label`.
    pub fn is_of(&self, id: &ResourceId, label: &str) -> bool {
        self.kind == id.kind && self.name == id.name && self.document == label
    }

    /// How the edit is named in messages: `role ecsInstanceRole, trust policy`.
    pub fn describe(&self) -> String {
        describe(&self.id(), &self.document)
    }

    /// The field errors of this edit, the `index`-th of the answers' `edits`:
    /// where its documents are not JSON objects, or its document label is
    /// not one a resource has.
    pub fn problems(&self, index: usize) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let field = |key: &str| format!("edits[{index}].{key}");
        let label_ok = match self.kind {
            EntityKind::ManagedPolicy => self.document == "document",
            EntityKind::Role => {
                self.document == "trust_policy"
                    || self
                        .document
                        .strip_prefix("inline_policies.")
                        .is_some_and(|n| !n.is_empty())
            }
            EntityKind::InstanceProfile => false,
        };
        if !label_ok {
            out.push((
                field("document"),
                match self.kind {
                    EntityKind::ManagedPolicy => {
                        "a managed policy has one document: \"document\"".to_owned()
                    }
                    EntityKind::Role => {
                        "a role's documents are \"trust_policy\" and \"inline_policies.NAME\""
                            .to_owned()
                    }
                    EntityKind::InstanceProfile => {
                        "an instance profile has no policy document to edit".to_owned()
                    }
                },
            ));
        }
        for (key, text) in [("generated", &self.generated), ("policy", &self.policy)] {
            if let Err(why) = parse_object(text) {
                out.push((field(key), why));
            }
        }
        out
    }
}

/// `role ecsInstanceRole, trust policy`.
pub fn describe(id: &ResourceId, label: &str) -> String {
    let what = match label.strip_prefix("inline_policies.") {
        Some(name) => format!("inline policy {name}"),
        None => label.replace('_', " "),
    };
    format!("{} {}, {what}", id.kind.noun(), id.name)
}

/// A document as the answers file and the wizard show it.
pub fn pretty(document: &Value) -> String {
    serde_json::to_string_pretty(document).unwrap_or_default()
}

/// The JSON object `text` holds, or why it holds none, with the line and
/// column as a person counts them in the answers file's string.
pub fn parse_object(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err("must be a JSON object ({ … })".to_owned()),
        Err(e) => Err(format!(
            "not valid JSON at line {}, column {} of the document: {}",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        )),
    }
}

/// serde_json's message without its own " at line L column C" suffix.
fn strip_position(message: &str) -> &str {
    message
        .find(" at line ")
        .map_or(message, |at| &message[..at])
}
