//! Unit tests of the exchange's rules, with a hand-driven clock.

use super::account::taker_fee;
use super::*;
use crate::types;
use std::collections::HashSet;

const T: &str = "KXTEST-26-T50";
const CENT: i64 = 10_000;
const C: i64 = 100; // one contract in hundredths

fn exchange() -> Exchange {
    let mut ex = Exchange::new(1_000 * ONE);
    ex.create_market(&MarketSpec::new(T, "KXTEST-26")).unwrap();
    ex
}

fn order(side: Side, cents: i64, contracts: i64) -> NewOrderReq {
    NewOrderReq {
        ticker: T.into(),
        client_order_id: None,
        side,
        price: cents * CENT,
        count: contracts * C,
        tif: Tif::Gtc,
        post_only: false,
        reduce_only: false,
        stp: Stp::TakerAtCross,
        expiration_s: None,
        order_group_id: None,
        cancel_order_on_pause: false,
    }
}

fn position(ex: &mut Exchange) -> types::MarketPosition {
    let (page, _) = ex
        .positions(
            &PositionFilter {
                settlement_status: Some("all".into()),
                ..Default::default()
            },
            100,
            None,
            0,
        )
        .unwrap();
    page.items.into_iter().next().expect("a position")
}

#[test]
fn taker_fee_rounds_up_to_the_cent() {
    // 0.07 × 1 × 0.5 × 0.5 = 0.0175 → 0.02
    assert_eq!(taker_fee(C, 50 * CENT), 2 * CENT);
    // 0.07 × 100 × 0.5 × 0.5 = 1.75 exactly
    assert_eq!(taker_fee(100 * C, 50 * CENT), 175 * CENT);
    // 0.07 × 10 × 0.01 × 0.99 = 0.00693 → 0.01
    assert_eq!(taker_fee(10 * C, CENT), CENT);
}

#[test]
fn price_time_priority_at_the_maker_price() {
    let mut ex = exchange();
    let a1 = ex.add_liquidity(T, Side::Ask, 45 * CENT, 5 * C, 1).unwrap();
    let a2 = ex.add_liquidity(T, Side::Ask, 44 * CENT, 5 * C, 2).unwrap();
    let a3 = ex.add_liquidity(T, Side::Ask, 44 * CENT, 5 * C, 3).unwrap();
    let placed = ex.create_order(&order(Side::Bid, 50, 12), 10).unwrap();
    assert_eq!(placed.fill_count, 12 * C);
    assert_eq!(placed.remaining, 0);
    // 5 @ .44 (a2), 5 @ .44 (a3), 2 @ .45 (a1)
    let fills = ex
        .fills(&FillFilter::default(), 100, None, 10)
        .unwrap()
        .items;
    let prices: Vec<String> = fills
        .iter()
        .rev()
        .map(|f| f.yes_price_dollars.to_string())
        .collect();
    assert_eq!(prices, ["0.4400", "0.4400", "0.4500"]);
    let remaining = |ex: &Exchange, id: &str| ex.orders[ex.order_index[id]].remaining;
    assert_eq!(remaining(&ex, &a2), 0);
    assert_eq!(remaining(&ex, &a3), 0);
    assert_eq!(remaining(&ex, &a1), 3 * C);
    // cost 10 × .44 + 2 × .45 = 5.30; fees per fill: 5@.44 → 0.07×5×.44×.56=0.08624 → .09 (×2), 2@.45 → .03465 → .04
    assert_eq!(ex.balance_micros(), (1_000 * ONE) - 530 * CENT - 22 * CENT);
    let p = position(&mut ex);
    assert_eq!(p.position_fp.to_string(), "12.00");
    assert_eq!(p.market_exposure_dollars.to_string(), "5.3000");
    assert_eq!(p.fees_paid_dollars.to_string(), "0.2200");
}

