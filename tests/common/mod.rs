//! Helpers for the tests that run the SDK backend against moto, a local AWS
//! emulator (`bash .ci/run` installs it into `.venv/` and starts it).
//!
//! Isolation: tests run in parallel on one moto server, so none of them may
//! reset it. Instead each test gets an AWS account of its own: moto keeps a
//! separate IAM, STS and S3 state per account, and the credentials that
//! `sts:AssumeRole` into another account's role return are bound to that
//! account (moto's "multi-account" support). Names can then be the same in
//! every test. S3 bucket names are global in moto as in AWS, so those carry
//! the account id.

// Test helpers may unwrap: a failed assumption is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_iam::config::Credentials;
use onramp::cloud::sdk::{ConnectOptions, SdkCloud};

/// The variable that points the tests at a running moto server.
pub const ENDPOINT_VAR: &str = "ONRAMP_TEST_ENDPOINT";

/// moto's own account, where requests signed with unknown keys land.
pub const MOTO_DEFAULT_ACCOUNT: &str = "123456789012";

/// How long moto may take to start answering.
const STARTUP: Duration = Duration::from_secs(30);

/// The moto server the tests talk to: `ONRAMP_TEST_ENDPOINT` when set (as
/// `.ci/run` does), else one started from `.venv/` for this test process.
pub fn moto_endpoint() -> String {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT
        .get_or_init(|| match std::env::var(ENDPOINT_VAR) {
            Ok(url) if !url.is_empty() => url,
            _ => start_moto(),
        })
        .clone()
}

/// The moto server this process started, kept so that its pipe stays open.
static MOTO: OnceLock<Child> = OnceLock::new();

/// The text of an answers file in `examples/`.
pub fn example(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(file),
    )
    .unwrap()
}

/// Writes `examples/<file>` made out to `account_id` as `answers.toml` in
/// `dir`, and returns its path.
pub fn answers_for(dir: &Path, file: &str, account_id: &str) -> std::path::PathBuf {
    let answers = dir.join("answers.toml");
    std::fs::write(&answers, example(file).replace("123456789012", account_id)).unwrap();
    answers
}

/// A program that `bash .ci/run` installs into `.venv/bin/` (moto_server,
/// aws, cfn-lint, python).
pub fn venv_bin(name: &str) -> std::path::PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".venv/bin")
        .join(name);
    if !path.exists() {
        panic!(
            "{} is needed: run `bash .ci/run` once, which installs it",
            path.display()
        );
    }
    path
}

/// Starts moto's server on a free loopback port, as `.ci/run` does: through
/// `.ci/moto_server.py`, which puts right one answer where moto differs
/// from IAM.
///
/// It runs under a small shell that kills it when its standard input closes,
/// which happens when this test process exits, however it exits: statics
/// are never dropped, so there is no other hook for "at exit".
fn start_moto() -> String {
    let server = venv_bin("python");
    let launcher = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/moto_server.py");
    let port = free_port();
    let log = std::env::temp_dir().join(format!("onramp-moto-{}.log", std::process::id()));
    let child = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" "$3" -H 127.0.0.1 -p "$1" >"$2" 2>&1 & pid=$!; read _ignored; kill "$pid""#)
        .arg(&server)
        .arg(port.to_string())
        .arg(&log)
        .arg(&launcher)
        // Without it moto has no AWS managed policies to attach.
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
    let _ = MOTO.set(child);
    let started = Instant::now();
    while started.elapsed() < STARTUP {
        if answers(port) {
            return format!("http://127.0.0.1:{port}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    panic!("moto did not answer on port {port} within {STARTUP:?}; its output:\n{output}");
}

/// Whether an HTTP server answers on the loopback port.
fn answers(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// A loopback URL nobody listens on: the port was bound, then released.
pub fn closed_endpoint() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// Dummy credentials: moto accepts any key and maps unknown ones to its
/// default account.
pub fn dummy_credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "onramp-tests")
}

/// An account of moto's that no other test uses.
#[derive(Debug, Clone)]
pub struct TestAccount {
    pub account_id: String,
    pub endpoint: String,
    /// Credentials bound to this account.
    pub credentials: Credentials,
}

/// A 12-digit account id not handed out before in this process, and very
/// likely not in any other run against the same server either.
fn fresh_account_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(NEXT.fetch_add(1, Ordering::SeqCst));
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    let id = format!(
        "{:012}",
        100_000_000_000 + hasher.finish() % 800_000_000_000
    );
    if id == MOTO_DEFAULT_ACCOUNT {
        return fresh_account_id();
    }
    id
}

/// Gets credentials for a fresh account through `sts:AssumeRole`. The role
/// need not exist: moto makes the account on first use.
pub async fn fresh_account() -> TestAccount {
    let endpoint = moto_endpoint();
    let account_id = fresh_account_id();
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(dummy_credentials())
            .build(),
    );
    let assumed = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account_id}:role/onramp-tests"))
        .role_session_name("onramp-tests")
        .send()
        .await
        .unwrap_or_else(|e| panic!("AssumeRole on moto at {endpoint}: {e:?}"));
    let c = assumed
        .credentials()
        .expect("AssumeRole returns credentials");
    let credentials = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "moto-assumed-role",
    );
    TestAccount {
        account_id,
        endpoint,
        credentials,
    }
}

