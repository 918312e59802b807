//! The sandbox's HTTP side: its own accept loop (so a fault can drop a connection on
//! demand), auth, the journal, faults, and the routes of the API and the admin API.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::sync::{watch, Notify};
use tower::ServiceExt as _;

use super::exchange::{
    AmendReq, FillFilter, NewOrderReq, OrderFilter, Placed, PositionFilter, SettlementFilter, Side,
    Stp, Tif,
};
use super::{
    lock, now_ms, Fault, FaultKind, JournalEntry, MarketResult, MarketSpec, SandboxError, Shared,
    API_PREFIX,
};
use crate::money::{Count, Dollars};

/// Signals the connection task to drop its connection without answering.
#[derive(Clone)]
struct KillSwitch(Arc<Notify>);

/// The peer of the connection a request came on.
#[derive(Clone, Copy)]
struct Peer(SocketAddr);

/// Largest request body read.
const MAX_BODY: usize = 4 << 20;

/// The journal keeps this many latest requests.
const JOURNAL_LIMIT: usize = 10_000;

/// Accept connections until `stop` changes, then shut down gracefully (bounded).
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let router = axum::Router::new().fallback(dispatch).with_state(shared);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let router = router.clone();
                let mut stop = stop.clone();
                connections.spawn(async move {
                    let kill = Arc::new(Notify::new());
                    let switch = KillSwitch(kill.clone());
                    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                        request.extensions_mut().insert(switch.clone());
                        request.extensions_mut().insert(Peer(peer));
                        router.clone().oneshot(request.map(Body::new))
                    });
                    let connection = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        // Dropping the connection future closes the socket unanswered.
                        _ = kill.notified() => {}
                        _ = stop.changed() => {
                            connection.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(Duration::from_secs(1), connection).await;
                        }
                    }
                });
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
}

fn json_response(status: u16, value: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(value)).into_response()
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| json!({ "serialization_error": e.to_string() }))
}

fn error_body(err: &SandboxError) -> Value {
    json!({ "code": err.code(), "message": err.message(), "details": "" })
}

fn error_response(err: &SandboxError) -> Response {
    json_response(err.status(), error_body(err))
}

fn err(status: u16, code: &'static str, message: impl Into<String>) -> SandboxError {
    SandboxError::new(status, code, message)
}

type Res<T> = Result<T, SandboxError>;

/// Every request lands here: admin, journal, faults, auth, routes.
async fn dispatch(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return error_response(&err(400, "invalid_body", "could not read the body")),
    };

    if let Some(admin_path) = path.strip_prefix("/_sandbox") {
        let loopback = parts
            .extensions
            .get::<Peer>()
            .is_some_and(|peer| peer.0.ip().is_loopback());
        if !loopback {
            return error_response(&err(403, "forbidden", "the admin API is loopback-only"));
        }
        if let Err(refused) = admin_request_allowed(&parts.method, &parts.headers, &body) {
            return error_response(&refused);
        }
        return match admin(&shared, &parts.method, admin_path, &body) {
            Ok(value) => json_response(200, value),
            Err(e) => error_response(&e),
        };
    }

    let Some(api_path) = path.strip_prefix(API_PREFIX) else {
        return error_response(&err(404, "not_found", format!("no route for {path}")));
    };
    let api_path = api_path.to_string();

    {
        let mut journal = lock(&shared.journal);
        if journal.len() >= JOURNAL_LIMIT {
            journal.remove(0);
        }
        journal.push(journal_entry(
            &parts.method,
            &path,
            &query,
            &parts.headers,
            &body,
        ));
    }

    let mut drop_after_commit = false;
    if let Some(kind) = take_fault(&shared, &path) {
        match kind {
            FaultKind::Delay(delay) => tokio::time::sleep(delay).await,
            FaultKind::RateLimited { retry_after_secs } => {
                let mut response = error_response(&err(
                    429,
                    "too_many_requests",
                    "rate limit exceeded (injected)",
                ));
                response
                    .headers_mut()
                    .insert("retry-after", HeaderValue::from(retry_after_secs));
                return response;
            }
            FaultKind::ServerError { status } => {
                return error_response(&err(
                    status,
                    "internal_server_error",
                    "injected server error",
                ));
            }
            FaultKind::DropAfterCommit => drop_after_commit = true,
        }
    }

    if let Err(e) = authenticate(&shared, &parts.method, &path, &parts.headers) {
        return error_response(&e);
    }

    let params = query_params(query.as_deref());
    let response = match route(&shared, &parts.method, &api_path, &params, &body) {
        Ok(response) => response,
        Err(e) => error_response(&e),
    };
    if drop_after_commit {
        if let Some(kill) = parts.extensions.get::<KillSwitch>() {
            kill.0.notify_one();
            // Never answer: the connection task drops the connection.
            std::future::pending::<()>().await;
        }
    }
    response
}

