//! An in-process imitation of Kalshi's `/portfolio` endpoints, bound to 127.0.0.1, for
//! tests, demos and trying scripts that move money somewhere it is safe (compare
//! stripe-mock). Enabled by the `sandbox` cargo feature.
//!
//! ```
//! use kalshi_portfolio::sandbox::{MarketSpec, Sandbox, Side};
//! use kalshi_portfolio::NewOrder;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start()?;
//! sandbox.create_market(MarketSpec::new("KXTEST-26-T50", "KXTEST-26"))?;
//! sandbox.add_liquidity("KXTEST-26-T50", Side::Ask, "0.45".parse()?, "100".parse()?)?;
//!
//! let client = sandbox.client()?;
//! let placed = client.create_order(&NewOrder::new("KXTEST-26-T50").buy_yes().price("0.50").count(10))?;
//! assert_eq!(placed.fill_count.to_string(), "10.00");
//! # Ok(()) }
//! ```
//!
//! # What it does
//!
//! * **Auth exactly as Kalshi checks it.** `KALSHI-ACCESS-KEY`,
//!   `KALSHI-ACCESS-TIMESTAMP` (Unix ms, within the timestamp window, 5 s by default)
//!   and `KALSHI-ACCESS-SIGNATURE`, the base64 signature over
//!   `timestamp + METHOD + path` with the path as received (including
//!   `/trade-api/v2`, percent-encoding intact, no query). RSA keys sign with RSA-PSS
//!   SHA-256, Ed25519 keys with Ed25519. Refusals are `401` with a Kalshi-shaped body
//!   and one of the codes `missing_auth_headers`, `invalid_timestamp`,
//!   `stale_timestamp`, `unknown_api_key`, `invalid_signature`. The sandbox generates
//!   an Ed25519 key pair on start ([`Sandbox::client`] uses it); register other keys
//!   with [`Sandbox::register_key`].
//! * **One account's state.** Markets (created through the admin API), counterparty
//!   liquidity, matching with price-time priority, fills, positions, balance, fees,
//!   settlements, order groups, queue positions. The rules (fee, balance, settlement)
//!   are documented below under *Exchange rules*.
//! * **Every `/portfolio` operation the facade exposes**; every other operation of
//!   the vendored spec (listed at build time, so a newly imported one too) answers
//!   `501` with code `not_implemented`, signed or not.
//! * **The market reads** `GET /markets` (filters `event_ticker`, `series_ticker`,
//!   `status`, `tickers`, `mve_filter`; paginated), `GET /markets/{ticker}`,
//!   `GET /markets/{ticker}/orderbook` (`depth`) and `GET /events/{event_ticker}`,
//!   from the markets it keeps: each market's price ranges (from
//!   [`MarketSpec::price_rules`] or its flat [`MarketSpec::tick_size`]), status
//!   (`active`, `finalized` once settled), best bid and ask and book from every
//!   resting order, the counterparty's included (NO bids are the YES asks at
//!   `1 − p`). Orders off a market's ranges are refused with the same
//!   [`PriceRules`](crate::price_rules::PriceRules) check the order builders make.
//! * **Kalshi-shaped errors** `{"code", "message", "details"}`, each with a status the
//!   vendored spec lists for the operation (the only exceptions: `501` for the
//!   operations the sandbox does not implement, and faults you inject):
//!   * `400`: `invalid_price` (not a decimal string, outside (0, 1), off the tick),
//!     `invalid_count`, `invalid_side`, `invalid_time_in_force`,
//!     `invalid_expiration_time`, `invalid_client_order_id`, `invalid_order` (a
//!     combination the exchange refuses, e.g. `post_only` without
//!     `good_till_canceled`), `invalid_parameters`, `invalid_json`, `invalid_limit`,
//!     `invalid_cursor`, `invalid_contracts_limit`, `insufficient_balance`,
//!     `post_only_cross`, `reduce_only_no_position`, `order_group_triggered`,
//!     `market_closed`; on create, `market_not_found` and `order_group_not_found`
//!     (create lists no 404); on amend, `duplicate_client_order_id` (amend lists no
//!     409);
//!   * `401`: `missing_auth_headers`, `invalid_timestamp`, `stale_timestamp`,
//!     `unknown_api_key`, `invalid_signature`;
//!   * `404`: `order_not_found`, `order_group_not_found`, `market_not_found`,
//!     `event_not_found`, `not_found`, and
//!     `order_not_resting` (cancel, amend, decrease or queue position of an order
//!     that is no longer resting: cancel lists no 400);
//!   * `409`: `duplicate_client_order_id` on create; `501`: `not_implemented`;
//!   * injected: `429 too_many_requests`, `5xx internal_server_error`.
//! * **Pagination** of fills, orders, settlements and positions with opaque cursors
//!   (empty on the last page), `limit` 1–1000 (default 100).
//! * **Fault injection** ([`Sandbox::inject`]): 429 with `Retry-After`, a 5xx, a delay,
//!   a request that is committed and whose connection is then dropped before any
//!   response byte, or one whose connection is dropped at once and which is executed
//!   later: after a delay ([`Fault::execute_late`]), or at a point the test chooses
//!   ([`Fault::execute_before_request`], [`Fault::execute_on_release`] with
//!   [`Sandbox::release_late`]); [`Sandbox::late_executions`] says what each late
//!   request did. Or one that is committed and answered late
//!   ([`Fault::answer_late`]: the window in which a client killed has acted without
//!   knowing it).
//! * **A request journal** ([`Sandbox::journal`]) with the auth headers' secret values
//!   redacted.
//! * **One account, one shard.** Everything is in subaccount 0 on exchange index 0.
//!   Another subaccount is an empty account: its lists are empty, its balance is
//!   zero, cancel-all cancels nothing, an order or group named in it is `404`, and
//!   creating an order or group in it is `400 invalid_parameters`. A `subaccount`
//!   that is not a non-negative integer is `400 invalid_parameters` where the
//!   operation lists 400, and otherwise names an empty account too (get balance,
//!   cancel, cancel-all, get/delete/reset/trigger order group). Operations whose spec
//!   declares no `subaccount` parameter (get order, queue position, total resting
//!   value) ignore it. Lists filtered to another exchange index are empty. Create and amend answers report `average_fill_price`
//!   as the average YES price of the order's fills and `average_fee_paid` per
//!   contract. An amend answer, as Kalshi documents, counts only the fills the amend
//!   caused, and carries `fill_count` and `remaining_count` only when it filled or
//!   resized the order.
//!
//! # The admin HTTP API
//!
//! Unsigned, under `/_sandbox/` on the same port, and only answered for loopback
//! peers. Bodies are JSON; answers are JSON (`{}` when there is nothing to say).
//!
//! Because it is unsigned, a web page the user visits could otherwise drive it through
//! the browser (a cross-site form or `text/plain` POST, or DNS rebinding). So a request
//! acts only when its `Host` header is `localhost`, `127.x.y.z` or `[::1]` (with or
//! without a port), its `Origin` header, if any, is an `http`/`https` origin on such a
//! host (`null` is refused), and, for `POST`/`PUT`/`PATCH` or any request with a body,
//! its `Content-Type` is `application/json` (parameters such as `; charset=utf-8` are
//! fine). Refusals are `403 forbidden_host`, `403 forbidden_origin` and
//! `415 unsupported_media_type`, and change nothing. With curl:
//! `curl -H 'Content-Type: application/json' -d '{"balance_cents":5000}'
//! http://127.0.0.1:8787/_sandbox/balance`.
//!
//! | request | body |
//! |---|---|
//! | `POST /_sandbox/markets` | `{"ticker", "event_ticker", "tick_size"?: "0.01", "price_level_structure"?: "tapered_deci_cent"}` |
//! | `POST /_sandbox/liquidity` | `{"ticker", "side": "bid"\|"ask", "price": "0.45", "count": "10"}` → `{"order_id"}` |
//! | `POST /_sandbox/settle` | `{"ticker", "result": "yes"\|"no"}` |
//! | `POST /_sandbox/balance` | `{"balance_cents": 100000}` |
//! | `POST /_sandbox/keys` | `{"key_id", "public_key_pem"}` |
//! | `POST /_sandbox/faults` | `{"kind": "rate_limited"\|"server_error"\|"delay"\|"answer_late"\|"drop_after_commit"\|"execute_late", "times"?: 1, "path_contains"?, "retry_after_secs"?, "status"?, "delay_ms"?}` |
//! | `GET /_sandbox/journal`, `DELETE /_sandbox/journal` | — |
//!
//! # Exchange rules
//!
//! The exchange keeps money in integer micro-dollars and counts in hundredths of a
//! contract (no floating point).
//!
//! * A `bid` buys YES at its price and matches resting asks priced at or below it; an
//!   `ask` sells YES (buys NO at 1 − price) and matches bids at or above it. Matches
//!   happen at the resting order's price, best price first, then oldest first.
//! * `good_till_canceled` rests what is left, `immediate_or_cancel` cancels it,
//!   `fill_or_kill` fills completely or is canceled without fills (the call succeeds
//!   with `fill_count` 0). `post_only` orders that would cross are refused;
//!   `reduce_only` orders need `immediate_or_cancel` and are capped at the position
//!   they reduce.
//! * Self-trade prevention between the user's own orders: `taker_at_cross` cancels
//!   the rest of the incoming order, `maker` cancels the resting one and continues.
//! * Buying YES costs the price per contract and buying NO costs 1 − price; a fill
//!   that reduces an opposite position pays out instead (a YES + NO pair is worth $1).
//! * **Taker fee** per fill: `0.07 × count × price × (1 − price)` rounded up to the
//!   cent; makers pay nothing.
//! * An order is refused with `insufficient_balance` when its worst-case cost (the
//!   part that opens a position, at the limit price, plus the taker fee on the whole
//!   count) exceeds the balance minus the value of the other resting orders. Resting
//!   orders do not move the balance; fills do.
//! * Settling a market pays $1 per winning contract (`revenue` in cents), closes the
//!   position, cancels the market's resting orders and records a settlement.
//! * `portfolio_value` is the cost basis of open positions in cents; resting order
//!   value is rounded up to the cent, `balance` down (`balance_dollars` is exact).
//! * Order groups cap the contracts matched by their orders in any rolling 15 s
//!   window; reaching the cap cancels the group's resting orders and refuses new ones
//!   (`order_group_triggered`) until the group is reset.
//! * Expired orders (`expiration_time`, Unix seconds) are canceled when next observed.

