//! Chaos test on the sandbox: many randomized trials of create, batch create, amend,
//! decrease, cancel and batch cancel, each write call hit by a random script of
//! injected faults (429 with `Retry-After` 0 or 1 s, 5xx, a delay longer than the
//! client's timeout, a response dropped after the exchange committed, and a request
//! dropped at once and executed late: before a later request of the call, after the
//! call returned, or after the caller settled its view). The caller follows the
//! README's recipes: `resolve_create` for a create whose outcome is unknown, the same
//! id again for a batch order answered `NOT_PLACED`, and the same amend, `reduce_to`
//! or cancel again after one failed. After every trial the exchange's orders must
//! equal the caller's view:
//!
//! * no duplicate: each client_order_id appears at most once among all orders;
//! * no loss: every create the caller believes succeeded exists, and every create that
//!   failed with `may_have_reached_exchange() == false` does not; a create that failed
//!   ambiguously is resolved by a lookup and counted apart;
//! * no order the caller believes cancelled (or otherwise gone) still rests, and the
//!   remaining count the caller believes after a successful create, amend or decrease
//!   is the exchange's;
//! * every logical write made exactly as many requests as the retry rules allow for
//!   its fault script (so a `reduce_by` is never repeated after an ambiguous failure);
//! * every order a late create placed reached the caller, through the call's answer or
//!   the resolve step, and a late amend, decrease or cancel that runs after the caller
//!   settled its view changes nothing.
//!
//! The default run is short. `KALSHI_CHAOS_TRIALS=<n>` runs more trials and
//! `KALSHI_CHAOS_SEED=<u64>` replays a seed (the seed is printed; retry jitter and
//! thread timing are not part of it, so a replay makes the same operations and faults).

#[path = "chaos/faults.rs"]
mod faults;
#[path = "chaos/late.rs"]
mod late;
#[path = "chaos/ops.rs"]
mod ops;
#[path = "chaos/stats.rs"]
mod stats;
#[path = "chaos/view.rs"]
mod view;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kalshi_portfolio::sandbox::{MarketSpec, Sandbox, Side};
use kalshi_portfolio::types::Order;
use kalshi_portfolio::{Client, Count, NewOrder, RateLimit, RetryPolicy};

use faults::{is_write, FaultSpec, DELAY, MAX_ATTEMPTS};
use ops::{op_amend, op_batch_cancel, op_batch_create, op_cancel, op_create, op_decrease};
use stats::Stats;
use view::{check_against, find_by_client_id, Trial};

/// The client's request timeout; injected delays are longer.
const TIMEOUT: Duration = Duration::from_millis(300);
const DEFAULT_TRIALS: u64 = 12;
const OPERATIONS_PER_TRIAL: usize = 12;

fn quick_policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(MAX_ATTEMPTS)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

fn chaos_client(sandbox: &Sandbox) -> Client {
    sandbox
        .client_builder()
        .timeout(TIMEOUT)
        .retry_policy(quick_policy())
        .build()
        .expect("client")
}

fn run_trial(
    sandbox: &Sandbox,
    (client, once): (&Client, &Client),
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
) {
    let number = stats.trials;
    stats.trials += 1;
    let event = format!("KXCHAOS-{number}");
    let tickers = [format!("{event}-LIQ"), format!("{event}-FAR")];
    for ticker in &tickers {
        sandbox
            .create_market(MarketSpec::new(ticker.clone(), event.clone()))
            .expect("market");
    }
    let count: Count = "12".parse().expect("count");
    sandbox
        .add_liquidity(
            &tickers[0],
            Side::Ask,
            "0.40".parse().expect("price"),
            count,
        )
        .expect("liquidity");
    sandbox
        .add_liquidity(
            &tickers[0],
            Side::Bid,
            "0.60".parse().expect("price"),
            count,
        )
        .expect("liquidity");
    let mut trial = Trial {
        number,
        tickers,
        next_id: 0,
        placed: Vec::new(),
        absent: Vec::new(),
        once: once.clone(),
    };
    for step in 0..OPERATIONS_PER_TRIAL {
        let resting = trial.resting().len();
        let pick = rng.u32(0..100);
        let kind = match pick {
            _ if resting == 0 => ["create", "batch_create"][usize::from(pick < 25)],
            0..=29 => "create",
            30..=39 => "batch_create",
            40..=54 => "amend",
            55..=74 => "decrease",
            75..=89 => "cancel",
            _ if resting >= 2 => "batch_cancel",
            _ => "cancel",
        };
        *stats.operations.entry(kind).or_default() += 1;
        let context = format!("trial {number} step {step} {kind}");
        let op = match kind {
            "create" => op_create,
            "batch_create" => op_batch_create,
            "amend" => op_amend,
            "decrease" => op_decrease,
            "cancel" => op_cancel,
            _ => op_batch_cancel,
        };
        op(sandbox, client, rng, stats, &mut trial, &context);
    }
    reconcile(client, stats, &trial);
    client.cancel_all_orders().expect("cleanup without faults");
}