fn take_fault(shared: &Shared, path: &str) -> Option<FaultKind> {
    let mut faults = lock(&shared.faults);
    let index = faults.iter().position(|f: &Fault| {
        f.times > 0
            && f.path_contains
                .as_deref()
                .is_none_or(|fragment| path.contains(fragment))
    })?;
    let fault = &mut faults[index];
    fault.times -= 1;
    let kind = fault.kind.clone();
    if fault.times == 0 {
        faults.remove(index);
    }
    Some(kind)
}

fn journal_entry(
    method: &Method,
    path: &str,
    query: &Option<String>,
    headers: &HeaderMap,
    body: &[u8],
) -> JournalEntry {
    let headers = headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_ascii_lowercase();
            let value = if name == "kalshi-access-signature" || name == "kalshi-access-timestamp" {
                "[redacted]".to_string()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect();
    let body = if body.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice(body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned())),
        )
    };
    JournalEntry {
        method: method.to_string(),
        path: path.to_string(),
        query: query.clone(),
        headers,
        body,
    }
}

/// Kalshi's check: key id known, timestamp fresh, signature valid over
/// `timestamp + METHOD + path` (path as received, no query).
fn authenticate(shared: &Shared, method: &Method, path: &str, headers: &HeaderMap) -> Res<()> {
    let unauthorized = |code: &'static str, message: &str| err(401, code, message);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(key_id), Some(timestamp), Some(signature)) = (
        header("kalshi-access-key"),
        header("kalshi-access-timestamp"),
        header("kalshi-access-signature"),
    ) else {
        return Err(unauthorized(
            "missing_auth_headers",
            "KALSHI-ACCESS-KEY, KALSHI-ACCESS-TIMESTAMP and KALSHI-ACCESS-SIGNATURE are required",
        ));
    };
    let Some(key) = lock(&shared.keys).get(key_id).cloned() else {
        return Err(unauthorized(
            "unknown_api_key",
            "the API key id is not known",
        ));
    };
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unauthorized(
            "invalid_timestamp",
            "KALSHI-ACCESS-TIMESTAMP must be Unix milliseconds",
        ));
    }
    let stamp: i64 = timestamp.parse().map_err(|_| {
        unauthorized(
            "invalid_timestamp",
            "KALSHI-ACCESS-TIMESTAMP is out of range",
        )
    })?;
    let window = shared.window.as_millis().min(u64::MAX as u128) as u64;
    if now_ms().abs_diff(stamp) > window {
        return Err(unauthorized(
            "stale_timestamp",
            "KALSHI-ACCESS-TIMESTAMP is outside the allowed window",
        ));
    }
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| unauthorized("invalid_signature", "the signature is not valid base64"))?;
    let message = format!("{timestamp}{}{path}", method.as_str());
    if !key.verify(message.as_bytes(), &signature) {
        return Err(unauthorized(
            "invalid_signature",
            "the signature does not verify",
        ));
    }
    Ok(())
}

fn query_params(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Operations of the spec the sandbox does not implement.
const NOT_IMPLEMENTED: &[(&str, &str, &str)] = &[
    ("GET", "/portfolio/deposits", "GetDeposits"),
    (
        "POST",
        "/portfolio/intra_exchange_instance_transfer",
        "IntraExchangeInstanceTransfer",
    ),
    (
        "GET",
        "/portfolio/intra_exchange_instance_transfers",
        "GetIntraExchangeInstanceTransfers",
    ),
    (
        "GET",
        "/portfolio/intra_exchange_instance_transfers/*",
        "GetIntraExchangeInstanceTransfer",
    ),
    ("POST", "/portfolio/subaccounts", "CreateSubaccount"),
    (
        "GET",
        "/portfolio/subaccounts/balances",
        "GetSubaccountBalances",
    ),
    (
        "GET",
        "/portfolio/subaccounts/netting",
        "GetSubaccountNetting",
    ),
    (
        "PUT",
        "/portfolio/subaccounts/netting",
        "UpdateSubaccountNetting",
    ),
    (
        "POST",
        "/portfolio/subaccounts/transfer",
        "ApplySubaccountTransfer",
    ),
    (
        "GET",
        "/portfolio/subaccounts/transfers",
        "GetSubaccountTransfers",
    ),
    (
        "GET",
        "/portfolio/target_balance_allocation",
        "GetTargetBalanceAllocation",
    ),
    (
        "POST",
        "/portfolio/target_balance_allocation",
        "SetTargetBalanceAllocation",
    ),
    ("GET", "/portfolio/withdrawals", "GetWithdrawals"),
];

fn not_implemented(method: &Method, path: &str) -> Option<&'static str> {
    NOT_IMPLEMENTED.iter().find_map(|(m, p, operation)| {
        let matches = match p.strip_suffix("/*") {
            Some(prefix) => path
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|id| !id.is_empty() && !id.contains('/')),
            None => path == *p,
        };
        (method.as_str() == *m && matches).then_some(*operation)
    })
}

