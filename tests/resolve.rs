//! Exactly-once across the caller's own retry: a create whose outcome stays unknown
//! says which `client_order_id` it used, and `resolve_create` settles it without ever
//! placing the order twice, whether the lost request executed, executes later, or
//! never does.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kalshi_portfolio::{Error, NewOrder, RetryPolicy};
use serde_json::{json, Value};
use support::{RecordedRequest, Reply, TestServer};

const TICKER: &str = "KXRESOLVE-26-T1";

fn order_json(client_order_id: &str) -> Value {
    support::orders::order_json(
        TICKER,
        "ord-late",
        client_order_id,
        "resting",
        support::orders::ONE_RESTING,
    )
}

fn an_order() -> NewOrder {
    NewOrder::new(TICKER).buy_yes().price("0.56").count(1)
}

/// What the scripted exchange does with each create, in turn.
#[derive(Clone, Copy, Debug)]
enum OnCreate {
    /// Never answer in time (the client times out); the order is not placed.
    Stall,
    /// Place it and answer 201.
    Place,
    /// Refuse as a duplicate (the order exists) without placing.
    RefuseDuplicate,
}

struct Exchange {
    server: TestServer,
    /// Orders the exchange lists, by client_order_id.
    listed: Arc<Mutex<Vec<String>>>,
}

impl Exchange {
    fn start(script: Vec<OnCreate>) -> Exchange {
        let listed = Arc::new(Mutex::new(Vec::<String>::new()));
        let script = Arc::new(Mutex::new(script.into_iter()));
        let shown = listed.clone();
        let server = TestServer::start(move |request: &RecordedRequest| {
            if request.method == "GET" {
                let orders: Vec<Value> = shown
                    .lock()
                    .expect("orders")
                    .iter()
                    .map(|id| order_json(id))
                    .collect();
                return Reply::json(200, &json!({"orders": orders, "cursor": ""}));
            }
            let id = request.json().expect("body")["client_order_id"]
                .as_str()
                .expect("an id")
                .to_string();
            let step = script
                .lock()
                .expect("script")
                .next()
                .unwrap_or(OnCreate::Place);
            match step {
                OnCreate::Stall => Reply::json(201, &json!({})).after(Duration::from_millis(800)),
                OnCreate::Place => {
                    shown.lock().expect("orders").push(id.clone());
                    Reply::json(
                        201,
                        &json!({"order_id": "ord-new", "client_order_id": id,
                                "fill_count": "0.00", "remaining_count": "1.00", "ts_ms": 1}),
                    )
                }
                OnCreate::RefuseDuplicate => Reply::json(
                    409,
                    &json!({"code": "duplicate_client_order_id", "message": "exists"}),
                ),
            }
        });
        Exchange { server, listed }
    }

    fn client(&self) -> kalshi_portfolio::Client {
        self.server
            .client_builder()
            .timeout(Duration::from_millis(300))
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("client")
    }

