//! `orders place --file orders.csv`: one order per row, exactly once.
//!
//! * Every row is read and checked before anything is sent; a bad row is named with
//!   its line number and nothing is sent (exit 2).
//! * Each row has a deterministic `client_order_id`: its own `client_order_id`
//!   column, or `kp-` + the first 16 hex digits of the SHA-256 of the file + `-` +
//!   the line number. Running the same file again therefore names the same orders.
//! * Placed orders are recorded in the database (`placed_orders`). On a rerun, a row
//!   recorded there is skipped; a row not recorded (the run died between sending and
//!   recording) is looked up at the exchange by its `client_order_id` first, and the
//!   exchange itself refuses a duplicate `client_order_id`; so each row is placed once.
//! * Rows are sent through one call of the library's batch create, which checks
//!   every order before sending any and splits them by `max_batch_size`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;
use kalshi_portfolio::order_builders::TimeInForce;
use kalshi_portfolio::{Action, Count, Dollars, NewOrder, Outcome};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::connect::Connection;
use crate::fail::{usage, Partial};
use crate::table::Rows;

/// Options of `orders place`.
#[derive(Debug, clap::Args)]
pub struct PlaceArgs {
    /// The CSV file: columns `ticker`, `side` (`bid`, `ask`, `buy_yes`, `sell_yes`,
    /// `buy_no`, `sell_no`, or `yes`/`no` with an `action` column of `buy`/`sell`),
    /// `price` (dollars, of the outcome bought or sold), `count`; optional
    /// `time_in_force` (`gtc`, `ioc`, `fok`), `post_only`, `reduce_only`,
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

const COLUMNS: [&str; 9] = [
    "ticker",
    "side",
    "action",
    "price",
    "count",
    "time_in_force",
    "post_only",
    "reduce_only",
    "client_order_id",
];

/// One checked row.
#[derive(Clone, Debug)]
pub struct Row {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// Its `client_order_id`.
    pub client_order_id: String,
    /// The market.
    pub ticker: String,
    /// The order.
    pub order: NewOrder,
    side: String,
    price: Dollars,
    count: Count,
}

/// What happened to a row, as printed.
#[derive(Serialize)]
struct Outcome_ {
    line: u64,
    client_order_id: String,
    ticker: String,
    side: String,
    price: Dollars,
    count: Count,
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
    let file_hash = hex_prefix(&bytes);

    // What is already placed: recorded here, or found at the exchange.
    let mut done: HashMap<String, String> = HashMap::new();
    {
        let mut statement =
            db.prepare("SELECT order_id FROM placed_orders WHERE client_order_id = ?1")?;
        for row in &rows {
            let found: Option<String> = statement
                .query_row([&row.client_order_id], |r| r.get(0))
                .optional()?;
            if let Some(order_id) = found {
                done.insert(row.client_order_id.clone(), order_id);
            }
        }
    }
    let unrecorded: Vec<&Row> = rows
        .iter()
        .filter(|r| !done.contains_key(&r.client_order_id))
        .collect();
    let found = lookup(connection, &unrecorded)?;
    for row in &unrecorded {
        if let Some(order_id) = found.get(&row.client_order_id) {
            if !args.dry_run {
                record(&mut db, &file_hash, row, order_id)?;
            }
            done.insert(row.client_order_id.clone(), order_id.clone());
        }
    }

