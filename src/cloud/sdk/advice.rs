//! Advice from AWS that onramp can go on without: the policy simulator
//! (`SimulatePrincipalPolicy`, for the preflight), the account's IAM quotas
//! (`GetAccountSummary`) and IAM Access Analyzer's `ValidatePolicy`.
//!
//! Each is tried at most [`ADVICE_ATTEMPTS`] times per page (a simulation
//! [`SIMULATION_ATTEMPTS`] times), and a failure
//! from an endpoint that does not offer the call (moto has no Access
//! Analyzer and no simulator) is told in one short sentence.

use crate::iam::action::Action;
use std::error::Error as StdError;

use aws_config::retry::RetryConfig;
use aws_sdk_accessanalyzer::types::{
    PathElement, PolicyType, ValidatePolicyFinding, ValidatePolicyFindingType,
    ValidatePolicyResourceType,
};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::{EvaluationResult, PolicyEvaluationDecisionType};
use aws_smithy_runtime_api::http::Response;

use super::SdkCloud;
use super::error::{Service, missing};
use crate::cloud::{
    AnalyzerFinding, AnalyzerLevel, CloudError, CloudResult, ContextEntry, Decision, ErrorKind,
    PolicyKind, Quotas, SimulationResult,
};

/// Tries of `GetAccountSummary` and of each `ValidatePolicy` page: both are
/// optional (onramp goes on without them), so a failure should cost a
/// second, not the SDK's five back-offs.
const ADVICE_ATTEMPTS: u32 = 2;

/// Tries of each `SimulatePrincipalPolicy` page: one. The preflight runs
/// beside the first reads of an apply and only warns, so a retry's
/// back-off (a second or more, against an endpoint without a simulator)
/// would be the apply's longest wait for nothing; a simulator that fails
/// once makes the preflight say it could not check.
const SIMULATION_ATTEMPTS: u32 = 1;

/// Pages of one `ValidatePolicy` before giving up: a policy has a handful
/// of findings at most.
const MAX_VALIDATION_PAGES: usize = 20;

/// Pages of one simulation before giving up: a handful of actions on a
/// handful of resources fits in one or two (IAM's default page is 100).
const MAX_SIMULATION_PAGES: usize = 50;

impl SdkCloud {
    /// The clients' own retry settings (their back-off), with `attempts`.
    fn retries_of(&self, attempts: u32) -> RetryConfig {
        self.iam
            .config()
            .retry_config()
            .cloned()
            .unwrap_or_else(RetryConfig::standard)
            .with_max_attempts(attempts)
    }

    /// A failed optional call, told briefly: an endpoint that does not
    /// offer it would otherwise be reported with the whole raw response.
    /// `unoffered` follows "ENDPOINT answered HTTP STATUS" in that case;
    /// any other failure is told as for every call.
    fn advice_error<E>(
        &self,
        action: Action,
        resource: &str,
        unoffered: &str,
        err: SdkError<E, Response>,
    ) -> CloudError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        if let SdkError::ServiceError(failure) = &err
            && failure.err().code().is_none()
            && failure.err().message().is_none()
        {
            return CloudError::new(
                action,
                ErrorKind::Other,
                format!(
                    "{} answered HTTP {} {unoffered}",
                    self.endpoint_of(Service::of(action)),
                    failure.raw().status().as_u16()
                ),
            );
        }
        self.error(action, resource, err)
    }
}

pub(super) async fn account_quotas(cloud: &SdkCloud) -> CloudResult<Quotas> {
    const ACTION: Action = Action::GetAccountSummary;
    let out = cloud
        .iam
        .get_account_summary()
        .customize()
        .config_override(
            aws_sdk_iam::config::Builder::default().retry_config(cloud.retries_of(ADVICE_ATTEMPTS)),
        )
        .send()
        .await
        .map_err(|e| {
            cloud.advice_error(
                ACTION,
                "the account's quotas",
                &format!("without an error code: it may not offer {ACTION}"),
                e,
            )
        })?;
    let summary = out
        .summary_map()
        .ok_or_else(|| missing(ACTION, "SummaryMap"))?;
    Ok(Quotas::from_summary(
        summary.iter().map(|(k, v)| (k.as_str(), i64::from(*v))),
    ))
}

/// Pages by hand (`nextToken`), each page tried at most
/// [`ADVICE_ATTEMPTS`] times: the validation is advice.
pub(super) async fn validate_policy(
    cloud: &SdkCloud,
    document: &str,
    kind: PolicyKind,
) -> CloudResult<Vec<AnalyzerFinding>> {
    const ACTION: Action = Action::ValidatePolicy;
    let (policy_type, resource_type) = match kind {
        PolicyKind::Identity => (PolicyType::IdentityPolicy, None),
        // A role's trust policy is a resource policy on the role.
        PolicyKind::Trust => (
            PolicyType::ResourcePolicy,
            Some(ValidatePolicyResourceType::RoleTrust),
        ),
    };
    let mut findings = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_VALIDATION_PAGES {
        let out = cloud
            .analyzer
            .validate_policy()
            .policy_document(document)
            .policy_type(policy_type.clone())
            .set_validate_policy_resource_type(resource_type.clone())
            .set_next_token(token.take())
            .customize()
            .config_override(
                aws_sdk_accessanalyzer::config::Builder::default()
                    .retry_config(cloud.retries_of(ADVICE_ATTEMPTS)),
            )
            .send()
            .await
            .map_err(|e| {
                cloud.advice_error(
                    ACTION,
                    "the policy document",
                    &format!("without an error code: it may not offer {ACTION}"),
                    e,
                )
            })?;
        findings.extend(out.findings().iter().map(analyzer_finding));
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(findings),
        }
    }
    Err(CloudError::new(
        ACTION,
        ErrorKind::Other,
        format!("still more findings after {MAX_VALIDATION_PAGES} pages"),
    ))
}

