//! What the account knows of AWS's own entities: its managed policies and
//! the service-linked roles it can make. The list is data
//! (`catalogue.txt`), read into the binary and parsed once.

use std::sync::LazyLock;

/// The only version of an AWS managed policy this account knows.
pub(super) const AWS_MANAGED_VERSION: &str = "v1";

/// A service-linked role the account can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LinkedRole {
    /// The service that uses it, like `batch.amazonaws.com`.
    pub service: &'static str,
    /// The name AWS gives the role.
    pub name: &'static str,
    /// The AWS managed policy AWS attaches to it, as the part of its ARN
    /// after `policy/`.
    pub policy: &'static str,
}

/// The parsed `catalogue.txt`.
#[derive(Debug)]
pub(super) struct Catalogue {
    /// AWS managed policies, as the part of the ARN after `policy/`.
    pub policies: Vec<&'static str>,
    pub linked_roles: Vec<LinkedRole>,
    /// Lines that are no entry: none, which a unit test keeps true.
    pub unreadable: Vec<&'static str>,
}

impl Catalogue {
    fn parse(text: &'static str) -> Catalogue {
        let mut catalogue = Catalogue {
            policies: Vec::new(),
            linked_roles: Vec::new(),
            unreadable: Vec::new(),
        };
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_whitespace().collect::<Vec<_>>()[..] {
                ["policy", policy] => catalogue.policies.push(policy),
                ["service-linked", service, name, policy] => {
                    catalogue.linked_roles.push(LinkedRole {
                        service,
                        name,
                        policy,
                    });
                }
                _ => catalogue.unreadable.push(line),
            }
        }
        catalogue
    }

    /// The catalogue's entry for an AWS managed policy (`service-role/X`).
    pub fn policy(&self, path_and_name: &str) -> Option<&'static str> {
        self.policies
            .iter()
            .copied()
            .find(|entry| *entry == path_and_name)
    }

    /// The service-linked role `service` uses.
    pub fn linked_role(&self, service: &str) -> Option<LinkedRole> {
        self.linked_roles
            .iter()
            .copied()
            .find(|role| role.service == service)
    }
}

/// The catalogue, parsed on first use.
pub(super) static CATALOGUE: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::parse(include_str!("catalogue.txt")));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_an_entry_and_every_linked_role_has_its_policy() {
        assert_eq!(CATALOGUE.unreadable, Vec::<&str>::new());
        assert_eq!(CATALOGUE.policies.len(), 32);
        assert_eq!(CATALOGUE.linked_roles.len(), 4);
        for role in &CATALOGUE.linked_roles {
            assert_eq!(CATALOGUE.policy(role.policy), Some(role.policy), "{role:?}");
        }
        assert_eq!(
            CATALOGUE.linked_role("batch.amazonaws.com"),
            Some(LinkedRole {
                service: "batch.amazonaws.com",
                name: "AWSServiceRoleForBatch",
                policy: "aws-service-role/BatchServiceRolePolicy",
            })
        );
        assert_eq!(CATALOGUE.policy("AWSBatchServiceRole"), None);
    }

    #[test]
    fn a_line_that_is_no_entry_is_kept_apart() {
        let parsed = Catalogue::parse("# note\npolicy A\n\npolicy\nservice-linked s n\n");
        assert_eq!(parsed.policies, ["A"]);
        assert_eq!(parsed.unreadable, ["policy", "service-linked s n"]);
    }
}
