//! The contract's machinery: transcripts of normalised outcomes, what each
//! step wants, and the comparison that prints both answers side by side.

use std::fmt;

use onramp::cloud::{
    CloudResult, ErrorKind, InstanceProfileInfo, PolicyInfo, PolicyVersion, RoleInfo,
};
use onramp::iam::action::Action;
use onramp::iam::arn::Arn;
use serde_json::{Value, json};

use super::allowances::ALLOWANCES;

/// A step's normalised outcome: what must agree between the backends.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ok(Value),
    Err(ErrorKind),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok(Value::Null) => write!(f, "Ok"),
            Outcome::Ok(value) => write!(f, "Ok({value})"),
            Outcome::Err(kind) => write!(f, "Err({kind:?})"),
        }
    }
}

/// What a step must give, on every backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    /// Success, whatever the value (the backends must still agree on it).
    Ok,
    /// Success with this value.
    Is(Value),
    Err(ErrorKind),
}

impl Want {
    fn accepts(&self, got: &Outcome) -> bool {
        match (self, got) {
            (Want::Ok, Outcome::Ok(_)) => true,
            (Want::Is(want), Outcome::Ok(got)) => want == got,
            (Want::Err(want), Outcome::Err(got)) => want == got,
            _ => false,
        }
    }
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Want::Ok => write!(f, "Ok"),
            Want::Is(value) => write!(f, "Ok({value})"),
            Want::Err(kind) => write!(f, "Err({kind:?})"),
        }
    }
}

/// The fields of a call's answer that both backends must agree on.
pub trait Shown {
    fn shown(&self) -> Value;
}

impl Shown for () {
    fn shown(&self) -> Value {
        Value::Null
    }
}

impl Shown for String {
    fn shown(&self) -> Value {
        json!(self)
    }
}

impl Shown for Value {
    fn shown(&self) -> Value {
        self.clone()
    }
}

impl Shown for Vec<String> {
    fn shown(&self) -> Value {
        json!(self)
    }
}

impl Shown for Vec<PolicyVersion> {
    fn shown(&self) -> Value {
        json!(
            self.iter()
                .map(|v| json!([v.version_id, v.is_default]))
                .collect::<Vec<_>>()
        )
    }
}

impl Shown for PolicyInfo {
    fn shown(&self) -> Value {
        json!({"arn": self.arn, "name": self.name, "path": self.path,
            "default_version_id": self.default_version_id, "tags": self.tags})
    }
}

impl Shown for RoleInfo {
    fn shown(&self) -> Value {
        json!({"arn": self.arn, "name": self.name, "path": self.path,
            "trust_policy": self.trust_policy, "description": self.description,
            "permissions_boundary": self.permissions_boundary, "tags": self.tags})
    }
}

impl Shown for InstanceProfileInfo {
    fn shown(&self) -> Value {
        json!({"arn": self.arn, "name": self.name, "path": self.path,
            "roles": self.roles, "tags": self.tags})
    }
}

impl<T: Shown> Shown for Option<T> {
    fn shown(&self) -> Value {
        self.as_ref().map_or(Value::Null, Shown::shown)
    }
}

/// One call of a case.
#[derive(Debug, Clone)]
pub struct Step {
    call: String,
    want: Want,
    got: Outcome,
    /// The API action an error names: the backends must agree on it too.
    action: Option<Action>,
}

/// A case's transcript, and the account it runs in.
pub struct Script {
    pub account: String,
    pub steps: Vec<Step>,
}

impl Script {
    pub fn new(account: &str) -> Script {
        Script {
            account: account.to_owned(),
            steps: Vec::new(),
        }
    }

    /// Records a call's outcome against what it should be; the value, when
    /// there is one, for the case to go on with.
    fn step<T: Shown>(&mut self, call: &str, want: Want, result: CloudResult<T>) -> Option<T> {
        let (got, value, action) = match result {
            Ok(value) => (Outcome::Ok(value.shown()), Some(value), None),
            Err(e) => (Outcome::Err(e.kind), None, Some(e.action)),
        };
        self.steps.push(Step {
            call: call.to_owned(),
            want,
            got,
            action,
        });
        value
    }

