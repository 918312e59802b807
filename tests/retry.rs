//! Retries against a scripted local server: which failures are retried, how long the
//! client waits, that every attempt is signed afresh, and that an order whose answer
//! was lost is neither placed twice nor reported as failed.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kalshi_portfolio::{Error, NewOrder, RetryPolicy};
use serde_json::{json, Value};
use support::{assert_signed, PublicKey, RecordedRequest, Reply, TestServer};

const TICKER: &str = "KXHIGHNY-25NOV26-T60";

fn balance() -> Value {
    json!({"balance": 10_000, "balance_dollars": "100.0000", "portfolio_value": 0, "updated_ts": 1})
}

/// A policy with short waits, so tests stay fast while still exercising backoff.
fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

/// Answer with `script[i]` for the i-th request, then with the last entry.
fn scripted(script: Vec<Reply>) -> impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static {
    let calls = AtomicUsize::new(0);
    move |_| {
        let i = calls.fetch_add(1, Ordering::SeqCst);
        script[i.min(script.len() - 1)].clone()
    }
}

fn error_body(code: &str) -> Value {
    json!({"code": code, "message": code, "details": ""})
}

#[test]
fn a_read_is_retried_after_429_and_waits_out_retry_after_in_seconds() {
    let server = TestServer::start(scripted(vec![
        Reply::json(429, &error_body("too_many_requests")).header("Retry-After", "1"),
        Reply::json(200, &balance()),
    ]));
    let client = server
        .client_builder()
        .retry_policy(quick(3))
        .build()
        .expect("client");
    let started = Instant::now();
    let balance = client.get_balance().expect("second attempt succeeds");
    assert_eq!(balance.balance, 10_000);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured"
    );
    assert_eq!(server.request_count(), 2);
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    // The date is written when the 429 is sent, two seconds ahead; HTTP dates have
    // one-second resolution, so the client must wait at least a second from then.
    let calls = AtomicUsize::new(0);
    let sent_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let sent = sent_at.clone();
    let server = TestServer::start(move |_| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            *sent.lock().expect("sent") = Some(Instant::now());
            let in_two_seconds =
                httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
            Reply::json(429, &error_body("too_many_requests"))
                .header("Retry-After", &in_two_seconds)
        } else {
            Reply::json(200, &balance())
        }
    });
    let client = server
        .client_builder()
        .retry_policy(quick(3))
        .build()
        .expect("client");
    client.get_balance().expect("second attempt succeeds");
    let waited = sent_at
        .lock()
        .expect("sent")
        .expect("a 429 was sent")
        .elapsed();
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    assert_eq!(server.request_count(), 2);
}

#[test]
fn every_attempt_carries_a_fresh_valid_signature() {
    let server = TestServer::start(scripted(vec![
        Reply::json(503, &error_body("unavailable")),
        Reply::json(502, &error_body("bad_gateway")),
        Reply::json(200, &balance()),
    ]));
    let client = server
        .client_builder()
        .private_key_pem(support::fixture("ed25519-pkcs8.pem"))
        .retry_policy(quick(3))
        .build()
        .expect("client");
    client.get_balance().expect("third attempt succeeds");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let mut signatures = std::collections::HashSet::new();
    for request in &requests {
        assert_signed(request, &PublicKey::ed25519());
        signatures.insert(request.header("kalshi-access-signature").map(str::to_owned));
    }
    // Ed25519 is deterministic: distinct signatures mean distinct timestamps.
    assert_eq!(signatures.len(), 3, "each attempt must be signed anew");
}

#[test]
fn giving_up_says_how_many_attempts_and_what_failed_last() {
    let server = TestServer::start(|_| Reply::json(503, &error_body("unavailable")));
    let client = server
        .client_builder()
        .retry_policy(quick(3))
        .build()
        .expect("client");
    let error = client.get_balance().expect_err("always 503");
    assert_eq!(server.request_count(), 3);
    assert!(
        matches!(error, Error::RetriesExhausted { attempts: 3, .. }),
        "{error:?}"
    );
    assert_eq!(error.attempts(), 3);
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.code(), Some("unavailable"));
    let message = error.to_string();
    assert!(
        message.contains("3 attempts") && message.contains("503"),
        "{message}"
    );
}

