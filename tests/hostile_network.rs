//! The client against a deliberately hostile server (RELIABILITY.md, "Hostile
//! network"): redirects to other hosts, proxies from the environment, endless and
//! dripping bodies, pages that never end, unreadable `Retry-After`, answers a write
//! cannot trust, error probes built to fool a parser, huge headers, malformed JSON.
//!
//! Every case asserts the exact error kind, what it says about whether the request may
//! have reached the exchange, and that no second host ever saw a `KALSHI-ACCESS-*`
//! header. The two cases that measure memory or set process-wide proxy variables run
//! in a child process of this same test binary, so nothing they do leaks into the
//! other tests.

mod hostile_support;
mod raw_http;
// The order shape shared with the other scripted exchanges, without their server.
#[path = "support/orders.rs"]
mod orders;

use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hostile_support::{
    drip, peak_rss_bytes, respond, respond_endless, respond_json, HostileServer,
};
use kalshi_portfolio::{
    Client, ClientBuilder, DecreaseOrder, Environment, Error, NewOrder, RetryPolicy,
};
use serde_json::{json, Value};

const TICKER: &str = "KXHOSTILE-26-T1";

fn key_pem() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keys/ed25519-pkcs8.pem"
    );
    std::fs::read_to_string(path).expect("the Ed25519 test key")
}

fn builder_for(base_url: String) -> ClientBuilder {
    Client::builder()
        .environment(Environment::Custom(base_url))
        .api_key_id("hostile-test-key")
        .private_key_pem(key_pem())
        // Retries allowed, but quick: the cases count what was (not) repeated.
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .timeout(Duration::from_secs(5))
}

fn client_of(server: &HostileServer) -> Client {
    builder_for(server.base_url()).build().expect("client")
}

fn balance_json() -> Value {
    json!({
        "balance": 100, "balance_dollars": "1.0000", "portfolio_value": 0, "updated_ts": 1
    })
}

fn order_json(client_order_id: &str, status: &str) -> Value {
    orders::order_json(
        TICKER,
        "ord-h1",
        client_order_id,
        status,
        orders::ONE_RESTING,
    )
}

fn an_order() -> NewOrder {
    NewOrder::new(TICKER).buy_yes().price("0.56").count(1)
}

/// A server that records everything and answers 404: the "second host" a redirect
/// or proxy would leak to.
fn bystander() -> HostileServer {
    HostileServer::start(|_, stream| respond(stream, 404, &[], b""))
}

fn assert_no_credentials_reached(bystander: &HostileServer) {
    let leaked: Vec<_> = bystander
        .requests()
        .into_iter()
        .filter(|r| r.carries_credentials())
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert!(
        leaked.is_empty(),
        "signed requests reached a second host: {leaked:?}"
    );
    assert_eq!(
        bystander.request_count(),
        0,
        "the second host was contacted at all"
    );
}

// ---------------------------------------------------------------------------------
// Redirects
// ---------------------------------------------------------------------------------

/// Writes answer with `status` pointing at `location`; reads of the order list (the
/// create lookup) are redirected too.
fn redirecting_server(status: u16, location: String) -> HostileServer {
    HostileServer::start(move |_, stream| {
        respond(stream, status, &[("location", &location)], b"");
    })
}

#[test]
fn a_redirect_to_another_host_is_an_error_and_nothing_reaches_that_host() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = bystander();
        let location = format!("{}/portfolio/balance", elsewhere.base_url());
        let server = redirecting_server(status, location.clone());
        let client = client_of(&server);

        let error = client
            .get_balance()
            .expect_err("a redirect is not followed");
        match &error {
            Error::Redirect {
                operation,
                status: got,
                location: Some(sent),
            } => {
                assert_eq!(*operation, "get_balance");
                assert_eq!(*got, status);
                assert_eq!(sent, &location);
            }
            other => panic!("{status}: expected Error::Redirect, got {other:?}"),
        }
        assert!(error.may_have_reached_exchange(), "{error}");
        assert!(!error.is_retryable(), "{error}");
        assert!(error.to_string().contains(&location), "{error}");
        assert_eq!(
            server.request_count(),
            1,
            "{status}: a redirect is not retried"
        );
        assert_no_credentials_reached(&elsewhere);
    }
}

