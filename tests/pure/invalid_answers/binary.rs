//! The binary: exit codes and messages for the table, headless and against moto.

use super::*;

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