#[test]
fn client_errors_are_not_retried() {
    let server = TestServer::start(|_| Reply::json(400, &error_body("bad_request")));
    let client = server
        .client_builder()
        .retry_policy(quick(4))
        .build()
        .expect("client");
    let error = client.get_balance().expect_err("400");
    assert_eq!(server.request_count(), 1);
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.attempts(), 1);
}

#[test]
fn retries_can_be_turned_off() {
    let server = TestServer::start(|_| Reply::json(503, &error_body("unavailable")));
    let client = server
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    client.get_balance().expect_err("503");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_write_that_is_not_keyed_is_not_retried_after_a_5xx() {
    // A second create could make a second group: a 503 must reach the caller.
    let server = TestServer::start(|_| Reply::json(503, &error_body("unavailable")));
    let client = server
        .client_builder()
        .retry_policy(quick(4))
        .build()
        .expect("client");
    client.create_order_group(10).expect_err("503");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn any_write_is_retried_after_429_because_nothing_happened() {
    let server = TestServer::start(scripted(vec![
        Reply::json(429, &error_body("too_many_requests")).header("Retry-After", "0"),
        Reply::json(201, &json!({"order_group_id": "og-1", "subaccount": 0})),
    ]));
    let client = server
        .client_builder()
        .retry_policy(quick(3))
        .build()
        .expect("client");
    let group = client.create_order_group(10).expect("retried after 429");
    assert_eq!(group.order_group_id, "og-1");
    assert_eq!(server.request_count(), 2);
}

/// An order of this file's market as `GET /portfolio/orders` shows it; `counts` are
/// filled, remaining and initial contracts.
fn order_json(order_id: &str, client_order_id: &str, status: &str, counts: [&str; 3]) -> Value {
    support::orders::order_json(TICKER, order_id, client_order_id, status, counts)
}

fn created(client_order_id: &str) -> Value {
    json!({
        "order_id": "ord-1", "client_order_id": client_order_id,
        "fill_count": "0.00", "remaining_count": "1.00", "ts_ms": 1
    })
}

fn create_requests(server: &TestServer) -> Vec<RecordedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/portfolio/events/orders"))
        .collect()
}

fn sent_client_order_id(request: &RecordedRequest) -> String {
    request.json().expect("json body")["client_order_id"]
        .as_str()
        .expect("client_order_id")
        .to_string()
}

#[test]
fn create_order_reuses_its_client_order_id_on_every_attempt() {
    let server = TestServer::start(scripted(vec![
        Reply::json(503, &error_body("unavailable")),
        Reply::json(201, &created("whatever")),
    ]));
    let client = server
        .client_builder()
        .retry_policy(quick(3))
        .build()
        .expect("client");
    let order = NewOrder::new(TICKER).buy_yes().price("0.56").count(1);
    client
        .create_order(&order)
        .expect("second attempt succeeds");
    let attempts = create_requests(&server);
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        sent_client_order_id(&attempts[0]),
        sent_client_order_id(&attempts[1])
    );
}

/// An exchange that places an order once per client_order_id and answers 409 to a
/// repeat; its first answer is lost (the handler outlives the client's timeout).
fn exchange_with_a_lost_first_answer() -> (TestServer, Arc<Mutex<Vec<Value>>>) {
    let placed: Arc<Mutex<Vec<Value>>> = Arc::default();
    let book = placed.clone();
    let server = TestServer::start(move |request| {
        let mut placed = book.lock().expect("book");
        if request.method == "POST" {
            let id = sent_client_order_id(request);
            if placed.iter().any(|o| o["client_order_id"] == id.as_str()) {
                return Reply::json(409, &error_body("duplicate_client_order_id"));
            }
            let order_id = format!("ord-{}", placed.len() + 1);
            placed.push(order_json(
                &order_id,
                &id,
                "resting",
                ["0.00", "1.00", "1.00"],
            ));
            let reply = Reply::json(201, &created(&id));
            // Committed, but the answer comes too late for the first attempt.
            return if placed.len() == 1 {
                reply.after(Duration::from_millis(600))
            } else {
                reply
            };
        }
        Reply::json(200, &json!({"orders": *placed, "cursor": ""}))
    });
    (server, placed)
}

