//! Orders: reads on `/portfolio/orders…`, writes on the V2 `/portfolio/events/orders…`.

use super::{build_answer, build_request, list_operation, require_id};
use crate::client::CallKind;
use std::collections::{HashMap, HashSet};

use crate::money::Count;
use crate::order_builders::{unix_now, AmendOrder, DecreaseOrder, NewOrder};
use crate::pagination::{List, Page};
use crate::types;
use crate::{Client, Error, Result};

list_operation! {
    /// Filters of [`Client::get_orders`].
    Orders => get_orders, response: types::GetOrdersResponse, item: types::Order, max_limit: 1000,
    into_page: |r| Page::new(r.orders, Some(r.cursor)),
    filters {
        /// Only this market.
        ticker: String,
        /// Only these events (comma-separated, up to 10).
        event_ticker: String,
        /// Only orders created after this Unix time (seconds).
        min_ts: i64,
        /// Only orders created before this Unix time (seconds).
        max_ts: i64,
        /// Only orders with this status: `resting`, `canceled` or `executed`.
        status: String,
        /// Only this subaccount.
        subaccount: i64,
        /// Only this exchange shard.
        exchange_index: i32,
    }
}

/// A request for the queue positions of resting orders; see
/// [`Client::get_queue_positions`].
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct QueuePositions {
    client: Client,
    market_tickers: Vec<String>,
    event_ticker: Option<String>,
    subaccount: Option<i64>,
}

impl QueuePositions {
    /// Only orders in these markets.
    pub fn market_tickers<I, S>(mut self, tickers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.market_tickers
            .extend(tickers.into_iter().map(Into::into));
        self
    }

    /// Only orders in this event.
    pub fn event_ticker(mut self, event_ticker: impl Into<String>) -> Self {
        self.event_ticker = Some(event_ticker.into());
        self
    }

    /// Only this subaccount (0, the primary account, by default).
    pub fn subaccount(mut self, subaccount: i64) -> Self {
        self.subaccount = Some(subaccount);
        self
    }

    /// Fetch the queue positions.
    pub fn send(&self) -> Result<Vec<types::OrderQueuePosition>> {
        if let Some(bad) = self
            .market_tickers
            .iter()
            .find(|t| t.is_empty() || t.contains(','))
        {
            return Err(Error::invalid(
                "market_tickers",
                format!("{bad:?} is not a single market ticker"),
            ));
        }
        let market_tickers = Some(self.market_tickers.join(",")).filter(|t| !t.is_empty());
        let event_ticker = self.event_ticker.clone();
        let subaccount = self.subaccount;
        let response =
            self.client
                .call("get_order_queue_positions", CallKind::READ, move |raw| {
                    let market_tickers = market_tickers.clone();
                    let event_ticker = event_ticker.clone();
                    async move {
                        let mut request = raw.get_order_queue_positions();
                        if let Some(tickers) = market_tickers {
                            request = request.market_tickers(tickers);
                        }
                        if let Some(event) = event_ticker {
                            request = request.event_ticker(event);
                        }
                        if let Some(subaccount) = subaccount {
                            request = request.subaccount(subaccount);
                        }
                        request.send().await
                    }
                })?;
        Ok(response.queue_positions)
    }
}

impl Client {
    /// Orders, newest first (`GET /portfolio/orders`), as a paginated [`List`].
    pub fn get_orders(&self) -> List<Orders> {
        List::new(self.clone(), Orders::default())
    }

    /// One order (`GET /portfolio/orders/{order_id}`).
    pub fn get_order(&self, order_id: &str) -> Result<types::Order> {
        require_id("order_id", order_id)?;
        let id = order_id.to_string();
        let response = self.call("get_order", CallKind::READ, move |raw| {
            let id = id.clone();
            async move { raw.get_order().order_id(id).send().await }
        })?;
        Ok(response.order)
    }

    /// How many contracts are ahead of a resting order in its price level
    /// (`GET /portfolio/orders/{order_id}/queue_position`).
    pub fn get_order_queue_position(&self, order_id: &str) -> Result<crate::money::Count> {
        require_id("order_id", order_id)?;
        let id = order_id.to_string();
        let response = self.call("get_order_queue_position", CallKind::READ, move |raw| {
            let id = id.clone();
            async move { raw.get_order_queue_position().order_id(id).send().await }
        })?;
        Ok(response.queue_position_fp)
    }

