//! Evaluation: would these policies allow this request?
//!
//! IAM's documented order for the policies of one principal: an explicit
//! `Deny` in any document wins; otherwise any `Allow` allows; otherwise the
//! request is implicitly denied. Documents and statements are scanned in
//! order, so the statement reported in a [`Decision`] is the first that decides.
//!
//! Matching:
//! - actions: `service:Name` patterns with `*`/`?`, case-insensitive;
//! - resources: patterns with `*`/`?` over the whole ARN (a `*` may span
//!   colons), case-sensitive; a statement without `Resource`/`NotResource`
//!   (a trust policy) applies to any resource;
//! - policy variables (`${aws:username}`) in resources and condition values
//!   are substituted from the request context when the document's `Version`
//!   is `2012-10-17` and the key has exactly one value. Without a value (and
//!   no `${key, 'default'}`) the pattern cannot match: a `Resource` pattern
//!   then matches nothing, and a `NotResource` list or a condition holding it
//!   makes the statement not apply — IAM documents such statements as unable
//!   to match;
//! - principals: only checked when the statement has `Principal`/`NotPrincipal`.
//!
//! What the model could not decide ([`Truth::Unknown`]: an unknown condition
//! operator, a statement not fully understood, a `Principal` with no principal
//! in the request) is resolved to the safe side: an `Allow` does not apply, a
//! `Deny` does (so it is reported as an explicit deny).

use std::collections::BTreeMap;

use super::condition::Truth;
use super::glob::{self, Vars};
use super::policy::{Document, Effect, Statement};

/// What is being asked: one action on one resource, with its context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `service:Name`, e.g. `iam:PassRole`.
    pub action: String,
    /// The resource ARN (`*` when the action takes none).
    pub resource: String,
    /// Context keys (compared case-insensitively) and their values, e.g.
    /// `iam:PassedToService` → `["ec2.amazonaws.com"]`.
    pub context: BTreeMap<String, Vec<String>>,
    /// The caller as (principal type, name), e.g. `("Service",
    /// "ec2.amazonaws.com")`, for trust policies.
    pub principal: Option<(String, String)>,
}

impl Request {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Request {
        Request {
            action: action.into(),
            resource: resource.into(),
            ..Request::default()
        }
    }

    /// Adds a context key with its values.
    pub fn with_context<I, S>(mut self, key: impl Into<String>, values: I) -> Request
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.context
            .insert(key.into(), values.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the calling principal.
    pub fn with_principal(mut self, kind: impl Into<String>, name: impl Into<String>) -> Request {
        self.principal = Some((kind.into(), name.into()));
        self
    }

    /// The values of a context key, whatever the case it is written in.
    pub fn context_values(&self, key: &str) -> Option<&[String]> {
        self.context
            .get(key)
            .or_else(|| {
                self.context
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            })
            .map(Vec::as_slice)
    }

    /// A policy variable's value: only single-valued keys can be variables.
    fn variable(&self, key: &str) -> Option<String> {
        match self.context_values(key)? {
            [value] => Some(value.clone()),
            _ => None,
        }
    }
}

/// Which statement decided: the document's position in the evaluated list,
/// the statement's position in [`Document::statements`], and its `Sid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub document: usize,
    pub statement: usize,
    pub sid: Option<String>,
}

/// The outcome of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed { by: StatementRef },
    ExplicitDeny { by: StatementRef },
    ImplicitDeny,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }
}

/// Evaluates `request` against all `documents` together, in IAM's order.
pub fn evaluate(documents: &[&Document], request: &Request) -> Decision {
    let mut allowed = None;
    for (d, doc) in documents.iter().enumerate() {
        for (s, statement) in doc.statements.iter().enumerate() {
            let truth = statement.applies(request, doc.uses_variables());
            let by = || StatementRef {
                document: d,
                statement: s,
                sid: statement.sid.clone(),
            };
            match statement.effect {
                Effect::Deny if truth != Truth::No => return Decision::ExplicitDeny { by: by() },
                Effect::Allow if truth == Truth::Yes && allowed.is_none() => allowed = Some(by()),
                _ => {}
            }
        }
    }
    allowed.map_or(Decision::ImplicitDeny, |by| Decision::Allowed { by })
}

/// Whether `documents` together allow `request`.
pub fn is_allowed(documents: &[&Document], request: &Request) -> bool {
    evaluate(documents, request).is_allowed()
}