#[test]
fn an_order_whose_answer_was_lost_is_found_not_placed_twice() {
    let (server, placed) = exchange_with_a_lost_first_answer();
    let client = server
        .client_builder()
        .timeout(Duration::from_millis(250))
        .retry_policy(quick(3))
        .build()
        .expect("client");
    let order = NewOrder::new(TICKER)
        .buy_yes()
        .price("0.56")
        .count(1)
        .client_order_id("once-1");
    let result = client
        .create_order(&order)
        .expect("the placed order is reported");
    assert_eq!(result.order_id, "ord-1");
    assert_eq!(result.client_order_id.as_deref(), Some("once-1"));
    assert_eq!(placed.lock().expect("book").len(), 1, "placed exactly once");
    let lookups: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert!(!lookups.is_empty(), "the client looked the order up");
    assert_eq!(lookups[0].query_param("ticker").as_deref(), Some(TICKER));
}

#[test]
fn a_duplicate_on_the_first_attempt_is_the_callers_error() {
    // Nothing was retried: the caller reused an id, which must not be papered over.
    // The order that has the id is looked for (it may be this very order, placed by a
    // request that executed late), but here there is none, so the refusal stands.
    let server = TestServer::start(|request| {
        if request.method == "GET" {
            Reply::json(200, &json!({"orders": [], "cursor": ""}))
        } else {
            Reply::json(409, &error_body("duplicate_client_order_id"))
        }
    });
    let client = server
        .client_builder()
        .retry_policy(quick(3))
        .build()
        .expect("client");
    let order = NewOrder::new(TICKER)
        .buy_yes()
        .price("0.56")
        .count(1)
        .client_order_id("reused");
    let error = client.create_order(&order).expect_err("409");
    assert_eq!(error.status(), Some(409));
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1, "no retry");
}

#[test]
fn a_duplicate_id_reused_for_a_different_order_is_not_that_order() {
    let server = TestServer::start(|request| {
        if request.method == "GET" {
            let order = order_json("ord-1", "reused", "resting", ["0.00", "1.00", "1.00"]);
            Reply::json(200, &json!({"orders": [order], "cursor": ""}))
        } else {
            Reply::json(409, &error_body("duplicate_client_order_id"))
        }
    });
    let client = server.client();
    // order_json's order is a bid at 0.56 for 1: the same order is that order...
    let same = NewOrder::new(TICKER)
        .bid()
        .price("0.56")
        .count(1)
        .client_order_id("reused");
    assert_eq!(
        client.create_order(&same).expect("the same order").order_id,
        "ord-1"
    );
    // ...a different one reusing the id is the refusal.
    let other = NewOrder::new(TICKER)
        .bid()
        .price("0.55")
        .count(1)
        .client_order_id("reused");
    let error = client.create_order(&other).expect_err("a different order");
    assert_eq!(error.code(), Some("duplicate_client_order_id"));
}

#[test]
fn a_lost_answer_for_an_order_that_does_not_exist_is_reported() {
    // Every attempt times out and the exchange never saw the order: the lookup finds
    // nothing, and the caller gets the failure, marked as possibly sent.
    let server = TestServer::start(|request| {
        if request.method == "POST" {
            Reply::json(503, &error_body("unavailable"))
        } else {
            Reply::json(200, &json!({"orders": [], "cursor": ""}))
        }
    });
    let client = server
        .client_builder()
        .retry_policy(quick(2))
        .build()
        .expect("client");
    let order = NewOrder::new(TICKER).buy_yes().price("0.56").count(1);
    let error = client.create_order(&order).expect_err("not placed");
    assert_eq!(error.status(), Some(503));
    assert!(error.may_have_reached_exchange());
    assert_eq!(create_requests(&server).len(), 2);
}

fn empty_fills() -> Value {
    json!({"fills": [], "cursor": ""})
}

