//! Order builders that validate before anything is sent.
//!
//! Kalshi's V2 order endpoints quote everything on the YES book: `bid` buys YES, `ask`
//! sells YES, at a fixed-point dollar price. Traders (and Kalshi's older V1 endpoints
//! and SDKs) think in buy or sell, YES or NO, so both vocabularies are accepted and
//! mapped onto the YES book:
//!
//! | you say          | is sent as         |
//! |------------------|--------------------|
//! | buy YES at p     | bid at p           |
//! | sell YES at p    | ask at p           |
//! | buy NO at q      | ask at 1 − q       |
//! | sell NO at q     | bid at 1 − q       |
//!
//! Every rule checked here fails with [`Error::InvalidRequest`] naming the field, so a
//! mistake costs no request, no rate-limit budget and no money.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::money::{Count, Dollars};
use crate::operations::build_request;
use crate::price_rules::PriceRules;
use crate::types;
use crate::{Error, Result};

mod validated;
pub use validated::ValidatedOrder;

/// Buy or sell, in the buy/sell × YES/NO vocabulary (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Acquire contracts of the outcome.
    Buy,
    /// Give up contracts of the outcome.
    Sell,
}

/// Which outcome's contracts, in the buy/sell × YES/NO vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The YES contract.
    Yes,
    /// The NO contract.
    No,
}

/// How long an order may rest. Kalshi requires it on every order; the builders
/// default to [`TimeInForce::GoodTillCanceled`].
pub type TimeInForce = types::CreateOrderV2RequestTimeInForce;

/// What happens when an order would trade against your own. Kalshi requires it on
/// every order; the builders default to [`SelfTradePrevention::TakerAtCross`].
pub type SelfTradePrevention = types::SelfTradePreventionType;

/// The smallest price step assumed unless a builder is given the market's
/// [`PriceRules`] (`.price_rules(..)`, preferred) or a `tick`: one cent, the step of
/// most Kalshi markets, but not of every price range of every market.
pub const DEFAULT_TICK: Dollars = Dollars::from_micros(10_000);

/// The direction as the caller said it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Direction {
    Book(types::BookSide),
    Seed(Action, Outcome),
}

/// The side and the price as sent on the YES book.
fn to_book(direction: &Direction, price: Dollars) -> (types::BookSide, Dollars) {
    match direction {
        Direction::Book(side) => (side.clone(), price),
        Direction::Seed(Action::Buy, Outcome::Yes) => (types::BookSide::Bid, price),
        Direction::Seed(Action::Sell, Outcome::Yes) => (types::BookSide::Ask, price),
        Direction::Seed(Action::Buy, Outcome::No) => (types::BookSide::Ask, price.complement()),
        Direction::Seed(Action::Sell, Outcome::No) => (types::BookSide::Bid, price.complement()),
    }
}

/// A value given as text or as a typed amount; text is parsed when the order is
/// validated, so a typo is reported with the field's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Amount<T> {
    /// An already typed value.
    Value(T),
    /// Text to parse.
    Text(String),
}

impl From<Dollars> for Amount<Dollars> {
    fn from(value: Dollars) -> Self {
        Amount::Value(value)
    }
}

impl From<Count> for Amount<Count> {
    fn from(value: Count) -> Self {
        Amount::Value(value)
    }
}

impl<T> From<&str> for Amount<T> {
    fn from(text: &str) -> Self {
        Amount::Text(text.to_string())
    }
}

impl<T> From<String> for Amount<T> {
    fn from(text: String) -> Self {
        Amount::Text(text)
    }
}

/// Whole contracts.
impl From<u32> for Amount<Count> {
    fn from(contracts: u32) -> Self {
        Amount::Value(Count::from_hundredths(i64::from(contracts) * 100))
    }
}

impl<T: std::str::FromStr> Amount<T>
where
    T::Err: std::fmt::Display,
{
    pub(crate) fn resolve(&self, field: &str) -> Result<T>
    where
        T: Clone,
    {
        match self {
            Amount::Value(value) => Ok(value.clone()),
            Amount::Text(text) => text
                .parse()
                .map_err(|e: T::Err| Error::invalid(field, e.to_string())),
        }
    }
}

fn check_ticker(field: &str, ticker: &str) -> Result<()> {
    if ticker.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if ticker.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid(
            field,
            format!("{ticker:?} contains whitespace or control characters"),
        ));
    }
    Ok(())
}

