//! What the client records with `tracing`: a span per attempt and per request with
//! the operation, attempt, status and latency, a warning for each retry with its
//! reason, and nothing secret.
//!
//! This file holds a single test because it installs a global subscriber: the client's
//! requests run on its own runtime threads, which a thread-local subscriber would miss.

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kalshi_portfolio::RetryPolicy;
use serde_json::json;
use support::{Reply, TestServer};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn spans_record_operation_attempt_status_and_latency_and_nothing_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .init();

    let calls = AtomicUsize::new(0);
    let server = TestServer::start(move |_| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(503, &json!({"code": "unavailable", "message": "try later"}))
        } else {
            Reply::json(
                200,
                &json!({"balance": 1, "balance_dollars": "0.0100", "portfolio_value": 0, "updated_ts": 1}),
            )
        }
    });
    let client = server
        .client_builder()
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(2)),
        )
        .build()
        .expect("client");
    client.get_balance().expect("second attempt succeeds");
    drop(client);

    let log = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8");
    assert!(log.contains("kalshi_call"), "{log}");
    assert!(log.contains("operation=\"get_balance\""), "{log}");
    assert!(log.contains("attempt=2"), "{log}");
    assert!(log.contains("kalshi_request"), "{log}");
    assert!(
        log.contains("status=503") && log.contains("status=200"),
        "{log}"
    );
    assert!(log.contains("latency_ms="), "{log}");
    assert!(log.contains("WARN") && log.contains("retrying"), "{log}");
    assert!(
        log.contains("try later"),
        "the retry warning names its reason: {log}"
    );

    let pem = support::fixture("rsa-pkcs1.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    for window in body.as_bytes().windows(16).step_by(8) {
        let fragment = std::str::from_utf8(window).expect("ascii");
        assert!(!log.contains(fragment), "key material in the log");
    }
    for request in server.requests() {
        let signature = request.header("kalshi-access-signature").expect("signed");
        assert!(!log.contains(signature), "a signature in the log");
    }
}
