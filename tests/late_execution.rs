//! Requests the client gave up on, executed by the exchange afterwards
//! (`Fault::execute_late`), against the README's recipe for unknown outcomes: call
//! `create_order`; on `Error::OutcomeUnknown`, call `resolve_create`. Whatever the
//! delay and whether the client retries, every order must exist exactly once.
//!
//! The trials are randomized; the seed is printed so a failure can be replayed with
//! `KALSHI_LATE_SEED`. The delays make where a late request lands depend on timing (the
//! chaos test and `tests/late_writes.rs` choose it instead); what is asserted does not:
//! the test waits (bounded) until every late request has run, and every order one
//! placed must be the order the recipe returned. `KALSHI_LATE_TRIALS` runs more of
//! them (RELIABILITY.md has a long run).

use std::time::Duration;

use kalshi_portfolio::sandbox::{Fault, MarketSpec, Sandbox};
use kalshi_portfolio::{Client, Error, NewOrder, RetryPolicy};

const T: &str = "KXLATE-26-T1";

fn client(sandbox: &Sandbox, retries: bool) -> Client {
    let policy = if retries {
        RetryPolicy::default()
            .initial_backoff(Duration::from_millis(20))
            .max_backoff(Duration::from_millis(80))
    } else {
        RetryPolicy::none()
    };
    sandbox
        .client_builder()
        .timeout(Duration::from_millis(600))
        .retry_policy(policy)
        .build()
        .expect("client")
}

#[derive(Default, Debug)]
struct Tally {
    placed_at_once: usize,
    resolved_found: usize,
    resolved_placed: usize,
}

#[test]
fn every_order_exists_once_whatever_executes_late() {
    let seed = std::env::var("KALSHI_LATE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let trials: usize = std::env::var("KALSHI_LATE_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    println!("late-execution trials: {trials}, seed {seed} (replay with KALSHI_LATE_SEED)");
    let mut rng = fastrand::Rng::with_seed(seed);
    let sandbox = Sandbox::start().expect("sandbox");
    sandbox
        .create_market(MarketSpec::new(T, "KXLATE-26"))
        .expect("market");
    let mut tally = Tally::default();
    let mut ids = Vec::new();
    let mut order_ids = Vec::new();
    for trial in 0..trials {
        let delay = Duration::from_millis([0, 40, 250, 900][rng.usize(..4)]);
        let retries = rng.bool();
        sandbox.inject(Fault::execute_late(delay).path_contains("/portfolio/events/orders"));
        let client = client(&sandbox, retries);
        // Far from any liquidity: the order rests, so it can be counted.
        let price = format!("0.{:02}", 5 + trial % 40);
        let order = NewOrder::new(T).bid().price(price).count(1).post_only(true);
        let placed = match client.create_order(&order) {
            Ok(placed) => {
                tally.placed_at_once += 1;
                placed
            }
            Err(error @ Error::OutcomeUnknown { .. }) => {
                let id = error.client_order_ids()[0].clone();
                let existed = client
                    .find_order_by_client_order_id(T, &id)
                    .expect("lookup")
                    .is_some();
                let placed = client
                    .resolve_create_within(&order, &error, Duration::from_secs(3))
                    .unwrap_or_else(|e| panic!("trial {trial} (seed {seed}): {e}"));
                if existed {
                    tally.resolved_found += 1;
                } else {
                    tally.resolved_placed += 1;
                }
                placed
            }
            Err(other) => panic!("trial {trial} (seed {seed}, delay {delay:?}): {other}"),
        };
        ids.push(placed.client_order_id.expect("an id"));
        order_ids.push(placed.order_id);
    }
    // Every trial's first request executes late: wait (bounded) until all have, then
    // count. Each one that placed an order must be one the recipe returned.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sandbox.late_executions().len() < trials && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let late = sandbox.late_executions();
    assert_eq!(late.len(), trials, "every held request ran (seed {seed})");
    let placed_late: Vec<&str> = late
        .iter()
        .filter(|late| late.status == 201)
        .filter_map(|late| late.body["order_id"].as_str())
        .collect();
    for order_id in &placed_late {
        assert!(
            order_ids.iter().any(|returned| returned == order_id),
            "a late create placed {order_id}, which the recipe never returned (seed {seed})"
        );
    }
    let client = client(&sandbox, true);
    let orders: Vec<_> = client
        .get_orders()
        .ticker(T)
        .iter()
        .collect::<Result<_, _>>()
        .expect("orders");
    for id in &ids {
        let copies = orders.iter().filter(|o| &o.client_order_id == id).count();
        assert_eq!(
            copies, 1,
            "client_order_id {id}: {copies} orders (seed {seed})"
        );
    }
    assert_eq!(orders.len(), ids.len(), "no stray order (seed {seed})");
    println!(
        "{tally:?}; late executions {} (placed {}, refused {})",
        late.len(),
        placed_late.len(),
        late.len() - placed_late.len()
    );
}
