//! Invalid answers: each is rejected with exactly the field at fault and a
//! message that says what is allowed, by the library and by the binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use onramp::answers::{Answers, Environment, ValidationErrors};
use onramp::iam::action::Action;
use onramp::plan::{lint, plan};
use onramp_testkit::command;
use onramp_testkit::moto;

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

/// Where an input is refused: reading the file, or validating what was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// `Answers::from_toml` fails: malformed TOML, a value of the wrong type,
    /// an unknown key. The message quotes the line, key included.
    Parse,
    /// `Answers::validate` fails, naming the field.
    Validate,
}

/// One invalid input: its TOML, the one field its error must name, and
/// substrings of the message that say what is allowed.
struct Case {
    what: String,
    toml: String,
    /// Validate: the field the error names (`genomics.buckets[1]`). Parse:
    /// text the message must hold to name the place (a key, `line 5`).
    field: String,
    allowed: Vec<&'static str>,
    stage: Stage,
    /// The answer field (dotted, no index) the case is about, for the
    /// coverage check.
    covers: String,
    /// Validated with an account in use (123456789012 here; the
    /// credentials' account in the binary), as `apply` always has one.
    account_in_use: bool,
    /// Whether `onramp apply` can meet this input at all.
    headless: bool,
}

/// The dotted answer field of an error field: `genomics.buckets[1]` →
/// `genomics.buckets`, `tags.Project` → `tags`.
fn field_of(field: &str) -> String {
    let field = field.split('[').next().unwrap_or(field);
    if field.starts_with("tags.") {
        return "tags".to_owned();
    }
    field.to_owned()
}

fn case(what: impl Into<String>, toml: String, field: &str, allowed: &'static str) -> Case {
    Case {
        what: what.into(),
        toml,
        field: field.to_owned(),
        allowed: vec![allowed],
        stage: Stage::Validate,
        covers: field_of(field),
        account_in_use: false,
        headless: true,
    }
}

