//! Everything the user chooses, as the answers file (TOML) or the wizard
//! records it, and its validation.
//!
//! Validation never stops at the first problem: it returns every error at
//! once, each naming its field (`genomics.buckets[1]`, `name_prefix`, …) and
//! saying what is allowed. Only valid answers can be planned: [`plan`]
//! takes a [`ValidAnswers`], which only [`Answers::validate`] makes.
//!
//! [`plan`]: crate::plan::plan

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::names::{EntityKind, NameOverrides, Slot, bucket_policy_part_name};
use crate::partition::Partition;
use crate::plan::edits::Edit;
use crate::plan::genomics::bucket_policy_parts;
use crate::plan::parallelcluster3::Release;
use crate::rules;

/// The tag onramp puts on everything it creates, so that its resources can be
/// told apart from hand-made ones.
pub const MANAGED_BY_TAG: (&str, &str) = ("onramp:managed-by", "onramp");

/// Whether an entity carries onramp's tag, i.e. onramp created it.
pub fn is_managed_by_onramp(tags: &BTreeMap<String, String>) -> bool {
    tags.get(MANAGED_BY_TAG.0).map(String::as_str) == Some(MANAGED_BY_TAG.1)
}

/// AWS allows 50 tags per resource; onramp's own tag takes one.
pub const MAX_USER_TAGS: usize = 49;

/// The answers, as written in an answers file. Defaults follow the console
/// walkthrough of the source documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// Region to plan for; else `--region`, `AWS_REGION` or `AWS_DEFAULT_REGION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Account to plan for; else the account of the cloud in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Prepended to every name.
    #[serde(default)]
    pub name_prefix: String,
    /// IAM path of every role, policy and instance profile.
    #[serde(default = "root_path")]
    pub path: String,
    /// ARN of a managed policy set as permissions boundary on every role; empty for none.
    #[serde(default)]
    pub permissions_boundary: String,
    /// Added to every resource beside onramp's own tag.
    #[serde(default, deserialize_with = "table_of")]
    pub tags: BTreeMap<String, String>,
    /// Overrides of the default names.
    #[serde(default, deserialize_with = "table_of")]
    pub names: NameOverrides,
    /// The Genomics Workflows on AWS core permissions; absent means not wanted.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "table"
    )]
    pub genomics: Option<Genomics>,
    /// The AWS ParallelCluster policies; absent means not wanted.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "table"
    )]
    pub parallelcluster: Option<ParallelCluster>,
    /// Documents edited by hand, each replacing the one onramp generates
    /// (see [`crate::plan::edits`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<Edit>,
}

/// A table, and only a table: serde would also read a struct from a list,
/// field by field in order, so `parallelcluster = []` would silently mean
/// `[parallelcluster]` with every default.
fn table<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    table_of(d).map(Some)
}

/// A table (`[names]`, `[tags]`), said so when it is not one.
fn table_of<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    struct TableOnly<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for TableOnly<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a table")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_any(TableOnly(std::marker::PhantomData))
}

fn root_path() -> String {
    "/".into()
}

fn yes() -> bool {
    true
}

impl Default for Answers {
    /// What the console walkthrough starts from: the genomics core with every
    /// option on, no buckets chosen yet, names as in the documents.
    fn default() -> Self {
        Answers {
            region: None,
            account_id: None,
            name_prefix: String::new(),
            path: root_path(),
            permissions_boundary: String::new(),
            tags: BTreeMap::new(),
            names: NameOverrides::default(),
            genomics: Some(Genomics::default()),
            parallelcluster: None,
            edits: Vec::new(),
        }
    }
}

/// The `[genomics]` table: "Core: Permissions" of Genomics Workflows on AWS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genomics {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Buckets the instance role (and job role) may use.
    #[serde(default)]
    pub buckets: Vec<String>,
    /// Attach `AmazonS3ReadOnlyAccess` to the instance role, for public data sets.
    #[serde(default = "yes")]
    pub public_data_read: bool,
    /// Create and attach the EBS autoscale policy.
    #[serde(default = "yes")]
    pub ebs_autoscale: bool,
    /// Create the Spot Fleet role, which a Spot compute environment needs
    /// only with the `BEST_FIT` allocation strategy or none.
    #[serde(default = "yes")]
    pub spot: bool,
    /// Create the Batch job role.
    #[serde(default = "yes")]
    pub job_role: bool,
    /// Extra managed policies for the job role.
    #[serde(default)]
    pub job_role_policy_arns: Vec<String>,
    /// Which role AWS Batch acts through: `"seed"`, the document's own
    /// `AWSBatchServiceRole`, or `"service-linked"`, `AWSServiceRoleForBatch`,
    /// which AWS Batch recommends today.
    #[serde(default = "seed_role")]
    pub batch_service_role: String,
}

