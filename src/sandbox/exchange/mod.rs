//! The sandbox's exchange: markets, one user account, a counterparty, matching and
//! accounting. Pure logic with no HTTP in it; the server keeps one [`Exchange`] behind a
//! mutex and every method takes the current time (Unix milliseconds) as an argument, so
//! the rules are unit-tested with a hand-driven clock.
//!
//! Each rule lives where its name says:
//!
//! * [`book`]: the book and matching (price-time priority, time in force, post-only,
//!   reduce-only, self-trade prevention, cancel, decrease, amend, expiry, queues);
//! * [`account`]: balance, positions, fees and settlements;
//! * [`groups`]: order groups and their rolling contract limit;
//! * [`reads`]: what the list and get operations select, their filters and cursors;
//! * [`wire`](mod@wire): the conversion of the records here to the spec's wire types.
//!
//! This file holds the records themselves, markets, and the checks every write shares.
//!
//! # Units
//!
//! Money is kept in integer micro-dollars (10⁻⁶ $) and counts in integer hundredths of
//! a contract, exactly like [`Dollars`] and [`Count`]; no floating point anywhere.
//! Tick sizes must be multiples of $0.0001 so that price × count is always a whole
//! number of micro-dollars.

mod account;
mod book;
mod groups;
mod markets;
mod reads;
#[cfg(test)]
mod tests;
mod wire;

use std::collections::{BTreeMap, HashMap};

use super::SandboxError;
use crate::money::{Count, Dollars};
use crate::price_rules::{PriceRange, PriceRules};

pub(crate) use markets::MarketFilter;
pub(crate) use reads::{FillFilter, OrderFilter, PositionFilter, SettlementFilter};
pub(crate) use wire::wire;

/// Micro-dollars per dollar.
const ONE: i64 = 1_000_000;
/// The rolling window of order group limits.
const GROUP_WINDOW_MS: i64 = 15_000;
/// Largest contracts limit of an order group, in hundredths (1,000,000 contracts).
const MAX_GROUP_LIMIT: i64 = 100_000_000;
/// Largest count of one order, in hundredths (1,000,000 contracts).
const MAX_ORDER_COUNT: i64 = 100_000_000;
/// The user id orders report.
const USER_ID: &str = "sandbox-user";

/// A side of the YES book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// Buy YES at the price.
    Bid,
    /// Sell YES at the price (buy NO at 1 − price).
    Ask,
}

/// How a market settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarketResult {
    /// YES contracts pay $1.
    Yes,
    /// NO contracts pay $1.
    No,
}

/// A market to create in the sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MarketSpec {
    /// The market ticker, e.g. `KXTEST-26-T50`.
    pub ticker: String,
    /// The event it belongs to, e.g. `KXTEST-26`.
    pub event_ticker: String,
    /// Price increment of a flat market; $0.01 by default. Must be a multiple of
    /// $0.0001 and below $1. Ignored when [`MarketSpec::price_rules`] is set.
    pub tick_size: Dollars,
    /// The market's price ranges, when not one flat tick. Every step must be a
    /// multiple of $0.0001.
    pub price_rules: Option<PriceRules>,
}

impl MarketSpec {
    /// A market with the default tick of $0.01 (`linear_cent`).
    pub fn new(ticker: impl Into<String>, event_ticker: impl Into<String>) -> Self {
        MarketSpec {
            ticker: ticker.into(),
            event_ticker: event_ticker.into(),
            tick_size: Dollars::from_micros(10_000),
            price_rules: None,
        }
    }

    /// One flat tick from $0 to $1 (and no other price ranges).
    pub fn tick_size(mut self, tick_size: Dollars) -> Self {
        self.tick_size = tick_size;
        self.price_rules = None;
        self
    }

    /// These price ranges, e.g. [`PriceRules::tapered_deci_cent`]: the market
    /// answers with them and refuses orders off them, as Kalshi does.
    pub fn price_rules(mut self, rules: PriceRules) -> Self {
        self.price_rules = Some(rules);
        self
    }
}

/// Time in force of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tif {
    Gtc,
    Ioc,
    Fok,
}

/// Self-trade prevention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stp {
    TakerAtCross,
    Maker,
}

/// A validated-for-shape order request (the exchange checks the rest).
#[derive(Clone, Debug)]
pub(crate) struct NewOrderReq {
    pub ticker: String,
    pub client_order_id: Option<String>,
    pub side: Side,
    pub price: i64,
    pub count: i64,
    pub tif: Tif,
    pub post_only: bool,
    pub reduce_only: bool,
    pub stp: Stp,
    pub expiration_s: Option<i64>,
    pub order_group_id: Option<String>,
    pub cancel_order_on_pause: bool,
}

