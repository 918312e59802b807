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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use kalshi_portfolio::order_builders::TimeInForce;
use kalshi_portfolio::sandbox::{Fault, JournalEntry, LateExecution, MarketSpec, Sandbox, Side};
use kalshi_portfolio::types::{Order, OrderStatus};
use kalshi_portfolio::{
    AmendOrder, Client, Count, DecreaseOrder, Error, NewOrder, RateLimit, RetryPolicy,
};

/// The client's request timeout; injected delays are longer.
const TIMEOUT: Duration = Duration::from_millis(300);
/// An injected delay: the client gives up first.
const DELAY: Duration = Duration::from_millis(500);
const MAX_ATTEMPTS: u32 = 4;
/// `MAX_ATTEMPTS` as a request count.
const MAX: usize = MAX_ATTEMPTS as usize;
const DEFAULT_TRIALS: u64 = 12;
const OPERATIONS_PER_TRIAL: usize = 12;
/// Every write the client makes on orders goes under this path; reads do not.
const WRITE_PATH: &str = "/portfolio/events/orders";

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

// ------------------------------------------------------------------ faults

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FaultSpec {
    RateLimited(u64),
    ServerError(u16),
    Delay,
    DropAfterCommit,
    /// The connection is dropped at once and the request executed later, at `Release`.
    ExecuteLate(Release),
}

/// When the sandbox executes the requests a call's `ExecuteLate` faults hold. One
/// point per call, drawn with its script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Release {
    /// Just before the n-th API request after the held one, whichever that is: the
    /// call's retry or lookup, or the caller's own reads, resolve step or re-send
    /// (released when the caller has settled, if there are fewer).
    BeforeRequest(u32),
    /// After the call returned, before the caller does anything about its outcome
    /// (the resolve step finds it).
    AfterCall,
    /// After the caller has settled its view (resolved a create, read the order,
    /// re-sent a write as the README recommends): the late copy must change nothing.
    AfterSettle,
}

impl FaultSpec {
    fn fault(self) -> Fault {
        let fault = match self {
            FaultSpec::RateLimited(secs) => Fault::rate_limited(secs),
            FaultSpec::ServerError(status) => Fault::server_error(status),
            FaultSpec::Delay => Fault::delay(DELAY),
            FaultSpec::DropAfterCommit => Fault::drop_after_commit(),
            FaultSpec::ExecuteLate(Release::BeforeRequest(n)) => Fault::execute_before_request(n),
            FaultSpec::ExecuteLate(_) => Fault::execute_on_release(),
        };
        fault.path_contains(WRITE_PATH)
    }

    /// A 429 proves the exchange did nothing; every other fault leaves it unknown.
    fn certainly_no_effect(self) -> bool {
        matches!(self, FaultSpec::RateLimited(_))
    }

    fn label(self) -> &'static str {
        match self {
            FaultSpec::RateLimited(0) => "429(Retry-After 0)",
            FaultSpec::RateLimited(_) => "429(Retry-After 1)",
            FaultSpec::ServerError(_) => "5xx",
            FaultSpec::Delay => "delay>timeout",
            FaultSpec::DropAfterCommit => "drop_after_commit",
            FaultSpec::ExecuteLate(Release::BeforeRequest(_)) => "late(before a later request)",
            FaultSpec::ExecuteLate(Release::AfterCall) => "late(after the call)",
            FaultSpec::ExecuteLate(Release::AfterSettle) => "late(after the caller settled)",
        }
    }
}

fn random_fault(rng: &mut fastrand::Rng, release: Release) -> FaultSpec {
    match rng.u32(0..100) {
        0..=23 => FaultSpec::RateLimited(0),
        24..=25 => FaultSpec::RateLimited(1),
        26..=48 => FaultSpec::ServerError([500, 502, 503, 504][rng.usize(0..4)]),
        49..=59 => FaultSpec::Delay,
        60..=79 => FaultSpec::DropAfterCommit,
        _ => FaultSpec::ExecuteLate(release),
    }
}

/// The faults the next write requests of one call meet, in order; requests after the
/// script are answered normally. Every late fault of one call is released at the same
/// point.
fn random_script(rng: &mut fastrand::Rng) -> Vec<FaultSpec> {
    let faults = match rng.u32(0..100) {
        0..=44 => 0,
        45..=79 => 1,
        80..=93 => 2,
        94..=98 => 3,
        _ => 4,
    };
    let release = match rng.u32(0..10) {
        0..=3 => Release::BeforeRequest(rng.u32(1..=3)),
        4..=6 => Release::AfterCall,
        _ => Release::AfterSettle,
    };
    (0..faults).map(|_| random_fault(rng, release)).collect()
}

/// When the late faults of a script are released (`None`: it has none).
fn release_of(script: &[FaultSpec]) -> Option<Release> {
    script.iter().find_map(|fault| match fault {
        FaultSpec::ExecuteLate(release) => Some(*release),
        _ => None,
    })
}

