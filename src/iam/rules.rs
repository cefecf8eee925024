//! The naming rules of S3, IAM and the other services whose names end up in
//! policy documents. Each rule returns `Err(reason)` with a sentence that says
//! what is allowed, so the caller only has to prefix the field name.
//!
//! These are the documented rules, checked here because emulators (moto) do
//! not check them and a real account rejects a bad name only half-way through
//! an apply.

use crate::iam::arn::Arn;
use crate::iam::partition::Partition;

/// Why a value was rejected: a sentence fit to follow `field: `.
pub type Reason = String;

/// S3 general purpose bucket naming rules.
pub fn bucket_name(name: &str) -> Result<(), Reason> {
    let len = name.chars().count();
    if !(3..=63).contains(&len) {
        return Err(format!(
            "`{name}` is {len} character{} long; a bucket name has 3 to 63",
            if len == 1 { "" } else { "s" }
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        let hint = if bad.is_ascii_uppercase() {
            " (bucket names are lowercase)"
        } else {
            ""
        };
        return Err(format!(
            "`{name}` contains `{bad}`{hint}; only lowercase letters, digits, `.` and `-` are allowed"
        ));
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Err(format!(
            "`{name}` must begin and end with a lowercase letter or a digit"
        ));
    }
    if name.contains("..") {
        return Err(format!(
            "`{name}` has two dots in a row, which S3 does not allow"
        ));
    }
    if looks_like_ipv4(name) {
        return Err(format!(
            "`{name}` is formatted like an IP address, which S3 does not allow"
        ));
    }
    const PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
    if let Some(p) = PREFIXES.iter().find(|p| name.starts_with(*p)) {
        return Err(format!("`{name}` starts with `{p}`, a prefix S3 reserves"));
    }
    const SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    if let Some(s) = SUFFIXES.iter().find(|s| name.ends_with(*s)) {
        return Err(format!("`{name}` ends with `{s}`, a suffix S3 reserves"));
    }
    Ok(())
}

fn looks_like_ipv4(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()))
}

/// An AWS region code such as `us-east-1`, `us-gov-west-1` or `cn-north-1`.
pub fn region(region: &str) -> Result<(), Reason> {
    let parts: Vec<&str> = region.split('-').collect();
    let well_formed = parts.len() >= 3
        && (2..=4).contains(&parts[0].len())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| (1..=2).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()));
    if well_formed {
        Ok(())
    } else if region.chars().any(|c| c.is_ascii_uppercase()) {
        Err(format!(
            "`{region}` is not a region code; region codes are lowercase, like `us-east-1`"
        ))
    } else {
        Err(format!(
            "`{region}` is not a region code; expected something like `us-east-1` or `eu-west-2`"
        ))
    }
}

/// A 12-digit AWS account id.
pub fn account_id(id: &str) -> Result<(), Reason> {
    if id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "`{id}` is not an account id; an account id is exactly 12 digits"
        ))
    }
}

/// Characters IAM allows in role, policy and instance profile names: `[\w+=,.@-]`.
pub fn is_iam_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// An IAM entity name (after any prefix): `what` is e.g. "role name", `max` its limit.
pub fn iam_name(name: &str, what: &str, max: usize) -> Result<(), Reason> {
    let len = name.chars().count();
    if len == 0 {
        return Err(format!("the {what} is empty"));
    }
    if let Some(bad) = name.chars().find(|c| !is_iam_name_char(*c)) {
        return Err(format!(
            "`{name}` contains `{bad}`; {} may use letters, digits and `_ + = , . @ -`",
            a_or_an(what)
        ));
    }
    if len > max {
        return Err(format!(
            "`{name}` is {len} characters long; IAM allows at most {max} for {}",
            a_or_an(what)
        ));
    }
    Ok(())
}

