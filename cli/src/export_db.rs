//! `export --from-db`: the rows `sync` stored, rebuilt as the library's records
//! themselves (through their `Deserialize`), so a file exported from the database and
//! one exported from the API are written by one type: same columns, same order, same
//! text.

use std::path::Path;

use anyhow::Context;
use kalshi_portfolio::records::{FillRecord, OrderRecord, PositionRecord, SettlementRecord};
use kalshi_portfolio::{Count, Dollars};
use rusqlite::types::ValueRef;
use rusqlite::{OpenFlags, Row};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::cli::ExportKind;
use crate::db::parse_time;
use crate::export::{Sink, Window};

/// How a stored column becomes the value of a record's field.
#[derive(Clone, Copy)]
enum Stored {
    /// Text (or NULL), as is: ids, tickers, sides, times (RFC 3339).
    Text,
    /// Integer micro-dollars, as the record's dollar text.
    Micros,
    /// Integer hundredths of a contract, as the record's count text.
    Centi,
    /// An integer.
    Integer,
    /// 0 or 1, as a boolean.
    Boolean,
}

use Stored::{Boolean, Centi, Integer, Micros, Text};

/// A record's fields (its serialized names, in order) and the columns they are
/// stored in: the one place the database's names meet the records'.
const FILL: &[(&str, &str, Stored)] = &[
    ("ts_utc", "ts_utc", Text),
    ("fill_id", "fill_id", Text),
    ("order_id", "order_id", Text),
    ("ticker", "ticker", Text),
    ("book_side", "book_side", Text),
    ("outcome_side", "outcome_side", Text),
    ("action", "action", Text),
    ("side", "side", Text),
    ("count", "count_centi", Centi),
    ("yes_price_dollars", "yes_price_micros", Micros),
    ("no_price_dollars", "no_price_micros", Micros),
    ("fee_dollars", "fee_micros", Micros),
    ("is_taker", "is_taker", Boolean),
    ("subaccount", "subaccount", Integer),
];

const SETTLEMENT: &[(&str, &str, Stored)] = &[
    ("settled_utc", "settled_utc", Text),
    ("ticker", "ticker", Text),
    ("event_ticker", "event_ticker", Text),
    ("market_result", "market_result", Text),
    ("yes_count", "yes_count_centi", Centi),
    ("yes_total_cost_dollars", "yes_total_cost_micros", Micros),
    ("no_count", "no_count_centi", Centi),
    ("no_total_cost_dollars", "no_total_cost_micros", Micros),
    ("revenue_dollars", "revenue_micros", Micros),
    ("value_per_yes_dollars", "value_per_yes_micros", Micros),
    ("fee_dollars", "fee_micros", Micros),
];

const ORDER: &[(&str, &str, Stored)] = &[
    ("created_utc", "created_utc", Text),
    ("last_update_utc", "last_update_utc", Text),
    ("order_id", "order_id", Text),
    ("client_order_id", "client_order_id", Text),
    ("ticker", "ticker", Text),
    ("status", "status", Text),
    ("book_side", "book_side", Text),
    ("outcome_side", "outcome_side", Text),
    ("yes_price_dollars", "yes_price_micros", Micros),
    ("no_price_dollars", "no_price_micros", Micros),
    ("initial_count", "initial_count_centi", Centi),
    ("fill_count", "fill_count_centi", Centi),
    ("remaining_count", "remaining_count_centi", Centi),
    ("taker_fees_dollars", "taker_fees_micros", Micros),
    ("maker_fees_dollars", "maker_fees_micros", Micros),
    ("taker_fill_cost_dollars", "taker_fill_cost_micros", Micros),
    ("maker_fill_cost_dollars", "maker_fill_cost_micros", Micros),
    ("expiration_utc", "expiration_utc", Text),
    ("order_group_id", "order_group_id", Text),
    ("subaccount", "subaccount", Integer),
];

const POSITION: &[(&str, &str, Stored)] = &[
    ("kind", "kind", Text),
    ("ticker", "ticker", Text),
    ("event_ticker", "event_ticker", Text),
    ("position", "position_centi", Centi),
    ("total_cost_shares", "total_cost_shares_centi", Centi),
    ("exposure_dollars", "exposure_micros", Micros),
    ("realized_pnl_dollars", "realized_pnl_micros", Micros),
    ("fees_paid_dollars", "fees_paid_micros", Micros),
    ("total_traded_dollars", "total_traded_micros", Micros),
    ("total_cost_dollars", "total_cost_micros", Micros),
    ("last_updated_utc", "last_updated_utc", Text),
];

/// Build the library's record from a stored row: its fields as the record
/// serializes them, read back by the record's own `Deserialize` (so the file from
/// the database and the file from the API come from one type). A column the record
/// does not know is an error, as is a value of the wrong kind.
fn record<T: DeserializeOwned>(
    row: &Row<'_>,
    fields: &[(&str, &str, Stored)],
) -> anyhow::Result<T> {
    let mut map = Map::with_capacity(fields.len());
    for &(field, column, stored) in fields {
        let value = match (stored, row.get_ref(column)?) {
            (_, ValueRef::Null) => Value::Null,
            (Text, _) => Value::String(row.get(column)?),
            (Micros, _) => Value::String(Dollars::from_micros(row.get(column)?).to_string()),
            (Centi, _) => Value::String(Count::from_hundredths(row.get(column)?).to_string()),
            (Integer, _) => Value::from(row.get::<_, i64>(column)?),
            (Boolean, _) => Value::Bool(row.get(column)?),
        };
        map.insert(field.to_string(), value);
    }
    serde_json::from_value(Value::Object(map))
        .with_context(|| format!("a stored row does not read as a record ({})", fields[0].1))
}

/// A fill as stored.
pub fn fill_record(row: &Row<'_>) -> anyhow::Result<FillRecord> {
    record(row, FILL)
}

/// A settlement as stored.
pub fn settlement_record(row: &Row<'_>) -> anyhow::Result<SettlementRecord> {
    record(row, SETTLEMENT)
}

/// An order as stored.
pub fn order_record(row: &Row<'_>) -> anyhow::Result<OrderRecord> {
    record(row, ORDER)
}

/// A position as stored.
pub fn position_record(row: &Row<'_>) -> anyhow::Result<PositionRecord> {
    record(row, POSITION)
}

fn t(row: &Row<'_>, column: &str) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
    parse_time(row.get(column)?)
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
            ExportKind::Fills => sink.write(&fill_record(row)?)?,
            ExportKind::Settlements => sink.write(&settlement_record(row)?)?,
            ExportKind::Orders => sink.write(&order_record(row)?)?,
            ExportKind::Positions => sink.write(&position_record(row)?)?,
        }
    }
    Ok(())
}
