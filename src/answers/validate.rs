//! Validation: every field checked at once, each error naming its field and
//! what is allowed. Only [`ValidAnswers`] can be planned.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use super::*;

/// Where the plan will be applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub region: String,
    pub account_id: String,
    pub partition: Partition,
}

/// What the environment says about the target, for answers that leave it out.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `--region` on the command line; it must agree with the answers file.
    pub region_flag: Option<String>,
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    pub region_env: Option<String>,
    /// The account of the cloud in use (the in-memory account with `--demo`);
    /// it must agree with the answers file.
    pub account_id: Option<String>,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the field, like `genomics.buckets[2]` or `tags.Project`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem found in a set of answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// The fields named, in order.
    pub fn fields(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.field.as_str()).collect()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "the answers have {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl Answers {
    /// Checks every field; on success the answers can be planned.
    pub fn validate(&self, env: &Environment) -> Result<ValidAnswers, ValidationErrors> {
        let mut errors = Errors::default();
        let region = self.resolve_region(env, &mut errors);
        let account_id = self.resolve_account(env, &mut errors);
        let partition = region.as_deref().map(Partition::of_region);

        self.check_common(partition, &mut errors);
        if let Some(g) = self.genomics.as_ref().filter(|g| g.enabled) {
            check_genomics(g, partition, &mut errors);
            if g.batch_service_role() == BatchServiceRole::ServiceLinked
                && self.names.batch_service_role.is_some()
            {
                errors.add(
                    "names.batch_service_role",
                    "AWS names the service-linked role AWSServiceRoleForBatch; remove this name or use batch_service_role = \"seed\"",
                );
            }
        }
        let scheduler = self
            .parallelcluster
            .as_ref()
            .filter(|p| p.enabled)
            .and_then(|p| {
                check_parallelcluster(p, !self.permissions_boundary.is_empty(), &mut errors)
            });
        if let Some(o) = self.omics.as_ref().filter(|o| o.enabled) {
            omics::check_omics(o, partition, &mut errors);
        }
        if !self.genomics_enabled() && !self.parallelcluster_enabled() && !self.omics_enabled() {
            errors.add(
                "genomics.enabled",
                "nothing to set up: enable [genomics], [parallelcluster], [omics] or more than one",
            );
        }
        if let Some(region) = &region {
            self.check_names(region, &mut errors);
        }
        self.check_edits(&mut errors);
        self.check_existing(&mut errors);

        match (region, account_id, partition) {
            (Some(region), Some(account_id), Some(partition)) if errors.0.is_empty() => {
                Ok(ValidAnswers {
                    answers: self.clone(),
                    target: Target {
                        region,
                        account_id,
                        partition,
                    },
                    scheduler,
                })
            }
            _ => Err(ValidationErrors(errors.0)),
        }
    }

    /// Each edit must hold JSON objects and name a document a resource has;
    /// two edits of one document would leave which one wins to their order.
    fn check_edits(&self, errors: &mut Errors) {
        let mut seen = BTreeSet::new();
        for (index, edit) in self.edits.iter().enumerate() {
            for (field, message) in edit.problems(index) {
                errors.add(&field, message);
            }
            if !seen.insert((edit.kind, edit.name.clone(), edit.document.clone())) {
                errors.add(
                    &format!("edits[{index}]"),
                    format!("a second edit of {}; keep one", edit.describe()),
                );
            }
        }
    }

    /// `adopt` and `keep` hold IAM names (or `"*"` in `adopt`), and no name
    /// is in both: whether such a resource is changed must not depend on
    /// which list is read first. Whether the plan has each name is lint's
    /// to say, once the final names are known.
    fn check_existing(&self, errors: &mut Errors) {
        for (field, list) in [("adopt", &self.adopt), ("keep", &self.keep)] {
            for (index, name) in list.iter().enumerate() {
                if field == "adopt" && name == super::ADOPT_EVERY {
                    continue;
                }
                // The longest IAM name (a policy's); lint names the ones
                // the plan lacks.
                let max = crate::iam::limits::POLICY_NAME_MAX;
                if let Err(why) = rules::iam_name(name, "name", max) {
                    errors.add(&format!("{field}[{index}]"), why);
                }
            }
        }
        for (index, name) in self.keep.iter().enumerate() {
            if self.adopt.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                errors.add(
                    &format!("keep[{index}]"),
                    format!("{name} is also in adopt; keep it in one list"),
                );
            }
        }
    }

    fn genomics_enabled(&self) -> bool {
        self.genomics.as_ref().is_some_and(|g| g.enabled)
    }

    fn omics_enabled(&self) -> bool {
        self.omics.as_ref().is_some_and(|o| o.enabled)
    }

    fn parallelcluster_enabled(&self) -> bool {
        self.parallelcluster.as_ref().is_some_and(|p| p.enabled)
    }

    fn resolve_region(&self, env: &Environment, errors: &mut Errors) -> Option<String> {
        if let (Some(file), Some(flag)) = (&self.region, &env.region_flag)
            && file != flag
        {
            errors.add(
                "region",
                format!(
                    "the answers file says `{file}` but --region says `{flag}`; remove one of them"
                ),
            );
            return None;
        }
        let region = self
            .region
            .clone()
            .or_else(|| env.region_flag.clone())
            .or_else(|| env.region_env.clone());
        match region {
            None => {
                errors.add(
                    "region",
                    "not set: add `region = \"us-east-1\"` (your region) to the answers file, pass --region, or set AWS_REGION",
                );
                None
            }
            Some(r) => match rules::region(&r) {
                Ok(()) => Some(r),
                Err(why) => {
                    errors.add("region", why);
                    None
                }
            },
        }
    }

    fn resolve_account(&self, env: &Environment, errors: &mut Errors) -> Option<String> {
        // A malformed id is that, whatever the account in use: not "the
        // answers are for account  but …".
        if let Some(file) = &self.account_id
            && let Err(why) = rules::account_id(file)
        {
            errors.add("account_id", why);
            return None;
        }
        if let (Some(file), Some(cloud)) = (&self.account_id, &env.account_id)
            && file != cloud
        {
            errors.add(
                "account_id",
                format!(
                    "the answers are for account {file} but the account in use is {cloud}; fix account_id or switch accounts"
                ),
            );
            return None;
        }
        match self.account_id.clone().or_else(|| env.account_id.clone()) {
            None => {
                errors.add(
                    "account_id",
                    "not set: add `account_id = \"123456789012\"` (your 12-digit account id) to the answers file, or use --demo",
                );
                None
            }
            Some(id) => match rules::account_id(&id) {
                Ok(()) => Some(id),
                Err(why) => {
                    errors.add("account_id", why);
                    None
                }
            },
        }
    }

    fn check_common(&self, partition: Option<Partition>, errors: &mut Errors) {
        if let Some(bad) = self
            .name_prefix
            .chars()
            .find(|c| !rules::is_iam_name_char(*c))
        {
            errors.add(
                "name_prefix",
                format!(
                    "`{}` contains `{bad}`; a prefix may use letters, digits and `_ + = , . @ -`",
                    self.name_prefix
                ),
            );
        }
        errors.check("path", rules::iam_path(&self.path));
        if !self.permissions_boundary.is_empty()
            && let Some(p) = partition
        {
            errors.check(
                "permissions_boundary",
                rules::policy_arn(&self.permissions_boundary, p),
            );
        }
        if self.tags.len() > MAX_USER_TAGS {
            errors.add(
                "tags",
                format!(
                    "{} tags given; AWS allows 50 per resource and onramp uses one, so at most {MAX_USER_TAGS}",
                    self.tags.len()
                ),
            );
        }
        let mut keys_seen: BTreeMap<String, &str> = BTreeMap::new();
        for (key, value) in &self.tags {
            let field = format!("tags.{key}");
            // IAM compares the tag keys of roles case-insensitively.
            if let Some(first) = keys_seen.insert(key.to_lowercase(), key) {
                errors.add(
                    &field,
                    format!("`{key}` and `{first}` differ only in case; IAM treats them as the same tag key"),
                );
                continue;
            }
            if key == MANAGED_BY_TAG.0 {
                errors.add(&field, "this tag is onramp's own and is set automatically");
                continue;
            }
            errors.check(&field, rules::tag_key(key));
            errors.check(&field, rules::tag_value(value));
        }
    }

    /// Checks every name the plan will use, after the prefix is applied, and
    /// that no two resources of one kind share a name (IAM compares names
    /// case-insensitively).
    fn check_names(&self, region: &str, errors: &mut Errors) {
        // A prefix with bad characters is reported once, in check_common.
        let prefix_ok = self.name_prefix.chars().all(rules::is_iam_name_char);
        let mut seen: BTreeMap<(EntityKind, String), Slot> = BTreeMap::new();
        for slot in self.slots_in_use() {
            let field = format!("names.{}", slot.key());
            let kind = slot.kind();
            let noun = name_noun(kind);
            let given = slot.overridden(&self.names);
            if let Some(given) = given
                && let Err(why) = rules::iam_name(given, &noun, kind.max_name_len())
            {
                errors.add(&field, why);
                continue;
            }
            let base = given.map_or_else(|| slot.default_name(region), str::to_owned);
            for part in 0..self.parts_of(slot, region) {
                let bare = bucket_policy_part_name(&base, part);
                let name = format!("{}{bare}", self.name_prefix);
                if part > 0
                    && let Err(why) = rules::iam_name(&bare, &noun, kind.max_name_len())
                {
                    errors.add(
                        &field,
                        format!("part {} of the split bucket access policy: {why}", part + 1),
                    );
                    break;
                }
                if let Err(why) = rules::iam_name(&name, &noun, kind.max_name_len()) {
                    // The name without the prefix is fine, so the prefix breaks it.
                    if prefix_ok {
                        errors.add(
                            "name_prefix",
                            format!("makes the {} name too long or invalid: {why}", kind.noun()),
                        );
                    }
                    break;
                }
                let key = (kind, name.to_lowercase());
                if let Some(first) = seen.get(&key) {
                    errors.add(
                        &field,
                        format!(
                            "`{name}` is also the name of names.{} (IAM names are case-insensitive); choose another",
                            first.key()
                        ),
                    );
                    break;
                }
                seen.insert(key, slot);
            }
        }
    }

    /// How many resources a slot names: the bucket access policy is split in
    /// parts when one policy would exceed IAM's size limit; others are one.
    fn parts_of(&self, slot: Slot, region: &str) -> usize {
        match (slot, self.genomics.as_ref()) {
            (Slot::BucketAccessPolicy, Some(g)) => {
                crate::templates::bucket::parts(Partition::of_region(region), &g.buckets)
                    .map_or(1, |p| p.len())
            }
            _ => 1,
        }
    }

    /// The named resources these answers ask for.
    pub fn slots_in_use(&self) -> Vec<Slot> {
        let mut slots = Vec::new();
        if let Some(g) = self.genomics.as_ref().filter(|g| g.enabled) {
            slots.push(Slot::BucketAccessPolicy);
            if g.ebs_autoscale {
                slots.push(Slot::EbsAutoscalePolicy);
            }
            if g.batch_service_role() == BatchServiceRole::Seed {
                slots.push(Slot::BatchServiceRole);
            }
            slots.push(Slot::InstanceRole);
            if g.spot {
                slots.push(Slot::SpotFleetRole);
            }
            if g.job_role {
                slots.push(Slot::JobRole);
            }
        }
        match self.parallelcluster.as_ref().filter(|p| p.enabled) {
            Some(p) if p.is_v3() => slots.extend(parallelcluster3_slots(p)),
            Some(_) => slots.extend([
                Slot::ParallelClusterInstancePolicy,
                Slot::ParallelClusterRole,
                Slot::ParallelClusterUserPolicy,
            ]),
            None => {}
        }
        if self.omics_enabled() {
            slots.extend([Slot::OmicsServiceRole, Slot::OmicsUserPolicy]);
        }
        slots
    }
}

