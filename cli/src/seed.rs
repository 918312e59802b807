//! The account `--sandbox` starts with: six markets in three events, about three
//! hundred fills, three settled markets, resting (some expiring) and canceled
//! orders. Deterministic in everything but the ids and timestamps the exchange
//! assigns, so the tests can snapshot what the commands print.

use anyhow::{bail, Context};
use kalshi_portfolio::order_builders::TimeInForce;
use kalshi_portfolio::sandbox::{MarketResult, MarketSpec, Sandbox, Side};
use kalshi_portfolio::{Client, Count, Dollars, NewOrder};

/// The markets: ticker, event, the counterparty's bid (their ask is 6 cents above),
/// and how the market settles (`None`: still open).
pub const MARKETS: [(&str, &str, &str, Option<MarketResult>); 6] = [
    (
        "KXCPI-26JAN-T0.3",
        "KXCPI-26JAN",
        "0.30",
        Some(MarketResult::Yes),
    ),
    (
        "KXCPI-26JAN-T0.4",
        "KXCPI-26JAN",
        "0.35",
        Some(MarketResult::No),
    ),
    ("KXFED-26MAR-H0", "KXFED-26MAR", "0.40", None),
    (
        "KXFED-26MAR-C25",
        "KXFED-26MAR",
        "0.45",
        Some(MarketResult::Yes),
    ),
    ("KXGDP-26Q1-T2", "KXGDP-26Q1", "0.50", None),
    ("KXGDP-26Q1-T3", "KXGDP-26Q1", "0.55", None),
];

/// Orders the account sends in each market (each fills once).
pub const TRADES_PER_MARKET: usize = 50;

/// The starting cash: enough for every seeded trade.
pub const STARTING_BALANCE_CENTS: i64 = 1_000_000;

/// Start a sandbox with the seeded account.
pub fn start() -> anyhow::Result<Sandbox> {
    let sandbox = Sandbox::builder()
        .starting_balance_cents(STARTING_BALANCE_CENTS)
        .start()
        .context("starting the sandbox")?;
    seed(&sandbox)?;
    Ok(sandbox)
}

/// Seed `sandbox` (fresh) with the account.
pub fn seed(sandbox: &Sandbox) -> anyhow::Result<()> {
    sandbox.set_balance_cents(STARTING_BALANCE_CENTS);
    let client = sandbox.client()?;
    let tick = Dollars::from_cents(1).context("one cent")?;
    let six_cents = Dollars::from_cents(6).context("six cents")?;
    let expires = chrono::Utc::now().timestamp() + 30 * 24 * 3600;
    let group = client
        .create_order_group(10_000u32)
        .context("creating the seeded order group")?
        .order_group_id;
    for (ticker, event, bid, _) in MARKETS {
        sandbox.create_market(MarketSpec::new(ticker, event))?;
        let bid: Dollars = bid.parse()?;
        let ask = bid.checked_add(six_cents).context("ask price")?;
        let depth = Count::from_whole(10_000).context("depth")?;
        sandbox.add_liquidity(ticker, Side::Bid, bid, depth)?;
        sandbox.add_liquidity(ticker, Side::Ask, ask, depth)?;
        let mut orders = Vec::with_capacity(TRADES_PER_MARKET);
        for j in 0..TRADES_PER_MARKET {
            let order = NewOrder::new(ticker).time_in_force(TimeInForce::ImmediateOrCancel);
            let order = if j % 4 == 3 {
                // Sell YES into the counterparty's bid.
                order.ask().price(bid).count((j % 3 + 1) as u32)
            } else {
                order.bid().price(ask).count((j % 5 + 1) as u32)
            };
            orders.push(order);
        }
        place_all(&client, &orders)?;
        // Resting bids below the book: they stay open (or are canceled when the
        // market settles); the middle one is in an order group and the lowest
        // expires in 30 days, so every column of an order export has a value
        // somewhere.
        let resting: Vec<NewOrder> = (1..=3)
            .map(|k| {
                let price = bid
                    .checked_sub(Dollars::from_micros(tick.as_micros() * 5 * k))
                    .unwrap_or(tick);
                let order = NewOrder::new(ticker)
                    .bid()
                    .price(price)
                    .count((k * 10) as u32);
                match k {
                    2 => order.order_group_id(group.clone()),
                    3 => order.expiration_time(expires),
                    _ => order,
                }
            })
            .collect();
        place_all(&client, &resting)?;
    }
    for (ticker, _, _, result) in MARKETS {
        if let Some(result) = result {
            sandbox.settle_market(ticker, result)?;
        }
    }
    Ok(())
}

fn place_all(client: &Client, orders: &[NewOrder]) -> anyhow::Result<()> {
    for (i, item) in client.batch_create_orders(orders)?.iter().enumerate() {
        if let Some(error) = &item.error {
            bail!("seeding order {i} was refused: {error:?}");
        }
    }
    Ok(())
}
