//! The README's main command.
//!
//! ```text
//! cargo run --example quickstart
//! KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=kalshi.pem cargo run --example quickstart
//! KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=kalshi.pem cargo run --example quickstart -- --place-demo-order TICKER
//! ```
//!
//! * **No credentials** (none of `KALSHI_API_KEY_ID`, `KALSHI_PRIVATE_KEY_PATH`,
//!   `KALSHI_PRIVATE_KEY`, `KALSHI_ENV` set): starts the offline sandbox exchange, seeds a market with
//!   counterparty liquidity, runs a short trading session that calls each of the 20
//!   portfolio operations, and prints what happened and where the account ends up.
//! * **Credentials** (`KALSHI_API_KEY_ID` and `KALSHI_PRIVATE_KEY_PATH` or
//!   `KALSHI_PRIVATE_KEY`): a read-only report of the account on the exchange
//!   `KALSHI_ENV` names (`demo`, the default, or `production`). Nothing is placed or
//!   cancelled.
//! * `--place-demo-order TICKER` (demo only, refused anywhere else): after the report,
//!   place one post-only bid for 1 contract at $0.01 in `TICKER` and cancel it at
//!   once, to check that trading works with your key.

use std::error::Error;
use std::process::ExitCode;

use kalshi_portfolio::operations::Position;
use kalshi_portfolio::price_rules::PriceRules;
use kalshi_portfolio::sandbox::{MarketResult, MarketSpec, Sandbox, Side};
use kalshi_portfolio::types::{self, GetPositionsSettlementStatus};
use kalshi_portfolio::{env_vars, AmendOrder, Client, DecreaseOrder, Environment, NewOrder};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The sandbox session's event and its two markets.
const EVENT: &str = "KXQUICK-26DEC31";
const MARKET: &str = "KXQUICK-26DEC31-T50";
const GROUP_MARKET: &str = "KXQUICK-26DEC31-T70";

/// What the command line asked for.
enum Mode {
    /// Report on the account the environment's credentials belong to (or run the
    /// sandbox session when there are none).
    Default,
    /// Report, then place and cancel one far-away order on demo.
    PlaceDemoOrder(String),
    Help,
}

