//! Measurement code shared by `benches/client.rs` (criterion) and
//! `examples/bench_report.rs` (the one-screen report); both include this file with
//! `#[path]`. See BENCHMARKS.md.
//!
//! Everything runs in one process against one canned-response HTTP server on
//! 127.0.0.1 that this module starts itself ([`Server`]). The server does not verify
//! signatures, so its cost stays out of the measurement; it runs on one thread of its
//! own whose CPU clock is read separately and subtracted from the process's CPU time,
//! so "client CPU" is everything the process spent except answering.

// Each includer uses a different subset.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::serve::ListenerExt as _;
use kalshi_portfolio::signing::SigningKey;
use kalshi_portfolio::{Client, Environment, NewOrder};
use reqwest::header::{HeaderName, HeaderValue};

// ---------------------------------------------------------------------------------
// Heap accounting
// ---------------------------------------------------------------------------------

/// `System`, counting the bytes currently allocated and the peak since the last
/// [`reset_peak`]. Process-wide: every thread (client, runtime workers, server) counts.
pub struct CountingAlloc;

static HEAP_CURRENT: AtomicUsize = AtomicUsize::new(0);
static HEAP_PEAK: AtomicUsize = AtomicUsize::new(0);
static HEAP_ALLOCS: AtomicU64 = AtomicU64::new(0);

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

thread_local! {
    /// False on threads whose allocations are not the client's (the server's), so
    /// the peak measures the client alone. Const-initialised with no destructor, so
    /// reading it from inside the allocator never allocates.
    static COUNTED: Cell<bool> = const { Cell::new(true) };
}

/// Leave the calling thread's allocations out of the counts from now on.
pub fn exclude_this_thread_from_heap_counts() {
    COUNTED.with(|counted| counted.set(false));
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(true)
}

fn heap_grow(bytes: usize) {
    HEAP_ALLOCS.fetch_add(1, Ordering::Relaxed);
    let now = HEAP_CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    HEAP_PEAK.fetch_max(now, Ordering::Relaxed);
}

fn heap_shrink(bytes: usize) {
    HEAP_CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are only
// bookkeeping on the side.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() && counted() {
            heap_grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() && counted() {
            heap_grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        if counted() {
            heap_shrink(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() && counted() {
            if new_size >= layout.size() {
                heap_grow(new_size - layout.size());
            } else {
                heap_shrink(layout.size() - new_size);
            }
        }
        new
    }
}

/// Start a new peak window; returns the bytes allocated right now (the baseline).
pub fn reset_peak() -> usize {
    let now = HEAP_CURRENT.load(Ordering::Relaxed);
    HEAP_PEAK.store(now, Ordering::Relaxed);
    now
}

/// Allocation calls (alloc, alloc_zeroed, growing realloc) on counted threads so far.
pub fn alloc_calls() -> u64 {
    HEAP_ALLOCS.load(Ordering::Relaxed)
}

/// Bytes allocated on counted threads right now.
pub fn heap_now() -> usize {
    HEAP_CURRENT.load(Ordering::Relaxed)
}

/// The highest allocated total since [`reset_peak`].
pub fn peak() -> usize {
    HEAP_PEAK.load(Ordering::Relaxed)
}

// ---------------------------------------------------------------------------------
// CPU clocks
// ---------------------------------------------------------------------------------

/// User + system CPU time of the whole process (all threads), from `getrusage`.
pub fn process_cpu() -> Duration {
    // SAFETY: getrusage only writes into the struct we hand it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// Context switches (voluntary + involuntary) of the whole process so far.
pub fn context_switches() -> u64 {
    // SAFETY: getrusage only writes into the struct we hand it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    (usage.ru_nvcsw + usage.ru_nivcsw) as u64
}

/// The CPU clock of one thread, readable from any thread while it lives.
#[derive(Clone, Copy)]
pub struct ThreadClock(libc::clockid_t);

impl ThreadClock {
    /// The calling thread's clock.
    pub fn current() -> ThreadClock {
        let mut id: libc::clockid_t = 0;
        // SAFETY: pthread_self is always valid for the calling thread.
        let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) };
        assert_eq!(rc, 0, "pthread_getcpuclockid failed");
        ThreadClock(id)
    }

    /// CPU time the thread has used so far.
    pub fn read(&self) -> Duration {
        // SAFETY: clock_gettime only writes into the struct we hand it.
        let ts = unsafe {
            let mut ts: libc::timespec = std::mem::zeroed();
            libc::clock_gettime(self.0, &mut ts);
            ts
        };
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }
}

/// Wall time and client CPU time (process CPU minus the server thread's) of a run.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall: Duration,
    pub cpu: Duration,
    pub server_cpu: Duration,
    pub ops: u64,
    /// Allocation calls outside the server thread.
    pub allocs: u64,
    /// Context switches of the whole process (server thread included).
    pub switches: u64,
}

impl Sample {
    pub fn wall_per_op_us(&self) -> f64 {
        self.wall.as_secs_f64() * 1e6 / self.ops as f64
    }
    pub fn cpu_per_op_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.ops as f64
    }
    pub fn switches_per_op(&self) -> f64 {
        self.switches as f64 / self.ops as f64
    }
    pub fn allocs_per_op(&self) -> f64 {
        self.allocs as f64 / self.ops as f64
    }
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.wall.as_secs_f64()
    }
}