    pub fn ok<T: Shown>(&mut self, call: &str, result: CloudResult<T>) -> Option<T> {
        self.step(call, Want::Ok, result)
    }

    pub fn is<T: Shown>(&mut self, call: &str, want: Value, result: CloudResult<T>) -> Option<T> {
        self.step(call, Want::Is(want), result)
    }

    pub fn err<T: Shown>(&mut self, call: &str, kind: ErrorKind, result: CloudResult<T>) {
        self.step(call, Want::Err(kind), result);
    }

    /// A customer managed policy's ARN in this account.
    pub fn policy_arn(&self, path: &str, name: &str) -> String {
        Arn::policy("aws", &self.account, path, name).to_string()
    }
}

/// A known difference between moto and IAM (where the memory cloud follows
/// IAM): at these steps of this case, moto answers `moto`, as [`Outcome`]
/// prints it; `Ok(..)` stands for any value.
pub struct Allowance {
    pub case: &'static str,
    pub calls: &'static [&'static str],
    pub moto: &'static str,
    pub why: &'static str,
}

impl Allowance {
    fn covers(&self, call: &str, moto: &str) -> bool {
        let answer = match self.moto {
            "Ok(..)" => moto.starts_with("Ok"),
            exact => moto == exact,
        };
        answer && self.calls.contains(&call)
    }
}

/// Fails with both transcripts side by side unless they agree (up to the
/// allowances) and the memory cloud's answers are what the case wants.
pub fn compare(case: &str, mine: &[Step], theirs: &[Step]) {
    let allowances: Vec<&Allowance> = ALLOWANCES.iter().filter(|a| a.case == case).collect();
    let mut used: Vec<(usize, &str)> = Vec::new();
    let mut problems = Vec::new();
    let mut table = String::new();
    for i in 0..mine.len().max(theirs.len()) {
        let (m, t) = (mine.get(i), theirs.get(i));
        let call = m.or(t).map_or("", |s| s.call.as_str());
        let show = |s: Option<&Step>| s.map_or("(no step)".to_owned(), |s| s.got.to_string());
        let (m_text, t_text) = (show(m), show(t));
        let mut mark = String::new();
        if let Some(m) = m
            && !m.want.accepts(&m.got)
        {
            problems.push(format!(
                "step {i} `{call}`: memory gave {m_text}, wanted {}",
                m.want
            ));
            mark = format!("  <- memory: wanted {}", m.want);
        }
        if let (Some(m), Some(t)) = (m, t)
            && m.got == t.got
            && m.action != t.action
        {
            problems.push(format!(
                "step {i} `{call}`: the error names {:?} on memory, {:?} on moto",
                m.action, t.action
            ));
            mark = "  <- DIFFERENT action".to_owned();
        }
        if m.map(|s| &s.got) != t.map(|s| &s.got) {
            match allowances.iter().position(|a| a.covers(call, &t_text)) {
                Some(at) => {
                    used.push((at, call));
                    mark = "  (allowed: a known moto gap)".to_owned();
                }
                None => {
                    problems.push(format!("step {i} `{call}`: memory {m_text}, moto {t_text}"));
                    mark = "  <- DIFFERENT".to_owned();
                }
            }
        }
        table.push_str(&format!(
            "{i:>3} {call}\n      memory: {m_text}\n      moto:   {t_text}{mark}\n"
        ));
    }
    for (at, a) in allowances.iter().enumerate() {
        for call in a.calls {
            if !used.contains(&(at, call)) {
                problems.push(format!(
                    "the allowance for `{call}` (moto: {}) is no longer needed: {}",
                    a.moto, a.why
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "contract `{case}` broken:\n  {}\n\nboth transcripts:\n{table}",
        problems.join("\n  ")
    );
}