/// How many requests the retry rules make for a call meeting `script`: a 429 is
/// always retried, any other fault only for an idempotent call, and an answered
/// request ends the call; at most `max_attempts` in all.
fn predicted_attempts(script: &[FaultSpec], idempotent: bool, max_attempts: usize) -> usize {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let retried = script
            .get(attempts - 1)
            .is_some_and(|fault| fault.certainly_no_effect() || idempotent);
        if !retried || attempts == max_attempts {
            return attempts;
        }
    }
}

fn is_write(entry: &JournalEntry) -> bool {
    entry.method != "GET" && entry.path.contains(WRITE_PATH)
}

/// `GET /portfolio/orders` (a list: the lookup after an unknown create outcome).
fn is_order_list(entry: &JournalEntry) -> bool {
    entry.method == "GET" && entry.path.ends_with("/portfolio/orders")
}

/// `GET /portfolio/orders/{id}` (the check after a refused cancel or decrease).
fn is_order_read(entry: &JournalEntry) -> bool {
    entry.method == "GET" && entry.path.contains("/portfolio/orders/")
}

// ------------------------------------------------------------------ figures

#[derive(Default)]
struct Stats {
    trials: u64,
    operations: BTreeMap<&'static str, u64>,
    faults: BTreeMap<&'static str, u64>,
    write_requests: u64,
    logical_writes: u64,
    max_requests_per_call: usize,
    /// Creates answered Ok after the client looked the order up.
    found_by_client_lookup: u64,
    /// Creates that failed with `may_have_reached_exchange()`, resolved by the test.
    ambiguous_creates: u64,
    ambiguous_creates_placed: u64,
    /// Orders of batch creates that failed with `may_have_reached_exchange()`: the
    /// client does not look them up, the test does.
    ambiguous_batch_items: u64,
    ambiguous_batch_items_placed: u64,
    /// Creates that failed although certainly not sent.
    unsent_creates: u64,
    /// Batch-create items refused as duplicates of an earlier attempt.
    batch_duplicate_items: u64,
    /// Batch-cancel items refused as not resting after an earlier attempt cancelled them.
    batch_cancel_refused_after_retry: u64,
    /// Items of batch cancels that failed as a whole whose order the client found not
    /// cancelled (`NOT_CANCELLED`).
    batch_cancel_items_not_cancelled: u64,
    /// Cancels and reduce_to decreases reported done after the client read the order.
    already_applied: u64,
    /// Amends whose answer the client completed or settled by reading the order.
    amends_read_back: u64,
    /// Cancels and batch-cancel items recovered that way whose `reduced_by`
    /// (initial − filled) exceeds the count that actually rested.
    reduced_by_overstated: u64,
    /// Order calls that failed, after which the caller re-read the order.
    resyncs: u64,
    /// Failed amends, `reduce_to`s and cancels (single or batch items) the caller sent
    /// again as the README recommends before reading the order.
    resent_writes: u64,
    /// Creates that failed with `Error::OutcomeUnknown`, settled by `resolve_create`
    /// (the order existed already / was placed by it); batch orders included.
    resolved_found: u64,
    resolved_placed: u64,
    /// Orders of batch creates answered `NOT_PLACED`, sent again with their id.
    not_placed_resent: u64,
    /// Requests the client gave up on that the sandbox executed afterwards: in all,
    /// by operation, and when (during the call, after it returned, after the caller
    /// settled its view); answered 2xx (applied) or refused.
    late_by_operation: BTreeMap<&'static str, u64>,
    late_during_call: u64,
    late_after_call: u64,
    late_after_settle: u64,
    late_applied: u64,
    late_refused: u64,
    /// Orders placed by a late create (single or batch item): reported by the call
    /// itself, or recovered by the resolve step (`resolve_create`, or the re-send of
    /// a `NOT_PLACED` item).
    late_creates_applied: u64,
    late_creates_reported: u64,
    late_creates_recovered: u64,
    /// Late `reduce_by`s (never safe to repeat, so no recipe can settle them):
    /// released before the caller read the order.
    late_reduce_by: u64,
    /// Orders placed by a late create that neither the call nor the resolve step
    /// reported.
    late_unaccounted: u64,
    duplicates: u64,
    losses: u64,
    mismatches: u64,
    retry_rule_violations: u64,
    failures: Vec<String>,
}

impl Stats {
    fn fail(&mut self, counter: fn(&mut Stats) -> &mut u64, message: String) {
        *counter(self) += 1;
        if self.failures.len() < 50 {
            self.failures.push(message);
        }
    }

    fn mismatch(&mut self, message: String) {
        self.fail(|s| &mut s.mismatches, message);
    }