/// A file `Answers::from_toml` refuses; the message must hold `shows` (the
/// key or line it quotes) and each of `allowed`.
fn unreadable(
    what: impl Into<String>,
    toml: String,
    covers: &str,
    shows: &str,
    allowed: &[&'static str],
) -> Case {
    Case {
        what: what.into(),
        toml,
        field: shows.to_owned(),
        allowed: allowed.to_vec(),
        stage: Stage::Parse,
        covers: covers.to_owned(),
        account_in_use: false,
        headless: true,
    }
}

impl Case {
    fn with_account_in_use(mut self) -> Case {
        self.account_in_use = true;
        self
    }

    fn not_headless(mut self) -> Case {
        self.headless = false;
        self
    }
}

/// Every field of the answers file; each must have a case of its own.
const EVERY_FIELD: &[&str] = &[
    "region",
    "account_id",
    "name_prefix",
    "path",
    "permissions_boundary",
    "tags",
    "names.bucket_access_policy",
    "names.ebs_autoscale_policy",
    "names.batch_service_role",
    "names.instance_role",
    "names.spot_fleet_role",
    "names.job_role",
    "names.parallelcluster_instance_policy",
    "names.parallelcluster_user_policy",
    "names.parallelcluster_role",
    "genomics",
    "genomics.enabled",
    "genomics.buckets",
    "genomics.public_data_read",
    "genomics.ebs_autoscale",
    "genomics.spot",
    "genomics.job_role",
    "genomics.job_role_policy_arns",
    "genomics.batch_service_role",
    "parallelcluster",
    "parallelcluster.enabled",
    "parallelcluster.version",
    "parallelcluster.scheduler",
    "parallelcluster.resources_bucket",
    "parallelcluster.stack_name",
    "parallelcluster.job_definition_serial_name",
    "parallelcluster.job_definition_mnp_name",
    "parallelcluster.job_queue_name",
    "parallelcluster.job_role",
    "parallelcluster.ecs_compute_environment",
    "parallelcluster.iam_mode",
    "parallelcluster.fsx",
    "parallelcluster.fsx_bucket",
    "parallelcluster.image_build",
    "parallelcluster.login_nodes",
    "parallelcluster.secret_name",
    "parallelcluster.pcluster_version",
    "edits",
    "names.parallelcluster_batch_user_policy",
    "names.parallelcluster_fsx_user_policy",
    "names.parallelcluster_image_build_user_policy",
    "names.parallelcluster_login_nodes_user_policy",
    "names.parallelcluster_iam_user_policy",
    "names.parallelcluster_head_node_policy",
    "names.parallelcluster_head_node_role",
    "names.parallelcluster_compute_policy",
    "names.parallelcluster_compute_role",
    "names.parallelcluster_lambda_role",
    "names.parallelcluster_image_builder_role",
    "names.parallelcluster_image_cleanup_role",
    "names",
];

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
        // `apply` always has an account in use (the credentials'), so
        // there it is never missing; `plan` meets this.
        case(
            "account id missing",
            format!("{REGION}\n{}", genomics()),
            "account_id",
            "12-digit",
        )
        .not_headless(),
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
        // The Batch service role.
        case(
            "Batch service role not one of the choices",
            file(
                "",
                &genomics_with(&["my-gwf-data"], "batch_service_role = \"linked\"\n"),
            ),
            "genomics.batch_service_role",
            "seed or service-linked",
        ),
        case(
            "Batch service role in the wrong case",
            file(
                "",
                &genomics_with(&["my-gwf-data"], "batch_service_role = \"Seed\"\n"),
            ),
            "genomics.batch_service_role",
            "seed or service-linked",
        ),
        case(
            "a name for the service-linked Batch role, which AWS names",
            file(
                "",
                &format!(
                    "[names]\nbatch_service_role = \"MyBatchRole\"\n\n{}",
                    genomics_with(
                        &["my-gwf-data"],
                        "batch_service_role = \"service-linked\"\n"
                    )
                ),
            ),
            "names.batch_service_role",
            "AWSServiceRoleForBatch",
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
            "SGE with ParallelCluster 3",
            file("", &pc("version = \"3\"\nscheduler = \"sge\"\n")),
            "parallelcluster.scheduler",
            "SGE exists only in ParallelCluster 2",
        ),
        case(
            "ParallelCluster 7",
            file("", &pc("version = \"7\"\n")),
            "parallelcluster.version",
            "`7` is not a ParallelCluster version",
        ),
        case(
            "Torque with ParallelCluster version as the number 3",
            file("", &pc("version = 3\nscheduler = \"torque\"\n")),
            "parallelcluster.scheduler",
            "Torque exists only in ParallelCluster 2",
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
    v.push(case(
        "an edited policy that is not JSON",
        file(
            "",
            &format!(
                "{}\n[[edits]]\nkind = \"managed_policy\"\nname = \"s3bucket-access-us-east-1\"\n\
                 document = \"document\"\ngenerated = '{{}}'\npolicy = '{{ \"Version\": '\n",
                genomics()
            ),
        ),
        "edits[0].policy",
        "not valid JSON at line 1",
    ));
    v.extend(more_values());
    v.extend(version_3());
    v.extend(unreadable_files());
    v
}

/// A version 3 `[parallelcluster]` table with these lines.
fn pc3(lines: &str) -> String {
    file("", &pc(&format!("version = \"3\"\n{lines}")))
}

/// ParallelCluster 3's fields, and the version 2 fields it refuses.
fn version_3() -> Vec<Case> {
    let mut v = vec![
        case(
            "unknown IAM mode",
            pc3("iam_mode = \"admin\"\n"),
            "parallelcluster.iam_mode",
            "choose one of privileged, restricted, permissions-boundary",
        ),
        case(
            "IAM mode in the wrong case",
            pc3("iam_mode = \"Restricted\"\n"),
            "parallelcluster.iam_mode",
            "choose one of privileged, restricted, permissions-boundary",
        ),
        case(
            "restricted IAM mode with awsbatch",
            pc3("scheduler = \"awsbatch\"\niam_mode = \"restricted\"\n"),
            "parallelcluster.iam_mode",
            "restricted mode cannot manage awsbatch clusters",
        ),
        case(
            "permissions-boundary mode without a boundary",
            pc3("iam_mode = \"permissions-boundary\"\n"),
            "parallelcluster.iam_mode",
            "needs permissions_boundary set",
        ),
        case(
            "IAM mode with version 2",
            file("", &pc("iam_mode = \"privileged\"\n")),
            "parallelcluster.iam_mode",
            "only used with version = \"3\"",
        ),
        case(
            "FSx add-on with version 2",
            file("", &pc("fsx = true\n")),
            "parallelcluster.fsx",
            "only used with version = \"3\"",
        ),
        case(
            "image build add-on with version 2",
            file("", &pc("image_build = true\n")),
            "parallelcluster.image_build",
            "only used with version = \"3\"",
        ),
        case(
            "login nodes add-on with version 2",
            file("", &pc("login_nodes = true\n")),
            "parallelcluster.login_nodes",
            "only used with version = \"3\"",
        ),
        case(
            "login nodes with the awsbatch scheduler",
            pc3("scheduler = \"awsbatch\"\nlogin_nodes = true\n"),
            "parallelcluster.login_nodes",
            "login nodes are a Slurm feature",
        ),
        case(
            "secret name with version 2",
            file("", &pc("secret_name = \"pcluster/ad\"\n")),
            "parallelcluster.secret_name",
            "only used with version = \"3\"",
        ),
        case(
            "ParallelCluster release older than 3.6",
            pc3("pcluster_version = \"3.2\"\n"),
            "parallelcluster.pcluster_version",
            "3.2 is older than the oldest release onramp has policies for (3.6); choose 3.6 to 3.16",
        ),
        case(
            "ParallelCluster release newer than 3.16",
            pc3("pcluster_version = \"3.17.0\"\n"),
            "parallelcluster.pcluster_version",
            "newer than the newest release onramp has policies for (3.16)",
        ),
        case(
            "ParallelCluster release of another major version",
            pc3("pcluster_version = \"4.0\"\n"),
            "parallelcluster.pcluster_version",
            "4.0 is not a ParallelCluster 3 release",
        ),
        case(
            "ParallelCluster release that is not a version",
            pc3("pcluster_version = \"latest\"\n"),
            "parallelcluster.pcluster_version",
            "`latest` is not a version",
        ),
        case(
            "ParallelCluster release without its minor version",
            pc3("pcluster_version = \"3\"\n"),
            "parallelcluster.pcluster_version",
            "\"3.<minor>\" or \"3.<minor>.<patch>\", from 3.6 to 3.16",
        ),
        case(
            "ParallelCluster release with version 2",
            file("", &pc("pcluster_version = \"3.9\"\n")),
            "parallelcluster.pcluster_version",
            "only used with version = \"3\"",
        ),
        case(
            "login nodes before ParallelCluster 3.7",
            pc3("pcluster_version = \"3.6.1\"\nlogin_nodes = true\n"),
            "parallelcluster.login_nodes",
            "login nodes came in ParallelCluster 3.7",
        ),
        case(
            "FSx bucket without the FSx add-on",
            pc3("fsx_bucket = \"my-lustre-data\"\n"),
            "parallelcluster.fsx_bucket",
            "only used with fsx = true",
        ),
        case(
            "FSx bucket with capitals",
            pc3("fsx = true\nfsx_bucket = \"My-Lustre-Data\"\n"),
            "parallelcluster.fsx_bucket",
            "lowercase",
        ),
        case(
            "FSx bucket like an IP address",
            pc3("fsx = true\nfsx_bucket = \"192.168.5.4\"\n"),
            "parallelcluster.fsx_bucket",
            "IP address",
        ),
        case(
            "empty secret name",
            pc3("secret_name = \"\"\n"),
            "parallelcluster.secret_name",
            "a secret name has 1 to 512",
        ),
        case(
            "secret name with a space",
            pc3("secret_name = \"ad password\"\n"),
            "parallelcluster.secret_name",
            "a secret name may use letters, digits",
        ),
        case(
            "secret name with its ARN suffix",
            pc3("secret_name = \"ad-password-AbC123\"\n"),
            "parallelcluster.secret_name",
            "suffix AWS adds",
        ),
        case(
            "secret name over 512 characters",
            pc3(&format!("secret_name = \"{}\"\n", "s".repeat(513))),
            "parallelcluster.secret_name",
            "a secret name has 1 to 512",
        ),
    ];
    for (key, value) in AWSBATCH_FIELDS {
        v.push(case(
            format!("{key} with version 3"),
            pc3(&format!("scheduler = \"awsbatch\"\n{key} = {}\n", q(value))),
            &format!("parallelcluster.{key}"),
            "only used with version = \"2\"",
        ));
    }
    // Each version 3 name, in a plan that uses it, with a character IAM refuses.
    let restricted = "iam_mode = \"restricted\"\nfsx = true\nimage_build = true\n";
    let batch = "scheduler = \"awsbatch\"\n";
    for (key, setup) in [
        ("parallelcluster_batch_user_policy", batch),
        ("parallelcluster_fsx_user_policy", restricted),
        ("parallelcluster_image_build_user_policy", restricted),
        (
            "parallelcluster_login_nodes_user_policy",
            "login_nodes = true\n",
        ),
        ("parallelcluster_iam_user_policy", batch),
        ("parallelcluster_head_node_policy", restricted),
        ("parallelcluster_head_node_role", restricted),
        ("parallelcluster_compute_policy", restricted),
        ("parallelcluster_compute_role", restricted),
        ("parallelcluster_lambda_role", restricted),
        ("parallelcluster_image_builder_role", restricted),
        ("parallelcluster_image_cleanup_role", restricted),
    ] {
        v.push(case(
            format!("names.{key} with a space"),
            file(
                "",
                &format!(
                    "[names]\n{key} = \"My Name\"\n\n{}",
                    pc(&format!("version = \"3\"\n{setup}"))
                ),
            ),
            &format!("names.{key}"),
            "contains ` `",
        ));
    }
    v
}

/// A `[names]` table with these lines, then a valid `[genomics]`.
fn names(lines: &str) -> String {
    file("", &format!("[names]\n{lines}\n{}", genomics()))
}

/// A `[names]` table with these lines, then a ParallelCluster-only setup.
fn pc_names(lines: &str) -> String {
    file("", &format!("[names]\n{lines}\n{}", pc("")))
}

/// Answers with this region.
fn region(r: &str) -> String {
    format!("region = {}\n{ACCOUNT}\n{}", q(r), genomics())
}

/// Answers with this account id.
fn account(id: &str) -> String {
    format!("{REGION}account_id = {}\n\n{}", q(id), genomics())
}

/// Empty, too long, wrong characters, wrong case and reserved values for
/// every text field of every table (besides those in `cases`).
fn more_values() -> Vec<Case> {
    let b1 = "genomics.buckets[1]";
    let chars = "letters, digits and `_ + = , . @ -`";
    let batch_chars = "letters, digits, `-` and `_`";
    let arn_shape = "arn:aws:iam::aws:policy/NAME";
    let top = |line: String| file(&line, &genomics());
    vec![
        // Buckets.
        case("bucket empty", bad_bucket(""), b1, "3 to 63"),
        case(
            "bucket with a space",
            bad_bucket("my bucket"),
            b1,
            "only lowercase letters, digits, `.` and `-`",
        ),
        case(
            "bucket with a non-ASCII letter",
            bad_bucket("bücket-data"),
            b1,
            "only lowercase letters, digits, `.` and `-`",
        ),
        case(
            "bucket starting with a dot",
            bad_bucket(".my-bucket"),
            b1,
            "begin and end with a lowercase letter or a digit",
        ),
        case(
            "bucket like a private IP",
            bad_bucket("10.0.0.255"),
            b1,
            "IP address",
        ),
        case(
            "bucket listed twice, apart",
            file(
                "",
                &genomics_with(&["my-gwf-data", "my-gwf-results", "my-gwf-data"], ""),
            ),
            "genomics.buckets[2]",
            "listed twice",
        ),
        // Region.
        case("region empty", region(""), "region", "like `us-east-1`"),
        case(
            "region with underscores",
            region("us_east_1"),
            "region",
            "like `us-east-1`",
        ),
        case(
            "region with spaces",
            region("us east 1"),
            "region",
            "like `us-east-1`",
        ),
        case(
            "region with a three-digit number",
            region("us-east-123"),
            "region",
            "like `us-east-1`",
        ),
        case(
            "region in mixed case",
            region("Us-East-1"),
            "region",
            "lowercase",
        ),
        case(
            "region with a trailing space",
            region("us-east-1 "),
            "region",
            "like `us-east-1`",
        ),
        // Account.
        case(
            "account id empty",
            account(""),
            "account_id",
            "exactly 12 digits",
        ),
        case(
            "account id of 13 digits",
            account("1234567890123"),
            "account_id",
            "exactly 12 digits",
        ),
        case(
            "account id with spaces",
            account("1234 5678 9012"),
            "account_id",
            "exactly 12 digits",
        ),
        case(
            "account id of another account",
            account("210987654321"),
            "account_id",
            "fix account_id or switch accounts",
        )
        .with_account_in_use(),
        // Name prefix.
        case(
            "prefix with a slash",
            top("name_prefix = \"lab/\"\n".into()),
            "name_prefix",
            chars,
        ),
        case(
            "prefix with a non-ASCII letter",
            top("name_prefix = \"läb-\"\n".into()),
            "name_prefix",
            chars,
        ),
        // 38 + "ParallelClusterInstanceRole" (27) = 65; the policies still fit.
        case(
            "prefix pushing the ParallelCluster role name past 64",
            file(&format!("name_prefix = {}\n", q(&"p".repeat(38))), &pc("")),
            "name_prefix",
            "at most 64",
        ),
        // 9 + 120 = 129.
        case(
            "prefix pushing a policy name past 128",
            file(
                "name_prefix = \"lab-team-\"\n",
                &format!(
                    "[names]\nbucket_access_policy = {}\n\n{}",
                    q(&"p".repeat(120)),
                    genomics()
                ),
            ),
            "name_prefix",
            "at most 128",
        ),
        // Name overrides: every one.
        case(
            "EBS policy name with a colon",
            names("ebs_autoscale_policy = \"ebs:autoscale\"\n"),
            "names.ebs_autoscale_policy",
            chars,
        ),
        case(
            "Batch service role name with a space",
            names("batch_service_role = \"batch service\"\n"),
            "names.batch_service_role",
            chars,
        ),
        case(
            "job role name with a star",
            names("job_role = \"job*role\"\n"),
            "names.job_role",
            chars,
        ),
        case(
            "ParallelCluster instance policy name of 129 characters",
            pc_names(&format!(
                "parallelcluster_instance_policy = {}\n",
                q(&"p".repeat(129))
            )),
            "names.parallelcluster_instance_policy",
            "at most 128",
        ),
        case(
            "empty ParallelCluster user policy name",
            pc_names("parallelcluster_user_policy = \"\"\n"),
            "names.parallelcluster_user_policy",
            "empty",
        ),
        case(
            "two policies whose names differ only in case",
            names("ebs_autoscale_policy = \"S3BUCKET-ACCESS-US-EAST-1\"\n"),
            "names.ebs_autoscale_policy",
            "case-insensitive",
        ),
        // Path.
        case(
            "path empty",
            top("path = \"\"\n".into()),
            "path",
            "begin and end with `/`",
        ),
        case(
            "path with a non-ASCII letter",
            top("path = \"/é/\"\n".into()),
            "path",
            "printable ASCII without spaces",
        ),
        case(
            "path with an angle-bracket placeholder",
            top("path = \"/<team>/\"\n".into()),
            "path",
            "read as an unfilled placeholder",
        ),
        case(
            "path with a tab",
            top(format!("path = {}\n", q("/a\tb/"))),
            "path",
            "printable ASCII without spaces",
        ),
        // Permissions boundary.
        case(
            "boundary in capitals",
            top("permissions_boundary = \"ARN:AWS:IAM::aws:policy/Boundary\"\n".into()),
            "permissions_boundary",
            arn_shape,
        ),
        case(
            "boundary with a placeholder account",
            top("permissions_boundary = \"arn:aws:iam::<ACCOUNT>:policy/Boundary\"\n".into()),
            "permissions_boundary",
            arn_shape,
        ),
        case(
            "boundary name with a space",
            top("permissions_boundary = \"arn:aws:iam::aws:policy/My Boundary\"\n".into()),
            "permissions_boundary",
            arn_shape,
        ),
        // Extra job role policies.
        case(
            "job role policy in another partition",
            file(
                "",
                &genomics_with(
                    &["my-gwf-data"],
                    "job_role_policy_arns = [\"arn:aws-cn:iam::aws:policy/ReadOnlyAccess\"]\n",
                ),
            ),
            "genomics.job_role_policy_arns[0]",
            "partition `aws-cn`",
        ),
        case(
            "job role policy empty",
            file(
                "",
                &genomics_with(&["my-gwf-data"], "job_role_policy_arns = [\"\"]\n"),
            ),
            "genomics.job_role_policy_arns[0]",
            arn_shape,
        ),
        // Tags.
        case(
            "empty tag key",
            file("", &format!("[tags]\n\"\" = \"x\"\n\n{}", genomics())),
            "tags.",
            "1 to 128",
        ),
        case(
            "tag key starting with AWS: in capitals",
            file(
                "",
                &format!("[tags]\n\"AWS:Project\" = \"x\"\n\n{}", genomics()),
            ),
            "tags.AWS:Project",
            "`aws:`, which AWS reserves",
        ),
        case(
            "tag value with an emoji",
            file(
                "",
                &format!("[tags]\nProject = \"gen😀\"\n\n{}", genomics()),
            ),
            "tags.Project",
            "letters, digits, spaces and `_ . : / = + - @`",
        ),
        // ParallelCluster.
        case(
            "empty scheduler",
            file("", &pc("scheduler = \"\"\n")),
            "parallelcluster.scheduler",
            "choose one of slurm, sge, torque, awsbatch",
        ),
        case(
            "scheduler in capitals",
            file("", &pc("scheduler = \"SLURM\"\n")),
            "parallelcluster.scheduler",
            "written in lowercase",
        ),
        case(
            "empty version",
            file("", &pc("version = \"\"\n")),
            "parallelcluster.version",
            "is not a ParallelCluster version onramp knows",
        ),
        case(
            "resources bucket like an IP",
            file("", &pc("resources_bucket = \"10.0.0.1\"\n")),
            "parallelcluster.resources_bucket",
            "IP address",
        ),
        case(
            "resources bucket with a reserved suffix",
            file("", &pc("resources_bucket = \"pc-resources--ol-s3\"\n")),
            "parallelcluster.resources_bucket",
            "a suffix S3 reserves",
        ),
        case(
            "empty awsbatch resources bucket",
            file("", &awsbatch(None, Some(("resources_bucket", "")))),
            "parallelcluster.resources_bucket",
            "3 to 63",
        ),
        case(
            "awsbatch stack name of 129 characters",
            file("", &awsbatch(None, Some(("stack_name", &"s".repeat(129))))),
            "parallelcluster.stack_name",
            "1 to 128",
        ),
        case(
            "empty awsbatch serial job definition",
            file(
                "",
                &awsbatch(None, Some(("job_definition_serial_name", ""))),
            ),
            "parallelcluster.job_definition_serial_name",
            "1 to 128",
        ),
        case(
            "awsbatch multi-node job definition with a space",
            file(
                "",
                &awsbatch(None, Some(("job_definition_mnp_name", "mnp job"))),
            ),
            "parallelcluster.job_definition_mnp_name",
            batch_chars,
        ),
        case(
            "awsbatch job queue of 129 characters",
            file(
                "",
                &awsbatch(None, Some(("job_queue_name", &"q".repeat(129)))),
            ),
            "parallelcluster.job_queue_name",
            "1 to 128",
        ),
        case(
            "awsbatch job role of 65 characters",
            file("", &awsbatch(None, Some(("job_role", &"r".repeat(65))))),
            "parallelcluster.job_role",
            "at most 64",
        ),
        case(
            "awsbatch ECS compute environment of 256 characters",
            file(
                "",
                &awsbatch(None, Some(("ecs_compute_environment", &"e".repeat(256)))),
            ),
            "parallelcluster.ecs_compute_environment",
            "1 to 255",
        ),
        case(
            "awsbatch ECS compute environment starting with a hyphen",
            file(
                "",
                &awsbatch(None, Some(("ecs_compute_environment", "-ce"))),
            ),
            "parallelcluster.ecs_compute_environment",
            "must start with a letter or a digit",
        ),
    ]
}

/// Files that are not answers at all: malformed TOML, values of the wrong
/// type, unknown keys (answered with the known ones).
fn unreadable_files() -> Vec<Case> {
    let g = |extra: &str| file("", &genomics_with(&["my-gwf-data"], extra));
    let top = |line: &str| file(line, &genomics());
    vec![
        // A release as a TOML number: 3.10 would read as 3.1.
        unreadable(
            "ParallelCluster release as a number",
            pc3("pcluster_version = 3.10\n"),
            "parallelcluster.pcluster_version",
            "pcluster_version",
            &["write the release in quotes", "3.10 reads as 3.1"],
        ),
        // Malformed TOML.
        unreadable(
            "malformed: an unclosed list",
            file("", "[genomics]\nbuckets = [\"my-gwf-data\"\n"),
            "genomics.buckets",
            "buckets",
            &["line 5"],
        ),
        unreadable(
            "malformed: an unclosed string",
            top("name_prefix = \"lab-\n"),
            "name_prefix",
            "name_prefix",
            &["line 3"],
        ),
        unreadable(
            "malformed: a broken table header",
            file("", "[genomics\nbuckets = [\"my-gwf-data\"]\n"),
            "genomics",
            "[genomics",
            &["line 4"],
        ),
        unreadable(
            "malformed: a key given twice",
            top("region = \"us-east-2\"\n"),
            "region",
            "region",
            &["line 3", "duplicate key"],
        ),
        unreadable(
            "malformed: a key without a value",
            top("path =\n"),
            "path",
            "path",
            &["line 3"],
        ),
        // Values of the wrong type.
        unreadable(
            "account id as a number",
            format!("{REGION}account_id = 123456789012\n\n{}", genomics()),
            "account_id",
            "account_id",
            &["line 2", "expected a string"],
        ),
        unreadable(
            "genomics enabled as a string",
            g("enabled = \"true\"\n"),
            "genomics.enabled",
            "enabled",
            &["expected a boolean"],
        ),
        unreadable(
            "public data flag as a string",
            g("public_data_read = \"yes\"\n"),
            "genomics.public_data_read",
            "public_data_read",
            &["expected a boolean"],
        ),
        unreadable(
            "EBS autoscale flag as a number",
            g("ebs_autoscale = 1\n"),
            "genomics.ebs_autoscale",
            "ebs_autoscale",
            &["expected a boolean"],
        ),
        unreadable(
            "spot flag as a string",
            g("spot = \"no\"\n"),
            "genomics.spot",
            "spot",
            &["expected a boolean"],
        ),
        unreadable(
            "job role flag as a role name",
            g("job_role = \"BatchJobRole\"\n"),
            "genomics.job_role",
            "job_role",
            &["expected a boolean"],
        ),
        unreadable(
            "buckets as a string",
            file("", "[genomics]\nbuckets = \"my-gwf-data\"\n"),
            "genomics.buckets",
            "buckets",
            &["expected a sequence"],
        ),
        unreadable(
            "a bucket as a number",
            file("", "[genomics]\nbuckets = [1]\n"),
            "genomics.buckets",
            "buckets",
            &["expected a string"],
        ),
        unreadable(
            "job role policies as a string",
            g("job_role_policy_arns = \"arn:aws:iam::aws:policy/A\"\n"),
            "genomics.job_role_policy_arns",
            "job_role_policy_arns",
            &["expected a sequence"],
        ),
        unreadable(
            "the Batch service role as a boolean",
            g("batch_service_role = true\n"),
            "genomics.batch_service_role",
            "batch_service_role",
            &["expected a string"],
        ),
        unreadable(
            "tags as a string",
            top("tags = \"Project=genomics\"\n"),
            "tags",
            "tags",
            &["expected a table"],
        ),
        unreadable(
            "a tag value as a number",
            file("", &format!("[tags]\nProject = 3\n\n{}", genomics())),
            "tags",
            "Project",
            &["expected a string"],
        ),
        unreadable(
            "a name override as a number",
            file("", &format!("[names]\ninstance_role = 1\n\n{}", genomics())),
            "names.instance_role",
            "instance_role",
            &["expected a string"],
        ),
        unreadable(
            "names as a string",
            top("names = \"lab\"\n"),
            "names",
            "names",
            &["line 3", "expected a table"],
        ),
        unreadable(
            "genomics as a string",
            format!("{REGION}{ACCOUNT}genomics = \"yes\"\n"),
            "genomics",
            "genomics",
            &["line 3", "expected a table"],
        ),
        unreadable(
            "parallelcluster as a list",
            format!("{REGION}{ACCOUNT}parallelcluster = []\n"),
            "parallelcluster",
            "parallelcluster",
            &["line 3", "expected a table"],
        ),
        unreadable(
            "parallelcluster enabled as a string",
            file("", &pc("enabled = \"yes\"\n")),
            "parallelcluster.enabled",
            "enabled",
            &["expected a boolean"],
        ),
        unreadable(
            "version as a decimal",
            file("", &pc("version = 2.5\n")),
            "parallelcluster.version",
            "version",
            &["expected a ParallelCluster version such as \"2\""],
        ),
        unreadable(
            "scheduler as a number",
            file("", &pc("scheduler = 1\n")),
            "parallelcluster.scheduler",
            "scheduler",
            &["expected a string"],
        ),
        // Unknown keys, answered with the known ones.
        unreadable(
            "unknown top-level key",
            top("regoin = \"us-east-1\"\n"),
            "region",
            "`regoin`",
            &[
                "`region`",
                "`account_id`",
                "`name_prefix`",
                "`path`",
                "`permissions_boundary`",
                "`tags`",
                "`names`",
                "`genomics`",
                "`parallelcluster`",
            ],
        ),
        unreadable(
            "a top-level key in the wrong case",
            top("Path = \"/onramp/\"\n"),
            "path",
            "`Path`",
            &["`path`"],
        ),
        unreadable(
            "unknown genomics key",
            file("", "[genomics]\nbucket = [\"my-gwf-data\"]\n"),
            "genomics",
            "`bucket`",
            &[
                "`buckets`",
                "`spot`",
                "`job_role`",
                "`job_role_policy_arns`",
            ],
        ),
        unreadable(
            "unknown parallelcluster key",
            file("", &pc("schedular = \"slurm\"\n")),
            "parallelcluster",
            "`schedular`",
            &["`scheduler`", "`version`", "`resources_bucket`"],
        ),
        unreadable(
            "a parallelcluster key in the wrong case",
            file("", &pc("Scheduler = \"slurm\"\n")),
            "parallelcluster.scheduler",
            "`Scheduler`",
            &["`scheduler`"],
        ),
        unreadable(
            "unknown names key",
            file(
                "",
                &format!("[names]\ninstance_rol = \"x\"\n\n{}", genomics()),
            ),
            "names",
            "`instance_rol`",
            &["`instance_role`", "`job_role`", "`parallelcluster_role`"],
        ),
        unreadable(
            "unknown table",
            file("", "[cluster]\nscheduler = \"slurm\"\n"),
            "parallelcluster",
            "`cluster`",
            &["`parallelcluster`", "`genomics`"],
        ),
    ]
}

fn validate(text: &str) -> Result<(), ValidationErrors> {
    validate_in(text, &no_env())
}

fn validate_in(text: &str, env: &Environment) -> Result<(), ValidationErrors> {
    Answers::from_toml(text)
        .unwrap_or_else(|e| panic!("not parsed: {e}\n{text}"))
        .validate(env)
        .map(|_| ())
}

/// No region from outside the answers; an account in use, or none.
fn environment(account_in_use: bool) -> Environment {
    Environment {
        account_id: account_in_use.then(|| "123456789012".to_owned()),
        ..no_env()
    }
}

#[test]
fn the_table_is_large_enough() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let parse = cases.iter().filter(|c| c.stage == Stage::Parse).count();
    eprintln!(
        "{} invalid inputs: {} refused when read, {} when validated",
        cases.len(),
        parse,
        cases.len() - parse
    );
    assert!(parse >= 10, "{parse} unreadable files");
    let mut per_field = std::collections::BTreeMap::<&str, usize>::new();
    for c in &cases {
        let top = c.covers.split('.').next().unwrap_or_default();
        *per_field.entry(top).or_default() += 1;
    }
    eprintln!("per field: {per_field:?}");
    let names: std::collections::BTreeSet<_> = cases.iter().map(|c| c.what.as_str()).collect();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    let texts: std::collections::BTreeSet<_> = cases.iter().map(|c| c.toml.as_str()).collect();
    assert_eq!(texts.len(), cases.len(), "no two cases are the same file");
}

