//! A typed IAM policy document, parsed from JSON without ever failing.
//!
//! IAM documents come from templates, files and AWS itself; one odd element
//! must not make onramp blind to the rest. So [`Document::parse`] keeps what
//! it understands and turns the rest into [`Finding`]s, and a statement it
//! could only partly read is marked `understood: false`. The evaluator then
//! stays on the safe side: such an `Allow` grants nothing, such a `Deny` is
//! taken as denying everything (see `eval`).
//!
//! Statements that are not objects, or whose `Effect` is neither `Allow` nor
//! `Deny`, are dropped (with a finding): they can be neither.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::condition::Condition;

/// The policy language version that enables policy variables (`${…}`).
pub const VERSION_2012_10_17: &str = "2012-10-17";

/// A JSON value of the wrong shape for a policy element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {0}")]
pub struct ShapeError(pub &'static str);

/// IAM's "a string or a list of strings" (`"Action": "s3:*"` or
/// `"Action": ["s3:*"]`), as a list.
pub fn string_or_list(value: &Value) -> Result<Vec<String>, ShapeError> {
    const WANT: ShapeError = ShapeError("a string or a list of strings");
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or(WANT))
            .collect(),
        _ => Err(WANT),
    }
}

/// Like [`string_or_list`], but numbers and booleans count as their text:
/// IAM accepts `"Bool": {"aws:SecureTransport": false}` in conditions.
fn scalar_or_list(value: &Value) -> Result<Vec<String>, ShapeError> {
    fn scalar(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    const WANT: ShapeError = ShapeError("a value or a list of values");
    match value {
        Value::Array(items) => items.iter().map(|item| scalar(item).ok_or(WANT)).collect(),
        other => scalar(other).map(|s| vec![s]).ok_or(WANT),
    }
}

/// A statement's `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// `Action`/`Resource` (the listed patterns) or `NotAction`/`NotResource`
/// (everything except them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    Listed(Vec<String>),
    Except(Vec<String>),
}

impl Match {
    pub fn patterns(&self) -> &[String] {
        match self {
            Match::Listed(p) | Match::Except(p) => p,
        }
    }

    pub fn is_except(&self) -> bool {
        matches!(self, Match::Except(_))
    }
}

/// Who a `Principal` names: everyone (`"*"`) or lists per principal type
/// (`AWS`, `Service`, `Federated`, `CanonicalUser`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    Any,
    Typed(BTreeMap<String, Vec<String>>),
}

/// `Principal` (`negated: false`) or `NotPrincipal` (`negated: true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub negated: bool,
    pub principals: Principals,
}

impl Principal {
    /// Whether the element lists `value` of type `kind` (ignoring `negated`).
    ///
    /// `"*"` and `{"AWS": "*"}` name everyone (IAM documents them as
    /// equivalent); `"*"` in a type's list names all of that type; an AWS
    /// account id also names that account's `arn:…:iam::ID:root`. Names are
    /// otherwise compared exactly: IAM has no other wildcards here.
    pub fn names(&self, kind: &str, value: &str) -> bool {
        let Principals::Typed(map) = &self.principals else {
            return true;
        };
        if map
            .get("AWS")
            .is_some_and(|ids| ids.iter().any(|id| id == "*"))
        {
            return true;
        }
        map.get(kind).is_some_and(|ids| {
            ids.iter()
                .any(|id| id == "*" || id == value || (kind == "AWS" && is_account_root(id, value)))
        })
    }
}

/// Whether `arn` is the root ARN of the 12-digit account `account`.
fn is_account_root(account: &str, arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && matches!(parts.as_slice(), ["arn", _, "iam", "", id, "root"] if *id == account)
}

/// One statement of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Match,
    /// `None` when the statement has neither `Resource` nor `NotResource`
    /// (trust policies): it then applies to any resource.
    pub resources: Option<Match>,
    pub principal: Option<Principal>,
    /// Every operator × key test; all must hold.
    pub conditions: Vec<Condition>,
    /// `false` when part of the statement could not be read (see findings).
    pub understood: bool,
}

impl Statement {
    /// A statement with only an effect and actions (any resource, no
    /// principal, no condition).
    pub fn new(effect: Effect, actions: Match) -> Statement {
        Statement {
            sid: None,
            effect,
            actions,
            resources: None,
            principal: None,
            conditions: Vec::new(),
            understood: true,
        }
    }

