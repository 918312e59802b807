//! Amends, decreases and cancels executed late: a request the client gave up on (its
//! connection dropped), executed by the exchange after the call returned. The sandbox
//! holds it until the test releases it (`Fault::execute_on_release`), so where it lands
//! is chosen, not timed.
//!
//! What these tests establish (RELIABILITY.md, *Late execution*):
//!
//! * an amend states the order's price and total count (filled + remaining), and a
//!   `reduce_to` its remaining count, so a late copy of one whose call succeeded (by a
//!   retry, or by the client reading the order) finds the order as it asks and
//!   changes nothing, even after fills in between; a late cancel is refused;
//! * the same holds after a failed call once the caller sends the same request again
//!   (the README's recipe);
//! * a late copy does change the order when the caller changed that order in between:
//!   it restores the amend's price and total, or shrinks the order back to the
//!   `reduce_to` (documented; no request carries anything that would let the exchange
//!   refuse a stale copy);
//! * a `reduce_by` is never repeated by the client, but a late copy shrinks the order
//!   again whenever it lands, also after the caller read the order.

use std::time::Duration;

use kalshi_portfolio::sandbox::{Fault, MarketSpec, Sandbox, Side};
use kalshi_portfolio::types::{Order, OrderStatus};
use kalshi_portfolio::{AmendOrder, Client, DecreaseOrder, NewOrder, RetryPolicy};

const T: &str = "KXLATEW-26-T1";

fn setup() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().expect("sandbox");
    sandbox
        .create_market(MarketSpec::new(T, "KXLATEW-26"))
        .expect("market");
    let client = sandbox
        .client_builder()
        .timeout(Duration::from_secs(5))
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .expect("client");
    (sandbox, client)
}

/// A resting bid of `count` at `price` (nothing to match it yet).
fn rest(client: &Client, price: &str, count: u32) -> String {
    client
        .create_order(&NewOrder::new(T).bid().price(price).count(count))
        .expect("placed")
        .order_id
}

fn order(client: &Client, order_id: &str) -> Order {
    client.get_order(order_id).expect("read")
}

/// (price, filled, remaining) as text.
fn shape(order: &Order) -> (String, String, String) {
    (
        order.yes_price_dollars.to_string(),
        order.fill_count_fp.to_string(),
        order.remaining_count_fp.to_string(),
    )
}

fn held_once(sandbox: &Sandbox, path: &str) {
    sandbox.inject(Fault::execute_on_release().path_contains(path));
}

/// Release what the sandbox holds: exactly one request, answered `status`.
fn release_one(sandbox: &Sandbox) -> u16 {
    let released = sandbox.release_late();
    assert_eq!(released.len(), 1, "{released:?}");
    released[0].status
}

#[test]
fn a_late_amend_after_a_retried_success_changes_nothing_even_after_fills() {
    let (sandbox, client) = setup();
    let id = rest(&client, "0.20", 10);

    held_once(&sandbox, "/amend");
    let amend = AmendOrder::new(T).bid().price("0.21").count(10);
    let amended = client.amend_order(&id, &amend).expect("the retry succeeds");
    assert_eq!(amended.order_id, id);
    assert_eq!(sandbox.held_late(), 1, "the first attempt is still held");

    // Someone sells 3 into the amended bid: filled 3, remaining 7, total still 10.
    sandbox
        .add_liquidity(T, Side::Ask, "0.21".parse().unwrap(), "3".parse().unwrap())
        .expect("liquidity");
    let before = shape(&order(&client, &id));
    assert_eq!(before, ("0.2100".into(), "3.00".into(), "7.00".into()));

    // The late copy states the same price and total: the order does not change.
    assert_eq!(release_one(&sandbox), 200);
    assert_eq!(shape(&order(&client, &id)), before);
}

