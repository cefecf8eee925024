//! The two optional reads that make onramp's checks better when the caller
//! may make them, and that it goes without otherwise:
//!
//! - the account's IAM quotas (`GetAccountSummary`), which the plan is
//!   linted against instead of IAM's defaults (an administrator may have
//!   had some raised);
//! - IAM Access Analyzer's `ValidatePolicy`, whose findings are shown beside
//!   onramp's own for each document.
//!
//! When either is refused or fails, onramp says so once, in the words of
//! [`quota_note`] and [`analyzer_note`], and goes on: neither ever blocks.

use serde_json::Value;

use super::{AnalyzerFinding, Cloud, CloudError, ErrorKind, PolicyKind, Quotas};
use crate::plan::{Plan, ResourceId};

/// The quotas to lint with, and what to tell once if they are IAM's
/// defaults because the account's could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaReading {
    pub quotas: Quotas,
    pub note: Option<String>,
}

/// Reads the account's quotas once; IAM's defaults (and a note) when that
/// fails.
pub async fn read_quotas(cloud: &dyn Cloud) -> QuotaReading {
    match cloud.account_quotas().await {
        Ok(quotas) => QuotaReading { quotas, note: None },
        Err(e) => {
            tracing::info!(error = %e, "account quotas not read; using IAM's defaults");
            QuotaReading {
                quotas: Quotas::default(),
                note: Some(quota_note(&e)),
            }
        }
    }
}

/// Why a read failed, in a word or two: `AccessDenied`, `no credentials`,
/// or the message itself for anything less common.
pub fn reason(e: &CloudError) -> String {
    match e.kind {
        ErrorKind::AccessDenied => "AccessDenied".into(),
        ErrorKind::NoCredentials => "no credentials".into(),
        ErrorKind::BadCredentials => "credentials refused".into(),
        ErrorKind::NotAws => "the endpoint is not AWS".into(),
        ErrorKind::Throttled => "throttled".into(),
        ErrorKind::Network | ErrorKind::Other | ErrorKind::InvalidInput => e.message.clone(),
        kind => format!("{kind:?}"),
    }
}

/// The one note when the quotas are IAM's defaults because the account's
/// could not be read.
pub fn quota_note(e: &CloudError) -> String {
    format!(
        "could not read this account's IAM quotas ({}); checked against IAM's default quotas",
        reason(e)
    )
}

/// The one note when Access Analyzer cannot be asked.
pub fn analyzer_note(e: &CloudError) -> String {
    format!(
        "Access Analyzer: not available ({}); onramp's own checks only",
        reason(e)
    )
}

/// A document pretty-printed: as the wizard shows and edits it, and as it is
/// sent to Access Analyzer, so that a finding's line is the line on the
/// screen.
pub fn document_text(document: &Value) -> String {
    serde_json::to_string_pretty(document).unwrap_or_default()
}

/// Access Analyzer's findings on one document of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFindings {
    pub id: ResourceId,
    /// The label [`crate::plan::Resource::documents`] gives the document.
    pub label: String,
    pub findings: Vec<AnalyzerFinding>,
}

/// Asks Access Analyzer about every document of `plan`, in plan order. The
/// first failure ends it: the caller may not be allowed the call, or the
/// endpoint has no Access Analyzer, and asking again for the next document
/// would only fail again.
pub async fn validate_plan(
    cloud: &dyn Cloud,
    plan: &Plan,
) -> Result<Vec<DocumentFindings>, CloudError> {
    let mut out = Vec::new();
    for r in &plan.resources {
        for (label, document) in r.documents() {
            let findings = cloud
                .validate_policy(&document_text(document), PolicyKind::of_label(&label))
                .await?;
            out.push(DocumentFindings {
                id: r.id(),
                label,
                findings,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::memory::MemoryCloud;
    use crate::cloud::{AnalyzerLevel, QuotaSource};
    use crate::iam::action::Action;

    #[tokio::test]
    async fn the_accounts_quotas_are_read_and_a_refusal_falls_back_to_the_defaults() {
        let cloud = MemoryCloud::demo();
        let read = read_quotas(&cloud).await;
        assert_eq!(read.quotas.source, QuotaSource::Account);
        assert_eq!(read.note, None);

        cloud.deny("iam:GetAccountSummary");
        let read = read_quotas(&cloud).await;
        assert_eq!(read.quotas, Quotas::default());
        assert_eq!(
            read.note.as_deref(),
            Some(
                "could not read this account's IAM quotas (AccessDenied); checked against IAM's default quotas"
            )
        );
    }

    #[tokio::test]
    async fn every_document_is_validated_until_the_first_refusal() {
        let finding = AnalyzerFinding {
            level: AnalyzerLevel::Suggestion,
            code: "EMPTY_ARRAY_ACTION".into(),
            message: "an empty array".into(),
            learn_more: None,
            path: None,
            line: None,
        };
        let plan = crate::plan::plan_of_valid_toml(
            "region = \"us-east-1\"\naccount_id = \"123456789012\"\n[genomics]\nbuckets = [\"b-data\"]\n",
        );
        let documents: usize = plan.resources.iter().map(|r| r.documents().len()).sum();
        let cloud = crate::cloud::counting::CountingCloud::new(
            MemoryCloud::demo().with_analyzer_findings(vec![finding.clone()]),
        );
        let found = validate_plan(&cloud, &plan).await.unwrap_or_default();
        assert_eq!(found.len(), documents);
        assert!(found.iter().all(|d| d.findings == [finding.clone()]));
        assert!(
            found.iter().any(|d| d.label == "trust_policy"
                && PolicyKind::of_label(&d.label) == PolicyKind::Trust)
        );

        cloud.reset();
        cloud.inner().deny("access-analyzer:ValidatePolicy");
        let e = validate_plan(&cloud, &plan).await.err();
        assert_eq!(e.as_ref().map(|e| e.kind), Some(ErrorKind::AccessDenied));
        assert_eq!(
            cloud.calls().get(&Action::ValidatePolicy),
            Some(&1),
            "asked once"
        );
        assert_eq!(
            e.map(|e| analyzer_note(&e)).as_deref(),
            Some("Access Analyzer: not available (AccessDenied); onramp's own checks only")
        );
    }
}
