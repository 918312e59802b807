//! Realistic trading sessions that together drive all 20 facade operations, written
//! once and run two ways:
//!
//! * against the offline sandbox (`sandbox_*` tests, always run): admin powers seed
//!   counterparty liquidity and settle markets, every balance change is asserted to
//!   the micro-dollar, and both the request journal and the decoded results are
//!   snapshot-tested with insta (ids, times and cursors replaced by stable
//!   placeholders such as `<order-1>`, numbered in order of first appearance);
//! * against Kalshi's demo exchange (`demo_*` tests, `#[ignore]`d, never in CI): the
//!   steps that need admin powers are skipped and only invariants are asserted.
//!
//! ```text
//! KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=… KALSHI_DEMO_TICKER=… \
//!     cargo test --test scenarios -- --ignored demo_
//! ```
//!
//! | scenario | operations |
//! |---|---|
//! | [`ladder`] | batch_create_orders, get_orders, get_queue_positions, get_order_queue_position, get_total_resting_order_value, batch_cancel_orders |
//! | [`partial_fill_amend_decrease_cancel`] | get_balance, create_order, get_fills, get_order, amend_order, decrease_order, cancel_order |
//! | [`order_group_exhaustion`] | create_order_group, create_order, get_order_group, get_order_groups, get_orders, get_order, reset_order_group, delete_order_group |
//! | [`settlement`] | create_order, get_positions (settlement_status), get_balance, get_settlements, get_order |
//! | [`fill_pagination`] | create_order, get_fills (iter, pages, cursor resume) |
//! | [`market_reads`] | get_market, get_markets, get_event, get_market_orderbook (depth), batch_create_orders (a ladder priced from the book on the market's own grid), batch_cancel_orders |

use std::collections::{HashMap, HashSet};

use kalshi_portfolio::operations::Position;
use kalshi_portfolio::price_rules::PriceRules;
use kalshi_portfolio::sandbox::{MarketResult, MarketSpec, Sandbox, Side};
use kalshi_portfolio::types::{self, GetPositionsSettlementStatus, OrderStatus};
use kalshi_portfolio::{
    AmendOrder, Client, Count, DecreaseOrder, Dollars, Environment, Error, NewOrder,
};
use serde::Serialize;
use serde_json::{json, Value};

/// The sandbox's market, and the event it belongs to.
const SANDBOX_TICKER: &str = "KXSCEN-26DEC31-T50";
const SANDBOX_EVENT: &str = "KXSCEN-26DEC31";
/// A second sandbox market of the same event, left unsettled in [`settlement`].
const SANDBOX_OTHER_TICKER: &str = "KXSCEN-26DEC31-T70";
/// Where the demo tests trade; see [`demo_session`].
const DEMO_TICKER_VAR: &str = "KALSHI_DEMO_TICKER";

// ---------------------------------------------------------------------------------
// The exchange a scenario runs on
// ---------------------------------------------------------------------------------

/// What a scenario needs besides the client: the market to trade in, and the admin
/// powers only the sandbox has (seeding counterparty liquidity, creating and settling
/// markets). On demo `admin` is `None` and scenarios skip those steps.
struct Exchange<'a> {
    ticker: String,
    admin: Option<&'a Sandbox>,
}

impl Exchange<'_> {
    /// Add counterparty liquidity in the scenario's market (sandbox only).
    fn seed(&self, side: Side, price: &str, count: u32) {
        if let Some(sandbox) = self.admin {
            seed_in(sandbox, &self.ticker, side, price, count);
        }
    }
}

fn seed_in(sandbox: &Sandbox, ticker: &str, side: Side, price: &str, count: u32) {
    sandbox
        .add_liquidity(ticker, side, dollars(price), whole(count))
        .expect("seed liquidity");
}

// ---------------------------------------------------------------------------------
// Recording a scenario's results
// ---------------------------------------------------------------------------------

/// The decoded result of each step, in order, for the snapshot.
#[derive(Default)]
struct Steps(Vec<Value>);

impl Steps {
    fn record(&mut self, step: &str, result: &impl Serialize) {
        let result = serde_json::to_value(result).expect("results serialize");
        self.0.push(json!({ "step": step, "result": result }));
    }

    fn record_error(&mut self, step: &str, error: &Error) {
        self.0.push(json!({
            "step": step,
            "error": { "status": error.status(), "code": error.code() },
        }));
    }

    fn record_positions(&mut self, step: &str, positions: &[Position]) {
        let positions: Vec<Value> = positions.iter().map(position_json).collect();
        self.record(step, &positions);
    }
}

/// `Position` is an enum of two generated types; tag it so the snapshot says which.
fn position_json(position: &Position) -> Value {
    match position {
        Position::Market(p) => json!({ "market": p }),
        Position::Event(p) => json!({ "event": p }),
        other => json!({ "unknown": format!("{other:?}") }),
    }
}

// ---------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------

fn dollars(text: &str) -> Dollars {
    text.parse().expect("a dollar amount")
}

fn whole(contracts: u32) -> Count {
    Count::from_hundredths(i64::from(contracts) * 100)
}

