//! How a plan and its findings are printed: a readable tree for people, JSON
//! for programs. Pure functions returning strings; the caller writes them.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::apply::destroy::DestroyReport;
use crate::apply::diff::{Change, State};
use crate::apply::run::{Event, Report};
use crate::names::EntityKind;
use crate::plan::lint::{Finding, Level};
use crate::plan::{Plan, Resource, Spec, limits};

/// `plan --format json`: `{"region", "account_id", "partition", "resources": [...], "findings": [...]}`.
pub fn plan_json(plan: &Plan, findings: &[Finding]) -> String {
    let mut value = plan.to_json();
    if let Value::Object(map) = &mut value {
        map.insert("findings".into(), json!(findings));
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// `plan --format text`: a tree of resources with their documents pretty-printed.
pub fn plan_text(plan: &Plan, findings: &[Finding]) -> String {
    let mut out = String::new();
    let t = &plan.target;
    let _ = writeln!(
        out,
        "Plan for account {} in {} (partition {})",
        t.account_id, t.region, t.partition
    );
    let _ = writeln!(out, "{}\n", summary(plan));
    for (i, r) in plan.resources.iter().enumerate() {
        resource_text(&mut out, i + 1, r);
    }
    out.push_str(&findings_text(findings));
    out
}

/// "9 resources: 4 managed policies, 4 roles, 1 instance profile".
pub fn summary(plan: &Plan) -> String {
    let count = |k: EntityKind| plan.resources.iter().filter(|r| r.kind() == k).count();
    let parts: Vec<String> = [
        (
            EntityKind::ManagedPolicy,
            "managed policy",
            "managed policies",
        ),
        (EntityKind::Role, "role", "roles"),
        (
            EntityKind::InstanceProfile,
            "instance profile",
            "instance profiles",
        ),
    ]
    .into_iter()
    .filter_map(|(k, one, many)| match count(k) {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    })
    .collect();
    let n = plan.resources.len();
    format!(
        "{n} resource{}: {}",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

fn resource_text(out: &mut String, number: usize, r: &Resource) {
    let _ = writeln!(out, "{number}. {} {}", r.noun(), r.name);
    let _ = writeln!(out, "   arn: {}", r.arn);
    if r.is_service_linked() {
        let _ = writeln!(
            out,
            "   tags: none (IAM does not let a service-linked role be tagged)"
        );
    } else {
        let tags: Vec<String> = r.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(out, "   tags: {}", tags.join(", "));
    }
    if !r.depends_on.is_empty() {
        let deps: Vec<String> = r
            .depends_on
            .iter()
            .map(|d| format!("{} {}", d.kind.noun(), d.name))
            .collect();
        let _ = writeln!(out, "   after: {}", deps.join(", "));
    }
    match &r.spec {
        Spec::ManagedPolicy {
            description,
            document,
        } => {
            let _ = writeln!(out, "   description: {description}");
            document_text(out, "document", document, limits::MANAGED_POLICY_SIZE);
        }
        Spec::Role {
            description,
            trust_policy,
            managed_policy_arns,
            inline_policies,
            permissions_boundary,
        } => {
            let _ = writeln!(out, "   description: {description}");
            let _ = writeln!(
                out,
                "   permissions boundary: {}",
                permissions_boundary.as_deref().unwrap_or("none")
            );
            let _ = writeln!(out, "   managed policies:");
            for arn in managed_policy_arns {
                let _ = writeln!(out, "     - {arn}");
            }
            document_text(out, "trust policy", trust_policy, limits::TRUST_POLICY_SIZE);
            for (name, doc) in inline_policies {
                document_text(
                    out,
                    &format!("inline policy {name}"),
                    doc,
                    limits::INLINE_POLICIES_PER_ROLE_SIZE,
                );
            }
        }
        Spec::InstanceProfile { roles } => {
            let _ = writeln!(out, "   roles: {}", roles.join(", "));
        }
        Spec::ServiceLinkedRole {
            service,
            description,
        } => {
            let _ = writeln!(out, "   description: {description}");
            let _ = writeln!(out, "   service: {service}");
            let _ = writeln!(
                out,
                "   created with CreateServiceLinkedRole if missing; AWS writes its trust policy and attaches and updates its permissions"
            );
        }
    }
    for note in &r.notes {
        let _ = writeln!(out, "   note: {note}");
    }
    out.push('\n');
}

fn document_text(out: &mut String, label: &str, doc: &Value, limit: usize) {
    let _ = writeln!(
        out,
        "   {label} ({} of {limit} characters):",
        limits::policy_size(doc)
    );
    let pretty = serde_json::to_string_pretty(doc).unwrap_or_default();
    for line in pretty.lines() {
        let _ = writeln!(out, "     {line}");
    }
}

/// "Findings: 0 errors, 2 warnings, 5 notes" and one line each.
pub fn findings_text(findings: &[Finding]) -> String {
    let count = |l: Level| findings.iter().filter(|f| f.level == l).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut out = format!(
        "Findings: {}, {}, {}\n",
        plural(count(Level::Error), "error"),
        plural(count(Level::Warning), "warning"),
        plural(count(Level::Note), "note")
    );
    for f in findings {
        let _ = writeln!(out, "  {f}");
    }
    out
}

/// `status` and the preview of `apply`: one line per resource.
pub fn changes_text(plan: &Plan, changes: &[Change]) -> String {
    let count = |s: State| changes.iter().filter(|c| c.state == s).count();
    let mut out = format!(
        "Account {} in {}: {} to create, {} to update, {} unchanged, {} conflict{}\n",
        plan.target.account_id,
        plan.target.region,
        count(State::Create),
        count(State::Update),
        count(State::Unchanged),
        count(State::Conflict),
        if count(State::Conflict) == 1 { "" } else { "s" }
    );
    for c in changes {
        let (mark, word) = match c.state {
            State::Create => ('+', "create"),
            State::Update => ('~', "update"),
            State::Unchanged => ('=', "unchanged"),
            State::Conflict => ('!', "CONFLICT"),
        };
        let _ = writeln!(out, "  {mark} {:<9} {} {}", word, c.kind.noun(), c.name);
        for reason in &c.reasons {
            let _ = writeln!(out, "      {reason}");
        }
        if c.state != State::Conflict && c.state != State::Unchanged {
            let steps: Vec<&str> = c.steps.iter().map(|s| s.action()).collect();
            let _ = writeln!(out, "      calls: {}", steps.join(", "));
        }
    }
    out
}

/// `status --format json`.
pub fn changes_json(plan: &Plan, changes: &[Change]) -> String {
    let value = json!({
        "account_id": plan.target.account_id,
        "region": plan.target.region,
        "changes": changes,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// One line of live progress ("" for events not worth a line).
pub fn event_line(event: &Event) -> String {
    match event {
        Event::Started { .. } => String::new(),
        Event::Done {
            id,
            action,
            detail,
            arn,
        } => format!(
            "  \u{2713} {action:<30} {} {}  {}\n",
            id.kind.noun(),
            id.name,
            arn.as_deref().or(detail.as_deref()).unwrap_or_default()
        ),
        Event::Failed {
            id,
            action,
            detail,
            error,
        } => format!(
            "  \u{2717} {action:<30} {} {}{}: {}\n",
            id.kind.noun(),
            id.name,
            detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            error.message
        ),
        Event::Retried { action, attempt } => {
            format!(
                "  \u{21bb} {action:<30} retrying (attempt {attempt}) after a transient failure\n"
            )
        }
        Event::Unchanged { id } => {
            format!("  = {:<30} {} {}\n", "unchanged", id.kind.noun(), id.name)
        }
        Event::NotStarted { id } => {
            format!("  - {:<30} {} {}\n", "not started", id.kind.noun(), id.name)
        }
    }
}

/// After a successful apply: counts and the ARNs a person copies next.
pub fn report_text(plan: &Plan, report: &Report) -> String {
    let mut out = format!(
        "\nDone: {} created, {} updated, {} unchanged.\n\nARNs:\n",
        report.created.len(),
        report.updated.len(),
        report.unchanged.len()
    );
    // As wide as the longest kind: "instance profile", or "service-linked role".
    let width = plan
        .resources
        .iter()
        .map(|r| r.noun().len())
        .max()
        .unwrap_or(0)
        .max(EntityKind::InstanceProfile.noun().len());
    for r in &plan.resources {
        let _ = writeln!(out, "  {:<width$} {:<40} {}", r.noun(), r.name, r.arn);
    }
    out
}

/// The preview of `destroy`.
pub fn undo_text(pending: &[String]) -> String {
    if pending.is_empty() {
        return "The journal records nothing to undo.\n".into();
    }
    let mut out = format!("{} to undo, newest first:\n", pending.len());
    for p in pending {
        let _ = writeln!(out, "  {p}");
    }
    out
}

/// After a destroy.
pub fn destroy_text(report: &DestroyReport) -> String {
    let mut out = format!(
        "\nDeleted {}, reverted {}, skipped {}, failed {}.\n",
        report.deleted.len(),
        report.reverted.len(),
        report.skipped.len(),
        report.failed.len()
    );
    for s in &report.skipped {
        let _ = writeln!(out, "  skipped: {s}");
    }
    for f in &report.failed {
        let _ = writeln!(out, "  failed: {f}");
    }
    out
}
