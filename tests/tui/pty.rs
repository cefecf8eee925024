//! The wizard end to end, as a user runs it: the real binary in a
//! pseudo-terminal, keys typed into it, the screen read back through a vt100
//! emulator. Against the demo account, and once against moto.
//!
//! Each test runs in a temporary directory of its own (also `HOME`), with
//! `--journal` inside it, so nothing is written to the repository.

use std::path::Path;
use std::time::Duration;

use onramp::answers::Answers;
use onramp_testkit::command;
use onramp_testkit::fault_proxy::FaultProxy;
use onramp_testkit::journal::{done_actions, open_intents};
use onramp_testkit::leaks;
use onramp_testkit::moto;
use onramp_testkit::pty;
use onramp_testkit::pty::screens::*;
use onramp_testkit::pty::{Onramp, Tui, keys};

/// Waits for the welcome screen to show the connected account, and checks
/// that the wizard has taken the terminal.
fn connected(t: &Tui, account_line: &str) {
    t.wait_for(WELCOME);
    t.wait_for(account_line);
    t.assert_shows("Press Enter to start");
    t.assert_terminal_taken();
}

/// Starts `onramp --demo` in `dir` and waits until it is connected.
fn demo(dir: &Path) -> Tui {
    let t = Onramp::demo(dir).spawn();
    connected(&t, DEMO_ACCOUNT);
    t
}

/// Enter, then wait for the screen whose header is `next`.
fn enter(t: &mut Tui, next: &str) -> String {
    t.send(keys::ENTER);
    t.wait_for(next)
}

/// From the welcome screen of the demo to the buckets.
fn to_buckets(t: &mut Tui) {
    let scope = enter(t, SCOPE);
    // The demo's answers set up both parts.
    assert!(scope.contains("[x] Genomics Workflows core"), "{scope}");
    assert!(scope.contains("[x] AWS ParallelCluster"), "{scope}");
    enter(t, BUCKETS);
    t.wait_for("[x] onramp-demo-inputs");
}

/// From the buckets of the demo to the review, once the account is read.
fn buckets_to_review(t: &mut Tui) {
    enter(t, OPTIONS);
    enter(t, CLUSTER);
    enter(t, REVIEW);
    // Enter only goes on once the account has been read.
    t.wait_for("+ new");
}

/// Quits with `q` (nothing unsaved, so no question) and checks the exit.
fn quit_cleanly(t: &mut Tui) {
    t.send("q");
    let code = t.wait_exit();
    assert_eq!(code, 0, "onramp should exit 0 after q");
    t.assert_terminal_restored();
}

#[test]
fn demo_full_flow_reaches_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let mut t = demo(dir.path());
    to_buckets(&mut t);
    t.assert_shows("2 selected");
    buckets_to_review(&mut t);
    t.assert_shows("/ecsInstanceRole");

    enter(&mut t, PREVIEW);
    t.wait_for("Document (e edits)");
    let confirm = enter(&mut t, CONFIRM);
    assert!(confirm.contains("Calls onramp will make"), "{confirm}");
    assert!(confirm.contains("CreateRole"), "{confirm}");
    assert!(
        confirm.contains(&journal.display().to_string()),
        "the confirm screen names the journal given:\n{confirm}"
    );
    assert!(!journal.exists(), "nothing is journaled before y");

    t.send("y");
    t.wait_for(APPLY);
    let done = t.wait_for("done: every planned resource exists");
    assert!(
        done.contains("arn:aws:iam::123456789012:role/ecsInstanceRole"),
        "{done}"
    );
    assert!(!done.contains('✗'), "{done}");

    let summary = enter(&mut t, SUMMARY);
    assert!(summary.contains("ARNs to copy"), "{summary}");
    assert!(
        summary.contains("arn:aws:iam::123456789012:instance-profile/ecsInstanceRole"),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "undo:   onramp --demo destroy --journal {}",
            journal.display()
        )),
        "{summary}"
    );

    let text = std::fs::read_to_string(&journal).expect("the journal is written");
    let entries: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let created_roles: Vec<&str> = entries
        .iter()
        .filter(|e| e["event"] == "done" && e["action"] == "CreateRole")
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(
        created_roles.contains(&"ecsInstanceRole"),
        "the journal records CreateRole ecsInstanceRole as done:\n{text}"
    );
    assert!(
        text.lines().filter(|l| l.contains("CreateRole")).count() >= 2,
        "{text}"
    );

    // Logs go to the --log-file, never to the terminal.
    let log = std::fs::read_to_string(dir.path().join("onramp.log")).expect("the log is written");
    assert!(
        log.contains("effect=\"apply\"") && log.contains("apply finished"),
        "{log}"
    );
    let screen_bytes = String::from_utf8_lossy(&t.output()).into_owned();
    assert!(!screen_bytes.contains("DEBUG") && !screen_bytes.contains(" INFO "));

    // Nothing was changed in the answers, so q does not ask.
    quit_cleanly(&mut t);
    assert!(
        !dir.path().join("onramp-answers.toml").exists(),
        "nothing saves the answers unasked"
    );
}

