//! Reading a request's query parameters and JSON body, with the sandbox's `400`
//! refusals naming what was wrong, and which account a request names.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::{err, Res};
use crate::money::{Count, Dollars};
use crate::sandbox::exchange::Side;

/// The parameters of a query string (percent-decoded; a repeated name keeps the last).
pub(super) fn query_params(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Which account a request's `subaccount` query parameter names. The sandbox holds
/// only the primary account (0); any other number is an account with nothing in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Account {
    Primary,
    Other,
}

/// The account `subaccount` names (absent or empty: the primary one); a value that is
/// not a non-negative integer is `400 invalid_parameters`.
pub(super) fn account(params: &HashMap<String, String>) -> Res<Account> {
    match params.get("subaccount").map(String::as_str) {
        None | Some("") => Ok(Account::Primary),
        Some(text) => match text.parse::<u64>() {
            Ok(0) => Ok(Account::Primary),
            Ok(_) => Ok(Account::Other),
            Err(_) => Err(err(
                400,
                "invalid_parameters",
                format!("subaccount {text:?} is not a non-negative integer"),
            )),
        },
    }
}

/// Refuse, as the 404 `code`, a request for one order or group in a subaccount
/// other than 0: nothing exists there. A malformed `subaccount` is `400` where the
/// operation lists 400 (`lists_400`); otherwise it names an empty account too.
pub(super) fn only_in_primary(
    params: &HashMap<String, String>,
    lists_400: bool,
    code: &'static str,
) -> Res<()> {
    let named = match account(params) {
        Err(malformed) if lists_400 => return Err(malformed),
        Err(_) => Account::Other,
        Ok(named) => named,
    };
    if named == Account::Other {
        return Err(err(
            404,
            code,
            "the sandbox holds only subaccount 0; other subaccounts are empty",
        ));
    }
    Ok(())
}

/// Whether a list asks for another shard (when the operation filters by shard) or
/// another subaccount: everything lives on shard 0 of subaccount 0, so the list is
/// empty. A malformed `subaccount` is `400` (every list operation lists 400).
pub(super) fn lists_elsewhere(params: &HashMap<String, String>, shard_filtered: bool) -> Res<bool> {
    let other_shard = shard_filtered
        && params
            .get("exchange_index")
            .is_some_and(|index| !index.is_empty() && index != "0");
    Ok(other_shard || account(params)? == Account::Other)
}

/// A comma-separated list parameter, if present and not empty.
pub(super) fn list_param(params: &HashMap<String, String>, name: &str) -> Option<Vec<String>> {
    params
        .get(name)
        .filter(|t| !t.is_empty())
        .map(|t| t.split(',').map(str::to_string).collect())
}

pub(super) fn check_subaccount(value: Option<&str>) -> Res<()> {
    match value {
        None | Some("") | Some("0") => Ok(()),
        Some(other) => Err(err(
            400,
            "invalid_parameters",
            format!("subaccount {other:?}: the sandbox has only the primary account (0)"),
        )),
    }
}

pub(super) fn non_empty(params: &HashMap<String, String>, name: &str) -> Option<String> {
    params.get(name).filter(|v| !v.is_empty()).cloned()
}

pub(super) fn int_param(params: &HashMap<String, String>, name: &str) -> Res<Option<i64>> {
    match params.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            err(
                400,
                "invalid_parameters",
                format!("{name} {text:?} is not an integer"),
            )
        }),
    }
}

pub(super) fn limit(params: &HashMap<String, String>) -> Res<usize> {
    match params.get("limit") {
        None => Ok(100),
        Some(text) => match text.parse::<usize>() {
            Ok(limit) if (1..=1000).contains(&limit) => Ok(limit),
            _ => Err(err(
                400,
                "invalid_limit",
                format!("limit {text:?} must be an integer from 1 to 1000"),
            )),
        },
    }
}

pub(super) fn cursor(params: &HashMap<String, String>) -> Option<&str> {
    params
        .get("cursor")
        .map(String::as_str)
        .filter(|c| !c.is_empty())
}

pub(super) fn parse_body(body: &[u8]) -> Res<Value> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| err(400, "invalid_json", format!("the body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(err(400, "invalid_json", "the body must be a JSON object"));
    }
    Ok(value)
}

pub(super) fn required_str<'a>(body: &'a Value, name: &str) -> Res<&'a str> {
    match body.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(err(
            400,
            "invalid_parameters",
            format!("{name} must be a string"),
        )),
        None => Err(err(
            400,
            "invalid_parameters",
            format!("{name} is required"),
        )),
    }
}

pub(super) fn optional_str(body: &Value, name: &str) -> Res<Option<String>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(
            400,
            "invalid_parameters",
            format!("{name} must be a string"),
        )),
    }
}

pub(super) fn optional_bool(body: &Value, name: &str) -> Res<bool> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(err(
            400,
            "invalid_parameters",
            format!("{name} must be a boolean"),
        )),
    }
}

pub(super) fn optional_int(body: &Value, name: &str) -> Res<Option<i64>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value.as_i64().map(Some).ok_or_else(|| {
            err(
                400,
                "invalid_parameters",
                format!("{name} must be an integer"),
            )
        }),
    }
}

pub(super) fn price_of(body: &Value, name: &str) -> Res<i64> {
    let text = match body.get(name) {
        Some(Value::String(s)) => s,
        None => return Err(err(400, "invalid_price", format!("{name} is required"))),
        Some(_) => {
            return Err(err(
                400,
                "invalid_price",
                format!("{name} must be a fixed-point dollar string such as \"0.5600\""),
            ))
        }
    };
    text.parse::<Dollars>()
        .map(Dollars::as_micros)
        .map_err(|e| err(400, "invalid_price", format!("{name} {text:?}: {e}")))
}

pub(super) fn count_text(text: &str, name: &str) -> Res<i64> {
    text.parse::<Count>()
        .map(Count::as_hundredths)
        .map_err(|e| err(400, "invalid_count", format!("{name} {text:?}: {e}")))
}

pub(super) fn count_of(body: &Value, name: &str) -> Res<i64> {
    match body.get(name) {
        Some(Value::String(s)) => count_text(s, name),
        None => Err(err(400, "invalid_count", format!("{name} is required"))),
        Some(_) => Err(err(
            400,
            "invalid_count",
            format!("{name} must be a fixed-point count string such as \"10.00\""),
        )),
    }
}

pub(super) fn optional_count(body: &Value, name: &str) -> Res<Option<i64>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => count_of(body, name).map(Some),
    }
}

pub(super) fn side_of(body: &Value) -> Res<Side> {
    match body.get("side").and_then(Value::as_str) {
        Some("bid") => Ok(Side::Bid),
        Some("ask") => Ok(Side::Ask),
        _ => Err(err(400, "invalid_side", "side must be \"bid\" or \"ask\"")),
    }
}

pub(super) fn contracts_limit(body: &Value) -> Res<i64> {
    match (body.get("contracts_limit_fp"), body.get("contracts_limit")) {
        (Some(Value::String(text)), _) => count_text(text, "contracts_limit_fp")
            .map_err(|e| err(400, "invalid_contracts_limit", e.message().to_string())),
        (None | Some(Value::Null), Some(value)) => value
            .as_i64()
            .and_then(|v| v.checked_mul(100))
            .ok_or_else(|| {
                err(
                    400,
                    "invalid_contracts_limit",
                    "contracts_limit must be an integer",
                )
            }),
        _ => Err(err(
            400,
            "invalid_contracts_limit",
            "contracts_limit_fp (or contracts_limit) is required",
        )),
    }
}