/// Whether the trust policy `doc` lets the principal (`"Service"`,
/// `"ec2.amazonaws.com"`) call `sts:AssumeRole`, with an empty context.
/// Federated principals assume with other actions: use [`evaluate`] then.
pub fn allows_assume(doc: &Document, principal_type: &str, name: &str) -> bool {
    allows_assume_with(doc, principal_type, name, &BTreeMap::new())
}

/// [`allows_assume`] with the request's condition keys, such as the
/// `aws:SourceAccount` a service sends when it assumes a role for an account.
pub fn allows_assume_with(
    doc: &Document,
    principal_type: &str,
    name: &str,
    context: &BTreeMap<String, Vec<String>>,
) -> bool {
    let mut request = Request::new("sts:AssumeRole", "*").with_principal(principal_type, name);
    for (key, values) in context {
        request = request.with_context(key.clone(), values.clone());
    }
    doc.allows(&request)
}

impl Document {
    /// Evaluates `request` against this document alone.
    pub fn evaluate(&self, request: &Request) -> Decision {
        evaluate(&[self], request)
    }

    /// Whether this document alone allows `request`.
    pub fn allows(&self, request: &Request) -> bool {
        self.evaluate(request).is_allowed()
    }
}

impl Statement {
    /// Whether the statement applies to `request`, whatever its effect.
    /// `variables`: whether `${…}` are substituted (see
    /// [`Document::uses_variables`]). A statement not `understood` is
    /// `Unknown`.
    pub fn applies(&self, request: &Request, variables: bool) -> Truth {
        if !self.understood {
            return Truth::Unknown;
        }
        let lookup = |key: &str| request.variable(key);
        let vars: Vars<'_> = if variables { Some(&lookup) } else { None };
        let mut truth = self
            .principal_truth(request)
            .and(Truth::from(self.matches_action(&request.action)));
        if truth == Truth::No {
            return truth;
        }
        truth = truth.and(self.resource_truth(&request.resource, vars));
        for condition in &self.conditions {
            if truth == Truth::No {
                break;
            }
            truth = truth.and(condition.evaluate(request.context_values(&condition.key), vars));
        }
        truth
    }

    /// `Action`/`NotAction` against `action`, case-insensitively.
    pub fn matches_action(&self, action: &str) -> bool {
        let hit = self
            .actions
            .patterns()
            .iter()
            .any(|pattern| action_matches(pattern, action));
        hit != self.actions.is_except()
    }

    fn resource_truth(&self, resource: &str, vars: Vars<'_>) -> Truth {
        let Some(resources) = &self.resources else {
            return Truth::Yes;
        };
        let mut hit = false;
        for pattern in resources.patterns() {
            if let Some(quick) = literal_or_prefix(pattern, resource, false) {
                hit |= quick;
                continue;
            }
            match glob::resolve(pattern, true, vars) {
                Ok(tokens) => hit |= glob::matches(&tokens, resource, false),
                Err(_) if resources.is_except() => return Truth::No,
                Err(_) => {}
            }
        }
        Truth::from(hit != resources.is_except())
    }

    fn principal_truth(&self, request: &Request) -> Truth {
        let Some(principal) = &self.principal else {
            return Truth::Yes;
        };
        let Some((kind, name)) = &request.principal else {
            return Truth::Unknown;
        };
        Truth::from(principal.names(kind, name) != principal.negated)
    }
}

fn action_matches(pattern: &str, action: &str) -> bool {
    pattern == "*"
        || literal_or_prefix(pattern, action, true).unwrap_or_else(|| {
            glob::resolve(pattern, true, None)
                .is_ok_and(|tokens| glob::matches(&tokens, action, true))
        })
}

