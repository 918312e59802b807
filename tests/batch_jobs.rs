//! The calls batch jobs lean on, against the sandbox: cancelling by filter with a
//! dry run first, repricing and resizing an order from the order itself, and time
//! filters that take a `DateTime`.

use kalshi_portfolio::chrono::{Duration as ChronoDuration, Utc};
use kalshi_portfolio::sandbox::{MarketSpec, Sandbox, Side};
use kalshi_portfolio::types::OrderStatus;
use kalshi_portfolio::{AmendOrder, Client, Error, NewOrder};

const EVENT_A: &str = "KXJOBS-26A";
const EVENT_B: &str = "KXJOBS-26B";
const A1: &str = "KXJOBS-26A-T1";
const A2: &str = "KXJOBS-26A-T2";
const B1: &str = "KXJOBS-26B-T1";

fn setup() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().expect("sandbox");
    for (ticker, event) in [(A1, EVENT_A), (A2, EVENT_A), (B1, EVENT_B)] {
        sandbox
            .create_market(MarketSpec::new(ticker, event))
            .expect("market");
    }
    let client = sandbox.client().expect("client");
    (sandbox, client)
}

/// Rest `n` post-only bids in `ticker`, at 0.10, 0.11, …
fn rest_bids(client: &Client, ticker: &str, n: u32) -> Vec<String> {
    (0..n)
        .map(|i| {
            let order = NewOrder::new(ticker)
                .bid()
                .price(format!("0.{:02}", 10 + i))
                .count(1)
                .post_only(true);
            client.create_order(&order).expect("placed").order_id
        })
        .collect()
}

fn resting_in(client: &Client, ticker: &str) -> usize {
    client
        .get_orders()
        .ticker(ticker)
        .status(OrderStatus::Resting)
        .iter()
        .count()
}

#[test]
fn cancel_by_event_lists_first_then_cancels_only_that_event() {
    let (_sandbox, client) = setup();
    let mut event_a = rest_bids(&client, A1, 3);
    event_a.extend(rest_bids(&client, A2, 2));
    rest_bids(&client, B1, 2);

    let would = client
        .cancel_orders()
        .event_ticker(EVENT_A)
        .dry_run()
        .expect("dry run");
    let mut listed: Vec<String> = would.into_iter().map(|o| o.order_id).collect();
    listed.sort();
    event_a.sort();
    assert_eq!(listed, event_a);
    assert_eq!(resting_in(&client, A1), 3, "a dry run cancels nothing");

    let items = client
        .cancel_orders()
        .event_ticker(EVENT_A)
        .send()
        .expect("cancelled");
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|item| item.error.is_none()), "{items:?}");
    assert_eq!(resting_in(&client, A1) + resting_in(&client, A2), 0);
    assert_eq!(resting_in(&client, B1), 2, "the other event is untouched");

    let nothing = client
        .cancel_orders()
        .event_ticker(EVENT_A)
        .send()
        .expect("nothing left");
    assert!(nothing.is_empty());
}

#[test]
fn cancel_by_ticker_and_all_and_no_filter_at_all() {
    let (_sandbox, client) = setup();
    rest_bids(&client, A1, 2);
    rest_bids(&client, A2, 25);
    rest_bids(&client, B1, 1);

    let items = client.cancel_orders().ticker(A1).send().expect("cancelled");
    assert_eq!(items.len(), 2);
    assert_eq!(resting_in(&client, A2), 25);

    let error = client.cancel_orders().send().expect_err("no filter");
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(error.to_string().contains(".all()"), "{error}");
    let error = client
        .cancel_orders()
        .ticker(A1)
        .all()
        .dry_run()
        .expect_err("two filters");
    assert!(error.to_string().contains("once"), "{error}");

    // 26 orders: more than one batch request of 20.
    let items = client.cancel_orders().all().send().expect("cancelled");
    assert_eq!(items.len(), 26);
    assert!(items.iter().all(|item| item.error.is_none()));
    assert_eq!(resting_in(&client, A2) + resting_in(&client, B1), 0);
}

#[test]
fn reprice_and_resize_an_order_from_the_order() {
    let (sandbox, client) = setup();
    // 3 of 10 fill against someone's ask; 7 rest.
    sandbox
        .add_liquidity(
            A1,
            Side::Ask,
            "0.40".parse().expect("price"),
            "3".parse().expect("count"),
        )
        .expect("liquidity");
    let placed = client
        .create_order(&NewOrder::new(A1).bid().price("0.40").count(10))
        .expect("placed");
    let order = client.get_order(&placed.order_id).expect("order");
    assert_eq!(order.remaining_count_fp.to_string(), "7.00");

    client
        .amend_order(&order.order_id, &AmendOrder::reprice(&order, "0.38"))
        .expect("repriced");
    let order = client.get_order(&placed.order_id).expect("order");
    assert_eq!(order.yes_price_dollars.to_string(), "0.3800");
    assert_eq!(order.remaining_count_fp.to_string(), "7.00", "same size");

    client
        .amend_order(&order.order_id, &AmendOrder::resize(&order, 2))
        .expect("resized");
    let order = client.get_order(&placed.order_id).expect("order");
    assert_eq!(order.remaining_count_fp.to_string(), "2.00");
    assert_eq!(order.yes_price_dollars.to_string(), "0.3800", "same price");
}

#[test]
fn time_filters_take_a_datetime() {
    let (_sandbox, client) = setup();
    rest_bids(&client, A1, 2);
    let an_hour_ago = Utc::now() - ChronoDuration::hours(1);
    let in_an_hour = Utc::now() + ChronoDuration::hours(1);
    let recent = client.get_orders().min_ts(an_hour_ago).iter().count();
    assert_eq!(recent, 2);
    let future = client.get_orders().min_ts(in_an_hour).iter().count();
    assert_eq!(future, 0);
    let before = client
        .get_orders()
        .max_ts(an_hour_ago.timestamp())
        .iter()
        .count();
    assert_eq!(before, 0);
}
