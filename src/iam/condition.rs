//! The `Condition` element: one typed [`Condition`] per operator × key, and
//! its evaluation against the request context's values for that key.
//!
//! Semantics (IAM's documented ones, see `reference_policies_elements_condition_operators`
//! and `reference_policies_condition-single-vs-multi-valued-context-keys`):
//! - the policy's values for one key are ORed;
//! - a key absent from the context makes positive operators false and
//!   negated ones (`StringNotEquals`, `ArnNotLike`…) true;
//! - `…IfExists` is true when the key is absent;
//! - `ForAnyValue:` needs one request value to satisfy the operator (absent
//!   key: false), `ForAllValues:` needs every one to (absent or empty: true);
//! - a plain operator meeting a multi-valued key behaves like
//!   `ForAnyValue:` when positive and like "none of the values matches" when
//!   negated — IAM asks for set qualifiers there, this is the lenient reading.
//!
//! An empty list of request values counts as an absent key.

use super::glob::{self, Token, Unresolved, Vars};

/// A condition operator without its `ForAnyValue:`/`ForAllValues:` prefix and
/// `IfExists` suffix. Date, IP address and binary operators are not modelled:
/// they parse as unknown operators (with a finding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    ArnEquals,
    ArnNotEquals,
    ArnLike,
    ArnNotLike,
    Bool,
    Null,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
}

const OPERATORS: [(&str, Operator); 18] = [
    ("StringEquals", Operator::StringEquals),
    ("StringNotEquals", Operator::StringNotEquals),
    ("StringEqualsIgnoreCase", Operator::StringEqualsIgnoreCase),
    (
        "StringNotEqualsIgnoreCase",
        Operator::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", Operator::StringLike),
    ("StringNotLike", Operator::StringNotLike),
    ("ArnEquals", Operator::ArnEquals),
    ("ArnNotEquals", Operator::ArnNotEquals),
    ("ArnLike", Operator::ArnLike),
    ("ArnNotLike", Operator::ArnNotLike),
    ("Bool", Operator::Bool),
    ("Null", Operator::Null),
    ("NumericEquals", Operator::NumericEquals),
    ("NumericNotEquals", Operator::NumericNotEquals),
    ("NumericLessThan", Operator::NumericLessThan),
    ("NumericLessThanEquals", Operator::NumericLessThanEquals),
    ("NumericGreaterThan", Operator::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        Operator::NumericGreaterThanEquals,
    ),
];

impl Operator {
    /// The operator from its exact (case-sensitive) IAM name.
    pub fn from_name(name: &str) -> Option<Operator> {
        OPERATORS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, op)| *op)
    }

    /// IAM's name of the operator.
    pub fn name(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("", |(n, _)| n)
    }

    /// Negated operators hold when the value matches *none* of the policy's
    /// values, and hold when the key is absent.
    pub fn is_negated(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | ArnNotEquals
                | ArnNotLike
                | NumericNotEquals
        )
    }
}

/// The set qualifier in front of an operator, for multi-valued context keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// Three-valued truth: `Unknown` is what the model could not decide (an
/// unknown operator, a malformed value). The caller picks the safe side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    Yes,
    No,
    Unknown,
}

impl Truth {
    /// Logical AND: `No` wins, then `Unknown`.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::No, _) | (_, Truth::No) => Truth::No,
            (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
            _ => Truth::Yes,
        }
    }
}

impl From<bool> for Truth {
    fn from(value: bool) -> Truth {
        if value { Truth::Yes } else { Truth::No }
    }
}

/// One operator × key test of a `Condition` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator as written, e.g. `ForAllValues:StringLikeIfExists`.
    pub operator: String,
    /// The base operator; `None` when the model does not know it.
    pub base: Option<Operator>,
    pub qualifier: Option<SetQualifier>,
    pub if_exists: bool,
    /// The context key as written; IAM compares keys case-insensitively.
    pub key: String,
    /// The policy's values for the key (ORed).
    pub values: Vec<String>,
}