fn main() -> ExitCode {
    let mode = match parse_args(std::env::args().skip(1)) {
        Ok(mode) => mode,
        Err(message) => {
            eprintln!("{message}\nusage: quickstart [--place-demo-order TICKER]");
            return ExitCode::from(2);
        }
    };
    // Any of the four variables means "use a real exchange": a half-set environment
    // (say KALSHI_ENV=production without a key) is an error naming what is missing,
    // never a silent fall-back to the sandbox.
    let has_credentials = [
        env_vars::API_KEY_ID,
        env_vars::PRIVATE_KEY_PATH,
        env_vars::PRIVATE_KEY,
        env_vars::ENV,
    ]
    .iter()
    .any(|name| std::env::var(name).is_ok_and(|value| !value.trim().is_empty()));
    let outcome = match (mode, has_credentials) {
        (Mode::Help, _) => {
            println!("usage: quickstart [--place-demo-order TICKER]\n");
            println!("Without credentials: a session on the offline sandbox exchange.");
            println!(
                "With {} and {}: a read-only report ({} = demo | production).",
                env_vars::API_KEY_ID,
                env_vars::PRIVATE_KEY_PATH,
                env_vars::ENV
            );
            return ExitCode::SUCCESS;
        }
        (Mode::Default, false) => sandbox_session(),
        (Mode::Default, true) => Client::from_env()
            .map_err(Into::into)
            .and_then(|client| account_report(&client)),
        (Mode::PlaceDemoOrder(_), false) => Err(format!(
            "--place-demo-order needs demo credentials: set {} and {}",
            env_vars::API_KEY_ID,
            env_vars::PRIVATE_KEY_PATH
        )
        .into()),
        (Mode::PlaceDemoOrder(ticker), true) => Client::from_env()
            .map_err(Into::into)
            .and_then(|client| place_and_cancel_on_demo(&client, &ticker)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> std::result::Result<Mode, String> {
    let mut mode = Mode::Default;
    while let Some(arg) = args.next() {
        mode = match arg.as_str() {
            "--place-demo-order" => match args.next() {
                Some(ticker) if !ticker.starts_with('-') => Mode::PlaceDemoOrder(ticker),
                _ => return Err("--place-demo-order needs a market ticker".into()),
            },
            "-h" | "--help" => Mode::Help,
            other => return Err(format!("unknown argument {other:?}")),
        };
    }
    Ok(mode)
}

// ---------------------------------------------------------------------------------
// Offline: a session on the sandbox
// ---------------------------------------------------------------------------------

/// Start the sandbox, seed two markets, trade through all 20 operations, report.
fn sandbox_session() -> Result<()> {
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    println!(
        "Kalshi portfolio quickstart: offline sandbox at {}",
        sandbox.base_url()
    );
    println!(
        "(no credentials set; with {} and {} this prints a read-only report of your account)",
        env_vars::API_KEY_ID,
        env_vars::PRIVATE_KEY_PATH
    );
    seed_markets(&sandbox)?;

    section("Session (one line per operation)");
    let start = client.get_balance()?;
    step(
        "get_balance",
        format!("{} available", start.balance_dollars),
    );
    let order_id = take_and_rest(&client)?;
    let ladder = place_ladder(&client)?;
    let group_id = trip_order_group(&client)?;

    let canceled = client.batch_cancel_orders(&ladder.ids)?;
    let pulled = canceled.iter().filter(|c| c.error.is_none()).count();
    step("batch_cancel_orders", format!("{pulled} rungs pulled"));
    let canceled = client.cancel_order(&order_id)?;
    step(
        "cancel_order",
        format!("reduced by {}", canceled.reduced_by),
    );

    // The exchange resolves the first market YES: $1 per YES contract held.
    sandbox.settle_market(MARKET, MarketResult::Yes)?;
    let settlements = client.get_settlements().send()?.items;
    step(
        "get_settlements",
        format!("{} settled (market resolved YES)", settlements.len()),
    );
    let positions: Vec<Position> = client
        .get_positions()
        .settlement_status(GetPositionsSettlementStatus::All)
        .iter()
        .collect::<std::result::Result<_, _>>()?;
    step(
        "get_positions",
        format!("{} entries, settled and open", positions.len()),
    );
    let fills: Vec<types::Fill> = client
        .get_fills()
        .limit(200)
        .iter()
        .collect::<std::result::Result<_, _>>()?;
    step("get_fills", format!("{} fills", fills.len()));
    // Read the groups for the report before deleting ours.
    let groups = group_details(&client)?;
    client.delete_order_group(&group_id)?;
    step("delete_order_group", "group removed");
    let end = client.get_balance()?;
    step("get_balance", format!("{} available", end.balance_dollars));

    section("Balance");
    row("at start", start.balance_dollars);
    row("at end", end.balance_dollars);
    row("portfolio value", format!("{}¢", end.portfolio_value));
    let orders = client.get_orders().send()?.items;
    print_orders("Orders (all, newest first)", &orders);
    print_queue(&ladder.queue, &ladder.resting);
    print_fills(&fills);
    print_positions(&positions);
    print_settlements(&settlements);
    print_groups(&groups);
    Ok(())
}

/// Two markets of one event, with someone else's orders to trade against.
fn seed_markets(sandbox: &Sandbox) -> Result<()> {
    sandbox.create_market(MarketSpec::new(MARKET, EVENT))?;
    sandbox.create_market(MarketSpec::new(GROUP_MARKET, EVENT))?;
    sandbox.add_liquidity(MARKET, Side::Ask, "0.45".parse()?, "8".parse()?)?;
    sandbox.add_liquidity(MARKET, Side::Bid, "0.42".parse()?, "20".parse()?)?;
    sandbox.add_liquidity(GROUP_MARKET, Side::Ask, "0.30".parse()?, "50".parse()?)?;
    println!("\nSeeded {MARKET}: asks 8 @ 0.45, bids 20 @ 0.42; {GROUP_MARKET}: asks 50 @ 0.30");
    Ok(())
}

/// One order that takes what the book offers and rests the rest, which is then
/// repriced and shrunk. Returns its id.
fn take_and_rest(client: &Client) -> Result<String> {
    let order = NewOrder::new(MARKET).buy_yes().price("0.46").count(12);
    let placed = client.create_order(&order)?;
    step(
        "create_order",
        format!(
            "buy YES 12 @ 0.46: filled {}, resting {}",
            placed.fill_count, placed.remaining_count
        ),
    );
    let id = placed.order_id;
    let reprice = AmendOrder::new(MARKET).buy_yes().price("0.44").count(12);
    let amended = client.amend_order(&id, &reprice)?;
    // Kalshi answers with counts only when an amend fills or resizes the order.
    let resting = amended
        .remaining_count
        .map_or_else(|| "unchanged".into(), |count| count.to_string());
    step("amend_order", format!("reprice to 0.44: resting {resting}"));
    let decreased = client.decrease_order(&id, &DecreaseOrder::new().reduce_to(2u32))?;
    step(
        "decrease_order",
        format!("reduce to {}", decreased.remaining_count),
    );
    let order = client.get_order(&id)?;
    step(
        "get_order",
        format!(
            "{} {} of {}, filled {}",
            order.status, order.remaining_count_fp, order.initial_count_fp, order.fill_count_fp
        ),
    );
    Ok(id)
}

/// What the ladder step leaves for the report.
struct Ladder {
    ids: Vec<String>,
    resting: Vec<types::Order>,
    queue: Vec<types::OrderQueuePosition>,
}

/// Three post-only bids in one batch, one of them behind the counterparty's 0.42.
fn place_ladder(client: &Client) -> Result<Ladder> {
    // Price the ladder from the market itself: its price grid and its book, never a
    // guessed tick. Three rungs from one level above the best bid down.
    let market = client.get_market(MARKET)?;
    let rules = PriceRules::try_from(&market)?;
    let book = client.get_market_orderbook(MARKET).depth(1).send()?;
    let best_bid = book.best_yes_bid().map(|level| level.price);
    step(
        "get_market + orderbook",
        format!(
            "{} ({}), best bid {}",
            market.status,
            market.price_level_structure,
            best_bid.map_or("none".to_string(), |p| p.to_string())
        ),
    );
    let top = best_bid
        .and_then(|bid| rules.step_up(bid))
        .ok_or("the market has no bid to ladder from")?;
    let rung = NewOrder::for_market(&market)?
        .bid()
        .count(5)
        .post_only(true);
    let prices: Vec<_> = std::iter::successors(Some(top), |p| rules.step_down(*p))
        .take(3)
        .collect();
    let ladder: Vec<NewOrder> = prices.iter().map(|p| rung.clone().price(*p)).collect();
    let placed = client.batch_create_orders(&ladder)?;
    let ids: Vec<String> = placed.iter().filter_map(|r| r.order_id.clone()).collect();
    let shown: Vec<String> = prices.iter().map(|p| format!("{p:.2}")).collect();
    step(
        "batch_create_orders",
        format!("{} post-only bids at {}", ids.len(), shown.join("/")),
    );
    let resting = client.get_orders().status("resting").send()?.items;
    step("get_orders", format!("{} resting", resting.len()));
    let behind = match ids.get(1) {
        Some(rung) => client.get_order_queue_position(rung)?.to_string(),
        None => "-".into(),
    };
    step(
        "get_order_queue_position",
        format!("second rung: {behind} contracts ahead"),
    );
    let queue = client
        .get_queue_positions()
        .market_tickers([MARKET])
        .send()?;
    step(
        "get_queue_positions",
        format!("{} orders queued", queue.len()),
    );
    let value = client.get_total_resting_order_value()?;
    step(
        "get_total_resting_order_value",
        format!("{}¢", value.total_resting_order_value),
    );
    Ok(Ladder {
        ids,
        resting,
        queue,
    })
}

/// An order group allowing 5 contracts, an order of 8 in it that stops at 5 and
/// triggers the group, then a reset. Returns the group's id.
fn trip_order_group(client: &Client) -> Result<String> {
    let group_id = client.create_order_group(5u32)?.order_group_id;
    step("create_order_group", "limit 5 contracts");
    let order = NewOrder::new(GROUP_MARKET)
        .buy_yes()
        .price("0.30")
        .count(8)
        .order_group_id(group_id.as_str());
    let placed = client.create_order(&order)?;
    step(
        "create_order",
        format!(
            "in the group, buy YES 8 @ 0.30: filled {} (capped)",
            placed.fill_count
        ),
    );
    let detail = client.get_order_group(&group_id)?;
    step(
        "get_order_group",
        format!(
            "{} order, {}",
            detail.orders.len(),
            armed_or_triggered(detail.is_auto_cancel_enabled)
        ),
    );
    client.reset_order_group(&group_id)?;
    step(
        "reset_order_group",
        "counter cleared, accepting orders again",
    );
    let groups = client.get_order_groups()?;
    step("get_order_groups", format!("{} group(s)", groups.len()));
    Ok(group_id)
}

fn show(count: &Option<kalshi_portfolio::Count>) -> String {
    count.map_or_else(|| "-".into(), |c| c.to_string())
}

fn armed_or_triggered(enabled: bool) -> &'static str {
    if enabled {
        "armed"
    } else {
        "triggered"
    }
}

// ---------------------------------------------------------------------------------
// With credentials: a read-only report
// ---------------------------------------------------------------------------------

/// Balance, positions, resting orders and their queue positions, order groups,
/// recent fills and settlements. Reads only.
fn account_report(client: &Client) -> Result<()> {
    println!("Kalshi portfolio report ({})", client.environment());
    let balance = client.get_balance()?;
    let resting_value = client.get_total_resting_order_value()?;
    section("Balance");
    row("available", balance.balance_dollars);
    row("portfolio value", format!("{}¢", balance.portfolio_value));
    row(
        "resting order value",
        format!("{}¢", resting_value.total_resting_order_value),
    );

    let positions = client.get_positions().limit(100).send()?.items;
    print_positions(&positions);

    let orders = client
        .get_orders()
        .status("resting")
        .limit(100)
        .send()?
        .items;
    print_orders("Resting orders", &orders);
    if !orders.is_empty() {
        let queue = client.get_queue_positions().send()?;
        print_queue(&queue, &orders);
        // The single-order form, for the first one, shows the same number.
        let first = client.get_order_queue_position(&orders[0].order_id)?;
        println!("  (first order: {first} ahead)");
    }

    print_groups(&group_details(client)?);
    print_fills(&client.get_fills().limit(10).send()?.items);
    print_settlements(&client.get_settlements().limit(10).send()?.items);
    Ok(())
}

/// Place one post-only bid for 1 contract at $0.01 and cancel it at once: a check
/// that trading works with this key. Demo only.
fn place_and_cancel_on_demo(client: &Client, ticker: &str) -> Result<()> {
    if client.environment() != &Environment::Demo {
        return Err(format!(
            "--place-demo-order only runs on demo, and {} is {}: refusing to place an order there",
            env_vars::ENV,
            client.environment()
        )
        .into());
    }
    account_report(client)?;
    section("Demo order");
    let order = NewOrder::new(ticker)
        .bid()
        .price("0.01")
        .count(1)
        .post_only(true);
    let placed = client.create_order(&order)?;
    println!(
        "  placed    {}  bid 1 @ 0.01 post-only in {ticker}",
        placed.order_id
    );
    let canceled = client.cancel_order(&placed.order_id)?;
    println!(
        "  canceled  {}  reduced by {}",
        canceled.order_id, canceled.reduced_by
    );
    Ok(())
}

// ---------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------

fn section(title: &str) {
    println!("\n{title}");
}

/// One line of the session log: the operation, then what it did.
fn step(operation: &str, what: impl std::fmt::Display) {
    println!("  {operation:<30} {what}");
}

/// A label and a right-aligned value.
fn row(label: &str, value: impl std::fmt::Display) {
    println!("  {label:<20} {:>12}", value.to_string());
}

// The crate's money and enum types print their canonical text and ignore width, so
// each cell is turned into a String first for the columns to line up.

fn print_orders(title: &str, orders: &[types::Order]) {
    section(title);
    if orders.is_empty() {
        println!("  none");
    }
    for o in orders {
        println!(
            "  {:<22} {:<4} {:>7} @ {:<7} filled {:>7}  {}",
            o.ticker,
            o.book_side.to_string(),
            o.initial_count_fp.to_string(),
            o.yes_price_dollars.to_string(),
            o.fill_count_fp.to_string(),
            o.status
        );
    }
}

/// Queue positions, with each order's price when it is among `orders`.
fn print_queue(queue: &[types::OrderQueuePosition], orders: &[types::Order]) {
    section("Queue positions (contracts ahead of each resting order)");
    if queue.is_empty() {
        println!("  none");
    }
    for q in queue {
        let price = orders
            .iter()
            .find(|o| o.order_id == q.order_id)
            .map_or_else(|| "?".to_string(), |o| o.yes_price_dollars.to_string());
        println!(
            "  {:<22} bid @ {:<7} {:>7} ahead  (order {})",
            q.market_ticker,
            price,
            q.queue_position_fp.to_string(),
            short(&q.order_id)
        );
    }
}

fn print_fills(fills: &[types::Fill]) {
    section("Fills (newest first)");
    if fills.is_empty() {
        println!("  none");
    }
    for f in fills {
        let role = if f.is_taker { "taker" } else { "maker" };
        println!(
            "  {:<22} {:<4} {:>7} @ {:<7} {role}  fee {}",
            f.ticker,
            f.book_side.to_string(),
            f.count_fp.to_string(),
            f.yes_price_dollars.to_string(),
            f.fee_cost
        );
    }
}

fn print_positions(positions: &[Position]) {
    section("Positions");
    if positions.is_empty() {
        println!("  none");
    }
    for position in positions {
        let (name, size, exposure, realized) = match position {
            Position::Market(p) => (
                &p.ticker,
                format!("{} contracts", p.position_fp),
                p.market_exposure_dollars,
                p.realized_pnl_dollars,
            ),
            Position::Event(p) => (
                &p.event_ticker,
                "(event)".to_string(),
                p.event_exposure_dollars,
                p.realized_pnl_dollars,
            ),
            _ => continue,
        };
        println!(
            "  {:<22} {:>16}  exposure {:>8}  realized {:>8}",
            name,
            size,
            exposure.to_string(),
            realized.to_string()
        );
    }
}

fn print_settlements(settlements: &[types::Settlement]) {
    section("Settlements");
    if settlements.is_empty() {
        println!("  none");
    }
    for s in settlements {
        println!(
            "  {:<22} result {:<4} yes {:>7}  no {:>7}  revenue {}¢",
            s.ticker,
            s.market_result.to_string(),
            s.yes_count_fp.to_string(),
            s.no_count_fp.to_string(),
            s.revenue
        );
    }
}

/// Every order group with its details (which orders it holds, whether it is armed).
fn group_details(
    client: &Client,
) -> Result<Vec<(types::OrderGroup, types::GetOrderGroupResponse)>> {
    let mut details = Vec::new();
    for group in client.get_order_groups()? {
        let detail = client.get_order_group(&group.id)?;
        details.push((group, detail));
    }
    Ok(details)
}

fn print_groups(groups: &[(types::OrderGroup, types::GetOrderGroupResponse)]) {
    section("Order groups");
    if groups.is_empty() {
        println!("  none");
    }
    for (group, detail) in groups {
        println!(
            "  {}  limit {:>7}  {:<9}  {} order(s)",
            short(&group.id),
            show(&group.contracts_limit_fp),
            armed_or_triggered(detail.is_auto_cancel_enabled),
            detail.orders.len()
        );
    }
}

/// The first block of an id: enough to tell orders apart on screen.
fn short(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}
