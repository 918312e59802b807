//! The market reads: markets, their order books and events, as Kalshi's public
//! `GET /markets…` and `GET /events/{event_ticker}` answer them, from the markets
//! the sandbox keeps.
//!
//! A market reports its price ranges (the same [`PriceRules`] its orders are checked
//! against), `active` until settled and `finalized` after, and its best bid and ask
//! from every resting order in its book, the user's and the counterparty's alike.
//! The book is kept as one YES book; Kalshi shows bids only, so a YES ask at `p`
//! appears as a NO bid at `1 − p`, levels lowest price first. An empty side reads
//! as a $0 bid and a $1 ask. An event is the set of markets sharing an event ticker;
//! its series is the event ticker's part before the first `-` (Kalshi's naming).

use std::collections::BTreeMap;

use serde_json::json;

use super::reads::{decode_number_cursor, encode_cursor, take_page, Paged};
use super::{
    bad, count, dollars, not_found, wire, Exchange, MarketRec, MarketResult, Res, Side, ONE,
};
use crate::price_rules::PriceRules;
use crate::types::{self, builder};

/// Filters of the market list.
#[derive(Clone, Debug, Default)]
pub(crate) struct MarketFilter {
    pub event_ticker: Option<String>,
    pub series_ticker: Option<String>,
    /// Kalshi's filter vocabulary: `unopened`, `open`, `paused`, `closed`, `settled`.
    pub status: Option<String>,
    pub tickers: Option<Vec<String>>,
    /// `only` or `exclude` multivariate markets; the sandbox has none.
    pub mve_filter: Option<String>,
}

/// The series of an event: `KXHIGHNY` for `KXHIGHNY-25NOV26`.
fn series_of(event_ticker: &str) -> &str {
    event_ticker.split('-').next().unwrap_or(event_ticker)
}

/// The name Kalshi gives a structure, when the rules are one of the named ones.
fn structure_name(rules: &PriceRules) -> &'static str {
    ["linear_cent", "deci_cent", "tapered_deci_cent"]
        .into_iter()
        .find(|name| PriceRules::named(name).as_ref() == Some(rules))
        .unwrap_or("custom")
}

impl Exchange {
    /// Resting contracts per YES price on one side of a market's book.
    fn depth_by_price(&self, market: &MarketRec, side: Side) -> BTreeMap<i64, i64> {
        let mut levels = BTreeMap::new();
        for &idx in &market.resting {
            let order = &self.orders[idx];
            if order.side == side && order.remaining > 0 {
                *levels.entry(order.price).or_insert(0) += order.remaining;
            }
        }
        levels
    }

    fn market_wire(&self, ticker: &str, market: &MarketRec) -> Res<types::Market> {
        let bids = self.depth_by_price(market, Side::Bid);
        let asks = self.depth_by_price(market, Side::Ask);
        let best_bid = bids.last_key_value();
        let best_ask = asks.first_key_value();
        let yes_bid = best_bid.map_or(0, |(p, _)| *p);
        let yes_ask = best_ask.map_or(ONE, |(p, _)| *p);
        let last_price = self
            .fills
            .iter()
            .rev()
            .find(|f| f.ticker == ticker)
            .map_or(0, |f| f.yes_price);
        let (status, result) = match market.result {
            None => (types::MarketStatus::Active, types::MarketResult::X),
            Some(MarketResult::Yes) => (types::MarketStatus::Finalized, types::MarketResult::Yes),
            Some(MarketResult::No) => (types::MarketStatus::Finalized, types::MarketResult::No),
        };
        let ranges = market
            .rules
            .ranges()
            .iter()
            .map(|range| {
                wire(
                    builder::PriceRange::default()
                        .start(range.start.to_string())
                        .end(range.end.to_string())
                        .step(range.step.to_string()),
                    json!({}),
                )
            })
            .collect::<Res<Vec<types::PriceRange>>>()?;
        wire(
            builder::Market::default()
                .ticker(ticker.to_string())
                .event_ticker(market.event_ticker.clone())
                .market_type(types::MarketMarketType::Binary)
                .status(status)
                .result(result)
                .notional_value_dollars(dollars(ONE))
                .yes_bid_dollars(dollars(yes_bid))
                .yes_ask_dollars(dollars(yes_ask))
                .no_bid_dollars(dollars(ONE - yes_ask))
                .no_ask_dollars(dollars(ONE - yes_bid))
                .last_price_dollars(dollars(last_price))
                .price_level_structure(structure_name(&market.rules).to_string())
                .price_ranges(ranges),
            json!({
                "yes_bid_size_fp": count(best_bid.map_or(0, |(_, c)| *c)),
                "yes_ask_size_fp": count(best_ask.map_or(0, |(_, c)| *c)),
                "exchange_index": wire::shard(),
            }),
        )
    }

    pub(crate) fn get_market(&mut self, ticker: &str, now: i64) -> Res<types::Market> {
        self.expire(now);
        let market = self.market(ticker)?;
        self.market_wire(ticker, market)
    }