#[test]
fn going_back_and_forth_keeps_choices() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = demo(dir.path());
    to_buckets(&mut t);

    // The cursor starts on the first row, onramp-demo-archive.
    t.assert_shows("[ ] onramp-demo-archive");
    t.send(keys::SPACE);
    t.wait_for("3 selected");
    t.assert_shows("[x] onramp-demo-archive");

    enter(&mut t, OPTIONS);
    t.assert_shows("Name prefix");
    // Spot support, job role, public data, EBS autoscale, the Batch service
    // role, then the prefix.
    t.send(&keys::DOWN.repeat(5));
    t.type_text("lab-");
    t.wait_until("the name prefix to read lab-", pty::TIMEOUT, |s| {
        s.contents()
            .lines()
            .any(|l| l.contains("Name prefix") && l.contains("lab-"))
    });

    // Back: the buckets are as chosen.
    t.send(keys::ESC);
    let buckets = t.wait_for(BUCKETS);
    assert!(buckets.contains("3 selected"), "{buckets}");
    assert!(buckets.contains("[x] onramp-demo-archive"), "{buckets}");
    assert!(buckets.contains("[x] onramp-demo-inputs"), "{buckets}");
    assert!(buckets.contains("[x] onramp-demo-results"), "{buckets}");
    assert!(buckets.contains("[ ] onramp-demo-pcluster"), "{buckets}");

    // Forth: the prefix is still typed in.
    enter(&mut t, OPTIONS);
    let prefix = t.row_with("Name prefix").unwrap();
    assert!(prefix.contains("lab-"), "{prefix}");

    enter(&mut t, CLUSTER);
    enter(&mut t, REVIEW);
    let review = t.wait_for("/lab-ecsInstanceRole");
    assert!(!review.contains(" /ecsInstanceRole"), "{review}");
    t.wait_for("+ new");

    // The answers changed and were not saved: q asks first.
    t.send("q");
    t.wait_for("Your answers are not saved");
    t.send("y");
    assert_eq!(t.wait_exit(), 0);
    t.assert_terminal_restored();
}

#[test]
fn an_invalid_bucket_name_is_refused_with_its_rule() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = demo(dir.path());
    to_buckets(&mut t);

    t.send("+");
    t.type_text("Bad_Name");
    let screen = t.wait_for("✗ `Bad_Name` contains `B` (bucket names are lowercase)");
    assert!(!screen.contains("Enter adds it"), "{screen}");

    t.send(keys::ENTER);
    let screen = t.wait_for("not added: `Bad_Name` contains `B`");
    assert!(
        screen.contains(BUCKETS),
        "Enter stays on the screen:\n{screen}"
    );
    assert!(screen.contains("2 selected"), "{screen}");
    assert!(
        !screen.contains("[x] Bad_Name") && !screen.contains("[ ] Bad_Name"),
        "{screen}"
    );

    t.send(&keys::BACKSPACE.repeat("Bad_Name".len()));
    // An empty field has no verdict.
    t.wait_gone("✗ ");
    t.type_text("my-new-bucket-1");
    // "my-n" is valid already: wait for the whole name, then its verdict.
    t.wait_for("my-new-bucket-1");
    t.wait_for("✓ a valid bucket name; Enter adds it");
    t.send(keys::ENTER);
    t.wait_for("3 selected");
    let row = t.row_with("[x] my-new-bucket-1").unwrap_or_else(|| {
        t.fail("the new bucket should be listed as selected");
    });
    assert!(row.contains("new: not in the account yet"), "{row}");

    // Back in the list after adding; Enter goes on.
    t.send(keys::ENTER);
    t.wait_for(OPTIONS);
    t.send(keys::CTRL_C);
    assert_eq!(t.wait_exit(), 0);
    t.assert_terminal_restored();
}

