//! Property tests: nothing the network sends can panic a decoder.
//!
//! Every response type the facade decodes, the error-body decoder and the money
//! parsers are fed arbitrary bytes, arbitrary JSON, and valid answers with random
//! damage (fields dropped, values replaced with other JSON, unknown enum strings).
//! They must return `Ok` or `Err`, never panic. The run is bounded: 256 cases per
//! property by default, `KALSHI_FUZZ_CASES=<n>` for a longer run (RELIABILITY.md
//! records one).

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::error::{parse_error_object, ApiError};
use crate::money::{Count, Dollars};
use crate::types;

fn cases() -> u32 {
    std::env::var("KALSHI_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// Any JSON value, nested a few levels, with strings that look like what Kalshi sends.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z_]{0,12}".prop_map(Value::from),
        "-?[0-9]{0,4}(\\.[0-9]{0,8})?".prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,24}", inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Decode `bytes` as every response type; any outcome but a panic is fine.
fn decode_everything(bytes: &[u8]) {
    macro_rules! decode {
        ($($ty:ty),* $(,)?) => {
            $( let _ = serde_json::from_slice::<$ty>(bytes); )*
        };
    }
    decode!(
        types::GetBalanceResponse,
        types::GetFillsResponse,
        types::GetOrdersResponse,
        types::GetOrderResponse,
        types::GetPositionsResponse,
        types::GetSettlementsResponse,
        types::GetOrderGroupsResponse,
        types::GetOrderGroupResponse,
        types::GetOrderQueuePositionResponse,
        types::GetOrderQueuePositionsResponse,
        types::GetPortfolioRestingOrderTotalValueResponse,
        types::CreateOrderV2Response,
        types::AmendOrderV2Response,
        types::DecreaseOrderV2Response,
        types::CancelOrderV2Response,
        types::BatchCreateOrdersV2Response,
        types::BatchCancelOrdersV2Response,
        types::CreateOrderGroupResponse,
        types::EmptyResponse,
    );
    let _ = parse_error_object(bytes);
    let api = ApiError::from_body("fuzz", 400, bytes, None);
    let _ = (api.to_string(), format!("{api:?}"));
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = text.parse::<Dollars>();
        let _ = text.parse::<Count>();
    }
}

/// Valid answers of the busiest shapes, to damage.
fn valid_answers() -> Vec<Value> {
    let fill = json!({
        "fill_id": "f1", "trade_id": "f1", "order_id": "o1", "ticker": "T", "market_ticker": "T",
        "exchange_index": 0, "outcome_side": "yes", "book_side": "bid", "count_fp": "2.00",
        "yes_price_dollars": "0.5600", "no_price_dollars": "0.4400", "is_taker": true,
        "fee_cost": "0.0200", "created_time": "2026-11-25T14:00:00Z", "ts": 1
    });
    let order = json!({
        "order_id": "o1", "user_id": "u", "client_order_id": "c", "ticker": "T",
        "outcome_side": "yes", "book_side": "bid", "type": "limit", "status": "resting",
        "yes_price_dollars": "0.5600", "no_price_dollars": "0.4400", "fill_count_fp": "0.00",
        "remaining_count_fp": "1.00", "initial_count_fp": "1.00", "taker_fees_dollars": "0.0000",
        "maker_fees_dollars": "0.0000", "taker_fill_cost_dollars": "0.0000",
        "maker_fill_cost_dollars": "0.0000"
    });
    vec![
        json!({"fills": [fill.clone(), fill], "cursor": "abc"}),
        json!({"orders": [order.clone()], "cursor": ""}),
        json!({"order": order}),
        json!({"balance": 1, "balance_dollars": "0.0100", "portfolio_value": 0, "updated_ts": 1}),
        json!({"market_positions": [{"ticker": "T", "exchange_index": 0,
            "total_traded_dollars": "1.0000", "position_fp": "-3.00",
            "market_exposure_dollars": "1.0000", "realized_pnl_dollars": "0.0000",
            "fees_paid_dollars": "0.0100", "last_updated_ts": "2026-11-25T14:00:00Z"}],
            "event_positions": [], "cursor": ""}),
        json!({"error": {"code": "c", "message": "m", "details": "d"}}),
    ]
}

/// Damage `value` in one place chosen by `path`: drop a field, replace a value, or
/// put an unknown string where an enum or a money string was.
fn damage(value: &mut Value, path: &[usize], replacement: Value, action: u8) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let index = path.first().copied().unwrap_or(0) % map.len();
            let Some(key) = map.keys().nth(index).cloned() else {
                return;
            };
            match (path.len() > 1, action % 3) {
                (true, _) => {
                    if let Some(child) = map.get_mut(&key) {
                        damage(child, &path[1..], replacement, action);
                    }
                }
                (false, 0) => {
                    map.remove(&key);
                }
                (false, 1) => {
                    map.insert(key, replacement);
                }
                (false, _) => {
                    map.insert(key, Value::from("a-value-from-next-month"));
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let index = path.first().copied().unwrap_or(0) % items.len();
            damage(
                &mut items[index],
                path.get(1..).unwrap_or(&[]),
                replacement,
                action,
            );
        }
        other => *other = replacement,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_a_decoder(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics_a_decoder(value in any_json()) {
        let bytes = serde_json::to_vec(&value).expect("a Value always serializes");
        decode_everything(&bytes);
    }

    #[test]
    fn damaged_valid_answers_never_panic_a_decoder(
        which in 0usize..6,
        path in prop::collection::vec(0usize..16, 1..5),
        replacement in any_json(),
        action in any::<u8>(),
    ) {
        let mut answers = valid_answers();
        let answer = &mut answers[which % 6];
        damage(answer, &path, replacement, action);
        let bytes = serde_json::to_vec(answer).expect("a Value always serializes");
        decode_everything(&bytes);
    }
}

#[test]
fn the_valid_answers_do_decode() {
    // Guards the property above: damage must start from answers that decode.
    let answers = valid_answers();
    assert!(serde_json::from_value::<types::GetFillsResponse>(answers[0].clone()).is_ok());
    assert!(serde_json::from_value::<types::GetOrdersResponse>(answers[1].clone()).is_ok());
    assert!(serde_json::from_value::<types::GetOrderResponse>(answers[2].clone()).is_ok());
    assert!(serde_json::from_value::<types::GetBalanceResponse>(answers[3].clone()).is_ok());
    assert!(serde_json::from_value::<types::GetPositionsResponse>(answers[4].clone()).is_ok());
    assert!(parse_error_object(answers[5].to_string().as_bytes()).is_some());
}
