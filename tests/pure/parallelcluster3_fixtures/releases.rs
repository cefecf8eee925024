//! Releases: what came when.

use super::*;

// ---------------------------------------------------------------------------
// Releases: what came when.
// ---------------------------------------------------------------------------

/// The actions a document's statements name, as written.
fn actions_in(document: &Value) -> BTreeSet<String> {
    raw_statements(document)
        .iter()
        .flat_map(|s| string_set(s.get("Action"), "Action"))
        .collect()
}

/// The documents of a plan that come from `template`'s policy.
fn documents_of(plan: &Plan, template: Template) -> Vec<Value> {
    match template {
        Template::Pc3UserBase => vec![managed(plan, "ParallelClusterUserPolicy").clone()],
        Template::Pc3ComputeNode => vec![managed(plan, "ParallelClusterComputeNodePolicy").clone()],
        Template::Pc3IamPrivileged | Template::Pc3IamPermissionsBoundary => {
            vec![managed(plan, "ParallelClusterIamUserPolicy").clone()]
        }
        Template::Pc3UserLoginNodes => {
            vec![managed(plan, "ParallelClusterLoginNodesUserPolicy").clone()]
        }
        other => panic!("no plan document for {other:?} in this test"),
    }
}

/// The upstream files that hold what `template` follows: upstream's own
/// policies and, where upstream added a grant there first, its test role or
/// the CLI's role builder.
fn upstream_counterparts(template: Template) -> &'static [&'static str] {
    match template {
        Template::Pc3UserBase => &["user-base.json", "test-user-role.json"],
        Template::Pc3ComputeNode => &["compute-node.json", "cli-compute-node-slurm.json"],
        other => panic!("no upstream counterpart for {other:?} in this test"),
    }
}

/// Whether an upstream release's `files` grant `action` (as written or by a
/// wildcard).
fn upstream_grants(dir: &str, files: &[&str], action: &str) -> bool {
    let on_disk = upstream_files(dir);
    files.iter().filter(|f| on_disk.contains(**f)).any(|f| {
        actions_in(&upstream(dir, f, REGION))
            .iter()
            .any(|p| action_matches(p, action))
    })
}

#[test]
fn the_release_table_agrees_with_the_vendored_upstream_releases() {
    assert!(action_matches("ec2:Describe*", "ec2:DescribeInstances"));
    assert!(!action_matches("ec2:Describe*", "ec2:DeleteTags"));
    // The controls: what 3.6.0 grants is found, in its files and by wildcard.
    let base = upstream_counterparts(Template::Pc3UserBase);
    assert!(upstream_grants(
        UPSTREAM_OLDEST,
        base,
        "cloudwatch:PutMetricAlarm"
    ));
    assert!(upstream_grants(UPSTREAM_OLDEST, base, "ec2:DescribeTags"));
    let compute = upstream_counterparts(Template::Pc3ComputeNode);
    assert!(upstream_grants(UPSTREAM_OLDEST, compute, "dynamodb:Query"));
    assert!(!upstream_grants(
        UPSTREAM_OLDEST,
        compute,
        "dynamodb:PutItem"
    ));
    for a in pc3::ADDITIONS {
        let files = upstream_counterparts(a.template);
        for action in a.actions {
            assert!(
                !upstream_grants(UPSTREAM_OLDEST, files, action),
                "{action}: upstream {UPSTREAM_OLDEST} grants it already, so it did not come in {}",
                a.since
            );
            if a.since <= Release::new(3, 12) {
                assert!(
                    upstream_grants(UPSTREAM, files, action),
                    "{action} came in {} ({}) but upstream {UPSTREAM} does not grant it in {files:?}",
                    a.since,
                    a.source
                );
            }
        }
    }
}

