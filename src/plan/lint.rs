//! Checks a plan against IAM's limits, policy grammar and known pitfalls.
//!
//! Lint reads the plan as it stands, so it also judges documents a person
//! edited in the wizard. Errors block apply; warnings and notes are shown.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::{InstanceProfileSpec, Plan, Resource, RoleSpec, Spec};
use crate::iam::arn::Arn;
use crate::iam::limits::{self, Quotas, thousands};
use crate::iam::names::EntityKind;
use crate::iam::policy::{Document, Principals, string_or_list};
use crate::iam::rules;
use crate::templates::visit_strings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        })
    }
}

/// One finding about one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    /// Stable identifier of the check, e.g. `policy-size`.
    pub code: &'static str,
    /// The resource's name (or `kind name` when it is ambiguous).
    pub resource: String,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {}: {}",
            self.level, self.code, self.resource, self.message
        )
    }
}

/// Whether any finding blocks apply.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.level == Level::Error)
}

/// The kind of a policy document, for grammar and size rules (and for
/// Access Analyzer, which validates each kind by its own rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocumentKind {
    /// A managed or inline (identity-based) policy: no Principal, needs Resource.
    Identity,
    /// A role trust policy: needs Principal, no Resource.
    Trust,
}

impl DocumentKind {
    /// The kind of a document of [`crate::plan::Resource::documents`] by its
    /// label: a role's `trust_policy`, else a policy.
    pub fn of_label(label: &str) -> DocumentKind {
        if label == "trust_policy" {
            DocumentKind::Trust
        } else {
            DocumentKind::Identity
        }
    }
}

/// All findings for a plan against IAM's default quotas, errors first,
/// then in plan order.
pub fn lint(plan: &Plan) -> Vec<Finding> {
    lint_with(plan, &Quotas::default())
}

