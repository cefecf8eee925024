//! IAM's eventual consistency, on request: an entity just created that the
//! next calls do not see yet. Real IAM shows a new role or policy to other
//! calls within seconds, usually at once; a test makes it late to prove
//! that the apply tries a dependent call again instead of failing, and that
//! a long wait is told to the person.
//!
//! Off unless a test asks ([`super::MemoryCloud::slow_to_show`],
//! [`super::MemoryCloud::unseen_for`]). Only calls that use an entity are
//! affected (an attachment, a role added to a profile, a tag, a read); the
//! create itself, and a second create of the same name, see it as IAM does.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How late one entity is, from its create on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lag {
    /// Unseen for this long.
    For(Duration),
    /// Unseen by this many calls that use it.
    Calls(u32),
}

#[derive(Debug, Clone, Copy)]
struct Late {
    lag: Lag,
    /// When its create was made; nothing is hidden before.
    created: Option<Instant>,
}

/// The late entities, by lowercased name (roles, instance profiles) or ARN
/// (policies).
#[derive(Debug, Default)]
pub(super) struct Lags(BTreeMap<String, Late>);

impl Lags {
    pub fn set(&mut self, id: &str, lag: Lag) {
        self.0
            .insert(id.to_lowercase(), Late { lag, created: None });
    }

    /// The entity `id` was just created: its lag starts now.
    pub fn created(&mut self, id: &str) {
        if let Some(late) = self.0.get_mut(&id.to_lowercase()) {
            late.created = Some(Instant::now());
        }
    }

    /// Whether a call that uses `id` must not see it (and counts the call
    /// against a [`Lag::Calls`]). An entity not created yet is not late.
    pub fn hides(&mut self, id: &str) -> bool {
        let Some(late) = self.0.get_mut(&id.to_lowercase()) else {
            return false;
        };
        let Some(created) = late.created else {
            return false;
        };
        match &mut late.lag {
            Lag::For(delay) => created.elapsed() < *delay,
            Lag::Calls(left) => {
                let hidden = *left > 0;
                *left = left.saturating_sub(1);
                hidden
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_hides_that_many_calls_after_the_create_then_never_again() {
        let mut lags = Lags::default();
        lags.set("Role", Lag::Calls(2));
        // Not created yet: a read finds nothing anyway, and is not counted.
        assert!(!lags.hides("role"));
        lags.created("ROLE");
        assert!(lags.hides("role"));
        assert!(lags.hides("ROLE"));
        assert!(!lags.hides("role"));
        assert!(!lags.hides("role"));
        assert!(!lags.hides("other"));
    }

    #[test]
    fn a_delay_starts_at_the_create() {
        let mut lags = Lags::default();
        lags.set("r", Lag::For(Duration::from_secs(60)));
        assert!(!lags.hides("r"));
        lags.created("r");
        assert!(lags.hides("r"));
        lags.set("quick", Lag::For(Duration::ZERO));
        lags.created("quick");
        assert!(!lags.hides("quick"));
    }
}
