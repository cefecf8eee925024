//! A fault-injecting HTTP proxy on 127.0.0.1 for the fault tests: it sits
//! between the SDK and moto, forwards every request, and on schedule makes
//! one IAM call misbehave the way AWS or a network sometimes does.
//!
//! The faults are what the SDK's retry policy and onramp's journal must
//! survive: an IAM `Throttling` error, an HTTP 500 `ServiceFailure`, a
//! connection reset before the request reaches IAM (nothing happened), a
//! reset after IAM has acted on it (the answer is lost: the entity exists but
//! the caller does not know), and an answer that comes after the caller's
//! attempt timeout (the same, by time).
//!
//! A schedule picks the `n`-th mutating request and faults it and every
//! repeat of it (same body: the SDK's retries) up to `times` requests, so
//! `times: 1` is a blip the retry rides out and `times` ≥ the SDK's attempts
//! is an outage of that one call. One request per connection: requests go
//! upstream with `Connection: close`, and the answer comes back the same way.
//!
//! It can also answer an action itself (`answer`), for an IAM API moto lacks
//! (the policy simulator), while everything else still goes to moto.
//!
//! And it can pace every mutating call (`pace`), holding it before it goes
//! to moto and its answer after, each call for its own time, so that a
//! test killing the caller lands inside calls, on either side of IAM
//! acting, and calls sent together end apart; a call whose caller died
//! while it was held is dropped, not sent (`settle` waits for those already
//! sent), so that nothing from a killed run reaches moto after it is gone.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use onramp::iam::action::Action;
use std::time::Duration;

/// What goes wrong with a faulted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// IAM's `Throttling` (HTTP 400), without forwarding.
    Throttle,
    /// HTTP 500 `ServiceFailure`, without forwarding.
    ServiceFailure,
    /// The connection is reset before anything is forwarded.
    ResetBefore,
    /// Forwarded and answered by IAM, then the connection is reset: the
    /// change is made, the answer lost.
    ResetAfter,
    /// Forwarded, and the answer held back this long (past the caller's
    /// attempt timeout).
    Delay(Duration),
}

impl Fault {
    /// Whether IAM acts on the faulted request.
    pub fn reaches_iam(self) -> bool {
        matches!(self, Fault::ResetAfter | Fault::Delay(_))
    }
}

/// Which request to fault, and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub fault: Fault,
    /// The mutating request to fault, counted from 1 since the schedule was set.
    pub nth_mutating: usize,
    /// When set, only requests of this action are counted: `nth_mutating`
    /// 1 is its first, whatever the order of concurrent steps.
    pub only: Option<Action>,
    /// How many requests with that body are faulted (the first one and the
    /// SDK's retries of it).
    pub times: usize,
}

/// A request the proxy saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The API action (`Action=` of the query protocol; `S3 GET` for S3).
    pub action: String,
    /// Whether it was faulted.
    pub faulted: bool,
}

impl Seen {
    pub fn mutating(&self) -> bool {
        self.action.parse::<Action>().is_ok_and(Action::is_mutating)
    }
}

#[derive(Default)]
struct State {
    schedule: Option<Schedule>,
    mutating_seen: usize,
    /// The body of the request picked for faulting, once it came.
    target: Option<Vec<u8>>,
    faulted: usize,
    seen: Vec<Seen>,
}

impl State {
    /// Records a request and says whether to fault it.
    fn decide(&mut self, action: &str, body: &[u8]) -> Option<Fault> {
        let parsed = action.parse::<Action>().ok();
        let wanted = self
            .schedule
            .and_then(|s| s.only)
            .is_none_or(|only| parsed == Some(only));
        let mutating = parsed.is_some_and(Action::is_mutating) && wanted;
        if mutating {
            self.mutating_seen += 1;
        }
        let fault = self.schedule.and_then(|s| {
            if self.faulted >= s.times {
                return None;
            }
            let hit = match &self.target {
                Some(target) => target == body,
                None if mutating && self.mutating_seen == s.nth_mutating => {
                    self.target = Some(body.to_vec());
                    true
                }
                None => false,
            };
            hit.then_some(s.fault)
        });
        if fault.is_some() {
            self.faulted += 1;
        }
        self.seen.push(Seen {
            action: action.to_owned(),
            faulted: fault.is_some(),
        });
        fault
    }
}

/// Answers the proxy gives itself, for an API moto lacks: the action, and
/// the XML body of a 200 answer made from the request's body.
type Canned = (String, fn(&str) -> String);

/// Pacing of mutating calls ([`FaultProxy::pace`]): how long each is held
/// on either side of moto, and how many are at moto now.
#[derive(Default)]
struct Pace {
    /// Microseconds; 0 for none.
    hold_micros: AtomicU64,
    at_moto: AtomicUsize,
}