fn seed_role() -> String {
    BatchServiceRole::Seed.as_str().into()
}

/// The role AWS Batch acts through. A compute environment keeps the role it
/// was created with, so this is chosen once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchServiceRole {
    /// The seed's `AWSBatchServiceRole`: a role onramp creates, trusted by
    /// `batch.amazonaws.com`, with the `AWSBatchServiceRole` managed policy.
    Seed,
    /// `AWSServiceRoleForBatch`, made by `CreateServiceLinkedRole`; AWS owns
    /// its permissions and keeps them current.
    ServiceLinked,
}

impl BatchServiceRole {
    pub const ALL: [BatchServiceRole; 2] =
        [BatchServiceRole::Seed, BatchServiceRole::ServiceLinked];

    pub fn as_str(self) -> &'static str {
        match self {
            BatchServiceRole::Seed => "seed",
            BatchServiceRole::ServiceLinked => "service-linked",
        }
    }

    pub fn parse(text: &str) -> Option<BatchServiceRole> {
        BatchServiceRole::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

impl Genomics {
    /// The chosen Batch service role; the seed's when the text is not valid
    /// (validation reports it).
    pub fn batch_service_role(&self) -> BatchServiceRole {
        BatchServiceRole::parse(&self.batch_service_role).unwrap_or(BatchServiceRole::Seed)
    }
}

impl Default for Genomics {
    fn default() -> Self {
        Genomics {
            enabled: true,
            buckets: Vec::new(),
            public_data_read: true,
            ebs_autoscale: true,
            spot: true,
            job_role: true,
            job_role_policy_arns: Vec::new(),
            batch_service_role: seed_role(),
        }
    }
}

/// The `[parallelcluster]` table: ParallelCluster's instance and user policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParallelCluster {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// ParallelCluster major version; `"2"` is the one the source document describes.
    #[serde(default = "version_two", deserialize_with = "string_or_integer")]
    pub version: String,
    /// `slurm`, `sge`, `torque` or `awsbatch`.
    #[serde(default = "slurm")]
    pub scheduler: String,
    /// The cluster's resources bucket (`<RESOURCES S3 BUCKET>`); required for awsbatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_bucket: Option<String>,
    /// awsbatch: the cluster's CloudFormation stack (`<STACK NAME>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_name: Option<String>,
    /// awsbatch: `<AWS_BATCH_STACK - JOB_DEFINITION_SERIAL_NAME>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_definition_serial_name: Option<String>,
    /// awsbatch: `<AWS_BATCH_STACK - JOB_DEFINITION_MNP_NAME>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_definition_mnp_name: Option<String>,
    /// awsbatch: `<AWS_BATCH_STACK - JOB_QUEUE_NAME>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_queue_name: Option<String>,
    /// awsbatch: `<AWS_BATCH_STACK - JOB_ROLE>`, a role name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_role: Option<String>,
    /// awsbatch: `<ECS COMPUTE ENVIRONMENT>`, the ECS cluster of the compute environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecs_compute_environment: Option<String>,
    /// Version 3: how `pcluster` gets the cluster's IAM roles: `"privileged"`
    /// (it creates them), `"restricted"` (onramp pre-creates them) or
    /// `"permissions-boundary"` (it creates them under `permissions_boundary`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam_mode: Option<String>,
    /// Version 3: the add-on user policy for Amazon FSx for Lustre.
    #[serde(default, skip_serializing_if = "is_false")]
    pub fsx: bool,
    /// Version 3, with `fsx`: the bucket FSx for Lustre links to (`<S3 NAME>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fsx_bucket: Option<String>,
    /// Version 3: the add-on user policy for `pcluster build-image`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub image_build: bool,
    /// Version 3: the add-on user policy for login nodes (ParallelCluster 3.7+).
    #[serde(default, skip_serializing_if = "is_false")]
    pub login_nodes: bool,
    /// Version 3: the Secrets Manager secret the cluster configuration names
    /// (`<SECRET NAME>`, e.g. the directory service password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
    /// Version 3: the ParallelCluster release the policies are for, `"3.9"`
    /// or `"3.9.1"` (3.6 to 3.16); absent: the newest onramp supports.
    #[serde(
        default,
        deserialize_with = "release_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub pcluster_version: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Version 3's IAM modes, from the ParallelCluster 3 guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamMode {
    /// `pcluster` users create the cluster's roles under `/parallelcluster/`.
    Privileged,
    /// `pcluster` users create no roles; onramp pre-creates them.
    Restricted,
    /// `pcluster` users create roles only with the permissions boundary.
    PermissionsBoundary,
}

