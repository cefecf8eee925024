//! AWS partitions. Every ARN onramp writes starts with `arn:<partition>:`;
//! hard-coding `arn:aws:` (as both source documents do) breaks in China and
//! GovCloud.

use serde::Serialize;

/// The partition a region belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Partition {
    #[serde(rename = "aws")]
    Aws,
    #[serde(rename = "aws-cn")]
    China,
    #[serde(rename = "aws-us-gov")]
    GovCloud,
    #[serde(rename = "aws-iso")]
    Iso,
    #[serde(rename = "aws-iso-b")]
    IsoB,
    #[serde(rename = "aws-iso-e")]
    IsoE,
    #[serde(rename = "aws-iso-f")]
    IsoF,
    #[serde(rename = "aws-eusc")]
    EuropeanSovereign,
}

impl Partition {
    /// The partition of a (well-formed) region code.
    pub fn of_region(region: &str) -> Partition {
        // Longest prefixes first: `us-isob-` must not be taken for `us-iso-`.
        const TABLE: [(&str, Partition); 7] = [
            ("us-isob-", Partition::IsoB),
            ("us-isof-", Partition::IsoF),
            ("eu-isoe-", Partition::IsoE),
            ("us-iso-", Partition::Iso),
            ("us-gov-", Partition::GovCloud),
            ("cn-", Partition::China),
            ("eusc-", Partition::EuropeanSovereign),
        ];
        TABLE
            .iter()
            .find(|(prefix, _)| region.starts_with(prefix))
            .map_or(Partition::Aws, |(_, p)| *p)
    }

    /// The name used in ARNs.
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::China => "aws-cn",
            Partition::GovCloud => "aws-us-gov",
            Partition::Iso => "aws-iso",
            Partition::IsoB => "aws-iso-b",
            Partition::IsoE => "aws-iso-e",
            Partition::IsoF => "aws-iso-f",
            Partition::EuropeanSovereign => "aws-eusc",
        }
    }
}

/// How one AWS service is named as a principal: in a role's trust policy,
/// and as a value of the `iam:PassedToService` condition key.
///
/// The one table of partition-specific service principals. Sources:
/// - EC2 in China is `ec2.amazonaws.com.cn`: AWS ParallelCluster builds its
///   EC2 trust as `ec2.{url_suffix}` (`cli/src/pcluster/templates/
///   cdk_builder_utils.py`), aws-cdk's region facts (PR #24709) and
///   terraform-provider-aws (PR #47141, 2026-03) do the same; a role
///   trusting only `ec2.amazonaws.com` is accepted in China
///   (awslabs/cdk-eks-blueprints #558), so trusting both works there
///   whichever name EC2 presents.
/// - `iam:PassedToService` for EC2: AWS's own policies template
///   (`cloudformation/policies/parallelcluster-policies.yaml`, commit
///   381f6c4e, 2021-08) lists both names in every partition, because
///   PassRole to EC2 is evaluated as `ec2.amazonaws.com.cn` in China.
/// - Lambda keeps `lambda.amazonaws.com` in China (aws-cdk #2198: the `.cn`
///   form is refused as an invalid principal); ECS tasks keep
///   `ecs-tasks.amazonaws.com` (terraform-aws-ecs #124); AWS Batch's
///   service-linked role sits under `batch.amazonaws.com` (docs.amazonaws.cn).
/// - GovCloud uses the commercial names (aws-cdk PR #22589: EC2's
///   principal is the same everywhere but China).
///
/// Services absent from the table have one name everywhere.
struct ServiceNames {
    /// The name in the `aws` partition, which the plan uses as the key.
    service: &'static str,
    /// What a trust policy lists in China, where it differs.
    china_trust: &'static [&'static str],
    /// Every value `iam:PassedToService` takes for the service.
    passed_to_service: &'static [&'static str],
}

const SERVICE_NAMES: [ServiceNames; 1] = [ServiceNames {
    service: "ec2.amazonaws.com",
    china_trust: &["ec2.amazonaws.com", "ec2.amazonaws.com.cn"],
    passed_to_service: &["ec2.amazonaws.com", "ec2.amazonaws.com.cn"],
}];

fn names_of(service: &str) -> Option<&'static ServiceNames> {
    SERVICE_NAMES.iter().find(|n| n.service == service)
}

impl Partition {
    /// The principals a role trusted by `service` (its `aws` name) lists in
    /// this partition.
    pub fn trust_principals(self, service: &str) -> Vec<String> {
        match (self, names_of(service)) {
            (Partition::China, Some(names)) => {
                names.china_trust.iter().map(|s| (*s).to_owned()).collect()
            }
            _ => vec![service.to_owned()],
        }
    }
}

/// The values `iam:PassedToService` may take when a role is passed to
/// `service` (its `aws` name), in any partition.
pub fn passed_to_service(service: &str) -> Vec<String> {
    names_of(service).map_or_else(
        || vec![service.to_owned()],
        |names| {
            names
                .passed_to_service
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        },
    )
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_partitions() {
        assert_eq!(Partition::of_region("us-east-1"), Partition::Aws);
        assert_eq!(Partition::of_region("eu-west-2"), Partition::Aws);
        assert_eq!(Partition::of_region("cn-northwest-1"), Partition::China);
        assert_eq!(Partition::of_region("us-gov-west-1"), Partition::GovCloud);
        assert_eq!(Partition::of_region("us-iso-east-1"), Partition::Iso);
        assert_eq!(Partition::of_region("us-isob-east-1"), Partition::IsoB);
        assert_eq!(Partition::of_region("eu-isoe-west-1"), Partition::IsoE);
        assert_eq!(
            Partition::of_region("eusc-de-east-1"),
            Partition::EuropeanSovereign
        );
        assert_eq!(Partition::China.to_string(), "aws-cn");
    }

    #[test]
    fn ec2_is_trusted_under_both_names_in_china_only() {
        assert_eq!(
            Partition::China.trust_principals("ec2.amazonaws.com"),
            ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]
        );
        for p in [Partition::Aws, Partition::GovCloud] {
            assert_eq!(
                p.trust_principals("ec2.amazonaws.com"),
                ["ec2.amazonaws.com"]
            );
        }
        for service in ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"] {
            assert_eq!(Partition::China.trust_principals(service), [service]);
        }
    }

    #[test]
    fn passing_a_role_to_ec2_names_both_forms() {
        assert_eq!(
            passed_to_service("ec2.amazonaws.com"),
            ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]
        );
        assert_eq!(
            passed_to_service("lambda.amazonaws.com"),
            ["lambda.amazonaws.com"]
        );
    }
}