#[test]
fn healthomics_turned_on_gets_its_screen_with_checked_fields_and_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = demo(dir.path());
    enter(&mut t, SCOPE);
    t.send(keys::DOWN);
    t.send(keys::DOWN);
    t.send(keys::SPACE);
    t.wait_for("[x] AWS HealthOmics");
    enter(&mut t, BUCKETS);
    enter(&mut t, OPTIONS);
    enter(&mut t, CLUSTER);
    enter(&mut t, OMICS);
    t.wait_for("[  ] onramp-demo-inputs");
    // The second row read-write, then a name that breaks S3's rules.
    t.send(keys::DOWN);
    t.send(keys::SPACE);
    t.wait_for("[rw] onramp-demo-inputs");
    t.send("+");
    t.send("Omics_Out");
    t.wait_for("✗ `Omics_Out` contains `O`");
    t.send(keys::ESC);
    // Back in the list (the footer's keys are the list's again).
    t.wait_for("Space rw/ro");
    // Tab from the list: filter, name, then the ECR repositories.
    t.send(keys::TAB);
    t.send(keys::TAB);
    t.send(keys::TAB);
    t.send("genomics/gatk");
    t.wait_for("✓ the runs pull images only from the repositories named");
    t.send(keys::CTRL_S);
    t.wait_for("saved the answers to");
    let saved = std::fs::read_to_string(dir.path().join("onramp-answers.toml")).unwrap();
    let answers = Answers::from_toml(&saved).unwrap_or_else(|e| panic!("{e}:\n{saved}"));
    let omics = answers.omics.expect("an [omics] table");
    assert_eq!(omics.buckets, ["onramp-demo-inputs"]);
    assert_eq!(omics.ecr_repositories, ["genomics/gatk"]);
    // Out of the field, where `q` quits instead of typing.
    t.send(keys::ESC);
    t.wait_for("Space rw/ro");
    quit_cleanly(&mut t);
}

#[test]
fn an_invalid_edited_policy_cannot_be_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = demo(dir.path());
    to_buckets(&mut t);
    buckets_to_review(&mut t);
    enter(&mut t, PREVIEW);
    let before = t.wait_for("Document (e edits)");
    assert!(before.contains("\"Statement\": ["), "{before}");

    t.send("e");
    t.wait_for("Editing");
    t.wait_for("✓ valid; Ctrl-S saves");

    // The third line is `  "Statement": [`; text before it breaks the JSON.
    t.send(&keys::DOWN.repeat(2));
    t.type_text("oops");
    // The check is redone per key: wait for all of the text, then its verdict.
    t.wait_for("oops");
    let editing = t.wait_for("✗ cannot be saved yet");
    assert!(editing.contains("(modified)"), "{editing}");

    t.send(keys::CTRL_S);
    let refused = t.wait_for("cannot save: not JSON");
    assert!(
        refused.contains("Editing"),
        "still in the editor:\n{refused}"
    );
    assert!(refused.contains("oops"), "{refused}");

    t.send(keys::ESC);
    t.wait_for("Discard your changes?");
    t.send("y");
    let after = t.wait_for("Document (e edits)");
    assert!(!after.contains("oops"), "{after}");
    assert!(!after.contains("Editing"), "{after}");
    assert!(!after.contains("edited by you"), "{after}");
    assert!(after.contains("\"Statement\": ["), "{after}");

    // No document was edited and no answer changed: q does not ask.
    quit_cleanly(&mut t);
}

#[test]
fn q_and_ctrl_c_restore_the_terminal_and_exit_0() {
    // q on the welcome screen, nothing changed: leaves at once.
    let dir = tempfile::tempdir().unwrap();
    let mut t = demo(dir.path());
    quit_cleanly(&mut t);

    // Ctrl-C with a changed (unsaved) answer: leaves at once too.
    let dir = tempfile::tempdir().unwrap();
    let mut t = demo(dir.path());
    to_buckets(&mut t);
    t.send(keys::SPACE);
    t.wait_for("3 selected");
    t.send(keys::CTRL_C);
    assert_eq!(t.wait_exit(), 0, "Ctrl-C outside the apply exits 0");
    t.assert_terminal_restored();
    assert!(
        !dir.path().join("onramp-answers.toml").exists(),
        "Ctrl-C does not save"
    );
}

/// What the real terminal receives: every frame inside one synchronized
/// update (`CSI ? 2026 h` … `CSI ? 2026 l`), begins and ends in turn and
/// none left open at the exit, so the terminal never shows half a frame.
#[test]
fn frames_reach_the_terminal_as_synchronized_updates() {
    const BEGIN: &str = "\x1b[?2026h";
    const END: &str = "\x1b[?2026l";
    let dir = tempfile::tempdir().unwrap();
    let mut t = demo(dir.path());
    enter(&mut t, SCOPE);
    t.resize(20, 60);
    t.wait_for("Terminal too small");
    t.resize(30, 100);
    t.wait_for(SCOPE);
    quit_cleanly(&mut t);
    let output = String::from_utf8_lossy(&t.output()).into_owned();
    let marks: Vec<(usize, &str)> = output
        .match_indices(BEGIN)
        .chain(output.match_indices(END))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    assert!(marks.len() >= 6, "at least three frames: {marks:?}");
    for (i, (at, mark)) in marks.iter().enumerate() {
        let expected = if i % 2 == 0 { BEGIN } else { END };
        assert_eq!(*mark, expected, "mark {i} at byte {at}: {marks:?}");
    }
    // The welcome screen's words are drawn inside an update, not around one.
    let welcome = output.find("Press Enter to start").unwrap();
    let (begin, end) = marks
        .chunks(2)
        .map(|pair| (pair[0].0, pair[1].0))
        .rfind(|(begin, _)| *begin < welcome)
        .unwrap();
    assert!(
        begin < welcome && welcome < end,
        "{begin} < {welcome} < {end}"
    );
}

