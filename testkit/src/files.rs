//! Where things are: the project's root, the built `onramp` binary, the
//! example answers files and the programs installed into `.venv/`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The project's root (onramp's package), where `examples/`, `.ci/` and
/// `.venv/` are: this crate's parent folder.
pub fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let testkit = Path::new(env!("CARGO_MANIFEST_DIR"));
        testkit.parent().unwrap_or(testkit).to_owned()
    })
}

/// The `onramp` binary cargo built for the running test or bench.
///
/// Cargo hands `CARGO_BIN_EXE_onramp` to onramp's own tests at compile time
/// only, not to a library such as this one; so the binary is found as cargo
/// lays it out: the test or bench runs as `target/<profile>/deps/<name>-<hash>`,
/// the binary is `target/<profile>/onramp`. A run-time `CARGO_BIN_EXE_onramp`
/// (which newer cargo sets for `cargo test`) wins when present.
pub fn onramp_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("CARGO_BIN_EXE_onramp") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().unwrap();
    let mut dir = exe.parent().unwrap().to_owned();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let bin = dir.join(format!("onramp{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "no onramp binary at {} (cargo builds it for tests and benches)",
        bin.display()
    );
    bin
}

/// The text of an answers file in `examples/`.
pub fn example(file: &str) -> String {
    std::fs::read_to_string(root().join("examples").join(file)).unwrap()
}

/// Writes `examples/<file>` made out to `account_id` as `answers.toml` in
/// `dir`, and returns its path.
pub fn answers_for(dir: &Path, file: &str, account_id: &str) -> PathBuf {
    let answers = dir.join("answers.toml");
    std::fs::write(&answers, example(file).replace("123456789012", account_id)).unwrap();
    answers
}

/// A directory for a run's journal: in memory (`/dev/shm`) where there is
/// one. The journal syncs every record to disk, which on a busy disk made
/// up more than half of the time of the tests that run hundreds of applies
/// (the fault matrix); what it writes is the same.
pub fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    }
}

/// A program that `bash .ci/run` installs into `.venv/bin/` (moto_server,
/// aws, cfn-lint, python).
pub fn venv_bin(name: &str) -> PathBuf {
    let path = root().join(".venv/bin").join(name);
    if !path.exists() {
        panic!(
            "{} is needed: run `bash .ci/run` once, which installs it",
            path.display()
        );
    }
    path
}
