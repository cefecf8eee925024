//! Running `onramp` (and this test binary again) with an environment the
//! test chooses, never the machine's AWS configuration, and reading what a
//! run printed.

use std::path::Path;
use std::process::{Command, Stdio};

use aws_sdk_iam::config::Credentials;

use crate::files::onramp_bin;
use crate::moto::{ENDPOINT_VAR, moto_endpoint};

/// Marks the child process of [`run_isolated`].
const CHILD_VAR: &str = "ONRAMP_ISOLATED_CHILD";

/// Whether this process is the isolated child of [`run_isolated`].
pub fn is_isolated_child() -> bool {
    std::env::var_os(CHILD_VAR).is_some()
}

/// Runs the test `name` (its full name as the harness lists it,
/// `module::test`) again in a child process of this test binary whose
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

/// The binary with an environment that cannot reach anything but what the
/// test names: no profile files, no IMDS, no region or credentials of the
/// machine's; run in `home`.
pub fn isolated_onramp(home: &Path) -> Command {
    let mut cmd = Command::new(onramp_bin());
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

/// The binary as [`isolated_onramp`] runs it in `home`, with `credentials`,
/// sending every call to `endpoint` (moto, or a proxy in front of it), its
/// standard input closed: `onramp ARGS --endpoint-url ENDPOINT`.
pub fn onramp_at(home: &Path, credentials: &Credentials, endpoint: &str, args: &[&str]) -> Command {
    let mut command = isolated_onramp(home);
    with_credentials(&mut command, credentials)
        .args(args)
        .args(["--endpoint-url", endpoint])
        .stdin(Stdio::null());
    command
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
