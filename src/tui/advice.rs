//! The wizard's two optional reads of the account (see
//! [`crate::cloud::advice`]), through the worker like every other call:
//!
//! - the account's IAM quotas, read once on connecting: the plan is linted
//!   against them, and the welcome screen shows them (or, once, that IAM's
//!   defaults are used because they could not be read; the confirm screen
//!   repeats that where the decision is made);
//! - IAM Access Analyzer's findings on the document the policy preview
//!   shows, asked for once per document text and kept. The first failure
//!   (access denied, an endpoint without Access Analyzer) is said once and
//!   ends the asking for the session: nothing waits for it, nothing is
//!   blocked by it, nothing is retried document by document.

use std::collections::BTreeMap;

use ratatui::text::{Line, Span};

use super::action::Effect;
use super::app::{App, Loading, Screen};
use super::theme::Theme;
use super::widgets::spinner;
use crate::cloud::advice::{analyzer_note, document_text};
use crate::cloud::{AnalyzerFinding, AnalyzerLevel, CloudError, PolicyKind, QuotaSource, Quotas};

/// A document as Access Analyzer was asked about it.
pub type DocumentKey = (PolicyKind, String);

/// Access Analyzer in this session.
#[derive(Debug, Clone, Default)]
pub struct Analyzer {
    /// Findings per document text, or `Loading` while asked.
    pub found: BTreeMap<DocumentKey, Loading<Vec<AnalyzerFinding>>>,
    /// Why it cannot be asked, once a call failed (shown as
    /// [`analyzer_note`] says it).
    pub unavailable: Option<CloudError>,
}

/// The quotas the plan is linted against: the account's once read, IAM's
/// defaults until then and when they cannot be read.
pub fn lint_quotas(quotas: &Loading<Quotas>) -> Quotas {
    quotas.ready().copied().unwrap_or_default()
}

/// A new connection (maybe another caller): read the quotas again and
/// forget what Access Analyzer said.
pub fn connected(app: &mut App) -> Effect {
    app.quotas = Loading::Loading;
    app.analyzer = Analyzer::default();
    Effect::ReadQuotas
}

/// The quotas, or why they could not be read.
pub fn quotas_read(app: &mut App, result: Result<Quotas, CloudError>) {
    app.quotas = match result {
        Ok(quotas) => Loading::Ready(quotas),
        Err(problem) => Loading::Failed(problem),
    };
    app.refresh();
}

/// Access Analyzer's answer about one document text.
pub fn validated(
    app: &mut App,
    kind: PolicyKind,
    text: String,
    result: Result<Vec<AnalyzerFinding>, CloudError>,
) {
    match result {
        Ok(findings) => {
            app.analyzer
                .found
                .insert((kind, text), Loading::Ready(findings));
        }
        Err(problem) => {
            // Said once; whatever else was asked will not be shown.
            app.analyzer
                .found
                .retain(|_, v| !matches!(v, Loading::Loading));
            if app.analyzer.unavailable.is_none() {
                app.analyzer.unavailable = Some(problem);
            }
        }
    }
}

/// The document the preview shows, as Access Analyzer is asked about it.
pub fn current_document(app: &App) -> Option<DocumentKey> {
    let plan = app.derived.plan.as_ref()?;
    let doc = app.documents().get(app.preview.index)?.clone();
    let value = super::screens::preview::document(plan, &doc)?;
    Some((super::screens::preview::kind_of(&doc), document_text(value)))
}

/// Asks Access Analyzer about the document the preview shows, unless it
/// was asked already, the account is not connected, or it is unavailable.
pub fn validate_if_needed(app: &mut App) -> Vec<Effect> {
    if app.screen != Screen::Preview
        || app.analyzer.unavailable.is_some()
        || app.identity.ready().is_none()
    {
        return Vec::new();
    }
    let Some(key) = current_document(app) else {
        return Vec::new();
    };
    if app.analyzer.found.contains_key(&key) {
        return Vec::new();
    }
    app.analyzer.found.insert(key.clone(), Loading::Loading);
    let (kind, text) = key;
    vec![Effect::Validate { kind, text }]
}

/// Whether an answer from Access Analyzer is awaited (for the spinner).
pub fn validating(app: &App) -> bool {
    app.analyzer
        .found
        .values()
        .any(|v| matches!(v, Loading::Loading))
}

/// The welcome screen's line about the quotas, once read or refused.
pub fn quota_line(app: &App, theme: Theme) -> Option<Line<'static>> {
    match &app.quotas {
        Loading::Loading => None,
        Loading::Ready(q) if q.source == QuotaSource::Account => Some(Line::from(Span::styled(
            format!(
                "✓ IAM quotas read: policy {} · trust {} · inline {} · {} per role",
                crate::iam::limits::thousands(q.managed_policy_size),
                crate::iam::limits::thousands(q.trust_policy_size),
                crate::iam::limits::thousands(q.inline_policies_per_role_size),
                q.attached_policies_per_role
            ),
            theme.ok(),
        ))),
        Loading::Ready(_) => None,
        Loading::Failed(_) => quota_note(app, theme),
    }
}

/// The one note that IAM's default quotas are used, if they are because
/// the account's could not be read.
pub fn quota_note(app: &App, theme: Theme) -> Option<Line<'static>> {
    match &app.quotas {
        Loading::Failed(problem) => Some(Line::from(Span::styled(
            format!("⚠ {}", crate::cloud::advice::quota_note(problem)),
            theme.warn(),
        ))),
        _ => None,
    }
}

/// The preview's lines about Access Analyzer for the document shown.
pub fn analyzer_lines(app: &App, theme: Theme) -> Vec<Line<'static>> {
    if let Some(problem) = &app.analyzer.unavailable {
        return vec![Line::from(Span::styled(
            analyzer_note(problem),
            theme.dim(),
        ))];
    }
    let Some(key) = current_document(app) else {
        return Vec::new();
    };
    match app.analyzer.found.get(&key) {
        None => Vec::new(),
        Some(Loading::Loading) => vec![Line::from(Span::styled(
            format!("{} Access Analyzer: checking…", spinner(app.tick)),
            theme.dim(),
        ))],
        Some(Loading::Failed(problem)) => {
            vec![Line::from(Span::styled(
                analyzer_note(problem),
                theme.dim(),
            ))]
        }
        Some(Loading::Ready(findings)) if findings.is_empty() => vec![Line::from(Span::styled(
            "Access Analyzer: no findings",
            theme.ok(),
        ))],
        Some(Loading::Ready(findings)) => findings
            .iter()
            .map(|f| {
                let style = match f.level {
                    AnalyzerLevel::Error => theme.error(),
                    AnalyzerLevel::SecurityWarning | AnalyzerLevel::Warning => theme.warn(),
                    AnalyzerLevel::Suggestion => theme.key(),
                };
                let place = match (f.line, &f.path) {
                    (Some(line), _) => format!(" line {line}"),
                    (None, Some(path)) => format!(" at {path}"),
                    (None, None) => String::new(),
                };
                Line::from(vec![
                    Span::styled(format!("analyzer {} ", f.level), style),
                    Span::raw(format!("[{}]{place}: {}", f.code, f.message)),
                ])
            })
            .collect(),
    }
}