    fn summary(&self, seed: u64, elapsed: Duration) -> String {
        let total: u64 = self.operations.values().sum();
        let ops: Vec<String> = self
            .operations
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let faults: Vec<String> = self
            .faults
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let late: Vec<String> = self
            .late_by_operation
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        format!(
            "chaos: seed={seed} trials={} operations={total} ({}) faults: {} (total {}); \
             write requests {} for {} calls = {} retries (max {} per call); \
             creates found by the client's lookup {}; ambiguous create errors resolved by \
             lookup {} (placed {}); orders of failed batch creates resolved by lookup {} \
             (placed {}); unsent create errors {}; batch duplicate items {}; \
             batch cancel items refused after retry {}; items of failed batch cancels \
             not cancelled {}; already-applied cancel/decrease {} \
             (reduced_by overstated {}); amends read back {}; resyncs after errors {}; \
             writes re-sent after errors {}; late executions {} ({}; during the call {}, \
             after it while the caller settled {}, after the caller settled {}; applied {}, \
             refused {}); orders \
             placed late {} (reported by the call {}, recovered by the resolve step {}, \
             unaccounted {}); late reduce_by {}; resolve_create found {} placed {}; \
             NOT_PLACED items re-sent {}; \
             duplicates={} losses={} mismatches={} retry_rule_violations={} in {:.1}s",
            self.trials,
            ops.join(", "),
            faults.join(", "),
            self.faults.values().sum::<u64>(),
            self.write_requests,
            self.logical_writes,
            self.write_requests - self.logical_writes,
            self.max_requests_per_call,
            self.found_by_client_lookup,
            self.ambiguous_creates,
            self.ambiguous_creates_placed,
            self.ambiguous_batch_items,
            self.ambiguous_batch_items_placed,
            self.unsent_creates,
            self.batch_duplicate_items,
            self.batch_cancel_refused_after_retry,
            self.batch_cancel_items_not_cancelled,
            self.already_applied,
            self.reduced_by_overstated,
            self.amends_read_back,
            self.resyncs,
            self.resent_writes,
            self.late_by_operation.values().sum::<u64>(),
            late.join(", "),
            self.late_during_call,
            self.late_after_call,
            self.late_after_settle,
            self.late_applied,
            self.late_refused,
            self.late_creates_applied,
            self.late_creates_reported,
            self.late_creates_recovered,
            self.late_unaccounted,
            self.late_reduce_by,
            self.resolved_found,
            self.resolved_placed,
            self.not_placed_resent,
            self.duplicates,
            self.losses,
            self.mismatches,
            self.retry_rule_violations,
            elapsed.as_secs_f64(),
        )
    }
}

// ------------------------------------------------------------------ the caller's view

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Belief {
    /// Resting with this many hundredths of a contract left.
    Resting(i64),
    /// Cancelled, executed, or never rested.
    Gone,
}

fn belief(remaining: Count) -> Belief {
    match remaining.as_hundredths() {
        0 => Belief::Gone,
        n => Belief::Resting(n),
    }
}

#[derive(Clone, Debug)]
struct Tracked {
    client_order_id: String,
    order_id: String,
    ticker: String,
    bid: bool,
    filled: i64,
    belief: Belief,
}

/// What one trial's caller knows.
struct Trial {
    number: u64,
    tickers: [String; 2],
    next_id: usize,
    placed: Vec<Tracked>,
    /// client_order_ids of creates the caller knows were not placed.
    absent: Vec<String>,
    /// A client that never retries: a quarter of the creates use it, so that more of
    /// them end in `Error::OutcomeUnknown` and go through the resolve step.
    once: Client,
}

impl Trial {
    /// The client for the next create, and how many attempts it makes at most.
    fn creating_client(&self, rng: &mut fastrand::Rng, retrying: &Client) -> (Client, usize) {
        if rng.u32(0..4) == 0 {
            (self.once.clone(), 1)
        } else {
            (retrying.clone(), MAX)
        }
    }

    fn resting(&self) -> Vec<usize> {
        (0..self.placed.len())
            .filter(|&i| matches!(self.placed[i].belief, Belief::Resting(_)))
            .collect()
    }

    /// One resting order at random: its index, a copy, and its believed remaining count
    /// in hundredths. Callers check that some order rests first.
    fn pick_resting(&self, rng: &mut fastrand::Rng) -> (usize, Tracked, i64) {
        let resting = self.resting();
        let index = resting[rng.usize(0..resting.len())];
        let tracked = self.placed[index].clone();
        let Belief::Resting(remaining) = tracked.belief else {
            unreachable!("picked among resting orders")
        };
        (index, tracked, remaining)
    }
}

/// A new order: bids at or below 0.45 and asks at or above 0.55, so the caller's own
/// orders never cross; on the liquid market 0.45 bids and 0.55 asks fill against the
/// counterparty (asks at 0.40, bids at 0.60) until it is used up.
fn random_order(rng: &mut fastrand::Rng, trial: &mut Trial) -> (NewOrder, String, String, bool) {
    trial.next_id += 1;
    let client_order_id = format!("chaos-{}-{}", trial.number, trial.next_id);
    let liquid = rng.bool();
    let ticker = trial.tickers[usize::from(!liquid)].clone();
    let (bid, cents) = match rng.u32(0..4) {
        0 if liquid => (true, 45),
        1 if liquid => (false, 55),
        0 | 2 => (true, rng.i64(2..=30)),
        _ => (false, rng.i64(70..=98)),
    };
    let mut order = NewOrder::new(ticker.clone())
        .price(format!("0.{cents:02}"))
        .count(rng.u32(1..=10))
        .client_order_id(client_order_id.clone());
    order = if bid { order.bid() } else { order.ask() };
    if rng.u32(0..100) < 15 {
        order = order.time_in_force(TimeInForce::ImmediateOrCancel);
    }
    (order, client_order_id, ticker, bid)
}

