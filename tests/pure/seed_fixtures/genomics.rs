//! Genomics: the bucket access and EBS autoscale policies against the seeds.

use super::*;

// ---------------------------------------------------------------------------
// Genomics: bucket access policy

pub(super) const BUCKET_SEED: &str = "genomics-bucket-access-cfn.json";

pub(super) fn bucket_policy_name(fixture: &Value) -> String {
    fixture["PolicyName"]
        .as_str()
        .expect("the CloudFormation fixture has a PolicyName")
        .to_owned()
}

/// The improvements of the bucket access policy in a region.
pub(super) fn bucket_improvements(region: &str) -> Vec<Improvement> {
    let mut improvements = partition_improvement(region);
    improvements.push(Improvement::BucketsKept);
    improvements
}

/// The Allow and the Deny statement of a bucket access policy (part).
pub(super) fn allow_and_deny(document: &Value, what: &str) -> (Normalized, Normalized) {
    let all = statements(document);
    assert_eq!(
        all.len(),
        2,
        "{what}: an Allow statement for every bucket and {KEEP_THE_BUCKETS_SID}: {document}"
    );
    let allow: Vec<&Labeled> = all
        .iter()
        .filter(|s| s.statement.effect == "Allow")
        .collect();
    let deny: Vec<&Labeled> = all
        .iter()
        .filter(|s| s.statement.effect == "Deny")
        .collect();
    assert_eq!((allow.len(), deny.len()), (1, 1), "{what}: {document}");
    assert!(
        deny[0].label.starts_with(KEEP_THE_BUCKETS_SID),
        "{what}: the Deny statement is {KEEP_THE_BUCKETS_SID}: {}",
        deny[0].label
    );
    (allow[0].statement.clone(), deny[0].statement.clone())
}

/// The Deny statement covers exactly the buckets (not their objects) of the
/// Allow statement beside it.
pub(super) fn assert_deny_keeps_exactly_the_buckets(
    allow: &Normalized,
    deny: &Normalized,
    what: &str,
) {
    let buckets: BTreeSet<String> = allow
        .resources
        .iter()
        .filter(|r| !r.ends_with("/*"))
        .cloned()
        .collect();
    assert_eq!(
        buckets.len() * 2,
        allow.resources.len(),
        "{what}: the Allow statement holds a bucket ARN and an object ARN per bucket"
    );
    assert_eq!(
        deny.resources, buckets,
        "{what}: {KEEP_THE_BUCKETS_SID} is on exactly the bucket ARNs"
    );
    assert_eq!(deny.actions, lowercase_set(&KEPT_BUCKET_ACTIONS), "{what}");
    assert!(deny.condition.is_empty() && deny.other.is_empty(), "{what}");
}

#[test]
pub(super) fn bucket_access_policy_for_one_bucket_equals_the_seed() {
    for region in [REGION, CHINA_REGION] {
        let plan = plan_of(&genomics_answers(region, &[BUCKET]));
        let seed = fixture(BUCKET_SEED, &Fill::new(region).bucket(BUCKET));
        // The default name is the seed's PolicyName, `<region>` filled.
        let name = bucket_policy_name(&seed);
        assert_eq!(name, format!("s3bucket-access-{region}"));
        let generated = policy_document(&plan, &name);
        let improvements = bucket_improvements(region);
        assert_matches_fixture(
            &format!("bucket access policy {name} ({region})"),
            generated,
            BUCKET_SEED,
            document_of(&seed),
            &improvements,
        );
        assert_each_improvement_is_needed(
            &format!("bucket access policy {name} ({region})"),
            generated,
            BUCKET_SEED,
            &document_of(&seed),
            &improvements,
        );
    }
}