/// Kalshi's taker fee for one fill, restated here rather than borrowed from the
/// sandbox so the test checks the rule: 0.07 × count × p × (1 − p), rounded up to
/// the cent. In integers: count in hundredths, p in micro-dollars, result in cents.
fn taker_fee(count: u32, price: &str) -> Dollars {
    let hundredths = i128::from(count) * 100;
    let p = i128::from(dollars(price).as_micros());
    let numerator = 7 * hundredths * p * (1_000_000 - p);
    let denominator: i128 = 100_000_000_000_000;
    let cents = (numerator + denominator - 1) / denominator;
    Dollars::from_cents(cents as i64).expect("a small fee")
}

/// Price × whole contracts, exactly.
fn cost(count: u32, price: &str) -> Dollars {
    dollars(price)
        .checked_mul_count(whole(count))
        .expect("cost")
}

fn sum(amounts: &[Dollars]) -> Dollars {
    amounts.iter().fold(Dollars::ZERO, |total, amount| {
        total.checked_add(*amount).expect("no overflow")
    })
}

fn balance_change(
    before: &types::GetBalanceResponse,
    after: &types::GetBalanceResponse,
) -> Dollars {
    after
        .balance_dollars
        .checked_sub(before.balance_dollars)
        .expect("no overflow")
}

fn loss(amount: Dollars) -> Dollars {
    amount.checked_neg().expect("no overflow")
}

/// A resting-only bid: on demo it must never trade, so a crossing order is refused
/// (`post_only_cross`) rather than filled.
fn resting_bid(ticker: &str, price: &str, count: u32) -> NewOrder {
    NewOrder::new(ticker)
        .bid()
        .price(price)
        .count(count)
        .post_only(true)
}

fn all_fills_of(client: &Client, order_id: &str) -> Vec<types::Fill> {
    client
        .get_fills()
        .order_id(order_id)
        .iter()
        .collect::<Result<_, _>>()
        .expect("fills of the order")
}

/// Every resting order of the account in `ticker`.
fn resting_orders(client: &Client, ticker: &str) -> Vec<types::Order> {
    client
        .get_orders()
        .ticker(ticker)
        .status("resting")
        .iter()
        .collect::<Result<_, _>>()
        .expect("resting orders")
}

fn market_positions(positions: &[Position]) -> Vec<&types::MarketPosition> {
    positions.iter().filter_map(Position::as_market).collect()
}

fn positions_with(client: &Client, status: GetPositionsSettlementStatus) -> Vec<Position> {
    client
        .get_positions()
        .settlement_status(status)
        .iter()
        .collect::<Result<_, _>>()
        .expect("positions")
}

// ---------------------------------------------------------------------------------
// Scenario 1: a bid ladder
// ---------------------------------------------------------------------------------

/// A market maker's ladder: five post-only bids placed in one batch, inspected
/// (resting orders, queue positions, resting value), then pulled in one batch.
fn ladder(client: &Client, exchange: &Exchange) -> Steps {
    const RUNGS: [&str; 5] = ["0.05", "0.04", "0.03", "0.02", "0.01"];
    const SIZE: u32 = 10;
    let ticker = exchange.ticker.as_str();
    let mut steps = Steps::default();

    // Someone else already bids 7 at 0.03, so our 0.03 rung queues behind them.
    exchange.seed(Side::Bid, "0.03", 7);

    let ladder: Vec<NewOrder> = RUNGS
        .iter()
        .map(|price| resting_bid(ticker, price, SIZE))
        .collect();
    let placed = client.batch_create_orders(&ladder).expect("place ladder");
    steps.record("batch_create_orders", &placed);
    let ids: Vec<String> = placed
        .iter()
        .map(|result| {
            assert!(result.error.is_none(), "rung refused: {:?}", result.error);
            assert_eq!(
                result.fill_count,
                Some(Count::ZERO),
                "post-only never fills"
            );
            result.order_id.clone().expect("a placed rung has an id")
        })
        .collect();

    let resting = resting_orders(client, ticker);
    for (id, price) in ids.iter().zip(RUNGS) {
        let order = resting
            .iter()
            .find(|order| &order.order_id == id)
            .expect("every rung rests");
        assert_eq!(order.yes_price_dollars, dollars(price));
        assert_eq!(order.remaining_count_fp, whole(SIZE));
    }
    let ours: Vec<_> = resting
        .iter()
        .filter(|o| ids.contains(&o.order_id))
        .collect();
    steps.record("get_orders(resting)", &ours);

    let queue = client
        .get_queue_positions()
        .market_tickers([ticker])
        .send()
        .expect("queue positions");
    let queued: HashSet<&str> = queue.iter().map(|q| q.order_id.as_str()).collect();
    assert!(ids.iter().all(|id| queued.contains(id.as_str())));
    let ours: Vec<_> = queue.iter().filter(|q| ids.contains(&q.order_id)).collect();
    steps.record("get_queue_positions", &ours);

    let middle_rung = client
        .get_order_queue_position(&ids[2])
        .expect("queue position of the 0.03 rung");
    if exchange.admin.is_some() {
        assert_eq!(middle_rung, whole(7), "behind the seeded bid");
    }
    steps.record("get_order_queue_position(0.03)", &middle_rung);

    // 10 × (0.05 + 0.04 + 0.03 + 0.02 + 0.01) = $1.50.
    let value = client
        .get_total_resting_order_value()
        .expect("resting value");
    if exchange.admin.is_some() {
        assert_eq!(value.total_resting_order_value, 150);
    } else {
        assert!(value.total_resting_order_value >= 150);
    }
    steps.record("get_total_resting_order_value", &value);

    let canceled = client.batch_cancel_orders(&ids).expect("pull ladder");
    for (result, id) in canceled.iter().zip(&ids) {
        assert!(result.error.is_none(), "cancel refused: {:?}", result.error);
        assert_eq!((&result.order_id, result.reduced_by), (id, whole(SIZE)));
    }
    steps.record("batch_cancel_orders", &canceled);

    let still_resting: Vec<_> = resting_orders(client, ticker)
        .into_iter()
        .filter(|order| ids.contains(&order.order_id))
        .collect();
    assert!(
        still_resting.is_empty(),
        "no rung rests after the batch cancel"
    );
    if exchange.admin.is_some() {
        let value = client
            .get_total_resting_order_value()
            .expect("resting value");
        assert_eq!(value.total_resting_order_value, 0);
        steps.record("get_total_resting_order_value(after)", &value);
    }
    steps
}