#[test]
fn saving_answers_writes_a_replayable_file() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("a.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/answers.toml"),
        &answers,
    )
    .unwrap();
    let wizard = Onramp::demo(dir.path()).arg("--answers").arg(&answers);

    let mut t = wizard.clone().spawn();
    connected(&t, DEMO_ACCOUNT);
    to_buckets(&mut t);
    t.assert_shows("2 selected");
    t.send(keys::SPACE);
    t.wait_for("3 selected");

    // Unsaved: q asks, n stays.
    t.send("q");
    t.wait_for("Your answers are not saved");
    t.send("n");
    t.wait_gone("Your answers are not saved");
    assert!(!t.exited());

    t.send("s");
    t.wait_for("saved the answers to");
    let saved = Answers::from_toml(&std::fs::read_to_string(&answers).unwrap())
        .expect("the saved answers parse");
    let buckets = saved.genomics.expect("genomics is kept").buckets;
    assert!(
        buckets.iter().any(|b| b == "onramp-demo-archive"),
        "{buckets:?}"
    );
    assert_eq!(buckets.len(), 3, "{buckets:?}");
    assert_eq!(saved.account_id.as_deref(), Some("123456789012"));
    assert!(
        !dir.path().join("onramp-answers.toml").exists(),
        "s writes to the --answers file, not the default"
    );

    // Saved: q leaves without asking.
    quit_cleanly(&mut t);

    // The file replays: the wizard starts from it.
    let mut t = wizard.spawn();
    connected(&t, DEMO_ACCOUNT);
    to_buckets(&mut t);
    let screen = t.wait_for("3 selected");
    assert!(screen.contains("[x] onramp-demo-archive"), "{screen}");
    assert!(screen.contains("[x] onramp-demo-inputs"), "{screen}");
    assert!(screen.contains("[x] onramp-demo-results"), "{screen}");
    quit_cleanly(&mut t);
}

#[test]
fn exporting_from_the_review_writes_the_template_and_shows_where() {
    let dir = tempfile::tempdir().unwrap();
    // The demo writes its exports to the temporary directory.
    let mut t = Onramp::demo(dir.path()).env("TMPDIR", dir.path()).spawn();
    connected(&t, DEMO_ACCOUNT);
    to_buckets(&mut t);
    buckets_to_review(&mut t);
    t.send("x");
    t.wait_for("CloudFormation template");
    t.send("c");
    t.wait_for("✓ wrote the CloudFormation template");
    let template = dir.path().join("onramp-123456789012-us-east-1.cfn.yaml");
    let text = std::fs::read_to_string(&template).expect("the template is written");
    assert!(
        text.starts_with("AWSTemplateFormatVersion: \"2010-09-09\""),
        "{text}"
    );
    t.assert_shows("onramp-123456789012-us-east-1.cfn.yaml");
    // Any key closes the message; the wizard is still on the review.
    t.send(keys::ENTER);
    t.wait_gone("✓ wrote the");
    t.assert_shows(REVIEW);
    quit_cleanly(&mut t);
}

