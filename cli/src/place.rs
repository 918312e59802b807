//! `orders place --file orders.csv`: one order per row, exactly once, recorded one
//! batch at a time.
//!
//! * Every row is read and validated (by the file's rules and the library's
//!   [`NewOrder::validate`](kalshi_portfolio::NewOrder::validate)) before anything is
//!   sent; a bad row is named with its line number and nothing is sent (exit 2). See
//!   [`crate::place_file`].
//! * Each row has a deterministic `client_order_id` (its column, or `kp-` + 16 hex
//!   digits of the file's SHA-256 + `-` + its line), so running the same file again
//!   names the same orders.
//! * Rows go out in batches of the library's [`Client::max_batch_size`], one batch
//!   request at a time. Before a batch is sent, its rows are recorded as sent
//!   (`sent_orders`) in one committed transaction; after its answer, one transaction
//!   moves the placed rows to `placed_orders` and notes each refusal. A run killed at
//!   any instant therefore leaves every row in one of three states: placed and
//!   recorded (skipped on the rerun), never sent (sent on the rerun), or sent with
//!   the answer unknown. Only the last kind, at most one batch plus earlier refusals,
//!   is looked up at the exchange by its `client_order_id` on the rerun; the exchange
//!   also refuses a second order with an id it holds.
//!
//! [`Client::max_batch_size`]: kalshi_portfolio::Client::max_batch_size

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use kalshi_portfolio::operations::{BATCH_FAILED, NOT_PLACED, NOT_SENT};
use kalshi_portfolio::{Count, Dollars, NewOrder};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::connect::Connection;
use crate::fail::{usage, Partial};
use crate::place_file::{hex_prefix, parse, Row};
use crate::table::Rows;

/// Options of `orders place`.
#[derive(Debug, clap::Args)]
pub struct PlaceArgs {
    /// The CSV file: columns `ticker`, `side` (`bid`, `ask`, `buy_yes`, `sell_yes`,
    /// `buy_no`, `sell_no`, or `yes`/`no` with an `action` column of `buy`/`sell`),
    /// `price` (dollars, of the outcome bought or sold), `count`; optional
    /// `time_in_force` (`gtc`, `ioc`, `fok`), `post_only`, `reduce_only`,
    /// `expiration_utc` (RFC 3339 or Unix seconds; resting orders only),
    /// `client_order_id`.
    #[arg(long)]
    pub file: PathBuf,
    /// Check every row and show what would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The database that records placed orders (default as for `sync`).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// What happened to a row, as printed.
#[derive(Serialize)]
struct Outcome {
    line: u64,
    client_order_id: String,
    ticker: String,
    side: String,
    price: Dollars,
    count: Count,
    expiration_utc: Option<DateTime<Utc>>,
    result: String,
    order_id: Option<String>,
}

/// `orders place`
pub fn run(connection: &Connection, args: &PlaceArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))
        .map_err(|e| usage(format!("{e:#}")))?;
    let rows = parse(&args.file, &bytes)?;
    let db_path = connection.db_path(args.db.as_ref())?;
    let mut db = crate::db::open(&db_path)
        .with_context(|| format!("opening the database {}", db_path.display()))?;
    let book = Book {
        file_hash: hex_prefix(&bytes),
    };

    let mut results: BTreeMap<u64, (String, Option<String>)> = BTreeMap::new();
    let (placed, in_doubt) = book.state(&db, &rows)?;
    // Rows sent by an earlier run whose answer was not recorded: at the exchange?
    let doubtful: Vec<&Row> = rows
        .iter()
        .filter(|r| in_doubt.contains(&r.client_order_id))
        .collect();
    let found = lookup(connection, &doubtful)?;
    if !args.dry_run && !found.is_empty() {
        let tx = db.transaction()?;
        for row in &doubtful {
            if let Some(order_id) = found.get(&row.client_order_id) {
                book.placed(&tx, row, order_id)?;
            }
        }
        tx.commit()?;
    }
    for row in &rows {
        let order_id = placed
            .get(&row.client_order_id)
            .or_else(|| found.get(&row.client_order_id));
        if let Some(order_id) = order_id {
            results.insert(row.line, ("already placed".into(), Some(order_id.clone())));
        }
    }
    let pending: Vec<&Row> = rows
        .iter()
        .filter(|r| !results.contains_key(&r.line))
        .collect();

    let mut refused = 0usize;
    let mut failure = None;
    if args.dry_run {
        for row in &pending {
            results.insert(row.line, ("would place".into(), None));
        }
    } else {
        let batches = pending.chunks(connection.client.max_batch_size());
        let total = batches.len();
        for (number, batch) in batches.enumerate() {
            match book.send(connection, &mut db, batch, &mut results) {
                Ok(n) => refused += n,
                Err(e) => {
                    failure = Some(e.context(format!(
                        "placing batch {} of {total}; run the same file again: rows placed \
                         are recorded, and rows whose answer was lost are looked up by \
                         their client_order_id before anything is sent again",
                        number + 1
                    )));
                    break;
                }
            }
        }
    }

    let mut table = Rows::new(
        args.json,
        &[
            "line",
            "client_order_id",
            "ticker",
            "side",
            "price",
            "count",
            "expiration_utc",
            "result",
            "order_id",
        ],
    );
    for row in &rows {
        let (result, order_id) = results
            .remove(&row.line)
            .unwrap_or_else(|| ("not sent".into(), None));
        table.push(&Outcome {
            line: row.line,
            client_order_id: row.client_order_id.clone(),
            ticker: row.ticker.clone(),
            side: row.side.clone(),
            price: row.price,
            count: row.count,
            expiration_utc: row.expiration,
            result,
            order_id,
        })?;
    }
    table.finish()?;
    if let Some(failure) = failure {
        return Err(failure);
    }
    if refused > 0 {
        return Err(anyhow::Error::new(Partial(format!(
            "{refused} of {} orders were refused; fix those rows and run the same file again \
             (placed rows are not placed twice)",
            rows.len()
        ))));
    }
    Ok(())
}