    pub fn is_allow(&self) -> bool {
        self.effect == Effect::Allow
    }

    pub fn is_deny(&self) -> bool {
        self.effect == Effect::Deny
    }

    /// The statement as IAM JSON: lists always, keys in IAM's usual order.
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        if let Some(sid) = &self.sid {
            out.insert("Sid".into(), Value::String(sid.clone()));
        }
        out.insert("Effect".into(), Value::String(self.effect.as_str().into()));
        if let Some(principal) = &self.principal {
            let key = if principal.negated {
                "NotPrincipal"
            } else {
                "Principal"
            };
            out.insert(key.into(), principals_to_value(&principal.principals));
        }
        let (key, patterns) = match &self.actions {
            Match::Listed(p) => ("Action", p),
            Match::Except(p) => ("NotAction", p),
        };
        out.insert(key.into(), list(patterns));
        match &self.resources {
            Some(Match::Listed(p)) => out.insert("Resource".into(), list(p)),
            Some(Match::Except(p)) => out.insert("NotResource".into(), list(p)),
            None => None,
        };
        if !self.conditions.is_empty() {
            out.insert("Condition".into(), conditions_to_value(&self.conditions));
        }
        Value::Object(out)
    }
}

fn list(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

fn principals_to_value(principals: &Principals) -> Value {
    match principals {
        Principals::Any => Value::String("*".into()),
        Principals::Typed(map) => Value::Object(
            map.iter()
                .map(|(kind, ids)| (kind.clone(), list(ids)))
                .collect(),
        ),
    }
}

/// Regroups the flat conditions by operator, in first-seen order.
fn conditions_to_value(conditions: &[Condition]) -> Value {
    let mut out = Map::new();
    for condition in conditions {
        let keys = out
            .entry(condition.operator.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(keys) = keys {
            keys.insert(condition.key.clone(), list(&condition.values));
        }
    }
    Value::Object(out)
}

/// Something in a document the model did not understand, or could not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The statement's position in the source `Statement` list; `None` for
    /// the document itself. Dropped statements keep their source position.
    pub statement: Option<usize>,
    pub message: String,
    /// Whether IAM refuses a document with it (`MalformedPolicyDocument`):
    /// true for everything that breaks the grammar, false for what IAM
    /// stores but onramp reads with care (an unknown condition operator, a
    /// condition value of the wrong type, the note that a statement was not
    /// fully understood).
    pub refused: bool,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    pub findings: Vec<Finding>,
}

impl Document {
    /// Parses a policy document; never fails (see the module docs).
    pub fn parse(value: &Value) -> Document {
        let mut doc = Document::default();
        let mut notes = Notes::new(None, &mut doc.findings);
        let Some(object) = value.as_object() else {
            notes.refuse("a policy document must be a JSON object");
            return doc;
        };
        for (key, value) in object {
            match key.as_str() {
                "Version" => doc.version = notes.string(key, value),
                "Id" => doc.id = notes.string(key, value),
                "Statement" => {}
                _ => notes.refuse(format!("unknown top-level element {key:?} ignored")),
            }
        }
        if let Some(version) = &doc.version
            && version != VERSION_2012_10_17
            && version != "2008-10-17"
        {
            notes.refuse(format!(
                "unknown Version {version:?}: policy variables are not substituted"
            ));
        }
        let items: Vec<&Value> = match object.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(item @ Value::Object(_)) => vec![item],
            Some(_) => {
                notes.refuse("Statement must be an object or a list of objects");
                vec![]
            }
            None => {
                notes.refuse("no Statement: the document grants nothing");
                vec![]
            }
        };
        for (index, item) in items.into_iter().enumerate() {
            if let Some(statement) = parse_statement(index, item, &mut doc.findings) {
                doc.statements.push(statement);
            }
        }
        doc
    }

    /// The document as IAM JSON (see [`Statement::to_value`]).
    ///
    /// Re-parsing gives the same document, except for statements that were
    /// not `understood`: what could not be read is not written either.
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        if let Some(version) = &self.version {
            out.insert("Version".into(), Value::String(version.clone()));
        }
        if let Some(id) = &self.id {
            out.insert("Id".into(), Value::String(id.clone()));
        }
        out.insert(
            "Statement".into(),
            Value::Array(self.statements.iter().map(Statement::to_value).collect()),
        );
        Value::Object(out)
    }

    /// Whether policy variables (`${…}`) are substituted: only with
    /// `"Version": "2012-10-17"`; otherwise IAM reads them as literal text.
    pub fn uses_variables(&self) -> bool {
        self.version.as_deref() == Some(VERSION_2012_10_17)
    }
}

