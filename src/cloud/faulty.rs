//! A [`Cloud`] wrapper that makes one call fail the way AWS or the network
//! sometimes does, as the SDK backend would report it, for the fault matrix
//! on the in-memory cloud: every step of an apply × every fault × a blip or
//! an outage, in seconds rather than the minutes the same runs take through
//! a faulty proxy to moto.
//!
//! The faults are the proxy's (`testkit/src/fault_proxy.rs`): throttling,
//! a service failure, a connection reset before IAM acts, the answer lost
//! after IAM acted, and an answer past the attempt timeout. What the SDK
//! does with each is copied here:
//!
//! - a **blip** (one attempt faulted) is retried, and the retry's answer is
//!   the call's: before IAM acted the retry simply succeeds; after, it meets
//!   the first attempt's effect (`EntityAlreadyExists` for a create, say),
//!   exactly what the SDK path gives;
//! - an **outage** faults every one of the SDK's [`MAX_ATTEMPTS`]: the call
//!   fails with the [`ErrorKind`] the SDK backend maps the fault to, and a
//!   fault after IAM acts changes the inner cloud on every attempt, as each
//!   request the SDK sends reaches IAM.
//!
//! Each attempt after the first is reported to the retry observer, as the
//! SDK backend does.

use crate::iam::action::Action;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::Value;

use super::sdk::MAX_ATTEMPTS;
use super::{
    AnalyzerFinding, Bucket, Cloud, CloudError, CloudResult, ContextEntry, ErrorKind, Identity,
    InstanceProfileInfo, NewPolicy, NewRole, PolicyInfo, PolicyKind, PolicyVersion, Quotas, Retry,
    RetryObserver, RoleInfo, SimulationResult, Tags,
};

/// What goes wrong with a faulted call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// IAM's `Throttling`; IAM does nothing.
    Throttle,
    /// HTTP 500 `ServiceFailure`; IAM does nothing.
    ServiceFailure,
    /// The connection is reset before the request reaches IAM.
    ResetBefore,
    /// IAM acts, then the connection is reset: the change is made, the
    /// answer lost.
    ResetAfter,
    /// IAM acts, and its answer comes after the attempt timeout.
    Late,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 5] = [
        Fault::Throttle,
        Fault::ServiceFailure,
        Fault::ResetBefore,
        Fault::ResetAfter,
        Fault::Late,
    ];

    /// Whether IAM acts on the faulted attempt.
    pub const fn reaches_iam(self) -> bool {
        matches!(self, Fault::ResetAfter | Fault::Late)
    }

    /// The kind of error an outage of this fault ends in: what the SDK
    /// backend's error mapping makes of it (`Throttling` is
    /// [`ErrorKind::Throttled`]; `ServiceFailure` has no kind of its own;
    /// a reset or a timeout is a dispatch failure, [`ErrorKind::Network`]).
    pub const fn kind(self) -> ErrorKind {
        match self {
            Fault::Throttle => ErrorKind::Throttled,
            Fault::ServiceFailure => ErrorKind::Other,
            Fault::ResetBefore | Fault::ResetAfter | Fault::Late => ErrorKind::Network,
        }
    }

    /// The error an outage of this fault ends `action` with, worded like
    /// the SDK backend's.
    pub fn error(self, action: Action) -> CloudError {
        let message = match self {
            Fault::Throttle => format!(
                "AWS kept throttling {action} through {MAX_ATTEMPTS} attempts \
                 (a fault injected by a test). Wait a minute and run again."
            ),
            Fault::ServiceFailure => {
                "ServiceFailure: a fault injected by a test (HTTP 500)".to_owned()
            }
            Fault::ResetBefore | Fault::ResetAfter => format!(
                "could not reach IAM: connection reset ({MAX_ATTEMPTS} attempts; \
                 a fault injected by a test)"
            ),
            Fault::Late => format!(
                "could not reach IAM: no answer within the attempt timeout \
                 ({MAX_ATTEMPTS} attempts; a fault injected by a test)"
            ),
        };
        CloudError::new(action, self.kind(), message)
    }
}

