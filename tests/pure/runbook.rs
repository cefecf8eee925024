//! `export --format runbook`: for every example, each planned resource has
//! its step, each document to paste is exactly the plan's (hand edits
//! included), each partition links its own console, and a step the console
//! cannot do says so and gives the commands. The runbook's commands are run
//! on moto in `export.rs`.

use std::path::Path;
use std::process::Command;

use onramp::answers::Answers;
use onramp::answers::edit::Edit;
use onramp::export::runbook::runbook;
use onramp::iam::names::EntityKind;
use onramp::plan::Plan;
use onramp_testkit::command::succeeded;
use onramp_testkit::files::{example, root};
use serde_json::{Value, json};

use crate::export::plan_of;

/// One fenced block of the runbook.
#[derive(Debug)]
pub struct Block {
    /// What follows the opening fence: `sh`, `json`, `text`.
    pub info: String,
    /// The last non-blank line before the block.
    pub label: String,
    pub text: String,
}

/// Every fenced block of a Markdown text, in order.
pub fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut label = String::new();
    let mut open: Option<(String, String, Vec<&str>)> = None;
    for line in markdown.lines() {
        match &mut open {
            Some((info, before, lines)) => {
                if line == "```" {
                    out.push(Block {
                        info: std::mem::take(info),
                        label: std::mem::take(before),
                        text: lines.join("\n"),
                    });
                    open = None;
                } else {
                    lines.push(line);
                }
            }
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    open = Some((info.to_owned(), label.clone(), Vec::new()));
                } else if !line.trim().is_empty() {
                    label = line.to_owned();
                }
            }
        }
    }
    assert!(open.is_none(), "a block is never closed:\n{markdown}");
    out
}

/// Every example answers file.
fn examples() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    files
}

/// The section of the runbook for the `index`th resource (from its heading
/// to the next one).
fn section(text: &str, index: usize) -> &str {
    let start = text
        .find(&format!("\n## Step {}: ", index + 1))
        .unwrap_or_else(|| panic!("no step {}", index + 1));
    let rest = &text[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |at| at + 3);
    &rest[..end]
}

/// Asserts that each JSON block is the plan's document it is labelled for,
/// and that every document of the plan has its block.
fn assert_documents_are_the_plans(plan: &Plan, text: &str, file: &str) {
    let mut seen = Vec::new();
    for block in blocks(text).iter().filter(|b| b.info == "json") {
        // "Document `LABEL` of NOUN `NAME`:"
        let (label, rest) = block
            .label
            .strip_prefix("Document `")
            .and_then(|l| l.split_once("` of "))
            .unwrap_or_else(|| panic!("{file}: a JSON block without its label: {block:?}"));
        let (noun, name) = rest
            .strip_suffix("`:")
            .and_then(|r| r.split_once(" `"))
            .unwrap();
        let resource = plan
            .resources
            .iter()
            .find(|r| r.noun() == noun && r.name == name)
            .unwrap_or_else(|| panic!("{file}: no {noun} {name} in the plan"));
        let planned = resource
            .documents()
            .into_iter()
            .find(|(l, _)| l == label)
            .unwrap_or_else(|| panic!("{file}: {noun} {name} has no document {label}"))
            .1
            .clone();
        let pasted: Value = serde_json::from_str(&block.text)
            .unwrap_or_else(|e| panic!("{file}: {noun} {name} {label} is no JSON: {e}"));
        assert_eq!(pasted, planned, "{file}: {noun} {name} {label}");
        seen.push(format!("{noun} {name} {label}"));
    }
    for r in &plan.resources {
        for (label, _) in r.documents() {
            let key = format!("{} {} {label}", r.noun(), r.name);
            assert_eq!(
                seen.iter().filter(|s| **s == key).count(),
                1,
                "{file}: {key} is pasted once"
            );
        }
    }
}

