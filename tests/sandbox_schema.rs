//! Every kind of sandbox answer satisfies the vendored spec's schemas, checked with an
//! independent JSON-schema validator (`jsonschema`), not with the generated types.
//!
//! The OpenAPI 3.0 schemas are turned into one JSON Schema 2020-12 document:
//! `#/components/schemas/X` becomes `#/$defs/X`, `nullable: true` allows `null`, and
//! objects with declared properties get `additionalProperties: false`, so a field the
//! spec does not know (a typo in the sandbox) fails too. The schema of each answer is
//! found from the spec itself: the operation whose path template and method match the
//! request, and its 2xx response; errors are checked against `ErrorResponse`.

mod sandbox_support;

use kalshi_portfolio::sandbox::{MarketSpec, Sandbox, Side};
use sandbox_support::send_signed;
use serde_json::{json, Map, Value};

const T: &str = "KXSCHEMA-26-T1";

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/portfolio.yaml"
    ))
    .expect("the vendored spec");
    serde_yaml_ng::from_str(&text).expect("YAML")
}

/// OpenAPI 3.0 schema → JSON Schema 2020-12.
fn convert(schema: &Value) -> Value {
    match schema {
        Value::Object(object) => {
            let nullable = object.get("nullable") == Some(&Value::Bool(true));
            if let Some(Value::String(reference)) = object.get("$ref") {
                // OpenAPI 3.0 ignores a $ref's siblings, except that this spec (like many)
                // puts `nullable` next to it; honour that.
                let target =
                    json!({ "$ref": reference.replace("#/components/schemas/", "#/$defs/") });
                return if nullable {
                    json!({ "anyOf": [target, { "type": "null" }] })
                } else {
                    target
                };
            }
            let mut out = Map::new();
            for (key, value) in object {
                match key.as_str() {
                    "nullable" | "example" | "x-go-type" => {}
                    "properties" => {
                        let properties = value
                            .as_object()
                            .map(|p| p.iter().map(|(k, v)| (k.clone(), convert(v))).collect())
                            .unwrap_or_default();
                        out.insert(key.clone(), Value::Object(properties));
                    }
                    "items" | "additionalProperties" | "not" => {
                        out.insert(key.clone(), convert(value));
                    }
                    "allOf" | "anyOf" | "oneOf" => {
                        let parts = value
                            .as_array()
                            .map(|a| a.iter().map(convert).collect())
                            .unwrap_or_default();
                        out.insert(key.clone(), Value::Array(parts));
                    }
                    _ if key.starts_with("x-") => {}
                    _ => {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            if out.get("type") == Some(&json!("object"))
                && !out.contains_key("additionalProperties")
            {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            let out = Value::Object(out);
            if nullable {
                json!({ "anyOf": [out, { "type": "null" }] })
            } else {
                out
            }
        }
        other => other.clone(),
    }
}

struct Schemas {
    spec: Value,
    defs: Value,
}

impl Schemas {
    fn load() -> Self {
        let spec = spec();
        let defs: Map<String, Value> = spec["components"]["schemas"]
            .as_object()
            .expect("components.schemas")
            .iter()
            .map(|(name, schema)| (name.clone(), convert(schema)))
            .collect();
        Schemas {
            spec,
            defs: Value::Object(defs),
        }
    }

    /// The success schema name of the operation answering `method path`.
    fn success_schema(&self, method: &str, path: &str) -> Option<(String, String)> {
        let operation = self.operation(method, path)?;
        let responses = operation["responses"].as_object()?;
        let (_, response) = responses
            .iter()
            .find(|(status, _)| status.starts_with('2'))?;
        let reference = response["content"]["application/json"]["schema"]["$ref"].as_str()?;
        Some((
            operation["operationId"].as_str()?.to_string(),
            reference
                .trim_start_matches("#/components/schemas/")
                .to_string(),
        ))
    }

    /// The spec's operation answering `method path` (path with or without the
    /// `/trade-api/v2` prefix, without a query).
    fn operation(&self, method: &str, path: &str) -> Option<&Value> {
        let path = path.strip_prefix("/trade-api/v2").unwrap_or(path);
        let actual: Vec<&str> = path.split('/').collect();
        // Prefer templates with fewer parameters (`/orders/queue_positions` over
        // `/orders/{order_id}`).
        let mut candidates: Vec<(usize, &String, &Value)> = self.spec["paths"]
            .as_object()?
            .iter()
            .filter_map(|(template, item)| {
                let parts: Vec<&str> = template.split('/').collect();
                let matches = parts.len() == actual.len()
                    && parts
                        .iter()
                        .zip(&actual)
                        .all(|(t, a)| (t.starts_with('{') && t.ends_with('}')) || t == a);
                matches.then(|| {
                    (
                        parts.iter().filter(|p| p.starts_with('{')).count(),
                        template,
                        item,
                    )
                })
            })
            .collect();
        candidates.sort_by_key(|(params, _, _)| *params);
        let method = method.to_ascii_lowercase();
        candidates
            .into_iter()
            .find_map(|(_, _, item)| item.get(&method))
    }

    fn check(&self, schema_name: &str, instance: &Value) -> Vec<String> {
        let document = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": self.defs,
            "$ref": format!("#/$defs/{schema_name}"),
        });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&document)
            .expect("a valid schema document");
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }
}

fn order(ticker: &str, side: &str, price: &str, count: &str) -> Value {
    json!({
        "ticker": ticker, "side": side, "price": price, "count": count,
        "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross",
    })
}

/// A sandbox with these markets of one event, and someone's asks in `T`.
fn seeded_sandbox(tickers: &[&str]) -> Sandbox {
    let sandbox = Sandbox::start().unwrap();
    for ticker in tickers {
        sandbox
            .create_market(MarketSpec::new(*ticker, "KXSCHEMA-26"))
            .unwrap();
    }
    sandbox
        .add_liquidity(T, Side::Ask, "0.40".parse().unwrap(), "5".parse().unwrap())
        .unwrap();
    sandbox
}

#[test]
fn every_answer_satisfies_the_spec() {
    let schemas = Schemas::load();
    let sandbox = seeded_sandbox(&[T, "KXSCHEMA-26-T2"]);

    let mut checked_operations = std::collections::BTreeSet::new();
    let mut checked_errors = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    let mut call = |method: &str, target: &str, body: Option<Value>| -> Value {
        let (status, text) = send_signed(&sandbox, method, target, body.as_ref());
        let path = target.split('?').next().unwrap();
        if status == 204 {
            assert!(text.is_empty(), "{method} {target}: 204 with a body");
            checked_operations.insert(format!("{method} {path} (204)"));
            return Value::Null;
        }
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {target}: not JSON ({e}): {text}"));
        let schema = if (200..300).contains(&status) {
            let (operation, schema) = schemas
                .success_schema(method, path)
                .unwrap_or_else(|| panic!("no spec operation for {method} {path}"));
            checked_operations.insert(operation);
            schema
        } else {
            checked_errors.insert(format!(
                "{status} {}",
                value["code"].as_str().unwrap_or("?")
            ));
            assert!(
                value["code"].is_string() && value["message"].is_string(),
                "{text}"
            );
            "ErrorResponse".to_string()
        };
        for error in schemas.check(&schema, &value) {
            failures.push(format!("{method} {target} ({schema}): {error}\n  {text}"));
        }
        value
    };

    let created = call(
        "POST",
        "/trade-api/v2/portfolio/events/orders",
        Some(order(T, "bid", "0.45", "8")),
    );
    let order_id = created["order_id"].as_str().unwrap().to_string();
    call(
        "POST",
        "/trade-api/v2/portfolio/events/orders",
        Some(order(T, "bid", "0.30", "2")),
    );
    let expiring = {
        let mut o = order("KXSCHEMA-26-T2", "ask", "0.70", "1.50");
        o["expiration_time"] = json!(4_000_000_000i64);
        o["client_order_id"] = json!("schema-exp");
        o
    };
    call(
        "POST",
        "/trade-api/v2/portfolio/events/orders",
        Some(expiring),
    );
    let batch = call(
        "POST",
        "/trade-api/v2/portfolio/events/orders/batched",
        Some(
            json!({ "orders": [order(T, "bid", "0.20", "1"), order("NOPE", "bid", "0.20", "1")] }),
        ),
    );
    let batch_id = batch["orders"][0]["order_id"].as_str().unwrap().to_string();
    call(
        "POST",
        &format!("/trade-api/v2/portfolio/events/orders/{order_id}/amend"),
        Some(json!({ "ticker": T, "side": "bid", "price": "0.44", "count": "9" })),
    );
    call(
        "POST",
        &format!("/trade-api/v2/portfolio/events/orders/{order_id}/decrease"),
        Some(json!({ "reduce_by": "1" })),
    );
    call(
        "GET",
        &format!("/trade-api/v2/portfolio/orders/{order_id}"),
        None,
    );
    call(
        "GET",
        &format!("/trade-api/v2/portfolio/orders/{order_id}/queue_position"),
        None,
    );
    call(
        "GET",
        "/trade-api/v2/portfolio/orders/queue_positions",
        None,
    );
    call("GET", "/trade-api/v2/portfolio/orders?limit=2", None);
    call("GET", "/trade-api/v2/portfolio/fills", None);
    call("GET", "/trade-api/v2/portfolio/balance", None);
    call(
        "GET",
        "/trade-api/v2/portfolio/summary/total_resting_order_value",
        None,
    );
    let group = call(
        "POST",
        "/trade-api/v2/portfolio/order_groups/create",
        Some(json!({ "contracts_limit_fp": "10.00" })),
    );
    let group_id = group["order_group_id"].as_str().unwrap().to_string();
    call("GET", "/trade-api/v2/portfolio/order_groups", None);
    call(
        "GET",
        &format!("/trade-api/v2/portfolio/order_groups/{group_id}"),
        None,
    );
    call(
        "PUT",
        &format!("/trade-api/v2/portfolio/order_groups/{group_id}/limit"),
        Some(json!({ "contracts_limit": 4 })),
    );
    call(
        "PUT",
        &format!("/trade-api/v2/portfolio/order_groups/{group_id}/trigger"),
        None,
    );
    call(
        "PUT",
        &format!("/trade-api/v2/portfolio/order_groups/{group_id}/reset"),
        None,
    );
    call(
        "DELETE",
        &format!("/trade-api/v2/portfolio/order_groups/{group_id}"),
        None,
    );
    call(
        "DELETE",
        "/trade-api/v2/portfolio/events/orders/batched",
        Some(json!({ "orders": [{ "order_id": batch_id }, { "order_id": "missing" }] })),
    );
    call(
        "DELETE",
        &format!("/trade-api/v2/portfolio/events/orders/{order_id}"),
        None,
    );
    call("GET", "/trade-api/v2/portfolio/positions?limit=1", None);
    // Market reads, on a flat market with a book on both sides and on a tapered one.
    sandbox
        .create_market(
            MarketSpec::new("KXSCHEMA-27-T1", "KXSCHEMA-27")
                .price_rules(kalshi_portfolio::price_rules::PriceRules::tapered_deci_cent()),
        )
        .unwrap();
    sandbox
        .add_liquidity(
            "KXSCHEMA-27-T1",
            Side::Bid,
            "0.055".parse().unwrap(),
            "3".parse().unwrap(),
        )
        .unwrap();
    call("GET", &format!("/trade-api/v2/markets/{T}"), None);
    call("GET", "/trade-api/v2/markets/KXSCHEMA-27-T1", None);
    call("GET", "/trade-api/v2/markets?limit=2", None);
    call(
        "GET",
        "/trade-api/v2/markets?event_ticker=KXSCHEMA-26&status=open",
        None,
    );
    call(
        "GET",
        &format!("/trade-api/v2/markets/{T}/orderbook?depth=1"),
        None,
    );
    call(
        "GET",
        "/trade-api/v2/markets/KXSCHEMA-27-T1/orderbook",
        None,
    );
    call("GET", "/trade-api/v2/events/KXSCHEMA-26", None);
    call(
        "GET",
        "/trade-api/v2/events/KXSCHEMA-27?with_nested_markets=true",
        None,
    );
    call("GET", "/trade-api/v2/markets/NOPE", None);
    call("GET", "/trade-api/v2/events/NOPE", None);
    sandbox
        .settle_market(T, kalshi_portfolio::sandbox::MarketResult::Yes)
        .unwrap();
    call("GET", &format!("/trade-api/v2/markets/{T}"), None);
    call("GET", "/trade-api/v2/markets?status=settled", None);
    call("GET", "/trade-api/v2/portfolio/settlements", None);
    call(
        "GET",
        "/trade-api/v2/portfolio/positions?settlement_status=all",
        None,
    );
    call("DELETE", "/trade-api/v2/portfolio/events/orders", None);

    // Errors.
    call(
        "GET",
        &format!("/trade-api/v2/portfolio/orders/{order_id}x"),
        None,
    );
    call(
        "POST",
        "/trade-api/v2/portfolio/events/orders",
        Some(order("KXSCHEMA-26-T2", "bid", "1.5", "1")),
    );
    call(
        "POST",
        "/trade-api/v2/portfolio/events/orders",
        Some(order("KXSCHEMA-26-T2", "bid", "0.5", "0")),
    );
    let mut duplicate = order("KXSCHEMA-26-T2", "bid", "0.10", "1");
    duplicate["client_order_id"] = json!("schema-exp");
    call(
        "POST",
        "/trade-api/v2/portfolio/events/orders",
        Some(duplicate),
    );
    call("GET", "/trade-api/v2/portfolio/fills?limit=0", None);
    call("GET", "/trade-api/v2/portfolio/withdrawals", None);
    sandbox.inject(kalshi_portfolio::sandbox::Fault::rate_limited(1));
    call("GET", "/trade-api/v2/portfolio/balance", None);
    let (status, text) = send_signed(&sandbox, "GET", "/trade-api/v2/portfolio/balance?x=1", None);
    assert_eq!(status, 200, "{text}");

    assert!(
        failures.is_empty(),
        "schema violations:\n{}",
        failures.join("\n")
    );
    for operation in [
        "GetBalance",
        "CreateOrderV2",
        "BatchCreateOrdersV2",
        "BatchCancelOrdersV2",
        "CancelOrderV2",
        "AmendOrderV2",
        "DecreaseOrderV2",
        "GetFills",
        "GetOrders",
        "GetOrder",
        "GetOrderQueuePosition",
        "GetOrderQueuePositions",
        "GetPositions",
        "GetSettlements",
        "GetPortfolioRestingOrderTotalValue",
        "GetOrderGroups",
        "GetOrderGroup",
        "CreateOrderGroup",
        "UpdateOrderGroupLimit",
        "TriggerOrderGroup",
        "ResetOrderGroup",
        "DeleteOrderGroup",
        "GetMarket",
        "GetMarkets",
        "GetMarketOrderbook",
        "GetEvent",
    ] {
        assert!(
            checked_operations.contains(operation),
            "{operation} not exercised: {checked_operations:?}"
        );
    }
    for error in [
        "404 order_not_found",
        "400 invalid_price",
        "400 invalid_count",
        "409 duplicate_client_order_id",
        "400 invalid_limit",
        "501 not_implemented",
        "429 too_many_requests",
        "404 market_not_found",
        "404 event_not_found",
    ] {
        assert!(
            checked_errors.contains(error),
            "{error} not exercised: {checked_errors:?}"
        );
    }
}

#[test]
fn the_converter_catches_violations() {
    // The check is not vacuous: wrong types, missing fields and unknown fields fail.
    let schemas = Schemas::load();
    let good = json!({ "queue_position_fp": "1.00" });
    assert!(schemas
        .check("GetOrderQueuePositionResponse", &good)
        .is_empty());
    assert!(!schemas
        .check("GetOrderQueuePositionResponse", &json!({}))
        .is_empty());
    assert!(!schemas
        .check(
            "GetOrderQueuePositionResponse",
            &json!({ "queue_position_fp": 1 })
        )
        .is_empty());
    assert!(!schemas
        .check(
            "GetOrderQueuePositionResponse",
            &json!({ "queue_position_fp": "1.00", "extra": 1 })
        )
        .is_empty());
    // `nullable` next to a `$ref` (`error`) and on a plain type (`ts_ms`) allows null,
    // and its absence refuses it: what the vendored spec says, not a constant, so the
    // check still holds after Kalshi drops a `nullable`.
    let component = |name: &str| &schemas.spec["components"]["schemas"][name];
    let mut item_schema =
        &component("BatchCancelOrdersV2Response")["properties"]["orders"]["items"];
    if let Some(name) = item_schema["$ref"].as_str() {
        item_schema = component(name.trim_start_matches("#/components/schemas/"));
    }
    for field in ["error", "ts_ms"] {
        let nullable = item_schema["properties"][field]["nullable"] == json!(true);
        let mut item = json!({ "order_id": "x", "reduced_by": "0.00" });
        item[field] = Value::Null;
        let violations = schemas.check("BatchCancelOrdersV2Response", &json!({ "orders": [item] }));
        assert_eq!(
            violations.is_empty(),
            nullable,
            "{field}: null against nullable={nullable}: {violations:?}"
        );
    }
    // date-time formats are checked.
    let mut position = json!({
        "ticker": "T", "exchange_index": 0, "total_traded_dollars": "0", "position_fp": "0",
        "market_exposure_dollars": "0", "realized_pnl_dollars": "0", "fees_paid_dollars": "0",
        "last_updated_ts": "2026-11-25T10:00:00Z",
    });
    assert!(schemas.check("MarketPosition", &position).is_empty());
    position["last_updated_ts"] = json!("yesterday");
    assert!(!schemas.check("MarketPosition", &position).is_empty());
}

/// One request exactly as given (no signature unless the headers carry one).
fn send_raw(
    sandbox: &Sandbox,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
    body: &str,
) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = sandbox.addr();
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

/// Every answer the sandbox gives, success or refusal, has a status the vendored spec
/// lists for that operation; the one documented exception is `501 not_implemented`
/// for operations the sandbox does not implement. (Injected faults are what the
/// caller asked for and are not exercised here.) The listed statuses are read from
/// `openapi/portfolio.yaml` itself, per operationId.
#[test]
fn every_status_is_one_the_spec_lists_for_the_operation() {
    let schemas = Schemas::load();
    let sandbox = seeded_sandbox(&[T, "KXSCHEMA-26-T2", "KXSCHEMA-26-T3"]);

    let answered: std::cell::RefCell<
        std::collections::BTreeMap<String, std::collections::BTreeSet<u16>>,
    > = Default::default();
    let violations = std::cell::RefCell::new(Vec::new());
    let record = |method: &str, target: &str, status: u16, text: &str| {
        let path = target.split('?').next().unwrap();
        let operation = schemas
            .operation(method, path)
            .unwrap_or_else(|| panic!("no spec operation for {method} {path}"));
        let id = operation["operationId"].as_str().unwrap().to_string();
        let listed: Vec<&String> = operation["responses"].as_object().unwrap().keys().collect();
        let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let documented_501 = status == 501 && value["code"] == "not_implemented";
        if !documented_501 && !listed.iter().any(|s| s.as_str() == status.to_string()) {
            violations.borrow_mut().push(format!(
                "{id} ({method} {target}) answered {status}, the spec lists {listed:?}: {text}"
            ));
        }
        answered.borrow_mut().entry(id).or_default().insert(status);
        value
    };
    let call = |method: &str, target: &str, body: Option<Value>| -> Value {
        let (status, text) = send_signed(&sandbox, method, target, body.as_ref());
        record(method, target, status, &text)
    };
    let v2 = |rest: &str| format!("/trade-api/v2/portfolio{rest}");

    // Orders: successes, then every refusal on the way.
    let created = call(
        "POST",
        &v2("/events/orders"),
        Some(order(T, "bid", "0.45", "8")),
    );
    let order_id = created["order_id"].as_str().unwrap().to_string();
    let resting = call(
        "POST",
        &v2("/events/orders"),
        Some(order(T, "bid", "0.30", "3")),
    );
    let resting_id = resting["order_id"].as_str().unwrap().to_string();
    let mut with_id = order("KXSCHEMA-26-T2", "bid", "0.10", "1");
    with_id["client_order_id"] = json!("status-1");
    call("POST", &v2("/events/orders"), Some(with_id.clone()));
    call("POST", &v2("/events/orders"), Some(with_id)); // duplicate: 409
    call(
        "POST",
        &v2("/events/orders"),
        Some(order("NOPE", "bid", "0.10", "1")),
    );
    let mut in_unknown_group = order(T, "bid", "0.10", "1");
    in_unknown_group["order_group_id"] = json!("no-such-group");
    call("POST", &v2("/events/orders"), Some(in_unknown_group));
    let mut in_other_account = order(T, "bid", "0.10", "1");
    in_other_account["subaccount"] = json!(3);
    call("POST", &v2("/events/orders"), Some(in_other_account));
    let mut post_only = order(T, "bid", "0.45", "1");
    post_only["post_only"] = json!(true);
    call("POST", &v2("/events/orders"), Some(post_only));
    let mut reduce_only = order(T, "bid", "0.10", "1");
    reduce_only["reduce_only"] = json!(true);
    reduce_only["time_in_force"] = json!("immediate_or_cancel");
    call("POST", &v2("/events/orders"), Some(reduce_only));
    call(
        "POST",
        &v2("/events/orders"),
        Some(order(T, "bid", "1.5", "1")),
    );
    call(
        "POST",
        &v2("/events/orders"),
        Some(order(T, "bid", "0.5", "0")),
    );
    call(
        "POST",
        &v2("/events/orders"),
        Some(order(T, "bid", "0.99", "100000")),
    );
    call(
        "POST",
        &v2("/events/orders"),
        Some(json!(["not", "an", "object"])),
    );
    call("POST", &v2("/events/orders"), Some(json!({ "ticker": T })));
    let (status, text) = send_raw(
        &sandbox,
        "POST",
        &v2("/events/orders"),
        &signed_headers(&sandbox, "POST", &v2("/events/orders")),
        "{not json",
    );
    record("POST", &v2("/events/orders"), status, &text);

    let batch = call(
        "POST",
        &v2("/events/orders/batched"),
        Some(
            json!({ "orders": [order(T, "bid", "0.20", "1"), order("NOPE", "bid", "0.20", "1")] }),
        ),
    );
    let batch_id = batch["orders"][0]["order_id"].as_str().unwrap().to_string();
    call(
        "POST",
        &v2("/events/orders/batched"),
        Some(json!({ "orders": [] })),
    );
    call(
        "POST",
        &v2("/events/orders/batched"),
        Some(json!({ "orders": 1 })),
    );
    call(
        "DELETE",
        &v2("/events/orders/batched"),
        Some(json!({ "orders": [{ "order_id": batch_id }, { "order_id": "missing" }] })),
    );
    call("DELETE", &v2("/events/orders/batched"), Some(json!({})));

    let amend =
        |count: &str| json!({ "ticker": T, "side": "bid", "price": "0.44", "count": count });
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/amend")),
        Some(amend("9")),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/amend")),
        Some(amend("0")),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/amend")),
        Some(json!({ "ticker": "KXSCHEMA-26-T2", "side": "bid", "price": "0.44", "count": "9" })),
    );
    let mut duplicate_update = amend("9");
    duplicate_update["updated_client_order_id"] = json!("status-1");
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/amend")),
        Some(duplicate_update),
    );
    call(
        "POST",
        &v2("/events/orders/missing/amend"),
        Some(amend("9")),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/amend?subaccount=1")),
        Some(amend("9")),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/amend?subaccount=x")),
        Some(amend("9")),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/decrease")),
        Some(json!({ "reduce_by": "1" })),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/decrease")),
        Some(json!({ "reduce_by": "1", "reduce_to": "1" })),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/decrease")),
        Some(json!({})),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/decrease")),
        Some(json!({ "reduce_to": "99" })),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/decrease")),
        Some(json!({ "reduce_by": 1 })),
    );
    call(
        "POST",
        &v2("/events/orders/missing/decrease"),
        Some(json!({ "reduce_by": "1" })),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{order_id}/decrease?subaccount=2")),
        Some(json!({ "reduce_by": "1" })),
    );
    call("GET", &v2(&format!("/orders/{resting_id}")), None);
    call(
        "GET",
        &v2(&format!("/orders/{resting_id}?subaccount=4")),
        None,
    );
    call("GET", &v2("/orders/missing"), None);
    call(
        "GET",
        &v2(&format!("/orders/{resting_id}/queue_position")),
        None,
    );
    call("GET", &v2("/orders/missing/queue_position"), None);
    call(
        "DELETE",
        &v2(&format!("/events/orders/{resting_id}?subaccount=1")),
        None,
    );
    call(
        "DELETE",
        &v2(&format!("/events/orders/{resting_id}?subaccount=x")),
        None,
    );
    call("DELETE", &v2("/events/orders/missing"), None);
    call("DELETE", &v2(&format!("/events/orders/{resting_id}")), None);
    // The order is no longer resting.
    call("DELETE", &v2(&format!("/events/orders/{resting_id}")), None);
    call(
        "POST",
        &v2(&format!("/events/orders/{resting_id}/amend")),
        Some(json!({ "ticker": T, "side": "bid", "price": "0.30", "count": "4" })),
    );
    call(
        "POST",
        &v2(&format!("/events/orders/{resting_id}/decrease")),
        Some(json!({ "reduce_by": "1" })),
    );
    call(
        "GET",
        &v2(&format!("/orders/{resting_id}/queue_position")),
        None,
    );

    // Order groups.
    let group = call(
        "POST",
        &v2("/order_groups/create"),
        Some(json!({ "contracts_limit_fp": "10.00" })),
    );
    let group_id = group["order_group_id"].as_str().unwrap().to_string();
    call(
        "POST",
        &v2("/order_groups/create"),
        Some(json!({ "contracts_limit": 0 })),
    );
    call("POST", &v2("/order_groups/create"), Some(json!({})));
    call(
        "POST",
        &v2("/order_groups/create"),
        Some(json!({ "contracts_limit": 5, "subaccount": 2 })),
    );
    call("GET", &v2("/order_groups"), None);
    call("GET", &v2("/order_groups?subaccount=1"), None);
    call("GET", &v2("/order_groups?subaccount=x"), None);
    for suffix in ["", "?subaccount=1", "?subaccount=x"] {
        call(
            "GET",
            &v2(&format!("/order_groups/{group_id}{suffix}")),
            None,
        );
        call(
            "PUT",
            &v2(&format!("/order_groups/{group_id}/trigger{suffix}")),
            None,
        );
        call(
            "PUT",
            &v2(&format!("/order_groups/{group_id}/reset{suffix}")),
            None,
        );
        call(
            "PUT",
            &v2(&format!("/order_groups/{group_id}/limit{suffix}")),
            Some(json!({ "contracts_limit": 4 })),
        );
    }
    call(
        "PUT",
        &v2(&format!("/order_groups/{group_id}/limit")),
        Some(json!({ "contracts_limit": -1 })),
    );
    call(
        "PUT",
        &v2(&format!("/order_groups/{group_id}/trigger")),
        None,
    );
    let mut in_triggered = order(T, "bid", "0.10", "1");
    in_triggered["order_group_id"] = json!(group_id);
    call("POST", &v2("/events/orders"), Some(in_triggered));
    for id in ["missing", group_id.as_str()] {
        call("GET", &v2(&format!("/order_groups/{id}")), None);
        call("PUT", &v2(&format!("/order_groups/{id}/trigger")), None);
        call("PUT", &v2(&format!("/order_groups/{id}/reset")), None);
        call(
            "PUT",
            &v2(&format!("/order_groups/{id}/limit")),
            Some(json!({ "contracts_limit": 4 })),
        );
        call(
            "DELETE",
            &v2(&format!("/order_groups/{id}?subaccount=1")),
            None,
        );
        call(
            "DELETE",
            &v2(&format!("/order_groups/{id}?subaccount=x")),
            None,
        );
        call("DELETE", &v2(&format!("/order_groups/{id}")), None);
    }

    // Portfolio reads, with every filter's refusal and another subaccount.
    for (path, refusals) in [
        (
            "/fills",
            &[
                "limit=0",
                "limit=abc",
                "cursor=garbage",
                "min_ts=soon",
                "subaccount=x",
            ][..],
        ),
        (
            "/orders",
            &[
                "limit=1001",
                "cursor=%%%",
                "status=sleeping",
                "max_ts=later",
                "subaccount=x",
            ][..],
        ),
        (
            "/positions",
            &[
                "limit=0",
                "cursor=garbage",
                "settlement_status=maybe",
                "count_filter=size",
                "subaccount=x",
            ][..],
        ),
        (
            "/settlements",
            &["limit=0", "cursor=garbage", "min_ts=x", "subaccount=x"][..],
        ),
        ("/orders/queue_positions", &["subaccount=x"][..]),
        ("/order_groups", &["subaccount=-1"][..]),
    ] {
        call("GET", &v2(path), None);
        call("GET", &v2(&format!("{path}?subaccount=1")), None);
        call("GET", &v2(&format!("{path}?exchange_index=1")), None);
        for query in refusals {
            call("GET", &v2(&format!("{path}?{query}")), None);
        }
    }
    for query in [
        "",
        "?subaccount=0",
        "?subaccount=1",
        "?subaccount=x",
        "?exchange_index=1",
    ] {
        call("GET", &v2(&format!("/balance{query}")), None);
        call(
            "GET",
            &v2(&format!("/summary/total_resting_order_value{query}")),
            None,
        );
    }
    // Another subaccount is an empty account, not an error.
    assert!(call("GET", &v2("/balance"), None)["balance"].as_i64() > Some(0));
    assert_eq!(
        call("GET", &v2("/balance?subaccount=1"), None)["balance"],
        0
    );
    assert_eq!(
        call("GET", &v2("/balance?subaccount=x"), None)["balance"],
        0
    );
    assert!(!call("GET", &v2("/fills"), None)["fills"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        call("GET", &v2("/fills?subaccount=1"), None)["fills"],
        json!([])
    );
    assert_eq!(
        call("GET", &v2("/orders?subaccount=7"), None)["orders"],
        json!([])
    );
    // Market reads: successes and their refusals.
    let markets = |rest: &str| format!("/trade-api/v2{rest}");
    call("GET", &markets(&format!("/markets/{T}")), None);
    call(
        "GET",
        &markets("/markets?tickers=KXSCHEMA-26-T2,KXSCHEMA-26-T3"),
        None,
    );
    call("GET", &markets("/markets?status=nope"), None); // 400
    call("GET", &markets("/markets?limit=0"), None); // 400
    call("GET", &markets("/markets?cursor=bad"), None); // 400
    call("GET", &markets("/markets?min_close_ts=1"), None); // 400: no times kept
    call(
        "GET",
        &markets(&format!("/markets/{T}/orderbook?depth=3")),
        None,
    );
    call("GET", &markets("/markets/NOPE/orderbook"), None); // 404
    call("GET", &markets("/events/KXSCHEMA-26"), None);
    call(
        "GET",
        &markets("/events/KXSCHEMA-26?with_nested_markets=maybe"),
        None,
    ); // 400
    call("GET", &markets("/events/NOPE"), None); // 404
    sandbox
        .settle_market(T, kalshi_portfolio::sandbox::MarketResult::Yes)
        .unwrap();
    call(
        "POST",
        &v2("/events/orders"),
        Some(order(T, "bid", "0.10", "1")),
    );
    call("GET", &v2("/settlements"), None);
    call("DELETE", &v2("/events/orders?subaccount=2"), None);
    call("DELETE", &v2("/events/orders?subaccount=x"), None);
    call("DELETE", &v2("/events/orders"), None);

    // Every operation of the spec, implemented or not: unsigned, wrongly signed and
    // stale requests to an implemented one are refused, and an unimplemented one
    // answers 501 to all four, whatever statuses the spec lists for it.
    let spec = spec();
    let paths = spec["paths"].as_object().unwrap();
    let mut operations = Vec::new();
    for (template, item) in paths {
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_some() {
                let concrete: Vec<String> = template
                    .split('/')
                    .map(|p| {
                        if p.starts_with('{') {
                            "some-id".to_string()
                        } else {
                            p.to_string()
                        }
                    })
                    .collect();
                operations.push((
                    method.to_ascii_uppercase(),
                    format!("/trade-api/v2{}", concrete.join("/")),
                ));
            }
        }
    }
    for (method, path) in &operations {
        let body = if method == "POST" || method == "PUT" {
            "{}"
        } else {
            ""
        };
        let (status, text) = send_raw(&sandbox, method, path, &[], body);
        record(method, path, status, &text);
        let mut bad_signature = signed_headers(&sandbox, method, path);
        bad_signature[2].1 = "AAAA".into();
        let (status, text) = send_raw(&sandbox, method, path, &bad_signature, body);
        record(method, path, status, &text);
        let mut stale = signed_headers(&sandbox, method, path);
        stale[1].1 = "1000".into();
        let (status, text) = send_raw(&sandbox, method, path, &stale, body);
        record(method, path, status, &text);
        let (status, text) = send_raw(
            &sandbox,
            method,
            path,
            &signed_headers(&sandbox, method, path),
            body,
        );
        record(method, path, status, &text);
    }

    let violations = violations.into_inner();
    let answered = answered.into_inner();
    assert!(
        violations.is_empty(),
        "statuses the spec does not list:\n{}",
        violations.join("\n")
    );
    // The exercise reached every operation, and every implemented one both succeeded
    // and refused something besides auth.
    assert_eq!(answered.len(), operations.len(), "{answered:?}");
    for (operation, statuses) in &answered {
        if statuses.contains(&501) {
            assert!(
                statuses.iter().all(|s| *s == 501),
                "{operation}: {statuses:?}"
            );
        } else {
            assert!(statuses.contains(&401), "{operation}: {statuses:?}");
            assert!(
                statuses.iter().any(|s| (200..300).contains(s)),
                "{operation}: {statuses:?}"
            );
        }
    }
    for operation in [
        "CreateOrderV2",
        "BatchCreateOrdersV2",
        "BatchCancelOrdersV2",
        "CancelOrderV2",
        "AmendOrderV2",
        "DecreaseOrderV2",
        "GetFills",
        "GetOrders",
        "GetOrder",
        "GetOrderQueuePosition",
        "GetOrderQueuePositions",
        "GetPositions",
        "GetSettlements",
        "GetOrderGroups",
        "GetOrderGroup",
        "CreateOrderGroup",
        "UpdateOrderGroupLimit",
        "TriggerOrderGroup",
        "ResetOrderGroup",
        "DeleteOrderGroup",
        "GetMarket",
        "GetMarkets",
        "GetMarketOrderbook",
        "GetEvent",
    ] {
        assert!(
            answered[operation]
                .iter()
                .any(|s| (400..500).contains(s) && *s != 401),
            "{operation} refused nothing but auth: {:?}",
            answered[operation]
        );
    }
}

/// KALSHI-ACCESS-KEY, -TIMESTAMP, -SIGNATURE for `method path`, signed now.
fn signed_headers(sandbox: &Sandbox, method: &str, path: &str) -> Vec<(&'static str, String)> {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let signature = kalshi_portfolio::signing::SigningKey::from_pem(sandbox.private_key_pem())
        .unwrap()
        .sign_request(ts, method, path.split('?').next().unwrap())
        .unwrap();
    vec![
        ("KALSHI-ACCESS-KEY", sandbox.key_id().to_string()),
        ("KALSHI-ACCESS-TIMESTAMP", ts.to_string()),
        ("KALSHI-ACCESS-SIGNATURE", signature),
    ]
}