/// An amend request.
#[derive(Clone, Debug)]
pub(crate) struct AmendReq {
    pub ticker: String,
    pub side: Side,
    pub price: i64,
    pub count: i64,
    pub client_order_id: Option<String>,
    pub updated_client_order_id: Option<String>,
    pub expiration_s: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    User,
    Counterparty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Resting,
    Canceled,
    Executed,
}

#[derive(Clone, Debug)]
struct OrderRec {
    id: String,
    owner: Owner,
    client_order_id: String,
    ticker: String,
    side: Side,
    price: i64,
    initial: i64,
    filled: i64,
    remaining: i64,
    status: Status,
    stp: Stp,
    group: Option<String>,
    expiration_ms: Option<i64>,
    created_ms: i64,
    updated_ms: i64,
    /// Creation order (listing, cursors).
    number: u64,
    /// Time priority in the book; renewed when an amend loses priority.
    priority: u64,
    taker_fees: i64,
    maker_fees: i64,
    taker_cost: i64,
    maker_cost: i64,
    /// Σ count × yes price of this order's fills, in micro-dollar hundredths.
    fill_value: i128,
    cancel_order_on_pause: bool,
}

#[derive(Clone, Debug)]
struct MarketRec {
    event_ticker: String,
    /// The prices orders may use: checked exactly as the order builders check them.
    rules: PriceRules,
    /// Creation order (listing, cursors).
    number: u64,
    result: Option<MarketResult>,
    /// Indices (into `orders`) of resting orders.
    resting: Vec<usize>,
}

#[derive(Clone, Debug)]
struct FillRec {
    number: u64,
    fill_id: String,
    trade_id: String,
    order_id: String,
    ticker: String,
    side: Side,
    count: i64,
    yes_price: i64,
    is_taker: bool,
    fee: i64,
    ts_ms: i64,
}

#[derive(Clone, Debug, Default)]
struct PositionRec {
    position: i64,
    basis: i64,
    total_traded: i64,
    traded_count: i64,
    realized: i64,
    fees: i64,
    updated_ms: i64,
}

#[derive(Clone, Debug)]
struct SettlementRec {
    number: u64,
    ticker: String,
    event_ticker: String,
    result: MarketResult,
    yes_count: i64,
    yes_cost: i64,
    no_count: i64,
    no_cost: i64,
    revenue_cents: i64,
    ts_ms: i64,
}

#[derive(Clone, Debug)]
struct GroupRec {
    id: String,
    limit: i64,
    triggered: bool,
    /// (time, contracts) of matches of the group's orders.
    window: Vec<(i64, i64)>,
}

/// What a create (or amend) did to an order.
#[derive(Clone, Debug)]
pub(crate) struct Placed {
    pub order_id: String,
    pub client_order_id: String,
    pub fill_count: i64,
    pub remaining: i64,
    pub average_price: Option<i64>,
    pub average_fee: Option<i64>,
}

/// What an amend did: `placed` counts only the fills the amend caused by crossing the
/// book. Kalshi reports the counts only when it filled or resized the order.
#[derive(Clone, Debug)]
pub(crate) struct Amended {
    pub placed: Placed,
    pub filled_or_resized: bool,
}

/// The whole exchange state for one account.
#[derive(Debug)]
pub(crate) struct Exchange {
    markets: BTreeMap<String, MarketRec>,
    orders: Vec<OrderRec>,
    order_index: HashMap<String, usize>,
    fills: Vec<FillRec>,
    settlements: Vec<SettlementRec>,
    positions: BTreeMap<String, PositionRec>,
    groups: Vec<GroupRec>,
    balance: i64,
    sequence: u64,
}

type Res<T> = Result<T, SandboxError>;

fn bad(code: &'static str, message: impl Into<String>) -> SandboxError {
    SandboxError::new(400, code, message)
}

fn not_found(code: &'static str, message: impl Into<String>) -> SandboxError {
    SandboxError::new(404, code, message)
}

/// The same refusal as a `400`, for operations whose spec lists no `404`.
fn as_bad_request(e: SandboxError) -> SandboxError {
    SandboxError::new(400, e.code, e.message)
}

/// price × count, exact (tick sizes are multiples of 100 micro-dollars).
fn notional(count: i64, price: i64) -> i64 {
    ((count as i128 * price as i128) / 100) as i64
}