/// An IAM path: `/` alone, or `/…/`, at most 512 characters of U+0021 to U+007F.
pub fn iam_path(path: &str) -> Result<(), Reason> {
    let len = path.chars().count();
    if len > 512 {
        return Err(format!(
            "the path is {len} characters long; IAM allows at most 512"
        ));
    }
    if !path.starts_with('/') || !path.ends_with('/') {
        return Err(format!(
            "`{path}` must be `/` or begin and end with `/`, like `/genomics/`"
        ));
    }
    if let Some(bad) = path.chars().find(|c| !('\u{21}'..='\u{7f}').contains(c)) {
        return Err(format!(
            "`{path}` contains {bad:?}; a path may only use printable ASCII without spaces"
        ));
    }
    // IAM allows these, but the path is written into policy documents (role
    // ARNs), where they would read as an unfilled `<PLACEHOLDER>` or `{{variable}}`.
    if let Some(bad) = path.chars().find(|c| "{}<>".contains(*c)) {
        return Err(format!(
            "`{path}` contains `{bad}`; onramp does not accept `{{ }} < >` in a path, because in a policy they read as an unfilled placeholder"
        ));
    }
    Ok(())
}

/// The ARN of an IAM managed policy, AWS-managed (`arn:aws:iam::aws:policy/…`) or
/// customer-managed, in the given partition.
pub fn policy_arn(arn: &str, partition: Partition) -> Result<(), Reason> {
    let shape = || {
        format!(
            "`{arn}` is not a managed policy ARN; expected `arn:{p}:iam::aws:policy/NAME` or `arn:{p}:iam::123456789012:policy/NAME`",
            p = partition.as_str()
        )
    };
    let Ok(parsed) = arn.parse::<Arn>() else {
        return Err(shape());
    };
    if parsed.service != "iam" || !parsed.region.is_empty() {
        return Err(shape());
    }
    same_partition(arn, &parsed, partition)?;
    if parsed.account != "aws" && account_id(&parsed.account).is_err() {
        return Err(shape());
    }
    let Some(path_and_name) = parsed.resource.strip_prefix("policy/") else {
        return Err(shape());
    };
    let (path, name) = match path_and_name.rfind('/') {
        Some(i) => (&path_and_name[..=i], &path_and_name[i + 1..]),
        None => ("", path_and_name),
    };
    if !path.is_empty() {
        iam_path(&format!("/{path}")).map_err(|_| shape())?;
    }
    iam_name(name, "policy name", 128).map_err(|_| shape())
}

/// An ARN of another partition than the region's cannot be used there.
fn same_partition(arn: &str, parsed: &Arn, partition: Partition) -> Result<(), Reason> {
    if parsed.partition == partition.as_str() {
        return Ok(());
    }
    Err(format!(
        "`{arn}` is in partition `{}` but the region is in `{}`",
        parsed.partition,
        partition.as_str()
    ))
}