#[test]
fn a_list_walk_can_have_a_shorter_timeout_than_the_client() {
    let server =
        TestServer::start(|_| Reply::json(200, &empty_fills()).after(Duration::from_millis(800)));
    let client = server
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = client
        .get_fills()
        .timeout(Duration::from_millis(150))
        .send()
        .expect_err("the page takes longer than its timeout");
    match error {
        Error::Timeout {
            timeout,
            may_have_reached_exchange,
            ..
        } => {
            assert_eq!(timeout, Duration::from_millis(150));
            assert!(may_have_reached_exchange);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn a_list_walk_can_have_a_longer_timeout_than_the_client() {
    let server =
        TestServer::start(|_| Reply::json(200, &empty_fills()).after(Duration::from_millis(500)));
    let client = server
        .client_builder()
        .timeout(Duration::from_millis(150))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    client
        .get_fills()
        .send()
        .expect_err("the client's own timeout is too short");
    let page = client
        .get_fills()
        .timeout(Duration::from_secs(5))
        .send()
        .expect("the list's timeout wins");
    assert!(page.items.is_empty());
}

/// An exchange that applies the first write but whose answer (`first`) misses the
/// client's 250 ms timeout, answers later writes with `then`, and reads with
/// `read(order_id)`.
fn exchange_that_loses_the_first_answer(
    first: Value,
    then: Reply,
    read: impl Fn(&str) -> Reply + Send + Sync + 'static,
) -> TestServer {
    let writes = AtomicUsize::new(0);
    TestServer::start(move |request| {
        if request.method == "GET" {
            return read(request.path.rsplit('/').next().unwrap_or_default());
        }
        if writes.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(200, &first).after(Duration::from_millis(600))
        } else {
            then.clone()
        }
    })
}

/// An order the exchange cancels or decreases on the first request, whose answer is
/// lost; a repeat is refused because the order no longer rests as it did.
fn exchange_that_applies_then_refuses(
    status_after: &'static str,
    remaining_after: &'static str,
) -> TestServer {
    exchange_that_loses_the_first_answer(
        json!({}),
        Reply::json(400, &error_body("order_not_resting")),
        move |_| {
            let counts = ["2.00", remaining_after, "10.00"];
            let order = order_json("ord-9", "c-9", status_after, counts);
            Reply::json(200, &json!({ "order": order }))
        },
    )
}

fn impatient_client(server: &TestServer) -> kalshi_portfolio::Client {
    impatient_client_with_attempts(server, 3)
}

/// A client whose 250 ms timeout loses a 600 ms answer; one attempt turns retries off
/// (a lost answer is then not retried, but still looked up).
fn impatient_client_with_attempts(server: &TestServer, attempts: u32) -> kalshi_portfolio::Client {
    server
        .client_builder()
        .timeout(Duration::from_millis(250))
        .retry_policy(quick(attempts))
        .build()
        .expect("client")
}

#[test]
fn a_cancel_applied_by_a_lost_attempt_is_reported_as_done() {
    let server = exchange_that_applies_then_refuses("canceled", "0.00");
    let cancelled = impatient_client(&server)
        .cancel_order("ord-9")
        .expect("the earlier attempt cancelled it");
    assert_eq!(cancelled.order_id, "ord-9");
    assert_eq!(
        cancelled.reduced_by.to_string(),
        "8.00",
        "initial 10 - filled 2"
    );
}

#[test]
fn a_refused_cancel_of_an_order_that_still_rests_is_an_error() {
    let server = exchange_that_applies_then_refuses("resting", "8.00");
    let error = impatient_client(&server)
        .cancel_order("ord-9")
        .expect_err("nothing cancelled it");
    assert_eq!(error.status(), Some(400));
}

#[test]
fn a_reduce_to_applied_by_a_lost_attempt_is_reported_as_done() {
    let server = exchange_that_applies_then_refuses("resting", "3.00");
    let decreased = impatient_client(&server)
        .decrease_order(
            "ord-9",
            &kalshi_portfolio::DecreaseOrder::new().reduce_to(3),
        )
        .expect("the earlier attempt decreased it");
    assert_eq!(decreased.remaining_count.to_string(), "3.00");
}

#[test]
fn a_cancel_whose_only_answer_was_lost_is_looked_up_without_retrying() {
    let server = exchange_that_applies_then_refuses("canceled", "0.00");
    let cancelled = impatient_client_with_attempts(&server, 1)
        .cancel_order("ord-9")
        .expect("the only attempt cancelled it");
    assert_eq!(cancelled.reduced_by.to_string(), "8.00");
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["DELETE", "GET"], "one attempt, then one read");
}

#[test]
fn a_reduce_to_whose_only_answer_was_lost_is_looked_up_without_retrying() {
    let server = exchange_that_applies_then_refuses("resting", "3.00");
    let decreased = impatient_client_with_attempts(&server, 1)
        .decrease_order(
            "ord-9",
            &kalshi_portfolio::DecreaseOrder::new().reduce_to(3),
        )
        .expect("the only attempt decreased it");
    assert_eq!(decreased.remaining_count.to_string(), "3.00");
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["POST", "GET"], "one attempt, then one read");
}

