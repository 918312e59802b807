//! The unsigned admin API under `/_sandbox/` acts only on requests a web page cannot
//! forge: `Host` and `Origin` (when sent) name a loopback address, and a body is
//! declared `application/json`. Every refusal is a JSON error and changes nothing.
//! Requests are written by hand over a raw socket so every header is exactly as
//! given.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use kalshi_portfolio::sandbox::Sandbox;
use serde_json::Value;

struct Answer {
    status: u16,
    body: Value,
}

/// One HTTP/1.1 request with exactly these headers (no Host unless given).
fn raw(addr: SocketAddr, method: &str, path: &str, headers: &[&str], body: &str) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Answer {
        status: head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

const KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";

fn register_key_body(key_id: &str) -> String {
    serde_json::json!({ "key_id": key_id, "public_key_pem": KEY_PEM }).to_string()
}

/// Whether a key registered under `key_id` is known: a request signed with garbage
/// under a known key id is refused as `invalid_signature`, under an unknown one as
/// `unknown_api_key`.
fn key_is_known(sandbox: &Sandbox, key_id: &str) -> bool {
    let path = "/trade-api/v2/portfolio/balance";
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let host = format!("Host: {}", sandbox.addr());
    let key = format!("KALSHI-ACCESS-KEY: {key_id}");
    let stamp = format!("KALSHI-ACCESS-TIMESTAMP: {ts}");
    let answer = raw(
        sandbox.addr(),
        "GET",
        path,
        &[&host, &key, &stamp, "KALSHI-ACCESS-SIGNATURE: AAAA"],
        "",
    );
    assert_eq!(answer.status, 401);
    match answer.body["code"].as_str() {
        Some("invalid_signature") => true,
        Some("unknown_api_key") => false,
        other => panic!("unexpected refusal {other:?}"),
    }
}

fn assert_refused(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body["code"], code, "{}", answer.body);
    assert!(
        answer.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        answer.body
    );
}

#[test]
fn a_cross_site_text_plain_post_registers_nothing() {
    let sandbox = Sandbox::start().unwrap();
    let addr = sandbox.addr();
    // What a page on evil.example can make a browser send without a preflight.
    let answer = raw(
        addr,
        "POST",
        "/_sandbox/keys",
        &[
            "Host: evil.example:8787",
            "Origin: http://evil.example",
            "Content-Type: text/plain",
        ],
        &register_key_body("forged"),
    );
    assert_refused(&answer, 403, "forbidden_host");
    assert!(!key_is_known(&sandbox, "forged"));
}

#[test]
fn a_foreign_host_is_refused_whatever_else_is_right() {
    let sandbox = Sandbox::start().unwrap();
    let addr = sandbox.addr();
    for host in [
        "Host: evil.example",
        "Host: evil.example:8787",
        "Host: 10.0.0.1",
        "Host: localhost.evil.example",
        "Host: 127.0.0.1.evil.example",
        "Host: [::2]:8787",
        "Host: 127.0.0.1:notaport",
    ] {
        let answer = raw(
            addr,
            "POST",
            "/_sandbox/keys",
            &[host, "Content-Type: application/json"],
            &register_key_body("foreign-host"),
        );
        assert_refused(&answer, 403, "forbidden_host");
        let answer = raw(addr, "GET", "/_sandbox/journal", &[host], "");
        assert_refused(&answer, 403, "forbidden_host");
    }
    // No Host at all is refused too (HTTP/1.1 requires it; hyper may answer 400 itself).
    let answer = raw(addr, "GET", "/_sandbox/journal", &[], "");
    assert!(matches!(answer.status, 400 | 403), "{}", answer.status);
    assert!(!key_is_known(&sandbox, "foreign-host"));
}

#[test]
fn a_foreign_or_null_origin_is_refused() {
    let sandbox = Sandbox::start().unwrap();
    let addr = sandbox.addr();
    let host = format!("Host: {addr}");
    for origin in [
        "Origin: null",
        "Origin: http://evil.example",
        "Origin: https://evil.example:8787",
        "Origin: http://localhost.evil.example",
        "Origin: file://",
        "Origin: http://127.0.0.1:8787/path",
    ] {
        let answer = raw(
            addr,
            "POST",
            "/_sandbox/keys",
            &[&host, origin, "Content-Type: application/json"],
            &register_key_body("foreign-origin"),
        );
        assert_refused(&answer, 403, "forbidden_origin");
    }
    assert!(!key_is_known(&sandbox, "foreign-origin"));
}

#[test]
fn a_body_that_is_not_declared_json_is_refused() {
    let sandbox = Sandbox::start().unwrap();
    let addr = sandbox.addr();
    let host = format!("Host: {addr}");
    for content_type in [
        Some("Content-Type: text/plain"),
        Some("Content-Type: application/x-www-form-urlencoded"),
        Some("Content-Type: multipart/form-data; boundary=x"),
        Some("Content-Type: application/jsonp"),
        None,
    ] {
        let mut headers = vec![host.as_str()];
        headers.extend(content_type);
        let answer = raw(
            addr,
            "POST",
            "/_sandbox/keys",
            &headers,
            &register_key_body("not-json"),
        );
        assert_refused(&answer, 415, "unsupported_media_type");
    }
    // A POST without a body still needs the declaration (it is a write).
    let answer = raw(addr, "POST", "/_sandbox/balance", &[&host], "");
    assert_refused(&answer, 415, "unsupported_media_type");
    assert!(!key_is_known(&sandbox, "not-json"));
}

#[test]
fn loopback_hosts_and_origins_with_json_bodies_are_served() {
    let sandbox = Sandbox::start().unwrap();
    let addr = sandbox.addr();
    let port = addr.port();
    let cases = [
        (format!("Host: 127.0.0.1:{port}"), None),
        ("Host: 127.0.0.1".to_string(), None),
        ("Host: 127.1.2.3:9".to_string(), None),
        ("Host: localhost".to_string(), None),
        (format!("Host: LOCALHOST:{port}"), None),
        ("Host: [::1]".to_string(), None),
        (format!("Host: [::1]:{port}"), None),
        (
            format!("Host: 127.0.0.1:{port}"),
            Some(format!("Origin: http://127.0.0.1:{port}")),
        ),
        (
            format!("Host: localhost:{port}"),
            Some("Origin: http://localhost:3000".to_string()),
        ),
        (
            "Host: localhost".to_string(),
            Some("Origin: https://[::1]:8443".to_string()),
        ),
    ];
    for (i, (host, origin)) in cases.iter().enumerate() {
        let key_id = format!("loopback-{i}");
        let mut headers = vec![
            host.as_str(),
            "Content-Type: application/json; charset=utf-8",
        ];
        headers.extend(origin.as_deref());
        let answer = raw(
            addr,
            "POST",
            "/_sandbox/keys",
            &headers,
            &register_key_body(&key_id),
        );
        assert_eq!(answer.status, 200, "{host} {origin:?}: {}", answer.body);
        assert!(key_is_known(&sandbox, &key_id), "{host} {origin:?}");
    }
    // Reads and deletes carry no body and need no content type.
    let host = format!("Host: localhost:{port}");
    assert_eq!(
        raw(addr, "GET", "/_sandbox/journal", &[&host], "").status,
        200
    );
    assert_eq!(
        raw(addr, "DELETE", "/_sandbox/journal", &[&host], "").status,
        200
    );
}
