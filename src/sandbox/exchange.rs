//! The sandbox's exchange: markets, one user account, a counterparty, matching and
//! accounting. Pure logic with no HTTP in it; the server keeps one [`Exchange`] behind a
//! mutex and every method takes the current time (Unix milliseconds) as an argument, so
//! the rules below are unit-tested with a hand-driven clock.
//!
//! # Units
//!
//! Money is kept in integer micro-dollars (10⁻⁶ $) and counts in integer hundredths of
//! a contract, exactly like [`Dollars`] and [`Count`]; no floating point anywhere.
//! Tick sizes must be multiples of $0.0001 so that price × count is always a whole
//! number of micro-dollars.
//!
//! # Matching
//!
//! There is one book per market, the YES book. A `bid` buys YES at its price and
//! matches resting asks priced at or below it; an `ask` sells YES (buys NO at
//! 1 − price) and matches resting bids priced at or above it. Matches happen at the
//! resting (maker) order's price, best price first, then oldest first (price-time
//! priority). `good_till_canceled` rests the remainder, `immediate_or_cancel` cancels
//! it, `fill_or_kill` either fills completely or is canceled without any fill (the
//! create call still succeeds, with `fill_count` 0). `post_only` orders that would
//! cross are refused (`400 post_only_cross`). `reduce_only` needs
//! `immediate_or_cancel` and its count is capped at the position it reduces (a bid
//! reduces a NO position, an ask a YES position); with nothing to reduce it is refused
//! (`400 reduce_only_no_position`).
//!
//! Self-trade prevention applies between the user's own orders:
//! `taker_at_cross` cancels the rest of the incoming order when it reaches one of the
//! user's resting orders; `maker` cancels that resting order and keeps matching.
//! Counterparty liquidity (added through the admin API) can also take: liquidity that
//! crosses the user's resting orders fills them, which is how user orders get maker
//! fills.
//!
//! An order whose `expiration_time` (Unix seconds) has passed is canceled the next time
//! the exchange is asked anything.
//!
//! # Money rules
//!
//! * Buying YES (a bid fill) costs the price per contract; buying NO (an ask fill)
//!   costs 1 − price. A fill that reduces an opposite position pays out instead: a
//!   YES + NO pair is worth $1, so a bid that closes NO contracts pays 1 − price per
//!   contract and an ask that closes YES contracts pays the price.
//! * Taker fee per fill: `0.07 × count × price × (1 − price)`, rounded **up** to the
//!   cent. Makers pay no fee.
//! * An order is refused with `400 insufficient_balance` when the worst case of what
//!   it can cost (its opening part at its limit price, plus the taker fee on the whole
//!   count) exceeds the balance minus the value of the user's other resting orders.
//!   Resting orders do not move the balance; fills do.
//! * Settlement (admin): each winning contract pays $1, losing contracts pay nothing;
//!   `revenue` is the payout in cents; the position closes; resting orders of the
//!   market (everyone's) are canceled; a settlement record is written when the user
//!   ever held or traded the market.
//! * Positions: `position_fp` is signed (YES positive, NO negative);
//!   `market_exposure_dollars` is the cost basis of the open position;
//!   `total_traded_dollars` the sum of what fills cost on the user's side (price for
//!   bids, 1 − price for asks); `realized_pnl_dollars` is proceeds minus cost basis of
//!   closed contracts (fees excluded; they are in `fees_paid_dollars`).
//! * `balance` is reported in whole cents rounded down (`balance_dollars` is exact);
//!   `portfolio_value` is the cost basis of open positions in cents (the sandbox has
//!   no market data to mark them); resting order value is rounded up to the cent.
//!
//! # Order groups
//!
//! A group allows at most `contracts_limit` contracts to match across its orders in
//! any rolling 15-second window. A match is capped at the room left; reaching the
//! limit triggers the group: its resting orders are canceled and new orders in it are
//! refused (`400 order_group_triggered`) until it is reset. Deleting a group cancels
//! its orders.

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};

use super::SandboxError;
use crate::money::{Count, Dollars};
use crate::types;

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

impl Side {
    fn book_side(self) -> types::BookSide {
        match self {
            Side::Bid => types::BookSide::Bid,
            Side::Ask => types::BookSide::Ask,
        }
    }
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
pub struct MarketSpec {
    /// The market ticker, e.g. `KXTEST-26-T50`.
    pub ticker: String,
    /// The event it belongs to, e.g. `KXTEST-26`.
    pub event_ticker: String,
    /// Price increment; $0.01 by default. Must be a multiple of $0.0001 and below $1.
    pub tick_size: Dollars,
}

impl MarketSpec {
    /// A market with the default tick of $0.01.
    pub fn new(ticker: impl Into<String>, event_ticker: impl Into<String>) -> Self {
        MarketSpec {
            ticker: ticker.into(),
            event_ticker: event_ticker.into(),
            tick_size: Dollars::from_micros(10_000),
        }
    }

