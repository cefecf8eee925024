//! A tiny HTTP server on a loopback port with canned answers (a fake
//! server, not a mock of the SDK): for what only the real services answer
//! and no emulator offers, read through the real wire protocol.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::sync::{Arc, Mutex};

/// The SDK backend pointed at a canned server, with dummy credentials.
pub async fn sdk_on(url: &str) -> onramp::cloud::sdk::SdkCloud {
    let options = onramp::cloud::sdk::ConnectOptions {
        region: Some("us-east-1".into()),
        endpoint_url: Some(url.to_owned()),
        ..onramp::cloud::sdk::ConnectOptions::default()
    };
    onramp::cloud::sdk::SdkCloud::connect_isolated(&options, crate::moto::dummy_credentials())
        .await
        .unwrap()
}

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Like `POST /policy/validation?maxResults=… HTTP/1.1`.
    pub line: String,
    pub body: String,
}

/// One answer: status, content type, body.
pub type Answer = (u16, &'static str, String);

/// The server: its URL and every request it received, in order. It serves
/// until the test process ends.
pub struct Canned {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Canned {
    /// The bodies of the requests received so far.
    pub fn bodies(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.body).collect()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

/// A server that answers each request with `answer(request, n)`, n counting
/// from 0.
pub fn routed(answer: impl Fn(&Request, usize) -> Answer + Send + 'static) -> Canned {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).unwrap_or(0) == 0 {
                continue;
            }
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let request = Request {
                line: first.trim_end().to_owned(),
                body: String::from_utf8(body).unwrap(),
            };
            let n = {
                let mut seen = seen.lock().unwrap();
                seen.push(request.clone());
                seen.len() - 1
            };
            let (status, content_type, text) = answer(&request, n);
            let reply = format!(
                "HTTP/1.1 {status} Canned\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    Canned { url, requests }
}

/// A server that answers the n-th request with the n-th response (the last
/// one again after that), as XML (IAM's query protocol).
pub fn canned(responses: Vec<(u16, String)>) -> Canned {
    routed(move |_, n| {
        let (status, text) = &responses[n.min(responses.len() - 1)];
        (*status, "text/xml", text.clone())
    })
}
