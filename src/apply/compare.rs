//! Semantic comparison of policy documents.
//!
//! IAM hands documents back re-encoded and sometimes reordered; a string and a
//! one-element list mean the same; the order of statements, actions and
//! resources does not matter. Two documents are equal when their normal forms
//! are.

use serde_json::{Map, Value};

/// Keys whose value may be a string or a list of strings, as an unordered set.
const SET_KEYS: [&str; 4] = ["Action", "NotAction", "Resource", "NotResource"];

/// Whether two policy documents grant the same.
pub fn same_document(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

/// The normal form: statements as a sorted list, set-valued keys as sorted
/// lists, principals with sorted lists, `Sid`s kept (they are part of the
/// document a person reads).
pub fn normalize(doc: &Value) -> Value {
    let Some(top) = doc.as_object() else {
        return doc.clone();
    };
    let mut out = Map::new();
    for (key, value) in top {
        if key == "Statement" {
            let mut statements: Vec<Value> = match value {
                Value::Array(list) => list.iter().map(normalize_statement).collect(),
                single => vec![normalize_statement(single)],
            };
            statements.sort_by_key(|s| s.to_string());
            out.insert(key.clone(), Value::Array(statements));
        } else {
            out.insert(key.clone(), value.clone());
        }
    }
    sorted_object(out)
}

fn normalize_statement(statement: &Value) -> Value {
    let Some(obj) = statement.as_object() else {
        return statement.clone();
    };
    let mut out = Map::new();
    for (key, value) in obj {
        let normal = if SET_KEYS.contains(&key.as_str()) {
            string_set(value)
        } else if key == "Principal" || key == "NotPrincipal" {
            match value.as_object() {
                Some(principals) => sorted_object(
                    principals
                        .iter()
                        .map(|(k, v)| (k.clone(), string_set(v)))
                        .collect(),
                ),
                None => value.clone(),
            }
        } else {
            value.clone()
        };
        out.insert(key.clone(), normal);
    }
    sorted_object(out)
}

fn string_set(value: &Value) -> Value {
    let mut items: Vec<Value> = match value {
        Value::Array(list) => list.clone(),
        other => vec![other.clone()],
    };
    items.sort_by_key(|v| v.to_string());
    items.dedup();
    Value::Array(items)
}

fn sorted_object(map: Map<String, Value>) -> Value {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(entries.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn order_and_string_or_list_do_not_matter() {
        let a = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
            {"Effect": "Allow", "Action": "ec2:DescribeTags", "Resource": ["*"]}
        ]});
        let b = json!({"Statement": [
            {"Resource": "*", "Action": ["ec2:DescribeTags"], "Effect": "Allow"},
            {"Action": ["s3:PutObject", "s3:GetObject"], "Effect": "Allow", "Resource": ["*"]}
        ], "Version": "2012-10-17"});
        assert!(same_document(&a, &b));
    }

    #[test]
    fn a_single_statement_object_equals_a_list_of_one() {
        let a = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}});
        let b = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com"]}, "Action": "sts:AssumeRole"}]});
        assert!(same_document(&a, &b));
    }

    #[test]
    fn different_grants_differ() {
        let a = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::a"}]});
        let b = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}]});
        let c = json!({"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::a"}]});
        assert!(!same_document(&a, &b));
        assert!(!same_document(&a, &c));
        let p = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let q = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "spotfleet.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert!(!same_document(&p, &q));
    }
}
