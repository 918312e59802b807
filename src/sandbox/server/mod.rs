//! The sandbox's HTTP side: its own accept loop (so a fault can drop a connection on
//! demand), the journal, faults, and routing to the route groups:
//!
//! * [`auth`]: Kalshi's signature check;
//! * [`orders`]: create, batch, cancel, amend, decrease, and the order reads;
//! * [`order_groups`]: order groups;
//! * [`portfolio`]: balance, fills, positions, settlements, resting order value;
//! * [`markets`]: markets, their order books, events;
//! * [`admin`]: the unsigned admin API under `/_sandbox/` and its guard;
//! * [`params`]: reading query parameters and bodies.
//!
//! Every answer to an operation of the spec uses a status the spec lists for it
//! (`tests/sandbox_schema.rs` checks this), except `501` for the operations the
//! sandbox does not implement (answered before the signature is checked: see
//! `serves`) and the faults a caller injects.

mod admin;
mod auth;
mod markets;
mod order_groups;
mod orders;
mod params;
mod portfolio;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::sync::{watch, Notify};
use tower::ServiceExt as _;

use super::exchange::Exchange;
use super::{
    lock, now_ms, Fault, FaultKind, JournalEntry, LateExecution, SandboxError, Shared, API_PREFIX,
};

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
        if let Err(refused) = admin::admin_request_allowed(&parts.method, &parts.headers, &body) {
            return error_response(&refused);
        }
        return match admin::admin(&shared, &parts.method, admin_path, &body) {
            Ok(value) => json_response(200, value),
            Err(e) => error_response(&e),
        };
    }

    let Some(api_path) = path.strip_prefix(API_PREFIX) else {
        return error_response(&err(404, "not_found", format!("no route for {path}")));
    };
    let api_path = api_path.to_string();

    // Held requests due before this one run first, as if they had been queued.
    release_due(&shared);

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
    let mut execute_late = None;
    let mut hold = None;
    let mut answer_late = None;
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
            FaultKind::ExecuteLate(delay) => execute_late = Some(delay),
            FaultKind::ExecuteOnRelease { after_requests } => hold = Some(after_requests),
            FaultKind::AnswerLate(delay) => answer_late = Some(delay),
        }
    }

    // An operation of the spec the sandbox does not serve says so whatever the
    // credentials: the spec may list no 401 for it (a newly imported operation need
    // not), and nothing behind it could leak.
    if let Some(operation) = spec_operation(&parts.method, &api_path).filter(|op| !serves(op)) {
        return error_response(&not_implemented(operation));
    }
    if let Err(e) = auth::authenticate(&shared, &parts.method, &path, &parts.headers) {
        return error_response(&e);
    }

    let params = params::query_params(query.as_deref());
    if execute_late.is_some() || hold.is_some() {
        // The request outlives its connection: it runs later, its answer discarded
        // (and recorded among the late executions).
        let held = Held {
            method: parts.method.clone(),
            path: path.clone(),
            api_path: api_path.clone(),
            params: params.clone(),
            body: body.clone(),
            countdown: hold.flatten(),
        };
        if let Some(delay) = execute_late {
            let late_shared = shared.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                execute_held(&late_shared, held);
            });
        } else {
            lock(&shared.held).push(held);
        }
        if let Some(kill) = parts.extensions.get::<KillSwitch>() {
            kill.0.notify_one();
            std::future::pending::<()>().await;
        }
    }
    let response = match route(&shared, &parts.method, &api_path, &params, &body) {
        Ok(response) => response,
        Err(e) => error_response(&e),
    };
    if let Some(delay) = answer_late {
        tokio::time::sleep(delay).await;
    }
    if drop_after_commit {
        if let Some(kill) = parts.extensions.get::<KillSwitch>() {
            kill.0.notify_one();
            // Never answer: the connection task drops the connection.
            std::future::pending::<()>().await;
        }
    }
    response
}

/// An authenticated API request whose connection was dropped unanswered, to be
/// executed later ([`FaultKind::ExecuteLate`], [`FaultKind::ExecuteOnRelease`]).
pub(crate) struct Held {
    method: Method,
    /// The path as received.
    path: String,
    /// The path below [`API_PREFIX`].
    api_path: String,
    params: HashMap<String, String>,
    body: axum::body::Bytes,
    /// API requests still to arrive before this one executes; `None`: only on release.
    countdown: Option<u32>,
}

/// Count one more API request against every held request, and execute those due.
fn release_due(shared: &Shared) {
    let due: Vec<Held> = {
        let mut held = lock(&shared.held);
        for request in held.iter_mut() {
            if let Some(countdown) = &mut request.countdown {
                *countdown = countdown.saturating_sub(1);
            }
        }
        let (due, wait) = held
            .drain(..)
            .partition(|request| request.countdown == Some(0));
        *held = wait;
        due
    };
    for request in due {
        execute_held(shared, request);
    }
}

/// Execute a request the client gave up on, and record what it did.
pub(crate) fn execute_held(shared: &Shared, held: Held) -> LateExecution {
    let (status, body) = match route(
        shared,
        &held.method,
        &held.api_path,
        &held.params,
        &held.body,
    ) {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, ready_json(response.into_body()))
        }
        Err(e) => (e.status(), error_body(&e)),
    };
    let late = LateExecution {
        method: held.method.to_string(),
        path: held.path,
        status,
        body,
    };
    lock(&shared.late).push(late.clone());
    late
}