/// One logical call under a fault script: inject, run, read the journal, check the
/// number of requests against the retry rules, and count what fired. Late requests
/// due `AfterCall` run as it returns; the others stay held for their request or for
/// [`settle_late`].
fn under_faults<T>(
    sandbox: &Sandbox,
    stats: &mut Stats,
    context: &str,
    script: &[FaultSpec],
    (idempotent, max_attempts): (bool, usize),
    call: impl FnOnce() -> T,
) -> (T, Vec<JournalEntry>, LateCall) {
    sandbox.clear_faults();
    sandbox.clear_journal();
    sandbox.clear_late_executions();
    assert_eq!(
        sandbox.held_late(),
        0,
        "{context}: a late request left held"
    );
    for fault in script {
        sandbox.inject(fault.fault());
    }
    let outcome = call();
    let journal = sandbox.journal();
    sandbox.clear_faults();
    let late = LateCall {
        release: release_of(script),
        during: sandbox.late_executions().len(),
        held_at_return: sandbox.held_late(),
    };
    if late.release == Some(Release::AfterCall) {
        sandbox.release_late();
    }
    let writes = journal.iter().filter(|e| is_write(e)).count();
    let expected = predicted_attempts(script, idempotent, max_attempts);
    if writes != expected {
        stats.fail(
            |s| &mut s.retry_rule_violations,
            format!("{context}: {writes} write requests, expected {expected} for {script:?}"),
        );
    }
    for fault in &script[..writes.min(script.len())] {
        *stats.faults.entry(fault.label()).or_default() += 1;
    }
    stats.write_requests += writes as u64;
    stats.logical_writes += 1;
    stats.max_requests_per_call = stats.max_requests_per_call.max(writes);
    (outcome, journal, late)
}

/// What one call's late requests had done when it returned.
struct LateCall {
    release: Option<Release>,
    /// Late executions before the call returned.
    during: usize,
    /// Requests still held when it returned.
    held_at_return: usize,
}

/// Order ids of one create call's orders: those its answer reported, and those the
/// caller's resolve step recovered.
#[derive(Default)]
struct Learned {
    reported: HashSet<String>,
    recovered: HashSet<String>,
}

/// Which write a late request was.
fn late_operation(late: &LateExecution) -> &'static str {
    let path = late.path.as_str();
    match late.method.as_str() {
        "POST" if path.ends_with("/batched") => "batch_create",
        "DELETE" if path.ends_with("/batched") => "batch_cancel",
        "POST" if path.ends_with("/amend") => "amend",
        "POST" if path.ends_with("/decrease") => "decrease",
        "POST" => "create",
        _ => "cancel",
    }
}

