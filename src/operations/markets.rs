//! Market reads: the public facts an order needs that the portfolio endpoints do
//! not give — a market's price structure, whether it is open, where it trades now,
//! and which markets an event has.
//!
//! Kalshi accepts signed requests on these public reads, so they go through
//! [`Client::call`](crate::Client) like every other operation: one retry policy,
//! one rate limiter, one error type. Build the price rules of an order from the
//! market (`PriceRules::try_from(&market)` or [`NewOrder::for_market`]) rather than
//! assuming a tick.
//!
//! [`NewOrder::for_market`]: crate::NewOrder::for_market

use super::{list_operation, require_id};
use crate::client::CallKind;
use crate::filters::UnixTime;
use crate::money::{Count, Dollars};
use crate::pagination::{List, Page};
use crate::types;
use crate::{Client, Error, Result};

list_operation! {
    /// Filters of [`Client::get_markets`].
    Markets => get_markets, response: types::GetMarketsResponse, item: types::Market,
    max_limit: 1000,
    // GetMarkets types its limit as an i64 (0 allowed); the List's is 1..=1000.
    limit_as: |n: std::num::NonZeroU64| i64::try_from(n.get()).unwrap_or(i64::MAX),
    into_page: |r| Page::new(r.markets, Some(r.cursor)),
    filters {
        /// Only the markets of this event.
        event_ticker: String,
        /// Only the markets of this series.
        series_ticker: String,
        /// Only markets in this state (`open`, `closed`, …). Kalshi's filter names
        /// differ from the states a market reports (`active`, …).
        status: types::GetMarketsStatus,
        /// Only these markets: tickers separated by commas.
        tickers: String,
        /// Only markets closing at or after this time (see [`UnixTime`]).
        min_close_ts: UnixTime,
        /// Only markets closing at or before this time (see [`UnixTime`]).
        max_close_ts: UnixTime,
        /// Multivariate (combo) markets only, or none of them.
        mve_filter: types::GetMarketsMveFilter,
    }
}

/// The request of [`Client::get_market_orderbook`]: the whole book by default, or
/// only the best `depth` levels of each side.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `send` is called"]
pub struct OrderbookRequest {
    client: Client,
    ticker: String,
    depth: Option<u32>,
}

/// Kalshi's largest `depth`.
const MAX_DEPTH: u32 = 100;

impl OrderbookRequest {
    /// Only the best `depth` price levels of each side (1 to 100); 0 is the whole
    /// book, as Kalshi reads it.
    pub fn depth(mut self, depth: u32) -> Self {
        self.depth = Some(depth);
        self
    }

    /// Fetch the book.
    pub fn send(&self) -> Result<Orderbook> {
        require_id("ticker", &self.ticker)?;
        if let Some(depth) = self.depth.filter(|d| *d > MAX_DEPTH) {
            return Err(Error::invalid(
                "depth",
                format!("{depth} is more than Kalshi's maximum of {MAX_DEPTH} levels"),
            ));
        }
        let ticker = self.ticker.clone();
        let depth = self.depth;
        let response = self
            .client
            .call("get_market_orderbook", CallKind::READ, move |raw| {
                let ticker = ticker.clone();
                async move {
                    let mut request = raw.get_market_orderbook().ticker(ticker);
                    if let Some(depth) = depth {
                        request = request.depth(i64::from(depth));
                    }
                    request.send().await
                }
            })?;
        Orderbook::from_wire(self.ticker.clone(), &response.orderbook_fp)
    }
}

/// One price level: resting contracts at a price.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Level {
    /// The price of the side the level is on (a YES price for YES bids, a NO price
    /// for NO bids).
    pub price: Dollars,
    /// Contracts resting at that price.
    pub count: Count,
}

/// A market's order book as Kalshi shows it: bids only, on both sides. A NO bid at
/// `p` is the same offer as a YES ask at `1 − p`, so the YES book's asks are the NO
/// bids mirrored ([`Orderbook::best_yes_ask`]).
///
/// Levels are in Kalshi's order: lowest price first, so the best bid is the last.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Orderbook {
    /// The market asked for.
    pub ticker: String,
    /// Bids to buy YES.
    pub yes_bids: Vec<Level>,
    /// Bids to buy NO.
    pub no_bids: Vec<Level>,
}

impl Orderbook {
    /// Decode the wire book; a level that is not `[price, count]` in Kalshi's
    /// fixed-point text is a decode error naming it.
    fn from_wire(ticker: String, book: &types::OrderbookCountFp) -> Result<Orderbook> {
        let side = |levels: &[types::PriceLevelDollarsCountFp], name: &str| {
            levels
                .iter()
                .map(|level| {
                    let [price, count] = &level.0;
                    let bad = |what: &str, text: &str, e: &dyn std::fmt::Display| {
                        Error::decode(
                            "get_market_orderbook",
                            format!("{name} level has {what} {text:?}: {e}"),
                            b"",
                        )
                    };
                    Ok(Level {
                        price: price.parse().map_err(|e| bad("price", price, &e))?,
                        count: count.parse().map_err(|e| bad("count", count, &e))?,
                    })
                })
                .collect::<Result<Vec<Level>>>()
        };
        Ok(Orderbook {
            yes_bids: side(&book.yes_dollars, "yes_dollars")?,
            no_bids: side(&book.no_dollars, "no_dollars")?,
            ticker,
        })
    }