impl IamMode {
    pub const ALL: [IamMode; 3] = [
        IamMode::Privileged,
        IamMode::Restricted,
        IamMode::PermissionsBoundary,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IamMode::Privileged => "privileged",
            IamMode::Restricted => "restricted",
            IamMode::PermissionsBoundary => "permissions-boundary",
        }
    }

    pub fn parse(text: &str) -> Option<IamMode> {
        IamMode::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl ParallelCluster {
    /// ParallelCluster 3, the current major version (2 is the seed's).
    pub fn is_v3(&self) -> bool {
        self.version == "3"
    }

    /// The release the version 3 policies are for: `pcluster_version`, the
    /// newest onramp supports when not given or not valid (validation
    /// reports the latter).
    pub fn release(&self) -> Release {
        self.pcluster_version
            .as_deref()
            .and_then(|text| Release::parse(text).ok())
            .unwrap_or(Release::NEWEST)
    }

    /// The IAM mode (version 3); privileged when not given or not valid
    /// (validation reports the latter).
    pub fn iam_mode(&self) -> IamMode {
        self.iam_mode
            .as_deref()
            .and_then(IamMode::parse)
            .unwrap_or(IamMode::Privileged)
    }
}

fn version_two() -> String {
    "2".into()
}

fn slurm() -> String {
    "slurm".into()
}

/// `version = 2` and `version = "2"` both mean the same to a person. Anything
/// else (`2.5`, `true`, a list) is refused with what is expected, not with
/// serde's "data did not match any variant of untagged enum".
fn string_or_integer<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Version;
    impl serde::de::Visitor<'_> for Version {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a ParallelCluster version such as \"2\"")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(Version)
}

/// `pcluster_version` is text: as a TOML number, `3.10` would read as 3.1.
fn release_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct ReleaseText;
    impl serde::de::Visitor<'_> for ReleaseText {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a ParallelCluster 3 release in quotes, such as \"3.9\" or \"3.9.1\"")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }

        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(E::custom(
                "write the release in quotes, such as \"3.10\": as a number it would lose a trailing zero (3.10 reads as 3.1)",
            ))
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Err(E::custom(format!(
                "write the release in quotes with its minor version, such as \"3.16\", not the number {v}"
            )))
        }
    }
    d.deserialize_any(ReleaseText)
}

impl Default for ParallelCluster {
    fn default() -> Self {
        ParallelCluster {
            enabled: true,
            version: version_two(),
            scheduler: slurm(),
            resources_bucket: None,
            stack_name: None,
            job_definition_serial_name: None,
            job_definition_mnp_name: None,
            job_queue_name: None,
            job_role: None,
            ecs_compute_environment: None,
            iam_mode: None,
            fsx: false,
            fsx_bucket: None,
            image_build: false,
            login_nodes: false,
            secret_name: None,
            pcluster_version: None,
        }
    }
}

/// The cluster scheduler; it decides which variant of each ParallelCluster policy applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheduler {
    Slurm,
    Sge,
    Torque,
    Awsbatch,
}

