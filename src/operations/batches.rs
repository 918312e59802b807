//! Batch create and batch cancel.

use super::lookups::{is_same_order, outcome_unknown, unknown_create};
use super::settled::{
    cancel_item_with_error, cancelled_item, create_item_with_error, not_cancelled_item,
    not_placed_item, placed_item,
};
use super::{build_request, require_id};
use crate::client::CallKind;
use crate::order_builders::{unix_now, NewOrder};
use crate::types;
use crate::{Client, Error, Result};
use std::collections::HashMap;

impl Client {
    /// Place several orders (`POST /portfolio/events/orders/batched`), any number of
    /// them: they are sent in requests of at most [`Client::max_batch_size`], in
    /// order, and the answer has one item per order, in the order given.
    ///
    /// Every order is checked first; one bad order fails the call before anything is
    /// sent, with the field named as `orders[i].field`. Kalshi answers per order: an
    /// item whose `error` is set was not placed.
    ///
    /// Retried like [`Client::create_order`], and just as safe: each order keeps its
    /// `client_order_id` on every attempt. After a retry, items the exchange refused
    /// (as duplicates of an attempt whose answer was lost) are looked up and reported
    /// as placed; if a whole request failed after it may have reached the exchange,
    /// its orders are looked up, and those not found come back with the error code
    /// [`NOT_PLACED`].
    ///
    /// Not atomic: each request stands alone. If the first request fails, the call
    /// returns its error (nothing was placed). If a later one fails, the call returns
    /// the items so far, the failed request's orders with the error code
    /// [`BATCH_FAILED`] (its message says whether they may have reached the
    /// exchange), and the orders after it, which were not sent, with [`NOT_SENT`].
    pub fn batch_create_orders(
        &self,
        orders: &[NewOrder],
    ) -> Result<Vec<types::BatchCreateOrdersV2ResponseOrdersItem>> {
        if orders.is_empty() {
            return Err(Error::invalid("orders", "a batch needs at least one order"));
        }
        let orders = orders
            .iter()
            .enumerate()
            .map(|(i, order)| order.request_body(&format!("orders[{i}].")))
            .collect::<Result<Vec<_>>>()?;
        let mut seen = std::collections::HashSet::new();
        for (i, order) in orders.iter().enumerate() {
            if let Some(id) = &order.client_order_id {
                if !seen.insert(id.clone()) {
                    return Err(Error::invalid(
                        format!("orders[{i}].client_order_id"),
                        format!("{id:?} is used twice in this batch"),
                    ));
                }
            }
        }
        in_chunks(
            &orders,
            self.max_batch_size(),
            |chunk| self.create_chunk(chunk.to_vec()),
            |order| order.client_order_id.clone().unwrap_or_default(),
            create_item_with_error,
        )
    }

    /// One request of [`Client::batch_create_orders`], settled as its docs say.
    fn create_chunk(
        &self,
        orders: Vec<types::CreateOrderV2Request>,
    ) -> Result<Vec<types::BatchCreateOrdersV2ResponseOrdersItem>> {
        // (ticker, client_order_id) of each order, in request order, for lookups.
        let keys: Vec<(String, String)> = orders
            .iter()
            .map(|o| {
                (
                    o.ticker.clone(),
                    o.client_order_id.clone().unwrap_or_default(),
                )
            })
            .collect();
        let submitted_at = unix_now();
        // Every order carries its client_order_id on every attempt: repeating the
        // batch cannot place an order twice.
        let cost = orders.len();
        let requests = orders.clone();
        let body: types::BatchCreateOrdersV2Request =
            build_request(types::builder::BatchCreateOrdersV2Request::default().orders(orders))?;
        let result = self.call_counted(
            "batch_create_orders",
            CallKind::keyed_write(cost),
            move |raw| {
                let body = body.clone();
                async move { raw.batch_create_orders_v2().body(body).send().await }
            },
        );
        let result = result.and_then(|(response, attempts)| {
            // One item per order, or the answer cannot be matched to the orders.
            if response.orders.len() == keys.len() {
                Ok((response.orders, attempts))
            } else {
                Err(Error::decode(
                    "batch_create_orders",
                    format!(
                        "the answer has {} items for {} orders",
                        response.orders.len(),
                        keys.len()
                    ),
                    b"",
                ))
            }
        });
        match result {
            Ok((items, attempts)) => {
                self.settle_batch_items(items, attempts, &requests, &keys, submitted_at)
            }
            // The whole batch failed after it may have reached the exchange: report
            // each order as placed or not, as the exchange now shows it.
            Err(error) if outcome_unknown(&error) => {
                let ids = || keys.iter().map(|(_, id)| id.clone()).collect();
                let found = match self.find_batch(&keys, submitted_at) {
                    Ok(found) if !found.is_empty() => found,
                    Ok(_) => {
                        return Err(unknown_create(
                            "batch_create_orders",
                            ids(),
                            submitted_at,
                            error,
                        ))
                    }
                    Err(lookup) => {
                        tracing::warn!(error = %lookup, "batch lookup failed");
                        return Err(unknown_create(
                            "batch_create_orders",
                            ids(),
                            submitted_at,
                            error,
                        ));
                    }
                };
                let mut found = found;
                keys.iter()
                    .map(|(_, id)| match found.remove(id) {
                        Some(order) => placed_item(order),
                        None => not_placed_item(id, &error.to_string()),
                    })
                    .collect()
            }
            Err(error) => Err(error),
        }
    }

