//! Policy statements as IAM reads them, and a comparison of two documents
//! statement by statement, for the tests that hold generated policies against
//! the documents they come from (`tests/pure/seed_fixtures/`, the seeds;
//! `tests/pure/parallelcluster3_fixtures/`, the ParallelCluster 3 guide).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Map, Value};

/// A statement as IAM reads it. A string and a one-element list are the
/// same; action names are case-insensitive; `Sid` is only a label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Normalized {
    pub effect: String,
    pub actions: BTreeSet<String>,
    pub resources: BTreeSet<String>,
    /// Canonical JSON of `Condition`, empty when there is none.
    pub condition: String,
    /// Every other key but `Sid` (`Principal`, `NotAction`, …), canonical JSON.
    pub other: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Labeled {
    pub label: String,
    pub statement: Normalized,
}

/// A string or a list of strings, as a set.
pub fn string_set(value: Option<&Value>, what: &str) -> BTreeSet<String> {
    match value {
        None => BTreeSet::new(),
        Some(Value::String(s)) => BTreeSet::from([s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .unwrap_or_else(|| panic!("{what}: `{v}` is not a string"))
                    .to_owned()
            })
            .collect(),
        Some(other) => panic!("{what}: `{other}` is neither a string nor a list"),
    }
}

/// JSON with object keys sorted, so that key order does not matter.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), v))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

pub fn normalize(statement: &Value, label: &str) -> Normalized {
    let map = statement
        .as_object()
        .unwrap_or_else(|| panic!("{label}: a statement must be an object: {statement}"));
    let effect = map
        .get("Effect")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{label}: no Effect"))
        .to_owned();
    let actions = string_set(map.get("Action"), label)
        .into_iter()
        .map(|a| a.to_lowercase())
        .collect();
    let resources = string_set(map.get("Resource"), label);
    let condition = map
        .get("Condition")
        .map(|c| canonical(c).to_string())
        .unwrap_or_default();
    let other = map
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "Sid" | "Effect" | "Action" | "Resource" | "Condition"
            )
        })
        .map(|(k, v)| (k.clone(), canonical(v).to_string()))
        .collect();
    Normalized {
        effect,
        actions,
        resources,
        condition,
        other,
    }
}

/// The raw statements of a document: a single object is a list of one.
pub fn raw_statements(document: &Value) -> Vec<Value> {
    match document.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(object @ Value::Object(_)) => vec![object.clone()],
        other => {
            panic!("a document needs a Statement list or object, found {other:?} in {document}")
        }
    }
}

pub fn statements(document: &Value) -> Vec<Labeled> {
    raw_statements(document)
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let label = s.get("Sid").and_then(Value::as_str).map_or_else(
                || format!("Statement[{i}]"),
                |sid| format!("{sid} (Statement[{i}])"),
            );
            Labeled {
                statement: normalize(s, &label),
                label,
            }
        })
        .collect()
}

/// Top-level keys other than `Statement` (`Version`, `Id`), canonical.
pub fn header(document: &Value) -> BTreeMap<String, String> {
    document
        .as_object()
        .unwrap_or_else(|| panic!("a policy document must be an object: {document}"))
        .iter()
        .filter(|(k, _)| k.as_str() != "Statement")
        .map(|(k, v)| (k.clone(), canonical(v).to_string()))
        .collect()
}

pub fn show(s: &Normalized) -> String {
    let mut out = format!(
        "Effect {} | Action {:?} | Resource {:?}",
        s.effect, s.actions, s.resources
    );
    if !s.condition.is_empty() {
        let _ = write!(out, " | Condition {}", s.condition);
    }
    if !s.other.is_empty() {
        let _ = write!(out, " | {:?}", s.other);
    }
    out
}