/// A limit price must be strictly between $0 and $1, on the market's tick, with at
/// most four decimals (the precision Kalshi accepts in requests).
fn check_price(field: &str, price: Dollars, tick: Dollars) -> Result<()> {
    if !price.is_strictly_between_zero_and_one() {
        return Err(Error::invalid(
            field,
            format!("{price} is not strictly between 0 and 1 dollar"),
        ));
    }
    if !price.is_multiple_of(Dollars::from_micros(100)) {
        return Err(Error::invalid(
            field,
            format!("{price} has more than 4 decimals"),
        ));
    }
    if !price.is_multiple_of(tick) {
        return Err(Error::invalid(
            field,
            format!("{price} is not a multiple of the tick {tick}"),
        ));
    }
    Ok(())
}

fn check_tick(tick: Dollars) -> Result<()> {
    if !tick.is_positive() || !tick.is_strictly_between_zero_and_one() {
        return Err(Error::invalid(
            "tick",
            format!("{tick} is not a price step between 0 and 1"),
        ));
    }
    Ok(())
}

fn check_positive_count(field: &str, count: Count) -> Result<()> {
    if count.is_positive() {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("must be more than zero, got {count}"),
        ))
    }
}

fn check_subaccount(subaccount: Option<u64>) -> Result<()> {
    match subaccount {
        Some(n) if n > 63 => Err(Error::invalid(
            "subaccount",
            format!("{n} is outside 0..=63"),
        )),
        _ => Ok(()),
    }
}

/// Now, in Unix seconds (0 if the clock is before 1970).
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// What every order request states: the market, the side, the price and the count,
/// and the tick the price must sit on. Shared by [`NewOrder`] and [`AmendOrder`].
#[derive(Clone, Debug, PartialEq)]
struct Quote {
    ticker: String,
    direction: Option<Direction>,
    price: Option<Amount<Dollars>>,
    count: Option<Amount<Count>>,
    tick: Amount<Dollars>,
    /// The market's price ranges, when given: they replace the tick.
    rules: Option<PriceRules>,
}

/// A quote that passed every check, as sent on the YES book.
struct CheckedQuote {
    ticker: String,
    side: types::BookSide,
    price: Dollars,
    count: Count,
}

impl Quote {
    fn new(ticker: String) -> Self {
        Quote {
            ticker,
            direction: None,
            price: None,
            count: None,
            tick: Amount::Value(DEFAULT_TICK),
            rules: None,
        }
    }

    /// Check the quote, naming fields with `prefix` (`orders[3].` in a batch).
    fn check(&self, prefix: &str) -> Result<CheckedQuote> {
        let field = |name: &str| format!("{prefix}{name}");
        check_ticker(&field("ticker"), &self.ticker)?;
        let direction = self.direction.as_ref().ok_or_else(|| {
            Error::invalid(
                field("side"),
                "choose a side: buy_yes/sell_yes/buy_no/sell_no or bid/ask",
            )
        })?;
        let price = self
            .price
            .as_ref()
            .ok_or_else(|| Error::invalid(field("price"), "is required"))?
            .resolve(&field("price"))?;
        match &self.rules {
            Some(rules) => {
                // The market's ranges are YES prices; a NO price is checked as the YES
                // price it is sent as.
                let (_, yes_price) = to_book(direction, price);
                rules.check(yes_price).map_err(|reason| {
                    let sent_as = if yes_price == price {
                        String::new()
                    } else {
                        format!(" (the NO price {price} is sent as the YES price {yes_price})")
                    };
                    Error::invalid(field("price"), format!("{reason}{sent_as}"))
                })?;
            }
            None => {
                let tick = self.tick.resolve(&field("tick"))?;
                check_tick(tick)?;
                check_price(&field("price"), price, tick)?;
            }
        }
        let count = self
            .count
            .as_ref()
            .ok_or_else(|| Error::invalid(field("count"), "is required"))?
            .resolve(&field("count"))?;
        check_positive_count(&field("count"), count)?;
        let (side, price) = to_book(direction, price);
        Ok(CheckedQuote {
            ticker: self.ticker.clone(),
            side,
            price,
            count,
        })
    }
}