/// Runs `f`, which performs `ops` operations, and measures it.
pub fn measure(server: &Server, ops: u64, f: impl FnOnce()) -> Sample {
    let server_before = server.cpu.read();
    let allocs_before = alloc_calls();
    let switches_before = context_switches();
    let cpu_before = process_cpu();
    let started = Instant::now();
    f();
    let wall = started.elapsed();
    let cpu = process_cpu().saturating_sub(cpu_before);
    let server_cpu = server.cpu.read().saturating_sub(server_before);
    let allocs = alloc_calls() - allocs_before;
    let switches = context_switches() - switches_before;
    Sample {
        switches,
        allocs,
        wall,
        cpu: cpu.saturating_sub(server_cpu),
        server_cpu,
        ops,
    }
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

// ---------------------------------------------------------------------------------
// The canned-response server
// ---------------------------------------------------------------------------------

const BALANCE_BODY: &str = r#"{"balance":1234567,"balance_dollars":"12345.67","portfolio_value":2345678,"updated_ts":1764079200}"#;

const CREATE_ORDER_BODY: &str = r#"{"order_id":"8f1a6d3e-2b4c-4f7a-9e21-6c0d5b7a9f10","fill_count":"0.00","remaining_count":"1.00","ts_ms":1764079200123}"#;

/// Largest fills page the server hands out (Kalshi's maximum limit).
const MAX_FILLS_LIMIT: usize = 1000;

struct ServerState {
    connections: AtomicU64,
    /// Length of the last order body received (to check the baselines send what the
    /// facade sends).
    last_order_len: AtomicUsize,
    fills_total: AtomicUsize,
    /// 1000 distinct fill objects as JSON; page items cycle through them.
    fills: Vec<String>,
}

/// A realistic fill object, shaped like Kalshi's (and decodable into
/// `kalshi_portfolio::types::Fill`).
fn fill_json(i: usize) -> String {
    let (book_side, outcome_side, action) = match i % 4 {
        0 => ("bid", "yes", "buy"),
        1 => ("ask", "yes", "sell"),
        2 => ("ask", "no", "buy"),
        _ => ("bid", "no", "sell"),
    };
    let yes_cents = 1 + (i * 37) % 98;
    let ts = 1_764_000_000 + i as i64 * 7;
    let seconds = ts % 86_400;
    format!(
        concat!(
            r#"{{"fill_id":"fill-{i:08x}-6b1e-4c0a-9d4f-{i:012x}","#,
            r#""trade_id":"trade-{i:08x}-2c77-45d1-b8a0-{i:012x}","#,
            r#""order_id":"order-{o:08x}-8e51-4f3b-a6c2-{o:012x}","#,
            r#""ticker":"KXHIGHNY-25NOV26-T{t}","market_ticker":"KXHIGHNY-25NOV26-T{t}","#,
            r#""book_side":"{book_side}","outcome_side":"{outcome_side}","action":"{action}","side":"{outcome_side}","#,
            r#""count_fp":"{count}.00","yes_price_dollars":"0.{yes:02}00","no_price_dollars":"0.{no:02}00","#,
            r#""fee_cost":"0.{fee:04}","is_taker":{taker},"#,
            r#""created_time":"2026-11-24T{h:02}:{m:02}:{s:02}.{ms:03}Z","ts":{ts},"#,
            r#""exchange_index":0,"subaccount_number":0}}"#
        ),
        i = i,
        o = i / 3,
        t = 50 + i % 20,
        book_side = book_side,
        outcome_side = outcome_side,
        action = action,
        count = 1 + i % 25,
        yes = yes_cents,
        no = 100 - yes_cents,
        fee = (i * 13) % 700,
        taker = i.is_multiple_of(3),
        h = seconds / 3600,
        m = seconds / 60 % 60,
        s = seconds % 60,
        ms = i % 1000,
        ts = ts,
    )
}

#[derive(serde::Deserialize)]
struct FillsQuery {
    cursor: Option<String>,
    limit: Option<usize>,
}

/// The canned-response server: one thread, one current-thread tokio runtime, axum.
pub struct Server {
    /// `http://127.0.0.1:PORT/trade-api/v2`
    pub base_url: String,
    state: Arc<ServerState>,
    /// The server thread's CPU clock.
    pub cpu: ThreadClock,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Server {
        let state = Arc::new(ServerState {
            connections: AtomicU64::new(0),
            last_order_len: AtomicUsize::new(0),
            fills_total: AtomicUsize::new(10_000),
            fills: (0..MAX_FILLS_LIMIT).map(fill_json).collect(),
        });
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server_state = state.clone();
        let thread = std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || {
                exclude_this_thread_from_heap_counts();
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("server runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind 127.0.0.1");
                    let addr = listener.local_addr().expect("local addr");
                    let counted = server_state.clone();
                    let listener = listener.tap_io(move |tcp| {
                        let _ = tcp.set_nodelay(true);
                        counted.connections.fetch_add(1, Ordering::Relaxed);
                    });
                    let app = router(server_state);
                    ready_tx
                        .send((addr, ThreadClock::current()))
                        .expect("report ready");
                    tokio::select! {
                        result = axum::serve(listener, app) => result.expect("server"),
                        _ = stop_rx => {}
                    }
                });
                // Dropping the runtime here cancels the connection tasks.
            })
            .expect("spawn server thread");
        let (addr, cpu) = ready_rx.recv().expect("server started");
        Server {
            base_url: format!("http://{addr}/trade-api/v2"),
            state,
            cpu,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.state.connections.load(Ordering::Relaxed)
    }

    /// Length of the last order body the server received.
    pub fn last_order_len(&self) -> usize {
        self.state.last_order_len.load(Ordering::Relaxed)
    }

    /// How many fills `GET /portfolio/fills` walks through in all.
    pub fn set_fills_total(&self, total: usize) {
        self.state.fills_total.store(total, Ordering::Relaxed);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn router(state: Arc<ServerState>) -> axum::Router {
    use axum::extract::{Query, State};
    use axum::http::header::CONTENT_TYPE;
    use axum::routing::{get, post};

    const JSON: [(axum::http::HeaderName, &str); 1] = [(CONTENT_TYPE, "application/json")];

    axum::Router::new()
        .route(
            "/trade-api/v2/portfolio/balance",
            get(|| async { (JSON, BALANCE_BODY) }),
        )
        .route(
            "/trade-api/v2/portfolio/events/orders",
            // Read the body so the connection stays reusable; only its length is kept.
            post(
                |State(state): State<Arc<ServerState>>, body: axum::body::Bytes| async move {
                    state.last_order_len.store(body.len(), Ordering::Relaxed);
                    (axum::http::StatusCode::CREATED, JSON, CREATE_ORDER_BODY)
                },
            ),
        )
        .route(
            "/trade-api/v2/portfolio/fills",
            get(
                |State(state): State<Arc<ServerState>>, Query(query): Query<FillsQuery>| async move {
                    (JSON, fills_page(&state, &query))
                },
            ),
        )
        .with_state(state)
}

/// One page: cursor = offset of its first fill; Kalshi's default limit is 100.
fn fills_page(state: &ServerState, query: &FillsQuery) -> String {
    let total = state.fills_total.load(Ordering::Relaxed);
    let start = query
        .cursor
        .as_deref()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(0)
        .min(total);
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_FILLS_LIMIT);
    let end = (start + limit).min(total);
    let mut body = String::with_capacity(64 + (end - start) * 640);
    body.push_str(r#"{"fills":["#);
    for i in start..end {
        if i > start {
            body.push(',');
        }
        body.push_str(&state.fills[i % MAX_FILLS_LIMIT]);
    }
    body.push_str(r#"],"cursor":""#);
    if end < total {
        body.push_str(&end.to_string());
    }
    body.push_str(r#""}"#);
    body
}

// ---------------------------------------------------------------------------------
// Keys and clients
// ---------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Rsa,
    Ed25519,
}

impl Key {
    pub fn label(self) -> &'static str {
        match self {
            Key::Rsa => "RSA-2048 PSS",
            Key::Ed25519 => "Ed25519",
        }
    }

    pub fn path(self) -> PathBuf {
        let file = match self {
            Key::Rsa => "rsa-pkcs1.pem",
            Key::Ed25519 => "ed25519-pkcs8.pem",
        };
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys")
            .join(file)
    }

    pub fn load(self) -> SigningKey {
        SigningKey::from_pem_file(&self.path()).expect("fixture key loads")
    }
}

pub const KEY_ID: &str = "bench-0f3c2a9e-key-id";
pub const BALANCE_PATH: &str = "/trade-api/v2/portfolio/balance";

/// The facade, pointed at the server.
pub fn facade(server: &Server, key: Key) -> Client {
    facade_at(&server.base_url, key)
}

/// The facade, pointed at a server at `base_url`.
pub fn facade_at(base_url: &str, key: Key) -> Client {
    Client::builder()
        .environment(Environment::Custom(base_url.to_owned()))
        .api_key_id(KEY_ID)
        .private_key_file(key.path())
        .build()
        .expect("client builds")
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// One signature over a balance request, as the client makes it.
pub fn sign_once(key: &SigningKey) -> String {
    key.sign_request(now_ms(), "GET", BALANCE_PATH)
        .expect("signs")
}

// ---------------------------------------------------------------------------------
// The hand-written baselines
// ---------------------------------------------------------------------------------

/// What the baselines decode a balance into (handwritten; same field types as the
/// generated `GetBalanceResponse`, so both pay the same decoding work).
#[derive(serde::Deserialize, Debug)]
pub struct BaselineBalance {
    pub balance: i64,
    pub balance_dollars: kalshi_portfolio::Dollars,
    pub portfolio_value: i64,
    pub updated_ts: i64,
}

/// The order the baselines send: the same JSON the facade sends for [`new_order`]
/// (the report prints both bodies' lengths), with a fresh `client_order_id` each time
/// as the facade makes one.
#[derive(serde::Serialize)]
struct BaselineOrder {
    ticker: &'static str,
    client_order_id: String,
    side: &'static str,
    count: &'static str,
    price: &'static str,
    time_in_force: &'static str,
    self_trade_prevention_type: &'static str,
}

impl BaselineOrder {
    fn new() -> BaselineOrder {
        BaselineOrder {
            ticker: "KXHIGHNY-25NOV26-T60",
            client_order_id: uuid::Uuid::new_v4().to_string(),
            side: "bid",
            count: "1.00",
            price: "0.5600",
            time_in_force: "good_till_canceled",
            self_trade_prevention_type: "taker_at_cross",
        }
    }
}

/// What the baselines decode a created order into (same field types as the generated
/// `CreateOrderV2Response`).
#[derive(serde::Deserialize, Debug)]
pub struct BaselineOrderResponse {
    pub order_id: String,
    pub client_order_id: Option<String>,
    pub fill_count: kalshi_portfolio::Count,
    pub remaining_count: kalshi_portfolio::Count,
    pub average_fill_price: Option<kalshi_portfolio::Dollars>,
    pub average_fee_paid: Option<kalshi_portfolio::Dollars>,
    pub ts_ms: Option<i64>,
}

const KEY_HEADER: HeaderName = HeaderName::from_static("kalshi-access-key");
const TIMESTAMP_HEADER: HeaderName = HeaderName::from_static("kalshi-access-timestamp");
const SIGNATURE_HEADER: HeaderName = HeaderName::from_static("kalshi-access-signature");
const BASELINE_USER_AGENT: &str = "bench-baseline/0 (rust; blocking)";

/// Sign inline and set the three `KALSHI-ACCESS-*` headers, as a hand-written client
/// would.
fn sign_into(
    key: &SigningKey,
    key_id: &HeaderValue,
    method: &str,
    path: &str,
    headers: &mut reqwest::header::HeaderMap,
) -> Result<(), String> {
    let timestamp = now_ms();
    let signature = key
        .sign_request(timestamp, method, path)
        .map_err(|e| e.to_string())?;
    headers.insert(KEY_HEADER, key_id.clone());
    headers.insert(TIMESTAMP_HEADER, HeaderValue::from(timestamp));
    headers.insert(
        SIGNATURE_HEADER,
        HeaderValue::from_str(&signature).map_err(|e| e.to_string())?,
    );
    Ok(())
}

/// Set (to anything) to give the baselines the facade's trust store, the operating
/// system's through rustls-platform-verifier, instead of none: `bench_profile memory`
/// uses it to tell the trust store's memory from the rest of the facade's.
pub const BASELINE_TRUST_ENV: &str = "BENCH_BASELINE_PLATFORM_TRUST";

/// The TLS setup the baselines hand reqwest: the crate's crypto library, no roots (the
/// server is plain http; a reqwest client still builds its TLS connector), or with
/// [`BASELINE_TRUST_ENV`] set the operating system's, as the facade has.
fn baseline_tls() -> rustls::ClientConfig {
    use rustls_platform_verifier::BuilderVerifierExt;
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(tls_provider()))
        .with_safe_default_protocol_versions()
        .expect("tls versions");
    if std::env::var_os(BASELINE_TRUST_ENV).is_some() {
        builder
            .with_platform_verifier()
            .expect("the system trust store")
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    }
}

/// The async baseline: the same work as [`PlainCore`] on an async reqwest client.
struct BaselineCore {
    http: reqwest::Client,
    base: String,
    key_id: HeaderValue,
    key: SigningKey,
}

impl BaselineCore {
    /// Build the URL, sign inline, set the three headers, send, decode.
    async fn get_balance(&self) -> Result<BaselineBalance, String> {
        let mut request = self
            .http
            .get(format!("{}/portfolio/balance", self.base))
            .build()
            .map_err(|e| e.to_string())?;
        let path = request.url().path().to_owned();
        sign_into(&self.key, &self.key_id, "GET", &path, request.headers_mut())?;
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }

    async fn create_order(&self) -> Result<BaselineOrderResponse, String> {
        let mut request = self
            .http
            .post(format!("{}/portfolio/events/orders", self.base))
            .json(&BaselineOrder::new())
            .build()
            .map_err(|e| e.to_string())?;
        let path = request.url().path().to_owned();
        sign_into(
            &self.key,
            &self.key_id,
            "POST",
            &path,
            request.headers_mut(),
        )?;
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }
}

/// The plain `reqwest::blocking` client most Rust users would write: sign inline with
/// the crate's `SigningKey`, the same three headers, the facade's reqwest settings.
struct PlainCore {
    http: reqwest::blocking::Client,
    base: String,
    key_id: HeaderValue,
    key: SigningKey,
}

impl PlainCore {
    fn get_balance(&self) -> Result<BaselineBalance, String> {
        let mut request = self
            .http
            .get(format!("{}/portfolio/balance", self.base))
            .build()
            .map_err(|e| e.to_string())?;
        let path = request.url().path().to_owned();
        sign_into(&self.key, &self.key_id, "GET", &path, request.headers_mut())?;
        let response = self.http.execute(request).map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let body = response.bytes().map_err(|e| e.to_string())?;
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }

    fn create_order(&self) -> Result<BaselineOrderResponse, String> {
        let mut request = self
            .http
            .post(format!("{}/portfolio/events/orders", self.base))
            .json(&BaselineOrder::new())
            .build()
            .map_err(|e| e.to_string())?;
        let path = request.url().path().to_owned();
        sign_into(
            &self.key,
            &self.key_id,
            "POST",
            &path,
            request.headers_mut(),
        )?;
        let response = self.http.execute(request).map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let body = response.bytes().map_err(|e| e.to_string())?;
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }
}

/// Which hand-written client, i.e. how its async reqwest call becomes a blocking one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineModel {
    /// `reqwest::blocking::Client`: one background thread drives every request; the
    /// caller hands its request over and waits. What most Rust users would write, so
    /// the reference for the 1.05x target.
    PlainBlocking,
    /// The facade's previous model: a multi-thread runtime with
    /// [`facade_workers`] workers; the call is spawned onto it and the caller waits on
    /// a channel (two cross-thread wake-ups per request). Information.
    SpawnChannel,
    /// A current-thread runtime the calling thread blocks on: the cheapest blocking
    /// client, but on its own it panics inside another runtime and serialises
    /// callers. Information: the floor.
    CallerThread,
}