/// The order ids a late create or batch create placed.
fn placed_late(late: &LateExecution) -> Vec<String> {
    if !(200..300).contains(&late.status) {
        return Vec::new();
    }
    let one = |value: &serde_json::Value| value["order_id"].as_str().map(str::to_string);
    match late_operation(late) {
        "create" => one(&late.body).into_iter().collect(),
        "batch_create" => late.body["orders"]
            .as_array()
            .map(|items| items.iter().filter_map(one).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Release what the call's faults still hold (due `AfterSettle`), count every late
/// execution of the call, and check that each order a late create placed reached the
/// caller: through the call's answer or the resolve step. Returns how many requests
/// ran after the caller settled, so the caller checks its view again.
fn settle_late(
    sandbox: &Sandbox,
    stats: &mut Stats,
    context: &str,
    late: &LateCall,
    learned: &Learned,
) -> usize {
    let after_settle = sandbox.release_late().len();
    let executions = sandbox.late_executions();
    stats.late_during_call += late.during as u64;
    stats.late_after_call += (executions.len() - late.during - after_settle) as u64;
    stats.late_after_settle += after_settle as u64;
    for execution in &executions {
        *stats
            .late_by_operation
            .entry(late_operation(execution))
            .or_default() += 1;
        if (200..300).contains(&execution.status) {
            stats.late_applied += 1;
        } else {
            stats.late_refused += 1;
        }
        for order_id in placed_late(execution) {
            stats.late_creates_applied += 1;
            if learned.reported.contains(&order_id) {
                stats.late_creates_reported += 1;
            } else if learned.recovered.contains(&order_id) {
                stats.late_creates_recovered += 1;
            } else {
                stats.fail(
                    |s| &mut s.late_unaccounted,
                    format!(
                        "{context}: a late {} placed {order_id}, which the caller never \
                         learned of ({:?})",
                        late_operation(execution),
                        late.release
                    ),
                );
            }
        }
    }
    after_settle
}

fn find_by_client_id(client: &Client, ticker: &str, client_order_id: &str) -> Option<Order> {
    client
        .get_orders()
        .ticker(ticker)
        .iter()
        .map(|order| order.expect("listing orders without faults"))
        .find(|order| order.client_order_id == client_order_id)
}

/// The exchange's order must be what the caller believes.
fn check_order(client: &Client, stats: &mut Stats, context: &str, tracked: &Tracked) {
    let order = client
        .get_order(&tracked.order_id)
        .expect("reading an order without faults");
    check_against(stats, context, tracked, &order);
}

fn check_against(stats: &mut Stats, context: &str, tracked: &Tracked, order: &Order) {
    let ok = match tracked.belief {
        Belief::Resting(remaining) => {
            order.status == OrderStatus::Resting
                && order.remaining_count_fp.as_hundredths() == remaining
        }
        Belief::Gone => order.status != OrderStatus::Resting,
    };
    if !ok || order.client_order_id != tracked.client_order_id {
        stats.mismatch(format!(
            "{context}: {} believed {:?}, exchange has {:?} with {} remaining (client id {})",
            tracked.client_order_id,
            tracked.belief,
            order.status,
            order.remaining_count_fp,
            order.client_order_id
        ));
    }
}

/// After a failed call the caller cannot know the order's state: it reads it.
fn resync(client: &Client, stats: &mut Stats, tracked: &mut Tracked) {
    stats.resyncs += 1;
    let order = client
        .get_order(&tracked.order_id)
        .expect("reading an order without faults");
    tracked.filled = order.fill_count_fp.as_hundredths();
    tracked.belief = if order.status == OrderStatus::Resting {
        Belief::Resting(order.remaining_count_fp.as_hundredths())
    } else {
        Belief::Gone
    };
}

/// An order the caller learned of through a lookup.
fn track_found(order: &Order, bid: bool) -> Tracked {
    Tracked {
        client_order_id: order.client_order_id.clone(),
        order_id: order.order_id.clone(),
        ticker: order.ticker.clone(),
        bid,
        filled: order.fill_count_fp.as_hundredths(),
        belief: if order.status == OrderStatus::Resting {
            Belief::Resting(order.remaining_count_fp.as_hundredths())
        } else {
            Belief::Gone
        },
    }
}

/// A create that failed without an unknown outcome: certainly unsent (must not
/// exist), or ambiguous (looked up by the test).
fn settle_failed_create(
    client: &Client,
    stats: &mut Stats,
    trial: &mut Trial,
    (client_order_id, ticker, bid): (&str, &str, bool),
    may_have_reached_exchange: bool,
    batch: bool,
) {
    if !may_have_reached_exchange {
        stats.unsent_creates += 1;
        trial.absent.push(client_order_id.to_string());
        return;
    }
    if batch {
        stats.ambiguous_batch_items += 1;
    } else {
        stats.ambiguous_creates += 1;
    }
    match find_by_client_id(client, ticker, client_order_id) {
        Some(order) => {
            if batch {
                stats.ambiguous_batch_items_placed += 1;
            } else {
                stats.ambiguous_creates_placed += 1;
            }
            trial.placed.push(track_found(&order, bid));
        }
        None => trial.absent.push(client_order_id.to_string()),
    }
}

/// The README's recipe for a create that failed with `Error::OutcomeUnknown`:
/// `resolve_create`, which finds the order or places it with the same id. Before it,
/// an order that already exists although nothing was held when the call returned is
/// a lookup the client missed (`ambiguous_creates_placed` must stay 0).
#[allow(clippy::too_many_arguments)]
fn resolve_unknown_create(
    client: &Client,
    stats: &mut Stats,
    trial: &mut Trial,
    learned: &mut Learned,
    context: &str,
    (order, client_order_id, ticker, bid): (&NewOrder, &str, &str, bool),
    error: &Error,
    late: &LateCall,
) {
    let existed = find_by_client_id(client, ticker, client_order_id);
    if existed.is_some() && late.held_at_return == 0 {
        stats.ambiguous_creates_placed += 1;
    }
    match client.resolve_create(order, error) {
        Ok(placed) => {
            if existed.is_some() {
                stats.resolved_found += 1;
            } else {
                stats.resolved_placed += 1;
            }
            learned.recovered.insert(placed.order_id.clone());
            let tracked = Tracked {
                client_order_id: client_order_id.to_string(),
                order_id: placed.order_id,
                ticker: ticker.to_string(),
                bid,
                filled: placed.fill_count.as_hundredths(),
                belief: belief(placed.remaining_count),
            };
            check_order(client, stats, context, &tracked);
            trial.placed.push(tracked);
        }
        Err(resolve) => {
            stats.fail(
                |s| &mut s.losses,
                format!("{context}: resolve_create of {client_order_id} failed: {resolve}"),
            );
            match find_by_client_id(client, ticker, client_order_id) {
                Some(order) => trial.placed.push(track_found(&order, bid)),
                None => trial.absent.push(client_order_id.to_string()),
            }
        }
    }
}

/// After a late request ran once the caller had settled its view, the orders it may
/// have touched must still be what the caller believes.
fn recheck(client: &Client, stats: &mut Stats, context: &str, trial: &Trial, indexes: &[usize]) {
    for &index in indexes {
        let context = format!("{context} (after a late execution)");
        check_order(client, stats, &context, &trial.placed[index]);
    }
}

fn op_create(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let (order, client_order_id, ticker, bid) = random_order(rng, trial);
    let script = random_script(rng);
    let (caller, max) = trial.creating_client(rng, client);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (true, max), || {
            caller.create_order(&order)
        });
    let mut learned = Learned::default();
    match result {
        Ok(placed) => {
            if journal.iter().any(is_order_list) {
                stats.found_by_client_lookup += 1;
            }
            if placed.client_order_id.as_deref() != Some(client_order_id.as_str()) {
                stats.mismatch(format!(
                    "{context}: create answered client id {:?}, sent {client_order_id}",
                    placed.client_order_id
                ));
            }
            learned.reported.insert(placed.order_id.clone());
            let tracked = Tracked {
                client_order_id,
                order_id: placed.order_id,
                ticker,
                bid,
                filled: placed.fill_count.as_hundredths(),
                belief: belief(placed.remaining_count),
            };
            check_order(client, stats, context, &tracked);
            trial.placed.push(tracked);
        }
        Err(error @ Error::OutcomeUnknown { .. }) => resolve_unknown_create(
            client,
            stats,
            trial,
            &mut learned,
            context,
            (&order, &client_order_id, &ticker, bid),
            &error,
            &late,
        ),
        Err(error) => {
            let reached = error.may_have_reached_exchange();
            settle_failed_create(
                client,
                stats,
                trial,
                (&client_order_id, &ticker, bid),
                reached,
                false,
            );
        }
    }
    settle_late(sandbox, stats, context, &late, &learned);
    // A late create after the caller settled is refused as a duplicate; the trial's
    // reconcile lists every order and finds any that was not.
}

fn op_batch_create(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let orders: Vec<_> = (0..rng.usize(2..=4))
        .map(|_| random_order(rng, trial))
        .collect();
    let requests: Vec<NewOrder> = orders.iter().map(|(order, ..)| order.clone()).collect();
    let script = random_script(rng);
    let (caller, max) = trial.creating_client(rng, client);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (true, max), || {
            caller.batch_create_orders(&requests)
        });
    let retried = journal.iter().filter(|e| is_write(e)).count() > 1;
    let mut learned = Learned::default();
    match result {
        Ok(items) => {
            if items.len() != orders.len() {
                stats.mismatch(format!(
                    "{context}: {} answers for {} orders",
                    items.len(),
                    orders.len()
                ));
                sandbox.release_late();
                return;
            }
            for ((order, client_order_id, ticker, bid), item) in orders.iter().zip(items) {
                if item.client_order_id.as_deref() != Some(client_order_id.as_str()) {
                    stats.mismatch(format!(
                        "{context}: item answered client id {:?}, sent {client_order_id}",
                        item.client_order_id
                    ));
                }
                match (&item.error, &item.order_id, &item.remaining_count) {
                    (None, Some(order_id), Some(remaining)) => {
                        learned.reported.insert(order_id.clone());
                        let tracked = Tracked {
                            client_order_id: client_order_id.clone(),
                            order_id: order_id.clone(),
                            ticker: ticker.clone(),
                            bid: *bid,
                            filled: item.fill_count.map_or(0, Count::as_hundredths),
                            belief: belief(*remaining),
                        };
                        check_order(client, stats, context, &tracked);
                        trial.placed.push(tracked);
                    }
                    (Some(error), ..) => {
                        let duplicate = error.code.as_deref() == Some("duplicate_client_order_id");
                        let not_placed =
                            error.code.as_deref() == Some(kalshi_portfolio::operations::NOT_PLACED);
                        if not_placed {
                            // The client looked the order up after a failed batch and
                            // did not find it; a request it gave up on may still place
                            // it. The recipe: send it again with the same id (placed
                            // now, or the late one's order returned), never twice.
                            stats.not_placed_resent += 1;
                            match client.create_order(order) {
                                Ok(placed) => {
                                    learned.recovered.insert(placed.order_id.clone());
                                    let tracked = Tracked {
                                        client_order_id: client_order_id.clone(),
                                        order_id: placed.order_id,
                                        ticker: ticker.clone(),
                                        bid: *bid,
                                        filled: placed.fill_count.as_hundredths(),
                                        belief: belief(placed.remaining_count),
                                    };
                                    check_order(client, stats, context, &tracked);
                                    trial.placed.push(tracked);
                                }
                                Err(error) => {
                                    stats.mismatch(format!(
                                        "{context}: {client_order_id} (not placed) sent \
                                         again: {error}"
                                    ));
                                    trial.absent.push(client_order_id.clone());
                                }
                            }
                        } else if duplicate && retried {
                            // The client looks refused items of a retried batch up
                            // itself; one still refused as a duplicate means its lookup
                            // missed, so check what the exchange holds.
                            stats.batch_duplicate_items += 1;
                            match find_by_client_id(client, ticker, client_order_id) {
                                Some(order) => trial.placed.push(track_found(&order, *bid)),
                                None => {
                                    stats.fail(
                                        |s| &mut s.losses,
                                        format!(
                                            "{context}: {client_order_id} refused as a \
                                             duplicate but not found"
                                        ),
                                    );
                                    trial.absent.push(client_order_id.clone());
                                }
                            }
                        } else {
                            stats.mismatch(format!(
                                "{context}: {client_order_id} refused: {error:?} (retried: \
                                 {retried})"
                            ));
                            trial.absent.push(client_order_id.clone());
                        }
                    }
                    _ => stats.mismatch(format!("{context}: incomplete item {item:?}")),
                }
            }
        }
        Err(error @ Error::OutcomeUnknown { .. }) => {
            // The README's recipe, order by order: each has its own id in the error.
            for (order, client_order_id, ticker, bid) in &orders {
                resolve_unknown_create(
                    client,
                    stats,
                    trial,
                    &mut learned,
                    context,
                    (order, client_order_id, ticker, *bid),
                    &error,
                    &late,
                );
            }
        }
        Err(error) => {
            let reached = error.may_have_reached_exchange();
            for (_, client_order_id, ticker, bid) in &orders {
                settle_failed_create(
                    client,
                    stats,
                    trial,
                    (client_order_id, ticker, *bid),
                    reached,
                    true,
                );
            }
        }
    }
    settle_late(sandbox, stats, context, &late, &learned);
}

/// The README's recipe after an amend, `reduce_to` or cancel fails: the request may
/// still execute, so send the same request again (each states its end state, so a
/// repeat is harmless) and read the order. A late copy then finds the order as it
/// asks and changes nothing, unless the caller changes the order first.
fn resend_then_resync(
    client: &Client,
    stats: &mut Stats,
    tracked: &mut Tracked,
    resend: impl FnOnce() -> bool,
) {
    stats.resent_writes += 1;
    let _ = resend();
    resync(client, stats, tracked);
}

fn op_amend(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let (index, tracked, _) = trial.pick_resting(rng);
    let cents = if tracked.bid {
        rng.i64(2..=45)
    } else {
        rng.i64(55..=98)
    };
    let total = tracked.filled + 100 * rng.i64(1..=10);
    let mut amend = AmendOrder::new(tracked.ticker.clone())
        .price(format!("0.{cents:02}"))
        .count(Count::from_hundredths(total));
    amend = if tracked.bid {
        amend.bid()
    } else {
        amend.ask()
    };
    let script = random_script(rng);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (true, MAX), || {
            client.amend_order(&tracked.order_id, &amend)
        });
    let order = &mut trial.placed[index];
    match result {
        Ok(amended) => {
            if journal.iter().any(is_order_read) {
                // Completed or settled by the client's read (after a retry or a lost
                // answer): fills of a lost attempt are not in the answer, so the
                // caller reads the order's total.
                stats.amends_read_back += 1;
                order.filled = client
                    .get_order(&order.order_id)
                    .expect("reading an order without faults")
                    .fill_count_fp
                    .as_hundredths();
            } else {
                // An amend answers with the fills it caused, if any.
                order.filled += amended.fill_count.map_or(0, Count::as_hundredths);
            }
            // Without counts the amend neither filled nor resized the order.
            if let Some(remaining) = amended.remaining_count {
                order.belief = belief(remaining);
            }
            let order = order.clone();
            check_order(client, stats, context, &order);
        }
        Err(_) => resend_then_resync(client, stats, order, || {
            client.amend_order(&tracked.order_id, &amend).is_ok()
        }),
    }
    if settle_late(sandbox, stats, context, &late, &Learned::default()) > 0 {
        recheck(client, stats, context, trial, &[index]);
    }
}

