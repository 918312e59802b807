//! The SQLite database `sync` writes: its schema and the upsert of each kind of row.
//!
//! Money is INTEGER micro-dollars (`*_micros`, 10⁻⁶ $) and counts INTEGER hundredths
//! of a contract (`*_centi`), so `SUM()` in SQL is exact; never REAL. Times are
//! RFC 3339 UTC text with microseconds (`*_utc`, sorts as text) plus Unix seconds
//! (`*_unix`) for range queries. The schema is in the README ("Command line").

use chrono::{DateTime, SecondsFormat, Utc};
use kalshi_portfolio::records::{FillRecord, OrderRecord, PositionRecord, SettlementRecord};
use kalshi_portfolio::{Count, Dollars};
use rusqlite::{params, Connection, Transaction};

/// Version of the schema below, kept in `PRAGMA user_version`.
///
/// 2 added `sent_orders` (the rows of `orders place` sent whose placement is not
/// recorded yet); a version-1 database gains it on open.
pub const SCHEMA_VERSION: i64 = 2;

/// SQLite's page cache, in KiB (`PRAGMA cache_size` = minus this).
pub const CACHE_KIB: i64 = 2000;

/// The schema. Every statement is idempotent.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS fills (
    fill_id           TEXT PRIMARY KEY,
    ts_utc            TEXT,
    ts_unix           INTEGER,
    order_id          TEXT NOT NULL,
    ticker            TEXT NOT NULL,
    book_side         TEXT NOT NULL,
    outcome_side      TEXT NOT NULL,
    action            TEXT,
    side              TEXT,
    count_centi       INTEGER NOT NULL,
    yes_price_micros  INTEGER NOT NULL,
    no_price_micros   INTEGER NOT NULL,
    fee_micros        INTEGER NOT NULL,
    is_taker          INTEGER NOT NULL,
    subaccount        INTEGER
);
CREATE INDEX IF NOT EXISTS fills_ticker_ts ON fills (ticker, ts_unix);
CREATE TABLE IF NOT EXISTS settlements (
    ticker                 TEXT PRIMARY KEY,
    event_ticker           TEXT NOT NULL,
    settled_utc            TEXT NOT NULL,
    settled_unix           INTEGER NOT NULL,
    market_result          TEXT NOT NULL,
    yes_count_centi        INTEGER NOT NULL,
    yes_total_cost_micros  INTEGER NOT NULL,
    no_count_centi         INTEGER NOT NULL,
    no_total_cost_micros   INTEGER NOT NULL,
    revenue_micros         INTEGER,
    value_per_yes_micros   INTEGER,
    fee_micros             INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    order_id                TEXT PRIMARY KEY,
    client_order_id         TEXT NOT NULL,
    ticker                  TEXT NOT NULL,
    status                  TEXT NOT NULL,
    book_side               TEXT NOT NULL,
    outcome_side            TEXT NOT NULL,
    yes_price_micros        INTEGER NOT NULL,
    no_price_micros         INTEGER NOT NULL,
    initial_count_centi     INTEGER NOT NULL,
    fill_count_centi        INTEGER NOT NULL,
    remaining_count_centi   INTEGER NOT NULL,
    taker_fees_micros       INTEGER NOT NULL,
    maker_fees_micros       INTEGER NOT NULL,
    taker_fill_cost_micros  INTEGER NOT NULL,
    maker_fill_cost_micros  INTEGER NOT NULL,
    created_utc             TEXT,
    created_unix            INTEGER,
    last_update_utc         TEXT,
    expiration_utc          TEXT,
    order_group_id          TEXT,
    subaccount              INTEGER
);
CREATE TABLE IF NOT EXISTS positions (
    kind                     TEXT NOT NULL,
    key                      TEXT NOT NULL,
    ticker                   TEXT,
    event_ticker             TEXT,
    position_centi           INTEGER,
    total_cost_shares_centi  INTEGER,
    exposure_micros          INTEGER NOT NULL,
    realized_pnl_micros      INTEGER NOT NULL,
    fees_paid_micros         INTEGER NOT NULL,
    total_traded_micros      INTEGER,
    total_cost_micros        INTEGER,
    last_updated_utc         TEXT,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS placed_orders (
    client_order_id  TEXT PRIMARY KEY,
    file_sha256      TEXT NOT NULL,
    line             INTEGER NOT NULL,
    ticker           TEXT NOT NULL,
    order_id         TEXT NOT NULL,
    placed_utc       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sent_orders (
    client_order_id  TEXT PRIMARY KEY,
    file_sha256      TEXT NOT NULL,
    line             INTEGER NOT NULL,
    ticker           TEXT NOT NULL,
    sent_utc         TEXT NOT NULL,
    result           TEXT
);
CREATE TABLE IF NOT EXISTS sync_state (
    resource       TEXT PRIMARY KEY,
    cursor         TEXT,
    run_min_ts     INTEGER,
    run_max_ts     INTEGER,
    high_water_ts  INTEGER,
    completed_utc  TEXT
);
";

/// Open (creating when missing) and bring the schema up to date.
pub fn open(path: &std::path::Path) -> anyhow::Result<Connection> {
    let db = Connection::open(path)?;
    // WAL: a reader (export --from-db) never blocks a running sync, and a commit is
    // one fsync of the log.
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    db.busy_timeout(std::time::Duration::from_secs(10))?;
    // SQLite's memory is its page cache plus a few prepared statements: the cache is
    // pinned here (2,000 KiB, the size SQLite defaults to when built as rusqlite
    // builds it), so it does not depend on how SQLite was compiled, and a sync of
    // any length holds the same (already full at 10,000 fills; BENCHMARKS.md).
    db.pragma_update(None, "cache_size", CACHE_KIB.saturating_neg())?;
    let version: i64 = db.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version > SCHEMA_VERSION {
        anyhow::bail!(
            "{} was written by a newer kalshi-portfolio (schema {version}, this one knows {SCHEMA_VERSION})",
            path.display()
        );
    }
    // One transaction, so a run killed while creating the schema leaves all of it
    // or none (the version is in the same transaction).
    let schema = db.unchecked_transaction()?;
    schema.execute_batch(SCHEMA)?;
    schema.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    schema.commit()?;
    Ok(db)
}

/// A time as stored: RFC 3339 UTC with microseconds.
pub fn time_text(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A stored time back.
pub fn parse_time(text: Option<String>) -> anyhow::Result<Option<DateTime<Utc>>> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| anyhow::anyhow!("bad time {t:?} in the database: {e}"))
    })
    .transpose()
}

