//! The exports, checked by the tools that consume them: cfn-lint reads every
//! template; moto's CloudFormation deploys it; the AWS CLI runs the script.
//! Each end state is read back through the SDK and compared field by field
//! with what `onramp apply` of the same answers makes in another fresh
//! account. `bash .ci/run` installs cfn-lint and the AWS CLI into `.venv/`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use onramp::answers::{Answers, Environment};
use onramp::cloud::Cloud;
use onramp::plan::{InstanceProfileSpec, Plan, RoleSpec, Spec, plan};
use onramp_testkit::command;
use onramp_testkit::command::succeeded;
use onramp_testkit::files;
use onramp_testkit::files::example;
use onramp_testkit::moto;
use onramp_testkit::moto::TestAccount;
use serde_json::{Value, json};

/// The account the example answers files are written for.
const EXAMPLE_ACCOUNT: &str = "123456789012";

/// The example's answers, for `account`.
fn answers_for(file: &str, account: &str) -> String {
    example(file).replace(EXAMPLE_ACCOUNT, account)
}

fn plan_of(toml: &str) -> Plan {
    let valid = Answers::from_toml(toml)
        .unwrap()
        .validate(&Environment::default())
        .unwrap_or_else(|e| panic!("{e}"));
    plan(&valid).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A command whose environment reaches nothing but what the test names: no
/// profile files, no IMDS, no region of the machine's, and the tools of
/// `.venv/bin` first on the PATH.
fn isolated(program: &Path, home: &Path) -> Command {
    let venv = files::venv_bin("python");
    let path = format!(
        "{}:{}",
        venv.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new(program);
    cmd.current_dir(home)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"));
    cmd
}

/// `cmd` with the account's credentials, sending every call to moto.
fn as_account<'a>(cmd: &'a mut Command, account: &TestAccount) -> &'a mut Command {
    command::with_credentials(cmd, &account.credentials)
        .env("AWS_ENDPOINT_URL", &account.endpoint)
        .env("AWS_DEFAULT_REGION", "us-east-1")
}

fn onramp(home: &Path, args: &[&str]) -> String {
    let o = isolated(Path::new(env!("CARGO_BIN_EXE_onramp")), home)
        .args(args)
        .output()
        .unwrap();
    succeeded(&format!("onramp {args:?}"), o)
}

/// `onramp export --answers FILE --format FORMAT --out OUT`.
fn export(home: &Path, answers: &Path, format: &str, out: &Path) {
    onramp(
        home,
        &[
            "export",
            "--answers",
            answers.to_str().unwrap(),
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ],
    );
}

/// An example answers file's path.
fn example_path(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(file)
}

/// `aws ARGS` on the account.
fn aws(account: &TestAccount, home: &Path, args: &[&str]) -> String {
    let o = as_account(&mut isolated(&files::venv_bin("aws"), home), account)
        .args(args)
        .output()
        .unwrap();
    succeeded(&format!("aws {args:?}"), o)
}

/// Creates what the everything example assumes exists: its permissions boundary.
async fn prepare(account: &TestAccount, toml: &str) {
    if toml.contains("lab-boundary") {
        moto::iam_client(account)
            .create_policy()
            .policy_name("lab-boundary")
            .policy_document(
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
                    .to_string(),
            )
            .send()
            .await
            .unwrap();
    }
}

/// Everything IAM holds for the planned resources, read through the SDK, with
/// the account id written `ACCOUNT` so that two accounts compare.
async fn read_back(account: &TestAccount, plan: &Plan) -> BTreeMap<String, Value> {
    let cloud = moto::connect(account, &account.endpoint).await;
    let mut out = BTreeMap::new();
    for r in &plan.resources {
        let key = format!("{} {}", r.kind().noun(), r.name);
        let missing = format!("{key} does not exist in account {}", account.account_id);
        let value = match &r.spec {
            Spec::ManagedPolicy(_) => {
                let info = cloud.get_policy(&r.arn).await.unwrap().expect(&missing);
                let document = cloud
                    .get_policy_version(&r.arn, &info.default_version_id)
                    .await
                    .unwrap();
                json!({"arn": info.arn, "path": info.path, "document": document, "tags": info.tags})
            }
            Spec::Role(_) => {
                let info = cloud.get_role(&r.name).await.unwrap().expect(&missing);
                let mut attached = cloud.list_attached_role_policies(&r.name).await.unwrap();
                attached.sort();
                let mut inline = BTreeMap::new();
                for name in cloud.list_role_policies(&r.name).await.unwrap() {
                    let doc = cloud.get_role_policy(&r.name, &name).await.unwrap();
                    inline.insert(name, doc);
                }
                json!({
                    "arn": info.arn,
                    "path": info.path,
                    "trust_policy": info.trust_policy,
                    "description": info.description,
                    "permissions_boundary": info.permissions_boundary,
                    "tags": info.tags,
                    "attached": attached,
                    "inline": inline,
                })
            }
            Spec::InstanceProfile(_) => {
                let info = cloud
                    .get_instance_profile(&r.name)
                    .await
                    .unwrap()
                    .expect(&missing);
                json!({"arn": info.arn, "path": info.path, "roles": info.roles, "tags": info.tags})
            }
            Spec::ServiceLinkedRole(_) => {
                let info = cloud.get_role(&r.name).await.unwrap().expect(&missing);
                json!({"arn": info.arn, "path": info.path, "trust_policy": info.trust_policy})
            }
        };
        out.insert(key, neutral(value, &account.account_id));
    }
    out
}