/// The side, price, count and tick setters, the same on every builder holding a
/// `quote: Quote`.
macro_rules! quote_setters {
    () => {
        /// Buy or sell YES or NO; the price is then that outcome's price.
        pub fn side(mut self, action: Action, outcome: Outcome) -> Self {
            self.quote.direction = Some(Direction::Seed(action, outcome));
            self
        }

        /// Buy YES (a bid at the price).
        pub fn buy_yes(self) -> Self {
            self.side(Action::Buy, Outcome::Yes)
        }

        /// Sell YES (an ask at the price).
        pub fn sell_yes(self) -> Self {
            self.side(Action::Sell, Outcome::Yes)
        }

        /// Buy NO at the NO price q (an ask at 1 − q on the YES book).
        pub fn buy_no(self) -> Self {
            self.side(Action::Buy, Outcome::No)
        }

        /// Sell NO at the NO price q (a bid at 1 − q on the YES book).
        pub fn sell_no(self) -> Self {
            self.side(Action::Sell, Outcome::No)
        }

        /// Bid on the YES book (buy YES) at the price.
        pub fn bid(mut self) -> Self {
            self.quote.direction = Some(Direction::Book(types::BookSide::Bid));
            self
        }

        /// Ask on the YES book (sell YES) at the price.
        pub fn ask(mut self) -> Self {
            self.quote.direction = Some(Direction::Book(types::BookSide::Ask));
            self
        }

        /// The limit price in dollars (`"0.56"` or a [`Dollars`]) of the outcome chosen.
        pub fn price(mut self, price: impl Into<Amount<Dollars>>) -> Self {
            self.quote.price = Some(price.into());
            self
        }

        /// How many contracts (`10`, `"2.5"` or a [`Count`]).
        pub fn count(mut self, count: impl Into<Amount<Count>>) -> Self {
            self.quote.count = Some(count.into());
            self
        }

        /// The market's price step, for a caller that knows it but has no market at
        /// hand; the default is one cent. Prefer [`Self::price_rules`] (or starting
        /// from the market, `for_market`): a market's step can differ by price range.
        pub fn tick(mut self, tick: impl Into<Amount<Dollars>>) -> Self {
            self.quote.tick = tick.into();
            self
        }

        /// Check the price against the market's price ranges
        /// ([`PriceRules`](crate::price_rules::PriceRules)) instead of a flat tick:
        /// the check Kalshi makes, so an order refused here would be refused there.
        pub fn price_rules(mut self, rules: &crate::price_rules::PriceRules) -> Self {
            self.quote.rules = Some(rules.clone());
            self
        }
    };
}

/// A new order for [`Client::create_order`](crate::Client::create_order) or
/// [`Client::batch_create_orders`](crate::Client::batch_create_orders).
///
/// ```
/// use kalshi_portfolio::NewOrder;
/// // Buy 10 YES at 56¢; rests until cancelled.
/// let order = NewOrder::new("KXHIGHNY-25NOV26-T60").buy_yes().price("0.56").count(10);
/// // The same in the YES-book vocabulary.
/// let same = NewOrder::new("KXHIGHNY-25NOV26-T60").bid().price("0.56").count(10);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct NewOrder {
    quote: Quote,
    time_in_force: TimeInForce,
    self_trade_prevention: SelfTradePrevention,
    expiration_time: Option<i64>,
    post_only: Option<bool>,
    reduce_only: Option<bool>,
    cancel_order_on_pause: Option<bool>,
    client_order_id: Option<String>,
    order_group_id: Option<String>,
    subaccount: Option<u64>,
}

impl NewOrder {
    /// Start an order in `market`, checked against its price rules
    /// (`PriceRules::try_from(market)`): the way to prefer when the market is at
    /// hand ([`Client::get_market`](crate::Client::get_market)), since a flat tick
    /// is not true of every market. Fails, naming the market, when its price
    /// structure cannot be read.
    pub fn for_market(market: &types::Market) -> Result<Self> {
        let rules = crate::price_rules::PriceRules::try_from(market)
            .map_err(|e| Error::invalid("market", e.to_string()))?;
        Ok(NewOrder::new(market.ticker.clone()).price_rules(&rules))
    }

    /// Start an order in market `ticker`. Without a market
    /// ([`NewOrder::for_market`]) or [`NewOrder::price_rules`], the price is checked
    /// against a flat one-cent tick ([`NewOrder::tick`] to change it).
    pub fn new(ticker: impl Into<String>) -> Self {
        NewOrder {
            quote: Quote::new(ticker.into()),
            time_in_force: TimeInForce::GoodTillCanceled,
            self_trade_prevention: SelfTradePrevention::TakerAtCross,
            expiration_time: None,
            post_only: None,
            reduce_only: None,
            cancel_order_on_pause: None,
            client_order_id: None,
            order_group_id: None,
            subaccount: None,
        }
    }

    quote_setters!();

    /// How long the order may rest (default good-till-canceled).
    pub fn time_in_force(mut self, time_in_force: TimeInForce) -> Self {
        self.time_in_force = time_in_force;
        self
    }

    /// Self-trade prevention (default: cancel the taker at the cross).
    pub fn self_trade_prevention(mut self, prevention: SelfTradePrevention) -> Self {
        self.self_trade_prevention = prevention;
        self
    }

    /// Expire the resting order at this Unix time in seconds (good-till-canceled only).
    pub fn expiration_time(mut self, unix_seconds: i64) -> Self {
        self.expiration_time = Some(unix_seconds);
        self
    }