/// A fresh moto account, and the runtime to talk to it with.
fn moto_account() -> (tokio::runtime::Runtime, moto::TestAccount) {
    // Starting moto must not overlap with another test opening its terminal.
    {
        let _guard = pty::spawn_guard();
        moto::moto_endpoint();
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let account = runtime.block_on(moto::fresh_account());
    (runtime, account)
}

/// The answers of the moto flows: Genomics with one bucket.
const MOTO_ANSWERS: &str =
    "region = \"us-east-1\"\n\n[genomics]\nbuckets = [\"onramp-pty-data\"]\n";

/// The wizard on a moto account, with its credentials, talking to
/// `endpoint` (moto, or a proxy in front of it), answers in `dir`.
fn moto_wizard(account: &moto::TestAccount, dir: &Path, endpoint: &str) -> Onramp {
    let answers = dir.join("answers.toml");
    std::fs::write(&answers, MOTO_ANSWERS).unwrap();
    let credentials = &account.credentials;
    Onramp::in_dir(dir)
        .arg("--answers")
        .arg(&answers)
        .arg("--endpoint-url")
        .arg(endpoint)
        .env("AWS_ACCESS_KEY_ID", credentials.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key())
        .env(
            "AWS_SESSION_TOKEN",
            credentials
                .session_token()
                .expect("assumed-role credentials"),
        )
        .env("AWS_REGION", "us-east-1")
}

/// From the welcome screen of [`moto_wizard`] through every step to `y` on
/// the confirmation: the apply has started. `endpoint` as given to it.
fn confirm_the_genomics_plan(t: &mut Tui, account: &moto::TestAccount, endpoint: &str) {
    let id = &account.account_id;
    connected(t, &format!("account  {id}"));
    t.assert_shows(&format!("endpoint  {endpoint}"));
    t.assert_lacks("DEMO");

    let scope = enter(t, SCOPE);
    assert!(
        scope.contains("[x] Genomics Workflows core") && scope.contains("[ ] AWS ParallelCluster"),
        "only genomics is chosen:\n{scope}"
    );
    enter(t, BUCKETS);
    // The account (moto) has no such bucket: it is listed as one to create.
    t.wait_for("[x] onramp-pty-data");
    let row = t.row_with("[x] onramp-pty-data").unwrap();
    assert!(row.contains("new: not in the account yet"), "{row}");

    enter(t, OPTIONS);
    // No ParallelCluster in the answers: Options leads to the review.
    let review = enter(t, REVIEW);
    assert!(!review.contains("ParallelCluster"), "{review}");
    let review = t.wait_for("+ new");
    assert!(
        review.contains(&format!("Plan for {id} in us-east-1")),
        "{review}"
    );

    enter(t, PREVIEW);
    enter(t, CONFIRM);
    t.wait_for("Calls onramp will make");
    t.send("y");
    t.wait_for(APPLY);
}

#[test]
fn full_flow_against_moto_creates_the_resources() {
    let (runtime, account) = moto_account();
    let id = account.account_id.clone();

    let dir = tempfile::tempdir().unwrap();
    let credentials = &account.credentials;
    let mut t = moto_wizard(&account, dir.path(), &account.endpoint).spawn();
    confirm_the_genomics_plan(&mut t, &account, &account.endpoint);
    let done = t.wait_for_within(
        "done: every planned resource exists",
        Duration::from_secs(90),
    );
    assert!(
        done.contains(&format!("arn:aws:iam::{id}:role/ecsInstanceRole")),
        "{done}"
    );
    let summary = enter(&mut t, SUMMARY);
    assert!(summary.contains("ARNs to copy"), "{summary}");
    assert!(
        summary.contains(&format!(
            "arn:aws:iam::{id}:instance-profile/ecsInstanceRole"
        )),
        "{summary}"
    );

    // The answers were not changed: q leaves without asking.
    quit_cleanly(&mut t);

    // Neither the screen nor any file the wizard wrote (journal, debug log)
    // holds the credentials it was given.
    let searched =
        leaks::assert_no_credentials(credentials, &[("the terminal", &t.output())], dir.path());
    assert!(
        searched > t.output().len(),
        "the journal and the log were read"
    );

    let iam = moto::iam_client(&account);
    runtime.block_on(async {
        let role = iam
            .get_role()
            .role_name("ecsInstanceRole")
            .send()
            .await
            .expect("the role exists")
            .role
            .expect("GetRole returns the role");
        assert_eq!(role.arn, format!("arn:aws:iam::{id}:role/ecsInstanceRole"));

        let profile = iam
            .get_instance_profile()
            .instance_profile_name("ecsInstanceRole")
            .send()
            .await
            .expect("the instance profile exists")
            .instance_profile
            .expect("GetInstanceProfile returns the profile");
        let roles: Vec<&str> = profile.roles.iter().map(|r| r.role_name.as_str()).collect();
        assert_eq!(roles, ["ecsInstanceRole"]);

        let tags = iam
            .list_role_tags()
            .role_name("ecsInstanceRole")
            .send()
            .await
            .unwrap()
            .tags;
        assert!(
            tags.iter()
                .any(|t| t.key == "onramp:managed-by" && t.value == "onramp"),
            "{tags:?}"
        );
    });
    let journal = std::fs::read_to_string(dir.path().join("j.jsonl")).unwrap();
    assert!(journal.contains("CreateInstanceProfile"), "{journal}");
}

/// Ctrl-C while the wizard applies, on moto behind a proxy that holds back
/// the answer to the third call: SIGINT from outside asks first (as the key
/// does), a Ctrl-C key is the answer, the call in flight finishes, nothing
/// new starts, the wizard exits 130 with the terminal restored, and the
/// journal resumes headless.
#[test]
fn ctrl_c_during_an_apply_on_moto_stops_after_the_call_in_flight() {
    let (_runtime, account) = moto_account();
    let proxy = FaultProxy::start(&account.endpoint);
    proxy.hold(3, Duration::from_secs(8));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("wizard.jsonl");
    let mut t = moto_wizard(&account, dir.path(), proxy.url())
        .journal(&journal)
        .spawn();
    confirm_the_genomics_plan(&mut t, &account, proxy.url());

    t.wait_until(
        "the third call is in flight",
        Duration::from_secs(60),
        |_| proxy.target_action().is_some(),
    );
    t.sigint();
    t.wait_for("Stop the apply?");
    t.send(keys::CTRL_C);
    t.wait_for("stopping after the calls in flight");
    let stopped = t.wait_for_within("stopped on request", Duration::from_secs(30));
    assert!(
        stopped.contains(&journal.display().to_string()),
        "{stopped}"
    );
    t.send("q");
    assert_eq!(t.wait_exit(), 130, "a stopped apply exits 130");
    t.assert_terminal_restored();

    assert_eq!(
        open_intents(&journal),
        [],
        "every call started has its result"
    );
    let done = done_actions(&journal);
    assert!(
        done.len() >= 3
            && done
                .iter()
                .any(|a| Some(a.as_str()) == proxy.target_action().as_deref()),
        "the calls up to the held one, that one included, finished: {done:?}"
    );

    // The same journal, headless and straight to moto: finishes the set-up.
    let resume = |args: &[&str]| {
        let mut command = command::isolated_onramp(dir.path());
        command::with_credentials(&mut command, &account.credentials)
            .args(args)
            .args(["--journal", journal.to_str().unwrap(), "--yes"])
            .args(["--endpoint-url", &account.endpoint])
            .env("AWS_REGION", "us-east-1")
            .output()
            .unwrap()
    };
    let answers = dir.path().join("answers.toml");
    let answers = answers.to_str().unwrap();
    let applied = command::succeeded("resume", resume(&["apply", "--answers", answers]));
    // The resume finishes what the stop left: the held role's attachments
    // at least (every create was already in flight beside it).
    assert!(!applied.contains("Done: 0 created, 0 updated"), "{applied}");
    let again = command::succeeded("re-run", resume(&["apply", "--answers", answers]));
    assert!(again.contains("Nothing to do"), "{again}");
    command::succeeded("destroy", resume(&["destroy"]));
}

#[test]
fn behind_the_too_small_message_y_creates_nothing_and_q_still_asks() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j.jsonl");
    let mut t = demo(dir.path());
    to_buckets(&mut t);
    enter(&mut t, OPTIONS);
    // Spot off: an unsaved answer, so that q asks before quitting.
    t.send(keys::SPACE);
    t.wait_for("[ ] off");
    enter(&mut t, CLUSTER);
    enter(&mut t, REVIEW);
    t.wait_for("+ new");
    enter(&mut t, PREVIEW);
    enter(&mut t, CONFIRM);

    t.resize(20, 60);
    t.wait_for("Terminal too small");
    // y and Enter would start the apply; q, typed after them, asks to quit
    // here, which shows the keys before it were read (and ignored).
    t.send("y");
    t.send(keys::ENTER);
    t.send("q");
    let asked = t.wait_for("Your answers are not saved");
    assert!(asked.contains("Terminal too small"), "{asked}");
    t.send("n");
    t.wait_for("press q to quit");

    t.resize(30, 100);
    let confirm = t.wait_for(CONFIRM);
    assert!(confirm.contains("Calls onramp will make"), "{confirm}");
    assert!(!journal.exists(), "nothing was applied behind the message");

    // At a size that fits, y creates.
    t.send("y");
    t.wait_for("done: ");
    assert!(journal.exists());
    t.send("q");
    t.wait_for("Your answers are not saved");
    t.send("y");
    assert_eq!(t.wait_exit(), 0);
    t.assert_terminal_restored();
}

