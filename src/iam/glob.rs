//! IAM's wildcard patterns (`*`, `?`) and policy variables (`${key}`).
//!
//! A pattern is first *resolved* into [`Token`]s — variables substituted,
//! escapes (`${*}`, `${?}`, `${$}`) turned into literal characters — and only
//! then matched. Doing it in two steps keeps a substituted value or an
//! escaped `*` from ever acting as a wildcard.

/// One element of a resolved pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// A literal character.
    Char(char),
    /// `*`: any run of characters, the empty one included.
    Any,
    /// `?`: exactly one character.
    One,
}

/// Looks a policy variable up: the single value of a request context key.
///
/// `None` (no lookup at all) means the document does not use variables
/// (its `Version` is not `2012-10-17`), so `${…}` is literal text.
pub type Vars<'a> = Option<&'a dyn Fn(&str) -> Option<String>>;

/// A policy variable had no value in the request and no default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unresolved;

/// Resolves `pattern`: substitutes variables (when `vars` is given) and, when
/// `wildcards`, turns `*`/`?` into [`Token::Any`]/[`Token::One`].
///
/// Operators without wildcards (`StringEquals`…) resolve with
/// `wildcards = false`, so matching the tokens is then plain equality.
pub fn resolve(pattern: &str, wildcards: bool, vars: Vars<'_>) -> Result<Vec<Token>, Unresolved> {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut rest = pattern;
    while !rest.is_empty() {
        if let (Some(lookup), Some(after)) = (vars, rest.strip_prefix("${"))
            && let Some(end) = after.find('}')
        {
            let inner = after.get(..end).unwrap_or_default();
            let value = variable(inner, lookup).ok_or(Unresolved)?;
            tokens.extend(value.chars().map(Token::Char));
            rest = after.get(end + 1..).unwrap_or_default();
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        tokens.push(match c {
            '*' if wildcards => Token::Any,
            '?' if wildcards => Token::One,
            _ => Token::Char(c),
        });
        rest = chars.as_str();
    }
    Ok(tokens)
}

/// The value of one `${inner}`: an escape, a key's value, or its
/// `'default'` (`${aws:username, 'nobody'}`, `''` standing for `'`).
fn variable(inner: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let inner = inner.trim();
    if matches!(inner, "*" | "?" | "$") {
        return Some(inner.to_string());
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => (key.trim(), Some(default.trim())),
        None => (inner, None),
    };
    lookup(key).or_else(|| {
        let quoted = default?.strip_prefix('\'')?.strip_suffix('\'')?;
        Some(quoted.replace("''", "'"))
    })
}

/// Whether `text` matches the resolved `pattern` as a whole.
pub fn matches(pattern: &[Token], text: &str, ignore_case: bool) -> bool {
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was and how much text it has swallowed so far:
    // on a mismatch it swallows one more character and matching resumes.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = text.get(t) {
        match pattern.get(p) {
            Some(Token::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Token::One) => (p, t) = (p + 1, t + 1),
            Some(Token::Char(want)) if same_char(*want, c, ignore_case) => (p, t) = (p + 1, t + 1),
            _ => match star {
                Some((sp, st)) => {
                    star = Some((sp, st + 1));
                    (p, t) = (sp + 1, st + 1);
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .unwrap_or_default()
        .iter()
        .all(|token| *token == Token::Any)
}

fn same_char(a: char, b: char, ignore_case: bool) -> bool {
    a == b || (ignore_case && a.to_lowercase().eq(b.to_lowercase()))
}

/// `ArnLike`: each of the six colon-separated parts of an ARN is matched on
/// its own, so a `*` in the account part cannot swallow the resource part.
///
/// When either side is not six parts (a bare `*`, say), the whole strings
/// are matched instead, so `"*"` still matches any ARN.
pub fn arn_matches(pattern: &[Token], arn: &str) -> bool {
    let pattern_parts = split_arn_tokens(pattern);
    let arn_parts: Vec<&str> = arn.splitn(6, ':').collect();
    if pattern_parts.len() != 6 || arn_parts.len() != 6 {
        return matches(pattern, arn, false);
    }
    pattern_parts
        .iter()
        .zip(&arn_parts)
        .all(|(pattern, part)| matches(pattern, part, false))
}

/// Splits tokens at their first five literal colons (like `splitn(6, ':')`).
fn split_arn_tokens(pattern: &[Token]) -> Vec<&[Token]> {
    let mut parts = Vec::with_capacity(6);
    let mut rest = pattern;
    while parts.len() < 5 {
        let Some(at) = rest.iter().position(|t| *t == Token::Char(':')) else {
            break;
        };
        parts.push(rest.get(..at).unwrap_or_default());
        rest = rest.get(at + 1..).unwrap_or_default();
    }
    parts.push(rest);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str, text: &str) -> bool {
        matches(&resolve(pattern, true, None).unwrap(), text, false)
    }

    #[test]
    fn star_and_question_mark() {
        assert!(glob("*", ""));
        assert!(glob("*", "anything:at/all"));
        assert!(glob("s3:Get*", "s3:GetObject"));
        assert!(glob("s3:*Object", "s3:GetObject"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b*c", "aXbYbZ"));
        assert!(glob("b?", "b1"));
        assert!(!glob("b?", "b"));
        assert!(!glob("b?", "b12"));
        assert!(!glob("abc", "abcd"));
        assert!(!glob("abcd", "abc"));
    }

    #[test]
    fn case_folding_is_opt_in() {
        let pattern = resolve("S3:get*", true, None).unwrap();
        assert!(matches(&pattern, "s3:GetObject", true));
        assert!(!matches(&pattern, "s3:GetObject", false));
    }

    #[test]
    fn without_wildcards_star_is_literal() {
        let pattern = resolve("a*", false, None).unwrap();
        assert!(matches(&pattern, "a*", false));
        assert!(!matches(&pattern, "ab", false));
    }

    #[test]
    fn variables_defaults_and_escapes() {
        let lookup = |key: &str| (key == "aws:username").then(|| "al*ce".to_string());
        let vars: Vars<'_> = Some(&lookup);
        // The substituted `*` is a literal, not a wildcard.
        let pattern = resolve("home/${aws:username}/*", true, vars).unwrap();
        assert!(matches(&pattern, "home/al*ce/x", false));
        assert!(!matches(&pattern, "home/alice/x", false));
        assert_eq!(resolve("${aws:userid}", true, vars), Err(Unresolved));
        let pattern = resolve("${aws:userid, 'it''s'}", true, vars).unwrap();
        assert!(matches(&pattern, "it's", false));
        let pattern = resolve("a${*}b${?}${$}", true, vars).unwrap();
        assert!(matches(&pattern, "a*b?$", false));
        assert!(!matches(&pattern, "aXb?$", false));
        // Without a lookup, `${…}` is literal text.
        let pattern = resolve("${aws:username}", true, None).unwrap();
        assert!(matches(&pattern, "${aws:username}", false));
    }

    #[test]
    fn arn_parts_match_separately() {
        let pattern = resolve("arn:aws:iam::*:role/x-*", true, None).unwrap();
        assert!(arn_matches(
            &pattern,
            "arn:aws:iam::123456789012:role/x-batch"
        ));
        assert!(!arn_matches(
            &pattern,
            "arn:aws:iam::123456789012:role/y-batch"
        ));
        assert!(!arn_matches(
            &pattern,
            "arn:aws:iam::123456789012:user/x-batch"
        ));
        // The account `*` cannot reach into the resource part.
        let pattern = resolve("arn:aws:iam::*:role/x", true, None).unwrap();
        assert!(!arn_matches(&pattern, "arn:aws:iam::1:2:role/x"));
        let pattern = resolve("*", true, None).unwrap();
        assert!(arn_matches(&pattern, "arn:aws:iam::1:role/r"));
    }
}