    /// Only rest, never take (good-till-canceled only).
    pub fn post_only(mut self, post_only: bool) -> Self {
        self.post_only = Some(post_only);
        self
    }

    /// Never increase the position (Kalshi accepts it only immediate-or-cancel).
    pub fn reduce_only(mut self, reduce_only: bool) -> Self {
        self.reduce_only = Some(reduce_only);
        self
    }

    /// Cancel the order if trading is paused.
    pub fn cancel_order_on_pause(mut self, cancel: bool) -> Self {
        self.cancel_order_on_pause = Some(cancel);
        self
    }

    /// Your own id for the order, fixed from now on. When not given, every call
    /// (`create_order`, `batch_create_orders`) generates a new random UUID, so a
    /// builder cloned as a template gives each order its own id; either way the id is
    /// sent on every attempt of one call, so a retried call cannot place twice.
    ///
    /// To retry a create *yourself* after an error that may have reached the exchange,
    /// set this to the id the error carries ([`Error::client_order_ids`]): the
    /// exchange refuses a second order with the same id, so the retry cannot place
    /// the order twice. Without it, the retry is a new order.
    pub fn client_order_id(mut self, id: impl Into<String>) -> Self {
        self.client_order_id = Some(id.into());
        self
    }

    /// Place the order in this order group.
    pub fn order_group_id(mut self, id: impl Into<String>) -> Self {
        self.order_group_id = Some(id.into());
        self
    }

    /// Place the order for this subaccount (0 is the primary account, up to 63).
    pub fn subaccount(mut self, subaccount: u64) -> Self {
        self.subaccount = Some(subaccount);
        self
    }

    /// The id set with [`NewOrder::client_order_id`], if any.
    pub(crate) fn fixed_client_order_id(&self) -> Option<&str> {
        self.client_order_id.as_deref()
    }

    /// Check every rule and produce the request body, naming fields with `prefix`
    /// (empty for a single order, `orders[3].` in a batch). Without a fixed
    /// `client_order_id`, each call generates a new one.
    pub(crate) fn request_body(&self, prefix: &str) -> Result<types::CreateOrderV2Request> {
        let field = |name: &str| format!("{prefix}{name}");
        let quote = self.quote.check(prefix)?;
        check_subaccount(self.subaccount)?;

        let tif = &self.time_in_force;
        if let TimeInForce::Unknown(value) = tif {
            return Err(Error::invalid(
                field("time_in_force"),
                format!("{value:?} is not a time in force Kalshi accepts"),
            ));
        }
        if let SelfTradePrevention::Unknown(value) = &self.self_trade_prevention {
            return Err(Error::invalid(
                field("self_trade_prevention_type"),
                format!("{value:?} is not a self-trade prevention type Kalshi accepts"),
            ));
        }
        if let Some(expiration) = self.expiration_time {
            if *tif != TimeInForce::GoodTillCanceled {
                return Err(Error::invalid(
                    field("expiration_time"),
                    format!("only good_till_canceled orders can expire, not {tif}"),
                ));
            }
            if expiration <= unix_now() {
                return Err(Error::invalid(
                    field("expiration_time"),
                    format!("{expiration} is not in the future"),
                ));
            }
        }
        if self.post_only == Some(true) && *tif != TimeInForce::GoodTillCanceled {
            return Err(Error::invalid(
                field("post_only"),
                format!("a post-only order must rest (good_till_canceled), not {tif}"),
            ));
        }
        if self.reduce_only == Some(true) && *tif != TimeInForce::ImmediateOrCancel {
            return Err(Error::invalid(
                field("reduce_only"),
                format!("Kalshi accepts reduce-only orders only immediate_or_cancel, not {tif}"),
            ));
        }
        let client_order_id = match &self.client_order_id {
            Some(id) if id.trim().is_empty() => {
                return Err(Error::invalid(
                    field("client_order_id"),
                    "must not be empty",
                ))
            }
            Some(id) => id.clone(),
            None => uuid::Uuid::new_v4().to_string(),
        };
        if let Some(group) = &self.order_group_id {
            if group.trim().is_empty() {
                return Err(Error::invalid(field("order_group_id"), "must not be empty"));
            }
        }

        build_request(
            types::builder::CreateOrderV2Request::default()
                .ticker(quote.ticker)
                .side(quote.side)
                .price(quote.price)
                .count(quote.count)
                .time_in_force(tif.clone())
                .self_trade_prevention_type(self.self_trade_prevention.clone())
                .client_order_id(client_order_id)
                .expiration_time(self.expiration_time)
                .post_only(self.post_only)
                .reduce_only(self.reduce_only)
                .cancel_order_on_pause(self.cancel_order_on_pause)
                .order_group_id(self.order_group_id.clone())
                .subaccount(self.subaccount),
        )
    }
}

