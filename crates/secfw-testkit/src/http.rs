//! A scripted HTTP/1.1 server on 127.0.0.1 for webhook tests (ticket sync, notifications):
//! each connection gets the next [`Step`] of its script (answer, `Retry-After`, drop, hang).
#![allow(clippy::missing_panics_doc)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the server does with one connection.
#[derive(Clone, Debug)]
pub enum Step {
    /// Read the request, answer with this status and body, close.
    Respond(u16, &'static str),
    /// Read the request, answer with this status and a `Retry-After` header.
    RespondRetryAfter(u16, u64),
    /// Read the request, then close without answering (connection dropped mid-way).
    Drop,
    /// Read the request, then wait this long before closing without answering (client timeout).
    Hang(Duration),
}

/// A request as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Method.
    pub method: String,
    /// Request target.
    pub path: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Received {
    /// A header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A server on 127.0.0.1 that handles exactly `script.len()` connections, then stops; it also
/// stops by itself after 20 s without a connection, so a failing test never hangs.
pub struct Server {
    /// `http://127.0.0.1:PORT/hooks/secfw`.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    handle: Option<JoinHandle<()>>,
}

impl Server {
    /// Start serving `script` on a free loopback port.
    pub fn start(script: Vec<Step>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/hooks/secfw", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let rec = Arc::clone(&received);
        let handle = std::thread::spawn(move || {
            for step in script {
                let deadline = Instant::now() + Duration::from_secs(20);
                let stream = loop {
                    match listener.accept() {
                        Ok((s, _)) => break Some(s),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            if Instant::now() > deadline {
                                break None;
                            }
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        Err(_) => break None,
                    }
                };
                let Some(stream) = stream else { return };
                handle(stream, &step, &rec);
            }
        });
        Self { url, received, handle: Some(handle) }
    }

    /// Wait for the server thread to finish its script and return what it received.
    pub fn finish(mut self) -> Vec<Received> {
        if let Some(h) = self.handle.take() {
            h.join().unwrap();
        }
        self.received.lock().unwrap().clone()
    }

    /// What it received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn handle(stream: TcpStream, step: &Step, rec: &Arc<Mutex<Vec<Received>>>) {
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    rec.lock().unwrap().push(Received { method, path, headers, body });
    let mut stream = stream;
    match step {
        Step::Respond(status, text) => {
            let resp = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = stream.write_all(resp.as_bytes());
        }
        Step::RespondRetryAfter(status, secs) => {
            let resp =
                format!("HTTP/1.1 {status} X\r\nRetry-After: {secs}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(resp.as_bytes());
        }
        Step::Drop => {}
        Step::Hang(d) => std::thread::sleep(*d),
    }
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
}