#[test]
fn each_addition_is_granted_from_its_release_on_and_not_before() {
    for release in Release::all() {
        let text = release.to_string();
        let plan = plan_of(&Case::full_for(&text, REGION, "restricted", "slurm").toml());
        for a in pc3::ADDITIONS {
            let actions: BTreeSet<String> = documents_of(&plan, a.template)
                .iter()
                .flat_map(actions_in)
                .collect();
            for action in a.actions {
                assert_eq!(
                    actions.contains(*action),
                    release >= a.since,
                    "{action} (since {}) in a plan for {release}",
                    a.since
                );
                assert_eq!(
                    pc3::granted(release, a.template, action),
                    release >= a.since
                );
            }
        }
        // What onramp keeps for every release is there at every release.
        let privileged = plan_of(&Case::full_for(&text, REGION, "privileged", "slurm").toml());
        for k in pc3::EVERY_RELEASE {
            if k.template == Template::Pc3UserLoginNodes && release < Release::LOGIN_NODES {
                continue;
            }
            if k.template == Template::Pc3IamPermissionsBoundary {
                continue; // the same statement as privileged mode's
            }
            let documents = documents_of(&privileged, k.template);
            let text = serde_json::to_string(&documents).unwrap();
            assert!(
                text.contains(&format!("\"{}\"", k.sid)),
                "{k:?} for {release}"
            );
            for action in k.actions {
                assert!(
                    documents.iter().any(|d| actions_in(d).contains(*action)),
                    "{action} ({}) for {release}",
                    k.source
                );
            }
        }
    }
}