/// New terms for a resting order, for [`Client::amend_order`](crate::Client::amend_order).
///
/// Kalshi's amend takes the market, the side, the new price and the new total count
/// (already filled plus what should rest afterwards).
///
/// To change one term of an order you hold, start from the order:
/// [`AmendOrder::reprice`] and [`AmendOrder::resize`] restate everything else as it
/// is.
///
/// ```no_run
/// # fn main() -> kalshi_portfolio::Result<()> {
/// use kalshi_portfolio::{AmendOrder, Dollars};
/// let client = kalshi_portfolio::Client::from_env()?;
/// let order = client.get_order("ord-1")?;
/// // One cent lower on the YES book, same size.
/// if let Some(lower) = order.yes_price_dollars.checked_sub(Dollars::from_micros(10_000)) {
///     client.amend_order(&order.order_id, &AmendOrder::reprice(&order, lower))?;
/// }
/// // Leave 3 contracts resting, same price.
/// client.amend_order(&order.order_id, &AmendOrder::resize(&order, 3))?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct AmendOrder {
    quote: Quote,
    client_order_id: Option<String>,
    updated_client_order_id: Option<String>,
    expiration_time: Option<i64>,
    /// The order's filled count, when built from the order: lets
    /// [`AmendOrder::remaining`] state the total Kalshi wants.
    filled: Option<Count>,
    remaining: Option<Amount<Count>>,
}

impl AmendOrder {
    /// Amend an order in `market`, checked against its price rules, as
    /// [`NewOrder::for_market`]. Fails, naming the market, when its price
    /// structure cannot be read.
    pub fn for_market(market: &types::Market) -> Result<Self> {
        let rules = crate::price_rules::PriceRules::try_from(market)
            .map_err(|e| Error::invalid("market", e.to_string()))?;
        Ok(AmendOrder::new(market.ticker.clone()).price_rules(&rules))
    }

    /// Amend an order in market `ticker`.
    pub fn new(ticker: impl Into<String>) -> Self {
        AmendOrder {
            quote: Quote::new(ticker.into()),
            client_order_id: None,
            updated_client_order_id: None,
            expiration_time: None,
            filled: None,
            remaining: None,
        }
    }

    /// The amend that restates `order` as it is: its market, its side and price on
    /// the YES book, its total count (filled + remaining) and its client order id.
    /// Change what should change with the setters ([`AmendOrder::price`],
    /// [`AmendOrder::remaining`], …).
    pub fn from_order(order: &types::Order) -> Self {
        let mut amend = AmendOrder::new(order.ticker.clone());
        amend.quote.direction = match order.book_side {
            // An unknown side is left unset, so validation names it.
            types::BookSide::Unknown(_) => None,
            ref side => Some(Direction::Book(side.clone())),
        };
        amend.quote.price = Some(Amount::Value(order.yes_price_dollars));
        amend.quote.count = order
            .fill_count_fp
            .checked_add(order.remaining_count_fp)
            .map(Amount::Value);
        amend.client_order_id = Some(order.client_order_id.clone()).filter(|id| !id.is_empty());
        amend.filled = Some(order.fill_count_fp);
        amend
    }

    /// `order` at a new price, on the YES book like its `yes_price_dollars` (for an
    /// order placed as "buy NO at 0.30", an ask at 0.70, pass the new YES price
    /// 1 − NO price). Everything else as it is.
    pub fn reprice(order: &types::Order, yes_price: impl Into<Amount<Dollars>>) -> Self {
        AmendOrder::from_order(order).price(yes_price)
    }

    /// `order` with `remaining` contracts left resting (Kalshi's amend states the
    /// total, filled + remaining; this computes it). Everything else as it is.
    pub fn resize(order: &types::Order, remaining: impl Into<Amount<Count>>) -> Self {
        AmendOrder::from_order(order).remaining(remaining)
    }

    /// How many contracts should rest after the amend. Needs the order's filled
    /// count, so only for an amend built with [`AmendOrder::from_order`] (or
    /// [`AmendOrder::resize`]); otherwise state the total with [`AmendOrder::count`].
    pub fn remaining(mut self, remaining: impl Into<Amount<Count>>) -> Self {
        self.remaining = Some(remaining.into());
        self
    }

    quote_setters!();

    /// The order's current client order id.
    pub fn client_order_id(mut self, id: impl Into<String>) -> Self {
        self.client_order_id = Some(id.into());
        self
    }

