//! Offline integration tests of the blocking facade against a local HTTP server.
//!
//! Every test starts its own [`TestServer`] (axum on 127.0.0.1:0), scripts what it
//! answers, makes real calls through [`Client`], and then checks what reached the
//! wire (method, path, query, body, auth headers) and what the caller got back.

mod support;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use kalshi_portfolio::operations;
use kalshi_portfolio::types::{self, BookSide, OrderStatus};
use kalshi_portfolio::{
    AmendOrder, Client, Count, DecreaseOrder, Environment, Error, NewOrder, Page, Result,
    RetryPolicy,
};
use serde_json::{json, Value};
use support::{assert_signed, fixture, PublicKey, RecordedRequest, Reply, TestServer, KEY_ID};

const TICKER: &str = "KXHIGHNY-25NOV26-T60";
const OTHER_TICKER: &str = "KXHIGHNY-25NOV26-T62";
const EVENT: &str = "KXHIGHNY-25NOV26";
const TS_MS: i64 = 1_764_079_391_512;
/// What a generated `client_order_id` is replaced with once checked to be a UUID v4.
const GENERATED_ID: &str = "<generated uuid v4>";

// ---------------------------------------------------------------------------------
// Realistic response bodies (shapes from openapi/portfolio.yaml)
// ---------------------------------------------------------------------------------

fn fill_id(n: usize) -> String {
    format!("fill-{n:04}")
}

fn fill_json(n: usize) -> Value {
    json!({
        "fill_id": fill_id(n),
        "trade_id": format!("trade-{n:04}"),
        "order_id": "ord-7f3c",
        "ticker": TICKER,
        "market_ticker": TICKER,
        "exchange_index": 0,
        "outcome_side": "yes",
        "book_side": "bid",
        "side": "yes",
        "action": "buy",
        "count_fp": "10.00",
        "yes_price_dollars": "0.5600",
        "no_price_dollars": "0.4400",
        "is_taker": true,
        "fee_cost": "0.0700",
        "created_time": "2026-11-25T14:03:11.512Z",
        "subaccount_number": 0,
        "ts": 1_764_079_391,
    })
}

fn order_json(order_id: &str, status: &str) -> Value {
    json!({
        "order_id": order_id,
        "user_id": "user-1d2e",
        "client_order_id": "ladder-1",
        "ticker": TICKER,
        "outcome_side": "yes",
        "book_side": "bid",
        "side": "yes",
        "action": "buy",
        "type": "limit",
        "status": status,
        "yes_price_dollars": "0.5600",
        "no_price_dollars": "0.4400",
        "fill_count_fp": "3.00",
        "remaining_count_fp": "7.00",
        "initial_count_fp": "10.00",
        "taker_fees_dollars": "0.0000",
        "maker_fees_dollars": "0.0200",
        "taker_fill_cost_dollars": "0.0000",
        "maker_fill_cost_dollars": "1.6800",
        "self_trade_prevention_type": "taker_at_cross",
        "created_time": "2026-11-25T14:00:00Z",
        "exchange_index": 0,
    })
}

fn settlement_json(ticker: &str) -> Value {
    json!({
        "ticker": ticker,
        "event_ticker": EVENT,
        "exchange_index": 0,
        "market_result": "yes",
        "yes_count_fp": "10.00",
        "yes_total_cost_dollars": "5.6000",
        "no_count_fp": "0.00",
        "no_total_cost_dollars": "0.0000",
        "revenue": 1000,
        "value": 100,
        "fee_cost": "0.0700",
        "settled_time": "2026-11-26T05:00:00Z",
    })
}

fn balance_json() -> Value {
    json!({
        "balance": 123_456,
        "balance_dollars": "1234.5600",
        "portfolio_value": 98_765,
        "updated_ts": 1_764_079_391,
        "balance_breakdown": [{"exchange_index": 0, "balance": "1234.5600"}],
    })
}

/// A valid order for the batch tests.
fn ladder_order(cents: u32) -> NewOrder {
    NewOrder::new(TICKER)
        .buy_yes()
        .price(format!("0.{cents:02}"))
        .count(1)
}

// ---------------------------------------------------------------------------------
// 1. Every facade method, once: wire shape, auth, typed result
// ---------------------------------------------------------------------------------

/// The 20 operations of DESIGN.md section 2.
const DESIGN_METHODS: [&str; 20] = [
    "amend_order",
    "batch_cancel_orders",
    "batch_create_orders",
    "cancel_order",
    "create_order",
    "create_order_group",
    "decrease_order",
    "delete_order_group",
    "get_balance",
    "get_fills",
    "get_order",
    "get_order_group",
    "get_order_groups",
    "get_order_queue_position",
    "get_orders",
    "get_positions",
    "get_queue_positions",
    "get_settlements",
    "get_total_resting_order_value",
    "reset_order_group",
];