    fn create_ids(&self) -> Vec<String> {
        self.server
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .map(|r| {
                r.json().expect("body")["client_order_id"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }
}

/// A create that timed out and could not be found: the error names its id.
fn unknown_outcome(exchange: &Exchange) -> Error {
    let error = exchange
        .client()
        .create_order(&an_order())
        .expect_err("timed out, not found");
    assert!(matches!(error, Error::OutcomeUnknown { .. }), "{error:?}");
    error
}

#[test]
fn an_unknown_outcome_names_the_id_it_used_and_how_to_resolve_it() {
    let exchange = Exchange::start(vec![OnCreate::Stall]);
    let error = unknown_outcome(&exchange);
    let sent = exchange.create_ids();
    assert_eq!(error.client_order_ids(), sent.as_slice());
    assert!(matches!(error.last(), Error::Timeout { .. }), "{error:?}");
    assert!(error.may_have_reached_exchange());
    let text = error.to_string();
    assert!(
        text.contains("resolve_create") && text.contains(&sent[0]),
        "{text}"
    );
    // Other errors carry no id.
    assert!(Error::Config("x".into()).client_order_ids().is_empty());
}

#[test]
fn resolving_after_a_late_execution_returns_it_without_sending_again() {
    let exchange = Exchange::start(vec![OnCreate::Stall]);
    let error = unknown_outcome(&exchange);
    // The request the client gave up on executes now.
    exchange
        .listed
        .lock()
        .expect("orders")
        .push(error.client_order_ids()[0].clone());
    let placed = exchange
        .client()
        .resolve_create(&an_order(), &error)
        .expect("found");
    assert_eq!(placed.order_id, "ord-late");
    assert_eq!(exchange.create_ids().len(), 1, "not sent again");
}

#[test]
fn resolving_an_order_that_never_executed_places_it_once_with_the_same_id() {
    let exchange = Exchange::start(vec![OnCreate::Stall, OnCreate::Place]);
    let error = unknown_outcome(&exchange);
    let placed = exchange
        .client()
        .resolve_create(&an_order(), &error)
        .expect("placed now");
    assert_eq!(placed.order_id, "ord-new");
    let ids = exchange.create_ids();
    assert_eq!(ids.len(), 2);
    assert_eq!(
        ids[0], ids[1],
        "the retry reuses the id, so it cannot place twice"
    );
}

#[test]
fn a_duplicate_refusal_waits_for_the_order_it_proves_to_exist() {
    let exchange = Exchange::start(vec![OnCreate::Stall, OnCreate::RefuseDuplicate]);
    let error = unknown_outcome(&exchange);
    let id = error.client_order_ids()[0].clone();
    // The execution still in flight shows up a second after the refusal.
    let listed = exchange.listed.clone();
    let late = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1200));
        listed.lock().expect("orders").push(id);
    });
    let placed = exchange
        .client()
        .resolve_create_within(&an_order(), &error, Duration::from_secs(5))
        .expect("found once it shows");
    late.join().expect("the late execution");
    assert_eq!(placed.order_id, "ord-late");

    // Refused and never listed: still unknown after the grace, saying so.
    let exchange = Exchange::start(vec![OnCreate::Stall, OnCreate::RefuseDuplicate]);
    let error = unknown_outcome(&exchange);
    let again = exchange
        .client()
        .resolve_create_within(&an_order(), &error, Duration::from_millis(600))
        .expect_err("not listed in time");
    assert!(matches!(again, Error::OutcomeUnknown { .. }), "{again:?}");
    assert_eq!(again.code(), Some("duplicate_client_order_id"));
}

#[test]
fn a_hand_retry_with_the_id_from_the_error_returns_the_late_order() {
    // The README's recipe: the create timed out and was not found; the request then
    // executes late; the caller sends the same order again with the id the error
    // carries; the exchange refuses it as a duplicate, and create_order returns the
    // order that exists.
    let exchange = Exchange::start(vec![OnCreate::Stall, OnCreate::RefuseDuplicate]);
    let error = unknown_outcome(&exchange);
    let id = error.client_order_ids()[0].clone();
    exchange.listed.lock().expect("orders").push(id.clone());
    let placed = exchange
        .client()
        .create_order(&an_order().client_order_id(id.clone()))
        .expect("the existing order");
    assert_eq!(placed.order_id, "ord-late");
    assert_eq!(placed.client_order_id, Some(id));
}

#[test]
fn only_an_unknown_create_outcome_with_a_matching_id_can_be_resolved() {
    let exchange = Exchange::start(vec![OnCreate::Stall]);
    let error = unknown_outcome(&exchange);
    let client = exchange.client();
    let wrong = an_order().client_order_id("someone-else");
    let refused = client.resolve_create(&wrong, &error).expect_err("wrong id");
    assert!(
        matches!(refused, Error::InvalidRequest { .. }),
        "{refused:?}"
    );
    let refused = client
        .resolve_create(&an_order(), &Error::Config("x".into()))
        .expect_err("not an unknown outcome");
    assert!(
        matches!(refused, Error::InvalidRequest { .. }),
        "{refused:?}"
    );
}

#[test]
fn a_cloned_template_gives_every_order_its_own_id_unless_one_is_set() {
    let exchange = Exchange::start(Vec::new());
    let client = exchange.client();
    let template = an_order();
    client.create_order(&template.clone()).expect("placed");
    client.create_order(&template.clone()).expect("placed");
    client
        .batch_create_orders(&[template.clone(), template.clone()])
        .map(drop)
        .ok();
    let mut ids = exchange.create_ids();
    let batch: Vec<String> = exchange
        .server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/batched"))
        .flat_map(|r| {
            r.json().expect("body")["orders"]
                .as_array()
                .expect("orders")
                .iter()
                .map(|o| o["client_order_id"].as_str().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    ids.retain(|id| !id.is_empty());
    ids.extend(batch);
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
    assert!(ids.len() >= 4);

    let fixed = an_order().client_order_id("mine-1");
    let id = |order: &NewOrder| client.create_order(order).expect("placed").client_order_id;
    assert_eq!(id(&fixed.clone()), Some("mine-1".to_string()));
}