mod exchange;
mod keys;
mod server;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use exchange::{MarketResult, MarketSpec, Side};

use crate::money::{Count, Dollars};
use crate::{Client, Environment, Error, Result};
use exchange::Exchange;
use keys::PublicKey;

/// The base path of every API request.
const API_PREFIX: &str = "/trade-api/v2";

/// An error of the sandbox's exchange or admin API, shaped like Kalshi's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxError {
    status: u16,
    code: &'static str,
    message: String,
}

impl SandboxError {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        SandboxError {
            status,
            code,
            message: message.into(),
        }
    }

    /// The HTTP status the sandbox answers with.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Kalshi-style error code, e.g. `market_not_found`.
    pub fn code(&self) -> &str {
        self.code
    }

    /// Human-readable explanation.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for SandboxError {}

/// What an injected fault does to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer `429` with `Retry-After: <seconds>`, without processing the request.
    RateLimited {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Answer with this 5xx status, without processing the request.
    ServerError {
        /// The status (500–599).
        status: u16,
    },
    /// Wait this long, then process the request normally.
    Delay(Duration),
    /// Process (commit) the request, then close the connection before any response
    /// byte: the client sees a transport error although the exchange acted.
    DropAfterCommit,
    /// Close the connection at once without answering, and process the request
    /// this long afterwards: a request the client has given up on, executed late
    /// (the case [`Client::resolve_create`](crate::Client::resolve_create) exists
    /// for). A create executed late after the client placed the same
    /// `client_order_id` again is refused as a duplicate, as Kalshi does.
    ExecuteLate(Duration),
    /// Close the connection at once without answering, hold the request, and process
    /// it when released: just before the sandbox handles the `after_requests`-th API
    /// request that follows it (when set), or at [`Sandbox::release_late`], whichever
    /// comes first. The same late execution as [`FaultKind::ExecuteLate`], at a point
    /// a test chooses instead of after a sleep, so where it lands among the client's
    /// retries, lookups and later calls is deterministic.
    ExecuteOnRelease {
        /// Process it just before the sandbox handles this many more API requests
        /// (1: before the next one); `None`: only at [`Sandbox::release_late`].
        after_requests: Option<u32>,
    },
    /// Process (commit) the request now, and answer only this long afterwards: the
    /// window in which a client that is killed has acted at the exchange but has not
    /// yet learned (or recorded) that it did.
    AnswerLate(Duration),
}