/// One facade method called once with realistic arguments, the request it must send
/// and the answer Kalshi gives.
struct Scenario {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    query: &'static [(&'static str, &'static str)],
    /// The JSON body expected on the wire, generated ids replaced by [`GENERATED_ID`].
    body: fn() -> Option<Value>,
    /// What the server answers (it sees the request, so it can echo ids).
    reply: fn(&RecordedRequest) -> Reply,
    /// The call, with assertions on the typed result.
    call: fn(&Client),
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "amend_order",
            method: "POST",
            path: "/trade-api/v2/portfolio/events/orders/ord-7f3c/amend",
            query: &[],
            body: || {
                Some(json!({
                    "ticker": TICKER, "side": "ask", "price": "0.7000", "count": "12.00",
                    "client_order_id": "ladder-1", "updated_client_order_id": "ladder-1b",
                }))
            },
            reply: |_| {
                Reply::json(
                    200,
                    &json!({
                        "order_id": "ord-7f3c", "client_order_id": "ladder-1b",
                        "fill_count": "2.00", "remaining_count": "10.00",
                        "average_fill_price": "0.7000", "ts_ms": TS_MS,
                    }),
                )
            },
            call: |client| {
                // Buying NO at 30¢ is an ask at 70¢ on the YES book.
                let amend = AmendOrder::new(TICKER)
                    .buy_no()
                    .price("0.30")
                    .count(12)
                    .client_order_id("ladder-1")
                    .updated_client_order_id("ladder-1b");
                let amended = client.amend_order("ord-7f3c", &amend).expect("amend_order");
                assert_eq!(amended.order_id, "ord-7f3c");
                assert_eq!(amended.client_order_id.as_deref(), Some("ladder-1b"));
                assert_eq!(text(amended.remaining_count), "10.00");
                assert_eq!(text(amended.average_fill_price), "0.7000");
            },
        },
        Scenario {
            name: "batch_cancel_orders",
            method: "DELETE",
            path: "/trade-api/v2/portfolio/events/orders/batched",
            query: &[],
            body: || Some(json!({"orders": [{"order_id": "ord-7f3c"}, {"order_id": "ord-8a01"}]})),
            reply: |_| {
                Reply::json(
                    200,
                    &json!({"orders": [
                        {"order_id": "ord-7f3c", "client_order_id": "ladder-1",
                         "reduced_by": "7.00", "ts_ms": TS_MS},
                        {"order_id": "ord-8a01", "reduced_by": "0.00",
                         "error": {"code": "not_found", "message": "order not found"}},
                    ]}),
                )
            },
            call: |client| {
                let results = client
                    .batch_cancel_orders(["ord-7f3c", "ord-8a01"])
                    .expect("batch_cancel_orders");
                assert_eq!(results.len(), 2);
                assert_eq!(results[0].reduced_by.to_string(), "7.00");
                assert!(results[0].error.is_none());
                let error = results[1].error.as_ref().expect("per-order error");
                assert_eq!(error.code.as_deref(), Some("not_found"));
            },
        },
        Scenario {
            name: "batch_create_orders",
            method: "POST",
            path: "/trade-api/v2/portfolio/events/orders/batched",
            query: &[],
            body: || {
                Some(json!({"orders": [
                    {"ticker": TICKER, "side": "ask", "price": "0.7000", "count": "5.00",
                     "time_in_force": "good_till_canceled",
                     "self_trade_prevention_type": "taker_at_cross",
                     "client_order_id": GENERATED_ID},
                    {"ticker": TICKER, "side": "bid", "price": "0.4100", "count": "2.50",
                     "time_in_force": "good_till_canceled",
                     "self_trade_prevention_type": "taker_at_cross",
                     "post_only": true, "client_order_id": GENERATED_ID},
                ]}))
            },
            reply: |request| {
                let sent = request.json().unwrap_or_default();
                let id = |i: usize| sent["orders"][i]["client_order_id"].clone();
                Reply::json(
                    201,
                    &json!({"orders": [
                        {"order_id": "ord-9b10", "client_order_id": id(0), "fill_count": "0.00",
                         "remaining_count": "5.00", "ts_ms": TS_MS},
                        {"client_order_id": id(1),
                         "error": {"code": "market_closed", "message": "market is closed"}},
                    ]}),
                )
            },
            call: |client| {
                let orders = [
                    NewOrder::new(TICKER).buy_no().price("0.30").count(5),
                    NewOrder::new(TICKER)
                        .bid()
                        .price("0.41")
                        .count("2.5")
                        .post_only(true),
                ];
                let results = client
                    .batch_create_orders(&orders)
                    .expect("batch_create_orders");
                assert_eq!(results.len(), 2);
                assert_eq!(results[0].order_id.as_deref(), Some("ord-9b10"));
                assert_eq!(text(results[0].remaining_count), "5.00");
                let error = results[1].error.as_ref().expect("per-order error");
                assert_eq!(error.code.as_deref(), Some("market_closed"));
                let first = results[0].client_order_id.clone().unwrap_or_default();
                let second = results[1].client_order_id.clone().unwrap_or_default();
                assert!(
                    is_uuid_v4(&first) && is_uuid_v4(&second),
                    "{first} {second}"
                );
                assert_ne!(first, second, "every order of a batch gets its own id");
            },
        },
        Scenario {
            name: "cancel_all_orders",
            method: "DELETE",
            path: "/trade-api/v2/portfolio/events/orders",
            query: &[],
            body: || None,
            reply: |_| Reply::empty(204),
            call: |client| client.cancel_all_orders().expect("cancel_all_orders"),
        },
        Scenario {
            name: "cancel_order",
            method: "DELETE",
            path: "/trade-api/v2/portfolio/events/orders/ord-7f3c",
            query: &[],
            body: || None,
            reply: |_| {
                Reply::json(
                    200,
                    &json!({"order_id": "ord-7f3c", "client_order_id": "ladder-1",
                            "reduced_by": "7.00", "ts_ms": TS_MS}),
                )
            },
            call: |client| {
                let canceled = client.cancel_order("ord-7f3c").expect("cancel_order");
                assert_eq!(canceled.order_id, "ord-7f3c");
                assert_eq!(canceled.reduced_by.to_string(), "7.00");
                assert_eq!(canceled.ts_ms, TS_MS);
            },
        },
        Scenario {
            name: "create_order",
            method: "POST",
            path: "/trade-api/v2/portfolio/events/orders",
            query: &[],
            body: || {
                Some(json!({
                    "ticker": TICKER, "side": "bid", "price": "0.5600", "count": "10.00",
                    "time_in_force": "good_till_canceled",
                    "self_trade_prevention_type": "taker_at_cross",
                    "client_order_id": GENERATED_ID,
                }))
            },
            reply: |request| {
                let sent = request.json().unwrap_or_default();
                Reply::json(
                    201,
                    &json!({
                        "order_id": "ord-7f3c", "client_order_id": sent["client_order_id"],
                        "fill_count": "0.00", "remaining_count": "10.00", "ts_ms": TS_MS,
                    }),
                )
            },
            call: |client| {
                let order = NewOrder::new(TICKER).buy_yes().price("0.56").count(10);
                let placed = client.create_order(&order).expect("create_order");
                assert_eq!(placed.order_id, "ord-7f3c");
                assert_eq!(placed.fill_count.to_string(), "0.00");
                assert_eq!(placed.remaining_count.to_string(), "10.00");
                let id = placed.client_order_id.unwrap_or_default();
                assert!(is_uuid_v4(&id), "client_order_id {id:?}");
            },
        },
        Scenario {
            name: "create_order_group",
            method: "POST",
            path: "/trade-api/v2/portfolio/order_groups/create",
            query: &[],
            // exchange_index holds the spec's default (0), so it is not sent.
            body: || Some(json!({"contracts_limit_fp": "50.00"})),
            reply: |_| {
                Reply::json(
                    201,
                    &json!({"order_group_id": "og-31a", "subaccount": 0, "exchange_index": 0}),
                )
            },
            call: |client| {
                let limit = Count::from_whole(50).expect("fits");
                let group = client
                    .create_order_group(limit)
                    .expect("create_order_group");
                assert_eq!(group.order_group_id, "og-31a");
                assert_eq!(group.subaccount, 0);
            },
        },
        Scenario {
            name: "decrease_order",
            method: "POST",
            path: "/trade-api/v2/portfolio/events/orders/ord-7f3c/decrease",
            query: &[],
            body: || Some(json!({"reduce_by": "3.00"})),
            reply: |_| {
                Reply::json(
                    200,
                    &json!({"order_id": "ord-7f3c", "client_order_id": "ladder-1",
                            "remaining_count": "4.00", "ts_ms": TS_MS}),
                )
            },
            call: |client| {
                let decreased = client
                    .decrease_order("ord-7f3c", &DecreaseOrder::new().reduce_by(3))
                    .expect("decrease_order");
                assert_eq!(decreased.remaining_count.to_string(), "4.00");
            },
        },
        Scenario {
            name: "delete_order_group",
            method: "DELETE",
            path: "/trade-api/v2/portfolio/order_groups/og-31a",
            query: &[],
            body: || None,
            reply: |_| Reply::json(200, &json!({})),
            call: |client| {
                client
                    .delete_order_group("og-31a")
                    .expect("delete_order_group")
            },
        },
        Scenario {
            name: "get_balance",
            method: "GET",
            path: "/trade-api/v2/portfolio/balance",
            query: &[],
            body: || None,
            reply: |_| Reply::json(200, &balance_json()),
            call: |client| {
                let balance = client.get_balance().expect("get_balance");
                assert_eq!(balance.balance, 123_456);
                assert_eq!(balance.portfolio_value, 98_765);
                assert_eq!(balance.balance_dollars.to_string(), "1234.5600");
                assert_eq!(balance.balance_dollars.to_cents_exact(), Some(123_456));
                assert_eq!(balance.balance_breakdown.len(), 1);
            },
        },
        Scenario {
            name: "get_fills",
            method: "GET",
            path: "/trade-api/v2/portfolio/fills",
            query: &[("ticker", TICKER), ("min_ts", "1764000000"), ("limit", "2")],
            body: || None,
            reply: |_| {
                Reply::json(
                    200,
                    &json!({"fills": [fill_json(1), fill_json(2)], "cursor": "Y3Vyc29yOjI="}),
                )
            },
            call: |client| {
                let page = client
                    .get_fills()
                    .ticker(TICKER)
                    .min_ts(1_764_000_000)
                    .limit(2)
                    .send()
                    .expect("get_fills");
                assert_eq!(page.cursor.as_deref(), Some("Y3Vyc29yOjI="));
                assert_eq!(page.items.len(), 2);
                let fill = &page.items[0];
                assert_eq!(fill.fill_id, "fill-0001");
                assert_eq!(fill.book_side, BookSide::Bid);
                assert_eq!(fill.count_fp.to_string(), "10.00");
                assert_eq!(fill.yes_price_dollars.to_string(), "0.5600");
                assert_eq!(fill.fee_cost.to_string(), "0.0700");
            },
        },
        Scenario {
            name: "get_order",
            method: "GET",
            path: "/trade-api/v2/portfolio/orders/ord-7f3c",
            query: &[],
            body: || None,
            reply: |_| Reply::json(200, &json!({"order": order_json("ord-7f3c", "resting")})),
            call: |client| {
                let order = client.get_order("ord-7f3c").expect("get_order");
                assert_eq!(order.order_id, "ord-7f3c");
                assert_eq!(order.status, OrderStatus::Resting);
                assert_eq!(order.remaining_count_fp.to_string(), "7.00");
                assert_eq!(order.yes_price_dollars.to_string(), "0.5600");
            },
        },
        Scenario {
            name: "get_order_group",
            method: "GET",
            path: "/trade-api/v2/portfolio/order_groups/og-31a",
            query: &[],
            body: || None,
            reply: |_| {
                Reply::json(
                    200,
                    &json!({"is_auto_cancel_enabled": true, "orders": ["ord-7f3c", "ord-8a01"],
                            "contracts_limit_fp": "50.00", "exchange_index": 0}),
                )
            },
            call: |client| {
                let group = client.get_order_group("og-31a").expect("get_order_group");
                assert!(group.is_auto_cancel_enabled);
                assert_eq!(group.orders, ["ord-7f3c", "ord-8a01"]);
                assert_eq!(text(group.contracts_limit_fp), "50.00");
            },
        },
        Scenario {
            name: "get_order_groups",
            method: "GET",
            path: "/trade-api/v2/portfolio/order_groups",
            query: &[],
            body: || None,
            reply: |_| {
                Reply::json(
                    200,
                    &json!({"order_groups": [{"id": "og-31a", "is_auto_cancel_enabled": false,
                                              "contracts_limit_fp": "50.00", "exchange_index": 0}]}),
                )
            },
            call: |client| {
                let groups = client.get_order_groups().expect("get_order_groups");
                assert_eq!(groups.len(), 1);
                assert_eq!(groups[0].id, "og-31a");
                assert_eq!(text(groups[0].contracts_limit_fp), "50.00");
            },
        },
        Scenario {
            name: "get_order_queue_position",
            method: "GET",
            path: "/trade-api/v2/portfolio/orders/ord-7f3c/queue_position",
            query: &[],
            body: || None,
            reply: |_| Reply::json(200, &json!({"queue_position_fp": "25.00"})),
            call: |client| {
                let ahead = client
                    .get_order_queue_position("ord-7f3c")
                    .expect("get_order_queue_position");
                assert_eq!(ahead.to_string(), "25.00");
            },
        },
        Scenario {
            name: "get_orders",
            method: "GET",
            path: "/trade-api/v2/portfolio/orders",
            query: &[("ticker", TICKER), ("status", "resting"), ("limit", "100")],
            body: || None,
            reply: |_| {
                Reply::json(
                    200,
                    &json!({"orders": [order_json("ord-7f3c", "resting")], "cursor": ""}),
                )
            },
            call: |client| {
                let page = client
                    .get_orders()
                    .ticker(TICKER)
                    .status("resting")
                    .limit(100)
                    .send()
                    .expect("get_orders");
                assert_eq!(page.cursor, None, "an empty cursor means the last page");
                assert!(!page.has_more());
                assert_eq!(page.items.len(), 1);
                assert_eq!(page.items[0].initial_count_fp.to_string(), "10.00");
            },
        },
        Scenario {
            name: "get_positions",
            method: "GET",
            path: "/trade-api/v2/portfolio/positions",
            query: &[
                ("count_filter", "position"),
                ("settlement_status", "unsettled"),
                ("limit", "50"),
            ],
            body: || None,
            reply: |_| {
                Reply::json(
                    200,
                    &json!({
                        "market_positions": [{
                            "ticker": TICKER, "exchange_index": 0, "position_fp": "-3.00",
                            "market_exposure_dollars": "1.3200",
                            "total_traded_dollars": "5.6000",
                            "realized_pnl_dollars": "-0.4200", "fees_paid_dollars": "0.0700",
                            "last_updated_ts": "2026-11-25T14:03:11Z",
                        }],
                        "event_positions": [{
                            "event_ticker": EVENT, "event_exposure_dollars": "1.3200",
                            "total_cost_dollars": "1.3200", "total_cost_shares_fp": "3.00",
                            "realized_pnl_dollars": "-0.4200", "fees_paid_dollars": "0.0700",
                        }],
                        "cursor": "cG9zOjE=",
                    }),
                )
            },
            call: |client| {
                let page = client
                    .get_positions()
                    .count_filter("position")
                    .settlement_status(types::GetPositionsSettlementStatus::Unsettled)
                    .limit(50)
                    .send()
                    .expect("get_positions");
                assert_eq!(page.cursor.as_deref(), Some("cG9zOjE="));
                assert_eq!(
                    page.items.len(),
                    2,
                    "market positions, then event positions"
                );
                let market = page.items[0].as_market().expect("market position first");
                assert_eq!(market.position_fp.to_string(), "-3.00");
                assert_eq!(market.realized_pnl_dollars.to_string(), "-0.4200");
                let event = page.items[1].as_event().expect("event position second");
                assert_eq!(event.event_ticker, EVENT);
            },
        },
        Scenario {
            name: "get_queue_positions",
            method: "GET",
            path: "/trade-api/v2/portfolio/orders/queue_positions",
            query: &[(
                "market_tickers",
                "KXHIGHNY-25NOV26-T60,KXHIGHNY-25NOV26-T62",
            )],
            body: || None,
            reply: |_| {
                Reply::json(
                    200,
                    &json!({"queue_positions": [{"order_id": "ord-7f3c", "market_ticker": TICKER,
                                                 "queue_position_fp": "25.00"}]}),
                )
            },
            call: |client| {
                let positions = client
                    .get_queue_positions()
                    .market_tickers([TICKER, OTHER_TICKER])
                    .send()
                    .expect("get_queue_positions");
                assert_eq!(positions.len(), 1);
                assert_eq!(positions[0].order_id, "ord-7f3c");
                assert_eq!(positions[0].queue_position_fp.to_string(), "25.00");
            },
        },
        Scenario {
            name: "get_settlements",
            method: "GET",
            path: "/trade-api/v2/portfolio/settlements",
            query: &[("event_ticker", EVENT), ("limit", "20")],
            body: || None,
            reply: |_| {
                Reply::json(
                    200,
                    &json!({"settlements": [settlement_json(TICKER)], "cursor": ""}),
                )
            },
            call: |client| {
                let page = client
                    .get_settlements()
                    .event_ticker(EVENT)
                    .limit(20)
                    .send()
                    .expect("get_settlements");
                assert_eq!(page.cursor, None);
                let settlement = &page.items[0];
                assert_eq!(settlement.revenue, 1000);
                assert_eq!(settlement.market_result, types::SettlementMarketResult::Yes);
                assert_eq!(settlement.yes_total_cost_dollars.to_string(), "5.6000");
            },
        },
        Scenario {
            name: "get_total_resting_order_value",
            method: "GET",
            path: "/trade-api/v2/portfolio/summary/total_resting_order_value",
            query: &[],
            body: || None,
            reply: |_| {
                Reply::json(
                    200,
                    &json!({"total_resting_order_value": 4200,
                            "resting_order_value_breakdown": [{"exchange_index": 0,
                                                               "balance": "42.0000"}]}),
                )
            },
            call: |client| {
                let value = client
                    .get_total_resting_order_value()
                    .expect("get_total_resting_order_value");
                assert_eq!(value.total_resting_order_value, 4200);
                let shard = &value.resting_order_value_breakdown[0];
                assert_eq!(shard.balance.to_string(), "42.0000");
            },
        },
        Scenario {
            name: "reset_order_group",
            method: "PUT",
            path: "/trade-api/v2/portfolio/order_groups/og-31a/reset",
            query: &[],
            body: || Some(json!({})),
            reply: |_| Reply::json(200, &json!({})),
            call: |client| {
                client
                    .reset_order_group("og-31a")
                    .expect("reset_order_group")
            },
        },
    ]
}

