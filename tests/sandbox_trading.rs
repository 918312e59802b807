//! Trading against the sandbox through the blocking facade: order lifecycle, fills,
//! time in force, post-only, self-trade prevention, order groups, settlement,
//! validation errors and pagination.

use std::collections::HashSet;

use kalshi_portfolio::order_builders::{SelfTradePrevention, TimeInForce};
use kalshi_portfolio::sandbox::{MarketResult, MarketSpec, Sandbox, Side};
use kalshi_portfolio::types::OrderStatus;
use kalshi_portfolio::{AmendOrder, Client, Count, DecreaseOrder, Dollars, NewOrder};

const T: &str = "KXTEST-26-T50";
const EVENT: &str = "KXTEST-26";

fn d(text: &str) -> Dollars {
    text.parse().unwrap()
}

fn c(text: &str) -> Count {
    text.parse().unwrap()
}

fn setup() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().unwrap();
    sandbox.create_market(MarketSpec::new(T, EVENT)).unwrap();
    let client = sandbox.client().unwrap();
    (sandbox, client)
}

fn bid(price: &str, count: u32) -> NewOrder {
    NewOrder::new(T).bid().price(price).count(count)
}

fn ask(price: &str, count: u32) -> NewOrder {
    NewOrder::new(T).ask().price(price).count(count)
}

#[test]
fn order_lifecycle_with_partial_fills() {
    let (sandbox, client) = setup();
    sandbox
        .add_liquidity(T, Side::Ask, d("0.45"), c("4"))
        .unwrap();
    let placed = client
        .create_order(&bid("0.50", 10).client_order_id("mine-1"))
        .unwrap();
    assert_eq!(placed.fill_count.to_string(), "4.00");
    assert_eq!(placed.remaining_count.to_string(), "6.00");
    assert_eq!(placed.client_order_id.as_deref(), Some("mine-1"));
    assert_eq!(placed.average_fill_price.unwrap().to_string(), "0.4500");

    let order = client.get_order(&placed.order_id).unwrap();
    assert_eq!(order.status, OrderStatus::Resting);
    assert_eq!(order.fill_count_fp.to_string(), "4.00");
    assert_eq!(order.initial_count_fp.to_string(), "10.00");
    assert_eq!(order.taker_fill_cost_dollars.to_string(), "1.8000");
    // 0.07 × 4 × .45 × .55 = 0.0693 → 0.07
    assert_eq!(order.taker_fees_dollars.to_string(), "0.0700");
    assert_eq!(order.yes_price_dollars.to_string(), "0.5000");
    assert_eq!(order.no_price_dollars.to_string(), "0.5000");

    // Counterparty selling into the resting remainder: a maker fill at our price.
    sandbox
        .add_liquidity(T, Side::Ask, d("0.49"), c("2"))
        .unwrap();
    let order = client.get_order(&placed.order_id).unwrap();
    assert_eq!(order.fill_count_fp.to_string(), "6.00");
    assert_eq!(order.maker_fill_cost_dollars.to_string(), "1.0000");
    assert_eq!(order.maker_fees_dollars.to_string(), "0.0000");

    let fills: Vec<_> = client
        .get_fills()
        .order_id(placed.order_id.clone())
        .iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(fills.len(), 2);
    assert!(!fills[0].is_taker && fills[1].is_taker, "newest first");
    assert_eq!(fills[0].yes_price_dollars.to_string(), "0.5000");
    assert_eq!(fills[1].no_price_dollars.to_string(), "0.5500");
    assert_ne!(fills[0].fill_id, fills[0].trade_id);
    assert_eq!(fills[0].market_ticker, T);

    // Queue position: a later order at the same price waits behind our 4 remaining.
    let second = client.create_order(&bid("0.50", 3)).unwrap();
    assert_eq!(
        client
            .get_order_queue_position(&second.order_id)
            .unwrap()
            .to_string(),
        "4.00"
    );
    let queue = client
        .get_queue_positions()
        .market_tickers([T])
        .send()
        .unwrap();
    assert_eq!(queue.len(), 2);

    // Resting value: (4 + 3) × 0.50 = $3.50.
    let value = client.get_total_resting_order_value().unwrap();
    assert_eq!(value.total_resting_order_value, 350);

    // Amend to a bigger size loses priority; decrease keeps it.
    let amended = client
        .amend_order(
            &placed.order_id,
            &AmendOrder::new(T).bid().price("0.50").count(12),
        )
        .unwrap();
    assert_eq!(amended.remaining_count.unwrap().to_string(), "6.00");
    assert_eq!(
        client
            .get_order_queue_position(&placed.order_id)
            .unwrap()
            .to_string(),
        "3.00"
    );
    let decreased = client
        .decrease_order(&placed.order_id, &DecreaseOrder::new().reduce_by(1u32))
        .unwrap();
    assert_eq!(decreased.remaining_count.to_string(), "5.00");

    let canceled = client.cancel_order(&placed.order_id).unwrap();
    assert_eq!(canceled.reduced_by.to_string(), "5.00");
    assert_eq!(
        client.get_order(&placed.order_id).unwrap().status,
        OrderStatus::Canceled
    );
    let err = client.cancel_order(&placed.order_id).unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(404), Some("order_not_resting"))
    );

    client.cancel_all_orders().unwrap();
    assert_eq!(
        client.get_order(&second.order_id).unwrap().status,
        OrderStatus::Canceled
    );
    let resting = client.get_orders().status("resting").send().unwrap();
    assert!(resting.items.is_empty());
    let all = client.get_orders().send().unwrap();
    assert_eq!(all.items.len(), 2);
    assert_eq!(all.items[0].order_id, second.order_id, "newest first");

    // Balance: 4 @ .45 + 2 @ .50 = 2.80 paid, fee 0.07.
    let balance = client.get_balance().unwrap();
    assert_eq!(balance.balance_dollars.to_string(), "997.1300");
    assert_eq!(balance.balance, 99_713);
    assert_eq!(balance.portfolio_value, 280);
}