/// The value with the account id written `ACCOUNT`.
fn neutral(value: Value, account_id: &str) -> Value {
    serde_json::from_str(&value.to_string().replace(account_id, "ACCOUNT")).unwrap()
}

/// Applies the example with onramp into a fresh account and reads it back:
/// the reference every export is held to.
async fn applied_by_onramp(file: &str) -> BTreeMap<String, Value> {
    let account = moto::fresh_account().await;
    let toml = answers_for(file, &account.account_id);
    prepare(&account, &toml).await;
    let home = tempfile::tempdir().unwrap();
    let answers = home.path().join("answers.toml");
    std::fs::write(&answers, &toml).unwrap();
    let o = as_account(
        &mut isolated(Path::new(env!("CARGO_BIN_EXE_onramp")), home.path()),
        &account,
    )
    .args(["apply", "--yes", "--answers", answers.to_str().unwrap()])
    .args(["--endpoint-url", &account.endpoint])
    .output()
    .unwrap();
    succeeded("onramp apply", o);
    read_back(&account, &plan_of(&toml)).await
}

/// A YAML file as JSON, read by PyYAML's safe loader (as CloudFormation
/// tools do) with the short-form functions in their long form
/// (`!Ref X` → `{"Ref": "X"}`). A value PyYAML would read as anything but
/// the intended string (a date, a boolean) makes the JSON differ.
fn yaml_as_json(path: &Path) -> Value {
    const LOADER: &str = r#"
import json, sys, yaml
def function(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else "Fn::" + suffix
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}
yaml.SafeLoader.add_multi_constructor("!", function)
print(json.dumps(yaml.safe_load(open(sys.argv[1]))))
"#;
    let o = Command::new(files::venv_bin("python"))
        .args(["-c", LOADER])
        .arg(path)
        .output()
        .unwrap();
    serde_json::from_str(&succeeded("reading the template with PyYAML", o)).unwrap()
}

/// Substitutes the pseudo parameters of a `Fn::Sub` string.
fn sub(text: &str, region: &str, account_id: &str) -> String {
    text.replace("${AWS::Partition}", "aws")
        .replace("${AWS::Region}", region)
        .replace("${AWS::AccountId}", account_id)
        .replace("${!", "${")
}

/// What the template asks to attach to each role, resolved as
/// CloudFormation would in `account_id`: `Ref` of a managed policy is its
/// ARN, `Fn::Sub` fills in the pseudo parameters.
fn template_attachments(
    template: &Value,
    region: &str,
    account_id: &str,
) -> BTreeMap<String, Vec<String>> {
    let resources = template["Resources"].as_object().unwrap();
    let mut out = BTreeMap::new();
    for resource in resources.values() {
        if resource["Type"] != "AWS::IAM::Role" {
            continue;
        }
        let props = &resource["Properties"];
        let mut arns: Vec<String> = props["ManagedPolicyArns"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|item| match item {
                Value::String(s) => s.clone(),
                Value::Object(f) if f.contains_key("Fn::Sub") => {
                    sub(f["Fn::Sub"].as_str().unwrap(), region, account_id)
                }
                Value::Object(f) if f.contains_key("Ref") => {
                    let target = &resources[f["Ref"].as_str().unwrap()];
                    assert_eq!(target["Type"], "AWS::IAM::ManagedPolicy");
                    let p = &target["Properties"];
                    format!(
                        "arn:aws:iam::{account_id}:policy{}{}",
                        p["Path"].as_str().unwrap(),
                        p["ManagedPolicyName"].as_str().unwrap()
                    )
                }
                other => panic!("unexpected ManagedPolicyArns item {other}"),
            })
            .collect();
        arns.sort();
        out.insert(props["RoleName"].as_str().unwrap().to_owned(), arns);
    }
    out
}

