//! Roll-out beyond one account, as README.md's "Many accounts" shows it:
//! the service-managed StackSets commands are taken from the README and run,
//! as written, against an organization in moto; the Customizations for
//! Control Tower manifest entry is checked against the schema CfCT itself
//! validates manifests with (pinned in tests/fixtures/cfct/).

use std::path::{Path, PathBuf};
use std::process::Command;

use onramp_testkit::command::succeeded;
use onramp_testkit::files;
use onramp_testkit::moto;
use serde_json::Value;

use super::export::{
    applied_by_onramp, assert_same, aws, deployed_read_back, exported_template,
    wait_for_stack_set_operation, without_untaggable_tags,
};

/// The OU id the README's commands name, replaced by the one moto makes.
const README_OU: &str = "ou-abcd-11111111";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The fenced blocks of `markdown` tagged `language`, each as its text.
fn fenced_blocks(markdown: &str, language: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match (fence, current.as_mut()) {
            (Some(_), Some(_)) => blocks.extend(current.take()),
            (Some(tag), None) if tag.trim() == language => current = Some(String::new()),
            (Some(_), None) => current = None,
            (None, Some(text)) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// The one README block of `language` that holds `marker`.
fn readme_block(language: &str, marker: &str) -> String {
    let found: Vec<String> = fenced_blocks(&readme(), language)
        .into_iter()
        .filter(|block| block.contains(marker))
        .collect();
    assert_eq!(found.len(), 1, "README {language} blocks with {marker:?}");
    found.into_iter().next().unwrap_or_default()
}

/// The commands of a shell block, continuation lines joined, as words
/// (the README's roll-out commands use no quotes).
fn commands(block: &str) -> Vec<Vec<String>> {
    block
        .replace("\\\n", " ")
        .lines()
        .map(|line| line.split_whitespace().map(str::to_owned).collect())
        .filter(|words: &Vec<String>| !words.is_empty())
        .collect()
}

#[test]
fn the_fenced_block_reader_keeps_only_the_language_asked_for() {
    let markdown = "```sh\na \\\n  b\nc\n```\n```yaml\nd: 1\n```\n```\ne\n```\n";
    assert_eq!(fenced_blocks(markdown, "sh"), ["a \\\n  b\nc\n"]);
    assert_eq!(fenced_blocks(markdown, "yaml"), ["d: 1\n"]);
    assert_eq!(commands("a \\\n  b\nc\n"), [vec!["a", "b"], vec!["c"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_service_managed_stack_set_reaches_every_account_of_the_ou() {
    let file = "genomics.toml";
    let reference = without_untaggable_tags(applied_by_onramp(file).await);
    let admin = moto::fresh_account().await;
    let home = tempfile::tempdir().unwrap();
    let org = |args: &[&str]| {
        let mut full = vec!["organizations"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["--output", "text"]);
        aws(&admin, home.path(), &full).trim().to_owned()
    };

    // An organization with an OU of two member accounts, and StackSets
    // trusted by Organizations, as the README asks.
    org(&["create-organization", "--feature-set", "ALL"]);
    org(&[
        "enable-aws-service-access",
        "--service-principal",
        "member.org.stacksets.cloudformation.amazonaws.com",
    ]);
    let root = org(&["list-roots", "--query", "Roots[0].Id"]);
    let ou = org(&[
        "create-organizational-unit",
        "--parent-id",
        &root,
        "--name",
        "Research",
        "--query",
        "OrganizationalUnit.Id",
    ]);
    let mut members = Vec::new();
    for n in 0..2 {
        let email = format!("member{n}@example.com");
        let name = format!("member{n}");
        let id = org(&[
            "create-account",
            "--email",
            &email,
            "--account-name",
            &name,
            "--query",
            "CreateAccountStatus.AccountId",
        ]);
        org(&[
            "move-account",
            "--account-id",
            &id,
            "--source-parent-id",
            &root,
            "--destination-parent-id",
            &ou,
        ]);
        members.push(id);
    }

    // The template where the README's commands look for it.
    let template = exported_template(home.path(), file);
    let block = readme_block("sh", "--permission-model SERVICE_MANAGED");
    let mut operation = None;
    for words in commands(&block) {
        assert_eq!(words[0], "aws", "a README roll-out command: {words:?}");
        let args: Vec<String> = words[1..]
            .iter()
            .map(|w| w.replace(README_OU, &ou))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = aws(&admin, home.path(), &args);
        if args[1] == "create-stack-instances" {
            let answer: Value = serde_json::from_str(&out).unwrap();
            operation = answer["OperationId"].as_str().map(str::to_owned);
        }
    }
    let operation = operation.unwrap_or_else(|| panic!("no create-stack-instances in {block}"));
    wait_for_stack_set_operation(&admin, home.path(), "onramp-iam", &operation);

    let listed = aws(
        &admin,
        home.path(),
        &[
            "cloudformation",
            "list-stack-instances",
            "--stack-set-name",
            "onramp-iam",
            "--query",
            "Summaries[].Account",
            "--output",
            "text",
        ],
    );
    let mut instances: Vec<&str> = listed.split_whitespace().collect();
    instances.sort_unstable();
    let mut expected: Vec<&str> = members.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(
        instances, expected,
        "stack instances: one per account of the OU"
    );

    for id in members {
        let member = moto::account(id.clone()).await;
        let deployed = deployed_read_back(&member, file, &template, "us-east-1").await;
        assert_same(&format!("member account {id}"), &deployed, &reference);
    }
}

/// Whether pykwalify, as CfCT runs it, accepts `manifest` under the pinned
/// schema; its complaint when not.
fn cfct_validates(manifest: &Path) -> Result<(), String> {
    const VALIDATE: &str = r#"
import logging, sys
from pykwalify.core import Core
logging.disable(logging.CRITICAL)
try:
    Core(source_data=None, source_file=sys.argv[1], schema_files=[sys.argv[2]]).validate(raise_exception=True)
except Exception as e:
    print(e)
    sys.exit(1)
"#;
    let schema = root().join("tests/fixtures/cfct/manifest-v2.schema.yaml");
    let o = Command::new(files::venv_bin("python"))
        .args(["-c", VALIDATE])
        .arg(manifest)
        .arg(&schema)
        .output()
        .unwrap();
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ))
    }
}

/// The manifest as JSON, read by PyYAML's safe loader; its `version` is a
/// date (CfCT's schema wants one), written as its ISO text.
fn manifest_as_json(path: &Path) -> Value {
    const LOADER: &str =
        "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])), default=str))";
    let o = Command::new(files::venv_bin("python"))
        .args(["-c", LOADER])
        .arg(path)
        .output()
        .unwrap();
    serde_json::from_str(&succeeded("reading the manifest with PyYAML", o)).unwrap()
}

#[test]
fn the_readme_control_tower_manifest_entry_passes_the_cfct_schema() {
    let manifest = readme_block("yaml", "deploy_method: stack_set");
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let written = write("manifest.yaml", &manifest);
    if let Err(why) = cfct_validates(&written) {
        panic!("CfCT would refuse the README's manifest: {why}\n{manifest}");
    }
    // The check can fail: a misspelt deploy method and a missing target are refused.
    let misspelt = manifest.replace("deploy_method: stack_set", "deploy_method: stackset");
    assert!(cfct_validates(&write("misspelt.yaml", &misspelt)).is_err());
    let untargeted = manifest.replace("    deployment_targets:\n", "    targets:\n");
    assert!(cfct_validates(&write("untargeted.yaml", &untargeted)).is_err());

    let parsed = manifest_as_json(&written);
    assert_eq!(parsed["version"], "2021-03-15");
    let resources = parsed["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1);
    let entry = &resources[0];
    // CfCT's rule for a resource name: a letter, then letters, digits and hyphens.
    let name = entry["name"].as_str().unwrap();
    assert!(
        name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "{name}"
    );
    // IAM is global: one region, or the second stack instance collides.
    assert_eq!(entry["regions"].as_array().map(Vec::len), Some(1));
    // The file is a CloudFormation template as `export` writes one.
    let file = entry["resource_file"].as_str().unwrap();
    assert!(file.ends_with(".cfn.yaml"), "{file}");
    assert!(
        Path::new(file).is_relative(),
        "{file}: a path inside the configuration package"
    );
    assert!(
        !entry["deployment_targets"]["organizational_units"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