/// The display text of an optional money value (`"-"` when absent).
fn text(value: Option<impl std::fmt::Display>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn is_uuid_v4(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok_and(|id| id.get_version_num() == 4)
}

/// Replace every `client_order_id` that is a UUID v4 by [`GENERATED_ID`]; any other id
/// (a non-UUID, or a caller's own id) stays as sent and so fails a comparison against
/// [`GENERATED_ID`].
fn blank_generated_ids(mut value: Value) -> Value {
    match &mut value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if key == "client_order_id" && field.as_str().is_some_and(is_uuid_v4) {
                    *field = json!(GENERATED_ID);
                } else {
                    *field = blank_generated_ids(field.take());
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                *item = blank_generated_ids(item.take());
            }
        }
        _ => {}
    }
    value
}

fn sorted_pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    pairs.sort();
    pairs
}

/// The wire shape of a request, for the snapshot.
fn wire(request: &RecordedRequest) -> Value {
    let query: serde_json::Map<String, Value> = request
        .query_pairs()
        .into_iter()
        .map(|(key, value)| (key, Value::String(value)))
        .collect();
    json!({
        "method": request.method,
        "path": request.path,
        "query": query,
        "body": request.json(),
    })
}

fn scenario(name: &str) -> Scenario {
    scenarios()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}

/// Run one scenario against a fresh server and check the request it sent.
fn check_scenario(name: &str) {
    let scenario = scenario(name);
    let server = TestServer::start(scenario.reply);
    (scenario.call)(&server.client());

    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{name}: exactly one request");
    let request = &requests[0];
    assert_eq!(request.method, scenario.method, "{name}: HTTP method");
    assert_eq!(request.path, scenario.path, "{name}: wire path");
    assert_eq!(
        request.query_pairs(),
        sorted_pairs(scenario.query),
        "{name}: query"
    );
    assert_eq!(
        request.json().map(blank_generated_ids),
        (scenario.body)(),
        "{name}: JSON body"
    );
    assert_signed(request, &PublicKey::rsa());
}