fn route(
    shared: &Shared,
    method: &Method,
    path: &str,
    params: &HashMap<String, String>,
    body: &[u8],
) -> Res<Response> {
    if let Some(operation) = not_implemented(method, path) {
        return Err(err(
            501,
            "not_implemented",
            format!("the sandbox does not implement {operation}"),
        ));
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let now = now_ms();
    let ok = |value: Value| Ok(json_response(200, value));
    let created = |value: Value| Ok(json_response(201, value));
    // Everything lives on exchange shard 0 of subaccount 0: a list filtered to another
    // shard, or of another subaccount, is empty.
    let other_shard = params
        .get("exchange_index")
        .is_some_and(|index| !index.is_empty() && index != "0");
    if method == Method::GET {
        let empty = match segments.as_slice() {
            ["portfolio", "fills"] => Some(json!({ "fills": [], "cursor": "" })),
            ["portfolio", "orders"] => Some(json!({ "orders": [], "cursor": "" })),
            ["portfolio", "positions"] => {
                Some(json!({ "market_positions": [], "event_positions": [], "cursor": "" }))
            }
            ["portfolio", "settlements"] => Some(json!({ "settlements": [], "cursor": "" })),
            ["portfolio", "order_groups"] => Some(json!({ "order_groups": [] })),
            ["portfolio", "orders", "queue_positions"] => Some(json!({ "queue_positions": [] })),
            _ => None,
        };
        if let Some(empty) = empty {
            let shard_filtered = other_shard
                && matches!(
                    segments.as_slice(),
                    ["portfolio", "fills" | "orders" | "positions"]
                );
            // These operations list 400: a malformed subaccount is refused.
            if shard_filtered || account(params)? == Account::Other {
                return ok(empty);
            }
        }
    }
    // Operations that name one order or group of an account: in another subaccount
    // there is none (404, which each of them lists; a malformed subaccount is 400 only
    // where the operation lists 400).
    let missing_in_other_account = match (method.as_str(), segments.as_slice()) {
        ("DELETE", ["portfolio", "events", "orders", id]) if *id != "batched" => {
            Some((false, "order_not_found"))
        }
        ("POST", ["portfolio", "events", "orders", _, "amend" | "decrease"]) => {
            Some((true, "order_not_found"))
        }
        ("GET" | "DELETE", ["portfolio", "order_groups", _])
        | ("PUT", ["portfolio", "order_groups", _, "reset" | "trigger"]) => {
            Some((false, "order_group_not_found"))
        }
        ("PUT", ["portfolio", "order_groups", _, "limit"]) => Some((true, "order_group_not_found")),
        _ => None,
    };
    if let Some((lists_400, code)) = missing_in_other_account {
        let named = match account(params) {
            Err(malformed) if lists_400 => return Err(malformed),
            Err(_) => Account::Other,
            Ok(named) => named,
        };
        if named == Account::Other {
            return Err(err(
                404,
                code,
                "the sandbox holds only subaccount 0; other subaccounts are empty",
            ));
        }
    }
    let mut exchange = lock(&shared.exchange);
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["portfolio", "balance"]) => {
            // GetBalance lists no 400: any subaccount other than 0 (even a malformed
            // one) is an empty account.
            let primary = account(params).is_ok_and(|a| a == Account::Primary);
            ok(to_json(&exchange.balance(primary, now)))
        }
        ("POST", ["portfolio", "events", "orders"]) => {
            let request = parse_new_order(&parse_body(body)?)?;
            let placed = exchange.create_order(&request, now)?;
            created(to_json(&create_response(&placed, now)))
        }
        ("DELETE", ["portfolio", "events", "orders"]) => {
            // CancelAllOrders lists no 400: another (or a malformed) subaccount has
            // nothing to cancel.
            if account(params).is_ok_and(|a| a == Account::Primary) {
                exchange.cancel_all(now);
            }
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        ("POST", ["portfolio", "events", "orders", "batched"]) => {
            let body = parse_body(body)?;
            let orders = batch_items(&body)?;
            let mut results = Vec::new();
            for item in orders {
                let client_order_id = item
                    .get("client_order_id")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let outcome = parse_new_order(item).and_then(|r| exchange.create_order(&r, now));
                results.push(match outcome {
                    Ok(placed) => crate::types::BatchCreateOrdersV2ResponseOrdersItem {
                        average_fee_paid: placed.average_fee.map(Dollars::from_micros),
                        average_fill_price: placed.average_price.map(Dollars::from_micros),
                        client_order_id: Some(placed.client_order_id.clone()),
                        error: None,
                        fill_count: Some(Count::from_hundredths(placed.fill_count)),
                        order_id: Some(placed.order_id.clone()),
                        remaining_count: Some(Count::from_hundredths(placed.remaining)),
                        ts_ms: Some(now),
                    },
                    Err(e) => crate::types::BatchCreateOrdersV2ResponseOrdersItem {
                        client_order_id,
                        error: Some(error_object(&e)),
                        ..Default::default()
                    },
                });
            }
            created(to_json(&crate::types::BatchCreateOrdersV2Response {
                orders: results,
            }))
        }
        ("DELETE", ["portfolio", "events", "orders", "batched"]) => {
            let body = parse_body(body)?;
            let items = batch_items(&body)?;
            let mut results = Vec::new();
            for item in items {
                let order_id = item
                    .get("order_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                results.push(match exchange.cancel_order(&order_id, now) {
                    Ok((client_order_id, reduced)) => {
                        crate::types::BatchCancelOrdersV2ResponseOrdersItem {
                            client_order_id: Some(client_order_id),
                            error: None,
                            order_id,
                            reduced_by: Count::from_hundredths(reduced),
                            ts_ms: Some(now),
                        }
                    }
                    Err(e) => crate::types::BatchCancelOrdersV2ResponseOrdersItem {
                        client_order_id: None,
                        error: Some(error_object(&e)),
                        order_id,
                        reduced_by: Count::ZERO,
                        ts_ms: None,
                    },
                });
            }
            ok(to_json(&crate::types::BatchCancelOrdersV2Response {
                orders: results,
            }))
        }
        ("DELETE", ["portfolio", "events", "orders", order_id]) => {
            let (client_order_id, reduced) = exchange.cancel_order(order_id, now)?;
            ok(to_json(&crate::types::CancelOrderV2Response {
                client_order_id: Some(client_order_id),
                order_id: (*order_id).to_string(),
                reduced_by: Count::from_hundredths(reduced),
                ts_ms: now,
            }))
        }
        ("POST", ["portfolio", "events", "orders", order_id, "amend"]) => {
            let request = parse_amend(&parse_body(body)?)?;
            let amended = exchange.amend_order(order_id, &request, now)?;
            let placed = &amended.placed;
            // As Kalshi documents: counts only when the amend filled or resized the
            // order, averages only when it filled.
            let counted = amended.filled_or_resized;
            ok(to_json(&crate::types::AmendOrderV2Response {
                average_fee_paid: placed.average_fee.map(Dollars::from_micros),
                average_fill_price: placed.average_price.map(Dollars::from_micros),
                client_order_id: Some(placed.client_order_id.clone()),
                fill_count: counted.then(|| Count::from_hundredths(placed.fill_count)),
                order_id: placed.order_id.clone(),
                remaining_count: counted.then(|| Count::from_hundredths(placed.remaining)),
                ts_ms: now,
            }))
        }
        ("POST", ["portfolio", "events", "orders", order_id, "decrease"]) => {
            let body = parse_body(body)?;
            let reduce_by = optional_count(&body, "reduce_by")?;
            let reduce_to = optional_count(&body, "reduce_to")?;
            let (client_order_id, remaining) =
                exchange.decrease_order(order_id, reduce_by, reduce_to, now)?;
            ok(to_json(&crate::types::DecreaseOrderV2Response {
                client_order_id: Some(client_order_id),
                order_id: (*order_id).to_string(),
                remaining_count: Count::from_hundredths(remaining),
                ts_ms: now,
            }))
        }
        ("GET", ["portfolio", "fills"]) => {
            let filter = FillFilter {
                tickers: params
                    .get("ticker")
                    .filter(|t| !t.is_empty())
                    .map(|t| t.split(',').map(str::to_string).collect()),
                order_id: non_empty(params, "order_id"),
                min_ts: int_param(params, "min_ts")?,
                max_ts: int_param(params, "max_ts")?,
            };
            let page = exchange.fills(&filter, limit(params)?, cursor(params), now)?;
            ok(to_json(&crate::types::GetFillsResponse {
                cursor: page.cursor,
                fills: page.items,
            }))
        }
        ("GET", ["portfolio", "order_groups"]) => {
            // Built by hand: the generated type skips an empty list, and the array is
            // always sent, as Kalshi does.
            let groups: Vec<Value> = exchange.groups(now).iter().map(to_json).collect();
            ok(json!({ "order_groups": groups }))
        }
        ("POST", ["portfolio", "order_groups", "create"]) => {
            let body = parse_body(body)?;
            check_subaccount(body.get("subaccount").map(|v| v.to_string()).as_deref())?;
            let limit = contracts_limit(&body)?;
            let id = exchange.create_group(limit)?;
            created(to_json(&crate::types::CreateOrderGroupResponse {
                exchange_index: Some(crate::types::ExchangeIndex(0)),
                order_group_id: id,
                subaccount: 0,
            }))
        }
        ("GET", ["portfolio", "order_groups", id]) => ok(to_json(&exchange.group(id, now)?)),
        ("DELETE", ["portfolio", "order_groups", id]) => {
            exchange.delete_group(id, now)?;
            ok(json!({}))
        }
        ("PUT", ["portfolio", "order_groups", id, "reset"]) => {
            exchange.reset_group(id, now)?;
            ok(json!({}))
        }
        ("PUT", ["portfolio", "order_groups", id, "trigger"]) => {
            exchange.trigger_group(id, now)?;
            ok(json!({}))
        }
        ("PUT", ["portfolio", "order_groups", id, "limit"]) => {
            let limit = contracts_limit(&parse_body(body)?)?;
            exchange.update_group_limit(id, limit, now)?;
            ok(json!({}))
        }
        ("GET", ["portfolio", "orders"]) => {
            let filter = OrderFilter {
                ticker: non_empty(params, "ticker"),
                event_tickers: params
                    .get("event_ticker")
                    .filter(|t| !t.is_empty())
                    .map(|t| t.split(',').map(str::to_string).collect()),
                min_ts: int_param(params, "min_ts")?,
                max_ts: int_param(params, "max_ts")?,
                status: non_empty(params, "status"),
            };
            let page = exchange.orders(&filter, limit(params)?, cursor(params), now)?;
            ok(to_json(&crate::types::GetOrdersResponse {
                cursor: page.cursor,
                orders: page.items,
            }))
        }
        ("GET", ["portfolio", "orders", "queue_positions"]) => {
            let tickers: Option<Vec<String>> = params
                .get("market_tickers")
                .filter(|t| !t.is_empty())
                .map(|t| t.split(',').map(str::to_string).collect());
            let event = non_empty(params, "event_ticker");
            let positions = exchange.queue_positions(tickers.as_deref(), event.as_deref(), now);
            ok(to_json(&crate::types::GetOrderQueuePositionsResponse {
                queue_positions: positions,
            }))
        }
        ("GET", ["portfolio", "orders", order_id]) => {
            ok(to_json(&crate::types::GetOrderResponse {
                order: exchange.order(order_id, now)?,
            }))
        }
        ("GET", ["portfolio", "orders", order_id, "queue_position"]) => {
            let position = exchange.queue_position(order_id, now)?;
            ok(to_json(&crate::types::GetOrderQueuePositionResponse {
                queue_position_fp: Count::from_hundredths(position),
            }))
        }
        ("GET", ["portfolio", "positions"]) => {
            let filter = PositionFilter {
                ticker: non_empty(params, "ticker"),
                event_ticker: non_empty(params, "event_ticker"),
                count_filter: params
                    .get("count_filter")
                    .map(|f| {
                        f.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                settlement_status: non_empty(params, "settlement_status"),
            };
            let (page, events) =
                exchange.positions(&filter, limit(params)?, cursor(params), now)?;
            ok(to_json(&crate::types::GetPositionsResponse {
                cursor: Some(page.cursor),
                event_positions: events,
                market_positions: page.items,
            }))
        }
        ("GET", ["portfolio", "settlements"]) => {
            let filter = SettlementFilter {
                ticker: non_empty(params, "ticker"),
                event_ticker: non_empty(params, "event_ticker"),
                min_ts: int_param(params, "min_ts")?,
                max_ts: int_param(params, "max_ts")?,
            };
            let page = exchange.settlements(&filter, limit(params)?, cursor(params), now)?;
            ok(to_json(&crate::types::GetSettlementsResponse {
                cursor: Some(page.cursor),
                settlements: page.items,
            }))
        }
        ("GET", ["portfolio", "summary", "total_resting_order_value"]) => {
            ok(to_json(&exchange.resting_order_value(now)))
        }
        _ => Err(err(
            404,
            "not_found",
            format!("no route for {method} {API_PREFIX}{path}"),
        )),
    }
}

fn create_response(placed: &Placed, now: i64) -> crate::types::CreateOrderV2Response {
    crate::types::CreateOrderV2Response {
        average_fee_paid: placed.average_fee.map(Dollars::from_micros),
        average_fill_price: placed.average_price.map(Dollars::from_micros),
        client_order_id: Some(placed.client_order_id.clone()),
        fill_count: Count::from_hundredths(placed.fill_count),
        order_id: placed.order_id.clone(),
        remaining_count: Count::from_hundredths(placed.remaining),
        ts_ms: now,
    }
}

fn error_object(e: &SandboxError) -> crate::types::ErrorResponse {
    crate::types::ErrorResponse {
        code: Some(e.code().to_string()),
        details: Some(String::new()),
        message: Some(e.message().to_string()),
    }
}

/// Which account a request's `subaccount` query parameter names. The sandbox holds
/// only the primary account (0); any other number is an account with nothing in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Account {
    Primary,
    Other,
}