// ---------------------------------------------------------------------------------
// Scenario 2: a partial fill, then amend, decrease and cancel
// ---------------------------------------------------------------------------------

/// A bid that takes what the book offers and rests the rest; it is repriced, fills
/// once more as a maker, is shrunk, and cancelled. The balance moves by exactly the
/// fills' cost plus the taker fee (makers pay none).
fn partial_fill_amend_decrease_cancel(client: &Client, exchange: &Exchange) -> Steps {
    let ticker = exchange.ticker.as_str();
    let seeded = exchange.admin.is_some();
    let mut steps = Steps::default();

    let before = client.get_balance().expect("balance");
    steps.record("get_balance(before)", &before);

    // The book offers 4 at 0.05; we bid 10 at 0.06: 4 fill at 0.05, 6 rest at 0.06.
    // On demo nothing is seeded and the bid is post-only, so it only rests.
    exchange.seed(Side::Ask, "0.05", 4);
    let order = NewOrder::new(ticker)
        .bid()
        .price("0.06")
        .count(10)
        .post_only(!seeded);
    let placed = client.create_order(&order).expect("place bid");
    let (taken, resting) = if seeded { (4, 6) } else { (0, 10) };
    assert_eq!(placed.fill_count, whole(taken));
    assert_eq!(placed.remaining_count, whole(resting));
    steps.record("create_order", &placed);
    let id = placed.order_id.as_str();

    let fills = all_fills_of(client, id);
    let taker_fills = if seeded { 1 } else { 0 };
    assert_eq!(fills.len(), taker_fills);
    if let Some(fill) = fills.first() {
        assert!(fill.is_taker);
        assert_eq!(
            fill.yes_price_dollars,
            dollars("0.05"),
            "at the maker's price"
        );
        assert_eq!(fill.fee_cost, taker_fee(4, "0.05"));
    }
    steps.record("get_fills(order, after create)", &fills);

    let order = client.get_order(id).expect("order");
    assert_eq!(order.status, OrderStatus::Resting);
    assert_eq!(order.fill_count_fp, whole(taken));
    steps.record("get_order(after create)", &order);

    // Reprice the rest one tick lower; the total count (filled + resting) stays 10.
    let amended = client
        .amend_order(id, &AmendOrder::new(ticker).bid().price("0.05").count(10))
        .expect("amend");
    // It neither fills nor resizes the order, and Kalshi's answer then leaves out the
    // counts.
    assert_eq!(amended.remaining_count, None);
    assert_eq!(amended.fill_count, None);
    steps.record("amend_order(price 0.06 → 0.05)", &amended);

    // A seller hits our resting bid: a maker fill at our price, no fee.
    exchange.seed(Side::Ask, "0.04", 1);
    let filled_as_maker = if seeded { 1 } else { 0 };

    let decreased = client
        .decrease_order(id, &DecreaseOrder::new().reduce_to(3u32))
        .expect("decrease");
    assert_eq!(decreased.remaining_count, whole(3));
    steps.record("decrease_order(reduce_to 3)", &decreased);

    let canceled = client.cancel_order(id).expect("cancel");
    assert_eq!(canceled.reduced_by, whole(3));
    steps.record("cancel_order", &canceled);

    let order = client.get_order(id).expect("order");
    assert_eq!(order.status, OrderStatus::Canceled);
    assert_eq!(order.fill_count_fp, whole(taken + filled_as_maker));
    steps.record("get_order(after cancel)", &order);

    let fills = all_fills_of(client, id);
    steps.record("get_fills(order, after cancel)", &fills);

    let after = client.get_balance().expect("balance");
    steps.record("get_balance(after)", &after);
    if seeded {
        assert_eq!(fills.len(), 2);
        assert!(
            !fills[0].is_taker && fills[0].fee_cost == Dollars::ZERO,
            "newest first"
        );
        // Paid: 4 × 0.05 taken + its fee, and 1 × 0.05 made (no fee).
        let paid = sum(&[cost(4, "0.05"), taker_fee(4, "0.05"), cost(1, "0.05")]);
        assert_eq!(paid, dollars("0.27"));
        assert_eq!(balance_change(&before, &after), loss(paid));
        let fees: Vec<Dollars> = fills.iter().map(|fill| fill.fee_cost).collect();
        assert_eq!(sum(&fees), taker_fee(4, "0.05"));
    } else {
        assert!(fills.is_empty(), "a post-only order that was never hit");
    }
    steps
}

// ---------------------------------------------------------------------------------
// Scenario 3: an order group hits its limit
// ---------------------------------------------------------------------------------