#[test]
fn every_example_has_a_step_per_resource_with_the_plans_documents() {
    for file in examples() {
        let plan = plan_of(&example(&file));
        let text = runbook(&plan);
        for (index, r) in plan.resources.iter().enumerate() {
            let section = section(&text, index);
            let heading = section.lines().next().unwrap();
            assert!(
                heading.starts_with(&format!("## Step {}: ", index + 1))
                    && heading.ends_with(&format!("`{}`", r.name))
                    && heading.to_lowercase().contains(&format!("{} `", r.noun())),
                "{file}: {heading}"
            );
            // Its table of contents entry, and each step it needs named as earlier.
            assert!(
                text.contains(&format!("{}. [{}]", index + 1, &heading[3..])),
                "{file}: {heading} is not in the contents"
            );
            for needed in &r.depends_on {
                let at = plan
                    .resources
                    .iter()
                    .position(|o| o.id() == *needed)
                    .unwrap();
                assert!(at < index, "{file}: {} before {}", needed.name, r.name);
                assert!(
                    section.contains(&format!("Step {}: ", at + 1)),
                    "{file}: {} does not say it needs step {}",
                    r.name,
                    at + 1
                );
            }
            // The commands create it, with its name (AWS names a service-linked role).
            let sh: Vec<Block> = blocks(section)
                .into_iter()
                .filter(|b| b.info == "sh")
                .collect();
            assert!(
                sh.first()
                    .is_some_and(|b| (b.text.contains(&r.name) || r.is_service_linked())
                        && b.text.starts_with("aws iam create-")),
                "{file}: {}",
                r.name
            );
        }
        assert_documents_are_the_plans(&plan, &text, &file);
        assert!(text.contains(&format!("account {}", plan.target.account_id)));
        assert!(text.contains("--format admin-policy"), "{file}");
        assert!(text.contains("onramp status --answers"), "{file}");
        assert!(text.contains("onramp verify --answers"), "{file}");
    }
}

#[test]
fn a_hand_edit_is_what_the_runbook_pastes_and_runs() {
    let text = example("genomics.toml");
    let mut answers = Answers::from_toml(&text).unwrap();
    let plan = plan_of(&text);
    let role = plan.get(EntityKind::Role, "BatchJobRole").unwrap();
    let generated = role.role().unwrap().trust_policy.clone();
    let mut edited = generated.clone();
    edited["Statement"][0]["Sid"] = json!("EditedByHand");
    answers
        .edits
        .push(Edit::new(&role.id(), "trust_policy", &generated, &edited));

    // Through the command, as a person would export it (to standard output).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("answers.toml");
    std::fs::write(&file, answers.to_toml()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_onramp"))
        .args(["--demo", "export", "--format", "runbook", "--answers"])
        .arg(&file)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let runbook_text = succeeded("onramp export --format runbook", o);

    let edited_plan = plan_of(&answers.to_toml());
    assert_documents_are_the_plans(&edited_plan, &runbook_text, "the edited genomics");
    let trust = blocks(&runbook_text)
        .into_iter()
        .find(|b| b.label == "Document `trust_policy` of role `BatchJobRole`:")
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&trust.text).unwrap(), edited);
    // The commands create the edited trust policy, not the generated one.
    let create = blocks(&runbook_text)
        .into_iter()
        .find(|b| b.info == "sh" && b.text.contains("create-role --role-name BatchJobRole"))
        .unwrap();
    assert!(
        create.text.contains(r#""Sid":"EditedByHand""#),
        "{}",
        create.text
    );
    assert!(!runbook(&plan).contains("EditedByHand"));
}

#[test]
fn each_partition_links_its_own_console() {
    let china = example("genomics.toml").replace("us-east-1", "cn-north-1");
    let text = runbook(&plan_of(&china));
    assert!(
        text.contains("<https://console.amazonaws.cn/iam/>"),
        "{text}"
    );
    assert!(!text.contains("console.aws.amazon.com"));
    assert!(text.contains("- **Partition:** `aws-cn`"));
    assert!(text.contains("arn:aws-cn:s3:::my-gwf-data"));

    let gov = example("genomics.toml").replace("us-east-1", "us-gov-west-1");
    let text = runbook(&plan_of(&gov));
    assert!(text.contains("<https://console.amazonaws-us-gov.com/iam/>"));
    assert!(!text.contains("console.aws.amazon.com"));

    let text = runbook(&plan_of(&example("genomics.toml")));
    assert!(text.contains("<https://console.aws.amazon.com/iam/>"));
    assert!(text.contains("- **Buckets:** `my-gwf-data`, `my-gwf-results`"));
}

