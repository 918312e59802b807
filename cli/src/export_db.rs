//! `export --from-db`: the rows `sync` stored, written with exactly the columns of the
//! library's records (same names, same order, same text), so a file exported from the
//! database and one exported from the API are interchangeable.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use kalshi_portfolio::{Count, Dollars};
use rusqlite::{OpenFlags, Row};
use serde::Serialize;

use crate::cli::ExportKind;
use crate::db::parse_time;
use crate::export::{Sink, Window};

/// The columns of `kalshi_portfolio::records::FillRecord`.
#[derive(Serialize)]
pub struct FillRow {
    ts_utc: Option<DateTime<Utc>>,
    fill_id: String,
    order_id: String,
    ticker: String,
    book_side: String,
    outcome_side: String,
    action: Option<String>,
    side: Option<String>,
    count: Count,
    yes_price_dollars: Dollars,
    no_price_dollars: Dollars,
    fee_dollars: Dollars,
    is_taker: bool,
    subaccount: Option<i64>,
}

/// The columns of `kalshi_portfolio::records::SettlementRecord`.
#[derive(Serialize)]
pub struct SettlementRow {
    settled_utc: Option<DateTime<Utc>>,
    ticker: String,
    event_ticker: String,
    market_result: String,
    yes_count: Count,
    yes_total_cost_dollars: Dollars,
    no_count: Count,
    no_total_cost_dollars: Dollars,
    revenue_dollars: Option<Dollars>,
    value_per_yes_dollars: Option<Dollars>,
    fee_dollars: Dollars,
}

/// The columns of `kalshi_portfolio::records::OrderRecord`.
#[derive(Serialize)]
pub struct OrderRow {
    created_utc: Option<DateTime<Utc>>,
    last_update_utc: Option<DateTime<Utc>>,
    order_id: String,
    client_order_id: String,
    ticker: String,
    status: String,
    book_side: String,
    outcome_side: String,
    yes_price_dollars: Dollars,
    no_price_dollars: Dollars,
    initial_count: Count,
    fill_count: Count,
    remaining_count: Count,
    taker_fees_dollars: Dollars,
    maker_fees_dollars: Dollars,
    taker_fill_cost_dollars: Dollars,
    maker_fill_cost_dollars: Dollars,
    expiration_utc: Option<DateTime<Utc>>,
    order_group_id: Option<String>,
    subaccount: Option<i64>,
}

/// The columns of `kalshi_portfolio::records::PositionRecord`.
#[derive(Serialize)]
pub struct PositionRow {
    kind: String,
    ticker: Option<String>,
    event_ticker: Option<String>,
    position: Option<Count>,
    total_cost_shares: Option<Count>,
    exposure_dollars: Dollars,
    realized_pnl_dollars: Dollars,
    fees_paid_dollars: Dollars,
    total_traded_dollars: Option<Dollars>,
    total_cost_dollars: Option<Dollars>,
    last_updated_utc: Option<DateTime<Utc>>,
}

fn d(row: &Row<'_>, column: &str) -> rusqlite::Result<Dollars> {
    Ok(Dollars::from_micros(row.get(column)?))
}

