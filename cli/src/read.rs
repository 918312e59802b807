//! The read commands: `balance`, `orders list`, `positions`, `fills`, `settlements`.

use kalshi_portfolio::filters::OrderStatusFilter;
use kalshi_portfolio::records::{FillRecord, OrderRecord, PositionRecord, SettlementRecord};
use kalshi_portfolio::Dollars;
use serde::Serialize;

use crate::cli::{ListArgs, OrdersListArgs, OutputArgs};
use crate::connect::Connection;
use crate::table::Rows;

/// The balance as one flat row.
#[derive(Serialize)]
struct BalanceRecord {
    balance_dollars: Dollars,
    portfolio_value_dollars: Option<Dollars>,
}

/// `balance`
pub fn balance(connection: &Connection, args: &OutputArgs) -> anyhow::Result<()> {
    let balance = connection.client.get_balance()?;
    let mut rows = Rows::new(args.json, &["balance_dollars", "portfolio_value_dollars"]);
    rows.push(&BalanceRecord {
        balance_dollars: balance.balance_dollars,
        portfolio_value_dollars: Dollars::from_cents(balance.portfolio_value),
    })?;
    rows.finish()
}

/// `orders list`
pub fn orders(connection: &Connection, args: &OrdersListArgs) -> anyhow::Result<()> {
    let mut list = connection.client.get_orders().limit(1000);
    if let Some(status) = &args.status {
        list = list.status(OrderStatusFilter::from(status.as_str()));
    }
    if let Some(ticker) = &args.ticker {
        list = list.ticker(ticker.clone());
    }
    if let Some(event) = &args.event {
        list = list.event_ticker(event.clone());
    }
    let mut rows = Rows::new(
        args.output.json,
        &[
            "order_id",
            "ticker",
            "status",
            "book_side",
            "yes_price_dollars",
            "initial_count",
            "fill_count",
            "remaining_count",
            "created_utc",
        ],
    );
    for order in list.iter() {
        rows.push(&OrderRecord::from(order?))?;
    }
    rows.finish()
}

/// `positions`
pub fn positions(connection: &Connection, args: &OutputArgs) -> anyhow::Result<()> {
    let mut rows = Rows::new(
        args.json,
        &[
            "kind",
            "ticker",
            "event_ticker",
            "position",
            "exposure_dollars",
            "realized_pnl_dollars",
            "fees_paid_dollars",
        ],
    );
    for position in connection.client.get_positions().limit(1000).iter() {
        rows.push(&PositionRecord::from(position?))?;
    }
    rows.finish()
}

/// `fills`
pub fn fills(connection: &Connection, args: &ListArgs) -> anyhow::Result<()> {
    let mut list = connection.client.get_fills().limit(1000);
    if let Some(ticker) = &args.ticker {
        list = list.ticker(ticker.clone());
    }
    let mut rows = Rows::new(
        args.output.json,
        &[
            "ts_utc",
            "fill_id",
            "ticker",
            "book_side",
            "count",
            "yes_price_dollars",
            "fee_dollars",
            "is_taker",
        ],
    );
    for fill in list.iter().take(args.limit.unwrap_or(usize::MAX)) {
        rows.push(&FillRecord::from(fill?))?;
    }
    rows.finish()
}

/// `settlements`
pub fn settlements(connection: &Connection, args: &ListArgs) -> anyhow::Result<()> {
    let mut list = connection.client.get_settlements().limit(1000);
    if let Some(ticker) = &args.ticker {
        list = list.ticker(ticker.clone());
    }
    let mut rows = Rows::new(
        args.output.json,
        &[
            "settled_utc",
            "ticker",
            "market_result",
            "yes_count",
            "no_count",
            "revenue_dollars",
            "fee_dollars",
        ],
    );
    for settlement in list.iter().take(args.limit.unwrap_or(usize::MAX)) {
        rows.push(&SettlementRecord::from(settlement?))?;
    }
    rows.finish()
}
