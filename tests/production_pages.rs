//! Pages in the exact shape Kalshi's production API sends (tests/fixtures/production):
//! they must decode through the facade, every recorded field must come out with its
//! recorded value, and the fields production leaves out must take their documented
//! defaults (openapi/tolerances.yaml). A field the facade cannot do without still fails
//! the page, with an error that names the item, the field, and the versions to report.

mod support;

use chrono::DateTime;
use kalshi_portfolio::{Dollars, Error};
use serde_json::Value;
use support::{Reply, TestServer};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/production/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A server that answers fills and settlements with these pages.
fn exchange(fills: Value, settlements: Value) -> TestServer {
    TestServer::start(move |request| {
        if request.path.ends_with("/portfolio/fills") {
            Reply::json(200, &fills)
        } else if request.path.ends_with("/portfolio/settlements") {
            Reply::json(200, &settlements)
        } else {
            Reply::empty(404)
        }
    })
}

/// Whether a decoded value carries the recorded one: equal JSON, or the same amount
/// (`"0.015930"` and `"0.0159"`), or the same instant written another way.
fn same_value(recorded: &Value, decoded: &Value) -> bool {
    if recorded == decoded {
        return true;
    }
    let (Some(recorded), Some(decoded)) = (recorded.as_str(), decoded.as_str()) else {
        return false;
    };
    if let (Ok(a), Ok(b)) = (recorded.parse::<Dollars>(), decoded.parse::<Dollars>()) {
        return a == b;
    }
    if let (Ok(a), Ok(b)) = (
        DateTime::parse_from_rfc3339(recorded),
        DateTime::parse_from_rfc3339(decoded),
    ) {
        return a == b;
    }
    false
}

/// Every key of every recorded item comes back with its value.
fn assert_carries_every_recorded_field(recorded: &[Value], decoded: &[Value]) {
    assert_eq!(recorded.len(), decoded.len());
    for (index, (recorded, decoded)) in recorded.iter().zip(decoded).enumerate() {
        for (key, value) in recorded.as_object().expect("an object") {
            let got = decoded.get(key).unwrap_or(&Value::Null);
            assert!(
                same_value(value, got),
                "item {index}: {key} was recorded as {value}, decoded as {got}"
            );
        }
    }
}

#[test]
fn a_production_fills_page_without_exchange_index_decodes() {
    let page = fixture("fills-2026-08-18.json");
    let server = exchange(page.clone(), Value::Null);
    let fills: Vec<_> = server
        .client()
        .get_fills()
        .iter()
        .collect::<Result<_, _>>()
        .expect("every production fill decodes");
    let decoded: Vec<Value> = fills
        .iter()
        .map(|fill| serde_json::to_value(fill).expect("serializes"))
        .collect();
    let recorded = page["fills"].as_array().expect("fills");
    assert_carries_every_recorded_field(recorded, &decoded);
    for fill in &fills {
        // Absent on the wire: the only exchange before sharding.
        assert_eq!(serde_json::to_value(&fill.exchange_index).expect("json"), 0);
    }
    assert_eq!(fills[0].count_fp.to_string(), "227.27");
    assert_eq!(fills[0].fee_cost, "0.01593".parse().expect("dollars"));
    assert_eq!(fills[0].subaccount_number, Some(0));
}

#[test]
fn a_production_settlements_page_without_exchange_index_decodes() {
    let page = fixture("settlements-2026-08-18.json");
    let server = exchange(Value::Null, page.clone());
    let settlements: Vec<_> = server
        .client()
        .get_settlements()
        .iter()
        .collect::<Result<_, _>>()
        .expect("every production settlement decodes");
    let decoded: Vec<Value> = settlements
        .iter()
        .map(|settlement| serde_json::to_value(settlement).expect("serializes"))
        .collect();
    let recorded = page["settlements"].as_array().expect("settlements");
    assert_carries_every_recorded_field(recorded, &decoded);
    for settlement in &settlements {
        assert_eq!(
            serde_json::to_value(&settlement.exchange_index).expect("json"),
            0
        );
    }
    assert_eq!(settlements[0].revenue, 22_727);
}

#[test]
fn a_missing_identity_field_still_fails_and_says_where_and_who_expected_it() {
    let mut page = fixture("fills-2026-08-18.json");
    page["fills"][1]
        .as_object_mut()
        .expect("a fill")
        .remove("order_id");
    let server = exchange(page, Value::Null);
    let error = server
        .client()
        .get_fills()
        .send()
        .expect_err("a fill without its order id");
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    let text = error.to_string();
    for part in [
        "get_fills",
        "fills[1]",
        "order_id",
        concat!("kalshi-portfolio ", env!("CARGO_PKG_VERSION")),
        kalshi_portfolio::SPEC_VERSION,
    ] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
}