#[test]
fn gtc_rests_ioc_cancels_fok_is_all_or_nothing() {
    let mut ex = exchange();
    ex.add_liquidity(T, Side::Bid, 60 * CENT, 3 * C, 1).unwrap();
    // FOK for 5 with only 3 available: nothing happens.
    let mut fok = order(Side::Ask, 55, 5);
    fok.tif = Tif::Fok;
    let placed = ex.create_order(&fok, 2).unwrap();
    assert_eq!((placed.fill_count, placed.remaining), (0, 0));
    assert_eq!(ex.fills.len(), 0);
    // IOC for 5: 3 fill, 2 canceled.
    let mut ioc = order(Side::Ask, 55, 5);
    ioc.tif = Tif::Ioc;
    let placed = ex.create_order(&ioc, 3).unwrap();
    assert_eq!((placed.fill_count, placed.remaining), (3 * C, 0));
    assert_eq!(
        ex.order(&placed.order_id, 3).unwrap().status,
        types::OrderStatus::Canceled
    );
    // GTC rests.
    let placed = ex.create_order(&order(Side::Ask, 55, 5), 4).unwrap();
    assert_eq!((placed.fill_count, placed.remaining), (0, 5 * C));
    assert_eq!(ex.queue_position(&placed.order_id, 4).unwrap(), 0);
    // Selling YES without a position buys NO: 3 × (1 − .60) = 1.20 + fee (.07×3×.6×.4=.0504 → .06)
    assert_eq!(ex.balance_micros(), 1_000 * ONE - 120 * CENT - 6 * CENT);
    assert_eq!(position(&mut ex).position_fp.to_string(), "-3.00");
}

#[test]
fn post_only_reduce_only_and_balance() {
    let mut ex = exchange();
    ex.add_liquidity(T, Side::Ask, 40 * CENT, 10 * C, 1)
        .unwrap();
    let mut post = order(Side::Bid, 40, 1);
    post.post_only = true;
    assert_eq!(
        ex.create_order(&post, 2).unwrap_err().code(),
        "post_only_cross"
    );
    post.price = 39 * CENT;
    assert!(ex.create_order(&post, 2).is_ok());

    let mut reduce = order(Side::Ask, 1, 5);
    reduce.tif = Tif::Ioc;
    reduce.reduce_only = true;
    assert_eq!(
        ex.create_order(&reduce, 3).unwrap_err().code(),
        "reduce_only_no_position"
    );
    ex.create_order(&order(Side::Bid, 40, 2), 4).unwrap();
    // Someone bids .39 (the user's own resting bid is there too, but it is not a
    // crossing ask); reduce-only ask for 5 is capped at the 2 held.
    ex.add_liquidity(T, Side::Bid, 41 * CENT, 10 * C, 5)
        .unwrap();
    let placed = ex.create_order(&reduce, 6).unwrap();
    assert_eq!(placed.fill_count, 2 * C);
    assert_eq!(position(&mut ex).position_fp.to_string(), "0.00");

    ex.set_balance(5 * CENT);
    let err = ex.create_order(&order(Side::Bid, 40, 1), 7).unwrap_err();
    assert_eq!((err.status(), err.code()), (400, "insufficient_balance"));
}

#[test]
fn reducing_a_position_pays_out_and_realizes_pnl() {
    let mut ex = exchange();
    ex.add_liquidity(T, Side::Ask, 40 * CENT, 10 * C, 1)
        .unwrap();
    ex.create_order(&order(Side::Bid, 40, 10), 2).unwrap(); // YES 10 @ .40 = 4.00 + fee .17
    let after_buy = ex.balance_micros();
    assert_eq!(after_buy, 1_000 * ONE - 400 * CENT - 17 * CENT);
    ex.add_liquidity(T, Side::Bid, 70 * CENT, 4 * C, 3).unwrap();
    let mut sell = order(Side::Ask, 70, 4);
    sell.tif = Tif::Ioc;
    ex.create_order(&sell, 4).unwrap(); // pays .70 × 4 = 2.80, fee .07×4×.7×.3=.0588 → .06
    assert_eq!(ex.balance_micros(), after_buy + 280 * CENT - 6 * CENT);
    let p = position(&mut ex);
    assert_eq!(p.position_fp.to_string(), "6.00");
    assert_eq!(p.market_exposure_dollars.to_string(), "2.4000");
    assert_eq!(p.realized_pnl_dollars.to_string(), "1.2000");
}