/// The bookkeeping of one file in the database.
struct Book {
    file_hash: String,
}

impl Book {
    /// The rows already placed (with their order ids), and those sent whose outcome
    /// was not recorded as placed (a run killed mid-batch, or refused earlier).
    fn state(
        &self,
        db: &rusqlite::Connection,
        rows: &[Row],
    ) -> anyhow::Result<(HashMap<String, String>, HashSet<String>)> {
        let mut placed = HashMap::new();
        let mut in_doubt = HashSet::new();
        let mut placed_query =
            db.prepare("SELECT order_id FROM placed_orders WHERE client_order_id = ?1")?;
        let mut sent_query = db.prepare("SELECT 1 FROM sent_orders WHERE client_order_id = ?1")?;
        for row in rows {
            let id = &row.client_order_id;
            if let Some(order_id) = placed_query
                .query_row([id], |r| r.get::<_, String>(0))
                .optional()?
            {
                placed.insert(id.clone(), order_id);
            } else if sent_query.exists([id])? {
                in_doubt.insert(id.clone());
            }
        }
        Ok((placed, in_doubt))
    }

    /// Send one batch: record its rows as sent (committed before the request leaves),
    /// send it through the library's batch create, record the answers in one
    /// transaction. Returns how many rows were refused.
    fn send(
        &self,
        connection: &Connection,
        db: &mut rusqlite::Connection,
        batch: &[&Row],
        results: &mut BTreeMap<u64, (String, Option<String>)>,
    ) -> anyhow::Result<usize> {
        let now = crate::db::time_text(&Utc::now());
        let tx = db.transaction()?;
        for row in batch {
            tx.execute(
                "INSERT INTO sent_orders (client_order_id, file_sha256, line, ticker, sent_utc, result)
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL)
                 ON CONFLICT (client_order_id) DO UPDATE SET
                    file_sha256 = excluded.file_sha256, line = excluded.line,
                    ticker = excluded.ticker, sent_utc = excluded.sent_utc, result = NULL",
                params![row.client_order_id, self.file_hash, row.line, row.ticker, now],
            )?;
        }
        tx.commit()?;