    /// Queue positions of resting orders (`GET /portfolio/orders/queue_positions`).
    pub fn get_queue_positions(&self) -> QueuePositions {
        QueuePositions {
            client: self.clone(),
            market_tickers: Vec::new(),
            event_ticker: None,
            subaccount: None,
        }
    }

    /// Place an order (`POST /portfolio/events/orders`), after checking it.
    ///
    /// Safe to retry, and retried by the client's [`RetryPolicy`](crate::RetryPolicy):
    /// the order carries one `client_order_id` (yours, or a generated UUID) on every
    /// attempt, so the exchange cannot place it twice. When the outcome is unknown
    /// (a timeout, dropped connection or 5xx after sending, or any failure after a
    /// retry, e.g. "duplicate client order id" or a 429 following a lost answer) the
    /// client looks the order up and returns it if it exists; only if it cannot be
    /// found is the error returned.
    pub fn create_order(&self, order: &NewOrder) -> Result<types::CreateOrderV2Response> {
        let body = order.validate("")?;
        let client_order_id = body.client_order_id.clone().unwrap_or_default();
        let ticker = body.ticker.clone();
        let submitted_at = unix_now();
        let result = self.call("create_order_v2", CallKind::keyed_write(1), move |raw| {
            let body = body.clone();
            async move { raw.create_order_v2().body(body).send().await }
        });
        match result {
            Ok(mut response) => {
                if response.client_order_id.is_none() {
                    response.client_order_id = Some(client_order_id);
                }
                Ok(response)
            }
            Err(error) if outcome_unknown(&error) => {
                tracing::warn!(
                    client_order_id = %client_order_id,
                    error = %error,
                    "order outcome unknown; looking it up"
                );
                match self.find_order(&ticker, &client_order_id, submitted_at) {
                    Ok(Some(order)) => placed_from(order),
                    Ok(None) => Err(error),
                    Err(lookup) => {
                        tracing::warn!(error = %lookup, "order lookup failed");
                        Err(error)
                    }
                }
            }
            Err(error) => Err(error),
        }
    }

    /// Find the order with this client order id among the market's orders created
    /// since shortly before `since` (Unix seconds).
    fn find_order(
        &self,
        ticker: &str,
        client_order_id: &str,
        since: i64,
    ) -> Result<Option<types::Order>> {
        let wanted = HashSet::from([client_order_id]);
        Ok(self
            .find_orders(ticker, &wanted, since)?
            .remove(client_order_id))
    }