fn micros(d: Dollars) -> i64 {
    d.as_micros()
}

fn centi(c: Count) -> i64 {
    c.as_hundredths()
}

/// Insert or replace one fill.
pub fn upsert_fill(tx: &Transaction<'_>, r: &FillRecord) -> rusqlite::Result<()> {
    let mut statement = tx.prepare_cached(
        "INSERT INTO fills VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (fill_id) DO UPDATE SET ts_utc = excluded.ts_utc, ts_unix = excluded.ts_unix,
           order_id = excluded.order_id, ticker = excluded.ticker, book_side = excluded.book_side,
           outcome_side = excluded.outcome_side, action = excluded.action, side = excluded.side,
           count_centi = excluded.count_centi, yes_price_micros = excluded.yes_price_micros,
           no_price_micros = excluded.no_price_micros, fee_micros = excluded.fee_micros,
           is_taker = excluded.is_taker, subaccount = excluded.subaccount",
    )?;
    statement.execute(params![
        r.fill_id,
        r.ts_utc.as_ref().map(time_text),
        r.ts_utc.map(|t| t.timestamp()),
        r.order_id,
        r.ticker,
        r.book_side,
        r.outcome_side,
        r.action,
        r.side,
        centi(r.count),
        micros(r.yes_price_dollars),
        micros(r.no_price_dollars),
        micros(r.fee_dollars),
        r.is_taker,
        r.subaccount,
    ])?;
    Ok(())
}

/// Insert or replace one settlement (a market settles once: keyed by its ticker).
pub fn upsert_settlement(tx: &Transaction<'_>, r: &SettlementRecord) -> rusqlite::Result<()> {
    let mut statement = tx.prepare_cached(
        "INSERT OR REPLACE INTO settlements VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    statement.execute(params![
        r.ticker,
        r.event_ticker,
        time_text(&r.settled_utc),
        r.settled_utc.timestamp(),
        r.market_result,
        centi(r.yes_count),
        micros(r.yes_total_cost_dollars),
        centi(r.no_count),
        micros(r.no_total_cost_dollars),
        r.revenue_dollars.map(micros),
        r.value_per_yes_dollars.map(micros),
        micros(r.fee_dollars),
    ])?;
    Ok(())
}