    /// A new client order id for the amended order.
    pub fn updated_client_order_id(mut self, id: impl Into<String>) -> Self {
        self.updated_client_order_id = Some(id.into());
        self
    }

    /// A new expiry (Unix seconds), or 0 to remove it.
    pub fn expiration_time(mut self, unix_seconds: i64) -> Self {
        self.expiration_time = Some(unix_seconds);
        self
    }

    pub(crate) fn validate(&self) -> Result<types::AmendOrderV2Request> {
        let mut quote = self.quote.clone();
        if let Some(remaining) = &self.remaining {
            let filled = self.filled.ok_or_else(|| {
                Error::invalid(
                    "remaining",
                    "needs the order's filled count: build the amend with \
                     AmendOrder::from_order, or state the total with .count()",
                )
            })?;
            let remaining = remaining.resolve("remaining")?;
            check_positive_count("remaining", remaining)?;
            let total = filled
                .checked_add(remaining)
                .ok_or_else(|| Error::invalid("remaining", "filled + remaining overflows"))?;
            quote.count = Some(Amount::Value(total));
        }
        let quote = quote.check("")?;
        let expiration_time = match self.expiration_time {
            None => None,
            Some(0) => Some(0),
            Some(t) if t < 0 || t <= unix_now() => {
                return Err(Error::invalid(
                    "expiration_time",
                    format!("{t} is not in the future (use 0 to remove the expiry)"),
                ))
            }
            Some(t) => Some(t),
        };
        for (name, id) in [
            ("client_order_id", &self.client_order_id),
            ("updated_client_order_id", &self.updated_client_order_id),
        ] {
            if id.as_deref().is_some_and(|id| id.trim().is_empty()) {
                return Err(Error::invalid(name, "must not be empty"));
            }
        }
        build_request(
            types::builder::AmendOrderV2Request::default()
                .ticker(quote.ticker)
                .side(quote.side)
                .price(quote.price)
                .count(quote.count)
                .client_order_id(self.client_order_id.clone())
                .updated_client_order_id(self.updated_client_order_id.clone())
                .expiration_time(expiration_time),
        )
    }
}

/// How to shrink a resting order, for
/// [`Client::decrease_order`](crate::Client::decrease_order): exactly one of
/// `reduce_by` and `reduce_to`.
#[derive(Clone, Debug, PartialEq, Default)]
#[must_use]
pub struct DecreaseOrder {
    reduce_by: Option<Amount<Count>>,
    reduce_to: Option<Amount<Count>>,
}

impl DecreaseOrder {
    /// An empty request; set exactly one of [`DecreaseOrder::reduce_by`] and
    /// [`DecreaseOrder::reduce_to`].
    pub fn new() -> Self {
        DecreaseOrder::default()
    }

    /// Cancel this many of the resting contracts.
    pub fn reduce_by(mut self, count: impl Into<Amount<Count>>) -> Self {
        self.reduce_by = Some(count.into());
        self
    }