/// The trial of a first-time admin, end to end: the demo through every
/// screen, then the wizard on a (moto) account up to the preview, where the
/// bucket policy is narrowed by hand, saved with the answers, and quit; the
/// saved answers are replayed headless on the account, and what exists is
/// the edit, not the wider generated policy. A second replay changes nothing.
#[test]
fn a_newcomers_trial_from_the_demo_to_a_replayed_edit() {
    // The demo, every screen, and an apply on the in-memory account.
    let demo_dir = tempfile::tempdir().unwrap();
    let mut t = demo(demo_dir.path());
    to_buckets(&mut t);
    buckets_to_review(&mut t);
    enter(&mut t, PREVIEW);
    enter(&mut t, CONFIRM);
    t.send("y");
    t.wait_for(APPLY);
    t.wait_for("done: ");
    enter(&mut t, SUMMARY);
    quit_cleanly(&mut t);

    // The wizard on an account: narrow the bucket policy by hand.
    let (runtime, account) = moto_account();
    let dir = tempfile::tempdir().unwrap();
    let mut t = moto_wizard(&account, dir.path(), &account.endpoint).spawn();
    connected(&t, &format!("account  {}", account.account_id));
    enter(&mut t, SCOPE);
    enter(&mut t, BUCKETS);
    t.wait_for("[x] onramp-pty-data");
    enter(&mut t, OPTIONS);
    enter(&mut t, REVIEW);
    t.wait_for("+ new");
    enter(&mut t, PREVIEW);
    t.wait_for("s3bucket-access-us-east-1");
    t.send("e");
    t.wait_for("\"Action\": \"s3:*\"");
    // Line 6 holds `"Action": "s3:*",`: replace the value before the comma.
    for _ in 0..5 {
        t.send(keys::DOWN);
    }
    // End of the line (the terminal's End key), then before the comma.
    t.send("\x1b[F");
    t.send(keys::LEFT);
    for _ in 0.."\"s3:*\"".len() {
        t.send(keys::BACKSPACE);
    }
    t.type_text("[\"s3:GetObject\", \"s3:PutObject\", \"s3:ListBucket\"]");
    t.send(keys::CTRL_S);
    t.wait_for("(edited by you)");
    t.send("s");
    t.wait_for("saved the answers to");
    // Saved, so q leaves without asking.
    quit_cleanly(&mut t);
    let answers = dir.path().join("answers.toml");
    let saved = std::fs::read_to_string(&answers).unwrap();
    assert!(saved.contains("[[edits]]"), "{saved}");
    assert!(
        saved.contains(&format!("account_id = \"{}\"", account.account_id)),
        "the target is pinned:\n{saved}"
    );

    // Replayed headless: the edit is what gets created.
    let replay = |command: &str| {
        let mut cmd = command::isolated_onramp(dir.path());
        cmd.args([command, "--answers"]).arg(&answers).args([
            "--endpoint-url",
            &account.endpoint,
            "--region",
            "us-east-1",
        ]);
        if command == "apply" {
            cmd.arg("--yes");
        }
        command::with_credentials(&mut cmd, &account.credentials);
        command::succeeded(command, cmd.output().unwrap())
    };
    replay("apply");
    let iam = moto::iam_client(&account);
    let document = runtime.block_on(async {
        let arn = format!(
            "arn:aws:iam::{}:policy/s3bucket-access-us-east-1",
            account.account_id
        );
        let policy = iam.get_policy().policy_arn(&arn).send().await.unwrap();
        let version = policy.policy.unwrap().default_version_id.unwrap();
        let got = iam
            .get_policy_version()
            .policy_arn(&arn)
            .version_id(version)
            .send()
            .await
            .unwrap();
        let text = got.policy_version.unwrap().document.unwrap();
        let text = percent_encoding::percent_decode_str(&text)
            .decode_utf8_lossy()
            .into_owned();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    });
    assert_eq!(
        document["Statement"][0]["Action"],
        serde_json::json!(["s3:GetObject", "s3:PutObject", "s3:ListBucket"]),
        "{document}"
    );
    // A second replay finds everything as planned.
    let status = replay("status");
    assert!(status.contains("0 to create, 0 to update"), "{status}");
    let again = replay("apply");
    assert!(again.contains("0 to create, 0 to update"), "{again}");
}

