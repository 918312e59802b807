//! Flat rows for exports: fills, settlements, positions and orders as a spreadsheet or
//! a JSON-lines file wants them.
//!
//! The generated types serialize for the wire: optional fields are left out (so a CSV
//! writer meets rows of different lengths), keys come out alphabetically, and units
//! hide in the names (`fee_cost` is dollars, `revenue` is cents). A record here is the
//! same data as one flat row: every column always present (empty when Kalshi did not
//! send it), in a fixed order, each name saying its unit (`_dollars`, `_utc`; counts
//! are contracts), every amount exact text. Build one with `From` from the generated
//! type and hand it to `csv::Writer::serialize` or `serde_json::to_writer`.
//!
//! The records also deserialize, with the same names, from what they serialize to (a
//! CSV row read back with `csv::Reader::deserialize`, a JSON line): the public way to
//! build one from column values kept elsewhere (a database, an earlier export), since
//! new columns may be added and a struct literal cannot be written outside this crate.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use kalshi_portfolio::records::FillRecord;
//! let client = kalshi_portfolio::Client::from_env()?;
//! for fill in client.get_fills().limit(1000).iter() {
//!     let row = FillRecord::from(fill?);
//!     println!("{}", serde_json::to_string(&row)?);
//! }
//! # Ok(()) }
//! ```
//!
//! # Reading Kalshi's records
//!
//! The fields that confuse, in one place:
//!
//! * **`ticker` and `market_ticker`** of a fill are the same market ticker; Kalshi
//!   sends both (`market_ticker` is the older name). Likewise `trade_id` repeats
//!   `fill_id`.
//! * **Direction.** `book_side` (`bid`/`ask`) and `outcome_side` (`yes`/`no`) are one
//!   fact in two vocabularies: a bid on the YES book positions you for YES (buy YES or
//!   sell NO), an ask for NO (buy NO or sell YES). The older `side` (`yes`/`no`) and
//!   `action` (`buy`/`sell`) pair is deprecated and not always sent.
//! * **Prices** are per contract: `yes_price_dollars` and `no_price_dollars` add up to
//!   $1. Counts (`count_fp`, `position_fp`, …) are contracts, in hundredths.
//!   A position's `position_fp` is positive for YES and negative for NO.
//! * **Times.** A fill's `created_time` is a timestamp; its `ts` is the same instant in
//!   Unix *seconds* (older name). A position's `last_updated_ts` is a timestamp too.
//! * **Cents.** A settlement's `revenue` (what it paid out) and `value` (what one YES
//!   contract paid) are integer cents, as are a balance's `balance` and
//!   `portfolio_value`; see the `*_dollars()` accessors beside them
//!   ([`types::Settlement::revenue_dollars`], …).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::money::{Count, Dollars};
use crate::operations::Position;
use crate::types;

/// One fill as a flat row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FillRecord {
    /// When it executed (`created_time`, else `ts`).
    pub ts_utc: Option<DateTime<Utc>>,
    /// Kalshi's id of the fill.
    pub fill_id: String,
    /// The order it filled.
    pub order_id: String,
    /// The market.
    pub ticker: String,
    /// `bid` or `ask` on the YES book.
    pub book_side: String,
    /// `yes` or `no`: the outcome it positioned you for.
    pub outcome_side: String,
    /// `buy` or `sell`, when Kalshi sent the deprecated `action`.
    pub action: Option<String>,
    /// `yes` or `no`, when Kalshi sent the deprecated `side`.
    pub side: Option<String>,
    /// Contracts filled.
    pub count: Count,
    /// Price of YES per contract.
    pub yes_price_dollars: Dollars,
    /// Price of NO per contract.
    pub no_price_dollars: Dollars,
    /// The fee charged.
    pub fee_dollars: Dollars,
    /// Whether you took liquidity.
    pub is_taker: bool,
    /// The subaccount (0 is the primary), when sent.
    pub subaccount: Option<i64>,
}