/// How long a fault lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Length {
    /// One attempt: the SDK's retry rides it out.
    Blip,
    /// Every attempt the SDK makes: the call fails.
    Outage,
}

impl Length {
    pub const ALL: [Length; 2] = [Length::Blip, Length::Outage];

    /// How many attempts of the call are faulted.
    pub const fn faulted_attempts(self) -> u32 {
        match self {
            Length::Blip => 1,
            Length::Outage => MAX_ATTEMPTS,
        }
    }
}

/// Which call to fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The `n`-th mutating call (from 1) since the schedule was set.
    NthMutating(usize),
    /// The first call of this action since the schedule was set.
    First(Action),
}

/// One fault on one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub fault: Fault,
    pub length: Length,
    pub target: Target,
}

#[derive(Default)]
struct State {
    schedule: Option<Schedule>,
    mutating_seen: usize,
    /// The action of the faulted call, once it came.
    target: Option<Action>,
    /// How many attempts were faulted.
    faulted: usize,
}

impl State {
    /// Counts a call and says whether (and how) to fault it: the scheduled
    /// call only, once.
    fn decide(&mut self, action: Action) -> Option<Schedule> {
        if action.is_mutating() {
            self.mutating_seen += 1;
        }
        let schedule = self.schedule?;
        let hit = self.target.is_none()
            && match schedule.target {
                Target::NthMutating(n) => action.is_mutating() && self.mutating_seen == n,
                Target::First(wanted) => action == wanted,
            };
        if !hit {
            return None;
        }
        self.target = Some(action);
        self.faulted += schedule.length.faulted_attempts() as usize;
        Some(schedule)
    }
}

/// Forwards every call to the inner cloud, except the one its schedule
/// picks, which it faults.
pub struct FaultyCloud<C> {
    inner: C,
    state: Mutex<State>,
    observer: Mutex<Option<RetryObserver>>,
}

impl<C> FaultyCloud<C> {
    pub fn new(inner: C) -> FaultyCloud<C> {
        FaultyCloud {
            inner,
            state: Mutex::new(State::default()),
            observer: Mutex::new(None),
        }
    }

    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// Sets (or clears) the schedule and starts counting afresh.
    pub fn schedule(&self, schedule: Option<Schedule>) {
        if let Ok(mut state) = self.state.lock() {
            *state = State {
                schedule,
                ..State::default()
            };
        }
    }

    /// How many attempts were faulted since the schedule was set.
    pub fn faulted(&self) -> usize {
        self.state.lock().map(|s| s.faulted).unwrap_or_default()
    }

    /// The action of the faulted call, once it came.
    pub fn target_action(&self) -> Option<Action> {
        self.state.lock().ok().and_then(|s| s.target)
    }

    /// How many mutating calls were made since the schedule was set.
    pub fn mutating_calls(&self) -> usize {
        self.state
            .lock()
            .map(|s| s.mutating_seen)
            .unwrap_or_default()
    }

    fn decide(&self, action: Action) -> Option<Schedule> {
        self.state.lock().ok().and_then(|mut s| s.decide(action))
    }

    /// Tells the observer that `action` is attempted again.
    fn retried(&self, action: Action, attempt: u32) {
        let observer = self.observer.lock().ok().and_then(|o| o.clone());
        if let Some(observer) = observer {
            observer(Retry {
                action: action.as_str().to_owned(),
                attempt,
            });
        }
    }
}

