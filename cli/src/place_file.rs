//! The file of `orders place`: its columns, and every row read and checked before
//! anything is sent.
//!
//! A row is checked twice over: here for what only the file knows (its columns, the
//! vocabulary of sides, ids unique within the file), then by the library's own
//! [`NewOrder::validate`], the checks every create makes (price on the tick, time in
//! force with post-only, reduce-only or an expiration, ...). Orders go out one batch
//! at a time, so a row that fails only when its batch is sent would be found after
//! earlier batches were placed; validating every row first means a bad row is named
//! by its line and nothing at all is sent.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use kalshi_portfolio::order_builders::TimeInForce;
use kalshi_portfolio::{Action, Count, Dollars, NewOrder, Outcome, ValidatedOrder};
use sha2::{Digest, Sha256};

use crate::fail::usage;

/// The columns a file may have (`ticker`, `side`, `price`, `count` are required).
pub const COLUMNS: [&str; 10] = [
    "ticker",
    "side",
    "action",
    "price",
    "count",
    "time_in_force",
    "post_only",
    "reduce_only",
    "expiration_utc",
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
    /// The order, validated by the library, with its `client_order_id` fixed.
    pub order: ValidatedOrder,
    /// The side as written (`bid`, `buy_no`, ...).
    pub side: String,
    /// The price as written (of the outcome bought or sold).
    pub price: Dollars,
    /// Contracts.
    pub count: Count,
    /// When the resting order expires, if it does.
    pub expiration: Option<DateTime<Utc>>,
}

