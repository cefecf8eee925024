//! Everything the user chooses, as the answers file (TOML) or the wizard
//! records it, and its validation.
//!
//! Validation never stops at the first problem: it returns every error at
//! once, each naming its field (`genomics.buckets[1]`, `name_prefix`, …) and
//! saying what is allowed. Only valid answers can be planned: [`plan`]
//! takes a [`ValidAnswers`], which only [`Answers::validate`] makes.
//!
//! [`plan`]: crate::plan::plan

pub mod edit;
pub mod file;
pub mod omics;
pub mod parallelcluster;
pub mod validate;

pub use omics::Omics;
pub use parallelcluster::{
    IamMode, ParallelCluster, Release, ReleaseError, Scheduler, parallelcluster3_slots,
};
pub use validate::{Environment, FieldError, Target, ValidAnswers, ValidationErrors};

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::iam::names::{EntityKind, NameOverrides, Slot, bucket_policy_part_name};
use crate::iam::partition::Partition;
use crate::iam::rules;
use edit::Edit;

/// The tag onramp puts on everything it creates, so that its resources can be
/// told apart from hand-made ones.
pub const MANAGED_BY_TAG: (&str, &str) = ("onramp:managed-by", "onramp");

/// Whether an entity carries onramp's tag, i.e. onramp created it.
pub fn is_managed_by_onramp(tags: &BTreeMap<String, String>) -> bool {
    tags.get(MANAGED_BY_TAG.0).map(String::as_str) == Some(MANAGED_BY_TAG.1)
}

/// `adopt = ["*"]` (and `apply --adopt` without a name): every planned
/// resource that exists and that onramp did not make.
pub const ADOPT_EVERY: &str = "*";

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
    /// Planned resources that exist and that onramp did not make, to bring
    /// to the plan (`"*"`: every one); `destroy` puts each back as it was.
    /// `apply --adopt` adds to it. See [`crate::plan::existing`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adopt: Vec<String>,
    /// Planned resources that exist, to use as they are: onramp changes
    /// nothing on them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep: Vec<String>,
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
    /// The AWS HealthOmics service role and user policy; absent means not wanted.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "table"
    )]
    pub omics: Option<Omics>,
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
            adopt: Vec::new(),
            keep: Vec::new(),
            tags: BTreeMap::new(),
            names: NameOverrides::default(),
            genomics: Some(Genomics::default()),
            parallelcluster: None,
            omics: None,
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
        file::read(text).map_err(|e| ParseError(e.to_string()))
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
        Answers::from_toml(include_str!("../../assets/demo/answers.toml")).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region and an account from the environment, as a shell gives them.
    pub(super) fn env() -> Environment {
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
    fn the_slot_of_a_planned_name_is_found_for_profiles_and_split_parts() {
        let mut answers = genomics_with(&["data-bucket"]);
        answers.name_prefix = "lab-".into();
        answers.names.job_role = Some("Jobs".into());
        let valid = answers.validate(&env()).unwrap();
        let role = EntityKind::Role;
        assert_eq!(
            valid.slot_of(role, "lab-ecsInstanceRole"),
            Some(Slot::InstanceRole)
        );
        // IAM names are case-insensitive; a profile has its role's name.
        assert_eq!(
            valid.slot_of(EntityKind::InstanceProfile, "LAB-ECSINSTANCEROLE"),
            Some(Slot::InstanceRole)
        );
        assert_eq!(valid.slot_of(role, "lab-Jobs"), Some(Slot::JobRole));
        assert_eq!(valid.slot_of(role, "lab-BatchJobRole"), None);
        assert_eq!(valid.slot_of(role, "ecsInstanceRole"), None, "no prefix");
        let policy = EntityKind::ManagedPolicy;
        let bucket = valid.name(Slot::BucketAccessPolicy);
        assert_eq!(
            valid.slot_of(policy, &format!("{bucket}-2")),
            Some(Slot::BucketAccessPolicy)
        );
        assert_eq!(valid.slot_of(policy, &format!("{bucket}-1")), None);
        assert_eq!(valid.slot_of(policy, &format!("{bucket}-x")), None);
        // A name of another kind is not a role's.
        assert_eq!(valid.slot_of(policy, "lab-ecsInstanceRole"), None);
    }

    /// What the wizard's `s` writes: `adopt` and `keep` are top-level keys,
    /// so they must come before every table for the file to be TOML at all
    /// (a key after `[genomics]` would belong to it); read back, the file
    /// plans the same, choices included.
    #[test]
    fn adopt_and_keep_are_saved_before_the_tables_and_plan_the_same_read_back() {
        let mut answers = genomics_with(&["data-bucket"]);
        answers.region = Some("us-east-1".into());
        answers.account_id = Some("123456789012".into());
        answers.adopt = vec!["ecsInstanceRole".into()];
        answers.keep = vec!["AWSBatchServiceRole".into()];
        answers.tags = BTreeMap::from([("Project".to_owned(), "genomics".to_owned())]);
        answers.names.job_role = Some("Jobs".into());
        let text = answers.to_toml();
        let first_table = text.find("\n[").expect("tables are written");
        for key in [
            "adopt = [\"ecsInstanceRole\"]",
            "keep = [\"AWSBatchServiceRole\"]",
        ] {
            let at = text
                .find(key)
                .unwrap_or_else(|| panic!("{key} in:\n{text}"));
            assert!(at < first_table, "{key} after a table:\n{text}");
        }
        let back = Answers::from_toml(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
        // Equal answers give equal plans: `plan` is a function of them.
        assert_eq!(back, answers);
        // With no choice made, neither key is written.
        let plain = genomics_with(&["data-bucket"]).to_toml();
        assert!(
            !plain.contains("adopt") && !plain.contains("keep"),
            "{plain}"
        );
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