/// Three bids in an order group limited to 5 contracts; a seller takes 5, which
/// triggers the group and cancels the rest. The group refuses new orders until reset,
/// and deleting it cancels what it still holds.
fn order_group_exhaustion(client: &Client, exchange: &Exchange) -> Steps {
    let ticker = exchange.ticker.as_str();
    let mut steps = Steps::default();

    let group = client.create_order_group(5u32).expect("create group");
    steps.record("create_order_group(limit 5)", &group);
    let group_id = group.order_group_id.as_str();

    let mut ids = Vec::new();
    for (price, count) in [("0.08", 3), ("0.07", 4), ("0.06", 4)] {
        let placed = client
            .create_order(&resting_bid(ticker, price, count).order_group_id(group_id))
            .expect("place in group");
        steps.record(
            &format!("create_order(in group, {count} @ {price})"),
            &placed,
        );
        ids.push(placed.order_id);
    }
    let state = client.get_order_group(group_id).expect("group");
    assert_eq!(state.orders.len(), 3);
    assert!(state.is_auto_cancel_enabled);
    steps.record("get_order_group(armed)", &state);

    if let Some(sandbox) = exchange.admin {
        // A seller of 10 at 0.07 takes 3 @ 0.08 and 2 @ 0.07: the limit of 5 is
        // reached mid-order, so the group cancels its remaining orders.
        seed_in(sandbox, ticker, Side::Ask, "0.07", 10);
        let state = client.get_order_group(group_id).expect("group");
        assert!(!state.is_auto_cancel_enabled, "triggered");
        steps.record("get_order_group(triggered)", &state);

        let orders = client
            .get_orders()
            .ticker(ticker)
            .iter()
            .collect::<Result<Vec<_>, _>>()
            .expect("orders");
        let filled: Vec<(OrderStatus, Count)> = ids
            .iter()
            .map(|id| {
                let order = orders.iter().find(|o| &o.order_id == id).expect("listed");
                (order.status.clone(), order.fill_count_fp)
            })
            .collect();
        assert_eq!(
            filled,
            [
                (OrderStatus::Executed, whole(3)),
                (OrderStatus::Canceled, whole(2)),
                (OrderStatus::Canceled, Count::ZERO),
            ]
        );
        steps.record("get_orders(ticker)", &orders);

        let refused = client
            .create_order(&resting_bid(ticker, "0.05", 1).order_group_id(group_id))
            .expect_err("a triggered group refuses orders");
        assert_eq!(refused.code(), Some("order_group_triggered"));
        steps.record_error("create_order(in triggered group)", &refused);
    }

    let groups = client.get_order_groups().expect("groups");
    assert!(groups.iter().any(|g| g.id == group_id));
    steps.record("get_order_groups", &groups);

    client.reset_order_group(group_id).expect("reset");
    steps.record("reset_order_group", &"ok");
    let placed = client
        .create_order(&resting_bid(ticker, "0.05", 1).order_group_id(group_id))
        .expect("a reset group accepts orders");
    steps.record("create_order(in reset group)", &placed);
    ids.push(placed.order_id.clone());

    client.delete_order_group(group_id).expect("delete");
    steps.record("delete_order_group", &"ok");
    let after_delete = client.get_order(&placed.order_id).expect("order");
    steps.record("get_order(after group delete)", &after_delete);
    if exchange.admin.is_none() {
        // Leave the demo account as we found it even if the assertion below fails.
        cancel_if_resting(client, &ids);
    }
    assert_eq!(
        after_delete.status,
        OrderStatus::Canceled,
        "deleted with its group"
    );

    let groups = client.get_order_groups().expect("groups");
    assert!(groups.iter().all(|g| g.id != group_id));
    let error = client
        .get_order_group(group_id)
        .expect_err("a deleted group is gone");
    assert_eq!(error.status(), Some(404));
    steps.record_error("get_order_group(deleted)", &error);
    steps
}

fn cancel_if_resting(client: &Client, ids: &[String]) {
    for id in ids {
        if matches!(client.get_order(id), Ok(order) if order.status == OrderStatus::Resting) {
            let _ = client.cancel_order(id);
        }
    }
}

// ---------------------------------------------------------------------------------
// Scenario 4: settlement
// ---------------------------------------------------------------------------------