/// The account `subaccount` names (absent or empty: the primary one); a value that is
/// not a non-negative integer is `400 invalid_parameters`.
fn account(params: &HashMap<String, String>) -> Res<Account> {
    match params.get("subaccount").map(String::as_str) {
        None | Some("") => Ok(Account::Primary),
        Some(text) => match text.parse::<u64>() {
            Ok(0) => Ok(Account::Primary),
            Ok(_) => Ok(Account::Other),
            Err(_) => Err(err(
                400,
                "invalid_parameters",
                format!("subaccount {text:?} is not a non-negative integer"),
            )),
        },
    }
}

fn check_subaccount(value: Option<&str>) -> Res<()> {
    match value {
        None | Some("") | Some("0") => Ok(()),
        Some(other) => Err(err(
            400,
            "invalid_parameters",
            format!("subaccount {other:?}: the sandbox has only the primary account (0)"),
        )),
    }
}

fn non_empty(params: &HashMap<String, String>, name: &str) -> Option<String> {
    params.get(name).filter(|v| !v.is_empty()).cloned()
}

fn int_param(params: &HashMap<String, String>, name: &str) -> Res<Option<i64>> {
    match params.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            err(
                400,
                "invalid_parameters",
                format!("{name} {text:?} is not an integer"),
            )
        }),
    }
}