fn name_noun(kind: EntityKind) -> String {
    format!("{} name", kind.noun())
}

/// Each bucket of a list (`field[i]`) follows S3's naming rules and is
/// listed once.
pub(super) fn check_buckets(field: &str, buckets: &[String], errors: &mut Errors) {
    let mut seen = BTreeSet::new();
    for (i, bucket) in buckets.iter().enumerate() {
        let field = format!("{field}[{i}]");
        if !seen.insert(bucket) {
            errors.add(&field, format!("`{bucket}` is listed twice"));
            continue;
        }
        errors.check(&field, rules::bucket_name(bucket));
    }
}

fn check_genomics(g: &Genomics, partition: Option<Partition>, errors: &mut Errors) {
    if g.buckets.is_empty() {
        errors.add(
            "genomics.buckets",
            "no bucket chosen; the instance role needs at least one bucket for its data",
        );
    }
    check_buckets("genomics.buckets", &g.buckets, errors);
    if BatchServiceRole::parse(&g.batch_service_role).is_none() {
        let names: Vec<&str> = BatchServiceRole::ALL.iter().map(|r| r.as_str()).collect();
        errors.add(
            "genomics.batch_service_role",
            format!(
                "`{}` is not a choice; use {}",
                g.batch_service_role,
                names.join(" or ")
            ),
        );
    }
    if !g.job_role && !g.job_role_policy_arns.is_empty() {
        errors.add(
            "genomics.job_role_policy_arns",
            "policies for the job role are given but job_role = false; turn the job role on or remove them",
        );
    }
    let mut seen = BTreeSet::new();
    for (i, arn) in g.job_role_policy_arns.iter().enumerate() {
        let field = format!("genomics.job_role_policy_arns[{i}]");
        if !seen.insert(arn) {
            errors.add(&field, format!("`{arn}` is listed twice"));
        } else if let Some(p) = partition {
            errors.check(&field, rules::policy_arn(arn, p));
        }
    }
}