/// Positions built by fills in two markets of one event; one market settles YES. The
/// balance rises by exactly $1 per winning contract, the settled position leaves the
/// default (unsettled) list for the settled one, and the market's resting order is
/// cancelled. On demo only the reads run.
fn settlement(client: &Client, exchange: &Exchange) -> Steps {
    let mut steps = Steps::default();
    let Some(sandbox) = exchange.admin else {
        // Demo: read the same lists and check what must hold on any account.
        let balance = client.get_balance().expect("balance");
        assert!(balance.portfolio_value >= 0);
        let settled = positions_with(client, GetPositionsSettlementStatus::Settled);
        let unsettled = positions_with(client, GetPositionsSettlementStatus::Unsettled);
        let all = positions_with(client, GetPositionsSettlementStatus::All);
        let count = |p: &[Position]| market_positions(p).len();
        assert!(count(&all) >= count(&settled).max(count(&unsettled)));
        for settlement in client.get_settlements().limit(200).max_pages(5).iter() {
            let settlement = settlement.expect("settlement");
            assert!(settlement.revenue >= 0 && !settlement.ticker.is_empty());
        }
        return steps;
    };
    let ticker = exchange.ticker.as_str();
    sandbox
        .create_market(MarketSpec::new(SANDBOX_OTHER_TICKER, SANDBOX_EVENT))
        .expect("second market");

    // YES 10 at 0.30 here; NO 5 at 0.80 in the other market (sent as an ask at 0.20).
    exchange.seed(Side::Ask, "0.30", 10);
    seed_in(sandbox, SANDBOX_OTHER_TICKER, Side::Bid, "0.20", 5);
    let yes = client
        .create_order(&NewOrder::new(ticker).buy_yes().price("0.30").count(10))
        .expect("buy yes");
    steps.record("create_order(buy_yes 10 @ 0.30)", &yes);
    let no = client
        .create_order(
            &NewOrder::new(SANDBOX_OTHER_TICKER)
                .buy_no()
                .price("0.80")
                .count(5),
        )
        .expect("buy no");
    steps.record("create_order(buy_no 5 @ 0.80)", &no);
    let resting = client
        .create_order(&resting_bid(ticker, "0.10", 2))
        .expect("resting bid");
    steps.record("create_order(resting bid)", &resting);

    let open = positions_with(client, GetPositionsSettlementStatus::Unsettled);
    assert_eq!(market_positions(&open).len(), 2);
    steps.record_positions("get_positions(unsettled, before)", &open);
    let before = client.get_balance().expect("balance");
    // Both orders took liquidity: cost plus the taker fee on each (a NO buy at 0.80 is
    // a YES sell at 0.20, and the fee is symmetric in p and 1 − p).
    let paid = sum(&[
        cost(10, "0.30"),
        taker_fee(10, "0.30"),
        cost(5, "0.80"),
        taker_fee(5, "0.20"),
    ]);
    assert_eq!(
        before.balance_dollars,
        dollars("1000").checked_sub(paid).expect("no overflow")
    );
    // Cost basis of open positions: 10 × 0.30 + 5 × 0.80 = $7.00.
    assert_eq!(before.portfolio_value, 700);
    steps.record("get_balance(before settlement)", &before);

    sandbox
        .settle_market(ticker, MarketResult::Yes)
        .expect("settle");

    let settlements = client
        .get_settlements()
        .iter()
        .collect::<Result<Vec<_>, _>>()
        .expect("settlements");
    assert_eq!(settlements.len(), 1);
    assert_eq!(
        (settlements[0].revenue, settlements[0].yes_count_fp),
        (1000, whole(10))
    );
    steps.record("get_settlements", &settlements);

    let settled = positions_with(client, GetPositionsSettlementStatus::Settled);
    let unsettled = positions_with(client, GetPositionsSettlementStatus::Unsettled);
    let all = positions_with(client, GetPositionsSettlementStatus::All);
    let tickers = |positions: &[Position]| -> Vec<String> {
        market_positions(positions)
            .iter()
            .map(|p| p.ticker.clone())
            .collect()
    };
    assert_eq!(tickers(&settled), [ticker]);
    assert_eq!(tickers(&unsettled), [SANDBOX_OTHER_TICKER]);
    assert_eq!(tickers(&all).len(), 2);
    steps.record_positions("get_positions(settled)", &settled);
    steps.record_positions("get_positions(unsettled)", &unsettled);
    steps.record_positions("get_positions(all)", &all);

    let after = client.get_balance().expect("balance");
    // 10 winning contracts pay $1 each; the resting bid never moved the balance.
    assert_eq!(balance_change(&before, &after), dollars("10"));
    assert_eq!(after.balance - before.balance, 1000);
    assert_eq!(
        after.portfolio_value, 400,
        "only the NO position is still open"
    );
    steps.record("get_balance(after settlement)", &after);

    let canceled = client.get_order(&resting.order_id).expect("order");
    assert_eq!(canceled.status, OrderStatus::Canceled, "settlement cancels");
    steps.record("get_order(resting, after settlement)", &canceled);
    steps
}

// ---------------------------------------------------------------------------------
// Scenario 5: walking thousands of fills
// ---------------------------------------------------------------------------------