/// The amend the scripted exchange's order (YES bid at 0.56, 2 filled) matches when it
/// rests with 6 left.
fn amend_to(total: u32) -> kalshi_portfolio::AmendOrder {
    kalshi_portfolio::AmendOrder::new(TICKER)
        .bid()
        .price("0.56")
        .count(total)
}

#[test]
fn an_amend_applied_by_a_lost_attempt_is_reported_as_done() {
    let server = exchange_that_applies_then_refuses("resting", "6.00");
    let amended = impatient_client(&server)
        .amend_order("ord-9", &amend_to(8))
        .expect("the earlier attempt amended it");
    assert_eq!(amended.order_id, "ord-9");
    assert_eq!(
        amended.remaining_count.map(|c| c.to_string()).as_deref(),
        Some("6.00")
    );
    assert_eq!(
        amended.fill_count, None,
        "the amend's own fills are unknown"
    );
}

#[test]
fn a_retried_amend_answered_without_counts_reports_the_orders_remaining() {
    // The lost first attempt resized the order; the retry changes nothing, and Kalshi
    // answers such an amend without counts.
    let answer = json!({"order_id": "ord-9", "client_order_id": "c-9", "ts_ms": 1});
    let server =
        exchange_that_loses_the_first_answer(answer.clone(), Reply::json(200, &answer), |_| {
            let order = order_json("ord-9", "c-9", "resting", ["2.00", "6.00", "8.00"]);
            Reply::json(200, &json!({ "order": order }))
        });
    let amended = impatient_client(&server)
        .amend_order("ord-9", &amend_to(8))
        .expect("the retry succeeds");
    assert_eq!(
        amended.remaining_count.map(|c| c.to_string()).as_deref(),
        Some("6.00")
    );
    assert_eq!(amended.fill_count, None);
}

#[test]
fn a_refused_amend_the_order_does_not_show_is_an_error() {
    // The order holds 8 in all; the amend asked for 9.
    let server = exchange_that_applies_then_refuses("resting", "6.00");
    let error = impatient_client(&server)
        .amend_order("ord-9", &amend_to(9))
        .expect_err("the order is not as the amend asked");
    assert_eq!(error.status(), Some(400));
    assert!(error.may_have_reached_exchange());
}