/// Returns the scheduler when it is valid. `boundary_set`: whether the
/// answers set `permissions_boundary`, which version 3's boundary mode needs.
fn check_parallelcluster(
    p: &ParallelCluster,
    boundary_set: bool,
    errors: &mut Errors,
) -> Option<Scheduler> {
    let version = match p.version.as_str() {
        "2" => Some(false),
        "3" => Some(true),
        other => {
            errors.add(
                "parallelcluster.version",
                format!(
                    "`{other}` is not a ParallelCluster version onramp knows; use \"2\" (the source document's) or \"3\" (current)"
                ),
            );
            None
        }
    };
    let v3 = version == Some(true);
    let scheduler = Scheduler::parse(&p.scheduler);
    if scheduler.is_none() {
        let names: Vec<&str> = Scheduler::ALL
            .iter()
            .filter(|s| !v3 || s.in_version_3())
            .map(|s| s.as_str())
            .collect();
        let hint = if Scheduler::parse(&p.scheduler.to_lowercase()).is_some() {
            " (schedulers are written in lowercase)"
        } else {
            ""
        };
        errors.add(
            "parallelcluster.scheduler",
            format!(
                "`{}` is not a scheduler{hint}; choose one of {}",
                p.scheduler,
                names.join(", ")
            ),
        );
    }
    match version {
        Some(true) => return check_version_3(p, scheduler, boundary_set, errors),
        // The version's own fields cannot be judged without a version.
        None => return scheduler,
        Some(false) => {}
    }
    let v3_only: [(&str, bool); 7] = [
        ("iam_mode", p.iam_mode.is_some()),
        ("fsx", p.fsx),
        ("fsx_bucket", p.fsx_bucket.is_some()),
        ("image_build", p.image_build),
        ("login_nodes", p.login_nodes),
        ("secret_name", p.secret_name.is_some()),
        ("pcluster_version", p.pcluster_version.is_some()),
    ];
    for (key, given) in v3_only {
        if given {
            errors.add(
                &format!("parallelcluster.{key}"),
                "only used with version = \"3\"; remove it or set version = \"3\"",
            );
        }
    }
    if let Some(bucket) = &p.resources_bucket {
        errors.check(
            "parallelcluster.resources_bucket",
            rules::bucket_name(bucket),
        );
    }
    type Rule = fn(&str) -> Result<(), rules::Reason>;
    let batch_fields: [(&str, &Option<String>, Rule); 6] = [
        ("stack_name", &p.stack_name, rules::stack_name),
        (
            "job_definition_serial_name",
            &p.job_definition_serial_name,
            |v| rules::batch_name(v, "job definition name"),
        ),
        ("job_definition_mnp_name", &p.job_definition_mnp_name, |v| {
            rules::batch_name(v, "job definition name")
        }),
        ("job_queue_name", &p.job_queue_name, |v| {
            rules::batch_name(v, "job queue name")
        }),
        ("job_role", &p.job_role, |v| {
            rules::iam_name(v, "role name", crate::iam::limits::ROLE_NAME_MAX)
        }),
        (
            "ecs_compute_environment",
            &p.ecs_compute_environment,
            rules::ecs_cluster_name,
        ),
    ];
    let awsbatch = scheduler == Some(Scheduler::Awsbatch);
    if awsbatch && p.resources_bucket.is_none() {
        errors.add(
            "parallelcluster.resources_bucket",
            "required with scheduler = \"awsbatch\": the cluster's resources bucket",
        );
    }
    for (key, value, rule) in batch_fields {
        let field = format!("parallelcluster.{key}");
        match (awsbatch, value) {
            (true, None) => errors.add(
                &field,
                "required with scheduler = \"awsbatch\" (the awsbatch policies name it)",
            ),
            (true, Some(v)) => errors.check(&field, rule(v)),
            (false, Some(_)) if scheduler.is_some() => errors.add(
                &field,
                format!(
                    "only used with scheduler = \"awsbatch\", not \"{}\"; remove it",
                    p.scheduler
                ),
            ),
            (false, _) => {}
        }
    }
    scheduler
}