macro_rules! scenario_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check_scenario(stringify!($name));
            }
        )*
    };
}

/// One test per facade method, named after it.
mod each_method_sends_the_documented_request_and_decodes_the_answer {
    use super::check_scenario;

    scenario_tests!(
        amend_order,
        batch_cancel_orders,
        batch_create_orders,
        cancel_all_orders,
        cancel_order,
        create_order,
        create_order_group,
        decrease_order,
        delete_order_group,
        get_balance,
        get_fills,
        get_order,
        get_order_group,
        get_order_groups,
        get_order_queue_position,
        get_orders,
        get_positions,
        get_queue_positions,
        get_settlements,
        get_total_resting_order_value,
        reset_order_group,
    );
}

#[test]
fn wire_shape_of_every_facade_method_matches_the_snapshot() {
    let scenarios = scenarios();
    let routes: Vec<_> = scenarios
        .iter()
        .map(|s| (s.method, s.path, s.reply))
        .collect();
    let server = TestServer::start(move |request| {
        routes
            .iter()
            .find(|(method, path, _)| *method == request.method && *path == request.path)
            .map_or_else(
                || Reply::json(404, &json!({"code": "not_found", "message": "no route"})),
                |(_, _, reply)| reply(request),
            )
    });
    let client = server.client();

    let mut table = serde_json::Map::new();
    for scenario in &scenarios {
        let before = server.request_count();
        (scenario.call)(&client);
        let requests = server.requests();
        assert_eq!(requests.len(), before + 1, "{}: one request", scenario.name);
        table.insert(scenario.name.to_string(), wire(&requests[before]));
    }
    for name in DESIGN_METHODS {
        assert!(table.contains_key(name), "{name} is missing from the table");
    }
    insta::assert_json_snapshot!("facade_wire_shape", table, {
        ".create_order.body.client_order_id" => "[generated uuid]",
        ".batch_create_orders.body.orders[].client_order_id" => "[generated uuid]",
    });
}

#[test]
fn create_order_reports_the_client_order_id_it_sent_when_the_answer_omits_it() {
    let server = TestServer::start(|_| {
        Reply::json(
            201,
            &json!({"order_id": "ord-7f3c", "fill_count": "0.00",
                    "remaining_count": "10.00", "ts_ms": TS_MS}),
        )
    });
    let placed = server
        .client()
        .create_order(&NewOrder::new(TICKER).buy_yes().price("0.56").count(10))
        .expect("create_order");
    let sent = server.requests()[0].json().expect("body")["client_order_id"].clone();
    assert_eq!(placed.client_order_id.map(Value::String), Some(sent));
}

#[test]
fn a_callers_own_client_order_id_is_sent_unchanged() {
    let server = TestServer::start(|_| {
        Reply::json(
            201,
            &json!({"order_id": "ord-7f3c", "client_order_id": "nightly-42",
                    "fill_count": "0.00", "remaining_count": "10.00", "ts_ms": TS_MS}),
        )
    });
    let order = NewOrder::new(TICKER)
        .sell_no()
        .price("0.44")
        .count(10)
        .client_order_id("nightly-42");
    server.client().create_order(&order).expect("create_order");
    let body = server.requests()[0].json().expect("body");
    assert_eq!(body["client_order_id"], "nightly-42");
    // Selling NO at 44¢ is a bid at 56¢ on the YES book.
    assert_eq!(body["side"], "bid");
    assert_eq!(body["price"], "0.5600");
}

#[test]
fn trigger_order_group_sends_an_empty_object() {
    // Not one of the 20, but it shares reset's generated `{}` body.
    let server = TestServer::start(|_| Reply::json(200, &json!({})));
    server
        .client()
        .trigger_order_group("og-31a")
        .expect("trigger_order_group");
    let request = &server.requests()[0];
    assert_eq!(request.method, "PUT");
    assert_eq!(
        request.path,
        "/trade-api/v2/portfolio/order_groups/og-31a/trigger"
    );
    assert_eq!(request.json(), Some(json!({})));
    assert_signed(request, &PublicKey::rsa());
}

// ---------------------------------------------------------------------------------
// 2–3. Signing
// ---------------------------------------------------------------------------------

fn balance_server() -> TestServer {
    TestServer::start(|_| Reply::json(200, &balance_json()))
}

fn ed25519_client(server: &TestServer) -> Client {
    server
        .client_builder()
        .private_key_pem(fixture("ed25519-pkcs8.pem"))
        .build()
        .expect("Ed25519 client")
}

#[test]
fn ed25519_key_signs_requests_that_verify_with_ed25519_dalek() {
    let server = balance_server();
    ed25519_client(&server).get_balance().expect("get_balance");
    let request = &server.requests()[0];
    assert_signed(request, &PublicKey::ed25519());
    assert!(!support::signature_covers(
        request,
        &PublicKey::rsa(),
        &request.path
    ));
}

#[test]
fn rsa_pkcs8_key_signs_like_the_pkcs1_form() {
    let server = balance_server();
    let client = server
        .client_builder()
        .private_key_pem(fixture("rsa-pkcs8.pem"))
        .build()
        .expect("PKCS#8 client");
    client.get_balance().expect("get_balance");
    assert_signed(&server.requests()[0], &PublicKey::rsa());
}

#[test]
fn signature_covers_the_percent_encoded_wire_path() {
    let server =
        TestServer::start(|_| Reply::json(200, &json!({"order": order_json("a/b c", "resting")})));
    let order = server.client().get_order("a/b c").expect("get_order");
    assert_eq!(order.order_id, "a/b c");

    let request = &server.requests()[0];
    assert_eq!(request.path, "/trade-api/v2/portfolio/orders/a%2Fb%20c");
    assert_signed(request, &PublicKey::rsa());
    let rsa = PublicKey::rsa();
    assert!(!support::signature_covers(
        request,
        &rsa,
        "/trade-api/v2/portfolio/orders/a/b c"
    ));
    assert!(!support::signature_covers(
        request,
        &rsa,
        "/portfolio/orders/a%2Fb%20c"
    ));
}

#[test]
fn signature_covers_the_path_without_the_query() {
    let server = TestServer::start(|_| Reply::json(200, &json!({"fills": [], "cursor": ""})));
    server
        .client()
        .get_fills()
        .ticker(TICKER)
        .limit(5)
        .send()
        .expect("get_fills");

    let request = &server.requests()[0];
    assert_eq!(
        request.query_pairs(),
        sorted_pairs(&[("ticker", TICKER), ("limit", "5")])
    );
    assert_signed(request, &PublicKey::rsa());
    let with_query = format!(
        "{}?{}",
        request.path,
        request.query.as_deref().unwrap_or("")
    );
    assert!(!support::signature_covers(
        request,
        &PublicKey::rsa(),
        &with_query
    ));
}

#[test]
fn every_request_is_signed_afresh() {
    // Ed25519 signatures are deterministic, so a different signature over the same
    // method and path can only come from a fresh timestamp.
    let server = balance_server();
    let client = ed25519_client(&server);
    client.get_balance().expect("first call");
    std::thread::sleep(Duration::from_millis(3));
    client.get_balance().expect("second call");

    let requests = server.requests();
    let auth = |r: &RecordedRequest| {
        let timestamp: u64 = r
            .header("KALSHI-ACCESS-TIMESTAMP")
            .and_then(|t| t.parse().ok())
            .expect("timestamp");
        let signature = r.header("KALSHI-ACCESS-SIGNATURE").map(str::to_string);
        (timestamp, signature)
    };
    let (first_ts, first_sig) = auth(&requests[0]);
    let (second_ts, second_sig) = auth(&requests[1]);
    assert!(
        second_ts > first_ts,
        "timestamps {first_ts} then {second_ts}"
    );
    assert_ne!(first_sig, second_sig);
    for request in &requests {
        assert_signed(request, &PublicKey::ed25519());
    }
}

// ---------------------------------------------------------------------------------
// 4. Pagination
// ---------------------------------------------------------------------------------

