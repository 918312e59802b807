//! The chaos test's caller: what it believes about its orders, how it draws new ones,
//! and how it checks a belief against the exchange.

use kalshi_portfolio::order_builders::TimeInForce;
use kalshi_portfolio::types::{Order, OrderStatus};
use kalshi_portfolio::{Client, Count, NewOrder};

use super::faults::MAX;
use super::stats::Stats;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Belief {
    /// Resting with this many hundredths of a contract left.
    Resting(i64),
    /// Cancelled, executed, or never rested.
    Gone,
}

pub fn belief(remaining: Count) -> Belief {
    match remaining.as_hundredths() {
        0 => Belief::Gone,
        n => Belief::Resting(n),
    }
}

#[derive(Clone, Debug)]
pub struct Tracked {
    pub client_order_id: String,
    pub order_id: String,
    pub ticker: String,
    pub bid: bool,
    pub filled: i64,
    pub belief: Belief,
}

/// What one trial's caller knows.
pub struct Trial {
    pub number: u64,
    pub tickers: [String; 2],
    pub next_id: usize,
    pub placed: Vec<Tracked>,
    /// client_order_ids of creates the caller knows were not placed.
    pub absent: Vec<String>,
    /// A client that never retries: a quarter of the creates use it, so that more of
    /// them end in `Error::OutcomeUnknown` and go through the resolve step.
    pub once: Client,
}

impl Trial {
    /// The client for the next create, and how many attempts it makes at most.
    pub fn creating_client(&self, rng: &mut fastrand::Rng, retrying: &Client) -> (Client, usize) {
        if rng.u32(0..4) == 0 {
            (self.once.clone(), 1)
        } else {
            (retrying.clone(), MAX)
        }
    }

    pub fn resting(&self) -> Vec<usize> {
        (0..self.placed.len())
            .filter(|&i| matches!(self.placed[i].belief, Belief::Resting(_)))
            .collect()
    }

    /// One resting order at random: its index, a copy, and its believed remaining count
    /// in hundredths. Callers check that some order rests first.
    pub fn pick_resting(&self, rng: &mut fastrand::Rng) -> (usize, Tracked, i64) {
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
pub fn random_order(
    rng: &mut fastrand::Rng,
    trial: &mut Trial,
) -> (NewOrder, String, String, bool) {
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

pub fn find_by_client_id(client: &Client, ticker: &str, client_order_id: &str) -> Option<Order> {
    client
        .get_orders()
        .ticker(ticker)
        .iter()
        .map(|order| order.expect("listing orders without faults"))
        .find(|order| order.client_order_id == client_order_id)
}

/// The exchange's order must be what the caller believes.
pub fn check_order(client: &Client, stats: &mut Stats, context: &str, tracked: &Tracked) {
    let order = client
        .get_order(&tracked.order_id)
        .expect("reading an order without faults");
    check_against(stats, context, tracked, &order);
}

pub fn check_against(stats: &mut Stats, context: &str, tracked: &Tracked, order: &Order) {
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
pub fn resync(client: &Client, stats: &mut Stats, tracked: &mut Tracked) {
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
pub fn track_found(order: &Order, bid: bool) -> Tracked {
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