/// What a document is for, which decides some of IAM's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// A managed or inline policy: no principal, resources required.
    Identity,
    /// A role's trust policy: a principal, STS actions, no resources.
    Trust,
}

/// The principal types a policy may name.
const PRINCIPAL_TYPES: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

impl Document {
    /// What IAM refuses in the document (`MalformedPolicyDocument`) when it
    /// is used as `usage`: the refused findings of parsing, then what the
    /// typed statements break (no statement, an empty or vendorless action,
    /// a resource that is not an ARN, a principal where none may be or none
    /// where one must be, a repeated `Sid`). Empty: IAM takes it.
    /// Statement positions here count the statements that were kept.
    pub fn refusals(&self, usage: Usage) -> Vec<Finding> {
        let mut out: Vec<Finding> = self
            .findings
            .iter()
            .filter(|f| f.refused)
            .cloned()
            .collect();
        let mut refuse = |statement: Option<usize>, message: String| {
            out.push(Finding {
                statement,
                message,
                refused: true,
            });
        };
        if self.statements.is_empty() {
            refuse(None, "the document has no statement".into());
        }
        let mut sids = std::collections::BTreeSet::new();
        for (index, statement) in self.statements.iter().enumerate() {
            let at = Some(index);
            if let Some(sid) = statement.sid.as_deref().filter(|sid| !sid.is_empty())
                && !sids.insert(sid)
            {
                refuse(at, format!("Sid {sid:?} is not unique in the document"));
            }
            if statement.actions.patterns().is_empty() {
                refuse(at, "the statement names no action".into());
            }
            for action in statement.actions.patterns() {
                if let Some(problem) = action_problem(action) {
                    refuse(at, problem);
                }
            }
            match (usage, &statement.resources, &statement.principal) {
                (Usage::Identity, _, Some(_)) => {
                    refuse(at, "an identity policy may not name a principal".into());
                }
                (Usage::Trust, Some(_), _) => {
                    refuse(at, "a trust policy may not name resources".into());
                }
                (Usage::Trust, None, None) => {
                    refuse(at, "a trust policy statement needs a Principal".into());
                }
                _ => {}
            }
            match usage {
                Usage::Identity => {
                    let resources = statement
                        .resources
                        .as_ref()
                        .map_or(&[][..], Match::patterns);
                    if resources.is_empty() {
                        refuse(at, "the statement names no resource".into());
                    }
                    for resource in resources {
                        if resource != "*" && resource.parse::<super::arn::Arn>().is_err() {
                            refuse(
                                at,
                                format!("resource {resource:?} is neither an ARN nor \"*\""),
                            );
                        }
                    }
                }
                Usage::Trust => {
                    if let Some(principal) = &statement.principal {
                        if principal.negated {
                            refuse(
                                at,
                                "a trust policy statement needs a Principal, not a NotPrincipal"
                                    .into(),
                            );
                        } else if let Some(problem) = principal_problem(&principal.principals) {
                            refuse(at, problem);
                        }
                    }
                    if let Match::Listed(actions) = &statement.actions
                        && let Some(other) = actions.iter().find(|a| !is_sts(a))
                    {
                        refuse(
                            at,
                            format!("a trust policy allows only sts: actions, not {other:?}"),
                        );
                    }
                }
            }
        }
        out
    }
}

/// What is wrong with an action's spelling: it must be `*` or
/// `vendor:action`, the vendor of letters, digits, `-` and `.`.
fn action_problem(action: &str) -> Option<String> {
    if action == "*" {
        return None;
    }
    match action.split(':').collect::<Vec<_>>()[..] {
        [_] => Some(format!(
            "action {action:?} has no vendor prefix (like `iam:`)"
        )),
        [vendor, name] => {
            let vendor_ok = !vendor.is_empty()
                && vendor
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !vendor_ok {
                Some(format!(
                    "vendor {vendor:?} of action {action:?} is not valid"
                ))
            } else if name.is_empty() {
                Some(format!("action {action:?} has no name after its vendor"))
            } else {
                None
            }
        }
        _ => Some(format!("action {action:?} has more than one colon")),
    }
}