/// 2,500 fills from one taker order sweeping 25 price levels of 100 one-contract
/// offers, walked lazily 200 at a time, then as a checkpointed export: five pages,
/// stop, resume from the saved cursor. On demo the account's existing fills are
/// walked the same way.
fn fill_pagination(client: &Client, exchange: &Exchange) -> Steps {
    const LEVELS: u32 = 25;
    const PER_LEVEL: u32 = 100;
    const PAGE: u64 = 200;
    const CHECKPOINT_AFTER: usize = 5;
    let mut steps = Steps::default();

    if let Some(sandbox) = exchange.admin {
        for level in 1..=LEVELS {
            let price = format!("0.{level:02}");
            for _ in 0..PER_LEVEL {
                seed_in(sandbox, &exchange.ticker, Side::Ask, &price, 1);
            }
        }
        let total = LEVELS * PER_LEVEL;
        let sweep = NewOrder::new(exchange.ticker.as_str())
            .bid()
            .price(format!("0.{LEVELS:02}"))
            .count(total);
        let placed = client.create_order(&sweep).expect("sweep the book");
        assert_eq!(placed.fill_count, whole(total));
        steps.record("create_order(sweep)", &placed);
    }

    // Every fill, lazily, one page in memory.
    let walked: Vec<types::Fill> = client
        .get_fills()
        .limit(PAGE)
        .iter()
        .collect::<Result<_, _>>()
        .expect("walk fills");
    let distinct: HashSet<&str> = walked.iter().map(|f| f.fill_id.as_str()).collect();
    assert_eq!(distinct.len(), walked.len(), "no fill twice");

    // A checkpointed export: stop after five pages, keep the cursor, resume later.
    let mut exported: Vec<String> = Vec::new();
    let mut page_sizes = Vec::new();
    let mut checkpoint = None;
    for page in client
        .get_fills()
        .limit(PAGE)
        .max_pages(CHECKPOINT_AFTER)
        .pages()
    {
        let page = page.expect("page");
        page_sizes.push(page.items.len());
        exported.extend(page.items.into_iter().map(|f| f.fill_id));
        checkpoint = page.cursor;
    }
    let pages_before_checkpoint = page_sizes.len();
    if let Some(cursor) = checkpoint {
        for page in client.get_fills().limit(PAGE).cursor(cursor).pages() {
            let page = page.expect("page");
            page_sizes.push(page.items.len());
            exported.extend(page.items.into_iter().map(|f| f.fill_id));
        }
    }
    let walked_ids: Vec<String> = walked.iter().map(|f| f.fill_id.clone()).collect();
    assert_eq!(exported, walked_ids, "resuming loses and repeats nothing");

    if exchange.admin.is_some() {
        assert_eq!(walked.len(), 2_500);
        assert_eq!(page_sizes.len(), 13);
        let contracts = walked.iter().fold(Count::ZERO, |total, fill| {
            total.checked_add(fill.count_fp).expect("no overflow")
        });
        assert_eq!(contracts, whole(2_500));
        // Newest first: the sweep filled the cheapest offers first.
        assert_eq!(walked[0].yes_price_dollars, dollars("0.25"));
        assert_eq!(walked[walked.len() - 1].yes_price_dollars, dollars("0.01"));
        let fees: Vec<Dollars> = walked.iter().map(|f| f.fee_cost).collect();
        // Each one-contract fill pays the taker fee rounded up to the cent on its own.
        let expected_fees: Vec<Dollars> = walked
            .iter()
            .map(|f| taker_fee(1, &f.yes_price_dollars.to_string()))
            .collect();
        assert_eq!(sum(&fees), sum(&expected_fees));
        assert_eq!(
            sum(&fees),
            dollars("33"),
            "17 levels at 1¢ and 8 at 2¢, × 100"
        );
        steps.record(
            "get_fills(iter, limit 200)",
            &json!({
                "fills": walked.len(),
                "distinct": distinct.len(),
                "contracts": contracts,
                "fees": sum(&fees),
                "newest": walked.first(),
                "oldest": walked.last(),
            }),
        );
        steps.record(
            "get_fills(pages, checkpoint after 5, resume)",
            &json!({
                "pages_before_checkpoint": pages_before_checkpoint,
                "page_sizes": page_sizes,
            }),
        );
    }
    steps
}

/// A script that never guesses a tick: it reads the market (status, price rules),
/// finds it among its event's markets, reads the book, and rests a post-only bid
/// ladder stepped down from the best bid on the market's own grid, then cancels it.
fn market_reads(client: &Client, exchange: &Exchange) -> Steps {
    let mut steps = Steps::default();
    exchange.seed(Side::Bid, "0.08", 5);
    exchange.seed(Side::Bid, "0.07", 2);
    exchange.seed(Side::Ask, "0.62", 3);

    let market = client.get_market(&exchange.ticker).expect("get_market");
    assert_eq!(market.status, types::MarketStatus::Active, "an open market");
    let rules = PriceRules::try_from(&market).expect("the market's price rules");
    steps.record("get_market", &market);

    let siblings: Vec<String> = client
        .get_markets()
        .event_ticker(market.event_ticker.as_str())
        .iter()
        .map(|m| m.expect("get_markets").ticker)
        .collect();
    assert!(siblings.contains(&exchange.ticker), "{siblings:?}");
    let event = client.get_event(&market.event_ticker).expect("get_event");
    let event_markets: Vec<&str> = event.markets.iter().map(|m| m.ticker.as_str()).collect();
    assert!(event_markets.contains(&exchange.ticker.as_str()));
    if exchange.admin.is_some() {
        steps.record("get_markets(event_ticker)", &siblings);
        steps.record("get_event", &event);
    }

    let book = client
        .get_market_orderbook(&exchange.ticker)
        .depth(3)
        .send()
        .expect("get_market_orderbook");
    if exchange.admin.is_some() {
        assert_eq!(book.best_yes_bid().map(|l| l.price), Some(dollars("0.08")));
        assert_eq!(book.best_yes_ask().map(|l| l.price), Some(dollars("0.62")));
        steps.record("get_market_orderbook(depth 3)", &book);
    }

    // Three rungs below the best bid (or below 0.09 on an empty book), post-only so
    // nothing trades, each on a level the market accepts.
    let top = book.best_yes_bid().map_or(dollars("0.09"), |l| l.price);
    let mut prices = Vec::new();
    let mut price = top;
    for _ in 0..3 {
        price = rules.step_down(price).expect("a level below");
        prices.push(price);
    }
    assert!(prices.iter().all(|p| rules.is_valid(*p)));
    let template = NewOrder::for_market(&market)
        .expect("orders for the market")
        .buy_yes()
        .count(1u32)
        .post_only(true);
    let ladder: Vec<NewOrder> = prices.iter().map(|p| template.clone().price(*p)).collect();
    let placed = client.batch_create_orders(&ladder).expect("ladder");
    let ids: Vec<String> = placed.iter().filter_map(|i| i.order_id.clone()).collect();
    assert_eq!(ids.len(), prices.len(), "{placed:?}");
    if exchange.admin.is_some() {
        steps.record("batch_create_orders(ladder from the book)", &placed);
    }
    cancel_if_resting(client, &ids);
    steps
}

