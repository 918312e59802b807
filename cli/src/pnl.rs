//! `pnl`: realized profit and loss from fills and settlements, FIFO lots, fees apart,
//! reconciled per market against Kalshi's own `realized_pnl_dollars`.
//!
//! A market's fills are replayed oldest first in YES terms: a bid buys YES at the YES
//! price, an ask sells YES at it (which is how Kalshi books buying NO). Lots of one
//! sign queue up; a fill of the other sign closes the oldest lots first, realizing
//! (sell price − buy price) × contracts. A settlement closes what is left at the
//! value of one YES contract ($1 for `yes`, $0 for `no`, Kalshi's `value` otherwise).
//! Fees (fills and settlements) are summed apart and never mixed into the realized
//! figure, which is what Kalshi's `realized_pnl_dollars` excludes too.
//!
//! Amounts are exact: price × count is carried in units of 10⁻⁸ $ (micro-dollars ×
//! hundredths of a contract) and printed without rounding.
//!
//! Fills of one instant are replayed in the exchange's order (the API lists newest
//! first; the database keeps the order `sync` stored them in).

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};
use kalshi_portfolio::records::{FillRecord, PositionRecord, SettlementRecord};
use kalshi_portfolio::types::GetPositionsSettlementStatus;
use serde::Serialize;

use crate::cli::{PnlArgs, PnlBy};
use crate::connect::Connection;
use crate::table::Rows;

/// One fill, as P&L needs it.
#[derive(Clone, Debug)]
pub struct Trade {
    /// When.
    pub ts: Option<DateTime<Utc>>,
    /// The market.
    pub ticker: String,
    /// Signed contracts in hundredths: + bought YES, − sold YES.
    pub centi: i64,
    /// YES price in micro-dollars.
    pub yes_price_micros: i64,
    /// Fee in micro-dollars.
    pub fee_micros: i64,
}

/// One settlement, as P&L needs it.
#[derive(Clone, Debug)]
pub struct Settled {
    /// The market.
    pub ticker: String,
    /// Its event.
    pub event_ticker: String,
    /// When.
    pub ts: DateTime<Utc>,
    /// What one YES contract paid, micro-dollars (`None`: not known).
    pub value_micros: Option<i64>,
    /// Fee, micro-dollars.
    pub fee_micros: i64,
}

/// Everything `pnl` reads.
#[derive(Default)]
pub struct Inputs {
    /// Fills, oldest first.
    pub trades: Vec<Trade>,
    /// Settlements.
    pub settlements: Vec<Settled>,
    /// Kalshi's realized P&L per market, micro-dollars.
    pub kalshi_realized: BTreeMap<String, i64>,
}

/// The result for one market.
#[derive(Clone, Debug, Default)]
pub struct MarketPnl {
    /// Realized, 10⁻⁸ $.
    pub realized: i128,
    /// Fees, 10⁻⁸ $.
    pub fees: i128,
    /// Contracts still open (signed hundredths, YES positive).
    pub open_centi: i64,
    /// Realized per UTC day, 10⁻⁸ $.
    pub by_day: BTreeMap<String, i128>,
    /// Event ticker.
    pub event_ticker: String,
    /// Settled without a known value: the open lots were left open.
    pub unpriced_settlement: bool,
}