/// The running proxy. Its threads live as long as the test process.
#[derive(Clone)]
pub struct FaultProxy {
    url: String,
    state: Arc<Mutex<State>>,
    canned: Arc<Mutex<Vec<Canned>>>,
    pace: Arc<Pace>,
}

impl FaultProxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("an http:// upstream")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let canned: Arc<Mutex<Vec<Canned>>> = Arc::default();
        let pace: Arc<Pace> = Arc::default();
        let (shared, shared_canned, shared_pace) =
            (Arc::clone(&state), Arc::clone(&canned), Arc::clone(&pace));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let state = Arc::clone(&shared);
                let canned = Arc::clone(&shared_canned);
                let pace = Arc::clone(&shared_pace);
                let upstream = upstream.clone();
                std::thread::spawn(move || serve(client, &upstream, &state, &canned, &pace));
            }
        });
        FaultProxy {
            url,
            state,
            canned,
            pace,
        }
    }

    /// From now on, holds every mutating call that is not faulted before
    /// sending it to moto, and its answer after, each for up to twice
    /// `hold` (`Duration::ZERO`: no more pacing). How long is fixed per
    /// request (a hash of its body): calls sent at once end apart, the
    /// same way in every run. A call whose caller has hung up by the end
    /// of the first hold is not sent at all.
    pub fn pace(&self, hold: Duration) {
        let micros = u64::try_from(hold.as_micros()).unwrap_or(u64::MAX);
        self.pace.hold_micros.store(micros, Ordering::SeqCst);
    }

    /// Waits (up to a minute) until no paced call is at moto: once the
    /// caller is dead, what it sent has then taken effect, and nothing
    /// more of it will.
    pub fn settle(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while self.pace.at_moto.load(Ordering::SeqCst) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "a paced call is still at moto after a minute"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Holds back the answer to the `nth` mutating call from now by
    /// `how_long` (once: its retries pass), so that a test can act while
    /// that call is in flight.
    pub fn hold(&self, nth: usize, how_long: Duration) {
        self.schedule(Some(Schedule {
            fault: Fault::Delay(how_long),
            nth_mutating: nth,
            only: None,
            times: 1,
        }));
    }

    /// Holds the `nth` request of `action` (counted from 1) for `how_long`,
    /// then forwards it: a call in flight for as long as a test needs.
    pub fn hold_action(&self, action: Action, nth: usize, how_long: Duration) {
        self.schedule(Some(Schedule {
            fault: Fault::Delay(how_long),
            nth_mutating: nth,
            only: Some(action),
            times: 1,
        }));
    }

    /// From now on, answers `action` itself (HTTP 200, the XML `answer`
    /// makes from the request's body) instead of forwarding it.
    pub fn answer(&self, action: &str, answer: fn(&str) -> String) {
        self.canned
            .lock()
            .unwrap()
            .push((action.to_owned(), answer));
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sets (or clears) the schedule and starts counting afresh.
    pub fn schedule(&self, schedule: Option<Schedule>) {
        let mut state = self.state.lock().unwrap();
        *state = State {
            schedule,
            ..State::default()
        };
    }

    /// Every request since the schedule was set, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// How many requests were faulted.
    pub fn faulted(&self) -> usize {
        self.state.lock().unwrap().faulted
    }

    /// The action of the request picked for faulting, once it came.
    pub fn target_action(&self) -> Option<String> {
        let state = self.state.lock().unwrap();
        let target = state.target.as_ref()?;
        Some(action_of(target))
    }
}

/// A request read off the wire.
struct Request {
    /// The head, without the final blank line.
    head: String,
    body: Vec<u8>,
}

fn serve(
    mut client: TcpStream,
    upstream: &str,
    state: &Mutex<State>,
    canned: &Mutex<Vec<Canned>>,
    pace: &Pace,
) {
    let Some(request) = read_request(&mut client) else {
        return;
    };
    let action = if request.body.is_empty() {
        request
            .head
            .split_whitespace()
            .next()
            .map(|method| format!("S3 {method}"))
            .unwrap_or_default()
    } else {
        action_of(&request.body)
    };
    let own = canned
        .lock()
        .unwrap()
        .iter()
        .find(|(canned, _)| *canned == action)
        .map(|(_, answer)| *answer);
    if let Some(answer) = own {
        state.lock().unwrap().seen.push(Seen {
            action: action.clone(),
            faulted: false,
        });
        let body = answer(&String::from_utf8_lossy(&request.body));
        let _ = client.write_all(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
        return;
    }
    let fault = state.lock().unwrap().decide(&action, &request.body);
    let hold = pace_of(&request.body, pace.hold_micros.load(Ordering::SeqCst));
    let paced = !hold.is_zero() && action.parse::<Action>().is_ok_and(Action::is_mutating);
    match fault {
        None if paced => forward_paced(&mut client, &request, upstream, pace, hold),
        None => {
            if let Some(answer) = forward(&request, upstream) {
                let _ = client.write_all(&answer);
            }
        }
        Some(Fault::Throttle) => answer_error(&mut client, 400, "Sender", "Throttling"),
        Some(Fault::ServiceFailure) => answer_error(&mut client, 500, "Receiver", "ServiceFailure"),
        Some(Fault::ResetBefore) => reset(client),
        Some(Fault::ResetAfter) => {
            let _ = forward(&request, upstream);
            reset(client);
        }
        Some(Fault::Delay(by)) => {
            let answer = forward(&request, upstream);
            std::thread::sleep(by);
            if let Some(answer) = answer {
                // The caller has usually given up by now.
                let _ = client.write_all(&answer);
            }
        }
    }
}

/// How long to hold a request with `body` when the pace is `micros`: a
/// part of twice that, by a hash of the body (with fixed keys: the same
/// in every run).
fn pace_of(body: &[u8], micros: u64) -> Duration {
    use std::hash::{DefaultHasher, Hash, Hasher};
    if micros == 0 {
        return Duration::ZERO;
    }
    let mut hasher = DefaultHasher::new();
    body.hash(&mut hasher);
    Duration::from_micros(1 + hasher.finish() % (2 * micros))
}

/// Holds a request, sends it to moto unless its caller hung up meanwhile,
/// and holds the answer before passing it on. The count of calls at moto
/// goes up before the caller is looked at, so that [`FaultProxy::settle`]
/// after the caller's death either sees this call or it is never sent.
fn forward_paced(
    client: &mut TcpStream,
    request: &Request,
    upstream: &str,
    pace: &Pace,
    hold: Duration,
) {
    std::thread::sleep(hold);
    pace.at_moto.fetch_add(1, Ordering::SeqCst);
    let answer = if hung_up(client) {
        None
    } else {
        forward(request, upstream)
    };
    pace.at_moto.fetch_sub(1, Ordering::SeqCst);
    if let Some(answer) = answer {
        std::thread::sleep(hold);
        let _ = client.write_all(&answer);
    }
}

/// Whether the other end of `client` has closed or reset the connection
/// (it sends nothing more once its request is read).
fn hung_up(client: &TcpStream) -> bool {
    if client.set_nonblocking(true).is_err() {
        return true;
    }
    let mut byte = [0u8; 1];
    let gone = match client.peek(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != ErrorKind::WouldBlock,
    };
    let _ = client.set_nonblocking(false);
    gone
}

/// `Action=…` of a query-protocol body.
fn action_of(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
        .unwrap_or("?")
        .to_owned()
}

fn read_request(client: &mut TcpStream) -> Option<Request> {
    client
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buffer, b"\r\n\r\n") {
            break i;
        }
        let n = client.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length = header(&head, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Request { head, body })
}

/// Sends the request upstream on a connection of its own and returns the
/// whole answer, as bytes to pass on.
fn forward(request: &Request, upstream: &str) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).ok()?;
    server
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    let mut head: Vec<&str> = request
        .head
        .split("\r\n")
        .filter(|line| {
            let name = line.split(':').next().unwrap_or("").trim();
            !name.eq_ignore_ascii_case("connection")
        })
        .collect();
    head.push("Connection: close");
    let mut bytes = head.join("\r\n").into_bytes();
    bytes.extend_from_slice(b"\r\n\r\n");
    bytes.extend_from_slice(&request.body);
    server.write_all(&bytes).ok()?;
    let mut answer = Vec::new();
    match server.read_to_end(&mut answer) {
        Ok(_) => Some(answer),
        Err(e) if e.kind() == ErrorKind::ConnectionReset && !answer.is_empty() => Some(answer),
        Err(_) => None,
    }
}

fn answer_error(client: &mut TcpStream, status: u16, kind: &str, code: &str) {
    let body = format!(
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
         <Error><Type>{kind}</Type><Code>{code}</Code>\
         <Message>injected by the test proxy</Message></Error>\
         <RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    );
    let reason = if status == 500 {
        "Internal Server Error"
    } else {
        "Bad Request"
    };
    let answer = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.write_all(answer.as_bytes());
}

/// Closes with a TCP reset (linger 0) rather than an orderly FIN.
fn reset(client: TcpStream) {
    let _ = rustix::net::sockopt::set_socket_linger(&client, Some(Duration::ZERO));
    drop(client);
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