/// The moto account with an `ecsInstanceRole` made by hand, as the console
/// makes it: no onramp tag, and a trust policy for Lambda.
fn moto_account_with_a_hand_made_role() -> (tokio::runtime::Runtime, moto::TestAccount) {
    let (runtime, account) = moto_account();
    let iam = moto::iam_client(&account);
    runtime.block_on(async {
        iam.create_role()
            .role_name("ecsInstanceRole")
            .assume_role_policy_document(onramp_testkit::tui::lambda_trust().to_string())
            .send()
            .await
            .expect("the hand-made role is created");
    });
    (runtime, account)
}

/// The role's trust policy and tags as moto has them now.
fn role_on_moto(
    runtime: &tokio::runtime::Runtime,
    account: &moto::TestAccount,
) -> (serde_json::Value, Vec<(String, String)>) {
    let iam = moto::iam_client(account);
    runtime.block_on(async {
        let role = iam
            .get_role()
            .role_name("ecsInstanceRole")
            .send()
            .await
            .expect("the role exists")
            .role
            .expect("GetRole returns the role");
        let text = role.assume_role_policy_document.unwrap_or_default();
        let text = percent_encoding::percent_decode_str(&text)
            .decode_utf8_lossy()
            .into_owned();
        let tags = role
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect();
        (serde_json::from_str(&text).unwrap(), tags)
    })
}

/// The wizard on [`moto_account_with_a_hand_made_role`], from the welcome
/// screen to the review with the role's conflict selected, then `o` and
/// `key`: the choice made, the account read again.
fn choose_on_the_conflict(t: &mut Tui, account: &moto::TestAccount, key: &str, badge: &str) {
    connected(t, &format!("account  {}", account.account_id));
    enter(t, SCOPE);
    enter(t, BUCKETS);
    t.wait_for("[x] onramp-pty-data");
    enter(t, OPTIONS);
    enter(t, REVIEW);
    let review = t.wait_for("! conflict");
    let row = t.row_with("! conflict").unwrap();
    assert!(row.contains("/ecsInstanceRole"), "{review}");
    // Enter does not go on past a conflict; the message says how to settle it.
    t.send(keys::ENTER);
    t.wait_for("press o on it");
    // The bucket policy, the EBS policy, the Batch service role, then it.
    t.send(&keys::DOWN.repeat(3));
    let detail = t.wait_for("conflict: role ecsInstanceRole exists with another trust policy");
    assert!(
        detail.contains("~ trusts lambda.amazonaws.com; the plan: ec2.amazonaws.com"),
        "{detail}"
    );
    t.send("o");
    t.wait_for("Existing resource");
    t.send(key);
    t.wait_gone("Existing resource");
    let chosen = t.wait_for(badge);
    assert!(!chosen.contains("! conflict"), "{chosen}");
}