/// FIFO over `inputs`, per market.
pub fn compute(inputs: &Inputs) -> BTreeMap<String, MarketPnl> {
    let mut lots: BTreeMap<String, VecDeque<(i64, i64)>> = BTreeMap::new();
    let mut out: BTreeMap<String, MarketPnl> = BTreeMap::new();
    let day = |ts: Option<DateTime<Utc>>| {
        ts.map_or_else(
            || "unknown".to_string(),
            |t| t.format("%Y-%m-%d").to_string(),
        )
    };
    for trade in &inputs.trades {
        let market = out.entry(trade.ticker.clone()).or_default();
        market.fees += i128::from(trade.fee_micros) * 100;
        let queue = lots.entry(trade.ticker.clone()).or_default();
        let mut remaining = trade.centi;
        let mut realized: i128 = 0;
        while remaining != 0 {
            match queue.front_mut() {
                Some((qty, price)) if qty.signum() != remaining.signum() => {
                    let matched = remaining.abs().min(qty.abs());
                    // Closing a long lot sells at the fill price; closing a short lot
                    // buys at it.
                    let per = if *qty > 0 {
                        trade.yes_price_micros - *price
                    } else {
                        *price - trade.yes_price_micros
                    };
                    realized += i128::from(per) * i128::from(matched);
                    *qty -= qty.signum() * matched;
                    remaining -= remaining.signum() * matched;
                    if *qty == 0 {
                        queue.pop_front();
                    }
                }
                _ => {
                    queue.push_back((remaining, trade.yes_price_micros));
                    remaining = 0;
                }
            }
        }
        market.realized += realized;
        if realized != 0 {
            *market.by_day.entry(day(trade.ts)).or_default() += realized;
        }
    }
    for settled in &inputs.settlements {
        let market = out.entry(settled.ticker.clone()).or_default();
        market.event_ticker = settled.event_ticker.clone();
        market.fees += i128::from(settled.fee_micros) * 100;
        let queue = lots.entry(settled.ticker.clone()).or_default();
        let Some(value) = settled.value_micros else {
            market.unpriced_settlement = !queue.is_empty();
            continue;
        };
        let mut realized: i128 = 0;
        for (qty, price) in queue.drain(..) {
            let per = if qty > 0 {
                value - price
            } else {
                price - value
            };
            realized += i128::from(per) * i128::from(qty.abs());
        }
        market.realized += realized;
        if realized != 0 {
            *market.by_day.entry(day(Some(settled.ts))).or_default() += realized;
        }
    }
    for (ticker, market) in out.iter_mut() {
        market.open_centi = lots.get(ticker).map_or(0, |q| q.iter().map(|l| l.0).sum());
        if market.event_ticker.is_empty() {
            // Kalshi's market tickers are the event ticker, a dash, and the strike.
            market.event_ticker = ticker
                .rsplit_once('-')
                .map_or_else(|| ticker.clone(), |(event, _)| event.to_string());
        }
    }
    out
}

/// An amount of 10⁻⁸ $ as exact decimal text (at least 4 decimals).
pub fn money(amount: i128) -> String {
    let negative = amount < 0;
    let abs = amount.unsigned_abs();
    let whole = abs / 100_000_000;
    let mut fraction = format!("{:08}", abs % 100_000_000);
    while fraction.len() > 4 && fraction.ends_with('0') {
        fraction.pop();
    }
    format!("{}{whole}.{fraction}", if negative { "-" } else { "" })
}

#[derive(Serialize)]
struct MarketRow {
    ticker: String,
    event_ticker: String,
    realized_pnl_dollars: String,
    fees_dollars: String,
    net_dollars: String,
    open_contracts: String,
    kalshi_realized_pnl_dollars: Option<String>,
    difference_dollars: Option<String>,
    note: String,
}

#[derive(Serialize)]
struct GroupRow {
    key: String,
    realized_pnl_dollars: String,
    fees_dollars: String,
    net_dollars: String,
}