#[test]
fn ioc_fok_post_only_and_reduce_only() {
    let (sandbox, client) = setup();
    sandbox
        .add_liquidity(T, Side::Bid, d("0.60"), c("3"))
        .unwrap();

    let fok = client
        .create_order(&ask("0.55", 5).time_in_force(TimeInForce::FillOrKill))
        .unwrap();
    assert_eq!(
        (fok.fill_count.to_string(), fok.remaining_count.to_string()),
        ("0.00".into(), "0.00".into())
    );
    assert_eq!(
        client.get_order(&fok.order_id).unwrap().status,
        OrderStatus::Canceled
    );

    let ioc = client
        .create_order(&ask("0.55", 5).time_in_force(TimeInForce::ImmediateOrCancel))
        .unwrap();
    assert_eq!(ioc.fill_count.to_string(), "3.00");
    assert_eq!(
        client.get_order(&ioc.order_id).unwrap().status,
        OrderStatus::Canceled
    );

    sandbox
        .add_liquidity(T, Side::Ask, d("0.70"), c("3"))
        .unwrap();
    let err = client
        .create_order(&bid("0.70", 1).post_only(true))
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("post_only_cross"))
    );
    let maker = client
        .create_order(&bid("0.69", 1).post_only(true))
        .unwrap();
    assert_eq!(maker.remaining_count.to_string(), "1.00");

    // We are short 3 (NO 3); a reduce-only bid for 10 buys back only 3.
    let reduce = client
        .create_order(
            &bid("0.75", 10)
                .time_in_force(TimeInForce::ImmediateOrCancel)
                .reduce_only(true),
        )
        .unwrap();
    assert_eq!(reduce.fill_count.to_string(), "3.00");
    let positions: Vec<_> = client
        .get_positions()
        .iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let market = positions.iter().find_map(|p| p.as_market()).unwrap();
    assert_eq!(market.position_fp.to_string(), "0.00");
    // Sold 3 @ .60 (bought NO at .40), bought back @ .70: realized 3 × (.30 − .40) = −0.30
    assert_eq!(market.realized_pnl_dollars.to_string(), "-0.3000");
}

