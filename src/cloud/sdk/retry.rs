//! Retries made visible: the SDK's standard retry mode retries throttling,
//! transient errors and timeouts on its own, silently. [`RetryReporter`] is
//! an interceptor on the IAM client that logs every request sent and tells
//! the front end's observer when a call is attempted again, so a person sees
//! why a step takes longer.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;

use crate::cloud::{Retry, RetryObserver};

/// An SDK interceptor that logs every IAM request and tells an observer when
/// a call is attempted again.
#[derive(Clone, Default)]
pub(super) struct RetryReporter {
    observer: Arc<Mutex<Option<RetryObserver>>>,
}

impl std::fmt::Debug for RetryReporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RetryReporter")
    }
}

impl RetryReporter {
    /// Reports to `observer` from now on, replacing any earlier one. The
    /// reporter is shared with the client's config, so this reaches calls
    /// made through clones of the cloud too.
    pub(super) fn observe(&self, observer: RetryObserver) {
        if let Ok(mut slot) = self.observer.lock() {
            *slot = Some(observer);
        }
    }

    /// One request about to be sent: attempt 1 is the call itself, later
    /// ones are retries and go to the observer.
    fn attempting(&self, action: String, attempt: u32) {
        // One line per request sent, for `--log-file`: how many calls a run
        // really made (bench/apply_vs_cli.sh counts them).
        tracing::debug!(target: "onramp::iam", action = %action, attempt, "iam request");
        if attempt > 1 {
            let observer = self.observer.lock().ok().and_then(|o| o.clone());
            if let Some(observer) = observer {
                observer(Retry { action, attempt });
            }
        }
    }
}

impl aws_sdk_iam::config::Intercept for RetryReporter {
    fn name(&self) -> &'static str {
        "onramp-retry-reporter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_sdk_iam::config::RuntimeComponents,
        cfg: &mut aws_sdk_iam::config::ConfigBag,
    ) -> Result<(), BoxError> {
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        let action = cfg
            .load::<Metadata>()
            .map_or_else(|| "call".to_owned(), |m| m.name().to_owned());
        self.attempting(action, attempt);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reporter and the retries its observer has seen.
    fn watched() -> (RetryReporter, Arc<Mutex<Vec<Retry>>>) {
        let reporter = RetryReporter::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        reporter.observe(Arc::new(move |r| sink.lock().unwrap().push(r)));
        (reporter, seen)
    }

    #[test]
    fn only_attempts_after_the_first_are_retries() {
        let (reporter, seen) = watched();
        reporter.attempting("CreateRole".to_owned(), 1);
        reporter.attempting("CreateRole".to_owned(), 2);
        reporter.attempting("CreateRole".to_owned(), 3);
        let seen = seen.lock().unwrap();
        assert_eq!(
            *seen,
            vec![
                Retry {
                    action: "CreateRole".to_owned(),
                    attempt: 2
                },
                Retry {
                    action: "CreateRole".to_owned(),
                    attempt: 3
                },
            ]
        );
    }

    #[test]
    fn a_new_observer_replaces_the_old_one_for_every_clone() {
        let (reporter, first) = watched();
        // The client's config holds a clone; the cloud keeps the original.
        let in_client = reporter.clone();
        let second = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&second);
        reporter.observe(Arc::new(move |r| sink.lock().unwrap().push(r)));
        in_client.attempting("GetRole".to_owned(), 2);
        assert!(first.lock().unwrap().is_empty());
        assert_eq!(second.lock().unwrap().len(), 1);
    }

    #[test]
    fn without_an_observer_retries_are_only_logged() {
        RetryReporter::default().attempting("GetRole".to_owned(), 2);
    }
}