/// `pnl`
pub fn run(connection: Option<&Connection>, args: &PnlArgs) -> anyhow::Result<()> {
    let inputs = match (&args.db, connection) {
        (Some(path), _) => from_db(path, args.ticker.as_deref())?,
        (None, Some(connection)) => from_api(connection, args.ticker.as_deref())?,
        (None, None) => anyhow::bail!("no source for pnl"),
    };
    let markets = compute(&inputs);
    let mut differences = Vec::new();
    match args.by {
        PnlBy::Market => {
            let mut rows = Rows::new(
                args.output.json,
                &[
                    "ticker",
                    "realized_pnl_dollars",
                    "fees_dollars",
                    "net_dollars",
                    "open_contracts",
                    "kalshi_realized_pnl_dollars",
                    "difference_dollars",
                    "note",
                ],
            );
            for (ticker, market) in &markets {
                let kalshi = inputs
                    .kalshi_realized
                    .get(ticker)
                    .map(|m| i128::from(*m) * 100);
                let difference = kalshi.map(|k| market.realized - k);
                if difference.is_some_and(|d| d != 0) {
                    differences.push(ticker.clone());
                }
                let mut note = String::new();
                if market.unpriced_settlement {
                    note.push_str("settled without a value: open lots not closed");
                }
                if kalshi.is_none() {
                    note.push_str("no Kalshi position to compare");
                }
                rows.push(&MarketRow {
                    ticker: ticker.clone(),
                    event_ticker: market.event_ticker.clone(),
                    realized_pnl_dollars: money(market.realized),
                    fees_dollars: money(market.fees),
                    net_dollars: money(market.realized - market.fees),
                    open_contracts: kalshi_portfolio::Count::from_hundredths(market.open_centi)
                        .to_string(),
                    kalshi_realized_pnl_dollars: kalshi.map(money),
                    difference_dollars: difference.map(money),
                    note,
                })?;
            }
            let total_realized: i128 = markets.values().map(|m| m.realized).sum();
            let total_fees: i128 = markets.values().map(|m| m.fees).sum();
            rows.push(&MarketRow {
                ticker: "TOTAL".into(),
                event_ticker: String::new(),
                realized_pnl_dollars: money(total_realized),
                fees_dollars: money(total_fees),
                net_dollars: money(total_realized - total_fees),
                open_contracts: String::new(),
                kalshi_realized_pnl_dollars: None,
                difference_dollars: None,
                note: String::new(),
            })?;
            rows.finish()?;
        }
        PnlBy::Event | PnlBy::Day => {
            let mut groups: BTreeMap<String, (i128, i128)> = BTreeMap::new();
            for market in markets.values() {
                if args.by == PnlBy::Event {
                    let group = groups.entry(market.event_ticker.clone()).or_default();
                    group.0 += market.realized;
                    group.1 += market.fees;
                } else {
                    for (day, realized) in &market.by_day {
                        groups.entry(day.clone()).or_default().0 += realized;
                    }
                }
            }
            if args.by == PnlBy::Day {
                // Fees by the day they were charged.
                for trade in &inputs.trades {
                    let day = trade
                        .ts
                        .map_or_else(|| "unknown".into(), |t| t.format("%Y-%m-%d").to_string());
                    groups.entry(day).or_default().1 += i128::from(trade.fee_micros) * 100;
                }
                for settled in &inputs.settlements {
                    let day = settled.ts.format("%Y-%m-%d").to_string();
                    groups.entry(day).or_default().1 += i128::from(settled.fee_micros) * 100;
                }
            }
            let mut rows = Rows::new(
                args.output.json,
                &["key", "realized_pnl_dollars", "fees_dollars", "net_dollars"],
            );
            for (key, (realized, fees)) in groups {
                rows.push(&GroupRow {
                    key,
                    realized_pnl_dollars: money(realized),
                    fees_dollars: money(fees),
                    net_dollars: money(realized - fees),
                })?;
            }
            rows.finish()?;
        }
    }
    if !differences.is_empty() {
        eprintln!(
            "{} market(s) differ from Kalshi's realized_pnl_dollars (FIFO here; see difference_dollars): {}",
            differences.len(),
            differences.join(", ")
        );
    }
    Ok(())
}

fn trade_of(record: &FillRecord) -> Trade {
    let centi = record.count.as_hundredths();
    Trade {
        ts: record.ts_utc,
        ticker: record.ticker.clone(),
        centi: if record.book_side == "ask" {
            -centi
        } else {
            centi
        },
        yes_price_micros: record.yes_price_dollars.as_micros(),
        fee_micros: record.fee_dollars.as_micros(),
    }
}

fn settlement_value(result: &str, value: Option<i64>) -> Option<i64> {
    value.or(match result {
        "yes" => Some(1_000_000),
        "no" => Some(0),
        _ => None,
    })
}

fn from_api(connection: &Connection, ticker: Option<&str>) -> anyhow::Result<Inputs> {
    let client = &connection.client;
    let mut inputs = Inputs::default();
    let mut fills = client.get_fills().limit(1000);
    let mut settlements = client.get_settlements().limit(1000);
    let mut positions = client
        .get_positions()
        .settlement_status(GetPositionsSettlementStatus::All)
        .limit(1000);
    if let Some(ticker) = ticker {
        fills = fills.ticker(ticker);
        settlements = settlements.ticker(ticker);
        positions = positions.ticker(ticker);
    }
    for fill in fills.iter() {
        inputs.trades.push(trade_of(&FillRecord::from(fill?)));
    }
    // Newest first from the API: reverse for the exchange's order, then a stable
    // sort by time keeps that order within an instant.
    inputs.trades.reverse();
    inputs.trades.sort_by_key(|t| t.ts);
    for settlement in settlements.iter() {
        let r = SettlementRecord::from(settlement?);
        inputs.settlements.push(Settled {
            value_micros: settlement_value(
                &r.market_result,
                r.value_per_yes_dollars.map(|d| d.as_micros()),
            ),
            ticker: r.ticker,
            event_ticker: r.event_ticker,
            ts: r.settled_utc,
            fee_micros: r.fee_dollars.as_micros(),
        });
    }
    for position in positions.iter() {
        let r = PositionRecord::from(position?);
        if let (Some(ticker), "market") = (r.ticker, r.kind) {
            inputs
                .kalshi_realized
                .insert(ticker, r.realized_pnl_dollars.as_micros());
        }
    }
    Ok(inputs)
}

