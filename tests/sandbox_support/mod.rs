//! Hand-signed HTTP/1.1 requests to a sandbox over a raw socket.
//!
//! Tests that look at the sandbox's exact answers (status, raw body) go around the
//! client, which would decode them; they still sign exactly as Kalshi requires, with
//! the sandbox's own key, so what they check is the sandbox's real behaviour.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kalshi_portfolio::sandbox::Sandbox;
use kalshi_portfolio::signing::SigningKey;
use serde_json::Value;

/// Send `method target` (the target may carry a query, which is not signed) with an
/// optional JSON body, and return the status and the body text.
pub fn send_signed(
    sandbox: &Sandbox,
    method: &str,
    target: &str,
    body: Option<&Value>,
) -> (u16, String) {
    let path = target.split('?').next().unwrap_or(target);
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64;
    let signature = SigningKey::from_pem(sandbox.private_key_pem())
        .expect("the sandbox's key loads")
        .sign_request(ts, method, path)
        .expect("signs");
    let body = body.map(Value::to_string).unwrap_or_default();
    let addr = sandbox.addr();
    let mut stream = TcpStream::connect(addr).expect("sandbox accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         KALSHI-ACCESS-KEY: {}\r\nKALSHI-ACCESS-TIMESTAMP: {ts}\r\nKALSHI-ACCESS-SIGNATURE: {signature}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        sandbox.key_id(),
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .expect("request written");
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}