/// A fault for the next matching requests; see [`Sandbox::inject`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    kind: FaultKind,
    times: u32,
    path_contains: Option<String>,
}

impl Fault {
    /// A fault of this kind for the next request.
    pub fn new(kind: FaultKind) -> Self {
        Fault {
            kind,
            times: 1,
            path_contains: None,
        }
    }

    /// `429 Too Many Requests` with `Retry-After: retry_after_secs`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Fault::new(FaultKind::RateLimited { retry_after_secs })
    }

    /// A 5xx answer (`status` is clamped into 500–599).
    pub fn server_error(status: u16) -> Self {
        Fault::new(FaultKind::ServerError {
            status: status.clamp(500, 599),
        })
    }

    /// Delay the request by `delay`.
    pub fn delay(delay: Duration) -> Self {
        Fault::new(FaultKind::Delay(delay))
    }

    /// Commit the request, then drop the connection without answering.
    pub fn drop_after_commit() -> Self {
        Fault::new(FaultKind::DropAfterCommit)
    }

    /// Drop the connection unanswered, then execute the request after `delay`.
    pub fn execute_late(delay: Duration) -> Self {
        Fault::new(FaultKind::ExecuteLate(delay))
    }

    /// Drop the connection unanswered, hold the request, and execute it at
    /// [`Sandbox::release_late`].
    pub fn execute_on_release() -> Self {
        Fault::new(FaultKind::ExecuteOnRelease {
            after_requests: None,
        })
    }

    /// Drop the connection unanswered and execute the request just before the
    /// sandbox handles the `requests`-th API request after it (1: before the next;
    /// 0 counts as 1), or at [`Sandbox::release_late`] if that comes first.
    pub fn execute_before_request(requests: u32) -> Self {
        Fault::new(FaultKind::ExecuteOnRelease {
            after_requests: Some(requests.max(1)),
        })
    }

    /// Commit the request, then hold the answer back for `delay`.
    pub fn answer_late(delay: Duration) -> Self {
        Fault::new(FaultKind::AnswerLate(delay))
    }

    /// Apply to the next `times` matching requests (default 1).
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Only requests whose path contains `fragment`.
    pub fn path_contains(mut self, fragment: impl Into<String>) -> Self {
        self.path_contains = Some(fragment.into());
        self
    }

    /// What the fault does.
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }
}

