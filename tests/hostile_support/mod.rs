//! A deliberately hostile HTTP/1.1 server on 127.0.0.1, written on raw TCP so that it
//! can do what well-behaved server libraries refuse to: send a body that never ends,
//! drip a response a byte at a time, send a megabyte of headers, or redirect a signed
//! request somewhere else.
//!
//! Each connection is served by its own thread: the server reads one request (head and
//! `Content-Length` body), records it, and hands the socket to the test's script, which
//! writes whatever it likes. Every response closes the connection, so each request is
//! one connection and nothing depends on keep-alive. Every loop is bounded: a script
//! that streams forever stops at [`MAX_STREAM`] or when the client hangs up, and the
//! server stops accepting when dropped.

// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest any script streams or drips before giving up on its own.
pub const MAX_STREAM: Duration = Duration::from_secs(10);

/// One request as the hostile server read it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// The request target as sent: a path, or an absolute URL when sent to a proxy.
    pub target: String,
    /// Header names lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether it carries any of Kalshi's `KALSHI-ACCESS-*` headers.
    pub fn carries_credentials(&self) -> bool {
        self.headers
            .iter()
            .any(|(key, _)| key.starts_with("kalshi-access-"))
    }

    /// The path without the query (absolute-form targets reduced to their path).
    pub fn path(&self) -> &str {
        let target = match self.target.find("://") {
            Some(scheme_end) => {
                let rest = &self.target[scheme_end + 3..];
                rest.find('/').map_or("/", |slash| &rest[slash..])
            }
            None => &self.target,
        };
        target.split('?').next().unwrap_or(target)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON request body")
    }
}

type Script = dyn Fn(&Request, &mut TcpStream) + Send + Sync;

/// A hostile server; stops accepting when dropped.
pub struct HostileServer {
    address: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HostileServer {
    /// Start a server that answers every request with `script`.
    pub fn start(script: impl Fn(&Request, &mut TcpStream) + Send + Sync + 'static) -> Self {
        let script: Arc<Script> = Arc::new(script);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let address = listener.local_addr().expect("address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, stop) = (requests.clone(), stop.clone());
            std::thread::spawn(move || accept_loop(listener, script, requests, stop))
        };
        HostileServer {
            address,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/trade-api/v2", self.port())
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("request log").clone()
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().expect("request log").len()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    script: Arc<Script>,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let (script, requests) = (script.clone(), requests.clone());
                std::thread::spawn(move || serve_one(stream, &*script, &requests));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(_) => return,
        }
    }
}

fn serve_one(stream: TcpStream, script: &Script, requests: &Mutex<Vec<Request>>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    requests.lock().expect("request log").push(request.clone());
    script(&request, &mut writer);
    let _ = writer.flush();
    let _ = writer.shutdown(std::net::Shutdown::Both);
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

/// Write a whole response: status line, headers (plus `content-length` and
/// `connection: close`), body.
pub fn respond(stream: &mut TcpStream, status: u16, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

/// A JSON response.
pub fn respond_json(stream: &mut TcpStream, status: u16, body: &serde_json::Value) {
    respond(
        stream,
        status,
        &[("content-type", "application/json")],
        body.to_string().as_bytes(),
    );
}

/// A 200 with a chunked JSON body that never ends: `{"fills":[` and then the same
/// padding chunk until the client hangs up or [`MAX_STREAM`] passes.
pub fn respond_endless(stream: &mut TcpStream) {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                transfer-encoding: chunked\r\nconnection: close\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let chunk = |data: &[u8]| {
        let mut framed = format!("{:x}\r\n", data.len()).into_bytes();
        framed.extend_from_slice(data);
        framed.extend_from_slice(b"\r\n");
        framed
    };
    if stream.write_all(&chunk(b"{\"fills\":[")).is_err() {
        return;
    }
    let padding = chunk(&b"{\"x\":\"0000000000000000000000000000000000000000\"},".repeat(1500));
    let started = Instant::now();
    while started.elapsed() < MAX_STREAM {
        if stream.write_all(&padding).is_err() {
            return;
        }
    }
}

/// Write `bytes` one at a time, `gap` apart, until done, the client hangs up, or
/// [`MAX_STREAM`] passes.
pub fn drip(stream: &mut TcpStream, bytes: &[u8], gap: Duration) {
    let started = Instant::now();
    for byte in bytes {
        if started.elapsed() > MAX_STREAM || stream.write_all(&[*byte]).is_err() {
            return;
        }
        let _ = stream.flush();
        std::thread::sleep(gap);
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// This process's peak resident memory (VmHWM) in bytes, where /proc tells it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