#[test]
fn every_field_of_the_answers_file_has_a_case() {
    let cases = cases();
    let missing: Vec<&str> = EVERY_FIELD
        .iter()
        .copied()
        .filter(|f| !cases.iter().any(|c| c.covers == *f))
        .collect();
    assert!(missing.is_empty(), "fields without a case: {missing:?}");
    // The list is every field: each table's unknown-key message lists its
    // keys, and each of them is in EVERY_FIELD.
    for (table, text) in [
        ("", file("zzz = 1\n", &genomics())),
        ("genomics.", file("", "[genomics]\nzzz = 1\n")),
        ("parallelcluster.", file("", &pc("zzz = 1\n"))),
        ("names.", names("zzz = 1\n")),
    ] {
        let err = Answers::from_toml(&text).unwrap_err().to_string();
        let known: Vec<&str> = err
            .split("expected one of")
            .nth(1)
            .unwrap_or_else(|| panic!("{err}"))
            .split('`')
            .skip(1)
            .step_by(2)
            .collect();
        assert!(known.len() >= 3, "{err}");
        for key in known {
            let field = format!("{table}{key}");
            assert!(
                EVERY_FIELD.contains(&field.as_str()),
                "{field} is not listed"
            );
        }
    }
}

#[test]
fn each_invalid_input_names_exactly_its_field() {
    let mut failures = Vec::new();
    for c in cases() {
        if c.stage == Stage::Parse {
            match Answers::from_toml(&c.toml) {
                Ok(_) => failures.push(format!("{}: read as answers\n{}", c.what, c.toml)),
                Err(e) => {
                    let e = e.to_string();
                    for needed in std::iter::once(c.field.as_str()).chain(c.allowed.iter().copied())
                    {
                        if !e.contains(needed) {
                            failures.push(format!("{}: `{e}` does not say `{needed}`", c.what));
                        }
                    }
                }
            }
            continue;
        }
        // As `plan` meets the file (no account in use unless the case says
        // so), and as `apply` does (always an account in use).
        let mut environments = vec![("", environment(c.account_in_use))];
        if c.headless && !c.account_in_use {
            environments.push((" (with an account in use)", environment(true)));
        }
        for (how, env) in environments {
            let what = format!("{}{how}", c.what);
            let errors = match validate_in(&c.toml, &env) {
                Ok(()) => {
                    failures.push(format!("{what}: accepted\n{}", c.toml));
                    continue;
                }
                Err(errors) => errors,
            };
            if errors.fields() != [c.field.as_str()] {
                failures.push(format!(
                    "{what}: expected only `{}`, got {:?}\n{errors}",
                    c.field,
                    errors.fields()
                ));
                continue;
            }
            let message = &errors.0[0].message;
            for allowed in &c.allowed {
                if message.trim().is_empty() || !message.contains(allowed) {
                    failures.push(format!(
                        "{what}: message `{message}` does not say `{allowed}`"
                    ));
                }
            }
            let shown = errors.to_string();
            if !shown.contains(&format!("{}: ", c.field)) || !shown.contains("1 problem:") {
                failures.push(format!("{what}: display `{shown}`"));
            }
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

/// Unknown keys and wrong types anywhere in the file come all at once,
/// each with its field and line, not one per run.
#[test]
fn the_binary_reports_every_unknown_key_and_wrong_type_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("five.toml");
    let text = "\
region = \"us-east-1\"
account_id = \"123456789012\"
regoin = \"us-east-2\"

[genomics]
buckets = [\"my-gwf-data\"]
spot = \"yes\"
bucket = [\"typo\"]

[parallelcluster]
schedular = \"slurm\"
enabled = 1
";
    std::fs::write(&path, text).unwrap();
    let o = plan_file(&path);
    let stderr = String::from_utf8(o.stderr.clone()).unwrap();
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(o.stdout.is_empty());
    for (line, field, says) in [
        (3, "regoin", "unknown field `regoin`"),
        (7, "genomics.spot", "expected a boolean"),
        (8, "genomics.bucket", "unknown field `bucket`"),
        (11, "parallelcluster.schedular", "unknown field `schedular`"),
        (12, "parallelcluster.enabled", "expected a boolean"),
    ] {
        let shown = format!("line {line}, {field}: ");
        let at = stderr
            .find(&shown)
            .unwrap_or_else(|| panic!("{shown} is not reported:\n{stderr}"));
        let rest = stderr[at..].lines().next().unwrap_or_default();
        assert!(rest.contains(says), "{field}: {rest}");
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

// The binary, headless, against moto: every case of the table.

/// How one `onramp apply --yes` ended, and what it did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The IAM actions it sent, one per attempt, from its log.
    iam_actions: Vec<String>,
    journal_written: bool,
    /// Files it left beside the answers and the log.
    other_files: Vec<String>,
}

impl Run {
    fn mutating(&self) -> Vec<&str> {
        self.iam_actions
            .iter()
            .map(String::as_str)
            .filter(|a| a.parse::<Action>().is_ok_and(Action::is_mutating))
            .collect()
    }
}

/// The file as the binary gets it: the table's account is the one in use.
fn for_account(text: &str, account: &moto::TestAccount) -> String {
    text.replace(
        ACCOUNT,
        &format!("account_id = \"{}\"\n", account.account_id),
    )
}

/// `onramp apply --yes` on the moto account, as a user with its credentials
/// in the environment and nothing else of the machine's (no region, no
/// profile, no IMDS), with a journal and a debug log in a directory of its own.
fn apply_on_moto(account: &moto::TestAccount, text: &str) -> Run {
    let home = tempfile::tempdir().unwrap();
    let answers = home.path().join("answers.toml");
    std::fs::write(&answers, text).unwrap();
    let log = home.path().join("onramp.log");
    let journal = home.path().join("journal.jsonl");
    let o = command::with_credentials(
        &mut command::isolated_onramp(home.path()),
        &account.credentials,
    )
    .args(["apply", "--yes", "--answers"])
    .arg(&answers)
    .arg("--journal")
    .arg(&journal)
    .args(["--endpoint-url", &account.endpoint])
    .arg("--log-file")
    .arg(&log)
    .stdin(Stdio::null())
    .output()
    .unwrap();
    let log_text = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("no log: {e}"));
    // `DEBUG onramp::iam: iam request action=CreateRole attempt=1`, one per
    // IAM request sent (src/cloud/sdk/retry.rs).
    let iam_actions = log_text
        .lines()
        .filter(|l| l.contains("onramp::iam") && l.contains("iam request"))
        .map(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("action="))
                .unwrap_or_else(|| panic!("no action in `{l}`"))
                .to_owned()
        })
        .collect();
    let other_files = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "answers.toml" && n != "onramp.log")
        .collect();
    Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        iam_actions,
        journal_written: journal.exists(),
        other_files,
    }
}