    /// Find the orders with these client order ids among the market's orders created
    /// since shortly before `since`, in one walk of the market's orders.
    fn find_orders(
        &self,
        ticker: &str,
        client_order_ids: &HashSet<&str>,
        since: i64,
    ) -> Result<HashMap<String, types::Order>> {
        let orders = self
            .get_orders()
            .ticker(ticker)
            .min_ts(since - ORDER_LOOKUP_SLACK_SECONDS)
            .limit(200)
            .max_pages(ORDER_LOOKUP_MAX_PAGES);
        let mut found = HashMap::new();
        for order in orders.iter() {
            let order = order?;
            if client_order_ids.contains(order.client_order_id.as_str()) {
                found.insert(order.client_order_id.clone(), order);
                if found.len() == client_order_ids.len() {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// Look up the orders of a batch whose outcome is unknown, by market.
    fn find_batch(
        &self,
        keys: &[(String, String)],
        since: i64,
    ) -> Result<HashMap<String, types::Order>> {
        let mut by_ticker: HashMap<&str, HashSet<&str>> = HashMap::new();
        for (ticker, id) in keys {
            by_ticker.entry(ticker).or_default().insert(id);
        }
        let mut found = HashMap::new();
        for (ticker, ids) in by_ticker {
            found.extend(self.find_orders(ticker, &ids, since)?);
        }
        Ok(found)
    }

    /// Place several orders in one request (`POST /portfolio/events/orders/batched`).
    ///
    /// Every order is checked first; one bad order fails the call before sending, with
    /// the field named as `orders[i].field`. Kalshi answers per order: an item whose
    /// `error` is set was not placed.
    ///
    /// Retried like [`Client::create_order`], and just as safe: each order keeps its
    /// `client_order_id` on every attempt. After a retry, items the exchange refused
    /// (as duplicates of an attempt whose answer was lost) are looked up and reported
    /// as placed; if the whole batch failed after it may have reached the exchange,
    /// every order is looked up, and those not found come back with the error code
    /// [`NOT_PLACED`].
    pub fn batch_create_orders(
        &self,
        orders: &[NewOrder],
    ) -> Result<Vec<types::BatchCreateOrdersV2ResponseOrdersItem>> {
        self.check_batch_size(orders.len())?;
        let orders = orders
            .iter()
            .enumerate()
            .map(|(i, order)| order.validate(&format!("orders[{i}].")))
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
        let body: types::BatchCreateOrdersV2Request =
            build_request(types::builder::BatchCreateOrdersV2Request::default().orders(orders))?;
        let result = self.call_counted(
            "batch_create_orders_v2",
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
                    "batch_create_orders_v2",
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
            Ok((items, attempts)) => self.settle_batch_items(items, attempts, &keys, submitted_at),
            // The whole batch failed after it may have reached the exchange: report
            // each order as placed or not, as the exchange now shows it.
            Err(error) if outcome_unknown(&error) => {
                let found = match self.find_batch(&keys, submitted_at) {
                    Ok(found) if !found.is_empty() => found,
                    Ok(_) => return Err(error),
                    Err(lookup) => {
                        tracing::warn!(error = %lookup, "batch lookup failed");
                        return Err(error);
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
    ///   answer was lost; one the exchange shows is reported as placed;
    /// * an item that names neither an order nor an error (a V1-shaped answer, or one
    ///   the spec's all-optional item type would otherwise pass as an empty success)
    ///   is reported as placed if the exchange shows its order, and otherwise carries
    ///   the error code [`NOT_PLACED`].
    fn settle_batch_items(
        &self,
        mut items: Vec<types::BatchCreateOrdersV2ResponseOrdersItem>,
        attempts: u32,
        keys: &[(String, String)],
        submitted_at: i64,
    ) -> Result<Vec<types::BatchCreateOrdersV2ResponseOrdersItem>> {
        let unreadable = |item: &types::BatchCreateOrdersV2ResponseOrdersItem| {
            item.order_id.is_none() && item.error.is_none()
        };
        let in_doubt = |item: &types::BatchCreateOrdersV2ResponseOrdersItem| {
            unreadable(item) || (attempts > 1 && item.error.is_some())
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
            if let Some(order) = key.as_ref().and_then(|(_, id)| found.remove(id)) {
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

    /// Change the price, total count or expiry of a resting order
    /// (`POST /portfolio/events/orders/{order_id}/amend`).
    ///
    /// Retried like any keyed write. When the call fails after a retry or a lost
    /// answer (say a retry refused because the amend, applied by an earlier attempt,
    /// let the order fill completely), the order is read; if it now has the amend's
    /// price and total count (filled + remaining), and its new client order id and
    /// expiry if the amend set them, the call succeeds with the order's remaining
    /// count. Its `fill_count` and averages are then absent: the order record does not
    /// tell the fills the amend caused from earlier ones.
    ///
    /// Kalshi's answer carries the counts only when the amend filled or resized the
    /// order. After a retry, the answer without them is completed with the order's
    /// remaining count, since a lost earlier attempt may have resized it; `fill_count`
    /// and the averages are always the answering attempt's.
    pub fn amend_order(
        &self,
        order_id: &str,
        amend: &AmendOrder,
    ) -> Result<types::AmendOrderV2Response> {
        require_id("order_id", order_id)?;
        let body = amend.validate()?;
        let sent = body.clone();
        let id = order_id.to_string();
        // An amend states the order's new price and total count, so applying it twice
        // leaves the same order: safe to repeat.
        let result = self.call_counted("amend_order_v2", CallKind::keyed_write(1), move |raw| {
            let (id, body) = (id.clone(), body.clone());
            async move { raw.amend_order_v2().order_id(id).body(body).send().await }
        });
        match result {
            Ok((amended, 1)) => Ok(amended),
            // Kalshi leaves the counts out when an amend neither fills nor resizes the
            // order, which is what a retry repeating an applied amend does: the
            // remaining count the caller needs is then the order's.
            Ok((mut amended, _)) => {
                if amended.remaining_count.is_none() {
                    if let Ok(order) = self.get_order(order_id) {
                        amended.remaining_count = Some(order.remaining_count_fp);
                    }
                }
                Ok(amended)
            }
            Err(error) if outcome_unknown(&error) => match self.get_order(order_id) {
                Ok(order) if shows_amend(&order, &sent) => amended_from(order),
                _ => Err(error),
            },
            Err(error) => Err(error),
        }
    }

    /// Shrink a resting order (`POST /portfolio/events/orders/{order_id}/decrease`).
    pub fn decrease_order(
        &self,
        order_id: &str,
        decrease: &DecreaseOrder,
    ) -> Result<types::DecreaseOrderV2Response> {
        require_id("order_id", order_id)?;
        let body = decrease.validate()?;
        let id = order_id.to_string();
        // `reduce_to` states the result and is safe to repeat; `reduce_by` would shrink
        // the order again, so it is retried only when nothing happened.
        let kind = if body.reduce_to.is_some() {
            CallKind::keyed_write(1)
        } else {
            CallKind::UNKEYED_WRITE
        };
        let target = body.reduce_to;
        let result = self.call("decrease_order_v2", kind, move |raw| {
            let (id, body) = (id.clone(), body.clone());
            async move { raw.decrease_order_v2().order_id(id).body(body).send().await }
        });
        match (result, target) {
            // A failure after a retry or a lost answer: an attempt may have applied
            // it. If the order now rests at the target, one did, and this is success.
            (Err(error), Some(target)) if outcome_unknown(&error) => {
                match self.get_order(order_id) {
                    Ok(order) if order.remaining_count_fp == target => build_answer(
                        types::builder::DecreaseOrderV2Response::default()
                            .ts_ms(last_change_ms(&order))
                            .remaining_count(order.remaining_count_fp)
                            .client_order_id(order.client_order_id)
                            .order_id(order.order_id),
                    ),
                    _ => Err(error),
                }
            }
            (result, _) => result,
        }
    }

    /// Cancel a resting order (`DELETE /portfolio/events/orders/{order_id}`).
    ///
    /// Retried like any keyed write. When the call fails after a retry or a lost
    /// answer (say a retry refused because an earlier attempt already cancelled the
    /// order), the order is read; if it is now cancelled, the call succeeds, with
    /// `reduced_by` the order's unfilled count (initial − filled), since the lost
    /// answer cannot be recovered.
    pub fn cancel_order(&self, order_id: &str) -> Result<types::CancelOrderV2Response> {
        require_id("order_id", order_id)?;
        let id = order_id.to_string();
        let result = self.call("cancel_order_v2", CallKind::keyed_write(1), move |raw| {
            let id = id.clone();
            async move { raw.cancel_order_v2().order_id(id).send().await }
        });
        match result {
            Err(error) if outcome_unknown(&error) => match self.get_order(order_id) {
                Ok(order) if order.status == types::OrderStatus::Canceled => cancelled_from(order),
                _ => Err(error),
            },
            result => result,
        }
    }

    /// Cancel several orders in one request
    /// (`DELETE /portfolio/events/orders/batched`). Kalshi answers per order.
    ///
    /// Retried like [`Client::cancel_order`]: after a retry, an item the exchange
    /// refused for an order that is now cancelled (by an attempt whose answer was
    /// lost) is reported as cancelled, with `reduced_by` its unfilled count
    /// (initial − filled), as for a single cancel. If the whole batch failed after it
    /// may have reached the exchange, every order is read: when any of them is now
    /// cancelled the call succeeds, reporting those as cancelled and the others with
    /// the error code [`NOT_CANCELLED`]; when none is, it returns the error.
    pub fn batch_cancel_orders<I, S>(
        &self,
        order_ids: I,
    ) -> Result<Vec<types::BatchCancelOrdersV2ResponseOrdersItem>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids: Vec<String> = order_ids.into_iter().map(Into::into).collect();
        self.check_batch_size(ids.len())?;
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
            "batch_cancel_orders_v2",
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
            Err(error) if outcome_unknown(&error) => self.settle_failed_batch_cancel(&ids, error),
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

    /// Cancel every resting order of the account (`DELETE /portfolio/events/orders`).
    pub fn cancel_all_orders(&self) -> Result<()> {
        self.call(
            "cancel_all_orders",
            CallKind::keyed_write(1),
            |raw| async move { raw.cancel_all_orders().send().await },
        )
        .map(drop)
    }

    fn check_batch_size(&self, len: usize) -> Result<()> {
        let max = self.max_batch_size();
        if len == 0 {
            Err(Error::invalid("orders", "a batch needs at least one order"))
        } else if len > max {
            Err(Error::invalid(
                "orders",
                format!("{len} orders exceed the batch limit of {max}"),
            ))
        } else {
            Ok(())
        }
    }
}

/// The item error code of an order of a failed batch that the exchange does not show.
pub const NOT_PLACED: &str = "kalshi_portfolio_not_placed";

/// The item error code of an order of a failed batch cancel that the exchange does not
/// show cancelled.
pub const NOT_CANCELLED: &str = "kalshi_portfolio_not_cancelled";

/// How far before the call the order lookup searches, to absorb clock skew between this
/// machine and the exchange.
const ORDER_LOOKUP_SLACK_SECONDS: i64 = 300;
/// Pages of 200 orders the lookup reads at most before concluding the order is absent.
const ORDER_LOOKUP_MAX_PAGES: usize = 10;

/// Whether a failed write may nevertheless have been applied: the request may have
/// reached the exchange and the answer was lost or could not be read, or the call was
/// retried. An attempt is only retried after a 429 (nothing applied) or after a
/// failure whose answer was lost, and the last error does not say which: an earlier
/// attempt may have placed or cancelled the order even when the last one was refused
/// (as a duplicate, as not resting), rate limited, or failed otherwise. A lookup
/// settles it.
///
/// An answer that arrived but cannot be trusted is as good as lost: a 2xx this
/// operation does not declare or whose body does not decode, a redirect (the server
/// that sent it received the request), or a body over the size limit.
fn outcome_unknown(error: &Error) -> bool {
    let last = error.last();
    let retried = error.attempts() > 1;
    let lost_answer = match last {
        Error::Timeout {
            may_have_reached_exchange,
            ..
        }
        | Error::Transport {
            may_have_reached_exchange,
            ..
        } => *may_have_reached_exchange,
        Error::Api(api) => api.status >= 500,
        Error::Decode { .. } | Error::Redirect { .. } | Error::ResponseTooLarge { .. } => true,
        _ => false,
    };
    retried || lost_answer
}

/// The cancel answer for an order a lost attempt already cancelled; `reduced_by` is
/// its unfilled count (initial − filled), the lost answer being unrecoverable.
fn cancelled_from(order: types::Order) -> Result<types::CancelOrderV2Response> {
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
fn last_change_ms(order: &types::Order) -> i64 {
    order
        .last_update_time
        .or(order.created_time)
        .map_or(0, |time| time.timestamp_millis())
}

/// Describe an order found by lookup the way a batch create answers for a placed one.
fn placed_item(order: types::Order) -> Result<types::BatchCreateOrdersV2ResponseOrdersItem> {
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
fn not_placed_item(
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

/// An error object of this crate's own, for a batch item it settled itself.
fn error_object(code: &str, message: &str, details: &str) -> Result<types::ErrorResponse> {
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
fn shows_amend(order: &types::Order, amend: &types::AmendOrderV2Request) -> bool {
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
fn amended_from(order: types::Order) -> Result<types::AmendOrderV2Response> {
    build_answer(
        types::builder::AmendOrderV2Response::default()
            .ts_ms(last_change_ms(&order))
            .remaining_count(order.remaining_count_fp)
            .client_order_id(order.client_order_id)
            .order_id(order.order_id),
    )
}

/// The batch-cancel item for an order a lost attempt already cancelled.
fn cancelled_item(order: types::Order) -> Result<types::BatchCancelOrdersV2ResponseOrdersItem> {
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
fn not_cancelled_item(
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
fn placed_from(order: types::Order) -> Result<types::CreateOrderV2Response> {
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
