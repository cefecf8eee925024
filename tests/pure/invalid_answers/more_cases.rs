//! More rows of the table: names, regions, accounts, values, and unreadable files.

use super::*;

pub(super) fn names(lines: &str) -> String {
    file("", &format!("[names]\n{lines}\n{}", genomics()))
}

/// A `[names]` table with these lines, then a ParallelCluster-only setup.
pub(super) fn pc_names(lines: &str) -> String {
    file("", &format!("[names]\n{lines}\n{}", pc("")))
}

/// Answers with this region.
pub(super) fn region(r: &str) -> String {
    format!("region = {}\n{ACCOUNT}\n{}", q(r), genomics())
}

/// Answers with this account id.
pub(super) fn account(id: &str) -> String {
    format!("{REGION}account_id = {}\n\n{}", q(id), genomics())
}

/// Empty, too long, wrong characters, wrong case and reserved values for
/// every text field of every table (besides those in `cases`).
pub(super) fn more_values() -> Vec<Case> {
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
pub(super) fn unreadable_files() -> Vec<Case> {
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
