//! IAM's wildcards, written apart from onramp's own matcher (`iam::glob`) so
//! that the tests which check onramp's policies against it do not share its
//! mistakes: `*` any run of characters (`/` included), `?` exactly one.

/// Whether `pattern` matches all of `text`, case-sensitively (names, ARNs).
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // matches[j]: whether p[..i] matches t[..j], row by row.
    let mut matches = vec![false; t.len() + 1];
    matches[0] = true;
    for &c in &p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            next[j] = match c {
                '*' => matches[j] || (j > 0 && next[j - 1]),
                '?' => j > 0 && matches[j - 1],
                c => j > 0 && matches[j - 1] && t[j - 1] == c,
            };
        }
        matches = next;
    }
    matches[t.len()]
}

/// Whether an action pattern (`ec2:Describe*`) matches an action: IAM
/// compares actions without regard to case.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob(&pattern.to_lowercase(), &action.to_lowercase())
}