impl BaselineModel {
    pub const ALL: [BaselineModel; 3] = [
        BaselineModel::PlainBlocking,
        BaselineModel::SpawnChannel,
        BaselineModel::CallerThread,
    ];

    /// The reference of the targets.
    pub const REFERENCE: BaselineModel = BaselineModel::PlainBlocking;

    /// Short name for benchmark ids and command lines.
    pub fn id(self) -> &'static str {
        match self {
            BaselineModel::PlainBlocking => "plain_blocking",
            BaselineModel::SpawnChannel => "spawn_channel",
            BaselineModel::CallerThread => "caller_thread",
        }
    }

    pub fn from_id(id: &str) -> Option<BaselineModel> {
        BaselineModel::ALL
            .into_iter()
            .find(|model| model.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            BaselineModel::PlainBlocking => "plain reqwest::blocking",
            BaselineModel::SpawnChannel => "spawn+chan, N workers",
            BaselineModel::CallerThread => "current-thread block_on",
        }
    }
}

/// The worker count of the facade's fallback runtime (and of its previous model).
pub fn facade_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4)
}

/// rustls's provider from the crypto library the crate was built with (the
/// baselines sign with the crate's `SigningKey`, so they use that library too).
fn tls_provider() -> rustls::crypto::CryptoProvider {
    #[cfg(feature = "aws-lc-rs")]
    {
        rustls::crypto::aws_lc_rs::default_provider()
    }
    #[cfg(not(feature = "aws-lc-rs"))]
    {
        rustls::crypto::ring::default_provider()
    }
}

