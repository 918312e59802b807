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

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::raw_http::read_request;
pub use crate::raw_http::Request;

/// The longest any script streams or drips before giving up on its own.
pub const MAX_STREAM: Duration = Duration::from_secs(10);

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