#[test]
fn self_trade_prevention() {
    let (_sandbox, client) = setup();
    let resting = client.create_order(&ask("0.50", 2)).unwrap();
    let taker = client.create_order(&bid("0.55", 3)).unwrap();
    assert_eq!(taker.fill_count.to_string(), "0.00");
    assert_eq!(
        client.get_order(&taker.order_id).unwrap().status,
        OrderStatus::Canceled
    );
    assert_eq!(
        client.get_order(&resting.order_id).unwrap().status,
        OrderStatus::Resting
    );

    let maker_mode = client
        .create_order(&bid("0.55", 3).self_trade_prevention(SelfTradePrevention::Maker))
        .unwrap();
    assert_eq!(
        client.get_order(&resting.order_id).unwrap().status,
        OrderStatus::Canceled
    );
    assert_eq!(maker_mode.remaining_count.to_string(), "3.00");
    assert!(client.get_fills().send().unwrap().items.is_empty());
}

#[test]
fn order_group_exhaustion_reset_and_delete() {
    let (sandbox, client) = setup();
    sandbox
        .add_liquidity(T, Side::Ask, d("0.40"), c("50"))
        .unwrap();
    let group = client.create_order_group(5u32).unwrap();
    let id = group.order_group_id;
    let resting = client
        .create_order(&bid("0.30", 2).order_group_id(id.clone()))
        .unwrap();
    let first = client
        .create_order(&bid("0.40", 3).order_group_id(id.clone()))
        .unwrap();
    assert_eq!(first.fill_count.to_string(), "3.00");
    let second = client
        .create_order(&bid("0.40", 3).order_group_id(id.clone()))
        .unwrap();
    assert_eq!(
        second.fill_count.to_string(),
        "2.00",
        "capped at the group's limit"
    );
    assert_eq!(
        client.get_order(&resting.order_id).unwrap().status,
        OrderStatus::Canceled
    );

    let err = client
        .create_order(&bid("0.40", 1).order_group_id(id.clone()))
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("order_group_triggered"))
    );
    let state = client.get_order_group(&id).unwrap();
    assert!(!state.is_auto_cancel_enabled);
    assert_eq!(state.orders.len(), 3);
    assert_eq!(state.contracts_limit_fp.unwrap().to_string(), "5.00");

    client.reset_order_group(&id).unwrap();
    client.update_order_group_limit(&id, 20u32).unwrap();
    let third = client
        .create_order(&bid("0.35", 1).order_group_id(id.clone()))
        .unwrap();
    assert_eq!(client.get_order_groups().unwrap().len(), 1);
    client.trigger_order_group(&id).unwrap();
    assert_eq!(
        client.get_order(&third.order_id).unwrap().status,
        OrderStatus::Canceled
    );
    client.reset_order_group(&id).unwrap();
    let fourth = client
        .create_order(&bid("0.35", 1).order_group_id(id.clone()))
        .unwrap();
    client.delete_order_group(&id).unwrap();
    assert_eq!(
        client.get_order(&fourth.order_id).unwrap().status,
        OrderStatus::Canceled
    );
    let err = client.get_order_group(&id).unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(404), Some("order_group_not_found"))
    );
    assert!(client.get_order_groups().unwrap().is_empty());
}

