//! The answers the facade settles itself: what a write answers when its own answer
//! was lost and the exchange, read afterwards, shows the write applied. Every one is
//! built with the generated builders (never a literal), so a field Kalshi adds to an
//! answer does not touch this code.

use super::batches::{NOT_CANCELLED, NOT_PLACED};
use super::build_answer;
use crate::money::Count;
use crate::types;
use crate::{Error, Result};

/// The cancel answer for an order a lost attempt already cancelled; `reduced_by` is
/// its unfilled count (initial − filled), the lost answer being unrecoverable.
pub(super) fn cancelled_from(order: types::Order) -> Result<types::CancelOrderV2Response> {
    let unfilled = order
        .initial_count_fp
        .checked_sub(order.fill_count_fp)
        .unwrap_or(Count::ZERO);
    build_answer(
        types::builder::CancelOrderV2Response::default()
            .ts_ms(last_change_ms(&order))
            .reduced_by(unfilled)
            .client_order_id(order.client_order_id)
            .order_id(order.order_id),
    )
}

/// When the order last changed, in Unix milliseconds (0 if the exchange did not say).
pub(super) fn last_change_ms(order: &types::Order) -> i64 {
    order
        .last_update_time
        .or(order.created_time)
        .map_or(0, |time| time.timestamp_millis())
}

/// Describe an order found by lookup the way a batch create answers for a placed one.
pub(super) fn placed_item(
    order: types::Order,
) -> Result<types::BatchCreateOrdersV2ResponseOrdersItem> {
    let placed = placed_from(order)?;
    build_answer(
        types::builder::BatchCreateOrdersV2ResponseOrdersItem::default()
            .order_id(placed.order_id)
            .client_order_id(placed.client_order_id)
            .fill_count(placed.fill_count)
            .remaining_count(placed.remaining_count)
            .ts_ms(placed.ts_ms),
    )
}

/// The item for an order of a batch create whose outcome was in doubt and that the
/// exchange does not show: not placed. The code is this crate's own, so it cannot be
/// mistaken for Kalshi's.
pub(super) fn not_placed_item(
    client_order_id: &str,
    cause: &str,
) -> Result<types::BatchCreateOrdersV2ResponseOrdersItem> {
    let error = error_object(
        NOT_PLACED,
        "the batch's outcome was in doubt and the exchange does not show this order",
        cause,
    )?;
    build_answer(
        types::builder::BatchCreateOrdersV2ResponseOrdersItem::default()
            .client_order_id(client_order_id.to_string())
            .error(error),
    )
}

/// A batch-create item that carries an error of this crate's own for one order.
pub(super) fn create_item_with_error(
    client_order_id: &str,
    code: &str,
    message: &str,
    details: &dyn std::fmt::Display,
) -> Result<types::BatchCreateOrdersV2ResponseOrdersItem> {
    build_answer(
        types::builder::BatchCreateOrdersV2ResponseOrdersItem::default()
            .client_order_id(client_order_id.to_string())
            .error(error_object(code, message, &details.to_string())?),
    )
}

/// A batch-cancel item that carries an error of this crate's own for one order.
pub(super) fn cancel_item_with_error(
    order_id: &str,
    code: &str,
    message: &str,
    details: &dyn std::fmt::Display,
) -> Result<types::BatchCancelOrdersV2ResponseOrdersItem> {
    build_answer(
        types::builder::BatchCancelOrdersV2ResponseOrdersItem::default()
            .order_id(order_id.to_string())
            .reduced_by(Count::ZERO)
            .error(error_object(code, message, &details.to_string())?),
    )
}

/// An error object of this crate's own, for a batch item it settled itself.
pub(super) fn error_object(
    code: &str,
    message: &str,
    details: &str,
) -> Result<types::ErrorResponse> {
    build_answer(
        types::builder::ErrorResponse::default()
            .code(code.to_string())
            .message(message.to_string())
            .details(details.to_string()),
    )
}

/// Whether the order is as the amend asked: still resting or filled (not cancelled),
/// at its price, with its total count, and with its new client order id and expiry
/// where it set them. Prices are on the YES book, as the amend's `side` is.
pub(super) fn shows_amend(order: &types::Order, amend: &types::AmendOrderV2Request) -> bool {
    let live = matches!(
        order.status,
        types::OrderStatus::Resting | types::OrderStatus::Executed
    );
    let total = order.fill_count_fp.checked_add(order.remaining_count_fp);
    let client_order_id = amend
        .updated_client_order_id
        .as_ref()
        .is_none_or(|updated| *updated == order.client_order_id);
    let expiry = match amend.expiration_time {
        None => true,
        // 0 removes the expiry.
        Some(0) => order.expiration_time.is_none(),
        Some(seconds) => order.expiration_time.map(|time| time.timestamp()) == Some(seconds),
    };
    live && order.ticker == amend.ticker
        && order.book_side == amend.side
        && order.yes_price_dollars == amend.price
        && total == Some(amend.count)
        && client_order_id
        && expiry
}

/// The amend answer for an order a lost attempt already amended. An amend's
/// `fill_count` counts only the fills it caused, which the order record cannot tell
/// apart from earlier ones, so it is left out with the averages.
pub(super) fn amended_from(order: types::Order) -> Result<types::AmendOrderV2Response> {
    build_answer(
        types::builder::AmendOrderV2Response::default()
            .ts_ms(last_change_ms(&order))
            .remaining_count(order.remaining_count_fp)
            .client_order_id(order.client_order_id)
            .order_id(order.order_id),
    )
}

/// The batch-cancel item for an order a lost attempt already cancelled.
pub(super) fn cancelled_item(
    order: types::Order,
) -> Result<types::BatchCancelOrdersV2ResponseOrdersItem> {
    let cancelled = cancelled_from(order)?;
    build_answer(
        types::builder::BatchCancelOrdersV2ResponseOrdersItem::default()
            .order_id(cancelled.order_id)
            .client_order_id(cancelled.client_order_id)
            .reduced_by(cancelled.reduced_by)
            .ts_ms(cancelled.ts_ms),
    )
}

/// The item for an order of a failed batch cancel that the exchange does not show
/// cancelled (it may still rest, or have executed). The code is this crate's own.
pub(super) fn not_cancelled_item(
    order: types::Order,
    cause: &Error,
) -> Result<types::BatchCancelOrdersV2ResponseOrdersItem> {
    let message = format!(
        "the batch failed and the exchange shows this order {}",
        order.status
    );
    build_answer(
        types::builder::BatchCancelOrdersV2ResponseOrdersItem::default()
            .ts_ms(last_change_ms(&order))
            .error(error_object(NOT_CANCELLED, &message, &cause.to_string())?)
            .order_id(order.order_id)
            .client_order_id(order.client_order_id)
            .reduced_by(Count::ZERO),
    )
}

/// Describe an order found by lookup the way a create response would.
pub(super) fn placed_from(order: types::Order) -> Result<types::CreateOrderV2Response> {
    let ts_ms = order
        .created_time
        .or(order.last_update_time)
        .map_or(0, |time| time.timestamp_millis());
    build_answer(
        types::builder::CreateOrderV2Response::default()
            .order_id(order.order_id)
            .client_order_id(order.client_order_id)
            .fill_count(order.fill_count_fp)
            .remaining_count(order.remaining_count_fp)
            .ts_ms(ts_ms),
    )
}