impl From<&types::Fill> for FillRecord {
    fn from(fill: &types::Fill) -> Self {
        let from_seconds = || fill.ts.and_then(|ts| DateTime::from_timestamp(ts, 0));
        FillRecord {
            ts_utc: fill.created_time.or_else(from_seconds),
            fill_id: fill.fill_id.clone(),
            order_id: fill.order_id.clone(),
            ticker: fill.ticker.clone(),
            book_side: fill.book_side.to_string(),
            outcome_side: fill.outcome_side.to_string(),
            action: fill.action.as_ref().map(ToString::to_string),
            side: fill.side.as_ref().map(ToString::to_string),
            count: fill.count_fp,
            yes_price_dollars: fill.yes_price_dollars,
            no_price_dollars: fill.no_price_dollars,
            fee_dollars: fill.fee_cost,
            is_taker: fill.is_taker,
            subaccount: fill.subaccount_number,
        }
    }
}

impl From<types::Fill> for FillRecord {
    fn from(fill: types::Fill) -> Self {
        FillRecord::from(&fill)
    }
}

/// One settlement as a flat row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SettlementRecord {
    /// When the market settled and paid out.
    pub settled_utc: DateTime<Utc>,
    /// The market.
    pub ticker: String,
    /// Its event.
    pub event_ticker: String,
    /// `yes`, `no`, `scalar`, …
    pub market_result: String,
    /// YES contracts held at settlement.
    pub yes_count: Count,
    /// Their cost basis.
    pub yes_total_cost_dollars: Dollars,
    /// NO contracts held at settlement.
    pub no_count: Count,
    /// Their cost basis.
    pub no_total_cost_dollars: Dollars,
    /// What the settlement paid out (Kalshi's `revenue`, sent in cents).
    pub revenue_dollars: Option<Dollars>,
    /// What one YES contract paid (Kalshi's `value`, sent in cents), when sent.
    pub value_per_yes_dollars: Option<Dollars>,
    /// Fees.
    pub fee_dollars: Dollars,
}

impl From<&types::Settlement> for SettlementRecord {
    fn from(settlement: &types::Settlement) -> Self {
        SettlementRecord {
            settled_utc: settlement.settled_time,
            ticker: settlement.ticker.clone(),
            event_ticker: settlement.event_ticker.clone(),
            market_result: settlement.market_result.to_string(),
            yes_count: settlement.yes_count_fp,
            yes_total_cost_dollars: settlement.yes_total_cost_dollars,
            no_count: settlement.no_count_fp,
            no_total_cost_dollars: settlement.no_total_cost_dollars,
            revenue_dollars: settlement.revenue_dollars(),
            value_per_yes_dollars: settlement.value_dollars(),
            fee_dollars: settlement.fee_cost,
        }
    }
}

impl From<types::Settlement> for SettlementRecord {
    fn from(settlement: types::Settlement) -> Self {
        SettlementRecord::from(&settlement)
    }
}

/// One position, of a market or of an event, as a flat row: the columns of the other
/// kind are empty, so both kinds share one file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PositionRecord {
    /// `market` or `event`.
    #[serde(deserialize_with = "position_kind")]
    pub kind: StaticStr,
    /// The market (market positions).
    pub ticker: Option<String>,
    /// The event (event positions).
    pub event_ticker: Option<String>,
    /// Contracts held: positive YES, negative NO (market positions).
    pub position: Option<Count>,
    /// Contracts traded in the event, YES and NO (event positions).
    pub total_cost_shares: Option<Count>,
    /// Cost of the position now held.
    pub exposure_dollars: Dollars,
    /// Profit and loss locked in.
    pub realized_pnl_dollars: Dollars,
    /// Fees paid.
    pub fees_paid_dollars: Dollars,
    /// Total spent in the market (market positions).
    pub total_traded_dollars: Option<Dollars>,
    /// Total spent in the event (event positions).
    pub total_cost_dollars: Option<Dollars>,
    /// When the position last changed (market positions).
    pub last_updated_utc: Option<DateTime<Utc>>,
}

/// `&'static str` under another name: serde's derive borrows every field spelled
/// `&str` from the input (and a `'static` one only from `'static` input), which
/// would keep a record from being read from a file; `kind` is read by
/// [`position_kind`] instead.
type StaticStr = &'static str;

/// `kind` read back: only the two values a record is made with.
fn position_kind<'de, D: Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    let text = String::deserialize(deserializer)?;
    match text.as_str() {
        "market" => Ok("market"),
        "event" => Ok("event"),
        _ => Err(serde::de::Error::invalid_value(
            serde::de::Unexpected::Str(&text),
            &"market or event",
        )),
    }
}