#[test]
fn a_redirected_post_is_never_resent_as_a_get_or_to_the_new_location() {
    for status in [301, 302, 307, 308] {
        let elsewhere = bystander();
        let server = redirecting_server(
            status,
            format!("{}/portfolio/events/orders", elsewhere.base_url()),
        );
        let client = client_of(&server);

        let error = client.create_order(&an_order()).expect_err("redirected");
        assert!(matches!(error.last(), Error::Redirect { .. }), "{error:?}");
        assert!(error.may_have_reached_exchange());
        // The create, then the lookup of the order (itself redirected, so it fails and
        // the create's own error is returned). No GET to the create's path.
        let requests = server.requests();
        let creates: Vec<_> = requests
            .iter()
            .filter(|r| r.path().ends_with("/portfolio/events/orders"))
            .collect();
        assert_eq!(creates.len(), 1, "{status}: the create was sent once");
        assert_eq!(creates[0].method, "POST");
        assert!(
            requests
                .iter()
                .skip(1)
                .all(|r| r.method == "GET" && r.path().ends_with("/portfolio/orders")),
            "{status}: after the create only the lookup: {requests:?}"
        );
        assert_no_credentials_reached(&elsewhere);
    }
}

#[test]
fn a_redirect_to_a_dead_host_does_not_repeat_writes_that_must_not_repeat() {
    // Port 1 on loopback refuses connections: the case that used to read as "did not
    // reach the exchange" and so was retried.
    let server = redirecting_server(307, "http://127.0.0.1:1/trade-api/v2/portfolio".into());
    let client = client_of(&server);

    let error = client.create_order_group(5).expect_err("redirected");
    assert!(
        matches!(error, Error::Redirect { status: 307, .. }),
        "{error:?}"
    );
    assert!(error.may_have_reached_exchange());
    assert_eq!(server.request_count(), 1, "create_order_group sent once");

    let error = client
        .decrease_order("ord-1", &DecreaseOrder::new().reduce_by(1))
        .expect_err("redirected");
    assert!(matches!(error, Error::Redirect { .. }), "{error:?}");
    assert_eq!(server.request_count(), 2, "decrease by sent once");
}

#[test]
fn a_location_with_user_info_is_shown_without_it() {
    let server = redirecting_server(302, "https://user:hunter2@elsewhere.test/x".into());
    let error = client_of(&server).get_balance().expect_err("redirected");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("elsewhere.test"), "{shown}");
}

// ---------------------------------------------------------------------------------
// Proxies
// ---------------------------------------------------------------------------------

/// Run one `#[ignore]`d test of this binary in a child process with extra
/// environment variables, and require it to pass.
fn run_in_child(test: &str, env: &[(&str, String)]) {
    let mut command = std::process::Command::new(std::env::current_exe().expect("test binary"));
    command.args([
        test,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    command.env("HOSTILE_CHILD", "1");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run the child test");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "child test {test} failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "child test {test} did not run:\n{text}"
    );
}

#[test]
fn proxies_from_the_environment_are_ignored() {
    let proxy = bystander();
    let proxy_url = format!("http://127.0.0.1:{}", proxy.port());
    let vars = [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ];
    let env: Vec<(&str, String)> = vars.iter().map(|name| (*name, proxy_url.clone())).collect();
    run_in_child("child_calls_the_exchange_directly", &env);
    assert_no_credentials_reached(&proxy);
}

#[test]
#[ignore = "run by proxies_from_the_environment_are_ignored in a child process"]
fn child_calls_the_exchange_directly() {
    assert!(
        std::env::var("HOSTILE_CHILD").is_ok(),
        "run through the parent test"
    );
    let exchange = HostileServer::start(|_, stream| respond_json(stream, 200, &balance_json()));
    client_of(&exchange)
        .get_balance()
        .expect("the balance, directly");
    assert_eq!(exchange.request_count(), 1);
}

#[test]
fn an_explicit_proxy_is_used_and_must_be_safe() {
    // A loopback http proxy (here: a server that answers as the exchange would).
    let proxy = HostileServer::start(|_, stream| respond_json(stream, 200, &balance_json()));
    let client = builder_for("http://127.0.0.1:9/trade-api/v2".into())
        .proxy(format!("http://127.0.0.1:{}", proxy.port()))
        .build()
        .expect("client with a proxy");
    client.get_balance().expect("through the proxy");
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].target, "http://127.0.0.1:9/trade-api/v2/portfolio/balance",
        "sent to the proxy in absolute form"
    );

    // The base URL's scheme rule applies to the proxy.
    let error = builder_for("https://example.test/trade-api/v2".into())
        .proxy("http://proxy.example.test:3128")
        .build()
        .expect_err("plain http proxy off loopback");
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(error.to_string().contains("proxy URL"), "{error}");

    // A proxy password is accepted but never shown.
    let builder = builder_for("https://example.test/trade-api/v2".into())
        .proxy("https://user:s3cret@proxy.example.test:3128");
    assert!(!format!("{builder:?}").contains("s3cret"));
    builder.build().expect("an https proxy with credentials");
}