#[test]
fn a_reduce_by_is_not_repeated_after_a_lost_answer() {
    // Repeating "reduce by 2" could take 4 off: the timeout reaches the caller.
    let server = exchange_that_applies_then_refuses("resting", "6.00");
    let error = impatient_client(&server)
        .decrease_order(
            "ord-9",
            &kalshi_portfolio::DecreaseOrder::new().reduce_by(2),
        )
        .expect_err("not retried");
    assert!(
        matches!(
            error,
            Error::Timeout {
                may_have_reached_exchange: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.request_count(), 1);
}

/// An exchange that places each batch item once per client_order_id (a repeat is an
/// item error) and, after the first batch, answers `after_first` for writes; the first
/// batch's answer is lost.
fn batch_exchange(after_first: Option<Reply>) -> (TestServer, Arc<Mutex<Vec<Value>>>) {
    let placed: Arc<Mutex<Vec<Value>>> = Arc::default();
    let book = placed.clone();
    let batches = AtomicUsize::new(0);
    let server = TestServer::start(move |request| {
        let mut placed = book.lock().expect("book");
        if request.method == "GET" {
            return Reply::json(200, &json!({"orders": *placed, "cursor": ""}));
        }
        let first = batches.fetch_add(1, Ordering::SeqCst) == 0;
        if !first {
            if let Some(reply) = &after_first {
                return reply.clone();
            }
        }
        let body = request.json().expect("json body");
        let mut items = Vec::new();
        for order in body["orders"].as_array().expect("orders") {
            let id = order["client_order_id"].as_str().expect("id").to_string();
            if placed.iter().any(|o| o["client_order_id"] == id.as_str()) {
                items.push(json!({"client_order_id": id, "error": error_body("duplicate_client_order_id")}));
                continue;
            }
            let order_id = format!("ord-{}", placed.len() + 1);
            placed.push(order_json(
                &order_id,
                &id,
                "resting",
                ["0.00", "1.00", "1.00"],
            ));
            items.push(json!({"order_id": order_id, "client_order_id": id,
                "fill_count": "0.00", "remaining_count": "1.00", "ts_ms": 1}));
        }
        let reply = Reply::json(201, &json!({"orders": items}));
        if first {
            reply.after(Duration::from_millis(600))
        } else {
            reply
        }
    });
    (server, placed)
}

fn two_orders() -> Vec<NewOrder> {
    ["0.50", "0.49"]
        .iter()
        .map(|price| NewOrder::new(TICKER).bid().price(*price).count(1))
        .collect()
}

#[test]
fn a_batch_whose_answer_was_lost_reports_its_orders_placed_once() {
    let (server, placed) = batch_exchange(None);
    let items = impatient_client(&server)
        .batch_create_orders(&two_orders())
        .expect("the retry's duplicates are looked up");
    assert_eq!(
        placed.lock().expect("book").len(),
        2,
        "each order placed once"
    );
    assert_eq!(items.len(), 2);
    for item in &items {
        assert!(item.error.is_none(), "{item:?}");
        assert!(item
            .order_id
            .as_deref()
            .is_some_and(|id| id.starts_with("ord-")));
    }
}

#[test]
fn a_failed_batch_that_reached_the_exchange_reports_what_it_placed() {
    let (server, placed) = batch_exchange(Some(Reply::json(503, &error_body("unavailable"))));
    let items = impatient_client(&server)
        .batch_create_orders(&two_orders())
        .expect("every order is found");
    assert_eq!(placed.lock().expect("book").len(), 2);
    assert!(items
        .iter()
        .all(|item| item.error.is_none() && item.order_id.is_some()));
}

#[test]
fn a_failed_batch_that_placed_nothing_is_an_error() {
    let server = TestServer::start(|request| {
        if request.method == "GET" {
            Reply::json(200, &json!({"orders": [], "cursor": ""}))
        } else {
            Reply::json(503, &error_body("unavailable"))
        }
    });
    let error = impatient_client(&server)
        .batch_create_orders(&two_orders())
        .expect_err("nothing was placed");
    assert_eq!(error.status(), Some(503));
}

fn cancelled_order(order_id: &str) -> Value {
    let client_order_id = format!("c-{order_id}");
    json!({"order": order_json(order_id, &client_order_id, "canceled", ["0.00", "0.00", "3.00"])})
}

#[test]
fn a_batch_cancel_applied_by_a_lost_attempt_reports_the_orders_cancelled() {
    let items: Vec<Value> = ["ord-1", "ord-2"]
        .iter()
        .map(|id| json!({"order_id": id, "reduced_by": "3.00", "ts_ms": 1}))
        .collect();
    let refused: Vec<Value> = ["ord-1", "ord-2"]
        .iter()
        .map(|id| {
            json!({"order_id": id, "reduced_by": "0.00",
            "error": error_body("order_not_resting")})
        })
        .collect();
    let server = exchange_that_loses_the_first_answer(
        json!({ "orders": items }),
        Reply::json(200, &json!({ "orders": refused })),
        |id| Reply::json(200, &cancelled_order(id)),
    );
    let items = impatient_client(&server)
        .batch_cancel_orders(["ord-1", "ord-2"])
        .expect("answered per item");
    for item in &items {
        assert!(item.error.is_none(), "{item:?}");
        assert_eq!(item.reduced_by.to_string(), "3.00");
    }
}

/// A batch cancel whose first answer is lost and whose retries all fail with 503;
/// the orders read back with the given statuses.
fn exchange_where_a_batch_cancel_fails_after_a_lost_answer(
    statuses: &'static [(&'static str, &'static str)],
) -> TestServer {
    exchange_that_loses_the_first_answer(
        json!({ "orders": [] }),
        Reply::json(503, &error_body("unavailable")),
        move |id| match statuses.iter().find(|(order_id, _)| *order_id == id) {
            Some((_, "canceled")) => Reply::json(200, &cancelled_order(id)),
            Some((_, status)) => {
                let order = order_json(id, &format!("c-{id}"), status, ["0.00", "3.00", "3.00"]);
                Reply::json(200, &json!({ "order": order }))
            }
            None => Reply::json(404, &error_body("not_found")),
        },
    )
}

#[test]
fn a_batch_cancel_that_failed_after_a_lost_answer_reports_each_order() {
    let server = exchange_where_a_batch_cancel_fails_after_a_lost_answer(&[
        ("ord-1", "canceled"),
        ("ord-2", "resting"),
    ]);
    let items = impatient_client(&server)
        .batch_cancel_orders(["ord-1", "ord-2"])
        .expect("the lost attempt cancelled ord-1");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].order_id, "ord-1");
    assert!(items[0].error.is_none(), "{:?}", items[0]);
    assert_eq!(
        items[0].reduced_by.to_string(),
        "3.00",
        "initial 3 - filled 0"
    );
    assert_eq!(items[1].order_id, "ord-2");
    assert_eq!(items[1].reduced_by.to_string(), "0.00");
    let error = items[1].error.as_ref().expect("ord-2 still rests");
    assert_eq!(
        error.code.as_deref(),
        Some(kalshi_portfolio::operations::NOT_CANCELLED)
    );
    assert!(
        error
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("resting"),
        "{error:?}"
    );
}