#[test]
pub(super) fn bucket_access_policy_puts_both_arns_of_every_bucket_in_one_statement() {
    for region in [REGION, CHINA_REGION] {
        let buckets = [BUCKET, OTHER_BUCKET, THIRD_BUCKET];
        let plan = plan_of(&genomics_answers(region, &buckets));
        let per_bucket: Vec<Value> = buckets
            .iter()
            .map(|b| document_of(&fixture(BUCKET_SEED, &Fill::new(region).bucket(b))))
            .collect();
        let name = bucket_policy_name(&fixture(BUCKET_SEED, &Fill::new(region).bucket(BUCKET)));
        let generated = policy_document(&plan, &name);
        // One Allow statement for all buckets, and the Deny beside it.
        let what = format!(
            "bucket access policy {name} for {} buckets ({region})",
            buckets.len()
        );
        let (allow, deny) = allow_and_deny(generated, &what);
        assert_eq!(allow.resources.len(), 2 * buckets.len(), "{what}");
        assert_deny_keeps_exactly_the_buckets(&allow, &deny, &what);
        assert_matches_fixture(
            &what,
            generated,
            BUCKET_SEED,
            one_statement_for_all_buckets(&per_bucket),
            &bucket_improvements(region),
        );
        // Only one policy: no `-2` part for three buckets.
        let policies = names_of(&plan, EntityKind::ManagedPolicy);
        assert!(
            !policies.contains(&format!("{name}-2")),
            "three buckets fit one policy: {policies:?}"
        );
    }
}