/// The version 3 fields; the version 2 awsbatch fields do not apply.
fn check_version_3(
    p: &ParallelCluster,
    scheduler: Option<Scheduler>,
    boundary_set: bool,
    errors: &mut Errors,
) -> Option<Scheduler> {
    let scheduler = match scheduler {
        Some(s) if !s.in_version_3() => {
            errors.add(
                "parallelcluster.scheduler",
                format!(
                    "{} exists only in ParallelCluster 2; with version = \"3\" choose slurm or awsbatch, or set version = \"2\"",
                    s.display_name()
                ),
            );
            None
        }
        other => other,
    };
    let v2_only: [(&str, bool); 7] = [
        ("resources_bucket", p.resources_bucket.is_some()),
        ("stack_name", p.stack_name.is_some()),
        (
            "job_definition_serial_name",
            p.job_definition_serial_name.is_some(),
        ),
        (
            "job_definition_mnp_name",
            p.job_definition_mnp_name.is_some(),
        ),
        ("job_queue_name", p.job_queue_name.is_some()),
        ("job_role", p.job_role.is_some()),
        (
            "ecs_compute_environment",
            p.ecs_compute_environment.is_some(),
        ),
    ];
    for (key, given) in v2_only {
        if given {
            errors.add(
                &format!("parallelcluster.{key}"),
                "only used with version = \"2\": ParallelCluster 3's policies scope by name pattern (parallelcluster-*, pcluster-*); remove it",
            );
        }
    }
    let mode = match p.iam_mode.as_deref() {
        None => Some(IamMode::Privileged),
        Some(text) => {
            let mode = IamMode::parse(text);
            if mode.is_none() {
                let names: Vec<&str> = IamMode::ALL.iter().map(|m| m.as_str()).collect();
                errors.add(
                    "parallelcluster.iam_mode",
                    format!(
                        "`{text}` is not an IAM mode; choose one of {}",
                        names.join(", ")
                    ),
                );
            }
            mode
        }
    };
    if mode == Some(IamMode::Restricted) && scheduler == Some(Scheduler::Awsbatch) {
        errors.add(
            "parallelcluster.iam_mode",
            "restricted mode cannot manage awsbatch clusters (ParallelCluster 3 cannot take every Batch role from its configuration); use privileged or permissions-boundary",
        );
    }
    let release = match p.pcluster_version.as_deref().map(Release::parse) {
        None => Some(Release::NEWEST),
        Some(Ok(release)) => Some(release),
        Some(Err(why)) => {
            errors.add("parallelcluster.pcluster_version", why.to_string());
            None
        }
    };
    if p.login_nodes && scheduler == Some(Scheduler::Awsbatch) {
        errors.add(
            "parallelcluster.login_nodes",
            "login nodes are a Slurm feature (LoginNodes in the cluster configuration); an awsbatch cluster has none, so remove it or choose slurm",
        );
    } else if p.login_nodes && release.is_some_and(|r| r < Release::LOGIN_NODES) {
        errors.add(
            "parallelcluster.login_nodes",
            format!(
                "login nodes came in ParallelCluster {}; with pcluster_version = \"{}\" remove login_nodes, or choose {} or later",
                Release::LOGIN_NODES,
                p.pcluster_version.as_deref().unwrap_or_default(),
                Release::LOGIN_NODES
            ),
        );
    }
    if mode == Some(IamMode::PermissionsBoundary) && !boundary_set {
        errors.add(
            "parallelcluster.iam_mode",
            "permissions-boundary mode needs permissions_boundary set (the policy ARN pcluster must put on every role it creates, Iam/PermissionsBoundary); set it, or choose another mode",
        );
    }
    match (&p.fsx_bucket, p.fsx) {
        (Some(_), false) => errors.add(
            "parallelcluster.fsx_bucket",
            "only used with fsx = true; turn the FSx add-on on or remove it",
        ),
        (Some(bucket), true) => {
            errors.check("parallelcluster.fsx_bucket", rules::bucket_name(bucket));
        }
        (None, _) => {}
    }
    if let Some(secret) = &p.secret_name {
        errors.check("parallelcluster.secret_name", rules::secret_name(secret));
    }
    scheduler
}