#[test]
fn adopting_a_hand_made_role_on_moto_rewrites_it_and_journals_what_it_was() {
    let (runtime, account) = moto_account_with_a_hand_made_role();
    let dir = tempfile::tempdir().unwrap();
    let mut t = moto_wizard(&account, dir.path(), &account.endpoint).spawn();
    choose_on_the_conflict(&mut t, &account, "a", "* adopt");
    t.assert_shows("adopted: destroy puts it back as it is now");

    enter(&mut t, PREVIEW);
    let confirm = enter(&mut t, CONFIRM);
    let confirm = if confirm.contains("adopt role ecsInstanceRole") {
        confirm
    } else {
        t.wait_for("adopt role ecsInstanceRole")
    };
    assert!(
        confirm.contains("the journal keeps what it is now; destroy puts it back"),
        "{confirm}"
    );
    t.send("y");
    t.wait_for(APPLY);
    t.wait_for_within(
        "done: every planned resource exists",
        Duration::from_secs(90),
    );

    let (trust, tags) = role_on_moto(&runtime, &account);
    let services = onramp::plan::lint::trusted_services(&trust);
    assert_eq!(
        services.into_iter().collect::<Vec<_>>(),
        ["ec2.amazonaws.com"],
        "{trust}"
    );
    assert!(
        tags.contains(&("onramp:managed-by".to_owned(), "onramp".to_owned())),
        "{tags:?}"
    );
    let journal = std::fs::read_to_string(dir.path().join("j.jsonl")).unwrap();
    let adopted: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "adopt" && e["name"] == "ecsInstanceRole")
        .collect();
    assert_eq!(adopted.len(), 1, "{journal}");
    assert_eq!(
        adopted[0]["before"]["trust_policy"],
        onramp_testkit::tui::lambda_trust(),
        "{journal}"
    );
    // The adoption is recorded before the call that changes the role.
    let at = |needle: &str| {
        journal
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}:\n{journal}"))
    };
    assert!(
        at("\"event\":\"adopt\"") < at("UpdateAssumeRolePolicy"),
        "{journal}"
    );

    // The choice is an answer not saved yet: q asks.
    t.send("q");
    t.wait_for("Your answers are not saved");
    t.send("y");
    assert_eq!(t.wait_exit(), 0);
    t.assert_terminal_restored();
}

#[test]
fn keeping_a_hand_made_role_on_moto_leaves_it_as_it_was() {
    let (runtime, account) = moto_account_with_a_hand_made_role();
    let before = role_on_moto(&runtime, &account);
    let dir = tempfile::tempdir().unwrap();
    let mut t = moto_wizard(&account, dir.path(), &account.endpoint).spawn();
    choose_on_the_conflict(&mut t, &account, "k", "= kept");
    t.assert_shows("kept as it is: onramp changes nothing on it");

    // Saved with the answers, as a top-level key the headless run reads.
    t.send("s");
    t.wait_for("saved the answers to");
    let saved = std::fs::read_to_string(dir.path().join("answers.toml")).unwrap();
    let answers = Answers::from_toml(&saved).unwrap_or_else(|e| panic!("{e}:\n{saved}"));
    assert_eq!(answers.keep, ["ecsInstanceRole"], "{saved}");

    enter(&mut t, PREVIEW);
    enter(&mut t, CONFIRM);
    let confirm = t.wait_for("Kept as they are (your choice): role ecsInstanceRole");
    assert!(
        !confirm.contains("update role ecsInstanceRole"),
        "{confirm}"
    );
    t.send("y");
    t.wait_for(APPLY);
    t.wait_for_within("done: ", Duration::from_secs(90));

    assert_eq!(role_on_moto(&runtime, &account), before);
    let iam = moto::iam_client(&account);
    let attached = runtime.block_on(async {
        iam.list_attached_role_policies()
            .role_name("ecsInstanceRole")
            .send()
            .await
            .unwrap()
            .attached_policies
            .unwrap_or_default()
    });
    assert!(attached.is_empty(), "{attached:?}");
    let journal = std::fs::read_to_string(dir.path().join("j.jsonl")).unwrap();
    assert!(!journal.contains("\"event\":\"adopt\""), "{journal}");
    assert!(
        !journal
            .lines()
            .any(|l| l.contains("\"name\":\"ecsInstanceRole\"") && l.contains("\"kind\":\"role\"")),
        "no call on the kept role:\n{journal}"
    );
    quit_cleanly(&mut t);
}