// ---------------------------------------------------------------------------------
// Redaction: stable placeholders for ids, times and cursors
// ---------------------------------------------------------------------------------

/// Replaces every random value (ids, cursors) with a placeholder such as `<order-1>`,
/// numbered per kind in order of first appearance, and every time with `<time>`. One
/// redactor serves a scenario's results and its journal, so the same order reads
/// `<order-2>` in both.
#[derive(Default)]
struct Redactor {
    placeholders: HashMap<String, String>,
    counts: HashMap<&'static str, usize>,
}

const TIME_KEYS: &[&str] = &[
    "ts",
    "ts_ms",
    "updated_ts",
    "last_updated_ts",
    "created_time",
    "last_update_time",
    "settled_time",
    "expiration_time",
];

/// The kind of id a JSON key holds, if any.
fn id_kind(key: &str) -> Option<&'static str> {
    match key {
        "order_id" => Some("order"),
        "client_order_id" | "updated_client_order_id" => Some("client-order"),
        "fill_id" => Some("fill"),
        "trade_id" => Some("trade"),
        // `id` only occurs in order groups among the recorded types.
        "order_group_id" | "id" => Some("group"),
        "cursor" => Some("cursor"),
        _ => None,
    }
}

impl Redactor {
    fn placeholder(&mut self, kind: &'static str, value: &str) -> String {
        if let Some(existing) = self.placeholders.get(value) {
            return existing.clone();
        }
        let count = self.counts.entry(kind).or_default();
        *count += 1;
        let placeholder = format!("<{kind}-{count}>");
        self.placeholders
            .insert(value.to_string(), placeholder.clone());
        placeholder
    }