#[test]
fn settlement_pays_winners_and_closes_positions() {
    let mut ex = exchange();
    ex.add_liquidity(T, Side::Ask, 30 * CENT, 10 * C, 1)
        .unwrap();
    ex.create_order(&order(Side::Bid, 30, 10), 2).unwrap();
    let resting = ex.create_order(&order(Side::Bid, 20, 1), 3).unwrap();
    let before = ex.balance_micros();
    ex.settle_market(T, MarketResult::Yes, 10_000).unwrap();
    assert_eq!(ex.balance_micros(), before + 10 * ONE);
    assert_eq!(
        ex.order(&resting.order_id, 10_000).unwrap().status,
        types::OrderStatus::Canceled
    );
    let s = ex
        .settlements(&SettlementFilter::default(), 10, None, 10_000)
        .unwrap()
        .items;
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].revenue, 1000);
    assert_eq!(s[0].yes_count_fp.to_string(), "10.00");
    assert_eq!(s[0].yes_total_cost_dollars.to_string(), "3.0000");
    let p = position(&mut ex);
    assert_eq!(p.position_fp.to_string(), "0.00");
    assert_eq!(p.realized_pnl_dollars.to_string(), "7.0000");
    assert_eq!(
        ex.create_order(&order(Side::Bid, 30, 1), 10_001)
            .unwrap_err()
            .code(),
        "market_closed"
    );
    // Unsettled positions no longer list it.
    let (page, _) = ex
        .positions(&PositionFilter::default(), 10, None, 10_001)
        .unwrap();
    assert!(page.items.is_empty());
}

#[test]
fn self_trade_prevention_both_kinds() {
    let mut ex = exchange();
    let mine = ex.create_order(&order(Side::Ask, 50, 2), 1).unwrap();
    // taker_at_cross: the incoming bid is canceled at the cross.
    let taker = ex.create_order(&order(Side::Bid, 55, 3), 2).unwrap();
    assert_eq!((taker.fill_count, taker.remaining), (0, 0));
    assert_eq!(
        ex.order(&mine.order_id, 2).unwrap().status,
        types::OrderStatus::Resting
    );
    // maker: the resting own order is canceled and matching continues.
    ex.add_liquidity(T, Side::Ask, 52 * CENT, C, 3).unwrap();
    let mut maker = order(Side::Bid, 55, 3);
    maker.stp = Stp::Maker;
    let placed = ex.create_order(&maker, 4).unwrap();
    assert_eq!(
        ex.order(&mine.order_id, 4).unwrap().status,
        types::OrderStatus::Canceled
    );
    assert_eq!((placed.fill_count, placed.remaining), (C, 2 * C));
}

#[test]
fn order_group_limit_triggers_and_resets() {
    let mut ex = exchange();
    let group = ex.create_group(5 * C).unwrap();
    ex.add_liquidity(T, Side::Ask, 50 * CENT, 20 * C, 0)
        .unwrap();
    let mut grouped = order(Side::Bid, 50, 3);
    grouped.order_group_id = Some(group.clone());
    ex.create_order(&grouped, 1_000).unwrap();
    let mut resting = order(Side::Bid, 40, 1);
    resting.order_group_id = Some(group.clone());
    let resting = ex.create_order(&resting, 1_001).unwrap();
    // 3 more wanted, only 2 of room: fills 2, triggers, cancels the rest.
    let placed = ex.create_order(&grouped, 2_000).unwrap();
    assert_eq!(placed.fill_count, 2 * C);
    assert_eq!(
        ex.order(&resting.order_id, 2_000).unwrap().status,
        types::OrderStatus::Canceled
    );
    assert_eq!(
        ex.create_order(&grouped, 3_000).unwrap_err().code(),
        "order_group_triggered"
    );
    assert!(!ex.group(&group, 3_000).unwrap().is_auto_cancel_enabled);
    ex.reset_group(&group, 3_000).unwrap();
    assert_eq!(ex.create_order(&grouped, 4_000).unwrap().fill_count, 3 * C);
    // The window rolls: 15 s later there is room again.
    ex.create_order(&grouped, 30_000).unwrap();
    ex.delete_group(&group, 30_000).unwrap();
    assert_eq!(ex.group(&group, 30_000).unwrap_err().status(), 404);
}

