//! IAM's documented limits (default quotas) that onramp checks before any call.

/// Role names: at most 64 characters.
pub const ROLE_NAME_MAX: usize = 64;
/// Managed policy names: at most 128 characters.
pub const POLICY_NAME_MAX: usize = 128;
/// Instance profile names: at most 128 characters.
pub const INSTANCE_PROFILE_NAME_MAX: usize = 128;
/// Managed policy document, counted without whitespace.
pub const MANAGED_POLICY_SIZE: usize = 6_144;
/// All inline policies of one role together, without whitespace.
pub const INLINE_POLICIES_PER_ROLE_SIZE: usize = 10_240;
/// Role trust policy, without whitespace (default quota; can be raised to 4,096).
pub const TRUST_POLICY_SIZE: usize = 2_048;
/// Managed policies attached to one role (default quota; can be raised to 20).
pub const ATTACHED_POLICIES_PER_ROLE: usize = 10;
/// Versions kept of one managed policy.
pub const POLICY_VERSIONS: usize = 5;

/// The size IAM counts for a policy: its characters without whitespace.
pub fn policy_size(document: &serde_json::Value) -> usize {
    // Compact serialization has no whitespace outside strings; IAM does not
    // count whitespace inside strings either.
    serde_json::to_string(document)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_ignores_whitespace() {
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": []});
        assert_eq!(
            policy_size(&doc),
            r#"{"Version":"2012-10-17","Statement":[]}"#.len()
        );
    }
}
