//! A kept-alive connection that the server closed while the client was idle is never
//! used for the next call.
//!
//! Servers and load balancers close idle keep-alive connections (Kalshi's after some
//! tens of seconds), and a batch job often sleeps longer than that between calls. A
//! client that sent its next request on such a connection would see it fail after
//! the request was written: for a write, an unknown outcome. The closing must be
//! noticed before the call picks a connection, although no runtime thread watches
//! the connection between calls (src/runtime.rs).
//!
//! The server is raw TCP: it answers one request on each connection, with a
//! keep-alive answer, and then closes it. Each call below must succeed on its first
//! and only attempt (retries are off), and each must have used a new connection.

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use kalshi_portfolio::{Client, Environment, RetryPolicy};

mod raw_http;

/// Starts the server; every connection it has closed is reported on the channel.
fn start() -> (SocketAddr, Arc<AtomicUsize>, mpsc::Receiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let (closed, closed_rx) = mpsc::channel();
    {
        let accepted = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                accepted.fetch_add(1, Ordering::SeqCst);
                answer_once(stream);
                if closed.send(()).is_err() {
                    return;
                }
            }
        });
    }
    (addr, accepted, closed_rx)
}

/// Read one request, answer it as if the connection stayed open, then close it.
fn answer_once(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    if raw_http::read_request(&mut reader).is_none() {
        return;
    }
    let answer =
        r#"{"balance":100,"balance_dollars":"1.00","portfolio_value":0,"updated_ts":1764079200}"#;
    let _ = write!(
        writer,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
        answer.len()
    );
    let _ = writer.flush();
    // Dropping both halves closes the socket: the FIN of an idle timeout.
}

#[test]
fn a_connection_closed_by_the_server_between_calls_is_not_reused() {
    let (addr, accepted, closed) = start();
    let key =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys/ed25519-pkcs8.pem");
    let client = Client::builder()
        .environment(Environment::Custom(format!("http://{addr}/trade-api/v2")))
        .api_key_id("idle-close-test-key")
        .private_key_file(key)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    for call in 1..=5 {
        let balance = client.get_balance();
        assert!(
            balance.is_ok(),
            "call {call} failed on a connection the server had closed: {:?}",
            balance.err()
        );
        // The server has closed the connection the call used before the next starts.
        closed
            .recv_timeout(Duration::from_secs(20))
            .expect("the server closes each connection after one answer");
        // The FIN reaches a loopback peer as the server's close returns; this margin
        // only covers a descheduled server thread.
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 5);
}