pub fn set_diff(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Vec<String> {
    a.difference(b).cloned().collect()
}

/// What differs between a generated statement and the fixture statement most
/// like it.
pub fn describe_pair(generated: &Labeled, expected: &Labeled) -> String {
    let (g, e) = (&generated.statement, &expected.statement);
    let mut out = format!(
        "  generated {} vs fixture {}:\n",
        generated.label, expected.label
    );
    if g.effect != e.effect {
        let _ = writeln!(
            out,
            "    Effect: generated {} / fixture {}",
            g.effect, e.effect
        );
    }
    let plus = set_diff(&g.actions, &e.actions);
    let minus = set_diff(&e.actions, &g.actions);
    if !plus.is_empty() || !minus.is_empty() {
        let _ = writeln!(
            out,
            "    Action only generated: {plus:?}; only in fixture: {minus:?}"
        );
    }
    let plus = set_diff(&g.resources, &e.resources);
    let minus = set_diff(&e.resources, &g.resources);
    if !plus.is_empty() || !minus.is_empty() {
        let _ = writeln!(
            out,
            "    Resource only generated: {plus:?}; only in fixture: {minus:?}"
        );
    }
    if g.condition != e.condition {
        let _ = writeln!(
            out,
            "    Condition: generated {:?} / fixture {:?}",
            g.condition, e.condition
        );
    }
    if g.other != e.other {
        let _ = writeln!(
            out,
            "    other keys: generated {:?} / fixture {:?}",
            g.other, e.other
        );
    }
    out
}

pub fn similarity(a: &Normalized, b: &Normalized) -> usize {
    a.actions.intersection(&b.actions).count() * 2 + a.resources.intersection(&b.resources).count()
}

/// Compares two documents as multisets of normalized statements; returns a
/// description of every difference, or `None` when they are the same.
pub fn statement_differences(generated: &Value, expected: &Value) -> Option<String> {
    let mut report = String::new();
    let (gh, eh) = (header(generated), header(expected));
    if gh != eh {
        let _ = writeln!(
            report,
            "document keys differ: generated {gh:?} / fixture {eh:?}"
        );
    }
    let mut unmatched: Vec<Labeled> = statements(expected);
    let mut only_generated: Vec<Labeled> = Vec::new();
    for g in statements(generated) {
        match unmatched.iter().position(|e| e.statement == g.statement) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => only_generated.push(g),
        }
    }
    if !only_generated.is_empty() || !unmatched.is_empty() {
        let _ = writeln!(report, "statements only in the generated document:");
        for g in &only_generated {
            let _ = writeln!(report, "  {}: {}", g.label, show(&g.statement));
        }
        let _ = writeln!(report, "statements only in the fixture:");
        for e in &unmatched {
            let _ = writeln!(report, "  {}: {}", e.label, show(&e.statement));
        }
        let _ = writeln!(report, "closest pairs:");
        for g in &only_generated {
            if let Some(e) = unmatched
                .iter()
                .max_by_key(|e| similarity(&g.statement, &e.statement))
            {
                report.push_str(&describe_pair(g, e));
            }
        }
    }
    (!report.is_empty()).then_some(report)
}

pub fn statements_mut(document: &mut Value) -> &mut Vec<Value> {
    let statement = document
        .get_mut("Statement")
        .expect("a document has a Statement");
    if statement.is_object() {
        *statement = Value::Array(vec![statement.take()]);
    }
    statement.as_array_mut().expect("Statement is a list")
}

pub fn statement_by_sid<'d>(document: &'d mut Value, sid: &str) -> &'d mut Value {
    statements_mut(document)
        .iter_mut()
        .find(|s| s.get("Sid").and_then(Value::as_str) == Some(sid))
        .unwrap_or_else(|| panic!("the fixture has no statement {sid}"))
}

pub fn rewrite_strings(value: &mut Value, f: &mut impl FnMut(&str) -> Option<String>) {
    match value {
        Value::String(s) => {
            if let Some(new) = f(s) {
                *s = new;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_strings(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| rewrite_strings(v, f)),
        _ => {}
    }
}
