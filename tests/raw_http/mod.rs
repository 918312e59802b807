//! Reading HTTP/1.1 requests off a raw TCP connection, for the test servers that must
//! control the socket themselves (hostile answers, keep-alive and closing, counting
//! connections) and so cannot use a server library.

// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;

/// One request as a raw test server read it.
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

/// Reads one request from a connection: the request line, the headers and a
/// `Content-Length` body. `None` when the client closed the connection, or sent
/// something that is not an HTTP/1.1 request head.
pub fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
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