fn op_decrease(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let (index, tracked, remaining) = trial.pick_resting(rng);
    let reduce_to = rng.bool();
    let (decrease, expected) = if reduce_to {
        let to = 100 * rng.i64(0..remaining / 100);
        (
            DecreaseOrder::new().reduce_to(Count::from_hundredths(to)),
            to,
        )
    } else {
        let by = 100 * rng.i64(1..=remaining / 100);
        (
            DecreaseOrder::new().reduce_by(Count::from_hundredths(by)),
            (remaining - by).max(0),
        )
    };
    let script = random_script(rng);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (reduce_to, MAX), || {
            client.decrease_order(&tracked.order_id, &decrease)
        });
    let order = &mut trial.placed[index];
    match result {
        Ok(decreased) => {
            if journal.iter().any(is_order_read) {
                stats.already_applied += 1;
            }
            let got = decreased.remaining_count.as_hundredths();
            if got != expected {
                stats.mismatch(format!(
                    "{context}: decrease of {} answered {got} remaining, expected {expected}",
                    order.client_order_id
                ));
            }
            order.belief = belief(decreased.remaining_count);
            let order = order.clone();
            check_order(client, stats, context, &order);
        }
        Err(_) if reduce_to => resend_then_resync(client, stats, order, || {
            client.decrease_order(&tracked.order_id, &decrease).is_ok()
        }),
        Err(_) => {
            // A reduce_by cannot be repeated, and a late copy shrinks the order again
            // whenever it lands: no recipe settles it (RELIABILITY.md). The caller
            // here reads the order only once the held request has run.
            let released = sandbox.release_late().len();
            stats.late_reduce_by += released as u64;
            resync(client, stats, order);
        }
    }
    if settle_late(sandbox, stats, context, &late, &Learned::default()) > 0 {
        recheck(client, stats, context, trial, &[index]);
    }
}