/// All findings for a plan against `quotas` (an account's own, read with
/// `GetAccountSummary`, or the defaults); the size and count messages say
/// which they are.
pub fn lint_with(plan: &Plan, quotas: &Quotas) -> Vec<Finding> {
    let mut out = Vec::new();
    let known: BTreeSet<_> = plan.resources.iter().map(Resource::id).collect();
    let plan_policy_arns: BTreeMap<&str, &Resource> = plan
        .resources
        .iter()
        .filter(|r| r.kind() == EntityKind::ManagedPolicy)
        .map(|r| (r.arn.as_str(), r))
        .collect();
    let partition = plan.target.partition.as_str();

    let mut seen = BTreeSet::new();
    let mut boundaries_noted = BTreeSet::new();
    for r in &plan.resources {
        let mut add = |level, code, message: String| {
            out.push(Finding {
                level,
                code,
                resource: r.name.clone(),
                message,
            })
        };
        let kind = r.kind();
        if !seen.insert((kind, r.name.to_lowercase())) {
            add(
                Level::Error,
                "duplicate-name",
                format!(
                    "another {} has this name (IAM names are case-insensitive)",
                    kind.noun()
                ),
            );
        }
        if let Err(why) = rules::iam_name(
            &r.name,
            &format!("{} name", kind.noun()),
            kind.max_name_len(),
        ) {
            add(Level::Error, "name", why);
        }
        if let Err(why) = rules::iam_path(&r.path) {
            add(Level::Error, "path", why);
        }
        for dep in &r.depends_on {
            if !known.contains(dep) {
                add(
                    Level::Error,
                    "dependency",
                    format!(
                        "depends on {} `{}`, which is not in the plan",
                        dep.kind.noun(),
                        dep.name
                    ),
                );
            }
        }
        for (label, doc) in r.documents() {
            for (level, code, message) in
                check_document(doc, DocumentKind::of_label(&label), partition)
            {
                add(level, code, format!("{label}: {message}"));
            }
        }
        match &r.spec {
            Spec::ManagedPolicy(policy) => {
                let size = limits::policy_size(&policy.document);
                if size > quotas.managed_policy_size {
                    add(
                        Level::Error,
                        "policy-size",
                        format!(
                            "the document is {} characters without whitespace; {}",
                            thousands(size),
                            quotas.describe("a managed policy", quotas.managed_policy_size)
                        ),
                    );
                }
            }
            Spec::Role(role) => {
                let size = limits::policy_size(&role.trust_policy);
                if size > quotas.trust_policy_size {
                    add(
                        Level::Error,
                        "trust-policy-size",
                        format!(
                            "the trust policy is {} characters without whitespace; {}",
                            thousands(size),
                            quotas.describe("a role trust policy", quotas.trust_policy_size)
                        ),
                    );
                }
                let inline = role.inline_size();
                if inline > quotas.inline_policies_per_role_size {
                    add(
                        Level::Error,
                        "inline-policy-size",
                        format!(
                            "the inline policies total {} characters without whitespace; {}",
                            thousands(inline),
                            quotas.describe(
                                "the inline policies of one role",
                                quotas.inline_policies_per_role_size
                            )
                        ),
                    );
                }
                if role.managed_policy_arns.len() > quotas.attached_policies_per_role {
                    add(
                        Level::Error,
                        "attached-policies",
                        format!(
                            "{} managed policies would be attached; {} (\"Managed policies per role\", which can be raised to 20). Choose fewer buckets or extra policies.",
                            role.managed_policy_arns.len(),
                            quotas.describe(
                                "managed policies per role",
                                quotas.attached_policies_per_role
                            )
                        ),
                    );
                }
                for arn in &role.managed_policy_arns {
                    let Ok(parsed) = arn.parse::<Arn>() else {
                        continue;
                    };
                    if parsed.service == "iam"
                        && parsed.account == plan.target.account_id
                        && !plan_policy_arns.contains_key(arn.as_str())
                    {
                        add(
                            Level::Note,
                            "external-policy",
                            format!(
                                "attaches `{arn}`, which this plan does not create: it must already exist"
                            ),
                        );
                    }
                }
                if let Some(boundary) = &role.permissions_boundary
                    && !plan_policy_arns.contains_key(boundary.as_str())
                    && !boundary
                        .parse::<Arn>()
                        .is_ok_and(|b| b.is_aws_managed_policy())
                    && boundaries_noted.insert(boundary.clone())
                {
                    add(
                        Level::Note,
                        "external-policy",
                        format!(
                            "the permissions boundary `{boundary}` is not created by this plan: it must already exist"
                        ),
                    );
                }
                check_role_pitfalls(r, role, plan, &mut add);
            }
            // AWS names it and writes its documents: nothing of onramp's to check.
            Spec::ServiceLinkedRole(_) => {}
            Spec::InstanceProfile(InstanceProfileSpec { roles }) => {
                if roles.len() != 1 {
                    add(
                        Level::Error,
                        "instance-profile-roles",
                        format!(
                            "holds {} roles; an instance profile holds exactly one",
                            roles.len()
                        ),
                    );
                }
                for role in roles {
                    if plan.get(EntityKind::Role, role).is_none() {
                        add(
                            Level::Error,
                            "dependency",
                            format!("holds role `{role}`, which is not in the plan"),
                        );
                    }
                }
            }
        }
    }
    out.extend(super::edits::findings(&plan.edits));
    out.extend(
        plan.existing
            .problems(&plan.resources)
            .into_iter()
            .map(|(field, message)| Finding {
                level: Level::Error,
                code: "existing-choice",
                resource: field.to_owned(),
                message,
            }),
    );
    out.sort_by_key(|f| f.level);
    out
}

