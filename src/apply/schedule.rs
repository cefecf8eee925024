//! Runs a set of tasks as soon as what each needs is done: a task starts
//! the moment the last task it needs succeeds, up to a limit in flight.
//!
//! On a real network a call to IAM costs a round trip (30–150 ms from most
//! places), so what decides how long an apply takes is how many calls run
//! one after another, not how many there are. Waves by resource kind made
//! every attachment wait for every create of the wave before; a graph of
//! single API steps lets each one wait only for the steps it really needs
//! (an attachment for its role and its policy), so a full plan takes as
//! many rounds as its longest chain of needs: usually two.
//!
//! Pure scheduling: the caller makes the futures, the journal and the
//! events; this only decides when each one starts.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::stream::{FuturesUnordered, StreamExt};

/// A task's future, as the caller makes it when the task may start.
/// How many calls are in flight at once, in an apply or a destroy.
///
/// AWS does not publish IAM's request rates: each API has token buckets
/// per account, refilled every second, and a throttled call is retried by
/// the SDK with back-off. Sixteen lets every round of a full plan (about a
/// dozen creates, then a dozen attachments) go out at once while staying
/// well under the tens of calls per second IAM takes in practice; the
/// permission preflight keeps its own, lower limit, as AWS asks for the
/// policy simulator.
pub const CONCURRENCY: usize = 16;

pub type Started<'a, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>;

/// Runs `needs.len()` tasks, task `i` started by `start(i)` once every task
/// in `needs[i]` has succeeded, at most `limit` at once, lowest index first
/// among those ready. A failure for which `halts` is true starts nothing
/// new, and the tasks in flight finish (an apply: a failed call stops it,
/// and the journal says where); any other failure leaves out only what
/// needs the failed task (a destroy undoes everything it can). Once `stop`
/// is set nothing new starts either.
///
/// Returns each task that ran, with its result, in the order they ended;
/// a task that never started (a need failed or never ran, a halt, a stop,
/// or a need outside `0..needs.len()`) is absent.
pub async fn run<'a, T, E>(
    needs: &[Vec<usize>],
    limit: usize,
    halts: impl Fn(&E) -> bool,
    stop: &AtomicBool,
    mut start: impl FnMut(usize) -> Started<'a, T, E>,
) -> Vec<(usize, Result<T, E>)> {
    let count = needs.len();
    let mut waiting: Vec<usize> = needs.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (task, list) in needs.iter().enumerate() {
        for &need in list {
            match dependents.get_mut(need) {
                Some(d) => d.push(task),
                // A need that is not a task can never be met.
                None => waiting[task] = usize::MAX,
            }
        }
    }
    let mut ready: BTreeSet<usize> = (0..count).filter(|&i| waiting[i] == 0).collect();
    let mut running = FuturesUnordered::new();
    let mut ended = Vec::with_capacity(count);
    let mut halted = false;
    loop {
        while !halted && running.len() < limit.max(1) && !stop.load(Ordering::SeqCst) {
            let Some(task) = ready.pop_first() else { break };
            let future = start(task);
            running.push(async move { (task, future.await) });
        }
        let Some((task, result)) = running.next().await else {
            break;
        };
        match &result {
            Ok(_) => {
                for &d in &dependents[task] {
                    if waiting[d] != usize::MAX {
                        waiting[d] -= 1;
                        if waiting[d] == 0 {
                            ready.insert(d);
                        }
                    }
                }
            }
            Err(e) => halted |= halts(e),
        }
        ended.push((task, result));
    }
    ended
}