/// The JSON of an answer the sandbox built in memory (always complete at once), or
/// `null` if it is not.
fn ready_json(body: Body) -> Value {
    use std::future::Future as _;
    let read = axum::body::to_bytes(body, MAX_BODY);
    let mut read = std::pin::pin!(read);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match read.as_mut().poll(&mut context) {
        std::task::Poll::Ready(Ok(bytes)) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        _ => Value::Null,
    }
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

/// The operation of the vendored spec a request is for, if any: its `operationId`.
/// The list is generated from the spec (`SPEC_OPERATIONS`), so an operation Kalshi
/// adds is one the sandbox knows it does not implement (`501`), not an unknown path.
fn spec_operation(method: &Method, path: &str) -> Option<&'static str> {
    operation_in(crate::generated::SPEC_OPERATIONS, method.as_str(), path)
}

/// The operation of `operations` that `method` and `path` are for. Where several
/// templates match, the one with the most literal segments wins, as in any router:
/// `/portfolio/orders/queue_positions` is not the order `queue_positions` of
/// `/portfolio/orders/{order_id}`, whichever the spec lists first.
fn operation_in(
    operations: &[(&'static str, &'static str, &'static str)],
    method: &str,
    path: &str,
) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    operations
        .iter()
        .filter_map(|(m, template, operation)| {
            let pattern: Vec<&str> = template.trim_start_matches('/').split('/').collect();
            let is_parameter = |p: &&str| p.starts_with('{') && p.ends_with('}');
            let matches = method == *m
                && pattern.len() == segments.len()
                && pattern.iter().zip(&segments).all(|(p, s)| {
                    if is_parameter(p) {
                        !s.is_empty()
                    } else {
                        p == s
                    }
                });
            let literal = pattern.iter().filter(|p| !is_parameter(p)).count();
            matches.then_some((literal, *operation))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, operation)| operation)
}

/// Whether a route group serves `operation`, by its `OPERATIONS` list.
fn serves(operation: &str) -> bool {
    [
        orders::OPERATIONS,
        order_groups::OPERATIONS,
        portfolio::OPERATIONS,
        markets::OPERATIONS,
    ]
    .iter()
    .any(|served| served.contains(&operation))
}

fn not_implemented(operation: &str) -> SandboxError {
    err(
        501,
        "not_implemented",
        format!("the sandbox does not implement {operation}"),
    )
}

/// One API request, as the route groups see it.
pub(super) struct Call<'a> {
    method: &'a str,
    /// The path below `/trade-api/v2`, split at `/`.
    segments: &'a [&'a str],
    params: &'a HashMap<String, String>,
    body: &'a [u8],
    /// Unix milliseconds.
    now: i64,
}

/// A `200` answer.
fn ok(value: Value) -> Res<Response> {
    Ok(json_response(200, value))
}

/// A `201` answer.
fn created(value: Value) -> Res<Response> {
    Ok(json_response(201, value))
}

/// Route an authenticated API request to its route group.
fn route(
    shared: &Shared,
    method: &Method,
    path: &str,
    params: &HashMap<String, String>,
    body: &[u8],
) -> Res<Response> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let call = Call {
        method: method.as_str(),
        segments: &segments,
        params,
        body,
        now: now_ms(),
    };
    let mut guard = lock(&shared.exchange);
    let exchange: &mut Exchange = &mut guard;
    orders::route(exchange, &call)
        .or_else(|| order_groups::route(exchange, &call))
        .or_else(|| portfolio::route(exchange, &call))
        .or_else(|| markets::route(exchange, &call))
        .unwrap_or_else(|| match spec_operation(method, path) {
            // Listed in a group's OPERATIONS but not routed by it.
            Some(operation) => Err(not_implemented(operation)),
            None => Err(err(
                404,
                "not_found",
                format!("no route for {method} {API_PREFIX}{path}"),
            )),
        })
}

#[cfg(test)]
mod tests {
    use super::operation_in;

    #[test]
    fn the_most_literal_template_wins_whatever_the_order() {
        let templated_first = [
            ("GET", "/portfolio/orders/{order_id}", "GetOrder"),
            ("GET", "/portfolio/orders/summary", "GetOrdersSummary"),
            ("GET", "/portfolio/orders", "GetOrders"),
        ];
        let literal_first = [templated_first[1], templated_first[0], templated_first[2]];
        for operations in [&templated_first[..], &literal_first[..]] {
            let find = |method, path| operation_in(operations, method, path);
            assert_eq!(
                find("GET", "/portfolio/orders/summary"),
                Some("GetOrdersSummary")
            );
            assert_eq!(find("GET", "/portfolio/orders/ord-1"), Some("GetOrder"));
            assert_eq!(find("GET", "/portfolio/orders"), Some("GetOrders"));
            assert_eq!(find("GET", "/portfolio/orders/"), None);
            assert_eq!(find("POST", "/portfolio/orders/summary"), None);
            assert_eq!(find("GET", "/portfolio/orders/ord-1/extra"), None);
        }
    }
}