/// An [`SdkCloud`] on a fresh moto account, isolated from the machine's AWS
/// configuration (no environment variable, profile file or IMDS is read).
pub async fn cloud() -> (SdkCloud, TestAccount) {
    let account = fresh_account().await;
    let cloud = connect(&account, &account.endpoint).await;
    (cloud, account)
}

/// An [`SdkCloud`] with the account's credentials, sent to `endpoint`.
pub async fn connect(account: &TestAccount, endpoint: &str) -> SdkCloud {
    let options = ConnectOptions {
        profile: None,
        region: Some("us-east-1".to_owned()),
        endpoint_url: Some(endpoint.to_owned()),
        ..ConnectOptions::default()
    };
    SdkCloud::connect_isolated(&options, account.credentials.clone())
        .await
        .unwrap()
}

/// A plain IAM client on the account, to look at what moto really answers.
pub fn iam_client(account: &TestAccount) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&account.endpoint)
            .credentials_provider(account.credentials.clone())
            .build(),
    )
}

/// A plain S3 client on the account in `region`, to set buckets up.
pub fn s3_client(account: &TestAccount, region: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(region.to_owned()))
            .endpoint_url(&account.endpoint)
            .credentials_provider(account.credentials.clone())
            .force_path_style(true)
            .build(),
    )
}

/// Marks the child process of [`run_isolated`].
const CHILD_VAR: &str = "ONRAMP_ISOLATED_CHILD";

/// Whether this process is the isolated child of [`run_isolated`].
pub fn is_isolated_child() -> bool {
    std::env::var_os(CHILD_VAR).is_some()
}

/// Runs the test `name` again in a child process of this test binary whose
/// environment is exactly `env` (plus the moto endpoint), and checks that it
/// passed. For tests of the default credential chain, which reads
/// process-wide environment variables that a test cannot change while other
/// tests run beside it (and `set_var` is unsafe, which this crate forbids).
pub fn run_isolated(name: &str, env: &[(&str, String)]) {
    let exe = std::env::current_exe().unwrap();
    let output = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads", "1"])
        .env_clear()
        .env(CHILD_VAR, "1")
        .env(ENDPOINT_VAR, moto_endpoint())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the isolated run of {name} failed:\n{stdout}\n{stderr}"
    );
}

/// The environment of a machine without any AWS configuration: an empty
/// home, configuration files that do not exist, IMDS disabled (so nothing
/// is ever sent to 169.254.169.254) and a region, so only the credentials
/// are missing.
pub fn bare_environment(home: &Path) -> Vec<(&'static str, String)> {
    let path = |name: &str| home.join(name).to_string_lossy().into_owned();
    vec![
        ("HOME", home.to_string_lossy().into_owned()),
        ("AWS_CONFIG_FILE", path("no-such-config")),
        ("AWS_SHARED_CREDENTIALS_FILE", path("no-such-credentials")),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ]
}

