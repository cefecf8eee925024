//! `apply`, `status` and `destroy` as a user runs them: the real binary,
//! against the demo account and against moto with real credentials in the
//! environment, including the failures a user meets first.

// Test helpers may unwrap: a failed assumption is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{isolated_onramp as onramp, output_text as text};

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
    let account = runtime.block_on(common::fresh_account());
    let home = tempfile::tempdir().unwrap();
    let answers = common::answers_for(home.path(), "genomics.toml", &account.account_id);
    let journal = home.path().join("run.jsonl");
    let log = home.path().join("onramp.log");
    // Everything the runs print, for the credentials check at the end.
    let printed = std::cell::RefCell::new(Vec::<u8>::new());
    let run = |args: &[&str]| {
        let o = common::with_credentials(&mut onramp(home.path()), &account.credentials)
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
    let searched = common::assert_no_credentials(
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
    let endpoint = common::closed_endpoint();
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
        .args(["--endpoint-url", &common::closed_endpoint()])
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
/// synced once after the file is created, and the file is synced after every
/// entry. Needs `strace`; where it is missing, only that is said.
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
        .args(["-f", "-e", "trace=openat,fsync,fdatasync", "-o"])
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
    let calls = |call: &str, fd: &str| {
        trace
            .lines()
            .filter(|l| l.contains(&format!("{call}({fd})")))
            .count()
    };
    let file = fd_of(&journal);
    let directory = fd_of(home.path());
    assert_eq!(calls("fsync", &directory), 1, "{trace}");
    let entries = std::fs::read_to_string(&journal).unwrap().lines().count();
    assert!(entries > 20, "the demo apply wrote {entries} entries");
    assert_eq!(calls("fdatasync", &file), entries, "one sync per entry");
}
