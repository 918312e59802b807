//! A read-only report of a Kalshi portfolio: balance, positions, resting orders and
//! their queue positions, order groups, recent fills and settlements.
//!
//! ```text
//! KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=kalshi.pem cargo run --example quickstart
//! ```
//!
//! `KALSHI_ENV` picks the exchange: `demo` (the default) or `production`. Nothing is
//! ever placed or cancelled by this program.

use std::process::ExitCode;

use kalshi_portfolio::operations::Position;
use kalshi_portfolio::{env_vars, Client};

fn main() -> ExitCode {
    if std::env::var_os(env_vars::API_KEY_ID).is_none() {
        eprintln!(
            "No credentials: set {} and {} (or {}) to report on your account; \
             {} chooses demo (default) or production.",
            env_vars::API_KEY_ID,
            env_vars::PRIVATE_KEY_PATH,
            env_vars::PRIVATE_KEY,
            env_vars::ENV,
        );
        return ExitCode::from(2);
    }
    match report() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn report() -> kalshi_portfolio::Result<()> {
    let client = Client::from_env()?;
    println!("Kalshi portfolio report ({})", client.environment());

    let balance = client.get_balance()?;
    println!(
        "balance {} · portfolio value {}¢",
        balance.balance_dollars, balance.portfolio_value
    );
    let resting = client.get_total_resting_order_value()?;
    println!("resting order value {}¢", resting.total_resting_order_value);

    println!("\npositions (first page):");
    for position in client.get_positions().limit(100).send()?.items {
        match position {
            Position::Market(p) => println!(
                "  {:<32} {:>10} contracts  exposure {}",
                p.ticker, p.position_fp, p.market_exposure_dollars
            ),
            Position::Event(p) => println!(
                "  {:<32} event      exposure {}",
                p.event_ticker, p.event_exposure_dollars
            ),
            _ => {}
        }
    }

    println!("\nresting orders:");
    let orders = client.get_orders().status("resting").limit(100).send()?;
    for order in &orders.items {
        let queue = client.get_order_queue_position(&order.order_id)?;
        println!(
            "  {} {:<28} {} {} @ {}  ({} ahead in queue)",
            order.order_id,
            order.ticker,
            order.book_side,
            order.remaining_count_fp,
            order.yes_price_dollars,
            queue
        );
    }
    if !orders.items.is_empty() {
        let all = client.get_queue_positions().send()?;
        println!("  {} queue positions in all", all.len());
    }

    println!("\norder groups:");
    for group in client.get_order_groups()? {
        let detail = client.get_order_group(&group.id)?;
        println!(
            "  {} auto-cancel {} · {} orders",
            group.id,
            detail.is_auto_cancel_enabled,
            detail.orders.len()
        );
    }

    println!("\nlast fills:");
    for fill in client.get_fills().limit(10).send()?.items {
        println!(
            "  {:<32} {} {} @ {}  fee {}",
            fill.ticker, fill.book_side, fill.count_fp, fill.yes_price_dollars, fill.fee_cost
        );
    }

    println!("\nlast settlements:");
    for settlement in client.get_settlements().limit(10).send()?.items {
        println!(
            "  {:<32} result {} · revenue {}¢",
            settlement.ticker, settlement.market_result, settlement.revenue
        );
    }
    Ok(())
}