#[test]
fn a_plan_for_3_6_grants_nothing_later_releases_added() {
    let later: Vec<&str> = pc3::ADDITIONS
        .iter()
        .flat_map(|a| a.actions.iter().copied())
        .collect();
    assert!(later.contains(&"cloudwatch:PutCompositeAlarm"));
    // What AWS's side made every release need is never gated.
    assert!(!later.contains(&"ec2:DeleteTags") && !later.contains(&"logs:ListTagsForResource"));
    let only_in_later = ["cloudwatch:PutCompositeAlarm"];
    for region in [REGION, CHINA_REGION] {
        for (mode, scheduler) in MODES {
            for (release, expected) in [("3.6", false), ("3.16", true)] {
                let case = Case::full_for(release, region, mode, scheduler);
                let plan = plan_of(&case.toml());
                let everywhere: BTreeSet<String> = plan
                    .resources
                    .iter()
                    .flat_map(|r| r.documents())
                    .flat_map(|(_, d)| actions_in(d))
                    .collect();
                // The control: the newest release's plan has each of them.
                for action in only_in_later {
                    assert_eq!(
                        everywhere.contains(action),
                        expected,
                        "{}: {action}",
                        case.what()
                    );
                }
                if mode == "restricted" {
                    let compute = actions_in(managed(&plan, "ParallelClusterComputeNodePolicy"));
                    for action in [
                        "dynamodb:UpdateItem",
                        "dynamodb:PutItem",
                        "dynamodb:GetItem",
                        "cloudformation:DescribeStackResource",
                    ] {
                        assert_eq!(
                            compute.contains(action),
                            expected,
                            "{}: {action}",
                            case.what()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_3_6_comparison_fails_when_onramp_drops_a_3_6_grant() {
    let case = Case::full_for("3.6", REGION, "restricted", "slurm");
    assert_eq!(case.upstream(), UPSTREAM_OLDEST);
    let plan = plan_of(&case.toml());
    let users = user_documents(&plan);
    assert!(upstream_failures(&case, "user-base.json", &users).is_empty());

    // One action of 3.6.0's base policy less.
    let dropped = base_policy_without(&users, "CloudWatch", "cloudwatch:PutMetricAlarm");
    let failures = upstream_failures(&case, "user-base.json", &dropped);
    assert!(
        !failures.is_empty()
            && failures
                .iter()
                .all(|f| f.contains("cloudwatch:PutMetricAlarm") && f.starts_with("3.6/")),
        "{failures:#?}"
    );

    // One action of 3.6.0's compute node role less.
    let mut compute = role_documents(&plan, "ParallelClusterComputeNodeRole");
    assert!(upstream_failures(&case, "compute-node.json", &compute).is_empty());
    rewrite_strings(&mut compute[0].1, &mut |s| {
        (s == "dynamodb:Query").then(|| "dynamodb:Scan".to_owned())
    });
    let failures = upstream_failures(&case, "compute-node.json", &compute);
    assert!(
        !failures.is_empty() && failures.iter().all(|f| f.contains("dynamodb:Query")),
        "{failures:#?}"
    );
}

/// Whether every intent of the case's plan holds, judged offline.
fn intent_failures(case: &Case<'_>) -> (usize, Vec<String>) {
    let answers = Answers::from_toml(&case.toml()).unwrap();
    let valid = answers.validate(&Environment::default()).unwrap();
    let plan = plan::plan(&valid).unwrap();
    let intents = onramp::verify::intents(&valid, &plan);
    let outcomes = onramp::verify::check(&intents, |s| onramp::verify::offline::evidence(&plan, s));
    let failed = outcomes
        .iter()
        .filter(|o| !o.verdict.holds())
        .map(|o| {
            format!(
                "{}: {}: {} ({:?})",
                case.what(),
                o.intent.subject.label(),
                o.intent.check.describe(),
                o.verdict
            )
        })
        .collect();
    (outcomes.len(), failed)
}

#[test]
fn intents_hold_for_every_release_in_every_mode() {
    for release in Release::all() {
        let text = release.to_string();
        for region in [REGION, CHINA_REGION, "us-gov-west-1"] {
            for (mode, scheduler) in MODES {
                let case = Case::full_for(&text, region, mode, scheduler);
                let (count, failed) = intent_failures(&case);
                assert!(count >= 10, "{}: {count} intents", case.what());
                assert!(failed.is_empty(), "{}", failed.join("\n"));
            }
        }
    }
}

#[test]
fn intents_follow_the_release() {
    let described = |release: &str| -> BTreeSet<String> {
        let case = Case::full_for(release, REGION, "restricted", "slurm");
        let answers = Answers::from_toml(&case.toml()).unwrap();
        let valid = answers.validate(&Environment::default()).unwrap();
        let plan = plan::plan(&valid).unwrap();
        onramp::verify::intents(&valid, &plan)
            .iter()
            .map(|i| format!("{} {}", i.subject.label(), i.check.describe()))
            .collect()
    };
    let has = |set: &BTreeSet<String>, who: &str, action: &str| {
        let prefix = format!("{who} {action} on ");
        set.iter().any(|d| d.starts_with(&prefix))
    };
    let user = "pcluster user";
    let compute = "role ParallelClusterComputeNodeRole";
    let head = "role ParallelClusterHeadNodeRole";
    for (release, composite, retag, live_updates) in [
        ("3.6", false, true, false),
        ("3.8", true, true, false),
        ("3.9", true, true, true),
        ("3.10", true, true, true),
        ("3.16", true, true, true),
    ] {
        let set = described(release);
        assert_eq!(
            has(&set, user, "cloudwatch:PutCompositeAlarm"),
            composite,
            "{release}"
        );
        assert_eq!(has(&set, user, "ec2:DeleteTags"), retag, "{release}");
        assert!(has(&set, user, "logs:ListTagsForResource"), "{release}");
        assert_eq!(
            has(&set, compute, "dynamodb:PutItem"),
            live_updates,
            "{release}"
        );
        assert_eq!(
            has(&set, compute, "cloudformation:DescribeStackResource"),
            live_updates,
            "{release}"
        );
        assert_eq!(
            has(&set, head, "dynamodb:BatchGetItem"),
            live_updates,
            "{release}"
        );
        // Every release: the tag permissions CloudFormation needs, and the
        // head node's console reads (pcluster's role has them since 3.5).
        assert!(has(&set, user, "cloudwatch:TagResource"), "{release}");
        assert!(has(&set, user, "dynamodb:UntagResource"), "{release}");
        assert!(has(&set, head, "ec2:GetConsoleOutput"), "{release}");
    }
}
