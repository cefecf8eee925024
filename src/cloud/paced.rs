//! A [`Cloud`] wrapper that makes every call take the same time, as a
//! network would, and keeps when each one ran: for tests of how many calls
//! an operation makes one after another (its *rounds*), which is what decides
//! how long it takes on a real network, where each call costs a round trip.
//!
//! Under tokio's paused clock the pace costs no real time and the rounds
//! come out exact, as long as nothing waits on a thread of its own (the
//! journal's writer): a paused clock jumps ahead whenever the runtime is
//! idle. With such a wait, use real time and a pace well above it. The rounds are the largest number of calls that did not
//! overlap, each starting once the one before had ended: the length of the
//! longest chain of calls in sequence (the same measure as
//! `bench/latency_proxy.py`).

use crate::iam::action::Action;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio::time::Instant;

use super::{
    AnalyzerFinding, Bucket, Cloud, CloudResult, ContextEntry, Identity, InstanceProfileInfo,
    NewPolicy, NewRole, PolicyInfo, PolicyKind, PolicyVersion, Quotas, RetryObserver, RoleInfo,
    SimulationResult, Tags,
};

/// One call as it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub action: Action,
    pub start: Instant,
    pub end: Instant,
}

/// Delays every call by `pace` before forwarding it, and records its span.
pub struct PacedCloud<C> {
    inner: C,
    pace: Duration,
    spans: Mutex<Vec<Span>>,
}

impl<C> PacedCloud<C> {
    pub fn new(inner: C, pace: Duration) -> PacedCloud<C> {
        PacedCloud {
            inner,
            pace,
            spans: Mutex::new(Vec::new()),
        }
    }

    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// Every call since the last [`PacedCloud::take`], and forgets them.
    pub fn take(&self) -> Vec<Span> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Span>> {
        self.spans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn paced<T>(&self, action: Action, call: impl Future<Output = T>) -> T {
        let start = Instant::now();
        tokio::time::sleep(self.pace).await;
        let out = call.await;
        self.lock().push(Span {
            action,
            start,
            end: Instant::now(),
        });
        out
    }
}

/// The calls in `spans` made one after another: the longest chain of
/// calls each starting once the previous one had ended (found greedily, by
/// end time).
pub fn rounds(spans: &[Span]) -> usize {
    let mut by_end: Vec<&Span> = spans.iter().collect();
    by_end.sort_by_key(|s| (s.end, s.start));
    let mut count = 0;
    let mut free_from: Option<Instant> = None;
    for span in by_end {
        if free_from.is_none_or(|t| span.start >= t) {
            count += 1;
            free_from = Some(span.end);
        }
    }
    count
}

/// The most calls in flight at one instant.
pub fn most_in_flight(spans: &[Span]) -> usize {
    spans
        .iter()
        .map(|s| {
            spans
                .iter()
                .filter(|o| o.start <= s.start && s.start < o.end)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Implements `Cloud` by forwarding each call of [`super::calls`] after the
/// pace, recording its span.
macro_rules! paced_cloud {
    ($($action:path => $(#[$doc:meta])*
        fn $method:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        #[async_trait]
        impl<C: Cloud> Cloud for PacedCloud<C> {
            $(
                async fn $method(&self $(, $arg: $ty)*) -> CloudResult<$ret> {
                    self.paced($action, self.inner.$method($($arg),*)).await
                }
            )*

            fn observe_retries(&self, observer: RetryObserver) {
                self.inner.observe_retries(observer);
            }
        }
    };
}

super::calls::cloud_calls!(paced_cloud);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::memory::MemoryCloud;

    fn span(start: u64, end: u64, base: Instant) -> Span {
        Span {
            action: Action::GetRole,
            start: base + Duration::from_millis(start),
            end: base + Duration::from_millis(end),
        }
    }

    #[test]
    fn rounds_count_the_longest_chain_of_calls_in_sequence() {
        let t = Instant::now();
        assert_eq!(rounds(&[]), 0);
        // Three at once, then two at once: two rounds.
        let two = [
            span(0, 10, t),
            span(0, 10, t),
            span(0, 10, t),
            span(10, 20, t),
            span(10, 20, t),
        ];
        assert_eq!(rounds(&two), 2);
        assert_eq!(most_in_flight(&two), 3);
        // A long call beside a chain of three short ones.
        let chain = [
            span(0, 30, t),
            span(0, 10, t),
            span(10, 20, t),
            span(20, 30, t),
        ];
        assert_eq!(rounds(&chain), 3);
        assert_eq!(most_in_flight(&chain), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn each_call_takes_the_pace_and_is_recorded() {
        let cloud = PacedCloud::new(MemoryCloud::demo(), Duration::from_millis(50));
        let started = Instant::now();
        let (a, b) = tokio::join!(cloud.get_role("a"), cloud.get_role("b"));
        assert!(a.is_ok() && b.is_ok());
        cloud.identity().await.unwrap();
        assert_eq!(started.elapsed(), Duration::from_millis(100));
        let spans = cloud.take();
        assert_eq!(spans.len(), 3);
        assert_eq!(rounds(&spans), 2);
        assert!(cloud.take().is_empty());
    }
}