/// What the benchmark calls: W1's signed GET or W3's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    GetBalance,
    CreateOrder,
}

impl Op {
    pub fn label(self) -> &'static str {
        match self {
            Op::GetBalance => "get_balance",
            Op::CreateOrder => "create_order",
        }
    }

    pub fn from_id(id: &str) -> Option<Op> {
        match id {
            "get_balance" | "balance" => Some(Op::GetBalance),
            "create_order" | "order" => Some(Op::CreateOrder),
            _ => None,
        }
    }
}

/// One facade call of `op`.
pub fn facade_call(client: &Client, op: Op) {
    match op {
        Op::GetBalance => {
            black_box(client.get_balance().expect("facade get_balance"));
        }
        Op::CreateOrder => {
            black_box(
                client
                    .create_order(&new_order())
                    .expect("facade create_order"),
            );
        }
    }
}

/// A blocking, hand-written Kalshi client: no generated code.
pub struct Baseline {
    model: BaselineModel,
    plain: Option<PlainCore>,
    core: Option<Arc<BaselineCore>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Baseline {
    pub fn new(server: &Server, key: Key, model: BaselineModel) -> Baseline {
        Baseline::at(&server.base_url, key, model)
    }

    pub fn at(base_url: &str, key: Key, model: BaselineModel) -> Baseline {
        // Same reqwest settings as the facade (timeouts, nodelay, no redirects, no
        // proxy from the environment). reqwest is built without a default TLS
        // provider, so give it the crate's crypto library.
        let base = base_url.to_owned();
        let key_id = HeaderValue::from_static(KEY_ID);
        if model == BaselineModel::PlainBlocking {
            let http = reqwest::blocking::Client::builder()
                .tls_backend_preconfigured(baseline_tls())
                .user_agent(BASELINE_USER_AGENT)
                .timeout(Duration::from_secs(30))
                .connect_timeout(Duration::from_secs(10))
                .tcp_nodelay(true)
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .expect("reqwest blocking client");
            return Baseline {
                model,
                plain: Some(PlainCore {
                    http,
                    base,
                    key_id,
                    key: key.load(),
                }),
                core: None,
                runtime: None,
            };
        }
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(baseline_tls())
            .user_agent(BASELINE_USER_AGENT)
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("reqwest client");
        let runtime = match model {
            BaselineModel::SpawnChannel => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(facade_workers())
                .enable_all()
                .build(),
            _ => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
        }
        .expect("baseline runtime");
        Baseline {
            model,
            plain: None,
            core: Some(Arc::new(BaselineCore {
                http,
                base,
                key_id,
                key: key.load(),
            })),
            runtime: Some(runtime),
        }
    }

    pub fn get_balance(&self) -> Result<BaselineBalance, String> {
        if let Some(plain) = &self.plain {
            return plain.get_balance();
        }
        self.run(|core| async move { core.get_balance().await })
    }

    pub fn create_order(&self) -> Result<BaselineOrderResponse, String> {
        if let Some(plain) = &self.plain {
            return plain.create_order();
        }
        self.run(|core| async move { core.create_order().await })
    }

    pub fn call(&self, op: Op) {
        match op {
            Op::GetBalance => {
                black_box(self.get_balance().expect("baseline get_balance"));
            }
            Op::CreateOrder => {
                black_box(self.create_order().expect("baseline create_order"));
            }
        }
    }

    fn run<T: Send + 'static, Fut>(
        &self,
        call: impl FnOnce(Arc<BaselineCore>) -> Fut,
    ) -> Result<T, String>
    where
        Fut: std::future::Future<Output = Result<T, String>> + Send + 'static,
    {
        let (Some(core), Some(runtime)) = (&self.core, &self.runtime) else {
            return Err("no runtime".into());
        };
        match self.model {
            BaselineModel::SpawnChannel => {
                let future = call(core.clone());
                let (sender, receiver) = std::sync::mpsc::sync_channel(1);
                runtime.spawn(async move {
                    let _ = sender.send(future.await);
                });
                receiver
                    .recv()
                    .unwrap_or_else(|_| Err("runtime stopped".into()))
            }
            _ => runtime.block_on(call(core.clone())),
        }
    }
}