/// What is wrong with a bad input's headless run, if anything.
fn problems_of_bad_run(c: &Case, run: &Run) -> Vec<String> {
    let mut problems = Vec::new();
    let mutating = run.mutating();
    if !mutating.is_empty() {
        problems.push(format!("mutating calls {mutating:?}"));
    }
    if run.journal_written {
        problems.push("a journal was written".into());
    }
    if !run.other_files.is_empty() {
        problems.push(format!("files written: {:?}", run.other_files));
    }
    if run.code != Some(2) {
        problems.push(format!("exit code {:?}", run.code));
    }
    if !run.stdout.is_empty() {
        problems.push(format!("stdout `{}`", run.stdout));
    }
    let stderr = &run.stderr;
    match c.stage {
        Stage::Validate => {
            if !stderr.starts_with("onramp: the answers have 1 problem:\n") {
                problems.push("stderr does not start with the one problem".into());
            }
            if !stderr.contains(&format!("\n  {}: ", c.field)) {
                problems.push(format!("stderr does not name `{}`", c.field));
            }
        }
        Stage::Parse => {
            if !stderr.starts_with("onramp: ") || !stderr.contains("is not a valid answers file") {
                problems.push("stderr does not say the file is not answers".into());
            }
            if !stderr.contains(&c.field) {
                problems.push(format!("stderr does not show `{}`", c.field));
            }
        }
    }
    for allowed in &c.allowed {
        if !stderr.contains(allowed) {
            problems.push(format!("stderr does not say `{allowed}`"));
        }
    }
    if !problems.is_empty() {
        problems.push(format!("stderr:\n{stderr}"));
    }
    problems
}

