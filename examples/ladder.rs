//! A ladder of post-only bids: read the market's price grid and its book, place five
//! bids from one level under the best bid down, move the unfilled rungs one level
//! down, then cancel what still rests. Every price is a valid level of the market
//! (its `price_ranges`), checked before anything is sent.
//!
//! ```sh
//! cargo run --example ladder                       # the offline sandbox
//! KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=… cargo run --example ladder -- TICKER
//! ```

use kalshi_portfolio::price_rules::PriceRules;
use kalshi_portfolio::{AmendOrder, Client, NewOrder};

type Job = Result<(), Box<dyn std::error::Error>>;

/// Phase one: five bids of 2 contracts, from one level under the best bid down.
fn place_ladder(client: &Client, ticker: &str) -> Job {
    let market = client.get_market(ticker)?;
    let rules = PriceRules::try_from(&market)?;
    let book = client.get_market_orderbook(ticker).depth(1).send()?;
    let best_bid = book.best_yes_bid().map(|level| level.price);
    let top = best_bid
        .and_then(|bid| rules.step_down(bid))
        .ok_or("no bid to ladder under")?;
    // A template checked against the market's grid; each clone gets its own id.
    let rung = NewOrder::for_market(&market)?
        .bid()
        .count(2)
        .post_only(true);
    let prices = std::iter::successors(Some(top), |p| rules.step_down(*p)).take(5);
    let ladder: Vec<NewOrder> = prices.map(|price| rung.clone().price(price)).collect();
    for item in client.batch_create_orders(&ladder)? {
        println!(
            "placed {:?} {:?}",
            item.order_id,
            item.error.map(|e| e.message)
        );
    }
    Ok(())
}

/// Phase two: each rung that has not filled at all moves one level down; the rest
/// (partly filled) is cancelled.
fn step_down_or_cancel(client: &Client, ticker: &str) -> Job {
    let rules = PriceRules::try_from(&client.get_market(ticker)?)?;
    for order in client.cancel_orders().ticker(ticker).dry_run()? {
        let lower = rules.step_down(order.yes_price_dollars);
        match lower.filter(|_| order.fill_count_fp.is_zero()) {
            Some(lower) => {
                let amend = AmendOrder::reprice(&order, lower).price_rules(&rules);
                client.amend_order(&order.order_id, &amend)?;
                println!("{} {} -> {lower}", order.order_id, order.yes_price_dollars);
            }
            None => {
                client.cancel_order(&order.order_id)?;
                println!(
                    "{} cancelled ({} filled)",
                    order.order_id, order.fill_count_fp
                );
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Not job logic: where to run (real credentials, or a seeded sandbox).
// ---------------------------------------------------------------------------------

fn main() -> Job {
    if std::env::var_os("KALSHI_API_KEY_ID").is_some() {
        let ticker = std::env::args().nth(1).ok_or("usage: ladder TICKER")?;
        let client = Client::from_env()?;
        place_ladder(&client, &ticker)?;
        return step_down_or_cancel(&client, &ticker);
    }
    use kalshi_portfolio::sandbox::{MarketSpec, Sandbox, Side};
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    // A tapered market: fine steps below $0.10 and above $0.90, cents between.
    let spec = MarketSpec::new("KXLADDER-26-T1", "KXLADDER-26");
    sandbox.create_market(spec.price_rules(PriceRules::tapered_deci_cent()))?;
    sandbox.add_liquidity("KXLADDER-26-T1", Side::Bid, "0.12".parse()?, "10".parse()?)?;
    place_ladder(&client, "KXLADDER-26-T1")?;
    // Someone sells 13 contracts down to 0.10: 10 go to the 0.12 bid, 2 fill the top
    // rung (0.11), 1 fills half of the next (0.10).
    sandbox.add_liquidity("KXLADDER-26-T1", Side::Ask, "0.10".parse()?, "13".parse()?)?;
    step_down_or_cancel(&client, "KXLADDER-26-T1")
}