    /// Settle the items of a batch create answer whose outcome is in doubt, by looking
    /// their orders up:
    ///
    /// * after a retry, an item refused now may have been placed by an attempt whose
    ///   answer was lost; one the exchange shows is reported as placed; so is an item
    ///   refused as a duplicate `client_order_id` on any attempt;
    /// * an item that names neither an order nor an error (a V1-shaped answer, or one
    ///   the spec's all-optional item type would otherwise pass as an empty success)
    ///   is reported as placed if the exchange shows its order, and otherwise carries
    ///   the error code [`NOT_PLACED`].
    fn settle_batch_items(
        &self,
        mut items: Vec<types::BatchCreateOrdersV2ResponseOrdersItem>,
        attempts: u32,
        requests: &[types::CreateOrderV2Request],
        keys: &[(String, String)],
        submitted_at: i64,
    ) -> Result<Vec<types::BatchCreateOrdersV2ResponseOrdersItem>> {
        let unreadable = |item: &types::BatchCreateOrdersV2ResponseOrdersItem| {
            item.order_id.is_none() && item.error.is_none()
        };
        // A duplicate refusal means the id was used before (a late execution, or the
        // caller's retry by hand with the id an error gave it): the order exists.
        let duplicate = |item: &types::BatchCreateOrdersV2ResponseOrdersItem| {
            item.error
                .as_ref()
                .and_then(|error| error.code.as_deref())
                .is_some_and(|code| code.contains("duplicate"))
        };
        let in_doubt = |item: &types::BatchCreateOrdersV2ResponseOrdersItem| {
            unreadable(item) || duplicate(item) || (attempts > 1 && item.error.is_some())
        };
        // An item names its order by client_order_id; by position otherwise.
        let item_key = |index: usize, item: &types::BatchCreateOrdersV2ResponseOrdersItem| {
            let id = item
                .client_order_id
                .clone()
                .or_else(|| keys.get(index).map(|(_, id)| id.clone()))?;
            let (ticker, _) = keys.iter().find(|(_, key_id)| *key_id == id)?;
            Some((ticker.clone(), id))
        };
        let doubtful: Vec<(String, String)> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| in_doubt(item))
            .filter_map(|(index, item)| item_key(index, item))
            .collect();
        if doubtful.is_empty() && !items.iter().any(unreadable) {
            return Ok(items);
        }
        let mut found = match self.find_batch(&doubtful, submitted_at) {
            Ok(found) => found,
            Err(lookup) => {
                tracing::warn!(error = %lookup, "batch lookup failed");
                HashMap::new()
            }
        };
        for (index, item) in items.iter_mut().enumerate() {
            if !in_doubt(item) {
                continue;
            }
            let key = item_key(index, item);
            // A refusal of a first attempt as a duplicate is this order only if the
            // order with the id is this order; an id reused for another stays refused.
            let first_refusal = attempts == 1 && duplicate(item);
            let request = key.as_ref().and_then(|(_, id)| {
                requests
                    .iter()
                    .find(|request| request.client_order_id.as_deref() == Some(id.as_str()))
            });
            let order = key
                .as_ref()
                .and_then(|(_, id)| found.remove(id))
                .filter(|order| {
                    !first_refusal || request.is_some_and(|request| is_same_order(order, request))
                });
            if let Some(order) = order {
                *item = placed_item(order)?;
            } else if unreadable(item) {
                let id = key.map_or_else(|| keys[index].1.clone(), |(_, id)| id);
                *item = not_placed_item(
                    &id,
                    "the exchange's answer for this order named neither an order id nor \
                     an error",
                )?;
            }
        }
        Ok(items)
    }

    /// Cancel several orders (`DELETE /portfolio/events/orders/batched`), any number
    /// of them, given as `&[&str]`, `Vec<String>`, `&[String]` or any iterator of
    /// string-likes: they are sent in requests of at most [`Client::max_batch_size`],
    /// and the answer has one item per order, in the order given. Kalshi answers per
    /// order.
    ///
    /// Retried like [`Client::cancel_order`]: after a retry, an item the exchange
    /// refused for an order that is now cancelled (by an attempt whose answer was
    /// lost) is reported as cancelled, with `reduced_by` its unfilled count
    /// (initial − filled), as for a single cancel. If a whole request failed after it
    /// may have reached the exchange, each of its orders is read: when any of them is
    /// now cancelled the request counts as answered, reporting those as cancelled and
    /// the others with the error code [`NOT_CANCELLED`].
    ///
    /// Not atomic, like [`Client::batch_create_orders`]: a failed first request is the
    /// call's error; a later one marks its orders [`BATCH_FAILED`] and the rest
    /// [`NOT_SENT`].
    pub fn batch_cancel_orders<I, S>(
        &self,
        order_ids: I,
    ) -> Result<Vec<types::BatchCancelOrdersV2ResponseOrdersItem>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let ids: Vec<String> = order_ids
            .into_iter()
            .map(|id| id.as_ref().to_string())
            .collect();
        if ids.is_empty() {
            return Err(Error::invalid("orders", "a batch needs at least one order"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, id) in ids.iter().enumerate() {
            require_id(&format!("orders[{i}].order_id"), id)?;
            if !seen.insert(id.as_str()) {
                return Err(Error::invalid(
                    format!("orders[{i}].order_id"),
                    format!("{id:?} is listed twice"),
                ));
            }
        }
        in_chunks(
            &ids,
            self.max_batch_size(),
            |chunk| self.cancel_chunk(chunk),
            String::clone,
            cancel_item_with_error,
        )
    }

    /// One request of [`Client::batch_cancel_orders`], settled as its docs say.
    fn cancel_chunk(
        &self,
        ids: &[String],
    ) -> Result<Vec<types::BatchCancelOrdersV2ResponseOrdersItem>> {
        let cost = ids.len();
        let orders = ids
            .iter()
            .map(|order_id| {
                build_request(
                    types::builder::BatchCancelOrdersV2RequestOrdersItem::default()
                        .order_id(order_id.clone()),
                )
            })
            .collect::<Result<Vec<types::BatchCancelOrdersV2RequestOrdersItem>>>()?;
        let body: types::BatchCancelOrdersV2Request =
            build_request(types::builder::BatchCancelOrdersV2Request::default().orders(orders))?;
        let result = self.call_counted(
            "batch_cancel_orders",
            CallKind::keyed_write(cost),
            move |raw| {
                let body = body.clone();
                async move { raw.batch_cancel_orders_v2().body(body).send().await }
            },
        );
        match result {
            Ok((response, 1)) => Ok(response.orders),
            // A retried batch: an item refused now may be an order an attempt whose
            // answer was lost already cancelled. Report those as cancelled.
            Ok((response, _)) => response
                .orders
                .into_iter()
                .map(|item| match &item.error {
                    Some(_) => match self.get_order(&item.order_id) {
                        Ok(order) if order.status == types::OrderStatus::Canceled => {
                            cancelled_item(order)
                        }
                        _ => Ok(item),
                    },
                    None => Ok(item),
                })
                .collect(),
            // The whole batch failed after it may have reached the exchange: report
            // each order as the exchange now shows it.
            Err(error) if outcome_unknown(&error) => self.settle_failed_batch_cancel(ids, error),
            Err(error) => Err(error),
        }
    }

    /// Read every order of a batch cancel that failed as a whole. The call succeeds
    /// only if some order is now cancelled; if none is, or a read fails, the
    /// caller gets the batch's own error.
    fn settle_failed_batch_cancel(
        &self,
        ids: &[String],
        error: Error,
    ) -> Result<Vec<types::BatchCancelOrdersV2ResponseOrdersItem>> {
        let mut orders = Vec::with_capacity(ids.len());
        for id in ids {
            match self.get_order(id) {
                Ok(order) => orders.push(order),
                Err(lookup) => {
                    tracing::warn!(error = %lookup, "batch cancel lookup failed");
                    return Err(error);
                }
            }
        }
        if !orders
            .iter()
            .any(|order| order.status == types::OrderStatus::Canceled)
        {
            return Err(error);
        }
        orders
            .into_iter()
            .map(|order| {
                if order.status == types::OrderStatus::Canceled {
                    cancelled_item(order)
                } else {
                    not_cancelled_item(order, &error)
                }
            })
            .collect()
    }
}

