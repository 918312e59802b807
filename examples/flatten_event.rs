//! "Flatten" an event: cancel every resting order in its markets, then report what
//! is still held there, one row per market with exact money and the best bid it could
//! be sold at now (from the market's order book).
//!
//! ```sh
//! cargo run --example flatten_event                       # the offline sandbox
//! KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=… cargo run --example flatten_event -- EVENT
//! ```

use kalshi_portfolio::operations::Position;
use kalshi_portfolio::{Client, Dollars};

type Job = Result<(), Box<dyn std::error::Error>>;

fn flatten(client: &Client, event: &str) -> Job {
    let resting = client.cancel_orders().event_ticker(event).dry_run()?;
    println!("{event}: cancelling {} resting orders", resting.len());
    for item in client.cancel_orders().event_ticker(event).send()? {
        match item.error {
            Some(error) => println!("  {} NOT cancelled: {:?}", item.order_id, error.message),
            None => println!(
                "  {} cancelled ({} contracts)",
                item.order_id, item.reduced_by
            ),
        }
    }
    let header = ["market", "position", "exposure $", "realized $", "exit at"];
    println!(
        "{:<24} {:>9} {:>11} {:>11} {:>8}",
        header[0], header[1], header[2], header[3], header[4]
    );
    let mut exposure = Dollars::ZERO;
    for position in client.get_positions().event_ticker(event).iter() {
        if let Position::Market(p) = position? {
            exposure += p.market_exposure_dollars;
            // Where the position could be sold now: the best bid for its side.
            let book = client.get_market_orderbook(&p.ticker).depth(1).send()?;
            let exit = match p.position_fp.is_negative() {
                true => book.best_no_bid(),
                false => book.best_yes_bid(),
            };
            let exit = exit.map_or("-".to_string(), |level| format!("{:.2}", level.price));
            let (held, cost, pnl) = (
                p.position_fp,
                p.market_exposure_dollars,
                p.realized_pnl_dollars,
            );
            println!(
                "{:<24} {held:>9} {cost:>11.2} {pnl:>11.2} {exit:>8}",
                p.ticker
            );
        }
    }
    println!("{:<24} {:>9} {exposure:>11.2}", "total", "");
    Ok(())
}

// ---------------------------------------------------------------------------------
// Not job logic: where to run (real credentials, or a seeded sandbox).
// ---------------------------------------------------------------------------------

fn main() -> Job {
    if std::env::var_os("KALSHI_API_KEY_ID").is_some() {
        let event = std::env::args()
            .nth(1)
            .ok_or("usage: flatten_event EVENT_TICKER")?;
        return flatten(&Client::from_env()?, &event);
    }
    use kalshi_portfolio::sandbox::{MarketSpec, Sandbox, Side};
    use kalshi_portfolio::NewOrder;
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    for (ticker, ask) in [("KXFLAT-26-T1", "0.40"), ("KXFLAT-26-T2", "0.60")] {
        sandbox.create_market(MarketSpec::new(ticker, "KXFLAT-26"))?;
        sandbox.add_liquidity(ticker, Side::Ask, ask.parse()?, "5".parse()?)?;
        // Someone's bid: where the position could be sold.
        sandbox.add_liquidity(ticker, Side::Bid, "0.05".parse()?, "20".parse()?)?;
        // 5 fill against the liquidity, 3 rest; and two more resting bids.
        client.create_order(&NewOrder::new(ticker).buy_yes().price(ask).count(8))?;
        for price in ["0.10", "0.11"] {
            client.create_order(
                &NewOrder::new(ticker)
                    .bid()
                    .price(price)
                    .count(2)
                    .post_only(true),
            )?;
        }
    }
    flatten(&client, "KXFLAT-26")
}