// ---------------------------------------------------------------------------------
// The measurements
// ---------------------------------------------------------------------------------

/// How much work each measurement does. `Scale::report()` keeps the whole report
/// around a minute on 2 cores in release; `quick` is for smoke runs.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    /// Rounds of each comparison, in [`COMPARISONS`] order.
    pub rounds: [usize; 3],
    /// Measured calls per contender per round, in [`COMPARISONS`] order.
    pub calls: [u64; 3],
    pub sign_iters: [u64; 2],
    pub thread_calls: [u64; 2],
    pub connection_calls: u64,
    pub fills: [usize; 2],
    /// Pages each fills walk series covers (the walk is repeated to reach it).
    pub fill_pages: usize,
}

/// The comparisons the report makes: the facade against every baseline.
pub const COMPARISONS: [(Key, Op); 3] = [
    (Key::Rsa, Op::GetBalance),
    (Key::Ed25519, Op::GetBalance),
    (Key::Ed25519, Op::CreateOrder),
];

impl Scale {
    pub fn report() -> Scale {
        Scale {
            // Many short rounds rather than a few long ones: one round's CPU per
            // request moves by ±15% with where the kernel puts the threads, so the
            // median needs many of them. Ed25519 requests are cheap, and the facade's
            // share of them is larger, so they get more.
            rounds: [31, 81, 61],
            calls: [100, 150, 150],
            sign_iters: [400, 4_000],
            thread_calls: [400, 2_000],
            connection_calls: 2_000,
            fills: [10_000, 100_000],
            fill_pages: 1_000,
        }
    }

