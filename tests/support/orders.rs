//! Orders as Kalshi lists them (`GET /portfolio/orders`, `GET /portfolio/orders/{id}`),
//! for the scripted exchanges of the offline tests: one shape, so a field Kalshi adds
//! or makes required is changed in one place.

use serde_json::{json, Value};

/// An order of `ticker`: a YES bid at 0.56, created 2026-11-25T14:00:00Z; `counts` are
/// the filled, remaining and initial contracts (`"1.00"`).
pub fn order_json(
    ticker: &str,
    order_id: &str,
    client_order_id: &str,
    status: &str,
    counts: [&str; 3],
) -> Value {
    let [filled, remaining, initial] = counts;
    json!({
        "order_id": order_id, "user_id": "u", "client_order_id": client_order_id,
        "ticker": ticker, "outcome_side": "yes", "book_side": "bid", "type": "limit",
        "status": status, "yes_price_dollars": "0.5600", "no_price_dollars": "0.4400",
        "fill_count_fp": filled, "remaining_count_fp": remaining, "initial_count_fp": initial,
        "taker_fees_dollars": "0.0000", "maker_fees_dollars": "0.0000",
        "taker_fill_cost_dollars": "0.0000", "maker_fill_cost_dollars": "0.0000",
        "self_trade_prevention_type": "taker_at_cross",
        "created_time": "2026-11-25T14:00:00Z", "last_update_time": "2026-11-25T14:00:01Z",
        "exchange_index": 0
    })
}

/// One contract resting, none filled.
pub const ONE_RESTING: [&str; 3] = ["0.00", "1.00", "1.00"];