/// A tag key: 1 to 128 characters, not starting with the reserved `aws:`.
pub fn tag_key(key: &str) -> Result<(), Reason> {
    let len = key.chars().count();
    if len == 0 || len > 128 {
        return Err(format!(
            "tag key `{key}` is {len} characters long; tag keys have 1 to 128"
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!(
            "tag key `{key}` starts with `aws:`, which AWS reserves"
        ));
    }
    tag_chars(key, "key")
}

/// A tag value: at most 256 characters.
pub fn tag_value(value: &str) -> Result<(), Reason> {
    let len = value.chars().count();
    if len > 256 {
        return Err(format!(
            "the tag value is {len} characters long; at most 256 are allowed"
        ));
    }
    tag_chars(value, "value")
}

fn tag_chars(text: &str, what: &str) -> Result<(), Reason> {
    match text
        .chars()
        .find(|c| !(c.is_alphanumeric() || is_space_separator(*c) || "_.:/=+-@".contains(*c)))
    {
        Some(bad) => Err(format!(
            "tag {what} `{text}` contains `{bad}`; tags may use letters, digits, spaces and `_ . : / = + - @`"
        )),
        None => Ok(()),
    }
}

/// Unicode's separator category `\p{Z}`, which IAM's tag pattern allows:
/// spaces of every width, but not tabs or line breaks (those are controls).
fn is_space_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

/// Names of AWS Batch job definitions and job queues: up to 128 letters,
/// digits, hyphens and underscores, starting with a letter or digit.
pub fn batch_name(name: &str, what: &str) -> Result<(), Reason> {
    simple_name(name, what, 128)
}

/// Names of ECS clusters (an AWS Batch compute environment's cluster): up to 255.
pub fn ecs_cluster_name(name: &str) -> Result<(), Reason> {
    simple_name(name, "ECS cluster name", 255)
}

/// `what` with its indefinite article, for messages: "a role name", "an ECS
/// cluster name" (every `what` here is lowercase prose or an uppercase
/// initialism, so the first letter decides).
fn a_or_an(what: &str) -> String {
    let article = if what.starts_with([
        'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'F', 'H', 'L', 'M', 'N', 'R', 'S', 'X',
    ]) {
        "an"
    } else {
        "a"
    };
    format!("{article} {what}")
}

fn simple_name(name: &str, what: &str, max: usize) -> Result<(), Reason> {
    let len = name.chars().count();
    if len == 0 || len > max {
        return Err(format!(
            "`{name}` is {len} characters long; {} has 1 to {max}",
            a_or_an(what)
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!("`{name}` must start with a letter or a digit"));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        Some(bad) => Err(format!(
            "`{name}` contains `{bad}`; {} may use letters, digits, `-` and `_`",
            a_or_an(what)
        )),
        None => Ok(()),
    }
}

/// A CloudFormation stack name: starts with a letter, then letters, digits and
/// hyphens, at most 128 characters.
pub fn stack_name(name: &str) -> Result<(), Reason> {
    let len = name.chars().count();
    if len == 0 || len > 128 {
        return Err(format!(
            "`{name}` is {len} characters long; a stack name has 1 to 128"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("`{name}` must start with a letter"));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        Some(bad) => Err(format!(
            "`{name}` contains `{bad}`; a stack name may use letters, digits and `-`"
        )),
        None => Ok(()),
    }
}

/// A Secrets Manager secret name: 1 to 512 letters, digits and `/_+=.@-`.
/// Its ARN ends in `-` and six random characters, which policies match with
/// `-??????`; a name that already ends like that is ambiguous in an ARN.
pub fn secret_name(name: &str) -> Result<(), Reason> {
    let len = name.chars().count();
    if len == 0 || len > 512 {
        return Err(format!(
            "`{name}` is {len} characters long; a secret name has 1 to 512"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "/_+=.@-".contains(*c)))
    {
        return Err(format!(
            "`{name}` contains `{bad}`; a secret name may use letters, digits and `/ _ + = . @ -`"
        ));
    }
    if name.len() > 7 && name.as_bytes()[name.len() - 7] == b'-' {
        return Err(format!(
            "`{name}` ends in `-` and six characters, like the suffix AWS adds to a secret's ARN; give the name without that suffix"
        ));
    }
    Ok(())
}

/// The ARN of a KMS key (`arn:P:kms:REGION:ACCOUNT:key/KEY-ID`) in the given
/// partition. An alias ARN is refused: IAM matches `kms:Decrypt` against the
/// key's own ARN, so a policy naming an alias allows nothing.
pub fn kms_key_arn(arn: &str, partition: Partition) -> Result<(), Reason> {
    let shape = || {
        format!(
            "`{arn}` is not a KMS key ARN; expected `arn:{p}:kms:REGION:123456789012:key/KEY-ID`",
            p = partition.as_str()
        )
    };
    let Ok(parsed) = arn.parse::<Arn>() else {
        return Err(shape());
    };
    if parsed.service != "kms"
        || region(&parsed.region).is_err()
        || account_id(&parsed.account).is_err()
    {
        return Err(shape());
    }
    same_partition(arn, &parsed, partition)?;
    if parsed.resource.starts_with("alias/") {
        return Err(format!(
            "`{arn}` is an alias; give the key's own ARN (`…:key/KEY-ID`), which IAM policies match"
        ));
    }
    match parsed.resource.strip_prefix("key/") {
        Some(id) if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            Ok(())
        }
        _ => Err(shape()),
    }
}

/// An Amazon ECR repository name: 2 to 256 characters, lowercase letters and
/// digits in parts joined by one `.`, `_` or `-`, in namespaces split by `/`.
pub fn ecr_repository_name(name: &str) -> Result<(), Reason> {
    let len = name.chars().count();
    if !(2..=256).contains(&len) {
        return Err(format!(
            "`{name}` is {len} characters long; a repository name has 2 to 256"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(*c)))
    {
        let hint = if bad.is_ascii_uppercase() {
            " (repository names are lowercase)"
        } else {
            ""
        };
        return Err(format!(
            "`{name}` contains `{bad}`{hint}; a repository name may use lowercase letters, digits and `. _ - /`"
        ));
    }
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let well_formed = name.split('/').all(|part| {
        part.starts_with(alnum)
            && part.ends_with(alnum)
            && !part
                .as_bytes()
                .windows(2)
                .any(|w| !alnum(w[0] as char) && !alnum(w[1] as char))
    });
    if !well_formed {
        return Err(format!(
            "`{name}` is not a repository name: each part between `/` begins and ends with a lowercase letter or digit, with one `.`, `_` or `-` at a time between them"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_follow_secrets_manager() {
        assert!(secret_name("pcluster/ad-password").is_ok());
        assert!(secret_name("").is_err());
        assert!(secret_name(&"a".repeat(513)).is_err());
        assert!(secret_name("with space").unwrap_err().contains("` `"));
        assert!(
            secret_name("ad-password-AbC123")
                .unwrap_err()
                .contains("suffix")
        );
    }

    #[test]
    fn messages_use_the_right_article() {
        let ecs = ecs_cluster_name("bad name").unwrap_err();
        assert!(ecs.contains("an ECS cluster name"), "{ecs}");
        let queue = batch_name("queue*", "job queue name").unwrap_err();
        assert!(queue.contains("a job queue name"), "{queue}");
        let role = iam_name("has space", "role name", 64).unwrap_err();
        assert!(role.contains("a role name"), "{role}");
    }

    #[test]
    fn buckets_follow_s3_rules() {
        for ok in ["abc", "my-gwf-data", "a.b.c", "1bucket9", &"a".repeat(63)] {
            assert_eq!(bucket_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "My-Bucket",
            "under_score",
            "-lead",
            "trail-",
            "a..b",
            "192.168.5.4",
            "xn--abc",
            "sthree-abc",
            "amzn-s3-demo-x",
            "abc-s3alias",
            "abc--ol-s3",
            "abc.mrap",
            "abc--x-s3",
        ] {
            assert!(bucket_name(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn ip_like_only_when_four_numbers() {
        assert!(bucket_name("1.2.3.4").is_err());
        assert_eq!(bucket_name("1.2.3"), Ok(()));
        assert_eq!(bucket_name("1.2.3.4.5"), Ok(()));
    }

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "us-gov-west-1",
            "cn-north-1",
            "eu-isoe-west-1",
            "ap-southeast-5",
            "eusc-de-east-1",
        ] {
            assert_eq!(region(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "useast1",
            "US-EAST-1",
            "us-east",
            "us-east-one",
            "u-east-1",
            "us--1",
        ] {
            assert!(region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn iam_names_and_paths() {
        assert_eq!(iam_name("ecsInstanceRole", "role name", 64), Ok(()));
        assert!(iam_name(&"r".repeat(65), "role name", 64).is_err());
        assert!(iam_name("has space", "role name", 64).is_err());
        assert!(iam_name("", "role name", 64).is_err());
        assert_eq!(iam_path("/"), Ok(()));
        assert_eq!(iam_path("/genomics/team-a/"), Ok(()));
        assert!(iam_path("genomics/").is_err());
        assert!(iam_path("/genomics").is_err());
        assert!(iam_path("/a b/").is_err());
        assert!(iam_path("/{{x}}/").is_err());
        assert!(iam_path("/<team>/").is_err());
        assert!(iam_path(&format!("/{}/", "a".repeat(511))).is_err());
    }

    #[test]
    fn policy_arns() {
        let aws = Partition::Aws;
        assert_eq!(
            policy_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", aws),
            Ok(())
        );
        assert_eq!(
            policy_arn(
                "arn:aws:iam::aws:policy/service-role/AWSBatchServiceRole",
                aws
            ),
            Ok(())
        );
        assert_eq!(
            policy_arn("arn:aws:iam::123456789012:policy/team/x", aws),
            Ok(())
        );
        assert!(policy_arn("arn:aws-cn:iam::aws:policy/X", aws).is_err());
        assert!(policy_arn("arn:aws:iam::12345:policy/X", aws).is_err());
        assert!(policy_arn("arn:aws:iam::aws:role/X", aws).is_err());
        assert!(policy_arn("AmazonS3ReadOnlyAccess", aws).is_err());
        assert!(policy_arn("arn:aws:iam:us-east-1:aws:policy/X", aws).is_err());
    }

    #[test]
    fn tags_and_service_names() {
        assert_eq!(tag_key("Project"), Ok(()));
        assert!(tag_key("aws:cloudformation").is_err());
        assert!(tag_key("").is_err());
        assert!(tag_value(&"v".repeat(257)).is_err());
        assert!(tag_value("a;b").is_err());
        assert_eq!(tag_value("two words\u{a0}and more"), Ok(()));
        assert!(tag_value("tab\there").is_err());
        assert!(tag_key("line\nbreak").is_err());
        assert_eq!(stack_name("parallelcluster-demo"), Ok(()));
        assert!(stack_name("1stack").is_err());
        assert!(batch_name("queue*", "job queue name").is_err());
        assert_eq!(ecs_cluster_name("ce_1-x"), Ok(()));
    }

    #[test]
    fn kms_key_arns() {
        let aws = Partition::Aws;
        let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(kms_key_arn(key, aws), Ok(()));
        assert!(
            kms_key_arn(key, Partition::China)
                .unwrap_err()
                .contains("partition `aws`")
        );
        assert!(
            kms_key_arn("arn:aws:kms:us-east-1:123456789012:alias/omics", aws)
                .unwrap_err()
                .contains("alias")
        );
        assert!(kms_key_arn("arn:aws:kms::123456789012:key/abc", aws).is_err());
        assert!(kms_key_arn("arn:aws:kms:us-east-1:1234:key/abc", aws).is_err());
        assert!(kms_key_arn("arn:aws:kms:us-east-1:123456789012:key/", aws).is_err());
        assert!(kms_key_arn("arn:aws:s3:us-east-1:123456789012:key/abc", aws).is_err());
        assert!(kms_key_arn("1234abcd-12ab-34cd-56ef-1234567890ab", aws).is_err());
    }

    #[test]
    fn ecr_repository_names() {
        for ok in ["gatk", "omics/gatk-4.2", "a_b", "ns/sub/tool.v2"] {
            assert_eq!(ecr_repository_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "a",
            "Gatk",
            "-gatk",
            "gatk-",
            "ga--tk",
            "ns//tool",
            "/gatk",
            "ga tk",
            &"a".repeat(257),
        ] {
            assert!(ecr_repository_name(bad).is_err(), "{bad}");
        }
    }
}