    let mut results: BTreeMap<u64, (String, Option<String>)> = BTreeMap::new();
    for row in &rows {
        if let Some(order_id) = done.get(&row.client_order_id) {
            results.insert(row.line, ("already placed".into(), Some(order_id.clone())));
        }
    }
    let pending: Vec<&Row> = rows
        .iter()
        .filter(|r| !done.contains_key(&r.client_order_id))
        .collect();
    let mut refused = 0usize;
    if args.dry_run {
        for row in &pending {
            results.insert(row.line, ("would place".into(), None));
        }
    } else {
        // One call for every pending row: the library checks them all before it
        // sends the first request, then sends them in batches of `max_batch_size`.
        // Its answers are recorded after the call; a run killed before that is
        // repaired by the lookup above on the next run.
        let orders: Vec<NewOrder> = pending.iter().map(|r| r.order.clone()).collect();
        if !orders.is_empty() {
            let answers = connection
                .client
                .batch_create_orders(&orders)
                .map_err(|e| line_error(e, &args.file, &pending))
                .context("placing the orders; run the same file again: orders already placed are found by their client_order_id and not placed twice")?;
            for (row, item) in pending.iter().zip(answers) {
                match (&item.error, item.order_id) {
                    (None, Some(order_id)) => {
                        record(&mut db, &file_hash, row, &order_id)?;
                        results.insert(row.line, ("placed".into(), Some(order_id)));
                    }
                    (error, _) => {
                        refused += 1;
                        let text = error
                            .as_ref()
                            .map(|e| error_text(&serde_json::to_value(e).unwrap_or_default()))
                            .unwrap_or_else(|| "no order id in the answer".into());
                        results.insert(row.line, (format!("refused: {text}"), None));
                    }
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
            "result",
            "order_id",
        ],
    );
    for row in &rows {
        let (result, order_id) = results
            .remove(&row.line)
            .unwrap_or_else(|| ("not sent".into(), None));
        table.push(&Outcome_ {
            line: row.line,
            client_order_id: row.client_order_id.clone(),
            ticker: row.ticker.clone(),
            side: row.side.clone(),
            price: row.price,
            count: row.count,
            result,
            order_id,
        })?;
    }
    table.finish()?;
    if refused > 0 {
        return Err(anyhow::Error::new(Partial(format!(
            "{refused} of {} orders were refused; fix those rows and run the same file again \
             (placed rows are not placed twice)",
            rows.len()
        ))));
    }
    Ok(())
}

/// Read and check every row; the first bad one fails the whole file.
pub fn parse(path: &Path, bytes: &[u8]) -> anyhow::Result<Vec<Row>> {
    let name = path.display().to_string();
    let file_hash = hex_prefix(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| usage(format!("{name}: cannot read the header row: {e}")))?
        .clone();
    for header in &headers {
        if !COLUMNS.contains(&header) {
            return Err(usage(format!(
                "{name} line 1: unknown column {header:?} (known: {})",
                COLUMNS.join(", ")
            )));
        }
    }
    for required in ["ticker", "side", "price", "count"] {
        if !headers.iter().any(|h| h == required) {
            return Err(usage(format!(
                "{name} line 1: the column {required:?} is missing"
            )));
        }
    }
    let column = |record: &csv::StringRecord, name: &str| -> Option<String> {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| record.get(i))
            .map(str::to_string)
            .filter(|v| !v.is_empty())
    };
    let mut rows = Vec::new();
    let mut ids = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| usage(format!("{name}: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        let bad = |what: String| usage(format!("{name} line {line}: {what}; nothing was sent"));
        let get = |c: &str| column(&record, c);
        let ticker = get("ticker").ok_or_else(|| bad("ticker is empty".into()))?;
        let side_text = get("side").ok_or_else(|| bad("side is empty".into()))?;
        let action = get("action");
        let price_text = get("price").ok_or_else(|| bad("price is empty".into()))?;
        let price: Dollars = price_text
            .parse()
            .map_err(|e| bad(format!("price {price_text:?}: {e}")))?;
        if !price.is_strictly_between_zero_and_one() {
            return Err(bad(format!(
                "price {price_text:?} must be between 0 and 1 dollar, exclusive"
            )));
        }
        let count_text = get("count").ok_or_else(|| bad("count is empty".into()))?;
        let count: Count = count_text
            .parse()
            .map_err(|e| bad(format!("count {count_text:?}: {e}")))?;
        if !count.is_positive() {
            return Err(bad(format!("count {count_text:?} must be positive")));
        }
        let mut order = NewOrder::new(ticker.clone());
        let side_key = match &action {
            Some(action) => format!(
                "{}_{}",
                action.to_ascii_lowercase(),
                side_text.to_ascii_lowercase()
            ),
            None => side_text.to_ascii_lowercase(),
        };
        order =
            match side_key.as_str() {
                "bid" => order.bid(),
                "ask" => order.ask(),
                "buy_yes" => order.side(Action::Buy, Outcome::Yes),
                "sell_yes" => order.side(Action::Sell, Outcome::Yes),
                "buy_no" => order.side(Action::Buy, Outcome::No),
                "sell_no" => order.side(Action::Sell, Outcome::No),
                _ => {
                    return Err(bad(format!(
                    "side {side_text:?}{} is not bid, ask, buy_yes, sell_yes, buy_no or sell_no \
                     (or yes/no with an action column of buy/sell)",
                    action.as_deref().map(|a| format!(" with action {a:?}")).unwrap_or_default()
                )))
                }
            };
        order = order.price(price).count(count);
        if let Some(tif) = get("time_in_force") {
            order = order.time_in_force(match tif.to_ascii_lowercase().as_str() {
                "gtc" | "good_till_canceled" => TimeInForce::GoodTillCanceled,
                "ioc" | "immediate_or_cancel" => TimeInForce::ImmediateOrCancel,
                "fok" | "fill_or_kill" => TimeInForce::FillOrKill,
                _ => return Err(bad(format!("time_in_force {tif:?} is not gtc, ioc or fok"))),
            });
        }
        for flag in ["post_only", "reduce_only"] {
            if let Some(text) = get(flag) {
                let value = match text.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    _ => return Err(bad(format!("{flag} {text:?} is not true or false"))),
                };
                order = if flag == "post_only" {
                    order.post_only(value)
                } else {
                    order.reduce_only(value)
                };
            }
        }
        let client_order_id =
            get("client_order_id").unwrap_or_else(|| format!("kp-{file_hash}-{line}"));
        if !ids.insert(client_order_id.clone()) {
            return Err(bad(format!(
                "client_order_id {client_order_id:?} is used by an earlier row"
            )));
        }
        order = order.client_order_id(client_order_id.clone());
        rows.push(Row {
            line,
            client_order_id,
            ticker,
            order,
            side: side_key,
            price,
            count,
        });
    }
    if rows.is_empty() {
        return Err(usage(format!("{name} has no order rows")));
    }
    Ok(rows)
}

/// The first 16 hex digits of the SHA-256 of the file.
fn hex_prefix(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Find at the exchange the rows whose `client_order_id` is already there (a run
/// that died after sending and before recording), per market.
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
            let order = order?;
            if wanted.contains(order.client_order_id.as_str()) {
                found.insert(order.client_order_id.clone(), order.order_id.clone());
            }
        }
    }
    Ok(found)
}

fn record(
    db: &mut rusqlite::Connection,
    file_hash: &str,
    row: &Row,
    order_id: &str,
) -> anyhow::Result<()> {
    db.execute(
        "INSERT OR REPLACE INTO placed_orders VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            row.client_order_id,
            file_hash,
            row.line,
            row.ticker,
            order_id,
            crate::db::time_text(&Utc::now())
        ],
    )?;
    Ok(())
}

/// A library validation error names `orders[i]`: say which line that is.
fn line_error(error: kalshi_portfolio::Error, file: &Path, chunk: &[&Row]) -> anyhow::Error {
    if let kalshi_portfolio::Error::InvalidRequest { .. } = &error {
        let text = error.to_string();
        for (i, row) in chunk.iter().enumerate() {
            if text.contains(&format!("orders[{i}].")) {
                return usage(format!(
                    "{} line {}: {}; nothing was sent",
                    file.display(),
                    row.line,
                    text.replace(&format!("orders[{i}]."), "")
                ));
            }
        }
    }
    anyhow::Error::new(error)
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