#[test]
fn a_late_reduce_to_after_a_retried_success_is_refused_even_after_fills() {
    let (sandbox, client) = setup();
    let id = rest(&client, "0.20", 10);

    held_once(&sandbox, "/decrease");
    let decreased = client
        .decrease_order(&id, &DecreaseOrder::new().reduce_to(5))
        .expect("the retry succeeds");
    assert_eq!(decreased.remaining_count.to_string(), "5.00");

    // A fill of 2: remaining 3, below the target; the late copy cannot raise it.
    sandbox
        .add_liquidity(T, Side::Ask, "0.20".parse().unwrap(), "2".parse().unwrap())
        .expect("liquidity");
    assert_eq!(release_one(&sandbox), 400);
    assert_eq!(
        shape(&order(&client, &id)),
        ("0.2000".into(), "2.00".into(), "3.00".into())
    );
}

#[test]
fn a_late_cancel_is_refused() {
    let (sandbox, client) = setup();
    let id = rest(&client, "0.20", 4);
    held_once(&sandbox, "/events/orders/");
    client.cancel_order(&id).expect("the retry cancels");
    assert_eq!(release_one(&sandbox), 404);
    assert_eq!(order(&client, &id).status, OrderStatus::Canceled);
}

#[test]
fn after_a_failed_amend_sending_it_again_makes_a_late_copy_harmless() {
    let (sandbox, client) = setup();
    let id = rest(&client, "0.20", 10);
    let no_retries = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");

    held_once(&sandbox, "/amend");
    let amend = AmendOrder::new(T).bid().price("0.22").count(6);
    let error = no_retries
        .amend_order(&id, &amend)
        .expect_err("the only attempt was dropped");
    assert!(error.may_have_reached_exchange(), "{error:?}");
    // The order is as it was: the request has not run yet.
    assert_eq!(
        shape(&order(&client, &id)),
        ("0.2000".into(), "0.00".into(), "10.00".into())
    );

    // The recipe: the same amend again, then the late copy.
    client.amend_order(&id, &amend).expect("sent again");
    assert_eq!(release_one(&sandbox), 200);
    assert_eq!(
        shape(&order(&client, &id)),
        ("0.2200".into(), "0.00".into(), "6.00".into())
    );
}

/// The limit, documented: a late copy lands on whatever the order is by then.
#[test]
fn a_late_amend_or_reduce_to_undoes_a_later_change_of_the_same_order() {
    let (sandbox, client) = setup();

    // A late amend restores its price and total over the caller's next amend.
    let id = rest(&client, "0.20", 10);
    held_once(&sandbox, "/amend");
    client
        .amend_order(&id, &AmendOrder::new(T).bid().price("0.21").count(10))
        .expect("amended");
    client
        .amend_order(&id, &AmendOrder::new(T).bid().price("0.25").count(4))
        .expect("amended again");
    assert_eq!(release_one(&sandbox), 200);
    assert_eq!(
        shape(&order(&client, &id)),
        ("0.2100".into(), "0.00".into(), "10.00".into())
    );

    // A late reduce_to shrinks an order the caller grew since.
    let id = rest(&client, "0.20", 10);
    held_once(&sandbox, "/decrease");
    client
        .decrease_order(&id, &DecreaseOrder::new().reduce_to(5))
        .expect("decreased");
    client
        .amend_order(&id, &AmendOrder::new(T).bid().price("0.20").count(8))
        .expect("grown");
    assert_eq!(release_one(&sandbox), 200);
    assert_eq!(order(&client, &id).remaining_count_fp.to_string(), "5.00");
}

/// The limit, documented: no recipe settles a `reduce_by` whose answer was lost.
#[test]
fn a_late_reduce_by_shrinks_the_order_after_the_caller_read_it() {
    let (sandbox, client) = setup();
    let id = rest(&client, "0.20", 10);
    held_once(&sandbox, "/decrease");
    let error = client
        .decrease_order(&id, &DecreaseOrder::new().reduce_by(2))
        .expect_err("a reduce_by is not repeated after a lost answer");
    assert!(error.may_have_reached_exchange(), "{error:?}");
    assert_eq!(error.attempts(), 1);
    assert_eq!(order(&client, &id).remaining_count_fp.to_string(), "10.00");
    assert_eq!(release_one(&sandbox), 200);
    assert_eq!(order(&client, &id).remaining_count_fp.to_string(), "8.00");
}