fn is_sts(action: &str) -> bool {
    action
        .split_once(':')
        .is_some_and(|(vendor, _)| vendor.eq_ignore_ascii_case("sts"))
}

/// What is wrong with a trust policy's principal: a known type, each with
/// at least one name, none empty, and `AWS` names `*`, ARNs or account ids.
fn principal_problem(principals: &Principals) -> Option<String> {
    let Principals::Typed(by_type) = principals else {
        return None;
    };
    if by_type.is_empty() {
        return Some("the Principal names no one".into());
    }
    for (kind, names) in by_type {
        if !PRINCIPAL_TYPES.contains(&kind.as_str()) {
            return Some(format!("{kind:?} is not a principal type"));
        }
        if names.is_empty() || names.iter().any(String::is_empty) {
            return Some(format!("the {kind} principal has an empty name"));
        }
        let account_id = |p: &str| p.len() == 12 && p.chars().all(|c| c.is_ascii_digit());
        if kind == "AWS"
            && let Some(bad) = names
                .iter()
                .find(|p| *p != "*" && !p.starts_with("arn:") && !account_id(p))
        {
            return Some(format!(
                "AWS principal {bad:?} is neither an ARN, an account id nor \"*\""
            ));
        }
    }
    None
}

/// Collects the findings of one statement (or of the document) and whether
/// something that changes its meaning was lost.
struct Notes<'a> {
    statement: Option<usize>,
    findings: &'a mut Vec<Finding>,
    damaged: bool,
}

impl<'a> Notes<'a> {
    fn new(statement: Option<usize>, findings: &'a mut Vec<Finding>) -> Notes<'a> {
        Notes {
            statement,
            findings,
            damaged: false,
        }
    }

    fn push(&mut self, message: impl Into<String>, refused: bool) {
        self.findings.push(Finding {
            statement: self.statement,
            message: message.into(),
            refused,
        });
    }

    /// Records something harmless to the statement's meaning, which IAM
    /// accepts.
    fn note(&mut self, message: impl Into<String>) {
        self.push(message, false);
    }

    /// Records a break of IAM's grammar that changes no statement's meaning
    /// (or drops the statement whole).
    fn refuse(&mut self, message: impl Into<String>) {
        self.push(message, true);
    }

    /// Records a loss of meaning: the statement is no longer `understood`,
    /// and IAM refuses the document.
    fn damage(&mut self, message: impl Into<String>) {
        self.damaged = true;
        self.refuse(message);
    }

    fn string(&mut self, key: &str, value: &Value) -> Option<String> {
        let s = value.as_str().map(str::to_string);
        if s.is_none() {
            self.refuse(format!("{key} must be a string; ignored"));
        }
        s
    }
}

/// The elements a policy statement may have; IAM refuses any other.
pub const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn parse_statement(index: usize, value: &Value, findings: &mut Vec<Finding>) -> Option<Statement> {
    let mut notes = Notes::new(Some(index), findings);
    let Some(object) = value.as_object() else {
        notes.refuse("a statement must be a JSON object; ignored");
        return None;
    };
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => {
            notes.refuse(format!(
                "Effect must be \"Allow\" or \"Deny\", not {other:?}; statement ignored"
            ));
            return None;
        }
    };
    for key in object
        .keys()
        .filter(|key| !STATEMENT_KEYS.contains(&key.as_str()))
    {
        notes.damage(format!("unknown element {key:?}"));
    }
    let sid = object.get("Sid").and_then(|sid| notes.string("Sid", sid));
    let actions = either(object, "Action", "NotAction", &mut notes).unwrap_or_else(|| {
        notes.damage("no Action or NotAction");
        Match::Listed(Vec::new())
    });
    let resources = either(object, "Resource", "NotResource", &mut notes);
    let principal = parse_principal(object, &mut notes);
    let conditions = object
        .get("Condition")
        .map(|c| parse_conditions(c, &mut notes))
        .unwrap_or_default();
    if notes.damaged {
        let what = match effect {
            Effect::Allow => "this Allow statement grants nothing",
            Effect::Deny => "this Deny statement is taken as denying everything",
        };
        notes.note(format!("statement not fully understood: {what}"));
    }
    Some(Statement {
        sid,
        effect,
        actions,
        resources,
        principal,
        conditions,
        understood: !notes.damaged,
    })
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: `None` when neither is
/// there (or both are, or the value is malformed — then with damage).
fn either(
    object: &Map<String, Value>,
    listed: &str,
    except: &str,
    notes: &mut Notes<'_>,
) -> Option<Match> {
    let (key, value, make): (_, _, fn(Vec<String>) -> Match) =
        match (object.get(listed), object.get(except)) {
            (Some(_), Some(_)) => {
                notes.damage(format!("both {listed} and {except}"));
                return None;
            }
            (Some(value), None) => (listed, value, Match::Listed),
            (None, Some(value)) => (except, value, Match::Except),
            (None, None) => return None,
        };
    match string_or_list(value) {
        Ok(patterns) => Some(make(patterns)),
        Err(e) => {
            notes.damage(format!("{key}: {e}"));
            None
        }
    }
}

fn parse_principal(object: &Map<String, Value>, notes: &mut Notes<'_>) -> Option<Principal> {
    let (key, value, negated) = match (object.get("Principal"), object.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            notes.damage("both Principal and NotPrincipal");
            return None;
        }
        (Some(value), None) => ("Principal", value, false),
        (None, Some(value)) => ("NotPrincipal", value, true),
        (None, None) => return None,
    };
    let principals = match value {
        Value::String(s) if s == "*" => Some(Principals::Any),
        Value::Object(map) => map
            .iter()
            .map(|(kind, ids)| string_or_list(ids).ok().map(|ids| (kind.clone(), ids)))
            .collect::<Option<BTreeMap<_, _>>>()
            .map(Principals::Typed),
        _ => None,
    };
    if principals.is_none() {
        notes.damage(format!(
            "{key} must be \"*\" or a map of principal type to names"
        ));
    }
    Some(Principal {
        negated,
        principals: principals?,
    })
}