/// Every case of the table, through the real binary: `onramp apply --yes`
/// exits 2 naming the field, prints nothing on stdout, writes no journal and
/// sends no mutating IAM request (read from its debug log). The control, a
/// valid file run the same way, does send them, so the log check can fail.
#[test]
fn apply_refuses_every_bad_input_with_2_and_no_mutating_call() {
    let started = Instant::now();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    let control_account = runtime.block_on(moto::fresh_account());
    let cases = cases();
    let headless: Vec<&Case> = cases.iter().filter(|c| c.headless).collect();
    let skipped: Vec<&str> = cases
        .iter()
        .filter(|c| !c.headless)
        .map(|c| c.what.as_str())
        .collect();
    assert_eq!(skipped, ["account id missing"]);

    let next = AtomicUsize::new(0);
    let runs: Mutex<Vec<(usize, Run)>> = Mutex::new(Vec::new());
    let mut control = None;
    std::thread::scope(|s| {
        let control_run = s.spawn(|| {
            apply_on_moto(
                &control_account,
                &for_account(&file("", &genomics()), &control_account),
            )
        });
        for _ in 0..6 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(c) = headless.get(i) else { break };
                    let run = apply_on_moto(&account, &for_account(&c.toml, &account));
                    runs.lock().unwrap().push((i, run));
                }
            });
        }
        control = Some(control_run.join().unwrap());
    });
    let control = control.unwrap();
    let runs = runs.into_inner().unwrap();
    assert_eq!(runs.len(), headless.len());

    // The control: the same run with valid answers creates everything, and
    // its log shows it.
    assert_eq!(
        control.code,
        Some(0),
        "{}{}",
        control.stdout,
        control.stderr
    );
    let mutating = control.mutating();
    for action in ["CreatePolicy", "CreateRole", "CreateInstanceProfile"] {
        assert!(
            mutating.contains(&action),
            "{action} not logged: {mutating:?}"
        );
    }
    assert!(control.journal_written);

    let mut failures = Vec::new();
    let mut known = Vec::new();
    let mut reads = 0;
    for (i, run) in &runs {
        let c = headless[*i];
        reads += run.iam_actions.len();
        let problems = problems_of_bad_run(c, run);
        if !problems.is_empty() {
            failures.push(format!("{}: {}", c.what, problems.join("; ")));
        } else if run.code == Some(1) {
            known.push(c.what.as_str());
        }
    }
    eprintln!(
        "{} bad inputs applied headless in {:.1?} ({} IAM requests in all); exit 1 instead of 2 (known bug: region used before it is checked): {known:?}",
        runs.len(),
        started.elapsed(),
        reads
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