fn limit(params: &HashMap<String, String>) -> Res<usize> {
    match params.get("limit") {
        None => Ok(100),
        Some(text) => match text.parse::<usize>() {
            Ok(limit) if (1..=1000).contains(&limit) => Ok(limit),
            _ => Err(err(
                400,
                "invalid_limit",
                format!("limit {text:?} must be an integer from 1 to 1000"),
            )),
        },
    }
}

fn cursor(params: &HashMap<String, String>) -> Option<&str> {
    params
        .get("cursor")
        .map(String::as_str)
        .filter(|c| !c.is_empty())
}

fn parse_body(body: &[u8]) -> Res<Value> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| err(400, "invalid_json", format!("the body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(err(400, "invalid_json", "the body must be a JSON object"));
    }
    Ok(value)
}

fn batch_items(body: &Value) -> Res<&Vec<Value>> {
    let items = body
        .get("orders")
        .and_then(Value::as_array)
        .ok_or_else(|| err(400, "invalid_parameters", "orders must be an array"))?;
    if items.is_empty() || items.len() > 1000 {
        return Err(err(
            400,
            "invalid_parameters",
            "a batch holds from 1 to 1000 orders",
        ));
    }
    Ok(items)
}

fn required_str<'a>(body: &'a Value, name: &str) -> Res<&'a str> {
    match body.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(err(
            400,
            "invalid_parameters",
            format!("{name} must be a string"),
        )),
        None => Err(err(
            400,
            "invalid_parameters",
            format!("{name} is required"),
        )),
    }
}

