//! Balance, fills, positions, settlements and resting order value.

use super::list_operation;
use crate::client::CallKind;
use crate::filters::UnixTime;
use crate::pagination::{List, Page};
use crate::types;
use crate::{Client, Result};

list_operation! {
    /// Filters of [`Client::get_fills`].
    Fills => get_fills, response: types::GetFillsResponse, item: types::Fill, max_limit: 1000,
    into_page: |r| Page::new(r.fills, Some(r.cursor)),
    filters {
        /// One market ticker, or several separated by commas.
        ticker: String,
        /// Only fills of this order.
        order_id: String,
        /// Only fills at or after this time (Unix seconds or a `DateTime<Utc>`; see
        /// [`UnixTime`] on the boundary).
        min_ts: UnixTime,
        /// Only fills at or before this time (see [`UnixTime`]).
        max_ts: UnixTime,
        /// Only this subaccount (0 is the primary account).
        subaccount: i64,
        /// Only this exchange shard.
        exchange_index: i32,
    }
}

list_operation! {
    /// Filters of [`Client::get_settlements`].
    Settlements => get_settlements, response: types::GetSettlementsResponse, item: types::Settlement,
    max_limit: 1000,
    into_page: |r| Page::new(r.settlements, r.cursor),
    filters {
        /// Only this market.
        ticker: String,
        /// Only this event.
        event_ticker: String,
        /// Only settlements at or after this time (Unix seconds or a
        /// `DateTime<Utc>`; see [`UnixTime`] on the boundary).
        min_ts: UnixTime,
        /// Only settlements at or before this time (see [`UnixTime`]).
        max_ts: UnixTime,
        /// Only this subaccount.
        subaccount: i64,
    }
}

list_operation! {
    /// Filters of [`Client::get_positions`].
    Positions => get_positions, response: types::GetPositionsResponse, item: Position,
    max_limit: 1000,
    into_page: |r| {
        let items = r
            .market_positions
            .into_iter()
            .map(Position::Market)
            .chain(r.event_positions.into_iter().map(Position::Event))
            .collect();
        Page::new(items, r.cursor)
    },
    filters {
        /// Only this market.
        ticker: String,
        /// Only this event.
        event_ticker: String,
        /// Only positions with a non-zero value of these fields, comma-separated
        /// (`position`, `total_traded`).
        count_filter: String,
        /// Unsettled (Kalshi's default), settled, or all.
        settlement_status: types::GetPositionsSettlementStatus,
        /// Only this subaccount (0, the primary account, by default).
        subaccount: i64,
        /// Only this exchange shard.
        exchange_index: i32,
    }
}

/// One entry of a positions page: Kalshi returns market and event positions side by
/// side; a page yields its market positions first.
///
/// Serializes as the position's own object with a `"kind"` of `"market"` or
/// `"event"`; for a flat row see [`PositionRecord`](crate::records::PositionRecord).
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Position {
    /// A position in one market.
    Market(types::MarketPosition),
    /// The aggregate over an event's markets.
    Event(types::EventPosition),
}

impl Position {
    /// The market position, if this is one.
    pub fn as_market(&self) -> Option<&types::MarketPosition> {
        match self {
            Position::Market(position) => Some(position),
            Position::Event(_) => None,
        }
    }

    /// The event position, if this is one.
    pub fn as_event(&self) -> Option<&types::EventPosition> {
        match self {
            Position::Event(position) => Some(position),
            Position::Market(_) => None,
        }
    }
}

impl Client {
    /// Available balance and portfolio value (`GET /portfolio/balance`).
    pub fn get_balance(&self) -> Result<types::GetBalanceResponse> {
        self.call("get_balance", CallKind::READ, |raw| async move {
            raw.get_balance().send().await
        })
    }

    /// Fills, newest first (`GET /portfolio/fills`), as a paginated [`List`].
    ///
    /// ```no_run
    /// # fn main() -> kalshi_portfolio::Result<()> {
    /// # let client = kalshi_portfolio::Client::from_env()?;
    /// for fill in client.get_fills().ticker("KXHIGHNY-25NOV26-T60").limit(200).iter() {
    ///     let fill = fill?;
    ///     println!("{} {} @ {}", fill.book_side, fill.count_fp, fill.yes_price_dollars);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_fills(&self) -> List<Fills> {
        List::new(self.clone(), Fills::default())
    }

    /// Market and event positions (`GET /portfolio/positions`), as a paginated [`List`].
    pub fn get_positions(&self) -> List<Positions> {
        List::new(self.clone(), Positions::default())
    }

    /// Settlements of markets you held (`GET /portfolio/settlements`), as a paginated
    /// [`List`].
    pub fn get_settlements(&self) -> List<Settlements> {
        List::new(self.clone(), Settlements::default())
    }

    /// Total value of resting orders, in cents and per exchange shard
    /// (`GET /portfolio/summary/total_resting_order_value`).
    pub fn get_total_resting_order_value(
        &self,
    ) -> Result<types::GetPortfolioRestingOrderTotalValueResponse> {
        self.call(
            "get_total_resting_order_value",
            CallKind::READ,
            |raw| async move { raw.get_portfolio_resting_order_total_value().send().await },
        )
    }
}