#[test]
fn a_step_at_another_path_says_the_console_cannot_and_gives_the_command() {
    let plan = plan_of(&example("everything.toml"));
    let text = runbook(&plan);
    let mut elsewhere = 0;
    for (index, r) in plan.resources.iter().enumerate() {
        let section = section(&text, index);
        let console = &section[..section.find("### With the AWS CLI").unwrap()];
        if r.path == "/" {
            continue;
        }
        elsewhere += 1;
        assert!(
            console.contains("**The console cannot do this step:**")
                && console.contains(&format!("`{}`", r.path)),
            "{console}"
        );
        assert!(!console.contains("Create role**.") && !console.contains("Create policy**."));
        let create = &blocks(section)
            .into_iter()
            .find(|b| b.info == "sh")
            .unwrap()
            .text;
        assert!(
            create.contains(&format!("--path {}", r.path)) || r.is_service_linked(),
            "{create}"
        );
    }
    assert!(
        elsewhere >= 5,
        "everything.toml puts its resources at /onramp/"
    );
}

#[test]
fn an_instance_profile_says_when_the_console_makes_it_with_its_role() {
    // genomics: ecsInstanceRole and its profile share a name at `/`.
    let plan = plan_of(&example("genomics.toml"));
    let text = runbook(&plan);
    let at = plan
        .resources
        .iter()
        .position(|r| r.kind() == EntityKind::InstanceProfile)
        .unwrap();
    let profile = section(&text, at);
    assert!(
        profile.contains("together with a role for EC2"),
        "{profile}"
    );
    assert!(!profile.contains("The console cannot do this step"));
    assert!(
        profile.contains("aws iam tag-instance-profile --instance-profile-name ecsInstanceRole")
    );

    // parallelcluster3: at /parallelcluster/, which the console cannot.
    let plan = plan_of(&example("parallelcluster3-slurm.toml"));
    let text = runbook(&plan);
    let mut elsewhere = 0;
    for (index, r) in plan.resources.iter().enumerate() {
        if r.kind() == EntityKind::InstanceProfile && r.path != "/" {
            elsewhere += 1;
            let profile = section(&text, index);
            assert!(
                profile.contains("**The console cannot do this step:**")
                    && profile.contains(&format!("its path is `{}`", r.path)),
                "{profile}"
            );
        }
    }
    assert_eq!(elsewhere, 3, "head node, compute node and image builder");
}

#[test]
fn a_service_linked_role_says_how_it_is_made_and_that_one_existing_is_fine() {
    let plan = plan_of(&example("genomics-service-linked.toml"));
    let text = runbook(&plan);
    let at = plan
        .resources
        .iter()
        .position(|r| r.is_service_linked())
        .unwrap();
    let section = section(&text, at);
    assert!(section.contains("it is fine that it exists"), "{section}");
    assert!(
        section
            .contains("aws iam create-service-linked-role --aws-service-name batch.amazonaws.com")
    );
    assert!(section.contains("aws iam get-role --role-name AWSServiceRoleForBatch"));
    assert!(!text.contains("AWSBatchServiceRole`"));
}

#[test]
fn the_genomics_runbook() {
    // Without the version, which changes on every release.
    let text =
        runbook(&plan_of(&example("genomics.toml"))).replace(env!("CARGO_PKG_VERSION"), "VERSION");
    insta::assert_snapshot!("runbook_genomics", text);
}

/// The file name the export and the wizard give a runbook.
#[test]
fn a_runbook_is_a_markdown_file_named_for_its_account_and_region() {
    let format = onramp::export::Format::Runbook;
    assert_eq!(
        format.file_name("123456789012", "eu-west-1"),
        "onramp-123456789012-eu-west-1.runbook.md"
    );
    assert_eq!(format.noun(), "runbook");
    assert!(Path::new(&format.file_name("1", "r")).extension().is_some());
}