#[test]
fn a_failed_batch_cancel_that_cancelled_nothing_returns_its_error() {
    let server = exchange_where_a_batch_cancel_fails_after_a_lost_answer(&[
        ("ord-1", "resting"),
        ("ord-2", "resting"),
    ]);
    let error = impatient_client(&server)
        .batch_cancel_orders(["ord-1", "ord-2"])
        .expect_err("nothing was cancelled");
    assert!(error.may_have_reached_exchange());
    match error.last() {
        Error::Api(api) => assert_eq!(api.status, 503),
        other => panic!("expected the last attempt's 503, got {other:?}"),
    }
    let reads = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(reads, 2, "each order is read once");
}

#[test]
fn a_batch_cancel_refused_outright_is_not_looked_up() {
    let server = TestServer::start(|_| Reply::json(400, &error_body("bad_request")));
    let error = impatient_client(&server)
        .batch_cancel_orders(["ord-1", "ord-2"])
        .expect_err("refused");
    assert!(
        matches!(error, Error::Api(ref api) if api.status == 400),
        "{error:?}"
    );
    assert_eq!(
        server.request_count(),
        1,
        "one refused request and no reads"
    );
}

#[test]
fn a_cancel_whose_retries_end_in_5xx_after_a_lost_answer_is_reported_done() {
    let server = exchange_that_loses_the_first_answer(
        json!({}),
        Reply::json(503, &error_body("unavailable")),
        |_| Reply::json(200, &cancelled_order("ord-7")),
    );
    let cancelled = impatient_client(&server)
        .cancel_order("ord-7")
        .expect("the lost attempt cancelled it");
    assert_eq!(cancelled.order_id, "ord-7");
}

#[test]
fn an_error_object_in_a_201_is_an_api_error_with_that_status() {
    // Decoding fails on the error object; the client reports Kalshi's error with the
    // status it really came with, not a decode error.
    let server = TestServer::start(|_| {
        Reply::json(
            201,
            &json!({"error": {"code": "group_limit", "message": "too many groups"}}),
        )
    });
    let client = server
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = client.create_order_group(5).expect_err("an error object");
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_eq!(error.status(), Some(201));
    assert_eq!(error.code(), Some("group_limit"));
}