/// The common patterns without building tokens: a literal (`s3:GetObject`,
/// `arn:aws:s3:::b`) or a literal with one `*` at the end (`s3:Get*`,
/// `arn:aws:s3:::b/*`). `None` for anything else (`?`, an inner `*`, a
/// policy variable), which [`glob`] decides. Verify evaluates thousands of
/// requests against such patterns on every change in the wizard.
fn literal_or_prefix(pattern: &str, text: &str, ignore_case: bool) -> Option<bool> {
    let (body, prefix) = match pattern.strip_suffix('*') {
        Some(body) => (body, true),
        None => (pattern, false),
    };
    if body.contains(['*', '?', '$']) {
        return None;
    }
    let same = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    Some(if prefix {
        text.len() >= body.len()
            && text.is_char_boundary(body.len())
            && same(&text[..body.len()], body)
    } else {
        same(text, body)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// The shortcut for literals and trailing-`*` patterns decides as the
    /// full glob does, case rules included, wherever it decides at all.
    #[test]
    fn the_literal_and_prefix_shortcut_agrees_with_the_glob() {
        let patterns = [
            "s3:GetObject",
            "s3:Get*",
            "S3:get*",
            "ec2:*",
            "*",
            "arn:aws:s3:::b",
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::B/*",
            "arn:aws:s3:::b*",
            "s3:Get?bject",
            "arn:aws:s3:::${aws:username}/*",
            "é:*",
        ];
        let texts = [
            "s3:GetObject",
            "s3:getobject",
            "S3:GETOBJECT",
            "s3:PutObject",
            "ec2:RunInstances",
            "arn:aws:s3:::b",
            "arn:aws:s3:::b/k",
            "arn:aws:s3:::B/k",
            "arn:aws:s3:::bb",
            "arn:aws:s3:::",
            "",
            "é:x",
        ];
        let mut decided = 0;
        for pattern in patterns {
            for text in texts {
                for ignore_case in [true, false] {
                    let Some(quick) = literal_or_prefix(pattern, text, ignore_case) else {
                        continue;
                    };
                    decided += 1;
                    let full = glob::resolve(pattern, true, None)
                        .is_ok_and(|tokens| glob::matches(&tokens, text, ignore_case));
                    assert_eq!(
                        quick, full,
                        "{pattern} ~ {text} (ignore case: {ignore_case})"
                    );
                }
            }
        }
        assert!(
            decided > 150,
            "the shortcut decides most of these: {decided}"
        );
        assert_eq!(
            literal_or_prefix("s3:Get?bject", "s3:GetObject", true),
            None
        );
        assert_eq!(
            literal_or_prefix("arn:aws:s3:::${aws:username}/*", "x", false),
            None
        );
    }

    fn doc(value: Value) -> Document {
        Document::parse(&value)
    }

    fn allow(action: &str, resource: &str) -> Document {
        doc(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}),
        )
    }

    fn req(action: &str, resource: &str) -> Request {
        Request::new(action, resource)
    }

    fn kind(decision: &Decision) -> &'static str {
        match decision {
            Decision::Allowed { .. } => "allow",
            Decision::ExplicitDeny { .. } => "deny",
            Decision::ImplicitDeny => "implicit",
        }
    }

    /// A document with one statement: `effect`, action `s3:GetObject` on
    /// any resource, and the given Condition block.
    fn with_condition(effect: &str, condition: Value) -> Document {
        doc(json!({"Version": "2012-10-17", "Statement": [{
            "Effect": effect, "Action": "s3:GetObject", "Resource": "*", "Condition": condition
        }]}))
    }

    #[test]
    fn explicit_deny_beats_allow_across_documents() {
        let allow_all = allow("*", "*");
        let deny = doc(json!({"Statement": [
            {"Sid": "Other", "Effect": "Deny", "Action": "ec2:*", "Resource": "*"},
            {"Sid": "NoReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"}
        ]}));
        let decision = evaluate(
            &[&allow_all, &deny],
            &req("iam:GetOrganizationsAccessReport", "*"),
        );
        assert_eq!(
            decision,
            Decision::ExplicitDeny {
                by: StatementRef {
                    document: 1,
                    statement: 1,
                    sid: Some("NoReports".into())
                }
            }
        );
        // The order of the documents does not matter.
        assert_eq!(
            kind(&evaluate(
                &[&deny, &allow_all],
                &req("iam:GenerateCredentialReport", "*")
            )),
            "deny"
        );
        let decision = evaluate(&[&deny, &allow_all], &req("iam:GetRole", "*"));
        assert_eq!(
            decision,
            Decision::Allowed {
                by: StatementRef {
                    document: 1,
                    statement: 0,
                    sid: None
                }
            }
        );
    }

    #[test]
    fn implicit_deny_when_nothing_matches() {
        let d = allow("s3:GetObject", "arn:aws:s3:::b1/*");
        assert_eq!(
            d.evaluate(&req("s3:PutObject", "arn:aws:s3:::b1/k")),
            Decision::ImplicitDeny
        );
        assert_eq!(
            d.evaluate(&req("s3:GetObject", "arn:aws:s3:::b2/k")),
            Decision::ImplicitDeny
        );
        assert_eq!(
            evaluate(&[], &req("s3:GetObject", "arn:aws:s3:::b1/k")),
            Decision::ImplicitDeny
        );
        assert!(d.allows(&req("s3:GetObject", "arn:aws:s3:::b1/k")));
    }

    #[test]
    fn not_action_with_allow() {
        // IAM docs: everything in S3 except DeleteBucket, on S3 resources only.
        let d = doc(
            json!({"Statement": {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"}}),
        );
        assert!(d.allows(&req("s3:GetObject", "arn:aws:s3:::b/k")));
        assert!(!d.allows(&req("s3:DeleteBucket", "arn:aws:s3:::b")));
        assert!(!d.allows(&req("iam:CreateUser", "arn:aws:iam::123456789012:user/u")));
        // "Allow NotAction iam:*" on any resource allows every other service.
        let d =
            doc(json!({"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}));
        assert!(d.allows(&req("ec2:RunInstances", "*")));
        assert!(!d.allows(&req("IAM:PassRole", "*")));
    }

    #[test]
    fn not_resource_with_deny() {
        // IAM docs (HRPayroll): deny all S3 outside the Payroll folder.
        let deny = doc(json!({"Statement": {"Effect": "Deny", "Action": "s3:*",
            "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}}));
        let allow_s3 = allow("s3:*", "*");
        let both = [&deny, &allow_s3];
        assert_eq!(
            kind(&evaluate(
                &both,
                &req("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/a")
            )),
            "allow"
        );
        assert_eq!(
            kind(&evaluate(
                &both,
                &req("s3:GetObject", "arn:aws:s3:::HRBucket/Other/a")
            )),
            "deny"
        );
        // The deny alone grants nothing.
        assert_eq!(
            kind(&deny.evaluate(&req("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/a"))),
            "implicit"
        );
    }

    #[test]
    fn question_mark_wildcard() {
        let d = allow("s3:Get?bject", "arn:aws:s3:::b?");
        assert!(d.allows(&req("s3:GetObject", "arn:aws:s3:::b1")));
        assert!(!d.allows(&req("s3:GetObject", "arn:aws:s3:::b12")));
        assert!(!d.allows(&req("s3:GetObject", "arn:aws:s3:::b")));
        assert!(!d.allows(&req("s3:GetObjectAcl", "arn:aws:s3:::b1")));
    }

    #[test]
    fn actions_ignore_case_resources_do_not() {
        let d = allow("S3:getobject", "arn:aws:s3:::Bucket/*");
        assert!(d.allows(&req("s3:GetObject", "arn:aws:s3:::Bucket/k")));
        assert!(d.allows(&req("s3:GETOBJECT", "arn:aws:s3:::Bucket/k")));
        assert!(!d.allows(&req("s3:GetObject", "arn:aws:s3:::bucket/k")));
    }

    #[test]
    fn string_not_equals_with_absent_key_is_true() {
        let d = with_condition(
            "Deny",
            json!({"StringNotEquals": {"aws:PrincipalTag/team": "genomics"}}),
        );
        let r = req("s3:GetObject", "*");
        assert_eq!(kind(&d.evaluate(&r)), "deny");
        assert_eq!(
            kind(
                &d.evaluate(
                    &r.clone()
                        .with_context("aws:PrincipalTag/team", ["genomics"])
                )
            ),
            "implicit"
        );
        assert_eq!(
            kind(&d.evaluate(&r.with_context("aws:PrincipalTag/team", ["web"]))),
            "deny"
        );
    }

    #[test]
    fn string_like_if_exists() {
        let d = with_condition(
            "Allow",
            json!({"StringLikeIfExists": {"s3:prefix": "home/*"}}),
        );
        let r = req("s3:GetObject", "*");
        assert!(d.allows(&r));
        assert!(d.allows(&r.clone().with_context("s3:prefix", ["home/a"])));
        assert!(!d.allows(&r.with_context("s3:prefix", ["other/a"])));
    }

    #[test]
    fn set_operators_on_multivalued_keys() {
        let all = with_condition(
            "Allow",
            json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}),
        );
        let any = with_condition(
            "Allow",
            json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}),
        );
        let r = req("s3:GetObject", "*");
        assert!(all.allows(&r), "ForAllValues with an absent key is true");
        assert!(all.allows(&r.clone().with_context("aws:TagKeys", Vec::<String>::new())));
        assert!(all.allows(&r.clone().with_context("aws:TagKeys", ["team"])));
        assert!(!all.allows(&r.clone().with_context("aws:TagKeys", ["team", "cost"])));
        assert!(!any.allows(&r), "ForAnyValue with an absent key is false");
        assert!(any.allows(&r.clone().with_context("aws:TagKeys", ["team", "cost"])));
        assert!(!any.allows(&r.with_context("aws:TagKeys", ["cost"])));
    }

    #[test]
    fn bool_and_null() {
        let d = with_condition("Deny", json!({"Bool": {"aws:SecureTransport": "false"}}));
        let r = req("s3:GetObject", "*");
        assert_eq!(
            kind(&d.evaluate(&r.clone().with_context("aws:SecureTransport", ["false"]))),
            "deny"
        );
        assert_eq!(
            kind(&d.evaluate(&r.clone().with_context("aws:SecureTransport", ["true"]))),
            "implicit"
        );
        assert_eq!(
            kind(&d.evaluate(&r)),
            "implicit",
            "Bool with the key absent is false"
        );
        // IAM docs: allow EC2 only without temporary credentials.
        let d = with_condition("Allow", json!({"Null": {"aws:TokenIssueTime": "true"}}));
        assert!(d.allows(&r));
        assert!(!d.allows(&r.with_context("aws:TokenIssueTime", ["2024-01-01T00:00:00Z"])));
    }

    #[test]
    fn arn_like_role_pattern() {
        let d = doc(
            json!({"Statement": {"Effect": "Allow", "Action": "iam:PassRole",
            "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x-*"}}}}),
        );
        let r = req("iam:PassRole", "*");
        assert!(d.allows(&r.clone().with_context(
            "aws:PrincipalArn",
            ["arn:aws:iam::123456789012:role/x-batch"]
        )));
        assert!(!d.allows(&r.clone().with_context(
            "aws:PrincipalArn",
            ["arn:aws:iam::123456789012:role/y-batch"]
        )));
        assert!(
            !d.allows(
                &r.clone()
                    .with_context("aws:PrincipalArn", ["arn:aws:iam::123456789012:user/x-a"])
            )
        );
        assert!(!d.allows(&r));
        // Also as a Resource pattern, and case-sensitively.
        let d = allow("iam:PassRole", "arn:aws:iam::*:role/x-*");
        assert!(d.allows(&req(
            "iam:PassRole",
            "arn:aws:iam::123456789012:role/x-batch"
        )));
        assert!(!d.allows(&req(
            "iam:PassRole",
            "arn:aws:iam::123456789012:role/X-batch"
        )));
    }

    #[test]
    fn passed_to_service_list_either_allows() {
        let d = doc(
            json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:PassRole",
            "Resource": "arn:aws:iam::123456789012:role/batch",
            "Condition": {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]}}}}),
        );
        let r = req("iam:PassRole", "arn:aws:iam::123456789012:role/batch");
        assert!(
            d.allows(
                &r.clone()
                    .with_context("iam:PassedToService", ["ec2.amazonaws.com"])
            )
        );
        assert!(
            d.allows(
                &r.clone()
                    .with_context("IAM:passedToService", ["ec2.amazonaws.com.cn"])
            )
        );
        assert!(
            !d.allows(
                &r.clone()
                    .with_context("iam:PassedToService", ["batch.amazonaws.com"])
            )
        );
        assert!(!d.allows(&r));
    }

    #[test]
    fn trust_policy_service_list() {
        let d = doc(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]}, "Action": "sts:AssumeRole"}]}),
        );
        assert!(allows_assume(&d, "Service", "ec2.amazonaws.com"));
        assert!(allows_assume(&d, "Service", "ec2.amazonaws.com.cn"));
        assert!(!allows_assume(&d, "Service", "lambda.amazonaws.com"));
        assert!(!allows_assume(&d, "AWS", "arn:aws:iam::123456789012:root"));
        // Without a principal in the request, a Principal statement does not allow.
        assert!(!d.allows(&req("sts:AssumeRole", "*")));
        let not = doc(json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "NotPrincipal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}));
        assert!(allows_assume(&not, "Service", "ec2.amazonaws.com"));
        assert!(!allows_assume(&not, "Service", "lambda.amazonaws.com"));
    }

    #[test]
    fn unknown_operator_and_bad_effect_findings() {
        let unknown = json!({"DateLessThanish": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}});
        let allow_doc = with_condition("Allow", unknown.clone());
        assert_eq!(allow_doc.findings.len(), 1);
        assert!(allow_doc.findings[0].message.contains("DateLessThanish"));
        assert!(
            !allow_doc.allows(&req("s3:GetObject", "*")),
            "an unknown operator grants nothing"
        );
        let deny_doc = with_condition("Deny", unknown);
        let everything = allow("*", "*");
        assert_eq!(
            kind(&evaluate(
                &[&everything, &deny_doc],
                &req("s3:GetObject", "*")
            )),
            "deny"
        );
        assert_eq!(
            kind(&evaluate(
                &[&everything, &deny_doc],
                &req("s3:PutObject", "*")
            )),
            "allow"
        );

        let bad = doc(json!({"Statement": [
            {"Effect": "allow", "Action": "*", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}));
        assert_eq!(bad.findings.len(), 1);
        assert_eq!(bad.findings[0].statement, Some(0));
        assert!(!bad.allows(&req("s3:PutObject", "*")));
        assert!(bad.allows(&req("s3:GetObject", "*")));
    }

    #[test]
    fn damaged_statements_stay_on_the_safe_side() {
        let d = doc(json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Conditon": {}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}));
        assert!(!d.allows(&req("s3:PutObject", "*")));
        assert!(d.allows(&req("s3:GetObject", "*")));
        let d = doc(json!({"Statement": [
            {"Effect": "Deny", "Resource": "arn:aws:s3:::b"},
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}));
        assert_eq!(kind(&d.evaluate(&req("ec2:RunInstances", "*"))), "deny");
    }

    #[test]
    fn policy_variables() {
        let statement = json!({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"});
        let d = doc(json!({"Version": "2012-10-17", "Statement": statement.clone()}));
        let r = req("s3:GetObject", "arn:aws:s3:::home/alice/k");
        assert!(d.allows(&r.clone().with_context("aws:username", ["alice"])));
        assert!(!d.allows(&r.clone().with_context("aws:username", ["bob"])));
        assert!(!d.allows(&r), "no value: the pattern cannot match");
        assert!(
            !d.allows(&r.clone().with_context("aws:username", ["alice", "bob"])),
            "multi-valued"
        );
        // Version 2008-10-17 (or none): the variable is literal text.
        let old = doc(json!({"Version": "2008-10-17", "Statement": statement}));
        assert!(!old.allows(&r.clone().with_context("aws:username", ["alice"])));
        assert!(old.allows(&req("s3:GetObject", "arn:aws:s3:::home/${aws:username}/k")));
        // In a NotResource list, an unresolved variable makes the statement not apply.
        let deny = doc(
            json!({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "s3:*",
            "NotResource": "arn:aws:s3:::home/${aws:username}/*"}}),
        );
        assert_eq!(
            kind(&deny.evaluate(&req("s3:GetObject", "arn:aws:s3:::other"))),
            "implicit"
        );
        let r = req("s3:GetObject", "arn:aws:s3:::other").with_context("aws:username", ["alice"]);
        assert_eq!(kind(&deny.evaluate(&r)), "deny");
    }

    #[test]
    fn numeric_conditions() {
        let d = with_condition(
            "Allow",
            json!({"NumericLessThanEquals": {"s3:max-keys": "10"}}),
        );
        let r = req("s3:GetObject", "*");
        assert!(d.allows(&r.clone().with_context("s3:max-keys", ["10"])));
        assert!(!d.allows(&r.clone().with_context("s3:max-keys", ["11"])));
        assert!(!d.allows(&r));
    }

    #[test]
    fn all_conditions_must_hold() {
        let d = with_condition(
            "Allow",
            json!({"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-west-2"], "aws:PrincipalTag/team": "g"},
                   "Bool": {"aws:SecureTransport": "true"}}),
        );
        let r = req("s3:GetObject", "*")
            .with_context("aws:RequestedRegion", ["eu-west-2"])
            .with_context("aws:PrincipalTag/team", ["g"]);
        assert!(!d.allows(&r));
        let r = r.with_context("aws:SecureTransport", ["true"]);
        assert!(d.allows(&r));
        assert!(!d.allows(&r.with_context("aws:RequestedRegion", ["us-east-1"])));
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;
        use crate::iam::condition::Condition;
        use crate::iam::policy::{Match, VERSION_2012_10_17};

        const ACTIONS: [&str; 6] = [
            "s3:GetObject",
            "s3:Put*",
            "ec2:*",
            "*",
            "s3:get?bject",
            "iam:PassRole",
        ];
        const RESOURCES: [&str; 6] = [
            "arn:aws:s3:::b1",
            "arn:aws:s3:::b1/*",
            "*",
            "arn:aws:s3:::b?",
            "arn:aws:s3:::${aws:username}/*",
            "arn:aws:s3:::B1",
        ];
        const REQUEST_ACTIONS: [&str; 5] = [
            "s3:GetObject",
            "s3:PutObject",
            "S3:getobject",
            "ec2:RunInstances",
            "iam:PassRole",
        ];
        const REQUEST_RESOURCES: [&str; 6] = [
            "arn:aws:s3:::b1",
            "arn:aws:s3:::b1/k",
            "arn:aws:s3:::b2",
            "arn:aws:s3:::alice/k",
            "arn:aws:s3:::B1",
            "*",
        ];
        const CONDITIONS: [(&str, &str, &[&str]); 8] = [
            ("StringEquals", "aws:username", &["alice"]),
            ("StringNotEquals", "aws:username", &["alice", "bob"]),
            ("StringLikeIfExists", "aws:username", &["a*"]),
            ("Bool", "aws:SecureTransport", &["true"]),
            ("Null", "aws:username", &["true"]),
            ("ForAnyValue:StringEquals", "aws:TagKeys", &["k1"]),
            ("ForAllValues:StringLike", "aws:TagKeys", &["k*"]),
            ("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/x-*"]),
        ];

        fn strings(items: &[&str]) -> Vec<String> {
            items.iter().map(|s| s.to_string()).collect()
        }

        fn patterns(alphabet: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
            proptest::sample::subsequence(alphabet.to_vec(), 1..=3).prop_map(|p| strings(&p))
        }

        fn a_match(alphabet: &'static [&'static str]) -> impl Strategy<Value = Match> {
            (patterns(alphabet), proptest::bool::weighted(0.2)).prop_map(|(p, except)| {
                if except {
                    Match::Except(p)
                } else {
                    Match::Listed(p)
                }
            })
        }

        fn statement() -> impl Strategy<Value = Statement> {
            // Distinct conditions: a block holds each operator × key once.
            let conditions =
                proptest::sample::subsequence((0..CONDITIONS.len()).collect::<Vec<_>>(), 0..=2)
                    .prop_map(|picked| {
                        let make = |i: usize| {
                            let (op, key, values) = CONDITIONS[i];
                            Condition::new(op, key, strings(values))
                        };
                        picked.into_iter().map(make).collect::<Vec<_>>()
                    });
            (
                proptest::bool::weighted(0.7),
                a_match(&ACTIONS),
                a_match(&RESOURCES),
                conditions,
            )
                .prop_map(|(is_allow, actions, resources, conditions)| Statement {
                    resources: Some(resources),
                    conditions,
                    ..Statement::new(
                        if is_allow {
                            Effect::Allow
                        } else {
                            Effect::Deny
                        },
                        actions,
                    )
                })
        }

        fn document() -> impl Strategy<Value = Document> {
            proptest::collection::vec(statement(), 1..=4).prop_map(|statements| Document {
                version: Some(VERSION_2012_10_17.to_string()),
                statements,
                ..Document::default()
            })
        }

        /// A document whose statements (some of them) have a twin that
        /// differs only in its actions, so that merging has work to do.
        fn document_with_twins() -> impl Strategy<Value = Document> {
            let twins = proptest::collection::vec(proptest::option::of(patterns(&ACTIONS)), 4);
            (document(), twins).prop_map(|(mut doc, twins)| {
                let twins: Vec<Statement> = (doc.statements.iter().zip(twins))
                    .filter_map(|(st, actions)| {
                        Some(Statement {
                            actions: Match::Listed(actions?),
                            ..st.clone()
                        })
                    })
                    .collect();
                doc.statements.extend(twins);
                doc
            })
        }

        fn request() -> impl Strategy<Value = Request> {
            let username =
                proptest::option::of(proptest::sample::select(vec!["alice", "bob", "carol"]));
            let secure = proptest::option::of(proptest::sample::select(vec!["true", "false"]));
            let tags =
                proptest::option::of(proptest::sample::subsequence(vec!["k1", "k2", "x"], 0..=3));
            let principal_arn = proptest::option::of(proptest::sample::select(vec![
                "arn:aws:iam::123456789012:role/x-a",
                "arn:aws:iam::123456789012:role/y-a",
            ]));
            (
                proptest::sample::select(REQUEST_ACTIONS.to_vec()),
                proptest::sample::select(REQUEST_RESOURCES.to_vec()),
                username,
                secure,
                tags,
                principal_arn,
            )
                .prop_map(
                    |(action, resource, username, secure, tags, principal_arn)| {
                        let mut r = Request::new(action, resource);
                        let singles = [
                            ("aws:username", username),
                            ("aws:SecureTransport", secure),
                            ("aws:PrincipalArn", principal_arn),
                        ];
                        for (key, value) in singles {
                            if let Some(value) = value {
                                r = r.with_context(key, [value]);
                            }
                        }
                        if let Some(tags) = tags {
                            r = r.with_context("aws:TagKeys", tags);
                        }
                        r
                    },
                )
        }

        /// The kind of decision (which statement decided may differ).
        fn outcome(docs: &[Document], request: &Request) -> &'static str {
            let refs: Vec<&Document> = docs.iter().collect();
            super::kind(&evaluate(&refs, request))
        }

        /// One statement per action × resource (Action/Resource statements only).
        fn split(doc: &Document) -> Document {
            let mut statements = Vec::new();
            for st in &doc.statements {
                match (&st.actions, &st.resources) {
                    (Match::Listed(actions), Some(Match::Listed(resources))) => {
                        for action in actions {
                            for resource in resources {
                                statements.push(Statement {
                                    actions: Match::Listed(vec![action.clone()]),
                                    resources: Some(Match::Listed(vec![resource.clone()])),
                                    ..st.clone()
                                });
                            }
                        }
                    }
                    _ => statements.push(st.clone()),
                }
            }
            Document {
                statements,
                ..doc.clone()
            }
        }

        /// Merges Action statements that differ only in their actions.
        fn merge(doc: &Document) -> Document {
            let mut statements: Vec<Statement> = Vec::new();
            for st in &doc.statements {
                let same = |other: &Statement| {
                    !other.actions.is_except()
                        && !st.actions.is_except()
                        && other.effect == st.effect
                        && other.resources == st.resources
                        && other.conditions == st.conditions
                        && other.principal == st.principal
                };
                match (statements.iter_mut().find(|other| same(other)), &st.actions) {
                    (
                        Some(Statement {
                            actions: Match::Listed(into),
                            ..
                        }),
                        Match::Listed(more),
                    ) => {
                        into.extend(more.iter().cloned());
                    }
                    _ => statements.push(st.clone()),
                }
            }
            Document {
                statements,
                ..doc.clone()
            }
        }

        proptest! {
            #[test]
            fn round_trip_keeps_decisions(docs in proptest::collection::vec(document(), 1..=2), r in request()) {
                let again: Vec<Document> = docs.iter().map(|d| Document::parse(&d.to_value())).collect();
                prop_assert_eq!(&again, &docs);
                prop_assert_eq!(outcome(&again, &r), outcome(&docs, &r));
            }

            #[test]
            fn splitting_keeps_decisions(docs in proptest::collection::vec(document(), 1..=2), r in request()) {
                let split: Vec<Document> = docs.iter().map(split).collect();
                prop_assert_eq!(outcome(&split, &r), outcome(&docs, &r));
            }

            #[test]
            fn merging_keeps_decisions(docs in proptest::collection::vec(document_with_twins(), 1..=2), r in request()) {
                let merged: Vec<Document> = docs.iter().map(merge).collect();
                prop_assert!(merged.iter().zip(&docs).all(|(m, d)| m.statements.len() <= d.statements.len()));
                prop_assert_eq!(outcome(&merged, &r), outcome(&docs, &r));
            }
        }
    }
}
