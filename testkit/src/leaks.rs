//! The check that credentials never reach what onramp prints or writes.

use std::path::Path;

use aws_sdk_iam::config::Credentials;

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
