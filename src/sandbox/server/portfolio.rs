//! The portfolio read routes: balance, fills, positions, settlements, and the total
//! value of resting orders.

use axum::response::Response;
use serde_json::json;

use super::params::{
    account, cursor, int_param, limit, list_param, lists_elsewhere, non_empty, Account,
};
use super::{ok, to_json, Call, Res};
use crate::sandbox::exchange::{wire, Exchange, FillFilter, PositionFilter, SettlementFilter};
use crate::types::builder;

/// The operations (`operationId`s) [`route`] serves; the sandbox answers `501` to the
/// spec's other operations before it checks a signature.
pub(super) const OPERATIONS: &[&str] = &[
    "GetBalance",
    "GetFills",
    "GetPositions",
    "GetSettlements",
    "GetPortfolioRestingOrderTotalValue",
];

/// The answer of a portfolio read, or `None` when the request is not one.
pub(super) fn route(exchange: &mut Exchange, call: &Call<'_>) -> Option<Res<Response>> {
    let now = call.now;
    Some(match (call.method, call.segments) {
        ("GET", ["portfolio", "balance"]) => {
            // GetBalance lists no 400: any subaccount other than 0 (even a malformed
            // one) is an empty account.
            let primary = account(call.params).is_ok_and(|a| a == Account::Primary);
            exchange
                .balance(primary, now)
                .and_then(|balance| ok(to_json(&balance)))
        }
        ("GET", ["portfolio", "fills"]) => fills(exchange, call),
        ("GET", ["portfolio", "positions"]) => positions(exchange, call),
        ("GET", ["portfolio", "settlements"]) => settlements(exchange, call),
        ("GET", ["portfolio", "summary", "total_resting_order_value"]) => exchange
            .resting_order_value(now)
            .and_then(|value| ok(to_json(&value))),
        _ => return None,
    })
}

fn fills(exchange: &mut Exchange, call: &Call<'_>) -> Res<Response> {
    let params = call.params;
    if lists_elsewhere(params, true)? {
        return ok(json!({ "fills": [], "cursor": "" }));
    }
    let filter = FillFilter {
        tickers: list_param(params, "ticker"),
        order_id: non_empty(params, "order_id"),
        min_ts: int_param(params, "min_ts")?,
        max_ts: int_param(params, "max_ts")?,
    };
    let page = exchange.fills(&filter, limit(params)?, cursor(params), call.now)?;
    let answer: crate::types::GetFillsResponse = wire(
        builder::GetFillsResponse::default()
            .cursor(page.cursor)
            .fills(page.items),
        json!({}),
    )?;
    ok(to_json(&answer))
}

fn positions(exchange: &mut Exchange, call: &Call<'_>) -> Res<Response> {
    let params = call.params;
    if lists_elsewhere(params, true)? {
        return ok(json!({ "market_positions": [], "event_positions": [], "cursor": "" }));
    }
    let filter = PositionFilter {
        ticker: non_empty(params, "ticker"),
        event_ticker: non_empty(params, "event_ticker"),
        count_filter: params
            .get("count_filter")
            .map(|f| {
                f.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        settlement_status: non_empty(params, "settlement_status"),
    };
    let (page, events) = exchange.positions(&filter, limit(params)?, cursor(params), call.now)?;
    let answer: crate::types::GetPositionsResponse = wire(
        builder::GetPositionsResponse::default()
            .event_positions(events)
            .market_positions(page.items),
        json!({ "cursor": page.cursor }),
    )?;
    ok(to_json(&answer))
}

fn settlements(exchange: &mut Exchange, call: &Call<'_>) -> Res<Response> {
    let params = call.params;
    if lists_elsewhere(params, false)? {
        return ok(json!({ "settlements": [], "cursor": "" }));
    }
    let filter = SettlementFilter {
        ticker: non_empty(params, "ticker"),
        event_ticker: non_empty(params, "event_ticker"),
        min_ts: int_param(params, "min_ts")?,
        max_ts: int_param(params, "max_ts")?,
    };
    let page = exchange.settlements(&filter, limit(params)?, cursor(params), call.now)?;
    let answer: crate::types::GetSettlementsResponse = wire(
        builder::GetSettlementsResponse::default().settlements(page.items),
        json!({ "cursor": page.cursor }),
    )?;
    ok(to_json(&answer))
}
