//! The exchange's records as the spec's wire types (`crate::types`), the shapes the
//! server sends.
//!
//! Every value is built through progenitor's generated builder, never a struct
//! literal, and optional fields are set by name through serde ([`wire`]). So when
//! Kalshi adds an optional field, removes one (the sandbox then stops sending it), adds
//! an enum value, or turns a required field such as `exchange_index` into an optional
//! one, this file still compiles unchanged. A required field the spec gains is not
//! filled here: the builder then fails, which the server answers as a `500
//! internal_error` naming the field (never a panic), and the schema tests fail until
//! it is added.

use chrono::{DateTime, TimeZone, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::{
    count, dollars, FillRec, GroupRec, MarketResult, OrderRec, PositionRec, Res, SettlementRec,
    Side, Status, Stp, ONE, USER_ID,
};
use crate::sandbox::SandboxError;
use crate::types::{self, builder};

/// Finish a generated value: `required` is its builder, `optional` a JSON object of
/// optional fields by wire name (`null` leaves a field unset). A name the type no
/// longer has is dropped, which is what makes the removal of an optional field from
/// the spec harmless here.
pub(crate) fn wire<T, B>(required: B, optional: Value) -> Res<T>
where
    B: TryInto<T>,
    B::Error: std::fmt::Display,
    T: Serialize + DeserializeOwned,
{
    let name = std::any::type_name::<T>();
    let internal = |what: String| {
        SandboxError::new(
            500,
            "internal_error",
            format!("the sandbox cannot build {name}: {what}"),
        )
    };
    let value: T = required.try_into().map_err(|e| internal(e.to_string()))?;
    let Value::Object(extra) = optional else {
        return Ok(value);
    };
    let extra: Vec<(String, Value)> = extra.into_iter().filter(|(_, v)| !v.is_null()).collect();
    if extra.is_empty() {
        return Ok(value);
    }
    let mut object = serde_json::to_value(&value).map_err(|e| internal(e.to_string()))?;
    if let Value::Object(fields) = &mut object {
        fields.extend(extra);
    }
    serde_json::from_value(object).map_err(|e| internal(e.to_string()))
}

/// Everything lives on exchange shard 0.
pub(crate) fn shard() -> types::ExchangeIndex {
    types::ExchangeIndex::from(0)
}

pub(crate) fn millis_to_time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

fn cents_down(micros: i64) -> i64 {
    micros.div_euclid(10_000)
}

fn cents_up(micros: i64) -> i64 {
    -(-micros).div_euclid(10_000)
}

fn book_side(side: Side) -> types::BookSide {
    match side {
        Side::Bid => types::BookSide::Bid,
        Side::Ask => types::BookSide::Ask,
    }
}

pub(super) fn order(o: &OrderRec) -> Res<types::Order> {
    let outcome = match o.side {
        Side::Bid => types::OrderOutcomeSide::Yes,
        Side::Ask => types::OrderOutcomeSide::No,
    };
    let status = match o.status {
        Status::Resting => types::OrderStatus::Resting,
        Status::Canceled => types::OrderStatus::Canceled,
        Status::Executed => types::OrderStatus::Executed,
    };
    let stp = match o.stp {
        Stp::TakerAtCross => types::SelfTradePreventionType::TakerAtCross,
        Stp::Maker => types::SelfTradePreventionType::Maker,
    };
    wire(
        builder::Order::default()
            .book_side(book_side(o.side))
            .client_order_id(o.client_order_id.clone())
            .fill_count_fp(count(o.filled))
            .initial_count_fp(count(o.initial))
            .maker_fees_dollars(dollars(o.maker_fees))
            .maker_fill_cost_dollars(dollars(o.maker_cost))
            .no_price_dollars(dollars(ONE - o.price))
            .order_id(o.id.clone())
            .outcome_side(outcome)
            .remaining_count_fp(count(o.remaining))
            .status(status)
            .taker_fees_dollars(dollars(o.taker_fees))
            .taker_fill_cost_dollars(dollars(o.taker_cost))
            .ticker(o.ticker.clone())
            .type_(types::OrderType::Limit)
            .user_id(USER_ID.to_string())
            .yes_price_dollars(dollars(o.price)),
        json!({
            "cancel_order_on_pause": o.cancel_order_on_pause,
            "created_time": millis_to_time(o.created_ms),
            "exchange_index": shard(),
            "expiration_time": o.expiration_ms.map(millis_to_time),
            "last_update_time": millis_to_time(o.updated_ms),
            "order_group_id": o.group,
            "self_trade_prevention_type": stp,
            "subaccount_number": 0,
        }),
    )
}

pub(super) fn fill(f: &FillRec) -> Res<types::Fill> {
    let (outcome, legacy_side) = match f.side {
        Side::Bid => (types::OutcomeSide::Yes, "yes"),
        Side::Ask => (types::OutcomeSide::No, "no"),
    };
    wire(
        builder::Fill::default()
            .book_side(book_side(f.side))
            .count_fp(count(f.count))
            .exchange_index(shard())
            .fee_cost(dollars(f.fee))
            .fill_id(f.fill_id.clone())
            .is_taker(f.is_taker)
            .market_ticker(f.ticker.clone())
            .no_price_dollars(dollars(ONE - f.yes_price))
            .order_id(f.order_id.clone())
            .outcome_side(outcome)
            .ticker(f.ticker.clone())
            .trade_id(f.trade_id.clone())
            .yes_price_dollars(dollars(f.yes_price)),
        // The legacy `action`/`side` pair: every fill buys YES or NO.
        json!({
            "action": "buy",
            "created_time": millis_to_time(f.ts_ms),
            "side": legacy_side,
            "subaccount_number": 0,
            "ts": f.ts_ms / 1000,
        }),
    )
}

pub(super) fn settlement(s: &SettlementRec) -> Res<types::Settlement> {
    let (result, value) = match s.result {
        MarketResult::Yes => (types::SettlementMarketResult::Yes, 100),
        MarketResult::No => (types::SettlementMarketResult::No, 0),
    };
    wire(
        builder::Settlement::default()
            .event_ticker(s.event_ticker.clone())
            .exchange_index(shard())
            .fee_cost(dollars(0))
            .market_result(result)
            .no_count_fp(count(s.no_count))
            .no_total_cost_dollars(dollars(s.no_cost))
            .revenue(s.revenue_cents)
            .settled_time(millis_to_time(s.ts_ms))
            .ticker(s.ticker.clone())
            .yes_count_fp(count(s.yes_count))
            .yes_total_cost_dollars(dollars(s.yes_cost)),
        json!({ "value": value }),
    )
}

pub(super) fn market_position(ticker: &str, p: &PositionRec) -> Res<types::MarketPosition> {
    wire(
        builder::MarketPosition::default()
            .exchange_index(shard())
            .fees_paid_dollars(dollars(p.fees))
            .last_updated_ts(millis_to_time(p.updated_ms))
            .market_exposure_dollars(dollars(p.basis))
            .position_fp(count(p.position))
            .realized_pnl_dollars(dollars(p.realized))
            .ticker(ticker.to_string())
            .total_traded_dollars(dollars(p.total_traded)),
        json!({}),
    )
}

/// An event's aggregate: `e` sums the positions of its markets.
pub(super) fn event_position(event_ticker: String, e: &PositionRec) -> Res<types::EventPosition> {
    wire(
        builder::EventPosition::default()
            .event_exposure_dollars(dollars(e.basis))
            .event_ticker(event_ticker)
            .fees_paid_dollars(dollars(e.fees))
            .realized_pnl_dollars(dollars(e.realized))
            .total_cost_dollars(dollars(e.total_traded))
            .total_cost_shares_fp(count(e.traded_count)),
        json!({}),
    )
}

fn indexed_balance(micros: i64) -> Res<types::IndexedBalance> {
    wire(
        builder::IndexedBalance::default()
            .balance(dollars(micros))
            .exchange_index(shard()),
        json!({}),
    )
}

/// `cash` and `exposure` (cost basis of open positions) in micro-dollars.
pub(super) fn balance(cash: i64, exposure: i64, now: i64) -> Res<types::GetBalanceResponse> {
    wire(
        builder::GetBalanceResponse::default()
            .balance(cents_down(cash))
            .balance_dollars(dollars(cash))
            .portfolio_value(cents_down(exposure))
            .updated_ts(now / 1000),
        json!({ "balance_breakdown": [indexed_balance(cash)?] }),
    )
}

/// The value of resting orders, `micros`, rounded up to the cent.
pub(super) fn resting_order_value(
    micros: i64,
) -> Res<types::GetPortfolioRestingOrderTotalValueResponse> {
    wire(
        builder::GetPortfolioRestingOrderTotalValueResponse::default()
            .resting_order_value_breakdown(vec![indexed_balance(micros)?])
            .total_resting_order_value(cents_up(micros)),
        json!({}),
    )
}

pub(super) fn queue_position(order: &OrderRec, ahead: i64) -> Res<types::OrderQueuePosition> {
    wire(
        builder::OrderQueuePosition::default()
            .market_ticker(order.ticker.clone())
            .order_id(order.id.clone())
            .queue_position_fp(count(ahead)),
        json!({}),
    )
}

pub(super) fn group(group: &GroupRec) -> Res<types::OrderGroup> {
    wire(
        builder::OrderGroup::default()
            .id(group.id.clone())
            .is_auto_cancel_enabled(!group.triggered),
        json!({
            "contracts_limit_fp": count(group.limit),
            "exchange_index": shard(),
        }),
    )
}

/// One group with the ids of its orders.
pub(super) fn group_detail(
    group: &GroupRec,
    orders: Vec<String>,
) -> Res<types::GetOrderGroupResponse> {
    wire(
        builder::GetOrderGroupResponse::default()
            .is_auto_cancel_enabled(!group.triggered)
            .orders(orders),
        json!({
            "contracts_limit_fp": count(group.limit),
            "exchange_index": shard(),
        }),
    )
}