/// One API request as the sandbox received it, with secrets redacted: the values of
/// `KALSHI-ACCESS-SIGNATURE` and `KALSHI-ACCESS-TIMESTAMP` read `[redacted]`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct JournalEntry {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path as received, percent-encoding intact.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Headers (names lowercase) in arrival order, secret values redacted.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`None` when empty; a JSON string when it was not JSON).
    pub body: Option<serde_json::Value>,
}

impl JournalEntry {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A request the client gave up on, executed afterwards by a
/// [`FaultKind::ExecuteLate`] or [`FaultKind::ExecuteOnRelease`] fault, with the answer
/// nobody received.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct LateExecution {
    /// `POST`, `DELETE`, …
    pub method: String,
    /// The path as received, percent-encoding intact.
    pub path: String,
    /// The status the exchange answered with (2xx: applied; 4xx: refused, e.g. a
    /// create refused as a duplicate `client_order_id`).
    pub status: u16,
    /// The answer's body (`null` if it could not be read).
    pub body: serde_json::Value,
}

/// State shared by the server and the [`Sandbox`] handle.
pub(crate) struct Shared {
    exchange: Mutex<Exchange>,
    keys: Mutex<HashMap<String, PublicKey>>,
    faults: Mutex<Vec<Fault>>,
    journal: Mutex<Vec<JournalEntry>>,
    /// Requests of [`FaultKind::ExecuteOnRelease`] faults not executed yet, in arrival
    /// order.
    held: Mutex<Vec<server::Held>>,
    /// Every late execution so far, in execution order.
    late: Mutex<Vec<LateExecution>>,
    window: Duration,
}