impl From<&types::MarketPosition> for PositionRecord {
    fn from(position: &types::MarketPosition) -> Self {
        PositionRecord {
            kind: "market",
            ticker: Some(position.ticker.clone()),
            event_ticker: None,
            position: Some(position.position_fp),
            total_cost_shares: None,
            exposure_dollars: position.market_exposure_dollars,
            realized_pnl_dollars: position.realized_pnl_dollars,
            fees_paid_dollars: position.fees_paid_dollars,
            total_traded_dollars: Some(position.total_traded_dollars),
            total_cost_dollars: None,
            last_updated_utc: Some(position.last_updated_ts),
        }
    }
}

impl From<&types::EventPosition> for PositionRecord {
    fn from(position: &types::EventPosition) -> Self {
        PositionRecord {
            kind: "event",
            ticker: None,
            event_ticker: Some(position.event_ticker.clone()),
            position: None,
            total_cost_shares: Some(position.total_cost_shares_fp),
            exposure_dollars: position.event_exposure_dollars,
            realized_pnl_dollars: position.realized_pnl_dollars,
            fees_paid_dollars: position.fees_paid_dollars,
            total_traded_dollars: None,
            total_cost_dollars: Some(position.total_cost_dollars),
            last_updated_utc: None,
        }
    }
}

impl From<&Position> for PositionRecord {
    fn from(position: &Position) -> Self {
        match position {
            Position::Market(market) => PositionRecord::from(market),
            Position::Event(event) => PositionRecord::from(event),
        }
    }
}

impl From<Position> for PositionRecord {
    fn from(position: Position) -> Self {
        PositionRecord::from(&position)
    }
}

/// One order as a flat row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderRecord {
    /// When it was created, when sent.
    pub created_utc: Option<DateTime<Utc>>,
    /// When it last changed, when sent.
    pub last_update_utc: Option<DateTime<Utc>>,
    /// Kalshi's id.
    pub order_id: String,
    /// Your id.
    pub client_order_id: String,
    /// The market.
    pub ticker: String,
    /// `resting`, `canceled` or `executed`.
    pub status: String,
    /// `bid` or `ask` on the YES book.
    pub book_side: String,
    /// `yes` or `no`: the outcome it positions you for.
    pub outcome_side: String,
    /// Limit price of YES.
    pub yes_price_dollars: Dollars,
    /// Limit price of NO.
    pub no_price_dollars: Dollars,
    /// Contracts ordered.
    pub initial_count: Count,
    /// Contracts filled.
    pub fill_count: Count,
    /// Contracts still resting.
    pub remaining_count: Count,
    /// Fees as taker.
    pub taker_fees_dollars: Dollars,
    /// Fees as maker.
    pub maker_fees_dollars: Dollars,
    /// Cost of the fills as taker.
    pub taker_fill_cost_dollars: Dollars,
    /// Cost of the fills as maker.
    pub maker_fill_cost_dollars: Dollars,
    /// When it expires, if it does.
    pub expiration_utc: Option<DateTime<Utc>>,
    /// Its order group, if any.
    pub order_group_id: Option<String>,
    /// The subaccount (0 is the primary), when sent.
    pub subaccount: Option<i64>,
}

impl From<&types::Order> for OrderRecord {
    fn from(order: &types::Order) -> Self {
        OrderRecord {
            created_utc: order.created_time,
            last_update_utc: order.last_update_time,
            order_id: order.order_id.clone(),
            client_order_id: order.client_order_id.clone(),
            ticker: order.ticker.clone(),
            status: order.status.to_string(),
            book_side: order.book_side.to_string(),
            outcome_side: order.outcome_side.to_string(),
            yes_price_dollars: order.yes_price_dollars,
            no_price_dollars: order.no_price_dollars,
            initial_count: order.initial_count_fp,
            fill_count: order.fill_count_fp,
            remaining_count: order.remaining_count_fp,
            taker_fees_dollars: order.taker_fees_dollars,
            maker_fees_dollars: order.maker_fees_dollars,
            taker_fill_cost_dollars: order.taker_fill_cost_dollars,
            maker_fill_cost_dollars: order.maker_fill_cost_dollars,
            expiration_utc: order.expiration_time,
            order_group_id: order.order_group_id.clone(),
            subaccount: order.subaccount_number,
        }
    }
}

impl From<types::Order> for OrderRecord {
    fn from(order: types::Order) -> Self {
        OrderRecord::from(&order)
    }
}
