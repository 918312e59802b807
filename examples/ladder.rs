//! A ladder of post-only bids: place it, move the unfilled rungs one price level
//! down, then cancel what still rests. Every price is checked against the market's
//! price grid before anything is sent.
//!
//! ```sh
//! cargo run --example ladder                       # the offline sandbox
//! KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=… cargo run --example ladder -- TICKER 0.40
//! ```

use kalshi_portfolio::price_rules::PriceRules;
use kalshi_portfolio::{AmendOrder, Client, Dollars, NewOrder};

type Job = Result<(), Box<dyn std::error::Error>>;

/// Phase one: five bids of 2 contracts from `top` down, one price level apart.
fn place_ladder(client: &Client, ticker: &str, rules: &PriceRules, top: Dollars) -> Job {
    let prices = std::iter::successors(Some(top), |p| rules.step_down(*p)).take(5);
    let ladder: Vec<NewOrder> = prices
        .map(|price| {
            NewOrder::new(ticker)
                .bid()
                .price(price)
                .count(2)
                .post_only(true)
        })
        .map(|order| order.price_rules(rules))
        .collect();
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
fn step_down_or_cancel(client: &Client, ticker: &str, rules: &PriceRules) -> Job {
    let resting = client.cancel_orders().ticker(ticker).dry_run()?;
    for order in resting {
        let lower = rules.step_down(order.yes_price_dollars);
        match lower.filter(|_| order.fill_count_fp.is_zero()) {
            Some(lower) => {
                let amend = AmendOrder::reprice(&order, lower).price_rules(rules);
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
    let rules = PriceRules::linear_cent();
    if std::env::var_os("KALSHI_API_KEY_ID").is_some() {
        let mut args = std::env::args().skip(1);
        let (ticker, top) = (args.next(), args.next());
        let (Some(ticker), Some(top)) = (ticker, top) else {
            return Err("usage: ladder TICKER TOP_PRICE".into());
        };
        let client = Client::from_env()?;
        place_ladder(&client, &ticker, &rules, top.parse()?)?;
        return step_down_or_cancel(&client, &ticker, &rules);
    }
    use kalshi_portfolio::sandbox::{MarketSpec, Sandbox, Side};
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    sandbox.create_market(MarketSpec::new("KXLADDER-26-T1", "KXLADDER-26"))?;
    place_ladder(&client, "KXLADDER-26-T1", &rules, "0.40".parse()?)?;
    // Someone sells 3 contracts into the top of the ladder: 2 fill the top rung, 1
    // fills half of the next.
    sandbox.add_liquidity("KXLADDER-26-T1", Side::Ask, "0.39".parse()?, "3".parse()?)?;
    step_down_or_cancel(&client, "KXLADDER-26-T1", &rules)
}