fn optional_str(body: &Value, name: &str) -> Res<Option<String>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(
            400,
            "invalid_parameters",
            format!("{name} must be a string"),
        )),
    }
}

fn optional_bool(body: &Value, name: &str) -> Res<bool> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(err(
            400,
            "invalid_parameters",
            format!("{name} must be a boolean"),
        )),
    }
}

fn optional_int(body: &Value, name: &str) -> Res<Option<i64>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value.as_i64().map(Some).ok_or_else(|| {
            err(
                400,
                "invalid_parameters",
                format!("{name} must be an integer"),
            )
        }),
    }
}

fn price_of(body: &Value, name: &str) -> Res<i64> {
    let text = match body.get(name) {
        Some(Value::String(s)) => s,
        None => return Err(err(400, "invalid_price", format!("{name} is required"))),
        Some(_) => {
            return Err(err(
                400,
                "invalid_price",
                format!("{name} must be a fixed-point dollar string such as \"0.5600\""),
            ))
        }
    };
    text.parse::<Dollars>()
        .map(Dollars::as_micros)
        .map_err(|e| err(400, "invalid_price", format!("{name} {text:?}: {e}")))
}

fn count_text(text: &str, name: &str) -> Res<i64> {
    text.parse::<Count>()
        .map(Count::as_hundredths)
        .map_err(|e| err(400, "invalid_count", format!("{name} {text:?}: {e}")))
}

fn count_of(body: &Value, name: &str) -> Res<i64> {
    match body.get(name) {
        Some(Value::String(s)) => count_text(s, name),
        None => Err(err(400, "invalid_count", format!("{name} is required"))),
        Some(_) => Err(err(
            400,
            "invalid_count",
            format!("{name} must be a fixed-point count string such as \"10.00\""),
        )),
    }
}