/// The first 16 hex digits of the SHA-256 of the file: part of each row's default
/// `client_order_id`, and recorded with each placed order.
pub fn hex_prefix(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Read and check every row; the first bad one fails the whole file (exit 2), named
/// by its line, and nothing is sent.
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
    let mut rows = Vec::new();
    let mut ids = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| usage(format!("{name}: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        let bad = |what: String| usage(format!("{name} line {line}: {what}; nothing was sent"));
        let get = |column: &str| {
            headers
                .iter()
                .position(|h| h == column)
                .and_then(|i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let row = read_row(line, &file_hash, &get).map_err(bad)?;
        if !ids.insert(row.client_order_id.clone()) {
            return Err(usage(format!(
                "{name} line {line}: client_order_id {:?} is used by an earlier row; nothing was sent",
                row.client_order_id
            )));
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(usage(format!("{name} has no order rows")));
    }
    Ok(rows)
}

/// One row from its columns (`get` gives a column's non-empty text), or what is
/// wrong with it.
fn read_row(
    line: u64,
    file_hash: &str,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Row, String> {
    let ticker = get("ticker").ok_or("ticker is empty")?;
    let side_text = get("side").ok_or("side is empty")?;
    let action = get("action");
    let price_text = get("price").ok_or("price is empty")?;
    let price: Dollars = price_text
        .parse()
        .map_err(|e| format!("price {price_text:?}: {e}"))?;
    if !price.is_strictly_between_zero_and_one() {
        return Err(format!(
            "price {price_text:?} must be between 0 and 1 dollar, exclusive"
        ));
    }
    let count_text = get("count").ok_or("count is empty")?;
    let count: Count = count_text
        .parse()
        .map_err(|e| format!("count {count_text:?}: {e}"))?;
    if !count.is_positive() {
        return Err(format!("count {count_text:?} must be positive"));
    }
    let side_key = match &action {
        Some(action) => format!(
            "{}_{}",
            action.to_ascii_lowercase(),
            side_text.to_ascii_lowercase()
        ),
        None => side_text.to_ascii_lowercase(),
    };
    let order = NewOrder::new(ticker.clone());
    let mut order = match side_key.as_str() {
        "bid" => order.bid(),
        "ask" => order.ask(),
        "buy_yes" => order.side(Action::Buy, Outcome::Yes),
        "sell_yes" => order.side(Action::Sell, Outcome::Yes),
        "buy_no" => order.side(Action::Buy, Outcome::No),
        "sell_no" => order.side(Action::Sell, Outcome::No),
        _ => {
            return Err(format!(
                "side {side_text:?}{} is not bid, ask, buy_yes, sell_yes, buy_no or sell_no \
                 (or yes/no with an action column of buy/sell)",
                action
                    .as_deref()
                    .map(|a| format!(" with action {a:?}"))
                    .unwrap_or_default()
            ))
        }
    };
    order = order.price(price).count(count);
    if let Some(tif) = get("time_in_force") {
        order = order.time_in_force(match tif.to_ascii_lowercase().as_str() {
            "gtc" | "good_till_canceled" => TimeInForce::GoodTillCanceled,
            "ioc" | "immediate_or_cancel" => TimeInForce::ImmediateOrCancel,
            "fok" | "fill_or_kill" => TimeInForce::FillOrKill,
            _ => return Err(format!("time_in_force {tif:?} is not gtc, ioc or fok")),
        });
    }
    for flag in ["post_only", "reduce_only"] {
        if let Some(text) = get(flag) {
            let value = match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => true,
                "false" | "no" | "0" => false,
                _ => return Err(format!("{flag} {text:?} is not true or false")),
            };
            order = if flag == "post_only" {
                order.post_only(value)
            } else {
                order.reduce_only(value)
            };
        }
    }
    let expiration = get("expiration_utc")
        .map(|text| parse_expiration(&text))
        .transpose()?;
    if let Some(expiration) = expiration {
        order = order.expiration_time(expiration.timestamp());
    }
    let client_order_id =
        get("client_order_id").unwrap_or_else(|| format!("kp-{file_hash}-{line}"));
    order = order.client_order_id(client_order_id.clone());
    // Every rule of a create, as the library checks it before sending.
    let order = order.validate().map_err(|e| match e {
        kalshi_portfolio::Error::InvalidRequest { field, reason } => {
            let column = if field == "expiration_time" {
                "expiration_utc"
            } else {
                field.as_str()
            };
            format!("{column}: {reason}")
        }
        other => other.to_string(),
    })?;
    Ok(Row {
        line,
        client_order_id,
        ticker,
        order,
        side: side_key,
        price,
        count,
        expiration,
    })
}

/// `expiration_utc`: an RFC 3339 time (`2026-12-31T21:00:00Z`, as `export orders`
/// writes it) or Unix seconds; to the second.
fn parse_expiration(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(seconds) = text.parse::<i64>() {
        return DateTime::from_timestamp(seconds, 0)
            .ok_or_else(|| format!("expiration_utc {text:?} is out of range"));
    }
    // Kalshi takes whole seconds: a fraction is dropped, so the row shows what is sent.
    DateTime::parse_from_rfc3339(text)
        .ok()
        .and_then(|t| DateTime::from_timestamp(t.timestamp(), 0))
        .ok_or_else(|| {
            format!(
                "expiration_utc {text:?} is not an RFC 3339 time (2026-12-31T21:00:00Z) or Unix seconds"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> anyhow::Result<Vec<Row>> {
        parse(Path::new("orders.csv"), text.as_bytes())
    }

    #[test]
    fn expiration_is_read_as_a_time_or_unix_seconds() {
        let later = Utc::now() + chrono::Duration::hours(2);
        let text = format!(
            "ticker,side,price,count,expiration_utc\n\
             KXA-1,buy_yes,0.40,1,{}\n\
             KXA-1,buy_no,0.40,1,{}\n\
             KXA-1,bid,0.40,1,\n",
            later.to_rfc3339(),
            later.timestamp()
        );
        let rows = parse_text(&text).unwrap();
        assert_eq!(
            rows[0].expiration.map(|t| t.timestamp()),
            Some(later.timestamp())
        );
        assert_eq!(rows[1].expiration, rows[0].expiration);
        assert_eq!(rows[0].order.expiration_time(), Some(later.timestamp()));
        assert_eq!(rows[2].expiration, None);
        assert_eq!(rows[2].order.expiration_time(), None);
    }

    #[test]
    fn a_bad_expiration_is_named_by_line_and_column() {
        let cases = [
            (
                "tomorrow",
                "line 2: expiration_utc \"tomorrow\" is not an RFC 3339",
            ),
            ("1", "line 2: expiration_utc: 1 is not in the future"),
        ];
        for (value, expected) in cases {
            let text =
                format!("ticker,side,price,count,expiration_utc\nKXA-1,bid,0.40,1,{value}\n");
            let error = format!("{:#}", parse_text(&text).unwrap_err());
            assert!(error.contains(expected), "{error}");
            assert!(error.contains("nothing was sent"), "{error}");
        }
        // Only a resting order can expire: the library's rule, named by the column.
        let later = (Utc::now() + chrono::Duration::hours(1)).timestamp();
        let text = format!(
            "ticker,side,price,count,time_in_force,expiration_utc\nKXA-1,bid,0.40,1,ioc,{later}\n"
        );
        let error = format!("{:#}", parse_text(&text).unwrap_err());
        assert!(
            error.contains("line 2: expiration_utc: only good_till_canceled"),
            "{error}"
        );
    }

    #[test]
    fn rows_get_the_files_ids_unless_they_name_their_own() {
        let text =
            "ticker,side,price,count,client_order_id\nKXA-1,bid,0.40,1,\nKXA-1,bid,0.40,1,mine\n";
        let rows = parse_text(text).unwrap();
        let hash = hex_prefix(text.as_bytes());
        assert_eq!(rows[0].client_order_id, format!("kp-{hash}-2"));
        assert_eq!(rows[0].order.client_order_id(), rows[0].client_order_id);
        assert_eq!(rows[1].order.client_order_id(), "mine");
        let twice =
            "ticker,side,price,count,client_order_id\nKXA-1,bid,0.40,1,x\nKXA-1,bid,0.41,1,x\n";
        let error = parse_text(twice).unwrap_err().to_string();
        assert!(
            error.contains("line 3: client_order_id \"x\" is used by an earlier row"),
            "{error}"
        );
    }
}
