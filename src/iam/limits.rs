//! IAM's documented limits (default quotas) that onramp checks before any call,
//! and [`Quotas`]: the same checks with an account's own quotas.

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

/// Where a [`Quotas`] value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuotaSource {
    /// IAM's documented default quotas: the account's could not be read
    /// (or were not asked for).
    #[default]
    Defaults,
    /// The account's own, read with IAM's `GetAccountSummary`.
    Account,
}

/// The IAM quotas a plan is checked against: the account's own when they
/// could be read (an administrator may have had some raised), else IAM's
/// defaults. Only the sizes and counts a plan can run into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// A managed policy document, without whitespace (`PolicySizeQuota`).
    pub managed_policy_size: usize,
    /// A role's trust policy, without whitespace (`AssumeRolePolicySizeQuota`).
    pub trust_policy_size: usize,
    /// All inline policies of one role together (`RolePolicySizeQuota`).
    pub inline_policies_per_role_size: usize,
    /// Managed policies attached to one role (`AttachedPoliciesPerRoleQuota`).
    pub attached_policies_per_role: usize,
    /// Versions kept of one managed policy (`VersionsPerPolicyQuota`).
    pub versions_per_policy: usize,
    pub source: QuotaSource,
}

impl Default for Quotas {
    /// IAM's default quotas: the constants above.
    fn default() -> Quotas {
        Quotas {
            managed_policy_size: MANAGED_POLICY_SIZE,
            trust_policy_size: TRUST_POLICY_SIZE,
            inline_policies_per_role_size: INLINE_POLICIES_PER_ROLE_SIZE,
            attached_policies_per_role: ATTACHED_POLICIES_PER_ROLE,
            versions_per_policy: POLICY_VERSIONS,
            source: QuotaSource::Defaults,
        }
    }
}

impl Quotas {
    /// The account's quotas from `GetAccountSummary`'s `SummaryMap`. A key
    /// the map lacks (an older IAM, an emulator) or a value that is not a
    /// positive number keeps IAM's default for that quota.
    pub fn from_summary<'a>(summary: impl IntoIterator<Item = (&'a str, i64)>) -> Quotas {
        let mut quotas = Quotas {
            source: QuotaSource::Account,
            ..Quotas::default()
        };
        for (key, value) in summary {
            let Some(value) = usize::try_from(value).ok().filter(|v| *v > 0) else {
                continue;
            };
            match key {
                "PolicySizeQuota" => quotas.managed_policy_size = value,
                "AssumeRolePolicySizeQuota" => quotas.trust_policy_size = value,
                "RolePolicySizeQuota" => quotas.inline_policies_per_role_size = value,
                "AttachedPoliciesPerRoleQuota" => quotas.attached_policies_per_role = value,
                "VersionsPerPolicyQuota" => quotas.versions_per_policy = value,
                _ => {}
            }
        }
        quotas
    }

    /// Whose quota a number is, for messages: `this account's quota for
    /// WHAT is 6,144 (GetAccountSummary)` or `IAM's default quota for WHAT
    /// is 6,144`.
    pub fn describe(&self, what: &str, value: usize) -> String {
        match self.source {
            QuotaSource::Account => format!(
                "this account's quota for {what} is {} (GetAccountSummary)",
                thousands(value)
            ),
            QuotaSource::Defaults => {
                format!("IAM's default quota for {what} is {}", thousands(value))
            }
        }
    }
}

/// A count with thousands separators: `6,144`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

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

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(5_120), "5,120");
        assert_eq!(thousands(10_240), "10,240");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_defaults_are_iams_documented_quotas() {
        let q = Quotas::default();
        assert_eq!(q.source, QuotaSource::Defaults);
        assert_eq!(
            (
                q.managed_policy_size,
                q.trust_policy_size,
                q.inline_policies_per_role_size,
                q.attached_policies_per_role,
                q.versions_per_policy
            ),
            (6_144, 2_048, 10_240, 10, 5)
        );
        assert_eq!(
            q.describe("a managed policy", 6_144),
            "IAM's default quota for a managed policy is 6,144"
        );
    }

    #[test]
    fn a_summary_map_gives_the_accounts_quotas_and_defaults_for_the_rest() {
        let q = Quotas::from_summary([
            ("PolicySizeQuota", 5_120),
            ("AssumeRolePolicySizeQuota", 4_096),
            ("AttachedPoliciesPerRoleQuota", 20),
            ("Roles", 12),
            ("RolePolicySizeQuota", -1),
        ]);
        assert_eq!(q.source, QuotaSource::Account);
        assert_eq!(q.managed_policy_size, 5_120);
        assert_eq!(q.trust_policy_size, 4_096);
        assert_eq!(q.attached_policies_per_role, 20);
        assert_eq!(
            q.inline_policies_per_role_size,
            INLINE_POLICIES_PER_ROLE_SIZE
        );
        assert_eq!(q.versions_per_policy, POLICY_VERSIONS);
        assert_eq!(
            q.describe("a managed policy", 5_120),
            "this account's quota for a managed policy is 5,120 (GetAccountSummary)"
        );
    }
}