/// Insert or replace one order.
pub fn upsert_order(tx: &Transaction<'_>, r: &OrderRecord) -> rusqlite::Result<()> {
    let mut statement = tx.prepare_cached(
        "INSERT OR REPLACE INTO orders VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
         ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?;
    statement.execute(params![
        r.order_id,
        r.client_order_id,
        r.ticker,
        r.status,
        r.book_side,
        r.outcome_side,
        micros(r.yes_price_dollars),
        micros(r.no_price_dollars),
        centi(r.initial_count),
        centi(r.fill_count),
        centi(r.remaining_count),
        micros(r.taker_fees_dollars),
        micros(r.maker_fees_dollars),
        micros(r.taker_fill_cost_dollars),
        micros(r.maker_fill_cost_dollars),
        r.created_utc.as_ref().map(time_text),
        r.created_utc.map(|t| t.timestamp()),
        r.last_update_utc.as_ref().map(time_text),
        r.expiration_utc.as_ref().map(time_text),
        r.order_group_id,
        r.subaccount,
    ])?;
    Ok(())
}

/// Insert one position (positions are replaced as a whole snapshot).
pub fn insert_position(tx: &Transaction<'_>, r: &PositionRecord) -> rusqlite::Result<()> {
    let key = r
        .ticker
        .clone()
        .or_else(|| r.event_ticker.clone())
        .unwrap_or_default();
    let mut statement = tx.prepare_cached(
        "INSERT OR REPLACE INTO positions VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    statement.execute(params![
        r.kind,
        key,
        r.ticker,
        r.event_ticker,
        r.position.map(centi),
        r.total_cost_shares.map(centi),
        micros(r.exposure_dollars),
        micros(r.realized_pnl_dollars),
        micros(r.fees_paid_dollars),
        r.total_traded_dollars.map(micros),
        r.total_cost_dollars.map(micros),
        r.last_updated_utc.as_ref().map(time_text),
    ])?;
    Ok(())
}

/// Where a resource's sync stands.
#[derive(Clone, Debug, Default)]
pub struct SyncState {
    /// The cursor of the next page of an interrupted run.
    pub cursor: Option<String>,
    /// The `min_ts` of that run (the cursor belongs to it).
    pub run_min_ts: Option<i64>,
    /// The newest row time seen so far by that run.
    pub run_max_ts: Option<i64>,
    /// The newest row time of the last complete run.
    pub high_water_ts: Option<i64>,
}

/// Read the state of `resource`.
pub fn load_state(db: &Connection, resource: &str) -> rusqlite::Result<SyncState> {
    let mut statement = db.prepare_cached(
        "SELECT cursor, run_min_ts, run_max_ts, high_water_ts FROM sync_state WHERE resource = ?1",
    )?;
    let mut rows = statement.query([resource])?;
    match rows.next()? {
        Some(row) => Ok(SyncState {
            cursor: row.get(0)?,
            run_min_ts: row.get(1)?,
            run_max_ts: row.get(2)?,
            high_water_ts: row.get(3)?,
        }),
        None => Ok(SyncState::default()),
    }
}

/// Write the state of `resource` (inside the page's transaction).
pub fn save_state(
    tx: &Transaction<'_>,
    resource: &str,
    state: &SyncState,
    completed: bool,
) -> rusqlite::Result<()> {
    let mut statement = tx.prepare_cached(
        "INSERT INTO sync_state VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (resource) DO UPDATE SET cursor = excluded.cursor,
           run_min_ts = excluded.run_min_ts, run_max_ts = excluded.run_max_ts,
           high_water_ts = excluded.high_water_ts,
           completed_utc = COALESCE(excluded.completed_utc, sync_state.completed_utc)",
    )?;
    statement.execute(params![
        resource,
        state.cursor,
        state.run_min_ts,
        state.run_max_ts,
        state.high_water_ts,
        completed.then(|| time_text(&Utc::now())),
    ])?;
    Ok(())
}