    pub(crate) fn list_markets(
        &mut self,
        filter: &MarketFilter,
        limit: usize,
        cursor: Option<&str>,
        now: i64,
    ) -> Res<Paged<types::Market>> {
        self.expire(now);
        let after = decode_number_cursor("m", cursor)?;
        let settled = match filter.status.as_deref() {
            None => None,
            Some("open") => Some(false),
            Some("settled") => Some(true),
            // The sandbox's markets are open until settled: none is in these states.
            Some("unopened" | "paused" | "closed") => {
                return Ok(Paged {
                    items: Vec::new(),
                    cursor: String::new(),
                })
            }
            Some(other) => {
                return Err(bad(
                    "invalid_parameters",
                    format!("status {other:?} is not unopened, open, paused, closed or settled"),
                ))
            }
        };
        let multivariate_only = match filter.mve_filter.as_deref() {
            None | Some("exclude") => false,
            Some("only") => true,
            Some(other) => {
                return Err(bad(
                    "invalid_parameters",
                    format!("mve_filter {other:?} is not only or exclude"),
                ))
            }
        };
        let mut markets: Vec<(&String, &MarketRec)> = self.markets.iter().collect();
        markets.sort_by_key(|(_, m)| m.number);
        let matching = markets.into_iter().filter(|(ticker, m)| {
            !multivariate_only
                && after.is_none_or(|n| m.number > n)
                && filter
                    .event_ticker
                    .as_ref()
                    .is_none_or(|e| &m.event_ticker == e)
                && filter
                    .series_ticker
                    .as_deref()
                    .is_none_or(|s| series_of(&m.event_ticker) == s)
                && filter.tickers.as_ref().is_none_or(|t| t.contains(ticker))
                && settled.is_none_or(|s| m.result.is_some() == s)
        });
        let page = take_page(matching, limit, |(_, m)| {
            encode_cursor("m", &m.number.to_string())
        });
        Ok(Paged {
            items: page
                .items
                .into_iter()
                .map(|(ticker, m)| self.market_wire(ticker, m))
                .collect::<Res<_>>()?,
            cursor: page.cursor,
        })
    }

    /// The book of a market: YES bids and NO bids (the YES asks seen from the NO
    /// side), each lowest price first, at most `depth` best levels a side (0: all).
    pub(crate) fn orderbook(
        &mut self,
        ticker: &str,
        depth: usize,
        now: i64,
    ) -> Res<types::OrderbookCountFp> {
        self.expire(now);
        let market = self.market(ticker)?;
        let level = |price: i64, contracts: i64| {
            types::PriceLevelDollarsCountFp([
                dollars(price).to_string(),
                count(contracts).to_string(),
            ])
        };
        let best = |levels: Vec<types::PriceLevelDollarsCountFp>| {
            let skip = if depth == 0 {
                0
            } else {
                levels.len().saturating_sub(depth)
            };
            levels.into_iter().skip(skip).collect::<Vec<_>>()
        };
        let yes: Vec<_> = self
            .depth_by_price(market, Side::Bid)
            .into_iter()
            .map(|(price, contracts)| level(price, contracts))
            .collect();
        // A YES ask at p is a NO bid at 1 − p; the highest YES ask is the lowest NO bid.
        let no: Vec<_> = self
            .depth_by_price(market, Side::Ask)
            .into_iter()
            .rev()
            .map(|(price, contracts)| level(ONE - price, contracts))
            .collect();
        wire(
            builder::OrderbookCountFp::default()
                .yes_dollars(best(yes))
                .no_dollars(best(no)),
            json!({}),
        )
    }

    /// An event and its markets, in creation order; `nested` puts the markets in
    /// the event rather than beside it, as Kalshi's `with_nested_markets` does.
    pub(crate) fn event(
        &mut self,
        event_ticker: &str,
        nested: bool,
        now: i64,
    ) -> Res<types::GetEventResponse> {
        self.expire(now);
        let mut members: Vec<(&String, &MarketRec)> = self
            .markets
            .iter()
            .filter(|(_, m)| m.event_ticker == event_ticker)
            .collect();
        if members.is_empty() {
            return Err(not_found(
                "event_not_found",
                format!("no event with ticker {event_ticker:?}"),
            ));
        }
        members.sort_by_key(|(_, m)| m.number);
        let markets = members
            .into_iter()
            .map(|(ticker, m)| self.market_wire(ticker, m))
            .collect::<Res<Vec<_>>>()?;
        let (inside, beside) = if nested {
            (markets, Vec::new())
        } else {
            (Vec::new(), markets)
        };
        let event: types::EventData = wire(
            builder::EventData::default()
                .event_ticker(event_ticker.to_string())
                .series_ticker(series_of(event_ticker).to_string())
                .title(event_ticker.to_string())
                .markets(inside),
            json!({ "exchange_index": wire::shard() }),
        )?;
        wire(
            builder::GetEventResponse::default()
                .event(event)
                .markets(beside),
            json!({}),
        )
    }
}
