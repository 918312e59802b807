//! A small local HTTP server for testing the blocking client offline.
//!
//! [`TestServer`] runs axum on `127.0.0.1:0` in its own tokio runtime on a background
//! thread, records every request exactly as it arrived ([`RecordedRequest`]) and
//! answers each one through the test's own handler (`Fn(&RecordedRequest) -> Reply`).
//! [`assert_signed`] checks Kalshi's three auth headers of a recorded request with
//! crypto libraries independent of the one the crate signs with.

// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

pub mod orders;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use kalshi_portfolio::{Client, ClientBuilder, Environment};
use serde_json::Value;

/// The API key id every test client is built with.
pub const KEY_ID: &str = "test-key-id";

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path as sent on the wire: percent-encoding intact, no query.
    pub path: String,
    /// The raw query string (without `?`), if there was one.
    pub query: Option<String>,
    /// Every header, names lowercase, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The query decoded into pairs, sorted, so comparisons ignore the order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        pairs.sort();
        pairs
    }

    /// One decoded query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// The body parsed as JSON; `None` when there is no body.
    pub fn json(&self) -> Option<Value> {
        if self.body.is_empty() {
            return None;
        }
        Some(serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "request body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        }))
    }
}

/// What the server answers: status, headers, body, and an optional delay first.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Option<Duration>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply::raw(status, "application/json", body.to_string())
    }

    /// Any body with this content type (e.g. invalid JSON, an HTML error page).
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: None,
        }
    }

    /// No body at all (e.g. 204).
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: None,
        }
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Wait this long before answering (the server's other requests are not held up).
    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = Some(delay);
        self
    }
}

type Handler = dyn Fn(&RecordedRequest) -> Reply + Send + Sync;

/// A local HTTP server; stops when dropped.
pub struct TestServer {
    address: SocketAddr,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Start a server answering every request with `handler`.
    pub fn start(handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> Self {
        let handler: Arc<Handler> = Arc::new(handler);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let address = listener.local_addr().expect("local address");
        let (stop, stopped) = tokio::sync::watch::channel(false);

        let recorded = requests.clone();
        let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let handler = handler.clone();
            let recorded = recorded.clone();
            async move { answer(request, &*handler, &recorded).await }
        });
        let thread = std::thread::Builder::new()
            .name("test-server".into())
            .spawn(move || serve(listener, app, stopped))
            .expect("spawn the server thread");
        TestServer {
            address,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The base URL a client should use, with the `/trade-api/v2` stem.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/trade-api/v2", self.port())
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().expect("request log").clone()
    }

    /// How many requests arrived so far.
    pub fn request_count(&self) -> usize {
        self.requests.lock().expect("request log").len()
    }

    /// A builder for a client of this server, signing with the RSA PKCS#1 test key.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .environment(Environment::Custom(self.base_url()))
            .api_key_id(KEY_ID)
            .private_key_pem(fixture("rsa-pkcs1.pem"))
    }

    /// A client of this server with default settings.
    pub fn client(&self) -> Client {
        self.client_builder().build().expect("test client builds")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The server thread: its own runtime, serving until told to stop, then a graceful
/// shutdown that waits at most two seconds for requests still in flight.
fn serve(
    listener: std::net::TcpListener,
    app: axum::Router,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        let mut signal = stopped.clone();
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = signal.wait_for(|stop| *stop).await;
        });
        let server = tokio::spawn(server.into_future());
        let _ = stopped.wait_for(|stop| *stop).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
    });
    runtime.shutdown_timeout(Duration::from_millis(500));
}

async fn answer(
    request: axum::extract::Request,
    handler: &Handler,
    recorded: &Mutex<Vec<RecordedRequest>>,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .map(|bytes| bytes.to_vec())
        .unwrap_or_default();
    let request = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_string(), value)
            })
            .collect(),
        body,
    };
    recorded.lock().expect("request log").push(request.clone());
    let reply = handler(&request);
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = axum::response::Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    response
        .body(axum::body::Body::from(reply.body))
        .expect("a valid scripted reply")
}