    pub fn quick() -> Scale {
        Scale {
            rounds: [3, 3, 3],
            calls: [20, 100, 100],
            sign_iters: [20, 200],
            thread_calls: [20, 100],
            connection_calls: 2_000,
            fills: [1_000, 10_000],
            fill_pages: 100,
        }
    }

    fn index(key: Key) -> usize {
        match key {
            Key::Rsa => 0,
            Key::Ed25519 => 1,
        }
    }
}

/// µs per `sign_request`, median of `rounds` runs.
pub fn sign_cost_us(key: Key, iters: u64, rounds: usize) -> f64 {
    let key = key.load();
    let mut per_op: Vec<f64> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..iters {
                black_box(sign_once(black_box(&key)));
            }
            started.elapsed().as_secs_f64() * 1e6 / iters as f64
        })
        .collect();
    median(&mut per_op)
}

/// Per-request cost of one contender: medians over the interleaved rounds.
#[derive(Clone, Copy, Debug)]
pub struct Cost {
    pub cpu_us: f64,
    pub wall_us: f64,
    pub allocs: f64,
    pub switches: f64,
    /// Median over rounds of facade CPU / this contender's CPU, same round.
    pub facade_ratio: f64,
}

/// The facade vs every [`BaselineModel`], interleaved round by round.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub facade: Cost,
    /// In [`BaselineModel::ALL`] order.
    pub baselines: Vec<(BaselineModel, Cost)>,
    /// Server CPU per request (subtracted from the above).
    pub server_cpu_us: f64,
    /// Median over rounds of a second, identical reference baseline's CPU / the
    /// first's: what the measurement reads when nothing differs (ideally 1.00x).
    pub same_client_ratio: f64,
}

impl Comparison {
    pub fn baseline(&self, model: BaselineModel) -> Cost {
        self.baselines
            .iter()
            .find(|(m, _)| *m == model)
            .map(|(_, cost)| *cost)
            .expect("every model is measured")
    }
}

/// The clients [`compare`] measures, by index: the facade (0), every
/// baseline model in [`BaselineModel::ALL`] order, then the reference model once more
/// (two identical reference clients show how far apart the measurement puts equal
/// costs).
struct Contenders {
    facade: Client,
    baselines: Vec<Baseline>,
    op: Op,
}