impl Scheduler {
    pub const ALL: [Scheduler; 4] = [
        Scheduler::Slurm,
        Scheduler::Sge,
        Scheduler::Torque,
        Scheduler::Awsbatch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scheduler::Slurm => "slurm",
            Scheduler::Sge => "sge",
            Scheduler::Torque => "torque",
            Scheduler::Awsbatch => "awsbatch",
        }
    }

    pub fn parse(text: &str) -> Option<Scheduler> {
        Scheduler::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// ParallelCluster 3 dropped SGE and Torque.
    pub fn in_version_3(self) -> bool {
        matches!(self, Scheduler::Slurm | Scheduler::Awsbatch)
    }

    /// How the scheduler is written in prose.
    pub fn display_name(self) -> &'static str {
        match self {
            Scheduler::Slurm => "Slurm",
            Scheduler::Sge => "SGE",
            Scheduler::Torque => "Torque",
            Scheduler::Awsbatch => "AWS Batch (awsbatch)",
        }
    }
}

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

/// Written above the first `[[edits]]` of a saved answers file.
const EDITS_EXPLAINED: &str = "\
# Hand edits: each replaces one document onramp generates with `policy`.
# `generated` is the document it was made from; if onramp now generates
# another, plan and apply say so and change nothing until it is reviewed.
";

/// The answers file could not be read as answers at all.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(String);

impl Answers {
    /// Reads an answers file's text. Unknown keys are rejected with the list of
    /// known ones, so a typo never silently falls back to a default.
    /// Every unknown key and wrong type is reported, each with its line.
    pub fn from_toml(text: &str) -> Result<Answers, ParseError> {
        crate::answers_file::read(text).map_err(|e| ParseError(e.to_string()))
    }

    /// Writes the answers as an answers file.
    pub fn to_toml(&self) -> String {
        let text = toml::to_string(self).unwrap_or_default();
        // What an edit is, for whoever reviews the file without onramp.
        match text.find("[[edits]]") {
            Some(at) => format!("{}{EDITS_EXPLAINED}{}", &text[..at], &text[at..]),
            None => text,
        }
    }

    /// The demo account's answers, embedded in the binary.
    pub fn demo() -> Answers {
        // The asset is checked by a test; an empty default is never reached.
        Answers::from_toml(include_str!("../assets/demo/answers.toml")).unwrap_or_default()
    }

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
        if !self.genomics_enabled() && !self.parallelcluster_enabled() {
            errors.add(
                "genomics.enabled",
                "nothing to set up: enable [genomics], [parallelcluster] or both",
            );
        }
        if let Some(region) = &region {
            self.check_names(region, &mut errors);
        }
        self.check_edits(&mut errors);

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

    fn genomics_enabled(&self) -> bool {
        self.genomics.as_ref().is_some_and(|g| g.enabled)
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
                bucket_policy_parts(Partition::of_region(region), &g.buckets).map_or(1, |p| p.len())
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
        slots
    }
}

/// The resources of ParallelCluster 3, in plan order: the user policies, then
/// (restricted mode) the roles `pcluster` would otherwise create.
pub fn parallelcluster3_slots(p: &ParallelCluster) -> Vec<Slot> {
    let mode = p.iam_mode();
    let mut slots = vec![Slot::ParallelClusterUserPolicy];
    if p.scheduler == Scheduler::Awsbatch.as_str() {
        slots.push(Slot::ParallelClusterBatchUserPolicy);
    }
    if p.fsx {
        slots.push(Slot::ParallelClusterFsxUserPolicy);
    }
    if p.image_build {
        slots.push(Slot::ParallelClusterImageBuildUserPolicy);
    }
    if p.login_nodes {
        slots.push(Slot::ParallelClusterLoginNodesUserPolicy);
    }
    if mode == IamMode::Restricted {
        slots.extend([
            Slot::ParallelClusterHeadNodePolicy,
            Slot::ParallelClusterHeadNodeRole,
            Slot::ParallelClusterComputePolicy,
            Slot::ParallelClusterComputeRole,
            Slot::ParallelClusterLambdaRole,
        ]);
        if p.image_build {
            slots.extend([
                Slot::ParallelClusterImageBuilderRole,
                Slot::ParallelClusterImageCleanupRole,
            ]);
        }
    } else {
        slots.push(Slot::ParallelClusterIamUserPolicy);
    }
    slots
}

fn name_noun(kind: EntityKind) -> String {
    format!("{} name", kind.noun())
}