    /// Use another tick size.
    pub fn tick_size(mut self, tick_size: Dollars) -> Self {
        self.tick_size = tick_size;
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
    tick: i64,
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

/// Average fill price and fee per contract (in micro-dollars) of `filled` hundredths
/// worth `value` in all with `fees` paid, if anything filled.
fn averages(filled: i64, value: i128, fees: i64) -> (Option<i64>, Option<i64>) {
    if filled > 0 {
        (
            Some((value / filled as i128) as i64),
            Some((fees as i128 * 100 / filled as i128) as i64),
        )
    } else {
        (None, None)
    }
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

/// The taker fee of one fill: 0.07 × count × p × (1 − p), rounded up to the cent.
pub(crate) fn taker_fee(count: i64, price: i64) -> i64 {
    let numerator = 7i128 * count as i128 * price as i128 * (ONE - price) as i128;
    let denominator = 100_000_000_000_000i128; // → cents
    let cents = (numerator + denominator - 1) / denominator;
    cents as i64 * 10_000
}

/// What a fill of `count` at yes price `price` costs on `side`, per the side's price.
fn side_price(side: Side, price: i64) -> i64 {
    match side {
        Side::Bid => price,
        Side::Ask => ONE - price,
    }
}

fn millis_to_time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

fn dollars(micros: i64) -> Dollars {
    Dollars::from_micros(micros)
}

fn count(hundredths: i64) -> Count {
    Count::from_hundredths(hundredths)
}

fn cents_down(micros: i64) -> i64 {
    micros.div_euclid(10_000)
}

fn cents_up(micros: i64) -> i64 {
    -(-micros).div_euclid(10_000)
}

/// Opaque cursors: base64 of `kind:number`.
pub(crate) fn encode_cursor(kind: &str, key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{key}"))
}

pub(crate) fn decode_cursor(kind: &str, cursor: &str) -> Res<String> {
    let invalid = || {
        bad(
            "invalid_cursor",
            format!("cursor {cursor:?} is not valid here"),
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let key = text
        .strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix(':'))
        .ok_or_else(invalid)?;
    Ok(key.to_string())
}

fn decode_number_cursor(kind: &str, cursor: Option<&str>) -> Res<Option<u64>> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(cursor) => decode_cursor(kind, cursor)?.parse().map(Some).map_err(|_| {
            bad(
                "invalid_cursor",
                format!("cursor {cursor:?} is not valid here"),
            )
        }),
    }
}

/// Filters of the order list.
#[derive(Clone, Debug, Default)]
pub(crate) struct OrderFilter {
    pub ticker: Option<String>,
    pub event_tickers: Option<Vec<String>>,
    pub min_ts: Option<i64>,
    pub max_ts: Option<i64>,
    pub status: Option<String>,
}

/// Filters of the fill list.
#[derive(Clone, Debug, Default)]
pub(crate) struct FillFilter {
    pub tickers: Option<Vec<String>>,
    pub order_id: Option<String>,
    pub min_ts: Option<i64>,
    pub max_ts: Option<i64>,
}

/// Filters of the settlement list.
#[derive(Clone, Debug, Default)]
pub(crate) struct SettlementFilter {
    pub ticker: Option<String>,
    pub event_ticker: Option<String>,
    pub min_ts: Option<i64>,
    pub max_ts: Option<i64>,
}

/// Filters of the position list.
#[derive(Clone, Debug, Default)]
pub(crate) struct PositionFilter {
    pub ticker: Option<String>,
    pub event_ticker: Option<String>,
    pub count_filter: Vec<String>,
    /// `unsettled` (default), `settled` or `all`.
    pub settlement_status: Option<String>,
}

/// A page of anything, with the cursor of the next page (empty on the last).
#[derive(Debug)]
pub(crate) struct Paged<T> {
    pub items: Vec<T>,
    pub cursor: String,
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

    // ---------------------------------------------------------------- admin

    pub(crate) fn create_market(&mut self, spec: &MarketSpec) -> Res<()> {
        let tick = spec.tick_size.as_micros();
        if spec.ticker.trim().is_empty() || spec.ticker.contains(',') {
            return Err(bad(
                "invalid_ticker",
                "a market ticker must be non-empty, without commas",
            ));
        }
        if spec.event_ticker.trim().is_empty() {
            return Err(bad("invalid_ticker", "the event ticker must not be empty"));
        }
        if tick <= 0 || tick >= ONE || tick % 100 != 0 {
            return Err(bad(
                "invalid_tick_size",
                format!(
                    "tick size {} must be in (0, 1) and a multiple of 0.0001",
                    spec.tick_size
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
        self.markets.insert(
            spec.ticker.clone(),
            MarketRec {
                event_ticker: spec.event_ticker.clone(),
                tick,
                result: None,
                resting: Vec::new(),
            },
        );
        Ok(())
    }

    pub(crate) fn set_balance(&mut self, micros: i64) {
        self.balance = micros;
    }

    #[cfg(test)]
    pub(crate) fn balance_micros(&self) -> i64 {
        self.balance
    }

    /// Counterparty liquidity: a good-till-canceled order of the counterparty
    /// account. It matches whatever it crosses (including the user's resting orders).
    pub(crate) fn add_liquidity(
        &mut self,
        ticker: &str,
        side: Side,
        price: i64,
        count: i64,
        now: i64,
    ) -> Res<String> {
        self.expire(now);
        self.check_market_open(ticker)?;
        self.check_price(ticker, price)?;
        check_count(count)?;
        let idx = self.insert_order(
            Owner::Counterparty,
            &NewOrderReq {
                ticker: ticker.to_string(),
                client_order_id: None,
                side,
                price,
                count,
                tif: Tif::Gtc,
                post_only: false,
                reduce_only: false,
                stp: Stp::TakerAtCross,
                expiration_s: None,
                order_group_id: None,
                cancel_order_on_pause: false,
            },
            count,
            now,
        );
        self.match_order(idx, now);
        self.finish(idx, Tif::Gtc, now);
        Ok(self.orders[idx].id.clone())
    }

    pub(crate) fn settle_market(
        &mut self,
        ticker: &str,
        result: MarketResult,
        now: i64,
    ) -> Res<()> {
        self.expire(now);
        let market = self
            .markets
            .get(ticker)
            .ok_or_else(|| not_found("market_not_found", format!("no market {ticker}")))?;
        if market.result.is_some() {
            return Err(bad(
                "market_settled",
                format!("market {ticker} is already settled"),
            ));
        }
        let event_ticker = market.event_ticker.clone();
        let resting = market.resting.clone();
        for idx in resting {
            self.cancel_idx(idx, now);
        }
        if let Some(market) = self.markets.get_mut(ticker) {
            market.result = Some(result);
        }
        if let Some(position) = self.positions.get_mut(ticker) {
            let held = position.position;
            let basis = position.basis;
            let (yes_count, yes_cost, no_count, no_cost) = if held >= 0 {
                (held, basis, 0, 0)
            } else {
                (0, 0, -held, basis)
            };
            let payout_micros = match result {
                MarketResult::Yes => yes_count * ONE / 100,
                MarketResult::No => no_count * ONE / 100,
            };
            position.realized += payout_micros - basis;
            position.position = 0;
            position.basis = 0;
            position.updated_ms = now;
            self.balance = self.balance.saturating_add(payout_micros);
            let number = {
                self.sequence += 1;
                self.sequence
            };
            self.settlements.push(SettlementRec {
                number,
                ticker: ticker.to_string(),
                event_ticker,
                result,
                yes_count,
                yes_cost,
                no_count,
                no_cost,
                revenue_cents: payout_micros / 10_000,
                ts_ms: now,
            });
        }
        Ok(())
    }

    // ---------------------------------------------------------------- checks

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

    fn check_price(&self, ticker: &str, price: i64) -> Res<()> {
        let tick = self.market(ticker)?.tick;
        if price <= 0 || price >= ONE {
            return Err(bad(
                "invalid_price",
                format!("price {} must be strictly between 0 and 1", dollars(price)),
            ));
        }
        if price % tick != 0 {
            return Err(bad(
                "invalid_price",
                format!(
                    "price {} is not on the market's tick of {}",
                    dollars(price),
                    dollars(tick)
                ),
            ));
        }
        Ok(())
    }

    fn user_resting(&self) -> impl Iterator<Item = &OrderRec> {
        self.markets
            .values()
            .flat_map(|m| m.resting.iter())
            .map(|&idx| &self.orders[idx])
            .filter(|o| o.owner == Owner::User)
    }

    /// Value of the user's resting orders, in micro-dollars.
    fn resting_value(&self) -> i64 {
        self.user_resting()
            .map(|o| notional(o.remaining, side_price(o.side, o.price)))
            .sum()
    }

    fn group_index(&self, id: &str) -> Res<usize> {
        self.groups
            .iter()
            .position(|g| g.id == id)
            .ok_or_else(|| not_found("order_group_not_found", format!("no order group {id:?}")))
    }

    fn group_room(&mut self, gi: usize, now: i64) -> i64 {
        let group = &mut self.groups[gi];
        group.window.retain(|(t, _)| now - *t < GROUP_WINDOW_MS);
        let used: i64 = group.window.iter().map(|(_, c)| c).sum();
        (group.limit - used).max(0)
    }

    fn user_order_idx(&self, order_id: &str) -> Res<usize> {
        self.order_index
            .get(order_id)
            .copied()
            .filter(|&idx| self.orders[idx].owner == Owner::User)
            .ok_or_else(|| not_found("order_not_found", format!("no order {order_id:?}")))
    }

    // ---------------------------------------------------------------- orders

    /// Cancel every resting order whose expiration has passed.
    pub(crate) fn expire(&mut self, now: i64) {
        let expired: Vec<usize> = self
            .markets
            .values()
            .flat_map(|m| m.resting.iter().copied())
            .filter(|&idx| self.orders[idx].expiration_ms.is_some_and(|e| e <= now))
            .collect();
        for idx in expired {
            self.cancel_idx(idx, now);
        }
    }

    fn insert_order(&mut self, owner: Owner, req: &NewOrderReq, count: i64, now: i64) -> usize {
        let number = self.next();
        let id = uuid::Uuid::new_v4().to_string();
        let order = OrderRec {
            id: id.clone(),
            owner,
            client_order_id: req
                .client_order_id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            ticker: req.ticker.clone(),
            side: req.side,
            price: req.price,
            initial: count,
            filled: 0,
            remaining: count,
            status: Status::Resting,
            stp: req.stp,
            group: req.order_group_id.clone(),
            expiration_ms: req.expiration_s.map(|s| s.saturating_mul(1000)),
            created_ms: now,
            updated_ms: now,
            number,
            priority: number,
            taker_fees: 0,
            maker_fees: 0,
            taker_cost: 0,
            maker_cost: 0,
            fill_value: 0,
            cancel_order_on_pause: req.cancel_order_on_pause,
        };
        self.orders.push(order);
        let idx = self.orders.len() - 1;
        self.order_index.insert(id, idx);
        idx
    }

    /// Place a user order.
    pub(crate) fn create_order(&mut self, req: &NewOrderReq, now: i64) -> Res<Placed> {
        self.expire(now);
        // CreateOrderV2 lists no 404: an order naming an unknown market or order
        // group is a bad request.
        self.market(&req.ticker).map_err(as_bad_request)?;
        if let Some(group) = &req.order_group_id {
            self.group_index(group).map_err(as_bad_request)?;
        }
        self.check_market_open(&req.ticker)?;
        self.check_price(&req.ticker, req.price)?;
        check_count(req.count)?;
        if let Some(id) = &req.client_order_id {
            if id.is_empty() {
                return Err(bad(
                    "invalid_client_order_id",
                    "client_order_id must not be empty",
                ));
            }
            if self
                .orders
                .iter()
                .any(|o| o.owner == Owner::User && &o.client_order_id == id)
            {
                return Err(SandboxError::new(
                    409,
                    "duplicate_client_order_id",
                    format!("an order with client_order_id {id:?} already exists"),
                ));
            }
        }
        if let Some(expiration) = req.expiration_s {
            if expiration.saturating_mul(1000) <= now {
                return Err(bad(
                    "invalid_expiration_time",
                    format!("expiration_time {expiration} is not in the future"),
                ));
            }
        }
        if req.post_only && req.tif != Tif::Gtc {
            return Err(bad(
                "invalid_order",
                "post_only needs time_in_force good_till_canceled",
            ));
        }
        if let Some(group) = &req.order_group_id {
            let gi = self.group_index(group)?;
            if self.groups[gi].triggered {
                return Err(bad(
                    "order_group_triggered",
                    format!("order group {group} hit its limit; reset it to place orders"),
                ));
            }
        }
        let position = self.positions.get(&req.ticker).map_or(0, |p| p.position);
        let reducible = match req.side {
            Side::Bid => (-position).max(0),
            Side::Ask => position.max(0),
        };
        let mut count = req.count;
        if req.reduce_only {
            if req.tif != Tif::Ioc {
                return Err(bad(
                    "invalid_order",
                    "reduce_only needs time_in_force immediate_or_cancel",
                ));
            }
            if reducible == 0 {
                return Err(bad(
                    "reduce_only_no_position",
                    "reduce_only order has no position to reduce",
                ));
            }
            count = count.min(reducible);
        }
        if req.post_only && self.best_cross(&req.ticker, req.side, req.price).is_some() {
            return Err(bad(
                "post_only_cross",
                "post_only order would cross the book",
            ));
        }
        let opening = (count - reducible).max(0);
        let need = notional(opening, side_price(req.side, req.price)) + taker_fee(count, req.price);
        let available = self.balance.saturating_sub(self.resting_value());
        if need > available {
            return Err(bad(
                "insufficient_balance",
                format!(
                    "order needs up to {} but {} is available",
                    dollars(need),
                    dollars(available.max(0))
                ),
            ));
        }

        let idx = self.insert_order(Owner::User, req, count, now);
        if req.tif == Tif::Fok && self.fillable(idx, now) < count {
            let order = &mut self.orders[idx];
            order.status = Status::Canceled;
            order.remaining = 0;
        } else {
            self.match_order(idx, now);
            self.finish(idx, req.tif, now);
        }
        Ok(self.placed(idx))
    }

    fn placed(&self, idx: usize) -> Placed {
        let order = &self.orders[idx];
        let fees = order.taker_fees + order.maker_fees;
        let (average_price, average_fee) = averages(order.filled, order.fill_value, fees);
        Placed {
            order_id: order.id.clone(),
            client_order_id: order.client_order_id.clone(),
            fill_count: order.filled,
            remaining: order.remaining,
            average_price,
            average_fee,
        }
    }

    /// After matching: rest a good-till-canceled remainder, cancel anything else.
    fn finish(&mut self, idx: usize, tif: Tif, now: i64) {
        let order = &self.orders[idx];
        if order.status != Status::Resting {
            return;
        }
        if order.remaining == 0 {
            self.orders[idx].status = Status::Executed;
        } else if tif == Tif::Gtc {
            let ticker = order.ticker.clone();
            if let Some(market) = self.markets.get_mut(&ticker) {
                if !market.resting.contains(&idx) {
                    market.resting.push(idx);
                }
            }
        } else {
            let order = &mut self.orders[idx];
            order.status = Status::Canceled;
            order.remaining = 0;
            order.updated_ms = now;
        }
    }

    /// The best resting order the incoming one crosses, in priority order.
    fn best_cross(&self, ticker: &str, side: Side, price: i64) -> Option<usize> {
        self.crossing(ticker, side, price, None).into_iter().next()
    }

    /// Resting orders crossed by a `side` order at `price`, best first.
    fn crossing(&self, ticker: &str, side: Side, price: i64, exclude: Option<usize>) -> Vec<usize> {
        let Some(market) = self.markets.get(ticker) else {
            return Vec::new();
        };
        let mut candidates: Vec<usize> = market
            .resting
            .iter()
            .copied()
            .filter(|&i| Some(i) != exclude)
            .filter(|&i| {
                let o = &self.orders[i];
                o.side != side
                    && match side {
                        Side::Bid => o.price <= price,
                        Side::Ask => o.price >= price,
                    }
            })
            .collect();
        candidates.sort_by_key(|&i| {
            let o = &self.orders[i];
            let price_key = match side {
                Side::Bid => o.price,
                Side::Ask => -o.price,
            };
            (price_key, o.priority)
        });
        candidates
    }

    /// How much of a fill-or-kill order could fill right now.
    fn fillable(&mut self, idx: usize, now: i64) -> i64 {
        let order = self.orders[idx].clone();
        let mut total = 0;
        for other in self.crossing(&order.ticker, order.side, order.price, Some(idx)) {
            let o = &self.orders[other];
            if o.owner == Owner::User && order.owner == Owner::User {
                match order.stp {
                    Stp::TakerAtCross => break,
                    Stp::Maker => continue,
                }
            }
            let mut room = o.remaining;
            if o.owner == Owner::User {
                if let Some(gi) = o.group.as_deref().and_then(|g| self.group_index(g).ok()) {
                    room = room.min(self.group_room(gi, now));
                }
            }
            total += room;
        }
        if let Some(gi) = order
            .group
            .as_deref()
            .and_then(|g| self.group_index(g).ok())
        {
            total = total.min(self.group_room(gi, now));
        }
        total
    }

    /// Match an incoming order against the book until it is done or nothing crosses.
    fn match_order(&mut self, idx: usize, now: i64) {
        loop {
            let taker = &self.orders[idx];
            if taker.status != Status::Resting || taker.remaining == 0 {
                return;
            }
            // An incoming order whose group was triggered (by its own fills) stops.
            if taker.owner == Owner::User {
                if let Some(gi) = taker
                    .group
                    .as_deref()
                    .and_then(|g| self.group_index(g).ok())
                {
                    if self.groups[gi].triggered {
                        self.cancel_idx(idx, now);
                        return;
                    }
                }
            }
            let Some(maker_idx) = self.best_cross(&taker.ticker.clone(), taker.side, taker.price)
            else {
                return;
            };
            let maker_idx = if maker_idx == idx {
                // Cannot happen (an incoming order is not in the book yet); be total.
                return;
            } else {
                maker_idx
            };
            let taker = &self.orders[idx];
            let maker = &self.orders[maker_idx];
            if taker.owner == Owner::User && maker.owner == Owner::User {
                match taker.stp {
                    Stp::TakerAtCross => {
                        self.cancel_idx(idx, now);
                        return;
                    }
                    Stp::Maker => {
                        self.cancel_idx(maker_idx, now);
                        continue;
                    }
                }
            }
            let mut size = taker.remaining.min(maker.remaining);
            let mut exhausted_group = None;
            for i in [idx, maker_idx] {
                let order = &self.orders[i];
                if order.owner != Owner::User {
                    continue;
                }
                if let Some(gi) = order.group.clone().and_then(|g| self.group_index(&g).ok()) {
                    let room = self.group_room(gi, now);
                    if room == 0 {
                        exhausted_group = Some(gi);
                    }
                    size = size.min(room);
                }
            }
            if let Some(gi) = exhausted_group {
                self.trigger_group_idx(gi, now);
                continue;
            }
            let price = self.orders[maker_idx].price;
            self.execute(idx, maker_idx, size, price, now);
            // Trigger any group that just reached its limit.
            for i in [idx, maker_idx] {
                if self.orders[i].owner != Owner::User {
                    continue;
                }
                if let Some(gi) = self.orders[i]
                    .group
                    .clone()
                    .and_then(|g| self.group_index(&g).ok())
                {
                    if self.group_room(gi, now) == 0 {
                        self.trigger_group_idx(gi, now);
                    }
                }
            }
        }
    }

    /// One match of `size` contracts at `price` between a taker and a maker.
    fn execute(&mut self, taker: usize, maker: usize, size: i64, price: i64, now: i64) {
        let trade_id = uuid::Uuid::new_v4().to_string();
        for (i, is_taker) in [(taker, true), (maker, false)] {
            let order = &mut self.orders[i];
            order.filled += size;
            order.remaining -= size;
            order.updated_ms = now;
            order.fill_value += size as i128 * price as i128;
            if order.remaining == 0 {
                order.status = Status::Executed;
                let ticker = order.ticker.clone();
                if let Some(market) = self.markets.get_mut(&ticker) {
                    market.resting.retain(|&r| r != i);
                }
            }
            if self.orders[i].owner == Owner::User {
                self.user_fill(i, size, price, is_taker, &trade_id, now);
            }
        }
    }

    fn user_fill(
        &mut self,
        idx: usize,
        size: i64,
        price: i64,
        is_taker: bool,
        trade_id: &str,
        now: i64,
    ) {
        let fee = if is_taker { taker_fee(size, price) } else { 0 };
        let (side, ticker, group) = {
            let o = &self.orders[idx];
            (o.side, o.ticker.clone(), o.group.clone())
        };
        let cost = notional(size, side_price(side, price));
        let position = self.positions.entry(ticker.clone()).or_default();
        // Reduce the opposite position first, then open.
        let opposite = match side {
            Side::Bid => (-position.position).max(0),
            Side::Ask => position.position.max(0),
        };
        let closing = size.min(opposite);
        let opening = size - closing;
        let mut cash = 0i64;
        if closing > 0 {
            // Closing pays out: the other leg of a $1 pair.
            let proceeds = notional(closing, ONE - side_price(side, price));
            let basis_part = ((position.basis as i128 * closing as i128) / opposite as i128) as i64;
            position.basis -= basis_part;
            position.realized += proceeds - basis_part;
            cash += proceeds;
        }
        if opening > 0 {
            let paid = notional(opening, side_price(side, price));
            position.basis += paid;
            cash -= paid;
        }
        position.position += match side {
            Side::Bid => size,
            Side::Ask => -size,
        };
        position.total_traded += cost;
        position.traded_count += size;
        position.fees += fee;
        position.updated_ms = now;
        self.balance = self.balance.saturating_add(cash - fee);
        let order = &mut self.orders[idx];
        if is_taker {
            order.taker_fees += fee;
            order.taker_cost += cost;
        } else {
            order.maker_fees += fee;
            order.maker_cost += cost;
        }
        let order_id = order.id.clone();
        let number = self.next();
        self.fills.push(FillRec {
            number,
            fill_id: uuid::Uuid::new_v4().to_string(),
            trade_id: trade_id.to_string(),
            order_id,
            ticker,
            side,
            count: size,
            yes_price: price,
            is_taker,
            fee,
            ts_ms: now,
        });
        if let Some(gi) = group.and_then(|g| self.group_index(&g).ok()) {
            self.groups[gi].window.push((now, size));
        }
    }

    /// Cancel an order's remainder (any owner); returns what was canceled.
    fn cancel_idx(&mut self, idx: usize, now: i64) -> i64 {
        let order = &mut self.orders[idx];
        if order.status != Status::Resting {
            return 0;
        }
        let reduced = order.remaining;
        order.remaining = 0;
        order.status = Status::Canceled;
        order.updated_ms = now;
        let ticker = order.ticker.clone();
        if let Some(market) = self.markets.get_mut(&ticker) {
            market.resting.retain(|&r| r != idx);
        }
        reduced
    }

    fn resting_user_order(&self, order_id: &str) -> Res<usize> {
        let idx = self.user_order_idx(order_id)?;
        if self.orders[idx].status != Status::Resting {
            // 404: the one refusal status every operation on a resting order lists
            // (cancel lists no 400); the code says why.
            return Err(not_found(
                "order_not_resting",
                format!("order {order_id} is no longer resting"),
            ));
        }
        Ok(idx)
    }

    /// Cancel a user order: (client_order_id, reduced_by).
    pub(crate) fn cancel_order(&mut self, order_id: &str, now: i64) -> Res<(String, i64)> {
        self.expire(now);
        let idx = self.resting_user_order(order_id)?;
        let reduced = self.cancel_idx(idx, now);
        Ok((self.orders[idx].client_order_id.clone(), reduced))
    }

    pub(crate) fn cancel_all(&mut self, now: i64) {
        self.expire(now);
        let all: Vec<usize> = self
            .markets
            .values()
            .flat_map(|m| m.resting.iter().copied())
            .filter(|&i| self.orders[i].owner == Owner::User)
            .collect();
        for idx in all {
            self.cancel_idx(idx, now);
        }
    }

    /// Decrease: exactly one of `reduce_by` / `reduce_to`. Returns (client id, remaining).
    pub(crate) fn decrease_order(
        &mut self,
        order_id: &str,
        reduce_by: Option<i64>,
        reduce_to: Option<i64>,
        now: i64,
    ) -> Res<(String, i64)> {
        self.expire(now);
        let idx = self.resting_user_order(order_id)?;
        let remaining = self.orders[idx].remaining;
        let target = match (reduce_by, reduce_to) {
            (Some(by), None) => {
                if by <= 0 {
                    return Err(bad("invalid_count", "reduce_by must be more than zero"));
                }
                (remaining - by).max(0)
            }
            (None, Some(to)) => {
                if to < 0 || to >= remaining {
                    return Err(bad(
                        "invalid_count",
                        format!(
                            "reduce_to must be at least 0 and below the remaining {}",
                            count(remaining)
                        ),
                    ));
                }
                to
            }
            _ => {
                return Err(bad(
                    "invalid_parameters",
                    "give exactly one of reduce_by and reduce_to",
                ))
            }
        };
        if target == 0 {
            self.cancel_idx(idx, now);
        } else {
            let order = &mut self.orders[idx];
            order.remaining = target;
            order.updated_ms = now;
        }
        let order = &self.orders[idx];
        Ok((order.client_order_id.clone(), order.remaining))
    }

    /// Amend price and/or total count. A price change or a size increase loses queue
    /// priority; a new price that crosses matches immediately.
    pub(crate) fn amend_order(&mut self, order_id: &str, req: &AmendReq, now: i64) -> Res<Amended> {
        self.expire(now);
        let idx = self.resting_user_order(order_id)?;
        let order = self.orders[idx].clone();
        if order.ticker != req.ticker || order.side != req.side {
            return Err(bad(
                "invalid_order",
                "ticker and side must be those of the order being amended",
            ));
        }
        if let Some(client_id) = &req.client_order_id {
            if client_id != &order.client_order_id {
                return Err(bad(
                    "invalid_order",
                    "client_order_id does not match the order being amended",
                ));
            }
        }
        self.check_price(&req.ticker, req.price)?;
        check_count(req.count)?;
        if req.count <= order.filled {
            return Err(bad(
                "invalid_count",
                format!(
                    "count is the new total (filled + remaining) and must exceed the {} filled",
                    count(order.filled)
                ),
            ));
        }
        if let Some(updated) = &req.updated_client_order_id {
            if self.orders.iter().any(|o| {
                o.owner == Owner::User && &o.client_order_id == updated && o.id != order.id
            }) {
                // AmendOrderV2 lists no 409.
                return Err(bad(
                    "duplicate_client_order_id",
                    format!("an order with client_order_id {updated:?} already exists"),
                ));
            }
        }
        let new_remaining = req.count - order.filled;
        let loses_priority = req.price != order.price || new_remaining > order.remaining;
        let extra = notional((new_remaining).max(0), side_price(order.side, req.price))
            - notional(order.remaining, side_price(order.side, order.price));
        if extra > 0 && extra > self.balance.saturating_sub(self.resting_value()) {
            return Err(bad(
                "insufficient_balance",
                "not enough balance for the amended order",
            ));
        }
        let next = if loses_priority {
            Some(self.next())
        } else {
            None
        };
        {
            let o = &mut self.orders[idx];
            o.price = req.price;
            o.remaining = new_remaining;
            o.initial = req.count;
            o.updated_ms = now;
            if let Some(updated) = &req.updated_client_order_id {
                o.client_order_id = updated.clone();
            }
            if let Some(expiration) = req.expiration_s {
                // 0 removes the expiry.
                o.expiration_ms = (expiration > 0).then(|| expiration.saturating_mul(1000));
            }
            if let Some(priority) = next {
                o.priority = priority;
            }
        }
        if loses_priority {
            // Take it out of the book and match it as an incoming order.
            let ticker = order.ticker.clone();
            if let Some(market) = self.markets.get_mut(&ticker) {
                market.resting.retain(|&r| r != idx);
            }
            self.match_order(idx, now);
            self.finish(idx, Tif::Gtc, now);
        }
        let after = &self.orders[idx];
        let filled = after.filled - order.filled;
        let fees = (after.taker_fees + after.maker_fees) - (order.taker_fees + order.maker_fees);
        let (average_price, average_fee) =
            averages(filled, after.fill_value - order.fill_value, fees);
        Ok(Amended {
            filled_or_resized: filled > 0 || after.remaining != order.remaining,
            placed: Placed {
                order_id: after.id.clone(),
                client_order_id: after.client_order_id.clone(),
                fill_count: filled,
                remaining: after.remaining,
                average_price,
                average_fee,
            },
        })
    }

    // ---------------------------------------------------------------- groups

    pub(crate) fn create_group(&mut self, limit: i64) -> Res<String> {
        check_group_limit(limit)?;
        let id = uuid::Uuid::new_v4().to_string();
        self.groups.push(GroupRec {
            id: id.clone(),
            limit,
            triggered: false,
            window: Vec::new(),
        });
        Ok(id)
    }

    fn group_json(&self, group: &GroupRec) -> types::OrderGroup {
        types::OrderGroup {
            id: group.id.clone(),
            contracts_limit_fp: Some(count(group.limit)),
            exchange_index: Some(types::ExchangeIndex(0)),
            is_auto_cancel_enabled: !group.triggered,
        }
    }

    pub(crate) fn groups(&mut self, now: i64) -> Vec<types::OrderGroup> {
        self.expire(now);
        self.groups.iter().map(|g| self.group_json(g)).collect()
    }

    pub(crate) fn group(&mut self, id: &str, now: i64) -> Res<types::GetOrderGroupResponse> {
        self.expire(now);
        let gi = self.group_index(id)?;
        let group = &self.groups[gi];
        let orders = self
            .orders
            .iter()
            .filter(|o| o.owner == Owner::User && o.group.as_deref() == Some(id))
            .map(|o| o.id.clone())
            .collect();
        Ok(types::GetOrderGroupResponse {
            contracts_limit_fp: Some(count(group.limit)),
            exchange_index: Some(types::ExchangeIndex(0)),
            is_auto_cancel_enabled: !group.triggered,
            orders,
        })
    }

    fn cancel_group_orders(&mut self, id: &str, now: i64) {
        let members: Vec<usize> = self
            .markets
            .values()
            .flat_map(|m| m.resting.iter().copied())
            .filter(|&i| self.orders[i].group.as_deref() == Some(id))
            .collect();
        for idx in members {
            self.cancel_idx(idx, now);
        }
    }

    fn trigger_group_idx(&mut self, gi: usize, now: i64) {
        self.groups[gi].triggered = true;
        let id = self.groups[gi].id.clone();
        self.cancel_group_orders(&id, now);
    }

    pub(crate) fn trigger_group(&mut self, id: &str, now: i64) -> Res<()> {
        self.expire(now);
        let gi = self.group_index(id)?;
        self.trigger_group_idx(gi, now);
        Ok(())
    }

    pub(crate) fn reset_group(&mut self, id: &str, now: i64) -> Res<()> {
        self.expire(now);
        let gi = self.group_index(id)?;
        let group = &mut self.groups[gi];
        group.triggered = false;
        group.window.clear();
        Ok(())
    }

    pub(crate) fn delete_group(&mut self, id: &str, now: i64) -> Res<()> {
        self.expire(now);
        let gi = self.group_index(id)?;
        self.cancel_group_orders(id, now);
        self.groups.remove(gi);
        Ok(())
    }

    pub(crate) fn update_group_limit(&mut self, id: &str, limit: i64, now: i64) -> Res<()> {
        self.expire(now);
        check_group_limit(limit)?;
        let gi = self.group_index(id)?;
        self.groups[gi].limit = limit;
        Ok(())
    }

    // ---------------------------------------------------------------- reads

    fn order_json(&self, o: &OrderRec) -> types::Order {
        let outcome = match o.side {
            Side::Bid => types::OrderOutcomeSide::Yes,
            Side::Ask => types::OrderOutcomeSide::No,
        };
        types::Order {
            action: None,
            book_side: o.side.book_side(),
            cancel_order_on_pause: Some(o.cancel_order_on_pause),
            client_order_id: o.client_order_id.clone(),
            created_time: Some(millis_to_time(o.created_ms)),
            exchange_index: Some(types::ExchangeIndex(0)),
            expiration_time: o.expiration_ms.map(millis_to_time),
            fill_count_fp: count(o.filled),
            initial_count_fp: count(o.initial),
            last_update_time: Some(millis_to_time(o.updated_ms)),
            maker_fees_dollars: dollars(o.maker_fees),
            maker_fill_cost_dollars: dollars(o.maker_cost),
            no_price_dollars: dollars(ONE - o.price),
            order_group_id: o.group.clone(),
            order_id: o.id.clone(),
            outcome_side: outcome,
            remaining_count_fp: count(o.remaining),
            self_trade_prevention_type: Some(match o.stp {
                Stp::TakerAtCross => types::SelfTradePreventionType::TakerAtCross,
                Stp::Maker => types::SelfTradePreventionType::Maker,
            }),
            side: None,
            status: match o.status {
                Status::Resting => types::OrderStatus::Resting,
                Status::Canceled => types::OrderStatus::Canceled,
                Status::Executed => types::OrderStatus::Executed,
            },
            subaccount_number: Some(0),
            taker_fees_dollars: dollars(o.taker_fees),
            taker_fill_cost_dollars: dollars(o.taker_cost),
            ticker: o.ticker.clone(),
            type_: types::OrderType::Limit,
            user_id: USER_ID.to_string(),
            yes_price_dollars: dollars(o.price),
        }
    }

    pub(crate) fn order(&mut self, order_id: &str, now: i64) -> Res<types::Order> {
        self.expire(now);
        let idx = self.user_order_idx(order_id)?;
        Ok(self.order_json(&self.orders[idx]))
    }

    pub(crate) fn orders(
        &mut self,
        filter: &OrderFilter,
        limit: usize,
        cursor: Option<&str>,
        now: i64,
    ) -> Res<Paged<types::Order>> {
        self.expire(now);
        let after = decode_number_cursor("o", cursor)?;
        let status = match filter.status.as_deref() {
            None | Some("") => None,
            Some("resting") => Some(Status::Resting),
            Some("canceled") => Some(Status::Canceled),
            Some("executed") => Some(Status::Executed),
            Some(other) => {
                return Err(bad(
                    "invalid_parameters",
                    format!("status {other:?} is not resting, canceled or executed"),
                ))
            }
        };
        let matching = self.orders.iter().rev().filter(|o| {
            o.owner == Owner::User
                && after.is_none_or(|n| o.number < n)
                && filter.ticker.as_ref().is_none_or(|t| &o.ticker == t)
                && filter.event_tickers.as_ref().is_none_or(|events| {
                    self.markets
                        .get(&o.ticker)
                        .is_some_and(|m| events.contains(&m.event_ticker))
                })
                && filter
                    .min_ts
                    .is_none_or(|t| o.created_ms >= t.saturating_mul(1000))
                && filter
                    .max_ts
                    .is_none_or(|t| o.created_ms <= t.saturating_mul(1000))
                && status.is_none_or(|s| o.status == s)
        });
        let page = take_page(matching, limit, |o| {
            encode_cursor("o", &o.number.to_string())
        });
        Ok(Paged {
            items: page.items.iter().map(|o| self.order_json(o)).collect(),
            cursor: page.cursor,
        })
    }

    pub(crate) fn fills(
        &mut self,
        filter: &FillFilter,
        limit: usize,
        cursor: Option<&str>,
        now: i64,
    ) -> Res<Paged<types::Fill>> {
        self.expire(now);
        let after = decode_number_cursor("f", cursor)?;
        let matching = self.fills.iter().rev().filter(|f| {
            after.is_none_or(|n| f.number < n)
                && filter
                    .tickers
                    .as_ref()
                    .is_none_or(|t| t.contains(&f.ticker))
                && filter.order_id.as_ref().is_none_or(|id| &f.order_id == id)
                && filter
                    .min_ts
                    .is_none_or(|t| f.ts_ms >= t.saturating_mul(1000))
                && filter
                    .max_ts
                    .is_none_or(|t| f.ts_ms <= t.saturating_mul(1000))
        });
        let page = take_page(matching, limit, |f| {
            encode_cursor("f", &f.number.to_string())
        });
        Ok(Paged {
            items: page.items.iter().map(|f| fill_json(f)).collect(),
            cursor: page.cursor,
        })
    }

    pub(crate) fn settlements(
        &mut self,
        filter: &SettlementFilter,
        limit: usize,
        cursor: Option<&str>,
        now: i64,
    ) -> Res<Paged<types::Settlement>> {
        self.expire(now);
        let after = decode_number_cursor("s", cursor)?;
        let matching = self.settlements.iter().rev().filter(|s| {
            after.is_none_or(|n| s.number < n)
                && filter.ticker.as_ref().is_none_or(|t| &s.ticker == t)
                && filter
                    .event_ticker
                    .as_ref()
                    .is_none_or(|e| &s.event_ticker == e)
                && filter
                    .min_ts
                    .is_none_or(|t| s.ts_ms >= t.saturating_mul(1000))
                && filter
                    .max_ts
                    .is_none_or(|t| s.ts_ms <= t.saturating_mul(1000))
        });
        let page = take_page(matching, limit, |s| {
            encode_cursor("s", &s.number.to_string())
        });
        Ok(Paged {
            items: page
                .items
                .iter()
                .map(|s| types::Settlement {
                    event_ticker: s.event_ticker.clone(),
                    exchange_index: types::ExchangeIndex(0),
                    fee_cost: Dollars::ZERO,
                    market_result: match s.result {
                        MarketResult::Yes => types::SettlementMarketResult::Yes,
                        MarketResult::No => types::SettlementMarketResult::No,
                    },
                    no_count_fp: count(s.no_count),
                    no_total_cost_dollars: dollars(s.no_cost),
                    revenue: s.revenue_cents,
                    settled_time: millis_to_time(s.ts_ms),
                    ticker: s.ticker.clone(),
                    value: Some(match s.result {
                        MarketResult::Yes => 100,
                        MarketResult::No => 0,
                    }),
                    yes_count_fp: count(s.yes_count),
                    yes_total_cost_dollars: dollars(s.yes_cost),
                })
                .collect(),
            cursor: page.cursor,
        })
    }

    /// Market positions (paged by ticker) and, on the first page only, the event
    /// positions aggregating every market position that passes the filters.
    pub(crate) fn positions(
        &mut self,
        filter: &PositionFilter,
        limit: usize,
        cursor: Option<&str>,
        now: i64,
    ) -> Res<(Paged<types::MarketPosition>, Vec<types::EventPosition>)> {
        self.expire(now);
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(decode_cursor("p", c)?),
        };
        let settled_wanted = match filter.settlement_status.as_deref() {
            None | Some("") | Some("unsettled") => Some(false),
            Some("settled") => Some(true),
            Some("all") => None,
            Some(other) => {
                return Err(bad(
                    "invalid_parameters",
                    format!("settlement_status {other:?} is not unsettled, settled or all"),
                ))
            }
        };
        for field in &filter.count_filter {
            if field != "position" && field != "total_traded" {
                return Err(bad(
                    "invalid_parameters",
                    format!("count_filter {field:?} is not position or total_traded"),
                ));
            }
        }
        let passes = |ticker: &String, p: &PositionRec| {
            let market = self.markets.get(ticker);
            let settled = market.is_some_and(|m| m.result.is_some());
            let event = market.map(|m| m.event_ticker.as_str()).unwrap_or("");
            filter.ticker.as_ref().is_none_or(|t| t == ticker)
                && filter.event_ticker.as_ref().is_none_or(|e| e == event)
                && settled_wanted.is_none_or(|s| s == settled)
                && filter.count_filter.iter().all(|f| match f.as_str() {
                    "position" => p.position != 0,
                    _ => p.traded_count != 0,
                })
        };
        let matching = self
            .positions
            .iter()
            .filter(|(t, p)| passes(t, p))
            .filter(|(t, _)| after.as_ref().is_none_or(|a| t.as_str() > a.as_str()));
        let page = take_page(matching, limit, |(t, _)| encode_cursor("p", t));
        let markets = page
            .items
            .iter()
            .map(|(ticker, p)| types::MarketPosition {
                exchange_index: types::ExchangeIndex(0),
                fees_paid_dollars: dollars(p.fees),
                last_updated_ts: millis_to_time(p.updated_ms),
                market_exposure_dollars: dollars(p.basis),
                position_fp: count(p.position),
                realized_pnl_dollars: dollars(p.realized),
                ticker: (*ticker).clone(),
                total_traded_dollars: dollars(p.total_traded),
            })
            .collect();
        let mut events: BTreeMap<String, PositionRec> = BTreeMap::new();
        if after.is_none() {
            for (ticker, p) in self.positions.iter().filter(|(t, p)| passes(t, p)) {
                let event = self
                    .markets
                    .get(ticker)
                    .map(|m| m.event_ticker.clone())
                    .unwrap_or_default();
                let e = events.entry(event).or_default();
                e.total_traded += p.total_traded;
                e.traded_count += p.traded_count;
                e.basis += p.basis;
                e.realized += p.realized;
                e.fees += p.fees;
            }
        }
        let events = events
            .into_iter()
            .map(|(event_ticker, e)| types::EventPosition {
                event_exposure_dollars: dollars(e.basis),
                event_ticker,
                fees_paid_dollars: dollars(e.fees),
                realized_pnl_dollars: dollars(e.realized),
                total_cost_dollars: dollars(e.total_traded),
                total_cost_shares_fp: count(e.traded_count),
            })
            .collect();
        Ok((
            Paged {
                items: markets,
                cursor: page.cursor,
            },
            events,
        ))
    }

    /// The balance of the primary account, or (`primary` false) of another
    /// subaccount, which the sandbox keeps empty.
    pub(crate) fn balance(&mut self, primary: bool, now: i64) -> types::GetBalanceResponse {
        self.expire(now);
        let (cash, exposure) = if primary {
            (self.balance, self.positions.values().map(|p| p.basis).sum())
        } else {
            (0, 0)
        };
        types::GetBalanceResponse {
            balance: cents_down(cash),
            balance_breakdown: vec![types::IndexedBalance {
                balance: dollars(cash),
                exchange_index: types::ExchangeIndex(0),
            }],
            balance_dollars: dollars(cash),
            portfolio_value: cents_down(exposure),
            updated_ts: now / 1000,
        }
    }

    pub(crate) fn resting_order_value(
        &mut self,
        now: i64,
    ) -> types::GetPortfolioRestingOrderTotalValueResponse {
        self.expire(now);
        let value = self.resting_value();
        types::GetPortfolioRestingOrderTotalValueResponse {
            resting_order_value_breakdown: vec![types::IndexedBalance {
                balance: dollars(value),
                exchange_index: types::ExchangeIndex(0),
            }],
            total_resting_order_value: cents_up(value),
        }
    }

    /// Contracts ahead of a resting user order at its price level (FIFO).
    fn queue_position_idx(&self, idx: usize) -> i64 {
        let order = &self.orders[idx];
        self.markets.get(&order.ticker).map_or(0, |m| {
            m.resting
                .iter()
                .map(|&i| &self.orders[i])
                .filter(|o| {
                    o.side == order.side && o.price == order.price && o.priority < order.priority
                })
                .map(|o| o.remaining)
                .sum()
        })
    }

    pub(crate) fn queue_position(&mut self, order_id: &str, now: i64) -> Res<i64> {
        self.expire(now);
        let idx = self.resting_user_order(order_id)?;
        Ok(self.queue_position_idx(idx))
    }

    pub(crate) fn queue_positions(
        &mut self,
        market_tickers: Option<&[String]>,
        event_ticker: Option<&str>,
        now: i64,
    ) -> Vec<types::OrderQueuePosition> {
        self.expire(now);
        let mut resting: Vec<usize> = self
            .markets
            .iter()
            .filter(|(t, _)| market_tickers.is_none_or(|ts| ts.contains(t)))
            .filter(|(_, m)| event_ticker.is_none_or(|e| m.event_ticker == e))
            .flat_map(|(_, m)| m.resting.iter().copied())
            .filter(|&i| self.orders[i].owner == Owner::User)
            .collect();
        resting.sort_by_key(|&i| self.orders[i].number);
        resting
            .into_iter()
            .map(|i| types::OrderQueuePosition {
                market_ticker: self.orders[i].ticker.clone(),
                order_id: self.orders[i].id.clone(),
                queue_position_fp: count(self.queue_position_idx(i)),
            })
            .collect()
    }

    /// Every order id of the user, in creation order (for tests and the admin API).
    #[cfg(test)]
    fn user_order_ids(&self) -> Vec<String> {
        self.orders
            .iter()
            .filter(|o| o.owner == Owner::User)
            .map(|o| o.id.clone())
            .collect()
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

fn check_group_limit(limit: i64) -> Res<()> {
    if limit <= 0 || limit > MAX_GROUP_LIMIT {
        return Err(bad(
            "invalid_contracts_limit",
            format!(
                "contracts_limit {} must be more than 0 and at most {}",
                count(limit),
                count(MAX_GROUP_LIMIT)
            ),
        ));
    }
    Ok(())
}

fn fill_json(f: &FillRec) -> types::Fill {
    let (outcome, legacy_side) = match f.side {
        Side::Bid => (types::OutcomeSide::Yes, types::FillSide::Yes),
        Side::Ask => (types::OutcomeSide::No, types::FillSide::No),
    };
    types::Fill {
        action: Some(types::FillAction::Buy),
        book_side: f.side.book_side(),
        count_fp: count(f.count),
        created_time: Some(millis_to_time(f.ts_ms)),
        exchange_index: types::ExchangeIndex(0),
        fee_cost: dollars(f.fee),
        fill_id: f.fill_id.clone(),
        is_taker: f.is_taker,
        market_ticker: f.ticker.clone(),
        no_price_dollars: dollars(ONE - f.yes_price),
        order_id: f.order_id.clone(),
        outcome_side: outcome,
        side: Some(legacy_side),
        subaccount_number: Some(0),
        ticker: f.ticker.clone(),
        trade_id: f.trade_id.clone(),
        ts: Some(f.ts_ms / 1000),
        yes_price_dollars: dollars(f.yes_price),
    }
}

/// Take up to `limit` items; the cursor points after the last one when more follow.
fn take_page<'a, T: 'a>(
    mut items: impl Iterator<Item = T>,
    limit: usize,
    cursor_of: impl Fn(&T) -> String,
) -> Paged<T> {
    let page: Vec<T> = items.by_ref().take(limit).collect();
    let more = items.next().is_some();
    let cursor = match (more, page.last()) {
        (true, Some(last)) => cursor_of(last),
        _ => String::new(),
    };
    Paged {
        items: page,
        cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const T: &str = "KXTEST-26-T50";
    const CENT: i64 = 10_000;
    const C: i64 = 100; // one contract in hundredths

    fn exchange() -> Exchange {
        let mut ex = Exchange::new(1_000 * ONE);
        ex.create_market(&MarketSpec::new(T, "KXTEST-26")).unwrap();
        ex
    }

    fn order(side: Side, cents: i64, contracts: i64) -> NewOrderReq {
        NewOrderReq {
            ticker: T.into(),
            client_order_id: None,
            side,
            price: cents * CENT,
            count: contracts * C,
            tif: Tif::Gtc,
            post_only: false,
            reduce_only: false,
            stp: Stp::TakerAtCross,
            expiration_s: None,
            order_group_id: None,
            cancel_order_on_pause: false,
        }
    }

    fn position(ex: &mut Exchange) -> types::MarketPosition {
        let (page, _) = ex
            .positions(
                &PositionFilter {
                    settlement_status: Some("all".into()),
                    ..Default::default()
                },
                100,
                None,
                0,
            )
            .unwrap();
        page.items.into_iter().next().expect("a position")
    }

    #[test]
    fn taker_fee_rounds_up_to_the_cent() {
        // 0.07 × 1 × 0.5 × 0.5 = 0.0175 → 0.02
        assert_eq!(taker_fee(C, 50 * CENT), 2 * CENT);
        // 0.07 × 100 × 0.5 × 0.5 = 1.75 exactly
        assert_eq!(taker_fee(100 * C, 50 * CENT), 175 * CENT);
        // 0.07 × 10 × 0.01 × 0.99 = 0.00693 → 0.01
        assert_eq!(taker_fee(10 * C, CENT), CENT);
    }

    #[test]
    fn price_time_priority_at_the_maker_price() {
        let mut ex = exchange();
        let a1 = ex.add_liquidity(T, Side::Ask, 45 * CENT, 5 * C, 1).unwrap();
        let a2 = ex.add_liquidity(T, Side::Ask, 44 * CENT, 5 * C, 2).unwrap();
        let a3 = ex.add_liquidity(T, Side::Ask, 44 * CENT, 5 * C, 3).unwrap();
        let placed = ex.create_order(&order(Side::Bid, 50, 12), 10).unwrap();
        assert_eq!(placed.fill_count, 12 * C);
        assert_eq!(placed.remaining, 0);
        // 5 @ .44 (a2), 5 @ .44 (a3), 2 @ .45 (a1)
        let fills = ex
            .fills(&FillFilter::default(), 100, None, 10)
            .unwrap()
            .items;
        let prices: Vec<String> = fills
            .iter()
            .rev()
            .map(|f| f.yes_price_dollars.to_string())
            .collect();
        assert_eq!(prices, ["0.4400", "0.4400", "0.4500"]);
        let remaining = |ex: &Exchange, id: &str| ex.orders[ex.order_index[id]].remaining;
        assert_eq!(remaining(&ex, &a2), 0);
        assert_eq!(remaining(&ex, &a3), 0);
        assert_eq!(remaining(&ex, &a1), 3 * C);
        // cost 10 × .44 + 2 × .45 = 5.30; fees per fill: 5@.44 → 0.07×5×.44×.56=0.08624 → .09 (×2), 2@.45 → .03465 → .04
        assert_eq!(ex.balance_micros(), (1_000 * ONE) - 530 * CENT - 22 * CENT);
        let p = position(&mut ex);
        assert_eq!(p.position_fp.to_string(), "12.00");
        assert_eq!(p.market_exposure_dollars.to_string(), "5.3000");
        assert_eq!(p.fees_paid_dollars.to_string(), "0.2200");
    }

    #[test]
    fn gtc_rests_ioc_cancels_fok_is_all_or_nothing() {
        let mut ex = exchange();
        ex.add_liquidity(T, Side::Bid, 60 * CENT, 3 * C, 1).unwrap();
        // FOK for 5 with only 3 available: nothing happens.
        let mut fok = order(Side::Ask, 55, 5);
        fok.tif = Tif::Fok;
        let placed = ex.create_order(&fok, 2).unwrap();
        assert_eq!((placed.fill_count, placed.remaining), (0, 0));
        assert_eq!(ex.fills.len(), 0);
        // IOC for 5: 3 fill, 2 canceled.
        let mut ioc = order(Side::Ask, 55, 5);
        ioc.tif = Tif::Ioc;
        let placed = ex.create_order(&ioc, 3).unwrap();
        assert_eq!((placed.fill_count, placed.remaining), (3 * C, 0));
        assert_eq!(
            ex.order(&placed.order_id, 3).unwrap().status,
            types::OrderStatus::Canceled
        );
        // GTC rests.
        let placed = ex.create_order(&order(Side::Ask, 55, 5), 4).unwrap();
        assert_eq!((placed.fill_count, placed.remaining), (0, 5 * C));
        assert_eq!(ex.queue_position(&placed.order_id, 4).unwrap(), 0);
        // Selling YES without a position buys NO: 3 × (1 − .60) = 1.20 + fee (.07×3×.6×.4=.0504 → .06)
        assert_eq!(ex.balance_micros(), 1_000 * ONE - 120 * CENT - 6 * CENT);
        assert_eq!(position(&mut ex).position_fp.to_string(), "-3.00");
    }

    #[test]
    fn post_only_reduce_only_and_balance() {
        let mut ex = exchange();
        ex.add_liquidity(T, Side::Ask, 40 * CENT, 10 * C, 1)
            .unwrap();
        let mut post = order(Side::Bid, 40, 1);
        post.post_only = true;
        assert_eq!(
            ex.create_order(&post, 2).unwrap_err().code(),
            "post_only_cross"
        );
        post.price = 39 * CENT;
        assert!(ex.create_order(&post, 2).is_ok());

        let mut reduce = order(Side::Ask, 1, 5);
        reduce.tif = Tif::Ioc;
        reduce.reduce_only = true;
        assert_eq!(
            ex.create_order(&reduce, 3).unwrap_err().code(),
            "reduce_only_no_position"
        );
        ex.create_order(&order(Side::Bid, 40, 2), 4).unwrap();
        // Someone bids .39 (the user's own resting bid is there too, but it is not a
        // crossing ask); reduce-only ask for 5 is capped at the 2 held.
        ex.add_liquidity(T, Side::Bid, 41 * CENT, 10 * C, 5)
            .unwrap();
        let placed = ex.create_order(&reduce, 6).unwrap();
        assert_eq!(placed.fill_count, 2 * C);
        assert_eq!(position(&mut ex).position_fp.to_string(), "0.00");

        ex.set_balance(5 * CENT);
        let err = ex.create_order(&order(Side::Bid, 40, 1), 7).unwrap_err();
        assert_eq!((err.status(), err.code()), (400, "insufficient_balance"));
    }

    #[test]
    fn reducing_a_position_pays_out_and_realizes_pnl() {
        let mut ex = exchange();
        ex.add_liquidity(T, Side::Ask, 40 * CENT, 10 * C, 1)
            .unwrap();
        ex.create_order(&order(Side::Bid, 40, 10), 2).unwrap(); // YES 10 @ .40 = 4.00 + fee .17
        let after_buy = ex.balance_micros();
        assert_eq!(after_buy, 1_000 * ONE - 400 * CENT - 17 * CENT);
        ex.add_liquidity(T, Side::Bid, 70 * CENT, 4 * C, 3).unwrap();
        let mut sell = order(Side::Ask, 70, 4);
        sell.tif = Tif::Ioc;
        ex.create_order(&sell, 4).unwrap(); // pays .70 × 4 = 2.80, fee .07×4×.7×.3=.0588 → .06
        assert_eq!(ex.balance_micros(), after_buy + 280 * CENT - 6 * CENT);
        let p = position(&mut ex);
        assert_eq!(p.position_fp.to_string(), "6.00");
        assert_eq!(p.market_exposure_dollars.to_string(), "2.4000");
        assert_eq!(p.realized_pnl_dollars.to_string(), "1.2000");
    }

    #[test]
    fn settlement_pays_winners_and_closes_positions() {
        let mut ex = exchange();
        ex.add_liquidity(T, Side::Ask, 30 * CENT, 10 * C, 1)
            .unwrap();
        ex.create_order(&order(Side::Bid, 30, 10), 2).unwrap();
        let resting = ex.create_order(&order(Side::Bid, 20, 1), 3).unwrap();
        let before = ex.balance_micros();
        ex.settle_market(T, MarketResult::Yes, 10_000).unwrap();
        assert_eq!(ex.balance_micros(), before + 10 * ONE);
        assert_eq!(
            ex.order(&resting.order_id, 10_000).unwrap().status,
            types::OrderStatus::Canceled
        );
        let s = ex
            .settlements(&SettlementFilter::default(), 10, None, 10_000)
            .unwrap()
            .items;
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].revenue, 1000);
        assert_eq!(s[0].yes_count_fp.to_string(), "10.00");
        assert_eq!(s[0].yes_total_cost_dollars.to_string(), "3.0000");
        let p = position(&mut ex);
        assert_eq!(p.position_fp.to_string(), "0.00");
        assert_eq!(p.realized_pnl_dollars.to_string(), "7.0000");
        assert_eq!(
            ex.create_order(&order(Side::Bid, 30, 1), 10_001)
                .unwrap_err()
                .code(),
            "market_closed"
        );
        // Unsettled positions no longer list it.
        let (page, _) = ex
            .positions(&PositionFilter::default(), 10, None, 10_001)
            .unwrap();
        assert!(page.items.is_empty());
    }

    #[test]
    fn self_trade_prevention_both_kinds() {
        let mut ex = exchange();
        let mine = ex.create_order(&order(Side::Ask, 50, 2), 1).unwrap();
        // taker_at_cross: the incoming bid is canceled at the cross.
        let taker = ex.create_order(&order(Side::Bid, 55, 3), 2).unwrap();
        assert_eq!((taker.fill_count, taker.remaining), (0, 0));
        assert_eq!(
            ex.order(&mine.order_id, 2).unwrap().status,
            types::OrderStatus::Resting
        );
        // maker: the resting own order is canceled and matching continues.
        ex.add_liquidity(T, Side::Ask, 52 * CENT, C, 3).unwrap();
        let mut maker = order(Side::Bid, 55, 3);
        maker.stp = Stp::Maker;
        let placed = ex.create_order(&maker, 4).unwrap();
        assert_eq!(
            ex.order(&mine.order_id, 4).unwrap().status,
            types::OrderStatus::Canceled
        );
        assert_eq!((placed.fill_count, placed.remaining), (C, 2 * C));
    }

    #[test]
    fn order_group_limit_triggers_and_resets() {
        let mut ex = exchange();
        let group = ex.create_group(5 * C).unwrap();
        ex.add_liquidity(T, Side::Ask, 50 * CENT, 20 * C, 0)
            .unwrap();
        let mut grouped = order(Side::Bid, 50, 3);
        grouped.order_group_id = Some(group.clone());
        ex.create_order(&grouped, 1_000).unwrap();
        let mut resting = order(Side::Bid, 40, 1);
        resting.order_group_id = Some(group.clone());
        let resting = ex.create_order(&resting, 1_001).unwrap();
        // 3 more wanted, only 2 of room: fills 2, triggers, cancels the rest.
        let placed = ex.create_order(&grouped, 2_000).unwrap();
        assert_eq!(placed.fill_count, 2 * C);
        assert_eq!(
            ex.order(&resting.order_id, 2_000).unwrap().status,
            types::OrderStatus::Canceled
        );
        assert_eq!(
            ex.create_order(&grouped, 3_000).unwrap_err().code(),
            "order_group_triggered"
        );
        assert!(!ex.group(&group, 3_000).unwrap().is_auto_cancel_enabled);
        ex.reset_group(&group, 3_000).unwrap();
        assert_eq!(ex.create_order(&grouped, 4_000).unwrap().fill_count, 3 * C);
        // The window rolls: 15 s later there is room again.
        ex.create_order(&grouped, 30_000).unwrap();
        ex.delete_group(&group, 30_000).unwrap();
        assert_eq!(ex.group(&group, 30_000).unwrap_err().status(), 404);
    }

    #[test]
    fn expiration_amend_decrease_and_queue() {
        let mut ex = exchange();
        let a = ex.create_order(&order(Side::Bid, 40, 5), 1_000).unwrap();
        let mut b = order(Side::Bid, 40, 3);
        b.expiration_s = Some(10);
        let b = ex.create_order(&b, 1_000).unwrap();
        let c = ex.create_order(&order(Side::Bid, 40, 2), 1_000).unwrap();
        assert_eq!(ex.queue_position(&c.order_id, 1_000).unwrap(), 8 * C);
        // b expires at t = 10 s.
        assert_eq!(ex.queue_position(&c.order_id, 10_000).unwrap(), 5 * C);
        assert_eq!(
            ex.order(&b.order_id, 10_000).unwrap().status,
            types::OrderStatus::Canceled
        );
        // Decreasing keeps priority; increasing loses it.
        let (_, left) = ex
            .decrease_order(&a.order_id, Some(C), None, 11_000)
            .unwrap();
        assert_eq!(left, 4 * C);
        assert_eq!(ex.queue_position(&c.order_id, 11_000).unwrap(), 4 * C);
        let amend = AmendReq {
            ticker: T.into(),
            side: Side::Bid,
            price: 40 * CENT,
            count: 6 * C,
            client_order_id: None,
            updated_client_order_id: None,
            expiration_s: None,
        };
        ex.amend_order(&a.order_id, &amend, 12_000).unwrap();
        assert_eq!(ex.queue_position(&c.order_id, 12_000).unwrap(), 0);
        assert_eq!(ex.queue_position(&a.order_id, 12_000).unwrap(), 2 * C);
        assert_eq!(
            ex.decrease_order(&a.order_id, Some(C), Some(C), 12_000)
                .unwrap_err()
                .code(),
            "invalid_parameters"
        );
        let (_, left) = ex
            .decrease_order(&a.order_id, None, Some(0), 12_000)
            .unwrap();
        assert_eq!(left, 0);
        assert_eq!(
            ex.cancel_order(&a.order_id, 12_000).unwrap_err().code(),
            "order_not_resting"
        );
        assert_eq!(ex.cancel_order("nope", 12_000).unwrap_err().status(), 404);
        // Resting value: c's 2 × .40
        assert_eq!(ex.resting_order_value(12_000).total_resting_order_value, 80);
    }

    #[test]
    fn validation_codes() {
        let mut ex = exchange();
        let mut o = order(Side::Bid, 40, 1);
        o.price = 405_000;
        assert_eq!(ex.create_order(&o, 0).unwrap_err().code(), "invalid_price");
        o.price = ONE;
        assert_eq!(ex.create_order(&o, 0).unwrap_err().code(), "invalid_price");
        let mut o = order(Side::Bid, 40, 0);
        assert_eq!(ex.create_order(&o, 0).unwrap_err().code(), "invalid_count");
        o.count = C;
        o.ticker = "NOPE".into();
        let err = ex.create_order(&o, 0).unwrap_err();
        assert_eq!((err.status(), err.code()), (400, "market_not_found"));
        let mut o = order(Side::Bid, 40, 1);
        o.client_order_id = Some("same".into());
        ex.create_order(&o, 0).unwrap();
        let err = ex.create_order(&o, 0).unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (409, "duplicate_client_order_id")
        );
        assert_eq!(
            ex.create_group(0).unwrap_err().code(),
            "invalid_contracts_limit"
        );
        assert_eq!(ex.user_order_ids().len(), 1);
    }

    #[test]
    fn pagination_cursors_are_stable() {
        let mut ex = exchange();
        ex.add_liquidity(T, Side::Ask, 50 * CENT, 250 * C, 0)
            .unwrap();
        for i in 0..25 {
            ex.create_order(&order(Side::Bid, 50, 1), i).unwrap();
        }
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = ex
                .fills(&FillFilter::default(), 10, cursor.as_deref(), 100)
                .unwrap();
            pages += 1;
            for f in &page.items {
                assert!(seen.insert(f.fill_id.clone()));
            }
            if page.cursor.is_empty() {
                break;
            }
            cursor = Some(page.cursor);
        }
        assert_eq!((seen.len(), pages), (25, 3));
        assert_eq!(
            ex.fills(&FillFilter::default(), 10, Some("garbage"), 0)
                .unwrap_err()
                .code(),
            "invalid_cursor"
        );
    }
}
