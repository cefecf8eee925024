//! Amazon Resource Names, as a small type instead of `format!` and
//! `splitn(6, ':')` scattered over the code.
//!
//! `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`. An [`Arn`] keeps the six
//! parts as written, so it also holds the patterns policies use (`*` and `?`
//! in any part, like `arn:aws:s3:::bucket/*`): parsing checks the shape, not
//! the contents, which is what every caller here needs. Matching a pattern
//! against an ARN is [`crate::iam::glob`]'s job.

use std::fmt;
use std::str::FromStr;

/// An ARN or an ARN pattern, split into its six parts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    /// Empty for global services (IAM, S3 buckets).
    pub region: String,
    /// Empty for S3 buckets; `aws` for AWS managed policies.
    pub account: String,
    /// Everything after the fifth colon, colons included (`role/path/name`,
    /// `log-group:/aws/batch/job:*`).
    pub resource: String,
}

/// Text that is not `arn:` followed by five more colon-separated parts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")]
pub struct NotAnArn(pub String);

impl Arn {
    /// An IAM ARN of the account: `arn:P:iam::ACCOUNT:KIND{path}{name}`,
    /// where `kind` is the resource type (`role`, `policy`,
    /// `instance-profile`) and `path` starts and ends with `/`.
    pub fn iam(partition: &str, account: &str, kind: &str, path: &str, name: &str) -> Arn {
        Arn {
            partition: partition.to_owned(),
            service: "iam".to_owned(),
            region: String::new(),
            account: account.to_owned(),
            resource: format!("{kind}{path}{name}"),
        }
    }

    /// A role's ARN; `path` like `/` or `/onramp/`.
    pub fn role(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam(partition, account, "role", path, name)
    }

    /// A customer managed policy's ARN.
    pub fn policy(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam(partition, account, "policy", path, name)
    }

    /// An AWS managed policy's ARN, from its path and name as AWS lists it
    /// (`service-role/AWSBatchServiceRole`, `AmazonS3ReadOnlyAccess`).
    pub fn aws_managed_policy(partition: &str, path_and_name: &str) -> Arn {
        Arn::iam(partition, "aws", "policy/", "", path_and_name)
    }

    /// An instance profile's ARN.
    pub fn instance_profile(partition: &str, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam(partition, account, "instance-profile", path, name)
    }

    /// An S3 bucket's ARN, or with `/KEY` in `bucket_and_key` an object's.
    pub fn s3(partition: &str, bucket_and_key: &str) -> Arn {
        Arn {
            partition: partition.to_owned(),
            service: "s3".to_owned(),
            region: String::new(),
            account: String::new(),
            resource: bucket_and_key.to_owned(),
        }
    }

    /// Any other service's ARN.
    pub fn new(partition: &str, service: &str, region: &str, account: &str, resource: &str) -> Arn {
        Arn {
            partition: partition.to_owned(),
            service: service.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            resource: resource.to_owned(),
        }
    }

    /// The same kind of IAM entity in the same account, with `name` at
    /// `path`: another entity, or a pattern (`role/*/NAME`, `role/p/lab-*`).
    pub fn renamed(&self, path: &str, name: &str) -> Arn {
        Arn::iam(
            &self.partition,
            &self.account,
            self.resource_type(),
            path,
            name,
        )
    }

    /// Whether it names an AWS managed policy (`arn:P:iam::aws:policy/…`).
    pub fn is_aws_managed_policy(&self) -> bool {
        self.service == "iam" && self.account == "aws" && self.resource.starts_with("policy/")
    }

    /// The resource type of an IAM ARN: `role`, `policy`, `instance-profile`,
    /// `user`, `assumed-role`…
    pub fn resource_type(&self) -> &str {
        self.resource
            .split_once('/')
            .map_or(self.resource.as_str(), |(kind, _)| kind)
    }

    /// The last part of the resource: a role's, policy's or profile's name.
    pub fn name(&self) -> &str {
        self.resource
            .rsplit_once('/')
            .map_or(self.resource.as_str(), |(_, name)| name)
    }

    /// The IAM path between the resource type and the name: `/` or
    /// `/onramp/`.
    pub fn path(&self) -> &str {
        let Some((_, after_kind)) = self.resource.split_once('/') else {
            return "/";
        };
        let Some(end) = after_kind.rfind('/') else {
            return "/";
        };
        // `role/a/b/name` → `/a/b/`: the slash before the path is the one
        // split off with the kind, so step back one byte to include it.
        let start = self.resource.len() - after_kind.len() - 1;
        self.resource.get(start..start + end + 2).unwrap_or("/")
    }
}