/// `aws --region REGION cloudformation ACTION --stack-name STACK …` on the account.
struct Stack<'a> {
    account: &'a TestAccount,
    home: &'a Path,
    region: &'a str,
    name: &'a str,
}

impl Stack<'_> {
    fn call(&self, action: &str, extra: &[&str]) -> String {
        let mut args = vec![
            "--region",
            self.region,
            "cloudformation",
            action,
            "--stack-name",
            self.name,
        ];
        args.extend_from_slice(extra);
        aws(self.account, self.home, &args)
    }

    /// `describe-stacks` narrowed to the first stack's `field`.
    fn describe(&self, field: &str, output: &str) -> String {
        let query = format!("Stacks[0].{field}");
        self.call("describe-stacks", &["--query", &query, "--output", output])
    }

    /// Creates the stack from a template file.
    fn create(&self, template: &Path) {
        let body = format!("file://{}", template.display());
        self.call(
            "create-stack",
            &[
                "--template-body",
                &body,
                "--capabilities",
                "CAPABILITY_NAMED_IAM",
            ],
        );
    }

    /// Waits for the stack to be created; its outputs by key.
    fn created(&self) -> BTreeMap<String, String> {
        let started = Instant::now();
        loop {
            match self.describe("StackStatus", "text").trim() {
                "CREATE_COMPLETE" => break,
                "CREATE_IN_PROGRESS" if started.elapsed() < Duration::from_secs(60) => {
                    std::thread::sleep(Duration::from_millis(200))
                }
                other => panic!(
                    "stack {} is {other}:\n{}",
                    self.name,
                    self.call("describe-stack-events", &[])
                ),
            }
        }
        let outputs: Value = serde_json::from_str(&self.describe("Outputs", "json")).unwrap();
        outputs
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["OutputKey"].as_str().unwrap().to_owned(),
                    o["OutputValue"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

#[test]
fn every_template_passes_cfn_lint_without_errors_or_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for file in [
        "genomics.toml",
        "parallelcluster-slurm.toml",
        "parallelcluster-awsbatch.toml",
        "parallelcluster3-slurm.toml",
        "parallelcluster3-awsbatch.toml",
        "everything.toml",
        "genomics-service-linked.toml",
        "omics.toml",
    ] {
        let out = dir.path().join(file.replace(".toml", ".yaml"));
        export(dir.path(), &example_path(file), "cloudformation", &out);
        files.push(out);
    }
    // The demo's answers too, through --demo.
    let demo = dir.path().join("demo.yaml");
    onramp(
        dir.path(),
        &[
            "export",
            "--demo",
            "--format",
            "cloudformation",
            "--out",
            demo.to_str().unwrap(),
        ],
    );
    files.push(demo);
    let o = Command::new(files::venv_bin("cfn-lint"))
        .args(&files)
        .output()
        .unwrap();
    // cfn-lint exits 0 only when it has nothing to report (2: errors,
    // 4: warnings, 8: informational), and then prints nothing.
    assert_eq!(
        o.status.code(),
        Some(0),
        "cfn-lint:\n{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert_eq!(text(&o.stdout), "");
}

/// What a stack made from `template` holds in `account`, read back as
/// [`read_back`] does, with the one property moto cannot show taken from
/// the template instead.
async fn deployed_read_back(
    account: &TestAccount,
    file: &str,
    template: &Path,
    region: &str,
) -> BTreeMap<String, Value> {
    // The plan, as it is for the account the stack went to.
    let plan = plan_of(&answers_for(file, &account.account_id));
    let mut deployed = read_back(account, &plan).await;
    let attachments = template_attachments(&yaml_as_json(template), region, &account.account_id);
    for (key, value) in deployed.iter_mut() {
        if let Some(role) = key.strip_prefix("role ") {
            // moto's CloudFormation ignores AWS::IAM::Role.ManagedPolicyArns
            // (it attaches nothing), so the attachments come from the
            // template, resolved for this account, instead of moto.
            let arns = attachments.get(role).cloned().unwrap_or_default();
            value
                .as_object_mut()
                .unwrap()
                .insert("attached".into(), neutral(json!(arns), &account.account_id));
        }
    }
    without_untaggable_tags(deployed)
}

/// CloudFormation cannot tag managed policies or instance profiles (neither
/// resource type has a Tags property), so their tags are left out of a
/// comparison with a stack.
fn without_untaggable_tags(mut read_back: BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    for (key, value) in read_back.iter_mut() {
        if !key.starts_with("role ") {
            value.as_object_mut().unwrap().remove("tags");
        }
    }
    read_back
}

/// Deploys the example's template (written for the example's account) into
/// a fresh moto account and compares the stack with `onramp apply`.
async fn stack_matches_apply(file: &str) {
    let reference = applied_by_onramp(file).await;

    let account = moto::fresh_account().await;
    prepare(&account, &example(file)).await;
    let home = tempfile::tempdir().unwrap();
    let template = home.path().join("onramp.cfn.yaml");
    export(
        home.path(),
        &example_path(file),
        "cloudformation",
        &template,
    );
    // The stack goes to the example's region, as the apply did.
    let region = plan_of(&example(file)).target.region;
    let stack = Stack {
        account: &account,
        home: home.path(),
        region: &region,
        name: "onramp",
    };
    stack.create(&template);
    let outputs = stack.created();

    let plan = plan_of(&answers_for(file, &account.account_id));
    let deployed = deployed_read_back(&account, file, &template, &region).await;
    assert_same("the stack", &deployed, &without_untaggable_tags(reference));

    // Every resource's ARN is an output, and it is the real one.
    assert_eq!(outputs.len(), plan.resources.len(), "{outputs:?}");
    let mut arns: Vec<&String> = outputs.values().collect();
    arns.sort();
    let mut planned: Vec<&String> = plan.resources.iter().map(|r| &r.arn).collect();
    planned.sort();
    assert_eq!(arns, planned);
}

/// The StackSets roll-out of the README (self-managed: the accounts are
/// named): one stack set, stack instances in two fresh accounts, and each
/// account ends up as `onramp apply` leaves one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_set_rolls_the_template_out_to_every_account() {
    let file = "genomics.toml";
    let reference = without_untaggable_tags(applied_by_onramp(file).await);
    let admin = moto::fresh_account().await;
    let targets = [moto::fresh_account().await, moto::fresh_account().await];
    let home = tempfile::tempdir().unwrap();
    let template = home.path().join("onramp.cfn.yaml");
    export(
        home.path(),
        &example_path(file),
        "cloudformation",
        &template,
    );
    let body = format!("file://{}", template.display());
    aws(
        &admin,
        home.path(),
        &[
            "cloudformation",
            "create-stack-set",
            "--stack-set-name",
            "onramp-iam",
            "--template-body",
            &body,
            "--capabilities",
            "CAPABILITY_NAMED_IAM",
        ],
    );
    let operation: Value = serde_json::from_str(&aws(
        &admin,
        home.path(),
        &[
            "cloudformation",
            "create-stack-instances",
            "--stack-set-name",
            "onramp-iam",
            "--accounts",
            &targets[0].account_id,
            &targets[1].account_id,
            "--regions",
            "us-east-1",
            "--operation-preferences",
            "MaxConcurrentPercentage=25,FailureTolerancePercentage=0",
        ],
    ))
    .unwrap();
    let id = operation["OperationId"].as_str().unwrap();
    let started = Instant::now();
    loop {
        let status = aws(
            &admin,
            home.path(),
            &[
                "cloudformation",
                "describe-stack-set-operation",
                "--stack-set-name",
                "onramp-iam",
                "--operation-id",
                id,
                "--query",
                "StackSetOperation.Status",
                "--output",
                "text",
            ],
        );
        match status.trim() {
            "SUCCEEDED" => break,
            "RUNNING" | "QUEUED" if started.elapsed() < Duration::from_secs(60) => {
                std::thread::sleep(Duration::from_millis(200))
            }
            other => panic!("the stack set operation is {other}"),
        }
    }
    for target in &targets {
        let deployed = deployed_read_back(target, file, &template, "us-east-1").await;
        assert_same(
            &format!("the stack instance in {}", target.account_id),
            &deployed,
            &reference,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genomics_stack_on_moto_matches_apply() {
    stack_matches_apply("genomics.toml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slurm_stack_on_moto_matches_apply() {
    stack_matches_apply("parallelcluster-slurm.toml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awsbatch_stack_on_moto_matches_apply() {
    stack_matches_apply("parallelcluster-awsbatch.toml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallelcluster3_stack_on_moto_matches_apply() {
    // Only the awsbatch example: moto 5.2.5 stores a stack role's inline
    // `Policies` as a Python dict, so GetRolePolicy answers with text that is
    // not JSON, and the Slurm example's restricted-mode roles have inline
    // policies. Its template is still checked by cfn-lint above, and its
    // apply by tests/cloud/apply_suite.rs.
    stack_matches_apply("parallelcluster3-awsbatch.toml").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_stack_on_moto_matches_apply() {
    stack_matches_apply("everything.toml").await;
}

/// Asserts that an export's end state is onramp apply's, naming the
/// resources that differ (the whole read-back is too long to be useful).
fn assert_same(what: &str, got: &BTreeMap<String, Value>, want: &BTreeMap<String, Value>) {
    let keys: std::collections::BTreeSet<&String> = got.keys().chain(want.keys()).collect();
    let differing: Vec<String> = keys
        .into_iter()
        .filter(|k| got.get(*k) != want.get(*k))
        .map(|k| {
            format!(
                "{k}:\n  {what}: {}\n  onramp apply: {}",
                got.get(k).map_or("missing".into(), Value::to_string),
                want.get(k).map_or("missing".into(), Value::to_string)
            )
        })
        .collect();
    assert!(
        differing.is_empty(),
        "{what} differs from onramp apply:\n{}",
        differing.join("\n")
    );
}

/// The lines of a script run that announce a change (`+ …`).
fn changes(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("+ ")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_script_on_moto_matches_apply_and_converges() {
    let file = "everything.toml";
    let reference = applied_by_onramp(file).await;

    let account = moto::fresh_account().await;
    let toml = answers_for(file, &account.account_id);
    prepare(&account, &toml).await;
    let home = tempfile::tempdir().unwrap();
    let answers = home.path().join("answers.toml");
    std::fs::write(&answers, &toml).unwrap();
    let script = home.path().join("onramp.sh");
    export(home.path(), &answers, "cli", &script);
    let run = |account: &TestAccount| {
        as_account(&mut isolated(Path::new("bash"), home.path()), account)
            .arg(&script)
            .output()
            .unwrap()
    };
    let plan = plan_of(&toml);

    let first = succeeded("the script", run(&account));
    // One create per resource, then each attachment and each profile's role.
    let links: usize = plan
        .resources
        .iter()
        .map(|r| match &r.spec {
            Spec::Role(RoleSpec {
                managed_policy_arns,
                ..
            }) => managed_policy_arns.len(),
            Spec::InstanceProfile(InstanceProfileSpec { roles }) => roles.len(),
            Spec::ManagedPolicy(_) | Spec::ServiceLinkedRole(_) => 0,
        })
        .sum();
    assert_eq!(
        changes(&first).len(),
        plan.resources.len() + links,
        "{first}"
    );
    assert_same("the script", &read_back(&account, &plan).await, &reference);

    // A second run finds everything in place and changes nothing.
    let second = succeeded("the second run of the script", run(&account));
    assert_eq!(changes(&second), Vec::<&str>::new(), "{second}");
    assert_same("the script", &read_back(&account, &plan).await, &reference);

    // Something taken away by hand is put back, and only that.
    let iam = moto::iam_client(&account);
    iam.detach_role_policy()
        .role_name("lab-ecsInstanceRole")
        .policy_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    iam.remove_role_from_instance_profile()
        .instance_profile_name("lab-ecsInstanceRole")
        .role_name("lab-ecsInstanceRole")
        .send()
        .await
        .unwrap();
    let third = succeeded("the third run of the script", run(&account));
    assert_eq!(
        changes(&third),
        [
            "+ attach arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess to role lab-ecsInstanceRole",
            "+ add role lab-ecsInstanceRole to instance profile lab-ecsInstanceRole",
        ],
        "{third}"
    );
    assert_same("the script", &read_back(&account, &plan).await, &reference);

    // With another account's credentials it stops before any call.
    let other = moto::fresh_account().await;
    let o = run(&other);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!(
            "this script is for account {}, but the credentials are for account {}",
            account.account_id, other.account_id
        )),
        "{err}"
    );
    assert_eq!(changes(&text(&o.stdout)), Vec::<&str>::new());
}