/// Lock a mutex even if a panicking thread poisoned it (the state stays usable).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Configures a [`Sandbox`]; obtain one with [`Sandbox::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct SandboxBuilder {
    port: u16,
    window: Duration,
    starting_balance_cents: i64,
}

impl SandboxBuilder {
    /// Listen on this port of 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How far a request's timestamp may be from the sandbox's clock (default 5 s).
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The account's starting balance in cents (default 100,000 = $1,000).
    pub fn starting_balance_cents(mut self, cents: i64) -> Self {
        self.starting_balance_cents = cents;
        self
    }

    /// Generate the key pair, bind the port and start serving.
    pub fn start(self) -> Result<Sandbox> {
        let config =
            |what: &str, e: &dyn fmt::Display| Error::Config(format!("sandbox: {what}: {e}"));
        let (private_key_pem, public) = keys::generate_ed25519().map_err(|e| config("key", &e))?;
        let key_id = format!("sandbox-{}", uuid::Uuid::new_v4());
        let mut keys = HashMap::new();
        keys.insert(key_id.clone(), public);
        let shared = Arc::new(Shared {
            exchange: Mutex::new(Exchange::new(
                self.starting_balance_cents.saturating_mul(10_000),
            )),
            keys: Mutex::new(keys),
            faults: Mutex::new(Vec::new()),
            journal: Mutex::new(Vec::new()),
            held: Mutex::new(Vec::new()),
            late: Mutex::new(Vec::new()),
            window: self.window,
        });
        let listener = std::net::TcpListener::bind(("127.0.0.1", self.port))
            .map_err(|e| config(&format!("cannot bind 127.0.0.1:{}", self.port), &e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| config("listener", &e))?;
        let addr = listener.local_addr().map_err(|e| config("listener", &e))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kalshi-sandbox")
            .enable_all()
            .build()
            .map_err(|e| config("runtime", &e))?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let server_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("kalshi-sandbox".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => server::serve(listener, server_shared, stopped).await,
                        Err(e) => tracing::error!(error = %e, "sandbox listener failed"),
                    }
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .map_err(|e| config("thread", &e))?;
        Ok(Sandbox {
            shared,
            addr,
            key_id,
            private_key_pem,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A running sandbox exchange on 127.0.0.1. Dropping it stops the server.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    key_id: String,
    private_key_pem: String,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url())
            .field("key_id", &self.key_id)
            .field("private_key_pem", &"[redacted]")
            .finish()
    }
}

impl Sandbox {
    /// Start a sandbox with the defaults: a free port, a 5 s timestamp window and
    /// $1,000 of balance.
    pub fn start() -> Result<Sandbox> {
        Sandbox::builder().start()
    }

    /// Configure a sandbox.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            port: 0,
            window: Duration::from_secs(5),
            starting_balance_cents: 100_000,
        }
    }

    /// `http://127.0.0.1:PORT/trade-api/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}{API_PREFIX}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The id of the generated key.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The generated Ed25519 private key (PKCS#8 v1 PEM, `BEGIN PRIVATE KEY`, the form
    /// OpenSSL, Python's `cryptography` and Node read), for programs outside this
    /// process. Keep it out of logs like any key; `Debug` never shows it.
    pub fn private_key_pem(&self) -> &str {
        &self.private_key_pem
    }