fn optional_count(body: &Value, name: &str) -> Res<Option<i64>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => count_of(body, name).map(Some),
    }
}

fn side_of(body: &Value) -> Res<Side> {
    match body.get("side").and_then(Value::as_str) {
        Some("bid") => Ok(Side::Bid),
        Some("ask") => Ok(Side::Ask),
        _ => Err(err(400, "invalid_side", "side must be \"bid\" or \"ask\"")),
    }
}

fn contracts_limit(body: &Value) -> Res<i64> {
    match (body.get("contracts_limit_fp"), body.get("contracts_limit")) {
        (Some(Value::String(text)), _) => count_text(text, "contracts_limit_fp")
            .map_err(|e| err(400, "invalid_contracts_limit", e.message().to_string())),
        (None | Some(Value::Null), Some(value)) => value
            .as_i64()
            .and_then(|v| v.checked_mul(100))
            .ok_or_else(|| {
                err(
                    400,
                    "invalid_contracts_limit",
                    "contracts_limit must be an integer",
                )
            }),
        _ => Err(err(
            400,
            "invalid_contracts_limit",
            "contracts_limit_fp (or contracts_limit) is required",
        )),
    }
}

fn parse_new_order(body: &Value) -> Res<NewOrderReq> {
    if !body.is_object() {
        return Err(err(
            400,
            "invalid_parameters",
            "an order must be a JSON object",
        ));
    }
    check_subaccount(body.get("subaccount").map(|v| v.to_string()).as_deref())?;
    let tif = match body.get("time_in_force").and_then(Value::as_str) {
        Some("good_till_canceled") => Tif::Gtc,
        Some("immediate_or_cancel") => Tif::Ioc,
        Some("fill_or_kill") => Tif::Fok,
        _ => {
            return Err(err(
                400,
                "invalid_time_in_force",
                "time_in_force must be good_till_canceled, immediate_or_cancel or fill_or_kill",
            ))
        }
    };
    let stp = match body
        .get("self_trade_prevention_type")
        .and_then(Value::as_str)
    {
        Some("taker_at_cross") => Stp::TakerAtCross,
        Some("maker") => Stp::Maker,
        _ => {
            return Err(err(
                400,
                "invalid_parameters",
                "self_trade_prevention_type must be taker_at_cross or maker",
            ))
        }
    };
    Ok(NewOrderReq {
        ticker: required_str(body, "ticker")?.to_string(),
        client_order_id: optional_str(body, "client_order_id")?,
        side: side_of(body)?,
        price: price_of(body, "price")?,
        count: count_of(body, "count")?,
        tif,
        post_only: optional_bool(body, "post_only")?,
        reduce_only: optional_bool(body, "reduce_only")?,
        stp,
        expiration_s: optional_int(body, "expiration_time")?,
        order_group_id: optional_str(body, "order_group_id")?,
        cancel_order_on_pause: optional_bool(body, "cancel_order_on_pause")?,
    })
}

fn parse_amend(body: &Value) -> Res<AmendReq> {
    Ok(AmendReq {
        ticker: required_str(body, "ticker")?.to_string(),
        side: side_of(body)?,
        price: price_of(body, "price")?,
        count: count_of(body, "count")?,
        client_order_id: optional_str(body, "client_order_id")?,
        updated_client_order_id: optional_str(body, "updated_client_order_id")?,
        expiration_s: optional_int(body, "expiration_time")?,
    })
}

/// Whether a request to the unsigned admin API may act. A loopback peer is not enough:
/// a web page the user visits can make the browser send requests to 127.0.0.1 (CSRF),
/// or resolve its own name to 127.0.0.1 (DNS rebinding). Such requests carry the
/// page's name in `Host` or `Origin`, or arrive as a "simple" cross-origin request
/// (form or `text/plain` body), which a browser sends without asking first; a request
/// with a JSON body is one it only sends after a CORS preflight the sandbox never
/// approves. So: `Host` must name a loopback address, `Origin` (when sent) too, and a
/// body must be declared `application/json`.
fn admin_request_allowed(method: &Method, headers: &HeaderMap, body: &[u8]) -> Res<()> {
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}"));
    match header("host") {
        Some(host) if is_loopback_authority(host) => {}
        Some(host) => {
            return Err(err(
                403,
                "forbidden_host",
                format!(
                    "the admin API answers only Host localhost or a loopback address, not {host:?}"
                ),
            ))
        }
        None => {
            return Err(err(
                403,
                "forbidden_host",
                "the admin API needs a Host header naming localhost or a loopback address",
            ))
        }
    }
    if let Some(origin) = header("origin") {
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        if !authority.is_some_and(|a| !a.contains('/') && is_loopback_authority(a)) {
            return Err(err(
                403,
                "forbidden_origin",
                format!("the admin API refuses requests from Origin {origin:?}; only loopback origins may call it"),
            ));
        }
    }
    let carries_body = !body.is_empty()
        || !matches!(
            *method,
            Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
        );
    if carries_body {
        let content_type = header("content-type").unwrap_or("");
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return Err(err(
                415,
                "unsupported_media_type",
                format!("admin API bodies must be sent as Content-Type: application/json, not {content_type:?}"),
            ));
        }
    }
    Ok(())
}

