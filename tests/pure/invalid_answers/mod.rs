//! Invalid answers: each is rejected with exactly the field at fault and a
//! message that says what is allowed, by the library and by the binary.

mod binary;
mod more_cases;
mod omics_cases;

use more_cases::*;
use omics_cases::*;

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
    "adopt",
    "keep",
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
    "names.omics_service_role",
    "names.omics_user_policy",
    "omics",
    "omics.enabled",
    "omics.buckets",
    "omics.read_only_buckets",
    "omics.ecr_repositories",
    "omics.kms_key_arn",
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
        // What to do with what exists.
        case(
            "adopt naming something IAM cannot name",
            file("adopt = [\"ecs instance role\"]\n", &genomics()),
            "adopt[0]",
            "letters, digits and `_ + = , . @ -`",
        ),
        case(
            "a name both adopted and kept",
            file(
                "adopt = [\"ecsInstanceRole\"]\nkeep = [\"ECSINSTANCEROLE\"]\n",
                &genomics(),
            ),
            "keep[0]",
            "keep it in one list",
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
            "enable [genomics], [parallelcluster], [omics] or more than one",
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
    v.extend(omics_cases());
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
        ("omics.", omics("zzz = 1\n")),
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