// ---------------------------------------------------------------------------------
// Bodies: endless, too long, dripping, huge headers
// ---------------------------------------------------------------------------------

#[test]
fn an_endless_body_stops_at_the_limit_with_bounded_memory() {
    run_in_child("child_reads_endless_bodies", &[]);
}

#[test]
#[ignore = "run by an_endless_body_stops_at_the_limit_with_bounded_memory in a child process"]
fn child_reads_endless_bodies() {
    assert!(
        std::env::var("HOSTILE_CHILD").is_ok(),
        "run through the parent test"
    );
    let server = HostileServer::start(|_, stream| respond_endless(stream));
    let before = peak_rss_bytes();
    // The default limit, on a plain operation and on one whose body is probed for an
    // error object first.
    let client = client_of(&server);
    for error in [
        client
            .get_fills()
            .iter()
            .next()
            .expect("one result")
            .expect_err("too large"),
        client.get_order_groups().expect_err("too large"),
    ] {
        match &error {
            Error::ResponseTooLarge { limit, .. } => {
                assert_eq!(*limit, kalshi_portfolio::DEFAULT_MAX_RESPONSE_BODY)
            }
            other => panic!("expected ResponseTooLarge, got {other:?}"),
        }
        assert!(error.may_have_reached_exchange());
        assert!(error.to_string().contains("max_response_body"), "{error}");
    }
    // A write whose answer is too large is an unknown outcome: looked up, not repeated.
    // (The endless answer's 200 is not the create's 201, so that is the error; the
    // lookup's own endless answer is too large.)
    let error = client.create_order(&an_order()).expect_err("unreadable");
    assert!(matches!(error, Error::OutcomeUnknown { .. }), "{error:?}");
    assert!(matches!(error.last(), Error::Decode { .. }), "{error:?}");
    assert!(error.may_have_reached_exchange());
    let creates = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(creates, 1);

    if let (Some(before), Some(after)) = (before, peak_rss_bytes()) {
        let grown = after.saturating_sub(before);
        println!("peak RSS grew by {} KiB", grown / 1024);
        // Three bodies cut at 8 MiB each, one at a time; far below what an unbounded
        // read reaches in the same seconds (hundreds of MB).
        assert!(grown < 64 * 1024 * 1024, "peak RSS grew by {grown} bytes");
    }
}

#[test]
fn a_body_over_a_configured_limit_is_refused_by_its_length_or_as_it_streams() {
    // Declared too long: refused before reading.
    let declared = HostileServer::start(|_, stream| {
        use std::io::Write;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                    content-length: 999999999999\r\n\r\n{\"balance\":";
        let _ = stream.write_all(head.as_bytes());
    });
    let error = builder_for(declared.base_url())
        .max_response_body(1024)
        .build()
        .expect("client")
        .get_balance()
        .expect_err("too large");
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 1024, .. }),
        "{error:?}"
    );
    assert_eq!(
        declared.request_count(),
        1,
        "a body that large is not asked for again"
    );
    // A real body one byte over the limit.
    let body = balance_json().to_string();
    let limit = body.len() - 1;
    let over = HostileServer::start(move |_, stream| respond_json(stream, 200, &balance_json()));
    let client = builder_for(over.base_url())
        .max_response_body(limit)
        .build()
        .expect("client");
    let error = client.get_balance().expect_err("one byte over");
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
    let exact = builder_for(over.base_url())
        .max_response_body(body.len())
        .build()
        .expect("client");
    exact.get_balance().expect("exactly at the limit");
}