fn from_db(path: &std::path::Path, ticker: Option<&str>) -> anyhow::Result<Inputs> {
    let db = crate::export_db::open_read_only(path)?;
    let mut inputs = Inputs::default();
    // `sync` stores each page newest first, so within one instant a higher rowid is
    // an older fill.
    let mut statement = db.prepare(
        "SELECT ts_utc, ticker, book_side, count_centi, yes_price_micros, fee_micros
         FROM fills WHERE ?1 IS NULL OR ticker = ?1 ORDER BY ts_utc ASC, rowid DESC",
    )?;
    let mut rows = statement.query([ticker])?;
    while let Some(row) = rows.next()? {
        let centi: i64 = row.get(3)?;
        let side: String = row.get(2)?;
        inputs.trades.push(Trade {
            ts: crate::db::parse_time(row.get(0)?)?,
            ticker: row.get(1)?,
            centi: if side == "ask" { -centi } else { centi },
            yes_price_micros: row.get(4)?,
            fee_micros: row.get(5)?,
        });
    }
    let mut statement = db.prepare(
        "SELECT ticker, event_ticker, settled_utc, market_result, value_per_yes_micros, fee_micros
         FROM settlements WHERE ?1 IS NULL OR ticker = ?1",
    )?;
    let mut rows = statement.query([ticker])?;
    while let Some(row) = rows.next()? {
        let result: String = row.get(3)?;
        inputs.settlements.push(Settled {
            ticker: row.get(0)?,
            event_ticker: row.get(1)?,
            ts: crate::db::parse_time(row.get(2)?)?
                .ok_or_else(|| anyhow::anyhow!("a settlement without a time in the database"))?,
            value_micros: settlement_value(&result, row.get(4)?),
            fee_micros: row.get(5)?,
        });
    }
    let mut statement = db.prepare(
        "SELECT ticker, realized_pnl_micros FROM positions
         WHERE kind = 'market' AND (?1 IS NULL OR ticker = ?1)",
    )?;
    let mut rows = statement.query([ticker])?;
    while let Some(row) = rows.next()? {
        inputs.kalshi_realized.insert(row.get(0)?, row.get(1)?);
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(centi: i64, price: i64) -> Trade {
        Trade {
            ts: None,
            ticker: "M-1".into(),
            centi,
            yes_price_micros: price,
            fee_micros: 10_000,
        }
    }

    #[test]
    fn fifo_closes_the_oldest_lot_first() {
        let inputs = Inputs {
            // Buy 2 @ .40, buy 2 @ .50, sell 3 @ .60: closes 2 @ .40 (+.40) and
            // 1 @ .50 (+.10); 1 @ .50 stays open and settles yes (+.50).
            trades: vec![
                trade(200, 400_000),
                trade(200, 500_000),
                trade(-300, 600_000),
            ],
            settlements: vec![Settled {
                ticker: "M-1".into(),
                event_ticker: "M".into(),
                ts: DateTime::from_timestamp(0, 0).unwrap(),
                value_micros: Some(1_000_000),
                fee_micros: 0,
            }],
            kalshi_realized: BTreeMap::new(),
        };
        let markets = compute(&inputs);
        let market = &markets["M-1"];
        assert_eq!(money(market.realized), "1.0000");
        assert_eq!(money(market.fees), "0.0300");
        assert_eq!(market.open_centi, 0);
    }

    #[test]
    fn a_short_lot_closes_when_bought_back_and_amounts_stay_exact() {
        let inputs = Inputs {
            // Sell 1.5 @ .3333, buy 0.5 @ .1111: realized (.3333 − .1111) × 0.5.
            trades: vec![trade(-150, 333_300), trade(50, 111_100)],
            ..Inputs::default()
        };
        let market = &compute(&inputs)["M-1"];
        assert_eq!(money(market.realized), "0.1111");
        assert_eq!(market.open_centi, -100);
        assert_eq!(money(-123), "-0.00000123");
    }
}