impl Condition {
    /// Parses the written `operator` and keeps everything else as given.
    pub fn new(operator: &str, key: &str, values: Vec<String>) -> Condition {
        let (qualifier, rest) = if let Some(rest) = operator.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = operator.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, operator)
        };
        let (rest, if_exists) = rest
            .strip_suffix("IfExists")
            .map_or((rest, false), |r| (r, true));
        // `NullIfExists` makes no sense (Null is the existence test itself).
        let base = Operator::from_name(rest).filter(|op| !(if_exists && *op == Operator::Null));
        Condition {
            operator: operator.to_string(),
            base,
            qualifier,
            if_exists,
            key: key.to_string(),
            values,
        }
    }

    /// Why a value cannot be used with this operator, if it cannot.
    pub fn value_problem(&self) -> Option<String> {
        let base = self.base?;
        let bad = self
            .values
            .iter()
            .find(|v| compile(base, v, None).is_err())?;
        Some(format!("{} cannot compare with {bad:?}", self.operator))
    }

    /// Evaluates the condition; `present` is the request's values for the
    /// key (`None` when absent), `vars` resolves policy variables.
    ///
    /// A policy variable without a value makes the condition `No`: IAM
    /// documents that such a statement cannot match.
    pub fn evaluate(&self, present: Option<&[String]>, vars: Vars<'_>) -> Truth {
        let Some(op) = self.base else {
            return Truth::Unknown;
        };
        let present = present.filter(|values| !values.is_empty());
        if op == Operator::Null {
            return self.evaluate_null(present.is_none());
        }
        let Some(values) = present else {
            return Truth::from(match self.qualifier {
                _ if self.if_exists => true,
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => op.is_negated(),
            });
        };
        let mut matchers = Vec::with_capacity(self.values.len());
        for value in &self.values {
            match compile(op, value, vars) {
                Ok(matcher) => matchers.push(matcher),
                Err(Bad::Unresolved) => return Truth::No,
                Err(Bad::Malformed) => return Truth::Unknown,
            }
        }
        let hit = |value: &String| matchers.iter().any(|m| m.matches(op, value));
        // Whether one request value satisfies the operator on its own.
        let satisfies = |value: &String| hit(value) != op.is_negated();
        Truth::from(match self.qualifier {
            Some(SetQualifier::ForAllValues) => values.iter().all(satisfies),
            Some(SetQualifier::ForAnyValue) => values.iter().any(satisfies),
            None if op.is_negated() => !values.iter().any(hit),
            None => values.iter().any(hit),
        })
    }

    /// `Null`: `"true"` holds when the key is absent, `"false"` when present.
    fn evaluate_null(&self, absent: bool) -> Truth {
        let mut truth = Truth::No;
        for value in &self.values {
            match parse_bool(value) {
                Some(want_absent) if want_absent == absent => return Truth::Yes,
                Some(_) => {}
                None => truth = Truth::Unknown,
            }
        }
        truth
    }
}

/// Why a policy value could not be turned into a [`Matcher`].
enum Bad {
    Unresolved,
    Malformed,
}

impl From<Unresolved> for Bad {
    fn from(_: Unresolved) -> Bad {
        Bad::Unresolved
    }
}

/// One policy value, ready to compare request values with.
enum Matcher {
    Text {
        tokens: Vec<Token>,
        ignore_case: bool,
    },
    Arn(Vec<Token>),
    Bool(bool),
    Number(f64),
}

fn compile(op: Operator, value: &str, vars: Vars<'_>) -> Result<Matcher, Bad> {
    use Operator::*;
    Ok(match op {
        StringEquals | StringNotEquals => Matcher::Text {
            tokens: glob::resolve(value, false, vars)?,
            ignore_case: false,
        },
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => Matcher::Text {
            tokens: glob::resolve(value, false, vars)?,
            ignore_case: true,
        },
        StringLike | StringNotLike => Matcher::Text {
            tokens: glob::resolve(value, true, vars)?,
            ignore_case: false,
        },
        ArnEquals | ArnNotEquals => Matcher::Text {
            tokens: glob::resolve(value, false, vars)?,
            ignore_case: false,
        },
        ArnLike | ArnNotLike => Matcher::Arn(glob::resolve(value, true, vars)?),
        Bool | Null => Matcher::Bool(parse_bool(value).ok_or(Bad::Malformed)?),
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => {
            Matcher::Number(value.trim().parse().map_err(|_| Bad::Malformed)?)
        }
    })
}