impl Contenders {
    /// Builds the clients in the order given (a permutation of `0..COUNT`): the
    /// order they are made in (which threads and buffers come first) also shifts their
    /// cost by a percent or two, so it changes from round to round like the order they
    /// run in.
    fn new(server: &Server, key: Key, op: Op, creation_order: &[usize]) -> Contenders {
        let models: Vec<BaselineModel> = BaselineModel::ALL
            .into_iter()
            .chain(std::iter::once(BaselineModel::REFERENCE))
            .collect();
        let mut facade_client = None;
        let mut baselines: Vec<Option<Baseline>> = models.iter().map(|_| None).collect();
        for &which in creation_order {
            if which == 0 {
                facade_client = Some(facade(server, key));
            } else {
                baselines[which - 1] = Some(Baseline::new(server, key, models[which - 1]));
            }
        }
        Contenders {
            facade: facade_client.expect("the creation order names the facade"),
            baselines: baselines
                .into_iter()
                .map(|baseline| baseline.expect("the creation order names every baseline"))
                .collect(),
            op,
        }
    }

    const COUNT: usize = 2 + BaselineModel::ALL.len();
    const SECOND_REFERENCE: usize = 1 + BaselineModel::ALL.len();

    fn call(&self, which: usize) {
        if which == 0 {
            facade_call(&self.facade, self.op);
        } else {
            self.baselines[which - 1].call(self.op);
        }
    }
}

/// The facade's `op` against every baseline, `rounds` interleaved rounds of `calls`.
pub fn compare(server: &Server, key: Key, op: Op, calls: u64, rounds: usize) -> Comparison {
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); Contenders::COUNT];
    for round in 0..rounds {
        // New clients every round. Where a client's threads and buffers land makes it
        // a few percent cheaper or dearer for its whole life: with one set of clients
        // that luck decided whole reports (the two identical references below came
        // out up to 6% apart); fresh ones each round let the median average it out.
        // New orders every round (the same ones every run), to build the clients in
        // and to run them in: which client runs just before another changes what the
        // other costs by a few percent (caches, which threads are awake), so no
        // contender may keep the same neighbours.
        let mut rng = fastrand::Rng::with_seed(round as u64);
        let mut creation_order: Vec<usize> = (0..Contenders::COUNT).collect();
        rng.shuffle(&mut creation_order);
        let mut order = creation_order.clone();
        rng.shuffle(&mut order);
        let contenders = Contenders::new(server, key, op, &creation_order);
        // Warm up: open each one's connection, fault in the code paths.
        for _ in 0..50 {
            (0..Contenders::COUNT).for_each(|which| contenders.call(which));
        }
        for which in order {
            // Unmeasured calls first: switching from another client (waking this
            // one's idle threads, the other's going to sleep) costs CPU that would
            // otherwise land on whichever contender happens to run next.
            for _ in 0..(calls / 10).max(20) {
                contenders.call(which);
            }
            let sample = measure(server, calls, || {
                (0..calls).for_each(|_| contenders.call(which))
            });
            samples[which].push(sample);
        }
    }
    let cpu_ratio = |numerator: usize, denominator: usize| {
        median(
            &mut samples[numerator]
                .iter()
                .zip(&samples[denominator])
                .map(|(n, d)| n.cpu_per_op_us() / d.cpu_per_op_us())
                .collect::<Vec<_>>(),
        )
    };
    let cost = |which: usize| {
        let of =
            |f: fn(&Sample) -> f64| median(&mut samples[which].iter().map(f).collect::<Vec<_>>());
        Cost {
            cpu_us: of(Sample::cpu_per_op_us),
            wall_us: of(Sample::wall_per_op_us),
            allocs: of(Sample::allocs_per_op),
            switches: of(Sample::switches_per_op),
            facade_ratio: cpu_ratio(0, which),
        }
    };
    let server_cpu_us = median(
        &mut samples
            .iter()
            .flatten()
            .map(|s| s.server_cpu.as_secs_f64() * 1e6 / s.ops as f64)
            .collect::<Vec<_>>(),
    );
    Comparison {
        facade: cost(0),
        baselines: BaselineModel::ALL
            .iter()
            .enumerate()
            .map(|(i, &model)| (model, cost(i + 1)))
            .collect(),
        server_cpu_us,
        same_client_ratio: cpu_ratio(Contenders::SECOND_REFERENCE, 1),
    }
}

/// Walk `total` fills with `get_fills().limit(200).iter()`.
#[derive(Clone, Debug)]
pub struct Walk {
    pub total: usize,
    pub items: usize,
    pub sample: Sample,
    /// Peak heap above what was allocated when the walk started, in bytes.
    pub peak_bytes: usize,
    /// The same peak for each page's window (fetching it, then consuming its items).
    pub page_peaks: Vec<usize>,
}

/// The `p` quantile (0 to 1) of `values`.
pub fn quantile(values: &[usize], p: f64) -> usize {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    match sorted.len() {
        0 => 0,
        n => sorted[((n - 1) as f64 * p).round() as usize],
    }
}