#[test]
fn settlement_pays_out_and_closes_positions() {
    let (sandbox, client) = setup();
    sandbox
        .create_market(MarketSpec::new("KXTEST-26-T60", EVENT))
        .unwrap();
    sandbox
        .add_liquidity(T, Side::Ask, d("0.30"), c("10"))
        .unwrap();
    sandbox
        .add_liquidity("KXTEST-26-T60", Side::Bid, d("0.20"), c("5"))
        .unwrap();
    client.create_order(&bid("0.30", 10)).unwrap(); // YES 10: 3.00 + fee 0.15
    client
        .create_order(
            &NewOrder::new("KXTEST-26-T60")
                .ask()
                .price("0.20")
                .count(5u32),
        )
        .unwrap(); // NO 5 at 0.80: 4.00 + fee 0.06
    let resting = client.create_order(&bid("0.10", 1)).unwrap();
    let before = client.get_balance().unwrap();
    assert_eq!(before.balance_dollars.to_string(), "992.7900");
    assert_eq!(before.portfolio_value, 700);

    let (positions, events): (Vec<_>, Vec<_>) = client
        .get_positions()
        .iter()
        .map(Result::unwrap)
        .partition(|p| p.as_market().is_some());
    assert_eq!(positions.len(), 2);
    assert_eq!(events.len(), 1);
    let event = events[0].as_event().unwrap();
    assert_eq!(event.event_ticker, EVENT);
    assert_eq!(event.event_exposure_dollars.to_string(), "7.0000");
    assert_eq!(event.fees_paid_dollars.to_string(), "0.2100");

    sandbox.settle_market(T, MarketResult::Yes).unwrap();
    sandbox
        .settle_market("KXTEST-26-T60", MarketResult::Yes)
        .unwrap();
    let after = client.get_balance().unwrap();
    assert_eq!(after.balance_dollars.to_string(), "1002.7900");
    assert_eq!(after.portfolio_value, 0);
    assert_eq!(
        client.get_order(&resting.order_id).unwrap().status,
        OrderStatus::Canceled
    );

    let settlements: Vec<_> = client
        .get_settlements()
        .iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(settlements.len(), 2);
    let won = settlements.iter().find(|s| s.ticker == T).unwrap();
    assert_eq!(
        (won.revenue, won.yes_count_fp.to_string()),
        (1000, "10.00".into())
    );
    let lost = settlements.iter().find(|s| s.ticker != T).unwrap();
    assert_eq!(
        (lost.revenue, lost.no_count_fp.to_string()),
        (0, "5.00".into())
    );
    assert_eq!(lost.no_total_cost_dollars.to_string(), "4.0000");

    // Settled positions leave the default (unsettled) list.
    assert_eq!(client.get_positions().iter().count(), 0);
    let settled: Vec<_> = client
        .get_positions()
        .settlement_status(kalshi_portfolio::types::GetPositionsSettlementStatus::Settled)
        .iter()
        .map(Result::unwrap)
        .collect();
    let won = settled
        .iter()
        .filter_map(|p| p.as_market())
        .find(|p| p.ticker == T)
        .unwrap();
    assert_eq!(won.realized_pnl_dollars.to_string(), "7.0000");
    let err = client.create_order(&bid("0.30", 1)).unwrap_err();
    assert_eq!(err.code(), Some("market_closed"));
}