impl FromStr for Arn {
    type Err = NotAnArn;

    fn from_str(text: &str) -> Result<Arn, NotAnArn> {
        let not = || NotAnArn(text.to_owned());
        let mut parts = text.splitn(6, ':');
        if parts.next() != Some("arn") {
            return Err(not());
        }
        let mut next = || parts.next().map(str::to_owned).ok_or_else(not);
        let (partition, service, region, account, resource) =
            (next()?, next()?, next()?, next()?, next()?);
        if partition.is_empty() || service.is_empty() {
            return Err(not());
        }
        Ok(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_arns_iam_returns() {
        assert_eq!(
            Arn::role("aws", "123456789012", "/onramp/", "ecsInstanceRole").to_string(),
            "arn:aws:iam::123456789012:role/onramp/ecsInstanceRole"
        );
        assert_eq!(
            Arn::policy("aws-cn", "123456789012", "/", "p").to_string(),
            "arn:aws-cn:iam::123456789012:policy/p"
        );
        assert_eq!(
            Arn::aws_managed_policy("aws", "service-role/AWSBatchServiceRole").to_string(),
            "arn:aws:iam::aws:policy/service-role/AWSBatchServiceRole"
        );
        assert_eq!(
            Arn::instance_profile("aws-us-gov", "1", "/x/", "p").to_string(),
            "arn:aws-us-gov:iam::1:instance-profile/x/p"
        );
        assert_eq!(
            Arn::s3("aws", "bucket/*").to_string(),
            "arn:aws:s3:::bucket/*"
        );
    }

    #[test]
    fn parses_arns_and_patterns_and_gives_them_back_unchanged() {
        for text in [
            "arn:aws:iam::123456789012:role/onramp/ecsInstanceRole",
            "arn:aws:s3:::bucket/*",
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/batch/job:*",
            "arn:*:iam::*:role/*",
            "arn:aws:iam::aws:policy/service-role/AWSBatchServiceRole",
        ] {
            let arn: Arn = text.parse().unwrap();
            assert_eq!(arn.to_string(), text);
        }
        let log: Arn = "arn:aws:logs:us-east-1:1:log-group:/a:*".parse().unwrap();
        assert_eq!(log.resource, "log-group:/a:*");
    }

    #[test]
    fn refuses_what_is_not_an_arn() {
        for text in [
            "*",
            "",
            "arn:aws:iam",
            "ARN:aws:iam::1:role/r",
            "arn::iam::1:role/r",
            "role/r",
        ] {
            assert_eq!(
                text.parse::<Arn>(),
                Err(NotAnArn(text.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn splits_iam_resources_into_type_path_and_name() {
        let arn: Arn = "arn:aws:iam::1:role/a/b/name".parse().unwrap();
        assert_eq!(
            (arn.resource_type(), arn.path(), arn.name()),
            ("role", "/a/b/", "name")
        );
        let arn: Arn = "arn:aws:iam::1:role/name".parse().unwrap();
        assert_eq!(
            (arn.resource_type(), arn.path(), arn.name()),
            ("role", "/", "name")
        );
        let managed = Arn::aws_managed_policy("aws", "service-role/X");
        assert!(managed.is_aws_managed_policy());
        assert_eq!((managed.path(), managed.name()), ("/service-role/", "X"));
        assert!(!Arn::policy("aws", "1", "/", "X").is_aws_managed_policy());
    }

    #[test]
    fn renames_an_entity_keeping_its_kind_and_account() {
        let arn: Arn = "arn:aws-cn:iam::1:instance-profile/p/ecsInstanceRole"
            .parse()
            .unwrap();
        assert_eq!(
            arn.renamed("/*/", "lab-*").to_string(),
            "arn:aws-cn:iam::1:instance-profile/*/lab-*"
        );
        let linked: Arn = "arn:aws:iam::1:role/aws-service-role/batch.amazonaws.com/X"
            .parse()
            .unwrap();
        assert_eq!(
            linked.renamed("/", "X").to_string(),
            "arn:aws:iam::1:role/X"
        );
    }
}