impl Matcher {
    /// The positive comparison (negation is applied by the caller).
    fn matches(&self, op: Operator, value: &str) -> bool {
        match self {
            Matcher::Text {
                tokens,
                ignore_case,
            } => glob::matches(tokens, value, *ignore_case),
            Matcher::Arn(tokens) => glob::arn_matches(tokens, value),
            Matcher::Bool(want) => parse_bool(value) == Some(*want),
            Matcher::Number(want) => value
                .trim()
                .parse::<f64>()
                .is_ok_and(|got| compare(op, got, *want)),
        }
    }
}

fn compare(op: Operator, got: f64, want: f64) -> bool {
    match op {
        Operator::NumericLessThan => got < want,
        Operator::NumericLessThanEquals => got <= want,
        Operator::NumericGreaterThan => got > want,
        Operator::NumericGreaterThanEquals => got >= want,
        _ => got == want,
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    fn eval(operator: &str, policy: &[&str], request: Option<&[&str]>) -> Truth {
        let request = request.map(vals);
        Condition::new(operator, "k", vals(policy)).evaluate(request.as_deref(), None)
    }

    #[test]
    fn operator_names_parse_into_parts() {
        let c = Condition::new("ForAllValues:StringLikeIfExists", "aws:TagKeys", vec![]);
        assert_eq!(c.base, Some(Operator::StringLike));
        assert_eq!(c.qualifier, Some(SetQualifier::ForAllValues));
        assert!(c.if_exists);
        assert_eq!(Condition::new("StringEquals", "k", vec![]).qualifier, None);
        assert_eq!(Condition::new("DateLessThan", "k", vec![]).base, None);
        assert_eq!(Condition::new("NullIfExists", "k", vec![]).base, None);
        assert_eq!(Condition::new("stringequals", "k", vec![]).base, None);
        for (name, op) in OPERATORS {
            assert_eq!(op.name(), name);
        }
    }

    #[test]
    fn absent_keys() {
        // IAM: absent key → positive false, negated true, IfExists true.
        assert_eq!(eval("StringEquals", &["a"], None), Truth::No);
        assert_eq!(eval("StringNotEquals", &["a"], None), Truth::Yes);
        assert_eq!(eval("ArnNotLike", &["arn:*"], None), Truth::Yes);
        assert_eq!(eval("StringLikeIfExists", &["a*"], None), Truth::Yes);
        assert_eq!(eval("StringLikeIfExists", &["a*"], Some(&["b"])), Truth::No);
        assert_eq!(
            eval("StringLikeIfExists", &["a*"], Some(&["ab"])),
            Truth::Yes
        );
        assert_eq!(eval("ForAllValues:StringEquals", &["a"], None), Truth::Yes);
        assert_eq!(
            eval("ForAllValues:StringEquals", &["a"], Some(&[])),
            Truth::Yes
        );
        assert_eq!(eval("ForAnyValue:StringEquals", &["a"], None), Truth::No);
        assert_eq!(
            eval("ForAnyValue:StringEqualsIfExists", &["a"], None),
            Truth::Yes
        );
    }

    #[test]
    fn set_qualifiers() {
        let two = Some(&["a", "b"][..]);
        assert_eq!(
            eval("ForAllValues:StringEquals", &["a", "b", "c"], two),
            Truth::Yes
        );
        assert_eq!(eval("ForAllValues:StringEquals", &["a"], two), Truth::No);
        assert_eq!(eval("ForAnyValue:StringEquals", &["b"], two), Truth::Yes);
        assert_eq!(eval("ForAnyValue:StringEquals", &["c"], two), Truth::No);
        // Negated operators apply per request value.
        assert_eq!(eval("ForAnyValue:StringNotEquals", &["a"], two), Truth::Yes);
        assert_eq!(eval("ForAllValues:StringNotEquals", &["a"], two), Truth::No);
        assert_eq!(
            eval("ForAllValues:StringNotEquals", &["c"], two),
            Truth::Yes
        );
        // Plain operators on a multi-valued key: positive = any, negated = none.
        assert_eq!(eval("StringEquals", &["b"], two), Truth::Yes);
        assert_eq!(eval("StringNotEquals", &["b"], two), Truth::No);
    }

    #[test]
    fn string_operators() {
        assert_eq!(eval("StringEquals", &["Ab"], Some(&["ab"])), Truth::No);
        assert_eq!(eval("StringEquals", &["a*"], Some(&["ab"])), Truth::No);
        assert_eq!(
            eval("StringEqualsIgnoreCase", &["Ab"], Some(&["ab"])),
            Truth::Yes
        );
        assert_eq!(
            eval("StringNotEqualsIgnoreCase", &["Ab"], Some(&["ab"])),
            Truth::No
        );
        assert_eq!(eval("StringLike", &["a?c*"], Some(&["abcdef"])), Truth::Yes);
        assert_eq!(
            eval("StringNotLike", &["x*", "a*"], Some(&["abc"])),
            Truth::No
        );
        assert_eq!(
            eval("StringNotLike", &["x*", "y*"], Some(&["abc"])),
            Truth::Yes
        );
    }

    #[test]
    fn arn_bool_null_numeric() {
        let role = Some(&["arn:aws:iam::123456789012:role/x-batch"][..]);
        assert_eq!(
            eval("ArnLike", &["arn:aws:iam::*:role/x-*"], role),
            Truth::Yes
        );
        assert_eq!(
            eval("ArnLike", &["arn:aws:iam::*:role/y-*"], role),
            Truth::No
        );
        assert_eq!(
            eval("ArnEquals", &["arn:aws:iam::*:role/x-*"], role),
            Truth::No
        );
        assert_eq!(
            eval(
                "ArnEquals",
                &["arn:aws:iam::123456789012:role/x-batch"],
                role
            ),
            Truth::Yes
        );
        assert_eq!(
            eval("ArnNotLike", &["arn:aws:iam::*:role/x-*"], role),
            Truth::No
        );
        assert_eq!(eval("Bool", &["true"], Some(&["true"])), Truth::Yes);
        assert_eq!(eval("Bool", &["true"], Some(&["false"])), Truth::No);
        assert_eq!(eval("Bool", &["false"], None), Truth::No);
        assert_eq!(eval("BoolIfExists", &["false"], None), Truth::Yes);
        assert_eq!(eval("Bool", &["maybe"], Some(&["true"])), Truth::Unknown);
        assert_eq!(eval("Null", &["true"], None), Truth::Yes);
        assert_eq!(eval("Null", &["true"], Some(&["x"])), Truth::No);
        assert_eq!(eval("Null", &["false"], Some(&["x"])), Truth::Yes);
        assert_eq!(eval("Null", &["false"], None), Truth::No);
        assert_eq!(eval("NumericLessThan", &["10"], Some(&["9.5"])), Truth::Yes);
        assert_eq!(eval("NumericLessThan", &["10"], Some(&["10"])), Truth::No);
        assert_eq!(
            eval("NumericGreaterThanEquals", &["10"], Some(&["10"])),
            Truth::Yes
        );
        assert_eq!(eval("NumericNotEquals", &["10"], Some(&["10"])), Truth::No);
        assert_eq!(
            eval("NumericEquals", &["ten"], Some(&["10"])),
            Truth::Unknown
        );
        assert_eq!(
            eval("DateLessThan", &["2020-01-01"], Some(&["x"])),
            Truth::Unknown
        );
    }

    #[test]
    fn unresolved_variable_cannot_match() {
        let lookup = |_: &str| None;
        let c = Condition::new("StringNotEquals", "k", vals(&["${aws:username}"]));
        assert_eq!(c.evaluate(Some(&vals(&["x"])), Some(&lookup)), Truth::No);
        let lookup = |_: &str| Some("x".to_string());
        assert_eq!(c.evaluate(Some(&vals(&["x"])), Some(&lookup)), Truth::No);
        assert_eq!(c.evaluate(Some(&vals(&["y"])), Some(&lookup)), Truth::Yes);
    }

    #[test]
    fn truth_and() {
        assert_eq!(Truth::Yes.and(Truth::Yes), Truth::Yes);
        assert_eq!(Truth::Yes.and(Truth::Unknown), Truth::Unknown);
        assert_eq!(Truth::Unknown.and(Truth::No), Truth::No);
    }
}