#[test]
fn validation_errors_are_kalshi_shaped() {
    let (sandbox, client) = setup();
    client
        .create_order(&bid("0.10", 1).client_order_id("dup"))
        .unwrap();
    // The id again, for a different order (the same order would be found and
    // returned, as after a late execution).
    let err = client
        .create_order(&bid("0.11", 1).client_order_id("dup"))
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(409), Some("duplicate_client_order_id"))
    );

    let err = client
        .create_order(&NewOrder::new("NOPE").bid().price("0.10").count(1u32))
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("market_not_found"))
    );

    sandbox
        .create_market(MarketSpec::new("KXTICK", EVENT).tick_size(d("0.05")))
        .unwrap();
    let err = client
        .create_order(&NewOrder::new("KXTICK").bid().price("0.12").count(1u32))
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("invalid_price"))
    );

    sandbox.set_balance_cents(100);
    let err = client.create_order(&bid("0.50", 10)).unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("insufficient_balance"))
    );

    let err = client.get_order("no-such-order").unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(404), Some("order_not_found"))
    );

    // Batches answer per item.
    sandbox.set_balance_cents(100_000);
    let results = client
        .batch_create_orders(&[
            bid("0.10", 1).client_order_id("b-1"),
            // The id reused for a different order.
            bid("0.12", 1).client_order_id("dup"),
            NewOrder::new("NOPE").bid().price("0.10").count(1u32),
        ])
        .unwrap();
    assert!(results[0].error.is_none() && results[0].order_id.is_some());
    assert_eq!(
        results[1].error.as_ref().unwrap().code.as_deref(),
        Some("duplicate_client_order_id")
    );
    assert_eq!(
        results[2].error.as_ref().unwrap().code.as_deref(),
        Some("market_not_found")
    );
    let id = results[0].order_id.clone().unwrap();
    let canceled = client
        .batch_cancel_orders([id.as_str(), "missing"])
        .unwrap();
    assert_eq!(canceled[0].reduced_by.to_string(), "1.00");
    assert!(canceled[0].error.is_none());
    assert_eq!(
        canceled[1].error.as_ref().unwrap().code.as_deref(),
        Some("order_not_found")
    );
}

#[test]
fn pagination_over_more_than_a_thousand_fills() {
    let (sandbox, client) = setup();
    for _ in 0..1_100 {
        sandbox
            .add_liquidity(T, Side::Ask, d("0.50"), c("1"))
            .unwrap();
    }
    let placed = client.create_order(&bid("0.50", 1_100)).unwrap();
    assert_eq!(placed.fill_count.to_string(), "1100.00");

    let first = client.get_fills().limit(250).send().unwrap();
    assert_eq!(first.items.len(), 250);
    assert!(first.cursor.is_some());
    let mut ids = HashSet::new();
    let mut pages = 0;
    let mut list = client.get_fills().limit(250);
    loop {
        let page = list.clone().send().unwrap();
        pages += 1;
        for fill in &page.items {
            assert!(ids.insert(fill.fill_id.clone()), "duplicate fill");
        }
        match page.cursor {
            Some(cursor) => list = client.get_fills().limit(250).cursor(cursor),
            None => break,
        }
    }
    assert_eq!((ids.len(), pages), (1_100, 5));
    // The lazy iterator with the default page size agrees.
    assert_eq!(client.get_fills().iter().count(), 1_100);
    // A ticker list filter (comma-separated) and an unknown ticker.
    assert_eq!(
        client
            .get_fills()
            .ticker(format!("{T},OTHER"))
            .limit(1000)
            .send()
            .unwrap()
            .items
            .len(),
        1000
    );
    assert!(client
        .get_fills()
        .ticker("OTHER")
        .send()
        .unwrap()
        .items
        .is_empty());
    // Everything is on exchange index 0.
    assert!(client
        .get_fills()
        .exchange_index(1)
        .send()
        .unwrap()
        .items
        .is_empty());
    assert_eq!(
        client
            .get_fills()
            .exchange_index(0)
            .limit(5)
            .send()
            .unwrap()
            .items
            .len(),
        5
    );
    let err = client
        .get_fills()
        .cursor("bm90LWEtY3Vyc29y")
        .send()
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("invalid_cursor"))
    );
}