/// A server holding `total` fills, served by `limit` (default 100) and an opaque
/// cursor; the last page's cursor is `""`.
fn fills_server(total: usize) -> TestServer {
    TestServer::start(move |request| {
        let start = match request.query_param("cursor") {
            None => 0,
            Some(cursor) => match cursor.strip_prefix("after-").map(str::parse::<usize>) {
                Some(Ok(start)) => start,
                _ => {
                    return Reply::json(
                        400,
                        &json!({"code": "invalid_cursor", "message": "bad cursor"}),
                    )
                }
            },
        };
        let limit: usize = request
            .query_param("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(100);
        let end = (start + limit).min(total);
        let cursor = if end < total {
            format!("after-{end}")
        } else {
            String::new()
        };
        let fills: Vec<Value> = (start..end).map(fill_json).collect();
        Reply::json(200, &json!({"fills": fills, "cursor": cursor}))
    })
}

fn cursors_sent(server: &TestServer) -> Vec<Option<String>> {
    server
        .requests()
        .iter()
        .map(|r| r.query_param("cursor"))
        .collect()
}

fn some(text: &str) -> Option<String> {
    Some(text.to_string())
}

#[test]
fn iter_walks_every_fill_once_in_order_following_each_cursor() {
    let server = fills_server(450);
    let fills: Vec<types::Fill> = server
        .client()
        .get_fills()
        .limit(200)
        .iter()
        .collect::<Result<_>>()
        .expect("walk");

    let ids: Vec<String> = fills.iter().map(|f| f.fill_id.clone()).collect();
    assert_eq!(ids.len(), 450);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        450,
        "no duplicates"
    );
    assert_eq!(ids, (0..450).map(fill_id).collect::<Vec<_>>(), "in order");
    assert_eq!(
        cursors_sent(&server),
        [None, some("after-200"), some("after-400")]
    );
    assert!(server
        .requests()
        .iter()
        .all(|r| r.query_param("limit").as_deref() == Some("200")));
}

#[test]
fn pages_expose_each_pages_cursor() {
    let server = fills_server(450);
    let pages: Vec<Page<types::Fill>> = server
        .client()
        .get_fills()
        .limit(200)
        .pages()
        .collect::<Result<_>>()
        .expect("walk");
    let shape: Vec<(usize, Option<String>)> = pages
        .iter()
        .map(|p| (p.items.len(), p.cursor.clone()))
        .collect();
    assert_eq!(
        shape,
        [
            (200, some("after-200")),
            (200, some("after-400")),
            (50, None)
        ]
    );
}

#[test]
fn send_fetches_one_page_with_its_cursor() {
    let server = fills_server(450);
    let page = server.client().get_fills().limit(200).send().expect("page");
    assert_eq!(page.items.len(), 200);
    assert_eq!(page.cursor, some("after-200"));
    assert!(page.has_more());
    assert_eq!(cursors_sent(&server), [None]);
}

#[test]
fn cursor_resumes_a_walk_from_the_middle() {
    let server = fills_server(450);
    let fills: Vec<types::Fill> = server
        .client()
        .get_fills()
        .limit(200)
        .cursor("after-200")
        .iter()
        .collect::<Result<_>>()
        .expect("walk");
    assert_eq!(fills.len(), 250);
    assert_eq!(fills[0].fill_id, fill_id(200));
    assert_eq!(fills[249].fill_id, fill_id(449));
    assert_eq!(
        cursors_sent(&server),
        [some("after-200"), some("after-400")]
    );
}

#[test]
fn max_pages_stops_the_walk_early() {
    let server = fills_server(450);
    let client = server.client();
    let fills = client.get_fills().limit(200).max_pages(1).iter().count();
    assert_eq!(fills, 200);
    assert_eq!(server.request_count(), 1);

    let pages: Vec<_> = client.get_fills().limit(200).max_pages(1).pages().collect();
    assert_eq!(pages.len(), 1);
    let last = pages[0].as_ref().expect("page");
    assert_eq!(last.cursor, some("after-200"), "where to resume");
}

#[test]
fn a_repeated_cursor_ends_the_walk_with_a_pagination_error() {
    // Cursor A leads to B, and B back to A: following it would loop forever.
    let server = TestServer::start(|request| {
        let (n, next) = match request.query_param("cursor").as_deref() {
            None => (0, "A"),
            Some("A") => (1, "B"),
            _ => (2, "A"),
        };
        Reply::json(200, &json!({"fills": [fill_json(n)], "cursor": next}))
    });
    let mut pages = server.client().get_fills().pages();
    for expected in [fill_id(0), fill_id(1), fill_id(2)] {
        let page = pages.next().expect("a page").expect("not an error yet");
        assert_eq!(page.items[0].fill_id, expected);
    }
    let error = pages
        .next()
        .expect("an error")
        .expect_err("repeated cursor");
    assert!(
        matches!(&error, Error::Pagination { operation, .. } if *operation == "get_fills"),
        "{error:?}"
    );
    assert!(error.to_string().contains("\"A\""), "{error}");
    assert!(pages.next().is_none(), "the walk is over");
    assert_eq!(cursors_sent(&server), [None, some("A"), some("B")]);
}

#[test]
fn an_absent_cursor_ends_the_walk() {
    // `cursor` is optional in the settlements response: the last page may omit it.
    let server = TestServer::start(|request| match request.query_param("cursor") {
        None => Reply::json(
            200,
            &json!({"settlements": [settlement_json(TICKER)], "cursor": "set-2"}),
        ),
        Some(_) => Reply::json(
            200,
            &json!({"settlements": [settlement_json(OTHER_TICKER)]}),
        ),
    });
    let settlements: Vec<types::Settlement> = server
        .client()
        .get_settlements()
        .iter()
        .collect::<Result<_>>()
        .expect("walk");
    let tickers: Vec<&str> = settlements.iter().map(|s| s.ticker.as_str()).collect();
    assert_eq!(tickers, [TICKER, OTHER_TICKER]);
    assert_eq!(cursors_sent(&server), [None, some("set-2")]);
}

#[test]
fn a_limit_outside_1_to_1000_is_rejected_before_sending() {
    let server = fills_server(10);
    let client = server.client();
    for limit in [0, 1001] {
        let errors = [
            client.get_fills().limit(limit).send().map(drop),
            client
                .get_fills()
                .limit(limit)
                .iter()
                .next()
                .expect("error")
                .map(drop),
            client
                .get_fills()
                .limit(limit)
                .pages()
                .next()
                .expect("error")
                .map(drop),
        ];
        for error in errors {
            assert_eq!(invalid_field(error), "limit", "limit({limit})");
        }
        let mut walk = client.get_fills().limit(limit).iter();
        assert!(walk.next().is_some_and(|item| item.is_err()));
        assert!(walk.next().is_none(), "the walk ends after the error");
    }
    assert_eq!(server.request_count(), 0);
}

// ---------------------------------------------------------------------------------
// 5. Errors
// ---------------------------------------------------------------------------------

/// A client of `server` that never retries, so a test sees the first failure as is.
fn single_attempt(server: &TestServer) -> Client {
    server
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client")
}

/// Start a server that answers `reply` to everything, make one call, return its error.
fn error_of<T: std::fmt::Debug>(reply: Reply, call: impl FnOnce(&Client) -> Result<T>) -> Error {
    let server = TestServer::start(move |_| reply.clone());
    let error = call(&single_attempt(&server)).expect_err("the call must fail");
    assert!(
        server.request_count() >= 1,
        "the request reached the server"
    );
    error
}

fn api(error: &Error) -> &kalshi_portfolio::ApiError {
    error
        .api()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"))
}

#[test]
fn flat_error_body_keeps_code_message_and_details() {
    let error = error_of(
        Reply::json(
            400,
            &json!({"code": "insufficient_balance", "message": "not enough funds",
                    "details": "needs $5.60"}),
        ),
        |c| c.create_order(&NewOrder::new(TICKER).buy_yes().price("0.56").count(10)),
    );
    let api = api(&error);
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.code(), Some("insufficient_balance"));
    assert_eq!(api.message.as_deref(), Some("not enough funds"));
    assert_eq!(api.details.as_deref(), Some("needs $5.60"));
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "create_order: Kalshi answered 400 [insufficient_balance]: not enough funds (needs $5.60)"
    );
}

#[test]
fn wrapped_error_body_is_unwrapped() {
    let error = error_of(
        Reply::json(
            404,
            &json!({"error": {"code": "not_found", "message": "order not found", "details": ""}}),
        ),
        |c| c.get_order("ord-gone"),
    );
    assert_eq!(error.status(), Some(404));
    assert_eq!(error.code(), Some("not_found"));
    assert_eq!(api(&error).message.as_deref(), Some("order not found"));
    assert!(!error.is_retryable());
}

#[test]
fn error_object_in_a_200_is_an_api_error() {
    let error = error_of(
        Reply::json(
            200,
            &json!({"code": "exchange_closed", "message": "the exchange is closed"}),
        ),
        |c| c.get_balance(),
    );
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_eq!(error.status(), Some(200));
    assert_eq!(error.code(), Some("exchange_closed"));
    assert!(!error.is_retryable());
}