/// What a fill of `count` at yes price `price` costs on `side`, per the side's price.
fn side_price(side: Side, price: i64) -> i64 {
    match side {
        Side::Bid => price,
        Side::Ask => ONE - price,
    }
}

fn dollars(micros: i64) -> Dollars {
    Dollars::from_micros(micros)
}

fn count(hundredths: i64) -> Count {
    Count::from_hundredths(hundredths)
}

impl Exchange {
    /// A fresh exchange with this balance (micro-dollars) and no markets.
    pub(crate) fn new(balance_micros: i64) -> Self {
        Exchange {
            markets: BTreeMap::new(),
            orders: Vec::new(),
            order_index: HashMap::new(),
            fills: Vec::new(),
            settlements: Vec::new(),
            positions: BTreeMap::new(),
            groups: Vec::new(),
            balance: balance_micros,
            sequence: 0,
        }
    }

    fn next(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    pub(crate) fn create_market(&mut self, spec: &MarketSpec) -> Res<()> {
        if spec.ticker.trim().is_empty() || spec.ticker.contains(',') {
            return Err(bad(
                "invalid_ticker",
                "a market ticker must be non-empty, without commas",
            ));
        }
        if spec.event_ticker.trim().is_empty() {
            return Err(bad("invalid_ticker", "the event ticker must not be empty"));
        }
        let rules = match &spec.price_rules {
            Some(rules) => rules.clone(),
            None => {
                let tick = spec.tick_size.as_micros();
                if tick <= 0 || tick >= ONE {
                    return Err(bad(
                        "invalid_tick_size",
                        format!("tick size {} must be in (0, 1)", spec.tick_size),
                    ));
                }
                PriceRules::new([PriceRange::new(Dollars::ZERO, Dollars::ONE, spec.tick_size)])
                    .map_err(|e| bad("invalid_tick_size", e.to_string()))?
            }
        };
        // Exact money: price × count must be whole micro-dollars.
        if let Some(range) = rules
            .ranges()
            .iter()
            .find(|r| r.step.as_micros() % 100 != 0 || r.start.as_micros() % 100 != 0)
        {
            return Err(bad(
                "invalid_tick_size",
                format!(
                    "price range {}..{} step {} must be on multiples of 0.0001",
                    range.start, range.end, range.step
                ),
            ));
        }
        if self.markets.contains_key(&spec.ticker) {
            return Err(SandboxError::new(
                409,
                "market_exists",
                format!("market {} already exists", spec.ticker),
            ));
        }
        let number = self.next();
        self.markets.insert(
            spec.ticker.clone(),
            MarketRec {
                event_ticker: spec.event_ticker.clone(),
                rules,
                number,
                result: None,
                resting: Vec::new(),
            },
        );
        Ok(())
    }

    fn market(&self, ticker: &str) -> Res<&MarketRec> {
        self.markets.get(ticker).ok_or_else(|| {
            not_found(
                "market_not_found",
                format!("no market with ticker {ticker:?}"),
            )
        })
    }

    fn check_market_open(&self, ticker: &str) -> Res<()> {
        if self.market(ticker)?.result.is_some() {
            return Err(bad("market_closed", format!("market {ticker} is settled")));
        }
        Ok(())
    }

    /// The market's price rules, the same [`PriceRules::check`] the order builders
    /// run, so an order the builders accept is accepted here and the other way round.
    fn check_price(&self, ticker: &str, price: i64) -> Res<()> {
        let rules = &self.market(ticker)?.rules;
        if price <= 0 || price >= ONE {
            return Err(bad(
                "invalid_price",
                format!("price {} must be strictly between 0 and 1", dollars(price)),
            ));
        }
        rules
            .check(dollars(price))
            .map_err(|reason| bad("invalid_price", format!("{ticker}: {reason}")))
    }

    fn user_order_idx(&self, order_id: &str) -> Res<usize> {
        self.order_index
            .get(order_id)
            .copied()
            .filter(|&idx| self.orders[idx].owner == Owner::User)
            .ok_or_else(|| not_found("order_not_found", format!("no order {order_id:?}")))
    }
}

fn check_count(count_h: i64) -> Res<()> {
    if count_h <= 0 {
        return Err(bad(
            "invalid_count",
            format!("count {} must be more than zero", count(count_h)),
        ));
    }
    if count_h > MAX_ORDER_COUNT {
        return Err(bad(
            "invalid_count",
            format!(
                "count {} exceeds the maximum of {}",
                count(count_h),
                count(MAX_ORDER_COUNT)
            ),
        ));
    }
    Ok(())
}
