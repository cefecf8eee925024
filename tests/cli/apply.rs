//! `apply`, `status` and `destroy` as a user runs them: the real binary,
//! against the demo account and against moto with real credentials in the
//! environment, including the failures a user meets first.

use std::path::Path;
use std::process::Command;

use onramp_testkit::command;
use onramp_testkit::command::{isolated_onramp as onramp, output_text as text};
use onramp_testkit::files;
use onramp_testkit::leaks;
use onramp_testkit::moto;

#[test]
fn demo_apply_needs_yes_and_then_creates_everything() {
    let home = tempfile::tempdir().unwrap();
    let o = onramp(home.path())
        .args(["--demo", "apply"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(out.contains("11 to create"), "{out}");
    assert!(
        err.contains("nothing was changed; run again with --yes"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "no journal without --yes"
    );

    let o = onramp(home.path())
        .args(["--demo", "apply", "--yes"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    let journal = home
        .path()
        .join("onramp-123456789012-us-east-1.journal.jsonl");
    assert!(
        out.contains(&format!(
            "every call is recorded in {}",
            journal.file_name().unwrap().to_string_lossy()
        )),
        "{out}"
    );
    assert!(out.contains("Done: 11 created"), "{out}");
    // What was made is read back and every intent judged.
    let verified = out
        .lines()
        .find(|l| l.starts_with("Verified against the account: "))
        .unwrap_or_else(|| panic!("no verification: {out}"));
    let counts: Vec<&str> = verified
        .trim_start_matches("Verified against the account: ")
        .split(' ')
        .collect();
    assert_eq!(counts[0], counts[2], "every intent holds: {verified}");
    assert!(
        out.contains("arn:aws:iam::123456789012:instance-profile/ecsInstanceRole"),
        "{out}"
    );
    let lines = std::fs::read_to_string(&journal).unwrap().lines().count();
    assert!(
        lines > 22,
        "an intent and a result for every call: {lines} lines"
    );
}

#[test]
fn demo_apply_json_reports_every_arn() {
    let home = tempfile::tempdir().unwrap();
    let o = onramp(home.path())
        .args(["--demo", "apply", "--yes", "--format", "json"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["result"], "ok");
    assert_eq!(value["arns"].as_array().unwrap().len(), 11);
    let verified = &value["verified"];
    assert!(verified["total"].as_u64().unwrap() > 30, "{verified}");
    assert_eq!(verified["holds"], verified["total"], "{verified}");
    assert_eq!(verified["failed"], serde_json::json!([]), "{verified}");
    assert!(
        value["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["state"] == "create")
    );
}

/// The full cycle on moto, as a user with credentials in the environment.
#[test]
fn apply_status_destroy_on_moto() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    let home = tempfile::tempdir().unwrap();
    let answers = files::answers_for(home.path(), "genomics.toml", &account.account_id);
    let journal = home.path().join("run.jsonl");
    let log = home.path().join("onramp.log");
    // Everything the runs print, for the credentials check at the end.
    let printed = std::cell::RefCell::new(Vec::<u8>::new());
    let run = |args: &[&str]| {
        let o = command::with_credentials(&mut onramp(home.path()), &account.credentials)
            .args(args)
            .args(["--endpoint-url", &account.endpoint])
            .arg("--log-file")
            .arg(&log)
            .output()
            .unwrap();
        printed.borrow_mut().extend_from_slice(&o.stdout);
        printed.borrow_mut().extend_from_slice(&o.stderr);
        let (out, err) = text(&o);
        (o.status.code(), out, err)
    };
    let a = answers.to_str().unwrap();
    let j = journal.to_str().unwrap();

    let (code, out, err) = run(&["status", "--answers", a]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("7 to create, 0 to update, 0 unchanged, 0 conflicts"),
        "{out}"
    );

    let (code, out, err) = run(&["apply", "--answers", a, "--yes", "--journal", j]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains(&format!(
            "arn:aws:iam::{}:role/ecsInstanceRole",
            account.account_id
        )),
        "{out}"
    );

    let (code, out, _) = run(&["status", "--answers", a]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("0 to create, 0 to update, 7 unchanged"),
        "{out}"
    );
    let (code, out, _) = run(&["apply", "--answers", a, "--yes", "--journal", j]);
    assert_eq!(code, Some(0));
    assert!(out.contains("Nothing to do"), "{out}");

    let (code, out, err) = run(&["destroy", "--journal", j]);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.contains("7 to undo"), "{out}");
    assert!(err.contains("--yes"), "{err}");
    let (code, out, err) = run(&["destroy", "--journal", j, "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("Deleted 7"), "{out}");

    let (_, out, _) = run(&["status", "--answers", a]);
    assert!(
        out.contains("7 to create"),
        "everything is gone again: {out}"
    );

    // The credentials were in the environment of every run; none of them
    // reached the terminal, the journal or the debug log (which logs every
    // IAM request).
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains("iam request"),
        "the log is at debug level"
    );
    let searched = leaks::assert_no_credentials(
        &account.credentials,
        &[("the output", &printed.borrow())],
        home.path(),
    );
    assert!(
        searched > log_text.len(),
        "the journal and the log were read"
    );
}

#[test]
fn an_unreachable_endpoint_fails_with_the_url_and_writes_no_journal() {
    let home = tempfile::tempdir().unwrap();
    let endpoint = moto::closed_endpoint();
    let o = onramp(home.path())
        .args([
            "apply",
            "--answers",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/genomics.toml"),
            "--yes",
        ])
        .args(["--endpoint-url", &endpoint])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(err.contains(&endpoint), "{err}");
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn missing_credentials_say_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let o = onramp(home.path())
        .args([
            "status",
            "--answers",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/genomics.toml"),
        ])
        .args(["--endpoint-url", &moto::closed_endpoint()])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(err.contains("no AWS credentials found"), "{err}");
    assert!(
        err.contains("aws configure") && err.contains("--demo"),
        "{err}"
    );
}

#[test]
fn a_damaged_journal_is_named_and_nothing_is_undone() {
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("j.jsonl");
    std::fs::write(&journal, "{\"seq\":1,\"unix_ms\":1,\"event\":\"run\",\"command\":\"apply\",\"account_id\":\"123456789012\",\"region\":\"us-east-1\",\"onramp_version\":\"0\"}\n{\"seq\":2,\"unix").unwrap();
    let o = onramp(home.path())
        .args([
            "--demo",
            "destroy",
            "--journal",
            journal.to_str().unwrap(),
            "--yes",
        ])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn lint_errors_block_apply_before_any_call() {
    let home = tempfile::tempdir().unwrap();
    let answers = home.path().join("a.toml");
    let extra: Vec<String> = (0..10)
        .map(|i| format!("\"arn:aws:iam::aws:policy/Extra{i}\""))
        .collect();
    std::fs::write(
        &answers,
        format!(
            "[genomics]\nbuckets = [\"onramp-demo-inputs\"]\njob_role_policy_arns = [{}]\n",
            extra.join(", ")
        ),
    )
    .unwrap();
    let o = onramp(home.path())
        .args([
            "--demo",
            "apply",
            "--yes",
            "--answers",
            answers.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(
        err.contains("nothing was changed: the plan has errors"),
        "{err}"
    );
    assert!(err.contains("attached-policies"), "{err}");
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        1,
        "only the answers file: no journal"
    );
}

/// Durability, seen from the system calls: a new journal's directory is
/// synced once after the file is created, and every write to the file is
/// followed by a sync (entries written together share one). Needs `strace`;
/// where it is missing, only that is said.
#[test]
fn the_journal_and_its_new_directory_entry_are_synced() {
    let Ok(strace) = Command::new("strace").arg("-V").output() else {
        eprintln!("note: strace is not installed; journal syncing not checked");
        return;
    };
    assert!(strace.status.success());
    let home = tempfile::tempdir().unwrap();
    let journal = home.path().join("j.jsonl");
    let trace = home.path().join("trace");
    let o = Command::new("strace")
        .args(["-f", "-e", "trace=openat,write,fsync,fdatasync", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_onramp"))
        .args(["apply", "--demo", "--yes", "--journal"])
        .arg(&journal)
        .current_dir(home.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let trace = std::fs::read_to_string(&trace).unwrap();
    // `PID  openat(AT_FDCWD, "PATH", FLAGS…) = FD` → FD
    let fd_of = |path: &Path| -> String {
        let quoted = format!("\"{}\"", path.display());
        let line = trace
            .lines()
            .find(|l| l.contains("openat(") && l.contains(&quoted))
            .unwrap_or_else(|| panic!("{} was never opened:\n{trace}", path.display()));
        line.rsplit("= ").next().unwrap().trim().to_owned()
    };
    // A call on `fd`, whole (`fdatasync(5) = 0`) or begun on one thread
    // while another's is shown (`fdatasync(5 <unfinished ...>`).
    let is_call = |line: &str, call: &str, fd: &str| {
        [")", " <unfinished", ", "]
            .iter()
            .any(|end| line.contains(&format!(" {call}({fd}{end}")))
    };
    let calls = |call: &str, fd: &str| trace.lines().filter(|l| is_call(l, call, fd)).count();
    let file = fd_of(&journal);
    let directory = fd_of(home.path());
    assert_eq!(calls("fsync", &directory), 1, "{trace}");
    let entries = std::fs::read_to_string(&journal).unwrap().lines().count();
    assert!(entries > 20, "the demo apply wrote {entries} entries");
    // One thread, the journal's writer, makes every sync.
    let tid = |line: &str| line.split_whitespace().next().unwrap_or("").to_owned();
    let syncing: std::collections::BTreeSet<String> = trace
        .lines()
        .filter(|l| is_call(l, "fdatasync", &file))
        .map(tid)
        .collect();
    assert_eq!(syncing.len(), 1, "syncs from threads {syncing:?}");
    // Its writes and syncs of the journal in order: `w` a write, `s` a sync.
    let order: String = trace
        .lines()
        .filter(|l| syncing.contains(&tid(l)))
        .filter_map(|l| {
            if is_call(l, "write", &file) {
                Some('w')
            } else if is_call(l, "fdatasync", &file) {
                Some('s')
            } else {
                None
            }
        })
        .collect();
    assert!(order.starts_with('w') && order.ends_with('s'), "{order}");
    assert!(
        !order.contains("ss"),
        "a sync with nothing written: {order}"
    );
    let syncs = calls("fdatasync", &file);
    assert!(
        (1..=entries).contains(&syncs),
        "{syncs} syncs for {entries} entries"
    );
}

/// Runs a command line as a person pasting it into a shell would: this
/// build's `onramp` first on the PATH, in `home`, with `env` set.
fn pasted(command: &str, home: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_onramp")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(home)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// The command between "`" after `after` in `text`.
fn quoted_after<'a>(text: &'a str, after: &str) -> &'a str {
    let start = text
        .find(after)
        .unwrap_or_else(|| panic!("no {after:?} in {text}"))
        + after.len();
    let rest = &text[start..];
    let rest = &rest[rest.find('`').unwrap() + 1..];
    &rest[..rest.find('`').unwrap()]
}

#[test]
fn a_demo_apply_prints_an_undo_command_that_works_when_pasted() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join("my runs")).unwrap();
    let o = onramp(home.path())
        .args([
            "--demo",
            "apply",
            "--yes",
            "--journal",
            "my runs/demo journal.jsonl",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    let undo = quoted_after(&out, "to undo, run ");
    assert_eq!(
        undo,
        "onramp --demo destroy --journal 'my runs/demo journal.jsonl' --yes"
    );
    let o = pasted(undo, home.path(), &[]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{undo}: {out}{err}");
    // Where each ARN goes, with the setting's name.
    let o = onramp(home.path())
        .args(["--demo", "apply", "--yes"])
        .output()
        .unwrap();
    let (out, _) = text(&o);
    assert!(out.contains("\nWhere the ARNs go:\n"), "{out}");
    assert!(
        out.contains(
            "  AWS Batch compute environment: instanceRole (the instance profile's ARN)\n    arn:aws:iam::123456789012:instance-profile/ecsInstanceRole\n"
        ),
        "{out}"
    );
}

#[test]
fn demo_apply_json_says_where_each_arn_goes() {
    let home = tempfile::tempdir().unwrap();
    let o = onramp(home.path())
        .args(["--demo", "apply", "--yes", "--format", "json"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let profile = value["arns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "instance_profile" && a["name"] == "ecsInstanceRole")
        .unwrap();
    assert_eq!(
        profile["goes_in"], "instanceRole (the instance profile's ARN)",
        "{profile}"
    );
    assert_eq!(profile["for"], "AWS Batch compute environment");
}

/// Every `"key"` that `status --help` names.
fn keys_in_help(help: &str) -> Vec<String> {
    let json = help
        .lines()
        .find(|l| l.trim_start().starts_with("json: {"))
        .unwrap_or_else(|| panic!("no json line in {help}"));
    json.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Every key of every object in `value`.
fn keys_in_json(value: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                keys_in_json(v, out);
            }
        }
        serde_json::Value::Array(list) => list.iter().for_each(|v| keys_in_json(v, out)),
        _ => {}
    }
}

/// A role of onramp's name made by hand with another trust policy: `status`
/// shows the difference, `--help`'s keys are in its JSON, and `apply --yes`
/// refuses before it announces anything or opens a journal, naming
/// `--adopt`; with it the role is brought to the plan, and `destroy` gives
/// it back its own trust policy.
#[test]
fn status_shows_the_difference_a_conflict_stops_apply_and_adopting_settles_it() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    let iam = moto::iam_client(&account);
    let lambda_trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    runtime
        .block_on(
            iam.create_role()
                .role_name("ecsInstanceRole")
                .assume_role_policy_document(lambda_trust)
                .send(),
        )
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let answers = files::answers_for(home.path(), "genomics.toml", &account.account_id);
    let a = answers.to_str().unwrap();
    let run = |args: &[&str]| {
        let o = command::with_credentials(&mut onramp(home.path()), &account.credentials)
            .args(args)
            .args(["--endpoint-url", &account.endpoint])
            .output()
            .unwrap();
        let (out, err) = text(&o);
        (o.status.code(), out, err)
    };

    let (code, out, err) = run(&["status", "--answers", a]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("! CONFLICT  role ecsInstanceRole"), "{out}");
    assert!(out.contains("--- trust_policy (exists)"), "{out}");
    assert!(out.contains("+++ trust_policy (planned)"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with('-') && l.contains("lambda.amazonaws.com")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with('+') && l.contains("ec2.amazonaws.com")),
        "{out}"
    );

    let (code, out, err) = run(&["status", "--answers", a, "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let role = value["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "role" && c["name"] == "ecsInstanceRole")
        .unwrap();
    assert_eq!(role["differences"][0]["document"], "trust_policy", "{role}");
    assert!(
        role["differences"][0]["diff"]
            .as_str()
            .unwrap()
            .contains("lambda.amazonaws.com"),
        "{role}"
    );
    let mut keys = std::collections::BTreeSet::new();
    keys_in_json(&value, &mut keys);
    let (_, help, _) = run(&["status", "--help"]);
    let named = keys_in_help(&help);
    assert!(named.len() > 8, "{named:?}");
    for key in named {
        assert!(
            keys.contains(&key),
            "--help names {key:?}, which the JSON lacks: {keys:?}"
        );
    }

    let journal = home.path().join("j.jsonl");
    let (code, out, err) = run(&[
        "apply",
        "--answers",
        a,
        "--yes",
        "--journal",
        journal.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(!out.contains("Applying"), "{out}");
    assert!(
        err.contains("nothing was changed; settle the conflicts above")
            && err.contains("role ecsInstanceRole: "),
        "{err}"
    );
    assert!(err.contains("apply --adopt ecsInstanceRole"), "{err}");
    assert!(!journal.exists(), "no journal for a run that never started");

    // Adopting it: shown first, then made; the role is then onramp's to
    // keep as planned, and destroy gives it back as it was.
    let j = journal.to_str().unwrap();
    let (code, out, err) = run(&["status", "--answers", a, "--adopt", "ecsInstanceRole"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("* adopt     role ecsInstanceRole"), "{out}");
    assert!(out.contains("destroy puts it back"), "{out}");
    let (code, out, err) = run(&["apply", "--answers", a, "--adopt", "--yes", "--journal", j]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = run(&["status", "--answers", a]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("= unchanged role ecsInstanceRole"), "{out}");
    let (code, out, err) = run(&["destroy", "--journal", j, "--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("put back as it was before onramp adopted it: role ecsInstanceRole"),
        "{out}"
    );
    let role = runtime
        .block_on(iam.get_role().role_name("ecsInstanceRole").send())
        .unwrap();
    let trust = role.role().unwrap().assume_role_policy_document().unwrap();
    let trust =
        onramp::cloud::decode_document(onramp::iam::action::Action::GetRole, trust).unwrap();
    assert!(
        onramp::apply::compare::same_document(&trust, &serde_json::from_str(lambda_trust).unwrap()),
        "{trust}"
    );
}

/// The commands a moto run prints carry `--endpoint-url`, and `status`
/// tells what of a resource is in place when something is missing.
#[test]
fn commands_printed_on_moto_work_when_pasted_and_status_says_what_is_in_place() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    let home = tempfile::tempdir().unwrap();
    let answers = files::answers_for(home.path(), "genomics.toml", &account.account_id);
    let a = answers.to_str().unwrap();
    let run = |args: &[&str]| {
        let o = command::with_credentials(&mut onramp(home.path()), &account.credentials)
            .args(["--endpoint-url", &account.endpoint])
            .args(args)
            .output()
            .unwrap();
        let (out, err) = text(&o);
        (o.status.code(), out, err)
    };
    let (code, out, err) = run(&["apply", "--answers", a, "--yes", "--journal", "run 1.jsonl"]);
    assert_eq!(code, Some(0), "{out}{err}");

    // One attachment taken away by hand: the role exists, part of it is missing.
    let iam = moto::iam_client(&account);
    let attached = runtime
        .block_on(
            iam.list_attached_role_policies()
                .role_name("ecsInstanceRole")
                .send(),
        )
        .unwrap();
    let total = attached.attached_policies().len();
    let arn = attached.attached_policies()[0]
        .policy_arn()
        .unwrap()
        .to_owned();
    runtime
        .block_on(
            iam.detach_role_policy()
                .role_name("ecsInstanceRole")
                .policy_arn(&arn)
                .send(),
        )
        .unwrap();
    let (code, out, err) = run(&["status", "--answers", a]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(&format!(
            "in place: exists, {} of {total} managed policies attached",
            total - 1
        )),
        "{out}"
    );

    // The apply that puts the policy back prints how to undo the run.
    let (code, out, err) = run(&["apply", "--answers", a, "--yes", "--journal", "run 1.jsonl"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let undo = quoted_after(&out, "to undo, run ").to_owned();
    assert!(
        undo.contains(&format!("--endpoint-url {}", account.endpoint)),
        "{undo}"
    );
    let c = &account.credentials;
    let o = pasted(
        &undo,
        home.path(),
        &[
            ("AWS_ACCESS_KEY_ID", c.access_key_id()),
            ("AWS_SECRET_ACCESS_KEY", c.secret_access_key()),
            ("AWS_SESSION_TOKEN", c.session_token().unwrap()),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{undo}: {out}{err}");
    assert!(out.contains("Deleted "), "{out}");
}

/// A run that fails part-way names each resource it did not finish, by kind,
/// with what of it is in place; its resume command, pasted once the answers
/// are fixed, finishes the job.
#[test]
fn a_failed_demo_apply_says_what_it_made_and_its_resume_command_works_when_pasted() {
    let home = tempfile::tempdir().unwrap();
    let answers = home.path().join("my answers.toml");
    let good = files::example("genomics.toml");
    let bad = good.replace(
        "job_role_policy_arns = []",
        r#"job_role_policy_arns = ["arn:aws:iam::aws:policy/NoSuchPolicyHere"]"#,
    );
    assert_ne!(good, bad);
    std::fs::write(&answers, bad).unwrap();
    let o = onramp(home.path())
        .args(["--demo", "apply", "--answers", "my answers.toml", "--yes"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(
        out.contains("\n6 of 7 planned resources exist as planned.\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "  role BatchJobRole: failed at AttachRolePolicy: Policy arn:aws:iam::aws:policy/NoSuchPolicyHere does not exist or is not attachable; created, 1 of 2 managed policies attached; stopped before attaching NoSuchPolicyHere\n"
        ),
        "{out}"
    );
    // What does not need the failed call is done all the same: the
    // instance profile no longer waits for a wave behind the job role.
    assert!(!out.contains("instance profile ecsInstanceRole:"), "{out}");
    // destroy's listing says the same of the role, from the journal.
    let o = onramp(home.path())
        .args([
            "--demo",
            "destroy",
            "--journal",
            "onramp-123456789012-us-east-1.journal.jsonl",
        ])
        .output()
        .unwrap();
    let (listing, _) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{listing}");
    assert!(
        listing.contains("  role BatchJobRole: created, 1 managed policy attached\n"),
        "{listing}"
    );
    let resume = quoted_after(&err, "to resume, run ");
    assert_eq!(
        resume,
        "onramp --demo apply --answers 'my answers.toml' --journal onramp-123456789012-us-east-1.journal.jsonl --yes"
    );
    std::fs::write(&answers, good).unwrap();
    let o = pasted(resume, home.path(), &[]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{resume}: {out}{err}");
    let undo = quoted_after(&out, "to undo, run ");
    let o = pasted(undo, home.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{undo}: {}", text(&o).1);

    // The same failure as JSON: each resource that does not exist as planned.
    std::fs::write(
        &answers,
        std::fs::read_to_string(&answers).unwrap().replace(
            "job_role_policy_arns = []",
            r#"job_role_policy_arns = ["arn:aws:iam::aws:policy/NoSuchPolicyHere"]"#,
        ),
    )
    .unwrap();
    let o = onramp(home.path())
        .args([
            "--demo",
            "apply",
            "--answers",
            "my answers.toml",
            "--yes",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let incomplete = value["incomplete"].as_array().unwrap();
    assert_eq!(incomplete.len(), 1, "{value}");
    assert!(
        incomplete
            .iter()
            .any(|i| i["kind"] == "role" && i["name"] == "BatchJobRole" && i["state"] == "failed"),
        "{value}"
    );
}

/// Two runs with other answers in one account: the second would rewrite what
/// the first made, and a journal given by hand may be the first's. Both are
/// said before anything changes; another target's journal is refused.
#[test]
fn a_run_that_would_change_another_runs_resources_says_so() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    let home = tempfile::tempdir().unwrap();
    let run = |file: &str, args: &[&str]| {
        let answers = home.path().join(file);
        let contents = files::example(file)
            .replace("123456789012", &account.account_id)
            // As the awsbatch example was before it had names of its own.
            .replace("name_prefix = \"batch-\"", "");
        std::fs::write(&answers, contents).unwrap();
        let o = command::with_credentials(&mut onramp(home.path()), &account.credentials)
            .args(["--endpoint-url", &account.endpoint])
            .args(["apply", "--answers", answers.to_str().unwrap()])
            .args(args)
            .output()
            .unwrap();
        let (out, err) = text(&o);
        (o.status.code(), out, err)
    };
    let (code, out, err) = run("parallelcluster-slurm.toml", &["--yes"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(!err.contains("warning"), "{err}");

    // Another region, the same names: its own (default) journal records
    // none of them.
    let (code, out, err) = run("parallelcluster-awsbatch.toml", &[]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains("would change 2 resources that onramp made in another run"),
        "{err}"
    );
    assert!(
        err.contains("managed policy ParallelClusterInstancePolicy"),
        "{err}"
    );
    assert!(err.contains("name_prefix"), "{err}");

    // The first run's journal given to the second: refused, nothing changed.
    let first = format!("onramp-{}-eu-west-1.journal.jsonl", account.account_id);
    let before = std::fs::read_to_string(home.path().join(&first)).unwrap();
    let (code, out, err) = run(
        "parallelcluster-awsbatch.toml",
        &["--yes", "--journal", &first],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("is for account"), "{err}");
    assert!(
        err.contains("eu-west-1") && err.contains("us-west-2"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join(&first)).unwrap(),
        before
    );
}

/// Answers that name another account than the credentials': `status` and
/// `apply --yes` refuse them, naming both accounts, and nothing is made
/// (the caller's identity is read before anything else).
#[test]
fn answers_for_another_account_are_refused_and_nothing_is_made() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    assert_ne!(account.account_id, "123456789012");
    let home = tempfile::tempdir().unwrap();
    let answers = home.path().join("genomics.toml");
    std::fs::write(&answers, files::example("genomics.toml")).unwrap();
    for args in [&["status"][..], &["apply", "--yes"][..]] {
        let o = command::with_credentials(&mut onramp(home.path()), &account.credentials)
            .args(["--endpoint-url", &account.endpoint])
            .args(args)
            .args(["--answers", answers.to_str().unwrap()])
            .output()
            .unwrap();
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {out}{err}");
        assert!(
            err.contains(&format!(
                "the answers are for account 123456789012 but the account in use is {}",
                account.account_id
            )),
            "{args:?}: {err}"
        );
        assert!(!out.contains("create"), "{args:?}: {out}");
    }
    let iam = moto::iam_client(&account);
    let roles = runtime
        .block_on(iam.list_roles().send())
        .unwrap()
        .roles
        .len();
    assert_eq!(roles, 0, "nothing made");
    assert!(
        std::fs::read_dir(home.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("journal")),
        "no journal started"
    );
}
