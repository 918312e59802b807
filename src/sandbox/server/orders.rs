//! The order routes: create (single and batched), cancel (single, batched, all),
//! amend, decrease, and the order reads (list, one order, queue positions).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::params::{
    account, check_subaccount, count_of, cursor, int_param, limit, list_param, lists_elsewhere,
    non_empty, only_in_primary, optional_bool, optional_count, optional_int, optional_str,
    parse_body, price_of, required_str, side_of, Account,
};
use super::{created, err, ok, to_json, Call, Res};
use crate::money::{Count, Dollars};
use crate::sandbox::exchange::{
    wire, AmendReq, Exchange, NewOrderReq, OrderFilter, Placed, Stp, Tif,
};
use crate::sandbox::SandboxError;
use crate::types::builder;

/// The operations (`operationId`s) [`route`] serves; the sandbox answers `501` to the
/// spec's other operations before it checks a signature.
pub(super) const OPERATIONS: &[&str] = &[
    "CreateOrderV2",
    "CancelAllOrders",
    "BatchCreateOrdersV2",
    "BatchCancelOrdersV2",
    "CancelOrderV2",
    "AmendOrderV2",
    "DecreaseOrderV2",
    "GetOrders",
    "GetOrderQueuePositions",
    "GetOrder",
    "GetOrderQueuePosition",
];

