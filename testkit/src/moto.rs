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

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_iam::config::Credentials;
use onramp::cloud::sdk::{ConnectOptions, Patience, SdkCloud};

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

/// Starts moto's server on a free loopback port, as `.ci/run` does: through
/// `.ci/moto_server.py`, which puts right one answer where moto differs
/// from IAM.
///
/// It runs under a small shell that kills it when its standard input closes,
/// which happens when this test process exits, however it exits: statics
/// are never dropped, so there is no other hook for "at exit".
fn start_moto() -> String {
    let server = crate::files::venv_bin("python");
    let launcher = crate::files::root().join(".ci/moto_server.py");
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
    account(fresh_account_id()).await
}

/// Credentials for the account `account_id`, which may already hold
/// resources: one that moto's Organizations made, say, and a stack set
/// deployed to.
pub async fn account(account_id: String) -> TestAccount {
    let endpoint = moto_endpoint();
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
///
/// Its attempts may take 30 s, not onramp's 10: the tests set accounts up
/// and look at them through it with plain creates and reads, and on a
/// machine busy with several test binaries moto once took longer than 10 s
/// to answer a `CreatePolicy` it had carried out, so that the SDK's retry
/// met `AlreadyExists` and the set-up failed.
pub async fn connect(account: &TestAccount, endpoint: &str) -> SdkCloud {
    let patient = Patience {
        attempt_timeout: Duration::from_secs(30),
        operation_timeout: Duration::from_secs(120),
        ..Patience::default()
    };
    connect_with(account, endpoint, patient).await
}

/// An [`SdkCloud`] as onramp itself makes one (its own timeouts), for the
/// tests of those timeouts.
pub async fn connect_as_onramp(account: &TestAccount, endpoint: &str) -> SdkCloud {
    connect_with(account, endpoint, Patience::default()).await
}

async fn connect_with(account: &TestAccount, endpoint: &str, patience: Patience) -> SdkCloud {
    let options = ConnectOptions {
        profile: None,
        region: Some("us-east-1".to_owned()),
        endpoint_url: Some(endpoint.to_owned()),
        patience,
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