/// Collects field errors.
#[derive(Default)]
pub(super) struct Errors(Vec<FieldError>);

impl Errors {
    pub(super) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub(super) fn check(&mut self, field: &str, result: Result<(), String>) {
        if let Err(why) = result {
            self.add(field, why);
        }
    }
}

/// Answers that passed validation, with the target resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAnswers {
    answers: Answers,
    target: Target,
    scheduler: Option<Scheduler>,
}

impl ValidAnswers {
    pub fn answers(&self) -> &Answers {
        &self.answers
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The final name of a resource (prefix applied).
    pub fn name(&self, slot: Slot) -> String {
        slot.name(
            &self.answers.name_prefix,
            &self.answers.names,
            &self.target.region,
        )
    }

    /// The slot that names the planned resource of `kind` called `name`:
    /// an instance profile has its role's name, and each part of a split
    /// bucket access policy the policy's with `-2`, `-3`, … after it.
    pub fn slot_of(&self, kind: EntityKind, name: &str) -> Option<Slot> {
        let kind = match kind {
            EntityKind::InstanceProfile => EntityKind::Role,
            other => other,
        };
        let part_of = |base: &str| {
            name.get(..base.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(base))
                && name[base.len()..]
                    .strip_prefix('-')
                    .is_some_and(|n| n.parse::<usize>().is_ok_and(|n| n >= 2))
        };
        self.answers
            .slots_in_use()
            .into_iter()
            .filter(|slot| slot.kind() == kind)
            .find(|slot| {
                let base = self.name(*slot);
                name.eq_ignore_ascii_case(&base)
                    || (*slot == Slot::BucketAccessPolicy && part_of(&base))
            })
    }

    /// The genomics choices, when that part is wanted.
    pub fn genomics(&self) -> Option<&Genomics> {
        self.answers.genomics.as_ref().filter(|g| g.enabled)
    }

    /// The HealthOmics choices, when that part is wanted.
    pub fn omics(&self) -> Option<&Omics> {
        self.answers.omics.as_ref().filter(|o| o.enabled)
    }

    /// The ParallelCluster choices and scheduler, when that part is wanted.
    pub fn parallelcluster(&self) -> Option<(&ParallelCluster, Scheduler)> {
        let p = self
            .answers
            .parallelcluster
            .as_ref()
            .filter(|p| p.enabled)?;
        Some((p, self.scheduler?))
    }

    /// The region's partition must be the caller's: credentials of one
    /// partition (say `aws`) cannot reach another (`aws-cn`).
    pub fn check_caller_partition(
        &self,
        caller_partition: &str,
        caller_arn: &str,
    ) -> Result<(), FieldError> {
        let planned = self.target.partition.as_str();
        if caller_partition == planned {
            return Ok(());
        }
        Err(FieldError {
            field: "region".into(),
            message: format!(
                "{} is in partition {planned}, but your credentials ({caller_arn}) are for partition {caller_partition}",
                self.target.region
            ),
        })
    }

    /// The permissions boundary, if one is set.
    pub fn permissions_boundary(&self) -> Option<&str> {
        Some(self.answers.permissions_boundary.as_str()).filter(|b| !b.is_empty())
    }

    /// onramp's own tag plus the user's, for every created resource.
    pub fn tags(&self) -> BTreeMap<String, String> {
        let mut tags = self.answers.tags.clone();
        tags.insert(MANAGED_BY_TAG.0.into(), MANAGED_BY_TAG.1.into());
        tags
    }
}