/// How many rounds the tasks take when each runs as soon as it may and
/// nothing is limited: the length of the longest chain of needs (0 for no
/// tasks). What a benchmark's measured rounds are held to.
pub fn rounds(needs: &[Vec<usize>]) -> usize {
    let mut depth: Vec<Option<usize>> = vec![None; needs.len()];
    fn depth_of(
        task: usize,
        needs: &[Vec<usize>],
        depth: &mut [Option<usize>],
        seen: usize,
    ) -> usize {
        if let Some(d) = depth[task] {
            return d;
        }
        // A cycle (which the graphs built here cannot have) counts once.
        if seen > needs.len() {
            return 1;
        }
        let d = 1 + needs[task]
            .iter()
            .filter(|&&n| n < needs.len())
            .map(|&n| depth_of(n, needs, depth, seen + 1))
            .max()
            .unwrap_or(0);
        depth[task] = Some(d);
        d
    }
    (0..needs.len())
        .map(|t| depth_of(t, needs, &mut depth, 0))
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    /// Runs tasks that each take `ms` and log when they start and end,
    /// failing those in `fail`; returns the log and the ended list.
    async fn trace(
        needs: &[Vec<usize>],
        limit: usize,
        halt: bool,
        fail: &[usize],
    ) -> (Vec<String>, Vec<(usize, Result<(), ()>)>) {
        let log = Mutex::new(Vec::new());
        let stop = AtomicBool::new(false);
        let ended = run(
            needs,
            limit,
            |_| halt,
            &stop,
            |i| {
                let log = &log;
                let failing = fail.contains(&i);
                Box::pin(async move {
                    log.lock().unwrap().push(format!("start {i}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    log.lock().unwrap().push(format!("end {i}"));
                    if failing { Err(()) } else { Ok(()) }
                })
            },
        )
        .await;
        (log.into_inner().unwrap(), ended)
    }

    fn started(log: &[String]) -> Vec<usize> {
        log.iter()
            .filter_map(|l| l.strip_prefix("start ")?.parse().ok())
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn each_task_starts_once_its_needs_are_done_and_not_before() {
        // 0 and 1 free; 2 needs 0; 3 needs 0 and 1; 4 needs 3.
        let needs = vec![vec![], vec![], vec![0], vec![0, 1], vec![3]];
        let (log, ended) = trace(&needs, 16, true, &[]).await;
        let at = |s: &str| log.iter().position(|l| l == s).unwrap();
        assert!(at("end 0") < at("start 2"));
        assert!(at("end 0") < at("start 3") && at("end 1") < at("start 3"));
        assert!(at("end 3") < at("start 4"));
        // Free tasks start together, before anything ends.
        assert!(at("start 1") < at("end 0"));
        assert_eq!(ended.len(), 5);
        assert!(ended.iter().all(|(_, r)| r.is_ok()));
    }

    #[tokio::test(start_paused = true)]
    async fn independent_tasks_take_one_round_and_chains_take_their_length() {
        let started_at = tokio::time::Instant::now();
        let needs = vec![vec![]; 12];
        trace(&needs, 16, true, &[]).await;
        assert_eq!(started_at.elapsed(), Duration::from_millis(10));
        let started_at = tokio::time::Instant::now();
        let chain = vec![vec![], vec![0], vec![1]];
        trace(&chain, 16, true, &[]).await;
        assert_eq!(started_at.elapsed(), Duration::from_millis(30));
        assert_eq!(rounds(&needs), 1);
        assert_eq!(rounds(&chain), 3);
        assert_eq!(rounds(&[]), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_limit_caps_the_tasks_in_flight() {
        let needs = vec![vec![]; 10];
        let started_at = tokio::time::Instant::now();
        let (log, _) = trace(&needs, 4, true, &[]).await;
        // Ten tasks of 10 ms, four at a time: three rounds.
        assert_eq!(started_at.elapsed(), Duration::from_millis(30));
        let mut in_flight: i32 = 0;
        let mut most = 0;
        for line in &log {
            in_flight += if line.starts_with("start") { 1 } else { -1 };
            most = most.max(in_flight);
        }
        assert_eq!(most, 4);
        // Lowest index first among the ready.
        assert_eq!(started(&log)[..4], [0, 1, 2, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_halt_lets_the_tasks_in_flight_finish_and_starts_nothing_new() {
        // 0 fails; 1 and 2 are in flight with it; 3 needs only 1, yet does
        // not start after the halt.
        let needs = vec![vec![], vec![], vec![], vec![1]];
        let (log, ended) = trace(&needs, 16, true, &[0]).await;
        assert_eq!(started(&log), [0, 1, 2]);
        assert_eq!(ended.len(), 3);
        assert!(ended.iter().any(|(i, r)| *i == 0 && r.is_err()));
    }

    #[tokio::test(start_paused = true)]
    async fn skipping_dependents_leaves_out_only_what_needs_the_failure() {
        // 0 fails: 2 (needs 0) and 4 (needs 2) are left out; 3 (needs 1) runs.
        let needs = vec![vec![], vec![], vec![0], vec![1], vec![2]];
        let (log, ended) = trace(&needs, 16, false, &[0]).await;
        let mut ran = started(&log);
        ran.sort_unstable();
        assert_eq!(ran, [0, 1, 3]);
        assert_eq!(ended.len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_starts_nothing_new() {
        let needs = vec![vec![], vec![0], vec![1]];
        let stop = AtomicBool::new(false);
        let ended = run(
            &needs,
            16,
            |_: &()| true,
            &stop,
            |i| {
                let stop = &stop;
                Box::pin(async move {
                    if i == 0 {
                        stop.store(true, Ordering::SeqCst);
                    }
                    Ok::<usize, ()>(i)
                })
            },
        )
        .await;
        assert_eq!(ended, [(0, Ok(0))]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_need_outside_the_tasks_is_never_met() {
        let needs = vec![vec![], vec![7]];
        let (log, ended) = trace(&needs, 16, true, &[]).await;
        assert_eq!(started(&log), [0]);
        assert_eq!(ended.len(), 1);
    }
}
