//! The order group routes: list, create, get, delete, reset, trigger, and change the
//! limit.

use axum::response::Response;
use serde_json::{json, Value};

use super::params::{
    check_subaccount, contracts_limit, lists_elsewhere, only_in_primary, parse_body,
};
use super::{created, ok, to_json, Call, Res};
use crate::sandbox::exchange::{wire, Exchange};
use crate::types::builder;

/// The code of a refusal for a group that does not exist (in this account).
const NOT_FOUND: &str = "order_group_not_found";

/// The operations (`operationId`s) [`route`] serves; the sandbox answers `501` to the
/// spec's other operations before it checks a signature.
pub(super) const OPERATIONS: &[&str] = &[
    "GetOrderGroups",
    "CreateOrderGroup",
    "GetOrderGroup",
    "DeleteOrderGroup",
    "ResetOrderGroup",
    "TriggerOrderGroup",
    "UpdateOrderGroupLimit",
];

/// The answer of an order group route, or `None` when the request is not one.
pub(super) fn route(exchange: &mut Exchange, call: &Call<'_>) -> Option<Res<Response>> {
    let Call {
        params, body, now, ..
    } = *call;
    Some(match (call.method, call.segments) {
        ("GET", ["portfolio", "order_groups"]) => list(exchange, call),
        ("POST", ["portfolio", "order_groups", "create"]) => create(exchange, body),
        ("GET", ["portfolio", "order_groups", id]) => only_in_primary(params, false, NOT_FOUND)
            .and_then(|()| exchange.group(id, now))
            .and_then(|group| ok(to_json(&group))),
        ("DELETE", ["portfolio", "order_groups", id]) => only_in_primary(params, false, NOT_FOUND)
            .and_then(|()| exchange.delete_group(id, now))
            .and_then(|()| ok(json!({}))),
        ("PUT", ["portfolio", "order_groups", id, "reset"]) => {
            only_in_primary(params, false, NOT_FOUND)
                .and_then(|()| exchange.reset_group(id, now))
                .and_then(|()| ok(json!({})))
        }
        ("PUT", ["portfolio", "order_groups", id, "trigger"]) => {
            only_in_primary(params, false, NOT_FOUND)
                .and_then(|()| exchange.trigger_group(id, now))
                .and_then(|()| ok(json!({})))
        }
        ("PUT", ["portfolio", "order_groups", id, "limit"]) => {
            only_in_primary(params, true, NOT_FOUND)
                .and_then(|()| contracts_limit(&parse_body(body)?))
                .and_then(|limit| exchange.update_group_limit(id, limit, now))
                .and_then(|()| ok(json!({})))
        }
        _ => return None,
    })
}

fn list(exchange: &mut Exchange, call: &Call<'_>) -> Res<Response> {
    if lists_elsewhere(call.params, false)? {
        return ok(json!({ "order_groups": [] }));
    }
    // Built by hand: the generated type skips an empty list, and the array is always
    // sent, as Kalshi does.
    let groups: Vec<Value> = exchange.groups(call.now)?.iter().map(to_json).collect();
    ok(json!({ "order_groups": groups }))
}

fn create(exchange: &mut Exchange, body: &[u8]) -> Res<Response> {
    let body = parse_body(body)?;
    check_subaccount(body.get("subaccount").map(|v| v.to_string()).as_deref())?;
    let limit = contracts_limit(&body)?;
    let id = exchange.create_group(limit)?;
    let answer: crate::types::CreateOrderGroupResponse = wire(
        builder::CreateOrderGroupResponse::default()
            .order_group_id(id)
            .subaccount(0u64),
        json!({ "exchange_index": 0 }),
    )?;
    created(to_json(&answer))
}
