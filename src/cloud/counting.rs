//! A [`Cloud`] wrapper that counts calls per API action, so tests can assert
//! that an apply makes no more reads and writes than the plan needs, and that
//! a second apply makes no mutating call at all.

use crate::iam::action::Action;
use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::Value;

use super::{
    AnalyzerFinding, Bucket, Cloud, CloudError, CloudResult, ContextEntry, ErrorKind, Identity,
    InstanceProfileInfo, NewPolicy, NewRole, PolicyInfo, PolicyKind, PolicyVersion, Quotas,
    RetryObserver, RoleInfo, SimulationResult, Tags,
};

/// Counts every call it forwards to the inner cloud.
pub struct CountingCloud<C> {
    inner: C,
    calls: Mutex<BTreeMap<Action, usize>>,
    /// Fail the mutating call with this number (1-based), for tests of
    /// interrupted runs.
    fail_mutation: Mutex<Option<usize>>,
    /// How many more mutating calls may reach the inner cloud before every
    /// call fails ([`CountingCloud::cut_after`]); `None`: no cut.
    cut: Mutex<Option<usize>>,
}

impl<C> CountingCloud<C> {
    pub fn new(inner: C) -> CountingCloud<C> {
        CountingCloud {
            inner,
            calls: Mutex::new(BTreeMap::new()),
            fail_mutation: Mutex::new(None),
            cut: Mutex::new(None),
        }
    }

    /// Lets the next `n` mutating calls through, then fails every mutating
    /// call after them, as a link gone for good would: the run is cut after
    /// exactly `n` changes reached the account, whatever was in flight, for
    /// tests that stop a run at every step. Reads go on (a run reads all it
    /// needs before its first change), so a test can look at the account.
    /// [`Self::mend`] ends the cut.
    pub fn cut_after(&self, n: usize) {
        if let Ok(mut cut) = self.cut.lock() {
            *cut = Some(n);
        }
    }

    /// Ends a [`Self::cut_after`]: every call goes through again.
    pub fn mend(&self) {
        if let Ok(mut cut) = self.cut.lock() {
            *cut = None;
        }
    }

    /// Makes the `n`-th mutating call from now fail as a dropped connection
    /// would, without reaching the inner cloud. Calls after it go through.
    pub fn fail_mutation_at(&self, n: usize) {
        if let Ok(mut f) = self.fail_mutation.lock() {
            *f = Some(self.mutating_calls() + n);
        }
    }

    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// Calls per action so far.
    pub fn calls(&self) -> BTreeMap<Action, usize> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// How many calls changed the account.
    pub fn mutating_calls(&self) -> usize {
        self.calls()
            .iter()
            .filter(|(action, _)| action.is_mutating())
            .map(|(_, n)| n)
            .sum()
    }

    /// How many calls only read (waits excluded).
    pub fn read_calls(&self) -> usize {
        self.calls()
            .iter()
            .filter(|(action, _)| !action.is_mutating())
            .map(|(_, n)| n)
            .sum()
    }

    /// Forgets the counts.
    pub fn reset(&self) {
        if let Ok(mut c) = self.calls.lock() {
            c.clear();
        }
    }

    /// Counts a call; an injected fault or a cut makes it fail instead.
    fn count(&self, action: Action) -> CloudResult<()> {
        if action.is_mutating()
            && let Ok(mut cut) = self.cut.lock()
        {
            match cut.as_mut() {
                Some(0) => {
                    return Err(CloudError::new(
                        action,
                        ErrorKind::Network,
                        "connection lost for good (a cut made by a test)",
                    ));
                }
                Some(left) => *left -= 1,
                None => {}
            }
        }
        if let Ok(mut c) = self.calls.lock() {
            *c.entry(action).or_default() += 1;
        }
        if action.is_mutating()
            && let Ok(mut fail) = self.fail_mutation.lock()
            && *fail == Some(self.mutating_calls())
        {
            *fail = None;
            return Err(CloudError::new(
                action,
                ErrorKind::Network,
                "connection reset (a fault injected by a test)",
            ));
        }
        Ok(())
    }
}

/// Implements `Cloud` by forwarding each call of [`super::calls`], counted
/// under its API action.
macro_rules! counting_cloud {
    ($($action:path => $(#[$doc:meta])*
        fn $method:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        #[async_trait]
        impl<C: Cloud> Cloud for CountingCloud<C> {
            $(
                async fn $method(&self $(, $arg: $ty)*) -> CloudResult<$ret> {
                    self.count($action)?;
                    self.inner.$method($($arg),*).await
                }
            )*

            fn observe_retries(&self, observer: RetryObserver) {
                self.inner.observe_retries(observer);
            }
        }
    };
}

super::calls::cloud_calls!(counting_cloud);