#[test]
fn orders_positions_and_settlements_paginate_with_filters() {
    let (sandbox, client) = setup();
    let tickers: Vec<String> = (0..5).map(|i| format!("KXPAGE-26-T{i}")).collect();
    for (i, ticker) in tickers.iter().enumerate() {
        let event = if i < 3 { "KXPAGE-A" } else { "KXPAGE-B" };
        sandbox
            .create_market(MarketSpec::new(ticker, event))
            .unwrap();
        sandbox
            .add_liquidity(ticker, Side::Ask, d("0.40"), c("1"))
            .unwrap();
        client
            .create_order(
                &NewOrder::new(ticker.as_str())
                    .bid()
                    .price("0.40")
                    .count(2u32),
            )
            .unwrap();
    }
    // Orders: 5 (each filled 1, resting 1), pages of 2.
    let pages: Vec<_> = client
        .get_orders()
        .limit(2)
        .pages()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    assert_eq!(
        client.get_orders().event_ticker("KXPAGE-B").iter().count(),
        2
    );
    assert_eq!(
        client
            .get_orders()
            .ticker(tickers[0].clone())
            .iter()
            .count(),
        1
    );
    assert_eq!(client.get_orders().status("executed").iter().count(), 0);

    // Positions: 5 market positions over pages of 2; the 2 event positions once.
    let all: Vec<_> = client
        .get_positions()
        .limit(2)
        .iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(all.iter().filter(|p| p.as_market().is_some()).count(), 5);
    let events: Vec<_> = all.iter().filter_map(|p| p.as_event()).collect();
    assert_eq!(events.len(), 2);
    let a = events
        .iter()
        .find(|e| e.event_ticker == "KXPAGE-A")
        .unwrap();
    assert_eq!(a.total_cost_dollars.to_string(), "1.2000");
    assert_eq!(a.total_cost_shares_fp.to_string(), "3.00");
    assert_eq!(
        client
            .get_positions()
            .event_ticker("KXPAGE-B")
            .iter()
            .count(),
        3
    );

    // Settlements, newest first, pages of 2, with a ticker filter.
    for ticker in &tickers {
        sandbox.settle_market(ticker, MarketResult::No).unwrap();
    }
    let settlements: Vec<_> = client
        .get_settlements()
        .limit(2)
        .iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(settlements.len(), 5);
    assert_eq!(settlements[0].ticker, tickers[4]);
    assert_eq!(
        client
            .get_settlements()
            .ticker(tickers[1].clone())
            .iter()
            .count(),
        1
    );
    let err = client.get_positions().limit(1001).send().unwrap_err();
    assert!(
        matches!(err, kalshi_portfolio::Error::InvalidRequest { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_sandbox_dropped_in_a_current_thread_runtime_stops_cleanly() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    client.get_balance().unwrap();
    drop(sandbox);
    assert!(client.get_balance().is_err());
}

#[test]
fn expired_orders_are_canceled_when_next_observed() {
    let (_sandbox, client) = setup();
    let now_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    };
    // At least a full second ahead, so the client's own check never sees it expired.
    let expiration = now_ms() / 1000 + 2;
    let placed = client
        .create_order(&bid("0.10", 1).expiration_time(expiration))
        .unwrap();
    let order = client.get_order(&placed.order_id).unwrap();
    assert_eq!(order.status, OrderStatus::Resting);
    assert!(order.expiration_time.is_some());
    let wait = expiration * 1000 + 50 - now_ms();
    std::thread::sleep(std::time::Duration::from_millis(wait.max(0) as u64));
    assert_eq!(
        client.get_order(&placed.order_id).unwrap().status,
        OrderStatus::Canceled
    );
    assert_eq!(
        client
            .get_total_resting_order_value()
            .unwrap()
            .total_resting_order_value,
        0
    );
}

#[test]
fn many_threads_share_one_client() {
    let (sandbox, client) = setup();
    sandbox
        .add_liquidity(T, Side::Ask, d("0.50"), c("40"))
        .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    client
                        .create_order(&bid("0.50", 1).client_order_id(format!("t{t}-{i}")))
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(client.get_fills().iter().count(), 40);
    let positions: Vec<_> = client.get_positions().iter().map(Result::unwrap).collect();
    let market = positions.iter().find_map(|p| p.as_market()).unwrap();
    assert_eq!(market.position_fp.to_string(), "40.00");
}