/// Implements `Cloud` by forwarding each call of [`super::calls`], and
/// faulting the scheduled one: its faulted attempts (each reaching the inner
/// cloud when the fault comes after IAM acts), then, for a blip, the retry
/// that the SDK would make, whose answer is the call's.
macro_rules! faulty_cloud {
    ($($action:path => $(#[$doc:meta])*
        fn $method:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        #[async_trait]
        impl<C: Cloud> Cloud for FaultyCloud<C> {
            $(
                async fn $method(&self $(, $arg: $ty)*) -> CloudResult<$ret> {
                    let Some(schedule) = self.decide($action) else {
                        return self.inner.$method($($arg),*).await;
                    };
                    let faulted = schedule.length.faulted_attempts();
                    for attempt in 1..=faulted {
                        if attempt > 1 {
                            self.retried($action, attempt);
                        }
                        if schedule.fault.reaches_iam() {
                            // IAM acts; its answer never reaches the caller.
                            let _lost = self.inner.$method($($arg),*).await;
                        }
                    }
                    match schedule.length {
                        Length::Outage => Err(schedule.fault.error($action)),
                        Length::Blip => {
                            self.retried($action, faulted + 1);
                            self.inner.$method($($arg),*).await
                        }
                    }
                }
            )*

            fn observe_retries(&self, observer: RetryObserver) {
                if let Ok(mut own) = self.observer.lock() {
                    *own = Some(observer.clone());
                }
                self.inner.observe_retries(observer);
            }
        }
    };
}

super::calls::cloud_calls!(faulty_cloud);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::cloud::memory::MemoryCloud;
    use serde_json::json;
    use std::sync::Arc;

    fn cloud() -> FaultyCloud<MemoryCloud> {
        FaultyCloud::new(MemoryCloud::new("123456789012", "aws"))
    }

    async fn create_role(cloud: &impl Cloud) -> CloudResult<RoleInfo> {
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        cloud
            .create_role(NewRole {
                name: "r",
                path: "/",
                description: "",
                trust_policy: &trust,
                permissions_boundary: None,
                tags: &Tags::new(),
            })
            .await
    }

    fn on_create_role(fault: Fault, length: Length) -> Option<Schedule> {
        Some(Schedule {
            fault,
            length,
            target: Target::First(Action::CreateRole),
        })
    }

    #[tokio::test]
    async fn a_blip_before_iam_acts_is_ridden_out() {
        let cloud = cloud();
        cloud.schedule(on_create_role(Fault::Throttle, Length::Blip));
        assert!(create_role(&cloud).await.is_ok());
        assert_eq!(cloud.faulted(), 1);
        assert_eq!(cloud.target_action(), Some(Action::CreateRole));
    }

    #[tokio::test]
    async fn a_blip_after_iam_acts_meets_its_effect() {
        let cloud = cloud();
        cloud.schedule(on_create_role(Fault::ResetAfter, Length::Blip));
        let e = create_role(&cloud).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::AlreadyExists, "{e}");
        assert!(cloud.inner().get_role("r").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn an_outage_fails_with_the_sdk_backends_kind_and_reports_retries() {
        for fault in Fault::ALL {
            let cloud = cloud();
            let retries = Arc::new(Mutex::new(Vec::new()));
            let seen = Arc::clone(&retries);
            cloud.observe_retries(Arc::new(move |r: Retry| {
                seen.lock().unwrap().push(r.attempt)
            }));
            cloud.schedule(on_create_role(fault, Length::Outage));
            let e = create_role(&cloud).await.unwrap_err();
            assert_eq!(
                (e.action, e.kind),
                (Action::CreateRole, fault.kind()),
                "{e}"
            );
            assert_eq!(cloud.faulted(), MAX_ATTEMPTS as usize);
            assert_eq!(
                *retries.lock().unwrap(),
                (2..=MAX_ATTEMPTS).collect::<Vec<_>>()
            );
            let made = cloud.inner().get_role("r").await.unwrap().is_some();
            assert_eq!(made, fault.reaches_iam(), "{fault:?}");
        }
    }

    #[tokio::test]
    async fn only_the_nth_mutating_call_is_faulted_once() {
        let cloud = cloud();
        cloud.schedule(Some(Schedule {
            fault: Fault::ServiceFailure,
            length: Length::Outage,
            target: Target::NthMutating(2),
        }));
        assert!(create_role(&cloud).await.is_ok());
        assert!(cloud.get_role("r").await.is_ok(), "reads are not counted");
        let e = cloud.tag_role("r", &Tags::new()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Other);
        assert!(cloud.tag_role("r", &Tags::new()).await.is_ok());
        assert_eq!(cloud.mutating_calls(), 3);
    }
}
