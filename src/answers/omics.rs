//! The `[omics]` table: AWS HealthOmics, where AWS sends genomics users now
//! that the Genomics Workflows on AWS guide is archived. Its IAM is a
//! service role the runs act through and a policy for the people who start
//! them; these answers say which data, images and key the runs may use.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::validate::Errors;
use super::yes;
use crate::iam::partition::Partition;
use crate::iam::rules;

/// The `[omics]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Omics {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Buckets the runs read and write (inputs and the run output).
    #[serde(default)]
    pub buckets: Vec<String>,
    /// Buckets the runs only read, such as reference data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_only_buckets: Vec<String>,
    /// Private ECR repositories the workflows' images come from; empty: any
    /// repository of the account in the target region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecr_repositories: Vec<String>,
    /// The customer managed KMS key of the data, when it is not AWS owned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
}

impl Default for Omics {
    fn default() -> Self {
        Omics {
            enabled: true,
            buckets: Vec::new(),
            read_only_buckets: Vec::new(),
            ecr_repositories: Vec::new(),
            kms_key_arn: None,
        }
    }
}

impl Omics {
    /// Every bucket the runs read: the read-write ones, then the read-only.
    pub fn every_bucket(&self) -> impl Iterator<Item = &String> {
        self.buckets.iter().chain(&self.read_only_buckets)
    }
}

/// Checks the `[omics]` table; `partition` is the target's, when known.
pub(super) fn check_omics(o: &Omics, partition: Option<Partition>, errors: &mut Errors) {
    if o.buckets.is_empty() {
        errors.add(
            "omics.buckets",
            "no bucket chosen; a run writes its output to S3, so the service role needs at least one bucket to write",
        );
    }
    super::validate::check_buckets("omics.buckets", &o.buckets, errors);
    super::validate::check_buckets("omics.read_only_buckets", &o.read_only_buckets, errors);
    for (i, bucket) in o.read_only_buckets.iter().enumerate() {
        if o.buckets.contains(bucket) {
            errors.add(
                &format!("omics.read_only_buckets[{i}]"),
                format!("`{bucket}` is also in omics.buckets; keep it in one list (buckets: read and write, read_only_buckets: read only)"),
            );
        }
    }
    let mut seen = BTreeSet::new();
    for (i, name) in o.ecr_repositories.iter().enumerate() {
        let field = format!("omics.ecr_repositories[{i}]");
        if !seen.insert(name) {
            errors.add(&field, format!("`{name}` is listed twice"));
        } else {
            errors.check(&field, rules::ecr_repository_name(name));
        }
    }
    if let (Some(arn), Some(p)) = (&o.kms_key_arn, partition) {
        errors.check("omics.kms_key_arn", rules::kms_key_arn(arn, p));
    }
}

#[cfg(test)]
mod tests {
    use super::super::Answers;
    use super::super::tests::env;
    use crate::iam::names::Slot;

    #[test]
    fn a_table_with_one_bucket_is_enough_and_names_two_resources() {
        let a = Answers::from_toml("[omics]\nbuckets = [\"my-omics-output\"]\n").unwrap();
        let o = a.omics.as_ref().unwrap();
        assert!(o.enabled && o.read_only_buckets.is_empty() && o.kms_key_arn.is_none());
        assert!(a.genomics.is_none());
        assert_eq!(
            a.slots_in_use(),
            [Slot::OmicsServiceRole, Slot::OmicsUserPolicy]
        );
        let valid = a.validate(&env()).unwrap();
        assert_eq!(
            valid.name(Slot::OmicsServiceRole),
            "OmicsWorkflowServiceRole"
        );
        assert_eq!(valid.name(Slot::OmicsUserPolicy), "OmicsWorkflowUserPolicy");
        assert!(valid.omics().is_some());
        // Unset optional lists are not written back.
        let text = a.to_toml();
        assert!(
            !text.contains("read_only_buckets") && !text.contains("kms"),
            "{text}"
        );
        assert_eq!(Answers::from_toml(&text).unwrap(), a);
    }

    #[test]
    fn disabled_omics_names_nothing_and_is_not_checked() {
        let a = Answers::from_toml(
            "[genomics]\nbuckets = [\"my-gwf-data\"]\n[omics]\nenabled = false\nbuckets = [\"Bad_Bucket\"]\n",
        )
        .unwrap();
        let valid = a.validate(&env()).unwrap();
        assert!(valid.omics().is_none());
        assert!(!a.slots_in_use().contains(&Slot::OmicsServiceRole));
    }

    #[test]
    fn every_bucket_lists_read_write_then_read_only() {
        let o = super::Omics {
            buckets: vec!["out".into()],
            read_only_buckets: vec!["ref".into()],
            ..super::Omics::default()
        };
        assert_eq!(o.every_bucket().collect::<Vec<_>>(), ["out", "ref"]);
    }
}