fn parse_conditions(value: &Value, notes: &mut Notes<'_>) -> Vec<Condition> {
    let Some(operators) = value.as_object() else {
        notes.damage("Condition must be an object of operators");
        return Vec::new();
    };
    let mut conditions = Vec::new();
    for (operator, keys) in operators {
        let Some(keys) = keys.as_object() else {
            notes.damage(format!("Condition {operator:?} must be an object of keys"));
            continue;
        };
        for (key, values) in keys {
            match scalar_or_list(values) {
                Ok(values) => conditions.push(checked_condition(operator, key, values, notes)),
                Err(e) => notes.damage(format!("Condition {operator:?} {key:?}: {e}")),
            }
        }
    }
    conditions
}

/// A condition, with findings for what evaluation will treat as unknown.
fn checked_condition(
    operator: &str,
    key: &str,
    values: Vec<String>,
    notes: &mut Notes<'_>,
) -> Condition {
    let condition = Condition::new(operator, key, values);
    if condition.base.is_none() {
        notes.note(format!(
            "unknown condition operator {operator:?}: an Allow with it grants nothing, a Deny with it may deny"
        ));
    } else if let Some(problem) = condition.value_problem() {
        notes.note(problem);
    }
    condition
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::iam::condition::{Operator, SetQualifier};

    #[test]
    fn string_or_list_accepts_both_forms_only() {
        assert_eq!(string_or_list(&json!("a")), Ok(vec!["a".to_string()]));
        assert_eq!(
            string_or_list(&json!(["a", "b"])),
            Ok(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(string_or_list(&json!([])), Ok(vec![]));
        assert!(string_or_list(&json!(["a", 1])).is_err());
        assert!(string_or_list(&json!({"a": 1})).is_err());
        assert!(string_or_list(&json!(true)).is_err());
    }

    #[test]
    fn parses_a_full_statement() {
        let doc = Document::parse(&json!({
            "Version": "2012-10-17",
            "Statement": {
                "Sid": "Pass",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "arn:aws:iam::*:role/x-*",
                "Condition": {
                    "ForAnyValue:StringEqualsIfExists": {"iam:PassedToService": ["ec2.amazonaws.com", "batch.amazonaws.com"]},
                    "Bool": {"aws:SecureTransport": true}
                }
            }
        }));
        assert_eq!(doc.findings, vec![]);
        assert_eq!(doc.version.as_deref(), Some("2012-10-17"));
        let st = &doc.statements[0];
        assert_eq!(st.sid.as_deref(), Some("Pass"));
        assert!(st.is_allow() && st.understood);
        assert_eq!(st.actions, Match::Listed(vec!["iam:PassRole".into()]));
        assert_eq!(
            st.resources,
            Some(Match::Listed(vec!["arn:aws:iam::*:role/x-*".into()]))
        );
        let c = &st.conditions[0];
        assert_eq!(c.base, Some(Operator::StringEquals));
        assert_eq!(c.qualifier, Some(SetQualifier::ForAnyValue));
        assert!(c.if_exists);
        assert_eq!(c.values.len(), 2);
        assert_eq!(st.conditions[1].values, vec!["true".to_string()]);
    }

    #[test]
    fn trust_policy_principal() {
        let doc = Document::parse(&json!({
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]},
                "Action": "sts:AssumeRole"
            }]
        }));
        let st = &doc.statements[0];
        assert_eq!(st.resources, None);
        let principal = st.principal.as_ref().unwrap();
        assert!(principal.names("Service", "ec2.amazonaws.com.cn"));
        assert!(!principal.names("Service", "lambda.amazonaws.com"));
        assert!(!principal.names("AWS", "ec2.amazonaws.com"));
    }

    #[test]
    fn principal_forms() {
        let any = Principal {
            negated: false,
            principals: Principals::Any,
        };
        assert!(any.names("Service", "x"));
        let typed = |kind: &str, ids: &[&str]| Principal {
            negated: false,
            principals: Principals::Typed(BTreeMap::from([(
                kind.to_string(),
                ids.iter().map(|s| s.to_string()).collect(),
            )])),
        };
        assert!(typed("AWS", &["*"]).names("Service", "x"));
        assert!(typed("AWS", &["123456789012"]).names("AWS", "arn:aws:iam::123456789012:root"));
        assert!(!typed("AWS", &["123456789012"]).names("AWS", "arn:aws:iam::123456789012:role/r"));
        assert!(!typed("AWS", &["123456789012"]).names("AWS", "arn:aws:iam::210987654321:root"));
        assert!(typed("Federated", &["*"]).names("Federated", "cognito-identity.amazonaws.com"));
    }

    #[test]
    fn findings_keep_the_rest_of_the_document() {
        let doc = Document::parse(&json!({
            "Version": "2012-10-17",
            "Extra": 1,
            "Statement": [
                {"Effect": "Permit", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"StringEqualsSometimes": {"aws:username": "a"}}},
                {"Effect": "Deny", "Resource": "*"},
                {"Effect": "Allow", "Action": ["s3:GetObject", 7], "Resource": "*"},
                "not a statement",
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Conditions": {}},
                {"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"}
            ]
        }));
        let about = |i: Option<usize>| doc.findings.iter().filter(|f| f.statement == i).count();
        assert_eq!(about(None), 1, "{:#?}", doc.findings);
        assert!(
            doc.findings
                .iter()
                .any(|f| f.statement == Some(0) && f.message.contains("Permit"))
        );
        assert!(
            doc.findings
                .iter()
                .any(|f| f.statement == Some(1) && f.message.contains("StringEqualsSometimes"))
        );
        assert!(about(Some(2)) >= 1 && about(Some(3)) >= 1 && about(Some(4)) == 1);
        assert!(about(Some(5)) >= 1 && about(Some(6)) >= 1);
        // Dropped: the bad Effect and the non-object; kept: five statements.
        assert_eq!(doc.statements.len(), 5);
        // The unknown operator is kept (evaluates as unknown), the statement is understood.
        assert!(doc.statements[0].understood);
        assert_eq!(doc.statements[0].conditions[0].base, None);
        assert!(doc.statements[1..].iter().all(|s| !s.understood));
        assert!(doc.statements[1].is_deny());
    }

    #[test]
    fn value_problems_are_findings() {
        let doc = Document::parse(&json!({"Statement": {
            "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"NumericLessThan": {"k": "ten"}, "Null": {"j": "maybe"}, "NumericEquals": {"n": 3}}
        }}));
        assert_eq!(doc.findings.len(), 2, "{:#?}", doc.findings);
        assert_eq!(
            doc.statements[0].conditions[2].values,
            vec!["3".to_string()]
        );
    }

    #[test]
    fn not_an_object_or_no_statement() {
        assert_eq!(Document::parse(&json!([1])).findings.len(), 1);
        let doc = Document::parse(&json!({"Version": "2012-10-17"}));
        assert!(doc.statements.is_empty());
        assert_eq!(doc.findings.len(), 1);
    }

    #[test]
    fn to_value_writes_lists_in_iam_order() {
        let doc = Document::parse(&json!({
            "Statement": [{
                "Condition": {"StringEquals": {"a": "1", "b": ["2"]}, "Bool": {"c": true}},
                "NotResource": "arn:aws:s3:::b",
                "Action": "s3:*",
                "Effect": "Deny",
                "Principal": {"AWS": "123456789012"},
                "Sid": "S"
            }],
            "Version": "2012-10-17"
        }));
        let value = doc.to_value();
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(
            text,
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Deny","Principal":{"AWS":["123456789012"]},"Action":["s3:*"],"NotResource":["arn:aws:s3:::b"],"Condition":{"StringEquals":{"a":["1"],"b":["2"]},"Bool":{"c":["true"]}}}]}"#
        );
        assert_eq!(Document::parse(&value), doc);
    }

    #[test]
    fn refusals_follow_iam_s_grammar_for_each_usage() {
        let refused = |doc: Value, usage: Usage| !Document::parse(&doc).refusals(usage).is_empty();
        let identity = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
        ]});
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com", "AWS": ["123456789012", "arn:aws:iam::123456789012:root"]},
            "Action": ["sts:AssumeRole", "sts:TagSession"]}]});
        assert!(!refused(identity.clone(), Usage::Identity));
        assert!(!refused(trust.clone(), Usage::Trust));
        // Each usage's rules: a principal, resources.
        assert!(refused(identity.clone(), Usage::Trust));
        assert!(refused(trust.clone(), Usage::Identity));
        // Parse findings IAM refuses, and one it stores.
        assert!(refused(
            json!({"Version": "2020-01-01", "Statement": identity["Statement"]}),
            Usage::Identity
        ));
        assert!(refused(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}),
            Usage::Identity
        ));
        let odd_operator = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualsish": {"a:b": "c"}}}]});
        assert!(!refused(odd_operator, Usage::Identity));
        // What only the typed statements show.
        let one = |statement: Value| json!({"Version": "2012-10-17", "Statement": [statement]});
        for (statement, usage) in [
            (
                json!({"Effect": "Allow", "Action": [], "Resource": "*"}),
                Usage::Identity,
            ),
            (
                json!({"Effect": "Allow", "Action": "GetObject", "Resource": "*"}),
                Usage::Identity,
            ),
            (
                json!({"Effect": "Allow", "Action": "s3:a:b", "Resource": "*"}),
                Usage::Identity,
            ),
            (
                json!({"Effect": "Allow", "Action": "s3:", "Resource": "*"}),
                Usage::Identity,
            ),
            (
                json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "bucket"}),
                Usage::Identity,
            ),
            (
                json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": []}),
                Usage::Identity,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"Robot": "x"}, "Action": "sts:AssumeRole"}),
                Usage::Trust,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"AWS": "someone"}, "Action": "sts:AssumeRole"}),
                Usage::Trust,
            ),
            (
                json!({"Effect": "Allow", "Principal": {"Service": []}, "Action": "sts:AssumeRole"}),
                Usage::Trust,
            ),
            (
                json!({"Effect": "Allow", "NotPrincipal": {"Service": "x"}, "Action": "sts:AssumeRole"}),
                Usage::Trust,
            ),
            (
                json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}),
                Usage::Trust,
            ),
        ] {
            assert!(
                refused(one(statement.clone()), usage),
                "{statement} as {usage:?}"
            );
        }
        assert!(refused(
            json!({"Version": "2012-10-17", "Statement": []}),
            Usage::Identity
        ));
        let twice = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "A", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}
        ]});
        assert!(refused(twice, Usage::Identity));
        // NotAction in a trust policy is not held to `sts:`.
        let not_action = one(json!({"Effect": "Deny", "Principal": "*", "NotAction": "s3:*"}));
        assert!(!refused(not_action, Usage::Trust));
    }
}