/// Pages by hand (`Marker` while `IsTruncated`) rather than with the
/// SDK's paginator, which takes no per-call configuration: each page
/// is tried [`SIMULATION_ATTEMPTS`] times.
pub(super) async fn simulate_principal_policy(
    cloud: &SdkCloud,
    source_arn: &str,
    actions: &[String],
    resources: &[String],
    context: &[ContextEntry],
) -> CloudResult<Vec<SimulationResult>> {
    const ACTION: Action = Action::SimulatePrincipalPolicy;
    let entries: Vec<aws_sdk_iam::types::ContextEntry> = context
        .iter()
        .map(|c| {
            aws_sdk_iam::types::ContextEntry::builder()
                .context_key_name(&c.key)
                .set_context_key_values(Some(c.values.clone()))
                .context_key_type(aws_sdk_iam::types::ContextKeyTypeEnum::String)
                .build()
        })
        .collect();
    let resource = format!("the policies of `{source_arn}`");
    let mut results: Vec<SimulationResult> = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..MAX_SIMULATION_PAGES {
        let request = cloud
            .iam
            .simulate_principal_policy()
            .policy_source_arn(source_arn)
            .set_action_names(Some(actions.to_vec()))
            .set_resource_arns((!resources.is_empty()).then(|| resources.to_vec()))
            .set_context_entries((!entries.is_empty()).then(|| entries.clone()))
            .set_marker(marker.take());
        let out = request
            .customize()
            .config_override(
                aws_sdk_iam::config::Builder::default()
                    .retry_config(cloud.retries_of(SIMULATION_ATTEMPTS)),
            )
            .send()
            .await
            .map_err(|e| {
                // Shown on the welcome screen: an endpoint without a
                // simulator (moto answers HTTP 500 with an HTML page).
                cloud.advice_error(
                    ACTION,
                    &resource,
                    "without an IAM error: it may have no policy simulator",
                    e,
                )
            })?;
        for result in out.evaluation_results() {
            for one in simulation_results(result) {
                if !results
                    .iter()
                    .any(|r| r.action == one.action && r.resource == one.resource)
                {
                    results.push(one);
                }
            }
        }
        match out.marker() {
            Some(next) if out.is_truncated() && !next.is_empty() => {
                marker = Some(next.to_owned());
            }
            _ => return Ok(results),
        }
    }
    Err(CloudError::new(
        ACTION,
        ErrorKind::Other,
        format!("{resource}: still more results after {MAX_SIMULATION_PAGES} pages"),
    ))
}

/// An Access Analyzer finding in onramp's terms.
fn analyzer_finding(f: &ValidatePolicyFinding) -> AnalyzerFinding {
    use ValidatePolicyFindingType as T;
    let level = match f.finding_type() {
        T::Error => AnalyzerLevel::Error,
        T::SecurityWarning => AnalyzerLevel::SecurityWarning,
        T::Suggestion => AnalyzerLevel::Suggestion,
        // A type Access Analyzer may add later is at least worth a look.
        _ => AnalyzerLevel::Warning,
    };
    let location = f.locations().first();
    let path = location.map(|l| {
        let mut out = String::new();
        for element in l.path() {
            match element {
                PathElement::Index(i) => out.push_str(&format!("[{i}]")),
                PathElement::Key(k) | PathElement::Value(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                PathElement::Substring(sub) => {
                    out.push_str(&format!(
                        "[{}..{}]",
                        sub.start(),
                        sub.start() + sub.length()
                    ));
                }
                _ => {}
            }
        }
        out
    });
    AnalyzerFinding {
        level,
        code: f.issue_code().to_owned(),
        message: f.finding_details().to_owned(),
        learn_more: Some(f.learn_more_link().to_owned()).filter(|l| !l.is_empty()),
        path: path.filter(|p| !p.is_empty()),
        line: location
            .and_then(|l| l.span())
            .and_then(|s| s.start())
            .and_then(|p| u32::try_from(p.line()).ok()),
    }
}

/// One evaluation result as (action, resource) decisions. With
/// `ResourceArns` IAM gives each resource's decision in
/// `ResourceSpecificResults` (the top-level `EvalDecision` then sums them
/// up); without, the top level is the decision on `*`.
fn simulation_results(result: &EvaluationResult) -> Vec<SimulationResult> {
    let action = result.eval_action_name();
    let specific = result.resource_specific_results();
    if specific.is_empty() {
        return vec![SimulationResult {
            action: action.to_owned(),
            resource: result.eval_resource_name().unwrap_or("*").to_owned(),
            decision: decision(result.eval_decision()),
            missing_context: result.missing_context_values().to_vec(),
        }];
    }
    specific
        .iter()
        .map(|r| SimulationResult {
            action: action.to_owned(),
            resource: r.eval_resource_name().to_owned(),
            decision: decision(r.eval_resource_decision()),
            missing_context: r.missing_context_values().to_vec(),
        })
        .collect()
}

/// A decision IAM may add later counts as not allowed.
fn decision(d: &PolicyEvaluationDecisionType) -> Decision {
    use PolicyEvaluationDecisionType as D;
    match d {
        D::Allowed => Decision::Allowed,
        D::ExplicitDeny => Decision::ExplicitDeny,
        _ => Decision::ImplicitDeny,
    }
}