/// Start a new peak window without moving the baseline.
fn restart_peak_window() {
    HEAP_PEAK.store(HEAP_CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
}

pub fn walk_fills(server: &Server, client: &Client, total: usize) -> Walk {
    const PAGE: usize = 200;
    server.set_fills_total(total);
    let mut items = 0usize;
    let mut contracts = 0i64;
    // Allocated before the baseline is taken, and never grown.
    let mut page_peaks = Vec::with_capacity(total / PAGE + 2);
    let base = reset_peak();
    let sample = measure(server, total as u64, || {
        for fill in client.get_fills().limit(PAGE as u64).iter() {
            let fill = fill.expect("fill");
            // Touch the item as a reconciliation job would.
            contracts += i64::from(fill.is_taker) + fill.ticker.len() as i64;
            items += 1;
            if items.is_multiple_of(PAGE) && page_peaks.len() < page_peaks.capacity() {
                page_peaks.push(peak().saturating_sub(base));
                restart_peak_window();
            }
        }
    });
    let last = peak().saturating_sub(base);
    if !items.is_multiple_of(PAGE) && page_peaks.len() < page_peaks.capacity() {
        page_peaks.push(last);
    }
    let peak_bytes = page_peaks.iter().copied().max().unwrap_or(0).max(last);
    black_box(contracts);
    Walk {
        total,
        items,
        sample,
        peak_bytes,
        page_peaks,
    }
}

pub fn new_order() -> NewOrder {
    NewOrder::new("KXHIGHNY-25NOV26-T60")
        .buy_yes()
        .price("0.56")
        .count(1)
}

pub fn create_orders(server: &Server, client: &Client, orders: u64) -> Sample {
    black_box(client.create_order(&new_order()).expect("create_order"));
    measure(server, orders, || {
        for _ in 0..orders {
            black_box(client.create_order(&new_order()).expect("create_order"));
        }
    })
}

/// `threads` threads sharing clones of one client, `calls` get_balance each.
pub fn threaded(server: &Server, client: &Client, threads: usize, calls: u64) -> Sample {
    threaded_calls(server, threads, calls, &|| {
        black_box(client.get_balance().expect("get_balance"));
    })
}

/// `threads` threads sharing one baseline client, `calls` get_balance each.
pub fn threaded_baseline(
    server: &Server,
    baseline: &Baseline,
    threads: usize,
    calls: u64,
) -> Sample {
    threaded_calls(server, threads, calls, &|| {
        black_box(baseline.get_balance().expect("get_balance"));
    })
}

/// Each of `threads` threads makes one warm call, then (timed) `calls` calls.
fn threaded_calls(server: &Server, threads: usize, calls: u64, call: &(dyn Fn() + Sync)) -> Sample {
    let barrier = std::sync::Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let barrier = &barrier;
                scope.spawn(move || {
                    // One warm call per thread so the pool holds a connection for each.
                    call();
                    barrier.wait();
                    barrier.wait();
                    (0..calls).for_each(|_| call());
                })
            })
            .collect();
        barrier.wait();
        measure(server, calls * threads as u64, || {
            barrier.wait();
            for handle in handles {
                handle.join().expect("worker thread");
            }
        })
    })
}

/// µs per call of the 2xx "is this body an error object?" probe the facade runs on
/// every small successful answer (src/transport.rs `flag_error_in_success`), rebuilt
/// from its public parts: clone the response headers, wrap the body in a new
/// `http::Response`, parse the body into a `serde_json::Value`, and convert back to a
/// `reqwest::Response` (which parses a placeholder URL). Reading the body is not
/// included. Median of 5.
pub fn error_probe_cost_us(iters: u64) -> f64 {
    use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, DATE};
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(BALANCE_BODY.len()));
    headers.insert(
        DATE,
        HeaderValue::from_static("Wed, 25 Nov 2026 15:00:00 GMT"),
    );
    let body: &'static [u8] = BALANCE_BODY.as_bytes();
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..iters {
                let cloned = black_box(&headers).clone();
                let mut rebuilt = http::Response::new(black_box(body));
                *rebuilt.headers_mut() = cloned;
                let value: serde_json::Value =
                    serde_json::from_slice(black_box(body)).expect("json");
                *rebuilt.status_mut() = http::StatusCode::OK;
                black_box(value.get("error").is_some());
                black_box(reqwest::Response::from(rebuilt));
            }
            started.elapsed().as_secs_f64() * 1e6 / iters as f64
        })
        .collect();
    median(&mut runs)
}

/// TCP connections the server accepted for `calls` sequential get_balance calls of a
/// fresh client.
pub fn connections_for(server: &Server, key: Key, calls: u64) -> u64 {
    let client = facade(server, key);
    let before = server.connections();
    for _ in 0..calls {
        black_box(client.get_balance().expect("get_balance"));
    }
    server.connections() - before
}

// ---------------------------------------------------------------------------------
// The report and the peers (own files)
// ---------------------------------------------------------------------------------

pub mod memory;
mod peers;
mod report;

// Each includer uses a different subset.
#[allow(unused_imports)]
pub use peers::{measure_peers, parse_peers, PeerFigures};
#[allow(unused_imports)]
pub use report::{report, MAX_FACADE_RATIO, MAX_PEAK_GROWTH};
