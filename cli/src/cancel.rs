//! `orders cancel (--ticker T | --event E | --all)`: the library's cancel-by-filter,
//! with a dry run, and a confirmation on production.

use std::io::{BufRead, IsTerminal, Write};

use kalshi_portfolio::records::OrderRecord;
use serde::Serialize;

use crate::connect::Connection;
use crate::fail::{usage, Partial};
use crate::table::Rows;

/// Options of `orders cancel`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("scope").required(true).args(["ticker", "event", "all"])))]
pub struct CancelArgs {
    /// The resting orders of this market.
    #[arg(long)]
    pub ticker: Option<String>,
    /// The resting orders of this event.
    #[arg(long)]
    pub event: Option<String>,
    /// Every resting order of the account.
    #[arg(long)]
    pub all: bool,
    /// List what would be cancelled; cancel nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation on production.
    #[arg(long)]
    pub yes: bool,
    /// JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Cancelled {
    order_id: String,
    client_order_id: Option<String>,
    reduced_by: kalshi_portfolio::Count,
    result: String,
}

/// `orders cancel`
pub fn run(connection: &Connection, args: &CancelArgs) -> anyhow::Result<()> {
    let mut request = connection.client.cancel_orders();
    let scope = if let Some(ticker) = &args.ticker {
        request = request.ticker(ticker.clone());
        format!("market {ticker}")
    } else if let Some(event) = &args.event {
        request = request.event_ticker(event.clone());
        format!("event {event}")
    } else {
        request = request.all();
        "the whole account".to_string()
    };
    if args.dry_run {
        let mut rows = Rows::new(
            args.json,
            &[
                "order_id",
                "ticker",
                "book_side",
                "yes_price_dollars",
                "remaining_count",
            ],
        );
        let orders = request.dry_run()?;
        for order in orders {
            rows.push(&OrderRecord::from(order))?;
        }
        return rows.finish();
    }
    if connection.is_production() && !args.yes {
        let count = request.dry_run()?.len();
        if count == 0 {
            eprintln!("no resting orders in {scope}");
            return Ok(());
        }
        if !std::io::stdin().is_terminal() {
            return Err(usage(format!(
                "cancelling {count} orders in {scope} on PRODUCTION needs --yes when stdin is not a terminal"
            )));
        }
        eprint!("Cancel {count} resting orders in {scope} on PRODUCTION? Type yes: ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            return Err(usage("not confirmed; nothing was cancelled"));
        }
    }
    let items = request.send()?;
    let mut failed = 0usize;
    let mut rows = Rows::new(
        args.json,
        &["order_id", "client_order_id", "reduced_by", "result"],
    );
    let total = items.len();
    for item in items {
        let result = match &item.error {
            None => "cancelled".to_string(),
            Some(error) => {
                failed += 1;
                format!(
                    "not cancelled: {}",
                    crate::place::error_text(&serde_json::to_value(error).unwrap_or_default())
                )
            }
        };
        rows.push(&Cancelled {
            order_id: item.order_id,
            client_order_id: item.client_order_id,
            reduced_by: item.reduced_by,
            result,
        })?;
    }
    rows.finish()?;
    if failed > 0 {
        return Err(anyhow::Error::new(Partial(format!(
            "{failed} of {total} orders were not cancelled"
        ))));
    }
    Ok(())
}