#[test]
fn error_object_in_a_200_is_an_api_error_where_success_is_an_empty_object() {
    let error = error_of(
        Reply::json(
            200,
            &json!({"error": {"code": "not_found", "message": "order group not found"}}),
        ),
        |c| c.delete_order_group("og-gone"),
    );
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_eq!(error.status(), Some(200));
    assert_eq!(error.code(), Some("not_found"));
    assert!(!error.is_retryable());
}

#[test]
fn html_error_page_is_kept_raw() {
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let error = error_of(Reply::raw(502, "text/html", page), |c| c.get_balance());
    assert_eq!(error.status(), Some(502));
    assert_eq!(error.code(), None);
    assert_eq!(api(&error).body, page);
    assert!(error.is_retryable());
    assert!(error.to_string().contains("502 Bad Gateway"), "{error}");
}

#[test]
fn retry_after_in_seconds_is_read() {
    let error = error_of(
        Reply::json(
            429,
            &json!({"code": "too_many_requests", "message": "rate limit exceeded"}),
        )
        .header("Retry-After", "3"),
        |c| c.get_fills().send(),
    );
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.code(), Some("too_many_requests"));
    assert_eq!(api(&error).retry_after, Some(Duration::from_secs(3)));
    assert!(error.is_retryable());
}

#[test]
fn retry_after_as_an_http_date_is_read() {
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
    let error = error_of(
        Reply::raw(429, "text/plain", "slow down").header("Retry-After", &when),
        |c| c.get_balance(),
    );
    assert_eq!(error.status(), Some(429));
    let wait = api(&error).retry_after.expect("retry_after");
    assert!(
        (Duration::from_secs(100)..=Duration::from_secs(120)).contains(&wait),
        "{wait:?} for {when}"
    );
    assert_eq!(error.code(), None);
    assert!(error.is_retryable());
}