fn check_genomics(g: &Genomics, partition: Option<Partition>, errors: &mut Errors) {
    if g.buckets.is_empty() {
        errors.add(
            "genomics.buckets",
            "no bucket chosen; the instance role needs at least one bucket for its data",
        );
    }
    let mut seen = BTreeSet::new();
    for (i, bucket) in g.buckets.iter().enumerate() {
        let field = format!("genomics.buckets[{i}]");
        if !seen.insert(bucket) {
            errors.add(&field, format!("`{bucket}` is listed twice"));
            continue;
        }
        errors.check(&field, rules::bucket_name(bucket));
    }
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
            rules::iam_name(v, "role name", crate::plan::limits::ROLE_NAME_MAX)
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
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    fn check(&mut self, field: &str, result: Result<(), String>) {
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

    /// The genomics choices, when that part is wanted.
    pub fn genomics(&self) -> Option<&Genomics> {
        self.answers.genomics.as_ref().filter(|g| g.enabled)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        Environment {
            region_flag: None,
            region_env: Some("us-east-1".into()),
            account_id: Some("123456789012".into()),
        }
    }

    #[test]
    fn the_callers_partition_must_be_the_regions() {
        let valid = genomics_with(&["data-bucket"]).validate(&env()).unwrap();
        assert!(
            valid
                .check_caller_partition("aws", "arn:aws:iam::1:user/a")
                .is_ok()
        );
        let e = valid
            .check_caller_partition("aws-cn", "arn:aws-cn:iam::1:user/a")
            .unwrap_err();
        assert_eq!(e.field, "region");
        assert_eq!(
            e.message,
            "us-east-1 is in partition aws, but your credentials (arn:aws-cn:iam::1:user/a) are for partition aws-cn"
        );
    }

    fn genomics_with(buckets: &[&str]) -> Answers {
        Answers {
            genomics: Some(Genomics {
                buckets: buckets.iter().map(|b| (*b).to_owned()).collect(),
                ..Genomics::default()
            }),
            ..Answers::default()
        }
    }

    #[test]
    fn minimal_file_takes_console_defaults() {
        let a = Answers::from_toml("[genomics]\nbuckets = [\"my-gwf-data\"]\n").unwrap();
        let g = a.genomics.as_ref().unwrap();
        assert!(g.enabled && g.public_data_read && g.ebs_autoscale && g.spot && g.job_role);
        assert_eq!(a.path, "/");
        assert!(a.parallelcluster.is_none());
        let valid = a.validate(&env()).unwrap();
        assert_eq!(valid.target().partition, Partition::Aws);
        assert_eq!(
            valid.name(Slot::BucketAccessPolicy),
            "s3bucket-access-us-east-1"
        );
    }

    #[test]
    fn unknown_keys_list_the_known_ones() {
        let err = Answers::from_toml("regoin = \"us-east-1\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("regoin"), "{err}");
        assert!(
            err.contains("region") && err.contains("name_prefix"),
            "{err}"
        );
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let mut a = genomics_with(&["Bad_Bucket", "ok-bucket", "ok-bucket"]);
        a.path = "no-slash".into();
        a.name_prefix = "a b".into();
        let errors = a.validate(&env()).unwrap_err();
        assert_eq!(
            errors.fields(),
            [
                "name_prefix",
                "path",
                "genomics.buckets[0]",
                "genomics.buckets[2]"
            ]
        );
    }

    #[test]
    fn region_flag_must_agree_with_the_file() {
        let mut a = genomics_with(&["data-bucket"]);
        a.region = Some("eu-west-1".into());
        let mut e = env();
        e.region_flag = Some("us-east-1".into());
        assert_eq!(a.validate(&e).unwrap_err().fields(), ["region"]);
        e.region_flag = Some("eu-west-1".into());
        assert_eq!(a.validate(&e).unwrap().target().region, "eu-west-1");
    }

    #[test]
    fn prefix_pushing_a_role_name_past_64_is_named() {
        let mut a = genomics_with(&["data-bucket"]);
        a.name_prefix = "p".repeat(50);
        let errors = a.validate(&env()).unwrap_err();
        assert!(
            errors.fields().iter().all(|f| *f == "name_prefix"),
            "{errors}"
        );
        assert!(errors.to_string().contains("at most 64"), "{errors}");
    }

    #[test]
    fn case_insensitive_duplicate_names_are_rejected() {
        let mut a = genomics_with(&["data-bucket"]);
        a.names.job_role = Some("ECSINSTANCEROLE".into());
        assert_eq!(a.validate(&env()).unwrap_err().fields(), ["names.job_role"]);
    }

    #[test]
    fn version_may_be_a_number() {
        let a = Answers::from_toml("[parallelcluster]\nversion = 2\n").unwrap();
        assert_eq!(a.parallelcluster.unwrap().version, "2");
    }

    /// A version 3 cluster's answers with these extra `[parallelcluster]` lines.
    fn pc3(lines: &str) -> String {
        format!("[parallelcluster]\nversion = \"3\"\n{lines}")
    }

    fn errors_of(text: &str) -> Vec<FieldError> {
        Answers::from_toml(text)
            .unwrap()
            .validate(&env())
            .err()
            .map(|e| e.0)
            .unwrap_or_default()
    }

    #[test]
    fn the_release_defaults_to_the_newest_and_takes_a_patch() {
        let a = Answers::from_toml(&pc3("")).unwrap();
        let p = a.parallelcluster.as_ref().unwrap();
        assert_eq!(p.pcluster_version, None);
        assert_eq!(p.release(), Release::NEWEST);
        assert!(!a.to_toml().contains("pcluster_version"));
        a.validate(&env()).unwrap();

        let a = Answers::from_toml(&pc3("pcluster_version = \"3.9.1\"\n")).unwrap();
        assert_eq!(
            a.parallelcluster.as_ref().unwrap().release(),
            Release::new(3, 9)
        );
        assert_eq!(Answers::from_toml(&a.to_toml()).unwrap(), a);
        a.validate(&env()).unwrap();
    }

    #[test]
    fn a_release_outside_the_supported_range_names_it() {
        for (text, says) in [
            (
                "3.2",
                "3.2 is older than the oldest release onramp has policies for (3.6)",
            ),
            (
                "3.17",
                "3.17 is newer than the newest release onramp has policies for (3.16)",
            ),
            ("4.0", "4.0 is not a ParallelCluster 3 release"),
            ("three", "`three` is not a version"),
        ] {
            let errors = errors_of(&pc3(&format!("pcluster_version = \"{text}\"\n")));
            assert_eq!(errors.len(), 1, "{text}: {errors:?}");
            assert_eq!(errors[0].field, "parallelcluster.pcluster_version");
            assert!(
                errors[0].message.contains(says)
                    && errors[0].message.contains("3.6")
                    && errors[0].message.contains("3.16"),
                "{text}: {}",
                errors[0].message
            );
        }
    }

    #[test]
    fn a_release_written_as_a_number_is_refused_when_read() {
        let err = Answers::from_toml(&pc3("pcluster_version = 3.10\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("pcluster_version") && err.contains("in quotes"),
            "{err}"
        );
        let err = Answers::from_toml(&pc3("pcluster_version = 3\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("in quotes"), "{err}");
    }

    #[test]
    fn the_release_is_version_3s_only() {
        let errors = errors_of("[parallelcluster]\nversion = \"2\"\npcluster_version = \"3.9\"\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "parallelcluster.pcluster_version");
        assert!(errors[0].message.contains("only used with version = \"3\""));
    }

    #[test]
    fn login_nodes_need_release_3_7() {
        let errors = errors_of(&pc3("pcluster_version = \"3.6.1\"\nlogin_nodes = true\n"));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "parallelcluster.login_nodes");
        assert!(
            errors[0]
                .message
                .starts_with("login nodes came in ParallelCluster 3.7;")
                && errors[0].message.contains("\"3.6.1\""),
            "{}",
            errors[0].message
        );
        assert!(errors_of(&pc3("pcluster_version = \"3.7\"\nlogin_nodes = true\n")).is_empty());
        assert!(errors_of(&pc3("login_nodes = true\n")).is_empty());
        // A bad release is one error, not two.
        let errors = errors_of(&pc3("pcluster_version = \"3.1\"\nlogin_nodes = true\n"));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "parallelcluster.pcluster_version");
    }

    #[test]
    fn demo_answers_are_valid() {
        let demo = Answers::demo();
        assert!(demo.genomics.is_some() && demo.parallelcluster.is_some());
        demo.validate(&env()).unwrap();
    }

    #[test]
    fn answers_round_trip_through_toml() {
        let demo = Answers::demo();
        assert_eq!(Answers::from_toml(&demo.to_toml()).unwrap(), demo);
    }
}