/// The answer of an order route, or `None` when the request is not one.
pub(super) fn route(exchange: &mut Exchange, call: &Call<'_>) -> Option<Res<Response>> {
    let Call {
        params, body, now, ..
    } = *call;
    Some(match (call.method, call.segments) {
        ("POST", ["portfolio", "events", "orders"]) => parse_body(body)
            .and_then(|body| parse_new_order(&body))
            .and_then(|request| exchange.create_order(&request, now))
            .and_then(|placed| created(to_json(&create_response(&placed, now)?))),
        ("DELETE", ["portfolio", "events", "orders"]) => {
            // CancelAllOrders lists no 400: another (or a malformed) subaccount has
            // nothing to cancel.
            if account(params).is_ok_and(|a| a == Account::Primary) {
                exchange.cancel_all(now);
            }
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        ("POST", ["portfolio", "events", "orders", "batched"]) => batch_create(exchange, body, now),
        ("DELETE", ["portfolio", "events", "orders", "batched"]) => {
            batch_cancel(exchange, body, now)
        }
        ("DELETE", ["portfolio", "events", "orders", order_id]) => cancel(exchange, call, order_id),
        ("POST", ["portfolio", "events", "orders", order_id, "amend"]) => {
            amend(exchange, call, order_id)
        }
        ("POST", ["portfolio", "events", "orders", order_id, "decrease"]) => {
            decrease(exchange, call, order_id)
        }
        ("GET", ["portfolio", "orders"]) => list(exchange, call),
        ("GET", ["portfolio", "orders", "queue_positions"]) => queue_positions(exchange, call),
        ("GET", ["portfolio", "orders", order_id]) => exchange
            .order(order_id, now)
            .and_then(|order| wire(builder::GetOrderResponse::default().order(order), json!({})))
            .and_then(|answer: crate::types::GetOrderResponse| ok(to_json(&answer))),
        ("GET", ["portfolio", "orders", order_id, "queue_position"]) => exchange
            .queue_position(order_id, now)
            .and_then(|position| {
                wire(
                    builder::GetOrderQueuePositionResponse::default()
                        .queue_position_fp(Count::from_hundredths(position)),
                    json!({}),
                )
            })
            .and_then(|answer: crate::types::GetOrderQueuePositionResponse| ok(to_json(&answer))),
        _ => return None,
    })
}

fn batch_create(exchange: &mut Exchange, body: &[u8], now: i64) -> Res<Response> {
    let body = parse_body(body)?;
    let orders = batch_items(&body)?;
    let mut results = Vec::new();
    for item in orders {
        let client_order_id = item
            .get("client_order_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        let outcome = parse_new_order(item).and_then(|r| exchange.create_order(&r, now));
        let fields = match outcome {
            Ok(placed) => json!({
                "average_fee_paid": placed.average_fee.map(Dollars::from_micros),
                "average_fill_price": placed.average_price.map(Dollars::from_micros),
                "client_order_id": placed.client_order_id,
                "fill_count": Count::from_hundredths(placed.fill_count),
                "order_id": placed.order_id,
                "remaining_count": Count::from_hundredths(placed.remaining),
                "ts_ms": now,
            }),
            Err(e) => json!({
                "client_order_id": client_order_id,
                "error": error_object(&e)?,
            }),
        };
        let item: crate::types::BatchCreateOrdersV2ResponseOrdersItem = wire(
            builder::BatchCreateOrdersV2ResponseOrdersItem::default(),
            fields,
        )?;
        results.push(item);
    }
    let answer: crate::types::BatchCreateOrdersV2Response = wire(
        builder::BatchCreateOrdersV2Response::default().orders(results),
        json!({}),
    )?;
    created(to_json(&answer))
}

fn batch_cancel(exchange: &mut Exchange, body: &[u8], now: i64) -> Res<Response> {
    let body = parse_body(body)?;
    let items = batch_items(&body)?;
    let mut results = Vec::new();
    for item in items {
        let order_id = item
            .get("order_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let result: crate::types::BatchCancelOrdersV2ResponseOrdersItem =
            match exchange.cancel_order(&order_id, now) {
                Ok((client_order_id, reduced)) => wire(
                    builder::BatchCancelOrdersV2ResponseOrdersItem::default()
                        .order_id(order_id)
                        .reduced_by(Count::from_hundredths(reduced)),
                    json!({ "client_order_id": client_order_id, "ts_ms": now }),
                )?,
                Err(e) => wire(
                    builder::BatchCancelOrdersV2ResponseOrdersItem::default()
                        .order_id(order_id)
                        .reduced_by(Count::ZERO),
                    json!({ "error": error_object(&e)? }),
                )?,
            };
        results.push(result);
    }
    let answer: crate::types::BatchCancelOrdersV2Response = wire(
        builder::BatchCancelOrdersV2Response::default().orders(results),
        json!({}),
    )?;
    ok(to_json(&answer))
}

fn cancel(exchange: &mut Exchange, call: &Call<'_>, order_id: &str) -> Res<Response> {
    // CancelOrderV2 lists no 400.
    only_in_primary(call.params, false, "order_not_found")?;
    let (client_order_id, reduced) = exchange.cancel_order(order_id, call.now)?;
    let answer: crate::types::CancelOrderV2Response = wire(
        builder::CancelOrderV2Response::default()
            .order_id(order_id.to_string())
            .reduced_by(Count::from_hundredths(reduced))
            .ts_ms(call.now),
        json!({ "client_order_id": client_order_id }),
    )?;
    ok(to_json(&answer))
}

fn amend(exchange: &mut Exchange, call: &Call<'_>, order_id: &str) -> Res<Response> {
    only_in_primary(call.params, true, "order_not_found")?;
    let request = parse_amend(&parse_body(call.body)?)?;
    let amended = exchange.amend_order(order_id, &request, call.now)?;
    let placed = &amended.placed;
    // As Kalshi documents: counts only when the amend filled or resized the order,
    // averages only when it filled.
    let counted = amended.filled_or_resized;
    let answer: crate::types::AmendOrderV2Response = wire(
        builder::AmendOrderV2Response::default()
            .order_id(placed.order_id.clone())
            .ts_ms(call.now),
        json!({
            "average_fee_paid": placed.average_fee.map(Dollars::from_micros),
            "average_fill_price": placed.average_price.map(Dollars::from_micros),
            "client_order_id": placed.client_order_id,
            "fill_count": counted.then(|| Count::from_hundredths(placed.fill_count)),
            "remaining_count": counted.then(|| Count::from_hundredths(placed.remaining)),
        }),
    )?;
    ok(to_json(&answer))
}

fn decrease(exchange: &mut Exchange, call: &Call<'_>, order_id: &str) -> Res<Response> {
    only_in_primary(call.params, true, "order_not_found")?;
    let body = parse_body(call.body)?;
    let reduce_by = optional_count(&body, "reduce_by")?;
    let reduce_to = optional_count(&body, "reduce_to")?;
    let (client_order_id, remaining) =
        exchange.decrease_order(order_id, reduce_by, reduce_to, call.now)?;
    let answer: crate::types::DecreaseOrderV2Response = wire(
        builder::DecreaseOrderV2Response::default()
            .order_id(order_id.to_string())
            .remaining_count(Count::from_hundredths(remaining))
            .ts_ms(call.now),
        json!({ "client_order_id": client_order_id }),
    )?;
    ok(to_json(&answer))
}

fn list(exchange: &mut Exchange, call: &Call<'_>) -> Res<Response> {
    let params = call.params;
    if lists_elsewhere(params, true)? {
        return ok(json!({ "orders": [], "cursor": "" }));
    }
    let filter = OrderFilter {
        ticker: non_empty(params, "ticker"),
        event_tickers: list_param(params, "event_ticker"),
        min_ts: int_param(params, "min_ts")?,
        max_ts: int_param(params, "max_ts")?,
        status: non_empty(params, "status"),
    };
    let page = exchange.orders(&filter, limit(params)?, cursor(params), call.now)?;
    let answer: crate::types::GetOrdersResponse = wire(
        builder::GetOrdersResponse::default()
            .cursor(page.cursor)
            .orders(page.items),
        json!({}),
    )?;
    ok(to_json(&answer))
}

fn queue_positions(exchange: &mut Exchange, call: &Call<'_>) -> Res<Response> {
    let params = call.params;
    if lists_elsewhere(params, false)? {
        return ok(json!({ "queue_positions": [] }));
    }
    let tickers = list_param(params, "market_tickers");
    let event = non_empty(params, "event_ticker");
    let positions = exchange.queue_positions(tickers.as_deref(), event.as_deref(), call.now)?;
    let answer: crate::types::GetOrderQueuePositionsResponse = wire(
        builder::GetOrderQueuePositionsResponse::default().queue_positions(positions),
        json!({}),
    )?;
    ok(to_json(&answer))
}

fn create_response(placed: &Placed, now: i64) -> Res<crate::types::CreateOrderV2Response> {
    wire(
        builder::CreateOrderV2Response::default()
            .fill_count(Count::from_hundredths(placed.fill_count))
            .order_id(placed.order_id.clone())
            .remaining_count(Count::from_hundredths(placed.remaining))
            .ts_ms(now),
        json!({
            "average_fee_paid": placed.average_fee.map(Dollars::from_micros),
            "average_fill_price": placed.average_price.map(Dollars::from_micros),
            "client_order_id": placed.client_order_id,
        }),
    )
}

/// A refusal as the error object a batch item carries.
fn error_object(e: &SandboxError) -> Res<crate::types::ErrorResponse> {
    wire(
        builder::ErrorResponse::default(),
        json!({ "code": e.code(), "details": "", "message": e.message() }),
    )
}

fn batch_items(body: &Value) -> Res<&Vec<Value>> {
    let items = body
        .get("orders")
        .and_then(Value::as_array)
        .ok_or_else(|| err(400, "invalid_parameters", "orders must be an array"))?;
    if items.is_empty() || items.len() > 1000 {
        return Err(err(
            400,
            "invalid_parameters",
            "a batch holds from 1 to 1000 orders",
        ));
    }
    Ok(items)
}

fn parse_new_order(body: &Value) -> Res<NewOrderReq> {
    if !body.is_object() {
        return Err(err(
            400,
            "invalid_parameters",
            "an order must be a JSON object",
        ));
    }
    check_subaccount(body.get("subaccount").map(|v| v.to_string()).as_deref())?;
    let tif = match body.get("time_in_force").and_then(Value::as_str) {
        Some("good_till_canceled") => Tif::Gtc,
        Some("immediate_or_cancel") => Tif::Ioc,
        Some("fill_or_kill") => Tif::Fok,
        _ => {
            return Err(err(
                400,
                "invalid_time_in_force",
                "time_in_force must be good_till_canceled, immediate_or_cancel or fill_or_kill",
            ))
        }
    };
    let stp = match body
        .get("self_trade_prevention_type")
        .and_then(Value::as_str)
    {
        Some("taker_at_cross") => Stp::TakerAtCross,
        Some("maker") => Stp::Maker,
        _ => {
            return Err(err(
                400,
                "invalid_parameters",
                "self_trade_prevention_type must be taker_at_cross or maker",
            ))
        }
    };
    Ok(NewOrderReq {
        ticker: required_str(body, "ticker")?.to_string(),
        client_order_id: optional_str(body, "client_order_id")?,
        side: side_of(body)?,
        price: price_of(body, "price")?,
        count: count_of(body, "count")?,
        tif,
        post_only: optional_bool(body, "post_only")?,
        reduce_only: optional_bool(body, "reduce_only")?,
        stp,
        expiration_s: optional_int(body, "expiration_time")?,
        order_group_id: optional_str(body, "order_group_id")?,
        cancel_order_on_pause: optional_bool(body, "cancel_order_on_pause")?,
    })
}

fn parse_amend(body: &Value) -> Res<AmendReq> {
    Ok(AmendReq {
        ticker: required_str(body, "ticker")?.to_string(),
        side: side_of(body)?,
        price: price_of(body, "price")?,
        count: count_of(body, "count")?,
        client_order_id: optional_str(body, "client_order_id")?,
        updated_client_order_id: optional_str(body, "updated_client_order_id")?,
        expiration_s: optional_int(body, "expiration_time")?,
    })
}