/// The item error code of an order of a failed batch that the exchange does not show.
pub const NOT_PLACED: &str = "kalshi_portfolio_not_placed";

/// The item error code of an order of a failed batch cancel that the exchange does not
/// show cancelled.
pub const NOT_CANCELLED: &str = "kalshi_portfolio_not_cancelled";

/// The item error code of the orders of a request that failed as a whole, in a batch
/// call that had already sent an earlier request (see
/// [`Client::batch_create_orders`]). The message says whether they may have reached
/// the exchange; the details carry the request's error.
pub const BATCH_FAILED: &str = "kalshi_portfolio_batch_failed";

/// The item error code of the orders a batch call did not send, because an earlier
/// request of it failed as a whole.
pub const NOT_SENT: &str = "kalshi_portfolio_not_sent";

const NOT_SENT_MESSAGE: &str = "not sent: an earlier request of this batch failed";

fn batch_failed_message(error: &Error) -> String {
    if error.may_have_reached_exchange() {
        "this order's request failed as a whole, and it may have reached the exchange: \
         read the order (by client_order_id) before sending it again"
            .to_string()
    } else {
        "this order's request failed as a whole and did not reach the exchange".to_string()
    }
}

/// Send `items` in chunks of at most `size`, one request each, in order, and join the
/// answers. A failure of the first request is the call's error; a failure of a later
/// one marks its items [`BATCH_FAILED`] and every later item [`NOT_SENT`] (each named
/// by `id_of`, the item built by `marked`), and ends the sending (an exchange refusing
/// one request, or unreachable, is likely to refuse the next).
fn in_chunks<T, Item>(
    items: &[T],
    size: usize,
    mut send: impl FnMut(&[T]) -> Result<Vec<Item>>,
    id_of: impl Fn(&T) -> String,
    marked: fn(&str, &str, &str, &dyn std::fmt::Display) -> Result<Item>,
) -> Result<Vec<Item>> {
    let mut answers = Vec::with_capacity(items.len());
    let mut chunks = items.chunks(size.max(1));
    let mut first = true;
    while let Some(chunk) = chunks.next() {
        match send(chunk) {
            Ok(items) => answers.extend(items),
            Err(error) if first => return Err(error),
            Err(error) => {
                tracing::warn!(error = %error, "a request of a batch failed; the rest is not sent");
                let failed = batch_failed_message(&error);
                for item in chunk {
                    answers.push(marked(&id_of(item), BATCH_FAILED, &failed, &error)?);
                }
                for item in chunks.by_ref().flatten() {
                    answers.push(marked(&id_of(item), NOT_SENT, NOT_SENT_MESSAGE, &"")?);
                }
            }
        }
        first = false;
    }
    Ok(answers)
}