#[test]
fn expiration_amend_decrease_and_queue() {
    let mut ex = exchange();
    let a = ex.create_order(&order(Side::Bid, 40, 5), 1_000).unwrap();
    let mut b = order(Side::Bid, 40, 3);
    b.expiration_s = Some(10);
    let b = ex.create_order(&b, 1_000).unwrap();
    let c = ex.create_order(&order(Side::Bid, 40, 2), 1_000).unwrap();
    assert_eq!(ex.queue_position(&c.order_id, 1_000).unwrap(), 8 * C);
    // b expires at t = 10 s.
    assert_eq!(ex.queue_position(&c.order_id, 10_000).unwrap(), 5 * C);
    assert_eq!(
        ex.order(&b.order_id, 10_000).unwrap().status,
        types::OrderStatus::Canceled
    );
    // Decreasing keeps priority; increasing loses it.
    let (_, left) = ex
        .decrease_order(&a.order_id, Some(C), None, 11_000)
        .unwrap();
    assert_eq!(left, 4 * C);
    assert_eq!(ex.queue_position(&c.order_id, 11_000).unwrap(), 4 * C);
    let amend = AmendReq {
        ticker: T.into(),
        side: Side::Bid,
        price: 40 * CENT,
        count: 6 * C,
        client_order_id: None,
        updated_client_order_id: None,
        expiration_s: None,
    };
    ex.amend_order(&a.order_id, &amend, 12_000).unwrap();
    assert_eq!(ex.queue_position(&c.order_id, 12_000).unwrap(), 0);
    assert_eq!(ex.queue_position(&a.order_id, 12_000).unwrap(), 2 * C);
    assert_eq!(
        ex.decrease_order(&a.order_id, Some(C), Some(C), 12_000)
            .unwrap_err()
            .code(),
        "invalid_parameters"
    );
    let (_, left) = ex
        .decrease_order(&a.order_id, None, Some(0), 12_000)
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(
        ex.cancel_order(&a.order_id, 12_000).unwrap_err().code(),
        "order_not_resting"
    );
    assert_eq!(ex.cancel_order("nope", 12_000).unwrap_err().status(), 404);
    // Resting value: c's 2 × .40
    assert_eq!(
        ex.resting_order_value(12_000)
            .unwrap()
            .total_resting_order_value,
        80
    );
}

#[test]
fn validation_codes() {
    let mut ex = exchange();
    let mut o = order(Side::Bid, 40, 1);
    o.price = 405_000;
    assert_eq!(ex.create_order(&o, 0).unwrap_err().code(), "invalid_price");
    o.price = ONE;
    assert_eq!(ex.create_order(&o, 0).unwrap_err().code(), "invalid_price");
    let mut o = order(Side::Bid, 40, 0);
    assert_eq!(ex.create_order(&o, 0).unwrap_err().code(), "invalid_count");
    o.count = C;
    o.ticker = "NOPE".into();
    let err = ex.create_order(&o, 0).unwrap_err();
    assert_eq!((err.status(), err.code()), (400, "market_not_found"));
    let mut o = order(Side::Bid, 40, 1);
    o.client_order_id = Some("same".into());
    ex.create_order(&o, 0).unwrap();
    let err = ex.create_order(&o, 0).unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (409, "duplicate_client_order_id")
    );
    assert_eq!(
        ex.create_group(0).unwrap_err().code(),
        "invalid_contracts_limit"
    );
    assert_eq!(ex.user_order_ids().len(), 1);
}

#[test]
fn pagination_cursors_are_stable() {
    let mut ex = exchange();
    ex.add_liquidity(T, Side::Ask, 50 * CENT, 250 * C, 0)
        .unwrap();
    for i in 0..25 {
        ex.create_order(&order(Side::Bid, 50, 1), i).unwrap();
    }
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = ex
            .fills(&FillFilter::default(), 10, cursor.as_deref(), 100)
            .unwrap();
        pages += 1;
        for f in &page.items {
            assert!(seen.insert(f.fill_id.clone()));
        }
        if page.cursor.is_empty() {
            break;
        }
        cursor = Some(page.cursor);
    }
    assert_eq!((seen.len(), pages), (25, 3));
    assert_eq!(
        ex.fills(&FillFilter::default(), 10, Some("garbage"), 0)
            .unwrap_err()
            .code(),
        "invalid_cursor"
    );
}

#[test]
fn wire_drops_names_the_type_lacks_and_refuses_a_missing_required_field() {
    let group: types::OrderGroup = wire(
        types::builder::OrderGroup::default()
            .id("g-1".to_string())
            .is_auto_cancel_enabled(true),
        serde_json::json!({ "a_field_kalshi_removed": 1, "contracts_limit_fp": null }),
    )
    .unwrap();
    assert_eq!(
        (group.id.as_str(), group.is_auto_cancel_enabled),
        ("g-1", true)
    );
    let serialized = serde_json::to_value(&group).unwrap();
    assert!(serialized.get("a_field_kalshi_removed").is_none());
    // `id` is required and unset: a 500 naming it, not a panic.
    let err = wire::<types::OrderGroup, _>(
        types::builder::OrderGroup::default().is_auto_cancel_enabled(true),
        serde_json::json!({}),
    )
    .unwrap_err();
    assert_eq!((err.status(), err.code()), (500, "internal_error"));
    assert!(err.message().contains("id"), "{}", err.message());
}