/// A cancel's `reduced_by` against the count the caller believed resting. A cancel
/// recovered after a lost answer reports `initial − filled` (documented): at least the
/// resting count, more if the order was decreased before, which is counted, not failed.
fn check_reduced_by(
    stats: &mut Stats,
    context: &str,
    order: &Tracked,
    reduced_by: Count,
    recovered: bool,
) {
    let Belief::Resting(remaining) = order.belief else {
        return;
    };
    let reduced_by = reduced_by.as_hundredths();
    if recovered {
        stats.already_applied += 1;
    }
    if recovered && reduced_by > remaining {
        stats.reduced_by_overstated += 1;
    } else if reduced_by != remaining {
        stats.mismatch(format!(
            "{context}: cancel of {} reduced by {reduced_by}, {remaining} rested",
            order.client_order_id
        ));
    }
}

fn op_cancel(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let (index, tracked, _) = trial.pick_resting(rng);
    let script = random_script(rng);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (true, MAX), || {
            client.cancel_order(&tracked.order_id)
        });
    let order = &mut trial.placed[index];
    match result {
        Ok(cancelled) => {
            let recovered = journal.iter().any(is_order_read);
            check_reduced_by(stats, context, order, cancelled.reduced_by, recovered);
            order.belief = Belief::Gone;
            let order = order.clone();
            check_order(client, stats, context, &order);
        }
        Err(_) => resend_then_resync(client, stats, order, || {
            client.cancel_order(&tracked.order_id).is_ok()
        }),
    }
    if settle_late(sandbox, stats, context, &late, &Learned::default()) > 0 {
        recheck(client, stats, context, trial, &[index]);
    }
}

