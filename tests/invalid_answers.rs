//! Invalid answers: each is rejected with exactly the field at fault and a
//! message that says what is allowed, by the library and by the binary.

// Test helpers may unwrap: a failed assumption is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use onramp::answers::{Answers, Environment, ValidationErrors};
use onramp::plan::{lint, plan};

/// No region or account from anywhere but the answers themselves.
fn no_env() -> Environment {
    Environment {
        region_flag: None,
        region_env: None,
        account_id: None,
    }
}

/// A TOML basic string holding `s` exactly.
fn q(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const REGION: &str = "region = \"us-east-1\"\n";
const ACCOUNT: &str = "account_id = \"123456789012\"\n";

/// Region, account, the given top-level keys, then the given tables.
fn file(top: &str, tables: &str) -> String {
    format!("{REGION}{ACCOUNT}{top}\n{tables}")
}

/// A `[genomics]` table with these buckets and extra lines.
fn genomics_with(buckets: &[&str], extra: &str) -> String {
    let list: Vec<String> = buckets.iter().map(|b| q(b)).collect();
    format!("[genomics]\nbuckets = [{}]\n{extra}", list.join(", "))
}

/// A valid `[genomics]` table.
fn genomics() -> String {
    genomics_with(&["my-gwf-data"], "")
}

/// Valid answers but for one bad bucket, second in the list.
fn bad_bucket(bucket: &str) -> String {
    file("", &genomics_with(&["my-gwf-data", bucket], ""))
}

const AWSBATCH_FIELDS: [(&str, &str); 7] = [
    ("resources_bucket", "my-pcluster-resources"),
    ("stack_name", "parallelcluster-mycluster"),
    (
        "job_definition_serial_name",
        "parallelcluster-mycluster-job",
    ),
    (
        "job_definition_mnp_name",
        "parallelcluster-mycluster-mnp-job",
    ),
    ("job_queue_name", "parallelcluster-mycluster-queue"),
    ("job_role", "parallelcluster-mycluster-job-role"),
    ("ecs_compute_environment", "parallelcluster-mycluster-ce"),
];

/// An awsbatch `[parallelcluster]` table: every field valid, except that
/// `without` is left out and `replace` overrides one field's value.
fn awsbatch(without: Option<&str>, replace: Option<(&str, &str)>) -> String {
    let mut t = String::from("[parallelcluster]\nscheduler = \"awsbatch\"\n");
    for (key, value) in AWSBATCH_FIELDS {
        if Some(key) == without {
            continue;
        }
        let value = match replace {
            Some((k, v)) if k == key => v,
            _ => value,
        };
        t.push_str(&format!("{key} = {}\n", q(value)));
    }
    t
}

/// A `[parallelcluster]` table with the given lines.
fn pc(lines: &str) -> String {
    format!("[parallelcluster]\n{lines}")
}

/// One invalid input: its TOML, the one field its error must name, and a
/// substring of the message that says what is allowed.
struct Case {
    what: String,
    toml: String,
    field: String,
    allowed: &'static str,
}

fn case(what: impl Into<String>, toml: String, field: &str, allowed: &'static str) -> Case {
    Case {
        what: what.into(),
        toml,
        field: field.to_owned(),
        allowed,
    }
}

fn cases() -> Vec<Case> {
    let b1 = "genomics.buckets[1]";
    let mut v = vec![
        // Buckets.
        case("bucket too short", bad_bucket("ab"), b1, "3 to 63"),
        case(
            "bucket too long",
            bad_bucket(&"a".repeat(64)),
            b1,
            "3 to 63",
        ),
        case("bucket uppercase", bad_bucket("My-Bucket"), b1, "lowercase"),
        case(
            "bucket underscore",
            bad_bucket("my_bucket"),
            b1,
            "only lowercase letters, digits, `.` and `-`",
        ),
        case(
            "bucket leading hyphen",
            bad_bucket("-my-bucket"),
            b1,
            "begin and end with a lowercase letter or a digit",
        ),
        case(
            "bucket trailing hyphen",
            bad_bucket("my-bucket-"),
            b1,
            "begin and end with a lowercase letter or a digit",
        ),
        case("bucket with ..", bad_bucket("my..bucket"), b1, "two dots"),
        case(
            "bucket like an IP",
            bad_bucket("192.168.1.1"),
            b1,
            "IP address",
        ),
        case(
            "bucket duplicate",
            file("", &genomics_with(&["my-gwf-data", "my-gwf-data"], "")),
            b1,
            "listed twice",
        ),
        case(
            "no bucket",
            file("", &genomics_with(&[], "")),
            "genomics.buckets",
            "at least one bucket",
        ),
        // Region.
        case(
            "region uppercase",
            format!("region = \"US-EAST-1\"\n{ACCOUNT}\n{}", genomics()),
            "region",
            "lowercase",
        ),
        case(
            "region malformed",
            format!("region = \"useast1\"\n{ACCOUNT}\n{}", genomics()),
            "region",
            "like `us-east-1`",
        ),
        case(
            "region missing",
            format!("{ACCOUNT}\n{}", genomics()),
            "region",
            "not set: add `region = \"us-east-1\"`",
        ),
        // Account.
        case(
            "account id of 11 digits",
            format!("{REGION}account_id = \"12345678901\"\n\n{}", genomics()),
            "account_id",
            "exactly 12 digits",
        ),
        case(
            "account id with a letter",
            format!("{REGION}account_id = \"12345678901a\"\n\n{}", genomics()),
            "account_id",
            "exactly 12 digits",
        ),
        case(
            "account id missing",
            format!("{REGION}\n{}", genomics()),
            "account_id",
            "12-digit",
        ),
        // Name prefix.
        case(
            "prefix with a space",
            file("name_prefix = \"lab team-\"\n", &genomics()),
            "name_prefix",
            "letters, digits and `_ + = , . @ -`",
        ),
        // 42 + "AWSSpotFleetTaggingRole" (23) = 65; every other name still fits.
        case(
            "prefix pushing one role name past 64",
            file(
                &format!("name_prefix = {}\n", q(&"p".repeat(42))),
                &genomics(),
            ),
            "name_prefix",
            "at most 64",
        ),
        // Name overrides.
        case(
            "role name with a space",
            file(
                "",
                &format!("[names]\ninstance_role = \"my role\"\n\n{}", genomics()),
            ),
            "names.instance_role",
            "letters, digits and `_ + = , . @ -`",
        ),
        case(
            "role name of 65 characters",
            file(
                "",
                &format!(
                    "[names]\ninstance_role = {}\n\n{}",
                    q(&"r".repeat(65)),
                    genomics()
                ),
            ),
            "names.instance_role",
            "at most 64",
        ),
        case(
            "policy name of 129 characters",
            file(
                "",
                &format!(
                    "[names]\nbucket_access_policy = {}\n\n{}",
                    q(&"p".repeat(129)),
                    genomics()
                ),
            ),
            "names.bucket_access_policy",
            "at most 128",
        ),
        case(
            "two roles whose names differ only in case",
            file(
                "",
                &format!("[names]\njob_role = \"ECSINSTANCEROLE\"\n\n{}", genomics()),
            ),
            "names.job_role",
            "case-insensitive",
        ),
        case(
            "empty role name",
            file(
                "",
                &format!("[names]\nspot_fleet_role = \"\"\n\n{}", genomics()),
            ),
            "names.spot_fleet_role",
            "empty",
        ),
        case(
            "ParallelCluster role name with a slash",
            file(
                "",
                &format!("[names]\nparallelcluster_role = \"pc/role\"\n\n{}", pc("")),
            ),
            "names.parallelcluster_role",
            "letters, digits and `_ + = , . @ -`",
        ),
        // Path.
        case(
            "path without leading slash",
            file("path = \"onramp/\"\n", &genomics()),
            "path",
            "begin and end with `/`",
        ),
        case(
            "path without trailing slash",
            file("path = \"/onramp\"\n", &genomics()),
            "path",
            "begin and end with `/`",
        ),
        case(
            "path with a space",
            file("path = \"/on ramp/\"\n", &genomics()),
            "path",
            "printable ASCII without spaces",
        ),
        case(
            "path of 513 characters",
            file(
                &format!("path = {}\n", q(&format!("/{}/", "a".repeat(511)))),
                &genomics(),
            ),
            "path",
            "at most 512",
        ),
        case(
            "path with a placeholder character",
            file("path = \"/{{team}}/\"\n", &genomics()),
            "path",
            "read as an unfilled placeholder",
        ),
        // Permissions boundary.
        case(
            "boundary not an ARN",
            file("permissions_boundary = \"lab-boundary\"\n", &genomics()),
            "permissions_boundary",
            "arn:aws:iam::aws:policy/NAME",
        ),
        case(
            "boundary in the wrong partition",
            format!(
                "region = \"cn-north-1\"\n{ACCOUNT}permissions_boundary = \"arn:aws:iam::aws:policy/Boundary\"\n\n{}",
                genomics()
            ),
            "permissions_boundary",
            "`aws-cn`",
        ),
        case(
            "boundary is a role ARN",
            file(
                "permissions_boundary = \"arn:aws:iam::123456789012:role/Boundary\"\n",
                &genomics(),
            ),
            "permissions_boundary",
            "arn:aws:iam::123456789012:policy/NAME",
        ),
        // Extra job role policies.
        case(
            "job role policy not an ARN",
            file(
                "",
                &genomics_with(
                    &["my-gwf-data"],
                    "job_role_policy_arns = [\"AmazonDynamoDBReadOnlyAccess\"]\n",
                ),
            ),
            "genomics.job_role_policy_arns[0]",
            "arn:aws:iam::aws:policy/NAME",
        ),
        case(
            "job role policies without a job role",
            file(
                "",
                &genomics_with(
                    &["my-gwf-data"],
                    "job_role = false\njob_role_policy_arns = [\"arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess\"]\n",
                ),
            ),
            "genomics.job_role_policy_arns",
            "job_role = false",
        ),
        case(
            "job role policy listed twice",
            file(
                "",
                &genomics_with(
                    &["my-gwf-data"],
                    "job_role_policy_arns = [\"arn:aws:iam::aws:policy/A\", \"arn:aws:iam::aws:policy/A\"]\n",
                ),
            ),
            "genomics.job_role_policy_arns[1]",
            "listed twice",
        ),
        // Tags.
        case(
            "tag key starting with aws:",
            file(
                "",
                &format!("[tags]\n\"aws:project\" = \"x\"\n\n{}", genomics()),
            ),
            "tags.aws:project",
            "`aws:`, which AWS reserves",
        ),
        case(
            "tag key with a bad character",
            file(
                "",
                &format!("[tags]\n\"Pro;ject\" = \"x\"\n\n{}", genomics()),
            ),
            "tags.Pro;ject",
            "letters, digits, spaces and `_ . : / = + - @`",
        ),
        case(
            "tag value with a bad character",
            file(
                "",
                &format!("[tags]\nProject = \"gen;omics\"\n\n{}", genomics()),
            ),
            "tags.Project",
            "letters, digits, spaces and `_ . : / = + - @`",
        ),
        case(
            "tag keys differing only in case",
            file(
                "",
                &format!("[tags]\nProject = \"a\"\nproject = \"b\"\n\n{}", genomics()),
            ),
            "tags.project",
            "differ only in case",
        ),
        case(
            "tag value of 257 characters",
            file(
                "",
                &format!(
                    "[tags]\nProject = {}\n\n{}",
                    q(&"v".repeat(257)),
                    genomics()
                ),
            ),
            "tags.Project",
            "at most 256",
        ),
        case(
            "tag key of 129 characters",
            file(
                "",
                &format!("[tags]\n{} = \"x\"\n\n{}", "k".repeat(129), genomics()),
            ),
            &format!("tags.{}", "k".repeat(129)),
            "1 to 128",
        ),
        case(
            "onramp's own tag",
            file(
                "",
                &format!("[tags]\n\"onramp:managed-by\" = \"me\"\n\n{}", genomics()),
            ),
            "tags.onramp:managed-by",
            "set automatically",
        ),
        case(
            "50 tags",
            file(
                "",
                &format!(
                    "[tags]\n{}\n{}",
                    (0..50)
                        .map(|i| format!("Tag{i} = \"v\"\n"))
                        .collect::<String>(),
                    genomics()
                ),
            ),
            "tags",
            "at most 49",
        ),
        // ParallelCluster.
        case(
            "unknown scheduler",
            file("", &pc("scheduler = \"pbs\"\n")),
            "parallelcluster.scheduler",
            "choose one of slurm, sge, torque, awsbatch",
        ),
        case(
            "scheduler in the wrong case",
            file("", &pc("scheduler = \"Slurm\"\n")),
            "parallelcluster.scheduler",
            "written in lowercase",
        ),
        case(
            "ParallelCluster 3",
            file("", &pc("version = \"3\"\n")),
            "parallelcluster.version",
            "use \"2\"",
        ),
        case(
            "ParallelCluster 7",
            file("", &pc("version = \"7\"\n")),
            "parallelcluster.version",
            "`7` is not a ParallelCluster version",
        ),
        case(
            "ParallelCluster version as the number 3",
            file("", &pc("version = 3\n")),
            "parallelcluster.version",
            "ParallelCluster 3 policies are not available",
        ),
        case(
            "awsbatch field with slurm",
            file(
                "",
                &pc("scheduler = \"slurm\"\nstack_name = \"parallelcluster-mycluster\"\n"),
            ),
            "parallelcluster.stack_name",
            "only used with scheduler = \"awsbatch\"",
        ),
        case(
            "awsbatch with a stack name starting with a digit",
            file("", &awsbatch(None, Some(("stack_name", "1cluster")))),
            "parallelcluster.stack_name",
            "must start with a letter",
        ),
        case(
            "awsbatch with a stack name with an underscore",
            file("", &awsbatch(None, Some(("stack_name", "my_cluster")))),
            "parallelcluster.stack_name",
            "letters, digits and `-`",
        ),
        case(
            "awsbatch with a bad job queue name",
            file("", &awsbatch(None, Some(("job_queue_name", "queue*")))),
            "parallelcluster.job_queue_name",
            "job queue name may use letters, digits, `-` and `_`",
        ),
        case(
            "awsbatch with a bad job role name",
            file("", &awsbatch(None, Some(("job_role", "job role")))),
            "parallelcluster.job_role",
            "role name may use letters",
        ),
        case(
            "awsbatch with a bad resources bucket",
            file("", &awsbatch(None, Some(("resources_bucket", "Resources")))),
            "parallelcluster.resources_bucket",
            "lowercase",
        ),
        case(
            "slurm with a bad resources bucket",
            file("", &pc("resources_bucket = \"pc_resources\"\n")),
            "parallelcluster.resources_bucket",
            "only lowercase letters, digits, `.` and `-`",
        ),
        // Nothing to do.
        case(
            "genomics disabled and no ParallelCluster",
            file("", "[genomics]\nenabled = false\n"),
            "genomics.enabled",
            "nothing to set up",
        ),
        case(
            "both disabled",
            file(
                "",
                "[genomics]\nenabled = false\n[parallelcluster]\nenabled = false\n",
            ),
            "genomics.enabled",
            "nothing to set up",
        ),
        case(
            "neither table",
            file("", ""),
            "genomics.enabled",
            "enable [genomics], [parallelcluster] or both",
        ),
    ];
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        v.push(case(
            format!("bucket with reserved prefix {prefix}"),
            bad_bucket(&format!("{prefix}bucket")),
            b1,
            "a prefix S3 reserves",
        ));
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        v.push(case(
            format!("bucket with reserved suffix {suffix}"),
            bad_bucket(&format!("mybucket{suffix}")),
            b1,
            "a suffix S3 reserves",
        ));
    }
    for (key, _) in AWSBATCH_FIELDS {
        v.push(case(
            format!("awsbatch without {key}"),
            file("", &awsbatch(Some(key), None)),
            &format!("parallelcluster.{key}"),
            "required with scheduler = \"awsbatch\"",
        ));
    }
    v
}

