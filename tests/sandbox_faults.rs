//! Fault injection: 429 with Retry-After, 5xx, delays, a request committed and answered
//! late, a request committed whose connection is then dropped before any response
//! byte, and requests executed after the client gave up on them.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kalshi_portfolio::sandbox::{Fault, MarketSpec, Sandbox, Side};
use kalshi_portfolio::signing::SigningKey;
use kalshi_portfolio::{Client, Error, NewOrder, RetryPolicy};

const T: &str = "KXFAULT-26-T1";

fn setup() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().unwrap();
    sandbox
        .create_market(MarketSpec::new(T, "KXFAULT-26"))
        .unwrap();
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    (sandbox, client)
}

fn orders_with_client_id(client: &Client, client_order_id: &str) -> usize {
    client
        .get_orders()
        .iter()
        .map(Result::unwrap)
        .filter(|o| o.client_order_id == client_order_id)
        .count()
}

#[test]
fn rate_limited_answers_carry_retry_after() {
    let (sandbox, client) = setup();
    sandbox.inject(Fault::rate_limited(7).path_contains("/portfolio/balance"));
    // Another path is not affected.
    client.get_fills().send().unwrap();
    let err = client.get_balance().unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(429), Some("too_many_requests"))
    );
    assert_eq!(err.api().unwrap().retry_after, Some(Duration::from_secs(7)));
    assert!(err.is_retryable());
    // Consumed: the next call succeeds.
    client.get_balance().unwrap();

    // With the default retry policy a read goes through after a Retry-After of 0.
    let retrying = sandbox.client().unwrap();
    sandbox.clear_journal();
    sandbox.inject(Fault::rate_limited(0).times(2));
    retrying.get_balance().unwrap();
    assert_eq!(sandbox.journal().len(), 3, "two refusals, then the answer");
}

#[test]
fn server_errors_are_injected_n_times() {
    let (sandbox, client) = setup();
    sandbox.inject(Fault::server_error(503).times(2).path_contains("fills"));
    for _ in 0..2 {
        let err = client.get_fills().send().unwrap_err();
        assert_eq!(err.status(), Some(503));
        assert!(err.is_retryable());
    }
    client.get_fills().send().unwrap();
    client.get_balance().unwrap();
}

#[test]
fn delays_slow_requests_down_and_can_time_out() {
    let (sandbox, client) = setup();
    sandbox.inject(Fault::delay(Duration::from_millis(300)));
    let started = Instant::now();
    client.get_balance().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));

    let impatient = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    sandbox.inject(Fault::delay(Duration::from_millis(600)));
    let err = impatient.get_balance().unwrap_err();
    assert!(matches!(err.last(), Error::Timeout { .. }), "{err:?}");
}

#[test]
fn answer_late_commits_first_and_answers_after_the_delay() {
    let (sandbox, client) = setup();
    sandbox.inject(Fault::answer_late(Duration::from_secs(2)).path_contains("/orders"));
    let started = Instant::now();
    let placing = std::thread::spawn(move || {
        client.create_order(
            &NewOrder::new(T)
                .bid()
                .price("0.20")
                .count(1u32)
                .client_order_id("late-1"),
        )
    });
    // The order rests at the exchange while its answer is held back (looked for until
    // the answer comes, so the check does not depend on how fast this thread runs).
    let observer = sandbox.client().unwrap();
    let mut seen_before_answer = false;
    while !placing.is_finished() {
        if orders_with_client_id(&observer, "late-1") == 1 {
            seen_before_answer = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let placed = placing.join().unwrap().unwrap();
    assert_eq!(placed.client_order_id.as_deref(), Some("late-1"));
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(
        seen_before_answer,
        "the order was committed before the answer"
    );
    assert_eq!(orders_with_client_id(&observer, "late-1"), 1);
}

#[test]
fn drop_after_commit_applies_the_write_but_the_client_gets_no_answer() {
    let (sandbox, client) = setup();
    sandbox
        .add_liquidity(T, Side::Ask, "0.40".parse().unwrap(), "3".parse().unwrap())
        .unwrap();
    let resting = client
        .create_order(&NewOrder::new(T).bid().price("0.20").count(2u32))
        .unwrap();

    // The exchange cancels the order and the answer is lost; the client (retries off)
    // reads the order back and reports the cancel done.
    sandbox.clear_journal();
    sandbox.inject(Fault::drop_after_commit().path_contains("/events/orders/"));
    let cancelled = client.cancel_order(&resting.order_id).unwrap();
    assert_eq!(cancelled.reduced_by.to_string(), "2.00");
    let methods: Vec<String> = sandbox.journal().into_iter().map(|e| e.method).collect();
    assert_eq!(methods, ["DELETE", "GET"]);
    assert_eq!(
        client.get_order(&resting.order_id).unwrap().status,
        kalshi_portfolio::types::OrderStatus::Canceled
    );

    // A create is committed (partly filled) before the connection drops. Whatever the
    // client makes of it (an error, or an answer it recovered through its
    // client_order_id), the exchange holds exactly one such order.
    sandbox.clear_journal();
    sandbox.inject(Fault::drop_after_commit().path_contains("/events/orders"));
    let outcome = client.create_order(
        &NewOrder::new(T)
            .bid()
            .price("0.40")
            .count(5u32)
            .client_order_id("drop-1"),
    );
    match &outcome {
        Ok(placed) => assert_eq!(placed.client_order_id.as_deref(), Some("drop-1")),
        Err(err) => assert!(err.may_have_reached_exchange(), "{err:?}"),
    }
    let journal = sandbox.journal();
    assert_eq!(journal[0].path, "/trade-api/v2/portfolio/events/orders");
    let orders: Vec<_> = client
        .get_orders()
        .iter()
        .map(Result::unwrap)
        .filter(|o| o.client_order_id == "drop-1")
        .collect();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].fill_count_fp.to_string(), "3.00");
    assert_eq!(client.get_fills().iter().count(), 1);

    // The same with the default retry policy: never two orders.
    let retrying = sandbox.client().unwrap();
    sandbox.inject(Fault::drop_after_commit().path_contains("/events/orders"));
    let _ = retrying.create_order(
        &NewOrder::new(T)
            .bid()
            .price("0.30")
            .count(1u32)
            .client_order_id("drop-2"),
    );
    assert_eq!(orders_with_client_id(&client, "drop-2"), 1);
}