/// The exchange's orders, listed in full, against everything the caller believes.
fn reconcile(client: &Client, stats: &mut Stats, trial: &Trial) {
    let context = format!("trial {} reconcile", trial.number);
    let mut listed: HashMap<String, Vec<Order>> = HashMap::new();
    for ticker in &trial.tickers {
        for order in client.get_orders().ticker(ticker).limit(1000).iter() {
            let order = order.expect("listing orders without faults");
            listed
                .entry(order.client_order_id.clone())
                .or_default()
                .push(order);
        }
    }
    for (client_order_id, orders) in &listed {
        if orders.len() > 1 {
            stats.fail(
                |s| &mut s.duplicates,
                format!("{context}: {client_order_id} placed {} times", orders.len()),
            );
        }
    }
    for tracked in &trial.placed {
        match listed.get(&tracked.client_order_id) {
            None => stats.fail(
                |s| &mut s.losses,
                format!("{context}: {} is missing", tracked.client_order_id),
            ),
            Some(orders) => {
                if orders[0].order_id != tracked.order_id {
                    stats.mismatch(format!(
                        "{context}: {} has order id {}, caller has {}",
                        tracked.client_order_id, orders[0].order_id, tracked.order_id
                    ));
                }
                check_against(stats, &context, tracked, &orders[0]);
            }
        }
    }
    for client_order_id in &trial.absent {
        if listed.contains_key(client_order_id) {
            stats.mismatch(format!(
                "{context}: {client_order_id} exists although its create was not placed"
            ));
        }
    }
    let known = trial.placed.len() + trial.absent.len();
    let tracked_ids: std::collections::HashSet<&str> = trial
        .placed
        .iter()
        .map(|t| t.client_order_id.as_str())
        .chain(trial.absent.iter().map(String::as_str))
        .collect();
    if tracked_ids.len() != known {
        stats.mismatch(format!("{context}: a client_order_id was tracked twice"));
    }
    for client_order_id in listed.keys() {
        if !tracked_ids.contains(client_order_id.as_str()) {
            stats.mismatch(format!(
                "{context}: {client_order_id} exists but the caller never heard of it"
            ));
        }
    }
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a number")),
    )
}

#[test]
fn chaos_exchange_state_equals_the_callers_view() {
    let trials = env_number("KALSHI_CHAOS_TRIALS").unwrap_or(DEFAULT_TRIALS);
    let seed = env_number("KALSHI_CHAOS_SEED").unwrap_or_else(|| fastrand::u64(..));
    println!("chaos: seed={seed} trials={trials} (replay with KALSHI_CHAOS_SEED={seed})");
    let mut rng = fastrand::Rng::with_seed(seed);
    let sandbox = Sandbox::start().expect("sandbox");
    // Resting orders hold balance; the chaos is about retries, not money.
    sandbox.set_balance_cents(1_000_000_000);
    let client = chaos_client(&sandbox);
    let once = sandbox
        .client_builder()
        .timeout(TIMEOUT)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let started = Instant::now();
    let mut stats = Stats::default();
    for _ in 0..trials {
        run_trial(&sandbox, (&client, &once), &mut rng, &mut stats);
    }
    let summary = stats.summary(seed, started.elapsed());
    println!("{summary}");
    for failure in &stats.failures {
        println!("  {failure}");
    }
    // The retry-rule count assumes every unfaulted request answers within the 300 ms
    // timeout. On a loaded machine one may not, and the client then (correctly)
    // retries once more than predicted; so that count is asserted only on request
    // (KALSHI_CHAOS_STRICT_TIMING=1, as in the recorded long run). The money
    // invariants hold whatever the timing and are always asserted.
    let strict_timing = std::env::var_os("KALSHI_CHAOS_STRICT_TIMING").is_some();
    let retry_rule_violations = if strict_timing {
        stats.retry_rule_violations
    } else {
        0
    };
    assert_eq!(
        (
            stats.duplicates,
            stats.losses,
            stats.mismatches,
            retry_rule_violations,
            // Lookups are never faulted here, so create_order's own lookup finds every
            // order an ambiguous create placed: none may come back as an error. (A
            // failed batch create is looked up too, and counted separately.)
            stats.ambiguous_creates_placed,
        ),
        (0, 0, 0, 0, 0),
        "{summary}\nreplay with KALSHI_CHAOS_SEED={seed}\n{}",
        stats.failures.join("\n")
    );
}