#[test]
fn a_dripping_body_or_head_is_cut_by_the_whole_request_timeout() {
    let body = balance_json().to_string();
    let dripping_body = HostileServer::start(move |_, stream| {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        drip(stream, head.as_bytes(), Duration::ZERO);
        drip(stream, body.as_bytes(), Duration::from_millis(100));
    });
    let dripping_head = HostileServer::start(|_, stream| {
        drip(
            stream,
            b"HTTP/1.1 200 OK\r\nx-slow: aaaaaaaaaaaaaaaaaaaaaaaaa",
            Duration::from_millis(100),
        )
    });
    for server in [&dripping_body, &dripping_head] {
        let client = builder_for(server.base_url())
            .timeout(Duration::from_millis(700))
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("client");
        let error = client.get_balance().expect_err("too slow");
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
    }
}

#[test]
fn a_megabyte_of_headers_is_a_transport_error() {
    let server = HostileServer::start(|_, stream| {
        let huge = "a".repeat(1024 * 1024);
        respond(
            stream,
            200,
            &[("x-huge", &huge), ("content-type", "application/json")],
            b"{}",
        )
    });
    let client = builder_for(server.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = client.get_balance().expect_err("refused");
    assert!(
        matches!(
            error,
            Error::Transport {
                may_have_reached_exchange: true,
                ..
            }
        ),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------

#[test]
fn empty_pages_with_ever_new_cursors_end_the_walk() {
    let pages = Arc::new(AtomicUsize::new(0));
    let counter = pages.clone();
    let server = HostileServer::start(move |_, stream| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        respond_json(
            stream,
            200,
            &json!({"fills": [], "cursor": format!("c{n}")}),
        );
    });
    let results: Vec<_> = client_of(&server).get_fills().iter().collect();
    assert_eq!(results.len(), 1, "one error, no items");
    let error = results
        .into_iter()
        .next()
        .expect("one")
        .expect_err("stopped");
    assert!(matches!(error, Error::Pagination { .. }), "{error:?}");
    assert!(error.to_string().contains("empty pages"), "{error}");
    assert_eq!(
        pages.load(Ordering::SeqCst),
        kalshi_portfolio::pagination::MAX_EMPTY_PAGES_IN_A_ROW
    );

    // max_pages bounds a walk whatever the server does.
    let before = pages.load(Ordering::SeqCst);
    let walked = client_of(&server).get_fills().max_pages(2).pages().count();
    assert_eq!(walked, 2);
    assert_eq!(pages.load(Ordering::SeqCst) - before, 2);
}

#[test]
fn a_page_larger_than_asked_for_is_kept() {
    let fill = |n: usize| {
        json!({
            "fill_id": format!("f{n}"), "trade_id": "t", "order_id": "o", "ticker": TICKER,
            "market_ticker": TICKER, "side": "yes", "action": "buy", "count_fp": "1.00",
            "book_side": "bid", "outcome_side": "yes",
            "yes_price_dollars": "0.5000", "no_price_dollars": "0.5000", "is_taker": true,
            "fee_cost": "0.0100", "created_time": "2026-11-25T14:00:00Z", "ts": 1,
            "exchange_index": 0
        })
    };
    let server = HostileServer::start(move |_, stream| {
        let fills: Vec<Value> = (0..5).map(fill).collect();
        respond_json(stream, 200, &json!({"fills": fills, "cursor": ""}));
    });
    let page = client_of(&server)
        .get_fills()
        .limit(2)
        .send()
        .expect("page");
    assert_eq!(page.items.len(), 5);
}

// ---------------------------------------------------------------------------------
// Retry-After
// ---------------------------------------------------------------------------------

#[test]
fn a_retry_after_that_cannot_be_honoured_ends_the_retries_and_says_so() {
    for (value, says) in [
        ("99999999999999999999", "longer than"),
        ("86400", "longer than"),
        ("1.5", "neither"),
        ("-5", "neither"),
        ("tomorrow", "neither"),
    ] {
        let server = HostileServer::start(move |_, stream| {
            respond(
                stream,
                429,
                &[("retry-after", value)],
                b"{\"code\":\"too_many\"}",
            )
        });
        let error = client_of(&server).get_balance().expect_err("rate limited");
        assert_eq!(
            server.request_count(),
            1,
            "Retry-After {value:?}: not retried"
        );
        let api = error.api().expect("Kalshi's answer");
        assert_eq!(api.status, 429);
        assert_eq!(api.retry_after_header.as_deref(), Some(value));
        let text = error.to_string();
        assert!(
            text.contains("not retried") && text.contains(says),
            "{value}: {text}"
        );
        assert!(text.contains(value), "{text}");
    }
}

// ---------------------------------------------------------------------------------
// Answers a write cannot trust
// ---------------------------------------------------------------------------------

/// How a scripted server answers one request.
type Answer = dyn Fn(&mut TcpStream) + Send + Sync;

/// A create answered with `answer`; the order list then shows the order.
fn exchange_with_a_strange_create_answer(
    answer: impl Fn(&mut TcpStream) + Send + Sync + 'static,
) -> HostileServer {
    let sent_id = Arc::new(std::sync::Mutex::new(String::new()));
    HostileServer::start(move |request, stream| {
        if request.method == "POST" {
            *sent_id.lock().expect("id") = request.json()["client_order_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            answer(stream);
        } else {
            let id = sent_id.lock().expect("id").clone();
            let orders = json!({"orders": [order_json(&id, "resting")], "cursor": ""});
            respond_json(stream, 200, &orders);
        }
    })
}

#[test]
fn a_create_answered_strangely_is_looked_up_not_reported_as_failed() {
    let answers: Vec<(&str, Box<Answer>)> = vec![
        ("200 {}", Box::new(|s| respond_json(s, 200, &json!({})))),
        ("202 {}", Box::new(|s| respond_json(s, 202, &json!({})))),
        (
            "201 not JSON",
            Box::new(|s| respond(s, 201, &[], b"<html>ok</html>")),
        ),
        (
            "201 invalid UTF-8",
            Box::new(|s| respond(s, 201, &[], &[0xff, 0xfe, 0x7b])),
        ),
        (
            "201 wrong types",
            Box::new(|s| respond_json(s, 201, &json!({"order_id": 5, "fill_count": []}))),
        ),
    ];
    for (what, answer) in answers {
        let server = exchange_with_a_strange_create_answer(answer);
        let placed = client_of(&server)
            .create_order(&an_order())
            .unwrap_or_else(|e| panic!("{what}: the order exists, yet: {e}"));
        assert_eq!(placed.order_id, "ord-h1", "{what}");
        let posts = server
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(posts, 1, "{what}: the create is not repeated");
    }
}

#[test]
fn other_writes_answered_strangely_are_read_back_or_not_repeated() {
    // A cancel answered 200 with garbage: the order is read, and it is cancelled.
    let server = HostileServer::start(|request, stream| {
        if request.method == "DELETE" {
            respond(stream, 200, &[], b"not json");
        } else {
            respond_json(
                stream,
                200,
                &json!({"order": order_json("c-1", "canceled")}),
            );
        }
    });
    let cancelled = client_of(&server)
        .cancel_order("ord-h1")
        .expect("read back");
    assert_eq!(cancelled.order_id, "ord-h1");

    // A decrease by an amount answered 200 with garbage: not repeated, a Decode error.
    let server = HostileServer::start(|_, stream| respond(stream, 200, &[], b"{\"reduce"));
    let error = client_of(&server)
        .decrease_order("ord-h1", &DecreaseOrder::new().reduce_by(1))
        .expect_err("unreadable");
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert!(error.may_have_reached_exchange());
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_batch_answer_whose_items_name_nothing_is_not_a_success() {
    // V1-shaped: every V2 item field is optional, so each item decodes as all-None.
    let server = HostileServer::start(|request, stream| {
        if request.method == "POST" {
            let items: Vec<Value> = request.json()["orders"]
                .as_array()
                .expect("orders")
                .iter()
                .map(|order| json!({"order": {"ticker": order["ticker"]}}))
                .collect();
            respond_json(stream, 201, &json!({ "orders": items }));
        } else {
            respond_json(stream, 200, &json!({"orders": [], "cursor": ""}));
        }
    });
    let items = client_of(&server)
        .batch_create_orders(&[an_order(), an_order()])
        .expect("per-item answers");
    assert_eq!(items.len(), 2);
    for item in items {
        let error = item.error.expect("an item naming nothing is an error");
        assert_eq!(
            error.code.as_deref(),
            Some(kalshi_portfolio::operations::NOT_PLACED)
        );
        assert!(item.client_order_id.is_some());
    }
}

// ---------------------------------------------------------------------------------
// The 2xx error probe, and malformed success bodies
// ---------------------------------------------------------------------------------

#[test]
fn an_error_probe_cannot_be_fooled_into_an_empty_success() {
    for depth in [200, 2_000, 20_000] {
        let body = format!("{{\"code\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
        let server =
            HostileServer::start(move |_, stream| respond(stream, 200, &[], body.as_bytes()));
        let error = client_of(&server)
            .get_order_groups()
            .expect_err("neither order groups nor an error");
        assert!(
            matches!(error, Error::Decode { .. }),
            "depth {depth}: {error:?}"
        );
    }
    // The same for other error-like keys with values that are not errors.
    for body in [
        r#"{"error": 5}"#,
        r#"{"message": {"x": []}}"#,
        r#"{"order_groups": [], "code": null}"#,
    ] {
        let server =
            HostileServer::start(move |_, stream| respond(stream, 200, &[], body.as_bytes()));
        let error = client_of(&server).get_order_groups().expect_err(body);
        assert!(matches!(error, Error::Decode { .. }), "{body}: {error:?}");
    }
    // A real error object in a 200 is still Kalshi's error, and an empty list is fine.
    let server = HostileServer::start(|_, stream| {
        respond(
            stream,
            200,
            &[],
            br#"{"error":{"code":"nope","message":"no"}}"#,
        )
    });
    let error = client_of(&server).get_order_groups().expect_err("an error");
    assert_eq!(error.code(), Some("nope"));
    let server = HostileServer::start(|_, stream| respond(stream, 200, &[], b"{}"));
    assert!(client_of(&server)
        .get_order_groups()
        .expect("empty")
        .is_empty());
}

#[test]
fn malformed_success_bodies_are_decode_errors() {
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("invalid UTF-8", vec![b'{', 0xff, b'}']),
        ("invalid JSON", b"{\"balance\": ".to_vec()),
        ("wrong types", br#"{"balance":"x","balance_dollars":1,"portfolio_value":0,"updated_ts":1}"#.to_vec()),
        ("1e400", br#"{"balance":1e400,"balance_dollars":"1.00","portfolio_value":0,"updated_ts":1}"#.to_vec()),
        (
            "20-digit money",
            br#"{"balance":1,"balance_dollars":"12345678901234567890.00","portfolio_value":0,"updated_ts":1}"#.to_vec(),
        ),
        ("money in exponent form", br#"{"balance":1,"balance_dollars":"1e3","portfolio_value":0,"updated_ts":1}"#.to_vec()),
    ];
    for (what, body) in bodies {
        let server = HostileServer::start(move |_, stream| respond(stream, 200, &[], &body));
        let error = client_of(&server).get_balance().expect_err(what);
        assert!(matches!(error, Error::Decode { .. }), "{what}: {error:?}");
        assert!(error.may_have_reached_exchange(), "{what}");
        assert_eq!(
            server.request_count(),
            1,
            "{what}: a decode error is not retried"
        );
    }
}

// ---------------------------------------------------------------------------------
// Configuration that would leak
// ---------------------------------------------------------------------------------

#[test]
fn a_base_url_with_credentials_is_refused_and_never_printed() {
    let url = "https://kalshi:p4ssw0rd@example.test/trade-api/v2";
    let error = builder_for(url.into())
        .build()
        .expect_err("credentials in the URL");
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(!error.to_string().contains("p4ssw0rd"), "{error}");
    let error = Environment::parse(url).expect_err("credentials in KALSHI_ENV");
    assert!(
        !format!("{error} {error:?}").contains("p4ssw0rd"),
        "{error}"
    );

    let environment = Environment::Custom(url.into());
    for shown in [format!("{environment}"), format!("{environment:?}")] {
        assert!(!shown.contains("p4ssw0rd"), "{shown}");
        assert!(shown.contains("example.test"), "{shown}");
    }
}