#[test]
fn drop_after_commit_sends_no_response_byte() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.inject(Fault::drop_after_commit());
    let path = "/trade-api/v2/portfolio/balance";
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let signature = SigningKey::from_pem(sandbox.private_key_pem())
        .unwrap()
        .sign_request(ts, "GET", path)
        .unwrap();
    let mut stream = TcpStream::connect(sandbox.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nKALSHI-ACCESS-KEY: {}\r\nKALSHI-ACCESS-TIMESTAMP: {ts}\r\n\
         KALSHI-ACCESS-SIGNATURE: {signature}\r\n\r\n",
        sandbox.key_id()
    )
    .unwrap();
    let mut received = Vec::new();
    let outcome = stream.read_to_end(&mut received);
    assert!(
        received.is_empty(),
        "got {:?}",
        String::from_utf8_lossy(&received)
    );
    // Closed (EOF) or reset; not a timeout.
    if let Err(e) = outcome {
        assert_ne!(
            e.kind(),
            std::io::ErrorKind::WouldBlock,
            "the connection stayed open"
        );
        assert_ne!(
            e.kind(),
            std::io::ErrorKind::TimedOut,
            "the connection stayed open"
        );
    }
    assert_eq!(sandbox.journal().len(), 1);
}

/// A held request runs exactly where the test says: before the n-th later request,
/// or at release; its answer, which nobody received, is recorded.
#[test]
fn a_held_request_executes_before_the_nth_later_request_or_at_release() {
    let (sandbox, client) = setup();
    let order = |id: &str| {
        NewOrder::new(T)
            .bid()
            .price("0.20")
            .count(1u32)
            .client_order_id(id)
    };

    // Held until released: the client's error, then nothing until release_late.
    sandbox.inject(Fault::execute_on_release().path_contains("/events/orders"));
    let error = client.create_order(&order("held-1")).unwrap_err();
    assert!(error.may_have_reached_exchange(), "{error:?}");
    assert_eq!(sandbox.held_late(), 1);
    assert_eq!(orders_with_client_id(&client, "held-1"), 0);
    let released = sandbox.release_late();
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].method, "POST");
    assert_eq!(released[0].status, 201);
    assert_eq!(released[0].body["client_order_id"], "held-1");
    assert_eq!(sandbox.held_late(), 0);
    assert_eq!(orders_with_client_id(&client, "held-1"), 1);

    // Executed just before the third request after it: the client's own lookup (the
    // first) and the test's first read do not see it, the next read does.
    sandbox.inject(Fault::execute_before_request(3).path_contains("/events/orders"));
    let _ = client.create_order(&order("held-2")).unwrap_err();
    assert_eq!(orders_with_client_id(&client, "held-2"), 0);
    assert_eq!(orders_with_client_id(&client, "held-2"), 1);
    assert_eq!(sandbox.held_late(), 0);

    // A late create after the same id was placed again is refused as a duplicate.
    sandbox.inject(Fault::execute_on_release().path_contains("/events/orders"));
    let _ = client.create_order(&order("held-3")).unwrap_err();
    client.create_order(&order("held-3")).unwrap();
    let released = sandbox.release_late();
    assert_eq!(released[0].status, 409, "{released:?}");
    assert_eq!(released[0].body["code"], "duplicate_client_order_id");
    assert_eq!(orders_with_client_id(&client, "held-3"), 1);

    let statuses: Vec<u16> = sandbox
        .late_executions()
        .iter()
        .map(|late| late.status)
        .collect();
    assert_eq!(statuses, [201, 201, 409]);
    sandbox.clear_late_executions();
    assert!(sandbox.late_executions().is_empty());
}
