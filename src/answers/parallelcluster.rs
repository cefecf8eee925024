//! The `[parallelcluster]` table: which ParallelCluster, which scheduler,
//! which IAM mode, and the ParallelCluster 3 release its policies are for.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::yes;
use crate::iam::names::Slot;

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

/// A ParallelCluster 3 release, `3.<minor>`; patch releases do not change
/// the policies, so `3.9.1` is release 3.9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release {
    major: u8,
    minor: u8,
}

/// Why a `pcluster_version` is refused; the message names the supported range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    #[error(
        "`{0}` is not a version; write the ParallelCluster 3 release as \"3.<minor>\" or \"3.<minor>.<patch>\", from {oldest} to {newest}",
        oldest = Release::OLDEST,
        newest = Release::NEWEST
    )]
    NotAVersion(String),
    #[error(
        "{0} is not a ParallelCluster 3 release: pcluster_version names a release of version = \"3\", from {oldest} to {newest}",
        oldest = Release::OLDEST,
        newest = Release::NEWEST
    )]
    OtherMajor(String),
    #[error(
        "{0} is older than the oldest release onramp has policies for ({oldest}); choose {oldest} to {newest}",
        oldest = Release::OLDEST,
        newest = Release::NEWEST
    )]
    TooOld(String),
    #[error(
        "{0} is newer than the newest release onramp has policies for ({newest}); choose {oldest} to {newest}",
        oldest = Release::OLDEST,
        newest = Release::NEWEST
    )]
    TooNew(String),
}

impl Release {
    /// The oldest release onramp plans for: the one the 3.6 guide describes.
    pub const OLDEST: Release = Release::new(3, 6);
    /// The newest release onramp plans for, and the default.
    pub const NEWEST: Release = Release::new(3, 16);
    /// Login nodes (`LoginNodes` in the cluster configuration) came in 3.7.
    pub const LOGIN_NODES: Release = Release::new(3, 7);

    pub const fn new(major: u8, minor: u8) -> Release {
        Release { major, minor }
    }

    /// Every release onramp plans for, oldest first.
    pub fn all() -> Vec<Release> {
        (Release::OLDEST.minor..=Release::NEWEST.minor)
            .map(|minor| Release::new(3, minor))
            .collect()
    }

    /// Whether this release is `major.minor` or later.
    pub fn at_least(self, major: u8, minor: u8) -> bool {
        self >= Release::new(major, minor)
    }

    /// Reads `3.9` or `3.9.1`.
    pub fn parse(text: &str) -> Result<Release, ReleaseError> {
        let not_a_version = || ReleaseError::NotAVersion(text.to_owned());
        let parts: Vec<&str> = text.split('.').collect();
        if !(2..=3).contains(&parts.len())
            || parts
                .iter()
                .any(|p| p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(not_a_version());
        }
        let number = |p: &str| p.parse::<u16>().map_err(|_| not_a_version());
        let (major, minor) = (number(parts[0])?, number(parts[1])?);
        if major != 3 {
            return Err(ReleaseError::OtherMajor(text.to_owned()));
        }
        let release = Release::new(3, u8::try_from(minor).unwrap_or(u8::MAX));
        if release < Release::OLDEST {
            Err(ReleaseError::TooOld(text.to_owned()))
        } else if release > Release::NEWEST {
            Err(ReleaseError::TooNew(text.to_owned()))
        } else {
            Ok(release)
        }
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_parse_with_or_without_a_patch() {
        assert_eq!(Release::parse("3.9"), Ok(Release::new(3, 9)));
        assert_eq!(Release::parse("3.9.1"), Ok(Release::new(3, 9)));
        assert_eq!(Release::parse("3.16.2"), Ok(Release::NEWEST));
        assert_eq!(Release::parse("3.6"), Ok(Release::OLDEST));
        assert_eq!(Release::new(3, 10).to_string(), "3.10");
        assert!(Release::new(3, 10) > Release::new(3, 9));
        assert!(Release::new(3, 10).at_least(3, 10) && !Release::new(3, 9).at_least(3, 10));
        let all = Release::all();
        assert_eq!(all.len(), 11);
        assert_eq!((all[0], all[10]), (Release::OLDEST, Release::NEWEST));
        for (text, message) in [
            (
                "3.2",
                "3.2 is older than the oldest release onramp has policies for (3.6); choose 3.6 to 3.16",
            ),
            (
                "3.17",
                "3.17 is newer than the newest release onramp has policies for (3.16); choose 3.6 to 3.16",
            ),
            (
                "4.0",
                "4.0 is not a ParallelCluster 3 release: pcluster_version names a release of version = \"3\", from 3.6 to 3.16",
            ),
            (
                "2.11.9",
                "2.11.9 is not a ParallelCluster 3 release: pcluster_version names a release of version = \"3\", from 3.6 to 3.16",
            ),
            (
                "latest",
                "`latest` is not a version; write the ParallelCluster 3 release as \"3.<minor>\" or \"3.<minor>.<patch>\", from 3.6 to 3.16",
            ),
        ] {
            assert_eq!(
                Release::parse(text).map_err(|e| e.to_string()),
                Err(message.to_owned()),
                "{text}"
            );
        }
        for text in [
            "3", "", "3.", ".9", "3.9.1.2", "v3.9", "3.9-beta", " 3.9", "3.x", "3.99999",
        ] {
            assert!(
                matches!(Release::parse(text), Err(ReleaseError::NotAVersion(_))),
                "{text}: {:?}",
                Release::parse(text)
            );
        }
        assert!(matches!(
            Release::parse("3.255"),
            Err(ReleaseError::TooNew(_))
        ));
    }
}
