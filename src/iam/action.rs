//! The AWS API calls onramp makes, as one enum instead of strings.
//!
//! The journal, destroy's undo table, the call counters, the error messages
//! and the admin policy all speak of these calls. With a string a typo is a
//! silent mismatch (an undo that never matches, a count that stays at zero);
//! with the enum it does not compile. The journal keeps writing the API name
//! (`"CreateRole"`), so journals stay readable and old ones still load.

use std::fmt;
use std::str::FromStr;

/// Declares [`Action`] from one table: variant, AWS service prefix (as an
/// IAM policy names it), and whether the call changes the account.
macro_rules! actions {
    ($($variant:ident => $service:literal, $mutates:literal;)*) => {
        /// One AWS API call onramp makes (or, for [`Action::Connect`], the
        /// check of the endpoint before the first call).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The API name, like `CreateRole`: what AWS's errors and
            /// CloudTrail say, and what the journal records.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => stringify!($variant),)*
                }
            }

            /// The service prefix an IAM policy uses for it (`iam`, `sts`, …).
            pub const fn service(self) -> &'static str {
                match self {
                    $(Action::$variant => $service,)*
                }
            }

            /// The action as an IAM policy names it, `iam:CreateRole`. For
            /// the permission a call needs, see [`Action::permission`].
            pub const fn policy_action(self) -> &'static str {
                match self {
                    $(Action::$variant => concat!($service, ":", stringify!($variant)),)*
                }
            }

            /// Whether the call changes the account.
            pub const fn is_mutating(self) -> bool {
                match self {
                    $(Action::$variant => $mutates,)*
                }
            }
        }
    };
}

actions! {
    GetCallerIdentity => "sts", false;
    ListBuckets => "s3", false;
    GetBucketLocation => "s3", false;
    GetPolicy => "iam", false;
    GetPolicyVersion => "iam", false;
    ListPolicyVersions => "iam", false;
    CreatePolicy => "iam", true;
    CreatePolicyVersion => "iam", true;
    SetDefaultPolicyVersion => "iam", true;
    DeletePolicyVersion => "iam", true;
    TagPolicy => "iam", true;
    UntagPolicy => "iam", true;
    DeletePolicy => "iam", true;
    GetRole => "iam", false;
    ListRoles => "iam", false;
    CreateRole => "iam", true;
    UpdateAssumeRolePolicy => "iam", true;
    UpdateRole => "iam", true;
    PutRolePermissionsBoundary => "iam", true;
    DeleteRolePermissionsBoundary => "iam", true;
    TagRole => "iam", true;
    UntagRole => "iam", true;
    ListAttachedRolePolicies => "iam", false;
    AttachRolePolicy => "iam", true;
    DetachRolePolicy => "iam", true;
    ListRolePolicies => "iam", false;
    GetRolePolicy => "iam", false;
    PutRolePolicy => "iam", true;
    DeleteRolePolicy => "iam", true;
    DeleteRole => "iam", true;
    CreateServiceLinkedRole => "iam", true;
    DeleteServiceLinkedRole => "iam", true;
    GetServiceLinkedRoleDeletionStatus => "iam", false;
    GetInstanceProfile => "iam", false;
    CreateInstanceProfile => "iam", true;
    TagInstanceProfile => "iam", true;
    UntagInstanceProfile => "iam", true;
    AddRoleToInstanceProfile => "iam", true;
    RemoveRoleFromInstanceProfile => "iam", true;
    DeleteInstanceProfile => "iam", true;
    SimulatePrincipalPolicy => "iam", false;
    GetAccountSummary => "iam", false;
    ValidatePolicy => "access-analyzer", false;
    // Not an API call: checking the endpoint before the first call.
    Connect => "onramp", false;
}

impl Action {
    /// The permission an IAM policy must grant for the call. Mostly the
    /// call's own name ([`Action::policy_action`]); S3's `ListBuckets` is
    /// the exception, granted as `s3:ListAllMyBuckets`.
    pub const fn permission(self) -> &'static str {
        match self {
            Action::ListBuckets => "s3:ListAllMyBuckets",
            other => other.policy_action(),
        }
    }

    /// The call that a destroy step undoes: `DetachRolePolicy` undoes
    /// `AttachRolePolicy`, `DeleteRole` undoes `CreateRole`, and so on.
    /// `None` for calls that are not undo steps.
    pub const fn undoes(self) -> Option<Action> {
        Some(match self {
            Action::DetachRolePolicy => Action::AttachRolePolicy,
            Action::DeleteRolePolicy => Action::PutRolePolicy,
            Action::RemoveRoleFromInstanceProfile => Action::AddRoleToInstanceProfile,
            Action::DeletePolicy => Action::CreatePolicy,
            Action::DeleteRole => Action::CreateRole,
            Action::DeleteInstanceProfile => Action::CreateInstanceProfile,
            Action::DeleteServiceLinkedRole => Action::CreateServiceLinkedRole,
            _ => return None,
        })
    }

    /// The destroy step that undoes this call: [`Action::undoes`] read the
    /// other way (`AttachRolePolicy` is undone by `DetachRolePolicy`).
    pub fn undone_by(self) -> Option<Action> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.undoes() == Some(self))
    }

    /// Whether the call brings an entity into being.
    pub const fn creates_entity(self) -> bool {
        matches!(
            self,
            Action::CreatePolicy
                | Action::CreateRole
                | Action::CreateInstanceProfile
                | Action::CreateServiceLinkedRole
        )
    }

    /// Whether the call removes an entity.
    pub const fn deletes_entity(self) -> bool {
        matches!(
            self,
            Action::DeletePolicy
                | Action::DeleteRole
                | Action::DeleteInstanceProfile
                | Action::DeleteServiceLinkedRole
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// An API name onramp does not call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an API call onramp makes")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(text: &str) -> Result<Action, UnknownAction> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == text)
            .ok_or_else(|| UnknownAction(text.to_owned()))
    }
}

impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Action, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text() {
        for &action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{action}\""));
            assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), action);
        }
        assert!("CreateRoll".parse::<Action>().is_err());
    }

    #[test]
    fn every_undo_step_mutates_and_undoes_a_mutation() {
        for &action in Action::ALL {
            if let Some(undone) = action.undoes() {
                assert!(action.is_mutating() && undone.is_mutating(), "{action}");
                assert_ne!(action, undone);
            }
        }
        for &action in Action::ALL {
            if action.creates_entity() {
                assert!(
                    Action::ALL.iter().any(|a| a.undoes() == Some(action)),
                    "nothing undoes {action}"
                );
            }
        }
    }

    #[test]
    fn permissions_are_the_policy_actions_but_for_s3_s_bucket_list() {
        assert_eq!(Action::CreateRole.permission(), "iam:CreateRole");
        assert_eq!(Action::ListBuckets.permission(), "s3:ListAllMyBuckets");
        assert_eq!(Action::ListBuckets.policy_action(), "s3:ListBuckets");
    }

    #[test]
    fn policy_actions_carry_their_service() {
        assert_eq!(Action::CreateRole.policy_action(), "iam:CreateRole");
        assert_eq!(
            Action::GetCallerIdentity.policy_action(),
            "sts:GetCallerIdentity"
        );
        assert_eq!(
            Action::ValidatePolicy.policy_action(),
            "access-analyzer:ValidatePolicy"
        );
    }
}