    fn redact(&mut self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, field) in map.iter_mut() {
                    if TIME_KEYS.contains(&key.as_str()) && !field.is_null() {
                        *field = json!("<time>");
                    } else if let (Some(kind), Some(text)) = (id_kind(key), field.as_str()) {
                        *field = json!(self.placeholder(kind, text));
                    } else if key == "orders"
                        && field
                            .as_array()
                            .is_some_and(|a| a.iter().all(Value::is_string))
                    {
                        // An order group lists its orders as bare ids.
                        for id in field.as_array_mut().into_iter().flatten() {
                            let text = id.as_str().unwrap_or_default().to_string();
                            *id = json!(self.placeholder("order", &text));
                        }
                    } else {
                        self.redact(field);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.redact(item)),
            _ => {}
        }
    }

    /// `/portfolio/orders/<id>/…` and `/portfolio/order_groups/<id>/…`: the segment
    /// after `orders` or `order_groups` is an id unless it names a sub-resource.
    fn redact_path(&mut self, path: &str) -> String {
        const NOT_IDS: &[&str] = &["batched", "queue_positions", "create"];
        let mut previous = "";
        let mut out = Vec::new();
        for segment in path.split('/') {
            let kind = match previous {
                "orders" if !NOT_IDS.contains(&segment) => Some("order"),
                "order_groups" if !NOT_IDS.contains(&segment) => Some("group"),
                _ => None,
            };
            out.push(match kind {
                Some(kind) => self.placeholder(kind, segment),
                None => segment.to_string(),
            });
            previous = segment;
        }
        out.join("/")
    }

    /// Query parameters decoded, ids and cursors replaced, in their original order.
    fn redact_query(&mut self, query: &str) -> String {
        url::form_urlencoded::parse(query.as_bytes())
            .map(|(key, value)| match id_kind(&key) {
                Some(kind) => format!("{key}={}", self.placeholder(kind, &value)),
                None => format!("{key}={value}"),
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The journal as method, path, query and body (the headers only carry auth).
    fn journal(&mut self, sandbox: &Sandbox) -> Value {
        let entries = sandbox
            .journal()
            .into_iter()
            .map(|entry| {
                let mut body = entry.body.unwrap_or(Value::Null);
                self.redact(&mut body);
                json!({
                    "method": entry.method,
                    "path": self.redact_path(&entry.path),
                    "query": entry.query.map(|q| self.redact_query(&q)),
                    "body": body,
                })
            })
            .collect();
        Value::Array(entries)
    }
}

// ---------------------------------------------------------------------------------
// Running on the sandbox: snapshots
// ---------------------------------------------------------------------------------

/// A fresh sandbox with the scenario market, and a client signed with its key.
fn sandbox_session() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().expect("start sandbox");
    sandbox
        .create_market(MarketSpec::new(SANDBOX_TICKER, SANDBOX_EVENT))
        .expect("market");
    let client = sandbox.client().expect("client");
    sandbox.clear_journal();
    (sandbox, client)
}

/// Run a scenario on a fresh sandbox and snapshot its results and request journal.
fn snapshot_on_sandbox(name: &str, scenario: fn(&Client, &Exchange) -> Steps) {
    let (sandbox, client) = sandbox_session();
    let exchange = Exchange {
        ticker: SANDBOX_TICKER.to_string(),
        admin: Some(&sandbox),
    };
    let steps = scenario(&client, &exchange);

    // Results first, so ids are numbered in the order the exchange handed them out.
    let mut redactor = Redactor::default();
    let mut results = Value::Array(steps.0);
    redactor.redact(&mut results);
    let journal = redactor.journal(&sandbox);
    insta::assert_json_snapshot!(format!("{name}_results"), results);
    insta::assert_json_snapshot!(format!("{name}_journal"), journal);
}

#[test]
fn sandbox_ladder() {
    snapshot_on_sandbox("ladder", ladder);
}

#[test]
fn sandbox_partial_fill_amend_decrease_cancel() {
    snapshot_on_sandbox("partial_fill", partial_fill_amend_decrease_cancel);
}

#[test]
fn sandbox_order_group_exhaustion() {
    snapshot_on_sandbox("order_group", order_group_exhaustion);
}

#[test]
fn sandbox_settlement() {
    snapshot_on_sandbox("settlement", settlement);
}

#[test]
fn sandbox_fill_pagination() {
    snapshot_on_sandbox("fill_pagination", fill_pagination);
}

#[test]
fn sandbox_market_reads() {
    snapshot_on_sandbox("market_reads", market_reads);
}

/// The demo variants (no seeding, no settling, post-only orders only) never run in
/// CI; running them here on a sandbox whose admin powers go unused keeps them honest.
#[test]
fn demo_variants_pass_on_a_sandbox_without_admin_powers() {
    let scenarios: [fn(&Client, &Exchange) -> Steps; 6] = [
        ladder,
        partial_fill_amend_decrease_cancel,
        order_group_exhaustion,
        settlement,
        fill_pagination,
        market_reads,
    ];
    for scenario in scenarios {
        let (_sandbox, client) = sandbox_session();
        let exchange = Exchange {
            ticker: SANDBOX_TICKER.to_string(),
            admin: None,
        };
        scenario(&client, &exchange);
    }
}

// ---------------------------------------------------------------------------------
// Running on Kalshi's demo exchange: invariants only, never in CI
// ---------------------------------------------------------------------------------

/// A client for Kalshi's demo exchange from the usual variables, and the market from
/// `KALSHI_DEMO_TICKER`. These scenarios place (far from the market, post-only) and
/// cancel orders, so anything but demo is refused before a client is built.
fn demo_session() -> (Client, String) {
    if let Ok(env) = std::env::var("KALSHI_ENV") {
        let env = env.trim();
        assert!(
            env.is_empty() || env.eq_ignore_ascii_case("demo"),
            "refusing to run the demo scenarios with KALSHI_ENV={env:?}: they place orders, \
             so they only run on demo (unset KALSHI_ENV or set it to demo)"
        );
    }
    let client =
        Client::from_env().expect("demo credentials (KALSHI_API_KEY_ID, KALSHI_PRIVATE_KEY_PATH)");
    assert_eq!(client.environment(), &Environment::Demo, "demo only");
    let ticker = std::env::var(DEMO_TICKER_VAR).unwrap_or_else(|_| {
        panic!(
            "set {DEMO_TICKER_VAR} to an open demo market whose best ask is above 0.10 \
             (the scenarios rest bids at 0.01–0.08)"
        )
    });
    (client, ticker)
}

/// Run a scenario on demo. If it fails midway, cancel the orders it left resting
/// (those in its market created since it started) before reporting the failure.
fn run_on_demo(scenario: fn(&Client, &Exchange) -> Steps) {
    let (client, ticker) = demo_session();
    // A little slack for the difference between this machine's clock and Kalshi's.
    let started = unix_seconds() - 60;
    let exchange = Exchange {
        ticker: ticker.clone(),
        admin: None,
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scenario(&client, &exchange)
    }));
    if let Err(panic) = outcome {
        let left: Vec<String> = client
            .get_orders()
            .ticker(ticker)
            .status("resting")
            .min_ts(started)
            .iter()
            .filter_map(|order| order.ok().map(|o| o.order_id))
            .collect();
        for id in &left {
            let _ = client.cancel_order(id);
        }
        std::panic::resume_unwind(panic);
    }
}

fn unix_seconds() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(now.as_secs()).expect("a sane clock")
}

#[test]
#[ignore = "needs Kalshi demo credentials and KALSHI_DEMO_TICKER; see the README"]
fn demo_ladder() {
    run_on_demo(ladder);
}

#[test]
#[ignore = "needs Kalshi demo credentials and KALSHI_DEMO_TICKER; see the README"]
fn demo_amend_decrease_cancel() {
    run_on_demo(partial_fill_amend_decrease_cancel);
}

#[test]
#[ignore = "needs Kalshi demo credentials and KALSHI_DEMO_TICKER; see the README"]
fn demo_order_group() {
    run_on_demo(order_group_exhaustion);
}

#[test]
#[ignore = "needs Kalshi demo credentials and KALSHI_DEMO_TICKER; see the README"]
fn demo_settlements_and_positions() {
    run_on_demo(settlement);
}

#[test]
#[ignore = "needs Kalshi demo credentials and KALSHI_DEMO_TICKER; see the README"]
fn demo_fill_pagination() {
    run_on_demo(fill_pagination);
}

#[test]
#[ignore = "needs Kalshi demo credentials and KALSHI_DEMO_TICKER; see the README"]
fn demo_market_reads() {
    run_on_demo(market_reads);
}