/// `localhost`, `127.x.y.z` or `[::1]`, each with or without `:port`.
fn is_loopback_authority(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        // [v6] or [v6]:port
        match rest.split_once(']') {
            Some((v6, tail)) if tail.is_empty() || valid_port(tail.strip_prefix(':')) => {
                return v6
                    .parse::<std::net::Ipv6Addr>()
                    .is_ok_and(|ip| ip.is_loopback());
            }
            _ => return false,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) if valid_port(Some(port)) => host,
            Some(_) => return false,
            None => authority,
        }
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn valid_port(port: Option<&str>) -> bool {
    port.is_some_and(|p| !p.is_empty() && p.parse::<u16>().is_ok())
}

/// The unsigned admin API under `/_sandbox`.
fn admin(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Res<Value> {
    let now = now_ms();
    match (method.as_str(), path) {
        ("POST", "/markets") => {
            let body = parse_body(body)?;
            let mut spec = MarketSpec::new(
                required_str(&body, "ticker")?,
                required_str(&body, "event_ticker")?,
            );
            if body.get("tick_size").is_some() {
                spec = spec.tick_size(Dollars::from_micros(price_of(&body, "tick_size")?));
            }
            lock(&shared.exchange).create_market(&spec)?;
            Ok(json!({}))
        }
        ("POST", "/liquidity") => {
            let body = parse_body(body)?;
            let order_id = lock(&shared.exchange).add_liquidity(
                required_str(&body, "ticker")?,
                side_of(&body)?,
                price_of(&body, "price")?,
                count_of(&body, "count")?,
                now,
            )?;
            Ok(json!({ "order_id": order_id }))
        }
        ("POST", "/settle") => {
            let body = parse_body(body)?;
            let result = match body.get("result").and_then(Value::as_str) {
                Some("yes") => MarketResult::Yes,
                Some("no") => MarketResult::No,
                _ => {
                    return Err(err(
                        400,
                        "invalid_parameters",
                        "result must be \"yes\" or \"no\"",
                    ))
                }
            };
            lock(&shared.exchange).settle_market(required_str(&body, "ticker")?, result, now)?;
            Ok(json!({}))
        }
        ("POST", "/balance") => {
            let body = parse_body(body)?;
            let cents = optional_int(&body, "balance_cents")?
                .ok_or_else(|| err(400, "invalid_parameters", "balance_cents is required"))?;
            lock(&shared.exchange).set_balance(cents.saturating_mul(10_000));
            Ok(json!({}))
        }
        ("POST", "/keys") => {
            let body = parse_body(body)?;
            let key = super::keys::PublicKey::from_pem(required_str(&body, "public_key_pem")?)?;
            lock(&shared.keys).insert(required_str(&body, "key_id")?.to_string(), key);
            Ok(json!({}))
        }
        ("POST", "/faults") => {
            let body = parse_body(body)?;
            let kind = match required_str(&body, "kind")? {
                "rate_limited" => FaultKind::RateLimited {
                    retry_after_secs: optional_int(&body, "retry_after_secs")?.unwrap_or(1).max(0)
                        as u64,
                },
                "server_error" => FaultKind::ServerError {
                    status: optional_int(&body, "status")?
                        .unwrap_or(500)
                        .clamp(500, 599) as u16,
                },
                "delay" => FaultKind::Delay(Duration::from_millis(
                    optional_int(&body, "delay_ms")?.unwrap_or(1000).max(0) as u64,
                )),
                "drop_after_commit" => FaultKind::DropAfterCommit,
                other => {
                    return Err(err(
                        400,
                        "invalid_parameters",
                        format!("unknown fault kind {other:?}"),
                    ))
                }
            };
            let mut fault = Fault::new(kind).times(
                optional_int(&body, "times")?
                    .unwrap_or(1)
                    .clamp(0, u32::MAX as i64) as u32,
            );
            if let Some(fragment) = optional_str(&body, "path_contains")? {
                fault = fault.path_contains(fragment);
            }
            if fault.times > 0 {
                lock(&shared.faults).push(fault);
            }
            Ok(json!({}))
        }
        ("GET", "/journal") => Ok(json!({ "journal": to_json(&*lock(&shared.journal)) })),
        ("DELETE", "/journal") => {
            lock(&shared.journal).clear();
            Ok(json!({}))
        }
        _ => Err(err(
            404,
            "not_found",
            format!("no admin route {method} /_sandbox{path}"),
        )),
    }
}
