//! The AWS managed policies onramp attaches, vendored as data
//! (`assets/aws-managed-policies/`, with their versions), so that intents
//! going through them can be evaluated without an account.

use serde_json::Value;

use super::arn::Arn;

/// Each vendored policy: its name and its file's text.
const VENDORED: [(&str, &str); 8] = [
    (
        "AWSBatchServiceRole",
        include_str!("../../assets/aws-managed-policies/AWSBatchServiceRole.json"),
    ),
    (
        "AWSLambdaBasicExecutionRole",
        include_str!("../../assets/aws-managed-policies/AWSLambdaBasicExecutionRole.json"),
    ),
    (
        "AmazonEC2ContainerServiceforEC2Role",
        include_str!("../../assets/aws-managed-policies/AmazonEC2ContainerServiceforEC2Role.json"),
    ),
    (
        "AmazonEC2SpotFleetTaggingRole",
        include_str!("../../assets/aws-managed-policies/AmazonEC2SpotFleetTaggingRole.json"),
    ),
    (
        "AmazonS3ReadOnlyAccess",
        include_str!("../../assets/aws-managed-policies/AmazonS3ReadOnlyAccess.json"),
    ),
    (
        "AmazonSSMManagedInstanceCore",
        include_str!("../../assets/aws-managed-policies/AmazonSSMManagedInstanceCore.json"),
    ),
    (
        "CloudWatchAgentServerPolicy",
        include_str!("../../assets/aws-managed-policies/CloudWatchAgentServerPolicy.json"),
    ),
    (
        "EC2InstanceProfileForImageBuilder",
        include_str!("../../assets/aws-managed-policies/EC2InstanceProfileForImageBuilder.json"),
    ),
];

/// A vendored AWS managed policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedPolicy {
    pub name: String,
    pub version: String,
    pub document: Value,
}

/// The vendored copy of the AWS managed policy `arn`, its ARNs written in
/// the ARN's own partition; `None` for a policy onramp has no copy of.
pub fn lookup(arn: &str) -> Option<ManagedPolicy> {
    let partition = arn.split(':').nth(1)?;
    let name = arn.rsplit('/').next()?;
    if !arn.contains(":iam::aws:policy/") {
        return None;
    }
    let (_, text) = VENDORED.iter().find(|(n, _)| *n == name)?;
    let entry: Value = serde_json::from_str(text).ok()?;
    let mut document = entry.get("document")?.clone();
    in_partition(&mut document, partition);
    Some(ManagedPolicy {
        name: name.to_owned(),
        version: entry.get("version")?.as_str()?.to_owned(),
        document,
    })
}

/// AWS keeps one copy of each managed policy per partition, with that
/// partition's ARNs.
fn in_partition(value: &mut Value, partition: &str) {
    match value {
        Value::String(s) => {
            if let Ok(mut arn) = s.parse::<Arn>()
                && arn.partition == "aws"
            {
                arn.partition = partition.to_owned();
                *s = arn.to_string();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| in_partition(v, partition)),
        Value::Object(map) => map.values_mut().for_each(|v| in_partition(v, partition)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_policy_parses_with_its_version() {
        for (name, _) in VENDORED {
            let arn = Arn::aws_managed_policy("aws", &format!("service-role/{name}")).to_string();
            let policy = lookup(&arn);
            let policy = policy.unwrap_or_else(|| unreachable!("{name} is vendored"));
            assert!(
                policy.version.starts_with('v'),
                "{name}: {}",
                policy.version
            );
            assert!(policy.document.get("Statement").is_some(), "{name}");
        }
    }

    #[test]
    fn arns_follow_the_partition_and_unknown_policies_are_none() {
        let fleet = lookup("arn:aws-cn:iam::aws:policy/service-role/AmazonEC2SpotFleetTaggingRole");
        let text = fleet.map(|p| p.document.to_string()).unwrap_or_default();
        assert!(text.contains("arn:aws-cn:elasticloadbalancing"), "{text}");
        assert!(!text.contains("arn:aws:"), "{text}");
        assert!(lookup("arn:aws:iam::aws:policy/AdministratorAccess").is_none());
        assert!(
            lookup("arn:aws:iam::123456789012:policy/AmazonS3ReadOnlyAccess").is_none(),
            "a customer policy of the same name is not AWS's"
        );
    }
}