        let orders: Vec<NewOrder> = batch.iter().map(|r| r.order.order().clone()).collect();
        let answers = match connection.client.batch_create_orders(&orders) {
            Ok(answers) => answers,
            Err(error) => {
                for row in batch {
                    results.insert(row.line, ("unknown: the batch failed".into(), None));
                }
                if matches!(error, kalshi_portfolio::Error::InvalidRequest { .. }) {
                    // Refused before sending (a rule that depends on the time, such as
                    // an expiration that has passed): nothing of it is in doubt.
                    let tx = db.transaction()?;
                    for row in batch {
                        tx.execute(
                            "DELETE FROM sent_orders WHERE client_order_id = ?1",
                            [&row.client_order_id],
                        )?;
                        results.insert(row.line, ("not sent".into(), None));
                    }
                    tx.commit()?;
                    return Err(usage(format!(
                        "{}; nothing of this batch was sent",
                        line_error(&error, batch)
                    )));
                }
                return Err(anyhow::Error::new(error));
            }
        };

        let mut refused = 0;
        let tx = db.transaction()?;
        for (row, item) in batch.iter().zip(answers) {
            match (&item.error, item.order_id) {
                (None, Some(order_id)) => {
                    self.placed(&tx, row, &order_id)?;
                    results.insert(row.line, ("placed".into(), Some(order_id)));
                }
                (error, _) => {
                    refused += 1;
                    let value = error
                        .as_ref()
                        .and_then(|e| serde_json::to_value(e).ok())
                        .unwrap_or_default();
                    let text = match error {
                        Some(_) => error_text(&value),
                        None => "no order id in the answer".into(),
                    };
                    // The library's own codes for an outcome it could not settle:
                    // the row stays in doubt and is looked up on the next run.
                    let code = value.get("code").and_then(|v| v.as_str()).unwrap_or("");
                    let label = if [NOT_PLACED, BATCH_FAILED, NOT_SENT].contains(&code) {
                        "not placed"
                    } else {
                        "refused"
                    };
                    tx.execute(
                        "UPDATE sent_orders SET result = ?2 WHERE client_order_id = ?1",
                        params![row.client_order_id, format!("{label}: {text}")],
                    )?;
                    results.insert(row.line, (format!("{label}: {text}"), None));
                }
            }
        }
        tx.commit()?;
        Ok(refused)
    }

    /// Record a row as placed (it is no longer in doubt).
    fn placed(
        &self,
        tx: &rusqlite::Transaction<'_>,
        row: &Row,
        order_id: &str,
    ) -> anyhow::Result<()> {
        tx.execute(
            "INSERT OR REPLACE INTO placed_orders VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                row.client_order_id,
                self.file_hash,
                row.line,
                row.ticker,
                order_id,
                crate::db::time_text(&Utc::now())
            ],
        )?;
        tx.execute(
            "DELETE FROM sent_orders WHERE client_order_id = ?1",
            [&row.client_order_id],
        )?;
        Ok(())
    }
}

/// Find at the exchange the rows whose `client_order_id` is already there (sent by a
/// run that died before recording the answer), per market.
fn lookup(connection: &Connection, rows: &[&Row]) -> anyhow::Result<HashMap<String, String>> {
    let wanted: HashSet<&str> = rows.iter().map(|r| r.client_order_id.as_str()).collect();
    let tickers: HashSet<&str> = rows.iter().map(|r| r.ticker.as_str()).collect();
    let mut found = HashMap::new();
    for ticker in tickers {
        for order in connection
            .client
            .get_orders()
            .ticker(ticker)
            .limit(1000)
            .iter()
        {
            let order = order.context("looking up the orders of an interrupted run")?;
            if wanted.contains(order.client_order_id.as_str()) {
                found.insert(order.client_order_id.clone(), order.order_id.clone());
            }
        }
    }
    Ok(found)
}

/// A library validation error names `orders[i]`: say which line that is.
fn line_error(error: &kalshi_portfolio::Error, batch: &[&Row]) -> String {
    let text = error.to_string();
    for (i, row) in batch.iter().enumerate() {
        let field = format!("orders[{i}].");
        if text.contains(&field) {
            return format!("line {}: {}", row.line, text.replace(&field, ""));
        }
    }
    text
}

/// Kalshi's error object as `code: message`.
pub fn error_text(value: &serde_json::Value) -> String {
    let code = value.get("code").and_then(|v| v.as_str()).unwrap_or("");
    let message = value.get("message").and_then(|v| v.as_str()).unwrap_or("");
    match (code.is_empty(), message.is_empty()) {
        (false, false) => format!("{code}: {message}"),
        (false, true) => code.to_string(),
        (true, false) => message.to_string(),
        (true, true) => value.to_string(),
    }
}