    /// Write [`Sandbox::private_key_pem`] to a new file at `path` that only the
    /// current user can read (mode 0600 on Unix), for other programs to sign with.
    /// Fails if the file already exists rather than overwrite something.
    pub fn write_private_key_file(&self, path: &std::path::Path) -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        std::io::Write::write_all(&mut file, self.private_key_pem.as_bytes())?;
        file.sync_all()
    }

    /// A client builder configured for this sandbox (environment, key id and key),
    /// for callers that want to change timeouts or the batch size.
    pub fn client_builder(&self) -> crate::ClientBuilder {
        Client::builder()
            .environment(Environment::Custom(self.base_url()))
            .api_key_id(self.key_id.clone())
            .private_key_pem(self.private_key_pem.clone())
    }

    /// A [`Client`] configured for this sandbox.
    pub fn client(&self) -> Result<Client> {
        self.client_builder().build()
    }

    /// Accept requests signed by another key: RSA as SubjectPublicKeyInfo
    /// (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM, or Ed25519 as
    /// SubjectPublicKeyInfo PEM. Replaces any key registered under `key_id`.
    pub fn register_key(
        &self,
        key_id: impl Into<String>,
        public_key_pem: &str,
    ) -> std::result::Result<(), SandboxError> {
        let key = PublicKey::from_pem(public_key_pem)?;
        lock(&self.shared.keys).insert(key_id.into(), key);
        Ok(())
    }

    /// Create a market.
    pub fn create_market(&self, spec: MarketSpec) -> std::result::Result<(), SandboxError> {
        lock(&self.shared.exchange).create_market(&spec)
    }

    /// Add counterparty liquidity: a resting good-till-canceled order of another
    /// account. It matches immediately whatever it crosses, including the user's
    /// resting orders. Returns the counterparty order's id.
    pub fn add_liquidity(
        &self,
        ticker: &str,
        side: Side,
        price: Dollars,
        count: Count,
    ) -> std::result::Result<String, SandboxError> {
        lock(&self.shared.exchange).add_liquidity(
            ticker,
            side,
            price.as_micros(),
            count.as_hundredths(),
            now_ms(),
        )
    }

    /// Settle a market: winning contracts pay $1, resting orders are canceled.
    pub fn settle_market(
        &self,
        ticker: &str,
        result: MarketResult,
    ) -> std::result::Result<(), SandboxError> {
        lock(&self.shared.exchange).settle_market(ticker, result, now_ms())
    }

    /// Set the account's cash balance.
    pub fn set_balance_cents(&self, cents: i64) {
        lock(&self.shared.exchange).set_balance(cents.saturating_mul(10_000));
    }

    /// Inject a fault for the next matching API requests. Faults are consumed in the
    /// order they were injected.
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            lock(&self.shared.faults).push(fault);
        }
    }

    /// Remove every pending fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every API request received since the start (or the last
    /// [`Sandbox::clear_journal`]), oldest first; the latest 10,000 are kept. Requests
    /// to the admin API are not recorded.
    pub fn journal(&self) -> Vec<JournalEntry> {
        lock(&self.shared.journal).clone()
    }

    /// Forget the journal.
    pub fn clear_journal(&self) {
        lock(&self.shared.journal).clear();
    }

    /// Execute now, in arrival order, every request held by a
    /// [`FaultKind::ExecuteOnRelease`] fault, and return what each did.
    pub fn release_late(&self) -> Vec<LateExecution> {
        let held = std::mem::take(&mut *lock(&self.shared.held));
        held.into_iter()
            .map(|held| server::execute_held(&self.shared, held))
            .collect()
    }

    /// How many requests [`FaultKind::ExecuteOnRelease`] faults hold, not executed yet.
    pub fn held_late(&self) -> usize {
        lock(&self.shared.held).len()
    }

    /// Every late execution since the start (or the last
    /// [`Sandbox::clear_late_executions`]), oldest first: those of
    /// [`FaultKind::ExecuteLate`] and [`FaultKind::ExecuteOnRelease`] faults alike.
    pub fn late_executions(&self) -> Vec<LateExecution> {
        lock(&self.shared.late).clone()
    }

    /// Forget the late executions recorded so far (held requests stay held).
    pub fn clear_late_executions(&self) {
        lock(&self.shared.late).clear();
    }

    /// Stop the server: stop accepting, let in-flight requests finish (briefly), and
    /// join the server thread. Dropping the sandbox does the same.
    pub fn shutdown(mut self) {
        self.stop_server();
    }

    fn stop_server(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            // The server's runtime lives and dies on its own thread, so this is safe
            // even when the sandbox is dropped inside another tokio runtime.
            let _ = thread.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop_server();
    }
}
