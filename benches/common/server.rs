//! The canned-response server: answers the benchmarked endpoints with fixed bodies,
//! on one thread whose CPU clock is read apart.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::serve::ListenerExt as _;

use super::*;

pub(super) const BALANCE_BODY: &str = r#"{"balance":1234567,"balance_dollars":"12345.67","portfolio_value":2345678,"updated_ts":1764079200}"#;

const CREATE_ORDER_BODY: &str = r#"{"order_id":"8f1a6d3e-2b4c-4f7a-9e21-6c0d5b7a9f10","fill_count":"0.00","remaining_count":"1.00","ts_ms":1764079200123}"#;

/// Largest fills page the server hands out (Kalshi's maximum limit).
const MAX_FILLS_LIMIT: usize = 1000;

pub(super) struct ServerState {
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
pub(super) struct FillsQuery {
    pub(super) cursor: Option<String>,
    pub(super) limit: Option<usize>,
}

/// The canned-response server: one thread, one current-thread tokio runtime, axum.
pub struct Server {
    /// `http://127.0.0.1:PORT/trade-api/v2`
    pub base_url: String,
    pub(super) state: Arc<ServerState>,
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
pub(super) fn fills_page(state: &ServerState, query: &FillsQuery) -> String {
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