/// The text of a file in `tests/fixtures/keys`.
pub fn fixture(name: &str) -> String {
    let path = fixture_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The path of a file in `tests/fixtures/keys`.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

/// A public key to check signatures with, from a crate other than the one that signs.
pub enum PublicKey {
    /// RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
    Rsa(rsa::pss::VerifyingKey<sha2::Sha256>),
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    /// The public half of the RSA test key (`rsa-pkcs1.pem` and `rsa-pkcs8.pem`).
    pub fn rsa() -> Self {
        use rsa::pkcs8::DecodePublicKey;
        let key = rsa::RsaPublicKey::from_public_key_pem(&fixture("rsa-public.pem"))
            .expect("RSA public key");
        PublicKey::Rsa(rsa::pss::VerifyingKey::new_with_salt_len(key, 32))
    }

    /// The public half of the Ed25519 test key.
    pub fn ed25519() -> Self {
        use ed25519_dalek::pkcs8::DecodePublicKey;
        let key = ed25519_dalek::VerifyingKey::from_public_key_pem(&fixture("ed25519-public.pem"))
            .expect("Ed25519 public key");
        PublicKey::Ed25519(key)
    }

    /// Whether `signature` is a valid signature of `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            PublicKey::Rsa(key) => {
                use rsa::signature::Verifier;
                rsa::pss::Signature::try_from(signature)
                    .is_ok_and(|signature| key.verify(message, &signature).is_ok())
            }
            PublicKey::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify_strict(message, &signature).is_ok()),
        }
    }
}

/// Whether the request's signature verifies over `timestamp + METHOD + path` for the
/// given `path` (so a test can show which path was signed and which was not).
pub fn signature_covers(request: &RecordedRequest, key: &PublicKey, path: &str) -> bool {
    let (Some(timestamp), Some(signature)) = (
        request.header("KALSHI-ACCESS-TIMESTAMP"),
        request.header("KALSHI-ACCESS-SIGNATURE"),
    ) else {
        return false;
    };
    let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature) else {
        return false;
    };
    let message = format!("{timestamp}{}{path}", request.method);
    key.verifies(message.as_bytes(), &signature)
}

/// Check the auth headers of a request as Kalshi would: the key id, a timestamp within
/// a minute of now, a base64 signature that verifies over `timestamp + METHOD + path`
/// (the wire path, with `/trade-api/v2`, without the query). Also: no `api-version`
/// header, and the crate's User-Agent.
pub fn assert_signed(request: &RecordedRequest, key: &PublicKey) {
    let what = format!("{} {}", request.method, request.path);
    assert_eq!(
        request.header("KALSHI-ACCESS-KEY"),
        Some(KEY_ID),
        "{what}: key id header"
    );
    let timestamp = request
        .header("KALSHI-ACCESS-TIMESTAMP")
        .unwrap_or_else(|| panic!("{what}: no timestamp header"));
    let timestamp_ms: u64 = timestamp
        .parse()
        .unwrap_or_else(|_| panic!("{what}: timestamp {timestamp:?} is not Unix milliseconds"));
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64;
    assert!(
        timestamp_ms.abs_diff(now_ms) <= 60_000,
        "{what}: timestamp {timestamp_ms} is not within 60 s of {now_ms}"
    );
    let signature = request
        .header("KALSHI-ACCESS-SIGNATURE")
        .unwrap_or_else(|| panic!("{what}: no signature header"));
    assert!(
        base64::engine::general_purpose::STANDARD
            .decode(signature)
            .is_ok(),
        "{what}: signature {signature:?} is not standard base64"
    );
    assert!(
        request.path.starts_with("/trade-api/v2/"),
        "{what}: path lacks the /trade-api/v2 stem"
    );
    assert!(
        signature_covers(request, key, &request.path),
        "{what}: signature does not verify over {timestamp}{}{}",
        request.method,
        request.path
    );
    assert_eq!(
        request.header("api-version"),
        None,
        "{what}: api-version header"
    );
    let user_agent = request.header("user-agent").unwrap_or_default();
    assert!(
        user_agent.starts_with("kalshi-portfolio/"),
        "{what}: user agent {user_agent:?}"
    );
}
