//! The `onramp` binary as a user runs it: output, files and exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn onramp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onramp"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // Results must not depend on the machine's AWS settings.
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn plan_json_of_everything_is_stable() {
    let o = onramp(&[
        "plan",
        "--answers",
        "examples/everything.toml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let value: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let resources = value["resources"].as_array().unwrap();
    // The contract of DESIGN.md: kind, name, path, depends_on, and the kind's fields.
    for r in resources {
        for key in ["kind", "name", "path", "depends_on"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        match r["kind"].as_str().unwrap() {
            "managed_policy" => assert!(r["document"].is_object()),
            "role" => {
                assert!(r["trust_policy"].is_object());
                assert!(r["managed_policy_arns"].is_array());
                assert!(r["inline_policies"].is_object());
            }
            "instance_profile" => assert!(r["roles"].is_array()),
            other => panic!("unknown kind {other}"),
        }
    }
    insta::assert_snapshot!("plan_everything_json", stdout(&o));
}

#[test]
fn the_same_answers_give_byte_identical_plans() {
    let a = onramp(&[
        "plan",
        "--answers",
        "examples/everything.toml",
        "--format",
        "json",
    ]);
    let b = onramp(&[
        "plan",
        "--answers",
        "examples/everything.toml",
        "--format",
        "json",
    ]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn plan_text_is_a_readable_tree() {
    let o = onramp(&["plan", "--answers", "examples/genomics.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("Plan for account 123456789012 in us-east-1 (partition aws)\n"),
        "{text}"
    );
    assert!(
        text.contains("7 resources: 2 managed policies, 4 roles, 1 instance profile"),
        "{text}"
    );
    assert!(text.contains("1. managed policy s3bucket-access-us-east-1\n"));
    assert!(text.contains("role ecsInstanceRole\n"));
    assert!(text.contains("instance profile ecsInstanceRole\n"));
    assert!(text.contains(
        "     - arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role\n"
    ));
    assert!(
        text.contains("\"Service\": \"ec2.amazonaws.com\""),
        "documents are pretty-printed"
    );
    assert!(text.contains("Findings: 0 errors"), "{text}");
}

#[test]
fn each_example_plans_cleanly() {
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")).unwrap()
    {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let o = onramp(&[
            "plan",
            "--answers",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            stderr(&o)
        );
        let value: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let errors: Vec<_> = value["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["level"] == "error")
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

#[test]
fn export_policies_writes_one_file_per_document() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("policies");
    let o = onramp(&[
        "export",
        "--answers",
        "examples/everything.toml",
        "--format",
        "policies",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let plan = onramp(&[
        "plan",
        "--answers",
        "examples/everything.toml",
        "--format",
        "json",
    ]);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&plan)).unwrap();
    let mut expected = Vec::new();
    for r in plan["resources"].as_array().unwrap() {
        let name = r["name"].as_str().unwrap();
        match r["kind"].as_str().unwrap() {
            "managed_policy" => expected.push((format!("{name}.json"), r["document"].clone())),
            "role" => {
                expected.push((format!("{name}.trust.json"), r["trust_policy"].clone()));
                // The HealthOmics service role's permissions are inline.
                for (policy, document) in r["inline_policies"].as_object().into_iter().flatten() {
                    expected.push((format!("{name}.inline.{policy}.json"), document.clone()));
                }
            }
            _ => {}
        }
    }
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    let mut names: Vec<String> = expected.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    assert_eq!(written, names);
    for (file, document) in expected {
        let text = std::fs::read_to_string(out.join(&file)).unwrap();
        assert!(text.ends_with("}\n"));
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, document, "{file}");
    }
    assert!(stdout(&o).contains(&format!("wrote {} policy documents", names.len())));
}

#[test]
fn export_without_out_is_a_usage_error() {
    let o = onramp(&[
        "export",
        "--answers",
        "examples/genomics.toml",
        "--format",
        "policies",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out"), "{}", stderr(&o));
}

#[test]
fn the_runbook_goes_to_standard_output_or_to_out() {
    let args = [
        "export",
        "--answers",
        "examples/genomics.toml",
        "--format",
        "runbook",
    ];
    let o = onramp(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let printed = stdout(&o);
    assert!(
        printed.starts_with("# IAM runbook for account 123456789012 (us-east-1)"),
        "{printed}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("onramp.runbook.md");
    let mut with_out = args.to_vec();
    with_out.extend(["--out", file.to_str().unwrap()]);
    let o = onramp(&with_out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("wrote "), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), printed);
}

#[test]
fn cloudformation_export_of_everything_is_stable() {
    let o = onramp(&[
        "export",
        "--answers",
        "examples/everything.toml",
        "--format",
        "cloudformation",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let template = stdout(&o);
    // Account neutral: the example's account id appears nowhere.
    assert!(!template.contains("123456789012"), "{template}");
    insta::assert_snapshot!("export_everything_cloudformation", template);
}

#[test]
fn cli_export_of_everything_is_stable_and_valid_bash() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("onramp.sh");
    let o = onramp(&[
        "export",
        "--answers",
        "examples/everything.toml",
        "--format",
        "cli",
        "--out",
        script.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("wrote {}\n", script.display()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "the script is executable: {mode:o}");
    }
    // bash -n parses the whole script without running it.
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.starts_with("#!/usr/bin/env bash\n"), "{text}");
    assert!(text.contains("set -euo pipefail"), "{text}");
    insta::assert_snapshot!("export_everything_cli", text);
}

#[test]
fn a_failed_export_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no-such-dir").join("onramp.cfn.yaml");
    let o = onramp(&[
        "export",
        "--answers",
        "examples/genomics.toml",
        "--format",
        "cloudformation",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("cannot write {}", out.display())),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");
}

#[test]
fn a_plan_with_lint_errors_exits_1_and_exports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.toml");
    let extra: Vec<String> = (0..12)
        .map(|i| format!("\"arn:aws:iam::aws:policy/Extra{i}\""))
        .collect();
    std::fs::write(
        &answers,
        format!("region = \"us-east-1\"\naccount_id = \"123456789012\"\n[genomics]\nbuckets = [\"data-bucket\"]\njob_role_policy_arns = [{}]\n", extra.join(", ")),
    )
    .unwrap();
    let o = onramp(&["plan", "--answers", answers.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("error [attached-policies] BatchJobRole"),
        "{}",
        stdout(&o)
    );

    let out = dir.path().join("out");
    let o = onramp(&[
        "export",
        "--answers",
        answers.to_str().unwrap(),
        "--format",
        "policies",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nothing exported"), "{}", stderr(&o));
    assert!(
        !out.exists(),
        "no file may be written for a plan with errors"
    );
}

#[test]
fn demo_needs_no_answers_and_no_credentials() {
    let o = onramp(&["--demo", "plan"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("Plan for account 123456789012 in us-east-1"),
        "{text}"
    );
    assert!(text.contains("onramp-demo-inputs"));
    let o = onramp(&["--demo", "plan", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = onramp(&["--demo", "--region", "eu-central-1", "plan"]);
    assert!(stdout(&o).contains("s3bucket-access-eu-central-1"));
}

#[test]
fn the_wizard_without_a_terminal_points_to_the_headless_commands() {
    for args in [&["--demo"][..], &[]] {
        let o = onramp(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains("the wizard needs a terminal"), "{err}");
        assert!(err.contains("onramp plan --demo"), "{err}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let o = onramp(&["plan"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--answers FILE is required"));
    let o = onramp(&[
        "plan",
        "--answers",
        "examples/genomics.toml",
        "--format",
        "yaml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = onramp(&[
        "plan",
        "--answers",
        "examples/genomics.toml",
        "--region",
        "eu-west-1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("region: the answers file says `us-east-1` but --region says `eu-west-1`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn region_comes_from_the_environment_when_the_file_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("a.toml");
    std::fs::write(
        &answers,
        "account_id = \"123456789012\"\n[genomics]\nbuckets = [\"data-bucket\"]\n",
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_onramp"))
        .args(["plan", "--answers", answers.to_str().unwrap()])
        .env_remove("AWS_REGION")
        .env("AWS_DEFAULT_REGION", "us-gov-west-1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("in us-gov-west-1 (partition aws-us-gov)"));
    let o = Command::new(env!("CARGO_BIN_EXE_onramp"))
        .args(["plan", "--answers", answers.to_str().unwrap()])
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_DEFAULT_REGION", "us-gov-west-1")
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("in eu-north-1 (partition aws)"),
        "AWS_REGION wins over AWS_DEFAULT_REGION"
    );
}

#[test]
fn help_shows_examples_for_every_command() {
    for args in [&["--help"][..], &["plan", "--help"], &["export", "--help"]] {
        let o = onramp(args);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains("Example"), "{args:?}");
    }
    // The commands that change the account say what Ctrl-C does.
    for command in ["apply", "destroy"] {
        let o = onramp(&[command, "--help"]);
        let help = stdout(&o);
        assert!(
            help.contains("Ctrl-C stops after the") && help.contains("exits 130"),
            "{command} --help:\n{help}"
        );
    }
}

/// `adopt` and `keep` are for `apply`: an export that cannot act on them
/// says so, and one they do not concern says nothing.
#[test]
fn an_export_says_what_it_does_with_adopt_and_keep() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("adopting.toml");
    let genomics = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/genomics.toml"),
    )
    .unwrap();
    std::fs::write(&answers, format!("adopt = [\"*\"]\n{genomics}")).unwrap();
    let a = answers.to_str().unwrap();
    for (format, said) in [
        (
            "cloudformation",
            Some("a stack cannot create one that already exists"),
        ),
        ("cli", Some("adds to what exists")),
        ("runbook", Some("makes every planned resource as new")),
        ("admin-policy", None),
    ] {
        let o = onramp(&["export", "--answers", a, "--format", format]);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        match said {
            Some(text) => assert!(stderr(&o).contains(text), "{format}: {}", stderr(&o)),
            None => assert!(!stderr(&o).contains("adopt"), "{format}: {}", stderr(&o)),
        }
    }
    let plain = onramp(&[
        "export",
        "--answers",
        "examples/genomics.toml",
        "--format",
        "cloudformation",
    ]);
    assert!(!stderr(&plain).contains("adopt"), "{}", stderr(&plain));
}