    /// Leave this many contracts resting.
    pub fn reduce_to(mut self, count: impl Into<Amount<Count>>) -> Self {
        self.reduce_to = Some(count.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<types::DecreaseOrderV2Request> {
        let (reduce_by, reduce_to) = match (&self.reduce_by, &self.reduce_to) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "reduce_by/reduce_to",
                    "give exactly one of reduce_by and reduce_to, not both",
                ))
            }
            (None, None) => {
                return Err(Error::invalid(
                    "reduce_by/reduce_to",
                    "give exactly one of reduce_by and reduce_to",
                ))
            }
            (Some(by), None) => {
                let by = by.resolve("reduce_by")?;
                check_positive_count("reduce_by", by)?;
                (Some(by), None)
            }
            (None, Some(to)) => {
                let to = to.resolve("reduce_to")?;
                if to.is_negative() {
                    return Err(Error::invalid("reduce_to", format!("{to} is negative")));
                }
                (None, Some(to))
            }
        };
        build_request(
            types::builder::DecreaseOrderV2Request::default()
                .reduce_by(reduce_by)
                .reduce_to(reduce_to),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid_field(result: Result<impl std::fmt::Debug>) -> String {
        match result {
            Err(Error::InvalidRequest { field, .. }) => field,
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }

    fn valid() -> NewOrder {
        NewOrder::new("KXTEST-25NOV26")
            .buy_yes()
            .price("0.56")
            .count(10)
    }

    #[test]
    fn seed_vocabulary_maps_onto_the_yes_book() {
        let cases = [
            (valid(), types::BookSide::Bid, "0.5600"),
            (valid().sell_yes(), types::BookSide::Ask, "0.5600"),
            (valid().buy_no(), types::BookSide::Ask, "0.4400"),
            (valid().sell_no(), types::BookSide::Bid, "0.4400"),
            (valid().bid(), types::BookSide::Bid, "0.5600"),
            (valid().ask(), types::BookSide::Ask, "0.5600"),
        ];
        for (order, side, price) in cases {
            let request = order.request_body("").expect("valid order");
            assert_eq!(request.side, side, "{order:?}");
            assert_eq!(request.price.to_string(), price, "{order:?}");
        }
    }

    #[test]
    fn defaults_fill_the_required_fields() {
        let request = valid().request_body("").expect("valid");
        assert_eq!(request.time_in_force, TimeInForce::GoodTillCanceled);
        assert_eq!(
            request.self_trade_prevention_type,
            SelfTradePrevention::TakerAtCross
        );
        assert_eq!(request.count.to_string(), "10.00");
        let id = request.client_order_id.expect("generated id");
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        let other = valid().request_body("").expect("valid").client_order_id;
        assert_ne!(Some(id), other, "each call gets its own id");
    }

    #[test]
    fn a_given_client_order_id_is_kept() {
        let request = valid()
            .client_order_id("mine-1")
            .request_body("")
            .expect("valid");
        assert_eq!(request.client_order_id.as_deref(), Some("mine-1"));
    }

    #[test]
    fn every_rule_names_its_field() {
        let cases: Vec<(NewOrder, &str)> = vec![
            (NewOrder::new("").buy_yes().price("0.5").count(1), "ticker"),
            (
                NewOrder::new("A B").buy_yes().price("0.5").count(1),
                "ticker",
            ),
            (NewOrder::new("T").price("0.5").count(1), "side"),
            (NewOrder::new("T").buy_yes().count(1), "price"),
            (valid().price("1.00"), "price"),
            (valid().price("0"), "price"),
            (valid().price("-0.5"), "price"),
            (valid().price("0.565"), "price"),
            (valid().price("0.56001"), "price"),
            (valid().price("abc"), "price"),
            (valid().price("0.5").tick("0"), "tick"),
            (NewOrder::new("T").buy_yes().price("0.5"), "count"),
            (valid().count(0), "count"),
            (valid().count("-1"), "count"),
            (valid().count("1.005"), "count"),
            (valid().subaccount(64), "subaccount"),
            (valid().client_order_id(" "), "client_order_id"),
            (valid().order_group_id(""), "order_group_id"),
            (valid().expiration_time(1), "expiration_time"),
            (
                valid()
                    .time_in_force(TimeInForce::ImmediateOrCancel)
                    .expiration_time(unix_now() + 60),
                "expiration_time",
            ),
            (
                valid()
                    .post_only(true)
                    .time_in_force(TimeInForce::FillOrKill),
                "post_only",
            ),
            (valid().reduce_only(true), "reduce_only"),
            (
                valid().time_in_force(TimeInForce::Unknown("gtt".into())),
                "time_in_force",
            ),
        ];
        for (order, field) in cases {
            assert_eq!(invalid_field(order.request_body("")), field, "{order:?}");
        }
    }

    #[test]
    fn finer_ticks_are_allowed_when_declared() {
        assert!(valid()
            .price("0.565")
            .tick("0.001")
            .request_body("")
            .is_ok());
        assert!(valid()
            .price("0.5655")
            .tick("0.001")
            .request_body("")
            .is_err());
    }

    #[test]
    fn reduce_only_is_accepted_immediate_or_cancel() {
        let order = valid()
            .reduce_only(true)
            .time_in_force(TimeInForce::ImmediateOrCancel);
        assert!(order.request_body("").is_ok());
    }

    #[test]
    fn batch_prefix_is_in_the_field_name() {
        let err = valid().price("2").request_body("orders[3].");
        assert_eq!(invalid_field(err), "orders[3].price");
    }

    #[test]
    fn amend_rules() {
        let ok = AmendOrder::new("T")
            .buy_no()
            .price("0.30")
            .count(5)
            .validate()
            .expect("valid");
        assert_eq!(ok.side, types::BookSide::Ask);
        assert_eq!(ok.price.to_string(), "0.7000");
        assert_eq!(
            invalid_field(AmendOrder::new("T").price("0.3").count(5).validate()),
            "side"
        );
        assert_eq!(
            invalid_field(AmendOrder::new("T").bid().price("1.3").count(5).validate()),
            "price"
        );
        assert_eq!(
            invalid_field(AmendOrder::new("T").bid().price("0.3").count(0).validate()),
            "count"
        );
        assert_eq!(
            invalid_field(
                AmendOrder::new("T")
                    .bid()
                    .price("0.3")
                    .count(1)
                    .expiration_time(5)
                    .validate()
            ),
            "expiration_time"
        );
        let removes_expiry = AmendOrder::new("T")
            .bid()
            .price("0.3")
            .count(1)
            .expiration_time(0);
        assert_eq!(
            removes_expiry.validate().expect("valid").expiration_time,
            Some(0)
        );
    }

    #[test]
    fn decrease_needs_exactly_one_of_reduce_by_and_reduce_to() {
        assert_eq!(
            invalid_field(DecreaseOrder::new().validate()),
            "reduce_by/reduce_to"
        );
        assert_eq!(
            invalid_field(DecreaseOrder::new().reduce_by(1).reduce_to(2).validate()),
            "reduce_by/reduce_to"
        );
        assert_eq!(
            invalid_field(DecreaseOrder::new().reduce_by(0).validate()),
            "reduce_by"
        );
        assert_eq!(
            invalid_field(DecreaseOrder::new().reduce_to("-1").validate()),
            "reduce_to"
        );
        let by = DecreaseOrder::new()
            .reduce_by("2.5")
            .validate()
            .expect("valid");
        assert_eq!(by.reduce_by.map(|c| c.to_string()).as_deref(), Some("2.50"));
        let to = DecreaseOrder::new().reduce_to(0).validate().expect("valid");
        assert_eq!(to.reduce_to, Some(Count::ZERO));
    }

    fn held_order(book_side: &str, filled: &str, remaining: &str) -> types::Order {
        serde_json::from_value(serde_json::json!({
            "order_id": "ord-1", "user_id": "u", "client_order_id": "c-1",
            "ticker": "KXT-26-T1", "outcome_side": "yes", "book_side": book_side,
            "type": "limit", "status": "resting", "yes_price_dollars": "0.4200",
            "no_price_dollars": "0.5800", "fill_count_fp": filled,
            "remaining_count_fp": remaining, "initial_count_fp": "10.00",
            "taker_fees_dollars": "0", "maker_fees_dollars": "0",
            "taker_fill_cost_dollars": "0", "maker_fill_cost_dollars": "0",
            "self_trade_prevention_type": "taker_at_cross", "exchange_index": 0
        }))
        .expect("an order")
    }

    #[test]
    fn reprice_restates_everything_but_the_price() {
        let order = held_order("ask", "3.00", "7.00");
        let body = AmendOrder::reprice(&order, "0.41")
            .validate()
            .expect("valid");
        assert_eq!(body.ticker, "KXT-26-T1");
        assert_eq!(body.side, types::BookSide::Ask);
        assert_eq!(body.price.to_string(), "0.4100");
        assert_eq!(
            body.count.to_string(),
            "10.00",
            "the total, filled + remaining"
        );
        assert_eq!(body.client_order_id.as_deref(), Some("c-1"));
    }

    #[test]
    fn resize_states_the_total_from_what_should_remain() {
        let order = held_order("bid", "3.00", "7.00");
        let body = AmendOrder::resize(&order, 2).validate().expect("valid");
        assert_eq!(body.count.to_string(), "5.00");
        assert_eq!(body.price.to_string(), "0.4200");
        assert_eq!(body.side, types::BookSide::Bid);
        let err = AmendOrder::resize(&order, 0)
            .validate()
            .expect_err("nothing left");
        assert!(err.to_string().contains("remaining"), "{err}");
        let err = AmendOrder::new("KXT-26-T1")
            .bid()
            .price("0.42")
            .remaining(2)
            .validate()
            .expect_err("no filled count");
        assert!(err.to_string().contains("from_order"), "{err}");
    }

    #[test]
    fn price_rules_replace_the_flat_tick() {
        let rules = PriceRules::tapered_deci_cent();
        let order = |price: &str| NewOrder::new("KXT-26-T1").bid().price(price).count(1);
        // A fine price below $0.10: valid on the market, refused by the default tick.
        assert!(order("0.055").price_rules(&rules).request_body("").is_ok());
        assert!(order("0.055").request_body("").is_err());
        // Off the cent grid in the middle range: refused, naming the neighbours.
        let err = order("0.555")
            .price_rules(&rules)
            .request_body("")
            .expect_err("off the grid");
        let text = err.to_string();
        assert!(text.contains("price") && text.contains("0.5500"), "{text}");
        // A NO price is checked as the YES price it is sent as: NO 0.945 is YES 0.055.
        let no = NewOrder::new("KXT-26-T1").buy_no().price("0.945").count(1);
        let body = no
            .price_rules(&rules)
            .request_body("")
            .expect("valid as YES 0.055");
        assert_eq!(body.price.to_string(), "0.0550");
    }
}
