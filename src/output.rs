//! How a plan and its findings are printed: a readable tree for people, JSON
//! for programs. Pure functions returning strings; the caller writes them.

use crate::iam::action::Action;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::answers::ValidAnswers;
use crate::apply::destroy::DestroyReport;
use crate::apply::diff::{self, Change, State, Step, label};
use crate::apply::run::{Event, Report};
use crate::export::aws_cli::quote;
use crate::iam::limits;
use crate::iam::names::{EntityKind, Slot};
use crate::plan::lint::{Finding, Level};
use crate::plan::{Plan, Resource, ResourceId, Spec};

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
        Spec::ManagedPolicy(policy) => {
            let _ = writeln!(out, "   description: {}", policy.description);
            document_text(
                out,
                "document",
                &policy.document,
                limits::MANAGED_POLICY_SIZE,
            );
        }
        Spec::Role(role) => {
            let _ = writeln!(out, "   description: {}", role.description);
            let _ = writeln!(
                out,
                "   permissions boundary: {}",
                role.boundary().unwrap_or("none")
            );
            let _ = writeln!(out, "   managed policies:");
            for arn in &role.managed_policy_arns {
                let _ = writeln!(out, "     - {arn}");
            }
            document_text(
                out,
                "trust policy",
                &role.trust_policy,
                limits::TRUST_POLICY_SIZE,
            );
            for (name, doc) in &role.inline_policies {
                document_text(
                    out,
                    &format!("inline policy {name}"),
                    doc,
                    limits::INLINE_POLICIES_PER_ROLE_SIZE,
                );
            }
        }
        Spec::InstanceProfile(profile) => {
            let _ = writeln!(out, "   roles: {}", profile.roles.join(", "));
        }
        Spec::ServiceLinkedRole(linked) => {
            let _ = writeln!(out, "   description: {}", linked.description);
            let _ = writeln!(out, "   service: {}", linked.service);
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

/// Per resource, the documents that differ from what exists, as
/// `(label, unified diff)` ([`diff::document_differences`]).
pub type Differences = std::collections::BTreeMap<ResourceId, Vec<(String, String)>>;

/// The differences of every observed resource that has any.
pub fn differences(
    plan: &Plan,
    observations: &[crate::apply::observe::Observation],
) -> Differences {
    observations
        .iter()
        .filter_map(|o| {
            let resource = plan.resources.iter().find(|r| r.id() == o.change.id())?;
            let found = diff::document_differences(resource, &o.existing);
            (!found.is_empty()).then(|| (o.change.id(), found))
        })
        .collect()
}

/// `status` and the preview of `apply`: one line per resource, what of an
/// existing resource is in place, the calls still to make, and each document
/// that differs as a unified diff.
pub fn changes_text(plan: &Plan, changes: &[Change], differences: &Differences) -> String {
    let count = |s: State| changes.iter().filter(|c| c.state == s).count();
    let mut out = format!(
        "Account {} in {}: {} to create, {} to update, {}{} unchanged, {}\n",
        plan.target.account_id,
        plan.target.region,
        count(State::Create),
        count(State::Update),
        match count(State::Adopt) {
            0 => String::new(),
            n => format!("{n} to adopt, "),
        },
        count(State::Unchanged),
        plural(count(State::Conflict), "conflict", "conflicts"),
    );
    for c in changes {
        let (mark, word) = match c.state {
            State::Create => ('+', "create"),
            State::Update => ('~', "update"),
            State::Adopt => ('*', "adopt"),
            State::Unchanged => ('=', "unchanged"),
            State::Conflict => ('!', "CONFLICT"),
        };
        let _ = writeln!(out, "  {mark} {:<9} {} {}", word, c.kind.noun(), c.name);
        for reason in &c.reasons {
            let _ = writeln!(out, "      {reason}");
        }
        if matches!(c.state, State::Update | State::Adopt)
            && let Some(resource) = plan.resources.iter().find(|r| r.id() == c.id())
        {
            let _ = writeln!(
                out,
                "      in place: {}",
                diff::in_place(resource, &c.steps).join(", ")
            );
        }
        if c.state != State::Conflict && c.state != State::Unchanged {
            let steps: Vec<&str> = c.steps.iter().map(|s| s.action().as_str()).collect();
            let _ = writeln!(out, "      calls: {}", steps.join(", "));
        }
        for (_, unified) in differences.get(&c.id()).into_iter().flatten() {
            for line in unified.lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    out
}

/// `status --format json`: each change with `differences`, a list of
/// `{"document", "diff"}` (the unified diff of what exists and the plan).
pub fn changes_json(plan: &Plan, changes: &[Change], differences: &Differences) -> String {
    let value = json!({
        "account_id": plan.target.account_id,
        "region": plan.target.region,
        "changes": changes_value(changes, differences),
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// The changes as JSON, each with its `differences`.
pub fn changes_value(changes: &[Change], differences: &Differences) -> Value {
    let list: Vec<Value> = changes
        .iter()
        .map(|c| {
            let mut value = json!(c);
            let found: Vec<Value> = differences
                .get(&c.id())
                .into_iter()
                .flatten()
                .map(|(document, unified)| json!({"document": document, "diff": unified}))
                .collect();
            value["differences"] = json!(found);
            value
        })
        .collect();
    Value::Array(list)
}

/// "1 conflict", "2 conflicts".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
        Event::Waiting {
            what,
            elapsed_secs,
            limit_secs,
            ..
        } => format!("  \u{2026} waiting for {what} ({elapsed_secs} s of {limit_secs} s)\n"),
        Event::Waited { .. } => String::new(),
        Event::Unchanged { id } => {
            format!("  = {:<30} {} {}\n", "unchanged", id.kind.noun(), id.name)
        }
        Event::NotStarted { id } => {
            format!("  - {:<30} {} {}\n", "not started", id.kind.noun(), id.name)
        }
    }
}

/// After a successful apply: counts, the ARNs, and where each ARN a person
/// copies goes.
pub fn report_text(plan: &Plan, valid: &ValidAnswers, report: &Report) -> String {
    let mut out = format!(
        "\nDone: {} created, {} updated, {} unchanged; every planned resource exists.\n\nARNs:\n",
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
    out.push_str(&destinations_text(&destinations(valid, plan, |_| true)));
    if let Some(note) = fresh_profiles_note(report) {
        let _ = writeln!(out, "\n{note}");
    }
    out
}

/// A word on the instance profiles this run created: onramp only waits for
/// what its own calls need, and EC2 may not accept a profile for a few
/// seconds after IAM made it (a launch then fails with "Invalid IAM
/// Instance Profile"). Shown by the headless summary and the wizard's;
/// `None` when none was created.
pub fn fresh_profiles_note(report: &Report) -> Option<String> {
    let fresh: Vec<&str> = report
        .created
        .iter()
        .filter(|id| id.kind == EntityKind::InstanceProfile)
        .map(|id| id.name.as_str())
        .collect();
    if fresh.is_empty() {
        return None;
    }
    Some(format!(
        "New instance profile{} {}: IAM can take a few seconds to let EC2 use {}; \
         a launch right away that fails with \"Invalid IAM Instance Profile\" only needs trying again.",
        if fresh.len() == 1 { "" } else { "s" },
        fresh.join(", "),
        if fresh.len() == 1 { "it" } else { "them" },
    ))
}

/// Where a planned ARN goes, once it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// What it is for: "AWS Batch compute environment".
    pub what: &'static str,
    /// The setting it goes in: "instanceRole (the instance profile's ARN)".
    pub goes_in: &'static str,
    pub id: ResourceId,
    /// "instance profile", or "service-linked role".
    pub noun: &'static str,
    /// The ARN, when the resource exists.
    pub arn: Option<String>,
    /// The setting takes the resource's name, not its ARN.
    pub by_name: bool,
}

impl Destination {
    /// What to paste into the setting, once the resource exists: its ARN,
    /// or its name for a setting that takes a name.
    pub fn value(&self) -> Option<String> {
        let arn = self.arn.as_ref()?;
        Some(if self.by_name {
            format!("{} (its ARN: {arn})", self.id.name)
        } else {
            arn.clone()
        })
    }

    /// "missing: instance profile ecsInstanceRole does not exist yet".
    pub fn missing(&self) -> String {
        format!("missing: {} {} does not exist yet", self.noun, self.id.name)
    }
}

/// The settings of AWS Batch, ParallelCluster and its image builds that take
/// an ARN (or a name) onramp makes, by the slot that names the resource.
const SETTINGS: [(Slot, EntityKind, &str, &str); 18] = [
    (
        Slot::InstanceRole,
        EntityKind::InstanceProfile,
        "AWS Batch compute environment",
        "instanceRole (the instance profile's ARN)",
    ),
    (
        Slot::BatchServiceRole,
        EntityKind::Role,
        "AWS Batch compute environment",
        "serviceRole",
    ),
    (
        Slot::SpotFleetRole,
        EntityKind::Role,
        "AWS Batch compute environment (Spot)",
        "spotIamFleetRole",
    ),
    (
        Slot::JobRole,
        EntityKind::Role,
        "AWS Batch job definition",
        "jobRoleArn",
    ),
    (
        Slot::ParallelClusterRole,
        EntityKind::Role,
        "ParallelCluster 2 cluster configuration",
        "ec2_iam_role (the role's name)",
    ),
    (
        Slot::ParallelClusterUserPolicy,
        EntityKind::ManagedPolicy,
        "whoever runs pcluster",
        "attach it to their IAM users, group or role",
    ),
    (
        Slot::ParallelClusterBatchUserPolicy,
        EntityKind::ManagedPolicy,
        "whoever runs pcluster (awsbatch scheduler)",
        "attach it to their IAM users, group or role",
    ),
    (
        Slot::ParallelClusterFsxUserPolicy,
        EntityKind::ManagedPolicy,
        "whoever runs pcluster (FSx for Lustre)",
        "attach it to their IAM users, group or role",
    ),
    (
        Slot::ParallelClusterImageBuildUserPolicy,
        EntityKind::ManagedPolicy,
        "whoever runs pcluster build-image",
        "attach it to their IAM users, group or role",
    ),
    (
        Slot::ParallelClusterLoginNodesUserPolicy,
        EntityKind::ManagedPolicy,
        "whoever runs pcluster (login nodes)",
        "attach it to their IAM users, group or role",
    ),
    (
        Slot::ParallelClusterIamUserPolicy,
        EntityKind::ManagedPolicy,
        "whoever runs pcluster (cluster IAM roles)",
        "attach it to their IAM users, group or role",
    ),
    (
        Slot::ParallelClusterHeadNodeRole,
        EntityKind::Role,
        "ParallelCluster 3 cluster configuration",
        "HeadNode/Iam/InstanceRole",
    ),
    (
        Slot::ParallelClusterComputeRole,
        EntityKind::Role,
        "ParallelCluster 3 cluster configuration",
        "Scheduling/SlurmQueues/Iam/InstanceRole of each queue",
    ),
    (
        Slot::ParallelClusterLambdaRole,
        EntityKind::Role,
        "ParallelCluster 3 cluster configuration",
        "Iam/Roles/LambdaFunctionsRole",
    ),
    (
        Slot::ParallelClusterImageBuilderRole,
        EntityKind::Role,
        "ParallelCluster 3 image configuration",
        "Build/Iam/InstanceRole",
    ),
    (
        Slot::ParallelClusterImageCleanupRole,
        EntityKind::Role,
        "ParallelCluster 3 image configuration",
        "Build/Iam/CleanupLambdaRole",
    ),
    (
        Slot::OmicsServiceRole,
        EntityKind::Role,
        "AWS HealthOmics StartRun",
        "roleArn",
    ),
    (
        Slot::OmicsUserPolicy,
        EntityKind::ManagedPolicy,
        "whoever starts HealthOmics runs",
        "attach it to their IAM users, group or role",
    ),
];

/// Every planned resource that goes in a setting, in the order of
/// [`SETTINGS`], with its ARN when `exists` says it does. Only resources of
/// this plan are listed: a genomics-only plan names no pcluster policy.
pub fn destinations(
    valid: &ValidAnswers,
    plan: &Plan,
    exists: impl Fn(&ResourceId) -> bool,
) -> Vec<Destination> {
    SETTINGS
        .iter()
        .filter_map(|&(slot, kind, what, goes_in)| {
            let resource = plan.get(kind, &valid.name(slot)).or_else(|| {
                // AWS Batch's service-linked role is named by AWS, not by a slot.
                (slot == Slot::BatchServiceRole)
                    .then(|| plan.resources.iter().find(|r| r.is_service_linked()))
                    .flatten()
            })?;
            let id = resource.id();
            let goes_in = if resource.is_service_linked() {
                "serviceRole, or leave it out: AWS Batch then uses this role"
            } else {
                goes_in
            };
            Some(Destination {
                what,
                goes_in,
                noun: resource.noun(),
                arn: exists(&id).then(|| resource.arn.clone()),
                by_name: slot == Slot::ParallelClusterRole,
                id,
            })
        })
        .collect()
}

/// "Where the ARNs go": each destination with its ARN, or what is missing.
pub fn destinations_text(destinations: &[Destination]) -> String {
    if destinations.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nWhere the ARNs go:\n");
    for d in destinations {
        let _ = writeln!(out, "  {}: {}", d.what, d.goes_in);
        let _ = writeln!(out, "    {}", d.value().unwrap_or_else(|| d.missing()));
    }
    out
}

/// How onramp was started, for printing commands a person can paste: the
/// options that choose the account must be repeated, or the command would
/// act on another one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    pub demo: bool,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// `onramp [options in use] ARGS…`, each word quoted for a POSIX shell when
/// it needs to be (a path with a space).
pub fn command_line<S: AsRef<str>>(invocation: &Invocation, args: &[S]) -> String {
    let mut words = vec!["onramp".to_owned()];
    if invocation.demo {
        words.push("--demo".into());
    }
    let options = [
        ("--profile", &invocation.profile),
        ("--region", &invocation.region),
        ("--endpoint-url", &invocation.endpoint_url),
    ];
    for (flag, value) in options {
        if let Some(value) = value {
            words.push(flag.into());
            words.push(quote(value));
        }
    }
    words.extend(args.iter().map(|a| quote(a.as_ref())));
    words.join(" ")
}

/// The `verify` of the answers in `answers` (none: the demo's own).
pub fn verify_command(invocation: &Invocation, answers: Option<&std::path::Path>) -> String {
    let mut args = vec!["verify".to_owned()];
    if let Some(path) = answers {
        args.extend(["--answers".to_owned(), path.display().to_string()]);
    }
    command_line(invocation, &args)
}

/// The command that undoes what a journal records.
pub fn undo_command(invocation: &Invocation, journal: &std::path::Path) -> String {
    command_line(
        invocation,
        &[
            "destroy",
            "--journal",
            &journal.display().to_string(),
            "--yes",
        ],
    )
}

/// Where one planned resource got to in a run.
#[derive(Debug, Clone, PartialEq)]
enum Fate {
    /// Not reached yet (or never: see [`RunTally::text`]).
    Waiting,
    Done,
    Unchanged,
    Failed(String),
}

/// Each planned resource's progress through a run, from its events: what
/// is in place of a resource the run stopped in the middle of, and which
/// were never reached.
#[derive(Debug, Clone)]
pub struct RunTally {
    rows: Vec<TallyRow>,
}

#[derive(Debug, Clone)]
struct TallyRow {
    resource: Resource,
    remaining: Vec<Step>,
    created: bool,
    started: bool,
    fate: Fate,
}

impl RunTally {
    pub fn new(plan: &Plan, changes: &[Change]) -> RunTally {
        let rows = plan
            .resources
            .iter()
            .map(|r| {
                let remaining = changes
                    .iter()
                    .find(|c| c.id() == r.id())
                    .map(|c| c.steps.clone())
                    .unwrap_or_default();
                TallyRow {
                    fate: if remaining.is_empty() {
                        Fate::Unchanged
                    } else {
                        Fate::Waiting
                    },
                    resource: r.clone(),
                    remaining,
                    created: false,
                    started: false,
                }
            })
            .collect();
        RunTally { rows }
    }

    fn row(&mut self, id: &ResourceId) -> Option<&mut TallyRow> {
        self.rows.iter_mut().find(|r| r.resource.id() == *id)
    }

    /// Takes one event into account.
    pub fn record(&mut self, event: &Event) {
        match event {
            Event::Started { id, .. } => {
                if let Some(row) = self.row(id) {
                    row.started = true;
                }
            }
            Event::Done {
                id, action, detail, ..
            } => {
                if let Some(row) = self.row(id) {
                    row.started = true;
                    row.done(*action, detail.as_deref());
                }
            }
            Event::Failed {
                id, action, error, ..
            } => {
                if let Some(row) = self.row(id) {
                    row.fate =
                        Fate::Failed(format!("{action}: {}", error.message.trim_end_matches('.')));
                }
            }
            _ => {}
        }
    }

    /// The progress line for `event`, telling a resource stopped part-way
    /// from one never started.
    pub fn line(&self, event: &Event) -> String {
        if let Event::NotStarted { id } = event
            && let Some(row) = self.rows.iter().find(|r| r.resource.id() == *id)
            && row.started
        {
            return format!(
                "  - {:<30} {}: {}\n",
                "stopped part-way",
                label(id),
                row.partly()
            );
        }
        event_line(event)
    }

    /// After a run that did not finish: how many planned resources exist,
    /// and each one that does not, by kind and name, with what it lacks.
    pub fn text(&self) -> String {
        let complete = self
            .rows
            .iter()
            .filter(|r| matches!(r.fate, Fate::Done | Fate::Unchanged))
            .count();
        let mut out = format!(
            "\n{complete} of {} planned resources exist as planned.\n",
            self.rows.len()
        );
        for row in &self.rows {
            let what = match &row.fate {
                Fate::Done | Fate::Unchanged => continue,
                Fate::Failed(why) => format!("failed at {why}; {}", row.partly()),
                Fate::Waiting if row.started => format!("stopped part-way: {}", row.partly()),
                Fate::Waiting => "not started".to_owned(),
            };
            let _ = writeln!(
                out,
                "  {} {}: {what}",
                row.resource.noun(),
                row.resource.name
            );
        }
        out
    }
}

impl RunTally {
    /// [`RunTally::text`] as JSON: each planned resource that does not exist
    /// as planned, `{"kind", "name", "state", "detail"}` with `state` one of
    /// `failed`, `partly made`, `not started`.
    pub fn json(&self) -> Value {
        let list: Vec<Value> = self
            .rows
            .iter()
            .filter_map(|row| {
                let (state, detail) = match &row.fate {
                    Fate::Done | Fate::Unchanged => return None,
                    Fate::Failed(why) => ("failed", format!("failed at {why}; {}", row.partly())),
                    Fate::Waiting if row.started => ("partly made", row.partly()),
                    Fate::Waiting => ("not started", String::new()),
                };
                Some(json!({
                    "kind": row.resource.kind(),
                    "name": row.resource.name,
                    "state": state,
                    "detail": detail,
                }))
            })
            .collect();
        Value::Array(list)
    }
}

impl TallyRow {
    fn done(&mut self, action: Action, detail: Option<&str>) {
        if let Some(i) = self
            .remaining
            .iter()
            .position(|s| s.is_call(action, detail))
        {
            let step = self.remaining.remove(i);
            self.created |= step.creates();
        }
        if self.remaining.is_empty() {
            self.fate = Fate::Done;
        }
    }

    /// "created, 3 of 5 managed policies attached; stopped before attaching X".
    fn partly(&self) -> String {
        partly_made(&self.resource, &self.remaining, self.created)
    }
}

/// What is in place of a resource a run left part-way, and the step it
/// stopped before: "created, 3 of 5 managed policies attached, not tagged
/// yet; stopped before attaching AmazonSSMManagedInstanceCore".
pub fn partly_made(resource: &Resource, remaining: &[Step], created: bool) -> String {
    let mut parts = diff::in_place(resource, remaining);
    if created && let Some(first) = parts.first_mut() {
        "created".clone_into(first);
    }
    let mut text = parts.join(", ");
    if let Some(next) = remaining.first().filter(|s| !s.creates()) {
        let _ = write!(text, "; stopped before {}", next.words());
    }
    text
}

/// The preview of `destroy`: what will be undone, then what the journal
/// says onramp made of each entity ([`crate::apply::journal::made`]), so a
/// run stopped part-way shows as the part it made.
pub fn undo_text(pending: &[String], made: &[(EntityKind, String, String)]) -> String {
    if pending.is_empty() {
        return "The journal records nothing to undo.\n".into();
    }
    let mut out = format!("{} to undo, newest first:\n", pending.len());
    for p in pending {
        let _ = writeln!(out, "  {p}");
    }
    if !made.is_empty() {
        out.push_str("What the journal records onramp made, and not undone yet:\n");
        for (kind, name, words) in made {
            let _ = writeln!(out, "  {} {name}: {words}", kind.noun());
        }
    }
    out
}

/// After a destroy.
pub fn destroy_text(report: &DestroyReport) -> String {
    let mut out = format!(
        "\nDeleted {}, put back as they were {}, reverted {}, skipped {}, failed {}.\n",
        report.deleted.len(),
        report.restored.len(),
        report.reverted.len(),
        report.skipped.len(),
        report.failed.len()
    );
    for r in &report.restored {
        let _ = writeln!(out, "  put back as it was before onramp adopted it: {r}");
    }
    for s in &report.skipped {
        let _ = writeln!(out, "  skipped: {s}");
    }
    for f in &report.failed {
        let _ = writeln!(out, "  failed: {f}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answers::{Answers, Environment};
    use crate::cloud::{CloudError, ErrorKind};

    fn planned(toml: &str) -> (ValidAnswers, Plan) {
        let answers = Answers::from_toml(toml).unwrap_or_else(|e| unreachable!("{e}"));
        let valid = answers
            .validate(&Environment::default())
            .unwrap_or_else(|e| unreachable!("{e}"));
        let plan = crate::plan::plan(&valid).unwrap_or_else(|e| unreachable!("{e}"));
        (valid, plan)
    }

    fn all_created(plan: &Plan) -> Vec<Change> {
        plan.resources
            .iter()
            .map(|r| diff::diff(r, &missing(r), crate::plan::existing::Treatment::AddOnly))
            .collect()
    }

    fn missing(r: &Resource) -> diff::Observed {
        match &r.spec {
            Spec::ManagedPolicy(_) => diff::Observed::Policy(None),
            Spec::Role(_) => diff::Observed::Role(None),
            Spec::InstanceProfile(_) => diff::Observed::InstanceProfile(None),
            Spec::ServiceLinkedRole(_) => diff::Observed::ServiceLinkedRole(None),
        }
    }

    #[test]
    fn parallelcluster_3_arns_are_named_with_the_setting_they_go_in() {
        let (valid, plan) = planned(include_str!("../examples/parallelcluster3-slurm.toml"));
        let found = destinations(&valid, &plan, |_| true);
        let goes_in: Vec<&str> = found.iter().map(|d| d.goes_in).collect();
        for setting in [
            "HeadNode/Iam/InstanceRole",
            "Scheduling/SlurmQueues/Iam/InstanceRole of each queue",
            "Iam/Roles/LambdaFunctionsRole",
            "Build/Iam/InstanceRole",
            "Build/Iam/CleanupLambdaRole",
        ] {
            assert!(goes_in.contains(&setting), "{setting}: {found:?}");
        }
        for slot in [
            Slot::ParallelClusterFsxUserPolicy,
            Slot::ParallelClusterImageBuildUserPolicy,
        ] {
            assert!(
                found
                    .iter()
                    .any(|d| d.id.name == valid.name(slot) && d.goes_in.starts_with("attach it")),
                "{slot:?}: {found:?}"
            );
        }
        assert!(found.iter().all(|d| d.arn.is_some()));
        // Each setting is written as the plan's notes write it.
        let notes: String = plan
            .resources
            .iter()
            .flat_map(|r| r.notes.iter().map(String::as_str))
            .collect();
        for setting in [
            "HeadNode/Iam/InstanceRole",
            "Iam/Roles/LambdaFunctionsRole",
            "Build/Iam/CleanupLambdaRole",
        ] {
            assert!(notes.contains(setting), "{setting}");
        }
    }

    #[test]
    fn a_genomics_plan_names_no_cluster_policy_and_says_what_is_missing() {
        let (valid, plan) = planned(include_str!("../examples/genomics.toml"));
        let found = destinations(&valid, &plan, |id| id.kind != EntityKind::InstanceProfile);
        assert!(
            found.iter().all(|d| d.what.starts_with("AWS Batch")),
            "{found:?}"
        );
        let text = destinations_text(&found);
        assert!(!text.contains("pcluster"), "{text}");
        assert!(
            text.contains("missing: instance profile ecsInstanceRole does not exist yet"),
            "{text}"
        );
    }

    #[test]
    fn printed_commands_repeat_the_options_in_use_and_quote_paths() {
        let invocation = Invocation {
            demo: true,
            profile: Some("lab admin".into()),
            region: Some("eu-west-1".into()),
            endpoint_url: Some("http://127.0.0.1:5000".into()),
        };
        assert_eq!(
            undo_command(&invocation, std::path::Path::new("my runs/j.jsonl")),
            "onramp --demo --profile 'lab admin' --region eu-west-1 --endpoint-url http://127.0.0.1:5000 destroy --journal 'my runs/j.jsonl' --yes"
        );
        assert_eq!(
            command_line(&Invocation::default(), &["status"]),
            "onramp status"
        );
    }

    #[test]
    fn the_verify_command_carries_the_options_and_the_answers_path() {
        let invocation = Invocation {
            profile: Some("lab".into()),
            region: Some("eu-west-1".into()),
            ..Invocation::default()
        };
        assert_eq!(
            verify_command(
                &invocation,
                Some(std::path::Path::new("my answers/lab.toml"))
            ),
            "onramp --profile lab --region eu-west-1 verify --answers 'my answers/lab.toml'"
        );
        let demo = Invocation {
            demo: true,
            ..Invocation::default()
        };
        assert_eq!(verify_command(&demo, None), "onramp --demo verify");
    }

    #[test]
    fn a_run_stopped_part_way_says_what_of_each_resource_is_in_place() {
        let (_, plan) = planned(include_str!("../examples/genomics.toml"));
        let changes = all_created(&plan);
        let role = plan
            .get(EntityKind::Role, "ecsInstanceRole")
            .unwrap_or_else(|| unreachable!());
        let id = role.id();
        let managed_policy_arns = &role.role().unwrap().managed_policy_arns;
        let mut tally = RunTally::new(&plan, &changes);
        let done = |action: Action, detail: Option<String>| Event::Done {
            id: id.clone(),
            action,
            detail,
            arn: None,
        };
        tally.record(&done(Action::CreateRole, Some(role.arn.clone())));
        tally.record(&done(
            Action::AttachRolePolicy,
            Some(managed_policy_arns[0].clone()),
        ));
        let total = managed_policy_arns.len();
        let line = tally.line(&Event::NotStarted { id: id.clone() });
        assert!(
            line.contains(&format!(
                "role ecsInstanceRole: created, 1 of {total} managed policies attached; stopped before attaching"
            )),
            "{line}"
        );
        let failed = plan.resources[0].id();
        tally.record(&Event::Failed {
            id: failed.clone(),
            action: Action::CreatePolicy,
            detail: None,
            error: CloudError::new(Action::CreatePolicy, ErrorKind::Throttled, "Rate exceeded"),
        });
        let text = tally.text();
        assert!(
            text.starts_with(&format!(
                "\n0 of {} planned resources exist as planned.\n",
                plan.resources.len()
            )),
            "{text}"
        );
        assert!(
            text.contains("  role ecsInstanceRole: stopped part-way: created, 1 of"),
            "{text}"
        );
        assert!(
            text.contains("  instance profile ecsInstanceRole: not started"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "  managed policy {}: failed at CreatePolicy: Rate exceeded; not created",
                failed.name
            )),
            "{text}"
        );
        let json = tally.json();
        assert_eq!(json.as_array().map(Vec::len), Some(plan.resources.len()));
    }

    #[test]
    fn plurals_are_words() {
        assert_eq!(plural(1, "conflict", "conflicts"), "1 conflict");
        assert_eq!(plural(0, "conflict", "conflicts"), "0 conflicts");
    }

    #[test]
    fn new_instance_profiles_are_named_with_what_ec2_may_need() {
        let id = |kind, name: &str| ResourceId {
            kind,
            name: name.to_owned(),
        };
        let mut report = Report::default();
        assert_eq!(fresh_profiles_note(&report), None);
        report.created.push(id(EntityKind::Role, "ecsInstanceRole"));
        assert_eq!(fresh_profiles_note(&report), None);
        report
            .created
            .push(id(EntityKind::InstanceProfile, "ecsInstanceRole"));
        let one = fresh_profiles_note(&report).unwrap();
        assert!(
            one.contains("New instance profile ecsInstanceRole: IAM can take a few seconds to let EC2 use it;"),
            "{one}"
        );
        report
            .created
            .push(id(EntityKind::InstanceProfile, "pcluster"));
        let two = fresh_profiles_note(&report).unwrap();
        assert!(
            two.contains("New instance profiles ecsInstanceRole, pcluster:"),
            "{two}"
        );
        assert!(two.contains("use them;"), "{two}");
    }
}
