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
}