    /// The highest YES bid, if any.
    pub fn best_yes_bid(&self) -> Option<Level> {
        best(&self.yes_bids)
    }

    /// The highest NO bid, if any.
    pub fn best_no_bid(&self) -> Option<Level> {
        best(&self.no_bids)
    }

    /// The lowest YES ask: the highest NO bid seen from the YES side (`1 − p`).
    pub fn best_yes_ask(&self) -> Option<Level> {
        self.best_no_bid().map(mirror)
    }

    /// The lowest NO ask: the highest YES bid seen from the NO side (`1 − p`).
    pub fn best_no_ask(&self) -> Option<Level> {
        self.best_yes_bid().map(mirror)
    }

    /// The YES book's asks, lowest price first (the NO bids mirrored).
    pub fn yes_asks(&self) -> Vec<Level> {
        self.no_bids.iter().rev().copied().map(mirror).collect()
    }
}

/// The highest-priced level (Kalshi lists lowest first, but nothing here relies
/// on that).
fn best(levels: &[Level]) -> Option<Level> {
    levels.iter().copied().max_by_key(|level| level.price)
}

fn mirror(level: Level) -> Level {
    Level {
        price: level.price.complement(),
        count: level.count,
    }
}

impl Client {
    /// One market (`GET /markets/{ticker}`): its status, best bid and ask and price
    /// structure. `PriceRules::try_from(&market)` gives the prices it accepts.
    ///
    /// ```no_run
    /// # fn main() -> kalshi_portfolio::Result<()> {
    /// # let client = kalshi_portfolio::Client::from_env()?;
    /// use kalshi_portfolio::NewOrder;
    /// let market = client.get_market("KXHIGHNY-25NOV26-T60")?;
    /// // The ticker and the market's price rules: a price off its grid is refused
    /// // before sending.
    /// let order = NewOrder::for_market(&market)?.buy_yes().price(market.yes_bid_dollars).count(1);
    /// # let _ = order;
    /// # Ok(()) }
    /// ```
    pub fn get_market(&self, ticker: &str) -> Result<types::Market> {
        require_id("ticker", ticker)?;
        let ticker = ticker.to_string();
        let response = self.call("get_market", CallKind::READ, move |raw| {
            let ticker = ticker.clone();
            async move { raw.get_market().ticker(ticker).send().await }
        })?;
        Ok(response.market)
    }

    /// Markets (`GET /markets`), as a paginated [`List`]: filter by event, series,
    /// status or tickers.
    ///
    /// ```no_run
    /// # fn main() -> kalshi_portfolio::Result<()> {
    /// # let client = kalshi_portfolio::Client::from_env()?;
    /// use kalshi_portfolio::types::GetMarketsStatus;
    /// for market in client.get_markets().event_ticker("KXHIGHNY-25NOV26").status(GetMarketsStatus::Open).iter() {
    ///     let market = market?;
    ///     println!("{} {}..{}", market.ticker, market.yes_bid_dollars, market.yes_ask_dollars);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_markets(&self) -> List<Markets> {
        List::new(self.clone(), Markets::default())
    }

    /// A market's order book (`GET /markets/{ticker}/orderbook`); set
    /// [`OrderbookRequest::depth`] for only the best levels, then `send`.
    ///
    /// ```no_run
    /// # fn main() -> kalshi_portfolio::Result<()> {
    /// # let client = kalshi_portfolio::Client::from_env()?;
    /// let book = client.get_market_orderbook("KXHIGHNY-25NOV26-T60").depth(5).send()?;
    /// if let (Some(bid), Some(ask)) = (book.best_yes_bid(), book.best_yes_ask()) {
    ///     println!("{} x {}", bid.price, ask.price);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_market_orderbook(&self, ticker: &str) -> OrderbookRequest {
        OrderbookRequest {
            client: self.clone(),
            ticker: ticker.to_string(),
            depth: None,
        }
    }

    /// One event and its markets (`GET /events/{event_ticker}`). The markets are
    /// in the answer's `markets`, beside the event (not nested in it).
    pub fn get_event(&self, event_ticker: &str) -> Result<types::GetEventResponse> {
        require_id("event_ticker", event_ticker)?;
        let event_ticker = event_ticker.to_string();
        self.call("get_event", CallKind::READ, move |raw| {
            let event_ticker = event_ticker.clone();
            async move { raw.get_event().event_ticker(event_ticker).send().await }
        })
    }
}