#[test]
pub(super) fn bucket_access_policies_split_at_the_size_limit_still_cover_every_bucket() {
    // 63-character names (the S3 maximum): far more than one policy can hold.
    let buckets: Vec<String> = (0..90)
        .map(|i| format!("onramp-fixture-bucket-{i:03}-{}", "a".repeat(37)))
        .collect();
    assert!(buckets.iter().all(|b| b.len() == 63));
    let refs: Vec<&str> = buckets.iter().map(String::as_str).collect();
    let plan = plan_of(&genomics_answers(REGION, &refs));
    let per_bucket: Vec<Value> = refs
        .iter()
        .map(|b| document_of(&fixture(BUCKET_SEED, &Fill::new(REGION).bucket(b))))
        .collect();
    let mut expected_document = one_statement_for_all_buckets(&per_bucket);
    Improvement::BucketsKept.apply(&mut expected_document);
    let (expected, expected_deny) = allow_and_deny(&expected_document, "the seed, improved");

    let base = format!("s3bucket-access-{REGION}");
    let parts: Vec<&Resource> = plan
        .resources
        .iter()
        .filter(|r| r.kind() == EntityKind::ManagedPolicy && r.name.starts_with(&base))
        .collect();
    assert!(
        parts.len() > 1,
        "90 long bucket names need several policies"
    );
    let mut covered: BTreeSet<String> = BTreeSet::new();
    let mut kept: BTreeSet<String> = BTreeSet::new();
    for (i, part) in parts.iter().enumerate() {
        let expected_name = if i == 0 {
            base.clone()
        } else {
            format!("{base}-{}", i + 1)
        };
        assert_eq!(part.name, expected_name, "parts are NAME, NAME-2, …");
        let document = &part
            .policy()
            .unwrap_or_else(|| panic!("{} is not a policy", part.name))
            .document;
        assert!(
            onramp::iam::limits::policy_size(document) <= onramp::iam::limits::MANAGED_POLICY_SIZE,
            "{} exceeds the managed policy size",
            part.name
        );
        let (got, deny) = allow_and_deny(document, &part.name);
        // Same statements as the seed's (improved), but for this part's
        // buckets only.
        assert_eq!(
            (&got.effect, &got.actions, &got.condition, &got.other),
            (
                &expected.effect,
                &expected.actions,
                &expected.condition,
                &expected.other
            ),
            "{}: the Allow statement differs from the seed beyond its resources",
            part.name
        );
        assert_eq!(
            (&deny.effect, &deny.actions, &deny.condition, &deny.other),
            (
                &expected_deny.effect,
                &expected_deny.actions,
                &expected_deny.condition,
                &expected_deny.other
            ),
            "{}: {KEEP_THE_BUCKETS_SID} differs beyond its resources",
            part.name
        );
        assert_deny_keeps_exactly_the_buckets(&got, &deny, &part.name);
        for r in &got.resources {
            assert!(covered.insert(r.clone()), "{r} is in two parts");
        }
        kept.extend(deny.resources.iter().cloned());
    }
    assert_eq!(
        covered, expected.resources,
        "together the parts hold both ARNs of every bucket, nothing else"
    );
    assert_eq!(
        kept, expected_deny.resources,
        "together the parts keep every bucket"
    );
    // Every part is attached to the instance role and the job role.
    let part_arns: BTreeSet<String> = parts.iter().map(|p| p.arn.clone()).collect();
    for role in ["ecsInstanceRole", "BatchJobRole"] {
        let attached: BTreeSet<String> = role_spec(resource(&plan, EntityKind::Role, role))
            .1
            .iter()
            .cloned()
            .collect();
        assert!(
            part_arns.is_subset(&attached),
            "{role} must have every bucket policy part: {part_arns:?} not all in {attached:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Genomics: EBS autoscale policy

pub(super) const EBS_CFN_SEED: &str = "genomics-ebs-autoscale-cfn.json";
pub(super) const EBS_CONSOLE_SEED: &str = "genomics-ebs-autoscale-console.json";
pub(super) const EBS_POLICY: &str = "ebs-autoscale-policy";

#[test]
pub(super) fn ebs_autoscale_policy_equals_the_cloudformation_seed_plus_describe_tags() {
    for region in [REGION, CHINA_REGION] {
        let plan = plan_of(&genomics_answers(region, &[BUCKET]));
        let seed = fixture(EBS_CFN_SEED, &Fill::new(region));
        // The document has no ARN, so the partition changes nothing in it.
        assert_matches_fixture(
            &format!("EBS autoscale policy ({region})"),
            policy_document(&plan, EBS_POLICY),
            EBS_CFN_SEED,
            document_of(&seed),
            &[Improvement::EbsAddsDescribeTags],
        );
    }
}

#[test]
pub(super) fn ebs_autoscale_policy_lists_explicitly_what_the_console_seeds_wildcard_grants() {
    let plan = plan_of(&genomics_answers(REGION, &[BUCKET]));
    let generated = statements(policy_document(&plan, EBS_POLICY));
    let console = statements(&fixture(EBS_CONSOLE_SEED, &Fill::new(REGION)));
    assert_eq!(generated.len(), 1, "onramp's EBS policy has one statement");
    assert_eq!(
        console.len(),
        1,
        "the console seed's Statement is a single object"
    );
    let (ours, seed) = (&generated[0].statement, &console[0].statement);

    // Everything but the actions is the seed's.
    assert_eq!(ours.effect, seed.effect);
    assert_eq!(ours.resources, seed.resources);
    assert_eq!(ours.condition, seed.condition);
    assert_eq!(ours.other, seed.other);

    let (patterns, exact): (Vec<&String>, Vec<&String>) =
        seed.actions.iter().partition(|a| a.contains(['*', '?']));
    assert_eq!(
        patterns,
        [&"ec2:*volume".to_owned()],
        "the console seed's one wildcard"
    );

    // Each exact action of the console version is in onramp's list.
    for action in &exact {
        assert!(
            ours.actions.contains(*action),
            "the console seed grants {action}; onramp's list {:?} lacks it",
            ours.actions
        );
    }
    // onramp has no wildcard.
    assert!(
        ours.actions.iter().all(|a| !a.contains(['*', '?'])),
        "onramp lists actions explicitly: {:?}",
        ours.actions
    );

    // The wildcard covers exactly onramp's volume actions.
    let covered_by_wildcard: BTreeSet<String> = ours
        .actions
        .iter()
        .filter(|a| patterns.iter().any(|p| action_matches(p, a)))
        .cloned()
        .collect();
    assert_eq!(
        covered_by_wildcard,
        lowercase_set(&["ec2:AttachVolume", "ec2:CreateVolume", "ec2:DeleteVolume"]),
        "the actions of onramp that `ec2:*Volume` matches"
    );

    // The documented improvement: what onramp grants beyond the console version.
    let extras: BTreeSet<String> = ours
        .actions
        .iter()
        .filter(|a| !seed.actions.iter().any(|p| action_matches(p, a)))
        .cloned()
        .collect();
    assert_eq!(
        extras,
        lowercase_set(&[
            "ec2:CreateTags",
            "ec2:DescribeTags",
            "ec2:DescribeVolumeStatus",
            "ec2:DescribeVolumeAttribute",
        ]),
        "onramp's actions beyond the console seed must be exactly the documented ones"
    );

    // And what the wildcard grants that EBS autoscale never uses, onramp does not.
    for unused in ["ec2:DetachVolume", "ec2:ModifyVolume", "ec2:ImportVolume"] {
        assert!(
            patterns.iter().any(|p| action_matches(p, unused)),
            "the console seed's wildcard grants {unused}"
        );
        assert!(
            !ours.actions.iter().any(|a| action_matches(a, unused)),
            "onramp must not grant {unused}: {:?}",
            ours.actions
        );
    }
}