fn check_role_pitfalls(
    r: &Resource,
    role: &RoleSpec,
    plan: &Plan,
    add: &mut impl FnMut(Level, &'static str, String),
) {
    let services = trusted_services(&role.trust_policy);
    let arns = &role.managed_policy_arns;
    if arns
        .iter()
        .any(|a| a.ends_with("/AmazonEC2SpotFleetTaggingRole"))
        && !services.contains("spotfleet.amazonaws.com")
    {
        add(Level::Error, "spot-fleet-trust", "has AmazonEC2SpotFleetTaggingRole but does not trust spotfleet.amazonaws.com, so Spot Fleet cannot use it".into());
    }
    if arns.iter().any(|a| a.ends_with("/AmazonEC2SpotFleetRole")) {
        add(Level::Warning, "spot-fleet-deprecated", "AmazonEC2SpotFleetRole is deprecated and cannot tag instances; use service-role/AmazonEC2SpotFleetTaggingRole".into());
    }
    if services.contains("ec2.amazonaws.com")
        && !plan
            .resources
            .iter()
            .any(|p| matches!(&p.spec, Spec::InstanceProfile(p) if p.roles.contains(&r.name)))
    {
        add(Level::Warning, "missing-instance-profile", "is trusted by EC2 but no instance profile holds it; EC2 instances can only use a role through an instance profile".into());
    }
    let region = &plan.target.region;
    if services.contains(super::omics::SERVICE) && !super::omics::offered_in(region) {
        add(
            Level::Warning,
            "omics-region",
            format!(
                "is for AWS HealthOmics, which AWS does not list for {region}: its endpoints page ({}) lists {}; the role can be created, but no run in {region} can use it",
                super::omics::REGIONS_SOURCE,
                super::omics::REGIONS.join(", ")
            ),
        );
    }
}

/// The services a trust policy lets assume the role (`ec2.amazonaws.com`, …):
/// the `Service` principals of its `Allow` statements, as IAM reads them.
pub fn trusted_services(trust: &Value) -> BTreeSet<String> {
    Document::parse(trust)
        .statements
        .iter()
        .filter(|s| s.is_allow())
        .filter_map(|s| s.principal.as_ref())
        .filter(|p| !p.negated)
        .filter_map(|p| match &p.principals {
            Principals::Typed(by_kind) => by_kind.get("Service"),
            Principals::Any => None,
        })
        .flatten()
        .cloned()
        .collect()
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

/// A string or a list of strings; anything else (which the grammar check
/// reports) as nothing.
fn strings(v: &Value) -> Vec<String> {
    string_or_list(v).unwrap_or_default()
}

/// Grammar, placeholder and wildcard checks of one document. Used for the
/// plan and, later, for documents edited by hand.
pub fn check_document(
    doc: &Value,
    kind: DocumentKind,
    partition: &str,
) -> Vec<(Level, &'static str, String)> {
    let mut out = Vec::new();
    let Some(top) = doc.as_object() else {
        out.push((
            Level::Error,
            "policy-grammar",
            "a policy document must be a JSON object".into(),
        ));
        return out;
    };
    for key in top.keys() {
        if !["Version", "Id", "Statement"].contains(&key.as_str()) {
            out.push((
                Level::Error,
                "policy-grammar",
                format!("unknown top-level key `{key}`; allowed are Version, Id and Statement"),
            ));
        }
    }
    match top.get("Version").and_then(Value::as_str) {
        Some("2012-10-17") => {}
        Some(other) => out.push((
            Level::Warning,
            "policy-version",
            format!(
                "Version is `{other}`; use `2012-10-17`, without which policy variables do not work"
            ),
        )),
        None => out.push((
            Level::Warning,
            "policy-version",
            "no Version; add `\"Version\": \"2012-10-17\"`".into(),
        )),
    }
    let list = statements(doc);
    if list.is_empty() {
        out.push((
            Level::Error,
            "policy-grammar",
            "no Statement: a policy needs at least one".into(),
        ));
    }
    let mut wildcard_resource = 0;
    for (i, st) in list.iter().enumerate() {
        let label = st.get("Sid").and_then(Value::as_str).map_or_else(
            || format!("statement {}", i + 1),
            |s| format!("statement {s}"),
        );
        let Some(obj) = st.as_object() else {
            out.push((
                Level::Error,
                "policy-grammar",
                format!("{label} is not a JSON object"),
            ));
            continue;
        };
        match obj.get("Effect").and_then(Value::as_str) {
            Some("Allow" | "Deny") => {}
            _ => out.push((
                Level::Error,
                "policy-grammar",
                format!("{label}: Effect must be \"Allow\" or \"Deny\""),
            )),
        }
        if obj.contains_key("Action") == obj.contains_key("NotAction") {
            out.push((
                Level::Error,
                "policy-grammar",
                format!("{label}: needs exactly one of Action or NotAction"),
            ));
        }
        let has_principal = obj.contains_key("Principal") || obj.contains_key("NotPrincipal");
        let has_resource = obj.contains_key("Resource") || obj.contains_key("NotResource");
        match kind {
            DocumentKind::Identity => {
                if has_principal {
                    out.push((Level::Error, "policy-grammar", format!("{label}: Principal belongs in trust and resource policies, not in an identity policy")));
                }
                if !has_resource {
                    out.push((
                        Level::Error,
                        "policy-grammar",
                        format!("{label}: needs Resource or NotResource"),
                    ));
                }
            }
            DocumentKind::Trust => {
                if !has_principal {
                    out.push((
                        Level::Error,
                        "policy-grammar",
                        format!("{label}: a trust policy statement needs a Principal"),
                    ));
                }
                if has_resource {
                    out.push((
                        Level::Error,
                        "policy-grammar",
                        format!("{label}: a trust policy has no Resource"),
                    ));
                }
            }
        }
        let actions = obj.get("Action").map(strings).unwrap_or_default();
        let resources = obj.get("Resource").map(strings).unwrap_or_default();
        let allow = obj.get("Effect").and_then(Value::as_str) == Some("Allow");
        for a in &actions {
            if *a != "*" && !a.contains(':') {
                out.push((
                    Level::Error,
                    "policy-grammar",
                    format!("{label}: action `{a}` has no service prefix (like `s3:GetObject`)"),
                ));
            }
        }
        if allow && kind == DocumentKind::Identity && resources.iter().any(|r| r == "*") {
            wildcard_resource += 1;
            for a in &actions {
                if *a == "*" || a.ends_with(":*") {
                    out.push((
                        Level::Warning,
                        "wildcard-action",
                        format!("{label}: allows `{a}` on every resource"),
                    ));
                }
            }
        }
    }
    if wildcard_resource > 0 {
        out.push((
            Level::Note,
            "wildcard-resource",
            format!(
                "{wildcard_resource} {} to every resource (`\"Resource\": \"*\"`)",
                if wildcard_resource == 1 {
                    "statement applies"
                } else {
                    "statements apply"
                }
            ),
        ));
    }
    let mut leftovers = BTreeSet::new();
    visit_strings(doc, &mut |s| {
        if let Some(p) = placeholder_in(s) {
            leftovers.insert(p);
        }
        if let Some(rest) = s.strip_prefix("arn:")
            && let Some(arn_partition) = rest.split(':').next()
            && arn_partition != partition
            && arn_partition != "*"
        {
            leftovers.insert(format!(
                "partition `{arn_partition}` in `{s}` (expected `{partition}`)"
            ));
        }
    });
    for p in leftovers {
        if p.starts_with("partition") {
            out.push((Level::Error, "partition", format!("an ARN has {p}")));
        } else {
            out.push((
                Level::Error,
                "placeholder",
                format!("`{p}` is a placeholder that was never filled in"),
            ));
        }
    }
    out
}

/// A `{{name}}` or `<NAME>`-style placeholder in a string, if any.
pub fn placeholder_in(s: &str) -> Option<String> {
    if let Some(start) = s.find("{{") {
        let end = s[start..].find("}}").map_or(s.len(), |e| start + e + 2);
        return Some(s[start..end].to_owned());
    }
    let start = s.find('<')?;
    let end = s[start..].find('>')? + start;
    Some(s[start..=end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_are_found() {
        assert_eq!(
            placeholder_in("arn:aws:sqs:<REGION>:1:x"),
            Some("<REGION>".into())
        );
        assert_eq!(placeholder_in("x{{region}}y"), Some("{{region}}".into()));
        assert_eq!(placeholder_in("arn:aws:s3:::bucket/*"), None);
    }

    #[test]
    fn grammar_errors_are_reported() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "GetObject"}]});
        let codes: Vec<_> = check_document(&doc, DocumentKind::Identity, "aws")
            .into_iter()
            .map(|f| f.2)
            .collect();
        assert!(codes.iter().any(|m| m.contains("Effect")), "{codes:?}");
        assert!(codes.iter().any(|m| m.contains("Resource")), "{codes:?}");
        assert!(
            codes.iter().any(|m| m.contains("service prefix")),
            "{codes:?}"
        );
    }

    #[test]
    fn wrong_partition_is_an_error() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}]});
        let found = check_document(&doc, DocumentKind::Identity, "aws-cn");
        assert!(found.iter().any(|f| f.1 == "partition"), "{found:?}");
    }

    fn genomics() -> Plan {
        crate::plan::plan_of_valid_toml(
            "region = \"us-east-1\"\naccount_id = \"123456789012\"\n[genomics]\nbuckets = [\"b-data\"]\n",
        )
    }

    fn size_of(plan: &Plan, name: &str) -> usize {
        plan.resources
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.documents().into_iter().next())
            .map(|(_, d)| limits::policy_size(d))
            .unwrap_or_default()
    }

    #[test]
    fn an_accounts_lower_quota_is_checked_and_named() {
        let plan = genomics();
        let size = size_of(&plan, "s3bucket-access-us-east-1");
        assert!(size > 100, "{size}");
        assert!(!has_errors(&lint(&plan)), "{:?}", lint(&plan));
        let quotas = Quotas {
            managed_policy_size: size - 1,
            source: limits::QuotaSource::Account,
            ..Quotas::default()
        };
        let findings = lint_with(&plan, &quotas);
        let f = findings
            .iter()
            .find(|f| f.code == "policy-size")
            .unwrap_or_else(|| unreachable!("{findings:?}"));
        assert_eq!(f.level, Level::Error);
        assert_eq!(f.resource, "s3bucket-access-us-east-1");
        assert_eq!(
            f.message,
            format!(
                "the document is {} characters without whitespace; this account's quota for a managed policy is {} (GetAccountSummary)",
                thousands(size),
                thousands(size - 1)
            )
        );
        // The same number as IAM's default is said to be the default.
        let defaults = Quotas {
            source: limits::QuotaSource::Defaults,
            ..quotas
        };
        let f = lint_with(&plan, &defaults)
            .into_iter()
            .find(|f| f.code == "policy-size")
            .unwrap_or_else(|| unreachable!());
        assert!(
            f.message.ends_with(&format!(
                "IAM's default quota for a managed policy is {}",
                thousands(size - 1)
            )),
            "{}",
            f.message
        );
    }

    #[test]
    fn every_quota_of_a_role_is_checked_against_the_accounts() {
        let plan = genomics();
        let quotas = Quotas {
            trust_policy_size: 10,
            attached_policies_per_role: 1,
            source: limits::QuotaSource::Account,
            ..Quotas::default()
        };
        let findings = lint_with(&plan, &quotas);
        let trust = findings
            .iter()
            .find(|f| f.code == "trust-policy-size")
            .unwrap_or_else(|| unreachable!("{findings:?}"));
        assert!(
            trust.message.ends_with(
                "this account's quota for a role trust policy is 10 (GetAccountSummary)"
            ),
            "{}",
            trust.message
        );
        let attached = findings
            .iter()
            .find(|f| f.code == "attached-policies")
            .unwrap_or_else(|| unreachable!("{findings:?}"));
        assert!(
            attached.message.contains(
                "this account's quota for managed policies per role is 1 (GetAccountSummary)"
            ),
            "{}",
            attached.message
        );
        // A raised quota lets through what the default would not.
        let raised = Quotas {
            attached_policies_per_role: 20,
            source: limits::QuotaSource::Account,
            ..Quotas::default()
        };
        assert!(!has_errors(&lint_with(&plan, &raised)));
    }

    #[test]
    fn trust_policy_needs_principal() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]});
        let found = check_document(&doc, DocumentKind::Trust, "aws");
        assert!(found.iter().any(|f| f.2.contains("Principal")), "{found:?}");
    }
}