fn validate(text: &str) -> Result<(), ValidationErrors> {
    Answers::from_toml(text)
        .unwrap_or_else(|e| panic!("not parsed: {e}\n{text}"))
        .validate(&no_env())
        .map(|_| ())
}

#[test]
fn the_table_is_large_enough() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    eprintln!("{} invalid inputs", cases.len());
    let names: std::collections::BTreeSet<_> = cases.iter().map(|c| c.what.as_str()).collect();
    assert_eq!(names.len(), cases.len(), "case names are unique");
}

#[test]
fn each_invalid_input_names_exactly_its_field() {
    let mut failures = Vec::new();
    for c in cases() {
        let errors = match validate(&c.toml) {
            Ok(()) => {
                failures.push(format!("{}: accepted\n{}", c.what, c.toml));
                continue;
            }
            Err(errors) => errors,
        };
        if errors.fields() != [c.field.as_str()] {
            failures.push(format!(
                "{}: expected only `{}`, got {:?}\n{errors}",
                c.what,
                c.field,
                errors.fields()
            ));
            continue;
        }
        let message = &errors.0[0].message;
        if message.trim().is_empty() || !message.contains(c.allowed) {
            failures.push(format!(
                "{}: message `{message}` does not say `{}`",
                c.what, c.allowed
            ));
        }
        let shown = errors.to_string();
        if !shown.contains(&format!("{}: ", c.field)) || !shown.contains("1 problem:") {
            failures.push(format!("{}: display `{shown}`", c.what));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Each case's fix is the control: the same file with a good value validates,
/// so each case above fails for its one problem and nothing else.
#[test]
fn the_bases_of_the_table_are_valid() {
    let valid = [
        file("", &genomics()),
        bad_bucket("my-gwf-results"),
        file("", &awsbatch(None, None)),
        file("", &pc("")),
        file("", &pc("scheduler = \"torque\"\nversion = 2\n")),
        file(
            "name_prefix = \"lab-team_1.x+y=z,w@\"\npath = \"/onramp/a/\"\n",
            &format!(
                "[tags]\nProject = \"gen omics: a/b=c+d-e@f_g.h\"\n\n{}",
                genomics()
            ),
        ),
        format!(
            "region = \"cn-north-1\"\n{ACCOUNT}permissions_boundary = \"arn:aws-cn:iam::aws:policy/Boundary\"\n\n{}",
            genomics()
        ),
        file(
            &format!("name_prefix = {}\n", q(&"p".repeat(41))),
            &genomics(),
        ),
        file(
            "",
            &format!(
                "[names]\ninstance_role = {}\nbucket_access_policy = {}\n\n{}",
                q(&"r".repeat(64)),
                q(&"p".repeat(128)),
                genomics()
            ),
        ),
        file(
            &format!("path = {}\n", q(&format!("/{}/", "a".repeat(510)))),
            &genomics(),
        ),
        file(
            "",
            &format!(
                "[tags]\n{}\n{}",
                (0..49)
                    .map(|i| format!("Tag{i} = {}\n", q(&"v".repeat(256))))
                    .collect::<String>(),
                genomics()
            ),
        ),
    ];
    for text in valid {
        if let Err(e) = validate(&text) {
            panic!("rejected:\n{text}\n{e}");
        }
    }
}

#[test]
fn several_problems_are_reported_at_once() {
    let text = format!(
        "region = \"us-east-1\"\naccount_id = \"1234\"\nname_prefix = \"a b\"\npath = \"x\"\n\n[tags]\n\"aws:x\" = \"y\"\n\n{}\n{}",
        genomics_with(
            &["Bad_Bucket", "ok-bucket", "ok-bucket", "xn--z"],
            "job_role_policy_arns = [\"nope\"]\n"
        ),
        pc("scheduler = \"pbs\"\nversion = \"9\"\n"),
    );
    let errors = validate(&text).unwrap_err();
    let mut fields = errors.fields();
    fields.sort_unstable();
    let mut expected = vec![
        "account_id",
        "name_prefix",
        "path",
        "tags.aws:x",
        "genomics.buckets[0]",
        "genomics.buckets[2]",
        "genomics.buckets[3]",
        "genomics.job_role_policy_arns[0]",
        "parallelcluster.version",
        "parallelcluster.scheduler",
    ];
    expected.sort_unstable();
    assert_eq!(fields, expected, "{errors}");
    let shown = errors.to_string();
    assert!(
        shown.starts_with("the answers have 10 problems:"),
        "{shown}"
    );
    for e in &errors.0 {
        assert!(!e.message.trim().is_empty(), "{e}");
    }
}

#[test]
fn malformed_toml_names_the_line() {
    let text = format!("{REGION}{ACCOUNT}\n[genomics]\nbuckets = [\"my-gwf-data\"\n");
    let err = Answers::from_toml(&text).unwrap_err().to_string();
    assert!(err.contains("line 5"), "{err}");
    let text = format!("{REGION}account_id = 123456789012\n");
    let err = Answers::from_toml(&text).unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("string"), "{err}");
}

#[test]
fn unknown_keys_are_named_with_the_known_ones() {
    let err = Answers::from_toml(&format!("{REGION}regoin = \"us-east-1\"\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("regoin"), "{err}");
    for known in ["region", "account_id", "name_prefix", "path", "genomics"] {
        assert!(err.contains(&format!("`{known}`")), "{known}: {err}");
    }

    let err = Answers::from_toml(&file("", "[genomics]\nbucket = [\"my-gwf-data\"]\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`bucket`"), "{err}");
    assert!(
        err.contains("`buckets`") && err.contains("`job_role`"),
        "{err}"
    );

    let err = Answers::from_toml(&file("", "[parallelcluster]\nschedular = \"slurm\"\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`schedular`") && err.contains("`scheduler`"),
        "{err}"
    );

    let err = Answers::from_toml(&file("", "[names]\ninstance_rol = \"x\"\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`instance_rol`") && err.contains("`instance_role`"),
        "{err}"
    );
}

// Tag keys and values may hold letters (\p{L}), numbers (\p{N}), separators
// (\p{Z}: spaces, not tabs or line breaks) and `_ . : / = + - @`:
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html
#[test]
fn tags_with_control_characters_are_rejected() {
    let mut accepted = Vec::new();
    for (key, value) in [
        ("Project", "gen\tomics"),
        ("Project", "line\nbreak"),
        ("Pro\tject", "x"),
    ] {
        let text = file(
            "",
            &format!("[tags]\n{} = {}\n\n{}", q(key), q(value), genomics()),
        );
        match validate(&text) {
            Ok(()) => accepted.push(format!("{key:?} = {value:?}")),
            Err(errors) => assert_eq!(errors.fields(), [format!("tags.{key}")], "{errors}"),
        }
    }
    assert!(
        accepted.is_empty(),
        "accepted tags AWS rejects: {}",
        accepted.join(", ")
    );
}

/// Sixty buckets of 63 characters: too many for one bucket access policy, so
/// the plan splits it into `NAME` and `NAME-2`.
fn sixty_long_buckets() -> Vec<String> {
    (0..60)
        .map(|i| format!("{i:02}{}", "b".repeat(61)))
        .collect()
}

/// Validation promises to check every name the plan uses, after the prefix;
/// the bucket access policy's `-2`, `-3`, … parts are names the plan uses too.
#[test]
fn the_split_bucket_policy_names_are_validated() {
    let buckets = sixty_long_buckets();
    let refs: Vec<&str> = buckets.iter().map(String::as_str).collect();
    let cases = [
        (
            "a 127-character name whose part 2 has 129",
            format!("bucket_access_policy = {}\n", q(&"p".repeat(127))),
            "names.bucket_access_policy",
        ),
        (
            "another policy named like part 2",
            "ebs_autoscale_policy = \"s3bucket-access-us-east-1-2\"\n".to_owned(),
            "names.ebs_autoscale_policy",
        ),
    ];
    let mut failures = Vec::new();
    for (what, names, field) in cases {
        let text = file(
            "",
            &format!("[names]\n{names}\n{}", genomics_with(&refs, "")),
        );
        match Answers::from_toml(&text).unwrap().validate(&no_env()) {
            Err(errors) => assert_eq!(errors.fields(), [field], "{what}: {errors}"),
            Ok(valid) => {
                let planned = plan(&valid).unwrap();
                let errors: Vec<String> = lint::lint(&planned)
                    .iter()
                    .filter(|f| f.level == lint::Level::Error)
                    .map(ToString::to_string)
                    .collect();
                // Only a real problem makes this a failure: the plan IAM would reject.
                assert!(!errors.is_empty(), "{what}: accepted and planned cleanly");
                failures.push(format!(
                    "{what}: accepted, but the plan has errors:\n  {}",
                    errors.join("\n  ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// The binary.

fn onramp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onramp"))
        .args(args)
        // Results must not depend on the machine's AWS settings.
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .unwrap()
}

fn plan_file(path: &Path) -> Output {
    onramp(&["plan", "--answers", path.to_str().unwrap()])
}

#[test]
fn the_binary_exits_2_naming_each_field() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "two.toml",
            file(
                "",
                &format!(
                    "{}\n{}",
                    genomics_with(&["My_Bucket"], ""),
                    pc("scheduler = \"pbs\"\n")
                ),
            ),
            vec!["genomics.buckets[0]", "parallelcluster.scheduler"],
        ),
        (
            "no-region.toml",
            format!("{ACCOUNT}\n{}", genomics()),
            vec!["region"],
        ),
        (
            "awsbatch.toml",
            file("path = \"/a\"\n", &awsbatch(Some("job_queue_name"), None)),
            vec!["path", "parallelcluster.job_queue_name"],
        ),
    ];
    for (name, text, fields) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let o = plan_file(&path);
        let stderr = String::from_utf8(o.stderr.clone()).unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}: {stderr}");
        assert!(o.stdout.is_empty(), "{name}: stdout not empty");
        let n = fields.len();
        let header = format!(
            "onramp: the answers have {n} problem{}:",
            if n == 1 { "" } else { "s" }
        );
        assert!(stderr.starts_with(&header), "{name}: {stderr}");
        for field in fields {
            assert!(
                stderr.contains(&format!("  {field}: ")),
                "{name}: {field}: {stderr}"
            );
        }
    }
}

#[test]
fn the_binary_plans_the_table_bases() {
    // The control of the test above: a valid file exits 0 with a plan.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.toml");
    std::fs::write(&path, file("", &genomics())).unwrap();
    let o = plan_file(&path);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8(o.stdout).unwrap().contains("my-gwf-data"));
}

#[test]
fn the_binary_rejects_unreadable_answers_with_2() {
    let dir = tempfile::tempdir().unwrap();

    let missing = dir.path().join("missing.toml");
    let o = plan_file(&missing);
    let stderr = String::from_utf8(o.stderr.clone()).unwrap();
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(o.stdout.is_empty());
    assert!(stderr.contains(missing.to_str().unwrap()), "{stderr}");

    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, format!("{REGION}{ACCOUNT}[genomics\n")).unwrap();
    let o = plan_file(&broken);
    let stderr = String::from_utf8(o.stderr.clone()).unwrap();
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(o.stdout.is_empty());
    assert!(stderr.contains(broken.to_str().unwrap()), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");

    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, file("regoin = \"x\"\n", &genomics())).unwrap();
    let o = plan_file(&unknown);
    let stderr = String::from_utf8(o.stderr.clone()).unwrap();
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(o.stdout.is_empty());
    assert!(
        stderr.contains("`regoin`") && stderr.contains("`region`"),
        "{stderr}"
    );
}