fn od(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Dollars>> {
    Ok(row.get::<_, Option<i64>>(column)?.map(Dollars::from_micros))
}

fn c(row: &Row<'_>, column: &str) -> rusqlite::Result<Count> {
    Ok(Count::from_hundredths(row.get(column)?))
}

fn oc(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Count>> {
    Ok(row
        .get::<_, Option<i64>>(column)?
        .map(Count::from_hundredths))
}

fn t(row: &Row<'_>, column: &str) -> anyhow::Result<Option<DateTime<Utc>>> {
    parse_time(row.get(column)?)
}

/// A fill as stored.
pub fn fill_row(row: &Row<'_>) -> anyhow::Result<FillRow> {
    Ok(FillRow {
        ts_utc: t(row, "ts_utc")?,
        fill_id: row.get("fill_id")?,
        order_id: row.get("order_id")?,
        ticker: row.get("ticker")?,
        book_side: row.get("book_side")?,
        outcome_side: row.get("outcome_side")?,
        action: row.get("action")?,
        side: row.get("side")?,
        count: c(row, "count_centi")?,
        yes_price_dollars: d(row, "yes_price_micros")?,
        no_price_dollars: d(row, "no_price_micros")?,
        fee_dollars: d(row, "fee_micros")?,
        is_taker: row.get("is_taker")?,
        subaccount: row.get("subaccount")?,
    })
}

/// A settlement as stored.
pub fn settlement_row(row: &Row<'_>) -> anyhow::Result<SettlementRow> {
    Ok(SettlementRow {
        settled_utc: t(row, "settled_utc")?,
        ticker: row.get("ticker")?,
        event_ticker: row.get("event_ticker")?,
        market_result: row.get("market_result")?,
        yes_count: c(row, "yes_count_centi")?,
        yes_total_cost_dollars: d(row, "yes_total_cost_micros")?,
        no_count: c(row, "no_count_centi")?,
        no_total_cost_dollars: d(row, "no_total_cost_micros")?,
        revenue_dollars: od(row, "revenue_micros")?,
        value_per_yes_dollars: od(row, "value_per_yes_micros")?,
        fee_dollars: d(row, "fee_micros")?,
    })
}

/// An order as stored.
pub fn order_row(row: &Row<'_>) -> anyhow::Result<OrderRow> {
    Ok(OrderRow {
        created_utc: t(row, "created_utc")?,
        last_update_utc: t(row, "last_update_utc")?,
        order_id: row.get("order_id")?,
        client_order_id: row.get("client_order_id")?,
        ticker: row.get("ticker")?,
        status: row.get("status")?,
        book_side: row.get("book_side")?,
        outcome_side: row.get("outcome_side")?,
        yes_price_dollars: d(row, "yes_price_micros")?,
        no_price_dollars: d(row, "no_price_micros")?,
        initial_count: c(row, "initial_count_centi")?,
        fill_count: c(row, "fill_count_centi")?,
        remaining_count: c(row, "remaining_count_centi")?,
        taker_fees_dollars: d(row, "taker_fees_micros")?,
        maker_fees_dollars: d(row, "maker_fees_micros")?,
        taker_fill_cost_dollars: d(row, "taker_fill_cost_micros")?,
        maker_fill_cost_dollars: d(row, "maker_fill_cost_micros")?,
        expiration_utc: t(row, "expiration_utc")?,
        order_group_id: row.get("order_group_id")?,
        subaccount: row.get("subaccount")?,
    })
}

/// A position as stored.
pub fn position_row(row: &Row<'_>) -> anyhow::Result<PositionRow> {
    Ok(PositionRow {
        kind: row.get("kind")?,
        ticker: row.get("ticker")?,
        event_ticker: row.get("event_ticker")?,
        position: oc(row, "position_centi")?,
        total_cost_shares: oc(row, "total_cost_shares_centi")?,
        exposure_dollars: d(row, "exposure_micros")?,
        realized_pnl_dollars: d(row, "realized_pnl_micros")?,
        fees_paid_dollars: d(row, "fees_paid_micros")?,
        total_traded_dollars: od(row, "total_traded_micros")?,
        total_cost_dollars: od(row, "total_cost_micros")?,
        last_updated_utc: t(row, "last_updated_utc")?,
    })
}

/// Open a database read-only (it must exist: a typo must not create an empty one).
pub fn open_read_only(path: &Path) -> anyhow::Result<rusqlite::Connection> {
    if !path.exists() {
        return Err(crate::fail::usage(format!(
            "{} does not exist; run `kalshi-portfolio sync --db {}` first",
            path.display(),
            path.display()
        )));
    }
    rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", path.display()))
}

/// Write the rows of `kind` in `window`, newest first as the API lists them.
pub fn export(
    path: &Path,
    kind: ExportKind,
    window: &Window,
    sink: &mut Sink,
) -> anyhow::Result<()> {
    let db = open_read_only(path)?;
    let since = window.since.map(|t| t.timestamp());
    // Whole seconds here; the exact bound is applied per row below.
    let until = window.until.map(|t| t.timestamp());
    let (sql, time_column) = match kind {
        ExportKind::Fills => ("SELECT * FROM fills WHERE (?1 IS NULL OR ts_unix >= ?1) AND (?2 IS NULL OR ts_unix <= ?2) ORDER BY ts_utc DESC, fill_id", Some("ts_utc")),
        ExportKind::Settlements => ("SELECT * FROM settlements WHERE (?1 IS NULL OR settled_unix >= ?1) AND (?2 IS NULL OR settled_unix <= ?2) ORDER BY settled_utc DESC, ticker", Some("settled_utc")),
        ExportKind::Orders => ("SELECT * FROM orders WHERE (?1 IS NULL OR created_unix >= ?1) AND (?2 IS NULL OR created_unix <= ?2) ORDER BY created_utc DESC, order_id", Some("created_utc")),
        ExportKind::Positions => ("SELECT * FROM positions WHERE ?1 IS NULL AND ?2 IS NULL ORDER BY kind DESC, key", None),
    };
    let mut statement = db.prepare(sql)?;
    let mut rows = statement.query(rusqlite::params![since, until])?;
    while let Some(row) = rows.next()? {
        if let Some(column) = time_column {
            if !window.contains(t(row, column)?) {
                continue;
            }
        }
        match kind {
            ExportKind::Fills => sink.write(&fill_row(row)?)?,
            ExportKind::Settlements => sink.write(&settlement_row(row)?)?,
            ExportKind::Orders => sink.write(&order_row(row)?)?,
            ExportKind::Positions => sink.write(&position_row(row)?)?,
        }
    }
    Ok(())
}