// ------------------------------------------------------------------ regressions

/// A create whose first answer was lost and whose retries were then all rate
/// limited ends with a 429: the order exists, so the client must look it up and
/// report it rather than return the 429.
#[test]
fn a_create_whose_retries_end_in_429_after_a_lost_answer_is_found() {
    let sandbox = Sandbox::start().expect("sandbox");
    sandbox
        .create_market(MarketSpec::new("KXREG-26-T1", "KXREG-26"))
        .expect("market");
    let client = chaos_client(&sandbox);
    sandbox.inject(FaultSpec::DropAfterCommit.fault());
    sandbox.inject(FaultSpec::RateLimited(0).fault().times(3));
    let placed = client
        .create_order(
            &NewOrder::new("KXREG-26-T1")
                .bid()
                .price("0.20")
                .count(3u32)
                .client_order_id("reg-429-after-drop"),
        )
        .expect("the order the first attempt placed is reported");
    assert_eq!(
        placed.client_order_id.as_deref(),
        Some("reg-429-after-drop")
    );
    let writes = sandbox.journal().iter().filter(|e| is_write(e)).count();
    assert_eq!(writes, 4, "one commit, three 429s");
    let found = find_by_client_id(&client, "KXREG-26-T1", "reg-429-after-drop")
        .expect("placed exactly once");
    assert_eq!(found.order_id, placed.order_id);
    assert_eq!(client.get_orders().iter().count(), 1);
}

/// Pacing to a tier's budget: calls wait for their budget and are signed after the
/// wait (the sandbox's timestamp window is shorter than the 1 s and 2 s waits, so a signature made
/// before waiting would be refused as stale), and a batch costs one write per order.
#[test]
fn paced_calls_are_signed_after_their_wait_and_a_batch_costs_each_order() {
    let sandbox = Sandbox::builder()
        .timestamp_window(Duration::from_millis(900))
        .start()
        .expect("sandbox");
    sandbox
        .create_market(MarketSpec::new("KXPACE-26-T1", "KXPACE-26"))
        .expect("market");
    let client = sandbox
        .client_builder()
        .rate_limit(RateLimit::custom(1, 2))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");

    // One read a second, a second's worth at once: waits of 0, 1 and 2 s.
    let started = Instant::now();
    for _ in 0..3 {
        client
            .get_balance()
            .expect("signed after the wait, inside the timestamp window");
    }
    assert!(started.elapsed() >= Duration::from_millis(1900));

    // Two writes a second: a batch of four takes two seconds of budget, so it waits
    // 1 s past the one-second burst, and the create after it 0.5 s more. Were the
    // batch one write, neither would wait.
    let order = |n: u32| {
        NewOrder::new("KXPACE-26-T1")
            .bid()
            .price("0.10")
            .count(1u32)
            .client_order_id(format!("pace-{n}"))
    };
    let started = Instant::now();
    let batch: Vec<NewOrder> = (0..4).map(order).collect();
    let items = client.batch_create_orders(&batch).expect("batch");
    assert!(items.iter().all(|item| item.error.is_none()), "{items:?}");
    client.create_order(&order(4)).expect("create");
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "a batch of four must cost four writes: {:?}",
        started.elapsed()
    );
    assert_eq!(
        sandbox.journal().len(),
        5,
        "no request was refused and retried"
    );
}

/// The chaos test relies on this: the sandbox drops a delayed request together with
/// the connection the client closed when it timed out, so the request is never
/// executed later (a real exchange may still execute it; see RELIABILITY.md).
#[test]
fn a_delayed_request_the_client_gave_up_on_is_not_executed_later() {
    let sandbox = Sandbox::start().expect("sandbox");
    sandbox
        .create_market(MarketSpec::new("KXLATE-26-T1", "KXLATE-26"))
        .expect("market");
    let client = sandbox
        .client_builder()
        .timeout(TIMEOUT)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    sandbox.inject(FaultSpec::Delay.fault());
    let error = client
        .create_order(
            &NewOrder::new("KXLATE-26-T1")
                .bid()
                .price("0.10")
                .count(1u32)
                .client_order_id("late-1"),
        )
        .expect_err("timed out");
    assert!(error.may_have_reached_exchange(), "{error:?}");
    std::thread::sleep(DELAY + Duration::from_millis(200));
    assert!(find_by_client_id(&client, "KXLATE-26-T1", "late-1").is_none());
}
