//! Rows of the table for the `[omics]` table and its names.

use super::*;

/// An `[omics]` table writing to `my-omics-output`, with these lines.
pub(super) fn omics(lines: &str) -> String {
    file(
        "",
        &format!("[omics]\nbuckets = [\"my-omics-output\"]\n{lines}"),
    )
}

/// An `[omics]` table with exactly these lines (no buckets given).
fn omics_only(lines: &str) -> String {
    file("", &format!("[omics]\n{lines}"))
}

pub(super) fn omics_cases() -> Vec<Case> {
    let kms = "arn:aws:kms:us-east-1:123456789012:key/";
    vec![
        case(
            "omics without a bucket",
            omics_only("read_only_buckets = [\"my-reference\"]\n"),
            "omics.buckets",
            "at least one bucket to write",
        ),
        case(
            "omics bucket uppercase",
            omics_only("buckets = [\"Omics-Output\"]\n"),
            "omics.buckets[0]",
            "lowercase",
        ),
        case(
            "omics bucket listed twice",
            omics_only("buckets = [\"my-omics-output\", \"my-omics-output\"]\n"),
            "omics.buckets[1]",
            "listed twice",
        ),
        case(
            "omics read-only bucket like an IP",
            omics("read_only_buckets = [\"10.1.2.3\"]\n"),
            "omics.read_only_buckets[0]",
            "IP address",
        ),
        case(
            "omics bucket in both lists",
            omics("read_only_buckets = [\"my-reference\", \"my-omics-output\"]\n"),
            "omics.read_only_buckets[1]",
            "also in omics.buckets; keep it in one list",
        ),
        case(
            "omics ECR repository uppercase",
            omics("ecr_repositories = [\"Gatk\"]\n"),
            "omics.ecr_repositories[0]",
            "repository names are lowercase",
        ),
        case(
            "omics ECR repository with two separators",
            omics("ecr_repositories = [\"gatk\", \"omics//gatk\"]\n"),
            "omics.ecr_repositories[1]",
            "begins and ends with a lowercase letter or digit",
        ),
        case(
            "omics ECR repository listed twice",
            omics("ecr_repositories = [\"gatk\", \"gatk\"]\n"),
            "omics.ecr_repositories[1]",
            "listed twice",
        ),
        case(
            "omics KMS key given as an alias",
            omics("kms_key_arn = \"arn:aws:kms:us-east-1:123456789012:alias/omics\"\n"),
            "omics.kms_key_arn",
            "give the key's own ARN",
        ),
        case(
            "omics KMS key of another partition",
            omics(&format!(
                "kms_key_arn = \"{}\"\n",
                kms.replace("arn:aws:", "arn:aws-cn:") + "1234abcd-12ab-34cd-56ef-1234567890ab"
            )),
            "omics.kms_key_arn",
            "is in partition `aws-cn`",
        ),
        case(
            "omics KMS key as a bare id",
            omics("kms_key_arn = \"1234abcd-12ab-34cd-56ef-1234567890ab\"\n"),
            "omics.kms_key_arn",
            "not a KMS key ARN",
        ),
        case(
            "omics disabled and nothing else",
            omics_only("enabled = false\nbuckets = [\"my-omics-output\"]\n"),
            "genomics.enabled",
            "[omics]",
        ),
        case(
            "names.omics_service_role with a space",
            file(
                "",
                &format!(
                    "[names]\nomics_service_role = \"My Role\"\n\n{}",
                    "[omics]\nbuckets = [\"my-omics-output\"]\n"
                ),
            ),
            "names.omics_service_role",
            "contains ` `",
        ),
        case(
            "names.omics_user_policy too long",
            file(
                "",
                &format!(
                    "[names]\nomics_user_policy = \"{}\"\n\n{}",
                    "p".repeat(129),
                    "[omics]\nbuckets = [\"my-omics-output\"]\n"
                ),
            ),
            "names.omics_user_policy",
            "at most 128",
        ),
        unreadable(
            "omics as a list",
            format!("{REGION}{ACCOUNT}omics = []\n"),
            "omics",
            "omics",
            &["line 3", "expected a table"],
        ),
        unreadable(
            "omics enabled as a string",
            omics_only("enabled = \"yes\"\n"),
            "omics.enabled",
            "enabled",
            &["expected a boolean"],
        ),
        unreadable(
            "omics KMS key as a list",
            omics("kms_key_arn = [\"arn:aws:kms:us-east-1:123456789012:key/abc\"]\n"),
            "omics.kms_key_arn",
            "kms_key_arn",
            &["expected a string"],
        ),
    ]
}