fn op_batch_cancel(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let mut resting = trial.resting();
    rng.shuffle(&mut resting);
    resting.truncate(rng.usize(2..=4));
    let ids: Vec<String> = resting
        .iter()
        .map(|&i| trial.placed[i].order_id.clone())
        .collect();
    let script = random_script(rng);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (true, MAX), || {
            client.batch_cancel_orders(ids.clone())
        });
    let retried = journal.iter().filter(|e| is_write(e)).count() > 1;
    match result {
        Ok(items) => {
            let answers: HashMap<String, _> = items
                .into_iter()
                .map(|item| (item.order_id.clone(), item))
                .collect();
            for &index in &resting {
                let order = &mut trial.placed[index];
                let Some(item) = answers.get(&order.order_id) else {
                    stats.mismatch(format!("{context}: no answer for {}", order.order_id));
                    resync(client, stats, order);
                    continue;
                };
                match &item.error {
                    None => {
                        // The client reads an order only to settle a lost answer.
                        let read = format!("/portfolio/orders/{}", order.order_id);
                        let recovered = journal
                            .iter()
                            .any(|e| is_order_read(e) && e.path.ends_with(&read));
                        check_reduced_by(stats, context, order, item.reduced_by, recovered);
                        order.belief = Belief::Gone;
                    }
                    Some(error)
                        if retried && error.code.as_deref() == Some("order_not_resting") =>
                    {
                        // An earlier attempt, whose answer was lost, cancelled it.
                        stats.batch_cancel_refused_after_retry += 1;
                        order.belief = Belief::Gone;
                    }
                    Some(error)
                        if error.code.as_deref()
                            == Some(kalshi_portfolio::operations::NOT_CANCELLED) =>
                    {
                        // The batch failed as a whole; the client read this order
                        // and found it not cancelled.
                        stats.batch_cancel_items_not_cancelled += 1;
                        let now = client
                            .get_order(&order.order_id)
                            .expect("reading an order without faults");
                        if now.status == OrderStatus::Canceled {
                            stats.mismatch(format!(
                                "{context}: {} reported not cancelled, but it is",
                                order.client_order_id
                            ));
                        }
                        let id = order.order_id.clone();
                        resend_then_resync(client, stats, order, || {
                            client.cancel_order(&id).is_ok()
                        });
                    }
                    Some(_) => {
                        let id = order.order_id.clone();
                        resend_then_resync(client, stats, order, || {
                            client.cancel_order(&id).is_ok()
                        });
                    }
                }
                let order = order.clone();
                check_order(client, stats, context, &order);
            }
        }
        Err(_) => {
            stats.resent_writes += 1;
            let _ = client.batch_cancel_orders(ids.clone());
            for &index in &resting {
                resync(client, stats, &mut trial.placed[index]);
            }
        }
    }
    if settle_late(sandbox, stats, context, &late, &Learned::default()) > 0 {
        recheck(client, stats, context, trial, &resting);
    }
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