/// A `Decode` error's message; panics on any other error.
fn decode_message(error: &Error) -> &str {
    match error {
        Error::Decode { message, .. } => message,
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

fn assert_not_api_error(error: &Error) {
    assert_eq!(error.status(), None);
    assert_eq!(error.code(), None);
    assert!(!error.is_retryable());
}

#[test]
fn a_missing_required_field_is_a_decode_error_naming_field_and_operation() {
    let mut body = balance_json();
    body.as_object_mut()
        .expect("object")
        .remove("balance_dollars");
    let error = error_of(Reply::json(200, &body), |c| c.get_balance());
    assert!(
        decode_message(&error).contains("balance_dollars"),
        "{error:?}"
    );
    assert!(error.to_string().starts_with("get_balance:"), "{error}");
    assert_not_api_error(&error);
}

#[test]
fn invalid_json_is_a_decode_error() {
    let error = error_of(
        Reply::raw(200, "application/json", r#"{"balance": 12"#),
        |c| c.get_balance(),
    );
    decode_message(&error);
    assert!(error.to_string().contains(r#"{"balance": 12"#), "{error}");
    assert_not_api_error(&error);
}

#[test]
fn a_money_string_that_is_not_a_decimal_is_a_decode_error() {
    let mut body = balance_json();
    body["balance_dollars"] = json!("12.34.56");
    let error = error_of(Reply::json(200, &body), |c| c.get_balance());
    assert!(decode_message(&error).contains("12.34.56"), "{error:?}");
    assert_not_api_error(&error);
}

// ---------------------------------------------------------------------------------
// 6. Forward compatibility
// ---------------------------------------------------------------------------------

#[test]
fn an_unknown_fill_book_side_decodes_and_serializes_back_unchanged() {
    let mut fill = fill_json(1);
    fill["book_side"] = json!("x_test_cross");
    let server = TestServer::start(move |_| {
        Reply::json(200, &json!({"fills": [fill.clone()], "cursor": ""}))
    });
    let page = server.client().get_fills().send().expect("decodes");
    let side = &page.items[0].book_side;
    assert_eq!(side, &BookSide::Unknown("x_test_cross".into()));
    assert_eq!(
        serde_json::to_value(side).expect("serializes"),
        json!("x_test_cross")
    );
}

#[test]
fn an_unknown_order_status_decodes_and_serializes_back_unchanged() {
    let server = TestServer::start(|_| {
        Reply::json(
            200,
            &json!({"order": order_json("ord-7f3c", "x_test_paused")}),
        )
    });
    let order = server.client().get_order("ord-7f3c").expect("decodes");
    assert_eq!(order.status, OrderStatus::Unknown("x_test_paused".into()));
    assert_eq!(order.status.to_string(), "x_test_paused");
    assert_eq!(
        serde_json::to_value(&order.status).expect("serializes"),
        json!("x_test_paused")
    );
}

#[test]
fn unknown_extra_fields_are_ignored() {
    let mut balance = balance_json();
    balance["x_test_margin_dollars"] = json!("5.0000");
    balance["x_test_risk"] = json!({"tier": "premier", "limits": [1, 2]});
    let mut fill = fill_json(1);
    fill["x_test_liquidity_tag"] = json!("maker-rebate");
    let server = TestServer::start(move |request| {
        if request.path.ends_with("/balance") {
            Reply::json(200, &balance)
        } else {
            Reply::json(
                200,
                &json!({"fills": [fill.clone()], "cursor": "", "x_test_as_of": 1}),
            )
        }
    });
    let client = server.client();
    assert_eq!(client.get_balance().expect("balance").balance, 123_456);
    assert_eq!(client.get_fills().send().expect("fills").items.len(), 1);
}

#[test]
fn removed_optional_fields_decode_as_none() {
    let mut fill = fill_json(1);
    for field in ["created_time", "ts", "side", "action", "subaccount_number"] {
        fill.as_object_mut().expect("object").remove(field);
    }
    let server = TestServer::start(move |_| {
        Reply::json(200, &json!({"fills": [fill.clone()], "cursor": ""}))
    });
    let page = server.client().get_fills().send().expect("decodes");
    let fill = &page.items[0];
    assert_eq!(fill.created_time, None);
    assert_eq!(fill.ts, None);
    assert!(fill.side.is_none() && fill.action.is_none());
    assert_eq!(fill.yes_price_dollars.to_string(), "0.5600");
}

// ---------------------------------------------------------------------------------
// 7. Invalid input never reaches the server
// ---------------------------------------------------------------------------------

/// The field named by an `InvalidRequest`; panics on anything else.
fn invalid_field<T: std::fmt::Debug>(result: Result<T>) -> String {
    match result {
        Err(Error::InvalidRequest { field, .. }) => field,
        other => panic!("expected Error::InvalidRequest, got {other:?}"),
    }
}

/// Make a call that must be refused before sending; returns the field it names.
fn rejected_field<T: std::fmt::Debug>(call: impl FnOnce(&Client) -> Result<T>) -> String {
    let server = TestServer::start(|_| Reply::empty(500));
    let result = call(&server.client());
    if let Err(error) = &result {
        assert!(!error.may_have_reached_exchange(), "{error:?}");
    }
    let field = invalid_field(result);
    assert_eq!(server.request_count(), 0, "nothing may reach the server");
    field
}

#[test]
fn a_price_outside_zero_and_one_is_refused() {
    let field =
        rejected_field(|c| c.create_order(&NewOrder::new(TICKER).buy_yes().price("1.50").count(1)));
    assert_eq!(field, "price");
}

#[test]
fn an_order_without_a_side_is_refused() {
    let field = rejected_field(|c| c.create_order(&NewOrder::new(TICKER).price("0.50").count(1)));
    assert_eq!(field, "side");
}

#[test]
fn an_empty_order_id_is_refused() {
    assert_eq!(rejected_field(|c| c.get_order("")), "order_id");
    assert_eq!(rejected_field(|c| c.cancel_order(" ")), "order_id");
    assert_eq!(
        rejected_field(|c| c.decrease_order("", &DecreaseOrder::new().reduce_to(0))),
        "order_id"
    );
    assert_eq!(rejected_field(|c| c.get_order_group("")), "order_group_id");
}

/// A batch exchange that answers every order of every request as placed or
/// cancelled, except requests whose number is in `failing` (0-based), which get a 400.
fn batch_exchange(failing: &'static [usize]) -> TestServer {
    let requests = std::sync::atomic::AtomicUsize::new(0);
    TestServer::start(move |request| {
        let n = requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if failing.contains(&n) {
            return Reply::json(400, &json!({"code": "invalid_parameters", "message": "no"}));
        }
        let sent = request.json().unwrap_or_default();
        let items: Vec<Value> = sent["orders"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|o| match o.get("client_order_id") {
                Some(id) => json!({"client_order_id": id, "order_id": format!("ord-{id}")}),
                None => json!({"order_id": o["order_id"], "reduced_by": "1.00"}),
            })
            .collect();
        Reply::json(
            if request.method == "POST" { 201 } else { 200 },
            &json!({"orders": items}),
        )
    })
}

#[test]
fn a_batch_longer_than_the_limit_is_sent_in_requests_of_the_limit_in_order() {
    let server = batch_exchange(&[]);
    let client = server.client();
    assert_eq!(client.max_batch_size(), 20);
    let orders: Vec<NewOrder> = (1..=45)
        .map(|n| ladder_order(n % 90 + 1).client_order_id(format!("c{n}")))
        .collect();
    let items = client.batch_create_orders(&orders).expect("placed");
    let ids: Vec<_> = items
        .iter()
        .map(|i| i.client_order_id.clone().unwrap_or_default())
        .collect();
    let expected: Vec<_> = (1..=45).map(|n| format!("c{n}")).collect();
    assert_eq!(ids, expected, "one item per order, in the order given");
    let sizes: Vec<_> = server
        .requests()
        .iter()
        .map(|r| {
            r.json().expect("body")["orders"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(sizes, [20, 20, 5]);

    let ids: Vec<String> = (1..=21).map(|n| format!("ord-{n}")).collect();
    let borrowed: Vec<&str> = ids.iter().map(String::as_str).collect();
    let items = client.batch_cancel_orders(&borrowed).expect("cancelled");
    assert_eq!(items.len(), 21);
    assert_eq!(items[20].order_id, "ord-21");
    client
        .batch_cancel_orders(&ids)
        .expect("&[String] works too");
    client.batch_cancel_orders(ids).expect("and Vec<String>");
}

#[test]
fn a_later_request_of_a_batch_that_fails_marks_its_orders_and_sends_no_more() {
    let server = batch_exchange(&[1]);
    let orders: Vec<NewOrder> = (1..=45).map(|n| ladder_order(n % 90 + 1)).collect();
    let items = server
        .client()
        .batch_create_orders(&orders)
        .expect("partly placed");
    assert_eq!(items.len(), 45);
    let codes: Vec<Option<String>> = items
        .iter()
        .map(|item| item.error.as_ref().and_then(|e| e.code.clone()))
        .collect();
    assert!(codes[..20].iter().all(Option::is_none));
    assert!(codes[20..40]
        .iter()
        .all(|c| c.as_deref() == Some(operations::BATCH_FAILED)));
    assert!(codes[40..]
        .iter()
        .all(|c| c.as_deref() == Some(operations::NOT_SENT)));
    let failed = items[20].error.as_ref().expect("error");
    assert!(failed
        .details
        .as_deref()
        .unwrap_or_default()
        .contains("invalid_parameters"));
    assert_eq!(
        server.request_count(),
        2,
        "nothing is sent after the failed request"
    );

    // A failed first request is the call's error, and nothing else is sent.
    let server = batch_exchange(&[0]);
    let error = server
        .client()
        .batch_create_orders(&orders)
        .expect_err("refused");
    assert_eq!(error.code(), Some("invalid_parameters"));
    assert_eq!(server.request_count(), 1);
}

#[test]
fn an_empty_batch_is_refused() {
    assert_eq!(rejected_field(|c| c.batch_create_orders(&[])), "orders");
    assert_eq!(
        rejected_field(|c| c.batch_cancel_orders(Vec::<String>::new())),
        "orders"
    );
}

#[test]
fn duplicate_ids_in_a_batch_cancel_are_refused() {
    let field = rejected_field(|c| c.batch_cancel_orders(["ord-1", "ord-2", "ord-1"]));
    assert_eq!(field, "orders[2].order_id");
}

#[test]
fn a_bad_order_in_a_batch_is_named_by_its_index() {
    let orders = [ladder_order(40), ladder_order(41).price("0")];
    assert_eq!(
        rejected_field(|c| c.batch_create_orders(&orders)),
        "orders[1].price"
    );
}

#[test]
fn a_raised_max_batch_size_lets_a_bigger_batch_through() {
    let server = TestServer::start(|request| {
        let sent = request.json().unwrap_or_default();
        let results: Vec<Value> = sent["orders"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|o| json!({"client_order_id": o["client_order_id"], "order_id": "ord-x"}))
            .collect();
        Reply::json(201, &json!({"orders": results}))
    });
    let client = server
        .client_builder()
        .max_batch_size(25)
        .build()
        .expect("client");
    let orders: Vec<NewOrder> = (1..=21).map(ladder_order).collect();
    let results = client.batch_create_orders(&orders).expect("sent");
    assert_eq!(results.len(), 21);
    let body = server.requests()[0].json().expect("body");
    assert_eq!(body["orders"].as_array().map(Vec::len), Some(21));
}

// ---------------------------------------------------------------------------------
// 8. Timeouts and transport
// ---------------------------------------------------------------------------------

#[test]
fn a_slow_answer_is_a_timeout_that_may_have_reached_the_exchange() {
    let server =
        TestServer::start(|_| Reply::json(200, &balance_json()).after(Duration::from_millis(1500)));
    let client = server
        .client_builder()
        .timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let started = Instant::now();
    let error = client.get_balance().expect_err("times out");
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            error,
            Error::Timeout {
                operation: "get_balance",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.may_have_reached_exchange());
    assert!(error.is_retryable());
    assert_eq!(server.request_count(), 1);
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[test]
fn a_refused_connection_did_not_reach_the_exchange() {
    let client = Client::builder()
        .environment(Environment::Custom(format!(
            "http://127.0.0.1:{}/trade-api/v2",
            closed_port()
        )))
        .api_key_id(KEY_ID)
        .private_key_pem(fixture("rsa-pkcs1.pem"))
        .connect_timeout(Duration::from_secs(2))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let error = client.get_balance().expect_err("nothing listens");
    assert!(
        matches!(error, Error::Transport { .. } | Error::Timeout { .. }),
        "{error:?}"
    );
    assert!(!error.may_have_reached_exchange(), "{error:?}");
    assert!(error.is_retryable());
}

// ---------------------------------------------------------------------------------
// 9. Threads and runtimes
// ---------------------------------------------------------------------------------

#[test]
fn one_client_serves_eight_threads_at_once() {
    let server = balance_server();
    let client = server.client();
    std::thread::scope(|scope| {
        for _ in 0..8 {
            let client = client.clone();
            scope.spawn(move || {
                for _ in 0..25 {
                    assert_eq!(client.get_balance().expect("get_balance").balance, 123_456);
                }
            });
        }
    });
    let requests = server.requests();
    assert_eq!(requests.len(), 200);
    let signatures: HashSet<_> = requests
        .iter()
        .map(|r| r.header("KALSHI-ACCESS-SIGNATURE"))
        .collect();
    assert_eq!(signatures.len(), 200, "every request signed on its own");
    // Verifying RSA in an unoptimised test build is slow: check every 8th request.
    let rsa = PublicKey::rsa();
    for request in requests.iter().step_by(8) {
        assert_signed(request, &rsa);
    }
}

/// Build a client, use it and drop it from inside an async test body.
fn use_client_inside_a_runtime() {
    let server = balance_server();
    let client = server.client();
    assert_eq!(client.get_balance().expect("get_balance").balance, 123_456);
    drop(client);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_works_inside_a_multi_thread_tokio_runtime() {
    use_client_inside_a_runtime();
}

#[tokio::test]
async fn a_client_works_inside_a_current_thread_tokio_runtime() {
    use_client_inside_a_runtime();
}

#[test]
fn dropping_a_clone_on_another_thread_leaves_the_others_working() {
    let server = balance_server();
    let client = server.client();
    let clone = client.clone();
    std::thread::spawn(move || drop(clone))
        .join()
        .expect("thread");
    client.get_balance().expect("still works");

    // And the original may go while a clone is busy on another thread.
    let clone = client.clone();
    let worker = std::thread::spawn(move || {
        for _ in 0..10 {
            clone.get_balance().expect("clone works");
        }
    });
    drop(client);
    worker.join().expect("worker");
    assert_eq!(server.request_count(), 11);
}

// ---------------------------------------------------------------------------------
// 10. Secrets
// ---------------------------------------------------------------------------------

/// Every 16-character window of each base64 line of a PEM's body.
fn pem_windows(pem: &str) -> Vec<String> {
    pem.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("-----") && !line.contains(':'))
        .flat_map(|line| {
            let chars: Vec<char> = line.chars().collect();
            chars
                .windows(16)
                .map(|w| w.iter().collect::<String>())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The first forbidden fragment found in `text`.
fn leak<'a>(text: &str, forbidden: &'a [String]) -> Option<&'a String> {
    forbidden
        .iter()
        .find(|fragment| text.contains(fragment.as_str()))
}

/// One error of every kind the tests above produce, with the signatures sent meanwhile.
fn errors_of_every_kind() -> (Vec<Error>, Vec<String>) {
    let server = TestServer::start(|request| {
        let case = request.path.rsplit('/').next().unwrap_or_default();
        let error = |status, code: &str| {
            Reply::json(
                status,
                &json!({"code": code, "message": "no", "details": "none"}),
            )
        };
        match case {
            "fills" => Reply::json(200, &json!({"fills": [], "cursor": "same"})),
            "flat-400" => error(400, "invalid_order"),
            "wrapped-404" => Reply::json(404, &json!({"error": {"code": "not_found"}})),
            "in-200" => error(200, "exchange_closed"),
            "html-502" => Reply::raw(502, "text/html", "<html>Bad Gateway</html>"),
            "limited-429" => error(429, "too_many_requests").header("Retry-After", "3"),
            "missing-field" => Reply::json(200, &json!({"order": {"order_id": "x"}})),
            "bad-json" => Reply::raw(200, "application/json", "{"),
            "bad-money" => {
                let mut order = order_json("x", "resting");
                order["yes_price_dollars"] = json!("0.5.6");
                Reply::json(200, &json!({ "order": order }))
            }
            _ => Reply::json(200, &json!({})).after(Duration::from_millis(800)),
        }
    });
    let client = server
        .client_builder()
        .timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let mut errors: Vec<Error> = [
        "flat-400",
        "wrapped-404",
        "in-200",
        "html-502",
        "limited-429",
        "missing-field",
        "bad-json",
        "bad-money",
        "slow",
        "",
    ]
    .into_iter()
    .map(|case| client.get_order(case).expect_err(case))
    .collect();
    errors.push(
        client
            .get_fills()
            .pages()
            .find_map(|page| page.err())
            .expect("pagination error"),
    );
    errors.push(
        client
            .create_order(&NewOrder::new(TICKER).buy_yes().price("2").count(1))
            .expect_err("invalid"),
    );
    let closed = Client::builder()
        .environment(Environment::Custom(format!(
            "http://127.0.0.1:{}/trade-api/v2",
            closed_port()
        )))
        .api_key_id(KEY_ID)
        .private_key_pem(fixture("rsa-pkcs1.pem"))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    errors.push(closed.get_balance().expect_err("transport"));
    for pem in [
        fixture("rsa-encrypted-pkcs8.pem"),
        fixture("rsa-encrypted-legacy.pem"),
    ] {
        let builder = server.client_builder().private_key_pem(pem);
        errors.push(builder.build().expect_err("encrypted key"));
    }
    errors.push(
        Client::from_env_with(env(&[
            ("KALSHI_API_KEY_ID", KEY_ID),
            ("KALSHI_PRIVATE_KEY", &fixture("rsa-encrypted-pkcs8.pem")),
        ]))
        .expect_err("encrypted key"),
    );

    let signatures = server
        .requests()
        .iter()
        .filter_map(|r| r.header("KALSHI-ACCESS-SIGNATURE").map(str::to_string))
        .collect();
    (errors, signatures)
}

#[test]
fn no_debug_or_display_shows_key_material_or_a_signature() {
    let mut forbidden: Vec<String> = [
        "rsa-pkcs1.pem",
        "rsa-pkcs8.pem",
        "ed25519-pkcs8.pem",
        "rsa-encrypted-pkcs8.pem",
        "rsa-encrypted-legacy.pem",
    ]
    .into_iter()
    .flat_map(|name| pem_windows(&fixture(name)))
    .collect();
    // The check itself must be able to fail.
    assert!(leak(&fixture("rsa-pkcs1.pem"), &forbidden).is_some());

    let (errors, signatures) = errors_of_every_kind();
    assert!(signatures.len() >= 10, "signatures were recorded");
    forbidden.extend(signatures);

    let server = balance_server();
    let client = server.client();
    client
        .get_balance()
        .expect("a call, so the client has signed");
    let mut texts = vec![
        format!("{client:?}"),
        format!("{:?}", server.client_builder()),
        format!("{:?}", ed25519_client(&server)),
    ];
    for error in &errors {
        texts.push(format!("{error:?}"));
        texts.push(error.to_string());
    }
    assert!(texts.len() > 30);
    for text in &texts {
        assert_eq!(leak(text, &forbidden), None, "leaked in: {text}");
    }
    assert!(texts[1].contains("redacted"), "{}", texts[1]);
}

// ---------------------------------------------------------------------------------
// 11. Configuration from the environment
// ---------------------------------------------------------------------------------

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| vars.get(name).cloned()
}

fn config_message(result: Result<Client>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        other => panic!("expected Error::Config, got {other:?}"),
    }
}

fn key_path() -> String {
    support::fixture_path("rsa-pkcs1.pem")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn from_env_names_a_missing_key_id() {
    let message = config_message(Client::from_env_with(env(&[(
        "KALSHI_PRIVATE_KEY_PATH",
        &key_path(),
    )])));
    assert!(message.contains("KALSHI_API_KEY_ID"), "{message}");
}

#[test]
fn from_env_accepts_a_private_key_with_literal_backslash_n() {
    let escaped = fixture("rsa-pkcs1.pem").replace('\n', "\\n");
    assert!(!escaped.contains('\n'));
    let server = balance_server();
    let client = Client::from_env_with(env(&[
        ("KALSHI_API_KEY_ID", KEY_ID),
        ("KALSHI_PRIVATE_KEY", &escaped),
        ("KALSHI_ENV", &server.base_url()),
    ]))
    .expect("client");
    client.get_balance().expect("get_balance");
    assert_signed(&server.requests()[0], &PublicKey::rsa());
}

#[test]
fn from_env_defaults_to_demo() {
    let client = Client::from_env_with(env(&[
        ("KALSHI_API_KEY_ID", KEY_ID),
        ("KALSHI_PRIVATE_KEY_PATH", &key_path()),
    ]))
    .expect("client");
    assert_eq!(client.environment(), &Environment::Demo);
}

#[test]
fn from_env_reads_production() {
    let client = Client::from_env_with(env(&[
        ("KALSHI_API_KEY_ID", KEY_ID),
        ("KALSHI_PRIVATE_KEY_PATH", &key_path()),
        ("KALSHI_ENV", "production"),
    ]))
    .expect("client");
    assert_eq!(client.environment(), &Environment::Production);
}

#[test]
fn from_env_talks_to_a_custom_loopback_url() {
    let server = balance_server();
    let client = Client::from_env_with(env(&[
        ("KALSHI_API_KEY_ID", KEY_ID),
        ("KALSHI_PRIVATE_KEY_PATH", &key_path()),
        ("KALSHI_ENV", &server.base_url()),
    ]))
    .expect("client");
    assert_eq!(
        client.environment(),
        &Environment::Custom(server.base_url())
    );
    assert_eq!(client.get_balance().expect("get_balance").balance, 123_456);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn from_env_refuses_an_unknown_environment() {
    for bad in ["staging", "http://example.com/trade-api/v2"] {
        let message = config_message(Client::from_env_with(env(&[
            ("KALSHI_API_KEY_ID", KEY_ID),
            ("KALSHI_PRIVATE_KEY_PATH", &key_path()),
            ("KALSHI_ENV", bad),
        ])));
        assert!(message.contains("KALSHI_ENV"), "{message}");
        assert!(message.contains(bad), "{message}");
    }
}

#[test]
fn from_env_refuses_an_encrypted_key_without_showing_it() {
    let encrypted = fixture("rsa-encrypted-pkcs8.pem");
    let path = support::fixture_path("rsa-encrypted-legacy.pem")
        .to_string_lossy()
        .into_owned();
    let forbidden: Vec<String> = pem_windows(&encrypted)
        .into_iter()
        .chain(pem_windows(&fixture("rsa-encrypted-legacy.pem")))
        .collect();
    let messages = [
        config_message(Client::from_env_with(env(&[
            ("KALSHI_API_KEY_ID", KEY_ID),
            ("KALSHI_PRIVATE_KEY", &encrypted),
        ]))),
        config_message(Client::from_env_with(env(&[
            ("KALSHI_API_KEY_ID", KEY_ID),
            ("KALSHI_PRIVATE_KEY_PATH", &path),
        ]))),
    ];
    for message in messages {
        assert!(message.to_lowercase().contains("encrypted"), "{message}");
        assert_eq!(leak(&message, &forbidden), None, "{message}");
    }
}