/// Observes what exists and applies `plan` over it with a journal at
/// `journal`, as `onramp apply --yes` does: the changes it saw and how it
/// ended.
pub async fn observe_and_apply(
    cloud: &dyn onramp::cloud::Cloud,
    plan: &onramp::plan::Plan,
    journal: &Path,
) -> (
    Vec<onramp::apply::diff::Change>,
    Result<onramp::apply::run::Report, onramp::apply::run::ApplyError>,
) {
    let changes = onramp::apply::observe::changes(cloud, plan).await.unwrap();
    let journal = std::sync::Mutex::new(onramp::apply::journal::Journal::open(journal).unwrap());
    let result = onramp::apply::run::apply(
        cloud,
        plan,
        &changes,
        &journal,
        &|_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .await;
    (changes, result)
}

/// Fails when any part of `credentials` (key id, secret key, session token)
/// appears in `outputs` (what a run printed or drew, by name) or in any file
/// under `dir` (journal, log, saved answers, exports). Returns how many bytes
/// were searched, so a caller can tell the check looked at something.
pub fn assert_no_credentials(
    credentials: &Credentials,
    outputs: &[(&str, &[u8])],
    dir: &Path,
) -> usize {
    let mut secrets = vec![
        ("the access key id", credentials.access_key_id().to_owned()),
        (
            "the secret access key",
            credentials.secret_access_key().to_owned(),
        ),
    ];
    if let Some(token) = credentials.session_token() {
        secrets.push(("the session token", token.to_owned()));
    }
    let mut places: Vec<(String, Vec<u8>)> = outputs
        .iter()
        .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()))
        .collect();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                places.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut searched = 0;
    for (place, bytes) in &places {
        searched += bytes.len();
        for (what, secret) in &secrets {
            assert!(secret.len() >= 16, "{what} is too short to search for");
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{what} was written to {place}");
        }
    }
    searched
}

/// The binary with an environment that cannot reach anything but what the
/// test names: no profile files, no IMDS, no region or credentials of the
/// machine's; run in `home`.
pub fn isolated_onramp(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onramp"));
    cmd.current_dir(home)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"));
    cmd
}

/// `cmd` with `credentials` (from [`fresh_account`]: key, secret and session
/// token) in the environment, as a person who exported them would run onramp.
pub fn with_credentials<'a>(cmd: &'a mut Command, credentials: &Credentials) -> &'a mut Command {
    cmd.env("AWS_ACCESS_KEY_ID", credentials.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key())
        .env("AWS_SESSION_TOKEN", credentials.session_token().unwrap())
}

/// A finished run's stdout and stderr as text.
pub fn output_text(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8(o.stdout.clone()).unwrap(),
        String::from_utf8(o.stderr.clone()).unwrap(),
    )
}

/// The stdout of a run that must have succeeded; otherwise fails showing
/// both streams.
pub fn succeeded(what: &str, o: std::process::Output) -> String {
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(
        o.status.success(),
        "{what} failed ({:?}):\n{stdout}\n{stderr}",
        o.status
    );
    stdout
}

/// The calls the journal at `path` records as started and never finished.
pub fn open_intents(path: &Path) -> Vec<onramp::apply::journal::Call> {
    use onramp::apply::journal::{self, Record};
    let mut open = Vec::new();
    for entry in journal::read(path).unwrap() {
        match entry.record {
            Record::Intent(call) => open.push(call),
            Record::Done { call, .. } | Record::Failed { call, .. } => {
                open.retain(|c| *c != call);
            }
            Record::Run { .. } => {}
        }
    }
    open
}

/// The actions the journal at `path` records as done, in order.
pub fn done_actions(path: &Path) -> Vec<onramp::iam::action::Action> {
    use onramp::apply::journal::{self, Record};
    journal::read(path)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.record {
            Record::Done { call, .. } => Some(call.action),
            _ => None,
        })
        .collect()
}
